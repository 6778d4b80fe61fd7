//! `cargo xtask docs diff|check|pull`: follow the cloud documents the specs come from.
//!
//! - `diff OLD NEW`: the semantic difference of two versions of a document ([`compare`]).
//! - `check [SPEC...]`: what a spec's primary source document says that the spec lacks or
//!   contradicts ([`check`]), with the deliberate deviations of `accepted`.
//! - `pull [SPEC...]`: download every source (`target/docs/<spec>/`), tell which changed by
//!   sha256, diff a changed versioned source against its recorded revision, and check.
//!
//! Documents are read into the model of `xtask/tools/DOCMODEL.md` by the Python readers
//! ([`reader`]); everything that compares lives here.

mod check;
mod compare;
mod fetch;
mod model;
mod reader;
mod render;
mod safe;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cloudjobs_codegen::diff::Format;
use serde::Serialize;

use check::CheckResult;
use compare::Change;
use fetch::{Fetcher, sha256_hex};
use model::DocModel;
use spec::{Source, SpecFile, find_spec, spec_label};

/// The env var that moves the download folder (default `target/docs`).
pub const DOCS_DIR_ENV: &str = "CLOUDJOBS_DOCS_DIR";

/// Usage of the command.
pub const USAGE: &str = "\
cargo xtask docs <diff|check|pull> ...

  diff OLD NEW [--format text|markdown|json] [--doc-format rst|html|page-text|model]
      The semantic difference of two versions of a document: fields added or removed (with
      their nesting path), types, mandatory flags, listed values, parameters, status codes,
      method and path, example bodies (as parsed JSON). Descriptions, wording, table layout,
      anchors, link text and the file's location report nothing.
      Exit code: 0 no semantic difference, 1 differences, 2 bad input.

  check [SPEC...] [--doc FILE] [--doc-format F] [--format text|markdown|json]
      Each spec (default: every specs/*.yaml with info.x-cloudjobs-sources) against its
      primary source document: what the document says that the spec lacks or contradicts is
      drift; places its `accepted` list names are accepted (with the reason); what the spec
      has beyond the document is a note. The document is --doc FILE (checked with the
      primary entry's accepted list), else the copy `docs pull` downloaded, else the url.
      Exit code: 0 no drift (accepted findings and notes allowed), 1 drift, 2 bad input.

  pull [SPEC...] [--format text|markdown|json]
      Downloads every source url into target/docs/<spec>/ (never committed), compares its
      sha256 with the recorded one, diffs a changed versioned source (repository, path and
      revision on GitHub) against the recorded revision, then checks the spec against the
      current primary document.
      Exit code: 0 nothing changed and no drift, 1 a document changed or drift, 2 bad input
      or a failed download.

  Documents are read by xtask/tools/docmodel.py with the pinned venv (target/tools/venv,
  installed when missing); the format comes from the source entry, else from the file name
  (.rst, .html, .txt = page text, .json = a model the reader printed).

  Environment: CLOUDJOBS_DOCS_BASE_URL replaces https://raw.githubusercontent.com;
  CLOUDJOBS_DOCS_URL_MAP=FROM=TO;... rewrites URL prefixes; CLOUDJOBS_DOCS_DIR moves
  target/docs; CLOUDJOBS_PYTHON names the interpreter instead of the venv;
  CLOUDJOBS_DOCMODEL names another reader script; CLOUDJOBS_DOCS_MAX_BYTES (4 MiB),
  CLOUDJOBS_DOCS_MAX_DEPTH (64 levels) and CLOUDJOBS_DOCS_READER_TIMEOUT (60 s) raise the
  readers' limits.
";

/// What a run printed, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// 0, 1 or 2.
    pub code: u8,
    /// The report.
    pub stdout: String,
    /// Errors.
    pub stderr: String,
}

impl Outcome {
    fn bad(message: impl std::fmt::Display) -> Outcome {
        Outcome {
            code: 2,
            stdout: String::new(),
            stderr: format!("error: {message}\n"),
        }
    }
}

/// Runs `cargo xtask docs ARGS`, printing.
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let outcome = run_captured(root, args);
    print!("{}", outcome.stdout);
    eprint!("{}", outcome.stderr);
    ExitCode::from(outcome.code)
}

/// Runs the command and returns what it would print, with every control character of
/// document or spec text escaped ([`safe::terminal`]; a JSON report stays the same JSON,
/// [`safe::terminal_json`]): no document can drive the terminal.
pub fn run_captured(root: &Path, args: &[String]) -> Outcome {
    let raw = run_unescaped(root, args);
    let stdout = if raw.stdout.trim_start().starts_with(['{', '[']) {
        safe::terminal_json(&raw.stdout).into_owned()
    } else {
        safe::terminal(&raw.stdout).into_owned()
    };
    Outcome {
        code: raw.code,
        stdout,
        stderr: safe::terminal(&raw.stderr).into_owned(),
    }
}

fn run_unescaped(root: &Path, args: &[String]) -> Outcome {
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("help", args),
    };
    let options = match Options::parse(rest) {
        Ok(o) => o,
        Err(e) => return Outcome::bad(format!("{e}\n\n{USAGE}")),
    };
    if options.help {
        return usage();
    }
    match command {
        "diff" => run_diff(root, &options),
        "check" => run_check(root, &options),
        "pull" => run_pull(root, &options),
        "help" | "-h" | "--help" => usage(),
        other => Outcome::bad(format!("unknown docs command `{other}`\n\n{USAGE}")),
    }
}

fn usage() -> Outcome {
    Outcome {
        code: 0,
        stdout: USAGE.to_owned(),
        stderr: String::new(),
    }
}

/// Parsed arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Options {
    positional: Vec<String>,
    format: Format,
    doc: Option<String>,
    doc_format: Option<String>,
    help: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut o = Options::default();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
                _ => (arg.as_str(), None),
            };
            let mut value = |what: &str| -> Result<String, String> {
                match &inline {
                    Some(v) => Ok(v.clone()),
                    None => iter
                        .next()
                        .cloned()
                        .ok_or_else(|| format!("`{name}` needs a value: {what}")),
                }
            };
            match name {
                "-h" | "--help" => o.help = true,
                "--format" | "-f" => {
                    o.format = value("text, markdown or json")?.parse()?;
                }
                "--doc" => o.doc = Some(value("a document file")?),
                "--doc-format" => o.doc_format = Some(value("rst, html, page-text or model")?),
                other if other.starts_with('-') && other.len() > 1 => {
                    return Err(format!("unknown option `{other}`"));
                }
                other => o.positional.push(other.to_owned()),
            }
        }
        Ok(o)
    }
}

/// A document's identity in a report.
#[derive(Debug, Clone, Serialize)]
pub struct DocInfo {
    /// The file read.
    pub file: String,
    /// Its format.
    pub format: String,
    /// Its title.
    pub title: String,
    /// `GET /v1/...`.
    pub operation: String,
}

impl DocInfo {
    fn new(file: String, model: &DocModel) -> DocInfo {
        DocInfo {
            file,
            format: model.format.clone(),
            title: model.title.clone(),
            operation: model.operation_line(),
        }
    }
}

/// `docs diff`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    /// The old version.
    pub old: DocInfo,
    /// The new version.
    pub new: DocInfo,
    /// Every semantic change.
    pub changes: Vec<Change>,
}

fn run_diff(root: &Path, o: &Options) -> Outcome {
    let [old, new] = o.positional.as_slice() else {
        return Outcome::bad(format!(
            "`docs diff` needs two documents, OLD and NEW\n\n{USAGE}"
        ));
    };
    if o.doc.is_some() {
        return Outcome::bad("`--doc` is an option of `docs check`");
    }
    let read = |arg: &str| -> Result<(String, DocModel), String> {
        let path = PathBuf::from(arg);
        let format = reader::format_of(&path, o.doc_format.as_deref())?;
        let model = reader::read(root, &path, &format)?;
        Ok((arg.to_owned(), model))
    };
    let (old, new) = match (read(old), read(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return Outcome::bad(e),
    };
    let report = DiffReport {
        changes: compare::diff(&old.1, &new.1),
        old: DocInfo::new(old.0, &old.1),
        new: DocInfo::new(new.0, &new.1),
    };
    Outcome {
        code: u8::from(!report.changes.is_empty()),
        stdout: render::diff(&report, o.format),
        stderr: String::new(),
    }
}

/// The folder downloads go to.
fn docs_dir(root: &Path) -> PathBuf {
    match std::env::var_os(DOCS_DIR_ENV).filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => root.join("target/docs"),
    }
}

/// Where a source's current version is saved: `<docs>/<spec>/<file name>` (the primary
/// entry keeps the URL's file name; a later entry with the same name gets its number).
/// Every segment is checked to be one ([`safe::inside`]): nothing is written outside the
/// download folder.
fn download_path(root: &Path, spec: &SpecFile, index: usize) -> Result<PathBuf, String> {
    let name = spec.sources[index].file_name();
    let clash = spec.sources[..index].iter().any(|s| s.file_name() == name);
    let name = if clash {
        format!("{}-{name}", index + 1)
    } else {
        name
    };
    safe::inside(&docs_dir(root), &[&spec.stem, &name])
        .map_err(|e| format!("{}: source {index}: download path: {e}", spec.label))
}

/// Where the recorded revision of a source is saved:
/// `<docs>/<spec>/recorded-<revision, 10 digits>/<file name>`.
fn recorded_path(
    root: &Path,
    spec: &SpecFile,
    index: usize,
    revision: &str,
) -> Result<PathBuf, String> {
    let current = download_path(root, spec, index)?;
    let name = current
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{}: source {index}: no file name", spec.label))?;
    // `revision` is 40 hex digits (checked when the spec was loaded); `get` keeps a bad
    // one whole, and `inside` refuses it then.
    let folder = format!("recorded-{}", revision.get(..10).unwrap_or(revision));
    safe::inside(&docs_dir(root), &[&spec.stem, &folder, name])
        .map_err(|e| format!("{}: source {index}: download path: {e}", spec.label))
}

/// How a file is named in reports: relative to the repository root when inside it.
fn shown_path(root: &Path, path: &Path) -> String {
    spec_label(root, path)
}

/// The specs named, or every spec with sources.
fn specs_to_check(root: &Path, names: &[String]) -> Result<Vec<(PathBuf, String)>, String> {
    if names.is_empty() {
        let files = cloudjobs_codegen::project::spec_files(&root.join("specs"))
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("{}: cannot read it: {e}", path.display()))?;
            if text.contains("x-cloudjobs-sources") {
                let label = spec_label(root, &path);
                out.push((path, label));
            }
        }
        return Ok(out);
    }
    names
        .iter()
        .map(|n| {
            let path = find_spec(root, n).ok_or_else(|| format!("{n}: no such spec"))?;
            let label = spec_label(root, &path);
            Ok((path, label))
        })
        .collect()
}

/// `docs check`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// One result per spec checked.
    pub results: Vec<CheckResult>,
}

fn run_check(root: &Path, o: &Options) -> Outcome {
    let specs = match specs_to_check(root, &o.positional) {
        Ok(s) => s,
        Err(e) => return Outcome::bad(e),
    };
    if o.doc.is_some() && specs.len() != 1 {
        return Outcome::bad(format!(
            "`--doc FILE` checks one spec against a file: name exactly one spec (got {})",
            specs.len()
        ));
    }
    if specs.is_empty() {
        return Outcome::bad("no spec in specs/ has info.x-cloudjobs-sources: nothing to check");
    }
    let mut fetcher = None;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (path, label) in &specs {
        match check_one(root, path, label, o, &mut fetcher) {
            Ok(r) => results.push(r),
            Err(e) => errors.push(e),
        }
    }
    let report = CheckReport { results };
    let drift = report.results.iter().any(CheckResult::drift);
    let code = if !errors.is_empty() {
        2
    } else {
        u8::from(drift)
    };
    Outcome {
        code,
        stdout: if report.results.is_empty() {
            String::new()
        } else {
            render::check(&report, o.format)
        },
        stderr: errors.iter().map(|e| format!("error: {e}\n")).collect(),
    }
}

fn fetcher(slot: &mut Option<Fetcher>) -> Result<&Fetcher, String> {
    if slot.is_none() {
        *slot = Some(Fetcher::from_env()?);
    }
    slot.as_ref().ok_or_else(|| "no HTTP client".to_owned())
}

fn check_one(
    root: &Path,
    path: &Path,
    label: &str,
    o: &Options,
    fetch: &mut Option<Fetcher>,
) -> Result<CheckResult, String> {
    let spec = SpecFile::load(path, label)?;
    let primary = spec.sources.first();
    let (document, file, format) = match &o.doc {
        Some(doc) => {
            let file = PathBuf::from(doc);
            let format = match &o.doc_format {
                Some(f) => reader::format_of(&file, Some(f))?,
                None => reader::format_of(&file, None)
                    .or_else(|e| primary.map(|p| p.format.clone()).ok_or(e))?,
            };
            (doc.clone(), file, format)
        }
        None => {
            let Some(primary) = primary else {
                return Err(format!(
                    "{label}: no info.x-cloudjobs-sources, so no document to check against (give --doc FILE)"
                ));
            };
            let file = download_path(root, &spec, 0)?;
            if !file.is_file() {
                let bytes = fetcher(fetch)?.get(&primary.url)?;
                save(&file, &bytes)?;
            }
            (primary.url.clone(), file, primary.format.clone())
        }
    };
    let model = reader::read(root, &file, &format)?;
    Ok(check_model(
        root, &spec, primary, document, &file, &format, &model,
    ))
}

fn check_model(
    root: &Path,
    spec: &SpecFile,
    primary: Option<&Source>,
    document: String,
    file: &Path,
    format: &str,
    model: &DocModel,
) -> CheckResult {
    let (operation, findings, unused_accepted) = check::check(
        spec,
        primary.and_then(|p| p.operation.as_deref()),
        primary.map(|p| p.accepted.as_slice()).unwrap_or_default(),
        model,
    );
    CheckResult {
        spec: spec.label.clone(),
        document,
        file: shown_path(root, file),
        format: format.to_owned(),
        doc_operation: model.operation_line(),
        operation,
        findings,
        unused_accepted,
        reader_warnings: model.warnings.clone(),
    }
}

fn save(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// What `pull` found for one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceStatus {
    /// The sha256 differs from the recorded one.
    Changed,
    /// The same bytes as recorded.
    Unchanged,
    /// No sha256 recorded (`unknown`): downloaded, nothing to compare.
    Unrecorded,
    /// The download failed.
    Failed,
}

/// One source of a spec, pulled.
#[derive(Debug, Clone, Serialize)]
pub struct PulledSource {
    /// The source URL.
    pub url: String,
    /// The first entry: the document `check` uses.
    pub primary: bool,
    /// What was found.
    pub status: SourceStatus,
    /// The sha256 of the current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The recorded sha256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_sha256: Option<String>,
    /// Where the current version was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// For a changed versioned source: the recorded revision, and the difference from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_revision: Option<String>,
    /// The semantic difference recorded revision → current.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<DiffReport>,
    /// What went wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The file saved (for the check that follows).
    #[serde(skip)]
    pub saved: Option<PathBuf>,
}

/// One spec, pulled.
#[derive(Debug, Clone, Serialize)]
pub struct PulledSpec {
    /// The spec.
    pub spec: String,
    /// Its sources.
    pub sources: Vec<PulledSource>,
    /// The check against the current primary document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckResult>,
    /// Errors (a spec that does not load, a document the reader refuses).
    pub errors: Vec<String>,
}

/// `docs pull`.
#[derive(Debug, Clone, Serialize)]
pub struct PullReport {
    /// One entry per spec.
    pub specs: Vec<PulledSpec>,
}

impl PullReport {
    /// Documents whose sha256 changed.
    pub fn changed(&self) -> usize {
        self.specs
            .iter()
            .flat_map(|s| &s.sources)
            .filter(|s| s.status == SourceStatus::Changed)
            .count()
    }

    /// Whether something failed.
    pub fn failed(&self) -> bool {
        self.specs.iter().any(|s| {
            !s.errors.is_empty() || s.sources.iter().any(|x| x.status == SourceStatus::Failed)
        })
    }

    /// Whether a check drifted.
    pub fn drift(&self) -> bool {
        self.specs
            .iter()
            .any(|s| s.check.as_ref().is_some_and(CheckResult::drift))
    }
}

fn run_pull(root: &Path, o: &Options) -> Outcome {
    if o.doc.is_some() {
        return Outcome::bad("`--doc` is an option of `docs check`");
    }
    let specs = match specs_to_check(root, &o.positional) {
        Ok(s) => s,
        Err(e) => return Outcome::bad(e),
    };
    if specs.is_empty() {
        return Outcome::bad("no spec in specs/ has info.x-cloudjobs-sources: nothing to pull");
    }
    let fetcher = match Fetcher::from_env() {
        Ok(f) => f,
        Err(e) => return Outcome::bad(e),
    };
    let mut report = PullReport { specs: Vec::new() };
    for (path, label) in &specs {
        report.specs.push(pull_one(root, path, label, &fetcher));
    }
    let code = if report.failed() {
        2
    } else {
        u8::from(report.changed() > 0 || report.drift())
    };
    Outcome {
        code,
        stdout: render::pull(&report, o.format),
        stderr: String::new(),
    }
}

fn pull_one(root: &Path, path: &Path, label: &str, fetcher: &Fetcher) -> PulledSpec {
    let mut out = PulledSpec {
        spec: label.to_owned(),
        sources: Vec::new(),
        check: None,
        errors: Vec::new(),
    };
    let spec = match SpecFile::load(path, label) {
        Ok(s) => s,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    if spec.sources.is_empty() {
        out.errors.push(format!(
            "{label}: no info.x-cloudjobs-sources: nothing to pull"
        ));
        return out;
    }
    for (i, source) in spec.sources.iter().enumerate() {
        out.sources.push(pull_source(
            root,
            &spec,
            i,
            source,
            fetcher,
            &mut out.errors,
        ));
    }
    let primary = &spec.sources[0];
    if out.sources[0].status != SourceStatus::Failed
        && let Some(file) = out.sources[0].saved.clone()
    {
        match reader::read(root, &file, &primary.format) {
            Ok(model) => {
                out.check = Some(check_model(
                    root,
                    &spec,
                    Some(primary),
                    primary.url.clone(),
                    &file,
                    &primary.format,
                    &model,
                ))
            }
            Err(e) => out.errors.push(e),
        }
    }
    out
}

fn pull_source(
    root: &Path,
    spec: &SpecFile,
    index: usize,
    source: &Source,
    fetcher: &Fetcher,
    errors: &mut Vec<String>,
) -> PulledSource {
    let mut pulled = PulledSource {
        url: source.url.clone(),
        primary: index == 0,
        status: SourceStatus::Failed,
        sha256: None,
        recorded_sha256: source.known_sha256().map(str::to_owned),
        file: None,
        recorded_revision: None,
        diff: None,
        error: None,
        saved: None,
    };
    let file = match download_path(root, spec, index) {
        Ok(f) => f,
        Err(e) => {
            pulled.error = Some(e);
            return pulled;
        }
    };
    let bytes = match fetcher.get(&source.url) {
        Ok(b) => b,
        Err(e) => {
            pulled.error = Some(e);
            return pulled;
        }
    };
    let sha = sha256_hex(&bytes);
    if let Err(e) = save(&file, &bytes) {
        pulled.error = Some(e);
        return pulled;
    }
    pulled.file = Some(shown_path(root, &file));
    pulled.saved = Some(file.clone());
    pulled.status = match source.known_sha256() {
        None => SourceStatus::Unrecorded,
        Some(r) if r.eq_ignore_ascii_case(&sha) => SourceStatus::Unchanged,
        Some(_) => SourceStatus::Changed,
    };
    pulled.sha256 = Some(sha);
    if pulled.status != SourceStatus::Changed {
        return pulled;
    }
    let (Some(url), Some(revision)) = (source.recorded_url(), source.known_revision()) else {
        return pulled;
    };
    pulled.recorded_revision = Some(revision.to_owned());
    let short = revision.get(..10).unwrap_or(revision);
    let diff = recorded_path(root, spec, index, revision)
        .and_then(|old_file| Ok((old_file, fetcher.get(&url)?)))
        .and_then(|(old_file, old)| save(&old_file, &old).map(|()| old_file))
        .and_then(|old_file| {
            let old = reader::read(root, &old_file, &source.format)?;
            let new = reader::read(root, &file, &source.format)?;
            Ok(DiffReport {
                changes: compare::diff(&old, &new),
                old: DocInfo::new(shown_path(root, &old_file), &old),
                new: DocInfo::new(shown_path(root, &file), &new),
            })
        });
    match diff {
        Ok(d) => pulled.diff = Some(d),
        Err(e) => errors.push(format!("{}: recorded revision {short}: {e}", spec.label)),
    }
    pulled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn arguments_parse() {
        let o = Options::parse(&args("a.yaml --doc x.rst --format=json --doc-format rst")).unwrap();
        assert_eq!(o.positional, ["a.yaml"]);
        assert_eq!(o.doc.as_deref(), Some("x.rst"));
        assert_eq!(o.doc_format.as_deref(), Some("rst"));
        assert_eq!(o.format, Format::Json);
        assert!(
            Options::parse(&args("--format yaml"))
                .unwrap_err()
                .contains("unknown format")
        );
        assert!(
            Options::parse(&args("--doc"))
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            Options::parse(&args("--colour"))
                .unwrap_err()
                .contains("unknown option")
        );
    }

    #[test]
    fn bad_commands_exit_2() {
        let out = run_captured(Path::new("."), &args("frobnicate"));
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.contains("unknown docs command"),
            "{}",
            out.stderr
        );
        let out = run_captured(Path::new("."), &args("diff only-one.json"));
        assert_eq!(out.code, 2);
        assert!(out.stderr.contains("two documents"), "{}", out.stderr);
        let out = run_captured(Path::new("."), &args("help"));
        assert_eq!(out.code, 0);
        assert!(out.stdout.starts_with("cargo xtask docs"));
    }
}
