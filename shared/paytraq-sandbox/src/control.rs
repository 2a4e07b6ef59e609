//! What happens around every sandbox API request, in this order: crash
//! switch, latency, fault injection, authentication (`APIKey`/`APIToken`
//! headers or query parameters, else 401), the company's rate limit (else
//! 429 with `Retry-After`), the handler, the request log, and (for a write,
//! when the state is kept in a folder) saving the state. Also the
//! control and inspection endpoints under `/__sandbox/` (a path the real
//! API cannot have), which bypass all of that.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::api::{ApiErr, CompanyKey};
use super::state::{EmailRec, PaymentRec, SaleRec};
use super::Shared;

/// An injected failure. `route` is `"METHOD /api/path/{param}"` as routed
/// (e.g. `"POST /api/sale"`); `None` matches every API route. `times`
/// limits how often it fires (`None` = until cleared).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub route: Option<String>,
    pub kind: FaultKind,
    pub times: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status and an `<Error>` body; the request does not run.
    Status(u16),
    /// Run the request, then answer with this status: the effect happened
    /// but the caller cannot know.
    AfterHandling(u16),
    /// Never answer (the caller times out); the request does not run.
    Timeout,
    /// Run the request, then answer with its reply reshaped: every element
    /// named `…ID` renamed `…Id` (`TaxKeyID` → `TaxKeyId`), as a PayTraq
    /// that renamed its elements would answer. A reply the client cannot read.
    Reshape,
}

/// One API request as the sandbox saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestLogEntry {
    pub route: String,
    pub status: u16,
    pub company_id: Option<u64>,
}

/// Tunables, changeable while running.
#[derive(Clone, Debug)]
pub struct Settings {
    pub rate_per_second: f64,
    pub burst: u32,
    pub latency: Duration,
    /// Share of API requests answered with a 500 (0.0–1.0).
    pub error_rate: f64,
    pub faults: Vec<Fault>,
}

/// Takes the first fault matching `route`, counting it down.
fn take_fault(settings: &mut Settings, route: &str) -> Option<FaultKind> {
    let pos = settings
        .faults
        .iter()
        .position(|f| f.route.as_deref().is_none_or(|r| r == route))?;
    let fault = &mut settings.faults[pos];
    let kind = fault.kind;
    match &mut fault.times {
        Some(1) => {
            settings.faults.remove(pos);
        }
        Some(n) => *n -= 1,
        None => {}
    }
    Some(kind)
}

/// The middleware in front of every `/api/` route.
pub async fn api_layer(State(sb): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| req.uri().path().to_owned());
    let route = format!("{} {}", req.method(), path);
    let writes = req.method() != axum::http::Method::GET;
    let (response, company_id) = handle(&sb, &route, req, next).await;
    sb.log(RequestLogEntry {
        route,
        status: response.status().as_u16(),
        company_id,
    });
    if writes && company_id.is_some() {
        // Saved before the caller hears back, so what it was told survives a restart.
        let saving = sb.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || saving.persist()).await {
            tracing::error!(error = %e, "paytraq sandbox state not saved");
        }
    }
    response
}

async fn handle(sb: &Shared, route: &str, mut req: Request, next: Next) -> (Response, Option<u64>) {
    if sb.is_crashed() {
        return (crashed(), None);
    }
    let (latency, fault, fail) = {
        let mut s = sb.settings();
        let fail = s.error_rate > 0.0 && rand::random::<f64>() < s.error_rate;
        (s.latency, take_fault(&mut s, route), fail)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(FaultKind::Status(code)) => return (injected(code, "injected fault"), None),
        Some(FaultKind::Timeout) => {
            tokio::time::sleep(Duration::from_secs(600)).await;
            return (injected(504, "injected timeout"), None);
        }
        _ if fail => return (injected(500, "injected random failure"), None),
        _ => {}
    }
    let Some(key) = credentials(req.headers(), req.uri().query()) else {
        return (unauthorized(), None);
    };
    let company_id = match sb.admit(&key) {
        Admission::Unknown => return (unauthorized(), None),
        Admission::Limited(company, wait) => return (rate_limited(wait), Some(company)),
        Admission::Ok(company) => company,
    };
    req.extensions_mut().insert(CompanyKey(key.0));
    let response = next.run(req).await;
    match fault {
        Some(FaultKind::AfterHandling(code)) => (
            injected(code, "injected fault after the request ran"),
            Some(company_id),
        ),
        Some(FaultKind::Reshape) => (reshaped(response).await, Some(company_id)),
        _ => (response, Some(company_id)),
    }
}

/// `response` with its elements `…ID` renamed `…Id` (see [`FaultKind::Reshape`]).
async fn reshaped(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return injected(500, "injected reshape could not read the reply");
    };
    let text = String::from_utf8_lossy(&bytes)
        .replace("ID>", "Id>")
        .replace("ID/>", "Id/>");
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(text))
}

