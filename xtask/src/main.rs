//! Project automation: `cargo xtask <command>`. Run `cargo xtask help` for the list.

mod bench;
mod corpus;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{CommandFactory as _, Parser as _};
use cloudjobs_codegen::EmitOptions;
use cloudjobs_codegen::project::{OutputFile, generate_dir};
use xtask::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let Some(command) = cli.command else {
        let _ = Cli::command().print_help();
        return ExitCode::SUCCESS;
    };
    let root = match cloudjobs_codegen::project::root::project_root() {
        Ok(root) => root,
        Err(message) => return fail(&message),
    };
    let result = match command {
        Command::Regen => regen(&root),
        Command::Check => check(&root),
        Command::Validate => tools::validate_specs(&root),
        Command::Corpus(args) => corpus::run(&root, &args),
        Command::Diff(args) => return xtask::git_diff::run(&root, &args),
        Command::Docs(command) => return cloudjobs_doctools::run(&root, &command).print(),
        Command::Test => tools::test_all(&root),
        Command::Bench(args) => bench::run_bench(&root, &args),
        Command::Jobsim { port } => tools::run(tools::cargo().current_dir(&root).args([
            "run",
            "--quiet",
            "-p",
            "cloudjobs-tests",
            "--bin",
            "jobsim",
            "--",
            "--port",
            &port.to_string(),
        ])),
        Command::Man { dir } => man(&root, &dir.unwrap_or_else(|| root.join("target/man"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

/// Builds the command line and writes its manual pages (rendered by the binary itself, from
/// the same clap definition as `--help`) into `dir`: `cloudjobs.1` and one page per
/// subcommand (`cloudjobs-wait.1`, ...).
fn man(root: &Path, dir: &Path) -> Result<(), String> {
    tools::run(tools::cargo().current_dir(root).args([
        "build",
        "--quiet",
        "-p",
        "cloudjobs-cli",
        "--bin",
        "cloudjobs",
    ]))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = target
        .join("debug")
        .join(format!("cloudjobs{}", std::env::consts::EXE_SUFFIX));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let output = std::process::Command::new(&binary)
        .arg("man")
        .arg("--out")
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} man --out {} failed: {}",
            binary.display(),
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    for page in String::from_utf8_lossy(&output.stdout).lines() {
        println!("man: wrote {page}");
    }
    Ok(())
}

/// Prints `message` as the error it is and returns the failure status.
fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// Where generated modules go.
fn apis_dir(root: &Path) -> PathBuf {
    root.join("generated/src/apis")
}

fn generate(root: &Path) -> Result<Vec<OutputFile>, String> {
    generate_dir(&root.join("specs"), "specs", &EmitOptions::default()).map_err(|errors| {
        let mut message = format!(
            "{} spec(s) could not be generated; nothing was written:",
            errors.len()
        );
        for e in errors {
            message.push_str(&format!("\n  {e}"));
        }
        message
    })
}

fn report(files: &[OutputFile]) {
    for f in files {
        let Some(r) = &f.source else { continue };
        println!(
            "{:<34} -> generated/src/apis/{:<26} {:>3} operations {:>4} types {:>6} lines {:>6.1} ms",
            r.spec,
            f.name,
            r.operations,
            r.types,
            r.lines,
            r.elapsed.as_secs_f64() * 1000.0
        );
        for w in &r.warnings {
            println!("    warning: {}: {w}", r.spec);
        }
    }
}

/// Each generated file's name and contents.
fn outputs(files: &[OutputFile]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|f| (f.name.clone(), f.contents.clone()))
        .collect()
}

/// Regenerates `generated/src/apis/` all or nothing ([`xtask::regen::write_tree`]).
fn regen(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let files = generate(root)?;
    let readme = xtask::readme::updated(root)?;
    let dir = apis_dir(root);
    let written = xtask::regen::write_tree(&dir, &outputs(&files), &mut |_| Ok(()))?;
    for removed in &written.removed {
        println!("removed generated/src/apis/{removed} (its spec is gone)");
    }
    if let Some(text) = readme {
        std::fs::write(root.join("README.md"), text).map_err(|e| format!("README.md: {e}"))?;
        println!("README.md: the `cargo xtask diff` example made again from the specs");
    }
    report(&files);
    println!(
        "regen: {} spec(s), {} file(s) changed, {:.1} ms",
        files.iter().filter(|f| f.source.is_some()).count(),
        written.changed.len() + written.removed.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

fn check(root: &Path) -> Result<(), String> {
    let files = generate(root)?;
    let dir = apis_dir(root);
    xtask::regen::recover(&dir)?;
    let planned = xtask::regen::planned(&dir, &outputs(&files))?;
    for f in files.iter().filter(|f| planned.changed.contains(&f.name)) {
        let current = std::fs::read_to_string(dir.join(&f.name)).unwrap_or_default();
        let diff = similar::TextDiff::from_lines(&current, &f.contents);
        let shown = format!("generated/src/apis/{}", f.name);
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&format!("a/{shown}"), &format!("b/{shown}"))
        );
    }
    for name in &planned.removed {
        println!("generated/src/apis/{name} is generated but no spec produces it any more");
    }
    let mut stale = planned.changed.len() + planned.removed.len();
    if let Some(text) = xtask::readme::updated(root)? {
        let current = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
        let diff = similar::TextDiff::from_lines(&current, &text);
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header("a/README.md", "b/README.md")
        );
        stale += 1;
    }
    if stale > 0 {
        return Err(format!(
            "{stale} generated file(s) are stale: run `cargo xtask regen` and commit the result"
        ));
    }
    println!(
        "check: generated/src/apis/ is up to date with specs/ ({} spec(s))",
        files.iter().filter(|f| f.source.is_some()).count()
    );
    Ok(())
}
