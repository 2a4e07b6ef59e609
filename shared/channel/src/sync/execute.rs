//! Sending a plan's batches: one request per batch (at most 100 items),
//! per-item outcomes recorded in the checkpoint. An item the shop refuses
//! is an error of that item only; a request that failed as a whole is
//! either retried later (rate limit, 5xx, timeout: the job stops and is
//! resumed) or, when repeating cannot help, counted as an error of each of
//! its items.

use crate::shop::Shop;
use crate::woocommerce::catalog::{BatchItemResult, ProductUpdate};
use crate::woocommerce::{ApiErrorBody, WooError};

use super::checkpoint::Checkpoint;
use super::plan::{Batch, Change};
use super::report::ItemError;

/// The update sent for one change: stock with `manage_stock: true`, the
/// price as a string with the shop's decimals.
pub fn update_of(change: &Change) -> ProductUpdate {
    ProductUpdate {
        id: change.target.id(),
        manage_stock: change.stock_quantity.map(|_| true),
        stock_quantity: change.stock_quantity,
        regular_price: change.regular_price,
        sale_price: None,
    }
}

/// Sends one batch and records each item's outcome in `cp`. Returns the
/// error only when the whole request failed in a way worth retrying; the
/// batch is then not counted and nothing of it is recorded.
pub async fn send_batch(
    woo: &dyn Shop,
    batch: &Batch,
    cp: &mut Checkpoint,
) -> Result<(), WooError> {
    let updates: Vec<ProductUpdate> = batch.changes.iter().map(update_of).collect();
    let outcomes = match batch.parent_id {
        None => woo
            .batch_update_products(updates)
            .await
            .map(|r| outcomes(&r)),
        Some(parent) => woo
            .batch_update_variations(parent, updates)
            .await
            .map(|r| outcomes(&r)),
    };
    match outcomes {
        Ok(list) => record(batch, &list, cp),
        Err(e) if e.is_retryable() => return Err(e),
        Err(e) => {
            let code = e.code().unwrap_or("request_failed").to_owned();
            for c in &batch.changes {
                cp.errors.push(item_error(c, code.clone(), e.to_string()));
            }
        }
    }
    cp.batches_done += 1;
    Ok(())
}

/// Per-item outcome of a batch answer, in request order (`Some` = refused).
fn outcomes<T>(results: &[BatchItemResult<T>]) -> Vec<Option<(u64, ApiErrorBody)>> {
    results
        .iter()
        .map(|r| match r {
            BatchItemResult::Updated(_) => None,
            BatchItemResult::Failed { id, error } => Some((*id, error.clone())),
        })
        .collect()
}

/// WooCommerce answers the items in request order; a failed item names
/// its id (0 when it could not), which wins over the position.
fn record(batch: &Batch, outcomes: &[Option<(u64, ApiErrorBody)>], cp: &mut Checkpoint) {
    for (i, change) in batch.changes.iter().enumerate() {
        match outcomes.get(i) {
            Some(None) => cp.record_written(
                &change.sku,
                change.stock_quantity.is_some(),
                change.regular_price.is_some(),
            ),
            Some(Some((id, err))) => {
                let failed = batch
                    .changes
                    .iter()
                    .find(|c| *id != 0 && c.target.id() == *id)
                    .unwrap_or(change);
                cp.errors
                    .push(item_error(failed, err.code.clone(), err.message.clone()));
            }
            None => cp.errors.push(item_error(
                change,
                "missing_result".into(),
                "the batch answer has no result for this item".into(),
            )),
        }
    }
}

fn item_error(change: &Change, code: String, message: String) -> ItemError {
    ItemError {
        sku: change.sku.clone(),
        id: change.target.id(),
        code,
        message,
    }
}
