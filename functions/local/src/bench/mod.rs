//! Benchmarks, run with `local bench [intake|processing|sync|all]`; the
//! figures go to BENCHMARKS.md. Also the fixtures the sync benchmark shares
//! with the end-to-end tests.
//!
//! - [`intake`]: webhook intake;
//! - [`sync`]: stock and price sync, batched vs one request per item;
//! - [`world`]: both sandboxes, a channel and an `App` wired to them;
//! - [`proxy`]: a recording, fault-injecting HTTP proxy in front of a sandbox.

pub mod intake;
pub mod proxy;
pub mod sync;
pub mod world;
