//! **Where a WooCommerce order becomes a PayTraq document.** A pure
//! function of the order, the channel's settings and mappings, the SKU →
//! item map and the client: no I/O, so every rule here has a row in the
//! table of `tests/document_rules.rs`, and `tests/document_fixtures.rs`
//! walks every real fixture order through it.
//!
//! PayTraq computes a document's tax per tax key on the sum of that key's
//! lines, rounded to cents. WooCommerce rounds tax per line (or per rate at
//! the subtotal), and its `total` can even differ from the sum of its own
//! `tax_lines`. The builder therefore targets WooCommerce's figures:
//!
//! 1. Every item, fee and shipping line gets its net amount (after coupons)
//!    and its tax key. The tax WooCommerce charged per key is taken from the
//!    order's `tax_lines`; a residual between that and the order total (the
//!    "tax lines do not add up to total_tax" case) goes to the key with the
//!    most net amount.
//! 2. **Net document** (`IncludeTax = false`) when PayTraq's arithmetic,
//!    round2(Σ net × rate) per key, gives exactly WooCommerce's tax per key:
//!    prices on the document are then the shop's net prices.
//! 3. Otherwise a **gross document** (`IncludeTax = true`): lines carry
//!    net + tax, and each key's cent of rounding difference is put on its
//!    largest line, so each key's gross sum (and so the document total) is
//!    exactly WooCommerce's. PayTraq then splits the tax out of the gross
//!    itself.
//!
//! A line's unit price is its amount divided by its quantity (exact when it
//! divides to 4 decimals, else to 6 decimals: PayTraq rounds quantity ×
//! price to cents). Shipping becomes the document's shipping charge; fees
//! become lines of the channel's fee product. A negative fee is a discount
//! WooCommerce spreads over the cart's tax classes (its net in proportion to
//! each class's cost, taxed at that class's rates): it becomes one fee line
//! per rate, each with WooCommerce's tax of that rate and the net that tax
//! stands for (tax ÷ rate); what no taxed rate accounts for (a non-taxable
//! or 0% share) goes on a 0% rate the fee names, or the untaxed key.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::{Channel, DocumentType, Operation, WarehouseId};
use crate::money::round_to;
use crate::paytraq::model::{self as pt, NewSale, NewSaleLine, ShippingCharge, TaxKeyRef};
use crate::woocommerce::order::{FeeLine, LineTax, Order};

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
    #[error("line \"{0}\" is charged at several tax rates at once (a compound tax), which one PayTraq line cannot carry")]
    SeveralRates(String),
    #[error("fee \"{0}\" is spread over several tax rates, and the order does not give their percentages (WooCommerce before 3.7)")]
    FeeRatesUnknown(String),
    #[error("payment method \"{0}\" is not mapped to a PayTraq money account")]
    UnmappedPaymentMethod(String),
    #[error("line \"{0}\" has a zero or negative quantity")]
    BadQuantity(String),
    #[error("shipping lines use different tax rates")]
    MixedShippingRates,
    #[error("fee \"{0}\" needs a PayTraq product for fees (setting fee_item_code)")]
    NoFeeProduct(String),
    #[error("a rounding line needs the PayTraq product for fees (setting fee_item_code)")]
    NoRoundingProduct,
    #[error("refund #{0} names no lines and needs a PayTraq product for its credit note (setting refund_item_code)")]
    NoRefundProduct(u64),
    #[error(
        "the replaced invoice as PayTraq shows it lacks {0}, so its credit note cannot repeat it"
    )]
    ReplacedInvoice(String),
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
        .get(order.payment_method.as_str())
        .map(|account| Some(account.get()))
        .ok_or_else(|| BuildProblem::UnmappedPaymentMethod(order.payment_method.clone()))
}

/// One amount-bearing line before the tax mode is chosen.
struct Amount {
    item_id: Option<u64>,
    description: String,
    quantity: Decimal,
    net: Decimal,
    tax: Decimal,
    key: u64,
    shipping: bool,
}

