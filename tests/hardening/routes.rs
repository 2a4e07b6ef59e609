//! The probe's findings on the HTTP routes: concurrent admin writes (item 1),
//! unsigned pings (item 2), ids that cannot exist (item 8) and route
//! discovery under `/admin` without a token (item 9).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use channel::admin::AdminAuth;
use channel::queue::memory::MemoryQueue;
use channel::secrets::Secret;
use channel::App;
use serde_json::{json, Value};

const TOKEN: &str = "hardening-admin-token";
const CHANNEL: &str = "shop-1";

fn app_on(backends: testkit::Backends) -> App {
    App::new(
        backends.store,
        backends.secrets,
        backends.queue,
        Arc::new(MemoryQueue::new(Duration::from_secs(30))),
        channel::Options::default(),
    )
}

fn admin(app: &App) -> axum::Router {
    channel::admin::router(app.clone(), AdminAuth::Bearer(Secret::new(TOKEN)))
}

async fn send(router: &axum::Router, request: Request<Body>) -> (StatusCode, Value) {
    crate::answer(router.clone(), request).await
}

fn request(method: &str, uri: &str, token: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    match body {
        Some(body) => builder
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

/// 50 parallel `PUT …/settings`, each with its own payment term; returns
/// (answers 200, answers 409, the terms that were answered 200, the final term).
async fn fifty_parallel_settings_writes(app: &App) -> (usize, usize, Vec<u16>, Option<u16>) {
    testkit::active_channel(app, CHANNEL, "https://shop.example.lv", "whsec").await;
    let router = admin(app);
    let writes = (0..50u16).map(|term| {
        let router = router.clone();
        async move {
            let uri = format!("/admin/channels/{CHANNEL}/settings");
            let body = json!({ "payment_term_days": term });
            let (status, answer) =
                send(&router, request("PUT", &uri, Some(TOKEN), Some(body))).await;
            (term, status, answer)
        }
    });
    let answers = futures::future::join_all(writes).await;
    let mut ok_terms = Vec::new();
    let mut conflicts = 0;
    for (term, status, answer) in &answers {
        match *status {
            StatusCode::OK => ok_terms.push(*term),
            StatusCode::CONFLICT => {
                conflicts += 1;
                assert_eq!(answer["error"], "write_conflict", "{answer}");
                assert!(
                    answer["message"]
                        .as_str()
                        .unwrap()
                        .contains("send the request again"),
                    "{answer}"
                );
            }
            other => panic!("write of term {term} answered {other}: {answer}"),
        }
    }
    let stored = app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    (
        ok_terms.len(),
        conflicts,
        ok_terms,
        stored.settings.payment_term_days,
    )
}

#[tokio::test]
async fn fifty_parallel_settings_writes_answer_200_or_409_and_leave_one_of_them_embedded() {
    let app = app_on(testkit::embedded());
    let (ok, conflicts, ok_terms, final_term) = fifty_parallel_settings_writes(&app).await;
    println!("embedded store: {ok} × 200, {conflicts} × 409 of 50 parallel settings writes");
    assert_eq!(ok + conflicts, 50);
    assert_final_is_one_of(&ok_terms, final_term);
}

#[tokio::test]
async fn fifty_parallel_settings_writes_answer_200_or_409_and_leave_one_of_them_dynamodb() {
    let app = app_on(testkit::aws().await);
    let (ok, conflicts, ok_terms, final_term) = fifty_parallel_settings_writes(&app).await;
    println!("DynamoDB (moto): {ok} × 200, {conflicts} × 409 of 50 parallel settings writes");
    assert_eq!(ok + conflicts, 50);
    assert_final_is_one_of(&ok_terms, final_term);
}

/// The stored settings are those of one write that was answered 200 (or
/// untouched when none was).
fn assert_final_is_one_of(ok_terms: &[u16], final_term: Option<u16>) {
    match final_term {
        Some(term) => assert!(
            ok_terms.contains(&term),
            "final term {term} was never answered 200"
        ),
        None => assert!(
            ok_terms.is_empty(),
            "writes answered 200 but nothing was stored"
        ),
    }
}

fn ping(channel_id: &str, webhook_id: u64) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(format!("/webhooks/woocommerce/{channel_id}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("webhook_id={webhook_id}")))
        .unwrap()
}

#[tokio::test]
async fn an_unsigned_ping_writes_nothing_unless_it_names_our_webhook_and_then_once_a_minute() {
    let (app, _) = testkit::embedded_app();
    testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", "whsec").await;
    testkit::register_webhook(&app, CHANNEL, 7, "order.created").await;
    let receiver = channel::intake::webhook::router(app.clone());
    let version = || async {
        app.repo
            .get_channel(CHANNEL)
            .await
            .unwrap()
            .unwrap()
            .version
    };
    let before = version().await;

    // Sixteen anonymous senders with made-up webhook ids: answered 200 (WooCommerce's
    // pings must pass), and the channel record is not written once.
    for forged in 1000..1016 {
        let (status, answer) = send(&receiver, ping(CHANNEL, forged)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["result"], "ping");
    }
    assert_eq!(version().await, before, "forged pings wrote the channel");
    let channel = app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    assert_eq!(channel.health.last_ping_at, None);

    // Our webhook's ping is recorded once; another within the minute writes nothing.
    assert_eq!(send(&receiver, ping(CHANNEL, 7)).await.0, StatusCode::OK);
    let recorded = app.repo.get_channel(CHANNEL).await.unwrap().unwrap();
    assert_eq!(recorded.version, before + 1);
    assert!(recorded.health.last_ping_at.is_some());
    for _ in 0..5 {
        assert_eq!(send(&receiver, ping(CHANNEL, 7)).await.0, StatusCode::OK);
    }
    assert_eq!(
        version().await,
        before + 1,
        "repeated pings wrote the channel"
    );

    // Health labels the ping as what it is: a claim nobody signed.
    let (status, health) = send(
        &admin(&app),
        request(
            "GET",
            &format!("/admin/channels/{CHANNEL}/health"),
            Some(TOKEN),
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert!(health.get("last_ping_at").is_none(), "{health}");
    assert!(health["last_unverified_ping_at"].is_string(), "{health}");
}

#[tokio::test]
async fn ids_that_cannot_exist_are_404_on_every_route_without_a_store_read() {
    let (app, _) = testkit::embedded_app();
    testkit::active_channel(&app, CHANNEL, "https://shop.example.lv", "whsec").await;
    let receiver = channel::intake::webhook::router(app.clone());
    let admin = admin(&app);
    for bad in [
        "a%00b",
        "%00",
        "shop%201",
        "CH%23x",
        "caf%C3%A9",
        &"x".repeat(101),
    ] {
        let (status, answer) = send(&receiver, ping(bad, 7)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "webhook {bad}: {answer}");
        let signed = Request::builder()
            .method("POST")
            .uri(format!("/webhooks/woocommerce/{bad}"))
            .header("x-wc-webhook-signature", "c2lnbmF0dXJl")
            .header("x-wc-webhook-topic", "order.created")
            .body(Body::from("{}"))
            .unwrap();
        assert_eq!(
            send(&receiver, signed).await.0,
            StatusCode::NOT_FOUND,
            "signed {bad}"
        );
        for (method, path) in [
            ("GET", format!("/admin/channels/{bad}")),
            ("GET", format!("/admin/channels/{bad}/health")),
            ("PUT", format!("/admin/channels/{bad}/settings")),
            ("GET", format!("/activation/{bad}/return")),
            ("POST", format!("/activation/{bad}/callback")),
        ] {
            let body = (method != "GET").then(|| json!({}));
            let (status, answer) = send(&admin, request(method, &path, Some(TOKEN), body)).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
            assert_eq!(answer["error"], "not_found", "{method} {path}: {answer}");
        }
    }
}

#[tokio::test]
async fn unknown_admin_paths_answer_401_without_a_token_and_404_with_it() {
    let (app, _) = testkit::embedded_app();
    let admin = admin(&app);
    for path in [
        "/admin",
        "/admin/",
        "/admin/nope",
        "/admin/channels/x/secrets",
        "/admin/debug/vars",
    ] {
        let (status, answer) = send(&admin, request("GET", path, None, None)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{path} without a token: {answer}"
        );
        assert_eq!(answer["error"], "unauthorized");
        let (status, _) = send(&admin, request("GET", path, Some("wrong"), None)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{path} with a wrong token"
        );
        let (status, answer) = send(&admin, request("GET", path, Some(TOKEN), None)).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{path} with the token: {answer}"
        );
        assert_eq!(answer["error"], "no_route");
    }
    // A known route with a method it does not have: the same 401 as the route itself.
    let (status, _) = send(&admin, request("DELETE", "/admin/channels", None, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Outside /admin the fallback stays a plain 404.
    let (status, answer) = send(&admin, request("GET", "/nope", None, None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
}
