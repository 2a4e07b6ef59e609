//! The PayTraq sandbox's data: companies (one per API key pair) with their
//! clients, products, warehouses and stock, price groups, tax keys, money
//! accounts, sales documents, payments, prepayments and e-mails. Plain data
//! behind one mutex; the HTTP layer locks it per request.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::totals::TaxRow;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClientRec {
    pub id: u64,
    pub name: String,
    pub email: Option<String>,
    pub client_type: Option<String>,
    pub reg_number: Option<String>,
    pub vat_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductRec {
    pub id: u64,
    pub code: String,
    pub name: String,
    /// Default sale price, tax-inclusive, and its VAT %.
    pub gross_price: Option<Decimal>,
    pub tax_rate: Option<Decimal>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PriceGroupRec {
    pub id: u64,
    pub name: String,
    pub currency: String,
    /// item id → (price incl. tax, price excl. tax)
    pub prices: BTreeMap<u64, (Decimal, Decimal)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TaxKeyRec {
    pub id: u64,
    pub name: String,
    pub rate: Decimal,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MoneyAccountRec {
    pub id: u64,
    pub name: String,
    pub currency: String,
}

/// `SaleType` values the sandbox accepts. (`sales_estimate` and
/// `sales_proforma` exist in real replies; the product never makes them.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleKind {
    SalesInvoice,
    SalesOrder,
    /// Money and goods returned: positive lines, a negative `Total`.
    CreditNote,
}

impl SaleKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "sales_invoice" => Some(Self::SalesInvoice),
            "sales_order" => Some(Self::SalesOrder),
            "credit_note" => Some(Self::CreditNote),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SalesInvoice => "sales_invoice",
            Self::SalesOrder => "sales_order",
            Self::CreditNote => "credit_note",
        }
    }
    /// The sign of the document's money in PayTraq's replies: a credit note
    /// shows `Total`, `AmountDue`, `Totals/GrossAmount` and its payments
    /// negative (fixtures README §7).
    pub fn sign(self) -> Decimal {
        match self {
            Self::CreditNote => Decimal::NEGATIVE_ONE,
            Self::SalesInvoice | Self::SalesOrder => Decimal::ONE,
        }
    }
}

/// A document-level `Adjustments/Adjustment`: a `charge` adds to its tax
/// key's amounts, a `discount` takes off; `pct` rows are a percent of the
/// key's sum. On a key without VAT (rate 0) it stays outside `Taxes` but
/// inside `Total` (the real rounding rows on `nav PVN`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdjustmentRec {
    /// `charge` or `discount`.
    pub type_id: String,
    /// `pct` or `amount`.
    pub pct_or_amount: String,
    /// The request's figure: a percent for `pct`, money for `amount`.
    pub value: Decimal,
    pub tax_key_id: u64,
}

/// A `DocumentLink` to another document (`DocumentID`, `DocumentRef`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocLink {
    pub id: u64,
    pub reference: String,
}

/// A `Journals/Journal` posting an approved invoice or credit note made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalRec {
    pub id: u64,
    pub reference: String,
    pub date: NaiveDate,
    /// `P` posted, `V` voided.
    pub status: String,
    pub type_id: u64,
    pub type_name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SaleLineRec {
    pub item_id: Option<u64>,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub description: Option<String>,
    pub qty: Decimal,
    pub price: Decimal,
    pub discount_pct: Decimal,
    pub line_total: Decimal,
    pub tax_key_id: u64,
}

