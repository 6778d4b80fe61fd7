//! `docs check`: what a document specifies that the spec lacks or contradicts.
//!
//! Each finding has a place (`response 200 data.status`, as `accepted[].at` names it), a
//! kind (`missing`, `extra`, `type`, `mandatory`, `enum`, `state`, `status`, `example`, `path`) and a
//! verdict:
//! - **drift**: the document says something the spec lacks or contradicts;
//! - **note**: the spec has more than the document (a field, parameter or status the
//!   document does not list, a type that also accepts `null` or an integer): informational,
//!   never drift, since the client then accepts everything the document describes;
//! - **accepted**: a finding at a place the source entry's `accepted` list names, with its
//!   reason.

use cloudjobs_codegen::lower::template_names;
use serde::Serialize;
use serde_json::Value;

use crate::compare::{mandatory_word, place, quoted};
use crate::model::{DocModel, DocType, Example, Field, IntSize, json_differences, json_eq};
use crate::spec::{
    Accepted, JsonType, Operation, Shape, SpecFile, child, normalize_path, pointer_fields, resolve,
    resolve_at,
};
use cloudjobs_codegen::load::Document;
use cloudjobs_codegen::model::Doc;
use std::path::Path;

/// How a finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The spec lacks or contradicts what the document says.
    Drift,
    /// A deliberate deviation, named in `accepted`.
    Accepted,
    /// Informational: the spec has or accepts more than the document.
    Note,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Drift, accepted or note.
    pub verdict: Verdict,
    /// `missing`, `extra`, `type`, `mandatory`, `enum`, `state`, `status`, `example` or
    /// `path`.
    pub kind: &'static str,
    /// The place (`response 200 entities.image_id`).
    pub at: String,
    /// What was found.
    pub message: String,
    /// Where in the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_at: Option<String>,
    /// The reason of the `accepted` entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The result of checking one spec against one document.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// The spec (`specs/cfw-jobs.yaml`).
    pub spec: String,
    /// The document: its URL, or the file given with `--doc`.
    pub document: String,
    /// The file read (a download under `target/docs/`, or `--doc`).
    pub file: String,
    /// The reader used.
    pub format: String,
    /// The document's operation (`GET /v3/{project_id}/jobs/{job_id}`).
    pub doc_operation: String,
    /// The spec's operation it was compared with.
    pub operation: Option<String>,
    /// Every finding, in document order.
    pub findings: Vec<Finding>,
    /// `accepted` entries that matched no finding (the document may have caught up).
    pub unused_accepted: Vec<UnusedAccepted>,
    /// The reader's warnings (what it skipped).
    pub reader_warnings: Vec<String>,
}

/// An `accepted` entry no finding matched.
#[derive(Debug, Clone, Serialize)]
pub struct UnusedAccepted {
    /// Its place.
    pub at: String,
    /// Its kind, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl CheckResult {
    /// Findings with that verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.findings
            .iter()
            .filter(|f| f.verdict == verdict)
            .count()
    }

    /// Whether the spec drifted from the document.
    pub fn drift(&self) -> bool {
        self.count(Verdict::Drift) > 0
    }
}

/// Checks the spec against the document; `operation` is the source entry's operationId,
/// `accepted` its deliberate deviations.
pub fn check(
    spec: &SpecFile,
    operation: Option<&str>,
    accepted: &[Accepted],
    model: &DocModel,
) -> (Option<String>, Vec<Finding>, Vec<UnusedAccepted>) {
    let document = match spec.document() {
        Ok(d) => d,
        Err(e) => {
            let finding = Finding {
                verdict: Verdict::Drift,
                kind: "path",
                at: place::PATH.into(),
                message: format!("the spec does not load: {e}"),
                doc_at: None,
                reason: None,
            };
            return (None, vec![finding], Vec::new());
        }
    };
    let doc = Doc::new(&document);
    let mut c = Checker {
        raw: &spec.raw,
        doc: &doc,
        findings: Vec::new(),
    };
    let ops = spec.operations();
    let doc_method = model.method.as_deref().map(str::to_uppercase);
    let doc_path = model.path.as_deref().map(normalize_path);
    let same_call = |o: &Operation| {
        Some(o.method.as_str()) == doc_method.as_deref()
            && Some(normalize_path(&o.path)) == doc_path
    };
    let op = match operation {
        Some(id) => {
            let found = ops.iter().find(|o| o.id.as_deref() == Some(id));
            match found {
                Some(o) if !same_call(o) => c.drift(
                    "path",
                    place::PATH.into(),
                    format!(
                        "the document describes {}, the spec's {id} is {} {}",
                        model.operation_line(),
                        o.method,
                        o.path
                    ),
                    None,
                ),
                Some(_) => {}
                None => c.drift(
                    "path",
                    place::PATH.into(),
                    format!("the spec has no operation `{id}` (the source entry's `operation`)"),
                    None,
                ),
            }
            found
        }
        None => {
            let found = ops.iter().find(|o| same_call(o));
            if found.is_none() {
                c.drift(
                    "path",
                    place::PATH.into(),
                    format!(
                        "the spec has no operation {} (paths compared without parameter names)",
                        model.operation_line()
                    ),
                    None,
                );
            }
            found
        }
    };
    if let Some(op) = op {
        c.operation(op, model);
        c.job_states(&document, op, model);
    }
    let (findings, unused) = apply_accepted(c.findings, accepted);
    (op.map(Operation::line), findings, unused)
}

