//! The demo's order set: what a small Latvian shop sells in a day, chosen
//! so every path of the channel shows up once (several VAT rates, shipping,
//! coupons, a fee, a paid and an unpaid order, an unmapped payment method,
//! and a sales order with its prepayment).
//!
//! Demo catalogue tax classes: products 22/26/27 are 21 %, 29/32 are 12 %,
//! 40 is 5 % and 47 is 0 %.

use serde_json::{json, Value};

/// How an order is expected to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// A PayTraq document whose total equals the order's, and one payment.
    Done,
    /// Processing fails with a reason naming this payment method.
    FailsOnPaymentMethod(&'static str),
}

/// One order the demo places.
#[derive(Clone, Debug)]
pub struct DemoOrder {
    pub label: &'static str,
    pub body: Value,
    /// Placed unpaid, marked paid once its document exists.
    pub paid_later: bool,
    pub expect: Expect,
}

fn billing(first: &str, last: &str, email: &str) -> Value {
    json!({
        "first_name": first, "last_name": last, "email": email, "country": "LV",
        "address_1": "Brīvības iela 1", "city": "Rīga", "postcode": "LV-1010"
    })
}

fn order(method: &str, title: &str, paid: bool, buyer: Value, rest: Value) -> Value {
    let mut body = json!({
        "payment_method": method,
        "payment_method_title": title,
        "set_paid": paid,
        "billing": buyer,
    });
    if let (Some(body), Some(rest)) = (body.as_object_mut(), rest.as_object()) {
        body.extend(rest.clone());
    }
    body
}

/// The orders placed while the channel makes sales invoices.
pub fn invoice_orders() -> Vec<DemoOrder> {
    let anna = || billing("Anna", "Bērziņa", "anna@example.lv");
    let janis = || billing("Jānis", "Kalniņš", "janis@example.lv");
    vec![
        DemoOrder {
            label: "21 % and 12 % goods, courier shipping, paid by bank transfer",
            body: order(
                "bacs",
                "Bankas pārskaitījums",
                true,
                anna(),
                json!({
                    "line_items": [{"product_id": 22, "quantity": 2}, {"product_id": 29, "quantity": 1}],
                    "shipping_lines": [{"method_id": "flat_rate", "method_title": "Kurjers", "total": "3.50"}]
                }),
            ),
            paid_later: false,
            expect: Expect::Done,
        },
        DemoOrder {
            label: "5 % and 0 % goods with coupon lv10 (10 %), cash on delivery",
            body: order(
                "cod",
                "Skaidrā naudā",
                true,
                janis(),
                json!({
                    "line_items": [{"product_id": 40, "quantity": 3}, {"product_id": 47, "quantity": 1}],
                    "coupon_lines": [{"code": "lv10"}]
                }),
            ),
            paid_later: false,
            expect: Expect::Done,
        },
        DemoOrder {
            label: "a fee line (gift wrapping) and mixed rates",
            body: order(
                "bacs",
                "Bankas pārskaitījums",
                true,
                anna(),
                json!({
                    "line_items": [{"product_id": 26, "quantity": 1}, {"product_id": 32, "quantity": 2}],
                    "fee_lines": [{"name": "Dāvanu iesaiņojums", "total": "2.00", "tax_status": "taxable", "tax_class": ""}],
                    "shipping_lines": [{"method_id": "flat_rate", "method_title": "Kurjers", "total": "3.50"}]
                }),
            ),
            paid_later: false,
            expect: Expect::Done,
        },
        DemoOrder {
            label: "unpaid at first (coupon fix5), paid later",
            body: order(
                "bacs",
                "Bankas pārskaitījums",
                false,
                janis(),
                json!({
                    "line_items": [{"product_id": 27, "quantity": 1}, {"product_id": 22, "quantity": 1}],
                    "coupon_lines": [{"code": "fix5"}]
                }),
            ),
            paid_later: true,
            expect: Expect::Done,
        },
        DemoOrder {
            label: "paid by cheque, a payment method left unmapped on purpose",
            body: order(
                "cheque",
                "Čeks",
                true,
                anna(),
                json!({"line_items": [{"product_id": 32, "quantity": 1}]}),
            ),
            paid_later: false,
            expect: Expect::FailsOnPaymentMethod("cheque"),
        },
    ]
}

/// The order placed after the channel is switched to sales orders (its
/// payment becomes a prepayment).
pub fn sales_order() -> DemoOrder {
    DemoOrder {
        label: "a sales order with a prepayment",
        body: order(
            "bacs",
            "Bankas pārskaitījums",
            true,
            billing("Līga", "Ozola", "liga@example.lv"),
            json!({
                "line_items": [{"product_id": 22, "quantity": 1}, {"product_id": 40, "quantity": 2}],
                "shipping_lines": [{"method_id": "flat_rate", "method_title": "Kurjers", "total": "3.50"}]
            }),
        ),
        paid_later: false,
        expect: Expect::Done,
    }
}
