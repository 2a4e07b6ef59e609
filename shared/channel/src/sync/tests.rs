//! Unit tests of the pure parts: planner, guard, executor's update shape.
//! Plain structs in, no HTTP. (The reads' pure parts: `read/tests.rs`.)

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::execute::update_of;
use super::guard::{check, Refusal};
use super::plan::*;
use super::report::Report;

fn src(sku: &str, available: Decimal, price: Option<Decimal>) -> SourceItem {
    SourceItem {
        sku: sku.into(),
        available,
        price,
    }
}

fn product(
    id: u64,
    sku: &str,
    stock: Stock,
    qty: Option<Decimal>,
    price: Option<Decimal>,
) -> ShopItem {
    ShopItem {
        target: Target::Product { id },
        sku: Some(sku.into()),
        stock,
        stock_quantity: qty,
        regular_price: price,
        has_price: true,
    }
}

fn variation(parent_id: u64, id: u64, sku: &str, stock: Stock, qty: Option<Decimal>) -> ShopItem {
    ShopItem {
        target: Target::Variation { parent_id, id },
        sku: Some(sku.into()),
        stock,
        stock_quantity: qty,
        regular_price: Some(dec!(10.00)),
        has_price: true,
    }
}

const STOCK_ONLY: PlanOptions = PlanOptions {
    sync_prices: false,
    prices_without_stock_management: false,
    price_decimals: 2,
};
const WITH_PRICES: PlanOptions = PlanOptions {
    sync_prices: true,
    prices_without_stock_management: false,
    price_decimals: 2,
};
/// Prices of items without their own stock management synced too.
const ALL_PRICES: PlanOptions = PlanOptions {
    sync_prices: true,
    prices_without_stock_management: true,
    price_decimals: 2,
};

fn no_skip() -> BTreeSet<u64> {
    BTreeSet::new()
}

#[test]
fn simple_product_gets_new_stock_and_equal_one_is_unchanged() {
    let source = [src("A", dec!(7), None), src("B", dec!(3), None)];
    let shop = [
        product(1, "A", Stock::Managed, Some(dec!(5)), None),
        product(2, "B", Stock::Managed, Some(dec!(3)), None),
    ];
    let p = plan(&source, &shop, STOCK_ONLY, &no_skip());
    assert_eq!(p.batches.len(), 1);
    assert_eq!(p.batches[0].parent_id, None);
    let c = &p.batches[0].changes[0];
    assert_eq!(
        (c.target, c.sku.as_str(), c.stock_quantity, c.regular_price),
        (Target::Product { id: 1 }, "A", Some(7), None)
    );
    assert_eq!(p.report.matched, 2);
    assert_eq!(p.report.unchanged, 1);
}

#[test]
fn variation_goes_to_its_parents_batch() {
    let source = [src("V1", dec!(4), None)];
    let shop = [variation(10, 11, "V1", Stock::Managed, Some(dec!(1)))];
    let p = plan(&source, &shop, STOCK_ONLY, &no_skip());
    assert_eq!(p.batches.len(), 1);
    assert_eq!(p.batches[0].parent_id, Some(10));
    assert_eq!(
        p.batches[0].changes[0].target,
        Target::Variation {
            parent_id: 10,
            id: 11
        }
    );
    assert_eq!(p.batches[0].changes[0].stock_quantity, Some(4));
}

#[test]
fn parent_managed_variation_is_left_to_the_parent() {
    let source = [src("PARENT", dec!(9), None), src("V1", dec!(4), None)];
    let shop = [
        ShopItem {
            has_price: false,
            ..product(10, "PARENT", Stock::Managed, Some(dec!(2)), None)
        },
        variation(10, 11, "V1", Stock::Parent, Some(dec!(2))),
    ];
    let p = plan(&source, &shop, WITH_PRICES, &no_skip());
    let changes: Vec<_> = p.changes().collect();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].target, Target::Product { id: 10 });
    assert_eq!(changes[0].stock_quantity, Some(9));
    // a variable parent has no price of its own
    assert_eq!(changes[0].regular_price, None);
    assert_eq!(p.report.parent_managed, vec!["V1".to_string()]);
    assert!(p.report.only_in_paytraq.is_empty());
}

