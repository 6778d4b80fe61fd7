//! Fault injection: a generated client (`otc_ims_jobs`) against a server that misbehaves on
//! purpose ([`cloudjobs_tests::faulty`]). For every fault the call returns the right typed
//! error within the configured timeout, and never panics or hangs (each call runs under a
//! hard bound far above the configured timeouts).
//!
//! `runtime_errors.rs` covers the raw runtime against well-formed error responses (HTML 502
//! body kept, truncated JSON, schema mismatch, declared and chunked bodies over the limit, a
//! body cut short, garbage, a slow server, refused connections). This file adds what needs a
//! server that breaks the protocol or the connection: resets before and during the body,
//! stalls before the headers and in the body, a body that drips forever, bodies far over the
//! limit without any length, redirect loops and redirects to another host, and the documented
//! response truncated at every byte; all through the generated client and its typed errors,
//! with retries on and off. Last, the job waiter (`runtime::wait`) over the same faults: it
//! outlasts the transient ones, gives up after too many in a row, and stops at once on one
//! that retrying cannot fix.

use std::time::{Duration, Instant};

use cloudjobs::otc_ims_jobs;
use cloudjobs::runtime::wait::{WaitEvent, WaitFailure, WaitPolicy, wait_for};
use cloudjobs::runtime::{Auth, Config, ConfigBuilder, Error, Response, RetryPolicy};
use cloudjobs_tests::faulty::{Fault, FaultyServer, Framing, Reply};

/// The documented success body of IMS `ShowJob` (the spec's example).
const JOB: &str = r#"{"status": "SUCCESS", "entities": {"image_id": "e9e91bff-14b6-4a0b-8377-4ed0813e3360"}, "job_id": "ff8080814dbd65d7014dbe0d84db0013", "job_type": "createImageByInstance", "begin_time": "04-Jun-2015 18:11:06:586", "end_time": "", "error_code": null, "fail_reason": null}"#;
const PROJECT: &str = "ac234de25c6741d2b1273da49eea1b9e";
const JOB_ID: &str = "ff8080814dbd65d7014dbe0d84db0013";
const TOKEN: &str = "tok-SECRET-faults";
/// The timeout of one attempt in these tests.
const TIMEOUT: Duration = Duration::from_millis(400);
/// A call that takes longer than this hangs.
const HANG: Duration = Duration::from_secs(20);

type ShowJob =
    Result<Response<otc_ims_jobs::ShowJobResponse>, Error<otc_ims_jobs::ImsErrorResponse>>;

fn config(server: &FaultyServer) -> ConfigBuilder {
    Config::builder()
        .endpoint("otc_ims_jobs", server.url())
        .auth(Auth::token(TOKEN))
        .connect_timeout(Duration::from_secs(2))
        .timeout(TIMEOUT)
        .retry(RetryPolicy::none())
}

/// Calls `ShowJob` once; panics if it does not return within [`HANG`].
async fn show_job(config: ConfigBuilder) -> (ShowJob, Duration) {
    let config = config.build().expect("config");
    let client = otc_ims_jobs::Client::new(&config).expect("client");
    let started = Instant::now();
    let result = tokio::time::timeout(HANG, client.show_job(PROJECT, JOB_ID).send())
        .await
        .unwrap_or_else(|_| panic!("ShowJob hung for {HANG:?}"));
    (result, started.elapsed())
}

/// Retries on, but quick: 3 attempts, tiny backoff.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(20))
}

fn assert_transport(result: &ShowJob) {
    let e = result.as_ref().expect_err("a transport error");
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(!e.is_connect(), "{e:?}");
    assert!(e.is_transient());
    assert_eq!(e.status(), None);
    assert_eq!(e.operation(), "ShowJob");
    assert!(e.to_string().starts_with("ShowJob: transport error"), "{e}");
}

fn assert_timeout(result: &ShowJob, elapsed: Duration, timeout: Duration) {
    let e = result.as_ref().expect_err("a timeout");
    assert!(
        matches!(e, Error::Timeout { operation: "ShowJob", after } if *after == timeout),
        "{e:?}"
    );
    assert!(e.is_timeout() && e.is_transient());
    assert!(elapsed >= timeout, "{elapsed:?} < {timeout:?}");
    assert!(
        elapsed < timeout + Duration::from_secs(2),
        "the timeout of {timeout:?} took {elapsed:?}"
    );
}

// --- the connection breaks ----------------------------------------------------------------

