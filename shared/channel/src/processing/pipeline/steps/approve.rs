//! Step 3: approve the document (a refusal is checked against its status:
//! an earlier attempt whose answer was lost may have approved it, see
//! `calls`).

use crate::model::{OrderStatus, TimelineEvent};

use super::super::{OrderRun, StepError};

impl OrderRun<'_> {
    pub(in crate::processing::pipeline) async fn approve(&mut self) -> Result<(), StepError> {
        let id = self.document_id()?;
        self.approve_checked(id).await?;
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
