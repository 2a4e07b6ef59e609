//! The PayTraq records the client reads and writes, with their XML element
//! names (reference §2–§10). Reply types are tolerant: unknown elements are
//! ignored and empty money elements read as zero/absent. Request types are
//! serialized in the element order PayTraq's own examples use. Money is
//! always `Decimal`, written as a plain decimal string.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::xml::{decimal_opt, decimal_or_zero, id_opt};

// ---------------------------------------------------------------- clients

/// A postal address as PayTraq nests it (`LegalAddress`, shipping address).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(rename = "Address", default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(rename = "Zip", default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// ISO 3166 alpha-2.
    #[serde(rename = "Country", default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A client as `GET /api/client/{id}` and `GET /api/clients` return it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Client {
    #[serde(rename = "ClientID")]
    pub client_id: u64,
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Email", default)]
    pub email: Option<String>,
    /// `1` private person, `2` legal entity (reference §2, inferred).
    #[serde(rename = "Type", default)]
    pub client_type: Option<String>,
    #[serde(rename = "RegNumber", default)]
    pub reg_number: Option<String>,
    #[serde(rename = "VatNumber", default)]
    pub vat_number: Option<String>,
    #[serde(rename = "Phone", default)]
    pub phone: Option<String>,
    #[serde(rename = "LegalAddress", default)]
    pub legal_address: Option<Address>,
    #[serde(rename = "FinancialData", default)]
    pub financial_data: Option<FinancialData>,
}

/// The part of a client's financial data the channel uses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct FinancialData {
    #[serde(rename = "PriceGroup", default)]
    pub price_group: Option<PriceGroupRef>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PriceGroupRef {
    #[serde(rename = "PriceGroupID", default, deserialize_with = "id_opt")]
    pub price_group_id: Option<u64>,
    #[serde(rename = "PriceGroupName", default)]
    pub price_group_name: Option<String>,
}

/// Whether a client is a private person or a company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientType {
    Person,
    Company,
}

/// The body of `POST /api/client`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename = "Client")]
pub struct NewClient {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Email", skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(rename = "Type", serialize_with = "client_type_code")]
    pub client_type: ClientType,
    #[serde(rename = "RegNumber", skip_serializing_if = "Option::is_none")]
    pub reg_number: Option<String>,
    #[serde(rename = "VatNumber", skip_serializing_if = "Option::is_none")]
    pub vat_number: Option<String>,
    #[serde(rename = "LegalAddress")]
    pub legal_address: Address,
    #[serde(rename = "Phone", skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

fn client_type_code<S: serde::Serializer>(t: &ClientType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u8(match t {
        ClientType::Person => 1,
        ClientType::Company => 2,
    })
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ClientList {
    #[serde(rename = "Client", default)]
    pub items: Vec<Client>,
}

// ---------------------------------------------------------------- catalogue

/// A product as the product list returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Product {
    #[serde(rename = "ItemID")]
    pub item_id: u64,
    /// The SKU.
    #[serde(rename = "Code", default)]
    pub code: Option<String>,
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "BarCode", default)]
    pub bar_code: Option<String>,
    #[serde(rename = "Status", default)]
    pub status: Option<String>,
    #[serde(rename = "Inventory", default)]
    pub inventory: Option<Inventory>,
    #[serde(rename = "Price", default)]
    pub price: Option<ProductPrice>,
}

/// `Product/Inventory`: on hand and "interim available"; listed with
/// `WarehouseID`, those of that warehouse (the assumption about
/// `InterimAvailable` is in `routes::products_of_warehouse`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Inventory {
    #[serde(rename = "Qty", default, deserialize_with = "decimal_or_zero")]
    pub qty: Decimal,
    #[serde(rename = "InterimAvailable", default, deserialize_with = "decimal_opt")]
    pub interim_available: Option<Decimal>,
}

