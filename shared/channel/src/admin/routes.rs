//! The HTTP handlers: channels, activation, settings, mappings, inbox,
//! sync runs and health. Each reads its input field by field (400 with
//! field messages), answers 404 for an unknown channel or order, and never
//! puts a secret in an answer.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::activation::{self, Deactivation, ReturnTo};
use super::error::{ApiError, FieldErrors};
use super::mappings::{self, PaytraqTargets};
use super::validate::{self, Fields};
use super::{public_base, Ctx};
use crate::intake::reconcile::ChannelReport;
use crate::model::is_path_id;
use crate::model::{
    Channel, GatewayId, InboxOrder, MoneyAccountId, OrderStatus, OrderSummary, PaytraqIds, SyncRun,
    TaxKeyId, TaxRateId, TimelineEvent,
};
use crate::processing::{self, ReissueError, Trigger};
use crate::secrets::Secret;
use crate::store::{Change, StoreError};
use crate::woocommerce::WooCredentials;

type ApiResult<T> = Result<T, ApiError>;

/// Everything under `/admin/` (the auth layer is added by the caller).
pub(super) fn admin_routes() -> Router<Ctx> {
    Router::new()
        .route("/admin/channels", post(create_channel).get(list_channels))
        .route(
            "/admin/channels/{channel_id}",
            get(get_channel).delete(deactivate),
        )
        .route(
            "/admin/channels/{channel_id}/activation",
            post(new_activation_link),
        )
        .route("/admin/channels/{channel_id}/keys", post(manual_keys))
        .route("/admin/channels/{channel_id}/deactivate", post(deactivate))
        .route(
            "/admin/channels/{channel_id}/settings",
            get(get_settings).put(put_settings),
        )
        .route(
            "/admin/channels/{channel_id}/mappings/tax",
            get(get_tax_map).put(put_tax_map),
        )
        .route(
            "/admin/channels/{channel_id}/mappings/payment",
            get(get_payment_map).put(put_payment_map),
        )
        .route(
            "/admin/channels/{channel_id}/mappings/check",
            get(check_mappings),
        )
        .route("/admin/channels/{channel_id}/orders", get(list_orders))
        .route("/admin/channels/{channel_id}/orders/{key}", get(get_order))
        .route(
            "/admin/channels/{channel_id}/orders/{key}/process",
            post(process_order),
        )
        .route(
            "/admin/channels/{channel_id}/orders/{key}/handled",
            post(mark_handled),
        )
        .route(
            "/admin/channels/{channel_id}/orders/{key}/reissue",
            post(reissue_order),
        )
        .route(
            "/admin/channels/{channel_id}/sync",
            get(list_sync_runs).post(start_sync_run),
        )
        .route(
            "/admin/channels/{channel_id}/sync/{run_id}",
            get(get_sync_run),
        )
        .route("/admin/channels/{channel_id}/health", get(health))
        .route("/admin/channels/{channel_id}/reconcile", post(reconcile))
}

/// The channel with this id, or 404 (an id that is no id is no channel).
pub(crate) async fn channel(ctx: &Ctx, id: &str) -> ApiResult<Channel> {
    if !is_path_id(id) {
        return Err(ApiError::channel_not_found(id));
    }
    ctx.app
        .repo
        .get_channel(id)
        .await?
        .ok_or_else(|| ApiError::channel_not_found(id))
}

// ---- channels and activation ----------------------------------------------

async fn create_channel(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let obj = validate::object(&body)?;
    let new = activation::parse_new_channel(&obj, &ctx)?;
    let base = public_base(&ctx, &headers)?;
    let link = activation::create_channel(&ctx, &base, new, ReturnTo::Public).await?;
    Ok((StatusCode::CREATED, Json(link)).into_response())
}

/// One page of channels.
#[derive(Serialize, JsonSchema)]
pub(super) struct ChannelList {
    items: Vec<Channel>,
    next: Option<String>,
}

