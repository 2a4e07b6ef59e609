//! The books of a [`super::FakeAccounting`] company and PayTraq's rules
//! on them: what a document must refer to, its line totals and tax per
//! key, numbering, stock issued and reserved, payments and prepayments.

use std::collections::BTreeMap;

use channel::money::round_cents;
use channel::paytraq::model::{
    Address, Client, ClientType, DocumentLinkWire, Inventory, ItemWire, NewClient, NewSale,
    Operation, PaymentRef, Product, Sale, SaleLine, SaleMessage, SalePayment, SaleTax, SaleType,
    TaxKeyWire,
};
use channel::paytraq::routes::reference_marker;
use channel::paytraq::PaytraqError;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Document, EmailRecord, PaymentRecord, TaxRounding};
use crate::fakes::Wire;

#[derive(Clone, Debug)]
pub(super) struct TaxKey {
    pub(super) name: String,
    pub(super) rate: Decimal,
}

#[derive(Clone, Debug)]
pub(super) struct Item {
    pub(super) code: String,
    pub(super) name: String,
}

/// Everything one company holds.
#[derive(Debug)]
pub(super) struct Books {
    pub(super) last_id: u64,
    pub(super) clients: BTreeMap<u64, Client>,
    pub(super) items: BTreeMap<u64, Item>,
    pub(super) warehouses: BTreeMap<u64, String>,
    /// (warehouse, item) → on hand.
    pub(super) stock: BTreeMap<(u64, u64), Decimal>,
    /// group → item → (incl. tax, excl. tax).
    pub(super) price_groups: BTreeMap<u64, BTreeMap<u64, (Decimal, Decimal)>>,
    pub(super) tax_keys: BTreeMap<u64, TaxKey>,
    /// account → currency.
    pub(super) money_accounts: BTreeMap<u64, String>,
    pub(super) documents: BTreeMap<u64, Document>,
    pub(super) numbered: u64,
    pub(super) payments: Vec<PaymentRecord>,
    pub(super) prepayments: Vec<PaymentRecord>,
    pub(super) emails: Vec<EmailRecord>,
    pub(super) rounding: TaxRounding,
    /// Requests by the client's call names (`routes.rs`).
    pub(super) requests: BTreeMap<String, u64>,
}

impl Wire for Books {
    fn requests(&mut self) -> &mut BTreeMap<String, u64> {
        &mut self.requests
    }
}

impl Default for Books {
    fn default() -> Self {
        Self {
            last_id: 1000,
            clients: BTreeMap::new(),
            items: BTreeMap::new(),
            warehouses: BTreeMap::new(),
            stock: BTreeMap::new(),
            price_groups: BTreeMap::new(),
            tax_keys: BTreeMap::new(),
            money_accounts: BTreeMap::new(),
            documents: BTreeMap::new(),
            numbered: 0,
            payments: Vec::new(),
            prepayments: Vec::new(),
            emails: Vec::new(),
            rounding: TaxRounding::PerKey,
            requests: BTreeMap::new(),
        }
    }
}

/// PayTraq's `400 <Error>` answer.
pub(super) fn refused(message: &str) -> PaytraqError {
    PaytraqError::Api {
        status: 400,
        message: message.to_owned(),
    }
}

pub(super) fn stored_client(id: u64, c: &NewClient) -> Client {
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    Client {
        client_id: id,
        name: c.name.trim().to_owned(),
        email: text(&c.email),
        client_type: Some(
            match c.client_type {
                ClientType::Person => "1",
                ClientType::Company => "2",
            }
            .into(),
        ),
        reg_number: text(&c.reg_number),
        vat_number: text(&c.vat_number),
        phone: text(&c.phone),
        legal_address: Some(Address {
            address: text(&c.legal_address.address),
            zip: text(&c.legal_address.zip),
            country: text(&c.legal_address.country),
        }),
        financial_data: None,
    }
}

/// One amount-bearing entry of a document: a line, or the shipping charge.
struct Amount {
    amount: Decimal,
    key: u64,
}

/// A document's tax rows and totals.
struct Totals {
    taxes: Vec<SaleTax>,
    net: Decimal,
    total: Decimal,
}

impl Books {
    pub(super) fn fresh_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    pub(super) fn next_number(&self, kind: SaleType) -> String {
        let prefix = match kind {
            SaleType::SalesInvoice => "INV",
            SaleType::SalesOrder => "SO",
            SaleType::CreditNote => "CN",
        };
        format!("{prefix}-{:05}", self.numbered + 1)
    }

    pub(super) fn on_hand(&self, warehouse: Option<u64>, item: u64) -> Decimal {
        self.stock
            .iter()
            .filter(|((w, i), _)| *i == item && warehouse.is_none_or(|x| x == *w))
            .map(|(_, q)| *q)
            .sum()
    }

