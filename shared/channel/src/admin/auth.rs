//! Who may call the admin routes. On AWS, API Gateway authorizes every
//! `/admin/...` route with IAM before the function runs, so the function
//! trusts it ([`AdminAuth::Iam`]); `local` has no gateway and checks a
//! bearer token ([`AdminAuth::Bearer`]) in constant time.

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use crate::secrets::Secret;

#[derive(Clone, Debug)]
pub enum AdminAuth {
    /// API Gateway's IAM authorizer already checked the caller.
    Iam,
    /// `Authorization: Bearer <token>` must carry this token.
    Bearer(Secret),
}

impl AdminAuth {
    /// Whether a request with these headers may pass.
    pub fn allows(&self, authorization: Option<&str>) -> bool {
        match self {
            AdminAuth::Iam => true,
            AdminAuth::Bearer(expected) => {
                let Some(given) = authorization.and_then(|h| h.strip_prefix("Bearer ")) else {
                    return false;
                };
                !expected.expose().is_empty()
                    && bool::from(given.trim().as_bytes().ct_eq(expected.expose().as_bytes()))
            }
        }
    }
}

/// Middleware: 401 unless [`AdminAuth::allows`] the request.
pub async fn require(State(auth): State<AdminAuth>, request: Request, next: Next) -> Response {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if auth.allows(header) {
        next.run(request).await
    } else {
        ApiError::Unauthorized.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_token_must_match_exactly() {
        let auth = AdminAuth::Bearer(Secret::new("s3cret-token"));
        assert!(auth.allows(Some("Bearer s3cret-token")));
        assert!(!auth.allows(Some("Bearer s3cret-tokeN")));
        assert!(!auth.allows(Some("Basic s3cret-token")));
        assert!(!auth.allows(None));
        assert!(!AdminAuth::Bearer(Secret::new("")).allows(Some("Bearer ")));
        assert!(AdminAuth::Iam.allows(None));
    }
}
