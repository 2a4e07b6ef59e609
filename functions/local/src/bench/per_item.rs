//! The one-request-per-item baselines of the sync benchmark, both reading
//! PayTraq's list once (the same one list as the channel) and then, SKU by
//! SKU, looking the item up in the shop (`GET /products?sku=`):
//!
//! - [`PerItem::WriteChanged`]: writes the item only when its stock
//!   differs — the kindest per-item method (fewest requests it can send);
//! - [`PerItem::PutAlways`]: writes the stock with one `PUT` whatever its
//!   value — the method the peers document (`shared/reference/peers.md`:
//!   OpenXE#263 "2 requests per article"; WooCommerce Fusion "one PUT per
//!   item … skips unchanged-value checks").
//!
//! Both write with `PUT /products/{id}` or
//! `PUT /products/{parent}/variations/{id}`, one request per item.

use std::collections::BTreeMap;
use std::time::Instant;

use channel::sync;
use channel::woocommerce::catalog::ProductUpdate;
use rust_decimal::Decimal;

use super::sync::MethodFigures;
use testkit::world::World;

/// Which per-item method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PerItem {
    WriteChanged,
    PutAlways,
}

impl PerItem {
    pub fn label(self) -> &'static str {
        match self {
            PerItem::WriteChanged => "per item, lookup + write if changed (kindest)",
            PerItem::PutAlways => "per item, lookup + PUT always (peers: OpenXE#263, Fusion)",
        }
    }
}

/// Runs `method` on `skus` (in that order) against the world's shop, and
/// counts its requests: WooCommerce's by route (from the recording proxy,
/// cleared first), PayTraq's by call.
pub async fn run(world: &World, skus: &[&str], method: PerItem) -> anyhow::Result<MethodFigures> {
    let channel = world
        .app
        .repo
        .get_channel(super::sync::CHANNEL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("bench channel missing"))?;
    let woo = world.app.woo(&channel).await?;
    let pt = world.app.paytraq(&channel).await?;
    let proxy = world.proxy()?;
    proxy.clear();
    let started = Instant::now();
    let query = sync::read::SourceQuery {
        warehouse_id: world.mirror.warehouse_id,
        price_group_id: None,
        prices_include_tax: false,
    };
    let source = sync::read::read_source(&pt, query).await?;
    let read_time = started.elapsed();
    let available: BTreeMap<&str, Decimal> = source
        .iter()
        .map(|s| (s.sku.as_str(), s.available))
        .collect();
    let mut written = 0u64;
    for sku in skus {
        let Some(target) = available.get(sku) else {
            continue;
        };
        let found = woo
            .products_by_sku(&[sku], sync::read::LOOKUP_FIELDS)
            .await?;
        let Some(item) = found.first() else { continue };
        let qty = sync::plan::shop_quantity(*target);
        if method == PerItem::WriteChanged && item.stock_quantity == Some(Decimal::from(qty)) {
            continue;
        }
        let update = ProductUpdate {
            id: item.id,
            manage_stock: Some(true),
            stock_quantity: Some(qty),
            ..ProductUpdate::default()
        };
        if item.parent_id != 0 {
            woo.update_variation(item.parent_id, &update).await?;
        } else {
            woo.update_product(&update).await?;
        }
        written += 1;
    }
    let wall = started.elapsed();
    let mut requests = super::sync::woo_requests(proxy);
    for (name, c) in pt.calls().by_route() {
        requests.insert(format!("paytraq.{name}"), c.requests);
    }
    Ok(MethodFigures {
        wall,
        read_time,
        requests,
        items_written: written,
    })
}
