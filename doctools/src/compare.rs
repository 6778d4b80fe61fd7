//! `docs diff`: the semantic difference of two versions of a document, model against model.
//!
//! Compared: method and path, parameters (`in`, mandatory, type, values), request and
//! response fields by nesting path (type, mandatory, values), status codes, and example
//! bodies as parsed JSON. Never compared: descriptions, titles, table layout, anchors, link
//! text, places (`at`) and the file's location.

use serde::Serialize;
use serde_json::Value;

use crate::model::{DocModel, DocType, Example, Field, Parameter, json_differences, json_eq};

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Method or path.
    Path,
    /// A parameter added.
    ParameterAdded,
    /// A parameter removed.
    ParameterRemoved,
    /// A parameter moved (`in`).
    ParameterMoved,
    /// A field added.
    FieldAdded,
    /// A field removed.
    FieldRemoved,
    /// A type changed.
    Type,
    /// Mandatory flipped.
    Mandatory,
    /// Values added to a list of values.
    EnumAdded,
    /// Values removed from a list of values.
    EnumRemoved,
    /// A status code added.
    StatusAdded,
    /// A status code removed.
    StatusRemoved,
    /// An example added.
    ExampleAdded,
    /// An example removed.
    ExampleRemoved,
    /// An example changed.
    ExampleChanged,
    /// Existing fields now documented under a new wrapper object (reported once, at it).
    FieldsMoved,
}

/// Every kind, as reports spell it.
pub const KIND_NAMES: [&str; 16] = [
    "path",
    "parameter-added",
    "parameter-removed",
    "parameter-moved",
    "field-added",
    "field-removed",
    "type",
    "mandatory",
    "enum-added",
    "enum-removed",
    "status-added",
    "status-removed",
    "example-added",
    "example-removed",
    "example-changed",
    "fields-moved",
];

/// One semantic change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What kind.
    pub kind: ChangeKind,
    /// The place, named as `docs check` and `accepted[].at` name it.
    pub at: String,
    /// What changed, in words.
    pub description: String,
    /// Where in the old document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_at: Option<String>,
    /// Where in the new document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_at: Option<String>,
}

/// Places, formatted as `specs/README.md` says.
pub mod place {
    /// `parameter header X-Auth-Token`.
    pub fn parameter(location: &str, name: &str) -> String {
        format!("parameter {location} {name}")
    }
    /// `request auth.identity`.
    pub fn request(path: &str) -> String {
        format!("request {path}")
    }
    /// `response 200 entities.image_id`.
    pub fn response(status: &str, path: &str) -> String {
        format!("response {status} {path}")
    }
    /// `response 200 header X-Request-Id`.
    pub fn response_header(status: &str, name: &str) -> String {
        format!("response {status} header {name}")
    }
    /// `status 404`.
    pub fn status(code: &str) -> String {
        format!("status {code}")
    }
    /// `example response 200`.
    pub fn example_response(status: &str) -> String {
        format!("example response {status}")
    }
    /// `example request`.
    pub const EXAMPLE_REQUEST: &str = "example request";
    /// `path`.
    pub const PATH: &str = "path";
}

fn some(at: &str) -> Option<String> {
    (!at.is_empty()).then(|| at.to_owned())
}

/// `yes`, `no`, `not stated`.
pub fn mandatory_word(m: Option<bool>) -> &'static str {
    match m {
        Some(true) => "mandatory",
        Some(false) => "optional",
        None => "mandatory not stated",
    }
}

