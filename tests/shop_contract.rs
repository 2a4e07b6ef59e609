//! One contract suite for the shop port ([`channel::Shop`]), run against
//! both implementations: the in-memory `FakeShop` the pipeline tests use,
//! and the real `WooClient` over HTTP against the WooCommerce sandbox (the
//! wire-level truth). Whatever the fake answers here, the real client
//! answers too.

use std::sync::Arc;

use channel::secrets::Secret;
use channel::woocommerce::catalog::{
    BatchItemResult, ManageStock, Product, ProductUpdate, Variation, WebhookChange, WebhookStatus,
};
use channel::woocommerce::{OrderQuery, WooClient, WooCredentials, WooError, WooOptions};
use channel::Shop;
use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use testkit::fakes::FakeShop;
use woocommerce_sandbox::{WooSandbox, WooSandboxConfig};

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod fake {
            $(#[tokio::test]
            async fn $case() { super::$case(super::fake()).await }
            )*
        }
        mod sandbox {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::$case(super::sandbox().await).await }
            )*
        }
    };
}

contract!(
    an_order_is_read_as_the_shop_renders_it,
    orders_are_listed_by_date_and_status,
    notes_are_written_and_listed_per_order,
    webhooks_are_created_listed_and_reenabled,
    store_settings_follow_the_tax_options,
    products_are_listed_and_found_by_sku,
    variations_are_listed_per_parent,
    product_batches_write_managed_stock_and_prices,
    variation_batches_follow_the_parent_stock,
    requests_are_counted_by_endpoint,
);

// ---- the two targets ----------------------------------------------------------

/// What a case needs besides the port: the shop's data, seeded.
trait Seed: Send + Sync {
    fn store_order(&self, order: Value) -> u64;
    fn seed_products(&self, products: Vec<Value>);
    fn seed_variations(&self, variations: Vec<Value>);
    fn set_tax_options(&self, prices_include_tax: bool, round_at_subtotal: bool);
}

struct Target {
    port: Arc<dyn Shop>,
    seed: Box<dyn Seed>,
}

fn fake() -> Target {
    let fake = FakeShop::new();
    Target {
        port: fake.clone(),
        seed: Box::new(fake),
    }
}

async fn sandbox() -> Target {
    // The contract's webhooks point at 127.0.0.1 over HTTP: a development shop.
    let sandbox = WooSandbox::start(WooSandboxConfig {
        allow_insecure_loopback_callbacks: true,
        ..WooSandboxConfig::default()
    })
    .await
    .unwrap();
    let client = WooClient::new(
        &sandbox.base_url(),
        WooCredentials {
            consumer_key: Secret::new(sandbox.consumer_key()),
            consumer_secret: Secret::new(sandbox.consumer_secret()),
        },
        reqwest::Client::new(),
        WooOptions::default(),
    )
    .unwrap();
    Target {
        port: Arc::new(client),
        seed: Box::new(sandbox),
    }
}

impl Seed for Arc<FakeShop> {
    fn store_order(&self, order: Value) -> u64 {
        FakeShop::store_order(self, order)
    }
    fn seed_products(&self, products: Vec<Value>) {
        FakeShop::seed_products(self, products)
    }
    fn seed_variations(&self, variations: Vec<Value>) {
        FakeShop::seed_variations(self, variations)
    }
    fn set_tax_options(&self, prices_include_tax: bool, round_at_subtotal: bool) {
        FakeShop::set_tax_options(self, prices_include_tax, round_at_subtotal)
    }
}

impl Seed for WooSandbox {
    fn store_order(&self, order: Value) -> u64 {
        WooSandbox::store_order(self, order).unwrap()
    }
    fn seed_products(&self, products: Vec<Value>) {
        WooSandbox::seed_products(self, products)
    }
    fn seed_variations(&self, variations: Vec<Value>) {
        WooSandbox::seed_variations(self, variations)
    }
    fn set_tax_options(&self, prices_include_tax: bool, round_at_subtotal: bool) {
        WooSandbox::set_tax_options(self, prices_include_tax, round_at_subtotal)
    }
}

// ---- helpers ------------------------------------------------------------------------

