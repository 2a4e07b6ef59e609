//! The data of a [`super::FakeShop`] and WooCommerce's rules on it: how a
//! batch update treats stock and prices, how a variation shows as a
//! product, what `_fields` and the order filters keep, which webhook
//! topics exist, which order a refund belongs to, and WooCommerce's error
//! answers.

use std::collections::BTreeMap;

use channel::woocommerce::catalog::{
    BatchItemResult, ManageStock, OrderNote, Product, ProductUpdate, StoreSettings, Variation,
    VariationUpdate, Webhook,
};
use channel::woocommerce::order::Order;
use channel::woocommerce::{ApiErrorBody, OrderQuery, WooError};
use chrono::{DateTime, Timelike, Utc};
use serde_json::Value;

use crate::fakes::Wire;

/// Everything one shop holds.
#[derive(Debug)]
pub(super) struct Store {
    pub(super) orders: BTreeMap<u64, Value>,
    /// Refunds per order id, as the shop renders them, oldest first.
    pub(super) refunds: BTreeMap<u64, Vec<Value>>,
    pub(super) notes: BTreeMap<u64, Vec<OrderNote>>,
    pub(super) webhooks: BTreeMap<u64, Webhook>,
    pub(super) products: BTreeMap<u64, Product>,
    pub(super) variations: BTreeMap<u64, Variation>,
    pub(super) settings: StoreSettings,
    pub(super) last_id: u64,
    /// Requests by kind of endpoint, as the client counts them.
    pub(super) requests: BTreeMap<String, u64>,
}

impl Wire for Store {
    fn requests(&mut self) -> &mut BTreeMap<String, u64> {
        &mut self.requests
    }
}

impl Default for Store {
    fn default() -> Self {
        Self {
            orders: BTreeMap::new(),
            refunds: BTreeMap::new(),
            notes: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            products: BTreeMap::new(),
            variations: BTreeMap::new(),
            settings: StoreSettings {
                prices_include_tax: false,
                tax_round_at_subtotal: false,
                calc_taxes: true,
                currency: "EUR".into(),
                price_num_decimals: 2,
            },
            last_id: 0,
            requests: BTreeMap::new(),
        }
    }
}

impl Store {
    pub(super) fn fresh_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    pub(super) fn update_product(&mut self, u: &ProductUpdate) -> BatchItemResult<Product> {
        let Some(p) = self.products.get_mut(&u.id) else {
            let failed = if self.variations.contains_key(&u.id) {
                item_error(
                    404,
                    "woocommerce_rest_invalid_product_id",
                    "To manipulate product variations you should use the /products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.",
                )
            } else {
                item_error(400, "woocommerce_rest_product_invalid_id", "Invalid ID.")
            };
            return BatchItemResult::Failed {
                id: u.id,
                error: failed,
            };
        };
        if let Some(m) = u.manage_stock {
            p.manage_stock = if m { ManageStock::Yes } else { ManageStock::No };
        }
        apply_stock_and_prices(
            &mut p.manage_stock,
            &mut p.stock_quantity,
            &mut p.stock_status,
            &p.backorders,
            &mut p.regular_price,
            &mut p.sale_price,
            &mut p.price,
            u,
        );
        p.date_modified_gmt = Some(now());
        let updated = p.clone();
        // Variations that take their stock from this parent follow it.
        for v in self.variations.values_mut() {
            if v.parent_id == updated.id && v.manage_stock == ManageStock::Parent {
                v.stock_quantity = updated.stock_quantity;
                v.stock_status = updated.stock_status.clone();
            }
        }
        BatchItemResult::Updated(updated)
    }

