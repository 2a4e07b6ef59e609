//! The operator console: the channel's screens in a browser, in Latvian and
//! English, served under `/console/` by the admin router (so by the admin
//! Lambda and by `local serve` alike).
//!
//! Server-rendered HTML from askama templates (`templates/console/`,
//! checked when the crate compiles); every form works without JavaScript.
//! One stylesheet and one small script (live sync progress) are compiled
//! into the binary and served under `/console/static/`. Every change goes
//! through the same functions as the admin API's JSON routes, so the
//! console validates nothing on its own.
//!
//! | module       | what it is for                                              |
//! |--------------|-------------------------------------------------------------|
//! | [`text`]     | every word shown, one constant per language                 |
//! | [`locale`]   | which language a request gets; amounts and dates            |
//! | [`session`]  | sign-in sessions in the record store, CSRF tokens           |
//! | `page`       | what every page shares: frame, rendering, refusals, headers |
//! | `sign_in`    | sign-in, sign-out, the language switch, static files        |
//! | [`cognito`]  | the sign-in on AWS: Cognito hosted UI, code flow with PKCE  |
//! | `channels`   | channel list, create (key flow), keys, deactivation         |
//! | `settings`   | the settings form                                           |
//! | `mappings`   | tax and payment mappings, and their check                   |
//! | `inbox`      | the inbox, one order, process / mark handled / reissue      |
//! | `sync`       | sync start, dry run, force, live progress, report, history  |
//!
//! Sign-in: with [`AdminAuth::Bearer`](crate::admin::AdminAuth) (`local`) a
//! form takes the admin token; with `AdminAuth::Iam` (AWS) the stack's
//! Cognito user pool signs people in ([`cognito`]: hosted UI, code flow with
//! PKCE); a deployment without it says sign-in is not configured.

mod channels;
pub mod cognito;
mod inbox;
pub mod locale;
mod mappings;
mod page;
pub mod session;
mod settings;
mod sign_in;
mod sync;
pub mod text;

use axum::http::header::COOKIE;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;

use crate::admin::Ctx;

/// The console's routes (state: the admin router's [`Ctx`]).
pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/console", get(sign_in::home))
        .route("/console/", get(sign_in::home))
        .route("/console/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/console/sign-out", post(sign_in::sign_out))
        .route(cognito::CALLBACK_PATH, get(cognito::callback))
        .route(cognito::SIGNED_OUT_PATH, get(cognito::signed_out))
        .route("/console/lang/{lang}", get(sign_in::switch_language))
        .route("/console/static/{file}", get(sign_in::static_file))
        .route(
            "/console/channels",
            get(channels::list).post(channels::create),
        )
        .route("/console/channels/new", get(channels::new_form))
        .route("/console/channels/{id}", get(channels::overview))
        .route(
            "/console/channels/{id}/activation",
            get(channels::activation_result).post(channels::activation_link),
        )
        .route("/console/channels/{id}/keys", post(channels::manual_keys))
        .route(
            "/console/channels/{id}/deactivate",
            get(channels::deactivate_confirm).post(channels::deactivate),
        )
        .route(
            "/console/channels/{id}/settings",
            get(settings::show).post(settings::save),
        )
        .route(
            "/console/channels/{id}/mappings",
            get(mappings::show).post(mappings::save),
        )
        .route("/console/channels/{id}/orders", get(inbox::list))
        .route("/console/channels/{id}/orders/{key}", get(inbox::order))
        .route(
            "/console/channels/{id}/orders/{key}/confirm/{action}",
            get(inbox::confirm),
        )
        .route(
            "/console/channels/{id}/orders/{key}/{action}",
            post(inbox::act),
        )
        .route(
            "/console/channels/{id}/sync",
            get(sync::show).post(sync::start),
        )
        .route("/console/channels/{id}/sync/{run}", get(sync::run))
        .route(
            "/console/channels/{id}/sync/{run}/progress",
            get(sync::progress),
        )
        .layer(axum::middleware::map_response(page::security_headers))
}

/// The value of one cookie of the request.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}