/// Every semantic change from `old` to `new`, in document order: path, parameters, request
/// body, status codes, responses, examples.
pub fn diff(old: &DocModel, new: &DocModel) -> Vec<Change> {
    let mut out = Vec::new();
    let method = |m: &DocModel| m.method.as_deref().map(str::to_uppercase);
    if method(old) != method(new) || old.path != new.path {
        out.push(Change {
            kind: ChangeKind::Path,
            at: place::PATH.into(),
            description: format!("{} → {}", old.operation_line(), new.operation_line()),
            old_at: None,
            new_at: None,
        });
    }
    diff_parameters(&old.parameters, &new.parameters, &mut out);
    diff_fields(
        &old.request_body,
        &new.request_body,
        "",
        &place::request,
        &mut out,
    );
    let (old_statuses, new_statuses) = (old.statuses(), new.statuses());
    for s in &new_statuses {
        if !old_statuses.contains(s) {
            out.push(Change {
                kind: ChangeKind::StatusAdded,
                at: place::status(s),
                description: "status added".into(),
                old_at: None,
                new_at: None,
            });
        }
    }
    for s in &old_statuses {
        if !new_statuses.contains(s) {
            out.push(Change {
                kind: ChangeKind::StatusRemoved,
                at: place::status(s),
                description: "status removed".into(),
                old_at: None,
                new_at: None,
            });
        }
    }
    for s in new_statuses.iter().filter(|s| old_statuses.contains(s)) {
        let fields = |m: &DocModel| m.response(s).map(|r| r.fields.clone()).unwrap_or_default();
        let at = |path: &str| place::response(s, path);
        diff_fields(&fields(old), &fields(new), "", &at, &mut out);
        // Header names compare case-insensitively: the new spelling of a header the old
        // document has is taken as the old one.
        let headers = |m: &DocModel| m.response(s).map(|r| r.headers.clone()).unwrap_or_default();
        let old_headers = headers(old);
        let mut new_headers = headers(new);
        for n in &mut new_headers {
            if let Some(o) = old_headers
                .iter()
                .find(|o| o.name.eq_ignore_ascii_case(&n.name))
            {
                n.name.clone_from(&o.name);
            }
        }
        let header_at = |name: &str| place::response_header(s, name);
        diff_fields(&old_headers, &new_headers, "", &header_at, &mut out);
    }
    diff_examples(
        &old.request_examples,
        &new.request_examples,
        place::EXAMPLE_REQUEST,
        &mut out,
    );
    for s in new_statuses.iter().filter(|s| old_statuses.contains(s)) {
        let examples = |m: &DocModel| {
            m.response(s)
                .map(|r| r.examples.clone())
                .unwrap_or_default()
        };
        diff_examples(
            &examples(old),
            &examples(new),
            &place::example_response(s),
            &mut out,
        );
    }
    out
}

/// A parameter in a message: `optional, String`.
fn parameter_summary(p: &Parameter) -> String {
    let mut s = type_text(&p.type_text);
    if p.mandatory.is_some() {
        s = format!("{}, {s}", mandatory_word(p.mandatory));
    }
    if !p.values.is_empty() {
        s.push_str(&format!(", values {}", p.values.join(", ")));
    }
    s
}

