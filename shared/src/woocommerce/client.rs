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
//!   credentials) and scrubbed of the secret values.
//!
//! The client is cheap to clone; clones share the HTTP client and the call
//! counters ([`WooClient::calls`]).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, ACCEPT, RETRY_AFTER};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use url::Url;

use super::catalog::{
    parse_batch_updates, BatchItemResult, OrderNote, PaymentGateway, Product, ProductUpdate,
    Setting, StoreSettings, SystemStatus, TaxClass, TaxRate, Variation, VariationUpdate, Webhook,
    WebhookStatus,
};
use super::error::WooError;
use super::order::{order_from_value, parse_order, Order};
use crate::secrets::Secret;

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

/// The kind of endpoint a request went to (for call counting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Orders,
    OrderNotes,
    Products,
    Variations,
    Taxes,
    PaymentGateways,
    Settings,
    SystemStatus,
    Webhooks,
}

impl Endpoint {
    const ALL: [Endpoint; 9] = [
        Endpoint::Orders,
        Endpoint::OrderNotes,
        Endpoint::Products,
        Endpoint::Variations,
        Endpoint::Taxes,
        Endpoint::PaymentGateways,
        Endpoint::Settings,
        Endpoint::SystemStatus,
        Endpoint::Webhooks,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// HTTP requests sent per endpoint kind (failed ones included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallStats {
    pub orders: u64,
    pub order_notes: u64,
    pub products: u64,
    pub variations: u64,
    pub taxes: u64,
    pub payment_gateways: u64,
    pub settings: u64,
    pub system_status: u64,
    pub webhooks: u64,
}

impl CallStats {
    pub fn get(&self, endpoint: Endpoint) -> u64 {
        match endpoint {
            Endpoint::Orders => self.orders,
            Endpoint::OrderNotes => self.order_notes,
            Endpoint::Products => self.products,
            Endpoint::Variations => self.variations,
            Endpoint::Taxes => self.taxes,
            Endpoint::PaymentGateways => self.payment_gateways,
            Endpoint::Settings => self.settings,
            Endpoint::SystemStatus => self.system_status,
            Endpoint::Webhooks => self.webhooks,
        }
    }

