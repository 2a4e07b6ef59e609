//! **Where a WooCommerce order becomes a PayTraq document.** A pure
//! function of the order, the channel's settings and mappings, the SKU →
//! item map and the client: no I/O, so every rule here is unit-tested and
//! the fixture test walks real orders through it.
//!
//! Amounts follow the shop's own tax mode, so that PayTraq's arithmetic
//! (tax per tax key on the document, rounded to cents) lands on the shop's
//! total:
//! - prices **include** tax: lines carry gross amounts (`IncludeTax`), the
//!   document total is the sum of WooCommerce's gross lines by construction;
//! - prices **exclude** tax: lines carry WooCommerce's net line totals (after
//!   coupons); PayTraq adds the tax per tax key.
//!
//! A line's unit price is its line total divided by its quantity (exact
//! when it divides, else to 6 decimals); coupon discounts are already in
//! WooCommerce's line totals. Shipping becomes the document's shipping
//! charge, fees become free-text lines (negative fees too).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::{Channel, DocumentType, Operation};
use crate::money::round_to;
use crate::paytraq::model::{self as pt, NewSale, NewSaleLine, ShippingCharge, TaxKeyRef};
use crate::woocommerce::order::{LineTax, Order};

/// Tax-map key for lines that carry no WooCommerce tax rate at all
/// (VAT-exempt orders, non-taxable fees).
pub const UNTAXED_RATE: u64 = 0;

/// Why an order cannot become a document. Each is permanent until the
/// operator fixes the mapping or the catalogue, then reprocesses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildProblem {
    #[error("line \"{0}\" has no SKU")]
    MissingSku(String),
    #[error("SKU {0} is not a PayTraq product code")]
    UnknownSku(String),
    #[error("WooCommerce tax rate {0} is not mapped to a PayTraq tax key")]
    UnmappedTaxRate(u64),
    #[error("no PayTraq tax key is mapped for untaxed lines (tax map entry 0)")]
    UnmappedUntaxed,
    #[error("tax key \"{0}\" in the tax map is not a PayTraq tax key id")]
    BadTaxKey(String),
    #[error("line \"{0}\" has several tax rates (compound taxes are not supported)")]
    SeveralRates(String),
    #[error("payment method \"{0}\" is not mapped to a PayTraq money account")]
    UnmappedPaymentMethod(String),
    #[error("line \"{0}\" has a zero or negative quantity")]
    BadQuantity(String),
    #[error("shipping lines use different tax rates")]
    MixedShippingRates,
}

/// All problems of an order at once, so one note tells the operator everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildProblems(pub Vec<BuildProblem>);

impl std::fmt::Display for BuildProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

/// The order's reference on the PayTraq document (finds it again after a crash).
pub fn our_reference(channel_id: &str, order: &Order) -> String {
    format!("{channel_id}/{}", order.id)
}

/// Checks the payment mapping the order needs, if a payment is to be added.
pub fn money_account(channel: &Channel, order: &Order) -> Result<Option<u64>, BuildProblem> {
    if !channel.settings.add_payment || order.date_paid_gmt.is_none() || order.total.is_zero() {
        return Ok(None);
    }
    channel
        .payment_map
        .get(&order.payment_method)
        .and_then(|id| id.trim().parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| BuildProblem::UnmappedPaymentMethod(order.payment_method.clone()))
}

/// Builds the document. `items` maps SKU → PayTraq item id.
pub fn build(
    channel: &Channel,
    order: &Order,
    items: &HashMap<String, u64>,
    client_id: u64,
) -> Result<NewSale, BuildProblems> {
    let mut problems = Vec::new();
    let include_tax = order.prices_include_tax;
    let needs_items = channel.settings.operation != Operation::OtherIncome;
    let amount = |net: Decimal, tax: Decimal| if include_tax { net + tax } else { net };
    let mut lines = Vec::new();

    for item in &order.line_items {
        if item.quantity <= Decimal::ZERO {
            problems.push(BuildProblem::BadQuantity(item.name.clone()));
            continue;
        }
        let item_id = if needs_items {
            match item.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => {
                    problems.push(BuildProblem::MissingSku(item.name.clone()));
                    None
                }
                Some(sku) => match items.get(sku) {
                    Some(id) => Some(*id),
                    None => {
                        problems.push(BuildProblem::UnknownSku(sku.to_string()));
                        None
                    }
                },
            }
        } else {
            None
        };
        let tax_key = tax_key(channel, &item.name, &item.taxes, &mut problems);
        let total = amount(item.total, item.total_tax);
        lines.push(NewSaleLine {
            item_id,
            item_code: None,
            description: Some(item.name.clone()),
            quantity: item.quantity,
            unit_price: unit_price(total, item.quantity),
            discount_percent: Decimal::ZERO,
            tax_key_id: tax_key.unwrap_or_default(),
        });
    }

    for fee in &order.fee_lines {
        let tax_key = tax_key(channel, &fee.name, &fee.taxes, &mut problems);
        lines.push(NewSaleLine {
            item_id: None,
            item_code: None,
            description: Some(fee.name.clone()),
            quantity: Decimal::ONE,
            unit_price: amount(fee.total, fee.total_tax),
            discount_percent: Decimal::ZERO,
            tax_key_id: tax_key.unwrap_or_default(),
        });
    }

    let shipping_charge = shipping(channel, order, include_tax, &mut problems);
    if let Err(p) = money_account(channel, order) {
        problems.push(p);
    }
    if !problems.is_empty() {
        problems.dedup();
        return Err(BuildProblems(problems));
    }

    Ok(NewSale {
        sale_type: match channel.settings.document_type {
            DocumentType::SalesInvoice => pt::SaleType::SalesInvoice,
            DocumentType::SalesOrder => pt::SaleType::SalesOrder,
        },
        operation: match channel.settings.operation {
            Operation::SellGoods => pt::Operation::SellGoods,
            Operation::SellServices => pt::Operation::SellServices,
            Operation::OtherIncome => pt::Operation::OtherIncome,
        },
        client_id,
        document_date: document_date(order),
        currency: order.currency.clone(),
        warehouse_id: channel
            .settings
            .warehouse_id
            .as_deref()
            .and_then(|w| w.trim().parse().ok()),
        loading_area_id: None,
        our_reference: our_reference(&channel.id, order),
        include_tax,
        comment: Some(format!("WooCommerce order #{}", order.number)),
        lines,
        shipping_charge,
    })
}

