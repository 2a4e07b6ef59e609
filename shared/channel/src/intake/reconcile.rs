//! The reconciler: a scheduled safety net under the webhook. For every
//! active channel, independently (one broken shop never stops the others):
//!
//! 1. **Webhook health** — the channel's webhooks must exist and be active
//!    in the shop; a missing one is recreated, a `disabled` one re-enabled
//!    and the channel's timeline says so. Deliveries refused for a signature
//!    that does not match get the webhooks a fresh secret, once
//!    ([`super::secret_repair`]).
//! 2. **Catch-up** — orders modified since the channel's checkpoint (or
//!    since the first refused delivery, if earlier) are listed and accepted exactly as the webhook accepts them; the
//!    checkpoint moves only after every order was stored. An order the
//!    webhook would refuse ([`crate::woocommerce::Order::check`]) is kept
//!    as a failed entry with the reason, as the webhook keeps it.
//! 3. **Sweep** — orders stored but not enqueued for a while are enqueued.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use futures::stream::{self, StreamExt};
use schemars::JsonSchema;
use serde::Serialize;

use super::secret_repair::{self, SecretAction};
use super::{accept_order, enqueue, store_invalid, Source};
use crate::model::{Channel, TimelineEvent, WebhookRef};
use crate::secrets::Secret;
use crate::shop::Shop;
use crate::woocommerce::catalog::{WebhookChange, WebhookStatus};
use crate::woocommerce::client::OrderQuery;
use crate::{App, Error, Result};

/// The topics every active channel keeps a webhook for: new and changed
/// orders, and orders leaving the shop and coming back ([`super::removal`]).
pub const TOPICS: [&str; 5] = [
    "order.created",
    "order.updated",
    super::removal::TRASHED,
    super::removal::RESTORED,
    super::removal::DELETED,
];

/// Look back this far before the checkpoint: clocks of shop and channel differ.
const OVERLAP_MINUTES: i64 = 10;

/// Channels reconciled at the same time.
const PARALLEL_CHANNELS: usize = 4;

/// What one run did for one channel.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "ReconcileReport")]
pub struct ChannelReport {
    pub channel_id: String,
    /// Topics whose webhook was missing in the shop and was created again.
    pub webhooks_recreated: Vec<String>,
    /// Topics whose webhook WooCommerce had disabled and that were re-enabled.
    pub webhooks_reenabled: Vec<String>,
    /// Topics whose webhook got a fresh secret (deliveries were refused).
    pub webhook_secret_replaced: Vec<String>,
    /// Why the webhooks are left to a person (deliveries still refused
    /// after a fresh secret); nothing is changed in the shop meanwhile.
    pub webhooks_need_person: Option<String>,
    pub orders_listed: usize,
    pub orders_new_or_changed: usize,
    pub orders_swept: usize,
    pub error: Option<String>,
}

/// The webhook name WooCommerce shows for a topic.
pub fn webhook_name(topic: &str) -> String {
    match topic {
        "order.created" => "PayTraq Connector | Order Created".to_string(),
        "order.updated" => "PayTraq Connector | Order Updated".to_string(),
        "order.deleted" => "PayTraq Connector | Order Trashed".to_string(),
        "order.restored" => "PayTraq Connector | Order Restored".to_string(),
        "action.woocommerce_delete_order" => "PayTraq Connector | Order Deleted".to_string(),
        other => format!("PayTraq Connector | {other}"),
    }
}

/// Reconciles every active channel; each channel's failure is reported in
/// its own report and never stops the others.
pub async fn run_all(app: &App) -> Result<Vec<ChannelReport>> {
    let channels = app.repo.all_channels().await?;
    let reports = stream::iter(channels.into_iter().filter(Channel::is_active))
        .map(|channel| async move {
            let id = channel.id.clone();
            match reconcile_channel(app, channel).await {
                Ok(report) => report,
                Err(e) => {
                    tracing::error!(channel = %id, error = %e, "reconciliation failed");
                    ChannelReport {
                        channel_id: id,
                        error: Some(e.to_string()),
                        ..Default::default()
                    }
                }
            }
        })
        .buffer_unordered(PARALLEL_CHANNELS)
        .collect::<Vec<_>>()
        .await;
    Ok(reports)
}

