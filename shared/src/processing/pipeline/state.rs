//! The fields of an inbox order the processor owns, and the run's
//! conditional save: a save lost to a concurrent intake write is re-applied
//! on the fresher record; one lost to another worker or an operator stands.

use crate::model::{InboxOrder, OrderStatus};
use crate::store::StoreError;

use super::OrderRun;

/// The fields of an inbox order the processor owns; intake owns the
/// payload, its summary and the pending mark, and only appends to the
/// timeline.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ProcessingState {
    status: OrderStatus,
    reason: Option<String>,
    paytraq: crate::model::PaytraqIds,
    effect_in_doubt: Option<String>,
    notes_sent: Vec<String>,
    /// Timeline entries already stored (the rest are this run's).
    timeline_len: usize,
}

impl ProcessingState {
    pub(super) fn of(order: &InboxOrder) -> Self {
        Self {
            status: order.status,
            reason: order.reason.clone(),
            paytraq: order.paytraq.clone(),
            effect_in_doubt: order.effect_in_doubt.clone(),
            notes_sent: order.notes_sent.clone(),
            timeline_len: order.timeline.len(),
        }
    }

    fn same_state(&self, other: &ProcessingState) -> bool {
        Self {
            timeline_len: 0,
            ..self.clone()
        } == Self {
            timeline_len: 0,
            ..other.clone()
        }
    }
}

/// Saves lost to a concurrent intake write that are re-applied before the
/// step gives up (and the message is retried).
const SAVE_ATTEMPTS: usize = 4;

impl OrderRun<'_> {
    /// Saves the order conditionally on the version read. When intake
    /// stored a newer payload (or its "enqueued" mark) in between, this run's
    /// processing state is re-applied on top of the fresh record and saved
    /// again; when anyone else changed the processing state (another worker,
    /// an operator), the conflict stands and the message is retried.
    pub(super) async fn save(&mut self) -> Result<(), StoreError> {
        let mut attempts = 0;
        loop {
            if !self.newer_payload {
                // This run holds the message of the stored payload: it is queued.
                self.order.pending_since = None;
            }
            match self.app.repo.save_order(&mut self.order).await {
                Ok(()) => {
                    self.synced = ProcessingState::of(&self.order);
                    return Ok(());
                }
                Err(StoreError::Conflict(what)) if attempts + 1 < SAVE_ATTEMPTS => {
                    attempts += 1;
                    let fresh = self
                        .app
                        .repo
                        .get_order(&self.order.channel_id, &self.order.key)
                        .await?
                        .ok_or_else(|| StoreError::Conflict(what.clone()))?;
                    if !ProcessingState::of(&fresh).same_state(&self.synced) {
                        return Err(StoreError::Conflict(format!(
                            "{what} (processing state changed by another worker or an operator)"
                        )));
                    }
                    self.rebase(fresh);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// This run's processing state on top of a fresher record of the order.
    pub(super) fn rebase(&mut self, mut fresh: InboxOrder) {
        let ours = self
            .order
            .timeline
            .split_off(self.synced.timeline_len.min(self.order.timeline.len()));
        self.synced.timeline_len = fresh.timeline.len();
        fresh.timeline.extend(ours);
        self.newer_payload |= fresh.payload != self.order.payload;
        fresh.status = self.order.status;
        fresh.reason = self.order.reason.take();
        fresh.paytraq = std::mem::take(&mut self.order.paytraq);
        fresh.effect_in_doubt = self.order.effect_in_doubt.take();
        fresh.notes_sent = std::mem::take(&mut self.order.notes_sent);
        self.order = fresh;
    }
}
