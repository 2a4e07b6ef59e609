//! [`FakeAccounting`]: one PayTraq company in memory, behind the
//! [`Accounting`] port. It checks what the client checks before sending
//! (an `Invalid` error) and what PayTraq refuses (a `400` as
//! [`PaytraqError::Api`], `404` as [`PaytraqError::NotFound`]), and keeps
//! what PayTraq keeps:
//!
//! - clients, products, warehouses with on-hand stock, price groups, tax
//!   keys with rates, money accounts (seeded by the test);
//! - sales documents, created as drafts with a number (`INV-00001`,
//!   `SO-00001`), our reference in the comment, and totals by PayTraq's
//!   arithmetic: LineTotal = round2(qty × price × (1 − discount/100)), half
//!   away from zero; tax per tax key rounded once on the key's sum (or per
//!   line, for a company set to [`TaxRounding::PerLine`]); total = net + tax;
//! - a draft without payments can be replaced; approving an approved
//!   document is refused; an approved goods invoice takes its quantities
//!   out of its warehouse, an approved sales order reserves them;
//! - payments lower an invoice's amount due; a payment on a sales order is
//!   the client's prepayment (the amount due stays); e-mails are recorded;
//! - credit notes: positive lines, `Total` and `AmountDue` negative, the
//!   money returned a negative payment; tax keys at 0 % make no tax row;
//! - void (assumed call): a draft or an approved document without payments
//!   reads `voided`, `AmountDue` 0.00, the stock it moved or reserved
//!   released; a paid one is refused.
//!
//! This file is the port and the test-facing handle (seeding, inspection,
//! fault hooks); the company's rules are in `accounting/books.rs`.

mod books;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use channel::money::round_cents;
use channel::paytraq::model::{
    Client, NewClient, NewPayment, NewPrepayment, NewSale, Operation, PaymentRef, Price, Product,
    Sale, SaleLine, SaleNear, SaleRef, SaleTax, SaleType,
};
use channel::paytraq::routes::reference_marker;
use channel::paytraq::PaytraqError;
use channel::Accounting;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use books::{refused, stored_client, Books, Item, TaxKey};

use super::{lock, paytraq_pages, Call, Fault, Recorder, Wire};

/// Where a company rounds tax: PayTraq's rule is once per tax key on the
/// document; `PerLine` rounds every line's tax and sums them (arithmetic
/// the channel does not foresee, to provoke differing totals).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TaxRounding {
    #[default]
    PerKey,
    PerLine,
}

/// A sales document as the company keeps it.
#[derive(Clone, Debug)]
pub struct Document {
    pub id: u64,
    pub number: String,
    /// What was last written (created, or replaced while a draft).
    pub sale: NewSale,
    /// `draft`, then what PayTraq shows once approved (see
    /// [`Document::approved_status`]); `voided`.
    pub status: String,
    /// The header comment, our reference marker included.
    pub comment: String,
    pub lines: Vec<SaleLine>,
    pub taxes: Vec<SaleTax>,
    pub net: Decimal,
    /// The sum of the document's amounts, positive also on a credit note
    /// (see [`Document::header_total`]).
    pub total: Decimal,
    /// Payments received (an invoice's; a sales order's stay prepayments;
    /// negative on a credit note).
    pub paid: Decimal,
}

impl Document {
    /// `Header/Total` as PayTraq shows it: negative on a credit note.
    pub fn header_total(&self) -> Decimal {
        match self.sale.sale_type {
            SaleType::CreditNote => -self.total,
            SaleType::SalesInvoice | SaleType::SalesOrder => self.total,
        }
    }

    /// `Total − payments` (a credit note's payments are negative: money
    /// returned); 0.00 once voided.
    pub fn amount_due(&self) -> Decimal {
        if self.status == "voided" {
            return Decimal::ZERO;
        }
        self.header_total() - self.paid
    }

