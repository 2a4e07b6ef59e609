//! Channels: the list with a health badge each, connecting a shop (the
//! WooCommerce key flow, back to a result page), a channel's overview with
//! the paste-keys fallback, and deactivation with its confirmation. Every
//! change is the admin API's own function (`admin::activation`).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::page::{render, Flash, Form, Frame, Signed};
use super::text::Text;
use crate::admin::activation::{self, Deactivation, ReturnTo};
use crate::admin::routes::{self, WebhookHealth};
use crate::admin::{public_base, ApiError, Ctx};
use crate::model::{Channel, ChannelState, OrderStatus};

/// Statuses still on their way through processing.
pub const BACKLOG: [OrderStatus; 5] = [
    OrderStatus::Received,
    OrderStatus::DocumentCreated,
    OrderStatus::Approved,
    OrderStatus::Paid,
    OrderStatus::Emailed,
];

/// Statuses waiting for a person.
pub const ATTENTION: [OrderStatus; 2] = [OrderStatus::NeedsReview, OrderStatus::Failed];

/// One channel as listed.
pub struct ChannelRow {
    pub id: String,
    pub name: String,
    pub shop_url: String,
    /// `ok`, `warning`, `error`, `pending` or `deactivated`.
    pub health: &'static str,
    pub health_label: &'static str,
    pub last_delivery: String,
    pub backlog: usize,
    pub attention: usize,
    pub last_sync: String,
}

impl ChannelRow {
    async fn of(ctx: &Ctx, signed: &Signed, ch: &Channel) -> Result<Self, ApiError> {
        let backlog = routes::count(ctx, &ch.id, &BACKLOG).await?;
        let attention = routes::count(ctx, &ch.id, &ATTENTION).await?;
        let (health, health_label) = health(signed, ch, attention);
        Ok(Self {
            id: ch.id.clone(),
            name: ch.name.clone(),
            shop_url: ch.shop_url.clone(),
            health,
            health_label,
            last_delivery: signed.lang.maybe_datetime(ch.health.last_delivery_at),
            backlog,
            attention,
            last_sync: signed.lang.maybe_datetime(ch.health.last_sync_at),
        })
    }
}

/// The badge of a channel, from what the channel last saw (no call to the shop).
fn health(signed: &Signed, ch: &Channel, attention: usize) -> (&'static str, &'static str) {
    let t = signed.lang.text();
    match ch.state {
        ChannelState::Pending => ("pending", t.health_pending),
        ChannelState::Deactivated => ("deactivated", t.health_deactivated),
        ChannelState::Active => {
            let h = &ch.health;
            if h.refused_deliveries.is_some() || h.webhooks_need_person.is_some() {
                ("error", t.health_refusing)
            } else if h.webhook_status.as_deref().is_some_and(|s| s != "active") {
                ("error", t.health_disabled)
            } else if attention > 0 {
                ("warning", t.health_attention)
            } else if h.webhook_status.is_none() {
                ("ok", t.health_unchecked)
            } else {
                ("ok", t.health_ok)
            }
        }
    }
}

/// A channel state's code and words.
fn state_of(t: &Text, state: ChannelState) -> (&'static str, &'static str) {
    match state {
        ChannelState::Pending => ("pending", t.state_pending),
        ChannelState::Active => ("active", t.state_active),
        ChannelState::Deactivated => ("deactivated", t.state_deactivated),
    }
}

#[derive(Template)]
#[template(path = "console/channels.html")]
struct ListPage {
    f: Frame,
    rows: Vec<ChannelRow>,
}

pub async fn list(State(ctx): State<Ctx>, signed: Signed) -> Response {
    let channels = match ctx.app.repo.all_channels().await {
        Ok(c) => c,
        Err(e) => return signed.refusal(&e.into()),
    };
    let mut rows = Vec::with_capacity(channels.len());
    for ch in &channels {
        match ChannelRow::of(&ctx, &signed, ch).await {
            Ok(row) => rows.push(row),
            Err(e) => return signed.refusal(&e),
        }
    }
    let f = signed.frame(signed.lang.text().channels_title, "channels", None);
    render(StatusCode::OK, &ListPage { f, rows })
}

