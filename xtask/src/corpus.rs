//! `cargo xtask corpus [DIR]`: how general the generator is, measured on real-world specs.
//!
//! Each spec becomes a crate in one scratch workspace under `target/corpus/` (one shared
//! target directory, so dependencies build once); one `cargo check --keep-going` then
//! compiles them all.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use cloudjobs_codegen::{EmitOptions, generate_file};
use xtask::cli::{CorpusArgs, corpus_dir};

struct Row {
    spec: String,
    krate: Option<String>,
    generated: Result<(), String>,
    lines: usize,
    millis: f64,
    warnings: usize,
}

pub fn run(root: &Path, args: &CorpusArgs) -> Result<(), String> {
    let generate_only = args.generate_only;
    let dir = corpus_dir(root, args.dir.as_ref(), "corpus DIR")?;
    let specs = cloudjobs_codegen::project::spec_files(&dir).map_err(|e| e.to_string())?;
    if specs.is_empty() {
        return Err(format!("no specs in {}", dir.display()));
    }
    let scratch = root.join("target/corpus");
    let _ = std::fs::remove_dir_all(scratch.join("crates"));
    std::fs::create_dir_all(scratch.join("crates")).map_err(|e| e.to_string())?;
    let options = EmitOptions {
        runtime_path: "cloudjobs::runtime".into(),
        generated_by: "cargo xtask corpus".into(),
    };
    let mut rows = Vec::new();
    for path in &specs {
        let spec = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let krate = format!("corpus_{}", cloudjobs_codegen::module_name(path));
        let started = Instant::now();
        // The generator must never panic; if it does, say so in the table instead of dying.
        let outcome = std::panic::catch_unwind(|| generate_file(path, &spec, "api", &options));
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        let row = match outcome {
            Ok(Ok(generated)) => {
                write_crate(
                    &scratch.join("crates").join(&krate),
                    &krate,
                    &generated.code,
                    root,
                )?;
                Row {
                    spec,
                    krate: Some(krate),
                    generated: Ok(()),
                    lines: generated.code.lines().count(),
                    millis,
                    warnings: generated.warnings().len(),
                }
            }
            Ok(Err(e)) => Row {
                spec,
                krate: None,
                generated: Err(format!("{}: {}", e.pointer, e.message)),
                lines: 0,
                millis,
                warnings: 0,
            },
            Err(_) => Row {
                spec,
                krate: None,
                generated: Err("PANIC in the generator".into()),
                lines: 0,
                millis,
                warnings: 0,
            },
        };
        rows.push(row);
    }
    let members: Vec<String> = rows
        .iter()
        .filter_map(|r| r.krate.as_ref())
        .map(|k| format!("\"crates/{k}\""))
        .collect();
    std::fs::write(
        scratch.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[profile.dev]\ndebug = false\n",
            members.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    let lock = root.join("Cargo.lock");
    let _ = std::fs::copy(&lock, scratch.join("Cargo.lock"));

    if generate_only {
        print_table(&rows, None, specs.len());
        return Ok(());
    }
    println!(
        "checking {} generated crates in {} ...",
        members.len(),
        scratch.display()
    );
    let errors = check_all(&scratch, root)?;
    print_table(&rows, Some(&errors), specs.len());
    Ok(())
}

fn write_crate(dir: &Path, name: &str, code: &str, root: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    let cloudjobs = root.join("generated");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\ncloudjobs = {{ path = {:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n",
            cloudjobs.display().to_string()
        ),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("src/lib.rs"),
        format!("#![allow(missing_docs)]\n{code}"),
    )
    .map_err(|e| e.to_string())
}

/// The first compiler error of each crate (crates without errors are absent).
fn check_all(scratch: &Path, root: &Path) -> Result<BTreeMap<String, String>, String> {
    let output = crate::tools::cargo()
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--message-format=json",
            "--quiet",
        ])
        .env("CARGO_TARGET_DIR", root.join("target/corpus-target"))
        .current_dir(scratch)
        .output()
        .map_err(|e| format!("cannot run cargo check: {e}"))?;
    let mut errors = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-message" || msg["message"]["level"] != "error" {
            continue;
        }
        let package = msg["package_id"].as_str().unwrap_or_default();
        let Some(krate) = package
            .split(['#', '@', ' '])
            .filter(|s| s.contains("corpus_"))
            .map(|s| s.rsplit('/').next().unwrap_or(s).to_owned())
            .next()
        else {
            continue;
        };
        let text = msg["message"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let at = msg["message"]["spans"][0]["line_start"]
            .as_u64()
            .unwrap_or(0);
        errors
            .entry(krate)
            .or_insert_with(|| format!("line {at}: {text}"));
    }
    if !output.status.success() && errors.is_empty() {
        return Err(format!(
            "cargo check failed without compiler errors:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(errors)
}

/// The table; without `errors` (`--generate-only`) the compile column is left out.
fn print_table(rows: &[Row], errors: Option<&BTreeMap<String, String>>, total: usize) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n| spec | generated | compiles | lines | warnings | ms |\n|---|---|---|---|---|---|"
    );
    let (mut generated, mut compiled) = (0, 0);
    for r in rows {
        let gen_cell = match &r.generated {
            Ok(()) => {
                generated += 1;
                "ok".to_owned()
            }
            Err(e) => format!("refused: {}", one_line(e, 150)),
        };
        let compile_cell = match (&r.krate, errors) {
            (_, None) => "not checked".to_owned(),
            (None, _) => "-".to_owned(),
            (Some(k), Some(errors)) => match errors.get(k) {
                None => {
                    compiled += 1;
                    "ok".to_owned()
                }
                Some(e) => format!("error: {}", one_line(e, 150)),
            },
        };
        let _ = writeln!(
            out,
            "| {} | {gen_cell} | {compile_cell} | {} | {} | {:.0} |",
            r.spec, r.lines, r.warnings, r.millis
        );
    }
    let _ = writeln!(
        out,
        "\ncorpus: {generated}/{total} generated, {compiled}/{total} compile"
    );
    print!("{out}");
}

fn one_line(s: &str, max: usize) -> String {
    let s = s.replace(['\n', '|'], " ");
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}
