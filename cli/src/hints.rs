//! The durations of past jobs (`durations.json` in the cache directory, beside the token
//! cache): the waiter's prior for a job that reports no progress. A missing, unreadable or
//! broken file only warns: it never fails a wait.

use std::path::{Path, PathBuf};

use cloudjobs::runtime::hints::DurationHints;

use super::output::line;
use super::token_cache;

/// The file's name in the cache directory.
const FILE: &str = "durations.json";

/// The store and where it is saved; `None` without a cache directory (`--no-token-cache`,
/// or no home) or when the directory is not a private one of the user's.
pub fn load(dir: Option<&Path>) -> Option<(DurationHints, PathBuf)> {
    let dir = dir?;
    if let Err(why) = token_cache::private_directory(dir) {
        line(&format!(
            "warning: job durations not kept: the cache directory {} {why}",
            dir.display()
        ));
        return None;
    }
    let path = dir.join(FILE);
    let hints = DurationHints::load(&path).unwrap_or_else(|e| {
        line(&format!(
            "warning: job durations in {} not read ({e}); starting afresh",
            path.display()
        ));
        DurationHints::new()
    });
    Some((hints, path))
}

/// Saves the store (`0600`, replaced at once); a failure only warns.
pub fn save(hints: &DurationHints, path: &Path) {
    if let Err(e) = hints.save(path) {
        line(&format!(
            "warning: job durations not saved to {}: {e}",
            path.display()
        ));
    }
}
