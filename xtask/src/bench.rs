//! `cargo xtask bench`: speed and size against cargo-progenitor, measured side by side in one
//! run so that machine noise hits both alike. A developer tool: nothing here is asserted, and
//! `cargo xtask test` does not run it.
//!
//! 1. Regeneration wall time, per spec, for `specs/` and for the OpenAPI 3.0 files of
//!    `../shared/corpus/specs`: ours (load, lower, emit, write the module) against
//!    `cargo-progenitor` (one process per spec, writing its crate), each spec run
//!    [`ROUNDS`] times alternating the two, the median kept. Specs progenitor refuses are
//!    shown as refused; the ratio is over the specs both generate.
//! 2. Clean `cargo build` time (fastest of [`BUILD_ROUNDS`] alternating rounds) and
//!    dependency count of the generated crate (`cloudjobs`, default features, its library)
//!    against the progenitor crates of the same `specs/`
//!    (one workspace, one target directory), with the slowest units of each build (from
//!    `cargo build --timings`). Progenitor's crates as generated have no TLS (they cannot call
//!    an `https` endpoint), so they are built a second time with the TLS and HTTP/2 stack
//!    `cloudjobs` has, for a like-for-like figure.
//! 3. Lines of generated code per spec, ours and progenitor's.
//! 4. Decode throughput of the documented job responses (each job operation's success
//!    example) with serde into the generated types, in a release build.
//!
//! `cargo-progenitor` is installed at a pinned version into `target/tools/progenitor` on first
//! use. `--no-build` skips the clean builds (the slow part); `--corpus DIR` names another
//! corpus.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cloudjobs_codegen::{EmitOptions, generate_file, module_name, project::spec_files};

use xtask::cli::{BenchArgs, corpus_dir};

use crate::tools::{cargo, run};

/// The cargo-progenitor version compared against (the one `../shared/ANCHORS.md` measured).
const PROGENITOR_VERSION: &str = "0.15.1";
/// Timing rounds per spec and generator; the median is reported.
const ROUNDS: usize = 3;
/// Clean builds of each crate, alternating; the fastest is reported.
const BUILD_ROUNDS: usize = 2;
/// How long each decode measurement runs.
const DECODE_SECONDS: f64 = 1.0;

/// `cargo-progenitor`, installed on first use from crates.io at [`PROGENITOR_VERSION`] into
/// `target/tools/progenitor`.
fn progenitor(root: &Path) -> Result<PathBuf, String> {
    let dir = root.join("target/tools/progenitor");
    let bin = dir.join("bin/cargo-progenitor");
    let installed = std::fs::read_to_string(dir.join(".crates.toml")).unwrap_or_default();
    if bin.exists() && installed.contains(&format!("cargo-progenitor {PROGENITOR_VERSION} ")) {
        return Ok(bin);
    }
    println!(
        "installing cargo-progenitor {PROGENITOR_VERSION} into {} (once; a few minutes)",
        dir.display()
    );
    run(cargo()
        .args([
            "install",
            "cargo-progenitor",
            "--version",
            PROGENITOR_VERSION,
            "--locked",
            "--quiet",
            "--root",
        ])
        .arg(&dir)
        // Its own target directory: the workspace's is not disturbed.
        .env(
            "CARGO_TARGET_DIR",
            root.join("target/tools/progenitor-build"),
        ))?;
    Ok(bin)
}

/// Whether a spec file says `openapi: 3.0.x` at its top level (the corpus also holds 3.1
/// and Swagger 2.0 files that neither generator takes).
fn is_openapi_30(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    if text.trim_start().starts_with('{') {
        return serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|doc| doc.get("openapi")?.as_str().map(|v| v.starts_with("3.0")))
            .unwrap_or(false);
    }
    // YAML: a top-level key starts in the first column.
    text.lines().any(|line| {
        let Some(rest) = line
            .strip_prefix("openapi:")
            .or_else(|| line.strip_prefix("\"openapi\":"))
            .or_else(|| line.strip_prefix("'openapi':"))
        else {
            return false;
        };
        rest.trim().trim_matches(['"', '\'']).starts_with("3.0")
    })
}

