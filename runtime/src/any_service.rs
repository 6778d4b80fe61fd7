//! Every job API of the crate as data, so one piece of code can read and wait for a job of
//! any service without naming its types.
//!
//! The generator emits one [`JobService`] per operation with an `x-cloudjobs-job` extension
//! (see `specs/README.md`) and lists them all in `cloudjobs::apis::registry`. A service says
//! what its job call needs beyond the project and the job id (its [`JobParam`]s: CAE's
//! `X-Environment-ID` header, a Kafka instance id in the path, ...), and polls through a
//! function that returns the job as an [`AnyJob`]: any job behind the [`Job`] trait, with the
//! decoded body as JSON.
//!
//! ```no_run
//! use cloudjobs::apis::registry;
//! use cloudjobs::runtime::any_service::JobQuery;
//! use cloudjobs::runtime::wait::{WaitPolicy, wait_for};
//! use cloudjobs::runtime::{Auth, Config};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::builder()
//!     .region("cn-north-4")
//!     .auth(Auth::token(std::env::var("OS_AUTH_TOKEN")?))
//!     .build()?;
//! let cae = registry::find("cae").ok_or("no such service")?;
//! let query = JobQuery::new("my-project-id", "my-job-id").param("X-Environment-ID", "my-env");
//! let client = cae.client(&config, query)?;
//! let job = wait_for(|| client.get(), WaitPolicy::default()).await?;
//! println!("{:?}", job.body().body());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::ServiceClient;
use super::config::Config;
use super::error::{ConfigError, Error};
use super::job::{Job, StateLists, SubTask};
use super::retry::BoxFuture;
use super::transport::{Response, Service};

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamPlace {
    /// A path segment.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
}

impl fmt::Display for ParamPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamPlace::Path => "path",
            ParamPlace::Query => "query",
            ParamPlace::Header => "header",
        })
    }
}

/// What kind of value a parameter takes, written as text (a flag, a variable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// Any text (strings and open string enums).
    Text,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
}

impl ParamKind {
    /// Whether `value` is a value of this kind.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            ParamKind::Text => true,
            ParamKind::Integer => value.trim().parse::<i128>().is_ok(),
            ParamKind::Number => value.trim().parse::<f64>().is_ok_and(f64::is_finite),
            ParamKind::Boolean => matches!(value.trim(), "true" | "false"),
        }
    }
}

impl fmt::Display for ParamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamKind::Text => "text",
            ParamKind::Integer => "integer",
            ParamKind::Number => "number",
            ParamKind::Boolean => "boolean",
        })
    }
}

/// A parameter of a job call beyond the project and the job id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobParam {
    /// The name on the wire (`X-Environment-ID`, `instance_id`).
    pub name: &'static str,
    /// Where it travels.
    pub place: ParamPlace,
    /// What values it takes.
    pub kind: ParamKind,
    /// Whether every call needs it.
    pub required: bool,
    /// The first sentence of its description in the spec.
    pub summary: &'static str,
}

/// An error of any job API: its documented body, decoded as the spec says, then turned into
/// JSON.
pub type JsonError = Error<serde_json::Value>;

/// What polling any job API gives.
pub type PollResult = Result<Response<AnyJob>, JsonError>;

/// Starts one job-details call: the generated function behind [`JobService`].
pub type PollFn = for<'a> fn(&'a ServiceClient, &'a JobQuery) -> BoxFuture<'a, PollResult>;

/// An operation's error with its typed body as JSON, for generated code.
pub fn json_error<E: Serialize>(error: Error<E>) -> JsonError {
    error.map_body(|body| serde_json::to_value(body).unwrap_or(serde_json::Value::Null))
}

/// A job API: what it is called, where it is served, what its job call needs, and how to
/// poll it.
pub struct JobService {
    /// The short name (`ims`, `rds`), unique in the registry.
    pub name: &'static str,
    /// Further names it is known by.
    pub aliases: &'static [&'static str],
    /// The spec's title.
    pub title: &'static str,
    /// The generated module (also the endpoint key of [`crate::ConfigBuilder::endpoint`]).
    pub module: &'static str,
    /// Its servers.
    pub service: &'static Service,
    /// The operation id of the job call.
    pub operation: &'static str,
    /// The HTTP method of the job call.
    pub method: &'static str,
    /// The path template of the job call.
    pub path: &'static str,
    /// The parameter that carries the job id.
    pub job_id_param: &'static str,
    /// The parameter that carries the project id, if the call has one.
    pub project_param: Option<&'static str>,
    /// Every other parameter, in the spec's order.
    pub params: &'static [JobParam],
    /// What the status values mean.
    pub states: &'static StateLists,
    /// Starts one call.
    pub poll: PollFn,
}

