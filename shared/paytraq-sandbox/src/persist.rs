//! The sandbox's state kept in a folder, so a restarted sandbox still has
//! its companies, documents, clients, payments, stock and id counters
//! (`local sandbox --state-dir DIR`).
//!
//! The whole [`World`] is one JSON file, `DIR/paytraq-sandbox.json`, written
//! after every change (every API write, every seeding call): to a temporary
//! file in the same folder (mode 0600), synced, then renamed over the old
//! one, so a crash leaves the old state or the new, never half of one. At
//! start the file is read if it exists; a file that cannot be read or
//! understood stops the start with an error naming it: it is never replaced
//! silently. The rate limiter's clock is not kept.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::state::World;

/// The state file's name in its folder.
pub const STATE_FILE: &str = "paytraq-sandbox.json";
/// The layout of the state file this sandbox writes and reads.
const FORMAT: u32 = 1;

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot use the PayTraq sandbox's state folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the PayTraq sandbox's state file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the PayTraq sandbox's state file {path} is damaged ({reason}); \
         it is left as it is: move it away to start with a fresh sandbox"
    )]
    Damaged { path: PathBuf, reason: String },
    #[error("cannot save the PayTraq sandbox's state to {path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

/// The state file's content.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved<W> {
    format: u32,
    world: W,
}

/// A state file in a folder.
#[derive(Clone, Debug)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// The state file of `dir`, creating the folder if needed.
    pub fn in_dir(dir: &Path) -> Result<Self, StateError> {
        std::fs::create_dir_all(dir).map_err(|source| StateError::Folder {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(Self {
            path: dir.join(STATE_FILE),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved world, or `None` when nothing was saved yet.
    pub fn load(&self) -> Result<Option<World>, StateError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateError::Read {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        let damaged = |reason: String| StateError::Damaged {
            path: self.path.clone(),
            reason,
        };
        let saved: Saved<World> =
            serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        if saved.format != FORMAT {
            return Err(damaged(format!(
                "format {} where this sandbox reads format {FORMAT}",
                saved.format
            )));
        }
        Ok(Some(saved.world))
    }

    /// The bytes of the state file for `world` (taken under the world's
    /// lock; [`Self::write`] happens after it is released).
    pub fn encode(&self, world: &World) -> Result<Vec<u8>, StateError> {
        serde_json::to_vec(&Saved {
            format: FORMAT,
            world,
        })
        .map_err(|e| self.write_failed(e.to_string()))
    }

    /// Replaces the state file with `bytes` atomically (temporary file,
    /// sync, rename).
    pub fn write(&self, bytes: &[u8]) -> Result<(), StateError> {
        let temporary = self.path.with_extension("json.tmp");
        let mut file = private_file(&temporary).map_err(|e| self.write_failed(e.to_string()))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| self.write_failed(e.to_string()))?;
        drop(file);
        std::fs::rename(&temporary, &self.path).map_err(|e| self.write_failed(e.to_string()))
    }

    fn write_failed(&self, reason: String) -> StateError {
        StateError::Write {
            path: self.path.clone(),
            reason,
        }
    }
}

/// Creates (or truncates) a file only its owner may read.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    // A temporary file left by an earlier run keeps its old mode: set it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}
