//! Every error path against a local HTTP server: documented and undocumented error statuses,
//! an HTML 502 page, truncated JSON, a body that does not match the schema (with the field
//! path), bodies over the size limit, timeouts, refused connections, broken bodies, invalid
//! requests; plus timestamps decoded from real responses.

use cloudjobs_tests::support::{JOBS, SHOW_JOB};
use std::net::TcpListener;
use std::time::Duration;

use cloudjobs::runtime::{Config, Error, Request, RetryPolicy, ServiceClient, Timestamp};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Job {
    status: String,
    begin_time: Timestamp,
    #[serde(default)]
    end_time: Option<Timestamp>,
    #[serde(default)]
    entities: Entities,
}

#[derive(Debug, Default, Deserialize)]
#[allow(dead_code)]
struct Entities {
    #[serde(default)]
    sub_jobs: Vec<SubJob>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct SubJob {
    job_id: String,
    progress: u32,
}

/// The documented error body of the operation.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error_code: String,
    error_msg: String,
}

/// A typed error per documented status, as generated code builds it.
#[derive(Debug)]
enum ShowJobError {
    BadRequest(ErrorBody),
    NotFound(ErrorBody),
}

fn client(url: &str) -> ServiceClient {
    client_with(Config::builder().endpoint("test_jobs", url))
}

fn client_with(builder: cloudjobs::runtime::ConfigBuilder) -> ServiceClient {
    let config = builder.retry(RetryPolicy::none()).build().unwrap();
    ServiceClient::new(&config, &JOBS).unwrap()
}

async fn show_job(client: &ServiceClient) -> Result<Job, Error<ShowJobError>> {
    let response = client
        .execute(Request::new(&SHOW_JOB, "/v1/p1/jobs/j1".into()))
        .await?;
    match response.code() {
        200 => response.json::<Job, _>().map(|r| r.into_body()),
        400 => response.error(ShowJobError::BadRequest),
        404 => response.error(ShowJobError::NotFound),
        _ => response.unexpected(),
    }
}

