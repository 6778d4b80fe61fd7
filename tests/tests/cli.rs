//! The `cloudjobs` command line, run as a process against the simulated job server:
//! `get` and `wait` for every job service of `specs/` (a new spec is exercised with no new
//! test code), exit statuses, usage errors, credentials from the environment, secrets never
//! printed.
//!
//! The binary belongs to the `cloudjobs` package, so Cargo gives this package no
//! `CARGO_BIN_EXE_cloudjobs`. It is taken from `CLOUDJOBS_BIN` when set, else built (or found
//! up to date) by `cargo build --workspace --bin cloudjobs --example wait` in this test's own
//! target directory and profile: with the workspace and an example selected, Cargo resolves
//! features as `cargo test --workspace` does, so nothing is built twice.

use std::ffi::OsStr;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cloudjobs::apis::registry;
use cloudjobs_tests::binaries::{self, Run};
use cloudjobs_tests::jobsim::{self, JobSim, Phase, Script, SimService, Step};
use serde_json::{Value, json};

/// The `cloudjobs` binary (with the waiter example, which the tests also build).
fn binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    binaries::binary_once(&BIN, "CLOUDJOBS_BIN", "cloudjobs", &["--example", "wait"])
}

/// Runs the binary with `args` and only the environment `env` (plus nothing inherited), with a
/// 60 s limit.
fn run<A: AsRef<OsStr> + Debug>(args: &[A], env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(binary())
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cloudjobs");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait for cloudjobs").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("cloudjobs {args:?} did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Run::from(child.wait_with_output().expect("read cloudjobs's output"))
}

/// Arguments for `command` of `service`'s `job` on `sim`, with fast polling for `wait` and
/// the service's required parameters as the flags the registry gives them
/// (`--environment-id` for CAE).
fn args(sim: &JobSim, command: &str, service: &SimService, job: &str) -> Vec<String> {
    let mut a: Vec<String> = [command, &service.name, job, "--endpoint", sim.url()]
        .map(String::from)
        .into();
    if command == "wait" {
        a.extend(["--interval", "5ms", "--max-interval", "20ms"].map(String::from));
    }
    let registered = registry::find(&service.name).unwrap_or_else(|| {
        panic!(
            "{} ({}) is simulated but not in the registry: run `cargo xtask regen`",
            service.name, service.spec
        )
    });
    for param in &service.required_params {
        assert!(
            registered.param(&param.name).is_some(),
            "{}: no parameter {} in the registry",
            service.name,
            param.name
        );
        a.extend([
            published_flag(registered.name, &param.name),
            param.sample.clone(),
        ]);
    }
    a
}

/// The flag the command line gives `service`'s parameter `param` (`--environment-id`), as
/// `cloudjobs services --json` publishes it.
fn published_flag(service: &str, param: &str) -> String {
    static LISTING: OnceLock<Value> = OnceLock::new();
    let listing = LISTING.get_or_init(|| {
        let out = run(&["services", "--json"], &[]);
        assert_eq!(out.code, 0, "cloudjobs services --json: {}", out.stderr);
        serde_json::from_str(&out.stdout).expect("cloudjobs services --json prints JSON")
    });
    listing["services"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["name"] == service)
        .flat_map(|s| s["params"].as_array().into_iter().flatten())
        .find(|p| p["name"] == param)
        .and_then(|p| p["flag"].as_str())
        .unwrap_or_else(|| panic!("cloudjobs services --json lists no flag for {service} {param}"))
        .to_owned()
}

/// `a` followed by `extra`.
fn with(mut a: Vec<String>, extra: &[&str]) -> Vec<String> {
    a.extend(extra.iter().map(|s| (*s).to_owned()));
    a
}

const TOKEN_ENV: [(&str, &str); 2] = [
    ("OS_AUTH_TOKEN", jobsim::TOKEN),
    ("OS_PROJECT_ID", "a4da8115c9d8464ead3a38309130523f"),
];

/// The services the slower cases (failures, bursts, deadlines) run for: the first four, each
/// with its own shape (sub-tasks or a percentage or neither, a queued state or none, an extra
/// header, error codes or none). Every service gets the cheap cases (`get`, a `wait` that
/// succeeds); `tests/wait.rs` runs the rest for every service, in process.
const SAMPLE: [&str; 4] = ["ims", "cae", "cfw", "workspace"];

/// The progress `--json` shows for a job that succeeded: the percentage where the service
/// has one, else its sub-tasks (those of the spec's example) all done, else none.
fn final_progress(service: &SimService) -> Value {
    let tasks = service.subtask_count();
    if service.job.progress.is_some() {
        json!({"percent": 100.0})
    } else if tasks > 0 {
        json!({"done": tasks, "total": tasks})
    } else {
        Value::Null
    }
}

/// The progress a state-change line shows for a job running at 50 %: the percentage, or the
/// first half of the sub-tasks done.
fn running_progress(service: &SimService) -> Option<String> {
    let tasks = service.subtask_count();
    if service.job.progress.is_some() {
        Some("50%".to_owned())
    } else {
        (tasks > 0).then(|| format!("{}/{tasks} tasks", tasks / 2))
    }
}

