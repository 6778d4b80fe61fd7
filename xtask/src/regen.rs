//! Writing a generated folder all or nothing.
//!
//! [`write_tree`] builds the complete new folder beside the old one (`.NAME.staging`), then
//! swaps it in: the old folder is renamed to `.NAME.previous`, the new one to `NAME`, and the
//! old one is removed. Any failure before the swap removes the staging folder and leaves the old
//! folder untouched; a failure of the second rename renames the old folder back. A run that was
//! killed between the two renames leaves `.NAME.previous` and no `NAME`: the next run (and
//! [`recover`]) puts it back before doing anything else.
//!
//! Unchanged files are hard-linked into the staging folder rather than written again, so they
//! keep their modification time and cargo does not rebuild what did not change; a run that
//! changes nothing touches nothing.

use std::io;
use std::path::{Path, PathBuf};

/// One step of [`write_tree`], passed to its fault hook before the step runs (the tests make a
/// step fail to prove that a failure anywhere leaves the old folder as it was).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Writing (or linking) this file into the staging folder.
    Stage(String),
    /// Renaming the old folder aside.
    MoveAside,
    /// Renaming the staging folder into place.
    MoveIn,
}

/// What [`write_tree`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// Files whose contents are new or changed.
    pub changed: Vec<String>,
    /// Generated files that no output names any more, removed.
    pub removed: Vec<String>,
}

impl Written {
    /// Whether the folder changed at all.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }
}

/// The first line of every file the generator writes; a file in the folder without it is
/// someone's own and is kept.
pub const GENERATED_MARK: &str = "// @generated";

/// Makes `dir` hold exactly `files` (name, contents) plus the files in it that were not
/// generated, all or nothing (see the module docs). `fault` is called before each step and
/// can make it fail; pass `&mut |_| Ok(())`.
///
/// # Errors
///
/// A message naming the path that could not be written, and saying that nothing changed.
pub fn write_tree(
    dir: &Path,
    files: &[(String, String)],
    fault: &mut dyn FnMut(&Step) -> io::Result<()>,
) -> Result<Written, String> {
    recover(dir)?;
    let current = read_folder(dir)?;
    let written = plan(&current, files);
    if written.is_empty() {
        return Ok(written);
    }
    let staging = sibling(dir, "staging")?;
    remove_if_present(&staging)?;
    let staged = stage(dir, &staging, &current, files, &written.changed, fault);
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(format!("{e}; nothing was changed"));
    }
    swap(dir, &staging, fault)?;
    Ok(written)
}

/// What [`write_tree`] would change in `dir` to make it hold `files`, without changing
/// anything (`cargo xtask check`).
///
/// # Errors
///
/// When the folder cannot be read.
pub fn planned(dir: &Path, files: &[(String, String)]) -> Result<Written, String> {
    Ok(plan(&read_folder(dir)?, files))
}

/// Puts back a folder that a killed run left renamed aside, and removes a leftover staging
/// folder. Does nothing when there is nothing to recover.
///
/// # Errors
///
/// When the folder cannot be put back or the leftovers cannot be removed.
pub fn recover(dir: &Path) -> Result<(), String> {
    let previous = sibling(dir, "previous")?;
    if previous.exists() {
        if dir.exists() {
            // The swap finished; only the clean-up did not.
            remove_if_present(&previous)?;
        } else {
            rename(&previous, dir)?;
        }
    }
    remove_if_present(&sibling(dir, "staging")?)
}

/// A file of the folder as it is now: its name, contents and whether the generator wrote it.
struct Existing {
    name: String,
    contents: Vec<u8>,
    generated: bool,
}