    pub(super) fn update_variation(
        &mut self,
        parent_id: u64,
        u: &VariationUpdate,
    ) -> BatchItemResult<Variation> {
        let parent = self.products.get(&parent_id).cloned();
        let Some(v) = self
            .variations
            .get_mut(&u.id)
            .filter(|v| v.parent_id == parent_id)
        else {
            return BatchItemResult::Failed {
                id: u.id,
                error: item_error(
                    400,
                    "woocommerce_rest_product_variation_invalid_id",
                    "Invalid ID.",
                ),
            };
        };
        // A parent-managed variation keeps the parent's stock unless told
        // to manage its own.
        let mut u = u.clone();
        if v.manage_stock == ManageStock::Parent && u.manage_stock != Some(true) {
            u.manage_stock = None;
        }
        if let Some(m) = u.manage_stock {
            v.manage_stock = if m { ManageStock::Yes } else { ManageStock::No };
        }
        apply_stock_and_prices(
            &mut v.manage_stock,
            &mut v.stock_quantity,
            &mut v.stock_status,
            "no",
            &mut v.regular_price,
            &mut v.sale_price,
            &mut v.price,
            &u,
        );
        v.date_modified_gmt = Some(now());
        let parent_manages = parent
            .as_ref()
            .is_some_and(|p| p.manage_stock == ManageStock::Yes);
        if parent_manages && v.manage_stock == ManageStock::No {
            v.manage_stock = ManageStock::Parent;
        }
        if v.manage_stock == ManageStock::Parent {
            if let Some(p) = &parent {
                v.stock_quantity = p.stock_quantity;
                v.stock_status = p.stock_status.clone();
            }
        }
        BatchItemResult::Updated(v.clone())
    }
}

/// What the REST controller does with an update: the price follows the
/// regular and sale price; the quantity counts only on an object managing
/// its own stock, whose stock status is then recomputed; an unmanaged
/// object has no quantity.
#[allow(clippy::too_many_arguments)]
pub(super) fn apply_stock_and_prices(
    manage: &mut ManageStock,
    quantity: &mut Option<rust_decimal::Decimal>,
    status: &mut String,
    backorders: &str,
    regular: &mut Option<rust_decimal::Decimal>,
    sale: &mut Option<rust_decimal::Decimal>,
    price: &mut Option<rust_decimal::Decimal>,
    u: &ProductUpdate,
) {
    if u.regular_price.is_some() {
        *regular = u.regular_price;
    }
    if u.sale_price.is_some() {
        *sale = u.sale_price;
    }
    if u.regular_price.is_some() || u.sale_price.is_some() {
        *price = sale.or(*regular);
    }
    match *manage {
        ManageStock::Yes => {
            if let Some(q) = u.stock_quantity {
                *quantity = Some(q.into());
            }
            let on_hand = quantity.unwrap_or_default();
            *status = if on_hand > rust_decimal::Decimal::ZERO {
                "instock"
            } else if !backorders.is_empty() && backorders != "no" {
                "onbackorder"
            } else {
                "outofstock"
            }
            .into();
        }
        ManageStock::No => *quantity = None,
        ManageStock::Parent => {}
    }
}

/// A variation as the products endpoint renders it (`type: "variation"`).
pub(super) fn variation_as_product(v: &Variation) -> Product {
    Product {
        id: v.id,
        name: v.name.clone(),
        kind: "variation".into(),
        status: v.status.clone(),
        sku: v.sku.clone(),
        price: v.price,
        regular_price: v.regular_price,
        sale_price: v.sale_price,
        tax_status: v.tax_status.clone(),
        tax_class: v.tax_class.clone(),
        manage_stock: v.manage_stock,
        stock_quantity: v.stock_quantity,
        stock_status: v.stock_status.clone(),
        parent_id: v.parent_id,
        date_modified_gmt: v.date_modified_gmt,
        ..Product::default()
    }
}

