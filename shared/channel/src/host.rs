//! The channel on one machine: every function's handler in one process.
//! One HTTP server for the webhook (and admin) routes, the in-process queues
//! feeding the processor and the sync worker, a scheduler for the
//! reconciler, and the embedded store in a data directory.
//!
//! This is `local`'s entry point, as the five `main.rs` files are the
//! Lambdas': it lives in the library so that the `local` binary, the test
//! kit and the tests host the channel in exactly one way. The HTTP server
//! and its connection limits ([`ServerLimits`]) are in `host/server.rs`.

mod server;

pub use server::ServerLimits;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::admin::{self, AdminAuth, AdminConfig};
use crate::intake::{enqueue, reconcile};
use crate::model::{OrderStatus, SyncStatus};
use crate::queue::{memory::MemoryQueue, Queue};
use crate::secrets::embedded::{EmbeddedSecrets, WasPlain};
use crate::secrets::key::{KeySource, SecretsKey};
use crate::secrets::Secret;
use crate::secrets::{SecretStore, SecretsError};
use crate::store::{embedded::EmbeddedStore, RecordStore, Repo, StoreError};
use crate::sync::{self, JobMessage};
use crate::{intake, processing, App, Options};

/// Why the channel could not be started on this machine.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The store's error is part of this message rather than its source, so
    /// that `local` prints it once.
    #[error("opening the store in {dir}: {error}")]
    Store { dir: String, error: StoreError },
    #[error("the channels' secrets: {0}")]
    Secrets(SecretsError),
    #[error("reading CA certificate {path}: {source}")]
    ReadCertificate {
        path: String,
        source: std::io::Error,
    },
    #[error("CA certificate {path}: {source}")]
    Certificate {
        path: String,
        source: reqwest::Error,
    },
    #[error("building the HTTP clients: {0}")]
    HttpClients(reqwest::Error),
    #[error("listening on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("putting unfinished orders back on the queue: {0}")]
    Recover(#[from] crate::Error),
}

/// How `local` hosts the channel.
#[derive(Clone, Debug)]
pub struct HostConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// How often the reconciler runs (AWS: every 15 minutes).
    pub reconcile_every: Duration,
    pub options: Options,
    /// Bearer token of the admin routes (`Authorization: Bearer <token>`).
    /// `None` leaves the admin routes unmounted (webhook receiver only).
    pub admin_token: Option<Secret>,
    /// Extra trusted CA certificates (PEM files) for shops with a private
    /// or self-signed certificate.
    pub extra_ca_certs: Vec<PathBuf>,
    /// Connection limit and read timeouts of the HTTP server.
    pub server: ServerLimits,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from(".data"),
            reconcile_every: Duration::from_secs(15 * 60),
            options: Options::default(),
            admin_token: None,
            extra_ca_certs: Vec::new(),
            server: ServerLimits::default(),
        }
    }
}