#[test]
fn get_prints_the_job_for_each_service() {
    let sim = JobSim::start();
    for service in sim.services() {
        let name = service.name.as_str();
        let job = format!("get-{name}");
        sim.script(
            name,
            &job,
            Script::new([Step::progress(Phase::Succeeded, 100)]),
        );
        // --json, asking by module name.
        let mut a = with(args(&sim, "get", service, &job), &["--json"]);
        a[1].clone_from(&service.module);
        let out = run(&a, &TOKEN_ENV);
        assert_eq!(out.code, 0, "{name}: {out:?}");
        assert_eq!(out.stderr, "", "{name}");
        let v = out.json();
        assert_eq!(v["service"], name);
        assert_eq!(v["state"], "succeeded", "{name}");
        assert_eq!(v["status"], service.status(&Phase::Succeeded), "{name}");
        assert_eq!(v["terminal"], true);
        assert!(v["request_id"].as_str().unwrap().starts_with("jobsim-"));
        assert!(v["response"].is_object());
        assert_eq!(v["progress"], final_progress(service), "{name}");
        // The resources of the spec's examples.
        match name {
            "ims" => assert_eq!(
                v["resources"],
                json!(["e9e91bff-14b6-4a0b-8377-4ed0813e3360"])
            ),
            "workspace" => assert_eq!(
                v["resources"],
                json!(["f5d443de-a623-4950-a74d-569fe63c1f7a"])
            ),
            _ => {}
        }
    }
    // As text.
    let ims = sim.service("ims");
    let out = run(&args(&sim, "get", ims, "get-ims"), &TOKEN_ENV);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("state:     succeeded (SUCCESS)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.starts_with("job:       get-ims ("),
        "{}",
        out.stdout
    );
    assert_eq!(out.stderr, "");
    // A running job is read just as well (exit 0: `get` reports, it does not judge).
    sim.script("workspace", "running", Script::never_ends());
    let out = run(
        &args(&sim, "get", sim.service("workspace"), "running"),
        &TOKEN_ENV,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("state:     running (RUNNING)"));
    assert!(
        out.stdout.contains("progress:  0/1 tasks"),
        "{}",
        out.stdout
    );
}

#[test]
fn wait_for_a_job_that_succeeds_for_each_service() {
    let sim = JobSim::start();
    for service in sim.services() {
        let name = service.name.as_str();
        let job = format!("ok-{name}");
        sim.script(name, &job, Script::succeeds());
        let out = run(&args(&sim, "wait", service, &job), &TOKEN_ENV);
        assert_eq!(out.code, 0, "{name}: {out:?}");
        // Without a terminal: one line per state change on standard error (without a queued
        // state, as CFW, the first is already running), and one per change of progress
        // alone (no state in it).
        let lines: Vec<&str> = out.stderr.lines().filter(|l| l.contains(" (")).collect();
        let changes = if service.states.pending.is_empty() {
            2
        } else {
            3
        };
        assert_eq!(lines.len(), changes, "{name}: {}", out.stderr);
        assert!(lines[0].contains("poll 1: "), "{}", lines[0]);
        let status = |phase| service.status(&phase);
        assert!(
            lines[changes - 1].contains(&format!("succeeded ({})", status(Phase::Succeeded))),
            "{}",
            out.stderr
        );
        if changes == 3 {
            assert!(lines[1].contains(&format!("running ({})", status(Phase::Running))));
            if let Some(progress) = running_progress(service) {
                assert!(lines[1].contains(&progress), "{name}: {}", lines[1]);
            }
        }
        assert!(
            out.stdout.contains("state:     succeeded"),
            "{}",
            out.stdout
        );
        assert_eq!(sim.requests_for(&job).len(), 3);
    }
    // --json: the final job and how waiting ended.
    sim.script("ims", "ok-json", Script::succeeds());
    let a = with(
        args(&sim, "wait", sim.service("ims"), "ok-json"),
        &["--json"],
    );
    let out = run(&a, &TOKEN_ENV);
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(
        (v["outcome"].as_str(), v["state"].as_str()),
        (Some("succeeded"), Some("succeeded"))
    );
}

#[test]
fn wait_for_a_job_that_fails_exits_1_with_the_reason() {
    let sim = JobSim::start();
    for name in SAMPLE {
        let service = sim.service(name);
        let job = format!("fail-{name}");
        sim.script(
            name,
            &job,
            Script::fails("JOBSIM.0042", "the disk image is corrupt"),
        );
        let out = run(&args(&sim, "wait", service, &job), &TOKEN_ENV);
        assert_eq!(out.code, 1, "{name}: {out:?}");
        let status = service.status(&Phase::Failed);
        let last = out.stderr.lines().last().unwrap();
        // IMS and CFW report the job's error code and reason; CAE and Workspace none for the
        // job itself (Workspace per sub-job).
        if matches!(name, "ims" | "cfw") {
            assert_eq!(
                last,
                format!(
                    "cloudjobs: the job failed ({status}): JOBSIM.0042: the disk image is corrupt"
                )
            );
        } else {
            assert_eq!(last, format!("cloudjobs: the job failed ({status})"));
        }
        assert!(
            out.stdout
                .contains(&format!("state:     failed ({status})")),
            "{}",
            out.stdout
        );

        sim.script(
            name,
            &job,
            Script::fails("JOBSIM.0042", "the disk image is corrupt"),
        );
        let out = run(
            &with(args(&sim, "wait", service, &job), &["--json"]),
            &TOKEN_ENV,
        );
        assert_eq!(out.code, 1);
        let v = out.json();
        assert_eq!(v["outcome"], "failed");
        assert_eq!(v["state"], "failed");
        if name == "ims" {
            assert_eq!(v["error_code"], "JOBSIM.0042");
            assert_eq!(v["error_reason"], "the disk image is corrupt");
        }
    }
}

#[test]
fn wait_goes_on_through_unknown_states_and_bursts_of_429_and_503() {
    let sim = JobSim::start();
    for name in SAMPLE {
        let service = sim.service(name);
        let job = format!("bumpy-{name}");
        sim.script(
            name,
            &job,
            Script::new([
                Step::job(Phase::Running),
                Step::job(Phase::Other("PAUSED".into())),
                // With Retry-After (a bare 429 teaches the waiter a rate budget of a few
                // polls a minute: tests/wait.rs).
                Step::http_retry_after(429, 0),
                Step::http(503),
                Step::http(503),
                Step::job(Phase::Running),
                Step::job(Phase::Succeeded),
            ]),
        );
        let out = run(&args(&sim, "wait", service, &job), &TOKEN_ENV);
        assert_eq!(out.code, 0, "{name}: {out:?}");
        assert!(out.stderr.contains("unknown (PAUSED)"), "{}", out.stderr);
        let warnings: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning: "))
            .collect();
        // One warning per run of the same error, not one per poll.
        assert_eq!(warnings.len(), 2, "{}", out.stderr);
        assert!(warnings[0].contains("HTTP 429") && warnings[0].contains("error 1 of 10"));
        assert!(warnings[1].contains("HTTP 503") && warnings[1].contains("error 2 of 10"));
        // With -v the runtime logs each tolerated error; the reporter adds no warning.
        sim.script(
            name,
            &format!("{job}-v"),
            Script::new([
                Step::job(Phase::Running),
                Step::http(503),
                Step::job(Phase::Succeeded),
            ]),
        );
        let out = run(
            &with(args(&sim, "wait", service, &format!("{job}-v")), &["-v"]),
            &TOKEN_ENV,
        );
        assert_eq!(out.code, 0, "{name}: {out:?}");
        // `HTTP 503`, not `503`: a timestamp or an elapsed time may hold those digits too.
        let mentions = out
            .stderr
            .lines()
            .filter(|l| l.contains("HTTP 503"))
            .count();
        assert_eq!(mentions, 1, "{}", out.stderr);
        // One request per poll: the waiter, not the client, retries while waiting.
        assert_eq!(sim.requests_for(&job).len(), 7);

        // More failures in a row than --max-errors: exit 4.
        let job = format!("outage-{name}");
        sim.script(
            name,
            &job,
            Script::new([Step::job(Phase::Running), Step::http(503)]),
        );
        let a = with(args(&sim, "wait", service, &job), &["--max-errors", "2"]);
        let out = run(&a, &TOKEN_ENV);
        assert_eq!(out.code, 4, "{name}: {out:?}");
        let last = out.stderr.lines().last().unwrap();
        assert!(
            last.starts_with("cloudjobs: gave up after 3 failed polls in a row"),
            "{last}"
        );
        assert!(last.contains("last state: running"), "{last}");
    }
}

#[test]
fn wait_past_the_deadline_exits_3() {
    let sim = JobSim::start();
    for name in SAMPLE {
        let service = sim.service(name);
        let job = format!("forever-{name}");
        sim.script(name, &job, Script::never_ends());
        let a = with(args(&sim, "wait", service, &job), &["--timeout", "150ms"]);
        let started = Instant::now();
        let out = run(&a, &TOKEN_ENV);
        assert_eq!(out.code, 3, "{name}: {out:?}");
        assert!(started.elapsed() < Duration::from_secs(20));
        let last = out.stderr.lines().last().unwrap();
        assert!(
            last.starts_with("cloudjobs: the job did not end within 150ms"),
            "{last}"
        );
        assert!(last.contains("--timeout"), "{last}");
        assert!(out.stdout.contains("state:     running"), "{}", out.stdout);
        let out = run(&with(a, &["--json"]), &TOKEN_ENV);
        assert_eq!(out.code, 3);
        assert_eq!(out.json()["outcome"], "deadline");
    }
}

#[test]
fn api_and_auth_errors_exit_4() {
    let sim = JobSim::start();
    let ims = sim.service("ims");
    for command in ["get", "wait"] {
        // No such job.
        let out = run(&args(&sim, command, ims, "no-such-job"), &TOKEN_ENV);
        assert_eq!(out.code, 4, "{out:?}");
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains("HTTP 404"), "{}", out.stderr);
        assert!(out.stderr.contains("check the job id"), "{}", out.stderr);
        // A token the server refuses.
        sim.script("cfw", "job", Script::succeeds());
        let env = [("OS_AUTH_TOKEN", "refused-token"), TOKEN_ENV[1]];
        let out = run(&args(&sim, command, sim.service("cfw"), "job"), &env);
        assert_eq!(out.code, 4, "{out:?}");
        assert!(out.stderr.contains("HTTP 401") && out.stderr.contains("credentials"));
        assert!(
            out.stderr.contains("is the token still valid?"),
            "{}",
            out.stderr
        );
        // A key pair the server refuses: a hint about keys, not tokens (#24 item 11).
        let env = [
            ("HUAWEICLOUD_SDK_AK", "WRONGAK"),
            ("HUAWEICLOUD_SDK_SK", "wrong-secret"),
            TOKEN_ENV[1],
        ];
        let out = run(&args(&sim, command, sim.service("cfw"), "job"), &env);
        assert_eq!(out.code, 4, "{out:?}");
        assert!(out.stderr.contains("HTTP 401"), "{}", out.stderr);
        assert!(!out.stderr.contains("token still valid"), "{}", out.stderr);
        assert!(
            out.stderr.contains("check the access key and secret key"),
            "{}",
            out.stderr
        );
    }
    // IAM refuses the password.
    let auth_url = format!("{}/v3", sim.url());
    let env = [
        ("OS_USERNAME", "user"),
        ("OS_PASSWORD", "wrong"),
        ("OS_USER_DOMAIN_NAME", "domain"),
        ("OS_AUTH_URL", auth_url.as_str()),
        ("OS_PROJECT_ID", "a4da8115c9d8464ead3a38309130523f"),
    ];
    let out = run(&args(&sim, "get", ims, "job"), &env);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr.contains("authentication failed"),
        "{}",
        out.stderr
    );
    // Nothing listens: a connection error (wait gives up after --max-errors).
    let out = run(
        &[
            "wait",
            "ims",
            "job",
            "--endpoint",
            "http://127.0.0.1:9",
            "--interval",
            "1ms",
            "--max-errors",
            "1",
        ],
        &TOKEN_ENV,
    );
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr
            .lines()
            .last()
            .unwrap()
            .contains("check --region / --endpoint")
    );
}

