//! Retries against a local HTTP server: what is retried and what is not, exponential backoff
//! with full jitter, `Retry-After` in seconds and as an HTTP-date, bounded attempts and time.
//! Delays are recorded by an injected sleep, so no test really waits for them.

use cloudjobs_tests::support::{CREATE_JOB, DELETE_JOB, JOBS, SHOW_JOB};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, UNIX_EPOCH};

use cloudjobs::runtime::{Clock, Config, Error, Request, RetryPolicy, ServiceClient};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type Delays = Arc<Mutex<Vec<Duration>>>;

/// A policy whose sleeps are recorded instead of waited for.
fn recorded(policy: RetryPolicy) -> (RetryPolicy, Delays) {
    let delays: Delays = Arc::default();
    let d = delays.clone();
    let policy = policy.sleep_with(move |delay| {
        d.lock().unwrap().push(delay);
        Box::pin(async {})
    });
    (policy, delays)
}

fn client(url: &str, policy: RetryPolicy) -> ServiceClient {
    client_with(Config::builder().endpoint("test_jobs", url).retry(policy))
}

fn client_with(builder: cloudjobs::runtime::ConfigBuilder) -> ServiceClient {
    ServiceClient::new(&builder.build().unwrap(), &JOBS).unwrap()
}

async fn get(client: &ServiceClient) -> Result<u16, Error> {
    let response = client
        .execute(Request::new(&SHOW_JOB, "/v1/p1/jobs/j1".into()))
        .await?;
    match response.code() {
        200 => Ok(200),
        _ => response.unexpected(),
    }
}

async fn post(client: &ServiceClient) -> Result<u16, Error> {
    let mut request = Request::new(&CREATE_JOB, "/v1/p1/jobs".into());
    request.json(&serde_json::json!({"name": "x"}));
    let response = client.execute(request).await?;
    match response.code() {
        200 => Ok(200),
        _ => response.unexpected(),
    }
}

/// The first `n` requests get `status` (with `headers`), the rest `200`.
async fn failing_first(server: &MockServer, n: u64, template: ResponseTemplate) {
    Mock::given(path("/v1/p1/jobs/j1"))
        .respond_with(template)
        .up_to_n_times(n)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(path("/v1/p1/jobs/j1"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(server)
        .await;
}

async fn count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn idempotent_requests_are_retried_on_transient_statuses() {
    // The one definition of transient (`Error::is_transient`, the waiter's too).
    for status in [408, 429, 500, 502, 503, 504] {
        let server = MockServer::start().await;
        failing_first(&server, 2, ResponseTemplate::new(status)).await;
        let (policy, delays) = recorded(RetryPolicy::new().max_attempts(3));
        let client = client(&server.uri(), policy);
        assert_eq!(get(&client).await.unwrap(), 200, "{status}");
        assert_eq!(count(&server).await, 3, "{status}");
        assert_eq!(delays.lock().unwrap().len(), 2, "{status}");
    }
}

#[tokio::test]
async fn delete_is_idempotent_and_retried() {
    let server = MockServer::start().await;
    failing_first(&server, 1, ResponseTemplate::new(503)).await;
    let (policy, _) = recorded(RetryPolicy::new());
    let client = client(&server.uri(), policy);
    let response = client
        .execute::<()>(Request::new(&DELETE_JOB, "/v1/p1/jobs/j1".into()))
        .await
        .unwrap();
    assert_eq!(response.code(), 200);
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn other_statuses_are_not_retried() {
    for status in [400, 401, 403, 404, 409, 501, 505] {
        let server = MockServer::start().await;
        failing_first(&server, 1, ResponseTemplate::new(status)).await;
        let (policy, delays) = recorded(RetryPolicy::new());
        let client = client(&server.uri(), policy);
        let e = get(&client).await.unwrap_err();
        assert_eq!(e.status().unwrap().as_u16(), status);
        assert_eq!(count(&server).await, 1, "{status}");
        assert!(delays.lock().unwrap().is_empty());
    }
}

#[tokio::test]
async fn post_is_never_retried_once_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
        .mount(&server)
        .await;
    let (policy, delays) = recorded(RetryPolicy::new().max_attempts(5));
    let client = client(&server.uri(), policy);
    let e = post(&client).await.unwrap_err();
    assert_eq!(e.status().unwrap().as_u16(), 503);
    assert_eq!(count(&server).await, 1);
    assert!(delays.lock().unwrap().is_empty());
}

#[tokio::test]
async fn post_timeout_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let (policy, delays) = recorded(RetryPolicy::new().max_attempts(5));
    let client = client_with(
        Config::builder()
            .endpoint("test_jobs", server.uri())
            .timeout(Duration::from_millis(200))
            .retry(policy),
    );
    let e = post(&client).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(count(&server).await, 1);
    assert!(delays.lock().unwrap().is_empty());
}

#[tokio::test]
async fn get_timeout_is_retried() {
    let server = MockServer::start().await;
    failing_first(
        &server,
        1,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(5)),
    )
    .await;
    let (policy, delays) = recorded(RetryPolicy::new());
    let client = client_with(
        Config::builder()
            .endpoint("test_jobs", server.uri())
            .timeout(Duration::from_millis(200))
            .retry(policy),
    );
    assert_eq!(get(&client).await.unwrap(), 200);
    assert_eq!(count(&server).await, 2);
    assert_eq!(delays.lock().unwrap().len(), 1);
}

