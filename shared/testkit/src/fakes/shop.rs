//! [`FakeShop`]: one WooCommerce shop in memory, behind the [`Shop`] port.
//! It checks what the client checks before sending (`InvalidInput`) and
//! answers what WooCommerce answers (`404` as [`WooError::NotFound`], a
//! `400` as [`WooError::Api`], per-item errors inside a batch answer):
//!
//! - orders as the shop renders them (JSON, read with the channel's own
//!   order model), listed by id with the date and status filters;
//! - refunds per order as the shop renders them (seeding one also adds its
//!   `{id, reason, total}` summary to the order's `refunds[]`, newest
//!   first); a refund asked for under another order is not found;
//! - private and customer notes per order (an order must exist);
//! - webhooks (topic and delivery URL checked, created `active`);
//! - products and variations; batch updates apply stock only to objects
//!   managing their own stock, recompute the stock status, follow a
//!   parent-managed variation's stock from its parent, and answer an
//!   unknown id per item; `_fields` narrows what is returned;
//! - the store settings (tax options, currency, price decimals).
//!
//! This file is the port and the test-facing handle (seeding, inspection,
//! fault hooks); the shop's rules are in `shop/store.rs`.

mod store;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use channel::secrets::Secret;
use channel::woocommerce::catalog::{
    BatchItemResult, OrderNote, Product, ProductUpdate, StoreSettings, Variation, VariationUpdate,
    Webhook, WebhookChange, WebhookStatus,
};
use channel::woocommerce::order::{order_from_value, Order};
use channel::woocommerce::refund::{refund_from_value, Refund};
use channel::woocommerce::{OrderQuery, WooError};
use channel::Shop;
use serde_json::Value;

use store::{
    matches_query, narrow, narrow_product, not_found, now, refund_of_other_order, refund_owner,
    refused, valid_topic, variation_as_product, Store,
};

use super::{lock, woo_pages, Call, Fault, Recorder, Wire};

/// WooCommerce's page and batch size, and the most SKUs of one lookup.
const MAX_SKUS: usize = 100;

/// An in-memory WooCommerce shop (see the module doc).
#[derive(Default)]
pub struct FakeShop {
    store: Mutex<Store>,
    recorder: Recorder<WooError>,
}

impl std::fmt::Debug for FakeShop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeShop").finish_non_exhaustive()
    }
}

impl FakeShop {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    // ---- faults -------------------------------------------------------------

    /// Every later call goes through `hook` first.
    pub fn set_hook(
        &self,
        hook: impl Fn(&Call) -> Option<Fault<WooError>> + Send + Sync + 'static,
    ) {
        self.recorder.set_hook(Some(Arc::new(hook)));
    }

    pub fn clear_hook(&self) {
        self.recorder.set_hook(None);
    }

    // ---- seeding ----------------------------------------------------------------

    /// Stores (or replaces) an order as the shop renders it; returns its id.
    pub fn store_order(&self, order: Value) -> u64 {
        let id = order.get("id").and_then(Value::as_u64).unwrap_or_default();
        self.with(|s| s.orders.insert(id, order));
        id
    }

    /// Adds a refund (JSON as `GET /orders/{id}/refunds/{rid}` renders it:
    /// positive `amount`, negative line copies) to a stored order, and its
    /// summary `{id, reason, total: -amount}` in front of the order's
    /// `refunds[]`, as WooCommerce lists them. A refund with the same id is
    /// replaced. False when there is no such order.
    pub fn store_refund(&self, order_id: u64, refund: Value) -> bool {
        self.with(|s| {
            let Some(order) = s.orders.get_mut(&order_id) else {
                return false;
            };
            let id = refund.get("id").and_then(Value::as_u64).unwrap_or_default();
            let amount = refund
                .get("amount")
                .and_then(Value::as_str)
                .unwrap_or("0.00");
            let total = match amount.strip_prefix('-') {
                Some(positive) => positive.to_owned(),
                None => format!("-{amount}"),
            };
            let summary = serde_json::json!({
                "id": id,
                "reason": refund.get("reason").cloned().unwrap_or(Value::from("")),
                "total": total,
            });
            if let Some(obj) = order.as_object_mut() {
                let list = obj
                    .entry("refunds")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = list.as_array_mut() {
                    list.retain(|r| r.get("id").and_then(Value::as_u64) != Some(id));
                    list.insert(0, summary);
                }
            }
            let list = s.refunds.entry(order_id).or_default();
            list.retain(|r| r.get("id").and_then(Value::as_u64) != Some(id));
            list.push(refund);
            true
        })
    }

