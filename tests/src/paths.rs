//! Where the project under test is, found at run time, and copies of it for the tests that
//! change files.
//!
//! The root is never the compile-time `env!("CARGO_MANIFEST_DIR")`: with a target folder
//! shared between checkouts, cargo may run a test binary built from another checkout, and
//! that path names the other checkout (or one that is gone). `cargo test` sets
//! `CARGO_MANIFEST_DIR` for the test process to the package of the checkout it runs in.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The root of the checkout under test: the workspace around the `CARGO_MANIFEST_DIR` that
/// cargo set for this process, else the workspace around the current folder.
///
/// # Panics
///
/// When neither is inside the project (test support only); the message says what was tried.
pub fn project_root() -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(find_project_root).clone()
}

/// [`project_root`], uncached: the one lookup `cargo xtask` uses too.
fn find_project_root() -> PathBuf {
    cloudjobs_codegen::project::root::project_root().unwrap_or_else(|message| panic!("{message}"))
}

/// Copies the project at `from` into `to` (created), leaving out build output (`target/`)
/// and version control (`.git`).
///
/// # Panics
///
/// When a file cannot be read or written (test support only); the message names it.
pub fn copy_project(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        let name = entry.file_name();
        if matches!(name.to_str(), Some("target" | ".git")) {
            continue;
        }
        let (source, dest) = (entry.path(), to.join(&name));
        let is_dir = entry
            .file_type()
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()))
            .is_dir();
        if is_dir {
            copy_project(&source, &dest);
        } else {
            std::fs::copy(&source, &dest)
                .unwrap_or_else(|e| panic!("copy {} to {}: {e}", source.display(), dest.display()));
        }
    }
}
