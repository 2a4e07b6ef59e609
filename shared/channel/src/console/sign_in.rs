//! Getting in and out: the sign-in form for the admin token (checked by
//! the admin API's own constant-time comparison), sign-out, the language
//! switch, and the console's two static files.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::locale::{lang_cookie, Lang};
use super::page::{
    inside_console, message, not_configured, render, secure_cookies, Form, Frame, Signed,
};
use super::session;
use crate::admin::{AdminAuth, Ctx};

/// `/console/`: the channels (or the sign-in form, for a stranger).
pub async fn home() -> Redirect {
    Redirect::to("/console/channels")
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    f: Frame,
    next: String,
    wrong: bool,
}

pub async fn form(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let lang = Lang::of(&headers);
    if matches!(ctx.cfg.auth, AdminAuth::Iam) {
        return not_configured(lang);
    }
    let next = inside_console(q.get("next").map(String::as_str)).to_string();
    sign_in_page(lang, next, false)
}

fn sign_in_page(lang: Lang, next: String, wrong: bool) -> Response {
    let mut f = Frame::bare(lang, "/console/sign-in");
    f.title = lang.text().sign_in_title.to_string();
    let status = if wrong {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    render(status, &SignInPage { f, next, wrong })
}

/// `POST /console/sign-in`: the admin token → a new session.
pub async fn submit(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = Lang::of(&headers);
    if matches!(ctx.cfg.auth, AdminAuth::Iam) {
        return not_configured(lang);
    }
    let form = Form::parse(&body);
    let next = inside_console(form.get("next")).to_string();
    let token = form.get("token").unwrap_or("").trim();
    if token.is_empty() || !ctx.cfg.auth.allows(Some(&format!("Bearer {token}"))) {
        tracing::warn!("console sign-in refused: wrong admin token");
        return sign_in_page(lang, next, true);
    }
    match session::start(&ctx.app, "admin").await {
        Ok((id, _)) => {
            let cookie = session::cookie(&id, secure_cookies(&headers));
            with_cookie(Redirect::to(&next).into_response(), &cookie)
        }
        Err(e) => message(
            Frame::bare(lang, "/console/sign-in"),
            StatusCode::SERVICE_UNAVAILABLE,
            "error",
            lang.text().error_title,
            e.to_string(),
        ),
    }
}

/// `POST /console/sign-out`: the session ends here and everywhere.
pub async fn sign_out(
    State(ctx): State<Ctx>,
    signed: Signed,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = signed.form(&body) {
        return refused;
    }
    if let Err(e) = session::end(&ctx.app, &headers).await {
        return signed.refusal(&e.into());
    }
    let cookie = session::cleared_cookie(secure_cookies(&headers));
    with_cookie(Redirect::to("/console/sign-in").into_response(), &cookie)
}

/// `GET /console/lang/{lv|en}?back=…`: remembers the language, goes back.
pub async fn switch_language(
    Path(code): Path<String>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let back = inside_console(q.get("back").map(String::as_str));
    let Some(lang) = Lang::parse(&code) else {
        return Redirect::to(back).into_response();
    };
    let cookie = lang_cookie(lang, secure_cookies(&headers));
    with_cookie(Redirect::to(back).into_response(), &cookie)
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

const CSS: &str = include_str!("../../assets/console/console.css");
const JS: &str = include_str!("../../assets/console/console.js");

/// `/console/static/{console.css|console.js}`, cached for a day.
pub async fn static_file(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "console.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
