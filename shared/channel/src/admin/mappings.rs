//! Tax and payment mappings: reading a mapping from a request body (field
//! by field), and the check that lists what is missing on either side —
//! every tax rate and every enabled payment method of the shop that is not
//! mapped, and every mapped target (tax key, money account, warehouse,
//! price group) PayTraq does not know.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::FieldErrors;
use crate::model::{Channel, GatewayId, MoneyAccountId, TaxKeyId, TaxRateId};
use crate::paytraq::model::{MoneyAccount, TaxKey, Warehouse};
use crate::processing::document::UNTAXED_RATE;
use crate::woocommerce::catalog::{PaymentGateway, TaxRate};

/// Most entries a mapping may have.
pub const MAX_ENTRIES: usize = 500;

/// `{"<tax rate id>": "<tax key id>", ...}` → the channel's tax map.
pub fn tax_map(obj: &Map<String, Value>) -> Result<BTreeMap<TaxRateId, TaxKeyId>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut map = BTreeMap::new();
    if obj.len() > MAX_ENTRIES {
        errors.add("body", format!("at most {MAX_ENTRIES} entries"));
    }
    for (key, value) in obj {
        let Ok(rate_id) = key.parse::<TaxRateId>() else {
            errors.add(
                key.clone(),
                "keys must be WooCommerce tax rate ids (digits)",
            );
            continue;
        };
        match target(value) {
            Some(id) => {
                map.insert(rate_id, id);
            }
            None => errors.add(
                key.clone(),
                "must be a PayTraq tax key id (digits, as a string)",
            ),
        }
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(errors)
    }
}

/// `{"<payment method id>": "<money account id>", ...}` → the channel's payment map.
pub fn payment_map(
    obj: &Map<String, Value>,
) -> Result<BTreeMap<GatewayId, MoneyAccountId>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut map = BTreeMap::new();
    if obj.len() > MAX_ENTRIES {
        errors.add("body", format!("at most {MAX_ENTRIES} entries"));
    }
    for (key, value) in obj {
        let Ok(method) = key.parse::<GatewayId>() else {
            errors.add(
                key.clone(),
                "keys must be WooCommerce payment method ids (letters, digits, _ and -)",
            );
            continue;
        };
        match target(value) {
            Some(id) => {
                map.insert(method, id);
            }
            None => errors.add(
                key.clone(),
                "must be a PayTraq money account id (digits, as a string)",
            ),
        }
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(errors)
    }
}

/// A PayTraq id given as a string of digits or as a number.
fn target<T>(value: &Value) -> Option<T>
where
    T: std::str::FromStr + TryFrom<u64>,
{
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| T::try_from(n).ok()),
        _ => None,
    }
}

/// A shop tax rate without a mapping.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct UnmappedTaxRate {
    pub id: u64,
    pub name: String,
    pub rate: Decimal,
    pub country: String,
    pub class: String,
}

/// An enabled shop payment method without a mapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct UnmappedPaymentMethod {
    pub id: String,
    pub title: String,
}

/// A mapping entry whose PayTraq target does not exist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct UnknownTarget {
    /// The WooCommerce side (tax rate id, payment method id) or the setting name.
    pub source: String,
    /// The PayTraq id PayTraq does not know.
    pub target: String,
}

/// The result of `GET .../mappings/check`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
pub struct MappingCheck {
    /// True when nothing below needs attention.
    pub complete: bool,
    pub unmapped_tax_rates: Vec<UnmappedTaxRate>,
    pub unmapped_payment_methods: Vec<UnmappedPaymentMethod>,
    pub unknown_tax_keys: Vec<UnknownTarget>,
    pub unknown_money_accounts: Vec<UnknownTarget>,
    pub unknown_settings_targets: Vec<UnknownTarget>,
    /// Mapped tax rates that no longer exist in the shop (harmless, listed for clean-up).
    /// Entry `0`, the key of lines that carry no tax rate, is the channel's own: never stale.
    pub stale_tax_rates: Vec<u64>,
    /// Warnings (not counted against `complete`): a shop rate mapped to a
    /// PayTraq tax key whose rate differs. The key's rate is its `TaxRate`
    /// when PayTraq gives one, else the rate in its name (`PVN 21%`).
    pub tax_rate_mismatches: Vec<TaxRateMismatch>,
    /// Mapped PayTraq tax keys with no rate to compare (none given, none in
    /// the name): the mapping is taken as the operator's word.
    pub tax_keys_without_rate: Vec<UnknownTarget>,
}

/// A shop tax rate mapped to a PayTraq tax key of another rate.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct TaxRateMismatch {
    pub tax_rate_id: u64,
    /// The shop's rate, percent.
    pub shop_rate: Decimal,
    pub tax_key_id: u64,
    pub tax_key_name: String,
    /// The PayTraq key's rate, percent.
    pub key_rate: Decimal,
}

/// What PayTraq knows, for the check.
#[derive(Clone, Debug, Default)]
pub struct PaytraqTargets {
    pub tax_keys: Vec<TaxKey>,
    pub money_accounts: Vec<MoneyAccount>,
    pub warehouses: Vec<Warehouse>,
}

