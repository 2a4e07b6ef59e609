//! The typed WooCommerce refund: the body of `GET /orders/{id}/refunds/{rid}`
//! and the elements of `GET /orders/{id}/refunds` (WooCommerce 8.9).
//!
//! A refund is never a webhook resource: the `order.updated` delivery of the
//! parent carries only `refunds[]` summaries (`{id, reason, total}`), so the
//! channel reads the line detail here. WooCommerce renders a refund as
//! negative copies of the refunded items — `quantity`, `subtotal`, `total`,
//! `total_tax` and `taxes[].total` are negative, `price` stays positive,
//! `meta_data` `_refunded_item_id` names the parent's item — and `tax_lines`
//! with negative `tax_total` / `shipping_tax_total`. `amount` is positive
//! and there is no `total`. An amount-only refund has every line list empty:
//! nothing says which tax rate its amount belongs to.
//!
//! Reading is tolerant like the order's (see `de`): money is `Decimal` as
//! WooCommerce wrote it, unknown fields are ignored.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::de;
use super::error::{ApiErrorBody, WooError};
use super::order::{FeeLine, LineItem, MetaData, ShippingLine, TaxLine};

/// The meta key WooCommerce writes on a refund item: the parent item's id.
pub const REFUNDED_ITEM_ID_META: &str = "_refunded_item_id";

/// The code WooCommerce answers (with HTTP 500 and `"data": 404`) when a
/// refund id is asked for under an order it does not belong to.
pub const REFUND_OF_OTHER_ORDER_CODE: &str = "woocommerce_rest_invalid_order_refund_id";

/// One refund of an order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    #[serde(deserialize_with = "de::order_id")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    /// The money given back: positive (`"10.27"`).
    #[serde(default, deserialize_with = "de::decimal")]
    pub amount: Decimal,
    /// `""` when none was given.
    #[serde(default, deserialize_with = "de::string")]
    pub reason: String,
    /// The user who made it (1 = the first administrator).
    #[serde(default, deserialize_with = "de::u64")]
    pub refunded_by: u64,
    /// Whether the gateway returned the money (false with `api_refund: false`
    /// and for manual refunds).
    #[serde(default, deserialize_with = "de::bool")]
    pub refunded_payment: bool,
    #[serde(default, deserialize_with = "de::vec")]
    pub meta_data: Vec<MetaData>,
    /// Negative copies of the refunded product lines.
    #[serde(default, deserialize_with = "de::vec")]
    pub line_items: Vec<LineItem>,
    /// Negative copies of the refunded shipping lines.
    #[serde(default, deserialize_with = "de::vec")]
    pub shipping_lines: Vec<ShippingLine>,
    /// Negative copies of the refunded fee lines.
    #[serde(default, deserialize_with = "de::vec")]
    pub fee_lines: Vec<FeeLine>,
    /// Tax refunded per rate (negative `tax_total` / `shipping_tax_total`).
    #[serde(default, deserialize_with = "de::vec")]
    pub tax_lines: Vec<TaxLine>,
}

impl Refund {
    /// Whether the refund names no line (an amount-only refund).
    pub fn is_amount_only(&self) -> bool {
        self.line_items.is_empty() && self.shipping_lines.is_empty() && self.fee_lines.is_empty()
    }

    /// Σ of the refund's line, shipping and fee totals and their taxes, as
    /// WooCommerce wrote them (negative, or zero for an amount-only refund).
    pub fn lines_total(&self) -> Decimal {
        let items: Decimal = self.line_items.iter().map(|l| l.total + l.total_tax).sum();
        let shipping: Decimal = self
            .shipping_lines
            .iter()
            .map(|s| s.total + s.total_tax)
            .sum();
        let fees: Decimal = self.fee_lines.iter().map(|f| f.total + f.total_tax).sum();
        items + shipping + fees
    }

