//! A channel connects one WooCommerce shop to one PayTraq company.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{GatewayId, MoneyAccountId, Settings, TaxKeyId, TaxRateId, TimelineEvent};

/// How many channel timeline events are kept (oldest dropped first).
pub const CHANNEL_TIMELINE_MAX: usize = 200;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Channel {
    pub id: String,
    pub name: String,
    /// Base URL of the shop, e.g. `https://shop.example.lv`.
    pub shop_url: String,
    pub state: ChannelState,
    pub settings: Settings,
    /// WooCommerce tax rate id → PayTraq tax key id.
    #[serde(default)]
    pub tax_map: BTreeMap<TaxRateId, TaxKeyId>,
    /// WooCommerce payment method id (e.g. `bacs`) → PayTraq money account id.
    #[serde(default)]
    pub payment_map: BTreeMap<GatewayId, MoneyAccountId>,
    /// Where the shop delivers this channel's webhooks (set at activation).
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// WooCommerce version seen at activation (`system_status`).
    #[serde(default)]
    pub wc_version: Option<String>,
    /// Webhooks this channel created in the shop.
    #[serde(default)]
    pub webhooks: Vec<WebhookRef>,
    #[serde(default)]
    pub health: Health,
    /// Reconciler catch-up: orders modified after this instant are listed next time.
    #[serde(default)]
    pub checkpoint: Option<DateTime<Utc>>,
    #[serde(default)]
    pub timeline: Vec<TimelineEvent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, maintained by the store (0 = never stored).
    #[serde(default)]
    pub version: u64,
}

impl Channel {
    /// A new channel waiting for activation, with default settings and no
    /// mappings; callers override what differs with struct update syntax.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        shop_url: impl Into<String>,
    ) -> Self {
        let now = Utc::now();
        Self {
            id: id.into(),
            name: name.into(),
            shop_url: shop_url.into(),
            state: ChannelState::Pending,
            settings: Settings::default(),
            tax_map: BTreeMap::new(),
            payment_map: BTreeMap::new(),
            webhook_url: None,
            wc_version: None,
            webhooks: Vec::new(),
            health: Health::default(),
            checkpoint: None,
            timeline: Vec::new(),
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    /// Appends to the channel timeline, keeping at most [`CHANNEL_TIMELINE_MAX`] events.
    pub fn record(&mut self, event: TimelineEvent) {
        self.timeline.push(event);
        let excess = self.timeline.len().saturating_sub(CHANNEL_TIMELINE_MAX);
        if excess > 0 {
            self.timeline.drain(..excess);
        }
    }

    pub fn is_active(&self) -> bool {
        self.state == ChannelState::Active
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelState {
    /// Created; waiting for the shop owner to approve API access.
    Pending,
    /// Keys stored, requirements met, webhooks created.
    Active,
    /// Webhooks removed; no processing or syncing; data kept.
    Deactivated,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Webhook")]
pub struct WebhookRef {
    pub id: u64,
    pub topic: String,
}

/// What the channel last saw of the shop and of its own runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "ChannelHealth")]
pub struct Health {
    /// Last ping naming one of the channel's webhooks, at most once a minute.
    /// Unverified: WooCommerce does not sign pings.
    pub last_ping_at: Option<DateTime<Utc>>,
    pub last_delivery_at: Option<DateTime<Utc>>,
    pub last_reconciled_at: Option<DateTime<Utc>>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Webhook status as last seen in the shop (`active`, `paused`, `disabled`, `missing`).
    pub webhook_status: Option<String>,
    pub last_error: Option<String>,
    /// Signed deliveries from the channel's shop, naming one of its
    /// webhooks, whose signature matches no secret we hold; cleared per
    /// webhook by its next good delivery (see `intake::secret_repair`).
    #[serde(default)]
    pub refused_deliveries: Option<RefusedDeliveries>,
    /// When the reconciler last wrote a fresh secret to the shop's webhooks;
    /// cleared by the first delivery signed with it.
    #[serde(default)]
    pub webhook_secret_replaced_at: Option<DateTime<Utc>>,
    /// Why the webhooks need a person: deliveries still refused after the
    /// secret was replaced. The reconciler leaves them alone meanwhile.
    #[serde(default)]
    pub webhooks_need_person: Option<String>,
}

/// Deliveries refused because their signature does not match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RefusedDeliveries {
    /// Refusals counted: at most one a second per channel is written, so
    /// a burst counts as fewer.
    pub count: u64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    /// The shop's ids of the webhooks whose deliveries were refused.
    pub webhook_ids: BTreeSet<u64>,
}

/// A single-use token that ties a WooCommerce key-approval callback to a channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivationToken {
    /// SHA-256 of the token (hex); the token itself is never stored.
    pub token_hash: String,
    pub channel_id: String,
    pub expires_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A channel as stored before the ids were typed: PayTraq ids as strings.
    const STORED_BEFORE_TYPED_IDS: &str = r#"{
        "id": "shop1", "name": "Shop", "shop_url": "https://shop.example.lv",
        "state": "active",
        "settings": {"auto_process": true, "document_type": "sales_invoice",
            "operation": "sell_goods", "approve": true, "add_payment": true,
            "send_email": false, "warehouse_id": "3", "sync_prices": true,
            "price_group_id": "9", "daily_sync": true, "daily_sync_hour": 6,
            "rounding": {"mode": "strict"}, "fee_item_code": "WC-FEE"},
        "tax_map": {"0": "11", "4": "21"},
        "payment_map": {"bacs": "77", "stripe_cc": "78"},
        "webhook_url": "https://hooks.example/wh/shop1", "wc_version": "8.9.1",
        "webhooks": [{"id": 5, "topic": "order.created"}],
        "health": {"last_ping_at": null, "last_delivery_at": null,
            "last_reconciled_at": null, "last_sync_at": null,
            "webhook_status": "active", "last_error": null},
        "checkpoint": null, "timeline": [],
        "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z",
        "version": 4
    }"#;

    #[test]
    fn channels_stored_with_string_ids_still_read_and_write_numbers() {
        let ch: Channel = serde_json::from_str(STORED_BEFORE_TYPED_IDS).unwrap();
        assert_eq!(ch.tax_map.get(&4u64).map(|k| k.get()), Some(21));
        assert_eq!(ch.tax_map.get(&0u64).map(|k| k.get()), Some(11));
        assert_eq!(ch.payment_map.get("stripe_cc").map(|a| a.get()), Some(78));
        assert_eq!(ch.settings.warehouse_id.map(|w| w.get()), Some(3));
        assert_eq!(ch.settings.price_group_id.map(|p| p.get()), Some(9));
        assert_eq!(ch.version, 4);

        let written = serde_json::to_value(&ch).unwrap();
        assert_eq!(written["tax_map"], serde_json::json!({"0": 11, "4": 21}));
        assert_eq!(
            written["payment_map"],
            serde_json::json!({"bacs": 77, "stripe_cc": 78})
        );
        assert_eq!(written["settings"]["warehouse_id"], 3);
        let again: Channel = serde_json::from_value(written).unwrap();
        assert_eq!(again, ch);
    }

    #[test]
    fn a_stored_id_that_is_no_id_is_refused_not_guessed() {
        let broken = STORED_BEFORE_TYPED_IDS.replace(r#""4": "21""#, r#""4": "TK21""#);
        assert!(serde_json::from_str::<Channel>(&broken).is_err());
    }
}
