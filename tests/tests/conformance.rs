//! Conformance against a third-party mock server: Stoplight Prism serves each spec in
//! `specs/` on 127.0.0.1 and validates every request the generated clients send (path, query,
//! required headers, credentials, body) against the spec; the clients must decode what it
//! answers from the spec's examples, for every documented status.
//!
//! For each spec, each operation:
//!
//! - the generated client sends the operation with every parameter set (parameter examples
//!   from the spec), once per documented request-body example; Prism must accept it without
//!   any violation, and the decoded body, serialized again, must equal the spec's example;
//!   documented response headers must arrive;
//! - every other documented status is asked for (`Prefer: code=NNN`); the client must return
//!   [`Error::Api`] with that status and the typed error body (equal to the example, if any);
//! - requests that break the spec, sent through the raw API (`ServiceClient` + `Request`),
//!   must be refused by Prism: without credentials, without each required header, with an
//!   empty JSON body where one is required, on an undocumented path. The same raw request
//!   with nothing left out is accepted, so each refusal is due to the omission alone.
//!
//! Plus one end-to-end scenario: password authentication against the IAM mock, whose token
//! the IMS mock then accepts.
//!
//! # Prism
//!
//! `cargo xtask test` installs the pinned Prism (`xtask/tools/package-lock.json`, into
//! `target/tools/node`) and passes its path in `CLOUDJOBS_PRISM`. Under plain `cargo test`,
//! they use that installation when it exists; otherwise they **fail** unless
//! `CLOUDJOBS_PRISM` names the `prism` executable; set
//! `CLOUDJOBS_SKIP_PRISM=1` to skip them explicitly (each prints that it was skipped).
//! `cargo xtask test` ignores that opt-out.
//!
//! Each test starts its own Prism (a random free port, a bounded wait for it to listen) and
//! kills it when the test ends, even on failure (kill on drop).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use cloudjobs::apis::registry;
use cloudjobs::runtime::any_service::{JobQuery, JobService};
use cloudjobs::runtime::header::HeaderMap;
use cloudjobs::runtime::{
    Auth, Config, ConfigBuilder, Error, Method, Operation, PasswordAuth, Request, Response,
    RetryPolicy, Service, ServiceClient, encode_path,
};
use cloudjobs::{iam_tokens, otc_ims_jobs};
use serde::Serialize;
use serde_json::Value;

/// The env var with the path of the `prism` executable.
const PRISM_ENV: &str = "CLOUDJOBS_PRISM";
/// The env var that skips these tests explicitly.
const SKIP_ENV: &str = "CLOUDJOBS_SKIP_PRISM";
/// How long Prism may take to listen (a busy 2-core CI machine included).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// The token every authenticated call carries (Prism checks presence, not value).
const TOKEN: &str = "MIIDkgYJKoZIhvcNAQcCoIIDgzCCA38CAQExDTALBglghkgBZQMEAgEw-conformance";

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

// ---------------------------------------------------------------------------------------
// Prism, started and stopped by the tests
// ---------------------------------------------------------------------------------------

/// The `prism` executable, `None` when skipping was asked for explicitly; panics otherwise.
fn prism_executable() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(PRISM_ENV).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.exists(),
            "{PRISM_ENV}={} does not exist; run `cargo xtask test`, which installs Prism",
            path.display()
        );
        return Some(path);
    }
    if std::env::var(SKIP_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true")) {
        eprintln!("SKIPPED: Prism conformance test ({SKIP_ENV} is set)");
        return None;
    }
    // Installed by an earlier `cargo xtask test`: plain `cargo test` uses it too.
    let installed =
        cloudjobs_tests::paths::project_root().join("target/tools/node/node_modules/.bin/prism");
    if installed.exists() {
        return Some(installed);
    }
    panic!(
        "the Prism conformance tests need Prism: run `cargo xtask test` once (it installs the \
         pinned Prism under target/tools/), or set {PRISM_ENV} to a prism executable, or skip \
         them explicitly with {SKIP_ENV}=1"
    );
}

