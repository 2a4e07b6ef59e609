//! The processing state machine of one inbox order:
//! `received → document_created → approved → paid → emailed → done`.
//!
//! Exactly-once rules: every step records what PayTraq handed back before
//! the next step runs. A call that is not safe to repeat (create, payment,
//! e-mail, order note) is preceded by a saved in-doubt mark (an
//! [`Effect`](crate::model::Effect)); a retry that finds the mark checks
//! whether the effect happened before trying again (find the document by
//! our reference, read `amount_due`, list the order's notes). Every save is conditional on the version read,
//! so two workers never both move one order.
//!
//! Layout: here the entry points and the run's advance loop; [`state`]
//! the fields the processor owns and their conditional save; [`effects`]
//! crash points, order notes and in-doubt marks; [`calls`] the PayTraq
//! calls every document's steps make (invoice, sales order, credit note); [`steps`] one file per
//! step; [`lookups`] items, clients and labels; [`error`] why a step stopped;
//! [`reissue`] an operator's replacement of an edited order's invoice.

mod calls;
mod effects;
mod error;
mod lookups;
mod reissue;
mod state;
mod steps;

use std::sync::Arc;

use crate::accounting::Accounting;
use crate::model::{Channel, InboxOrder, OrderStatus, ShopRemoval, TimelineEvent};
use crate::shop::Shop;
use crate::store::StoreError;
use crate::woocommerce::order::{parse_order, Order};
use crate::{App, Error};
use error::StepError;
pub use reissue::{reissue_order, reissue_refusal, ReissueError};
use state::ProcessingState;

/// Who asked for processing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The queue (automatic processing).
    Queue,
    /// An operator, through the admin API: also runs when automatic
    /// processing is off, and retries `failed` / `needs_review` orders.
    Operator,
}

/// A failure worth retrying later (the message goes back to the queue).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Transient(pub String);

/// How the processing of one message ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The order is in this state now (maybe unchanged).
    Status(OrderStatus),
    /// Nothing to do (unknown order, inactive channel, auto-processing off).
    Skipped(&'static str),
}

/// Processes one inbox order as far as the channel's settings go.
pub async fn process(
    app: &App,
    channel_id: &str,
    key: &str,
    trigger: Trigger,
) -> Result<Outcome, Transient> {
    let transient = |e: Error| Transient(e.to_string());
    let Some(channel) = app
        .repo
        .get_channel(channel_id)
        .await
        .map_err(|e| transient(e.into()))?
    else {
        return Ok(Outcome::Skipped("unknown channel"));
    };
    if !channel.is_active() {
        return Ok(Outcome::Skipped("channel not active"));
    }
    let Some(order) = app
        .repo
        .get_order(channel_id, key)
        .await
        .map_err(|e| transient(e.into()))?
    else {
        return Ok(Outcome::Skipped("unknown order"));
    };
    if trigger == Trigger::Queue {
        // A reissue was an operator's decision: its new invoice is made
        // even with automatic processing off.
        if !channel.settings.auto_process
            && order.paytraq.document_id.is_none()
            && order.paytraq.replaced.is_empty()
        {
            return Ok(Outcome::Skipped("automatic processing is off"));
        }
        if matches!(
            order.status,
            OrderStatus::Failed | OrderStatus::NeedsReview | OrderStatus::Handled
        ) {
            return Ok(Outcome::Status(order.status));
        }
    }
    if order.status == OrderStatus::Handled {
        return Ok(Outcome::Status(order.status));
    }
    if order.paytraq.document_id.is_none() {
        match order.removed_in_shop {
            Some(ShopRemoval::Trash) => {
                return Ok(Outcome::Skipped("the order is in the shop's trash"))
            }
            Some(ShopRemoval::Deleted) => {
                return Ok(Outcome::Skipped("the order was deleted in the shop"))
            }
            None => {}
        }
    }
    let wc = match parse_order(order.payload.as_bytes()) {
        Ok(wc) => wc,
        Err(e) => {
            let mut run = OrderRun::new(app, channel, order, None, None);
            run.fail(format!("the stored payload is not an order: {e}"))
                .await?;
            return Ok(Outcome::Status(run.order.status));
        }
    };
    let woo = app.shop(&channel).await.map_err(transient)?;
    let paytraq = app.accounting(&channel).await.map_err(transient)?;
    let mut run = OrderRun::new(app, channel, order, Some(woo), Some(paytraq));
    match run.advance(&wc).await {
        Ok(()) => Ok(Outcome::Status(run.order.status)),
        Err(StepError::Transient(msg)) => Err(Transient(msg)),
        Err(StepError::Permanent(reason)) => {
            run.fail(reason).await?;
            Ok(Outcome::Status(run.order.status))
        }
    }
}

