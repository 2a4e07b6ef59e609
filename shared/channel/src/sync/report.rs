//! The report of a sync run: what matched, what was written, what was left
//! alone and why, with the SKUs, plus the requests the run cost per
//! endpoint. Stored on the `SyncRun` (SKU lists capped so a record stays
//! well inside a DynamoDB item) and returned by the admin API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::plan::Change;

/// Longest SKU list kept in a stored report; the counts stay exact.
pub const MAX_LISTED: usize = 500;

/// One item the shop refused (or that could not be written).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemError {
    pub sku: String,
    pub id: u64,
    pub code: String,
    pub message: String,
}

/// Exact figures of a run (the lists below may be capped).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub matched: usize,
    pub planned: usize,
    pub updated: usize,
    pub updated_stock: usize,
    pub updated_price: usize,
    pub unchanged: usize,
    pub skipped_unmanaged: usize,
    pub parent_managed: usize,
    pub only_in_shop: usize,
    pub only_in_paytraq: usize,
    pub negative_availability: usize,
    pub without_price: usize,
    pub without_sku: usize,
    pub errors: usize,
    /// Items PayTraq knows whose price was not written, for any reason
    /// (`Report::prices_skipped`); absent from reports of before it.
    #[serde(default)]
    pub prices_skipped: usize,
    /// Items whose stock the sync leaves alone but whose price it syncs.
    #[serde(default)]
    pub price_only_matched: usize,
}

/// The prices the sync did not write although price sync is on and
/// PayTraq knows the SKU, by reason. Apart from the stock skips
/// (`skipped_unmanaged`, `parent_managed`): an item may be in both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSkips {
    /// How many, in all (exact even when the lists are capped).
    #[serde(default)]
    pub count: usize,
    /// `manage_stock: false`, and the channel does not sync prices of items
    /// without stock management.
    #[serde(default)]
    pub unmanaged: Vec<String>,
    /// Variations whose stock the parent manages, and the channel does not
    /// sync prices of items without stock management.
    #[serde(default)]
    pub parent_managed: Vec<String>,
    /// The price group has no price for the SKU.
    #[serde(default)]
    pub no_price: Vec<String>,
}

