//! The operator's "reissue" of an approved invoice the order no longer
//! matches (it was edited in the shop afterwards): the request is checked
//! and recorded in one conditional write — the old invoice's facts move to
//! the order's replaced documents, a credit note for it becomes due, the
//! invoice fields are cleared and its shop-note keys archived — and the
//! pipeline then runs: the credit note first (through the credit-note
//! steps), then a new invoice for the order as it is now (through the
//! invoice steps, under its own reference), then both are linked on the
//! timeline and in a shop note ([`OrderRun::link_reissue`]). Each effect
//! happens once: a second request finds the order no longer in review and
//! is refused; redeliveries and crashes resume through the marks.
//!
//! Payments, both or neither: when the old invoice had a payment recorded,
//! the credit note records that money as returned and the new invoice gets
//! its payment by the usual rule; without one, the credit note records none.

use chrono::Utc;

use crate::model::{
    Channel, CreditNote, Credited, DocumentType, Effect, InboxOrder, OrderStatus, ReplacedDocument,
    TimelineEvent,
};
use crate::paytraq::model::Sale;
use crate::processing::reissue::archived_note_key;
use crate::store::{Change, StoreError};
use crate::App;

use super::{process, OrderRun, Outcome, StepError, Trigger};

/// Why a reissue was not done.
#[derive(Debug, thiserror::Error)]
pub enum ReissueError {
    #[error("channel {0} not found")]
    UnknownChannel(String),
    #[error("order {0} not found")]
    UnknownOrder(String),
    /// The order's state forbids it (the reason says why and what to do).
    #[error("{0}")]
    Refused(String),
    /// PayTraq or the store could not answer now; nothing was changed, or
    /// the reissue was recorded and processing resumes on the next run.
    #[error("{0}")]
    Unavailable(String),
}

/// Why the order cannot be reissued now; `None` when it can: it needs
/// review because it was edited after its approved sales invoice, no call's
/// outcome is in doubt, and no credit note already takes part of that
/// invoice back.
pub fn reissue_refusal(channel: &Channel, order: &InboxOrder) -> Option<String> {
    let p = &order.paytraq;
    let Some(document_id) = p.document_id else {
        return Some(match p.replaced.last() {
            Some(old) if old.replaced_by.is_none() => format!(
                "the reissue of {} is under way: process the order to finish it",
                old.label()
            ),
            _ => "the order has no PayTraq document to reissue".into(),
        });
    };
    if channel.settings.document_type != DocumentType::SalesInvoice {
        return Some(
            "the order's document is a sales order, not an invoice: change it in PayTraq".into(),
        );
    }
    let label = match &p.document_number {
        Some(n) => format!("sales invoice {n}"),
        None => format!("sales invoice (id {document_id})"),
    };
    if !p.approved {
        return Some(format!(
            "{label} is a draft: a person corrects a draft in PayTraq; the channel never changes it"
        ));
    }
    if order.status != OrderStatus::NeedsReview || !p.edited_after_document {
        return Some(format!(
            "the order is {} and not in review for an edit after {label}: only an order edited after its approved invoice is reissued",
            order.status
        ));
    }
    if let Some(effect) = order
        .effect_in_doubt
        .as_ref()
        .filter(|e| !matches!(e, Effect::Note { .. }))
    {
        return Some(format!(
            "the outcome of an earlier call ({}) is unknown: process the order first",
            effect.mark()
        ));
    }
    let credited: Vec<String> = p.current_credit_notes().iter().map(|c| c.label()).collect();
    if !credited.is_empty() {
        return Some(format!(
            "{label} already has credit notes ({}); a reissue would credit it twice: handle it in PayTraq",
            credited.join(", ")
        ));
    }
    None
}

/// Reissues the order's invoice (see the module doc) and processes the
/// order as far as the channel's settings go.
pub async fn reissue_order(
    app: &App,
    channel_id: &str,
    key: &str,
) -> Result<Outcome, ReissueError> {
    let store = |e: StoreError| ReissueError::Unavailable(e.to_string());
    let channel = app
        .repo
        .get_channel(channel_id)
        .await
        .map_err(store)?
        .ok_or_else(|| ReissueError::UnknownChannel(channel_id.to_string()))?;
    let order = app
        .repo
        .get_order(channel_id, key)
        .await
        .map_err(store)?
        .ok_or_else(|| ReissueError::UnknownOrder(key.to_string()))?;
    if let Some(why) = reissue_refusal(&channel, &order) {
        return Err(ReissueError::Refused(why));
    }
    let document_id = order
        .paytraq
        .document_id
        .ok_or_else(|| ReissueError::Refused("the order has no PayTraq document".into()))?;
    let unavailable = |e: String| ReissueError::Unavailable(format!("PayTraq: {e}"));
    let paytraq = app
        .accounting(&channel)
        .await
        .map_err(|e| unavailable(e.to_string()))?;
    let invoice = paytraq
        .get_sale(document_id)
        .await
        .map_err(|e| unavailable(e.to_string()))?;
    if let Some(why) = not_replaceable(&invoice) {
        return Err(ReissueError::Refused(why));
    }
    let updated = app
        .repo
        .update_order_from(order, |o| {
            if let Some(why) = reissue_refusal(&channel, o) {
                return Change::Keep(Err(ReissueError::Refused(why)));
            }
            if o.paytraq.document_id != Some(document_id) {
                return Change::Keep(Err(ReissueError::Refused(
                    "the order's document changed meanwhile: look again".into(),
                )));
            }
            replace_invoice(&channel, o, &invoice);
            Change::Save(Ok(()))
        })
        .await;
    match updated {
        Ok(Some((_, answer))) => answer?,
        Ok(None) => return Err(ReissueError::UnknownOrder(key.to_string())),
        Err(e) => return Err(store(e)),
    }
    process(app, channel_id, key, Trigger::Operator)
        .await
        .map_err(|e| {
            ReissueError::Unavailable(format!(
                "the reissue is recorded but processing stopped: {e}; process the order again to finish it"
            ))
        })
}