#[test]
fn credentials_and_settings_from_the_environment() {
    let sim = JobSim::start();
    sim.script("cae", "job", Script::succeeds());
    let auth_url = format!("{}/v3", sim.url());
    // IAM password, no project id: it is looked up by project name.
    let env = [
        ("OS_USERNAME", "user"),
        ("OS_PASSWORD", "jobsim-password"),
        ("OS_DOMAIN_NAME", "domain"),
        ("OS_AUTH_URL", auth_url.as_str()),
        ("OS_PROJECT_NAME", "eu-de_project"),
        ("CLOUDJOBS_ENDPOINT", sim.url()),
        ("CLOUDJOBS_CAE_ENVIRONMENT_ID", "env-from-env"),
    ];
    let out = run(&["wait", "cae", "job", "--interval", "1ms"], &env);
    assert_eq!(out.code, 0, "{out:?}");
    let requests = sim.requests();
    let iam: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/v3/auth/tokens")
        .collect();
    // One IAM request: the token that told the project id also authenticates the polls
    // (before the fix the id was looked up with a request of its own).
    assert_eq!(iam.len(), 1, "{iam:?}");
    assert!(iam[0].body.contains("\"eu-de_project\""), "{}", iam[0].body);
    let jobs = sim.requests_for("job");
    assert!(
        jobs.iter()
            .all(|r| r.path == format!("/v1/{}/cae/jobs/job", jobsim::PROJECT_ID))
    );
    assert!(
        jobs.iter()
            .all(|r| r.header("x-environment-id") == Some("env-from-env"))
    );
    assert!(
        jobs.iter()
            .all(|r| r.header("x-auth-token") == Some(jobsim::TOKEN))
    );

    // AK/SK from the Huawei Cloud SDK variables.
    sim.script("workspace", "job2", Script::succeeds());
    let env = [
        ("HUAWEICLOUD_SDK_AK", jobsim::ACCESS_KEY),
        ("HUAWEICLOUD_SDK_SK", "secret-key-value"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "0123456789abcdef"),
    ];
    let out = run(&args(&sim, "get", sim.service("workspace"), "job2"), &env);
    assert_eq!(out.code, 0, "{out:?}");
    let r = &sim.requests_for("job2")[0];
    assert_eq!(r.path, "/v1/0123456789abcdef/image-server-jobs/job2");
    assert!(
        r.header("authorization")
            .unwrap()
            .starts_with("SDK-HMAC-SHA256 Access=")
    );

    // Flags win over the environment.
    sim.script("ims", "job3", Script::succeeds());
    let env = [
        ("OS_AUTH_TOKEN", "refused-token"),
        ("OS_PROJECT_ID", "from-env"),
    ];
    let a = with(
        args(&sim, "get", sim.service("ims"), "job3"),
        &["--token", jobsim::TOKEN, "--project-id", "from-flag"],
    );
    let out = run(&a, &env);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(sim.requests_for("job3")[0].path, "/v1/from-flag/jobs/job3");
}

/// Arguments, environment, and a part of the one-line message.
type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);

/// Usage errors about settings: services, ids, credentials, region, project, endpoints.
fn settings_cases(url: &str) -> Vec<Case<'_>> {
    vec![
        (
            vec!["get", "nosuch", "job", "--endpoint", url],
            TOKEN_ENV.to_vec(),
            "unknown service `nosuch`: use one of ",
        ),
        (
            vec!["wait", "ims", "a/b", "--endpoint", url],
            TOKEN_ENV.to_vec(),
            "malformed job id `a/b`",
        ),
        (
            vec!["get", "ims", "job", "--endpoint", url],
            vec![("OS_PROJECT_ID", "p"), ("CLOUDJOBS_METADATA_URL", "off")],
            "no credentials found; tried explicit settings: no credential; environment: no credential; instance metadata: turned off. Set OS_AUTH_TOKEN",
        ),
        (
            vec!["get", "ims", "job"],
            TOKEN_ENV.to_vec(),
            "no region: pass --region",
        ),
        (
            vec!["get", "cfw", "job", "--endpoint", url],
            vec![("OS_AUTH_TOKEN", "t")],
            "no project id: pass --project-id",
        ),
        (
            vec!["get", "cae", "job", "--endpoint", url],
            TOKEN_ENV.to_vec(),
            "cae needs the header parameter `X-Environment-ID`",
        ),
        (
            vec!["get", "ims", "job", "--region", "xx-nowhere-1"],
            TOKEN_ENV.to_vec(),
            "not one of the values the spec allows",
        ),
        (
            vec!["get", "ims", "job", "--endpoint", "ftp://x"],
            TOKEN_ENV.to_vec(),
            "is not an http(s) URL",
        ),
        (
            vec!["get", "ims", "job", "--endpoint", url],
            vec![
                ("OS_USERNAME", "u"),
                ("OS_PASSWORD", "p"),
                ("OS_PROJECT_ID", "p"),
            ],
            "set OS_USER_DOMAIN_NAME",
        ),
    ]
}

/// Usage errors about names and flags: typos, flags of other services, bad values.
fn flag_cases(url: &str) -> Vec<Case<'_>> {
    vec![
        (
            vec!["get", "imss", "job", "--endpoint", url],
            TOKEN_ENV.to_vec(),
            "unknown service `imss`: did you mean `ims`? use one of ",
        ),
        (
            vec![
                "get",
                "ims",
                "job",
                "--endpoint",
                url,
                "--instance-id",
                "i-1",
            ],
            TOKEN_ENV.to_vec(),
            "--instance-id is not a flag of ims (it is a flag of dcs-bigkey, dcs-hotkey, kafka): ims takes no service flags (`cloudjobs services ims`)",
        ),
        (
            vec!["wait", "cae", "job", "--endpoint", url, "--limit", "3"],
            TOKEN_ENV.to_vec(),
            "--limit is not a flag of cae (it is a flag of as, geminidb): cae's own flags are --environment-id, --enterprise-project-id",
        ),
        // Item 9 of #24: was exit 4, "call ConfigBuilder::region".
        (
            vec!["get", "ims", "job", "--endpoint", url, "--no-token-cache"],
            vec![
                ("OS_USERNAME", "u"),
                ("OS_PASSWORD", "p"),
                ("OS_USER_DOMAIN_NAME", "d"),
                ("OS_PROJECT_ID", "p"),
            ],
            "IAM password authentication (environment) needs the IAM endpoint: pass --auth-url or set OS_AUTH_URL",
        ),
        // #24 item 11: was "malformed value ...; pass --limit".
        (
            vec![
                "get",
                "geminidb",
                "job",
                "--endpoint",
                url,
                "--limit",
                "abc",
            ],
            TOKEN_ENV.to_vec(),
            "--limit: `abc` is not a whole number (geminidb's query parameter `limit`",
        ),
        (
            vec!["services", "kafak"],
            vec![],
            "unknown service `kafak`: did you mean `kafka`?",
        ),
        // The token would cross the network in clear (allowed with --insecure-http).
        (
            vec![
                "get",
                "ims",
                "job",
                "--endpoint",
                "http://jobs.example.invalid",
            ],
            TOKEN_ENV.to_vec(),
            "--endpoint / CLOUDJOBS_ENDPOINT: `http://jobs.example.invalid/` is plain http",
        ),
    ]
}

