//! Every documented response of every API, served by a local HTTP server, through the
//! generated clients: success examples decode into the typed bodies (and read as jobs), and
//! every documented error status becomes `Error::Api` with its typed body, the service's
//! error code and message, the request id and the raw body.
//!
//! The responses come from the specs themselves (their examples; for statuses without an
//! example, a body built from the documented error schema), so a spec change is tested too.

use cloudjobs::runtime::{Auth, Config, Error, Job, RetryPolicy, StateKind};
use cloudjobs::{cae_jobs, cfw_jobs, iam_tokens, otc_ims_jobs, workspace_image_jobs};
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The documented responses of the one operation of a spec: (status, body, example?).
fn documented(spec: &str) -> Vec<(u16, Value, bool)> {
    let root = cloudjobs_tests::paths::project_root();
    let doc = cloudjobs_codegen::load::load_file(&root.join("specs").join(spec), spec).unwrap();
    documented_in(&doc.raw, None, spec)
        .into_iter()
        .map(|(status, body, example, _)| (status, body, example))
        .collect()
}

/// The documented responses of an operation (`None`: the first of the spec): (status, body,
/// example?, label), one entry per example where a response has several (`examples`).
fn documented_in(
    raw: &Value,
    operation: Option<&str>,
    spec: &str,
) -> Vec<(u16, Value, bool, String)> {
    let resolve = |v: &Value| -> Value {
        let mut v = v.clone();
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            v = raw.pointer(r.trim_start_matches('#')).cloned().unwrap();
        }
        v
    };
    let op = raw["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .find(|op| {
            op.get("responses").is_some()
                && operation.is_none_or(|id| op["operationId"].as_str() == Some(id))
        })
        .unwrap_or_else(|| panic!("{spec}: no operation {operation:?}"));
    let mut out = Vec::new();
    for (code, response) in op["responses"].as_object().unwrap() {
        let Ok(status) = code.parse::<u16>() else {
            continue;
        };
        let response = resolve(response);
        let Some(media) = response
            .get("content")
            .and_then(|c| c.get("application/json"))
        else {
            out.push((status, Value::Null, false, format!("{status}")));
            continue;
        };
        let named = media.get("examples").and_then(Value::as_object);
        match (media.get("example"), named) {
            (Some(example), _) => out.push((status, example.clone(), true, format!("{status}"))),
            (None, Some(examples)) if !examples.is_empty() => {
                for (name, example) in examples {
                    let value = resolve(example)["value"].clone();
                    out.push((status, value, true, format!("{status} example `{name}`")));
                }
            }
            _ => out.push((
                status,
                sample(&resolve, &resolve(&media["schema"])),
                false,
                format!("{status}"),
            )),
        }
    }
    assert!(!out.is_empty(), "{spec} documents responses");
    out
}

