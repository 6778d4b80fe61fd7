//! The hand-written runtime that every generated client calls.
//!
//! Nothing in here is generated. The generated modules (see [`crate::apis`]) only build a
//! [`Request`] from an [`Operation`] descriptor, hand it to a [`ServiceClient`], and turn the
//! [`RawResponse`] into a typed [`Response`] or [`Error`]. Everything else lives here:
//!
//! - [`config`]: one [`Config`] shared by every service (endpoints, auth, timeouts, retries).
//! - [`transport`]: requests, responses, endpoint resolution, sending.
//! - [`error`]: the one [`Error`] type users match on.
//! - [`job`]: the [`Job`] trait every job-details response implements (state, progress,
//!   sub-tasks, produced resources).
//! - [`auth`]: how requests are authenticated (token, IAM password, AK/SK signing).
//! - [`retry`]: which failed requests are tried again, and when.
//! - [`secret`]: a wrapper that keeps secrets out of `Debug` output and wipes them on drop.
//! - [`time`]: a lenient [`Timestamp`] for the many time formats servers send, and the
//!   [`Clock`] the runtime reads.
//! - [`wait`]: [`wait_for`] a job of any service, with backoff, a deadline and events.
//! - [`registry`]: every job API as data ([`registry::JobService`]), to read or wait for a job
//!   of a service chosen at run time.

pub mod auth;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod job;
pub mod registry;
pub mod retry;
pub mod secret;
pub mod time;
pub mod transport;
pub mod wait;

pub use auth::{
    AkSk, Auth, CachedToken, IAM, PasswordAuth, ProjectScope, Token, TokenCacheOptions, TokenSource,
};
pub use config::{Config, ConfigBuilder, ConfigError};
pub use error::{ApiError, DecodeError, Error, Undocumented};
pub use job::{Job, JobState, Progress, StateKind, SubTask};
pub use retry::{BoxFuture, RetryPolicy};
pub use secret::Secret;
pub use time::{Clock, Timestamp};
pub use transport::{
    FromHeaders, HeaderError, Operation, PathPart, QueryStyle, RawResponse, Request, Response,
    Server, ServerVariable, Service, ServiceClient, encode_path,
};
pub use wait::{PollInfo, Wait, WaitError, WaitEvent, WaitFailure, WaitPolicy, wait_for};

/// HTTP types used in the runtime's public API, re-exported so users need no `http` dependency.
pub use reqwest::{Method, StatusCode, Url, header};

/// Bytes of a body that is not decoded.
pub use bytes::Bytes;
