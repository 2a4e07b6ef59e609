//! [`Scrubber`]: takes secrets out of any text that is about to go into an
//! error or a log line (a reply body echoing a request, a transport error,
//! a URL). It removes
//! - the client's own secret values, as they are and percent-encoded;
//! - the value of every query-string parameter that names a credential
//!   (`consumer_key`, `consumer_secret`, `api_key`, `token`, `signature`, …),
//!   whoever's credential it is;
//! - the credentials after `Basic` / `Bearer` (an echoed `Authorization`):
//!   a word of at least 16 token characters, so that prose such as "Basic
//!   authentication failed" stays readable.
//!
//! Each is replaced by `***`.

use url::form_urlencoded::byte_serialize;

use crate::secrets::Secret;

/// What a removed secret is replaced with.
const MASK: &str = "***";

/// Query parameters whose values are credentials (compared without case).
const CREDENTIAL_PARAMS: [&str; 16] = [
    "consumer_key",
    "consumer_secret",
    "oauth_consumer_key",
    "oauth_signature",
    "oauth_token",
    "api_key",
    "apikey",
    "api_token",
    "apitoken",
    "access_token",
    "token",
    "secret",
    "password",
    "signature",
    "key",
    "user_id",
];

/// Auth schemes whose next word is a credential.
const AUTH_SCHEMES: [&str; 2] = ["basic", "bearer"];

/// The shortest word after an auth scheme that is taken for a credential.
const MIN_CREDENTIAL_LEN: usize = 16;

/// Removes one client's secrets (and any query-string credential) from text.
/// Cheap to clone; `Debug` shows no value.
#[derive(Clone, Debug, Default)]
pub struct Scrubber {
    /// The values to remove, longest first (so a secret that contains
    /// another is removed whole), with their percent-encoded forms.
    secrets: Vec<Secret>,
}

impl Scrubber {
    /// A scrubber of these secrets; empty values are ignored.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Self {
        let mut values: Vec<Secret> = Vec::new();
        for secret in secrets {
            let raw = secret.expose();
            if raw.is_empty() {
                continue;
            }
            let encoded: String = byte_serialize(raw.as_bytes()).collect();
            for value in [raw.to_string(), encoded] {
                if !values.iter().any(|v| v.expose() == value) {
                    values.push(Secret::new(value));
                }
            }
        }
        values.sort_by_key(|v| std::cmp::Reverse(v.expose().len()));
        Self { secrets: values }
    }

    /// `text` without any secret.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.expose()) {
                out = out.replace(secret.expose(), MASK);
            }
        }
        mask_auth_schemes(&mask_query_credentials(&out))
    }
}

/// Masks the value of every `name=value` whose name is a credential
/// parameter, where the name starts a parameter (after `?`, `&`, `;`, a
/// space, a quote or at the start).
fn mask_query_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let (before, after) = rest.split_at(eq);
        let name_start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let name = &before[name_start..];
        let starts_param = name_start == 0
            || before[..name_start].ends_with(['?', '&', ';', ' ', '"', '\'', '(', '\n']);
        out.push_str(before);
        out.push('=');
        let value = &after[1..];
        let value_len = value
            .find(['&', ' ', '#', '"', '\'', ')', '>', '\n', '\r', ',', ';'])
            .unwrap_or(value.len());
        if starts_param
            && value_len > 0
            && CREDENTIAL_PARAMS
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name))
        {
            out.push_str(MASK);
            rest = &value[value_len..];
        } else {
            rest = value;
        }
    }
    out.push_str(rest);
    out
}

/// Masks the credential after `Basic ` / `Bearer ` (any case).
fn mask_auth_schemes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut words = text.split_inclusive(' ');
    while let Some(word) = words.next() {
        out.push_str(word);
        if !AUTH_SCHEMES
            .iter()
            .any(|s| s.eq_ignore_ascii_case(word.trim_end()))
        {
            continue;
        }
        let Some(next) = words.next() else { break };
        let token_len = next
            .find(|c: char| !(c.is_ascii_alphanumeric() || "+/=._~-".contains(c)))
            .unwrap_or(next.len());
        if token_len >= MIN_CREDENTIAL_LEN {
            out.push_str(MASK);
            out.push_str(&next[token_len..]);
        } else {
            out.push_str(next);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrubber() -> Scrubber {
        Scrubber::new([
            &Secret::new("KEY-123"),
            &Secret::new("TOKEN-456"),
            &Secret::new("cs_a+b/c"),
            &Secret::new(""),
        ])
    }

    #[test]
    fn removes_the_clients_own_secrets() {
        assert_eq!(
            scrubber().scrub("bad KEY-123 and TOKEN-456"),
            "bad *** and ***"
        );
    }

    #[test]
    fn removes_percent_encoded_secrets() {
        let text = scrubber().scrub("sent /x?sig=cs_a%2Bb%2Fc to the shop");
        assert!(!text.contains("cs_a"), "{text}");
    }

    #[test]
    fn a_secret_inside_another_goes_whole() {
        let s = Scrubber::new([&Secret::new("abc"), &Secret::new("xabcx")]);
        assert_eq!(s.scrub("[xabcx] [abc]"), "[***] [***]");
    }

    #[test]
    fn masks_query_string_credentials_of_anyone() {
        let s = Scrubber::default();
        assert_eq!(
            s.scrub(
                "GET /wp-json/wc/v3/orders?page=2&consumer_key=ck_1&Consumer_Secret=cs_2 failed"
            ),
            "GET /wp-json/wc/v3/orders?page=2&consumer_key=***&Consumer_Secret=*** failed"
        );
        assert_eq!(
            s.scrub("https://x.example/cb?token=abc#frag"),
            "https://x.example/cb?token=***#frag"
        );
        assert_eq!(s.scrub("api_key=k1; other=2"), "api_key=***; other=2");
    }

    #[test]
    fn reads_any_text_without_panicking() {
        let s = Scrubber::new([&Secret::new("ķēdes")]);
        assert_eq!(
            s.scrub("Kļūda…ā=1 ķēdes ā token=šķ… beigas"),
            "Kļūda…ā=1 *** ā token=*** beigas"
        );
        assert_eq!(s.scrub("="), "=");
        assert_eq!(s.scrub("é=é&key=é"), "é=é&key=***");
    }

    #[test]
    fn leaves_look_alikes_alone() {
        let s = Scrubber::default();
        for text in [
            "monkey=banana",
            "order total=12.10",
            "a == b",
            "key=",
            "no secrets here",
            "ends with =",
        ] {
            assert_eq!(s.scrub(text), text);
        }
    }

    #[test]
    fn masks_basic_and_bearer_credentials() {
        let s = Scrubber::default();
        assert_eq!(
            s.scrub("Authorization: Basic Y2tfMTIzNDU6Y3NfNjc4OTA= was refused"),
            "Authorization: Basic *** was refused"
        );
        assert_eq!(s.scrub("bearer eyJhbGciOiJIUzI1NiJ9.e30.abc"), "bearer ***");
        assert_eq!(
            s.scrub("Basic authentication failed"),
            "Basic authentication failed"
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let shown = format!("{:?}", scrubber());
        assert!(
            !shown.contains("KEY-123") && !shown.contains("TOKEN"),
            "{shown}"
        );
    }
}
