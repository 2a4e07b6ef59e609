//! Issue 17, items 6 and 7 and three parts of 9: what the channel takes in.
//!
//! - A signed order without a positive id (`null`, `0`, `""`, negative, not a
//!   number, absent), with a negative total, or whose JSON gives a key twice
//!   is answered 200, kept as a failed inbox entry that says why, and never
//!   processed: nothing reaches PayTraq, not even when an operator retries
//!   it. The reconciler's catch-up applies the same rule to listed orders.
//! - A shop URL whose address is special-purpose in any of its forms (the
//!   probe's nine among them) is refused with a field error.
//! - Settings ids above the accepted range, and unknown keys inside a
//!   nested setting, are refused with field errors that name the path.

use std::sync::Arc;

use axum::body::Body;
use channel::intake::reconcile::reconcile_channel;
use channel::intake::webhook::router as webhook_router;
use channel::model::{InboxOrder, OrderStatus};
use channel::processing::{process, Outcome, Trigger};
use channel::queue::memory::MemoryQueue;
use channel::woocommerce::webhook::sign;
use channel::App;
use http::{Request, StatusCode};
use serde_json::{json, Value};
use testkit::fakes::{FakeAccounting, FakeConnect, FakeShop};
use tower::ServiceExt;

const CHANNEL: &str = "lv-shop";
const SECRET: &str = "whsec-hardening-inputs";

/// An embedded app whose channel reaches in-memory fakes of the shop and
/// of PayTraq, so "never processed" can be checked as "PayTraq got no call".
struct World {
    app: App,
    queue: Arc<MemoryQueue>,
    shop: Arc<FakeShop>,
    pt: Arc<FakeAccounting>,
}

async fn world() -> World {
    let (pt, shop) = (FakeAccounting::new(), FakeShop::new());
    let (app, queue) = testkit::embedded_app();
    let app = app.with_connect(Arc::new(FakeConnect {
        accounting: pt.clone(),
        shop: shop.clone(),
    }));
    testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", SECRET).await;
    World {
        app,
        queue,
        shop,
        pt,
    }
}

