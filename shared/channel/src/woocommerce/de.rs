//! Tolerant field readers for WooCommerce JSON.
//!
//! WooCommerce is inconsistent about JSON types across versions and
//! endpoints: money is a string (`"4.20"`) except `line_items[].price` and
//! `tax_lines[].rate_percent` (numbers), ids are numbers except where PHP
//! handed back strings (`"id": ""` in images, `"order": ""` on gateways),
//! and optional values are `null`, `""` or absent. These readers accept all
//! of those. Floats are read through their shortest round-trip text, which is
//! the text PHP (`serialize_precision = -1`) wrote, so no binary noise enters
//! a `Decimal`.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Money or quantity; `null`, `""` and absent are zero.
pub(crate) fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let v = Value::deserialize(d)?;
    decimal_from_value(&v)
        .map(Option::unwrap_or_default)
        .map_err(D::Error::custom)
}

/// An optional amount; `null` and `""` are `None`.
pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let v = Value::deserialize(d)?;
    decimal_from_value(&v).map_err(D::Error::custom)
}

pub(crate) fn decimal_from_value(v: &Value) -> Result<Option<Decimal>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            Decimal::from_str(t)
                .or_else(|_| Decimal::from_scientific(t))
                .map(Some)
                .map_err(|_| format!("not a decimal number: {t:?}"))
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(Decimal::from(i)))
            } else if let Some(u) = n.as_u64() {
                Ok(Some(Decimal::from(u)))
            } else {
                let text = n.as_f64().map(|f| f.to_string()).unwrap_or_default();
                Decimal::from_str(&text)
                    .map(Some)
                    .map_err(|_| format!("number out of decimal range: {n}"))
            }
        }
        other => Err(format!("expected a number, got {}", kind(other))),
    }
}

/// An id or count; `null`, `""` and absent are 0.
pub(crate) fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = Value::deserialize(d)?;
    u64_from_value(&v)
        .map(Option::unwrap_or_default)
        .map_err(D::Error::custom)
}

/// An order's own id: as [`u64`] (`null` and `""` are 0, left for the
/// order's check to refuse), with errors that name the field.
pub(crate) fn order_id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = Value::deserialize(d)?;
    u64_from_value(&v)
        .map(Option::unwrap_or_default)
        .map_err(|e| D::Error::custom(format!("`id`: {e}")))
}

/// An optional id or count; `null` and `""` are `None`.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = Value::deserialize(d)?;
    u64_from_value(&v).map_err(D::Error::custom)
}

pub(crate) fn u64_from_value(v: &Value) -> Result<Option<u64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("not a non-negative integer: {s:?}")),
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(u), _) => Ok(Some(u)),
            (None, Some(f)) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => Ok(Some(f as u64)),
            _ => Err(format!("not a non-negative integer: {n}")),
        },
        other => Err(format!("expected an integer, got {}", kind(other))),
    }
}

/// An optional signed integer (`order` of a gateway: a number or `""`).
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Value::deserialize(d)?;
    match &v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s.trim().parse().map(Some).map_err(D::Error::custom),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("not an integer: {n}"))),
        other => Err(D::Error::custom(format!(
            "expected an integer, got {}",
            kind(other)
        ))),
    }
}

/// A flag: JSON booleans, `"yes"`/`"no"`, `"true"`/`"false"`, `1`/`0`;
/// `null`, `""` and absent are false.
pub(crate) fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = Value::deserialize(d)?;
    bool_from_value(&v).map_err(D::Error::custom)
}

pub(crate) fn bool_from_value(v: &Value) -> Result<bool, String> {
    match v {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "yes" | "true" | "1" | "on" => Ok(true),
            "no" | "false" | "0" | "off" | "" => Ok(false),
            other => Err(format!("not a flag: {other:?}")),
        },
        other => Err(format!("expected a flag, got {}", kind(other))),
    }
}

/// Text; numbers and booleans are taken as their text, `null` is empty.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = Value::deserialize(d)?;
    string_from_value(&v).map_err(D::Error::custom)
}

