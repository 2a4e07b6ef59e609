//! Items 4 and 5 of issue 17: damaged data files are refused and left
//! untouched (4), and the data directory is private with every channel's
//! secrets sealed under a key kept apart from the store file (5).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use channel::host::{Host, HostConfig};
use channel::model::Channel;
use channel::secrets::embedded::EmbeddedSecrets;
use channel::secrets::key::{KeySource, SecretsKey};
use channel::secrets::{ChannelSecrets, Secret, SecretStore, SecretsError};
use channel::store::embedded::EmbeddedStore;
use channel::store::{Key, Record, RecordStore, Repo, StoreError};

const CONSUMER_KEY: &str = "ck_probe_5d1f0c3b9a7e4e21b6a8";
const CONSUMER_SECRET: &str = "cs_probe_a9c4e8f2b7d14c6e9f03";
const WEBHOOK_SECRET: &str = "whsec_probe_0b7e3d5a9c2f41e8";
const PAYTRAQ_KEY: &str = "ptkey_probe_6e2a9d4c1b8f";
const PAYTRAQ_TOKEN: &str = "pttoken_probe_3f8c1e7a5d2b";
const ALL_SECRETS: [&str; 5] = [
    CONSUMER_KEY,
    CONSUMER_SECRET,
    WEBHOOK_SECRET,
    PAYTRAQ_KEY,
    PAYTRAQ_TOKEN,
];

fn secrets() -> ChannelSecrets {
    ChannelSecrets {
        woo_consumer_key: Some(Secret::new(CONSUMER_KEY)),
        woo_consumer_secret: Some(Secret::new(CONSUMER_SECRET)),
        webhook_secret: Some(Secret::new(WEBHOOK_SECRET)),
        webhook_secret_previous: None,
        paytraq_api_key: Some(Secret::new(PAYTRAQ_KEY)),
        paytraq_api_token: Some(Secret::new(PAYTRAQ_TOKEN)),
    }
}

/// A new, not yet existing data directory under the temp dir, removed
/// when the test is done.
fn data_dir(name: &str) -> TempDir {
    TempDir(std::env::temp_dir().join(format!(
        "hardening-store-{name}-{}",
        uuid::Uuid::new_v4().simple()
    )))
}

struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn host_config(dir: &Path) -> HostConfig {
    HostConfig {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: dir.to_path_buf(),
        ..HostConfig::default()
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Where `needle` occurs in `haystack`.
fn occurrences(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// The store file's name in a data directory.
fn store_file(dir: &Path) -> PathBuf {
    dir.join("channel.redb")
}

/// The bytes of a real store file holding eight channels, taken while the
/// store is still open (as after `kill -9`); the store is returned too so
/// that it stays open.
async fn real_store_bytes() -> (Vec<u8>, EmbeddedStore, TempDir) {
    let dir = data_dir("real");
    let store = EmbeddedStore::open(&dir).unwrap();
    let repo = Repo::new(Arc::new(store.clone()));
    for i in 0..8 {
        let mut channel = Channel::new(
            format!("ch-{i}"),
            format!("Damage probe shop {i}"),
            format!("https://shop{i}.example.lv"),
        );
        repo.save_channel(&mut channel).await.unwrap();
    }
    let bytes = std::fs::read(store_file(&dir)).unwrap();
    (bytes, store, dir)
}

/// Writes `bytes` as the store file of a new data directory.
fn damaged_dir(name: &str, bytes: &[u8]) -> TempDir {
    let dir = data_dir(name);
    std::fs::create_dir_all(&*dir).unwrap();
    std::fs::write(store_file(&dir), bytes).unwrap();
    dir
}

/// Opening the store in `dir` fails with [`StoreError::Damaged`] naming the
/// file and what to do, and the file's bytes are exactly `before`.
fn assert_refused_untouched(dir: &Path, before: &[u8]) -> String {
    let err = match EmbeddedStore::open(dir) {
        Ok(_) => panic!("a damaged store file was opened"),
        Err(e) => e,
    };
    assert!(
        matches!(err, StoreError::Damaged { .. }),
        "not reported as damaged: {err}"
    );
    let text = err.to_string();
    let path = store_file(dir).display().to_string();
    assert!(
        text.contains(&path),
        "the error does not name the file: {text}"
    );
    assert!(
        text.contains("Restore it from a backup") && text.contains("move it away"),
        "the error does not say what to do: {text}"
    );
    let after = std::fs::read(store_file(dir)).unwrap();
    assert_eq!(after.len(), before.len(), "the file's length changed");
    assert!(after == before, "the file's bytes changed");
    text
}

// ---- item 4: damaged data files ----

#[test]
fn store_refuses_an_empty_file_and_leaves_it_empty() {
    let dir = damaged_dir("empty", &[]);
    let text = assert_refused_untouched(&dir, &[]);
    assert!(text.contains("empty"), "{text}");
}

#[tokio::test]
async fn store_refuses_a_file_truncated_to_half_and_leaves_it_as_it_is() {
    let (bytes, _open, _) = real_store_bytes().await;
    let half = &bytes[..bytes.len() / 2];
    let dir = damaged_dir("truncated", half);
    let text = assert_refused_untouched(&dir, half);
    assert!(text.contains("truncated"), "{text}");
}

#[tokio::test]
async fn store_refuses_a_file_cut_inside_its_header_and_leaves_it_as_it_is() {
    let (bytes, _open, _) = real_store_bytes().await;
    let dir = damaged_dir("cut-header", &bytes[..100]);
    assert_refused_untouched(&dir, &bytes[..100]);
}

#[tokio::test]
async fn store_refuses_a_file_with_an_overwritten_header_and_leaves_it_as_it_is() {
    let (mut bytes, _open, _) = real_store_bytes().await;
    bytes[..16].fill(0x5a);
    let dir = damaged_dir("header", &bytes);
    assert_refused_untouched(&dir, &bytes);
}

#[tokio::test]
async fn store_refuses_a_file_with_a_damaged_layout_in_its_header() {
    let (mut bytes, _open, _) = real_store_bytes().await;
    // The number of full regions (offset 24): far more than the file holds.
    bytes[24..28].copy_from_slice(&1000u32.to_le_bytes());
    let dir = damaged_dir("layout", &bytes);
    let text = assert_refused_untouched(&dir, &bytes);
    assert!(text.contains("truncated"), "{text}");
}

#[tokio::test]
async fn store_refuses_a_file_with_a_damaged_record_page_and_leaves_it_as_it_is() {
    let (mut bytes, _open, _) = real_store_bytes().await;
    // Every copy of one channel's record (the live page and any older one).
    let places = occurrences(&bytes, b"Damage probe shop 5");
    assert!(!places.is_empty());
    for at in places {
        bytes[at..at + 19].fill(b'#');
    }
    let dir = damaged_dir("page", &bytes);
    let text = assert_refused_untouched(&dir, &bytes);
    assert!(
        text.contains("checksum") || text.contains("corrupt"),
        "{text}"
    );
}

#[tokio::test]
async fn store_left_open_as_after_kill_9_still_opens_with_its_channels() {
    let (bytes, _open, _) = real_store_bytes().await;
    let dir = damaged_dir("unclean", &bytes);
    let store = EmbeddedStore::open(&dir).expect("an uncleanly stopped store opens");
    let channels = Repo::new(Arc::new(store)).all_channels().await.unwrap();
    assert_eq!(channels.len(), 8);
}

#[tokio::test]
async fn host_start_on_an_empty_store_file_fails_naming_the_file_and_what_to_do() {
    let dir = damaged_dir("host-empty", &[]);
    let err = match Host::start(host_config(&dir)).await {
        Ok(_) => panic!("the host started on an empty store file"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(&store_file(&dir).display().to_string()),
        "{err}"
    );
    assert!(err.contains("is damaged: the file is empty"), "{err}");
    assert!(err.contains("Restore it from a backup"), "{err}");
    assert_eq!(std::fs::metadata(store_file(&dir)).unwrap().len(), 0);
}

// ---- item 5: secrets at rest ----

/// Starts a host on `dir`, saves a channel and its secrets, stops it.
async fn write_through_host(dir: &Path, channel_id: &str) {
    let host = Host::start(host_config(dir)).await.unwrap();
    let mut channel = Channel::new(channel_id, "Secrets probe", "https://secrets.example.lv");
    host.app.repo.save_channel(&mut channel).await.unwrap();
    host.app.secrets.put(channel_id, &secrets()).await.unwrap();
    assert_eq!(
        host.app.secrets.get(channel_id).await.unwrap(),
        Some(secrets())
    );
    host.stop().await;
}

#[tokio::test]
async fn store_file_written_through_the_host_holds_none_of_the_secrets() {
    let dir = data_dir("raw");
    write_through_host(&dir, "lv-raw").await;
    let raw = std::fs::read(store_file(&dir)).unwrap();
    for secret in ALL_SECRETS {
        assert!(
            occurrences(&raw, secret.as_bytes()).is_empty(),
            "{secret} is in channel.redb in clear"
        );
    }
    // The secrets read back after a restart, with the key file.
    let host = Host::start(host_config(&dir)).await.unwrap();
    assert_eq!(
        host.app.secrets.get("lv-raw").await.unwrap(),
        Some(secrets())
    );
    host.stop().await;
}

#[tokio::test]
async fn data_dir_is_0700_and_its_store_and_key_files_0600() {
    let dir = data_dir("modes");
    write_through_host(&dir, "lv-modes").await;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&store_file(&dir)), 0o600);
    assert_eq!(mode(&dir.join("secrets.key")), 0o600);
}

#[tokio::test]
async fn a_wider_data_dir_and_files_are_tightened_at_start() {
    let dir = data_dir("wide");
    write_through_host(&dir, "lv-wide").await;
    let set =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    set(&dir, 0o755);
    set(&store_file(&dir), 0o644);
    set(&dir.join("secrets.key"), 0o644);
    let host = Host::start(host_config(&dir)).await.unwrap();
    host.stop().await;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&store_file(&dir)), 0o600);
    assert_eq!(mode(&dir.join("secrets.key")), 0o600);
}

