//! The PayTraq API routes of the sandbox (`/api/...`), answering with the
//! XML shapes of the reference. Authentication, rate limiting, latency and
//! fault injection happen before these handlers (see `control.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::input::{self, decimal, id, parse_body, text, ListQuery};
use super::state::{
    AdjustmentRec, ClientRec, Company, DocLink, EmailRec, JournalRec, PaymentRec, SaleKind,
    SaleLineRec, SaleRec,
};
use super::totals::{self, AdjustmentInput, LineInput};
use super::xml_out::{error_body, fixed2, Xml};
use super::Shared;

/// Records per page, as PayTraq.
pub const PAGE_SIZE: usize = 100;

/// The authenticated company of a request (its API key), set by the auth layer.
#[derive(Clone, Debug)]
pub struct CompanyKey(pub String);

/// A failed request: status and `<Error>` message.
#[derive(Debug)]
pub struct ApiErr(pub StatusCode, pub String);

impl ApiErr {
    pub fn bad(msg: &str) -> Self {
        Self(StatusCode::BAD_REQUEST, msg.to_owned())
    }
    pub fn not_found(what: &str) -> Self {
        Self(StatusCode::NOT_FOUND, format!("{what} not found"))
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        xml_response(self.0, error_body(self.0.as_u16(), &self.1))
    }
}

pub fn xml_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

type ApiResult = Result<Response, ApiErr>;

fn ok(body: String) -> ApiResult {
    Ok(xml_response(StatusCode::OK, body))
}

/// `<Response><DocumentID>id</DocumentID></Response>`, the reply of every sale write.
fn document_reply(id: u64) -> ApiResult {
    ok(Xml::new()
        .open("Response")
        .leaf("DocumentID", id.to_string())
        .close("Response")
        .finish())
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/clients", get(list_clients))
        .route("/api/client", post(create_client))
        .route("/api/client/{id}", get(get_client))
        .route("/api/products", get(list_products))
        .route("/api/productPriceList/{group}", get(price_list))
        .route("/api/taxKeys", get(tax_keys))
        .route("/api/warehouses", get(warehouses))
        .route("/api/moneyAccounts", get(money_accounts))
        .route("/api/sale", post(create_sale))
        .route("/api/sales", get(list_sales))
        .route("/api/sale/{id}", get(get_sale).post(update_sale))
        .route("/api/sale/{id}/approve", post(approve_sale))
        .route("/api/sale/{id}/payment", post(add_payment))
        .route("/api/sale/{id}/send", post(send_sale))
        .route("/api/sale/{id}/void", post(void_sale))
}

/// Runs `f` on the request's company with the world locked.
fn with_company<T>(
    sb: &Shared,
    key: &CompanyKey,
    f: impl FnOnce(&mut Company) -> Result<T, ApiErr>,
) -> Result<T, ApiErr> {
    let mut world = sb.world();
    let company = world
        .companies
        .get_mut(&key.0)
        .ok_or(ApiErr(StatusCode::UNAUTHORIZED, "unknown company".into()))?;
    f(company)
}

