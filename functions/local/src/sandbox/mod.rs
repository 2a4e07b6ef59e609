//! Sandboxes of the WooCommerce and PayTraq APIs.
