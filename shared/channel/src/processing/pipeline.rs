//! The processing state machine of one inbox order:
//! `received → document_created → approved → paid → emailed → done`.
//!
//! Exactly-once rules: every step records what PayTraq handed back before
//! the next step runs. A call that is not safe to repeat (create, payment,
//! e-mail, order note) is preceded by a saved `effect_in_doubt` mark; a
//! retry that finds the mark checks whether the effect happened before
//! trying again (find the document by our reference, read `amount_due`,
//! list the order's notes). Every save is conditional on the version read,
//! so two workers never both move one order.

use std::collections::HashMap;

use chrono::Utc;

use super::document::{self, explain_mismatch, our_reference};
use rust_decimal::Decimal;

use crate::model::{Channel, DocumentType, InboxOrder, OrderStatus, RoundingPolicy, TimelineEvent};
use crate::paytraq::model::{self as pt, NewClient, NewPayment, NewPrepayment};
use crate::paytraq::{PaytraqClient, PaytraqError};
use crate::store::StoreError;
use crate::woocommerce::order::{parse_order, Order};
use crate::woocommerce::{WooClient, WooError};
use crate::{App, Error};

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
        if !channel.settings.auto_process && order.paytraq.document_id.is_none() {
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
    let wc = match parse_order(order.payload.as_bytes()) {
        Ok(wc) => wc,
        Err(e) => {
            let mut run = Run::new(app, channel, order, None, None);
            run.fail(format!("the stored payload is not an order: {e}"))
                .await?;
            return Ok(Outcome::Status(run.order.status));
        }
    };
    let woo = app.woo(&channel).await.map_err(transient)?;
    let paytraq = app.paytraq(&channel).await.map_err(transient)?;
    let mut run = Run::new(app, channel, order, Some(woo), Some(paytraq));
    match run.advance(&wc).await {
        Ok(()) => Ok(Outcome::Status(run.order.status)),
        Err(Step::Transient(msg)) => Err(Transient(msg)),
        Err(Step::Permanent(reason)) => {
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
    let woo = app.woo(&channel).await.ok();
    let mut run = Run::new(app, channel, order, woo, None);
    run.fail(reason).await?;
    Ok(Outcome::Status(run.order.status))
}

/// Why a step stopped.
enum Step {
    Transient(String),
    Permanent(String),
}

impl From<StoreError> for Step {
    fn from(e: StoreError) -> Self {
        Step::Transient(e.to_string())
    }
}

impl From<PaytraqError> for Step {
    fn from(e: PaytraqError) -> Self {
        if e.is_retryable() {
            Step::Transient(e.to_string())
        } else {
            Step::Permanent(format!("PayTraq refused: {e}"))
        }
    }
}

impl From<WooError> for Step {
    fn from(e: WooError) -> Self {
        if e.is_retryable() {
            Step::Transient(e.to_string())
        } else {
            Step::Permanent(format!("WooCommerce refused: {e}"))
        }
    }
}

impl From<Error> for Step {
    fn from(e: Error) -> Self {
        match e {
            Error::Paytraq(e) => e.into(),
            Error::WooCommerce(e) => e.into(),
            other => Step::Transient(other.to_string()),
        }
    }
}

struct Run<'a> {
    app: &'a App,
    channel: Channel,
    order: InboxOrder,
    woo: Option<WooClient>,
    paytraq: Option<PaytraqClient>,
    /// The processing state as last read or saved (see [`Run::save`]).
    synced: Owned,
    /// A newer payload was stored while this run went on: its pending mark
    /// belongs to intake and stays.
    newer_payload: bool,
}

/// The fields of an inbox order the processor owns; intake owns the
/// payload, its summary and the pending mark, and only appends to the
/// timeline.
#[derive(Clone, Debug, PartialEq)]
struct Owned {
    status: OrderStatus,
    reason: Option<String>,
    paytraq: crate::model::PaytraqIds,
    effect_in_doubt: Option<String>,
    notes_sent: Vec<String>,
    /// Timeline entries already stored (the rest are this run's).
    timeline_len: usize,
}

impl Owned {
    fn of(order: &InboxOrder) -> Self {
        Self {
            status: order.status,
            reason: order.reason.clone(),
            paytraq: order.paytraq.clone(),
            effect_in_doubt: order.effect_in_doubt.clone(),
            notes_sent: order.notes_sent.clone(),
            timeline_len: order.timeline.len(),
        }
    }

    fn same_state(&self, other: &Owned) -> bool {
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

impl<'a> Run<'a> {
    fn new(
        app: &'a App,
        channel: Channel,
        order: InboxOrder,
        woo: Option<WooClient>,
        paytraq: Option<PaytraqClient>,
    ) -> Self {
        Self {
            app,
            synced: Owned::of(&order),
            channel,
            order,
            woo,
            paytraq,
            newer_payload: false,
        }
    }

    /// Called right after an external call, before its result is saved.
    fn boundary(&self, point: &str) -> Result<(), Step> {
        if self.app.crash.hit(point) {
            return Err(Step::Transient(format!("injected crash {point}")));
        }
        Ok(())
    }

    fn pt(&self) -> Result<&PaytraqClient, Step> {
        self.paytraq
            .as_ref()
            .ok_or_else(|| Step::Transient("no PayTraq client".into()))
    }

    async fn advance(&mut self, wc: &Order) -> Result<(), Step> {
        self.notes_in_doubt(wc).await?;
        if self.order.paytraq.document_id.is_none() {
            self.create_document(wc).await?;
        }
        let unchecked = self.order.paytraq.document_total.is_none()
            || self.order.status == OrderStatus::NeedsReview;
        if unchecked && !self.check_total(wc).await? {
            return Ok(());
        }
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

    /// Saves the order conditionally on the version read. When intake
    /// stored a newer payload (or its "enqueued" mark) in between, this run's
    /// processing state is re-applied on top of the fresh record and saved
    /// again; when anyone else changed the processing state (another worker,
    /// an operator), the conflict stands and the message is retried.
    async fn save(&mut self) -> Result<(), StoreError> {
        let mut attempts = 0;
        loop {
            if !self.newer_payload {
                // This run holds the message of the stored payload: it is queued.
                self.order.pending_since = None;
            }
            match self.app.repo.save_order(&mut self.order).await {
                Ok(()) => {
                    self.synced = Owned::of(&self.order);
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
                    if !Owned::of(&fresh).same_state(&self.synced) {
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
    fn rebase(&mut self, mut fresh: InboxOrder) {
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

    // ---- steps ------------------------------------------------------------

    async fn create_document(&mut self, wc: &Order) -> Result<(), Step> {
        let reference = our_reference(&self.channel.id, wc);
        if self.order.effect_in_doubt.as_deref() == Some("create") {
            if let Some(sale) = self.pt()?.find_sale_by_reference(&reference).await? {
                self.order.paytraq.document_id = Some(sale.document_id);
                self.order.paytraq.document_number = sale.document_number.clone();
                return self.document_created(wc).await;
            }
        }
        let fee = document::fee_code(&self.channel)
            .filter(|_| !wc.fee_lines.is_empty())
            .map(str::to_owned);
        let items = self.items(wc, fee.as_deref()).await?;
        let client_id = self.client(wc).await?;
        let sale = document::build(&self.channel, wc, &items, client_id).map_err(|problems| {
            Step::Permanent(format!("cannot build the document: {problems}"))
        })?;
        self.order.effect_in_doubt = Some("create".into());
        self.save().await?;
        let created = self.pt()?.create_sale(&sale).await?;
        self.boundary("after:create_sale")?;
        self.order.paytraq.document_id = Some(created.document_id);
        self.order.paytraq.document_number = created.document_number;
        self.document_created(wc).await
    }

    async fn document_created(&mut self, _wc: &Order) -> Result<(), Step> {
        self.order.effect_in_doubt = None;
        self.order.status = OrderStatus::DocumentCreated;
        let label = self.document_label();
        self.order.record(TimelineEvent::now(
            "document_created",
            format!("{label} created in PayTraq"),
        ));
        self.save().await?;
        Ok(())
    }

    /// Reads the document back and compares totals; false on a mismatch.
    /// Under the "adjust" rounding policy a difference within the allowed
    /// amount first gets an explicit rounding line on the draft.
    async fn check_total(&mut self, wc: &Order) -> Result<bool, Step> {
        let id = self.document_id()?;
        let mut sale = self.pt()?.get_sale(id).await?;
        self.boundary("after:get_sale")?;
        let mut not_adjusted = None;
        if sale.total != wc.total {
            if let Some(amount) = self.rounding_to_apply(wc, &sale) {
                match self.add_rounding_line(wc, amount).await? {
                    Ok(()) => {
                        sale = self.pt()?.get_sale(id).await?;
                        self.boundary("after:get_sale:rounded")?;
                    }
                    Err(why) => not_adjusted = Some(why),
                }
            }
        }
        self.order.paytraq.document_total = Some(sale.total);
        if sale.document_number.is_some() {
            self.order.paytraq.document_number = sale.document_number.clone();
        }
        let label = self.document_label();
        if sale.total != wc.total {
            let mut why = explain_mismatch(&self.channel, wc, &sale);
            if let Some(extra) = not_adjusted.or_else(|| self.why_not_rounded(wc, &sale)) {
                why = format!("{why}; {extra}");
            }
            self.order.status = OrderStatus::NeedsReview;
            self.order.reason = Some(why.clone());
            self.order
                .record(TimelineEvent::now("mismatch", why.clone()));
            self.save().await?;
            self.note(
                "mismatch",
                &format!("PayTraq: {label} stays a draft, no payment added. {why}."),
            )
            .await?;
            return Ok(false);
        }
        if self.order.status == OrderStatus::NeedsReview {
            self.order.status = OrderStatus::DocumentCreated;
            self.order.reason = None;
        }
        let rounding = self.order.paytraq.rounding_adjustment.map(|amount| {
            format!(
                "rounding adjustment of {amount:+} {} added to {label} (PayTraq total without it {}, WooCommerce total {}; the channel allows up to {})",
                wc.currency,
                wc.total - amount,
                wc.total,
                self.rounding_allowance().unwrap_or_default(),
            )
        });
        if let Some(text) = &rounding {
            self.order
                .record(TimelineEvent::now("rounding", text.clone()));
        }
        self.save().await?;
        if let Some(text) = rounding {
            self.note("rounding", &format!("PayTraq: {text}.")).await?;
        }
        self.note(
            "created",
            &format!(
                "PayTraq: {label} created, total {} {}.",
                sale.total, wc.currency
            ),
        )
        .await?;
        Ok(true)
    }

    /// The most a rounding line may be, when the channel allows one.
    fn rounding_allowance(&self) -> Option<Decimal> {
        match self.channel.settings.rounding {
            RoundingPolicy::Adjust { max } => Some(max),
            RoundingPolicy::Strict => None,
        }
    }

    /// The rounding line to put on the document, if the policy allows one:
    /// a draft, a difference within the allowance, and no earlier line that
    /// took effect (an earlier line of the same amount that did not take
    /// effect is sent again; the update replaces the whole draft).
    fn rounding_to_apply(&self, wc: &Order, sale: &pt::Sale) -> Option<Decimal> {
        let max = self.rounding_allowance()?;
        let diff = wc.total - sale.total;
        if diff.is_zero() || diff.abs() > max || sale.is_approved() {
            return None;
        }
        match self.order.paytraq.rounding_adjustment {
            None => Some(diff),
            Some(earlier) => (earlier == diff).then_some(diff),
        }
    }

    /// Why a difference was left alone although the policy adjusts.
    fn why_not_rounded(&self, wc: &Order, sale: &pt::Sale) -> Option<String> {
        let max = self.rounding_allowance()?;
        let diff = wc.total - sale.total;
        Some(
            if let Some(earlier) = self.order.paytraq.rounding_adjustment {
                format!(
                    "a rounding line of {earlier:+} is on the document and the totals still differ"
                )
            } else if diff.abs() > max {
                format!("the difference is over the allowed rounding of {max}")
            } else {
                "the document is no longer a draft, so no rounding line was added".to_string()
            },
        )
    }

    /// Replaces the draft with the same document plus a rounding line of
    /// `amount`. `Ok(Err(why))` when the line cannot be built (no fee
    /// product, untaxed lines not mapped) or PayTraq refuses the update: the
    /// order then needs review.
    async fn add_rounding_line(
        &mut self,
        wc: &Order,
        amount: Decimal,
    ) -> Result<Result<(), String>, Step> {
        let id = self.document_id()?;
        let fee = document::fee_code(&self.channel).map(str::to_owned);
        let items = self.items(wc, fee.as_deref()).await?;
        let client_id = self.client(wc).await?;
        let mut sale =
            document::build(&self.channel, wc, &items, client_id).map_err(|problems| {
                Step::Permanent(format!("cannot build the document: {problems}"))
            })?;
        match document::rounding_line(&self.channel, wc, &items, amount) {
            Ok(line) => sale.lines.push(line),
            Err(problems) => return Ok(Err(format!("no rounding line added: {problems}"))),
        }
        // Recorded first: a retry after the update explains the line too.
        self.order.paytraq.rounding_adjustment = Some(amount);
        self.save().await?;
        match self.pt()?.update_sale(id, &sale).await {
            Ok(()) => {}
            // Refused outright: nothing changed, and the draft needs a person.
            Err(e) if !e.is_ambiguous() && !e.is_retryable() => {
                self.order.paytraq.rounding_adjustment = None;
                self.save().await?;
                return Ok(Err(format!("PayTraq refused the rounding line: {e}")));
            }
            Err(e) => return Err(e.into()),
        }
        self.boundary("after:update_sale")?;
        Ok(Ok(()))
    }

    async fn approve(&mut self) -> Result<(), Step> {
        let id = self.document_id()?;
        match self.pt()?.approve_sale(id).await {
            Ok(()) => {}
            // Refused: maybe because an earlier attempt (whose answer was
            // lost) already approved it. The document's status tells.
            Err(e) if !e.is_retryable() => {
                if !self.pt()?.get_sale(id).await?.is_approved() {
                    return Err(e.into());
                }
            }
            Err(e) => return Err(e.into()),
        }
        self.boundary("after:approve_sale")?;
        self.order.paytraq.approved = true;
        self.order.status = OrderStatus::Approved;
        let label = self.document_label();
        self.order
            .record(TimelineEvent::now("approved", format!("{label} approved")));
        self.save().await?;
        self.note("approved", &format!("PayTraq: {label} approved."))
            .await
    }

    async fn pay(&mut self, wc: &Order) -> Result<(), Step> {
        let id = self.document_id()?;
        let account = document::money_account(&self.channel, wc)
            .map_err(|p| Step::Permanent(p.to_string()))?
            .ok_or_else(|| Step::Permanent("no money account for the payment".into()))?;
        let sales_order = self.channel.settings.document_type == DocumentType::SalesOrder;
        if self.order.effect_in_doubt.as_deref() == Some("payment") {
            // The last attempt's outcome is unknown: never pay twice. An
            // invoice's amount due tells; a sales order's prepayment cannot
            // be seen through the API, so a person checks.
            let sale = self.pt()?.get_sale(id).await?;
            if !sales_order && sale.amount_due.is_zero() {
                return self.paid(wc, account, None).await;
            }
            if !sales_order && sale.amount_due == sale.total {
                // Provably not paid: the attempt did not take effect.
                self.order.effect_in_doubt = None;
            } else {
                return Err(Step::Permanent(
                "a payment attempt ended without an answer; check the payment in PayTraq, then mark the order handled"
                    .into(),
                ));
            }
        }
        let date = wc
            .date_paid_gmt
            .map_or_else(|| Utc::now().date_naive(), |d| d.date_naive());
        let comment = Some(format!(
            "WooCommerce order #{} ({})",
            wc.number, wc.payment_method_title
        ));
        self.order.effect_in_doubt = Some("payment".into());
        self.save().await?;
        let reply = if sales_order {
            let client_id =
                self.order.paytraq.client_id.ok_or_else(|| {
                    Step::Permanent("no PayTraq client for the prepayment".into())
                })?;
            let prepayment = NewPrepayment {
                sales_order_id: id,
                money_account_id: account,
                amount: wc.total,
                currency: wc.currency.clone(),
                date,
                comment,
            };
            self.pt()?.add_prepayment(client_id, &prepayment).await
        } else {
            let payment = NewPayment {
                document_id: id,
                money_account_id: account,
                amount: wc.total,
                currency: wc.currency.clone(),
                date,
                comment,
            };
            self.pt()?.add_payment(&payment).await
        };
        self.boundary("after:add_payment")?;
        match reply {
            Ok(r) => self.paid(wc, account, r.payment_id).await,
            // Refused outright: nothing happened, the mark can go.
            Err(e) if !e.is_ambiguous() => {
                self.order.effect_in_doubt = None;
                self.save().await?;
                Err(e.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn paid(
        &mut self,
        wc: &Order,
        account: u64,
        payment_id: Option<u64>,
    ) -> Result<(), Step> {
        self.order.effect_in_doubt = None;
        self.order.paytraq.paid = true;
        self.order.paytraq.payment_id = payment_id;
        self.order.status = OrderStatus::Paid;
        let what = if self.channel.settings.document_type == DocumentType::SalesOrder {
            "prepayment"
        } else {
            "payment"
        };
        let text = format!(
            "{what} of {} {} added on money account {account}",
            wc.total, wc.currency
        );
        self.order.record(TimelineEvent::now("paid", text.clone()));
        self.save().await?;
        self.note("paid", &format!("PayTraq: {text}.")).await
    }

    async fn email(&mut self, wc: &Order) -> Result<(), Step> {
        let id = self.document_id()?;
        let to = wc.billing.email.clone().unwrap_or_default();
        let label = self.document_label();
        if self.order.effect_in_doubt.as_deref() == Some("email") || !to.contains('@') {
            let text = if to.contains('@') {
                format!("{label} may already have been e-mailed (the last attempt ended without an answer); not sent again")
            } else {
                format!("{label} not e-mailed: the order has no billing e-mail")
            };
            return self.emailed(&text).await;
        }
        self.order.effect_in_doubt = Some("email".into());
        self.save().await?;
        let sent = self.pt()?.send_sale_by_email(id, &to).await;
        self.boundary("after:send_email")?;
        match sent {
            Ok(()) => self.emailed(&format!("{label} e-mailed to {to}")).await,
            Err(e) if !e.is_ambiguous() => {
                self.order.effect_in_doubt = None;
                self.save().await?;
                Err(e.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn emailed(&mut self, text: &str) -> Result<(), Step> {
        self.order.effect_in_doubt = None;
        self.order.paytraq.emailed = true;
        self.order.status = OrderStatus::Emailed;
        self.order.record(TimelineEvent::now("emailed", text));
        self.save().await?;
        self.note("emailed", &format!("PayTraq: {text}.")).await
    }

    /// Marks the order failed with a reason (timeline and an order note).
    async fn fail(&mut self, reason: String) -> Result<(), Transient> {
        tracing::warn!(channel = %self.channel.id, order = %self.order.key, reason = %reason, "order failed");
        self.order.effect_in_doubt = self.order.effect_in_doubt.take().filter(|e| e != "create");
        self.order.status = OrderStatus::Failed;
        self.order.reason = Some(reason.clone());
        self.order
            .record(TimelineEvent::now("failed", reason.clone()));
        self.save().await.map_err(|e| Transient(e.to_string()))?;
        let key = format!("failed:{}", short_hash(&reason));
        match self
            .note(&key, &format!("PayTraq: order not processed: {reason}."))
            .await
        {
            Ok(()) => Ok(()),
            Err(Step::Transient(m)) | Err(Step::Permanent(m)) => {
                tracing::warn!(channel = %self.channel.id, order = %self.order.key, error = %m, "failure note not written");
                Ok(())
            }
        }
    }

    // ---- order notes --------------------------------------------------------

    /// Writes one private order note per event key, once.
    async fn note(&mut self, key: &str, text: &str) -> Result<(), Step> {
        if self.order.notes_sent.iter().any(|k| k == key) {
            return Ok(());
        }
        let (Some(woo), Some(order_id)) = (self.woo.clone(), self.order.order_id) else {
            return Ok(());
        };
        self.order.effect_in_doubt = Some(format!("note:{key}\u{1f}{text}"));
        self.save().await?;
        woo.create_order_note(order_id, text, false).await?;
        self.boundary(&format!("after:note:{key}"))?;
        self.order.effect_in_doubt = None;
        self.order.notes_sent.push(key.to_string());
        self.save().await?;
        Ok(())
    }

    /// A note whose outcome is unknown: look for it, and write it if it is not there.
    async fn notes_in_doubt(&mut self, _wc: &Order) -> Result<(), Step> {
        let Some(mark) = self.order.effect_in_doubt.clone() else {
            return Ok(());
        };
        let Some(rest) = mark.strip_prefix("note:") else {
            return Ok(());
        };
        let Some((key, text)) = rest.split_once('\u{1f}') else {
            return Ok(());
        };
        let (Some(woo), Some(order_id)) = (self.woo.clone(), self.order.order_id) else {
            return Ok(());
        };
        let written = woo
            .list_order_notes(order_id)
            .await?
            .iter()
            .any(|n| n.note.trim() == text.trim());
        if written {
            self.order.effect_in_doubt = None;
            self.order.notes_sent.push(key.to_string());
            self.save().await?;
            return Ok(());
        }
        // Not written: its step is already recorded and will not run again,
        // so the note is sent now.
        self.note(key, text).await
    }

    // ---- lookups ----------------------------------------------------------------

    fn document_id(&self) -> Result<u64, Step> {
        self.order
            .paytraq
            .document_id
            .ok_or_else(|| Step::Transient("no document id recorded".into()))
    }

    fn document_label(&self) -> String {
        let kind = match self.channel.settings.document_type {
            DocumentType::SalesInvoice => "sales invoice",
            DocumentType::SalesOrder => "sales order",
        };
        match (
            &self.order.paytraq.document_number,
            self.order.paytraq.document_id,
        ) {
            (Some(n), _) => format!("{kind} {n}"),
            (None, Some(id)) => format!("{kind} (id {id})"),
            (None, None) => kind.to_string(),
        }
    }

    /// SKU → PayTraq item id, from the channel's cache; the catalogue is
    /// read again when a SKU of this order (or `also`: the fee product when
    /// a fee or rounding line needs it) is missing.
    async fn items(
        &mut self,
        wc: &Order,
        also: Option<&str>,
    ) -> Result<HashMap<String, u64>, Step> {
        let channel_id = self.channel.id.clone();
        let cached: HashMap<String, u64> = self
            .app
            .repo
            .get_cached(&channel_id, "items")
            .await?
            .unwrap_or_default();
        let missing = wc
            .line_items
            .iter()
            .filter_map(|l| l.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .chain(also)
            .any(|sku| !cached.contains_key(sku));
        if !missing {
            return Ok(cached);
        }
        let fresh: HashMap<String, u64> = self
            .pt()?
            .list_products()
            .await?
            .into_iter()
            .filter_map(|p| p.code.map(|c| (c.trim().to_string(), p.item_id)))
            .filter(|(c, _)| !c.is_empty())
            .collect();
        self.app
            .repo
            .put_cached(&channel_id, "items", &fresh)
            .await?;
        Ok(fresh)
    }

    /// The PayTraq client of the order's buyer: recorded, cached by e-mail,
    /// found by e-mail, or created from the billing data.
    async fn client(&mut self, wc: &Order) -> Result<u64, Step> {
        if let Some(id) = self.order.paytraq.client_id {
            return Ok(id);
        }
        let email = wc
            .billing
            .email
            .clone()
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        let cache_key = format!("client:{email}");
        let channel_id = self.channel.id.clone();
        let mut id = None;
        if !email.is_empty() {
            id = self
                .app
                .repo
                .get_cached::<u64>(&channel_id, &cache_key)
                .await?;
            if id.is_none() {
                id = self
                    .pt()?
                    .find_client_by_email(&email)
                    .await?
                    .map(|c| c.client_id);
            }
        }
        let id = match id {
            Some(id) => id,
            None => {
                let id = self.pt()?.create_client(&new_client(wc)).await?;
                self.boundary("after:create_client")?;
                id
            }
        };
        if !email.is_empty() {
            self.app
                .repo
                .put_cached(&channel_id, &cache_key, &id)
                .await?;
        }
        self.order.paytraq.client_id = Some(id);
        Ok(id)
    }
}

fn new_client(wc: &Order) -> NewClient {
    use crate::paytraq::model::{Address, ClientType};
    let b = &wc.billing;
    let person = format!("{} {}", b.first_name.trim(), b.last_name.trim())
        .trim()
        .to_string();
    let company = b.company.trim().to_string();
    let (name, client_type) = if company.is_empty() {
        (
            if person.is_empty() {
                format!("WooCommerce order #{}", wc.number)
            } else {
                person
            },
            ClientType::Person,
        )
    } else {
        (company, ClientType::Company)
    };
    let street = [b.address_1.trim(), b.address_2.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let address = [street.as_str(), b.city.trim(), b.state.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    NewClient {
        name,
        email: b.email.clone().filter(|e| !e.trim().is_empty()),
        client_type,
        reg_number: wc.registration_number(),
        vat_number: wc.vat_number(),
        legal_address: Address {
            address: Some(address).filter(|a| !a.is_empty()),
            zip: Some(b.postcode.trim().to_string()).filter(|z| !z.is_empty()),
            country: Some(b.country.trim().to_string()).filter(|c| !c.is_empty()),
        },
        phone: b.phone.clone().filter(|p| !p.trim().is_empty()),
    }
}

fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}
