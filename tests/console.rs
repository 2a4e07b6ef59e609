//! The operator console over HTTP, without a browser (the browser suite
//! drives the same pages in Chromium): sign-in and sessions, the refusals
//! (no session, forged CSRF, another channel's ids, HTML in shop data),
//! the security headers, each page's content in both languages, and the
//! time each page takes with 10,000 orders in the inbox.
//!
//! Every test runs a hosted world (both sandboxes, the channel on `local`'s
//! host with an admin token) and talks to it as a browser would: cookies
//! and forms by hand, redirects not followed.

#[path = "console/cognito.rs"]
mod cognito;
#[path = "console/pages.rs"]
mod pages;
#[path = "console/refusals.rs"]
mod refusals;
#[path = "console/reissue.rs"]
mod reissue;
#[path = "console/sign_in.rs"]
mod sign_in;
#[path = "console/speed.rs"]
mod speed;

use channel::model::{Channel, InboxOrder, OrderStatus, OrderSummary, PaytraqIds};
use chrono::Utc;
use paytraq_sandbox::PaytraqSandboxConfig;
use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::json;
use testkit::world::{HostSetup, World, WorldConfig};

pub const TOKEN: &str = "console-admin-token-5d2e9b";

/// A hosted world with the demo shop, PayTraq without a rate limit, and
/// the admin routes (and so the console) on.
pub async fn world() -> World {
    World::start(WorldConfig {
        paytraq: PaytraqSandboxConfig {
            rate_per_second: 0.0,
            burst: 1,
            ..PaytraqSandboxConfig::default()
        },
        hosted: Some(HostSetup {
            admin_token: Some(TOKEN.to_string()),
            ..HostSetup::default()
        }),
        ..WorldConfig::default()
    })
    .await
    .expect("world")
}

/// One browser: its cookies and its page's CSRF token.
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
    pub accept_language: String,
}

/// An answer, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> String {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    /// The text of the first element carrying `data-testid="<id>"` (tags inside removed).
    pub fn testid(&self, id: &str) -> Option<String> {
        let marker = format!("data-testid=\"{id}\"");
        let at = self.body.find(&marker)?;
        let open_end = at + self.body[at..].find('>')? + 1;
        let rest = &self.body[open_end..];
        let tag_start = self.body[..at].rfind('<')?;
        let tag: String = self.body[tag_start + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let close = rest.find(&format!("</{tag}>"))?;
        Some(strip_tags(&rest[..close]).trim().to_string())
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

impl Browser {
    pub fn new(world: &World) -> Self {
        Self::at(world.host().expect("hosted").base_url())
    }

    /// A browser with no cookies for the console at `base`.
    pub fn at(base: String) -> Self {
        Self {
            base,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Vec::new(),
            csrf: String::new(),
            accept_language: "en".into(),
        }
    }

    /// Signed in with the admin token, with a page's CSRF token in hand.
    pub async fn signed_in(world: &World) -> Self {
        let mut b = Self::new(world);
        let answer = b
            .post_raw(
                "/console/sign-in",
                &[("token", TOKEN), ("next", "/console/channels")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        b.get("/console/channels").await;
        assert!(!b.csrf.is_empty(), "a signed-in page carries a CSRF token");
        b
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(SET_COOKIE) {
            let set = set.to_str().unwrap_or("");
            let pair = set.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.retain(|(name, _)| name != k);
                if !v.is_empty() {
                    self.cookies.push((k.to_string(), v.to_string()));
                }
            }
        }
        let body = response.text().await.unwrap_or_default();
        if let Some(at) = body.find("name=\"csrf\" value=\"") {
            let rest = &body[at + "name=\"csrf\" value=\"".len()..];
            self.csrf = rest[..rest.find('"').unwrap_or(0)].to_string();
        }
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("accept-language", &self.accept_language)
            .send()
            .await
            .expect("GET");
        self.read(response).await
    }

    /// A form post exactly as given (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("accept-language", &self.accept_language)
            .form(form)
            .send()
            .await
            .expect("POST");
        self.read(response).await
    }

    /// A form post with this session's CSRF token.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone();
        let mut with: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        with.extend_from_slice(form);
        self.post_raw(path, &with).await
    }
}

/// An inbox order of `channel` as the intake would store it.
pub fn order(
    channel: &Channel,
    id: u64,
    status: OrderStatus,
    total: Decimal,
    first_name: &str,
) -> InboxOrder {
    let payload = json!({
        "id": id,
        "number": id.to_string(),
        "billing": {"first_name": first_name, "last_name": "Bērziņa", "email": format!("buyer{id}@example.lv")},
        "tax_lines": [{"id": 1, "rate_id": 1, "label": "PVN", "tax_total": "21.00", "shipping_tax_total": "0.00"}],
    });
    let now = Utc::now();
    InboxOrder {
        channel_id: channel.id.clone(),
        key: id.to_string(),
        order_id: Some(id),
        modified_gmt: Some(now),
        payload: payload.to_string(),
        summary: Some(OrderSummary {
            number: id.to_string(),
            wc_status: "processing".into(),
            currency: "EUR".into(),
            total,
            payment_method: "bacs".into(),
            billing_email: Some(format!("buyer{id}@example.lv")),
            date_created_gmt: Some(now),
            date_paid_gmt: None,
            refunded: Decimal::ZERO,
            items: Vec::new(),
        }),
        status,
        reason: (status == OrderStatus::Failed).then(|| "tax rate 1 is not mapped".to_string()),
        paytraq: PaytraqIds::default(),
        effect_in_doubt: None,
        notes_sent: Vec::new(),
        timeline: Vec::new(),
        pending_since: None,
        removed_in_shop: None,
        received_at: now,
        updated_at: now,
        version: 0,
    }
}

/// Stores orders (not queued: nothing processes them).
pub async fn store(world: &World, orders: Vec<InboxOrder>) {
    for mut o in orders {
        world
            .app
            .repo
            .save_order(&mut o)
            .await
            .expect("order stored");
    }
}
