//! Arbitrary bytes through the whole generator: load (YAML or JSON) → lower → emit. The
//! checks are in `checks.rs` (shared with `tests/tests/fuzz_regressions.rs`).
#![no_main]

#[path = "../checks.rs"]
#[allow(dead_code)] // each target uses one of the checks
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::generate(data));