/// Case 001 (one line, bank transfer, paid) as order `id`, created and
/// modified at the given minutes of 2026-11-28 10:00 UTC.
fn order(id: u64, created_minute: u32, modified_minute: u32, status: &str) -> Value {
    let path = testkit::fixtures_dir().join("cases/001-single-line-bacs-paid/order.json");
    let mut o: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let at = |m: u32| format!("2026-11-28T10:{m:02}:00");
    o["id"] = id.into();
    o["number"] = id.to_string().into();
    o["status"] = status.into();
    o["date_created"] = at(created_minute).into();
    o["date_created_gmt"] = at(created_minute).into();
    o["date_modified"] = at(modified_minute).into();
    o["date_modified_gmt"] = at(modified_minute).into();
    o
}

fn product(id: u64, sku: &str, manage: Value, stock: Option<i64>, kind: &str) -> Value {
    json!({
        "id": id,
        "name": format!("Product {sku}"),
        "type": kind,
        "sku": sku,
        "status": "publish",
        "manage_stock": manage,
        "stock_quantity": stock,
        "stock_status": if stock.unwrap_or(0) > 0 { "instock" } else { "outofstock" },
        "backorders": "no",
        "regular_price": "10.00",
        "price": "10.00",
        "sale_price": "",
    })
}

fn variation(id: u64, parent: u64, sku: &str, manage: Value, stock: Option<i64>) -> Value {
    let mut v = product(id, sku, manage, stock, "variation");
    v["parent_id"] = parent.into();
    v.as_object_mut().map(|o| o.remove("type"));
    v
}

/// A simple managed product 1, an unmanaged one 2, a variable parent 10
/// managing stock with a variation 11 of its own and one 12 taking the
/// parent's stock.
fn catalogue(seed: &dyn Seed) {
    let mut parent = product(10, "PARENT", json!(true), Some(3), "variable");
    parent["variations"] = json!([11, 12]);
    seed.seed_products(vec![
        product(1, "SIMPLE", json!(true), Some(5), "simple"),
        product(2, "UNMANAGED", json!(false), None, "simple"),
        parent,
    ]);
    seed.seed_variations(vec![
        variation(11, 10, "VAR-OWN", json!(true), Some(1)),
        variation(12, 10, "VAR-PARENT", json!("parent"), Some(3)),
    ]);
}

fn update(id: u64, stock: Option<i64>, price: Option<Decimal>) -> ProductUpdate {
    ProductUpdate {
        id,
        manage_stock: stock.map(|_| true),
        stock_quantity: stock,
        regular_price: price,
        sale_price: None,
    }
}

fn failed_code<T>(r: &BatchItemResult<T>) -> Option<(u64, String)> {
    match r {
        BatchItemResult::Failed { id, error } => Some((*id, error.code.clone())),
        BatchItemResult::Updated(_) => None,
    }
}

fn updated_product(r: &BatchItemResult<Product>) -> &Product {
    match r {
        BatchItemResult::Updated(p) => p,
        BatchItemResult::Failed { id, error } => panic!("{id} failed: {error:?}"),
    }
}

fn updated_variation(r: &BatchItemResult<Variation>) -> &Variation {
    match r {
        BatchItemResult::Updated(v) => v,
        BatchItemResult::Failed { id, error } => panic!("{id} failed: {error:?}"),
    }
}

// ---- the cases ------------------------------------------------------------------------

async fn an_order_is_read_as_the_shop_renders_it(t: Target) {
    let id = t.seed.store_order(order(5001, 0, 5, "processing"));
    let o = t.port.get_order(id).await.unwrap();
    assert_eq!(o.id, 5001);
    assert_eq!(o.number, "5001");
    assert_eq!(o.status, "processing");
    assert_eq!(o.total, dec!(24.19));
    assert_eq!(o.currency, "EUR");
    assert_eq!(o.payment_method, "bacs");
    assert_eq!(o.line_items.len(), 1);
    assert_eq!(o.line_items[0].sku.as_deref(), Some("LV-S21-1999"));
    assert_eq!(
        o.date_modified_gmt,
        Some(Utc.with_ymd_and_hms(2026, 11, 28, 10, 5, 0).unwrap())
    );
    assert!(o.date_paid_gmt.is_some());
    assert!(matches!(
        t.port.get_order(9999).await,
        Err(WooError::NotFound { .. })
    ));
}