/// A running channel. Dropping it does not stop it; call [`Host::stop`].
pub struct Host {
    pub app: App,
    pub addr: SocketAddr,
    pub orders: Arc<MemoryQueue>,
    connections: server::Connections,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Host {
    pub async fn start(cfg: HostConfig) -> Result<Self, HostError> {
        let opened = EmbeddedStore::open(&cfg.data_dir).map_err(store_error(&cfg.data_dir))?;
        let (key, key_source) =
            SecretsKey::for_data_dir(&cfg.data_dir).map_err(HostError::Secrets)?;
        let opened = seal_old_secrets(opened, &cfg.data_dir, &key, &key_source).await?;
        let store: Arc<dyn RecordStore> = Arc::new(opened);
        let secrets: Arc<dyn SecretStore> =
            Arc::new(EmbeddedSecrets::with_key(store.clone(), &key, &key_source));
        let orders = Arc::new(MemoryQueue::new(Duration::from_secs(60)));
        let sync_jobs = Arc::new(MemoryQueue::new(Duration::from_secs(900)));
        let app = App::new(
            store,
            secrets,
            orders.clone(),
            sync_jobs.clone(),
            cfg.options.clone(),
        )
        .with_extra_roots(&extra_roots(&cfg.extra_ca_certs)?)
        .map_err(HostError::HttpClients)?;

        let listen_error = |source| HostError::Listen {
            addr: cfg.listen,
            source,
        };
        let listener = tokio::net::TcpListener::bind(cfg.listen)
            .await
            .map_err(listen_error)?;
        let addr = listener.local_addr().map_err(listen_error)?;
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();

        let mut router = intake::webhook::router(app.clone());
        if let Some(token) = &cfg.admin_token {
            let admin_cfg = AdminConfig::new(AdminAuth::Bearer(token.clone()));
            router = router.merge(admin::router_with(app.clone(), admin_cfg));
        }
        let connections = server::Connections::new(cfg.server.max_connections);
        tasks.push(tokio::spawn(server::serve(
            listener,
            router,
            cfg.server,
            connections.clone(),
            stop_rx.clone(),
        )));

        recover(&app).await?;
        let queue: Arc<dyn Queue> = orders.clone();
        tasks.push(tokio::spawn(processing::run_worker(
            app.clone(),
            queue,
            stop_rx.clone(),
        )));
        tasks.push(tokio::spawn(sync_worker(
            app.clone(),
            sync_jobs,
            stop_rx.clone(),
        )));
        tasks.push(tokio::spawn(reconcile_loop(
            app.clone(),
            cfg.reconcile_every,
            stop_rx,
        )));
        tracing::info!(%addr, data_dir = %cfg.data_dir.display(), secrets_key = %key_source, "channel running");
        Ok(Self {
            app,
            addr,
            orders,
            connections,
            stop,
            tasks,
        })
    }

    /// Base URL of the HTTP server (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many HTTP connections the server holds open now.
    pub fn open_connections(&self) -> usize {
        self.connections.open()
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Extra trusted CA certificates, read from PEM files.
fn extra_roots(paths: &[PathBuf]) -> Result<Vec<reqwest::Certificate>, HostError> {
    paths
        .iter()
        .map(|path| {
            let pem = std::fs::read(path).map_err(|source| HostError::ReadCertificate {
                path: path.display().to_string(),
                source,
            })?;
            reqwest::Certificate::from_pem(&pem).map_err(|source| HostError::Certificate {
                path: path.display().to_string(),
                source,
            })
        })
        .collect()
}

/// What a store error at start is said as: with the data directory.
fn store_error(dir: &Path) -> impl Fn(StoreError) -> HostError + '_ {
    move |error| HostError::Store {
        dir: dir.display().to_string(),
        error,
    }
}

/// Opens every channel's secrets once before anything runs. A key that
/// does not match stops the start with a clear error (rather than each
/// order failing later). A record written before sealing existed is
/// sealed, and then the store file is rewritten: its plain bytes would
/// otherwise stay in free pages, and a copy of `channel.redb` alone must
/// reveal nothing.
async fn seal_old_secrets(
    store: EmbeddedStore,
    dir: &Path,
    key: &SecretsKey,
    source: &KeySource,
) -> Result<EmbeddedStore, HostError> {
    let shared: Arc<dyn RecordStore> = Arc::new(store.clone());
    let secrets = EmbeddedSecrets::with_key(shared.clone(), key, source);
    let channels = Repo::new(shared)
        .all_channels()
        .await
        .map_err(|e| HostError::Secrets(SecretsError::Backend(e.to_string())))?;
    let mut sealed = 0;
    for channel in &channels {
        if let Some((_, WasPlain(true))) = secrets
            .read(&channel.id)
            .await
            .map_err(HostError::Secrets)?
        {
            sealed += 1;
        }
    }
    tracing::debug!(channels = channels.len(), secrets_key = %source, "channels' secrets open");
    if sealed == 0 {
        return Ok(store);
    }
    // Every handle on the file goes before it is rewritten.
    drop(secrets);
    drop(store);
    EmbeddedStore::rewrite(dir).map_err(store_error(dir))?;
    tracing::info!(
        sealed,
        "secrets kept in clear by an earlier version are sealed; the store file was rewritten without them"
    );
    EmbeddedStore::open(dir).map_err(store_error(dir))
}

/// The in-process queue does not survive a restart; the store does. Orders
/// that were on their way are put back on the queue.
async fn recover(app: &App) -> Result<(), crate::Error> {
    let unfinished = [
        OrderStatus::Received,
        OrderStatus::DocumentCreated,
        OrderStatus::Approved,
        OrderStatus::Paid,
        OrderStatus::Emailed,
    ];
    let mut count = 0;
    for channel in app.repo.all_channels().await? {
        for status in unfinished {
            let mut cursor: Option<String> = None;
            loop {
                let page = app
                    .repo
                    .list_orders(&channel.id, Some(status), cursor.as_deref(), 100)
                    .await?;
                for order in page.items {
                    enqueue(app, order).await;
                    count += 1;
                }
                match page.next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
    }
    if count > 0 {
        tracing::info!(count, "unfinished orders put back on the queue");
    }
    Ok(())
}

/// The sync queue's consumer (the stock-sync Lambda's job on AWS): runs or
/// resumes each queued run. A run that stopped on something worth retrying,
/// or is held by another worker, goes back on the queue after a pause; a
/// message that is not a job is dropped with a log.
async fn sync_worker(app: App, queue: Arc<MemoryQueue>, mut stop: watch::Receiver<bool>) {
    loop {
        let deliveries = tokio::select! {
            d = queue.receive(1, Duration::from_millis(500)) => d,
            _ = stop.wait_for(|s| *s) => return,
        };
        let deliveries = match deliveries {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "sync queue receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for delivery in deliveries {
            let job: JobMessage = match serde_json::from_str(&delivery.message.body) {
                Ok(job) => job,
                Err(e) => {
                    tracing::error!(error = %e, "sync queue message is not a job; dropped");
                    let _ = queue.ack(&delivery.receipt).await;
                    continue;
                }
            };
            let finished = match sync::run_job(&app, &job.channel_id, &job.run_id).await {
                Ok(run) => run.status != SyncStatus::Running,
                Err(e) => {
                    tracing::warn!(channel_id = %job.channel_id, run_id = %job.run_id, error = %e, "sync run stopped; retrying later");
                    false
                }
            };
            if finished {
                let _ = queue.ack(&delivery.receipt).await;
            } else {
                tokio::time::sleep(Duration::from_millis(
                    500 * u64::from(delivery.receive_count.min(20)),
                ))
                .await;
                let _ = queue.release(&delivery.receipt).await;
            }
        }
    }
}

/// The reconciler: once at start (what happened while the host was down:
/// orders placed, webhooks disabled or changed), then every `every`.
async fn reconcile_loop(app: App, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            result = reconcile::run_all(&app) => match result {
                Ok(reports) => tracing::info!(channels = reports.len(), "reconciliation run"),
                Err(e) => tracing::error!(error = %e, "reconciliation run failed"),
            },
            _ = stop.wait_for(|s| *s) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}