/// Every job API of the registry, through the registry: each documented success example
/// decodes and its status is one the spec classifies (a documented status that reads as
/// `Unknown` would make waiting never end); each documented error status is an API error
/// with its body decoded as documented, the request id, the raw body, and the code and
/// message as sent. A new job spec is
/// covered with no new test code.
#[tokio::test]
async fn every_registered_job_api_decodes_its_documented_responses() {
    use cloudjobs::apis::registry;
    use cloudjobs::runtime::any_service::JobQuery;

    let root = cloudjobs_tests::paths::project_root();
    let specs = cloudjobs_codegen::project::spec_files(&root.join("specs")).unwrap();
    let server = MockServer::start().await;
    let mut checked = 0;
    for service in registry::SERVICES {
        let file = specs
            .iter()
            .find(|p| cloudjobs_codegen::module_name(p) == service.module)
            .unwrap_or_else(|| panic!("{}: no spec for module {}", service.name, service.module));
        let label = file.file_name().unwrap().to_string_lossy().into_owned();
        let doc = cloudjobs_codegen::load::load_file(file, &label).unwrap();
        // Path parameters: `p` for the project, `j` for the job, `x` for anything else.
        let route: String = service
            .path
            .split('/')
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) if Some(name) == service.project_param => "p".to_owned(),
                    Some(name) if name == service.job_id_param => "j".to_owned(),
                    Some(_) => "x".to_owned(),
                    None => segment.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/");
        let query =
            service
                .params
                .iter()
                .filter(|p| p.required)
                .fold(JobQuery::new("p", "j"), |q, p| {
                    let value = match p.kind {
                        cloudjobs::runtime::any_service::ParamKind::Integer
                        | cloudjobs::runtime::any_service::ParamKind::Number => "1",
                        cloudjobs::runtime::any_service::ParamKind::Boolean => "true",
                        cloudjobs::runtime::any_service::ParamKind::Text => "x",
                    };
                    q.param(p.name, value)
                });
        let client = service
            .client(&config(&server, service.module), query)
            .unwrap();
        for (status, body, has_example, what) in
            documented_in(&doc.raw, Some(service.operation), &label)
        {
            let what = format!("{} ({label}) {what}", service.name);
            serve(&server, &route, status, &body).await;
            let result = client.get().await;
            if status < 300 {
                let job = result.unwrap_or_else(|e| panic!("{what}: does not decode: {e}"));
                let job = job.body();
                if has_example && let Some(status) = job.status() {
                    assert_ne!(
                        job.state().kind(),
                        StateKind::Unknown,
                        "{what}: the documented status `{status}` is in none of the spec's state lists"
                    );
                }
            } else {
                // The registry keeps the typed error body as JSON: a documented body decodes.
                check_error(result, status, &body, has_example || !body.is_null());
            }
            checked += 1;
        }
    }
    assert!(checked >= registry::SERVICES.len());
}

/// A value of a (resolved) schema: every property filled, strings named after their field.
fn sample(resolve: &dyn Fn(&Value) -> Value, schema: &Value) -> Value {
    let schema = resolve(schema);
    if let Some(first) = schema
        .get("oneOf")
        .or(schema.get("anyOf"))
        .and_then(|v| v.get(0))
    {
        return sample(resolve, first);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None if schema.get("properties").is_some() => Value::Object(
            schema["properties"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, s)| {
                    let value = match resolve(s).get("type").and_then(Value::as_str) {
                        Some("string") | None => json!(format!("{name}-value")),
                        _ => sample(resolve, s),
                    };
                    (name.clone(), value)
                })
                .collect(),
        ),
        Some("integer" | "number") => json!(1),
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        _ => json!("value"),
    }
}

