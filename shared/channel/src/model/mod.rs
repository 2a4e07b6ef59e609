//! The records the channel persists: channels (settings, mappings, health),
//! inbox orders (payload, processing state, PayTraq ids, timeline), sync
//! runs and console sign-in sessions. Every record carries a `version`; the store only writes a record
//! whose stored version still equals it, so two workers can never both move
//! the same record.

mod channel;
mod credit_note;
mod effect;
mod ids;
mod order;
mod session;
mod settings;
mod sync;

pub use channel::*;
pub use credit_note::*;
pub use effect::{CreditCall, Effect};
pub use ids::*;
pub use order::*;
pub use session::*;
pub use settings::*;
pub use sync::*;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One entry of an append-only timeline (orders and channels both have one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TimelineEvent {
    pub at: DateTime<Utc>,
    /// A short machine-readable kind, e.g. `received`, `document_created`.
    pub kind: String,
    /// What happened, in words an accountant can read.
    pub message: String,
}

impl TimelineEvent {
    pub fn now(kind: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            at: Utc::now(),
            kind: kind.into(),
            message: message.into(),
        }
    }
}
