//! The HTTP plumbing both outbound clients share (WooCommerce and PayTraq):
//! each keeps its own URLs, auth and error types, and takes the rest from here.
//!
//! | module          | what it is for                                                   |
//! |-----------------|------------------------------------------------------------------|
//! | [`retry`]       | [`RetryPolicy`] (timeouts, attempts, back-off) and `Retry-After` |
//! | [`transport`]   | a failed request as timeout / connect / body, with its causes    |
//! | [`scrub`]       | [`Scrubber`]: secrets out of every text bound for errors or logs |
//! | [`stats`]       | [`CallStats`]: requests, retries, 429s and time per method+route |

pub mod retry;
pub mod scrub;
pub mod stats;
pub mod transport;

pub use retry::{retry_after, RetryPolicy};
pub use scrub::Scrubber;
pub use stats::{CallCount, CallCounters, CallKey, CallStats};
pub use transport::{TransportError, TransportKind};