    /// Whether `amount` equals −(Σ line totals + taxes), which holds when the
    /// client that made the refund sent consistent numbers. WooCommerce takes
    /// `amount` as given, so it may not; an amount-only refund has no lines
    /// to agree with and is `None`.
    pub fn amount_matches_lines(&self) -> Option<bool> {
        if self.is_amount_only() {
            None
        } else {
            Some(self.amount == -self.lines_total())
        }
    }

    /// Tax refunded per rate id (`tax_total + shipping_tax_total`, negative),
    /// in `tax_lines` order.
    pub fn tax_by_rate_id(&self) -> Vec<(u64, Decimal)> {
        super::order::tax_by_rate_id(&self.tax_lines)
    }
}

/// The parent item a refund item refunds (`_refunded_item_id`, written as a
/// string by WooCommerce); `None` when the meta is absent or not an id.
pub fn refunded_item_id(meta: &[MetaData]) -> Option<u64> {
    meta.iter()
        .find(|m| m.key == REFUNDED_ITEM_ID_META)
        .and_then(|m| de::u64_from_value(&m.value).ok().flatten())
        .filter(|id| *id > 0)
}

/// Reads one refund body. A WooCommerce error object in its place becomes
/// [`WooError::Api`] (or [`WooError::NotFound`] for a 404 status in it);
/// anything else that is not a refund object becomes [`WooError::Decode`].
pub fn parse_refund(body: &[u8]) -> Result<Refund, WooError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| WooError::Decode(format!("refund: {e}")))?;
    refund_from_value(value)
}

/// Reads a refund list body (`GET /orders/{id}/refunds`).
pub fn parse_refunds(body: &[u8]) -> Result<Vec<Refund>, WooError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| WooError::Decode(format!("refunds: {e}")))?;
    match value {
        Value::Array(items) => items.into_iter().map(refund_from_value).collect(),
        other => Err(WooError::Decode(format!(
            "refunds: expected a list, got {}",
            if other.is_object() {
                "an object"
            } else {
                "something else"
            }
        ))),
    }
}

/// Converts an already parsed refund object.
pub fn refund_from_value(value: Value) -> Result<Refund, WooError> {
    if !value.is_object() {
        return Err(WooError::Decode("refund: not a JSON object".into()));
    }
    if value.get("id").is_none() {
        if let Some(err) = ApiErrorBody::from_value(&value) {
            return Err(match err.status {
                Some(404) => WooError::NotFound {
                    code: err.code,
                    message: err.message,
                },
                status => WooError::Api {
                    status: status.unwrap_or(0),
                    code: err.code,
                    message: err.message,
                },
            });
        }
    }
    let refund: Refund =
        serde_json::from_value(value).map_err(|e| WooError::Decode(format!("refund: {e}")))?;
    if refund.id == 0 {
        return Err(WooError::Decode("refund: `id` is 0, null or empty".into()));
    }
    Ok(refund)
}