/// A Prism mock server of one spec; killed when dropped.
struct Prism {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Prism {
    /// Starts `prism mock --errors` for `spec` on 127.0.0.1 and a free port (port 0: the
    /// system picks one, Prism prints it); waits at most [`START_TIMEOUT`].
    fn start(prism: &Path, spec: &Path) -> Prism {
        let mut child = Command::new(prism)
            .args(["mock", "--errors", "-h", "127.0.0.1", "-p", "0"])
            .arg(spec)
            .env("SCARF_ANALYTICS", "false")
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", prism.display()));
        let log = Arc::new(Mutex::new(String::new()));
        let (ready_tx, ready_rx) = mpsc::channel::<String>();
        // Both pipes are drained for as long as Prism runs (it logs every request), so it
        // never blocks on a full pipe; the log is shown when a check fails.
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        spawn_reader(stdout, Arc::clone(&log), Some(ready_tx));
        spawn_reader(stderr, Arc::clone(&log), None);
        let mut prism = Prism {
            child,
            url: String::new(),
            log,
        };
        match ready_rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => prism.url = url,
            Err(_) => {
                let status = prism.child.try_wait().ok().flatten();
                panic!(
                    "Prism did not listen within {START_TIMEOUT:?} for {} (exit status: {status:?}); its output:\n{}",
                    spec.display(),
                    prism.log()
                );
            }
        }
        prism
    }

    fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_reader(
    pipe: impl Read + Send + 'static,
    log: Arc<Mutex<String>>,
    ready: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        const MARK: &str = "Prism is listening on ";
        let mut ready = ready;
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Some(at) = line.find(MARK)
                && let Some(tx) = ready.take()
            {
                let url = line[at + MARK.len()..]
                    .trim()
                    .trim_end_matches('/')
                    .to_owned();
                let _ = tx.send(url);
            }
            if let Ok(mut log) = log.lock() {
                log.push_str(&line);
                log.push('\n');
            }
        }
    });
}

// ---------------------------------------------------------------------------------------
// The spec, read with the generator's loader
// ---------------------------------------------------------------------------------------

fn specs_dir() -> PathBuf {
    cloudjobs_tests::paths::project_root().join("specs")
}

fn load_spec(file: &str) -> Value {
    let path = specs_dir().join(file);
    cloudjobs_codegen::load::load_file(&path, &format!("specs/{file}"))
        .unwrap_or_else(|e| panic!("{e}"))
        .raw
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of a spec, as far as these tests need it.
#[derive(Debug, Clone)]
struct SpecOp {
    id: String,
    method: String,
    path: String,
    node: Value,
    /// Path-level and operation-level parameters (the latter win).
    params: Vec<Value>,
    /// The `in: header` names of the security schemes that apply (empty when none).
    credentials: Vec<String>,
}

fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .map(|n| resolve(spec, n))
            .unwrap_or(node),
        None => node,
    }
}

fn spec_operations(spec: &Value) -> Vec<SpecOp> {
    let mut ops = Vec::new();
    let empty = serde_json::Map::new();
    let paths = spec["paths"].as_object().unwrap_or(&empty);
    for (path, item) in paths {
        for method in METHODS {
            let Some(node) = item.get(*method) else {
                continue;
            };
            let mut params: Vec<Value> = Vec::new();
            for p in item["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(node["parameters"].as_array().into_iter().flatten())
            {
                let p = resolve(spec, p).clone();
                params.retain(|q: &Value| !(q["name"] == p["name"] && q["in"] == p["in"]));
                params.push(p);
            }
            let security = node.get("security").unwrap_or(&spec["security"]);
            let mut credentials = Vec::new();
            for requirement in security.as_array().into_iter().flatten() {
                for scheme in requirement
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k)
                {
                    let s = &spec["components"]["securitySchemes"][scheme];
                    if s["type"] == "apiKey" && s["in"] == "header" {
                        credentials.push(s["name"].as_str().unwrap_or_default().to_owned());
                    }
                }
            }
            ops.push(SpecOp {
                id: node["operationId"].as_str().unwrap_or_default().to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                node: node.clone(),
                params,
                credentials,
            });
        }
    }
    ops
}

