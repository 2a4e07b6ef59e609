//! Taxes and payments mapping, side by side: every shop tax rate (and the
//! lines without one) → a PayTraq tax key, every enabled payment gateway →
//! a money account, as dropdowns of PayTraq's names. Unmapped rows and
//! targets PayTraq does not know, or rates no longer in the shop, are
//! marked. Saving goes through the admin API's mapping functions, and the
//! page then shows what the mapping check (`admin::mappings::check`) says.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::locale::Lang;
use super::page::{render, Flash, Form, Frame, Signed};
use super::settings::{Choice, PAYTRAQ_WAIT};
use super::text::Text;
use crate::admin::mappings::{self, MappingCheck, PaytraqTargets};
use crate::admin::routes;
use crate::admin::{ApiError, Ctx, FieldErrors};
use crate::model::Channel;
use crate::processing::document::UNTAXED_RATE;
use crate::woocommerce::catalog::{PaymentGateway, TaxRate};

/// One mapping row.
pub struct Row {
    /// The shop side's id (tax rate id, gateway id).
    pub id: String,
    pub name: String,
    pub country: String,
    pub class: String,
    pub rate: String,
    /// `mapped`, `unmapped`, `stale` (gone from the shop) or `unknown` (target unknown to PayTraq).
    pub state: &'static str,
    pub state_label: &'static str,
    /// The form field (`tax.<id>`, `pay.<id>`).
    pub field: String,
    /// The mapped PayTraq id ("" when none).
    pub current: String,
}

/// What the shop and PayTraq say, each read on its own.
struct Sides {
    shop: Result<(Vec<TaxRate>, Vec<PaymentGateway>), String>,
    paytraq: Result<PaytraqTargets, String>,
}

impl Sides {
    async fn read(ctx: &Ctx, ch: &Channel) -> Sides {
        let shop = async {
            let woo = ctx.app.woo(ch).await.map_err(|e| e.to_string())?;
            let taxes = woo.list_taxes().await.map_err(|e| e.to_string())?;
            let gateways = woo
                .list_payment_gateways()
                .await
                .map_err(|e| e.to_string())?;
            Ok((taxes, gateways))
        };
        let paytraq = async {
            let pt = ctx.app.paytraq(ch).await.map_err(|e| e.to_string())?;
            Ok(PaytraqTargets {
                tax_keys: pt.tax_keys().await.map_err(|e| e.to_string())?,
                money_accounts: pt.money_accounts().await.map_err(|e| e.to_string())?,
                warehouses: if ch.settings.warehouse_id.is_some() {
                    pt.warehouses().await.map_err(|e| e.to_string())?
                } else {
                    Vec::new()
                },
            })
        };
        let (shop, paytraq) = tokio::join!(waited(shop), waited(paytraq));
        Sides { shop, paytraq }
    }
}

async fn waited<T>(
    read: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(PAYTRAQ_WAIT, read)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", PAYTRAQ_WAIT.as_secs())))
}

fn percent(lang: Lang, rate: Decimal) -> String {
    let text = format!("{}%", rate.normalize());
    match lang {
        Lang::Lv => text.replace('.', ","),
        Lang::En => text,
    }
}

fn tax_rows(t: &'static Text, lang: Lang, ch: &Channel, sides: &Sides) -> Vec<Row> {
    let known: Option<BTreeSet<u64>> = sides
        .paytraq
        .as_ref()
        .ok()
        .map(|p| p.tax_keys.iter().map(|k| k.tax_key_id).collect());
    let state = |mapped: Option<u64>, stale: bool| -> (&'static str, &'static str) {
        match mapped {
            _ if stale => ("stale", t.stale),
            None => ("unmapped", t.unmapped),
            Some(id) if known.as_ref().is_some_and(|k| !k.contains(&id)) => {
                ("unknown", t.unknown_target)
            }
            Some(_) => ("mapped", ""),
        }
    };
    let current = |rate: u64| ch.tax_map.get(&rate).map(|k| k.get());
    let row = |id: u64, name: String, country: String, class: String, rate: String, stale| {
        let mapped = current(id);
        let (state, state_label) = state(mapped, stale);
        Row {
            id: id.to_string(),
            name,
            country,
            class,
            rate,
            state,
            state_label,
            field: format!("tax.{id}"),
            current: mapped.map(|k| k.to_string()).unwrap_or_default(),
        }
    };
    let mut rows = vec![row(
        UNTAXED_RATE,
        t.untaxed_row.to_string(),
        String::new(),
        String::new(),
        percent(lang, Decimal::ZERO),
        false,
    )];
    let shop_rates: Vec<&TaxRate> = match &sides.shop {
        Ok((taxes, _)) => taxes.iter().collect(),
        Err(_) => Vec::new(),
    };
    for r in &shop_rates {
        rows.push(row(
            r.id,
            r.name.clone(),
            r.country.clone(),
            r.class.clone(),
            percent(lang, r.rate),
            false,
        ));
    }
    let listed: BTreeSet<u64> = shop_rates.iter().map(|r| r.id).collect();
    for rate in ch.tax_map.keys().map(|r| r.get()) {
        if rate != UNTAXED_RATE && !listed.contains(&rate) {
            // Gone from the shop, or the shop could not be read: kept, and said so.
            let stale = sides.shop.is_ok();
            rows.push(row(
                rate,
                format!("#{rate}"),
                String::new(),
                String::new(),
                String::new(),
                stale,
            ));
        }
    }
    rows
}

