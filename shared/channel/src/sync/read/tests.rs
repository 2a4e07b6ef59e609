//! Unit tests of the reads' pure parts: PayTraq's list as source items
//! (availability and its fallbacks, prices), the SKU lookup batches and the
//! shop index (lookups first, listings only where needed, ids once).

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::paytraq::model::{Inventory, Price, Product as PtProduct};
use crate::sync::plan::{ShopItem, SourceItem, Stock, Target};
use crate::woocommerce::catalog::{ManageStock, Product, Variation};

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

#[test]
fn lookups_hold_at_most_100_skus_and_a_sku_with_a_comma_alone() {
    let skus: Vec<String> = (0..250).map(|i| format!("S{i}")).collect();
    let mut all: Vec<&str> = skus.iter().map(String::as_str).collect();
    all.insert(120, "A,B");
    let batches = lookup_batches(all.iter().copied());
    let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, [100, 1, 100, 50]);
    assert_eq!(batches[1], ["A,B"]);
    let flat: Vec<&str> = batches.concat();
    assert_eq!(flat.len(), 251, "every SKU once");
    assert!(lookup_batches(std::iter::empty()).is_empty());
}

#[test]
fn lookups_of_long_skus_stay_under_the_query_size() {
    let long: Vec<String> = (0..100).map(|i| format!("{i:0>98}-ž")).collect();
    let batches = lookup_batches(long.iter().map(String::as_str));
    assert!(batches.len() > 1);
    for b in &batches {
        let encoded: usize = url::form_urlencoded::byte_serialize(b.join(",").as_bytes())
            .map(str::len)
            .sum();
        assert!(encoded <= LOOKUP_MAX_QUERY_BYTES, "{encoded}");
    }
    assert_eq!(batches.concat().len(), 100);
}

fn product(id: u64, kind: &str, sku: &str, variations: &[u64]) -> Product {
    Product {
        id,
        kind: kind.into(),
        sku: (!sku.is_empty()).then(|| sku.to_owned()),
        manage_stock: ManageStock::Yes,
        stock_quantity: Some(dec!(5)),
        variations: variations.to_vec(),
        ..Product::default()
    }
}

fn found_variation(id: u64, parent_id: u64, sku: &str, manage: ManageStock) -> Product {
    Product {
        parent_id,
        manage_stock: manage,
        ..product(id, "variation", sku, &[])
    }
}

fn listed(id: u64, parent_id: u64, sku: &str) -> Variation {
    Variation {
        id,
        parent_id,
        sku: (!sku.is_empty()).then(|| sku.to_owned()),
        manage_stock: ManageStock::Yes,
        ..Variation::default()
    }
}

fn targets(items: &[ShopItem]) -> Vec<Target> {
    items.iter().map(|i| i.target).collect()
}

#[test]
fn unmatched_skus_are_those_no_product_has_sorted_once() {
    let index = ShopIndex::from_products(vec![
        product(1, "simple", "S1", &[]),
        product(2, "variable", " P ", &[3]),
        product(4, "simple", "", &[]),
    ]);
    let source = ["V2", "S1", "P", "V1", "V2", " "];
    assert_eq!(index.unmatched(source), ["V1", "V2"]);
}

#[test]
fn variations_found_by_lookup_need_no_listing() {
    let mut index = ShopIndex::from_products(vec![
        product(1, "simple", "S1", &[]),
        product(10, "variable", "P", &[11, 12]),
        product(20, "variable", "Q", &[21, 22]),
    ]);
    index.add_found(vec![
        found_variation(11, 10, "V11", ManageStock::Yes),
        found_variation(12, 10, "V12", ManageStock::Parent),
        found_variation(21, 20, "V21", ManageStock::No),
    ]);
    assert_eq!(
        index.parents_to_list(),
        [20],
        "Q's variation 22 was not found (no SKU, or one PayTraq lacks)"
    );
    index.add_variations(20, vec![listed(21, 20, "V21"), listed(22, 20, "")]);
    let items = index.into_items();
    assert_eq!(
        targets(&items),
        [
            Target::Product { id: 1 },
            Target::Product { id: 10 },
            Target::Product { id: 20 },
            Target::Variation {
                parent_id: 10,
                id: 11
            },
            Target::Variation {
                parent_id: 10,
                id: 12
            },
            Target::Variation {
                parent_id: 20,
                id: 21
            },
            Target::Variation {
                parent_id: 20,
                id: 22
            },
        ],
        "21 found by lookup is not indexed again from the listing"
    );
    let stock: Vec<Stock> = items[3..].iter().map(|i| i.stock).collect();
    assert_eq!(
        stock,
        [
            Stock::Managed,
            Stock::Parent,
            Stock::Unmanaged,
            Stock::Managed
        ]
    );
    assert!(items[3..].iter().all(|i| i.has_price));
    assert!(
        !items[1].has_price,
        "a variable parent has no price of its own"
    );
}

#[test]
fn lookup_results_that_are_products_are_indexed_once_as_products() {
    let mut index = ShopIndex::from_products(vec![product(1, "simple", "S1", &[])]);
    index.add_found(vec![
        // Added to the shop after the pages were read.
        product(2, "simple", "NEW", &[]),
        // Already indexed from the pages (e.g. a SKU with a comma matched it too).
        product(1, "simple", "S1", &[]),
        // A variation without a parent cannot be written: left out.
        found_variation(3, 0, "ORPHAN", ManageStock::Yes),
    ]);
    let items = index.into_items();
    assert_eq!(
        targets(&items),
        [Target::Product { id: 1 }, Target::Product { id: 2 }]
    );
}

#[test]
fn a_parent_without_variation_ids_is_never_listed() {
    let index = ShopIndex::from_products(vec![product(10, "variable", "P", &[])]);
    assert!(index.parents_to_list().is_empty());
}
