//! The WooCommerce side of issue 14: the refund model read from every real capture under
//! `cases-changes/`, and refunds read through the client and the `Shop` port from the WooCommerce
//! sandbox and from the fake shop.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use channel::secrets::Secret;
use channel::woocommerce::refund::{
    refund_lookup_error, refunded_item_id, REFUND_OF_OTHER_ORDER_CODE,
};
use channel::woocommerce::{parse_order, parse_refund, parse_refunds, Refund};
use channel::woocommerce::{WooClient, WooCredentials, WooError, WooOptions};
use channel::Shop;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use testkit::fakes::FakeShop;
use woocommerce_sandbox::{WooSandbox, WooSandboxConfig};

fn changes_dir() -> PathBuf {
    testkit::fixtures_dir().join("cases-changes")
}

/// Every file under `cases-changes/` (one level of case folders, plus `api/`).
fn capture_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for case in std::fs::read_dir(changes_dir()).unwrap() {
        let case = case.unwrap().path();
        if case.is_dir() {
            for f in std::fs::read_dir(&case).unwrap() {
                files.push(f.unwrap().path());
            }
        }
    }
    files.sort();
    files
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// The check every parsed refund must pass: lines, when present, add up to the amount.
fn check_refund(r: &Refund, file: &Path) {
    assert!(r.id > 0, "{}", file.display());
    assert!(
        r.amount > Decimal::ZERO,
        "{}: amount {}",
        file.display(),
        r.amount
    );
    if r.is_amount_only() {
        assert!(r.tax_lines.is_empty(), "{}", file.display());
    } else {
        assert_eq!(
            r.amount,
            -r.lines_total(),
            "{}: amount = −(Σ line totals + taxes + shipping + fees)",
            file.display()
        );
        for line in &r.line_items {
            assert!(line.quantity < Decimal::ZERO, "{}", file.display());
            assert!(
                refunded_item_id(&line.meta_data).is_some(),
                "{}",
                file.display()
            );
        }
        for ship in &r.shipping_lines {
            assert!(ship.total < Decimal::ZERO, "{}", file.display());
            assert!(
                refunded_item_id(&ship_meta(file, ship.id)).is_some(),
                "{}",
                file.display()
            );
        }
    }
}

