//! Order intake: every way an order reaches the Sales Inbox (the webhook
//! receiver, the reconciler's catch-up and sweep) goes through
//! [`accept_order`], which stores it first and enqueues it second, so that
//! no order is lost and none is stored twice.

pub mod reconcile;
pub mod removal;
pub mod secret_repair;
pub mod webhook;

use chrono::Utc;

use crate::hash::short_sha256_hex;
use crate::model::{InboxOrder, OrderStatus, TimelineEvent, UpsertOutcome};
use crate::queue::{Message, OrderMessage};
use crate::woocommerce::order::Order;
use crate::{App, Result};

/// Where an order came from (for the timeline and logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Webhook,
    Reconciler,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Webhook => "webhook",
            Source::Reconciler => "reconciler",
        }
    }
}

/// Stores an order payload (insert, or replace when newer) and, when it is
/// new or changed, hands it to the processor queue. A queue failure is
/// logged, not returned: the order is stored and marked pending, and the
/// reconciler's sweep enqueues it later.
pub async fn accept_order(
    app: &App,
    channel_id: &str,
    order: &Order,
    raw: String,
    source: Source,
) -> Result<UpsertOutcome> {
    let now = Utc::now();
    let incoming = InboxOrder {
        channel_id: channel_id.to_string(),
        key: order.id.to_string(),
        order_id: Some(order.id),
        modified_gmt: order.date_modified_gmt,
        payload: raw,
        summary: Some(order.summary()),
        status: OrderStatus::Received,
        reason: None,
        paytraq: Default::default(),
        effect_in_doubt: None,
        notes_sent: Vec::new(),
        timeline: vec![TimelineEvent::now(
            "received",
            format!(
                "order #{} received ({}, status {})",
                order.number,
                source.as_str(),
                order.status
            ),
        )],
        pending_since: Some(now),
        removed_in_shop: None,
        received_at: now,
        updated_at: now,
        version: 0,
    };
    let outcome = app.repo.upsert_order(incoming).await?;
    if outcome.changed() {
        enqueue(app, outcome.order().clone()).await;
    }
    Ok(outcome)
}

/// Keeps a correctly signed body that is not a readable order, as a failed
/// inbox entry with the reason (the same body is stored once).
pub async fn store_invalid(
    app: &App,
    channel_id: &str,
    body: &[u8],
    reason: String,
) -> Result<UpsertOutcome> {
    let key = format!("invalid-{}", short_sha256_hex(body, 12));
    let now = Utc::now();
    let entry = InboxOrder {
        channel_id: channel_id.to_string(),
        key,
        order_id: None,
        modified_gmt: None,
        payload: String::from_utf8_lossy(body).into_owned(),
        summary: None,
        status: OrderStatus::Failed,
        reason: Some(reason.clone()),
        paytraq: Default::default(),
        effect_in_doubt: None,
        notes_sent: Vec::new(),
        timeline: vec![TimelineEvent::now("invalid_payload", reason)],
        pending_since: None,
        removed_in_shop: None,
        received_at: now,
        updated_at: now,
        version: 0,
    };
    Ok(app.repo.upsert_order(entry).await?)
}

/// Puts an inbox order on the processor queue and clears its pending mark.
/// Failures are logged; the order stays pending for the sweep.
pub async fn enqueue(app: &App, order: InboxOrder) {
    // The stored version names this state of the order exactly: duplicates
    // of one state are dropped by the queue, a newer state always goes through.
    let message = Message {
        group: order.channel_id.clone(),
        dedup_id: format!("{}:{}:{}", order.channel_id, order.key, order.version),
        body: serde_json::to_string(&OrderMessage {
            channel_id: order.channel_id.clone(),
            order_key: order.key.clone(),
        })
        .unwrap_or_default(),
    };
    let (channel, key) = (order.channel_id.clone(), order.key.clone());
    if let Err(e) = app.orders.send(message).await {
        tracing::warn!(channel = %channel, order = %key, error = %e, "enqueue failed; the sweep will retry");
        return;
    }
    if let Err(e) = app.repo.mark_enqueued(order).await {
        // Harmless: the sweep may enqueue it again and the dedup id or the
        // processor's state machine absorbs the duplicate.
        tracing::warn!(channel = %channel, order = %key, error = %e, "could not clear the pending mark");
    }
}
