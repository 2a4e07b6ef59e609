//! The WooCommerce REST API v3 client.
//!
//! - Auth: HTTP Basic (consumer key / secret) by default; with
//!   [`WooOptions::query_string_auth`] the credentials go in the query string
//!   instead (for servers that strip `Authorization`). Both need HTTPS on a
//!   real shop: WooCommerce ignores them over plain HTTP.
//! - Paging: `page` + `per_page` (≤ 100), until `X-WP-TotalPages` is reached,
//!   or, without that header, until a short or empty page.
//! - Batches: split into requests of at most 100 items; per-item errors that
//!   WooCommerce reports inside its 200 answer are returned per item.
//! - Errors: the `{code, message, data.status}` body becomes a typed
//!   [`WooError`]; 429 carries `Retry-After`. Every request has a timeout.
//! - Secrets: credentials never appear in errors or logs; transport error
//!   texts are built without the URL (which may carry the query-string
//!   credentials), and they and error bodies are scrubbed of the secret
//!   values ([`crate::http::Scrubber`]).
//!
//! The client is cheap to clone; clones share the HTTP client and the call
//! counters ([`WooClient::calls`]).

mod http;
mod query;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use url::Url;

use super::catalog::{
    BatchItemResult, OrderNote, PaymentGateway, Product, ProductUpdate, Setting, StoreSettings,
    SystemStatus, TaxClass, TaxRate, Variation, VariationUpdate, Webhook, WebhookChange,
};
use super::error::WooError;
use super::order::{order_from_value, parse_order, Order};
use super::refund::{refund_from_value, refund_lookup_error, Refund};
use crate::http::{CallCounters, CallStats, Scrubber};
use crate::secrets::Secret;
pub use http::Endpoint;
use http::{api_root, decode, header_u64};
use query::fields_param;
pub use query::{OrderPage, OrderQuery};

/// WooCommerce's limits: 100 items per page and per batch request.
pub const MAX_PER_PAGE: u32 = 100;
pub const MAX_BATCH_ITEMS: usize = 100;

/// The REST namespace appended to a shop URL.
const API_PATH: &str = "wp-json/wc/v3/";

/// A shop's REST API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WooCredentials {
    pub consumer_key: Secret,
    pub consumer_secret: Secret,
}

/// Client settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WooOptions {
    /// Per request, connect to last body byte.
    pub timeout: Duration,
    /// Send the credentials as `consumer_key`/`consumer_secret` query
    /// parameters instead of Basic auth.
    pub query_string_auth: bool,
    /// Page size for list calls, clamped to 1..=100.
    pub per_page: u32,
    /// Items per batch request, clamped to 1..=100.
    pub batch_size: usize,
    /// Safety stop for paging.
    pub max_pages: u32,
}

impl Default for WooOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            query_string_auth: false,
            per_page: MAX_PER_PAGE,
            batch_size: MAX_BATCH_ITEMS,
            max_pages: 1000,
        }
    }
}

/// A WooCommerce REST v3 client for one shop.
#[derive(Clone)]
pub struct WooClient {
    inner: Arc<Inner>,
}

struct Inner {
    api_root: Url,
    creds: WooCredentials,
    http: reqwest::Client,
    opts: WooOptions,
    counters: CallCounters,
    scrubber: Scrubber,
}

impl fmt::Debug for WooClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WooClient")
            .field("api_root", &self.inner.api_root.as_str())
            .field("opts", &self.inner.opts)
            .finish_non_exhaustive()
    }
}

impl WooClient {
    /// `base_url` is the shop's home URL (`https://shop.example.com/`), or
    /// already its REST root (`.../wp-json/wc/v3`). Plain-permalink shops
    /// (`?rest_route=`) are not supported.
    pub fn new(
        base_url: &str,
        creds: WooCredentials,
        http: reqwest::Client,
        opts: WooOptions,
    ) -> Result<Self, WooError> {
        Ok(Self {
            inner: Arc::new(Inner {
                api_root: api_root(base_url)?,
                scrubber: Scrubber::new([&creds.consumer_key, &creds.consumer_secret]),
                creds,
                http,
                opts,
                counters: CallCounters::default(),
            }),
        })
    }

