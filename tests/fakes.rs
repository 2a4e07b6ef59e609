//! The stock sync and the reconciler on the in-memory fakes: an `App` whose
//! channel reaches `FakeAccounting` and `FakeShop` through `FakeConnect`,
//! no HTTP. Their behaviour over HTTP is tested in `sync.rs` and
//! `storm.rs`; here they show that they need nothing but the ports.

use std::sync::Arc;

use channel::intake::reconcile::{reconcile_channel, TOPICS};
use channel::model::{Channel, OrderStatus, SyncStatus};
use channel::paytraq::model::{NewSale, NewSaleLine, Operation, SaleType};
use channel::sync::{self, Report, SyncOptions};
use channel::woocommerce::catalog::ManageStock;
use channel::{Accounting, App};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use testkit::fakes::{FakeAccounting, FakeConnect, FakeShop};

const CHANNEL: &str = "lv-shop";

struct World {
    app: App,
    pt: Arc<FakeAccounting>,
    shop: Arc<FakeShop>,
}

async fn world() -> (World, Channel) {
    let pt = FakeAccounting::new();
    let shop = FakeShop::new();
    let (app, _queue) = testkit::embedded_app();
    let app = app.with_connect(Arc::new(FakeConnect {
        accounting: pt.clone(),
        shop: shop.clone(),
    }));
    let channel = testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", "whsec").await;
    (World { app, pt, shop }, channel)
}

fn managed(id: u64, sku: &str, stock: i64) -> Value {
    json!({
        "id": id, "name": sku, "type": "simple", "sku": sku, "status": "publish",
        "manage_stock": true, "stock_quantity": stock, "regular_price": "10.00",
    })
}

async fn sync_once(w: &World) -> (SyncStatus, Report) {
    let queued = sync::start_run(&w.app, CHANNEL, false, false)
        .await
        .unwrap();
    let run = sync::run_job_with(&w.app, CHANNEL, &queued.run_id, &SyncOptions::default())
        .await
        .unwrap();
    let report = Report::from_stored(run.report.as_ref().expect("a report")).unwrap();
    (run.status, report)
}

#[tokio::test]
async fn the_sync_writes_paytraq_stock_to_the_fake_shop_and_counts_each_runs_requests() {
    let (w, mut channel) = world().await;
    let warehouse = w.pt.add_warehouse("Main");
    let simple = w.pt.add_product("SIMPLE", "Simple");
    let reserved = w.pt.add_product("RESERVED", "Reserved");
    w.pt.set_stock(warehouse, simple, dec!(8));
    w.pt.set_stock(warehouse, reserved, dec!(10));
    // An approved sales order holds 3 of RESERVED.
    let client = w.pt.add_client("Buyer", Some("buyer@example.lv"));
    let vat = w.pt.add_tax_key("PVN 21%", dec!(21));
    let order =
        w.pt.create_sale(&NewSale {
            sale_type: SaleType::SalesOrder,
            operation: Operation::SellGoods,
            client_id: client,
            document_date: chrono::Utc::now().date_naive(),
            currency: "EUR".into(),
            warehouse_id: Some(warehouse),
            loading_area_id: None,
            our_reference: "reserve-1".into(),
            include_tax: false,
            comment: None,
            lines: vec![NewSaleLine {
                item_id: Some(reserved),
                item_code: None,
                description: None,
                quantity: dec!(3),
                unit_price: dec!(1),
                discount_percent: Decimal::ZERO,
                tax_key_id: vat,
            }],
            shipping_charge: None,
            payment_term_days: None,
        })
        .await
        .unwrap();
    w.pt.approve_sale(order.document_id).await.unwrap();
    w.shop.seed_products(vec![
        managed(1, "SIMPLE", 5),
        managed(2, "RESERVED", 9),
        json!({"id": 3, "type": "simple", "sku": "UNMANAGED", "manage_stock": false}),
    ]);
    channel.settings.warehouse_id = channel::model::WarehouseId::try_from(warehouse).ok();
    w.app.repo.save_channel(&mut channel).await.unwrap();

    let (status, report) = sync_once(&w).await;
    assert_eq!(status, SyncStatus::Succeeded);
    assert_eq!(report.counts.updated, 2);
    let stock = |id| w.shop.product(id).and_then(|p| p.stock_quantity);
    assert_eq!(stock(1), Some(dec!(8)));
    assert_eq!(
        stock(2),
        Some(dec!(7)),
        "available after the approved order"
    );
    assert_eq!(
        w.shop.product(3).map(|p| p.manage_stock),
        Some(ManageStock::No)
    );
    assert_eq!(stock(3), None, "unmanaged: untouched");
    let requests = |r: &Report, name: &str| r.requests.get(name).copied().unwrap_or(0);
    assert_eq!(requests(&report, "paytraq.products_of_warehouse"), 1);
    assert_eq!(
        requests(&report, "woocommerce.products"),
        2,
        "one page, one batch"
    );

    // A second run finds nothing to write, and reports its own requests
    // only, although the fakes' counters keep counting.
    let (status, again) = sync_once(&w).await;
    assert_eq!(status, SyncStatus::Succeeded);
    assert_eq!(again.counts.updated, 0);
    assert_eq!(requests(&again, "paytraq.products_of_warehouse"), 1);
    assert_eq!(requests(&again, "woocommerce.products"), 1, "one page");
    assert_eq!(w.shop.calls_named("batch_update_products").len(), 1);
}

/// Case 001 as order `id`, modified just now.
fn order_modified_now(id: u64) -> Value {
    let path = testkit::fixtures_dir().join("cases/001-single-line-bacs-paid/order.json");
    let mut o: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    o["id"] = id.into();
    o["number"] = id.to_string().into();
    o["date_modified"] = now.clone().into();
    o["date_modified_gmt"] = now.into();
    o
}

#[tokio::test]
async fn the_reconciler_repairs_the_fake_shops_webhooks_and_catches_up_its_orders() {
    let (w, channel) = world().await;
    w.shop.store_order(order_modified_now(7001));
    w.shop.store_order(order_modified_now(7002));

    let report = reconcile_channel(&w.app, channel.clone()).await.unwrap();
    assert_eq!(report.error, None);
    assert_eq!(report.webhooks_recreated, TOPICS);
    assert_eq!(report.orders_new_or_changed, 2);
    let hooks = w.shop.webhooks();
    assert_eq!(hooks.len(), TOPICS.len());
    assert!(hooks
        .iter()
        .all(|h| Some(&h.delivery_url) == channel.webhook_url.as_ref()));
    for id in ["7001", "7002"] {
        let stored = w.app.repo.get_order(CHANNEL, id).await.unwrap().unwrap();
        assert_eq!(stored.status, OrderStatus::Received);
    }

    // Again: the webhooks are there and the orders unchanged.
    let channel = w.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    let again = reconcile_channel(&w.app, channel).await.unwrap();
    assert!(again.webhooks_recreated.is_empty());
    assert_eq!(again.orders_new_or_changed, 0);

    // WooCommerce disabled one after failed deliveries: re-enabled.
    let created = hooks.iter().find(|h| h.topic == "order.created").unwrap();
    assert!(w.shop.set_webhook_status(created.id, "disabled"));
    let channel = w.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    let repaired = reconcile_channel(&w.app, channel).await.unwrap();
    assert_eq!(repaired.webhooks_reenabled, vec!["order.created"]);
    assert!(w.shop.webhooks().iter().all(|h| h.status == "active"));
    assert_eq!(w.shop.calls_named("create_webhook").len(), TOPICS.len());
}
