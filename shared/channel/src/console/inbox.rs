//! The Sales Inbox: the orders newest first, a page at a time, filtered by
//! status and searched by order number or customer, with the count of each
//! status (from the status listings, no order read); one order's page
//! (event log, PayTraq documents — replaced invoices, credit notes, the
//! current one — and totals next to the shop's, notes) and its actions —
//! process or reprocess, mark handled, reissue (only when possible) — each
//! confirmed first and done by the admin API's own functions.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::Value;

use super::locale::Lang;
use super::page::{render, Flash, Frame, Signed};
use super::text::Text;
use crate::admin::routes;
use crate::admin::{ApiError, Ctx};
use crate::model::{Channel, Credited, DocumentType, InboxOrder, OrderStatus};
use crate::processing::reissue_refusal;
use crate::store::Direction;

/// Orders on one page.
pub const PAGE: usize = 50;
/// Most orders a search reads (newest first) before it stops and says so.
pub const SEARCH_SCAN: usize = 2_000;

/// A status's words.
pub fn status_label(t: &Text, status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Received => t.st_received,
        OrderStatus::DocumentCreated => t.st_document_created,
        OrderStatus::Approved => t.st_approved,
        OrderStatus::Paid => t.st_paid,
        OrderStatus::Emailed => t.st_emailed,
        OrderStatus::Done => t.st_done,
        OrderStatus::NeedsReview => t.st_needs_review,
        OrderStatus::Failed => t.st_failed,
        OrderStatus::Handled => t.st_handled,
    }
}

/// One order as listed.
pub struct OrderRow {
    pub key: String,
    pub number: String,
    pub customer: String,
    pub total: String,
    pub payment: String,
    pub document: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub date: String,
    /// The order in the shop's admin ("" when the order has no id).
    pub shop_link: String,
}

impl OrderRow {
    fn of(lang: Lang, ch: &Channel, o: &InboxOrder) -> Self {
        let s = o.summary.as_ref();
        Self {
            key: o.key.clone(),
            number: s.map_or_else(|| o.key.clone(), |s| s.number.clone()),
            customer: customer(o),
            total: s.map_or_else(String::new, |s| lang.money(s.total, &s.currency)),
            payment: s.map_or_else(String::new, |s| s.payment_method.clone()),
            document: o.paytraq.document_number.clone().unwrap_or_default(),
            status: o.status.as_str(),
            status_label: status_label(lang.text(), o.status),
            date: lang.datetime(s.and_then(|s| s.date_created_gmt).unwrap_or(o.received_at)),
            // WooCommerce sends this legacy edit link on to its order
            // screen when orders are kept in their own tables (HPOS).
            shop_link: o.order_id.map_or_else(String::new, |id| {
                format!(
                    "{}/wp-admin/post.php?post={id}&action=edit",
                    ch.shop_url.trim_end_matches('/')
                )
            }),
        }
    }
}

/// The order's customer: billing name, else company, else e-mail.
fn customer(o: &InboxOrder) -> String {
    let payload: Value = serde_json::from_str(&o.payload).unwrap_or(Value::Null);
    let billing = &payload["billing"];
    let field = |name: &str| billing[name].as_str().unwrap_or("").trim().to_string();
    let name = format!("{} {}", field("first_name"), field("last_name"))
        .trim()
        .to_string();
    [name, field("company")]
        .into_iter()
        .find(|s| !s.is_empty())
        .or_else(|| o.summary.as_ref().and_then(|s| s.billing_email.clone()))
        .unwrap_or_default()
}

/// Whether an order is what a search (lower case) asks for.
fn matches(o: &InboxOrder, q: &str) -> bool {
    // A quick look at the raw payload before reading it; only for plain
    // ASCII words, which a shop's JSON never writes as \u escapes.
    if q.is_ascii() && !o.payload.to_ascii_lowercase().contains(q) && !o.key.contains(q) {
        return false;
    }
    let summary = o.summary.as_ref();
    o.key == q
        || summary.is_some_and(|s| {
            s.number.to_lowercase().contains(q)
                || s.billing_email
                    .as_deref()
                    .is_some_and(|e| e.to_lowercase().contains(q))
        })
        || customer(o).to_lowercase().contains(q)
}

