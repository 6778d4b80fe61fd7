//! The workspace's binaries, built from a test: `cloudjobs` for the command-line tests,
//! `xtask` for the `cargo xtask docs` tests, and cargo itself run from a test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use crate::paths::project_root;

/// `cargo`, without the variables Cargo sets for the running test: build scripts that watch
/// one (ring watches `CARGO_MANIFEST_DIR`) would otherwise rerun, and everything above them.
pub fn cargo() -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    for (name, _) in std::env::vars_os() {
        let set_by_cargo = name.to_str().is_some_and(|n| {
            [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
            ]
            .iter()
            .any(|p| n.starts_with(p))
                || matches!(
                    n,
                    "CARGO_PRIMARY_PACKAGE"
                        | "CARGO_TARGET_TMPDIR"
                        | "CARGO_RUSTC_CURRENT_DIR"
                        | "OUT_DIR"
                )
        });
        if set_by_cargo {
            command.env_remove(name);
        }
    }
    command
}

/// `cargo SUBCOMMAND...` in the project root, in the profile and target folder of the running
/// test (so it reuses the test's build instead of making another).
pub fn cargo_like_this_test(subcommand: &[&str]) -> Command {
    let mut command = cargo();
    command.current_dir(project_root()).args(subcommand);
    // The running test is <target>/<profile>/deps/<name>-<hash>.
    let Ok(exe) = std::env::current_exe() else {
        return command;
    };
    if let Some(profile_dir) = exe.parent().and_then(Path::parent) {
        match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => {}
            Some("release") => {
                command.arg("--release");
            }
            Some(profile) => {
                command.args(["--profile", profile]);
            }
        }
        if let Some(target) = profile_dir.parent()
            && std::env::var_os("CARGO_TARGET_DIR").is_none()
            && target.join("CACHEDIR.TAG").exists()
        {
            command.arg("--target-dir").arg(target);
        }
    }
    command
}

/// Builds the workspace binary `bin` (with `extra` arguments for cargo, such as
/// `["--example", "wait"]`) in the profile and target folder of the running test, and returns
/// its path, as cargo reports it.
pub fn build_binary(bin: &str, extra: &[&str]) -> Result<PathBuf, String> {
    let mut command = cargo_like_this_test(&["build", "--workspace", "--bin", bin]);
    command
        .args(extra)
        .args(["--message-format", "json-render-diagnostics"]);
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!("cargo build failed: {}", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|m| {
            m["reason"] == "compiler-artifact"
                && m["target"]["name"] == bin
                && m["target"]["kind"][0] == "bin"
        })
        .and_then(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo reported no {bin} executable"))
}

/// The workspace binary `bin`, from the variable `override_var` when set, else built once
/// per test process (see [`build_binary`]) and kept in `cell`.
pub fn binary_once(
    cell: &'static OnceLock<PathBuf>,
    override_var: &str,
    bin: &str,
    extra: &[&str],
) -> &'static Path {
    cell.get_or_init(|| {
        if let Some(path) = std::env::var_os(override_var) {
            return PathBuf::from(path);
        }
        build_binary(bin, extra).unwrap_or_else(|e| panic!("cannot build the {bin} binary: {e}"))
    })
}

/// What a run of a binary printed and how it ended.
#[derive(Debug)]
pub struct Run {
    /// The exit status (-1 when killed by a signal).
    pub code: i32,
    /// Standard output, as text.
    pub stdout: String,
    /// Standard error, as text.
    pub stderr: String,
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
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Both outputs, for "never printed" checks.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}
