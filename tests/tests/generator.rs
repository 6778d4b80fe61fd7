//! The generator's output, pinned with insta snapshots: every fixture in `fixtures/ok/`, and
//! the error for every broken spec in `fixtures/bad/`; the job registry over `specs/`.
//!
//! Review changed snapshots with `cargo insta review` (or `INSTA_UPDATE=always cargo test`
//! and read the diff).

use cloudjobs_codegen::project::{generate_dir, spec_files};
use cloudjobs_codegen::{EmitOptions, ErrorKind, generate_file, module_name};

use cloudjobs_tests::paths::project_root;

fn fixture_options() -> EmitOptions {
    EmitOptions {
        runtime_path: "cloudjobs::runtime".into(),
        generated_by: "the cloudjobs-tests build script".into(),
    }
}

// The specs in `specs/` need no snapshots of their own: their generated code is checked in
// under `generated/src/apis/` (reviewed in every PR, kept fresh by `checked_in_code_is_fresh`
// and `cargo xtask check`), so adding a spec is a spec file and `cargo xtask regen`, nothing
// else. Generator features are pinned by the fixtures below.

#[test]
fn every_job_spec_is_in_the_registry() {
    let files = generate_dir(
        &project_root().join("specs"),
        "specs",
        &EmitOptions::default(),
    )
    .unwrap();
    let registry = &files
        .iter()
        .find(|f| f.name == "registry.rs")
        .expect("a registry")
        .contents;
    for f in files.iter().filter(|f| f.source.is_some()) {
        let module = f.name.trim_end_matches(".rs");
        let has_jobs = f.contents.contains("pub static JOB_SERVICES");
        assert_eq!(
            registry.contains(&format!("super::{module}::JOB_SERVICES[0]")),
            has_jobs,
            "{module}"
        );
    }
}

#[test]
fn job_service_names_are_unique_over_specs() {
    let dir = tempfile::tempdir().unwrap();
    let spec = |title: &str, name: &str, alias: &str| {
        format!(
            r#"openapi: 3.0.3
info:
  title: {title}
  version: "1"
  x-cloudjobs-service: {{name: {name}, aliases: [{alias}]}}
paths:
  /v1/{{project_id}}/jobs/{{job_id}}:
    get:
      operationId: ShowJob
      parameters:
        - {{name: project_id, in: path, required: true, schema: {{type: string}}}}
        - {{name: job_id, in: path, required: true, schema: {{type: string}}}}
      x-cloudjobs-job: {{status: /status, running: [RUNNING], succeeded: [OK], failed: [FAIL]}}
      responses:
        "200":
          description: The job.
          content:
            application/json:
              schema: {{type: object, properties: {{status: {{type: string}}}}}}
"#
        )
    };
    std::fs::write(dir.path().join("a-jobs.yaml"), spec("A", "alpha", "shared")).unwrap();
    std::fs::write(dir.path().join("b-jobs.yaml"), spec("B", "beta", "shared")).unwrap();
    std::fs::write(dir.path().join("c-jobs.yaml"), spec("C", "alpha", "gamma")).unwrap();
    let errors = generate_dir(dir.path(), "specs", &EmitOptions::default()).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(messages.join("\n"));
    std::fs::remove_file(dir.path().join("c-jobs.yaml")).unwrap();
    std::fs::write(dir.path().join("b-jobs.yaml"), spec("B", "beta", "delta")).unwrap();
    let files = generate_dir(dir.path(), "specs", &EmitOptions::default()).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a_jobs.rs", "b_jobs.rs", "registry.rs", "mod.rs"]);
}

#[test]
fn fixtures_generate_as_snapshotted() {
    let dir = project_root().join("tests/fixtures/ok");
    for path in spec_files(&dir).unwrap() {
        let label = format!(
            "tests/fixtures/ok/{}",
            path.file_name().unwrap().to_str().unwrap()
        );
        let module = module_name(&path);
        let generated = generate_file(&path, &label, &module, &fixture_options()).unwrap();
        insta::assert_snapshot!(format!("fixture__{module}"), generated.code);
        let warnings: Vec<String> = generated
            .warnings()
            .iter()
            .map(ToString::to_string)
            .collect();
        insta::assert_snapshot!(format!("fixture_warnings__{module}"), warnings.join("\n"));
    }
}

