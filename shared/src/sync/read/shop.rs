//! The WooCommerce side: the shop's SKU index, from all product pages and
//! the variations of every variable product.

use futures::{StreamExt, TryStreamExt};

use crate::sync::plan::{ShopItem, Stock, Target};
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