#[test]
fn usage_errors_exit_2_with_one_line_that_says_what_to_do() {
    let sim = JobSim::start();
    let url = sim.url();
    for (a, env, expected) in settings_cases(url).into_iter().chain(flag_cases(url)) {
        let out = run(&a, &env);
        assert_eq!(out.code, 2, "{a:?}: {out:?}");
        assert_eq!(out.stdout, "", "{a:?}");
        assert_eq!(out.stderr.lines().count(), 1, "{a:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("cloudjobs: "),
            "{a:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(expected), "{a:?}: {}", out.stderr);
        // The command line's flags, not the library's builder calls.
        assert!(
            !out.stderr.contains("ConfigBuilder"),
            "{a:?}: {}",
            out.stderr
        );
    }
    assert!(
        sim.requests().is_empty(),
        "no request is sent on a usage error"
    );
}

/// Argument errors as clap words them, whole: the subject (which argument, which
/// subcommand), the usage of the command they are about, clap's "did you mean", and a hint
/// at that command's own help. Before: one line, "the following required arguments were not
/// provided:" and no more, and every hint at `cloudjobs --help`.
#[test]
fn argument_errors_keep_their_subject_and_suggest() {
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["get", "ims"],
            &[
                "cloudjobs: the following required arguments were not provided:",
                "  <JOB_ID>",
                "Usage: cloudjobs get <SERVICE> <JOB_ID>",
                "For more information, run `cloudjobs get --help`.",
            ],
        ),
        (
            &["wiat", "ims", "job"],
            &[
                "cloudjobs: unrecognized subcommand 'wiat'",
                "tip: a similar subcommand exists: 'wait'",
                "For more information, run `cloudjobs --help`.",
            ],
        ),
        (
            &["get", "ims", "job", "--projet-id", "p"],
            &[
                "cloudjobs: unexpected argument '--projet-id' found",
                "tip: a similar argument exists: '--project-id'",
                "For more information, run `cloudjobs get --help`.",
            ],
        ),
        (
            &["wait", "ims", "job", "--timeout", "soon"],
            &[
                "cloudjobs: invalid value 'soon' for '--timeout <DURATION>'",
                "For more information, run `cloudjobs wait --help`.",
            ],
        ),
        (
            &["get", "ims", "job", "--frobnicate"],
            &["cloudjobs: unexpected argument '--frobnicate' found"],
        ),
        (
            &["help", "wiat"],
            &["tip: a similar subcommand exists: 'wait'"],
        ),
    ];
    for (a, expected) in cases {
        let out = run(a, &TOKEN_ENV);
        assert_eq!(out.code, 2, "{a:?}: {out:?}");
        assert_eq!(out.stdout, "", "{a:?}");
        assert!(
            out.stderr.starts_with("cloudjobs: "),
            "{a:?}: {}",
            out.stderr
        );
        for needle in expected {
            assert!(
                out.stderr.contains(needle),
                "{a:?} lacks {needle:?}:\n{}",
                out.stderr
            );
        }
        assert!(
            !out.stderr.contains("try '--help'"),
            "{a:?}: {}",
            out.stderr
        );
    }
    // `help` answers --help itself, and names a command's help.
    let out = run(&["help", "--help"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("Usage: cloudjobs help"),
        "{}",
        out.stdout
    );
    let out = run(&["help", "wait"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("--max-interval"), "{}", out.stdout);
}

/// Service parameters are flags of `get` and `wait` only, each refused for a service that
/// does not take it (see `usage_errors_exit_2_with_one_line_that_says_what_to_do`); the help
/// of `get <service>` and `cloudjobs services <service>` show that service's own. Before:
/// every flag was global, in every subcommand's help, and ignored where it meant nothing.
#[test]
fn service_flags_belong_to_their_services() {
    let out = run(&["get", "kafka", "--help"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("--instance-id"), "{}", out.stdout);
    assert!(!out.stdout.contains("--environment-id"), "{}", out.stdout);
    let out = run(&["help", "wait", "cae"], &[]);
    assert!(out.stdout.contains("--environment-id"), "{}", out.stdout);
    assert!(!out.stdout.contains("--instance-id"), "{}", out.stdout);
    let out = run(&["get", "--help"], &[]);
    assert!(out.stdout.contains("--instance-id") && out.stdout.contains("--environment-id"));
    for a in [
        &["services", "--help"][..],
        &["completions", "--help"],
        &["--help"],
    ] {
        let out = run(a, &[]);
        assert_eq!(out.code, 0, "{a:?}: {out:?}");
        assert!(
            !out.stdout.contains("--instance-id <"),
            "{a:?}: {}",
            out.stdout
        );
    }
    let out = run(&["services", "kafka"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("kafka "), "{}", out.stdout);
    assert!(out.stdout.contains("--instance-id"), "{}", out.stdout);
    assert!(
        !out.stdout.contains("\ncae"),
        "one service only: {}",
        out.stdout
    );
    let out = run(&["services", "cae", "--json"], &[]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["services"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["services"][0]["name"], "cae");
    // Placed before the subcommand, a service flag is clap's unexpected argument.
    let out = run(&["--instance-id", "i", "get", "kafka", "job"], &TOKEN_ENV);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("'get --instance-id' exists"),
        "{}",
        out.stderr
    );
}

#[test]
fn help_documents_commands_variables_and_exit_statuses() {
    let out = run(&["--help"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    for needle in [
        "get",
        "wait",
        "--json",
        "OS_AUTH_TOKEN",
        "OS_USERNAME",
        "OS_USER_DOMAIN_NAME",
        "OS_PROJECT_ID",
        "OS_PROJECT_NAME",
        "OS_REGION_NAME",
        "OS_AUTH_URL",
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        "CLOUDJOBS_CAE_ENVIRONMENT_ID",
        "0  the job succeeded",
        "1  the job failed",
        "2  usage error",
        "3  the deadline passed",
        "4  API or authentication error",
        "at most 57 requests",
        "--verbose",
        "-vv",
        "RUST_LOG",
    ] {
        assert!(
            out.stdout.contains(needle),
            "--help lacks {needle:?}:\n{}",
            out.stdout
        );
    }
    let out = run(&["wait", "--help"], &[]);
    assert!(out.stdout.contains("--timeout") && out.stdout.contains("--max-interval"));
    let out = run(&["--version"], &[]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("cloudjobs "));
    // No command: the help, on standard error, exit 2.
    let out = run::<&str>(&[], &[]);
    assert_eq!(out.code, 2);
}

#[test]
fn secrets_are_never_printed() {
    let sim = JobSim::start();
    sim.script("ims", "job", Script::fails("JOBSIM.0042", "broken"));
    let secrets = ["pw-SECRET-1", "sk-SECRET-2", "st-SECRET-3", "tok-SECRET-4"];
    let auth_url = format!("{}/v3", sim.url());
    let password_env = [
        ("OS_USERNAME", "user"),
        ("OS_PASSWORD", secrets[0]),
        ("OS_USER_DOMAIN_NAME", "domain"),
        ("OS_AUTH_URL", auth_url.as_str()),
        ("OS_PROJECT_ID", "p"),
    ];
    let aksk_env = [
        ("HUAWEICLOUD_SDK_AK", "AK"),
        ("HUAWEICLOUD_SDK_SK", secrets[1]),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", secrets[2]),
        ("OS_PROJECT_ID", "p"),
    ];
    let token_env = [("OS_AUTH_TOKEN", secrets[3]), ("OS_PROJECT_ID", "p")];
    let mut runs = Vec::new();
    for env in [&password_env[..], &aksk_env[..], &token_env[..]] {
        for a in [
            args(&sim, "get", sim.service("ims"), "job"),
            args(&sim, "wait", sim.service("ims"), "job"),
            with(args(&sim, "wait", sim.service("ims"), "job"), &["--json"]),
            // Without CAE's environment id: a usage error.
            with(Vec::new(), &["get", "cae", "job", "--endpoint", sim.url()]),
            with(Vec::new(), &["get", "ims", "job", "--region", "nowhere"]),
            with(Vec::new(), &["--help"]),
        ] {
            runs.push(run(&a, env));
        }
    }
    runs.push(run(
        &[
            "get",
            "ims",
            "job",
            "--token",
            secrets[3],
            "--endpoint",
            "http://127.0.0.1:9",
        ],
        &[("OS_PROJECT_ID", "p")],
    ));
    runs.push(run(
        &[
            "get",
            "ims",
            "job",
            "--password",
            secrets[0],
            "--endpoint",
            sim.url(),
        ],
        &[("OS_PROJECT_ID", "p")],
    ));
    // Secret values that look like flags are taken as values, never echoed as "unexpected
    // argument" (before the fix `--secret-key --sk-SECRET-2` printed it).
    for flag in ["--password", "--secret-key", "--security-token", "--token"] {
        runs.push(run(
            &[
                "get",
                "ims",
                "job",
                flag,
                "--sk-SECRET-2",
                "--endpoint",
                "http://127.0.0.1:9",
                "--project-id",
                "p",
            ],
            &[],
        ));
    }
    // A password in an endpoint URL, refused or failing to connect: never shown.
    for endpoint in [
        "http://user:pw-SECRET-1@127.0.0.1:9",
        "ftp://u:pw-SECRET-1@h/",
    ] {
        runs.push(run(
            &["get", "ims", "job", "--token", "t", "--endpoint", endpoint],
            &[("OS_PROJECT_ID", "p")],
        ));
    }
    for r in &runs {
        for s in secrets.iter().chain(&["--sk-SECRET-2"]) {
            assert!(!r.all().contains(s), "{s} printed: {r:?}");
        }
    }
}

/// What every traced request shows, on one line.
const REQUEST_TRACE: [&str; 8] = [
    "DEBUG",
    "request{",
    r#"service="otc_ims_jobs""#,
    r#"operation="ShowJob""#,
    r#"path="/v1/{project_id}/jobs/{job_id}""#,
    "response",
    "status=200",
    r#"request_id="jobsim-"#,
];

/// Secrets the traced runs are given.
const TRACE_SECRETS: [&str; 5] = [
    jobsim::TOKEN,
    "jobsim-password",
    "sk-SECRET-1",
    "st-SECRET-2",
    "url-SECRET-3",
];

/// A job server with one finished IMS job, `traced`, and the `get` of it.
fn traced_job() -> (JobSim, Vec<String>) {
    let sim = JobSim::start();
    sim.script(
        "ims",
        "traced",
        Script::new([Step::progress(Phase::Succeeded, 100)]),
    );
    let get = args(&sim, "get", sim.service("ims"), "traced");
    (sim, get)
}

/// `get -vv` with `env` shows the request line and every one of `parts` on standard error,
/// no TRACE and no secret; without `-v` standard error is empty.
fn assert_traced(get: &[String], env: &[(&str, &str)], parts: &[&str]) {
    let out = run(&with(get.to_vec(), &["-vv"]), env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("job:       traced ("), "{out:?}");
    let has_request = (out.stderr.lines()).any(|l| REQUEST_TRACE.iter().all(|p| l.contains(p)));
    assert!(has_request, "{}", out.stderr);
    for part in parts {
        assert!(out.stderr.contains(part), "{part}: {}", out.stderr);
    }
    assert!(!out.stderr.contains("TRACE"), "{}", out.stderr);
    for s in TRACE_SECRETS {
        assert!(!out.all().contains(s), "{s} printed: {}", out.stderr);
    }
    // Without -v: nothing but the job.
    let quiet = run(get, env);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""), "{quiet:?}");
    assert!(quiet.stdout.starts_with("job:       traced ("), "{quiet:?}");
}

/// `-vv` shows the runtime's spans and events on standard error (requests, responses, the
/// settings chosen), and never the token.
#[test]
fn verbose_traces_a_token_run_without_the_token() {
    let (_sim, get) = traced_job();
    let parts = [
        "settings chosen",
        r#"credentials="token""#,
        r#"auth="token""#,
    ];
    assert_traced(&get, &TOKEN_ENV, &parts);
}

/// An AK/SK run traces the signing (the access key, whether a security token is sent), never
/// the secret key or the security token.
#[test]
fn verbose_traces_aksk_signing_without_secrets() {
    let (_sim, get) = traced_job();
    let env = [
        ("HUAWEICLOUD_SDK_AK", jobsim::ACCESS_KEY),
        ("HUAWEICLOUD_SDK_SK", "sk-SECRET-1"),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "st-SECRET-2"),
        TOKEN_ENV[1],
    ];
    let access_key = format!("access_key={}", jobsim::ACCESS_KEY);
    let parts = [
        r#"credentials="AK/SK""#,
        r#"auth="aksk""#,
        "signing the request",
        &access_key,
        "security_token=true",
    ];
    assert_traced(&get, &env, &parts);
}

/// A password run traces the token fetch (the IAM URL without the user and password it
/// carries, the project IAM names), never the password or the token.
#[test]
fn verbose_traces_a_token_fetch_without_the_password() {
    let (sim, get) = traced_job();
    let auth_url = format!(
        "{}/v3",
        sim.url().replacen("http://", "http://u:url-SECRET-3@", 1)
    );
    let env = [
        ("OS_USERNAME", "user"),
        ("OS_PASSWORD", "jobsim-password"),
        ("OS_USER_DOMAIN_NAME", "domain"),
        ("OS_AUTH_URL", auth_url.as_str()),
        // No project id: IAM says it (the token's project).
        ("OS_PROJECT_NAME", "eu-de"),
    ];
    let project_id = format!(r#"project_id="{}""#, jobsim::PROJECT_ID);
    let parts = [
        r#"credentials="IAM password""#,
        "requesting an IAM token",
        "endpoint=http://***@127.0.0.1",
        "token fetched",
        &project_id,
    ];
    assert_traced(&get, &env, &parts);
}

/// `-v` shows only the INFO events (state changes and how the wait ended, no request);
/// `RUST_LOG` alone turns the traces on too.
#[test]
fn one_v_shows_states_and_rust_log_alone_turns_traces_on() {
    let (sim, get) = traced_job();
    sim.script("ims", "waited", Script::succeeds());
    let out = run(
        &with(args(&sim, "wait", sim.service("ims"), "waited"), &["-v"]),
        &TOKEN_ENV,
    );
    assert_eq!(out.code, 0, "{out:?}");
    for part in [
        "INFO",
        "job state changed",
        "wait ended",
        r#"outcome="succeeded""#,
    ] {
        assert!(out.stderr.contains(part), "{part}: {}", out.stderr);
    }
    assert!(!out.stderr.contains("DEBUG"), "{}", out.stderr);
    assert!(!out.stderr.contains(jobsim::TOKEN), "{}", out.stderr);
    let env = [TOKEN_ENV[0], TOKEN_ENV[1], ("RUST_LOG", "cloudjobs=debug")];
    let out = run(&get, &env);
    assert_eq!(out.code, 0, "{out:?}");
    let has_request = (out.stderr.lines()).any(|l| REQUEST_TRACE.iter().all(|p| l.contains(p)));
    assert!(has_request, "{}", out.stderr);
}

/// Server text reaches the terminal escaped: before the fix a failure reason with escape
/// sequences could retitle the terminal, clear the screen or fake output lines.
#[test]
fn server_text_cannot_drive_the_terminal() {
    let sim = JobSim::start();
    let reason = "disk full\u{1b}]0;pwned\u{7}\u{1b}[2J\r\nJob succeeded\u{9b}31m\u{202e}";
    sim.script("ims", "evil", Script::fails("JOBSIM.0042", reason));
    for extra in [&[][..], &["--json"][..]] {
        let out = run(
            &with(args(&sim, "wait", sim.service("ims"), "evil"), extra),
            &TOKEN_ENV,
        );
        assert_eq!(out.code, 1, "{out:?}");
        for raw in ['\u{1b}', '\u{7}', '\r', '\u{9b}', '\u{202e}'] {
            assert!(!out.all().contains(raw), "{raw:?} printed raw: {out:?}");
        }
        assert!(
            !out.all().lines().any(|l| l.trim() == "Job succeeded"),
            "{out:?}"
        );
        if extra.is_empty() {
            assert!(out.all().contains("disk full\\u{1b}]0;pwned"), "{out:?}");
        } else {
            // Still JSON, meaning the same text.
            let json = out.json();
            assert!(json.to_string().contains("pwned"), "{json}");
        }
    }
}

/// `.` and `..` as a job id would be dot segments of the URL: another resource is read.
#[test]
fn dot_job_ids_are_usage_errors() {
    let sim = JobSim::start();
    for id in [".", ".."] {
        let out = run(&args(&sim, "get", sim.service("ims"), id), &TOKEN_ENV);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("malformed job id"), "{out:?}");
    }
    assert!(sim.requests().is_empty());
}

/// The README documents the command line: install, commands, variables, exit statuses.
#[test]
fn readme_documents_the_command_line() {
    let root = cloudjobs_tests::paths::project_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("## Command line")
        .expect("a \"Command line\" section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    for needle in [
        "cargo install --locked --path cli",
        "cargo run -p cloudjobs-cli --",
        "cloudjobs get",
        "cloudjobs wait",
        "OS_AUTH_TOKEN",
        "HUAWEICLOUD_SDK_AK",
        "| 3 |",
        "| 4 |",
        "57",
        "14.6",
        "-vv",
        "RUST_LOG",
        "OS_CACERT",
        "SSL_CERT_FILE",
        "`--insecure`",
        "cloudjobs services <name>",
        "cloudjobs get <service> --help",
        "`error_code`",
        "eta 3m12s ±20s",
        "durations.json",
        "| 143 |",
        "-f/--format table|value|yaml|json",
        "`services -f value`",
    ] {
        assert!(
            section.contains(needle),
            "the README's command line section lacks {needle:?}"
        );
    }
}

/// Requests to IAM's token endpoint so far.
fn iam_requests(sim: &JobSim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path == "/v3/auth/tokens")
        .count()
}

/// A simulated IAM and job server, and a token cache folder of the test's own.
struct CacheRig {
    sim: JobSim,
    _cache: tempfile::TempDir,
    cache_dir: PathBuf,
    auth_url: String,
    get: Vec<String>,
}

impl CacheRig {
    fn new() -> Self {
        let sim = JobSim::start();
        sim.script("ims", "job", Script::never_ends());
        let cache = tempfile::tempdir().unwrap();
        let cache_dir = cache.path().join("cloudjobs");
        let auth_url = format!("{}/v3", sim.url());
        let get = args(&sim, "get", sim.service("ims"), "job");
        Self {
            sim,
            _cache: cache,
            cache_dir,
            auth_url,
            get,
        }
    }

    /// Password settings for `user`, caching in `cache_dir`.
    fn env<'a>(&'a self, user: &'a str, cache_dir: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("OS_USERNAME", user),
            ("OS_PASSWORD", "jobsim-password"),
            ("OS_USER_DOMAIN_NAME", "domain"),
            ("OS_AUTH_URL", self.auth_url.as_str()),
            ("OS_PROJECT_ID", jobsim::PROJECT_ID),
            ("CLOUDJOBS_CACHE_DIR", cache_dir),
            ("CLOUDJOBS_METADATA_URL", "off"),
        ]
    }

    /// `get` as `user` with the rig's cache; the exit code.
    fn get_as(&self, user: &str) -> i32 {
        run(&self.get, &self.env(user, self.cache_dir.to_str().unwrap())).code
    }

    fn iam_requests(&self) -> usize {
        iam_requests(&self.sim)
    }

    /// The cache's token entries.
    fn entries(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.cache_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect()
    }
}

