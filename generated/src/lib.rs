//! Typed async clients for the asynchronous-job APIs of Open Telekom Cloud and Huawei Cloud.
//!
//! Slow cloud operations (create an image, upgrade an application, change a firewall) return a
//! job id; the caller then polls a "job details" API until the job succeeds or fails. This crate
//! gives one typed client per such API, generated from the OpenAPI documents in `specs/`, on top
//! of a small hand-written [`runtime`] (transport, authentication, retries, errors).
//!
//! - [`apis`]: the generated clients, one module per spec (`@generated`, do not edit).
//! - [`runtime`]: the hand-written runtime they call.
//!
//! ```no_run
//! use cloudjobs::{otc_ims_jobs, runtime::{Auth, Config}};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::builder()
//!     .region("eu-de")
//!     .auth(Auth::token(std::env::var("OS_AUTH_TOKEN")?))
//!     .build()?;
//! let ims = otc_ims_jobs::Client::new(&config)?;
//! let job = ims.show_job("ac234de25c6741d2b1273da49eea1b9e", "ff8080814dbd65d7014dbe0d84db0013").await?;
//! println!("{:?}", job.status);
//! # Ok(()) }
//! ```

pub mod apis;
/// The hand-written runtime the generated clients call ([`cloudjobs_runtime`], re-exported):
/// configuration, authentication, errors, the registry's types and the job waiter.
#[doc(inline)]
pub use cloudjobs_runtime as runtime;

pub use apis::*;
pub use runtime::{Config, Error, Response};
