//! A simulated job server on 127.0.0.1 that plays scripted job histories for every job service
//! of a folder of specs (the workspace's `specs/` by default), in their real response shapes,
//! and IAM's token call. Nothing in it names a service: a new spec is simulated as it is.
//!
//! Each job operation of a spec (`x-cloudjobs-job`, see `specs/README.md`) is a
//! [`SimService`]: its name, method and path template, where the job id goes (a path segment or
//! a query parameter), its required parameters, its state lists, and its documented examples.
//! A request is routed by its path: template segments in braces match any text, the literal
//! ones must be equal. When several services have the same template (IMS, ECS and EVS all
//! have `/v1/{project_id}/jobs/{job_id}`), a path that starts with a service's name
//! (`/vbs/v1/...`, an endpoint `http://127.0.0.1:N/vbs`) is that service's, else the job id
//! decides: the service with a script for it answers (else the first).
//!
//! A script is registered for a service and a job id: one [`Step`] per request (the last one
//! repeats), each either a job state (a [`Phase`], mapped to the service's own status values,
//! in the spec's 200 example) or an HTTP error (`429`, `503`, ... with the service's error body
//! and an optional `Retry-After`). Requests must be authenticated (`X-Auth-Token` equal to the
//! server's token, or an AK/SK `Authorization` with its access key) and carry the operation's
//! required parameters; every request is recorded.
//!
//! The server runs on its own thread with its own runtime, so it serves synchronous tests
//! (that run the `cloudjobs` binary) and asynchronous ones alike; it stops when dropped.
//!
//! ```no_run
//! use cloudjobs_tests::jobsim::{JobSim, Phase, Script};
//!
//! let sim = JobSim::start();
//! sim.script("ims", "job-1", Script::new([Phase::Pending, Phase::Running, Phase::Succeeded]));
//! for service in sim.services() {
//!     println!("{} {} {}", service.name, service.method, service.path);
//! }
//! println!("{}", sim.url());
//! ```

mod body;
mod service;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use cloudjobs::runtime::any_service::ParamPlace;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

pub use body::error_body;
pub use service::{JobPointers, SimParam, SimService, States, SubtaskPointers, load_services};

/// The token the server accepts (`X-Auth-Token`) and hands out from `POST /v3/auth/tokens`.
pub const TOKEN: &str = "jobsim-token-0123456789";
/// The project id IAM reports for a password token.
pub const PROJECT_ID: &str = "0b1f2e3d4c5b6a798877665544332211";
/// The access key the server accepts in an AK/SK `Authorization` header.
pub const ACCESS_KEY: &str = "JOBSIMACCESSKEY";

/// A job state, whatever the service calls it (see [`States::status`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Queued: the first `pending` status (`INIT`, `WAITING`), or the first `running` one
    /// where the spec lists none (CFW says `Running`).
    Pending,
    /// In progress.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Finished unsuccessfully.
    Failed,
    /// Any status value as sent (an unknown one, say).
    Other(String),
}

/// One answer of the server to a request for a job.
#[derive(Debug, Clone)]
pub enum Step {
    /// `200` with the job in this state.
    Job {
        /// The state.
        phase: Phase,
        /// Done share, 0 to 100: written at the `progress` pointer, and deciding which
        /// sub-tasks are done (see [`SimService::job_body`]).
        percent: Option<u8>,
        /// Error code and reason of a failed job, written where the spec has pointers for them.
        failure: Option<(String, String)>,
    },
    /// An error status with the service's error body (see [`SimService::error_body`]).
    Http {
        /// The status.
        status: u16,
        /// A `Retry-After` header, in seconds.
        retry_after: Option<u64>,
    },
}

impl Step {
    /// `200` with the job in `phase`.
    pub fn job(phase: Phase) -> Self {
        Step::Job {
            phase,
            percent: None,
            failure: None,
        }
    }

    /// `200` with the job in `phase`, `percent` done.
    pub fn progress(phase: Phase, percent: u8) -> Self {
        Step::Job {
            phase,
            percent: Some(percent.min(100)),
            failure: None,
        }
    }

    /// `200` with a failed job.
    pub fn failed(code: &str, reason: &str) -> Self {
        Step::Job {
            phase: Phase::Failed,
            percent: None,
            failure: Some((code.to_owned(), reason.to_owned())),
        }
    }