    /// What PayTraq shows once the document is approved (real replies never
    /// say `approved`): a sales order is `in_process`; an invoice waits for
    /// payment (`wait_payment`) until nothing is due (`paid`; at once when
    /// its total is zero).
    pub fn approved_status(&self) -> &'static str {
        match self.sale.sale_type {
            SaleType::SalesOrder => "in_process",
            SaleType::SalesInvoice if self.amount_due() <= Decimal::ZERO => "paid",
            SaleType::CreditNote if self.amount_due() >= Decimal::ZERO => "paid",
            SaleType::SalesInvoice | SaleType::CreditNote => "wait_payment",
        }
    }

    /// Stock an approved document moved, per (warehouse, item): a goods
    /// invoice issues (negative), a goods credit note takes back (positive).
    fn stock_moved(&self) -> Vec<(u64, u64, Decimal)> {
        let sign = match self.sale.sale_type {
            SaleType::SalesInvoice => Decimal::NEGATIVE_ONE,
            SaleType::CreditNote => Decimal::ONE,
            SaleType::SalesOrder => return Vec::new(),
        };
        match (self.sale.operation, self.sale.warehouse_id) {
            (Operation::SellGoods, Some(w)) => self
                .lines
                .iter()
                .filter_map(|l| Some((w, l.item.as_ref()?.item_id?, sign * l.quantity)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A payment on an invoice, or a prepayment for a sales order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: u64,
    pub document_id: u64,
    pub client_id: u64,
    pub money_account_id: u64,
    pub amount: Decimal,
    pub currency: String,
    pub date: NaiveDate,
    pub comment: Option<String>,
}

/// An e-mail the company "sent".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailRecord {
    pub document_id: u64,
    pub to: String,
}

/// An in-memory PayTraq company (see the module doc).
#[derive(Default)]
pub struct FakeAccounting {
    books: Mutex<Books>,
    recorder: Recorder<PaytraqError>,
}

impl std::fmt::Debug for FakeAccounting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAccounting").finish_non_exhaustive()
    }
}

impl FakeAccounting {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    // ---- faults -------------------------------------------------------------

    /// Every later call goes through `hook` first.
    pub fn set_hook(
        &self,
        hook: impl Fn(&Call) -> Option<Fault<PaytraqError>> + Send + Sync + 'static,
    ) {
        self.recorder.set_hook(Some(Arc::new(hook)));
    }

    pub fn clear_hook(&self) {
        self.recorder.set_hook(None);
    }

    // ---- seeding ----------------------------------------------------------------

    pub fn add_client(&self, name: &str, email: Option<&str>) -> u64 {
        self.with(|b| {
            let id = b.fresh_id();
            b.clients.insert(
                id,
                Client {
                    client_id: id,
                    name: name.to_owned(),
                    email: email.map(str::to_owned),
                    client_type: Some("1".into()),
                    ..Client::default()
                },
            );
            id
        })
    }

    pub fn add_product(&self, code: &str, name: &str) -> u64 {
        self.with(|b| {
            let id = b.fresh_id();
            b.items.insert(
                id,
                Item {
                    code: code.to_owned(),
                    name: name.to_owned(),
                },
            );
            id
        })
    }

    pub fn add_warehouse(&self, name: &str) -> u64 {
        self.with(|b| {
            let id = b.fresh_id();
            b.warehouses.insert(id, name.to_owned());
            id
        })
    }

    /// Sets the on-hand quantity of an item in a warehouse.
    pub fn set_stock(&self, warehouse_id: u64, item_id: u64, qty: Decimal) {
        self.with(|b| b.stock.insert((warehouse_id, item_id), qty));
    }

    pub fn add_tax_key(&self, name: &str, rate: Decimal) -> u64 {
        self.with(|b| {
            let id = b.fresh_id();
            b.tax_keys.insert(
                id,
                TaxKey {
                    name: name.to_owned(),
                    rate,
                },
            );
            id
        })
    }

    pub fn add_price_group(&self, _name: &str, _currency: &str) -> u64 {
        self.with(|b| {
            let id = b.fresh_id();
            b.price_groups.insert(id, BTreeMap::new());
            id
        })
    }

    /// A product's price in a group; false when the group does not exist.
    pub fn set_price(
        &self,
        group_id: u64,
        item_id: u64,
        incl_tax: Decimal,
        excl_tax: Decimal,
    ) -> bool {
        self.with(|b| match b.price_groups.get_mut(&group_id) {
            Some(g) => {
                g.insert(item_id, (incl_tax, excl_tax));
                true
            }
            None => false,
        })
    }

    pub fn add_money_account(&self, _name: &str, currency: &str) -> u64 {
        self.with(|b| {
            let id = b.fresh_id();
            b.money_accounts.insert(id, currency.to_ascii_uppercase());
            id
        })
    }

    pub fn set_tax_rounding(&self, rounding: TaxRounding) {
        self.with(|b| b.rounding = rounding);
    }

