//! `local`'s HTTP server: the accept loop in front of the router, with the
//! limits that keep slow or idle clients from holding it (HTTP/1.1).
//!
//! | limit                | default | what happens past it                             |
//! |----------------------|---------|--------------------------------------------------|
//! | connections          | 1024    | new ones wait, unaccepted, until one closes      |
//! | header read time     | 10 s    | the connection is closed                         |
//! | body read time       | 30 s    | `408` (JSON), and the connection is closed       |
//! | idle keep-alive time | 10 s    | the connection is closed                         |
//!
//! The header read time counts from the moment the server waits for a
//! request: on a new connection, and on a kept-alive one after its last
//! answer. hyper runs one clock for both, so the idle keep-alive time *is*
//! the header read time ([`ServerLimits::header_read_timeout`]): a
//! connection that sends no complete request head for that long is closed,
//! whether it is silent or trickling. The body read time counts from the
//! end of the request head to the body's last byte ([`TimedBody`]), so a
//! trickled body cannot hold the connection either. Body sizes are the
//! routes' own limits ([`crate::request_body`]).
//!
//! A connection over the limit is not accepted: it waits in the kernel's
//! listen queue and is served as soon as an open one closes (the slow and
//! idle ones close at their timeouts above). Answering it at once with an
//! unasked-for `503` would break HTTP: clients read an answer to a request
//! they have not sent as a protocol error, not as "busy".
//!
//! On stop the server accepts no more connections, lets every open one
//! finish its current request (hyper's graceful shutdown), and closes what
//! is left after [`ServerLimits::shutdown_grace`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::request_body::TimedBody;

/// How many connections the server holds and how long it waits for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections open at once; beyond it new ones wait to be accepted.
    pub max_connections: usize,
    /// Time for a complete request head, counted from when the server
    /// starts waiting for it: also the idle keep-alive time.
    pub header_read_timeout: Duration,
    /// Time for a request body, from the end of its head to its last byte.
    pub body_read_timeout: Duration,
    /// How long a stop waits for open connections before closing them.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// The connections a server holds open: the slots that bound them, and
/// the count of those actually open (a slot is taken just before `accept`,
/// so the count of taken slots would include the one waiting for it).
#[derive(Clone, Debug)]
pub struct Connections {
    slots: Arc<Semaphore>,
    open: Arc<AtomicUsize>,
}

impl Connections {
    /// Room for `max` connections at once.
    pub fn new(max: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS))),
            open: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many connections are open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }
}

/// One open connection: its slot, and its place in the count, until dropped.
struct Held {
    _slot: OwnedSemaphorePermit,
    open: Arc<AtomicUsize>,
}

impl Held {
    fn new(slot: OwnedSemaphorePermit, connections: &Connections) -> Self {
        connections.open.fetch_add(1, Ordering::Relaxed);
        Self {
            _slot: slot,
            open: connections.open.clone(),
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves `router` on `listener` until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    open: Connections,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        // A free slot first: over the limit, connections wait unaccepted.
        let slot = tokio::select! {
            slot = open.slots.clone().acquire_owned() => slot,
            _ = stopped(&mut stop) => break,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped(&mut stop) => break,
        };
        while connections.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // Out of descriptors or a connection reset before it was
                // accepted: nothing to answer; pause so as not to spin.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        connections.spawn(connection(
            stream,
            router.clone(),
            limits,
            Held::new(slot, &open),
            stop.clone(),
        ));
    }
    drop(listener);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "connections still open after the shutdown grace; closed"
        );
        connections.shutdown().await;
    }
}

/// One connection, holding its slot until it closes.
async fn connection(
    stream: TcpStream,
    router: Router,
    limits: ServerLimits,
    held: Held,
    mut stop: watch::Receiver<bool>,
) {
    let router = TowerToHyperService::new(router);
    let body_time = limits.body_read_timeout;
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let request = request.map(|body| TimedBody::new(body, body_time));
        hyper::service::Service::call(&router, request)
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        _ = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        // Timeouts and clients that go away: normal on an open port.
        tracing::debug!(error = %e, "connection closed");
    }
    drop(held);
}

/// Resolves once the host is told to stop (or is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
