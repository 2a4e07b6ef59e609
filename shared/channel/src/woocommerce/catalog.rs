//! Catalogue types of the WooCommerce REST v3 API: products, variations,
//! tax rates and classes, payment gateways, settings, system status,
//! webhooks, order notes, coupons and shipping zones; plus the write types
//! of batch updates and their per-item results.
//!
//! Like the order model these read tolerantly (unknown fields ignored,
//! absent fields defaulted, numbers as strings or numbers).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::de;
use super::error::ApiErrorBody;
use crate::secrets::Secret;

/// `manage_stock` of a product or variation: `true`, `false` or, on a
/// variation, `"parent"` (the parent's stock is used).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ManageStock {
    Yes,
    #[default]
    No,
    Parent,
}

impl ManageStock {
    /// Whether this object's own `stock_quantity` is the one to write.
    pub fn is_own(self) -> bool {
        self == ManageStock::Yes
    }
}

impl<'de> Deserialize<'de> for ManageStock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        if v.as_str() == Some("parent") {
            return Ok(ManageStock::Parent);
        }
        de::bool_from_value(&v)
            .map(|b| if b { ManageStock::Yes } else { ManageStock::No })
            .map_err(serde::de::Error::custom)
    }
}

/// A product (`GET /products`); with `?sku=` a variation can appear too
/// (`kind == "variation"`, with `parent_id`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Product {
    #[serde(deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
    /// `simple`, `variable`, `grouped`, `external`, `variation`.
    #[serde(default, rename = "type", deserialize_with = "de::string")]
    pub kind: String,
    /// `publish`, `draft`, `pending`, `private`.
    #[serde(default, deserialize_with = "de::string")]
    pub status: String,
    /// `None` when the product has no SKU.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sku: Option<String>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub regular_price: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub sale_price: Option<Decimal>,
    /// `taxable`, `shipping`, `none`.
    #[serde(default, deserialize_with = "de::string")]
    pub tax_status: String,
    /// `""` = standard.
    #[serde(default, deserialize_with = "de::string")]
    pub tax_class: String,
    #[serde(default)]
    pub manage_stock: ManageStock,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub stock_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "de::string")]
    pub stock_status: String,
    #[serde(default, deserialize_with = "de::string")]
    pub backorders: String,
    #[serde(default, rename = "virtual", deserialize_with = "de::bool")]
    pub is_virtual: bool,
    #[serde(default, deserialize_with = "de::u64")]
    pub parent_id: u64,
    /// Variation ids of a variable product.
    #[serde(default, deserialize_with = "de::vec")]
    pub variations: Vec<u64>,
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
}

/// A variation (`GET /products/{parent}/variations`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Variation {
    #[serde(deserialize_with = "de::u64")]
    pub id: u64,
    /// Present in WooCommerce 8.x bodies; 0 when absent (the parent is in the URL).
    #[serde(default, deserialize_with = "de::u64")]
    pub parent_id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sku: Option<String>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub regular_price: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub sale_price: Option<Decimal>,
    #[serde(default, deserialize_with = "de::string")]
    pub status: String,
    #[serde(default, deserialize_with = "de::string")]
    pub tax_status: String,
    /// `"parent"` = the parent's class.
    #[serde(default, deserialize_with = "de::string")]
    pub tax_class: String,
    #[serde(default)]
    pub manage_stock: ManageStock,
    /// With `manage_stock == Parent` this is the parent's stock.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub stock_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "de::string")]
    pub stock_status: String,
    #[serde(default, deserialize_with = "de::vec")]
    pub attributes: Vec<VariationAttribute>,
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariationAttribute {
    #[serde(default, deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "de::string")]
    pub option: String,
}

/// A tax rate (`GET /taxes`); `id` is the `rate_id` of order tax lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRate {
    #[serde(deserialize_with = "de::u64")]
    pub id: u64,
    /// ISO code, `""` = any.
    #[serde(default, deserialize_with = "de::string")]
    pub country: String,
    #[serde(default, deserialize_with = "de::string")]
    pub state: String,
    /// Percentage, e.g. `21.0000`.
    #[serde(default, deserialize_with = "de::decimal")]
    pub rate: Decimal,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "de::u64")]
    pub priority: u64,
    #[serde(default, deserialize_with = "de::bool")]
    pub compound: bool,
    /// Also applies to shipping.
    #[serde(default, deserialize_with = "de::bool")]
    pub shipping: bool,
    #[serde(default, deserialize_with = "de::u64")]
    pub order: u64,
    /// Tax class slug; `standard` for the standard class.
    #[serde(default, deserialize_with = "de::string")]
    pub class: String,
}

