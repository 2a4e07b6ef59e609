//! Webhooks as WooCommerce 8.9 runs them (§1 of the reference): REST CRUD, the unsigned creation ping
//! (`webhook_id=N`, needs exactly 200), deliveries after a short delay with the payload built when the
//! job runs, signed with base64(HMAC-SHA256(body, secret)), PHP-encoded bodies, no retries, and
//! auto-disable on the 7th consecutive failure (`failure_count > 5`). Every request is logged.
//! A delivery URL WordPress will not call (a port other than 80, 443 and 8080) is refused when the
//! webhook is created or its URL changed, as the real shop answered (see [`crate::outbound`]).
//! `order.deleted` delivers `{"id":N}`; `action.<hook>` topics deliver `{"action":hook,"arg":N}`.

use super::outbound;
use super::phpjson;
use super::rest::{self, ApiError, ApiResult};
use super::state::{now_wc, random_alnum, random_hex, Delivery, State, Webhook};
use super::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::{header, HeaderValue, StatusCode};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::Value;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Arc;

type Q = Query<HashMap<String, String>>;

/// `woocommerce_max_webhook_delivery_failures`.
const MAX_FAILURES: u32 = 5;

/// The REST view of a webhook (no secret, no failure count — as WooCommerce).
#[derive(Serialize)]
struct WebhookView {
    id: u64,
    name: String,
    status: String,
    topic: String,
    resource: String,
    event: String,
    hooks: Vec<&'static str>,
    delivery_url: String,
    date_created: String,
    date_created_gmt: String,
    date_modified: Option<String>,
    date_modified_gmt: Option<String>,
    #[serde(rename = "_links")]
    links: Value,
}

fn view(base: &str, w: &Webhook) -> WebhookView {
    let (resource, event) = w.topic.split_once('.').unwrap_or((w.topic.as_str(), ""));
    WebhookView {
        id: w.id,
        name: w.name.clone(),
        status: w.status.clone(),
        topic: w.topic.clone(),
        resource: resource.to_string(),
        event: event.to_string(),
        hooks: hooks(&w.topic),
        delivery_url: w.delivery_url.clone(),
        date_created: w.date_created.clone(),
        date_created_gmt: w.date_created.clone(),
        date_modified: w.date_modified.clone(),
        date_modified_gmt: w.date_modified.clone(),
        links: rest::links(
            base,
            &format!("/wp-json/wc/v3/webhooks/{}", w.id),
            "/wp-json/wc/v3/webhooks",
        ),
    }
}

fn hooks(topic: &str) -> Vec<&'static str> {
    match topic {
        "order.created" => vec!["woocommerce_new_order"],
        "order.updated" => vec!["woocommerce_update_order", "woocommerce_order_refunded"],
        "order.deleted" => vec!["wp_trash_post", "woocommerce_trash_order"],
        "order.restored" => vec!["untrashed_post", "woocommerce_untrash_order"],
        "product.created" => vec![
            "woocommerce_process_product_meta",
            "woocommerce_new_product",
            "woocommerce_new_product_variation",
        ],
        "product.updated" => vec![
            "woocommerce_process_product_meta",
            "woocommerce_update_product",
            "woocommerce_update_product_variation",
        ],
        _ => vec![],
    }
}

fn valid_topic(topic: &str) -> bool {
    if topic.starts_with("action.woocommerce_") || topic.starts_with("action.wc_") {
        return true;
    }
    match topic.split_once('.') {
        Some((r, e)) => {
            ["coupon", "customer", "order", "product"].contains(&r)
                && ["created", "updated", "deleted", "restored"].contains(&e)
        }
        None => false,
    }
}

fn valid_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// The delivery URL's checks: a valid http(s) URL, then one WordPress delivers to.
fn check_delivery_url(s: &Shared, url: &str) -> Result<(), ApiError> {
    if !valid_url(url) {
        return Err(ApiError::new(
            400,
            "woocommerce_rest_shop_webhook_invalid_delivery_url",
            "Webhook delivery URL must be a valid URL starting with http:// or https://.",
        ));
    }
    if !outbound::safe_request_allowed(url, s.cfg.allow_insecure_loopback_callbacks) {
        return Err(ApiError::new(
            400,
            "http_request_failed",
            outbound::NOT_ALLOWED,
        ));
    }
    Ok(())
}

