//! Generates the fixture specs in `fixtures/ok/` into modules the tests compile: the test
//! that generated code compiles is the build of this crate itself.

use std::fmt::Write as _;
use std::path::Path;

use cloudjobs_codegen::{EmitOptions, generate_file, module_name, project::spec_files};

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = manifest.join("fixtures/ok");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("fixtures");
    std::fs::create_dir_all(&out).expect("OUT_DIR is writable");
    println!("cargo::rerun-if-changed={}", fixtures.display());
    let options = EmitOptions {
        runtime_path: "cloudjobs::runtime".into(),
        generated_by: "the cloudjobs-tests build script".into(),
    };
    let mut modules = String::new();
    for path in spec_files(&fixtures).expect("fixtures/ok is readable") {
        println!("cargo::rerun-if-changed={}", path.display());
        let module = module_name(&path);
        let label = format!(
            "tests/fixtures/ok/{}",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
        );
        let generated = match generate_file(&path, &label, &module, &options) {
            Ok(g) => g,
            Err(e) => panic!("fixture does not generate: {e}"),
        };
        let file = out.join(format!("{module}.rs"));
        std::fs::write(&file, generated.code).expect("OUT_DIR is writable");
        let _ = writeln!(
            modules,
            "#[path = {:?}]\npub mod {module};",
            file.display().to_string()
        );
    }
    std::fs::write(out.join("mod.rs"), modules).expect("OUT_DIR is writable");
}