/// Builds the document. `items` maps SKU → PayTraq item id.
pub fn build(
    channel: &Channel,
    order: &Order,
    items: &HashMap<String, u64>,
    client_id: u64,
) -> Result<NewSale, BuildProblems> {
    let mut problems = Vec::new();
    let needs_items = channel.settings.operation != Operation::OtherIncome;
    let mut amounts = Vec::new();

    for item in &order.line_items {
        if item.quantity <= Decimal::ZERO {
            problems.push(BuildProblem::BadQuantity(item.name.clone()));
            continue;
        }
        let item_id = if needs_items {
            item_id(items, item.sku.as_deref(), &item.name, &mut problems)
        } else {
            None
        };
        let key = tax_key(channel, &item.name, &item.taxes, &mut problems);
        amounts.push(Amount {
            item_id,
            description: item.name.clone(),
            quantity: item.quantity,
            net: item.total,
            tax: item.total_tax,
            key: key.unwrap_or_default(),
            shipping: false,
        });
    }
    for fee in &order.fee_lines {
        let item_id = if needs_items {
            match fee_code(channel) {
                Some(code) => item_id(items, Some(code), &fee.name, &mut problems),
                None => {
                    problems.push(BuildProblem::NoFeeProduct(fee.name.clone()));
                    None
                }
            }
        } else {
            None
        };
        if let Some(parts) = spread_fee(channel, order, fee, &mut problems) {
            for part in parts {
                amounts.push(Amount {
                    item_id,
                    description: part.description,
                    quantity: Decimal::ONE,
                    net: part.net,
                    tax: part.tax,
                    key: part.key,
                    shipping: false,
                });
            }
            continue;
        }
        let key = tax_key(channel, &fee.name, &fee.taxes, &mut problems);
        amounts.push(Amount {
            item_id,
            description: fee.name.clone(),
            quantity: Decimal::ONE,
            net: fee.total,
            tax: fee.total_tax,
            key: key.unwrap_or_default(),
            shipping: false,
        });
    }
    let shipping_lines: Vec<_> = order
        .shipping_lines
        .iter()
        .filter(|s| !s.total.is_zero() || !s.total_tax.is_zero())
        .collect();
    let mut shipping_keys = BTreeMap::new();
    for line in &shipping_lines {
        if let Some(key) = tax_key(channel, &line.method_title, &line.taxes, &mut problems) {
            shipping_keys.insert(key, ());
        }
    }
    if shipping_keys.len() > 1 {
        problems.push(BuildProblem::MixedShippingRates);
    } else if let Some(key) = shipping_keys.keys().next() {
        amounts.push(Amount {
            item_id: None,
            description: "Shipping".into(),
            quantity: Decimal::ONE,
            net: shipping_lines.iter().map(|l| l.total).sum(),
            tax: shipping_lines.iter().map(|l| l.total_tax).sum(),
            key: *key,
            shipping: true,
        });
    }
    if let Err(p) = money_account(channel, order) {
        problems.push(p);
    }
    if !problems.is_empty() {
        problems.dedup();
        return Err(BuildProblems(problems));
    }

    let (include_tax, lines, shipping_charge) = price_lines(channel, order, amounts);
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
        warehouse_id: channel.settings.warehouse_id.map(WarehouseId::get),
        loading_area_id: None,
        our_reference: our_reference(&channel.id, order),
        include_tax,
        comment: Some(format!("WooCommerce order #{}", order.number)),
        lines,
        shipping_charge,
        payment_term_days: channel.settings.payment_term_days,
    })
}

