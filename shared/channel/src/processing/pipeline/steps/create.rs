//! Step 1: create the PayTraq document, or find the one an earlier attempt
//! created when that attempt's outcome is unknown.

use crate::model::{Effect, OrderStatus, TimelineEvent};
use crate::paytraq::model::SaleNear;
use crate::processing::document::{self, our_reference};
use crate::woocommerce::order::Order;

use super::super::{OrderRun, StepError};

impl OrderRun<'_> {
    pub(in crate::processing::pipeline) async fn create_document(
        &mut self,
        wc: &Order,
    ) -> Result<(), StepError> {
        let reference = our_reference(&self.channel.id, wc);
        let near = (self.order.paytraq.client_id)
            .map(|client| SaleNear::around(client, document::document_date(wc)));
        if let Some(sale) = self
            .created_before(&Effect::Create, &reference, near)
            .await?
        {
            self.order.paytraq.document_id = Some(sale.document_id);
            self.order.paytraq.document_number = sale.document_number.clone();
            return self.document_created(wc).await;
        }
        let fee = document::fee_code(&self.channel)
            .filter(|_| !wc.fee_lines.is_empty())
            .map(str::to_owned);
        let items = self.items(wc, fee.as_deref()).await?;
        let client_id = self.client(wc).await?;
        let sale = document::build(&self.channel, wc, &items, client_id).map_err(|problems| {
            StepError::Permanent(format!("cannot build the document: {problems}"))
        })?;
        let created = self.create_marked(Effect::Create, &sale).await?;
        self.order.paytraq.document_id = Some(created.document_id);
        self.order.paytraq.document_number = created.document_number;
        self.document_created(wc).await
    }

    async fn document_created(&mut self, wc: &Order) -> Result<(), StepError> {
        self.order.effect_in_doubt = None;
        self.order.paytraq.basis = Some(super::changed::basis_of(wc));
        self.order.status = OrderStatus::DocumentCreated;
        let label = self.document_label();
        self.order.record(TimelineEvent::now(
            "document_created",
            format!("{label} created in PayTraq"),
        ));
        self.save().await?;
        Ok(())
    }
}
