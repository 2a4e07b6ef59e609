//! The PayTraq HTTP transport: credentials in the `APIKey`/`APIToken`
//! headers (reference §1), XML bodies, pacing, typed errors, retries and
//! paging. The calls themselves are in [`super::catalog`] and [`super::sales`].
//!
//! Retry rules:
//! - **429** is waited out (`Retry-After` in seconds or as a date, else
//!   back-off) and repeated for every call: a refused request did not run.
//! - **5xx, timeouts, broken connections** are repeated with exponential
//!   back-off only for calls marked `repeatable` in `routes.rs` (reads).
//!   Writes (create, approve, pay, e-mail) are never repeated here; where a
//!   write is retried at all, the call first checks whether it already took
//!   effect (see `sales.rs`).
//!
//! The key and token are sent only as headers marked sensitive; every error
//! message built from a reply or a transport failure is scrubbed of both.
//! The retry policy, `Retry-After`, transport errors, scrubbing and call
//! counters are the shared [`crate::http`] ones.

use std::sync::Arc;
use std::time::Instant;

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use url::Url;

use super::pacing::Pacer;
use super::routes::{Call, PAGE_SIZE};
use super::xml::{error_message, from_xml};
use super::PaytraqError;
use crate::http::{
    retry_after, CallCounters, CallKey, CallStats, RetryPolicy, Scrubber, TransportError,
    TransportKind,
};
use crate::secrets::Secret;

/// A list longer than this many pages is treated as a server fault
/// (a reply that never gets short would otherwise page forever).
const MAX_PAGES: u32 = 10_000;

/// One company's API key pair.
#[derive(Clone, Debug)]
pub struct PaytraqCredentials {
    pub api_key: Secret,
    pub api_token: Secret,
}

/// A client of one PayTraq company. Cheap to clone; clones share the
/// pacer and the call counters.
#[derive(Clone)]
pub struct PaytraqClient {
    api: Url,
    creds: Arc<PaytraqCredentials>,
    http: reqwest::Client,
    pacer: Arc<Pacer>,
    pacer_key: String,
    counters: Arc<CallCounters>,
    scrubber: Arc<Scrubber>,
    policy: RetryPolicy,
}

impl std::fmt::Debug for PaytraqClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaytraqClient")
            .field("api", &self.api.as_str())
            .field("company", &self.pacer_key)
            .finish_non_exhaustive()
    }
}