/// `Product/Price`: the default sale price (tax-inclusive) and its VAT %.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ProductPrice {
    #[serde(rename = "GrossAmount", default, deserialize_with = "decimal_opt")]
    pub gross_amount: Option<Decimal>,
    #[serde(rename = "TaxRate", default, deserialize_with = "decimal_opt")]
    pub tax_rate: Option<Decimal>,
    #[serde(rename = "Currency", default)]
    pub currency: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProductList {
    #[serde(rename = "Product", default)]
    pub items: Vec<Product>,
}

/// One product's price in a price group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price {
    pub item_id: u64,
    pub code: Option<String>,
    pub price_incl_tax: Option<Decimal>,
    pub price_excl_tax: Option<Decimal>,
}

impl Price {
    /// The price as the shop shows it: tax-inclusive or exclusive.
    pub fn price(&self, include_tax: bool) -> Option<Decimal> {
        if include_tax {
            self.price_incl_tax
        } else {
            self.price_excl_tax
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PriceListWire {
    #[serde(rename = "Product", default)]
    pub items: Vec<PriceItemWire>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PriceItemWire {
    #[serde(rename = "ItemID")]
    pub item_id: u64,
    #[serde(rename = "Code", default)]
    pub code: Option<String>,
    #[serde(rename = "Price", default)]
    pub price: PriceAmountsWire,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PriceAmountsWire {
    #[serde(rename = "PriceIncTax", default, deserialize_with = "decimal_opt")]
    pub incl: Option<Decimal>,
    #[serde(rename = "PriceExclTax", default, deserialize_with = "decimal_opt")]
    pub excl: Option<Decimal>,
}

/// A tax key (VAT group) with its rate in percent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct TaxKey {
    #[serde(rename = "TaxKeyID")]
    pub tax_key_id: u64,
    #[serde(rename = "TaxKeyName", default)]
    pub name: String,
    /// `TaxRate`, when the reply has one: no real reply shows it (sale
    /// replies name the key only, `TaxKey(TaxKeyID, TaxKeyName)`).
    #[serde(rename = "TaxRate", default, deserialize_with = "decimal_opt")]
    pub rate: Option<Decimal>,
}

impl TaxKey {
    /// The key's rate in percent: `TaxRate` when present, else the rate in
    /// its name (`PVN 21%`, `OSS FI 25,5%`, `Neapliekams 0%`), else `None`
    /// (the operator's mapping is then the only word on it).
    pub fn percent(&self) -> Option<Decimal> {
        self.rate.or_else(|| rate_in_name(&self.name))
    }
}

/// The last `N%` / `N,N %` / `N.N%` in a tax key's name.
pub fn rate_in_name(name: &str) -> Option<Decimal> {
    let percent = name.rfind('%')?;
    let before = name[..percent].trim_end();
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == ',' || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    let number = before[start..].replace(',', ".");
    let number = number.trim_matches('.');
    if number.is_empty() || number.matches('.').count() > 1 {
        return None;
    }
    number
        .parse::<Decimal>()
        .ok()
        .filter(|r| *r <= Decimal::ONE_HUNDRED)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TaxKeyList {
    #[serde(rename = "TaxKey", default)]
    pub items: Vec<TaxKey>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Warehouse {
    #[serde(rename = "WarehouseID")]
    pub warehouse_id: u64,
    #[serde(rename = "WarehouseName", default)]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WarehouseList {
    #[serde(rename = "Warehouse", default)]
    pub items: Vec<Warehouse>,
}

/// A money (cash/bank/merchant) account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct MoneyAccount {
    #[serde(rename = "MoneyAccountID")]
    pub money_account_id: u64,
    #[serde(rename = "MoneyAccountName", default)]
    pub name: String,
    #[serde(rename = "Currency", default)]
    pub currency: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MoneyAccountList {
    #[serde(rename = "MoneyAccount", default)]
    pub items: Vec<MoneyAccount>,
}

// ---------------------------------------------------------------- sales

/// `SaleType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleType {
    SalesInvoice,
    SalesOrder,
    /// A credit note (`credit_note`): written with positive lines like an
    /// invoice; PayTraq shows its `Total`, `AmountDue`, `Totals/GrossAmount`
    /// and payments negative (fixtures README §7). No element links it to
    /// the invoice it credits.
    CreditNote,
}

impl SaleType {
    /// The `SaleType` text PayTraq writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SalesInvoice => "sales_invoice",
            Self::SalesOrder => "sales_order",
            Self::CreditNote => "credit_note",
        }
    }
}

/// `Operation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    SellGoods,
    SellServices,
    OtherIncome,
}

/// A sales invoice or sales order to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSale {
    pub sale_type: SaleType,
    pub operation: Operation,
    pub client_id: u64,
    pub document_date: NaiveDate,
    /// ISO 4217.
    pub currency: String,
    pub warehouse_id: Option<u64>,
    pub loading_area_id: Option<u64>,
    /// Our order reference; written into the document so that
    /// [`super::PaytraqClient::find_sale_by_reference`] finds it again.
    pub our_reference: String,
    /// Whether line prices include tax (`IncludeTax`).
    pub include_tax: bool,
    pub comment: Option<String>,
    pub lines: Vec<NewSaleLine>,
    pub shipping_charge: Option<ShippingCharge>,
    /// Payment term in days (`PayTerm/PayTermDays`); the document is due
    /// that many days after its date ([`NewSale::date_due`]). None: PayTraq's default.
    pub payment_term_days: Option<u16>,
}

impl NewSale {
    /// `DateDue`: the document date plus the payment term.
    pub fn date_due(&self) -> Option<NaiveDate> {
        let days = self.payment_term_days?;
        self.document_date
            .checked_add_days(chrono::Days::new(days.into()))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSaleLine {
    /// PayTraq item id; required for `sell_goods` unless `item_code` is set.
    pub item_id: Option<u64>,
    /// SKU; sent as `Item/ItemCode` (not seen on REST, see CALLS.md).
    pub item_code: Option<String>,
    pub description: Option<String>,
    pub quantity: Decimal,
    /// Per unit, in the document currency.
    pub unit_price: Decimal,
    /// Percent, `0` for none.
    pub discount_percent: Decimal,
    pub tax_key_id: u64,
}

/// A shipping fee on the document (`ShippingCharge`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShippingCharge {
    #[serde(rename = "Amount")]
    pub amount: Decimal,
    #[serde(rename = "TaxKey")]
    pub tax_key: TaxKeyRef,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxKeyRef {
    #[serde(rename = "TaxKeyID")]
    pub tax_key_id: u64,
}

/// Where our own document should be: among the client's documents dated
/// from `date_from` on (`GET /api/sales?ClientID=&date_from=`), a short list
/// searched before the free-text search by our reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaleNear {
    pub client_id: u64,
    pub date_from: NaiveDate,
}

impl SaleNear {
    /// Near a new document: its client, from the day before its date (the
    /// shop's and PayTraq's days may differ by a time zone).
    pub fn of(sale: &NewSale) -> Self {
        Self::around(sale.client_id, sale.document_date)
    }