/// Shipping lines carry `_refunded_item_id` too; the typed shipping line has no meta, so it is read
/// from the JSON.
fn ship_meta(file: &Path, id: u64) -> Vec<channel::woocommerce::order::MetaData> {
    let v: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let refunds: Vec<Value> = match v {
        Value::Array(a) => a,
        one => vec![one],
    };
    refunds
        .iter()
        .flat_map(|r| r["shipping_lines"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["id"].as_u64() == Some(id))
        .flat_map(|s| serde_json::from_value::<Vec<_>>(s["meta_data"].clone()).unwrap())
        .collect()
}

#[test]
fn fixture_every_refund_capture_parses_and_its_lines_add_up_to_the_amount() {
    let (mut files, mut refunds) = (0, 0);
    for file in capture_files() {
        let n = name(&file);
        let is_refund = n.starts_with("refund-")
            && n.ends_with(".json")
            && !n.contains(".404.")
            && !n.contains("other-order");
        let is_list = n == "refunds.json"
            || n == "refunds.dp6.json"
            || n.starts_with("order-refunds-list-") && !n.ends_with(".meta.json");
        let bytes = std::fs::read(&file).unwrap();
        if is_refund {
            let r = parse_refund(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            check_refund(&r, &file);
            files += 1;
            refunds += 1;
        } else if is_list {
            let list = parse_refunds(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            for r in &list {
                check_refund(r, &file);
            }
            files += 1;
            refunds += list.len();
        } else if n == "refund-of-other-order-500.json" {
            // A refund id under another order: HTTP 500 with `"data":404`, not found for the client.
            let err = parse_refund(&bytes).unwrap_err();
            assert!(
                matches!(refund_lookup_error(err), WooError::NotFound { code, .. } if code == REFUND_OF_OTHER_ORDER_CODE)
            );
            files += 1;
        } else if n.starts_with("refund-") && n.contains(".404.") {
            // A refund deleted over REST: WooCommerce's 404 body, read as not found.
            assert!(
                matches!(parse_refund(&bytes), Err(WooError::NotFound { .. })),
                "{n}"
            );
            files += 1;
        }
    }
    println!("refund captures walked: {files}, refunds parsed: {refunds}");
    // 5 refunds × (json + dp6), 5 lists, the api list, 1 deleted refund, 1 of another order.
    assert!(files >= 17, "only {files} refund captures");
    assert!(refunds >= 16, "only {refunds} refunds");
}

#[test]
fn fixture_every_order_capture_and_order_delivery_parses_with_its_refund_summaries() {
    let (mut orders, mut with_refunds) = (0, 0);
    for file in capture_files() {
        let n = name(&file);
        let order = (n == "order.json"
            || n == "order.dp6.json"
            || n.starts_with("response-1-create-order"))
            || (n.starts_with("webhook-order.")
                && n.ends_with(".body")
                && !n.starts_with("webhook-order.deleted"));
        if !order {
            continue;
        }
        let o = parse_order(&std::fs::read(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for r in &o.refunds {
            assert!(
                r.id > 0 && r.total < Decimal::ZERO,
                "{}: {r:?}",
                file.display()
            );
        }
        with_refunds += usize::from(!o.refunds.is_empty());
        orders += 1;
    }
    // order.deleted carries only the id: it reads as an order with nothing but its id.
    let deleted = parse_order(
        &std::fs::read(changes_dir().join("108-trash-and-restore/webhook-order.deleted.body"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (deleted.id, deleted.total, deleted.line_items.len()),
        (55, Decimal::ZERO, 0)
    );
    println!("order captures walked: {orders}, with refunds[]: {with_refunds}");
    assert!(orders >= 40, "only {orders} order captures");
    assert!(with_refunds >= 10, "only {with_refunds} carry refunds");
}

/// The catalogue of the capture: rates 1 (21%, also shipping) and 2 (12%), coffee and vitamins.
fn seed(sb: &WooSandbox) {
    let rate = |id: u64, rate: &str, name: &str, class: &str| {
        json!({"id": id, "country": "LV", "rate": rate, "name": name, "priority": 1,
               "compound": false, "shipping": true, "order": id, "class": class})
    };
    sb.seed_taxes(vec![
        rate(1, "21.0000", "PVN 21%", "standard"),
        rate(2, "12.0000", "PVN 12%", "reduced-rate"),
    ]);
    let product = |id: u64, sku: &str, name: &str, price: &str, class: &str| {
        json!({"id": id, "name": name, "sku": sku, "type": "simple", "status": "publish",
               "price": price, "regular_price": price, "tax_status": "taxable", "tax_class": class,
               "manage_stock": true, "stock_quantity": 36, "stock_status": "instock"})
    };
    sb.seed_products(vec![
        product(10, "QA-COFFEE", "Kafija 250 g", "8.49", ""),
        product(12, "QA-MEDS", "Vitamīni", "4.35", "reduced-rate"),
    ]);
    sb.set_tax_options(false, false);
}

fn client(sb: &WooSandbox) -> WooClient {
    WooClient::new(
        &sb.base_url(),
        WooCredentials {
            consumer_key: Secret::new(sb.consumer_key()),
            consumer_secret: Secret::new(sb.consumer_secret()),
        },
        reqwest::Client::new(),
        WooOptions::default(),
    )
    .unwrap()
}

fn new_order(sb: &WooSandbox) -> (u64, u64) {
    let o = sb
        .create_order(&json!({"set_paid": true, "billing": {"country": "LV"},
            "line_items": [{"product_id": 10, "quantity": 2}, {"product_id": 12, "quantity": 3}],
            "shipping_lines": [{"method_id": "flat_rate", "method_title": "Flat rate", "total": "3.50"}]}))
        .unwrap();
    (
        o["id"].as_u64().unwrap(),
        o["line_items"][0]["id"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn sandbox_refunds_read_through_the_client_as_the_shop_port() {
    let sb = WooSandbox::start(WooSandboxConfig::default())
        .await
        .unwrap();
    seed(&sb);
    let shop: Arc<dyn Shop> = Arc::new(client(&sb));
    let (order, coffee) = new_order(&sb);
    let (other, _) = new_order(&sb);
    let line = sb
        .create_refund(
            order,
            &json!({"amount": "10.27", "reason": "Bojāta", "api_refund": false,
            "line_items": [{"id": coffee, "quantity": 1, "refund_total": 8.49,
                            "refund_tax": [{"id": 1, "refund_total": 1.78}]}]}),
        )
        .unwrap();
    let amount_only = sb
        .create_refund(order, &json!({"amount": "5.00", "api_refund": false}))
        .unwrap();

    let listed = shop.list_refunds(order).await.unwrap();
    assert_eq!(
        listed.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![
            amount_only["id"].as_u64().unwrap(),
            line["id"].as_u64().unwrap()
        ]
    );
    let one = shop
        .get_refund(order, line["id"].as_u64().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (one.amount, one.lines_total(), one.reason.as_str()),
        (dec!(10.27), dec!(-10.27), "Bojāta")
    );
    assert_eq!(refunded_item_id(&one.line_items[0].meta_data), Some(coffee));
    assert_eq!(one.tax_by_rate_id(), vec![(1, dec!(-1.78))]);
    assert!(listed[0].is_amount_only());

    // The order names its refunds only as summaries, newest first; totals are never netted.
    let o = shop.get_order(order).await.unwrap();
    assert_eq!(
        o.refunds.iter().map(|r| r.total).collect::<Vec<_>>(),
        vec![dec!(-5.00), dec!(-10.27)]
    );
    assert_eq!((o.total, o.status.as_str()), (dec!(39.41), "processing"));

    // A refund asked for under another order: WooCommerce's HTTP 500, read as not found.
    let err = shop.get_refund(other, one.id).await.unwrap_err();
    assert!(
        matches!(&err, WooError::NotFound { code, .. } if code == REFUND_OF_OTHER_ORDER_CODE),
        "{err}"
    );
    assert!(shop.list_refunds(other).await.unwrap().is_empty());

    // More than what is left: 500 "Invalid refund amount.", nothing made.
    let over = sb
        .create_refund(order, &json!({"amount": "24.15", "api_refund": false}))
        .unwrap_err();
    assert_eq!(
        (over.status, over.message.as_str()),
        (500, "Invalid refund amount.")
    );
    // The rest: status refunded in the same order body.
    sb.create_refund(order, &json!({"amount": "24.14", "api_refund": false}))
        .unwrap();
    assert_eq!(shop.get_order(order).await.unwrap().status, "refunded");
    sb.shutdown().await;
}

#[tokio::test]
async fn fake_shop_keeps_refunds_with_their_order_summaries() {
    let fake = FakeShop::new();
    let dir = changes_dir().join("110-two-refunds-to-full-then-over-refund-and-delete");
    let order: Value =
        serde_json::from_slice(&std::fs::read(dir.join("response-1-create-order.json")).unwrap())
            .unwrap();
    let id = fake.store_order(order);
    let refund: Value =
        serde_json::from_slice(&std::fs::read(dir.join("refund-58.json")).unwrap()).unwrap();
    assert!(fake.store_refund(id, refund));
    assert!(fake.store_refund(
        id,
        json!({"id": 59, "amount": "9.38", "reason": "Atlikums"})
    ));
    assert!(!fake.store_refund(id + 1000, json!({"id": 60, "amount": "1.00"})));
    let shop: Arc<dyn Shop> = fake.clone();
    let o = shop.get_order(id).await.unwrap();
    assert_eq!(
        o.refunds
            .iter()
            .map(|r| (r.id, r.total))
            .collect::<Vec<_>>(),
        vec![(59, dec!(-9.38)), (58, dec!(-10.00))]
    );
    assert_eq!(shop.list_refunds(id).await.unwrap().len(), 2);
    assert_eq!(shop.get_refund(id, 58).await.unwrap().amount, dec!(10.00));
    // The fake answers like WooCommerce: no such refund, and a refund of another order.
    fake.store_order(json!({"id": 7, "total": "1.00"}));
    assert!(
        matches!(shop.get_refund(7, 58).await, Err(WooError::NotFound { code, .. }) if code == REFUND_OF_OTHER_ORDER_CODE)
    );
    assert!(fake.delete_refund(id, 59));
    assert!(matches!(
        shop.get_refund(id, 59).await,
        Err(WooError::NotFound { .. })
    ));
    assert_eq!(shop.get_order(id).await.unwrap().refunds.len(), 1);
    assert_eq!(fake.calls_named("get_refund").len(), 3);
}
