//! `local`'s data directory and the private files in it (the store file and
//! the secrets key): the directory is `0700` and its files `0600`. They are
//! created so; an existing directory or file that is wider is tightened, with
//! a warning, so that other users of the machine cannot read the channel's
//! data. A shared directory (sticky bit, as `/tmp`) is never changed: it is
//! refused as a data directory.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Permissions of the data directory: the owner only.
pub const DIR_MODE: u32 = 0o700;
/// Permissions of every file in it: the owner reads and writes.
pub const FILE_MODE: u32 = 0o600;

/// The sticky bit: set on directories shared by every user (`/tmp`).
const STICKY: u32 = 0o1000;

/// Creates `dir` as `0700` (missing parents as usual), or tightens an
/// existing one that others can enter.
pub fn prepare(dir: &Path) -> io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    match fs::DirBuilder::new().mode(DIR_MODE).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {
            let mode = fs::metadata(dir)?.permissions().mode();
            if mode & STICKY != 0 {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "{} is a directory shared by every user (mode {:o}); \
                         give a data directory of its own, e.g. a folder inside it",
                        dir.display(),
                        mode & 0o7777
                    ),
                ));
            }
            tighten(dir, DIR_MODE)
        }
        Err(e) => Err(e),
    }
}

/// Removes every permission of `path` beyond `allowed` (group and others),
/// logging a warning when there was one to remove.
pub fn tighten(path: &Path, allowed: u32) -> io::Result<()> {
    let mode = fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & !allowed == 0 {
        return Ok(());
    }
    let tightened = mode & allowed;
    fs::set_permissions(path, fs::Permissions::from_mode(tightened))?;
    tracing::warn!(
        path = %path.display(),
        was = %format!("{mode:o}"),
        now = %format!("{tightened:o}"),
        "data file or directory was open to other users; permissions tightened"
    );
    Ok(())
}

/// Creates `path` as a new `0600` file; fails if it exists.
pub fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
}

/// Makes a rename or link inside `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}
