//! The comparison of `docs draft --eval`: a drafted spec against the hand-written one, item
//! by item. Each side is read into facts by category and place (the places `docs check`
//! prints, so a spec's `accepted` entries name them): the call and every parameter (where,
//! required, type), every request and response field (by path, arrays left out: type and
//! required), every value list, every status, the examples of each status (JSON-equal, as a
//! set), and the `x-cloudjobs-job` pointers and state lists. An item is right when both sides
//! have it and agree, wrong when one lacks it or they differ, and *excused* when it is wrong
//! at a place where the hand-written spec deliberately departs from its page (an `accepted`
//! entry of a kind that covers the difference): excused items are left out of the share.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::model::json_eq;
use cloudjobs_codegen::model::{Doc, Node, meaning};

use crate::spec::{Accepted, Shape, child, normalize_path, pointer_fields, resolve, resolve_at};

/// What an item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The method and path, and every parameter: where, required, type.
    Parameters,
    /// Request and response fields and response headers: type and required.
    Fields,
    /// The values listed for a field or parameter.
    Enums,
    /// The documented statuses.
    Statuses,
    /// The examples of a status (or of the request).
    Examples,
    /// The `x-cloudjobs-job` pointers (and the id and project parameters).
    JobPointers,
    /// The `x-cloudjobs-job` state lists.
    JobStates,
}

/// Every category, in table order.
pub const CATEGORIES: [Category; 7] = [
    Category::Parameters,
    Category::Fields,
    Category::Enums,
    Category::Statuses,
    Category::Examples,
    Category::JobPointers,
    Category::JobStates,
];

impl Category {
    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            Category::Parameters => "parameters",
            Category::Fields => "fields",
            Category::Enums => "enums",
            Category::Statuses => "statuses",
            Category::Examples => "examples",
            Category::JobPointers => "job pointers",
            Category::JobStates => "job states",
        }
    }
}

/// How an item came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// Both sides have it and agree.
    Right,
    /// One side lacks it, or they differ.
    Wrong,
    /// Wrong where the hand-written spec deliberately departs from its page.
    Excused,
}

/// One compared item.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// What it is about.
    pub category: Category,
    /// Where: `parameter path job_id`, `response 200 entities.status`, `job status`.
    pub at: String,
    /// The outcome.
    pub mark: Mark,
    /// For a wrong or excused item: how the sides differ (and the accepted reason).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// One side's value at a place.
#[derive(Debug, Clone)]
enum Fact {
    Text(String),
    Examples(Vec<Value>),
}

impl Fact {
    fn same(&self, other: &Fact) -> bool {
        match (self, other) {
            (Fact::Text(a), Fact::Text(b)) => a == b,
            (Fact::Examples(a), Fact::Examples(b)) => {
                a.iter().all(|x| b.iter().any(|y| json_eq(x, y)))
                    && b.iter().all(|y| a.iter().any(|x| json_eq(x, y)))
            }
            _ => false,
        }
    }

    fn show(&self) -> String {
        match self {
            Fact::Text(t) => t.clone(),
            Fact::Examples(e) => format!("{} example(s)", e.len()),
        }
    }
}

/// Everything one side says, by category and place.
#[derive(Debug, Default)]
pub struct Facts(BTreeMap<(Category, String), Fact>);

impl Facts {
    fn text(&mut self, c: Category, at: impl Into<String>, t: impl Into<String>) {
        self.0.insert((c, at.into()), Fact::Text(t.into()));
    }
}

/// An operation of a spec: method, path, the operation and its path item.
#[derive(Debug, Clone, Copy)]
pub struct Op<'a> {
    /// `get`.
    pub method: &'a str,
    /// The path template.
    pub path: &'a str,
    /// The operation object.
    pub op: &'a Value,
    /// Its path item.
    pub item: &'a Value,
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// The operation with that operationId (`None`: the first one).
pub fn operation<'a>(raw: &'a Value, id: Option<&str>) -> Option<Op<'a>> {
    let mut all = Vec::new();
    for (path, item) in raw.get("paths")?.as_object()? {
        let item = resolve(raw, item);
        for (method, op) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&method.as_str()) {
                all.push(Op {
                    method,
                    path,
                    op,
                    item,
                });
            }
        }
    }
    let named = id.and_then(|id| {
        all.iter()
            .find(|o| o.op.get("operationId").and_then(Value::as_str) == Some(id))
            .copied()
    });
    named.or_else(|| all.first().copied())
}