/// base64(HMAC-SHA256(body, secret)), WooCommerce's `X-WC-Webhook-Signature`.
pub fn sign(body: &[u8], secret: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

pub async fn create(AxState(s): AxState<Arc<Shared>>, body: Bytes) -> ApiResult {
    let body = rest::parse_body(&body)?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let topic = text("topic").unwrap_or_default();
    if !valid_topic(&topic) {
        return Err(ApiError::new(
            400,
            "woocommerce_rest_shop_webhook_invalid_topic",
            "Webhook topic is required and must be valid.",
        ));
    }
    let url = text("delivery_url").unwrap_or_default();
    check_delivery_url(&s, &url)?;
    let (id, base) = {
        let mut st = s.lock();
        let id = st.next_webhook_id();
        let now = now_wc();
        let hook = Webhook {
            id,
            name: text("name").unwrap_or_else(|| format!("Webhook created on {now}")),
            status: "active".into(),
            topic,
            delivery_url: url,
            secret: text("secret")
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| random_alnum(50)),
            failure_count: 0,
            pending_delivery: true,
            date_created: now,
            date_modified: None,
        };
        st.webhooks.insert(id, hook);
        (id, st.base_url.clone())
    };
    ping(&s, id).await;
    let st = s.lock();
    let hook = st
        .webhooks
        .get(&id)
        .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_webhook_invalid_id"))?;
    let mut resp = rest::json_response(StatusCode::CREATED, &view(&base, hook));
    if let Ok(loc) = HeaderValue::from_str(&format!("{base}/wp-json/wc/v3/webhooks/{id}")) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

pub async fn list(AxState(s): AxState<Arc<Shared>>, Query(q): Q) -> ApiResult {
    let st = s.lock();
    let status = q.get("status").map(String::as_str).unwrap_or("all");
    let items: Vec<Value> = st
        .webhooks
        .values()
        .filter(|w| status == "all" || w.status == status)
        .filter_map(|w| serde_json::to_value(view(&st.base_url, w)).ok())
        .collect();
    rest::paged(&st.base_url, "/wp-json/wc/v3/webhooks", &q, items)
}

pub async fn get(AxState(s): AxState<Arc<Shared>>, Path(id): Path<u64>, Query(q): Q) -> ApiResult {
    let st = s.lock();
    let w = st
        .webhooks
        .get(&id)
        .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_webhook_invalid_id"))?;
    rest::ok_fields(&q, &view(&st.base_url, w))
}

pub async fn update(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let body = rest::parse_body(&body)?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let needs_ping = {
        let mut st = s.lock();
        let w = st
            .webhooks
            .get_mut(&id)
            .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_webhook_invalid_id"))?;
        if let Some(t) = text("topic") {
            if !valid_topic(&t) {
                return Err(ApiError::new(
                    400,
                    "woocommerce_rest_shop_webhook_invalid_topic",
                    "Webhook topic is required and must be valid.",
                ));
            }
            w.topic = t;
        }
        let mut url_changed = false;
        if let Some(u) = text("delivery_url") {
            check_delivery_url(&s, &u)?;
            url_changed = u != w.delivery_url;
            w.delivery_url = u;
        }
        if let Some(st_) = text("status") {
            if !["active", "paused", "disabled"].contains(&st_.as_str()) {
                return Err(rest::invalid_param(
                    "status",
                    "status is not one of active, paused, and disabled.",
                ));
            }
            // Re-activating does not reset the failure counter (as WooCommerce).
            w.status = st_;
        }
        if let Some(n) = text("name") {
            w.name = n;
        }
        if let Some(sec) = text("secret").filter(|s| !s.is_empty()) {
            w.secret = sec;
        }
        w.date_modified = Some(now_wc());
        w.status == "active" && (url_changed || w.pending_delivery)
    };
    if needs_ping {
        ping(&s, id).await;
    }
    let st = s.lock();
    let w = st
        .webhooks
        .get(&id)
        .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_webhook_invalid_id"))?;
    Ok(rest::json_response(StatusCode::OK, &view(&st.base_url, w)))
}

pub async fn delete(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<u64>,
    Query(q): Q,
) -> ApiResult {
    if q.get("force").map(String::as_str) != Some("true") {
        return Err(ApiError::new(
            501,
            "woocommerce_rest_trash_not_supported",
            "Webhooks do not support trashing.",
        ));
    }
    let mut st = s.lock();
    let w = st
        .webhooks
        .remove(&id)
        .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_webhook_invalid_id"))?;
    Ok(rest::json_response(StatusCode::OK, &view(&st.base_url, &w)))
}

fn user_agent(st: &State) -> String {
    format!(
        "WooCommerce/{} Hookshot (WordPress/{})",
        st.settings.wc_version, st.settings.wp_version
    )
}

/// `deliver_ping()`: unsigned `webhook_id=N`; only an exact 200 clears `pending_delivery`.
pub async fn ping(s: &Arc<Shared>, id: u64) {
    let (url, ua) = {
        let st = s.lock();
        let Some(w) = st.webhooks.get(&id) else {
            return;
        };
        (w.delivery_url.clone(), user_agent(&st))
    };
    let body = format!("webhook_id={id}");
    let headers = vec![
        ("User-Agent".to_string(), ua),
        (
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        ),
    ];
    let outcome = send(s, &url, &headers, body.clone(), s.cfg.ping_timeout).await;
    let ok = outcome.status == Some(200);
    let mut st = s.lock();
    if ok {
        if let Some(w) = st.webhooks.get_mut(&id) {
            w.pending_delivery = false;
        }
    }
    log(&mut st, id, "ping", None, url, headers, body, outcome, ok);
}

struct Outcome {
    status: Option<u16>,
    body: Option<String>,
    error: Option<String>,
}

async fn send(
    s: &Arc<Shared>,
    url: &str,
    headers: &[(String, String)],
    body: String,
    timeout: std::time::Duration,
) -> Outcome {
    let mut req = s.http.post(url).timeout(timeout).body(body);
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    match req.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let text = resp.text().await.ok();
            Outcome {
                status: Some(status),
                body: text,
                error: None,
            }
        }
        Err(e) => Outcome {
            status: None,
            body: None,
            error: Some(describe_error(&e)),
        },
    }
}

