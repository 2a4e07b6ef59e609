//! A channel connects one WooCommerce shop to one PayTraq company.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::TimelineEvent;

/// How many channel timeline events are kept (oldest dropped first).
pub const CHANNEL_TIMELINE_MAX: usize = 200;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub id: String,
    pub name: String,
    /// Base URL of the shop, e.g. `https://shop.example.lv`.
    pub shop_url: String,
    pub state: ChannelState,
    pub settings: Settings,
    /// WooCommerce tax rate id → PayTraq tax key id.
    #[serde(default)]
    pub tax_map: BTreeMap<u64, String>,
    /// WooCommerce payment method id (e.g. `bacs`) → PayTraq money account id.
    #[serde(default)]
    pub payment_map: BTreeMap<String, String>,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelState {
    /// Created; waiting for the shop owner to approve API access.
    Pending,
    /// Keys stored, requirements met, webhooks created.
    Active,
    /// Webhooks removed; no processing or syncing; data kept.
    Deactivated,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookRef {
    pub id: u64,
    pub topic: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub last_ping_at: Option<DateTime<Utc>>,
    pub last_delivery_at: Option<DateTime<Utc>>,
    pub last_reconciled_at: Option<DateTime<Utc>>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Webhook status as last seen in the shop (`active`, `paused`, `disabled`, `missing`).
    pub webhook_status: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    SalesInvoice,
    SalesOrder,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    SellGoods,
    SellServices,
    OtherIncome,
}

/// What to do when the PayTraq total differs from the WooCommerce total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum RoundingPolicy {
    /// Any difference: the document stays a draft, no payment (the original channel's rule).
    Strict,
    /// Add an explicit rounding line of at most `max` to make the totals agree.
    Adjust { max: Decimal },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Turn every inbox order into a PayTraq document as soon as it arrives.
    pub auto_process: bool,
    pub document_type: DocumentType,
    pub operation: Operation,
    pub approve: bool,
    pub add_payment: bool,
    pub send_email: bool,
    /// PayTraq warehouse for documents and stock sync.
    pub warehouse_id: Option<String>,
    pub sync_prices: bool,
    pub price_group_id: Option<String>,
    pub daily_sync: bool,
    /// Local hour (0–23, in the deployment's schedule time zone) of the daily sync.
    pub daily_sync_hour: u8,
    pub rounding: RoundingPolicy,
    /// PayTraq product code used for WooCommerce fee lines (PayTraq needs an
    /// item on every line of a goods or services document).
    #[serde(default)]
    pub fee_item_code: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            auto_process: true,
            document_type: DocumentType::SalesInvoice,
            operation: Operation::SellGoods,
            approve: false,
            add_payment: false,
            send_email: false,
            warehouse_id: None,
            sync_prices: false,
            price_group_id: None,
            daily_sync: false,
            daily_sync_hour: 6,
            rounding: RoundingPolicy::Strict,
            fee_item_code: None,
        }
    }
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