    /// A client's documents from the day before `document_date` on.
    pub fn around(client_id: u64, document_date: NaiveDate) -> Self {
        Self {
            client_id,
            date_from: document_date.pred_opt().unwrap_or(document_date),
        }
    }
}

/// What `POST /api/sale` hands back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleRef {
    pub document_id: u64,
    /// Assigned by PayTraq; the create reply usually lacks it (read the sale).
    pub document_number: Option<String>,
}

/// A sales document as `GET /api/sale/{id}` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sale {
    pub document_id: u64,
    /// The printed document number (`DocumentRef`).
    pub document_number: Option<String>,
    /// `DocumentStatus`: `draft`, `in_process`, `done`, `wait_payment`,
    /// `paid`, `voided` (and `approved`/`posted` from other versions).
    pub status: Option<String>,
    pub sale_type: Option<String>,
    pub operation: Option<String>,
    pub client_id: Option<u64>,
    pub document_date: Option<String>,
    pub currency: Option<String>,
    pub include_tax: Option<bool>,
    pub comment: Option<String>,
    pub warehouse_id: Option<u64>,
    /// Document total including tax (`Header/Total`; negative on a credit note).
    pub total: Decimal,
    pub amount_due: Decimal,
    pub lines: Vec<SaleLine>,
    /// `ShippingCharge`, when the document has one (amount and tax key).
    pub shipping_charge: Option<ShippingCharge>,
    pub taxes: Vec<SaleTax>,
    /// `Totals/NetAmount`.
    pub net_total: Decimal,
    /// `Totals/GrossAmount`.
    pub gross_total: Decimal,
    /// `Payments/Payment`: money received on the document (a prepayment
    /// on a sales order never shows here, only once it is invoiced).
    pub payments: Vec<SalePayment>,
    /// `MessageLog/Message`: the e-mails PayTraq sent of the document.
    pub messages: Vec<SaleMessage>,
}