/// One channel: webhook health, catch-up, sweep.
pub async fn reconcile_channel(app: &App, channel: Channel) -> Result<ChannelReport> {
    let started = Utc::now();
    let mut report = ChannelReport {
        channel_id: channel.id.clone(),
        ..Default::default()
    };
    let woo = app.shop(&channel).await?;

    let action = secret_repair::decide(&channel);
    let (webhooks, events, status) =
        repair_webhooks(app, &*woo, &channel, &action, &mut report).await?;
    let refused_since = match &action {
        SecretAction::Replace { refused_since } => Some(*refused_since),
        _ => None,
    };
    let since = catch_up(app, &*woo, &channel, refused_since, &mut report).await?;
    sweep(app, &channel.id, &mut report).await?;

    app.repo
        .update_channel(&channel.id, |c| {
            c.webhooks = webhooks.clone();
            for e in &events {
                c.record(e.clone());
            }
            match &action {
                SecretAction::Replace { .. } => {
                    // The refusals counted so far were signed with the old secret.
                    c.health.refused_deliveries = None;
                    c.health.webhook_secret_replaced_at = Some(started);
                }
                SecretAction::NeedsPerson(reason) => {
                    c.health.webhooks_need_person = Some(reason.clone());
                    c.health.last_error = Some(reason.clone());
                }
                SecretAction::Nothing => {
                    if c.health.webhook_secret_replaced_at.is_some() {
                        // Stragglers signed before the shop had the new secret.
                        c.health.refused_deliveries = None;
                    }
                }
            }
            c.health.webhook_status = Some(status.clone());
            c.health.last_reconciled_at = Some(started);
            if let Some(since) = since {
                c.checkpoint = Some(c.checkpoint.map_or(since, |old| old.max(since)));
            }
        })
        .await?
        .ok_or_else(|| Error::NotFound(format!("channel {}", channel.id)))?;
    tracing::info!(
        channel = %channel.id,
        listed = report.orders_listed,
        changed = report.orders_new_or_changed,
        swept = report.orders_swept,
        "reconciled"
    );
    Ok(report)
}

