//! The typed WooCommerce order: the body of `GET /wc/v3/orders/{id}` and of
//! an `order.*` webhook delivery (both are the same JSON).
//!
//! Reading is tolerant: unknown fields are ignored, absent optional fields
//! take their default, numbers are accepted as strings or numbers, and the
//! older WooCommerce 3.x shape (no `rate_percent`, refunds with `refund`
//! instead of `reason`, no `_gmt` on some dates) reads too. Only `id` is
//! required. Money is `Decimal`, exactly as WooCommerce wrote it.
//!
//! Reading is not accepting: an order the channel may process has a
//! positive id and a total that is not negative ([`Order::check`]), and its
//! JSON has no key twice in one object. [`parse_order`] applies all of it
//! (the webhook receiver and the processor read orders through it); the
//! reconciler, which lists orders through [`order_from_value`], calls
//! [`Order::check`] on each. A refused order is kept as a failed inbox entry
//! with the reason, never processed.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::de;
use super::error::{ApiErrorBody, WooError};
use super::unique_keys::{check_unique_keys, KeyProblem};
use crate::model::OrderSummary;

/// Meta keys read by [`Order::vat_number`], in order of preference
/// (compared case-insensitively). They cover the WooCommerce EU VAT Number
/// extension (`_billing_vat_number`, older `_vat_number` / `VAT Number`),
/// common checkout-field plugins (`billing_vat_number`, `billing_vat`,
/// `_billing_vat`, `vat_id`) and plain `vat_number`.
pub const VAT_NUMBER_META_KEYS: &[&str] = &[
    "_billing_vat_number",
    "billing_vat_number",
    "vat_number",
    "_vat_number",
    "VAT Number",
    "billing_vat",
    "_billing_vat",
    "vat_id",
];

/// Meta keys read by [`Order::registration_number`] (company registration
/// number, Latvian "reģistrācijas numurs"), compared case-insensitively.
pub const REGISTRATION_NUMBER_META_KEYS: &[&str] = &[
    "_billing_registration_number",
    "billing_registration_number",
    "registration_number",
    "_registration_number",
    "_billing_company_registration_number",
    "billing_company_registration_number",
    "company_registration_number",
    "_billing_reg_number",
    "billing_reg_number",
    "reg_number",
    "_billing_company_id",
    "billing_company_id",
];

/// Order statuses that are not real orders yet and must be ignored.
pub const DRAFT_STATUSES: &[&str] = &["checkout-draft", "draft", "auto-draft"];

/// A WooCommerce order (REST v3 / webhook payload).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// `null` and `""` read as 0, which [`Order::check`] refuses.
    #[serde(deserialize_with = "de::order_id")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::u64")]
    pub parent_id: u64,
    /// Display number; falls back to the id when absent (see [`parse_order`]).
    #[serde(default, deserialize_with = "de::string")]
    pub number: String,
    #[serde(default, deserialize_with = "de::string")]
    pub order_key: String,
    #[serde(default, deserialize_with = "de::string")]
    pub created_via: String,
    /// WooCommerce version that last saved the order.
    #[serde(default, deserialize_with = "de::string")]
    pub version: String,
    #[serde(default, deserialize_with = "de::string")]
    pub status: String,
    #[serde(default, deserialize_with = "de::string")]
    pub currency: String,
    #[serde(default, deserialize_with = "de::bool")]
    pub prices_include_tax: bool,
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date_paid_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date_completed_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de::decimal")]
    pub discount_total: Decimal,
    #[serde(default, deserialize_with = "de::decimal")]
    pub discount_tax: Decimal,
    #[serde(default, deserialize_with = "de::decimal")]
    pub shipping_total: Decimal,
    #[serde(default, deserialize_with = "de::decimal")]
    pub shipping_tax: Decimal,
    /// Tax on line items and fees.
    #[serde(default, deserialize_with = "de::decimal")]
    pub cart_tax: Decimal,
    /// Grand total (authoritative).
    #[serde(default, deserialize_with = "de::decimal")]
    pub total: Decimal,
    #[serde(default, deserialize_with = "de::decimal")]
    pub total_tax: Decimal,
    #[serde(default, deserialize_with = "de::string")]
    pub payment_method: String,
    #[serde(default, deserialize_with = "de::string")]
    pub payment_method_title: String,
    #[serde(default, deserialize_with = "de::string")]
    pub transaction_id: String,
    /// 0 = guest.
    #[serde(default, deserialize_with = "de::u64")]
    pub customer_id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub customer_note: String,
    #[serde(default, deserialize_with = "de::object_or_default")]
    pub billing: Address,
    #[serde(default, deserialize_with = "de::object_or_default")]
    pub shipping: Address,
    #[serde(default, deserialize_with = "de::vec")]
    pub line_items: Vec<LineItem>,
    #[serde(default, deserialize_with = "de::vec")]
    pub tax_lines: Vec<TaxLine>,
    #[serde(default, deserialize_with = "de::vec")]
    pub shipping_lines: Vec<ShippingLine>,
    #[serde(default, deserialize_with = "de::vec")]
    pub fee_lines: Vec<FeeLine>,
    #[serde(default, deserialize_with = "de::vec")]
    pub coupon_lines: Vec<CouponLine>,
    #[serde(default, deserialize_with = "de::vec")]
    pub refunds: Vec<RefundSummary>,
    #[serde(default, deserialize_with = "de::vec")]
    pub meta_data: Vec<MetaData>,
    /// `needs_payment` of newer versions (absent on 3.x).
    #[serde(default)]
    pub needs_payment: Option<bool>,
}

