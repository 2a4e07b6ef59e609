//! Step 5: e-mail the document to the buyer, at most once. An attempt whose
//! outcome is unknown is checked in PayTraq's message log of the document
//! (`MessageLog/Message/To`): there, it was sent; absent, it is reported as
//! not confirmed and not sent again (a second e-mail to a customer is worse
//! than a person re-sending one from PayTraq).

use crate::model::{Effect, OrderStatus, TimelineEvent};
use crate::woocommerce::order::Order;

use super::super::calls::Mailed;
use super::super::{OrderRun, StepError};

impl OrderRun<'_> {
    pub(in crate::processing::pipeline) async fn email(
        &mut self,
        wc: &Order,
    ) -> Result<(), StepError> {
        let id = self.document_id()?;
        let to = wc.billing.email.clone().unwrap_or_default();
        let label = self.document_label();
        if !to.contains('@') {
            let text = format!("{label} not e-mailed: the order has no billing e-mail");
            return self.emailed("emailed", &text).await;
        }
        let text = match self.email_once(Effect::Email, id, &to).await? {
            Mailed::Sent => format!("{label} e-mailed to {to}"),
            Mailed::Confirmed => format!("{label} e-mailed to {to} (the attempt ended without an answer; PayTraq's message log shows the e-mail)"),
            Mailed::NotConfirmed => {
                let text = format!("{label}: e-mail to {to} not confirmed (the attempt ended without an answer and PayTraq's message log shows no e-mail to {to}); not sent again: send it from PayTraq if the buyer did not get it");
                return self.emailed("email_not_confirmed", &text).await;
            }
        };
        self.emailed("emailed", &text).await
    }

    /// The step is over (never repeated), with what is known: `kind`
    /// `emailed`, or `email_not_confirmed` after an attempt without an answer.
    async fn emailed(&mut self, kind: &str, text: &str) -> Result<(), StepError> {
        self.order.effect_in_doubt = None;
        self.order.paytraq.emailed = true;
        self.order.status = OrderStatus::Emailed;
        self.order.record(TimelineEvent::now(kind, text));
        self.save().await?;
        self.note("emailed", &format!("PayTraq: {text}.")).await
    }
}
