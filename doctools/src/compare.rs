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
    let empty = Response::default();
    let pairs = response_pairs(old, new, &empty);
    for &(o, n, s) in &pairs {
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
    let paths = PathChange {
        old: old.path.as_deref(),
        new: new.path.as_deref(),
    };
    diff_examples(
        &old.request_examples,
        &new.request_examples,
        place::EXAMPLE_REQUEST,
        &paths,
        &mut out,
    );
    for &(o, n, s) in &pairs {
        diff_examples(
            &o.examples,
            &n.examples,
            &place::example_response(s),
            &paths,
            &mut out,
        );
    }
    out
}

/// The responses of both versions that describe the same answer: the same status; and a
/// response whose status the page did not state (`assumed`) with the other version's first
/// success response left unpaired. Responses of one side only are new or gone statuses,
/// reported as such; but an assumed response left unpaired states no status, so it is paired
/// with `empty` (its fields and examples are what is new or gone). The status is the one of
/// the new response, or of the old one when the new is `empty`.
fn response_pairs<'a>(
    old: &'a DocModel,
    new: &'a DocModel,
    empty: &'a Response,
) -> Vec<(&'a Response, &'a Response, &'a str)> {
    let mut pairs = Vec::new();
    let mut old_used = vec![false; old.responses.len()];
    let mut new_left = Vec::new();
    for n in &new.responses {
        match old.responses.iter().position(|o| o.status == n.status) {
            Some(i) if !old_used[i] => {
                old_used[i] = true;
                pairs.push((&old.responses[i], n, n.status.as_str()));
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
        match found {
            Some(i) => pairs.push((old_left.remove(i), n, n.status.as_str())),
            None if n.assumed => pairs.push((empty, n, n.status.as_str())),
            None => {}
        }
    }
    for o in old_left.into_iter().filter(|o| o.assumed) {
        pairs.push((o, empty, o.status.as_str()));
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
            out.push(mandatory_change(o.mandatory, n.mandatory, &at, &ats));
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
/// A parameter or field that became mandatory or optional (or whose page stopped saying).
fn mandatory_change(
    old: Option<bool>,
    new: Option<bool>,
    at: &str,
    ats: &(Option<String>, Option<String>),
) -> Change {
    Change {
        kind: ChangeKind::Mandatory,
        at: at.to_owned(),
        description: format!("{} → {}", mandatory_word(old), mandatory_word(new)),
        old_at: ats.0.clone(),
        new_at: ats.1.clone(),
    }
}

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
    let partners = occurrence_partners(old, new);
    for (n, partner) in new.iter().zip(&partners) {
        let path = child_path(parent, &n.name);
        if let Some(m) = moves.iter().find(|m| m.wrapper == n.name) {
            out.push(Change {
                kind: ChangeKind::FieldsMoved,
                at: at(&path),
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
        match partner {
            None => added_or_removed(n, &path, at, ChangeKind::FieldAdded, out),
            Some(i) => diff_field_pair(&old[*i], n, &path, at, out),
        }
    }
    for (i, o) in old.iter().enumerate() {
        if !partners.contains(&Some(i)) && !moved_away(o) {
            let path = child_path(parent, &o.name);
            added_or_removed(o, &path, at, ChangeKind::FieldRemoved, out);
        }
    }
}

/// For each new field, the old field it is: the one of the same name, and where a table
/// repeats a name (the variants of a request documented one after another in one table),
/// the k-th occurrence of the name with the k-th.
fn occurrence_partners(old: &[Field], new: &[Field]) -> Vec<Option<usize>> {
    new.iter()
        .enumerate()
        .map(|(j, n)| {
            let k = new[..j].iter().filter(|f| f.name == n.name).count();
            old.iter()
                .enumerate()
                .filter(|(_, o)| o.name == n.name)
                .nth(k)
                .map(|(i, _)| i)
        })
        .collect()
}

/// One field in both versions: its type, mandatory flag, values and nested fields.
fn diff_field_pair(
    o: &Field,
    n: &Field,
    path: &str,
    at: &dyn Fn(&str) -> String,
    out: &mut Vec<Change>,
) {
    let place = at(path);
    let ats = (some(&o.at), some(&n.at));
    if let Some(c) = type_change(&o.type_text, &n.type_text, &place, &ats) {
        out.push(c);
    }
    // A table that gains or loses its Mandatory column states nothing new.
    if let (Some(a), Some(b)) = (o.mandatory, n.mandatory)
        && a != b
    {
        out.push(mandatory_change(o.mandatory, n.mandatory, &place, &ats));
    }
    enum_changes(&o.values, &n.values, &place, &ats, out);
    diff_fields(&o.children, &n.children, path, at, out);
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

/// What an example says: its request line (`POST https://.../v1/x`, or a URL alone) when it
/// starts with one, and its body as parsed JSON (text that is not JSON: whitespace-collapsed
/// text). A request line and its body in one code block or in two say the same.
fn example_parts(e: &Example) -> (Option<RequestLine>, Option<Body>) {
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

/// A request line of an example: its method when it gives one (an example URL of a URI
/// section often does not), and its target (a URL or a path), whitespace collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RequestLine {
    method: Option<String>,
    target: String,
}

impl RequestLine {
    /// The same request: the same target, and the same method when both lines give one.
    fn same(&self, other: &RequestLine) -> bool {
        self.target == other.target
            && (self.method.is_none() || other.method.is_none() || self.method == other.method)
    }

    fn shown(&self) -> String {
        match &self.method {
            Some(m) => format!("{m} {}", self.target),
            None => self.target.clone(),
        }
    }
}

/// `POST https://.../v1/x` when `line` starts with a method; a URL or path alone
/// (`https://host/v3/x`, `/v3/x`, `{endpoint}/v3/x`) is a request line without a method.
fn request_line(line: &str) -> Option<RequestLine> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [m, rest @ ..]
            if !rest.is_empty() && METHODS.contains(&m.to_ascii_uppercase().as_str()) =>
        {
            Some(RequestLine {
                method: Some(m.to_ascii_uppercase()),
                target: rest.join(" "),
            })
        }
        [url] if is_request_target(url) => Some(RequestLine {
            method: None,
            target: (*url).to_owned(),
        }),
        _ => None,
    }
}

/// A URL (`https://...`) or a path (`/v1/...`, `{endpoint}/v1/...`) as a word of its own.
fn is_request_target(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        return !rest.is_empty() && !rest.contains('"');
    }
    if let Some(rest) = word.strip_prefix('/') {
        return rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '{');
    }
    word.starts_with('{')
        && word
            .find('}')
            .is_some_and(|close| word[close + 1..].starts_with('/') && !word[..close].contains('"'))
}

/// The operation's path in both versions, so that an example URL that changes only as the
/// path does is not a second change (the path change is reported once, as such).
struct PathChange<'a> {
    old: Option<&'a str>,
    new: Option<&'a str>,
}

impl PathChange<'_> {
    /// An old request line as the new path would write it: its host and query kept, the
    /// values it gives the old template's placeholders put into the new template. `None`
    /// when the path did not change or the line does not follow the old template.
    fn carried(&self, line: &RequestLine) -> Option<RequestLine> {
        let (old, new) = (self.old?, self.new?);
        if old == new {
            return None;
        }
        let target = line.target.as_str();
        let start = match target.find("://") {
            Some(i) => target[i + 3..].find('/').map(|j| i + 3 + j)?,
            None if target.starts_with('{') => target.find('/')?,
            None => 0,
        };
        let (host, rest) = target.split_at(start);
        let (path, query) = rest.split_at(rest.find('?').unwrap_or(rest.len()));
        let template = |t: &'_ str| -> Vec<String> {
            let t = t.split('?').next().unwrap_or("");
            t.trim_matches('/').split('/').map(str::to_owned).collect()
        };
        let (old_t, new_t) = (template(old), template(new));
        let given: Vec<&str> = path.trim_matches('/').split('/').collect();
        if given.len() != old_t.len() {
            return None;
        }
        let mut values: Vec<(&str, &str)> = Vec::new();
        for (t, g) in old_t.iter().zip(&given) {
            match placeholder(t) {
                Some(name) => values.push((name, g)),
                None if t == g => {}
                None => return None,
            }
        }
        let mut carried = Vec::new();
        for t in &new_t {
            carried.push(match placeholder(t) {
                Some(name) => values.iter().find(|(n, _)| *n == name)?.1.to_owned(),
                None => t.clone(),
            });
        }
        Some(RequestLine {
            method: line.method.clone(),
            target: format!("{host}/{}{query}", carried.join("/")),
        })
    }
}