/// Billing or shipping address. `email` only exists on billing, `phone` on
/// shipping only in newer versions; empty strings read as `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, deserialize_with = "de::string")]
    pub first_name: String,
    #[serde(default, deserialize_with = "de::string")]
    pub last_name: String,
    #[serde(default, deserialize_with = "de::string")]
    pub company: String,
    #[serde(default, deserialize_with = "de::string")]
    pub address_1: String,
    #[serde(default, deserialize_with = "de::string")]
    pub address_2: String,
    #[serde(default, deserialize_with = "de::string")]
    pub city: String,
    #[serde(default, deserialize_with = "de::string")]
    pub state: String,
    #[serde(default, deserialize_with = "de::string")]
    pub postcode: String,
    /// ISO 3166-1 alpha-2.
    #[serde(default, deserialize_with = "de::string")]
    pub country: String,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub phone: Option<String>,
}

/// One product line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    #[serde(default, deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
    /// For a variation: the parent product.
    #[serde(default, deserialize_with = "de::u64")]
    pub product_id: u64,
    /// 0 for simple products.
    #[serde(default, deserialize_with = "de::u64")]
    pub variation_id: u64,
    #[serde(default, deserialize_with = "de::decimal")]
    pub quantity: Decimal,
    /// `""` = standard.
    #[serde(default, deserialize_with = "de::string")]
    pub tax_class: String,
    /// Before coupons, excl. tax.
    #[serde(default, deserialize_with = "de::decimal")]
    pub subtotal: Decimal,
    #[serde(default, deserialize_with = "de::decimal")]
    pub subtotal_tax: Decimal,
    /// After coupons, excl. tax.
    #[serde(default, deserialize_with = "de::decimal")]
    pub total: Decimal,
    #[serde(default, deserialize_with = "de::decimal")]
    pub total_tax: Decimal,
    /// Unrounded tax per rate.
    #[serde(default, deserialize_with = "de::vec")]
    pub taxes: Vec<LineTax>,
    /// The product's *current* SKU; `None` when empty or the product is gone.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sku: Option<String>,
    /// `total / quantity` as WooCommerce rendered it (a JSON float).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub parent_name: Option<String>,
    #[serde(default, deserialize_with = "de::vec")]
    pub meta_data: Vec<MetaData>,
}

/// Tax of one line for one rate; amounts are unrounded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTax {
    /// The tax rate id (`tax_lines[].rate_id`).
    #[serde(default, deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::decimal")]
    pub total: Decimal,
    /// `""` on shipping and fee lines, read as zero.
    #[serde(default, deserialize_with = "de::decimal")]
    pub subtotal: Decimal,
}

