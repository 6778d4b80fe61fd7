//! What the fuzz targets check, shared with the normal test suite: the targets in
//! `fuzz_targets/` call these on every input, and `tests/tests/fuzz_regressions.rs` calls them
//! on the seeds and on every input that once failed (`regressions/`). A failed check panics.

use std::fmt::Debug;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cloudjobs::runtime::fuzzing;
use cloudjobs::runtime::header::{HeaderMap, HeaderValue};
use cloudjobs::runtime::job::{StateKind, StateLists, parse_percent};
use cloudjobs::runtime::transport::{optional_header, required_header};
use cloudjobs::runtime::{Job, Secret, Timestamp};
use cloudjobs::{cae_jobs, cfw_jobs, otc_ims_jobs, workspace_image_jobs};
use cloudjobs_codegen::{EmitOptions, generate_str};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The `generate` target: arbitrary bytes through the whole generator (load, lower, emit).
///
/// Whatever the input, the generator returns a module or an error naming the spec and a JSON
/// pointer: it never panics (and, under libFuzzer, never overflows its stack or runs out of
/// memory or time). A generated module is complete, and generating is deterministic.
pub fn generate(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let options = EmitOptions::default();
    match generate_str(&text, "fuzz.yaml", "fuzz", &options) {
        Ok(generated) => {
            assert!(generated.code.starts_with("// @generated"));
            let again = generate_str(&text, "fuzz.yaml", "fuzz", &options)
                .expect("the same input generates again");
            assert_eq!(generated.code, again.code, "generation is deterministic");
        }
        Err(error) => {
            assert_eq!(error.file, "fuzz.yaml");
            assert!(error.pointer.starts_with('#'), "{error}");
        }
    }
}

/// The `decode_jobs` target: arbitrary bytes as a job-details response body, decoded into
/// the generated response types of the four job APIs and into `rt::Timestamp`.
///
/// Decoding fails with an error, or gives a value whose job accessors (state, progress,
/// sub-tasks, resources, ...) all answer without panicking, and which serializes to JSON that
/// decodes again and serializes to the same JSON. Any text parses as a `Timestamp` without
/// panicking; one in the years 0000 to 9999 prints as RFC 3339 text that reads back as the
/// same instant.
pub fn decode_jobs(data: &[u8]) {
    job::<otc_ims_jobs::ShowJobResponse>(data);
    job::<cae_jobs::ShowJobResponse>(data);
    job::<cfw_jobs::GetJobResp>(data);
    job::<workspace_image_jobs::ShowImageJobResponse>(data);
    if let Ok(t) = serde_json::from_slice::<Timestamp>(data) {
        timestamp(&t);
        round_trip(&t);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        timestamp(&Timestamp::parse(text));
    }
}

fn job<T: DeserializeOwned + Serialize + Debug + Job>(data: &[u8]) {
    let Ok(job) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let _ = job.state().to_string();
    let _ = (
        job.status(),
        job.job_id(),
        job.error_code(),
        job.error_reason(),
    );
    if let Some(percent) = job.percent() {
        assert!(percent.is_finite(), "{percent}");
    }
    let _ = job.progress().map(|p| p.to_string());
    let _ = job.subtask_total();
    for task in job.subtasks() {
        let _ = format!("{task:?}");
    }
    let _ = job.resource_ids();
    round_trip(&job);
}

/// What a decoded value serializes to decodes again, and serializes to the same JSON.
fn round_trip<T: DeserializeOwned + Serialize + Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("a decoded value serializes");
    let again: T = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("its own JSON does not decode again: {e}\n{json}"));
    let first: Value = serde_json::from_str(&json).expect("JSON");
    let second = serde_json::to_value(&again).expect("serializes");
    assert!(same(&first, &second), "{value:?}\n{json}\n{second}");
}

/// Equal JSON, floats within a relative 1e-15: serde_json (without its `float_roundtrip`
/// feature) may read a float back one unit in the last place off.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 1e-15 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn timestamp(t: &Timestamp) {
    let _ = (t.is_blank(), t.raw(), t.to_system_time(), t.to_string());
    let millis = t.unix_millis();
    if let Some(text) = t.to_rfc3339() {
        // Years 0000 to 9999 print as RFC 3339; others print with an explicit sign (ISO 8601
        // expanded years), which RFC 3339 has no room for and the parser does not read.
        if !text.starts_with(['+', '-']) {
            let back = Timestamp::parse(&text);
            assert_eq!(back.unix_millis(), millis, "{t:?} printed as {text}");
        }
    }
}

