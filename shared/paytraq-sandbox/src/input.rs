//! Request bodies and query parameters the PayTraq sandbox reads, with the
//! element names of the reference, parsed leniently (every element
//! optional) and then checked by the handlers, so a malformed request gets
//! a `400 <Error>` like the real API rather than a framework error.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::api::ApiErr;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub page: Option<String>,
    pub query: Option<String>,
    #[serde(rename = "WarehouseID")]
    pub warehouse_id: Option<String>,
    /// `GET /sales`: documents of one client.
    #[serde(rename = "ClientID")]
    pub client_id: Option<String>,
    /// `GET /sales`: documents dated on or after (`YYYY-MM-DD`).
    pub date_from: Option<String>,
    /// `GET /sales`: documents dated on or before (`YYYY-MM-DD`).
    pub date_till: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AddressIn {
    #[serde(rename = "Address")]
    pub address: Option<String>,
    #[serde(rename = "Zip")]
    pub zip: Option<String>,
    #[serde(rename = "Country")]
    pub country: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ClientIn {
    #[serde(rename = "Name")]
    pub name: Option<String>,
    #[serde(rename = "Email")]
    pub email: Option<String>,
    #[serde(rename = "Type")]
    pub client_type: Option<String>,
    #[serde(rename = "RegNumber")]
    pub reg_number: Option<String>,
    #[serde(rename = "VatNumber")]
    pub vat_number: Option<String>,
    #[serde(rename = "Phone")]
    pub phone: Option<String>,
    #[serde(rename = "LegalAddress")]
    pub legal_address: Option<AddressIn>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SaleIn {
    #[serde(rename = "Header", default)]
    pub header: HeaderIn,
    #[serde(rename = "LineItems", default)]
    pub lines: LinesIn,
    #[serde(rename = "ShippingCharge")]
    pub shipping: Option<ShippingIn>,
    #[serde(rename = "Adjustments", default)]
    pub adjustments: AdjustmentsIn,
}

#[derive(Debug, Default, Deserialize)]
pub struct AdjustmentsIn {
    #[serde(rename = "Adjustment", default)]
    pub items: Vec<AdjustmentIn>,
}

/// `Adjustment(Amount, TypeID charge|discount, PctOrAmount pct|amount, TaxKey)`.
#[derive(Debug, Default, Deserialize)]
pub struct AdjustmentIn {
    #[serde(rename = "Amount")]
    pub amount: Option<String>,
    #[serde(rename = "TypeID")]
    pub type_id: Option<String>,
    #[serde(rename = "PctOrAmount")]
    pub pct_or_amount: Option<String>,
    #[serde(rename = "TaxKey", default)]
    pub tax_key: TaxKeyIn,
}

#[derive(Debug, Default, Deserialize)]
pub struct HeaderIn {
    #[serde(rename = "Document", default)]
    pub document: DocumentIn,
    #[serde(rename = "SaleType")]
    pub sale_type: Option<String>,
    #[serde(rename = "Operation")]
    pub operation: Option<String>,
    #[serde(rename = "Currency")]
    pub currency: Option<String>,
    #[serde(rename = "IncludeTax")]
    pub include_tax: Option<String>,
    #[serde(rename = "DateDue")]
    pub date_due: Option<String>,
    #[serde(rename = "Comment")]
    pub comment: Option<String>,
    #[serde(rename = "PayTerm", default)]
    pub pay_term: PayTermIn,
    #[serde(rename = "ShippingData", default)]
    pub shipping_data: ShippingDataIn,
}

#[derive(Debug, Default, Deserialize)]
pub struct PayTermIn {
    #[serde(rename = "PayTermType")]
    pub pay_term_type: Option<String>,
    #[serde(rename = "PayTermDays")]
    pub days: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DocumentIn {
    #[serde(rename = "DocumentDate")]
    pub date: Option<String>,
    #[serde(rename = "Client", default)]
    pub client: IdIn,
}

#[derive(Debug, Default, Deserialize)]
pub struct IdIn {
    #[serde(rename = "ClientID")]
    pub client_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ShippingDataIn {
    #[serde(rename = "Warehouse", default)]
    pub warehouse: WarehouseIn,
}

#[derive(Debug, Default, Deserialize)]
pub struct WarehouseIn {
    #[serde(rename = "WarehouseID")]
    pub warehouse_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LinesIn {
    #[serde(rename = "LineItem", default)]
    pub items: Vec<LineIn>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LineIn {
    #[serde(rename = "Item", default)]
    pub item: ItemIn,
    #[serde(rename = "ItemDescription")]
    pub item_description: Option<String>,
    #[serde(rename = "Description")]
    pub description: Option<String>,
    #[serde(rename = "Qty")]
    pub qty: Option<String>,
    #[serde(rename = "Price")]
    pub price: Option<String>,
    #[serde(rename = "LineDiscount")]
    pub discount: Option<String>,
    #[serde(rename = "TaxKey", default)]
    pub tax_key: TaxKeyIn,
}

#[derive(Debug, Default, Deserialize)]
pub struct ItemIn {
    #[serde(rename = "ItemID")]
    pub item_id: Option<String>,
    #[serde(rename = "ItemCode")]
    pub item_code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TaxKeyIn {
    #[serde(rename = "TaxKeyID")]
    pub tax_key_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ShippingIn {
    #[serde(rename = "Amount")]
    pub amount: Option<String>,
    #[serde(rename = "TaxKey", default)]
    pub tax_key: TaxKeyIn,
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentIn {
    #[serde(rename = "ClientID")]
    pub client_id: Option<String>,
    #[serde(rename = "MoneyAccountID")]
    pub money_account_id: Option<String>,
    #[serde(rename = "Amount")]
    pub amount: Option<String>,
    #[serde(rename = "Currency")]
    pub currency: Option<String>,
    #[serde(rename = "PaymentDate")]
    pub date: Option<String>,
    #[serde(rename = "Comment")]
    pub comment: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SendIn {
    #[serde(rename = "Email")]
    pub email: Option<String>,
}

/// Parses an XML request body into `T`.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiErr> {
    let text = std::str::from_utf8(body).map_err(|_| ApiErr::bad("body is not UTF-8"))?;
    quick_xml::de::from_str(text).map_err(|e| ApiErr::bad(&format!("malformed XML: {e}")))
}

/// A trimmed, non-empty text.
pub fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

pub fn decimal(field: &str, v: &Option<String>) -> Result<Option<Decimal>, ApiErr> {
    text(v)
        .map(|s| {
            s.parse::<Decimal>()
                .map_err(|_| ApiErr::bad(&format!("{field} is not a number")))
        })
        .transpose()
}

pub fn id(field: &str, v: &Option<String>) -> Result<Option<u64>, ApiErr> {
    text(v)
        .map(|s| {
            s.parse::<u64>()
                .map_err(|_| ApiErr::bad(&format!("{field} is not an id")))
        })
        .transpose()
}

/// A `YYYY-MM-DD` query parameter.
pub fn date(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>, ApiErr> {
    text(v)
        .map(|s| {
            NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|_| ApiErr::bad(&format!("{field} is not a date (YYYY-MM-DD)")))
        })
        .transpose()
}

pub fn page(q: &ListQuery) -> Result<usize, ApiErr> {
    Ok(id("page", &q.page)?.unwrap_or(0) as usize)
}
