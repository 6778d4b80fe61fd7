//! Arbitrary bytes as the header and text values a server sends that the runtime reads on
//! its own: `Retry-After`, HTTP-dates, timestamps, percentages, statuses, typed response
//! headers, error bodies and IAM's token answer. The checks are in `checks.rs` (shared with
//! `tests/tests/fuzz_regressions.rs`).
#![no_main]

#[path = "../checks.rs"]
#[allow(dead_code)] // each target uses one of the checks
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::server_input(data));