async fn list_channels(
    State(ctx): State<Ctx>,
    Query(q): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<ChannelList>> {
    let (cursor, limit) = paging(&q, &["cursor", "limit"])?;
    let page = ctx.app.repo.list_channels(cursor.as_deref(), limit).await?;
    Ok(Json(ChannelList {
        items: page.items,
        next: page.next,
    }))
}

async fn get_channel(State(ctx): State<Ctx>, Path(id): Path<String>) -> ApiResult<Json<Channel>> {
    Ok(Json(channel(&ctx, &id).await?))
}

async fn new_activation_link(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<activation::ActivationLink>> {
    let ch = channel(&ctx, &id).await?;
    let base = public_base(&ctx, &headers)?;
    Ok(Json(
        activation::activation_link(&ctx, &ch, &base, ReturnTo::Public).await?,
    ))
}

async fn manual_keys(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Channel>> {
    channel(&ctx, &id).await?;
    let credentials = manual_credentials(&validate::object(&body)?)?;
    let base = public_base(&ctx, &headers)?;
    Ok(Json(
        activation::complete(&ctx, &id, credentials, &base).await?,
    ))
}

/// Reads a [`ManualKeys`] body (the admin API's and the console's).
pub(crate) fn manual_credentials(
    obj: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<WooCredentials> {
    let mut f = Fields::new(obj, "");
    f.deny_unknown_of::<ManualKeys>();
    let key = f.text("consumer_key", 200);
    let secret = f.text("consumer_secret", 200);
    if key.as_deref().is_some_and(|k| !k.starts_with("ck_")) {
        f.add(
            "consumer_key",
            "must be a WooCommerce consumer key (ck_...)",
        );
    }
    if secret.as_deref().is_some_and(|s| !s.starts_with("cs_")) {
        f.add(
            "consumer_secret",
            "must be a WooCommerce consumer secret (cs_...)",
        );
    }
    let (Some(key), Some(secret)) = (key, secret) else {
        return Err(ApiError::Invalid(f.errors));
    };
    f.errors.into_result(WooCredentials {
        consumer_key: Secret::new(key),
        consumer_secret: Secret::new(secret),
    })
}

// Read field by field by `manual_keys`; its doc comments are the API's.
/// A consumer key and secret made in the shop by hand.
#[derive(JsonSchema)]
#[allow(
    dead_code,
    reason = "a description of the body: manual_keys reads it field by field"
)]
#[schemars(deny_unknown_fields)]
pub(super) struct ManualKeys {
    #[schemars(regex(pattern = "^ck_"))]
    consumer_key: String,
    #[schemars(regex(pattern = "^cs_"))]
    consumer_secret: String,
}

async fn deactivate(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deactivation>> {
    channel(&ctx, &id).await?;
    Ok(Json(activation::deactivate(&ctx, &id).await?))
}

/// `POST /activation/{id}/callback`: exactly 200 when the channel is active.
pub(super) async fn activation_callback(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !is_path_id(&id) {
        return ApiError::channel_not_found(&id).into_response();
    }
    let base = match public_base(&ctx, &headers) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    match activation::callback(&ctx, &id, &body, &base).await {
        Ok(ch) => (
            StatusCode::OK,
            Json(Activated {
                result: ActivatedResult::Activated,
                channel_id: ch.id,
            }),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The callback's answer when the channel is active.
#[derive(Serialize, JsonSchema)]
pub(super) struct Activated {
    result: ActivatedResult,
    channel_id: String,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum ActivatedResult {
    Activated,
}

/// `GET /activation/{id}/return`: the page the shop owner lands on.
pub(super) async fn activation_return(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let ch = match channel(&ctx, &id).await {
        Ok(ch) => ch,
        Err(e) => return e.into_response(),
    };
    let (title, text) = if q.get("success").map(String::as_str) == Some("0") {
        (
            "Activation cancelled",
            "Access was not approved in the shop. Ask for a new activation link to try again."
                .to_string(),
        )
    } else if ch.is_active() {
        (
            "Channel activated",
            format!("The PayTraq channel is connected to {}.", ch.shop_url),
        )
    } else {
        (
            "Activation not completed",
            ch.health
                .last_error
                .clone()
                .unwrap_or_else(|| "The shop did not complete the activation.".into()),
        )
    };
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1><p>{m}</p></body></html>",
        t = escape(title),
        m = escape(&text)
    );
    Html(page).into_response()
}

/// The headers of every answer of the public activation routes (the page the
/// shop owner's browser lands on): nothing but the page's own markup may
/// load or run (it has no script, style or image), the answer is not
/// content-sniffed, and the activation URL is not sent on as a referrer.
pub(super) async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ---- settings and mappings --------------------------------------------------

async fn get_settings(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
) -> ApiResult<Json<crate::model::Settings>> {
    Ok(Json(channel(&ctx, &id).await?.settings))
}

async fn put_settings(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<crate::model::Settings>> {
    let obj = validate::object(&body)?;
    Ok(Json(save_settings(&ctx, &id, &obj).await?))
}

/// Applies a settings update (the admin API's and the console's).
pub(crate) async fn save_settings(
    ctx: &Ctx,
    id: &str,
    obj: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<crate::model::Settings> {
    let current = channel(ctx, id).await?;
    let settings = validate::settings(obj, &current.settings, "").map_err(ApiError::Invalid)?;
    let updated = ctx
        .app
        .repo
        .update_channel(id, |c| {
            c.settings = settings.clone();
            c.record(TimelineEvent::now("settings_changed", "settings updated"));
        })
        .await?
        .ok_or_else(|| ApiError::channel_not_found(id))?;
    Ok(updated.settings)
}

async fn get_tax_map(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
) -> ApiResult<Json<BTreeMap<TaxRateId, TaxKeyId>>> {
    Ok(Json(channel(&ctx, &id).await?.tax_map))
}

async fn put_tax_map(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<BTreeMap<TaxRateId, TaxKeyId>>> {
    let obj = validate::object(&body)?;
    Ok(Json(save_tax_map(&ctx, &id, &obj).await?))
}

/// Replaces the tax mapping (the admin API's and the console's).
pub(crate) async fn save_tax_map(
    ctx: &Ctx,
    id: &str,
    obj: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<BTreeMap<TaxRateId, TaxKeyId>> {
    channel(ctx, id).await?;
    let map = mappings::tax_map(obj).map_err(ApiError::Invalid)?;
    let updated = ctx
        .app
        .repo
        .update_channel(id, |c| {
            c.tax_map = map.clone();
            c.record(TimelineEvent::now(
                "tax_mapping_changed",
                format!("tax mapping updated ({} rates)", map.len()),
            ));
        })
        .await?
        .ok_or_else(|| ApiError::channel_not_found(id))?;
    Ok(updated.tax_map)
}

async fn get_payment_map(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
) -> ApiResult<Json<BTreeMap<GatewayId, MoneyAccountId>>> {
    Ok(Json(channel(&ctx, &id).await?.payment_map))
}

async fn put_payment_map(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<BTreeMap<GatewayId, MoneyAccountId>>> {
    let obj = validate::object(&body)?;
    Ok(Json(save_payment_map(&ctx, &id, &obj).await?))
}

/// Replaces the payment mapping (the admin API's and the console's).
pub(crate) async fn save_payment_map(
    ctx: &Ctx,
    id: &str,
    obj: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<BTreeMap<GatewayId, MoneyAccountId>> {
    channel(ctx, id).await?;
    let map = mappings::payment_map(obj).map_err(ApiError::Invalid)?;
    let updated = ctx
        .app
        .repo
        .update_channel(id, |c| {
            c.payment_map = map.clone();
            c.record(TimelineEvent::now(
                "payment_mapping_changed",
                format!("payment mapping updated ({} methods)", map.len()),
            ));
        })
        .await?
        .ok_or_else(|| ApiError::channel_not_found(id))?;
    Ok(updated.payment_map)
}

async fn check_mappings(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
) -> ApiResult<Json<mappings::MappingCheck>> {
    let ch = channel(&ctx, &id).await?;
    let woo = ctx.app.woo(&ch).await?;
    let pt = ctx.app.paytraq(&ch).await?;
    let taxes = woo.list_taxes().await.map_err(crate::Error::from)?;
    let gateways = woo
        .list_payment_gateways()
        .await
        .map_err(crate::Error::from)?;
    let targets = PaytraqTargets {
        tax_keys: pt.tax_keys().await.map_err(crate::Error::from)?,
        money_accounts: pt.money_accounts().await.map_err(crate::Error::from)?,
        warehouses: if ch.settings.warehouse_id.is_some() {
            pt.warehouses().await.map_err(crate::Error::from)?
        } else {
            Vec::new()
        },
    };
    Ok(Json(mappings::check(&ch, &taxes, &gateways, &targets)))
}

// ---- inbox ------------------------------------------------------------------

/// An inbox order as listed (no payload, no timeline).
#[derive(Serialize, JsonSchema)]
pub(super) struct OrderItem {
    key: String,
    order_id: Option<u64>,
    status: OrderStatus,
    reason: Option<String>,
    summary: Option<OrderSummary>,
    paytraq: PaytraqIds,
    received_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&InboxOrder> for OrderItem {
    fn from(o: &InboxOrder) -> Self {
        Self {
            key: o.key.clone(),
            order_id: o.order_id,
            status: o.status,
            reason: o.reason.clone(),
            summary: o.summary.clone(),
            paytraq: o.paytraq.clone(),
            received_at: o.received_at,
            updated_at: o.updated_at,
        }
    }
}

/// An inbox order with its timeline.
#[derive(Serialize, JsonSchema)]
pub(super) struct OrderDetail {
    #[serde(flatten)]
    item: OrderItem,
    /// The in-doubt mark in its string form (`create`, `note:<key>…`).
    effect_in_doubt: Option<String>,
    timeline: Vec<TimelineEvent>,
}

/// One page of inbox orders.
#[derive(Serialize, JsonSchema)]
pub(super) struct OrderList {
    items: Vec<OrderItem>,
    next: Option<String>,
}

async fn list_orders(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<OrderList>> {
    channel(&ctx, &id).await?;
    let (cursor, limit) = paging(&q, &["cursor", "limit", "status"])?;
    let status = match q.get("status").map(String::as_str) {
        None | Some("") => None,
        Some(s) => Some(OrderStatus::parse(s).ok_or_else(|| {
            let all: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::Invalid(FieldErrors::one(
                "status",
                format!("must be one of {}", all.join(", ")),
            ))
        })?),
    };
    let page = ctx
        .app
        .repo
        .list_orders(&id, status, cursor.as_deref(), limit)
        .await?;
    Ok(Json(OrderList {
        items: page.items.iter().map(OrderItem::from).collect(),
        next: page.next,
    }))
}

/// The order of this channel with this key, or 404.
pub(crate) async fn order(ctx: &Ctx, channel_id: &str, key: &str) -> ApiResult<InboxOrder> {
    channel(ctx, channel_id).await?;
    if !is_path_id(key) {
        return Err(ApiError::NotFound(format!("order {key}")));
    }
    ctx.app
        .repo
        .get_order(channel_id, key)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("order {key}")))
}

fn detail(o: &InboxOrder) -> OrderDetail {
    OrderDetail {
        item: OrderItem::from(o),
        effect_in_doubt: o.effect_in_doubt.as_ref().map(crate::model::Effect::mark),
        timeline: o.timeline.clone(),
    }
}

async fn get_order(
    State(ctx): State<Ctx>,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult<Json<OrderDetail>> {
    Ok(Json(detail(&order(&ctx, &id, &key).await?)))
}

/// Process or reprocess: the pipeline is idempotent (each step checks its effect first).
async fn process_order(
    State(ctx): State<Ctx>,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult<Json<OrderDetail>> {
    Ok(Json(detail(&process(&ctx, &id, &key).await?)))
}

/// Runs the pipeline on one order now (the admin API's and the console's).
pub(crate) async fn process(ctx: &Ctx, id: &str, key: &str) -> ApiResult<InboxOrder> {
    order(ctx, id, key).await?;
    match processing::process(&ctx.app, id, key, Trigger::Operator).await {
        Ok(processing::Outcome::Status(_)) => order(ctx, id, key).await,
        Ok(processing::Outcome::Skipped(why)) => Err(ApiError::Conflict(format!(
            "order {key} was not processed: {why}"
        ))),
        Err(e) => Err(ApiError::Unavailable(format!(
            "order {key} could not be processed now: {e}"
        ))),
    }
}

/// Replaces the approved invoice of an order edited after it: a credit note
/// for the old invoice, then a new invoice for the order as it is now.
async fn reissue_order(
    State(ctx): State<Ctx>,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult<Json<OrderDetail>> {
    Ok(Json(detail(&reissue(&ctx, &id, &key).await?)))
}

/// Reissues one order's invoice now (the admin API's and the console's):
/// 409 with the reason unless the order needs review because it was edited
/// after its approved invoice (a second request is refused so).
pub(crate) async fn reissue(ctx: &Ctx, id: &str, key: &str) -> ApiResult<InboxOrder> {
    order(ctx, id, key).await?;
    match processing::reissue_order(&ctx.app, id, key).await {
        Ok(_) => order(ctx, id, key).await,
        Err(ReissueError::UnknownChannel(_)) => Err(ApiError::channel_not_found(id)),
        Err(ReissueError::UnknownOrder(_)) => Err(ApiError::NotFound(format!("order {key}"))),
        Err(ReissueError::Refused(why)) => Err(ApiError::Conflict(format!(
            "order {key} cannot be reissued: {why}"
        ))),
        Err(ReissueError::Unavailable(why)) => {
            Err(ApiError::Unavailable(format!("order {key}: {why}")))
        }
    }
}

async fn mark_handled(
    State(ctx): State<Ctx>,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult<Json<OrderDetail>> {
    Ok(Json(detail(&handled(&ctx, &id, &key).await?)))
}

/// Marks an order as dealt with outside the channel (the admin API's and the console's).
pub(crate) async fn handled(ctx: &Ctx, id: &str, key: &str) -> ApiResult<InboxOrder> {
    let current = order(ctx, id, key).await?;
    let updated = ctx
        .app
        .repo
        .update_order_from(current, |o| match o.status {
            OrderStatus::Handled => Change::Keep(Ok(())),
            OrderStatus::Done => Change::Keep(Err(ApiError::Conflict(format!(
                "order {key} is already done"
            )))),
            _ => {
                o.status = OrderStatus::Handled;
                o.pending_since = None;
                o.record(TimelineEvent::now(
                    "handled",
                    "marked as handled outside the channel by an operator",
                ));
                Change::Save(Ok(()))
            }
        })
        .await;
    match updated {
        Ok(Some((o, answer))) => answer.map(|()| o),
        Ok(None) => Err(ApiError::NotFound(format!("order {key}"))),
        Err(StoreError::Conflict(_)) => Err(ApiError::Conflict(format!(
            "order {key} keeps changing; try again"
        ))),
        Err(e) => Err(e.into()),
    }
}

// ---- sync runs ----------------------------------------------------------------

/// One page of sync runs.
#[derive(Serialize, JsonSchema)]
pub(super) struct SyncRunList {
    items: Vec<SyncRun>,
    next: Option<String>,
}

async fn list_sync_runs(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<SyncRunList>> {
    channel(&ctx, &id).await?;
    let (cursor, limit) = paging(&q, &["cursor", "limit"])?;
    let page = ctx
        .app
        .repo
        .list_sync_runs(&id, cursor.as_deref(), limit)
        .await?;
    Ok(Json(SyncRunList {
        items: page.items,
        next: page.next,
    }))
}

/// How to run a sync (the body is optional).
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
pub(super) struct StartSync {
    /// Plan and report only; write nothing to the shop.
    #[serde(default)]
    dry_run: bool,
    /// Run even when the safety guard would refuse (e.g. many items going to zero stock).
    #[serde(default)]
    force: bool,
}

/// Queues a sync run ([`StartSync`]); the sync queue's worker runs it.
/// Answers 202 with the queued run.
async fn start_sync_run(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<SyncRun>)> {
    channel(&ctx, &id).await?;
    let obj = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Map::new()
    } else {
        validate::object(&body)?
    };
    let mut f = Fields::new(&obj, "");
    let StartSync { dry_run, force } = f.patch(&StartSync::default());
    f.errors.into_result(())?;
    let run = crate::sync::start_run(&ctx.app, &id, dry_run, force).await?;
    Ok((StatusCode::ACCEPTED, Json(run)))
}

async fn get_sync_run(
    State(ctx): State<Ctx>,
    Path((id, run_id)): Path<(String, String)>,
) -> ApiResult<Json<SyncRun>> {
    channel(&ctx, &id).await?;
    if !is_path_id(&run_id) {
        return Err(ApiError::NotFound(format!("sync run {run_id}")));
    }
    let run = ctx.app.repo.get_sync_run(&id, &run_id).await?;
    Ok(Json(run.ok_or_else(|| {
        ApiError::NotFound(format!("sync run {run_id}"))
    })?))
}

// ---- health and reconciliation ----------------------------------------------

/// Runs the reconciler for one channel now (what the schedule runs every
/// 15 minutes): webhooks checked and repaired, orders caught up, stored
/// orders swept onto the queue. Answers what it found.
async fn reconcile(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
) -> ApiResult<Json<ChannelReport>> {
    let ch = channel(&ctx, &id).await?;
    if !ch.is_active() {
        return Err(ApiError::Conflict(format!(
            "channel {id} is not active: only an active channel's webhooks and orders are reconciled"
        )));
    }
    Ok(Json(
        crate::intake::reconcile::reconcile_channel(&ctx.app, ch).await?,
    ))
}

/// A channel's health: webhooks, backlog, last runs.
#[derive(Serialize, JsonSchema)]
pub(super) struct Health {
    channel_id: String,
    state: crate::model::ChannelState,
    /// Per webhook: its status in the shop now (`active`, `paused`, `disabled`, `missing`), or why it is unknown.
    webhooks: Vec<WebhookHealth>,
    /// Status the reconciler last saw.
    webhook_status: Option<String>,
    /// Last signed delivery (refreshed at most once a minute).
    last_delivery_at: Option<DateTime<Utc>>,
    /// Last ping naming one of the channel's webhooks (refreshed at most once a minute).
    /// Pings are not signed: this says such a request arrived, not that the shop sent it.
    last_unverified_ping_at: Option<DateTime<Utc>>,
    last_reconciled_at: Option<DateTime<Utc>>,
    last_sync_at: Option<DateTime<Utc>>,
    last_sync_run: Option<SyncRunBrief>,
    /// Orders not yet through processing (received … e-mailed), counted up to `BACKLOG_CAP`.
    backlog: usize,
    /// Orders stored but not yet handed to the queue.
    pending_enqueue: usize,
    needs_attention: usize,
    last_error: Option<String>,
    /// Signed deliveries of the channel's webhooks refused because the
    /// signature does not match (the shop signs with another secret); the
    /// reconciler writes a fresh secret to the webhooks.
    refused_deliveries: Option<crate::model::RefusedDeliveries>,
    /// When the reconciler wrote a fresh secret to the webhooks, until a
    /// delivery signed with it arrives.
    webhook_secret_replaced_at: Option<DateTime<Utc>>,
    /// Why the webhooks need a person (deliveries still refused after a
    /// fresh secret); the reconciler leaves them alone meanwhile.
    webhooks_need_person: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct WebhookHealth {
    pub(crate) id: u64,
    pub(crate) topic: String,
    pub(crate) status: String,
}

#[derive(Serialize, JsonSchema)]
struct SyncRunBrief {
    run_id: String,
    status: crate::model::SyncStatus,
    dry_run: bool,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

pub(crate) const BACKLOG_CAP: usize = 10_000;

async fn health(State(ctx): State<Ctx>, Path(id): Path<String>) -> ApiResult<Json<Health>> {
    let ch = channel(&ctx, &id).await?;
    let webhooks = webhook_health(&ctx, &ch).await;
    let backlog = count(
        &ctx,
        &id,
        &[
            OrderStatus::Received,
            OrderStatus::DocumentCreated,
            OrderStatus::Approved,
            OrderStatus::Paid,
            OrderStatus::Emailed,
        ],
    )
    .await?;
    let needs_attention =
        count(&ctx, &id, &[OrderStatus::NeedsReview, OrderStatus::Failed]).await?;
    let pending_enqueue = ctx
        .app
        .repo
        .list_pending(&id, Utc::now(), BACKLOG_CAP)
        .await?
        .len();
    let last_sync_run = last_sync_run(&ctx, &id).await?;
    Ok(Json(Health {
        channel_id: ch.id.clone(),
        state: ch.state,
        webhooks,
        webhook_status: ch.health.webhook_status.clone(),
        last_delivery_at: ch.health.last_delivery_at,
        last_unverified_ping_at: ch.health.last_ping_at,
        last_reconciled_at: ch.health.last_reconciled_at,
        last_sync_at: ch
            .health
            .last_sync_at
            .or(last_sync_run.as_ref().and_then(|r| r.finished_at)),
        last_sync_run,
        backlog,
        pending_enqueue,
        needs_attention,
        last_error: ch.health.last_error.clone(),
        refused_deliveries: ch.health.refused_deliveries.clone(),
        webhook_secret_replaced_at: ch.health.webhook_secret_replaced_at,
        webhooks_need_person: ch.health.webhooks_need_person.clone(),
    }))
}

/// Each of the channel's webhooks as the shop lists it now (or why that is unknown).
pub(crate) async fn webhook_health(ctx: &Ctx, ch: &Channel) -> Vec<WebhookHealth> {
    if ch.webhooks.is_empty() {
        return Vec::new();
    }
    let listed = match ctx.app.woo(ch).await {
        Ok(woo) => woo.list_webhooks().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    ch.webhooks
        .iter()
        .map(|w| WebhookHealth {
            id: w.id,
            topic: w.topic.clone(),
            status: match &listed {
                Ok(hooks) => hooks
                    .iter()
                    .find(|h| h.id == w.id)
                    .map_or("missing".to_string(), |h| h.status.clone()),
                Err(e) => format!("unknown: {e}"),
            },
        })
        .collect()
}

/// Orders of these statuses, from the status listings' counts (no order is read).
pub(crate) async fn count(ctx: &Ctx, id: &str, statuses: &[OrderStatus]) -> ApiResult<usize> {
    let mut total = 0;
    for status in statuses {
        total += ctx.app.repo.count_orders(id, *status, BACKLOG_CAP).await?;
    }
    Ok(total.min(BACKLOG_CAP))
}

async fn last_sync_run(ctx: &Ctx, id: &str) -> ApiResult<Option<SyncRunBrief>> {
    let mut cursor: Option<String> = None;
    let mut last = None;
    loop {
        let page = ctx
            .app
            .repo
            .list_sync_runs(id, cursor.as_deref(), 200)
            .await?;
        if let Some(run) = page.items.last() {
            last = Some(SyncRunBrief {
                run_id: run.run_id.clone(),
                status: run.status,
                dry_run: run.dry_run,
                started_at: run.started_at,
                finished_at: run.finished_at,
            });
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(last),
        }
    }
}

// ---- query helpers ------------------------------------------------------------

/// `cursor` and `limit` (1–200, default 50); other parameters than `known` are refused.
fn paging(q: &BTreeMap<String, String>, known: &[&str]) -> ApiResult<(Option<String>, usize)> {
    let mut errors = FieldErrors::default();
    for key in q.keys().filter(|k| !known.contains(&k.as_str())) {
        errors.add(key.clone(), "unknown query parameter");
    }
    let limit = match q.get("limit") {
        None => 50,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=200).contains(&n) => n,
            _ => {
                errors.add("limit", "must be a number from 1 to 200");
                50
            }
        },
    };
    let cursor = q.get("cursor").filter(|c| !c.is_empty()).cloned();
    if cursor.as_ref().is_some_and(|c| c.len() > 1000) {
        errors.add("cursor", "is too long");
    }
    errors.into_result((cursor, limit))
}
