//! Fuzzing, in the normal suite: the checks of the fuzz targets (`tests/fuzz/checks.rs`, the
//! same code the targets run) on their seed inputs and on every input that once failed them
//! (`tests/fuzz/regressions/<target>/`), plus one named test per finding.
//!
//! A crash found by `cargo fuzz run` goes into `tests/fuzz/regressions/<target>/` (see
//! `tests/fuzz/README.md`), where the tests below pick it up.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use cloudjobs::runtime::Timestamp;
use cloudjobs_codegen::{EmitOptions, ErrorKind, generate_str};

#[path = "../fuzz/checks.rs"]
mod checks;

/// Every file of `tests/fuzz/<kind>/<target>/` (dot files left out), with its contents.
fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = cloudjobs_tests::paths::project_root()
        .join("tests/fuzz")
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

#[test]
fn server_input_checks_pass_on_seeds_and_past_failures() {
    run_all("server_input", checks::server_input);
}

#[test]
fn clouds_yaml_checks_pass_on_seeds_and_past_failures() {
    run_all("clouds_yaml", checks::clouds_yaml);
}

/// `regressions/clouds_yaml/billion-laughs` and `deep-block-sequences` (found by review
/// before the target existed): yaml-rust2's loader expanded 420 bytes of aliases of aliases
/// to 9^9 values (memory exhausted), and nested block sequences recursed once per level (a
/// large enough file overflowed the stack). Both are errors naming the file now, at once.
#[test]
fn alias_bombs_and_deep_nesting_in_clouds_yaml_are_refused_at_once() {
    for (name, expected) in [
        ("billion-laughs", "more than 100000 values"),
        ("deep-block-sequences", "more than 64 levels deep"),
    ] {
        let path = cloudjobs_tests::paths::project_root()
            .join("tests/fuzz/regressions/clouds_yaml")
            .join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let started = std::time::Instant::now();
        let e = cloudjobs::runtime::fuzzing::clouds_yaml(&text, None).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "{name}");
        assert_eq!(
            e.file.as_deref(),
            Some(std::path::Path::new("fuzz/clouds.yaml"))
        );
        assert!(e.to_string().contains(expected), "{name}: {e}");
    }
    // The seeds reach the end of the loader too: a password merged from secure.yaml, a
    // shared auth section by alias.
    let seed = |name: &str| {
        let path = cloudjobs_tests::paths::project_root()
            .join("tests/fuzz/seeds/clouds_yaml")
            .join(name);
        let text = std::fs::read_to_string(path).unwrap();
        let (clouds, secure) = text
            .split_once('\0')
            .map_or((text.as_str(), None), |(c, s)| (c, Some(s)));
        cloudjobs::runtime::fuzzing::clouds_yaml(clouds, secure)
    };
    let (profile, credential) = seed("password-in-secure-yaml").unwrap();
    assert_eq!(profile.password.unwrap().expose(), "$$");
    assert_eq!(credential.unwrap().kind(), "IAM password");
    let (profile, _) = seed("aliases").unwrap();
    assert_eq!(profile.domain_name.as_deref(), Some("D"));
}

/// `regressions/server_input/http-date-year-overflow`: a `Retry-After` date in the year
/// 999999999999 overflowed the day arithmetic (a panic in the retry layer and the waiter).
#[test]
fn an_http_date_far_in_the_future_is_no_date() {
    let now = std::time::SystemTime::now();
    let far = b"Sun, 06 Nov 999999999999 08:49:37 GMT";
    assert_eq!(cloudjobs::runtime::fuzzing::retry_after(far, now), None);
}

/// `regressions/server_input/retry-after-31-years`: the waiter slept as long as one
/// `Retry-After: 1000000000` asked.
#[test]
fn the_waiter_caps_a_servers_delay() {
    let now = std::time::SystemTime::now();
    let asked = cloudjobs::runtime::fuzzing::retry_after(b"1000000000", now).unwrap();
    let max = Duration::from_secs(27);
    let gap = cloudjobs::runtime::fuzzing::waiter_gap(Duration::from_secs(3), asked, max);
    assert_eq!(gap, max);
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

/// Finding (generate, a hang): YAML lets a mapping be a key (`{{{}: a}: b}`); the loader
/// wrote such keys out as JSON text, so each level of nesting doubled the escapes (a 600-byte
/// spec with 48 levels never finished). Such keys are refused now, at once.
#[test]
fn nested_mapping_keys_are_refused_not_expanded() {
    let spec = format!(
        "openapi: 3.0.3\ninfo: {{title: A, version: \"1\"}}\npaths:\n  /x:\n    {}{}\n",
        "{".repeat(64),
        "}".repeat(64)
    );
    // A hang fails the test instead of stalling the suite.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(generate_str(
            &spec,
            "nested.yaml",
            "nested",
            &EmitOptions::default(),
        ));
    });
    let outcome = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the generator finishes");
    let error = outcome.expect_err("a mapping as a key is refused");
    assert_eq!(error.kind, ErrorKind::Syntax, "{error}");
    assert!(error.message.contains("mapping key"), "{error}");
    // Scalar keys that are not strings (`200:`, `true:`) still become strings.
    let ok = "openapi: 3.0.3\ninfo: {title: A, version: \"1\"}\npaths:\n  /x:\n    get:\n      responses:\n        200: {description: ok}\n";
    generate_str(ok, "ok.yaml", "ok", &EmitOptions::default()).expect("generates");
}

/// Finding (generate, a panic): a `$ref` with `%` followed by a multi-byte character
/// (`#/components/schemas/A%ь`) made the percent-decoding of `$ref` fragments slice a string
/// inside a character. It decodes byte-wise now; the reference is simply not found.
#[test]
fn percent_before_a_multibyte_character_in_a_ref_is_not_a_panic() {
    for target in ["A%ь", "A%ьь", "A%4ь", "%", "A%", "A%4", "A%zz", "Aь%"] {
        let spec = format!(
            "openapi: 3.0.3\ninfo: {{title: A, version: \"1\"}}\npaths:\n  /x:\n    get:\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: \"#/components/schemas/{target}\"}}\ncomponents:\n  schemas:\n    A: {{type: object}}\n"
        );
        // Before the fix: a panic. Now: the reference does not resolve, said with a pointer.
        let error = generate_str(&spec, "ref.yaml", "refs", &EmitOptions::default())
            .expect_err("no schema has that name");
        assert!(error.message.contains("points at nothing"), "{error}");
    }
}