/// IAM password tokens are cached on disk: later runs ask IAM once per credential, and `-v`
/// says where each run's token came from.
#[test]
fn token_cache_on_disk_serves_later_runs_and_says_so() {
    let rig = CacheRig::new();
    let dir = rig.cache_dir.to_str().unwrap();
    for _ in 0..3 {
        assert_eq!(rig.get_as("user"), 0);
    }
    assert_eq!(rig.iam_requests(), 1, "three runs, one token");
    // -vv says where the token came from: the disk, not a fetch (#24 item 11).
    let out = run(&with(rig.get.clone(), &["-vv"]), &rig.env("user", dir));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("token read from the disk cache"),
        "{}",
        out.stderr
    );
    for lie in ["fetching a token", "token fetched", "fetching one from IAM"] {
        assert!(!out.stderr.contains(lie), "{lie}: {}", out.stderr);
    }
    assert_eq!(rig.iam_requests(), 1);
    // A user with no cached token (in a cache of its own): -v says it is fetched from IAM.
    let other = tempfile::tempdir().unwrap();
    let other_dir = other.path().join("cloudjobs");
    let newcomer = rig.env("newcomer", other_dir.to_str().unwrap());
    let out = run(&with(rig.get.clone(), &["-v"]), &newcomer);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("token fetched from IAM and cached on disk"),
        "{}",
        out.stderr
    );
}

/// The cache's files are private (0600 in a 0700 folder, a 32-byte salt) and their names
/// say nothing of the credentials.
#[test]
fn token_cache_files_are_private_and_anonymous() {
    let rig = CacheRig::new();
    assert_eq!(rig.get_as("user"), 0);
    let entries = rig.entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let salt = rig.cache_dir.join("salt");
        assert_eq!(mode(&salt), 0o600);
        assert_eq!(std::fs::read(&salt).unwrap().len(), 32);
        assert_eq!(mode(&entries[0]), 0o600);
        assert_eq!(mode(&rig.cache_dir), 0o700);
    }
    let name = entries[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(!name.contains("user") && !name.contains("domain"), "{name}");
}