#[test]
fn unmanaged_product_is_skipped_and_counted() {
    let source = [src("A", dec!(7), Some(dec!(1)))];
    let shop = [product(1, "A", Stock::Unmanaged, None, Some(dec!(2)))];
    let p = plan(&source, &shop, WITH_PRICES, &no_skip());
    assert_eq!(p.change_count(), 0);
    assert_eq!(p.report.skipped_unmanaged, vec!["A".to_string()]);
    assert_eq!(p.report.matched, 0);
}

#[test]
fn sku_missing_on_either_side_is_reported() {
    let source = [src("BOTH", dec!(1), None), src("PT_ONLY", dec!(1), None)];
    let mut no_sku = product(3, "", Stock::Managed, Some(dec!(1)), None);
    no_sku.sku = None;
    let shop = [
        product(1, "BOTH", Stock::Managed, Some(dec!(1)), None),
        product(2, "SHOP_ONLY", Stock::Managed, Some(dec!(1)), None),
        no_sku,
    ];
    let p = plan(&source, &shop, STOCK_ONLY, &no_skip());
    assert_eq!(p.report.only_in_shop, vec!["SHOP_ONLY".to_string()]);
    assert_eq!(p.report.only_in_paytraq, vec!["PT_ONLY".to_string()]);
    assert_eq!(p.report.without_sku, 1);
    assert_eq!(p.change_count(), 0);
}

#[test]
fn skus_are_matched_after_trimming() {
    let source = [src(" A ", dec!(2), None)];
    let shop = [product(1, "A  ", Stock::Managed, Some(dec!(1)), None)];
    let p = plan(&source, &shop, STOCK_ONLY, &no_skip());
    assert_eq!(p.change_count(), 1);
    assert_eq!(p.changes().next().map(|c| c.sku.as_str()), Some("A"));
}

#[test]
fn negative_and_fractional_availability_are_written_as_whole_non_negative_units() {
    assert_eq!(shop_quantity(dec!(-3)), 0);
    assert_eq!(shop_quantity(dec!(2.9)), 2);
    assert_eq!(shop_quantity(dec!(0.5)), 0);
    let source = [src("A", dec!(-3), None)];
    let shop = [product(1, "A", Stock::Managed, Some(dec!(4)), None)];
    let p = plan(&source, &shop, STOCK_ONLY, &no_skip());
    assert_eq!(p.changes().next().and_then(|c| c.stock_quantity), Some(0));
    assert_eq!(p.report.negative_availability, vec!["A".to_string()]);
    assert_eq!(p.drops_to_zero, 1);
}

#[test]
fn missing_stock_quantity_on_a_managed_item_is_written() {
    let source = [src("A", dec!(0), None)];
    let shop = [product(1, "A", Stock::Managed, None, None)];
    let p = plan(&source, &shop, STOCK_ONLY, &no_skip());
    assert_eq!(p.changes().next().and_then(|c| c.stock_quantity), Some(0));
    assert_eq!(p.drops_to_zero, 0, "nothing was in stock");
}

#[test]
fn price_sync_off_never_writes_prices() {
    let source = [src("A", dec!(5), Some(dec!(99)))];
    let shop = [product(
        1,
        "A",
        Stock::Managed,
        Some(dec!(5)),
        Some(dec!(10)),
    )];
    let p = plan(&source, &shop, STOCK_ONLY, &no_skip());
    assert_eq!(p.change_count(), 0);
    assert_eq!(p.report.unchanged, 1);
}

