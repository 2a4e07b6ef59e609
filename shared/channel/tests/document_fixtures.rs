//! Walks every real WooCommerce order (`<fixtures>/cases/*/order.json`)
//! through `document::build`, with no HTTP, and checks the document it
//! gives against the order with PayTraq's own arithmetic.
//!
//! The channel mirrors the shop the way the end-to-end test's world does: a
//! PayTraq tax key per WooCommerce tax rate with the same percentage (plus a
//! 0% key for untaxed lines), a product per SKU of the catalogue, a money
//! account per payment gateway, the fee product `WC-FEE`.
//!
//! For each order the test first works out, from the order alone, which
//! problems must stop it (a line without SKU, a line taxed at several rates,
//! ...): those must be refused with exactly those problems (end to end they
//! fail with that note). Any other order must give a document whose lines
//! are the order's (quantity, tax key, product) and whose total, computed
//! here the way PayTraq computes it, is the order's total to the cent. The
//! end-to-end test tolerates up to 5% of orders in review; under PayTraq's
//! per-key arithmetic the builder can always reach the total (a gross
//! document carries each key's gross exactly), so here every built order
//! must, and a difference fails with `explain_mismatch`'s explanation.
//!
//! PayTraq's arithmetic, written out here on purpose (not borrowed from the
//! sandbox or the crate): LineTotal = round2(qty × price × (1 − discount/100)),
//! half away from zero; per tax key on the sum S of its amounts (shipping
//! included), tax = round2(S × rate/100) on a net document and
//! round2(S × rate/(100 + rate)) on a gross one; total = Σ net + Σ tax, or
//! Σ S on a gross document.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use channel::model::{Channel, ChannelState};
use channel::paytraq::model::{self as pt, NewSale, NewSaleLine};
use channel::processing::document::{build, explain_mismatch, BuildProblem, BuildProblems};
use channel::woocommerce::order::{parse_order, LineTax, Order};
use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;
use testkit::fixtures::{id, read_json};

const CHANNEL: &str = "lv-shop";
const FEE_SKU: &str = "WC-FEE";
const CLIENT_ID: u64 = 4242;
/// PayTraq tax key of untaxed lines (WooCommerce rate 0).
const UNTAXED_KEY: u64 = 700;
/// In a gross document the builder moves WooCommerce's rounding difference
/// of a tax key onto one line of that key; it is a few cents at most.
const MAX_SHIFT: Decimal = dec!(0.05);

/// The WooCommerce 8.9.1 captures (`testkit::fixtures`: the repository's copy,
/// or `CHANNEL_FIXTURES_DIR`).
fn fixtures_dir() -> PathBuf {
    testkit::fixtures_dir()
}

