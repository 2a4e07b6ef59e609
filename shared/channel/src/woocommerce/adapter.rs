//! [`WooClient`] as the [`Shop`] port: every method delegates to the
//! client's own call of the same name (the client keeps its inherent API
//! for the code and tests that use it directly).

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::catalog::{
    BatchItemResult, OrderNote, Product, ProductUpdate, StoreSettings, Variation, VariationUpdate,
    Webhook, WebhookChange,
};
use super::order::Order;
use super::refund::Refund;
use super::{OrderQuery, WooClient, WooError};
use crate::secrets::Secret;
use crate::shop::Shop;

#[async_trait]
impl Shop for WooClient {
    async fn get_order(&self, id: u64) -> Result<Order, WooError> {
        WooClient::get_order(self, id).await
    }

    async fn list_orders(&self, query: &OrderQuery) -> Result<Vec<Order>, WooError> {
        WooClient::list_orders(self, query).await
    }

    async fn list_order_notes(&self, order_id: u64) -> Result<Vec<OrderNote>, WooError> {
        WooClient::list_order_notes(self, order_id).await
    }

    async fn create_order_note(
        &self,
        order_id: u64,
        note: &str,
        customer_note: bool,
    ) -> Result<u64, WooError> {
        WooClient::create_order_note(self, order_id, note, customer_note).await
    }

    async fn list_refunds(&self, order_id: u64) -> Result<Vec<Refund>, WooError> {
        WooClient::list_refunds(self, order_id).await
    }

    async fn get_refund(&self, order_id: u64, refund_id: u64) -> Result<Refund, WooError> {
        WooClient::get_refund(self, order_id, refund_id).await
    }

    async fn list_webhooks(&self) -> Result<Vec<Webhook>, WooError> {
        WooClient::list_webhooks(self).await
    }

    async fn create_webhook(
        &self,
        name: &str,
        topic: &str,
        delivery_url: &str,
        secret: &Secret,
    ) -> Result<Webhook, WooError> {
        WooClient::create_webhook(self, name, topic, delivery_url, secret).await
    }

    async fn update_webhook(
        &self,
        id: u64,
        change: WebhookChange<'_>,
    ) -> Result<Webhook, WooError> {
        WooClient::update_webhook(self, id, change).await
    }

    async fn store_settings(&self) -> Result<StoreSettings, WooError> {
        WooClient::store_settings(self).await
    }

    async fn list_products(&self, fields: &[&str]) -> Result<Vec<Product>, WooError> {
        WooClient::list_products(self, fields).await
    }

    async fn products_by_sku(
        &self,
        skus: &[&str],
        fields: &[&str],
    ) -> Result<Vec<Product>, WooError> {
        WooClient::products_by_sku(self, skus, fields).await
    }

    async fn list_variations(&self, parent_id: u64) -> Result<Vec<Variation>, WooError> {
        WooClient::list_variations(self, parent_id).await
    }

    async fn batch_update_products(
        &self,
        updates: Vec<ProductUpdate>,
    ) -> Result<Vec<BatchItemResult<Product>>, WooError> {
        WooClient::batch_update_products(self, updates).await
    }

    async fn batch_update_variations(
        &self,
        parent_id: u64,
        updates: Vec<VariationUpdate>,
    ) -> Result<Vec<BatchItemResult<Variation>>, WooError> {
        WooClient::batch_update_variations(self, parent_id, updates).await
    }

    /// HTTP requests per kind of endpoint (`products`, `variations`,
    /// `settings`, `order_notes`, ...), the kinds never called left out.
    fn request_counts(&self) -> BTreeMap<String, u64> {
        self.calls()
            .by_route()
            .into_iter()
            .map(|(route, c)| (route.to_string(), c.requests))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}
