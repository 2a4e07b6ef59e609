//! The shop's in-memory state: catalogue, orders, notes, webhooks, API keys and the logs tests inspect.
//! Catalogue objects are kept as the JSON WooCommerce renders; orders as typed documents.

use super::config::{Faults, WooSandboxConfig};
use super::order_model::OrderDoc;
use super::refunds::RefundRecord;
use super::totals::OrderInput;
use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Store options that change how orders are computed and rendered.
#[derive(Debug, Clone, Serialize)]
pub struct ShopSettings {
    pub wc_version: String,
    pub wp_version: String,
    pub currency: String,
    pub decimals: u32,
    pub prices_include_tax: bool,
    pub tax_round_at_subtotal: bool,
    pub base_country: String,
}

impl ShopSettings {
    pub fn from_config(cfg: &WooSandboxConfig) -> Self {
        Self {
            wc_version: cfg.wc_version.clone(),
            wp_version: cfg.wp_version.clone(),
            currency: cfg.currency.clone(),
            decimals: cfg.decimals,
            prices_include_tax: cfg.prices_include_tax,
            tax_round_at_subtotal: cfg.tax_round_at_subtotal,
            base_country: cfg.base_country.clone(),
        }
    }
}

/// Permission of an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPermissions {
    Read,
    Write,
    ReadWrite,
}

impl KeyPermissions {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            "read_write" => Some(Self::ReadWrite),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::ReadWrite => "read_write",
        }
    }
    pub fn can_read(self) -> bool {
        matches!(self, Self::Read | Self::ReadWrite)
    }
    pub fn can_write(self) -> bool {
        matches!(self, Self::Write | Self::ReadWrite)
    }
}

/// A REST API key (`woocommerce_api_keys` row).
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub key_id: u64,
    pub description: String,
    pub consumer_key: String,
    pub consumer_secret: String,
    pub permissions: KeyPermissions,
}

/// A webhook (`wc_webhooks` row); the secret never leaves through the REST API.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: u64,
    pub name: String,
    pub status: String,
    pub topic: String,
    pub delivery_url: String,
    pub secret: String,
    pub failure_count: u32,
    pub pending_delivery: bool,
    pub date_created: String,
    pub date_modified: Option<String>,
}

/// One outgoing webhook request (a ping or a delivery) and what came back.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// Sequence number in the log.
    pub seq: u64,
    pub webhook_id: u64,
    /// `ping` for the creation ping, else the topic.
    pub kind: String,
    pub order_id: Option<u64>,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub response_status: Option<u16>,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub success: bool,
    pub at: String,
}

/// A wc-auth callback POST and its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct AuthCallback {
    pub callback_url: String,
    pub body: String,
    pub response_status: Option<u16>,
    pub error: Option<String>,
}

/// A stored order: the rendered document plus the REST input it was computed from (absent for orders
/// stored as given).
#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub doc: OrderDoc,
    pub input: Option<OrderInput>,
}

/// Everything the sandbox knows.
#[derive(Debug)]
pub struct State {
    pub settings: ShopSettings,
    pub base_url: String,
    next_post_id: u64,
    next_item_id: u64,
    next_meta_id: u64,
    next_comment_id: u64,
    next_webhook_id: u64,
    next_key_id: u64,
    pub delivery_seq: u64,
    pub products: BTreeMap<u64, Value>,
    pub variations: BTreeMap<u64, Value>,
    pub taxes: Vec<Value>,
    pub tax_classes: Vec<Value>,
    pub gateways: Vec<Value>,
    pub coupons: Vec<Value>,
    pub orders: BTreeMap<u64, OrderRecord>,
    /// Refunds by refund id (each names its order).
    pub refunds: BTreeMap<u64, RefundRecord>,
    pub notes: BTreeMap<u64, Vec<Value>>,
    pub webhooks: BTreeMap<u64, Webhook>,
    pub keys: Vec<ApiKey>,
    pub deliveries: Vec<Delivery>,
    /// Queued, not yet started deliveries: `(webhook id, order id)`.
    pub queued: std::collections::BTreeSet<(u64, u64)>,
    pub auth_callbacks: Vec<AuthCallback>,
    /// Every request the shop received outside `/__sandbox/`: `"METHOD /path"`.
    pub requests: Vec<String>,
    pub faults: Faults,
}

