//! `local`: the whole channel on one machine, for demos, benchmarks and
//! operators who run it without AWS. The hosting itself is
//! `channel::host`; the sandboxes are the `woocommerce-sandbox` and
//! `paytraq-sandbox` crates; the worlds come from `testkit`.
//!
//! - [`admin_token`]: `local serve`'s admin token, by flag, environment or file;
//! - [`demo`]: `local demo`, the whole product end to end with its checks;
//! - [`bench`]: benchmarks against the sandboxes;
//! - [`paytraq_check`]: `local paytraq-check`, this product against a PayTraq company.

pub mod admin_token;
pub mod bench;
pub mod demo;
pub mod paytraq_check;

/// A PayTraq base URL (the `--paytraq-url`/`--base-url` value parser): http
/// or https, a host, nothing after the path (written without its trailing
/// slash, as the client joins paths to it).
pub fn paytraq_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http(s) URL with a host, e.g. https://go.paytraq.com".into());
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("must not carry a query, a fragment or credentials".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}
