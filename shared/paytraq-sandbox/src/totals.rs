//! How the PayTraq sandbox computes a document's totals from its lines and
//! tax keys. This is the sandbox's rule, stated here exactly:
//!
//! 1. **Line amount** = round2(qty × price × (1 − discount% / 100)), rounded
//!    to cents half away from zero. With `IncludeTax = false` it is a net
//!    amount, with `IncludeTax = true` a gross (tax-inclusive) amount.
//!    A shipping charge is one more amount of its tax key.
//! 2. **Per tax key**, at document level, on the sum S of that key's line
//!    amounts (never per line):
//!    - tax exclusive: net = S, tax = round2(S × rate / 100), gross = net + tax;
//!    - tax inclusive: gross = S, tax = round2(S × rate / (100 + rate)),
//!      net = gross − tax.
//! 3. **Document**: net total = Σ net, tax total = Σ tax, total = Σ gross
//!    (= net total + tax total). `AmountDue` = total − payments received.
//!
//! A company set to [`TaxRounding::PerLine`] (not PayTraq's documented
//! rule; a stand-in for arithmetic the channel did not foresee) computes
//! each line's tax by rule 2 on that line alone and sums them per key.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::state::TaxRounding;

/// One amount-bearing line of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineInput {
    pub qty: Decimal,
    pub price: Decimal,
    pub discount_pct: Decimal,
    pub tax_key_id: u64,
}

/// Tax of one tax key on the whole document.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaxRow {
    pub tax_key_id: u64,
    pub net: Decimal,
    pub tax: Decimal,
    pub gross: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    /// Rule 1 amount of each line, in input order.
    pub line_totals: Vec<Decimal>,
    pub taxes: Vec<TaxRow>,
    pub net: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    pub qty: Decimal,
}

/// Applies the rules of the module doc. `rates` maps tax key → percent;
/// an unknown key is an error naming it.
pub fn compute(
    lines: &[LineInput],
    shipping: Option<(Decimal, u64)>,
    rates: &BTreeMap<u64, Decimal>,
    include_tax: bool,
    rounding: TaxRounding,
) -> Result<Totals, u64> {
    let hundred = Decimal::ONE_HUNDRED;
    let tax_of = |amount: Decimal, rate: Decimal| {
        if include_tax {
            round_cents(amount * rate / (hundred + rate))
        } else {
            round_cents(amount * rate / hundred)
        }
    };
    let mut amounts: Vec<(u64, Decimal)> = Vec::with_capacity(lines.len() + 1);
    let mut line_totals = Vec::with_capacity(lines.len());
    for l in lines {
        let amount = round_cents(l.qty * l.price * (Decimal::ONE - l.discount_pct / hundred));
        line_totals.push(amount);
        amounts.push((l.tax_key_id, amount));
    }
    if let Some((amount, key)) = shipping {
        amounts.push((key, round_cents(amount)));
    }
    // Per key: the sum of its amounts and (per-line rounding only) of its line taxes.
    let mut sums: BTreeMap<u64, (Decimal, Decimal)> = BTreeMap::new();
    for (key, amount) in amounts {
        let rate = *rates.get(&key).ok_or(key)?;
        let entry = sums.entry(key).or_default();
        entry.0 += amount;
        entry.1 += tax_of(amount, rate);
    }
    let mut taxes = Vec::with_capacity(sums.len());
    for (key, (sum, line_tax)) in sums {
        let rate = rates[&key];
        let tax = match rounding {
            TaxRounding::PerKey => tax_of(sum, rate),
            TaxRounding::PerLine => line_tax,
        };
        let row = if include_tax {
            TaxRow {
                tax_key_id: key,
                net: sum - tax,
                tax,
                gross: sum,
            }
        } else {
            TaxRow {
                tax_key_id: key,
                net: sum,
                tax,
                gross: sum + tax,
            }
        };
        taxes.push(row);
    }
    let net = taxes.iter().map(|t| t.net).sum();
    let tax = taxes.iter().map(|t| t.tax).sum();
    let total = taxes.iter().map(|t| t.gross).sum();
    Ok(Totals {
        line_totals,
        taxes,
        net,
        tax,
        total,
        qty: lines.iter().map(|l| l.qty).sum(),
    })
}