/// WooCommerce's tax per PayTraq tax key, with the residual between the
/// tax lines and the order total put on the key with the most net amount.
fn woo_tax_per_key(channel: &Channel, order: &Order, amounts: &[Amount]) -> BTreeMap<u64, Decimal> {
    let mut per_key: BTreeMap<u64, Decimal> =
        amounts.iter().map(|a| (a.key, Decimal::ZERO)).collect();
    for line in &order.tax_lines {
        if let Some(key) = channel.tax_map.get(&line.rate_id) {
            *per_key.entry(key.get()).or_default() += line.tax_total + line.shipping_tax_total;
        }
    }
    let nets: Decimal = amounts.iter().map(|a| a.net).sum();
    let residual = order.total - nets - per_key.values().copied().sum::<Decimal>();
    if !residual.is_zero() {
        let mut net_per_key: BTreeMap<u64, Decimal> = BTreeMap::new();
        for a in amounts {
            *net_per_key.entry(a.key).or_default() += a.net;
        }
        if let Some((key, _)) = net_per_key.into_iter().max_by_key(|(_, n)| *n) {
            *per_key.entry(key).or_default() += residual;
        }
    }
    per_key
}

/// The percentage of each mapped key, from the order's own tax lines.
fn rate_per_key(channel: &Channel, order: &Order) -> BTreeMap<u64, Decimal> {
    order
        .tax_lines
        .iter()
        .filter_map(|l| {
            let key = channel.tax_map.get(&l.rate_id)?;
            Some((key.get(), l.rate_percent?))
        })
        .collect()
}

/// Chooses net or gross pricing (see the module doc) and prices the lines.
fn price_lines(
    channel: &Channel,
    order: &Order,
    mut amounts: Vec<Amount>,
) -> (bool, Vec<NewSaleLine>, Option<ShippingCharge>) {
    let target_tax = woo_tax_per_key(channel, order, &amounts);
    let rates = rate_per_key(channel, order);
    let mut net_per_key: BTreeMap<u64, Decimal> = BTreeMap::new();
    for a in &amounts {
        *net_per_key.entry(a.key).or_default() += a.net;
    }
    let net_agrees = net_per_key.iter().all(|(key, net)| {
        let want = target_tax.get(key).copied().unwrap_or_default();
        match rates.get(key) {
            Some(rate) => round_to(*net * *rate / Decimal::ONE_HUNDRED, 2) == want,
            None => want.is_zero(),
        }
    });
    let include_tax = !net_agrees;
    if include_tax {
        // Each key's gross must be net + WooCommerce's tax of that key.
        for (key, net) in &net_per_key {
            let want = *net + target_tax.get(key).copied().unwrap_or_default();
            let have: Decimal = amounts
                .iter()
                .filter(|a| a.key == *key)
                .map(|a| a.net + a.tax)
                .sum();
            let diff = want - have;
            if diff.is_zero() {
                continue;
            }
            // The largest amount of the key absorbs the cent (shipping or a single unit first).
            if let Some(line) = amounts
                .iter_mut()
                .filter(|a| a.key == *key)
                .max_by_key(|a| (a.quantity == Decimal::ONE, (a.net + a.tax).abs()))
            {
                line.tax += diff;
            }
        }
    }
    let amount_of = |a: &Amount| if include_tax { a.net + a.tax } else { a.net };
    let mut lines = Vec::new();
    let mut shipping = None;
    for a in &amounts {
        if a.shipping {
            shipping = Some(ShippingCharge {
                amount: amount_of(a),
                tax_key: TaxKeyRef { tax_key_id: a.key },
            });
            continue;
        }
        lines.push(NewSaleLine {
            item_id: a.item_id,
            item_code: None,
            description: Some(a.description.clone()),
            quantity: a.quantity,
            unit_price: unit_price(amount_of(a), a.quantity),
            discount_percent: Decimal::ZERO,
            tax_key_id: a.key,
        });
    }
    (include_tax, lines, shipping)
}

