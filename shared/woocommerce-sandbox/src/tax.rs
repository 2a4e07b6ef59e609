//! Tax rates and `WC_Tax::calc_tax`: rate matching for a location and class, exclusive and inclusive
//! tax amounts kept to 6 decimals (`WC_Tax::round`).

use super::money::{parse_value, round_precise};
use rust_decimal::Decimal;
use serde_json::Value;

/// A tax rate as the sandbox computes with it (parsed from the `/taxes` JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct TaxRate {
    pub id: u64,
    pub country: String,
    pub state: String,
    pub postcodes: Vec<String>,
    pub rate: Decimal,
    pub name: String,
    pub priority: i64,
    pub compound: bool,
    pub shipping: bool,
    pub order: i64,
    pub class: String,
}

impl TaxRate {
    /// Reads a rate from its REST JSON; `None` when a required field is missing or malformed.
    pub fn from_json(v: &Value) -> Option<Self> {
        Some(Self {
            id: v.get("id")?.as_u64()?,
            country: str_field(v, "country").to_uppercase(),
            state: str_field(v, "state").to_uppercase(),
            postcodes: v
                .get("postcodes")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_uppercase)
                        .collect()
                })
                .unwrap_or_default(),
            rate: parse_value(v.get("rate")?)?,
            name: str_field(v, "name"),
            priority: v.get("priority").and_then(Value::as_i64).unwrap_or(1),
            compound: v.get("compound").and_then(Value::as_bool).unwrap_or(false),
            shipping: v.get("shipping").and_then(Value::as_bool).unwrap_or(true),
            order: v.get("order").and_then(Value::as_i64).unwrap_or(0),
            class: normalise_class(&str_field(v, "class")),
        })
    }

    /// `WC_Tax::get_rate_code`: `COUNTRY-STATE-NAME-PRIORITY`, upper case, empty parts dropped.
    pub fn rate_code(&self) -> String {
        let prio = self.priority.to_string();
        let name = self.name.to_uppercase();
        [
            self.country.as_str(),
            self.state.as_str(),
            name.as_str(),
            prio.as_str(),
        ]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("-")
    }
}

fn str_field(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// `""` and `"standard"` are the same class.
pub fn normalise_class(class: &str) -> String {
    if class.is_empty() {
        "standard".to_string()
    } else {
        class.to_string()
    }
}

/// Where tax is calculated (the billing address, as the shop is configured).
#[derive(Debug, Clone, Default)]
pub struct Location {
    pub country: String,
    pub state: String,
    pub postcode: String,
}

/// `WC_Tax::find_rates`: the matching rates of a class, one per priority.
pub fn find_rates<'a>(rates: &'a [TaxRate], class: &str, loc: &Location) -> Vec<&'a TaxRate> {
    let class = normalise_class(class);
    let country = loc.country.to_uppercase();
    let state = loc.state.to_uppercase();
    let postcode = loc.postcode.to_uppercase();
    let mut found: Vec<&TaxRate> = rates
        .iter()
        .filter(|r| r.class == class)
        .filter(|r| r.country.is_empty() || r.country == country)
        .filter(|r| r.state.is_empty() || r.state == state)
        .filter(|r| r.postcodes.is_empty() || r.postcodes.contains(&postcode))
        .collect();
    // More specific rates first, then the admin order.
    found.sort_by_key(|r| {
        (
            r.priority,
            r.country.is_empty(),
            r.state.is_empty(),
            r.order,
            r.id,
        )
    });
    let mut seen = Vec::new();
    found.retain(|r| {
        if seen.contains(&r.priority) {
            false
        } else {
            seen.push(r.priority);
            true
        }
    });
    found
}

/// `WC_Tax::calc_tax`: tax per rate id for `price`, each kept to 6 decimals.
pub fn calc_tax(price: Decimal, rates: &[&TaxRate], inclusive: bool) -> Vec<(u64, Decimal)> {
    let hundred = Decimal::ONE_HUNDRED;
    if inclusive {
        let regular: Decimal = rates.iter().filter(|r| !r.compound).map(|r| r.rate).sum();
        let compound: Decimal = rates.iter().filter(|r| r.compound).map(|r| r.rate).sum();
        let regular_rate = Decimal::ONE + regular / hundred;
        let compound_rate = Decimal::ONE + compound / hundred;
        let non_compound_price = price / compound_rate;
        rates
            .iter()
            .map(|r| {
                let tax = if r.compound {
                    let the_rate = r.rate / hundred;
                    price - price / (Decimal::ONE + the_rate)
                } else {
                    (r.rate / hundred) / regular_rate * non_compound_price
                };
                (r.id, round_precise(tax))
            })
            .collect()
    } else {
        let mut pre_compound = Decimal::ZERO;
        let mut out = Vec::with_capacity(rates.len());
        for r in rates.iter().filter(|r| !r.compound) {
            let tax = price * r.rate / hundred;
            pre_compound += tax;
            out.push((r.id, tax));
        }
        for r in rates.iter().filter(|r| r.compound) {
            out.push((r.id, (price + pre_compound) * r.rate / hundred));
        }
        // Keep the caller's rate order.
        rates
            .iter()
            .filter_map(|r| out.iter().find(|(id, _)| *id == r.id))
            .map(|(id, t)| (*id, round_precise(*t)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn lv21() -> TaxRate {
        TaxRate {
            id: 4,
            country: "LV".into(),
            state: String::new(),
            postcodes: vec![],
            rate: dec!(21),
            name: "PVN 21%".into(),
            priority: 1,
            compound: false,
            shipping: true,
            order: 0,
            class: "standard".into(),
        }
    }

    #[test]
    fn inclusive_and_exclusive_tax() {
        let r = lv21();
        assert_eq!(
            calc_tax(dec!(19.99), &[&r], true),
            vec![(4, dec!(3.469339))]
        );
        assert_eq!(calc_tax(dec!(33.33), &[&r], false), vec![(4, dec!(6.9993))]);
        assert_eq!(r.rate_code(), "LV-PVN 21%-1");
    }
}
