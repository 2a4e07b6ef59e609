//! The HTTP plumbing of the WooCommerce client: URL and auth, one request
//! with its timeout, error mapping, paging and batch splitting. Retry-After,
//! transport errors, scrubbing and call counting are the shared
//! [`crate::http`] ones. Nothing is retried here: a 429 or a failure goes
//! back to the caller, who knows whether repeating is safe.

use std::time::Instant;

use bytes::Bytes;
use reqwest::header::{HeaderMap, ACCEPT};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use url::Url;

use super::{WooClient, API_PATH, MAX_BATCH_ITEMS, MAX_PER_PAGE};
use crate::http::{retry_after, CallKey, TransportError, TransportKind};
use crate::woocommerce::catalog::{parse_batch_updates, BatchItemResult, ProductUpdate};
use crate::woocommerce::error::WooError;

/// The kind of endpoint a request went to: the route its calls are counted
/// under ([`WooClient::calls`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Orders,
    OrderNotes,
    OrderRefunds,
    Products,
    Variations,
    Taxes,
    PaymentGateways,
    Settings,
    SystemStatus,
    Webhooks,
}

impl Endpoint {
    /// The route name in [`crate::http::CallStats`].
    pub fn route(self) -> &'static str {
        match self {
            Endpoint::Orders => "orders",
            Endpoint::OrderNotes => "order_notes",
            Endpoint::OrderRefunds => "order_refunds",
            Endpoint::Products => "products",
            Endpoint::Variations => "variations",
            Endpoint::Taxes => "taxes",
            Endpoint::PaymentGateways => "payment_gateways",
            Endpoint::Settings => "settings",
            Endpoint::SystemStatus => "system_status",
            Endpoint::Webhooks => "webhooks",
        }
    }
}

/// One HTTP answer with a success status.
pub(super) struct Reply {
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl WooClient {
    pub(super) async fn batch<T: DeserializeOwned>(
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
    pub(super) async fn get_all<T: DeserializeOwned>(
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

    pub(super) async fn send_json<T: DeserializeOwned>(
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
    pub(super) async fn send(
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
        let key = CallKey::new(&method, endpoint.route());
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
        inner.counters.request(key);
        let started = Instant::now();
        let answer = async {
            let response = request.send().await?;
            let status = response.status();
            let headers = response.headers().clone();
            Ok((status, headers, response.bytes().await?))
        }
        .await;
        inner.counters.took(key, started.elapsed());
        let (status, headers, bytes) = answer.map_err(|e| self.transport(e))?;
        if !status.is_success() {
            let body = inner.scrubber.scrub(&String::from_utf8_lossy(&bytes));
            let err =
                WooError::from_response(status.as_u16(), retry_after(&headers), body.as_bytes());
            if matches!(err, WooError::RateLimited { .. }) {
                inner.counters.rate_limited(key);
            }
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

    /// A failed request as [`WooError`]: without the URL (which may carry
    /// the query-string credentials) and scrubbed of the secret values.
    fn transport(&self, err: reqwest::Error) -> WooError {
        let err = TransportError::from_reqwest(err, &self.inner.scrubber);
        match err.kind {
            TransportKind::Timeout => WooError::Timeout,
            _ => WooError::Transport(err.to_string()),
        }
    }
}

/// The REST root for a shop URL (see [`WooClient::new`]).
pub(super) fn api_root(base_url: &str) -> Result<Url, WooError> {
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

pub(super) fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, WooError> {
    serde_json::from_slice(body).map_err(|e| WooError::Decode(format!("{path}: {e}")))
}

pub(super) fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
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
}
