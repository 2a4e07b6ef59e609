//! One function instance as Lambda runs it: the built binary started as a
//! child process with the Lambda environment (`AWS_LAMBDA_RUNTIME_API`
//! pointing at our [`RuntimeApi`], the standard `AWS_LAMBDA_*` variables,
//! region and credentials, and the function's own variables), nothing
//! inherited from the test process. It measures the init duration (spawn →
//! first `/next`) and reads the peak resident memory (`VmHWM`) from
//! `/proc/<pid>/status`; everything the function writes is kept as its log.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Bytes;

use super::runtime_api::{Answer, RuntimeApi};

/// How long init may take before the start counts as failed.
const INIT_LIMIT: Duration = Duration::from_secs(30);

/// What to start, and with which environment.
#[derive(Clone, Debug)]
pub struct FunctionSpec {
    /// The function's name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub name: String,
    /// The bootstrap binary.
    pub binary: PathBuf,
    /// `MemorySize` in MB (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
    pub memory_mb: u32,
    /// `Timeout`: each invocation's deadline.
    pub timeout: Duration,
    /// `AWS_REGION`.
    pub region: String,
    /// The function's own variables (template `Environment.Variables`,
    /// resolved) and any the caller adds (credentials, endpoint override,
    /// log settings); these win over the standard ones.
    pub env: BTreeMap<String, String>,
}

/// A started function instance.
pub struct LambdaFunction {
    spec: FunctionSpec,
    child: Child,
    api: RuntimeApi,
    init: Duration,
    log: Arc<Mutex<Vec<u8>>>,
}

impl LambdaFunction {
    /// Starts the binary and waits until its init is over (its first
    /// `/next`). An init error, an exit or a hang is an error that carries
    /// the function's log.
    pub async fn start(spec: FunctionSpec) -> anyhow::Result<Self> {
        let arn = format!(
            "arn:aws:lambda:{}:123456789012:function:{}",
            spec.region, spec.name
        );
        let api = RuntimeApi::start(arn).await?;
        let mut command = Command::new(&spec.binary);
        command
            .env_clear()
            .envs(standard_env(&spec, &api.address()))
            .envs(&spec.env)
            .current_dir(task_root(&spec.binary))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let spawned = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", spec.binary.display()))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = log.clone();
            std::thread::spawn(move || copy_into(stream, &log));
        }
        let mut function = Self {
            spec,
            child,
            api,
            init: Duration::ZERO,
            log,
        };
        function.init = function.wait_for_init(spawned).await?;
        Ok(function)
    }

    async fn wait_for_init(&mut self, spawned: Instant) -> anyhow::Result<Duration> {
        loop {
            if let Some(at) = self.api.first_next() {
                return Ok(at.duration_since(spawned));
            }
            if let Some(body) = self.api.init_error() {
                anyhow::bail!(
                    "{} reported an init error: {}\nlog:\n{}",
                    self.spec.name,
                    String::from_utf8_lossy(&body),
                    self.log()
                );
            }
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!(
                    "{} exited during init ({status})\nlog:\n{}",
                    self.spec.name,
                    self.log()
                );
            }
            if spawned.elapsed() > INIT_LIMIT {
                anyhow::bail!(
                    "{} did not finish init in {INIT_LIMIT:?}\nlog:\n{}",
                    self.spec.name,
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    /// Spawn → first `/next`: Lambda's "Init Duration" (plus the exec).
    pub fn init_duration(&self) -> Duration {
        self.init
    }

    /// Peak resident memory so far, in KiB (`VmHWM`), what Lambda reports
    /// as "Max Memory Used".
    pub fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmHWM in /proc/<pid>/status")
    }

    /// Invokes the function with `event` and returns its answer; the wait is
    /// bounded by the function's timeout (plus a margin for the emulator).
    pub async fn invoke(&self, event: &[u8]) -> anyhow::Result<Answer> {
        let call = self
            .api
            .invoke(Bytes::copy_from_slice(event), self.spec.timeout);
        let limit = self.spec.timeout + Duration::from_secs(5);
        match tokio::time::timeout(limit, call).await {
            Ok(answer) => answer,
            Err(_) => anyhow::bail!(
                "{} gave no answer within {limit:?}\nlog:\n{}",
                self.spec.name,
                self.log()
            ),
        }
    }

    /// Invokes with a JSON event and reads a JSON response; a handler error
    /// is an error carrying its body and the log.
    pub async fn invoke_json(
        &self,
        event: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        match self.invoke(&serde_json::to_vec(event)?).await? {
            Answer::Response(body) => Ok(serde_json::from_slice(&body)?),
            Answer::Error { error_type, body } => anyhow::bail!(
                "{} failed ({error_type:?}): {}\nlog:\n{}",
                self.spec.name,
                String::from_utf8_lossy(&body),
                self.log()
            ),
        }
    }

    /// Everything the function wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&log).into_owned()
    }

    /// Ends the instance (Lambda's shutdown of an idle environment); so
    /// does dropping it.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for LambdaFunction {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The variables Lambda sets for every function (provided.al2023).
fn standard_env(spec: &FunctionSpec, runtime_api: &str) -> BTreeMap<String, String> {
    let root = task_root(&spec.binary).display().to_string();
    [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", spec.name.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            spec.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", spec.name),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]local".to_string(),
        ),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
        (
            "AWS_EXECUTION_ENV",
            "AWS_Lambda_provided.al2023".to_string(),
        ),
        ("AWS_REGION", spec.region.clone()),
        ("AWS_DEFAULT_REGION", spec.region.clone()),
        ("LAMBDA_TASK_ROOT", root.clone()),
        ("LAMBDA_RUNTIME_DIR", root),
        ("_HANDLER", "bootstrap".to_string()),
        ("TZ", ":UTC".to_string()),
        ("LANG", "en_US.UTF-8".to_string()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn task_root(binary: &Path) -> PathBuf {
    binary
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn copy_into(mut stream: Box<dyn Read + Send>, log: &Mutex<Vec<u8>>) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            return;
        }
        log.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(&buf[..n]);
    }
}
