//! What a spec change means for users: a semantic diff of two versions of a spec.
//!
//! Two views of the same change:
//!
//! - **the spec**, per operation ([`SpecDiff::operations`]): operations, parameters, request
//!   bodies, response statuses, fields, enum values, types, formats, required-ness,
//!   nullability, constraints and defaults, compared after resolving `$ref`s and merging
//!   `allOf`s (so key order, formatting, comments and moving a schema behind a `$ref` change
//!   nothing). Each [`Change`] says whether it is breaking for users of the generated crate
//!   (their code may stop compiling or a response may stop decoding), breaking on the wire
//!   (requests that worked may be refused), both or neither, and why.
//! - **the generated Rust API** ([`SpecDiff::rust`]), computed from the two lowered
//!   [`Api`]s: types, fields, variants, client methods, builder setters and job impls added,
//!   removed, renamed or changed.
//!
//! ```
//! use cloudjobs_codegen::diff::{Format, Report, Spec, diff_spec};
//!
//! let old = Spec::from_text("specs/jobs.yaml", "specs/jobs.yaml", "jobs", r#"
//! openapi: 3.0.3
//! info: {title: Jobs, version: "1"}
//! paths:
//!   /jobs/{job_id}:
//!     get:
//!       operationId: ShowJob
//!       parameters:
//!         - {name: job_id, in: path, required: true, schema: {type: string}}
//!       responses:
//!         "200":
//!           description: The job.
//!           content:
//!             application/json:
//!               schema:
//!                 type: object
//!                 properties: {status: {type: string}, progress: {type: integer}}
//! "#).unwrap();
//! let new_text = old.text().replace(", progress: {type: integer}", "");
//! let new = Spec::from_text("specs/jobs.yaml", "specs/jobs.yaml", "jobs", &new_text).unwrap();
//!
//! let spec = diff_spec("specs/jobs.yaml", Some(&old), Some(&new));
//! let report = Report { base: "main".into(), head: "work tree".into(), specs: vec![spec] };
//! assert!(report.breaking());
//! let text = report.render(Format::Text);
//! assert!(text.contains("response 200 `progress`: field removed"), "{text}");
//! ```

mod headers;
mod job;
mod op;
mod pairs;
mod render;
mod rust;
mod schema;
mod spec;

use serde::Serialize;

use crate::error::Error;
use crate::ir::Api;
use crate::load::Document;

pub use render::Format;

/// One version of a spec: the loaded document and its lowered API.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The document as loaded (raw tree and typed model).
    pub doc: Document,
    /// The document lowered to the generator's IR.
    pub api: Api,
    text: String,
}

impl Spec {
    /// Loads and lowers spec text. `file` is the spec's path in the repository
    /// (`specs/cae-jobs.yaml`), `label` names this version in error messages (for example
    /// `main:specs/cae-jobs.yaml`), `module` is the generated module's name.
    pub fn from_text(file: &str, label: &str, module: &str, text: &str) -> Result<Self, Error> {
        let doc = crate::load::load_str(text, label)?;
        let api = crate::lower::lower(&doc, module, file)?;
        Ok(Self {
            doc,
            api,
            text: text.to_owned(),
        })
    }

    /// Wraps a document and API made elsewhere.
    pub fn new(doc: Document, api: Api) -> Self {
        Self {
            doc,
            api,
            text: String::new(),
        }
    }

    /// The text the spec was read from (empty when made with [`Spec::new`]).
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The differences between two versions of every spec.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The base version (a revision, as given).
    pub base: String,
    /// The new version (a revision, or `work tree`).
    pub head: String,
    /// One entry per spec present in either version, in file order.
    pub specs: Vec<SpecDiff>,
}

impl Report {
    /// Whether any change is breaking for users of the generated crate or on the wire.
    pub fn breaking(&self) -> bool {
        self.specs.iter().any(SpecDiff::breaking)
    }

    /// Counts of changes: (all, breaking for Rust users, breaking on the wire).
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for s in &self.specs {
            counts.add(&s.counts());
        }
        counts
    }

    /// The report as text, Markdown or JSON.
    pub fn render(&self, format: Format) -> String {
        render::render(self, format)
    }
}

