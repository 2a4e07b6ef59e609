//! A WooCommerce 8.9 shop in a box: a real HTTP server (axum on 127.0.0.1, port chosen by the OS)
//! that serves `/wp-json/wc/v3/...` with WooCommerce's auth, errors, paging and batch rules, computes
//! order totals like WooCommerce, delivers signed webhooks with WooCommerce's ping, timing and
//! auto-disable behaviour, runs the `wc-auth` key flow, and exposes `/__sandbox/` for tests.
//!
//! It is an independent implementation (plain JSON values and its own structs, its own signing) so that
//! the channel's WooCommerce client can be tested against it.
//!
//! Routes (all under `/wp-json/wc/v3`, Basic auth or `?consumer_key=&consumer_secret=`):
//! `orders` (GET list: `page`, `per_page` ≤ 100, `status`, `after`, `before`, `modified_after`,
//! `modified_before`, `orderby` date|id|modified, `order`; POST create), `orders/{id}` (GET, PUT,
//! DELETE: trash, or gone with `?force=true`), `orders/{id}/refunds` (GET, POST),
//! `orders/{id}/refunds/{rid}` (GET, DELETE `?force=true`), `orders/{id}/notes` (GET, POST), `products` (GET: `sku` incl. comma lists and variation SKUs, `type`,
//! `status`), `products/{id}` (GET, PUT), `products/batch`, `products/{id}/variations` (GET),
//! `products/{id}/variations/{vid}` (GET), `products/{id}/variations/batch`, `taxes`, `taxes/classes`,
//! `payment_gateways[/{id}]`, `settings/{general|tax}[/{id}]`, `system_status`, `webhooks[/{id}]`
//! (GET, POST, PUT, DELETE `?force=true`). Every response supports `_fields`.
//!
//! Outside the API: `GET /wc-auth/v1/authorize`, `POST|GET /wc-auth/v1/access_granted`,
//! `GET /wc-auth/v1/access_denied`; control under `/__sandbox/` (see `control.rs`): `reset`, `seed`,
//! `seed/demo`, `settings`, `orders` (create / list), `orders/raw` (store as given), `orders/{id}` (update),
//! `orders/{id}/paid`, `orders/{id}/restore` (out of the trash), `deliveries`, `notes/{id}`, `webhooks`, `auth-callbacks`, `faults` (GET/PUT/DELETE).
//!
//! Known simplifications: one shop user (the API keys all act as an administrator); editing the items
//! of a paid order does not adjust stock; `coupon_lines` in a `PUT` replace the coupons;
//! customers and coupons have no REST routes; `product.*`, `coupon.*` and `customer.*` topics are
//! accepted but never fire (`order.*` and the `action.*` topics of refunds and deletion do); a
//! refund with `api_refund: true` is refused (no sandbox gateway refunds money); status changes
//! write no "Order status changed" note except for a full refund and a restore; delivery URLs on
//! loopback hosts are allowed (WordPress' `wp_safe_remote_post` refuses them unless the site is on
//! the same host), while their ports and the wc-auth callback's scheme are checked as WordPress
//! does (see [`outbound`]).

mod auth;
mod catalog;
pub mod config;
mod control;
mod faults;
mod lifecycle;
pub mod money;
mod order_build;
pub mod order_model;
mod orders;
pub mod outbound;
pub mod phpjson;
pub mod refunds;
pub mod rest;
pub mod seed;
pub mod state;
pub mod tax;
pub mod totals;
mod wc_auth;
pub mod webhooks;

pub use config::{CrashMode, Faults, WooSandboxConfig};
pub use rest::ApiError;
pub use state::{Delivery, KeyPermissions};

use axum::extract::{Request, State as AxState};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use state::State;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What the handlers share.
pub struct Shared {
    state: Mutex<State>,
    cfg: WooSandboxConfig,
    http: reqwest::Client,
}

