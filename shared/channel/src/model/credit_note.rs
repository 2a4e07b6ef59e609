//! A credit note the channel issues after an order's invoice was approved:
//! one per shop refund, one for the whole invoice of an order cancelled in
//! the shop, or one for the whole invoice an operator reissued after the
//! order was edited. Its progress is kept in the order record, credit note by
//! credit note, so each is made, checked, approved, paid back and e-mailed
//! once across redeliveries and crashes.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a credit note takes back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credited {
    /// One refund made in the shop (its id), with its line detail.
    Refund { refund_id: u64 },
    /// The whole invoice of an order cancelled in the shop.
    Cancellation,
    /// The whole invoice replaced by reissue number `reissue` (1 for the
    /// first) after the order was edited: as it was issued, read back from
    /// PayTraq.
    Reissue { reissue: u32 },
}

/// One credit note of an order and how far it got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreditNote {
    pub credits: Credited,
    /// What it must total, positive (PayTraq shows it negative): the
    /// refund's amount, or the invoice's total.
    pub amount: Decimal,
    /// The invoice it credits, as its comment names it.
    pub invoice: String,
    #[serde(default)]
    pub document_id: Option<u64>,
    #[serde(default)]
    pub document_number: Option<String>,
    /// Its total as read back from PayTraq (negative), once checked.
    #[serde(default)]
    pub document_total: Option<Decimal>,
    #[serde(default)]
    pub approved: bool,
    /// The money given back was recorded as its payment.
    #[serde(default)]
    pub paid: bool,
    #[serde(default)]
    pub payment_id: Option<u64>,
    #[serde(default)]
    pub emailed: bool,
    /// Why it stays a draft without payment (its total differs).
    #[serde(default)]
    pub review: Option<String>,
}

impl CreditNote {
    /// A credit note still to be made.
    pub fn due(credits: Credited, amount: Decimal, invoice: String) -> Self {
        Self {
            credits,
            amount,
            invoice,
            document_id: None,
            document_number: None,
            document_total: None,
            approved: false,
            paid: false,
            payment_id: None,
            emailed: false,
            review: None,
        }
    }

    /// Its key among the order's credit notes: `refund:<id>`, `cancelled`
    /// or `reissue:<n>`; part of its PayTraq reference, its in-doubt marks
    /// and the keys of its order notes.
    pub fn key(&self) -> String {
        match self.credits {
            Credited::Refund { refund_id } => format!("refund:{refund_id}"),
            Credited::Cancellation => "cancelled".into(),
            Credited::Reissue { reissue } => format!("reissue:{reissue}"),
        }
    }

    /// The document in words: `credit note KR/1`.
    pub fn document(&self) -> String {
        match (&self.document_number, self.document_id) {
            (Some(n), _) => format!("credit note {n}"),
            (None, Some(id)) => format!("credit note (id {id})"),
            (None, None) => "credit note".to_string(),
        }
    }

    /// What it is, in words: `credit note KR/1 for refund #45`.
    pub fn label(&self) -> String {
        let note = self.document();
        match self.credits {
            Credited::Refund { refund_id } => format!("{note} for refund #{refund_id}"),
            Credited::Cancellation => format!("{note} for the cancelled order"),
            Credited::Reissue { .. } => format!("{note} for the replaced {}", self.invoice),
        }
    }
}