fn read_folder(dir: &Path) -> Result<Vec<Existing>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if !kind.is_file() {
            return Err(format!(
                "{} is not a file: the generated folder holds only files",
                path.display()
            ));
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let contents = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let generated = contents.starts_with(GENERATED_MARK.as_bytes());
        files.push(Existing {
            name,
            contents,
            generated,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// Which files change and which go, without touching anything.
fn plan(current: &[Existing], files: &[(String, String)]) -> Written {
    let mut written = Written::default();
    for (name, contents) in files {
        let same = current
            .iter()
            .any(|c| &c.name == name && c.contents == contents.as_bytes());
        if !same {
            written.changed.push(name.clone());
        }
    }
    for c in current {
        if c.generated && !files.iter().any(|(name, _)| name == &c.name) {
            written.removed.push(c.name.clone());
        }
    }
    written
}

/// Fills the staging folder: the `changed` files written, the unchanged and hand-written
/// ones linked.
fn stage(
    dir: &Path,
    staging: &Path,
    current: &[Existing],
    files: &[(String, String)],
    changed: &[String],
    fault: &mut dyn FnMut(&Step) -> io::Result<()>,
) -> Result<(), String> {
    std::fs::create_dir_all(staging).map_err(|e| format!("{}: {e}", staging.display()))?;
    let kept = current
        .iter()
        .filter(|c| !c.generated && !files.iter().any(|(name, _)| name == &c.name));
    for c in kept {
        link_or_copy(dir, staging, &c.name, fault)?;
    }
    for (name, contents) in files {
        if !changed.contains(name) {
            link_or_copy(dir, staging, name, fault)?;
        } else {
            let path = staging.join(name);
            fault(&Step::Stage(name.clone()))
                .and_then(|()| std::fs::write(&path, contents))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn link_or_copy(
    dir: &Path,
    staging: &Path,
    name: &str,
    fault: &mut dyn FnMut(&Step) -> io::Result<()>,
) -> Result<(), String> {
    let (from, to) = (dir.join(name), staging.join(name));
    fault(&Step::Stage(name.to_owned()))
        .and_then(|()| {
            std::fs::hard_link(&from, &to).or_else(|_| std::fs::copy(&from, &to).map(drop))
        })
        .map_err(|e| format!("{}: {e}", to.display()))
}

/// The two renames; the second failing renames the old folder back.
fn swap(
    dir: &Path,
    staging: &Path,
    fault: &mut dyn FnMut(&Step) -> io::Result<()>,
) -> Result<(), String> {
    let previous = sibling(dir, "previous")?;
    let had_folder = dir.exists();
    if had_folder
        && let Err(e) = fault(&Step::MoveAside).and_then(|()| std::fs::rename(dir, &previous))
    {
        let _ = std::fs::remove_dir_all(staging);
        return Err(format!("{}: {e}; nothing was changed", dir.display()));
    }
    if let Err(e) = fault(&Step::MoveIn).and_then(|()| std::fs::rename(staging, dir)) {
        let restored = !had_folder || std::fs::rename(&previous, dir).is_ok();
        let _ = std::fs::remove_dir_all(staging);
        return Err(if restored {
            format!("{}: {e}; nothing was changed", dir.display())
        } else {
            format!(
                "{}: {e}; the previous folder is at {} (the next `cargo xtask regen` puts it back)",
                dir.display(),
                previous.display()
            )
        });
    }
    if had_folder {
        // The new folder is in place; a leftover old one is removed by the next run.
        let _ = std::fs::remove_dir_all(&previous);
    }
    Ok(())
}

/// `.NAME.<what>` beside `dir`.
fn sibling(dir: &Path, what: &str) -> Result<PathBuf, String> {
    let name = dir
        .file_name()
        .ok_or_else(|| format!("{} has no folder name", dir.display()))?;
    Ok(dir.with_file_name(format!(".{}.{what}", name.to_string_lossy())))
}

fn rename(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::rename(from, to)
        .map_err(|e| format!("cannot rename {} to {}: {e}", from.display(), to.display()))
}

fn remove_if_present(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: {e}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(text: &str) -> String {
        format!("{GENERATED_MARK} by a test\n{text}\n")
    }

    fn files(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, t)| ((*n).to_owned(), generated(t)))
            .collect()
    }

    /// A folder `apis` with a.rs, b.rs, c.rs (generated) and notes.rs (hand-written).
    fn folder() -> (tempfile::TempDir, PathBuf) {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("apis");
        std::fs::create_dir(&dir).unwrap();
        for (name, text) in [("a.rs", "a1"), ("b.rs", "b1"), ("c.rs", "c1")] {
            std::fs::write(dir.join(name), generated(text)).unwrap();
        }
        std::fs::write(dir.join("notes.rs"), "// mine\n").unwrap();
        (temp, dir)
    }

    fn snapshot(dir: &Path) -> Vec<(String, String)> {
        let mut all: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        all.sort();
        all
    }

    fn siblings(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(dir.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The new generation: a changes, b stays, c is gone, d is new.
    fn next() -> Vec<(String, String)> {
        files(&[("a.rs", "a2"), ("b.rs", "b1"), ("d.rs", "d1")])
    }

    #[test]
    fn a_generation_replaces_the_folder_and_keeps_hand_written_files() {
        let (_temp, dir) = folder();
        let written = write_tree(&dir, &next(), &mut |_| Ok(())).unwrap();
        assert_eq!(written.changed, ["a.rs", "d.rs"]);
        assert_eq!(written.removed, ["c.rs"]);
        let names: Vec<_> = snapshot(&dir).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["a.rs", "b.rs", "d.rs", "notes.rs"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("a.rs")).unwrap(),
            generated("a2")
        );
        assert_eq!(siblings(&dir), ["apis"]);
    }

    #[test]
    fn a_failure_at_any_step_changes_nothing() {
        // Every step of a run, in order, as the hook sees it.
        let (_temp, dir) = folder();
        let mut steps = Vec::new();
        write_tree(&dir, &next(), &mut |s| {
            steps.push(s.clone());
            Ok(())
        })
        .unwrap();
        assert!(steps.len() >= 6, "{steps:?}");
        for failing in &steps {
            let (_temp, dir) = folder();
            let before = snapshot(&dir);
            let result = write_tree(&dir, &next(), &mut |s| {
                if s == failing {
                    Err(io::Error::other("injected"))
                } else {
                    Ok(())
                }
            });
            let message = result.expect_err("the injected failure is an error");
            assert!(message.contains("injected"), "{message}");
            assert!(message.contains("nothing was changed"), "{message}");
            assert_eq!(snapshot(&dir), before, "failing at {failing:?}");
            assert_eq!(siblings(&dir), ["apis"], "failing at {failing:?}");
        }
    }

    #[test]
    fn a_run_killed_between_the_renames_is_put_back() {
        let (_temp, dir) = folder();
        let before = snapshot(&dir);
        // As a kill after the first rename leaves it.
        std::fs::rename(&dir, sibling(&dir, "previous").unwrap()).unwrap();
        std::fs::create_dir(sibling(&dir, "staging").unwrap()).unwrap();
        recover(&dir).unwrap();
        assert_eq!(snapshot(&dir), before);
        assert_eq!(siblings(&dir), ["apis"]);
    }

    #[test]
    fn unchanged_files_are_not_touched() {
        let (_temp, dir) = folder();
        let same = files(&[("a.rs", "a1"), ("b.rs", "b1"), ("c.rs", "c1")]);
        let modified = |name: &str| {
            std::fs::metadata(dir.join(name))
                .unwrap()
                .modified()
                .unwrap()
        };
        let before = modified("b.rs");
        assert!(write_tree(&dir, &same, &mut |_| Ok(())).unwrap().is_empty());
        write_tree(&dir, &next(), &mut |_| Ok(())).unwrap();
        assert_eq!(modified("b.rs"), before, "an unchanged file keeps its time");
    }

    #[test]
    fn a_missing_folder_is_created() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("apis");
        write_tree(&dir, &files(&[("a.rs", "a1")]), &mut |_| Ok(())).unwrap();
        assert_eq!(snapshot(&dir), files(&[("a.rs", "a1")]));
    }
}