impl Shared {
    /// Locks the state (a poisoned lock is recovered: the state stays usable for inspection).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn base_url(&self) -> String {
        self.lock().base_url.clone()
    }
    fn faults(&self) -> Faults {
        self.lock().faults.clone()
    }
    fn set_faults(&self, f: Faults) {
        self.lock().faults = f;
    }
    fn reset(&self) {
        let mut st = self.lock();
        st.orders.clear();
        st.refunds.clear();
        st.notes.clear();
        st.webhooks.clear();
        st.deliveries.clear();
        st.auth_callbacks.clear();
        st.requests.clear();
        st.faults = Faults::default();
    }
    fn create_order(self: &Arc<Self>, body: &Value) -> Result<order_model::OrderDoc, ApiError> {
        let (id, doc) = {
            let mut st = self.lock();
            let id = order_build::create_order(&mut st, body)?;
            (
                id,
                st.orders
                    .get(&id)
                    .map(|r| r.doc.clone())
                    .unwrap_or_default(),
            )
        };
        webhooks::order_event(self, id, &["order.created", "order.updated"]);
        Ok(doc)
    }
    fn store_order(self: &Arc<Self>, body: Value) -> Result<u64, ApiError> {
        let id = order_build::store_raw(&mut self.lock(), body)?;
        webhooks::order_event(self, id, &["order.created", "order.updated"]);
        Ok(id)
    }
    fn update_order(
        self: &Arc<Self>,
        id: u64,
        body: &Value,
    ) -> Result<order_model::OrderDoc, ApiError> {
        let doc = {
            let mut st = self.lock();
            order_build::update_order(&mut st, id, body)?;
            st.orders
                .get(&id)
                .map(|r| r.doc.clone())
                .unwrap_or_default()
        };
        webhooks::order_event(self, id, &["order.updated"]);
        Ok(doc)
    }
}