/// The captured WooCommerce 8.9.1 `order.created` body of case 001, as JSON.
fn sample_order() -> Value {
    let path =
        testkit::fixtures_dir().join("cases/001-single-line-bacs-paid/webhook-order.created.body");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Posts `body` as a correctly signed `order.created` delivery.
async fn deliver(w: &World, body: Vec<u8>) -> StatusCode {
    let request = Request::post(format!("/webhooks/woocommerce/{CHANNEL}"))
        .header("content-type", "application/json")
        .header("x-wc-webhook-topic", "order.created")
        .header("x-wc-webhook-resource", "order")
        .header("x-wc-webhook-event", "created")
        .header("x-wc-webhook-id", "2")
        .header("x-wc-webhook-signature", sign(&body, SECRET.as_bytes()))
        .body(Body::from(body))
        .unwrap();
    webhook_router(w.app.clone())
        .oneshot(request)
        .await
        .unwrap()
        .status()
}

async fn inbox(w: &World) -> Vec<InboxOrder> {
    w.app
        .repo
        .list_orders(CHANNEL, None, None, 1000)
        .await
        .unwrap()
        .items
}

/// Checks that every inbox entry is failed with a reason containing
/// `because`, that nothing was queued, and that an operator's retry of each
/// entry still reaches neither PayTraq nor the shop.
async fn assert_kept_as_failed_and_never_processed(w: &World, because: &str, what: &str) {
    let entries = inbox(w).await;
    assert!(!entries.is_empty(), "{what}: nothing was kept");
    for entry in &entries {
        assert_eq!(entry.status, OrderStatus::Failed, "{what}: {entry:?}");
        let reason = entry.reason.as_deref().unwrap_or_default();
        assert!(reason.contains(because), "{what}: reason {reason:?}");
        assert_ne!(entry.key, "0", "{what}: stored as order 0");
    }
    assert!(w.queue.is_empty(), "{what}: handed to the processor");
    for entry in &entries {
        let outcome = process(&w.app, CHANNEL, &entry.key, Trigger::Operator).await;
        assert!(
            matches!(outcome, Ok(Outcome::Status(OrderStatus::Failed))),
            "{what}: an operator's retry gave {outcome:?}"
        );
    }
    assert!(
        w.pt.calls().is_empty(),
        "{what}: PayTraq was called: {:?}",
        w.pt.calls()
    );
    assert!(
        w.shop.calls().is_empty(),
        "{what}: the shop was called: {:?}",
        w.shop.calls()
    );
}

// ---- item 6: an order without a positive id --------------------------------------

#[tokio::test]
async fn signed_orders_without_a_positive_id_are_kept_as_failed_and_never_processed() {
    let cases: [(Option<Value>, &str); 6] = [
        (Some(Value::Null), "no id"),
        (Some(json!(0)), "no id"),
        (Some(json!("")), "no id"),
        (Some(json!(-4)), "`id`"),
        (Some(json!("sixty-three")), "`id`"),
        (None, "missing field `id`"),
    ];
    for (id, because) in cases {
        let w = world().await;
        let mut order = sample_order();
        match &id {
            Some(id) => order["id"] = id.clone(),
            None => {
                order.as_object_mut().unwrap().remove("id");
            }
        }
        let status = deliver(&w, serde_json::to_vec(&order).unwrap()).await;
        let what = format!("id {id:?}");
        assert_eq!(status, StatusCode::OK, "{what}");
        assert_kept_as_failed_and_never_processed(&w, because, &what).await;
    }
}

// ---- item 9: a negative total ------------------------------------------------------

#[tokio::test]
async fn a_signed_order_with_a_negative_total_is_kept_as_failed_and_never_processed() {
    let w = world().await;
    let mut order = sample_order();
    order["total"] = json!("-24.19");
    let status = deliver(&w, serde_json::to_vec(&order).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_kept_as_failed_and_never_processed(&w, "the order total is negative (-24.19)", "total")
        .await;
}

// ---- item 9: duplicate JSON keys ----------------------------------------------------

#[tokio::test]
async fn a_signed_body_with_a_duplicate_key_is_kept_as_failed_and_never_processed() {
    let body = serde_json::to_string(&sample_order()).unwrap();
    let rest = body.strip_prefix('{').unwrap();
    for (extra, key) in [
        (r#""total":"-1.00","#, "total"),
        (r#""id":64,"#, "id"),
        (r#""to\u0074al":"0.01","#, "total"),
    ] {
        let w = world().await;
        let twice = format!("{{{extra}{rest}");
        let status = deliver(&w, twice.into_bytes()).await;
        assert_eq!(status, StatusCode::OK, "{key}");
        let because = format!("duplicate key `{key}`");
        assert_kept_as_failed_and_never_processed(&w, &because, &because).await;
    }
    // A duplicate deep inside (a line item's sku) counts as much.
    let w = world().await;
    let mut order = sample_order();
    order["line_items"][0]["sku"] = json!("SKU-A");
    let body = serde_json::to_string(&order).unwrap().replacen(
        r#""sku":"SKU-A""#,
        r#""sku":"SKU-A","sku":"SKU-B""#,
        1,
    );
    assert_eq!(deliver(&w, body.into_bytes()).await, StatusCode::OK);
    assert_kept_as_failed_and_never_processed(&w, "duplicate key `sku`", "nested sku").await;
}

/// The probe's 100,000-level nesting still ends as a failed entry, no crash.
#[tokio::test]
async fn a_signed_body_nested_100000_levels_is_kept_as_failed() {
    let w = world().await;
    let body = format!(r#"{{"id":63,"meta_data":{}"#, "[".repeat(100_000));
    assert_eq!(deliver(&w, body.into_bytes()).await, StatusCode::OK);
    assert_kept_as_failed_and_never_processed(&w, "not a readable order", "deep").await;
}

// ---- items 6 and 9 in the reconciler's catch-up --------------------------------------

/// Case 001 as order `id`, modified just now, as the shop lists it.
fn listed_order(id: Value, total: &str) -> Value {
    let mut o = sample_order();
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    o["number"] = id.to_string().into();
    o["id"] = id;
    o["total"] = total.into();
    o["date_modified"] = now.clone().into();
    o["date_modified_gmt"] = now.into();
    o
}

#[tokio::test]
async fn the_reconciler_keeps_listed_orders_without_an_id_or_with_a_negative_total_as_failed() {
    let w = world().await;
    w.shop.store_order(listed_order(json!(7001), "24.19"));
    w.shop.store_order(listed_order(Value::Null, "24.19"));
    w.shop.store_order(listed_order(json!(7003), "-24.19"));
    let channel = w.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();

    let report = reconcile_channel(&w.app, channel).await.unwrap();
    assert_eq!(report.error, None, "one bad order never stops the others");
    assert_eq!(report.orders_listed, 3);
    assert_eq!(report.orders_new_or_changed, 1);

    let entries = inbox(&w).await;
    let good: Vec<&InboxOrder> = entries.iter().filter(|e| e.key == "7001").collect();
    assert_eq!(good.len(), 1, "{entries:?}");
    assert_eq!(good[0].status, OrderStatus::Received);
    let mut reasons: Vec<String> = entries
        .iter()
        .filter(|e| e.key != "7001")
        .map(|e| {
            assert_eq!(e.status, OrderStatus::Failed, "{e:?}");
            assert!(!matches!(e.key.as_str(), "0" | "7003"), "{e:?}");
            e.reason.clone().unwrap_or_default()
        })
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            "order listed by the reconciler refused: the order has no id (`id` is 0, null or empty)",
            "order listed by the reconciler refused: the order total is negative (-24.19)",
        ]
    );

    // Again: the same failed entries, no new ones.
    let channel = w.app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    reconcile_channel(&w.app, channel).await.unwrap();
    assert_eq!(inbox(&w).await.len(), 3);
}

// ---- item 7: shop URLs ------------------------------------------------------------------

/// The admin API, as API Gateway (IAM) would pass requests to it.
async fn admin(w: &World, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let router = channel::admin::router(w.app.clone(), channel::admin::AdminAuth::Iam);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("host", "channel.example.lv")
        .body(Body::from(body.to_string()))
        .unwrap();
    crate::answer(router, request).await
}

#[tokio::test]
async fn shop_urls_at_special_purpose_addresses_are_refused_in_every_form() {
    let w = world().await;
    for host in [
        "198.18.0.1",
        "192.0.2.1",
        "[2001:db8::1]",
        "[::127.0.0.1]",
        "[64:ff9b::a9fe:a9fe]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::1]",
        "[fec0::1]",
        "[64:ff9b:1::a9fe:a9fe]",
        "203.0.113.7",
        "[3fff::1]",
    ] {
        let (status, err) = admin(
            &w,
            "POST",
            "/admin/channels",
            json!({
                "shop_url": format!("https://{host}"),
                "paytraq_api_key": "k",
                "paytraq_api_token": "t",
            }),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{host}: {err}");
        let problem = err["fields"]["shop_url"].as_str().unwrap_or_default();
        assert!(problem.contains("never calls"), "{host}: {err}");
    }
}

// ---- item 9: settings ---------------------------------------------------------------------

#[tokio::test]
async fn settings_ids_above_the_range_are_refused_with_a_field_error_naming_the_range() {
    let w = world().await;
    let path = format!("/admin/channels/{CHANNEL}/settings");
    for (field, value) in [
        ("warehouse_id", json!(9_007_199_254_740_992u64)),
        ("warehouse_id", json!("18446744073709551616")),
        ("price_group_id", json!(1e300)),
        ("price_group_id", json!(u64::MAX)),
    ] {
        let (status, err) = admin(&w, "PUT", &path, json!({ field: value.clone() })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field} {value}: {err}");
        let problem = err["fields"][field].as_str().unwrap_or_default();
        assert!(
            problem.contains("from 1 to 9007199254740991"),
            "{field} {value}: {err}"
        );
    }
    // The largest id in range is taken.
    let (status, s) = admin(
        &w,
        "PUT",
        &path,
        json!({"warehouse_id": 9_007_199_254_740_991u64}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["warehouse_id"], 9_007_199_254_740_991u64);
}

#[tokio::test]
async fn unknown_keys_inside_nested_settings_are_refused_with_their_path() {
    let w = world().await;
    let path = format!("/admin/channels/{CHANNEL}/settings");
    let (status, err) = admin(
        &w,
        "PUT",
        &path,
        json!({"rounding": {"mode": "adjust", "max": "0.05", "colour": "red"}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(
        err["fields"]["rounding.colour"]
            .as_str()
            .is_some_and(|p| p.contains("unknown")),
        "{err}"
    );
    let (status, err) = admin(
        &w,
        "PUT",
        &path,
        json!({"rounding": {"mode": "strict", "max": "0.05"}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(err["fields"]["rounding.max"].is_string(), "{err}");
    // Nothing was written.
    let (_, settings) = admin(&w, "GET", &path, Value::Null).await;
    assert_eq!(settings["rounding"], json!({"mode": "strict"}));

    // Inside a new channel's settings too.
    let (status, err) = admin(
        &w,
        "POST",
        "/admin/channels",
        json!({
            "shop_url": "https://shop.example.lv",
            "paytraq_api_key": "k",
            "paytraq_api_token": "t",
            "settings": {"rounding": {"mode": "strict", "colour": "red"}},
        }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(
        err["fields"]["settings.rounding.colour"].is_string(),
        "{err}"
    );
}
