//! Unit tests of the reads' pure parts: PayTraq's list as source items
//! (availability and its fallbacks, prices).

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::paytraq::model::{Inventory, Price, Product as PtProduct};
use crate::sync::plan::SourceItem;

fn pt_product(
    item_id: u64,
    code: &str,
    inventory: Option<(Decimal, Option<Decimal>)>,
) -> PtProduct {
    PtProduct {
        item_id,
        code: Some(code.into()),
        inventory: inventory.map(|(qty, interim_available)| Inventory {
            qty,
            interim_available,
        }),
        ..PtProduct::default()
    }
}

fn src(sku: &str, available: Decimal) -> SourceItem {
    SourceItem {
        sku: sku.into(),
        available,
        price: None,
    }
}

#[test]
fn available_is_interim_available_then_on_hand_then_zero() {
    let products = [
        // 10 on hand, 3 in approved sales orders.
        pt_product(1, "A", Some((dec!(10), Some(dec!(7))))),
        // More promised than held.
        pt_product(2, "B", Some((dec!(2), Some(dec!(-3))))),
        // No InterimAvailable: on hand.
        pt_product(3, "C", Some((dec!(4), None))),
        // No Inventory at all (e.g. a non-stock item): 0.
        pt_product(4, "D", None),
        // Code with spaces is trimmed; no code = not matchable.
        pt_product(5, "  E ", Some((dec!(1), Some(dec!(1))))),
        PtProduct {
            item_id: 6,
            inventory: Some(Inventory {
                qty: dec!(9),
                interim_available: Some(dec!(9)),
            }),
            ..PtProduct::default()
        },
        pt_product(7, "  ", Some((dec!(9), Some(dec!(9))))),
    ];
    assert_eq!(
        source_items(&products, None, true),
        vec![
            src("A", dec!(7)),
            src("B", dec!(-3)),
            src("C", dec!(4)),
            src("D", dec!(0)),
            src("E", dec!(1)),
        ]
    );
}

#[test]
fn price_list_is_read_tax_inclusive_or_exclusive() {
    let products = [pt_product(1, "A", None), pt_product(2, "B", None)];
    let prices = [Price {
        item_id: 1,
        code: Some("A".into()),
        price_incl_tax: Some(dec!(12.10)),
        price_excl_tax: Some(dec!(10)),
    }];
    let incl = source_items(&products, Some(&prices), true);
    let excl = source_items(&products, Some(&prices), false);
    assert_eq!(incl[0].price, Some(dec!(12.10)));
    assert_eq!(excl[0].price, Some(dec!(10)));
    assert_eq!(incl[1].price, None, "no price in the group");
    assert_eq!(source_items(&products, None, true)[0].price, None);
}