/// A running sandbox shop.
pub struct WooSandbox {
    shared: Arc<Shared>,
    base_url: String,
    consumer_key: String,
    consumer_secret: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl WooSandbox {
    /// Binds 127.0.0.1:0, creates a `read_write` API key and starts serving.
    pub async fn start(cfg: WooSandboxConfig) -> anyhow::Result<WooSandbox> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()?;
        let mut state = State::new(&cfg, base_url.clone());
        let key = state.create_key("Sandbox - API (read_write)", KeyPermissions::ReadWrite);
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            cfg,
            http,
        });
        let app = router(Arc::clone(&shared));
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "woocommerce sandbox server stopped");
            }
        });
        Ok(WooSandbox {
            shared,
            base_url,
            consumer_key: key.consumer_key,
            consumer_secret: key.consumer_secret,
            stop: Some(tx),
            server: Some(server),
        })
    }

    /// Starts a sandbox with the default configuration and the built-in demo catalogue, as a
    /// development shop that calls a channel on this machine over plain HTTP on any port
    /// ([`WooSandboxConfig::allow_insecure_loopback_callbacks`]).
    pub async fn start_demo() -> anyhow::Result<WooSandbox> {
        let sb = Self::start(WooSandboxConfig {
            allow_insecure_loopback_callbacks: true,
            ..WooSandboxConfig::default()
        })
        .await?;
        sb.seed_demo();
        Ok(sb)
    }

    /// `http://127.0.0.1:PORT` (the shop's home URL, no trailing slash).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }
    /// Consumer key of the pre-made `read_write` key.
    pub fn consumer_key(&self) -> String {
        self.consumer_key.clone()
    }
    /// Consumer secret of the pre-made `read_write` key.
    pub fn consumer_secret(&self) -> String {
        self.consumer_secret.clone()
    }
    /// Stops the server.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
    }

    /// Creates another API key; returns `(consumer_key, consumer_secret)`.
    pub fn create_key(&self, permissions: KeyPermissions) -> (String, String) {
        let k = self.shared.lock().create_key("Sandbox - API", permissions);
        (k.consumer_key, k.consumer_secret)
    }
    /// Loads a catalogue from a folder of captures (`products.json`, `variations-*.json`, `taxes.json`,
    /// `tax-classes.json`, `payment-gateways.json`, `coupons.json`).
    pub fn seed_from_dir(&self, dir: &Path) -> Result<(), seed::SeedError> {
        seed::from_dir(&mut self.shared.lock(), dir)
    }
    /// Loads the built-in Latvian demo catalogue.
    pub fn seed_demo(&self) {
        seed::demo(&mut self.shared.lock());
    }
    /// Adds or replaces products (REST JSON with `id`).
    pub fn seed_products(&self, products: Vec<Value>) {
        let mut st = self.shared.lock();
        for p in products {
            if let Some(id) = p.get("id").and_then(Value::as_u64) {
                st.products.insert(id, p);
            }
        }
    }
    /// Adds or replaces variations (REST JSON with `id` and `parent_id`).
    pub fn seed_variations(&self, variations: Vec<Value>) {
        let mut st = self.shared.lock();
        for v in variations {
            if let Some(id) = v.get("id").and_then(Value::as_u64) {
                st.variations.insert(id, v);
            }
        }
    }
    /// Replaces the tax rates (REST JSON of `/taxes`).
    pub fn seed_taxes(&self, taxes: Vec<Value>) {
        self.shared.lock().taxes = taxes;
    }
    /// Replaces the payment gateways (REST JSON of `/payment_gateways`).
    pub fn seed_gateways(&self, gateways: Vec<Value>) {
        self.shared.lock().gateways = gateways;
    }
    /// Replaces the coupons (`{id, code, amount, discount_type, free_shipping}`).
    pub fn seed_coupons(&self, coupons: Vec<Value>) {
        self.shared.lock().coupons = coupons;
    }
    /// Changes the WooCommerce version reported by `system_status`, new orders and webhook headers.
    pub fn set_wc_version(&self, version: &str) {
        self.shared.lock().settings.wc_version = version.to_string();
    }
    /// Changes store options for later orders.
    pub fn set_tax_options(&self, prices_include_tax: bool, tax_round_at_subtotal: bool) {
        let mut st = self.shared.lock();
        st.settings.prices_include_tax = prices_include_tax;
        st.settings.tax_round_at_subtotal = tax_round_at_subtotal;
    }
    /// Creates an order from a REST body (as `POST /orders`), firing `order.created` + `order.updated`.
    pub fn create_order(&self, body: &Value) -> Result<Value, ApiError> {
        let doc = self.shared.create_order(body)?;
        Ok(serde_json::to_value(doc).unwrap_or(Value::Null))
    }
    /// Stores an order JSON as given (replays a captured order), firing its webhooks.
    pub fn store_order(&self, order: Value) -> Result<u64, ApiError> {
        self.shared.store_order(order)
    }
    /// Applies a `PUT /orders/{id}` body, firing `order.updated`.
    pub fn update_order(&self, id: u64, body: &Value) -> Result<Value, ApiError> {
        let doc = self.shared.update_order(id, body)?;
        Ok(serde_json::to_value(doc).unwrap_or(Value::Null))
    }
    /// Creates a refund from a REST body (as `POST /orders/{id}/refunds`), firing its webhooks;
    /// returns the refund as `GET` renders it.
    pub fn create_refund(&self, order_id: u64, body: &Value) -> Result<Value, ApiError> {
        let created = refunds::create_refund(&mut self.shared.lock(), order_id, body)?;
        refunds::fire(&self.shared, &created);
        Ok(created.refund)
    }
    /// Restores a trashed order (wp-admin's "Restore"), firing only `order.restored`.
    pub fn restore_order(&self, id: u64) -> Result<Value, ApiError> {
        let doc = lifecycle::restore(&self.shared, id)?;
        Ok(serde_json::to_value(doc).unwrap_or(Value::Null))
    }
    /// The order as `GET /orders/{id}` renders it.
    pub fn order(&self, id: u64) -> Option<Value> {
        self.shared
            .lock()
            .orders
            .get(&id)
            .and_then(|r| serde_json::to_value(&r.doc).ok())
    }
    /// The order's webhook body bytes (PHP-encoded JSON), as a delivery would send now.
    pub fn order_body(&self, id: u64) -> Option<String> {
        self.shared
            .lock()
            .orders
            .get(&id)
            .and_then(|r| phpjson::encode(&r.doc).ok())
    }
    /// Notes of an order.
    pub fn notes(&self, order_id: u64) -> Vec<Value> {
        self.shared
            .lock()
            .notes
            .get(&order_id)
            .cloned()
            .unwrap_or_default()
    }
    /// Every ping and delivery so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.lock().deliveries.clone()
    }
    /// Waits until at least `count` log entries exist (pings included) or `timeout` passes.
    pub async fn wait_for_deliveries(&self, count: usize, timeout: Duration) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let d = self.deliveries();
            if d.len() >= count || tokio::time::Instant::now() >= deadline {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    /// `(status, failure_count)` of a webhook.
    pub fn webhook_status(&self, id: u64) -> Option<(String, u32)> {
        self.shared
            .lock()
            .webhooks
            .get(&id)
            .map(|w| (w.status.clone(), w.failure_count))
    }
    /// The secret a webhook signs with (inspection only: like WooCommerce,
    /// the REST API never returns it).
    pub fn webhook_secret(&self, id: u64) -> Option<String> {
        self.shared
            .lock()
            .webhooks
            .get(&id)
            .map(|w| w.secret.clone())
    }
    /// The REST API keys as WooCommerce → Settings → Advanced → REST API
    /// lists them: `(description, truncated key)`, the truncated key being
    /// the consumer key's last 7 characters.
    pub fn api_keys(&self) -> Vec<(String, String)> {
        self.shared
            .lock()
            .keys
            .iter()
            .map(|k| {
                let cut = k.consumer_key.len().saturating_sub(7);
                (k.description.clone(), k.consumer_key[cut..].to_string())
            })
            .collect()
    }
    /// wc-auth callbacks made: `(callback_url, response status)`.
    pub fn auth_callbacks(&self) -> Vec<(String, Option<u16>)> {
        self.shared
            .lock()
            .auth_callbacks
            .iter()
            .map(|c| (c.callback_url.clone(), c.response_status))
            .collect()
    }
    /// Every request the shop received outside `/__sandbox/`, in order: `"METHOD /path"` (no query).
    pub fn requests(&self) -> Vec<String> {
        self.shared.lock().requests.clone()
    }
    /// Current stock quantity of a product or variation.
    pub fn stock(&self, id: u64) -> Option<Value> {
        self.shared
            .lock()
            .any_product(id)
            .and_then(|p| p.get("stock_quantity").cloned())
    }
    /// Replaces the active faults.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }
    /// Clears all faults and the crash switch.
    pub fn clear_faults(&self) {
        self.shared.set_faults(Faults::default());
    }
    /// Sets or clears the crash switch only.
    pub fn set_crash(&self, crash: Option<CrashMode>) {
        self.shared.lock().faults.crash = crash;
    }
    /// Forgets orders, notes, webhooks, logs and faults (catalogue and keys stay).
    pub fn reset(&self) {
        self.shared.reset();
    }
}