/// The count of one status, and the filter link it is.
pub struct Count {
    pub status: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
struct InboxPage {
    f: Frame,
    channel_id: String,
    counts: Vec<Count>,
    q: String,
    rows: Vec<OrderRow>,
    /// The next page's link ("" on the last page).
    next_href: String,
    first_href: String,
    /// Set when a search stopped after [`SEARCH_SCAN`] orders.
    scanned: usize,
}

pub async fn list(
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
    let mut problems = Vec::new();
    let status = match q.get("status").map(String::as_str) {
        None | Some("") => None,
        Some(s) => match OrderStatus::parse(s) {
            Some(s) => Some(s),
            None => {
                problems.push(("status".to_string(), format!("{s}?")));
                None
            }
        },
    };
    let search: String = q
        .get("q")
        .map(|s| s.trim().chars().take(100).collect())
        .unwrap_or_default();
    let cursor = q.get("cursor").filter(|c| !c.is_empty() && c.len() <= 1000);
    let mut counts = Vec::with_capacity(OrderStatus::ALL.len());
    for s in OrderStatus::ALL {
        match ctx.app.repo.count_orders(&id, s, routes::BACKLOG_CAP).await {
            Ok(count) => counts.push(Count {
                status: s.as_str(),
                label: status_label(t, s),
                count,
                selected: status == Some(s),
            }),
            Err(e) => return signed.refusal(&e.into()),
        }
    }
    let listed = if search.is_empty() {
        page_of(&ctx, &id, status, cursor.map(String::as_str)).await
    } else {
        searched(&ctx, &id, status, &search.to_lowercase()).await
    };
    let (orders, next, scanned) = match listed {
        Ok(found) => found,
        Err(e) => return signed.refusal(&e),
    };
    let base = format!("/console/channels/{id}/orders");
    let with = |extra: Option<&str>| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(s) = status {
            query.append_pair("status", s.as_str());
        }
        if let Some(c) = extra {
            query.append_pair("cursor", c);
        }
        format!("{base}?{}", query.finish())
    };
    let mut f = signed.frame(t.inbox_title, "inbox", Some(&ch));
    if !problems.is_empty() {
        f.result = Some(Flash {
            outcome: "error",
            message: t.fix_fields.to_string(),
            fields: problems,
        });
    }
    let page = InboxPage {
        f,
        channel_id: id.clone(),
        counts,
        q: search,
        rows: orders
            .iter()
            .map(|o| OrderRow::of(signed.lang, &ch, o))
            .collect(),
        next_href: next.as_deref().map(|n| with(Some(n))).unwrap_or_default(),
        first_href: if cursor.is_some() {
            with(None)
        } else {
            String::new()
        },
        scanned,
    };
    render(StatusCode::OK, &page)
}

type Listed = (Vec<InboxOrder>, Option<String>, usize);

/// One page of the listing, newest first.
async fn page_of(
    ctx: &Ctx,
    id: &str,
    status: Option<OrderStatus>,
    cursor: Option<&str>,
) -> Result<Listed, ApiError> {
    let page = ctx
        .app
        .repo
        .list_orders_in(id, status, Direction::Descending, cursor, PAGE)
        .await?;
    Ok((page.items, page.next, 0))
}

/// The newest orders a search finds: an order number is looked up at
/// once; otherwise up to [`SEARCH_SCAN`] orders are read, newest first.
async fn searched(
    ctx: &Ctx,
    id: &str,
    status: Option<OrderStatus>,
    q: &str,
) -> Result<Listed, ApiError> {
    let wanted = |o: &InboxOrder| status.is_none_or(|s| o.status == s);
    if q.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(o) = ctx.app.repo.get_order(id, q).await? {
            if wanted(&o) {
                return Ok((vec![o], None, 0));
            }
        }
    }
    let mut found = Vec::new();
    let mut read = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page = ctx
            .app
            .repo
            .list_orders_in(id, status, Direction::Descending, cursor.as_deref(), 200)
            .await?;
        read += page.items.len();
        found.extend(page.items.into_iter().filter(|o| matches(o, q)));
        if found.len() >= PAGE {
            found.truncate(PAGE);
            return Ok((found, None, 0));
        }
        match page.next {
            Some(next) if read < SEARCH_SCAN => cursor = Some(next),
            Some(_) => return Ok((found, None, read)),
            None => return Ok((found, None, 0)),
        }
    }
}

/// A tax line of the shop order, with the tax key it maps to.
pub struct TaxLine {
    pub label: String,
    pub rate_id: String,
    pub tax_key: String,
    pub amount: String,
}

/// A timeline entry as shown.
pub struct Event {
    pub at: String,
    pub kind: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "console/order.html")]
struct OrderPage {
    f: Frame,
    channel_id: String,
    o: OrderRow,
    reason: String,
    shop_total: String,
    paytraq_total: String,
    difference: String,
    rounding: String,
    taxes: Vec<TaxLine>,
    events: Vec<Event>,
    notes: Vec<String>,
    /// `process`, `reprocess` or "" (nothing to process).
    process: &'static str,
    process_label: &'static str,
    can_handle: bool,
    /// The order can be reissued now (see `reissue_refusal`).
    can_reissue: bool,
    documents: Vec<DocumentRow>,
}

