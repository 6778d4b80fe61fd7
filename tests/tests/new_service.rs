//! Adding a job API is a spec file and `cargo xtask regen`, nothing else.
//!
//! The test copies the project into a temporary folder, adds one job spec there (a made-up
//! "widget operations" API whose job is nested under a resource, with its id in a path
//! segment of its own name and the state in a nested object), runs `cargo xtask regen` in
//! the copy, builds the copy's `cloudjobs` binary, and waits for a job of the new service
//! against the simulated job server started from the copy's specs. No file outside
//! `specs/` is edited by hand.
//!
//! The copy builds into `target/new-service/` (its own target folder, so the binary under
//! `target/debug/` that the other tests run is not replaced); later runs reuse it.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use cloudjobs_tests::jobsim::{self, JobSim, Phase, Script, Step};
use cloudjobs_tests::{binaries, paths};

/// The new spec, as a maintainer would write it.
const NEW_SPEC: &str = r#"openapi: 3.0.3
info:
  title: Widget Service - Querying an Operation
  version: "2026-11-28"
  description: A made-up job API for the test that adds a service.
  x-cloudjobs-service:
    name: widgets
    aliases: [widget-service]
servers:
  - url: https://widgets.{region}.example.com
    variables:
      region: {default: eu-de}
security:
  - token: []
paths:
  /v2/{project_id}/widgets/{widget_id}/operations/{operation_id}:
    get:
      operationId: ShowWidgetOperation
      summary: Query a widget operation
      parameters:
        - {name: project_id, in: path, required: true, schema: {type: string}}
        - {name: widget_id, in: path, required: true, description: The widget the operation works on., schema: {type: string}}
        - {name: operation_id, in: path, required: true, schema: {type: string}}
        - {name: X-Auth-Token, in: header, required: true, schema: {type: string}}
      x-cloudjobs-job:
        status: /operation/state
        job_id_param: operation_id
        pending: [queued]
        running: [working]
        succeeded: [done]
        failed: [broken]
        id: /operation/id
        progress: /operation/percent
        error_reason: /operation/reason
        resources: [/operation/widget_id]
      responses:
        "200":
          description: The operation.
          content:
            application/json:
              schema:
                type: object
                properties:
                  operation:
                    type: object
                    properties:
                      id: {type: string}
                      state: {type: string, x-extensible-enum: [queued, working, done, broken]}
                      percent: {type: integer}
                      reason: {type: string, nullable: true}
                      widget_id: {type: string}
              example:
                operation:
                  id: op-0
                  state: working
                  percent: 10
                  reason: null
                  widget_id: w-7
        "404":
          description: No such operation.
          content:
            application/json:
              schema:
                type: object
                properties:
                  error_code: {type: string}
                  error_msg: {type: string}
              example: {error_code: WID.404, error_msg: no such operation}
components:
  securitySchemes:
    token: {type: apiKey, in: header, name: X-Auth-Token}
"#;

/// Runs cargo in the copy with its own target folder.
fn cargo(copy: &Path, args: &[&str]) -> Output {
    let mut command = binaries::cargo();
    let output = command
        .args(args)
        .current_dir(copy)
        .env(
            "CARGO_TARGET_DIR",
            paths::project_root().join("target/new-service"),
        )
        .stdin(Stdio::null())
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo {args:?} failed in the copy:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn a_new_job_spec_is_a_new_service_after_regen() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let copy = dir.path().join("cloudjobs");
    paths::copy_project(&paths::project_root(), &copy);
    std::fs::write(copy.join("specs/widget-jobs.yaml"), NEW_SPEC).expect("write the spec");

    // The maintainer's one command, then the binary.
    let regen = cargo(&copy, &["xtask", "regen"]);
    let said = String::from_utf8_lossy(&regen.stdout);
    assert!(said.contains("specs/widget-jobs.yaml"), "{said}");
    let registry = std::fs::read_to_string(copy.join("generated/src/apis/registry.rs")).unwrap();
    assert!(
        registry.contains("super::widget_jobs::JOB_SERVICES[0]"),
        "{registry}"
    );
    cargo(
        &copy,
        &["build", "-p", "cloudjobs-cli", "--bin", "cloudjobs"],
    );
    let binary = paths::project_root().join("target/new-service/debug/cloudjobs");

    // The simulated server serves the new API from the copy's specs alone.
    let sim = JobSim::start_with_specs(copy.join("specs"));
    sim.script(
        "widgets",
        "op-1",
        Script::new([
            Step::job(Phase::Pending),
            Step::progress(Phase::Running, 60),
            Step::job(Phase::Succeeded),
        ]),
    );
    let run = |args: &[&str]| {
        Command::new(&binary)
            .args(args)
            .env_clear()
            .envs([
                ("OS_AUTH_TOKEN", jobsim::TOKEN),
                ("OS_PROJECT_ID", jobsim::PROJECT_ID),
                ("CLOUDJOBS_ENDPOINT", sim.url()),
            ])
            .stdin(Stdio::null())
            .output()
            .expect("run the copy's cloudjobs")
    };

    let services = run(&["services"]);
    let listing = String::from_utf8_lossy(&services.stdout);
    assert!(
        listing.contains("widgets (also widget-service)"),
        "{listing}"
    );
    assert!(listing.contains("--widget-id"), "{listing}");
    assert!(listing.contains("CLOUDJOBS_WIDGETS_WIDGET_ID"), "{listing}");

    // A missing extra parameter is a usage error that names its flag and variable.
    let missing = run(&["wait", "widgets", "op-1"]);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("--widget-id") && stderr.contains("CLOUDJOBS_WIDGETS_WIDGET_ID"),
        "{stderr}"
    );

    let waited = run(&[
        "wait",
        "widget-service",
        "op-1",
        "--widget-id",
        "w-7",
        "--interval",
        "10ms",
        "--max-interval",
        "10ms",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&waited.stdout);
    assert_eq!(
        waited.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    let shown: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(shown["service"], "widgets");
    assert_eq!(shown["outcome"], "succeeded");
    assert_eq!(shown["state"], "succeeded");
    assert_eq!(shown["resources"], serde_json::json!(["w-7"]));
    let requests = sim.requests_for("op-1");
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert!(
        requests
            .iter()
            .all(|r| r.path == format!("/v2/{}/widgets/w-7/operations/op-1", jobsim::PROJECT_ID)),
        "{requests:?}"
    );
}