/// Marks an order failed after its retries ran out (a lasting outage or a
/// bug): the reason is kept and shown; an operator can reprocess it.
pub async fn give_up(
    app: &App,
    channel_id: &str,
    key: &str,
    reason: String,
) -> Result<Outcome, Transient> {
    let transient = |e: StoreError| Transient(e.to_string());
    let channel = app.repo.get_channel(channel_id).await.map_err(transient)?;
    let order = app
        .repo
        .get_order(channel_id, key)
        .await
        .map_err(transient)?;
    let (Some(channel), Some(order)) = (channel, order) else {
        return Ok(Outcome::Skipped("unknown order"));
    };
    let woo = app.shop(&channel).await.ok();
    let mut run = OrderRun::new(app, channel, order, woo, None);
    run.fail(reason).await?;
    Ok(Outcome::Status(run.order.status))
}

/// One processing run of one order: the order as this run knows it, the
/// shop and the accounting company it calls (through their ports) and the
/// state it last saved.
struct OrderRun<'a> {
    app: &'a App,
    channel: Channel,
    order: InboxOrder,
    woo: Option<Arc<dyn Shop>>,
    paytraq: Option<Arc<dyn Accounting>>,
    /// The processing state as last read or saved (see [`OrderRun::save`]).
    synced: ProcessingState,
    /// A newer payload was stored while this run went on: its pending mark
    /// belongs to intake and stays.
    newer_payload: bool,
}

impl<'a> OrderRun<'a> {
    fn new(
        app: &'a App,
        channel: Channel,
        order: InboxOrder,
        woo: Option<Arc<dyn Shop>>,
        paytraq: Option<Arc<dyn Accounting>>,
    ) -> Self {
        Self {
            app,
            synced: ProcessingState::of(&order),
            channel,
            order,
            woo,
            paytraq,
            newer_payload: false,
        }
    }

    async fn advance(&mut self, wc: &Order) -> Result<(), StepError> {
        self.notes_in_doubt(wc).await?;
        if self.order.paytraq.document_id.is_none() {
            // After a reissue: the credit note for the replaced invoice
            // comes first; the new invoice only once it is right.
            if !self.credit_notes(wc).await? {
                return Ok(());
            }
            self.create_document(wc).await?;
        } else if self.changed_after_document(wc).await? {
            return Ok(());
        }
        let unchecked = self.order.paytraq.document_total.is_none()
            || self.order.status == OrderStatus::NeedsReview;
        if unchecked && !self.check_total(wc).await? {
            return Ok(());
        }
        self.link_reissue().await?;
        let settings = self.channel.settings.clone();
        if settings.approve && !self.order.paytraq.approved {
            self.approve().await?;
        }
        if settings.add_payment
            && !self.order.paytraq.paid
            && wc.date_paid_gmt.is_some()
            && !wc.total.is_zero()
        {
            self.pay(wc).await?;
        }
        if settings.send_email && !self.order.paytraq.emailed {
            self.email(wc).await?;
        }
        if !self.credit_notes(wc).await? {
            return Ok(());
        }
        let done = (!settings.add_payment
            || self.order.paytraq.paid
            || wc.date_paid_gmt.is_none()
            || wc.total.is_zero())
            && (!settings.approve || self.order.paytraq.approved)
            && (!settings.send_email || self.order.paytraq.emailed);
        if done && self.order.status != OrderStatus::Done {
            self.order.status = OrderStatus::Done;
            self.order.reason = None;
            self.order
                .record(TimelineEvent::now("done", "processing complete"));
            self.save().await?;
        }
        Ok(())
    }
}
