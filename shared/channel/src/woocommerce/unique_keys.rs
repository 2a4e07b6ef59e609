//! Duplicate keys in a JSON body. serde_json keeps the last of two equal
//! keys without a word, so `{"total": "10.00", "total": "-99.00"}` would mean
//! one thing to the channel and maybe another to whatever else reads the
//! same signed body; an order whose JSON says two things is refused instead.
//!
//! The check is one walk over the bytes through serde_json's parser that
//! keeps the set of keys of each object it is inside (keys compared after
//! unescaping, so `"to\u0074al"` is `"total"`), and no values. Nesting is
//! bounded by [`MAX_DEPTH`] here as well as by serde_json's own recursion
//! limit, so no input, however deep, overflows the stack.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;

/// Deepest nesting of objects and lists accepted: below serde_json's own
/// limit (127), far above any WooCommerce order (meta values included).
pub const MAX_DEPTH: usize = 100;

/// Longest part of a duplicate key quoted in the message.
const MAX_KEY_SHOWN: usize = 64;

/// Why a body did not pass the check.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    /// The key (escaped for display, shortened when long) occurs twice in one object.
    #[error("duplicate key `{0}`")]
    Duplicate(String),
    #[error("JSON nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("not JSON: {0}")]
    NotJson(String),
}

/// Checks that no object anywhere in `body` has the same key twice.
pub fn check_unique_keys(body: &[u8]) -> Result<(), KeyProblem> {
    let found = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(body);
    let walked = Walk {
        depth: 0,
        found: &found,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match (walked, found.into_inner()) {
        (_, Some(problem)) => Err(problem),
        (Ok(()), None) => Ok(()),
        (Err(e), None) => Err(KeyProblem::NotJson(e.to_string())),
    }
}

/// One level of the walk: how deep it is, and where the first problem goes.
#[derive(Clone, Copy)]
struct Walk<'a> {
    depth: usize,
    found: &'a RefCell<Option<KeyProblem>>,
}

impl<'a> Walk<'a> {
    /// The walk one level down, or the depth problem.
    fn deeper<E: serde::de::Error>(self) -> Result<Walk<'a>, E> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(KeyProblem::TooDeep));
        }
        Ok(Walk {
            depth: self.depth + 1,
            ..self
        })
    }

    /// Records `problem` and stops the parser.
    fn fail<E: serde::de::Error>(self, problem: KeyProblem) -> E {
        let message = problem.to_string();
        *self.found.borrow_mut() = Some(problem);
        E::custom(message)
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.deeper()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.deeper()?;
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(self.fail(KeyProblem::Duplicate(shown(&key))));
            }
            map.next_value_seed(inner)?;
            seen.insert(key);
        }
        Ok(())
    }
}

/// A key as the message shows it: control characters escaped, at most
/// [`MAX_KEY_SHOWN`] characters.
fn shown(key: &str) -> String {
    let mut text: String = key.chars().take(MAX_KEY_SHOWN).collect();
    if key.chars().nth(MAX_KEY_SHOWN).is_some() {
        text.push('…');
    }
    text.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_without_duplicates_pass() {
        for body in [
            &br#"{"id":1,"total":"10.00","line_items":[{"id":1},{"id":2}]}"#[..],
            br#"[{"a":1},{"a":2}]"#,
            br#"{"a":{"a":{"a":1}}}"#,
            b"3",
            b"{}",
        ] {
            assert_eq!(
                check_unique_keys(body),
                Ok(()),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn a_duplicate_anywhere_is_named() {
        let cases: [(&[u8], &str); 4] = [
            (br#"{"id":1,"total":"10.00","total":"-5"}"#, "total"),
            (br#"{"id":1,"id":2}"#, "id"),
            (
                br#"{"id":1,"line_items":[{"id":1,"sku":"a","sku":"b"}]}"#,
                "sku",
            ),
            (br#"{"total":"1","to\u0074al":"2"}"#, "total"),
        ];
        for (body, key) in cases {
            assert_eq!(
                check_unique_keys(body),
                Err(KeyProblem::Duplicate(key.into())),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(
            KeyProblem::Duplicate("total".into()).to_string(),
            "duplicate key `total`"
        );
    }

    #[test]
    fn long_and_odd_keys_are_shortened_and_escaped_in_the_message() {
        let long = "k".repeat(1000);
        let body = format!(r#"{{"{long}":1,"{long}":2}}"#);
        let Err(KeyProblem::Duplicate(shown)) = check_unique_keys(body.as_bytes()) else {
            panic!("duplicate not found");
        };
        assert_eq!(shown.chars().count(), MAX_KEY_SHOWN + 1);
        let Err(KeyProblem::Duplicate(shown)) = check_unique_keys(br#"{"a\nb":1,"a\nb":2}"#) else {
            panic!("duplicate not found");
        };
        assert_eq!(shown, "a\\nb");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        for open in ["[", "{\"a\":"] {
            let deep = open.repeat(100_000);
            assert!(
                check_unique_keys(deep.as_bytes()).is_err(),
                "100,000 levels of {open}"
            );
        }
        let ok = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(check_unique_keys(ok.as_bytes()), Ok(()));
        let too_deep = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            check_unique_keys(too_deep.as_bytes()),
            Err(KeyProblem::TooDeep)
        );
    }

    #[test]
    fn what_is_not_json_says_so() {
        assert!(matches!(
            check_unique_keys(b"{oops"),
            Err(KeyProblem::NotJson(_))
        ));
        assert!(matches!(
            check_unique_keys(b"{} trailing"),
            Err(KeyProblem::NotJson(_))
        ));
    }
}
