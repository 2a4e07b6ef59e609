//! Repairing a webhook secret that no longer matches.
//!
//! WooCommerce never returns a webhook's secret over REST, so a secret
//! changed in the shop (by a person, a plugin, a restored backup) shows only
//! as deliveries whose signature matches nothing we hold; WooCommerce then
//! disables the webhook after its failures, and re-enabling it does not
//! reset its failure count. The repair runs in three steps:
//!
//! 1. **Receiver: count.** Before refusing a signature, the receiver reads
//!    the secrets past its cache once ([`crate::secrets::SecretStore::get_fresh`]),
//!    in case the reconciler has just replaced them. A refused delivery
//!    that names one of the channel's webhooks (`X-WC-Webhook-ID`) from the
//!    channel's shop (`X-WC-Webhook-Source`) is counted in the channel's
//!    health; the first one goes on its timeline.
//! 2. **Reconciler: replace.** A channel with refused deliveries gets a
//!    fresh secret, stored first with the old one kept as
//!    `webhook_secret_previous` (deliveries signed with either are
//!    accepted, so no good delivery is refused meanwhile), then written to
//!    each of its webhooks in the shop with the status `active` in the same
//!    call. The catch-up then reaches back to the first refused delivery.
//! 3. **Receiver: confirm.** The first delivery signed with the new secret
//!    drops the previous one and ends the repair.
//!
//! No loop: a secret is replaced once and not again until a delivery
//! confirms it. Deliveries still refused after a replacement mean that
//! something else is wrong (the secret changed again, something altering
//! the bodies on the way): the channel is flagged as needing a person and
//! its webhooks are left as they are, disabled ones included.

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use crate::model::{Channel, RefusedDeliveries, TimelineEvent};
use crate::secrets::{ChannelSecrets, Secret};
use crate::store::StoreError;
use crate::woocommerce::webhook::{verify, DeliveryHeaders};
use crate::{App, Error, Result};

/// Refusals of one channel are written at most this often.
const REFUSAL_WRITE_INTERVAL_MS: i64 = 1_000;

/// Deliveries refused this soon after a replacement may have been signed
/// before the shop had the new secret: they do not count against it.
const REPLACEMENT_GRACE_SECS: i64 = 30;

/// Which of the channel's secrets a delivery is signed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signed {
    /// The current secret; `previous_held`: the previous one is still kept.
    WithCurrent { previous_held: bool },
    /// The secret before the last replacement (not yet confirmed).
    WithPrevious,
}

/// Checks a signature against the channel's secrets, reading past the
/// cache once before refusing. `None`: it matches none of them.
pub async fn check_signature(
    app: &App,
    channel_id: &str,
    body: &[u8],
    signature: &str,
) -> Result<Option<Signed>> {
    let secrets = app.secrets.get(channel_id).await?;
    if let Some(signed) = secrets
        .as_ref()
        .and_then(|s| signed_with(s, body, signature))
    {
        return Ok(Some(signed));
    }
    let fresh = app.secrets.get_fresh(channel_id).await?;
    if fresh
        .as_ref()
        .and_then(|s| s.webhook_secret.as_ref())
        .is_none()
    {
        tracing::error!(channel = %channel_id, "active channel has no webhook secret");
    }
    Ok(fresh.as_ref().and_then(|s| signed_with(s, body, signature)))
}

fn signed_with(secrets: &ChannelSecrets, body: &[u8], signature: &str) -> Option<Signed> {
    let matches = |secret: &Option<Secret>| {
        secret
            .as_ref()
            .is_some_and(|s| verify(body, s.expose().as_bytes(), signature))
    };
    if matches(&secrets.webhook_secret) {
        Some(Signed::WithCurrent {
            previous_held: secrets.webhook_secret_previous.is_some(),
        })
    } else if matches(&secrets.webhook_secret_previous) {
        Some(Signed::WithPrevious)
    } else {
        None
    }
}