/// A value for a parameter: its example, else the first of its schema's example, enum or
/// default, else a placeholder of its type.
fn param_value(spec: &Value, param: &Value) -> String {
    let schema = resolve(spec, &param["schema"]);
    let first_example = param["examples"]
        .as_object()
        .and_then(|m| m.values().next())
        .map(|e| resolve(spec, e)["value"].clone());
    let value = [
        Some(param["example"].clone()),
        first_example,
        Some(schema["example"].clone()),
        schema["enum"].get(0).cloned(),
        Some(schema["default"].clone()),
    ]
    .into_iter()
    .flatten()
    .find(|v| !v.is_null());
    match value {
        Some(Value::String(s)) => s,
        Some(v) => v.to_string(),
        // A media type header without a value given: the one the API speaks (Prism cannot
        // even parse `Content-Type-1`).
        None if param["in"] == "header"
            && (param["name"].as_str()).is_some_and(|n| n.eq_ignore_ascii_case("content-type")) =>
        {
            "application/json".to_owned()
        }
        None => match schema["type"].as_str() {
            Some("integer" | "number") => "1".to_owned(),
            Some("boolean") => "true".to_owned(),
            _ => format!("{}-1", param["name"].as_str().unwrap_or("x")),
        },
    }
}

/// The JSON request body examples of an operation (named examples in order, or the single
/// `example`); one `None` when it has no JSON body or no example.
fn request_examples(spec: &Value, op: &SpecOp) -> Vec<(String, Option<Value>)> {
    let media = &resolve(spec, &op.node["requestBody"])["content"]["application/json"];
    if let Some(examples) = media["examples"].as_object() {
        return examples
            .iter()
            .map(|(name, e)| (name.clone(), Some(resolve(spec, e)["value"].clone())))
            .collect();
    }
    match &media["example"] {
        Value::Null => vec![("-".to_owned(), None)],
        example => vec![("example".to_owned(), Some(example.clone()))],
    }
}

/// The documented responses: status, its JSON example (if any), whether it has a JSON schema,
/// and its documented headers with their examples.
struct SpecResponse {
    status: u16,
    example: Option<Value>,
    has_schema: bool,
    headers: Vec<(String, Option<String>)>,
}

