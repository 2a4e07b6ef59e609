//! Reading both sides into the planner's plain inputs: the PayTraq
//! catalogue (products, warehouse stock, reserved quantities, prices) as
//! [`SourceItem`]s, and the shop's products and variations as [`ShopItem`]s.
//! The conversions are pure functions; the fetches around them only page.

use std::collections::HashMap;

use futures::{StreamExt, TryStreamExt};
use rust_decimal::Decimal;

use super::plan::{ShopItem, SourceItem, Stock, Target};
use crate::paytraq::model::{Price, Product as PtProduct, ReservedLine, StockLine};
use crate::paytraq::{PaytraqClient, PaytraqError};
use crate::woocommerce::catalog::{ManageStock, Product, Variation};
use crate::woocommerce::{WooClient, WooError};

/// The product fields the sync reads (`_fields`), to keep pages small.
pub const PRODUCT_FIELDS: &[&str] = &[
    "id",
    "type",
    "sku",
    "manage_stock",
    "stock_quantity",
    "regular_price",
    "variations",
];

/// What the PayTraq side needs to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceQuery {
    pub warehouse_id: u64,
    /// `Some(group)` when prices are synced.
    pub price_group_id: Option<u64>,
    /// The shop's `woocommerce_prices_include_tax`.
    pub prices_include_tax: bool,
}

/// Every PayTraq product with a code, with its availability (warehouse
/// stock minus approved sales orders) and, if asked, its price.
pub async fn read_source(
    pt: &PaytraqClient,
    q: SourceQuery,
) -> Result<Vec<SourceItem>, PaytraqError> {
    // Three (four) independent lists: read at once; the company's pacer
    // still spaces the requests out to PayTraq's rate.
    let (products, stock, reserved, prices) = tokio::try_join!(
        pt.list_products(),
        pt.stock_of_warehouse(q.warehouse_id),
        pt.reserved_in_approved_sales_orders(q.warehouse_id),
        async {
            match q.price_group_id {
                Some(group) => pt.price_list(group).await.map(Some),
                None => Ok(None),
            }
        },
    )?;
    Ok(source_items(
        &products,
        &stock,
        &reserved,
        prices.as_deref(),
        q.prices_include_tax,
    ))
}

/// Joins the PayTraq lists by `ItemID`. Items without a code are not
/// matchable and are left out; an item without a stock line has 0.
pub fn source_items(
    products: &[PtProduct],
    stock: &[StockLine],
    reserved: &[ReservedLine],
    prices: Option<&[Price]>,
    include_tax: bool,
) -> Vec<SourceItem> {
    let mut on_hand: HashMap<u64, Decimal> = HashMap::with_capacity(stock.len());
    for line in stock {
        *on_hand.entry(line.item_id).or_default() += line.quantity;
    }
    let mut held: HashMap<u64, Decimal> = HashMap::with_capacity(reserved.len());
    for line in reserved {
        *held.entry(line.item_id).or_default() += line.quantity;
    }
    let price_of: HashMap<u64, Decimal> = prices
        .unwrap_or_default()
        .iter()
        .filter_map(|p| Some((p.item_id, p.price(include_tax)?)))
        .collect();
    products
        .iter()
        .filter_map(|p| {
            let sku = p.code.as_deref().map(str::trim).filter(|c| !c.is_empty())?;
            let available = on_hand.get(&p.item_id).copied().unwrap_or_default()
                - held.get(&p.item_id).copied().unwrap_or_default();
            Some(SourceItem {
                sku: sku.to_owned(),
                available,
                price: price_of.get(&p.item_id).copied(),
            })
        })
        .collect()
}

/// All products (trimmed by `_fields`) and the variations of every
/// variable product, `concurrency` variation listings at a time.
pub async fn read_shop(woo: &WooClient, concurrency: usize) -> Result<Vec<ShopItem>, WooError> {
    let products = woo.list_products(PRODUCT_FIELDS).await?;
    let parents: Vec<u64> = products
        .iter()
        .filter(|p| p.kind == "variable" && !p.variations.is_empty())
        .map(|p| p.id)
        .collect();
    let mut items: Vec<ShopItem> = products.iter().map(shop_product).collect();
    drop(products);
    let variations: Vec<Vec<Variation>> = futures::stream::iter(parents)
        .map(|parent| async move { woo.list_variations(parent).await })
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await?;
    for v in variations.iter().flatten() {
        items.push(shop_variation(v, v.parent_id));
    }
    Ok(items)
}

fn stock_of(m: ManageStock) -> Stock {
    match m {
        ManageStock::Yes => Stock::Managed,
        ManageStock::Parent => Stock::Parent,
        ManageStock::No => Stock::Unmanaged,
    }
}

/// A product of `GET /products` as a SKU index entry.
pub fn shop_product(p: &Product) -> ShopItem {
    ShopItem {
        target: Target::Product { id: p.id },
        sku: p.sku.clone(),
        stock: stock_of(p.manage_stock),
        stock_quantity: p.stock_quantity,
        regular_price: p.regular_price,
        has_price: matches!(p.kind.as_str(), "simple" | "external" | ""),
    }
}

/// A variation of `parent_id` as a SKU index entry.
pub fn shop_variation(v: &Variation, parent_id: u64) -> ShopItem {
    ShopItem {
        target: Target::Variation {
            parent_id,
            id: v.id,
        },
        sku: v.sku.clone(),
        stock: stock_of(v.manage_stock),
        stock_quantity: v.stock_quantity,
        regular_price: v.regular_price,
        has_price: true,
    }
}