/// A cached token the server refuses, or a corrupt entry, is replaced from IAM; other
/// credentials never get the cached token.
#[test]
fn a_refused_or_corrupt_cached_token_is_replaced() {
    let rig = CacheRig::new();
    assert_eq!(rig.get_as("user"), 0);
    let before = rig.iam_requests();
    let entry_path = rig.entries().remove(0);
    // Revoked: the 401 fetches a new one from IAM, not the same one from disk again.
    let mut entry: Value = serde_json::from_slice(&std::fs::read(&entry_path).unwrap()).unwrap();
    entry["token"] = json!("revoked-token");
    std::fs::write(&entry_path, entry.to_string()).unwrap();
    assert_eq!(rig.get_as("user"), 0);
    assert_eq!(rig.iam_requests(), before + 1);
    let text = std::fs::read_to_string(&entry_path).unwrap();
    assert!(!text.contains("revoked-token"), "{text}");
    // A corrupt entry is a miss, and is replaced.
    std::fs::write(&entry_path, b"{not json").unwrap();
    assert_eq!(rig.get_as("user"), 0);
    assert_eq!(rig.iam_requests(), before + 2);
    let text = std::fs::read_to_string(&entry_path).unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_ok(), "{text}");
    // Other credentials never get that token.
    assert_eq!(rig.get_as("another-user"), 0);
    assert_eq!(rig.iam_requests(), before + 3);
}

/// Two runs at once, with nothing cached: one asks IAM, the other waits and reads.
#[test]
fn concurrent_runs_ask_iam_once() {
    let rig = CacheRig::new();
    std::thread::scope(|s| {
        let a = s.spawn(|| rig.get_as("user"));
        let b = s.spawn(|| rig.get_as("user"));
        assert_eq!(a.join().unwrap(), 0);
        assert_eq!(b.join().unwrap(), 0);
    });
    assert_eq!(rig.iam_requests(), 1, "two concurrent runs, one token");
}

/// A cache folder others may write to is not used (they could plant or swap entries), and
/// `--no-token-cache` asks every time; the runs still work, asking IAM.
#[test]
fn an_open_cache_folder_or_no_token_cache_asks_iam_every_time() {
    let rig = CacheRig::new();
    assert_eq!(rig.get_as("user"), 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let open = std::fs::Permissions::from_mode(0o777);
        std::fs::set_permissions(&rig.cache_dir, open).unwrap();
        let before = rig.iam_requests();
        assert_eq!(rig.get_as("user"), 0);
        assert_eq!(
            rig.iam_requests() - before,
            1,
            "the open folder is not read"
        );
        let private = std::fs::Permissions::from_mode(0o700);
        std::fs::set_permissions(&rig.cache_dir, private).unwrap();
    }
    let before = rig.iam_requests();
    let no_cache = with(rig.get.clone(), &["--no-token-cache"]);
    let env = rig.env("user", rig.cache_dir.to_str().unwrap());
    assert_eq!(run(&no_cache, &env).code, 0);
    assert_eq!(rig.iam_requests() - before, 1);
}

/// `--os-cloud` (or `OS_CLOUD`) reads clouds.yaml from the home directory, with secure.yaml
/// merged over it.
#[test]
fn clouds_yaml_from_the_home_directory() {
    let sim = JobSim::start();
    sim.script("ims", "cloud-job", Script::succeeds());
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/openstack");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("clouds.yaml"),
        format!(
            "clouds:\n  test:\n    region_name: eu-de\n    auth:\n      auth_url: {}/v3\n      username: cloud-user\n      user_domain_name: domain\n      project_id: {}\n",
            sim.url(),
            jobsim::PROJECT_ID
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("secure.yaml"),
        "clouds:\n  test:\n    auth:\n      password: jobsim-password\n",
    )
    .unwrap();
    let home_env = [
        ("HOME", home.path().to_str().unwrap()),
        ("CLOUDJOBS_METADATA_URL", "off"),
    ];
    let a = with(
        args(&sim, "get", sim.service("ims"), "cloud-job"),
        &["--os-cloud", "test", "--no-token-cache"],
    );
    let out = run(&a, &home_env);
    assert_eq!(out.code, 0, "{out:?}");
    let jobs = sim.requests_for("cloud-job");
    assert_eq!(jobs[0].header("x-auth-token"), Some(jobsim::TOKEN));
    assert!(!out.all().contains("jobsim-password"));

    // A cloud that clouds.yaml does not have: a usage error naming the file and the key.
    let a = with(
        args(&sim, "get", sim.service("ims"), "cloud-job"),
        &["--os-cloud", "nosuch"],
    );
    let out = run(&a, &home_env);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("clouds.yaml: clouds.nosuch"), "{out:?}");
    // ... and the clouds it has (#24 item 11).
    assert!(out.stderr.contains("it has `test`"), "{out:?}");
    // No cloud chosen: "no credentials" says the clouds.yaml was there, unread.
    let out = run(
        &args(&sim, "get", sim.service("ims"), "cloud-job"),
        &home_env,
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("no credentials found"), "{out:?}");
    assert!(
        out.stderr.contains("clouds.yaml (clouds `test`) was not read, as no cloud is chosen: set OS_CLOUD (or pass --os-cloud)"),
        "{out:?}"
    );
}

/// Shell completions and the manual page come from the same definition as `--help`,
/// service flags included.
#[test]
fn completions_and_manual_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell], &[]);
        assert_eq!(out.code, 0, "{shell}: {out:?}");
        assert!(out.stdout.contains("cloudjobs"), "{shell}");
        assert!(out.stdout.contains("os-cloud"), "{shell}");
        assert!(out.stdout.contains("environment-id"), "{shell}");
    }
    assert_eq!(run(&["completions", "tcsh"], &[]).code, 2);
    let out = run(&["man"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with(".ie"), "{}", &out.stdout[..80]);
    assert!(
        out.stdout.contains("clouds.yaml"),
        "the credential order is in the page"
    );
    assert!(out.stdout.contains("no\\-token\\-cache"));
}

/// The token cache follows no planted link and waits on no FIFO: every file is opened with
/// `O_NOFOLLOW | O_NONBLOCK` and checked (a regular file of the user's, `0600`) before it is
/// read or locked; a refused file is not used, the run goes on (and `-v` says why). The lock
/// files are `0600` like every other file of the cache. A hang is bounded by `run`'s limit.
#[cfg(unix)]
#[test]
fn token_cache_follows_no_link_and_waits_on_no_fifo() {
    use std::os::unix::fs::PermissionsExt as _;

    let sim = JobSim::start();
    sim.script("ims", "job", Script::never_ends());
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().join("cloudjobs");
    let elsewhere = tempfile::tempdir().unwrap();
    let auth_url = format!("{}/v3", sim.url());
    let env = [
        ("OS_USERNAME", "user"),
        ("OS_PASSWORD", "jobsim-password"),
        ("OS_USER_DOMAIN_NAME", "domain"),
        ("OS_AUTH_URL", auth_url.as_str()),
        ("OS_PROJECT_ID", jobsim::PROJECT_ID),
        ("CLOUDJOBS_CACHE_DIR", cache_dir.to_str().unwrap()),
        ("CLOUDJOBS_METADATA_URL", "off"),
    ];
    let get = with(args(&sim, "get", sim.service("ims"), "job"), &["-v"]);
    let out = run(&get, &env);
    assert_eq!(out.code, 0, "{out:?}");
    let with_extension = |ext: &str| -> std::path::PathBuf {
        let found: Vec<_> = std::fs::read_dir(&cache_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].clone()
    };
    let (entry, lock) = (with_extension("json"), with_extension("lock"));
    let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
    // Every file the cache made is private.
    for e in std::fs::read_dir(&cache_dir).unwrap() {
        let path = e.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    assert_eq!(mode(&lock), 0o600);

    // A lock file that is a link to a file elsewhere (and missing there): not followed, so
    // nothing is created or locked there; the run asks IAM without the lock.
    let target = elsewhere.path().join("planted-lock");
    std::fs::remove_file(&entry).unwrap();
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&target, &lock).unwrap();
    let before = iam_requests(&sim);
    let out = run(&get, &env);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(iam_requests(&sim) - before, 1);
    assert!(!target.exists(), "the planted lock link was followed");
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    std::fs::remove_file(&lock).unwrap();

    // An entry that is a link to a private file elsewhere: not read (IAM is asked), and the
    // link is replaced by the new entry while its target stays as it was.
    let planted = elsewhere.path().join("planted-entry");
    let text = std::fs::read_to_string(&entry).unwrap();
    let planted_text = text.replace(
        serde_json::from_str::<Value>(&text).unwrap()["token"]
            .as_str()
            .unwrap(),
        "planted-token",
    );
    std::fs::write(&planted, &planted_text).unwrap();
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink(&planted, &entry).unwrap();
    let before = iam_requests(&sim);
    let out = run(&get, &env);
    assert_eq!(out.code, 0, "{out:?}");
    let planted_sent = sim.requests().iter().any(|r| {
        r.headers
            .iter()
            .any(|(name, value)| name == "x-auth-token" && value == "planted-token")
    });
    assert!(!planted_sent, "the linked entry was read");
    assert_eq!(iam_requests(&sim) - before, 1);
    assert!(!std::fs::symlink_metadata(&entry).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(&planted).unwrap(), planted_text);

    // FIFOs as the salt, an entry or the lock: no open waits for a writer; the run works
    // (with no entry, so that the lock is taken).
    for fifo in [cache_dir.join("salt"), entry.clone(), lock.clone()] {
        std::fs::remove_file(&entry).ok();
        let kept = elsewhere.path().join("kept");
        std::fs::rename(&fifo, &kept).ok();
        let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(made.success());
        let out = run(&get, &env);
        assert_eq!(out.code, 0, "{}: {out:?}", fifo.display());
        assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
        std::fs::remove_file(&fifo).unwrap();
        std::fs::rename(&kept, &fifo).ok();
    }
}