/// Why PayTraq's document cannot be replaced by a credit note and a new
/// invoice: it is not an approved sales invoice.
fn not_replaceable(invoice: &Sale) -> Option<String> {
    let kind = invoice.sale_type.as_deref().map(str::trim).unwrap_or("");
    let status = invoice.status.as_deref().map(str::trim).unwrap_or("");
    if kind != "sales_invoice" {
        return Some(format!(
            "PayTraq shows the document as a {kind}, not a sales invoice: change it in PayTraq"
        ));
    }
    if invoice.is_voided() || !invoice.is_approved() {
        return Some(format!(
            "PayTraq shows the invoice as {status}: only an approved invoice is reissued (a person corrects a draft in PayTraq)"
        ));
    }
    None
}

/// Records the reissue on the order: the invoice as replaced, its credit
/// note due, the invoice fields cleared for the new one, its note keys
/// archived; the order goes back to `received` for the pipeline.
fn replace_invoice(channel: &Channel, o: &mut InboxOrder, invoice: &Sale) {
    let reissue = u32::try_from(o.paytraq.replaced.len()).map_or(u32::MAX, |n| n.saturating_add(1));
    let p = &mut o.paytraq;
    let old = ReplacedDocument {
        reissue,
        document_id: invoice.document_id,
        document_number: invoice
            .document_number
            .clone()
            .or_else(|| p.document_number.clone()),
        document_total: invoice.total,
        paid: p.paid,
        payment_id: p.payment_id,
        emailed: p.emailed,
        replaced_at: Utc::now(),
        replaced_by: None,
    };
    let label = old.label();
    let currency = invoice.currency.clone().unwrap_or_default();
    let payments = if old.paid && channel.settings.add_payment {
        "the payment on it is recorded as returned on the credit note, and the new invoice is paid as usual (both recorded)"
    } else if old.paid {
        "payments are off for the channel: neither the credit note nor the new invoice gets one"
    } else {
        "it had no payment recorded, so the credit note records none"
    };
    p.credit_notes.push(CreditNote::due(
        Credited::Reissue { reissue },
        invoice.total,
        label.clone(),
    ));
    p.replaced.push(old);
    p.document_id = None;
    p.document_number = None;
    p.document_total = None;
    p.approved = false;
    p.paid = false;
    p.payment_id = None;
    p.emailed = false;
    p.rounding_adjustment = None;
    p.basis = None;
    p.edited_after_document = false;
    for key in &mut o.notes_sent {
        *key = archived_note_key(key, reissue);
    }
    o.status = OrderStatus::Received;
    o.reason = None;
    o.record(TimelineEvent::now(
        "reissue",
        format!(
            "reissue of {label} ({} {currency}) requested by an operator: a credit note takes it back whole, then a new invoice is made for the order as it is now; {payments}",
            invoice.total
        ),
    ));
}

impl OrderRun<'_> {
    /// After a reissue's new invoice is made and checked: records it on the
    /// replaced invoice and links the three documents on the timeline and
    /// in a shop note, once.
    pub(super) async fn link_reissue(&mut self) -> Result<(), StepError> {
        let Some(old) = self.order.paytraq.replaced.last().cloned() else {
            return Ok(());
        };
        if old.replaced_by.is_some() || self.order.paytraq.document_id.is_none() {
            return Ok(());
        }
        let new = self.document_label();
        let credit = self
            .order
            .paytraq
            .credit_notes
            .iter()
            .find(|c| {
                c.credits
                    == Credited::Reissue {
                        reissue: old.reissue,
                    }
            })
            .map_or_else(|| "a credit note".to_string(), CreditNote::document);
        let text = format!("{} replaced: {credit} and new {new}", old.label());
        let replaced_by =
            (self.order.paytraq.document_number.clone()).unwrap_or_else(|| new.clone());
        if let Some(last) = self.order.paytraq.replaced.last_mut() {
            last.replaced_by = Some(replaced_by);
        }
        self.order
            .record(TimelineEvent::now("reissued", text.clone()));
        self.save().await?;
        self.note(
            &format!("reissued:{}", old.reissue),
            &format!("PayTraq: {text}."),
        )
        .await
    }
}