impl Sale {
    /// The sum of the payments on the document.
    pub fn paid_amount(&self) -> Decimal {
        self.payments.iter().map(|p| p.amount).sum()
    }

    /// Whether PayTraq's message log shows an e-mail of the document to
    /// `address` (compared without case or surrounding spaces).
    pub fn emailed_to(&self, address: &str) -> bool {
        let address = address.trim();
        self.messages.iter().any(|m| {
            m.to.as_deref()
                .is_some_and(|to| to.trim().eq_ignore_ascii_case(address))
        })
    }

    /// Approved, in any of the states PayTraq shows after approval.
    ///
    /// PayTraq never shows `approved` on a document it approved (8,207 real
    /// replies, `tests/fixtures/paytraq/README.md`): an approved sales order
    /// reads `in_process`, then `done` once invoiced; an approved invoice
    /// `wait_payment`, then `paid`. A `voided` document is not approved (it
    /// can be neither approved nor changed any more). `approved` and
    /// `posted` are kept for replies of other PayTraq versions.
    pub fn is_approved(&self) -> bool {
        matches!(
            self.status.as_deref().map(str::trim),
            Some("in_process" | "done" | "wait_payment" | "paid" | "approved" | "posted")
        )
    }

    /// Voided: `AmountDue` 0.00, the `Total` kept; nothing more can be done to it.
    pub fn is_voided(&self) -> bool {
        self.status.as_deref().map(str::trim) == Some("voided")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct SaleLine {
    #[serde(rename = "Item", default)]
    pub item: Option<ItemWire>,
    #[serde(rename = "Description", default)]
    pub description: Option<String>,
    #[serde(rename = "Qty", default, deserialize_with = "decimal_or_zero")]
    pub quantity: Decimal,
    #[serde(rename = "Price", default, deserialize_with = "decimal_or_zero")]
    pub price: Decimal,
    #[serde(rename = "LineDiscount", default, deserialize_with = "decimal_or_zero")]
    pub discount_percent: Decimal,
    #[serde(rename = "LineTotal", default, deserialize_with = "decimal_or_zero")]
    pub line_total: Decimal,
    #[serde(rename = "TaxKey", default)]
    pub tax_key: Option<TaxKeyWire>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ItemWire {
    #[serde(rename = "ItemID", default, deserialize_with = "id_opt")]
    pub item_id: Option<u64>,
    #[serde(rename = "ItemCode", default)]
    pub item_code: Option<String>,
    #[serde(rename = "ItemName", default)]
    pub item_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct TaxKeyWire {
    #[serde(rename = "TaxKeyID", default, deserialize_with = "id_opt")]
    pub tax_key_id: Option<u64>,
    #[serde(rename = "TaxKeyName", default)]
    pub name: Option<String>,
}

/// One `Payments/Payment` of a sale: `PaymentType` is `bank`, `card`,
/// `prepayment`, … ; `DocumentLink` names the payment document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct SalePayment {
    #[serde(rename = "PaymentDate", default)]
    pub date: Option<String>,
    #[serde(rename = "PaymentType", default)]
    pub payment_type: Option<String>,
    #[serde(
        rename = "PaymentAmount",
        default,
        deserialize_with = "decimal_or_zero"
    )]
    pub amount: Decimal,
    #[serde(rename = "DocumentLink", default)]
    pub document: Option<DocumentLinkWire>,
}

/// A `DocumentLink`: another document a sale refers to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct DocumentLinkWire {
    #[serde(rename = "DocumentID", default, deserialize_with = "id_opt")]
    pub document_id: Option<u64>,
    #[serde(rename = "DocumentRef", default)]
    pub document_ref: Option<String>,
    #[serde(rename = "DocumentType", default)]
    pub document_type: Option<String>,
}

