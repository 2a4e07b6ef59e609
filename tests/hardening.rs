//! Hardening: one test (or more) per finding of the security and fault probe (issue 17).

#[path = "hardening/inputs.rs"]
mod inputs;
#[path = "hardening/routes.rs"]
mod routes;
#[path = "hardening/serve.rs"]
mod serve;
#[path = "hardening/store.rs"]
mod store;
