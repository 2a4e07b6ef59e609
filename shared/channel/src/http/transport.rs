//! A request that got no usable answer, classified: it timed out, it could
//! not connect, or the body broke off. The message keeps the whole chain of
//! causes (the useful part of a TLS or DNS failure is usually the last one)
//! but never the URL, which may carry query-string credentials, and it is
//! scrubbed of every secret the client knows.

use super::Scrubber;

/// What went wrong on the way, before any HTTP status could be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportKind {
    /// The per-request (or connect) timeout elapsed.
    Timeout,
    /// No connection: DNS, refused, TLS handshake, an address the shop
    /// policy forbids.
    Connect,
    /// Connected, but the request or reply body failed part-way.
    Body,
    /// Anything else reqwest reports (protocol errors, a redirect refused, …).
    Other,
}

impl TransportKind {
    fn as_str(self) -> &'static str {
        match self {
            TransportKind::Timeout => "timed out",
            TransportKind::Connect => "could not connect",
            TransportKind::Body => "the body broke off",
            TransportKind::Other => "the request failed",
        }
    }
}

/// A classified transport failure; shows as `<kind>: <cause>: <cause>…`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.as_str())]
pub struct TransportError {
    pub kind: TransportKind,
    /// reqwest's message and its sources, joined by `": "`; no URL, no secret.
    pub message: String,
}

impl TransportError {
    /// Classifies a reqwest error and renders it without URL or secrets.
    pub fn from_reqwest(err: reqwest::Error, scrubber: &Scrubber) -> Self {
        let kind = if err.is_timeout() {
            TransportKind::Timeout
        } else if err.is_connect() {
            TransportKind::Connect
        } else if err.is_body() || err.is_decode() {
            TransportKind::Body
        } else {
            TransportKind::Other
        };
        let err = err.without_url();
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self {
            kind,
            message: scrubber.scrub(&message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secret;

    #[tokio::test]
    async fn a_refused_connection_is_connect_with_its_causes_and_no_url_or_secret() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = reqwest::Client::new()
            .get(format!("http://{addr}/x?consumer_secret=cs_hidden"))
            .send()
            .await
            .unwrap_err();
        let scrubber = Scrubber::new([&Secret::new("cs_hidden")]);
        let te = TransportError::from_reqwest(err, &scrubber);
        assert_eq!(te.kind, TransportKind::Connect, "{te}");
        let shown = te.to_string();
        assert!(shown.starts_with("could not connect: "), "{shown}");
        assert!(
            shown.matches(": ").count() >= 2,
            "the causes are kept: {shown}"
        );
        assert!(
            !shown.contains("cs_hidden") && !shown.contains("/x"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn a_slow_server_is_a_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Accepts and never answers.
        let server = tokio::spawn(async move {
            let (_socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        });
        let err = reqwest::Client::new()
            .get(format!("http://{addr}/"))
            .timeout(std::time::Duration::from_millis(100))
            .send()
            .await
            .unwrap_err();
        let te = TransportError::from_reqwest(err, &Scrubber::default());
        assert_eq!(te.kind, TransportKind::Timeout, "{te}");
        server.abort();
    }
}