/// A sales document as the sandbox keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SaleRec {
    pub id: u64,
    pub number: String,
    pub date: NaiveDate,
    pub client_id: u64,
    pub client_name: String,
    pub kind: SaleKind,
    pub operation: String,
    /// `draft`; once approved what PayTraq shows (see
    /// [`SaleRec::approved_status`]); `done` for an invoiced sales order;
    /// `voided`.
    pub status: String,
    pub date_approved: Option<NaiveDate>,
    pub currency: String,
    pub include_tax: bool,
    /// `DateDue`, when the request set one.
    pub date_due: Option<NaiveDate>,
    /// `PayTerm`: (`PayTermType`, `PayTermDays`), when the request set one.
    pub pay_term: Option<(u64, u64)>,
    pub comment: Option<String>,
    pub warehouse_id: Option<u64>,
    pub lines: Vec<SaleLineRec>,
    pub shipping: Option<(Decimal, u64)>,
    /// Tax per tax key on the document.
    pub taxes: Vec<TaxRow>,
    pub net: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    pub qty: Decimal,
    /// Payments received on an invoice (negative on a credit note: money
    /// returned).
    pub paid: Decimal,
    /// Document-level adjustments as requested (the real default row when
    /// none was).
    #[serde(default)]
    pub adjustments: Vec<AdjustmentRec>,
    /// Amounts outside `Taxes` yet inside `Total`: lines, shipping and
    /// adjustments on keys without VAT.
    #[serde(default)]
    pub untaxed: Decimal,
    /// `TimeStamps/Created` and `Updated`.
    #[serde(default)]
    pub created: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated: Option<DateTime<Utc>>,
    /// `MovementReference`: the stock issue (invoice) or receipt (credit
    /// note) made on approval.
    #[serde(default)]
    pub movement: Option<DocLink>,
    #[serde(default)]
    pub journals: Vec<JournalRec>,
    /// `InvoiceReference` of an invoiced sales order; `OrderReference` of
    /// the invoice made from it.
    #[serde(default)]
    pub invoice_ref: Option<DocLink>,
    #[serde(default)]
    pub order_ref: Option<DocLink>,
}

impl SaleRec {
    /// `Header/Total` as PayTraq shows it (negative on a credit note).
    pub fn header_total(&self) -> Decimal {
        self.kind.sign() * self.total
    }

