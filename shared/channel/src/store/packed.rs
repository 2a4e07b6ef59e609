//! How a record's JSON document is kept on DynamoDB: as text when it is
//! small, deflated when it is larger than [`PACK_OVER`] bytes and deflating
//! makes it smaller.
//!
//! DynamoDB bills a write per started KB of the whole item, and an order's
//! record (payload, processing state, timeline) is several KB of JSON that
//! is saved at every step of the pipeline. Raw DEFLATE (RFC 1951) shrinks
//! it about three times (the cost benchmark's orders: 1.8 KB stored per
//! record, with its keys); AWS's guidance for large attributes is the same
//! ("compress large attribute values"). Small records (sessions,
//! tokens, the pacing slot) stay text, readable in the AWS console.
//!
//! Reading is strict: a deflated document that does not inflate, inflates
//! past [`INFLATED_LIMIT`] (a hostile or damaged item) or is not UTF-8 is a
//! [`PackError`], never a guess.

/// Documents longer than this many bytes are deflated (when that is smaller).
pub const PACK_OVER: usize = 1024;

/// The most a stored document may inflate to. DynamoDB caps an item at
/// 400 KB; JSON deflates at most about 20:1 in practice, so this leaves room
/// while refusing a decompression bomb.
pub const INFLATED_LIMIT: usize = 16 * 1024 * 1024;

/// A document as it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packed {
    Text(String),
    Deflated(Vec<u8>),
}

impl Packed {
    /// Packs `doc`: deflated (level 6) when it is over [`PACK_OVER`] bytes
    /// and that is smaller, else as it is.
    pub fn pack(doc: &str) -> Packed {
        if doc.len() > PACK_OVER {
            let deflated = miniz_oxide::deflate::compress_to_vec(doc.as_bytes(), 6);
            if deflated.len() < doc.len() {
                return Packed::Deflated(deflated);
            }
        }
        Packed::Text(doc.to_string())
    }

    /// The item attribute the document is stored under: `doc` (a string)
    /// or `docz` (a binary).
    pub fn attribute(&self) -> &'static str {
        match self {
            Packed::Text(_) => "doc",
            Packed::Deflated(_) => "docz",
        }
    }

    /// Bytes stored for the document (what DynamoDB bills for its value).
    pub fn len(&self) -> usize {
        match self {
            Packed::Text(text) => text.len(),
            Packed::Deflated(bytes) => bytes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackError {
    #[error("the deflated document does not inflate ({0})")]
    Inflate(String),
    #[error("the deflated document inflates past {INFLATED_LIMIT} bytes")]
    TooLarge,
    #[error("the inflated document is not UTF-8")]
    NotText,
}

/// The document a [`Packed::Deflated`] value holds.
pub fn inflate(bytes: &[u8]) -> Result<String, PackError> {
    let inflated = miniz_oxide::inflate::decompress_to_vec_with_limit(bytes, INFLATED_LIMIT)
        .map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => PackError::TooLarge,
            status => PackError::Inflate(format!("{status:?}")),
        })?;
    String::from_utf8(inflated).map_err(|_| PackError::NotText)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order_like(lines: usize) -> String {
        let items: Vec<String> = (0..lines)
            .map(|i| {
                format!(
                    r#"{{"id":{i},"name":"Line item {i}","sku":"SKU-{i}","quantity":1,"total":"10.00","taxes":[{{"id":1,"total":"2.1"}}]}}"#
                )
            })
            .collect();
        format!(r#"{{"status":"done","line_items":[{}]}}"#, items.join(","))
    }

    #[test]
    fn a_small_document_stays_text() {
        let doc = r#"{"id":"s1","expires_at":1}"#;
        assert_eq!(Packed::pack(doc), Packed::Text(doc.to_string()));
    }

    #[test]
    fn a_large_document_is_deflated_smaller_and_inflates_to_the_same_text() {
        let doc = order_like(40);
        assert!(doc.len() > PACK_OVER);
        let Packed::Deflated(bytes) = Packed::pack(&doc) else {
            panic!("a {} byte order was not deflated", doc.len());
        };
        assert!(
            bytes.len() * 4 < doc.len(),
            "{} → {}",
            doc.len(),
            bytes.len()
        );
        assert_eq!(inflate(&bytes).unwrap(), doc);
    }

    #[test]
    fn damaged_bytes_a_bomb_and_non_text_are_refused() {
        assert!(matches!(
            inflate(b"\xff\xfe not deflate"),
            Err(PackError::Inflate(_))
        ));
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b'a'; INFLATED_LIMIT + 1], 6);
        assert_eq!(inflate(&bomb), Err(PackError::TooLarge));
        let latin1 = miniz_oxide::deflate::compress_to_vec(&[0xe9; 2000], 6);
        assert_eq!(inflate(&latin1), Err(PackError::NotText));
    }
}
