//! The webhook receiver against real WooCommerce 8.9.1 captures, forgeries
//! and arbitrary input.

use std::path::{Path, PathBuf};

use axum::body::Body;
use channel::intake::webhook::router;
use channel::model::OrderStatus;
use channel::woocommerce::webhook::sign;
use channel::App;
use http::{Request, StatusCode};
use tower::ServiceExt;

const CHANNEL: &str = "lv-shop";

fn fixture_secret() -> String {
    std::fs::read_to_string(testkit::fixtures_dir().join("webhook-secret.txt"))
        .expect("webhook-secret.txt")
        .trim()
        .to_string()
}

/// Sends a delivery through the real router; returns the status.
async fn post(app: &App, channel: &str, headers: &[(String, String)], body: Vec<u8>) -> StatusCode {
    let mut req = Request::post(format!("/webhooks/woocommerce/{channel}"));
    for (k, v) in headers {
        // Hop-by-hop and length headers are the transport's business.
        if k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("connection") {
            continue;
        }
        req = req.header(k.as_str(), v.as_str());
    }
    let resp = router(app.clone())
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    resp.status()
}

fn headers_of(path: &Path) -> Vec<(String, String)> {
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    map.into_iter()
        .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
        .collect()
}

fn signed_headers(topic: &str, body: &[u8], secret: &str) -> Vec<(String, String)> {
    vec![
        ("content-type".into(), "application/json".into()),
        ("x-wc-webhook-topic".into(), topic.into()),
        ("x-wc-webhook-resource".into(), "order".into()),
        (
            "x-wc-webhook-event".into(),
            topic.rsplit('.').next().unwrap().into(),
        ),
        ("x-wc-webhook-id".into(), "2".into()),
        (
            "x-wc-webhook-signature".into(),
            sign(body, secret.as_bytes()),
        ),
    ]
}

/// Every delivery of a case, in the order WooCommerce sent them.
fn deliveries(case: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut bodies: Vec<PathBuf> = std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("webhook-order.") && name.ends_with(".body")
        })
        .collect();
    // created, updated, updated.2, updated.3 ...
    bodies.sort_by_key(|p| {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let rank = if name.contains(".created") { 0 } else { 1 };
        let n: u32 = name
            .split('.')
            .filter_map(|s| s.parse().ok())
            .next()
            .unwrap_or(1);
        (rank, n)
    });
    bodies
        .into_iter()
        .map(|b| {
            let h = PathBuf::from(b.to_string_lossy().replace(".body", ".headers.json"));
            (b, h)
        })
        .collect()
}

#[tokio::test]
async fn webhook_fixture_captures_are_all_stored() {
    let (app, queue) = testkit::embedded_app();
    testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", &fixture_secret()).await;
    let mut cases = 0;
    let mut total_deliveries = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(testkit::fixtures_dir().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for case in dirs {
        let order: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("order.json")).unwrap())
                .unwrap();
        let id = order["id"].as_u64().unwrap();
        let list = deliveries(&case);
        assert!(!list.is_empty(), "{} has no deliveries", case.display());
        for (body, headers) in &list {
            let status = post(
                &app,
                CHANNEL,
                &headers_of(headers),
                std::fs::read(body).unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{}", body.display());
            total_deliveries += 1;
        }
        let stored = app
            .repo
            .get_order(CHANNEL, &id.to_string())
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(stored.order_id, Some(id));
        assert_eq!(stored.status, OrderStatus::Received);
        let summary = stored.summary.expect("summary");
        assert_eq!(
            summary.wc_status,
            order["status"].as_str().unwrap(),
            "{}",
            case.display()
        );
        assert_eq!(
            summary.total.to_string(),
            order["total"].as_str().unwrap(),
            "{}",
            case.display()
        );
        cases += 1;
    }
    assert!(cases >= 28, "only {cases} cases found");
    let all = app
        .repo
        .list_orders(CHANNEL, None, None, 1000)
        .await
        .unwrap();
    assert_eq!(all.items.len(), cases, "one inbox entry per order");
    assert!(queue.len() >= cases, "every order was enqueued");
    println!("{cases} cases, {total_deliveries} deliveries accepted");
}

