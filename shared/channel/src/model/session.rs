//! A console sign-in session: who signed in and until when. Only the
//! SHA-256 of the session id is stored (the id itself is the browser's
//! cookie), so reading the store gives no usable session.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsoleSession {
    /// SHA-256 of the session id (hex).
    pub id_hash: String,
    /// Who signed in: `admin` for the admin token, the user name of a
    /// Cognito sign-in.
    pub user: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[serde(default)]
    pub version: u64,
}
