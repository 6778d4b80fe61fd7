//! Developer commands that measure `docs diff` on real page histories (they need local
//! clones of the documents' repositories, so they are outside the README's test command):
//!
//! - `docs eval`: the labelled version pairs of `doctools/eval/history/*.toml` (repository,
//!   commits, path, and what a correct report names), materialised from the clones by commit,
//!   diffed and scored: precision, recall, false alarms on cosmetic pairs, and every pair the
//!   report gets wrong.
//! - `docs sweep`: every version of every `api-ref/source/**.rst` page in the clones, read and
//!   diffed against its predecessor: how many, how long, and every page a reader refused
//!   although it names a method and a path.
//!
//! Nothing fetched is kept in the project: versions are written under `target/docs-eval/`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::arguments::{EvalArgs, SweepArgs};
use crate::compare;
use crate::model::DocModel;
use crate::outcome::Outcome;
use crate::reader;

/// The manifest folder, relative to the project root.
pub const HISTORY: &str = "doctools/eval/history";

/// Where versions are written, relative to the project root.
const WORK: &str = "target/docs-eval";

/// One labelled pair of consecutive versions of a page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    /// A short unique id (`ims-1`).
    pub id: String,
    /// `owner/name` on GitHub.
    pub repo: String,
    /// The page's path at `old`.
    pub path: String,
    /// Its path at `new`, when the file moved.
    #[serde(default)]
    pub new_path: Option<String>,
    /// The older commit.
    pub old: String,
    /// The newer commit.
    pub new: String,
    /// What kinds of change the pair holds (`semantic:…`, `cosmetic:…`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// What changed, in the labeller's words.
    #[serde(default)]
    pub note: String,
    /// Every change a correct report names.
    #[serde(default)]
    pub expect: Vec<Expected>,
    /// What a report must not name (for the reader of a failure).
    #[serde(default)]
    pub must_not: Vec<String>,
}

/// One change a correct report names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// The change kind, as `docs diff --format json` spells it.
    pub kind: String,
    /// The place, as the report names it.
    pub at: String,
    /// For value changes: the values.
    #[serde(default)]
    pub values: Vec<String>,
    /// For `fields-moved`: how many fields moved.
    #[serde(default)]
    pub count: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    #[serde(default)]
    pair: Vec<Pair>,
}

/// Reads every `*.toml` of the manifest folder; ids must be unique and commits 40 hex digits.
///
/// # Errors
///
/// A file that does not parse, a duplicate id or a malformed commit, naming the file.
pub fn load_manifest(dir: &Path) -> Result<Vec<Pair>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut pairs: Vec<Pair> = Vec::new();
    let mut ids = BTreeSet::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let parsed: ManifestFile =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        for p in parsed.pair {
            let hex = |c: &str| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit());
            if !hex(&p.old) || !hex(&p.new) {
                return Err(format!(
                    "{}: pair {}: commits are 40 hex digits",
                    file.display(),
                    p.id
                ));
            }
            if let Some(e) = p
                .expect
                .iter()
                .find(|e| !compare::KIND_NAMES.contains(&e.kind.as_str()))
            {
                return Err(format!(
                    "{}: pair {}: unknown kind `{}` (one of {})",
                    file.display(),
                    p.id,
                    e.kind,
                    compare::KIND_NAMES.join(", ")
                ));
            }
            if !ids.insert(p.id.clone()) {
                return Err(format!("{}: pair {}: id used twice", file.display(), p.id));
            }
            pairs.push(p);
        }
    }
    Ok(pairs)
}

/// The git folder of a clone of `owner/name` under `repos`: `owner+name/repo` (what the
/// project's fetch tool writes), `owner+name`, `name` or `name.git`.
fn git_dir(repos: &Path, repo: &str) -> Option<PathBuf> {
    let (owner, name) = repo.split_once('/')?;
    let joined = format!("{owner}+{name}");
    [
        repos.join(&joined).join("repo"),
        repos.join(&joined),
        repos.join(name),
        repos.join(format!("{name}.git")),
    ]
    .into_iter()
    .find(|d| d.join("HEAD").is_file() || d.join(".git").exists())
}

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("--git-dir").arg(if dir.join(".git").is_dir() {
        dir.join(".git")
    } else {
        dir.to_path_buf()
    });
    c
}

