//! Sales documents: create (idempotent through our order reference), update
//! a draft, read, find by reference, approve, pay, prepay, pay back on a
//! credit note, void, e-mail.
//!
//! Writes are never repeated blindly. `create_sale` and `approve_sale`
//! repeat once after an ambiguous failure (5xx, timeout, broken connection)
//! only after checking that the first attempt did not take effect
//! (`find_sale_by_reference` / the document status). Payments, prepayments
//! and e-mails are not repeated at all: PayTraq gives no way to recognise a
//! payment we made, so the caller must decide (e.g. by `amount_due`).

use super::client::PaytraqClient;
use super::model::{
    CreatedWire, NewPayment, NewPrepayment, NewSale, PaymentRef, Sale, SaleNear, SaleRef,
};
use super::routes;
use super::sale_xml::{PaymentBody, SaleBody, SaleListWire, SaleWire, SendBody};
use super::xml::{from_xml, to_xml};
use super::PaytraqError;

/// Pages of `GET /api/sales?query=` searched for our reference.
const REFERENCE_SEARCH_PAGES: u32 = 5;
/// List items without a `Comment` read in full while searching.
const UNREADABLE_CANDIDATES: usize = 10;

impl PaytraqClient {
    /// Creates a sales invoice or order as a draft.
    pub async fn create_sale(&self, sale: &NewSale) -> Result<SaleRef, PaytraqError> {
        let body = to_xml(&SaleBody::build(sale)?)?;
        let call = routes::create_sale();
        let reply = match self.execute(&call, Some(&body)).await {
            Ok(reply) => reply,
            Err(e) if e.is_ambiguous() => {
                tracing::warn!(error = %e, "paytraq create_sale outcome unknown; checking");
                let near = Some(SaleNear::of(sale));
                if let Some(found) = self
                    .find_sale_by_reference(&sale.our_reference, near)
                    .await?
                {
                    return Ok(SaleRef {
                        document_id: found.document_id,
                        document_number: found.document_number,
                    });
                }
                self.execute(&call, Some(&body)).await?
            }
            Err(e) => return Err(e),
        };
        let created: CreatedWire = from_xml(&reply)?;
        let document_id = created
            .document_id
            .ok_or_else(|| PaytraqError::Decode("create sale reply without DocumentID".into()))?;
        Ok(SaleRef {
            document_id,
            document_number: created.document_ref.filter(|r| !r.is_empty()),
        })
    }

    /// Replaces the content of a draft with `sale` (the whole document, so
    /// repeating it changes nothing). PayTraq refuses it for an approved
    /// document. Not repeated by the client after an ambiguous failure; the
    /// caller reads the document back to see what happened.
    pub async fn update_sale(&self, document_id: u64, sale: &NewSale) -> Result<(), PaytraqError> {
        let body = to_xml(&SaleBody::build(sale)?)?;
        self.execute(&routes::update_sale(document_id), Some(&body))
            .await?;
        Ok(())
    }

    /// A sales document with its status and totals.
    pub async fn get_sale(&self, document_id: u64) -> Result<Sale, PaytraqError> {
        self.fetch::<SaleWire>(&routes::get_sale(document_id))
            .await?
            .into_sale()
    }

    /// The newest sale carrying our order reference, read in full.
    ///
    /// Candidates come first from the client's documents near the date
    /// (`near`, when known: a short list), then from `GET /api/sales?query=`.
    /// A list item whose header has no `Comment` at all (the list may be
    /// leaner than the single read) is read in full to check it, at most
    /// `UNREADABLE_CANDIDATES` of them in all.
    pub async fn find_sale_by_reference(
        &self,
        our_reference: &str,
        near: Option<SaleNear>,
    ) -> Result<Option<Sale>, PaytraqError> {
        let reference = our_reference.trim();
        if reference.is_empty() {
            return Err(PaytraqError::Invalid("empty order reference".into()));
        }
        let mut read_in_full = 0;
        if let Some(near) = near {
            let search = routes::sales_of_client(near.client_id, near.date_from);
            if let Some(sale) = self
                .search_marker(search, reference, &mut read_in_full)
                .await?
            {
                return Ok(Some(sale));
            }
        }
        let search = routes::search_sales(reference);
        self.search_marker(search, reference, &mut read_in_full)
            .await
    }

