//! The shop port: what the channel asks of a WooCommerce shop, and nothing
//! more — the calls the order pipeline (order notes), the reconciler
//! (orders changed since, webhooks) and the stock sync (catalogue reads,
//! batched writes) make today, plus reading one order.
//!
//! Refunds are read per order (`list_refunds`, `get_refund`): WooCommerce
//! has no refund webhook, the parent's `order.updated` names them.
//!
//! - Adapter: [`crate::woocommerce::WooClient`] (REST v3 over HTTP), by
//!   delegation in `woocommerce/adapter.rs`.
//! - Fake: `FakeShop` in the test kit (`tests/support/fakes/shop.rs`), which
//!   keeps orders, notes, webhooks, products and variations and records
//!   every call.
//!
//! Both are held by one contract suite (`tests/shop_contract.rs`): the fake
//! against the suite, the adapter against the WooCommerce sandbox. Errors
//! stay [`WooError`]: callers decide from them whether to retry.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::secrets::Secret;
use crate::woocommerce::catalog::{
    BatchItemResult, OrderNote, Product, ProductUpdate, StoreSettings, Variation, VariationUpdate,
    Webhook, WebhookChange,
};
use crate::woocommerce::order::Order;
use crate::woocommerce::refund::Refund;
use crate::woocommerce::{OrderQuery, WooError};

/// One shop, as the channel uses it.
#[async_trait]
pub trait Shop: Send + Sync {
    // ---- orders ------------------------------------------------------------

    /// One order.
    async fn get_order(&self, id: u64) -> Result<Order, WooError>;

    /// Every order matching the query (dates, statuses), by id ascending.
    async fn list_orders(&self, query: &OrderQuery) -> Result<Vec<Order>, WooError>;

    /// The notes of an order.
    async fn list_order_notes(&self, order_id: u64) -> Result<Vec<OrderNote>, WooError>;

    /// Adds a note to an order; returns its id. Not idempotent.
    async fn create_order_note(
        &self,
        order_id: u64,
        note: &str,
        customer_note: bool,
    ) -> Result<u64, WooError>;

    /// Every refund of an order, with its line detail (the order carries
    /// only `refunds[]` summaries), by id as the shop lists them.
    async fn list_refunds(&self, order_id: u64) -> Result<Vec<Refund>, WooError>;

    /// One refund of an order; a refund id of another order is
    /// [`WooError::NotFound`].
    async fn get_refund(&self, order_id: u64, refund_id: u64) -> Result<Refund, WooError>;

    // ---- webhooks ------------------------------------------------------------

    /// Every webhook, whatever its status.
    async fn list_webhooks(&self) -> Result<Vec<Webhook>, WooError>;

    /// Creates a webhook signed with our secret.
    async fn create_webhook(
        &self,
        name: &str,
        topic: &str,
        delivery_url: &str,
        secret: &Secret,
    ) -> Result<Webhook, WooError>;

    /// Changes a webhook's status (re-enables a disabled one) and/or secret.
    async fn update_webhook(&self, id: u64, change: WebhookChange<'_>)
        -> Result<Webhook, WooError>;

    // ---- catalogue -------------------------------------------------------------

    /// The shop's tax and price options.
    async fn store_settings(&self) -> Result<StoreSettings, WooError>;

    /// Every product (variations are not listed); `fields` narrows the reply.
    async fn list_products(&self, fields: &[&str]) -> Result<Vec<Product>, WooError>;

    /// Products and variations whose SKU is one of `skus` (at most 100).
    async fn products_by_sku(
        &self,
        skus: &[&str],
        fields: &[&str],
    ) -> Result<Vec<Product>, WooError>;

    /// The variations of a variable product.
    async fn list_variations(&self, parent_id: u64) -> Result<Vec<Variation>, WooError>;

    /// Updates products in batches; the outcome of each item, in order.
    async fn batch_update_products(
        &self,
        updates: Vec<ProductUpdate>,
    ) -> Result<Vec<BatchItemResult<Product>>, WooError>;

    /// Updates variations of one parent in batches; the outcome of each item.
    async fn batch_update_variations(
        &self,
        parent_id: u64,
        updates: Vec<VariationUpdate>,
    ) -> Result<Vec<BatchItemResult<Variation>>, WooError>;

    // ---- bookkeeping -------------------------------------------------------------

    /// Requests sent so far, by kind of endpoint (the sync reports what a run cost).
    fn request_counts(&self) -> BTreeMap<String, u64>;
}