    /// An error status.
    pub fn http(status: u16) -> Self {
        Step::Http {
            status,
            retry_after: None,
        }
    }

    /// An error status with `Retry-After: seconds`.
    pub fn http_retry_after(status: u16, seconds: u64) -> Self {
        Step::Http {
            status,
            retry_after: Some(seconds),
        }
    }
}

impl From<Phase> for Step {
    fn from(phase: Phase) -> Self {
        Step::job(phase)
    }
}

/// A job's history: one step per request, the last repeated forever.
#[derive(Debug, Clone)]
pub struct Script {
    steps: Vec<Step>,
}

impl Script {
    /// The steps, in order (an empty list answers `404`).
    pub fn new<S: Into<Step>>(steps: impl IntoIterator<Item = S>) -> Self {
        Self {
            steps: steps.into_iter().map(Into::into).collect(),
        }
    }

    /// Pending (0 %) -> running (50 %) -> succeeded (100 %).
    pub fn succeeds() -> Self {
        Self::new([
            Step::progress(Phase::Pending, 0),
            Step::progress(Phase::Running, 50),
            Step::progress(Phase::Succeeded, 100),
        ])
    }

    /// Running (30 %) -> failed, with a code and a reason.
    pub fn fails(code: &str, reason: &str) -> Self {
        Self::new([
            Step::progress(Phase::Running, 30),
            Step::failed(code, reason),
        ])
    }

    /// A job that never ends (running, 10 %).
    pub fn never_ends() -> Self {
        Self::new([Step::progress(Phase::Running, 10)])
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// The path (without query).
    pub path: String,
    /// The query, without `?` (empty when none).
    pub query: String,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
    /// The status answered.
    pub status: u16,
    /// The service the request was routed to, by name.
    pub service: Option<String>,
    /// The job id it asked for.
    pub job: Option<String>,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's value (percent-decoded).
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query
            .split('&')
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .find(|(n, _)| body::percent_decode(n) == name)
            .map(|(_, v)| body::percent_decode(&v.replace('+', " ")))
    }
}

/// A script being played: its steps and the next one.
struct Playing {
    script: Script,
    next: usize,
}

#[derive(Default)]
struct State {
    /// By service name and job id.
    scripts: HashMap<(String, String), Playing>,
    /// The script of a job nobody scripted, by its id (`jobsim` plays every job id).
    unscripted: Option<fn(&str) -> Script>,
    requests: Vec<Recorded>,
}

/// What the server thread shares with the [`JobSim`].
struct Shared {
    services: Arc<[SimService]>,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The simulated server; stops when dropped.
pub struct JobSim {
    url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The workspace's `specs/` folder.
pub fn workspace_specs() -> PathBuf {
    crate::paths::project_root().join("specs")
}

impl JobSim {
    /// Starts a server on a free port of 127.0.0.1 for every job service of the workspace's
    /// `specs/` (loaded once per process).
    ///
    /// # Panics
    ///
    /// When a spec cannot be loaded (the message names it), or no port can be bound or no
    /// thread started (test support only).
    pub fn start() -> Self {
        static WORKSPACE: OnceLock<Arc<[SimService]>> = OnceLock::new();
        let services = WORKSPACE.get_or_init(|| load_services(&workspace_specs()).into());
        Self::listen(Arc::clone(services))
    }

    /// Starts a server for every job service of the specs in `dir`.
    ///
    /// # Panics
    ///
    /// As [`JobSim::start`].
    pub fn start_with_specs(dir: impl AsRef<Path>) -> Self {
        Self::listen(load_services(dir.as_ref()).into())
    }

    /// Starts a server for every job service of the specs in `dir` on `port` of 127.0.0.1
    /// (0: a free one).
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    ///
    /// # Panics
    ///
    /// As [`JobSim::start`], for a spec that cannot be loaded.
    pub fn start_on(dir: impl AsRef<Path>, port: u16) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        Ok(Self::listen_on(
            load_services(dir.as_ref()).into(),
            listener,
        ))
    }

    /// Plays `rule(job_id)` for every job id of every service that has no script of its own
    /// (scripts registered with [`JobSim::script`] still win).
    pub fn play_unscripted(&self, rule: fn(&str) -> Script) {
        self.shared.lock().unscripted = Some(rule);
    }

