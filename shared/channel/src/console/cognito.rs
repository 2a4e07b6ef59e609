//! Sign-in on AWS: Amazon Cognito's hosted UI, authorization code flow with
//! PKCE (RFC 7636), for the console client `template.yaml` creates.
//!
//! `GET /console/sign-in` sends the browser to the hosted UI with a fresh
//! `state` and code challenge; the verifier, the state and the page to go
//! back to wait in a short-lived `HttpOnly` cookie scoped to the callback
//! (`SameSite=Lax`: the callback is a top-level navigation coming from
//! Cognito's domain, which a `Strict` cookie would not follow).
//! `GET /console/auth/callback` checks the state, trades the code and the
//! verifier for tokens at the token endpoint, checks the ID token's claims
//! (issuer, audience, `token_use`, expiry) and starts the same console
//! session the local sign-in starts ([`super::session::start`]) for the
//! person's e-mail. The ID token comes straight from the token endpoint
//! over TLS, so its signature need not be checked (OpenID Connect Core 1.0
//! §3.1.3.7, item 6); nothing else is trusted without that channel.
//! Sign-out ends the session and Cognito's own (`/logout`).

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::locale::Lang;
use super::page::{forward, inside_console, message, secure_cookies, Frame};
use super::session;
use super::sign_in::with_cookie;
use crate::admin::token::random_value;
use crate::admin::{public_base, Ctx};

/// The pre-sign-in cookie (state, verifier, where to go back).
pub const PKCE_COOKIE: &str = "console_pkce";
/// Where Cognito sends the browser back.
pub const CALLBACK_PATH: &str = "/console/auth/callback";
/// Where Cognito's logout sends the browser.
pub const SIGNED_OUT_PATH: &str = "/console/signed-out";
/// How long a started sign-in may take (seconds).
const PKCE_COOKIE_SECONDS: i64 = 600;

