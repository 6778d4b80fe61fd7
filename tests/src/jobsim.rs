//! A simulated job server on 127.0.0.1 that plays scripted job histories for the four job
//! APIs, in their real response shapes (built from the spec examples), and IAM's token call.
//!
//! Each job id gets a [`Script`]: one [`Step`] per request (the last one repeats), each either
//! a job state (an [`Phase`], mapped to each service's own status values) or an HTTP error
//! (`429`, `503`, ... with the service's error body and an optional `Retry-After`). Requests
//! must be authenticated (`X-Auth-Token` equal to the server's token, or an AK/SK
//! `Authorization` with its access key); every request is recorded.
//!
//! The server runs on its own thread with its own runtime, so it serves synchronous tests
//! (that run the `cloudjobs` binary) and asynchronous ones alike; it stops when dropped.
//!
//! ```no_run
//! use cloudjobs_tests::jobsim::{JobSim, Phase, Script};
//!
//! let sim = JobSim::start();
//! sim.script("job-1", Script::new([Phase::Pending, Phase::Running, Phase::Succeeded]));
//! println!("{}", sim.url());
//! ```

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The token the server accepts (`X-Auth-Token`) and hands out from `POST /v3/auth/tokens`.
pub const TOKEN: &str = "jobsim-token-0123456789";
/// The project id IAM reports for a password token.
pub const PROJECT_ID: &str = "0b1f2e3d4c5b6a798877665544332211";
/// The access key the server accepts in an AK/SK `Authorization` header.
pub const ACCESS_KEY: &str = "JOBSIMACCESSKEY";

/// Which API a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// OTC IMS `GET /v1/{project_id}/jobs/{job_id}`.
    Ims,
    /// CAE `GET /v1/{project_id}/cae/jobs/{job_id}`.
    Cae,
    /// CFW `GET /v3/{project_id}/jobs/{job_id}`.
    Cfw,
    /// Workspace `GET /v1/{project_id}/image-server-jobs/{job_id}`.
    Workspace,
}

impl Api {
    /// All four.
    pub const ALL: [Api; 4] = [Api::Ims, Api::Cae, Api::Cfw, Api::Workspace];

    /// The CLI's name of the service.
    pub fn cli_name(self) -> &'static str {
        match self {
            Api::Ims => "ims",
            Api::Cae => "cae",
            Api::Cfw => "cfw",
            Api::Workspace => "workspace",
        }
    }

    /// The generated module's name (the endpoint key).
    pub fn module(self) -> &'static str {
        match self {
            Api::Ims => "otc_ims_jobs",
            Api::Cae => "cae_jobs",
            Api::Cfw => "cfw_jobs",
            Api::Workspace => "workspace_image_jobs",
        }
    }

    /// The path of a job.
    pub fn path(self, project: &str, job: &str) -> String {
        match self {
            Api::Ims => format!("/v1/{project}/jobs/{job}"),
            Api::Cae => format!("/v1/{project}/cae/jobs/{job}"),
            Api::Cfw => format!("/v3/{project}/jobs/{job}"),
            Api::Workspace => format!("/v1/{project}/image-server-jobs/{job}"),
        }
    }

    /// The status value this API sends for a phase.
    pub fn status(self, phase: &Phase) -> String {
        let known = |ims: &str, cae: &str, cfw: &str, ws: &str| {
            match self {
                Api::Ims => ims,
                Api::Cae => cae,
                Api::Cfw => cfw,
                Api::Workspace => ws,
            }
            .to_owned()
        };
        match phase {
            // CFW documents no queued state: its jobs start `Running`.
            Phase::Pending => known("INIT", "init", "Running", "WAITING"),
            Phase::Running => known("RUNNING", "running", "Running", "RUNNING"),
            Phase::Succeeded => known("SUCCESS", "success", "Success", "SUCCESS"),
            Phase::Failed => known("FAIL", "failed", "Failed", "FAILED"),
            Phase::Other(status) => status.clone(),
        }
    }

    fn from_path(path: &str) -> Option<(Api, String, String)> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (api, project, job) = match parts.as_slice() {
            ["v1", p, "jobs", j] => (Api::Ims, p, j),
            ["v1", p, "cae", "jobs", j] => (Api::Cae, p, j),
            ["v3", p, "jobs", j] => (Api::Cfw, p, j),
            ["v1", p, "image-server-jobs", j] => (Api::Workspace, p, j),
            _ => return None,
        };
        Some((api, (*project).to_owned(), (*job).to_owned()))
    }
}

