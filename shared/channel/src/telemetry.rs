//! Structured JSON logging. On Lambda the level comes from
//! `AWS_LAMBDA_LOG_LEVEL` (set by the SAM `LoggingConfig`), else `RUST_LOG`,
//! else `info`. Log lines carry context as fields (`channel`, `order`),
//! never secrets.

use tracing_subscriber::fmt::format::{Format, Json, JsonFields};
use tracing_subscriber::fmt::{MakeWriter, SubscriberBuilder};
use tracing_subscriber::{fmt, EnvFilter};

/// Installs a JSON subscriber on stdout. Safe to call more than once.
pub fn init() {
    let _ = json_logs(std::io::stdout).try_init();
}

/// The JSON log format the functions write, to `writer` (stdout on Lambda;
/// a byte counter in `local bench cost`).
pub fn json_logs<W>(writer: W) -> SubscriberBuilder<JsonFields, Format<Json, ()>, EnvFilter, W>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_string())
        .to_lowercase();
    let filter = EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"));
    fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .flatten_event(true)
        .without_time()
        .with_writer(writer)
}
