//! Hardening: one test (or more) per finding of the security and fault probe (issue 17).

#[path = "hardening/store.rs"]
mod store;
