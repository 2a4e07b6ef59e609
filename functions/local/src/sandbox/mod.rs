//! Sandboxes of the WooCommerce and PayTraq APIs: real HTTP servers that
//! behave like the documented APIs (auth, paging, batch limits, error
//! bodies, rate limits, latency and fault injection), for demos, tests and
//! benchmarks. Control and inspection live under `/__sandbox/`.

pub mod paytraq;
pub mod woocommerce;
