//! The `webhook` binary: the signed sample delivery, a real capture signed
//! with the channel's secret, a forged delivery and the ping, as API
//! Gateway HTTP API (payload v2) events.

use channel::queue::OrderMessage;
use serde_json::Value;

use super::{event, http, Harness, CHANNEL, EVENTS_SECRET};

/// A capture of the real shop (`woocommerce-8.9.1/cases/<case>`) in the
/// sample delivery's envelope, signed with `secret`.
fn delivery(case: &str, secret: &str) -> (Value, u64) {
    let dir = testkit::fixtures_dir().join("cases").join(case);
    let body = std::fs::read(dir.join("webhook-order.created.body")).expect("capture body");
    let headers = testkit::read_json(dir.join("webhook-order.created.headers.json"));
    let mut event = event("webhook-order-created.json");
    for (name, value) in headers.as_object().expect("headers") {
        let name = name.to_ascii_lowercase();
        if name.starts_with("x-wc-webhook-") {
            event["headers"][name] = value.clone();
        }
    }
    event["headers"]["x-wc-webhook-signature"] =
        channel::woocommerce::webhook::sign(&body, secret.as_bytes()).into();
    event["headers"]["content-length"] = body.len().to_string().into();
    let text = String::from_utf8(body).expect("UTF-8 body");
    let order: Value = serde_json::from_str(&text).expect("order JSON");
    event["body"] = text.into();
    (event, order["id"].as_u64().expect("order id"))
}

#[tokio::test]
async fn webhook_binary_stores_and_enqueues_the_signed_sample_delivery() {
    let h = Harness::new(&[]).await;
    h.demo_channel().await;
    let function = h.start("webhook").await;
    let (status, body) = http(&function, &event("webhook-order-created.json")).await;
    assert_eq!(status, 200, "{body}");
    let order = h
        .app
        .repo
        .get_order(CHANNEL, "63")
        .await
        .expect("read through moto")
        .expect("order 63 is in the inbox table");
    assert_eq!(order.order_id, Some(63));
    let queued = h.drain("OrderQueue").await;
    assert_eq!(queued.len(), 1, "one message on the order queue");
    assert_eq!(queued[0].message.group, CHANNEL);
    let message: OrderMessage = serde_json::from_str(&queued[0].message.body).expect("message");
    assert_eq!(message.order_key, "63");
    assert!(
        !function.log().contains(EVENTS_SECRET),
        "the webhook secret never reaches the log"
    );
}

#[tokio::test]
async fn webhook_binary_accepts_a_real_capture_signed_with_the_channel_secret_and_refuses_a_forged_one(
) {
    let h = Harness::new(&[]).await;
    h.demo_channel().await;
    let function = h.start("webhook").await;
    let (real, real_id) = delivery(
        "003-multiline-line-vs-subtotal-rounding-cheque-onhold",
        EVENTS_SECRET,
    );
    let (status, body) = http(&function, &real).await;
    assert_eq!(status, 200, "{body}");
    let (forged, forged_id) = delivery("005-shipping-and-taxable-fee-cod-paid", "not-the-secret");
    let (status, _) = http(&function, &forged).await;
    assert_eq!(
        status, 401,
        "a delivery signed with another secret is refused"
    );
    let repo = &h.app.repo;
    assert!(repo
        .get_order(CHANNEL, &real_id.to_string())
        .await
        .expect("read")
        .is_some());
    assert!(
        repo.get_order(CHANNEL, &forged_id.to_string())
            .await
            .expect("read")
            .is_none(),
        "nothing of the forged delivery is stored"
    );
    assert_eq!(
        h.drain("OrderQueue").await.len(),
        1,
        "only the real one is enqueued"
    );
}

#[tokio::test]
async fn webhook_binary_answers_the_ping_and_records_it() {
    let h = Harness::new(&[]).await;
    h.demo_channel().await;
    let ping = event("webhook-ping.json");
    let webhook_id = channel::woocommerce::webhook::ping_webhook_id(
        ping["body"].as_str().expect("ping body").as_bytes(),
    )
    .expect("webhook id in the ping");
    testkit::register_webhook(&h.app, CHANNEL, webhook_id, "order.created").await;
    let function = h.start("webhook").await;
    let (status, body) = http(&function, &ping).await;
    assert_eq!(status, 200, "{body}");
    let channel = h
        .app
        .repo
        .get_channel(CHANNEL)
        .await
        .expect("read")
        .expect("channel");
    assert!(
        channel.health.last_ping_at.is_some(),
        "the ping is recorded in the table"
    );
    assert!(
        h.drain("OrderQueue").await.is_empty(),
        "a ping enqueues nothing"
    );
}