/// Per-rate tax summary (a snapshot of the rate at order time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    #[serde(default, deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub rate_code: String,
    #[serde(default, deserialize_with = "de::u64")]
    pub rate_id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub label: String,
    #[serde(default, deserialize_with = "de::bool")]
    pub compound: bool,
    /// Items + fees tax for this rate.
    #[serde(default, deserialize_with = "de::decimal")]
    pub tax_total: Decimal,
    #[serde(default, deserialize_with = "de::decimal")]
    pub shipping_tax_total: Decimal,
    /// Absent before WooCommerce 3.7.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub rate_percent: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingLine {
    #[serde(default, deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub method_title: String,
    #[serde(default, deserialize_with = "de::string")]
    pub method_id: String,
    #[serde(default, deserialize_with = "de::string")]
    pub instance_id: String,
    #[serde(default, deserialize_with = "de::decimal")]
    pub total: Decimal,
    #[serde(default, deserialize_with = "de::decimal")]
    pub total_tax: Decimal,
    #[serde(default, deserialize_with = "de::vec")]
    pub taxes: Vec<LineTax>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    #[serde(default, deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "de::string")]
    pub tax_class: String,
    /// `taxable` or `none`.
    #[serde(default, deserialize_with = "de::string")]
    pub tax_status: String,
    /// May be negative.
    #[serde(default, deserialize_with = "de::decimal")]
    pub total: Decimal,
    #[serde(default, deserialize_with = "de::decimal")]
    pub total_tax: Decimal,
    #[serde(default, deserialize_with = "de::vec")]
    pub taxes: Vec<LineTax>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponLine {
    #[serde(default, deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub code: String,
    /// Excl. tax; rendered unformatted (`"5"`, `"3.907128"`).
    #[serde(default, deserialize_with = "de::decimal")]
    pub discount: Decimal,
    #[serde(default, deserialize_with = "de::decimal")]
    pub discount_tax: Decimal,
    /// Newer versions only.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub discount_type: Option<String>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub nominal_amount: Option<Decimal>,
}

/// `refunds[]` of the order: `total` is negative (`"-10.00"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundSummary {
    #[serde(default, deserialize_with = "de::u64")]
    pub id: u64,
    /// `reason`; the 3.x docs render it as `refund`.
    #[serde(default, alias = "refund", deserialize_with = "de::string")]
    pub reason: String,
    #[serde(default, deserialize_with = "de::decimal")]
    pub total: Decimal,
}

/// A `{id, key, value}` meta entry; `value` may be any JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetaData {
    #[serde(default, deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub key: String,
    #[serde(default)]
    pub value: Value,
}

/// Why an order that reads is still not one the channel processes. Each
/// message is the reason its failed inbox entry shows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrderRefused {
    #[error("the order has no id (`id` is 0, null or empty)")]
    NoId,
    #[error("the order total is negative ({0})")]
    NegativeTotal(Decimal),
    #[error("duplicate key `{0}` in the order JSON (which of the values counts is ambiguous)")]
    DuplicateKey(String),
    #[error(
        "the order JSON is nested deeper than {} levels",
        super::unique_keys::MAX_DEPTH
    )]
    TooDeep,
}

/// Reads an order body (REST answer or webhook delivery) and accepts it.
///
/// A WooCommerce error object in place of the order (a delivery rendered
/// after the order was deleted) becomes [`WooError::Api`]; anything else
/// that is not an order object becomes [`WooError::Decode`]; an order that
/// reads but must not be processed becomes [`WooError::Refused`].
pub fn parse_order(body: &[u8]) -> Result<Order, WooError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| WooError::Decode(format!("order: {e}")))?;
    if !value.is_object() {
        return Err(WooError::Decode("order: not a JSON object".into()));
    }
    match check_unique_keys(body) {
        Ok(()) => {}
        Err(KeyProblem::Duplicate(key)) => return Err(OrderRefused::DuplicateKey(key).into()),
        Err(KeyProblem::TooDeep) => return Err(OrderRefused::TooDeep.into()),
        Err(KeyProblem::NotJson(e)) => return Err(WooError::Decode(format!("order: {e}"))),
    }
    if value.get("id").is_none() {
        if let Some(err) = ApiErrorBody::from_value(&value) {
            return Err(WooError::Api {
                status: err.status.unwrap_or(0),
                code: err.code,
                message: err.message,
            });
        }
    }
    let order = order_from_value(value)?;
    order.check()?;
    Ok(order)
}

