//! The console's two languages: which one a request gets (the switch's
//! cookie, else the browser's `Accept-Language`, else English), and how
//! amounts and dates are written in each.
//!
//! Latvian amounts are `1 234,56 €`: a comma before the cents, a no-break
//! space (U+00A0) between thousands (also in four-digit amounts) and before
//! the currency, which follows the amount. English amounts are `€1,234.56`.
//! Dates are `30.11.2026 14:05` (Latvian) and `2026-11-30 14:05` (English),
//! in UTC.

use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use super::text::{Text, EN, LV};

/// The cookie the language switch sets.
pub const LANG_COOKIE: &str = "console_lang";

const NBSP: char = '\u{a0}';

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Lv,
}

impl Lang {
    /// The switch's cookie, else the first of `lv`/`en` the browser
    /// prefers, else English.
    pub fn of(headers: &HeaderMap) -> Lang {
        if let Some(lang) = super::cookie(headers, LANG_COOKIE).and_then(Lang::parse) {
            return lang;
        }
        let accept = headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Lang::from_accept_language(accept)
    }

    /// The best of `lv`/`en` in an `Accept-Language` value (highest `q`, then first).
    pub fn from_accept_language(accept: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in accept.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let primary = tag.split('-').next().unwrap_or("");
            let Some(lang) = Lang::parse(primary) else {
                continue;
            };
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "lv" => Some(Lang::Lv),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Lv => "lv",
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::Lv => &LV,
        }
    }

    /// An amount with its currency, rounded to cents.
    pub fn money(self, amount: Decimal, currency: &str) -> String {
        let rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
            "-"
        } else {
            ""
        };
        let plain = format!("{:.2}", rounded.abs());
        let (whole, cents) = plain.split_once('.').unwrap_or((plain.as_str(), "00"));
        let symbol = if currency.eq_ignore_ascii_case("EUR") {
            "€".to_string()
        } else {
            currency.to_uppercase()
        };
        match self {
            Lang::Lv => format!("{sign}{},{cents}{NBSP}{symbol}", group(whole, NBSP)),
            Lang::En if symbol == "€" => format!("{sign}€{}.{cents}", group(whole, ',')),
            Lang::En => format!("{sign}{symbol}{NBSP}{}.{cents}", group(whole, ',')),
        }
    }

    /// A moment as a date and minute, in UTC.
    pub fn datetime(self, at: DateTime<Utc>) -> String {
        match self {
            Lang::Lv => at.format("%d.%m.%Y %H:%M").to_string(),
            Lang::En => at.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// [`Lang::datetime`] of a moment that may not have happened ("never").
    pub fn maybe_datetime(self, at: Option<DateTime<Utc>>) -> String {
        at.map_or_else(|| self.text().never.to_string(), |at| self.datetime(at))
    }
}

/// Digits with `sep` between each group of three, from the right.
fn group(digits: &str, sep: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// The `Set-Cookie` value of the language switch: the choice, kept a year.
pub fn lang_cookie(lang: Lang, secure: bool) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/console; Max-Age=31536000; SameSite=Lax{}",
        lang.code(),
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;
    use rust_decimal_macros::dec;

    fn headers_with(name: &str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            name.parse::<axum::http::HeaderName>().unwrap(),
            value.parse().unwrap(),
        );
        h
    }

    #[test]
    fn latvian_amounts_have_a_comma_and_no_break_spaces() {
        assert_eq!(Lang::Lv.money(dec!(1234.56), "EUR"), "1\u{a0}234,56\u{a0}€");
        assert_eq!(
            Lang::Lv.money(dec!(1234567.5), "EUR"),
            "1\u{a0}234\u{a0}567,50\u{a0}€"
        );
        assert_eq!(Lang::Lv.money(dec!(-12.345), "EUR"), "-12,35\u{a0}€");
        assert_eq!(Lang::Lv.money(dec!(5), "usd"), "5,00\u{a0}USD");
    }

    #[test]
    fn english_amounts_put_the_euro_first() {
        assert_eq!(Lang::En.money(dec!(1234.56), "EUR"), "€1,234.56");
        assert_eq!(Lang::En.money(dec!(999), "EUR"), "€999.00");
        assert_eq!(Lang::En.money(dec!(-0.004), "EUR"), "€0.00");
        assert_eq!(Lang::En.money(dec!(1000), "USD"), "USD\u{a0}1,000.00");
    }

    #[test]
    fn dates_follow_the_language() {
        let at = DateTime::parse_from_rfc3339("2026-03-05T14:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Lang::Lv.datetime(at), "05.03.2026 14:30");
        assert_eq!(Lang::En.datetime(at), "2026-03-05 14:30");
    }

    #[test]
    fn the_switch_wins_over_the_browser_which_wins_over_english() {
        assert_eq!(
            Lang::from_accept_language("lv-LV,lv;q=0.9,en;q=0.8"),
            Lang::Lv
        );
        assert_eq!(
            Lang::from_accept_language("de, en;q=0.5, lv;q=0.7"),
            Lang::Lv
        );
        assert_eq!(Lang::from_accept_language("de-DE"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        let both = {
            let mut h = headers_with("accept-language", "lv");
            h.insert(COOKIE, "a=b; console_lang=en".parse().unwrap());
            h
        };
        assert_eq!(Lang::of(&both), Lang::En);
        assert_eq!(Lang::of(&headers_with("accept-language", "lv")), Lang::Lv);
    }
}