fn spec_responses(spec: &Value, op: &SpecOp) -> Vec<SpecResponse> {
    let mut out = Vec::new();
    for (code, response) in op.node["responses"].as_object().into_iter().flatten() {
        let Ok(status) = code.parse::<u16>() else {
            continue;
        };
        let response = resolve(spec, response);
        let media = &response["content"]["application/json"];
        let example = match &media["example"] {
            Value::Null => media["examples"]
                .as_object()
                .and_then(|m| m.values().next())
                .map(|e| resolve(spec, e)["value"].clone()),
            e => Some(e.clone()),
        };
        let headers = response["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, h)| {
                let h = resolve(spec, h);
                (name.clone(), h["example"].as_str().map(str::to_owned))
            })
            .collect();
        out.push(SpecResponse {
            status,
            example,
            has_schema: !media["schema"].is_null(),
            headers,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// The generated clients, one call per operation
// ---------------------------------------------------------------------------------------

/// What a call came to, in a form common to every operation.
#[derive(Debug)]
enum Answer {
    /// A success response, its body serialized again.
    Ok {
        status: u16,
        headers: HeaderMap,
        body: Value,
    },
    /// An error status, with the typed error body (serialized again) when it decoded.
    Api {
        status: u16,
        typed: Option<Value>,
        raw: String,
    },
    /// Anything else (transport, decoding, ...), as text.
    Failed(String),
}

fn answer<T: Serialize, H, E: Serialize + std::fmt::Debug>(
    result: Result<Response<T, H>, Error<E>>,
) -> Answer {
    match result {
        Ok(response) => Answer::Ok {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: serde_json::to_value(response.body()).expect("bodies serialize"),
        },
        Err(Error::Api(api)) => Answer::Api {
            status: api.status().as_u16(),
            typed: api
                .body()
                .map(|b| serde_json::to_value(b).expect("bodies serialize")),
            raw: api.raw_text().into_owned(),
        },
        Err(e) => Answer::Failed(e.to_string()),
    }
}

/// The inputs of one call: parameter values by name, and the request body.
#[derive(Debug, Clone)]
struct Inputs {
    params: BTreeMap<String, String>,
    body: Option<Value>,
}

impl Inputs {
    fn get(&self, name: &str) -> String {
        self.params
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no value for parameter `{name}`"))
    }
}

type Call = fn(Config, Inputs) -> BoxFuture<Answer>;

/// How an operation is called: through its typed client (a hand-written case), or, for a job
/// operation, through the generated job registry (no test code per job API).
#[derive(Clone, Copy)]
enum Caller {
    Typed(Call),
    Registry(&'static JobService),
}

/// One operation the tests can call through its generated client.
#[derive(Clone)]
struct Case {
    spec: Cow<'static, str>,
    service: &'static Service,
    operation: &'static str,
    call: Caller,
}

impl Case {
    fn run(&self, config: Config, inputs: Inputs) -> BoxFuture<Answer> {
        match self.call {
            Caller::Typed(call) => call(config, inputs),
            Caller::Registry(job) => Box::pin(async move {
                let query = job
                    .params
                    .iter()
                    .filter(|p| inputs.params.contains_key(p.name))
                    .fold(
                        JobQuery::new(
                            job.project_param.map(|p| inputs.get(p)).unwrap_or_default(),
                            inputs.get(job.job_id_param),
                        ),
                        |q, p| q.param(p.name, inputs.get(p.name)),
                    );
                let client = job.client(&config, query).expect("client");
                // The registry keeps the typed error body, as JSON.
                answer(client.get().await)
            }),
        }
    }
}

/// The case of an operation: a hand-written one from [`CASES`], else the registry's entry
/// for a job operation.
fn case_for(file: &str, operation: &str) -> Option<Case> {
    CASES
        .iter()
        .find(|c| c.spec == file && c.operation == operation)
        .cloned()
        .or_else(|| {
            let module = cloudjobs_codegen::module_name(Path::new(file));
            let job = registry::SERVICES
                .iter()
                .find(|s| s.module == module && s.operation == operation)?;
            Some(Case {
                spec: Cow::Owned(file.to_owned()),
                service: job.service,
                operation: job.operation,
                call: Caller::Registry(job),
            })
        })
}

/// The operations that are not job operations (those come from the registry): each called
/// through its typed client. `every_operation_has_a_conformance_case` fails when a spec gains
/// an operation that has no case.
const CASES: &[Case] = &[Case {
    spec: Cow::Borrowed("iam-tokens.yaml"),
    service: &iam_tokens::SERVICE,
    operation: "KeystoneCreateUserTokenByPassword",
    call: Caller::Typed(|config, inputs| {
        Box::pin(async move {
            let client = iam_tokens::Client::new(&config).expect("client");
            let example = inputs.body.clone().expect("the spec has request examples");
            // The documented request examples must fit the generated request type.
            let body = match serde_json::from_value(example) {
                Ok(body) => body,
                Err(e) => {
                    return Answer::Failed(format!(
                        "the request example does not decode into the generated type: {e}"
                    ));
                }
            };
            answer(
                client
                    .keystone_create_user_token_by_password(body)
                    .nocatalog(inputs.get("nocatalog"))
                    .await,
            )
        })
    }),
}];

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

/// Whether two JSON values mean the same to a client: numbers by value, an absent member
/// the same as `null` (optional fields are skipped when serialized again).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().all(|k| {
                same_json(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                )
            })
        }
        _ => a == b,
    }
}

fn builder(prism: &Prism, service: &Service) -> ConfigBuilder {
    Config::builder()
        .endpoint(service.name, &prism.url)
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .retry(RetryPolicy::none())
}

/// A configuration whose every request asks Prism for one status (`Prefer: code=NNN`).
fn preferring(prism: &Prism, service: &Service, status: u16) -> Config {
    // Building a configuration first installs the runtime's TLS crypto provider, which a
    // bare reqwest client (built without one) needs.
    let _ = Config::builder().build().expect("default config");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "prefer",
        reqwest::header::HeaderValue::from_str(&format!("code={status}")).expect("valid"),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("HTTP client");
    builder(prism, service)
        .http_client(http)
        .auth(Auth::token(TOKEN))
        .build()
        .expect("config")
}