/// The types a schema accepts, for comparison: `string or null`, `array of integer (int32)`.
fn types(doc: &Doc<'_>, node: &Node) -> String {
    let shape = Shape::of(doc, node);
    let mut t = shape.describe_types();
    if let Some(first) = shape.items.first() {
        t.push_str(&format!(" of {}", Shape::of(doc, first).describe_types()));
    }
    t
}

/// The values a schema lists (on the elements, for an array), sorted.
fn values(doc: &Doc<'_>, node: &Node) -> Option<String> {
    let shape = Shape::of(doc, node);
    let values = match shape.values {
        Some(v) => v,
        None => shape
            .items
            .iter()
            .filter_map(|i| Shape::of(doc, i).values)
            .next()?,
    };
    (!values.is_empty()).then(|| values.into_iter().collect::<Vec<_>>().join(", "))
}

/// The properties of an object schema, and of the elements of an array schema.
fn properties(doc: &Doc<'_>, node: &Node, depth: usize) -> Vec<crate::spec::Property> {
    let shape = Shape::of(doc, node);
    let mut out = shape.properties.clone();
    if depth < 4 {
        for item in &shape.items {
            out.extend(properties(doc, item, depth + 1));
        }
    }
    out
}

/// Every field below a schema: `prefix` is `response 200 ` or `request `; `on_the_way`
/// holds the schemas above, by where they live (a recursive type is walked once).
fn fields(
    doc: &Doc<'_>,
    node: &Node,
    prefix: &str,
    path: &str,
    on_the_way: &mut Vec<String>,
    f: &mut Facts,
) {
    let mut mine = Vec::new();
    targets(doc, node, 0, &mut mine);
    if on_the_way.len() > 64 || mine.iter().any(|m| on_the_way.contains(m)) {
        return;
    }
    let before = on_the_way.len();
    on_the_way.extend(mine);
    for p in properties(doc, node, 0) {
        let dotted = if path.is_empty() {
            p.name.clone()
        } else {
            format!("{path}.{}", p.name)
        };
        let at = format!("{prefix}{dotted}");
        let required = if p.required { "required" } else { "optional" };
        f.text(
            Category::Fields,
            at.clone(),
            format!("{}, {required}", types(doc, &p.node)),
        );
        if let Some(v) = values(doc, &p.node) {
            f.text(Category::Enums, at, v);
        }
        fields(doc, &p.node, prefix, &dotted, on_the_way, f);
    }
    on_the_way.truncate(before);
}

/// Where the schemas a schema stands for live: itself, a wrapper's member, the alternatives
/// of a union and the elements of an array (to stop at a schema already on the way).
fn targets(doc: &Doc<'_>, node: &Node, depth: usize, out: &mut Vec<String>) {
    let m = meaning(doc, node);
    out.push(node.pointer().to_owned());
    out.push(m.pointer().to_owned());
    if depth > 4 {
        return;
    }
    for member in m.members().iter().chain(m.items()) {
        targets(doc, member, depth + 1, out);
    }
}

/// The examples of a content map: each media type's `example` and `examples.*.value`.
fn examples(raw: &Value, content: Option<&Value>) -> Vec<Value> {
    let mut out = Vec::new();
    for media in content.and_then(Value::as_object).into_iter().flatten() {
        let media = resolve(raw, media.1);
        if let Some(e) = media.get("example") {
            out.push(e.clone());
        }
        for e in media
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(v) = resolve(raw, e.1).get("value") {
                out.push(v.clone());
            }
        }
    }
    out
}

/// The schemas of the content map of the object at `at` (every media type), where they live.
fn schemas(raw: &Value, at: &str) -> Vec<String> {
    let content = child(at, "content");
    let Some((content, map)) = resolve_at(raw, &content) else {
        return Vec::new();
    };
    (map.as_object().into_iter().flatten())
        .filter_map(|(media, _)| resolve_at(raw, &child(&content, media)))
        .filter(|(_, m)| m.get("schema").is_some())
        .map(|(media, _)| child(&media, "schema"))
        .collect()
}

