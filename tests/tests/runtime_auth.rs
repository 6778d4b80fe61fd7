//! Authentication as sent on the wire, against a local HTTP server: static tokens, AK/SK
//! signatures (checked by an independent verifier), cached tokens from a custom source and from
//! `Auth::password` through the generated IAM client (caching, expiry, single-flight, refresh
//! once on 401), and secrets kept out of `Debug` and `Display`.

use cloudjobs_tests::support::{CREATE_JOB, CREATE_TOKEN, IAM, JOBS, PUBLIC_INFO, SHOW_JOB};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cloudjobs::runtime::{
    AkSk, Auth, BoxFuture, Clock, Config, Connection, Error, PasswordAuth, QueryStyle, Request,
    RetryPolicy, Secret, ServiceClient, Timestamp, Token, TokenCacheOptions, TokenSource,
    encode_path,
};
use serde::Deserialize;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "pw-SECRET-do-not-print";

#[derive(Debug, Deserialize)]
struct Job {
    status: String,
}

fn config(server: &MockServer, auth: Auth) -> Config {
    Config::builder()
        .endpoint("test_jobs", server.uri())
        .endpoint("test_iam", server.uri())
        .auth(auth)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn show_job(client: &ServiceClient, project: &str, job: &str) -> Result<Job, Error> {
    let request = Request::new(
        &SHOW_JOB,
        format!("/v1/{}/jobs/{}", encode_path(project), encode_path(job)),
    );
    let response = client.execute(request).await?;
    match response.code() {
        200 => response.json::<Job, _>().map(|r| r.into_body()),
        _ => response.unexpected(),
    }
}

async fn mount_job(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/p1/jobs/j1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "SUCCESS"
        })))
        .mount(server)
        .await;
}

// ---------------------------------------------------------------------------------------
// Static tokens