    pub fn total(&self) -> u64 {
        Endpoint::ALL.iter().map(|e| self.get(*e)).sum()
    }
}

#[derive(Default)]
struct Counters([AtomicU64; 9]);

impl Counters {
    fn bump(&self, endpoint: Endpoint) {
        self.0[endpoint.index()].fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> CallStats {
        let n = |e: Endpoint| self.0[e.index()].load(Ordering::Relaxed);
        CallStats {
            orders: n(Endpoint::Orders),
            order_notes: n(Endpoint::OrderNotes),
            products: n(Endpoint::Products),
            variations: n(Endpoint::Variations),
            taxes: n(Endpoint::Taxes),
            payment_gateways: n(Endpoint::PaymentGateways),
            settings: n(Endpoint::Settings),
            system_status: n(Endpoint::SystemStatus),
            webhooks: n(Endpoint::Webhooks),
        }
    }
}

/// Filters of [`WooClient::list_orders`]. Dates are sent as GMT
/// (`dates_are_gmt=true`); `modified_*` needs WooCommerce 5.x or newer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderQuery {
    pub modified_after: Option<DateTime<Utc>>,
    pub modified_before: Option<DateTime<Utc>>,
    /// Created after.
    pub after: Option<DateTime<Utc>>,
    /// Created before.
    pub before: Option<DateTime<Utc>>,
    /// Statuses (`processing`, `on-hold`, ...); empty = WooCommerce's default (`any`).
    pub status: Vec<String>,
    /// `_fields`: only these top-level fields are returned (`id` is always added).
    pub fields: Vec<String>,
}

/// One HTTP answer with a success status.
struct Reply {
    headers: HeaderMap,
    body: Bytes,
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
    counters: Counters,
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
                creds,
                http,
                opts,
                counters: Counters::default(),
            }),
        })
    }

    /// The REST root every path is joined to (ends with `/wc/v3/`).
    pub fn api_root(&self) -> &Url {
        &self.inner.api_root
    }

    /// Requests sent so far by this client and its clones.
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
        let gmt = |d: &DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%S").to_string();
        let mut q: Vec<(&str, String)> = vec![("orderby", "id".into()), ("order", "asc".into())];
        let dates = [
            ("modified_after", &query.modified_after),
            ("modified_before", &query.modified_before),
            ("after", &query.after),
            ("before", &query.before),
        ];
        let mut any_date = false;
        for (name, value) in dates {
            if let Some(d) = value {
                q.push((name, gmt(d)));
                any_date = true;
            }
        }
        if any_date {
            q.push(("dates_are_gmt", "true".into()));
        }
        if !query.status.is_empty() {
            q.push(("status", query.status.join(",")));
        }
        if let Some(fields) = fields_param(&query.fields) {
            q.push(("_fields", fields));
        }
        let values: Vec<Value> = self.get_all(Endpoint::Orders, "orders", &q).await?;
        values.into_iter().map(order_from_value).collect()
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

    /// `GET /products?sku=A,B,...` (exact matches; finds variations too).
    pub async fn products_by_sku(&self, skus: &[&str]) -> Result<Vec<Product>, WooError> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let q = [("sku", skus.join(","))];
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

    /// `PUT /webhooks/{id}` `{"status": ...}` (re-activation does not reset
    /// WooCommerce's failure counter).
    pub async fn update_webhook_status(
        &self,
        id: u64,
        status: WebhookStatus,
    ) -> Result<Webhook, WooError> {
        let path = format!("webhooks/{id}");
        let body = json!({ "status": status.as_str() });
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

    // ---- plumbing -------------------------------------------------------

    async fn batch<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        path: &str,
        updates: Vec<ProductUpdate>,
    ) -> Result<Vec<BatchItemResult<T>>, WooError> {
        let size = self.inner.opts.batch_size.clamp(1, MAX_BATCH_ITEMS);
        let mut results = Vec::with_capacity(updates.len());
        for chunk in updates.chunks(size) {
            let body = json!({ "update": chunk });
            let reply = self
                .send(endpoint, Method::POST, path, &[], Some(&body))
                .await?;
            let value: Value = decode(path, &reply.body)?;
            let items = parse_batch_updates(&value).map_err(WooError::Decode)?;
            results.extend(items);
        }
        Ok(results)
    }

    /// Every page of a collection.
    async fn get_all<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<T>, WooError> {
        let opts = &self.inner.opts;
        let per_page = opts.per_page.clamp(1, MAX_PER_PAGE);
        let mut out = Vec::new();
        for page in 1..=opts.max_pages.max(1) {
            let mut q = query.to_vec();
            q.push(("page", page.to_string()));
            q.push(("per_page", per_page.to_string()));
            let reply = self.send(endpoint, Method::GET, path, &q, None).await?;
            let items: Vec<T> = decode(path, &reply.body)?;
            let count = items.len();
            out.extend(items);
            let total_pages = header_u64(&reply.headers, "x-wp-totalpages");
            let last = count == 0
                || match total_pages {
                    Some(total) => u64::from(page) >= total,
                    None => count < per_page as usize,
                };
            if last {
                return Ok(out);
            }
        }
        Err(WooError::TooManyPages {
            endpoint: path.to_owned(),
            pages: opts.max_pages,
        })
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T, WooError> {
        let reply = self.send(endpoint, method, path, query, body).await?;
        decode(path, &reply.body)
    }

    /// Sends one request; a non-2xx answer becomes a typed error.
    async fn send(
        &self,
        endpoint: Endpoint,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply, WooError> {
        let inner = &self.inner;
        let mut url = inner
            .api_root
            .join(path)
            .map_err(|e| WooError::InvalidInput(format!("path {path:?}: {e}")))?;
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
            if inner.opts.query_string_auth {
                pairs.append_pair("consumer_key", inner.creds.consumer_key.expose());
                pairs.append_pair("consumer_secret", inner.creds.consumer_secret.expose());
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let mut request = inner
            .http
            .request(method, url)
            .timeout(inner.opts.timeout)
            .header(ACCEPT, "application/json");
        if !inner.opts.query_string_auth {
            request = request.basic_auth(
                inner.creds.consumer_key.expose(),
                Some(inner.creds.consumer_secret.expose()),
            );
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        inner.counters.bump(endpoint);
        let response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(|e| self.transport(e))?;
        if !status.is_success() {
            let err = WooError::from_response(status.as_u16(), retry_after(&headers), &bytes);
            tracing::debug!(
                path,
                status = status.as_u16(),
                code = err.code(),
                "woocommerce error"
            );
            return Err(err);
        }
        Ok(Reply {
            headers,
            body: bytes,
        })
    }

    /// A reqwest error as [`WooError`], without the URL and with the secret
    /// values scrubbed from the text.
    fn transport(&self, err: reqwest::Error) -> WooError {
        if err.is_timeout() {
            return WooError::Timeout;
        }
        let err = err.without_url();
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        for secret in [
            &self.inner.creds.consumer_key,
            &self.inner.creds.consumer_secret,
        ] {
            if !secret.expose().is_empty() {
                text = text.replace(secret.expose(), "***");
            }
        }
        WooError::Transport(text)
    }
}

/// The REST root for a shop URL (see [`WooClient::new`]).
fn api_root(base_url: &str) -> Result<Url, WooError> {
    let mut url = Url::parse(base_url.trim())
        .map_err(|e| WooError::InvalidInput(format!("base url: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(WooError::InvalidInput(
            "base url must be an http(s) URL".into(),
        ));
    }
    if url.query().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(WooError::InvalidInput(
            "base url must not carry a query or credentials".into(),
        ));
    }
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_owned();
    let root = if path.ends_with("/wp-json/wc/v3") {
        format!("{path}/")
    } else {
        format!("{path}/{API_PATH}")
    };
    url.set_path(&root);
    Ok(url)
}

/// `_fields` value with `id` always present; `None` for no fields.
fn fields_param(fields: &[String]) -> Option<String> {
    if fields.is_empty() {
        return None;
    }
    let mut all: Vec<&str> = vec!["id"];
    all.extend(fields.iter().map(String::as_str).filter(|f| *f != "id"));
    Some(all.join(","))
}

fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, WooError> {
    serde_json::from_slice(body).map_err(|e| WooError::Decode(format!("{path}: {e}")))
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(text).ok()?.with_timezone(&Utc);
    Some((at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_root_from_shop_urls() {
        let root = |s: &str| api_root(s).map(|u| u.to_string());
        assert_eq!(
            root("https://shop.example.com").unwrap(),
            "https://shop.example.com/wp-json/wc/v3/"
        );
        assert_eq!(
            root("https://shop.example.com/blog/").unwrap(),
            "https://shop.example.com/blog/wp-json/wc/v3/"
        );
        assert_eq!(
            root("http://127.0.0.1:9/wp-json/wc/v3").unwrap(),
            "http://127.0.0.1:9/wp-json/wc/v3/"
        );
        assert!(root("ftp://x").is_err());
        assert!(root("https://x/?a=1").is_err());
        assert!(root("not a url").is_err());
    }

    #[test]
    fn fields_always_include_id() {
        assert_eq!(fields_param(&[]), None);
        assert_eq!(
            fields_param(&["sku".into(), "id".into()]).as_deref(),
            Some("id,sku")
        );
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn call_stats_total() {
        let c = Counters::default();
        c.bump(Endpoint::Orders);
        c.bump(Endpoint::Products);
        c.bump(Endpoint::Products);
        let s = c.snapshot();
        assert_eq!((s.orders, s.products, s.total()), (1, 2, 3));
        assert_eq!(s.get(Endpoint::Products), 2);
    }
}
