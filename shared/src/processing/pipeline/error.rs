//! Why a step of the pipeline stopped: worth retrying (the message goes back
//! to the queue) or permanent (the order is marked failed with the reason).

use crate::paytraq::PaytraqError;
use crate::store::StoreError;
use crate::woocommerce::WooError;
use crate::Error;

/// Why a step stopped.
pub(super) enum StepError {
    Transient(String),
    Permanent(String),
}

impl From<StoreError> for StepError {
    fn from(e: StoreError) -> Self {
        StepError::Transient(e.to_string())
    }
}

impl From<PaytraqError> for StepError {
    fn from(e: PaytraqError) -> Self {
        if e.is_retryable() {
            StepError::Transient(e.to_string())
        } else {
            StepError::Permanent(format!("PayTraq refused: {e}"))
        }
    }
}

impl From<WooError> for StepError {
    fn from(e: WooError) -> Self {
        if e.is_retryable() {
            StepError::Transient(e.to_string())
        } else {
            StepError::Permanent(format!("WooCommerce refused: {e}"))
        }
    }
}

impl From<Error> for StepError {
    fn from(e: Error) -> Self {
        match e {
            Error::Paytraq(e) => e.into(),
            Error::WooCommerce(e) => e.into(),
            other => StepError::Transient(other.to_string()),
        }
    }
}