fn inputs_for(spec: &Value, op: &SpecOp, body: Option<Value>) -> Inputs {
    Inputs {
        params: op
            .params
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or_default().to_owned(),
                    param_value(spec, p),
                )
            })
            .collect(),
        body,
    }
}

/// A raw request of `op` with every parameter set, except the header `omit` (and without a
/// body when `body` is `None`).
fn raw_request(
    spec: &Value,
    op: &SpecOp,
    path_prefix: &str,
    omit: Option<&str>,
    body: Option<&Value>,
) -> Request {
    let mut path = op.path.clone();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for p in &op.params {
        let name = p["name"].as_str().unwrap_or_default();
        let value = param_value(spec, p);
        match p["in"].as_str() {
            Some("path") => path = path.replace(&format!("{{{name}}}"), &encode_path(&value)),
            Some("query") => query.push((name.to_owned(), value)),
            // A body brings its own `Content-Type`; without one, a required header is sent.
            Some("header")
                if (!name.eq_ignore_ascii_case("content-type") || body.is_none())
                    && !op.credentials.iter().any(|c| c.eq_ignore_ascii_case(name))
                    && omit.is_none_or(|o| !o.eq_ignore_ascii_case(name)) =>
            {
                headers.push((name.to_owned(), value))
            }
            _ => {}
        }
    }
    let operation: &'static Operation = Box::leak(Box::new(Operation {
        id: Box::leak(op.id.clone().into_boxed_str()),
        method: Method::from_bytes(op.method.as_bytes()).expect("method"),
        path: Box::leak(op.path.clone().into_boxed_str()),
        authenticated: !op.credentials.is_empty(),
    }));
    let mut request = Request::new(operation, format!("{path_prefix}{path}"));
    for (name, value) in &query {
        request.query(name, value, cloudjobs::runtime::QueryStyle::Form);
    }
    for (name, value) in headers {
        request.header(Box::leak(name.into_boxed_str()), value);
    }
    if let Some(body) = body {
        request.json(body);
    }
    request
}

/// Sends a raw request; returns the status and Prism's `sl-violations` header, or status 0
/// and the error when no answer came (Prism's log then says why).
async fn send_raw(client: &ServiceClient, request: Request) -> (u16, String) {
    match client.execute::<()>(request).await {
        Ok(raw) => (
            raw.code(),
            raw.header("sl-violations").unwrap_or_default().to_owned(),
        ),
        Err(e) => (0, format!("no answer: {e}")),
    }
}

/// The checks of one operation; what they find goes into `report` (one line per check) and
/// `failures`.
struct OpCheck<'a> {
    spec: &'a Value,
    op: &'a SpecOp,
    prism: &'a Prism,
    case: Case,
    /// `file ShowJob (GET /v1/...)`.
    label: String,
    responses: Vec<SpecResponse>,
    /// The documented success status (the lowest 2xx).
    success: usize,
    /// The body of the first request example.
    raw_body: Option<Value>,
    report: Vec<String>,
    failures: Vec<String>,
}

impl<'a> OpCheck<'a> {
    fn new(spec: &'a Value, op: &'a SpecOp, prism: &'a Prism, file: &str) -> Self {
        let case = case_for(file, &op.id)
            .unwrap_or_else(|| panic!("no conformance case for {file} {}", op.id));
        let label = format!("{file} {} ({} {})", op.id, op.method, op.path);
        let responses = spec_responses(spec, op);
        let success = (0..responses.len())
            .filter(|i| (200..300).contains(&responses[*i].status))
            .min_by_key(|i| responses[*i].status)
            .unwrap_or_else(|| panic!("{label}: no documented success status"));
        let raw_body = request_examples(spec, op).into_iter().find_map(|(_, e)| e);
        Self {
            spec,
            op,
            prism,
            case,
            label,
            responses,
            success,
            raw_body,
            report: Vec::new(),
            failures: Vec::new(),
        }
    }

