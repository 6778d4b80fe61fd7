//! The checkout a tool works on, found at run time: the one way `cargo xtask` and the tests
//! find the project root.
//!
//! Never the compile-time `env!("CARGO_MANIFEST_DIR")`: checkouts that share a target folder
//! share the compiled xtask and test binaries too (cargo finds them fresh when a checkout's
//! sources are no newer than the build), and that path names the checkout they were built in.

use std::path::{Path, PathBuf};

/// Whether `dir` is the project root: its `Cargo.toml` has a `[workspace]` table, and it has
/// `xtask/`.
pub fn is_project_root(dir: &Path) -> bool {
    dir.join("xtask").is_dir()
        && std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
}

/// The nearest folder at or above `start` that is the project root.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| is_project_root(dir))
        .map(Path::to_path_buf)
}

/// The project root around the `CARGO_MANIFEST_DIR` that cargo sets for the process it runs
/// (`cargo run`, `cargo test`), else around the current folder.
///
/// # Errors
///
/// When neither is inside the project: the message says what was tried.
pub fn project_root() -> Result<PathBuf, String> {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let current = std::env::current_dir().ok();
    if let Some(root) = manifest.iter().chain(&current).find_map(|d| find_root(d)) {
        return Ok(root);
    }
    let shown = |dir: &Option<PathBuf>, none: &str| {
        dir.as_ref()
            .map_or_else(|| none.to_owned(), |d| d.display().to_string())
    };
    Err(format!(
        "cannot find the cloudjobs project root (a Cargo.toml with [workspace] next to xtask/) \
         at or above CARGO_MANIFEST_DIR ({}) or the current folder ({}): run it with cargo, or \
         from inside the project",
        shown(&manifest, "not set"),
        shown(&current, "unknown"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_workspace_next_to_xtask() {
        let temp = std::env::temp_dir().join(format!("cloudjobs-root-{}", std::process::id()));
        let inner = temp.join("generator/src");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::create_dir_all(temp.join("xtask")).unwrap();
        std::fs::write(temp.join("generator/Cargo.toml"), "[package]\n").unwrap();
        assert_eq!(find_root(&inner), None, "no workspace manifest yet");
        std::fs::write(temp.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
        assert_eq!(find_root(&inner), Some(temp.clone()));
        std::fs::remove_dir_all(&temp).unwrap();
    }
}
