//! An inbox order: one WooCommerce order of one channel, with everything the
//! channel did about it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CreditNote, Effect, TimelineEvent};

/// Processing state of an inbox order.
///
/// `received → document_created → approved → paid → emailed → done`;
/// steps that are switched off are skipped. `needs_review` (totals differ)
/// and `failed` (with a reason) stop the machine until an operator acts;
/// `handled` is an operator's "dealt with outside the channel".
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Received,
    DocumentCreated,
    Approved,
    Paid,
    Emailed,
    Done,
    NeedsReview,
    Failed,
    Handled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 9] = [
        OrderStatus::Received,
        OrderStatus::DocumentCreated,
        OrderStatus::Approved,
        OrderStatus::Paid,
        OrderStatus::Emailed,
        OrderStatus::Done,
        OrderStatus::NeedsReview,
        OrderStatus::Failed,
        OrderStatus::Handled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Received => "received",
            OrderStatus::DocumentCreated => "document_created",
            OrderStatus::Approved => "approved",
            OrderStatus::Paid => "paid",
            OrderStatus::Emailed => "emailed",
            OrderStatus::Done => "done",
            OrderStatus::NeedsReview => "needs_review",
            OrderStatus::Failed => "failed",
            OrderStatus::Handled => "handled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The few order facts the inbox lists and filters on (the full payload is kept too).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OrderSummary {
    pub number: String,
    /// WooCommerce status (`processing`, `on-hold`, …).
    pub wc_status: String,
    pub currency: String,
    pub total: Decimal,
    pub payment_method: String,
    pub billing_email: Option<String>,
    pub date_created_gmt: Option<DateTime<Utc>>,
    pub date_paid_gmt: Option<DateTime<Utc>>,
    /// Refunded in the shop so far (Σ of the order's refunds, positive).
    #[serde(default)]
    pub refunded: Decimal,
    /// Product lines and their quantities, to tell an edit made within the
    /// second the payload's timestamp already shows.
    #[serde(default)]
    pub items: Vec<(String, Decimal)>,
}

/// Everything PayTraq handed back, recorded before the next step runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PaytraqIds {
    pub client_id: Option<u64>,
    pub document_id: Option<u64>,
    pub document_number: Option<String>,
    pub document_total: Option<Decimal>,
    pub approved: bool,
    /// A payment (or, for a sales order, a prepayment) was added.
    pub paid: bool,
    pub payment_id: Option<u64>,
    pub emailed: bool,
    /// The rounding line put on the document (WooCommerce total − PayTraq
    /// total) under the channel's "adjust" rounding policy; recorded before
    /// the document is updated, so a retry explains it too.
    #[serde(default)]
    pub rounding_adjustment: Option<Decimal>,
    /// The order as the document was made from it, to tell what changed in
    /// the shop afterwards. `None` for documents made before it was kept.
    #[serde(default)]
    pub basis: Option<DocumentBasis>,
    /// Shop refunds already reported (their ids), so each is reported once.
    #[serde(default)]
    pub refunds_seen: Vec<u64>,
    /// Credit notes issued after the invoice was approved (refunds, a
    /// cancellation, a reissue), in the order they became due.
    #[serde(default)]
    pub credit_notes: Vec<CreditNote>,
    /// The order was edited in the shop after this document was made (the
    /// document no longer shows it): what allows a reissue.
    #[serde(default)]
    pub edited_after_document: bool,
    /// Invoices replaced by a reissue (a credit note, then a new invoice),
    /// oldest first; their facts stay shown.
    #[serde(default)]
    pub replaced: Vec<ReplacedDocument>,
}

impl PaytraqIds {
    /// The credit notes of the current document: those recorded since the
    /// last reissue's (which took the previous invoice back).
    pub fn current_credit_notes(&self) -> &[CreditNote] {
        let since = self
            .credit_notes
            .iter()
            .rposition(|c| matches!(c.credits, super::Credited::Reissue { .. }))
            .map_or(0, |i| i + 1);
        self.credit_notes.get(since..).unwrap_or(&[])
    }
}