fn describe_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else {
        "request failed".into()
    }
}

#[allow(clippy::too_many_arguments)]
fn log(
    st: &mut State,
    webhook_id: u64,
    kind: &str,
    order_id: Option<u64>,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
    o: Outcome,
    success: bool,
) {
    st.delivery_seq += 1;
    let seq = st.delivery_seq;
    st.deliveries.push(Delivery {
        seq,
        webhook_id,
        kind: kind.to_string(),
        order_id,
        url,
        headers,
        body,
        response_status: o.status,
        response_body: o.body,
        error: o.error,
        success,
        at: now_wc(),
    });
}

/// Queues deliveries of `topics` for an order to the active webhooks; they run after the configured
/// delay and render the order as it is then. Like Action Scheduler's uniqueness rule, an event for a
/// (webhook, order) that already has a queued job adds nothing (bursts collapse into one delivery).
pub fn order_event(s: &Arc<Shared>, order_id: u64, topics: &[&str]) {
    let jobs: Vec<(String, u64)> = {
        let mut st = s.lock();
        // `should_deliver()`: draft orders are never delivered.
        let draft = st.orders.get(&order_id).is_some_and(|r| {
            matches!(
                r.doc.status.as_str(),
                "draft" | "auto-draft" | "new" | "checkout-draft"
            )
        });
        if draft {
            return;
        }
        let mut jobs = Vec::new();
        for topic in topics {
            let ids: Vec<u64> = st
                .webhooks
                .values()
                .filter(|w| w.topic == *topic && w.status == "active")
                .map(|w| w.id)
                .collect();
            for id in ids {
                if st.queued.insert((id, order_id)) {
                    jobs.push(((*topic).to_string(), id));
                }
            }
        }
        jobs
    };
    if jobs.is_empty() {
        return;
    }
    let shared = Arc::clone(s);
    let delay = s.cfg.webhook_delay;
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        for (topic, id) in jobs {
            shared.lock().queued.remove(&(id, order_id));
            deliver(&shared, id, &topic, order_id).await;
        }
    });
}