    /// Removes a refund as `DELETE /orders/{id}/refunds/{rid}?force=true`
    /// does: the refund is gone, the order's `refunds[]` loses its entry and
    /// the order's status stays what it was. False when there was none.
    pub fn delete_refund(&self, order_id: u64, refund_id: u64) -> bool {
        self.with(|s| {
            let same = |r: &Value| r.get("id").and_then(Value::as_u64) == Some(refund_id);
            let Some(list) = s.refunds.get_mut(&order_id) else {
                return false;
            };
            let before = list.len();
            list.retain(|r| !same(r));
            if list.len() == before {
                return false;
            }
            if let Some(refunds) = s
                .orders
                .get_mut(&order_id)
                .and_then(|o| o.get_mut("refunds"))
                .and_then(Value::as_array_mut)
            {
                refunds.retain(|r| !same(r));
            }
            true
        })
    }

    /// Adds or replaces products (REST JSON with `id`).
    pub fn seed_products(&self, products: Vec<Value>) {
        self.with(|s| {
            for p in products {
                if let Ok(p) = serde_json::from_value::<Product>(p) {
                    s.products.insert(p.id, p);
                }
            }
        });
    }

    /// Adds or replaces variations (REST JSON with `id` and `parent_id`).
    pub fn seed_variations(&self, variations: Vec<Value>) {
        self.with(|s| {
            for v in variations {
                if let Ok(v) = serde_json::from_value::<Variation>(v) {
                    s.variations.insert(v.id, v);
                }
            }
        });
    }

    /// The shop's tax options.
    pub fn set_tax_options(&self, prices_include_tax: bool, tax_round_at_subtotal: bool) {
        self.with(|s| {
            s.settings.prices_include_tax = prices_include_tax;
            s.settings.tax_round_at_subtotal = tax_round_at_subtotal;
        });
    }

    /// Sets a webhook's status as the shop would (e.g. `disabled` after
    /// failed deliveries). False when there is no such webhook.
    pub fn set_webhook_status(&self, id: u64, status: &str) -> bool {
        self.with(|s| match s.webhooks.get_mut(&id) {
            Some(w) => {
                w.status = status.to_owned();
                true
            }
            None => false,
        })
    }

    // ---- inspection ---------------------------------------------------------------

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.recorder.calls()
    }

    /// The calls of one method.
    pub fn calls_named(&self, name: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.name == name)
            .collect()
    }

    /// The texts of an order's notes, oldest first.
    pub fn notes(&self, order_id: u64) -> Vec<String> {
        self.with(|s| {
            s.notes
                .get(&order_id)
                .map(|n| n.iter().map(|n| n.note.clone()).collect())
                .unwrap_or_default()
        })
    }

    pub fn webhooks(&self) -> Vec<Webhook> {
        self.with(|s| s.webhooks.values().cloned().collect())
    }

    pub fn product(&self, id: u64) -> Option<Product> {
        self.with(|s| s.products.get(&id).cloned())
    }

    pub fn variation(&self, id: u64) -> Option<Variation> {
        self.with(|s| s.variations.get(&id).cloned())
    }

    fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut lock(&self.store))
    }

    /// One port call: recorded, offered to the hook, then run on the store
    /// (`kind`: the endpoint a failure counts as one request of).
    fn call<T>(
        &self,
        name: &'static str,
        kind: &str,
        key: impl ToString,
        effect: impl FnOnce(&mut Store) -> Result<T, WooError>,
    ) -> Result<T, WooError> {
        self.recorder.run(&self.store, name, kind, key, effect)
    }
}

// ---- the port -------------------------------------------------------------------

#[async_trait]
impl Shop for FakeShop {
    async fn get_order(&self, id: u64) -> Result<Order, WooError> {
        self.call("get_order", "orders", id, |s| {
            let order = s
                .orders
                .get(&id)
                .cloned()
                .ok_or_else(|| not_found("woocommerce_rest_shop_order_invalid_id"))?;
            s.sent("orders", 1);
            order_from_value(order)
        })
    }

    async fn list_orders(&self, query: &OrderQuery) -> Result<Vec<Order>, WooError> {
        self.call("list_orders", "orders", "", |s| {
            let mut out = Vec::new();
            for value in s.orders.values() {
                let order = order_from_value(value.clone())?;
                if matches_query(&order, query) {
                    out.push(order_from_value(narrow(value, &query.fields))?);
                }
            }
            s.sent("orders", woo_pages(out.len()));
            Ok(out)
        })
    }

