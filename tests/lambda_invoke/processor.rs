//! The `processor` binary: the sample SQS batch after the `webhook` binary
//! stored order 63, with PayTraq unreachable, so the partial-batch answer
//! and the retry budget show; and the order's record read back.

use channel::model::OrderStatus;
use serde_json::{json, Value};

use super::{event, http, invoke, Harness, CHANNEL};

/// A PayTraq base URL where nothing listens: every call is refused at once.
fn closed_url() -> String {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = socket.local_addr().expect("address").port();
    drop(socket);
    format!("http://127.0.0.1:{port}")
}

/// The stack with PayTraq unreachable and order 63 in the inbox, put there
/// by the `webhook` binary from the signed sample delivery.
async fn with_order_63() -> Harness {
    let paytraq = closed_url();
    let h = Harness::new(&[("PaytraqBaseUrl", paytraq.as_str())]).await;
    h.demo_channel().await;
    let webhook = h.start("webhook").await;
    let (status, body) = http(&webhook, &event("webhook-order-created.json")).await;
    assert_eq!(status, 200, "{body}");
    let queued = h.drain("OrderQueue").await;
    let sample = event("sqs-order.json");
    assert_eq!(
        queued
            .iter()
            .map(|d| d.message.body.as_str())
            .collect::<Vec<_>>(),
        [sample["Records"][0]["body"].as_str().expect("body")],
        "the sample's body is what the webhook function enqueues"
    );
    h
}

fn failures(answer: &Value) -> Vec<&str> {
    answer["batchItemFailures"]
        .as_array()
        .expect("batchItemFailures")
        .iter()
        .filter_map(|f| f["itemIdentifier"].as_str())
        .collect()
}

#[tokio::test]
async fn processor_binary_reports_only_the_order_it_could_not_process_as_a_batch_item_failure() {
    let h = with_order_63().await;
    let mut batch = event("sqs-order.json");
    let order = batch["Records"][0].clone();
    let mut unreadable = order.clone();
    unreadable["messageId"] = "unreadable-1".into();
    unreadable["body"] = "not a message".into();
    batch["Records"] = json!([unreadable, order]);
    let function = h.start("processor").await;
    let answer = invoke(&function, &batch).await;
    assert_eq!(
        failures(&answer),
        [order["messageId"].as_str().expect("id")],
        "the unreadable message is dropped; the order comes back for a retry"
    );
    let stored = h
        .app
        .repo
        .get_order(CHANNEL, "63")
        .await
        .expect("read")
        .expect("order");
    assert_eq!(stored.status, OrderStatus::Received, "not processed yet");
}

#[tokio::test]
async fn processor_binary_gives_up_on_the_last_attempt_and_records_the_failure() {
    let h = with_order_63().await;
    let mut batch = event("sqs-order.json");
    batch["Records"][0]["attributes"]["ApproximateReceiveCount"] =
        channel::processing::MAX_ATTEMPTS.to_string().into();
    let function = h.start("processor").await;
    let answer = invoke(&function, &batch).await;
    assert!(failures(&answer).is_empty(), "not retried again: {answer}");
    let stored = h
        .app
        .repo
        .get_order(CHANNEL, "63")
        .await
        .expect("read")
        .expect("order");
    assert_eq!(stored.status, OrderStatus::Failed);
    assert!(
        stored
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("gave up"),
        "{:?}",
        stored.reason
    );
}
