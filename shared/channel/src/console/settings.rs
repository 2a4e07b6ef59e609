//! The settings form: every setting of `model::Settings` in the seed's
//! order and words, the warehouse as a dropdown of PayTraq's warehouses by
//! name (an id field, and the reason, when PayTraq cannot be read). A saved
//! form becomes the admin API's settings body and goes through its
//! validation (`admin::routes::save_settings`).

use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::page::{render, Flash, Form, Frame, Signed};
use crate::admin::routes;
use crate::admin::{ApiError, Ctx};
use crate::model::{Channel, RoundingPolicy, Settings};

/// How long a page waits for PayTraq's lists.
pub const PAYTRAQ_WAIT: Duration = Duration::from_secs(10);

/// The settings as the form shows them.
pub struct SettingsView {
    pub auto_process: bool,
    pub document_type: String,
    pub operation: String,
    pub approve: bool,
    pub add_payment: bool,
    pub send_email: bool,
    pub void_cancelled: bool,
    pub credit_cancelled: bool,
    pub fee_item_code: String,
    pub refund_item_code: String,
    pub payment_term_days: String,
    pub rounding_mode: String,
    pub rounding_max: String,
    pub warehouse_id: String,
    pub sync_prices: bool,
    pub price_group_id: String,
    pub sync_prices_without_stock_management: bool,
    pub daily_sync: bool,
    pub daily_sync_hour: String,
}

impl SettingsView {
    fn of(s: &Settings) -> Self {
        let (rounding_mode, rounding_max) = match &s.rounding {
            RoundingPolicy::Strict => ("strict", String::new()),
            RoundingPolicy::Adjust { max } => ("adjust", max.to_string()),
        };
        Self {
            auto_process: s.auto_process,
            document_type: code(&s.document_type),
            operation: code(&s.operation),
            approve: s.approve,
            add_payment: s.add_payment,
            send_email: s.send_email,
            void_cancelled: s.void_cancelled,
            credit_cancelled: s.credit_cancelled,
            fee_item_code: s.fee_item_code.clone().unwrap_or_default(),
            refund_item_code: s.refund_item_code.clone().unwrap_or_default(),
            payment_term_days: s
                .payment_term_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            rounding_mode: rounding_mode.into(),
            rounding_max,
            warehouse_id: s
                .warehouse_id
                .map(|w| w.get().to_string())
                .unwrap_or_default(),
            sync_prices: s.sync_prices,
            price_group_id: s
                .price_group_id
                .map(|p| p.get().to_string())
                .unwrap_or_default(),
            sync_prices_without_stock_management: s.sync_prices_without_stock_management,
            daily_sync: s.daily_sync,
            daily_sync_hour: s.daily_sync_hour.to_string(),
        }
    }

    /// The form as it was sent (shown again with its problems).
    fn sent(form: &Form) -> Self {
        let text = |name: &str| form.get(name).unwrap_or("").to_string();
        Self {
            auto_process: form.checked("auto_process"),
            document_type: text("document_type"),
            operation: text("operation"),
            approve: form.checked("approve"),
            add_payment: form.checked("add_payment"),
            send_email: form.checked("send_email"),
            void_cancelled: form.checked("void_cancelled"),
            credit_cancelled: form.checked("credit_cancelled"),
            fee_item_code: text("fee_item_code"),
            refund_item_code: text("refund_item_code"),
            payment_term_days: text("payment_term_days"),
            rounding_mode: text("rounding_mode"),
            rounding_max: text("rounding_max"),
            warehouse_id: text("warehouse_id"),
            sync_prices: form.checked("sync_prices"),
            price_group_id: text("price_group_id"),
            sync_prices_without_stock_management: form
                .checked("sync_prices_without_stock_management"),
            daily_sync: form.checked("daily_sync"),
            daily_sync_hour: text("daily_sync_hour"),
        }
    }
}