/// Whether a refused delivery names one of the channel's webhooks and
/// comes from the channel's shop (only those are counted: anyone can send
/// a request to the receiver).
pub fn names_our_webhook(channel: &Channel, delivery: &DeliveryHeaders) -> Option<u64> {
    let id = delivery.webhook_id?;
    let ours = channel.webhooks.iter().any(|w| w.id == id);
    let source = delivery.source.as_deref()?;
    (ours && same_site(source, &channel.shop_url)).then_some(id)
}

/// `https://Shop.example/` and `https://shop.example` are the same site.
fn same_site(a: &str, b: &str) -> bool {
    match (url::Url::parse(a.trim()), url::Url::parse(b.trim())) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme()
                && a.host_str() == b.host_str()
                && a.port_or_known_default() == b.port_or_known_default()
                && a.path().trim_end_matches('/') == b.path().trim_end_matches('/')
        }
        _ => false,
    }
}

/// Counts a refused delivery of one of the channel's webhooks (best
/// effort, at most one write a second per channel).
pub async fn record_refusal(app: &App, channel: Channel, webhook_id: u64) {
    let now = Utc::now();
    let due = channel.health.refused_deliveries.as_ref().is_none_or(|r| {
        !r.webhook_ids.contains(&webhook_id)
            || (now - r.last_at).num_milliseconds() >= REFUSAL_WRITE_INTERVAL_MS
    });
    if !due {
        return;
    }
    let id = channel.id.clone();
    let result = app
        .repo
        .update_channel_from(channel, |c| {
            let refused = c
                .health
                .refused_deliveries
                .get_or_insert_with(|| RefusedDeliveries {
                    count: 0,
                    first_at: now,
                    last_at: now,
                    webhook_ids: Default::default(),
                });
            let first = refused.count == 0;
            refused.count += 1;
            refused.last_at = now;
            refused.webhook_ids.insert(webhook_id);
            if first {
                c.health.last_error =
                    Some("deliveries refused: signature does not match".to_string());
                c.record(TimelineEvent::now(
                    "deliveries_refused",
                    format!(
                        "deliveries refused: signature does not match (webhook {webhook_id}); \
                         the shop signs with a secret the channel does not hold, and the \
                         reconciler will write a fresh one to the channel's webhooks"
                    ),
                ));
            }
        })
        .await;
    match result {
        Ok(_) | Err(StoreError::Conflict(_)) => {}
        Err(e) => tracing::warn!(channel = %id, error = %e, "refused delivery not recorded"),
    }
}

/// After a delivery was accepted: confirms a replaced secret and clears
/// the refusals of the webhook that delivered. Writes nothing in the usual
/// case (no refusals, no replacement pending).
pub async fn record_accepted(app: &App, channel: Channel, webhook_id: Option<u64>, signed: Signed) {
    let confirms = matches!(signed, Signed::WithCurrent { .. });
    if let Signed::WithCurrent {
        previous_held: true,
    } = signed
    {
        drop_previous_secret(app, &channel.id).await;
    }
    let clears_refusal = |c: &Channel| {
        webhook_id.is_some_and(|id| {
            c.health
                .refused_deliveries
                .as_ref()
                .is_some_and(|r| r.webhook_ids.contains(&id))
        })
    };
    let confirms_repair = |c: &Channel| {
        confirms
            && (c.health.webhook_secret_replaced_at.is_some()
                || c.health.webhooks_need_person.is_some())
    };
    if !clears_refusal(&channel) && !confirms_repair(&channel) {
        return;
    }
    let id = channel.id.clone();
    let result = app
        .repo
        .update_channel_from(channel, |c| {
            if clears_refusal(c) {
                if let (Some(refused), Some(id)) =
                    (c.health.refused_deliveries.as_mut(), webhook_id)
                {
                    refused.webhook_ids.remove(&id);
                    if refused.webhook_ids.is_empty() {
                        c.health.refused_deliveries = None;
                    }
                }
            }
            if confirms_repair(c) {
                c.health.webhook_secret_replaced_at = None;
                c.health.webhooks_need_person = None;
                c.record(TimelineEvent::now(
                    "webhook_secret_confirmed",
                    "the shop delivers with the channel's webhook secret again",
                ));
            }
            if c.health.refused_deliveries.is_none()
                && c.health.last_error.as_deref().is_some_and(is_refusal_error)
            {
                c.health.last_error = None;
            }
        })
        .await;
    match result {
        Ok(_) | Err(StoreError::Conflict(_)) => {}
        Err(e) => tracing::warn!(channel = %id, error = %e, "accepted delivery not recorded"),
    }
}

