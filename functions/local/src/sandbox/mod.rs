//! Sandboxes of the WooCommerce and PayTraq APIs.
pub mod woocommerce;
