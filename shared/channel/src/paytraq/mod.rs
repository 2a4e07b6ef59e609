//! PayTraq: REST (XML) client with per-company pacing.
//!
//! | module       | what it is for                                              |
//! |--------------|-------------------------------------------------------------|
//! | [`client`]   | credentials, transport, retries, paging                     |
//! | [`adapter`]  | the client as the [`crate::Accounting`] port                |
//! | [`catalog`]  | clients, products, stock, prices, tax keys, warehouses      |
//! | [`sales`]    | sales documents, approval, payments, e-mail                 |
//! | [`routes`]   | every call's path and evidence (assumed calls live only here)|
//! | [`model`]    | the records read and written                                |
//! | [`pacing`]   | per-company token bucket: in process, then shared           |
//! | [`shared_pacing`] | the shared bucket: one record per company in the store |
//! | [`probe`]    | one page of a search, for `local paytraq-check`             |
//!
//! Which calls are confirmed and which are assumed: `CALLS.md` next to this file.

pub mod adapter;
pub mod catalog;
pub mod client;
pub mod model;
pub mod pacing;
pub mod probe;
pub mod routes;
pub mod sale_xml;
pub mod sales;
pub mod shared_pacing;
pub mod xml;

use std::time::Duration;

pub use crate::http::RetryPolicy;
pub use client::{PaytraqClient, PaytraqCredentials};
pub use pacing::{Pacer, PacerConfig};

/// Errors of the PayTraq client. None of them ever carries the API key or
/// token: replies are scrubbed of both before they become a message.
#[derive(Debug, thiserror::Error)]
pub enum PaytraqError {
    /// A non-success reply; `message` is the `<Error>` body's text.
    #[error("paytraq answered {status}: {message}")]
    Api { status: u16, message: String },
    #[error("paytraq refused the credentials (401)")]
    Unauthorized,
    #[error("paytraq: not found")]
    NotFound,
    #[error("paytraq rate limit (429), retry after {retry_after:?}")]
    RateLimited { retry_after: Option<Duration> },
    #[error("paytraq did not answer in time")]
    Timeout,
    #[error("paytraq transport: {0}")]
    Transport(String),
    #[error("paytraq reply could not be read: {0}")]
    Decode(String),
    #[error("invalid paytraq request: {0}")]
    Invalid(String),
}

impl PaytraqError {
    /// Whether trying again later may succeed (rate limit, timeouts,
    /// transport failures, 5xx). Whether it is *safe* to repeat depends on
    /// the call: see [`PaytraqClient`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Timeout | Self::Transport(_) => true,
            Self::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The request may or may not have taken effect (a write's outcome is
    /// unknown). A 429 is not ambiguous: the request was refused.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Self::Timeout | Self::Transport(_) => true,
            Self::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }
}
