//! A stock/price sync run of one channel: status, resumable checkpoint, report.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    Queued,
    Running,
    Succeeded,
    Refused,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SyncRun {
    pub channel_id: String,
    /// Time-ordered id (UUID v7), so runs list newest-last by key.
    pub run_id: String,
    pub status: SyncStatus,
    pub dry_run: bool,
    pub force: bool,
    /// Opaque progress marker of the sync job (what has been written so far).
    pub checkpoint: Option<serde_json::Value>,
    /// The report, once there is one (JSON shape owned by the sync module).
    pub report: Option<serde_json::Value>,
    pub error: Option<String>,
    /// Lease: a worker owns the run until this instant.
    pub lease_until: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub version: u64,
}