    /// 1. The operation as the generated client sends it, once per request example.
    async fn client_examples(&mut self) {
        let config = builder(self.prism, self.case.service)
            .auth(Auth::token(TOKEN))
            .build()
            .expect("config");
        for (name, example) in request_examples(self.spec, self.op) {
            let what = format!("{} [request example {name}]", self.label);
            let inputs = inputs_for(self.spec, self.op, example);
            match self.case.run(config.clone(), inputs).await {
                Answer::Ok {
                    status,
                    headers,
                    body,
                } => {
                    let line = self.success_answer(&what, status, &headers, &body);
                    self.report.push(line);
                }
                Answer::Failed(message) => self.failures.push(format!("{what}: {message}")),
                other => self.failures.push(format!("{what}: {other:?}")),
            }
        }
    }

    /// A success answer against the documented success response: status, violations,
    /// body, headers; the report line.
    fn success_answer(
        &mut self,
        what: &str,
        status: u16,
        headers: &HeaderMap,
        body: &Value,
    ) -> String {
        let success = &self.responses[self.success];
        let mut line = format!("{what}: accepted, HTTP {status}");
        if status != success.status {
            self.failures.push(format!(
                "{what}: HTTP {status}, expected {}",
                success.status
            ));
        }
        if let Some(v) = headers.get("sl-violations") {
            self.failures
                .push(format!("{what}: Prism reported violations: {v:?}"));
        }
        match &success.example {
            Some(example) if same_json(body, example) => {
                line.push_str(", body decoded = the spec's example")
            }
            Some(example) => self.failures.push(format!(
                "{what}: decoded body differs from the example\n  decoded: {body}\n  example: {example}"
            )),
            None => line.push_str(", body (generated by Prism from the schema) decoded"),
        }
        for (header, example) in &success.headers {
            let got = headers.get(header).and_then(|v| v.to_str().ok());
            match (got, example) {
                (None, _) => self
                    .failures
                    .push(format!("{what}: documented header {header} missing")),
                (Some(got), Some(example)) if got != example => self.failures.push(format!(
                    "{what}: header {header} = {got:?}, example {example:?}"
                )),
                (Some(_), _) => line.push_str(&format!(", header {header} present")),
            }
        }
        line
    }

    /// 2. Every other documented status, asked of Prism: decoded as the typed error.
    async fn documented_statuses(&mut self) {
        let mut statuses = Vec::new();
        let success = self.responses[self.success].status;
        for response in self.responses.iter().filter(|r| r.status != success) {
            let config = preferring(self.prism, self.case.service, response.status);
            let inputs = inputs_for(self.spec, self.op, self.raw_body.clone());
            let what = format!("{} [Prefer: code={}]", self.label, response.status);
            match self.case.run(config, inputs).await {
                Answer::Api { status, typed, raw } if status == response.status => {
                    match (&typed, &response.example) {
                        (None, _) if response.has_schema => self.failures.push(format!(
                            "{what}: the error body did not decode into the typed error: {raw}"
                        )),
                        (Some(typed), Some(example)) if !same_json(typed, example) => {
                            self.failures.push(format!(
                                "{what}: typed error differs from the example\n  decoded: {typed}\n  example: {example}"
                            ))
                        }
                        (Some(_), Some(_)) => statuses.push(format!("{status} (= example)")),
                        (Some(_), None) => statuses.push(format!("{status}")),
                        (None, _) => statuses.push(format!("{status} (no body)")),
                    }
                }
                Answer::Ok { status, .. } if status == response.status => {
                    statuses.push(format!("{status}"))
                }
                Answer::Failed(message) => self.failures.push(format!("{what}: {message}")),
                other => self.failures.push(format!("{what}: {other:?}")),
            }
        }
        if !statuses.is_empty() {
            self.report.push(format!(
                "{}: documented statuses decoded as typed errors: {}",
                self.label,
                statuses.join(", ")
            ));
        }
    }

    fn raw_client(&self, auth: Auth) -> ServiceClient {
        let config = builder(self.prism, self.case.service)
            .auth(auth)
            .build()
            .expect("config");
        ServiceClient::new(&config, self.case.service).expect("client")
    }

