//! Sandboxes of the WooCommerce and PayTraq APIs.

pub mod paytraq;
pub mod woocommerce;
