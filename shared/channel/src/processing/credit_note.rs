//! **Where a shop refund, or a cancelled order, becomes a PayTraq credit
//! note.** Pure, like [`super::document`]: the refund is turned into the
//! positive order it takes back — its lines with the order's SKUs and names
//! (through `_refunded_item_id`), its shipping, fees and tax per rate, the
//! sum of its lines as total — and that order goes through the invoice
//! builder, so a credit note follows every rule an invoice does (tax keys,
//! net or gross pricing, the cent on the largest line). Only its type,
//! reference, date and comment differ. The pipeline then checks its total
//! against the refund's `amount`, which WooCommerce takes as given.
//!
//! A refund that names no lines (amount-only: WooCommerce records neither
//! lines nor tax for it) becomes lines of the channel's refund product
//! (`refund_item_code`): its amount split over the order's tax rates in
//! proportion to what WooCommerce recorded per rate (net + tax of the
//! order's items, shipping and fees), each part taxed at its rate; an order
//! without tax gives one untaxed line.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::document::{self, our_reference, BuildProblem, BuildProblems, UNTAXED_RATE};
use crate::model::Channel;
use crate::money::round_to;
use crate::paytraq::model::{NewSale, SaleType};
use crate::woocommerce::order::{FeeLine, LineItem, LineTax, Order, ShippingLine, TaxLine};
use crate::woocommerce::refund::{refunded_item_id, Refund};

/// The credit note's reference (finds it again after a crash): the
/// order's, with the credit note's key.
pub fn credit_reference(channel_id: &str, order: &Order, key: &str) -> String {
    format!("{}/{key}", our_reference(channel_id, order))
}

/// What a refund takes back, as a positive order dated the refund's day.
pub fn refunded_order(
    channel: &Channel,
    order: &Order,
    refund: &Refund,
) -> Result<Order, BuildProblems> {
    let mut taken = Order {
        total: -refund.lines_total(),
        date_created_gmt: refund.date_created_gmt.or(order.date_created_gmt),
        date_paid_gmt: None,
        line_items: Vec::new(),
        tax_lines: Vec::new(),
        shipping_lines: Vec::new(),
        fee_lines: Vec::new(),
        coupon_lines: Vec::new(),
        refunds: Vec::new(),
        ..order.clone()
    };
    if refund.is_amount_only() {
        let code = document::refund_code(channel)
            .ok_or_else(|| BuildProblems(vec![BuildProblem::NoRefundProduct(refund.id)]))?;
        spread_amount(order, refund, code, &mut taken);
        return Ok(taken);
    }
    taken.line_items = refund
        .line_items
        .iter()
        .map(|line| taken_line(order, line))
        .collect();
    taken.shipping_lines = refund
        .shipping_lines
        .iter()
        .map(|s| ShippingLine {
            total: -s.total,
            total_tax: -s.total_tax,
            taxes: negated(&s.taxes),
            ..s.clone()
        })
        .collect();
    taken.fee_lines = refund
        .fee_lines
        .iter()
        .map(|f| FeeLine {
            total: -f.total,
            total_tax: -f.total_tax,
            taxes: negated(&f.taxes),
            ..f.clone()
        })
        .collect();
    taken.tax_lines = refund
        .tax_lines
        .iter()
        .map(|t| TaxLine {
            tax_total: -t.tax_total,
            shipping_tax_total: -t.shipping_tax_total,
            rate_percent: t
                .rate_percent
                .or_else(|| tax_line(order, t.rate_id)?.rate_percent),
            ..t.clone()
        })
        .collect();
    Ok(taken)
}

/// What a cancellation takes back: the whole order, dated the day it was
/// cancelled (its last change).
pub fn cancelled_order(order: &Order) -> Order {
    Order {
        date_created_gmt: order.date_modified_gmt.or(order.date_created_gmt),
        date_paid_gmt: None,
        ..order.clone()
    }
}

