//! Step 4: add the payment (an invoice) or prepayment (a sales order), at
//! most once: an attempt whose outcome is unknown is checked before another.

use chrono::Utc;

use crate::model::{DocumentType, OrderStatus, TimelineEvent};
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
                return Err(StepError::Permanent(
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