/// `project_id` of a whole segment `{project_id}`.
fn placeholder(segment: &str) -> Option<&str> {
    segment
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .filter(|s| !s.contains(['{', '}']))
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

/// What the examples of one place show: their request lines (each once) and their bodies,
/// with where each body is.
fn shown(examples: &[Example]) -> (Vec<RequestLine>, Vec<(Body, String)>) {
    let mut lines: Vec<RequestLine> = Vec::new();
    let mut bodies = Vec::new();
    for e in examples {
        let (line, body) = example_parts(e);
        if let Some(l) = line {
            match lines.iter_mut().find(|x| x.same(&l)) {
                // The line with its method says more than the same line without.
                Some(x) if x.method.is_none() => *x = l,
                Some(_) => {}
                None => lines.push(l),
            }
        }
        if let Some(b) = body {
            bodies.push((b, e.at.clone()));
        }
    }
    (lines, bodies)
}

/// What differs between the bodies and request lines of one place.
struct ExampleDelta<'a> {
    old_bodies: Vec<&'a (Body, String)>,
    new_bodies: Vec<&'a (Body, String)>,
    removed_lines: Vec<String>,
    added_lines: Vec<String>,
}

/// The examples of one place (the request, or one status) compared as a whole: their request
/// lines as a set (an old line that changed only as the path did is the same line), their
/// bodies as parsed JSON whatever their order. One change per place: added (none before),
/// removed (none now) or changed, with what differs.
fn diff_examples(
    old: &[Example],
    new: &[Example],
    at: &str,
    paths: &PathChange<'_>,
    out: &mut Vec<Change>,
) {
    let (old_lines, old_bodies) = shown(old);
    let (new_lines, new_bodies) = shown(new);
    let mut used = vec![false; old_bodies.len()];
    let mut unmatched_new = Vec::new();
    for body in &new_bodies {
        match (0..old_bodies.len()).find(|&i| !used[i] && old_bodies[i].0.same(&body.0)) {
            Some(i) => used[i] = true,
            None => unmatched_new.push(body),
        }
    }
    let unmatched_old: Vec<&(Body, String)> = old_bodies
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(b, _)| b)
        .collect();
    let matches =
        |o: &RequestLine, n: &RequestLine| o.same(n) || paths.carried(o).is_some_and(|c| c.same(n));
    let delta = ExampleDelta {
        old_bodies: unmatched_old,
        new_bodies: unmatched_new,
        removed_lines: old_lines
            .iter()
            .filter(|o| !new_lines.iter().any(|n| matches(o, n)))
            .map(RequestLine::shown)
            .collect(),
        added_lines: new_lines
            .iter()
            .filter(|n| !old_lines.iter().any(|o| matches(o, n)))
            .map(RequestLine::shown)
            .collect(),
    };
    // A request line one version shows and the other does not (it gives it outside its
    // examples, or in prose) says nothing new; one replaced by another does.
    let lines_changed = !delta.removed_lines.is_empty() && !delta.added_lines.is_empty();
    let (had, has) = (
        !old_lines.is_empty() || !old_bodies.is_empty(),
        !new_lines.is_empty() || !new_bodies.is_empty(),
    );
    if delta.new_bodies.is_empty() && delta.old_bodies.is_empty() && !lines_changed && had == has {
        return;
    }
    let (kind, description) = example_change(&delta, lines_changed, had, has);
    let place = |b: Option<&&(Body, String)>| b.map(|(_, p)| p.clone()).filter(|p| !p.is_empty());
    out.push(Change {
        kind,
        at: at.to_owned(),
        description,
        old_at: place(delta.old_bodies.first()),
        new_at: place(delta.new_bodies.first()),
    });
}

