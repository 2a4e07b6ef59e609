//! Benchmarks, run with `local bench [intake|processing|sync|all|cold-start]`; the
//! figures go to BENCHMARKS.md. Their worlds come from `testkit`.
//!
//! - [`intake`]: webhook intake through the HTTP route;
//! - [`processing`]: API calls per order and orders per hour under pacing;
//! - [`sync`]: stock and price sync, batched vs one request per item;
//! - [`per_item`]: the sync benchmark's two one-request-per-item baselines;
//! - [`cold_start`]: init duration and peak memory of the five function binaries
//!   under the Lambda Runtime API emulator (not part of `all`: it needs them built);

pub mod cold_start;
pub mod intake;
pub mod per_item;
pub mod processing;
pub mod sync;