/// The document date is the day the order was placed, not the processing day.
fn document_date(order: &Order) -> NaiveDate {
    order
        .date_created_gmt
        .map(|d| d.date_naive())
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

/// Line total / quantity: exact when it divides to at most 4 decimals,
/// else rounded to 6 decimals (PayTraq rounds quantity × price to cents).
fn unit_price(total: Decimal, quantity: Decimal) -> Decimal {
    if quantity == Decimal::ONE {
        return total;
    }
    let exact = total / quantity;
    let rounded = round_to(exact, 4);
    if rounded * quantity == total {
        rounded.normalize()
    } else {
        round_to(exact, 6).normalize()
    }
}

/// The rate a line is taxed at: the one rate with tax on it, or the single
/// listed (zero) rate, or none at all.
fn line_rate(name: &str, taxes: &[LineTax], problems: &mut Vec<BuildProblem>) -> Option<u64> {
    let charged: Vec<&LineTax> = taxes.iter().filter(|t| !t.total.is_zero()).collect();
    match charged.as_slice() {
        [one] => Some(one.id),
        [] => Some(taxes.first().map_or(UNTAXED_RATE, |t| t.id)),
        _ => {
            problems.push(BuildProblem::SeveralRates(name.to_string()));
            None
        }
    }
}

fn mapped_key(channel: &Channel, rate: u64, problems: &mut Vec<BuildProblem>) -> Option<u64> {
    match channel.tax_map.get(&rate) {
        Some(key) => match key.trim().parse::<u64>() {
            Ok(id) => Some(id),
            Err(_) => {
                problems.push(BuildProblem::BadTaxKey(key.clone()));
                None
            }
        },
        None if rate == UNTAXED_RATE => {
            problems.push(BuildProblem::UnmappedUntaxed);
            None
        }
        None => {
            problems.push(BuildProblem::UnmappedTaxRate(rate));
            None
        }
    }
}

fn tax_key(
    channel: &Channel,
    name: &str,
    taxes: &[LineTax],
    problems: &mut Vec<BuildProblem>,
) -> Option<u64> {
    line_rate(name, taxes, problems).and_then(|rate| mapped_key(channel, rate, problems))
}

fn shipping(
    channel: &Channel,
    order: &Order,
    include_tax: bool,
    problems: &mut Vec<BuildProblem>,
) -> Option<ShippingCharge> {
    let lines: Vec<_> = order
        .shipping_lines
        .iter()
        .filter(|s| !s.total.is_zero() || !s.total_tax.is_zero())
        .collect();
    if lines.is_empty() {
        return None;
    }
    let mut rates = BTreeMap::new();
    let mut amount = Decimal::ZERO;
    for line in &lines {
        if let Some(rate) = line_rate(&line.method_title, &line.taxes, problems) {
            rates.insert(rate, ());
        }
        amount += if include_tax {
            line.total + line.total_tax
        } else {
            line.total
        };
    }
    if rates.len() > 1 {
        problems.push(BuildProblem::MixedShippingRates);
        return None;
    }
    let rate = *rates.keys().next()?;
    let key = mapped_key(channel, rate, problems)?;
    Some(ShippingCharge {
        amount,
        tax_key: TaxKeyRef { tax_key_id: key },
    })
}

/// Explains a difference between the PayTraq document and the WooCommerce
/// order: both totals, and per tax key the tax each side computed.
pub fn explain_mismatch(channel: &Channel, order: &Order, sale: &pt::Sale) -> String {
    let diff = sale.total - order.total;
    let mut parts = vec![format!(
        "PayTraq total {} differs from WooCommerce total {} by {}",
        sale.total, order.total, diff
    )];
    // WooCommerce tax per PayTraq tax key, through the channel's mapping.
    let mut woo_tax: BTreeMap<u64, Decimal> = BTreeMap::new();
    for line in &order.tax_lines {
        if let Some(key) = channel
            .tax_map
            .get(&line.rate_id)
            .and_then(|k| k.trim().parse::<u64>().ok())
        {
            *woo_tax.entry(key).or_default() += line.tax_total + line.shipping_tax_total;
        }
    }
    for tax in &sale.taxes {
        let Some(key) = tax.tax_key.as_ref().and_then(|k| k.tax_key_id) else {
            continue;
        };
        let theirs = woo_tax.remove(&key).unwrap_or_default();
        if theirs != tax.tax_amount {
            let name = tax.name.clone().unwrap_or_else(|| format!("tax key {key}"));
            parts.push(format!(
                "{name}: PayTraq tax {} vs WooCommerce {} ({:+})",
                tax.tax_amount,
                theirs,
                tax.tax_amount - theirs
            ));
        }
    }
    for (key, amount) in woo_tax {
        if !amount.is_zero() {
            parts.push(format!(
                "tax key {key}: WooCommerce tax {amount} has no PayTraq tax line"
            ));
        }
    }
    parts.join("; ")
}