/// A loopback HTTPS server with a certificate for `127.0.0.1` made now by a CA of its own:
/// it answers every request with a succeeded IMS job, closing each connection. Returns its
/// URL and the CA's PEM.
fn tls_job_server() -> (String, String) {
    use std::io::{Read as _, Write as _};
    use std::sync::Arc;

    cloudjobs::runtime::connection::install_crypto_provider();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "cloudjobs test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        // Bounded: the tests make a handful of connections.
        for stream in listener.incoming().take(64) {
            let Ok(stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, stream);
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            if request.is_empty() {
                continue;
            }
            let body = r#"{"status":"SUCCESS","job_id":"tls-job","entities":{"image_id":"img-1"}}"#;
            let _ = write!(
                tls,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (url, ca_cert.pem())
}

/// Custom CAs as the OpenStack tools take them: `OS_CACERT` / `--os-cacert` and
/// `clouds.yaml`'s `cacert:` (only that bundle is trusted), `SSL_CERT_FILE` (replacing the
/// system's roots); `insecure: true`, `verify: false`, `OS_INSECURE` and `--insecure` check
/// nothing, with a warning every time. Before: `OS_CACERT` and `cacert:` were ignored (a
/// certificate error), and there was no way to turn verification off.
#[test]
fn custom_cas_and_insecure_tls() {
    let (url, ca_pem) = tls_job_server();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &ca_pem).unwrap();
    let ca = ca.to_str().unwrap();
    let get = ["get", "ims", "tls-job", "--endpoint", url.as_str()];
    let env = |extra: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        let mut e: Vec<(&'static str, String)> = TOKEN_ENV
            .iter()
            .map(|(k, v)| (*k, (*v).to_owned()))
            .collect();
        e.push(("CLOUDJOBS_METADATA_URL", "off".to_owned()));
        e.push(("HOME", dir.path().to_str().unwrap().to_owned()));
        e.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        e
    };
    let go = |args: &[&str], env: &[(&'static str, String)]| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run(args, &env)
    };
    // The system's roots do not know the test CA.
    let out = go(&get, &env(&[]));
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr.to_lowercase().contains("certificate"),
        "{}",
        out.stderr
    );
    // OS_CACERT, --os-cacert, SSL_CERT_FILE: trusted, no warning.
    for (extra, flags) in [
        (vec![("OS_CACERT", ca)], vec![]),
        (vec![], vec!["--os-cacert", ca]),
        (vec![("SSL_CERT_FILE", ca)], vec![]),
    ] {
        let a = [&get[..], &flags].concat();
        let out = go(&a, &env(&extra));
        assert_eq!(out.code, 0, "{extra:?} {flags:?}: {out:?}");
        assert!(out.stdout.contains("img-1"), "{}", out.stdout);
        assert!(!out.stderr.contains("WARNING"), "{}", out.stderr);
    }
    // clouds.yaml: cacert, insecure: true, verify: false.
    let clouds = dir.path().join("clouds.yaml");
    for (cloud, warns) in [
        (format!("cacert: {ca}"), false),
        ("insecure: true".to_owned(), true),
        ("verify: false".to_owned(), true),
    ] {
        std::fs::write(
            &clouds,
            format!("clouds:\n  t:\n    region_name: eu-de\n    {cloud}\n"),
        )
        .unwrap();
        let extra = [
            ("OS_CLOUD", "t"),
            ("OS_CLIENT_CONFIG_FILE", clouds.to_str().unwrap()),
        ];
        let out = go(&get, &env(&extra));
        assert_eq!(out.code, 0, "{cloud}: {out:?}");
        assert_eq!(
            out.stderr
                .contains("WARNING: TLS certificates are NOT verified"),
            warns,
            "{cloud}: {}",
            out.stderr
        );
    }
    // --insecure and OS_INSECURE, loudly.
    for (extra, flags) in [
        (vec![("OS_INSECURE", "true")], vec![]),
        (vec![], vec!["--insecure"]),
    ] {
        let a = [&get[..], &flags].concat();
        let out = go(&a, &env(&extra));
        assert_eq!(out.code, 0, "{out:?}");
        assert!(
            out.stderr
                .contains("WARNING: TLS certificates are NOT verified"),
            "{}",
            out.stderr
        );
    }
    // A CA file that is not there, or holds no certificate: a usage error naming it.
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "not a certificate\n").unwrap();
    for bad in [dir.path().join("missing.pem"), not_pem] {
        let out = go(&get, &env(&[("OS_CACERT", bad.to_str().unwrap())]));
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains(bad.to_str().unwrap()), "{}", out.stderr);
    }
}

/// The system's CA certificates are read at the first TLS handshake, not with every client
/// (#24 item 13: every run read about 440 files, even for `http://`): with `SSL_CERT_FILE`
/// naming a file that holds no certificate, a plain `http` run works (before, building the
/// client failed on it: "No CA certificates were loaded"), and an `https` one fails at the
/// handshake.
#[test]
fn ca_roots_are_loaded_only_for_tls() {
    let sim = JobSim::start();
    sim.script("ims", "plain", Script::succeeds());
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let mut env = TOKEN_ENV.to_vec();
    env.push(("SSL_CERT_FILE", empty.to_str().unwrap()));
    env.push(("CLOUDJOBS_METADATA_URL", "off"));
    let out = run(&["get", "ims", "plain", "--endpoint", sim.url()], &env);
    assert_eq!(out.code, 0, "{out:?}");
    let (url, _) = tls_job_server();
    let out = run(&["get", "ims", "tls-job", "--endpoint", &url], &env);
    assert_eq!(out.code, 4, "{out:?}");
}

/// A loopback HTTP server that answers every request with `body` (status 200), closing each
/// connection; at most 200 connections.
fn fixed_body_server(body: &'static str) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// `--json`'s `"response"` is the body exactly as sent: fields the spec does not know and
/// `null`s stay (they were dropped, the body re-serialized from the typed struct). A body
/// whose status is not where the spec's pointer says is reported once, as a warning naming
/// the service's operation and the fields the body has (it was only `unknown (no status)`).
#[test]
fn json_response_is_the_body_as_sent_and_a_missing_status_is_reported_once() {
    const SENT: &str = r#"{"status":"SUCCESS","job_id":"j1","fail_reason":null,"entities":{"image_id":"img-1","brand_new":{"x":[1,2.50]}},"extra":"kept"}"#;
    let url = fixed_body_server(SENT);
    let out = run(
        &["get", "ims", "j1", "--endpoint", &url, "--json"],
        &TOKEN_ENV,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(SENT), "verbatim: {}", out.stdout);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["response"], serde_json::from_str::<Value>(SENT).unwrap());
    assert_eq!(v["state"], "succeeded");
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);

    let other_shape = fixed_body_server(r#"{"state":"done","id":"j2"}"#);
    let out = run(
        &["get", "ims", "j2", "--endpoint", &other_shape],
        &TOKEN_ENV,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("unknown (no status)"), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "warning: ims ShowJob: the response has no job status where the spec's status pointer"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("top-level fields: state, id")
            || out.stderr.contains("top-level fields: id, state"),
        "{}",
        out.stderr
    );
    let a = [
        "wait",
        "ims",
        "j2",
        "--endpoint",
        &other_shape,
        "--timeout",
        "300ms",
        "--interval",
        "5ms",
        "--max-interval",
        "20ms",
    ];
    let out = run(&a, &TOKEN_ENV);
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(
        out.stderr.matches("has no job status").count(),
        1,
        "{}",
        out.stderr
    );
}

/// `--json`'s error object names the service and carries the service's error code (#24
/// item 12; it had neither), and a resource a job names twice is listed once.
#[test]
fn json_errors_name_the_service_and_resources_are_listed_once() {
    let sim = JobSim::start();
    let ims = sim.service("ims");
    for command in ["get", "wait"] {
        let out = run(
            &with(args(&sim, command, ims, "no-such-job"), &["--json"]),
            &TOKEN_ENV,
        );
        assert_eq!(out.code, 4, "{out:?}");
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(v["service"], "ims", "{v}");
        assert_eq!(v["outcome"], "error", "{v}");
        assert_eq!(v["status"], 404, "{v}");
        assert!(v.get("error_code").is_some(), "{v}");
    }
    let url = fixed_body_server(
        r#"{"status":"SUCCESS","job_id":"j","entities":{"image_id":"img-1","results":[{"image_id":"img-1"},{"image_id":"img-2"}]}}"#,
    );
    let out = run(&["get", "ims", "j", "--endpoint", &url], &TOKEN_ENV);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("resources: img-1, img-2\n"),
        "{}",
        out.stdout
    );
    let out = run(
        &["get", "ims", "j", "--endpoint", &url, "--json"],
        &TOKEN_ENV,
    );
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["resources"], json!(["img-1", "img-2"]));
}