/// How many changes a report or spec holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Spec changes (API-wide, per operation, schemas).
    pub spec_changes: usize,
    /// Spec changes breaking for users of the generated crate.
    pub spec_breaking_rust: usize,
    /// Spec changes breaking on the wire.
    pub spec_breaking_wire: usize,
    /// Changes of the generated Rust API.
    pub rust_changes: usize,
    /// Changes of the generated Rust API that may break users' code.
    pub rust_breaking: usize,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.spec_changes += other.spec_changes;
        self.spec_breaking_rust += other.spec_breaking_rust;
        self.spec_breaking_wire += other.spec_breaking_wire;
        self.rust_changes += other.rust_changes;
        self.rust_breaking += other.rust_breaking;
    }

    /// Whether anything is breaking.
    pub fn breaking(&self) -> bool {
        self.spec_breaking_rust + self.spec_breaking_wire + self.rust_breaking > 0
    }
}

/// Whether a spec was added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecStatus {
    /// Only in the new version.
    Added,
    /// Only in the base version.
    Removed,
    /// The API changed.
    Changed,
    /// Only documentation changed (descriptions, examples, titles, unknown extensions).
    DocumentationOnly,
    /// Nothing but formatting, key order or comments changed.
    Unchanged,
}

/// The differences between two versions of one spec.
#[derive(Debug, Clone, Serialize)]
pub struct SpecDiff {
    /// The spec file (`specs/cae-jobs.yaml`).
    pub file: String,
    /// The generated module (`cae_jobs`).
    pub module: String,
    /// Added, removed, changed or unchanged.
    pub status: SpecStatus,
    /// `info.version` in the base version, when the spec existed.
    pub old_version: Option<String>,
    /// `info.version` in the new version, when the spec exists.
    pub new_version: Option<String>,
    /// Changes that concern the whole API: servers, regions, default security.
    pub api: Vec<Change>,
    /// Changes per operation, in the new version's order (removed ones last).
    pub operations: Vec<OperationDiff>,
    /// Component schemas renamed, and changes of schemas no operation uses.
    pub schemas: Vec<Change>,
    /// The generated Rust API's changes, from the two lowered APIs.
    pub rust: Vec<RustChange>,
}

impl SpecDiff {
    /// Every spec change: API-wide, per operation, schemas.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.api
            .iter()
            .chain(self.operations.iter().flat_map(|o| o.changes.iter()))
            .chain(self.schemas.iter())
    }

    /// Whether any change is breaking.
    pub fn breaking(&self) -> bool {
        self.changes().any(|c| c.breaking_rust || c.breaking_wire)
            || self.rust.iter().any(|r| r.breaking)
    }

    /// Counts of this spec's changes.
    pub fn counts(&self) -> Counts {
        Counts {
            spec_changes: self.changes().count(),
            spec_breaking_rust: self.changes().filter(|c| c.breaking_rust).count(),
            spec_breaking_wire: self.changes().filter(|c| c.breaking_wire).count(),
            rust_changes: self.rust.len(),
            rust_breaking: self.rust.iter().filter(|r| r.breaking).count(),
        }
    }
}

/// Whether an operation was added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationStatus {
    /// Only in the new version.
    Added,
    /// Only in the base version.
    Removed,
    /// In both versions (possibly at another path: see the changes).
    Changed,
}

/// The changes of one operation.
#[derive(Debug, Clone, Serialize)]
pub struct OperationDiff {
    /// The HTTP method, upper case.
    pub method: String,
    /// The path template (the new one when the operation moved).
    pub path: String,
    /// The `operationId` (the new one when it changed).
    pub operation_id: Option<String>,
    /// Added, removed or changed.
    pub status: OperationStatus,
    /// What changed.
    pub changes: Vec<Change>,
}

