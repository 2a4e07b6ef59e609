//! A small W3C WebDriver client for the browser tests: Debian's headless Chromium driven by
//! chromedriver over HTTP (the workspace's reqwest and serde_json), enough to use a page as a person
//! does (navigate, find by CSS, click, type, keyboard-only Tab/Enter), read what it shows (text,
//! attributes, URL, cookies), wait for it with a clear error naming what was awaited and what the page
//! showed, take PNG screenshots, and run a script to read state (whether a script ran, scroll widths).
//!
//! [`Browser::start`] starts chromedriver on a free loopback port and one session with a fresh profile;
//! dropping the [`Browser`] deletes the session (closing Chromium) and kills chromedriver
//! (`browser/driver.rs`). [`unavailable`] tells why the browser tests cannot run on this machine.

mod driver;
mod error;

pub use driver::{CHROMEDRIVER, CHROMIUM};
pub use error::BrowserError;

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

use driver::Driver;

/// The key of an element reference in WebDriver answers (W3C).
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How often a wait asks the page again.
const POLL: Duration = Duration::from_millis(50);

/// The Chromium flags of every session: headless, no sandbox (the tests run as root), and none of the
/// background connections that this machine's closed network refuses.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
];

/// Why the browser tests cannot run here (Chromium or chromedriver not installed), if they cannot.
pub fn unavailable() -> Option<BrowserError> {
    driver::missing()
}

/// What the browser looks like to the page.
#[derive(Clone, Debug)]
pub struct BrowserOptions {
    /// The viewport, in CSS pixels.
    pub width: u32,
    pub height: u32,
    /// The browser's language (`Accept-Language` and `navigator.language`), e.g. `en-US` or `lv`.
    pub language: String,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 800,
            language: "en-US".into(),
        }
    }
}

/// A key a person presses (the keyboard-only checks).
#[derive(Clone, Copy, Debug)]
pub enum Key {
    Tab,
    Enter,
    Space,
    Escape,
}

impl Key {
    /// The WebDriver code point of the key.
    fn code(self) -> &'static str {
        match self {
            Key::Tab => "\u{E004}",
            Key::Enter => "\u{E007}",
            Key::Space => "\u{E00D}",
            Key::Escape => "\u{E00C}",
        }
    }
}

/// A cookie as the browser holds it.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cookie {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub http_only: bool,
    #[serde(default)]
    pub secure: bool,
    #[serde(default)]
    pub same_site: Option<String>,
    #[serde(default)]
    pub expiry: Option<u64>,
}

/// One headless Chromium session.
pub struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    session_url: String,
    /// Held for its `Drop`: the session deleted, chromedriver killed, the profile removed.
    _driver: Driver,
}

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct Element {
    id: String,
}