    /// The REST root every path is joined to (ends with `/wc/v3/`).
    pub fn api_root(&self) -> &Url {
        &self.inner.api_root
    }

    /// Requests sent so far by this client and its clones, per method and
    /// [`Endpoint::route`].
    pub fn calls(&self) -> CallStats {
        self.inner.counters.snapshot()
    }

    // ---- orders ---------------------------------------------------------

    /// `GET /orders/{id}`.
    pub async fn get_order(&self, id: u64) -> Result<Order, WooError> {
        let reply = self
            .send(
                Endpoint::Orders,
                Method::GET,
                &format!("orders/{id}"),
                &[],
                None,
            )
            .await?;
        parse_order(&reply.body)
    }

    /// `GET /orders` with the query's filters, all pages, ordered by id
    /// ascending (stable while orders are being modified).
    pub async fn list_orders(&self, query: &OrderQuery) -> Result<Vec<Order>, WooError> {
        let q = query.params();
        let values: Vec<Value> = self.get_all(Endpoint::Orders, "orders", &q).await?;
        values.into_iter().map(order_from_value).collect()
    }

    /// One page (1-based) of [`WooClient::list_orders`], for callers that
    /// process orders as they arrive instead of collecting all of them.
    pub async fn list_orders_page(
        &self,
        query: &OrderQuery,
        page: u32,
    ) -> Result<OrderPage, WooError> {
        let per_page = self.inner.opts.per_page.clamp(1, MAX_PER_PAGE);
        let mut q = query.params();
        q.push(("page", page.max(1).to_string()));
        q.push(("per_page", per_page.to_string()));
        let reply = self
            .send(Endpoint::Orders, Method::GET, "orders", &q, None)
            .await?;
        let values: Vec<Value> = decode("orders", &reply.body)?;
        let total_pages = header_u64(&reply.headers, "x-wp-totalpages");
        let is_last = values.is_empty()
            || match total_pages {
                Some(total) => u64::from(page.max(1)) >= total,
                None => values.len() < per_page as usize,
            };
        let orders = values
            .into_iter()
            .map(order_from_value)
            .collect::<Result<_, _>>()?;
        Ok(OrderPage {
            orders,
            total_pages,
            is_last,
        })
    }

    /// `POST /orders/{id}/notes`; returns the note id. `customer_note: true`
    /// e-mails the customer. Not idempotent: a repeat creates a second note.
    pub async fn create_order_note(
        &self,
        order_id: u64,
        note: &str,
        customer_note: bool,
    ) -> Result<u64, WooError> {
        let body = json!({ "note": note, "customer_note": customer_note });
        let path = format!("orders/{order_id}/notes");
        let created: OrderNote = self
            .send_json(Endpoint::OrderNotes, Method::POST, &path, &[], Some(&body))
            .await?;
        Ok(created.id)
    }

    /// `GET /orders/{id}/notes` (not paginated by WooCommerce).
    pub async fn list_order_notes(&self, order_id: u64) -> Result<Vec<OrderNote>, WooError> {
        let path = format!("orders/{order_id}/notes");
        self.send_json(Endpoint::OrderNotes, Method::GET, &path, &[], None)
            .await
    }

    // ---- refunds ----------------------------------------------------------

    /// `GET /orders/{id}/refunds`, all pages: every refund of the order with
    /// its line detail (the order itself carries only `refunds[]` summaries).
    pub async fn list_refunds(&self, order_id: u64) -> Result<Vec<Refund>, WooError> {
        let path = format!("orders/{order_id}/refunds");
        let values: Vec<Value> = self.get_all(Endpoint::OrderRefunds, &path, &[]).await?;
        values.into_iter().map(refund_from_value).collect()
    }

    /// `GET /orders/{id}/refunds/{rid}`. A refund id that belongs to another
    /// order (WooCommerce: HTTP 500 `woocommerce_rest_invalid_order_refund_id`)
    /// is [`WooError::NotFound`], like a refund that does not exist.
    pub async fn get_refund(&self, order_id: u64, refund_id: u64) -> Result<Refund, WooError> {
        let path = format!("orders/{order_id}/refunds/{refund_id}");
        let value: Value = self
            .send_json(Endpoint::OrderRefunds, Method::GET, &path, &[], None)
            .await
            .map_err(refund_lookup_error)?;
        refund_from_value(value)
    }

