//! Typed async clients for the asynchronous-job APIs of Open Telekom Cloud and Huawei Cloud.
//!
//! Slow cloud operations (create an image, upgrade an application, change a firewall) return a
//! job id; the caller then polls a "job details" API until the job succeeds or fails. This crate
//! gives one typed client per such API, generated from the OpenAPI documents in `specs/`, a
//! registry of them all by service name, and one waiter that reads each job's progress, on top
//! of the hand-written [`runtime`] (transport, authentication, retries, errors, waiting).
//!
//! Wait for a job of any service, by name, with the settings you already keep (`OS_*`
//! variables, `clouds.yaml`, the Huawei Cloud credentials file, the instance metadata service),
//! read as the `cloudjobs` command line reads them:
//!
//! ```no_run
//! use cloudjobs::apis::registry;
//! use cloudjobs::runtime::any_service::JobQuery;
//! use cloudjobs::runtime::wait::{WaitPolicy, wait_for};
//! use cloudjobs::runtime::{Config, Job};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let service = registry::find("ims").ok_or("unknown service")?;
//! let env = Config::from_env_resolved().await?;
//! let project = env.project_id().ok_or("set OS_PROJECT_ID")?;
//! let config = env.config_for(service.module)?;
//! let client = service.client(&config, JobQuery::new(project, "ff8080814dbd65d7014dbe0d84db0013"))?;
//! let job = wait_for(|| client.get(), WaitPolicy::default()).await?;
//! println!("{}: {} {:?}", service.title, job.state(), job.resource_ids());
//! # Ok(()) }
//! ```
//!
//! Or call one API through its typed client:
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
//!
//! - [`apis`]: the generated clients, one module per spec (`@generated`, do not edit), and
//!   [`apis::registry`], every job service by name.
//! - [`runtime`]: the hand-written runtime they call; [`runtime::wait`] says how a wait polls.
//!
//! Features: `http2` (off by default: one request per poll needs none of it, and HTTP/1.1
//! keep-alive reuses connections as well). The command line is its own crate, `cloudjobs-cli`
//! (`cargo install --locked --path cli`).

pub mod apis;
/// The hand-written runtime the generated clients call ([`cloudjobs_runtime`], re-exported):
/// configuration, authentication, errors, the registry's types and the job waiter.
#[doc(inline)]
pub use cloudjobs_runtime as runtime;

pub use apis::*;
pub use runtime::{Config, Error, Response};