/// One PayTraq document of the order as shown: replaced invoices, credit
/// notes, the current document.
pub struct DocumentRow {
    /// `replaced`, `credit_note` or `current`.
    pub kind: &'static str,
    pub label: &'static str,
    pub number: String,
    pub total: String,
    pub detail: String,
}

pub async fn order(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path((id, key)): Path<(String, String)>,
) -> Response {
    order_page(&ctx, &signed, &id, &key, None, StatusCode::OK).await
}

async fn order_page(
    ctx: &Ctx,
    signed: &Signed,
    id: &str,
    key: &str,
    result: Option<Flash>,
    status: StatusCode,
) -> Response {
    let found = async {
        let ch = routes::channel(ctx, id).await?;
        let o = routes::order(ctx, id, key).await?;
        Ok::<_, ApiError>((ch, o))
    }
    .await;
    let (ch, o) = match found {
        Ok(found) => found,
        Err(e) => return signed.refusal(&e),
    };
    let lang = signed.lang;
    let t = lang.text();
    let currency = o
        .summary
        .as_ref()
        .map_or("EUR".to_string(), |s| s.currency.clone());
    let money = |d: Option<Decimal>| d.map(|d| lang.money(d, &currency)).unwrap_or_default();
    let shop_total = o.summary.as_ref().map(|s| s.total);
    let paytraq_total = o.paytraq.document_total;
    let (process, process_label) = match o.status {
        OrderStatus::Received => ("process", t.process),
        OrderStatus::Done | OrderStatus::Handled => ("", ""),
        _ => ("reprocess", t.reprocess),
    };
    let mut f = signed.frame(&format!("{} {}", t.order_title, o.key), "inbox", Some(&ch));
    f.result = result;
    let page = OrderPage {
        f,
        channel_id: ch.id.clone(),
        o: OrderRow::of(lang, &ch, &o),
        reason: o.reason.clone().unwrap_or_default(),
        shop_total: money(shop_total),
        paytraq_total: money(paytraq_total),
        difference: match (shop_total, paytraq_total) {
            (Some(s), Some(p)) if s != p => money(Some(s - p)),
            _ => String::new(),
        },
        rounding: money(o.paytraq.rounding_adjustment),
        taxes: tax_lines(lang, &ch, &o, &currency),
        events: o
            .timeline
            .iter()
            .rev()
            .map(|e| Event {
                at: lang.datetime(e.at),
                kind: e.kind.clone(),
                message: e.message.clone(),
            })
            .collect(),
        notes: o.notes_sent.clone(),
        process,
        process_label,
        can_handle: !matches!(o.status, OrderStatus::Done | OrderStatus::Handled),
        can_reissue: reissue_refusal(&ch, &o).is_none(),
        documents: documents(lang, &ch, &o, &currency),
    };
    render(status, &page)
}

/// The order's PayTraq documents, oldest first: the invoices a reissue
/// replaced, the credit notes, the current document.
fn documents(lang: Lang, ch: &Channel, o: &InboxOrder, currency: &str) -> Vec<DocumentRow> {
    let t = lang.text();
    let money = |d: Option<Decimal>| d.map(|d| lang.money(d, currency)).unwrap_or_default();
    let number = |n: &Option<String>, id: Option<u64>| {
        n.clone()
            .or_else(|| id.map(|id| format!("id {id}")))
            .unwrap_or_default()
    };
    let p = &o.paytraq;
    let replaced = p.replaced.iter().map(|r| DocumentRow {
        kind: "replaced",
        label: t.doc_replaced,
        number: number(&r.document_number, Some(r.document_id)),
        total: money(Some(r.document_total)),
        detail: r
            .replaced_by
            .as_ref()
            .map(|by| format!("{} {by}", t.doc_replaced_by))
            .unwrap_or_default(),
    });
    let credit_notes = p.credit_notes.iter().map(|c| DocumentRow {
        kind: "credit_note",
        label: t.doc_credit_note,
        number: number(&c.document_number, c.document_id),
        total: money(Some(c.document_total.unwrap_or(-c.amount))),
        detail: match c.credits {
            Credited::Refund { refund_id } => format!("{} #{refund_id}", t.doc_for_refund),
            Credited::Cancellation => t.doc_for_cancelled.to_string(),
            Credited::Reissue { reissue } => p
                .replaced
                .iter()
                .find(|r| r.reissue == reissue)
                .map(|r| {
                    format!(
                        "{} {}",
                        t.doc_credits,
                        number(&r.document_number, Some(r.document_id))
                    )
                })
                .unwrap_or_default(),
        },
    });
    let current = p.document_id.map(|id| DocumentRow {
        kind: "current",
        label: match ch.settings.document_type {
            DocumentType::SalesInvoice => t.doc_invoice,
            DocumentType::SalesOrder => t.doc_sales_order,
        },
        number: number(&p.document_number, Some(id)),
        total: money(p.document_total),
        detail: String::new(),
    });
    replaced.chain(credit_notes).chain(current).collect()
}