/// The credit note for `taken` (from [`refunded_order`] or
/// [`cancelled_order`]): the invoice builder's document as a credit note,
/// with its own reference and `comment`. `items` maps SKU → PayTraq item id.
pub fn build(
    channel: &Channel,
    order: &Order,
    taken: &Order,
    key: &str,
    comment: String,
    items: &HashMap<String, u64>,
    client_id: u64,
) -> Result<NewSale, BuildProblems> {
    let mut sale = document::build(channel, taken, items, client_id)?;
    sale.sale_type = SaleType::CreditNote;
    sale.our_reference = credit_reference(&channel.id, order, key);
    sale.comment = Some(comment);
    Ok(sale)
}

/// A refunded product line, positive, with the SKU and name of the order's
/// line it refunds (a refund of money without units counts one unit).
fn taken_line(order: &Order, line: &LineItem) -> LineItem {
    let parent = refunded_item_id(&line.meta_data)
        .and_then(|id| order.line_items.iter().find(|p| p.id == id));
    LineItem {
        name: parent.map_or_else(|| line.name.clone(), |p| p.name.clone()),
        sku: parent
            .and_then(|p| p.sku.clone())
            .or_else(|| line.sku.clone()),
        quantity: if line.quantity.is_zero() {
            Decimal::ONE
        } else {
            -line.quantity
        },
        subtotal: -line.subtotal,
        subtotal_tax: -line.subtotal_tax,
        total: -line.total,
        total_tax: -line.total_tax,
        taxes: negated(&line.taxes),
        ..line.clone()
    }
}

fn negated(taxes: &[LineTax]) -> Vec<LineTax> {
    taxes
        .iter()
        .map(|t| LineTax {
            id: t.id,
            total: -t.total,
            subtotal: -t.subtotal,
        })
        .collect()
}

fn tax_line(order: &Order, rate_id: u64) -> Option<&TaxLine> {
    order.tax_lines.iter().find(|t| t.rate_id == rate_id)
}

/// The rate a line is charged at: the first with tax on it, else the first
/// listed (a 0% rate), else none.
fn charged_rate(taxes: &[LineTax]) -> u64 {
    taxes
        .iter()
        .find(|t| !t.total.is_zero())
        .or_else(|| taxes.first())
        .map_or(UNTAXED_RATE, |t| t.id)
}

