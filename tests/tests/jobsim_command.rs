//! `jobsim` (what `cargo xtask jobsim` runs): the simulated job server as a command, and the
//! README's `cloudjobs wait` against it, both run as the binaries a user runs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use cloudjobs_tests::binaries::{self, Run};
use cloudjobs_tests::jobsim::{PROJECT_ID, TOKEN};

fn cloudjobs() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    binaries::binary_once(&BIN, "CLOUDJOBS_BIN", "cloudjobs", &["--example", "wait"])
}

/// The server, stopped when dropped.
struct Server {
    child: Child,
    url: String,
    printed: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `jobsim --port 0` and reads what it prints up to its last line.
fn start() -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start jobsim");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        let done = line.starts_with("Stop with");
        printed.push(line);
        if done {
            break;
        }
    }
    let url = printed[0]
        .rsplit(' ')
        .next()
        .expect("the URL ends the first line")
        .to_owned();
    Server {
        child,
        url,
        printed,
    }
}

fn wait(server: &Server, args: &[&str]) -> Run {
    let output = Command::new(cloudjobs())
        .arg("wait")
        .args(args)
        .args(["--interval", "10ms", "--max-interval", "50ms"])
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .env("CLOUDJOBS_ENDPOINT", &server.url)
        .env("OS_AUTH_TOKEN", TOKEN)
        .env("OS_PROJECT_ID", PROJECT_ID)
        .env("CLOUDJOBS_METADATA_URL", "off")
        .output()
        .expect("run cloudjobs");
    Run::from(output)
}

#[test]
fn jobsim_serves_every_job_service_and_the_printed_commands_work() {
    let server = start();
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    let text = server.printed.join("\n");
    assert!(
        text.contains(&format!("export CLOUDJOBS_ENDPOINT={}", server.url)),
        "{text}"
    );
    // Every printed `cloudjobs wait` line, run as printed (with the exported settings).
    let commands: Vec<&String> = server
        .printed
        .iter()
        .filter(|l| l.trim_start().starts_with("cloudjobs wait "))
        .collect();
    assert!(commands.len() >= 18, "{text}");
    for line in commands {
        let args: Vec<&str> = line.split_whitespace().skip(2).collect();
        let run = wait(&server, &args);
        assert_eq!(run.code, 0, "{line}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("succeeded"), "{line}: {}", run.stdout);
    }
}

#[test]
fn job_ids_choose_the_history() {
    let server = start();
    let failed = wait(&server, &["ims", "job-fail-7"]);
    assert_eq!(failed.code, 1, "{}{}", failed.stdout, failed.stderr);
    assert!(failed.all().contains("JOBSIM.0001"), "{}", failed.all());
    let forever = wait(&server, &["ims", "job-forever", "--timeout", "300ms"]);
    assert_ne!(forever.code, 0, "{}", forever.all());
    assert!(!forever.all().contains("succeeded"), "{}", forever.all());
}

#[test]
fn bad_arguments_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(["--port", "x"])
        .output()
        .expect("run jobsim");
    assert_eq!(out.status.code(), Some(2));
    let help = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .arg("--help")
        .output()
        .expect("run jobsim");
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--port"));
}
