//! The PayTraq calls the steps of every document make — the order's
//! invoice or sales order and each of its credit notes — with the in-doubt
//! mark before a call that is not safe to repeat, the check of an earlier
//! attempt whose outcome is unknown, and the crash point after the call.

use crate::faults::Boundary;
use crate::model::Effect;
use crate::paytraq::model::{NewSale, Sale, SaleNear, SaleRef};

use super::{OrderRun, StepError};

/// How an e-mail step ended.
pub(super) enum Mailed {
    /// PayTraq sent it.
    Sent,
    /// An earlier attempt ended without an answer; the message log shows it.
    Confirmed,
    /// An earlier attempt ended without an answer and the message log does
    /// not show it: not sent again (a second e-mail to a customer is worse
    /// than a person re-sending one).
    NotConfirmed,
}

impl OrderRun<'_> {
    /// The document an earlier attempt created, when that attempt (marked
    /// `effect`) ended without an answer: found by our reference.
    pub(super) async fn created_before(
        &mut self,
        effect: &Effect,
        reference: &str,
        near: Option<SaleNear>,
    ) -> Result<Option<Sale>, StepError> {
        if self.order.effect_in_doubt.as_ref() != Some(effect) {
            return Ok(None);
        }
        Ok(self.pt()?.find_sale_by_reference(reference, near).await?)
    }

    /// Creates a document under the in-doubt mark `effect`; the caller
    /// records it and clears the mark.
    pub(super) async fn create_marked(
        &mut self,
        effect: Effect,
        sale: &NewSale,
    ) -> Result<SaleRef, StepError> {
        self.order.effect_in_doubt = Some(effect);
        self.save().await?;
        let created = self.pt()?.create_sale(sale).await?;
        self.boundary(Boundary::AfterCreateSale)?;
        Ok(created)
    }

    /// Approves a document. A refusal is checked against its status: an
    /// earlier attempt whose answer was lost may have approved it.
    pub(super) async fn approve_checked(&mut self, id: u64) -> Result<(), StepError> {
        match self.pt()?.approve_sale(id).await {
            Ok(()) => {}
            Err(e) if !e.is_retryable() => {
                if !self.pt()?.get_sale(id).await?.is_approved() {
                    return Err(e.into());
                }
            }
            Err(e) => return Err(e.into()),
        }
        self.boundary(Boundary::AfterApproveSale)
    }

    /// E-mails a document to `to` at most once under the in-doubt mark
    /// `effect`: an attempt whose outcome is unknown is checked in PayTraq's
    /// message log of the document (`MessageLog/Message/To`), never repeated.
    /// The caller records the outcome and clears the mark.
    pub(super) async fn email_once(
        &mut self,
        effect: Effect,
        id: u64,
        to: &str,
    ) -> Result<Mailed, StepError> {
        if self.order.effect_in_doubt.as_ref() == Some(&effect) {
            let sale = self.pt()?.get_sale(id).await?;
            return Ok(if sale.emailed_to(to) {
                Mailed::Confirmed
            } else {
                Mailed::NotConfirmed
            });
        }
        self.order.effect_in_doubt = Some(effect);
        self.save().await?;
        let sent = self.pt()?.send_sale_by_email(id, to).await;
        self.boundary(Boundary::AfterSendEmail)?;
        match sent {
            Ok(()) => Ok(Mailed::Sent),
            // Refused outright: nothing was sent, the mark can go.
            Err(e) if !e.is_ambiguous() => {
                self.order.effect_in_doubt = None;
                self.save().await?;
                Err(e.into())
            }
            Err(e) => Err(e.into()),
        }
    }
}
