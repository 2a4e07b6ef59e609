//! Typed ids of the things a channel maps between: the PayTraq ids it stores
//! (tax keys, money accounts, warehouse, price group) and the WooCommerce ids
//! on the other side of its maps (tax rates, payment gateways).
//!
//! "Parse, don't validate": an id exists only once its text was checked, by
//! [`FromStr`], by `TryFrom<u64>` or by serde (which runs the same check), so
//! the code that uses one never parses it again. Serde writes the PayTraq and
//! tax rate ids as JSON numbers and reads numbers or strings of digits: the
//! channels stored before these types kept the PayTraq ids as strings
//! (`"warehouse_id": "12"`, `"tax_map": {"4": "100"}`), and they still read.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Largest numeric id accepted: 2^53 − 1, the largest integer a JSON reader
/// that uses doubles (a browser, the admin UI) still reads exactly. Neither
/// side publishes a smaller bound (WooCommerce ids are MySQL `BIGINT
/// UNSIGNED` read into PHP's 64-bit int; PayTraq documents no width), and
/// an id the operator's own tools would round is one nobody can check.
/// Larger numbers are refused with a message that names the range.
pub const MAX_NUMERIC_ID: u64 = (1 << 53) - 1;

/// Longest WooCommerce payment gateway id accepted.
pub const MAX_GATEWAY_ID_LEN: usize = 100;

/// Why a text or number is not an id of the kind asked for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must be a PayTraq id (digits)")]
    NotPaytraqId,
    #[error("must be a WooCommerce tax rate id (digits)")]
    NotTaxRateId,
    #[error("must be a WooCommerce payment method id (letters, digits, _ and -)")]
    NotGatewayId,
    #[error(
        "must be a PayTraq id from 1 to {MAX_NUMERIC_ID} (larger numbers do not survive JSON)"
    )]
    PaytraqIdTooLarge,
    #[error("must be a WooCommerce tax rate id from 0 to {MAX_NUMERIC_ID} (larger numbers do not survive JSON)")]
    TaxRateIdTooLarge,
    #[error("is not a channel id (1 to 100 letters, digits, _ and -)")]
    NotChannelId,
}

/// Digits only (after trimming), else `None`. Digits beyond `u64` read as
/// `u64::MAX`, which the range check then refuses as too large.
fn numeric(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse::<u64>().unwrap_or(u64::MAX))
}

/// Declares one numeric id: the newtype, its checks, Display, FromStr,
/// serde (number out; number or digit string in) and its JSON schema.
macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident, min = $min:expr, error = $error:expr, too_large = $too_large:expr, what = $what:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u64);

        impl $name {
            /// The number PayTraq or WooCommerce uses.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl TryFrom<u64> for $name {
            type Error = IdError;
            fn try_from(n: u64) -> Result<Self, IdError> {
                if n > MAX_NUMERIC_ID {
                    Err($too_large)
                } else if ($min..=MAX_NUMERIC_ID).contains(&n) {
                    Ok(Self(n))
                } else {
                    Err($error)
                }
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                numeric(s).ok_or($error).and_then(Self::try_from)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u64(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(IdVisitor::<$name>::new($what, $error, $too_large))
            }
        }

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "integer",
                    "minimum": $min,
                    "maximum": MAX_NUMERIC_ID,
                    "description": concat!($what, "; requests may send it as a string of digits"),
                })
            }
        }
    };
}

numeric_id!(
    /// A PayTraq tax key (`TaxKeyID`), the target of the tax map.
    TaxKeyId, min = 1, error = IdError::NotPaytraqId, too_large = IdError::PaytraqIdTooLarge, what = "PayTraq tax key id"
);
numeric_id!(
    /// A PayTraq money account (`AccountID` of a payment), the target of the payment map.
    MoneyAccountId, min = 1, error = IdError::NotPaytraqId, too_large = IdError::PaytraqIdTooLarge, what = "PayTraq money account id"
);
numeric_id!(
    /// A PayTraq warehouse (`WarehouseID`): documents ship from it, stock is read from it.
    WarehouseId, min = 1, error = IdError::NotPaytraqId, too_large = IdError::PaytraqIdTooLarge, what = "PayTraq warehouse id"
);
numeric_id!(
    /// A PayTraq price group, whose price list the price sync reads.
    PriceGroupId, min = 1, error = IdError::NotPaytraqId, too_large = IdError::PaytraqIdTooLarge, what = "PayTraq price group id"
);
numeric_id!(
    /// A WooCommerce tax rate, the source side of the tax map. Rate 0 is the
    /// channel's own key for lines that carry no rate at all
    /// ([`crate::processing::document::UNTAXED_RATE`]).
    TaxRateId, min = 0, error = IdError::NotTaxRateId, too_large = IdError::TaxRateIdTooLarge, what = "WooCommerce tax rate id"
);

