//! One compact description of an AWS SDK error for every AWS adapter:
//! the service's error code and message, or the transport failure. Never the
//! raw request or response (they can hold values we must not log).

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

pub(crate) fn describe<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e {
        SdkError::ServiceError(service) => {
            let err = service.err();
            format!(
                "{}: {}",
                err.code().unwrap_or("ServiceError"),
                err.message().unwrap_or("no message")
            )
        }
        SdkError::TimeoutError(_) => "timeout".to_string(),
        SdkError::DispatchFailure(d) => format!("dispatch failure: {d:?}"),
        other => DisplayErrorContext(other).to_string(),
    }
}
