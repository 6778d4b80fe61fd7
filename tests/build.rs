//! Generates the fixture specs in `fixtures/ok/` into modules the tests compile: the test
//! that generated code compiles is the build of this crate itself.
//!
//! The fixtures are found through the `CARGO_MANIFEST_DIR` cargo sets when it runs the
//! script, not the one it was compiled with: checkouts that share a target folder share the
//! compiled script too, and the compile-time path names the checkout it was built in (or one
//! that is gone). For the same reason the files to watch are printed relative to the package
//! root.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cloudjobs_codegen::project::{spec_file_name, spec_files};
use cloudjobs_codegen::{EmitOptions, generate_file, module_name};

/// A variable cargo sets for build scripts.
fn cargo_var(name: &str) -> PathBuf {
    std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{name} is not set: this build script runs under cargo"))
}

fn main() {
    let manifest = cargo_var("CARGO_MANIFEST_DIR");
    let fixtures = manifest.join("fixtures/ok");
    let out = cargo_var("OUT_DIR").join("fixtures");
    std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    // Relative to the package root, where cargo looks for them: a build of another checkout
    // that shares the target folder watches that checkout's fixtures.
    let watch = |path: &Path| {
        let relative = path.strip_prefix(&manifest).unwrap_or(path);
        println!("cargo::rerun-if-changed={}", relative.display());
    };
    watch(&fixtures);
    let options = EmitOptions {
        runtime_path: "cloudjobs::runtime".into(),
        generated_by: "the cloudjobs-tests build script".into(),
    };
    let mut modules = String::new();
    let specs = spec_files(&fixtures).unwrap_or_else(|e| {
        panic!(
            "cannot read the fixture specs in {}: {e}",
            fixtures.display()
        )
    });
    for path in specs {
        watch(&path);
        let module = module_name(&path);
        // A name outside the safe set was refused by `spec_files` already.
        let name = spec_file_name(&path).unwrap_or_else(|e| panic!("{e}"));
        let label = format!("tests/fixtures/ok/{name}");
        let generated = match generate_file(&path, &label, &module, &options) {
            Ok(g) => g,
            Err(e) => panic!("fixture does not generate: {e}"),
        };
        let file = out.join(format!("{module}.rs"));
        std::fs::write(&file, generated.code).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let _ = writeln!(
            modules,
            "#[path = {:?}]\npub mod {module};",
            file.display().to_string()
        );
    }
    let index = out.join("mod.rs");
    std::fs::write(&index, modules).unwrap_or_else(|e| panic!("{}: {e}", index.display()));
}