/// Where the operation's path item and the operation live.
fn pointers(raw: &Value, o: &Op) -> (String, String) {
    let at = child("#/paths", o.path);
    let item = resolve_at(raw, &at).map_or(at, |(p, _)| p);
    let op = child(&item, o.method);
    (item, op)
}

fn parameters(raw: &Value, doc: &Doc<'_>, o: &Op, f: &mut Facts) {
    let path = normalize_path(o.path);
    f.text(
        Category::Parameters,
        "path",
        format!("{} {path}", o.method.to_ascii_uppercase()),
    );
    let (item_at, op_at) = pointers(raw, o);
    let listed = [(o.item, item_at), (o.op, op_at)]
        .into_iter()
        .flat_map(|(v, at)| {
            let count = v
                .get("parameters")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            (0..count).map(move |i| child(&child(&at, "parameters"), &i.to_string()))
        });
    for at in listed {
        let Some((pointer, p)) = resolve_at(raw, &at) else {
            continue;
        };
        let (Some(name), Some(location)) = (
            p.get("name").and_then(Value::as_str),
            p.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        let name = if location == "header" {
            name.to_ascii_lowercase()
        } else {
            name.to_owned()
        };
        let at = format!("parameter {location} {name}");
        let required = p.get("required").and_then(Value::as_bool) == Some(true);
        let schema = doc.node(&child(&pointer, "schema"));
        let required = if required { "required" } else { "optional" };
        f.text(
            Category::Parameters,
            at.clone(),
            format!("{}, {required}", types(doc, &schema)),
        );
        if let Some(v) = values(doc, &schema) {
            f.text(Category::Enums, at, v);
        }
    }
}

fn bodies(raw: &Value, doc: &Doc<'_>, o: &Op, f: &mut Facts) {
    let (_, op_at) = pointers(raw, o);
    if let Some((body_at, body)) = resolve_at(raw, &child(&op_at, "requestBody")) {
        let content = body.get("content");
        for s in schemas(raw, &body_at) {
            fields(doc, &doc.node(&s), "request ", "", &mut Vec::new(), f);
        }
        let e = examples(raw, content);
        if !e.is_empty() {
            f.0.insert(
                (Category::Examples, "example request".into()),
                Fact::Examples(e),
            );
        }
    }
    let responses = o.op.get("responses").and_then(Value::as_object);
    for status in responses.into_iter().flat_map(|r| r.keys()) {
        let at = child(&child(&op_at, "responses"), status);
        let Some((at, r)) = resolve_at(raw, &at) else {
            continue;
        };
        f.text(Category::Statuses, format!("status {status}"), "listed");
        let content = r.get("content");
        for s in schemas(raw, &at) {
            fields(
                doc,
                &doc.node(&s),
                &format!("response {status} "),
                "",
                &mut Vec::new(),
                f,
            );
        }
        for name in r
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|h| h.keys())
        {
            let Some((h_at, h)) = resolve_at(raw, &child(&child(&at, "headers"), name)) else {
                continue;
            };
            let schema = doc.node(&child(&h_at, "schema"));
            let required = h.get("required").and_then(Value::as_bool) == Some(true);
            let at = format!("response {status} header {}", name.to_ascii_lowercase());
            let required = if required { "required" } else { "optional" };
            f.text(
                Category::Fields,
                at,
                format!("{}, {required}", types(doc, &schema)),
            );
        }
        let e = examples(raw, content);
        if !e.is_empty() {
            f.0.insert(
                (Category::Examples, format!("example response {status}")),
                Fact::Examples(e),
            );
        }
    }
}

const STATES: [&str; 4] = ["pending", "running", "succeeded", "failed"];

/// A state list as a sorted set.
fn state_list(v: Option<&Value>) -> Option<String> {
    let list = v?.as_array()?;
    let set: BTreeSet<String> = list
        .iter()
        .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
        .collect();
    Some(format!(
        "[{}]",
        set.into_iter().collect::<Vec<_>>().join(", ")
    ))
}