#[derive(Template)]
#[template(path = "console/new_channel.html")]
struct NewPage {
    f: Frame,
    shop_url: String,
    name: String,
}

pub async fn new_form(signed: Signed) -> Response {
    let f = signed.frame(signed.lang.text().new_title, "channels", None);
    render(
        StatusCode::OK,
        &NewPage {
            f,
            shop_url: String::new(),
            name: String::new(),
        },
    )
}

/// `POST /console/channels`: creates the channel as the admin API does and
/// sends the browser to the shop's approval page.
pub async fn create(
    State(ctx): State<Ctx>,
    signed: Signed,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match signed.form(&body) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let mut obj = Map::new();
    for field in ["shop_url", "paytraq_api_key", "paytraq_api_token"] {
        obj.insert(field.into(), form.get(field).unwrap_or("").into());
    }
    if let Some(name) = form.text("name") {
        obj.insert("name".into(), name.into());
    }
    let created = async {
        let new = activation::parse_new_channel(&obj, &ctx)?;
        let base = public_base(&ctx, &headers)?;
        activation::create_channel(&ctx, &base, new, ReturnTo::Console).await
    }
    .await;
    match created {
        Ok(link) => Redirect::to(&link.authorize_url).into_response(),
        Err(e) => {
            let t = signed.lang.text();
            let mut f = signed.frame(t.new_title, "channels", None);
            f.result = Flash::error(t, &e);
            // The PayTraq key and token are never put back on a page.
            let page = NewPage {
                f,
                shop_url: form.get("shop_url").unwrap_or("").to_string(),
                name: form.get("name").unwrap_or("").to_string(),
            };
            render(e.status(), &page)
        }
    }
}

#[derive(Template)]
#[template(path = "console/activation.html")]
struct ActivationPage {
    f: Frame,
    /// `active`, `pending` or `cancelled`.
    state: &'static str,
    text: String,
    wc_version: String,
    https: bool,
    webhooks: usize,
    channel_id: String,
}