/// What `GET /orders/{order}/refunds/{rid}` failing means: WooCommerce
/// answers a refund of another order with HTTP 500 and code
/// [`REFUND_OF_OTHER_ORDER_CODE`] (its body says `"data": 404`); that is a
/// refund not found under this order, not a server failure to retry.
pub fn refund_lookup_error(err: WooError) -> WooError {
    match err {
        WooError::Api { code, message, .. } if code == REFUND_OF_OTHER_ORDER_CODE => {
            WooError::NotFound { code, message }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const LINE_REFUND: &str = r#"{"id":45,"date_created":"2026-11-30T06:27:12","date_created_gmt":"2026-11-30T06:27:12","amount":"10.27","reason":"Viena kafijas paka boj\u0101ta","refunded_by":1,"refunded_payment":false,"meta_data":[],"line_items":[{"id":95,"name":"Kafija 250 g","product_id":10,"variation_id":0,"quantity":-1,"tax_class":"","subtotal":"-8.49","subtotal_tax":"-1.78","total":"-8.49","total_tax":"-1.78","taxes":[{"id":1,"total":"-1.78","subtotal":"-1.78"}],"meta_data":[{"id":731,"key":"_refunded_item_id","value":"90","display_key":"_refunded_item_id","display_value":"90"}],"sku":"QA-COFFEE","price":8.49,"image":{"id":"","src":""},"parent_name":null}],"shipping_lines":[],"tax_lines":[{"id":96,"rate_code":"LV-PVN 21%-1","rate_id":1,"label":"PVN 21%","compound":false,"tax_total":"-1.78","shipping_tax_total":"0.00","rate_percent":21,"meta_data":[]}],"fee_lines":[]}"#;

    #[test]
    fn a_line_refund_reads_with_negative_copies_and_a_positive_amount() {
        let r = parse_refund(LINE_REFUND.as_bytes()).unwrap();
        assert_eq!(r.id, 45);
        assert_eq!(r.amount, dec!(10.27));
        assert_eq!(r.reason, "Viena kafijas paka bojāta");
        assert!(!r.refunded_payment);
        assert_eq!(r.refunded_by, 1);
        let line = &r.line_items[0];
        assert_eq!(
            (line.quantity, line.total, line.total_tax),
            (dec!(-1), dec!(-8.49), dec!(-1.78))
        );
        assert_eq!(line.price, Some(dec!(8.49)));
        assert_eq!(refunded_item_id(&line.meta_data), Some(90));
        assert_eq!(r.lines_total(), dec!(-10.27));
        assert_eq!(r.amount_matches_lines(), Some(true));
        assert_eq!(r.tax_by_rate_id(), vec![(1, dec!(-1.78))]);
        assert!(!r.is_amount_only());
        assert_eq!(
            r.date_created_gmt.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-30T06:27:12+00:00")
        );
    }

    #[test]
    fn an_amount_only_refund_has_no_lines_and_no_line_check() {
        let r = parse_refund(br#"{"id":47,"amount":"5.00","reason":"","line_items":[],"shipping_lines":[],"tax_lines":[],"fee_lines":[]}"#).unwrap();
        assert!(r.is_amount_only());
        assert_eq!(r.amount_matches_lines(), None);
        assert_eq!(r.lines_total(), Decimal::ZERO);
        assert!(r.tax_by_rate_id().is_empty());
    }

    #[test]
    fn an_amount_that_disagrees_with_the_lines_is_seen() {
        let body = LINE_REFUND.replace(r#""amount":"10.27""#, r#""amount":"10.00""#);
        let r = parse_refund(body.as_bytes()).unwrap();
        assert_eq!(r.amount_matches_lines(), Some(false));
    }

    #[test]
    fn error_bodies_and_wrong_shapes_are_errors_not_refunds() {
        let gone = parse_refund(br#"{"code":"woocommerce_rest_shop_order_refund_invalid_id","message":"Invalid ID.","data":{"status":404}}"#).unwrap_err();
        assert!(matches!(gone, WooError::NotFound { .. }), "{gone}");
        assert!(matches!(parse_refund(b"[1]"), Err(WooError::Decode(_))));
        assert!(matches!(
            parse_refund(br#"{"id":0,"amount":"1"}"#),
            Err(WooError::Decode(_))
        ));
        assert!(matches!(
            parse_refund(br#"{"id":4,"amount":"1,00"}"#),
            Err(WooError::Decode(_))
        ));
        assert!(matches!(
            parse_refunds(br#"{"id":4}"#),
            Err(WooError::Decode(_))
        ));
        assert_eq!(parse_refunds(b"[]").unwrap(), Vec::<Refund>::new());
    }

    #[test]
    fn a_refund_of_another_order_is_not_found_not_a_server_error() {
        let body = br#"{"code":"woocommerce_rest_invalid_order_refund_id","message":"Invalid order refund ID.","data":404}"#;
        let err = refund_lookup_error(WooError::from_response(500, None, body));
        assert!(
            matches!(&err, WooError::NotFound { code, .. } if code == REFUND_OF_OTHER_ORDER_CODE),
            "{err}"
        );
        assert!(!err.is_retryable());
        let other = refund_lookup_error(WooError::from_response(500, None, b"<html>"));
        assert!(other.is_retryable());
    }
}