/// A pointer (or parameter name, or list of pointers) as text.
fn pointer_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => {
            let set: BTreeSet<String> = a.iter().map(pointer_text).collect();
            set.into_iter().collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// The `x-cloudjobs-job` facts; `confirm` is left out (it says how an API behaves, which no
/// page tells).
fn job(o: &Op, f: &mut Facts) {
    let Some(job) = o.op.get("x-cloudjobs-job") else {
        return;
    };
    for key in [
        "status",
        "id",
        "progress",
        "error_code",
        "error_reason",
        "resources",
    ] {
        if let Some(v) = job.get(key) {
            f.text(Category::JobPointers, format!("job {key}"), pointer_text(v));
        }
    }
    for (key, default) in [("job_id_param", "job_id"), ("project_param", "project_id")] {
        let v = job.get(key).and_then(Value::as_str).unwrap_or(default);
        f.text(Category::JobPointers, format!("job {key}"), v);
    }
    let mut lists = BTreeMap::new();
    for key in STATES {
        let list = state_list(job.get(key)).unwrap_or_else(|| "[]".into());
        f.text(Category::JobStates, format!("job {key}"), list.clone());
        lists.insert(key, list);
    }
    let Some(sub) = job.get("subtasks") else {
        return;
    };
    for key in [
        "items",
        "status",
        "total",
        "id",
        "name",
        "error_code",
        "error_reason",
    ] {
        if let Some(v) = sub.get(key) {
            f.text(
                Category::JobPointers,
                format!("job subtasks.{key}"),
                pointer_text(v),
            );
        }
    }
    for key in STATES {
        let list = state_list(sub.get(key)).unwrap_or_else(|| lists[key].clone());
        f.text(Category::JobStates, format!("job subtasks.{key}"), list);
    }
}

/// What a spec says about one of its operations; its schemas read as the generator reads
/// them. A spec the generator cannot load says nothing.
pub fn facts(raw: &Value, o: &Op) -> Facts {
    let mut f = Facts::default();
    let Ok(document) = cloudjobs_codegen::load::load_value(raw.clone(), "spec") else {
        return f;
    };
    let doc = Doc::new(&document);
    parameters(raw, &doc, o, &mut f);
    bodies(raw, &doc, o, &mut f);
    job(o, &mut f);
    f
}

/// How an item is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrong {
    /// The hand-written spec has it, the draft not.
    Lacking,
    /// The draft has it, the hand-written spec not.
    Beyond,
    /// Both have it, differently.
    Differs,
}

/// Whether an accepted entry's kind covers the difference.
fn kind_covers(kind: Option<&str>, c: Category, how: Wrong) -> bool {
    let Some(kind) = kind else {
        return true;
    };
    let own = match c {
        Category::Statuses => "status",
        Category::Examples => "example",
        Category::Enums => "enum",
        _ => "",
    };
    if kind == own {
        return true;
    }
    match how {
        Wrong::Lacking => kind == "extra",
        Wrong::Beyond => kind == "missing",
        Wrong::Differs => {
            matches!(c, Category::Fields | Category::Parameters)
                && matches!(kind, "type" | "mandatory" | "path")
        }
    }
}

/// Whether an accepted place covers `at`: the place itself, a field below an accepted
/// field, or anything of a status accepted as a whole.
fn place_covers(a: &Accepted, at: &str, c: Category, how: Wrong) -> bool {
    let place = a.at.trim().to_ascii_lowercase();
    let at = at.to_ascii_lowercase();
    let kind = a.kind.as_deref();
    if place == at {
        return kind_covers(kind, c, how);
    }
    let whole = matches!(kind, None | Some("extra" | "missing"));
    if whole && (at.starts_with(&format!("{place}.")) || at.starts_with(&format!("{place} "))) {
        return true;
    }
    if let Some(status) = place.strip_prefix("status ") {
        let whole = whole || kind == Some("status");
        return whole
            && (at.starts_with(&format!("response {status} "))
                || at == format!("example response {status}"));
    }
    false
}

/// The body field a pointer names (`/tasks/0/id` → `response 200 tasks.id`).
fn pointer_place(pointer: &str) -> String {
    format!("response 200 {}", pointer_fields(pointer).join("."))
}