async fn serve(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn documented_error_status_has_typed_body_code_message_and_request_id() {
    let server = serve(
        ResponseTemplate::new(404)
            .insert_header("X-Request-Id", "req-404")
            .set_body_json(serde_json::json!({
                "error_code": "IMS.0001", "error_msg": "The job does not exist."
            })),
    )
    .await;
    let e = show_job(&client(&server.uri())).await.unwrap_err();
    assert_eq!(e.status().unwrap().as_u16(), 404);
    assert_eq!(e.request_id(), Some("req-404"));
    assert_eq!(e.operation(), "ShowJob");
    assert!(!e.is_transient());
    let api = e.api().unwrap();
    assert_eq!(api.code(), Some("IMS.0001"));
    assert_eq!(api.message(), Some("The job does not exist."));
    match api.body() {
        Some(ShowJobError::NotFound(body)) => {
            assert_eq!(body.error_code, "IMS.0001");
            assert_eq!(body.error_msg, "The job does not exist.");
        }
        other => panic!("{other:?}"),
    }
    assert!(api.raw_text().contains("IMS.0001"));
    assert_eq!(
        e.to_string(),
        "ShowJob failed with HTTP 404 Not Found: IMS.0001: The job does not exist. \
         (request id req-404)"
    );
    // Untyped, the code, message and raw body remain.
    let untyped = e.into_untyped();
    let api = untyped.api().unwrap();
    assert!(api.body().is_none());
    assert_eq!(api.code(), Some("IMS.0001"));
    assert!(api.raw_text().contains("does not exist"));
}

#[tokio::test]
async fn each_documented_status_gets_its_own_typed_body() {
    let server = serve(ResponseTemplate::new(400).set_body_json(serde_json::json!({
        "error_code": "IMS.0002", "error_msg": "Invalid job id."
    })))
    .await;
    let e = show_job(&client(&server.uri())).await.unwrap_err();
    match e.api().and_then(|api| api.body()) {
        Some(ShowJobError::BadRequest(body)) => assert_eq!(body.error_code, "IMS.0002"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn documented_status_with_an_unexpected_body_keeps_the_raw_body() {
    let server = serve(ResponseTemplate::new(400).set_body_json(serde_json::json!({
        "error": {"code": "APIGW.0101", "message": "The API does not exist"}
    })))
    .await;
    let e = show_job(&client(&server.uri())).await.unwrap_err();
    let api = e.api().unwrap();
    assert!(api.body().is_none());
    assert_eq!(api.code(), Some("APIGW.0101"));
    assert_eq!(api.message(), Some("The API does not exist"));
}

#[tokio::test]
async fn html_502_page_stays_raw_text() {
    let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                <center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
    let server = serve(
        ResponseTemplate::new(502)
            .insert_header("X-Request-Id", "req-502")
            .set_body_raw(html, "text/html"),
    )
    .await;
    let e = show_job(&client(&server.uri())).await.unwrap_err();
    assert!(e.is_transient());
    let api = e.api().unwrap();
    assert_eq!(api.status().as_u16(), 502);
    assert_eq!(api.code(), None);
    assert_eq!(api.message(), None);
    assert!(api.body().is_none());
    assert_eq!(api.raw_text(), html);
    assert_eq!(api.headers()["content-type"], "text/html");
    let display = e.to_string();
    assert!(
        display.starts_with("ShowJob failed with HTTP 502 Bad Gateway: <html>"),
        "{display}"
    );
    assert!(display.ends_with("(request id req-502)"), "{display}");
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_with_a_snippet() {
    let server = serve(
        ResponseTemplate::new(200)
            .insert_header("X-Request-Id", "req-trunc")
            .set_body_raw(
                r#"{"status": "SUCCESS", "begin_time": "2024-05-"#,
                "application/json",
            ),
    )
    .await;
    let e = show_job(&client(&server.uri())).await.unwrap_err();
    let Error::Decode(d) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(d.status().as_u16(), 200);
    assert_eq!(d.operation(), "ShowJob");
    assert!(d.message().contains("EOF"), "{}", d.message());
    assert!(d.body_snippet().starts_with(r#"{"status": "SUCCESS""#));
    assert_eq!(e.request_id(), Some("req-trunc"));
    let display = e.to_string();
    assert!(display.contains("does not match the spec"), "{display}");
    assert!(display.contains("body starts with"), "{display}");
}

#[tokio::test]
async fn schema_mismatch_names_the_field_path() {
    let server = serve(ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "status": "RUNNING",
        "begin_time": "2024-05-20T10:39:49.61Z",
        "entities": {"sub_jobs": [
            {"job_id": "a", "progress": 10},
            {"job_id": "b", "progress": "half"}
        ]}
    })))
    .await;
    let e = show_job(&client(&server.uri())).await.unwrap_err();
    let Error::Decode(d) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(d.path(), "entities.sub_jobs[1].progress");
    assert!(d.message().contains("invalid type"), "{}", d.message());
    assert!(e.to_string().contains("`entities.sub_jobs[1].progress`"));
}

#[tokio::test]
async fn body_over_the_limit_is_refused() {
    let big = "x".repeat(4096);
    let server = serve(ResponseTemplate::new(200).set_body_string(big)).await;
    let client = client_with(
        Config::builder()
            .endpoint("test_jobs", server.uri())
            .max_body_bytes(1024),
    );
    let e = show_job(&client).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::BodyTooLarge {
                operation: "ShowJob",
                limit: 1024
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "ShowJob: response body is larger than the 1024-byte limit"
    );
}

/// Serves one connection with `response` (raw HTTP/1.1 bytes) and closes it.
async fn raw_server(response: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            if n == 0 {
                return;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let _ = socket.write_all(&response).await;
        let _ = socket.shutdown().await;
    });
    url
}

#[tokio::test]
async fn chunked_body_over_the_limit_is_refused_while_streaming() {
    let mut response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for _ in 0..8 {
        response.extend_from_slice(format!("200\r\n{}\r\n", "y".repeat(512)).as_bytes());
    }
    response.extend_from_slice(b"0\r\n\r\n");
    let url = raw_server(response).await;
    let client = client_with(
        Config::builder()
            .endpoint("test_jobs", url)
            .max_body_bytes(2000),
    );
    let e = show_job(&client).await.unwrap_err();
    assert!(
        matches!(e, Error::BodyTooLarge { limit: 2000, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn body_cut_short_is_a_transport_error() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Content-Length: 100\r\n\r\n{\"status\": \"SUC"
        .to_vec();
    let url = raw_server(response).await;
    let e = show_job(&client(&url)).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(!e.is_connect());
    assert!(e.is_transient());
    assert!(e.to_string().starts_with("ShowJob: transport error"), "{e}");
    assert!(std::error::Error::source(&e).is_some());
}

#[tokio::test]
async fn garbage_instead_of_http_is_a_transport_error() {
    let url = raw_server(b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec()).await;
    let e = show_job(&client(&url)).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
}

#[tokio::test]
async fn slow_server_is_a_timeout() {
    let server = serve(
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"status": "SUCCESS", "begin_time": ""}))
            .set_delay(Duration::from_secs(10)),
    )
    .await;
    let client = client_with(
        Config::builder()
            .endpoint("test_jobs", server.uri())
            .timeout(Duration::from_millis(300)),
    );
    let started = std::time::Instant::now();
    let e = show_job(&client).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(e, Error::Timeout { operation: "ShowJob", after } if after == Duration::from_millis(300)),
        "{e:?}"
    );
    assert!(e.is_timeout() && e.is_transient());
    assert_eq!(e.to_string(), "ShowJob: no complete response within 300ms");
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let e = show_job(&client(&url)).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(e.is_connect());
    assert!(e.is_transient());
    assert_eq!(e.status(), None);
    assert_eq!(e.operation(), "ShowJob");
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let server = MockServer::start().await;
    let client = client(&server.uri());
    let mut request = Request::new(&SHOW_JOB, "/v1/p1/jobs/j1".into());
    request.header("X-Environment-ID", "bad\r\nInjected: yes");
    let e = client.execute::<()>(request).await.unwrap_err();
    assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
    assert!(e.to_string().contains("X-Environment-ID"));
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn timestamps_in_every_form_decode_from_a_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "SUCCESS",
            "begin_time": "04-Jun-2015 18:11:06:586",
            "end_time": ""
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"status": "SUCCESS", "begin_time": 1641370501000, "end_time": "2022-01-05T16:15:15+0800"}"#,
            "application/json",
        ))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let job = show_job(&client).await.unwrap();
    assert_eq!(
        job.begin_time.to_rfc3339().as_deref(),
        Some("2015-06-04T18:11:06.586Z")
    );
    assert!(job.end_time.unwrap().is_blank());
    let job = show_job(&client).await.unwrap();
    assert_eq!(job.begin_time.unix_millis(), Some(1_641_370_501_000));
    let end = job.end_time.unwrap();
    assert_eq!(end.unix_millis(), Some(1_641_370_515_000));
    assert_eq!(
        serde_json::to_string(&end).unwrap(),
        r#""2022-01-05T16:15:15+0800""#
    );
}
