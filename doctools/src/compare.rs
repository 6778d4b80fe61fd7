//! `docs diff`: the semantic difference of two versions of a document, model against model.
//!
//! Compared: method and path, parameters (`in`, mandatory, type, values), request and
//! response fields by nesting path (type, mandatory, values), status codes, and example
//! bodies as parsed JSON. Never compared: descriptions, titles, table layout, anchors, link
//! text, places (`at`) and the file's location.

use serde::Serialize;
use serde_json::Value;

use crate::model::{
    DocModel, DocType, Example, Field, Parameter, Response, json_differences, json_eq,
};

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
    for (o, n) in response_pairs(old, new) {
        let s = n.status.as_str();
        let at = |path: &str| place::response(s, path);
        diff_fields(&o.fields, &n.fields, "", &at, &mut out);
        // Header names compare case-insensitively: the new spelling of a header the old
        // document has is taken as the old one.
        let mut new_headers = n.headers.clone();
        for h in &mut new_headers {
            if let Some(x) = o
                .headers
                .iter()
                .find(|x| x.name.eq_ignore_ascii_case(&h.name))
            {
                h.name.clone_from(&x.name);
            }
        }
        let header_at = |name: &str| place::response_header(s, name);
        diff_fields(&o.headers, &new_headers, "", &header_at, &mut out);
    }
    diff_examples(
        &old.request_examples,
        &new.request_examples,
        place::EXAMPLE_REQUEST,
        &mut out,
    );
    for (o, n) in response_pairs(old, new) {
        diff_examples(
            &o.examples,
            &n.examples,
            &place::example_response(&n.status),
            &mut out,
        );
    }
    out
}

