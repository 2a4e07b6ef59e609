//! Hostile text from the shop shown by the console in a real browser: HTML in an order's customer
//! name and in a shop's tax rate name is shown as the text it is, and none of it runs (a script that
//! ran would have set the marker global `window.__xss`).

use std::time::Duration;

use serde_json::{json, Value};
use testkit::browser::{Browser, BrowserOptions};

use super::harness::{Console, TOKEN, WAIT};

const CHANNEL: &str = "ch-hostile";
const FIRST_NAME: &str = "<img src=x onerror=\"window.__xss='customer'\">";
const LAST_NAME: &str = "<script>window.__xss='script'</script>";
const RATE_NAME: &str = "<svg onload=\"window.__xss='rate'\">PVN</svg>";
/// The demo shop's Estonian rate, renamed.
const RATE: u64 = 8;

/// Whether any script of the hostile texts ran on the current page.
async fn marker(b: &Browser) -> Value {
    b.execute(
        "return window.__xss === undefined ? null : window.__xss;",
        json!([]),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_in_a_customer_name_or_a_tax_rate_name_is_shown_as_text_and_never_runs() {
    let Some(c) = Console::start(BrowserOptions::default()).await else {
        return;
    };
    let w = &c.world;
    w.channel(CHANNEL, |_| {}).await.unwrap();
    w.reconcile().await.unwrap();
    rename_rate(&c).await;
    w.woo
        .create_order(&json!({
            "payment_method": "bacs", "set_paid": true,
            "billing": {"first_name": FIRST_NAME, "last_name": LAST_NAME, "email": "x@example.lv", "country": "LV"},
            "line_items": [{"product_id": 29, "quantity": 1}],
        }))
        .unwrap();

    c.sign_in(TOKEN).await;
    let b = &c.browser;
    b.wait_for_url("/console/channels", WAIT).await.unwrap();
    b.wait_until(
        "the order in the inbox",
        Duration::from_secs(30),
        async |b| {
            b.goto(&format!("{}/console/channels/{CHANNEL}/orders", c.base))
                .await?;
            Ok(b.count("tr[data-testid=order-row]").await? == 1)
        },
    )
    .await
    .unwrap();
    let customer = c.testid("customer").await;
    assert_eq!(
        customer,
        format!("{FIRST_NAME} {LAST_NAME}"),
        "shown as text"
    );
    assert_eq!(b.count("#orders img, #orders script").await.unwrap(), 0);
    assert_eq!(marker(b).await, Value::Null, "a script ran on the inbox");

    b.click("a[data-testid=open-order]").await.unwrap();
    c.wait("ol#timeline").await;
    assert!(
        b.page_text().await.unwrap().contains(LAST_NAME),
        "the order page shows the name"
    );
    assert_eq!(b.count("main img, main script").await.unwrap(), 0);
    assert_eq!(
        marker(b).await,
        Value::Null,
        "a script ran on the order page"
    );

    c.open(&format!("/console/channels/{CHANNEL}/mappings"))
        .await;
    let row = format!("tr[data-testid=tax-row][data-rate-id='{RATE}'] th");
    c.wait(&row).await;
    assert!(
        b.text(&row).await.unwrap().starts_with(RATE_NAME),
        "shown as text"
    );
    assert_eq!(b.count("#tax-map svg").await.unwrap(), 0);
    assert_eq!(
        marker(b).await,
        Value::Null,
        "a script ran on the mappings page"
    );
    c.stop().await;
}

/// Gives the shop's rate [`RATE`] a name that is markup.
async fn rename_rate(c: &Console) {
    let w = &c.world;
    let mut taxes: Vec<Value> = reqwest::Client::new()
        .get(format!(
            "{}/wp-json/wc/v3/taxes?per_page=100",
            w.woo.base_url()
        ))
        .basic_auth(w.woo.consumer_key(), Some(w.woo.consumer_secret()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rate = taxes.iter_mut().find(|t| t["id"] == RATE).unwrap();
    rate["name"] = json!(RATE_NAME);
    w.woo.seed_taxes(taxes);
}
