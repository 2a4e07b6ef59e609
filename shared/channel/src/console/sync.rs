//! Stock sync: the Sync button ("Sinhronizēt") and the dry run, the runs
//! so far, and one run's page — live progress while it goes on (the
//! console's script polls the progress JSON and reloads when it ends), then
//! its report; a run the mass-zero guard refused is explained, with a
//! confirmed "sync anyway" (a forced run). Runs start through
//! `sync::start_run`, as the admin API starts them.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Redirect, Response};
use serde::Serialize;

use super::locale::Lang;
use super::page::{render, Flash, Frame, Signed};
use super::text::Text;
use crate::admin::routes;
use crate::admin::{ApiError, Ctx};
use crate::model::{Channel, SyncRun, SyncStatus};
use crate::store::Direction;
use crate::sync::checkpoint::Checkpoint;
use crate::sync::report::Report;

/// Runs listed on the sync page.
const HISTORY: usize = 20;

fn status_label(t: &Text, status: SyncStatus) -> &'static str {
    match status {
        SyncStatus::Queued => t.ss_queued,
        SyncStatus::Running => t.ss_running,
        SyncStatus::Succeeded => t.ss_succeeded,
        SyncStatus::Refused => t.ss_refused,
        SyncStatus::Failed => t.ss_failed,
    }
}

fn status_code(status: SyncStatus) -> &'static str {
    match status {
        SyncStatus::Queued => "queued",
        SyncStatus::Running => "running",
        SyncStatus::Succeeded => "succeeded",
        SyncStatus::Refused => "refused",
        SyncStatus::Failed => "failed",
    }
}

fn finished(status: SyncStatus) -> bool {
    matches!(
        status,
        SyncStatus::Succeeded | SyncStatus::Refused | SyncStatus::Failed
    )
}

/// A run as listed.
pub struct RunRow {
    pub run_id: String,
    pub started: String,
    pub finished: String,
    pub kind: String,
    pub status: &'static str,
    pub status_label: &'static str,
}

impl RunRow {
    fn of(lang: Lang, run: &SyncRun) -> Self {
        let t = lang.text();
        let mut kind = if run.dry_run { t.kind_dry } else { t.kind_real }.to_string();
        if run.force {
            kind = format!("{kind}, {}", t.kind_forced);
        }
        Self {
            run_id: run.run_id.clone(),
            started: lang.datetime(run.started_at),
            finished: run
                .finished_at
                .map(|f| lang.datetime(f))
                .unwrap_or_default(),
            kind,
            status: status_code(run.status),
            status_label: status_label(t, run.status),
        }
    }
}

#[derive(Template)]
#[template(path = "console/sync.html")]
struct SyncPage {
    f: Frame,
    channel_id: String,
    runs: Vec<RunRow>,
    can_sync: bool,
}

pub async fn show(State(ctx): State<Ctx>, signed: Signed, Path(id): Path<String>) -> Response {
    let ch = match routes::channel(&ctx, &id).await {
        Ok(ch) => ch,
        Err(e) => return signed.refusal(&e),
    };
    sync_page(&ctx, &signed, &ch, None, StatusCode::OK).await
}

async fn sync_page(
    ctx: &Ctx,
    signed: &Signed,
    ch: &Channel,
    result: Option<Flash>,
    status: StatusCode,
) -> Response {
    let runs = match ctx
        .app
        .repo
        .list_sync_runs_in(&ch.id, Direction::Descending, None, HISTORY)
        .await
    {
        Ok(page) => page.items,
        Err(e) => return signed.refusal(&e.into()),
    };
    let t = signed.lang.text();
    let mut f = signed.frame(t.sync_title, "sync", Some(ch));
    f.result = result;
    let page = SyncPage {
        f,
        channel_id: ch.id.clone(),
        runs: runs.iter().map(|r| RunRow::of(signed.lang, r)).collect(),
        can_sync: ch.is_active(),
    };
    render(status, &page)
}

/// `POST …/sync`: a run (`dry_run`, `force` as check boxes or buttons) →
/// its page.
pub async fn start(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = match signed.form(&body) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let started = async {
        let ch = routes::channel(&ctx, &id).await?;
        let run = crate::sync::start_run(
            &ctx.app,
            &id,
            form.checked("dry_run"),
            form.checked("force"),
        )
        .await
        .map_err(ApiError::from);
        Ok::<_, ApiError>((ch, run))
    }
    .await;
    match started {
        Ok((_, Ok(run))) => {
            Redirect::to(&format!("/console/channels/{id}/sync/{}", run.run_id)).into_response()
        }
        Ok((ch, Err(e))) => {
            let t = signed.lang.text();
            sync_page(&ctx, &signed, &ch, Flash::error(t, &e), e.status()).await
        }
        Err(e) => signed.refusal(&e),
    }
}

