//! `cargo xtask diff [BASE] [HEAD] [--format text|markdown|json]`: what the spec changes
//! between two git revisions mean for users of the generated crate, for the reviewer of a
//! pull request.
//!
//! The specs (`specs/*.yaml|yml|json`) are read at BASE (default: the merge base of `main`
//! and HEAD) and at HEAD (default: the work tree), loaded and lowered by the generator, and
//! compared by `cloudjobs_codegen::diff`. Exit code: 0 when nothing is breaking, 1 when
//! something is, 2 on bad input (unknown revision, no `main`, a spec that does not load).
//!
//! Part of the xtask library, so the tests call [`run_captured`] and [`report`] on a
//! repository they make.

use std::path::Path;
use std::process::{Command, ExitCode};

use cloudjobs_codegen::diff::{Format, Report, Spec, diff_spec};

/// The folder of specs, relative to the repository root.
const SPECS: &str = "specs";

/// `cargo xtask diff [BASE] [HEAD] [--format text|markdown|json]`.
///
/// Compares every spec in specs/ at two git revisions by meaning ($refs resolved; key order,
/// formatting and comments ignored) and says, per spec and operation, what changed and
/// whether it breaks code using the generated crate or requests on the wire. Exit code: 0
/// when nothing is breaking, 1 when something is, 2 on bad input.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct DiffArgs {
    /// A git revision (default: the merge base of `main` and HEAD).
    pub base: Option<String>,
    /// A git revision (default: the work tree, including uncommitted changes).
    pub head: Option<String>,
    /// `text`, `markdown` (to paste into a pull request) or `json`.
    #[arg(short, long, default_value = "text")]
    pub format: Format,
}

/// The command parsed on its own, for [`run_captured`].
#[derive(Debug, clap::Parser)]
#[command(name = "cargo xtask diff", no_binary_name = true)]
struct Standalone {
    #[command(flatten)]
    args: DiffArgs,
}

/// What a run printed, and its exit code.
pub use cloudjobs_doctools::Outcome;

/// Runs the command for `cargo xtask diff` in the repository at `root`, printing.
pub fn run(root: &Path, args: &DiffArgs) -> ExitCode {
    execute(root, args).print()
}

/// Parses `args` as `cargo xtask diff` does, runs the command and returns what it would
/// print.
pub fn run_captured(root: &Path, args: &[String]) -> Outcome {
    match <Standalone as clap::Parser>::try_parse_from(args) {
        Ok(parsed) => execute(root, &parsed.args),
        Err(e) => Outcome::from_clap(&e),
    }
}

fn execute(root: &Path, args: &DiffArgs) -> Outcome {
    match report(root, args.base.as_deref(), args.head.as_deref()) {
        Ok(report) => Outcome {
            code: u8::from(report.breaking()),
            stdout: report.render(args.format),
            stderr: String::new(),
        },
        Err(e) => Outcome::bad(e),
    }
}

/// Compares the specs at `base` (default: the merge base of `main` and HEAD) with the ones
/// at `head` (default: the work tree) in the git repository at `root`.
pub fn report(root: &Path, base: Option<&str>, head: Option<&str>) -> Result<Report, String> {
    git(root, &["rev-parse", "--git-dir"])
        .map_err(|e| format!("{} is not inside a git repository ({e})", root.display()))?;
    let head_rev = match head {
        Some(rev) => Some((rev.to_owned(), commit(root, rev)?)),
        None => None,
    };
    let (base_name, base_sha, base_label) = match base {
        Some(rev) => {
            let sha = commit(root, rev)?;
            (
                rev.to_owned(),
                sha.clone(),
                format!("{rev} ({})", short(&sha)),
            )
        }
        None => {
            let main = main_branch(root)?;
            let tip = match &head_rev {
                Some((_, sha)) => sha.clone(),
                None => commit(root, "HEAD").map_err(|e| {
                    format!("{e}; the repository has no commit to compare the work tree with")
                })?,
            };
            let sha = git(root, &["merge-base", &main, &tip]).map_err(|e| {
                format!("no merge base of `{main}` and {}: {e}; name the base revision, for example `cargo xtask diff {main}`", short(&tip))
            })?;
            let sha = sha.trim().to_owned();
            let of = head.unwrap_or("HEAD");
            (
                short(&sha).to_owned(),
                sha.clone(),
                format!("{} (merge base of {main} and {of})", short(&sha)),
            )
        }
    };
    let old = specs_at(root, &base_sha, &base_name)?;
    let (new, head_label) = match &head_rev {
        Some((name, sha)) => (
            specs_at(root, sha, name)?,
            format!("{name} ({})", short(sha)),
        ),
        None => (specs_in_work_tree(root)?, "the work tree".to_owned()),
    };
    let mut errors = Vec::new();
    let mut files: Vec<&str> = old
        .iter()
        .chain(new.iter())
        .map(|(f, _, _)| f.as_str())
        .collect();
    files.sort_unstable();
    files.dedup();
    let mut specs = Vec::new();
    for file in files {
        let module = cloudjobs_codegen::module_name(Path::new(file));
        let mut load = |side: &[(String, String, String)]| -> Option<Spec> {
            let (_, label, text) = side.iter().find(|(f, _, _)| f == file)?;
            match Spec::from_text(file, label, &module, text) {
                Ok(spec) => Some(spec),
                Err(e) => {
                    errors.push(e.to_string());
                    None
                }
            }
        };
        let (a, b) = (load(&old), load(&new));
        let present = |side: &[(String, String, String)]| side.iter().any(|(f, _, _)| f == file);
        if (present(&old) && a.is_none()) || (present(&new) && b.is_none()) {
            continue;
        }
        specs.push(diff_spec(file, a.as_ref(), b.as_ref()));
    }
    if !errors.is_empty() {
        return Err(format!(
            "{} spec version(s) could not be read:\n  {}",
            errors.len(),
            errors.join("\n  ")
        ));
    }
    Ok(Report {
        base: base_label,
        head: head_label,
        specs,
    })
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

/// Runs git in `root`; its standard output, or its error message.
fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        String::from_utf8(output.stdout).map_err(|_| {
            format!(
                "`git {}` printed something that is not UTF-8",
                args.join(" ")
            )
        })
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr.trim();
        Err(if message.is_empty() {
            format!("`git {}` failed", args.join(" "))
        } else {
            message.lines().next().unwrap_or(message).to_owned()
        })
    }
}

