//! Console sessions: a random id in an `HttpOnly; SameSite=Strict` cookie,
//! its SHA-256 in the record store (so every instance of the admin function
//! sees it and a sign-out ends it everywhere), an expiry, and the per-session
//! CSRF token every form carries.
//!
//! [`start`] is the one way a session begins: the admin-token sign-in calls
//! it with `admin`, a Cognito sign-in would call it with the user's name.

use axum::http::HeaderMap;
use chrono::{Duration, Utc};
use subtle::ConstantTimeEq;

use crate::admin::token::random_value;
use crate::hash::sha256_hex;
use crate::model::ConsoleSession;
use crate::secrets::Secret;
use crate::store::StoreError;
use crate::App;

/// The session cookie.
pub const SESSION_COOKIE: &str = "console_session";

/// How long a session lasts after sign-in.
pub fn lifetime() -> Duration {
    Duration::hours(8)
}

/// A signed-in browser: its session and the token its forms carry.
#[derive(Clone, Debug)]
pub struct Session {
    pub record: ConsoleSession,
    /// The CSRF token of this session.
    pub csrf: String,
}

impl Session {
    fn of(id: &str, record: ConsoleSession) -> Self {
        Self {
            csrf: csrf_token(id),
            record,
        }
    }

    /// Whether a form's CSRF token is this session's (constant time).
    pub fn csrf_matches(&self, given: Option<&str>) -> bool {
        given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(self.csrf.as_bytes())))
    }
}

/// Starts a session for `user`: stored, and its id handed back for the cookie.
pub async fn start(app: &App, user: &str) -> Result<(Secret, Session), StoreError> {
    let id = random_value();
    let now = Utc::now();
    let mut record = ConsoleSession {
        id_hash: sha256_hex(id.expose().as_bytes()),
        user: user.to_string(),
        created_at: now,
        expires_at: now + lifetime(),
        version: 0,
    };
    app.repo.put_session(&mut record).await?;
    let session = Session::of(id.expose(), record);
    Ok((id, session))
}

/// The session the request's cookie names, if it is known and not expired.
pub async fn current(app: &App, headers: &HeaderMap) -> Result<Option<Session>, StoreError> {
    let Some(id) = session_id(headers) else {
        return Ok(None);
    };
    let record = app.repo.get_session(&sha256_hex(id.as_bytes())).await?;
    Ok(record.map(|r| Session::of(id, r)))
}

/// Ends the session the request's cookie names (if any).
pub async fn end(app: &App, headers: &HeaderMap) -> Result<(), StoreError> {
    match session_id(headers) {
        Some(id) => app.repo.delete_session(&sha256_hex(id.as_bytes())).await,
        None => Ok(()),
    }
}

/// The `Set-Cookie` value that hands the browser its session.
pub fn cookie(id: &Secret, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={}; Path=/console; Max-Age={}; HttpOnly; SameSite=Strict{}",
        id.expose(),
        lifetime().num_seconds(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes it.
pub fn cleared_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The cookie's session id, when it looks like one of ours.
fn session_id(headers: &HeaderMap) -> Option<&str> {
    super::cookie(headers, SESSION_COOKIE).filter(|id| {
        (20..=100).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// A session's CSRF token: derived from its id, which only the browser
/// holds (the cookie is `HttpOnly`), so another site can neither read nor
/// compute it.
fn csrf_token(id: &str) -> String {
    sha256_hex(format!("console csrf\0{id}").as_bytes())
}