async fn repair_webhooks(
    app: &App,
    woo: &dyn Shop,
    channel: &Channel,
    action: &SecretAction,
    report: &mut ChannelReport,
) -> Result<(Vec<WebhookRef>, Vec<TimelineEvent>, String)> {
    let Some(delivery_url) = channel.webhook_url.clone() else {
        return Err(Error::Config(format!(
            "channel {} has no webhook URL",
            channel.id
        )));
    };
    let in_shop = woo.list_webhooks().await?;
    let mut refs = Vec::new();
    let mut events = Vec::new();
    let mut status = "active".to_string();
    let fresh_secret = match action {
        SecretAction::Replace { refused_since } => {
            let secret = secret_repair::store_fresh_secret(app, &channel.id).await?;
            events.push(TimelineEvent::now(
                "webhook_secret_replaced",
                format!(
                    "deliveries refused since {} (signature does not match): a fresh secret \
                     was stored, then written to the channel's webhooks in the shop; the \
                     previous one is accepted until a delivery signed with the new one arrives",
                    refused_since.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            ));
            Some(secret)
        }
        SecretAction::NeedsPerson(reason) => {
            status = "refusing_deliveries".to_string();
            report.webhooks_need_person = Some(reason.clone());
            if channel.health.webhooks_need_person.is_none() {
                events.push(TimelineEvent::now("webhooks_need_person", reason.clone()));
            }
            None
        }
        SecretAction::Nothing => None,
    };
    for topic in TOPICS {
        let known = channel
            .webhooks
            .iter()
            .find(|w| w.topic == topic)
            .map(|w| w.id);
        let found = in_shop.iter().find(|w| Some(w.id) == known).or_else(|| {
            in_shop
                .iter()
                .find(|w| w.topic == topic && w.delivery_url == delivery_url)
        });
        match found {
            Some(hook) if fresh_secret.is_some() => {
                // A disabled one is re-enabled in the same call; one the
                // owner paused stays paused.
                let disabled = hook.status == WebhookStatus::Disabled.as_str();
                let change = WebhookChange {
                    status: disabled.then_some(WebhookStatus::Active),
                    secret: fresh_secret.as_ref(),
                };
                woo.update_webhook(hook.id, change).await?;
                report.webhook_secret_replaced.push(topic.to_string());
                refs.push(WebhookRef {
                    id: hook.id,
                    topic: topic.to_string(),
                });
            }
            Some(hook) if report.webhooks_need_person.is_some() => {
                // Left as it is: re-enabling it would only fail again.
                refs.push(WebhookRef {
                    id: hook.id,
                    topic: topic.to_string(),
                });
            }
            Some(hook) if hook.status == WebhookStatus::Disabled.as_str() => {
                woo.update_webhook(hook.id, WebhookChange::status(WebhookStatus::Active))
                    .await?;
                report.webhooks_reenabled.push(topic.to_string());
                events.push(TimelineEvent::now(
                    "webhook_reenabled",
                    format!("webhook {topic} (id {}) was disabled by WooCommerce after failed deliveries; re-enabled", hook.id),
                ));
                refs.push(WebhookRef {
                    id: hook.id,
                    topic: topic.to_string(),
                });
            }
            Some(hook) => {
                if hook.status != "active" {
                    // Paused by the shop owner: respected, reported.
                    status = hook.status.clone();
                }
                refs.push(WebhookRef {
                    id: hook.id,
                    topic: topic.to_string(),
                });
            }
            None => {
                let secret = match &fresh_secret {
                    Some(secret) => secret.clone(),
                    None => current_secret(app, &channel.id).await?,
                };
                let hook = woo
                    .create_webhook(&webhook_name(topic), topic, &delivery_url, &secret)
                    .await?;
                report.webhooks_recreated.push(topic.to_string());
                events.push(TimelineEvent::now(
                    "webhook_recreated",
                    format!(
                        "webhook {topic} was missing in the shop; created again (id {})",
                        hook.id
                    ),
                ));
                refs.push(WebhookRef {
                    id: hook.id,
                    topic: topic.to_string(),
                });
            }
        }
    }
    Ok((refs, events, status))
}

async fn current_secret(app: &App, channel_id: &str) -> Result<Secret> {
    app.secrets
        .get(channel_id)
        .await?
        .and_then(|s| s.webhook_secret)
        .ok_or_else(|| Error::Config(format!("channel {channel_id} has no webhook secret")))
}

/// Lists orders changed since the checkpoint (or since `refused_since`,
/// when earlier) and accepts them; returns the new checkpoint (the instant
/// the listing started), or `None` when the channel has none yet and
/// nothing to base one on.
async fn catch_up(
    app: &App,
    woo: &dyn Shop,
    channel: &Channel,
    refused_since: Option<DateTime<Utc>>,
    report: &mut ChannelReport,
) -> Result<Option<DateTime<Utc>>> {
    let listing_started = Utc::now();
    let checkpoint = channel.checkpoint.unwrap_or(channel.created_at);
    let from = refused_since.map_or(checkpoint, |r| r.min(checkpoint))
        - ChronoDuration::minutes(OVERLAP_MINUTES);
    let mut query = OrderQuery::default();
    if supports_modified_after(channel.wc_version.as_deref()) {
        query.modified_after = Some(from);
    } else {
        query.after = Some(from);
    }
    let orders = woo.list_orders(&query).await?;
    report.orders_listed = orders.len();
    for order in &orders {
        let raw = serde_json::to_string(order).map_err(|e| Error::Invalid(e.to_string()))?;
        if let Err(why) = order.check() {
            // The webhook's rule: kept as a failed entry with the reason,
            // never processed; the other orders go on.
            let reason = format!("order listed by the reconciler refused: {why}");
            tracing::warn!(channel = %channel.id, order = order.id, reason = %reason, "stored as failed");
            store_invalid(app, &channel.id, raw.as_bytes(), reason).await?;
            continue;
        }
        if order.is_draft() {
            continue;
        }
        if accept_order(app, &channel.id, order, raw, Source::Reconciler)
            .await?
            .changed()
        {
            report.orders_new_or_changed += 1;
        }
    }
    Ok(Some(listing_started))
}

/// `modified_after` came to `GET /orders` with WooCommerce 5.x (PRs #28132 /
/// #30585, 2021; the exact release is not pinned down, 5.8 is taken as safe).
/// Older shops are listed by creation date instead: later changes to an old
/// order then reach us only through the webhook.
fn supports_modified_after(version: Option<&str>) -> bool {
    let Some(v) = version else { return true };
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (5, 8)
}

async fn sweep(app: &App, channel_id: &str, report: &mut ChannelReport) -> Result<()> {
    let older_than =
        Utc::now() - ChronoDuration::from_std(app.options.sweep_after).unwrap_or_default();
    for order in app.repo.list_pending(channel_id, older_than, 1000).await? {
        enqueue(app, order).await;
        report.orders_swept += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_after_needs_5_8() {
        assert!(supports_modified_after(Some("8.9.1")));
        assert!(supports_modified_after(Some("5.8.0")));
        assert!(!supports_modified_after(Some("5.7.2")));
        assert!(!supports_modified_after(Some("3.5.0")));
        assert!(supports_modified_after(None));
    }
}
