//! The WebDriver client itself, proved on a page that does not depend on the console: the WooCommerce
//! sandbox's `wc-auth` approve page. A click on Approve sends the key to the callback and lands on the
//! return URL; the keyboard alone does the same; a wait that cannot succeed names what it awaited and
//! what the page showed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::{get, post};
use testkit::browser::{BrowserError, BrowserOptions, Key};
use woocommerce_sandbox::{WooSandbox, WooSandboxConfig};

use super::harness;

/// A stand-in for the channel's side of the key flow: the callback (answers 200 and keeps the key it
/// got) and the page the shop sends the person back to.
struct Receiver {
    base_url: String,
    keys: Arc<Mutex<Vec<serde_json::Value>>>,
}

async fn receiver() -> Receiver {
    let keys = Arc::new(Mutex::new(Vec::new()));
    let kept = keys.clone();
    let app = axum::Router::new()
        .route(
            "/callback",
            post(move |body: String| async move {
                kept.lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap());
                "ok"
            }),
        )
        .route(
            "/back",
            get(|| async { axum::response::Html("<h1 id=\"back\">Back in the console</h1>") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { base_url, keys }
}

async fn shop() -> WooSandbox {
    WooSandbox::start(WooSandboxConfig {
        allow_insecure_loopback_callbacks: true,
        ..WooSandboxConfig::default()
    })
    .await
    .unwrap()
}

fn authorize_url(shop: &WooSandbox, receiver: &Receiver) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("app_name", "PayTraq <Sales Inbox>")
        .append_pair("scope", "read_write")
        .append_pair("user_id", "ch-browser")
        .append_pair("return_url", &format!("{}/back", receiver.base_url))
        .append_pair("callback_url", &format!("{}/callback", receiver.base_url))
        .finish();
    format!("{}/wc-auth/v1/authorize?{query}", shop.base_url())
}

#[tokio::test]
async fn clicking_approve_on_the_sandbox_auth_page_lands_on_the_return_url_with_success() {
    let Some(browser) = harness::browser(BrowserOptions::default()).await else {
        return;
    };
    let shop = shop().await;
    let receiver = receiver().await;
    browser
        .goto(&authorize_url(&shop, &receiver))
        .await
        .unwrap();

    assert_eq!(
        browser.title().await.unwrap(),
        "Application authentication request"
    );
    // The app name is shown as text, its markup escaped.
    assert_eq!(
        browser.text("h1").await.unwrap(),
        "PayTraq <Sales Inbox> would like to connect to your store"
    );
    assert_eq!(
        browser
            .attribute("input[name=scope]", "value")
            .await
            .unwrap()
            .as_deref(),
        Some("read_write")
    );
    browser.click("button.wc-auth-approve").await.unwrap();

    let landed = browser
        .wait_for_url("/back", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        landed,
        format!("{}/back?success=1&user_id=ch-browser", receiver.base_url)
    );
    assert_eq!(browser.text("#back").await.unwrap(), "Back in the console");
    let keys = receiver.keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 1, "one key sent to the callback");
    assert_eq!(keys[0]["key_permissions"], "read_write");
    assert!(keys[0]["consumer_key"].as_str().unwrap().starts_with("ck_"));

    let shot = browser.screenshot().await.unwrap();
    assert_eq!(&shot[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
}

#[tokio::test]
async fn the_keyboard_alone_approves_on_the_sandbox_auth_page() {
    let Some(browser) = harness::browser(BrowserOptions::default()).await else {
        return;
    };
    let shop = shop().await;
    let receiver = receiver().await;
    browser
        .goto(&authorize_url(&shop, &receiver))
        .await
        .unwrap();

    // The first Tab stop is the Approve button (the form's other inputs are hidden).
    browser.press(&[Key::Tab]).await.unwrap();
    let focused = browser.active_element().await.unwrap();
    assert_eq!(browser.element_text(&focused).await.unwrap(), "Approve");
    browser.press(&[Key::Enter]).await.unwrap();

    browser
        .wait_for_url("success=1", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(receiver.keys.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_wait_that_runs_out_names_the_selector_and_what_the_page_showed() {
    let Some(browser) = harness::browser(BrowserOptions::default()).await else {
        return;
    };
    let shop = shop().await;
    let receiver = receiver().await;
    browser
        .goto(&authorize_url(&shop, &receiver))
        .await
        .unwrap();

    let error = browser
        .wait_for("#no-such-thing", Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(matches!(error, BrowserError::Timeout { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("\"#no-such-thing\""), "{message}");
    assert!(
        message.contains("would like to connect to your store"),
        "{message}"
    );
    assert!(message.contains("/wc-auth/v1/authorize"), "{message}");

    let missing = browser.click("#no-such-thing").await.unwrap_err();
    assert!(
        matches!(missing, BrowserError::NoElement { .. }),
        "{missing}"
    );
}

#[tokio::test]
async fn the_viewport_is_exactly_the_width_asked_for() {
    let Some(browser) = harness::browser(BrowserOptions {
        width: 375,
        height: 800,
        ..BrowserOptions::default()
    })
    .await
    else {
        return;
    };
    let shop = shop().await;
    let receiver = receiver().await;
    browser
        .goto(&authorize_url(&shop, &receiver))
        .await
        .unwrap();
    let size = browser
        .execute(
            "return [window.innerWidth, window.innerHeight];",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    assert_eq!(size, serde_json::json!([375, 800]));
}
