//! Sync runs as jobs: [`start_run`] queues one (admin API, `local`),
//! [`daily_fan_out`] queues one per channel with daily sync on (the
//! schedule), [`run_job`] runs or resumes one (the sync queue's consumer).
//!
//! A run is owned by one worker at a time through its lease
//! (`SyncRun.lease_until`, taken with the store's version check, renewed
//! every third of the lease while both sides are read and with every
//! checkpoint while writing). A save that meets another version means
//! another worker took the run over: this one stops at once
//! ([`Error::LeaseLost`]) and writes nothing more. A run that stops
//! half-way (timeout, crash, a request worth retrying) stays `running` with
//! its checkpoint; the next delivery of its message, or a new call, resumes
//! it.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::time::{Instant, MissedTickBehavior};

use super::checkpoint::Checkpoint;
use super::execute::send_batch;
use super::guard;
use super::plan::{plan, PlanOptions};
use super::read::{read_both, SourceQuery};
use super::report::Report;
use super::SyncOptions;
use crate::accounting::Accounting;
use crate::model::{Channel, SyncRun, SyncStatus};
use crate::queue::Message;
use crate::shop::Shop;
use crate::store::StoreError;
use crate::{App, Error, Result};

/// Body of a message on the sync queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobMessage {
    pub channel_id: String,
    pub run_id: String,
}

/// Creates a queued run for an active channel and sends its job.
pub async fn start_run(app: &App, channel_id: &str, dry_run: bool, force: bool) -> Result<SyncRun> {
    let channel = active_channel(app, channel_id).await?;
    let run = queue_run(app, &channel, dry_run, force, None).await?;
    Ok(run)
}

/// Queues today's run of every active channel with daily sync on; returns
/// the ids of the channels queued. A channel already queued today (by an
/// earlier fan-out) is not queued again.
pub async fn daily_fan_out(app: &App) -> Result<Vec<String>> {
    let today = Utc::now().date_naive().to_string();
    let mut queued = Vec::new();
    for channel in app.repo.all_channels().await? {
        if !channel.is_active() || !channel.settings.daily_sync {
            continue;
        }
        let marker: Option<String> = app.repo.get_cached(&channel.id, DAILY_MARKER).await?;
        if marker.as_deref() == Some(today.as_str()) {
            continue;
        }
        let dedup = format!("{}-{today}", channel.id);
        queue_run(app, &channel, false, false, Some(dedup)).await?;
        app.repo
            .put_cached(&channel.id, DAILY_MARKER, &today)
            .await?;
        queued.push(channel.id);
    }
    Ok(queued)
}

const DAILY_MARKER: &str = "sync-daily";

async fn active_channel(app: &App, channel_id: &str) -> Result<Channel> {
    let channel = app
        .repo
        .get_channel(channel_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("channel {channel_id}")))?;
    if !channel.is_active() {
        return Err(Error::Invalid(format!(
            "channel {channel_id} is not active"
        )));
    }
    Ok(channel)
}

async fn queue_run(
    app: &App,
    channel: &Channel,
    dry_run: bool,
    force: bool,
    dedup_id: Option<String>,
) -> Result<SyncRun> {
    let mut run = SyncRun {
        channel_id: channel.id.clone(),
        run_id: uuid::Uuid::now_v7().to_string(),
        status: SyncStatus::Queued,
        dry_run,
        force,
        checkpoint: None,
        report: None,
        error: None,
        lease_until: None,
        started_at: Utc::now(),
        finished_at: None,
        version: 0,
    };
    app.repo.save_sync_run(&mut run).await?;
    let body = serde_json::to_string(&JobMessage {
        channel_id: run.channel_id.clone(),
        run_id: run.run_id.clone(),
    })
    .map_err(|e| Error::Invalid(format!("job message: {e}")))?;
    app.sync_jobs
        .send(Message {
            group: channel.id.clone(),
            dedup_id: dedup_id.unwrap_or_else(|| run.run_id.clone()),
            body,
        })
        .await?;
    Ok(run)
}

/// Runs or resumes a run with the options from the environment.
pub async fn run_job(app: &App, channel_id: &str, run_id: &str) -> Result<SyncRun> {
    run_job_with(app, channel_id, run_id, &SyncOptions::from_env()).await
}