async fn orders_are_listed_by_date_and_status(t: Target) {
    t.seed.store_order(order(5003, 3, 30, "processing"));
    t.seed.store_order(order(5001, 1, 10, "processing"));
    t.seed.store_order(order(5002, 2, 20, "on-hold"));
    let ids = |orders: Vec<channel::woocommerce::Order>| -> Vec<u64> {
        orders.into_iter().map(|o| o.id).collect()
    };
    let all = t.port.list_orders(&OrderQuery::default()).await.unwrap();
    assert_eq!(ids(all), vec![5001, 5002, 5003], "by id, ascending");
    let at = |m: u32| Some(Utc.with_ymd_and_hms(2026, 11, 28, 10, m, 0).unwrap());
    let changed = OrderQuery {
        modified_after: at(10),
        ..OrderQuery::default()
    };
    let listed = t.port.list_orders(&changed).await.unwrap();
    assert_eq!(ids(listed), vec![5002, 5003], "strictly after");
    let created = OrderQuery {
        after: at(1),
        before: at(3),
        ..OrderQuery::default()
    };
    assert_eq!(ids(t.port.list_orders(&created).await.unwrap()), vec![5002]);
    let on_hold = OrderQuery {
        status: vec!["on-hold".into()],
        ..OrderQuery::default()
    };
    assert_eq!(ids(t.port.list_orders(&on_hold).await.unwrap()), vec![5002]);
    let narrow = OrderQuery {
        modified_after: at(25),
        fields: vec!["status".into(), "total".into()],
        ..OrderQuery::default()
    };
    let listed = t.port.list_orders(&narrow).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id, listed[0].status.as_str(), listed[0].total),
        (5003, "processing", dec!(24.19))
    );
    assert!(listed[0].line_items.is_empty(), "only the fields asked for");
}

async fn notes_are_written_and_listed_per_order(t: Target) {
    let id = t.seed.store_order(order(5001, 0, 0, "processing"));
    assert!(t.port.list_order_notes(id).await.unwrap().is_empty());
    let first = t
        .port
        .create_order_note(id, "PayTraq: sales invoice INV-00001 created.", false)
        .await
        .unwrap();
    let second = t
        .port
        .create_order_note(id, "Thank you!", true)
        .await
        .unwrap();
    assert_ne!(first, second);
    let notes = t.port.list_order_notes(id).await.unwrap();
    let seen: Vec<(u64, &str, bool)> = notes
        .iter()
        .map(|n| (n.id, n.note.as_str(), n.customer_note))
        .collect();
    let mut expected = vec![
        (first, "PayTraq: sales invoice INV-00001 created.", false),
        (second, "Thank you!", true),
    ];
    let mut seen_sorted = seen.clone();
    seen_sorted.sort();
    expected.sort();
    assert_eq!(seen_sorted, expected);
    // Writing twice writes twice: a note is not idempotent.
    t.port
        .create_order_note(id, "Thank you!", true)
        .await
        .unwrap();
    assert_eq!(t.port.list_order_notes(id).await.unwrap().len(), 3);
    assert!(matches!(
        t.port.create_order_note(9999, "x", false).await,
        Err(WooError::NotFound { .. })
    ));
    assert!(matches!(
        t.port.list_order_notes(9999).await,
        Err(WooError::NotFound { .. })
    ));
    let empty = t.port.create_order_note(id, "", false).await.unwrap_err();
    assert!(
        matches!(empty, WooError::Api { status: 400, .. }),
        "{empty:?}"
    );
}

async fn webhooks_are_created_listed_and_reenabled(t: Target) {
    let secret = Secret::new("whsec");
    // Nothing listens there: the creation ping fails, the webhook stays.
    let url = "http://127.0.0.1:9/webhooks/woocommerce/lv-shop";
    let hook = t
        .port
        .create_webhook(
            "PayTraq Connector | Order Created",
            "order.created",
            url,
            &secret,
        )
        .await
        .unwrap();
    assert_eq!(hook.status, "active");
    assert_eq!(hook.topic, "order.created");
    assert_eq!(hook.delivery_url, url);
    assert_eq!(hook.name, "PayTraq Connector | Order Created");
    let listed = t.port.list_webhooks().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, hook.id);
    let disabled = t
        .port
        .update_webhook(hook.id, WebhookChange::status(WebhookStatus::Disabled))
        .await
        .unwrap();
    assert_eq!(disabled.status, "disabled");
    assert_eq!(
        t.port.list_webhooks().await.unwrap()[0].status(),
        Some(WebhookStatus::Disabled),
        "listed whatever the status"
    );
    let active = t
        .port
        .update_webhook(hook.id, WebhookChange::status(WebhookStatus::Active))
        .await
        .unwrap();
    assert_eq!(active.status, "active");
    let topic = t
        .port
        .create_webhook("x", "order.exploded", url, &secret)
        .await
        .unwrap_err();
    assert!(
        matches!(topic, WooError::Api { status: 400, .. }),
        "{topic:?}"
    );
    let address = t
        .port
        .create_webhook("x", "order.updated", "ftp://example.lv/", &secret)
        .await
        .unwrap_err();
    assert!(
        matches!(address, WooError::Api { status: 400, .. }),
        "{address:?}"
    );
    assert!(matches!(
        t.port
            .update_webhook(hook.id + 1000, WebhookChange::status(WebhookStatus::Active))
            .await,
        Err(WooError::NotFound { .. })
    ));
}

