//! PayTraq: REST (XML) client with per-company pacing.

/// Errors of the PayTraq client.
#[derive(Debug, thiserror::Error)]
pub enum PaytraqError {
    #[error("paytraq: {0}")]
    Other(String),
}