fn type_text(t: &str) -> String {
    if t.trim().is_empty() {
        "no type".into()
    } else {
        t.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

fn same_name(a: &Parameter, b: &Parameter) -> bool {
    a.name == b.name
        || (a.location == "header" || b.location == "header")
            && a.name.eq_ignore_ascii_case(&b.name)
}

fn diff_parameters(old: &[Parameter], new: &[Parameter], out: &mut Vec<Change>) {
    let mut matched_old = vec![false; old.len()];
    let mut pairs = Vec::new();
    let mut added = Vec::new();
    for n in new {
        // The same place first, then the same name elsewhere (a parameter that moved).
        let found = old
            .iter()
            .enumerate()
            .find(|(i, o)| !matched_old[*i] && o.location == n.location && same_name(o, n))
            .or_else(|| {
                old.iter()
                    .enumerate()
                    .find(|(i, o)| !matched_old[*i] && same_name(o, n))
            })
            .map(|(i, _)| i);
        match found {
            Some(i) => {
                matched_old[i] = true;
                pairs.push((&old[i], n));
            }
            None => added.push(n),
        }
    }
    for (o, n) in pairs {
        let at = place::parameter(&n.location, &n.name);
        let ats = (some(&o.at), some(&n.at));
        if o.location != n.location {
            out.push(Change {
                kind: ChangeKind::ParameterMoved,
                at: at.clone(),
                description: format!("moved from {} to {}", o.location, n.location),
                old_at: ats.0.clone(),
                new_at: ats.1.clone(),
            });
        }
        if o.mandatory != n.mandatory {
            out.push(Change {
                kind: ChangeKind::Mandatory,
                at: at.clone(),
                description: format!(
                    "{} → {}",
                    mandatory_word(o.mandatory),
                    mandatory_word(n.mandatory)
                ),
                old_at: ats.0.clone(),
                new_at: ats.1.clone(),
            });
        }
        if let Some(c) = type_change(&o.type_text, &n.type_text, &at, &ats) {
            out.push(c);
        }
        enum_changes(&o.values, &n.values, &at, &ats, out);
    }
    for n in added {
        out.push(Change {
            kind: ChangeKind::ParameterAdded,
            at: place::parameter(&n.location, &n.name),
            description: format!("parameter added ({})", parameter_summary(n)),
            old_at: None,
            new_at: some(&n.at),
        });
    }
    for (o, _) in old.iter().zip(&matched_old).filter(|(_, m)| !**m) {
        out.push(Change {
            kind: ChangeKind::ParameterRemoved,
            at: place::parameter(&o.location, &o.name),
            description: format!("parameter removed (was {})", parameter_summary(o)),
            old_at: some(&o.at),
            new_at: None,
        });
    }
}

/// Types differ in meaning (`String` → `Integer`); `JobEntities object` → `Entities
/// object` (link text) or `string` → `String` (case) do not.
fn type_change(
    old: &str,
    new: &str,
    at: &str,
    ats: &(Option<String>, Option<String>),
) -> Option<Change> {
    let (a, b) = (DocType::parse(old), DocType::parse(new));
    let same = match (&a, &b) {
        (DocType::Unknown(x), DocType::Unknown(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    };
    (!same).then(|| Change {
        kind: ChangeKind::Type,
        at: at.to_owned(),
        description: format!(
            "type {} → {} ({} → {})",
            type_text(old),
            type_text(new),
            a.describe(),
            b.describe()
        ),
        old_at: ats.0.clone(),
        new_at: ats.1.clone(),
    })
}

fn enum_changes(
    old: &[String],
    new: &[String],
    at: &str,
    ats: &(Option<String>, Option<String>),
    out: &mut Vec<Change>,
) {
    let added: Vec<&str> = new
        .iter()
        .filter(|v| !old.contains(v))
        .map(String::as_str)
        .collect();
    let removed: Vec<&str> = old
        .iter()
        .filter(|v| !new.contains(v))
        .map(String::as_str)
        .collect();
    if !added.is_empty() {
        out.push(Change {
            kind: ChangeKind::EnumAdded,
            at: at.to_owned(),
            description: format!("value(s) added: {}", quoted(&added)),
            old_at: ats.0.clone(),
            new_at: ats.1.clone(),
        });
    }
    if !removed.is_empty() {
        out.push(Change {
            kind: ChangeKind::EnumRemoved,
            at: at.to_owned(),
            description: format!("value(s) removed: {}", quoted(&removed)),
            old_at: ats.0.clone(),
            new_at: ats.1.clone(),
        });
    }
}

/// `"a", "b"`.
pub fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Array of objects, mandatory, 3 nested fields`.
fn field_summary(f: &Field) -> String {
    let mut s = type_text(&f.type_text);
    if f.mandatory.is_some() {
        s.push_str(&format!(", {}", mandatory_word(f.mandatory)));
    }
    if !f.values.is_empty() {
        s.push_str(&format!(", values {}", f.values.join(", ")));
    }
    let nested = count_fields(&f.children);
    if nested > 0 {
        s.push_str(&format!(", {nested} nested field(s)"));
    }
    s
}

fn count_fields(fields: &[Field]) -> usize {
    fields.iter().map(|f| 1 + count_fields(&f.children)).sum()
}

fn child_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn diff_fields(
    old: &[Field],
    new: &[Field],
    parent: &str,
    at: &dyn Fn(&str) -> String,
    out: &mut Vec<Change>,
) {
    for n in new {
        let path = child_path(parent, &n.name);
        let place = at(&path);
        match old.iter().find(|o| o.name == n.name) {
            None => out.push(Change {
                kind: ChangeKind::FieldAdded,
                at: place,
                description: format!("field added ({})", field_summary(n)),
                old_at: None,
                new_at: some(&n.at),
            }),
            Some(o) => {
                let ats = (some(&o.at), some(&n.at));
                if let Some(c) = type_change(&o.type_text, &n.type_text, &place, &ats) {
                    out.push(c);
                }
                if o.mandatory != n.mandatory {
                    out.push(Change {
                        kind: ChangeKind::Mandatory,
                        at: place.clone(),
                        description: format!(
                            "{} → {}",
                            mandatory_word(o.mandatory),
                            mandatory_word(n.mandatory)
                        ),
                        old_at: ats.0.clone(),
                        new_at: ats.1.clone(),
                    });
                }
                enum_changes(&o.values, &n.values, &place, &ats, out);
                diff_fields(&o.children, &n.children, &path, at, out);
            }
        }
    }
    for o in old.iter().filter(|o| !new.iter().any(|n| n.name == o.name)) {
        out.push(Change {
            kind: ChangeKind::FieldRemoved,
            at: at(&child_path(parent, &o.name)),
            description: format!("field removed (was {})", field_summary(o)),
            old_at: some(&o.at),
            new_at: None,
        });
    }
}

/// Example bodies compared as parsed JSON (text that is not JSON: whitespace-collapsed
/// text). Equal examples pair up whatever their order; the rest pair in order.
fn diff_examples(old: &[Example], new: &[Example], at: &str, out: &mut Vec<Change>) {
    #[derive(Clone)]
    enum Body {
        Json(Value),
        Text(String),
    }
    let body = |e: &Example| match &e.json {
        Some(v) => Body::Json(v.clone()),
        None => Body::Text(e.text.split_whitespace().collect::<Vec<_>>().join(" ")),
    };
    let same = |a: &Body, b: &Body| match (a, b) {
        (Body::Json(x), Body::Json(y)) => json_eq(x, y),
        (Body::Text(x), Body::Text(y)) => x == y,
        _ => false,
    };
    let old_bodies: Vec<(Body, &Example)> = old.iter().map(|e| (body(e), e)).collect();
    let new_bodies: Vec<(Body, &Example)> = new.iter().map(|e| (body(e), e)).collect();
    let mut used_old = vec![false; old_bodies.len()];
    let mut unmatched_new = Vec::new();
    for (b, e) in &new_bodies {
        match (0..old_bodies.len()).find(|&i| !used_old[i] && same(&old_bodies[i].0, b)) {
            Some(i) => used_old[i] = true,
            None => unmatched_new.push((b.clone(), *e)),
        }
    }
    let mut unmatched_old = old_bodies
        .iter()
        .zip(&used_old)
        .filter(|(_, u)| !**u)
        .map(|((b, e), _)| (b.clone(), *e))
        .collect::<Vec<_>>()
        .into_iter();
    for (b, e) in unmatched_new {
        match unmatched_old.next() {
            Some((ob, oe)) => {
                let description = match (&ob, &b) {
                    (Body::Json(x), Body::Json(y)) => {
                        format!("example changed: {}", json_differences(x, y, 6).join("; "))
                    }
                    (Body::Text(_), Body::Text(_)) => "example text changed (not JSON)".into(),
                    (Body::Text(_), Body::Json(_)) => "example is JSON now".into(),
                    (Body::Json(_), Body::Text(_)) => "example is no longer JSON".into(),
                };
                out.push(Change {
                    kind: ChangeKind::ExampleChanged,
                    at: at.to_owned(),
                    description,
                    old_at: some(&oe.at),
                    new_at: some(&e.at),
                });
            }
            None => out.push(Change {
                kind: ChangeKind::ExampleAdded,
                at: at.to_owned(),
                description: "example added".into(),
                old_at: None,
                new_at: some(&e.at),
            }),
        }
    }
    for (_, oe) in unmatched_old {
        out.push(Change {
            kind: ChangeKind::ExampleRemoved,
            at: at.to_owned(),
            description: "example removed".into(),
            old_at: some(&oe.at),
            new_at: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(json: &str) -> DocModel {
        DocModel::from_json(json, "test").unwrap()
    }

    #[test]
    fn wording_and_places_are_not_compared() {
        let old = model(
            r#"{"model": 1, "method": "GET", "path": "/v1/jobs/{id}", "title": "Old",
                "parameters": [{"name": "id", "in": "path", "mandatory": true, "type": "String",
                                "description": "old words", "at": "line 3"}],
                "responses": [{"status": "200", "fields": [
                    {"name": "data", "type": "Data object", "mandatory": null, "at": "line 9",
                     "children": [{"name": "id", "type": "String", "description": "x"}]}],
                   "examples": [{"json": {"a": 1, "b": [1, 2]}, "text": "{...}", "at": "line 20"}]}]}"#,
        );
        let new = model(
            r#"{"model": 1, "method": "get", "path": "/v1/jobs/{id}", "title": "New",
                "parameters": [{"name": "id", "in": "path", "mandatory": true, "type": "string",
                                "description": "new words", "at": "line 30"}],
                "responses": [{"status": 200, "fields": [
                    {"name": "data", "type": "GetJobData object", "mandatory": null, "at": "line 40",
                     "children": [{"name": "id", "type": "String", "description": "y"}]}],
                   "examples": [{"json": {"b": [1.0, 2], "a": 1}, "text": "{ ... }", "at": "line 50"}]}]}"#,
        );
        assert_eq!(diff(&old, &new), []);
    }

    #[test]
    fn response_headers_are_compared_case_insensitively() {
        let old = model(
            r#"{"model": 1, "method": "GET", "path": "/v1/jobs/{id}",
                "responses": [{"status": "200", "headers": [
                    {"name": "X-Request-Id", "type": "String", "at": "line 9"}]}]}"#,
        );
        let new = model(
            r#"{"model": 1, "method": "GET", "path": "/v1/jobs/{id}",
                "responses": [{"status": "200", "headers": [
                    {"name": "x-request-id", "type": "String", "at": "line 9"},
                    {"name": "X-Rate-Left", "type": "Integer", "at": "line 10"}]}]}"#,
        );
        let changes = diff(&old, &new);
        assert_eq!(
            changes
                .iter()
                .map(|c| (c.kind, c.at.as_str()))
                .collect::<Vec<_>>(),
            [(ChangeKind::FieldAdded, "response 200 header X-Rate-Left")]
        );
    }
}
