//! `cargo xtask docs diff|check|pull`, run as this crate's binary `cloudjobs-docs` (the same
//! commands) on the documents of `fixtures/` (small made-up job API pages, in
//! reStructuredText and HTML):
//!
//! - `diff/<case>/{old,new}.{rst,html}`: one kind of change per case, pinned in the three
//!   formats with insta snapshots; `reflow_rst`, `rewording_html` and `example_url_rst` must
//!   report nothing;
//! - `check/`: one document (`document.rst` and the same page as `document.html`) and two
//!   specs: `clean.yaml` (deviations accepted) and `drift.yaml`;
//! - `pull`: a local HTTP server stands in for the document hosts
//!   (`CLOUDJOBS_DOCS_BASE_URL`, `CLOUDJOBS_DOCS_URL_MAP`), with a changed versioned
//!   document and an unchanged page; nothing here needs the network.
//!
//! The documents are read by `doctools/readers/docmodel.py` with the pinned Python venv that
//! `cargo xtask test` (or `cargo xtask validate`) installs under `target/tools/venv`;
//! `CLOUDJOBS_PYTHON` names another interpreter. Without one these tests fail with
//! instructions, unless `CLOUDJOBS_SKIP_DOCS=1` skips them explicitly.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;

use std::process::Output;

const PYTHON_ENV: &str = "CLOUDJOBS_PYTHON";
const SKIP_ENV: &str = "CLOUDJOBS_SKIP_DOCS";

fn fixtures() -> PathBuf {
    project_root().join("doctools/tests/fixtures")
}

/// The Python interpreter with the readers' packages, `None` when skipping was asked for
/// explicitly; panics with instructions otherwise.
fn python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            if let Some(p) = std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) {
                return Some(PathBuf::from(p));
            }
            if std::env::var(SKIP_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true")) {
                eprintln!("SKIPPED: docs reader tests ({SKIP_ENV} is set)");
                return None;
            }
            let venv = project_root().join("target/tools/venv/bin/python");
            let ready = venv.exists()
                && Command::new(&venv)
                    .args(["-c", "import docutils"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
            if ready {
                return Some(venv);
            }
            panic!(
                "the docs tests need the pinned Python tools with docutils: run `cargo xtask test` \
                 (or `cargo xtask validate`) once, which installs them under target/tools/venv, \
                 or set {PYTHON_ENV} to an interpreter that has them, or skip these tests \
                 explicitly with {SKIP_ENV}=1"
            );
        })
        .clone()
}

/// The project root (found at run time, as every tool of the project finds it).
fn project_root() -> PathBuf {
    cloudjobs_codegen::project::root::project_root().expect("the project root")
}

