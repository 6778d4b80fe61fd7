//! Arbitrary bytes as a `clouds.yaml` and the `secure.yaml` beside it (split at the first NUL
//! byte), read by the credential chain's loader. The checks are in `checks.rs` (shared with
//! `tests/tests/fuzz_regressions.rs`).
#![no_main]

#[path = "../checks.rs"]
#[allow(dead_code)] // each target uses one of the checks
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::clouds_yaml(data));
