//! Decimal helpers for WooCommerce money: exact parsing of money strings, PHP-like rounding
//! (half-up, or half-down for tax when prices include tax) and the two string renderings WooCommerce
//! uses (fixed `dp` decimals, or trimmed like `wc_format_decimal` without `dp`).

use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Precision WooCommerce keeps for unrounded amounts (`wc_get_rounding_precision()`).
pub const ROUNDING_PRECISION: u32 = 6;

/// Parses a WooCommerce money string (`"19.99"`, `""` = zero) or a JSON number.
pub fn parse_value(v: &serde_json::Value) -> Option<Decimal> {
    match v {
        serde_json::Value::String(s) if s.trim().is_empty() => Some(Decimal::ZERO),
        serde_json::Value::String(s) => Decimal::from_str(s.trim()).ok(),
        serde_json::Value::Number(n) => Decimal::from_str(&n.to_string())
            .ok()
            .or_else(|| Decimal::from_scientific(&n.to_string()).ok()),
        serde_json::Value::Null => Some(Decimal::ZERO),
        _ => None,
    }
}

/// PHP `round()` (half away from zero).
pub fn round_half_up(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// PHP `round(..., PHP_ROUND_HALF_DOWN)` (half towards zero).
pub fn round_half_down(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointTowardZero)
}

/// `WC_Tax::round`: unrounded tax amounts are kept to 6 decimals.
pub fn round_precise(d: Decimal) -> Decimal {
    round_half_up(d, ROUNDING_PRECISION)
}

/// `wc_format_decimal($v, $dp)`: rounded half-up and padded to `dp` decimals.
pub fn fmt_dp(d: Decimal, dp: u32) -> String {
    let mut r = round_half_up(d, dp);
    r.rescale(dp);
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    r.to_string()
}

/// `wc_format_decimal($v)` without `dp`: trailing zeros trimmed (`"5"`, `"0.945"`, `"0"`).
pub fn fmt_trim(d: Decimal) -> String {
    let mut n = d.normalize();
    if n.is_zero() {
        n.set_sign_positive(true);
    }
    n.to_string()
}

/// A JSON number the way PHP renders a float/int result: integral values as integers.
pub fn json_number(d: Decimal) -> serde_json::Value {
    let n = d.normalize();
    if n.fract().is_zero() {
        if let Ok(i) = i64::try_from(n) {
            return serde_json::Value::from(i);
        }
    }
    serde_json::Number::from_str(&n.to_string())
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn renders_like_woocommerce() {
        assert_eq!(fmt_dp(dec!(0.735), 2), "0.74");
        assert_eq!(round_half_down(dec!(0.735), 2), dec!(0.73));
        assert_eq!(fmt_trim(dec!(5.00)), "5");
        assert_eq!(fmt_trim(dec!(0.9450)), "0.945");
        assert_eq!(fmt_dp(Decimal::ZERO, 2), "0.00");
        assert_eq!(json_number(dec!(21.0000)), serde_json::json!(21));
        assert_eq!(json_number(dec!(3.33)), serde_json::json!(3.33));
    }
}