    // ---- inspection ---------------------------------------------------------------

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.recorder.calls()
    }

    /// The calls of one method.
    pub fn calls_named(&self, name: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.name == name)
            .collect()
    }

    pub fn clients(&self) -> Vec<Client> {
        self.with(|b| b.clients.values().cloned().collect())
    }

    pub fn documents(&self) -> Vec<Document> {
        self.with(|b| b.documents.values().cloned().collect())
    }

    pub fn document(&self, id: u64) -> Option<Document> {
        self.with(|b| b.documents.get(&id).cloned())
    }

    /// The documents carrying our reference.
    pub fn documents_for(&self, our_reference: &str) -> Vec<Document> {
        let marker = reference_marker(our_reference);
        self.with(|b| {
            b.documents
                .values()
                .filter(|d| d.comment.contains(&marker))
                .cloned()
                .collect()
        })
    }

    pub fn payments(&self) -> Vec<PaymentRecord> {
        self.with(|b| b.payments.clone())
    }

    pub fn prepayments(&self) -> Vec<PaymentRecord> {
        self.with(|b| b.prepayments.clone())
    }

    pub fn emails(&self) -> Vec<EmailRecord> {
        self.with(|b| b.emails.clone())
    }

    pub fn on_hand(&self, warehouse_id: u64, item_id: u64) -> Decimal {
        self.with(|b| b.on_hand(Some(warehouse_id), item_id))
    }

    pub fn reserved(&self, warehouse_id: u64, item_id: u64) -> Decimal {
        self.with(|b| b.reserved(Some(warehouse_id), item_id))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Books) -> T) -> T {
        f(&mut lock(&self.books))
    }

    /// One port call: recorded, offered to the hook, then run on the books
    /// (`kind`: the request a failure counts as).
    fn call<T>(
        &self,
        name: &'static str,
        kind: &str,
        key: impl ToString,
        effect: impl FnOnce(&mut Books) -> Result<T, PaytraqError>,
    ) -> Result<T, PaytraqError> {
        self.recorder.run(&self.books, name, kind, key, effect)
    }
}

// ---- the port -------------------------------------------------------------------

#[async_trait]
impl Accounting for FakeAccounting {
    async fn find_client_by_email(&self, email: &str) -> Result<Option<Client>, PaytraqError> {
        let wanted = email.trim();
        if wanted.is_empty() {
            return Err(PaytraqError::Invalid("empty e-mail".into()));
        }
        self.call("find_client_by_email", "search_clients", wanted, |b| {
            // The search lists every client mentioning the text; the client
            // confirms the match on `Email`.
            let needle = wanted.to_lowercase();
            let listed = b
                .clients
                .values()
                .filter(|c| {
                    [
                        Some(c.name.as_str()),
                        c.email.as_deref(),
                        c.reg_number.as_deref(),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|f| f.to_lowercase().contains(&needle))
                })
                .count();
            b.sent("search_clients", paytraq_pages(listed));
            Ok(b.clients
                .values()
                .find(|c| {
                    c.email
                        .as_deref()
                        .is_some_and(|e| e.trim().eq_ignore_ascii_case(wanted))
                })
                .cloned())
        })
    }

    async fn create_client(&self, client: &NewClient) -> Result<u64, PaytraqError> {
        if client.name.trim().is_empty() {
            return Err(PaytraqError::Invalid("a client needs a name".into()));
        }
        self.call("create_client", "create_client", client.name.trim(), |b| {
            b.sent("create_client", 1);
            let id = b.fresh_id();
            b.clients.insert(id, stored_client(id, client));
            Ok(id)
        })
    }

    async fn list_products(&self) -> Result<Vec<Product>, PaytraqError> {
        self.call("list_products", "list_products", "", |b| {
            let all = b.products(None);
            b.sent("list_products", paytraq_pages(all.len()));
            Ok(all)
        })
    }

    async fn products_of_warehouse(&self, warehouse_id: u64) -> Result<Vec<Product>, PaytraqError> {
        self.call(
            "products_of_warehouse",
            "products_of_warehouse",
            warehouse_id,
            |b| {
                let all = b.products(Some(warehouse_id));
                b.sent("products_of_warehouse", paytraq_pages(all.len()));
                Ok(all)
            },
        )
    }

    async fn price_list(&self, price_group_id: u64) -> Result<Vec<Price>, PaytraqError> {
        self.call("price_list", "price_list", price_group_id, |b| {
            let group = b
                .price_groups
                .get(&price_group_id)
                .ok_or(PaytraqError::NotFound)?;
            let prices: Vec<Price> = group
                .iter()
                .map(|(item, (incl, excl))| Price {
                    item_id: *item,
                    code: b.items.get(item).map(|i| i.code.clone()),
                    // Money on the wire has cents.
                    price_incl_tax: Some(round_cents(*incl)),
                    price_excl_tax: Some(round_cents(*excl)),
                })
                .collect();
            b.sent("price_list", paytraq_pages(prices.len()));
            Ok(prices)
        })
    }