#[test]
fn price_sync_on_writes_rounded_price_with_the_shops_decimals() {
    let source = [
        src("A", dec!(5), Some(dec!(12.345))),
        src("B", dec!(5), Some(dec!(10))),
        src("C", dec!(5), None),
    ];
    let shop = [
        product(1, "A", Stock::Managed, Some(dec!(5)), Some(dec!(10))),
        product(2, "B", Stock::Managed, Some(dec!(5)), Some(dec!(10.00))),
        product(3, "C", Stock::Managed, Some(dec!(5)), Some(dec!(1))),
    ];
    let p = plan(&source, &shop, WITH_PRICES, &no_skip());
    let changes: Vec<_> = p.changes().collect();
    assert_eq!(changes.len(), 1, "B agrees (10 == 10.00), C has no price");
    assert_eq!(changes[0].stock_quantity, None);
    assert_eq!(
        changes[0].regular_price.map(|p| p.to_string()),
        Some("12.35".into())
    );
    assert_eq!(p.report.without_price, vec!["C".to_string()]);
    let three = PlanOptions {
        price_decimals: 3,
        ..WITH_PRICES
    };
    let p = plan(&source[1..2], &shop[1..2], three, &no_skip());
    assert_eq!(p.change_count(), 0, "10.000 equals 10.00");
    assert_eq!(shop_price(dec!(10), 3).to_string(), "10.000");
    assert_eq!(shop_price(dec!(2.5), 0).to_string(), "3");
}

#[test]
fn update_sends_stock_with_manage_stock_and_price_as_string() {
    let change = Change {
        target: Target::Variation {
            parent_id: 1,
            id: 2,
        },
        sku: "V".into(),
        stock_quantity: Some(4),
        regular_price: Some(shop_price(dec!(3.5), 2)),
        old_stock: None,
    };
    let json = serde_json::to_value(update_of(&change)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"id": 2, "manage_stock": true, "stock_quantity": 4, "regular_price": "3.50"})
    );
    let price_only = Change {
        stock_quantity: None,
        ..change
    };
    let json = serde_json::to_value(update_of(&price_only)).unwrap();
    assert_eq!(json, serde_json::json!({"id": 2, "regular_price": "3.50"}));
}

#[test]
fn more_than_100_changes_are_cut_into_batches_of_at_most_100() {
    let n = 250;
    let source: Vec<_> = (0..n)
        .map(|i| src(&format!("S{i}"), dec!(1), None))
        .collect();
    let mut shop: Vec<_> = (0..n)
        .map(|i| product(i + 1, &format!("S{i}"), Stock::Managed, Some(dec!(0)), None))
        .collect();
    shop.extend((0..130).map(|i| {
        variation(
            9000,
            9001 + i,
            &format!("S{i}"),
            Stock::Managed,
            Some(dec!(0)),
        )
    }));
    let p = plan(&source, &shop, STOCK_ONLY, &no_skip());
    let sizes: Vec<_> = p
        .batches
        .iter()
        .map(|b| (b.parent_id, b.changes.len()))
        .collect();
    assert_eq!(
        sizes,
        vec![
            (None, 100),
            (None, 100),
            (None, 50),
            (Some(9000), 100),
            (Some(9000), 30)
        ]
    );
    assert_eq!(p.change_count(), 380);
}

#[test]
fn failed_items_of_a_resumed_run_are_not_planned_again() {
    let source = [src("A", dec!(1), None), src("B", dec!(1), None)];
    let shop = [
        product(1, "A", Stock::Managed, Some(dec!(0)), None),
        product(2, "B", Stock::Managed, Some(dec!(0)), None),
    ];
    let p = plan(&source, &shop, STOCK_ONLY, &BTreeSet::from([2]));
    assert_eq!(p.change_count(), 1);
    assert_eq!(p.report.skipped_after_error, vec!["B".to_string()]);
}

#[test]
fn mass_zero_guard_trips_above_the_share_only() {
    let source: Vec<_> = (0..10)
        .map(|i| {
            src(
                &format!("S{i}"),
                if i < 5 { dec!(0) } else { dec!(3) },
                None,
            )
        })
        .collect();
    let shop: Vec<_> = (0..10)
        .map(|i| product(i + 1, &format!("S{i}"), Stock::Managed, Some(dec!(3)), None))
        .collect();
    let p = plan(&source, &shop, STOCK_ONLY, &no_skip());
    assert_eq!(p.drops_to_zero, 5);
    assert_eq!(check(&p, 0.5), Ok(()), "exactly 50% is allowed");
    assert_eq!(
        check(&p, 0.4),
        Err(Refusal::MassZero {
            drops: 5,
            managed: 10,
            limit_percent: 40
        })
    );
    let six: Vec<_> = source
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 5 {
                src("S5", dec!(0), None)
            } else {
                s.clone()
            }
        })
        .collect();
    let p = plan(&six, &shop, STOCK_ONLY, &no_skip());
    assert!(matches!(
        check(&p, 0.5),
        Err(Refusal::MassZero { drops: 6, .. })
    ));
}

