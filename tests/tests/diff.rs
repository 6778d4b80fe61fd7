//! `cargo xtask diff`: the semantic spec diff (`cloudjobs_codegen::diff`) and the git side
//! (`xtask::git_diff`).
//!
//! - every fixture pair in `fixtures/diff/<case>/{old,new}.yaml`, reported in the three
//!   formats and pinned with insta snapshots, plus the classification each case must give;
//! - reformatting a spec (key order, YAML style, JSON instead of YAML, comments) reports
//!   nothing, documentation changes report "documentation only";
//! - a real git history in a temporary repository: default revisions (merge base with
//!   `main`, work tree), explicit ones, specs added and removed, exit codes, bad input.
//!
//! Review changed snapshots with `cargo insta review` (or `INSTA_UPDATE=always cargo test`
//! and read the diff).

use std::path::PathBuf;
use std::process::Command;

use cloudjobs_codegen::diff::{
    Change, ChangeKind, Class, Format, Report, RustAction, Spec, SpecDiff, SpecStatus, diff_spec,
};
use serde_json::Value;
use xtask::git_diff as xtask_diff;

use cloudjobs_tests::paths::project_root;

fn fixture(case: &str, side: &str) -> Spec {
    let label = format!("tests/fixtures/diff/{case}/{side}.yaml");
    let text = std::fs::read_to_string(project_root().join(&label)).unwrap();
    Spec::from_text("specs/jobs.yaml", &label, "jobs", &text).unwrap_or_else(|e| panic!("{e}"))
}

fn case_diff(case: &str) -> SpecDiff {
    diff_spec(
        "specs/jobs.yaml",
        Some(&fixture(case, "old")),
        Some(&fixture(case, "new")),
    )
}

fn report(specs: Vec<SpecDiff>) -> Report {
    Report {
        base: "old.yaml".into(),
        head: "new.yaml".into(),
        specs,
    }
}

fn cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(project_root().join("tests/fixtures/diff"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    cases.sort();
    cases
}

#[test]
fn fixtures_report_as_snapshotted() {
    let cases = cases();
    assert!(cases.len() >= 15, "{cases:?}");
    for case in cases {
        let r = report(vec![case_diff(&case)]);
        insta::assert_snapshot!(format!("{case}__text"), r.render(Format::Text));
        insta::assert_snapshot!(format!("{case}__markdown"), r.render(Format::Markdown));
        let json = r.render(Format::Json);
        let parsed: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(parsed["breaking"], Value::Bool(r.breaking()), "{case}");
        insta::assert_snapshot!(format!("{case}__json"), json);
    }
}

/// A change a fixture must report: its kind, a piece of its place (``response 200 `owner` ``)
/// and its class, as `expected.txt` names them (their JSON names).
type Expected = (String, String, String);

/// What a fixture must report, beyond its snapshot (its `expected.txt`): whether the whole
/// is breaking, and the changes with their classification.
fn expectations(case: &str) -> (bool, Vec<Expected>) {
    let file = format!("tests/fixtures/diff/{case}/expected.txt");
    let text = std::fs::read_to_string(project_root().join(&file))
        .unwrap_or_else(|e| panic!("{file}: {e} (every fixture says what it must report)"));
    let mut breaking = None;
    let mut expected = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(b) = line.strip_prefix("breaking:") {
            breaking = Some(b.trim() == "yes");
            continue;
        }
        let parts: Vec<&str> = line.split(" | ").map(str::trim).collect();
        let [kind, place, class] = parts[..] else {
            panic!("{file}: `{line}` is not `kind | place | class`");
        };
        expected.push((kind.to_owned(), place.to_owned(), class.to_owned()));
    }
    let breaking = breaking.unwrap_or_else(|| panic!("{file}: no `breaking: yes|no` line"));
    (breaking, expected)
}

