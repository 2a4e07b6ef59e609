//! Benchmarks, run with `local bench [intake|processing|sync|pacing|cost|all|cold-start]`; the
//! figures go to BENCHMARKS.md. Their worlds come from `testkit`.
//!
//! - [`intake`]: webhook intake through the HTTP route;
//! - [`processing`]: API calls per order and orders per hour under pacing;
//! - [`sync`]: stock and price sync, batched vs one request per item;
//! - [`per_item`]: the sync benchmark's two one-request-per-item baselines;
//! - [`cold_start`]: init duration and peak memory of the five function binaries
//!   under the Lambda Runtime API emulator (not part of `all`: it needs them built);
//! - [`pacing`]: one PayTraq rate across workers, shared bucket vs per-process pacers;
//! - [`meter`]: a record store that counts DynamoDB's billing units;
//! - [`cost`]: AWS cost per 1,000 orders and per channel-month, from measured counts
//!   ([`counted`]: queue, secrets and log counters; [`prices`]: the prices assumed;
//!   [`template`]: the functions' memory from `template.yaml`);

pub mod cold_start;
pub mod cost;
pub mod counted;
pub mod intake;
pub mod meter;
pub mod pacing;
pub mod per_item;
pub mod prices;
pub mod processing;
pub mod sync;
pub mod template;
