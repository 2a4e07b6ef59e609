//! Sign-in: no session goes to the sign-in form (and comes back after),
//! a wrong token is refused, the session cookie is `HttpOnly; SameSite=Strict`
//! on `/console` (and `Secure` unless loopback over plain HTTP), sign-out
//! ends the session for good, and a deployment without a console sign-in
//! (IAM) keeps the console closed.

use reqwest::header::SET_COOKIE;
use reqwest::StatusCode;
use tower::ServiceExt;

use super::{world, Browser, TOKEN};

#[tokio::test]
async fn no_session_is_sent_to_sign_in_and_back_to_the_page_afterwards() {
    let w = world().await;
    let ch = w.channel("c1", |_| {}).await.unwrap();
    let mut b = Browser::new(&w);
    for path in [
        "/console/channels".to_string(),
        format!("/console/channels/{}/orders?status=failed", ch.id),
        format!("/console/channels/{}/settings", ch.id),
        format!("/console/channels/{}/sync", ch.id),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        let next = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &path)
            .finish();
        assert_eq!(
            page.location(),
            format!("/console/sign-in?{next}"),
            "{path}"
        );
    }
    // A form posted without a session changes nothing and goes to sign-in.
    let before = w.app.repo.get_channel("c1").await.unwrap().unwrap();
    let page = b
        .post_raw(
            &format!("/console/channels/{}/settings", ch.id),
            &[("approve", "on")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/console/sign-in"));
    let after = w.app.repo.get_channel("c1").await.unwrap().unwrap();
    assert_eq!(after.settings, before.settings);

    // Signing in from there lands on the page asked for.
    let page = b
        .post_raw(
            "/console/sign-in",
            &[("token", TOKEN), ("next", "/console/channels/c1/sync")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/console/channels/c1/sync");
    // …but never on another site.
    let page = b
        .post_raw(
            "/console/sign-in",
            &[("token", TOKEN), ("next", "//evil.example/console/")],
        )
        .await;
    assert_eq!(page.location(), "/console/channels");
    w.stop().await;
}

#[tokio::test]
async fn a_wrong_token_is_refused_without_a_session() {
    let w = world().await;
    let mut b = Browser::new(&w);
    for wrong in [
        "",
        "console-admin-token-5d2e9",
        "console-admin-token-5d2e9bX",
        "Bearer x",
    ] {
        let page = b.post_raw("/console/sign-in", &[("token", wrong)]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
        assert!(
            page.headers.get(SET_COOKIE).is_none(),
            "no session for {wrong:?}"
        );
        assert!(page.testid("sign-in-error").is_some());
    }
    assert_eq!(
        b.get("/console/channels").await.status,
        StatusCode::SEE_OTHER
    );
    w.stop().await;
}

#[tokio::test]
async fn the_session_cookie_is_httponly_strict_and_secure_unless_loopback_http() {
    let w = world().await;
    let b = Browser::new(&w);
    let url = format!("{}/console/sign-in", b.base);
    let plain = b
        .http
        .post(&url)
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::SEE_OTHER);
    let cookie = plain.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("console_session="), "{cookie}");
    for flag in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=28800",
    ] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "loopback over http: {cookie}");

    let proxied = b
        .http
        .post(&url)
        .header("x-forwarded-proto", "https")
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    let cookie = proxied.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure"), "https: {cookie}");

    let other_host = b
        .http
        .post(&url)
        .header("host", "console.example.lv")
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    let cookie = other_host.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("; Secure"), "not loopback: {cookie}");
    w.stop().await;
}

#[tokio::test]
async fn sign_out_ends_the_session_even_for_a_kept_cookie() {
    let w = world().await;
    let mut b = Browser::signed_in(&w).await;
    let kept = b.cookies.clone();
    assert_eq!(b.get("/console/channels").await.status, StatusCode::OK);
    let page = b.post("/console/sign-out", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/console/sign-in");
    assert!(
        b.cookies.iter().all(|(k, _)| k != "console_session"),
        "cookie cleared"
    );
    // Replaying the old cookie does not work: the session is gone from the store.
    b.cookies = kept;
    assert_eq!(
        b.get("/console/channels").await.status,
        StatusCode::SEE_OTHER
    );
    w.stop().await;
}

#[tokio::test]
async fn sign_out_without_the_csrf_token_is_refused_and_the_session_stays() {
    let w = world().await;
    let mut b = Browser::signed_in(&w).await;
    let page = b.post_raw("/console/sign-out", &[("csrf", "forged")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/console/channels").await.status, StatusCode::OK);
    w.stop().await;
}

#[tokio::test]
async fn on_iam_without_a_console_sign_in_every_page_says_it_is_not_configured() {
    let w = world().await;
    let router = channel::admin::router(w.app.clone(), channel::admin::AdminAuth::Iam);
    for (method, path) in [
        ("GET", "/console/channels"),
        ("GET", "/console/sign-in"),
        ("POST", "/console/sign-in"),
        ("GET", "/console/channels/c1/settings"),
    ] {
        let request = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!("token={TOKEN}")))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {path}"
        );
        assert!(response.headers().get(SET_COOKIE).is_none());
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("data-testid=\"not-configured\""), "{body}");
    }
    w.stop().await;
}