    async fn list_order_notes(&self, order_id: u64) -> Result<Vec<OrderNote>, WooError> {
        self.call("list_order_notes", "order_notes", order_id, |s| {
            if !s.orders.contains_key(&order_id) {
                return Err(not_found("woocommerce_rest_order_invalid_id"));
            }
            s.sent("order_notes", 1);
            Ok(s.notes.get(&order_id).cloned().unwrap_or_default())
        })
    }

    async fn create_order_note(
        &self,
        order_id: u64,
        note: &str,
        customer_note: bool,
    ) -> Result<u64, WooError> {
        self.call("create_order_note", "order_notes", order_id, |s| {
            if note.is_empty() {
                return Err(refused(
                    "rest_missing_callback_param",
                    "Missing parameter(s): note",
                ));
            }
            if !s.orders.contains_key(&order_id) {
                return Err(not_found("woocommerce_rest_order_invalid_id"));
            }
            let id = s.fresh_id();
            s.notes.entry(order_id).or_default().push(OrderNote {
                id,
                author: "WooCommerce".into(),
                date_created_gmt: Some(now()),
                note: note.to_owned(),
                customer_note,
            });
            s.sent("order_notes", 1);
            Ok(id)
        })
    }

    async fn list_refunds(&self, order_id: u64) -> Result<Vec<Refund>, WooError> {
        self.call("list_refunds", "order_refunds", order_id, |s| {
            if !s.orders.contains_key(&order_id) {
                return Err(not_found("woocommerce_rest_invalid_order_id"));
            }
            let list = s.refunds.get(&order_id).cloned().unwrap_or_default();
            s.sent("order_refunds", woo_pages(list.len()));
            list.into_iter().map(refund_from_value).collect()
        })
    }

    async fn get_refund(&self, order_id: u64, refund_id: u64) -> Result<Refund, WooError> {
        let key = format!("{order_id}/{refund_id}");
        self.call("get_refund", "order_refunds", key, |s| {
            if !s.orders.contains_key(&order_id) {
                return Err(not_found("woocommerce_rest_invalid_order_id"));
            }
            s.sent("order_refunds", 1);
            match refund_owner(&s.refunds, refund_id) {
                Some(owner) if owner == order_id => s
                    .refunds
                    .get(&order_id)
                    .and_then(|list| {
                        list.iter()
                            .find(|r| r.get("id").and_then(Value::as_u64) == Some(refund_id))
                    })
                    .cloned()
                    .map(refund_from_value)
                    .unwrap_or_else(|| {
                        Err(not_found("woocommerce_rest_shop_order_refund_invalid_id"))
                    }),
                Some(_) => Err(refund_of_other_order()),
                None => Err(not_found("woocommerce_rest_shop_order_refund_invalid_id")),
            }
        })
    }

    async fn list_webhooks(&self) -> Result<Vec<Webhook>, WooError> {
        self.call("list_webhooks", "webhooks", "", |s| {
            let all: Vec<Webhook> = s.webhooks.values().cloned().collect();
            s.sent("webhooks", woo_pages(all.len()));
            Ok(all)
        })
    }

    async fn create_webhook(
        &self,
        name: &str,
        topic: &str,
        delivery_url: &str,
        _secret: &Secret,
    ) -> Result<Webhook, WooError> {
        self.call("create_webhook", "webhooks", topic, |s| {
            if !valid_topic(topic) {
                return Err(refused(
                    "woocommerce_rest_shop_webhook_invalid_topic",
                    "Webhook topic is required and must be valid.",
                ));
            }
            if !(delivery_url.starts_with("http://") || delivery_url.starts_with("https://")) {
                return Err(refused(
                    "woocommerce_rest_shop_webhook_invalid_delivery_url",
                    "Webhook delivery URL must be a valid URL starting with http:// or https://.",
                ));
            }
            let id = s.fresh_id();
            let (resource, event) = topic.split_once('.').unwrap_or((topic, ""));
            let hook = Webhook {
                id,
                name: name.to_owned(),
                status: WebhookStatus::Active.as_str().into(),
                topic: topic.to_owned(),
                resource: resource.to_owned(),
                event: event.to_owned(),
                hooks: Vec::new(),
                delivery_url: delivery_url.to_owned(),
                date_created_gmt: Some(now()),
                date_modified_gmt: None,
            };
            s.webhooks.insert(id, hook.clone());
            s.sent("webhooks", 1);
            Ok(hook)
        })
    }

