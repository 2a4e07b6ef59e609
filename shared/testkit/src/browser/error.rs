//! Why a browser command failed: the WebDriver's own error and message, or the wait that ran out with
//! what the page showed at the end.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error("{program} is not installed ({path} is missing); install Debian's chromium and chromium-driver")]
    Missing {
        program: &'static str,
        path: PathBuf,
    },
    #[error("starting chromedriver: {0}")]
    Spawn(std::io::Error),
    #[error("the browser profile directory {path}: {source}")]
    Profile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no free loopback port for chromedriver: {0}")]
    Port(std::io::Error),
    #[error("chromedriver did not become ready within {0:?}")]
    NotReady(Duration),
    #[error("WebDriver {command}: {error}: {message}")]
    WebDriver {
        command: String,
        error: String,
        message: String,
    },
    #[error("talking to chromedriver ({command}): {source}")]
    Http {
        command: String,
        source: reqwest::Error,
    },
    #[error("the WebDriver answer to {command} has no {field}")]
    Answer {
        command: String,
        field: &'static str,
    },
    #[error("no element matches {selector:?} on {url}")]
    NoElement { selector: String, url: String },
    #[error("waited {timeout:?} for {what}; the page ({url}) showed: {shown}")]
    Timeout {
        what: String,
        timeout: Duration,
        url: String,
        shown: String,
    },
    #[error("the screenshot is not base64: {0}")]
    Screenshot(#[from] base64::DecodeError),
}

impl BrowserError {
    /// The page changed under the command (an element it found is gone or stale): asking again may
    /// succeed.
    pub fn page_changed(&self) -> bool {
        match self {
            BrowserError::NoElement { .. } => true,
            BrowserError::WebDriver { error, .. } => {
                matches!(
                    error.as_str(),
                    "stale element reference" | "no such element"
                )
            }
            _ => false,
        }
    }
}