    async fn create_sale(&self, sale: &NewSale) -> Result<SaleRef, PaytraqError> {
        check_sale(sale)?;
        self.call(
            "create_sale",
            "create_sale",
            sale.our_reference.trim(),
            |b| {
                b.sent("create_sale", 1);
                let id = b.fresh_id();
                let number = b.next_number(sale.sale_type);
                let doc = b.document(id, number, sale)?;
                b.numbered += 1;
                b.documents.insert(id, doc);
                Ok(SaleRef {
                    document_id: id,
                    document_number: None,
                })
            },
        )
    }

    async fn get_sale(&self, document_id: u64) -> Result<Sale, PaytraqError> {
        self.call("get_sale", "get_sale", document_id, |b| {
            let sale = b
                .documents
                .get(&document_id)
                .map(|d| b.sale_of(d))
                .ok_or(PaytraqError::NotFound)?;
            b.sent("get_sale", 1);
            Ok(sale)
        })
    }

    async fn find_sale_by_reference(
        &self,
        our_reference: &str,
        near: Option<SaleNear>,
    ) -> Result<Option<Sale>, PaytraqError> {
        let reference = our_reference.trim();
        if reference.is_empty() {
            return Err(PaytraqError::Invalid("empty order reference".into()));
        }
        let marker = reference_marker(reference);
        self.call("find_sale_by_reference", "search_sales", reference, |b| {
            // First the client's documents from the date on, newest first.
            if let Some(near) = near {
                let listed: Vec<&Document> = b
                    .documents
                    .values()
                    .rev()
                    .filter(|d| {
                        d.sale.client_id == near.client_id && d.sale.document_date >= near.date_from
                    })
                    .collect();
                let found = listed.iter().position(|d| d.comment.contains(&marker));
                let pages = match found {
                    Some(i) => i as u64 / 100 + 1,
                    None => paytraq_pages(listed.len()).min(5),
                };
                let sale = found.map(|i| b.sale_of(listed[i]));
                b.sent("sales_of_client", pages);
                if sale.is_some() {
                    b.sent("get_sale", 1);
                    return Ok(sale);
                }
            }
            // The search lists, newest first, every document mentioning the
            // reference; the one with our marker is then read in full.
            let needle = reference.to_lowercase();
            let listed: Vec<&Document> = b
                .documents
                .values()
                .rev()
                .filter(|d| d.comment.to_lowercase().contains(&needle))
                .collect();
            let found = listed.iter().position(|d| d.comment.contains(&marker));
            let (pages, sale) = match found {
                Some(i) => (i as u64 / 100 + 1, Some(b.sale_of(listed[i]))),
                None => (paytraq_pages(listed.len()).min(5), None),
            };
            b.sent("search_sales", pages);
            if sale.is_some() {
                b.sent("get_sale", 1);
            }
            Ok(sale)
        })
    }

    async fn update_sale(&self, document_id: u64, sale: &NewSale) -> Result<(), PaytraqError> {
        check_sale(sale)?;
        self.call("update_sale", "update_sale", document_id, |b| {
            let old = b
                .documents
                .get(&document_id)
                .ok_or(PaytraqError::NotFound)?;
            if old.status != "draft" || !old.paid.is_zero() {
                return Err(refused("only a draft without payments can be changed"));
            }
            let number = old.number.clone();
            let doc = b.document(document_id, number, sale)?;
            b.documents.insert(document_id, doc);
            b.sent("update_sale", 1);
            Ok(())
        })
    }

    async fn approve_sale(&self, document_id: u64) -> Result<(), PaytraqError> {
        self.call("approve_sale", "approve_sale", document_id, |b| {
            let doc = b
                .documents
                .get_mut(&document_id)
                .ok_or(PaytraqError::NotFound)?;
            if doc.status == "voided" {
                return Err(refused("document is voided"));
            }
            if doc.status != "draft" {
                return Err(refused("document is already approved"));
            }
            doc.status = doc.approved_status().into();
            // An approved goods invoice issues its goods from the warehouse,
            // a goods credit note takes them back; an approved sales order
            // only reserves them (see `reserved`).
            for (w, item, qty) in doc.stock_moved() {
                *b.stock.entry((w, item)).or_default() += qty;
            }
            b.sent("approve_sale", 1);
            Ok(())
        })
    }

