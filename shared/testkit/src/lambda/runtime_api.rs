//! The Lambda Runtime API (version 2018-06-01) as a local server for one
//! function instance: what Lambda's own runtime interface serves at
//! `AWS_LAMBDA_RUNTIME_API`. The function's runtime client long-polls
//! `GET /runtime/invocation/next`, gets the event with the
//! `Lambda-Runtime-Aws-Request-Id`, `-Deadline-Ms`, `-Invoked-Function-Arn`
//! and `-Trace-Id` headers, and answers with `POST …/{id}/response` or
//! `…/{id}/error`; a failed init posts `/runtime/init/error`.
//!
//! It notes when the first `/next` arrives: the moment the function's init
//! is over, which [`super::function`] turns into the init duration.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::{mpsc, oneshot};

/// What the function answered to one invocation.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// `POST /runtime/invocation/{id}/response`: the handler's result.
    Response(Bytes),
    /// `POST /runtime/invocation/{id}/error`: the handler failed.
    Error {
        /// `Lambda-Runtime-Function-Error-Type`, when the runtime sent one.
        error_type: Option<String>,
        body: Bytes,
    },
}

/// One event on its way to the function.
struct Pending {
    request_id: String,
    payload: Bytes,
    deadline: Duration,
    reply: oneshot::Sender<Answer>,
}

struct Shared {
    function_arn: String,
    events: tokio::sync::Mutex<mpsc::Receiver<Pending>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Answer>>>,
    first_next: OnceLock<Instant>,
    init_error: Mutex<Option<Bytes>>,
}

/// A running Runtime API server for one function instance.
pub struct RuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    events: mpsc::Sender<Pending>,
    stop: Option<oneshot::Sender<()>>,
}

impl RuntimeApi {
    /// Serves the API on a free loopback port for the function `function_arn`.
    pub async fn start(function_arn: String) -> anyhow::Result<Self> {
        let (events, receiver) = mpsc::channel(16);
        let shared = Arc::new(Shared {
            function_arn,
            events: tokio::sync::Mutex::new(receiver),
            in_flight: Mutex::default(),
            first_next: OnceLock::new(),
            init_error: Mutex::default(),
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "runtime API emulator stopped");
            }
        });
        Ok(Self {
            addr,
            shared,
            events,
            stop: Some(stop),
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// When the function first asked for an event (its init was over).
    pub fn first_next(&self) -> Option<Instant> {
        self.shared.first_next.get().copied()
    }

    /// The body of `/runtime/init/error`, if the function reported one.
    pub fn init_error(&self) -> Option<Bytes> {
        lock(&self.shared.init_error).clone()
    }

    /// Hands `payload` to the function with `deadline` to answer, and waits
    /// for its answer (the caller bounds the wait).
    pub async fn invoke(&self, payload: Bytes, deadline: Duration) -> anyhow::Result<Answer> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            request_id: uuid::Uuid::new_v4().to_string(),
            payload,
            deadline,
            reply,
        };
        self.events
            .send(pending)
            .await
            .map_err(|_| anyhow::anyhow!("the runtime API emulator has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the invocation was dropped without an answer"))
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let _ = shared.first_next.set(Instant::now());
    let Some(pending) = shared.events.lock().await.recv().await else {
        return (StatusCode::GONE, "the emulator is shutting down").into_response();
    };
    let deadline_ms = SystemTime::now()
        .checked_add(pending.deadline)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis());
    let trace_id = format!(
        "Root=1-{:08x}-{};Parent={};Sampled=0",
        deadline_ms / 1000,
        &pending.request_id.replace('-', "")[..24],
        &pending.request_id.replace('-', "")[..16]
    );
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("lambda-runtime-aws-request-id", pending.request_id.clone()),
        ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            shared.function_arn.clone(),
        ),
        ("lambda-runtime-trace-id", trace_id),
        ("content-type", "application/json".to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    lock(&shared.in_flight).insert(pending.request_id, pending.reply);
    (StatusCode::OK, headers, pending.payload).into_response()
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    answer(&shared, &id, Answer::Response(body))
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let error_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    answer(&shared, &id, Answer::Error { error_type, body })
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    *lock(&shared.init_error) = Some(body);
    StatusCode::ACCEPTED
}

/// Delivers an answer to its invocation: 202 as Lambda does, 400 for an id
/// that is not in flight (unknown, or already answered).
fn answer(shared: &Shared, id: &str, answer: Answer) -> StatusCode {
    match lock(&shared.in_flight).remove(id) {
        Some(reply) => {
            let _ = reply.send(answer);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
