//! `local`: the whole channel on one machine, for demos, tests, benchmarks
//! and operators who run it without AWS.
//!
//! - [`host`]: the channel's functions in one process (embedded store,
//!   in-process queue, scheduler);
//! - [`sandbox`]: faithful HTTP sandboxes of the WooCommerce and PayTraq APIs;
//! - [`bench`]: benchmarks against the sandboxes, and their test worlds;
//! - [`demo`]: `local demo`, the whole product end to end with its checks.

pub mod bench;
pub mod demo;
pub mod host;
pub mod sandbox;
pub mod world;
