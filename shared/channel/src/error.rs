//! The crate-wide error type: every port and domain error folds into it,
//! so handlers can map one type to an HTTP answer or a retry decision.

use crate::paytraq::PaytraqError;
use crate::queue::QueueError;
use crate::secrets::SecretsError;
use crate::store::StoreError;
use crate::woocommerce::WooError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    WooCommerce(#[from] WooError),
    #[error(transparent)]
    Paytraq(#[from] PaytraqError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A sync run's lease was taken by another worker: this one stopped
    /// without writing anything more; the other carries the run on.
    #[error("lease lost: {0}")]
    LeaseLost(String),
}
