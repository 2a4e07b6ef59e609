//! Step 1: create the PayTraq document, or find the one an earlier attempt
//! created when that attempt's outcome is unknown. After a reissue the new
//! invoice has its own reference (`…/r<n>`), in the create, the lookup
//! after a crash and the rounding update alike.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::model::{Effect, OrderStatus, TimelineEvent};
use crate::paytraq::model::{NewSale, SaleNear};
use crate::processing::document;
use crate::processing::reissue::invoice_reference;
use crate::woocommerce::order::Order;

use super::super::{OrderRun, StepError};

impl OrderRun<'_> {
    pub(in crate::processing::pipeline) async fn create_document(
        &mut self,
        wc: &Order,
    ) -> Result<(), StepError> {
        let reference = self.document_reference(wc);
        let near = (self.order.paytraq.client_id)
            .map(|client| SaleNear::around(client, self.document_date(wc)));
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
        let sale = self.document_sale(wc, &items, client_id)?;
        let created = self.create_marked(Effect::Create, &sale).await?;
        self.order.paytraq.document_id = Some(created.document_id);
        self.order.paytraq.document_number = created.document_number;
        self.document_created(wc).await
    }

    /// The document's reference: the order's, or after a reissue the new
    /// invoice's own.
    fn document_reference(&self, wc: &Order) -> String {
        invoice_reference(&self.channel.id, wc, self.order.paytraq.replaced.len())
    }

    /// The document's date: the order's, or after a reissue the day of
    /// the reissue (an issued invoice is replaced now, never backdated).
    fn document_date(&self, wc: &Order) -> NaiveDate {
        self.order.paytraq.replaced.last().map_or_else(
            || document::document_date(wc),
            |old| old.replaced_at.date_naive(),
        )
    }

    /// The order's document as PayTraq gets it; after a reissue under its
    /// own reference and date, naming the invoice it replaces.
    pub(in crate::processing::pipeline) fn document_sale(
        &self,
        wc: &Order,
        items: &HashMap<String, u64>,
        client_id: u64,
    ) -> Result<NewSale, StepError> {
        let mut sale =
            document::build(&self.channel, wc, items, client_id).map_err(|problems| {
                StepError::Permanent(format!("cannot build the document: {problems}"))
            })?;
        sale.our_reference = self.document_reference(wc);
        sale.document_date = self.document_date(wc);
        if let Some(old) = self.order.paytraq.replaced.last() {
            sale.comment = Some(format!(
                "WooCommerce order #{}, replaces {}",
                wc.number,
                old.label()
            ));
        }
        Ok(sale)
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