/// The responses of both versions that describe the same answer: the same status; and a
/// response whose status the page did not state (`assumed`) with the other version's first
/// success response left unpaired. Responses of one side only are new or gone statuses,
/// reported as such.
fn response_pairs<'a>(old: &'a DocModel, new: &'a DocModel) -> Vec<(&'a Response, &'a Response)> {
    let mut pairs = Vec::new();
    let mut old_used = vec![false; old.responses.len()];
    let mut new_left = Vec::new();
    for n in &new.responses {
        match old.responses.iter().position(|o| o.status == n.status) {
            Some(i) if !old_used[i] => {
                old_used[i] = true;
                pairs.push((&old.responses[i], n));
            }
            _ => new_left.push(n),
        }
    }
    let success = |r: &&Response| r.status.starts_with('2');
    let mut old_left: Vec<&Response> = old
        .responses
        .iter()
        .zip(&old_used)
        .filter(|(_, u)| !**u)
        .map(|(r, _)| r)
        .collect();
    for n in new_left {
        let found = old_left
            .iter()
            .position(|o| (o.assumed || n.assumed) && success(o) && success(&n));
        if let Some(i) = found {
            pairs.push((old_left.remove(i), n));
        }
    }
    pairs
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
    let same = a.same_meaning(&b);
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
    let moves = moved_under_wrapper(old, new);
    let moved_away = |o: &Field| moves.iter().any(|m| m.names.contains(&o.name));
    for n in new {
        let path = child_path(parent, &n.name);
        let place = at(&path);
        if let Some(m) = moves.iter().find(|m| m.wrapper == n.name) {
            out.push(Change {
                kind: ChangeKind::FieldsMoved,
                at: place,
                description: format!(
                    "{} field(s) now documented under {}: {}",
                    m.names.len(),
                    n.name,
                    m.names.join(", ")
                ),
                old_at: None,
                new_at: some(&n.at),
            });
            // The moved fields compared with their old selves at their new places; the
            // wrapper's other members are new.
            let before: Vec<Field> = old
                .iter()
                .filter(|o| m.names.contains(&o.name))
                .cloned()
                .collect();
            diff_fields(&before, &n.children, &path, at, out);
            continue;
        }
        match old.iter().find(|o| o.name == n.name) {
            None => added_or_removed(n, &path, at, ChangeKind::FieldAdded, out),
            Some(o) => {
                let ats = (some(&o.at), some(&n.at));
                if let Some(c) = type_change(&o.type_text, &n.type_text, &place, &ats) {
                    out.push(c);
                }
                // A table that gains or loses its Mandatory column states nothing new.
                if let (Some(a), Some(b)) = (o.mandatory, n.mandatory)
                    && a != b
                {
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
    for o in old
        .iter()
        .filter(|o| !new.iter().any(|n| n.name == o.name) && !moved_away(o))
    {
        let path = child_path(parent, &o.name);
        added_or_removed(o, &path, at, ChangeKind::FieldRemoved, out);
    }
}

/// A field added or removed, and every field nested in it, each at its full path.
fn added_or_removed(
    f: &Field,
    path: &str,
    at: &dyn Fn(&str) -> String,
    kind: ChangeKind,
    out: &mut Vec<Change>,
) {
    let (description, old_at, new_at) = if kind == ChangeKind::FieldAdded {
        (
            format!("field added ({})", field_summary(f)),
            None,
            some(&f.at),
        )
    } else {
        (
            format!("field removed (was {})", field_summary(f)),
            some(&f.at),
            None,
        )
    };
    out.push(Change {
        kind,
        at: at(path),
        description,
        old_at,
        new_at,
    });
    for c in &f.children {
        added_or_removed(c, &child_path(path, &c.name), at, kind, out);
    }
}

/// Fields of one level that a new version documents under a wrapper object instead.
struct Move {
    /// The new field that holds them.
    wrapper: String,
    /// The old fields now inside it.
    names: Vec<String>,
}

/// Old fields that are gone from this level and reappear as members of one new field (a
/// `job` wrapper): at least two, and at least half of the wrapper's members.
fn moved_under_wrapper(old: &[Field], new: &[Field]) -> Vec<Move> {
    let gone: Vec<&Field> = old
        .iter()
        .filter(|o| !new.iter().any(|n| n.name == o.name))
        .collect();
    let mut moves = Vec::new();
    for n in new.iter().filter(|n| !old.iter().any(|o| o.name == n.name)) {
        let names: Vec<String> = gone
            .iter()
            .filter(|o| n.children.iter().any(|c| c.name == o.name))
            .filter(|o| !moves.iter().any(|m: &Move| m.names.contains(&o.name)))
            .map(|o| o.name.clone())
            .collect();
        if names.len() >= 2 && names.len() * 2 >= n.children.len() {
            moves.push(Move {
                wrapper: n.name.clone(),
                names,
            });
        }
    }
    moves
}

/// What an example says: its request line (`POST https://.../v1/x`, whitespace collapsed)
/// when it starts with one, and its body as parsed JSON (text that is not JSON:
/// whitespace-collapsed text). A request line and its body in one code block or in two say
/// the same.
fn example_parts(e: &Example) -> (Option<String>, Option<Body>) {
    let text = e.text.trim();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let line = request_line(first);
    if let Some(v) = &e.json {
        return (line, Some(Body::Json(v.clone())));
    }
    if let Some(v) = lenient_json(text) {
        return (None, Some(Body::Json(v)));
    }
    if line.is_some() {
        let rest = rest.trim();
        let body = if rest.is_empty() {
            None
        } else {
            Some(match lenient_json(rest) {
                Some(v) => Body::Json(v),
                None => Body::Text(rest.split_whitespace().collect::<Vec<_>>().join(" ")),
            })
        };
        return (line, body);
    }
    (
        None,
        Some(Body::Text(
            text.split_whitespace().collect::<Vec<_>>().join(" "),
        )),
    )
}

/// JSON as a person reads a documented example: as written, else with up to three slips a
/// page makes repaired (a closing bracket or brace left out, a comma before a closing one),
/// each where the parser first stumbles.
fn lenient_json(text: &str) -> Option<Value> {
    let text = text.trim();
    if !(text.starts_with('{') || text.starts_with('[')) {
        return None;
    }
    let mut candidate = text.to_owned();
    for _ in 0..4 {
        let error = match serde_json::from_str::<Value>(&candidate) {
            Ok(v) => return Some(v),
            Err(e) => e,
        };
        let offset = offset_of(&candidate, error.line(), error.column()).min(candidate.len());
        // Where the closer belongs: where the parser stopped, before the token it read last
        // (a key it took for a value), or before the comma ahead of that token.
        let before = candidate[..offset].trim_end_matches(|c: char| c != '"' && c != ',');
        let token_start = before
            .strip_suffix('"')
            .and_then(|b| b.rfind('"'))
            .unwrap_or(offset);
        let comma = candidate[..token_start]
            .trim_end()
            .strip_suffix(',')
            .map_or(token_start, str::len);
        let repaired = [offset, token_start, comma].iter().find_map(|&at| {
            ["]", "}"].iter().find_map(|close| {
                let mut c = candidate.clone();
                c.insert_str(at, close);
                let better = match serde_json::from_str::<Value>(&c) {
                    Ok(_) => true,
                    Err(e) => offset_of(&c, e.line(), e.column()) > offset + 1,
                };
                better.then_some(c)
            })
        });
        match repaired {
            Some(c) => candidate = c,
            None => {
                // `, }` / `, ]`: drop the comma before the closer the parser stopped at.
                let before = candidate[..offset.min(candidate.len())].trim_end();
                let cut = before.strip_suffix(',')?.len();
                candidate.replace_range(cut..cut + 1, "");
            }
        }
    }
    None
}

/// The byte offset of a 1-based line and column that serde_json reports.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let col = column.saturating_sub(1);
    let line_text = &text[start.min(text.len())..];
    start
        + line_text
            .char_indices()
            .nth(col)
            .map_or(line_text.len(), |(i, _)| i)
}

/// The HTTP methods documents name.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// `POST https://.../v1/x` (whitespace collapsed) when `line` starts with a method.
fn request_line(line: &str) -> Option<String> {
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    line.split_once(' ')
        .is_some_and(|(m, _)| METHODS.contains(&m.to_ascii_uppercase().as_str()))
        .then_some(line)
}

#[derive(Clone)]
enum Body {
    Json(Value),
    Text(String),
}

impl Body {
    fn same(&self, other: &Body) -> bool {
        match (self, other) {
            (Body::Json(x), Body::Json(y)) => json_eq(x, y),
            (Body::Text(x), Body::Text(y)) => x == y,
            _ => false,
        }
    }
}

/// The examples of one place (the request, or one status) compared as a whole: their request
/// lines as a set, their bodies as parsed JSON whatever their order. One change per place:
/// added (none before), removed (none now) or changed, with what differs.
fn diff_examples(old: &[Example], new: &[Example], at: &str, out: &mut Vec<Change>) {
    let parts = |examples: &[Example]| {
        let mut lines: Vec<String> = Vec::new();
        let mut bodies: Vec<(Body, String)> = Vec::new();
        for e in examples {
            let (line, body) = example_parts(e);
            if let Some(l) = line
                && !lines.contains(&l)
            {
                lines.push(l);
            }
            if let Some(b) = body {
                bodies.push((b, e.at.clone()));
            }
        }
        (lines, bodies)
    };
    let (old_lines, old_bodies) = parts(old);
    let (new_lines, new_bodies) = parts(new);
    let mut used = vec![false; old_bodies.len()];
    let mut unmatched_new = Vec::new();
    for (b, place) in &new_bodies {
        match (0..old_bodies.len()).find(|&i| !used[i] && old_bodies[i].0.same(b)) {
            Some(i) => used[i] = true,
            None => unmatched_new.push((b, place)),
        }
    }
    let unmatched_old: Vec<&(Body, String)> = old_bodies
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(b, _)| b)
        .collect();
    // A request line one version shows and the other does not (it gives it outside its
    // examples, or in prose) says nothing new; one replaced by another does.
    let lines_changed = old_lines.iter().any(|l| !new_lines.contains(l))
        && new_lines.iter().any(|l| !old_lines.contains(l));
    let (had, has) = (
        !old_lines.is_empty() || !old_bodies.is_empty(),
        !new_lines.is_empty() || !new_bodies.is_empty(),
    );
    if unmatched_new.is_empty() && unmatched_old.is_empty() && !lines_changed && had == has {
        return;
    }
    let mut what = Vec::new();
    match (unmatched_old.first(), unmatched_new.first()) {
        (Some((Body::Json(x), _)), Some((Body::Json(y), _))) => {
            what.push(json_differences(x, y, 6).join("; "));
        }
        (Some((Body::Text(_), _)), Some((Body::Json(_), _))) => {
            what.push("a body is JSON now".into())
        }
        (Some((Body::Json(_), _)), Some((Body::Text(_), _))) => {
            what.push("a body is no longer JSON".into());
        }
        (Some(_), Some(_)) => what.push("body text changed (not JSON)".into()),
        _ => {}
    }
    if unmatched_new.len() > unmatched_old.len() {
        what.push(format!(
            "{} more example body(ies)",
            unmatched_new.len() - unmatched_old.len()
        ));
    }
    if unmatched_old.len() > unmatched_new.len() {
        what.push(format!(
            "{} example body(ies) fewer",
            unmatched_old.len() - unmatched_new.len()
        ));
    }
    if lines_changed {
        let added: Vec<&str> = new_lines
            .iter()
            .filter(|l| !old_lines.contains(l))
            .map(String::as_str)
            .collect();
        let removed: Vec<&str> = old_lines
            .iter()
            .filter(|l| !new_lines.contains(l))
            .map(String::as_str)
            .collect();
        if !removed.is_empty() {
            what.push(format!(
                "request line {} → {}",
                removed.join(" | "),
                added.join(" | ")
            ));
        } else {
            what.push(format!("request line added: {}", added.join(" | ")));
        }
    }
    let only_added = unmatched_old.is_empty() && !lines_changed;
    let only_removed = unmatched_new.is_empty() && !lines_changed;
    let (kind, description) = match (had, has) {
        (false, _) => (ChangeKind::ExampleAdded, "example added".to_owned()),
        (_, false) => (ChangeKind::ExampleRemoved, "example removed".to_owned()),
        _ if only_added => (
            ChangeKind::ExampleAdded,
            format!("{} example body(ies) added", unmatched_new.len()),
        ),
        _ if only_removed => (
            ChangeKind::ExampleRemoved,
            format!("{} example body(ies) removed", unmatched_old.len()),
        ),
        _ => (
            ChangeKind::ExampleChanged,
            format!("example changed: {}", what.join("; ")),
        ),
    };
    out.push(Change {
        kind,
        at: at.to_owned(),
        description,
        old_at: unmatched_old
            .first()
            .map(|(_, p)| p.clone())
            .filter(|p| !p.is_empty()),
        new_at: unmatched_new
            .first()
            .map(|(_, p)| (*p).clone())
            .filter(|p| !p.is_empty()),
    });
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