    async fn add_payment(&self, payment: &NewPayment) -> Result<PaymentRef, PaytraqError> {
        check_amount(payment.amount)?;
        self.call("add_payment", "add_payment", payment.document_id, |b| {
            b.pay(
                "add_payment",
                payment.document_id,
                None,
                payment.money_account_id,
                payment.amount,
                &payment.currency,
                payment.date,
                payment.comment.clone(),
            )
        })
    }

    async fn add_prepayment(
        &self,
        client_id: u64,
        prepayment: &NewPrepayment,
    ) -> Result<PaymentRef, PaytraqError> {
        check_amount(prepayment.amount)?;
        self.call(
            "add_prepayment",
            "add_prepayment",
            prepayment.sales_order_id,
            |b| {
                b.pay(
                    "add_prepayment",
                    prepayment.sales_order_id,
                    Some(client_id),
                    prepayment.money_account_id,
                    prepayment.amount,
                    &prepayment.currency,
                    prepayment.date,
                    prepayment.comment.clone(),
                )
            },
        )
    }

    async fn add_credit_note_payment(
        &self,
        payment: &NewPayment,
    ) -> Result<PaymentRef, PaytraqError> {
        check_amount(payment.amount)?;
        self.call(
            "add_credit_note_payment",
            "pay_credit_note",
            payment.document_id,
            |b| {
                b.pay(
                    "pay_credit_note",
                    payment.document_id,
                    None,
                    payment.money_account_id,
                    -payment.amount,
                    &payment.currency,
                    payment.date,
                    payment.comment.clone(),
                )
            },
        )
    }

    async fn void_sale(&self, document_id: u64) -> Result<(), PaytraqError> {
        self.call("void_sale", "void_sale", document_id, |b| {
            let doc = b
                .documents
                .get_mut(&document_id)
                .ok_or(PaytraqError::NotFound)?;
            match doc.status.as_str() {
                "voided" => return Err(refused("document is already voided")),
                "paid" => {
                    return Err(refused(
                        "a paid document cannot be voided; issue a credit note",
                    ))
                }
                "done" => return Err(refused("an invoiced document cannot be voided")),
                _ => {}
            }
            if !doc.paid.is_zero() {
                return Err(refused("a document with payments cannot be voided"));
            }
            let moved = match doc.status.as_str() {
                "draft" => Vec::new(),
                _ => doc.stock_moved(),
            };
            doc.status = "voided".into();
            for (w, item, qty) in moved {
                *b.stock.entry((w, item)).or_default() -= qty;
            }
            b.sent("void_sale", 1);
            Ok(())
        })
    }

    async fn send_sale_by_email(&self, document_id: u64, to: &str) -> Result<(), PaytraqError> {
        let to = to.trim();
        if !to.contains('@') {
            return Err(PaytraqError::Invalid("not an e-mail address".into()));
        }
        self.call("send_sale_by_email", "send_sale", document_id, |b| {
            if !b.documents.contains_key(&document_id) {
                return Err(PaytraqError::NotFound);
            }
            b.sent("send_sale", 1);
            b.emails.push(EmailRecord {
                document_id,
                to: to.to_owned(),
            });
            Ok(())
        })
    }

    /// The requests the PayTraq client would have sent, by its call names.
    fn request_counts(&self) -> BTreeMap<String, u64> {
        self.with(|b| b.requests.clone())
    }
}

// ---- what the client checks before sending -----------------------------------

fn check_sale(sale: &NewSale) -> Result<(), PaytraqError> {
    if sale.lines.is_empty() {
        return Err(PaytraqError::Invalid(
            "a sale needs at least one line".into(),
        ));
    }
    if sale.our_reference.trim().is_empty() {
        return Err(PaytraqError::Invalid(
            "a sale needs our order reference".into(),
        ));
    }
    if sale.currency.len() != 3 {
        return Err(PaytraqError::Invalid(
            "currency must be an ISO 4217 code".into(),
        ));
    }
    for (n, line) in sale.lines.iter().enumerate() {
        let has_item = line.item_id.is_some() || line.item_code.is_some();
        if sale.operation == Operation::SellGoods && !has_item {
            return Err(PaytraqError::Invalid(format!(
                "line {n}: goods need an item"
            )));
        }
        if line.quantity <= Decimal::ZERO {
            return Err(PaytraqError::Invalid(format!(
                "line {n}: quantity must be positive"
            )));
        }
    }
    Ok(())
}

fn check_amount(amount: Decimal) -> Result<(), PaytraqError> {
    if amount <= Decimal::ZERO {
        return Err(PaytraqError::Invalid(
            "payment amount must be positive".into(),
        ));
    }
    Ok(())
}
