//! Benchmarks, run with `local bench [intake|processing|sync|all]`; the
//! figures go to BENCHMARKS.md. Also the fixtures the sync benchmark shares
//! with the end-to-end tests.
//!
//! - [`intake`]: webhook intake through the HTTP route;
//! - [`processing`]: API calls per order and orders per hour under pacing;
//! - [`sync`]: stock and price sync, batched vs one request per item;
//! - [`per_item`]: the sync benchmark's two one-request-per-item baselines;
//! - [`world`]: a sync-sized world (both sandboxes, a channel, an `App`);
//! - [`proxy`]: a recording, fault-injecting HTTP proxy in front of a sandbox.

pub mod intake;
pub mod per_item;
pub mod processing;
pub mod proxy;
pub mod sync;
pub mod world;
