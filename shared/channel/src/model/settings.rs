//! A channel's settings, each described once: the field, its doc (which is
//! its description in the admin API's OpenAPI document), its validation
//! rule (the field's `deserialize_with`, or its type's own serde rules), and
//! the rules that tie settings together ([`Settings::conflicts`]).
//!
//! The admin API reads a settings update field by field through these serde
//! rules (`admin::validate::settings`), so a rule's message is the message a
//! wrong field gets; the known fields are the struct's fields. Stored channels
//! are read through the same rules, so a stored setting is always a valid one.
//!
//! Adding a setting: a field here with its doc, its default and (unless its
//! type already says everything) its rule; its use; a test.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{PriceGroupId, WarehouseId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Settings {
    /// Turn every inbox order into a PayTraq document as soon as it arrives.
    pub auto_process: bool,
    /// The PayTraq document an order becomes.
    pub document_type: DocumentType,
    /// The operation of the PayTraq document.
    pub operation: Operation,
    /// Approve the document in PayTraq once it is created.
    pub approve: bool,
    /// Record the payment of a paid order in PayTraq (to the money account its payment method maps to).
    pub add_payment: bool,
    /// E-mail the document to the client from PayTraq; needs approve.
    pub send_email: bool,
    /// PayTraq warehouse for documents and stock sync; needed by daily_sync.
    pub warehouse_id: Option<WarehouseId>,
    /// Copy prices of the PayTraq price group to the shop when syncing; needs price_group_id.
    pub sync_prices: bool,
    /// PayTraq price group whose prices are synced; required when sync_prices.
    pub price_group_id: Option<PriceGroupId>,
    /// With sync_prices: also copy prices to items whose stock the shop does not manage
    /// (manage_stock off) and to variations whose stock their parent manages (each gets the
    /// price of its own SKU); their stock is never touched. Off: only items with their own
    /// stock management get prices, and the sync report lists the others as price skips.
    #[serde(default)]
    pub sync_prices_without_stock_management: bool,
    /// When an order is cancelled in the shop after its document was made: void the
    /// PayTraq document if it is a draft, or an approved sales order (which releases
    /// the stock it reserved). Off (the default): the order is flagged for review with
    /// a note and nothing changes in PayTraq. An approved invoice is never voided (it
    /// needs a credit note, see credit_cancelled).
    #[serde(default)]
    pub void_cancelled: bool,
    /// When an order is cancelled in the shop after its sales invoice was approved: issue
    /// a credit note for the whole invoice (approved, paid back and e-mailed as the other
    /// settings say). Off (the default): the order is flagged for review with a note and
    /// nothing changes in PayTraq.
    #[serde(default)]
    pub credit_cancelled: bool,
    /// Sync stock (and prices) once a day; needs warehouse_id.
    pub daily_sync: bool,
    /// Local hour (0–23, in the deployment's schedule time zone) of the daily sync.
    #[serde(deserialize_with = "rule::hour")]
    #[schemars(range(min = 0, max = 23))]
    pub daily_sync_hour: u8,
    /// What happens when the PayTraq document total differs from the WooCommerce order total.
    #[serde(deserialize_with = "rule::rounding")]
    pub rounding: RoundingPolicy,
    /// PayTraq product code used for WooCommerce fee lines (PayTraq needs an
    /// item on every line of a goods or services document; without one,
    /// orders with fee lines are not processed).
    #[serde(default, deserialize_with = "rule::product_code")]
    #[schemars(length(min = 1, max = 50))]
    pub fee_item_code: Option<String>,
    /// PayTraq product code for the line of a refund that names no lines (an
    /// amount-only refund) on its credit note, split over the order's tax rates;
    /// without one, such a refund of an approved invoice is flagged for review.
    #[serde(default, deserialize_with = "rule::product_code")]
    #[schemars(length(min = 1, max = 50))]
    pub refund_item_code: Option<String>,
    /// Payment term in days (0–365): the PayTraq document is due this many
    /// days after the order date. None: PayTraq's own default.
    #[serde(default, deserialize_with = "rule::payment_term")]
    #[schemars(range(min = 0, max = 365))]
    pub payment_term_days: Option<u16>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            auto_process: true,
            document_type: DocumentType::SalesInvoice,
            operation: Operation::SellGoods,
            approve: false,
            add_payment: false,
            send_email: false,
            warehouse_id: None,
            sync_prices: false,
            price_group_id: None,
            sync_prices_without_stock_management: false,
            void_cancelled: false,
            credit_cancelled: false,
            daily_sync: false,
            daily_sync_hour: 6,
            rounding: RoundingPolicy::Strict,
            fee_item_code: None,
            refund_item_code: None,
            payment_term_days: None,
        }
    }
}

