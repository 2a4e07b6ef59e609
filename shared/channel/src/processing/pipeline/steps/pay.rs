//! Step 4: add the payment (an invoice) or prepayment (a sales order), at
//! most once: an attempt whose outcome is unknown is checked before another.

use chrono::Utc;

use crate::faults::Boundary;
use crate::model::{DocumentType, Effect, OrderStatus, TimelineEvent};
use crate::paytraq::model::{NewPayment, NewPrepayment};
use crate::processing::document;
use crate::woocommerce::order::Order;

use super::super::{OrderRun, StepError};

impl OrderRun<'_> {
    pub(in crate::processing::pipeline) async fn pay(
        &mut self,
        wc: &Order,
    ) -> Result<(), StepError> {
        let id = self.document_id()?;
        let account = document::money_account(&self.channel, wc)
            .map_err(|p| StepError::Permanent(p.to_string()))?
            .ok_or_else(|| StepError::Permanent("no money account for the payment".into()))?;
        let sales_order = self.channel.settings.document_type == DocumentType::SalesOrder;
        if self.order.effect_in_doubt == Some(Effect::Payment) {
            // The last attempt's outcome is unknown: never pay twice.
            if sales_order {
                // A prepayment never shows on the sales order: a person checks.
                return Err(StepError::Permanent(
                    "a prepayment attempt ended without an answer, and PayTraq does not show prepayments on the sales order; check the client's prepayments in PayTraq, then mark the order handled"
                        .into(),
                ));
            }
            // An invoice's `Payments` tell (with `AmountDue = Total − payments`).
            let sale = self.pt()?.get_sale(id).await?;
            let paid = sale.paid_amount();
            if paid >= wc.total && !paid.is_zero() {
                let found = sale.payments.iter().find(|p| p.amount == wc.total);
                let payment_id = found.and_then(|p| p.document.as_ref()?.document_id);
                let date = found.and_then(|p| p.date.clone()).unwrap_or_default();
                self.order.record(TimelineEvent::now(
                    "payment_confirmed",
                    format!("the payment attempt ended without an answer; PayTraq shows it on the document (paid {paid} {}, dated {date}, amount due {})", wc.currency, sale.amount_due),
                ));
                return self.paid(wc, account, payment_id).await;
            }
            if paid.is_zero() && sale.amount_due == sale.total {
                // Provably not paid: the attempt did not take effect.
                self.order.effect_in_doubt = None;
            } else {
                return Err(StepError::Permanent(format!(
                    "a payment attempt ended without an answer and PayTraq shows {paid} {} paid of the order's {}; check the payments in PayTraq, then mark the order handled",
                    wc.currency, wc.total
                )));
            }
        }
        // After a reissue the payment moves to the new invoice the day the
        // credit note returns it on the old one (never into a past period).
        let date = match (self.order.paytraq.replaced.last(), wc.date_paid_gmt) {
            (Some(old), _) => old.replaced_at.date_naive(),
            (None, Some(paid)) => paid.date_naive(),
            (None, None) => Utc::now().date_naive(),
        };
        let comment = Some(format!(
            "WooCommerce order #{} ({})",
            wc.number, wc.payment_method_title
        ));
        self.order.effect_in_doubt = Some(Effect::Payment);
        self.save().await?;
        let reply = if sales_order {
            let client_id = self.order.paytraq.client_id.ok_or_else(|| {
                StepError::Permanent("no PayTraq client for the prepayment".into())
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
        self.boundary(Boundary::AfterAddPayment)?;
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
    ) -> Result<(), StepError> {
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
}
