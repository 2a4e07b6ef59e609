//! The console's language follows the browser's: a browser set to Latvian gets Latvian pages from
//! the first one, without touching the switch.

use testkit::browser::BrowserOptions;

use super::harness::{Console, TOKEN, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_set_to_latvian_gets_the_console_in_latvian() {
    let Some(c) = Console::start(BrowserOptions {
        language: "lv".into(),
        ..BrowserOptions::default()
    })
    .await
    else {
        return;
    };
    let b = &c.browser;
    c.open("/console/sign-in").await;
    assert_eq!(c.attr("html", "lang").await, "lv");
    assert_eq!(c.heading().await, "Pieteikties");
    c.sign_in(TOKEN).await;
    b.wait_for_url("/console/channels", WAIT).await.unwrap();
    assert_eq!(c.heading().await, "Informācijas avoti");
    assert_eq!(b.text("#sign-out").await.unwrap(), "Iziet");
    assert_eq!(c.attr("#lang-lv", "aria-current").await, "true");
    c.stop().await;
}
