//! What the console refuses: a form without this session's CSRF token
//! (403, nothing changed: read back from the store), another channel's
//! ids, and markup in shop data (shown as text). And the security headers
//! on every answer.

use channel::model::OrderStatus;
use reqwest::StatusCode;
use rust_decimal_macros::dec;
use serde_json::json;

use super::{order, store, world, Browser};

#[tokio::test]
async fn a_missing_or_forged_csrf_token_is_403_and_changes_nothing() {
    let w = world().await;
    let ch = w.channel("c1", |_| {}).await.unwrap();
    store(
        &w,
        vec![order(&ch, 7, OrderStatus::Failed, dec!(12.10), "Anna")],
    )
    .await;
    let mut b = Browser::signed_in(&w).await;
    let before = w.app.repo.get_channel("c1").await.unwrap().unwrap();
    let other_session = Browser::signed_in(&w).await.csrf;
    assert_ne!(other_session, b.csrf, "a token per session");
    for csrf in [None, Some("forged"), Some(""), Some(other_session.as_str())] {
        let with = |form: &[(&'static str, &'static str)]| {
            let mut all: Vec<(&str, &str)> = form.to_vec();
            if let Some(c) = csrf {
                all.push(("csrf", c));
            }
            all
        };
        for (path, form) in [
            (
                "/console/channels/c1/settings",
                with(&[
                    ("approve", "on"),
                    ("document_type", "sales_order"),
                    ("operation", "sell_goods"),
                    ("rounding_mode", "strict"),
                    ("daily_sync_hour", "6"),
                ]),
            ),
            ("/console/channels/c1/mappings", with(&[("tax.1", "999")])),
            ("/console/channels/c1/orders/7/handled", with(&[])),
            ("/console/channels/c1/deactivate", with(&[])),
            ("/console/channels/c1/sync", with(&[("dry_run", "1")])),
            (
                "/console/channels",
                with(&[
                    ("shop_url", "https://shop.example.lv"),
                    ("paytraq_api_key", "k"),
                    ("paytraq_api_token", "t"),
                ]),
            ),
        ] {
            let page = b.post_raw(path, &form).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} with {csrf:?}");
            assert!(
                page.testid("forbidden").is_some(),
                "{path}: the 403 page says why"
            );
        }
    }
    let after = w.app.repo.get_channel("c1").await.unwrap().unwrap();
    assert_eq!(after.settings, before.settings);
    assert_eq!(after.tax_map, before.tax_map);
    assert_eq!(after.state, before.state);
    let o = w.app.repo.get_order("c1", "7").await.unwrap().unwrap();
    assert_eq!(o.status, OrderStatus::Failed);
    assert!(w
        .app
        .repo
        .list_sync_runs("c1", None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(w.app.repo.all_channels().await.unwrap().len(), 1);
    w.stop().await;
}

#[tokio::test]
async fn another_channels_order_or_an_unknown_channel_is_refused() {
    let w = world().await;
    let a = w.channel("chan-a", |_| {}).await.unwrap();
    w.channel("chan-b", |_| {}).await.unwrap();
    store(
        &w,
        vec![order(&a, 41, OrderStatus::Failed, dec!(5), "Anna")],
    )
    .await;
    let mut b = Browser::signed_in(&w).await;
    // Channel A's order through channel B's pages.
    for path in [
        "/console/channels/chan-b/orders/41/handled",
        "/console/channels/chan-b/orders/41/process",
    ] {
        let page = b.post(path, &[]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.testid("not-found").is_some());
    }
    assert_eq!(
        b.get("/console/channels/chan-b/orders/41").await.status,
        StatusCode::NOT_FOUND
    );
    // An action the console does not have, on the right channel's order.
    let page = b
        .post("/console/channels/chan-a/orders/41/delete", &[])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.testid("not-found").is_some());
    assert_eq!(
        b.get("/console/channels/chan-a/orders/41/confirm/delete")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let o = w.app.repo.get_order("chan-a", "41").await.unwrap().unwrap();
    assert_eq!(o.status, OrderStatus::Failed, "untouched");
    // A channel that does not exist, or an id that is no id.
    for path in [
        "/console/channels/nope/settings",
        "/console/channels/nope",
        "/console/channels/..%2Fchan-a/orders",
    ] {
        assert_eq!(b.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let page = b
        .post("/console/channels/nope/settings", &[("approve", "on")])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(w.app.repo.all_channels().await.unwrap().len(), 2);
    w.stop().await;
}

#[tokio::test]
async fn markup_in_a_customer_name_or_a_tax_rate_name_is_shown_as_text() {
    let w = world().await;
    let ch = w.channel("c1", |_| {}).await.unwrap();
    let evil = "<script>alert(1)</script>";
    store(
        &w,
        vec![order(&ch, 9, OrderStatus::Received, dec!(3), evil)],
    )
    .await;
    w.woo.seed_taxes(vec![json!({
        "id": 1, "country": "LV", "state": "", "rate": "21.0000",
        "name": "<img src=x onerror=alert(2)>", "priority": 1, "compound": false,
        "shipping": true, "order": 1, "class": "standard"
    })]);
    let mut b = Browser::signed_in(&w).await;
    let inbox = b.get("/console/channels/c1/orders").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(!inbox.body.contains(evil), "no live script");
    assert!(
        inbox
            .body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || inbox.body.contains("&lt;script&gt;"),
        "shown as text"
    );
    assert!(inbox.testid("customer").unwrap().contains("alert(1)"));
    let order_page = b.get("/console/channels/c1/orders/9").await;
    assert!(!order_page.body.contains(evil));
    let mappings = b.get("/console/channels/c1/mappings").await;
    assert_eq!(mappings.status, StatusCode::OK, "{}", mappings.body);
    assert!(!mappings.body.contains("<img src=x"), "no live markup");
    assert!(
        mappings.body.contains("onerror=alert(2)"),
        "the name is there, as text"
    );
    w.stop().await;
}

#[tokio::test]
async fn every_console_answer_carries_the_security_headers() {
    let w = world().await;
    let ch = w.channel("c1", |_| {}).await.unwrap();
    store(&w, vec![order(&ch, 3, OrderStatus::Done, dec!(1), "Anna")]).await;
    let mut b = Browser::signed_in(&w).await;
    let mut answers = vec![
        ("sign-in", Browser::new(&w).get("/console/sign-in").await),
        (
            "no session",
            Browser::new(&w).get("/console/channels").await,
        ),
    ];
    for path in [
        "/console/channels",
        "/console/channels/new",
        "/console/channels/c1",
        "/console/channels/c1/settings",
        "/console/channels/c1/mappings",
        "/console/channels/c1/orders",
        "/console/channels/c1/orders/3",
        "/console/channels/c1/sync",
        "/console/channels/nope",
        "/console/static/console.css",
    ] {
        answers.push((path, b.get(path).await));
    }
    answers.push((
        "403",
        b.post_raw("/console/channels/c1/settings", &[]).await,
    ));
    for (what, page) in &answers {
        let h = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let csp = h("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
        assert_eq!(h("x-frame-options"), "DENY", "{what}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(h("referrer-policy"), "same-origin", "{what}");
        let cache = h("cache-control");
        if *what == "/console/static/console.css" {
            assert!(cache.contains("max-age"), "{what}: {cache}");
        } else {
            assert_eq!(cache, "no-store", "{what}");
        }
        assert!(
            !page.body.contains("<script>") && !page.body.contains(" style="),
            "{what}: nothing inline"
        );
    }
    w.stop().await;
}

#[tokio::test]
async fn no_secret_reaches_a_page() {
    let w = world().await;
    w.channel("c1", |_| {}).await.unwrap();
    let mut b = Browser::signed_in(&w).await;
    let secrets = [
        w.woo.consumer_key(),
        w.woo.consumer_secret(),
        testkit::world::PAYTRAQ_KEY.to_string(),
        testkit::world::PAYTRAQ_TOKEN.to_string(),
        super::TOKEN.to_string(),
    ];
    for path in [
        "/console/channels",
        "/console/channels/c1",
        "/console/channels/c1/settings",
        "/console/channels/c1/mappings",
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        for s in &secrets {
            assert!(!page.body.contains(s.as_str()), "{path} shows a secret");
        }
    }
    let overview = b.get("/console/channels/c1").await;
    assert_eq!(overview.testid("shop-keys").as_deref(), Some("set"));
    assert_eq!(overview.testid("paytraq-keys").as_deref(), Some("set"));
    w.stop().await;
}