/// A port with nothing listening on it.
fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn connect_errors_are_retried_even_for_post() {
    let url = closed_port();
    let (policy, delays) = recorded(RetryPolicy::new().max_attempts(4));
    let client = client(&url, policy);
    let e = post(&client).await.unwrap_err();
    assert!(e.is_connect(), "{e:?}");
    assert!(matches!(e, Error::Transport { .. }));
    // Four attempts, three waits.
    assert_eq!(delays.lock().unwrap().len(), 3);
    let e = get(&client).await.unwrap_err();
    assert!(e.is_connect());
    assert_eq!(delays.lock().unwrap().len(), 6);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (policy, delays) = recorded(RetryPolicy::new().max_attempts(4));
    let client = client(&server.uri(), policy);
    let e = get(&client).await.unwrap_err();
    assert_eq!(e.status().unwrap().as_u16(), 503);
    assert_eq!(count(&server).await, 4);
    assert_eq!(delays.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    let server = MockServer::start().await;
    failing_first(&server, 1, ResponseTemplate::new(503)).await;
    let (policy, delays) = recorded(RetryPolicy::none());
    let client = client(&server.uri(), policy);
    let e = get(&client).await.unwrap_err();
    assert_eq!(e.status().unwrap().as_u16(), 503);
    assert_eq!(count(&server).await, 1);
    assert!(delays.lock().unwrap().is_empty());
}

#[tokio::test]
async fn backoff_is_exponential_with_full_jitter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let (policy, delays) = recorded(
        RetryPolicy::new()
            .max_attempts(7)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000))
            .max_elapsed(Duration::from_secs(3600)),
    );
    let client = client(&server.uri(), policy);
    let mut all = Vec::new();
    for _ in 0..10 {
        delays.lock().unwrap().clear();
        get(&client).await.unwrap_err();
        let d = delays.lock().unwrap().clone();
        let bounds = [100, 200, 400, 800, 1000, 1000];
        assert_eq!(d.len(), bounds.len());
        for (delay, bound) in d.iter().zip(bounds) {
            assert!(
                *delay <= Duration::from_millis(bound),
                "{delay:?} > {bound} ms"
            );
        }
        all.extend(d);
    }
    // Jittered: not all equal to their bounds, not all the same.
    assert!(all.iter().any(|d| *d != all[0]));
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = MockServer::start().await;
    failing_first(
        &server,
        1,
        ResponseTemplate::new(429).insert_header("Retry-After", "7"),
    )
    .await;
    let (policy, delays) = recorded(RetryPolicy::new());
    let client = client(&server.uri(), policy);
    assert_eq!(get(&client).await.unwrap(), 200);
    assert_eq!(*delays.lock().unwrap(), [Duration::from_secs(7)]);
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let server = MockServer::start().await;
    failing_first(
        &server,
        1,
        ResponseTemplate::new(503).insert_header("Retry-After", "Sun, 06 Nov 1994 08:50:07 GMT"),
    )
    .await;
    let (policy, delays) = recorded(RetryPolicy::new());
    // The clock reads 08:49:37 that day: 30 s to wait.
    let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
    let client = client_with(
        Config::builder()
            .endpoint("test_jobs", server.uri())
            .clock(Clock::fixed(now))
            .retry(policy),
    );
    assert_eq!(get(&client).await.unwrap(), 200);
    assert_eq!(*delays.lock().unwrap(), [Duration::from_secs(30)]);
}

