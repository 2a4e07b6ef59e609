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
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;

use super::input::{self, decimal, id, parse_body, text, ListQuery};
use super::state::{ClientRec, Company, EmailRec, PaymentRec, SaleKind, SaleLineRec, SaleRec};
use super::totals::{self, LineInput};
use super::xml_out::{error_body, Xml};
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

fn sale_xml(x: &mut Xml, s: &SaleRec, co: &Company, full: bool) {
    let warehouse_name = s
        .warehouse_id
        .and_then(|w| co.warehouses.get(&w))
        .map(String::as_str);
    x.open("Sale")
        .open("Header")
        .open("Document")
        .leaf("DocumentID", s.id.to_string())
        .leaf("DocumentDate", s.date.format("%Y-%m-%d").to_string())
        .leaf("DocumentRef", &s.number)
        .leaf("DocumentType", s.kind.as_str())
        .leaf("DocumentStatus", &s.status)
        .open("Client")
        .leaf("ClientID", s.client_id.to_string())
        .leaf("ClientName", &s.client_name)
        .close("Client")
        .close("Document")
        .leaf("SaleType", s.kind.as_str())
        .leaf("Operation", &s.operation)
        .money("Total", s.total)
        .money("AmountDue", s.amount_due())
        .leaf("Currency", &s.currency)
        .leaf("IncludeTax", if s.include_tax { "true" } else { "false" })
        .leaf(
            "DateDue",
            s.date_due
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        )
        .leaf(
            "DateApproved",
            s.date_approved
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        )
        .opt("Comment", s.comment.as_deref());
    if let Some((pay_term_type, days)) = s.pay_term {
        x.open("PayTerm")
            .leaf("PayTermType", pay_term_type.to_string())
            .leaf("PayTermDays", days.to_string())
            .close("PayTerm");
    }
    x.open("ShippingData")
        .leaf("ShippingType", "1")
        .open("Warehouse")
        .leaf(
            "WarehouseID",
            s.warehouse_id.map(|w| w.to_string()).unwrap_or_default(),
        )
        .opt("WarehouseName", warehouse_name)
        .close("Warehouse")
        .close("ShippingData")
        .close("Header");
    if full {
        let tax_name = |k: u64| {
            co.tax_keys
                .get(&k)
                .map(|t| t.name.clone())
                .unwrap_or_default()
        };
        x.open("LineItems");
        for l in &s.lines {
            x.open("LineItem")
                .open("Item")
                .leaf(
                    "ItemID",
                    l.item_id.map(|i| i.to_string()).unwrap_or_default(),
                )
                .opt("ItemName", l.item_name.as_deref())
                .opt("ItemCode", l.item_code.as_deref())
                .close("Item")
                .opt("Description", l.description.as_deref())
                .num("Qty", l.qty)
                .num("Price", l.price)
                .num("LineDiscount", l.discount_pct)
                .money("LineTotal", l.line_total)
                .open("TaxKey")
                .leaf("TaxKeyID", l.tax_key_id.to_string())
                .leaf("TaxKeyName", tax_name(l.tax_key_id))
                .close("TaxKey")
                .close("LineItem");
        }
        x.close("LineItems");
        if let Some((amount, key)) = s.shipping {
            x.open("ShippingCharge")
                .money("Amount", amount)
                .open("TaxKey")
                .leaf("TaxKeyID", key.to_string())
                .close("TaxKey")
                .close("ShippingCharge");
        }
        x.open("Taxes");
        for t in &s.taxes {
            x.open("Tax")
                .open("TaxKey")
                .leaf("TaxKeyID", t.tax_key_id.to_string())
                .leaf("TaxKeyName", tax_name(t.tax_key_id))
                .close("TaxKey")
                .leaf("TaxName", tax_name(t.tax_key_id))
                .money("GrossAmount", t.gross)
                .money("NetAmount", t.net)
                .money("TaxAmount", t.tax)
                .close("Tax");
        }
        x.close("Taxes")
            .open("Totals")
            .money("GrossAmount", s.total)
            .money("NetAmount", s.net)
            .num("Qty", s.qty)
            .close("Totals");
        // As PayTraq: an invoice's payments show; a sales order's
        // prepayment does not (it is the client's overpayment).
        x.open("Payments");
        for p in co.payments.iter().filter(|p| p.document_id == s.id) {
            x.open("Payment")
                .leaf("PaymentDate", p.date.clone().unwrap_or_default())
                .leaf("PaymentType", "bank")
                .money("PaymentAmount", p.amount)
                .open("DocumentLink")
                .leaf("DocumentID", p.id.to_string())
                .leaf("DocumentType", "payment")
                .close("DocumentLink")
                .close("Payment");
        }
        x.close("Payments").open("MessageLog");
        for e in co.emails.iter().filter(|e| e.document_id == s.id) {
            x.open("Message")
                .leaf("DeliveredBy", "email")
                .leaf("To", &e.to)
                .leaf("EventType", s.kind.as_str())
                .leaf("EventStatus", "delivered")
                .close("Message");
        }
        x.close("MessageLog");
    }
    x.close("Sale");
}

fn build_sale(co: &Company, document_id: u64, sale: input::SaleIn) -> Result<SaleRec, ApiErr> {
    let h = sale.header;
    let kind = SaleKind::parse(h.sale_type.as_deref().unwrap_or(""))
        .ok_or(ApiErr::bad("SaleType must be sales_invoice or sales_order"))?;
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
            description: text(&l.item_description).or_else(|| text(&l.description)),
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
    let t = totals::compute(&inputs, shipping, &rates, include_tax, co.tax_rounding)
        .map_err(|k| ApiErr::bad(&format!("tax key {k} does not exist")))?;
    for (l, amount) in lines.iter_mut().zip(&t.line_totals) {
        l.line_total = *amount;
    }
    let prefix = match kind {
        SaleKind::SalesInvoice => "INV",
        SaleKind::SalesOrder => "SO",
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
        let number = old.number.clone();
        let mut rec = build_sale(co, doc, sale)?;
        rec.number = number;
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
        let mut x = Xml::new();
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
        let s = co
            .sales
            .get_mut(&doc)
            .ok_or(ApiErr::not_found("document"))?;
        if s.status != "draft" {
            return Err(ApiErr::bad("document is already approved"));
        }
        s.status = s.approved_status().into();
        s.date_approved = Some(Utc::now().date_naive());
        // An approved goods invoice issues its goods from the warehouse;
        // an approved sales order only reserves them (see Company::reserved).
        if s.kind == SaleKind::SalesInvoice && s.operation == "sell_goods" {
            if let Some(w) = s.warehouse_id {
                let issued: Vec<(u64, Decimal)> = s
                    .lines
                    .iter()
                    .filter_map(|l| Some((l.item_id?, l.qty)))
                    .collect();
                for (item, qty) in issued {
                    *co.stock.entry((w, item)).or_default() -= qty;
                }
            }
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
    if amount <= Decimal::ZERO {
        return Err(ApiErr::bad("Amount must be positive"));
    }
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
            SaleKind::SalesInvoice => {
                s.paid += amount;
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
        });
        document_reply(doc)
    })
}
