//! What every console page shares: who is signed in ([`Signed`], which
//! sends everyone else to the sign-in form), the frame around a page
//! ([`Frame`]: language, navigation, the CSRF token, a result message),
//! reading a form with its CSRF check ([`Form`]), rendering a template,
//! the refusals (403, 404, an error in words) and the security headers of
//! every console answer.

use askama::Template;
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::locale::Lang;
use super::session::{self, Session};
use super::text::Text;
use crate::admin::{AdminAuth, ApiError, Ctx};
use crate::model::Channel;

/// A signed-in request: its session, language and path.
pub struct Signed {
    pub session: Session,
    pub lang: Lang,
    /// Path and query of the request (where the language switch returns to).
    pub here: String,
}

impl FromRequestParts<Ctx> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Response> {
        let lang = Lang::of(&parts.headers);
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
        if matches!(ctx.cfg.auth, AdminAuth::Iam) {
            return Err(not_configured(lang));
        }
        match session::current(&ctx.app, &parts.headers).await {
            Ok(Some(session)) => Ok(Signed {
                session,
                lang,
                here,
            }),
            Ok(None) => Err(to_sign_in(parts, &here)),
            Err(e) => Err(message(
                Frame::bare(lang, &here),
                StatusCode::SERVICE_UNAVAILABLE,
                "error",
                lang.text().error_title,
                e.to_string(),
            )),
        }
    }
}

impl Signed {
    /// The frame of a page of this request.
    pub fn frame(&self, title: &str, section: &'static str, channel: Option<&Channel>) -> Frame {
        let mut f = Frame::bare(self.lang, &self.here);
        f.title = title.to_string();
        f.csrf = self.session.csrf.clone();
        f.signed_in = true;
        f.section = section;
        f.channel = channel.map(|c| NavChannel {
            id: c.id.clone(),
            name: c.name.clone(),
        });
        f
    }

    /// The posted form, if it carries this session's CSRF token; else the
    /// 403 page (and nothing is done).
    pub fn form(&self, body: &Bytes) -> Result<Form, Response> {
        let form = Form::parse(body);
        if self.session.csrf_matches(form.get("csrf")) {
            Ok(form)
        } else {
            let t = self.lang.text();
            Err(message(
                self.frame(t.forbidden_title, "", None),
                StatusCode::FORBIDDEN,
                "forbidden",
                t.forbidden_title,
                t.forbidden_text.to_string(),
            ))
        }
    }

    /// The answer to an admin-API refusal, in words.
    pub fn refusal(&self, e: &ApiError) -> Response {
        let t = self.lang.text();
        let (testid, heading) = match e {
            ApiError::NotFound(_) => ("not-found", t.not_found_title),
            _ => ("error", t.error_title),
        };
        let text = match e {
            ApiError::NotFound(_) => t.not_found_text.to_string(),
            ApiError::Invalid(fields) => fields
                .0
                .iter()
                .map(|(f, p)| format!("{f}: {p}"))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        };
        message(
            self.frame(heading, "", None),
            e.status(),
            testid,
            heading,
            text,
        )
    }
}

/// A channel in the navigation.
pub struct NavChannel {
    pub id: String,
    pub name: String,
}

/// The result of a form, shown at the top of the page it answers with.
pub struct Flash {
    /// `ok` or `error`.
    pub outcome: &'static str,
    pub message: String,
    /// Field problems, as (field, problem).
    pub fields: Vec<(String, String)>,
}

impl Flash {
    pub fn ok(message: impl Into<String>) -> Option<Flash> {
        Some(Flash {
            outcome: "ok",
            message: message.into(),
            fields: Vec::new(),
        })
    }

    /// An admin-API refusal, with its field problems when there are some.
    pub fn error(t: &Text, e: &ApiError) -> Option<Flash> {
        let (message, fields) = match e {
            ApiError::Invalid(f) => (
                format!("{} {}", t.fix_fields, t.nothing_changed),
                f.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            ),
            other => (format!("{other} {}", t.nothing_changed), Vec::new()),
        };
        Some(Flash {
            outcome: "error",
            message,
            fields,
        })
    }
}