/// A job pointer that is wrong only because the hand-written spec's pointers name fields
/// beyond the page (excused fields the draft cannot have): the reason.
fn beyond_the_page(t: &Fact, d: Option<&Fact>, beyond: &BTreeSet<String>) -> Option<String> {
    let Fact::Text(t) = t else {
        return None;
    };
    let (removed, rest): (Vec<&str>, Vec<&str>) = t
        .split(", ")
        .partition(|p| beyond.contains(&pointer_place(p)));
    if removed.is_empty() {
        return None;
    }
    // Pointers to those fields are set aside on both sides.
    let same = match d {
        Some(Fact::Text(d)) => {
            let kept: Vec<&str> = d
                .split(", ")
                .filter(|p| !beyond.contains(&pointer_place(p)))
                .collect();
            rest == kept
        }
        Some(_) => false,
        None => rest.is_empty(),
    };
    same.then(|| {
        format!(
            "the spec's {} name(s) fields beyond the page",
            removed.join(", ")
        )
    })
}

/// The draft's examples are the page's: when the spec has each of them and more, the more
/// come from elsewhere (an older edition, an SDK).
fn more_examples(t: Option<&Fact>, d: Option<&Fact>) -> Option<String> {
    let (Some(Fact::Examples(t)), Some(Fact::Examples(d))) = (t, d) else {
        return None;
    };
    d.iter()
        .all(|x| t.iter().any(|y| json_eq(x, y)))
        .then(|| "the spec has every example of the page, and more from elsewhere".into())
}

/// The comparison of a draft's facts with the hand-written spec's.
pub fn compare(truth: &Facts, draft: &Facts, accepted: &[Accepted]) -> Vec<Item> {
    let keys: BTreeSet<&(Category, String)> = truth.0.keys().chain(draft.0.keys()).collect();
    let mut items = Vec::new();
    // Fields the spec has beyond the page (excused, the draft lacks them); categories come
    // in order, so these are known before the job pointers.
    let mut beyond = BTreeSet::new();
    for key in keys {
        let (c, at) = key;
        let (t, d) = (truth.0.get(key), draft.0.get(key));
        let (how, detail) = match (t, d) {
            (Some(t), Some(d)) if t.same(d) => {
                items.push(Item {
                    category: *c,
                    at: at.clone(),
                    mark: Mark::Right,
                    detail: String::new(),
                });
                continue;
            }
            (Some(t), Some(d)) => (
                Wrong::Differs,
                format!("draft {}, spec {}", d.show(), t.show()),
            ),
            (Some(t), None) => (
                Wrong::Lacking,
                format!("not in the draft (spec {})", t.show()),
            ),
            (None, Some(d)) => (
                Wrong::Beyond,
                format!("not in the spec (draft {})", d.show()),
            ),
            (None, None) => continue,
        };
        let reason = accepted
            .iter()
            .find(|a| place_covers(a, at, *c, how))
            .map(|a| a.reason.clone())
            .or_else(|| {
                t.filter(|_| *c == Category::JobPointers)
                    .and_then(|t| beyond_the_page(t, d, &beyond))
            })
            .or_else(|| more_examples(t, d));
        if reason.is_some() && *c == Category::Fields && how == Wrong::Lacking {
            beyond.insert(at.clone());
        }
        items.push(Item {
            category: *c,
            at: at.clone(),
            mark: if reason.is_some() {
                Mark::Excused
            } else {
                Mark::Wrong
            },
            detail: match reason {
                Some(r) => format!("{detail}; accepted: {r}"),
                None => detail,
            },
        });
    }
    items
}

/// Right, wrong and excused items of a category (`None`: every category).
pub fn count(items: &[Item], c: Option<Category>) -> (usize, usize, usize) {
    let mut n = (0, 0, 0);
    for i in items.iter().filter(|i| c.is_none_or(|c| i.category == c)) {
        match i.mark {
            Mark::Right => n.0 += 1,
            Mark::Wrong => n.1 += 1,
            Mark::Excused => n.2 += 1,
        }
    }
    n
}

#[cfg(test)]
mod tests;
