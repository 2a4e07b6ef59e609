//! Shop items as a test seeds them: the REST JSON of a simple product, a
//! variable product and a variation, from one [`ShopSeed`] each, for
//! `WooSandbox::seed_products` / `seed_variations`. Their PayTraq side is
//! [`crate::world::World::paytraq_item`].

use rust_decimal::Decimal;
use serde_json::{json, Value};

/// One side of a shop item, as seeded.
#[derive(Clone, Debug)]
pub struct ShopSeed {
    /// `"yes"`, `"no"` or, for variations, `"parent"`.
    pub manage: &'static str,
    pub stock: Option<i64>,
    pub regular_price: Option<Decimal>,
}

/// A simple product's REST JSON.
pub fn simple_json(id: u64, sku: &str, seed: &ShopSeed) -> Value {
    let mut p = item_json(id, sku, seed);
    p["type"] = json!("simple");
    p
}

/// A variable product's REST JSON with its variation ids.
pub fn variable_json(id: u64, sku: &str, seed: &ShopSeed, variations: &[u64]) -> Value {
    let mut p = item_json(id, sku, seed);
    p["type"] = json!("variable");
    p["variations"] = json!(variations);
    p
}

/// A variation's REST JSON.
pub fn variation_json(id: u64, parent_id: u64, sku: &str, seed: &ShopSeed) -> Value {
    let mut v = item_json(id, sku, seed);
    v["parent_id"] = json!(parent_id);
    if seed.manage == "parent" {
        v["manage_stock"] = json!("parent");
    }
    v
}

fn item_json(id: u64, sku: &str, seed: &ShopSeed) -> Value {
    json!({
        "id": id,
        "name": sku,
        "sku": sku,
        "status": "publish",
        "manage_stock": seed.manage == "yes",
        "stock_quantity": seed.stock,
        "stock_status": if seed.stock.unwrap_or(0) > 0 { "instock" } else { "outofstock" },
        "regular_price": seed.regular_price.map(|p| p.to_string()).unwrap_or_default(),
        "price": seed.regular_price.map(|p| p.to_string()).unwrap_or_default(),
        "sale_price": "",
    })
}
