//! `jobsim`: the simulated job server of the tests as a command, to try the `cloudjobs`
//! command line (or a program using the library) without a cloud. It serves every job
//! service of a folder of specs (default: the project's `specs/`) on 127.0.0.1, with IAM's
//! token call, until it is stopped. `cargo xtask jobsim` runs it.
//!
//! Every job id plays a history by its name: one holding `fail` fails, one holding `forever`
//! never ends, any other goes queued → running (25, 50, 75 %) → succeeded, one step per poll.

use std::path::PathBuf;
use std::process::ExitCode;

use cloudjobs_tests::jobsim::{self, JobSim, Phase, Script, Step};

const USAGE: &str = "usage: jobsim [--port N] [--specs DIR]

Serves every job service of DIR (default: the project's specs/) on 127.0.0.1:N (default 8787;
0 picks a free port) until it is stopped (Ctrl-C). Job ids holding `fail` fail, ids holding
`forever` never end, any other succeeds after four polls. Services that share a path (IMS
and VBS: /v1/{project_id}/jobs/{job_id}) are told apart by their name before the path: the
endpoint http://127.0.0.1:N/vbs is VBS's.";

fn history(job_id: &str) -> Script {
    if job_id.contains("fail") {
        Script::new([
            Step::progress(Phase::Pending, 0),
            Step::progress(Phase::Running, 40),
            Step::failed("JOBSIM.0001", "The simulated job failed, as its id asked"),
        ])
    } else if job_id.contains("forever") {
        Script::never_ends()
    } else {
        Script::new([
            Step::progress(Phase::Pending, 0),
            Step::progress(Phase::Running, 25),
            Step::progress(Phase::Running, 50),
            Step::progress(Phase::Running, 75),
            Step::progress(Phase::Succeeded, 100),
        ])
    }
}

fn main() -> ExitCode {
    let mut port: u16 = 8787;
    let mut specs: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--port" => match args.next().and_then(|p| p.parse().ok()) {
                Some(p) => port = p,
                None => return usage_error("--port needs a number from 0 to 65535"),
            },
            "--specs" => match args.next() {
                Some(d) => specs = Some(PathBuf::from(d)),
                None => return usage_error("--specs needs a folder"),
            },
            other => return usage_error(&format!("unexpected argument `{other}`")),
        }
    }
    let specs = specs.unwrap_or_else(jobsim::workspace_specs);
    let sim = match JobSim::start_on(&specs, port) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("jobsim: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::from(1);
        }
    };
    sim.play_unscripted(history);
    let url = sim.url();
    println!(
        "jobsim: serving {} job services on {url}",
        sim.services().len()
    );
    println!();
    println!(
        "  export CLOUDJOBS_ENDPOINT={url} OS_AUTH_TOKEN={} OS_PROJECT_ID={}",
        jobsim::TOKEN,
        jobsim::PROJECT_ID
    );
    for service in sim.services() {
        let extra: Vec<String> = service
            .required_params
            .iter()
            .map(|p| format!("{} {}", flag(&p.name), p.sample))
            .collect();
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" {}", extra.join(" "))
        };
        // A service whose path another one shares is told apart by its name before the path.
        let all = sim.services();
        let own = match all.iter().any(|other| service.overlaps(other)) {
            true => format!(" --endpoint {url}/{}", service.name),
            false => String::new(),
        };
        println!("  cloudjobs wait {} job-1{extra}{own}", service.name);
    }
    println!();
    println!(
        "Job ids holding `fail` fail, `forever` never end; any other succeeds after four polls."
    );
    println!("Stop with Ctrl-C.");
    loop {
        std::thread::park();
    }
}

/// The command line's flag for a parameter: `X-Environment-ID` → `--environment-id`.
fn flag(name: &str) -> String {
    let name = name
        .strip_prefix("X-")
        .or_else(|| name.strip_prefix("x-"))
        .unwrap_or(name);
    let mut out = String::from("--");
    for c in name.chars() {
        if c == '_' || c == '-' {
            out.push('-');
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("jobsim: {message}\n\n{USAGE}");
    ExitCode::from(2)
}