impl PaytraqClient {
    /// `base_url` is the PayTraq host (`https://go.paytraq.com`); `/api/` is
    /// appended unless already there.
    pub fn new(
        base_url: &str,
        creds: PaytraqCredentials,
        http: reqwest::Client,
        pacer: Arc<Pacer>,
    ) -> Result<Self, PaytraqError> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let api = if trimmed.ends_with("/api") {
            format!("{trimmed}/")
        } else {
            format!("{trimmed}/api/")
        };
        let api = Url::parse(&api).map_err(|e| PaytraqError::Invalid(format!("base url: {e}")))?;
        if creds.api_key.expose().is_empty() || creds.api_token.expose().is_empty() {
            return Err(PaytraqError::Invalid(
                "API key and token are required".into(),
            ));
        }
        for s in [&creds.api_key, &creds.api_token] {
            HeaderValue::from_str(s.expose()).map_err(|_| {
                PaytraqError::Invalid("credentials contain invalid characters".into())
            })?;
        }
        Ok(Self {
            api,
            pacer_key: Pacer::key_for(&creds.api_key),
            scrubber: Arc::new(Scrubber::new([&creds.api_key, &creds.api_token])),
            creds: Arc::new(creds),
            http,
            pacer,
            counters: Arc::default(),
            policy: RetryPolicy::default(),
        })
    }

    /// Replaces the timeouts and retry limits.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Per-call counters, shared by all clones of this client.
    pub fn calls(&self) -> CallStats {
        self.counters.snapshot()
    }

    /// Sends a call with pacing and the retry rules of the module doc;
    /// returns the reply body.
    pub(crate) async fn execute(
        &self,
        call: &Call,
        body: Option<&str>,
    ) -> Result<String, PaytraqError> {
        let key = CallKey::new(&call.method, call.name);
        let mut failures = 0u32;
        let mut rate_limited = 0u32;
        loop {
            self.pacer.acquire(&self.pacer_key).await;
            self.counters.request(key);
            let started = Instant::now();
            let sent = self.send_once(call, body).await;
            self.counters.took(key, started.elapsed());
            let err = match sent {
                Ok(text) => return Ok(text),
                Err(e) => e,
            };
            if let PaytraqError::RateLimited { retry_after } = &err {
                self.counters.rate_limited(key);
                rate_limited += 1;
                if rate_limited > self.policy.max_rate_limited {
                    return Err(err);
                }
                let wait = self.policy.rate_limit_wait(*retry_after, rate_limited);
                tracing::debug!(
                    call = call.name,
                    wait_ms = wait.as_millis() as u64,
                    "paytraq 429"
                );
                self.pacer.pause(&self.pacer_key, wait).await;
                continue;
            }
            failures += 1;
            if call.repeatable && err.is_retryable() && failures < self.policy.max_attempts {
                self.counters.retry(key);
                let wait = self.policy.backoff(failures);
                tracing::debug!(call = call.name, error = %err, "paytraq retry");
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(err);
        }
    }

    async fn send_once(&self, call: &Call, body: Option<&str>) -> Result<String, PaytraqError> {
        let mut url = self
            .api
            .join(&call.path)
            .map_err(|e| PaytraqError::Invalid(format!("path: {e}")))?;
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .headers(self.auth_headers()?)
            .timeout(self.policy.timeout);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/xml")
                .body(body.to_owned());
        }
        let response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let text = response.text().await.map_err(|e| self.transport(e))?;
        if status.is_success() {
            return Ok(text);
        }
        Err(match status {
            StatusCode::UNAUTHORIZED => PaytraqError::Unauthorized,
            StatusCode::NOT_FOUND => PaytraqError::NotFound,
            StatusCode::TOO_MANY_REQUESTS => PaytraqError::RateLimited { retry_after },
            _ => PaytraqError::Api {
                status: status.as_u16(),
                message: self
                    .scrubber
                    .scrub(&error_message(&text).unwrap_or_else(|| snippet(&text))),
            },
        })
    }

    fn auth_headers(&self) -> Result<HeaderMap, PaytraqError> {
        let mut headers = HeaderMap::new();
        for (name, secret) in [
            ("APIKey", &self.creds.api_key),
            ("APIToken", &self.creds.api_token),
        ] {
            let mut value = HeaderValue::from_str(secret.expose()).map_err(|_| {
                PaytraqError::Invalid("credentials contain invalid characters".into())
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        Ok(headers)
    }

    /// A failed request as [`PaytraqError`]: without the URL and scrubbed
    /// of the key and token.
    fn transport(&self, err: reqwest::Error) -> PaytraqError {
        let err = TransportError::from_reqwest(err, &self.scrubber);
        match err.kind {
            TransportKind::Timeout => PaytraqError::Timeout,
            _ => PaytraqError::Transport(err.to_string()),
        }
    }

    /// Sends a call and decodes its reply.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, call: &Call) -> Result<T, PaytraqError> {
        from_xml(&self.execute(call, None).await?)
    }

    /// Reads every page of a list (100 per page from page 0, until a short page).
    pub(crate) async fn all_pages<W, T>(
        &self,
        call: &Call,
        items: impl Fn(W) -> Vec<T>,
    ) -> Result<Vec<T>, PaytraqError>
    where
        W: DeserializeOwned,
    {
        let mut out = Vec::new();
        for page in 0..MAX_PAGES {
            let batch = items(self.fetch::<W>(&call.clone().page(page)).await?);
            let short = batch.len() < PAGE_SIZE;
            out.extend(batch);
            if short {
                return Ok(out);
            }
        }
        Err(PaytraqError::Decode(format!(
            "{}: more than {MAX_PAGES} full pages",
            call.name
        )))
    }
}

/// The start of a non-`<Error>` body, for the error message.
fn snippet(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        return "(empty body)".into();
    }
    t.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_gets_api_once_and_credentials_stay_hidden() {
        let creds = PaytraqCredentials {
            api_key: Secret::new("KEY-123"),
            api_token: Secret::new("TOKEN-456"),
        };
        let pacer = Arc::new(Pacer::new(Default::default()).unwrap());
        let a = PaytraqClient::new(
            "https://go.paytraq.com",
            creds.clone(),
            reqwest::Client::new(),
            pacer.clone(),
        )
        .unwrap();
        let b = PaytraqClient::new(
            "https://go.paytraq.com/api/",
            creds.clone(),
            reqwest::Client::new(),
            pacer,
        )
        .unwrap();
        assert_eq!(a.api.as_str(), "https://go.paytraq.com/api/");
        assert_eq!(b.api.as_str(), "https://go.paytraq.com/api/");
        let shown = format!("{a:?} {creds:?}");
        assert!(!shown.contains("KEY-123") && !shown.contains("TOKEN-456"));
        assert_eq!(
            a.scrubber.scrub("bad KEY-123 and TOKEN-456"),
            "bad *** and ***"
        );
    }
}
