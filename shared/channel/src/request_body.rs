//! How the inbound routes (the webhook receiver, the admin API and the
//! activation pages) read a request body, in one place:
//!
//! - a body larger than the route's limit is refused with 413 and the admin
//!   API's JSON error shape (`{"error": "payload_too_large", "message": …}`,
//!   the message naming the limit): by its `Content-Length` before a byte of
//!   it is read, so a client that sent `Expect: 100-continue` gets the 413
//!   instead of `100 Continue`; by count while reading when the length is not
//!   declared (chunked);
//! - a body that does not arrive within the server's body read time (see
//!   [`TimedBody`], which `local`'s server puts around every body) is
//!   answered 408 with the same shape;
//! - a body that breaks off is answered 400.
//!
//! [`limit`] reads the whole body, within the limit, before the handler runs;
//! the handlers then take it as `Bytes`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Json};
use futures::StreamExt;
use http_body::{Frame, SizeHint};

use crate::admin::error::ErrorBody;

/// The middleware (`axum::middleware::from_fn_with_state(max_bytes, limit)`):
/// refuses a body over `max_bytes` with 413 and hands the handler the body
/// read in full.
pub async fn limit(State(max_bytes): State<usize>, request: Request, next: Next) -> Response {
    if declared_length(request.headers()).is_some_and(|length| length > max_bytes as u64) {
        return too_large(max_bytes);
    }
    let (parts, body) = request.into_parts();
    match read(body, max_bytes).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(ReadError::TooLarge) => too_large(max_bytes),
        Err(ReadError::TimedOut) => answer(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request body did not arrive in time".into(),
        ),
        Err(ReadError::Broken) => answer(
            StatusCode::BAD_REQUEST,
            "body_unreadable",
            "the request body could not be read to its end".into(),
        ),
    }
}

/// The `Content-Length` a request declares, if it is a number.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

enum ReadError {
    TooLarge,
    TimedOut,
    Broken,
}

/// Reads the body to its end, stopping as soon as it passes `max_bytes`.
async fn read(body: Body, max_bytes: usize) -> Result<Bytes, ReadError> {
    let mut stream = body.into_data_stream();
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            if is_timeout(&e) {
                ReadError::TimedOut
            } else {
                ReadError::Broken
            }
        })?;
        if buffer.len() + chunk.len() > max_bytes {
            return Err(ReadError::TooLarge);
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buffer))
}

/// Whether a body error is (caused by) the server's [`BodyTimeout`].
fn is_timeout(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<BodyTimeout>() {
            return true;
        }
        cause = e.source();
    }
    false
}

fn too_large(max_bytes: usize) -> Response {
    answer(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body is larger than {max_bytes} bytes, the most this route accepts"),
    )
}

fn answer(status: StatusCode, error: &'static str, message: String) -> Response {
    let body = ErrorBody {
        error,
        message,
        fields: None,
    };
    (status, Json(body)).into_response()
}

/// A request body that must arrive in full within a time limit, counted
/// from when the request's headers were read; past it, reading fails with
/// [`BodyTimeout`]. A client trickling a body cannot hold a connection
/// longer than that. Nothing happens until the body is read: a handler that
/// never reads it is not held up, and `100 Continue` is not sent for it.
pub struct TimedBody<B> {
    inner: B,
    within: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl<B> TimedBody<B> {
    /// `inner`, to be read in full within `within` from now.
    pub fn new(inner: B, within: Duration) -> Self {
        Self {
            inner,
            within,
            deadline: Box::pin(tokio::time::sleep(within)),
        }
    }
}

/// The body read time of a request ran out.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimeout(pub Duration);

impl<B> http_body::Body for TimedBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout(this.within))))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body of `chunks` chunks of `size` bytes, without a declared length.
    fn chunked(chunks: usize, size: usize) -> Body {
        Body::from_stream(futures::stream::iter(
            (0..chunks).map(move |_| Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; size]))),
        ))
    }

    #[tokio::test]
    async fn a_body_without_a_length_is_cut_off_once_it_passes_the_limit() {
        assert!(matches!(
            read(chunked(10, 1000), 9_999).await,
            Err(ReadError::TooLarge)
        ));
        let whole = read(chunked(10, 1000), 10_000).await.ok();
        assert_eq!(whole.map(|b| b.len()), Some(10_000));
    }

    #[tokio::test]
    async fn a_body_that_does_not_arrive_in_time_is_a_timeout_and_a_broken_one_is_not() {
        let never = Body::from_stream(futures::stream::pending::<Result<Bytes, std::io::Error>>());
        let timed = Body::new(TimedBody::new(never, Duration::from_millis(20)));
        assert!(matches!(read(timed, 100).await, Err(ReadError::TimedOut)));

        let broken = Body::from_stream(futures::stream::iter([Err::<Bytes, _>(
            std::io::Error::other("connection reset"),
        )]));
        let timed = Body::new(TimedBody::new(broken, Duration::from_secs(5)));
        assert!(matches!(read(timed, 100).await, Err(ReadError::Broken)));
    }

    #[tokio::test]
    async fn a_body_that_arrives_in_time_is_read_whole() {
        let timed = Body::new(TimedBody::new(chunked(3, 10), Duration::from_secs(5)));
        let whole = read(timed, 100).await.ok();
        assert_eq!(whole.map(|b| b.len()), Some(30));
    }
}
