//! The accounting port: what the channel asks of the accounting system,
//! PayTraq, and nothing more — the calls the order pipeline and the stock
//! sync make today.
//!
//! - Adapter: [`crate::paytraq::PaytraqClient`] (REST/XML over HTTP), by
//!   delegation in `paytraq/adapter.rs`.
//! - Fake: `FakeAccounting` in the test kit (`tests/support/fakes/accounting.rs`),
//!   which keeps documents with PayTraq's arithmetic and records every call.
//!
//! Both are held by one contract suite (`tests/accounting_contract.rs`):
//! the fake against the suite, the adapter against the PayTraq sandbox.
//! Errors stay [`PaytraqError`]: the pipeline decides from them whether a
//! step is retried, refused or in doubt (`is_retryable`, `is_ambiguous`).

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::paytraq::model::{
    Client, NewClient, NewPayment, NewPrepayment, NewSale, PaymentRef, Price, Product, Sale,
    SaleNear, SaleRef,
};
use crate::paytraq::PaytraqError;

/// One accounting company, as the channel uses it.
#[async_trait]
pub trait Accounting: Send + Sync {
    // ---- clients ---------------------------------------------------------

    /// The client whose `Email` is `email` (case-insensitive), if any.
    async fn find_client_by_email(&self, email: &str) -> Result<Option<Client>, PaytraqError>;

    /// Creates a client; returns its id. Not idempotent: look the client
    /// up by e-mail first.
    async fn create_client(&self, client: &NewClient) -> Result<u64, PaytraqError>;

    // ---- catalogue ---------------------------------------------------------

    /// Every product (the item id of each code).
    async fn list_products(&self) -> Result<Vec<Product>, PaytraqError>;

    /// Every product with `Inventory` as one warehouse holds it (on hand and
    /// available after approved sales orders).
    async fn products_of_warehouse(&self, warehouse_id: u64) -> Result<Vec<Product>, PaytraqError>;

    /// Prices of every product in a price group.
    async fn price_list(&self, price_group_id: u64) -> Result<Vec<Price>, PaytraqError>;

    // ---- sales documents ----------------------------------------------------

    /// Creates a sales invoice, sales order or credit note as a draft,
    /// carrying our reference.
    async fn create_sale(&self, sale: &NewSale) -> Result<SaleRef, PaytraqError>;

    /// A document with its status, lines and totals.
    async fn get_sale(&self, document_id: u64) -> Result<Sale, PaytraqError>;

    /// The newest document carrying our order reference, looked for first
    /// among the client's documents near the date when `near` is known.
    async fn find_sale_by_reference(
        &self,
        our_reference: &str,
        near: Option<SaleNear>,
    ) -> Result<Option<Sale>, PaytraqError>;

    /// Replaces a draft's content (the rounding line); refused once approved.
    async fn update_sale(&self, document_id: u64, sale: &NewSale) -> Result<(), PaytraqError>;

    /// Approves a draft.
    async fn approve_sale(&self, document_id: u64) -> Result<(), PaytraqError>;

    /// Pays a sales invoice (lowers its amount due). Not idempotent.
    async fn add_payment(&self, payment: &NewPayment) -> Result<PaymentRef, PaytraqError>;

    /// Pays a sales order: booked as the client's prepayment. Not idempotent.
    async fn add_prepayment(
        &self,
        client_id: u64,
        prepayment: &NewPrepayment,
    ) -> Result<PaymentRef, PaytraqError>;

    /// Records the money returned on a credit note (`payment.amount` is
    /// what was returned, positive; PayTraq shows it negative). The credit
    /// note then reads `paid`, `AmountDue` 0.00. Not idempotent.
    async fn add_credit_note_payment(
        &self,
        payment: &NewPayment,
    ) -> Result<PaymentRef, PaytraqError>;

    /// Voids a draft or an approved document without payments: it reads
    /// `voided`, `AmountDue` 0.00; stock it moved or reserved is released.
    /// Refused for a paid document.
    async fn void_sale(&self, document_id: u64) -> Result<(), PaytraqError>;

    /// E-mails the document to `to`. Not idempotent.
    async fn send_sale_by_email(&self, document_id: u64, to: &str) -> Result<(), PaytraqError>;

    // ---- bookkeeping -----------------------------------------------------------

    /// Requests sent so far, by kind of call (the sync reports what a run cost).
    fn request_counts(&self) -> BTreeMap<String, u64>;
}
