//! What the fuzz targets check, shared with the normal test suite: the targets in
//! `fuzz_targets/` call these on every input, and `tests/tests/fuzz_regressions.rs` calls them
//! on the seeds and on every input that once failed (`regressions/`). A failed check panics.

use std::fmt::Debug;

use cloudjobs::runtime::{Job, Timestamp};
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