    /// Quantity of `item` in approved sales orders not yet invoiced
    /// (`in_process`, of `warehouse`).
    pub(super) fn reserved(&self, warehouse: Option<u64>, item: u64) -> Decimal {
        self.documents
            .values()
            .filter(|d| d.sale.sale_type == SaleType::SalesOrder && d.status == "in_process")
            .filter(|d| warehouse.is_none() || d.sale.warehouse_id == warehouse)
            .flat_map(|d| d.lines.iter())
            .filter(|l| l.item.as_ref().and_then(|i| i.item_id) == Some(item))
            .map(|l| l.quantity)
            .sum()
    }

    /// Every product with its stock (of one warehouse, or of all).
    pub(super) fn products(&self, warehouse: Option<u64>) -> Vec<Product> {
        self.items
            .iter()
            .map(|(id, item)| {
                let on_hand = self.on_hand(warehouse, *id);
                Product {
                    item_id: *id,
                    code: Some(item.code.clone()),
                    name: item.name.clone(),
                    inventory: Some(Inventory {
                        qty: on_hand,
                        interim_available: Some(on_hand - self.reserved(warehouse, *id)),
                    }),
                    ..Product::default()
                }
            })
            .collect()
    }

    /// Checks `sale` as PayTraq does and computes its lines and totals.
    pub(super) fn document(
        &self,
        id: u64,
        number: String,
        sale: &NewSale,
    ) -> Result<Document, PaytraqError> {
        if !self.clients.contains_key(&sale.client_id) {
            return Err(refused("client does not exist"));
        }
        if let Some(w) = sale.warehouse_id {
            if !self.warehouses.contains_key(&w) {
                return Err(refused("warehouse does not exist"));
            }
        }
        let mut lines = Vec::with_capacity(sale.lines.len());
        let mut amounts = Vec::with_capacity(sale.lines.len() + 1);
        for (n, l) in sale.lines.iter().enumerate() {
            let item = match (l.item_id, &l.item_code) {
                (Some(i), _) => Some((
                    i,
                    self.items
                        .get(&i)
                        .ok_or_else(|| refused(&format!("line {n}: item does not exist")))?,
                )),
                (None, Some(code)) => Some(
                    self.items
                        .iter()
                        .find(|(_, item)| &item.code == code)
                        .map(|(i, item)| (*i, item))
                        .ok_or_else(|| refused(&format!("line {n}: item code not found")))?,
                ),
                (None, None) => None,
            };
            let line_total = round_cents(
                l.quantity
                    * l.unit_price
                    * (Decimal::ONE - l.discount_percent / Decimal::ONE_HUNDRED),
            );
            amounts.push(Amount {
                amount: line_total,
                key: l.tax_key_id,
            });
            lines.push(SaleLine {
                item: Some(ItemWire {
                    item_id: item.map(|(i, _)| i),
                    item_code: item.map(|(_, it)| it.code.clone()),
                    item_name: item.map(|(_, it)| it.name.clone()),
                }),
                description: l.description.clone(),
                quantity: l.quantity,
                price: l.unit_price,
                discount_percent: l.discount_percent,
                line_total,
                tax_key: Some(self.tax_key_wire(l.tax_key_id)),
            });
        }
        if let Some(s) = &sale.shipping_charge {
            amounts.push(Amount {
                amount: round_cents(s.amount),
                key: s.tax_key.tax_key_id,
            });
        }
        let totals = self.totals(&amounts, sale.include_tax)?;
        let marker = reference_marker(&sale.our_reference);
        let comment = match sale.comment.as_deref().map(str::trim) {
            Some(c) if !c.is_empty() => format!("{c} {marker}"),
            _ => marker,
        };
        let mut stored = sale.clone();
        stored.currency = sale.currency.to_ascii_uppercase();
        Ok(Document {
            id,
            number,
            sale: stored,
            status: "draft".into(),
            comment,
            lines,
            taxes: totals.taxes,
            net: totals.net,
            total: totals.total,
            paid: Decimal::ZERO,
        })
    }

    /// Tax per key on the sum of the key's amounts (or per line), half away
    /// from zero; inclusive amounts have their tax split out of the gross.
    fn totals(&self, amounts: &[Amount], include_tax: bool) -> Result<Totals, PaytraqError> {
        let tax_of = |amount: Decimal, rate: Decimal| {
            if include_tax {
                round_cents(amount * rate / (Decimal::ONE_HUNDRED + rate))
            } else {
                round_cents(amount * rate / Decimal::ONE_HUNDRED)
            }
        };
        // key → (sum of amounts, sum of per-line taxes); keys at 0 % make
        // no tax row: their amounts count in the total only.
        let mut sums: BTreeMap<u64, (Decimal, Decimal)> = BTreeMap::new();
        let mut untaxed = Decimal::ZERO;
        for a in amounts {
            let rate = self
                .tax_keys
                .get(&a.key)
                .ok_or_else(|| refused(&format!("tax key {} does not exist", a.key)))?
                .rate;
            if rate.is_zero() {
                untaxed += a.amount;
                continue;
            }
            let entry = sums.entry(a.key).or_default();
            entry.0 += a.amount;
            entry.1 += tax_of(a.amount, rate);
        }
        let mut taxes = Vec::with_capacity(sums.len());
        for (key, (sum, line_taxes)) in sums {
            let rate = self.tax_keys.get(&key).map_or(Decimal::ZERO, |k| k.rate);
            let tax = match self.rounding {
                TaxRounding::PerKey => tax_of(sum, rate),
                TaxRounding::PerLine => line_taxes,
            };
            let (net, gross) = if include_tax {
                (sum - tax, sum)
            } else {
                (sum, sum + tax)
            };
            let wire = self.tax_key_wire(key);
            taxes.push(SaleTax {
                name: wire.name.clone(),
                tax_key: Some(wire),
                net_amount: net,
                tax_amount: tax,
                gross_amount: gross,
            });
        }
        let net = taxes.iter().map(|t| t.net_amount).sum();
        let total = taxes.iter().map(|t| t.gross_amount).sum::<Decimal>() + untaxed;
        Ok(Totals { taxes, net, total })
    }

