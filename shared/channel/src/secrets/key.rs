//! The key that seals the embedded secrets ([`super::embedded`]): 32 random
//! bytes, given by the environment (`CHANNEL_SECRETS_KEY`, base64; then no
//! key file is written) or kept in `secrets.key` (base64, `0600`) in the data
//! directory, created on first use. A copy of the store file without the key
//! reveals no secret. The key never appears in logs or errors; where it comes
//! from ([`KeySource`]) does.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::RngCore;

use super::SecretsError;
use crate::datadir;

/// The environment variable that gives the key (base64 of 32 bytes).
pub const ENV: &str = "CHANNEL_SECRETS_KEY";
/// The key file in the data directory.
pub const FILE_NAME: &str = "secrets.key";
/// Length of the key in bytes.
pub const KEY_LEN: usize = 32;

/// A 256-bit key. Shows as `***` in debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretsKey([u8; KEY_LEN]);

/// Where the key came from, for the startup log and the errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `CHANNEL_SECRETS_KEY`.
    Environment,
    /// The key file (created now, or earlier).
    File(PathBuf),
    /// Random, held in memory by this process only (temporary stores).
    Memory,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Environment => write!(f, "environment variable {ENV}"),
            KeySource::File(path) => write!(f, "key file {}", path.display()),
            KeySource::Memory => f.write_str("a random key in memory"),
        }
    }
}

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretsKey(***)")
    }
}

impl SecretsKey {
    /// A new random key.
    pub fn random() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key from its base64 text; `None` unless it is 32 bytes.
    pub fn from_base64(text: &str) -> Option<Self> {
        let bytes = STANDARD.decode(text.trim()).ok()?;
        <[u8; KEY_LEN]>::try_from(bytes.as_slice()).ok().map(Self)
    }

    /// The key as base64 text, to be kept in a file or the environment.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The key of the data directory `dir`: `CHANNEL_SECRETS_KEY` when set,
    /// else the key file (created on first use).
    pub fn for_data_dir(dir: &Path) -> Result<(Self, KeySource), SecretsError> {
        let env = std::env::var(ENV).ok().filter(|v| !v.trim().is_empty());
        Self::resolve(env.as_deref(), dir)
    }

    /// [`Self::for_data_dir`] with the environment's value given.
    pub fn resolve(env: Option<&str>, dir: &Path) -> Result<(Self, KeySource), SecretsError> {
        if let Some(text) = env {
            let key = Self::from_base64(text).ok_or_else(|| {
                SecretsError::Key(format!(
                    "{ENV} is not base64 of {KEY_LEN} bytes (make one with `openssl rand -base64 32`)"
                ))
            })?;
            return Ok((key, KeySource::Environment));
        }
        datadir::prepare(dir).map_err(|e| {
            SecretsError::Key(format!(
                "preparing the data directory {}: {e}",
                dir.display()
            ))
        })?;
        let path = dir.join(FILE_NAME);
        let key = match read_file(&path)? {
            Some(key) => key,
            None => create_file(dir, &path)?,
        };
        Ok((key, KeySource::File(path)))
    }
}

/// The key in `path`, if the file exists (its permissions tightened to `0600`).
fn read_file(path: &Path) -> Result<Option<SecretsKey>, SecretsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SecretsError::Key(format!(
                "reading {}: {e}",
                path.display()
            )))
        }
    };
    datadir::tighten(path, datadir::FILE_MODE)
        .map_err(|e| SecretsError::Key(format!("making {} private: {e}", path.display())))?;
    SecretsKey::from_base64(&text).map(Some).ok_or_else(|| {
        SecretsError::Key(format!(
            "{} does not hold a key (base64 of {KEY_LEN} bytes); restore it from a backup",
            path.display()
        ))
    })
}

/// Writes a new random key to `path` (`0600`): complete under a temporary
/// name, then linked into place. If another process made one meanwhile,
/// that one is the key.
fn create_file(dir: &Path, path: &Path) -> Result<SecretsKey, SecretsError> {
    let fail = |e: std::io::Error| SecretsError::Key(format!("creating {}: {e}", path.display()));
    let key = SecretsKey::random();
    let partial = dir.join(format!("{FILE_NAME}.new"));
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != ErrorKind::NotFound => return Err(fail(e)),
        _ => {}
    }
    let mut file = datadir::create_private(&partial).map_err(fail)?;
    file.write_all(format!("{}\n", key.to_base64()).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(fail)?;
    drop(file);
    let linked = std::fs::hard_link(&partial, path);
    std::fs::remove_file(&partial).map_err(fail)?;
    match linked {
        Ok(()) => {
            datadir::sync_dir(dir).map_err(fail)?;
            Ok(key)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => read_file(path)?.ok_or_else(|| {
            SecretsError::Key(format!("{} vanished while being created", path.display()))
        }),
        Err(e) => Err(fail(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reads_back_from_its_base64() {
        let key = SecretsKey::random();
        assert_eq!(SecretsKey::from_base64(&key.to_base64()), Some(key));
    }

    #[test]
    fn base64_of_another_length_is_no_key() {
        assert_eq!(SecretsKey::from_base64(&STANDARD.encode([7u8; 31])), None);
        assert_eq!(SecretsKey::from_base64("not base64!"), None);
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let key = SecretsKey::random();
        assert_eq!(format!("{key:?}"), "SecretsKey(***)");
    }
}
