//! The webhook receiver: `POST /webhooks/woocommerce/{channel_id}`.
//!
//! WooCommerce tries each delivery once and disables a webhook after
//! repeated failures, so the rules are: the unsigned ping gets 200; a
//! correctly signed delivery gets 200 once it is stored, even when its
//! content is unusable (kept as a failed inbox entry: not JSON, not an
//! order, or an order refused by `parse_order` — no positive id, a negative
//! total, a key given twice); only an unsigned or wrongly signed delivery
//! gets 401, an unknown channel 404 (so does a path that is not a channel id
//! at all, before anything is read), an oversized
//! body 413 (before any parsing). Nothing here panics on any input.
//!
//! A refused delivery that names one of the channel's webhooks from the
//! channel's shop is counted for the reconciler's repair of the secret
//! ([`super::secret_repair`]); a delivery signed with the secret the
//! reconciler replaced is still accepted until the new one is confirmed.
//!
//! Orders moved to the trash, restored or deleted in the shop are recorded
//! on their timeline ([`super::removal`]).
//!
//! Pings are not signed, so anyone can send one: a ping writes nothing
//! unless it names one of the channel's own webhooks and the last ping on
//! record is over a minute old. Health shows it as an unverified claim.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::{accept_order, removal, secret_repair, store_invalid, Source};
use crate::model::{Channel, ChannelId, ShopRemoval, UpsertOutcome};
use crate::store::StoreError;
use crate::woocommerce::order::parse_order;
use crate::woocommerce::webhook::{ping_webhook_id, DeliveryHeaders};
use crate::woocommerce::WooError;
use crate::App;

/// How often a channel's "last delivery" and "last ping" health fields are
/// refreshed at most.
const HEALTH_WRITE_INTERVAL_SECS: i64 = 60;

/// The receiver's routes, with the body limit applied before any parsing
/// (413 as a JSON error, see [`crate::request_body`]).
pub fn router(app: App) -> Router {
    let limit = app.options.max_body_bytes;
    Router::new()
        .route("/webhooks/woocommerce/{channel_id}", post(receive))
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn_with_state(limit, crate::request_body::limit))
        .with_state(app)
}

/// What the receiver answered, in words (also the JSON reply's `result`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ping,
    Stored,
    Unchanged,
    /// A draft order or a topic we do not handle.
    Ignored,
    /// Signed but unusable: kept as a failed inbox entry.
    StoredInvalid,
    UnknownChannel,
    BadSignature,
}

impl Outcome {
    fn status(self) -> StatusCode {
        match self {
            Outcome::UnknownChannel => StatusCode::NOT_FOUND,
            Outcome::BadSignature => StatusCode::UNAUTHORIZED,
            _ => StatusCode::OK,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ping => "ping",
            Outcome::Stored => "stored",
            Outcome::Unchanged => "unchanged",
            Outcome::Ignored => "ignored",
            Outcome::StoredInvalid => "stored_invalid",
            Outcome::UnknownChannel => "unknown_channel",
            Outcome::BadSignature => "invalid_signature",
        }
    }
}

async fn receive(
    State(app): State<App>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&app, &channel_id, &headers, &body).await {
        Ok(outcome) => {
            let status = outcome.status();
            let key = if status.is_success() {
                "result"
            } else {
                "error"
            };
            (status, Json(json!({ key: outcome.as_str() }))).into_response()
        }
        Err(e) => {
            // Only storage failures get here: WooCommerce may count a failure,
            // the reconciler's catch-up fetches the order later.
            tracing::error!(channel = %channel_id, error = %e, "webhook delivery could not be stored");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "temporarily unavailable"})),
            )
                .into_response()
        }
    }
}

