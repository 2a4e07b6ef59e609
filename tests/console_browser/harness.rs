//! What every browser test starts from: a browser, or the reason there is none.

use testkit::browser::{self, Browser, BrowserOptions};

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