/// A tax class (`GET /taxes/classes`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxClass {
    #[serde(default, deserialize_with = "de::string")]
    pub slug: String,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
}

/// A payment gateway (`GET /payment_gateways`); `id` is the order's `payment_method`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentGateway {
    #[serde(default, deserialize_with = "de::string")]
    pub id: String,
    #[serde(default, deserialize_with = "de::string")]
    pub title: String,
    #[serde(default, deserialize_with = "de::string")]
    pub description: String,
    /// `None` when no custom order was saved (`""`).
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub order: Option<i64>,
    #[serde(default, deserialize_with = "de::bool")]
    pub enabled: bool,
    #[serde(default, deserialize_with = "de::string")]
    pub method_title: String,
    #[serde(default, deserialize_with = "de::vec")]
    pub method_supports: Vec<String>,
}

/// One setting of a settings group (`GET /settings/{group}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    #[serde(default, deserialize_with = "de::string")]
    pub id: String,
    #[serde(default, deserialize_with = "de::string")]
    pub label: String,
    /// Text for most settings, a list for multiselects.
    #[serde(default)]
    pub value: Value,
    #[serde(default, rename = "type", deserialize_with = "de::string")]
    pub kind: String,
}

/// Looks a setting up by id and returns its value as text.
pub fn setting_text<'a>(settings: &'a [Setting], id: &str) -> Option<&'a str> {
    settings
        .iter()
        .find(|s| s.id == id)
        .and_then(|s| s.value.as_str())
}

/// The store settings the channel needs, from `/settings/general` and `/settings/tax`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSettings {
    /// `woocommerce_prices_include_tax == "yes"`.
    pub prices_include_tax: bool,
    /// `woocommerce_tax_round_at_subtotal == "yes"`.
    pub tax_round_at_subtotal: bool,
    /// `woocommerce_calc_taxes == "yes"`.
    pub calc_taxes: bool,
    /// `woocommerce_currency`.
    pub currency: String,
    /// `woocommerce_price_num_decimals`.
    pub price_num_decimals: u32,
}

impl StoreSettings {
    /// Reads the two groups. A missing flag reads as `no` (WooCommerce's
    /// default), a missing currency as empty, missing decimals as 2.
    pub fn from_groups(general: &[Setting], tax: &[Setting]) -> Self {
        let flag = |group: &[Setting], id: &str| {
            setting_text(group, id).is_some_and(|v| v.trim().eq_ignore_ascii_case("yes"))
        };
        let decimals = general
            .iter()
            .find(|s| s.id == "woocommerce_price_num_decimals")
            .and_then(|s| de::u64_from_value(&s.value).ok().flatten())
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(2);
        Self {
            prices_include_tax: flag(tax, "woocommerce_prices_include_tax"),
            tax_round_at_subtotal: flag(tax, "woocommerce_tax_round_at_subtotal"),
            calc_taxes: flag(general, "woocommerce_calc_taxes"),
            currency: setting_text(general, "woocommerce_currency")
                .unwrap_or_default()
                .to_owned(),
            price_num_decimals: decimals,
        }
    }
}

/// What the channel reads from `GET /system_status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RawSystemStatus")]
pub struct SystemStatus {
    /// `environment.version`, e.g. `8.9.1`.
    pub wc_version: String,
    pub wp_version: String,
    pub home_url: String,
    /// `security.secure_connection`.
    pub secure_connection: bool,
    /// `settings.currency`.
    pub currency: String,
    /// `settings.number_of_decimals`.
    pub number_of_decimals: Option<u64>,
}

#[derive(Deserialize, Default)]
struct RawSystemStatus {
    #[serde(default, deserialize_with = "de::object_or_default")]
    environment: RawEnvironment,
    #[serde(default, deserialize_with = "de::object_or_default")]
    settings: RawStatusSettings,
    #[serde(default, deserialize_with = "de::object_or_default")]
    security: RawSecurity,
}