impl PriceSkips {
    fn total(&self) -> usize {
        self.unmanaged.len() + self.parent_managed.len() + self.no_price.len()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Filled by [`Report::finish`]; exact even when lists are capped.
    #[serde(default)]
    pub counts: Counts,
    /// Managed shop items whose SKU PayTraq knows.
    pub matched: usize,
    /// Shop items whose stock the sync leaves alone (unmanaged, or managed
    /// by the parent) but whose price it syncs (the channel's setting
    /// `sync_prices_without_stock_management`), and PayTraq knows the SKU.
    #[serde(default)]
    pub price_only_matched: usize,
    /// Matched (and price-only) items whose stock and price already agree.
    pub unchanged: usize,
    /// Writes the plan asked for (all of them in a dry run).
    #[serde(default)]
    pub planned: Vec<Change>,
    #[serde(default)]
    pub planned_count: usize,
    /// Items written: those whose stock, and those whose price, changed.
    #[serde(default)]
    pub updated_stock: Vec<String>,
    #[serde(default)]
    pub updated_price: Vec<String>,
    #[serde(default)]
    pub updated: usize,
    #[serde(default)]
    pub updated_stock_count: usize,
    #[serde(default)]
    pub updated_price_count: usize,
    /// `manage_stock: false`.
    #[serde(default)]
    pub skipped_unmanaged: Vec<String>,
    /// Variations whose stock the parent manages.
    #[serde(default)]
    pub parent_managed: Vec<String>,
    #[serde(default)]
    pub only_in_shop: Vec<String>,
    #[serde(default)]
    pub only_in_paytraq: Vec<String>,
    /// PayTraq availability below zero (written as 0).
    #[serde(default)]
    pub negative_availability: Vec<String>,
    /// Price sync on, but the price group has no price for the SKU.
    #[serde(default)]
    pub without_price: Vec<String>,
    /// Prices not written, by reason (the stock skips are the lists above).
    #[serde(default)]
    pub prices_skipped: PriceSkips,
    /// SKUs PayTraq returned more than once (the first one is used).
    #[serde(default)]
    pub duplicate_in_paytraq: Vec<String>,
    /// Not retried in a resumed run because writing them failed before.
    #[serde(default)]
    pub skipped_after_error: Vec<String>,
    #[serde(default)]
    pub without_sku: usize,
    #[serde(default)]
    pub errors: Vec<ItemError>,
    /// Requests sent, by `side.endpoint` (e.g. `woocommerce.products`).
    #[serde(default)]
    pub requests: BTreeMap<String, u64>,
    /// Why the plan was not applied (guard), if it was not.
    #[serde(default)]
    pub refused: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
    /// Set when some lists above were cut to [`MAX_LISTED`].
    #[serde(default)]
    pub lists_truncated: bool,
}

impl Report {
    /// Fills `counts` from the lists (call before capping).
    pub fn finish(&mut self) {
        self.counts = Counts {
            matched: self.matched,
            planned: self.planned_count,
            updated: self.updated,
            updated_stock: self.updated_stock_count.max(self.updated_stock.len()),
            updated_price: self.updated_price_count.max(self.updated_price.len()),
            unchanged: self.unchanged,
            skipped_unmanaged: self.skipped_unmanaged.len(),
            parent_managed: self.parent_managed.len(),
            only_in_shop: self.only_in_shop.len(),
            only_in_paytraq: self.only_in_paytraq.len(),
            negative_availability: self.negative_availability.len(),
            without_price: self.without_price.len(),
            without_sku: self.without_sku,
            errors: self.errors.len(),
            prices_skipped: self.prices_skipped.total(),
            price_only_matched: self.price_only_matched,
        };
        self.prices_skipped.count = self.counts.prices_skipped;
    }

    /// The report as stored: counts exact, every list at most `MAX_LISTED`.
    pub fn to_stored(&self) -> serde_json::Value {
        let mut r = self.clone();
        r.finish();
        let mut cut = false;
        for list in [
            &mut r.updated_stock,
            &mut r.updated_price,
            &mut r.skipped_unmanaged,
            &mut r.parent_managed,
            &mut r.only_in_shop,
            &mut r.only_in_paytraq,
            &mut r.negative_availability,
            &mut r.without_price,
            &mut r.duplicate_in_paytraq,
            &mut r.skipped_after_error,
            &mut r.prices_skipped.unmanaged,
            &mut r.prices_skipped.parent_managed,
            &mut r.prices_skipped.no_price,
        ] {
            cut |= list.len() > MAX_LISTED;
            list.truncate(MAX_LISTED);
        }
        cut |= r.planned.len() > MAX_LISTED || r.errors.len() > MAX_LISTED;
        r.planned.truncate(MAX_LISTED);
        r.errors.truncate(MAX_LISTED);
        r.lists_truncated = cut;
        serde_json::to_value(&r).unwrap_or(serde_json::Value::Null)
    }

    /// Reads a stored report back (`None` if the JSON is not one).
    pub fn from_stored(value: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(value.clone()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_report_caps_lists_but_keeps_counts() {
        let mut r = Report {
            only_in_shop: (0..MAX_LISTED + 7).map(|i| format!("S{i}")).collect(),
            matched: 3,
            ..Report::default()
        };
        r.finish();
        let stored = r.to_stored();
        let back = Report::from_stored(&stored).unwrap();
        assert_eq!(back.only_in_shop.len(), MAX_LISTED);
        assert_eq!(back.counts.only_in_shop, MAX_LISTED + 7);
        assert_eq!(back.counts.matched, 3);
        assert!(back.lists_truncated);
    }
}
