//! Step 3: approve the document (a refusal is checked against its status:
//! an earlier attempt whose answer was lost may have approved it).

use crate::model::{OrderStatus, TimelineEvent};

use super::super::{OrderRun, StepError};

impl OrderRun<'_> {
    pub(in crate::processing::pipeline) async fn approve(&mut self) -> Result<(), StepError> {
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
}
