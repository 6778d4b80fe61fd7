//! `docs diff` and `docs check`: a document's versions compared, a spec checked against its
//! primary document; what both share with `docs pull` (where downloads go, which specs).

use std::path::{Path, PathBuf};

use crate::arguments::{CheckArgs, DiffArgs};
use crate::compare;
use crate::drift::{self, CheckResult};
use crate::fetch::Fetcher;
use crate::model::DocModel;
use crate::outcome::Outcome;
use crate::reader;
use crate::render;
use crate::report::{CheckReport, DiffReport, DocInfo};
use crate::safe;
use crate::spec::{Source, SpecFile, find_spec, spec_label};

/// The env var that moves the download folder (default `target/docs`).
pub const DOCS_DIR_ENV: &str = "CLOUDJOBS_DOCS_DIR";

pub(crate) fn run_diff(root: &Path, args: &DiffArgs) -> Outcome {
    let read = |path: &Path| -> Result<(String, DocModel), String> {
        let format = reader::format_of(path, args.doc_format.as_deref())?;
        let model = reader::read(root, path, &format)?;
        Ok((path.display().to_string(), model))
    };
    let (old, new) = match (read(&args.old), read(&args.new)) {
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
        stdout: render::diff(&report, args.report.format),
        stderr: String::new(),
    }
}

/// The folder downloads go to.
pub(crate) fn docs_dir(root: &Path) -> PathBuf {
    match std::env::var_os(DOCS_DIR_ENV).filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => root.join("target/docs"),
    }
}

/// Where a source's current version is saved: `<docs>/<spec>/<file name>` (the primary
/// entry keeps the URL's file name; a later entry with the same name gets its number).
/// Every segment is checked to be one ([`safe::inside`]): nothing is written outside the
/// download folder.
pub(crate) fn download_path(root: &Path, spec: &SpecFile, index: usize) -> Result<PathBuf, String> {
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

/// How a file is named in reports: relative to the repository root when inside it.
pub(crate) fn shown_path(root: &Path, path: &Path) -> String {
    spec_label(root, path)
}

/// The specs named, or every spec with sources.
pub(crate) fn specs_to_check(
    root: &Path,
    names: &[String],
) -> Result<Vec<(PathBuf, String)>, String> {
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

pub(crate) fn run_check(root: &Path, o: &CheckArgs) -> Outcome {
    let specs = match specs_to_check(root, &o.specs) {
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
            render::check(&report, o.report.format)
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
    o: &CheckArgs,
    fetch: &mut Option<Fetcher>,
) -> Result<CheckResult, String> {
    let spec = SpecFile::load(path, label)?;
    let primary = spec.sources.first();
    let (document, file, format) = match &o.doc {
        Some(doc) => {
            let file = doc.clone();
            let format = match &o.doc_format {
                Some(f) => reader::format_of(&file, Some(f))?,
                None => reader::format_of(&file, None)
                    .or_else(|e| primary.map(|p| p.format.clone()).ok_or(e))?,
            };
            (doc.display().to_string(), file, format)
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

pub(crate) fn check_model(
    root: &Path,
    spec: &SpecFile,
    primary: Option<&Source>,
    document: String,
    file: &Path,
    format: &str,
    model: &DocModel,
) -> CheckResult {
    let (operation, findings, unused_accepted) = drift::check(
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

pub(crate) fn save(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}