#[derive(Deserialize, Default)]
struct RawEnvironment {
    #[serde(default, deserialize_with = "de::string")]
    version: String,
    #[serde(default, deserialize_with = "de::string")]
    wp_version: String,
    #[serde(default, deserialize_with = "de::string")]
    home_url: String,
}

#[derive(Deserialize, Default)]
struct RawStatusSettings {
    #[serde(default, deserialize_with = "de::string")]
    currency: String,
    #[serde(default, deserialize_with = "de::opt_u64")]
    number_of_decimals: Option<u64>,
}

#[derive(Deserialize, Default)]
struct RawSecurity {
    #[serde(default, deserialize_with = "de::bool")]
    secure_connection: bool,
}

impl From<RawSystemStatus> for SystemStatus {
    fn from(raw: RawSystemStatus) -> Self {
        Self {
            wc_version: raw.environment.version,
            wp_version: raw.environment.wp_version,
            home_url: raw.environment.home_url,
            secure_connection: raw.security.secure_connection,
            currency: raw.settings.currency,
            number_of_decimals: raw.settings.number_of_decimals,
        }
    }
}

impl SystemStatus {
    /// Whether `wc_version` is at least `major.minor.patch` (missing parts are 0;
    /// an unreadable version is not).
    pub fn version_at_least(&self, major: u64, minor: u64, patch: u64) -> bool {
        let parts: Option<Vec<u64>> = self
            .wc_version
            .trim()
            .split('.')
            .take(3)
            .map(|p| {
                let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect();
        match parts {
            Some(p) if !p.is_empty() => {
                let get = |i: usize| p.get(i).copied().unwrap_or(0);
                (get(0), get(1), get(2)) >= (major, minor, patch)
            }
            _ => false,
        }
    }
}

/// Status of a webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookStatus {
    Active,
    Paused,
    /// Paused automatically after repeated delivery failures.
    Disabled,
}

impl WebhookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookStatus::Active => "active",
            WebhookStatus::Paused => "paused",
            WebhookStatus::Disabled => "disabled",
        }
    }
}

/// What `PUT /webhooks/{id}` changes: a status, a secret, or both at once
/// (a repaired webhook gets its new secret and is re-enabled in one call).
#[derive(Clone, Copy, Debug, Default)]
pub struct WebhookChange<'a> {
    pub status: Option<WebhookStatus>,
    pub secret: Option<&'a Secret>,
}

impl WebhookChange<'_> {
    /// A status change alone.
    pub fn status(status: WebhookStatus) -> Self {
        Self {
            status: Some(status),
            secret: None,
        }
    }
}

/// A webhook (`/webhooks`); the secret is never returned by WooCommerce.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    #[serde(deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
    /// `active`, `paused` or `disabled` (kept as text: plugins add others).
    #[serde(default, deserialize_with = "de::string")]
    pub status: String,
    #[serde(default, deserialize_with = "de::string")]
    pub topic: String,
    #[serde(default, deserialize_with = "de::string")]
    pub resource: String,
    #[serde(default, deserialize_with = "de::string")]
    pub event: String,
    #[serde(default, deserialize_with = "de::vec")]
    pub hooks: Vec<String>,
    #[serde(default, deserialize_with = "de::string")]
    pub delivery_url: String,
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
}

impl Webhook {
    /// The status, when it is one of WooCommerce's three.
    pub fn status(&self) -> Option<WebhookStatus> {
        match self.status.as_str() {
            "active" => Some(WebhookStatus::Active),
            "paused" => Some(WebhookStatus::Paused),
            "disabled" => Some(WebhookStatus::Disabled),
            _ => None,
        }
    }
}

/// An order note (`/orders/{id}/notes`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderNote {
    #[serde(deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub author: String,
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de::string")]
    pub note: String,
    #[serde(default, deserialize_with = "de::bool")]
    pub customer_note: bool,
}

/// A coupon (`/coupons`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    #[serde(deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub code: String,
    #[serde(default, deserialize_with = "de::decimal")]
    pub amount: Decimal,
    /// `percent`, `fixed_cart`, `fixed_product`.
    #[serde(default, deserialize_with = "de::string")]
    pub discount_type: String,
}