impl Settings {
    /// The rules between settings, as (field to blame, problem).
    pub fn conflicts(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if self.sync_prices && self.price_group_id.is_none() {
            out.push(("price_group_id", "is required when sync_prices is on"));
        }
        if self.daily_sync && self.warehouse_id.is_none() {
            out.push((
                "warehouse_id",
                "is required when daily_sync is on (stock is read from that warehouse)",
            ));
        }
        if self.send_email && !self.approve {
            out.push((
                "send_email",
                "needs approve: PayTraq e-mails approved documents only",
            ));
        }
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    SalesInvoice,
    SalesOrder,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    SellGoods,
    SellServices,
    OtherIncome,
}

/// What happens when the PayTraq document total differs from the
/// WooCommerce order total. `strict` (default): the document stays a draft,
/// no payment, the order needs review. `adjust`: a difference of at most
/// `max` is put on the draft as one explicit rounding line (one unit of the
/// fee product, fee_item_code, on the untaxed tax key, tax map entry 0),
/// explained in an order note; larger differences need review as in strict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
#[schemars(rename = "Rounding")]
pub enum RoundingPolicy {
    /// Any difference: the document stays a draft, no payment (the original channel's rule).
    Strict,
    /// Add an explicit rounding line of at most `max` (0–1.00) to make the totals agree.
    Adjust { max: Decimal },
}

/// The validation rules of the settings whose type does not say it all.
/// Each error message is what the admin API answers for that field.
mod rule {
    use rust_decimal::Decimal;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};

    use super::RoundingPolicy;

    /// Longest PayTraq product code.
    const MAX_PRODUCT_CODE: usize = 50;

    /// Longest payment term, in days.
    const MAX_PAYMENT_TERM_DAYS: u16 = 365;