/// Rounds to cents, half away from zero, as PayTraq does. Written here, not
/// borrowed from the channel: the sandbox is the independent truth the
/// channel's arithmetic is checked against.
fn round_cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn line(qty: Decimal, price: Decimal, discount_pct: Decimal, key: u64) -> LineInput {
        LineInput {
            qty,
            price,
            discount_pct,
            tax_key_id: key,
        }
    }

    #[test]
    fn tax_is_rounded_per_key_on_the_document_not_per_line() {
        let rates = BTreeMap::from([(1, dec!(21)), (2, dec!(12))]);
        // Three lines of 0.05 at 21%: per line 0.0105 → 0.01 each (0.03),
        // on the document 0.15 × 21% = 0.0315 → 0.03; and key 2.
        let lines = [
            line(dec!(1), dec!(0.05), dec!(0), 1),
            line(dec!(1), dec!(0.05), dec!(0), 1),
            line(dec!(1), dec!(0.05), dec!(0), 1),
            line(dec!(3), dec!(3.35), dec!(10), 2), // 9.045 → 9.05
        ];
        let t = compute(
            &lines,
            Some((dec!(4.99), 1)),
            &rates,
            false,
            TaxRounding::PerKey,
        )
        .unwrap();
        assert_eq!(t.line_totals[3], dec!(9.05));
        // key 1: 0.15 + 4.99 = 5.14 → tax 1.0794 → 1.08
        assert_eq!(
            t.taxes[0],
            TaxRow {
                tax_key_id: 1,
                net: dec!(5.14),
                tax: dec!(1.08),
                gross: dec!(6.22)
            }
        );
        // key 2: 9.05 × 12% = 1.086 → 1.09
        assert_eq!(
            t.taxes[1],
            TaxRow {
                tax_key_id: 2,
                net: dec!(9.05),
                tax: dec!(1.09),
                gross: dec!(10.14)
            }
        );
        assert_eq!(t.total, dec!(16.36));
        assert_eq!(t.net + t.tax, t.total);
    }

    #[test]
    fn inclusive_prices_split_tax_out_of_the_gross() {
        let rates = BTreeMap::from([(1, dec!(21))]);
        let t = compute(
            &[line(dec!(2), dec!(12.10), dec!(0), 1)],
            None,
            &rates,
            true,
            TaxRounding::PerKey,
        )
        .unwrap();
        assert_eq!(t.total, dec!(24.20));
        assert_eq!(t.tax, dec!(4.20));
        assert_eq!(t.net, dec!(20.00));
    }

    #[test]
    fn unknown_tax_key_is_reported() {
        let t = compute(
            &[line(dec!(1), dec!(1), dec!(0), 9)],
            None,
            &BTreeMap::new(),
            false,
            TaxRounding::PerKey,
        );
        assert_eq!(t, Err(9));
    }

    #[test]
    fn a_per_line_company_rounds_each_line_tax() {
        let rates = BTreeMap::from([(1, dec!(25))]);
        // Three lines of 0.10 at 25%: per key 0.30 × 25% = 0.075 → 0.08;
        // per line 0.025 → 0.03 each, 0.09.
        let lines = [
            line(dec!(1), dec!(0.10), dec!(0), 1),
            line(dec!(1), dec!(0.10), dec!(0), 1),
            line(dec!(1), dec!(0.10), dec!(0), 1),
        ];
        let per_key = compute(&lines, None, &rates, false, TaxRounding::PerKey).unwrap();
        let per_line = compute(&lines, None, &rates, false, TaxRounding::PerLine).unwrap();
        assert_eq!((per_key.tax, per_key.total), (dec!(0.08), dec!(0.38)));
        assert_eq!((per_line.tax, per_line.total), (dec!(0.09), dec!(0.39)));
        // Inclusive: 3 × 1.25 gross; per line 0.25 each, per key 3.75/1.25×0.25 = 0.75: equal here.
        let gross = [
            line(dec!(1), dec!(0.13), dec!(0), 1),
            line(dec!(1), dec!(0.13), dec!(0), 1),
            line(dec!(1), dec!(0.13), dec!(0), 1),
        ];
        // 0.13 × 25/125 = 0.026 → 0.03 per line (0.09); 0.39 × 0.2 = 0.078 → 0.08.
        let t = compute(&gross, None, &rates, true, TaxRounding::PerLine).unwrap();
        assert_eq!(
            (t.tax, t.net, t.total),
            (dec!(0.09), dec!(0.30), dec!(0.39))
        );
    }
}