/// A product with only `fields` (and `id`) kept, as `_fields` answers.
pub(super) fn narrow_product(p: Product, fields: &[&str]) -> Product {
    if fields.is_empty() {
        return p;
    }
    let has = |f: &str| fields.contains(&f);
    let d = Product::default();
    Product {
        id: p.id,
        name: if has("name") { p.name } else { d.name },
        kind: if has("type") { p.kind } else { d.kind },
        status: if has("status") { p.status } else { d.status },
        sku: if has("sku") { p.sku } else { d.sku },
        price: if has("price") { p.price } else { d.price },
        regular_price: if has("regular_price") {
            p.regular_price
        } else {
            d.regular_price
        },
        sale_price: if has("sale_price") {
            p.sale_price
        } else {
            d.sale_price
        },
        tax_status: if has("tax_status") {
            p.tax_status
        } else {
            d.tax_status
        },
        tax_class: if has("tax_class") {
            p.tax_class
        } else {
            d.tax_class
        },
        manage_stock: if has("manage_stock") {
            p.manage_stock
        } else {
            d.manage_stock
        },
        stock_quantity: if has("stock_quantity") {
            p.stock_quantity
        } else {
            d.stock_quantity
        },
        stock_status: if has("stock_status") {
            p.stock_status
        } else {
            d.stock_status
        },
        backorders: if has("backorders") {
            p.backorders
        } else {
            d.backorders
        },
        is_virtual: if has("virtual") {
            p.is_virtual
        } else {
            d.is_virtual
        },
        parent_id: if has("parent_id") {
            p.parent_id
        } else {
            d.parent_id
        },
        variations: if has("variations") {
            p.variations
        } else {
            d.variations
        },
        date_modified_gmt: if has("date_modified_gmt") {
            p.date_modified_gmt
        } else {
            d.date_modified_gmt
        },
    }
}

/// An order's JSON with only `fields` (and `id`) kept.
pub(super) fn narrow(order: &Value, fields: &[String]) -> Value {
    match order.as_object() {
        Some(o) if !fields.is_empty() => Value::Object(
            o.iter()
                .filter(|(k, _)| k.as_str() == "id" || fields.iter().any(|f| f == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        _ => order.clone(),
    }
}

/// The listing's filters: statuses, and dates compared to the second,
/// strictly after / before.
pub(super) fn matches_query(o: &Order, q: &OrderQuery) -> bool {
    let second = |d: &DateTime<Utc>| d.with_nanosecond(0).unwrap_or(*d);
    let after = |bound: &Option<DateTime<Utc>>, value: Option<DateTime<Utc>>| {
        bound
            .as_ref()
            .is_none_or(|b| value.is_some_and(|v| v > second(b)))
    };
    let before = |bound: &Option<DateTime<Utc>>, value: Option<DateTime<Utc>>| {
        bound
            .as_ref()
            .is_none_or(|b| value.is_some_and(|v| v < second(b)))
    };
    (q.status.is_empty() || q.status.iter().any(|s| s == "any" || *s == o.status))
        && after(&q.after, o.date_created_gmt)
        && before(&q.before, o.date_created_gmt)
        && after(&q.modified_after, o.date_modified_gmt)
        && before(&q.modified_before, o.date_modified_gmt)
}

pub(super) fn valid_topic(topic: &str) -> bool {
    if topic.starts_with("action.woocommerce_") || topic.starts_with("action.wc_") {
        return true;
    }
    topic.split_once('.').is_some_and(|(r, e)| {
        ["coupon", "customer", "order", "product"].contains(&r)
            && ["created", "updated", "deleted", "restored"].contains(&e)
    })
}

/// The order a refund id belongs to, if any.
pub(super) fn refund_owner(refunds: &BTreeMap<u64, Vec<Value>>, refund_id: u64) -> Option<u64> {
    refunds.iter().find_map(|(order, list)| {
        list.iter()
            .any(|r| r.get("id").and_then(Value::as_u64) == Some(refund_id))
            .then_some(*order)
    })
}

/// WooCommerce's answer to a refund id asked for under another order:
/// HTTP 500 with `"data": 404`, which the client reads as not found.
pub(super) fn refund_of_other_order() -> WooError {
    WooError::NotFound {
        code: channel::woocommerce::refund::REFUND_OF_OTHER_ORDER_CODE.to_owned(),
        message: "Invalid order refund ID.".into(),
    }
}

pub(super) fn now() -> DateTime<Utc> {
    let t = Utc::now();
    t.with_nanosecond(0).unwrap_or(t)
}

pub(super) fn not_found(code: &str) -> WooError {
    WooError::NotFound {
        code: code.to_owned(),
        message: "Invalid ID.".into(),
    }
}

pub(super) fn refused(code: &str, message: &str) -> WooError {
    WooError::Api {
        status: 400,
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

pub(super) fn item_error(status: u16, code: &str, message: &str) -> ApiErrorBody {
    ApiErrorBody {
        code: code.to_owned(),
        message: message.to_owned(),
        status: Some(status),
    }
}