    // ---- products -------------------------------------------------------

    /// `GET /products`, all pages. `fields` (if any) becomes `_fields`
    /// (`id` is always included). Variations are not listed here.
    pub async fn list_products(&self, fields: &[&str]) -> Result<Vec<Product>, WooError> {
        let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        let q: Vec<(&str, String)> = fields_param(&fields)
            .map(|f| vec![("_fields", f)])
            .unwrap_or_default();
        self.get_all(Endpoint::Products, "products", &q).await
    }

    /// `GET /products?sku=A,B,...`, all pages: exact matches, variations
    /// included (`type: "variation"` with `parent_id`). `fields` (if any)
    /// becomes `_fields`. At most 100 SKUs; WooCommerce splits the list on
    /// commas, so a SKU containing one must be looked up alone; an empty SKU
    /// is refused (an empty `sku` would list the whole catalogue).
    pub async fn products_by_sku(
        &self,
        skus: &[&str],
        fields: &[&str],
    ) -> Result<Vec<Product>, WooError> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        if skus.len() > MAX_PER_PAGE as usize {
            return Err(WooError::InvalidInput(format!(
                "{} SKUs in one lookup (at most {MAX_PER_PAGE})",
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
        let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        let mut q = vec![("sku", skus.join(","))];
        if let Some(f) = fields_param(&fields) {
            q.push(("_fields", f));
        }
        self.get_all(Endpoint::Products, "products", &q).await
    }

    /// `GET /products/{parent}/variations`, all pages.
    pub async fn list_variations(&self, parent_id: u64) -> Result<Vec<Variation>, WooError> {
        let path = format!("products/{parent_id}/variations");
        let mut list: Vec<Variation> = self.get_all(Endpoint::Variations, &path, &[]).await?;
        for v in &mut list {
            if v.parent_id == 0 {
                v.parent_id = parent_id;
            }
        }
        Ok(list)
    }

    /// `PUT /products/{id}`: one product, one request (how per-item
    /// connectors write; the sync itself sends batches).
    pub async fn update_product(&self, update: &ProductUpdate) -> Result<Product, WooError> {
        let body =
            serde_json::to_value(update).map_err(|e| WooError::InvalidInput(e.to_string()))?;
        let path = format!("products/{}", update.id);
        self.send_json(Endpoint::Products, Method::PUT, &path, &[], Some(&body))
            .await
    }

    /// `PUT /products/{parent}/variations/{id}`: one variation, one request.
    pub async fn update_variation(
        &self,
        parent_id: u64,
        update: &VariationUpdate,
    ) -> Result<Variation, WooError> {
        let body =
            serde_json::to_value(update).map_err(|e| WooError::InvalidInput(e.to_string()))?;
        let path = format!("products/{parent_id}/variations/{}", update.id);
        self.send_json(Endpoint::Variations, Method::PUT, &path, &[], Some(&body))
            .await
    }

    /// `POST /products/batch` in requests of at most 100 updates. A failed
    /// request fails the call (earlier chunks stay applied; the updates are
    /// absolute values, so repeating them is safe).
    pub async fn batch_update_products(
        &self,
        updates: Vec<ProductUpdate>,
    ) -> Result<Vec<BatchItemResult<Product>>, WooError> {
        self.batch(Endpoint::Products, "products/batch", updates)
            .await
    }

    /// `POST /products/{parent}/variations/batch` in requests of at most 100.
    pub async fn batch_update_variations(
        &self,
        parent_id: u64,
        updates: Vec<VariationUpdate>,
    ) -> Result<Vec<BatchItemResult<Variation>>, WooError> {
        let path = format!("products/{parent_id}/variations/batch");
        self.batch(Endpoint::Variations, &path, updates).await
    }

    // ---- taxes, gateways, settings, status ------------------------------

    /// `GET /taxes`, all pages.
    pub async fn list_taxes(&self) -> Result<Vec<TaxRate>, WooError> {
        self.get_all(Endpoint::Taxes, "taxes", &[]).await
    }

    /// `GET /taxes/classes` (not paginated).
    pub async fn list_tax_classes(&self) -> Result<Vec<TaxClass>, WooError> {
        self.send_json(Endpoint::Taxes, Method::GET, "taxes/classes", &[], None)
            .await
    }

    /// `GET /payment_gateways` (not paginated).
    pub async fn list_payment_gateways(&self) -> Result<Vec<PaymentGateway>, WooError> {
        self.send_json(
            Endpoint::PaymentGateways,
            Method::GET,
            "payment_gateways",
            &[],
            None,
        )
        .await
    }

    /// `GET /settings/{group}` (`general`, `tax`, ...).
    pub async fn settings_group(&self, group: &str) -> Result<Vec<Setting>, WooError> {
        if group.is_empty()
            || !group
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(WooError::InvalidInput(format!("settings group {group:?}")));
        }
        let path = format!("settings/{group}");
        self.send_json(Endpoint::Settings, Method::GET, &path, &[], None)
            .await
    }

    /// Tax and currency options from `/settings/general` and `/settings/tax`.
    pub async fn store_settings(&self) -> Result<StoreSettings, WooError> {
        let general = self.settings_group("general").await?;
        let tax = self.settings_group("tax").await?;
        Ok(StoreSettings::from_groups(&general, &tax))
    }

    /// `GET /system_status?_fields=environment,settings,security` (needs a manager's key).
    pub async fn system_status(&self) -> Result<SystemStatus, WooError> {
        let q = [("_fields", "environment,settings,security".to_string())];
        self.send_json(
            Endpoint::SystemStatus,
            Method::GET,
            "system_status",
            &q,
            None,
        )
        .await
    }

    // ---- webhooks -------------------------------------------------------

    /// `POST /webhooks` with our own secret (WooCommerce never returns it).
    /// WooCommerce pings `delivery_url` synchronously before answering.
    pub async fn create_webhook(
        &self,
        name: &str,
        topic: &str,
        delivery_url: &str,
        secret: &Secret,
    ) -> Result<Webhook, WooError> {
        let body = json!({
            "name": name,
            "topic": topic,
            "delivery_url": delivery_url,
            "secret": secret.expose(),
        });
        self.send_json(
            Endpoint::Webhooks,
            Method::POST,
            "webhooks",
            &[],
            Some(&body),
        )
        .await
    }

    /// `GET /webhooks/{id}`.
    pub async fn get_webhook(&self, id: u64) -> Result<Webhook, WooError> {
        let path = format!("webhooks/{id}");
        self.send_json(Endpoint::Webhooks, Method::GET, &path, &[], None)
            .await
    }

    /// `GET /webhooks`, all pages, every status.
    pub async fn list_webhooks(&self) -> Result<Vec<Webhook>, WooError> {
        let q = [("status", "all".to_string())];
        self.get_all(Endpoint::Webhooks, "webhooks", &q).await
    }

    /// `PUT /webhooks/{id}` `{"status": ..., "secret": ...}`, either or both
    /// (re-activation does not reset WooCommerce's failure counter).
    pub async fn update_webhook(
        &self,
        id: u64,
        change: WebhookChange<'_>,
    ) -> Result<Webhook, WooError> {
        let path = format!("webhooks/{id}");
        let mut body = serde_json::Map::new();
        if let Some(status) = change.status {
            body.insert("status".into(), json!(status.as_str()));
        }
        if let Some(secret) = change.secret {
            body.insert("secret".into(), json!(secret.expose()));
        }
        let body = serde_json::Value::Object(body);
        self.send_json(Endpoint::Webhooks, Method::PUT, &path, &[], Some(&body))
            .await
    }

    /// `DELETE /webhooks/{id}?force=true`; returns the deleted webhook.
    pub async fn delete_webhook(&self, id: u64) -> Result<Webhook, WooError> {
        let path = format!("webhooks/{id}");
        let q = [("force", "true".to_string())];
        self.send_json(Endpoint::Webhooks, Method::DELETE, &path, &q, None)
            .await
    }
}