#[tokio::test]
async fn reset_before_headers_is_a_transport_error() {
    let server = FaultyServer::always(Fault::ResetBeforeHeaders).await;
    let (result, elapsed) = show_job(config(&server)).await;
    assert_transport(&result);
    assert!(elapsed < TIMEOUT, "{elapsed:?}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn reset_before_headers_is_retried_for_a_get_and_then_succeeds() {
    let server = FaultyServer::start(vec![
        Fault::ResetBeforeHeaders,
        Fault::ResetBeforeHeaders,
        Fault::Reply(Reply::json(200, JOB)),
    ])
    .await;
    let (result, _) = show_job(config(&server).retry(quick_retries())).await;
    let job = result.expect("the third attempt succeeds");
    assert_eq!(job.job_id.as_deref(), Some(JOB_ID));
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn resets_on_every_attempt_end_in_a_transport_error() {
    let server = FaultyServer::always(Fault::ResetBeforeHeaders).await;
    let (result, _) = show_job(config(&server).retry(quick_retries())).await;
    assert_transport(&result);
    assert_eq!(server.hits(), 3, "3 attempts, no more");
}

#[tokio::test]
async fn reset_in_the_middle_of_the_body_is_a_transport_error_not_a_decode_error() {
    let server = FaultyServer::always(Fault::ResetMidBody {
        reply: Reply::json(200, JOB),
        sent: JOB.len() / 2,
    })
    .await;
    let (result, elapsed) = show_job(config(&server)).await;
    assert_transport(&result);
    assert!(
        elapsed < TIMEOUT + Duration::from_millis(200),
        "{elapsed:?}"
    );
}

// --- the server stalls --------------------------------------------------------------------

#[tokio::test]
async fn stall_before_headers_is_a_timeout_within_the_configured_time() {
    let server = FaultyServer::always(Fault::StallBeforeHeaders).await;
    let (result, elapsed) = show_job(config(&server)).await;
    assert_timeout(&result, elapsed, TIMEOUT);
    assert_eq!(
        result.unwrap_err().to_string(),
        "ShowJob: no complete response within 400ms"
    );
}

#[tokio::test]
async fn stall_in_the_middle_of_the_body_is_a_timeout() {
    // The headers arrive at once; the timeout covers the body too.
    let server = FaultyServer::always(Fault::StallMidBody {
        reply: Reply::json(200, JOB),
        sent: 20,
    })
    .await;
    let (result, elapsed) = show_job(config(&server)).await;
    assert_timeout(&result, elapsed, TIMEOUT);
}

#[tokio::test]
async fn a_body_that_drips_forever_is_a_timeout_not_an_endless_read() {
    // One byte every 50 ms: the connection is never idle, the body never complete.
    let server = FaultyServer::always(Fault::Trickle {
        every: Duration::from_millis(50),
    })
    .await;
    let (result, elapsed) = show_job(config(&server)).await;
    assert_timeout(&result, elapsed, TIMEOUT);
}

#[tokio::test]
async fn stalls_are_retried_and_the_whole_call_stays_bounded() {
    let server = FaultyServer::start(vec![
        Fault::StallBeforeHeaders,
        Fault::StallMidBody {
            reply: Reply::json(200, JOB),
            sent: 10,
        },
        Fault::Reply(Reply::json(200, JOB)),
    ])
    .await;
    let started = Instant::now();
    let (result, _) = show_job(config(&server).retry(quick_retries())).await;
    assert_eq!(result.expect("the third attempt succeeds").status(), 200);
    assert_eq!(server.hits(), 3);
    assert!(started.elapsed() < TIMEOUT * 3 + Duration::from_secs(2));

    // Stalling every time: 3 attempts of at most TIMEOUT each, then the timeout error.
    let server = FaultyServer::always(Fault::StallBeforeHeaders).await;
    let (result, elapsed) = show_job(config(&server).retry(quick_retries())).await;
    assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
    assert_eq!(server.hits(), 3);
    assert!(elapsed >= TIMEOUT * 3, "{elapsed:?}");
    assert!(
        elapsed < TIMEOUT * 3 + Duration::from_secs(2),
        "{elapsed:?}"
    );
}

// --- the body is wrong ----------------------------------------------------------------------

#[tokio::test]
async fn the_documented_body_truncated_at_every_byte_is_a_decode_error() {
    let faults = (0..JOB.len())
        .map(|keep| Fault::truncated_json(JOB, keep))
        .collect();
    let server = FaultyServer::start(faults).await;
    let config = config(&server).build().expect("config");
    let client = otc_ims_jobs::Client::new(&config).expect("client");
    for keep in 0..JOB.len() {
        let result = tokio::time::timeout(HANG, client.show_job(PROJECT, JOB_ID).send())
            .await
            .expect("no hang");
        match result {
            Err(Error::Decode(d)) => {
                assert_eq!(d.status().as_u16(), 200);
                assert_eq!(d.operation(), "ShowJob");
                assert!(
                    d.message().contains("EOF"),
                    "cut at {keep}: {}",
                    d.message()
                );
                assert!(JOB.starts_with(d.body_snippet()), "{}", d.body_snippet());
            }
            other => panic!("cut at {keep} bytes: {other:?}"),
        }
    }
    assert_eq!(server.hits(), JOB.len());
}

#[tokio::test]
async fn an_empty_200_is_a_decode_error_at_the_root() {
    let server = FaultyServer::always(Fault::empty_ok()).await;
    let (result, _) = show_job(config(&server)).await;
    let Err(Error::Decode(d)) = &result else {
        panic!("{result:?}")
    };
    assert_eq!(d.path(), ".");
    assert!(d.message().contains("EOF"), "{}", d.message());
    assert_eq!(d.body_snippet(), "");
}

#[tokio::test]
async fn html_with_a_200_is_a_decode_error_that_shows_the_page() {
    let server = FaultyServer::always(Fault::Reply(
        Reply::new(200)
            .header("Content-Type", "text/html; charset=utf-8")
            .header("X-Request-Id", "req-html")
            .body("<!DOCTYPE html><html><body>Login required</body></html>"),
    ))
    .await;
    let (result, _) = show_job(config(&server)).await;
    let e = result.expect_err("HTML is not the job");
    let Error::Decode(d) = &e else {
        panic!("{e:?}")
    };
    assert!(d.body_snippet().starts_with("<!DOCTYPE html>"));
    assert_eq!(e.request_id(), Some("req-html"));
    assert!(!e.is_transient());
}

#[tokio::test]
async fn a_wrong_content_type_with_the_documented_json_still_decodes() {
    // Gateways label JSON `text/plain` or `application/octet-stream`: the body decides.
    for content_type in ["text/plain", "application/octet-stream", "text/html"] {
        let server = FaultyServer::always(Fault::Reply(
            Reply::new(200)
                .header("Content-Type", content_type)
                .body(JOB),
        ))
        .await;
        let (result, _) = show_job(config(&server)).await;
        let job = result.unwrap_or_else(|e| panic!("{content_type}: {e}"));
        assert_eq!(job.job_id.as_deref(), Some(JOB_ID), "{content_type}");
    }
    // XML is not JSON, whatever the label says.
    let server = FaultyServer::always(Fault::Reply(
        Reply::new(200)
            .header("Content-Type", "application/xml")
            .body("<job><status>SUCCESS</status></job>"),
    ))
    .await;
    let (result, _) = show_job(config(&server)).await;
    assert!(matches!(result, Err(Error::Decode(_))), "{result:?}");
}

#[tokio::test]
async fn an_html_502_is_an_api_error_and_retried_a_bounded_number_of_times() {
    let server = FaultyServer::always(Fault::html(502)).await;
    let (result, _) = show_job(config(&server).retry(quick_retries())).await;
    let e = result.expect_err("502");
    assert_eq!(server.hits(), 3);
    assert!(e.is_transient());
    let api = e.api().expect("an API error");
    assert_eq!(api.status().as_u16(), 502);
    assert!(api.body().is_none(), "502 is not documented for ShowJob");
    assert_eq!((api.code(), api.message()), (None, None));
    assert!(api.raw_text().contains("<h1>502 Bad Gateway</h1>"));
    assert_eq!(api.headers()["content-type"], "text/html");
}

#[tokio::test]
async fn an_html_page_for_a_documented_error_status_keeps_the_page() {
    // 503 is documented with a JSON error body; an HTML page instead leaves the typed body
    // empty and keeps the page.
    let server = FaultyServer::start(vec![
        Fault::html(503),
        Fault::Reply(Reply::json(
            503,
            r#"{"error": {"code": "IMG.0001", "message": "busy"}}"#,
        )),
    ])
    .await;
    let (result, _) = show_job(config(&server)).await;
    let e = result.expect_err("503");
    let api = e.api().expect("an API error");
    assert_eq!(api.status().as_u16(), 503);
    assert!(api.body().is_none());
    assert!(api.raw_text().contains("503 Service Unavailable"));
    // The documented JSON body, for comparison, is typed.
    let (result, _) = show_job(config(&server)).await;
    let e = result.expect_err("503");
    let body = e.api().and_then(|a| a.body()).expect("typed body");
    let error = body.error.as_ref().expect("error");
    assert_eq!(error.code.as_deref(), Some("IMG.0001"));
    assert_eq!(e.api().unwrap().code(), Some("IMG.0001"));
}

// --- bodies far over the limit ------------------------------------------------------------------

#[tokio::test]
async fn bodies_far_over_the_limit_are_refused_without_reading_them() {
    const LIMIT: usize = 256 * 1024;
    for (framing, bytes) in [
        // Declared: refused from the header, nothing read.
        (Framing::ContentLength, 8 * 1024 * 1024 * 1024),
        // Chunked and delimited by closing: refused as soon as the limit is passed.
        (Framing::Chunked, 1024 * 1024 * 1024),
        (Framing::UntilClose, 1024 * 1024 * 1024),
    ] {
        let server = FaultyServer::always(Fault::Oversized { bytes, framing }).await;
        let (result, elapsed) = show_job(
            config(&server)
                .max_body_bytes(LIMIT)
                .timeout(Duration::from_secs(10)),
        )
        .await;
        assert!(
            matches!(
                result,
                Err(Error::BodyTooLarge {
                    operation: "ShowJob",
                    limit: LIMIT
                })
            ),
            "{framing:?}: {result:?}"
        );
        // Reading 1 GiB would take far longer than this.
        assert!(elapsed < Duration::from_secs(3), "{framing:?}: {elapsed:?}");
    }
}

// --- redirects -------------------------------------------------------------------------------------

#[tokio::test]
async fn a_redirect_loop_is_a_transport_error_after_a_bounded_number_of_hops() {
    let server = FaultyServer::always(Fault::RedirectLoop).await;
    let (result, elapsed) = show_job(config(&server)).await;
    let e = result.expect_err("a loop");
    let Error::Transport { source, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(source.is_redirect(), "{source:?}");
    assert!(!e.is_connect());
    assert!(server.hits() <= 11, "{} requests", server.hits());
    assert!(elapsed < TIMEOUT * 2, "{elapsed:?}");
}

#[tokio::test]
async fn a_redirect_to_another_host_never_carries_the_token() {
    // The token is a credential for the cloud's API; a redirect to another origin (a
    // compromised or misconfigured gateway) must not hand it over.
    let elsewhere = FaultyServer::always(Fault::Reply(Reply::json(200, JOB))).await;
    let server = FaultyServer::always(Fault::RedirectTo {
        location: format!("{}/v1/{PROJECT}/jobs/{JOB_ID}", elsewhere.url()),
    })
    .await;
    let (result, _) = show_job(config(&server)).await;
    assert_eq!(server.requests()[0].header("x-auth-token"), Some(TOKEN));
    for request in elsewhere.requests() {
        assert_eq!(
            request.header("x-auth-token"),
            None,
            "the token was sent to another host"
        );
    }
    // Not followed: the redirect is the answer, an undocumented status.
    let e = result.expect_err("a redirect to another host is not followed");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(307), "{e:?}");
    assert_eq!(elsewhere.hits(), 0);
}

#[tokio::test]
async fn a_redirect_on_the_same_host_is_followed_with_the_token() {
    let server = FaultyServer::start(vec![
        Fault::RedirectTo {
            location: format!("/v1/{PROJECT}/jobs/{JOB_ID}?moved=1"),
        },
        Fault::Reply(Reply::json(200, JOB)),
    ])
    .await;
    let (result, _) = show_job(config(&server)).await;
    assert_eq!(result.expect("followed").job_id.as_deref(), Some(JOB_ID));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].target,
        format!("/v1/{PROJECT}/jobs/{JOB_ID}?moved=1")
    );
    assert_eq!(requests[1].header("x-auth-token"), Some(TOKEN));
}