    /// A raw request of the operation, `omit` header left out, with `body`.
    fn raw(&self, suffix: &str, omit: Option<&str>, body: Option<&Value>) -> Request {
        raw_request(self.spec, self.op, suffix, omit, body)
    }

    /// Records a raw answer that must be a 4xx naming `needle` among Prism's violations.
    fn expect_refused(
        &mut self,
        refusals: &mut Vec<String>,
        what: String,
        answer: (u16, String),
        needle: &str,
    ) {
        let (status, violations) = answer;
        if (400..500).contains(&status) && violations.to_lowercase().contains(needle) {
            refusals.push(format!("{what} -> {status}"));
        } else {
            self.failures.push(format!(
                "{} [raw, {what}]: not refused (HTTP {status}, violations {violations:?})",
                self.label
            ));
        }
    }

    /// 3. Requests that break the spec, through the raw API: refused.
    async fn refusals(&mut self) {
        let with_token = self.raw_client(Auth::token(TOKEN));
        let body = self.raw_body.clone();
        let (status, violations) = send_raw(&with_token, self.raw("", None, body.as_ref())).await;
        if status != self.responses[self.success].status || !violations.is_empty() {
            self.failures.push(format!(
                "{} [raw, complete]: HTTP {status}, violations {violations:?}",
                self.label
            ));
        }
        let mut refusals = Vec::new();
        if let Some(credential) = self.op.credentials.first().cloned() {
            let request = self.raw("", None, body.as_ref());
            let answer = send_raw(&self.raw_client(Auth::None), request).await;
            // A 401 is the refusal itself: Prism answers a documented 401 without listing
            // violations, and an undocumented one with "Invalid security scheme used".
            let needle = match answer.0 == 401 {
                true => String::new(),
                false => credential.to_lowercase(),
            };
            self.expect_refused(
                &mut refusals,
                format!("without {credential}"),
                answer,
                &needle,
            );
        }
        for name in self.required_headers() {
            let request = self.raw("", Some(&name), body.as_ref());
            let answer = send_raw(&with_token, request).await;
            self.expect_refused(
                &mut refusals,
                format!("without {name}"),
                answer,
                &name.to_lowercase(),
            );
        }
        if resolve(self.spec, &self.op.node["requestBody"])["required"] == true {
            let request = self.raw("", None, Some(&serde_json::json!({})));
            let answer = send_raw(&with_token, request).await;
            let what = "with an empty JSON object as body".into();
            self.expect_refused(&mut refusals, what, answer, "body");
        }
        let request = self.raw("/undocumented", None, body.as_ref());
        let (status, _) = send_raw(&with_token, request).await;
        if status == 404 {
            refusals.push("on an undocumented path -> 404".into());
        } else {
            self.failures.push(format!(
                "{} [raw, undocumented path]: HTTP {status}, expected 404",
                self.label
            ));
        }
        self.report.push(format!(
            "{}: refused by Prism: {}",
            self.label,
            refusals.join("; ")
        ));
    }

    /// The required header parameters a request may leave out to be refused (not the
    /// content type, not the credentials).
    fn required_headers(&self) -> Vec<String> {
        let op = self.op;
        (op.params.iter())
            .filter(|p| p["in"] == "header" && p["required"] == true)
            .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
            .filter(|name| {
                !name.eq_ignore_ascii_case("content-type")
                    && !op.credentials.iter().any(|c| c.eq_ignore_ascii_case(name))
            })
            .collect()
    }
}

