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
    pub billing: Value,
    pub shipping: Value,
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
    pub meta_data: Vec<Value>,
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
    pub links: Value,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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
    pub meta_data: Vec<Value>,
    pub sku: Option<String>,
    pub price: Value,
    pub image: Value,
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
    pub meta_data: Vec<Value>,
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
    pub meta_data: Vec<Value>,
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
    pub meta_data: Vec<Value>,
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
    pub meta_data: Vec<Value>,
    pub discount_type: String,
    pub nominal_amount: Value,
    pub free_shipping: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
