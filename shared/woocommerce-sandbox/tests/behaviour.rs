//! WooCommerce sandbox behaviour over HTTP: webhook ping, signed deliveries, auto-disable, the
//! wc-auth key flow, paging, `_fields`, faults and the crash switch, stock rules and notes.

mod support;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::Duration;
use support::*;
use woocommerce_sandbox::{CrashMode, Faults, KeyPermissions, WooSandbox, WooSandboxConfig};

async fn demo_sandbox() -> WooSandbox {
    let cfg = WooSandboxConfig {
        webhook_delay: Duration::from_millis(10),
        // The receivers below listen on 127.0.0.1 over HTTP.
        allow_insecure_loopback_callbacks: true,
        ..WooSandboxConfig::default()
    };
    let sb = WooSandbox::start(cfg).await.unwrap();
    sb.seed_demo();
    sb
}

fn order_body() -> Value {
    json!({
        "payment_method": "bacs",
        "set_paid": true,
        "billing": {"first_name": "Jānis", "last_name": "Bērziņš", "country": "LV", "email": "j@example.lv"},
        "line_items": [{"product_id": 26, "quantity": 2}, {"product_id": 52, "variation_id": 56, "quantity": 1}],
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "Kurjers", "total": "3.50"}],
    })
}

#[tokio::test]
async fn ping_is_sent_on_webhook_create_and_needs_exactly_200() {
    let sb = demo_sandbox().await;
    let api = Api::new(&sb);
    let ok_rx = Receiver::start(200).await;
    let r = api.post("/webhooks", &json!({"topic": "order.created", "delivery_url": format!("{}/h", ok_rx.url), "secret": "s3cret"})).await;
    assert_eq!(r.status(), 201);
    let hook: Value = r.json().await.unwrap();
    assert_eq!(hook["status"], "active");
    assert!(hook.get("secret").is_none());
    let got = ok_rx.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let id = hook["id"].as_u64().unwrap();
    assert_eq!(got[0].body, format!("webhook_id={id}").as_bytes());
    assert!(got[0].headers.get("x-wc-webhook-signature").is_none());
    assert_eq!(
        got[0].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let pings: Vec<_> = sb
        .deliveries()
        .into_iter()
        .filter(|d| d.kind == "ping")
        .collect();
    assert!(pings[0].success);

    // Changing the delivery URL of an active webhook pings the new URL.
    let moved = Receiver::start(200).await;
    let r = api
        .send(
            reqwest::Method::PUT,
            &format!("/webhooks/{id}"),
            &json!({"delivery_url": format!("{}/new", moved.url)}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        moved.wait_for(1).await[0].body,
        format!("webhook_id={id}").as_bytes()
    );
    let not_forced = api
        .send(
            reqwest::Method::DELETE,
            &format!("/webhooks/{id}"),
            &json!({}),
        )
        .await;
    assert_eq!(not_forced.status(), 501);

    // 204 is a failed ping, but the webhook is still created.
    let no_content = Receiver::start(204).await;
    let r = api
        .post(
            "/webhooks",
            &json!({"topic": "order.updated", "delivery_url": format!("{}/h", no_content.url)}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let pings: Vec<_> = sb
        .deliveries()
        .into_iter()
        .filter(|d| d.kind == "ping")
        .collect();
    assert_eq!(pings.len(), 3);
    assert!(!pings[2].success);
    sb.shutdown().await;
}

#[tokio::test]
async fn deliveries_are_signed_php_encoded_and_come_as_created_then_updated() {
    let sb = demo_sandbox().await;
    let api = Api::new(&sb);
    let rx = Receiver::start(200).await;
    let secret = "Alnum40SecretForTheSandboxTest0000000000";
    for topic in ["order.created", "order.updated"] {
        let r = api.post("/webhooks", &json!({"topic": topic, "delivery_url": format!("{}/{topic}", rx.url), "secret": secret})).await;
        assert_eq!(r.status(), 201);
    }
    let created = sb.create_order(&order_body()).unwrap();
    let id = created["id"].as_u64().unwrap();
    let got = rx.wait_for(4).await; // 2 pings + created + updated
    let deliveries: Vec<_> = got
        .iter()
        .filter(|r| r.headers.contains_key("x-wc-webhook-topic"))
        .collect();
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0].headers["x-wc-webhook-topic"], "order.created");
    assert_eq!(deliveries[1].headers["x-wc-webhook-topic"], "order.updated");
    assert_eq!(
        deliveries[0].body, deliveries[1].body,
        "same payload for created and updated"
    );
    for d in &deliveries {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(&d.body);
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(d.headers["x-wc-webhook-signature"], expected.as_str());
        assert_eq!(d.headers["x-wc-webhook-resource"], "order");
        assert_eq!(
            d.headers["x-wc-webhook-source"],
            format!("{}/", sb.base_url()).as_str()
        );
        assert_eq!(
            d.headers["user-agent"],
            "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)"
        );
        assert_eq!(d.headers["x-wc-webhook-delivery-id"].len(), 32);
        let text = std::str::from_utf8(&d.body).unwrap();
        assert!(text.is_ascii(), "non-ASCII must be \\u-escaped");
        assert!(text.contains("B\\u0113rzi\\u0146\\u0161"));
        assert!(text.contains("http:\\/\\/127.0.0.1"));
        let parsed: Value = serde_json::from_str(text).unwrap();
        assert_eq!(parsed["id"], id);
        assert_eq!(parsed["status"], "processing");
        assert!(parsed["date_paid"].is_string());
    }
    // Draft orders fire nothing.
    let mut draft = order_body();
    draft["set_paid"] = json!(false);
    draft["status"] = json!("checkout-draft");
    let logged = rx.received().len();
    sb.create_order(&draft).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        rx.received().len(),
        logged,
        "no delivery for a checkout-draft"
    );

    // Variation with parent-managed stock reduced the parent.
    assert_eq!(sb.stock(52), Some(json!(39)));
    assert_eq!(sb.stock(56), Some(json!(39)));
    assert_eq!(sb.stock(26), Some(json!(498)));

    // A later update fires order.updated only; a note fires nothing.
    let before = rx.received().len();
    let note = api
        .post(
            &format!("/orders/{id}/notes"),
            &json!({"note": "PT-2026/0001 & <ok>"}),
        )
        .await;
    assert_eq!(note.status(), 201);
    sb.update_order(id, &json!({"status": "completed"}))
        .unwrap();
    let got = rx.wait_for(before + 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after: Vec<_> = rx.received().into_iter().skip(before).collect();
    assert_eq!(after.len(), 1, "one order.updated, nothing for the note");
    assert_eq!(got[before].headers["x-wc-webhook-topic"], "order.updated");
    let notes: Value = api
        .get(&format!("/orders/{id}/notes"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes[0]["note"], "PT-2026/0001 & <ok>");
    sb.shutdown().await;
}

#[tokio::test]
async fn webhook_is_disabled_on_the_seventh_consecutive_failure_and_then_silent() {
    let sb = demo_sandbox().await;
    let api = Api::new(&sb);
    let rx = Receiver::start(500).await;
    let r = api.post("/webhooks", &json!({"topic": "order.updated", "delivery_url": format!("{}/u", rx.url), "secret": "x"})).await;
    let hook_id = r.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
    let order_id = sb.create_order(&order_body()).unwrap()["id"]
        .as_u64()
        .unwrap();
    sb.wait_for_deliveries(2, Duration::from_secs(5)).await; // ping + first delivery
    assert_eq!(sb.webhook_status(hook_id), Some(("active".to_string(), 1)));
    for n in 2..=7u32 {
        sb.update_order(order_id, &json!({"customer_note": format!("n{n}")}))
            .unwrap();
        sb.wait_for_deliveries(1 + n as usize, Duration::from_secs(5))
            .await;
        let (status, count) = sb.webhook_status(hook_id).unwrap();
        if n < 7 {
            assert_eq!((status.as_str(), count), ("active", n), "after failure {n}");
        } else {
            assert_eq!(status, "disabled", "7th failure disables");
        }
    }
    let logged = sb.deliveries().len();
    sb.update_order(order_id, &json!({"customer_note": "after"}))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        sb.deliveries().len(),
        logged,
        "a disabled webhook delivers nothing"
    );
    let listed: Value = api
        .get("/webhooks?status=disabled")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["id"], hook_id);

    // Updates in a burst collapse into one delivery (one queued job per webhook and order).
    rx.status.store(200, std::sync::atomic::Ordering::SeqCst);
    let r = api
        .send(
            reqwest::Method::PUT,
            &format!("/webhooks/{hook_id}"),
            &json!({"status": "active"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let logged = sb.deliveries().len();
    for n in 0..3 {
        sb.update_order(order_id, &json!({"customer_note": format!("burst {n}")}))
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let burst: Vec<_> = sb.deliveries().into_iter().skip(logged).collect();
    assert_eq!(burst.len(), 1);
    assert!(
        burst[0].body.contains("burst 2"),
        "payload built when the job runs"
    );
    assert_eq!(
        sb.webhook_status(hook_id),
        Some(("active".to_string(), 0)),
        "success resets the counter"
    );

    // A success resets the counter.
    rx.status.store(200, std::sync::atomic::Ordering::SeqCst);
    let r = api
        .send(
            reqwest::Method::PUT,
            &format!("/webhooks/{hook_id}"),
            &json!({"status": "active"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    sb.update_order(order_id, &json!({"customer_note": "ok"}))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sb.webhook_status(hook_id), Some(("active".to_string(), 0)));
    sb.shutdown().await;
}

#[tokio::test]
async fn wc_auth_key_flow_posts_callback_then_redirects() {
    let sb = demo_sandbox().await;
    let rx = Receiver::start(200).await;
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let params = [
        ("app_name", "PayTraq Sync"),
        ("scope", "read_write"),
        ("user_id", "state-token-1"),
        ("return_url", "https://app.example.com/connected"),
        ("callback_url", &format!("{}/callback", rx.url)),
    ];
    let page = http
        .get(format!("{}/wc-auth/v1/authorize", sb.base_url()))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("PayTraq Sync would like to connect to your store"));

    let granted = http
        .post(format!("{}/wc-auth/v1/access_granted", sb.base_url()))
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status(), 302);
    assert_eq!(
        granted.headers()["location"],
        "https://app.example.com/connected?success=1&user_id=state-token-1"
    );
    let got = rx.received();
    assert_eq!(got.len(), 1);
    let cb: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(cb["user_id"], "state-token-1");
    assert_eq!(cb["key_permissions"], "read_write");
    assert!(cb["key_id"].is_u64());
    let (ck, cs) = (
        cb["consumer_key"].as_str().unwrap(),
        cb["consumer_secret"].as_str().unwrap(),
    );
    assert!(ck.starts_with("ck_") && ck.len() == 43 && cs.starts_with("cs_"));
    let works = http
        .get(format!("{}/wp-json/wc/v3/products", sb.base_url()))
        .basic_auth(ck, Some(cs))
        .send()
        .await
        .unwrap();
    assert_eq!(works.status(), 200);

    // Callback not answering 200: no redirect, key deleted.
    rx.status.store(500, std::sync::atomic::Ordering::SeqCst);
    let failed = http
        .post(format!("{}/wc-auth/v1/access_granted", sb.base_url()))
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 401);
    assert!(failed.headers().get("location").is_none());
    let cb: Value = serde_json::from_slice(&rx.received()[1].body).unwrap();
    let dead = http
        .get(format!("{}/wp-json/wc/v3/products", sb.base_url()))
        .basic_auth(
            cb["consumer_key"].as_str().unwrap(),
            Some(cb["consumer_secret"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(dead.status(), 401);

    let denied = http
        .get(format!("{}/wc-auth/v1/access_denied", sb.base_url()))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 302);
    assert_eq!(
        denied.headers()["location"],
        "https://app.example.com/connected?success=0&user_id=state-token-1"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn paging_headers_fields_and_per_page_limit() {
    let sb = demo_sandbox().await;
    let api = Api::new(&sb);
    for _ in 0..25 {
        sb.create_order(&order_body()).unwrap();
    }
    let r = api
        .get("/orders?per_page=10&page=3&_fields=id,status,billing.country")
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-wp-total"], "25");
    assert_eq!(r.headers()["x-wp-totalpages"], "3");
    assert!(r.headers()["link"]
        .to_str()
        .unwrap()
        .contains("rel=\"prev\""));
    let page: Vec<Value> = r.json().await.unwrap();
    assert_eq!(page.len(), 5);
    assert_eq!(page[0].as_object().unwrap().len(), 3);
    assert_eq!(page[0]["billing"], json!({"country": "LV"}));

    let too_big = api.get("/orders?per_page=101").await;
    assert_eq!(too_big.status(), 400);
    let err: Value = too_big.json().await.unwrap();
    assert_eq!(err["code"], "rest_invalid_param");
    assert_eq!(err["data"]["status"], 400);

    let none = api.get("/orders?modified_after=2999-01-01T00:00:00").await;
    assert_eq!(none.headers()["x-wp-total"], "0");
    let all = api
        .get("/orders?modified_after=2000-01-01T00:00:00Z&per_page=100")
        .await;
    assert_eq!(all.headers()["x-wp-total"], "25");

    for path in ["/orders/abc", "/nothing-here"] {
        let r = api.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "rest_no_route");
    }
    let wrong_method = api
        .send(reqwest::Method::DELETE, "/orders", &json!({}))
        .await;
    assert_eq!(wrong_method.status(), 404);

    let missing = api.get("/orders/999999").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.json::<Value>().await.unwrap()["code"],
        "woocommerce_rest_shop_order_invalid_id"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn read_key_cannot_write_and_sku_lookup_finds_variations() {
    let sb = demo_sandbox().await;
    let (ck, cs) = sb.create_key(KeyPermissions::Read);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = http
        .post(format!("{}/wp-json/wc/v3/orders", sb.base_url()))
        .basic_auth(&ck, Some(&cs))
        .json(&order_body())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["message"],
        "The API key provided does not have write permissions."
    );

    let api = Api::new(&sb);
    let found: Vec<Value> = api
        .get("/products?sku=LV-SOCKS-BLACK,LV-S21-1999,nope")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    let unknown: Vec<Value> = api.get("/products?sku=nope").await.json().await.unwrap();
    assert!(unknown.is_empty());

    // Stock sent to a parent-managed variation is ignored; it shows the parent's stock.
    let r = api
        .post(
            "/products/52/variations/batch",
            &json!({"update": [{"id": 56, "stock_quantity": 5}, {"id": 53, "stock_quantity": 0}]}),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["update"][0]["stock_quantity"], 40);
    assert_eq!(body["update"][0]["manage_stock"], "parent");
    assert_eq!(body["update"][1]["stock_status"], "outofstock");
    let status: Value = api
        .get("/system_status?_fields=environment")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["environment"]["version"], "8.9.1");
    assert_eq!(status.as_object().unwrap().len(), 1, "_fields trims");
    sb.set_wc_version("3.4.0");
    let old_shop: Value = api.get("/system_status").await.json().await.unwrap();
    assert_eq!(old_shop["environment"]["version"], "3.4.0");
    let tax: Value = api
        .get("/settings/tax/woocommerce_tax_round_at_subtotal")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tax["value"], "no");
    sb.shutdown().await;
}

#[tokio::test]
async fn faults_latency_and_crash_switch() {
    let cfg = WooSandboxConfig {
        latency: Duration::from_millis(50),
        ..WooSandboxConfig::default()
    };
    let sb = WooSandbox::start(cfg).await.unwrap();
    sb.seed_demo();
    let api = Api::new(&sb);
    let t = std::time::Instant::now();
    assert_eq!(api.get("/products").await.status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(50));

    sb.set_faults(Faults {
        route: Some("/orders".into()),
        route_status: Some(503),
        ..Faults::default()
    });
    assert_eq!(api.get("/orders").await.status(), 503);
    assert_eq!(api.get("/products").await.status(), 200);

    sb.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    let r = api.get("/products").await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.json::<Value>().await.unwrap()["data"]["status"], 500);

    sb.set_faults(Faults {
        timeout_route: Some("/taxes".into()),
        timeout: Some(Duration::from_secs(5)),
        ..Faults::default()
    });
    let slow = api
        .http
        .get(format!("{}/taxes", api.base))
        .basic_auth(&api.ck, Some(&api.cs))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(slow.is_err_and(|e| e.is_timeout()));

    sb.clear_faults();
    sb.set_crash(Some(CrashMode::Http500));
    assert_eq!(api.get("/products").await.status(), 500);
    sb.set_crash(Some(CrashMode::ConnectionClose));
    let dropped = api
        .http
        .get(format!("{}/products", api.base))
        .basic_auth(&api.ck, Some(&api.cs))
        .send()
        .await;
    assert!(
        dropped.is_err(),
        "the connection closes without an HTTP answer"
    );
    // The control API keeps working while crashed.
    let ctl = api
        .http
        .delete(format!("{}/__sandbox/faults", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(ctl.status(), 200);
    assert_eq!(api.get("/products").await.status(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn control_api_creates_replays_and_marks_paid() {
    let sb = demo_sandbox().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = http
        .put(format!("{}/__sandbox/settings", sb.base_url()))
        .json(&json!({"prices_include_tax": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["prices_include_tax"], true);
    let mut onhold = order_body();
    onhold["set_paid"] = json!(false);
    onhold["status"] = json!("on-hold");
    let r = http
        .post(format!("{}/__sandbox/orders", sb.base_url()))
        .json(&onhold)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let doc: Value = r.json().await.unwrap();
    let id = doc["id"].as_u64().unwrap();
    assert_eq!(doc["status"], "on-hold");
    assert_eq!(doc["prices_include_tax"], true);
    // 2 × 19.99 gross + 3.50 gross socks + 3.50 net shipping (+0.73, half-down): tax-inclusive prices.
    assert_eq!(doc["total"], "47.71");
    assert!(doc["date_paid"].is_null());

    // PUT set_paid on an on-hold order is ignored, as in WooCommerce.
    let ignored = sb.update_order(id, &json!({"set_paid": true})).unwrap();
    assert!(ignored["date_paid"].is_null());
    let paid: Value = http
        .post(format!("{}/__sandbox/orders/{id}/paid", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["status"], "processing");
    assert!(paid["date_paid"].is_string());
    let stock_after_payment = sb.stock(26);

    // PUT line items by id: change a quantity, remove an item, add one; unknown ids are refused.
    let first = paid["line_items"][0]["id"].clone();
    let second = paid["line_items"][1]["id"].clone();
    let edited = sb
        .update_order(
            id,
            &json!({"line_items": [
                {"id": first, "quantity": 1},
                {"id": second, "quantity": 0},
                {"product_id": 22, "quantity": 2},
            ]}),
        )
        .unwrap();
    let lines = edited["line_items"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], first);
    assert_eq!(lines[0]["quantity"], 1);
    assert_eq!(lines[1]["product_id"], 22);
    let bad = sb.update_order(id, &json!({"line_items": [{"id": 999_999, "quantity": 1}]}));
    assert_eq!(bad.unwrap_err().code, "woocommerce_rest_invalid_item_id");
    let paid = edited;

    // A recalculating update (new billing country) keeps item ids and does not reduce stock twice.
    let moved = sb
        .update_order(
            id,
            &json!({"billing": {"country": "EE"}, "status": "completed"}),
        )
        .unwrap();
    assert_eq!(moved["line_items"][0]["id"], paid["line_items"][0]["id"]);
    assert_eq!(moved["tax_lines"][0]["rate_code"], "EE-KM 22%-1");
    assert_eq!(sb.stock(26), stock_after_payment);
    assert!(moved["line_items"][0]["meta_data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["key"] == "_reduced_stock"));

    let mut replay = sb.order(id).unwrap();
    replay["id"] = json!(0);
    let r = http
        .post(format!("{}/__sandbox/orders/raw", sb.base_url()))
        .json(&replay)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rid = r.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
    let stored = sb.order(rid).unwrap();
    assert_eq!(stored["total"], replay["total"]);
    assert_eq!(stored["line_items"], replay["line_items"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn sku_lookup_renders_variations_like_the_products_controller_with_fields_and_paging() {
    let sb = fixture_sandbox().await;
    let api = Api::new(&sb);
    // Variations stop managing their own stock, through their own PUT route:
    // under a parent that manages stock (LV-SOCKS) that reads "parent", under
    // one that does not (WL-HOODIE) false.
    for (path, id) in [
        ("/products/52/variations/54", 54),
        ("/products/14/variations/15", 15),
    ] {
        let r = api
            .send(
                reqwest::Method::PUT,
                path,
                &json!({"id": id, "manage_stock": false}),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    let r = api
        .send(
            reqwest::Method::PUT,
            "/products/14/variations/54",
            &json!({"manage_stock": true}),
        )
        .await;
    assert_eq!(r.status(), 400, "a variation of another parent");
    // A variation is never written through the products endpoint (WooCommerce: 404).
    let r = api
        .send(
            reqwest::Method::PUT,
            "/products/54",
            &json!({"manage_stock": true, "stock_quantity": 3}),
        )
        .await;
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "woocommerce_rest_invalid_product_id");

    let fields = "id,type,sku,parent_id,manage_stock,stock_quantity";
    let query = format!(
        "/products?sku=LV-SOCKS,LV-SOCKS-RED,LV-SOCKS-BLUE,LV-SOCKS-BLACK,WL-HOODIE-S,WL-HOODIE-L&_fields={fields}&per_page=2&order=asc"
    );
    let mut seen = Vec::new();
    for page in 1..=3 {
        let r = api.get(&format!("{query}&page={page}")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-wp-total"], "6");
        assert_eq!(r.headers()["x-wp-totalpages"], "3");
        let items: Vec<Value> = r.json().await.unwrap();
        assert_eq!(items.len(), 2);
        seen.extend(items);
    }
    for item in &seen {
        let mut keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "id",
                "manage_stock",
                "parent_id",
                "sku",
                "stock_quantity",
                "type"
            ]
        );
    }
    let shape = |v: &Value| {
        (
            v["id"].as_u64().unwrap(),
            v["type"].as_str().unwrap().to_owned(),
            v["parent_id"].as_u64().unwrap(),
            v["manage_stock"].clone(),
            v["stock_quantity"].clone(),
        )
    };
    let shapes: Vec<_> = seen.iter().map(shape).collect();
    assert_eq!(
        shapes,
        [
            (15, "variation".into(), 14, json!(false), json!(null)),
            (17, "variation".into(), 14, json!(true), json!(0)),
            (52, "variable".into(), 0, json!(true), json!(36)),
            (53, "variation".into(), 52, json!(true), json!(18)),
            (54, "variation".into(), 52, json!("parent"), json!(36)),
            (56, "variation".into(), 52, json!("parent"), json!(36)),
        ]
    );
    sb.shutdown().await;
}