    async fn update_webhook(
        &self,
        id: u64,
        change: WebhookChange<'_>,
    ) -> Result<Webhook, WooError> {
        self.call("update_webhook", "webhooks", id, |s| {
            let hook = s
                .webhooks
                .get_mut(&id)
                .ok_or_else(|| not_found("woocommerce_rest_webhook_invalid_id"))?;
            if let Some(status) = change.status {
                hook.status = status.as_str().into();
            }
            hook.date_modified_gmt = Some(now());
            let hook = hook.clone();
            s.sent("webhooks", 1);
            Ok(hook)
        })
    }

    async fn store_settings(&self) -> Result<StoreSettings, WooError> {
        self.call("store_settings", "settings", "", |s| {
            // Two groups: `general` and `tax`.
            s.sent("settings", 2);
            Ok(s.settings.clone())
        })
    }

    async fn list_products(&self, fields: &[&str]) -> Result<Vec<Product>, WooError> {
        self.call("list_products", "products", "", |s| {
            let all: Vec<Product> = s
                .products
                .values()
                .map(|p| narrow_product(p.clone(), fields))
                .collect();
            s.sent("products", woo_pages(all.len()));
            Ok(all)
        })
    }

    async fn products_by_sku(
        &self,
        skus: &[&str],
        fields: &[&str],
    ) -> Result<Vec<Product>, WooError> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        if skus.len() > MAX_SKUS {
            return Err(WooError::InvalidInput(format!(
                "{} SKUs in one lookup (at most {MAX_SKUS})",
                skus.len()
            )));
        }
        if skus.iter().any(|s| s.trim().is_empty()) {
            return Err(WooError::InvalidInput("empty SKU in a lookup".into()));
        }
        if skus.len() > 1 && skus.iter().any(|s| s.contains(',')) {
            return Err(WooError::InvalidInput(
                "a SKU containing a comma must be looked up alone".into(),
            ));
        }
        self.call("products_by_sku", "products", skus.join(","), |s| {
            // WooCommerce splits the parameter on commas and also matches it whole.
            let joined = skus.join(",");
            let mut wanted: Vec<&str> = joined.split(',').map(str::trim).collect();
            wanted.push(joined.as_str());
            let hit = |sku: &Option<String>| {
                sku.as_deref()
                    .is_some_and(|x| !x.is_empty() && wanted.contains(&x))
            };
            let mut found: Vec<Product> = s
                .products
                .values()
                .filter(|p| hit(&p.sku))
                .cloned()
                .chain(
                    s.variations
                        .values()
                        .filter(|v| hit(&v.sku))
                        .map(variation_as_product),
                )
                .collect();
            found.sort_by_key(|p| p.id);
            s.sent("products", woo_pages(found.len()));
            Ok(found
                .into_iter()
                .map(|p| narrow_product(p, fields))
                .collect())
        })
    }

    async fn list_variations(&self, parent_id: u64) -> Result<Vec<Variation>, WooError> {
        self.call("list_variations", "variations", parent_id, |s| {
            if !s.products.contains_key(&parent_id) {
                return Err(not_found("woocommerce_rest_product_invalid_id"));
            }
            let listed: Vec<Variation> = s
                .variations
                .values()
                .filter(|v| v.parent_id == parent_id)
                .cloned()
                .collect();
            s.sent("variations", woo_pages(listed.len()));
            Ok(listed)
        })
    }

    async fn batch_update_products(
        &self,
        updates: Vec<ProductUpdate>,
    ) -> Result<Vec<BatchItemResult<Product>>, WooError> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        let key = ids(&updates);
        self.call("batch_update_products", "products", key, |s| {
            // One request per 100 updates.
            s.sent("products", (updates.len() as u64).div_ceil(100));
            Ok(updates.iter().map(|u| s.update_product(u)).collect())
        })
    }

    async fn batch_update_variations(
        &self,
        parent_id: u64,
        updates: Vec<VariationUpdate>,
    ) -> Result<Vec<BatchItemResult<Variation>>, WooError> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        self.call("batch_update_variations", "variations", parent_id, |s| {
            if !s.products.contains_key(&parent_id) {
                return Err(not_found("woocommerce_rest_product_invalid_id"));
            }
            s.sent("variations", (updates.len() as u64).div_ceil(100));
            Ok(updates
                .iter()
                .map(|u| s.update_variation(parent_id, u))
                .collect())
        })
    }

    /// The requests the WooCommerce client would have sent, by endpoint kind.
    fn request_counts(&self) -> BTreeMap<String, u64> {
        self.with(|s| s.requests.clone())
    }
}

fn ids(updates: &[ProductUpdate]) -> String {
    updates
        .iter()
        .map(|u| u.id.to_string())
        .collect::<Vec<_>>()
        .join(",")
}
