//! Checks an existing store file before the embedded store opens it, without
//! writing to it. redb 2 re-initialises an empty file as a new database and
//! panics inside its open on a file shorter than its header declares; its
//! open also writes to the file (recovery flag, repair). So a file is checked
//! first, in two steps:
//!
//! 1. the header, read directly (redb 2's file format,
//!    `tree_store/page_store/header.rs`): not empty, redb's magic number,
//!    a layout redb can open, and a file at least as long as that layout;
//! 2. the whole database, on a copy in memory: redb opens the copy (a
//!    repair after an unclean stop happens there, as it would on the file)
//!    and checks every page's checksum. A copy that needed more than the
//!    usual recovery, or failed, is a damaged file.
//!
//! Only then is the file itself opened. Any panic of redb on a damaged copy
//! is caught and reported as the reason (redb's panic message still goes to
//! standard error through the default panic hook: nothing global is
//! replaced). Damage that no checksum covers, such as a byte changed in a
//! free page, is not damage to the data and passes.

use std::fs::{File, TryLockError};
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Duration;

use redb::backends::InMemoryBackend;
use redb::{Database, StorageBackend};

/// redb's magic number, the first 9 bytes of its file.
const MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];
/// The header: magic number, flags, layout (64 bytes), two 128-byte commit slots.
const HEADER_LEN: usize = 64 + 2 * 128;
/// The page size redb 2 writes with; its open requires the same.
const PAGE_SIZE: u64 = 4096;
/// Layout fields of the header: page size, region header pages, region
/// data pages, full regions, trailing region's data pages (u32, LE).
const PAGE_SIZE_AT: usize = 12;
const REGION_HEADER_PAGES_AT: usize = 16;
const REGION_DATA_PAGES_AT: usize = 20;
const FULL_REGIONS_AT: usize = 24;
const TRAILING_PAGES_AT: usize = 28;
/// Files up to this size are checked page by page on a copy in memory;
/// a larger one gets the header check only.
pub const DEEP_CHECK_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Why the existing store file at `path` cannot be opened as it is;
/// `Ok(None)`: it is whole. `Err`: the file could not be read at all. The
/// file is read under redb's own lock (`flock`), taken as soon as a store
/// closed a moment ago has released it, so no half-written header is read.
pub fn damage(path: &Path) -> std::io::Result<Option<String>> {
    let mut file = File::open(path)?;
    lock(&file)?;
    let len = file.metadata()?.len();
    if let Some(reason) = header_damage(&mut file, len)? {
        return Ok(Some(reason));
    }
    if len > DEEP_CHECK_MAX_BYTES {
        tracing::info!(path = %path.display(), bytes = len, "store file too large for the page check at start; header checked");
        return Ok(None);
    }
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut bytes)?;
    Ok(copy_damage(&bytes))
}

/// Takes the file's lock, waiting up to two seconds for a store that is
/// closing; it is released when the file is closed.
fn lock(file: &File) -> std::io::Result<()> {
    for _ in 0..50 {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => std::thread::sleep(Duration::from_millis(40)),
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        ErrorKind::WouldBlock,
        "the file is in use by another process (is another `local serve` using this data directory?)",
    ))
}

/// Step 1: the header and the length it declares.
fn header_damage(file: &mut File, len: u64) -> std::io::Result<Option<String>> {
    if len == 0 {
        return Ok(Some("the file is empty (0 bytes)".into()));
    }
    let mut header = Vec::with_capacity(HEADER_LEN);
    file.by_ref()
        .take(HEADER_LEN as u64)
        .read_to_end(&mut header)?;
    if header.len() < HEADER_LEN {
        return Ok(Some(format!(
            "the file is {len} bytes, shorter than a store file's header ({HEADER_LEN} bytes)"
        )));
    }
    if header[..MAGIC.len()] != MAGIC {
        return Ok(Some(
            "the file does not start with a store file's header (redb magic number)".into(),
        ));
    }
    let field = |at: usize| {
        u64::from(u32::from_le_bytes([
            header[at],
            header[at + 1],
            header[at + 2],
            header[at + 3],
        ]))
    };
    let page_size = field(PAGE_SIZE_AT);
    let region_header_pages = field(REGION_HEADER_PAGES_AT);
    let region_data_pages = field(REGION_DATA_PAGES_AT);
    let full_regions = field(FULL_REGIONS_AT);
    let trailing_pages = field(TRAILING_PAGES_AT);
    if page_size != PAGE_SIZE
        || region_data_pages == 0
        || (full_regions == 0 && trailing_pages == 0)
    {
        return Ok(Some(format!(
            "its header is damaged (page size {page_size}, {full_regions} regions of \
             {region_data_pages} pages, {trailing_pages} trailing pages)"
        )));
    }
    let Some(declared) = declared_len(
        page_size,
        region_header_pages,
        region_data_pages,
        full_regions,
        trailing_pages,
    ) else {
        return Ok(Some(
            "its header is damaged (it declares an impossible size)".into(),
        ));
    };
    if len < declared {
        return Ok(Some(format!(
            "the file is truncated: {len} bytes where its header declares {declared}"
        )));
    }
    Ok(None)
}

/// The file length redb's layout declares: the header page, then each
/// region (its header pages and data pages), the trailing one if any.
fn declared_len(
    page_size: u64,
    region_header_pages: u64,
    region_data_pages: u64,
    full_regions: u64,
    trailing_pages: u64,
) -> Option<u64> {
    let region = |data_pages: u64| {
        region_header_pages
            .checked_add(data_pages)?
            .checked_mul(page_size)
    };
    let full = region(region_data_pages)?.checked_mul(full_regions)?;
    let trailing = match trailing_pages {
        0 => 0,
        n => region(n)?,
    };
    page_size.checked_add(full)?.checked_add(trailing)
}

/// Step 2: redb opens a copy in memory and checks every page's checksum.
fn copy_damage(bytes: &[u8]) -> Option<String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<bool, String> {
        let backend = InMemoryBackend::new();
        backend
            .set_len(bytes.len() as u64)
            .map_err(|e| e.to_string())?;
        backend.write(0, bytes).map_err(|e| e.to_string())?;
        let mut db = Database::builder()
            .create_with_backend(backend)
            .map_err(|e| e.to_string())?;
        db.check_integrity().map_err(|e| e.to_string())
    }));
    match outcome {
        Ok(Ok(true)) => None,
        Ok(Ok(false)) => Some("its pages fail their checksums (the store library would have to repair it, losing data)".into()),
        Ok(Err(e)) => Some(format!("the store library cannot read it: {e}")),
        Err(panic) => Some(format!(
            "the store library failed reading it: {}",
            panic_text(panic.as_ref())
        )),
    }
}

/// The message of a caught panic.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "an internal failure".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_len_is_the_header_page_and_every_region() {
        // One full region of 2 header pages and 10 data pages, a trailing one of 3.
        assert_eq!(
            declared_len(4096, 2, 10, 1, 3),
            Some(4096 + 12 * 4096 + 5 * 4096)
        );
        assert_eq!(declared_len(4096, 2, 10, 0, 3), Some(4096 + 5 * 4096));
    }

    #[test]
    fn declared_len_of_an_impossible_header_is_none() {
        let max = u64::from(u32::MAX);
        assert_eq!(declared_len(4096, max, max, max, 0), None);
    }
}