/// One figure of a report.
pub struct Figure {
    /// The report count it is (`updated`, `only_in_shop`, …).
    pub name: &'static str,
    pub label: &'static str,
    pub value: usize,
    /// The SKUs behind it, as far as the stored report lists them.
    pub skus: String,
}

#[derive(Template)]
#[template(path = "console/run.html")]
struct RunPage {
    f: Frame,
    channel_id: String,
    run: RunRow,
    finished: bool,
    batches: u64,
    written: usize,
    figures: Vec<Figure>,
    refused: String,
    error: String,
    errors: Vec<String>,
    dry_run: bool,
}

async fn run_of(ctx: &Ctx, id: &str, run_id: &str) -> Result<(Channel, SyncRun), ApiError> {
    let ch = routes::channel(ctx, id).await?;
    if !crate::model::is_path_id(run_id) {
        return Err(ApiError::NotFound(format!("sync run {run_id}")));
    }
    let run = ctx
        .app
        .repo
        .get_sync_run(id, run_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("sync run {run_id}")))?;
    Ok((ch, run))
}

pub async fn run(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path((id, run_id)): Path<(String, String)>,
) -> Response {
    let (ch, run) = match run_of(&ctx, &id, &run_id).await {
        Ok(found) => found,
        Err(e) => return signed.refusal(&e),
    };
    let lang = signed.lang;
    let t = lang.text();
    let cp = Checkpoint::from_json(run.checkpoint.as_ref());
    let report = run.report.as_ref().and_then(Report::from_stored);
    let figures = report.as_ref().map(|r| figures(t, r)).unwrap_or_default();
    let f = signed.frame(t.run_title, "sync", Some(&ch));
    let page = RunPage {
        f,
        channel_id: ch.id.clone(),
        finished: finished(run.status),
        batches: cp.batches_done,
        written: cp.updated,
        figures,
        refused: report
            .as_ref()
            .and_then(|r| r.refused.clone())
            .unwrap_or_default(),
        error: run.error.clone().unwrap_or_default(),
        errors: report
            .as_ref()
            .map(|r| {
                r.errors
                    .iter()
                    .map(|e| format!("{} ({}): {}", e.sku, e.code, e.message))
                    .collect()
            })
            .unwrap_or_default(),
        dry_run: run.dry_run,
        run: RunRow::of(lang, &run),
    };
    render(StatusCode::OK, &page)
}

fn figures(t: &Text, r: &Report) -> Vec<Figure> {
    let c = &r.counts;
    let list = |skus: &[String]| skus.join(", ");
    vec![
        Figure {
            name: "planned",
            label: t.report_planned,
            value: c.planned,
            skus: String::new(),
        },
        Figure {
            name: "updated",
            label: t.report_updated,
            value: c.updated,
            skus: list(&r.updated_stock),
        },
        Figure {
            name: "unchanged",
            label: t.report_unchanged,
            value: c.unchanged,
            skus: String::new(),
        },
        Figure {
            name: "skipped_unmanaged",
            label: t.report_unmanaged,
            value: c.skipped_unmanaged,
            skus: list(&r.skipped_unmanaged),
        },
        Figure {
            name: "parent_managed",
            label: t.report_parent,
            value: c.parent_managed,
            skus: list(&r.parent_managed),
        },
        Figure {
            name: "without_price",
            label: t.report_no_price,
            value: c.without_price,
            skus: list(&r.without_price),
        },
        Figure {
            name: "only_in_shop",
            label: t.report_only_shop,
            value: c.only_in_shop,
            skus: list(&r.only_in_shop),
        },
        Figure {
            name: "only_in_paytraq",
            label: t.report_only_paytraq,
            value: c.only_in_paytraq,
            skus: list(&r.only_in_paytraq),
        },
        Figure {
            name: "errors",
            label: t.report_errors,
            value: c.errors,
            skus: String::new(),
        },
    ]
}

/// The progress the page's script polls.
#[derive(Serialize)]
pub struct Progress {
    pub status: &'static str,
    pub status_label: &'static str,
    pub batches_done: u64,
    pub updated: usize,
    pub finished: bool,
}

pub async fn progress(
    State(ctx): State<Ctx>,
    signed: Signed,
    Path((id, run_id)): Path<(String, String)>,
) -> Response {
    match run_of(&ctx, &id, &run_id).await {
        Ok((_, run)) => {
            let cp = Checkpoint::from_json(run.checkpoint.as_ref());
            Json(Progress {
                status: status_code(run.status),
                status_label: status_label(signed.lang.text(), run.status),
                batches_done: cp.batches_done,
                updated: cp.updated,
                finished: finished(run.status),
            })
            .into_response()
        }
        Err(e) => (
            e.status(),
            Json(serde_json::json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}
