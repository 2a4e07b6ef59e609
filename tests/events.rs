//! Every sample event in `events/` is what its function takes: the HTTP ones
//! become requests that the real routers answer, the queue ones deserialise
//! into SQS events whose bodies are the channel's messages, the schedule ones
//! carry the job names the functions expect.

use std::path::PathBuf;

use aws_lambda_events::event::sqs::SqsEvent;
use http::StatusCode;
use tower::ServiceExt;

fn event(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The secret `events/README.md` documents for the signed sample delivery.
const EVENTS_SECRET: &str = "events-test-secret-not-for-production";

#[tokio::test]
async fn webhook_events_are_answered_by_the_receiver() {
    let (app, queue) = testkit::embedded_app();
    testkit::active_channel(
        &app,
        "demo-channel",
        "https://shop.example.lv",
        EVENTS_SECRET,
    )
    .await;
    let send = |file: &str| {
        let request = lambda_http::request::from_str(&event(file)).unwrap();
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
        channel::intake::webhook::router(app.clone()).oneshot(request)
    };
    assert_eq!(
        send("webhook-order-created.json").await.unwrap().status(),
        StatusCode::OK
    );
    let stored = app
        .repo
        .list_orders("demo-channel", None, None, 10)
        .await
        .unwrap()
        .items;
    assert_eq!(stored.len(), 1, "the signed sample delivery is stored");
    assert_eq!(queue.len(), 1, "and enqueued");
    // A ping is recorded only for one of the channel's own webhooks (pings are unsigned).
    let ping: serde_json::Value = serde_json::from_str(&event("webhook-ping.json")).unwrap();
    let webhook_id =
        channel::woocommerce::webhook::ping_webhook_id(ping["body"].as_str().unwrap().as_bytes())
            .unwrap();
    testkit::register_webhook(&app, "demo-channel", webhook_id, "order.created").await;
    assert_eq!(
        send("webhook-ping.json").await.unwrap().status(),
        StatusCode::OK
    );
    let channel = app.repo.get_channel("demo-channel").await.unwrap().unwrap();
    assert!(
        channel.health.last_ping_at.is_some(),
        "the ping is recorded"
    );
    assert_eq!(
        app.repo
            .list_orders("demo-channel", None, None, 10)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

#[test]
fn queue_events_carry_the_channel_messages() {
    let orders: SqsEvent = serde_json::from_str(&event("sqs-order.json")).unwrap();
    let record = &orders.records[0];
    let msg: channel::queue::OrderMessage =
        serde_json::from_str(record.body.as_deref().unwrap()).unwrap();
    assert_eq!(msg.channel_id, "demo-channel");
    assert_eq!(
        record.attributes.get("MessageGroupId").map(String::as_str),
        Some("demo-channel")
    );
    let jobs: SqsEvent = serde_json::from_str(&event("sqs-sync-job.json")).unwrap();
    let job: channel::sync::JobMessage =
        serde_json::from_str(jobs.records[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(job.channel_id, "demo-channel");
}

#[test]
fn schedule_events_name_their_jobs() {
    for (file, job) in [
        ("schedule-daily-sync.json", "daily_sync"),
        ("schedule-reconcile.json", "reconcile"),
    ] {
        let v: serde_json::Value = serde_json::from_str(&event(file)).unwrap();
        assert_eq!(v["job"], job, "{file}");
    }
}

#[tokio::test]
async fn admin_events_are_answered_by_the_admin_router() {
    let (app, _) = testkit::embedded_app();
    let router = channel::admin::router(app, channel::admin::AdminAuth::Iam);
    let send = |file: &str| {
        let request = lambda_http::request::from_str(&event(file)).unwrap();
        let (parts, body) = request.into_parts();
        router.clone().oneshot(http::Request::from_parts(
            parts,
            axum::body::Body::from(body.to_vec()),
        ))
    };
    // The same route, signed with IAM or carrying a Cognito token the gateway checked.
    for file in [
        "admin-list-channels.json",
        "admin-list-channels-cognito.json",
    ] {
        assert_eq!(send(file).await.unwrap().status(), StatusCode::OK, "{file}");
    }
    // The sample callback carries an activation token this store never issued.
    assert_eq!(
        send("activation-callback.json").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}