/// Marks findings at accepted places as accepted; returns the entries that matched nothing.
fn apply_accepted(
    mut findings: Vec<Finding>,
    accepted: &[Accepted],
) -> (Vec<Finding>, Vec<UnusedAccepted>) {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut used = vec![false; accepted.len()];
    for f in &mut findings {
        let at = norm(&f.at);
        if let Some((i, a)) = accepted
            .iter()
            .enumerate()
            .find(|(_, a)| norm(&a.at) == at && a.kind.as_deref().is_none_or(|k| k == f.kind))
        {
            used[i] = true;
            f.verdict = Verdict::Accepted;
            f.reason = Some(a.reason.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    let unused = accepted
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(a, _)| UnusedAccepted {
            at: a.at.clone(),
            kind: a.kind.clone(),
        })
        .collect();
    (findings, unused)
}

/// Request or response: which side may accept more.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

struct Checker<'a, 'd> {
    raw: &'a Value,
    /// The spec as the generator reads it: every schema is read here.
    doc: &'a Doc<'d>,
    findings: Vec<Finding>,
}

fn some(at: &str) -> Option<String> {
    (!at.is_empty()).then(|| at.to_owned())
}

/// A spec parameter or response header.
struct SpecParam {
    name: String,
    location: String,
    required: bool,
    /// Where its schema is.
    schema: Option<String>,
}

/// Where the schema of a parameter or header object (at `pointer`) is: `schema`, else the
/// first media type's.
fn param_schema(pointer: &str, p: &Value) -> Option<String> {
    if p.get("schema").is_some() {
        return Some(child(pointer, "schema"));
    }
    let content = p.get("content").and_then(Value::as_object)?;
    let (media, m) = content.iter().next()?;
    m.get("schema")
        .map(|_| child(&child(&child(pointer, "content"), media), "schema"))
}

impl<'a> Checker<'a, '_> {
    fn push(
        &mut self,
        verdict: Verdict,
        kind: &'static str,
        at: String,
        message: String,
        doc_at: Option<String>,
    ) {
        self.findings.push(Finding {
            verdict,
            kind,
            at,
            message,
            doc_at,
            reason: None,
        });
    }

    fn drift(&mut self, kind: &'static str, at: String, message: String, doc_at: Option<String>) {
        self.push(Verdict::Drift, kind, at, message, doc_at);
    }

    fn note(&mut self, kind: &'static str, at: String, message: String, doc_at: Option<String>) {
        self.push(Verdict::Note, kind, at, message, doc_at);
    }

    fn operation(&mut self, op: &Operation<'a>, model: &DocModel) {
        self.parameters(op, model);
        self.request(op, model);
        self.responses(op, model);
    }

    /// Documented values of the job's status field (and of its sub-tasks') that no state
    /// list of `x-cloudjobs-job` names: a job in such a state is waited on as unknown until
    /// its deadline (the rule `regen` warns about, applied to what the page lists).
    fn job_states(&mut self, document: &Document, op: &Operation<'a>, model: &DocModel) {
        let module = cloudjobs_codegen::module_name(Path::new(&document.file));
        let Ok(api) = cloudjobs_codegen::lower::lower(document, &module, &document.file) else {
            return;
        };
        let lowered = api
            .operations
            .iter()
            .find(|o| o.http_method.eq_ignore_ascii_case(&op.method) && o.path == op.path);
        let Some(job) = lowered.and_then(|o| o.job.as_ref()) else {
            return;
        };
        let mut places = vec![(pointer_fields(&job.status.pointer), &job.states, "a job")];
        if let Some(s) = &job.subtasks {
            let mut path = pointer_fields(&s.items.pointer);
            path.extend(pointer_fields(&s.status.pointer));
            places.push((path, &s.states, "a sub-task"));
        }
        let success = model.responses.iter().find(|r| r.status.starts_with('2'));
        let Some(response) = success else {
            return;
        };
        for (path, states, whose) in places {
            let Some(field) = field_at(&response.fields, &path) else {
                continue;
            };
            let unlisted: Vec<&str> = (field.values.iter())
                .filter(|v| !states.names(v))
                .map(String::as_str)
                .collect();
            if unlisted.is_empty() {
                continue;
            }
            self.drift(
                "state",
                place::response(&response.status, &path.join(".")),
                format!(
                    "documented status value(s) {} in no state list of x-cloudjobs-job (pending, running, succeeded, failed): {whose} in such a state is waited on as unknown until its deadline",
                    quoted(&unlisted)
                ),
                some(&field.at),
            );
        }
    }

    fn spec_parameters(&self, op: &Operation<'a>) -> Vec<SpecParam> {
        let mut out: Vec<SpecParam> = Vec::new();
        for (holder, at) in [(op.item, &op.item_pointer), (op.op, &op.pointer)] {
            let Some(list) = holder.get("parameters").and_then(Value::as_array) else {
                continue;
            };
            for i in 0..list.len() {
                let at = child(&child(at, "parameters"), &i.to_string());
                let Some((pointer, p)) = resolve_at(self.raw, &at) else {
                    continue;
                };
                let name = p.get("name").and_then(Value::as_str).unwrap_or("");
                let location = p.get("in").and_then(Value::as_str).unwrap_or("");
                let param = SpecParam {
                    name: name.to_owned(),
                    location: location.to_owned(),
                    required: location == "path"
                        || p.get("required").and_then(Value::as_bool) == Some(true),
                    schema: param_schema(&pointer, p),
                };
                // Operation parameters override path-level ones of the same name and place.
                out.retain(|q| !(q.name == param.name && q.location == param.location));
                out.push(param);
            }
        }
        out
    }

    /// Header names the operation's security schemes carry (`X-Auth-Token`).
    fn security_headers(&self, op: &Operation<'a>) -> Vec<String> {
        let requirements = op
            .op
            .get("security")
            .or_else(|| self.raw.get("security"))
            .and_then(Value::as_array);
        let mut out = Vec::new();
        for req in requirements.into_iter().flatten() {
            for name in req.as_object().into_iter().flat_map(|m| m.keys()) {
                let scheme = self
                    .raw
                    .pointer(&format!("/components/securitySchemes/{name}"))
                    .map(|s| resolve(self.raw, s));
                if let Some(s) = scheme
                    && s.get("type").and_then(Value::as_str) == Some("apiKey")
                    && s.get("in").and_then(Value::as_str) == Some("header")
                    && let Some(h) = s.get("name").and_then(Value::as_str)
                {
                    out.push(h.to_owned());
                }
            }
        }
        out
    }

    fn parameters(&mut self, op: &Operation<'a>, model: &DocModel) {
        let spec_params = self.spec_parameters(op);
        let mut matched = vec![false; spec_params.len()];
        // Path parameters are matched by position: names may differ.
        let doc_names = model
            .path
            .as_deref()
            .map(template_names)
            .unwrap_or_default();
        let spec_names = template_names(&op.path);
        let spec_name_of = |doc: &str| -> String {
            if doc_names.len() == spec_names.len()
                && let Some(i) = doc_names.iter().position(|n| n == doc)
            {
                return spec_names[i].clone();
            }
            doc.to_owned()
        };
        let same = |location: &str, a: &str, b: &str| {
            a == b || (location == "header" && a.eq_ignore_ascii_case(b))
        };
        let security = self.security_headers(op);
        for p in &model.parameters {
            let at = place::parameter(&p.location, &p.name);
            let doc_at = some(&p.at);
            let wanted = if p.location == "path" {
                spec_name_of(&p.name)
            } else {
                p.name.clone()
            };
            let found = spec_params.iter().enumerate().position(|(i, s)| {
                !matched[i] && s.location == p.location && same(&p.location, &s.name, &wanted)
            });
            let Some(i) = found else {
                let elsewhere = spec_params.iter().enumerate().position(|(i, s)| {
                    !matched[i] && (s.name == wanted || s.name.eq_ignore_ascii_case(&wanted))
                });
                if let Some(i) = elsewhere {
                    matched[i] = true;
                    self.drift(
                        "missing",
                        at,
                        format!(
                            "documented in {}, the spec has it in {}",
                            p.location, spec_params[i].location
                        ),
                        doc_at,
                    );
                } else if p.location == "header"
                    && security.iter().any(|h| h.eq_ignore_ascii_case(&p.name))
                {
                    // Carried by the operation's security scheme.
                } else {
                    self.drift(
                        "missing",
                        at,
                        format!(
                            "parameter missing in the spec (documented {})",
                            documented(&p.type_text, p.mandatory)
                        ),
                        doc_at,
                    );
                }
                continue;
            };
            matched[i] = true;
            let s = &spec_params[i];
            if let Some(m) = p.mandatory
                && m != s.required
            {
                self.drift(
                    "mandatory",
                    at.clone(),
                    format!(
                        "document: {}, spec: {}",
                        mandatory_word(Some(m)),
                        if s.required { "required" } else { "optional" }
                    ),
                    doc_at.clone(),
                );
            }
            if let Some(schema) = &s.schema {
                let shape = Shape::at(self.doc, schema);
                self.type_and_values(&p.type_text, &p.values, &shape, &at, &doc_at);
            }
        }
        for (s, _) in spec_params.iter().zip(&matched).filter(|(_, m)| !**m) {
            self.note(
                "extra",
                place::parameter(&s.location, &s.name),
                format!(
                    "in the spec ({}), not in the document",
                    if s.required { "required" } else { "optional" }
                ),
                None,
            );
        }
    }

    /// Type and values of a parameter or field.
    fn type_and_values(
        &mut self,
        type_text: &str,
        values: &[String],
        shape: &Shape,
        at: &str,
        doc_at: &Option<String>,
    ) {
        let doc_type = DocType::parse(type_text);
        match compare_type(self.doc, &doc_type, shape) {
            TypeVerdict::Same => {}
            TypeVerdict::NotStated => {}
            TypeVerdict::NotUnderstood => self.note(
                "type",
                at.to_owned(),
                format!(
                    "document type `{}` not understood; not compared",
                    type_text.trim()
                ),
                doc_at.clone(),
            ),
            TypeVerdict::Wider(more) => {
                let message = format!(
                    "document: {}, spec: {more} (accepts more)",
                    shown_doc_type(type_text, &doc_type)
                );
                // The spec accepts what the document says, and more: tolerated, a note
                // (mark it accepted to say why).
                self.note("type", at.to_owned(), message, doc_at.clone());
            }
            TypeVerdict::Mismatch(spec) => self.drift(
                "type",
                at.to_owned(),
                format!(
                    "document: {}, spec: {spec}",
                    shown_doc_type(type_text, &doc_type)
                ),
                doc_at.clone(),
            ),
        }
        // Values only mean something for scalars: bold words in the description of an
        // object ("Value options: **project** and **domain**") name its members.
        let scalar = match &doc_type {
            DocType::Object | DocType::Map => false,
            DocType::Array(Some(inner)) => !matches!(**inner, DocType::Object | DocType::Map),
            _ => true,
        };
        if !values.is_empty() && scalar {
            let missing: Vec<&str> = match &shape.values {
                Some(known) => values
                    .iter()
                    .filter(|v| !known.contains(*v))
                    .map(String::as_str)
                    .collect(),
                None => values.iter().map(String::as_str).collect(),
            };
            if !missing.is_empty() {
                let shown = if missing.len() > 6 {
                    format!("{}, and {} more", quoted(&missing[..5]), missing.len() - 5)
                } else {
                    quoted(&missing)
                };
                let message = match &shape.values {
                    Some(_) => {
                        format!("value(s) missing from the spec's enum/x-extensible-enum: {shown}")
                    }
                    None => format!("the document lists values ({shown}), the spec lists none"),
                };
                self.drift("enum", at.to_owned(), message, doc_at.clone());
            }
        }
    }

    fn request(&mut self, op: &Operation<'a>, model: &DocModel) {
        let body = resolve_at(self.raw, &child(&op.pointer, "requestBody"));
        let media = body.and_then(|(at, b)| json_media(&at, b));
        let schema = media.as_ref().and_then(media_schema);
        let media = media.map(|(_, m)| m);
        if !model.request_body.is_empty() {
            match schema {
                Some(schema) => {
                    let shape = Shape::at(self.doc, &schema);
                    let at = |p: &str| place::request(p);
                    self.fields(&model.request_body, &shape, "", &at, Side::Request);
                }
                None => {
                    for f in &model.request_body {
                        self.drift(
                            "missing",
                            place::request(&f.name),
                            format!(
                                "the spec has no request body schema (documented {})",
                                documented(&f.type_text, f.mandatory)
                            ),
                            some(&f.at),
                        );
                    }
                }
            }
        }
        let doc_examples: Vec<&Example> = model
            .request_examples
            .iter()
            .filter(|e| e.json.is_some())
            .collect();
        if !doc_examples.is_empty() {
            let spec_examples = media
                .map(|m| media_examples(self.raw, m))
                .unwrap_or_default();
            self.examples(&doc_examples, &spec_examples, place::EXAMPLE_REQUEST);
        }
    }

    fn responses(&mut self, op: &Operation<'a>, model: &DocModel) {
        let responses = op
            .op
            .get("responses")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let doc_statuses = model.statuses();
        for status in &doc_statuses {
            let key = response_key(&responses, status);
            let Some(key) = key else {
                self.drift(
                    "status",
                    place::status(status),
                    "documented, the spec has no response for it".into(),
                    None,
                );
                continue;
            };
            let spec_response =
                resolve_at(self.raw, &child(&child(&op.pointer, "responses"), &key));
            let media = (spec_response.as_ref()).and_then(|(at, r)| json_media(at, r));
            let schema = media.as_ref().and_then(media_schema);
            let media = media.map(|(_, m)| m);
            let Some(doc) = model.response(status) else {
                continue;
            };
            if !doc.fields.is_empty() {
                match schema {
                    Some(schema) => {
                        let shape = Shape::at(self.doc, &schema);
                        let at = |p: &str| place::response(status, p);
                        self.fields(&doc.fields, &shape, "", &at, Side::Response);
                    }
                    None => {
                        for f in &doc.fields {
                            self.drift(
                                "missing",
                                place::response(status, &f.name),
                                format!(
                                    "the spec's response {key} has no body schema (documented {})",
                                    shown_type(&f.type_text)
                                ),
                                some(&f.at),
                            );
                        }
                    }
                }
            }
            if !doc.headers.is_empty() {
                let spec_headers = spec_response
                    .map(|(at, r)| self.response_headers(&at, r))
                    .unwrap_or_default();
                self.headers(status, &doc.headers, &spec_headers);
            }
            let doc_examples: Vec<&Example> =
                doc.examples.iter().filter(|e| e.json.is_some()).collect();
            if !doc_examples.is_empty() {
                let spec_examples = media
                    .map(|m| media_examples(self.raw, m))
                    .unwrap_or_default();
                self.examples(
                    &doc_examples,
                    &spec_examples,
                    &place::example_response(status),
                );
            }
        }
        for key in responses.keys() {
            if key == "default" || doc_statuses.iter().any(|s| response_key_matches(key, s)) {
                continue;
            }
            self.note(
                "extra",
                place::status(key),
                "a response of the spec the document does not list".into(),
                None,
            );
        }
    }

    /// The `headers` of a spec response: name, required, schema (`$ref`s followed).
    fn response_headers(&self, at: &str, response: &Value) -> Vec<SpecParam> {
        let Some(map) = response.get("headers").and_then(Value::as_object) else {
            return Vec::new();
        };
        map.keys()
            .filter_map(|name| {
                let (pointer, h) = resolve_at(self.raw, &child(&child(at, "headers"), name))?;
                Some(SpecParam {
                    name: name.clone(),
                    location: "header".into(),
                    required: h.get("required").and_then(Value::as_bool) == Some(true),
                    schema: param_schema(&pointer, h),
                })
            })
            .collect()
    }

    /// A documented response's headers against the spec response's `headers` (names
    /// compared case-insensitively). A header the spec lacks is drift: the client cannot
    /// read it; one the spec leaves optional, or has beyond the document, is a note.
    fn headers(&mut self, status: &str, doc: &[Field], spec: &[SpecParam]) {
        let mut matched = vec![false; spec.len()];
        for h in doc {
            let at = place::response_header(status, &h.name);
            let doc_at = some(&h.at);
            let found = spec
                .iter()
                .enumerate()
                .position(|(i, s)| !matched[i] && s.name.eq_ignore_ascii_case(&h.name));
            let Some(i) = found else {
                self.drift(
                    "missing",
                    at,
                    format!(
                        "response header missing in the spec (documented {})",
                        documented(&h.type_text, h.mandatory)
                    ),
                    doc_at,
                );
                continue;
            };
            matched[i] = true;
            let s = &spec[i];
            if let Some(m) = h.mandatory
                && m != s.required
            {
                let message = format!(
                    "document: {}, spec: {}",
                    mandatory_word(Some(m)),
                    if s.required { "required" } else { "optional" }
                );
                if m {
                    // A header the spec leaves optional is still read when sent.
                    self.note("mandatory", at.clone(), message, doc_at.clone());
                } else {
                    self.drift("mandatory", at.clone(), message, doc_at.clone());
                }
            }
            if let Some(schema) = &s.schema {
                let shape = Shape::at(self.doc, schema);
                self.type_and_values(&h.type_text, &h.values, &shape, &at, &doc_at);
            }
        }
        for (s, _) in spec.iter().zip(&matched).filter(|(_, m)| !**m) {
            self.note(
                "extra",
                place::response_header(status, &s.name),
                format!(
                    "in the spec ({}), not in the document",
                    if s.required { "required" } else { "optional" }
                ),
                None,
            );
        }
    }

    /// One finding per place: every documented example that equals no example of the spec.
    fn examples(&mut self, doc: &[&Example], spec: &[&'a Value], at: &str) {
        let differing: Vec<(&Example, &Value)> = doc
            .iter()
            .filter_map(|e| e.json.as_ref().map(|j| (*e, j)))
            .filter(|(_, json)| !spec.iter().any(|s| json_eq(json, s)))
            .collect();
        let Some((first, first_json)) = differing.first() else {
            return;
        };
        let which = if differing.len() == 1 {
            "the document's example".to_owned()
        } else {
            let ats: Vec<&str> = differing.iter().map(|(e, _)| e.at.as_str()).collect();
            let places = match ats
                .iter()
                .map(|a| a.strip_prefix("line "))
                .collect::<Option<Vec<_>>>()
            {
                Some(numbers) => format!("lines {}", numbers.join(", ")),
                None => ats.join(", "),
            };
            format!(
                "{} of the document's {} examples ({places})",
                differing.len(),
                doc.len()
            )
        };
        let message = if spec.is_empty() {
            format!("{which}: the spec has no example here")
        } else {
            // The spec example closest to the (first) document example.
            let closest = spec
                .iter()
                .map(|s| json_differences(s, first_json, 4))
                .min_by_key(Vec::len)
                .unwrap_or_default();
            format!(
                "{which} {} none of the spec's {} example(s); closest (spec → document): {}",
                if differing.len() == 1 {
                    "equals"
                } else {
                    "equal"
                },
                spec.len(),
                closest.join("; ")
            )
        };
        self.drift("example", at.to_owned(), message, some(&first.at));
    }

    fn fields(
        &mut self,
        doc: &[Field],
        shape: &Shape,
        parent: &str,
        at: &dyn Fn(&str) -> String,
        side: Side,
    ) {
        for f in doc {
            let path = if parent.is_empty() {
                f.name.clone()
            } else {
                format!("{parent}.{}", f.name)
            };
            let place = at(&path);
            let doc_at = some(&f.at);
            let Some(prop) = shape.property(&f.name) else {
                self.drift(
                    "missing",
                    place,
                    format!(
                        "field missing in the spec (documented {})",
                        documented(&f.type_text, f.mandatory)
                    ),
                    doc_at,
                );
                continue;
            };
            let required = prop.required;
            let prop_shape = Shape::of(self.doc, &prop.node);
            if let Some(m) = f.mandatory
                && m != required
            {
                let message = format!(
                    "document: {}, spec: {}",
                    mandatory_word(Some(m)),
                    if required { "required" } else { "optional" }
                );
                match side {
                    // A response field the spec leaves optional still decodes.
                    Side::Response if m => {
                        self.note("mandatory", place.clone(), message, doc_at.clone())
                    }
                    _ => self.drift("mandatory", place.clone(), message, doc_at.clone()),
                }
            }
            self.type_and_values(&f.type_text, &f.values, &prop_shape, &place, &doc_at);
            if !f.children.is_empty() {
                let inner = element_shape(self.doc, &prop_shape);
                self.fields(&f.children, &inner, &path, at, side);
            }
        }
        for p in &shape.properties {
            if doc.iter().any(|f| f.name == p.name) {
                continue;
            }
            let path = if parent.is_empty() {
                p.name.clone()
            } else {
                format!("{parent}.{}", p.name)
            };
            let shape = Shape::of(self.doc, &p.node);
            self.note(
                "extra",
                at(&path),
                format!(
                    "in the spec ({}, {}), not in the document",
                    shape.describe_types(),
                    if p.required { "required" } else { "optional" }
                ),
                None,
            );
        }
    }
}

/// The documented field at a path of names (`["job", "status"]`).
fn field_at<'f>(fields: &'f [Field], path: &[String]) -> Option<&'f Field> {
    let (first, rest) = path.split_first()?;
    let field = fields.iter().find(|f| f.name == *first)?;
    if rest.is_empty() {
        Some(field)
    } else {
        field_at(&field.children, rest)
    }
}