impl Browser {
    pub async fn start(options: BrowserOptions) -> Result<Self, BrowserError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|source| BrowserError::Http {
                command: "client".into(),
                source,
            })?;
        let mut driver = Driver::start(&http).await?;
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", driver.profile.display()));
        args.push(format!("--lang={}", options.language));
        args.push(format!(
            "--window-size={},{}",
            options.width, options.height
        ));
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": args,
                    "prefs": {"intl.accept_languages": options.language},
                },
            }}
        });
        let base = format!("http://{}", driver.addr);
        let answer = send(
            &http,
            reqwest::Method::POST,
            &format!("{base}/session"),
            "new session",
            Some(capabilities),
        )
        .await?;
        let session = answer["sessionId"]
            .as_str()
            .ok_or_else(|| BrowserError::Answer {
                command: "new session".into(),
                field: "sessionId",
            })?
            .to_string();
        driver.session = Some(session.clone());
        let browser = Self {
            http,
            session_url: format!("{base}/session/{session}"),
            _driver: driver,
        };
        browser.set_viewport(options.width, options.height).await?;
        Ok(browser)
    }

    /// One WebDriver command on this session; its `value`.
    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, BrowserError> {
        let url = format!("{}{path}", self.session_url);
        let name = format!("{method} {path}");
        send(&self.http, method, &url, &name, body).await
    }

    async fn get(&self, path: &str) -> Result<Value, BrowserError> {
        self.command(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, BrowserError> {
        self.command(reqwest::Method::POST, path, Some(body)).await
    }

    /// The viewport (the page's `innerWidth` × `innerHeight`), exactly, whatever the window's frame.
    pub async fn set_viewport(&self, width: u32, height: u32) -> Result<(), BrowserError> {
        self.post(
            "/goog/cdp/execute",
            json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false,
            }}),
        )
        .await
        .map(drop)
    }

    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.post("/url", json!({ "url": url })).await.map(drop)
    }

    pub async fn current_url(&self) -> Result<String, BrowserError> {
        string(self.get("/url").await?, "GET /url")
    }

    pub async fn title(&self) -> Result<String, BrowserError> {
        string(self.get("/title").await?, "GET /title")
    }

    /// The page's HTML as the browser holds it now.
    pub async fn source(&self) -> Result<String, BrowserError> {
        string(self.get("/source").await?, "GET /source")
    }

    /// The text the page shows (its body's `innerText`).
    pub async fn page_text(&self) -> Result<String, BrowserError> {
        let text = self
            .execute(
                "return document.body ? document.body.innerText : '';",
                json!([]),
            )
            .await?;
        Ok(text.as_str().unwrap_or_default().to_string())
    }

    /// Every element matching `css`, in document order.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>, BrowserError> {
        let found = self
            .post("/elements", json!({"using": "css selector", "value": css}))
            .await?;
        Ok(found
            .as_array()
            .map(|all| all.iter().filter_map(element).collect())
            .unwrap_or_default())
    }

    /// The first element matching `css`; an error naming the selector and page when there is none.
    pub async fn find(&self, css: &str) -> Result<Element, BrowserError> {
        match self.find_all(css).await?.into_iter().next() {
            Some(found) => Ok(found),
            None => Err(BrowserError::NoElement {
                selector: css.into(),
                url: self.current_url().await.unwrap_or_default(),
            }),
        }
    }

    pub async fn count(&self, css: &str) -> Result<usize, BrowserError> {
        Ok(self.find_all(css).await?.len())
    }

    pub async fn click(&self, css: &str) -> Result<(), BrowserError> {
        let found = self.find(css).await?;
        self.click_element(&found).await
    }

    pub async fn click_element(&self, element: &Element) -> Result<(), BrowserError> {
        self.post(&format!("/element/{}/click", element.id), json!({}))
            .await
            .map(drop)
    }

    /// Clears the field and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) -> Result<(), BrowserError> {
        let found = self.find(css).await?;
        self.post(&format!("/element/{}/clear", found.id), json!({}))
            .await?;
        self.post(
            &format!("/element/{}/value", found.id),
            json!({ "text": text }),
        )
        .await
        .map(drop)
    }

    /// Picks the option of a `<select>` whose visible text contains `label`.
    pub async fn select(&self, css: &str, label: &str) -> Result<(), BrowserError> {
        let options = self.find_all(&format!("{css} option")).await?;
        for option in options {
            if self.element_text(&option).await?.contains(label) {
                return self.click_element(&option).await;
            }
        }
        Err(BrowserError::NoElement {
            selector: format!("{css} option containing {label:?}"),
            url: self.current_url().await.unwrap_or_default(),
        })
    }

    /// Whether the first match of `css` (a check box, radio button or option) is selected now.
    pub async fn is_selected(&self, css: &str) -> Result<bool, BrowserError> {
        let found = self.find(css).await?;
        Ok(self.get(&format!("/element/{}/selected", found.id)).await? == Value::Bool(true))
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> Result<String, BrowserError> {
        let found = self.find(css).await?;
        self.element_text(&found).await
    }

    pub async fn element_text(&self, element: &Element) -> Result<String, BrowserError> {
        let path = format!("/element/{}/text", element.id);
        string(self.get(&path).await?, &path)
    }

    /// The visible texts of every element matching `css`.
    pub async fn texts(&self, css: &str) -> Result<Vec<String>, BrowserError> {
        let mut texts = Vec::new();
        for found in self.find_all(css).await? {
            texts.push(self.element_text(&found).await?);
        }
        Ok(texts)
    }

    /// An attribute (or, when it has no such attribute, the property) of the first match of `css`.
    pub async fn attribute(&self, css: &str, name: &str) -> Result<Option<String>, BrowserError> {
        let found = self.find(css).await?;
        self.element_attribute(&found, name).await
    }

    pub async fn element_attribute(
        &self,
        element: &Element,
        name: &str,
    ) -> Result<Option<String>, BrowserError> {
        let value = self
            .get(&format!("/element/{}/attribute/{name}", element.id))
            .await?;
        Ok(match value {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        })
    }

    /// The element that has the keyboard focus.
    pub async fn active_element(&self) -> Result<Element, BrowserError> {
        let value = self.get("/element/active").await?;
        element(&value).ok_or_else(|| BrowserError::Answer {
            command: "GET /element/active".into(),
            field: "element",
        })
    }

    /// Presses keys one after the other, on whatever has the focus (as a person at a keyboard).
    pub async fn press(&self, keys: &[Key]) -> Result<(), BrowserError> {
        let codes: Vec<&str> = keys.iter().map(|k| k.code()).collect();
        self.key_actions(&codes).await
    }

    /// Types `text` on whatever has the focus.
    pub async fn type_text(&self, text: &str) -> Result<(), BrowserError> {
        let chars: Vec<String> = text.chars().map(String::from).collect();
        let codes: Vec<&str> = chars.iter().map(String::as_str).collect();
        self.key_actions(&codes).await
    }

    async fn key_actions(&self, codes: &[&str]) -> Result<(), BrowserError> {
        let actions: Vec<Value> = codes
            .iter()
            .flat_map(|c| {
                [
                    json!({"type": "keyDown", "value": c}),
                    json!({"type": "keyUp", "value": c}),
                ]
            })
            .collect();
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await?;
        self.command(reqwest::Method::DELETE, "/actions", None)
            .await
            .map(drop)
    }

    /// Runs `script` (a function body; `arguments` are `args`) and returns what it returns. Only to
    /// read the page's state: the tests act on pages the way a person does.
    pub async fn execute(&self, script: &str, args: Value) -> Result<Value, BrowserError> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    /// The viewport as a PNG.
    pub async fn screenshot(&self) -> Result<Vec<u8>, BrowserError> {
        let encoded = string(self.get("/screenshot").await?, "GET /screenshot")?;
        Ok(base64::engine::general_purpose::STANDARD.decode(encoded)?)
    }

    /// The whole page (beyond the viewport) as a PNG.
    pub async fn full_page_screenshot(&self) -> Result<Vec<u8>, BrowserError> {
        let shot = self
            .post(
                "/goog/cdp/execute",
                json!({"cmd": "Page.captureScreenshot", "params": {"format": "png", "captureBeyondViewport": true}}),
            )
            .await?;
        let encoded = string(shot["data"].clone(), "Page.captureScreenshot")?;
        Ok(base64::engine::general_purpose::STANDARD.decode(encoded)?)
    }

    pub async fn cookies(&self) -> Result<Vec<Cookie>, BrowserError> {
        let all = self.get("/cookie").await?;
        Ok(serde_json::from_value(all).unwrap_or_default())
    }

    /// Sets a cookie on the current page's site.
    pub async fn add_cookie(&self, name: &str, value: &str) -> Result<(), BrowserError> {
        self.post(
            "/cookie",
            json!({"cookie": {"name": name, "value": value, "path": "/"}}),
        )
        .await
        .map(drop)
    }

    pub async fn delete_cookies(&self) -> Result<(), BrowserError> {
        self.command(reqwest::Method::DELETE, "/cookie", None)
            .await
            .map(drop)
    }

    /// Waits until `check` says yes; on timeout the error names `what` and what the page showed. A
    /// check that fails because the page changed under it (the element is gone or stale: the page
    /// reloaded) is asked again; any other error ends the wait.
    pub async fn wait_until<F>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: F,
    ) -> Result<(), BrowserError>
    where
        F: AsyncFnMut(&Browser) -> Result<bool, BrowserError>,
    {
        let started = Instant::now();
        loop {
            match check(self).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) if e.page_changed() => {}
                Err(e) => return Err(e),
            }
            if started.elapsed() >= timeout {
                return Err(self.timeout(what, timeout).await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for an element matching `css`.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, BrowserError> {
        let what = format!("an element matching {css:?}");
        self.wait_until(&what, timeout, async |b| Ok(b.count(css).await? > 0))
            .await?;
        self.find(css).await
    }

    /// Waits until the first element matching `css` shows `needle` in its text.
    pub async fn wait_for_text(
        &self,
        css: &str,
        needle: &str,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let what = format!("{css:?} to show {needle:?}");
        self.wait_until(&what, timeout, async |b| {
            Ok(b.texts(css).await?.iter().any(|t| t.contains(needle)))
        })
        .await
    }

    /// Waits until the URL contains `needle`.
    pub async fn wait_for_url(
        &self,
        needle: &str,
        timeout: Duration,
    ) -> Result<String, BrowserError> {
        let what = format!("the URL to contain {needle:?}");
        self.wait_until(&what, timeout, async |b| {
            Ok(b.current_url().await?.contains(needle))
        })
        .await?;
        self.current_url().await
    }

    async fn timeout(&self, what: &str, timeout: Duration) -> BrowserError {
        let mut shown = self.page_text().await.unwrap_or_default();
        if shown.chars().count() > 600 {
            shown = shown.chars().take(600).collect::<String>() + "…";
        }
        BrowserError::Timeout {
            what: what.into(),
            timeout,
            url: self.current_url().await.unwrap_or_default(),
            shown: shown.split_whitespace().collect::<Vec<_>>().join(" "),
        }
    }
}

/// One HTTP request to chromedriver; the answer's `value`, or its error as [`BrowserError::WebDriver`].
async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    command: &str,
    body: Option<Value>,
) -> Result<Value, BrowserError> {
    let http_error = |source| BrowserError::Http {
        command: command.into(),
        source,
    };
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let reply = request.send().await.map_err(http_error)?;
    let ok = reply.status().is_success();
    let answer: Value = reply.json().await.map_err(http_error)?;
    let value = answer.get("value").cloned().unwrap_or(Value::Null);
    if ok {
        // A new session's id is beside its capabilities, inside `value`.
        return Ok(value);
    }
    Err(BrowserError::WebDriver {
        command: command.into(),
        error: value["error"].as_str().unwrap_or("unknown error").into(),
        message: value["message"]
            .as_str()
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .into(),
    })
}

fn string(value: Value, command: &str) -> Result<String, BrowserError> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(BrowserError::Answer {
            command: command.into(),
            field: "string value",
        }),
    }
}

fn element(value: &Value) -> Option<Element> {
    value[ELEMENT_KEY]
        .as_str()
        .map(|id| Element { id: id.to_string() })
}