/// What the frame of every page shows.
pub struct Frame {
    pub lang: &'static str,
    pub t: &'static Text,
    pub title: String,
    /// This session's CSRF token (empty when not signed in).
    pub csrf: String,
    pub signed_in: bool,
    /// The navigation entry of this page (`channels`, `settings`, …).
    pub section: &'static str,
    pub channel: Option<NavChannel>,
    pub lang_lv_href: String,
    pub lang_en_href: String,
    pub result: Option<Flash>,
}

impl Frame {
    /// A frame without a session.
    pub fn bare(lang: Lang, here: &str) -> Frame {
        let back = |code: &str| {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("back", here)
                .finish();
            format!("/console/lang/{code}?{query}")
        };
        Frame {
            lang: lang.code(),
            t: lang.text(),
            title: String::new(),
            csrf: String::new(),
            signed_in: false,
            section: "",
            channel: None,
            lang_lv_href: back("lv"),
            lang_en_href: back("en"),
            result: None,
        }
    }

    /// Whether the navigation entry `name` is this page's.
    pub fn is(&self, name: &str) -> bool {
        self.section == name
    }
}

/// A posted form (`application/x-www-form-urlencoded`).
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field's value trimmed, `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Whether a check box was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every field whose name starts with `prefix`, with the rest of the name.
    pub fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.0
            .iter()
            .filter_map(move |(k, v)| k.strip_prefix(prefix).map(|rest| (rest, v.as_str())))
    }
}

/// Renders a template as the answer.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be made",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage {
    f: Frame,
    testid: &'static str,
    heading: String,
    text: String,
}

/// A page that says one thing (refusals, errors, notices).
pub fn message(
    f: Frame,
    status: StatusCode,
    testid: &'static str,
    heading: &str,
    text: String,
) -> Response {
    render(
        status,
        &MessagePage {
            f,
            testid,
            heading: heading.to_string(),
            text,
        },
    )
}

/// The console on a deployment without a sign-in for it: closed, saying why.
pub fn not_configured(lang: Lang) -> Response {
    let t = lang.text();
    message(
        Frame::bare(lang, "/console/"),
        StatusCode::SERVICE_UNAVAILABLE,
        "not-configured",
        t.not_configured_title,
        t.not_configured_text.to_string(),
    )
}

#[derive(Template)]
#[template(path = "console/refresh.html")]
struct RefreshPage {
    url: String,
}

/// The query mark of the one self-reload.
const RELOADED: &str = "reloaded=1";

/// Where a request without a session goes: the sign-in form, which comes
/// back here afterwards. A page opened from another site (the shop's
/// approval page sending the owner back) arrives without the `Strict`
/// cookie even when signed in: it gets a page that reloads itself once,
/// from this site, which brings the cookie (the reload is marked, so a
/// browser that still sends no cookie goes on to the sign-in form).
fn to_sign_in(parts: &Parts, here: &str) -> Response {
    let cross_site = parts
        .headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    let reloaded = parts
        .uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == RELOADED));
    if parts.method == Method::GET && cross_site && !reloaded {
        let joiner = if here.contains('?') { '&' } else { '?' };
        let url = format!("{here}{joiner}{RELOADED}");
        return render(StatusCode::OK, &RefreshPage { url });
    }
    let next = if parts.method == Method::GET {
        here
    } else {
        "/console/channels"
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", next)
        .finish();
    Redirect::to(&format!("/console/sign-in?{query}")).into_response()
}

/// Whether cookies may go without `Secure`: only for a request to a
/// loopback host over plain HTTP.
pub fn secure_cookies(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let name = host
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(name, _)| name);
    let loopback = name == "localhost" || name.starts_with("127.") || name == "[::1]";
    let https = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    https || !loopback
}

/// A path inside the console to go on to (never another site).
pub fn inside_console(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with("/console/")
                && !n.contains("//")
                && !n.contains('\\')
                && !n.bytes().any(|b| b.is_ascii_control()) =>
        {
            n
        }
        _ => "/console/channels",
    }
}

/// The headers of every console answer: nothing but the console's own
/// files may load (no inline script or style), no framing, no sniffing,
/// no referrer to other sites, and pages are never cached.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
