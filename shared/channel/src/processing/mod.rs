//! Order processing: turns inbox orders into PayTraq documents.
//!
//! - [`document`]: the order → document mapping (pure, where the rules live);
//! - [`credit_note`]: a refund or a cancellation → credit note, through the same builder;
//! - [`reissue`]: an edited order's invoice replaced: its credit note, as PayTraq shows it,
//!   and the new invoice's reference;
//! - [`pipeline`]: the per-order state machine with exactly-once effects;
//! - here: the queue glue — an SQS batch on Lambda (partial batch failure
//!   reporting, FIFO order kept) and a worker loop for `local`.

pub mod credit_note;
pub mod document;
pub mod pipeline;
pub mod reissue;

use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};

use crate::queue::OrderMessage;
use crate::queue::Queue;
use crate::App;
pub use pipeline::{
    process, reissue_order, reissue_refusal, Outcome, ReissueError, Transient, Trigger,
};

/// After this many receives a transient failure is final: the order is
/// marked failed rather than left to the dead-letter queue unexplained.
pub const MAX_ATTEMPTS: u32 = 5;

/// Handles one queue message body; `receive_count` is 1 on first delivery.
pub async fn handle_message(
    app: &App,
    body: &str,
    receive_count: u32,
) -> Result<Outcome, Transient> {
    let Ok(msg) = serde_json::from_str::<OrderMessage>(body) else {
        tracing::error!(
            body_len = body.len(),
            "order queue message is not an OrderMessage; dropped"
        );
        return Ok(Outcome::Skipped("unreadable message"));
    };
    let mut outcome = process(app, &msg.channel_id, &msg.order_key, Trigger::Queue).await;
    if let Err(e) = &outcome {
        if receive_count >= MAX_ATTEMPTS {
            let reason = format!("gave up after {receive_count} attempts: {e}");
            outcome = pipeline::give_up(app, &msg.channel_id, &msg.order_key, reason).await;
        }
    }
    match &outcome {
        Ok(o) => {
            tracing::info!(channel = %msg.channel_id, order = %msg.order_key, outcome = ?o, "processed")
        }
        Err(e) => {
            tracing::warn!(channel = %msg.channel_id, order = %msg.order_key, error = %e, "will retry")
        }
    }
    outcome
}

/// The Lambda handler of the processor: one FIFO batch. Messages are
/// handled in order; at the first failure that one and every later message
/// are reported as failures (FIFO: they must not overtake it).
pub async fn handle_sqs_batch(app: &App, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    let mut failed = false;
    for record in event.records {
        let Some(id) = record.message_id.clone().filter(|id| !id.is_empty()) else {
            continue;
        };
        if failed {
            response.add_failure(id);
            continue;
        }
        let body = record.body.as_deref().unwrap_or("");
        let receive_count = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|c| c.parse().ok())
            .unwrap_or(1);
        if handle_message(app, body, receive_count).await.is_err() {
            failed = true;
            response.add_failure(id);
        }
    }
    response
}

/// `local`'s processor: pulls from the in-process queue until `stop` fires.
/// A transient failure releases the message after a short pause (the
/// visibility-timeout redelivery of SQS, sped up).
pub async fn run_worker(
    app: App,
    queue: std::sync::Arc<dyn Queue>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        let deliveries = match queue.receive(10, Duration::from_millis(500)).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "order queue receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let batch = deliveries.into_iter().map(|delivery| {
            let app = app.clone();
            let queue = queue.clone();
            async move {
                match handle_message(&app, &delivery.message.body, delivery.receive_count).await {
                    Ok(_) => {
                        let _ = queue.ack(&delivery.receipt).await;
                    }
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(
                            200 * u64::from(delivery.receive_count),
                        ))
                        .await;
                        let _ = queue.release(&delivery.receipt).await;
                    }
                }
            }
        });
        futures::future::join_all(batch).await;
    }
}
