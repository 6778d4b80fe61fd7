//! The runtime's tracing, captured by a subscriber writing into a buffer (the command line's
//! `tracing-subscriber` text format, every level of `cloudjobs`): a static token, AK/SK with
//! a security token, IAM password authentication, a `503` retried, a `401` refreshed and a
//! wait against the simulated job server each leave the expected spans and events, and no
//! secret reaches any of them.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudjobs::apis::registry;
use cloudjobs::runtime::any_service::{JobClient, JobQuery};
use cloudjobs::runtime::wait::{WaitPolicy, wait_for};
use cloudjobs::runtime::{
    AkSk, Auth, Config, Error, Job, PasswordAuth, Request, RetryPolicy, ServiceClient, StateKind,
    encode_path,
};
use cloudjobs_tests::jobsim::{self, JobSim, Phase, Script, Step};
use cloudjobs_tests::support::{JOBS, SHOW_JOB};
use tracing_subscriber::util::SubscriberInitExt as _;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "pw-SECRET-1";
const STATIC_TOKEN: &str = "tok-SECRET-2";
const SECRET_KEY: &str = "sk-SECRET-3";
const SECURITY_TOKEN: &str = "st-SECRET-4";
/// IAM's `X-Subject-Token` values are `MIIS-SECRET-<n>`.
const SUBJECT_TOKEN: &str = "MIIS-SECRET-";
/// The password of a URL's userinfo.
const URL_PASSWORD: &str = "url-SECRET-5";

/// Text that must never be traced: every secret above, jobsim's token, and what an AK/SK
/// `Authorization` header is made of.
const NEVER: &[&str] = &[
    "SECRET",
    PASSWORD,
    STATIC_TOKEN,
    SECRET_KEY,
    SECURITY_TOKEN,
    SUBJECT_TOKEN,
    URL_PASSWORD,
    jobsim::TOKEN,
    "SDK-HMAC-SHA256 Access",
    "Signature=",
];

/// A buffer the subscriber writes into.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Runs `future` (on this thread: `#[tokio::test]`'s runtime is current-thread) with every
/// span and event of `cloudjobs` formatted into a buffer; returns its output and the text.
async fn traced<F: IntoFuture>(future: F) -> (F::Output, String) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("cloudjobs=trace")
        .with_writer(move || writer.clone())
        .finish();
    let output = {
        let _guard = subscriber.set_default();
        future.await
    };
    let text = buffer.text();
    for secret in NEVER {
        assert!(!text.contains(secret), "{secret} traced:\n{text}");
    }
    (output, text)
}

/// Asserts that some line of `text` contains every one of `parts`.
#[track_caller]
fn has_line(text: &str, parts: &[&str]) {
    assert!(
        text.lines().any(|l| parts.iter().all(|p| l.contains(p))),
        "no line with all of {parts:?} in:\n{text}"
    );
}

fn config(endpoint: &str, auth: Auth, retry: RetryPolicy) -> Config {
    Config::builder()
        .region("eu-de")
        .endpoint("test_jobs", endpoint)
        .auth(auth)
        .retry(retry)
        .build()
        .unwrap()
}

/// The server's URL with a user name and password in it.
fn with_userinfo(server: &MockServer) -> String {
    server
        .uri()
        .replacen("http://", &format!("http://user:{URL_PASSWORD}@"), 1)
}

async fn show_job(client: &ServiceClient) -> Result<u16, Error<()>> {
    let request = Request::new(
        &SHOW_JOB,
        format!("/v1/{}/jobs/{}", encode_path("p1"), encode_path("j1")),
    );
    client.execute::<()>(request).await.map(|r| r.code())
}

async fn mount_job(server: &MockServer, status: u16, times: u64) {
    Mock::given(method("GET"))
        .and(path("/v1/p1/jobs/j1"))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("X-Request-Id", format!("req-{status}").as_str())
                .set_body_json(serde_json::json!({"status": "SUCCESS"})),
        )
        .up_to_n_times(times)
        .with_priority(if status == 200 { 5 } else { 1 })
        .mount(server)
        .await;
}