/// What a run of `cloudjobs-docs` printed.
struct Run {
    /// The exit status (-1 when killed by a signal).
    code: i32,
    /// Standard output, as text.
    stdout: String,
    /// Standard error, as text.
    stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Standard output as JSON (a test failure when it is not).
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

/// Runs `cloudjobs-docs ARGS` (what `cargo xtask docs ARGS` runs) in the repository root
/// with the reader's interpreter and `env`.
fn docs(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cloudjobs-docs"));
    command.current_dir(project_root()).args(args);
    for var in [
        "CLOUDJOBS_DOCS_BASE_URL",
        "CLOUDJOBS_DOCS_URL_MAP",
        "CLOUDJOBS_DOCS_DIR",
    ] {
        command.env_remove(var);
    }
    if let Some(p) = python() {
        command.env(PYTHON_ENV, p);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    Run::from(command.output().expect("run cloudjobs-docs"))
}

fn diff_cases() -> Vec<(String, String)> {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(fixtures().join("diff")).unwrap() {
        let dir = entry.unwrap().path();
        let case = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let ext = if dir.join("new.rst").exists() {
            "rst"
        } else {
            "html"
        };
        cases.push((case, ext.to_owned()));
    }
    cases.sort();
    cases
}

/// The old side of a diff case: its own `old.<ext>`, else the document `docs check` reads
/// (`check/document.<ext>`), which most cases edit.
fn old_side(case: &str, ext: &str) -> String {
    let own = format!("doctools/tests/fixtures/diff/{case}/old.{ext}");
    if project_root().join(&own).exists() {
        own
    } else {
        format!("doctools/tests/fixtures/check/document.{ext}")
    }
}

/// Per case: the change kinds `docs diff` must report (empty: no semantic difference).
const EXPECTED_KINDS: &[(&str, &[&str])] = &[
    // A response the page states no status for gains its first example body: the example is
    // new (there is no status to add).
    ("assumed_example_rst", &["example-added"]),
    // The example URL, given alone in the URI section, moves to the request section with its
    // method: the same request.
    ("example_url_rst", &[]),
    ("examples_html", &["example-changed"]),
    ("fields_rst", &["type", "field-added", "field-removed"]),
    // Type labels spelled another way (`Object Name`, a typo), the nested table's anchor
    // renamed, an example body with a brace left out: nothing.
    ("labels_rst", &[]),
    ("operation_rst", &["path"]),
    (
        "parameters_rst",
        &[
            "mandatory",
            "type",
            "parameter-added",
            "parameter-removed",
            "parameter-moved",
        ],
    ),
    // The path loses a prefix and the example URL with it (given without, then with its
    // method): one path change, no example change.
    ("path_example_rst", &["path"]),
    ("reflow_rst", &[]),
    // The job's fields documented under a `job` wrapper: one move, and the one new member.
    ("renesting_rst", &["fields-moved", "field-added"]),
    // Two variants of the request body in tables of their own repeat field names: each
    // occurrence is compared with the same occurrence, so only the second `kind` gains a value.
    ("repeated_names_rst", &["enum-added"]),
    (
        "request_rst",
        &["mandatory", "field-added", "example-changed"],
    ),
    ("rewording_html", &[]),
    ("statuses_html", &["status-added", "status-removed"]),
    ("values_html", &["enum-added", "enum-removed"]),
];

#[test]
fn every_kind_of_change_is_reported_and_nothing_else() {
    if python().is_none() {
        return;
    }
    let cases = diff_cases();
    assert_eq!(
        cases.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        EXPECTED_KINDS.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        "every fixture case has its expectation"
    );
    for (case, ext) in &cases {
        let old = old_side(case, ext);
        let new = format!("doctools/tests/fixtures/diff/{case}/new.{ext}");
        let expected = EXPECTED_KINDS
            .iter()
            .find(|(c, _)| c == case)
            .map(|(_, k)| *k)
            .unwrap();
        for format in ["text", "markdown", "json"] {
            let out = docs(&["diff", &old, &new, "--format", format], &[]);
            assert_eq!(
                out.code,
                i32::from(!expected.is_empty()),
                "{case} ({format}): {}{}",
                out.stdout,
                out.stderr
            );
            assert!(out.stderr.is_empty(), "{case}: {}", out.stderr);
            insta::assert_snapshot!(format!("diff__{case}__{format}"), out.stdout);
            if format == "json" {
                let json = out.json();
                let mut kinds: Vec<&str> = json["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["kind"].as_str().unwrap())
                    .collect();
                kinds.dedup();
                let mut want = expected.to_vec();
                want.sort_unstable();
                kinds.sort_unstable();
                kinds.dedup();
                assert_eq!(kinds, want, "{case}: {}", out.stdout);
                assert_eq!(json["changed"], Value::Bool(!expected.is_empty()));
            }
        }
    }
}

#[test]
fn the_same_page_in_rst_and_html_has_the_same_model() {
    if python().is_none() {
        return;
    }
    let out = docs(
        &[
            "diff",
            "doctools/tests/fixtures/check/document.rst",
            "doctools/tests/fixtures/check/document.html",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("no semantic difference"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_diff_in_the_other_direction_mirrors() {
    if python().is_none() {
        return;
    }
    let forward = docs(
        &[
            "diff",
            &old_side("statuses_html", "html"),
            "doctools/tests/fixtures/diff/statuses_html/new.html",
            "--format",
            "json",
        ],
        &[],
    )
    .json();
    let backward = docs(
        &[
            "diff",
            "doctools/tests/fixtures/diff/statuses_html/new.html",
            &old_side("statuses_html", "html"),
            "--format",
            "json",
        ],
        &[],
    )
    .json();
    let places = |j: &Value, kind: &str| -> Vec<String> {
        j["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == kind)
            .map(|c| c["at"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        places(&forward, "status-added"),
        places(&backward, "status-removed")
    );
    assert_eq!(
        places(&forward, "status-removed"),
        places(&backward, "status-added")
    );
}

#[test]
fn check_reports_drift_accepted_deviations_and_notes() {
    if python().is_none() {
        return;
    }
    for (spec, code) in [("clean", 0), ("drift", 1)] {
        for doc in ["document.rst", "document.html"] {
            let spec_path = format!("doctools/tests/fixtures/check/{spec}.yaml");
            let doc_path = format!("doctools/tests/fixtures/check/{doc}");
            let text = docs(&["check", &spec_path, "--doc", &doc_path], &[]);
            assert_eq!(
                text.code, code,
                "{spec} {doc}: {}{}",
                text.stdout, text.stderr
            );
            if doc == "document.rst" {
                insta::assert_snapshot!(format!("check__{spec}__text"), text.stdout);
                for format in ["markdown", "json"] {
                    let out = docs(
                        &["check", &spec_path, "--doc", &doc_path, "--format", format],
                        &[],
                    );
                    assert_eq!(out.code, code);
                    insta::assert_snapshot!(format!("check__{spec}__{format}"), out.stdout);
                }
            } else {
                // The HTML rendering of the same page gives the same findings (places in the
                // document aside).
                let rst = docs(
                    &[
                        "check",
                        &spec_path,
                        "--doc",
                        "doctools/tests/fixtures/check/document.rst",
                        "--format",
                        "json",
                    ],
                    &[],
                )
                .json();
                let html = docs(
                    &["check", &spec_path, "--doc", &doc_path, "--format", "json"],
                    &[],
                )
                .json();
                let findings = |j: &Value| -> Vec<(String, String, String)> {
                    j["results"][0]["findings"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|f| {
                            (
                                f["verdict"].as_str().unwrap().to_owned(),
                                f["kind"].as_str().unwrap().to_owned(),
                                f["at"].as_str().unwrap().to_owned(),
                            )
                        })
                        .collect()
                };
                assert_eq!(findings(&rst), findings(&html), "{spec}");
            }
        }
    }
    // What the clean spec accepts and what the drifting one lacks, by place.
    let clean = docs(
        &[
            "check",
            "doctools/tests/fixtures/check/clean.yaml",
            "--doc",
            "doctools/tests/fixtures/check/document.rst",
            "--format",
            "json",
        ],
        &[],
    )
    .json();
    let result = &clean["results"][0];
    let verdict_at = |at: &str| -> String {
        result["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["at"] == at)
            .map(|f| f["verdict"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| format!("nothing at {at}"))
    };
    assert_eq!(verdict_at("response 200 progress"), "accepted");
    assert_eq!(verdict_at("response 200 request_id"), "note");
    assert_eq!(
        result["unused_accepted"][0]["at"],
        Value::String("parameter query limit".into())
    );
    assert_eq!(clean["drift"], Value::Bool(false));
}

#[test]
fn bad_input_exits_2_naming_the_problem() {
    // Without the reader: usage errors and missing files.
    let out = docs(&["diff", "only-one.rst"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("<NEW>"), "{}", out.stderr);
    let out = docs(&["check", "no-such-spec.yaml"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no-such-spec.yaml: no such spec"),
        "{}",
        out.stderr
    );
    let out = docs(
        &[
            "check",
            "doctools/tests/fixtures/check/clean.yaml",
            "doctools/tests/fixtures/check/drift.yaml",
            "--doc",
            "x.rst",
        ],
        &[],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("name exactly one spec"),
        "{}",
        out.stderr
    );
    let out = docs(&["diff", "a.docx", "b.docx"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--doc-format"), "{}", out.stderr);
    let out = docs(&["check", "--format", "yaml"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown format `yaml`"),
        "{}",
        out.stderr
    );
    let out = docs(&["diff", "missing-old.json", "missing-new.json"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("missing-old.json: no such file"),
        "{}",
        out.stderr
    );

    if python().is_none() {
        return;
    }
    // A document the reader cannot understand: its `FILE:LINE: message`.
    let out = docs(
        &[
            "diff",
            "doctools/tests/fixtures/bad/no-operation.rst",
            "doctools/tests/fixtures/check/document.rst",
        ],
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("doctools/tests/fixtures/bad/no-operation.rst:"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

// ---------------------------------------------------------------------------------------
// pull, against a local server
// ---------------------------------------------------------------------------------------

/// A tiny HTTP/1.1 server on 127.0.0.1 that answers GETs from a path → body table, then
/// from a path → `Location` table with `302 Found` (404 otherwise), and logs the paths asked
/// for; stopped when dropped.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(files: Vec<(String, Vec<u8>)>) -> Server {
        Server::with_redirects(files, Vec::new())
    }

    fn with_redirects(files: Vec<(String, Vec<u8>)>, redirects: Vec<(String, String)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stop2, log2) = (stop.clone(), log.clone());
        let thread = std::thread::spawn(move || {
            // Bounded: at most 200 connections, and it stops when the test drops it.
            for stream in listener.incoming().take(200) {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .to_owned();
                log2.lock().unwrap().push(path.clone());
                let redirect = redirects.iter().find(|(p, _)| *p == path);
                let (status, body, location) = match files.iter().find(|(p, _)| *p == path) {
                    Some((_, body)) => ("200 OK", body.clone(), String::new()),
                    None => match redirect {
                        Some((_, to)) => ("302 Found", Vec::new(), format!("Location: {to}\r\n")),
                        None => ("404 Not Found", b"not found".to_vec(), String::new()),
                    },
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\n{location}Content-Length: {}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Server {
            port,
            stop,
            log,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "cloudjobs-docs-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const REVISION: &str = "5f2c1e0a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e";
const RST_PATH: &str = "api-ref/source/querying_a_backup_job.rst";

/// The clean spec with two sources: the RST (versioned, recorded at `REVISION` with
/// `recorded_sha`) and the HTML page (recorded with `page_sha`).
fn pull_spec(dir: &Path, recorded_sha: &str, page_sha: &str) -> PathBuf {
    let clean = std::fs::read_to_string(fixtures().join("check/clean.yaml")).unwrap();
    let start = clean.find("  x-cloudjobs-sources:").unwrap();
    let end = clean.find("paths:").unwrap();
    let accepted_start = clean[start..end].find("      accepted:").unwrap() + start;
    let accepted = &clean[accepted_start..end];
    let sources = format!(
        "  x-cloudjobs-sources:
    - url: https://raw.githubusercontent.com/demo-docs/backup-service/main/{RST_PATH}
      format: rst
      repository: demo-docs/backup-service
      branch: main
      path: {RST_PATH}
      revision: {REVISION}
      sha256: {recorded_sha}
      operation: ShowBackupJob
{accepted}    - url: https://docs.example.com/backup/ShowBackupJob.html
      format: html
      revision: unknown
      sha256: {page_sha}
      note: the same page, rendered
"
    );
    let text = format!("{}{sources}{}", &clean[..start], &clean[end..]);
    let path = dir.join("backup-jobs.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Output with the temporary folder and the server's port replaced.
fn redact(text: &str, dir: &Path, server: &Server) -> String {
    text.replace(&dir.display().to_string(), "[TMP]")
        .replace(&server.port.to_string(), "[PORT]")
}

#[test]
fn pull_downloads_tells_what_changed_diffs_and_checks() {
    if python().is_none() {
        return;
    }
    let tmp = TempDir::new("pull");
    let current = std::fs::read(fixtures().join("check/document.rst")).unwrap();
    let recorded = std::fs::read(fixtures().join("diff/fields_rst/new.rst")).unwrap();
    let page = std::fs::read(fixtures().join("check/document.html")).unwrap();
    let server = Server::start(vec![
        (
            format!("/raw/demo-docs/backup-service/main/{RST_PATH}"),
            current.clone(),
        ),
        (
            format!("/raw/demo-docs/backup-service/{REVISION}/{RST_PATH}"),
            recorded.clone(),
        ),
        ("/pages/backup/ShowBackupJob.html".into(), page.clone()),
    ]);
    let spec = pull_spec(&tmp.0, &sha256(&recorded), &sha256(&page));
    let spec_arg = spec.display().to_string();
    let downloads = tmp.0.join("docs");
    let base = format!("{}/raw", server.url());
    let map = format!("https://docs.example.com={}/pages", server.url());
    let env = [
        ("CLOUDJOBS_DOCS_BASE_URL", base.as_str()),
        ("CLOUDJOBS_DOCS_URL_MAP", map.as_str()),
        ("CLOUDJOBS_DOCS_DIR", downloads.to_str().unwrap()),
    ];

    // The RST changed (its recorded revision is downloaded and compared), the page did not;
    // the spec is then checked against the current RST: clean.
    let out = docs(&["pull", &spec_arg], &env);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    insta::assert_snapshot!("pull__changed__text", redact(&out.stdout, &tmp.0, &server));
    let json = docs(&["pull", &spec_arg, "--format", "json"], &env).json();
    assert_eq!(json["changed"], 1);
    assert_eq!(json["drift"], false);
    let sources = &json["specs"][0]["sources"];
    assert_eq!(sources[0]["status"], "changed");
    assert_eq!(sources[0]["sha256"], Value::String(sha256(&current)));
    assert_eq!(sources[1]["status"], "unchanged");
    let changes = sources[0]["diff"]["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["at"] == "response 200 detail.volumes" && c["kind"] == "field-removed"),
        "{changes:?}"
    );
    assert_eq!(
        std::fs::read(downloads.join("backup-jobs/querying_a_backup_job.rst")).unwrap(),
        current
    );
    let markdown = docs(&["pull", &spec_arg, "--format", "markdown"], &env);
    insta::assert_snapshot!(
        "pull__changed__markdown",
        redact(&markdown.stdout, &tmp.0, &server)
    );
    {
        let log = server.log.lock().unwrap();
        assert!(
            log.iter()
                .all(|p| p.starts_with("/raw/") || p.starts_with("/pages/"))
        );
        assert!(log.contains(&format!(
            "/raw/demo-docs/backup-service/{REVISION}/{RST_PATH}"
        )));
    }

    // With the current sha256 recorded, nothing changed: exit 0.
    let spec = pull_spec(&tmp.0, &sha256(&current), &sha256(&page));
    let out = docs(&["pull", &spec.display().to_string()], &env);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("Result: 0 document(s) changed, 0 spec(s) with drift."),
        "{}",
        out.stdout
    );

    // `check` without --doc reads the copy `pull` saved: the server is not asked again.
    let asked = server.log.lock().unwrap().len();
    let out = docs(&["check", &spec.display().to_string()], &env);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("querying_a_backup_job.rst (rst)"),
        "{}",
        out.stdout
    );
    assert_eq!(server.log.lock().unwrap().len(), asked);

    drop(server);
    a_source_that_is_gone_exits_2_naming_the_url(&spec, &downloads);
}

/// `pull` of `spec` when the document server has nothing: exit 2, the URL named.
fn a_source_that_is_gone_exits_2_naming_the_url(spec: &Path, downloads: &Path) {
    let gone = Server::start(Vec::new());
    let base = format!("{}/raw", gone.url());
    let map = format!("https://docs.example.com={}/pages", gone.url());
    let env = [
        ("CLOUDJOBS_DOCS_BASE_URL", base.as_str()),
        ("CLOUDJOBS_DOCS_URL_MAP", map.as_str()),
        ("CLOUDJOBS_DOCS_DIR", downloads.to_str().unwrap()),
    ];
    let out = docs(&["pull", &spec.display().to_string()], &env);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("HTTP 404 Not Found"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("https://docs.example.com/backup/ShowBackupJob.html (as http://127.0.0.1:"),
        "{}",
        out.stdout
    );
}

/// A spec whose only source is the RST at `url` (`recorded_sha` recorded), with
/// `revision` and `path` as given: the keys a hostile spec would choose.
fn single_source_spec(dir: &Path, url: &str, revision: &str, path: &str) -> PathBuf {
    let clean = std::fs::read_to_string(fixtures().join("check/clean.yaml")).unwrap();
    let start = clean.find("  x-cloudjobs-sources:").unwrap();
    let end = clean.find("paths:").unwrap();
    let sources = format!(
        "  x-cloudjobs-sources:
    - url: {url}
      format: rst
      repository: demo-docs/backup-service
      branch: main
      path: {path}
      revision: {revision}
      sha256: {}
",
        sha256(b"recorded")
    );
    let text = format!("{}{sources}{}", &clean[..start], &clean[end..]);
    let spec = dir.join("backup-jobs.yaml");
    std::fs::write(&spec, text).unwrap();
    spec
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn pull_follows_redirects_only_within_the_host_it_asked() {
    let tmp = TempDir::new("redirects");
    let rst_url =
        format!("https://raw.githubusercontent.com/demo-docs/backup-service/main/{RST_PATH}");
    let asked = format!("/raw/demo-docs/backup-service/main/{RST_PATH}");
    // The other host (the metadata service, on a cloud VM) serves whatever it is asked.
    let other = Server::start(vec![("/latest/meta-data".into(), b"secret".to_vec())]);
    let host = Server::with_redirects(
        vec![(
            "/moved/page.rst".into(),
            std::fs::read(fixtures().join("check/document.rst")).unwrap(),
        )],
        vec![
            (asked.clone(), format!("{}/latest/meta-data", other.url())),
            ("/loop/a".into(), "/loop/b".into()),
            ("/loop/b".into(), "/loop/a".into()),
            ("/same/start".into(), "/moved/page.rst".into()),
        ],
    );
    let spec = single_source_spec(&tmp.0, &rst_url, "unknown", RST_PATH);
    let spec_arg = spec.display().to_string();
    let downloads = tmp.0.join("docs");
    let base = format!("{}/raw", host.url());
    let env = [
        ("CLOUDJOBS_DOCS_BASE_URL", base.as_str()),
        ("CLOUDJOBS_DOCS_DIR", downloads.to_str().unwrap()),
    ];

    // To another host: an error naming both URLs; the other host is never asked.
    let out = docs(&["pull", &spec_arg], &env);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!("{}{asked}", host.url()))
            && out
                .stdout
                .contains(&format!("{}/latest/meta-data", other.url()))
            && out.stdout.contains("redirected to another host"),
        "{}",
        out.stdout
    );
    assert!(other.log.lock().unwrap().is_empty(), "{:?}", other.log);
    assert!(!downloads.exists() || files_under(&downloads).is_empty());

    // A loop: bounded, and said so.
    let map = format!("{rst_url}={}/loop/a", host.url());
    let env_loop = [
        ("CLOUDJOBS_DOCS_URL_MAP", map.as_str()),
        ("CLOUDJOBS_DOCS_DIR", downloads.to_str().unwrap()),
    ];
    let out = docs(&["pull", &spec_arg], &env_loop);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("redirects in a row"), "{}", out.stdout);
    let loops = host
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|p| p.starts_with("/loop/"))
        .count();
    assert!(
        (2..=7).contains(&loops),
        "{loops} requests for a redirect loop"
    );

    // Within the same host: followed, and the document is read.
    let map = format!("{rst_url}={}/same/start", host.url());
    let env_same = [
        ("CLOUDJOBS_DOCS_URL_MAP", map.as_str()),
        ("CLOUDJOBS_DOCS_DIR", downloads.to_str().unwrap()),
    ];
    let out = docs(&["pull", &spec_arg], &env_same);
    assert!(
        !out.stdout.contains("redirected to another host")
            && !out.stdout.contains("redirects in a row")
            && out.stdout.contains("saved as"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    assert!(
        host.log
            .lock()
            .unwrap()
            .contains(&"/moved/page.rst".to_owned())
    );
}

#[test]
fn a_hostile_spec_cannot_make_pull_write_outside_its_folder_or_fetch_anything() {
    let tmp = TempDir::new("hostile-pull");
    let server = Server::start(vec![(
        "/raw/demo-docs/backup-service/main/x.rst".into(),
        b"Title\n=====\n".to_vec(),
    )]);
    let base = format!("{}/raw", server.url());
    let downloads = tmp.0.join("target/docs");
    let env = [
        ("CLOUDJOBS_DOCS_BASE_URL", base.as_str()),
        ("CLOUDJOBS_DOCS_DIR", downloads.to_str().unwrap()),
    ];
    let url = "https://raw.githubusercontent.com/demo-docs/backup-service/main/x.rst";
    let hostile = [
        // (revision, path, the key the error must name)
        (
            "x/../../../../doctools/readers/docmodel",
            "x.rst",
            "revision",
        ),
        (
            "0123456789abcdef0123456789abcdef0123456?",
            "x.rst",
            "revision",
        ),
        ("éééééééééé", "x.rst", "revision"),
        (
            "unknown",
            "../../../doctools/readers/docmodel/rst.py",
            "path",
        ),
        ("unknown", "/etc/passwd", "path"),
        ("unknown", "a/\u{1b}[2Jb.rst", "path"),
    ];
    for (revision, path, key) in hostile {
        let quoted = serde_json::to_string(path).unwrap();
        let spec = single_source_spec(&tmp.0, url, revision, &quoted);
        let out = docs(&["pull", &spec.display().to_string()], &env);
        assert_eq!(
            out.code, 2,
            "{revision} {path}: {}{}",
            out.stdout, out.stderr
        );
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains(key), "{revision} {path}: {all}");
        assert!(
            !all.contains('\u{1b}'),
            "raw escape reached the terminal: {all:?}"
        );
    }
    assert!(server.log.lock().unwrap().is_empty(), "{:?}", server.log);
    let written: Vec<String> = files_under(&tmp.0)
        .into_iter()
        .filter(|f| f != "backup-jobs.yaml")
        .collect();
    assert!(written.is_empty(), "{written:?}");
}
