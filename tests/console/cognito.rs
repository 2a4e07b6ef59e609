//! The console's sign-in on AWS: the admin router as the admin Lambda runs
//! it (`AdminAuth::Iam`, Cognito configured), against a stand-in for the
//! user pool's hosted UI that checks what Cognito checks (client, redirect
//! URI, the PKCE verifier against the challenge it was shown) and answers
//! with the token endpoint's shape.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::{Form, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use channel::admin::{router_with, AdminAuth, AdminConfig};
use channel::console::cognito::CognitoConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Browser;

const CLIENT_ID: &str = "1example23456789";
const PERSON: &str = "accountant@example.lv";

/// What the stand-in for Cognito saw and will answer.
#[derive(Default)]
struct Pool {
    issuer: String,
    /// The code challenge of the sign-in started last (from the authorize URL).
    challenge: Option<String>,
    redirect_uri: Option<String>,
    exchanges: usize,
}

/// `POST /oauth2/token`: `good-code` → an ID token for [`PERSON`] when the
/// verifier matches the challenge; `other-client` → a token for another
/// client; anything else → `invalid_grant`, as Cognito answers.
async fn token(
    State(pool): State<Arc<Mutex<Pool>>>,
    Form(form): Form<Vec<(String, String)>>,
) -> (axum::http::StatusCode, Json<Value>) {
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut pool = pool.lock().unwrap();
    pool.exchanges += 1;
    let verifier_ok = match (field("code_verifier"), &pool.challenge) {
        (Some(v), Some(c)) => URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())) == *c,
        _ => false,
    };
    let ok = field("grant_type").as_deref() == Some("authorization_code")
        && field("client_id").as_deref() == Some(CLIENT_ID)
        && field("redirect_uri") == pool.redirect_uri
        && verifier_ok;
    let audience = match field("code").as_deref() {
        Some("good-code") if ok => CLIENT_ID,
        Some("other-client") if ok => "another-client",
        _ => {
            return (
                axum::http::StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant"})),
            )
        }
    };
    let claims = json!({
        "iss": pool.issuer, "aud": audience, "token_use": "id", "email": PERSON,
        "cognito:username": "11111111-2222", "exp": chrono::Utc::now().timestamp() + 3600,
    });
    let jwt = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k1"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(b"signature")
    );
    (
        axum::http::StatusCode::OK,
        Json(
            json!({"id_token": jwt, "access_token": "a", "token_type": "Bearer", "expires_in": 3600}),
        ),
    )
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// The admin router as on AWS, and the user pool it trusts.
async fn aws_console() -> (Browser, Arc<Mutex<Pool>>, String) {
    let pool = Arc::new(Mutex::new(Pool::default()));
    let cognito = serve(
        Router::new()
            .route("/oauth2/token", post(token))
            .with_state(pool.clone()),
    )
    .await;
    let domain = format!("http://{cognito}");
    let issuer = "https://cognito-idp.eu-north-1.amazonaws.com/eu-north-1_EXAMPLE".to_string();
    pool.lock().unwrap().issuer = issuer.clone();
    let (app, _) = testkit::embedded_app();
    let config = AdminConfig {
        cognito: Some(CognitoConfig {
            domain: domain.clone(),
            client_id: CLIENT_ID.into(),
            issuer,
        }),
        ..AdminConfig::new(AdminAuth::Iam)
    };
    let console = serve(router_with(app, config)).await;
    let browser = Browser::at(format!("http://{console}"));
    (browser, pool, domain)
}

/// Starts a sign-in: answers the hosted UI's authorize URL, parsed, and
/// tells the stand-in the challenge and redirect URI it was shown.
async fn start_sign_in(b: &mut Browser, pool: &Mutex<Pool>, domain: &str) -> Vec<(String, String)> {
    let page = b.get("/console/sign-in?next=/console/channels").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let to = page.location();
    assert!(
        to.starts_with(&format!("{domain}/oauth2/authorize?")),
        "{to}"
    );
    let set = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>();
    let pkce = set
        .iter()
        .find(|c| c.starts_with("console_pkce="))
        .expect("pre-sign-in cookie");
    for part in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/console/auth/callback",
        "Max-Age=600",
    ] {
        assert!(pkce.contains(part), "{pkce}");
    }
    let query: Vec<(String, String)> = url::Url::parse(&to)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("response_type"), "code");
    assert_eq!(get("client_id"), CLIENT_ID);
    assert_eq!(get("code_challenge_method"), "S256");
    assert_eq!(
        get("redirect_uri"),
        format!("{}/console/auth/callback", b.base)
    );
    let mut p = pool.lock().unwrap();
    p.challenge = Some(get("code_challenge"));
    p.redirect_uri = Some(get("redirect_uri"));
    query
}