#[tokio::test]
async fn webhook_ping_fixture_is_answered_200_and_recorded() {
    let (app, _) = testkit::embedded_app();
    testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", &fixture_secret()).await;
    for name in ["webhook-ping-order.created", "webhook-ping-order.updated"] {
        let dir = testkit::fixtures_dir().join("api");
        let body = std::fs::read(dir.join(format!("{name}.body"))).unwrap();
        // A ping is recorded only for one of the channel's own webhooks (pings are unsigned).
        let webhook_id = channel::woocommerce::webhook::ping_webhook_id(&body).unwrap();
        testkit::register_webhook(
            &app,
            CHANNEL,
            webhook_id,
            name.trim_start_matches("webhook-ping-"),
        )
        .await;
        let status = post(
            &app,
            CHANNEL,
            &headers_of(&dir.join(format!("{name}.headers.json"))),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let channel = app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    assert!(channel.health.last_ping_at.is_some());
    assert!(app
        .repo
        .list_orders(CHANNEL, None, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
}

fn sample_order_body() -> Vec<u8> {
    std::fs::read(
        testkit::fixtures_dir().join("cases/001-single-line-bacs-paid/webhook-order.created.body"),
    )
    .unwrap()
}

#[tokio::test]
async fn forged_deliveries_are_refused_and_nothing_is_stored() {
    let (app, queue) = testkit::embedded_app();
    let secret = fixture_secret();
    testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", &secret).await;
    testkit::active_channel(
        &app,
        "other",
        "https://other.example.lv",
        "another-channels-secret",
    )
    .await;
    let body = sample_order_body();

    let wrong_secret = signed_headers("order.created", &body, "not-the-secret");
    assert_eq!(
        post(&app, CHANNEL, &wrong_secret, body.clone()).await,
        StatusCode::UNAUTHORIZED
    );

    let mut changed = body.clone();
    let i = changed.iter().position(|b| *b == b'1').unwrap();
    changed[i] = b'2';
    let stale_signature = signed_headers("order.created", &body, &secret);
    assert_eq!(
        post(&app, CHANNEL, &stale_signature, changed).await,
        StatusCode::UNAUTHORIZED
    );

    let mut missing = signed_headers("order.created", &body, &secret);
    missing.retain(|(k, _)| k != "x-wc-webhook-signature");
    assert_eq!(
        post(&app, CHANNEL, &missing, body.clone()).await,
        StatusCode::UNAUTHORIZED
    );

    let mut not_base64 = signed_headers("order.created", &body, &secret);
    not_base64.last_mut().unwrap().1 = "%%%not base64%%%".into();
    assert_eq!(
        post(&app, CHANNEL, &not_base64, body.clone()).await,
        StatusCode::UNAUTHORIZED
    );

    let other_channels = signed_headers("order.created", &body, "another-channels-secret");
    assert_eq!(
        post(&app, CHANNEL, &other_channels, body.clone()).await,
        StatusCode::UNAUTHORIZED
    );

    assert!(app
        .repo
        .list_orders(CHANNEL, None, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(app
        .repo
        .list_orders("other", None, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(queue.is_empty());
    // The genuine one goes through.
    let good = signed_headers("order.created", &body, &secret);
    assert_eq!(post(&app, CHANNEL, &good, body).await, StatusCode::OK);
    assert_eq!(
        app.repo
            .list_orders(CHANNEL, None, None, 10)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

#[tokio::test]
async fn unknown_and_inactive_channels_get_404() {
    let (app, _) = testkit::embedded_app();
    let body = sample_order_body();
    let headers = signed_headers("order.created", &body, "s");
    assert_eq!(
        post(&app, "nope", &headers, body.clone()).await,
        StatusCode::NOT_FOUND
    );
    let mut ch = testkit::active_channel(&app, "paused", "https://shop.example.lv", "s").await;
    ch.state = channel::model::ChannelState::Deactivated;
    app.repo.save_channel(&mut ch).await.unwrap();
    assert_eq!(
        post(&app, "paused", &headers, body).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn oversized_body_is_413_before_parsing() {
    let (app, _) = testkit::embedded_app();
    let secret = "s";
    testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", secret).await;
    let body = vec![b' '; app.options.max_body_bytes + 1];
    let headers = signed_headers("order.created", &body, secret);
    assert_eq!(
        post(&app, CHANNEL, &headers, body).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert!(app
        .repo
        .list_orders(CHANNEL, None, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
}

#[tokio::test]
async fn signed_content_that_is_not_an_order_is_kept_as_failed() {
    let (app, queue) = testkit::embedded_app();
    let secret = "s";
    testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", secret).await;
    // What WooCommerce sends when the order was deleted before the delivery ran.
    let error_object =
        br#"{"code":"woocommerce_rest_shop_order_invalid_id","message":"Invalid ID.","data":{"status":404}}"#.to_vec();
    for body in [error_object, b"not json at all".to_vec()] {
        let headers = signed_headers("order.updated", &body, secret);
        assert_eq!(
            post(&app, CHANNEL, &headers, body.clone()).await,
            StatusCode::OK
        );
        // The same body again is the same entry.
        assert_eq!(post(&app, CHANNEL, &headers, body).await, StatusCode::OK);
    }
    let failed = app
        .repo
        .list_orders(CHANNEL, Some(OrderStatus::Failed), None, 10)
        .await
        .unwrap()
        .items;
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|o| o
        .reason
        .as_deref()
        .unwrap_or("")
        .contains("not a readable order")));
    assert!(queue.is_empty(), "nothing to process");
}

#[tokio::test]
async fn drafts_and_other_topics_are_answered_but_not_stored() {
    let (app, _) = testkit::embedded_app();
    let secret = "s";
    testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", secret).await;
    let mut order: serde_json::Value = serde_json::from_slice(&sample_order_body()).unwrap();
    for status in ["checkout-draft", "draft", "auto-draft"] {
        order["status"] = status.into();
        let body = serde_json::to_vec(&order).unwrap();
        assert_eq!(
            post(
                &app,
                CHANNEL,
                &signed_headers("order.created", &body, secret),
                body
            )
            .await,
            StatusCode::OK
        );
    }
    let body = br#"{"id":5,"name":"Product"}"#.to_vec();
    assert_eq!(
        post(
            &app,
            CHANNEL,
            &signed_headers("product.updated", &body, secret),
            body
        )
        .await,
        StatusCode::OK
    );
    assert!(app
        .repo
        .list_orders(CHANNEL, None, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
}

#[tokio::test]
async fn an_older_payload_never_replaces_a_newer_one() {
    let (app, _) = testkit::embedded_app();
    let secret = "s";
    testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", secret).await;
    let mut order: serde_json::Value = serde_json::from_slice(&sample_order_body()).unwrap();
    order["date_modified_gmt"] = "2026-11-28T10:00:00".into();
    order["status"] = "completed".into();
    let newer = serde_json::to_vec(&order).unwrap();
    order["date_modified_gmt"] = "2026-11-28T09:00:00".into();
    order["status"] = "processing".into();
    let older = serde_json::to_vec(&order).unwrap();
    assert_eq!(
        post(
            &app,
            CHANNEL,
            &signed_headers("order.updated", &newer, secret),
            newer
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        post(
            &app,
            CHANNEL,
            &signed_headers("order.created", &older, secret),
            older
        )
        .await,
        StatusCode::OK
    );
    let id = order["id"].as_u64().unwrap().to_string();
    let stored = app.repo.get_order(CHANNEL, &id).await.unwrap().unwrap();
    assert_eq!(stored.summary.unwrap().wc_status, "completed");
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 96, ..Default::default() })]

    /// Whatever arrives, the receiver answers 200/401/404/413 and never panics.
    #[test]
    fn receiver_never_panics_on_any_input(
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
        signature in proptest::option::of("[A-Za-z0-9+/=%]{0,60}"),
        topic in proptest::option::of("(order\\.created|order\\.updated|product\\.updated|[a-z.]{0,12})"),
        known_channel in proptest::bool::ANY,
        sign_it in proptest::bool::ANY,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let status = rt.block_on(async {
            let (app, _) = testkit::embedded_app();
            testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", "s").await;
            let mut headers = Vec::new();
            if let Some(t) = &topic { headers.push(("x-wc-webhook-topic".to_string(), t.clone())); }
            let sig = if sign_it { Some(sign(&body, b"s")) } else { signature.clone() };
            if let Some(s) = sig { headers.push(("x-wc-webhook-signature".to_string(), s)); }
            let channel = if known_channel { CHANNEL } else { "unknown" };
            post(&app, channel, &headers, body.clone()).await
        });
        proptest::prop_assert!(
            [StatusCode::OK, StatusCode::UNAUTHORIZED, StatusCode::NOT_FOUND, StatusCode::PAYLOAD_TOO_LARGE].contains(&status),
            "status {status}"
        );
    }
}