#[tokio::test]
async fn static_token_is_sent_as_x_auth_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/p1/jobs/j1"))
        .and(header("x-auth-token", "static-token-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "RUNNING"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client =
        ServiceClient::new(&config(&server, Auth::token("static-token-1")), &JOBS).unwrap();
    let job = show_job(&client, "p1", "j1").await.unwrap();
    assert_eq!(job.status, "RUNNING");
}

#[tokio::test]
async fn unauthenticated_operations_carry_no_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let client =
        ServiceClient::new(&config(&server, Auth::token("static-token-1")), &JOBS).unwrap();
    let response = client
        .execute::<()>(Request::new(&PUBLIC_INFO, "/".into()))
        .await
        .unwrap();
    assert_eq!(response.code(), 200);
    let received = server.received_requests().await.unwrap();
    assert!(received[0].headers.get("x-auth-token").is_none());
    assert!(received[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn static_token_401_is_returned_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": {"code": "APIGW.0301", "message": "Incorrect IAM authentication information"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = ServiceClient::new(&config(&server, Auth::token("tok-SECRET")), &JOBS).unwrap();
    let e = show_job(&client, "p1", "j1").await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(e.api().unwrap().code(), Some("APIGW.0301"));
    assert!(!e.to_string().contains("SECRET"));
    assert!(!format!("{e:?}").contains("SECRET"));
}

// ---------------------------------------------------------------------------------------
// AK/SK signing, verified by an independent implementation of the documented algorithm

fn sha256_hex(data: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn unpct(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let h = u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap();
            out.push(h);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Checks the `Authorization` header of a received request the way API Gateway does: rebuild
/// the canonical request from what arrived, and compare HMAC-SHA256 signatures.
fn verify_sdk_signature(request: &wiremock::Request, access_key: &str, secret_key: &str) {
    let auth = request.headers["authorization"].to_str().unwrap();
    let rest = auth.strip_prefix("SDK-HMAC-SHA256 ").expect(auth);
    let mut access = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(", ") {
        let (k, v) = part.split_once('=').unwrap();
        match k {
            "Access" => access = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => panic!("unexpected {k}"),
        }
    }
    assert_eq!(access, Some(access_key));
    let signed = signed.unwrap();
    let date = request.headers["x-sdk-date"].to_str().unwrap();

    // As the SDKs (and the gateway) do: decode the whole path, then encode each segment.
    let mut uri: String = unpct(request.url.path())
        .split('/')
        .map(pct)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    let mut pairs: Vec<(String, String)> = request
        .url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unpct(k), unpct(v))
        })
        .collect();
    pairs.sort();
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in signed.split(';') {
        let value = request.headers[name].to_str().unwrap().trim();
        canonical_headers.push_str(&format!("{name}:{value}\n"));
    }
    let canonical = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method.as_str(),
        uri,
        query,
        canonical_headers,
        signed,
        sha256_hex(&request.body)
    );
    let string_to_sign = format!(
        "SDK-HMAC-SHA256\n{date}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret_key.as_bytes());
    let expected = hex(ring::hmac::sign(&key, string_to_sign.as_bytes()).as_ref());
    assert_eq!(
        signature,
        Some(expected.as_str()),
        "canonical request:\n{canonical}"
    );
}

#[tokio::test]
async fn aksk_signature_on_the_wire_verifies() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "SUCCESS"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "INIT"
        })))
        .mount(&server)
        .await;
    // 2020-06-08T02:39:00Z, the date of the Python SDK's published vectors.
    let at = UNIX_EPOCH + Duration::from_secs(1_591_583_940);
    let aksk = AkSk::new("MYAK", "sk-SECRET-value")
        .project_id("p1")
        .security_token("st-SECRET-token")
        .clock(Clock::fixed(at));
    let config = config(&server, Auth::aksk(aksk));
    let client = ServiceClient::new(&config, &JOBS).unwrap();

    // A GET with odd characters in the path and the query, and an operation header.
    let mut request = Request::new(
        &SHOW_JOB,
        format!("/v1/{}/jobs/{}", encode_path("p1"), encode_path("job id/ü")),
    );
    request.query("marker", "a b&c=d", QueryStyle::Form);
    request.query("limit", &10, QueryStyle::Form);
    request.query("tags", &["z", "a"], QueryStyle::Form);
    request.header("X-Environment-ID", "env-1");
    client.execute::<()>(request).await.unwrap();

    // A POST with a JSON body.
    let mut request = Request::new(&CREATE_JOB, "/v1/p1/jobs".into());
    request.json(&serde_json::json!({"name": "test", "id": 1}));
    client.execute::<()>(request).await.unwrap();

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    for r in &received {
        assert_eq!(r.headers["x-sdk-date"], "20200608T023900Z");
        assert_eq!(r.headers["x-project-id"], "p1");
        assert_eq!(r.headers["x-security-token"], "st-SECRET-token");
        assert!(r.headers.get("x-auth-token").is_none());
        verify_sdk_signature(r, "MYAK", "sk-SECRET-value");
    }
    let auth = received[0].headers["authorization"].to_str().unwrap();
    assert!(
        auth.contains(
            "SignedHeaders=host;x-environment-id;x-project-id;x-sdk-date;x-security-token,"
        ),
        "{auth}"
    );
    // The POST's Content-Type is sent but not signed.
    assert_eq!(received[1].headers["content-type"], "application/json");
    let auth = received[1].headers["authorization"].to_str().unwrap();
    assert!(auth.contains("SignedHeaders=host;x-project-id;x-sdk-date;x-security-token,"));

    // Nothing secret in the configuration's Debug output.
    let debug = format!("{config:?}");
    assert!(!debug.contains("SECRET"), "{debug}");
}

#[tokio::test]
async fn aksk_signature_with_the_system_clock_is_fresh() {
    let server = MockServer::start().await;
    mount_job(&server).await;
    let client =
        ServiceClient::new(&config(&server, Auth::aksk(AkSk::new("AK", "SK"))), &JOBS).unwrap();
    show_job(&client, "p1", "j1").await.unwrap();
    let received = server.received_requests().await.unwrap();
    let date = received[0].headers["x-sdk-date"].to_str().unwrap();
    let sent = Timestamp::parse(date).to_system_time().unwrap();
    let age = SystemTime::now().duration_since(sent).unwrap_or_default();
    assert!(age < Duration::from_secs(60), "{date}");
    verify_sdk_signature(&received[0], "AK", "SK");
}

#[tokio::test]
async fn aksk_is_re_signed_on_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_job(&server).await;
    let secs = Arc::new(AtomicU64::new(1_591_583_940));
    let s = secs.clone();
    let clock =
        Clock::from_fn(move || UNIX_EPOCH + Duration::from_secs(s.fetch_add(1, Ordering::SeqCst)));
    let config = Config::builder()
        .endpoint("test_jobs", server.uri())
        .auth(Auth::aksk(AkSk::new("AK", "SK").clock(clock)))
        .retry(RetryPolicy::new().sleep_with(|_| Box::pin(async {})))
        .build()
        .unwrap();
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    show_job(&client, "p1", "j1").await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].headers["x-sdk-date"], "20200608T023900Z");
    assert_eq!(received[1].headers["x-sdk-date"], "20200608T023901Z");
    for r in &received {
        verify_sdk_signature(r, "AK", "SK");
    }
}