fn is_refusal_error(text: &str) -> bool {
    text.starts_with("deliveries refused")
}

/// The shop signs with the new secret: the old one is no longer accepted.
async fn drop_previous_secret(app: &App, channel_id: &str) {
    let result = async {
        let Some(mut secrets) = app.secrets.get_fresh(channel_id).await? else {
            return Ok::<_, Error>(());
        };
        if secrets.webhook_secret_previous.take().is_some() {
            app.secrets.put(channel_id, &secrets).await?;
            tracing::info!(channel = %channel_id, "new webhook secret confirmed; the previous one is no longer accepted");
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        // Harmless: the previous secret stays accepted until the next delivery retries.
        tracing::warn!(channel = %channel_id, error = %e, "previous webhook secret not dropped");
    }
}

/// What the reconciler does about refused deliveries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretAction {
    /// Nothing refused (or only stragglers signed before the last replacement).
    Nothing,
    /// Write a fresh secret to the webhooks; catch up from `refused_since`.
    Replace { refused_since: DateTime<Utc> },
    /// Still refused after a replacement: leave the webhooks to a person.
    NeedsPerson(String),
}

/// Decides from the channel's health what the reconciler does.
pub fn decide(channel: &Channel) -> SecretAction {
    if let Some(reason) = &channel.health.webhooks_need_person {
        return SecretAction::NeedsPerson(reason.clone());
    }
    let Some(refused) = &channel.health.refused_deliveries else {
        return SecretAction::Nothing;
    };
    match channel.health.webhook_secret_replaced_at {
        None => SecretAction::Replace {
            refused_since: refused.first_at,
        },
        Some(at) if refused.last_at > at + ChronoDuration::seconds(REPLACEMENT_GRACE_SECS) => {
            SecretAction::NeedsPerson(format!(
                "deliveries are still refused (signature does not match, {} since {}) after \
                 the channel wrote a fresh secret to its webhooks at {}; check the webhooks in \
                 WooCommerce → Settings → Advanced → Webhooks (a plugin or person changing \
                 their secret, or something altering deliveries on the way); the channel \
                 leaves them as they are until a delivery is accepted again",
                refused.count,
                refused.first_at.format("%Y-%m-%d %H:%M UTC"),
                at.format("%Y-%m-%d %H:%M UTC"),
            ))
        }
        Some(_) => SecretAction::Nothing,
    }
}