fn state_of(query: &[(String, String)]) -> String {
    query
        .iter()
        .find(|(n, _)| n == "state")
        .map(|(_, v)| v.clone())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_aws_people_sign_in_through_cognito_with_pkce_and_sign_out_of_both() {
    let (mut b, pool, domain) = aws_console().await;
    // No session: to the sign-in, which sends the browser to the hosted UI.
    let page = b.get("/console/channels").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        page.location().starts_with("/console/sign-in"),
        "{}",
        page.location()
    );
    let query = start_sign_in(&mut b, &pool, &domain).await;

    // Cognito sends the person back with a code and the state.
    let state = state_of(&query);
    let page = b
        .get(&format!(
            "/console/auth/callback?code=good-code&state={state}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("url=/console/channels"),
        "forwarded from this site: {}",
        page.body
    );
    let session = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("console_session="))
        .expect("a session");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
    assert!(
        b.cookies.iter().all(|(k, _)| k != "console_pkce"),
        "the pre-sign-in cookie is cleared"
    );
    assert_eq!(pool.lock().unwrap().exchanges, 1);

    let page = b.get("/console/channels").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!b.csrf.is_empty());
    let old = b.cookies.clone();

    // Sign-out ends this session and Cognito's.
    let page = b.post("/console/sign-out", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let to = page.location();
    assert!(
        to.starts_with(&format!(
            "{domain}/logout?client_id={CLIENT_ID}&logout_uri="
        )),
        "{to}"
    );
    assert!(to.contains("%2Fconsole%2Fsigned-out"), "{to}");
    b.cookies = old;
    let page = b.get("/console/channels").await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the old cookie is refused"
    );
    let page = b.get("/console/signed-out").await;
    assert_eq!(
        page.testid("signed-out")
            .as_deref()
            .map(|t| t.contains("signed out")),
        Some(true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_not_started_here_or_refused_by_cognito_starts_no_session() {
    let (mut b, pool, domain) = aws_console().await;
    let query = start_sign_in(&mut b, &pool, &domain).await;
    let state = state_of(&query);
    let no_session = |b: &Browser| b.cookies.iter().all(|(k, _)| k != "console_session");

    // Another state (a forged or replayed callback): refused before Cognito is asked.
    let page = b
        .get("/console/auth/callback?code=good-code&state=forged")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.testid("sign-in-failed")
            .unwrap()
            .contains("not started here"),
        "{}",
        page.body
    );
    // No pre-sign-in cookie at all (another browser).
    let mut stranger = Browser::at(b.base.clone());
    let page = stranger
        .get(&format!(
            "/console/auth/callback?code=good-code&state={state}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(pool.lock().unwrap().exchanges, 0);

    // The person cancelled on the hosted UI.
    let page = b
        .get("/console/auth/callback?error=access_denied&error_description=User+cancelled")
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page
        .testid("sign-in-failed")
        .unwrap()
        .contains("User cancelled"));
    // A code Cognito does not know, and a token issued to another app client.
    let page = b
        .get(&format!("/console/auth/callback?code=stale&state={state}"))
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        page.testid("sign-in-failed")
            .unwrap()
            .contains("invalid_grant"),
        "{}",
        page.body
    );
    let page = b
        .get(&format!(
            "/console/auth/callback?code=other-client&state={state}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        page.testid("sign-in-failed")
            .unwrap()
            .contains("another app client"),
        "{}",
        page.body
    );
    assert!(no_session(&b) && no_session(&stranger));
    // Nothing in any answer gives away the code or the verifier.
    assert!(!page.body.contains("other-client"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_aws_without_a_user_pool_the_console_stays_closed() {
    let (app, _) = testkit::embedded_app();
    let console = serve(router_with(app, AdminConfig::new(AdminAuth::Iam))).await;
    let page = reqwest::get(format!("http://{console}/console/sign-in"))
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.text().await.unwrap().contains("COGNITO_DOMAIN"));
}
