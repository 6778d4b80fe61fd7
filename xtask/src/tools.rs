//! External tools the project installs for itself (pinned), and `cargo xtask test`.

use std::path::{Path, PathBuf};
use std::process::Command;

pub use cloudjobs_doctools::venv::run;

/// A `cargo` command that does not inherit the variables `cargo run` set for xtask itself:
/// with them, nested builds see a changed environment and rebuild build scripts (ring, the
/// TLS stack) on every run. (xtask has read `CARGO_MANIFEST_DIR` by then, to find the root:
/// give nested commands the root as their current folder.)
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key.starts_with("CARGO_PKG_")
            || matches!(
                key,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            )
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn step(title: &str) {
    println!("\n==> {title}");
}

/// The Python interpreter of the project's tool environment (`cloudjobs_doctools::venv`).
pub fn python(root: &Path) -> Result<PathBuf, String> {
    cloudjobs_doctools::venv::python(root)
}

/// The oldest Node.js the pinned Prism runs on (`engines` of `@stoplight/prism-cli` 5.14.2).
const NODE_MIN: (u32, u32) = (18, 20);

/// The Prism mock server (`@stoplight/prism-cli`), installed on first use with `npm ci` from
/// `xtask/tools/package.json` and its lockfile (exact versions, integrity-checked) into
/// `target/tools/node`. Returns the path of the `prism` executable.
///
/// Install scripts are not run (`--ignore-scripts`: Prism needs none, and one of its
/// dependencies would otherwise send install analytics).
pub fn prism(root: &Path) -> Result<PathBuf, String> {
    let tools = root.join("xtask/tools");
    let lock_path = tools.join("package-lock.json");
    let lock =
        std::fs::read_to_string(&lock_path).map_err(|e| format!("{}: {e}", lock_path.display()))?;
    let manifest_path = tools.join("package.json");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let dir = root.join("target/tools/node");
    let prism = dir.join("node_modules/.bin/prism");
    let stamp = dir.join(".package-lock.json.installed");
    if prism.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(lock.as_str()) {
        return Ok(prism);
    }
    check_node()?;
    println!(
        "installing the pinned Node tools (Prism) into {}",
        dir.display()
    );
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, text) in [("package.json", &manifest), ("package-lock.json", &lock)] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    run(Command::new("npm")
        .args([
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .env("SCARF_ANALYTICS", "false")
        .current_dir(&dir))
    .map_err(|e| {
        format!(
            "{e}\nNode.js {}.{} or newer with npm is needed",
            NODE_MIN.0, NODE_MIN.1
        )
    })?;
    if !prism.exists() {
        return Err(format!(
            "npm ci finished but {} is missing",
            prism.display()
        ));
    }
    std::fs::write(&stamp, lock).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(prism)
}

/// Fails with a clear message when `node` is missing or older than [`NODE_MIN`].
fn check_node() -> Result<(), String> {
    let output = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run `node --version` ({e}): Node.js {}.{} or newer with npm is needed for the Prism conformance tests", NODE_MIN.0, NODE_MIN.1))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let mut parts = version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if found < NODE_MIN {
        return Err(format!(
            "Node.js {version} is too old for the pinned Prism: {}.{} or newer is needed",
            NODE_MIN.0, NODE_MIN.1
        ));
    }
    Ok(())
}

/// `cargo xtask validate`: every spec through openapi-spec-validator and its examples
/// against their schemas (Python), then through the generator's own reading of the vendor
/// extensions and job pointers (`cloudjobs_codegen::validate_file`), printing its warnings
/// (a status value in no state list, say).
pub fn validate_specs(root: &Path) -> Result<(), String> {
    let python = python(root)?;
    let specs =
        cloudjobs_codegen::project::spec_files(&root.join("specs")).map_err(|e| e.to_string())?;
    let openapi = run(Command::new(python)
        .arg(root.join("xtask/tools/validate_specs.py"))
        .args(&specs)
        .current_dir(root));
    let extensions = validate_extensions(root, &specs);
    openapi.and(extensions)
}

