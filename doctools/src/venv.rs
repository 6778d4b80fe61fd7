//! The project's Python tool environment: one venv, `target/tools/venv`, with the exact pins
//! of the readers (`doctools/readers/requirements.txt`) and of xtask's spec validator
//! (`xtask/tools/requirements.txt`), installed on first use and again when a pin changes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The requirement files the venv is made from, relative to the project root.
pub const REQUIREMENTS: [&str; 2] = [
    "doctools/readers/requirements.txt",
    "xtask/tools/requirements.txt",
];

/// The venv's folder, relative to the project root.
pub const VENV: &str = "target/tools/venv";

/// The Python interpreter of the venv, installed first when missing or out of date.
///
/// # Errors
///
/// A requirement file that cannot be read, no Python 3 with `venv`, or a failed `pip`.
pub fn python(root: &Path) -> Result<PathBuf, String> {
    let mut wanted = String::new();
    for file in REQUIREMENTS {
        let path = root.join(file);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        wanted.push_str(&format!("# {file}\n{text}"));
    }
    let venv = root.join(VENV);
    let python = venv.join("bin/python");
    let stamp = venv.join(".requirements");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    // On standard error, as pip's output: `cargo xtask docs ... --format json` keeps standard
    // output for its report, even on the run that installs.
    eprintln!("installing the pinned Python tools into {}", venv.display());
    let _ = std::fs::remove_dir_all(&venv);
    run(Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&venv)
        .stdout(std::io::stderr()))
    .map_err(|e| {
        format!("{e}\nPython 3 with the venv module is needed (Debian/Ubuntu: apt-get install python3-venv)")
    })?;
    let mut pip = Command::new(&python);
    pip.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
    ]);
    for file in REQUIREMENTS {
        pip.arg("-r").arg(root.join(file));
    }
    run(pip.stdout(std::io::stderr()))?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(python)
}

/// Runs a command, its output going where the command sends it; an error names the command
/// (xtask runs its tools with this too).
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
