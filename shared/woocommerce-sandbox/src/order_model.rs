//! The order document exactly as `GET /wp-json/wc/v3/orders/{id}` renders it in WooCommerce 8.9 (field
//! order and JSON types follow the real captures). Money fields are the already formatted strings.
//! Unknown fields of replayed orders are kept in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One order, as rendered by the REST API and as sent in webhook bodies.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderDoc {
    pub id: u64,
    pub parent_id: u64,
    pub status: String,
    pub currency: String,
    pub version: String,
    pub prices_include_tax: bool,
    pub date_created: Option<String>,
    pub date_modified: Option<String>,
    pub discount_total: String,
    pub discount_tax: String,
    pub shipping_total: String,
    pub shipping_tax: String,
    pub cart_tax: String,
    pub total: String,
    pub total_tax: String,
    pub customer_id: u64,
    pub order_key: String,
    pub billing: Address,
    pub shipping: Address,
    pub payment_method: String,
    pub payment_method_title: String,
    pub transaction_id: String,
    pub customer_ip_address: String,
    pub customer_user_agent: String,
    pub created_via: String,
    pub customer_note: String,
    pub date_completed: Option<String>,
    pub date_paid: Option<String>,
    pub cart_hash: String,
    pub number: String,
    pub meta_data: Vec<Meta>,
    pub line_items: Vec<LineItem>,
    pub tax_lines: Vec<TaxLine>,
    pub shipping_lines: Vec<ShippingLine>,
    pub fee_lines: Vec<FeeLine>,
    pub coupon_lines: Vec<CouponLine>,
    pub refunds: Vec<Value>,
    pub payment_url: String,
    pub is_editable: bool,
    pub needs_payment: bool,
    pub needs_processing: bool,
    pub date_created_gmt: Option<String>,
    pub date_modified_gmt: Option<String>,
    pub date_completed_gmt: Option<String>,
    pub date_paid_gmt: Option<String>,
    pub currency_symbol: String,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Hidden `_order_stock_reduced` flag (never rendered).
    #[serde(skip)]
    pub stock_reduced: bool,
    /// The status before the order went to the trash (`_wp_trash_meta_status`, never rendered).
    #[serde(skip)]
    pub pre_trash_status: Option<String>,
}

/// `taxes[]` entry of a line, shipping or fee item (unrounded amounts as strings).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ItemTax {
    pub id: u64,
    pub total: String,
    pub subtotal: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LineItem {
    pub id: u64,
    pub name: String,
    pub product_id: u64,
    pub variation_id: u64,
    pub quantity: i64,
    pub tax_class: String,
    pub subtotal: String,
    pub subtotal_tax: String,
    pub total: String,
    pub total_tax: String,
    pub taxes: Vec<ItemTax>,
    pub meta_data: Vec<Meta>,
    pub sku: Option<String>,
    pub price: Value,
    pub image: Image,
    pub parent_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxLine {
    pub id: u64,
    pub rate_code: String,
    pub rate_id: u64,
    pub label: String,
    pub compound: bool,
    pub tax_total: String,
    pub shipping_tax_total: String,
    pub rate_percent: Value,
    pub meta_data: Vec<Meta>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ShippingLine {
    pub id: u64,
    pub method_title: String,
    pub method_id: String,
    pub instance_id: String,
    pub total: String,
    pub total_tax: String,
    pub taxes: Vec<ItemTax>,
    pub meta_data: Vec<Meta>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FeeLine {
    pub id: u64,
    pub name: String,
    pub tax_class: String,
    pub tax_status: String,
    pub amount: String,
    pub total: String,
    pub total_tax: String,
    pub taxes: Vec<ItemTax>,
    pub meta_data: Vec<Meta>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CouponLine {
    pub id: u64,
    pub code: String,
    pub discount: String,
    pub discount_tax: String,
    pub meta_data: Vec<Meta>,
    pub discount_type: String,
    pub nominal_amount: Value,
    pub free_shipping: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Billing or shipping address in WooCommerce's member order (`email` only on billing).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub address_1: String,
    pub address_2: String,
    pub city: String,
    pub state: String,
    pub postcode: String,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `meta_data[]` entry (`display_key`/`display_value` on order items only).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Meta {
    pub id: u64,
    pub key: String,
    pub value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_key: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_value: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Meta {
    /// Order-item meta, shown with its key and value.
    pub fn item(id: u64, key: &str, display_key: &str, value: &str) -> Self {
        Self {
            id,
            key: key.to_string(),
            value: Value::from(value),
            display_key: Some(Value::from(display_key)),
            display_value: Some(Value::from(value)),
            extra: Map::new(),
        }
    }
}

/// `_links` of an order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Links {
    #[serde(rename = "self")]
    pub self_: Vec<Href>,
    pub collection: Vec<Href>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub customer: Vec<Href>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub up: Vec<Href>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Href {
    pub href: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Href {
    pub fn new(href: String) -> Vec<Href> {
        vec![Href {
            href,
            extra: Map::new(),
        }]
    }
}

/// `line_items[].image` (`id` is `""` or an integer, as WooCommerce renders it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Image {
    pub id: Value,
    pub src: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
