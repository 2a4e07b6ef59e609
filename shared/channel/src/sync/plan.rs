//! The pure planner: PayTraq availability and prices plus the shop's SKU
//! index in, the list of writes (already cut into batches of at most 100)
//! and the report out. No I/O: every rule of the sync is decided here and
//! unit-tested on plain structs.
//!
//! Stock is written only to items that manage their own stock. Prices (with
//! `sync_prices`) go to those too and, with
//! [`PlanOptions::prices_without_stock_management`], to items whose stock
//! the sync leaves alone (unmanaged, or managed by the parent): a price-only
//! write with the item's own SKU's price. Without that setting their prices
//! are reported as skipped, apart from the stock skips.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::report::Report;
use crate::money;

/// WooCommerce takes at most 100 items per batch request.
pub const BATCH_LIMIT: usize = 100;

/// What PayTraq says about one SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceItem {
    pub sku: String,
    /// Stock in the warehouse minus the quantity in approved sales orders.
    /// May be negative or fractional; the planner decides what to write.
    pub available: Decimal,
    /// Price of the chosen price group, tax-inclusive or not as the shop
    /// shows prices. `None` when the group has no price for the item.
    pub price: Option<Decimal>,
}

/// Whose stock a shop item's `stock_quantity` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stock {
    /// `manage_stock: true`: the item's own stock; the sync writes it.
    Managed,
    /// A variation with `manage_stock: "parent"`: its stock is left to the
    /// parent (its price is its own).
    Parent,
    /// `manage_stock: false`: its stock is never touched.
    Unmanaged,
}

/// Where a write goes: `products/batch` or `products/{parent}/variations/batch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    Product { id: u64 },
    Variation { parent_id: u64, id: u64 },
}

impl Target {
    pub fn id(self) -> u64 {
        match self {
            Target::Product { id } | Target::Variation { id, .. } => id,
        }
    }
}

/// One item of the shop's SKU index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopItem {
    pub target: Target,
    /// Trimmed; `None` (or empty) when the item has no SKU.
    pub sku: Option<String>,
    pub stock: Stock,
    pub stock_quantity: Option<Decimal>,
    pub regular_price: Option<Decimal>,
    /// Whether the item carries its own regular price (simple products and
    /// variations; not variable/grouped parents).
    pub has_price: bool,
}

/// The planner's settings, from the channel and the shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanOptions {
    pub sync_prices: bool,
    /// With `sync_prices`: also write the prices of items whose stock the
    /// sync leaves alone ([`Stock::Unmanaged`], [`Stock::Parent`]); their
    /// stock stays untouched. Off: their prices are reported as skipped.
    pub prices_without_stock_management: bool,
    /// `woocommerce_price_num_decimals`.
    pub price_decimals: u32,
}

/// One write: new absolute values for one item (`None` = leave as is).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub target: Target,
    pub sku: String,
    pub stock_quantity: Option<i64>,
    /// Already rounded to, and carrying exactly, the shop's decimals.
    pub regular_price: Option<Decimal>,
    /// The stock before the change (for the guard and the report).
    pub old_stock: Option<Decimal>,
}

/// Changes that go out in one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// `None` = `products/batch`; `Some(parent)` = that parent's variations.
    pub parent_id: Option<u64>,
    pub changes: Vec<Change>,
}

/// The outcome of planning.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Products first (by id), then variations by parent and id; each batch
    /// has at most [`BATCH_LIMIT`] changes.
    pub batches: Vec<Batch>,
    pub report: Report,
    /// Managed, matched items whose stock is positive now and would be 0.
    pub drops_to_zero: usize,
    /// How many SKUs PayTraq returned.
    pub source_items: usize,
}

impl Plan {
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.batches.iter().flat_map(|b| b.changes.iter())
    }

    pub fn change_count(&self) -> usize {
        self.batches.iter().map(|b| b.changes.len()).sum()
    }
}

/// The quantity written to the shop: whole units, rounded down (never
/// promise a fraction that is not there), never below zero.
pub fn shop_quantity(available: Decimal) -> i64 {
    let floored = available.floor();
    if floored <= Decimal::ZERO {
        return 0;
    }
    i64::try_from(floored).unwrap_or(i64::MAX)
}

/// A price as the shop stores it: rounded half away from zero to the
/// shop's decimals, with exactly that many decimals (`12.5` → `12.50`).
pub fn shop_price(price: Decimal, decimals: u32) -> Decimal {
    let mut p = money::round_to(price, decimals);
    p.rescale(decimals);
    p
}

