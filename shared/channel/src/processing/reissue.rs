//! **Where an edited order's approved invoice is replaced.** Pure, like
//! [`super::document`]: the credit note that takes the old invoice back
//! whole is built from the invoice as PayTraq shows it (its lines with
//! their items, prices, discounts and tax keys, and its shipping charge),
//! not from the order: the order was edited since, and what we kept when
//! the invoice was made (`DocumentBasis`) names lines without their items
//! or tax keys. Here too: the new invoice's reference (`…/r<n>`, so the
//! lookup after a crash never finds the old invoice) and the keys under
//! which the old invoice's shop notes are archived (so the new invoice's
//! notes are written).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::credit_note::credit_reference;
use super::document::{our_reference, BuildProblem, BuildProblems};
use crate::model::{Channel, Operation};
use crate::paytraq::model::{self as pt, NewSale, NewSaleLine, Sale, SaleType};
use crate::woocommerce::order::Order;

/// The keys of the shop notes an invoice's own steps write (created,
/// rounding, mismatch, approved, paid, e-mailed).
const INVOICE_NOTE_KEYS: [&str; 6] = [
    "created", "rounding", "mismatch", "approved", "paid", "emailed",
];

/// The order's invoice reference after `reissues` reissues: the order's
/// own for the first invoice, `…/r1`, `…/r2` for the new ones.
pub fn invoice_reference(channel_id: &str, order: &Order, reissues: usize) -> String {
    let reference = our_reference(channel_id, order);
    match reissues {
        0 => reference,
        n => format!("{reference}/r{n}"),
    }
}

/// The key an invoice note's key is kept under once reissue `reissue`
/// replaced its invoice; other keys (changes, credit notes) stay as they are.
pub fn archived_note_key(key: &str, reissue: u32) -> String {
    if INVOICE_NOTE_KEYS.contains(&key) {
        format!("replaced{reissue}:{key}")
    } else {
        key.to_string()
    }
}

/// The credit note taking back `invoice` (read back from PayTraq) whole,
/// dated `date`, under the credit note key `key`. Refused when the invoice
/// lacks what a line or the header needs (no item, no tax key, no client).
pub fn replaced_invoice_credit_note(
    channel: &Channel,
    order: &Order,
    invoice: &Sale,
    key: &str,
    comment: String,
    date: NaiveDate,
) -> Result<NewSale, BuildProblems> {
    let mut problems = Vec::new();
    let mut lack = |what: String| problems.push(BuildProblem::ReplacedInvoice(what));
    let lines: Vec<NewSaleLine> = invoice
        .lines
        .iter()
        .enumerate()
        .filter_map(|(n, line)| {
            let named = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
            let name = named(&line.description)
                .or_else(|| named(&line.item.as_ref()?.item_name))
                .unwrap_or_else(|| format!("line {}", n + 1));
            let item_id = line.item.as_ref().and_then(|i| i.item_id);
            let item_code = line.item.as_ref().and_then(|i| i.item_code.clone());
            let tax_key_id = line.tax_key.as_ref().and_then(|k| k.tax_key_id);
            let Some(tax_key_id) = tax_key_id else {
                lack(format!("a tax key on \"{name}\""));
                return None;
            };
            if item_id.is_none()
                && item_code.is_none()
                && operation(channel, invoice) != pt::Operation::OtherIncome
            {
                lack(format!("an item on \"{name}\""));
                return None;
            }
            Some(NewSaleLine {
                item_code: item_code.filter(|_| item_id.is_none()),
                item_id,
                description: Some(name),
                quantity: line.quantity,
                unit_price: line.price,
                discount_percent: line.discount_percent,
                tax_key_id,
            })
        })
        .collect();
    if invoice.lines.is_empty() {
        lack("lines".into());
    }
    let client_id = invoice.client_id;
    if client_id.is_none() {
        lack("a client".into());
    }
    let include_tax = invoice.include_tax;
    if include_tax.is_none() {
        lack("IncludeTax".into());
    }
    let (Some(client_id), Some(include_tax), true) = (client_id, include_tax, problems.is_empty())
    else {
        return Err(BuildProblems(problems));
    };
    Ok(NewSale {
        sale_type: SaleType::CreditNote,
        operation: operation(channel, invoice),
        client_id,
        document_date: date,
        currency: invoice
            .currency
            .clone()
            .unwrap_or_else(|| order.currency.clone()),
        warehouse_id: invoice.warehouse_id,
        loading_area_id: None,
        our_reference: credit_reference(&channel.id, order, key),
        include_tax,
        comment: Some(comment),
        lines,
        shipping_charge: invoice
            .shipping_charge
            .clone()
            .filter(|s| s.amount != Decimal::ZERO),
        payment_term_days: None,
    })
}