    /// `Total − payments`; `0.00` once voided (the `Total` stays).
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
    /// A credit note likewise: `wait_payment` until the money is returned.
    pub fn approved_status(&self) -> &'static str {
        match self.kind {
            SaleKind::SalesOrder => "in_process",
            SaleKind::SalesInvoice if self.amount_due() <= Decimal::ZERO => "paid",
            SaleKind::CreditNote if self.amount_due() >= Decimal::ZERO => "paid",
            SaleKind::SalesInvoice | SaleKind::CreditNote => "wait_payment",
        }
    }

    /// The stock an approved document moved, per (warehouse, item): a goods
    /// invoice issues its quantities (negative), a goods credit note takes
    /// them back (positive); a sales order only reserves.
    pub fn stock_moved(&self) -> Vec<(u64, u64, Decimal)> {
        let sign = match self.kind {
            SaleKind::SalesInvoice => Decimal::NEGATIVE_ONE,
            SaleKind::CreditNote => Decimal::ONE,
            SaleKind::SalesOrder => return Vec::new(),
        };
        match (self.operation.as_str(), self.warehouse_id) {
            ("sell_goods", Some(w)) => self
                .lines
                .iter()
                .filter_map(|l| Some((w, l.item_id?, sign * l.qty)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A payment on an invoice or a prepayment (client overpayment) for an order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaymentRec {
    pub id: u64,
    pub document_id: u64,
    pub client_id: u64,
    pub money_account_id: u64,
    pub amount: Decimal,
    pub currency: String,
    pub date: Option<String>,
    pub comment: Option<String>,
}

/// An e-mail the sandbox "sent" (recorded only).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EmailRec {
    pub document_id: u64,
    pub to: String,
    /// When it was sent (`MessageLog/Message/Created`).
    #[serde(default)]
    pub created: Option<DateTime<Utc>>,
}

/// One company: everything reachable with one API key pair. Serialized
/// whole (but for the rate limiter's clock) as the saved state.
#[derive(Debug, Serialize, Deserialize)]
pub struct Company {
    pub id: u64,
    pub api_token: String,
    /// Rate limiter: theoretical arrival time of the next request.
    #[serde(skip)]
    pub next_slot: Option<Instant>,
    pub clients: BTreeMap<u64, ClientRec>,
    pub products: BTreeMap<u64, ProductRec>,
    pub warehouses: BTreeMap<u64, String>,
    /// (warehouse, item) → on hand.
    #[serde(with = "stock_entries")]
    pub stock: BTreeMap<(u64, u64), Decimal>,
    pub price_groups: BTreeMap<u64, PriceGroupRec>,
    pub tax_keys: BTreeMap<u64, TaxKeyRec>,
    pub money_accounts: BTreeMap<u64, MoneyAccountRec>,
    pub sales: BTreeMap<u64, SaleRec>,
    pub payments: Vec<PaymentRec>,
    pub prepayments: Vec<PaymentRec>,
    pub emails: Vec<EmailRec>,
    pub documents_numbered: u64,
    /// How this company rounds tax (the documented rule is per tax key).
    pub tax_rounding: TaxRounding,
    last_id: u64,
}

/// Where a company rounds tax: PayTraq's documented rule rounds each tax
/// key's sum on the document; `PerLine` stands for a company whose figures
/// the channel did not foresee (rounding every line's tax, then summing), so
/// that mismatches and the rounding policy can be exercised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxRounding {
    #[default]
    PerKey,
    PerLine,
}

impl Company {
    pub fn new(id: u64, api_token: String) -> Self {
        Self {
            id,
            api_token,
            next_slot: None,
            clients: BTreeMap::new(),
            products: BTreeMap::new(),
            warehouses: BTreeMap::new(),
            stock: BTreeMap::new(),
            price_groups: BTreeMap::new(),
            tax_keys: BTreeMap::new(),
            money_accounts: BTreeMap::new(),
            sales: BTreeMap::new(),
            payments: Vec::new(),
            prepayments: Vec::new(),
            emails: Vec::new(),
            documents_numbered: 0,
            tax_rounding: TaxRounding::PerKey,
            last_id: 1000,
        }
    }

    /// A fresh record id (ids look like PayTraq's: plain numbers).
    pub fn fresh_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// Quantity of `item` in approved sales orders not yet invoiced
    /// (`in_process`) of `warehouse` (`None` = all warehouses).
    pub fn reserved(&self, warehouse: Option<u64>, item: u64) -> Decimal {
        self.sales
            .values()
            .filter(|s| s.kind == SaleKind::SalesOrder && s.status == "in_process")
            .filter(|s| warehouse.is_none() || s.warehouse_id == warehouse)
            .flat_map(|s| s.lines.iter())
            .filter(|l| l.item_id == Some(item))
            .map(|l| l.qty)
            .sum()
    }

    /// On-hand quantity of `item` in `warehouse` (`None` = all warehouses).
    pub fn on_hand(&self, warehouse: Option<u64>, item: u64) -> Decimal {
        self.stock
            .iter()
            .filter(|((w, i), _)| *i == item && warehouse.is_none_or(|x| x == *w))
            .map(|(_, q)| *q)
            .sum()
    }
}

/// Every company of the sandbox (the saved state, see [`crate::persist`]).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct World {
    /// API key → company.
    pub companies: BTreeMap<String, Company>,
    pub companies_created: u64,
}

/// The stock map as a list of `[warehouse, item, qty]` (JSON object keys
/// must be strings, and a pair is not one).
mod stock_entries {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(
        stock: &BTreeMap<(u64, u64), Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let entries: Vec<(u64, u64, Decimal)> =
            stock.iter().map(|((w, i), q)| (*w, *i, *q)).collect();
        entries.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<(u64, u64), Decimal>, D::Error> {
        let entries = Vec::<(u64, u64, Decimal)>::deserialize(d)?;
        Ok(entries.into_iter().map(|(w, i, q)| ((w, i), q)).collect())
    }
}
