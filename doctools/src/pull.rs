//! `docs pull`: download every source of the specs, tell which changed by sha256, diff a
//! changed versioned source against its recorded revision, and check the spec.

use std::path::{Path, PathBuf};

use crate::arguments::PullArgs;
use crate::commands::{check_model, docs_dir, download_path, save, shown_path, specs_to_check};
use crate::compare;
use crate::fetch::{Fetcher, sha256_hex};
use crate::outcome::Outcome;
use crate::reader;
use crate::render;
use crate::report::{DiffReport, DocInfo, PullReport, PulledSource, PulledSpec, SourceStatus};
use crate::safe;
use crate::spec::{Source, SpecFile};

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

pub(crate) fn run_pull(root: &Path, o: &PullArgs) -> Outcome {
    let specs = match specs_to_check(root, &o.specs) {
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
        stdout: render::pull(&report, o.report.format),
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