/// Every `cases/*/order.json`, sorted by folder name.
fn fixture_orders(dir: &Path) -> Vec<(String, Order)> {
    let cases = dir.join("cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases)
        .unwrap_or_else(|e| panic!("{}: {e} (set CHANNEL_FIXTURES_DIR)", cases.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("order.json").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| {
            let name = d.file_name().unwrap().to_string_lossy().into_owned();
            let order = parse_order(&std::fs::read(d.join("order.json")).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, order)
        })
        .collect()
}

/// The PayTraq company that mirrors the shop's catalogue, and the channel wired to it.
struct Mirror {
    channel: Channel,
    /// SKU → PayTraq item id.
    items: HashMap<String, u64>,
    /// PayTraq tax key → percent.
    percent: BTreeMap<u64, Decimal>,
}

impl Mirror {
    fn of_catalogue(dir: &Path) -> Self {
        let catalog = dir.join("catalog");
        let mut channel = Channel::new(CHANNEL, "Fixture shop", "https://shop.example.lv");
        channel.state = ChannelState::Active;
        channel.settings.approve = true;
        channel.settings.add_payment = true;
        channel.settings.send_email = true;
        channel.settings.fee_item_code = Some(FEE_SKU.into());

        let mut percent = BTreeMap::from([(UNTAXED_KEY, Decimal::ZERO)]);
        channel.tax_map.insert(id(0), id(UNTAXED_KEY));
        for (n, rate) in read_json(catalog.join("taxes.json"))
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let key = UNTAXED_KEY + 1 + n as u64;
            let rate_id = rate["id"].as_u64().unwrap();
            percent.insert(key, rate["rate"].as_str().unwrap().parse().unwrap());
            channel.tax_map.insert(id(rate_id), id(key));
        }
        for (n, gateway) in read_json(catalog.join("payment-gateways.json"))
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let gateway = gateway["id"].as_str().unwrap().parse().unwrap();
            channel.payment_map.insert(gateway, id(900 + n as u64));
        }

        let mut skus: Vec<String> = Vec::new();
        let mut files = vec![catalog.join("products.json")];
        for entry in std::fs::read_dir(&catalog).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("variations-") && !name.ends_with(".meta.json") {
                files.push(path);
            }
        }
        for file in files {
            for product in read_json(&file).as_array().unwrap() {
                let sku = product["sku"].as_str().unwrap_or("").trim();
                if !sku.is_empty() {
                    skus.push(sku.to_string());
                }
            }
        }
        skus.push(FEE_SKU.into());
        let items = skus
            .into_iter()
            .enumerate()
            .map(|(n, sku)| (sku, 10_001 + n as u64))
            .collect();
        Self {
            channel,
            items,
            percent,
        }
    }

    /// The PayTraq tax key of a WooCommerce rate, if mapped.
    fn key(&self, rate: u64) -> Option<u64> {
        self.channel.tax_map.get(&rate).map(|k| k.get())
    }
}

fn round2(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The WooCommerce rate a line is taxed at: the one rate charged, else the
/// single listed (zero) rate, else none (0); `None` when several are charged.
fn rate_of(taxes: &[LineTax]) -> Option<u64> {
    let charged: Vec<u64> = taxes
        .iter()
        .filter(|t| !t.total.is_zero())
        .map(|t| t.id)
        .collect();
    match charged.as_slice() {
        [one] => Some(*one),
        [] => Some(taxes.first().map_or(0, |t| t.id)),
        _ => None,
    }
}

/// What must stop this order, worked out from the order and the mirror.
fn expected_problems(m: &Mirror, o: &Order) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut shipping_keys = BTreeSet::new();
    for line in &o.shipping_lines {
        if !line.total.is_zero() || !line.total_tax.is_zero() {
            shipping_keys.extend(expected_key(m, &line.method_title, &line.taxes, &mut out));
        }
    }
    for item in &o.line_items {
        if item.quantity <= Decimal::ZERO {
            out.insert(format!(
                "{:?}",
                BuildProblem::BadQuantity(item.name.clone())
            ));
            continue;
        }
        expected_key(m, &item.name, &item.taxes, &mut out);
        match item.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => out.insert(format!("{:?}", BuildProblem::MissingSku(item.name.clone()))),
            Some(sku) if !m.items.contains_key(sku) => {
                out.insert(format!("{:?}", BuildProblem::UnknownSku(sku.into())))
            }
            Some(_) => false,
        };
    }
    for fee in &o.fee_lines {
        expected_key(m, &fee.name, &fee.taxes, &mut out);
    }
    if shipping_keys.len() > 1 {
        out.insert(format!("{:?}", BuildProblem::MixedShippingRates));
    }
    let pays = o.date_paid_gmt.is_some() && !o.total.is_zero();
    if pays
        && !m
            .channel
            .payment_map
            .contains_key(o.payment_method.as_str())
    {
        out.insert(format!(
            "{:?}",
            BuildProblem::UnmappedPaymentMethod(o.payment_method.clone())
        ));
    }
    out
}

/// The PayTraq key of a line's rate, or the problem it has.
fn expected_key(
    m: &Mirror,
    name: &str,
    taxes: &[LineTax],
    problems: &mut BTreeSet<String>,
) -> Option<u64> {
    let Some(rate) = rate_of(taxes) else {
        problems.insert(format!("{:?}", BuildProblem::SeveralRates(name.into())));
        return None;
    };
    let key = m.key(rate);
    if key.is_none() {
        problems.insert(format!("{:?}", BuildProblem::UnmappedTaxRate(rate)));
    }
    key
}

