//! A small client of the admin API, as an operator's script would use it:
//! bearer token, JSON in and out, and an error naming the call and the
//! answer when the status is not the one expected. Admin answers never hold
//! secrets, so quoting them in an error is safe.

use anyhow::{bail, Context};
use reqwest::Method;
use serde_json::Value;

pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl AdminClient {
    pub fn new(base: String, token: String) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("building the HTTP client")?;
        Ok(Self { http, base, token })
    }

    /// The client without redirects, for the shop owner's browser steps.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Calls `method path` and returns the JSON answer when the status is `want`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        want: u16,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        if status != want {
            bail!("{method} {path} answered {status} (expected {want}): {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("{method} {path}: answer is not JSON"))
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(Method::GET, path, None, 200).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.call(Method::PUT, path, Some(body), 200).await
    }
}