/// The secret record's key, as today's main stores it.
fn secret_key(channel_id: &str) -> Key {
    Key::new(format!("SECRET#{channel_id}"), "#SECRET")
}

#[tokio::test]
async fn plaintext_secret_record_of_before_still_reads_and_is_sealed_on_read() {
    let dir = data_dir("legacy");
    let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::open(&dir).unwrap());
    let legacy = Record {
        key: secret_key("lv-old"),
        version: 1,
        doc: serde_json::to_string(&secrets()).unwrap(),
        indexes: Vec::new(),
        expires_at: None,
    };
    store.put(legacy, 0).await.unwrap();
    let (key, source) = SecretsKey::resolve(None, &dir).unwrap();
    let sealed = EmbeddedSecrets::with_key(store.clone(), &key, &source);
    assert_eq!(sealed.get("lv-old").await.unwrap(), Some(secrets()));
    let doc = store.get(&secret_key("lv-old")).await.unwrap().unwrap().doc;
    for secret in ALL_SECRETS {
        assert!(!doc.contains(secret), "still in clear after a read: {doc}");
    }
    assert_eq!(sealed.get("lv-old").await.unwrap(), Some(secrets()));
}

#[tokio::test]
async fn a_store_with_secrets_in_clear_from_before_keeps_none_of_their_bytes_after_a_start() {
    // A store as the version before sealing wrote it: a channel and its secrets in clear.
    let dir = data_dir("upgrade");
    {
        let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::open(&dir).unwrap());
        let mut channel = Channel::new("lv-upgrade", "Upgraded shop", "https://upgrade.example.lv");
        Repo::new(store.clone())
            .save_channel(&mut channel)
            .await
            .unwrap();
        let legacy = Record {
            key: secret_key("lv-upgrade"),
            version: 1,
            doc: serde_json::to_string(&secrets()).unwrap(),
            indexes: Vec::new(),
            expires_at: None,
        };
        store.put(legacy, 0).await.unwrap();
    }
    let raw = std::fs::read(store_file(&dir)).unwrap();
    assert!(
        ALL_SECRETS
            .iter()
            .all(|s| !occurrences(&raw, s.as_bytes()).is_empty()),
        "the old store holds the secrets in clear"
    );
    // One start seals them and rewrites the file: no byte of them is left, not
    // even in the free pages a sealed overwrite leaves behind.
    let host = Host::start(host_config(&dir)).await.unwrap();
    assert_eq!(
        host.app.secrets.get("lv-upgrade").await.unwrap(),
        Some(secrets())
    );
    host.stop().await;
    let raw = std::fs::read(store_file(&dir)).unwrap();
    for secret in ALL_SECRETS {
        assert!(
            occurrences(&raw, secret.as_bytes()).is_empty(),
            "{secret} is still in channel.redb in clear"
        );
    }
    assert_eq!(mode(&store_file(&dir)), 0o600);
    let host = Host::start(host_config(&dir)).await.unwrap();
    assert_eq!(
        host.app.secrets.get("lv-upgrade").await.unwrap(),
        Some(secrets())
    );
    host.stop().await;
}

