//! `cargo xtask docs draft`, run as this crate's binary `cloudjobs-docs draft` on the small
//! made-up pages of `fixtures/draft/` (each feature once): a job page with state values and
//! sub-jobs, a page with query and header parameters and a request body, a page whose
//! example contradicts its table, a page whose sub-tasks are shaped like the task and whose
//! status values are not listed, and a page naming no call (exit 2). The drafts are pinned
//! with insta snapshots, loaded with the generator, and checked with `docs check --doc` against
//! their own page (drift-free).
//!
//! The pages are read by `doctools/readers/docmodel.py` with the pinned Python venv
//! (`target/tools/venv`, or `CLOUDJOBS_PYTHON`); `CLOUDJOBS_SKIP_DOCS=1` skips these tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PYTHON_ENV: &str = "CLOUDJOBS_PYTHON";
const SKIP_ENV: &str = "CLOUDJOBS_SKIP_DOCS";

fn project_root() -> PathBuf {
    cloudjobs_codegen::project::root::project_root().expect("the project root")
}

fn page(name: &str) -> PathBuf {
    project_root()
        .join("doctools/tests/fixtures/draft")
        .join(name)
}

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    if std::env::var(SKIP_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true")) {
        eprintln!("SKIPPED: docs draft tests ({SKIP_ENV} is set)");
        return None;
    }
    let venv = project_root().join("target/tools/venv/bin/python");
    assert!(
        venv.exists(),
        "the draft tests need the pinned Python tools: run `cargo xtask test` once, or set {PYTHON_ENV}, or {SKIP_ENV}=1"
    );
    Some(venv)
}

fn docs(python: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloudjobs-docs"))
        .args(args)
        .current_dir(project_root())
        .env(PYTHON_ENV, python)
        .env_remove("CLOUDJOBS_DOCS_BASE_URL")
        .env_remove("CLOUDJOBS_DOCS_URL_MAP")
        .output()
        .expect("run cloudjobs-docs")
}

/// Drafts a page into a temporary file, checks it loads and lowers with the generator and
/// is drift-free against its page, and returns the draft's text and the summary.
fn draft(name: &str, extra: &[&str]) -> Option<(String, String)> {
    let python = python()?;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("draft-jobs.yaml");
    let source = page(name);
    let mut args = vec![
        "draft",
        source.to_str().unwrap(),
        "--date",
        "2031-01-01",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let run = docs(&python, &args);
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let text = std::fs::read_to_string(&out).unwrap();
    // The generator loads it, its extensions pass, it lowers and generates.
    cloudjobs_codegen::validate_file(&out, "draft-jobs.yaml")
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    cloudjobs_codegen::generate_file(&out, "draft-jobs.yaml", "draft_jobs", &Default::default())
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    // `docs check` on the draft against its own page: no drift.
    let check = docs(
        &python,
        &[
            "check",
            out.to_str().unwrap(),
            "--doc",
            source.to_str().unwrap(),
        ],
    );
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    // Refuses to overwrite without --force, overwrites with it.
    let again = docs(&python, &args);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let mut forced = args.clone();
    forced.push("--force");
    assert_eq!(docs(&python, &forced).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        text,
        "deterministic"
    );
    // The summary names the draft's lines; make it independent of the temporary folder.
    let summary = stderr.replace(out.to_str().unwrap(), "DRAFT");
    let summary = summary.replace(source.to_str().unwrap(), "PAGE");
    Some((text, summary))
}

#[test]
fn a_job_page_gets_a_job_proposal_with_sub_jobs() {
    let Some((text, summary)) = draft("job_page.rst", &["--service", "kiln"]) else {
        return;
    };
    assert!(text.contains("x-cloudjobs-job:"));
    assert!(text.contains("pending: [QUEUED]"));
    assert!(text.contains("items: /entities/sub_jobs"));
    assert!(summary.contains("placeholder server"), "{summary}");
    insta::assert_snapshot!("job_page", text);
    insta::assert_snapshot!("job_page_summary", summary);
}

#[test]
fn parameters_and_a_request_body() {
    let Some((text, _)) = draft(
        "request_page.rst",
        &[
            "--service",
            "ecs",
            "--url",
            "https://raw.githubusercontent.com/opentelekomcloud-docs/elastic-cloud-server/0123456789abcdef0123456789abcdef01234567/api-ref/source/made_up.rst",
        ],
    ) else {
        return;
    };
    assert!(text.contains("in: query"));
    assert!(text.contains("revision: \"0123456789abcdef0123456789abcdef01234567\""));
    assert!(text.contains("https://ecs.{region}.otc.t-systems.com"));
    assert!(!text.contains("x-cloudjobs-job:"));
    insta::assert_snapshot!("request_page", text);
}

#[test]
fn examples_contradicting_the_table_are_accepted_and_marked() {
    let Some((text, _)) = draft("quirks_page.rst", &["--service", "ims"]) else {
        return;
    };
    assert!(text.contains("job_id_param: task_id"));
    assert!(text.contains("nullable: true"));
    assert!(text.contains("oneOf:"));
    insta::assert_snapshot!("quirks_page", text);
}

#[test]
fn an_unreadable_page_is_exit_2() {
    let Some(python) = python() else {
        return;
    };
    let p = page("unreadable_page.rst");
    let run = docs(&python, &["draft", p.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(run.stdout.is_empty());
    assert!(String::from_utf8_lossy(&run.stderr).contains("no method and path"));
    let missing = docs(&python, &["draft", "no/such/page.rst"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn without_output_the_draft_goes_to_stdout() {
    let Some(python) = python() else {
        return;
    };
    let p = page("job_page.rst");
    let run = docs(
        &python,
        &[
            "draft",
            p.to_str().unwrap(),
            "--service",
            "evs",
            "--date",
            "2031-01-01",
        ],
    );
    assert_eq!(run.status.code(), Some(0));
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(text.starts_with("# Drafted by"));
    cloudjobs_codegen::load::load_str(&text, "stdout.yaml").unwrap();
    assert!(String::from_utf8_lossy(&run.stderr).contains("line(s) to review"));
}

#[test]
fn sub_tasks_shaped_like_the_task_and_unlisted_states() {
    let Some((text, summary)) = draft("nested_page.rst", &["--service", "greenhouse"]) else {
        return;
    };
    // The beds have the task's own schema, and are its sub-tasks.
    assert!(text.contains("items: /beds"), "{text}");
    assert!(text.contains("structure of the whole body"), "{text}");
    // The page lists no status values: the usual ones, marked as assumed.
    assert!(text.contains("running: [RUNNING]"), "{text}");
    assert!(summary.contains("assumed"), "{summary}");
    // The error body under 200 and the key with stray spaces are said, not made fields.
    assert!(text.contains("share no field with the table"), "{text}");
    assert!(text.contains("stray spaces"), "{text}");
    assert!(!text.contains("\" task_type\":\n"), "{text}");
    insta::assert_snapshot!("nested_page", text);
}
