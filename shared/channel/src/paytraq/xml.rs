//! XML plumbing of the PayTraq client: request bodies out, replies in, the
//! `<Error>` body, and tolerant decoding of decimal elements (an empty
//! element such as `<Total/>` is zero or absent, never a decode failure).

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use super::PaytraqError;

/// Serializes a request body; the struct's serde name is the root element.
pub fn to_xml<T: Serialize>(value: &T) -> Result<String, PaytraqError> {
    quick_xml::se::to_string(value).map_err(|e| PaytraqError::Invalid(format!("xml body: {e}")))
}

/// Deserializes a reply body (the root element's name is not checked).
pub fn from_xml<T: DeserializeOwned>(body: &str) -> Result<T, PaytraqError> {
    quick_xml::de::from_str(body).map_err(|e| PaytraqError::Decode(e.to_string()))
}

/// Reads an `<Error>` body: the texts of its child elements joined as
/// `Name: text; ...`. The children's names are not publicly documented
/// (reference §1), so every child is kept. `None` when the root is not `Error`.
pub fn error_message(body: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(body);
    let mut depth = 0usize;
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    let mut text = String::new();
    let mut saw_root = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    if e.name().as_ref() != b"Error" {
                        return None;
                    }
                    saw_root = true;
                }
                if depth == 1 {
                    current = Some(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                    text.clear();
                }
                depth += 1;
            }
            Ok(Event::Empty(e)) if depth == 0 => {
                return (e.name().as_ref() == b"Error").then(String::new);
            }
            Ok(Event::Text(t)) if depth > 0 => {
                text.push_str(&t.decode().unwrap_or_default());
            }
            Ok(Event::GeneralRef(r)) if depth > 0 => {
                let name = r.decode().unwrap_or_default();
                match r.resolve_char_ref() {
                    Ok(Some(c)) => text.push(c),
                    _ => match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => text.push_str(s),
                        None => {
                            text.push('&');
                            text.push_str(&name);
                            text.push(';');
                        }
                    },
                }
            }
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    if let Some(name) = current.take() {
                        parts.push(format!("{name}: {}", text.trim()));
                    }
                    text.clear();
                }
                if depth == 0 {
                    if !text.trim().is_empty() {
                        parts.push(text.trim().to_owned());
                    }
                    break;
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    saw_root.then(|| parts.join("; "))
}

fn parse_decimal<E: serde::de::Error>(raw: Option<String>) -> Result<Option<Decimal>, E> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<Decimal>()
            .map(Some)
            .map_err(|e| E::custom(format!("decimal {s:?}: {e}"))),
    }
}

/// A decimal element; absent or empty reads as zero.
pub fn decimal_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    Ok(parse_decimal(Option::<String>::deserialize(d)?)?.unwrap_or_default())
}

/// An optional decimal element; absent or empty reads as `None`.
pub fn decimal_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    parse_decimal(Option::<String>::deserialize(d)?)
}

/// An optional numeric id; absent or empty reads as `None`.
pub fn id_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<String>::deserialize(d)?.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("id {s:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_children_are_joined() {
        let msg =
            error_message("<Error><Code>400</Code><Message>Bad &amp; wrong</Message></Error>");
        assert_eq!(msg.as_deref(), Some("Code: 400; Message: Bad & wrong"));
        assert_eq!(
            error_message("<Error>plain</Error>").as_deref(),
            Some("plain")
        );
        assert_eq!(error_message("<Error/>").as_deref(), Some(""));
        assert_eq!(error_message("<Response><A>1</A></Response>"), None);
        assert_eq!(error_message("not xml at all"), None);
    }
}