impl fmt::Debug for JobService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobService")
            .field("name", &self.name)
            .field("module", &self.module)
            .field("operation", &self.operation)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl JobService {
    /// Whether `name` names this service: its name, an alias or its module, in any case,
    /// with `-` and `_` alike.
    pub fn is_called(&self, name: &str) -> bool {
        let wanted = normalize(name);
        std::iter::once(self.name)
            .chain(self.aliases.iter().copied())
            .chain(std::iter::once(self.module))
            .any(|n| normalize(n) == wanted)
    }

    /// The parameter called `name` (the wire name, in any case).
    pub fn param(&self, name: &str) -> Option<&'static JobParam> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Checks that `query` has every required parameter, no unknown one, and values of the
    /// right kind.
    pub fn check(&self, query: &JobQuery) -> Result<(), QueryError> {
        for (name, value) in &query.params {
            let Some(param) = self.param(name) else {
                return Err(QueryError::Unknown {
                    service: self.name,
                    name: name.clone(),
                });
            };
            if !param.kind.accepts(value) {
                return Err(QueryError::Invalid {
                    param: *param,
                    value: value.clone(),
                });
            }
        }
        match self
            .params
            .iter()
            .find(|p| p.required && query.get(p.name).is_none())
        {
            Some(param) => Err(QueryError::Missing {
                service: self.name,
                param: *param,
            }),
            None => Ok(()),
        }
    }

    /// A client that polls the job `query` names: the endpoint resolved from `config` once,
    /// the query checked once.
    pub fn client(
        &'static self,
        config: &Config,
        query: JobQuery,
    ) -> Result<JobClient, RegistryError> {
        self.check(&query).map_err(RegistryError::Query)?;
        let inner = ServiceClient::new(config, self.service).map_err(RegistryError::Config)?;
        Ok(JobClient {
            service: self,
            inner,
            query,
        })
    }
}

fn normalize(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('-', "_")
}

/// The service called `name` (see [`JobService::is_called`]) among `services`.
pub fn find_in(services: &[&'static JobService], name: &str) -> Option<&'static JobService> {
    services.iter().copied().find(|s| s.is_called(name))
}

/// Which job to read: the project, the job id and the extra parameters by wire name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobQuery {
    project_id: String,
    job_id: String,
    params: BTreeMap<String, String>,
}

impl JobQuery {
    /// The job `job_id` of project `project_id`.
    pub fn new(project_id: impl Into<String>, job_id: impl Into<String>) -> Self {
        Self {
            project_id: project_id.into(),
            job_id: job_id.into(),
            params: BTreeMap::new(),
        }
    }

    /// Sets the extra parameter `name` (its wire name, such as `X-Environment-ID`).
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// The project id.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The job id.
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// The value of the extra parameter `name` (any case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The text of a required parameter, for generated code.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] when it is missing.
    pub fn required_text(&self, operation: &'static str, name: &str) -> Result<&str, JsonError> {
        self.get(name).ok_or_else(|| missing(operation, name))
    }

    /// A required parameter decoded as `T` (a string enum, a number, a boolean), for generated
    /// code.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] when it is missing or not a value of `T`.
    pub fn required_value<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        name: &str,
    ) -> Result<T, JsonError> {
        self.optional_value(operation, name)?
            .ok_or_else(|| missing(operation, name))
    }

    /// An optional parameter decoded as `T`, for generated code.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] when it is set but not a value of `T`.
    pub fn optional_value<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        name: &str,
    ) -> Result<Option<T>, JsonError> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        // A string first (text, string enums); then the text as JSON (numbers, booleans).
        serde_json::from_value(serde_json::Value::String(text.to_owned()))
            .or_else(|_| serde_json::from_str(text.trim()))
            .map(Some)
            .map_err(|_| Error::InvalidRequest {
                operation,
                message: format!(
                    "parameter `{name}`: `{}` is not a value it takes",
                    text.escape_debug()
                ),
            })
    }
}

fn missing(operation: &'static str, name: &str) -> JsonError {
    Error::InvalidRequest {
        operation,
        message: format!("the required parameter `{name}` is not set"),
    }
}

/// What is wrong with a [`JobQuery`] for a service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// A required parameter is not set.
    Missing {
        /// The service.
        service: &'static str,
        /// The parameter.
        param: JobParam,
    },
    /// A parameter the service's job call does not have.
    Unknown {
        /// The service.
        service: &'static str,
        /// The name given.
        name: String,
    },
    /// A value of the wrong kind.
    Invalid {
        /// The parameter.
        param: JobParam,
        /// The value given.
        value: String,
    },
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Missing { service, param } => write!(
                f,
                "{service} needs the {} parameter `{}` ({})",
                param.place,
                param.name,
                param.summary.trim_end_matches('.')
            ),
            QueryError::Unknown { service, name } => {
                write!(f, "{service} has no parameter `{}`", name.escape_debug())
            }
            QueryError::Invalid { param, value } => write!(
                f,
                "parameter `{}` takes {} values, not `{}`",
                param.name,
                param.kind,
                value.escape_debug()
            ),
        }
    }
}

impl std::error::Error for QueryError {}