/// One spec's regeneration by both generators.
struct Regen {
    spec: String,
    module: String,
    ours: Result<Duration, String>,
    ours_lines: usize,
    theirs: Result<Duration, String>,
    theirs_lines: usize,
    /// The crate progenitor wrote, when it generated.
    theirs_crate: Option<PathBuf>,
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn regen_one(path: &Path, progenitor: &Path, scratch: &Path) -> Regen {
    let spec = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let module = module_name(path);
    let ours_out = scratch.join("ours").join(format!("{module}.rs"));
    let theirs_out = scratch.join("progenitor").join(&module);
    let options = EmitOptions::default();
    let (mut ours_times, mut theirs_times) = (Vec::new(), Vec::new());
    let (mut ours, mut theirs) = (Ok(()), Ok(()));
    let mut ours_lines = 0;
    for _ in 0..ROUNDS {
        // Ours: what `cargo xtask regen` does for one spec (load, lower, emit, write).
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| generate_file(path, &spec, &module, &options));
        match outcome {
            Ok(Ok(generated)) => {
                let written = std::fs::write(&ours_out, &generated.code);
                ours_times.push(started.elapsed());
                ours_lines = generated.code.lines().count();
                if let Err(e) = written {
                    ours = Err(format!("{}: {e}", ours_out.display()));
                }
            }
            Ok(Err(e)) => ours = Err(one_line(&format!("{}: {}", e.pointer, e.message))),
            Err(_) => ours = Err("PANIC".into()),
        }
        // Theirs: one cargo-progenitor process writing its crate.
        let _ = std::fs::remove_dir_all(&theirs_out);
        let started = Instant::now();
        let output = Command::new(progenitor)
            .arg("progenitor")
            .arg("-i")
            .arg(path)
            .arg("-o")
            .arg(&theirs_out)
            .args(["-n", &format!("pg_{module}"), "-v", "0.1.0"])
            .args(["--license-name", "MIT"])
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .output();
        let took = started.elapsed();
        match output {
            Ok(o) if o.status.success() => theirs_times.push(took),
            Ok(o) => {
                let text = String::from_utf8_lossy(&o.stderr).into_owned()
                    + &String::from_utf8_lossy(&o.stdout);
                theirs = Err(refusal(&text));
            }
            Err(e) => theirs = Err(format!("cannot run cargo-progenitor: {e}")),
        }
    }
    let theirs_lines = std::fs::read_to_string(theirs_out.join("src/lib.rs"))
        .map(|s| s.lines().count())
        .unwrap_or(0);
    let generated = theirs.is_ok();
    Regen {
        spec,
        module,
        ours: ours.map(|()| median(ours_times)),
        ours_lines,
        theirs: theirs.map(|()| median(theirs_times)),
        theirs_lines,
        theirs_crate: generated.then_some(theirs_out),
    }
}

/// What progenitor's output says about why it refused: its panic message, its `gen fail`
/// line, its `Error:` line, or its last line.
fn refusal(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    if let Some(i) = lines.iter().position(|l| l.contains("panicked at")) {
        let message = lines.get(i + 1).copied().unwrap_or_default();
        return one_line(&format!("panic: {}", message.trim()));
    }
    let line = lines
        .iter()
        .find(|l| l.starts_with("gen fail"))
        .or_else(|| lines.iter().find(|l| l.starts_with("Error:")))
        .or_else(|| lines.iter().rev().find(|l| !l.trim().is_empty()))
        .copied()
        .unwrap_or("failed");
    one_line(line.trim())
}