/// The shape whose properties a nested field table describes: the object itself, or the
/// elements of an array (merged over `items` alternatives).
fn element_shape(doc: &Doc<'_>, shape: &Shape) -> Shape {
    if shape.types.contains(&JsonType::Array) && !shape.items.is_empty() {
        let mut merged = Shape::of(doc, &shape.items[0]);
        for item in &shape.items[1..] {
            let other = Shape::of(doc, item);
            for p in other.properties {
                if merged.property(&p.name).is_none() {
                    merged.properties.push(p);
                }
            }
        }
        // Nested arrays (`Array of Array of ...`) are rare; one level is followed.
        merged
    } else {
        shape.clone()
    }
}

/// The `application/json` media type of a request body or response at `at` (else one
/// ending in `+json`, else the first): where it is, and the media type object.
fn json_media<'v>(at: &str, holder: &'v Value) -> Option<(String, &'v Value)> {
    let content = holder.get("content")?.as_object()?;
    let (key, media) = content
        .get_key_value("application/json")
        .or_else(|| {
            content
                .iter()
                .find(|(k, _)| k.ends_with("+json") || k.starts_with("application/json"))
        })
        .or_else(|| content.iter().next())?;
    Some((child(&child(at, "content"), key), media))
}

/// Where a media type's schema is, when it has one.
fn media_schema((at, media): &(String, &Value)) -> Option<String> {
    media.get("schema").map(|_| child(at, "schema"))
}

