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

/// Usage of the command.
pub const USAGE: &str = "\
cargo xtask diff [BASE] [HEAD] [--format text|markdown|json]

  Compares every spec in specs/ at two git revisions by meaning ($refs resolved; key order,
  formatting and comments ignored) and says, per spec and operation, what changed and
  whether it breaks code using the generated crate or requests on the wire.

  BASE      a git revision (default: the merge base of `main` and HEAD)
  HEAD      a git revision (default: the work tree, including uncommitted changes)
  --format  text (default), markdown (to paste into a pull request) or json

  Exit code: 0 when nothing is breaking, 1 when something is, 2 on bad input.
";

/// What a run printed, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// 0: nothing breaking; 1: something breaking; 2: bad input.
    pub code: u8,
    /// The report (or the usage).
    pub stdout: String,
    /// Errors.
    pub stderr: String,
}

/// Runs the command for `cargo xtask diff ARGS` in the repository at `root`, printing.
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let outcome = run_captured(root, args);
    print!("{}", outcome.stdout);
    eprint!("{}", outcome.stderr);
    ExitCode::from(outcome.code)
}

/// Runs the command and returns what it would print.
pub fn run_captured(root: &Path, args: &[String]) -> Outcome {
    let bad = |message: String| Outcome {
        code: 2,
        stdout: String::new(),
        stderr: format!("error: {message}\n"),
    };
    let options = match parse(args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            return Outcome {
                code: 0,
                stdout: USAGE.to_owned(),
                stderr: String::new(),
            };
        }
        Err(e) => return bad(format!("{e}\n\n{USAGE}")),
    };
    match report(root, options.base.as_deref(), options.head.as_deref()) {
        Ok(report) => Outcome {
            code: u8::from(report.breaking()),
            stdout: report.render(options.format),
            stderr: String::new(),
        },
        Err(e) => bad(e),
    }
}

/// Parsed arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    base: Option<String>,
    head: Option<String>,
    format: Format,
}

/// `None` when help was asked for.
fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut positional = Vec::new();
    let mut format = Format::Text;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "-h" | "--help" | "help" => return Ok(None),
            "--format" | "-f" => {
                let value = iter
                    .next()
                    .ok_or_else(|| "`--format` needs a value: text, markdown or json".to_owned())?;
                format = value.parse()?;
            }
            other if other.starts_with("--format=") => {
                format = other["--format=".len()..].parse()?;
            }
            other if other.starts_with('-') && other.len() > 1 => {
                return Err(format!("unknown option `{other}`"));
            }
            other => positional.push(other.to_owned()),
        }
    }
    if positional.len() > 2 {
        return Err(format!(
            "too many revisions ({}): give at most BASE and HEAD",
            positional.join(" ")
        ));
    }
    let mut positional = positional.into_iter();
    Ok(Some(Options {
        base: positional.next(),
        head: positional.next(),
        format,
    }))
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

    #[test]
    fn arguments_parse() {
        assert_eq!(
            parse(&args("main HEAD --format markdown")),
            Ok(Some(Options {
                base: Some("main".into()),
                head: Some("HEAD".into()),
                format: Format::Markdown,
            }))
        );
        assert_eq!(
            parse(&args("--format=json")),
            Ok(Some(Options {
                base: None,
                head: None,
                format: Format::Json,
            }))
        );
        assert_eq!(parse(&args("--help")), Ok(None));
        assert!(parse(&args("a b c")).unwrap_err().contains("too many"));
        assert!(
            parse(&args("--format yaml"))
                .unwrap_err()
                .contains("unknown format")
        );
        assert!(
            parse(&args("--format"))
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            parse(&args("--colour"))
                .unwrap_err()
                .contains("unknown option")
        );
    }

    #[test]
    fn bad_arguments_exit_2_with_usage() {
        let out = run_captured(Path::new("."), &args("--format xml"));
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.contains("unknown format `xml`"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("cargo xtask diff [BASE] [HEAD]"));
    }
}
