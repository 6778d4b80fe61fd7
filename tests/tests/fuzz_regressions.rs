//! Fuzzing, in the normal suite: the checks of the fuzz targets (`tests/fuzz/checks.rs`, the
//! same code the targets run) on their seed inputs and on every input that once failed them
//! (`tests/fuzz/regressions/<target>/`), plus one named test per finding.
//!
//! A crash found by `cargo fuzz run` goes into `tests/fuzz/regressions/<target>/` (see
//! `tests/fuzz/README.md`), where the tests below pick it up.

use std::path::{Path, PathBuf};

use cloudjobs::runtime::Timestamp;

#[path = "../fuzz/checks.rs"]
mod checks;

/// Every file of `tests/fuzz/<kind>/<target>/` (dot files left out), with its contents.
fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable directory").path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, data)
        })
        .collect()
}

fn run_all(target: &str, check: fn(&[u8])) {
    let mut ran = 0;
    for kind in ["seeds", "regressions"] {
        for (path, data) in inputs(kind, target) {
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(
                outcome.is_ok(),
                "{} fails the {target} checks",
                path.display()
            );
            ran += 1;
        }
    }
    assert!(ran > 0, "no inputs for {target}");
}

#[test]
fn generate_checks_pass_on_seeds_and_past_failures() {
    run_all("generate", checks::generate);
}

#[test]
fn decode_jobs_checks_pass_on_seeds_and_past_failures() {
    run_all("decode_jobs", checks::decode_jobs);
}

/// Finding (decode_jobs): epoch milliseconds far past the year 9999. The time is kept and
/// printed as an ISO 8601 expanded year (RFC 3339 has only four digits); nothing panics.
#[test]
fn millis_past_the_year_9999_keep_their_time() {
    let t: Timestamp = serde_json::from_str("16401001370501000").unwrap();
    assert_eq!(t.unix_millis(), Some(16_401_001_370_501_000));
    assert_eq!(t.to_rfc3339().as_deref(), Some("+521697-01-15T18:01:41Z"));
    assert_eq!(serde_json::to_string(&t).unwrap(), "16401001370501000");
    assert!(format!("{t:?}").contains("+521697"));
}

/// Finding (decode_jobs): a float number of milliseconds far out of range keeps its raw
/// value, has no time, and survives serializing and decoding again (serde_json may read the
/// float back one unit in the last place off, which the checks allow).
#[test]
fn out_of_range_float_millis_keep_their_raw_value() {
    let t: Timestamp = serde_json::from_str("1.5150000000000001e125").unwrap();
    assert_eq!(t.to_system_time(), None);
    assert_eq!(t.to_rfc3339(), None);
    let again: Timestamp = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
    let (a, b) = (t.raw().as_f64().unwrap(), again.raw().as_f64().unwrap());
    assert!((a - b).abs() <= a.abs() * 1e-15, "{a} vs {b}");
}
