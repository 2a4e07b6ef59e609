//! Found on a real WooCommerce 8.9.1 shop: one test (or more) per defect (issue 16).
//!
//! Each module holds the tests of one finding; each drives the channel
//! through the WooCommerce sandbox, which behaves as the real shop did.

#[path = "real_shop/callback.rs"]
mod callback;