/// A job state, whatever the service calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Queued (`INIT`, `init`, `WAITING`; CFW has none and says `Running`).
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
        /// Done share, 0 to 100: CAE's `progress`, IMS's and Workspace's sub-jobs.
        percent: Option<u8>,
        /// Error code and reason of a failed job (where the API has them).
        failure: Option<(String, String)>,
    },
    /// An error status with the service's error body.
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

    /// INIT -> RUNNING (50 %) -> SUCCESS.
    pub fn succeeds() -> Self {
        Self::new([
            Step::progress(Phase::Pending, 0),
            Step::progress(Phase::Running, 50),
            Step::progress(Phase::Succeeded, 100),
        ])
    }

    /// RUNNING -> FAIL with a code and a reason.
    pub fn fails(code: &str, reason: &str) -> Self {
        Self::new([
            Step::progress(Phase::Running, 30),
            Step::failed(code, reason),
        ])
    }

    /// A job that never ends.
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
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
    /// The status answered.
    pub status: u16,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    scripts: HashMap<String, (Script, usize)>,
    requests: Vec<Recorded>,
}

/// The simulated server; stops when dropped.
pub struct JobSim {
    url: String,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl JobSim {
    /// Starts a server on a free port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// When no port can be bound or no thread started (test support only).
    pub fn start() -> Self {
        let std_listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port on 127.0.0.1");
        std_listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let url = format!(
            "http://{}",
            std_listener.local_addr().expect("the listener's address")
        );
        let state = Arc::new(Mutex::new(State::default()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = Arc::clone(&state);
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
                            let state = Arc::clone(&shared);
                            tokio::spawn(async move {
                                let _ = serve(stream, state).await;
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
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The base URL, such as `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Plays `script` for the job `job_id` (any service), from its first step.
    pub fn script(&self, job_id: &str, script: Script) {
        lock(&self.state)
            .scripts
            .insert(job_id.to_owned(), (script, 0));
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state).requests.clone()
    }

    /// The requests for one job.
    pub fn requests_for(&self, job_id: &str) -> Vec<Recorded> {
        let suffix = format!("/{job_id}");
        self.requests()
            .into_iter()
            .filter(|r| r.path.ends_with(&suffix))
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

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Serves one connection: HTTP/1.1 requests one after another (keep-alive).
async fn serve(stream: TcpStream, state: Arc<Mutex<State>>) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
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
        let path = target.split('?').next().unwrap_or_default().to_owned();
        let mut recorded = Recorded {
            method,
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            status: 0,
        };
        let answer = answer(&recorded, &state);
        recorded.status = answer.status;
        lock(&state).requests.push(recorded);
        let mut head = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-request-id: jobsim-{}\r\n",
            answer.status,
            reason(answer.status),
            answer.body.len(),
            lock(&state).requests.len()
        );
        for (name, value) in &answer.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let stream = reader.get_mut();
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(answer.body.as_bytes()).await?;
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

/// The error body each service sends.
fn error_body(api: Option<Api>, status: u16) -> Value {
    let (code, message) = match status {
        401 => ("APIGW.0301", "Incorrect IAM authentication information"),
        404 => ("JOBSIM.404", "The job does not exist"),
        429 => ("APIGW.0308", "The throttling threshold has been reached"),
        503 => ("JOBSIM.503", "Service temporarily unavailable"),
        400 => ("JOBSIM.400", "Bad request"),
        _ => ("JOBSIM.500", "Internal error"),
    };
    match api {
        Some(Api::Ims) => json!({"error": {"code": code, "message": message}}),
        _ => json!({"error_code": code, "error_msg": message}),
    }
}

fn authenticated(request: &Recorded) -> bool {
    request.header("x-auth-token") == Some(TOKEN)
        || request.header("authorization").is_some_and(|a| {
            a.starts_with("SDK-HMAC-SHA256 ") && a.contains(&format!("Access={ACCESS_KEY},"))
        })
}

fn answer(request: &Recorded, state: &Mutex<State>) -> Answer {
    if request.method == "POST" && request.path == "/v3/auth/tokens" {
        return token(request);
    }
    let Some((api, _project, job)) = Api::from_path(&request.path) else {
        return Answer::json(404, &error_body(None, 404));
    };
    if request.method != "GET" {
        return Answer::json(400, &error_body(Some(api), 400));
    }
    if !authenticated(request) {
        return Answer::json(401, &error_body(Some(api), 401));
    }
    if api == Api::Cae && request.header("x-environment-id").is_none() {
        return Answer::json(400, &error_body(Some(api), 400));
    }
    let step = {
        let mut state = lock(state);
        let Some((script, next)) = state.scripts.get_mut(&job) else {
            return Answer::json(404, &error_body(Some(api), 404));
        };
        let Some(step) = script
            .steps
            .get((*next).min(script.steps.len().saturating_sub(1)))
        else {
            return Answer::json(404, &error_body(Some(api), 404));
        };
        let step = step.clone();
        *next += 1;
        step
    };
    match step {
        Step::Http {
            status,
            retry_after,
        } => {
            let mut answer = Answer::json(status, &error_body(Some(api), status));
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
        } => Answer::json(200, &job_body(api, &job, &phase, percent, failure.as_ref())),
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

/// A 200 body in the API's real shape (the spec's example, with the state filled in).
pub fn job_body(
    api: Api,
    job: &str,
    phase: &Phase,
    percent: Option<u8>,
    failure: Option<&(String, String)>,
) -> Value {
    let status = api.status(phase);
    let done = matches!(phase, Phase::Succeeded | Phase::Failed);
    // Two sub-jobs: the first done from 50 % on, the second when the job is.
    let sub = |i: usize| -> Phase {
        let reached = percent.unwrap_or(0) >= 50 * (i as u8 + 1) || done;
        match (reached, phase) {
            (true, Phase::Failed) if i == 1 => Phase::Failed,
            (true, _) => Phase::Succeeded,
            (false, Phase::Pending) => Phase::Pending,
            (false, _) => Phase::Running,
        }
    };
    let (code, reason) = failure
        .map(|(c, r)| (json!(c), json!(r)))
        .unwrap_or((Value::Null, Value::Null));
    match api {
        Api::Ims => json!({
            "status": status,
            "job_id": job,
            "job_type": "imsImportImageJob",
            "begin_time": "04-Jun-2015 18:11:06:586",
            "end_time": if done { json!("04-Jun-2015 18:31:06:586") } else { json!("") },
            "error_code": code,
            "fail_reason": reason,
            "entities": {
                "image_id": if matches!(phase, Phase::Succeeded) { json!("e9e91bff-14b6-4a0b-8377-4ed0813e3360") } else { Value::Null },
                "sub_jobs_result": (0..2).map(|i| json!({
                    "status": api.status(&sub(i)),
                    "job_id": format!("{job}-sub{i}"),
                    "job_type": "imsGoofysImportImageJob",
                    "begin_time": "04-Jun-2015 18:11:06:586",
                    "end_time": "",
                    "error_code": if sub(i) == Phase::Failed { code.clone() } else { Value::Null },
                    "fail_reason": if sub(i) == Phase::Failed { reason.clone() } else { Value::Null },
                })).collect::<Vec<_>>()
            }
        }),
        Api::Cae => json!({
            "api_version": "v1",
            "kind": "Job",
            "spec": {
                "progress": percent.unwrap_or(if done { 100 } else { 0 }),
                "status": status,
                "tasks": [{
                    "index": 1,
                    "name": "upgrade",
                    "status": api.status(&sub(1)),
                    "detail": failure.map(|(_, r)| r.as_str()).unwrap_or(""),
                    "created_at": "2023-02-16T11:24:07.950175Z",
                    "updated_at": "2023-02-16T11:24:07.950175Z"
                }]
            }
        }),
        Api::Cfw => {
            let mut body = json!({
                "data": {
                    "begin_time": 1_641_370_501_000_i64,
                    "end_time": if done { json!(1_641_370_515_000_i64) } else { Value::Null },
                    "id": job,
                    "status": status
                }
            });
            if let (Some(map), Some((c, r))) = (body.as_object_mut(), failure) {
                map.insert("error_code".into(), json!(c));
                map.insert("error_msg".into(), json!(r));
            }
            body
        }
        Api::Workspace => json!({
            "id": job,
            "job_type": "CREATE_SERVER_IMAGE",
            "begin_time": "2024-05-20T10:39:49.61Z",
            "status": status,
            "sub_jobs_total": 2,
            "sub_jobs": (0..2).map(|i| json!({
                "id": format!("{job}{i}"),
                "job_type": if i == 0 { "CREATE_SERVER" } else { "CREATE_SERVER_IMAGE" },
                "job_resource_info": {
                    "resource_id": if sub(i) == Phase::Succeeded { json!(format!("f5d443de-a623-4950-a74d-569fe63c1f7{i}")) } else { json!("") },
                    "resource_name": "jobsim"
                },
                "begin_time": "2024-05-20T10:39:50.723Z",
                "status": api.status(&sub(i)),
                "job_execute_info": {
                    "error_code": if sub(i) == Phase::Failed { code.clone() } else { json!("") },
                    "error_message": if sub(i) == Phase::Failed { reason.clone() } else { json!("") }
                },
                "project_id": "a4da8115c9d8464ead3a38309130523f",
                "job_id": job
            })).collect::<Vec<_>>()
        }),
    }
}