/// The shop order's tax lines (`tax_lines`), each with its mapped tax key.
fn tax_lines(lang: Lang, ch: &Channel, o: &InboxOrder, currency: &str) -> Vec<TaxLine> {
    let payload: Value = serde_json::from_str(&o.payload).unwrap_or(Value::Null);
    let amount = |v: &Value| -> Decimal {
        match v {
            Value::String(s) => s.parse().unwrap_or_default(),
            Value::Number(n) => n.to_string().parse().unwrap_or_default(),
            _ => Decimal::ZERO,
        }
    };
    payload["tax_lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|line| {
            let rate_id = line["rate_id"].as_u64();
            TaxLine {
                label: line["label"].as_str().unwrap_or("").to_string(),
                rate_id: rate_id.map(|r| r.to_string()).unwrap_or_default(),
                tax_key: rate_id
                    .and_then(|r| ch.tax_map.get(&r))
                    .map(|k| k.to_string())
                    .unwrap_or_else(|| lang.text().unmapped.to_string()),
                amount: lang.money(
                    amount(&line["tax_total"]) + amount(&line["shipping_tax_total"]),
                    currency,
                ),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "console/confirm.html")]
struct ConfirmPage {
    f: Frame,
    text: &'static str,
    action_href: String,
    back_href: String,
    button: &'static str,
}

/// `GET …/confirm/{process|handled|reissue}`: what the action does, and a button.
pub async fn confirm(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path((id, key, action)): Path<(String, String, String)>,
) -> Response {
    let found = async {
        let act = OrderAction::from_path(&action)?;
        let ch = routes::channel(&ctx, &id).await?;
        routes::order(&ctx, &id, &key).await?;
        Ok::<_, ApiError>((act, ch))
    }
    .await;
    let (act, ch) = match found {
        Ok(found) => found,
        Err(e) => return signed.refusal(&e),
    };
    let t = signed.lang.text();
    let (text, button, _) = act.words(t);
    let base = format!("/console/channels/{id}/orders/{key}");
    let f = signed.frame(&format!("{} {key}", t.order_title), "inbox", Some(&ch));
    render(
        StatusCode::OK,
        &ConfirmPage {
            f,
            text,
            action_href: format!("{base}/{action}"),
            back_href: base,
            button,
        },
    )
}

/// The three things a person can do to one order, each behind a
/// confirmation page and a signed form (the admin API's routes do the work).
#[derive(Clone, Copy)]
enum OrderAction {
    Process,
    Handled,
    Reissue,
}

impl OrderAction {
    /// The action named by the last segment of its path.
    fn from_path(segment: &str) -> Result<Self, ApiError> {
        match segment {
            "process" => Ok(Self::Process),
            "handled" => Ok(Self::Handled),
            "reissue" => Ok(Self::Reissue),
            _ => Err(ApiError::NotFound(format!("action {segment}"))),
        }
    }

    /// The confirmation text, the button, and what is said when it is done.
    fn words(self, t: &Text) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Process => (t.confirm_process, t.process, t.processed),
            Self::Handled => (t.confirm_handled, t.mark_handled, t.handled_done),
            Self::Reissue => (t.confirm_reissue, t.reissue, t.reissued_done),
        }
    }

    async fn run(self, ctx: &Ctx, id: &str, key: &str) -> Result<InboxOrder, ApiError> {
        match self {
            Self::Process => routes::process(ctx, id, key).await,
            Self::Handled => routes::handled(ctx, id, key).await,
            Self::Reissue => routes::reissue(ctx, id, key).await,
        }
    }
}

/// `POST …/{process|handled|reissue}`: the confirmed action, then the
/// order page with its result.
pub async fn act(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path((id, key, action)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    if let Err(refused) = signed.form(&body) {
        return *refused;
    }
    let act = match OrderAction::from_path(&action) {
        Ok(act) => act,
        Err(e) => return signed.refusal(&e),
    };
    let done = act.run(&ctx, &id, &key).await;
    let (_, _, said) = act.words(signed.lang.text());
    answer(&ctx, &signed, &id, &key, done, said).await
}

/// The order page with the action's result.
async fn answer(
    ctx: &Ctx,
    signed: &Signed,
    id: &str,
    key: &str,
    done: Result<InboxOrder, ApiError>,
    ok: &str,
) -> Response {
    let t = signed.lang.text();
    match done {
        Ok(_) => order_page(ctx, signed, id, key, Flash::ok(ok), StatusCode::OK).await,
        Err(e @ ApiError::NotFound(_)) => signed.refusal(&e),
        Err(e) => order_page(ctx, signed, id, key, Flash::error(t, &e), e.status()).await,
    }
}
