//! Structured JSON logging. On Lambda the level comes from
//! `AWS_LAMBDA_LOG_LEVEL` (set by the SAM `LoggingConfig`), else `RUST_LOG`,
//! else `info`. Log lines carry context as fields (`channel`, `order`),
//! never secrets.

use tracing_subscriber::{fmt, EnvFilter};

/// Installs a JSON subscriber on stdout. Safe to call more than once.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_string())
        .to_lowercase();
    let filter = EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .flatten_event(true)
        .without_time()
        .try_init();
}