/// Every example of a media type: `example` and each `examples.*.value`.
fn media_examples<'a>(raw: &'a Value, media: &'a Value) -> Vec<&'a Value> {
    let mut out = Vec::new();
    if let Some(e) = media.get("example") {
        out.push(e);
    }
    if let Some(map) = media.get("examples").and_then(Value::as_object) {
        for e in map.values() {
            if let Some(v) = resolve(raw, e).get("value") {
                out.push(v);
            }
        }
    }
    out
}

/// The spec response that covers a documented status: exact, a range (`4XX`), or `default`
/// for an error status.
fn response_key(responses: &serde_json::Map<String, Value>, status: &str) -> Option<String> {
    if responses.contains_key(status) {
        return Some(status.to_owned());
    }
    if let Some(range) = responses.keys().find(|k| range_matches(k, status)) {
        return Some(range.clone());
    }
    let error = status.parse::<u16>().is_ok_and(|s| s >= 400);
    (error && responses.contains_key("default")).then(|| "default".to_owned())
}

fn range_matches(key: &str, status: &str) -> bool {
    let k = key.to_ascii_uppercase();
    k.len() == 3 && k.ends_with("XX") && status.len() == 3 && status.starts_with(&k[..1])
}

fn response_key_matches(key: &str, status: &str) -> bool {
    key == status || range_matches(key, status)
}

