//! What a PayTraq sandbox company starts with, written as JSON: the seed
//! format of `local sandbox --paytraq-seed FILE` and `local serve --sandbox
//! paytraq --paytraq-seed FILE`, with an example in
//! `shared/paytraq-sandbox/seed.example.json` (the demo shop's company).
//!
//! ```json
//! {
//!   "warehouses":     [{"name": "Galvenā noliktava"}],
//!   "price_groups":   [{"name": "Interneta veikals", "currency": "EUR",
//!                       "prices": {"LV-S21-0099": {"incl_tax": "1.21", "excl_tax": "1.00"}}}],
//!   "tax_keys":       [{"name": "PVN 21%", "rate": "21"}],
//!   "money_accounts": [{"name": "Merchant account: bacs", "currency": "EUR"}],
//!   "products":       [{"code": "LV-S21-0099", "name": "Pildspalva",
//!                       "price": {"gross": "1.21", "tax_rate": "21"},
//!                       "stock": {"Galvenā noliktava": "500"}}],
//!   "clients":        [{"name": "SIA Piemērs", "email": "birojs@piemers.lv"}]
//! }
//! ```
//!
//! Every list may be left out (empty). Amounts and rates are decimals,
//! written as strings (`"21"`, `"1.21"`) or numbers. A product's `price` is
//! its default sale price (tax-inclusive `gross` and its VAT % `tax_rate`),
//! `stock` its on-hand quantity per warehouse name; a price group's `prices`
//! go by product code. Warehouse names and product codes are unique, since
//! they are what the other entries refer to. Unknown fields are refused.
//!
//! The seed is checked as a whole before anything is created, then applied
//! through the company's `add_*` calls in the order of the format above
//! (warehouses, price groups, tax keys, money accounts, products with their
//! prices and stock, price-group prices, clients), so the ids are assigned
//! as the sandbox always assigns them, counting up from 1001.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::SandboxCompany;

/// The demo shop's company: the seed `local` uses when given none.
pub const EXAMPLE: &str = include_str!("../seed.example.json");

/// Why a seed could not be read or applied. Every variant names where the
/// seed came from and, when it is about one entry, the field (`products[3].stock`).
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read the PayTraq seed {origin}: {source}")]
    Read {
        origin: String,
        source: std::io::Error,
    },
    #[error("the PayTraq seed {origin} is not valid: at `{field}`: {reason}")]
    Format {
        origin: String,
        field: String,
        reason: String,
    },
}

