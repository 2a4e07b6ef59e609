//! Price sync and stock management (issue 16): a product without stock
//! management and a variation whose stock its parent manages, both known to
//! PayTraq with a price. By default the sync leaves their prices alone and
//! its report lists both SKUs as price skips; with the channel's setting
//! `sync_prices_without_stock_management` (set through the admin API) each
//! gets its own SKU's price as its regular price, read back from the
//! WooCommerce sandbox, and its stock stays untouched.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use channel::admin::AdminAuth;
use channel::model::{PriceGroupId, SyncStatus, WarehouseId};
use channel::secrets::Secret;
use channel::sync::{self, SyncOptions};
use channel::woocommerce::catalog::ManageStock;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use testkit::shop_items::{simple_json, variable_json, variation_json, ShopSeed};
use testkit::world::{World, WorldConfig};
use tower::ServiceExt;

const CHANNEL: &str = "real-shop-prices";
const TOKEN: &str = "real-shop-prices-admin-token";

/// Shop ids: the product without stock management, the variable parent
/// that manages its stock, and its parent-managed variation.
const FREE: u64 = 1;
const PARENT: u64 = 10;
const VARIATION: u64 = 11;

/// A tax-exclusive shop (prices net) with the three items at 10.00, the
/// parent holding 7 in stock; PayTraq knows all three SKUs with stock and,
/// for the two priced items, a price of their own (the parent's price is
/// there to show it never reaches the variation). The channel syncs stock
/// and prices from PayTraq's warehouse and price group.
async fn shop_without_stock_management() -> World {
    let mut cfg = WorldConfig::sync(Duration::ZERO);
    cfg.woo.prices_include_tax = false;
    let w = World::start(cfg).await.unwrap();
    w.channel(CHANNEL, |s| {
        s.warehouse_id = WarehouseId::try_from(w.mirror.warehouse_id).ok();
        s.price_group_id = PriceGroupId::try_from(w.mirror.price_group_id).ok();
        s.sync_prices = true;
    })
    .await
    .unwrap();
    let unmanaged = ShopSeed {
        manage: "no",
        stock: None,
        regular_price: Some(dec!(10.00)),
    };
    let parent = ShopSeed {
        manage: "yes",
        stock: Some(7),
        regular_price: None,
    };
    let parent_managed = ShopSeed {
        manage: "parent",
        stock: Some(7),
        regular_price: Some(dec!(10.00)),
    };
    w.woo.seed_products(vec![
        simple_json(FREE, "FREE", &unmanaged),
        variable_json(PARENT, "SHIRT", &parent, &[VARIATION]),
    ]);
    w.woo.seed_variations(vec![variation_json(
        VARIATION,
        PARENT,
        "SHIRT-M",
        &parent_managed,
    )]);
    w.paytraq_item("FREE", dec!(50), Some((dec!(10.00), dec!(8.2645))));
    w.paytraq_item("SHIRT", dec!(7), Some((dec!(99), dec!(99))));
    w.paytraq_item("SHIRT-M", dec!(99), Some((dec!(18.755), dec!(15.5))));
    w
}

fn admin(w: &World) -> axum::Router {
    channel::admin::router(w.app.clone(), AdminAuth::Bearer(Secret::new(TOKEN)))
}

