//! Found on a real WooCommerce 8.9.1 shop: one test (or more) per defect (issue 16).
//!
//! Each module holds the tests of one finding; each drives the channel
//! through the WooCommerce sandbox, which behaves as the real shop did.

#[path = "real_shop/callback.rs"]
mod callback;
#[path = "real_shop/prices.rs"]
mod prices;
#[path = "real_shop/reconcile.rs"]
mod reconcile;
#[path = "real_shop/secret.rs"]
mod secret;
#[path = "real_shop/seed.rs"]
mod seed;