/// The JSON name of a kind or class (`parameter_removed`, `breaking_rust`).
fn json_name(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn fixtures_are_classified_as_expected() {
    for case in cases() {
        let (breaking, expected) = expectations(&case);
        let d = case_diff(&case);
        let mut left: Vec<&Change> = d.changes().collect();
        for (kind, place, class) in &expected {
            let found = left
                .iter()
                .position(|c| {
                    json_name(c.kind) == *kind
                        && c.place().contains(place.as_str())
                        && json_name(c.class) == *class
                })
                .unwrap_or_else(|| {
                    panic!(
                        "{case}: no {kind} at {place:?} classified {class} in\n{}",
                        report(vec![d.clone()]).render(Format::Text)
                    )
                });
            let c = left.remove(found);
            assert!(!c.reason.is_empty(), "{case}: {c:?} has no reason");
            assert_eq!(c.breaking_rust, class.starts_with("breaking_rust"));
            assert_eq!(c.breaking_wire, class.ends_with("wire"));
        }
        assert!(left.is_empty(), "{case}: unexpected changes {left:#?}");
        assert_eq!(d.breaking(), breaking, "{case}");
    }
}

#[test]
fn status_ranges_written_in_lower_case_are_compared() {
    let text = r#"
openapi: 3.0.3
info: {title: Jobs, version: "1"}
paths:
  /jobs:
    get:
      responses:
        "200": {description: OK}
        "4xx":
          description: Failed.
          content:
            application/json:
              schema:
                type: object
                properties: {code: {type: string}, message: {type: string}}
"#;
    let spec = |text: &str| Spec::from_text("specs/jobs.yaml", "jobs.yaml", "jobs", text).unwrap();
    let new = text.replace(", message: {type: string}", "");
    let d = diff_spec("specs/jobs.yaml", Some(&spec(text)), Some(&spec(&new)));
    assert!(
        d.changes()
            .any(|c| c.kind == ChangeKind::FieldRemoved && c.place() == "response 4XX `message`"),
        "{}",
        report(vec![d.clone()]).render(Format::Text)
    );
}

#[test]
fn renames_are_rust_renames_not_removals() {
    let renamed = case_diff("renamed_component");
    assert!(
        renamed.operations.is_empty(),
        "$refs are resolved: no operation changes"
    );
    let [rename] = renamed.rust.as_slice() else {
        panic!("{:#?}", renamed.rust)
    };
    assert_eq!(rename.action, RustAction::Renamed);
    assert_eq!(
        (rename.old.as_deref(), rename.new.as_deref()),
        (Some("JobRef"), Some("JobReference"))
    );
    assert!(rename.breaking);

    // An inline schema moved behind a `$ref`, and an object split into an `allOf`: the
    // same wire format, so no spec change; the Rust type of the moved schema is renamed.
    let moved = case_diff("moved_behind_ref");
    assert_eq!(moved.changes().count(), 0, "{:#?}", moved.operations);
    let actions: Vec<(RustAction, &str)> = moved
        .rust
        .iter()
        .map(|r| (r.action, r.name.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (RustAction::Added, "ErrorCode"),
            (RustAction::Renamed, "ImageResult")
        ]
    );
}

#[test]
fn renamed_arguments_break_no_call() {
    // Client methods take required parameters positionally: a renamed path parameter (or an
    // operation moved to another path) changes no call.
    let d = case_diff("paths");
    let [method] = d.rust.as_slice() else {
        panic!("{:#?}", d.rust)
    };
    assert_eq!(method.action, RustAction::Changed);
    assert_eq!(method.name, "Client::show_job");
    assert!(!method.breaking, "{method:?}");
    assert!(d.changes().all(|c| !c.breaking_rust));
}

#[test]
fn formatting_key_order_and_comments_change_nothing() {
    let d = case_diff("reformatted");
    assert_eq!(d.status, SpecStatus::Unchanged);
    assert_eq!(d.changes().count(), 0);
    assert!(d.rust.is_empty(), "{:#?}", d.rust);

    let docs = case_diff("documentation_only");
    assert_eq!(docs.status, SpecStatus::DocumentationOnly);
    assert_eq!(docs.changes().count(), 0);
    assert!(docs.rust.is_empty(), "{:#?}", docs.rust);
}

/// The same JSON tree with every object's keys in reverse order.
fn reversed(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.reverse();
            Value::Object(entries.into_iter().map(|(k, v)| (k, reversed(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(reversed).collect()),
        other => other,
    }
}

#[test]
fn every_real_spec_rewritten_as_json_with_reversed_keys_is_unchanged() {
    let dir = project_root().join("specs");
    let files = cloudjobs_codegen::project::spec_files(&dir).unwrap();
    assert!(files.len() >= 5);
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let file = format!("specs/{name}");
        let module = cloudjobs_codegen::module_name(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let yaml = Spec::from_text(&file, &file, &module, &text).unwrap();
        let json = serde_json::to_string(&reversed(yaml.doc.raw.clone())).unwrap();
        let as_json = Spec::from_text(&file, &format!("{file} (as JSON)"), &module, &json).unwrap();
        let d = diff_spec(&file, Some(&yaml), Some(&as_json));
        assert_eq!(d.status, SpecStatus::Unchanged, "{file}: {:#?}", d);
        let d = diff_spec(&file, Some(&yaml), Some(&yaml));
        assert_eq!(d.status, SpecStatus::Unchanged, "{file}");
    }
}

#[test]
fn added_and_removed_specs_are_reported() {
    let spec = fixture("parameters", "old");
    let added = diff_spec("specs/jobs.yaml", None, Some(&spec));
    assert_eq!(added.status, SpecStatus::Added);
    assert!(!added.breaking());
    assert_eq!(added.operations.len(), 2);
    assert!(
        added
            .changes()
            .all(|c| c.kind == ChangeKind::OperationAdded && c.class == Class::Compatible)
    );
    let removed = diff_spec("specs/jobs.yaml", Some(&spec), None);
    assert_eq!(removed.status, SpecStatus::Removed);
    assert!(removed.breaking());
    assert_eq!(removed.rust.len(), 1, "one line: the module is gone");
    let text = report(vec![added, removed]).render(Format::Text);
    assert!(
        text.contains("specs/jobs.yaml (added, module `jobs`)"),
        "{text}"
    );
    assert!(
        text.contains("specs/jobs.yaml (removed, module `jobs`)"),
        "{text}"
    );
    assert!(text.contains("removed module `jobs`"), "{text}");
}

/// A temporary git repository, removed when dropped. Git runs with no global or system
/// configuration, and the identity is set in the repository itself.
struct Repo {
    dir: PathBuf,
}

impl Repo {
    fn new(name: &str, branch: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "cloudjobs-diff-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(dir.join("specs")).unwrap();
        let repo = Self { dir };
        repo.git(&["init", "-q", "-b", branch]);
        repo.git(&["config", "user.name", "cloudjobs tests"]);
        repo.git(&["config", "user.email", "tests@cloudjobs.invalid"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(&self.dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.dir.join(file), text).unwrap();
    }

    fn write_fixture(&self, file: &str, case: &str, side: &str) {
        let text = std::fs::read_to_string(
            project_root().join(format!("tests/fixtures/diff/{case}/{side}.yaml")),
        )
        .unwrap();
        self.write(file, &text);
    }

    fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A", "."]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim().to_owned()
    }

    fn run(&self, args: &[&str]) -> xtask_diff::Outcome {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        xtask_diff::run_captured(&self.dir, &args)
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A repository whose `main` has two specs and whose branch `feature` changes one, removes
/// one and adds one: the repository and the two commits.
fn history_repo(name: &str) -> (Repo, String, String) {
    let repo = Repo::new(name, "main");
    repo.write_fixture("specs/jobs.yaml", "parameters", "old");
    repo.write_fixture("specs/gone.yaml", "defaults", "old");
    repo.write("specs/README.md", "not a spec\n");
    let first = repo.commit("first");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write_fixture("specs/jobs.yaml", "parameters", "new");
    std::fs::remove_file(repo.dir.join("specs/gone.yaml")).unwrap();
    repo.write_fixture("specs/extra.yaml", "enum_openness", "old");
    let second = repo.commit("second");

    (repo, first, second)
}

/// Defaults: the merge base with `main` (the first commit), and the work tree.
#[test]
fn git_history_is_compared_between_revisions() {
    let (repo, first, _) = history_repo("history");
    // Defaults: the merge base with `main` (the first commit), and the work tree.
    let report = xtask_diff::report(&repo.dir, None, None).unwrap();
    assert!(report.base.starts_with(&first[..10]), "{}", report.base);
    assert!(
        report.base.contains("merge base of main and HEAD"),
        "{}",
        report.base
    );
    assert_eq!(report.head, "the work tree");
    let statuses: Vec<(&str, SpecStatus)> = report
        .specs
        .iter()
        .map(|s| (s.file.as_str(), s.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("specs/extra.yaml", SpecStatus::Added),
            ("specs/gone.yaml", SpecStatus::Removed),
            ("specs/jobs.yaml", SpecStatus::Changed),
        ]
    );
    let jobs = &report.specs[2];
    assert_eq!(jobs.module, "jobs");
    assert_eq!(jobs.changes().count(), 4);
    let out = repo.run(&[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("parameter `region_scope` in query: added (required, string)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("specs/gone.yaml (removed, module `gone`)"),
        "{}",
        out.stdout
    );
}

/// Explicit revisions, in both directions, as JSON and Markdown.
#[test]
fn explicit_revisions_are_compared_both_ways() {
    let (repo, first, second) = history_repo("explicit");
    // Explicit revisions, JSON.
    let out = repo.run(&["main", "feature", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["breaking"], Value::Bool(true));
    assert_eq!(
        json["base"],
        Value::String(format!("main ({})", &first[..10]))
    );
    assert_eq!(
        json["head"],
        Value::String(format!("feature ({})", &second[..10]))
    );
    assert_eq!(json["specs"].as_array().map(Vec::len), Some(3));

    // The reverse direction: the added spec is removed, a new required parameter is gone.
    let out = repo.run(&["feature", "main", "--format=markdown"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("## Spec changes: feature ("),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("### `specs/extra.yaml` (removed, module `extra`)"),
        "{}",
        out.stdout
    );
}

/// HEAD against the work tree: nothing changed, then a compatible edit.
#[test]
fn head_is_compared_with_the_work_tree() {
    let (repo, _, _) = history_repo("head");
    // HEAD against the work tree: nothing changed, then a compatible edit.
    let out = repo.run(&["HEAD"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("Unchanged: specs/extra.yaml, specs/jobs.yaml"),
        "{}",
        out.stdout
    );
    repo.write_fixture("specs/extra.yaml", "enum_openness", "new");
    let out = repo.run(&["HEAD"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("enum → x-extensible-enum (open list)"),
        "{}",
        out.stdout
    );
    let out = repo.run(&["HEAD", "--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["breaking"], Value::Bool(false));
    assert_eq!(json["head"], Value::String("the work tree".into()));
}

#[test]
fn bad_input_exits_2_naming_the_problem() {
    let repo = Repo::new("bad", "main");
    repo.write_fixture("specs/jobs.yaml", "parameters", "old");
    repo.commit("first");

    let out = repo.run(&["no-such-revision"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown revision `no-such-revision`"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());

    let out = repo.run(&["main", "--format", "yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown format `yaml`"),
        "{}",
        out.stderr
    );

    // A spec that does not load: named with its file and pointer, in the work tree and at a
    // revision.
    let broken = std::fs::read_to_string(repo.dir.join("specs/jobs.yaml"))
        .unwrap()
        .replacen(
            "      responses:\n",
            "      responses: 7\n      x-was-responses:\n",
            1,
        );
    repo.write("specs/jobs.yaml", &broken);
    let out = repo.run(&[]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("specs/jobs.yaml: #/paths/~1v1~1{project_id}~1jobs/post/responses: not a valid OpenAPI 3.0 node"),
        "{}",
        out.stderr
    );
    repo.commit("broken");
    let out = repo.run(&["HEAD", "main~1"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("HEAD:specs/jobs.yaml: #/paths/"),
        "{}",
        out.stderr
    );

    // Not YAML at all.
    repo.write("specs/jobs.yaml", "openapi: [\n");
    let out = repo.run(&["main"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("specs/jobs.yaml: #: invalid YAML"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_repository_without_main_asks_for_a_base() {
    let repo = Repo::new("trunk", "trunk");
    repo.write_fixture("specs/jobs.yaml", "parameters", "old");
    repo.commit("first");
    let out = repo.run(&[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no branch `main`"), "{}", out.stderr);
    assert!(
        out.stderr.contains("cargo xtask diff HEAD~1"),
        "{}",
        out.stderr
    );
    // Naming the base works.
    let out = repo.run(&["trunk"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn outside_a_git_repository_is_an_error() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "cloudjobs-diff-nogit-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let out = xtask_diff::run_captured(&dir, &[]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not inside a git repository"),
        "{}",
        out.stderr
    );
}

#[test]
fn any_two_specs_compare_without_failing() {
    // Every real spec and generator fixture against every other: nothing panics, every
    // report renders, the JSON parses, and a spec against itself is unchanged.
    let mut specs = Vec::new();
    for dir in ["specs", "tests/fixtures/ok"] {
        for path in cloudjobs_codegen::project::spec_files(&project_root().join(dir)).unwrap() {
            let label = format!("{dir}/{}", path.file_name().unwrap().to_str().unwrap());
            let text = std::fs::read_to_string(&path).unwrap();
            let module = cloudjobs_codegen::module_name(&path);
            specs.push(Spec::from_text(&label, &label, &module, &text).unwrap());
        }
    }
    specs.push(fixture("parameters", "old"));
    specs.push(fixture("unused_schemas", "new"));
    for a in &specs {
        for b in &specs {
            let d = diff_spec("specs/x.yaml", Some(a), Some(b));
            if std::ptr::eq(a, b) {
                assert_eq!(d.status, SpecStatus::Unchanged, "{}", a.doc.file);
            }
            let r = report(vec![d]);
            for format in [Format::Text, Format::Markdown] {
                assert!(!r.render(format).is_empty());
            }
            let json: Value = serde_json::from_str(&r.render(Format::Json)).unwrap();
            assert_eq!(json["breaking"], Value::Bool(r.breaking()));
        }
    }
}

#[test]
fn server_variables_opened_or_closed() {
    let spec = |region: &str| {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nservers:\n  - url: https://x.{{region}}.example\n    variables:\n      region: {{default: eu-de{region}}}\npaths: {{}}\n"
        );
        Spec::from_text("specs/t.yaml", "specs/t.yaml", "t", &text).unwrap()
    };
    let (closed, open) = (spec(", enum: [eu-de, eu-nl]"), spec(""));
    let opened = diff_spec("specs/t.yaml", Some(&closed), Some(&open));
    let [c] = opened.api.as_slice() else {
        panic!("{:#?}", opened.api)
    };
    assert_eq!(
        (c.kind, c.class),
        (ChangeKind::ServerVariableChanged, Class::Compatible)
    );
    let closing = diff_spec("specs/t.yaml", Some(&open), Some(&closed));
    let [c] = closing.api.as_slice() else {
        panic!("{:#?}", closing.api)
    };
    assert_eq!(
        (c.kind, c.class),
        (ChangeKind::ServerVariableChanged, Class::BreakingWire)
    );
    assert!(c.description.contains("limited to eu-de, eu-nl"), "{c:?}");
}
