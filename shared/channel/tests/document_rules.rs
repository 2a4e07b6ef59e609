//! The rules of `processing::document`, one table row per rule: a small
//! WooCommerce order (JSON, read by the channel's own parser) and channel
//! settings → the document lines, the header, or the problems that refuse
//! it. Further tables cover `explain_mismatch`, `rounding_line`,
//! `money_account` and `fee_code`. Pure functions: no HTTP, milliseconds.
//!
//! Each table's test runs every row and lists every row that disagrees.
//! Every priced row is also checked with PayTraq's arithmetic (line total =
//! round2(qty × price), tax per key on the key's sum, half away from zero):
//! the document's total must be the order's.

use std::collections::{BTreeMap, HashMap};

use channel::model::{Channel, DocumentType, Operation};
use channel::paytraq::model::{
    NewSale, NewSaleLine, Operation as PtOperation, Sale, SaleLine, SaleTax, SaleType,
    ShippingCharge, TaxKeyRef, TaxKeyWire,
};
use channel::processing::document::{
    build, cents, explain_mismatch, fee_code, money_account, our_reference, rounding_line,
    BuildProblem, BuildProblems, UNTAXED_RATE,
};
use channel::woocommerce::order::{parse_order, Order};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use testkit::fixtures::id;

// ---- the channel and the shop ----------------------------------------------

/// PayTraq tax keys: deliberately not the WooCommerce rate ids.
const KEY_21: u64 = 121;
const KEY_12: u64 = 112;
const KEY_0: u64 = 100;
const KEY_UNTAXED: u64 = 199;
/// PayTraq items: SKU `A` → 11, `B` → 12, the fee product `WC-FEE` → 99.
const ITEM_A: u64 = 11;
const ITEM_B: u64 = 12;
const ITEM_FEE: u64 = 99;
const CLIENT_ID: u64 = 4242;

/// WooCommerce rates 4 (21%), 5 (12%), 7 (0%) and untaxed lines mapped;
/// rate 6 (5%) deliberately not. `bacs` mapped to money account 901.
fn channel() -> Channel {
    let mut ch = Channel::new("lv-shop", "Rules shop", "https://shop.example.lv");
    ch.tax_map = BTreeMap::from([
        (id(UNTAXED_RATE), id(KEY_UNTAXED)),
        (id(4), id(KEY_21)),
        (id(5), id(KEY_12)),
        (id(7), id(KEY_0)),
    ]);
    ch.payment_map = BTreeMap::from([("bacs".parse().unwrap(), id(901))]);
    ch.settings.add_payment = true;
    ch.settings.fee_item_code = Some("WC-FEE".into());
    ch
}

fn items() -> HashMap<String, u64> {
    HashMap::from([
        ("A".to_string(), ITEM_A),
        ("B".to_string(), ITEM_B),
        ("WC-FEE".to_string(), ITEM_FEE),
    ])
}

/// PayTraq's percent of each key of [`channel`].
fn percent(key: u64) -> Decimal {
    match key {
        KEY_21 => dec!(21),
        KEY_12 => dec!(12),
        _ => Decimal::ZERO,
    }
}

// ---- order snippets ----------------------------------------------------------

/// A paid bank-transfer order #1077 (id 77) placed late on 28 Nov 2026 GMT,
/// with `fields` over it.
fn order(fields: Value) -> Value {
    let mut base = json!({
        "id": 77, "number": "1077", "currency": "EUR", "status": "processing",
        "prices_include_tax": false,
        "date_created_gmt": "2026-11-28T23:30:00",
        "date_paid_gmt": "2026-11-28T23:31:00",
        "payment_method": "bacs",
    });
    base.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    base
}

/// The tax of one line at one WooCommerce rate (`rate` `None`: no rate at all).
fn taxes(rate: Option<u64>, tax: &str) -> Value {
    match rate {
        Some(id) => json!([{ "id": id, "total": tax, "subtotal": tax }]),
        None => json!([]),
    }
}

/// A product line: `total` and `tax` after coupons, for all `qty` units.
fn item(name: &str, sku: &str, qty: u32, total: &str, tax: &str, rate: Option<u64>) -> Value {
    json!({
        "name": name, "sku": sku, "quantity": qty,
        "subtotal": total, "subtotal_tax": tax, "total": total, "total_tax": tax,
        "taxes": taxes(rate, tax),
    })
}

fn shipping(title: &str, total: &str, tax: &str, rate: Option<u64>) -> Value {
    json!({ "method_title": title, "method_id": "flat_rate", "total": total, "total_tax": tax,
            "taxes": taxes(rate, tax) })
}

fn fee(name: &str, total: &str, tax: &str, rate: Option<u64>) -> Value {
    let status = if rate.is_some() { "taxable" } else { "none" };
    json!({ "name": name, "tax_status": status, "total": total, "total_tax": tax,
            "taxes": taxes(rate, tax) })
}

/// One `tax_lines` entry: items + fees tax and shipping tax of a rate.
fn tax_line(rate: u64, percent: u32, tax: &str, shipping_tax: &str) -> Value {
    json!({ "rate_id": rate, "rate_percent": percent, "tax_total": tax,
            "shipping_tax_total": shipping_tax })
}

fn parse(order: &Value) -> Order {
    parse_order(&serde_json::to_vec(order).unwrap()).unwrap()
}

// ---- expectations --------------------------------------------------------------

/// A document line as the builder should write it.
fn line(item: Option<u64>, name: &str, qty: Decimal, price: Decimal, key: u64) -> NewSaleLine {
    NewSaleLine {
        item_id: item,
        item_code: None,
        description: Some(name.into()),
        quantity: qty,
        unit_price: price,
        discount_percent: Decimal::ZERO,
        tax_key_id: key,
    }
}

fn ship(amount: Decimal, key: u64) -> Option<ShippingCharge> {
    Some(ShippingCharge {
        amount,
        tax_key: TaxKeyRef { tax_key_id: key },
    })
}

/// The header fields a row can state.
#[derive(Debug, PartialEq)]
struct Header {
    date: NaiveDate,
    our_reference: String,
    comment: Option<String>,
    sale_type: SaleType,
    operation: PtOperation,
    warehouse_id: Option<u64>,
    client_id: u64,
    currency: String,
}