/// Runs or resumes a run. Returns the run as it ends up:
/// - finished (`succeeded`, `refused`, `failed`) runs are returned as they are;
/// - a run leased by another worker is returned still `running` (the caller
///   tries again later);
/// - `Err` when the run stopped on something worth retrying; its checkpoint
///   is saved and the next call resumes it.
pub async fn run_job_with(
    app: &App,
    channel_id: &str,
    run_id: &str,
    opts: &SyncOptions,
) -> Result<SyncRun> {
    let mut run = app
        .repo
        .get_sync_run(channel_id, run_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("sync run {run_id} of channel {channel_id}")))?;
    if is_finished(run.status) || leased_by_other(&run, Utc::now()) {
        return Ok(run);
    }
    run.status = SyncStatus::Running;
    run.lease_until = Some(lease_end(opts));
    run.error = None;
    match app.repo.save_sync_run(&mut run).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return reread(app, channel_id, run_id).await,
        Err(e) => return Err(e.into()),
    }
    let mut cp = Checkpoint::from_json(run.checkpoint.as_ref());
    cp.invocations += 1;
    match work(app, &mut run, &mut cp, opts).await {
        // The run is someone else's now: leave its record alone.
        Err(e @ Error::LeaseLost(_)) => {
            tracing::warn!(channel_id, run_id, error = %e, "sync run taken over by another worker");
            Err(e)
        }
        Ok(report) => {
            run.status = if report.refused.is_some() {
                SyncStatus::Refused
            } else {
                SyncStatus::Succeeded
            };
            run.report = Some(report.to_stored());
            finish(app, run, cp).await
        }
        Err(e) if is_retryable(&e) => {
            run.error = Some(e.to_string());
            run.lease_until = None;
            run.checkpoint = Some(cp.to_json());
            // The run stays `running`: the next delivery resumes it.
            app.repo.save_sync_run(&mut run).await?;
            Err(e)
        }
        Err(e) => {
            run.status = SyncStatus::Failed;
            run.error = Some(e.to_string());
            finish(app, run, cp).await
        }
    }
}

async fn finish(app: &App, mut run: SyncRun, cp: Checkpoint) -> Result<SyncRun> {
    run.lease_until = None;
    run.finished_at = Some(Utc::now());
    run.checkpoint = Some(cp.to_json());
    app.repo.save_sync_run(&mut run).await?;
    if run.status == SyncStatus::Succeeded && !run.dry_run {
        note_last_sync(app, &run.channel_id).await;
    }
    Ok(run)
}

/// Best effort: the channel's `health.last_sync_at`; a lost race is harmless.
async fn note_last_sync(app: &App, channel_id: &str) {
    if let Ok(Some(mut channel)) = app.repo.get_channel(channel_id).await {
        channel.health.last_sync_at = Some(Utc::now());
        if let Err(e) = app.repo.save_channel(&mut channel).await {
            tracing::warn!(channel_id, error = %e, "could not note the last sync time");
        }
    }
}

async fn reread(app: &App, channel_id: &str, run_id: &str) -> Result<SyncRun> {
    app.repo
        .get_sync_run(channel_id, run_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("sync run {run_id} of channel {channel_id}")))
}

fn is_finished(status: SyncStatus) -> bool {
    matches!(
        status,
        SyncStatus::Succeeded | SyncStatus::Refused | SyncStatus::Failed
    )
}

fn leased_by_other(run: &SyncRun, now: DateTime<Utc>) -> bool {
    run.status == SyncStatus::Running && run.lease_until.is_some_and(|t| t > now)
}

fn lease_end(opts: &SyncOptions) -> DateTime<Utc> {
    Utc::now()
        + chrono::Duration::from_std(opts.lease).unwrap_or_else(|_| chrono::Duration::minutes(5))
}

/// Whether the job should stop and be resumed rather than fail for good.
fn is_retryable(e: &Error) -> bool {
    match e {
        Error::WooCommerce(e) => e.is_retryable(),
        Error::Paytraq(e) => e.is_retryable(),
        Error::Store(StoreError::Corrupt(..)) => false,
        Error::Store(_) | Error::Queue(_) | Error::Secrets(_) => true,
        Error::Config(_) | Error::NotFound(_) | Error::Invalid(_) => false,
        // Handled before: the run goes on in the other worker.
        Error::LeaseLost(_) => false,
    }
}

/// Awaits `read` while renewing the run's lease every third of the lease,
/// so a long read (PayTraq's pace) does not let another worker take the run
/// over. A renewal that finds the run changed stops the read
/// ([`Error::LeaseLost`]); nothing has been written by then.
async fn under_lease<T>(
    app: &App,
    run: &mut SyncRun,
    opts: &SyncOptions,
    read: impl Future<Output = Result<T>>,
) -> Result<T> {
    let every = (opts.lease / 3).max(Duration::from_millis(1));
    let mut renewals = tokio::time::interval_at(Instant::now() + every, every);
    renewals.set_missed_tick_behavior(MissedTickBehavior::Delay);
    tokio::pin!(read);
    loop {
        tokio::select! {
            biased;
            out = &mut read => return out,
            _ = renewals.tick() => {
                run.lease_until = Some(lease_end(opts));
                save_owned(app, run).await?;
            }
        }
    }
}