fn one_line(s: &str) -> String {
    let s = s.replace(['\n', '|'], " ");
    if s.chars().count() > 90 {
        format!("{}…", s.chars().take(90).collect::<String>())
    } else {
        s
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The table rows of one set of specs, and its summary line.
fn regen_table(title: &str, rows: &[Regen], out: &mut String) {
    let _ = writeln!(
        out,
        "\n### Regeneration: {title}\n\n| spec | ours ms | progenitor ms | ratio | our lines | progenitor lines |\n|---|---:|---:|---:|---:|---:|"
    );
    let (mut ours_both, mut theirs_both, mut both) = (Duration::ZERO, Duration::ZERO, 0);
    let (mut ours_all, mut ours_ok, mut theirs_ok) = (Duration::ZERO, 0, 0);
    let (mut ours_lines, mut theirs_lines) = (0, 0);
    for r in rows {
        let ours = match &r.ours {
            Ok(d) => {
                ours_all += *d;
                ours_ok += 1;
                format!("{:.1}", ms(*d))
            }
            Err(e) => format!("refused: {e}"),
        };
        let theirs = match &r.theirs {
            Ok(d) => {
                theirs_ok += 1;
                format!("{:.1}", ms(*d))
            }
            Err(e) => format!("refused: {e}"),
        };
        let ratio = match (&r.ours, &r.theirs) {
            (Ok(a), Ok(b)) => {
                ours_both += *a;
                theirs_both += *b;
                both += 1;
                ours_lines += r.ours_lines;
                theirs_lines += r.theirs_lines;
                format!("{:.3}", a.as_secs_f64() / b.as_secs_f64())
            }
            _ => "-".into(),
        };
        let theirs_lines_cell = if r.theirs.is_ok() {
            r.theirs_lines.to_string()
        } else {
            "-".into()
        };
        let _ = writeln!(
            out,
            "| {} | {ours} | {theirs} | {ratio} | {} | {theirs_lines_cell} |",
            r.spec, r.ours_lines
        );
    }
    let _ = writeln!(
        out,
        "\n{title}: ours generates {ours_ok}/{n}, progenitor {theirs_ok}/{n}; ours {:.1} ms for all {ours_ok}.",
        ms(ours_all),
        n = rows.len()
    );
    if both > 0 {
        let ratio = ours_both.as_secs_f64() / theirs_both.as_secs_f64();
        let _ = writeln!(
            out,
            "On the {both} spec(s) both generate: ours {:.1} ms, progenitor {:.1} ms, ratio {ratio:.3} (target <= 0.5: {}); lines {ours_lines} vs {theirs_lines}.",
            ms(ours_both),
            ms(theirs_both),
            if ratio <= 0.5 { "met" } else { "MISSED" }
        );
    }
}

/// A clean build's wall time, dependency count and slowest units.
struct Build {
    what: String,
    time: Result<Duration, String>,
    crates: usize,
    slowest: Vec<(String, f64)>,
}

/// Builds `packages` of the workspace at `dir` from scratch in `target` (removed first) with
/// `--timings`; counts the crates of their dependency graph (normal and build edges).
fn clean_build(what: &str, dir: &Path, packages: &[String], target: &Path) -> Build {
    let _ = std::fs::remove_dir_all(target);
    let mut args = vec![
        "build".to_owned(),
        "--lib".to_owned(),
        "--timings".to_owned(),
    ];
    for p in packages {
        args.push("-p".into());
        args.push(p.clone());
    }
    println!("clean build: {what} ...");
    let started = Instant::now();
    let status = cargo()
        .args(&args)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let took = started.elapsed();
    let time = match status {
        Ok(s) if s.success() => Ok(took),
        Ok(s) => Err(format!("cargo build failed ({s})")),
        Err(e) => Err(format!("cannot run cargo: {e}")),
    };
    Build {
        what: what.to_owned(),
        time,
        crates: dependency_count(dir, packages),
        slowest: slowest_units(&target.join("cargo-timings/cargo-timing.html")),
    }
}

/// Whether `a` succeeded faster than `b` (or `b` failed).
fn faster(a: &Build, b: &Build) -> bool {
    match (&a.time, &b.time) {
        (Ok(x), Ok(y)) => x < y,
        (Ok(_), Err(_)) => true,
        _ => false,
    }
}

/// The number of distinct crates (name and version) `packages` depend on, directly or not,
/// through normal and build dependencies; the packages themselves are not counted.
fn dependency_count(dir: &Path, packages: &[String]) -> usize {
    let mut args = vec![
        "tree".to_owned(),
        "-e".into(),
        "normal,build".into(),
        "--prefix".into(),
        "none".into(),
    ];
    for p in packages {
        args.push("-p".into());
        args.push(p.clone());
    }
    let Ok(output) = cargo().args(&args).current_dir(dir).output() else {
        return 0;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let crates: BTreeSet<String> = text
        .lines()
        .map(|l| l.trim_end_matches(" (*)").trim())
        .filter(|l| !l.is_empty() && !l.starts_with('['))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next()?;
            let version = parts.next()?;
            (!packages.iter().any(|p| p == name)).then(|| format!("{name} {version}"))
        })
        .collect();
    crates.len()
}

/// The five slowest units of a `cargo build --timings` report (name, seconds).
fn slowest_units(html: &Path) -> Vec<(String, f64)> {
    let Ok(text) = std::fs::read_to_string(html) else {
        return Vec::new();
    };
    let Some(start) = text.find("const UNIT_DATA = ") else {
        return Vec::new();
    };
    let rest = &text[start + "const UNIT_DATA = ".len()..];
    let Some(end) = rest.find("];") else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Array(units)) = serde_json::from_str(&rest[..=end]) else {
        return Vec::new();
    };
    let mut units: Vec<(String, f64)> = units
        .iter()
        .filter_map(|u| {
            let name = u["name"].as_str()?;
            let target = u["target"].as_str().unwrap_or_default().trim();
            let label = if target.is_empty() {
                name.to_owned()
            } else {
                format!("{name} {target}")
            };
            Some((label, u["duration"].as_f64()?))
        })
        .collect();
    units.sort_by(|a, b| b.1.total_cmp(&a.1));
    units.truncate(5);
    units
}

/// The reqwest features progenitor's crates ask for.
const PROGENITOR_REQWEST_FEATURES: &str = r#"features = ["json", "query", "stream"]"#;

/// A workspace of the progenitor crates of `specs/`, to build together. With `our_tls`, each
/// crate also gets the TLS and HTTP/2 stack `cloudjobs` has (reqwest's `rustls-no-provider`
/// and `http2`, rustls with ring): progenitor's crates as generated cannot call an `https`
/// endpoint, which every cloud API is.
fn progenitor_workspace(
    rows: &[Regen],
    scratch: &Path,
    our_tls: bool,
) -> Result<(PathBuf, Vec<String>), String> {
    let dir = scratch.join(if our_tls {
        "progenitor-ws-tls"
    } else {
        "progenitor-ws"
    });
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut members = Vec::new();
    let mut packages = Vec::new();
    for r in rows {
        let Some(krate) = &r.theirs_crate else {
            continue;
        };
        let to = dir.join(&r.module);
        copy_dir(krate, &to)?;
        if our_tls {
            let manifest = to.join("Cargo.toml");
            let text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
            if !text.contains(PROGENITOR_REQWEST_FEATURES) {
                return Err(format!(
                    "{}: progenitor's reqwest features changed; update bench.rs",
                    manifest.display()
                ));
            }
            let text = text
                .replace(
                    PROGENITOR_REQWEST_FEATURES,
                    r#"features = ["json", "query", "stream", "rustls-no-provider", "http2"]"#,
                )
                .replace(
                    "[dependencies]\n",
                    "[dependencies]\nrustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\", \"logging\"] }\n",
                );
            std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
        }
        members.push(format!("{:?}", r.module));
        packages.push(format!("pg_{}", r.module));
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            // The workspace's own dev profile, so that both sides build alike.
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n\n[profile.dev.package.\"*\"]\ndebug = false\n\n[profile.dev]\ndebug = \"line-tables-only\"\n",
            members.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    Ok((dir, packages))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("{}: {e}", target.display()))?;
        }
    }
    Ok(())
}

