//! The progress of a run, kept in `SyncRun.checkpoint` and saved after
//! every batch. A resumed run re-reads both sides and plans again: what was
//! written before now agrees and is not planned again, and what failed
//! before is listed here so it is not retried within the run. The counts
//! and SKUs written so far carry over into the final report.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::report::{ItemError, MAX_LISTED};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The guard accepted (or `force` overrode) this run's plan once; a
    /// resumed run does not ask again (its items partly agree already).
    pub guard_passed: bool,
    /// Batches sent so far, over every invocation.
    pub batches_done: u64,
    /// Items written successfully so far, and how many of them had their
    /// stock and their price changed (the SKU lists are capped).
    pub updated: usize,
    pub updated_stock_count: usize,
    pub updated_price_count: usize,
    pub updated_stock: Vec<String>,
    pub updated_price: Vec<String>,
    /// Items the shop refused: not retried in this run.
    pub errors: Vec<ItemError>,
    /// How many invocations worked on the run.
    pub invocations: u32,
    /// Requests sent so far, by `side.endpoint`.
    pub requests: BTreeMap<String, u64>,
}

impl Checkpoint {
    pub fn from_json(value: Option<&serde_json::Value>) -> Self {
        value
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Records one item written successfully.
    pub fn record_written(&mut self, sku: &str, stock: bool, price: bool) {
        self.updated += 1;
        if stock {
            self.updated_stock_count += 1;
            push_capped(&mut self.updated_stock, sku);
        }
        if price {
            self.updated_price_count += 1;
            push_capped(&mut self.updated_price, sku);
        }
    }

    /// Adds request counts of one invocation.
    pub fn add_requests(&mut self, counts: &BTreeMap<String, u64>) {
        for (k, v) in counts {
            *self.requests.entry(k.clone()).or_default() += v;
        }
    }

    /// Ids that failed before and must not be written again in this run.
    pub fn failed_ids(&self) -> BTreeSet<u64> {
        self.errors.iter().map(|e| e.id).collect()
    }
}

fn push_capped(list: &mut Vec<String>, sku: &str) {
    if list.len() < MAX_LISTED {
        list.push(sku.to_owned());
    }
}