#[test]
fn empty_paytraq_catalogue_is_refused() {
    let shop = [product(1, "A", Stock::Managed, Some(dec!(3)), None)];
    let p = plan(&[], &shop, STOCK_ONLY, &no_skip());
    assert_eq!(check(&p, 0.5), Err(Refusal::EmptySource));
    assert_eq!(p.report.only_in_shop, vec!["A".to_string()]);
}

/// A shop with an unmanaged product, a variable parent managing its stock
/// and its parent-managed variation (own price 10.00), all known to PayTraq
/// with a price.
fn unmanaged_and_parent_managed() -> ([SourceItem; 3], [ShopItem; 3]) {
    let source = [
        src("FREE", dec!(50), Some(dec!(7.5))),
        src("PARENT", dec!(4), Some(dec!(99))),
        src("V-PARENT", dec!(9), Some(dec!(12.345))),
    ];
    let shop = [
        product(1, "FREE", Stock::Unmanaged, None, Some(dec!(5.00))),
        ShopItem {
            has_price: false,
            ..product(10, "PARENT", Stock::Managed, Some(dec!(4)), None)
        },
        variation(10, 11, "V-PARENT", Stock::Parent, Some(dec!(4))),
    ];
    (source, shop)
}

#[test]
fn prices_of_items_without_stock_management_are_skipped_and_reported_by_default() {
    let (source, shop) = unmanaged_and_parent_managed();
    let p = plan(&source, &shop, WITH_PRICES, &no_skip());
    assert_eq!(
        p.change_count(),
        0,
        "the parent's stock agrees; no price-only writes"
    );
    let skipped = &p.report.prices_skipped;
    assert_eq!(skipped.unmanaged, vec!["FREE".to_string()]);
    assert_eq!(skipped.parent_managed, vec!["V-PARENT".to_string()]);
    assert!(skipped.no_price.is_empty());
    // The stock skips are still reported on their own.
    assert_eq!(p.report.skipped_unmanaged, vec!["FREE".to_string()]);
    assert_eq!(p.report.parent_managed, vec!["V-PARENT".to_string()]);
    assert_eq!(p.report.price_only_matched, 0);
    let mut r = p.report.clone();
    r.finish();
    assert_eq!(r.counts.prices_skipped, 2);
    assert_eq!(r.prices_skipped.count, 2);
}

#[test]
fn without_price_sync_nothing_is_a_price_skip() {
    let (source, shop) = unmanaged_and_parent_managed();
    let p = plan(&source, &shop, STOCK_ONLY, &no_skip());
    assert_eq!(p.report.prices_skipped, Default::default());
    let p = plan(
        &source,
        &shop,
        PlanOptions {
            sync_prices: false,
            ..ALL_PRICES
        },
        &no_skip(),
    );
    assert_eq!(p.change_count(), 0, "the setting alone writes no price");
    assert_eq!(p.report.prices_skipped, Default::default());
}