impl OperationDiff {
    /// `GET /v1/{project_id}/jobs/{job_id}`.
    pub fn title(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Which part of a spec a change is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The API as a whole (servers, regions).
    Api,
    /// An operation itself.
    Operation,
    /// A parameter (`name` is `<name> in <location>`).
    Parameter,
    /// The request body.
    RequestBody,
    /// Responses (`name` lists the statuses).
    Response,
    /// A documented header of the success responses (`name` is the header).
    ResponseHeader,
    /// A component schema (`name` is the schema's name).
    Schema,
    /// The job semantics (`x-cloudjobs-job`).
    Job,
}

/// What kind of change it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// A new operation.
    OperationAdded,
    /// An operation gone.
    OperationRemoved,
    /// The same `operationId` at another method or path.
    OperationMoved,
    /// Another `operationId` (the client method is named after it).
    OperationIdChanged,
    /// Deprecated, or no longer.
    Deprecated,
    /// Authentication required, optional or gone.
    SecurityChanged,
    /// A new server URL.
    ServerAdded,
    /// A server URL gone.
    ServerRemoved,
    /// A server variable's values or default (regions).
    ServerVariableChanged,
    /// A new parameter.
    ParameterAdded,
    /// A parameter gone.
    ParameterRemoved,
    /// A path parameter renamed (same place in the template).
    ParameterRenamed,
    /// A parameter's serialization (`style`, `explode`).
    StyleChanged,
    /// A new request body.
    BodyAdded,
    /// A request body gone.
    BodyRemoved,
    /// A body's media type.
    MediaTypeChanged,
    /// A new documented response status.
    ResponseAdded,
    /// A documented response status gone.
    ResponseRemoved,
    /// A new documented header of the success responses.
    HeaderAdded,
    /// A documented header of the success responses gone.
    HeaderRemoved,
    /// A new object property.
    FieldAdded,
    /// An object property gone.
    FieldRemoved,
    /// Required or optional (a property, a parameter, a body, a response header).
    RequiredChanged,
    /// `nullable`.
    NullableChanged,
    /// Another type (string, integer, object, ...), or an enum where there was none.
    TypeChanged,
    /// Another `format` (or `x-cloudjobs-timestamp`).
    FormatChanged,
    /// The generated Rust type changed for a reason no other change explains.
    RustTypeChanged,
    /// A new enum value.
    EnumValueAdded,
    /// An enum value gone.
    EnumValueRemoved,
    /// `enum` (closed) became `x-extensible-enum` (open), or the reverse.
    EnumOpenness,
    /// A length, range, size, pattern or uniqueness constraint.
    ConstraintChanged,
    /// A default value.
    DefaultChanged,
    /// `additionalProperties`.
    AdditionalPropertiesChanged,
    /// A new `oneOf`/`anyOf` alternative.
    VariantAdded,
    /// A `oneOf`/`anyOf` alternative gone.
    VariantRemoved,
    /// The `discriminator` property.
    DiscriminatorChanged,
    /// `readOnly` or `writeOnly`.
    AccessChanged,
    /// The job semantics (`x-cloudjobs-job`): states, pointers.
    JobChanged,
    /// A new component schema no operation uses.
    SchemaAdded,
    /// A component schema no operation used, gone.
    SchemaRemoved,
    /// A component schema under another name, with the same content.
    SchemaRenamed,
}

/// The overall class of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Neither breaking for Rust users nor on the wire.
    Compatible,
    /// Users' code may stop compiling, or a response may stop decoding.
    BreakingRust,
    /// Requests that worked may be refused.
    BreakingWire,
    /// Breaking for Rust users and on the wire.
    BreakingRustAndWire,
}

/// One semantic change of a spec.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Which part of the spec.
    pub scope: Scope,
    /// The parameter (`limit in query`), the statuses (`400, 401`), the schema name; empty
    /// for the operation or API itself.
    pub name: String,
    /// The place inside a schema (`entities.results[].image_id`); empty at the top.
    pub path: String,
    /// What kind of change.
    pub kind: ChangeKind,
    /// The old value, when there is one (a type, a bound, a default, a status list).
    pub old: Option<String>,
    /// The new value, when there is one.
    pub new: Option<String>,
    /// The change in a few words (`field removed`, `maxLength 64 → 36`).
    pub description: String,
    /// Breaking for users of the generated crate: code may stop compiling or a response
    /// may stop decoding.
    pub breaking_rust: bool,
    /// Breaking on the wire: requests that worked may be refused.
    pub breaking_wire: bool,
    /// The class those two flags make.
    pub class: Class,
    /// Why, in one line.
    pub reason: String,
}

