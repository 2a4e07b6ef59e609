//! The five functions run as Lambda runs them, on this machine: the built
//! binaries under a Lambda Runtime API emulator, with the environment and
//! resources of `template.yaml`.
//!
//! | module          | what it is for                                                  |
//! |-----------------|-----------------------------------------------------------------|
//! | [`runtime_api`] | the Runtime API (2018-06-01) server one function instance polls |
//! | [`function`]    | a binary started with the Lambda environment; init time, peak memory |
//! | [`template`]    | `template.yaml`: functions, resources, intrinsic functions      |
//! | [`stack`]       | a stack's physical names and each function's full environment   |
//! | `moto`          | (feature `aws`) the stack's table and queues created in moto    |
//!
//! It is our own emulator rather than cargo-lambda's: it speaks the same
//! API, needs no extra process or tool, is deterministic (one event at a
//! time, no hot reload), and it sees the function's first `/next`, which is
//! where the init duration is measured.

pub mod function;
#[cfg(feature = "aws")]
mod moto;
pub mod runtime_api;
pub mod stack;
pub mod template;

pub use function::{FunctionSpec, LambdaFunction};
pub use runtime_api::Answer;
pub use stack::Stack;
pub use template::Template;