fn build_table(ours: &Build, theirs: &Build, theirs_tls: &Build, out: &mut String) {
    let _ = writeln!(
        out,
        "\n### Clean build (debug, `cargo build --lib`, {} jobs, fastest of {BUILD_ROUNDS} alternating rounds)\n\n| crate | wall time s | crates in the dependency graph |\n|---|---:|---:|",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for b in [ours, theirs, theirs_tls] {
        let time = match &b.time {
            Ok(d) => format!("{:.1}", d.as_secs_f64()),
            Err(e) => e.clone(),
        };
        let _ = writeln!(out, "| {} | {time} | {} |", b.what, b.crates);
    }
    if let (Ok(a), Ok(b)) = (&ours.time, &theirs_tls.time) {
        let _ = writeln!(
            out,
            "\nWith the same TLS and HTTP/2 stack: build time ratio {:.2}; crates {} vs {}.",
            a.as_secs_f64() / b.as_secs_f64(),
            ours.crates,
            theirs_tls.crates
        );
    }
    if let (Ok(a), Ok(b)) = (&ours.time, &theirs.time) {
        let ratio = a.as_secs_f64() / b.as_secs_f64();
        let _ = writeln!(
            out,
            "\nAgainst progenitor's crates as generated: build time ratio {ratio:.2} (target <= 0.8: {}); crates {} vs {} (target: no more: {}).",
            if ratio <= 0.8 { "met" } else { "MISSED" },
            ours.crates,
            theirs.crates,
            if ours.crates <= theirs.crates {
                "met"
            } else {
                "MISSED"
            }
        );
    }
    for b in [ours, theirs, theirs_tls] {
        let units: Vec<String> = b
            .slowest
            .iter()
            .map(|(n, s)| format!("{n} {s:.1}s"))
            .collect();
        let _ = writeln!(out, "\nSlowest units, {}: {}", b.what, units.join(", "));
    }
}

/// Decode throughput of each job operation's documented success example, measured by a
/// release build of a scratch crate that depends on `cloudjobs`.
fn decode_bench(root: &Path, scratch: &Path, out: &mut String) -> Result<(), String> {
    let dir = scratch.join("decode");
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    let mut cases = Vec::new();
    for path in spec_files(&root.join("specs")).map_err(|e| e.to_string())? {
        let module = module_name(&path);
        let doc = cloudjobs_codegen::load::load_file(&path, &module).map_err(|e| e.to_string())?;
        let generated = generate_file(&path, &module, &module, &EmitOptions::default())
            .map_err(|e| e.to_string())?;
        for op in &generated.api.operations {
            let Some(job) = &op.job else { continue };
            let type_name = &generated.api.types[job.body].name;
            let example = success_example(&doc.raw, &op.path, &op.http_method)
                .ok_or_else(|| format!("{module} {}: no documented success example", op.id))?;
            let file = format!("{module}_{}.json", op.method_name);
            std::fs::write(dir.join("src").join(&file), example).map_err(|e| e.to_string())?;
            cases.push((module.clone(), op.id.clone(), type_name.clone(), file));
        }
    }
    let mut main = String::from(
        "// Written by `cargo xtask bench`.\nuse std::hint::black_box;\nuse std::time::Instant;\n\n\
         fn measure<T: serde::de::DeserializeOwned>(label: &str, body: &[u8], seconds: f64) {\n    \
         for _ in 0..1000 { black_box(serde_json::from_slice::<T>(black_box(body)).expect(label)); }\n    \
         let started = Instant::now();\n    let mut n: u64 = 0;\n    \
         while started.elapsed().as_secs_f64() < seconds {\n        \
         for _ in 0..1000 { black_box(serde_json::from_slice::<T>(black_box(body)).expect(label)); }\n        \
         n += 1000;\n    }\n    \
         println!(\"{label}\\t{}\\t{n}\\t{}\", body.len(), started.elapsed().as_secs_f64());\n}\n\nfn main() {\n",
    );
    for (module, op, type_name, file) in &cases {
        let _ = writeln!(
            main,
            "    measure::<cloudjobs::{module}::{type_name}>(\"{module} {op} ({type_name})\", include_bytes!(\"{file}\"), {DECODE_SECONDS:?});"
        );
    }
    main.push_str("}\n");
    std::fs::write(dir.join("src/main.rs"), main).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"decode-bench\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\ncloudjobs = {{ path = {:?} }}\nserde = \"1\"\nserde_json = \"1\"\n\n[workspace]\n\n[profile.release]\ncodegen-units = 1\n",
            root.join("generated").display().to_string()
        ),
    )
    .map_err(|e| e.to_string())?;
    let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    println!("decode throughput: building the release bench ...");
    let output = cargo()
        .args(["run", "--release", "--quiet"])
        .env("CARGO_TARGET_DIR", scratch.join("decode-target"))
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "decode bench failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let _ = writeln!(
        out,
        "\n### Decode throughput (serde_json into the generated types, release build)\n\n| response | bytes | MB/s | responses/s |\n|---|---:|---:|---:|"
    );
    let (mut total_bytes, mut total_n, mut total_secs) = (0.0, 0.0, 0.0);
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [label, bytes, n, secs] = fields[..] else {
            continue;
        };
        let (bytes, n, secs): (f64, f64, f64) = (
            bytes.parse().unwrap_or(0.0),
            n.parse().unwrap_or(0.0),
            secs.parse().unwrap_or(1.0),
        );
        total_bytes += bytes * n;
        total_n += n;
        total_secs += secs;
        let _ = writeln!(
            out,
            "| {label} | {bytes} | {:.1} | {:.0} |",
            bytes * n / secs / 1e6,
            n / secs
        );
    }
    if total_secs > 0.0 {
        let _ = writeln!(
            out,
            "| all (time-weighted) | - | {:.1} | {:.0} |",
            total_bytes / total_secs / 1e6,
            total_n / total_secs
        );
    }
    Ok(())
}