/// Runs every check on the operations of one spec; prints one line per check for the report
/// and panics listing every failed check (with Prism's log).
async fn check_spec(prism_path: &Path, file: &str) {
    let spec = load_spec(file);
    let prism = Prism::start(prism_path, &specs_dir().join(file));
    let mut report = Vec::new();
    let mut failures = Vec::new();
    let ops = spec_operations(&spec);
    for op in &ops {
        let mut check = OpCheck::new(&spec, op, &prism, file);
        check.client_examples().await;
        check.documented_statuses().await;
        check.refusals().await;
        report.extend(check.report);
        failures.extend(check.failures);
    }
    for line in &report {
        println!("{line}");
    }
    assert!(
        failures.is_empty(),
        "{} conformance check(s) failed for {file}:\n{}\n\nPrism's log:\n{}",
        failures.len(),
        failures.join("\n"),
        prism.log()
    );
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

/// No Prism needed: every operation of every spec has a case above (and every case an
/// operation), so a new operation cannot go unchecked.
#[test]
fn every_operation_has_a_conformance_case() {
    let mut found = Vec::new();
    for path in cloudjobs_codegen::project::spec_files(&specs_dir()).expect("specs/") {
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("file name")
            .to_owned();
        for op in spec_operations(&load_spec(&file)) {
            found.push((file.clone(), op.id));
        }
    }
    for (file, id) in &found {
        let case = case_for(file, id).unwrap_or_else(|| {
            panic!("{file} {id} has no conformance case: add one to CASES in tests/tests/conformance.rs (job operations come from the registry)")
        });
        assert_eq!(
            case.service.name,
            cloudjobs_codegen::module_name(Path::new(file)),
            "case {file} {id} uses the client of another spec"
        );
    }
    for case in CASES {
        assert!(
            found
                .iter()
                .any(|(f, id)| *f == case.spec && id == case.operation),
            "conformance case {} {} names no operation of the specs",
            case.spec,
            case.operation
        );
        assert_eq!(
            case.service.name,
            cloudjobs_codegen::module_name(Path::new(case.spec.as_ref())),
            "case {} uses the client of another spec",
            case.spec
        );
    }
}

/// Every job API of the registry, each against its own Prism: a new job spec is checked with
/// no new test code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_job_api_conforms() {
    let Some(prism) = prism_executable() else {
        return;
    };
    let mut files: Vec<String> = Vec::new();
    for path in cloudjobs_codegen::project::spec_files(&specs_dir()).expect("specs/") {
        let module = cloudjobs_codegen::module_name(&path);
        if registry::SERVICES.iter().any(|s| s.module == module) {
            files.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(files.len() >= registry::SERVICES.len().min(4), "{files:?}");
    // Every spec is checked; the failures of all of them are reported together.
    let mut failed = Vec::new();
    for file in files {
        let prism = prism.clone();
        let task = tokio::spawn(async move { check_spec(&prism, &file).await });
        if let Err(e) = task.await {
            let message = e.try_into_panic().ok().and_then(|p| {
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            });
            failed.push(message.unwrap_or_else(|| "cancelled".into()));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_tokens_conforms() {
    if let Some(prism) = prism_executable() {
        check_spec(&prism, "iam-tokens.yaml").await;
    }
}

/// The whole chain as a user runs it: IAM password authentication against the IAM mock
/// (request body validated by Prism against the IAM spec), then the IMS job query with the
/// token IAM returned (validated against the IMS spec).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_auth_then_job_query_conform() {
    let Some(prism) = prism_executable() else {
        return;
    };
    let iam = Prism::start(&prism, &specs_dir().join("iam-tokens.yaml"));
    let ims = Prism::start(&prism, &specs_dir().join("otc-ims-jobs.yaml"));
    let config = builder(&ims, &otc_ims_jobs::SERVICE)
        .endpoint(iam_tokens::SERVICE.name, &iam.url)
        .auth(Auth::password(
            PasswordAuth::new("domain A", "user A", "**********")
                .project_id("ac234de25c6741d2b1273da49eea1b9e"),
        ))
        .build()
        .expect("config");
    let client = otc_ims_jobs::Client::new(&config).expect("client");
    let job = client
        .show_job(
            "ac234de25c6741d2b1273da49eea1b9e",
            "ff8080814dbd65d7014dbe0d84db0013",
        )
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{e}\n\nIAM mock log:\n{}\n\nIMS mock log:\n{}",
                iam.log(),
                ims.log()
            )
        });
    assert_eq!(job.status(), 200);
    assert_eq!(
        job.job_id.as_deref(),
        Some("ff8080814dbd65d7014dbe0d84db0013")
    );
    assert!(
        iam.log().contains("POST"),
        "IAM was not called:\n{}",
        iam.log()
    );
    assert!(
        !iam.log()
            .contains("Request did not pass the validation rules"),
        "{}",
        iam.log()
    );
}