/// Saves the run this worker holds; a version conflict means another
/// worker took it over.
async fn save_owned(app: &App, run: &mut SyncRun) -> Result<()> {
    match app.repo.save_sync_run(run).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(Error::LeaseLost(format!(
            "sync run {} of channel {} was taken over by another worker; this one stopped without writing more",
            run.run_id, run.channel_id
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Reads, plans, guards and writes; returns the final report.
async fn work(
    app: &App,
    run: &mut SyncRun,
    cp: &mut Checkpoint,
    opts: &SyncOptions,
) -> Result<Report> {
    let channel = app
        .repo
        .get_channel(&run.channel_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("channel {}", run.channel_id)))?;
    let settings = &channel.settings;
    let warehouse_id = chosen("warehouse", settings.warehouse_id)?.get();
    let price_group_id = if settings.sync_prices {
        Some(chosen("price group", settings.price_group_id)?.get())
    } else {
        None
    };
    let woo = app.shop(&channel).await?;
    let pt = app.accounting(&channel).await?;
    let before = requests(&*woo, &*pt);
    let result = plan_and_apply(
        app,
        run,
        cp,
        opts,
        &*woo,
        &*pt,
        warehouse_id,
        price_group_id,
        settings.sync_prices_without_stock_management,
    )
    .await;
    cp.add_requests(&since(before, requests(&*woo, &*pt)));
    let mut report = result?;
    report.requests = cp.requests.clone();
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn plan_and_apply(
    app: &App,
    run: &mut SyncRun,
    cp: &mut Checkpoint,
    opts: &SyncOptions,
    woo: &dyn Shop,
    pt: &dyn Accounting,
    warehouse_id: u64,
    price_group_id: Option<u64>,
    prices_without_stock_management: bool,
) -> Result<Report> {
    let read = async {
        let (decimals, include_tax) = match price_group_id {
            Some(_) => {
                let s = woo.store_settings().await?;
                (s.price_num_decimals, s.prices_include_tax)
            }
            None => (2, false),
        };
        let query = SourceQuery {
            warehouse_id,
            price_group_id,
            prices_include_tax: include_tax,
        };
        let (source, shop) = read_both(pt, woo, query, opts.read_concurrency).await?;
        Ok((decimals, source, shop))
    };
    let (decimals, source, shop) = under_lease(app, run, opts, read).await?;
    let plan_opts = PlanOptions {
        sync_prices: price_group_id.is_some(),
        prices_without_stock_management,
        price_decimals: decimals,
    };
    let plan = plan(&source, &shop, plan_opts, &cp.failed_ids());
    drop((source, shop));
    let mut report = plan.report.clone();
    report.dry_run = run.dry_run;
    report.planned_count = plan.change_count();
    if run.dry_run {
        report.planned = plan.changes().cloned().collect();
        if let Err(refusal) = guard::check(&plan, opts.max_zero_share) {
            report.refused = (!run.force).then(|| refusal.to_string());
        }
        report.finish();
        return Ok(report);
    }
    if !cp.guard_passed && !run.force {
        if let Err(refusal) = guard::check(&plan, opts.max_zero_share) {
            report.refused = Some(refusal.to_string());
            report.planned = plan.changes().cloned().collect();
            report.finish();
            return Ok(report);
        }
    }
    cp.guard_passed = true;
    let written_before = cp.updated;
    for batch in &plan.batches {
        send_batch(woo, batch, cp).await?;
        run.checkpoint = Some(cp.to_json());
        run.lease_until = Some(lease_end(opts));
        save_owned(app, run).await?;
    }
    // Items written by earlier invocations of this run agree now and were
    // planned as unchanged: they count as updated.
    report.unchanged = report.unchanged.saturating_sub(written_before);
    report.updated = cp.updated;
    report.updated_stock = cp.updated_stock.clone();
    report.updated_price = cp.updated_price.clone();
    report.updated_stock_count = cp.updated_stock_count;
    report.updated_price_count = cp.updated_price_count;
    report.errors = cp.errors.clone();
    report.finish();
    Ok(report)
}

/// The id a setting holds, or why the sync cannot run without it.
fn chosen<T>(what: &str, id: Option<T>) -> Result<T> {
    id.ok_or_else(|| Error::Config(format!("no PayTraq {what} chosen in the channel settings")))
}

/// Requests sent so far by `side.endpoint`: the shop's catalogue
/// endpoints and every PayTraq call.
fn requests(woo: &dyn Shop, pt: &dyn Accounting) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (name, n) in woo.request_counts() {
        if matches!(name.as_str(), "products" | "variations" | "settings") {
            out.insert(format!("woocommerce.{name}"), n);
        }
    }
    for (name, n) in pt.request_counts() {
        out.insert(format!("paytraq.{name}"), n);
    }
    out
}

/// The requests of this invocation: counts grown since `before` (a port
/// handed out for this invocation only starts from nothing).
fn since(before: BTreeMap<String, u64>, after: BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .into_iter()
        .map(|(name, n)| {
            let grown = n.saturating_sub(before.get(&name).copied().unwrap_or(0));
            (name, grown)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}