/// The commit a revision names.
fn commit(root: &Path, rev: &str) -> Result<String, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a revision"));
    }
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map(|s| s.trim().to_owned())
    .map_err(|_| format!("unknown revision `{rev}`: not a commit in this repository"))
}

/// `main`, or `origin/main` when there is no local `main`.
fn main_branch(root: &Path) -> Result<String, String> {
    for candidate in ["main", "origin/main"] {
        if commit(root, candidate).is_ok() {
            return Ok(candidate.to_owned());
        }
    }
    Err("there is no branch `main` (nor `origin/main`) to take the merge base with: name the base revision, for example `cargo xtask diff HEAD~1`".into())
}

fn is_spec(name: &str) -> bool {
    matches!(
        Path::new(name).extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// `(file, label, text)` of every spec at a commit.
fn specs_at(root: &Path, sha: &str, name: &str) -> Result<Vec<(String, String, String)>, String> {
    let listing = git(
        root,
        &[
            "ls-tree",
            "-z",
            "--name-only",
            sha,
            "--",
            &format!("{SPECS}/"),
        ],
    )?;
    let mut out = Vec::new();
    for path in listing.split('\0').filter(|p| !p.is_empty() && is_spec(p)) {
        let Some(file_name) = Path::new(path).file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let file = format!("{SPECS}/{file_name}");
        let text = git(root, &["show", &format!("{sha}:./{file}")])
            .map_err(|e| format!("{name}:{file}: cannot read it: {e}"))?;
        out.push((file.clone(), format!("{name}:{file}"), text));
    }
    Ok(out)
}

/// `(file, label, text)` of every spec in the work tree.
fn specs_in_work_tree(root: &Path) -> Result<Vec<(String, String, String)>, String> {
    let dir = root.join(SPECS);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let paths = cloudjobs_codegen::project::spec_files(&dir).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for path in paths {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let file = format!("{SPECS}/{file_name}");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{file}: cannot read it: {e}"))?;
        out.push((file.clone(), file, text));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    fn parse(s: &str) -> Result<DiffArgs, String> {
        <Standalone as clap::Parser>::try_parse_from(args(s))
            .map(|p| p.args)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn arguments_parse() {
        assert_eq!(
            parse("main HEAD --format markdown"),
            Ok(DiffArgs {
                base: Some("main".into()),
                head: Some("HEAD".into()),
                format: Format::Markdown,
            })
        );
        assert_eq!(
            parse("--format=json"),
            Ok(DiffArgs {
                base: None,
                head: None,
                format: Format::Json,
            })
        );
        assert!(
            parse("a b c")
                .unwrap_err()
                .contains("unexpected argument 'c'")
        );
        assert!(
            parse("--format yaml")
                .unwrap_err()
                .contains("unknown format")
        );
        assert!(
            parse("--format")
                .unwrap_err()
                .contains("a value is required")
        );
        assert!(
            parse("--colour")
                .unwrap_err()
                .contains("unexpected argument '--colour'")
        );
    }

    #[test]
    fn help_exits_0_and_bad_arguments_exit_2_with_usage() {
        let help = run_captured(Path::new("."), &args("--help"));
        assert_eq!(help.code, 0);
        assert!(
            help.stdout.contains("Usage: cargo xtask diff"),
            "{}",
            help.stdout
        );
        let out = run_captured(Path::new("."), &args("--format xml"));
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.contains("unknown format `xml`"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("try '--help'"), "{}", out.stderr);
    }
}
