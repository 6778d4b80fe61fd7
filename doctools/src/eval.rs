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
pub(crate) fn git_dir(repos: &Path, repo: &str) -> Option<PathBuf> {
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
pub(crate) fn show(dir: &Path, commit: &str, path: &str) -> Result<Vec<u8>, String> {
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
pub(crate) fn repos_dir(root: &Path, given: Option<&PathBuf>) -> Result<PathBuf, String> {
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
    let (files, errors) = materialise(&pairs, &repos, &work)?;
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
    let mut text = eval_report(&scored, started.elapsed().as_secs_f64());
    let mut bad = scored
        .iter()
        .any(|s| s.error.is_some() || !s.missed.is_empty() || !s.false_alarms.is_empty());
    if args.metamorphic {
        let side = |p: &Pair, side: &str| {
            let dir = work.join(&p.id);
            files
                .iter()
                .position(|f| f.starts_with(&dir) && f.file_stem().is_some_and(|s| s == side))
        };
        let both: Vec<(usize, usize)> = pairs
            .iter()
            .filter_map(|p| Some((side(p, "old")?, side(p, "new")?)))
            .filter(|&(o, n)| models[o].is_ok() && models[n].is_ok())
            .collect();
        let label = |i: usize| {
            let f = &files[i];
            let id = f.parent().and_then(Path::file_name).unwrap_or_default();
            let side = f.file_stem().unwrap_or_default();
            format!("{} {}", id.to_string_lossy(), side.to_string_lossy())
        };
        let mut meta = Metamorphic::new(rewrites(&args.rewrite));
        meta.check(root, &files, &models, &both, &label)?;
        bad |= meta.report(&mut text);
    }
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

/// Writes both versions of every pair into `work/<id>/{old,new}.<ext>`: the files written,
/// and per pair what could not be.
fn materialise(
    pairs: &[Pair],
    repos: &Path,
    work: &Path,
) -> Result<(Vec<PathBuf>, BTreeMap<String, String>), String> {
    let mut files = Vec::new();
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    for p in pairs {
        let Some(dir) = git_dir(repos, &p.repo) else {
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
                    std::fs::create_dir_all(file.parent().unwrap_or(work))
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
    Ok((files, errors))
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
    Ok(read_all_rewritten(root, files, None)?
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not read".into())))
        .collect())
}

/// [`read_all`], each file first rewritten by `rewrite` (`None` where it does not apply).
fn read_all_rewritten(
    root: &Path,
    files: &[PathBuf],
    rewrite: Option<&str>,
) -> Result<Vec<Option<Result<DocModel, String>>>, String> {
    type Read = Option<Result<DocModel, String>>;
    let mut results: Vec<Option<Read>> = vec![None; files.len()];
    let mut by_format: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        match reader::format_of(f, None) {
            Ok(format) => by_format.entry(format).or_default().push(i),
            Err(e) => results[i] = Some(Some(Err(e))),
        }
    }
    for (format, indices) in by_format {
        let chunks: Vec<&[usize]> = indices.chunks(indices.len().div_ceil(2).max(1)).collect();
        let answers: Vec<Result<Vec<Read>, String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|chunk| {
                    let list: Vec<PathBuf> = chunk.iter().map(|&i| files[i].clone()).collect();
                    let format = format.clone();
                    scope.spawn(move || reader::read_many(root, &list, &format, rewrite))
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
        .map(|r| r.unwrap_or_else(|| Some(Err("not read".into()))))
        .collect())
}

/// Whether a page names an HTTP method and a path somewhere.
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

/// The section titles of a reStructuredText page (a line underlined with `=`, `-`, `~`, `^`,
/// `"`, `#`, `*` or `+`), lower-cased.
fn headings(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .filter(|w| {
            let (title, under) = (w[0].trim(), w[1].trim_end());
            let mut chars = under.chars();
            let first = chars.next();
            !title.is_empty()
                && under.len() >= 3
                && first.is_some_and(|c| "=-~^\"#*+".contains(c))
                && under.chars().all(|c| Some(c) == first)
                && !title.chars().all(|c| Some(c) == first)
        })
        .map(|w| w[0].trim().to_lowercase())
        .collect()
}

/// Whether a page describes one API call, so that a reader must read it: it has a URI
/// section, or it names an operation and has the Function section API pages open with.
/// Guides ("Making an API Request", "Authentication"), permission tables listing many
/// calls, metric lists, change histories and index pages do not.
pub fn describes_a_call(text: &str) -> bool {
    let titles = headings(text);
    let has = |names: &[&str]| titles.iter().any(|t| names.contains(&t.as_str()));
    has(&["uri", "uri format", "url", "api uri"]) || has(&["function"]) && names_an_operation(text)
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
            "--find-renames",
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
        let Some((meta, paths)) = rest.split_once('\t') else {
            continue;
        };
        // A rename or a copy names the old path, then the new one.
        let path = paths.rsplit('\t').next().unwrap_or(paths);
        if !path.ends_with(".rst") {
            continue;
        }
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [_, _, old, new, status] = fields.as_slice() else {
            continue;
        };
        let zero = |s: &str| s.bytes().all(|b| b == b'0');
        let step = match status.chars().next() {
            Some('A') => Step {
                path: path.to_owned(),
                old: None,
                new: (*new).to_owned(),
            },
            Some('M' | 'R' | 'C') if !zero(old) && !zero(new) && old != new => Step {
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

/// The repositories a sweep covers: those named, else every `opentelekomcloud-docs+*` clone.
fn sweep_dirs(repos: &Path, named: &[String]) -> Result<Vec<(String, PathBuf)>, String> {
    let names: Vec<String> = if named.is_empty() {
        let mut found: Vec<String> = std::fs::read_dir(repos)
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
        named.to_vec()
    };
    names
        .into_iter()
        .map(|n| {
            let dir = git_dir(repos, &n)
                .ok_or_else(|| format!("no clone of {n} in {}", repos.display()))?;
            Ok((n, dir))
        })
        .collect()
}

/// What a sweep found, over all repositories.
#[derive(Default)]
struct Swept {
    versions: usize,
    diffs: usize,
    /// Refusals of pages that describe no call, by the reader's message (numbers as `N`).
    not_calls: BTreeMap<String, usize>,
    /// Refusals of pages that describe a call, and diffs that panicked.
    failures: Vec<String>,
}

/// The rewrites a run applies: those named, else all.
fn rewrites(named: &[String]) -> Vec<&str> {
    if named.is_empty() {
        reader::REWRITES.to_vec()
    } else {
        named.iter().map(String::as_str).collect()
    }
}

fn sweep(root: &Path, args: &SweepArgs) -> Result<Outcome, String> {
    let repos = repos_dir(root, args.repos.as_ref())?;
    let dirs = sweep_dirs(&repos, &args.repo)?;
    let started = Instant::now();
    let mut out = String::new();
    let mut swept = Swept::default();
    let mut meta = Metamorphic::new(if args.metamorphic {
        rewrites(&args.rewrite)
    } else {
        Vec::new()
    });
    for (name, dir) in &dirs {
        let line = sweep_repo(root, name, dir, &mut swept, &mut meta)?;
        out.push_str(&line);
    }
    let refused_elsewhere: usize = swept.not_calls.values().sum();
    out.push_str(&format!(
        "\n{} repositories: {} page versions read, {} consecutive pairs diffed, {refused_elsewhere} \
         versions refused that describe no call (index, guide and reference pages), {} failures \
         (refused pages that describe a call, or diffs that failed), in {:.1} s\n",
        dirs.len(),
        swept.versions,
        swept.diffs,
        swept.failures.len(),
        started.elapsed().as_secs_f64()
    ));
    let mut reasons: Vec<(&String, &usize)> = swept.not_calls.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (reason, n) in reasons {
        out.push_str(&format!("  {n} refused (no call described): {reason}\n"));
    }
    for f in &swept.failures {
        out.push_str(&format!("  failure: {f}\n"));
    }
    let changed = meta.report(&mut out);
    Ok(Outcome {
        code: u8::from(!swept.failures.is_empty() || changed),
        stdout: out,
        stderr: String::new(),
    })
}

/// Reads and diffs every page version of one clone; returns its line of the report.
fn sweep_repo(
    root: &Path,
    name: &str,
    dir: &Path,
    swept: &mut Swept,
    meta: &mut Metamorphic,
) -> Result<String, String> {
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
    let index: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let label = |i: usize| {
        let sha = &order[i];
        let path = steps
            .iter()
            .find(|s| s.new == *sha || s.old.as_deref() == Some(sha))
            .map_or("?", |s| s.path.as_str());
        format!("{name} {path} (blob {sha})")
    };
    let mut repo_failures = 0;
    for (i, model) in models.iter().enumerate() {
        swept.versions += 1;
        if let Err(e) = model {
            let text = std::fs::read_to_string(&files[i]).unwrap_or_default();
            if describes_a_call(&text) {
                swept.failures.push(format!("{}: {e}", label(i)));
                repo_failures += 1;
            } else {
                *swept.not_calls.entry(reason(e)).or_default() += 1;
            }
        }
    }
    let pairs: Vec<(usize, usize)> = steps
        .iter()
        .filter_map(|s| Some((index[s.old.as_deref()?], index[s.new.as_str()])))
        .filter(|&(o, n)| models[o].is_ok() && models[n].is_ok())
        .collect();
    for &(o, n) in &pairs {
        if let (Ok(a), Ok(b)) = (&models[o], &models[n])
            && let Err(e) = guarded_diff(a, b)
        {
            swept
                .failures
                .push(format!("{} → {}: {e}", label(o), label(n)));
            repo_failures += 1;
        }
    }
    swept.diffs += pairs.len();
    meta.check(root, &files, &models, &pairs, &label)?;
    Ok(format!(
        "{name}: {} versions, {} consecutive pairs diffed, {repo_failures} failures\n",
        order.len(),
        pairs.len()
    ))
}

/// A reader's message without its file and numbers: what kind of refusal it is.
fn reason(error: &str) -> String {
    let message = error.split_once(".rst:").map_or(error, |(_, rest)| {
        rest.split_once(": ").map_or(rest, |(_, m)| m)
    });
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('N') {
                out.push('N');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `docs diff` of two models, a panic turned into an error naming it.
fn guarded_diff(a: &DocModel, b: &DocModel) -> Result<Vec<compare::Change>, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compare::diff(a, b))).map_err(|p| {
        let what = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        format!("docs diff panicked: {what}")
    })
}

/// The changes of a report as the metamorphic check compares them: kind and place.
fn report_keys(changes: &[compare::Change]) -> BTreeSet<Key> {
    changes
        .iter()
        .map(|c| (kind_name(c.kind), c.at.clone()))
        .collect()
}

/// The metamorphic check of real pages: each version read again rewritten in each way that
/// must not change its model (`docmodel/transform.py`); the rewritten version must diff
/// against the version as written with no change, and a pair of rewritten versions must
/// give the report of the pair as written.
struct Metamorphic<'r> {
    rewrites: Vec<&'r str>,
    /// Per rewrite: versions rewritten, of them read differently; pairs with a rewritten side,
    /// of them with another report; and what differed.
    counts: BTreeMap<&'r str, [usize; 4]>,
    findings: Vec<String>,
}

impl<'r> Metamorphic<'r> {
    fn new(rewrites: Vec<&'r str>) -> Self {
        Self {
            counts: rewrites.iter().map(|r| (*r, [0; 4])).collect(),
            rewrites,
            findings: Vec::new(),
        }
    }

    /// Checks the versions `files` (read as `models`) and their consecutive `pairs`.
    fn check(
        &mut self,
        root: &Path,
        files: &[PathBuf],
        models: &[Result<DocModel, String>],
        pairs: &[(usize, usize)],
        label: &dyn Fn(usize) -> String,
    ) -> Result<(), String> {
        if self.rewrites.is_empty() {
            return Ok(());
        }
        let readable: Vec<usize> = (0..files.len()).filter(|&i| models[i].is_ok()).collect();
        let list: Vec<PathBuf> = readable.iter().map(|&i| files[i].clone()).collect();
        for rewrite in self.rewrites.clone() {
            let read = read_all_rewritten(root, &list, Some(rewrite))?;
            let mut rewritten: Vec<Option<&Result<DocModel, String>>> = vec![None; files.len()];
            for (&i, m) in readable.iter().zip(&read) {
                rewritten[i] = m.as_ref();
            }
            let count = self.counts.entry(rewrite).or_default();
            for &i in &readable {
                let (Some(m), Ok(original)) = (rewritten[i], &models[i]) else {
                    continue;
                };
                count[0] += 1;
                let what = match m {
                    Err(e) => Some(format!("refused once rewritten: {e}")),
                    Ok(m) => {
                        let changes = guarded_diff(original, m)?;
                        (!changes.is_empty()).then(|| describe(&changes))
                    }
                };
                if let Some(what) = what {
                    count[1] += 1;
                    self.findings
                        .push(format!("{rewrite}: {}: {what}", label(i)));
                }
            }
            for &(o, n) in pairs {
                if rewritten[o].is_none() && rewritten[n].is_none() {
                    continue;
                }
                let side = |i: usize| match rewritten[i] {
                    Some(Ok(m)) => Some(m),
                    Some(Err(_)) => None,
                    None => models[i].as_ref().ok(),
                };
                let (Some(a), Some(b), Ok(x), Ok(y)) = (side(o), side(n), &models[o], &models[n])
                else {
                    continue;
                };
                count[2] += 1;
                let (before, after) = (guarded_diff(x, y)?, guarded_diff(a, b)?);
                let (kb, ka) = (report_keys(&before), report_keys(&after));
                if kb != ka {
                    count[3] += 1;
                    let gained: Vec<String> = ka
                        .difference(&kb)
                        .map(|k| format!("+{} {}", k.0, k.1))
                        .collect();
                    let lost: Vec<String> = kb
                        .difference(&ka)
                        .map(|k| format!("-{} {}", k.0, k.1))
                        .collect();
                    self.findings.push(format!(
                        "{rewrite}: {} → {}: report changed: {}",
                        label(o),
                        label(n),
                        gained
                            .into_iter()
                            .chain(lost)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        Ok(())
    }

    /// Appends the figures and findings; whether anything changed.
    fn report(&self, out: &mut String) -> bool {
        if self.rewrites.is_empty() {
            return false;
        }
        out.push_str("\nmetamorphic check (each rewrite must change no model and no report):\n");
        for (rewrite, [versions, read_otherwise, pairs, reports]) in &self.counts {
            out.push_str(&format!(
                "  {rewrite}: {versions} versions rewritten, {read_otherwise} read otherwise; \
                 {pairs} pairs with a rewritten side, {reports} reports changed\n"
            ));
        }
        const SHOWN: usize = 60;
        for f in self.findings.iter().take(SHOWN) {
            out.push_str(&format!("  changed: {f}\n"));
        }
        if self.findings.len() > SHOWN {
            out.push_str(&format!("  ... and {} more\n", self.findings.len() - SHOWN));
        }
        !self.findings.is_empty()
    }
}

/// A report in one line: `kind at: description; ...` (at most three changes).
fn describe(changes: &[compare::Change]) -> String {
    let mut parts: Vec<String> = changes
        .iter()
        .take(3)
        .map(|c| format!("{} {}: {}", kind_name(c.kind), c.at, c.description))
        .collect();
    if changes.len() > 3 {
        parts.push(format!("{} more", changes.len() - 3));
    }
    parts.join("; ")
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