/// The invoice's operation as PayTraq shows it, else the channel's.
fn operation(channel: &Channel, invoice: &Sale) -> pt::Operation {
    match invoice.operation.as_deref().map(str::trim) {
        Some("sell_goods") => pt::Operation::SellGoods,
        Some("sell_services") => pt::Operation::SellServices,
        Some("other_income") => pt::Operation::OtherIncome,
        _ => match channel.settings.operation {
            Operation::SellGoods => pt::Operation::SellGoods,
            Operation::SellServices => pt::Operation::SellServices,
            Operation::OtherIncome => pt::Operation::OtherIncome,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paytraq::model::{ShippingCharge, TaxKeyRef};
    use crate::paytraq::sale_xml::SaleWire;
    use crate::paytraq::xml::from_xml;
    use rust_decimal_macros::dec;

    fn order() -> Order {
        serde_json::from_value(serde_json::json!({"id": 1107, "number": "1107", "currency": "EUR"}))
            .unwrap()
    }

    fn real_sale(name: &str) -> Sale {
        let path = testkit::paytraq_fixtures_dir().join("sale").join(name);
        let xml = std::fs::read_to_string(&path).unwrap();
        from_xml::<SaleWire>(&xml).unwrap().into_sale().unwrap()
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn a_real_invoice_becomes_a_credit_note_of_the_same_lines_keys_and_shipping_fixture() {
        let channel = Channel::new("ch", "Shop", "https://shop.example.lv");
        let invoice = real_sale("sales_invoice-wait_payment-excl_tax-shipping-01.xml");
        let note = replaced_invoice_credit_note(
            &channel,
            &order(),
            &invoice,
            "reissue:1",
            "Credit note".into(),
            date(),
        )
        .unwrap();
        assert_eq!(note.sale_type, SaleType::CreditNote);
        assert_eq!(note.our_reference, "ch/1107/reissue:1");
        assert_eq!(
            (note.client_id, note.warehouse_id, note.include_tax),
            (570878, Some(4755), false)
        );
        let lines: Vec<_> = note
            .lines
            .iter()
            .map(|l| (l.item_id, l.quantity, l.unit_price, l.tax_key_id))
            .collect();
        assert_eq!(
            lines,
            [
                (Some(830792), dec!(15), dec!(2.52), 262041),
                (Some(860756), dec!(15), dec!(3.34), 262041)
            ]
        );
        assert_eq!(
            note.shipping_charge,
            Some(ShippingCharge {
                amount: dec!(2.00),
                tax_key: TaxKeyRef { tax_key_id: 262041 }
            })
        );
        // The same net as the invoice: 37.80 + 50.10 + 2.00.
        let net: Decimal = note
            .lines
            .iter()
            .map(|l| l.quantity * l.unit_price)
            .sum::<Decimal>()
            + dec!(2.00);
        assert_eq!(net, invoice.net_total);
    }

    #[test]
    fn every_real_invoice_repeats_line_for_line_fixture() {
        let channel = Channel::new("ch", "Shop", "https://shop.example.lv");
        let dir = testkit::paytraq_fixtures_dir().join("sale");
        let (mut built, mut refused) = (0, 0);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if !name.starts_with("sales_invoice-") || !name.ends_with(".xml") {
                continue;
            }
            let invoice = real_sale(&name);
            let note = match replaced_invoice_credit_note(
                &channel,
                &order(),
                &invoice,
                "reissue:1",
                "c".into(),
                date(),
            ) {
                Ok(note) => note,
                Err(problems) => {
                    // An opening-balance line of 2022: no item, no tax key.
                    assert_eq!(name, "sales_invoice-paid-2022-01.xml", "{problems}");
                    assert!(
                        problems.to_string().contains("a tax key on \"line 1\""),
                        "{problems}"
                    );
                    refused += 1;
                    continue;
                }
            };
            assert_eq!(note.lines.len(), invoice.lines.len(), "{name}");
            for (new, old) in note.lines.iter().zip(&invoice.lines) {
                assert_eq!(
                    (new.quantity, new.unit_price, new.discount_percent),
                    (old.quantity, old.price, old.discount_percent),
                    "{name}"
                );
            }
            built += 1;
        }
        assert!(
            built >= 20 && refused == 1,
            "{built} built, {refused} refused"
        );
        println!("{built} real invoices repeated as credit notes line for line, {refused} refused");
    }

    #[test]
    fn an_invoice_line_without_a_tax_key_is_refused_by_name() {
        let channel = Channel::new("ch", "Shop", "https://shop.example.lv");
        let mut invoice = real_sale("sales_invoice-wait_payment-excl_tax-shipping-01.xml");
        invoice.lines[1].tax_key = None;
        let refused = replaced_invoice_credit_note(
            &channel,
            &order(),
            &invoice,
            "reissue:1",
            "c".into(),
            date(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            refused.contains("a tax key on \"Lateksa cimdi"),
            "{refused}"
        );
    }

    #[test]
    fn the_new_invoice_has_its_own_reference_and_the_old_notes_are_archived() {
        assert_eq!(invoice_reference("ch", &order(), 0), "ch/1107");
        assert_eq!(invoice_reference("ch", &order(), 2), "ch/1107/r2");
        assert_eq!(archived_note_key("created", 1), "replaced1:created");
        assert_eq!(archived_note_key("emailed", 2), "replaced2:emailed");
        for kept in ["edited:1764500000", "credit:refund:4:paid", "refund:4"] {
            assert_eq!(archived_note_key(kept, 1), kept);
        }
    }
}