fn payment_rows(t: &'static Text, ch: &Channel, sides: &Sides) -> Vec<Row> {
    let known: Option<BTreeSet<u64>> = sides.paytraq.as_ref().ok().map(|p| {
        p.money_accounts
            .iter()
            .map(|a| a.money_account_id)
            .collect()
    });
    let row = |id: &str, name: String, stale: bool| {
        let mapped = ch.payment_map.get(id).map(|a| a.get());
        let (state, state_label) = match mapped {
            _ if stale => ("stale", t.stale),
            None => ("unmapped", t.unmapped),
            Some(a) if known.as_ref().is_some_and(|k| !k.contains(&a)) => {
                ("unknown", t.unknown_target)
            }
            Some(_) => ("mapped", ""),
        };
        Row {
            id: id.to_string(),
            name,
            country: String::new(),
            class: String::new(),
            rate: String::new(),
            state,
            state_label,
            field: format!("pay.{id}"),
            current: mapped.map(|a| a.to_string()).unwrap_or_default(),
        }
    };
    let enabled: Vec<&PaymentGateway> = match &sides.shop {
        Ok((_, gateways)) => gateways.iter().filter(|g| g.enabled).collect(),
        Err(_) => Vec::new(),
    };
    let mut rows: Vec<Row> = enabled
        .iter()
        .map(|g| row(&g.id, format!("{} ({})", g.title, g.id), false))
        .collect();
    for method in ch.payment_map.keys() {
        if !enabled.iter().any(|g| g.id == method.as_str()) {
            rows.push(row(method.as_str(), method.to_string(), sides.shop.is_ok()));
        }
    }
    rows
}

/// The check's findings in words, one line each.
fn check_lines(t: &Text, lang: Lang, check: &MappingCheck) -> Vec<String> {
    let mut lines = Vec::new();
    for r in &check.unmapped_tax_rates {
        lines.push(format!(
            "{} {} ({}, {} {}): {}",
            t.col_tax_rate,
            r.name,
            r.id,
            r.country,
            percent(lang, r.rate),
            t.unmapped
        ));
    }
    for g in &check.unmapped_payment_methods {
        lines.push(format!(
            "{} {} ({}): {}",
            t.col_gateway, g.title, g.id, t.unmapped
        ));
    }
    for u in check
        .unknown_tax_keys
        .iter()
        .chain(&check.unknown_money_accounts)
        .chain(&check.unknown_settings_targets)
    {
        lines.push(format!("{} → {}: {}", u.source, u.target, t.unknown_target));
    }
    for id in &check.stale_tax_rates {
        lines.push(format!("{} {id}: {}", t.col_tax_rate, t.stale));
    }
    for m in &check.tax_rate_mismatches {
        lines.push(format!(
            "{} {} ({}) → {} ({}): {}",
            t.col_tax_rate,
            m.tax_rate_id,
            percent(lang, m.shop_rate),
            m.tax_key_name,
            percent(lang, m.key_rate),
            t.rate_differs
        ));
    }
    lines
}

#[derive(Template)]
#[template(path = "console/mappings.html")]
struct MappingsPage {
    f: Frame,
    tax_rows: Vec<Row>,
    payment_rows: Vec<Row>,
    /// PayTraq's tax keys and money accounts as (id, name), when read.
    tax_keys: Option<Vec<(String, String)>>,
    accounts: Option<Vec<(String, String)>>,
    shop_error: String,
    paytraq_error: String,
    /// The check, when both sides could be read: complete, and its findings.
    check: Option<(bool, Vec<String>)>,
}

