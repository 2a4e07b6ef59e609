//! Helpers shared by the WooCommerce sandbox tests: locating the fixture corpus, a webhook receiver,
//! an authenticated REST client, and a JSON shape comparison.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use woocommerce_sandbox::{WooSandbox, WooSandboxConfig};

/// The real WooCommerce 8.9.1 captures (see `testkit::fixtures`).
pub fn fixtures() -> PathBuf {
    testkit::fixtures_dir()
}

pub fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fast sandbox seeded from the fixture catalogue.
pub async fn fixture_sandbox() -> WooSandbox {
    let cfg = WooSandboxConfig {
        webhook_delay: Duration::from_millis(20),
        // The receivers listen on 127.0.0.1 over HTTP.
        allow_insecure_loopback_callbacks: true,
        ..WooSandboxConfig::default()
    };
    let sb = WooSandbox::start(cfg).await.unwrap();
    sb.seed_from_dir(&fixtures().join("catalog")).unwrap();
    sb
}

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A loopback HTTP receiver for webhooks and wc-auth callbacks; answers `status` to every POST.
pub struct Receiver {
    pub url: String,
    pub status: Arc<AtomicU16>,
    pub got: Arc<Mutex<Vec<Received>>>,
}

#[derive(Clone)]
struct Rx {
    status: Arc<AtomicU16>,
    got: Arc<Mutex<Vec<Received>>>,
}

async fn take(
    State(rx): State<Rx>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    rx.got.lock().unwrap().push(Received {
        path: uri.path().to_string(),
        headers,
        body,
    });
    StatusCode::from_u16(rx.status.load(Ordering::SeqCst)).unwrap()
}

impl Receiver {
    pub async fn start(status: u16) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let rx = Rx {
            status: Arc::new(AtomicU16::new(status)),
            got: Arc::new(Mutex::new(Vec::new())),
        };
        let app = Router::new()
            .route("/{*path}", post(take))
            .with_state(rx.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            url,
            status: rx.status,
            got: rx.got,
        }
    }
    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..250 {
            if self.received().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.received()
    }
}

/// REST client with Basic auth against the sandbox.
pub struct Api {
    pub base: String,
    pub ck: String,
    pub cs: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(sb: &WooSandbox) -> Api {
        Api {
            base: format!("{}/wp-json/wc/v3", sb.base_url()),
            ck: sb.consumer_key(),
            cs: sb.consumer_secret(),
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .basic_auth(&self.ck, Some(&self.cs))
            .send()
            .await
            .unwrap()
    }
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.ck, Some(&self.cs))
            .json(body)
            .send()
            .await
            .unwrap()
    }
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.send(reqwest::Method::POST, path, body).await
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Differences in keys and JSON types between `ours` and `real` (values ignored; arrays compared
/// element by element over their common length).
pub fn shape_diff(path: &str, ours: &Value, real: &Value, out: &mut Vec<String>) {
    if kind(ours) != kind(real) {
        out.push(format!(
            "{path}: sandbox {} vs real {}",
            kind(ours),
            kind(real)
        ));
        return;
    }
    match (ours, real) {
        (Value::Object(a), Value::Object(b)) => {
            for k in b.keys() {
                if !a.contains_key(k) {
                    out.push(format!("{path}.{k}: missing in sandbox"));
                }
            }
            for k in a.keys() {
                match b.get(k) {
                    None => out.push(format!("{path}.{k}: not in real")),
                    Some(rv) => shape_diff(&format!("{path}.{k}"), &a[k], rv, out),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                shape_diff(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ => {}
    }
}