/// The `server_input` target: arbitrary bytes as every header and text value a server sends
/// that the runtime reads on its own (outside a generated body type): `Retry-After` (seconds
/// and the three HTTP-date forms), timestamps, percentages sent as text, job statuses, typed
/// response headers, error bodies, and IAM's token answer (header and body), with the
/// arithmetic that follows each (delays, the waiter's gap, the token cache's refresh time).
///
/// Nothing panics or overflows, and every result is within its bounds: a delay from an
/// HTTP-date is the time from now to that date, the waiter's gap after an error never exceeds
/// the schedule's or the policy's longest interval, a token is refreshed neither before now
/// nor more than a century after, an IAM answer gives the header's token or an error.
pub fn server_input(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let fixed_now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for now in [fixed_now, UNIX_EPOCH, SystemTime::now()] {
        if let Some(delay) = fuzzing::retry_after(data, now) {
            // A date in the past means no delay; a number of seconds is taken as it is.
            if let Some(at) = fuzzing::http_date(text.trim()) {
                assert_eq!(delay, at.duration_since(now).unwrap_or(Duration::ZERO));
            }
            let max = Duration::from_secs(27);
            for scheduled in [Duration::ZERO, Duration::from_secs(5), max] {
                let gap = fuzzing::waiter_gap(scheduled, delay, max);
                assert!(gap >= scheduled && gap <= scheduled.max(max), "{gap:?}");
            }
        }
    }
    let _ = fuzzing::http_date(text);

    let ts = Timestamp::parse(text);
    let _ = (
        ts.to_system_time(),
        ts.unix_millis(),
        ts.to_rfc3339(),
        ts.to_string(),
    );

    if let Some(p) = parse_percent(text) {
        assert!(p.is_finite(), "{p}");
    }

    let lists = StateLists {
        pending: &["INIT"],
        running: &["RUNNING"],
        succeeded: &["SUCCESS"],
        failed: &["FAIL"],
    };
    let kind = lists.classify(Some(text));
    let listed = ["INIT", "RUNNING", "SUCCESS", "FAIL"]
        .iter()
        .any(|v| v.eq_ignore_ascii_case(text));
    assert_eq!(kind != StateKind::Unknown, listed, "{text:?}");

    if let Ok(value) = HeaderValue::from_bytes(data) {
        let mut headers = HeaderMap::new();
        headers.insert("x-value", value);
        let _ = required_header::<String>(&headers, "x-value").expect("present");
        let _ = required_header::<Secret>(&headers, "x-value").expect("present");
        let _ = optional_header::<i64>(&headers, "x-value");
        if let Ok(Some(n)) = optional_header::<f64>(&headers, "x-value") {
            assert!(n.is_finite());
        }
        let _ = optional_header::<bool>(&headers, "x-value");
        assert!(required_header::<String>(&headers, "x-other").is_err());
    }

    let _ = fuzzing::error_code_and_message(data);

    // IAM: the first line is the token header, the rest the body.
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let header = String::from_utf8_lossy(header);
    match fuzzing::iam_token(Some(&header), body) {
        Ok(token) => {
            assert_eq!(token.value().expose(), header.trim());
            for now in [fixed_now, SystemTime::now()] {
                let at = fuzzing::token_refresh_at(&token, now);
                assert!(at >= now, "refresh before now");
                let century = Duration::from_secs(101 * 365 * 86_400);
                assert!(
                    at.duration_since(now).unwrap_or_default() <= century,
                    "refresh too late"
                );
            }
        }
        Err(_) => assert!(header.trim().is_empty()),
    }
    assert!(fuzzing::iam_token(None, body).is_err());
}

/// The secret the `clouds_yaml` check plants wherever the input has `$$`.
pub const PLANTED_SECRET: &str = "fz-SECRET-7d1c";

/// The `clouds_yaml` target: arbitrary bytes as a `clouds.yaml` and the `secure.yaml` beside
/// it (split at the first NUL byte; no NUL: no `secure.yaml`), the cloud `otc` read through
/// the chain's loader (`fuzzing::clouds_yaml`). Every `$$` becomes [`PLANTED_SECRET`], so
/// the fuzzer can put a known secret anywhere.
///
/// The loader gives the cloud's settings and credential or an error; it never panics (and,
/// under libFuzzer, never overflows its stack or runs out of memory or time). An error names
/// `fuzz/clouds.yaml` or `fuzz/secure.yaml` and never shows the planted secret. The `Debug`
/// of a result does not depend on its secrets (token, password, secret key, security token).
pub fn clouds_yaml(data: &[u8]) {
    use cloudjobs::runtime::credentials::Credential;

    let (clouds, secure) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let plant = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace("$$", PLANTED_SECRET);
    let clouds = plant(clouds);
    let secure = secure.map(plant);
    match fuzzing::clouds_yaml(&clouds, secure.as_deref()) {
        Err(error) => {
            let text = error.to_string();
            let file = error.file.as_deref().and_then(|f| f.to_str());
            assert!(
                matches!(file, Some("fuzz/clouds.yaml" | "fuzz/secure.yaml")),
                "{text}"
            );
            assert!(text.starts_with(file.unwrap_or_default()), "{text}");
            assert!(!text.contains(PLANTED_SECRET), "{text}");
            assert!(!format!("{error:?}").contains(PLANTED_SECRET), "{error:?}");
        }
        Ok((profile, credential)) => {
            // With every secret replaced, `Debug` must print the same: it shows none of them.
            let other = |s: &Option<Secret>| s.as_ref().map(|_| Secret::new("other"));
            let mut replaced = profile.clone();
            replaced.token = other(&profile.token);
            replaced.password = other(&profile.password);
            replaced.secret_key = other(&profile.secret_key);
            replaced.security_token = other(&profile.security_token);
            let replaced_credential = credential.as_ref().map(|c| match c {
                Credential::Token(_) => Credential::Token(Secret::new("other")),
                Credential::Password { user_name, .. } => Credential::Password {
                    user_name: user_name.clone(),
                    password: Secret::new("other"),
                },
                Credential::AkSk {
                    access_key,
                    security_token,
                    ..
                } => Credential::AkSk {
                    access_key: access_key.clone(),
                    secret_key: Secret::new("other"),
                    security_token: other(security_token),
                },
                other => other.clone(),
            });
            assert_eq!(
                format!("{profile:?} {credential:?}"),
                format!("{replaced:?} {replaced_credential:?}"),
                "Debug shows a secret"
            );
        }
    }
}