/// IAM answering `201` with `MIIS-SECRET-1`, `MIIS-SECRET-2`, ... valid for 24 hours.
async fn mount_iam(server: &MockServer) {
    let calls = Arc::new(Mutex::new(0));
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(move |_: &wiremock::Request| {
            let mut n = calls.lock().unwrap();
            *n += 1;
            ResponseTemplate::new(201)
                .insert_header("X-Subject-Token", format!("{SUBJECT_TOKEN}{n}").as_str())
                .insert_header("X-IAM-Trace-Id", "iam-trace-1")
                .set_body_json(serde_json::json!({"token": {
                    "expires_at": "2015-11-10T00:42:57.527404Z",
                    "issued_at": "2015-11-09T00:42:57.527404Z",
                    "project": {"id": "p1", "name": "eu-de"}
                }}))
        })
        .mount(server)
        .await;
}

/// The span of every request names the service, the operation, the method and the path
/// template, never the filled-in path; each response its status and request id.
#[tokio::test]
async fn a_request_with_a_static_token() {
    let server = MockServer::start().await;
    mount_job(&server, 200, 10).await;
    let config = config(
        &with_userinfo(&server),
        Auth::token(STATIC_TOKEN),
        RetryPolicy::none(),
    );
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let (status, text) = traced(show_job(&client)).await;
    assert_eq!(status.unwrap(), 200);
    has_line(
        &text,
        &[
            "request{",
            r#"service="test_jobs""#,
            r#"operation="ShowJob""#,
            "method=GET",
            r#"path="/v1/{project_id}/jobs/{job_id}""#,
            r#"auth="token""#,
            "response",
            "attempt=1",
            "status=200",
            r#"request_id="req-200""#,
            "elapsed=",
        ],
    );
    assert!(!text.contains("/v1/p1/jobs/j1"), "{text}");
}