// ---------------------------------------------------------------------------------------
// Cached tokens from an IAM-style token service (POST /v3/auth/tokens on the mock server)

/// A token source that asks the mock IAM for a token the way the generated IAM client will:
/// `POST /v3/auth/tokens`, token in `X-Subject-Token`, expiry in `token.expires_at`.
#[derive(Debug)]
struct MockIam {
    password: Secret,
}

#[derive(Deserialize)]
struct TokenBody {
    token: TokenInfo,
}

#[derive(Deserialize)]
struct TokenInfo {
    expires_at: Timestamp,
}

impl TokenSource for MockIam {
    fn fetch<'a>(&'a self, connection: &'a Connection) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(async move {
            let config = Config::new(connection.clone(), Auth::None);
            let iam = ServiceClient::new(&config, &IAM).map_err(|e| Error::InvalidRequest {
                operation: CREATE_TOKEN.id,
                message: e.to_string(),
            })?;
            let mut request = Request::new(&CREATE_TOKEN, "/v3/auth/tokens".into());
            request.json(&serde_json::json!({"auth": {"identity": {
                "methods": ["password"],
                "password": {"user": {
                    "name": "user", "password": self.password.expose(), "domain": {"name": "dom"}
                }}
            }, "scope": {"project": {"id": "p1"}}}}));
            let response = iam.execute(request).await?;
            match response.code() {
                201 => {
                    let token = response
                        .header("X-Subject-Token")
                        .unwrap_or_default()
                        .to_owned();
                    let body = response.json::<TokenBody, _>()?.into_body();
                    Ok(Token::new(token, body.token.expires_at.to_system_time()))
                }
                _ => response.unexpected(),
            }
        })
    }
}

/// Mounts a mock IAM that hands out `token-1`, `token-2`, ... valid until `expires_at`,
/// answering after `delay`; returns the count of token requests.
async fn mount_iam(server: &MockServer, expires_at: &str, delay: Duration) -> Arc<AtomicUsize> {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let expires_at = expires_at.to_owned();
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(move |_: &wiremock::Request| {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            ResponseTemplate::new(201)
                .insert_header("X-Subject-Token", format!("token-{n}").as_str())
                .set_body_json(serde_json::json!({"token": {
                    "expires_at": expires_at,
                    "issued_at": "2015-11-09T00:42:57.527404Z",
                    "methods": ["password"]
                }}))
                .set_delay(delay)
        })
        .mount(server)
        .await;
    calls
}