/// Maps keyed by tax rate are looked up with the rate id of an order line.
impl Borrow<u64> for TaxRateId {
    fn borrow(&self) -> &u64 {
        &self.0
    }
}

/// A WooCommerce payment gateway (`bacs`, `stripe_cc`), the source side of
/// the payment map: 1 to [`MAX_GATEWAY_ID_LEN`] letters, digits, `_` and `-`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct GatewayId(String);

impl GatewayId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for GatewayId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let valid = !s.is_empty()
            && s.len() <= MAX_GATEWAY_ID_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(Self(s.to_string()))
        } else {
            Err(IdError::NotGatewayId)
        }
    }
}

impl fmt::Display for GatewayId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Maps keyed by gateway are looked up with an order's `payment_method`.
impl Borrow<str> for GatewayId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for GatewayId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(de::Error::custom)
    }
}

impl JsonSchema for GatewayId {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "GatewayId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]+$",
            "maxLength": MAX_GATEWAY_ID_LEN,
            "description": "WooCommerce payment method id",
        })
    }
}

/// Reads a numeric id from a JSON number or a string of digits; anything
/// else fails with the id kind's own message.
struct IdVisitor<T> {
    what: &'static str,
    error: IdError,
    too_large: IdError,
    id: std::marker::PhantomData<T>,
}

impl<T> IdVisitor<T> {
    fn new(what: &'static str, error: IdError, too_large: IdError) -> Self {
        Self {
            what,
            error,
            too_large,
            id: std::marker::PhantomData,
        }
    }
}

