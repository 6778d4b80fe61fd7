//! The hand-written runtime that every generated `cloudjobs` client calls.
//!
//! Users reach it as `cloudjobs::runtime` (the `cloudjobs` crate re-exports this crate
//! whole); depend on `cloudjobs`, not on this crate. Nothing in here is generated, and this
//! crate does not depend on the generated one, so no spec edit can break it. The generated
//! modules (`cloudjobs::apis`) only build a [`Request`] from an [`Operation`] descriptor,
//! hand it to a [`ServiceClient`], and turn the [`RawResponse`] into a typed [`Response`] or
//! [`Error`]. Everything else lives here, in layers (each module imports only from the
//! layers below it):
//!
//! 1. Leaves: [`error`] (the one [`Error`] type users match on), [`secret`] (secrets kept out
//!    of `Debug` and wiped on drop; URLs shown without userinfo), [`time`] (a lenient
//!    [`Timestamp`], the [`Clock`]), [`job`] (the [`Job`] trait every job-details response
//!    implements), [`retry`] (which failed requests are tried again, and when).
//! 2. [`transport`]: the contract with generated code: requests, responses, descriptors.
//! 3. [`connection`]: endpoints, the HTTP client, timeouts, retries, limits (plain data).
//! 4. [`auth`]: how requests are authenticated (token, cached tokens from a
//!    [`TokenSource`], AK/SK signing).
//! 5. [`config`]: a [`Config`] is a [`Connection`] plus an [`Auth`] (plain data).
//! 6. [`client`]: a [`ServiceClient`] sends: authenticates, retries, reads.
//! 7. [`iam`]: IAM password authentication, a token source that sends its own request.
//! 8. [`credentials`]: the credential chain (environment, `clouds.yaml`, the Huawei Cloud
//!    credentials file, the instance metadata service) and [`Config::from_env`].
//! 9. [`wait`]: [`wait_for`] a job of any service; [`any_service`]: every job API as data
//!    ([`any_service::JobService`]), to read or wait for a job of a service chosen at run time.

pub mod any_service;
pub mod auth;
mod backoff;
pub mod catalog;
pub mod client;
pub mod config;
pub mod connection;
pub mod credentials;
mod discover;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod hints;
pub mod iam;
pub mod job;
mod plaintext;
pub mod ratelimit;
pub mod retry;
pub mod schedule;
pub mod secret;
pub mod text;
pub mod time;
pub mod transport;
pub mod wait;

pub use auth::{
    AkSk, Auth, CachedToken, KeySource, TemporaryKeys, Token, TokenCacheOptions, TokenSource,
};
pub use catalog::{Catalog, CatalogEndpoint};
pub use client::ServiceClient;
pub use config::{Config, ConfigBuilder};
pub use connection::Connection;
pub use error::{ApiError, ConfigError, DecodeError, Error, Undocumented};
pub use hints::DurationHints;
pub use iam::{IAM, PasswordAuth, ProjectScope};
pub use job::{Confirm, Job, JobState, Progress, StateKind, SubTask};
pub use ratelimit::RateLimit;
pub use retry::{BoxFuture, RetryPolicy, SleepHook};
pub use secret::Secret;
pub use time::{Clock, Timestamp};
pub use transport::{
    FromHeaders, Head, HeaderError, Operation, PathPart, QueryStyle, RawResponse, Request,
    Response, Server, ServerVariable, Service, encode_path,
};
pub use wait::{Eta, PollInfo, Wait, WaitError, WaitEvent, WaitFailure, WaitPolicy, wait_for};

/// HTTP types used in the runtime's public API, re-exported so users need no `http` dependency.
pub use reqwest::{Method, StatusCode, Url, header};

/// Bytes of a body that is not decoded.
pub use bytes::Bytes;
