//! [`PaytraqClient`] as the [`Accounting`] port: every method delegates to
//! the client's own call of the same name (the client keeps its inherent
//! API for the code and tests that use it directly).

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::model::{
    Client, NewClient, NewPayment, NewPrepayment, NewSale, PaymentRef, Price, Product, Sale,
    SaleNear, SaleRef,
};
use super::{PaytraqClient, PaytraqError};
use crate::accounting::Accounting;

#[async_trait]
impl Accounting for PaytraqClient {
    async fn find_client_by_email(&self, email: &str) -> Result<Option<Client>, PaytraqError> {
        PaytraqClient::find_client_by_email(self, email).await
    }

    async fn create_client(&self, client: &NewClient) -> Result<u64, PaytraqError> {
        PaytraqClient::create_client(self, client).await
    }

    async fn list_products(&self) -> Result<Vec<Product>, PaytraqError> {
        PaytraqClient::list_products(self).await
    }

    async fn products_of_warehouse(&self, warehouse_id: u64) -> Result<Vec<Product>, PaytraqError> {
        PaytraqClient::products_of_warehouse(self, warehouse_id).await
    }

    async fn price_list(&self, price_group_id: u64) -> Result<Vec<Price>, PaytraqError> {
        PaytraqClient::price_list(self, price_group_id).await
    }

    async fn create_sale(&self, sale: &NewSale) -> Result<SaleRef, PaytraqError> {
        PaytraqClient::create_sale(self, sale).await
    }

    async fn get_sale(&self, document_id: u64) -> Result<Sale, PaytraqError> {
        PaytraqClient::get_sale(self, document_id).await
    }

    async fn find_sale_by_reference(
        &self,
        our_reference: &str,
        near: Option<SaleNear>,
    ) -> Result<Option<Sale>, PaytraqError> {
        PaytraqClient::find_sale_by_reference(self, our_reference, near).await
    }

    async fn update_sale(&self, document_id: u64, sale: &NewSale) -> Result<(), PaytraqError> {
        PaytraqClient::update_sale(self, document_id, sale).await
    }

    async fn approve_sale(&self, document_id: u64) -> Result<(), PaytraqError> {
        PaytraqClient::approve_sale(self, document_id).await
    }

    async fn add_payment(&self, payment: &NewPayment) -> Result<PaymentRef, PaytraqError> {
        PaytraqClient::add_payment(self, payment).await
    }

    async fn add_prepayment(
        &self,
        client_id: u64,
        prepayment: &NewPrepayment,
    ) -> Result<PaymentRef, PaytraqError> {
        PaytraqClient::add_prepayment(self, client_id, prepayment).await
    }

    async fn add_credit_note_payment(
        &self,
        payment: &NewPayment,
    ) -> Result<PaymentRef, PaytraqError> {
        PaytraqClient::add_credit_note_payment(self, payment).await
    }

    async fn void_sale(&self, document_id: u64) -> Result<(), PaytraqError> {
        PaytraqClient::void_sale(self, document_id).await
    }

    async fn send_sale_by_email(&self, document_id: u64, to: &str) -> Result<(), PaytraqError> {
        PaytraqClient::send_sale_by_email(self, document_id, to).await
    }

    /// HTTP requests per call name of `routes.rs` (every attempt counts).
    fn request_counts(&self) -> BTreeMap<String, u64> {
        self.calls()
            .by_route()
            .into_iter()
            .map(|(name, c)| (name.to_string(), c.requests))
            .collect()
    }
}
