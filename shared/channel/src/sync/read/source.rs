//! The PayTraq side: one list, `products?WarehouseID=` (all pages), plus
//! the price list of the chosen price group when prices are synced, turned
//! into the planner's [`SourceItem`]s by a pure function.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::accounting::Accounting;
use crate::paytraq::model::{Price, Product as PtProduct};
use crate::paytraq::PaytraqError;
use crate::sync::plan::SourceItem;

/// What the PayTraq side needs to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceQuery {
    pub warehouse_id: u64,
    /// `Some(group)` when prices are synced.
    pub price_group_id: Option<u64>,
    /// The shop's `woocommerce_prices_include_tax`.
    pub prices_include_tax: bool,
}

/// Every PayTraq product with a code, with what it has available in the
/// warehouse (see [`available`]) and, if asked, its price. The product
/// list and the price list are read at once; the company's pacer still
/// spaces the requests out to PayTraq's rate.
pub async fn read_source(
    pt: &dyn Accounting,
    q: SourceQuery,
) -> Result<Vec<SourceItem>, PaytraqError> {
    let (products, prices) = tokio::try_join!(pt.products_of_warehouse(q.warehouse_id), async {
        match q.price_group_id {
            Some(group) => pt.price_list(group).await.map(Some),
            None => Ok(None),
        }
    },)?;
    Ok(source_items(
        &products,
        prices.as_deref(),
        q.prices_include_tax,
    ))
}

/// What a product of `products?WarehouseID=` has available for sale:
/// - `Inventory/InterimAvailable` when present (the warehouse's stock minus
///   its approved sales orders: an assumption kept in
///   `paytraq::routes::products_of_warehouse`);
/// - else `Inventory/Qty` (on hand): the best figure PayTraq gives for the
///   item, rather than zeroing a shop item PayTraq does hold;
/// - else (no `Inventory` at all, e.g. a non-stock item) 0.
pub fn available(p: &PtProduct) -> Decimal {
    match &p.inventory {
        Some(inv) => inv.interim_available.unwrap_or(inv.qty),
        None => Decimal::ZERO,
    }
}

/// Products with their prices joined by `ItemID`. SKU = `Code`, trimmed;
/// items without a code are not matchable and are left out.
pub fn source_items(
    products: &[PtProduct],
    prices: Option<&[Price]>,
    include_tax: bool,
) -> Vec<SourceItem> {
    let price_of: HashMap<u64, Decimal> = prices
        .unwrap_or_default()
        .iter()
        .filter_map(|p| Some((p.item_id, p.price(include_tax)?)))
        .collect();
    products
        .iter()
        .filter_map(|p| {
            let sku = p.code.as_deref().map(str::trim).filter(|c| !c.is_empty())?;
            Some(SourceItem {
                sku: sku.to_owned(),
                available: available(p),
                price: price_of.get(&p.item_id).copied(),
            })
        })
        .collect()
}
