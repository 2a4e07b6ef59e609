//! Benchmarks, run with `local bench [intake|processing|sync|all]`; the
//! figures go to BENCHMARKS.md.

pub mod intake;
pub mod processing;