/// An amount-only refund as lines of the refund product, one per rate of
/// the order, in proportion to the order's gross per rate (see the module
/// doc); the last part takes what rounding leaves, so the parts add up to
/// the refund's amount exactly.
fn spread_amount(order: &Order, refund: &Refund, code: &str, taken: &mut Order) {
    let mut gross: BTreeMap<u64, Decimal> = BTreeMap::new();
    let lines = (order.line_items.iter())
        .map(|l| (l.total + l.total_tax, &l.taxes))
        .chain((order.shipping_lines.iter()).map(|s| (s.total + s.total_tax, &s.taxes)))
        .chain((order.fee_lines.iter()).map(|f| (f.total + f.total_tax, &f.taxes)));
    for (amount, taxes) in lines {
        *gross.entry(charged_rate(taxes)).or_default() += amount;
    }
    gross.retain(|_, g| *g > Decimal::ZERO);
    let whole: Decimal = gross.values().copied().sum();
    if gross.is_empty() {
        gross.insert(UNTAXED_RATE, Decimal::ONE);
    }
    let whole = if whole.is_zero() { Decimal::ONE } else { whole };
    let parts = gross.len();
    let mut left = refund.amount;
    for (n, (rate, share)) in gross.into_iter().enumerate() {
        let part = if n + 1 == parts {
            left
        } else {
            round_to(refund.amount * share / whole, 2)
        };
        left -= part;
        let line = tax_line(order, rate).filter(|_| rate != UNTAXED_RATE);
        let percent = line.and_then(|l| l.rate_percent).unwrap_or_default();
        let tax = round_to(part * percent / (Decimal::ONE_HUNDRED + percent), 2);
        let label = line.map(|l| l.label.trim()).filter(|l| !l.is_empty());
        let mut name = format!(
            "Refund #{} of WooCommerce order #{}",
            refund.id, order.number
        );
        if let (Some(label), true) = (label, parts > 1) {
            name = format!("{name} ({label})");
        }
        taken.line_items.push(LineItem {
            id: 0,
            name,
            product_id: 0,
            variation_id: 0,
            quantity: Decimal::ONE,
            tax_class: String::new(),
            subtotal: part - tax,
            subtotal_tax: tax,
            total: part - tax,
            total_tax: tax,
            taxes: line.map_or_else(Vec::new, |_| {
                vec![LineTax {
                    id: rate,
                    total: tax,
                    subtotal: tax,
                }]
            }),
            sku: Some(code.to_string()),
            price: None,
            parent_name: None,
            meta_data: Vec::new(),
        });
        if let Some(line) = line {
            taken.tax_lines.push(TaxLine {
                tax_total: tax,
                shipping_tax_total: Decimal::ZERO,
                rate_percent: Some(percent),
                ..line.clone()
            });
        }
    }
    taken.total = refund.amount;
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn taxed(total: Decimal, tax: Decimal, rate: u64) -> LineItem {
        serde_json::from_value(serde_json::json!({
            "id": rate * 10, "name": format!("rate {rate}"), "quantity": 1, "sku": "S",
            "total": total.to_string(), "total_tax": tax.to_string(),
            "taxes": [{"id": rate, "total": tax.to_string(), "subtotal": tax.to_string()}]
        }))
        .unwrap()
    }

    #[test]
    fn an_amount_only_refund_is_split_over_the_orders_rates_to_the_cent() {
        // 21% coffee 8.49 + 1.78, 12% meds 4.35 + 0.52: gross 10.27 and 4.87 of 15.14.
        let mut order: Order = serde_json::from_value(serde_json::json!({
            "id": 47, "number": "47", "currency": "EUR",
            "tax_lines": [
                {"rate_id": 1, "label": "PVN 21%", "tax_total": "1.78", "rate_percent": 21},
                {"rate_id": 2, "label": "PVN 12%", "tax_total": "0.52", "rate_percent": 12}
            ]
        }))
        .unwrap();
        order.line_items = vec![
            taxed(dec!(8.49), dec!(1.78), 1),
            taxed(dec!(4.35), dec!(0.52), 2),
        ];
        let refund: Refund =
            serde_json::from_value(serde_json::json!({"id": 48, "amount": "5.00"})).unwrap();
        let mut taken = Order {
            line_items: Vec::new(),
            tax_lines: Vec::new(),
            ..order.clone()
        };
        spread_amount(&order, &refund, "WC-REFUND", &mut taken);
        let parts: Vec<(Decimal, Decimal)> = taken
            .line_items
            .iter()
            .map(|l| (l.total, l.total_tax))
            .collect();
        // 5.00 × 10.27 / 15.14 = 3.39 (0.59 of it 21% VAT); the rest 1.61 (0.17 of it 12% VAT).
        assert_eq!(
            parts,
            vec![(dec!(2.80), dec!(0.59)), (dec!(1.44), dec!(0.17))]
        );
        assert_eq!(taken.total, dec!(5.00));
        assert!(taken
            .line_items
            .iter()
            .all(|l| l.sku.as_deref() == Some("WC-REFUND")));
        assert_eq!(
            taken.tax_lines.iter().map(|t| t.tax_total).sum::<Decimal>(),
            dec!(0.76)
        );

        // No tax on the order: one untaxed line of the whole amount.
        let untaxed = Order {
            tax_lines: Vec::new(),
            line_items: vec![LineItem {
                taxes: Vec::new(),
                total_tax: Decimal::ZERO,
                ..taxed(dec!(9), dec!(0), 1)
            }],
            ..order.clone()
        };
        let mut taken = Order {
            line_items: Vec::new(),
            tax_lines: Vec::new(),
            ..untaxed.clone()
        };
        spread_amount(&untaxed, &refund, "WC-REFUND", &mut taken);
        assert_eq!(taken.line_items.len(), 1);
        assert_eq!(
            (taken.line_items[0].total, taken.line_items[0].taxes.len()),
            (dec!(5.00), 0)
        );
        assert!(taken.tax_lines.is_empty());
    }
}