/// `git show COMMIT:PATH`.
fn show(dir: &Path, commit: &str, path: &str) -> Result<Vec<u8>, String> {
    let out = git(dir)
        .arg("show")
        .arg(format!("{commit}:{path}"))
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "git show {commit}:{path} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The clones folder: given, else `../.mirror` beside the checkout.
fn repos_dir(root: &Path, given: Option<&PathBuf>) -> Result<PathBuf, String> {
    if let Some(d) = given {
        return Ok(d.clone());
    }
    let default = root.join("../.mirror");
    if default.is_dir() {
        return Ok(default);
    }
    Err(format!(
        "no clones folder: {} does not exist; pass `--repos DIR` (a folder of clones of the \
         opentelekomcloud-docs repositories)",
        default.display()
    ))
}

/// A change as the evaluation compares it.
type Key = (String, String);

/// What `docs eval` found for one pair.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    /// The pair.
    pub id: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// The labeller's note and traps, shown with a wrong report.
    #[serde(skip)]
    pub note: String,
    #[serde(skip)]
    must_not: Vec<String>,
    /// Expected and reported.
    pub matched: usize,
    /// Expected, not reported: `kind at`.
    pub missed: Vec<String>,
    /// Reported, not expected: `kind at: description`.
    pub false_alarms: Vec<String>,
    /// A version that could not be materialised or read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `docs eval`.
pub(crate) fn run_eval(root: &Path, args: &EvalArgs) -> Outcome {
    match eval(root, args) {
        Ok(o) => o,
        Err(e) => Outcome::bad(e),
    }
}

fn eval(root: &Path, args: &EvalArgs) -> Result<Outcome, String> {
    let manifest = args.manifest.clone().unwrap_or_else(|| root.join(HISTORY));
    let mut pairs = load_manifest(&manifest)?;
    if !args.only.is_empty() {
        pairs.retain(|p| {
            args.only
                .iter()
                .any(|o| p.id == *o || p.id.starts_with(&format!("{o}-")))
        });
    }
    let repos = repos_dir(root, args.repos.as_ref())?;
    let work = root.join(WORK).join("pairs");
    let mut files = Vec::new();
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    for p in &pairs {
        let Some(dir) = git_dir(&repos, &p.repo) else {
            errors.insert(
                p.id.clone(),
                format!("no clone of {} in {}", p.repo, repos.display()),
            );
            continue;
        };
        let new_path = p.new_path.as_deref().unwrap_or(&p.path);
        let ext = Path::new(new_path)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("rst");
        for (side, commit, path) in [
            ("old", &p.old, &p.path),
            ("new", &p.new, &new_path.to_owned()),
        ] {
            let file = work.join(&p.id).join(format!("{side}.{ext}"));
            match show(&dir, commit, path) {
                Ok(bytes) => {
                    std::fs::create_dir_all(file.parent().unwrap_or(&work))
                        .and_then(|()| std::fs::write(&file, bytes))
                        .map_err(|e| format!("{}: {e}", file.display()))?;
                    files.push(file);
                }
                Err(e) => {
                    errors.insert(p.id.clone(), e);
                }
            }
        }
    }
    let started = Instant::now();
    let models = read_all(root, &files)?;
    let mut scored = Vec::new();
    for p in &pairs {
        let dir = work.join(&p.id);
        let find = |side: &str| {
            files
                .iter()
                .position(|f| f.starts_with(&dir) && f.file_stem().is_some_and(|s| s == side))
        };
        let mut s = Scored {
            id: p.id.clone(),
            tags: p.tags.clone(),
            note: p.note.clone(),
            must_not: p.must_not.clone(),
            matched: 0,
            missed: Vec::new(),
            false_alarms: Vec::new(),
            error: errors.get(&p.id).cloned(),
        };
        if s.error.is_none() {
            match (find("old"), find("new")) {
                (Some(o), Some(n)) => match (&models[o], &models[n]) {
                    (Ok(old), Ok(new)) => score(p, old, new, &mut s),
                    (Err(e), _) | (_, Err(e)) => s.error = Some(e.clone()),
                },
                _ => s.error = Some("a version is missing".into()),
            }
        }
        scored.push(s);
    }
    let text = eval_report(&scored, started.elapsed().as_secs_f64());
    let bad = scored
        .iter()
        .any(|s| s.error.is_some() || !s.missed.is_empty() || !s.false_alarms.is_empty());
    Ok(Outcome {
        code: u8::from(bad),
        stdout: if args.json {
            serde_json::to_string_pretty(&scored).unwrap_or_default() + "\n"
        } else {
            text
        },
        stderr: String::new(),
    })
}

fn score(p: &Pair, old: &DocModel, new: &DocModel, s: &mut Scored) {
    let reported = compare::diff(old, new);
    let expected: BTreeMap<Key, &Expected> = p
        .expect
        .iter()
        .map(|e| ((e.kind.clone(), e.at.clone()), e))
        .collect();
    let mut seen = BTreeSet::new();
    for c in &reported {
        let key: Key = (kind_name(c.kind), c.at.clone());
        if let Some(e) = expected.get(&key) {
            // The values and the count a label gives must be in the report's words too.
            let absent: Vec<String> = e
                .values
                .iter()
                .filter(|v| !c.description.contains(v.as_str()))
                .cloned()
                .chain(
                    e.count
                        .filter(|n| !c.description.contains(&n.to_string()))
                        .map(|n| format!("count {n}")),
                )
                .collect();
            if !absent.is_empty() {
                s.false_alarms.push(format!(
                    "{} {}: {} (without {})",
                    key.0,
                    key.1,
                    c.description,
                    absent.join(", ")
                ));
            } else if seen.insert(key) {
                s.matched += 1;
            }
        } else {
            s.false_alarms
                .push(format!("{} {}: {}", key.0, key.1, c.description));
        }
    }
    for e in expected.keys() {
        if !seen.contains(e) {
            s.missed.push(format!("{} {}", e.0, e.1));
        }
    }
}

/// The kind as the JSON report spells it.
fn kind_name(kind: compare::ChangeKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn eval_report(scored: &[Scored], seconds: f64) -> String {
    let matched: usize = scored.iter().map(|s| s.matched).sum();
    let missed: usize = scored.iter().map(|s| s.missed.len()).sum();
    let alarms: usize = scored.iter().map(|s| s.false_alarms.len()).sum();
    let cosmetic: Vec<&Scored> = scored
        .iter()
        .filter(|s| s.matched + s.missed.len() == 0 && s.error.is_none())
        .collect();
    let cosmetic_alarms = cosmetic
        .iter()
        .filter(|s| !s.false_alarms.is_empty())
        .count();
    let errors = scored.iter().filter(|s| s.error.is_some()).count();
    let ratio = |a: usize, b: usize| {
        if b == 0 {
            100.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    let wrong: Vec<&Scored> = scored
        .iter()
        .filter(|s| s.error.is_some() || !s.missed.is_empty() || !s.false_alarms.is_empty())
        .collect();
    let mut out = format!(
        "{} pairs ({} cosmetic), read and diffed in {seconds:.1} s\n\
         recall {:.1} % ({matched} of {} expected changes reported)\n\
         precision {:.1} % ({matched} of {} reported changes expected)\n\
         cosmetic pairs with a false alarm: {cosmetic_alarms} of {}\n\
         pairs right: {} of {}; errors: {errors}\n",
        scored.len(),
        cosmetic.len(),
        ratio(matched, matched + missed),
        matched + missed,
        ratio(matched, matched + alarms),
        matched + alarms,
        cosmetic.len(),
        scored.len() - wrong.len(),
        scored.len(),
    );
    for s in wrong {
        out.push_str(&format!(
            "\n{} [{}]\n  {}\n",
            s.id,
            s.tags.join(", "),
            s.note
        ));
        for m in &s.must_not {
            out.push_str(&format!("  (must not: {m})\n"));
        }
        if let Some(e) = &s.error {
            out.push_str(&format!("  error: {e}\n"));
        }
        for m in &s.missed {
            out.push_str(&format!("  missed: {m}\n"));
        }
        for f in &s.false_alarms {
            out.push_str(&format!("  false alarm: {f}\n"));
        }
    }
    out
}

/// Reads files grouped by format, two reader processes at a time (the machines this runs on
/// have two cores or more).
fn read_all(root: &Path, files: &[PathBuf]) -> Result<Vec<Result<DocModel, String>>, String> {
    let mut results: Vec<Option<Result<DocModel, String>>> = vec![None; files.len()];
    let mut by_format: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        match reader::format_of(f, None) {
            Ok(format) => by_format.entry(format).or_default().push(i),
            Err(e) => results[i] = Some(Err(e)),
        }
    }
    for (format, indices) in by_format {
        let chunks: Vec<&[usize]> = indices.chunks(indices.len().div_ceil(2).max(1)).collect();
        let answers: Vec<Result<Vec<Result<DocModel, String>>, String>> =
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunks
                    .iter()
                    .map(|chunk| {
                        let list: Vec<PathBuf> = chunk.iter().map(|&i| files[i].clone()).collect();
                        let format = format.clone();
                        scope.spawn(move || reader::read_many(root, &list, &format))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err("a reader thread panicked".into()))
                    })
                    .collect()
            });
        for (chunk, answer) in chunks.iter().zip(answers) {
            for (&i, model) in chunk.iter().zip(answer?) {
                results[i] = Some(model);
            }
        }
    }
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not read".into())))
        .collect())
}