#[tokio::test]
async fn secrets_read_with_another_key_fail_with_a_clear_error() {
    let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary().unwrap());
    let source = KeySource::File(PathBuf::from("/var/lib/channel/secrets.key"));
    let writer = EmbeddedSecrets::with_key(store.clone(), &SecretsKey::random(), &source);
    writer.put("lv-key", &secrets()).await.unwrap();
    let reader = EmbeddedSecrets::with_key(store, &SecretsKey::random(), &source);
    let err = reader.get("lv-key").await.unwrap_err();
    assert!(matches!(err, SecretsError::WrongKey { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("channel lv-key"), "{text}");
    assert!(text.contains("does not match"), "{text}");
    assert!(text.contains("/var/lib/channel/secrets.key"), "{text}");
    for secret in ALL_SECRETS {
        assert!(!text.contains(secret));
    }
}

#[tokio::test]
async fn host_start_with_a_replaced_key_file_fails_naming_the_key() {
    let dir = data_dir("rekey");
    write_through_host(&dir, "lv-rekey").await;
    std::fs::write(
        dir.join("secrets.key"),
        SecretsKey::random().to_base64() + "\n",
    )
    .unwrap();
    let err = match Host::start(host_config(&dir)).await {
        Ok(_) => panic!("the host started with a key that does not match"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("channel lv-rekey"), "{err}");
    assert!(err.contains("does not match"), "{err}");
    assert!(
        err.contains(&dir.join("secrets.key").display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn a_sealed_record_copied_under_another_channel_is_refused() {
    let store: Arc<dyn RecordStore> = Arc::new(EmbeddedStore::temporary().unwrap());
    let secrets_store = EmbeddedSecrets::new(store.clone());
    secrets_store.put("lv-a", &secrets()).await.unwrap();
    let mut moved = store.get(&secret_key("lv-a")).await.unwrap().unwrap();
    moved.key = secret_key("lv-b");
    moved.version = 1;
    store.put(moved, 0).await.unwrap();
    let err = secrets_store.get("lv-b").await.unwrap_err();
    assert!(matches!(err, SecretsError::WrongKey { .. }), "{err}");
    assert_eq!(secrets_store.get("lv-a").await.unwrap(), Some(secrets()));
}

#[test]
fn key_given_by_the_environment_writes_no_key_file() {
    let dir = data_dir("env");
    let given = SecretsKey::random();
    let (key, source) = SecretsKey::resolve(Some(&given.to_base64()), &dir).unwrap();
    assert_eq!(key, given);
    assert_eq!(source, KeySource::Environment);
    assert!(!dir.join("secrets.key").exists());
    let err = SecretsKey::resolve(Some("c2hvcnQ="), &dir).unwrap_err();
    assert!(err.to_string().contains("CHANNEL_SECRETS_KEY"), "{err}");
}

#[test]
fn key_file_is_created_once_and_read_back() {
    let dir = data_dir("keyfile");
    let (first, source) = SecretsKey::resolve(None, &dir).unwrap();
    assert_eq!(source, KeySource::File(dir.join("secrets.key")));
    let (second, _) = SecretsKey::resolve(None, &dir).unwrap();
    assert_eq!(first, second);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("secrets.key")), 0o600);
}