/// Why [`JobService::client`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum RegistryError {
    /// The query does not fit the service.
    Query(QueryError),
    /// No endpoint for the service (see [`ConfigError`]).
    Config(ConfigError),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Query(e) => e.fmt(f),
            RegistryError::Config(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RegistryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RegistryError::Query(e) => Some(e),
            RegistryError::Config(e) => Some(e),
        }
    }
}

/// Polls one job of one service.
#[derive(Debug, Clone)]
pub struct JobClient {
    service: &'static JobService,
    inner: ServiceClient,
    query: JobQuery,
}

impl JobClient {
    /// The service.
    pub fn service(&self) -> &'static JobService {
        self.service
    }

    /// The job it reads.
    pub fn query(&self) -> &JobQuery {
        &self.query
    }

    /// Reads the job once (one request, with the configured retries).
    pub fn get(&self) -> BoxFuture<'_, PollResult> {
        (self.service.poll)(&self.inner, &self.query)
    }
}

/// A job of any service: its [`Job`] accessors, and the decoded body as JSON.
pub struct AnyJob {
    job: Box<dyn Job>,
    body: serde_json::Value,
}

impl AnyJob {
    /// Wraps a decoded job body.
    pub fn new<T: Job + Serialize + 'static>(job: T) -> Self {
        let body = serde_json::to_value(&job).unwrap_or(serde_json::Value::Null);
        Self {
            job: Box::new(job),
            body,
        }
    }

    /// The body as JSON (the decoded fields, as the typed body serializes them).
    pub fn body(&self) -> &serde_json::Value {
        &self.body
    }
}

impl fmt::Debug for AnyJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.job.fmt(f)
    }
}

impl Serialize for AnyJob {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.body.serialize(serializer)
    }
}

impl Job for AnyJob {
    fn state_lists(&self) -> &'static StateLists {
        self.job.state_lists()
    }
    fn status(&self) -> Option<&str> {
        self.job.status()
    }
    fn job_id(&self) -> Option<String> {
        self.job.job_id()
    }
    fn percent(&self) -> Option<f64> {
        self.job.percent()
    }
    fn error_code(&self) -> Option<String> {
        self.job.error_code()
    }
    fn error_reason(&self) -> Option<String> {
        self.job.error_reason()
    }
    fn subtasks(&self) -> Vec<SubTask> {
        self.job.subtasks()
    }
    fn subtask_total(&self) -> Option<u64> {
        self.job.subtask_total()
    }
    fn resource_ids(&self) -> Vec<String> {
        self.job.resource_ids()
    }
    fn confirm(&self) -> super::job::Confirm {
        self.job.confirm()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_accept_their_values() {
        assert!(ParamKind::Integer.accepts(" 42"));
        assert!(!ParamKind::Integer.accepts("4.2"));
        assert!(ParamKind::Number.accepts("4.2"));
        assert!(!ParamKind::Number.accepts("NaN"));
        assert!(ParamKind::Boolean.accepts("false"));
        assert!(!ParamKind::Boolean.accepts("yes"));
        assert!(ParamKind::Text.accepts(""));
    }

    #[test]
    fn errors_keep_their_typed_body_as_json() {
        #[derive(Serialize)]
        struct Body {
            error_code: &'static str,
        }
        let error: Error<Body> = Error::Api(Box::new(super::super::error::ApiError {
            operation: "Op",
            status: reqwest::StatusCode::BAD_REQUEST,
            headers: reqwest::header::HeaderMap::new(),
            request_id: Some("r-1".into()),
            code: Some("E.1".into()),
            message: None,
            body: Some(Body { error_code: "E.1" }),
            raw: bytes::Bytes::from_static(br#"{"error_code":"E.1"}"#),
        }));
        let error = json_error(error);
        let api = error.api().unwrap();
        assert_eq!(api.body(), Some(&serde_json::json!({"error_code": "E.1"})));
        assert_eq!((api.request_id(), api.code()), (Some("r-1"), Some("E.1")));
        assert_eq!(api.raw_body(), br#"{"error_code":"E.1"}"#);
    }

    #[test]
    fn query_values_decode_or_say_why() {
        let q = JobQuery::new("p", "j")
            .param("limit", "10")
            .param("X-Flag", "true")
            .param("name", "10");
        assert_eq!(q.get("x-flag"), Some("true"));
        assert_eq!(q.required_value::<i32>("Op", "limit").unwrap(), 10);
        assert!(q.required_value::<bool>("Op", "X-Flag").unwrap());
        // A string-typed parameter keeps digits as text.
        assert_eq!(q.required_value::<String>("Op", "name").unwrap(), "10");
        assert_eq!(q.optional_value::<i32>("Op", "absent").unwrap(), None);
        let e = q.required_value::<i32>("Op", "X-Flag").unwrap_err();
        assert!(e.to_string().contains("`X-Flag`"), "{e}");
        let e = q.required_text("Op", "absent").unwrap_err();
        assert!(e.to_string().contains("`absent` is not set"), "{e}");
    }
}
