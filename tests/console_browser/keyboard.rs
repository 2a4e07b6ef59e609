//! The console with the keyboard alone: sign in, open the new-channel form, fill and submit it,
//! approve on the shop's page and land on the activation result, with Tab, typing and Enter only.

use testkit::browser::{Browser, BrowserOptions, Key};

use super::harness::{Console, TOKEN, WAIT};

/// Presses Tab until the focused element's `attribute` is `value` (at most 40 presses).
async fn tab_to(b: &Browser, attribute: &str, value: &str) {
    for _ in 0..40 {
        b.press(&[Key::Tab]).await.unwrap();
        let focused = b.active_element().await.unwrap();
        if b.element_attribute(&focused, attribute)
            .await
            .unwrap()
            .as_deref()
            == Some(value)
        {
            return;
        }
    }
    panic!(
        "no Tab stop with {attribute}={value:?} on {}",
        b.current_url().await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_and_connects_a_shop_with_the_keyboard_alone() {
    let Some(c) = Console::start(BrowserOptions::default()).await else {
        return;
    };
    let b = &c.browser;
    c.open("/console/sign-in").await;
    tab_to(b, "name", "token").await;
    b.type_text(TOKEN).await.unwrap();
    b.press(&[Key::Enter]).await.unwrap();
    b.wait_for_url("/console/channels", WAIT).await.unwrap();
    assert_eq!(c.heading().await, "Channels");

    tab_to(b, "id", "new-channel").await;
    b.press(&[Key::Enter]).await.unwrap();
    c.wait("#new-channel-form").await;
    tab_to(b, "name", "shop_url").await;
    b.type_text(&c.world.woo.base_url()).await.unwrap();
    b.press(&[Key::Tab]).await.unwrap();
    b.type_text("Klaviatūra").await.unwrap();
    b.press(&[Key::Tab]).await.unwrap();
    b.type_text(testkit::world::PAYTRAQ_KEY).await.unwrap();
    b.press(&[Key::Tab]).await.unwrap();
    b.type_text(testkit::world::PAYTRAQ_TOKEN).await.unwrap();
    b.press(&[Key::Enter]).await.unwrap();

    c.wait("button.wc-auth-approve").await;
    tab_to(b, "class", "button button-primary wc-auth-approve").await;
    b.press(&[Key::Enter]).await.unwrap();
    c.wait("[data-testid=activation-result]").await;
    assert_eq!(
        c.attr("[data-testid=activation-result]", "data-state")
            .await,
        "active"
    );
    c.open("/console/channels").await;
    assert!(b.text("#channels").await.unwrap().contains("Klaviatūra"));
    c.stop().await;
}