/// Where the shop sends its owner back after the approval page.
pub async fn activation_result(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let ch = match routes::channel(&ctx, &id).await {
        Ok(ch) => ch,
        Err(e) => return signed.refusal(&e),
    };
    let t = signed.lang.text();
    let (state, text) = if ch.is_active() {
        ("active", t.activation_ok.to_string())
    } else if q.get("success").map(String::as_str) == Some("0") {
        ("cancelled", t.activation_cancelled.to_string())
    } else {
        let why = ch.health.last_error.clone().unwrap_or_default();
        ("pending", format!("{} {why}", t.activation_pending))
    };
    let f = signed.frame(t.activation_title, "overview", Some(&ch));
    let page = ActivationPage {
        f,
        state,
        text,
        wc_version: ch.wc_version.clone().unwrap_or_else(|| "—".into()),
        https: ch.shop_url.starts_with("https://"),
        webhooks: ch.webhooks.len(),
        channel_id: ch.id.clone(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage {
    f: Frame,
    ch: ChannelRow,
    state: &'static str,
    state_label: &'static str,
    shop_keys: bool,
    paytraq_keys: bool,
    webhooks: Vec<WebhookHealth>,
    last_error: String,
    active: bool,
    deactivated: bool,
}

pub async fn overview(State(ctx): State<Ctx>, signed: Signed, Path(id): Path<String>) -> Response {
    overview_with(&ctx, &signed, &id, None).await
}

async fn overview_with(ctx: &Ctx, signed: &Signed, id: &str, result: Option<Flash>) -> Response {
    let ch = match routes::channel(ctx, id).await {
        Ok(ch) => ch,
        Err(e) => return signed.refusal(&e),
    };
    let row = match ChannelRow::of(ctx, signed, &ch).await {
        Ok(row) => row,
        Err(e) => return signed.refusal(&e),
    };
    let secrets = match ctx.app.secrets.get(&ch.id).await {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => return signed.refusal(&crate::Error::from(e).into()),
    };
    let webhooks = routes::webhook_health(ctx, &ch).await;
    let t = signed.lang.text();
    let mut f = signed.frame(&ch.name, "overview", Some(&ch));
    f.result = result;
    let (state, state_label) = state_of(t, ch.state);
    let page = OverviewPage {
        f,
        ch: row,
        state,
        state_label,
        shop_keys: secrets.woo_consumer_key.is_some() && secrets.woo_consumer_secret.is_some(),
        paytraq_keys: secrets.paytraq_api_key.is_some() && secrets.paytraq_api_token.is_some(),
        webhooks,
        last_error: ch.health.last_error.clone().unwrap_or_default(),
        active: ch.is_active(),
        deactivated: ch.state == ChannelState::Deactivated,
    };
    render(StatusCode::OK, &page)
}

/// `POST …/activation`: a fresh approval link, and off to the shop.
pub async fn activation_link(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = signed.form(&body) {
        return refused;
    }
    let link = async {
        let ch = routes::channel(&ctx, &id).await?;
        let base = public_base(&ctx, &headers)?;
        activation::activation_link(&ctx, &ch, &base, ReturnTo::Console).await
    }
    .await;
    match link {
        Ok(link) => Redirect::to(&link.authorize_url).into_response(),
        Err(ApiError::NotFound(what)) => signed.refusal(&ApiError::NotFound(what)),
        Err(e) => overview_with(&ctx, &signed, &id, Flash::error(signed.lang.text(), &e)).await,
    }
}

/// `POST …/keys`: keys made in the shop by hand, completed as the key flow would.
pub async fn manual_keys(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: Form = match signed.form(&body) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let mut obj = Map::new();
    for field in ["consumer_key", "consumer_secret"] {
        obj.insert(field.into(), Value::from(form.get(field).unwrap_or("")));
    }
    let done = async {
        routes::channel(&ctx, &id).await?;
        let credentials = routes::manual_credentials(&obj)?;
        let base = public_base(&ctx, &headers)?;
        activation::complete(&ctx, &id, credentials, &base).await
    }
    .await;
    let t = signed.lang.text();
    match done {
        Ok(_) => overview_with(&ctx, &signed, &id, Flash::ok(t.activation_ok)).await,
        Err(ApiError::NotFound(what)) => signed.refusal(&ApiError::NotFound(what)),
        Err(e) => overview_with(&ctx, &signed, &id, Flash::error(t, &e)).await,
    }
}

#[derive(Template)]
#[template(path = "console/deactivate.html")]
struct DeactivatePage {
    f: Frame,
    channel_id: String,
    done: Option<Deactivation>,
}

pub async fn deactivate_confirm(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path(id): Path<String>,
) -> Response {
    let ch = match routes::channel(&ctx, &id).await {
        Ok(ch) => ch,
        Err(e) => return signed.refusal(&e),
    };
    let f = signed.frame(signed.lang.text().deactivate_title, "overview", Some(&ch));
    render(
        StatusCode::OK,
        &DeactivatePage {
            f,
            channel_id: ch.id.clone(),
            done: None,
        },
    )
}

pub async fn deactivate(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(refused) = signed.form(&body) {
        return refused;
    }
    let done = async {
        routes::channel(&ctx, &id).await?;
        activation::deactivate(&ctx, &id).await
    }
    .await;
    let done = match done {
        Ok(d) => d,
        Err(e) => return signed.refusal(&e),
    };
    let ch = match routes::channel(&ctx, &id).await {
        Ok(ch) => ch,
        Err(e) => return signed.refusal(&e),
    };
    let t = signed.lang.text();
    let mut f = signed.frame(t.deactivate_title, "overview", Some(&ch));
    f.result = Flash::ok(t.deactivated);
    render(
        StatusCode::OK,
        &DeactivatePage {
            f,
            channel_id: ch.id.clone(),
            done: Some(done),
        },
    )
}