impl Drop for WooSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Middleware: logs every request outside `/__sandbox/` (see [`WooSandbox::requests`]).
async fn log_request(AxState(s): AxState<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/__sandbox") {
        let line = format!("{} {path}", req.method());
        s.lock().requests.push(line);
    }
    next.run(req).await
}

async fn require_auth(AxState(s): AxState<Arc<Shared>>, req: Request, next: Next) -> Response {
    let checked = {
        let st = s.lock();
        auth::authenticate(
            &st,
            req.method(),
            req.uri().path(),
            req.uri().query(),
            req.headers(),
        )
    };
    match checked {
        Ok(_) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// axum's own rejections (wrong method, a non-numeric id) become WordPress' `rest_no_route`, as the
/// real routes only match numeric ids and registered methods.
async fn wordpress_rejections(resp: Response) -> Response {
    let plain = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let status = resp.status();
    if status == axum::http::StatusCode::METHOD_NOT_ALLOWED
        || (status == axum::http::StatusCode::BAD_REQUEST && plain)
    {
        return ApiError::not_found_route().into_response();
    }
    resp
}

async fn no_route() -> Response {
    ApiError::not_found_route().into_response()
}

async fn index(AxState(s): AxState<Arc<Shared>>) -> Response {
    let base = s.base_url();
    rest::json_response(
        axum::http::StatusCode::OK,
        &json!({"name": "WooCommerce Sandbox", "url": base, "home": base, "namespaces": ["wp/v2", "wc/v3", "wc/store/v1", "wc-analytics"]}),
    )
}

fn api_routes(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    let batch = || {
        post(catalog::batch_products)
            .put(catalog::batch_products)
            .patch(catalog::batch_products)
    };
    let vbatch = || {
        post(catalog::batch_variations)
            .put(catalog::batch_variations)
            .patch(catalog::batch_variations)
    };
    Router::new()
        .route("/products", get(catalog::list_products))
        .route("/products/batch", batch())
        .route(
            "/products/{id}",
            get(catalog::get_product)
                .put(catalog::update_product)
                .patch(catalog::update_product),
        )
        .route("/products/{id}/variations", get(catalog::list_variations))
        .route("/products/{id}/variations/batch", vbatch())
        .route(
            "/products/{id}/variations/{vid}",
            get(catalog::get_variation)
                .put(catalog::update_variation_route)
                .patch(catalog::update_variation_route)
                .post(catalog::update_variation_route),
        )
        .route(
            "/orders",
            get(orders::list_orders).post(orders::create_order),
        )
        .route(
            "/orders/{id}",
            get(orders::get_order)
                .put(orders::update_order)
                .patch(orders::update_order)
                .delete(lifecycle::delete_order),
        )
        .route(
            "/orders/{id}/refunds",
            get(refunds::list).post(refunds::create),
        )
        .route(
            "/orders/{id}/refunds/{rid}",
            get(refunds::get).delete(refunds::delete),
        )
        .route(
            "/orders/{id}/notes",
            get(orders::list_notes).post(orders::create_note),
        )
        .route("/taxes", get(catalog::list_taxes))
        .route("/taxes/classes", get(catalog::list_tax_classes))
        .route("/payment_gateways", get(catalog::list_gateways))
        .route("/payment_gateways/{id}", get(catalog::get_gateway))
        .route("/settings/{group}", get(catalog::settings_list))
        .route("/settings/{group}/{id}", get(catalog::settings_one))
        .route("/system_status", get(catalog::system_status))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/webhooks/{id}",
            get(webhooks::get)
                .put(webhooks::update)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(shared),
            require_auth,
        ))
        .fallback(no_route)
        .layer(middleware::map_response(wordpress_rejections))
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/wp-json", get(index))
        .route("/wp-json/", get(index))
        .nest("/wp-json/wc/v3", api_routes(&shared))
        .route("/wc-auth/v1/authorize", get(wc_auth::authorize))
        .route(
            "/wc-auth/v1/access_granted",
            post(wc_auth::access_granted).get(wc_auth::access_granted),
        )
        .route("/wc-auth/v1/access_denied", get(wc_auth::access_denied))
        .merge(control::routes())
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            faults::apply,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            log_request,
        ))
        .with_state(shared)
}