/// One delivery (`WC_Webhook::deliver`), then failure accounting.
async fn deliver(s: &Arc<Shared>, id: u64, topic: &str, order_id: u64) {
    let prepared = {
        let st = s.lock();
        let Some(w) = st.webhooks.get(&id).filter(|w| w.status == "active") else {
            return;
        };
        let payload = match (topic.strip_prefix("action."), st.orders.get(&order_id)) {
            // `action.*` topics: `{"action": hook, "arg": first hook argument}`.
            (Some(hook), _) => {
                phpjson::encode(&serde_json::json!({"action": hook, "arg": order_id}))
            }
            // A trashed order is delivered as its id only.
            (None, _) if topic == "order.deleted" => {
                phpjson::encode(&serde_json::json!({"id": order_id}))
            }
            (None, Some(r)) => phpjson::encode(&r.doc),
            (None, None) => phpjson::encode(
                &ApiError::invalid_id("woocommerce_rest_shop_order_invalid_id").body(),
            ),
        };
        let Ok(body) = payload else { return };
        let (resource, event) = topic.split_once('.').unwrap_or((topic, ""));
        let headers = vec![
            ("User-Agent".to_string(), user_agent(&st)),
            ("Content-Type".to_string(), "application/json".to_string()),
            (
                "X-WC-Webhook-Source".to_string(),
                format!("{}/", st.base_url),
            ),
            ("X-WC-Webhook-Topic".to_string(), topic.to_string()),
            ("X-WC-Webhook-Resource".to_string(), resource.to_string()),
            ("X-WC-Webhook-Event".to_string(), event.to_string()),
            (
                "X-WC-Webhook-Signature".to_string(),
                sign(body.as_bytes(), &w.secret),
            ),
            ("X-WC-Webhook-ID".to_string(), id.to_string()),
            ("X-WC-Webhook-Delivery-ID".to_string(), random_hex(32)),
        ];
        (w.delivery_url.clone(), headers, body)
    };
    let (url, headers, body) = prepared;
    let outcome = send(s, &url, &headers, body.clone(), s.cfg.delivery_timeout).await;
    let success = outcome.status.is_some_and(|c| (200..303).contains(&c));
    let mut st = s.lock();
    if let Some(w) = st.webhooks.get_mut(&id) {
        if success {
            w.failure_count = 0;
        } else if w.failure_count > MAX_FAILURES {
            w.status = "disabled".into();
        } else {
            w.failure_count += 1;
        }
    }
    log(
        &mut st,
        id,
        topic,
        Some(order_id),
        url,
        headers,
        body,
        outcome,
        success,
    );
}

/// Queues several events of one request in the order WooCommerce fires them: `(topic, arg)`, where
/// `arg` is the order id for `order.*` topics and the hook's first argument for `action.*` topics
/// (a refund id for `action.woocommerce_refund_created`). Each goes to the active webhooks of its
/// topic, with the same uniqueness rule as [`order_event`]; they are delivered in the given order.
pub fn events(s: &Arc<Shared>, events: &[(&str, u64)]) {
    let jobs: Vec<(String, u64, u64)> = {
        let mut st = s.lock();
        let mut jobs = Vec::new();
        for (topic, arg) in events {
            let ids: Vec<u64> = st
                .webhooks
                .values()
                .filter(|w| w.topic == *topic && w.status == "active")
                .map(|w| w.id)
                .collect();
            for id in ids {
                if st.queued.insert((id, *arg)) {
                    jobs.push(((*topic).to_string(), id, *arg));
                }
            }
        }
        jobs
    };
    if jobs.is_empty() {
        return;
    }
    let shared = Arc::clone(s);
    let delay = s.cfg.webhook_delay;
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        for (topic, id, arg) in jobs {
            shared.lock().queued.remove(&(id, arg));
            deliver(&shared, id, &topic, arg).await;
        }
    });
}
