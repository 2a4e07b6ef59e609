//! Money helpers. Amounts are `rust_decimal::Decimal` everywhere; they are
//! stored and sent as strings, never as floats.

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to cents the way WooCommerce and PayTraq do (half away from zero).
pub fn round_cents(amount: Decimal) -> Decimal {
    round_to(amount, 2)
}

/// Rounds to `dp` decimals, half away from zero (PHP `round()`).
pub fn round_to(amount: Decimal, dp: u32) -> Decimal {
    amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Parses a WooCommerce/PayTraq money string; an empty string is zero.
pub fn parse(s: &str) -> Result<Decimal, rust_decimal::Error> {
    let t = s.trim();
    if t.is_empty() {
        Ok(Decimal::ZERO)
    } else {
        t.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_cents(dec!(0.125)), dec!(0.13));
        assert_eq!(round_cents(dec!(-0.125)), dec!(-0.13));
        assert_eq!(round_cents(dec!(2.0049)), dec!(2.00));
        assert_eq!(parse("").unwrap(), Decimal::ZERO);
        assert_eq!(parse(" 12.30 ").unwrap(), dec!(12.30));
    }
}