/// Plans the sync. `skip` holds item ids that must not be written again in
/// this run (items that failed earlier in a resumed run).
pub fn plan(
    source: &[SourceItem],
    shop: &[ShopItem],
    opts: PlanOptions,
    skip: &BTreeSet<u64>,
) -> Plan {
    let mut by_sku: HashMap<&str, &SourceItem> = HashMap::with_capacity(source.len());
    let mut report = Report::default();
    for item in source {
        let sku = item.sku.trim();
        if sku.is_empty() {
            continue;
        }
        if by_sku.insert(sku, item).is_some() {
            report.duplicate_in_paytraq.push(sku.to_owned());
        }
    }
    let mut seen_in_shop: BTreeSet<&str> = BTreeSet::new();
    let mut writes = Writes::default();
    let mut drops_to_zero = 0;

    for item in shop {
        let Some(sku) = item.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            report.without_sku += 1;
            continue;
        };
        let found = by_sku.get(sku).copied();
        if found.is_some() {
            seen_in_shop.insert(sku);
        }
        let planned = match item.stock {
            Stock::Managed => {
                let Some(src) = found else {
                    report.only_in_shop.push(sku.to_owned());
                    continue;
                };
                report.matched += 1;
                if src.available < Decimal::ZERO {
                    report.negative_availability.push(sku.to_owned());
                }
                diff(item, sku, src, opts, &mut report)
            }
            Stock::Parent | Stock::Unmanaged => {
                if item.stock == Stock::Parent {
                    report.parent_managed.push(sku.to_owned());
                } else {
                    report.skipped_unmanaged.push(sku.to_owned());
                }
                let Some(src) = found else {
                    continue;
                };
                if !syncs_price_only(item, sku, opts, &mut report) {
                    continue;
                }
                report.price_only_matched += 1;
                price_only(item, sku, src, opts, &mut report)
            }
        };
        let Some(change) = planned else {
            report.unchanged += 1;
            continue;
        };
        if change.stock_quantity == Some(0)
            && item.stock_quantity.is_some_and(|q| q > Decimal::ZERO)
        {
            drops_to_zero += 1;
        }
        if skip.contains(&item.target.id()) {
            report.skipped_after_error.push(sku.to_owned());
            continue;
        }
        writes.push(change);
    }
    report.only_in_paytraq = by_sku
        .keys()
        .filter(|sku| !seen_in_shop.contains(*sku))
        .map(|s| (*s).to_owned())
        .collect();
    report.only_in_paytraq.sort();

    Plan {
        batches: writes.into_batches(),
        report,
        drops_to_zero,
        source_items: by_sku.len(),
    }
}

/// The change for one matched, managed item; `None` when nothing differs.
/// Records a missing price in the report.
fn diff(
    item: &ShopItem,
    sku: &str,
    src: &SourceItem,
    opts: PlanOptions,
    report: &mut Report,
) -> Option<Change> {
    let quantity = shop_quantity(src.available);
    let stock = (item.stock_quantity != Some(Decimal::from(quantity))).then_some(quantity);
    let price = if opts.sync_prices && item.has_price {
        new_price(item, sku, src, opts, report)
    } else {
        None
    };
    if stock.is_none() && price.is_none() {
        return None;
    }
    Some(Change {
        target: item.target,
        sku: sku.to_owned(),
        stock_quantity: stock,
        regular_price: price,
        old_stock: item.stock_quantity,
    })
}

/// The price-only change of a matched item whose stock the sync leaves
/// alone; `None` when its price agrees (or PayTraq has none).
fn price_only(
    item: &ShopItem,
    sku: &str,
    src: &SourceItem,
    opts: PlanOptions,
    report: &mut Report,
) -> Option<Change> {
    let price = new_price(item, sku, src, opts, report)?;
    Some(Change {
        target: item.target,
        sku: sku.to_owned(),
        stock_quantity: None,
        regular_price: Some(price),
        old_stock: item.stock_quantity,
    })
}

/// Whether the price of an item whose stock the sync leaves alone is
/// written. When price sync is on and the item has a price of its own but
/// the channel does not sync such items' prices, records the price skip.
fn syncs_price_only(item: &ShopItem, sku: &str, opts: PlanOptions, report: &mut Report) -> bool {
    if !opts.sync_prices || !item.has_price {
        return false;
    }
    if opts.prices_without_stock_management {
        return true;
    }
    let skipped = &mut report.prices_skipped;
    match item.stock {
        Stock::Parent => skipped.parent_managed.push(sku.to_owned()),
        Stock::Unmanaged | Stock::Managed => skipped.unmanaged.push(sku.to_owned()),
    }
    false
}

/// The price to write to a matched item whose price is synced: PayTraq's,
/// in the shop's decimals; `None` when the item already has it, or when the
/// price group has none for the SKU (recorded as a price skip).
fn new_price(
    item: &ShopItem,
    sku: &str,
    src: &SourceItem,
    opts: PlanOptions,
    report: &mut Report,
) -> Option<Decimal> {
    match src.price {
        Some(p) => {
            let p = shop_price(p, opts.price_decimals);
            (item.regular_price != Some(p)).then_some(p)
        }
        None => {
            report.without_price.push(sku.to_owned());
            report.prices_skipped.no_price.push(sku.to_owned());
            None
        }
    }
}

/// The planned changes by where they go, until they are cut into batches.
#[derive(Default)]
struct Writes {
    products: Vec<Change>,
    variations: BTreeMap<u64, Vec<Change>>,
}

impl Writes {
    fn push(&mut self, change: Change) {
        match change.target {
            Target::Product { .. } => self.products.push(change),
            Target::Variation { parent_id, .. } => {
                self.variations.entry(parent_id).or_default().push(change)
            }
        }
    }

    /// Products first (by id), then each parent's variations (by id).
    fn into_batches(mut self) -> Vec<Batch> {
        self.products.sort_by_key(|c| c.target);
        let mut batches = chunk(None, self.products);
        for (parent, mut list) in self.variations {
            list.sort_by_key(|c| c.target);
            batches.extend(chunk(Some(parent), list));
        }
        batches
    }
}

fn chunk(parent_id: Option<u64>, changes: Vec<Change>) -> Vec<Batch> {
    let mut out = Vec::with_capacity(changes.len().div_ceil(BATCH_LIMIT));
    let mut rest = changes.into_iter().peekable();
    while rest.peek().is_some() {
        out.push(Batch {
            parent_id,
            changes: rest.by_ref().take(BATCH_LIMIT).collect(),
        });
    }
    out
}