/// Whether a page names an HTTP method and a path somewhere (a page a reader must read).
pub fn names_an_operation(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
        compare::METHODS.iter().any(|m| {
            line.strip_prefix(m).is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.starts_with('/') || rest.starts_with("https://") || rest.starts_with("{")
            })
        })
    })
}

/// One version change of a page in a repository's history.
struct Step {
    path: String,
    old: Option<String>,
    new: String,
}

/// Every blob change of `api-ref/source/**.rst` in the history of a clone: additions (no old)
/// and modifications.
fn history(dir: &Path) -> Result<Vec<Step>, String> {
    let out = git(dir)
        .args([
            "log",
            "--all",
            "--format=commit %H",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--",
            "api-ref/source",
        ])
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{}: git log failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut steps = Vec::new();
    let mut seen = BTreeSet::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(rest) = line.strip_prefix(':') else {
            continue;
        };
        let Some((meta, path)) = rest.split_once('\t') else {
            continue;
        };
        if !path.ends_with(".rst") {
            continue;
        }
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [_, _, old, new, status] = fields.as_slice() else {
            continue;
        };
        let zero = |s: &str| s.bytes().all(|b| b == b'0');
        let step = match *status {
            "A" => Step {
                path: path.to_owned(),
                old: None,
                new: (*new).to_owned(),
            },
            "M" if !zero(old) && !zero(new) => Step {
                path: path.to_owned(),
                old: Some((*old).to_owned()),
                new: (*new).to_owned(),
            },
            _ => continue,
        };
        if seen.insert((step.old.clone(), step.new.clone())) {
            steps.push(step);
        }
    }
    Ok(steps)
}