/// The generator's checks of each spec: every error printed as `FILE: #/pointer: message`.
fn validate_extensions(root: &Path, specs: &[PathBuf]) -> Result<(), String> {
    let mut failed = 0;
    for spec in specs {
        let label = spec
            .strip_prefix(root)
            .unwrap_or(spec)
            .display()
            .to_string();
        match cloudjobs_codegen::validate_file(spec, &label) {
            Ok(warnings) => {
                for w in warnings {
                    println!(
                        "warning: {label}: {}",
                        cloudjobs_runtime::text::terminal_safe(&w.to_string())
                    );
                }
            }
            Err(errors) => {
                failed += 1;
                for e in errors {
                    eprintln!("{}", cloudjobs_runtime::text::terminal_safe(&e.to_string()));
                }
            }
        }
    }
    if failed == 0 {
        println!(
            "extensions: {} spec(s) read by the generator, no error",
            specs.len()
        );
        Ok(())
    } else {
        Err(format!(
            "{failed} spec(s) with extension errors (see above)"
        ))
    }
}

/// `cargo xtask test`: everything that must pass before a change lands.
pub fn test_all(root: &Path) -> Result<(), String> {
    step("formatting (cargo fmt --check)");
    run(cargo()
        .args(["fmt", "--all", "--", "--check"])
        .current_dir(root))?;

    step("specs (openapi-spec-validator, examples; the generator reads the extensions)");
    validate_specs(root)?;
    let python = python(root)?;
    run(Command::new(&python)
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
    run(Command::new(&python)
        .args([
            "-m",
            "unittest",
            "discover",
            "-s",
            "doctools/readers",
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

    step("tests (cargo test --workspace, with the Prism conformance tests)");
    let prism = prism(root)?;
    run(cargo()
        .args(["test", "--workspace"])
        .env("CLOUDJOBS_PRISM", &prism)
        // The conformance tests run for real here: an opt-out in the caller's environment
        // does not apply.
        .env_remove("CLOUDJOBS_SKIP_PRISM")
        .current_dir(root))?;

    step("docs (cargo doc, warnings denied)");
    run(cargo()
        .args([
            "doc",
            "--no-deps",
            "-p",
            "cloudjobs-runtime",
            "-p",
            "cloudjobs",
            "-p",
            "cloudjobs-codegen",
            "-p",
            "cloudjobs-doctools",
        ])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(root))?;

    step("the published crates package and build from their packages (cargo package)");
    forget_packaged_crates();
    // Cargo takes a registry crate of an unchanged version to be unchanged, so what it built
    // of our crates from the previous run's local registry would be reused as they were.
    run(cargo()
        .args(["clean", "--quiet"])
        .args(PUBLISHED.iter().flat_map(|p| ["-p", p]))
        .current_dir(root))?;
    run(cargo()
        .args(["package", "--quiet", "--allow-dirty"])
        .args(PUBLISHED.iter().flat_map(|p| ["-p", p]))
        .current_dir(root))?;

    println!("\nall checks passed");
    Ok(())
}

/// The crates published to crates.io, packaged by `cargo xtask test`.
const PUBLISHED: [&str; 4] = [
    "cloudjobs-runtime",
    "cloudjobs",
    "cloudjobs-cli",
    "cloudjobs-codegen",
];

/// Removes the copies of the project's own crates that an earlier `cargo package` unpacked
/// from its local registry (`$CARGO_HOME/registry/src/-<hash>/cloudjobs-*`). Cargo does not
/// unpack a crate of the same name and version again, so without this a package was verified
/// against the previous run's runtime, and failed as soon as a crate used something new of it.
/// Registries from the network (`index.crates.io-*`) are left alone.
fn forget_packaged_crates() {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry").join("src")) else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(&src) else {
        return;
    };
    for registry in registries.flatten() {
        // Cargo names a local registry's folder `-<hash>`: it has no host.
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        let Ok(crates) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for krate in crates.flatten() {
            if krate.file_name().to_string_lossy().starts_with("cloudjobs") {
                let _ = std::fs::remove_dir_all(krate.path());
            }
        }
    }
}