fn tokens_seen(received: &[wiremock::Request]) -> Vec<String> {
    received
        .iter()
        .filter(|r| r.url.path().starts_with("/v1/"))
        .map(|r| {
            r.headers
                .get("x-auth-token")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn token_is_fetched_once_and_cached_until_shortly_before_expiry() {
    let server = MockServer::start().await;
    let iam_calls = mount_iam(&server, "2030-01-02T00:00:00.000000Z", Duration::ZERO).await;
    mount_job(&server).await;
    // The local clock: 2030-01-01T00:00:00Z, so the token lives 24 h.
    let now = Arc::new(AtomicU64::new(1_893_456_000));
    let n = now.clone();
    let clock = Clock::from_fn(move || UNIX_EPOCH + Duration::from_secs(n.load(Ordering::SeqCst)));
    let auth = Auth::token_source_with(
        MockIam {
            password: PASSWORD.into(),
        },
        TokenCacheOptions::new()
            .refresh_margin(Duration::from_secs(600))
            .clock(clock),
    );
    let client = ServiceClient::new(&config(&server, auth), &JOBS).unwrap();
    for _ in 0..3 {
        show_job(&client, "p1", "j1").await.unwrap();
    }
    assert_eq!(iam_calls.load(Ordering::SeqCst), 1);
    // 11 minutes before expiry: still cached.
    now.fetch_add(24 * 3600 - 660, Ordering::SeqCst);
    show_job(&client, "p1", "j1").await.unwrap();
    assert_eq!(iam_calls.load(Ordering::SeqCst), 1);
    // 9 minutes before expiry: inside the margin, refreshed.
    now.fetch_add(120, Ordering::SeqCst);
    show_job(&client, "p1", "j1").await.unwrap();
    show_job(&client, "p1", "j1").await.unwrap();
    assert_eq!(iam_calls.load(Ordering::SeqCst), 2);

    let received = server.received_requests().await.unwrap();
    assert_eq!(
        tokens_seen(&received),
        [
            "token-1", "token-1", "token-1", "token-1", "token-2", "token-2"
        ]
    );
    // The token request itself carries no token.
    let iam_requests: Vec<_> = received
        .iter()
        .filter(|r| r.url.path() == "/v3/auth/tokens")
        .collect();
    assert!(
        iam_requests
            .iter()
            .all(|r| r.headers.get("x-auth-token").is_none())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_trigger_one_token_fetch() {
    let server = MockServer::start().await;
    let iam_calls = mount_iam(&server, "2999-01-01T00:00:00Z", Duration::from_millis(300)).await;
    mount_job(&server).await;
    let auth = Auth::token_source(MockIam {
        password: PASSWORD.into(),
    });
    let client = ServiceClient::new(&config(&server, auth), &JOBS).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..25 {
        let client = client.clone();
        tasks.spawn(async move { show_job(&client, "p1", "j1").await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(iam_calls.load(Ordering::SeqCst), 1);
    let received = server.received_requests().await.unwrap();
    let tokens = tokens_seen(&received);
    assert_eq!(tokens.len(), 25);
    assert!(tokens.iter().all(|t| t == "token-1"));
}

#[tokio::test]
async fn a_401_refreshes_the_token_once() {
    let server = MockServer::start().await;
    let iam_calls = mount_iam(&server, "2999-01-01T00:00:00Z", Duration::ZERO).await;
    // The job API takes only token-2.
    Mock::given(method("GET"))
        .and(path("/v1/p1/jobs/j1"))
        .and(header("x-auth-token", "token-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "SUCCESS"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/p1/jobs/j1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error_code": "APIGW.0307", "error_msg": "The token must be updated."
        })))
        .mount(&server)
        .await;
    let auth = Auth::token_source(MockIam {
        password: PASSWORD.into(),
    });
    let client = ServiceClient::new(&config(&server, auth), &JOBS).unwrap();
    let job = show_job(&client, "p1", "j1").await.unwrap();
    assert_eq!(job.status, "SUCCESS");
    assert_eq!(iam_calls.load(Ordering::SeqCst), 2);
    // The new token is kept.
    show_job(&client, "p1", "j1").await.unwrap();
    assert_eq!(iam_calls.load(Ordering::SeqCst), 2);
    let received = server.received_requests().await.unwrap();
    assert_eq!(tokens_seen(&received), ["token-1", "token-2", "token-2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_401s_refresh_the_token_once() {
    let server = MockServer::start().await;
    let iam_calls = mount_iam(&server, "2999-01-01T00:00:00Z", Duration::from_millis(100)).await;
    Mock::given(method("GET"))
        .and(path("/v1/p1/jobs/j1"))
        .and(header("x-auth-token", "token-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "SUCCESS"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/p1/jobs/j1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let auth = Auth::token_source(MockIam {
        password: PASSWORD.into(),
    });
    let client = ServiceClient::new(&config(&server, auth), &JOBS).unwrap();
    // Everyone gets token-1 (one fetch), is refused, and shares one refresh to token-2.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..15 {
        let client = client.clone();
        tasks.spawn(async move { show_job(&client, "p1", "j1").await });
    }
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.unwrap().unwrap().status, "SUCCESS");
    }
    assert_eq!(iam_calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_second_401_is_returned_to_the_caller() {
    let server = MockServer::start().await;
    let iam_calls = mount_iam(&server, "2999-01-01T00:00:00Z", Duration::ZERO).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error_code": "APIGW.0307", "error_msg": "The token must be updated."
        })))
        .mount(&server)
        .await;
    let auth = Auth::token_source(MockIam {
        password: PASSWORD.into(),
    });
    let client = ServiceClient::new(&config(&server, auth), &JOBS).unwrap();
    let e = show_job(&client, "p1", "j1").await.unwrap_err();
    let api = e.api().unwrap();
    assert_eq!(api.status().as_u16(), 401);
    assert_eq!(api.code(), Some("APIGW.0307"));
    assert_eq!(iam_calls.load(Ordering::SeqCst), 2);
    let received = server.received_requests().await.unwrap();
    assert_eq!(tokens_seen(&received), ["token-1", "token-2"]);
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(!text.contains("token-"), "{text}");
    }
}

#[tokio::test]
async fn a_401_on_a_post_is_also_refreshed_once() {
    let server = MockServer::start().await;
    let iam_calls = mount_iam(&server, "2999-01-01T00:00:00Z", Duration::ZERO).await;
    Mock::given(method("POST"))
        .and(path("/v1/p1/jobs"))
        .and(header("x-auth-token", "token-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "INIT"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/p1/jobs"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let auth = Auth::token_source(MockIam {
        password: PASSWORD.into(),
    });
    let client = ServiceClient::new(&config(&server, auth), &JOBS).unwrap();
    let mut request = Request::new(&CREATE_JOB, "/v1/p1/jobs".into());
    request.json(&serde_json::json!({"name": "x"}));
    let response = client.execute::<()>(request).await.unwrap();
    assert_eq!(response.code(), 200);
    assert_eq!(iam_calls.load(Ordering::SeqCst), 2);
    let received = server.received_requests().await.unwrap();
    let posts: Vec<_> = received
        .iter()
        .filter(|r| r.url.path() == "/v1/p1/jobs")
        .collect();
    assert_eq!(posts.len(), 2);
    assert!(posts.iter().all(|r| r.body == br#"{"name":"x"}"#));
}

#[tokio::test]
async fn iam_failure_is_an_auth_error_without_secrets_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": {"code": 401, "message": "The username or password is wrong.", "title": "Unauthorized"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    // Retries on: the token POST is still sent only once.
    let config = Config::builder()
        .endpoint("test_jobs", server.uri())
        .endpoint("test_iam", server.uri())
        .auth(Auth::token_source(MockIam {
            password: PASSWORD.into(),
        }))
        .retry(RetryPolicy::new().sleep_with(|_| Box::pin(async {})))
        .build()
        .unwrap();
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let e = show_job(&client, "p1", "j1").await.unwrap_err();
    let Error::Auth(inner) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(inner.operation(), "KeystoneCreateUserTokenByPassword");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    let display = e.to_string();
    assert!(display.contains("authentication failed"), "{display}");
    assert!(
        display.contains("The username or password is wrong."),
        "{display}"
    );
    for text in [display, format!("{e:?}"), format!("{config:?}")] {
        assert!(!text.contains("SECRET"), "{text}");
    }
}

#[tokio::test]
async fn iam_unavailable_is_not_retried_once_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .expect(1)
        .mount(&server)
        .await;
    let delays = Arc::new(Mutex::new(Vec::new()));
    let d = delays.clone();
    let config = Config::builder()
        .endpoint("test_jobs", server.uri())
        .endpoint("test_iam", server.uri())
        .auth(Auth::token_source(MockIam {
            password: PASSWORD.into(),
        }))
        .retry(RetryPolicy::new().max_attempts(5).sleep_with(move |delay| {
            d.lock().unwrap().push(delay);
            Box::pin(async {})
        }))
        .build()
        .unwrap();
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let e = show_job(&client, "p1", "j1").await.unwrap_err();
    assert!(matches!(e, Error::Auth(_)), "{e:?}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
    assert!(delays.lock().unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// Auth::password: the real token source, through the generated IAM client

/// Mounts IAM's `POST /v3/auth/tokens` answering `201` with `token-1`, `token-2`, ...
/// issued at `issued_at`, valid for 24 hours.
async fn mount_keystone(server: &MockServer, delay: Duration) -> Arc<AtomicUsize> {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(wiremock::matchers::query_param("nocatalog", "true"))
        .respond_with(move |_: &wiremock::Request| {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            ResponseTemplate::new(201)
                .insert_header("X-Subject-Token", format!("MIIS-token-{n}").as_str())
                .insert_header("X-IAM-Trace-Id", "trace-1")
                .set_body_json(serde_json::json!({"token": {
                    // IAM's clock is 3 years behind the local one: only the 24 h
                    // lifetime (expires_at - issued_at) counts.
                    "expires_at": "2015-11-10T00:42:57.527404Z",
                    "issued_at": "2015-11-09T00:42:57.527404Z",
                    "methods": ["password"],
                    "project": {"id": "p1", "name": "eu-de"},
                    "user": {"name": "user", "password_expires_at": ""}
                }}))
                .set_delay(delay)
        })
        .mount(server)
        .await;
    calls
}

fn password_config(server: &MockServer, auth: PasswordAuth, clock: Clock) -> Config {
    Config::builder()
        .region("eu-de")
        .endpoint("test_jobs", server.uri())
        .auth(Auth::password(
            auth.iam_endpoint(server.uri()).cache(
                TokenCacheOptions::new()
                    .refresh_margin(Duration::from_secs(600))
                    .clock(clock),
            ),
        ))
        .build()
        .unwrap()
}

fn manual_clock(start: u64) -> (Clock, Arc<AtomicU64>) {
    let now = Arc::new(AtomicU64::new(start));
    let n = now.clone();
    let clock = Clock::from_fn(move || UNIX_EPOCH + Duration::from_secs(n.load(Ordering::SeqCst)));
    (clock, now)
}

#[tokio::test]
async fn password_auth_gets_a_project_token_from_iam_and_caches_it() {
    let server = MockServer::start().await;
    let iam_calls = mount_keystone(&server, Duration::ZERO).await;
    mount_job(&server).await;
    let (clock, now) = manual_clock(1_893_456_000);
    let config = password_config(
        &server,
        PasswordAuth::new("my-domain", "my-user", PASSWORD).project_id("p1"),
        clock,
    );
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    show_job(&client, "p1", "j1").await.unwrap();
    show_job(&client, "p1", "j1").await.unwrap();
    assert_eq!(iam_calls.load(Ordering::SeqCst), 1);

    // The Keystone v3 password request, as sent.
    let received = server.received_requests().await.unwrap();
    let token_request = &received[0];
    assert_eq!(token_request.method.as_str(), "POST");
    assert_eq!(token_request.url.path(), "/v3/auth/tokens");
    assert!(token_request.headers.get("x-auth-token").is_none());
    assert!(
        token_request.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: serde_json::Value = serde_json::from_slice(&token_request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {
                    "domain": {"name": "my-domain"},
                    "name": "my-user",
                    "password": PASSWORD
                }}
            },
            "scope": {"project": {"id": "p1"}}
        }})
    );
    assert_eq!(tokens_seen(&received), ["MIIS-token-1", "MIIS-token-1"]);

    // 24 h lifetime by IAM's clock, 10 min margin: refreshed after 23 h 50 min locally.
    now.fetch_add(23 * 3600 + 49 * 60, Ordering::SeqCst);
    show_job(&client, "p1", "j1").await.unwrap();
    assert_eq!(iam_calls.load(Ordering::SeqCst), 1);
    now.fetch_add(60, Ordering::SeqCst);
    show_job(&client, "p1", "j1").await.unwrap();
    assert_eq!(iam_calls.load(Ordering::SeqCst), 2);
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        tokens_seen(&received),
        [
            "MIIS-token-1",
            "MIIS-token-1",
            "MIIS-token-1",
            "MIIS-token-2"
        ]
    );

    for text in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{client:?}"),
    ] {
        assert!(!text.contains("SECRET") && !text.contains("MIIS"), "{text}");
    }
}

#[tokio::test]
async fn password_auth_scopes_to_the_region_project_by_default() {
    let server = MockServer::start().await;
    mount_keystone(&server, Duration::ZERO).await;
    mount_job(&server).await;
    let config = password_config(
        &server,
        PasswordAuth::new("dom", "user", PASSWORD),
        Clock::system(),
    );
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    show_job(&client, "p1", "j1").await.unwrap();
    let received = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(
        body["auth"]["scope"],
        serde_json::json!({"project": {"name": "eu-de"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_auth_single_flight_and_401_refresh() {
    let server = MockServer::start().await;
    let iam_calls = mount_keystone(&server, Duration::from_millis(300)).await;
    Mock::given(method("GET"))
        .and(path("/v1/p1/jobs/j1"))
        .and(header("x-auth-token", "MIIS-token-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "SUCCESS"
        })))
        .mount(&server)
        .await;
    let config = password_config(
        &server,
        PasswordAuth::new("dom", "user", PASSWORD).project_name("eu-de"),
        Clock::system(),
    );
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let client = client.clone();
        tasks.spawn(async move { show_job(&client, "p1", "j1").await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(iam_calls.load(Ordering::SeqCst), 1);

    // The job API now refuses token-1: one refresh, then the 401 stands.
    server.reset().await;
    let iam_calls = mount_keystone(&server, Duration::ZERO).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let e = show_job(&client, "p1", "j1").await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(iam_calls.load(Ordering::SeqCst), 1);
    let received = server.received_requests().await.unwrap();
    assert_eq!(tokens_seen(&received), ["MIIS-token-1", "MIIS-token-1"]);
}

#[tokio::test]
async fn password_auth_wrong_password_is_one_auth_error_without_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("X-Request-Id", "req-iam-401")
                .set_body_json(serde_json::json!({"error": {
                    "code": 401,
                    "message": "The username or password is wrong.",
                    "title": "Unauthorized"
                }})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let config = password_config(
        &server,
        PasswordAuth::new("dom", "user", PASSWORD).project_id("p1"),
        Clock::system(),
    );
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let e = show_job(&client, "p1", "j1").await.unwrap_err();
    let Error::Auth(inner) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(inner.operation(), "KeystoneCreateUserTokenByPassword");
    let api = inner.api().unwrap();
    assert_eq!(api.status().as_u16(), 401);
    assert_eq!(api.message(), Some("The username or password is wrong."));
    assert_eq!(e.request_id(), Some("req-iam-401"));
    let display = e.to_string();
    assert_eq!(
        display,
        "authentication failed: KeystoneCreateUserTokenByPassword failed with HTTP 401 \
         Unauthorized: 401: The username or password is wrong. (request id req-iam-401)"
    );
    for text in [display, format!("{e:?}"), format!("{e:#?}")] {
        assert!(!text.contains("SECRET"), "{text}");
    }
}

#[tokio::test]
async fn password_auth_without_a_token_header_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"token": {}})))
        .mount(&server)
        .await;
    let config = password_config(
        &server,
        PasswordAuth::new("dom", "user", PASSWORD).project_id("p1"),
        Clock::system(),
    );
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let e = show_job(&client, "p1", "j1").await.unwrap_err();
    let Error::Auth(inner) = &e else {
        panic!("{e:?}")
    };
    let Error::Decode(d) = inner.as_ref() else {
        panic!("{e:?}")
    };
    assert_eq!(d.path(), "X-Subject-Token (header)");
}

/// Before the fix a `201` whose body was not the documented one (`{}`, say) failed password
/// authentication although the token was in the header.
#[tokio::test]
async fn password_auth_takes_the_token_from_the_header_whatever_the_body() {
    for body in ["{}", "", "[1]", r#"{"token": "text"}"#] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v3/auth/tokens"))
            .respond_with(
                ResponseTemplate::new(201)
                    .insert_header("X-Subject-Token", "tok-from-header")
                    .set_body_raw(body, "application/json"),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/p1/jobs/j1"))
            .and(header("x-auth-token", "tok-from-header"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"status": "SUCCESS"})),
            )
            .mount(&server)
            .await;
        let config = password_config(
            &server,
            PasswordAuth::new("dom", "user", PASSWORD).project_id("p1"),
            Clock::system(),
        );
        let client = ServiceClient::new(&config, &JOBS).unwrap();
        let job = show_job(&client, "p1", "j1").await;
        assert_eq!(job.unwrap().status, "SUCCESS", "body {body:?}");
    }
}