async fn store_settings_follow_the_tax_options(t: Target) {
    let s = t.port.store_settings().await.unwrap();
    assert!(!s.prices_include_tax);
    assert!(!s.tax_round_at_subtotal);
    assert_eq!(s.currency, "EUR");
    assert_eq!(s.price_num_decimals, 2);
    t.seed.set_tax_options(true, true);
    let s = t.port.store_settings().await.unwrap();
    assert!(s.prices_include_tax);
    assert!(s.tax_round_at_subtotal);
}

async fn products_are_listed_and_found_by_sku(t: Target) {
    catalogue(&*t.seed);
    let fields = ["id", "type", "sku", "manage_stock", "stock_quantity"];
    let listed = t.port.list_products(&fields).await.unwrap();
    let mut seen: Vec<(u64, String, Option<String>)> = listed
        .iter()
        .map(|p| (p.id, p.kind.clone(), p.sku.clone()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            (1, "simple".into(), Some("SIMPLE".into())),
            (2, "simple".into(), Some("UNMANAGED".into())),
            (10, "variable".into(), Some("PARENT".into())),
        ],
        "variations are not listed with the products"
    );
    assert!(
        listed.iter().all(|p| p.name.is_empty()),
        "only the fields asked for"
    );
    let found = t
        .port
        .products_by_sku(&["SIMPLE", "VAR-PARENT", "NOPE"], &[])
        .await
        .unwrap();
    let mut seen: Vec<(u64, String, u64, ManageStock, Option<Decimal>)> = found
        .iter()
        .map(|p| {
            (
                p.id,
                p.kind.clone(),
                p.parent_id,
                p.manage_stock,
                p.stock_quantity,
            )
        })
        .collect();
    seen.sort_by_key(|s| s.0);
    assert_eq!(
        seen,
        vec![
            (1, "simple".into(), 0, ManageStock::Yes, Some(dec!(5))),
            (
                12,
                "variation".into(),
                10,
                ManageStock::Parent,
                Some(dec!(3))
            ),
        ]
    );
    assert!(t.port.products_by_sku(&[], &[]).await.unwrap().is_empty());
    let too_many: Vec<String> = (0..101).map(|n| format!("S{n}")).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    for bad in [vec![" "], vec!["A,B", "C"], too_many] {
        assert!(matches!(
            t.port.products_by_sku(&bad, &[]).await,
            Err(WooError::InvalidInput(_))
        ));
    }
}

async fn variations_are_listed_per_parent(t: Target) {
    catalogue(&*t.seed);
    let mut listed: Vec<(u64, u64, Option<String>)> = t
        .port
        .list_variations(10)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.id, v.parent_id, v.sku))
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![
            (11, 10, Some("VAR-OWN".into())),
            (12, 10, Some("VAR-PARENT".into())),
        ]
    );
    assert!(t.port.list_variations(1).await.unwrap().is_empty());
    assert!(matches!(
        t.port.list_variations(999).await,
        Err(WooError::NotFound { .. })
    ));
}

