//! External tools the project installs for itself (pinned), and `cargo xtask test`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs a command, streaming its output; an error names the command.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn step(title: &str) {
    println!("\n==> {title}");
}

/// The Python interpreter of the project's tool environment, installed on first use from
/// `xtask/tools/requirements.txt` (exact pins) into `target/tools/venv`.
pub fn python(root: &Path) -> Result<PathBuf, String> {
    let requirements = root.join("xtask/tools/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
    let venv = root.join("target/tools/venv");
    let python = venv.join("bin/python");
    let stamp = venv.join(".requirements");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    println!("installing the pinned Python tools into {}", venv.display());
    let _ = std::fs::remove_dir_all(&venv);
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv)).map_err(|e| {
        format!("{e}\nPython 3 with the venv module is needed (Debian/Ubuntu: apt-get install python3-venv)")
    })?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
        ])
        .arg(&requirements))?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(python)
}

/// `cargo xtask validate`: every spec through openapi-spec-validator, its examples against
/// their schemas, and the `x-cloudjobs-job` extension against the responses.
pub fn validate_specs(root: &Path) -> Result<(), String> {
    let python = python(root)?;
    let specs =
        cloudjobs_codegen::project::spec_files(&root.join("specs")).map_err(|e| e.to_string())?;
    run(Command::new(python)
        .arg(root.join("xtask/tools/validate_specs.py"))
        .args(&specs)
        .current_dir(root))
}

/// `cargo xtask test`: everything that must pass before a change lands.
pub fn test_all(root: &Path) -> Result<(), String> {
    step("formatting (cargo fmt --check)");
    run(cargo()
        .args(["fmt", "--all", "--", "--check"])
        .current_dir(root))?;

    step("specs (openapi-spec-validator, examples, job extension)");
    validate_specs(root)?;
    let python = python(root)?;
    run(Command::new(python)
        .args([
            "-m",
            "unittest",
            "discover",
            "-s",
            "xtask/tools",
            "-p",
            "test_*.py",
        ])
        .current_dir(root))?;

    step("generated code is up to date (cargo xtask check)");
    crate::check(root)?;

    step("lints (cargo clippy -D warnings)");
    run(cargo()
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(root))?;

    step("tests (cargo test --workspace)");
    run(cargo().args(["test", "--workspace"]).current_dir(root))?;

    step("docs (cargo doc, warnings denied)");
    run(cargo()
        .args([
            "doc",
            "--no-deps",
            "-p",
            "cloudjobs",
            "-p",
            "cloudjobs-codegen",
        ])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(root))?;

    println!("\nall checks passed");
    Ok(())
}