/// The waiter's estimate of the end shows on each progress line (`eta 3m12s ±20s`) and in
/// `--json` (`eta`, seconds); with a cache directory the durations of past jobs are kept in
/// `durations.json` (0600) beside the token cache, a broken one only warns, and
/// `--no-token-cache` keeps none.
#[test]
fn wait_shows_the_eta_and_keeps_job_durations() {
    let sim = JobSim::start();
    let service = sim
        .services()
        .iter()
        .find(|s| s.job.progress.is_some())
        .expect("a service with a percentage");
    let name = service.name.clone();
    let script = || {
        let mut steps: Vec<Step> = (0..=9)
            .map(|i| Step::progress(Phase::Running, i * 10))
            .collect();
        steps.push(Step::progress(Phase::Succeeded, 100));
        Script::new(steps)
    };
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().join("cloudjobs");
    let dir_text = dir.to_str().unwrap().to_owned();
    let env = [
        TOKEN_ENV[0],
        TOKEN_ENV[1],
        ("CLOUDJOBS_CACHE_DIR", &dir_text),
    ];
    sim.script(&name, "eta-1", script());
    let out = run(&args(&sim, "wait", service, "eta-1"), &env);
    assert_eq!(out.code, 0, "{out:?}");
    let eta_line = out.stderr.lines().find(|l| l.contains(", eta "));
    let eta_line = eta_line.unwrap_or_else(|| panic!("no eta: {}", out.stderr));
    assert!(eta_line.contains(" ±"), "{eta_line}");
    let file = dir.join("durations.json");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(saved["durations"].to_string().contains(&name), "{saved}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    sim.script(&name, "eta-2", script());
    let out = run(
        &with(args(&sim, "wait", service, "eta-2"), &["--json"]),
        &env,
    );
    assert_eq!(out.code, 0, "{out:?}");
    let json = out.json();
    assert!(json.as_object().unwrap().contains_key("eta"), "{json}");

    // A broken file warns, and the wait goes on.
    std::fs::write(&file, "{ not json").unwrap();
    sim.script(&name, "eta-3", script());
    let out = run(&args(&sim, "wait", service, "eta-3"), &env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("warning: job durations in"),
        "{}",
        out.stderr
    );

    // --no-token-cache: nothing written.
    let other = tempfile::tempdir().unwrap();
    let other_text = other.path().to_str().unwrap().to_owned();
    let env = [
        TOKEN_ENV[0],
        TOKEN_ENV[1],
        ("CLOUDJOBS_CACHE_DIR", &other_text),
    ];
    sim.script(&name, "eta-4", script());
    let a = with(args(&sim, "wait", service, "eta-4"), &["--no-token-cache"]);
    assert_eq!(run(&a, &env).code, 0);
    assert!(!other.path().join("durations.json").exists());
}

/// A wrong endpoint (nothing listens there) ends `wait` after a few quick tries, not after
/// the whole backoff: exit 4 (API or network error), naming the host and port.
#[test]
fn wait_on_an_unreachable_endpoint_fails_fast_naming_the_host() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let out = run(
        &["wait", "ims", "job-1", "--endpoint", &endpoint],
        &TOKEN_ENV,
    );
    assert!(started.elapsed() < Duration::from_secs(30), "{out:?}");
    assert_eq!(out.code, 4, "{out:?}");
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(last.contains(&format!("127.0.0.1:{port}")), "{last}");
    assert!(last.contains("--endpoint"), "{last}");
}

/// SIGTERM ends a wait as Ctrl-C does: the last state seen is printed, exit 143.
#[cfg(unix)]
#[test]
fn sigterm_ends_a_wait_with_the_last_state() {
    let sim = JobSim::start();
    let service = sim.service("ims");
    sim.script("ims", "term-1", Script::never_ends());
    let child = Command::new(binary())
        .args(args(&sim, "wait", service, "term-1"))
        .env_clear()
        .envs(TOKEN_ENV.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cloudjobs");
    let started = Instant::now();
    while sim.requests_for("term-1").len() < 2 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let out = Run::from(child.wait_with_output().expect("read cloudjobs's output"));
    assert_eq!(out.code, 143, "{out:?}");
    assert!(out.stdout.contains("state:     running"), "{}", out.stdout);
    assert!(out.stderr.contains("cancelled"), "{}", out.stderr);
}

/// `-f/--format table|value|yaml|json`, as the openstack command line's: `table` the text,
/// `value` bare values one a line (id, state, status, progress, resources), `yaml` the JSON's
/// fields, `json` what `--json` prints; an error object in the data formats too; `--json`
/// with `-f` is a usage error.
#[test]
fn output_formats() {
    let sim = JobSim::start();
    let service = sim.service("ims");
    sim.script("ims", "fmt-1", Script::never_ends());
    let get = args(&sim, "get", service, "fmt-1");
    let table = run(&with(get.clone(), &["-f", "table"]), &TOKEN_ENV);
    let plain = run(&get, &TOKEN_ENV);
    let text = |stdout: &str| -> Vec<String> {
        stdout
            .lines()
            .filter(|l| !l.starts_with("request:"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(table.code, 0, "{table:?}");
    assert_eq!(text(&table.stdout), text(&plain.stdout));
    let json = run(&with(get.clone(), &["--format", "json"]), &TOKEN_ENV);
    let short = run(&with(get.clone(), &["--json"]), &TOKEN_ENV);
    assert_eq!(json.code, 0, "{json:?}");
    let (mut a, mut b) = (json.json(), short.json());
    for v in [&mut a, &mut b] {
        v["request_id"] = Value::Null;
        v["response"] = Value::Null;
    }
    assert_eq!(a, b, "-f json is --json");
    let value = run(&with(get.clone(), &["-f", "value"]), &TOKEN_ENV);
    assert_eq!(value.code, 0, "{value:?}");
    let lines: Vec<&str> = value.stdout.lines().collect();
    assert_eq!(lines[0], "fmt-1", "{}", value.stdout);
    assert_eq!(lines[1], "running", "{}", value.stdout);
    assert_eq!(
        lines[2],
        service.status(&Phase::Running),
        "{}",
        value.stdout
    );
    let yaml = run(&with(get.clone(), &["-f", "yaml"]), &TOKEN_ENV);
    assert_eq!(yaml.code, 0, "{yaml:?}");
    assert!(yaml.stdout.contains("service: ims"), "{}", yaml.stdout);
    assert!(yaml.stdout.contains("state: running"), "{}", yaml.stdout);
    assert!(yaml.stdout.contains("response:"), "{}", yaml.stdout);

    // wait -f value: the final job.
    sim.script("ims", "fmt-2", Script::succeeds());
    let out = run(
        &with(args(&sim, "wait", service, "fmt-2"), &["-f", "value"]),
        &TOKEN_ENV,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout.lines().nth(1),
        Some("succeeded"),
        "{}",
        out.stdout
    );

    // An error in YAML: the object --json prints.
    sim.script("ims", "fmt-3", Script::new([Step::http(404)]));
    let out = run(
        &with(args(&sim, "get", service, "fmt-3"), &["-f", "yaml"]),
        &TOKEN_ENV,
    );
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stdout.contains("outcome: error"), "{}", out.stdout);
    assert!(out.stdout.contains("status: 404"), "{}", out.stdout);

    // services -f value: the names; -f yaml: the listing.
    let out = run(&["services", "-f", "value"], &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let names: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(names.len(), registry::SERVICES.len(), "{}", out.stdout);
    assert!(names.contains(&"ims"));
    let out = run(&["services", "ims", "-f", "yaml"], &[]);
    assert!(out.stdout.contains("name: ims"), "{}", out.stdout);

    let out = run(&with(get.clone(), &["--json", "-f", "yaml"]), &TOKEN_ENV);
    assert_eq!(out.code, 2, "{out:?}");
    let out = run(&with(get, &["-f", "xml"]), &TOKEN_ENV);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("table"), "{}", out.stderr);
}

/// The completion scripts complete service names and regions (static lists from the
/// registry).
#[test]
fn completions_complete_services_and_regions() {
    let region = registry::SERVICES
        .iter()
        .flat_map(|s| s.service.servers.iter())
        .flat_map(|s| s.variables.iter())
        .find(|v| v.name == "region")
        .map(|v| v.default)
        .expect("a region variable");
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell], &[]);
        assert_eq!(out.code, 0, "{shell}: {out:?}");
        assert!(out.stdout.contains(region), "{shell}: no {region}");
        if shell == "fish" {
            // clap_complete's fish script completes no positional argument.
            continue;
        }
        for s in registry::SERVICES {
            assert!(out.stdout.contains(s.name), "{shell}: no {}", s.name);
        }
    }
    // Parsing is not narrowed by the lists: an unknown service still gets "did you mean".
    let out = run(&["get", "imss", "job"], &TOKEN_ENV);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("did you mean `ims`"), "{}", out.stderr);
}

/// A region no server of the spec names: the command asks IAM's service catalog (at the
/// given IAM URL, with the user's token) before it refuses, and says what came of it; with
/// no IAM URL and a region IAM's servers do not name either, no request is sent at all (the
/// token would go to a host made up from the region).
#[test]
fn an_unnamed_region_asks_the_iam_catalog_before_refusing() {
    let sim = JobSim::start();
    let auth_url = format!("{}/v3", sim.url());
    let mut env = TOKEN_ENV.to_vec();
    env.push(("OS_AUTH_URL", auth_url.as_str()));
    let out = run(&["get", "ims", "job", "--region", "eu-ch9"], &env);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("not one of the values the spec allows")
            && out
                .stderr
                .contains("IAM's service catalog could not be read")
            && out.stderr.contains("--endpoint"),
        "{out:?}"
    );
    let asked: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v3/auth/catalog")
        .collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].header("x-auth-token"), Some(jobsim::TOKEN));

    let before = sim.requests().len();
    let out = run(&["get", "ims", "job", "--region", "eu-ch9"], &TOKEN_ENV);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("no IAM endpoint is known for region `eu-ch9`"),
        "{out:?}"
    );
    assert_eq!(sim.requests().len(), before);
}