/// An approved invoice an operator replaced after the order was edited: a
/// credit note takes it back whole, then a new invoice is made for the
/// order as it is now (its reference ends in `/r<reissue>`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReplacedDocument {
    /// 1 for the first reissue of the order.
    pub reissue: u32,
    pub document_id: u64,
    pub document_number: Option<String>,
    /// Its total as PayTraq showed it when it was replaced.
    pub document_total: Decimal,
    /// A payment was recorded on it: the credit note then records the
    /// money as returned, and the new invoice its payment (both or neither).
    pub paid: bool,
    pub payment_id: Option<u64>,
    pub emailed: bool,
    pub replaced_at: DateTime<Utc>,
    /// The new invoice's number (or id), once it is made.
    #[serde(default)]
    pub replaced_by: Option<String>,
}

impl ReplacedDocument {
    /// `sales invoice ALE 1` (or its id when it has no number).
    pub fn label(&self) -> String {
        match &self.document_number {
            Some(n) => format!("sales invoice {n}"),
            None => format!("sales invoice (id {})", self.document_id),
        }
    }
}

/// What a document was made from: the order's lines, shipping and total.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentBasis {
    pub total: Decimal,
    pub shipping_total: Decimal,
    pub lines: Vec<BasisLine>,
}

/// One product line of a [`DocumentBasis`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BasisLine {
    pub name: String,
    pub quantity: Decimal,
    /// After coupons, before tax.
    pub total: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxOrder {
    pub channel_id: String,
    /// Inbox key: the WooCommerce order id, or `invalid-<hash>` for a signed
    /// body that could not be read as an order.
    pub key: String,
    pub order_id: Option<u64>,
    /// `date_modified_gmt` of the stored payload; an older payload never replaces it.
    pub modified_gmt: Option<DateTime<Utc>>,
    /// The raw JSON body as received (or as fetched by the reconciler).
    pub payload: String,
    pub summary: Option<OrderSummary>,
    pub status: OrderStatus,
    /// Why the order failed or needs review.
    pub reason: Option<String>,
    #[serde(default)]
    pub paytraq: PaytraqIds,
    /// A call that is not safe to repeat was started but its outcome not
    /// yet recorded. A retry checks whether it took effect before trying
    /// again. Old string marks still read (see [`Effect`]).
    #[serde(default, deserialize_with = "super::effect::read_in_doubt")]
    pub effect_in_doubt: Option<Effect>,
    /// Keys of the WooCommerce order notes already written (each event once).
    #[serde(default)]
    pub notes_sent: Vec<String>,
    #[serde(default)]
    pub timeline: Vec<TimelineEvent>,
    /// Set when the payload was stored but not yet handed to the queue.
    pub pending_since: Option<DateTime<Utc>>,
    /// The order was moved to the shop's trash or deleted there. Nothing is
    /// changed in PayTraq; no document is made while it is set.
    #[serde(default)]
    pub removed_in_shop: Option<ShopRemoval>,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}

impl InboxOrder {
    pub fn record(&mut self, event: TimelineEvent) {
        self.timeline.push(event);
    }
}

/// How an order left the shop (WooCommerce's `order.deleted` delivery is a
/// move to the trash; a permanent deletion fires only the action topic
/// `action.woocommerce_delete_order`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShopRemoval {
    Trash,
    Deleted,
}

/// What [`crate::store::Repo::upsert_order`] did with an incoming payload.
#[derive(Clone, Debug, PartialEq)]
pub enum UpsertOutcome {
    /// First time this order was seen.
    Inserted(InboxOrder),
    /// A newer payload replaced the stored one (processing state kept).
    Updated(InboxOrder),
    /// The stored payload is as new or newer; nothing was written.
    Unchanged(InboxOrder),
}

impl UpsertOutcome {
    pub fn order(&self) -> &InboxOrder {
        match self {
            UpsertOutcome::Inserted(o)
            | UpsertOutcome::Updated(o)
            | UpsertOutcome::Unchanged(o) => o,
        }
    }
    pub fn changed(&self) -> bool {
        !matches!(self, UpsertOutcome::Unchanged(_))
    }
}