impl State {
    pub fn new(cfg: &WooSandboxConfig, base_url: String) -> Self {
        Self {
            settings: ShopSettings::from_config(cfg),
            base_url,
            next_post_id: 1000,
            next_item_id: 1,
            next_meta_id: 1,
            next_comment_id: 1,
            next_webhook_id: 1,
            next_key_id: 1,
            delivery_seq: 0,
            products: BTreeMap::new(),
            variations: BTreeMap::new(),
            taxes: Vec::new(),
            tax_classes: default_tax_classes(),
            gateways: Vec::new(),
            coupons: Vec::new(),
            orders: BTreeMap::new(),
            refunds: BTreeMap::new(),
            notes: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            keys: Vec::new(),
            deliveries: Vec::new(),
            queued: std::collections::BTreeSet::new(),
            auth_callbacks: Vec::new(),
            requests: Vec::new(),
            faults: cfg.faults.clone(),
        }
    }

    /// Next id for a post-like object (product, variation, order); never reuses a seeded id.
    pub fn next_post_id(&mut self) -> u64 {
        let used = [
            self.products.keys().next_back(),
            self.variations.keys().next_back(),
            self.orders.keys().next_back(),
            self.refunds.keys().next_back(),
        ]
        .into_iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0);
        self.next_post_id = self.next_post_id.max(used + 1);
        let id = self.next_post_id;
        self.next_post_id += 1;
        id
    }
    pub fn next_item_id(&mut self) -> u64 {
        let id = self.next_item_id;
        self.next_item_id += 1;
        id
    }
    pub fn next_meta_id(&mut self) -> u64 {
        let id = self.next_meta_id;
        self.next_meta_id += 1;
        id
    }
    pub fn next_comment_id(&mut self) -> u64 {
        let id = self.next_comment_id;
        self.next_comment_id += 1;
        id
    }
    pub fn next_webhook_id(&mut self) -> u64 {
        let id = self.next_webhook_id;
        self.next_webhook_id += 1;
        id
    }

    /// Creates an API key with random `ck_`/`cs_` values (40 hex-like characters, as WooCommerce).
    pub fn create_key(&mut self, description: &str, permissions: KeyPermissions) -> ApiKey {
        let key = ApiKey {
            key_id: self.next_key_id,
            description: description.to_string(),
            consumer_key: format!("ck_{}", random_hex(40)),
            consumer_secret: format!("cs_{}", random_hex(40)),
            permissions,
        };
        self.next_key_id += 1;
        self.keys.push(key.clone());
        key
    }

    /// A product or a variation by id.
    pub fn any_product(&self, id: u64) -> Option<&Value> {
        self.products.get(&id).or_else(|| self.variations.get(&id))
    }

    /// Adds `delta` to a product's or variation's `stock_quantity` (and sets
    /// its `stock_status`); returns `(sku, old, new)`, `None` when there is
    /// no such item.
    pub fn add_stock(&mut self, id: u64, delta: i64) -> Option<(String, i64, i64)> {
        let item = if self.products.contains_key(&id) {
            self.products.get_mut(&id)
        } else {
            self.variations.get_mut(&id)
        };
        let obj = item.and_then(Value::as_object_mut)?;
        let old = obj
            .get("stock_quantity")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let new = old + delta;
        obj.insert("stock_quantity".into(), Value::from(new));
        obj.insert(
            "stock_status".into(),
            Value::from(if new > 0 { "instock" } else { "outofstock" }),
        );
        let sku = obj.get("sku").and_then(Value::as_str).unwrap_or_default();
        Some((sku.to_string(), old, new))
    }
}

/// The core tax classes of a fresh shop.
fn default_tax_classes() -> Vec<Value> {
    [
        ("standard", "Standard rate"),
        ("reduced-rate", "Reduced rate"),
        ("zero-rate", "Zero rate"),
    ]
    .iter()
    .map(|(slug, name)| serde_json::json!({"slug": slug, "name": name}))
    .collect()
}

/// Lower-case hexadecimal random string.
pub fn random_hex(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..len)
        .map(|_| {
            let n: u8 = rng.random_range(0..16);
            char::from_digit(u32::from(n), 16).unwrap_or('0')
        })
        .collect()
}

/// Alphanumeric random string (order keys, webhook secrets).
pub fn random_alnum(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

/// Current time in WooCommerce's REST format (`YYYY-MM-DDTHH:MM:SS`, site timezone = UTC).
pub fn now_wc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string()
}
