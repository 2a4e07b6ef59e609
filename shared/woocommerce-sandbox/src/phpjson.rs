//! PHP-style JSON text, as WordPress' `wp_json_encode` writes it: slashes escaped as `\/` and every
//! non-ASCII character as `\uXXXX` (UTF-16 surrogate pairs above U+FFFF). Field order follows the
//! serialised value (structs keep declaration order).

use serde::Serialize;

/// Serialises `value` the way `wp_json_encode` would (default flags).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let plain = serde_json::to_string(value)?;
    Ok(escape_php(&plain))
}

/// Rewrites compact JSON text from serde_json into PHP's escaping. Outside strings valid JSON has no
/// `/` and no non-ASCII characters, so a character-wise rewrite is exact.
pub fn escape_php(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 8);
    for c in json.chars() {
        if c == '/' {
            out.push_str("\\/");
        } else if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_php() {
        let v = serde_json::json!({"a": "http://x/y", "b": "Rīga €", "c": "😀 & <b> \"q\""});
        let s = encode(&v).unwrap();
        assert_eq!(
            s,
            r#"{"a":"http:\/\/x\/y","b":"R\u012bga \u20ac","c":"\ud83d\ude00 & <b> \"q\""}"#
        );
    }
}