/// Compares the channel's mappings with the shop and PayTraq.
pub fn check(
    channel: &Channel,
    taxes: &[TaxRate],
    gateways: &[PaymentGateway],
    pt: &PaytraqTargets,
) -> MappingCheck {
    let tax_keys: BTreeSet<u64> = pt.tax_keys.iter().map(|k| k.tax_key_id).collect();
    let accounts: BTreeSet<u64> = pt
        .money_accounts
        .iter()
        .map(|a| a.money_account_id)
        .collect();
    let warehouses: BTreeSet<u64> = pt.warehouses.iter().map(|w| w.warehouse_id).collect();
    let shop_rates: BTreeSet<u64> = taxes.iter().map(|t| t.id).collect();

    let mut out = MappingCheck {
        unmapped_tax_rates: taxes
            .iter()
            .filter(|t| !channel.tax_map.contains_key(&t.id))
            .map(|t| UnmappedTaxRate {
                id: t.id,
                name: t.name.clone(),
                rate: t.rate,
                country: t.country.clone(),
                class: t.class.clone(),
            })
            .collect(),
        unmapped_payment_methods: gateways
            .iter()
            .filter(|g| g.enabled && !channel.payment_map.contains_key(g.id.as_str()))
            .map(|g| UnmappedPaymentMethod {
                id: g.id.clone(),
                title: g.title.clone(),
            })
            .collect(),
        unknown_tax_keys: channel
            .tax_map
            .iter()
            .filter(|(_, key)| !tax_keys.contains(&key.get()))
            .map(|(rate, key)| UnknownTarget {
                source: rate.to_string(),
                target: key.to_string(),
            })
            .collect(),
        unknown_money_accounts: channel
            .payment_map
            .iter()
            .filter(|(_, account)| !accounts.contains(&account.get()))
            .map(|(method, account)| UnknownTarget {
                source: method.to_string(),
                target: account.to_string(),
            })
            .collect(),
        stale_tax_rates: channel
            .tax_map
            .keys()
            .map(|id| id.get())
            .filter(|id| *id != UNTAXED_RATE && !shop_rates.contains(id))
            .collect(),
        ..Default::default()
    };
    for (rate_id, key_id) in &channel.tax_map {
        let Some(key) = pt.tax_keys.iter().find(|k| k.tax_key_id == key_id.get()) else {
            continue;
        };
        let shop_rate = match rate_id.get() {
            UNTAXED_RATE => Some(Decimal::ZERO),
            id => taxes.iter().find(|t| t.id == id).map(|t| t.rate),
        };
        match (shop_rate, key.percent()) {
            (Some(shop_rate), Some(key_rate)) if shop_rate != key_rate => {
                out.tax_rate_mismatches.push(TaxRateMismatch {
                    tax_rate_id: rate_id.get(),
                    shop_rate,
                    tax_key_id: key.tax_key_id,
                    tax_key_name: key.name.clone(),
                    key_rate,
                })
            }
            (Some(_), None) => out.tax_keys_without_rate.push(UnknownTarget {
                source: rate_id.to_string(),
                target: format!("{} ({})", key.tax_key_id, key.name),
            }),
            _ => {}
        }
    }
    if let Some(w) = channel.settings.warehouse_id {
        if !warehouses.contains(&w.get()) {
            out.unknown_settings_targets.push(UnknownTarget {
                source: "warehouse_id".into(),
                target: w.to_string(),
            });
        }
    }
    out.complete = out.unmapped_tax_rates.is_empty()
        && out.unmapped_payment_methods.is_empty()
        && out.unknown_tax_keys.is_empty()
        && out.unknown_money_accounts.is_empty()
        && out.unknown_settings_targets.is_empty();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChannelState;
    use chrono::Utc;
    use serde_json::json;

    fn channel() -> Channel {
        Channel {
            state: ChannelState::Active,
            webhooks: vec![],
            timeline: vec![],
            created_at: Utc::now(),
            updated_at: Utc::now(),
            ..Channel::new("c", "n", "https://shop.example.lv")
        }
    }

    fn id<T: std::str::FromStr>(text: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        text.parse().unwrap()
    }

    fn rate(id: u64, name: &str) -> TaxRate {
        TaxRate {
            id,
            name: name.into(),
            rate: Decimal::new(21, 0),
            country: "LV".into(),
            class: "standard".into(),
            ..Default::default()
        }
    }

    fn gateway(id: &str, enabled: bool) -> PaymentGateway {
        PaymentGateway {
            id: id.into(),
            title: id.to_uppercase(),
            enabled,
            ..Default::default()
        }
    }

    #[test]
    fn check_lists_unmapped_and_unknown_targets() {
        let mut ch = channel();
        ch.tax_map.insert(id("1"), id("100"));
        ch.tax_map.insert(id("3"), id("999"));
        ch.payment_map.insert(id("bacs"), id("500"));
        ch.payment_map.insert(id("cod"), id("777"));
        ch.settings.warehouse_id = Some(id("42"));
        let pt = PaytraqTargets {
            tax_keys: vec![TaxKey {
                tax_key_id: 100,
                name: "PVN 21%".into(),
                rate: None,
            }],
            money_accounts: vec![MoneyAccount {
                money_account_id: 500,
                name: "Bank".into(),
                currency: None,
            }],
            warehouses: vec![Warehouse {
                warehouse_id: 1,
                name: "Main".into(),
            }],
        };
        let result = check(
            &ch,
            &[rate(1, "PVN"), rate(2, "Reduced")],
            &[
                gateway("bacs", true),
                gateway("paypal", true),
                gateway("cheque", false),
            ],
            &pt,
        );
        assert!(!result.complete);
        assert_eq!(
            result
                .unmapped_tax_rates
                .iter()
                .map(|t| t.id)
                .collect::<Vec<_>>(),
            [2]
        );
        assert_eq!(
            result
                .unmapped_payment_methods
                .iter()
                .map(|g| g.id.as_str())
                .collect::<Vec<_>>(),
            ["paypal"]
        );
        assert_eq!(
            result.unknown_tax_keys,
            [UnknownTarget {
                source: "3".into(),
                target: "999".into()
            }]
        );
        assert_eq!(
            result.unknown_money_accounts,
            [UnknownTarget {
                source: "cod".into(),
                target: "777".into()
            }]
        );
        assert_eq!(result.unknown_settings_targets[0].source, "warehouse_id");
        assert_eq!(result.stale_tax_rates, [3]);
    }

    #[test]
    fn check_is_complete_when_everything_maps() {
        let mut ch = channel();
        ch.tax_map.insert(id("1"), id("100"));
        // Entry 0 (lines without a tax rate) is the channel's own: not stale.
        ch.tax_map.insert(id("0"), id("100"));
        ch.payment_map.insert(id("bacs"), id("500"));
        let pt = PaytraqTargets {
            tax_keys: vec![TaxKey {
                tax_key_id: 100,
                name: "PVN".into(),
                rate: None,
            }],
            money_accounts: vec![MoneyAccount {
                money_account_id: 500,
                name: "Bank".into(),
                currency: None,
            }],
            warehouses: vec![],
        };
        let result = check(
            &ch,
            &[rate(1, "PVN")],
            &[gateway("bacs", true), gateway("cod", false)],
            &pt,
        );
        assert!(result.complete, "{result:?}");
        assert_eq!(result.stale_tax_rates, Vec::<u64>::new());
    }

    #[test]
    fn a_rate_mapped_to_a_key_of_another_rate_is_a_warning_named_by_the_key() {
        let mut ch = channel();
        ch.tax_map.insert(id("1"), id("100")); // 21% → PVN 21%: fine
        ch.tax_map.insert(id("2"), id("101")); // 21% → PVN 12% (rate from the name)
        ch.tax_map.insert(id("0"), id("102")); // untaxed → a key with TaxRate 21
        ch.tax_map.insert(id("4"), id("103")); // 21% → a key with no rate anywhere
        let key = |tax_key_id, name: &str, rate| TaxKey {
            tax_key_id,
            name: name.into(),
            rate,
        };
        let pt = PaytraqTargets {
            tax_keys: vec![
                key(100, "PVN 21%", None),
                key(101, "PVN 12%", None),
                key(102, "Neapliekams", Some(Decimal::new(21, 0))),
                key(103, "uz ES piegādātās preces", None),
            ],
            ..Default::default()
        };
        let result = check(&ch, &[rate(1, "A"), rate(2, "B"), rate(4, "C")], &[], &pt);
        let mismatches: Vec<(u64, u64, String)> = result
            .tax_rate_mismatches
            .iter()
            .map(|m| {
                (
                    m.tax_rate_id,
                    m.tax_key_id,
                    format!("{} ≠ {}", m.shop_rate, m.key_rate),
                )
            })
            .collect();
        assert_eq!(
            mismatches,
            [
                (0, 102, "0 ≠ 21".to_string()),
                (2, 101, "21 ≠ 12".to_string())
            ]
        );
        assert_eq!(result.tax_keys_without_rate.len(), 1);
        assert_eq!(result.tax_keys_without_rate[0].source, "4");
        assert!(result.complete, "warnings only: {result:?}");
    }

    #[test]
    fn mapping_bodies_are_validated_per_entry() {
        let ok = tax_map(json!({"1": "100", "2": 200}).as_object().unwrap()).unwrap();
        assert_eq!(ok.get(&2u64).map(|k| k.get()), Some(200));
        let errors = tax_map(
            json!({"x": "100", "3": "abc", "4": true})
                .as_object()
                .unwrap(),
        )
        .unwrap_err();
        assert_eq!(errors.0.keys().collect::<Vec<_>>(), ["3", "4", "x"]);
        let ok = payment_map(json!({"bacs": "5", "stripe_cc": "6"}).as_object().unwrap()).unwrap();
        assert_eq!(ok.len(), 2);
        let errors =
            payment_map(json!({"bad key": "5", "cod": ""}).as_object().unwrap()).unwrap_err();
        assert_eq!(errors.0.keys().collect::<Vec<_>>(), ["bad key", "cod"]);
    }
}