/// The kind and words of the one change of a place's examples.
fn example_change(
    delta: &ExampleDelta<'_>,
    lines_changed: bool,
    had: bool,
    has: bool,
) -> (ChangeKind, String) {
    let (old, new) = (&delta.old_bodies, &delta.new_bodies);
    let mut what = Vec::new();
    match (old.first(), new.first()) {
        (Some((Body::Json(x), _)), Some((Body::Json(y), _))) => {
            what.push(json_differences(x, y, 6).join("; "));
        }
        (Some((Body::Text(_), _)), Some((Body::Json(_), _))) => {
            what.push("a body is JSON now".into());
        }
        (Some((Body::Json(_), _)), Some((Body::Text(_), _))) => {
            what.push("a body is no longer JSON".into());
        }
        (Some(_), Some(_)) => what.push("body text changed (not JSON)".into()),
        _ => {}
    }
    if new.len() > old.len() {
        what.push(format!("{} more example body(ies)", new.len() - old.len()));
    }
    if old.len() > new.len() {
        what.push(format!("{} example body(ies) fewer", old.len() - new.len()));
    }
    if lines_changed {
        what.push(format!(
            "request line {} → {}",
            delta.removed_lines.join(" | "),
            delta.added_lines.join(" | ")
        ));
    }
    match (had, has) {
        (false, _) => (ChangeKind::ExampleAdded, "example added".to_owned()),
        (_, false) => (ChangeKind::ExampleRemoved, "example removed".to_owned()),
        _ if old.is_empty() && !lines_changed => (
            ChangeKind::ExampleAdded,
            format!("{} example body(ies) added", new.len()),
        ),
        _ if new.is_empty() && !lines_changed => (
            ChangeKind::ExampleRemoved,
            format!("{} example body(ies) removed", old.len()),
        ),
        _ => (
            ChangeKind::ExampleChanged,
            format!("example changed: {}", what.join("; ")),
        ),
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

    #[test]
    fn an_example_url_alone_is_a_request_line_without_a_method() {
        let line = |t: &str| request_line(t).map(|l| l.shown());
        assert_eq!(
            line("get  https://h.example/v1/x"),
            Some("GET https://h.example/v1/x".into())
        );
        assert_eq!(
            line("https://h.example/v1/x?id=1"),
            Some("https://h.example/v1/x?id=1".into())
        );
        assert_eq!(
            line("/v1/{project_id}/x"),
            Some("/v1/{project_id}/x".into())
        );
        assert_eq!(line("{endpoint}/v1/x"), Some("{endpoint}/v1/x".into()));
        for not in ["{\"a\": 1}", "None", "/", "{\"url\": \"/v1\"}", "GET"] {
            assert_eq!(line(not), None, "{not}");
        }
        let (a, b, c) = (
            request_line("https://h.example/v1/x").unwrap(),
            request_line("POST https://h.example/v1/x").unwrap(),
            request_line("PUT https://h.example/v1/x").unwrap(),
        );
        assert!(a.same(&b) && b.same(&a) && a.same(&c));
        assert!(!b.same(&c), "two methods given and different");
    }

    #[test]
    fn an_example_url_follows_the_path_it_illustrates() {
        let paths = PathChange {
            old: Some("/old/v2/{project_id}/items/{item_id}?id={id}"),
            new: Some("/v2/{project_id}/things/{item_id}"),
        };
        let carried = |t: &str| paths.carried(&request_line(t).unwrap()).map(|l| l.shown());
        assert_eq!(
            carried("GET https://h.example/old/v2/p1/items/i9?id=7").as_deref(),
            Some("GET https://h.example/v2/p1/things/i9?id=7")
        );
        assert_eq!(
            carried("/old/v2/p1/items/i9").as_deref(),
            Some("/v2/p1/things/i9")
        );
        assert_eq!(carried("https://h.example/other/v2/p1/items/i9"), None);
        assert_eq!(carried("https://h.example/old/v2/p1/items"), None);
        let unchanged = PathChange {
            old: Some("/v1/x"),
            new: Some("/v1/x"),
        };
        assert_eq!(unchanged.carried(&request_line("/v1/x").unwrap()), None);
        let unbound = PathChange {
            old: Some("/v1/x"),
            new: Some("/v1/{id}/x"),
        };
        assert_eq!(unbound.carried(&request_line("/v1/x").unwrap()), None);
    }

    #[test]
    fn repeated_names_pair_by_occurrence() {
        let field = |name: &str| Field {
            name: name.into(),
            ..Field::default()
        };
        let old = [field("name"), field("kind"), field("name"), field("kind")];
        let new = [
            field("kind"),
            field("name"),
            field("extra"),
            field("name"),
            field("name"),
        ];
        assert_eq!(
            occurrence_partners(&old, &new),
            [Some(1), Some(0), None, Some(2), None]
        );
    }
}