/// One `MessageLog/Message`: an e-mail PayTraq sent; `EventStatus` is
/// `delivered`, `open`, … as the mail service reported it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct SaleMessage {
    #[serde(rename = "Created", default)]
    pub created: Option<String>,
    #[serde(rename = "To", default)]
    pub to: Option<String>,
    #[serde(rename = "EventType", default)]
    pub event_type: Option<String>,
    #[serde(rename = "EventStatus", default)]
    pub event_status: Option<String>,
}

/// One `Taxes/Tax` row: tax of one tax key on the whole document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct SaleTax {
    #[serde(rename = "TaxKey", default)]
    pub tax_key: Option<TaxKeyWire>,
    #[serde(rename = "TaxName", default)]
    pub name: Option<String>,
    #[serde(rename = "NetAmount", default, deserialize_with = "decimal_or_zero")]
    pub net_amount: Decimal,
    #[serde(rename = "TaxAmount", default, deserialize_with = "decimal_or_zero")]
    pub tax_amount: Decimal,
    #[serde(rename = "GrossAmount", default, deserialize_with = "decimal_or_zero")]
    pub gross_amount: Decimal,
}

/// A payment on a sales invoice, or the money returned on a credit note
/// (`amount` positive either way: what changed hands).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPayment {
    pub document_id: u64,
    pub money_account_id: u64,
    pub amount: Decimal,
    pub currency: String,
    pub date: NaiveDate,
    pub comment: Option<String>,
}

/// A prepayment (overpayment of the client) for a sales order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPrepayment {
    pub sales_order_id: u64,
    pub money_account_id: u64,
    pub amount: Decimal,
    pub currency: String,
    pub date: NaiveDate,
    pub comment: Option<String>,
}

/// What a payment call hands back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRef {
    /// `PaymentID` when the reply carries one.
    pub payment_id: Option<u64>,
}

/// The `<Response>` of create calls: one id child.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CreatedWire {
    #[serde(rename = "ClientID", default, deserialize_with = "id_opt")]
    pub client_id: Option<u64>,
    #[serde(rename = "DocumentID", default, deserialize_with = "id_opt")]
    pub document_id: Option<u64>,
    #[serde(rename = "DocumentRef", default)]
    pub document_ref: Option<String>,
    #[serde(rename = "PaymentID", default, deserialize_with = "id_opt")]
    pub payment_id: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_tax_keys_rate_is_read_from_its_name_when_paytraq_gives_none() {
        for (name, rate) in [
            ("PVN 21%", Some(dec!(21))),
            ("PVN 12 %", Some(dec!(12))),
            ("OSS FI 25,5%", Some(dec!(25.5))),
            ("OSS LT 21.0%", Some(dec!(21.0))),
            ("Neapliekams 0%", Some(dec!(0))),
            ("PVN", None),
            ("Apgrieztā maksāšana", None),
            ("%", None),
            ("1.2.3%", None),
            ("PVN 210%", None),
        ] {
            let key = TaxKey {
                tax_key_id: 1,
                name: name.into(),
                rate: None,
            };
            assert_eq!(key.percent(), rate, "{name}");
        }
        let given = TaxKey {
            tax_key_id: 1,
            name: "PVN 21%".into(),
            rate: Some(dec!(5)),
        };
        assert_eq!(given.percent(), Some(dec!(5)), "TaxRate wins when present");
    }

    /// Every tax key named in a real sale reply has a rate in its name or
    /// is one PayTraq leaves without (reverse charge and the like).
    #[test]
    fn real_tax_key_names_read_a_rate_fixture() {
        let dir = testkit::paytraq_fixtures_dir().join("sale");
        let mut names = std::collections::BTreeMap::<String, Option<Decimal>>::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("xml") {
                continue;
            }
            let xml = std::fs::read_to_string(&path).unwrap();
            for part in xml.split("<TaxKeyName>").skip(1) {
                let name = part
                    .split("</TaxKeyName>")
                    .next()
                    .unwrap()
                    .trim()
                    .to_string();
                if !name.is_empty() {
                    names.insert(name.clone(), rate_in_name(&name));
                }
            }
        }
        assert!(names.len() >= 3, "{names:?}");
        let with_rate = names.values().filter(|r| r.is_some()).count();
        println!(
            "real tax key names: {with_rate} of {} carry a rate: {names:?}",
            names.len()
        );
        assert!(
            names.get("PVN 21%").is_some_and(|r| *r == Some(dec!(21))),
            "{names:?}"
        );
    }
}