/// `OS_AUTH_URL` ends in `/v3`: before the fix `PasswordAuth::iam_endpoint` with it asked
/// `/v3/v3/auth/tokens`.
#[tokio::test]
async fn password_auth_takes_iam_urls_with_or_without_v3() {
    for suffix in ["", "/", "/v3", "/v3/"] {
        let server = MockServer::start().await;
        let calls = mount_keystone(&server, Duration::ZERO).await;
        mount_job(&server).await;
        let config = Config::builder()
            .endpoint("test_jobs", server.uri())
            .auth(Auth::password(
                PasswordAuth::new("dom", "user", PASSWORD)
                    .project_id("p1")
                    .iam_endpoint(format!("{}{suffix}", server.uri())),
            ))
            .build()
            .unwrap();
        let client = ServiceClient::new(&config, &JOBS).unwrap();
        show_job(&client, "p1", "j1").await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{suffix}");
    }
}

/// The cached token says which project IAM scoped it to: the command line looks a project
/// id up with the same request that authenticates it.
#[tokio::test]
async fn the_cached_token_tells_its_project() {
    let server = MockServer::start().await;
    let calls = mount_keystone(&server, Duration::ZERO).await;
    mount_job(&server).await;
    let (clock, _) = manual_clock(1_893_456_000);
    let config = password_config(
        &server,
        PasswordAuth::new("dom", "user", PASSWORD).project_name("eu-de"),
        clock,
    );
    let Auth::Cached(cache) = config.auth() else {
        panic!("password auth is a cached token")
    };
    let token = cache.current(config.connection()).await.unwrap();
    assert_eq!(token.project_id(), Some("p1"));
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    show_job(&client, "p1", "j1").await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// The generated IAM client reads the documented `X-Subject-Token` into a typed field, and a
/// `201` without it (the header is required) is an error; before the fix it was `Ok`.
#[tokio::test]
async fn generated_clients_type_documented_response_headers() {
    use cloudjobs::apis::iam_tokens as iam;
    let body = serde_json::json!({"token": {
        "expires_at": "2015-11-10T00:42:57.527404Z",
        "issued_at": "2015-11-09T00:42:57.527404Z",
        "methods": ["password"],
        "user": {"name": "user", "domain": {"name": "dom", "id": "d1"}, "id": "u1",
                 "password_expires_at": ""}
    }});
    let request: iam::KeystoneCreateUserTokenByPasswordRequestBody =
        serde_json::from_value(serde_json::json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "domain": {"name": "dom"}, "name": "user", "password": PASSWORD}}},
            "scope": {"project": {"name": "eu-de"}}}}))
        .unwrap();
    for with_header in [true, false] {
        let server = MockServer::start().await;
        let mut answer = ResponseTemplate::new(201).set_body_json(body.clone());
        if with_header {
            answer = answer.insert_header("X-Subject-Token", "tok-typed");
        }
        Mock::given(method("POST"))
            .and(path("/v3/auth/tokens"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let config = Config::builder()
            .endpoint(iam::SERVICE.name, server.uri())
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let client = iam::Client::new(&config).unwrap();
        let result = client
            .keystone_create_user_token_by_password(request.clone())
            .await;
        match (with_header, result) {
            (true, Ok(response)) => {
                assert_eq!(
                    response.typed_headers().x_subject_token.expose(),
                    "tok-typed"
                );
                assert!(!format!("{response:?}").contains("tok-typed"));
            }
            (false, Err(Error::Decode(d))) => {
                assert_eq!(d.path(), "X-Subject-Token (header)");
                assert_eq!(d.status().as_u16(), 201);
            }
            (_, other) => panic!("with_header {with_header}: {other:?}"),
        }
    }
}

/// The runtime's own IAM request (password authentication) uses the endpoints of
/// `specs/iam-tokens.yaml`: the two lists cannot drift apart.
#[test]
fn the_runtime_iam_endpoints_are_the_specs() {
    use cloudjobs::apis::iam_tokens;
    use cloudjobs::runtime::IAM;
    assert_eq!(IAM.name, iam_tokens::SERVICE.name);
    let servers = |s: &cloudjobs::runtime::Service| -> Vec<String> {
        s.servers
            .iter()
            .map(|server| {
                let vars: Vec<String> = server
                    .variables
                    .iter()
                    .map(|v| format!("{}={}|{}", v.name, v.default, v.allowed.join(",")))
                    .collect();
                format!("{} {}", server.url, vars.join(" "))
            })
            .collect()
    };
    assert_eq!(servers(&IAM), servers(&iam_tokens::SERVICE));
}

#[tokio::test]
async fn password_auth_needs_a_project() {
    let config = Config::builder()
        .endpoint("test_jobs", "http://127.0.0.1:9")
        .auth(Auth::password(
            PasswordAuth::new("dom", "user", PASSWORD).iam_endpoint("http://127.0.0.1:9"),
        ))
        .build()
        .unwrap();
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let e = show_job(&client, "p1", "j1").await.unwrap_err();
    assert!(matches!(e, Error::Auth(_)), "{e:?}");
    assert!(e.to_string().contains("no project"), "{e}");
}

#[test]
fn secret_has_no_display_and_debug_is_redacted() {
    let s = Secret::new("SECRET-value");
    assert_eq!(format!("{s:?}"), "Secret(***)");
    assert_eq!(s.expose(), "SECRET-value");
}
