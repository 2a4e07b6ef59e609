//! What every browser test starts from: the channel hosted as `local serve --sandbox
//! woocommerce,paytraq` hosts it (the demo shop, a PayTraq company mirroring it, the admin routes and
//! the console), a headless Chromium (or the reason there is none), and the checks made on every page
//! the suite visits: a screenshot at desktop (1280×800) and phone (375×800) width into
//! `target/console-screenshots/`, and no horizontal scroll at 375 px.

use std::path::PathBuf;
use std::time::Duration;

use paytraq_sandbox::PaytraqSandboxConfig;
use testkit::browser::{self, Browser, BrowserOptions};
use testkit::world::{HostSetup, World, WorldConfig};

/// The admin token, which is also the console's sign-in token.
pub const TOKEN: &str = "console-browser-token-5e1f";

/// How long a page may take to show what a step waits for.
pub const WAIT: Duration = Duration::from_secs(20);

/// A browser at `options`, or `None` (after printing why) when Chromium is not installed on a
/// developer's machine. Under CI a missing Chromium fails the test.
pub async fn browser(options: BrowserOptions) -> Option<Browser> {
    if let Some(missing) = browser::unavailable() {
        if std::env::var_os("CI").is_some() {
            panic!("the console's browser tests need Chromium under CI: {missing} (.ci/test installs them as root)");
        }
        eprintln!("skipped: {missing}");
        return None;
    }
    Some(
        Browser::start(options)
            .await
            .expect("start headless Chromium"),
    )
}

/// The channel with both sandboxes and a browser on its console.
pub struct Console {
    pub world: World,
    pub browser: Browser,
    pub base: String,
}

impl Console {
    /// `None` when there is no browser here (see [`browser`]).
    pub async fn start(options: BrowserOptions) -> Option<Self> {
        let browser = browser(options).await?;
        let world = World::start(WorldConfig {
            // PayTraq without its 1 request/s limit: the suite measures pages, not pacing.
            paytraq: PaytraqSandboxConfig {
                rate_per_second: 0.0,
                burst: 1,
                latency: Duration::ZERO,
            },
            hosted: Some(HostSetup {
                admin_token: Some(TOKEN.into()),
                ..HostSetup::default()
            }),
            ..WorldConfig::default()
        })
        .await
        .expect("start the sandboxes and the channel");
        let base = world.host().expect("hosted").base_url();
        Some(Self {
            world,
            browser,
            base,
        })
    }

    /// Opens a console path (`/console/...`).
    pub async fn open(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// Signs in with `token` through the sign-in form, as a person types it.
    pub async fn sign_in(&self, token: &str) {
        self.open("/console/sign-in").await;
        let b = &self.browser;
        b.fill("#sign-in-form input[name=token]", token)
            .await
            .unwrap();
        b.click("#sign-in").await.unwrap();
    }

    /// The page's `h1`.
    pub async fn heading(&self) -> String {
        self.browser.text("h1").await.unwrap()
    }

    /// The text of the first `[data-testid=<id>]`.
    pub async fn testid(&self, id: &str) -> String {
        let css = format!("[data-testid={id}]");
        self.browser
            .text(&css)
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// An attribute of the first match of `css`.
    pub async fn attr(&self, css: &str, name: &str) -> String {
        self.browser
            .attribute(css, name)
            .await
            .unwrap_or_else(|e| panic!("{css} @{name}: {e}"))
            .unwrap_or_default()
    }

    /// Waits for `css` and says which step waited when it does not come.
    pub async fn wait(&self, css: &str) {
        self.browser
            .wait_for(css, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// The result message after a POST, and its outcome (`ok` / `error`).
    pub async fn result(&self) -> (String, String) {
        self.wait("[data-testid=result]").await;
        (
            self.attr("[data-testid=result]", "data-outcome").await,
            self.testid("result").await,
        )
    }

    /// The checks of every page: screenshots at 1280 and 375 px wide (`<name>-desktop.png`,
    /// `<name>-375.png`) and, at 375 px, nothing wider than the viewport.
    pub async fn capture(&self, name: &str) {
        let b = &self.browser;
        let dir = screenshot_dir();
        let shot = b.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-desktop.png")), shot).unwrap();
        b.set_viewport(375, 800).await.unwrap();
        let widths = b
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                serde_json::json!([]),
            )
            .await
            .unwrap();
        let (scroll, inner) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        assert_eq!(inner, 375, "{name}: the viewport");
        assert!(
            scroll <= inner,
            "{name}: {scroll} px wide at 375 px: it scrolls sideways"
        );
        let shot = b.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-375.png")), shot).unwrap();
        b.set_viewport(1280, 800).await.unwrap();
    }

    pub async fn stop(self) {
        drop(self.browser);
        self.world.stop().await;
    }
}

/// `target/console-screenshots/` of the workspace (or of `CARGO_TARGET_DIR`), created.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot directory");
    dir
}