#[cfg(test)]
mod client_fixtures {
    use super::*;
    use crate::paytraq::xml::from_xml;

    /// A flattened reply (`(field, value)` pairs in document order, `[i]`
    /// on repeated siblings, empty elements dropped) as XML again.
    fn unflatten(root: &str, fields: &[serde_json::Value]) -> String {
        let mut xml = format!("<{root}>");
        let mut open: Vec<String> = Vec::new();
        for f in fields {
            let path = f["field"].as_str().unwrap();
            let value = f["value"].as_str().unwrap();
            let parts: Vec<String> = path
                .split('/')
                .skip(1)
                .map(|p| p.split('[').next().unwrap().to_string())
                .collect();
            let (leaf, parents) = parts.split_last().unwrap();
            // Close what this path leaves, open what it enters.
            let common = open.iter().zip(parents).take_while(|(a, b)| a == b).count();
            while open.len() > common {
                xml.push_str(&format!("</{}>", open.pop().unwrap()));
            }
            for p in &parents[common..] {
                xml.push_str(&format!("<{p}>"));
                open.push(p.clone());
            }
            let escaped = value
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            xml.push_str(&format!("<{leaf}>{escaped}</{leaf}>"));
        }
        while let Some(p) = open.pop() {
            xml.push_str(&format!("</{p}>"));
        }
        xml.push_str(&format!("</{root}>"));
        xml
    }

    /// Every real `GET /api/client/{id}` reply reads as the client model,
    /// with the id, name, type and, when given, e-mail and VAT number.
    #[test]
    fn real_client_replies_read_fixture() {
        let dir = testkit::paytraq_fixtures_dir().join("client");
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with(".flat.json") {
                continue;
            }
            let flat: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let fields = flat["replies"]["/api/client/{ClientID}"]["fields"]
                .as_array()
                .unwrap();
            let value = |field: &str| {
                fields
                    .iter()
                    .find(|f| f["field"] == format!("client/{field}"))
                    .and_then(|f| f["value"].as_str())
            };
            let xml = unflatten("Client", fields);
            let client: Client = from_xml(&xml).unwrap_or_else(|e| panic!("{name}: {e}\n{xml}"));
            assert_eq!(
                Some(client.client_id.to_string().as_str()),
                value("ClientID"),
                "{name}"
            );
            assert_eq!(Some(client.name.as_str()), value("Name"), "{name}");
            assert_eq!(client.email.as_deref(), value("Email"), "{name}");
            assert_eq!(client.client_type.as_deref(), value("Type"), "{name}");
            assert_eq!(client.vat_number.as_deref(), value("VatNumber"), "{name}");
            assert_eq!(
                client.legal_address.and_then(|a| a.country),
                value("LegalAddress/Country").map(str::to_string),
                "{name}"
            );
            read += 1;
        }
        assert!(read >= 3, "{read} client replies");
        println!("real client replies read: {read}");
    }
}
