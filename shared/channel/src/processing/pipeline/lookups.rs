//! What the steps look up: the run's accounting company (PayTraq), the recorded
//! document, the SKU → item map and the buyer's PayTraq client.

use std::collections::HashMap;

use crate::accounting::Accounting;
use crate::faults::Boundary;
use crate::model::DocumentType;
use crate::paytraq::model::NewClient;
use crate::woocommerce::order::Order;

use super::{OrderRun, StepError};

impl OrderRun<'_> {
    pub(super) fn pt(&self) -> Result<&dyn Accounting, StepError> {
        self.paytraq
            .as_deref()
            .ok_or_else(|| StepError::Transient("no PayTraq client".into()))
    }

    pub(super) fn document_id(&self) -> Result<u64, StepError> {
        self.order
            .paytraq
            .document_id
            .ok_or_else(|| StepError::Transient("no document id recorded".into()))
    }

    pub(super) fn document_label(&self) -> String {
        let kind = match self.channel.settings.document_type {
            DocumentType::SalesInvoice => "sales invoice",
            DocumentType::SalesOrder => "sales order",
        };
        match (
            &self.order.paytraq.document_number,
            self.order.paytraq.document_id,
        ) {
            (Some(n), _) => format!("{kind} {n}"),
            (None, Some(id)) => format!("{kind} (id {id})"),
            (None, None) => kind.to_string(),
        }
    }

    /// SKU → PayTraq item id, from the channel's cache; the catalogue is
    /// read again when a SKU of this order (or `also`: the fee product when
    /// a fee or rounding line needs it) is missing.
    pub(super) async fn items(
        &mut self,
        wc: &Order,
        also: Option<&str>,
    ) -> Result<HashMap<String, u64>, StepError> {
        let channel_id = self.channel.id.clone();
        let cached: HashMap<String, u64> = self
            .app
            .repo
            .get_cached(&channel_id, "items")
            .await?
            .unwrap_or_default();
        let missing = wc
            .line_items
            .iter()
            .filter_map(|l| l.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .chain(also)
            .any(|sku| !cached.contains_key(sku));
        if !missing {
            return Ok(cached);
        }
        let fresh: HashMap<String, u64> = self
            .pt()?
            .list_products()
            .await?
            .into_iter()
            .filter_map(|p| p.code.map(|c| (c.trim().to_string(), p.item_id)))
            .filter(|(c, _)| !c.is_empty())
            .collect();
        self.app
            .repo
            .put_cached(&channel_id, "items", &fresh)
            .await?;
        Ok(fresh)
    }

    /// The PayTraq client of the order's buyer: recorded, cached by e-mail,
    /// found by e-mail, or created from the billing data.
    pub(super) async fn client(&mut self, wc: &Order) -> Result<u64, StepError> {
        if let Some(id) = self.order.paytraq.client_id {
            return Ok(id);
        }
        let email = wc
            .billing
            .email
            .clone()
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        let cache_key = format!("client:{email}");
        let channel_id = self.channel.id.clone();
        let mut id = None;
        if !email.is_empty() {
            id = self
                .app
                .repo
                .get_cached::<u64>(&channel_id, &cache_key)
                .await?;
            if id.is_none() {
                id = self
                    .pt()?
                    .find_client_by_email(&email)
                    .await?
                    .map(|c| c.client_id);
            }
        }
        let id = match id {
            Some(id) => id,
            None => {
                let id = self.pt()?.create_client(&new_client(wc)).await?;
                self.boundary(Boundary::AfterCreateClient)?;
                id
            }
        };
        if !email.is_empty() {
            self.app
                .repo
                .put_cached(&channel_id, &cache_key, &id)
                .await?;
        }
        self.order.paytraq.client_id = Some(id);
        Ok(id)
    }
}

fn new_client(wc: &Order) -> NewClient {
    use crate::paytraq::model::{Address, ClientType};
    let b = &wc.billing;
    let person = format!("{} {}", b.first_name.trim(), b.last_name.trim())
        .trim()
        .to_string();
    let company = b.company.trim().to_string();
    let (name, client_type) = if company.is_empty() {
        (
            if person.is_empty() {
                format!("WooCommerce order #{}", wc.number)
            } else {
                person
            },
            ClientType::Person,
        )
    } else {
        (company, ClientType::Company)
    };
    let street = [b.address_1.trim(), b.address_2.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let address = [street.as_str(), b.city.trim(), b.state.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    NewClient {
        name,
        email: b.email.clone().filter(|e| !e.trim().is_empty()),
        client_type,
        reg_number: wc.registration_number(),
        vat_number: wc.vat_number(),
        legal_address: Address {
            address: Some(address).filter(|a| !a.is_empty()),
            zip: Some(b.postcode.trim().to_string()).filter(|z| !z.is_empty()),
            country: Some(b.country.trim().to_string()).filter(|c| !c.is_empty()),
        },
        phone: b.phone.clone().filter(|p| !p.trim().is_empty()),
    }
}
