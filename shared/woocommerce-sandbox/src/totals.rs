//! Order totals the way WooCommerce's `calculate_totals()` / `WC_Discounts` compute them (§4.4 of the
//! reference): per-line tax from the matching rates, coupons in cents (percent, fixed_cart,
//! fixed_product, with the one-cent remainder spread from the most expensive item), tax-inclusive
//! prices (net derived with the base-country rate), shipping and fee tax (negative fees apportioned
//! over the tax classes), and rounding either per line
//! or once at subtotal (`woocommerce_tax_round_at_subtotal`). Tax rounds half-down when prices include
//! tax, half-up otherwise.

use super::money::{round_half_down, round_half_up};
use super::tax::{calc_tax, find_rates, Location, TaxRate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The parts of a REST order body that drive the totals (kept to recompute after an update).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderInput {
    pub line_items: Vec<LineInput>,
    pub shipping_lines: Vec<ShippingInput>,
    pub fee_lines: Vec<FeeInput>,
    pub coupon_lines: Vec<CouponInput>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LineInput {
    pub product_id: Option<u64>,
    pub variation_id: Option<u64>,
    pub sku: Option<String>,
    pub quantity: Option<Value>,
    pub subtotal: Option<Value>,
    pub total: Option<Value>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ShippingInput {
    pub method_id: String,
    pub method_title: String,
    pub instance_id: Option<Value>,
    pub total: Option<Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FeeInput {
    pub name: String,
    pub total: Option<Value>,
    pub tax_status: Option<String>,
    pub tax_class: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CouponInput {
    pub code: String,
}

/// A line item resolved against the catalogue.
#[derive(Debug, Clone)]
pub struct PricedLine {
    pub unit_price: Decimal,
    pub quantity: Decimal,
    pub tax_class: String,
    pub taxable: bool,
    pub given_subtotal: Option<Decimal>,
    pub given_total: Option<Decimal>,
}

/// A fee with its amount.
#[derive(Debug, Clone)]
pub struct PricedFee {
    pub total: Decimal,
    pub tax_class: String,
    pub taxable: bool,
}

/// A coupon definition.
#[derive(Debug, Clone)]
pub struct CouponDef {
    pub code: String,
    pub discount_type: String,
    pub amount: Decimal,
}

/// Everything `compute` needs.
#[derive(Debug, Clone)]
pub struct TotalsInput<'a> {
    pub rates: &'a [TaxRate],
    pub location: Location,
    pub base_location: Location,
    pub prices_include_tax: bool,
    pub round_at_subtotal: bool,
    pub vat_exempt: bool,
    pub decimals: u32,
    pub lines: Vec<PricedLine>,
    pub shipping: Vec<Decimal>,
    pub fees: Vec<PricedFee>,
    pub coupons: Vec<CouponDef>,
}

/// Computed amounts of one line item (unrounded where WooCommerce keeps them unrounded).
#[derive(Debug, Clone)]
pub struct LineTotals {
    pub subtotal: Decimal,
    pub total: Decimal,
    pub subtotal_tax: Decimal,
    pub total_tax: Decimal,
    /// `(rate id, total tax, subtotal tax)`.
    pub taxes: Vec<(u64, Decimal, Decimal)>,
}

/// Computed amounts of a shipping or fee line.
#[derive(Debug, Clone)]
pub struct ChargeTotals {
    pub total: Decimal,
    pub total_tax: Decimal,
    pub taxes: Vec<(u64, Decimal)>,
}

/// Computed amounts of a coupon line.
#[derive(Debug, Clone)]
pub struct CouponTotals {
    pub discount: Decimal,
    pub discount_tax: Decimal,
}

/// One `tax_lines[]` entry.
#[derive(Debug, Clone)]
pub struct RateTotals {
    pub rate: TaxRate,
    pub tax_total: Decimal,
    pub shipping_tax_total: Decimal,
}

/// The whole computation.
#[derive(Debug, Clone)]
pub struct OrderTotals {
    pub lines: Vec<LineTotals>,
    pub shipping: Vec<ChargeTotals>,
    pub fees: Vec<ChargeTotals>,
    pub coupons: Vec<CouponTotals>,
    pub tax_lines: Vec<RateTotals>,
    pub discount_total: Decimal,
    pub discount_tax: Decimal,
    pub shipping_total: Decimal,
    pub shipping_tax: Decimal,
    pub cart_tax: Decimal,
    pub total_tax: Decimal,
    pub total: Decimal,
}

impl TotalsInput<'_> {
    fn round_tax(&self, d: Decimal) -> Decimal {
        if self.prices_include_tax {
            round_half_down(d, self.decimals)
        } else {
            round_half_up(d, self.decimals)
        }
    }
    /// `round_line_tax`: per-line mode rounds each line's tax, subtotal mode keeps it.
    fn round_line_tax(&self, d: Decimal) -> Decimal {
        if self.round_at_subtotal {
            d
        } else {
            self.round_tax(d)
        }
    }
    fn round_item(&self, d: Decimal) -> Decimal {
        if self.round_at_subtotal {
            d
        } else {
            round_half_up(d, self.decimals)
        }
    }
    fn customer_rates(&self, class: &str, taxable: bool) -> Vec<&TaxRate> {
        if !taxable || self.vat_exempt {
            return Vec::new();
        }
        find_rates(self.rates, class, &self.location)
    }
}

/// Runs the WooCommerce order calculation.
pub fn compute(inp: &TotalsInput<'_>) -> OrderTotals {
    let cents = Decimal::from(10u64.pow(inp.decimals));

    // 1. Net subtotals and their taxes.
    let mut subtotals = Vec::with_capacity(inp.lines.len());
    let mut sub_taxes = Vec::with_capacity(inp.lines.len());
    for line in &inp.lines {
        let net = match (line.given_subtotal, line.given_total) {
            (Some(s), _) => s,
            (None, Some(t)) => t,
            (None, None) => {
                let gross = line.unit_price * line.quantity;
                if inp.prices_include_tax && line.taxable {
                    let base = find_rates(inp.rates, &line.tax_class, &inp.base_location);
                    gross
                        - calc_tax(gross, &base, true)
                            .iter()
                            .map(|(_, t)| *t)
                            .sum::<Decimal>()
                } else {
                    gross
                }
            }
        };
        let rates = inp.customer_rates(&line.tax_class, line.taxable);
        sub_taxes.push(calc_tax(net, &rates, false));
        subtotals.push(net);
    }

    // 2. Coupons, in cents, on the (tax-inclusive when prices include tax) line subtotals.
    let prices: Vec<Decimal> = subtotals
        .iter()
        .zip(&sub_taxes)
        .map(|(net, taxes)| {
            let p = if inp.prices_include_tax {
                *net + taxes.iter().map(|(_, t)| *t).sum::<Decimal>()
            } else {
                *net
            };
            round_half_up(p * cents, 4)
        })
        .collect();
    let quantities: Vec<Decimal> = inp.lines.iter().map(|l| l.quantity).collect();
    let mut discounts = Discounts::new(prices, quantities);
    let mut coupon_item_discounts = Vec::with_capacity(inp.coupons.len());
    for coupon in &inp.coupons {
        coupon_item_discounts.push(discounts.apply(coupon));
    }

    // 3. Line totals after discounts and their taxes.
    let mut lines = Vec::with_capacity(inp.lines.len());
    for (i, line) in inp.lines.iter().enumerate() {
        let rates = inp.customer_rates(&line.tax_class, line.taxable);
        let total = match line.given_total {
            Some(t) => t,
            None => {
                let mut amount = discounts.item_total(i) / cents;
                if inp.prices_include_tax && line.taxable && !amount.is_zero() {
                    let r = find_rates(inp.rates, &line.tax_class, &inp.location);
                    amount -= calc_tax(amount, &r, true)
                        .iter()
                        .map(|(_, t)| *t)
                        .sum::<Decimal>();
                }
                (subtotals[i] - amount).max(Decimal::ZERO)
            }
        };
        let tot_taxes = calc_tax(total, &rates, false);
        let taxes: Vec<(u64, Decimal, Decimal)> = tot_taxes
            .iter()
            .zip(&sub_taxes[i])
            .map(|((id, t), (_, s))| (*id, *t, *s))
            .collect();
        lines.push(LineTotals {
            subtotal: subtotals[i],
            total,
            subtotal_tax: taxes.iter().map(|(_, _, s)| inp.round_line_tax(*s)).sum(),
            total_tax: taxes.iter().map(|(_, t, _)| inp.round_line_tax(*t)).sum(),
            taxes,
        });
    }

    // 4. Coupon lines: discount (excl. tax) and its tax.
    let coupons = inp
        .coupons
        .iter()
        .zip(&coupon_item_discounts)
        .map(|(_, per_item)| {
            let mut amount: Decimal = per_item.iter().sum::<Decimal>() / cents;
            let mut discount_tax = Decimal::ZERO;
            for (i, d) in per_item.iter().enumerate() {
                let line = &inp.lines[i];
                if !line.taxable || d.is_zero() {
                    continue;
                }
                let r = inp.customer_rates(&line.tax_class, true);
                let t: Decimal = calc_tax(*d / cents, &r, inp.prices_include_tax)
                    .iter()
                    .map(|(_, t)| *t)
                    .sum();
                let t = inp.round_line_tax(t);
                discount_tax += t;
                if inp.prices_include_tax {
                    amount -= t;
                }
            }
            CouponTotals {
                discount: amount,
                discount_tax,
            }
        })
        .collect();

    // 5. Shipping and fees.
    let ship_rates: Vec<&TaxRate> = inp
        .customer_rates("", true)
        .into_iter()
        .filter(|r| r.shipping)
        .collect();
    let shipping: Vec<ChargeTotals> = inp
        .shipping
        .iter()
        .map(|total| charge(inp, *total, &ship_rates))
        .collect();
    let fees: Vec<ChargeTotals> = inp
        .fees
        .iter()
        .map(|f| {
            if f.total < Decimal::ZERO && f.taxable && !inp.vat_exempt {
                negative_fee(inp, f.total, &lines)
            } else {
                charge(inp, f.total, &inp.customer_rates(&f.tax_class, f.taxable))
            }
        })
        .collect();

    // 6. Per-rate sums (`update_taxes`), in first-appearance order.
    let mut rate_order: Vec<u64> = Vec::new();
    let mut cart_taxes: Vec<(u64, Decimal)> = Vec::new();
    let mut ship_taxes: Vec<(u64, Decimal)> = Vec::new();
    let item_taxes = lines
        .iter()
        .flat_map(|l| l.taxes.iter().map(|(id, t, _)| (*id, *t)))
        .chain(fees.iter().flat_map(|f| f.taxes.iter().copied()));
    for (id, t) in item_taxes {
        add_to(&mut cart_taxes, id, inp.round_line_tax(t));
        if !rate_order.contains(&id) {
            rate_order.push(id);
        }
    }
    for (id, t) in shipping.iter().flat_map(|s| s.taxes.iter().copied()) {
        add_to(&mut ship_taxes, id, inp.round_line_tax(t));
        if !rate_order.contains(&id) {
            rate_order.push(id);
        }
    }
    let tax_lines = rate_order
        .iter()
        .filter_map(|id| {
            let rate = inp.rates.iter().find(|r| r.id == *id)?.clone();
            Some(RateTotals {
                rate,
                tax_total: get(&cart_taxes, *id),
                shipping_tax_total: get(&ship_taxes, *id),
            })
        })
        .collect();

    // 7. Order totals.
    let cart_subtotal: Decimal = lines.iter().map(|l| inp.round_item(l.subtotal)).sum();
    let cart_total: Decimal = lines.iter().map(|l| inp.round_item(l.total)).sum();
    // The discount's tax comes from the unrounded item taxes (021: 0.4918 → 0.49, not 2.62 − 2.12).
    let subtotal_tax: Decimal = lines
        .iter()
        .flat_map(|l| l.taxes.iter().map(|(_, _, s)| *s))
        .sum();
    let items_tax: Decimal = lines
        .iter()
        .flat_map(|l| l.taxes.iter().map(|(_, t, _)| *t))
        .sum();
    let fees_total: Decimal = fees.iter().map(|f| f.total).sum();
    let shipping_total = round_half_up(shipping.iter().map(|s| s.total).sum(), inp.decimals);
    let cart_tax: Decimal = cart_taxes.iter().map(|(_, t)| *t).sum();
    let shipping_tax: Decimal = ship_taxes.iter().map(|(_, t)| *t).sum();
    let total = round_half_up(
        cart_total + fees_total + shipping_total + cart_tax + shipping_tax,
        inp.decimals,
    );
    OrderTotals {
        lines,
        shipping,
        fees,
        coupons,
        tax_lines,
        discount_total: round_half_up(cart_subtotal - cart_total, inp.decimals),
        discount_tax: inp.round_tax(subtotal_tax - items_tax),
        shipping_total,
        shipping_tax,
        cart_tax,
        total_tax: inp.round_tax(cart_tax + shipping_tax),
        total,
    }
}

fn charge(inp: &TotalsInput<'_>, total: Decimal, rates: &[&TaxRate]) -> ChargeTotals {
    let taxes = calc_tax(total, rates, false);
    ChargeTotals {
        total,
        total_tax: taxes.iter().map(|(_, t)| inp.round_line_tax(*t)).sum(),
        taxes,
    }
}

/// `WC_Order_Item_Fee::calculate_taxes` for a negative fee: the fee is apportioned over the tax
/// classes by the order's positive costs (items after discount, positive fees, shipping in the
/// standard class, non-taxable items counted but untaxed) and taxed per class.
fn negative_fee(inp: &TotalsInput<'_>, total: Decimal, lines: &[LineTotals]) -> ChargeTotals {
    const NON_TAXABLE: &str = "\u{0}non-taxable";
    let mut costs: Vec<(String, Decimal)> = Vec::new();
    for (line, t) in inp.lines.iter().zip(lines) {
        let class = if line.taxable {
            normalise(&line.tax_class)
        } else {
            NON_TAXABLE.to_string()
        };
        add_cost(&mut costs, class, t.total);
    }
    for f in inp.fees.iter().filter(|f| f.total >= Decimal::ZERO) {
        let class = if f.taxable {
            normalise(&f.tax_class)
        } else {
            NON_TAXABLE.to_string()
        };
        add_cost(&mut costs, class, f.total);
    }
    for s in inp.shipping.iter().filter(|s| **s >= Decimal::ZERO) {
        add_cost(&mut costs, normalise(""), *s);
    }
    costs.retain(|(_, c)| !c.is_zero());
    let all: Decimal = costs.iter().map(|(_, c)| *c).sum();
    let mut taxes: Vec<(u64, Decimal)> = Vec::new();
    if !all.is_zero() {
        for (class, cost) in costs.iter().filter(|(c, _)| c != NON_TAXABLE) {
            let share = total * (*cost / all);
            for (id, t) in calc_tax(share, &inp.customer_rates(class, true), false) {
                add_to(&mut taxes, id, t);
            }
        }
    }
    ChargeTotals {
        total,
        total_tax: taxes.iter().map(|(_, t)| inp.round_line_tax(*t)).sum(),
        taxes,
    }
}

fn normalise(class: &str) -> String {
    super::tax::normalise_class(class)
}

fn add_cost(costs: &mut Vec<(String, Decimal)>, class: String, v: Decimal) {
    if v < Decimal::ZERO {
        return;
    }
    match costs.iter_mut().find(|(c, _)| *c == class) {
        Some((_, s)) => *s += v,
        None => costs.push((class, v)),
    }
}

fn add_to(sums: &mut Vec<(u64, Decimal)>, id: u64, v: Decimal) {
    match sums.iter_mut().find(|(i, _)| *i == id) {
        Some((_, s)) => *s += v,
        None => sums.push((id, v)),
    }
}

fn get(sums: &[(u64, Decimal)], id: u64) -> Decimal {
    sums.iter()
        .find(|(i, _)| *i == id)
        .map(|(_, v)| *v)
        .unwrap_or_default()
}

/// `WC_Discounts` on order items, in cents.
struct Discounts {
    /// Line prices in cents (price × quantity).
    prices: Vec<Decimal>,
    quantities: Vec<Decimal>,
    /// Total discount per item so far (all coupons).
    applied: Vec<Decimal>,
    /// Item indexes, largest price × quantity first (stable).
    sorted: Vec<usize>,
}

impl Discounts {
    fn new(prices: Vec<Decimal>, quantities: Vec<Decimal>) -> Self {
        let mut sorted: Vec<usize> = (0..prices.len()).collect();
        // `WC_Discounts::sort_by_price` weighs the line price by quantity once more.
        sorted.sort_by(|a, b| (prices[*b] * quantities[*b]).cmp(&(prices[*a] * quantities[*a])));
        Self {
            applied: vec![Decimal::ZERO; prices.len()],
            prices,
            quantities,
            sorted,
        }
    }

    fn item_total(&self, i: usize) -> Decimal {
        self.applied[i]
    }

    /// `get_discounted_price_in_cents`.
    fn discounted(&self, i: usize) -> Decimal {
        round_half_up(self.prices[i] - self.applied[i], 0).max(Decimal::ZERO)
    }

    /// Applies one coupon; returns its discount per item (cents).
    fn apply(&mut self, coupon: &CouponDef) -> Vec<Decimal> {
        let before = self.applied.clone();
        let amount_cents = round_half_up(coupon.amount * Decimal::ONE_HUNDRED, 4);
        let items: Vec<usize> = self
            .sorted
            .iter()
            .copied()
            .filter(|i| self.prices[*i] > Decimal::ZERO)
            .collect();
        match coupon.discount_type.as_str() {
            "percent" => self.percent(&items, coupon.amount),
            "fixed_product" => {
                self.fixed_product(&items, amount_cents);
            }
            _ => {
                self.fixed_cart(&items, amount_cents);
            }
        }
        self.applied
            .iter()
            .zip(before)
            .map(|(a, b)| *a - b)
            .collect()
    }

    fn percent(&mut self, items: &[usize], pct: Decimal) {
        let mut total = Decimal::ZERO;
        let mut cart_total = Decimal::ZERO;
        for &i in items {
            let discounted = self.discounted(i);
            let price = round_half_up(self.prices[i], 0);
            let d = (price * pct / Decimal::ONE_HUNDRED).floor().min(discounted);
            cart_total += price;
            total += d;
            self.applied[i] += d;
        }
        let cart_discount = round_half_up(cart_total * pct / Decimal::ONE_HUNDRED, 0);
        if total < cart_discount {
            self.remainder(items, cart_discount - total);
        }
    }

    fn fixed_product(&mut self, items: &[usize], per_unit: Decimal) -> Decimal {
        let mut total = Decimal::ZERO;
        for &i in items {
            let d = (per_unit * self.quantities[i]).min(self.discounted(i));
            total += d;
            self.applied[i] += d;
        }
        total
    }

    fn fixed_cart(&mut self, items: &[usize], amount: Decimal) -> Decimal {
        let count: Decimal = items.iter().map(|i| self.quantities[*i]).sum();
        if count.is_zero() || amount <= Decimal::ZERO {
            return Decimal::ZERO;
        }
        let per_unit = (amount / count).floor();
        if per_unit > Decimal::ZERO {
            let mut total = self.fixed_product(items, per_unit);
            if total > Decimal::ZERO && total < amount {
                total += self.fixed_cart(items, amount - total);
            }
            total
        } else {
            self.remainder(items, amount)
        }
    }

    /// `apply_coupon_remainder`: one cent per unit, most expensive item first.
    fn remainder(&mut self, items: &[usize], amount: Decimal) -> Decimal {
        let mut total = Decimal::ZERO;
        for &i in items {
            let mut unit = Decimal::ZERO;
            while unit < self.quantities[i] {
                let d = self.discounted(i).min(Decimal::ONE);
                total += d;
                self.applied[i] += d;
                if total >= amount {
                    return total;
                }
                unit += Decimal::ONE;
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn rate(id: u64, pct: Decimal, class: &str) -> TaxRate {
        TaxRate {
            id,
            country: "LV".into(),
            state: String::new(),
            postcodes: vec![],
            rate: pct,
            name: format!("PVN {pct}%"),
            priority: 1,
            compound: false,
            shipping: true,
            order: 0,
            class: class.into(),
        }
    }

    fn line(price: Decimal, class: &str) -> PricedLine {
        PricedLine {
            unit_price: price,
            quantity: Decimal::ONE,
            tax_class: class.into(),
            taxable: true,
            given_subtotal: None,
            given_total: None,
        }
    }

    #[test]
    fn negative_fee_tax_is_split_by_class_costs() {
        let rates = [
            rate(4, dec!(21), "standard"),
            rate(5, dec!(12), "reduced-rate"),
        ];
        let lv = Location {
            country: "LV".into(),
            ..Location::default()
        };
        let inp = TotalsInput {
            rates: &rates,
            location: lv.clone(),
            base_location: lv,
            prices_include_tax: false,
            round_at_subtotal: false,
            vat_exempt: false,
            decimals: 2,
            lines: vec![line(dec!(30), ""), line(dec!(10), "reduced-rate")],
            shipping: vec![],
            fees: vec![PricedFee {
                total: dec!(-4),
                tax_class: String::new(),
                taxable: true,
            }],
            coupons: vec![],
        };
        let t = compute(&inp);
        // 3/4 of -4.00 at 21 %, 1/4 at 12 %.
        assert_eq!(t.fees[0].taxes, vec![(4, dec!(-0.63)), (5, dec!(-0.12))]);
        assert_eq!(
            t.total,
            dec!(40) + dec!(6.30) + dec!(1.20) - dec!(4) - dec!(0.75)
        );
    }
}