impl MappingsPage {
    /// The dropdown of a row: PayTraq's targets, the current one selected
    /// (kept, and marked, when PayTraq does not know it).
    fn choices(&self, row: &Row, tax: bool) -> Vec<Choice> {
        let list = if tax { &self.tax_keys } else { &self.accounts };
        let mut out: Vec<Choice> = list
            .iter()
            .flatten()
            .map(|(id, name)| Choice {
                selected: *id == row.current,
                value: id.clone(),
                label: format!("{name} ({id})"),
            })
            .collect();
        if !row.current.is_empty() && !out.iter().any(|c| c.selected) {
            out.push(Choice {
                value: row.current.clone(),
                label: format!("{} ({})", row.current, self.f.t.unknown_target),
                selected: true,
            });
        }
        out
    }
}

pub async fn show(State(ctx): State<Ctx>, signed: Signed, Path(id): Path<String>) -> Response {
    let ch = match routes::channel(&ctx, &id).await {
        Ok(ch) => ch,
        Err(e) => return signed.refusal(&e),
    };
    page(&ctx, &signed, &ch, None, StatusCode::OK).await
}

/// `tax.<id>` and `pay.<id>` fields → the two mapping bodies (blank = unmapped).
fn bodies(form: &Form) -> (Map<String, Value>, Map<String, Value>) {
    let pick = |prefix| {
        form.prefixed(prefix)
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.to_string(), Value::from(v.trim())))
            .collect::<Map<String, Value>>()
    };
    (pick("tax."), pick("pay."))
}

pub async fn save(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = match signed.form(&body) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let (tax, pay) = bodies(&form);
    // Both are read before either is saved: a wrong field changes nothing.
    let mut problems = FieldErrors::default();
    for (prefix, errors) in [
        ("tax.", mappings::tax_map(&tax).err()),
        ("pay.", mappings::payment_map(&pay).err()),
    ] {
        for (field, problem) in errors.map(|e| e.0).unwrap_or_default() {
            problems.add(format!("{prefix}{field}"), problem);
        }
    }
    let saved = async {
        problems.into_result(())?;
        routes::save_tax_map(&ctx, &id, &tax).await?;
        routes::save_payment_map(&ctx, &id, &pay).await
    }
    .await;
    let t = signed.lang.text();
    let (result, status) = match &saved {
        Ok(_) => (Flash::ok(t.saved), StatusCode::OK),
        Err(ApiError::NotFound(what)) => return signed.refusal(&ApiError::NotFound(what.clone())),
        Err(e) => (Flash::error(t, e), e.status()),
    };
    let ch = match routes::channel(&ctx, &id).await {
        Ok(ch) => ch,
        Err(e) => return signed.refusal(&e),
    };
    page(&ctx, &signed, &ch, result, status).await
}

async fn page(
    ctx: &Ctx,
    signed: &Signed,
    ch: &Channel,
    result: Option<Flash>,
    status: StatusCode,
) -> Response {
    let t = signed.lang.text();
    let lang = signed.lang;
    let sides = Sides::read(ctx, ch).await;
    let check = match (&sides.shop, &sides.paytraq) {
        (Ok((taxes, gateways)), Ok(targets)) => {
            let check = mappings::check(ch, taxes, gateways, targets);
            Some((check.complete, check_lines(t, lang, &check)))
        }
        _ => None,
    };
    let named = |pairs: Vec<(u64, String)>| -> Vec<(String, String)> {
        let sorted: BTreeMap<u64, String> = pairs.into_iter().collect();
        sorted
            .into_iter()
            .map(|(id, n)| (id.to_string(), n))
            .collect()
    };
    let (tax_keys, accounts, paytraq_error) = match &sides.paytraq {
        Ok(p) => (
            Some(named(
                p.tax_keys
                    .iter()
                    .map(|k| (k.tax_key_id, k.name.clone()))
                    .collect(),
            )),
            Some(named(
                p.money_accounts
                    .iter()
                    .map(|a| (a.money_account_id, a.name.clone()))
                    .collect(),
            )),
            String::new(),
        ),
        Err(e) => (None, None, e.clone()),
    };
    let mut f = signed.frame(t.mappings_title, "mappings", Some(ch));
    f.result = result;
    let page = MappingsPage {
        tax_rows: tax_rows(t, lang, ch, &sides),
        payment_rows: payment_rows(t, ch, &sides),
        f,
        tax_keys,
        accounts,
        shop_error: sides.shop.as_ref().err().cloned().unwrap_or_default(),
        paytraq_error,
        check,
    };
    render(status, &page)
}