/// PayTraq's figures for a document: per key (net, tax, gross), and the total.
struct PaytraqTotals {
    per_key: BTreeMap<u64, (Decimal, Decimal, Decimal)>,
    total: Decimal,
}

fn line_amount(line: &NewSaleLine) -> Decimal {
    round2(
        line.quantity
            * line.unit_price
            * (Decimal::ONE - line.discount_percent / Decimal::ONE_HUNDRED),
    )
}

fn paytraq_totals(m: &Mirror, doc: &NewSale) -> PaytraqTotals {
    let mut sums: BTreeMap<u64, Decimal> = BTreeMap::new();
    for line in &doc.lines {
        *sums.entry(line.tax_key_id).or_default() += line_amount(line);
    }
    if let Some(s) = &doc.shipping_charge {
        *sums.entry(s.tax_key.tax_key_id).or_default() += round2(s.amount);
    }
    let hundred = Decimal::ONE_HUNDRED;
    let per_key: BTreeMap<u64, (Decimal, Decimal, Decimal)> = sums
        .into_iter()
        .map(|(key, sum)| {
            let rate = m.percent[&key];
            if doc.include_tax {
                let tax = round2(sum * rate / (hundred + rate));
                (key, (sum - tax, tax, sum))
            } else {
                let tax = round2(sum * rate / hundred);
                (key, (sum, tax, sum + tax))
            }
        })
        .collect();
    let total = per_key.values().map(|(_, _, gross)| *gross).sum();
    PaytraqTotals { per_key, total }
}

/// The document PayTraq would hand back for `doc` (only what `explain_mismatch` reads).
fn as_paytraq_sale(doc: &NewSale, totals: &PaytraqTotals) -> pt::Sale {
    pt::Sale {
        document_id: 1,
        document_number: None,
        status: Some("draft".into()),
        sale_type: None,
        operation: None,
        client_id: Some(doc.client_id),
        document_date: None,
        currency: Some(doc.currency.clone()),
        include_tax: Some(doc.include_tax),
        comment: doc.comment.clone(),
        warehouse_id: doc.warehouse_id,
        total: totals.total,
        amount_due: totals.total,
        lines: Vec::new(),
        shipping_charge: doc.shipping_charge.clone(),
        taxes: totals
            .per_key
            .iter()
            .map(|(key, (net, tax, gross))| pt::SaleTax {
                tax_key: Some(pt::TaxKeyWire {
                    tax_key_id: Some(*key),
                    name: None,
                }),
                name: None,
                net_amount: *net,
                tax_amount: *tax,
                gross_amount: *gross,
            })
            .collect(),
        net_total: totals.per_key.values().map(|(net, _, _)| *net).sum(),
        gross_total: totals.total,
        payments: Vec::new(),
        messages: Vec::new(),
    }
}

/// WooCommerce's tax per PayTraq key as its `tax_lines` render it.
fn woo_tax_per_key(m: &Mirror, o: &Order) -> BTreeMap<u64, Decimal> {
    let mut out = BTreeMap::new();
    for line in &o.tax_lines {
        if let Some(key) = m.key(line.rate_id) {
            *out.entry(key).or_default() += line.tax_total + line.shipping_tax_total;
        }
    }
    out
}

/// One amount-bearing line of the order as WooCommerce states it.
struct WooLine<'a> {
    name: &'a str,
    quantity: Decimal,
    net: Decimal,
    tax: Decimal,
    key: u64,
    item_id: u64,
}

/// What the fixture walk saw, for the summary.
#[derive(Default)]
struct Tally {
    net: Vec<String>,
    gross: Vec<String>,
    refused: Vec<(String, String)>,
    max_shift: Decimal,
}