/// AK/SK: the access key id is shown (an identifier), never the secret key, the security
/// token or the signature.
#[tokio::test]
async fn aksk_signing_with_a_security_token() {
    let server = MockServer::start().await;
    mount_job(&server, 200, 10).await;
    let aksk = AkSk::new("AK-ID-1", SECRET_KEY)
        .security_token(SECURITY_TOKEN)
        .project_id("p1");
    let config = config(&server.uri(), Auth::aksk(aksk), RetryPolicy::none());
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let (status, text) = traced(show_job(&client)).await;
    assert_eq!(status.unwrap(), 200);
    has_line(&text, &[r#"auth="aksk""#, "response", "status=200"]);
    has_line(
        &text,
        &[
            "signing the request",
            "access_key=AK-ID-1",
            r#"project_id="p1""#,
            "security_token=true",
        ],
    );
}

/// IAM password authentication: the token request (nested in the job request's span), the
/// token fetched with where its validity came from, then a cache hit; never the password, the
/// token or the userinfo of the IAM URL.
#[tokio::test]
async fn iam_password_fetch_and_cache_hit() {
    let server = MockServer::start().await;
    mount_iam(&server).await;
    mount_job(&server, 200, 10).await;
    let auth = Auth::password(
        PasswordAuth::new("dom", "user", PASSWORD)
            .project_name("eu-de")
            .iam_endpoint(with_userinfo(&server)),
    );
    let config = config(&server.uri(), auth, RetryPolicy::none());
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let (statuses, text) = traced(async {
        let first = show_job(&client).await.unwrap();
        let second = show_job(&client).await.unwrap();
        (first, second)
    })
    .await;
    assert_eq!(statuses, (200, 200));
    has_line(
        &text,
        &[
            r#"operation="ShowJob""#,
            r#"auth="token_source""#,
            "fetching a token",
            "fetch=1",
            r#"reason="none cached""#,
        ],
    );
    has_line(
        &text,
        &[
            r#"operation="ShowJob""#,
            "requesting an IAM token",
            r#"scope="project_name""#,
            r#"project="eu-de""#,
            "endpoint=http://***@127.0.0.1",
        ],
    );
    has_line(
        &text,
        &[
            r#"operation="ShowJob""#,
            ":request{",
            r#"service="iam_tokens""#,
            r#"operation="KeystoneCreateUserTokenByPassword""#,
            r#"path="/v3/auth/tokens""#,
            "response",
            "status=201",
        ],
    );
    has_line(
        &text,
        &[
            "IAM token received",
            "status=201",
            r#"request_id="iam-trace-1""#,
            "validity=",
            "expires_at - issued_at",
            "lifetime=Some(86400s)",
            r#"project_id="p1""#,
        ],
    );
    has_line(
        &text,
        &[
            "INFO",
            "token fetched",
            "fetch=1",
            r#"expiry="lifetime""#,
            "refresh_in=",
            r#"project_id="p1""#,
        ],
    );
    has_line(&text, &["TRACE", "token cache hit", "refresh_in="]);
    assert!(!text.contains("fetch=2"), "{text}");
}

/// A `503` then a `200`: the retry with its reason, status and delay.
#[tokio::test]
async fn a_503_is_retried() {
    let server = MockServer::start().await;
    mount_job(&server, 503, 1).await;
    mount_job(&server, 200, 10).await;
    let delays = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&delays);
    let retry = RetryPolicy::new()
        .initial_backoff(Duration::from_millis(40))
        .sleep_with(move |d| {
            recorded.lock().unwrap().push(d);
            Box::pin(async {})
        });
    let config = config(&server.uri(), Auth::token(STATIC_TOKEN), retry);
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let (status, text) = traced(show_job(&client)).await;
    assert_eq!(status.unwrap(), 200);
    assert_eq!(delays.lock().unwrap().len(), 1);
    has_line(
        &text,
        &[
            r#"operation="ShowJob""#,
            "response",
            "attempt=1",
            "status=503",
            r#"request_id="req-503""#,
        ],
    );
    has_line(
        &text,
        &[
            "INFO",
            r#"operation="ShowJob""#,
            "retrying",
            "attempt=1",
            "status=503",
            r#"reason="status""#,
            "retry_after=false",
            "delay=",
        ],
    );
    has_line(&text, &["response", "attempt=2", "status=200"]);
}

/// A `401` with a cached token: the token is dropped, a new one fetched, the request sent
/// again.
#[tokio::test]
async fn a_401_refreshes_the_token() {
    let server = MockServer::start().await;
    mount_iam(&server).await;
    mount_job(&server, 401, 1).await;
    mount_job(&server, 200, 10).await;
    let auth = Auth::password(
        PasswordAuth::new("dom", "user", PASSWORD)
            .project_id("p1")
            .iam_endpoint(server.uri()),
    );
    let config = config(&server.uri(), auth, RetryPolicy::none());
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let (status, text) = traced(show_job(&client)).await;
    assert_eq!(status.unwrap(), 200);
    has_line(&text, &["response", "attempt=1", "status=401"]);
    has_line(&text, &["token refused (401): dropped from the cache"]);
    has_line(
        &text,
        &["INFO", "token refused: sending again with a new token"],
    );
    has_line(&text, &["requesting an IAM token", r#"scope="project_id""#]);
    has_line(&text, &["token fetched", "fetch=2"]);
    has_line(&text, &["response", "attempt=2", "status=200"]);
}

/// A client of the simulated `service`'s job `job` through the registry.
fn sim_client(sim: &JobSim, service: &str, job: &str) -> JobClient {
    let simulated = sim.service(service);
    let config = Config::builder()
        .endpoint(&simulated.module, sim.url())
        .auth(Auth::token(jobsim::TOKEN))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let query = simulated
        .required_params
        .iter()
        .fold(JobQuery::new("p1", job), |q, p| q.param(&p.name, &p.sample));
    registry::find(service)
        .unwrap()
        .client(&config, query)
        .unwrap()
}

fn fast() -> WaitPolicy {
    WaitPolicy::default()
        .initial_interval(Duration::from_millis(1))
        .max_interval(Duration::from_millis(5))
}

/// A wait against the simulated job server: the `wait` span with the polls' request spans
/// in it, every poll, each state and progress change, a tolerated `503`, and how it ended.
#[tokio::test]
async fn a_wait_traces_its_state_changes() {
    // RDS: a job with a percentage.
    let sim = JobSim::start();
    sim.script(
        "rds",
        "traced",
        Script::new([
            Step::job(Phase::Running),
            Step::progress(Phase::Running, 40),
            Step::http(503),
            Step::progress(Phase::Running, 80),
            Step::progress(Phase::Succeeded, 100),
        ]),
    );
    let client = sim_client(&sim, "rds", "traced");
    let (job, text) = traced(wait_for(|| client.get(), fast())).await;
    assert_eq!(job.unwrap().state().kind(), StateKind::Succeeded);
    has_line(
        &text,
        &["DEBUG", "wait:", "waiting for the job", "timeout="],
    );
    has_line(
        &text,
        &[
            "wait:request{",
            r#"service="rds_jobs""#,
            "response",
            "status=200",
        ],
    );
    has_line(
        &text,
        &[
            "DEBUG",
            "wait:",
            "poll answered",
            "poll=1",
            "state=running",
            r#"status="Running""#,
        ],
    );
    has_line(
        &text,
        &[
            "INFO",
            "wait:",
            "job state changed",
            "poll=1",
            "state=running",
        ],
    );
    has_line(
        &text,
        &[
            "job state changed",
            "poll=5",
            "previous=running",
            "state=succeeded",
            r#"status="Completed""#,
        ],
    );
    has_line(&text, &["job progress changed", "poll=2", "progress=40%"]);
    has_line(
        &text,
        &[
            "INFO",
            "transient error tolerated",
            "poll=3",
            "consecutive=1",
            "tolerated=10",
            "status=503",
            "next_poll_in=",
            "error=",
        ],
    );
    has_line(
        &text,
        &["job progress changed", "previous=40%", "progress=80%"],
    );
    has_line(
        &text,
        &["INFO", "wait ended", r#"outcome="succeeded""#, "polls=5"],
    );
}

/// IAM refusing the password: the failed fetch is traced with IAM's answer, without the
/// password.
#[tokio::test]
async fn a_refused_password_is_traced_without_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("X-Request-Id", "iam-401")
                .set_body_json(serde_json::json!({"error": {
                    "code": 401, "title": "Unauthorized",
                    "message": "The username or password is wrong."
                }})),
        )
        .mount(&server)
        .await;
    let auth = Auth::password(
        PasswordAuth::new("dom", "user", PASSWORD)
            .project_id("p1")
            .iam_endpoint(server.uri()),
    );
    let config = config(&server.uri(), auth, RetryPolicy::none());
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let (result, text) = traced(show_job(&client)).await;
    assert!(matches!(result, Err(Error::Auth(_))), "{result:?}");
    has_line(
        &text,
        &[
            "IAM refused the token request",
            "status=401",
            r#"request_id="iam-401""#,
        ],
    );
    has_line(
        &text,
        &[
            "INFO",
            "token fetch failed",
            "fetch=1",
            "error=",
            "password is wrong",
        ],
    );
}

/// A failed job: how the wait ended, with the job's code and reason, server text escaped so
/// that it cannot fake a line of the log.
#[tokio::test]
async fn a_failed_job_ends_the_wait_with_its_reason_escaped() {
    let sim = JobSim::start();
    sim.script(
        "rds",
        "failing",
        Script::fails(
            "DBS.0042",
            "disk full\n2099-01-01T00:00:00Z  INFO fake line",
        ),
    );
    let client = sim_client(&sim, "rds", "failing");
    let (result, text) = traced(wait_for(|| client.get(), fast())).await;
    assert!(result.unwrap_err().is_job_failed());
    has_line(
        &text,
        &[
            "INFO",
            "wait ended",
            r#"outcome="job_failed""#,
            r#"reason="disk full\n2099-01-01T00:00:00Z  INFO fake line""#,
        ],
    );
    assert!(!text.lines().any(|l| l.starts_with("2099")), "{text}");
}

/// The credential chain says which sources it tried and which one it used, never a secret.
#[tokio::test]
async fn the_credential_source_chosen_is_traced() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/openstack");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("clouds.yaml"),
        "clouds: {otc: {region_name: eu-de, auth: {username: u, user_domain_name: d}}}",
    )
    .unwrap();
    std::fs::write(
        dir.join("secure.yaml"),
        format!("clouds: {{otc: {{auth: {{password: {PASSWORD}}}}}}}"),
    )
    .unwrap();
    let home_dir = home.path().display().to_string();
    let chain = cloudjobs::runtime::credentials::Chain::with_env(move |name| match name {
        "HOME" => Some(home_dir.clone()),
        "OS_CLOUD" => Some("otc".into()),
        "CLOUDJOBS_METADATA_URL" => Some("off".into()),
        _ => None,
    });
    let (resolved, text) = traced(chain.resolve()).await;
    assert!(resolved.unwrap().source.contains("clouds.yaml"));
    has_line(
        &text,
        &[
            "credentials chosen",
            "clouds.yaml (cloud otc",
            "IAM password",
        ],
    );
    has_line(
        &text,
        &["credential source tried", "environment: no credential"],
    );
}
