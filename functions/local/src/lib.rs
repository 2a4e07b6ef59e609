//! `local`: the whole channel on one machine, for demos, benchmarks and
//! operators who run it without AWS. The hosting itself is
//! `channel::host`; the sandboxes are the `woocommerce-sandbox` and
//! `paytraq-sandbox` crates; the worlds come from `testkit`.
//!
//! - [`admin_token`]: `local serve`'s admin token, by flag, environment or file;
//! - [`demo`]: `local demo`, the whole product end to end with its checks;
//! - [`bench`]: benchmarks against the sandboxes.

pub mod admin_token;
pub mod bench;
pub mod demo;