/// A shipping zone (`/shipping/zones`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingZone {
    #[serde(default, deserialize_with = "de::u64")]
    pub id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "de::u64")]
    pub order: u64,
}

/// A shipping method of a zone (`/shipping/zones/{id}/methods`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingMethod {
    #[serde(default, deserialize_with = "de::u64")]
    pub instance_id: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub title: String,
    #[serde(default, deserialize_with = "de::bool")]
    pub enabled: bool,
    /// e.g. `flat_rate`, `free_shipping` (the order's `shipping_lines[].method_id`).
    #[serde(default, deserialize_with = "de::string")]
    pub method_id: String,
}

/// One item of a products/variations batch update. `None` fields are not sent.
/// Prices are sent as strings, stock as an integer (send `manage_stock: true`
/// with `stock_quantity`: WooCommerce ignores stock on unmanaged objects).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProductUpdate {
    pub id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manage_stock: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_quantity: Option<i64>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "money_string"
    )]
    pub regular_price: Option<Decimal>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "money_string"
    )]
    pub sale_price: Option<Decimal>,
}

/// Variations take the same update fields.
pub type VariationUpdate = ProductUpdate;

fn money_string<S: serde::Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

/// The outcome of one item of a batch: WooCommerce answers 200 for the
/// batch and reports failures per item (`{"id": N, "error": {...}}`).
#[derive(Clone, Debug, PartialEq)]
pub enum BatchItemResult<T> {
    Updated(T),
    Failed { id: u64, error: ApiErrorBody },
}

impl<T> BatchItemResult<T> {
    pub fn is_ok(&self) -> bool {
        matches!(self, BatchItemResult::Updated(_))
    }
}

/// Reads the `update` array of a batch answer into per-item results.
pub fn parse_batch_updates<T: serde::de::DeserializeOwned>(
    body: &Value,
) -> Result<Vec<BatchItemResult<T>>, String> {
    let items = match body.get("update") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err("batch answer: `update` is not a list".into()),
    };
    items
        .iter()
        .map(|item| match item.get("error") {
            Some(err) => {
                let id = item
                    .get("id")
                    .and_then(|v| de::u64_from_value(v).ok().flatten())
                    .unwrap_or(0);
                let error = ApiErrorBody::from_value(err).unwrap_or_else(|| ApiErrorBody {
                    code: "unknown".into(),
                    message: err.to_string(),
                    status: None,
                });
                Ok(BatchItemResult::Failed { id, error })
            }
            None => serde_json::from_value(item.clone())
                .map(BatchItemResult::Updated)
                .map_err(|e| format!("batch item: {e}")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    #[test]
    fn manage_stock_reads_parent_and_flags() {
        let v: Variation = serde_json::from_value(
            json!({"id": 1, "manage_stock": "parent", "stock_quantity": 36}),
        )
        .unwrap();
        assert_eq!(v.manage_stock, ManageStock::Parent);
        assert_eq!(v.stock_quantity, Some(dec!(36)));
        let p: Product =
            serde_json::from_value(json!({"id": 2, "manage_stock": false, "price": ""})).unwrap();
        assert_eq!(p.manage_stock, ManageStock::No);
        assert_eq!(p.price, None);
    }

    #[test]
    fn product_update_serialises_only_given_fields() {
        let u = ProductUpdate {
            id: 5,
            manage_stock: Some(true),
            stock_quantity: Some(3),
            regular_price: Some(dec!(1.50)),
            sale_price: None,
        };
        assert_eq!(
            serde_json::to_value(&u).unwrap(),
            json!({"id": 5, "manage_stock": true, "stock_quantity": 3, "regular_price": "1.50"})
        );
    }

    #[test]
    fn version_comparison() {
        let s = SystemStatus {
            wc_version: "3.5.2".into(),
            ..Default::default()
        };
        assert!(s.version_at_least(3, 5, 0));
        assert!(!s.version_at_least(3, 6, 0));
        let s = SystemStatus {
            wc_version: "10.1".into(),
            ..Default::default()
        };
        assert!(s.version_at_least(3, 5, 0));
        assert!(!SystemStatus::default().version_at_least(0, 0, 1));
    }
}