/// Optional text; `null` and `""` are `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Value::deserialize(d)?;
    let s = string_from_value(&v).map_err(D::Error::custom)?;
    Ok(if s.is_empty() { None } else { Some(s) })
}

pub(crate) fn string_from_value(v: &Value) -> Result<String, String> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("expected text, got {}", kind(other))),
    }
}

/// A list; `null` and absent are empty (PHP sometimes renders `{}` for an
/// empty list, which is also accepted as empty).
pub(crate) fn vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v = Value::deserialize(d)?;
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Object(ref o) if o.is_empty() => Ok(Vec::new()),
        Value::Array(_) => serde_json::from_value(v).map_err(D::Error::custom),
        other => Err(D::Error::custom(format!(
            "expected a list, got {}",
            kind(&other)
        ))),
    }
}

/// An object that PHP may render as `null` or `[]` when empty: those read as
/// the default.
pub(crate) fn object_or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    let v = Value::deserialize(d)?;
    match v {
        Value::Null => Ok(T::default()),
        Value::Array(ref a) if a.is_empty() => Ok(T::default()),
        other => serde_json::from_value(other).map_err(D::Error::custom),
    }
}

/// A WooCommerce `*_gmt` date: `YYYY-MM-DDTHH:MM:SS` without an offset
/// (taken as UTC), or RFC 3339 with one; `null` and `""` are `None`.
pub(crate) fn opt_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let v = Value::deserialize(d)?;
    match &v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => parse_datetime(s.trim())
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("not a date: {s:?}"))),
        other => Err(D::Error::custom(format!(
            "expected a date, got {}",
            kind(other)
        ))),
    }
}

/// Parses a WooCommerce GMT date (see [`opt_datetime`]).
pub(crate) fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|n| n.and_utc())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    #[test]
    fn decimals_from_strings_and_numbers() {
        assert_eq!(
            decimal_from_value(&json!("4.1979")).unwrap(),
            Some(dec!(4.1979))
        );
        assert_eq!(
            decimal_from_value(&json!(16.520661157024794)).unwrap(),
            Some(dec!(16.520661157024794))
        );
        assert_eq!(decimal_from_value(&json!(0.1)).unwrap(), Some(dec!(0.1)));
        assert_eq!(decimal_from_value(&json!(21)).unwrap(), Some(dec!(21)));
        assert_eq!(decimal_from_value(&json!("")).unwrap(), None);
        assert_eq!(
            decimal_from_value(&json!("-0.227375")).unwrap(),
            Some(dec!(-0.227375))
        );
        assert!(decimal_from_value(&json!("abc")).is_err());
        assert!(decimal_from_value(&json!([1])).is_err());
    }

    proptest::proptest! {
        #[test]
        fn decimal_strings_read_exactly(mantissa in proptest::num::i64::ANY, scale in 0u32..12) {
            let d = Decimal::new(mantissa, scale);
            proptest::prop_assert_eq!(decimal_from_value(&json!(d.to_string())).unwrap(), Some(d));
        }

        #[test]
        fn floats_read_as_their_shortest_text(f in -1.0e9f64..1.0e9) {
            let expected = Decimal::from_str(&f.to_string()).unwrap();
            proptest::prop_assert_eq!(decimal_from_value(&json!(f)).unwrap(), Some(expected));
        }
    }

    #[test]
    fn ids_flags_and_dates() {
        assert_eq!(u64_from_value(&json!("12")).unwrap(), Some(12));
        assert_eq!(u64_from_value(&json!(12.0)).unwrap(), Some(12));
        assert!(u64_from_value(&json!(-1)).is_err());
        assert!(bool_from_value(&json!("yes")).unwrap());
        assert!(!bool_from_value(&json!(0)).unwrap());
        let dt = parse_datetime("2026-11-28T08:10:55").unwrap();
        assert_eq!(dt.to_rfc3339(), "2026-11-28T08:10:55+00:00");
        let dt = parse_datetime("2026-11-28T10:10:55+02:00").unwrap();
        assert_eq!(dt.to_rfc3339(), "2026-11-28T08:10:55+00:00");
        assert!(parse_datetime("yesterday").is_none());
    }
}