#[tokio::test]
async fn retry_after_beyond_the_time_budget_returns_the_response() {
    let server = MockServer::start().await;
    failing_first(
        &server,
        1,
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "3600")
            .set_body_json(
                serde_json::json!({"error_code": "APIGW.0308", "error_msg": "throttled"}),
            ),
    )
    .await;
    let (policy, delays) = recorded(RetryPolicy::new().max_elapsed(Duration::from_secs(60)));
    let client = client(&server.uri(), policy);
    let e = get(&client).await.unwrap_err();
    let api = e.api().unwrap();
    assert_eq!(api.status().as_u16(), 429);
    assert_eq!(api.code(), Some("APIGW.0308"));
    assert_eq!(api.headers()["retry-after"], "3600");
    assert_eq!(count(&server).await, 1);
    assert!(delays.lock().unwrap().is_empty());
}

#[tokio::test]
async fn total_time_is_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "20"))
        .mount(&server)
        .await;
    let (policy, delays) = recorded(
        RetryPolicy::new()
            .max_attempts(100)
            .max_elapsed(Duration::from_secs(65)),
    );
    let client = client(&server.uri(), policy);
    get(&client).await.unwrap_err();
    // 3 waits of 20 s fit in 65 s (with the attempts' own few milliseconds), a 4th does not.
    assert_eq!(*delays.lock().unwrap(), [Duration::from_secs(20); 3]);
    assert_eq!(count(&server).await, 4);
}

#[tokio::test]
async fn real_sleeps_are_used_without_an_injected_sleep() {
    let server = MockServer::start().await;
    failing_first(&server, 2, ResponseTemplate::new(503)).await;
    let client = client(
        &server.uri(),
        RetryPolicy::new()
            .initial_backoff(Duration::from_millis(20))
            .max_backoff(Duration::from_millis(40)),
    );
    let started = Instant::now();
    assert_eq!(get(&client).await.unwrap(), 200);
    assert_eq!(count(&server).await, 3);
    // Two jittered waits of at most 20 and 40 ms.
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Inside a wait the client sends each poll once: the waiter's schedule is the one budget, so
/// the README's example (a default `Config`, retries on, handed to `wait_for`) does not nest
/// two retry loops.
#[tokio::test]
async fn inside_a_wait_each_poll_is_sent_once() {
    use cloudjobs::runtime::wait::{WaitPolicy, wait_for};
    let server = MockServer::start().await;
    failing_first(&server, 3, ResponseTemplate::new(503)).await;
    let (policy, delays) = recorded(RetryPolicy::new().max_attempts(5));
    let client = client(&server.uri(), policy);
    let sleeps: Delays = Arc::default();
    let s = sleeps.clone();
    let wait = WaitPolicy::default()
        .max_transient_errors(1)
        .sleep_with(move |d| {
            s.lock().unwrap().push(d);
            Box::pin(async {})
        });
    #[derive(Debug)]
    struct Done;
    impl cloudjobs::runtime::Job for Done {
        fn state_lists(&self) -> &'static cloudjobs::runtime::job::StateLists {
            &cloudjobs::runtime::job::StateLists {
                pending: &[],
                running: &[],
                succeeded: &["OK"],
                failed: &[],
            }
        }
        fn status(&self) -> Option<&str> {
            Some("OK")
        }
    }
    let e = wait_for(|| async { get(&client).await.map(|_| Done) }, wait)
        .await
        .unwrap_err();
    // Two polls (one error tolerated, the second ends the wait), one request each.
    assert_eq!(e.polls(), 2, "{e}");
    assert_eq!(count(&server).await, 2);
    assert!(delays.lock().unwrap().is_empty(), "the client slept");
    assert_eq!(sleeps.lock().unwrap().len(), 1);
}