/// A value's serde name (`sales_invoice`, `sell_goods`).
fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The admin API's settings body of a sent form: check boxes are on or
/// off, blank fields are "none", numbers are sent as numbers when they
/// read as numbers (else as given, for the validation to name).
fn body(form: &Form) -> Map<String, Value> {
    let mut obj = Map::new();
    for flag in [
        "auto_process",
        "approve",
        "add_payment",
        "send_email",
        "void_cancelled",
        "credit_cancelled",
        "sync_prices",
        "sync_prices_without_stock_management",
        "daily_sync",
    ] {
        obj.insert(flag.into(), form.checked(flag).into());
    }
    for choice in ["document_type", "operation"] {
        obj.insert(choice.into(), form.get(choice).unwrap_or("").into());
    }
    for optional in [
        "warehouse_id",
        "price_group_id",
        "fee_item_code",
        "refund_item_code",
    ] {
        obj.insert(
            optional.into(),
            form.text(optional).map_or(Value::Null, Value::from),
        );
    }
    for number in ["payment_term_days", "daily_sync_hour"] {
        let value = match form.text(number) {
            None => Value::Null,
            Some(n) => n
                .parse::<i64>()
                .map_or_else(|_| Value::from(n), Value::from),
        };
        obj.insert(number.into(), value);
    }
    let rounding = match form.get("rounding_mode") {
        Some("adjust") => {
            json!({"mode": "adjust", "max": form.get("rounding_max").unwrap_or("").trim()})
        }
        Some("strict") => json!({"mode": "strict"}),
        other => Value::from(other.unwrap_or("")),
    };
    obj.insert("rounding".into(), rounding);
    obj
}

/// One option of a dropdown.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    f: Frame,
    s: SettingsView,
    /// PayTraq's warehouses, or `None` when they could not be read.
    warehouses: Option<Vec<Choice>>,
    paytraq_error: String,
}

pub async fn show(State(ctx): State<Ctx>, signed: Signed, Path(id): Path<String>) -> Response {
    let ch = match routes::channel(&ctx, &id).await {
        Ok(ch) => ch,
        Err(e) => return signed.refusal(&e),
    };
    page(
        &ctx,
        &signed,
        &ch,
        SettingsView::of(&ch.settings),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn save(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path(id): Path<String>,
    body_bytes: Bytes,
) -> Response {
    let form = match signed.form(&body_bytes) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let t = signed.lang.text();
    match routes::save_settings(&ctx, &id, &body(&form)).await {
        Ok(_) => {
            let ch = match routes::channel(&ctx, &id).await {
                Ok(ch) => ch,
                Err(e) => return signed.refusal(&e),
            };
            let view = SettingsView::of(&ch.settings);
            page(&ctx, &signed, &ch, view, Flash::ok(t.saved), StatusCode::OK).await
        }
        Err(e @ ApiError::Invalid(_)) => {
            let ch = match routes::channel(&ctx, &id).await {
                Ok(ch) => ch,
                Err(e) => return signed.refusal(&e),
            };
            let view = SettingsView::sent(&form);
            page(&ctx, &signed, &ch, view, Flash::error(t, &e), e.status()).await
        }
        Err(e) => signed.refusal(&e),
    }
}

async fn page(
    ctx: &Ctx,
    signed: &Signed,
    ch: &Channel,
    s: SettingsView,
    result: Option<Flash>,
    status: StatusCode,
) -> Response {
    let (warehouses, paytraq_error) = match warehouses(ctx, ch).await {
        Ok(list) => {
            let mut choices: Vec<Choice> = list
                .into_iter()
                .map(|(id, name)| Choice {
                    selected: id.to_string() == s.warehouse_id,
                    value: id.to_string(),
                    label: format!("{name} ({id})"),
                })
                .collect();
            if !s.warehouse_id.is_empty() && !choices.iter().any(|c| c.selected) {
                choices.push(Choice {
                    value: s.warehouse_id.clone(),
                    label: format!("{} ({})", s.warehouse_id, signed.lang.text().unknown_target),
                    selected: true,
                });
            }
            (Some(choices), String::new())
        }
        Err(e) => (None, e),
    };
    let t = signed.lang.text();
    let mut f = signed.frame(t.settings_title, "settings", Some(ch));
    f.result = result;
    render(
        status,
        &SettingsPage {
            f,
            s,
            warehouses,
            paytraq_error,
        },
    )
}

/// PayTraq's warehouses as (id, name), or why they could not be read.
async fn warehouses(ctx: &Ctx, ch: &Channel) -> Result<Vec<(u64, String)>, String> {
    let read = async {
        let pt = ctx.app.paytraq(ch).await.map_err(|e| e.to_string())?;
        pt.warehouses().await.map_err(|e| e.to_string())
    };
    match tokio::time::timeout(PAYTRAQ_WAIT, read).await {
        Ok(Ok(list)) => Ok(list.into_iter().map(|w| (w.warehouse_id, w.name)).collect()),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(format!("no answer within {} s", PAYTRAQ_WAIT.as_secs())),
    }
}