#[test]
fn with_the_setting_unmanaged_and_parent_managed_items_get_their_own_price_only() {
    let (source, shop) = unmanaged_and_parent_managed();
    let p = plan(&source, &shop, ALL_PRICES, &no_skip());
    let changes: Vec<_> = p.changes().collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(
        (
            changes[0].target,
            changes[0].stock_quantity,
            changes[0].regular_price.map(|p| p.to_string())
        ),
        (Target::Product { id: 1 }, None, Some("7.50".to_string())),
        "unmanaged product: price only, stock untouched"
    );
    assert_eq!(
        (
            changes[1].target,
            changes[1].stock_quantity,
            changes[1].regular_price.map(|p| p.to_string())
        ),
        (
            Target::Variation {
                parent_id: 10,
                id: 11
            },
            None,
            Some("12.35".to_string())
        ),
        "parent-managed variation: its own SKU's price, never the parent's 99"
    );
    assert_eq!(p.batches[1].parent_id, Some(10));
    assert_eq!(p.report.prices_skipped, Default::default());
    assert_eq!(p.report.price_only_matched, 2);
    assert_eq!(
        p.report.matched, 1,
        "stock-managed items only (the guard's base)"
    );
    assert_eq!(p.drops_to_zero, 0);
    // The stock of both stays someone else's business, and says so.
    assert_eq!(p.report.skipped_unmanaged, vec!["FREE".to_string()]);
    assert_eq!(p.report.parent_managed, vec!["V-PARENT".to_string()]);
}

#[test]
fn with_the_setting_an_agreeing_price_is_unchanged_and_a_missing_one_is_a_price_skip() {
    let source = [
        src("SAME", dec!(1), Some(dec!(5))),
        src("NONE", dec!(1), None),
        src("V", dec!(1), None),
    ];
    let shop = [
        product(1, "SAME", Stock::Unmanaged, None, Some(dec!(5.00))),
        product(2, "NONE", Stock::Unmanaged, None, Some(dec!(5.00))),
        variation(10, 11, "V", Stock::Parent, Some(dec!(1))),
    ];
    let p = plan(&source, &shop, ALL_PRICES, &no_skip());
    assert_eq!(p.change_count(), 0);
    assert_eq!(p.report.unchanged, 3);
    assert_eq!(p.report.price_only_matched, 3);
    assert_eq!(
        p.report.prices_skipped.no_price,
        vec!["NONE".to_string(), "V".to_string()]
    );
    assert_eq!(
        p.report.without_price,
        vec!["NONE".to_string(), "V".to_string()]
    );
    // A managed item without a price is a price skip too.
    let managed = [product(
        3,
        "M",
        Stock::Managed,
        Some(dec!(1)),
        Some(dec!(2)),
    )];
    let p = plan(
        &[src("M", dec!(1), None)],
        &managed,
        WITH_PRICES,
        &no_skip(),
    );
    assert_eq!(p.report.prices_skipped.no_price, vec!["M".to_string()]);
}

#[test]
fn price_only_item_that_failed_before_is_not_planned_again() {
    let (source, shop) = unmanaged_and_parent_managed();
    let p = plan(&source, &shop, ALL_PRICES, &BTreeSet::from([11]));
    assert_eq!(p.change_count(), 1);
    assert_eq!(p.report.skipped_after_error, vec!["V-PARENT".to_string()]);
}

#[test]
fn price_skips_are_capped_in_the_stored_report_but_counted_exactly() {
    let mut r = Report {
        prices_skipped: super::report::PriceSkips {
            unmanaged: (0..super::report::MAX_LISTED + 3)
                .map(|i| format!("U{i}"))
                .collect(),
            parent_managed: vec!["V".into()],
            ..Default::default()
        },
        ..Report::default()
    };
    r.finish();
    let back = Report::from_stored(&r.to_stored()).unwrap();
    assert_eq!(
        back.prices_skipped.unmanaged.len(),
        super::report::MAX_LISTED
    );
    assert_eq!(back.prices_skipped.count, super::report::MAX_LISTED + 4);
    assert_eq!(back.counts.prices_skipped, super::report::MAX_LISTED + 4);
    assert!(back.lists_truncated);
    // A report stored before price skips existed still reads.
    let mut old = serde_json::to_value(Report::default()).unwrap();
    old.as_object_mut().unwrap().remove("prices_skipped");
    old.as_object_mut().unwrap().remove("price_only_matched");
    old["counts"]
        .as_object_mut()
        .unwrap()
        .remove("prices_skipped");
    old["counts"]
        .as_object_mut()
        .unwrap()
        .remove("price_only_matched");
    assert_eq!(Report::from_stored(&old), Some(Report::default()));
}
