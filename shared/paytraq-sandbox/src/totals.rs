//! How the PayTraq sandbox computes a document's totals from its lines and
//! tax keys. This is the sandbox's rule, stated here exactly:
//!
//! 1. **Line amount** = round2(qty × price × (1 − discount% / 100)), rounded
//!    to cents half away from zero. With `IncludeTax = false` it is a net
//!    amount, with `IncludeTax = true` a gross (tax-inclusive) amount.
//!    A shipping charge is one more amount of its tax key.
//!    A document-level adjustment is one more amount of its key: a
//!    `charge` adds, a `discount` takes off; `amount` rows carry their
//!    money, `pct` rows round2(S × pct / 100) of the key's sum S of lines
//!    and shipping.
//! 2. **Per tax key** with a rate above 0, at document level, on the sum S
//!    of that key's line amounts (never per line); a key at 0 % (supply to
//!    the EU, "not subject to VAT") has no tax row, its amounts are
//!    `untaxed`:
//!    - tax exclusive: net = S, tax = round2(S × rate / 100), gross = net + tax;
//!    - tax inclusive: gross = S, tax = round2(S × rate / (100 + rate)),
//!      net = gross − tax.
//! 3. **Document**: net total = Σ net of the tax rows, tax total = Σ tax,
//!    total = Σ gross + untaxed (so `Totals/NetAmount` leaves untaxed
//!    amounts out, 0.00 with no tax row, as real replies show).
//!    `AmountDue` = total − payments received.
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

/// One document-level adjustment (see rule 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdjustmentInput {
    /// `true` for a `charge`, `false` for a `discount`.
    pub charge: bool,
    /// `true` for `pct` (value is a percent), `false` for `amount`.
    pub pct: bool,
    pub value: Decimal,
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
    /// Amounts on keys at 0 %: outside the tax rows, inside `total`.
    pub untaxed: Decimal,
    pub qty: Decimal,
}

/// Applies the rules of the module doc. `rates` maps tax key → percent;
/// an unknown key is an error naming it.
pub fn compute(
    lines: &[LineInput],
    shipping: Option<(Decimal, u64)>,
    adjustments: &[AdjustmentInput],
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
    // A pct adjustment is a percent of its key's lines and shipping.
    let mut adjusted = Vec::with_capacity(adjustments.len());
    for a in adjustments {
        let amount = if a.pct {
            let base: Decimal = amounts
                .iter()
                .filter(|(key, _)| *key == a.tax_key_id)
                .map(|(_, amount)| *amount)
                .sum();
            round_cents(base * a.value / hundred)
        } else {
            round_cents(a.value)
        };
        adjusted.push((a.tax_key_id, if a.charge { amount } else { -amount }));
    }
    amounts.extend(adjusted);
    // Per key: the sum of its amounts and (per-line rounding only) of its
    // line taxes; keys at 0 % are untaxed.
    let mut sums: BTreeMap<u64, (Decimal, Decimal)> = BTreeMap::new();
    let mut untaxed = Decimal::ZERO;
    for (key, amount) in amounts {
        let rate = *rates.get(&key).ok_or(key)?;
        if rate.is_zero() {
            untaxed += amount;
            continue;
        }
        let entry = sums.entry(key).or_default();
        entry.0 += amount;
        entry.1 += tax_of(amount, rate);
    }
    let mut taxes = Vec::with_capacity(sums.len());
    for (key, (sum, line_tax)) in sums {
        let rate = rates.get(&key).copied().unwrap_or_default();
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
    let total = taxes.iter().map(|t| t.gross).sum::<Decimal>() + untaxed;
    Ok(Totals {
        line_totals,
        taxes,
        net,
        tax,
        total,
        untaxed,
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
            &[],
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
            &[],
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
            &[],
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
        let per_key = compute(&lines, None, &[], &rates, false, TaxRounding::PerKey).unwrap();
        let per_line = compute(&lines, None, &[], &rates, false, TaxRounding::PerLine).unwrap();
        assert_eq!((per_key.tax, per_key.total), (dec!(0.08), dec!(0.38)));
        assert_eq!((per_line.tax, per_line.total), (dec!(0.09), dec!(0.39)));
        // Inclusive: 3 × 1.25 gross; per line 0.25 each, per key 3.75/1.25×0.25 = 0.75: equal here.
        let gross = [
            line(dec!(1), dec!(0.13), dec!(0), 1),
            line(dec!(1), dec!(0.13), dec!(0), 1),
            line(dec!(1), dec!(0.13), dec!(0), 1),
        ];
        // 0.13 × 25/125 = 0.026 → 0.03 per line (0.09); 0.39 × 0.2 = 0.078 → 0.08.
        let t = compute(&gross, None, &[], &rates, true, TaxRounding::PerLine).unwrap();
        assert_eq!(
            (t.tax, t.net, t.total),
            (dec!(0.09), dec!(0.30), dec!(0.39))
        );
    }

    /// As real replies: lines on a 0 % key make no tax row and leave
    /// `Totals/NetAmount` out, yet count in the total; a rounding charge on
    /// a key without VAT is outside the tax rows, inside the total; a pct
    /// discount on a VAT key is inside that key's base (15782670: 13.93
    /// less 3.49 % = 13.44).
    #[test]
    fn zero_rate_keys_and_adjustments_follow_real_replies() {
        let rates = BTreeMap::from([(1, dec!(21)), (2, dec!(0)), (3, dec!(0))]);
        let t = compute(
            &[line(dec!(720), dec!(0.7564), dec!(0), 2)],
            None,
            &[],
            &rates,
            true,
            TaxRounding::PerKey,
        )
        .unwrap();
        assert!(t.taxes.is_empty(), "{t:?}");
        assert_eq!(
            (t.net, t.total, t.untaxed),
            (dec!(0), dec!(544.61), dec!(544.61))
        );
        let charge = AdjustmentInput {
            charge: true,
            pct: false,
            value: dec!(0.01),
            tax_key_id: 3,
        };
        let t = compute(
            &[line(dec!(1), dec!(52.29), dec!(0), 1)],
            None,
            &[charge],
            &rates,
            true,
            TaxRounding::PerKey,
        )
        .unwrap();
        assert_eq!(t.taxes[0].gross, dec!(52.29));
        assert_eq!((t.tax, t.total), (dec!(9.08), dec!(52.30)));
        let discount = AdjustmentInput {
            charge: false,
            pct: true,
            value: dec!(3.49),
            tax_key_id: 1,
        };
        let t = compute(
            &[
                line(dec!(1), dec!(6.94), dec!(0), 1),
                line(dec!(1), dec!(6.99), dec!(0), 1),
            ],
            None,
            &[discount],
            &rates,
            true,
            TaxRounding::PerKey,
        )
        .unwrap();
        assert_eq!(
            (t.total, t.net, t.tax),
            (dec!(13.44), dec!(11.11), dec!(2.33))
        );
    }
}
