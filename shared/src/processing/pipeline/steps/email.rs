//! Step 5: e-mail the document to the buyer, at most once: an attempt whose
//! outcome is unknown is not repeated.

use crate::model::{OrderStatus, TimelineEvent};
use crate::woocommerce::order::Order;

use super::super::{OrderRun, StepError};

impl OrderRun<'_> {
    pub(in crate::processing::pipeline) async fn email(
        &mut self,
        wc: &Order,
    ) -> Result<(), StepError> {
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

    async fn emailed(&mut self, text: &str) -> Result<(), StepError> {
        self.order.effect_in_doubt = None;
        self.order.paytraq.emailed = true;
        self.order.status = OrderStatus::Emailed;
        self.order.record(TimelineEvent::now("emailed", text));
        self.save().await?;
        self.note("emailed", &format!("PayTraq: {text}.")).await
    }
}
