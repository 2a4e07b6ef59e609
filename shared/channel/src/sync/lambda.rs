//! The stock-sync function's event handling, kept here so `local` and the
//! tests run the same code as the Lambda. Two kinds of events arrive, told
//! apart by shape:
//! - the EventBridge Scheduler's `{"job": "daily_sync"}` (also accepted
//!   inside an EventBridge envelope's `detail`) → [`daily_fan_out`];
//! - an SQS batch from the sync queue (`Records[].eventSource ==
//!   "aws:sqs"`) → [`run_job`] per record, answered with
//!   `batchItemFailures` so only failed or unfinished jobs come back.

use serde_json::{json, Value};

use super::job::{daily_fan_out, run_job, JobMessage};
use crate::model::SyncStatus;
use crate::{App, Error, Result};

/// What an incoming event is.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncEvent {
    DailySync,
    /// `(messageId, body)` of each SQS record.
    Jobs(Vec<(String, String)>),
}

/// Tells the event kind by its shape.
pub fn classify(event: &Value) -> Result<SyncEvent> {
    if let Some(records) = event.get("Records").and_then(Value::as_array) {
        let mut jobs = Vec::with_capacity(records.len());
        for r in records {
            let source = r.get("eventSource").and_then(Value::as_str);
            if source != Some("aws:sqs") {
                return Err(Error::Invalid("a record that is not from SQS".into()));
            }
            let id = r
                .get("messageId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let body = r.get("body").and_then(Value::as_str).unwrap_or_default();
            jobs.push((id.to_owned(), body.to_owned()));
        }
        return Ok(SyncEvent::Jobs(jobs));
    }
    let job = event
        .get("job")
        .or_else(|| event.get("detail").and_then(|d| d.get("job")))
        .and_then(Value::as_str);
    match job {
        Some("daily_sync") => Ok(SyncEvent::DailySync),
        Some(other) => Err(Error::Invalid(format!("unknown scheduled job {other:?}"))),
        None => Err(Error::Invalid(
            "neither a schedule event nor an SQS batch".into(),
        )),
    }
}

/// Handles one invocation; the returned JSON is the function's answer.
pub async fn handle(app: &App, event: &Value) -> Result<Value> {
    match classify(event)? {
        SyncEvent::DailySync => {
            let queued = daily_fan_out(app).await?;
            tracing::info!(channels = queued.len(), "daily sync queued");
            Ok(json!({ "queued": queued }))
        }
        SyncEvent::Jobs(jobs) => {
            let mut failures = Vec::new();
            for (message_id, body) in jobs {
                if !run_record(app, &body).await {
                    failures.push(json!({ "itemIdentifier": message_id }));
                }
            }
            Ok(json!({ "batchItemFailures": failures }))
        }
    }
}

/// Runs one job; `false` when its message should come back (the run
/// stopped on something worth retrying, or another worker holds it).
/// A body that is not a job can never succeed and is dropped with a log.
async fn run_record(app: &App, body: &str) -> bool {
    let msg: JobMessage = match serde_json::from_str(body) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "sync queue message is not a job; dropped");
            return true;
        }
    };
    match run_job(app, &msg.channel_id, &msg.run_id).await {
        Ok(run) if run.status == SyncStatus::Running => {
            tracing::info!(channel_id = %msg.channel_id, run_id = %msg.run_id, "run held by another worker; retry later");
            false
        }
        Ok(run) => {
            tracing::info!(channel_id = %msg.channel_id, run_id = %msg.run_id, status = ?run.status, "sync run finished");
            true
        }
        Err(Error::NotFound(what)) => {
            tracing::error!(channel_id = %msg.channel_id, run_id = %msg.run_id, %what, "sync job for a missing run; dropped");
            true
        }
        Err(e) => {
            tracing::warn!(channel_id = %msg.channel_id, run_id = %msg.run_id, error = %e, "sync run interrupted; will resume");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_and_sqs_events_are_told_apart_by_shape() {
        assert_eq!(
            classify(&json!({"job": "daily_sync"})).unwrap(),
            SyncEvent::DailySync
        );
        assert_eq!(
            classify(&json!({"detail-type": "Scheduled Event", "detail": {"job": "daily_sync"}}))
                .unwrap(),
            SyncEvent::DailySync
        );
        let sqs = json!({"Records": [{"messageId": "m1", "eventSource": "aws:sqs", "body": "{\"channel_id\":\"c\",\"run_id\":\"r\"}"}]});
        assert_eq!(
            classify(&sqs).unwrap(),
            SyncEvent::Jobs(vec![(
                "m1".into(),
                "{\"channel_id\":\"c\",\"run_id\":\"r\"}".into()
            )])
        );
        assert!(classify(&json!({"job": "other"})).is_err());
        assert!(classify(&json!({"hello": 1})).is_err());
        assert!(classify(&json!({"Records": [{"eventSource": "aws:s3"}]})).is_err());
    }
}
