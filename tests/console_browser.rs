//! The operator console in a real browser (issue 15): Debian's headless Chromium, driven over
//! WebDriver by `testkit::browser`, against the channel hosted as `local serve` hosts it, with both
//! sandboxes.
//!
//! Without Chromium (not installed, and `.ci/test` could not install it) every test here fails with a
//! clear message under CI (`CI` set) and is skipped with a printed reason elsewhere.

#[path = "console_browser/harness.rs"]
mod harness;
#[path = "console_browser/journey.rs"]
mod journey;
#[path = "console_browser/keyboard.rs"]
mod keyboard;
#[path = "console_browser/language.rs"]
mod language;
#[path = "console_browser/refusals.rs"]
mod refusals;
#[path = "console_browser/webdriver.rs"]
mod webdriver;
