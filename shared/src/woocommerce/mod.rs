//! WooCommerce: REST API v3 client, the typed order model and webhook
//! signature checks.

/// Errors of the WooCommerce client.
#[derive(Debug, thiserror::Error)]
pub enum WooError {
    #[error("woocommerce: {0}")]
    Other(String),
}