/// One admin request: status and JSON answer.
async fn call(w: &World, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json");
    let request = builder
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let response = admin(w).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Runs one sync and answers its report as the admin API shows it.
async fn sync_report(w: &World) -> Value {
    let queued = sync::start_run(&w.app, CHANNEL, false, false)
        .await
        .unwrap();
    let done = sync::run_job_with(&w.app, CHANNEL, &queued.run_id, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(done.status, SyncStatus::Succeeded, "{:?}", done.error);
    let uri = format!("/admin/channels/{CHANNEL}/sync/{}", done.run_id);
    let (status, run) = call(w, "GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    run["report"].clone()
}

/// What the shop holds now, read over its REST API: the product's regular
/// price, stock management and stock, and the same of the variation (from
/// its parent's variations listing).
struct ShopNow {
    free: (Option<Decimal>, ManageStock, Option<Decimal>),
    variation: (Option<Decimal>, ManageStock, Option<Decimal>),
    parent_stock: Option<Decimal>,
}

async fn shop_now(w: &World) -> ShopNow {
    let channel = w.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    let woo = w.app.woo(&channel).await.unwrap();
    let products = woo.products_by_sku(&["FREE", "SHIRT"], &[]).await.unwrap();
    let product = |id: u64| products.iter().find(|p| p.id == id).unwrap();
    let variations = woo.list_variations(PARENT).await.unwrap();
    let v = variations.iter().find(|v| v.id == VARIATION).unwrap();
    let free = product(FREE);
    ShopNow {
        free: (free.regular_price, free.manage_stock, free.stock_quantity),
        variation: (v.regular_price, v.manage_stock, v.stock_quantity),
        parent_stock: product(PARENT).stock_quantity,
    }
}

/// Every item update the sync sent to the shop.
fn written_items(w: &World) -> Vec<Value> {
    w.proxy()
        .unwrap()
        .recorded()
        .iter()
        .filter(|r| r.is_batch_write())
        .flat_map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            body["update"].as_array().cloned().unwrap_or_default()
        })
        .collect()
}

fn skus(list: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = list
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    out.sort_unstable();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prices_of_unmanaged_and_parent_managed_items_are_skipped_by_default_and_reported() {
    let w = shop_without_stock_management().await;
    let report = sync_report(&w).await;

    let skipped = &report["prices_skipped"];
    assert_eq!(skus(&skipped["unmanaged"]), ["FREE"], "{report}");
    assert_eq!(skus(&skipped["parent_managed"]), ["SHIRT-M"], "{report}");
    assert_eq!(skus(&skipped["no_price"]), Vec::<&str>::new(), "{report}");
    assert_eq!(skipped["count"], 2, "{report}");
    assert_eq!(report["counts"]["prices_skipped"], 2, "{report}");
    // The stock skips are reported apart, as before.
    assert_eq!(skus(&report["skipped_unmanaged"]), ["FREE"], "{report}");
    assert_eq!(skus(&report["parent_managed"]), ["SHIRT-M"], "{report}");
    assert_eq!(report["counts"]["updated"], 0, "{report}");

    assert!(written_items(&w).is_empty(), "nothing written");
    let now = shop_now(&w).await;
    assert_eq!(now.free.0, Some(dec!(10.00)), "price untouched");
    assert_eq!(now.variation.0, Some(dec!(10.00)), "price untouched");
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_setting_unmanaged_and_parent_managed_items_get_their_own_regular_price_only() {
    let w = shop_without_stock_management().await;
    let (status, settings) = call(
        &w,
        "PUT",
        &format!("/admin/channels/{CHANNEL}/settings"),
        Some(json!({"sync_prices_without_stock_management": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["sync_prices_without_stock_management"], true);

    let report = sync_report(&w).await;
    assert_eq!(
        skus(&report["updated_price"]),
        ["FREE", "SHIRT-M"],
        "{report}"
    );
    assert_eq!(
        skus(&report["updated_stock"]),
        Vec::<&str>::new(),
        "{report}"
    );
    assert_eq!(report["counts"]["prices_skipped"], 0, "{report}");
    assert_eq!(report["counts"]["price_only_matched"], 2, "{report}");
    assert_eq!(report["counts"]["errors"], 0, "{report}");

    let now = shop_now(&w).await;
    assert_eq!(
        now.free,
        (Some(dec!(8.26)), ManageStock::No, None),
        "the net price of its SKU; still without stock management"
    );
    assert_eq!(
        now.variation,
        (Some(dec!(15.50)), ManageStock::Parent, Some(dec!(7))),
        "its own SKU's net price, not the parent's 99; stock still the parent's"
    );
    assert_eq!(now.parent_stock, Some(dec!(7)), "the parent's stock agreed");
    // Price only: no stock (nor stock management) in what went out.
    let mut sent = written_items(&w);
    sent.sort_by_key(|u| u["id"].as_u64());
    assert_eq!(
        sent,
        [
            json!({"id": FREE, "regular_price": "8.26"}),
            json!({"id": VARIATION, "regular_price": "15.50"})
        ]
    );

    // A second run finds the prices in place.
    w.proxy().unwrap().clear();
    let again = sync_report(&w).await;
    assert_eq!(again["counts"]["updated"], 0, "{again}");
    assert_eq!(again["counts"]["unchanged"], 3, "{again}");
    assert!(written_items(&w).is_empty());
    w.stop().await;
}