    pub fn hour<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
        const PROBLEM: &str = "must be an hour from 0 to 23";
        let hour = i64::deserialize(d).map_err(|_| D::Error::custom(PROBLEM))?;
        u8::try_from(hour)
            .ok()
            .filter(|h| *h <= 23)
            .ok_or_else(|| D::Error::custom(PROBLEM))
    }

    pub fn rounding<'de, D: Deserializer<'de>>(d: D) -> Result<RoundingPolicy, D::Error> {
        let policy = RoundingPolicy::deserialize(d).map_err(|_| {
            D::Error::custom(
                r#"must be {"mode": "strict"} or {"mode": "adjust", "max": "<amount>"}"#,
            )
        })?;
        match &policy {
            RoundingPolicy::Adjust { max } if max.is_sign_negative() || *max > Decimal::ONE => Err(
                D::Error::custom("max of an adjusting rounding line must be between 0 and 1.00"),
            ),
            _ => Ok(policy),
        }
    }

    /// A trimmed PayTraq product code, or none.
    pub fn product_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)
            .map_err(|_| D::Error::custom("must be a PayTraq product code"))?
        else {
            return Ok(None);
        };
        let code = text.trim();
        if code.is_empty() || code.chars().count() > MAX_PRODUCT_CODE {
            return Err(D::Error::custom(format!(
                "must be a PayTraq product code (1 to {MAX_PRODUCT_CODE} characters)"
            )));
        }
        Ok(Some(code.to_string()))
    }

    pub fn payment_term<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
        let problem = || {
            D::Error::custom(format!(
                "must be a number of days from 0 to {MAX_PAYMENT_TERM_DAYS}"
            ))
        };
        let Some(days) = Option::<i64>::deserialize(d).map_err(|_| problem())? else {
            return Ok(None);
        };
        u16::try_from(days)
            .ok()
            .filter(|d| *d <= MAX_PAYMENT_TERM_DAYS)
            .map(Some)
            .ok_or_else(problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_settings_of_before_typed_ids_still_read() {
        let old = r#"{"auto_process":true,"document_type":"sales_order","operation":"sell_goods",
            "approve":true,"add_payment":false,"send_email":false,"warehouse_id":"12",
            "sync_prices":true,"price_group_id":" 7","daily_sync":true,"daily_sync_hour":5,
            "rounding":{"mode":"adjust","max":"0.05"}}"#;
        let s: Settings = serde_json::from_str(old).unwrap();
        assert_eq!(s.warehouse_id.map(WarehouseId::get), Some(12));
        assert_eq!(s.price_group_id.map(PriceGroupId::get), Some(7));
        assert_eq!(s.fee_item_code, None, "absent: the default");
        assert_eq!(s.refund_item_code, None, "absent: the default");
        assert!(
            !s.void_cancelled && !s.credit_cancelled,
            "absent: a cancellation is flagged for review, as before the settings existed"
        );
        assert!(
            !s.sync_prices_without_stock_management,
            "absent: off, as before the setting existed"
        );
        let written = serde_json::to_value(&s).unwrap();
        assert_eq!(written["warehouse_id"], 12);
        assert_eq!(serde_json::from_value::<Settings>(written).unwrap(), s);
    }

    #[test]
    fn payment_term_days_is_a_number_of_days_from_0_to_365() {
        use serde_json::json;
        let with = |days: serde_json::Value| {
            let mut s = serde_json::to_value(Settings::default()).unwrap();
            s["payment_term_days"] = days;
            serde_json::from_value::<Settings>(s)
        };
        assert_eq!(with(14.into()).unwrap().payment_term_days, Some(14));
        assert_eq!(with(365.into()).unwrap().payment_term_days, Some(365));
        assert_eq!(
            with(serde_json::Value::Null).unwrap().payment_term_days,
            None
        );
        for wrong in [json!(-1), json!(366), json!(1.5), json!("14")] {
            let err = with(wrong).unwrap_err();
            assert_eq!(err.to_string(), "must be a number of days from 0 to 365");
        }
    }

    #[test]
    fn refund_item_code_is_a_trimmed_product_code_like_fee_item_code() {
        use serde_json::json;
        let with = |code: serde_json::Value| {
            let mut s = serde_json::to_value(Settings::default()).unwrap();
            s["refund_item_code"] = code;
            serde_json::from_value::<Settings>(s)
        };
        let set = with(json!(" WC-REFUND ")).unwrap();
        assert_eq!(set.refund_item_code.as_deref(), Some("WC-REFUND"));
        assert_eq!(
            with(serde_json::Value::Null).unwrap().refund_item_code,
            None
        );
        for wrong in [json!(" "), json!("x".repeat(51)), json!(5)] {
            let err = with(wrong.clone()).unwrap_err().to_string();
            assert!(
                err.starts_with("must be a PayTraq product code"),
                "{wrong}: {err}"
            );
        }
    }

    #[test]
    fn cross_setting_rules_name_the_field_to_fix() {
        assert!(Settings::default().conflicts().is_empty());
        let s = Settings {
            sync_prices: true,
            daily_sync: true,
            send_email: true,
            ..Settings::default()
        };
        let fields: Vec<&str> = s.conflicts().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["price_group_id", "warehouse_id", "send_email"]);
    }
}