/// Checks one built document; returns what is wrong with it.
fn check_document(
    m: &Mirror,
    name: &str,
    o: &Order,
    doc: &NewSale,
    tally: &mut Tally,
) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            wrong.push(format!("{name}: {what}"));
        }
    };

    // The document's header.
    check(
        doc.client_id == CLIENT_ID,
        format!("client {}", doc.client_id),
    );
    check(
        doc.sale_type == pt::SaleType::SalesInvoice,
        format!("{:?}", doc.sale_type),
    );
    check(
        doc.operation == pt::Operation::SellGoods,
        format!("{:?}", doc.operation),
    );
    check(
        doc.currency == o.currency,
        format!("currency {}", doc.currency),
    );
    check(
        doc.warehouse_id.is_none(),
        format!("warehouse {:?}", doc.warehouse_id),
    );
    let placed = o.date_created_gmt.map(|d| d.date_naive());
    check(
        placed.is_none_or(|day| doc.document_date == day),
        format!(
            "document date {} for an order placed {placed:?}",
            doc.document_date
        ),
    );
    check(
        doc.our_reference == format!("{CHANNEL}/{}", o.id),
        format!("our reference {}", doc.our_reference),
    );
    check(
        doc.comment.as_deref() == Some(format!("WooCommerce order #{}", o.number).as_str()),
        format!("comment {:?}", doc.comment),
    );

    // Every product and fee line, in order, as the order states it.
    let key_of = |taxes: &[LineTax]| m.key(rate_of(taxes).unwrap()).unwrap();
    let mut woo: Vec<WooLine> = o
        .line_items
        .iter()
        .map(|l| WooLine {
            name: &l.name,
            quantity: l.quantity,
            net: l.total,
            tax: l.total_tax,
            key: key_of(&l.taxes),
            item_id: m.items[l.sku.as_deref().unwrap().trim()],
        })
        .collect();
    woo.extend(o.fee_lines.iter().map(|f| WooLine {
        name: &f.name,
        quantity: Decimal::ONE,
        net: f.total,
        tax: f.total_tax,
        key: key_of(&f.taxes),
        item_id: m.items[FEE_SKU],
    }));
    check(
        doc.lines.len() == woo.len(),
        format!("{} lines for {} order lines", doc.lines.len(), woo.len()),
    );
    let mut shifts: Vec<(u64, Decimal)> = Vec::new();
    for (line, want) in doc.lines.iter().zip(&woo) {
        let what = want.name;
        check(
            line.item_id == Some(want.item_id),
            format!("{what}: item {:?}", line.item_id),
        );
        check(
            line.item_code.is_none(),
            format!("{what}: item code {:?}", line.item_code),
        );
        check(
            line.description.as_deref() == Some(want.name),
            format!("{what}: description {:?}", line.description),
        );
        check(
            line.quantity == want.quantity,
            format!("{what}: quantity {}", line.quantity),
        );
        check(
            line.discount_percent.is_zero(),
            format!("{what}: discount {}", line.discount_percent),
        );
        check(
            line.tax_key_id == want.key,
            format!("{what}: tax key {} (want {})", line.tax_key_id, want.key),
        );
        let amount = line_amount(line);
        if doc.include_tax {
            shifts.push((want.key, amount - (want.net + want.tax)));
        } else {
            check(
                amount == want.net,
                format!("{what}: PayTraq line total {amount} (net {})", want.net),
            );
        }
    }

    // Shipping: one charge of the shipping lines that cost anything.
    let shipping: Vec<_> = o
        .shipping_lines
        .iter()
        .filter(|s| !s.total.is_zero() || !s.total_tax.is_zero())
        .collect();
    match (&doc.shipping_charge, shipping.first()) {
        (None, None) => {}
        (Some(charge), Some(first)) => {
            let key = key_of(&first.taxes);
            check(
                charge.tax_key.tax_key_id == key,
                format!("shipping tax key {}", charge.tax_key.tax_key_id),
            );
            let net: Decimal = shipping.iter().map(|s| s.total).sum();
            let tax: Decimal = shipping.iter().map(|s| s.total_tax).sum();
            if doc.include_tax {
                shifts.push((key, round2(charge.amount) - (net + tax)));
            } else {
                check(
                    charge.amount == net,
                    format!("shipping {} (net {net})", charge.amount),
                );
            }
        }
        (charge, _) => check(
            false,
            format!(
                "shipping charge {charge:?} for {} shipping lines",
                shipping.len()
            ),
        ),
    }

    // A gross document keeps every line's gross but for one line per key
    // that absorbs WooCommerce's rounding difference of that key.
    let mut shifted: BTreeMap<u64, usize> = BTreeMap::new();
    for (key, shift) in shifts.iter().filter(|(_, s)| !s.is_zero()) {
        *shifted.entry(*key).or_default() += 1;
        tally.max_shift = tally.max_shift.max(shift.abs());
        check(
            shift.abs() <= MAX_SHIFT,
            format!("a line of key {key} moved by {shift}"),
        );
    }
    check(
        shifted.values().all(|n| *n == 1),
        format!("lines moved per key: {shifted:?}"),
    );

    // Gross prices only when net ones would not give WooCommerce's tax per
    // rate and its total (a net document is checked by its total below).
    let net_per_key = {
        let mut sums: BTreeMap<u64, Decimal> = BTreeMap::new();
        for w in &woo {
            *sums.entry(w.key).or_default() += w.net;
        }
        if let Some(first) = shipping.first() {
            *sums.entry(key_of(&first.taxes)).or_default() +=
                shipping.iter().map(|s| s.total).sum::<Decimal>();
        }
        sums
    };
    let woo_tax = woo_tax_per_key(m, o);
    let net_tax: BTreeMap<u64, Decimal> = net_per_key
        .iter()
        .map(|(key, net)| (*key, round2(*net * m.percent[key] / Decimal::ONE_HUNDRED)))
        .collect();
    let net_total: Decimal =
        net_per_key.values().sum::<Decimal>() + net_tax.values().sum::<Decimal>();
    let net_would_do = net_total == o.total
        && net_tax
            .iter()
            .all(|(key, tax)| woo_tax.get(key).copied().unwrap_or_default() == *tax);
    check(
        !(doc.include_tax && net_would_do),
        format!("gross prices, yet net ones give WooCommerce's tax {net_tax:?}, total {net_total}"),
    );
    if doc.include_tax {
        tally.gross.push(name.into());
    } else {
        tally.net.push(name.into());
    }

    // The document total, by PayTraq's arithmetic.
    let totals = paytraq_totals(m, doc);
    if totals.total != o.total {
        let why = explain_mismatch(&m.channel, o, &as_paytraq_sale(doc, &totals));
        check(false, why);
    }
    wrong
}

