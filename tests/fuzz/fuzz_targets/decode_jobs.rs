//! Arbitrary bytes as a job-details response body, decoded into the generated response types
//! of the four job APIs and into `rt::Timestamp`. The checks are in `checks.rs` (shared with
//! `tests/tests/fuzz_regressions.rs`).
#![no_main]

#[path = "../checks.rs"]
#[allow(dead_code)] // each target uses one of the checks
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::decode_jobs(data));