async fn product_batches_write_managed_stock_and_prices(t: Target) {
    catalogue(&*t.seed);
    let results = t
        .port
        .batch_update_products(vec![
            update(1, Some(0), Some(dec!(12.50))),
            // Without manage_stock: an unmanaged product keeps no quantity.
            ProductUpdate {
                id: 2,
                stock_quantity: Some(3),
                ..ProductUpdate::default()
            },
            update(999, Some(1), None),
            update(11, Some(1), None),
        ])
        .await
        .unwrap();
    assert_eq!(results.len(), 4, "one result per item, in order");
    let simple = updated_product(&results[0]);
    assert_eq!(simple.stock_quantity, Some(dec!(0)));
    assert_eq!(simple.stock_status, "outofstock");
    assert_eq!(simple.regular_price, Some(dec!(12.50)));
    assert_eq!(simple.price, Some(dec!(12.50)));
    let unmanaged = updated_product(&results[1]);
    assert_eq!(unmanaged.manage_stock, ManageStock::No);
    assert_eq!(unmanaged.stock_quantity, None);
    assert_eq!(
        failed_code(&results[2]),
        Some((999, "woocommerce_rest_product_invalid_id".into()))
    );
    assert_eq!(
        failed_code(&results[3]),
        Some((11, "woocommerce_rest_invalid_product_id".into())),
        "a variation is not written through the products batch"
    );
    // Managing an unmanaged product's stock from now on.
    let results = t
        .port
        .batch_update_products(vec![update(2, Some(4), None)])
        .await
        .unwrap();
    let now_managed = updated_product(&results[0]);
    assert_eq!(now_managed.manage_stock, ManageStock::Yes);
    assert_eq!(now_managed.stock_quantity, Some(dec!(4)));
    assert_eq!(now_managed.stock_status, "instock");
    let found = t.port.products_by_sku(&["SIMPLE"], &[]).await.unwrap();
    assert_eq!(found[0].stock_quantity, Some(dec!(0)), "written for good");
    assert!(t
        .port
        .batch_update_products(Vec::new())
        .await
        .unwrap()
        .is_empty());
}

async fn variation_batches_follow_the_parent_stock(t: Target) {
    catalogue(&*t.seed);
    let results = t
        .port
        .batch_update_variations(
            10,
            vec![
                update(11, Some(6), Some(dec!(9.99))),
                update(12, None, Some(dec!(8))),
                update(1, Some(1), None),
            ],
        )
        .await
        .unwrap();
    let own = updated_variation(&results[0]);
    assert_eq!(own.stock_quantity, Some(dec!(6)));
    assert_eq!(own.regular_price, Some(dec!(9.99)));
    let parented = updated_variation(&results[1]);
    assert_eq!(parented.manage_stock, ManageStock::Parent);
    assert_eq!(parented.stock_quantity, Some(dec!(3)));
    assert_eq!(parented.regular_price, Some(dec!(8)));
    assert_eq!(
        failed_code(&results[2]),
        Some((1, "woocommerce_rest_product_variation_invalid_id".into()))
    );
    // The parent's stock changes: the parent-managed variation shows it.
    t.port
        .batch_update_products(vec![update(10, Some(9), None)])
        .await
        .unwrap();
    let listed = t.port.list_variations(10).await.unwrap();
    let parented = listed.iter().find(|v| v.id == 12).unwrap();
    assert_eq!(parented.stock_quantity, Some(dec!(9)));
    assert!(matches!(
        t.port
            .batch_update_variations(999, vec![update(11, Some(1), None)])
            .await,
        Err(WooError::NotFound { .. })
    ));
}

async fn requests_are_counted_by_endpoint(t: Target) {
    let bulk: Vec<Value> = (100..250)
        .map(|id| product(id, &format!("BULK-{id}"), json!(true), Some(1), "simple"))
        .collect();
    t.seed.seed_products(bulk);
    let id = t.seed.store_order(order(5001, 0, 0, "processing"));
    t.port.store_settings().await.unwrap();
    t.port.list_products(&["id", "sku"]).await.unwrap();
    let updates: Vec<ProductUpdate> = (100..250).map(|id| update(id, Some(2), None)).collect();
    t.port.batch_update_products(updates).await.unwrap();
    t.port.create_order_note(id, "note", false).await.unwrap();
    t.port.list_order_notes(id).await.unwrap();
    t.port.list_orders(&OrderQuery::default()).await.unwrap();
    let _ = t.port.get_order(9999).await;
    let counts = t.port.request_counts();
    let n = |kind: &str| counts.get(kind).copied().unwrap_or(0);
    assert_eq!(n("settings"), 2, "general and tax: {counts:?}");
    // 150 products: two pages to read, two batches to write.
    assert_eq!(n("products"), 4, "{counts:?}");
    assert_eq!(n("order_notes"), 2, "{counts:?}");
    // One page, and the failed read of an unknown order.
    assert_eq!(n("orders"), 2, "{counts:?}");
    assert_eq!(n("variations"), 0, "{counts:?}");
}