/// Converts an already parsed order object (one element of an order list).
pub fn order_from_value(value: Value) -> Result<Order, WooError> {
    let mut order: Order =
        serde_json::from_value(value).map_err(|e| WooError::Decode(format!("order: {e}")))?;
    if order.number.is_empty() {
        order.number = order.id.to_string();
    }
    Ok(order)
}

impl Order {
    /// Whether the channel may process this order: it needs a positive id
    /// (the inbox key, the PayTraq document reference) and a total that is
    /// not negative (WooCommerce never computes one; refunds are separate
    /// objects).
    pub fn check(&self) -> Result<(), OrderRefused> {
        if self.id == 0 {
            return Err(OrderRefused::NoId);
        }
        if self.total < Decimal::ZERO {
            return Err(OrderRefused::NegativeTotal(self.total));
        }
        Ok(())
    }

    /// The few facts the inbox lists and filters on.
    pub fn summary(&self) -> OrderSummary {
        OrderSummary {
            number: self.number.clone(),
            wc_status: self.status.clone(),
            currency: self.currency.clone(),
            total: self.total,
            payment_method: self.payment_method.clone(),
            billing_email: self.billing.email.clone(),
            date_created_gmt: self.date_created_gmt,
            date_paid_gmt: self.date_paid_gmt,
            refunded: -self.refunds.iter().map(|r| r.total).sum::<Decimal>(),
            items: self
                .line_items
                .iter()
                .map(|l| (l.name.clone(), l.quantity))
                .collect(),
        }
    }

    /// `checkout-draft`, `draft` and `auto-draft` orders are not orders yet.
    pub fn is_draft(&self) -> bool {
        DRAFT_STATUSES.contains(&self.status.as_str())
    }

    /// Paid means WooCommerce recorded a payment date (not the status: an
    /// unpaid COD order can be `processing`).
    pub fn is_paid(&self) -> bool {
        self.date_paid_gmt.is_some()
    }

