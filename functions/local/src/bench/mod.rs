//! Benchmarks run against the sandboxes (`local bench ...`), and the
//! fixtures they share with the end-to-end tests.
//!
//! - [`sync`]: stock and price sync, batched vs one request per item;
//! - [`world`]: both sandboxes, a channel and an `App` wired to them;
//! - [`proxy`]: a recording, fault-injecting HTTP proxy in front of a sandbox.

pub mod proxy;
pub mod sync;
pub mod world;
