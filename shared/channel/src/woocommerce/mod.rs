//! WooCommerce: REST API v3 client, the typed order model, the catalogue
//! types, webhook signature checks and the shop URL policy.
//!
//! | module        | what it is for                                                      |
//! |---------------|---------------------------------------------------------------------|
//! | [`client`]    | [`WooClient`]: auth, paging, batches of ≤ 100, typed errors, timeouts |
//! | [`adapter`]   | the client as the [`crate::Shop`] port                                |
//! | [`order`]     | [`order::Order`]: the order as REST v3 and webhooks render it         |
//! | [`refund`]    | [`refund::Refund`]: a refund with its line detail (`/orders/{id}/refunds`) |
//! | [`catalog`]   | products, variations, taxes, gateways, settings, status, webhooks     |
//! | [`webhook`]   | signature check of deliveries, the unsigned ping                      |
//! | [`shop_url`]  | shop URL policy (HTTPS, no internal address) and its DNS resolver     |
//! | [`public_url`] | whether the shop will call our public URL (HTTPS callback, ports) |
//! | [`unique_keys`] | refuses JSON bodies that give one key twice in an object          |
//! | [`error`]     | [`WooError`], the `{code, message, data.status}` error body           |
//!
//! Every type that reads WooCommerce JSON is tolerant: unknown fields are
//! ignored, missing optional fields take their default, and numbers are
//! accepted both as JSON numbers and as strings (see `de`).

pub mod adapter;
pub mod catalog;
pub mod client;
mod de;
pub mod error;
pub mod order;
pub mod public_url;
pub mod refund;
pub mod shop_url;
pub mod unique_keys;
pub mod webhook;

pub use client::{Endpoint, OrderPage, OrderQuery, WooClient, WooCredentials, WooOptions};
pub use error::{ApiErrorBody, WooError};
pub use order::{parse_order, Order, OrderRefused};
pub use refund::{parse_refund, parse_refunds, Refund};