// --- the job waiter over the same faults ---------------------------------------------------------

/// A job body with this status.
fn job_with(status: &str) -> String {
    JOB.replace(
        r#""status": "SUCCESS""#,
        &format!(r#""status": "{status}""#),
    )
}

/// A quick waiter: polls 10 ms apart, no jitter, at most `tolerated` transient errors in a row.
fn quick_wait(tolerated: u32) -> WaitPolicy {
    WaitPolicy::default()
        .initial_interval(Duration::from_millis(10))
        .max_interval(Duration::from_millis(20))
        .jitter(0.0)
        .timeout(Duration::from_secs(30))
        .max_transient_errors(tolerated)
}

#[tokio::test]
async fn the_waiter_survives_the_transient_faults() {
    // Each poll meets a different fault (the client does not retry, so the waiter sees every
    // one); the job ends with the last poll.
    let server = FaultyServer::start(vec![
        Fault::ResetBeforeHeaders,
        Fault::html(502),
        Fault::Reply(Reply::json(200, job_with("RUNNING"))),
        Fault::StallBeforeHeaders,
        Fault::ResetMidBody {
            reply: Reply::json(200, JOB),
            sent: 30,
        },
        Fault::Reply(Reply::json(503, r#"{"error": {"code": "IMG.0503"}}"#)),
        Fault::Trickle {
            every: Duration::from_millis(50),
        },
        Fault::Reply(Reply::json(200, JOB)),
    ])
    .await;
    let config = config(&server).build().expect("config");
    let client = otc_ims_jobs::Client::new(&config).expect("client");
    let mut transient = Vec::new();
    let mut states = Vec::new();
    let started = Instant::now();
    let outcome = tokio::time::timeout(
        HANG,
        wait_for(|| client.show_job(PROJECT, JOB_ID).send(), quick_wait(5)).on_event(|event| {
            match event {
                WaitEvent::TransientError {
                    error, consecutive, ..
                } => transient.push((error.to_string(), *consecutive)),
                WaitEvent::StateChanged { state, .. } => states.push(state.to_string()),
                _ => {}
            }
        }),
    )
    .await
    .expect("the waiter does not hang");
    let job = outcome.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(job.status.as_ref().map(|s| s.as_str()), Some("SUCCESS"));
    assert_eq!(server.hits(), 8);
    let consecutive: Vec<u32> = transient.iter().map(|(_, n)| *n).collect();
    assert_eq!(consecutive, [1, 2, 1, 2, 3, 4], "{transient:#?}");
    assert!(transient[0].0.contains("transport error"), "{transient:#?}");
    assert!(transient[1].0.contains("502"), "{transient:#?}");
    assert!(
        transient[2].0.contains("no complete response"),
        "{transient:#?}"
    );
    assert!(transient[4].0.contains("503"), "{transient:#?}");
    assert_eq!(states.len(), 2, "{states:?}");
    // Two stalls and a drip cost one timeout each; nothing else waits.
    assert!(started.elapsed() < TIMEOUT * 3 + Duration::from_secs(3));
}

#[tokio::test]
async fn the_waiter_gives_up_after_too_many_transient_faults_in_a_row() {
    let server = FaultyServer::always(Fault::ResetBeforeHeaders).await;
    let config = config(&server).build().expect("config");
    let client = otc_ims_jobs::Client::new(&config).expect("client");
    let outcome = tokio::time::timeout(
        HANG,
        wait_for(|| client.show_job(PROJECT, JOB_ID).send(), quick_wait(2)),
    )
    .await
    .expect("the waiter does not hang");
    let e = outcome.expect_err("resets forever");
    match e.failure() {
        WaitFailure::TooManyTransientErrors { consecutive, error } => {
            assert_eq!(*consecutive, 3);
            assert!(matches!(error, Error::Transport { .. }), "{error:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_fault_that_is_not_transient_ends_the_wait_at_once() {
    // An empty 200 is not the job: retrying the same poll will not fix the spec mismatch.
    let server = FaultyServer::start(vec![
        Fault::ResetBeforeHeaders,
        Fault::Reply(Reply::json(200, job_with("RUNNING"))),
        Fault::empty_ok(),
        Fault::Reply(Reply::json(200, JOB)),
    ])
    .await;
    let config = config(&server).build().expect("config");
    let client = otc_ims_jobs::Client::new(&config).expect("client");
    let outcome = tokio::time::timeout(
        HANG,
        wait_for(|| client.show_job(PROJECT, JOB_ID).send(), quick_wait(5)),
    )
    .await
    .expect("the waiter does not hang");
    let e = outcome.expect_err("a decode error ends the wait");
    assert!(
        matches!(e.failure(), WaitFailure::Api(Error::Decode(_))),
        "{:?}",
        e.failure()
    );
    assert_eq!(server.hits(), 3);
    assert_eq!(
        e.last_job()
            .and_then(|j| j.status.as_ref())
            .map(|s| s.as_str()),
        Some("RUNNING")
    );
}