#[test]
fn fixture_orders_build_documents_whose_paytraq_total_is_the_order_total() {
    let dir = fixtures_dir();
    let mirror = Mirror::of_catalogue(&dir);
    let cases = fixture_orders(&dir);
    assert!(
        !cases.is_empty(),
        "no cases under {}",
        dir.join("cases").display()
    );

    let started = Instant::now();
    let mut tally = Tally::default();
    let mut wrong = Vec::new();
    for (name, order) in &cases {
        let expected = expected_problems(&mirror, order);
        match build(&mirror.channel, order, &mirror.items, CLIENT_ID) {
            Ok(doc) if expected.is_empty() => {
                wrong.extend(check_document(&mirror, name, order, &doc, &mut tally));
            }
            Ok(_) => wrong.push(format!("{name}: built although {expected:?}")),
            Err(BuildProblems(problems)) => {
                let got: BTreeSet<String> = problems.iter().map(|p| format!("{p:?}")).collect();
                if got == expected {
                    tally
                        .refused
                        .push((name.clone(), BuildProblems(problems).to_string()));
                } else {
                    wrong.push(format!("{name}: problems {got:?}, want {expected:?}"));
                }
            }
        }
    }
    let took = started.elapsed();

    println!(
        "{} fixture orders in {took:?}: {} net documents, {} gross, {} refused; largest shift {}",
        cases.len(),
        tally.net.len(),
        tally.gross.len(),
        tally.refused.len(),
        tally.max_shift
    );
    println!("  gross: {:?}", tally.gross);
    for (name, why) in &tally.refused {
        println!("  {name}: {why}");
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
