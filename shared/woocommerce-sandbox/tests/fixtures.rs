//! WooCommerce sandbox against the real 8.9.1 captures: order and webhook shapes, totals, 401 bodies,
//! batch limits and per-item batch errors. Every test here walks or reads the fixture folder.

mod support;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::path::{Path, PathBuf};
use support::*;

/// REST-created cases (`request.json` is a `POST /wp-json/wc/v3/orders`), discovered by walking.
fn rest_cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("request.json").exists())
        .filter(|p| {
            let r = read_json(&p.join("request.json"));
            r["method"] == "POST" && r["path"] == "/wp-json/wc/v3/orders"
        })
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no REST cases found");
    cases
}

fn case_options(case: &Path) -> (bool, bool) {
    let meta = read_json(&case.join("case-meta.json"));
    let opt = &meta["options_at_creation"];
    (
        opt["woocommerce_prices_include_tax"] == "yes",
        opt["woocommerce_tax_round_at_subtotal"] == "yes",
    )
}

/// Creates the case's order through REST (and replays its later PUTs); returns the sandbox order id.
async fn replay_case(sb: &woocommerce_sandbox::WooSandbox, api: &Api, case: &Path) -> u64 {
    let (incl, ras) = case_options(case);
    sb.set_tax_options(incl, ras);
    let req = read_json(&case.join("request.json"));
    let resp = api.post("/orders", &req["body"]).await;
    assert_eq!(resp.status(), 201, "{}", case.display());
    let created: Value = resp.json().await.unwrap();
    let id = created["id"].as_u64().unwrap();
    if req["post_steps"].as_array().is_some_and(|s| !s.is_empty()) {
        // Let the creation deliveries run first, as they did in the capture.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    for step in req["post_steps"].as_array().into_iter().flatten() {
        if step["action"]
            .as_str()
            .is_some_and(|a| a.starts_with("PUT /orders/"))
        {
            let r = api
                .send(
                    reqwest::Method::PUT,
                    &format!("/orders/{id}"),
                    &step["body"],
                )
                .await;
            assert_eq!(r.status(), 200);
            // Spaced like the capture, so each PUT gets its own order.updated.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
    id
}

#[tokio::test]
async fn fixture_order_and_webhook_shapes_match_real_orders() {
    let sb = fixture_sandbox().await;
    let api = Api::new(&sb);
    let rx = Receiver::start(200).await;
    let secret = "abc123SECRET";
    let hook = api
        .post("/webhooks", &json!({"name": "c", "topic": "order.created", "delivery_url": format!("{}/created", rx.url), "secret": secret}))
        .await;
    assert_eq!(hook.status(), 201);
    let hook = api
        .post("/webhooks", &json!({"name": "u", "topic": "order.updated", "delivery_url": format!("{}/updated", rx.url), "secret": secret}))
        .await;
    assert_eq!(hook.status(), 201);
    let mut checked = 0;
    for case in rest_cases() {
        let before = rx.received().len();
        let puts = read_json(&case.join("request.json"))["post_steps"]
            .as_array()
            .map_or(0, Vec::len);
        let id = replay_case(&sb, &api, &case).await;
        let ours: Value = api
            .get(&format!("/orders/{id}"))
            .await
            .json()
            .await
            .unwrap();
        let real = read_json(&case.join("order.json"));
        let mut diffs = Vec::new();
        shape_diff("order", &ours, &real, &mut diffs);
        assert!(diffs.is_empty(), "{}: {diffs:#?}", case.display());

        let got = rx.wait_for(before + 2 + puts).await;
        let updated = got
            .iter()
            .skip(before)
            .find(|r| r.path == "/updated")
            .expect("order.updated delivery");
        let ours_updated: Value = serde_json::from_slice(&updated.body).unwrap();
        let real_updated: Value = serde_json::from_slice(
            &std::fs::read(case.join("webhook-order.updated.body")).unwrap(),
        )
        .unwrap();
        let mut diffs = Vec::new();
        shape_diff("webhook-updated", &ours_updated, &real_updated, &mut diffs);
        assert!(diffs.is_empty(), "{}: {diffs:#?}", case.display());
        let delivery = got
            .iter()
            .skip(before)
            .find(|r| r.path == "/created")
            .expect("order.created delivery");
        let ours_body: Value = serde_json::from_slice(&delivery.body).unwrap();
        let real_body: Value = serde_json::from_slice(
            &std::fs::read(case.join("webhook-order.created.body")).unwrap(),
        )
        .unwrap();
        let mut diffs = Vec::new();
        shape_diff("webhook", &ours_body, &real_body, &mut diffs);
        assert!(diffs.is_empty(), "{}: {diffs:#?}", case.display());

        // Header names as in the capture.
        let real_headers = read_json(&case.join("webhook-order.created.headers.json"));
        for name in real_headers
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with("X-WC-Webhook"))
        {
            assert!(
                delivery.headers.contains_key(name.as_str()),
                "{}: header {name}",
                case.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} REST cases");
    sb.shutdown().await;
}

/// The amounts compared between the sandbox and WooCommerce for one order: every REST case
/// (including cases added later) must match WooCommerce on all of them.
fn amounts(o: &Value) -> Value {
    let lines = |k: &str, fields: &[&str]| -> Value {
        o[k].as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                fields
                    .iter()
                    .map(|f| (f.to_string(), l[*f].clone()))
                    .collect::<serde_json::Map<_, _>>()
            })
            .map(Value::Object)
            .collect()
    };
    json!({
        "total": o["total"], "total_tax": o["total_tax"], "cart_tax": o["cart_tax"],
        "shipping_total": o["shipping_total"], "shipping_tax": o["shipping_tax"],
        "discount_total": o["discount_total"], "discount_tax": o["discount_tax"],
        "status": o["status"], "paid": o["date_paid"].is_string(),
        "line_items": lines("line_items", &["product_id", "variation_id", "quantity", "subtotal", "subtotal_tax", "total", "total_tax", "taxes", "price"]),
        "tax_lines": lines("tax_lines", &["rate_id", "rate_code", "label", "tax_total", "shipping_tax_total", "rate_percent"]),
        "shipping_lines": lines("shipping_lines", &["total", "total_tax", "taxes"]),
        "fee_lines": lines("fee_lines", &["name", "total", "total_tax", "taxes"]),
        "coupon_lines": lines("coupon_lines", &["code", "discount", "discount_tax"]),
    })
}

#[tokio::test]
async fn fixture_totals_equal_woocommerce() {
    let sb = fixture_sandbox().await;
    let api = Api::new(&sb);
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for case in rest_cases() {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let id = replay_case(&sb, &api, &case).await;
        let (ours, real) = (
            amounts(&sb.order(id).unwrap()),
            amounts(&read_json(&case.join("order.json"))),
        );
        let diffs: Vec<String> = ours
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| real[k.as_str()] != **v)
            .map(|(k, v)| format!("{k}: sandbox {v} real {}", real[k.as_str()]))
            .collect();
        report.push(format!(
            "{name}: total {} tax {} {}",
            ours["total"],
            ours["total_tax"],
            if diffs.is_empty() { "same" } else { "DIFF" }
        ));
        if !diffs.is_empty() {
            failures.push(format!("{name}:\n  {}", diffs.join("\n  ")));
        }
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    sb.shutdown().await;
}

#[tokio::test]
async fn fixture_auth_401_bodies_are_exact() {
    let sb = fixture_sandbox().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/wp-json/wc/v3/products?per_page=1", sb.base_url());
    let api_dir = fixtures().join("api");
    let expect = |name: &str| std::fs::read_to_string(api_dir.join(name)).unwrap();

    let none = http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.text().await.unwrap(), expect("auth-none-401.json"));

    let wrong_key = http
        .get(&url)
        .basic_auth("ck_0000000000000000000000000000000000000000", Some("cs_x"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_key.status(), 401);
    assert_eq!(
        wrong_key.text().await.unwrap(),
        expect("auth-wrong-key-401.json")
    );

    let wrong_secret = http
        .get(&url)
        .basic_auth(sb.consumer_key(), Some("cs_wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), 401);
    assert_eq!(
        wrong_secret.text().await.unwrap(),
        expect("auth-wrong-secret-401.json")
    );

    // Query-string credentials work too.
    let qs = http
        .get(format!(
            "{url}&consumer_key={}&consumer_secret={}",
            sb.consumer_key(),
            sb.consumer_secret()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(qs.status(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn fixture_batch_413_and_per_item_errors_match_real_bodies() {
    let sb = fixture_sandbox().await;
    let api = Api::new(&sb);
    let api_dir = fixtures().join("api");

    let too_many = read_json(&api_dir.join("products-batch-101-items-413.meta.json"))["request"]
        ["body"]
        .clone();
    assert_eq!(too_many["update"].as_array().unwrap().len(), 101);
    let r = api.post("/products/batch", &too_many).await;
    assert_eq!(r.status(), 413);
    assert_eq!(
        r.text().await.unwrap(),
        std::fs::read_to_string(api_dir.join("products-batch-101-items-413.json")).unwrap()
    );

    for (name, path) in [
        ("products-batch-stock-price", "/products/batch".to_string()),
        (
            "products-batch-with-variation-id",
            "/products/batch".to_string(),
        ),
        (
            "variations-batch-stock-price",
            "/products/52/variations/batch".to_string(),
        ),
    ] {
        let meta = read_json(&api_dir.join(format!("{name}.meta.json")));
        let r = api.post(&path, &meta["request"]["body"]).await;
        assert_eq!(r.status(), 200, "{name}");
        let ours: Value = r.json().await.unwrap();
        let real = read_json(&api_dir.join(format!("{name}.json")));
        let (ours_items, real_items) = (
            ours["update"].as_array().unwrap(),
            real["update"].as_array().unwrap(),
        );
        assert_eq!(ours_items.len(), real_items.len(), "{name}");
        for (o, r) in ours_items.iter().zip(real_items) {
            assert_eq!(o["id"], r["id"], "{name}");
            match r.get("error") {
                Some(err) => assert_eq!(o["error"], *err, "{name}"),
                None => {
                    for field in [
                        "stock_quantity",
                        "regular_price",
                        "price",
                        "manage_stock",
                        "stock_status",
                    ] {
                        assert_eq!(o[field], r[field], "{name} id {} field {field}", r["id"]);
                    }
                }
            }
        }
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn fixture_webhook_signatures_verify_with_independent_hmac() {
    // The sandbox's signer agrees with the captured WooCommerce signatures.
    let secret = std::fs::read_to_string(fixtures().join("webhook-secret.txt")).unwrap();
    let secret = secret.trim();
    let mut n = 0;
    for case in std::fs::read_dir(fixtures().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
    {
        for entry in std::fs::read_dir(&case).unwrap().map(|e| e.unwrap().path()) {
            let file = entry.file_name().unwrap().to_string_lossy().to_string();
            let Some(stem) = file.strip_suffix(".body") else {
                continue;
            };
            let headers = read_json(&case.join(format!("{stem}.headers.json")));
            let body = std::fs::read(&entry).unwrap();
            let ours = woocommerce_sandbox::webhooks::sign(&body, secret);
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(&body);
            let independent =
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
            assert_eq!(ours, independent);
            assert_eq!(
                headers["X-WC-Webhook-Signature"],
                Value::from(ours),
                "{}",
                entry.display()
            );
            n += 1;
        }
    }
    assert!(n > 0);
}

#[tokio::test]
async fn fixture_replayed_orders_are_delivered_byte_identical_to_captures() {
    // Every captured order stored as given is re-rendered with WooCommerce's exact bytes
    // (field order, `\/` and `\uXXXX` escapes) and delivered signed with the webhook secret.
    let sb = fixture_sandbox().await;
    let api = Api::new(&sb);
    let rx = Receiver::start(200).await;
    let secret = std::fs::read_to_string(fixtures().join("webhook-secret.txt"))
        .unwrap()
        .trim()
        .to_string();
    let r = api
        .post("/webhooks", &json!({"topic": "order.updated", "delivery_url": format!("{}/u", rx.url), "secret": secret}))
        .await;
    assert_eq!(r.status(), 201);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    let mut n = 0;
    for case in cases.iter().filter(|c| c.join("order.json").exists()) {
        let raw = std::fs::read_to_string(case.join("order.json")).unwrap();
        let before = rx.received().len();
        let id = sb.store_order(serde_json::from_str(&raw).unwrap()).unwrap();
        let body = sb.order_body(id).unwrap();
        assert_eq!(
            id,
            read_json(&case.join("order.json"))["id"].as_u64().unwrap(),
            "id kept"
        );
        let real = raw.trim_end();
        let at = body
            .bytes()
            .zip(real.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(body.len().min(real.len()));
        assert!(
            body == real,
            "{}: first difference at byte {at}: sandbox …{}… real …{}…",
            case.display(),
            &body[at.saturating_sub(60)..(at + 60).min(body.len())],
            &real[at.saturating_sub(60)..(at + 60).min(real.len())]
        );
        let got = rx.wait_for(before + 1).await;
        let d = got.last().unwrap();
        assert_eq!(d.body, body.as_bytes(), "delivered bytes");
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(&d.body);
        let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(d.headers["x-wc-webhook-signature"], sig.as_str());
        n += 1;
    }
    assert!(n > 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn fixture_product_sku_lookups_match_real_results() {
    let sb = fixture_sandbox().await;
    let api = Api::new(&sb);
    let mut metas: Vec<PathBuf> = std::fs::read_dir(fixtures().join("api"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("products-by-sku-")
        })
        .filter(|p| p.to_string_lossy().ends_with(".meta.json"))
        .collect();
    metas.sort();
    assert!(!metas.is_empty());
    for meta in metas {
        let m = read_json(&meta);
        let url = url::Url::parse(m["request"]["url"].as_str().unwrap()).unwrap();
        let path_and_query = format!(
            "{}?{}",
            url.path().trim_start_matches("/wp-json/wc/v3"),
            url.query().unwrap_or("")
        );
        let r = api.get(&path_and_query).await;
        assert_eq!(
            r.status(),
            m["response"]["status"].as_u64().unwrap_or(200) as u16
        );
        let ours: Value = r.json().await.unwrap();
        let body_file = meta.with_file_name(m["response"]["body_file"].as_str().unwrap());
        let real = read_json(&body_file);
        let ids = |v: &Value| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&ours), ids(&real), "{}", meta.display());
        let mut diffs = Vec::new();
        shape_diff("products", &ours, &real, &mut diffs);
        assert!(diffs.is_empty(), "{}: {diffs:#?}", meta.display());
    }
    sb.shutdown().await;
}