impl Header {
    /// The header of the default channel's document for order 77.
    fn of_order_77() -> Self {
        Self {
            date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            our_reference: "lv-shop/77".into(),
            comment: Some("WooCommerce order #1077".into()),
            sale_type: SaleType::SalesInvoice,
            operation: PtOperation::SellGoods,
            warehouse_id: None,
            client_id: CLIENT_ID,
            currency: "EUR".into(),
        }
    }

    fn of(sale: &NewSale) -> Self {
        Self {
            date: sale.document_date,
            our_reference: sale.our_reference.clone(),
            comment: sale.comment.clone(),
            sale_type: sale.sale_type,
            operation: sale.operation,
            warehouse_id: sale.warehouse_id,
            client_id: sale.client_id,
            currency: sale.currency.clone(),
        }
    }
}

enum Expect {
    /// `IncludeTax`, the lines in order, the shipping charge.
    Priced(bool, Vec<NewSaleLine>, Option<ShippingCharge>),
    /// Refused with exactly these problems, in this order.
    Refused(Vec<BuildProblem>),
    /// Built, with this header.
    Header(Header),
}

/// Changes a row makes to the default [`channel`].
type Settings = fn(&mut Channel);

struct Rule {
    rule: &'static str,
    settings: Settings,
    order: Value,
    expect: Expect,
}

fn defaults(_: &mut Channel) {}

