//! What the `docs` commands report, as data: `render.rs` prints it, the commands make it.

use std::path::PathBuf;

use serde::Serialize;

use crate::compare::Change;
use crate::drift::CheckResult;
use crate::model::DocModel;

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
    pub(crate) fn new(file: String, model: &DocModel) -> DocInfo {
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

/// `docs check`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// One result per spec checked.
    pub results: Vec<CheckResult>,
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