    fn tax_key_wire(&self, key: u64) -> TaxKeyWire {
        TaxKeyWire {
            tax_key_id: Some(key),
            name: self.tax_keys.get(&key).map(|k| k.name.clone()),
        }
    }

    /// The document as `GET /api/sale/{id}` shows it.
    pub(super) fn sale_of(&self, d: &Document) -> Sale {
        let s = &d.sale;
        Sale {
            document_id: d.id,
            document_number: Some(d.number.clone()),
            status: Some(d.status.clone()),
            sale_type: Some(s.sale_type.as_str().into()),
            operation: Some(
                match s.operation {
                    Operation::SellGoods => "sell_goods",
                    Operation::SellServices => "sell_services",
                    Operation::OtherIncome => "other_income",
                }
                .into(),
            ),
            client_id: Some(s.client_id),
            document_date: Some(s.document_date.format("%Y-%m-%d").to_string()),
            currency: Some(s.currency.clone()),
            include_tax: Some(s.include_tax),
            comment: Some(d.comment.clone()),
            warehouse_id: s.warehouse_id,
            total: d.header_total(),
            amount_due: d.amount_due(),
            lines: d.lines.clone(),
            shipping_charge: s.shipping_charge.clone(),
            taxes: d.taxes.clone(),
            net_total: d.net,
            gross_total: d.header_total(),
            // As PayTraq: an invoice's payments show, a sales order's prepayments do not.
            payments: self
                .payments
                .iter()
                .filter(|p| p.document_id == d.id)
                .map(|p| SalePayment {
                    date: Some(p.date.format("%Y-%m-%d").to_string()),
                    payment_type: Some("bank".into()),
                    amount: p.amount,
                    document: Some(DocumentLinkWire {
                        document_id: Some(p.id),
                        document_ref: None,
                        document_type: Some("payment".into()),
                    }),
                })
                .collect(),
            messages: self
                .emails
                .iter()
                .filter(|e| e.document_id == d.id)
                .map(|e| SaleMessage {
                    to: Some(e.to.clone()),
                    event_status: Some("delivered".into()),
                    ..SaleMessage::default()
                })
                .collect(),
        }
    }

    /// A payment on a document: an invoice's lowers its amount due, a sales
    /// order's is the client's prepayment. `client` (a prepayment names
    /// one) must be the document's.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn pay(
        &mut self,
        request: &str,
        document_id: u64,
        client: Option<u64>,
        account: u64,
        amount: Decimal,
        currency: &str,
        date: NaiveDate,
        comment: Option<String>,
    ) -> Result<PaymentRef, PaytraqError> {
        if !self.money_accounts.contains_key(&account) {
            return Err(refused("money account does not exist"));
        }
        let id = self.fresh_id();
        let doc = self
            .documents
            .get_mut(&document_id)
            .ok_or(PaytraqError::NotFound)?;
        let currency = currency.to_ascii_uppercase();
        if currency != doc.sale.currency {
            return Err(refused("payment currency differs from the document"));
        }
        if client.is_some_and(|c| c != doc.sale.client_id) {
            return Err(refused("ClientID is not the document's client"));
        }
        let record = PaymentRecord {
            id,
            document_id,
            client_id: doc.sale.client_id,
            money_account_id: account,
            amount,
            currency,
            date,
            comment,
        };
        if doc.status == "voided" {
            return Err(refused("document is voided"));
        }
        // Money returned on a credit note is posted negative (assumed call).
        match doc.sale.sale_type {
            SaleType::CreditNote if amount >= Decimal::ZERO => {
                return Err(refused(
                    "a credit note's payment is money returned: Amount must be negative",
                ))
            }
            SaleType::SalesInvoice | SaleType::SalesOrder if amount <= Decimal::ZERO => {
                return Err(refused("Amount must be positive"))
            }
            _ => {}
        }
        match doc.sale.sale_type {
            SaleType::SalesInvoice | SaleType::CreditNote => {
                doc.paid += amount;
                if doc.status == "wait_payment" {
                    doc.status = doc.approved_status().into();
                }
                self.payments.push(record);
            }
            SaleType::SalesOrder => self.prepayments.push(record),
        }
        self.sent(request, 1);
        Ok(PaymentRef {
            payment_id: Some(id),
        })
    }
}