/// `String, mandatory`, or `String` when the table has no mandatory column.
fn documented(type_text: &str, mandatory: Option<bool>) -> String {
    match mandatory {
        Some(_) => format!("{}, {}", shown_type(type_text), mandatory_word(mandatory)),
        None => shown_type(type_text),
    }
}

/// `String`, or `no type` when the table has none.
fn shown_type(t: &str) -> String {
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() { "no type".into() } else { t }
}

/// `Integer (integer (int32))`, or `String` when the meaning is the name.
fn shown_doc_type(text: &str, t: &DocType) -> String {
    let text = shown_type(text);
    let meaning = t.describe();
    if text.eq_ignore_ascii_case(&meaning) {
        text
    } else {
        format!("{text} ({meaning})")
    }
}

enum TypeVerdict {
    Same,
    NotStated,
    NotUnderstood,
    /// The spec accepts the documented type and more (described).
    Wider(String),
    /// The spec does not accept the documented type (what it accepts).
    Mismatch(String),
}

/// Whether a schema accepts the documented type, and more.
fn compare_type(spec: &Doc<'_>, doc: &DocType, shape: &Shape) -> TypeVerdict {
    if let DocType::Unknown(t) = doc {
        return if t.is_empty() {
            TypeVerdict::NotStated
        } else {
            TypeVerdict::NotUnderstood
        };
    }
    if shape.types.is_empty() {
        return TypeVerdict::Wider("any type".into());
    }
    let types = &shape.types;
    // The spec type that matches, and whether the match itself is wider.
    let (matched, wider_match): (Option<JsonType>, Option<String>) = match doc {
        DocType::String => (types.get(&JsonType::String).cloned(), None),
        DocType::Boolean => (types.get(&JsonType::Boolean).cloned(), None),
        DocType::Object | DocType::Map => (types.get(&JsonType::Object).cloned(), None),
        DocType::Number => (types.get(&JsonType::Number).cloned(), None),
        DocType::Integer(size) => {
            let int = types
                .iter()
                .find(|t| matches!(t, JsonType::Integer(_)))
                .cloned();
            match (int, size) {
                (Some(JsonType::Integer(Some(f))), IntSize::Int64) if f == "int32" => {
                    return TypeVerdict::Mismatch(format!(
                        "{} (int32 is narrower than the documented int64)",
                        shape.describe_types()
                    ));
                }
                (Some(JsonType::Integer(Some(f))), IntSize::Int32) if f == "int64" => (
                    Some(JsonType::Integer(Some(f.clone()))),
                    Some("integer (int64)".to_owned()),
                ),
                (Some(t), _) => (Some(t), None),
                (None, _) if types.contains(&JsonType::Number) => {
                    (Some(JsonType::Number), Some("number".to_owned()))
                }
                (None, _) => (None, None),
            }
        }
        DocType::Array(inner) => {
            if !types.contains(&JsonType::Array) {
                (None, None)
            } else {
                let mut wider = None;
                if let (Some(inner), Some(item)) = (inner, shape.items.first()) {
                    let item_shape = Shape::of(spec, item);
                    match compare_type(spec, inner, &item_shape) {
                        TypeVerdict::Mismatch(spec) => {
                            return TypeVerdict::Mismatch(format!("array of {spec}"));
                        }
                        TypeVerdict::Wider(more) => wider = Some(format!("elements: {more}")),
                        _ => {}
                    }
                }
                (Some(JsonType::Array), wider)
            }
        }
        DocType::Unknown(_) => (None, None),
    };
    let Some(matched) = matched else {
        return TypeVerdict::Mismatch(shape.describe_types());
    };
    let others: Vec<String> = types
        .iter()
        .filter(|t| **t != matched)
        .map(JsonType::describe)
        .collect();
    if wider_match.is_none() && others.is_empty() {
        TypeVerdict::Same
    } else {
        TypeVerdict::Wider(shape.describe_types())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(raw: Value) -> SpecFile {
        SpecFile {
            label: "test.yaml".into(),
            stem: "test".into(),
            raw,
            sources: Vec::new(),
        }
    }

    fn findings(spec: &SpecFile, model: &str) -> Vec<(Verdict, &'static str, String)> {
        let model = DocModel::from_json(model, "test").unwrap();
        let (_, findings, _) = check(spec, None, &[], &model);
        findings
            .into_iter()
            .map(|f| (f.verdict, f.kind, f.at))
            .collect()
    }

    #[test]
    fn response_headers_are_compared() {
        let spec = spec(serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/v1/tasks/{id}": {"get": {
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "schema": {"type": "string"}}],
                "responses": {"200": {
                    "description": "OK",
                    "headers": {
                        "x-request-id": {"schema": {"type": "string"}},
                        "X-Rate-Left": {"$ref": "#/components/headers/Rate"},
                        "X-Extra": {"schema": {"type": "string"}}
                    },
                    "content": {"application/json": {"schema": {"type": "object"}}}
                }}
            }}},
            "components": {"headers": {"Rate": {"required": true, "schema": {"type": "string"}}}}
        }));
        let model = r#"{"model": 1, "method": "GET", "path": "/v1/tasks/{id}",
            "parameters": [{"name": "id", "in": "path", "mandatory": true, "type": "String"}],
            "responses": [{"status": "200", "headers": [
                {"name": "X-Request-Id", "type": "String", "mandatory": true, "at": "line 5"},
                {"name": "X-Rate-Left", "type": "Integer", "mandatory": false, "at": "line 6"},
                {"name": "X-Trace", "type": "String", "mandatory": false, "at": "line 7"}
            ]}]}"#;
        assert_eq!(
            findings(&spec, model),
            [
                (
                    Verdict::Note,
                    "mandatory",
                    "response 200 header X-Request-Id".to_owned()
                ),
                (
                    Verdict::Drift,
                    "mandatory",
                    "response 200 header X-Rate-Left".to_owned()
                ),
                (
                    Verdict::Drift,
                    "type",
                    "response 200 header X-Rate-Left".to_owned()
                ),
                (
                    Verdict::Drift,
                    "missing",
                    "response 200 header X-Trace".to_owned()
                ),
                (
                    Verdict::Note,
                    "extra",
                    "response 200 header X-Extra".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn documented_status_values_in_no_state_list_are_drift() {
        let spec = spec(serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/v1/jobs/{job_id}": {"get": {
                "operationId": "ShowJob",
                "parameters": [{"name": "job_id", "in": "path", "required": true,
                                "schema": {"type": "string"}}],
                "x-cloudjobs-job": {"status": "/job/status", "running": ["RUNNING"],
                                    "succeeded": ["SUCCESS"], "failed": ["FAIL"]},
                "responses": {"200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["job"], "properties": {"job": {
                            "type": "object", "required": ["status"], "properties": {"status": {
                                "type": "string",
                                "x-extensible-enum": ["RUNNING", "SUCCESS", "FAIL", "PAUSED"]
                            }}
                        }}
                    }}}
                }}
            }}}
        }));
        let model = r#"{"model": 1, "method": "GET", "path": "/v1/jobs/{job_id}",
            "parameters": [{"name": "job_id", "in": "path", "mandatory": true, "type": "String"}],
            "responses": [{"status": "200", "fields": [
                {"name": "job", "type": "Object", "mandatory": true, "children": [
                    {"name": "status", "type": "String", "mandatory": true, "at": "line 9",
                     "enum": ["RUNNING", "SUCCESS", "FAIL", "PAUSED", "CANCELLED"]}
                ]}
            ]}]}"#;
        assert_eq!(
            findings(&spec, model),
            [
                (Verdict::Drift, "enum", "response 200 job.status".to_owned()),
                (
                    Verdict::Drift,
                    "state",
                    "response 200 job.status".to_owned()
                ),
            ]
        );
        let model = DocModel::from_json(model, "test").unwrap();
        let (_, all, _) = check(&spec, None, &[], &model);
        let state = all.iter().find(|f| f.kind == "state").unwrap();
        assert!(
            state.message.contains("\"PAUSED\", \"CANCELLED\""),
            "{}",
            state.message
        );
    }
}