/// The explicit rounding line of the "adjust" rounding policy: `amount`
/// (WooCommerce total − PayTraq total) as one unit of the channel's fee
/// product, on the untaxed tax key (tax map entry 0), so that the document
/// total moves by exactly `amount` in both tax modes.
pub fn rounding_line(
    channel: &Channel,
    order: &Order,
    items: &HashMap<String, u64>,
    amount: Decimal,
) -> Result<NewSaleLine, BuildProblems> {
    let mut problems = Vec::new();
    let item_id = if channel.settings.operation == Operation::OtherIncome {
        None
    } else {
        match fee_code(channel) {
            Some(code) => item_id(items, Some(code), "rounding", &mut problems),
            None => {
                problems.push(BuildProblem::NoRoundingProduct);
                None
            }
        }
    };
    let key = mapped_key(channel, UNTAXED_RATE, &mut problems);
    match key {
        Some(key) if problems.is_empty() => Ok(NewSaleLine {
            item_id,
            item_code: None,
            description: Some(format!(
                "Rounding adjustment (WooCommerce order #{})",
                order.number
            )),
            quantity: Decimal::ONE,
            unit_price: amount,
            discount_percent: Decimal::ZERO,
            tax_key_id: key,
        }),
        _ => Err(BuildProblems(problems)),
    }
}

