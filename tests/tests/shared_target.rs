//! `cargo xtask` works on the checkout it runs in, also when checkouts share a target folder
//! (`CARGO_TARGET_DIR`).
//!
//! Two copies of the project, A and B, build into one target folder. `cargo xtask check` in A
//! builds xtask there; B's sources are no newer than that build, so cargo finds xtask fresh
//! in B and runs the binary built from A. A spec edited in B and `cargo xtask regen` in B must
//! regenerate B's module, and write nothing to A. (An xtask that took the project root from
//! its compile-time `CARGO_MANIFEST_DIR` read A's specs, reported `0 file(s) changed`, and
//! left B stale.)
//!
//! The shared folder is `target/shared-target/` of the project under test, kept between
//! runs: a later run rebuilds only the workspace's own crates there. Only xtask and what it
//! depends on are built.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use cloudjobs_tests::{binaries, paths};
use serde_json::Value;

/// The spec edited in B, the text replaced there, and the module generated from it.
const SPEC: &str = "specs/otc-ims-jobs.yaml";
const OLD_TEXT: &str = "description: Specifies the asynchronous job ID.";
const NEW_TEXT: &str = "description: Specifies the asynchronous job ID (edited in checkout B).";
const MODULE: &str = "generated/src/apis/otc_ims_jobs.rs";

/// Runs cargo in `checkout` with the shared target folder; panics when it fails.
fn cargo(checkout: &Path, target: &Path, args: &[&str]) -> Output {
    let output = binaries::cargo()
        .args(args)
        .current_dir(checkout)
        .env("CARGO_TARGET_DIR", target)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo {args:?} failed in {}:\n{}\n{}",
        checkout.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every file under `dir` (relative path → contents).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("readable folder").path();
            if path.is_dir() {
                walk(base, &path, files);
            } else {
                let contents =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                files.insert(path.strip_prefix(base).unwrap().to_path_buf(), contents);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// Whether cargo, asked in `checkout`, finds the xtask binary in the shared folder up to date.
fn xtask_is_fresh(checkout: &Path, target: &Path) -> bool {
    let build = cargo(
        checkout,
        target,
        &[
            "build",
            "--package",
            "xtask",
            "--bin",
            "xtask",
            "--message-format",
            "json",
        ],
    );
    String::from_utf8_lossy(&build.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "xtask")
        .is_some_and(|m| m["fresh"] == true)
}

#[test]
fn regen_works_on_its_own_checkout_with_a_shared_target_folder() {
    let root = paths::project_root();
    let target = root.join("target/shared-target");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    // Both copies before the build in A, so B's sources are not newer than it.
    paths::copy_project(&root, &a);
    paths::copy_project(&root, &b);
    let generated_in_a = tree(&a.join("generated"));

    let check = cargo(&a, &target, &["xtask", "check"]);
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(said.contains("is up to date"), "{said}");

    // The case of the issue: in B, cargo runs the xtask binary built from A.
    assert!(
        xtask_is_fresh(&b, &target),
        "cargo rebuilt xtask for B: this cargo does not share the binary between checkouts, \
         so the test no longer covers that case"
    );

    let spec = b.join(SPEC);
    let text = std::fs::read_to_string(&spec).expect("read the spec");
    assert_eq!(
        text.matches(OLD_TEXT).count(),
        1,
        "{SPEC} changed: pick other text"
    );
    std::fs::write(&spec, text.replace(OLD_TEXT, NEW_TEXT)).expect("edit the spec");

    let regen = cargo(&b, &target, &["xtask", "regen"]);
    let said = String::from_utf8_lossy(&regen.stdout);
    assert!(said.contains(", 1 file(s) changed"), "{said}");

    // B: exactly the module of the edited spec changed, with the new text.
    let generated_in_b = tree(&b.join("generated"));
    let module = Path::new(MODULE).strip_prefix("generated").unwrap();
    let changed: Vec<&PathBuf> = generated_in_b
        .iter()
        .filter(|(path, contents)| generated_in_a.get(*path) != Some(*contents))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(changed, [module], "files regenerated in B");
    assert_eq!(generated_in_b.len(), generated_in_a.len(), "files in B");
    let regenerated = String::from_utf8_lossy(&generated_in_b[module]);
    assert!(
        regenerated.contains("Specifies the asynchronous job ID (edited in checkout B)."),
        "{MODULE} in B lacks the edited description"
    );

    // A: untouched.
    assert!(
        tree(&a.join("generated")) == generated_in_a,
        "cargo xtask regen in B changed A's generated/"
    );
    assert_eq!(
        std::fs::read_to_string(a.join(SPEC)).expect("read A's spec"),
        std::fs::read_to_string(root.join(SPEC)).expect("read the spec"),
    );
}