/// `(api key, api token)` from headers, else from the query string.
fn credentials(headers: &HeaderMap, query: Option<&str>) -> Option<(String, String)> {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if let (Some(k), Some(t)) = (header("APIKey"), header("APIToken")) {
        return Some((k, t));
    }
    let pairs: BTreeMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    Some((pairs.get("APIKey")?.clone(), pairs.get("APIToken")?.clone()))
}

pub enum Admission {
    Unknown,
    Limited(u64, Duration),
    Ok(u64),
}

impl Shared {
    /// Authenticates and applies the company's rate limit (GCRA: `rate`
    /// per second, bursts of `burst`).
    fn admit(&self, (key, token): &(String, String)) -> Admission {
        let (rate, burst) = {
            let s = self.settings();
            (s.rate_per_second, s.burst.max(1))
        };
        let mut world = self.world();
        let Some(co) = world.companies.get_mut(key) else {
            return Admission::Unknown;
        };
        if co.api_token.as_bytes() != token.as_bytes() {
            return Admission::Unknown;
        }
        if !(rate.is_finite() && rate > 0.0) {
            return Admission::Ok(co.id);
        }
        let interval = Duration::from_secs_f64(1.0 / rate);
        let tolerance = interval * (burst - 1);
        let now = Instant::now();
        let next = co.next_slot.unwrap_or(now).max(now);
        let earliest = next.checked_sub(tolerance).unwrap_or(now);
        if earliest > now {
            return Admission::Limited(co.id, earliest - now);
        }
        co.next_slot = Some(next + interval);
        Admission::Ok(co.id)
    }
}

fn injected(code: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    ApiErr(status, message.to_owned()).into_response()
}

fn unauthorized() -> Response {
    ApiErr(
        StatusCode::UNAUTHORIZED,
        "API key or token is not valid".into(),
    )
    .into_response()
}

fn rate_limited(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut r = ApiErr(StatusCode::TOO_MANY_REQUESTS, "too many requests".into()).into_response();
    if let Ok(v) = secs.max(1).to_string().parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// A reply whose body breaks off: the caller sees a dropped connection.
fn crashed() -> Response {
    let body = Body::from_stream(futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("sandbox crashed"))
    }));
    (StatusCode::OK, body).into_response()
}

// ------------------------------------------------------------ /__sandbox/

/// One company's documents and money, for inspection.
#[derive(Debug, Serialize)]
pub struct CompanyView {
    pub company_id: u64,
    pub documents: Vec<SaleRec>,
    pub payments: Vec<PaymentRec>,
    pub prepayments: Vec<PaymentRec>,
    pub emails: Vec<EmailRec>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsPatch {
    pub rate_per_second: Option<f64>,
    pub burst: Option<u32>,
    pub latency_ms: Option<u64>,
    pub error_rate: Option<f64>,
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__sandbox/requests", get(requests))
        .route("/__sandbox/companies", get(companies))
        .route("/__sandbox/faults", post(add_fault).delete(clear_faults))
        .route("/__sandbox/settings", post(patch_settings))
        .route("/__sandbox/crash", post(crash))
}

async fn requests(State(sb): State<Arc<Shared>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "counts": sb.request_counts(), "log": sb.requests() }))
}

async fn companies(State(sb): State<Arc<Shared>>) -> Json<Vec<CompanyView>> {
    let world = sb.world();
    Json(
        world
            .companies
            .values()
            .map(|c| CompanyView {
                company_id: c.id,
                documents: c.sales.values().cloned().collect(),
                payments: c.payments.clone(),
                prepayments: c.prepayments.clone(),
                emails: c.emails.clone(),
            })
            .collect(),
    )
}

async fn add_fault(State(sb): State<Arc<Shared>>, Json(fault): Json<Fault>) -> StatusCode {
    sb.settings().faults.push(fault);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(sb): State<Arc<Shared>>) -> StatusCode {
    sb.settings().faults.clear();
    StatusCode::NO_CONTENT
}

async fn patch_settings(State(sb): State<Arc<Shared>>, Json(p): Json<SettingsPatch>) -> StatusCode {
    let mut s = sb.settings();
    if let Some(r) = p.rate_per_second {
        s.rate_per_second = r;
    }
    if let Some(b) = p.burst {
        s.burst = b;
    }
    if let Some(ms) = p.latency_ms {
        s.latency = Duration::from_millis(ms);
    }
    if let Some(e) = p.error_rate {
        s.error_rate = e.clamp(0.0, 1.0);
    }
    StatusCode::NO_CONTENT
}

async fn crash(State(sb): State<Arc<Shared>>) -> StatusCode {
    sb.set_crashed();
    StatusCode::NO_CONTENT
}