    /// Pages through one search for the document carrying our marker.
    async fn search_marker(
        &self,
        search: routes::Call,
        reference: &str,
        read_in_full: &mut usize,
    ) -> Result<Option<Sale>, PaytraqError> {
        let marker = routes::reference_marker(reference);
        for page in 0..REFERENCE_SEARCH_PAGES {
            let list: SaleListWire = self.fetch(&search.clone().page(page)).await?;
            let short = list.items.len() < routes::PAGE_SIZE;
            for item in list.items {
                if item.has_reference(reference) {
                    let id = item.into_sale()?.document_id;
                    return self.get_sale(id).await.map(Some);
                }
                if item.comment_missing() && *read_in_full < UNREADABLE_CANDIDATES {
                    *read_in_full += 1;
                    let sale = self.get_sale(item.into_sale()?.document_id).await?;
                    if sale.comment.as_deref().is_some_and(|c| c.contains(&marker)) {
                        return Ok(Some(sale));
                    }
                }
            }
            if short {
                break;
            }
        }
        Ok(None)
    }

    /// Approves a draft. Already approved is success.
    pub async fn approve_sale(&self, document_id: u64) -> Result<(), PaytraqError> {
        let call = routes::approve_sale(document_id);
        let body = "<Document/>";
        match self.execute(&call, Some(body)).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_ambiguous() => {
                tracing::warn!(error = %e, "paytraq approve outcome unknown; checking");
                if self.get_sale(document_id).await?.is_approved() {
                    return Ok(());
                }
                self.execute(&call, Some(body)).await.map(|_| ())
            }
            Err(e) => Err(e),
        }
    }

    /// Adds a payment to a sales invoice. Never repeated by the client.
    pub async fn add_payment(&self, payment: &NewPayment) -> Result<PaymentRef, PaytraqError> {
        let body = to_xml(&PaymentBody::payment(payment)?)?;
        let reply = self
            .execute(&routes::add_payment(payment.document_id), Some(&body))
            .await?;
        payment_ref(&reply)
    }

    /// Records the money returned on a credit note (`payment.amount`, a
    /// positive figure, is posted negative: ASSUMED, see
    /// `routes::pay_credit_note`). Never repeated by the client.
    pub async fn add_credit_note_payment(
        &self,
        payment: &NewPayment,
    ) -> Result<PaymentRef, PaytraqError> {
        let body = to_xml(&PaymentBody::credit_note_payment(payment)?)?;
        let reply = self
            .execute(&routes::pay_credit_note(payment.document_id), Some(&body))
            .await?;
        payment_ref(&reply)
    }

    /// Voids a draft or an approved, unpaid document (ASSUMED call, see
    /// `routes::void_sale`). Repeated once after an ambiguous failure only
    /// when the document does not read `voided` yet.
    pub async fn void_sale(&self, document_id: u64) -> Result<(), PaytraqError> {
        let call = routes::void_sale(document_id);
        let body = "<Document/>";
        match self.execute(&call, Some(body)).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_ambiguous() => {
                tracing::warn!(error = %e, "paytraq void outcome unknown; checking");
                if self.get_sale(document_id).await?.is_voided() {
                    return Ok(());
                }
                self.execute(&call, Some(body)).await.map(|_| ())
            }
            Err(e) => Err(e),
        }
    }

    /// Adds a payment for a sales order, booked by PayTraq as the client's
    /// prepayment (overpayment). Never repeated by the client.
    pub async fn add_prepayment(
        &self,
        client_id: u64,
        prepayment: &NewPrepayment,
    ) -> Result<PaymentRef, PaytraqError> {
        let body = to_xml(&PaymentBody::prepayment(client_id, prepayment)?)?;
        let reply = self
            .execute(
                &routes::add_prepayment(prepayment.sales_order_id),
                Some(&body),
            )
            .await?;
        payment_ref(&reply)
    }

    /// Has PayTraq e-mail the document to `to`. Never repeated by the client.
    pub async fn send_sale_by_email(&self, document_id: u64, to: &str) -> Result<(), PaytraqError> {
        let to = to.trim();
        if !to.contains('@') {
            return Err(PaytraqError::Invalid("not an e-mail address".into()));
        }
        let body = to_xml(&SendBody {
            email: to.to_owned(),
        })?;
        self.execute(&routes::send_sale(document_id), Some(&body))
            .await
            .map(|_| ())
    }
}

fn payment_ref(reply: &str) -> Result<PaymentRef, PaytraqError> {
    // An empty 200 reply is accepted: the reply shape is not known.
    if reply.trim().is_empty() {
        return Ok(PaymentRef { payment_id: None });
    }
    Ok(PaymentRef {
        payment_id: from_xml::<CreatedWire>(reply)?.payment_id,
    })
}