fn round2(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// PayTraq's total of a document (see the module doc).
fn paytraq_total(sale: &NewSale) -> Decimal {
    let mut sums: BTreeMap<u64, Decimal> = BTreeMap::new();
    for l in &sale.lines {
        *sums.entry(l.tax_key_id).or_default() += round2(
            l.quantity * l.unit_price * (Decimal::ONE - l.discount_percent / Decimal::ONE_HUNDRED),
        );
    }
    if let Some(s) = &sale.shipping_charge {
        *sums.entry(s.tax_key.tax_key_id).or_default() += round2(s.amount);
    }
    sums.into_iter()
        .map(|(key, sum)| {
            let rate = percent(key);
            if sale.include_tax {
                sum
            } else {
                sum + round2(sum * rate / Decimal::ONE_HUNDRED)
            }
        })
        .sum()
}

// ---- the rules of build -------------------------------------------------------

fn build_rules() -> Vec<Rule> {
    let one = Decimal::ONE;
    let a_line = || item("A", "A", 1, "10.00", "2.10", Some(4));
    let a_doc = || line(Some(ITEM_A), "A", one, dec!(10.00), KEY_21);
    vec![
        // -- net vs gross --
        Rule {
            rule: "net prices when PayTraq's tax per key is WooCommerce's",
            settings: defaults,
            order: order(json!({
                "total": "24.19",
                "line_items": [item("A", "A", 1, "19.99", "4.20", Some(4))],
                "tax_lines": [tax_line(4, 21, "4.20", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![line(Some(ITEM_A), "A", one, dec!(19.99), KEY_21)],
                None,
            ),
        },
        // PayTraq: 74.47 × 21% = 15.6387 → 15.64; WooCommerce charged 15.65.
        Rule {
            rule: "gross prices when PayTraq would round the key's tax differently (case 003)",
            settings: defaults,
            order: order(json!({
                "total": "90.12",
                "line_items": [
                    item("A 0.99", "A", 1, "0.99", "0.21", Some(4)),
                    item("A 1.33", "A", 1, "1.33", "0.28", Some(4)),
                    item("A 2.50", "A", 1, "2.50", "0.53", Some(4)),
                    item("A 9.95", "A", 7, "69.65", "14.63", Some(4)),
                ],
                "tax_lines": [tax_line(4, 21, "15.65", "0.00")],
            })),
            expect: Expect::Priced(
                true,
                vec![
                    line(Some(ITEM_A), "A 0.99", one, dec!(1.20), KEY_21),
                    line(Some(ITEM_A), "A 1.33", one, dec!(1.61), KEY_21),
                    line(Some(ITEM_A), "A 2.50", one, dec!(3.03), KEY_21),
                    line(Some(ITEM_A), "A 9.95", dec!(7), dec!(12.04), KEY_21),
                ],
                None,
            ),
        },
        // Round at subtotal: the lines' taxes add up to 15.65, the rate's to 15.64.
        Rule {
            rule: "WooCommerce's per-rate tax is the target, not its line taxes (case 047)",
            settings: defaults,
            order: order(json!({
                "total": "90.11",
                "line_items": [
                    item("A 0.99", "A", 1, "0.99", "0.21", Some(4)),
                    item("A 1.33", "A", 1, "1.33", "0.28", Some(4)),
                    item("A 2.50", "A", 1, "2.50", "0.53", Some(4)),
                    item("A 9.95", "A", 7, "69.65", "14.63", Some(4)),
                ],
                "tax_lines": [tax_line(4, 21, "15.64", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![
                    line(Some(ITEM_A), "A 0.99", one, dec!(0.99), KEY_21),
                    line(Some(ITEM_A), "A 1.33", one, dec!(1.33), KEY_21),
                    line(Some(ITEM_A), "A 2.50", one, dec!(2.50), KEY_21),
                    line(Some(ITEM_A), "A 9.95", dec!(7), dec!(9.95), KEY_21),
                ],
                None,
            ),
        },
        // The tax mode follows the arithmetic, not `prices_include_tax`.
        Rule {
            rule: "prices incl. tax in the shop: a net document all the same (case 033)",
            settings: defaults,
            order: order(json!({
                "prices_include_tax": true,
                "total": "19.99",
                "line_items": [item("A", "A", 1, "16.52", "3.47", Some(4))],
                "tax_lines": [tax_line(4, 21, "3.47", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![line(Some(ITEM_A), "A", one, dec!(16.52), KEY_21)],
                None,
            ),
        },
        // B (1 unit, 1.21) takes it before the larger A (3 units, 36.30).
        Rule {
            rule: "gross: a key's cent goes to its largest single-unit line",
            settings: defaults,
            order: order(json!({
                "total": "37.52",
                "line_items": [
                    item("A", "A", 3, "30.00", "6.30", Some(4)),
                    item("B", "B", 1, "1.00", "0.21", Some(4)),
                ],
                "tax_lines": [tax_line(4, 21, "6.52", "0.00")],
            })),
            expect: Expect::Priced(
                true,
                vec![
                    line(Some(ITEM_A), "A", dec!(3), dec!(12.10), KEY_21),
                    line(Some(ITEM_B), "B", one, dec!(1.22), KEY_21),
                ],
                None,
            ),
        },
        // Shipping 4.24 is the largest single unit; WooCommerce's rate has 0.73 on it.
        Rule {
            rule: "gross: shipping is a single unit and can take the key's cent",
            settings: defaults,
            order: order(json!({
                "total": "6.65",
                "line_items": [item("A", "A", 2, "2.00", "0.42", Some(4))],
                "shipping_lines": [shipping("Kurjers", "3.50", "0.74", Some(4))],
                "tax_lines": [tax_line(4, 21, "0.42", "0.73")],
            })),
            expect: Expect::Priced(
                true,
                vec![line(Some(ITEM_A), "A", dec!(2), dec!(1.21), KEY_21)],
                ship(dec!(4.23), KEY_21),
            ),
        },
        // 11.63 − 10.31 net − 1.33 tax lines = −0.01, on 12% (net 9.31 > 1.00).
        Rule {
            rule: "tax lines short of the total: the residual goes to the most net (case 049)",
            settings: defaults,
            order: order(json!({
                "total": "11.63",
                "line_items": [
                    item("A", "A", 1, "1.00", "0.21", Some(4)),
                    item("B", "B", 7, "9.31", "1.12", Some(5)),
                ],
                "tax_lines": [tax_line(4, 21, "0.21", "0.00"), tax_line(5, 12, "1.12", "0.00")],
            })),
            expect: Expect::Priced(
                true,
                vec![
                    line(Some(ITEM_A), "A", one, dec!(1.21), KEY_21),
                    line(Some(ITEM_B), "B", dec!(7), dec!(1.488571), KEY_12),
                ],
                None,
            ),
        },
        // -- unit prices --
        Rule {
            rule: "unit price: amount / quantity exactly when it divides to at most 4 decimals",
            settings: defaults,
            order: order(json!({
                "total": "2.00",
                "line_items": [
                    item("A", "A", 16, "1.00", "0", None),
                    item("B", "B", 8, "1.00", "0", None),
                ],
            })),
            expect: Expect::Priced(
                false,
                vec![
                    line(Some(ITEM_A), "A", dec!(16), dec!(0.0625), KEY_UNTAXED),
                    line(Some(ITEM_B), "B", dec!(8), dec!(0.125), KEY_UNTAXED),
                ],
                None,
            ),
        },
        // PayTraq's round2(qty × price) then gives the amount back.
        Rule {
            rule: "unit price: else rounded to 6 decimals",
            settings: defaults,
            order: order(json!({
                "total": "11.00",
                "line_items": [
                    item("A", "A", 3, "10.00", "0", None),
                    item("B", "B", 7, "1.00", "0", None),
                ],
            })),
            expect: Expect::Priced(
                false,
                vec![
                    line(Some(ITEM_A), "A", dec!(3), dec!(3.333333), KEY_UNTAXED),
                    line(Some(ITEM_B), "B", dec!(7), dec!(0.142857), KEY_UNTAXED),
                ],
                None,
            ),
        },
        // -- discounts --
        Rule {
            rule: "coupons: the line's total after coupons is its price, no discount %",
            settings: defaults,
            order: order(json!({
                "total": "21.78",
                "discount_total": "2.00", "discount_tax": "0.42",
                "line_items": [{
                    "name": "A", "sku": "A", "quantity": 2,
                    "subtotal": "20.00", "subtotal_tax": "4.20",
                    "total": "18.00", "total_tax": "3.78",
                    "taxes": [{ "id": 4, "total": "3.78", "subtotal": "4.20" }],
                }],
                "coupon_lines": [{ "code": "lv10", "discount": "2", "discount_tax": "0.42" }],
                "tax_lines": [tax_line(4, 21, "3.78", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![line(Some(ITEM_A), "A", dec!(2), dec!(9.00), KEY_21)],
                None,
            ),
        },
        // -- shipping --
        Rule {
            rule: "taxed shipping becomes the document's shipping charge on its rate's key",
            settings: defaults,
            order: order(json!({
                "total": "16.34",
                "line_items": [a_line()],
                "shipping_lines": [shipping("Kurjers", "3.50", "0.74", Some(4))],
                "tax_lines": [tax_line(4, 21, "2.10", "0.74")],
            })),
            expect: Expect::Priced(false, vec![a_doc()], ship(dec!(3.50), KEY_21)),
        },
        Rule {
            rule: "untaxed shipping (VAT-exempt order) is charged on the untaxed key",
            settings: defaults,
            order: order(json!({
                "total": "17.99",
                "line_items": [item("A", "A", 1, "10.00", "0.00", None)],
                "shipping_lines": [shipping("Kurjers", "7.99", "0.00", None)],
            })),
            expect: Expect::Priced(
                false,
                vec![line(Some(ITEM_A), "A", one, dec!(10.00), KEY_UNTAXED)],
                ship(dec!(7.99), KEY_UNTAXED),
            ),
        },
        Rule {
            rule: "free shipping adds no shipping charge",
            settings: defaults,
            order: order(json!({
                "total": "12.10",
                "line_items": [a_line()],
                "shipping_lines": [shipping("Bezmaksas", "0.00", "0.00", Some(4))],
                "tax_lines": [tax_line(4, 21, "2.10", "0.00")],
            })),
            expect: Expect::Priced(false, vec![a_doc()], None),
        },
        Rule {
            rule: "several shipping lines of one rate are one charge of their sum",
            settings: defaults,
            order: order(json!({
                "total": "15.73",
                "line_items": [a_line()],
                "shipping_lines": [
                    shipping("Kurjers", "2.00", "0.42", Some(4)),
                    shipping("Apdrošināta piegāde", "1.00", "0.21", Some(4)),
                ],
                "tax_lines": [tax_line(4, 21, "2.10", "0.63")],
            })),
            expect: Expect::Priced(false, vec![a_doc()], ship(dec!(3.00), KEY_21)),
        },
        Rule {
            rule: "shipping lines of different rates are refused",
            settings: defaults,
            order: order(json!({
                "total": "15.52",
                "line_items": [a_line()],
                "shipping_lines": [
                    shipping("Kurjers", "2.00", "0.42", Some(4)),
                    shipping("Pasts", "1.00", "0.00", None),
                ],
                "tax_lines": [tax_line(4, 21, "2.10", "0.42")],
            })),
            expect: Expect::Refused(vec![BuildProblem::MixedShippingRates]),
        },
        // -- fees --
        Rule {
            rule: "a taxable fee is one unit of the fee product on its rate's key",
            settings: defaults,
            order: order(json!({
                "total": "13.92",
                "line_items": [a_line()],
                "fee_lines": [fee("Iepakojums", "1.50", "0.32", Some(4))],
                "tax_lines": [tax_line(4, 21, "2.42", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![
                    a_doc(),
                    line(Some(ITEM_FEE), "Iepakojums", one, dec!(1.50), KEY_21),
                ],
                None,
            ),
        },
        Rule {
            rule: "a non-taxable fee is on the untaxed key",
            settings: defaults,
            order: order(json!({
                "total": "13.09",
                "line_items": [a_line()],
                "fee_lines": [fee("Apdrošināšana", "0.99", "0.00", None)],
                "tax_lines": [tax_line(4, 21, "2.10", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![
                    a_doc(),
                    line(
                        Some(ITEM_FEE),
                        "Apdrošināšana",
                        one,
                        dec!(0.99),
                        KEY_UNTAXED,
                    ),
                ],
                None,
            ),
        },
        Rule {
            rule: "a negative fee is a negative line of the fee product",
            settings: defaults,
            order: order(json!({
                "total": "10.89",
                "line_items": [a_line()],
                "fee_lines": [fee("Atlaide", "-1.00", "-0.21", Some(4))],
                "tax_lines": [tax_line(4, 21, "1.89", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![
                    a_doc(),
                    line(Some(ITEM_FEE), "Atlaide", one, dec!(-1.00), KEY_21),
                ],
                None,
            ),
        },
        // WooCommerce splits a negative fee over the cart's tax classes in
        // proportion to their cost and taxes each share at its rate
        // (WC_Cart_Totals::get_fees_from_cart; fixture README note 8).
        Rule {
            rule: "a negative fee over two rates is one fee line per rate, net = tax ÷ rate",
            settings: defaults,
            order: order(json!({
                // A 10.00 at 21%, B 5.00 at 12%; the fee −3.00 splits 2:1.
                "total": "14.16",
                "line_items": [a_line(), item("B", "B", 1, "5.00", "0.60", Some(5))],
                "fee_lines": [{
                    "name": "Atlaide", "tax_status": "taxable",
                    "total": "-3.00", "total_tax": "-0.54",
                    "taxes": [{ "id": 4, "total": "-0.42", "subtotal": "" },
                              { "id": 5, "total": "-0.12", "subtotal": "" }],
                }],
                "tax_lines": [tax_line(4, 21, "1.68", "0.00"), tax_line(5, 12, "0.48", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![
                    a_doc(),
                    line(Some(ITEM_B), "B", one, dec!(5.00), KEY_12),
                    line(Some(ITEM_FEE), "Atlaide (21%)", one, dec!(-2.00), KEY_21),
                    line(Some(ITEM_FEE), "Atlaide (12%)", one, dec!(-1.00), KEY_12),
                ],
                None,
            ),
        },
        Rule {
            rule: "a negative fee's unrounded per-rate taxes keep WooCommerce's totals to the cent",
            settings: defaults,
            order: order(json!({
                // A 10.00 at 21%, B 3.33 at 12%; the fee −1.00: shares 0.750188 and 0.249812.
                "total": "14.64",
                "line_items": [a_line(), item("B", "B", 1, "3.33", "0.40", Some(5))],
                "fee_lines": [{
                    "name": "Atlaide", "tax_status": "taxable",
                    "total": "-1.00", "total_tax": "-0.19",
                    "taxes": [{ "id": 4, "total": "-0.157539", "subtotal": "" },
                              { "id": 5, "total": "-0.029977", "subtotal": "" }],
                }],
                "tax_lines": [tax_line(4, 21, "1.94", "0.00"), tax_line(5, 12, "0.37", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![
                    a_doc(),
                    line(Some(ITEM_B), "B", one, dec!(3.33), KEY_12),
                    line(Some(ITEM_FEE), "Atlaide (21%)", one, dec!(-0.75), KEY_21),
                    line(Some(ITEM_FEE), "Atlaide (12%)", one, dec!(-0.25), KEY_12),
                ],
                None,
            ),
        },
        Rule {
            rule: "a negative fee's non-taxable share goes on a 0% rate it names",
            settings: defaults,
            order: order(json!({
                // A 10.00 at 21%, B 5.00 at 12%, C 5.00 at 0%; the fee −4.00 splits 2:1:1.
                "total": "18.16",
                "line_items": [a_line(), item("B", "B", 1, "5.00", "0.60", Some(5)),
                               item("B", "B", 1, "5.00", "0.00", Some(7))],
                "fee_lines": [{
                    "name": "Atlaide", "tax_status": "taxable",
                    "total": "-4.00", "total_tax": "-0.54",
                    "taxes": [{ "id": 4, "total": "-0.42", "subtotal": "" },
                              { "id": 5, "total": "-0.12", "subtotal": "" },
                              { "id": 7, "total": "0", "subtotal": "" }],
                }],
                "tax_lines": [tax_line(4, 21, "1.68", "0.00"), tax_line(5, 12, "0.48", "0.00"),
                              tax_line(7, 0, "0.00", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![
                    a_doc(),
                    line(Some(ITEM_B), "B", one, dec!(5.00), KEY_12),
                    line(Some(ITEM_B), "B", one, dec!(5.00), KEY_0),
                    line(Some(ITEM_FEE), "Atlaide (21%)", one, dec!(-2.00), KEY_21),
                    line(Some(ITEM_FEE), "Atlaide (12%)", one, dec!(-1.00), KEY_12),
                    line(Some(ITEM_FEE), "Atlaide (0%)", one, dec!(-1.00), KEY_0),
                ],
                None,
            ),
        },
        Rule {
            rule: "a negative fee over a rate that is not mapped is refused for that rate alone",
            settings: defaults,
            order: order(json!({
                // Rate 6 (5%) is deliberately unmapped.
                "total": "14.21",
                "line_items": [a_line(), item("B", "B", 1, "5.00", "0.25", Some(6))],
                "fee_lines": [{
                    "name": "Atlaide", "tax_status": "taxable",
                    "total": "-3.00", "total_tax": "-0.47",
                    "taxes": [{ "id": 4, "total": "-0.42", "subtotal": "" },
                              { "id": 6, "total": "-0.05", "subtotal": "" }],
                }],
                "tax_lines": [tax_line(4, 21, "1.68", "0.00"), tax_line(6, 5, "0.20", "0.00")],
            })),
            expect: Expect::Refused(vec![BuildProblem::UnmappedTaxRate(6)]),
        },
        Rule {
            rule: "a negative fee over rates whose percentages the order lacks is refused with the reason",
            settings: defaults,
            order: order(json!({
                "total": "14.16",
                "line_items": [a_line(), item("B", "B", 1, "5.00", "0.60", Some(5))],
                "fee_lines": [{
                    "name": "Atlaide", "tax_status": "taxable",
                    "total": "-3.00", "total_tax": "-0.54",
                    "taxes": [{ "id": 4, "total": "-0.42", "subtotal": "" },
                              { "id": 5, "total": "-0.12", "subtotal": "" }],
                }],
                "tax_lines": [{ "rate_id": 4, "tax_total": "1.68", "shipping_tax_total": "0.00" },
                              { "rate_id": 5, "tax_total": "0.48", "shipping_tax_total": "0.00" }],
            })),
            expect: Expect::Refused(vec![BuildProblem::FeeRatesUnknown("Atlaide".into())]),
        },
        Rule {
            rule: "a fee needs the fee product setting",
            settings: |ch| ch.settings.fee_item_code = None,
            order: order(json!({
                "total": "13.92",
                "line_items": [a_line()],
                "fee_lines": [fee("Iepakojums", "1.50", "0.32", Some(4))],
                "tax_lines": [tax_line(4, 21, "2.42", "0.00")],
            })),
            expect: Expect::Refused(vec![BuildProblem::NoFeeProduct("Iepakojums".into())]),
        },
        Rule {
            rule: "a blank fee product setting is no fee product",
            settings: |ch| ch.settings.fee_item_code = Some("  ".into()),
            order: order(json!({
                "total": "13.92",
                "line_items": [a_line()],
                "fee_lines": [fee("Iepakojums", "1.50", "0.32", Some(4))],
                "tax_lines": [tax_line(4, 21, "2.42", "0.00")],
            })),
            expect: Expect::Refused(vec![BuildProblem::NoFeeProduct("Iepakojums".into())]),
        },
        Rule {
            rule: "the fee product must be a PayTraq product code",
            settings: |ch| ch.settings.fee_item_code = Some("WC-GONE".into()),
            order: order(json!({
                "total": "13.92",
                "line_items": [a_line()],
                "fee_lines": [fee("Iepakojums", "1.50", "0.32", Some(4))],
                "tax_lines": [tax_line(4, 21, "2.42", "0.00")],
            })),
            expect: Expect::Refused(vec![BuildProblem::UnknownSku("WC-GONE".into())]),
        },
        // -- tax rates and keys --
        Rule {
            rule: "a line without any tax rate is on tax map entry 0 (untaxed)",
            settings: defaults,
            order: order(json!({
                "total": "5.00",
                "line_items": [item("A", "A", 2, "5.00", "0.00", None)],
            })),
            expect: Expect::Priced(
                false,
                vec![line(Some(ITEM_A), "A", dec!(2), dec!(2.50), KEY_UNTAXED)],
                None,
            ),
        },
        Rule {
            rule: "untaxed lines need tax map entry 0",
            settings: |ch| {
                ch.tax_map.remove(&UNTAXED_RATE);
            },
            order: order(json!({
                "total": "5.00",
                "line_items": [item("A", "A", 2, "5.00", "0.00", None)],
            })),
            expect: Expect::Refused(vec![BuildProblem::UnmappedUntaxed]),
        },
        Rule {
            rule: "a listed zero rate is that rate's key, not the untaxed key (case 007)",
            settings: defaults,
            order: order(json!({
                "total": "18.99",
                "line_items": [item("A", "A", 1, "18.99", "0", Some(7))],
                "tax_lines": [tax_line(7, 0, "0.00", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![line(Some(ITEM_A), "A", one, dec!(18.99), KEY_0)],
                None,
            ),
        },
        Rule {
            rule: "the one rate charged is the line's rate, beside a listed zero rate",
            settings: defaults,
            order: order(json!({
                "total": "12.10",
                "line_items": [{
                    "name": "A", "sku": "A", "quantity": 1, "total": "10.00", "total_tax": "2.10",
                    "taxes": [{ "id": 7, "total": "0" }, { "id": 4, "total": "2.1" }],
                }],
                "tax_lines": [tax_line(7, 0, "0.00", "0.00"), tax_line(4, 21, "2.10", "0.00")],
            })),
            expect: Expect::Priced(false, vec![a_doc()], None),
        },
        Rule {
            rule: "a WooCommerce rate missing from the tax map is refused",
            settings: defaults,
            order: order(json!({
                "total": "10.50",
                "line_items": [item("A", "A", 1, "10.00", "0.50", Some(6))],
                "tax_lines": [tax_line(6, 5, "0.50", "0.00")],
            })),
            expect: Expect::Refused(vec![BuildProblem::UnmappedTaxRate(6)]),
        },
        Rule {
            rule: "a line charged at two rates (compound tax) is refused",
            settings: defaults,
            order: order(json!({
                "total": "13.30",
                "line_items": [{
                    "name": "A", "sku": "A", "quantity": 1, "total": "10.00", "total_tax": "3.30",
                    "taxes": [{ "id": 4, "total": "2.1" }, { "id": 5, "total": "1.2" }],
                }],
                "tax_lines": [tax_line(4, 21, "2.10", "0.00"), tax_line(5, 12, "1.20", "0.00")],
            })),
            expect: Expect::Refused(vec![BuildProblem::SeveralRates("A".into())]),
        },
        // -- products --
        Rule {
            rule: "a product line needs a SKU",
            settings: defaults,
            order: order(json!({
                "total": "12.10",
                "line_items": [item("Dāvanu karte", "", 1, "10.00", "2.10", Some(4))],
                "tax_lines": [tax_line(4, 21, "2.10", "0.00")],
            })),
            expect: Expect::Refused(vec![BuildProblem::MissingSku("Dāvanu karte".into())]),
        },
        Rule {
            rule: "the SKU must be a PayTraq product code (compared trimmed)",
            settings: defaults,
            order: order(json!({
                "total": "24.20",
                "line_items": [
                    item("A", " A ", 1, "10.00", "2.10", Some(4)),
                    item("Z", "ZZZ", 1, "10.00", "2.10", Some(4)),
                ],
                "tax_lines": [tax_line(4, 21, "4.20", "0.00")],
            })),
            expect: Expect::Refused(vec![BuildProblem::UnknownSku("ZZZ".into())]),
        },
        Rule {
            rule: "a zero quantity is refused",
            settings: defaults,
            order: order(json!({
                "total": "0.00",
                "line_items": [item("A", "A", 0, "0.00", "0.00", Some(4))],
            })),
            expect: Expect::Refused(vec![BuildProblem::BadQuantity("A".into())]),
        },
        Rule {
            rule: "other income: no products, so no SKUs and no fee product needed",
            settings: |ch| {
                ch.settings.operation = Operation::OtherIncome;
                ch.settings.fee_item_code = None;
            },
            order: order(json!({
                "total": "13.92",
                "line_items": [item("Konsultācija", "", 1, "10.00", "2.10", Some(4))],
                "fee_lines": [fee("Iepakojums", "1.50", "0.32", Some(4))],
                "tax_lines": [tax_line(4, 21, "2.42", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![
                    line(None, "Konsultācija", one, dec!(10.00), KEY_21),
                    line(None, "Iepakojums", one, dec!(1.50), KEY_21),
                ],
                None,
            ),
        },
        // -- payment --
        Rule {
            rule: "a paid order needs its payment method mapped to a money account",
            settings: defaults,
            order: order(json!({
                "payment_method": "paypal",
                "total": "12.10",
                "line_items": [a_line()],
                "tax_lines": [tax_line(4, 21, "2.10", "0.00")],
            })),
            expect: Expect::Refused(vec![BuildProblem::UnmappedPaymentMethod("paypal".into())]),
        },
        Rule {
            rule: "an unpaid order does not need its payment method mapped",
            settings: defaults,
            order: order(json!({
                "payment_method": "paypal", "date_paid_gmt": null,
                "total": "12.10",
                "line_items": [a_line()],
                "tax_lines": [tax_line(4, 21, "2.10", "0.00")],
            })),
            expect: Expect::Priced(false, vec![a_doc()], None),
        },
        Rule {
            rule: "without add_payment no payment mapping is needed",
            settings: |ch| ch.settings.add_payment = false,
            order: order(json!({
                "payment_method": "paypal",
                "total": "12.10",
                "line_items": [a_line()],
                "tax_lines": [tax_line(4, 21, "2.10", "0.00")],
            })),
            expect: Expect::Priced(false, vec![a_doc()], None),
        },
        // A 100% coupon: the lines cost 0.
        Rule {
            rule: "a paid order of total 0.00 needs no payment mapping (case 009)",
            settings: defaults,
            order: order(json!({
                "payment_method": "paypal",
                "total": "0.00",
                "line_items": [item("A", "A", 2, "0.00", "0.00", Some(4))],
                "tax_lines": [tax_line(4, 21, "0.00", "0.00")],
            })),
            expect: Expect::Priced(
                false,
                vec![line(Some(ITEM_A), "A", dec!(2), dec!(0), KEY_21)],
                None,
            ),
        },
        // -- several problems --
        Rule {
            rule: "every problem at once: lines, fees, shipping, then payment",
            settings: |ch| ch.settings.fee_item_code = None,
            order: order(json!({
                "payment_method": "paypal",
                "total": "26.52",
                "line_items": [
                    item("Bez SKU", "", 1, "10.00", "2.10", Some(4)),
                    item("B", "B", 1, "10.00", "0.50", Some(6)),
                ],
                "fee_lines": [fee("Iepakojums", "1.50", "0.32", Some(4))],
                "shipping_lines": [
                    shipping("Kurjers", "2.00", "0.42", Some(4)),
                    shipping("Pasts", "1.00", "0.00", None),
                ],
                "tax_lines": [tax_line(4, 21, "2.42", "0.42"), tax_line(6, 5, "0.50", "0.00")],
            })),
            expect: Expect::Refused(vec![
                BuildProblem::MissingSku("Bez SKU".into()),
                BuildProblem::UnmappedTaxRate(6),
                BuildProblem::NoFeeProduct("Iepakojums".into()),
                BuildProblem::MixedShippingRates,
                BuildProblem::UnmappedPaymentMethod("paypal".into()),
            ]),
        },
        // -- the header --
        Rule {
            rule: "header: date placed (GMT), reference channel/id, comment with the number",
            settings: defaults,
            order: order(json!({
                "total": "12.10",
                "line_items": [a_line()],
                "tax_lines": [tax_line(4, 21, "2.10", "0.00")],
            })),
            expect: Expect::Header(Header::of_order_77()),
        },
        Rule {
            rule: "header: an order without a creation date is dated today",
            settings: defaults,
            order: order(json!({
                "date_created_gmt": null,
                "total": "12.10",
                "line_items": [a_line()],
                "tax_lines": [tax_line(4, 21, "2.10", "0.00")],
            })),
            expect: Expect::Header(Header {
                date: chrono::Utc::now().date_naive(),
                ..Header::of_order_77()
            }),
        },
        Rule {
            rule: "header: document type, operation and warehouse come from the settings",
            settings: |ch| {
                ch.settings.document_type = DocumentType::SalesOrder;
                ch.settings.operation = Operation::SellServices;
                ch.settings.warehouse_id = Some(id(12));
            },
            order: order(json!({
                "total": "12.10",
                "line_items": [a_line()],
                "tax_lines": [tax_line(4, 21, "2.10", "0.00")],
            })),
            expect: Expect::Header(Header {
                sale_type: SaleType::SalesOrder,
                operation: PtOperation::SellServices,
                warehouse_id: Some(12),
                ..Header::of_order_77()
            }),
        },
    ]
}

/// What went wrong with one row, if anything.
fn check_build_rule(row: &Rule) -> Option<String> {
    let mut ch = channel();
    (row.settings)(&mut ch);
    let order = parse(&row.order);
    let built = build(&ch, &order, &items(), CLIENT_ID);
    match (&row.expect, built) {
        (Expect::Priced(include_tax, lines, shipping), Ok(sale)) => {
            let got = (sale.include_tax, &sale.lines, &sale.shipping_charge);
            if got != (*include_tax, lines, shipping) {
                return Some(format!("got {got:#?}"));
            }
            let total = paytraq_total(&sale);
            (total != order.total)
                .then(|| format!("PayTraq total {total}, order total {}", order.total))
        }
        (Expect::Header(want), Ok(sale)) => {
            let got = Header::of(&sale);
            if got != *want {
                return Some(format!("got {got:#?}"));
            }
            (sale.our_reference != our_reference(&ch.id, &order))
                .then(|| "our_reference() disagrees with the document".to_string())
        }
        (Expect::Refused(want), Err(BuildProblems(got))) => {
            (got != *want).then(|| format!("problems {got:?}"))
        }
        (_, Ok(sale)) => Some(format!("built {sale:#?}")),
        (_, Err(problems)) => Some(format!("refused: {problems}")),
    }
}

#[test]
fn build_follows_every_rule_of_the_table() {
    let rules = build_rules();
    let wrong: Vec<String> = rules
        .iter()
        .filter_map(|row| check_build_rule(row).map(|why| format!("{}: {why}", row.rule)))
        .collect();
    println!("{} build rules", rules.len());
    assert!(
        wrong.is_empty(),
        "{} of {} rules broken:\n{}",
        wrong.len(),
        rules.len(),
        wrong.join("\n\n")
    );
}

#[test]
fn build_problems_read_as_one_note() {
    let problems = BuildProblems(vec![
        BuildProblem::MissingSku("Bez SKU".into()),
        BuildProblem::UnmappedTaxRate(6),
        BuildProblem::UnmappedPaymentMethod("paypal".into()),
    ]);
    assert_eq!(
        problems.to_string(),
        "line \"Bez SKU\" has no SKU; WooCommerce tax rate 6 is not mapped to a PayTraq tax key; \
         payment method \"paypal\" is not mapped to a PayTraq money account"
    );
}

// ---- explain_mismatch -------------------------------------------------------------

/// A PayTraq document as read back: its total and (key, name, tax) rows.
fn sale(total: Decimal, taxes: &[(u64, Option<&str>, Decimal)]) -> Sale {
    Sale {
        document_id: 5001,
        document_number: None,
        status: Some("draft".into()),
        sale_type: None,
        operation: None,
        client_id: Some(CLIENT_ID),
        document_date: None,
        currency: Some("EUR".into()),
        include_tax: Some(false),
        comment: None,
        warehouse_id: None,
        total,
        amount_due: total,
        lines: Vec::new(),
        shipping_charge: None,
        taxes: taxes
            .iter()
            .map(|(key, name, tax)| SaleTax {
                tax_key: Some(TaxKeyWire {
                    tax_key_id: Some(*key),
                    name: None,
                }),
                name: name.map(str::to_string),
                net_amount: Decimal::ZERO,
                tax_amount: *tax,
                gross_amount: Decimal::ZERO,
            })
            .collect(),
        net_total: Decimal::ZERO,
        gross_total: total,
        payments: Vec::new(),
        messages: Vec::new(),
    }
}

struct MismatchRule {
    rule: &'static str,
    sale: Sale,
    explained: &'static str,
}

/// The order all mismatch rows explain against: 21% tax 2.52 (incl. 0.42 on
/// shipping) and 12% tax 1.12.
fn mismatch_order() -> Order {
    parse(&order(json!({
        "total": "27.63",
        "tax_lines": [tax_line(4, 21, "2.10", "0.42"), tax_line(5, 12, "1.12", "0.00")],
    })))
}

fn mismatch_rules() -> Vec<MismatchRule> {
    vec![
        MismatchRule {
            rule: "the totals, the difference and each key whose tax differs, by name",
            sale: sale(
                dec!(27.64),
                &[
                    (KEY_21, Some("PVN 21%"), dec!(2.53)),
                    (KEY_12, Some("PVN 12%"), dec!(1.12)),
                ],
            ),
            explained: "PayTraq total 27.64 differs from WooCommerce total 27.63 by 0.01; \
                        PVN 21%: PayTraq tax 2.53 vs WooCommerce 2.52 (+0.01)",
        },
        MismatchRule {
            rule: "a key PayTraq does not name is named by its id; a lower tax shows its sign",
            sale: sale(
                dec!(27.62),
                &[(KEY_21, None, dec!(2.52)), (KEY_12, None, dec!(1.11))],
            ),
            explained: "PayTraq total 27.62 differs from WooCommerce total 27.63 by -0.01; \
                        tax key 112: PayTraq tax 1.11 vs WooCommerce 1.12 (-0.01)",
        },
        MismatchRule {
            rule: "WooCommerce tax of a key PayTraq has no tax row for",
            sale: sale(dec!(26.51), &[(KEY_21, Some("PVN 21%"), dec!(2.52))]),
            explained: "PayTraq total 26.51 differs from WooCommerce total 27.63 by -1.12; \
                        tax key 112: WooCommerce tax 1.12 has no PayTraq tax line",
        },
        MismatchRule {
            rule: "equal taxes: only the totals (the difference is in the net amounts)",
            sale: sale(
                dec!(27.73),
                &[
                    (KEY_21, Some("PVN 21%"), dec!(2.52)),
                    (KEY_12, Some("PVN 12%"), dec!(1.12)),
                ],
            ),
            explained: "PayTraq total 27.73 differs from WooCommerce total 27.63 by 0.10",
        },
    ]
}

#[test]
fn explain_mismatch_follows_every_rule_of_the_table() {
    let order = mismatch_order();
    let rules = mismatch_rules();
    let wrong: Vec<String> = rules
        .iter()
        .filter_map(|row| {
            let got = explain_mismatch(&channel(), &order, &row.sale);
            (got != row.explained).then(|| format!("{}: got {got:?}", row.rule))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Equal totals, cents elsewhere: the real shop's gross invoices had the
/// total right and PayTraq's VAT a cent off the shop's on one key (9.81 vs
/// 9.82); a gross document's cent lands on a line.
#[test]
fn cents_name_each_key_and_line_that_differs_when_the_totals_are_equal() {
    let order = parse(&order(json!({
        "total": "59.53",
        "line_items": [item("A", "A", 3, "26.97", "5.66", Some(4)),
                       item("B", "B", 1, "19.99", "4.20", Some(4))],
        "tax_lines": [tax_line(4, 21, "9.82", "0.00")],
        "prices_include_tax": true,
    })));
    let mut doc = sale(dec!(59.53), &[(KEY_21, Some("PVN 21%"), dec!(9.81))]);
    doc.include_tax = Some(true);
    let line = |total: Decimal| SaleLine {
        line_total: total,
        ..Default::default()
    };
    doc.lines = vec![line(dec!(32.63)), line(dec!(24.19))];
    let found = cents(&channel(), &order, &doc);
    assert_eq!(
        found.taxes,
        ["PVN 21%: PayTraq tax 9.81 vs WooCommerce 9.82 (-0.01)"]
    );
    assert!(found.lines.is_empty(), "{found:?}");
    // The cent moved onto the first line.
    doc.lines = vec![line(dec!(32.64)), line(dec!(24.18))];
    let found = cents(&channel(), &order, &doc);
    assert_eq!(
        found.lines,
        [
            "line \"A\": PayTraq 32.64 vs WooCommerce 32.63 (+0.01)",
            "line \"B\": PayTraq 24.18 vs WooCommerce 24.19 (-0.01)"
        ]
    );
    assert_eq!(
        found.explain().unwrap(),
        "PVN 21%: PayTraq tax 9.81 vs WooCommerce 9.82 (-0.01); \
         line \"A\": PayTraq 32.64 vs WooCommerce 32.63 (+0.01); \
         line \"B\": PayTraq 24.18 vs WooCommerce 24.19 (-0.01)"
    );
    // Everything the shop's: nothing to say.
    doc.taxes[0].tax_amount = dec!(9.82);
    doc.lines = vec![line(dec!(32.63)), line(dec!(24.19))];
    assert_eq!(cents(&channel(), &order, &doc).explain(), None);
}

// ---- rounding_line, money_account, fee_code ----------------------------------------

#[test]
fn rounding_line_follows_every_rule_of_the_table() {
    let order = parse(&order(json!({ "total": "12.10" })));
    let rounding = |item: Option<u64>, amount: Decimal| -> Result<NewSaleLine, BuildProblems> {
        Ok(line(
            item,
            "Rounding adjustment (WooCommerce order #1077)",
            Decimal::ONE,
            amount,
            KEY_UNTAXED,
        ))
    };
    // (rule, settings, amount, the line or the problems)
    type Row = (
        &'static str,
        Settings,
        Decimal,
        Result<NewSaleLine, BuildProblems>,
    );
    let rows: Vec<Row> = vec![
        (
            "one unit of the fee product at the difference, on the untaxed key",
            defaults,
            dec!(-0.01),
            rounding(Some(ITEM_FEE), dec!(-0.01)),
        ),
        (
            "other income: no product",
            |ch| ch.settings.operation = Operation::OtherIncome,
            dec!(0.02),
            rounding(None, dec!(0.02)),
        ),
        (
            "needs the fee product setting",
            |ch| ch.settings.fee_item_code = None,
            dec!(0.01),
            Err(BuildProblems(vec![BuildProblem::NoRoundingProduct])),
        ),
        (
            "needs tax map entry 0",
            |ch| {
                ch.tax_map.remove(&UNTAXED_RATE);
            },
            dec!(0.01),
            Err(BuildProblems(vec![BuildProblem::UnmappedUntaxed])),
        ),
    ];
    let wrong: Vec<String> = rows
        .iter()
        .filter_map(|(rule, settings, amount, want)| {
            let mut ch = channel();
            settings(&mut ch);
            let got = rounding_line(&ch, &order, &items(), *amount);
            (got != *want).then(|| format!("{rule}: got {got:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn money_account_and_fee_code_follow_every_rule_of_the_table() {
    // (rule, settings, order fields, the money account or the problem)
    type Row = (
        &'static str,
        Settings,
        Value,
        Result<Option<u64>, BuildProblem>,
    );
    let rows: Vec<Row> = vec![
        (
            "a paid order: the mapped account",
            defaults,
            json!({ "total": "1.00" }),
            Ok(Some(901)),
        ),
        (
            "an unpaid order: no payment",
            defaults,
            json!({ "total": "1.00", "date_paid_gmt": null }),
            Ok(None),
        ),
        (
            "total 0.00: no payment",
            defaults,
            json!({ "total": "0.00", "payment_method": "paypal" }),
            Ok(None),
        ),
        (
            "add_payment off: no payment",
            |ch| ch.settings.add_payment = false,
            json!({ "total": "1.00", "payment_method": "paypal" }),
            Ok(None),
        ),
        (
            "an unmapped method",
            defaults,
            json!({ "total": "1.00", "payment_method": "paypal" }),
            Err(BuildProblem::UnmappedPaymentMethod("paypal".into())),
        ),
    ];
    let mut wrong: Vec<String> = rows
        .iter()
        .filter_map(|(rule, settings, fields, want)| {
            let mut ch = channel();
            settings(&mut ch);
            let got = money_account(&ch, &parse(&order(fields.clone())));
            (got != *want).then(|| format!("{rule}: got {got:?}"))
        })
        .collect();

    let codes = [
        (Some(" WC-FEE "), Some("WC-FEE")),
        (Some("  "), None),
        (None, None),
    ];
    for (setting, want) in codes {
        let mut ch = channel();
        ch.settings.fee_item_code = setting.map(str::to_string);
        if fee_code(&ch) != want {
            wrong.push(format!("fee_code of {setting:?}: {:?}", fee_code(&ch)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