#[test]
fn generation_is_deterministic() {
    let once = generate_dir(
        &project_root().join("specs"),
        "specs",
        &EmitOptions::default(),
    )
    .unwrap();
    let twice = generate_dir(
        &project_root().join("specs"),
        "specs",
        &EmitOptions::default(),
    )
    .unwrap();
    let contents = |files: &[cloudjobs_codegen::project::OutputFile]| {
        files
            .iter()
            .map(|f| (f.name.clone(), f.contents.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(contents(&once), contents(&twice));
}

#[test]
fn checked_in_code_is_fresh() {
    // The same check as `cargo xtask check`, so a plain `cargo test` catches a stale
    // `generated/` too.
    let files = generate_dir(
        &project_root().join("specs"),
        "specs",
        &EmitOptions::default(),
    )
    .unwrap();
    for f in files {
        let path = project_root().join("generated/src/apis").join(&f.name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == f.contents,
            "{} is stale: run `cargo xtask regen`",
            path.display()
        );
    }
}

#[test]
fn broken_specs_are_refused_with_file_and_pointer() {
    let dir = project_root().join("tests/fixtures/bad");
    let expected = [
        ("dangling_ref.yaml", ErrorKind::DanglingRef),
        ("external_ref.yaml", ErrorKind::Unsupported),
        ("invalid_node.yaml", ErrorKind::Invalid),
        ("not_yaml.yaml", ErrorKind::Syntax),
        ("oas31.yaml", ErrorKind::Version),
        ("recursive.yaml", ErrorKind::Recursive),
        ("swagger2.yaml", ErrorKind::Version),
    ];
    let files = spec_files(&dir).unwrap();
    assert_eq!(
        files.len(),
        expected.len(),
        "every bad fixture has an expected kind"
    );
    for (path, (name, kind)) in files.iter().zip(expected) {
        assert_eq!(path.file_name().unwrap(), name);
        let label = format!("tests/fixtures/bad/{name}");
        let error = generate_file(path, &label, "bad", &EmitOptions::default()).unwrap_err();
        assert_eq!(error.kind, kind, "{error}");
        assert!(
            error.to_string().starts_with(&format!("{label}: #")),
            "{error}"
        );
        insta::assert_snapshot!(
            format!("error__{}", name.trim_end_matches(".yaml")),
            error.to_string()
        );
    }
}

#[test]
fn a_failed_generation_reports_every_broken_spec() {
    let errors = generate_dir(
        &project_root().join("tests/fixtures/bad"),
        "bad",
        &EmitOptions::default(),
    )
    .unwrap_err();
    assert_eq!(errors.len(), 7);
}

#[test]
fn spec_file_names_with_line_breaks_are_refused() {
    let spec =
        std::fs::read_to_string(project_root().join("tests/fixtures/ok/enums.yaml")).unwrap();
    for name in [
        "a\nb.yaml",
        "a\rb.yml",
        "jobs\n#![x] fn x().json",
        "-jobs.yaml",
        "jobs `x`.yaml",
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ok-jobs.yaml"), &spec).unwrap();
        std::fs::write(dir.path().join(name), &spec).unwrap();
        let error = spec_files(dir.path()).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Invalid, "{name:?}: {error}");
        let message = error.to_string();
        assert!(message.contains(&format!("{name:?}")), "{message}");
        assert!(!message.contains(['\n', '\r']), "{message:?}");
        assert!(message.contains("rename the file"), "{message}");
        let errors = generate_dir(dir.path(), "specs", &EmitOptions::default()).unwrap_err();
        assert_eq!(errors, [error], "{name:?}");
    }
    // Every spec and fixture has a safe name; other files are not specs.
    for dir in ["specs", "tests/fixtures/ok", "tests/fixtures/bad"] {
        assert!(
            !spec_files(&project_root().join(dir)).unwrap().is_empty(),
            "{dir}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes\n.txt"), "").unwrap();
    std::fs::write(dir.path().join("NEG-oas31_x.v2.json"), "{}").unwrap();
    assert_eq!(spec_files(dir.path()).unwrap().len(), 1);
}

#[test]
fn extension_errors_name_the_file_and_pointer() {
    let dir = project_root().join("tests/fixtures/bad-extensions");
    let job = "#/paths/~1v1~1jobs~1{job_id}/get/x-cloudjobs-job";
    let sources = "#/info/x-cloudjobs-sources/0";
    let expected: [(&str, Vec<String>); 4] = [
        (
            "bad-job-pointer.yaml",
            vec![format!(
                "{job}/status: pointer `/state`: no property `state` (there are: status)"
            )],
        ),
        (
            "bad-job-service.yaml",
            vec![
                format!("{sources}: missing required key `sha256`"),
                format!("{sources}/revision: `596c5fd` is not a full 40-digit commit id"),
                format!("{sources}: an `unknown` revision or sha256 needs a `note`"),
                format!("{sources}/accepted/0: needs `at`"),
                "#/paths/~1v1~1jobs/get/x-cloudjobs-job/job_id_param: the operation has no parameter `task_id`".to_owned(),
            ],
        ),
        (
            "bad-job-states.yaml",
            vec![format!("{job}: not a valid `x-cloudjobs-job`: missing field `failed`")],
        ),
        (
            "bad-service-name.yaml",
            vec!["#/info/x-cloudjobs-service/name: `Jobs` is not".to_owned()],
        ),
    ];
    let files = spec_files(&dir).unwrap();
    assert_eq!(files.len(), expected.len(), "every fixture has its errors");
    for (path, (name, lines)) in files.iter().zip(expected) {
        assert_eq!(path.file_name().unwrap(), name);
        let label = format!("tests/fixtures/bad-extensions/{name}");
        let errors = cloudjobs_codegen::validate_file(path, &label).unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), lines.len(), "{text:#?}");
        for (got, want) in text.iter().zip(&lines) {
            assert!(
                got.starts_with(&format!("{label}: {want}")),
                "{got}\n  wanted {want}"
            );
        }
    }
}
