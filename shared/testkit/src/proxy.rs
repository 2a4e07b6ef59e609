//! A loopback HTTP proxy in front of a sandbox that records every request
//! (method, path, body) and can refuse batch writes after a given number,
//! to interrupt a sync half-way. Tests use the record to prove that no
//! item was written twice and none was missed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::Response;
use axum::Router;
use tokio::task::JoinHandle;

/// One request that went through the proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub body: String,
    /// The status returned to the client.
    pub status: u16,
}

impl Recorded {
    pub fn is_batch_write(&self) -> bool {
        self.method == "POST"
            && self
                .uri
                .split('?')
                .next()
                .is_some_and(|p| p.ends_with("/batch"))
    }
}

impl Recorded {
    /// The request's route below the REST root, ids as `{id}`
    /// (`GET products/{id}/variations`); a SKU lookup is `GET products?sku=`.
    pub fn route(&self) -> String {
        let (path, query) = self.uri.split_once('?').unwrap_or((&self.uri, ""));
        let path = path
            .trim_start_matches("/wp-json/wc/v3")
            .trim_start_matches('/');
        let segments: Vec<&str> = path
            .split('/')
            .map(|seg| {
                if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                    "{id}"
                } else {
                    seg
                }
            })
            .collect();
        let lookup = query.split('&').any(|kv| kv.starts_with("sku="));
        format!(
            "{} {}{}",
            self.method,
            segments.join("/"),
            if lookup { "?sku=" } else { "" }
        )
    }
}

struct Inner {
    target: String,
    http: reqwest::Client,
    log: Mutex<Vec<Recorded>>,
    /// Batch writes still let through before refusing with 503 (`u64::MAX` = never refuse).
    batches_allowed: AtomicU64,
}

/// The running proxy.
pub struct Proxy {
    inner: Arc<Inner>,
    base_url: String,
    server: JoinHandle<()>,
}

impl Proxy {
    /// Binds 127.0.0.1:0 and forwards everything to `target` (a base URL).
    pub async fn start(target: &str) -> anyhow::Result<Self> {
        let inner = Arc::new(Inner {
            target: target.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder().no_proxy().build()?,
            log: Mutex::new(Vec::new()),
            batches_allowed: AtomicU64::new(u64::MAX),
        });
        let app = Router::new().fallback(forward).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "proxy stopped");
            }
        });
        Ok(Self {
            inner,
            base_url,
            server,
        })
    }

    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Lets `n` more batch writes through, then answers 503 to the rest.
    pub fn refuse_batches_after(&self, n: u64) {
        self.inner.batches_allowed.store(n, Ordering::SeqCst);
    }

    /// Stops refusing.
    pub fn allow_all(&self) {
        self.inner.batches_allowed.store(u64::MAX, Ordering::SeqCst);
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.inner
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn clear(&self) {
        self.inner
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn stop(self) {
        self.server.abort();
    }
}

async fn forward(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let uri = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let body = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let mut rec = Recorded {
        method: parts.method.to_string(),
        uri: uri.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
        status: 0,
    };
    if rec.is_batch_write() && !take_batch_slot(&inner.batches_allowed) {
        rec.status = 503;
        inner
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rec);
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"code":"proxy_refused","message":"refused by the test proxy","data":{"status":503}}"#,
        );
    }
    let mut out = inner
        .http
        .request(parts.method.clone(), format!("{}{uri}", inner.target));
    for (name, value) in &parts.headers {
        if !is_hop_by_hop(name) {
            out = out.header(name, value);
        }
    }
    let response = match out.body(body).send().await {
        Ok(r) => r,
        Err(_) => {
            return plain(
                StatusCode::BAD_GATEWAY,
                r#"{"code":"proxy_upstream","message":"upstream failed"}"#,
            )
        }
    };
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();
    rec.status = status.as_u16();
    inner
        .log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(rec);
    let mut reply = Response::new(Body::from(bytes));
    *reply.status_mut() = status;
    for (name, value) in &headers {
        if !is_hop_by_hop(name) {
            reply.headers_mut().insert(name.clone(), value.clone());
        }
    }
    reply
}

fn take_batch_slot(allowed: &AtomicU64) -> bool {
    allowed
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| match n {
            u64::MAX => Some(u64::MAX),
            0 => None,
            n => Some(n - 1),
        })
        .is_ok()
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "transfer-encoding"
            | "content-length"
            | "content-encoding"
            | "host"
            | "keep-alive"
    )
}

fn plain(status: StatusCode, body: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        axum::http::HeaderValue::from_static("application/json"),
    );
    r
}