/// The user pool's hosted UI and the console's app client (from the
/// environment `template.yaml` gives the admin function).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CognitoConfig {
    /// `https://<prefix>.auth.<region>.amazoncognito.com`
    pub domain: String,
    pub client_id: String,
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`
    pub issuer: String,
}

/// Why a sign-in through Cognito did not complete (shown in words; never
/// contains a token, a code or a verifier).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CognitoError {
    #[error("COGNITO_{0} is not set")]
    Missing(&'static str),
    #[error("COGNITO_{0} must be an https URL")]
    NotHttps(&'static str),
    #[error("the sign-in was not started here or took too long; start again")]
    StateMismatch,
    #[error("Cognito refused the sign-in: {0}")]
    Refused(String),
    #[error("Cognito could not be reached: {0}")]
    Unreachable(String),
    #[error("Cognito's answer is not usable: {0}")]
    BadToken(String),
}

impl CognitoConfig {
    /// From `COGNITO_DOMAIN`, `COGNITO_CLIENT_ID`, `COGNITO_ISSUER`: all
    /// three, or none (`Ok(None)`: no Cognito sign-in in this deployment).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, CognitoError> {
        let read =
            |name: &'static str| get(&format!("COGNITO_{name}")).filter(|v| !v.trim().is_empty());
        let (domain, client_id, issuer) = (read("DOMAIN"), read("CLIENT_ID"), read("ISSUER"));
        if domain.is_none() && client_id.is_none() && issuer.is_none() {
            return Ok(None);
        }
        let domain = domain.ok_or(CognitoError::Missing("DOMAIN"))?;
        let client_id = client_id.ok_or(CognitoError::Missing("CLIENT_ID"))?;
        let issuer = issuer.ok_or(CognitoError::Missing("ISSUER"))?;
        for (name, value) in [("DOMAIN", &domain), ("ISSUER", &issuer)] {
            if !value.starts_with("https://") {
                return Err(CognitoError::NotHttps(name));
            }
        }
        Ok(Some(Self {
            domain: domain.trim_end_matches('/').to_string(),
            client_id,
            issuer: issuer.trim_end_matches('/').to_string(),
        }))
    }
}

/// A started sign-in: what the cookie keeps until the callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub state: String,
    pub verifier: String,
    /// A console path to land on afterwards.
    pub next: String,
}

impl Pending {
    pub fn new(next: &str) -> Self {
        Self {
            state: random_value().expose().to_string(),
            verifier: format!("{}{}", random_value().expose(), random_value().expose()),
            next: next.to_string(),
        }
    }

    /// `S256` code challenge of the verifier.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }

    /// The cookie value: `state.verifier.next` (each part URL-safe).
    pub fn cookie(&self, secure: bool) -> String {
        format!(
            "{PKCE_COOKIE}={}.{}.{}; Path={CALLBACK_PATH}; Max-Age={PKCE_COOKIE_SECONDS}; HttpOnly; SameSite=Lax{}",
            self.state,
            self.verifier,
            URL_SAFE_NO_PAD.encode(self.next.as_bytes()),
            if secure { "; Secure" } else { "" }
        )
    }

    /// Reads the cookie value back (`None` when it is not one of ours).
    pub fn from_cookie(value: &str) -> Option<Self> {
        let mut parts = value.split('.');
        let (state, verifier, next) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || state.is_empty() || verifier.len() < 43 {
            return None;
        }
        let safe = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !safe(state) || !safe(verifier) {
            return None;
        }
        let next = String::from_utf8(URL_SAFE_NO_PAD.decode(next).ok()?).ok()?;
        Some(Self {
            state: state.to_string(),
            verifier: verifier.to_string(),
            next,
        })
    }

    /// Whether the callback's `state` is this sign-in's (constant time).
    pub fn state_matches(&self, given: &str) -> bool {
        bool::from(given.as_bytes().ct_eq(self.state.as_bytes()))
    }
}

/// The cookie that removes a finished sign-in's [`Pending`].
pub fn cleared_pkce_cookie(secure: bool) -> String {
    format!(
        "{PKCE_COOKIE}=; Path={CALLBACK_PATH}; Max-Age=0; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

impl CognitoConfig {
    /// The hosted UI's authorize URL for a started sign-in.
    pub fn authorize_url(&self, pending: &Pending, redirect_uri: &str) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid email")
            .append_pair("state", &pending.state)
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", &pending.challenge())
            .finish();
        format!("{}/oauth2/authorize?{query}", self.domain)
    }

    /// Cognito's logout URL (ends its own session, then back to us).
    pub fn logout_url(&self, logout_uri: &str) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.client_id)
            .append_pair("logout_uri", logout_uri)
            .finish();
        format!("{}/logout?{query}", self.domain)
    }

    /// Trades the code for tokens and answers who signed in (their e-mail,
    /// else their user name).
    pub async fn exchange(
        &self,
        http: &reqwest::Client,
        code: &str,
        pending: &Pending,
        redirect_uri: &str,
    ) -> Result<String, CognitoError> {
        #[derive(Deserialize)]
        struct Tokens {
            id_token: String,
        }
        #[derive(Deserialize)]
        struct Refusal {
            error: String,
        }
        let reply = http
            .post(format!("{}/oauth2/token", self.domain))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", self.client_id.as_str()),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", pending.verifier.as_str()),
            ])
            .send()
            .await
            .map_err(|e| CognitoError::Unreachable(e.without_url().to_string()))?;
        let status = reply.status();
        let body = reply
            .bytes()
            .await
            .map_err(|e| CognitoError::Unreachable(e.without_url().to_string()))?;
        if !status.is_success() {
            let why = serde_json::from_slice::<Refusal>(&body)
                .map(|r| r.error)
                .unwrap_or_else(|_| format!("HTTP {status}"));
            return Err(CognitoError::Refused(why));
        }
        let tokens: Tokens = serde_json::from_slice(&body).map_err(|_| {
            CognitoError::BadToken("no id_token in the token endpoint's answer".into())
        })?;
        self.person(&tokens.id_token, Utc::now().timestamp())
    }

    /// Checks an ID token's claims and names the person.
    pub fn person(&self, id_token: &str, now: i64) -> Result<String, CognitoError> {
        #[derive(Deserialize)]
        struct Claims {
            iss: String,
            aud: String,
            token_use: String,
            exp: i64,
            email: Option<String>,
            #[serde(rename = "cognito:username")]
            username: Option<String>,
        }
        let bad = |why: &str| CognitoError::BadToken(why.to_string());
        let payload = id_token.split('.').nth(1).ok_or_else(|| bad("not a JWT"))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| bad("not a JWT"))?;
        let claims: Claims = serde_json::from_slice(&bytes).map_err(|_| bad("claims missing"))?;
        if claims.iss != self.issuer {
            return Err(bad("issued by another user pool"));
        }
        if claims.aud != self.client_id {
            return Err(bad("issued to another app client"));
        }
        if claims.token_use != "id" {
            return Err(bad("not an ID token"));
        }
        if claims.exp <= now {
            return Err(bad("expired"));
        }
        claims
            .email
            .or(claims.username)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| bad("names nobody"))
    }
}

// ---- the routes -------------------------------------------------------------

/// `GET /console/sign-in` on AWS: off to the hosted UI, the sign-in
/// remembered in the pre-sign-in cookie.
pub(super) fn start(
    ctx: &Ctx,
    cognito: &CognitoConfig,
    headers: &HeaderMap,
    next: &str,
) -> Response {
    let lang = Lang::of(headers);
    let base = match public_base(ctx, headers) {
        Ok(base) => base,
        Err(e) => return failed(lang, StatusCode::BAD_REQUEST, e.to_string()),
    };
    let pending = Pending::new(next);
    let to = cognito.authorize_url(&pending, &format!("{base}{CALLBACK_PATH}"));
    with_cookie(
        Redirect::to(&to).into_response(),
        &pending.cookie(secure_cookies(headers)),
    )
}

/// `GET /console/auth/callback?code=…&state=…`: Cognito sends the person
/// back; the code becomes a console session.
pub(super) async fn callback(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let lang = Lang::of(&headers);
    let secure = secure_cookies(&headers);
    let Some(cognito) = ctx.cfg.cognito.as_ref() else {
        return super::page::not_configured(lang);
    };
    if let Some(error) = q.get("error") {
        // The person cancelled, or Cognito refused: say which, in its words.
        let why = q.get("error_description").unwrap_or(error);
        return failed(
            lang,
            StatusCode::UNAUTHORIZED,
            CognitoError::Refused(why.clone()).to_string(),
        );
    }
    let pending = super::cookie(&headers, PKCE_COOKIE).and_then(Pending::from_cookie);
    let (Some(pending), Some(code), Some(state)) = (pending, q.get("code"), q.get("state")) else {
        return failed(
            lang,
            StatusCode::BAD_REQUEST,
            CognitoError::StateMismatch.to_string(),
        );
    };
    if !pending.state_matches(state) {
        tracing::warn!("console sign-in refused: state does not match the sign-in started here");
        return failed(
            lang,
            StatusCode::BAD_REQUEST,
            CognitoError::StateMismatch.to_string(),
        );
    }
    let base = match public_base(&ctx, &headers) {
        Ok(base) => base,
        Err(e) => return failed(lang, StatusCode::BAD_REQUEST, e.to_string()),
    };
    let redirect_uri = format!("{base}{CALLBACK_PATH}");
    // `app.http` is the process's general client (rustls, pooled).
    let person = match cognito
        .exchange(&ctx.app.http, code, &pending, &redirect_uri)
        .await
    {
        Ok(person) => person,
        Err(e) => {
            tracing::warn!(error = %e, "console sign-in through Cognito failed");
            let status = match e {
                CognitoError::Unreachable(_) => StatusCode::BAD_GATEWAY,
                _ => StatusCode::UNAUTHORIZED,
            };
            return failed(lang, status, e.to_string());
        }
    };
    match session::start(&ctx.app, &person).await {
        Ok((id, _)) => {
            tracing::info!(user = %person, "console sign-in through Cognito");
            // The cookie is ours, but where it sends the browser is checked again.
            let next = inside_console(Some(&pending.next));
            let page = with_cookie(forward(next), &session::cookie(&id, secure));
            with_cookie(page, &cleared_pkce_cookie(secure))
        }
        Err(e) => failed(lang, StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

/// `GET /console/signed-out`: where Cognito's logout lands.
pub(super) async fn signed_out(headers: HeaderMap) -> Response {
    let lang = Lang::of(&headers);
    let t = lang.text();
    message(
        Frame::bare(lang, SIGNED_OUT_PATH),
        StatusCode::OK,
        "signed-out",
        t.signed_out_title,
        t.signed_out_text.to_string(),
    )
}

fn failed(lang: Lang, status: StatusCode, why: String) -> Response {
    message(
        Frame::bare(lang, "/console/sign-in"),
        status,
        "sign-in-failed",
        lang.text().sign_in_failed_title,
        why,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CognitoConfig {
        CognitoConfig {
            domain: "https://pool.auth.eu-north-1.amazoncognito.com".into(),
            client_id: "client".into(),
            issuer: "https://cognito-idp.eu-north-1.amazonaws.com/pool".into(),
        }
    }

    fn id_token(claims: serde_json::Value) -> String {
        format!("e30.{}.c2ln", URL_SAFE_NO_PAD.encode(claims.to_string()))
    }

    #[test]
    fn the_code_challenge_is_rfc_7636s_s256_of_the_verifier() {
        let pending = Pending {
            state: "s".into(),
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
            next: "/console/channels".into(),
        };
        // RFC 7636, appendix B.
        assert_eq!(
            pending.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn a_started_sign_in_reads_back_from_its_cookie_and_nothing_else_does() {
        let pending = Pending::new("/console/channels/a/orders?status=failed");
        let set = pending.cookie(true);
        let value = set
            .strip_prefix("console_pkce=")
            .and_then(|v| v.split(';').next())
            .unwrap();
        assert_eq!(Pending::from_cookie(value), Some(pending.clone()));
        assert!(pending.state_matches(&pending.state) && !pending.state_matches("other"));
        assert!(set.contains("; Secure") && set.contains("HttpOnly"));
        for bad in [
            "",
            "a.b",
            "a.short.L2NvbnNvbGU",
            "a.b.c.d",
            "a b.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.L2M",
        ] {
            assert_eq!(Pending::from_cookie(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_configuration_is_all_three_variables_or_none() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(CognitoConfig::from_env(env(&[])), Ok(None));
        assert_eq!(
            CognitoConfig::from_env(env(&[
                ("COGNITO_DOMAIN", "https://d/"),
                ("COGNITO_CLIENT_ID", "c")
            ])),
            Err(CognitoError::Missing("ISSUER"))
        );
        assert_eq!(
            CognitoConfig::from_env(env(&[
                ("COGNITO_DOMAIN", "http://d"),
                ("COGNITO_CLIENT_ID", "c"),
                ("COGNITO_ISSUER", "https://i")
            ])),
            Err(CognitoError::NotHttps("DOMAIN"))
        );
        let ok = CognitoConfig::from_env(env(&[
            ("COGNITO_DOMAIN", "https://d/"),
            ("COGNITO_CLIENT_ID", "c"),
            ("COGNITO_ISSUER", "https://i"),
        ]));
        assert_eq!(ok.unwrap().unwrap().domain, "https://d");
    }

    #[test]
    fn an_id_token_names_its_person_only_when_it_is_ours_and_current() {
        let c = config();
        let claims = |iss: &str, aud: &str, use_: &str, exp: i64| serde_json::json!({"iss": iss, "aud": aud, "token_use": use_, "exp": exp, "email": "a@b.lv"});
        let (iss, now) = (c.issuer.clone(), 1_000);
        assert_eq!(
            c.person(&id_token(claims(&iss, "client", "id", 2_000)), now),
            Ok("a@b.lv".into())
        );
        let refused = |t: String| c.person(&t, now).unwrap_err().to_string();
        assert!(
            refused(id_token(claims("https://other", "client", "id", 2_000)))
                .contains("another user pool")
        );
        assert!(
            refused(id_token(claims(&iss, "other", "id", 2_000))).contains("another app client")
        );
        assert!(
            refused(id_token(claims(&iss, "client", "access", 2_000))).contains("not an ID token")
        );
        assert!(refused(id_token(claims(&iss, "client", "id", 1_000))).contains("expired"));
        assert!(refused("not-a-jwt".into()).contains("not a JWT"));
    }
}
