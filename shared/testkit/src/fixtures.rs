//! Where the real captures are: `tests/fixtures/` in the repository (copied
//! from the team's `shared/` folder, see its README), or the folder named by
//! `CHANNEL_FIXTURES_DIR` (same layout). The one place that reads it.

use std::path::PathBuf;

/// The folder that holds `woocommerce-8.9.1/`, `paytraq/` and `woocommerce-samples/`.
pub fn fixtures_root() -> PathBuf {
    match std::env::var_os("CHANNEL_FIXTURES_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repository_copy(),
    }
}

/// The real WooCommerce 8.9.1 shop's captures.
pub fn woocommerce_fixtures_dir() -> PathBuf {
    fixtures_root().join("woocommerce-8.9.1")
}

/// Real PayTraq replies (anonymised).
pub fn paytraq_fixtures_dir() -> PathBuf {
    fixtures_root().join("paytraq")
}

/// Public WooCommerce payload samples (from the repository's copy when the
/// folder named by `CHANNEL_FIXTURES_DIR` has none, as `shared/fixtures` has not).
pub fn woocommerce_samples_dir() -> PathBuf {
    let dir = fixtures_root().join("woocommerce-samples");
    if dir.is_dir() {
        dir
    } else {
        repository_copy().join("woocommerce-samples")
    }
}

fn repository_copy() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// A JSON file of the fixtures, or a panic naming it (tests only).
pub fn read_json(path: impl AsRef<std::path::Path>) -> serde_json::Value {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (CHANNEL_FIXTURES_DIR names another fixtures folder)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A typed id (tax rate, tax key, money account, warehouse) from a number a
/// sandbox or fake handed out, or a panic (tests only).
pub fn id<T: TryFrom<u64>>(n: u64) -> T
where
    T::Error: std::fmt::Debug,
{
    T::try_from(n).unwrap_or_else(|e| panic!("{n} is not such an id: {e:?}"))
}
