//! The WooCommerce → PayTraq Sales Inbox channel.
//!
//! Everything the Lambda functions (and the `local` runner) share lives here:
//! the domain model, the ports through which the domain reaches the world
//! (store, secrets, queue, WooCommerce, PayTraq) and one adapter per
//! technology for each port.
//!
//! | module          | what it is for                                            |
//! |-----------------|-----------------------------------------------------------|
//! | [`admin`]       | admin API and channel activation (one router, two hosts)  |
//! | [`console`]     | the operator console: web pages in Latvian and English    |
//! | [`accounting`]  | the accounting port (PayTraq): trait [`Accounting`]       |
//! | [`shop`]        | the shop port (WooCommerce): trait [`Shop`]               |
//! | [`connect`]     | how the composition root reaches a channel's two systems  |
//! | [`model`]       | channels, inbox orders, sync runs: the persisted records  |
//! | [`store`]       | the record store port; DynamoDB and embedded (redb)       |
//! | [`secrets`]     | per-channel credentials; Secrets Manager and embedded     |
//! | [`queue`]       | FIFO work queues; SQS FIFO and in-process                 |
//! | [`woocommerce`] | WooCommerce REST v3 client, order model, webhook signing  |
//! | [`paytraq`]     | PayTraq REST (XML) client with per-company pacing         |
//! | [`http`]        | what both HTTP clients share: retries, `Retry-After`,     |
//! |                 | transport errors, secret scrubbing, call statistics       |
//! | [`backoff`]     | exponential back-off for HTTP retries and store updates   |
//! | [`hash`]        | SHA-256 fingerprints in hex                               |
//! | [`request_body`]| inbound bodies: size limit (413), read deadline (408)     |
//! | [`sync`]        | stock and price sync, PayTraq → WooCommerce, by SKU       |
//! | [`config`]      | configuration from the environment                        |
//! | [`telemetry`]   | structured JSON logging                                   |
//! | [`host`]        | `local`'s entry point: every function in one process       |
//! | [`datadir`]     | `local`'s data directory: private (`0700`/`0600`) files    |
//!
//! Features: `aws` (the DynamoDB, Secrets Manager and SQS adapters, used by
//! the Lambdas) and `embedded` (redb and the one-process [`host`], used by
//! `local`); both are on by default.

pub mod accounting;
pub mod admin;
pub mod app;
#[cfg(feature = "aws")]
mod aws_error;
#[cfg(feature = "aws")]
pub mod aws_sdk;
pub mod backoff;
pub mod config;
pub mod connect;
pub mod console;
#[cfg(feature = "embedded")]
pub mod datadir;
pub mod error;
pub mod faults;
pub mod hash;
#[cfg(feature = "embedded")]
pub mod host;
pub mod http;
pub mod intake;
pub mod model;
pub mod money;
pub mod paytraq;
pub mod processing;
pub mod queue;
pub mod request_body;
pub mod secrets;
pub mod shop;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod woocommerce;

pub use accounting::Accounting;
pub use app::{App, Options};
pub use connect::{Connect, HttpConnect};
pub use error::{Error, Result};
pub use shop::Shop;