/// The channel's PayTraq product for fee (and rounding) lines.
pub fn fee_code(channel: &Channel) -> Option<&str> {
    channel
        .settings
        .fee_item_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

/// The channel's PayTraq product for amount-only refunds on credit notes.
pub fn refund_code(channel: &Channel) -> Option<&str> {
    channel
        .settings
        .refund_item_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

fn item_id(
    items: &HashMap<String, u64>,
    sku: Option<&str>,
    name: &str,
    problems: &mut Vec<BuildProblem>,
) -> Option<u64> {
    match sku.map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            problems.push(BuildProblem::MissingSku(name.to_string()));
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
}

/// The document date is the day the order was placed, not the processing day.
pub fn document_date(order: &Order) -> NaiveDate {
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
/// One rate's share of a negative fee.
struct FeePart {
    description: String,
    net: Decimal,
    tax: Decimal,
    key: u64,
}

/// A negative fee charged at several rates, as one part per rate (see the
/// module doc); `None` for any other fee (one line, as it is).
fn spread_fee(
    channel: &Channel,
    order: &Order,
    fee: &FeeLine,
    problems: &mut Vec<BuildProblem>,
) -> Option<Vec<FeePart>> {
    let charged: Vec<&LineTax> = fee.taxes.iter().filter(|t| !t.total.is_zero()).collect();
    if fee.total >= Decimal::ZERO || charged.len() < 2 {
        return None;
    }
    let rate_line = |id: u64| order.tax_lines.iter().find(|l| l.rate_id == id);
    let mut parts = Vec::new();
    for tax in &charged {
        let line = rate_line(tax.id);
        let Some(percent) = line.and_then(|l| l.rate_percent).filter(|p| !p.is_zero()) else {
            problems.push(BuildProblem::FeeRatesUnknown(fee.name.clone()));
            return Some(Vec::new());
        };
        // Unmapped: the problem is recorded; the fee is still this one's, not a single line.
        let Some(key) = mapped_key(channel, tax.id, problems) else {
            return Some(Vec::new());
        };
        let label = line.map(|l| l.label.trim()).filter(|l| !l.is_empty());
        parts.push(FeePart {
            description: match label {
                Some(label) => format!("{} ({label})", fee.name),
                None => format!("{} ({percent}%)", fee.name),
            },
            net: round_to(tax.total * Decimal::ONE_HUNDRED / percent, 2),
            tax: round_to(tax.total, 2),
            key,
        });
    }
    // WooCommerce's figures win: the fee's tax, then its net.
    let tax_rest = fee.total_tax - parts.iter().map(|p| p.tax).sum::<Decimal>();
    if let Some(largest) = parts.iter_mut().max_by_key(|p| p.net.abs()) {
        largest.tax += tax_rest;
    }
    let rest = fee.total - parts.iter().map(|p| p.net).sum::<Decimal>();
    let cents = Decimal::new(parts.len() as i64, 2);
    let zero_rate = fee.taxes.iter().find(|t| t.total.is_zero()).map(|t| t.id);
    if rest.abs() <= cents && zero_rate.is_none() {
        // Rounding of the per-rate nets: on the largest part.
        if let Some(largest) = parts.iter_mut().max_by_key(|p| p.net.abs()) {
            largest.net += rest;
        }
    } else if !rest.is_zero() {
        // The share no taxed rate accounts for: a 0% rate the fee names, or untaxed.
        let rate = zero_rate.unwrap_or(UNTAXED_RATE);
        let Some(key) = mapped_key(channel, rate, problems) else {
            return Some(Vec::new());
        };
        parts.push(FeePart {
            description: format!("{} (0%)", fee.name),
            net: rest,
            tax: Decimal::ZERO,
            key,
        });
    }
    Some(parts)
}

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
        Some(key) => Some(key.get()),
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

/// Explains a difference between the PayTraq document and the WooCommerce
/// order: both totals, and per tax key the tax each side computed.
pub fn explain_mismatch(channel: &Channel, order: &Order, sale: &pt::Sale) -> String {
    let diff = sale.total - order.total;
    let mut parts = vec![format!(
        "PayTraq total {} differs from WooCommerce total {} by {}",
        sale.total, order.total, diff
    )];
    parts.extend(tax_differences(channel, order, sale));
    parts.join("; ")
}

/// Where the cents of a document still differ from the shop's, once its
/// total is the order's: per tax key the VAT (PayTraq splits the tax out
/// of a gross document itself), and per product line the amount (a gross
/// document puts each key's rounding cent on its largest line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cents {
    /// One entry per tax key whose VAT differs.
    pub taxes: Vec<String>,
    /// One entry per product line whose amount differs.
    pub lines: Vec<String>,
}

impl Cents {
    /// The differences in one line, `None` when there is none.
    pub fn explain(&self) -> Option<String> {
        let all: Vec<&str> = self
            .taxes
            .iter()
            .chain(&self.lines)
            .map(String::as_str)
            .collect();
        (!all.is_empty()).then(|| all.join("; "))
    }
}

/// Compares a document's VAT per key and product lines with the order's.
pub fn cents(channel: &Channel, order: &Order, sale: &pt::Sale) -> Cents {
    Cents {
        taxes: tax_differences(channel, order, sale),
        lines: line_differences(order, sale),
    }
}

/// Per tax key, PayTraq's tax against WooCommerce's (`tax_lines` through
/// the channel's mapping), where they differ.
fn tax_differences(channel: &Channel, order: &Order, sale: &pt::Sale) -> Vec<String> {
    let mut parts = Vec::new();
    let mut woo_tax: BTreeMap<u64, Decimal> = BTreeMap::new();
    for line in &order.tax_lines {
        if let Some(key) = channel.tax_map.get(&line.rate_id) {
            *woo_tax.entry(key.get()).or_default() += line.tax_total + line.shipping_tax_total;
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
    parts
}

/// Per product line (the document's first lines, in the order's order),
/// PayTraq's line total against the shop's amount for it: net, or net +
/// tax on a gross document, in cents.
fn line_differences(order: &Order, sale: &pt::Sale) -> Vec<String> {
    let gross = sale.include_tax == Some(true);
    order
        .line_items
        .iter()
        .zip(&sale.lines)
        .filter_map(|(item, line)| {
            let shop = round_to(
                if gross {
                    item.total + item.total_tax
                } else {
                    item.total
                },
                2,
            );
            (shop != line.line_total).then(|| {
                format!(
                    "line \"{}\": PayTraq {} vs WooCommerce {} ({:+})",
                    item.name,
                    line.line_total,
                    shop,
                    line.line_total - shop
                )
            })
        })
        .collect()
}