/// Stores a fresh webhook secret, keeping the current one as the previous
/// (still accepted); returns the new one to be written to the shop.
pub async fn store_fresh_secret(app: &App, channel_id: &str) -> Result<Secret> {
    let mut secrets = app
        .secrets
        .get_fresh(channel_id)
        .await?
        .ok_or_else(|| Error::Config(format!("channel {channel_id} has no secrets")))?;
    let fresh = crate::admin::token::random_value();
    // A previous secret not yet dropped stays the previous: the current one
    // was never confirmed, the previous one may still sign some webhook.
    let previous = secrets
        .webhook_secret_previous
        .take()
        .or(secrets.webhook_secret.take());
    secrets.webhook_secret_previous = previous;
    secrets.webhook_secret = Some(fresh.clone());
    app.secrets.put(channel_id, &secrets).await?;
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WebhookRef;
    use crate::woocommerce::webhook::sign;

    fn channel() -> Channel {
        Channel {
            webhooks: vec![WebhookRef {
                id: 7,
                topic: "order.created".into(),
            }],
            ..Channel::new("c1", "Shop", "https://shop.example.lv")
        }
    }

    fn refused(first_at: DateTime<Utc>, last_at: DateTime<Utc>) -> RefusedDeliveries {
        RefusedDeliveries {
            count: 3,
            first_at,
            last_at,
            webhook_ids: [7].into(),
        }
    }

    #[test]
    fn only_refusals_naming_our_webhook_from_our_shop_count() {
        let ch = channel();
        let headers = |id: Option<u64>, source: Option<&str>| DeliveryHeaders {
            webhook_id: id,
            source: source.map(str::to_string),
            ..DeliveryHeaders::default()
        };
        assert_eq!(
            names_our_webhook(&ch, &headers(Some(7), Some("https://SHOP.example.lv/"))),
            Some(7)
        );
        assert_eq!(
            names_our_webhook(&ch, &headers(Some(8), Some("https://shop.example.lv/"))),
            None
        );
        assert_eq!(
            names_our_webhook(&ch, &headers(Some(7), Some("https://other.example.lv/"))),
            None
        );
        assert_eq!(
            names_our_webhook(&ch, &headers(Some(7), Some("http://shop.example.lv/"))),
            None
        );
        assert_eq!(names_our_webhook(&ch, &headers(Some(7), None)), None);
        assert_eq!(
            names_our_webhook(&ch, &headers(None, Some("https://shop.example.lv/"))),
            None
        );
    }

    #[test]
    fn a_signature_is_checked_against_the_current_then_the_previous_secret() {
        let secrets = ChannelSecrets {
            webhook_secret: Some(Secret::new("new")),
            webhook_secret_previous: Some(Secret::new("old")),
            ..ChannelSecrets::default()
        };
        let body = b"{\"id\":1}";
        assert_eq!(
            signed_with(&secrets, body, &sign(body, b"new")),
            Some(Signed::WithCurrent {
                previous_held: true
            })
        );
        assert_eq!(
            signed_with(&secrets, body, &sign(body, b"old")),
            Some(Signed::WithPrevious)
        );
        assert_eq!(signed_with(&secrets, body, &sign(body, b"x")), None);
        let confirmed = ChannelSecrets {
            webhook_secret_previous: None,
            ..secrets
        };
        assert_eq!(
            signed_with(&confirmed, body, &sign(body, b"new")),
            Some(Signed::WithCurrent {
                previous_held: false
            })
        );
        assert_eq!(signed_with(&confirmed, body, &sign(body, b"old")), None);
    }

    #[test]
    fn refusals_lead_to_one_replacement_then_to_a_person_never_to_a_loop() {
        let t0 = Utc::now() - ChronoDuration::hours(1);
        let mut ch = channel();
        assert_eq!(decide(&ch), SecretAction::Nothing);

        ch.health.refused_deliveries = Some(refused(t0, t0 + ChronoDuration::minutes(5)));
        assert_eq!(decide(&ch), SecretAction::Replace { refused_since: t0 });

        // Replaced; refusals cleared by the reconciler. Stragglers signed
        // just before the shop had the new secret do not count.
        let replaced = t0 + ChronoDuration::minutes(10);
        ch.health.webhook_secret_replaced_at = Some(replaced);
        ch.health.refused_deliveries =
            Some(refused(replaced, replaced + ChronoDuration::seconds(5)));
        assert_eq!(decide(&ch), SecretAction::Nothing);

        // Refused well after the replacement: a person, not another replacement.
        ch.health.refused_deliveries =
            Some(refused(replaced, replaced + ChronoDuration::minutes(3)));
        let SecretAction::NeedsPerson(reason) = decide(&ch) else {
            panic!("expected NeedsPerson, got {:?}", decide(&ch));
        };
        assert!(
            reason.contains("Settings → Advanced → Webhooks"),
            "{reason}"
        );

        // Once flagged, it stays with the person until a delivery is accepted.
        ch.health.webhooks_need_person = Some(reason.clone());
        ch.health.refused_deliveries = None;
        assert_eq!(decide(&ch), SecretAction::NeedsPerson(reason));
    }
}
