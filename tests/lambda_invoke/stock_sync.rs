//! The `stock-sync` binary: the daily schedule sample fans out a job per
//! active channel (a run in the table, a message on the sync queue); the
//! sync-queue sample for a run the table does not hold is dropped; the job
//! the schedule queued, with PayTraq unreachable, comes back as a batch item
//! failure and its run keeps the error for the next delivery.

use channel::model::SyncStatus;
use serde_json::Value;

use super::{event, invoke, Harness, CHANNEL};

fn failures(answer: &Value) -> Vec<&str> {
    answer["batchItemFailures"]
        .as_array()
        .expect("batchItemFailures")
        .iter()
        .filter_map(|f| f["itemIdentifier"].as_str())
        .collect()
}

#[tokio::test]
async fn stock_sync_binary_fans_out_the_daily_schedule_and_runs_the_queued_job() {
    let h = Harness::new(&[("PaytraqBaseUrl", "http://127.0.0.1:9")]).await;
    h.demo_channel().await;
    h.app
        .repo
        .update_channel(CHANNEL, |c| {
            c.settings.daily_sync = true;
            c.settings.warehouse_id = Some(testkit::id(1));
        })
        .await
        .expect("update channel");
    let function = h.start("stock-sync").await;

    let answer = invoke(&function, &event("schedule-daily-sync.json")).await;
    assert_eq!(answer["queued"], serde_json::json!([CHANNEL]));
    let runs = h
        .app
        .repo
        .list_sync_runs(CHANNEL, None, 10)
        .await
        .expect("read")
        .items;
    assert_eq!(runs.len(), 1, "one run recorded");
    assert_eq!(runs[0].status, SyncStatus::Queued);
    let queued = h.drain("SyncQueue").await;
    assert_eq!(queued.len(), 1, "one job on the sync queue");
    let job: channel::sync::JobMessage =
        serde_json::from_str(&queued[0].message.body).expect("job message");
    assert_eq!(job.run_id, runs[0].run_id);

    // The sample names a run this table does not hold: dropped, not retried.
    let sample = event("sqs-sync-job.json");
    assert!(failures(&invoke(&function, &sample).await).is_empty());

    let mut real = sample.clone();
    real["Records"][0]["body"] = queued[0].message.body.clone().into();
    let id = real["Records"][0]["messageId"]
        .as_str()
        .expect("id")
        .to_string();
    let answer = invoke(&function, &real).await;
    let run = h
        .app
        .repo
        .get_sync_run(CHANNEL, &job.run_id)
        .await
        .expect("read")
        .expect("run");
    assert_eq!(
        failures(&answer),
        [id.as_str()],
        "the job comes back: {run:?}"
    );
    assert_eq!(
        run.status,
        SyncStatus::Running,
        "resumable: {:?}",
        run.error
    );
    assert!(run.error.is_some(), "the reason is kept on the run");
}