/// A whole company's seed (see the module documentation for the format).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warehouses: Vec<WarehouseSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_groups: Vec<PriceGroupSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tax_keys: Vec<TaxKeySeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub money_accounts: Vec<MoneyAccountSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<ProductSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<ClientSeed>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseSeed {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceGroupSeed {
    pub name: String,
    pub currency: String,
    /// Product code → its prices in this group.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prices: BTreeMap<String, GroupPriceSeed>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupPriceSeed {
    pub incl_tax: Decimal,
    pub excl_tax: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxKeySeed {
    pub name: String,
    /// VAT percentage (`21` for 21 %).
    pub rate: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoneyAccountSeed {
    pub name: String,
    pub currency: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductSeed {
    pub code: String,
    pub name: String,
    /// Default sale price, shown as `Product/Price`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<ProductPriceSeed>,
    /// Warehouse name → on-hand quantity.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stock: BTreeMap<String, Decimal>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductPriceSeed {
    /// Tax-inclusive price.
    pub gross: Decimal,
    pub tax_rate: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSeed {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The ids the sandbox gave a seed's entries, in the seed's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    pub warehouses: Vec<u64>,
    pub price_groups: Vec<u64>,
    pub tax_keys: Vec<u64>,
    pub money_accounts: Vec<u64>,
    pub products: Vec<u64>,
    pub clients: Vec<u64>,
}

impl Seed {
    /// The example company (`seed.example.json`, the demo shop's).
    pub fn example() -> Result<Self, SeedError> {
        Self::from_json(EXAMPLE, "seed.example.json")
    }

    /// Reads and checks a seed file.
    pub fn from_file(path: &Path) -> Result<Self, SeedError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
            origin: origin.clone(),
            source,
        })?;
        Self::from_json(&text, &origin)
    }

    /// Parses and checks a seed; `origin` (a file name) goes into errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, SeedError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let seed: Seed = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let field = e.path().to_string();
            SeedError::Format {
                origin: origin.to_owned(),
                field: if field == "." {
                    "(top level)".into()
                } else {
                    field
                },
                reason: e.into_inner().to_string(),
            }
        })?;
        seed.check(origin)?;
        Ok(seed)
    }

    /// What the references and names need: non-empty names and codes,
    /// unique warehouse names and product codes, stock in known warehouses,
    /// group prices of known products, no negative rates.
    fn check(&self, origin: &str) -> Result<(), SeedError> {
        let bad = |field: String, reason: &str| SeedError::Format {
            origin: origin.to_owned(),
            field,
            reason: reason.to_owned(),
        };
        let mut warehouses = BTreeSet::new();
        for (i, w) in self.warehouses.iter().enumerate() {
            if w.name.trim().is_empty() {
                return Err(bad(format!("warehouses[{i}].name"), "must not be empty"));
            }
            if !warehouses.insert(w.name.as_str()) {
                return Err(bad(
                    format!("warehouses[{i}].name"),
                    "another warehouse has this name",
                ));
            }
        }
        let mut codes = BTreeSet::new();
        for (i, p) in self.products.iter().enumerate() {
            if p.code.trim().is_empty() {
                return Err(bad(format!("products[{i}].code"), "must not be empty"));
            }
            if !codes.insert(p.code.as_str()) {
                return Err(bad(
                    format!("products[{i}].code"),
                    "another product has this code",
                ));
            }
            if let Some(w) = p.stock.keys().find(|w| !warehouses.contains(w.as_str())) {
                return Err(bad(
                    format!("products[{i}].stock.{w}"),
                    "no warehouse of this name in `warehouses`",
                ));
            }
        }
        for (i, g) in self.price_groups.iter().enumerate() {
            if let Some(code) = g.prices.keys().find(|c| !codes.contains(c.as_str())) {
                return Err(bad(
                    format!("price_groups[{i}].prices.{code}"),
                    "no product with this code in `products`",
                ));
            }
        }
        for (i, t) in self.tax_keys.iter().enumerate() {
            if t.rate.is_sign_negative() {
                return Err(bad(format!("tax_keys[{i}].rate"), "must not be negative"));
            }
        }
        Ok(())
    }

    /// Creates everything in `company`, in the order of the module
    /// documentation; returns the ids given.
    pub fn apply(&self, company: &SandboxCompany) -> Seeded {
        let mut seeded = Seeded::default();
        let mut warehouse_ids = BTreeMap::new();
        for w in &self.warehouses {
            let id = company.add_warehouse(&w.name);
            warehouse_ids.insert(w.name.as_str(), id);
            seeded.warehouses.push(id);
        }
        for g in &self.price_groups {
            seeded
                .price_groups
                .push(company.add_price_group(&g.name, &g.currency));
        }
        for t in &self.tax_keys {
            seeded.tax_keys.push(company.add_tax_key(&t.name, t.rate));
        }
        for a in &self.money_accounts {
            seeded
                .money_accounts
                .push(company.add_money_account(&a.name, &a.currency));
        }
        let mut item_ids = BTreeMap::new();
        for p in &self.products {
            let id = company.add_product(&p.code, &p.name);
            if let Some(price) = p.price {
                company.set_product_price(id, price.gross, price.tax_rate);
            }
            for (warehouse, qty) in &p.stock {
                // `check` made sure every warehouse named here exists.
                if let Some(w) = warehouse_ids.get(warehouse.as_str()) {
                    company.set_stock(*w, id, *qty);
                }
            }
            item_ids.insert(p.code.as_str(), id);
            seeded.products.push(id);
        }
        for (g, group_id) in self.price_groups.iter().zip(&seeded.price_groups) {
            for (code, price) in &g.prices {
                if let Some(item) = item_ids.get(code.as_str()) {
                    company.set_price(*group_id, *item, price.incl_tax, price.excl_tax);
                }
            }
        }
        for c in &self.clients {
            seeded
                .clients
                .push(company.add_client(&c.name, c.email.as_deref()));
        }
        seeded
    }

    /// One line saying what the seed holds, e.g. for a start-up message.
    pub fn summary(&self) -> String {
        let prices: usize = self.price_groups.iter().map(|g| g.prices.len()).sum();
        format!(
            "{} warehouses, {} price groups ({prices} prices), {} tax keys, {} money accounts, {} products, {} clients",
            self.warehouses.len(),
            self.price_groups.len(),
            self.tax_keys.len(),
            self.money_accounts.len(),
            self.products.len(),
            self.clients.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_error(text: &str) -> (String, String, String) {
        match Seed::from_json(text, "my-seed.json") {
            Err(SeedError::Format {
                origin,
                field,
                reason,
            }) => (origin, field, reason),
            other => panic!("expected a format error, got {other:?}"),
        }
    }

    #[test]
    fn an_unknown_field_is_refused_naming_the_file_and_the_field() {
        let (origin, field, reason) =
            format_error(r#"{"warehouses": [{"name": "A", "city": "Rīga"}]}"#);
        assert_eq!(origin, "my-seed.json");
        assert_eq!(field, "warehouses[0].city");
        assert!(reason.contains("unknown field `city`"), "{reason}");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused_naming_the_field() {
        let (_, field, reason) = format_error(r#"{"tax_keys": [{"name": "PVN", "rate": true}]}"#);
        assert_eq!(field, "tax_keys[0].rate");
        assert!(reason.contains("invalid type"), "{reason}");
    }

    #[test]
    fn stock_in_a_warehouse_the_seed_does_not_have_is_refused() {
        let (_, field, reason) = format_error(
            r#"{"warehouses": [{"name": "A"}],
                "products": [{"code": "X", "name": "x", "stock": {"B": "1"}}]}"#,
        );
        assert_eq!(field, "products[0].stock.B");
        assert!(reason.contains("no warehouse"), "{reason}");
    }

    #[test]
    fn a_group_price_of_an_unknown_product_and_a_repeated_code_are_refused() {
        let (_, field, _) = format_error(
            r#"{"price_groups": [{"name": "G", "currency": "EUR",
                 "prices": {"NOPE": {"incl_tax": "1", "excl_tax": "1"}}}]}"#,
        );
        assert_eq!(field, "price_groups[0].prices.NOPE");
        let (_, field, _) = format_error(
            r#"{"products": [{"code": "X", "name": "a"}, {"code": "X", "name": "b"}]}"#,
        );
        assert_eq!(field, "products[1].code");
    }

    #[test]
    fn the_example_seed_reads_and_has_a_mappable_company() {
        let seed = Seed::example().expect("the example seed");
        assert!(!seed.warehouses.is_empty());
        assert!(!seed.price_groups.is_empty());
        assert!(seed.tax_keys.iter().any(|t| t.rate.is_zero()));
        assert!(!seed.money_accounts.is_empty());
        assert!(seed.products.iter().any(|p| p.code == "WC-FEE"));
    }
}