    /// Starts the server thread for `services`.
    fn listen(services: Arc<[SimService]>) -> Self {
        let std_listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port on 127.0.0.1");
        Self::listen_on(services, std_listener)
    }

    /// Starts the server thread for `services` on a bound listener.
    fn listen_on(services: Arc<[SimService]>, std_listener: std::net::TcpListener) -> Self {
        std_listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let url = format!(
            "http://{}",
            std_listener.local_addr().expect("the listener's address")
        );
        let shared = Arc::new(Shared {
            services,
            state: Mutex::default(),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("jobsim".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the simulated server");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(std_listener).expect("tokio listener");
                    let accept = async {
                        loop {
                            let Ok((stream, _)) = listener.accept().await else {
                                continue;
                            };
                            let shared = Arc::clone(&server);
                            tokio::spawn(async move {
                                let _ = serve(stream, &shared).await;
                            });
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = stopped => {}
                    }
                });
            })
            .expect("start the simulated server's thread");
        Self {
            url,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The base URL, such as `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every simulated service, sorted by name.
    pub fn services(&self) -> &[SimService] {
        &self.shared.services
    }

    /// The service called `name` (its name, an alias or its module).
    ///
    /// # Panics
    ///
    /// When there is none (test support only).
    pub fn service(&self, name: &str) -> &SimService {
        self.services()
            .iter()
            .find(|s| s.is_called(name))
            .unwrap_or_else(|| {
                let known: Vec<&str> = self.services().iter().map(|s| s.name.as_str()).collect();
                panic!("jobsim: no service `{name}` (there are {known:?})")
            })
    }

    /// Plays `script` for the job `job_id` of `service` (a name as [`JobSim::service`] takes
    /// it), from its first step.
    ///
    /// # Panics
    ///
    /// When there is no such service.
    pub fn script(&self, service: &str, job_id: &str, script: Script) {
        let name = self.service(service).name.clone();
        self.shared
            .lock()
            .scripts
            .insert((name, job_id.to_owned()), Playing { script, next: 0 });
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// The requests for the job `job_id` (of any service).
    pub fn requests_for(&self, job_id: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.job.as_deref() == Some(job_id))
            .collect()
    }
}

impl Drop for JobSim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves one connection: HTTP/1.1 requests one after another (keep-alive).
async fn serve(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let (path, query) = (path.to_owned(), query.to_owned());
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).await? == 0 {
                return Ok(());
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0)
            .min(1 << 20);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        let mut recorded = Recorded {
            method,
            path,
            query,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            status: 0,
            service: None,
            job: None,
        };
        let answer = answer(&mut recorded, shared);
        recorded.status = answer.status;
        let count = {
            let mut state = shared.lock();
            state.requests.push(recorded);
            state.requests.len()
        };
        let mut response = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-request-id: jobsim-{count}\r\n",
            answer.status,
            reason(answer.status),
            answer.body.len(),
        );
        for (name, value) in &answer.headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        // One write: head and body in two segments would wait for the client's delayed ACK.
        response.push_str(&answer.body);
        let stream = reader.get_mut();
        stream.write_all(response.as_bytes()).await?;
        stream.flush().await?;
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn authenticated(request: &Recorded) -> bool {
    request.header("x-auth-token") == Some(TOKEN)
        || request.header("authorization").is_some_and(|a| {
            a.starts_with("SDK-HMAC-SHA256 ") && a.contains(&format!("Access={ACCESS_KEY},"))
        })
}

/// The service `request` is for, and the job id it names (`None` when its query lacks it).
/// Among the services whose template fits the path, the first with a script for the job id,
/// else the first.
fn route<'a>(
    request: &Recorded,
    services: &'a [SimService],
    state: &State,
) -> Option<(&'a SimService, Option<String>)> {
    // `/<service>/rest`: only that service, on the rest of the path.
    let prefixed = (request.path.strip_prefix('/'))
        .and_then(|p| p.split_once('/'))
        .filter(|(first, _)| services.iter().any(|s| s.name == *first));
    let (only, path) = match prefixed {
        Some((first, rest)) => (Some(first), format!("/{rest}")),
        None => (None, request.path.clone()),
    };
    let candidates = services.iter().filter_map(|service| {
        if only.is_some_and(|o| o != service.name) {
            return None;
        }
        let params = service.match_path(&path)?;
        let job = match service.job_id_place {
            ParamPlace::Query => request.query_param(&service.job_id_param),
            _ => params
                .into_iter()
                .find(|(name, _)| *name == service.job_id_param)
                .map(|(_, value)| value),
        };
        Some((service, job))
    });
    let mut first = None;
    for (service, job) in candidates {
        if let Some(job) = &job
            && state
                .scripts
                .contains_key(&(service.name.clone(), job.clone()))
        {
            return Some((service, Some(job.clone())));
        }
        first.get_or_insert((service, job));
    }
    first
}

/// Whether `request` carries the required parameter `param` (path ones are in the path it
/// was routed by).
fn has(request: &Recorded, param: &SimParam) -> bool {
    match param.place {
        ParamPlace::Path => true,
        ParamPlace::Query => request.query_param(&param.name).is_some(),
        ParamPlace::Header => request.header(&param.name).is_some(),
    }
}

/// Answers `request`, noting in it the service and job it was routed to.
fn answer(request: &mut Recorded, shared: &Shared) -> Answer {
    if request.method == "POST" && request.path == "/v3/auth/tokens" {
        return token(request);
    }
    let routed = route(request, &shared.services, &shared.lock());
    let Some((service, job)) = routed else {
        return Answer::json(404, &error_body(None, 404));
    };
    request.service = Some(service.name.clone());
    request.job.clone_from(&job);
    let error = |status: u16| Answer::json(status, &service.error_body(status));
    if request.method != service.method {
        return error(400);
    }
    if !authenticated(request) {
        return error(401);
    }
    let Some(job) = job else {
        return error(400);
    };
    if !service.required_params.iter().all(|p| has(request, p)) {
        return error(400);
    }
    let step = {
        let mut state = shared.lock();
        let key = (service.name.clone(), job.clone());
        if let (false, Some(rule)) = (state.scripts.contains_key(&key), state.unscripted) {
            let playing = Playing {
                script: rule(&job),
                next: 0,
            };
            state.scripts.insert(key.clone(), playing);
        }
        let Some(playing) = state.scripts.get_mut(&key) else {
            return error(404);
        };
        let steps = &playing.script.steps;
        let Some(step) = steps.get(playing.next.min(steps.len().saturating_sub(1))) else {
            return error(404);
        };
        let step = step.clone();
        playing.next += 1;
        step
    };
    match step {
        Step::Http {
            status,
            retry_after,
        } => {
            let mut answer = error(status);
            if let Some(seconds) = retry_after {
                answer
                    .headers
                    .push(("retry-after".into(), seconds.to_string()));
            }
            answer
        }
        Step::Job {
            phase,
            percent,
            failure,
        } => Answer::json(
            200,
            &service.job_body(&job, &phase, percent, failure.as_ref()),
        ),
    }
}

/// `POST /v3/auth/tokens`: a token for the right password, `401` otherwise.
fn token(request: &Recorded) -> Answer {
    let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
    let user = &body["auth"]["identity"]["password"]["user"];
    if user["password"].as_str() != Some("jobsim-password") || user["name"].as_str().is_none() {
        return Answer::json(
            401,
            &json!({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}),
        );
    }
    let project = &body["auth"]["scope"]["project"];
    let name = project["name"].as_str().unwrap_or("eu-de");
    let mut answer = Answer::json(
        201,
        &json!({"token": {
            "expires_at": "2099-01-01T00:00:00.000000Z",
            "issued_at": "2098-12-31T00:00:00.000000Z",
            "methods": ["password"],
            "project": {"id": PROJECT_ID, "name": name, "domain": {"id": "d1", "name": "jobsim-domain"}},
            "user": {"id": "u1", "name": user["name"], "domain": {"id": "d1", "name": "jobsim-domain"}}
        }}),
    );
    answer
        .headers
        .push(("x-subject-token".into(), TOKEN.to_owned()));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of specs for one test, removed when dropped.
    struct Specs(PathBuf);

    impl Specs {
        fn new(name: &str, files: &[(&str, &str)]) -> Self {
            let dir = std::env::temp_dir().join(format!("jobsim-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (file, text) in files {
                std::fs::write(dir.join(file), text).unwrap();
            }
            Self(dir)
        }
    }

    impl Drop for Specs {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Two services on the same template (one with a 200 example, sub-tasks and an
    /// `error.code` error example; one with no example at all), one with the job id in the
    /// query, a numeric pointer, `$ref`s and required query and path parameters, and a spec
    /// without a job operation.
    const ALPHA: &str = r#"
openapi: 3.0.3
info: {title: Alpha, version: "1"}
paths:
  /v1/{project_id}/jobs/{job_id}:
    parameters:
      - {name: project_id, in: path, required: true, schema: {type: string}}
    get:
      operationId: ShowJob
      parameters:
        - {name: job_id, in: path, required: true, schema: {type: string}}
        - {name: X-Auth-Token, in: header, required: true, schema: {type: string}}
        - {name: X-Trace, in: header, required: false, schema: {type: string}}
      x-cloudjobs-job:
        status: /status
        pending: [QUEUED]
        running: [RUNNING]
        succeeded: [DONE]
        failed: [ERROR]
        id: /id
        progress: /progress
        error_code: /error/code
        subtasks: {items: /steps, status: /state, error_reason: /why, running: [BUSY]}
      responses:
        "200":
          description: The job.
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
                  status: {type: string}
                  progress: {type: string}
                  error: {type: object, properties: {code: {type: string, nullable: true}}}
                  steps:
                    type: array
                    items: {type: object, properties: {state: {type: string}, why: {type: string}}}
              example: {id: "x", status: DONE, progress: "0%", error: {code: null}, steps: [{state: DONE}, {state: DONE}, {state: DONE}]}
        "404":
          description: No job.
          content:
            application/json:
              schema: {type: object}
              example: {error: {code: ALPHA.1, message: gone}, request_id: r}
components:
  securitySchemes:
    token: {type: apiKey, in: header, name: X-Auth-Token}
security:
  - token: []
"#;

    const BETA: &str = r#"
openapi: 3.0.3
info:
  title: Beta
  version: "1"
  x-cloudjobs-service: {name: beta, aliases: [b]}
paths:
  /v1/{project_id}/jobs/{job_id}:
    get:
      parameters:
        - {name: project_id, in: path, required: true, schema: {type: string}}
        - {name: job_id, in: path, required: true, schema: {type: string}}
      x-cloudjobs-job: {status: /job/state, running: [R], succeeded: [S], failed: [F], id: /job/id}
      responses:
        "200":
          description: The job, with no example.
          content:
            application/json:
              schema:
                type: object
                properties:
                  job: {type: object, properties: {state: {type: string}, id: {type: string}}}
"#;

    const GAMMA: &str = r##"
openapi: 3.0.3
info: {title: Gamma, version: "1"}
paths:
  /v2/{project}/instances/{instance_id}/tasks:
    get:
      parameters:
        - $ref: "#/components/parameters/Project"
        - {name: instance_id, in: path, required: true, schema: {type: string}}
        - {name: id, in: query, required: true, schema: {type: string}}
        - {name: zone, in: query, required: true, schema: {type: integer}}
      x-cloudjobs-job: {status: /tasks/0/status, running: [R], succeeded: [S], failed: [F], id: /tasks/0/id, job_id_param: id, project_param: project}
      responses:
        "200":
          description: The tasks.
          content:
            application/json:
              schema:
                type: object
                properties:
                  count: {type: integer}
                  tasks:
                    type: array
                    items: {type: object, properties: {id: {type: string}, status: {type: string}}}
              examples:
                one: {$ref: "#/components/examples/Tasks"}
components:
  parameters:
    Project: {name: project, in: path, required: true, schema: {type: string}}
  examples:
    Tasks: {value: {count: 1, tasks: [{id: 7, status: S}]}}
"##;

    const IAM: &str = r#"
openapi: 3.0.3
info: {title: IAM, version: "1"}
paths:
  /v3/auth/tokens:
    post:
      responses:
        "201": {description: A token.}
"#;

    fn get(path_and_query: &str, headers: &[(&str, &str)]) -> Recorded {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let mut headers: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), (*v).to_owned()))
            .collect();
        headers.push(("x-auth-token".into(), TOKEN.into()));
        Recorded {
            method: "GET".into(),
            path: path.into(),
            query: query.into(),
            headers,
            body: String::new(),
            status: 0,
            service: None,
            job: None,
        }
    }

    #[test]
    fn services_routes_and_bodies_come_from_the_specs() {
        let specs = Specs::new(
            "routes",
            &[
                ("alpha-jobs.yaml", ALPHA),
                ("beta.yaml", BETA),
                ("gamma_jobs.yaml", GAMMA),
                ("iam.yaml", IAM),
            ],
        );
        let sim = JobSim::start_with_specs(&specs.0);
        let names: Vec<&str> = sim.services().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["alpha", "beta", "gamma"]);
        assert_eq!(sim.service("B").module, "beta");
        let gamma = sim.service("gamma_jobs");
        assert_eq!(
            (gamma.job_id_param.as_str(), gamma.job_id_place),
            ("id", ParamPlace::Query)
        );
        assert_eq!(gamma.project_param.as_deref(), Some("project"));
        let required: Vec<(&str, &str)> = gamma
            .required_params
            .iter()
            .map(|p| (p.name.as_str(), p.sample.as_str()))
            .collect();
        assert_eq!(required, [("instance_id", "instance-id-1"), ("zone", "1")]);
        assert!(sim.service("alpha").required_params.is_empty());
        assert_eq!(sim.service("beta").status(&Phase::Pending), "R");

        // The same template: the job id decides.
        sim.script(
            "alpha",
            "a1",
            Script::new([Step::progress(Phase::Running, 50)]),
        );
        sim.script("beta", "b1", Script::new([Phase::Succeeded]));
        sim.script("gamma", "g1", Script::new([Step::failed("E1", "broken")]));
        let shared = &sim.shared;
        let mut alpha = get("/v1/p/jobs/a1", &[]);
        let reply = answer(&mut alpha, shared);
        assert_eq!(
            (alpha.service.as_deref(), alpha.job.as_deref()),
            (Some("alpha"), Some("a1"))
        );
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(
            body,
            json!({"id": "a1", "status": "RUNNING", "progress": "50%", "error": {"code": null},
                   "steps": [{"state": "DONE"}, {"state": "BUSY"}, {"state": "BUSY"}]})
        );
        let mut beta = get("/v1/p/jobs/b1", &[]);
        let reply = answer(&mut beta, shared);
        assert_eq!(beta.service.as_deref(), Some("beta"));
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body, json!({"job": {"state": "S", "id": "b1"}}));

        // The job id in the query, a numeric pointer, the example's types kept.
        let mut gamma = get("/v2/p/instances/i-1/tasks?zone=3&id=g1", &[]);
        let reply = answer(&mut gamma, shared);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(
            body,
            json!({"count": 1, "tasks": [{"id": "g1", "status": "F"}]})
        );
        // A required parameter missing, the job id missing: 400.
        for path in [
            "/v2/p/instances/i-1/tasks?id=g1",
            "/v2/p/instances/i-1/tasks?zone=3",
        ] {
            assert_eq!(answer_for(shared, path), 400, "{path}");
        }
        // Unknown jobs: the service's documented error body; unknown paths: a default one.
        let mut unknown = get("/v1/p/jobs/nope", &[]);
        let reply = answer(&mut unknown, shared);
        assert_eq!(reply.status, 404);
        assert_eq!(
            serde_json::from_str::<Value>(&reply.body).unwrap(),
            json!({"error": {"code": "JOBSIM.404", "message": "The job does not exist"}, "request_id": "r"})
        );
        assert_eq!(answer_for(shared, "/v1/p/jobs"), 404);
        assert_eq!(answer_for(shared, "/v1/p/jobs/a1"), 200);
    }

    fn answer_for(shared: &Shared, path: &str) -> u16 {
        answer(&mut get(path, &[]), shared).status
    }

    #[test]
    #[should_panic(expected = "jobsim: cannot load broken/bad.yaml")]
    fn a_broken_spec_is_named() {
        let specs = Specs::new("broken", &[("bad.yaml", "openapi: 3.0.3\ninfo: [")]);
        let dir = specs.0.join("broken");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::rename(specs.0.join("bad.yaml"), dir.join("bad.yaml")).unwrap();
        load_services(&dir);
    }
}