impl<'de, T> Visitor<'de> for IdVisitor<T>
where
    T: TryFrom<u64, Error = IdError> + FromStr<Err = IdError>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} (a number or a string of digits)", self.what)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<T, E> {
        T::try_from(n).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<T, E> {
        match u64::try_from(n) {
            Ok(n) => self.visit_u64(n),
            Err(_) => Err(E::custom(self.error)),
        }
    }

    /// A whole number beyond `u64` arrives as a float: too large, not malformed.
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<T, E> {
        if f.fract() == 0.0 && f > MAX_NUMERIC_ID as f64 {
            Err(E::custom(self.too_large))
        } else {
            Err(E::custom(self.error))
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<T, E> {
        Err(E::custom(self.error))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        s.parse().map_err(E::custom)
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Err(E::custom(self.error))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        Err(de::Error::custom(self.error))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        Err(de::Error::custom(self.error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn ids_parse_trimmed_digits_in_range_only() {
        assert_eq!(" 42 ".parse::<WarehouseId>().unwrap().get(), 42);
        assert_eq!(
            "9007199254740991".parse::<TaxKeyId>().unwrap().get(),
            MAX_NUMERIC_ID
        );
        for wrong in ["", " ", "0", "-1", "+5", "1.0", "12a", "main"] {
            assert_eq!(
                wrong.parse::<PriceGroupId>(),
                Err(IdError::NotPaytraqId),
                "{wrong:?}"
            );
        }
        for too_large in [
            "9007199254740992",
            "18446744073709551615",
            "99999999999999999999999999",
        ] {
            assert_eq!(
                too_large.parse::<PriceGroupId>(),
                Err(IdError::PaytraqIdTooLarge),
                "{too_large:?}"
            );
            assert_eq!(
                too_large.parse::<TaxRateId>(),
                Err(IdError::TaxRateIdTooLarge),
                "{too_large:?}"
            );
        }
        assert_eq!(
            "0".parse::<TaxRateId>().unwrap().get(),
            0,
            "the untaxed key"
        );
        assert_eq!("x".parse::<TaxRateId>(), Err(IdError::NotTaxRateId));
        assert_eq!(MoneyAccountId::try_from(0), Err(IdError::NotPaytraqId));
        assert_eq!(MoneyAccountId::try_from(7).unwrap().to_string(), "7");
    }

    #[test]
    fn gateway_ids_are_method_names() {
        assert_eq!(
            "stripe_cc".parse::<GatewayId>().unwrap().as_str(),
            "stripe_cc"
        );
        assert!("pay-later".parse::<GatewayId>().is_ok());
        for wrong in ["", "bad key", "ä", &"x".repeat(101)] {
            assert_eq!(
                wrong.parse::<GatewayId>(),
                Err(IdError::NotGatewayId),
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn serde_writes_numbers_and_reads_numbers_or_digit_strings() {
        let id: WarehouseId = serde_json::from_str("12").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "12");
        let old: WarehouseId = serde_json::from_str(r#"" 12 ""#).unwrap();
        assert_eq!(old, id);
        for wrong in [r#""main""#, "-3", "0", "1.5", "true", "null"] {
            let err = serde_json::from_str::<WarehouseId>(wrong).unwrap_err();
            assert!(!err.to_string().is_empty(), "{wrong}");
        }
        let err = serde_json::from_value::<WarehouseId>(serde_json::json!("main")).unwrap_err();
        assert_eq!(err.to_string(), "must be a PayTraq id (digits)");
        for too_large in ["9007199254740992", "18446744073709551616", "1e30"] {
            let err = serde_json::from_str::<WarehouseId>(too_large).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("must be a PayTraq id from 1 to 9007199254740991"),
                "{too_large}: {err}"
            );
        }
    }

    #[test]
    fn maps_keep_their_json_shape_and_look_up_by_raw_id() {
        let old: BTreeMap<TaxRateId, TaxKeyId> =
            serde_json::from_str(r#"{"0": "7", "4": "100"}"#).unwrap();
        assert_eq!(old.get(&4u64).map(|k| k.get()), Some(100));
        assert_eq!(serde_json::to_string(&old).unwrap(), r#"{"0":7,"4":100}"#);
        let payments: BTreeMap<GatewayId, MoneyAccountId> =
            serde_json::from_str(r#"{"bacs": "77"}"#).unwrap();
        assert_eq!(payments.get("bacs").map(|a| a.get()), Some(77));
        assert_eq!(serde_json::to_string(&payments).unwrap(), r#"{"bacs":77}"#);
        assert!(
            serde_json::from_str::<BTreeMap<GatewayId, MoneyAccountId>>(r#"{"bad key": 1}"#)
                .is_err()
        );
    }
}

/// Longest id accepted in a path: a channel id, an inbox order key, a sync run id.
pub const MAX_PATH_ID_LEN: usize = 100;

/// The one rule for an id taken from a URL path (channel ids, inbox order
/// keys, sync run ids): 1 to [`MAX_PATH_ID_LEN`] ASCII letters, digits, `-`
/// and `_`. Nothing else can reach a store key: not a NUL (the embedded
/// store's key separator), a `#` (the record keys' separator), a slash or a
/// space.
pub fn is_path_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_PATH_ID_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A channel's id, as every route takes it from its path
/// (`/webhooks/woocommerce/{channel_id}`, `/admin/channels/{channel_id}/…`,
/// `/activation/{channel_id}/…`): text that passes [`is_path_id`]. A path
/// segment that is not one names no channel, so the routes answer 404
/// before they read anything. New channels get 32 hex digits
/// ([`ChannelId::generate`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChannelId(String);

impl ChannelId {
    /// A new random id (a UUID v4 as 32 hex digits).
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ChannelId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if is_path_id(s) {
            Ok(Self(s.to_string()))
        } else {
            Err(IdError::NotChannelId)
        }
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ChannelId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod channel_id_tests {
    use super::*;

    #[test]
    fn channel_ids_are_path_safe_text_and_nothing_else() {
        for good in ["demo", "shop-1", "a_b", &"x".repeat(MAX_PATH_ID_LEN)] {
            assert_eq!(good.parse::<ChannelId>().unwrap().as_str(), good);
        }
        let generated = ChannelId::generate();
        assert_eq!(generated.as_str().len(), 32);
        assert!(generated.as_str().parse::<ChannelId>().is_ok());
        for bad in [
            "",
            "a\0b",
            "\0",
            "shop 1",
            "shop/1",
            "CH#x",
            "caf\u{e9}",
            "a%00",
            &"x".repeat(MAX_PATH_ID_LEN + 1),
        ] {
            assert_eq!(
                bad.parse::<ChannelId>(),
                Err(IdError::NotChannelId),
                "{bad:?}"
            );
        }
    }
}