    /// The first meta value under `key` (case-insensitive) as trimmed
    /// non-empty text (numbers are taken as text).
    pub fn meta_text(&self, key: &str) -> Option<String> {
        self.meta_data
            .iter()
            .filter(|m| m.key.eq_ignore_ascii_case(key))
            .find_map(|m| match &m.value {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    }

    /// The customer's VAT number from the first of [`VAT_NUMBER_META_KEYS`] present.
    pub fn vat_number(&self) -> Option<String> {
        VAT_NUMBER_META_KEYS.iter().find_map(|k| self.meta_text(k))
    }

    /// The company registration number from the first of
    /// [`REGISTRATION_NUMBER_META_KEYS`] present.
    pub fn registration_number(&self) -> Option<String> {
        REGISTRATION_NUMBER_META_KEYS
            .iter()
            .find_map(|k| self.meta_text(k))
    }

    /// Meta `is_vat_exempt = yes` (WooCommerce removes all taxes then).
    pub fn is_vat_exempt(&self) -> bool {
        self.meta_text("is_vat_exempt")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes"))
    }

    /// Σ fee line totals (excl. tax).
    pub fn fee_total(&self) -> Decimal {
        self.fee_lines.iter().map(|f| f.total).sum()
    }

    /// Σ fee line taxes.
    pub fn fee_tax(&self) -> Decimal {
        self.fee_lines.iter().map(|f| f.total_tax).sum()
    }

    /// Tax per rate id as WooCommerce rendered it in `tax_lines`
    /// (`tax_total + shipping_tax_total`), in `tax_lines` order.
    pub fn tax_by_rate_id(&self) -> Vec<(u64, Decimal)> {
        tax_by_rate_id(&self.tax_lines)
    }
}

/// `tax_total + shipping_tax_total` summed per rate id, in `tax_lines`
/// order (an order's, or a refund's with negative amounts).
pub fn tax_by_rate_id(tax_lines: &[TaxLine]) -> Vec<(u64, Decimal)> {
    let mut out: Vec<(u64, Decimal)> = Vec::new();
    for t in tax_lines {
        let amount = t.tax_total + t.shipping_tax_total;
        match out.iter_mut().find(|(id, _)| *id == t.rate_id) {
            Some((_, sum)) => *sum += amount,
            None => out.push((t.rate_id, amount)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn minimal_and_odd_shapes_read() {
        let o = parse_order(br#"{"id":"7","total":12.5,"prices_include_tax":"yes","line_items":null,"refunds":[{"id":1,"refund":"x","total":"-1.00"}]}"#).unwrap();
        assert_eq!(o.id, 7);
        assert_eq!(o.number, "7");
        assert_eq!(o.total, dec!(12.5));
        assert!(o.prices_include_tax);
        assert!(o.line_items.is_empty());
        assert_eq!(o.refunds[0].reason, "x");
        assert_eq!(o.refunds[0].total, dec!(-1.00));
    }

    #[test]
    fn inconsistent_types_read() {
        let o = parse_order(
            br#"{"id":9,"number":9,"customer_id":"3","shipping":[],"billing":null,
            "line_items":[{"id":"1","product_id":"26","quantity":"2","price":"16.520661",
                "sku":"","taxes":[{"id":"4","total":0.5,"subtotal":""}]}],
            "tax_lines":[{"id":2,"rate_id":"4","compound":"no","tax_total":"1","rate_percent":"21.0000"},
                {"id":3,"rate_id":5}],
            "coupon_lines":[{"id":4,"code":"fix5","discount":5,"discount_tax":"0.75"}],
            "meta_data":[{"id":1,"key":"blob","value":{"a":[1,2]}}],
            "date_paid_gmt":"","date_created_gmt":"2019-01-02T03:04:05"}"#,
        )
        .unwrap();
        assert_eq!((o.number.as_str(), o.customer_id), ("9", 3));
        assert_eq!(o.shipping, Address::default());
        let line = &o.line_items[0];
        assert_eq!(
            (line.product_id, line.quantity, line.sku.as_deref()),
            (26, dec!(2), None)
        );
        assert_eq!(line.price, Some(dec!(16.520661)));
        assert_eq!(
            (
                line.taxes[0].id,
                line.taxes[0].total,
                line.taxes[0].subtotal
            ),
            (4, dec!(0.5), dec!(0))
        );
        assert_eq!(o.tax_lines[0].rate_percent, Some(dec!(21.0000)));
        assert!(!o.tax_lines[0].compound);
        assert_eq!(o.tax_lines[1].rate_percent, None);
        assert_eq!(o.coupon_lines[0].discount, dec!(5));
        assert_eq!(o.date_paid_gmt, None);
        assert!(!o.is_paid());
        assert!(o.date_created_gmt.is_some());
        assert_eq!(o.tax_by_rate_id(), vec![(4, dec!(1)), (5, dec!(0))]);
    }

    #[test]
    fn wrong_types_are_decode_errors_not_panics() {
        for body in [
            &br#"{"id":1,"total":"12,50"}"#[..],
            br#"{"id":1,"line_items":"none"}"#,
            br#"{"id":-4}"#,
            br#"{"id":1,"date_created_gmt":"soon"}"#,
            br#"{"id":1,"billing":"x"}"#,
        ] {
            assert!(
                matches!(parse_order(body), Err(WooError::Decode(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn error_body_in_place_of_an_order() {
        let err = parse_order(br#"{"code":"woocommerce_rest_shop_order_invalid_id","message":"Invalid ID.","data":{"status":404}}"#).unwrap_err();
        assert!(
            matches!(err, WooError::Api { status: 404, ref code, .. } if code == "woocommerce_rest_shop_order_invalid_id")
        );
        assert!(matches!(parse_order(b"[1]"), Err(WooError::Decode(_))));
        assert!(matches!(parse_order(b"{}"), Err(WooError::Decode(_))));
        assert!(matches!(
            parse_order(b"webhook_id=3"),
            Err(WooError::Decode(_))
        ));
    }

    #[test]
    fn orders_without_a_positive_id_are_refused() {
        for body in [
            &br#"{"id":0,"total":"1.00"}"#[..],
            br#"{"id":null,"total":"1.00"}"#,
            br#"{"id":"","total":"1.00"}"#,
            br#"{"id":" ","total":"1.00"}"#,
            br#"{"id":"0","total":"1.00"}"#,
        ] {
            let err = parse_order(body).unwrap_err();
            assert!(
                matches!(err, WooError::Refused(OrderRefused::NoId)),
                "{}: {err}",
                String::from_utf8_lossy(body)
            );
        }
        // Absent, negative or not a number: not an order at all.
        let unreadable: [(&[u8], &str); 4] = [
            (br#"{"total":"1.00"}"#, "missing field `id`"),
            (br#"{"id":-4}"#, "`id`"),
            (br#"{"id":"abc"}"#, "`id`"),
            (br#"{"id":1.5}"#, "`id`"),
        ];
        for (body, says) in unreadable {
            let err = parse_order(body).unwrap_err();
            assert!(
                matches!(&err, WooError::Decode(m) if m.contains(says)),
                "{}: {err}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(parse_order(br#"{"id":"12"}"#).unwrap().id, 12);
    }

    #[test]
    fn a_negative_total_is_refused_and_zero_is_not() {
        let err = parse_order(br#"{"id":5,"total":"-0.01"}"#).unwrap_err();
        assert!(matches!(
            err,
            WooError::Refused(OrderRefused::NegativeTotal(t)) if t == dec!(-0.01)
        ));
        assert_eq!(
            err.to_string(),
            "the order is refused: the order total is negative (-0.01)"
        );
        assert!(parse_order(br#"{"id":5,"total":"0.00"}"#).is_ok());
        assert!(parse_order(br#"{"id":5,"total":"-0.00"}"#).is_ok());
        // The reconciler's path: a listed order is checked by the same rule.
        let listed = order_from_value(serde_json::json!({"id": 5, "total": "-3"})).unwrap();
        assert_eq!(listed.check(), Err(OrderRefused::NegativeTotal(dec!(-3))));
        let listed = order_from_value(serde_json::json!({"id": null})).unwrap();
        assert_eq!(listed.check(), Err(OrderRefused::NoId));
    }

    #[test]
    fn duplicate_keys_and_deep_nesting_are_refused() {
        let err = parse_order(br#"{"id":5,"total":"10.00","total":"-10.00"}"#).unwrap_err();
        assert!(
            matches!(&err, WooError::Refused(OrderRefused::DuplicateKey(k)) if k == "total"),
            "{err}"
        );
        assert!(err.to_string().contains("duplicate key `total`"), "{err}");
        let err =
            parse_order(br#"{"id":5,"meta_data":[{"id":1,"key":"a","key":"b"}]}"#).unwrap_err();
        assert!(matches!(err, WooError::Refused(OrderRefused::DuplicateKey(k)) if k == "key"));
        let deep = format!(
            r#"{{"id":5,"meta_data":[{{"id":1,"key":"x","value":{}1{}}}]}}"#,
            "[".repeat(110),
            "]".repeat(110)
        );
        assert!(matches!(
            parse_order(deep.as_bytes()),
            Err(WooError::Refused(OrderRefused::TooDeep))
        ));
        let deeper = "[".repeat(100_000);
        assert!(matches!(
            parse_order(deeper.as_bytes()),
            Err(WooError::Decode(_))
        ));
    }

    #[test]
    fn drafts_vat_and_registration_numbers() {
        let o = parse_order(
            br#"{"id":1,"status":"checkout-draft","meta_data":[
            {"id":1,"key":"is_vat_exempt","value":"yes"},
            {"id":2,"key":"VAT_NUMBER","value":" LV40003000000 "},
            {"id":3,"key":"billing_registration_number","value":40003000000}]}"#,
        )
        .unwrap();
        assert!(o.is_draft());
        assert!(o.is_vat_exempt());
        assert_eq!(o.vat_number().as_deref(), Some("LV40003000000"));
        assert_eq!(o.registration_number().as_deref(), Some("40003000000"));
    }
}