/// Writes blobs into `into/<sha>.rst` with one `git cat-file --batch`.
fn write_blobs(dir: &Path, shas: &BTreeSet<String>, into: &Path) -> Result<(), String> {
    std::fs::create_dir_all(into).map_err(|e| format!("{}: {e}", into.display()))?;
    let wanted: Vec<&String> = shas
        .iter()
        .filter(|s| !into.join(format!("{s}.rst")).is_file())
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut child = git(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git: no stdin")?;
    let list: String = wanted.iter().map(|s| format!("{s}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let mut out = BufReader::new(child.stdout.take().ok_or("git: no stdout")?);
    for sha in &wanted {
        let mut header = String::new();
        out.read_line(&mut header)
            .map_err(|e| format!("git: {e}"))?;
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("git cat-file: {sha}: {}", header.trim()))?;
        let mut body = vec![0; size + 1];
        out.read_exact(&mut body).map_err(|e| format!("git: {e}"))?;
        body.pop();
        std::fs::write(into.join(format!("{sha}.rst")), body)
            .map_err(|e| format!("{}: {e}", into.display()))?;
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(())
}

/// `docs sweep`.
pub(crate) fn run_sweep(root: &Path, args: &SweepArgs) -> Outcome {
    match sweep(root, args) {
        Ok(o) => o,
        Err(e) => Outcome::bad(e),
    }
}

fn sweep(root: &Path, args: &SweepArgs) -> Result<Outcome, String> {
    let repos = repos_dir(root, args.repos.as_ref())?;
    let mut dirs: Vec<(String, PathBuf)> = Vec::new();
    let names: Vec<String> = if args.repo.is_empty() {
        let mut found: Vec<String> = std::fs::read_dir(&repos)
            .map_err(|e| format!("{}: {e}", repos.display()))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|n| {
                n.strip_prefix("opentelekomcloud-docs+")
                    .map(|r| format!("opentelekomcloud-docs/{r}"))
            })
            .collect();
        found.sort();
        found
    } else {
        args.repo.clone()
    };
    for n in names {
        let dir =
            git_dir(&repos, &n).ok_or_else(|| format!("no clone of {n} in {}", repos.display()))?;
        dirs.push((n, dir));
    }
    let started = Instant::now();
    let mut out = String::new();
    let (mut versions, mut diffs, mut refused_ok, mut failures) =
        (0usize, 0usize, 0usize, Vec::new());
    for (name, dir) in &dirs {
        let steps = history(dir)?;
        let shas: BTreeSet<String> = steps
            .iter()
            .flat_map(|s| s.old.iter().chain(std::iter::once(&s.new)).cloned())
            .collect();
        let blobs = root.join(WORK).join("blobs").join(name.replace('/', "+"));
        write_blobs(dir, &shas, &blobs)?;
        let order: Vec<String> = shas.iter().cloned().collect();
        let files: Vec<PathBuf> = order
            .iter()
            .map(|s| blobs.join(format!("{s}.rst")))
            .collect();
        let models = read_all(root, &files)?;
        let mut by_sha: BTreeMap<&str, &Result<DocModel, String>> = BTreeMap::new();
        for (sha, m) in order.iter().zip(&models) {
            by_sha.insert(sha, m);
        }
        let mut repo_failures = 0;
        for (sha, file, model) in order
            .iter()
            .zip(&files)
            .zip(&models)
            .map(|((a, b), c)| (a, b, c))
        {
            versions += 1;
            if let Err(e) = model {
                let text = std::fs::read_to_string(file).unwrap_or_default();
                if names_an_operation(&text) {
                    let path = steps
                        .iter()
                        .find(|s| s.new == *sha || s.old.as_deref() == Some(sha))
                        .map_or("?", |s| s.path.as_str());
                    failures.push(format!("{name} {path} (blob {sha}): {e}"));
                    repo_failures += 1;
                } else {
                    refused_ok += 1;
                }
            }
        }
        let mut repo_diffs = 0;
        for s in &steps {
            let Some(old) = &s.old else { continue };
            if let (Some(Ok(a)), Some(Ok(b))) =
                (by_sha.get(old.as_str()), by_sha.get(s.new.as_str()))
            {
                let _ = compare::diff(a, b);
                repo_diffs += 1;
            }
        }
        diffs += repo_diffs;
        out.push_str(&format!(
            "{name}: {} versions, {repo_diffs} consecutive pairs diffed, {repo_failures} refused pages naming an operation\n",
            order.len()
        ));
    }
    out.push_str(&format!(
        "\n{} repositories: {versions} page versions read, {diffs} pairs diffed, {refused_ok} \
         versions refused that name no operation (index and reference pages), {} refused that \
         name one, in {:.1} s\n",
        dirs.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    ));
    for f in &failures {
        out.push_str(&format!("  refused: {f}\n"));
    }
    Ok(Outcome {
        code: u8::from(!failures.is_empty()),
        stdout: out,
        stderr: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_manifest_loads() {
        let root = cloudjobs_codegen::project::root::project_root().unwrap();
        let pairs = load_manifest(&root.join(HISTORY)).unwrap();
        assert!(pairs.len() >= 80, "{} pairs", pairs.len());
        let repos: BTreeSet<&str> = pairs.iter().map(|p| p.repo.as_str()).collect();
        assert!(repos.len() >= 15, "{} repositories", repos.len());
    }

    #[test]
    fn pages_that_name_an_operation_are_recognised() {
        assert!(names_an_operation("GET /v1/{project_id}/jobs/{job_id}"));
        assert!(names_an_operation("   GET/v1.0/{project_id}/x"));
        assert!(names_an_operation("| POST /v2/a |"));
        assert!(!names_an_operation("Get the list of jobs"));
        assert!(!names_an_operation(".. toctree::\n   jobs"));
    }
}