/// The receiver's logic, independent of the HTTP framework.
pub async fn handle(
    app: &App,
    channel_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> crate::Result<Outcome> {
    if channel_id.parse::<ChannelId>().is_err() {
        return Ok(Outcome::UnknownChannel);
    }
    let Some(channel) = app.repo.get_channel(channel_id).await? else {
        return Ok(Outcome::UnknownChannel);
    };
    if !channel.is_active() {
        return Ok(Outcome::UnknownChannel);
    }
    let delivery = DeliveryHeaders::from_headers(headers);
    let Some(signature) = delivery.signature.as_deref() else {
        if let Some(webhook_id) = ping_webhook_id(body) {
            let ours = channel.webhooks.iter().any(|w| w.id == webhook_id);
            tracing::info!(channel = %channel_id, webhook_id, ours, "webhook ping");
            if ours && due(channel.health.last_ping_at) {
                record_health(app, channel, |c| c.health.last_ping_at = Some(Utc::now())).await;
            }
            return Ok(Outcome::Ping);
        }
        tracing::warn!(channel = %channel_id, "unsigned delivery refused");
        return Ok(Outcome::BadSignature);
    };
    let Some(signed) = secret_repair::check_signature(app, channel_id, body, signature).await?
    else {
        let counted = secret_repair::names_our_webhook(&channel, &delivery);
        tracing::warn!(channel = %channel_id, webhook_id = ?delivery.webhook_id, counted = counted.is_some(), "delivery with a wrong signature refused");
        if let Some(webhook_id) = counted {
            secret_repair::record_refusal(app, channel, webhook_id).await;
        }
        return Ok(Outcome::BadSignature);
    };

    if due(channel.health.last_delivery_at) {
        record_health(app, channel.clone(), |c| {
            c.health.last_delivery_at = Some(Utc::now())
        })
        .await;
    }
    secret_repair::record_accepted(app, channel, delivery.webhook_id, signed).await;

    let topic = delivery.topic.as_deref().unwrap_or("");
    let removal = match topic {
        "order.created" | "order.updated" | removal::RESTORED => None,
        removal::TRASHED => Some(ShopRemoval::Trash),
        removal::DELETED => Some(ShopRemoval::Deleted),
        _ => {
            tracing::info!(channel = %channel_id, topic, "delivery of a topic the channel does not handle");
            return Ok(Outcome::Ignored);
        }
    };
    if let Some(removal) = removal {
        let Some(order_id) = removal::removed_order_id(removal, body) else {
            let reason = format!("{topic} delivery does not name an order");
            tracing::warn!(channel = %channel_id, topic, "stored as failed: {reason}");
            store_invalid(app, channel_id, body, reason).await?;
            return Ok(Outcome::StoredInvalid);
        };
        let recorded = removal::record_removal(app, channel_id, order_id, removal).await?;
        tracing::info!(channel = %channel_id, order = order_id, topic, known = recorded.is_some(), "order left the shop");
        return Ok(match recorded {
            Some(_) => Outcome::Stored,
            None => Outcome::Ignored,
        });
    }
    let order = match parse_order(body) {
        Ok(order) => order,
        Err(e) => {
            let reason = match e {
                WooError::Refused(why) => format!("{topic} delivery refused: {why}"),
                e => format!("{topic} delivery is not a readable order: {e}"),
            };
            tracing::warn!(channel = %channel_id, topic, reason = %reason, "stored as failed");
            store_invalid(app, channel_id, body, reason).await?;
            return Ok(Outcome::StoredInvalid);
        }
    };
    if order.is_draft() {
        tracing::info!(channel = %channel_id, order = order.id, status = %order.status, "draft order ignored");
        return Ok(Outcome::Ignored);
    }
    let raw = String::from_utf8_lossy(body).into_owned();
    let outcome = if topic == removal::RESTORED {
        removal::restore(app, channel_id, &order, raw).await?
    } else {
        accept_order(app, channel_id, &order, raw, Source::Webhook).await?
    };
    tracing::info!(channel = %channel_id, order = order.id, topic, changed = outcome.changed(), "order delivery");
    Ok(match outcome {
        UpsertOutcome::Unchanged(_) => Outcome::Unchanged,
        _ => Outcome::Stored,
    })
}

/// Whether a health time stamp is old enough to be written again.
fn due(last: Option<DateTime<Utc>>) -> bool {
    last.is_none_or(|t| (Utc::now() - t).num_seconds() >= HEALTH_WRITE_INTERVAL_SECS)
}

/// Best-effort health update: a lost race or a store hiccup must never
/// turn a good delivery into a failure.
async fn record_health(app: &App, channel: Channel, change: impl Fn(&mut Channel)) {
    let id = channel.id.clone();
    match app.repo.update_channel_from(channel, change).await {
        // Still losing races after every attempt: someone else keeps the channel fresh.
        Ok(_) | Err(StoreError::Conflict(_)) => {}
        Err(e) => tracing::warn!(channel = %id, error = %e, "health not recorded"),
    }
}