impl Change {
    /// Where the change is, in words: ``response 200 `entities.image_id` ``; empty for the
    /// operation or API itself.
    pub fn place(&self) -> String {
        let mut out = match self.scope {
            Scope::Api | Scope::Operation => String::new(),
            Scope::Parameter => format!("parameter `{}`", self.name),
            Scope::RequestBody => "request body".to_owned(),
            Scope::Response => format!("response {}", self.name),
            Scope::ResponseHeader => format!("response header `{}`", self.name),
            Scope::Schema => format!("schema `{}`", self.name),
            Scope::Job => "job (`x-cloudjobs-job`)".to_owned(),
        };
        if self.scope == Scope::Parameter {
            // `limit in query` → parameter `limit` in query.
            if let Some((name, location)) = self.name.rsplit_once(" in ") {
                out = format!("parameter `{name}` in {location}");
            }
        }
        if !self.path.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("`{}`", self.path));
        }
        out
    }
}

/// What happened to an item of the generated Rust API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RustAction {
    /// New.
    Added,
    /// Gone.
    Removed,
    /// Same item, other name.
    Renamed,
    /// Same item, other signature or contents.
    Changed,
}

/// What kind of item of the generated Rust API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RustItem {
    /// The module of a spec.
    Module,
    /// A type (struct, enum, alias).
    Type,
    /// A struct field.
    Field,
    /// An enum variant.
    Variant,
    /// A `Client` method (one per operation).
    Method,
    /// A request builder setter (optional parameters, an optional body).
    Setter,
    /// A request builder type.
    Builder,
    /// An `impl rt::job::Job` for an operation's success body.
    JobImpl,
}

/// One change of the generated Rust API.
#[derive(Debug, Clone, Serialize)]
pub struct RustChange {
    /// Added, removed, renamed or changed.
    pub action: RustAction,
    /// What kind of item.
    pub item: RustItem,
    /// The item's path (`JobEntities::image_id`, `Client::show_job`).
    pub name: String,
    /// The old signature or type, when there was one.
    pub old: Option<String>,
    /// The new signature or type, when there is one.
    pub new: Option<String>,
    /// The change in a few words (``` `Option<String>` → `String` ```, ``` new argument `limit: i64` ```).
    pub detail: String,
    /// Whether users' code may stop compiling.
    pub breaking: bool,
    /// Why, in one line.
    pub reason: String,
}

/// Compares two versions of one spec (either may be missing: added or removed spec).
pub fn diff_spec(file: &str, old: Option<&Spec>, new: Option<&Spec>) -> SpecDiff {
    let module = new
        .or(old)
        .map(|s| s.api.module.clone())
        .unwrap_or_default();
    let mut out = SpecDiff {
        file: file.to_owned(),
        module,
        status: SpecStatus::Unchanged,
        old_version: old.map(|s| s.api.version.clone()),
        new_version: new.map(|s| s.api.version.clone()),
        api: Vec::new(),
        operations: Vec::new(),
        schemas: Vec::new(),
        rust: rust::diff_apis(old.map(|s| &s.api), new.map(|s| &s.api)),
    };
    spec::diff_documents(old, new, &mut out);
    out.status = match (old, new) {
        (None, _) => SpecStatus::Added,
        (_, None) => SpecStatus::Removed,
        (Some(o), Some(n)) => {
            if out.changes().next().is_some() || !out.rust.is_empty() {
                SpecStatus::Changed
            } else if o.doc.raw != n.doc.raw {
                SpecStatus::DocumentationOnly
            } else {
                SpecStatus::Unchanged
            }
        }
    };
    out
}

/// The old and the new version of something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pair<T> {
    pub(crate) old: T,
    pub(crate) new: T,
}

impl<T> Pair<T> {
    pub(crate) fn new(old: T, new: T) -> Self {
        Self { old, new }
    }