fn config(server: &MockServer, service: &str) -> Config {
    Config::builder()
        .endpoint(service, server.uri())
        .auth(Auth::token("test-token"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn serve(server: &MockServer, route: &str, status: u16, body: &Value) {
    serve_with(server, route, status, body, &[]).await;
}

/// [`serve`], with the response headers the spec documents for that status.
async fn serve_with(
    server: &MockServer,
    route: &str,
    status: u16,
    body: &Value,
    headers: &[(&str, &str)],
) {
    server.reset().await;
    let mut template = if body.is_null() {
        ResponseTemplate::new(status)
    } else {
        ResponseTemplate::new(status).set_body_json(body)
    };
    for (name, value) in headers {
        template = template.insert_header(*name, *value);
    }
    Mock::given(path(route))
        .respond_with(template.insert_header("X-Request-Id", "req-42"))
        .mount(server)
        .await;
}

/// Checks an error response: status, request id, raw body, code and message as sent.
fn check_error<E: std::fmt::Debug>(
    result: Result<impl std::fmt::Debug, Error<E>>,
    status: u16,
    body: &Value,
    typed: bool,
) {
    let error = result.expect_err("an error status is an error");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("HTTP {status}: not an API error: {error}"));
    assert_eq!(api.status().as_u16(), status);
    assert_eq!(api.request_id(), Some("req-42"));
    assert_eq!(
        serde_json::from_slice::<Value>(api.raw_body())
            .ok()
            .unwrap_or(Value::Null),
        *body
    );
    if typed {
        assert!(
            api.body().is_some(),
            "HTTP {status}: the documented body did not decode: {body}"
        );
    }
    if let Some(code) = find(body, &["error_code", "code"]) {
        assert_eq!(api.code(), Some(code.as_str()), "HTTP {status}");
    }
    if let Some(message) = find(body, &["error_msg", "message"]) {
        assert_eq!(api.message(), Some(message.as_str()), "HTTP {status}");
    }
}

fn find(body: &Value, keys: &[&str]) -> Option<String> {
    let here = keys.iter().find_map(|k| {
        body.get(*k)?
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    });
    here.or_else(|| {
        body.as_object()?
            .values()
            .find_map(|v| v.is_object().then(|| find(v, keys)).flatten())
    })
}

#[tokio::test]
async fn otc_ims_job_responses() {
    let server = MockServer::start().await;
    let ims = otc_ims_jobs::Client::new(&config(&server, "otc_ims_jobs")).unwrap();
    let root = cloudjobs_tests::paths::project_root();
    let doc = cloudjobs_codegen::load::load_file(
        &root.join("specs").join("otc-ims-jobs.yaml"),
        "otc-ims-jobs.yaml",
    )
    .unwrap();
    let mut legacy_seen = false;
    for (status, body, has_example, label) in documented_in(&doc.raw, None, "otc-ims-jobs.yaml") {
        serve(&server, "/v1/p/jobs/j", status, &body).await;
        let result = ims.show_job("p", "j").await;
        if status < 300 {
            let job = result.unwrap();
            assert_eq!(job.state().kind(), StateKind::Succeeded, "{label}");
            if label.ends_with("`legacy2022`") {
                // The 2022 page's example: legacy begin_time form, "" end_time.
                legacy_seen = true;
                assert_eq!(job.resource_ids(), ["e9e91bff-14b6-4a0b-8377-4ed0813e3360"]);
                assert_eq!(
                    job.begin_time
                        .as_ref()
                        .and_then(|t| t.to_rfc3339())
                        .as_deref(),
                    Some("2015-06-04T18:11:06.586Z")
                );
                assert!(
                    job.end_time
                        .as_ref()
                        .is_some_and(|t| t.to_system_time().is_none())
                );
            } else {
                // The page's examples, one per job type: the image ids it names (the job's,
                // the image sharing results', the sub-jobs'), ISO 8601 times.
                let entities = &body["entities"];
                let mut ids: Vec<&str> = entities["image_id"].as_str().into_iter().collect();
                for list in ["results", "sub_jobs_result"] {
                    for item in entities[list].as_array().into_iter().flatten() {
                        let id = if list == "results" {
                            &item["image_id"]
                        } else {
                            &item["entities"]["image_id"]
                        };
                        ids.extend(id.as_str());
                    }
                }
                assert_eq!(job.resource_ids(), ids, "{label}");
                for time in [&job.begin_time, &job.end_time] {
                    assert!(
                        time.as_ref().is_some_and(|t| t.to_system_time().is_some()),
                        "{label}"
                    );
                }
            }
        } else {
            check_error(result, status, &body, has_example || !body.is_null());
        }
    }
    assert!(legacy_seen, "the 2022 example is still documented");
}

#[tokio::test]
async fn cae_job_responses() {
    let server = MockServer::start().await;
    let cae = cae_jobs::Client::new(&config(&server, "cae_jobs")).unwrap();
    for (status, body, _) in documented("cae-jobs.yaml") {
        serve(&server, "/v1/p/cae/jobs/j", status, &body).await;
        let result = cae.show_job("p", "j", "env-1").await;
        if status < 300 {
            let job = result.unwrap();
            assert_eq!(job.state().kind(), StateKind::Running);
            assert_eq!(
                job.progress(),
                Some(cloudjobs::runtime::Progress::Percent(0.0))
            );
            assert_eq!(job.subtasks().len(), 1);
            assert_eq!(job.subtasks()[0].state.kind(), StateKind::Pending);
        } else {
            check_error(result, status, &body, !body.is_null());
        }
    }
    // The required header went on the wire.
    let received = server.received_requests().await.unwrap();
    assert!(received.iter().all(|r| {
        r.headers
            .get("x-environment-id")
            .is_some_and(|v| v == "env-1")
    }));
}

#[tokio::test]
async fn cfw_job_responses() {
    let server = MockServer::start().await;
    let cfw = cfw_jobs::Client::new(&config(&server, "cfw_jobs")).unwrap();
    for (status, body, _) in documented("cfw-jobs.yaml") {
        serve(&server, "/v3/p/jobs/j", status, &body).await;
        let result = cfw.list_job("p", "j").await;
        if status < 300 {
            let job = result.unwrap();
            assert_eq!(job.state().kind(), StateKind::Succeeded);
            let begin = job
                .data
                .as_ref()
                .and_then(|d| d.begin_time.as_ref())
                .and_then(|t| t.unix_millis());
            assert_eq!(
                begin,
                Some(1_641_370_501_000),
                "epoch milliseconds, as the example sends"
            );
        } else {
            check_error(result, status, &body, !body.is_null());
        }
    }
}

#[tokio::test]
async fn workspace_image_job_responses() {
    let server = MockServer::start().await;
    let ws = workspace_image_jobs::Client::new(&config(&server, "workspace_image_jobs")).unwrap();
    for (status, body, _) in documented("workspace-image-jobs.yaml") {
        serve(&server, "/v1/p/image-server-jobs/j", status, &body).await;
        let result = ws.show_image_job("p", "j").await;
        if status < 300 {
            let job = result.unwrap();
            assert_eq!(job.state().kind(), StateKind::Succeeded);
            assert_eq!(job.resource_ids(), ["f5d443de-a623-4950-a74d-569fe63c1f7a"]);
            assert_eq!(
                job.progress(),
                Some(cloudjobs::runtime::Progress::Tasks { done: 1, total: 1 })
            );
        } else {
            check_error(result, status, &body, !body.is_null());
        }
    }
}

#[tokio::test]
async fn iam_token_responses() {
    let server = MockServer::start().await;
    let iam = iam_tokens::Client::new(&config(&server, "iam_tokens")).unwrap();
    for (status, body, _) in documented("iam-tokens.yaml") {
        // The 201 documents a required `X-Subject-Token` header.
        let headers: &[(&str, &str)] = if status < 300 {
            &[("X-Subject-Token", "tok-documented")]
        } else {
            &[]
        };
        serve_with(&server, "/v3/auth/tokens", status, &body, headers).await;
        let request: iam_tokens::KeystoneCreateUserTokenByPasswordRequestBody = serde_json::from_value(json!({
            "auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "u", "password": "p", "domain": {"name": "d"}}}},
                     "scope": {"project": {"id": "p"}}}
        }))
        .unwrap();
        let result = iam.keystone_create_user_token_by_password(request).await;
        if status < 300 {
            let token = result.unwrap();
            assert_eq!(
                token.typed_headers().x_subject_token.expose(),
                "tok-documented"
            );
            assert!(
                token
                    .token
                    .expires_at
                    .as_ref()
                    .and_then(|t| t.to_system_time())
                    .is_some()
            );
        } else {
            check_error(result, status, &body, !body.is_null());
        }
    }
}

#[tokio::test]
async fn cfw_with_aksk_signing_on_the_wire() {
    let server = MockServer::start().await;
    let example = documented("cfw-jobs.yaml")
        .into_iter()
        .find(|(s, ..)| *s == 200)
        .unwrap()
        .1;
    serve(&server, "/v3/p/jobs/j", 200, &example).await;
    let config = Config::builder()
        .endpoint("cfw_jobs", server.uri())
        .auth(Auth::aksk(
            cloudjobs::runtime::AkSk::new("AK-EXAMPLE", "sk-secret").project_id("p"),
        ))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let job = cfw_jobs::Client::new(&config)
        .unwrap()
        .list_job("p", "j")
        .await
        .unwrap();
    assert!(job.state().is_terminal());
    let request = &server.received_requests().await.unwrap()[0];
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let authorization = header("authorization").unwrap();
    assert!(
        authorization.starts_with("SDK-HMAC-SHA256 Access=AK-EXAMPLE, SignedHeaders="),
        "{authorization}"
    );
    assert!(authorization.contains(", Signature="), "{authorization}");
    assert_eq!(header("x-project-id").as_deref(), Some("p"));
    assert!(header("x-sdk-date").is_some_and(|d| d.len() == 16 && d.ends_with('Z')));
    assert!(header("x-auth-token").is_none());
    assert!(!format!("{config:?}").contains("sk-secret"));
}
