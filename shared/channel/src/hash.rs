//! SHA-256 fingerprints in lower-case hex, the one encoding behind activation
//! token hashes, pacer keys (a hash of an API key, never the key), the keys
//! of stored invalid payloads and the hashes of sent order notes.

use sha2::{Digest, Sha256};

/// SHA-256 of `data`: 64 hex digits.
pub fn sha256_hex(data: &[u8]) -> String {
    short_sha256_hex(data, 32)
}

/// The first `bytes` bytes of SHA-256 of `data` (at most 32): `2 × bytes` hex digits.
pub fn short_sha256_hex(data: &[u8], bytes: usize) -> String {
    Sha256::digest(data)
        .iter()
        .take(bytes)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest_in_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(short_sha256_hex(b"abc", 6), "ba7816bf8f01");
        assert_eq!(short_sha256_hex(b"abc", 99).len(), 64);
    }
}