    /// Both versions through `f`.
    pub(crate) fn map<U>(self, mut f: impl FnMut(T) -> U) -> Pair<U> {
        Pair::new(f(self.old), f(self.new))
    }

    /// Borrows both versions.
    pub(crate) fn as_ref(&self) -> Pair<&T> {
        Pair::new(&self.old, &self.new)
    }

    /// Whether the versions differ.
    pub(crate) fn changed(&self) -> bool
    where
        T: PartialEq,
    {
        self.old != self.new
    }
}

/// Where a change is: its scope, the name within it (a parameter, the statuses, a schema)
/// and the place inside a schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    pub(crate) scope: Scope,
    pub(crate) name: &'a str,
    pub(crate) path: &'a str,
}

impl<'a> At<'a> {
    pub(crate) fn new(scope: Scope, name: &'a str, path: &'a str) -> Self {
        Self { scope, name, path }
    }
}

/// Builds a [`Change`], deriving its class.
pub(crate) fn change(
    at: At<'_>,
    kind: ChangeKind,
    values: Pair<Option<String>>,
    description: String,
    impact: Impact,
) -> Change {
    let (rust, wire) = (impact.rust.is_some(), impact.wire.is_some());
    Change {
        scope: at.scope,
        name: at.name.to_owned(),
        path: at.path.to_owned(),
        kind,
        old: values.old,
        new: values.new,
        description,
        breaking_rust: rust,
        breaking_wire: wire,
        class: match (rust, wire) {
            (false, false) => Class::Compatible,
            (true, false) => Class::BreakingRust,
            (false, true) => Class::BreakingWire,
            (true, true) => Class::BreakingRustAndWire,
        },
        reason: impact.reason(),
    }
}

/// Why a change breaks Rust users, the wire, or neither.
#[derive(Debug, Clone, Default)]
pub(crate) struct Impact {
    /// Why users' code may stop compiling or a response may stop decoding.
    pub(crate) rust: Option<String>,
    /// Why requests that worked may be refused.
    pub(crate) wire: Option<String>,
    /// Why it is compatible (used when both are `None`), or a note.
    pub(crate) note: Option<String>,
}

impl Impact {
    pub(crate) fn compatible(note: impl Into<String>) -> Self {
        Self {
            note: Some(note.into()),
            ..Self::default()
        }
    }

    pub(crate) fn rust(reason: impl Into<String>) -> Self {
        Self {
            rust: Some(reason.into()),
            ..Self::default()
        }
    }

    pub(crate) fn wire(reason: impl Into<String>) -> Self {
        Self {
            wire: Some(reason.into()),
            ..Self::default()
        }
    }

    pub(crate) fn both(rust: impl Into<String>, wire: impl Into<String>) -> Self {
        Self {
            rust: Some(rust.into()),
            wire: Some(wire.into()),
            note: None,
        }
    }

    /// Adds a Rust reason (keeping an earlier one first).
    pub(crate) fn with_rust(mut self, reason: Option<String>) -> Self {
        if let Some(r) = reason {
            self.rust = Some(match self.rust.take() {
                Some(first) => format!("{first}; {r}"),
                None => r,
            });
        }
        self
    }

    /// Adds a wire reason.
    pub(crate) fn with_wire(mut self, reason: Option<String>) -> Self {
        if let Some(r) = reason {
            self.wire = Some(match self.wire.take() {
                Some(first) => format!("{first}; {r}"),
                None => r,
            });
        }
        self
    }

    fn reason(&self) -> String {
        let parts: Vec<&str> = [&self.rust, &self.wire]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let mut text = if parts.is_empty() {
            self.note.clone().unwrap_or_default()
        } else {
            let mut s = parts.join("; ");
            if let Some(note) = &self.note {
                s.push_str("; ");
                s.push_str(note);
            }
            s
        };
        if let Some(first) = text.get(0..1) {
            let upper = first.to_uppercase();
            text.replace_range(0..1, &upper);
        }
        if !text.is_empty() && !text.ends_with('.') {
            text.push('.');
        }
        text
    }
}