fn paged<T>(items: Vec<T>, page: usize) -> Vec<T> {
    items
        .into_iter()
        .skip(page * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect()
}

fn matches(query: &Option<String>, fields: &[Option<&str>]) -> bool {
    match text(query) {
        None => true,
        Some(q) => {
            let q = q.to_lowercase();
            fields
                .iter()
                .flatten()
                .any(|f| f.to_lowercase().contains(&q))
        }
    }
}

/// Wraps a page of items in a root element (`<Root/>` when empty).
fn list_xml<T>(root: &str, items: &[T], mut item: impl FnMut(&mut Xml, &T)) -> String {
    let mut x = Xml::new();
    if items.is_empty() {
        return x.leaf(root, "").finish();
    }
    x.open(root);
    for i in items {
        item(&mut x, i);
    }
    x.close(root).finish()
}

// ------------------------------------------------------------ clients

fn client_xml(x: &mut Xml, c: &ClientRec) {
    x.open("Client")
        .leaf("ClientID", c.id.to_string())
        .leaf("Name", &c.name)
        .opt("Email", c.email.as_deref())
        .opt("Type", c.client_type.as_deref())
        .leaf("Status", "true")
        .opt("RegNumber", c.reg_number.as_deref())
        .opt("VatNumber", c.vat_number.as_deref())
        .opt("Phone", c.phone.as_deref())
        .open("LegalAddress")
        .opt("Address", c.address.as_deref())
        .opt("Zip", c.zip.as_deref())
        .opt("Country", c.country.as_deref())
        .close("LegalAddress")
        .close("Client");
}

async fn list_clients(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let page = input::page(&q)?;
    with_company(&sb, &key, |co| {
        let found: Vec<ClientRec> = co
            .clients
            .values()
            .filter(|c| {
                matches(
                    &q.query,
                    &[Some(&c.name), c.email.as_deref(), c.reg_number.as_deref()],
                )
            })
            .cloned()
            .collect();
        ok(list_xml("Clients", &paged(found, page), client_xml))
    })
}

async fn get_client(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Path(client_id): Path<String>,
) -> ApiResult {
    let client_id = id("ClientID", &Some(client_id))?.unwrap_or_default();
    with_company(&sb, &key, |co| {
        let c = co
            .clients
            .get(&client_id)
            .ok_or(ApiErr::not_found("client"))?;
        let mut x = Xml::new();
        client_xml(&mut x, c);
        ok(x.finish())
    })
}

async fn create_client(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    body: Bytes,
) -> ApiResult {
    let c: input::ClientIn = parse_body(&body)?;
    let name = text(&c.name).ok_or(ApiErr::bad("Name is required"))?;
    with_company(&sb, &key, |co| {
        let id = co.fresh_id();
        let address = c.legal_address.unwrap_or_default();
        co.clients.insert(
            id,
            ClientRec {
                id,
                name,
                email: text(&c.email),
                client_type: text(&c.client_type),
                reg_number: text(&c.reg_number),
                vat_number: text(&c.vat_number),
                phone: text(&c.phone),
                address: text(&address.address),
                zip: text(&address.zip),
                country: text(&address.country),
            },
        );
        ok(Xml::new()
            .open("Response")
            .leaf("ClientID", id.to_string())
            .close("Response")
            .finish())
    })
}

// ------------------------------------------------------------ catalogue

async fn list_products(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let page = input::page(&q)?;
    let warehouse = id("WarehouseID", &q.warehouse_id)?;
    with_company(&sb, &key, |co| {
        let found: Vec<_> = co
            .products
            .values()
            .filter(|p| matches(&q.query, &[Some(&p.code), Some(&p.name)]))
            .cloned()
            .collect();
        let body = list_xml("Products", &paged(found, page), |x, p| {
            let on_hand = co.on_hand(warehouse, p.id);
            let available = on_hand - co.reserved(warehouse, p.id);
            x.open("Product")
                .leaf("ItemID", p.id.to_string())
                .leaf("Code", &p.code)
                .leaf("Name", &p.name)
                .leaf("Status", "1")
                .leaf("Type", "1")
                .open("Inventory")
                .num("Qty", on_hand)
                .num("InterimAvailable", available)
                .close("Inventory")
                .open("Price")
                .leaf(
                    "GrossAmount",
                    p.gross_price.map(super::xml_out::money).unwrap_or_default(),
                )
                .leaf(
                    "TaxRate",
                    p.tax_rate
                        .map(|r| r.normalize().to_string())
                        .unwrap_or_default(),
                )
                .leaf("Currency", "EUR")
                .close("Price")
                .close("Product");
        });
        ok(body)
    })
}

async fn price_list(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Path(group): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let group = id("PriceGroupID", &Some(group))?.unwrap_or_default();
    let page = input::page(&q)?;
    with_company(&sb, &key, |co| {
        let pg = co
            .price_groups
            .get(&group)
            .ok_or(ApiErr::not_found("price group"))?;
        let rows: Vec<(u64, (Decimal, Decimal))> =
            pg.prices.iter().map(|(k, v)| (*k, *v)).collect();
        ok(list_xml(
            "Products",
            &paged(rows, page),
            |x, (item, (incl, excl))| {
                let code = co.products.get(item).map(|p| p.code.as_str());
                x.open("Product")
                    .leaf("ItemID", item.to_string())
                    .opt("Code", code)
                    .open("Price")
                    .money("PriceIncTax", *incl)
                    .money("PriceExclTax", *excl)
                    .close("Price")
                    .close("Product");
            },
        ))
    })
}

async fn tax_keys(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
) -> ApiResult {
    with_company(&sb, &key, |co| {
        let keys: Vec<_> = co.tax_keys.values().cloned().collect();
        ok(list_xml("TaxKeys", &keys, |x, k| {
            x.open("TaxKey")
                .leaf("TaxKeyID", k.id.to_string())
                .leaf("TaxKeyName", &k.name)
                .num("TaxRate", k.rate)
                .close("TaxKey");
        }))
    })
}

async fn warehouses(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
) -> ApiResult {
    with_company(&sb, &key, |co| {
        let all: Vec<(u64, String)> = co.warehouses.iter().map(|(k, v)| (*k, v.clone())).collect();
        ok(list_xml("Warehouses", &all, |x, (id, name)| {
            x.open("Warehouse")
                .leaf("WarehouseID", id.to_string())
                .leaf("WarehouseName", name)
                .close("Warehouse");
        }))
    })
}

async fn money_accounts(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
) -> ApiResult {
    with_company(&sb, &key, |co| {
        let all: Vec<_> = co.money_accounts.values().cloned().collect();
        ok(list_xml("MoneyAccounts", &all, |x, a| {
            x.open("MoneyAccount")
                .leaf("MoneyAccountID", a.id.to_string())
                .leaf("MoneyAccountName", &a.name)
                .leaf("Currency", &a.currency)
                .close("MoneyAccount");
        }))
    })
}

// ------------------------------------------------------------ sales

/// The sandbox's chart of accounts, named in sale replies as real ones
/// name theirs (`Account/(AccountID, AccountCode, AccountName)`).
mod accounts {
    pub const RECEIVABLE: u64 = 9_002_310;
    pub const SALES: (u64, &str, &str) = (9_006_110, "6110", "Ieņēmumi no pamatdarbības");
    pub const SHIPPING: (u64, &str, &str) = (9_006_111, "6111", "Ieņēmumi piegādes");
    pub const DISCOUNTS: (u64, &str, &str) = (9_006_410, "6410", "Piešķirtās atlaides");
    pub const OTHER_INCOME: (u64, &str, &str) = (9_008_150, "8150", "Citi ieņēmumi");
    pub const VAT: (u64, &str) = (9_005_721, "5721 - Aprēķinātais PVN");
    pub const UNIT: (u64, &str) = (9_000_001, "gab.");
    /// Journal types of an approved invoice, credit note, and the other half.
    pub const SALES_JOURNAL: (u64, &str) = (141_182, "Pārdošanas nodokļa rēķins");
    pub const CREDIT_JOURNAL: (u64, &str) = (141_184, "Pārdošanas kredītrēķins");
    pub const OTHER_JOURNAL: (u64, &str) = (141_193, "Cits");
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn stamp(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn account(x: &mut Xml, (id, code, name): (u64, &str, &str)) {
    x.open("Account")
        .field("AccountID", id.to_string())
        .field("AccountCode", code)
        .field("AccountName", name)
        .close("Account");
}

fn tax_key(x: &mut Xml, co: &Company, key: u64) {
    let name = co.tax_keys.get(&key).map(|t| t.name.as_str());
    x.open("TaxKey")
        .field("TaxKeyID", key.to_string())
        .field("TaxKeyName", name.unwrap_or_default())
        .close("TaxKey");
}

/// `InvoiceReference` and the like: empty, or one `DocumentLink`.
fn reference(x: &mut Xml, name: &str, link: Option<&DocLink>) {
    x.open(name);
    if let Some(l) = link {
        x.open("DocumentLink")
            .field("DocumentID", l.id.to_string())
            .field("DocumentRef", &l.reference)
            .close("DocumentLink");
    }
    x.close(name);
}

/// A sale as `GET /api/sale/{id}` answers it (`full`), or as a list item
/// of `GET /api/sales` (the header). Element order, presence and value
/// formats follow the real replies (fixtures README §4, §10): every element
/// is present, empty ones written `<X></X>`; money with two decimals,
/// quantities and prices with at least two.
fn sale_xml(x: &mut Xml, s: &SaleRec, co: &Company, full: bool) {
    let warehouse_name = s
        .warehouse_id
        .and_then(|w| co.warehouses.get(&w))
        .map(String::as_str);
    let (pay_term_type, pay_term_days) = s.pay_term.unwrap_or((1, 0));
    x.open("Sale")
        .open("Header")
        .open("Document")
        .field("DocumentID", s.id.to_string())
        .field("DocumentDate", ymd(s.date))
        .field("DocumentRef", &s.number)
        .field("DocumentType", "sale")
        .field("DocumentStatus", &s.status)
        .open("Client")
        .field("ClientID", s.client_id.to_string())
        .field("ClientName", &s.client_name)
        .close("Client")
        .close("Document")
        .field("SaleType", s.kind.as_str())
        .field("Operation", &s.operation)
        .money("Total", s.header_total())
        .money("AmountDue", s.amount_due())
        .field("DueNoticeEnabled", "false")
        .field("Currency", &s.currency)
        .field("BalanceCurrency", &s.currency)
        .field("CurrencyRate", "1.00")
        .field("TaxBasis", "1")
        .field("IncludeTax", if s.include_tax { "true" } else { "false" })
        .field("UseOverpayment", "false")
        .field("DateDue", ymd(s.date_due.unwrap_or(s.date)))
        .field("DateApproved", ymd(s.date_approved.unwrap_or(s.date)))
        .field("IssuedBy", "Sandbox API")
        .field("Discount", "0.00")
        // Sales orders carry PayTraq's default 100 % deposit, others none.
        .field(
            "Deposit",
            if s.kind == SaleKind::SalesOrder {
                "100.00"
            } else {
                ""
            },
        )
        .field("Comment", s.comment.as_deref().unwrap_or_default())
        .field("Signature", "1")
        .open("InvoicePeriod")
        .field("PeriodType", "0")
        .empty("PeriodStart")
        .empty("PeriodEnd")
        .close("InvoicePeriod")
        .open("PayTerm")
        .field("PayTermType", pay_term_type.to_string())
        .field("PayTermDays", pay_term_days.to_string())
        .close("PayTerm")
        .field("PaymentMethod", "1")
        .field("AccountID", accounts::RECEIVABLE.to_string())
        .open("ShippingData")
        .field("ShippingType", "1");
    match s.warehouse_id {
        Some(w) => {
            x.open("Warehouse")
                .field("WarehouseID", w.to_string())
                .field("WarehouseName", warehouse_name.unwrap_or_default())
                .close("Warehouse");
        }
        None => {
            x.empty("Warehouse");
        }
    }
    x.empty("LoadingArea")
        .empty("Shipper")
        .empty("ShippingAddress")
        .close("ShippingData")
        .empty("Project")
        .open("TimeStamps")
        .field("Created", stamp(s.created))
        .field("Updated", stamp(s.updated))
        .close("TimeStamps")
        .close("Header");
    if full {
        sale_body_xml(x, s, co);
    }
    x.close("Sale");
}

/// Everything of a full sale reply after its `Header`.
fn sale_body_xml(x: &mut Xml, s: &SaleRec, co: &Company) {
    x.empty("CustomData").open("LineItems");
    for l in &s.lines {
        x.open("LineItem");
        account(x, accounts::SALES);
        match l.item_id {
            Some(item) => {
                x.open("Item")
                    .field("ItemID", item.to_string())
                    .field("ItemCode", l.item_code.as_deref().unwrap_or_default())
                    .field("ItemName", l.item_name.as_deref().unwrap_or_default())
                    .close("Item");
            }
            None => {
                x.empty("Item");
            }
        }
        x.empty("ItemLot")
            .field("Description", l.description.as_deref().unwrap_or_default())
            .empty("ItemDescription")
            .field("Qty", fixed2(l.qty))
            .field("Price", fixed2(l.price))
            .field("LineDiscount", fixed2(l.discount_pct))
            .money("LineTotal", l.line_total)
            .open("Unit")
            .field("UnitID", accounts::UNIT.0.to_string())
            .field("UnitName", accounts::UNIT.1)
            .close("Unit");
        tax_key(x, co, l.tax_key_id);
        x.close("LineItem");
    }
    x.close("LineItems").open("Adjustments");
    for a in &s.adjustments {
        let untaxed = co
            .tax_keys
            .get(&a.tax_key_id)
            .is_some_and(|k| k.rate.is_zero());
        x.open("Adjustment");
        account(
            x,
            if untaxed {
                accounts::OTHER_INCOME
            } else {
                accounts::DISCOUNTS
            },
        );
        x.money("Amount", a.value)
            .empty("Description")
            .field("TypeID", &a.type_id)
            .field("PctOrAmount", &a.pct_or_amount);
        tax_key(x, co, a.tax_key_id);
        x.close("Adjustment");
    }
    x.close("Adjustments").open("ShippingCharge");
    match s.shipping {
        Some((amount, key)) => {
            account(x, accounts::SHIPPING);
            x.money("Amount", amount);
            tax_key(x, co, key);
        }
        None => {
            x.empty("Account")
                .empty("Amount")
                .open("TaxKey")
                .empty("TaxKeyID")
                .empty("TaxKeyName")
                .close("TaxKey");
        }
    }
    x.close("ShippingCharge").open("Taxes");
    for t in &s.taxes {
        let key_name = co
            .tax_keys
            .get(&t.tax_key_id)
            .map(|k| k.name.as_str())
            .unwrap_or_default();
        x.open("Tax");
        tax_key(x, co, t.tax_key_id);
        x.field(
            "TaxName",
            if key_name.contains("PVN") {
                "PVN"
            } else {
                "VAT"
            },
        )
        .money("GrossAmount", t.gross)
        .money("NetAmount", t.net)
        .money("TaxAmount", t.tax)
        .open("Account")
        .field("AccountID", accounts::VAT.0.to_string())
        .field("AccountName", accounts::VAT.1)
        .close("Account")
        .close("Tax");
    }
    x.close("Taxes")
        .open("Totals")
        .money("GrossAmount", s.header_total())
        .money("NetAmount", s.net)
        .field("Qty", fixed2(s.qty))
        .close("Totals");
    reference(x, "InvoiceReference", s.invoice_ref.as_ref());
    reference(x, "OrderReference", s.order_ref.as_ref());
    reference(x, "ProformaReference", None);
    reference(x, "MovementReference", s.movement.as_ref());
    // As PayTraq: an invoice's (or credit note's) payments show; a sales
    // order's prepayment does not (it is the client's overpayment).
    x.open("Payments");
    for (n, p) in co
        .payments
        .iter()
        .filter(|p| p.document_id == s.id)
        .enumerate()
    {
        let date = p
            .date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .unwrap_or(s.date);
        x.open("Payment")
            .field("PaymentDate", ymd(date))
            .field("PaymentType", "bank")
            .money("PaymentAmount", p.amount)
            .field("JournalID", p.id.to_string())
            .field("JournalRef", format!("{}/{}", date.format("%Y%m%d"), n + 1))
            .open("DocumentLink")
            .field("DocumentID", p.id.to_string())
            .field(
                "DocumentRef",
                format!("{}/{:05}", date.format("%m%y"), p.id % 100_000),
            )
            .field("DocumentType", "payment")
            .close("DocumentLink")
            .close("Payment");
    }
    x.close("Payments").open("Journals");
    for j in &s.journals {
        x.open("Journal")
            .field("JournalID", j.id.to_string())
            .field("JournalRef", &j.reference)
            .field("JournalDate", ymd(j.date))
            .field("JournalStatus", &j.status)
            .open("JournalType")
            .field("JournalTypeID", j.type_id.to_string())
            .field("JournalTypeName", &j.type_name)
            .close("JournalType")
            .close("Journal");
    }
    x.close("Journals").empty("Tags").open("MessageLog");
    for e in co.emails.iter().filter(|e| e.document_id == s.id) {
        x.open("Message")
            .field("Created", stamp(e.created))
            .field("DeliveredBy", "email")
            .field("From", "sandbox@paytraq.invalid")
            .field("To", &e.to)
            .field("SenderName", "Sandbox API")
            .field("RecipientName", &s.client_name)
            .empty("Kind")
            .field("Subject", format!("Dokuments Nr. {}", s.number))
            .field("EventType", s.kind.as_str())
            .field("EventStatus", "delivered")
            .empty("BounceReason")
            .close("Message");
    }
    x.close("MessageLog").empty("Notes");
}

fn build_sale(co: &Company, document_id: u64, sale: input::SaleIn) -> Result<SaleRec, ApiErr> {
    let h = sale.header;
    let kind = SaleKind::parse(h.sale_type.as_deref().unwrap_or("")).ok_or(ApiErr::bad(
        "SaleType must be sales_invoice, sales_order or credit_note",
    ))?;
    let operation = text(&h.operation).unwrap_or_else(|| "sell_goods".into());
    if !matches!(
        operation.as_str(),
        "sell_goods" | "sell_services" | "other_income"
    ) {
        return Err(ApiErr::bad("unknown Operation"));
    }
    let client_id = id("ClientID", &h.document.client.client_id)?
        .ok_or(ApiErr::bad("Client/ClientID is required"))?;
    let client = co
        .clients
        .get(&client_id)
        .ok_or(ApiErr::bad("client does not exist"))?;
    let date = match text(&h.document.date) {
        None => Utc::now().date_naive(),
        Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|_| ApiErr::bad("DocumentDate must be YYYY-MM-DD"))?,
    };
    let warehouse_id = id("WarehouseID", &h.shipping_data.warehouse.warehouse_id)?;
    if let Some(w) = warehouse_id {
        if !co.warehouses.contains_key(&w) {
            return Err(ApiErr::bad("warehouse does not exist"));
        }
    }
    let include_tax = matches!(text(&h.include_tax).as_deref(), Some("true" | "1"));
    let date_due = match text(&h.date_due) {
        None => None,
        Some(d) => Some(
            NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| ApiErr::bad("DateDue must be YYYY-MM-DD"))?,
        ),
    };
    if date_due.is_some_and(|due| due < date) {
        return Err(ApiErr::bad("DateDue is before DocumentDate"));
    }
    let pay_term = match (
        id("PayTermType", &h.pay_term.pay_term_type)?,
        id("PayTermDays", &h.pay_term.days)?,
    ) {
        (None, None) => None,
        (Some(pay_term_type), Some(days)) => Some((pay_term_type, days)),
        _ => return Err(ApiErr::bad("PayTerm needs PayTermType and PayTermDays")),
    };
    if sale.lines.items.is_empty() {
        return Err(ApiErr::bad("LineItems are required"));
    }
    let mut lines = Vec::new();
    for (n, l) in sale.lines.items.iter().enumerate() {
        let item_id = id("ItemID", &l.item.item_id)?;
        let code = text(&l.item.item_code);
        let product = match (item_id, &code) {
            (Some(i), _) => Some(
                co.products
                    .get(&i)
                    .ok_or(ApiErr::bad(&format!("line {n}: item does not exist")))?,
            ),
            (None, Some(c)) => Some(
                co.products
                    .values()
                    .find(|p| &p.code == c)
                    .ok_or(ApiErr::bad(&format!("line {n}: item code not found")))?,
            ),
            (None, None) if operation == "sell_goods" => {
                return Err(ApiErr::bad(&format!("line {n}: Item is required")))
            }
            (None, None) => None,
        };
        let qty =
            decimal("Qty", &l.qty)?.ok_or(ApiErr::bad(&format!("line {n}: Qty is required")))?;
        if qty <= Decimal::ZERO {
            return Err(ApiErr::bad(&format!("line {n}: Qty must be positive")));
        }
        let price = decimal("Price", &l.price)?
            .ok_or(ApiErr::bad(&format!("line {n}: Price is required")))?;
        let discount_pct = decimal("LineDiscount", &l.discount)?.unwrap_or_default();
        let tax_key_id = id("TaxKeyID", &l.tax_key.tax_key_id)?
            .ok_or(ApiErr::bad(&format!("line {n}: TaxKey is required")))?;
        lines.push(SaleLineRec {
            item_id: product.map(|p| p.id),
            item_code: product.map(|p| p.code.clone()),
            item_name: product.map(|p| p.name.clone()),
            // Without one, the line is described by its item, as PayTraq does.
            description: text(&l.item_description)
                .or_else(|| text(&l.description))
                .or_else(|| product.map(|p| format!("{} [{}]", p.name, p.code))),
            qty,
            price,
            discount_pct,
            line_total: Decimal::ZERO,
            tax_key_id,
        });
    }
    let shipping = match sale.shipping {
        None => None,
        Some(s) => Some((
            decimal("ShippingCharge/Amount", &s.amount)?
                .ok_or(ApiErr::bad("ShippingCharge/Amount is required"))?,
            id("TaxKeyID", &s.tax_key.tax_key_id)?
                .ok_or(ApiErr::bad("ShippingCharge/TaxKey is required"))?,
        )),
    };
    let mut adjustments = Vec::new();
    for (n, a) in sale.adjustments.items.iter().enumerate() {
        let type_id = text(&a.type_id).unwrap_or_default();
        let pct_or_amount = text(&a.pct_or_amount).unwrap_or_else(|| "amount".into());
        if !matches!(type_id.as_str(), "charge" | "discount") {
            return Err(ApiErr::bad(&format!(
                "adjustment {n}: TypeID must be charge or discount"
            )));
        }
        if !matches!(pct_or_amount.as_str(), "pct" | "amount") {
            return Err(ApiErr::bad(&format!(
                "adjustment {n}: PctOrAmount must be pct or amount"
            )));
        }
        let value = decimal("Adjustment/Amount", &a.amount)?.unwrap_or_default();
        if value < Decimal::ZERO {
            return Err(ApiErr::bad(&format!(
                "adjustment {n}: Amount must not be negative"
            )));
        }
        let tax_key_id = id("TaxKeyID", &a.tax_key.tax_key_id)?
            .ok_or(ApiErr::bad(&format!("adjustment {n}: TaxKey is required")))?;
        adjustments.push(AdjustmentRec {
            type_id,
            pct_or_amount,
            value,
            tax_key_id,
        });
    }
    let adjustment_inputs: Vec<AdjustmentInput> = adjustments
        .iter()
        .map(|a| AdjustmentInput {
            charge: a.type_id == "charge",
            pct: a.pct_or_amount == "pct",
            value: a.value,
            tax_key_id: a.tax_key_id,
        })
        .collect();
    // Without any, an invoice or credit note shows PayTraq's default row (a
    // 0.00 % discount); a sales order shows none.
    if adjustments.is_empty() && kind != SaleKind::SalesOrder {
        adjustments.push(AdjustmentRec {
            type_id: "discount".into(),
            pct_or_amount: "pct".into(),
            value: Decimal::ZERO,
            tax_key_id: lines.first().map(|l| l.tax_key_id).unwrap_or_default(),
        });
    }
    let rates: BTreeMap<u64, Decimal> = co.tax_keys.values().map(|k| (k.id, k.rate)).collect();
    let inputs: Vec<LineInput> = lines
        .iter()
        .map(|l| LineInput {
            qty: l.qty,
            price: l.price,
            discount_pct: l.discount_pct,
            tax_key_id: l.tax_key_id,
        })
        .collect();
    let t = totals::compute(
        &inputs,
        shipping,
        &adjustment_inputs,
        &rates,
        include_tax,
        co.tax_rounding,
    )
    .map_err(|k| ApiErr::bad(&format!("tax key {k} does not exist")))?;
    for (l, amount) in lines.iter_mut().zip(&t.line_totals) {
        l.line_total = *amount;
    }
    let prefix = match kind {
        SaleKind::SalesInvoice => "INV",
        SaleKind::SalesOrder => "SO",
        SaleKind::CreditNote => "CN",
    };
    Ok(SaleRec {
        id: document_id,
        number: format!("{prefix}-{:05}", co.documents_numbered + 1),
        date,
        client_id,
        client_name: client.name.clone(),
        kind,
        operation,
        status: "draft".into(),
        date_approved: None,
        currency: text(&h.currency)
            .unwrap_or_else(|| "EUR".into())
            .to_ascii_uppercase(),
        include_tax,
        date_due,
        pay_term,
        comment: text(&h.comment),
        warehouse_id,
        lines,
        shipping,
        taxes: t.taxes,
        net: t.net,
        tax: t.tax,
        total: t.total,
        qty: t.qty,
        paid: Decimal::ZERO,
        adjustments,
        untaxed: t.untaxed,
        created: Some(Utc::now()),
        updated: Some(Utc::now()),
        movement: None,
        journals: Vec::new(),
        invoice_ref: None,
        order_ref: None,
    })
}

async fn create_sale(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    body: Bytes,
) -> ApiResult {
    let sale: input::SaleIn = parse_body(&body)?;
    with_company(&sb, &key, |co| {
        let id = co.fresh_id();
        let rec = build_sale(co, id, sale)?;
        co.documents_numbered += 1;
        let id = rec.id;
        co.sales.insert(id, rec);
        document_reply(id)
    })
}

/// Replaces a draft's content with the posted `<Sale>` (same document id
/// and number). An approved document, or one with payments, is refused.
async fn update_sale(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Path(doc): Path<String>,
    body: Bytes,
) -> ApiResult {
    let doc = id("DocumentID", &Some(doc))?.unwrap_or_default();
    let sale: input::SaleIn = parse_body(&body)?;
    with_company(&sb, &key, |co| {
        let old = co.sales.get(&doc).ok_or(ApiErr::not_found("document"))?;
        if old.status != "draft" || !old.paid.is_zero() {
            return Err(ApiErr::bad("only a draft without payments can be changed"));
        }
        let (number, created) = (old.number.clone(), old.created);
        let mut rec = build_sale(co, doc, sale)?;
        rec.number = number;
        rec.created = created;
        rec.updated = Some(Utc::now());
        co.sales.insert(doc, rec);
        document_reply(doc)
    })
}

async fn get_sale(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Path(doc): Path<String>,
) -> ApiResult {
    let doc = id("DocumentID", &Some(doc))?.unwrap_or_default();
    with_company(&sb, &key, |co| {
        let s = co.sales.get(&doc).ok_or(ApiErr::not_found("document"))?;
        let mut x = Xml::bare();
        sale_xml(&mut x, s, co, true);
        ok(x.finish())
    })
}

async fn list_sales(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let page = input::page(&q)?;
    with_company(&sb, &key, |co| {
        let client = id("ClientID", &q.client_id)?;
        let from = input::date("date_from", &q.date_from)?;
        let till = input::date("date_till", &q.date_till)?;
        // Newest first, like PayTraq.
        let found: Vec<&SaleRec> = co
            .sales
            .values()
            .rev()
            .filter(|s| client.is_none_or(|c| s.client_id == c))
            .filter(|s| from.is_none_or(|d| s.date >= d) && till.is_none_or(|d| s.date <= d))
            .filter(|s| {
                matches(
                    &q.query,
                    &[Some(&s.number), s.comment.as_deref(), Some(&s.client_name)],
                )
            })
            .collect();
        ok(list_xml("Sales", &paged(found, page), |x, s| {
            sale_xml(x, s, co, false)
        }))
    })
}

async fn approve_sale(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Path(doc): Path<String>,
) -> ApiResult {
    let doc = id("DocumentID", &Some(doc))?.unwrap_or_default();
    with_company(&sb, &key, |co| {
        let status = co
            .sales
            .get(&doc)
            .ok_or(ApiErr::not_found("document"))?
            .status
            .clone();
        if status == "voided" {
            return Err(ApiErr::bad("document is voided"));
        }
        if status != "draft" {
            return Err(ApiErr::bad("document is already approved"));
        }
        let (movement_id, journal_id) = (co.fresh_id(), co.fresh_id());
        let today = Utc::now().date_naive();
        let s = co
            .sales
            .get_mut(&doc)
            .ok_or(ApiErr::not_found("document"))?;
        s.status = s.approved_status().into();
        s.date_approved = Some(today);
        s.updated = Some(Utc::now());
        // An approved goods invoice issues its goods from the warehouse, a
        // goods credit note takes them back (a stock receipt); an approved
        // sales order only reserves them (see Company::reserved). Invoices
        // and credit notes post journals; sales orders do not.
        let moved = s.stock_moved();
        let posting = match s.kind {
            SaleKind::SalesInvoice => Some(("PIEG", accounts::SALES_JOURNAL)),
            SaleKind::CreditNote => Some(("IEG", accounts::CREDIT_JOURNAL)),
            SaleKind::SalesOrder => None,
        };
        if let Some((movement_prefix, journal_type)) = posting {
            if !moved.is_empty() {
                s.movement = Some(DocLink {
                    id: movement_id,
                    reference: format!(
                        "{movement_prefix}/{}/{:05}",
                        today.format("%m%y"),
                        movement_id % 100_000
                    ),
                });
            }
            s.journals = [journal_type, accounts::OTHER_JOURNAL]
                .into_iter()
                .enumerate()
                .map(|(n, (type_id, type_name))| JournalRec {
                    id: journal_id * 10 + n as u64,
                    reference: format!("{}/{}", today.format("%Y%m%d"), n + 1),
                    date: today,
                    status: "P".into(),
                    type_id,
                    type_name: type_name.into(),
                })
                .collect();
        }
        for (w, item, qty) in moved {
            *co.stock.entry((w, item)).or_default() += qty;
        }
        document_reply(doc)
    })
}

/// ASSUMED call (see `CALLS.md`): voids a draft or an approved document
/// that has no payments. It then reads `voided` with `AmountDue` 0.00 (its
/// `Total` kept), its journals marked `V`, the stock it moved put back and
/// a sales order's reservation released. A paid document, an invoiced
/// sales order and a document with payments are refused.
async fn void_sale(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Path(doc): Path<String>,
) -> ApiResult {
    let doc = id("DocumentID", &Some(doc))?.unwrap_or_default();
    with_company(&sb, &key, |co| {
        let s = co
            .sales
            .get_mut(&doc)
            .ok_or(ApiErr::not_found("document"))?;
        match s.status.as_str() {
            "voided" => return Err(ApiErr::bad("document is already voided")),
            "paid" => {
                return Err(ApiErr::bad(
                    "a paid document cannot be voided; issue a credit note",
                ))
            }
            "done" => return Err(ApiErr::bad("an invoiced document cannot be voided")),
            _ => {}
        }
        if !s.paid.is_zero() {
            return Err(ApiErr::bad("a document with payments cannot be voided"));
        }
        let moved = match s.status.as_str() {
            "draft" => Vec::new(),
            _ => s.stock_moved(),
        };
        s.status = "voided".into();
        s.updated = Some(Utc::now());
        // The stock movement is undone with it (a voided invoice shows no
        // `MovementReference`, sales_invoice-voided-01.xml).
        s.movement = None;
        for j in &mut s.journals {
            j.status = "V".into();
        }
        for (w, item, qty) in moved {
            *co.stock.entry((w, item)).or_default() -= qty;
        }
        document_reply(doc)
    })
}

async fn add_payment(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Path(doc): Path<String>,
    body: Bytes,
) -> ApiResult {
    let doc = id("DocumentID", &Some(doc))?.unwrap_or_default();
    let p: input::PaymentIn = parse_body(&body)?;
    let account = id("MoneyAccountID", &p.money_account_id)?
        .ok_or(ApiErr::bad("MoneyAccountID is required"))?;
    let amount = decimal("Amount", &p.amount)?.ok_or(ApiErr::bad("Amount is required"))?;
    let client_in_body = id("ClientID", &p.client_id)?;
    with_company(&sb, &key, |co| {
        if !co.money_accounts.contains_key(&account) {
            return Err(ApiErr::bad("money account does not exist"));
        }
        let payment_id = co.fresh_id();
        let s = co
            .sales
            .get_mut(&doc)
            .ok_or(ApiErr::not_found("document"))?;
        let currency = text(&p.currency)
            .unwrap_or_else(|| s.currency.clone())
            .to_ascii_uppercase();
        if currency != s.currency {
            return Err(ApiErr::bad("payment currency differs from the document"));
        }
        if client_in_body.is_some_and(|c| c != s.client_id) {
            return Err(ApiErr::bad("ClientID is not the document's client"));
        }
        if s.status == "voided" {
            return Err(ApiErr::bad("document is voided"));
        }
        // ASSUMED (CALLS.md): money returned on a credit note is posted
        // negative, as its `PaymentAmount` reads back; anything else positive.
        match s.kind {
            SaleKind::CreditNote if amount >= Decimal::ZERO => {
                return Err(ApiErr::bad(
                    "a credit note's payment is money returned: Amount must be negative",
                ))
            }
            SaleKind::SalesInvoice | SaleKind::SalesOrder if amount <= Decimal::ZERO => {
                return Err(ApiErr::bad("Amount must be positive"))
            }
            _ => {}
        }
        let rec = PaymentRec {
            id: payment_id,
            document_id: doc,
            client_id: s.client_id,
            money_account_id: account,
            amount,
            currency,
            date: text(&p.date),
            comment: text(&p.comment),
        };
        // A payment on a sales order is the client's overpayment (prepayment).
        match s.kind {
            SaleKind::SalesInvoice | SaleKind::CreditNote => {
                s.paid += amount;
                s.updated = Some(Utc::now());
                if s.status == "wait_payment" {
                    s.status = s.approved_status().into();
                }
                co.payments.push(rec);
            }
            SaleKind::SalesOrder => co.prepayments.push(rec),
        }
        ok(Xml::new()
            .open("Response")
            .leaf("PaymentID", payment_id.to_string())
            .close("Response")
            .finish())
    })
}

async fn send_sale(
    State(sb): State<Arc<Shared>>,
    Extension(key): Extension<CompanyKey>,
    Path(doc): Path<String>,
    body: Bytes,
) -> ApiResult {
    let doc = id("DocumentID", &Some(doc))?.unwrap_or_default();
    let send: input::SendIn = if body.is_empty() {
        Default::default()
    } else {
        parse_body(&body)?
    };
    with_company(&sb, &key, |co| {
        let s = co.sales.get(&doc).ok_or(ApiErr::not_found("document"))?;
        let to = text(&send.email)
            .or_else(|| co.clients.get(&s.client_id).and_then(|c| c.email.clone()))
            .ok_or(ApiErr::bad("no e-mail address"))?;
        if !to.contains('@') {
            return Err(ApiErr::bad("not an e-mail address"));
        }
        co.emails.push(EmailRec {
            document_id: doc,
            to,
            created: Some(Utc::now()),
        });
        document_reply(doc)
    })
}
