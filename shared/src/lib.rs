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
//! | [`sync`]        | stock and price sync, PayTraq → WooCommerce, by SKU       |
//! | [`config`]      | configuration from the environment                        |
//! | [`telemetry`]   | structured JSON logging                                   |

pub mod admin;
pub mod app;
mod aws_error;
pub mod backoff;
pub mod config;
pub mod error;
pub mod faults;
pub mod hash;
pub mod http;
pub mod intake;
pub mod model;
pub mod money;
pub mod paytraq;
pub mod processing;
pub mod queue;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod woocommerce;

pub use app::{App, Options};
pub use error::{Error, Result};
