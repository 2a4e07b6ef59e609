//! After the invoice: the order's credit notes (which became due is decided
//! in `changed`, or by an operator's reissue), each through the steps of a
//! document — create (found again by its reference after a crash), check
//! its total against what it must total (a difference leaves it a draft
//! without payment and the order needs review), approve, record the money
//! given back as its payment, e-mail — as the channel's settings say, each
//! call at most once through the same calls and marks as the invoice's
//! (`calls`).

use chrono::Utc;

use crate::faults::Boundary;
use crate::model::{
    CreditCall, CreditNote, Credited, Effect, OrderStatus, ReplacedDocument, TimelineEvent,
};
use crate::paytraq::model::{NewPayment, SaleNear};
use crate::processing::{credit_note, document, reissue};
use crate::woocommerce::order::Order;

use super::super::calls::Mailed;
use super::super::{OrderRun, StepError};

/// What a credit note takes back: an order (a refund's, or the cancelled
/// one), or an invoice a reissue replaced (read back from PayTraq).
enum Taken {
    Order(Box<Order>),
    Invoice(ReplacedDocument),
}

impl OrderRun<'_> {
    /// Takes each credit note that is not finished as far as the settings
    /// go; false when one needs review.
    pub(in crate::processing::pipeline) async fn credit_notes(
        &mut self,
        wc: &Order,
    ) -> Result<bool, StepError> {
        for i in 0..self.order.paytraq.credit_notes.len() {
            if !self.credit_note(wc, i).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn credit_note(&mut self, wc: &Order, i: usize) -> Result<bool, StepError> {
        let settings = self.channel.settings.clone();
        if self.credit(i)?.document_id.is_none() {
            self.create_credit_note(wc, i).await?;
        }
        let note = self.credit(i)?;
        if (note.document_total.is_none() || note.review.is_some())
            && !self.check_credit_note(wc, i).await?
        {
            return Ok(false);
        }
        if settings.approve && !self.credit(i)?.approved {
            self.approve_credit_note(i).await?;
        }
        if settings.add_payment && !self.credit(i)?.paid && self.pays_back(&self.credit(i)?, wc) {
            self.pay_credit_note(wc, i).await?;
        }
        if settings.send_email && !self.credit(i)?.emailed {
            self.email_credit_note(wc, i).await?;
        }
        Ok(true)
    }

    /// Whether money goes back on the credit note: the order was paid, or
    /// for a reissue, a payment was recorded on the replaced invoice (the
    /// new invoice is then paid too: both or neither).
    fn pays_back(&self, note: &CreditNote, wc: &Order) -> bool {
        match note.credits {
            Credited::Reissue { reissue } => self
                .order
                .paytraq
                .replaced
                .iter()
                .any(|r| r.reissue == reissue && r.paid),
            Credited::Refund { .. } | Credited::Cancellation => {
                wc.date_paid_gmt.is_some() && !wc.total.is_zero()
            }
        }
    }

    /// Credit note `i` as recorded.
    fn credit(&self, i: usize) -> Result<CreditNote, StepError> {
        self.order
            .paytraq
            .credit_notes
            .get(i)
            .cloned()
            .ok_or_else(|| StepError::Transient(format!("credit note {i} is not recorded")))
    }

    fn credit_mut(&mut self, i: usize) -> Result<&mut CreditNote, StepError> {
        self.order
            .paytraq
            .credit_notes
            .get_mut(i)
            .ok_or_else(|| StepError::Transient(format!("credit note {i} is not recorded")))
    }

    fn credit_document(note: &CreditNote) -> Result<u64, StepError> {
        note.document_id
            .ok_or_else(|| StepError::Transient("no credit note id recorded".into()))
    }

    /// What a credit note takes back, in words: `refund #45 of 10.27 EUR`.
    fn credited(note: &CreditNote, wc: &Order) -> String {
        match note.credits {
            Credited::Refund { refund_id } => {
                format!("refund #{refund_id} of {} {}", note.amount, wc.currency)
            }
            Credited::Cancellation | Credited::Reissue { .. } => {
                format!("{} of {} {}", note.invoice, note.amount, wc.currency)
            }
        }
    }

    async fn create_credit_note(&mut self, wc: &Order, i: usize) -> Result<(), StepError> {
        let note = self.credit(i)?;
        let key = note.key();
        let effect = Effect::CreditNote {
            key: key.clone(),
            call: CreditCall::Create,
        };
        let cannot_build = |p| StepError::Permanent(format!("cannot build the credit note: {p}"));
        // What it takes back: an order (a refund's or the cancelled one), or
        // for a reissue the replaced invoice itself (read back below).
        let taken = match note.credits {
            Credited::Refund { refund_id } => {
                let (Some(woo), Some(order_id)) = (self.woo.clone(), self.order.order_id) else {
                    return Err(StepError::Transient(
                        "no shop to read the refund from".into(),
                    ));
                };
                let refund = woo.get_refund(order_id, refund_id).await?;
                Taken::Order(Box::new(
                    credit_note::refunded_order(&self.channel, wc, &refund)
                        .map_err(cannot_build)?,
                ))
            }
            Credited::Cancellation => Taken::Order(Box::new(credit_note::cancelled_order(wc))),
            Credited::Reissue { reissue } => {
                let old = (self.order.paytraq.replaced.iter())
                    .find(|r| r.reissue == reissue)
                    .cloned()
                    .ok_or_else(|| {
                        StepError::Permanent(format!("reissue {reissue} is not recorded"))
                    })?;
                Taken::Invoice(old)
            }
        };
        let date = match &taken {
            Taken::Order(taken) => document::document_date(taken),
            Taken::Invoice(old) => old.replaced_at.date_naive(),
        };
        let reference = credit_note::credit_reference(&self.channel.id, wc, &key);
        let near = (self.order.paytraq.client_id).map(|client| SaleNear::around(client, date));
        if let Some(sale) = self.created_before(&effect, &reference, near).await? {
            return self
                .credit_note_created(i, sale.document_id, sale.document_number)
                .await;
        }
        let comment = format!(
            "Credit note for {}: WooCommerce order #{}, {}",
            note.invoice,
            wc.number,
            match note.credits {
                Credited::Refund { refund_id } => format!("refund #{refund_id}"),
                Credited::Cancellation => "cancelled".to_string(),
                Credited::Reissue { .. } => "edited: replaced by a new invoice".to_string(),
            }
        );
        let sale = match taken {
            Taken::Order(taken) => {
                let fee = document::fee_code(&self.channel)
                    .filter(|_| !taken.fee_lines.is_empty())
                    .map(str::to_owned);
                let items = self.items(&taken, fee.as_deref()).await?;
                let client_id = self.client(wc).await?;
                credit_note::build(&self.channel, wc, &taken, &key, comment, &items, client_id)
                    .map_err(cannot_build)?
            }
            Taken::Invoice(old) => {
                let invoice = self.pt()?.get_sale(old.document_id).await?;
                reissue::replaced_invoice_credit_note(
                    &self.channel,
                    wc,
                    &invoice,
                    &key,
                    comment,
                    date,
                )
                .map_err(cannot_build)?
            }
        };
        let created = self.create_marked(effect, &sale).await?;
        self.credit_note_created(i, created.document_id, created.document_number)
            .await
    }

    async fn credit_note_created(
        &mut self,
        i: usize,
        id: u64,
        number: Option<String>,
    ) -> Result<(), StepError> {
        self.order.effect_in_doubt = None;
        let note = self.credit_mut(i)?;
        note.document_id = Some(id);
        note.document_number = number;
        let label = self.credit(i)?.label();
        self.order.record(TimelineEvent::now(
            "credit_note_created",
            format!("{label} created in PayTraq"),
        ));
        self.save().await?;
        Ok(())
    }

    /// Reads the credit note back and compares its total with what it must
    /// total; false on a difference (it stays a draft, no payment).
    async fn check_credit_note(&mut self, wc: &Order, i: usize) -> Result<bool, StepError> {
        let id = Self::credit_document(&self.credit(i)?)?;
        let sale = self.pt()?.get_sale(id).await?;
        self.boundary(Boundary::AfterGetSale)?;
        let note = self.credit_mut(i)?;
        note.document_total = Some(sale.total);
        if sale.document_number.is_some() {
            note.document_number = sale.document_number.clone();
        }
        let note = self.credit(i)?;
        let (label, key, what) = (note.label(), note.key(), Self::credited(&note, wc));
        // PayTraq shows a credit note's total negative.
        let credited = -sale.total;
        if credited != note.amount {
            let why = format!(
                "{label}: PayTraq total {} does not credit the {what} (off by {}); it stays a draft, no payment added",
                sale.total,
                credited - note.amount
            );
            self.credit_mut(i)?.review = Some(why.clone());
            self.order.status = OrderStatus::NeedsReview;
            self.order.reason = Some(why.clone());
            self.order
                .record(TimelineEvent::now("credit_note_mismatch", why.clone()));
            self.save().await?;
            self.note(
                &format!("credit:{key}:mismatch"),
                &format!("PayTraq: {why}."),
            )
            .await?;
            return Ok(false);
        }
        self.credit_mut(i)?.review = None;
        self.save().await?;
        self.note(
            &format!("credit:{key}:created"),
            &format!(
                "PayTraq: {label} created, total {} {} (credits the {what}).",
                sale.total, wc.currency
            ),
        )
        .await?;
        Ok(true)
    }

    async fn approve_credit_note(&mut self, i: usize) -> Result<(), StepError> {
        let id = Self::credit_document(&self.credit(i)?)?;
        self.approve_checked(id).await?;
        self.credit_mut(i)?.approved = true;
        let note = self.credit(i)?;
        let (label, key) = (note.label(), note.key());
        self.order.record(TimelineEvent::now(
            "credit_note_approved",
            format!("{label} approved"),
        ));
        self.save().await?;
        self.note(
            &format!("credit:{key}:approved"),
            &format!("PayTraq: {label} approved."),
        )
        .await
    }

    /// Records the money given back as the credit note's payment, at most
    /// once: an attempt whose outcome is unknown is checked against the
    /// payments the credit note shows (negative: money returned).
    async fn pay_credit_note(&mut self, wc: &Order, i: usize) -> Result<(), StepError> {
        let note = self.credit(i)?;
        let id = Self::credit_document(&note)?;
        let account = document::money_account(&self.channel, wc)
            .map_err(|p| StepError::Permanent(p.to_string()))?
            .ok_or_else(|| StepError::Permanent("no money account for the payment".into()))?;
        let effect = Effect::CreditNote {
            key: note.key(),
            call: CreditCall::Payment,
        };
        if self.order.effect_in_doubt.as_ref() == Some(&effect) {
            let returned = -self.pt()?.get_sale(id).await?.paid_amount();
            if !returned.is_zero() && returned >= note.amount {
                return self.credit_note_paid(wc, i, account, None).await;
            }
            if !returned.is_zero() {
                return Err(StepError::Permanent(format!(
                    "a payment attempt on {} ended without an answer and PayTraq shows {returned} {} returned of {}; check its payments in PayTraq, then mark the order handled",
                    note.label(),
                    wc.currency,
                    note.amount
                )));
            }
            // Provably not paid: the attempt did not take effect.
            self.order.effect_in_doubt = None;
        }
        let payment = NewPayment {
            document_id: id,
            money_account_id: account,
            amount: note.amount,
            currency: wc.currency.clone(),
            date: Utc::now().date_naive(),
            comment: Some(format!(
                "WooCommerce order #{} ({}): {}",
                wc.number,
                wc.payment_method_title,
                Self::credited(&note, wc)
            )),
        };
        self.order.effect_in_doubt = Some(effect);
        self.save().await?;
        let reply = self.pt()?.add_credit_note_payment(&payment).await;
        self.boundary(Boundary::AfterAddPayment)?;
        match reply {
            Ok(r) => self.credit_note_paid(wc, i, account, r.payment_id).await,
            // Refused outright: nothing happened, the mark can go.
            Err(e) if !e.is_ambiguous() => {
                self.order.effect_in_doubt = None;
                self.save().await?;
                Err(e.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn credit_note_paid(
        &mut self,
        wc: &Order,
        i: usize,
        account: u64,
        payment_id: Option<u64>,
    ) -> Result<(), StepError> {
        self.order.effect_in_doubt = None;
        let note = self.credit_mut(i)?;
        note.paid = true;
        note.payment_id = payment_id;
        let note = self.credit(i)?;
        let (label, key) = (note.label(), note.key());
        let text = format!(
            "{label} paid: {} {} returned, recorded on money account {account}",
            note.amount, wc.currency
        );
        self.order
            .record(TimelineEvent::now("credit_note_paid", text.clone()));
        self.save().await?;
        self.note(&format!("credit:{key}:paid"), &format!("PayTraq: {text}."))
            .await
    }

    async fn email_credit_note(&mut self, wc: &Order, i: usize) -> Result<(), StepError> {
        let note = self.credit(i)?;
        let id = Self::credit_document(&note)?;
        let (label, key) = (note.label(), note.key());
        let to = wc.billing.email.clone().unwrap_or_default();
        let text = if to.contains('@') {
            let effect = Effect::CreditNote {
                key: key.clone(),
                call: CreditCall::Email,
            };
            match self.email_once(effect, id, &to).await? {
                Mailed::Sent => format!("{label} e-mailed to {to}"),
                Mailed::Confirmed => format!("{label} e-mailed to {to} (the attempt ended without an answer; PayTraq's message log shows the e-mail)"),
                Mailed::NotConfirmed => format!("{label}: e-mail to {to} not confirmed (the attempt ended without an answer and PayTraq's message log shows no e-mail to {to}); not sent again: send it from PayTraq if the buyer did not get it"),
            }
        } else {
            format!("{label} not e-mailed: the order has no billing e-mail")
        };
        self.order.effect_in_doubt = None;
        self.credit_mut(i)?.emailed = true;
        self.order
            .record(TimelineEvent::now("credit_note_emailed", text.clone()));
        self.save().await?;
        self.note(
            &format!("credit:{key}:emailed"),
            &format!("PayTraq: {text}."),
        )
        .await
    }
}