/// The JSON example of the lowest documented 2xx response of an operation, as bytes.
fn success_example(raw: &serde_json::Value, path: &str, method: &str) -> Option<Vec<u8>> {
    let op = raw.get("paths")?.get(path)?.get(method.to_lowercase())?;
    let responses = op.get("responses")?.as_object()?;
    let mut codes: Vec<&String> = responses.keys().filter(|c| c.starts_with('2')).collect();
    codes.sort();
    let media = responses
        .get(*codes.first()?)?
        .get("content")?
        .get("application/json")?;
    let example = media.get("example").cloned().or_else(|| {
        media
            .get("examples")?
            .as_object()?
            .values()
            .next()?
            .get("value")
            .cloned()
    })?;
    serde_json::to_vec(&example).ok()
}

/// The regeneration ratio over every spec both generators generate.
fn overall_ratio<'a>(rows: impl Iterator<Item = &'a Regen>, out: &mut String) {
    let (ours_both, theirs_both) =
        rows.fold((Duration::ZERO, Duration::ZERO), |(a, b), r| {
            match (&r.ours, &r.theirs) {
                (Ok(x), Ok(y)) => (a + *x, b + *y),
                _ => (a, b),
            }
        });
    if !theirs_both.is_zero() {
        let ratio = ours_both.as_secs_f64() / theirs_both.as_secs_f64();
        let _ = writeln!(
            out,
            "\nRegeneration overall (every spec both generate): ratio {ratio:.3}, target <= 0.5: {}.",
            if ratio <= 0.5 { "met" } else { "MISSED" }
        );
    }
}

/// The clean builds of ours and of progenitor's crates (as generated, and with our TLS
/// stack), alternating rounds, the fastest of each kept, as a table.
fn clean_builds(
    root: &Path,
    spec_rows: &[Regen],
    scratch: &Path,
    out: &mut String,
) -> Result<(), String> {
    let (dir, packages) = progenitor_workspace(spec_rows, scratch, false)?;
    let (dir_tls, packages_tls) = progenitor_workspace(spec_rows, scratch, true)?;
    let jobs = [
        (
            "cloudjobs (ours, 5 specs + runtime, default features)".to_owned(),
            root.to_path_buf(),
            vec!["cloudjobs".to_owned()],
            scratch.join("build-ours"),
        ),
        (
            format!(
                "progenitor crates of specs/ ({} of {}), as generated (no TLS)",
                packages.len(),
                spec_rows.len()
            ),
            dir,
            packages,
            scratch.join("build-progenitor"),
        ),
        (
            format!(
                "progenitor crates of specs/ ({} of {}) + our TLS and HTTP/2 stack",
                packages_tls.len(),
                spec_rows.len()
            ),
            dir_tls,
            packages_tls,
            scratch.join("build-progenitor-tls"),
        ),
    ];
    // Alternating rounds, the fastest of each kept: other work on the machine slows a
    // build now and then, never speeds one up.
    let mut best: Vec<Build> = Vec::new();
    for _ in 0..BUILD_ROUNDS {
        for (i, (what, dir, packages, target)) in jobs.iter().enumerate() {
            let build = clean_build(what, dir, packages, target);
            match best.get_mut(i) {
                Some(b) if faster(&build, b) => *b = build,
                Some(_) => {}
                None => best.push(build),
            }
        }
    }
    build_table(&best[0], &best[1], &best[2], out);
    Ok(())
}

