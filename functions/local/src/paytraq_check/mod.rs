//! `local paytraq-check`: whether this product works with a PayTraq
//! company, checked with the company's own API key and token before the
//! channel is turned on.
//!
//! Read-only by default: every read call the product makes ([`reads`]),
//! each reported as works / refused (with PayTraq's answer) / reply not
//! understood (with the decode error), with counts. With `--write-test`,
//! on a test company ([`writes`]): a draft sales invoice for a test client
//! is created, read back, updated (the rounding-line call), approved,
//! paid and e-mailed, each effect read back; then a sales order is
//! approved and prepaid. Only documents it created are touched, and the
//! report says how to void them. The result ([`report`]) is a table and,
//! for a support request, the same as JSON. Requests are paced at
//! PayTraq's rate (1 request/s, bursts of 5), as the product paces them.

pub mod cli;
pub mod reads;
pub mod report;
pub mod writes;

use std::sync::Arc;

use channel::paytraq::{Pacer, PacerConfig, PaytraqClient, PaytraqCredentials, PaytraqError};
use channel::secrets::Secret;
use rust_decimal::Decimal;

pub use report::{CheckReport, Chosen, Created, Outcome, Row, TaxKeyRate};

/// PayTraq's API: the default `--base-url`.
pub const PAYTRAQ_API: &str = "https://go.paytraq.com";

/// What to check, and where.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The PayTraq host (`https://go.paytraq.com`).
    pub base_url: String,
    pub api_key: Secret,
    pub api_token: Secret,
    /// The price group whose price list is read; without it that read is skipped.
    pub price_group_id: Option<u64>,
    /// The test client's e-mail: searched for, and the write test's recipient.
    pub client_email: Option<String>,
    /// Create, change, approve, pay and e-mail documents (a test company only).
    pub write_test: bool,
    /// The user confirmed that the write test may write to this company.
    pub write_confirmed: bool,
    /// The product, tax key, money account and warehouse of the test
    /// documents; each defaults to the first the reads found.
    pub item_code: Option<String>,
    pub tax_key_id: Option<u64>,
    pub money_account_id: Option<u64>,
    pub warehouse_id: Option<u64>,
    /// Lift the pacing to 1000 requests/s (tests against a sandbox only).
    pub fast: bool,
}

impl CheckOptions {
    /// Read-only checks of the company behind this key pair.
    pub fn read_only(base_url: &str, api_key: Secret, api_token: Secret) -> Self {
        Self {
            base_url: base_url.to_owned(),
            api_key,
            api_token,
            price_group_id: None,
            client_email: None,
            write_test: false,
            write_confirmed: false,
            item_code: None,
            tax_key_id: None,
            money_account_id: None,
            warehouse_id: None,
            fast: false,
        }
    }
}

/// Why the check did not run at all. Never carries the key or token.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(
        "--write-test creates, approves, pays and e-mails documents in the company of this key: \
         run it on a test company only, and confirm with --yes-write-to-this-company"
    )]
    WriteNotConfirmed,
    #[error(
        "--write-test needs --client-email ADDRESS: the test client's address, where PayTraq \
         e-mails the test invoice"
    )]
    NoClientEmail,
    #[error("--client-email {0:?} is not an e-mail address")]
    BadClientEmail(String),
    #[error("cannot reach PayTraq with these settings: {0}")]
    Client(#[from] PaytraqError),
}

/// Runs the checks and returns the report; only a refused option or an
/// unusable base URL or key pair stops it before the first request.
pub async fn run(opts: &CheckOptions) -> Result<CheckReport, CheckError> {
    validate(opts)?;
    let client = client(opts)?;
    let mut report = CheckReport::new(
        &opts.base_url,
        opts.write_test,
        [&opts.api_key, &opts.api_token],
    );
    let found = reads::run(&client, opts, &mut report).await;
    if opts.write_test {
        writes::run(&client, opts, &found, &mut report).await;
    }
    Ok(report)
}

/// The write test is refused without its confirmation and the test
/// client's address, before any request is sent.
fn validate(opts: &CheckOptions) -> Result<(), CheckError> {
    if let Some(email) = &opts.client_email {
        let email = email.trim();
        if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
            return Err(CheckError::BadClientEmail(email.to_owned()));
        }
    }
    if opts.write_test && !opts.write_confirmed {
        return Err(CheckError::WriteNotConfirmed);
    }
    if opts.write_test && opts.client_email.is_none() {
        return Err(CheckError::NoClientEmail);
    }
    Ok(())
}

/// The channel's own PayTraq client, paced as the product paces it.
fn client(opts: &CheckOptions) -> Result<PaytraqClient, CheckError> {
    let pacing = match opts.fast {
        true => PacerConfig {
            rate_per_second: Decimal::from(1000),
            burst: 1000,
        },
        false => PacerConfig::default(),
    };
    let creds = PaytraqCredentials {
        api_key: opts.api_key.clone(),
        api_token: opts.api_token.clone(),
    };
    let client = PaytraqClient::new(
        &opts.base_url,
        creds,
        reqwest::Client::new(),
        Arc::new(Pacer::new(pacing)?),
    )?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> CheckOptions {
        CheckOptions::read_only(PAYTRAQ_API, Secret::new("k"), Secret::new("t"))
    }

    #[test]
    fn the_write_test_needs_its_confirmation_and_a_client_address() {
        let mut o = opts();
        o.write_test = true;
        o.client_email = Some("test@example.com".into());
        assert!(matches!(validate(&o), Err(CheckError::WriteNotConfirmed)));
        o.write_confirmed = true;
        assert!(validate(&o).is_ok());
        o.client_email = None;
        assert!(matches!(validate(&o), Err(CheckError::NoClientEmail)));
        o.client_email = Some("nobody".into());
        assert!(matches!(validate(&o), Err(CheckError::BadClientEmail(_))));
        assert!(validate(&opts()).is_ok());
    }
}