/// `cargo xtask bench [--no-build] [--corpus DIR]`.
pub fn run_bench(root: &Path, args: &BenchArgs) -> Result<(), String> {
    if args.what == Some(xtask::cli::BenchWhat::Wait) {
        return wait::run(args.jobs);
    }
    let corpus = corpus_dir(root, args.corpus.as_ref(), "bench --corpus DIR")?;
    if cfg!(debug_assertions) {
        // The generator's speed in a debug build means nothing (progenitor is installed as a
        // release build): run this command from a release build of xtask instead.
        println!("cargo xtask bench: building xtask in release mode ...");
        return run(cargo()
            .args([
                "run",
                "--quiet",
                "--release",
                "--package",
                "xtask",
                "--bin",
                "xtask",
                "--",
                "bench",
                "--corpus",
            ])
            .arg(&corpus)
            .args(args.no_build.then_some("--no-build"))
            .current_dir(root));
    }
    let no_build = args.no_build;
    let progenitor = progenitor(root)?;
    let scratch = root.join("target/bench");
    for sub in ["ours", "progenitor"] {
        let dir = scratch.join(sub);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut out = String::from("\n## cargo xtask bench\n");

    println!("regeneration: specs/ ...");
    let ours_specs = spec_files(&root.join("specs")).map_err(|e| e.to_string())?;
    let spec_rows: Vec<Regen> = ours_specs
        .iter()
        .map(|p| regen_one(p, &progenitor, &scratch))
        .collect();
    regen_table("specs/", &spec_rows, &mut out);

    let corpus_specs: Vec<PathBuf> = spec_files(&corpus)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|p| is_openapi_30(p))
        .collect();
    println!(
        "regeneration: {} OpenAPI 3.0 specs of {} ...",
        corpus_specs.len(),
        corpus.display()
    );
    // The corpus is generated into a directory of its own (module names may repeat).
    let corpus_scratch = scratch.join("corpus");
    for sub in ["ours", "progenitor"] {
        let dir = corpus_scratch.join(sub);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let corpus_rows: Vec<Regen> = corpus_specs
        .iter()
        .map(|p| regen_one(p, &progenitor, &corpus_scratch))
        .collect();
    regen_table(
        &format!("{} (OpenAPI 3.0 files)", corpus.display()),
        &corpus_rows,
        &mut out,
    );
    overall_ratio(spec_rows.iter().chain(&corpus_rows), &mut out);

    if no_build {
        let _ = writeln!(out, "\n(clean builds skipped: --no-build)");
    } else {
        clean_builds(root, &spec_rows, &scratch, &mut out)?;
    }

    decode_bench(root, &scratch, &mut out)?;

    let _ = writeln!(
        out,
        "\nprogenitor: cargo-progenitor {PROGENITOR_VERSION} (one process per spec, rustfmt included, as its users run it); ours: in-process (release build), module written to disk; medians of {ROUNDS} alternating rounds."
    );
    print!("{out}");
    Ok(())
}

/// `cargo xtask bench wait`: the job waiter (`cloudjobs_runtime::wait::wait_for`, the real
/// code) on simulated jobs, on an injected clock (sleeping advances it at once), against
/// today's default policy, fixed 10 s (Terraform), fixed 1 s (gophertelekomcloud) and
/// Smithy's defaults (2 s to 120 s), with the T/(2n) bound of a schedule that knows nothing
/// about the job. A developer tool: nothing here is asserted.
mod wait {
    use std::collections::VecDeque;
    use std::fmt::Write as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, UNIX_EPOCH};

    use cloudjobs_runtime::job::StateLists;
    use cloudjobs_runtime::wait::{WaitPolicy, wait_for};
    use cloudjobs_runtime::{Clock, DurationHints, Error, Job, JobState, StatusCode, SubTask};

    static LISTS: StateLists = StateLists {
        pending: &["PENDING"],
        running: &["RUNNING"],
        succeeded: &["SUCCESS"],
        failed: &["FAILED"],
    };

    /// What a simulated poll returns.
    #[derive(Debug)]
    struct SimJob {
        done: bool,
        percent: Option<f64>,
        tasks: Option<(u64, u64)>,
    }

    impl Job for SimJob {
        fn state_lists(&self) -> &'static StateLists {
            &LISTS
        }
        fn status(&self) -> Option<&str> {
            Some(if self.done { "SUCCESS" } else { "RUNNING" })
        }
        fn percent(&self) -> Option<f64> {
            self.percent
        }
        fn subtasks(&self) -> Vec<SubTask> {
            let Some((done, total)) = self.tasks else {
                return Vec::new();
            };
            (0..total)
                .map(|i| SubTask {
                    id: None,
                    name: None,
                    state: JobState::from_status(
                        &LISTS,
                        Some(if i < done { "SUCCESS" } else { "RUNNING" }),
                        None,
                        None,
                    ),
                })
                .collect()
        }
    }

    /// xorshift64*: deterministic numbers in `[0, 1)`.
    #[derive(Clone)]
    struct Rng(u64);

    impl Rng {
        fn new(seed: u64) -> Self {
            Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }
        fn unit(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        }
        fn normal(&mut self) -> f64 {
            let (a, b) = (self.unit().max(1e-12), self.unit());
            (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
        }
    }

    /// The scenarios.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Kind {
        Linear,
        Twenty,
        Steps,
        Stall,
        Sits,
        Backwards,
        Silent,
        History,
        SubJobs,
        Throttled,
    }

    const KINDS: [(Kind, &str); 10] = [
        (Kind::Twenty, "20 min, linear %"),
        (Kind::Linear, "linear %"),
        (Kind::Steps, "10 % steps"),
        (Kind::Stall, "stall in the middle"),
        (Kind::Sits, "100 % for 2 min"),
        (Kind::Backwards, "goes back once"),
        (Kind::Silent, "no progress"),
        (Kind::History, "no progress, history"),
        (Kind::SubJobs, "sub-jobs only"),
        (Kind::Throttled, "429 over 5/min"),
    ];

    /// One simulated job: when it ends and what it reports at each moment.
    #[derive(Debug, Clone)]
    struct Scenario {
        kind: Kind,
        /// Work time (the job's `T`).
        work: f64,
        /// When it ends (success).
        end: f64,
        /// Sub-job boundaries (fractions of `work`), for `SubJobs`.
        cuts: Vec<f64>,
        /// The typical duration of its type and recent durations, for `History`.
        history: Vec<f64>,
    }

    impl Scenario {
        fn new(kind: Kind, rng: &mut Rng) -> Self {
            // Durations from 30 s to 2 h, log-uniform.
            let work = match kind {
                Kind::Twenty => 1200.0,
                _ => 30.0 * (240f64).powf(rng.unit()),
            };
            let mut s = Scenario {
                kind,
                work,
                end: work,
                cuts: Vec::new(),
                history: Vec::new(),
            };
            match kind {
                Kind::Sits => s.end = work + 120.0,
                Kind::SubJobs => {
                    let n = 3 + (rng.unit() * 6.0) as usize;
                    let weights: Vec<f64> = (0..n).map(|_| 0.3 + rng.unit()).collect();
                    let total: f64 = weights.iter().sum();
                    let mut acc = 0.0;
                    s.cuts = weights
                        .iter()
                        .map(|w| {
                            acc += w / total;
                            acc
                        })
                        .collect();
                }
                Kind::History => {
                    // Jobs of one type vary by about 15 %.
                    let typical = work;
                    s.history = (0..20)
                        .map(|_| typical * (0.15 * rng.normal()).exp())
                        .collect();
                    s.work = typical * (0.15 * rng.normal()).exp();
                    s.end = s.work;
                }
                _ => {}
            }
            s
        }

        /// What a poll at `t` sees.
        fn job(&self, t: f64) -> SimJob {
            let done = t >= self.end;
            let x = (t / self.work).clamp(0.0, 1.0);
            let floor = |f: f64| Some((f * 100.0).floor());
            let (percent, tasks) = match self.kind {
                Kind::Linear | Kind::Twenty | Kind::Sits | Kind::Throttled => (floor(x), None),
                Kind::Steps => (Some((x * 10.0).floor() * 10.0), None),
                Kind::Stall => {
                    // 50 % at 40 % of the time, stalled until 70 %, then the rest.
                    let p = if x < 0.4 {
                        x / 0.8
                    } else if x < 0.7 {
                        0.5
                    } else {
                        0.5 + (x - 0.7) / 0.6
                    };
                    (floor(p), None)
                }
                Kind::Backwards => {
                    // 60 % at half time, back to 30 %, then on to 100 %.
                    let p = if x < 0.5 {
                        x * 1.2
                    } else {
                        0.3 + (x - 0.5) * 1.4
                    };
                    (floor(p), None)
                }
                Kind::Silent | Kind::History => (None, None),
                Kind::SubJobs => {
                    let finished = self.cuts.iter().filter(|c| x >= **c - 1e-12).count();
                    (None, Some((finished as u64, self.cuts.len() as u64)))
                }
            };
            SimJob {
                done,
                percent: if done && percent.is_some() {
                    Some(100.0)
                } else {
                    percent
                },
                tasks,
            }
        }
    }

    /// The waiters compared.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Waiter {
        Default,
        Fixed10,
        Fixed1,
        Smithy,
        New,
    }

    const WAITERS: [(Waiter, &str); 5] = [
        (Waiter::Default, "default 1s x1.5..27s"),
        (Waiter::Fixed10, "fixed 10 s"),
        (Waiter::Fixed1, "fixed 1 s"),
        (Waiter::Smithy, "Smithy 2..120 s"),
        (Waiter::New, "new waiter"),
    ];

    /// A simulated clock: sleeping advances it at once.
    #[derive(Clone, Default)]
    struct SimClock(Arc<AtomicU64>);

    impl SimClock {
        fn secs(&self) -> f64 {
            Duration::from_nanos(self.0.load(Ordering::SeqCst)).as_secs_f64()
        }
    }

    /// What one wait did.
    struct Waited {
        requests: usize,
        lateness: f64,
        early: bool,
    }

    fn policy(waiter: Waiter, clock: &SimClock, seed: u64) -> WaitPolicy {
        let (read, tick) = (clock.clone(), clock.clone());
        let rng = Mutex::new(Rng::new(seed));
        let base = WaitPolicy::default()
            .timeout(Duration::from_secs(6 * 3600))
            .max_transient_errors(1000)
            .clock(Clock::from_fn(move || {
                UNIX_EPOCH + Duration::from_nanos(read.0.load(Ordering::SeqCst))
            }))
            .sleep_with(move |d| {
                let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
                tick.0.fetch_add(nanos, Ordering::SeqCst);
                Box::pin(async {})
            })
            .random_with(move || rng.lock().map_or(0.5, |mut r| r.unit()));
        // Every waiter but the new one as it was before #23: no progress, no rate budget.
        let plain = base.clone().progress_aware(false).throttle_aware(false);
        let fixed = |secs| {
            plain
                .clone()
                .initial_interval(Duration::from_secs(secs))
                .factor(1.0)
                .jitter(0.0)
        };
        match waiter {
            Waiter::Default => plain.clone(),
            Waiter::Fixed10 => fixed(10),
            Waiter::Fixed1 => fixed(1),
            // Smithy draws from [min, bound]: about the bound's middle, ±50 %.
            Waiter::Smithy => plain
                .initial_interval(Duration::from_secs(2))
                .factor(2.0)
                .max_interval(Duration::from_secs(120))
                .jitter(0.5),
            Waiter::New => base,
        }
    }

    /// Waits for `job` with `waiter` on a fresh simulated clock.
    fn wait_one(
        runtime: &tokio::runtime::Runtime,
        job: &Scenario,
        waiter: Waiter,
        seed: u64,
    ) -> Waited {
        let clock = SimClock::default();
        let mut policy = policy(waiter, &clock, seed);
        if waiter == Waiter::New && job.kind == Kind::History {
            let hints = DurationHints::new();
            for d in &job.history {
                hints.record("bench", "type", Duration::from_secs_f64(*d));
            }
            policy = policy.duration_hints(hints, "bench", "type");
        }
        let requests = Arc::new(Mutex::new(VecDeque::<f64>::new()));
        let (seen, c) = (Arc::clone(&requests), clock.clone());
        let throttled = job.kind == Kind::Throttled;
        let result = runtime.block_on(
            wait_for(
                move || {
                    let now = c.secs();
                    let mut times = seen.lock().expect("requests");
                    let recent = times.iter().filter(|t| now - **t < 60.0).count();
                    times.push_back(now);
                    let answer = if throttled && recent >= 5 {
                        Err(Error::<cloudjobs_runtime::Undocumented>::from_status(
                            "ShowJob",
                            StatusCode::TOO_MANY_REQUESTS,
                            Default::default(),
                            Some("APIGW.0308".into()),
                            None,
                        ))
                    } else {
                        Ok(job.job(now))
                    };
                    std::future::ready(answer)
                },
                policy,
            )
            .run(),
        );
        let times = requests.lock().expect("requests");
        let seen = *times.back().unwrap_or(&0.0);
        Waited {
            requests: times.len(),
            lateness: (seen - job.end).max(0.0),
            early: result.is_ok() && seen < job.end,
        }
    }

    /// Mean and 95th percentile.
    fn stats(values: &mut [f64]) -> (f64, f64) {
        values.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        let p95 = values
            .get(((values.len() as f64 * 0.95) as usize).min(values.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0);
        (mean, p95)
    }

    /// One row of the table.
    struct Row {
        requests: f64,
        late_mean: f64,
        late_p95: f64,
        bound: f64,
        early: usize,
    }

    fn row(runtime: &tokio::runtime::Runtime, jobs: &[Scenario], waiter: Waiter) -> Row {
        let waited: Vec<Waited> = jobs
            .iter()
            .enumerate()
            .map(|(i, job)| wait_one(runtime, job, waiter, i as u64 + 1))
            .collect();
        let n = waited.len().max(1) as f64;
        let mut late: Vec<f64> = waited.iter().map(|w| w.lateness).collect();
        let (late_mean, late_p95) = stats(&mut late);
        Row {
            requests: waited.iter().map(|w| w.requests as f64).sum::<f64>() / n,
            late_mean,
            late_p95,
            // No schedule blind to the job does better than T/(2n) on average.
            bound: jobs
                .iter()
                .zip(&waited)
                .map(|(j, w)| j.end / (2.0 * w.requests.max(1) as f64))
                .sum::<f64>()
                / n,
            early: waited.iter().filter(|w| w.early).count(),
        }
    }

    /// Runs every scenario with `jobs` jobs each and prints the table.
    pub fn run(jobs: usize) -> Result<(), String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|e| e.to_string())?;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\n## cargo xtask bench wait ({jobs} jobs per scenario, 30 s to 2 h log-uniform)\n\n\
             Every waiter but the new one polls as the waiter did before #23 (its plain \
             schedule, `progress_aware(false)` and `throttle_aware(false)`: no rate budget; \
             `Retry-After` honoured); \"default\" is today's default policy so.\n"
        );
        let _ = writeln!(
            out,
            "| scenario | waiter | requests/job | late mean s | late p95 s | T/(2n) s | early |"
        );
        let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        let mut goals = Vec::new();
        for (k, (kind, name)) in KINDS.iter().enumerate() {
            let mut rng = Rng::new(1000 + k as u64);
            let scenarios: Vec<Scenario> =
                (0..jobs).map(|_| Scenario::new(*kind, &mut rng)).collect();
            let mut default = None;
            for (waiter, label) in WAITERS {
                let r = row(&runtime, &scenarios, waiter);
                let _ = writeln!(
                    out,
                    "| {name} | {label} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
                    r.requests, r.late_mean, r.late_p95, r.bound, r.early
                );
                match waiter {
                    Waiter::Default => default = Some((r.requests, r.late_mean)),
                    Waiter::New => {
                        let (dr, dl) = default.unwrap_or((f64::MAX, f64::MAX));
                        let ok = r.requests <= dr * 1.05 && r.late_mean <= dl * 1.05 + 0.05;
                        goals.push(format!(
                            "{name}: {:.1} requests vs {dr:.1}, {:.1} s vs {dl:.1} s late: {}{}",
                            r.requests,
                            r.late_mean,
                            if ok { "ok" } else { "WORSE" },
                            if r.early > 0 { ", ENDED EARLY" } else { "" }
                        ));
                    }
                    _ => {}
                }
            }
        }
        let _ = writeln!(out, "\nnew waiter against today's default (within 5 %):");
        for g in goals {
            let _ = writeln!(out, "- {g}");
        }
        println!("{out}");
        Ok(())
    }
}
