//! The document model into the spec's parts: parameters, request body, responses and their
//! component schemas, with a `# review:` comment wherever the draft guessed or the page and
//! its examples disagree.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::yaml::{MapBuilder, Node};
use crate::model::{DocModel, DocType, Field, IntSize};

/// Request or response: request fields carry `required`, response fields never do (a
/// missing field still decodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Request,
    Response,
}

/// The schemas and notes built so far.
#[derive(Debug, Default)]
pub struct Schemas {
    /// Component schemas by name, in creation order.
    pub components: Vec<(String, Node)>,
    /// The field names of each component, to reuse a component for an identical table.
    signatures: BTreeMap<String, String>,
    /// Places (`response 200 entities.status`) whose schema accepts more than the page's
    /// type (a quirk), so job pointers avoid them.
    pub widened: BTreeSet<String>,
    /// Everything marked for review, for the summary: (place, why).
    pub reviews: Vec<(String, String)>,
    /// The place of the success response's body (`response 200 `), and the name of its
    /// component once made.
    pub root_place: String,
    root: Option<String>,
    /// Fields that stand for the response body itself (a sub-job with the job's structure):
    /// their schema is the root component.
    pub recursive: BTreeSet<String>,
    /// Type departures from the page the draft's source entry accepts: (place, reason).
    pub accepted: Vec<(String, String)>,
}

/// Upper camel case of a field or path name (`sub_jobs` → `SubJobs`).
pub fn pascal(name: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if up {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            up = false;
        } else {
            up = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Schema");
    }
    out
}

/// The singular of an English plural as API names make them (`sub_jobs` → `sub_job`).
pub fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        return format!("{stem}y");
    }
    if name.ends_with("ss") || name.ends_with("us") {
        return name.to_owned();
    }
    name.strip_suffix('s').unwrap_or(name).to_owned()
}

/// A `$ref` to the component schema `name`.
pub fn reference(name: &str) -> Node {
    let mut r = MapBuilder::new();
    r.str("$ref", &format!("#/components/schemas/{name}"));
    r.build()
}

/// What a JSON value is, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether a field name or description says it is a point in time.
pub fn is_time(f: &Field) -> bool {
    let n = f.name.to_ascii_lowercase();
    n.ends_with("_time")
        || n.ends_with("time")
        || n.ends_with("_at")
        || n.ends_with("timestamp")
        || n.ends_with("_date")
        || n == "created"
        || n == "updated"
        || n == "begin"
        || n == "end"
}

/// An ISO 8601 date-time (`2024-11-06T06:19:43.195Z`, `2024-11-06T06:19:43+0800`).
fn iso_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
}

/// The values of `name` in each of `instances` (objects), and the objects an array of them
/// holds.
pub fn values_of<'v>(instances: &[&'v Value], name: &str) -> Vec<&'v Value> {
    instances.iter().filter_map(|o| o.get(name)).collect()
}

/// The objects among values, and the object elements of arrays among them.
pub fn objects_in<'v>(values: &[&'v Value]) -> Vec<&'v Value> {
    let mut out = Vec::new();
    for v in values {
        match v {
            Value::Object(_) => out.push(*v),
            Value::Array(a) => out.extend(a.iter().filter(|e| e.is_object())),
            _ => {}
        }
    }
    out
}

fn str_list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A scalar schema: `type` and `format`.
fn scalar_schema(m: &mut MapBuilder, t: &DocType, type_text: &str) {
    match t {
        DocType::String => {
            m.str("type", "string");
        }
        DocType::Integer(IntSize::Int32) => {
            m.str("type", "integer").str("format", "int32");
        }
        DocType::Integer(IntSize::Int64) => {
            m.str("type", "integer").str("format", "int64");
        }
        DocType::Number => {
            m.str("type", "number");
            let lower = type_text.to_ascii_lowercase();
            if lower.contains("double") {
                m.str("format", "double");
            } else if lower.contains("float") {
                m.str("format", "float");
            }
        }
        DocType::Boolean => {
            m.str("type", "boolean");
        }
        _ => {}
    }
}

/// A schema for what an example shows, where the page gives no type.
fn inferred(values: &[&Value]) -> (MapBuilder, Option<&'static str>) {
    let mut m = MapBuilder::new();
    let kinds: BTreeSet<&str> = values
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| kind(v))
        .collect();
    let what = match kinds.iter().next().copied() {
        Some(k) if kinds.len() == 1 => k,
        _ => return (m, None),
    };
    kind_schema(&mut m, what);
    if values.iter().any(|v| v.is_null()) {
        m.put("nullable", Node::Plain("true".into()));
    }
    (m, Some(what))
}

/// A field whose schema is being made: the page's field and type, the values its examples
/// send, and its place.
struct Typing<'a, 'v> {
    f: &'a Field,
    t: DocType,
    values: &'a [&'v Value],
    non_null: Vec<&'v Value>,
    sends_null: bool,
    place: &'a str,
    /// The field's description, trimmed.
    description: &'a str,
}

impl<'a, 'v> Typing<'a, 'v> {
    /// The field `f` at `place`, whose examples send `values`.
    fn new(f: &'a Field, values: &'a [&'v Value], place: &'a str) -> Self {
        Typing {
            f,
            t: DocType::parse(&f.type_text),
            values,
            non_null: values.iter().copied().filter(|v| !v.is_null()).collect(),
            sends_null: values.iter().any(|v| v.is_null()),
            place,
            description: f.description.trim(),
        }
    }
}

/// Puts a description, unless it is empty.
fn describe(m: &mut MapBuilder, description: &str) {
    if !description.is_empty() {
        m.put("description", Node::Text(description.to_owned()));
    }
}

/// The kinds of value the examples send that the documented type `t` does not say.
fn unexpected_kinds(t: &DocType, non_null: &[&Value]) -> Vec<&'static str> {
    // What the examples send that the documented type does not say.
    let expected: &[&str] = match t {
        DocType::String => &["a string"],
        DocType::Integer(_) => &["an integer"],
        DocType::Number => &["an integer", "a number"],
        DocType::Boolean => &["a boolean"],
        _ => &[],
    };
    let mut others: Vec<&str> = non_null
        .iter()
        .map(|v| kind(v))
        .filter(|k| !expected.is_empty() && !expected.contains(k))
        .collect();
    others.sort_unstable();
    others.dedup();
    others
}

/// The schema of a kind of JSON value (`kind`'s words).
fn kind_schema(m: &mut MapBuilder, kind: &str) {
    match kind {
        "a string" => m.str("type", "string"),
        "an integer" => m.str("type", "integer").str("format", "int64"),
        "a number" => m.str("type", "number"),
        "a boolean" => m.str("type", "boolean"),
        "an array" => m.str("type", "array").put("items", Node::Map(Vec::new())),
        _ => m.str("type", "object"),
    };
}

impl Schemas {
    /// Records why the draft guessed at `place`, and returns it as a comment.
    pub fn review(&mut self, place: &str, why: impl Into<String>) -> String {
        let why = why.into();
        self.reviews.push((place.to_owned(), why.clone()));
        format!("review: {why}")
    }

    /// A component for the object a field table describes; an identical table (same field
    /// names and types) reuses the component of the first.
    #[allow(clippy::too_many_arguments)]
    pub fn object(
        &mut self,
        hint: &str,
        parent: &str,
        fields: &[Field],
        instances: &[&Value],
        place: &str,
        description: &str,
        side: Side,
    ) -> String {
        let signature = signature(fields);
        let base = pascal(hint);
        let mut candidates = vec![base.clone(), format!("{parent}{base}")];
        for i in 2..100 {
            candidates.push(format!("{parent}{base}{i}"));
        }
        let mut chosen = None;
        for c in candidates {
            match self.signatures.get(&c) {
                Some(s) if *s == signature && !signature.is_empty() => return c,
                Some(_) => continue,
                None => {
                    chosen = Some(c);
                    break;
                }
            }
        }
        let name = chosen.unwrap_or_else(|| format!("{parent}{base}X"));
        if place == self.root_place && self.root.is_none() {
            self.root = Some(name.clone());
        }
        self.signatures.insert(name.clone(), signature);
        // Reserve the slot, so nested components come after it.
        let slot = self.components.len();
        self.components.push((name.clone(), Node::Map(Vec::new())));
        let node = self.object_schema(&name, fields, instances, place, description, side);
        self.components[slot].1 = node;
        name
    }

    /// The schema of an object: its properties (and `required` on the request side), with
    /// the keys of its examples the table lacks added and marked.
    fn object_schema(
        &mut self,
        name: &str,
        fields: &[Field],
        instances: &[&Value],
        place: &str,
        description: &str,
        side: Side,
    ) -> Node {
        let mut m = MapBuilder::new();
        m.str("type", "object");
        if !description.trim().is_empty() {
            m.put("description", Node::Text(description.trim().to_owned()));
        }
        let required: Vec<String> = fields
            .iter()
            .filter(|f| side == Side::Request && f.mandatory == Some(true))
            .map(|f| f.name.clone())
            .collect();
        if !required.is_empty() {
            m.put("required", Node::Flow(required));
        }
        let mut props = MapBuilder::new();
        let mut seen = BTreeSet::new();
        for f in fields {
            if !seen.insert(f.name.clone()) {
                let c = self.review(
                    &join(place, &f.name),
                    format!("the table lists `{}` twice; the first is kept", f.name),
                );
                if let Some(e) = props.0.last_mut() {
                    e.comments.push(c);
                }
                continue;
            }
            let values = values_of(instances, &f.name);
            let at = join(place, &f.name);
            let (comments, schema) = self.field(f, &values, name, &at, side);
            props.put_with(comments, &f.name, schema);
        }
        // Keys the examples send that the table does not list.
        let mut extra: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
        // Keys that are a table field with stray spaces (`" status"`): a typo of the page.
        let mut stray: Vec<String> = Vec::new();
        for o in instances {
            if let Some(map) = o.as_object() {
                for (k, v) in map {
                    if !seen.contains(k) && !seen.contains(k.trim()) {
                        extra.entry(k.clone()).or_default().push(v);
                    } else if !seen.contains(k) && !stray.contains(k) {
                        stray.push(k.clone());
                    }
                }
            }
        }
        for k in stray {
            let c = self.review(
                &join(place, k.trim()),
                format!(
                    "an example sends `{k:?}`, the table's `{}` with stray spaces: not a field of its own",
                    k.trim()
                ),
            );
            if let Some(e) = props.0.iter_mut().find(|e| e.key == k.trim()) {
                e.comments.push(c);
            }
        }
        for (k, values) in extra {
            let (schema, what) = inferred(&values);
            let why = match what {
                Some(w) => format!(
                    "`{k}` is in the page's example ({w}) but not in its table; typed from the example"
                ),
                None => format!(
                    "`{k}` is in the page's example but not in its table; any type (the examples disagree or send only null)"
                ),
            };
            let c = self.review(&join(place, &k), why);
            props.put_with(vec![c], &k, schema.build());
        }
        if props.0.is_empty() {
            let c = self.review(place, "no fields: the page describes none");
            m.put_with(vec![c], "properties", Node::Map(Vec::new()));
        } else {
            m.put("properties", props.build());
        }
        m.build()
    }

    /// A field's schema and the comments above its key.
    fn field(
        &mut self,
        f: &Field,
        values: &[&Value],
        parent: &str,
        place: &str,
        side: Side,
    ) -> (Vec<String>, Node) {
        let x = Typing::new(f, values, place);
        let mut comments = Vec::new();
        let mut m = MapBuilder::new();
        match &x.t {
            DocType::Object | DocType::Array(_) | DocType::Unknown(_) if !f.children.is_empty() => {
                return self.table_field(&x, parent, side);
            }
            DocType::Object | DocType::Map => self.open_object(&x, &mut m, &mut comments),
            DocType::Array(inner) => {
                self.untabled_array(&x, inner.as_deref(), &mut m, &mut comments);
            }
            DocType::Unknown(text) => m = self.untyped(&x, text, &mut comments),
            scalar => scalar_schema(&mut m, scalar, &f.type_text),
        }
        self.quirks(&x, &mut m, &mut comments);
        if !x.description.is_empty() && !m.has("description") {
            m.put("description", Node::Text(x.description.to_owned()));
        }
        (comments, m.build())
    }

    /// The schema of a field with a table of its own: a `$ref`, or an array or list of it.
    fn table_field(&mut self, x: &Typing, parent: &str, side: Side) -> (Vec<String>, Node) {
        let array = matches!(x.t, DocType::Array(_))
            || (matches!(x.t, DocType::Unknown(_))
                && x.non_null.iter().all(|v| v.is_array())
                && !x.non_null.is_empty());
        let mut comments = Vec::new();
        let (name, recursive) = self.table_component(x, parent, side, array, &mut comments);
        let reference = reference(&name);
        let arrays = x.non_null.iter().filter(|v| v.is_array()).count();
        let objects_sent = x.non_null.iter().filter(|v| v.is_object()).count();
        if recursive && !array && arrays > 0 {
            return self.recursive_list(x, reference, comments);
        }
        let mut m = MapBuilder::new();
        if array {
            if objects_sent > 0 {
                return self.array_or_one(x, reference, comments);
            }
            m.str("type", "array");
            describe(&mut m, x.description);
            m.put("items", reference);
        } else if arrays > 0 {
            let c = self.review(
                x.place,
                format!(
                    "documented as `{}`, an example sends an array of them: both accepted",
                    x.f.type_text
                ),
            );
            comments.push(c);
            self.widened.insert(x.place.to_owned());
            let mut arr = MapBuilder::new();
            arr.str("type", "array").put("items", reference.clone());
            m.put(
                "oneOf",
                Node::Seq(vec![(vec![], reference), (vec![], arr.build())]),
            );
        } else {
            if x.sends_null {
                let c = self.review(x.place, "an example sends null: nullable");
                comments.push(c);
                m.put("allOf", Node::Seq(vec![(vec![], reference)]));
                m.put("nullable", Node::Plain("true".into()));
                return (comments, m.build());
            }
            return (comments, reference);
        }
        if x.sends_null {
            let c = self.review(x.place, "an example sends null: nullable");
            comments.push(c);
            m.put("nullable", Node::Plain("true".into()));
        }
        (comments, m.build())
    }

    /// The component of a field's table (the body's for a recursive field), and if recursive.
    fn table_component(
        &mut self,
        x: &Typing,
        parent: &str,
        side: Side,
        array: bool,
        comments: &mut Vec<String>,
    ) -> (String, bool) {
        let hint = if array {
            singular(&x.f.name)
        } else {
            x.f.name.clone()
        };
        let objects = objects_in(x.values);
        let body = self
            .root
            .clone()
            .filter(|_| self.recursive.contains(x.place));
        let recursive = body.is_some();
        let name = match body {
            Some(root) => {
                let c = self.review(
                    x.place,
                    format!("its elements have the structure of the whole body: `{root}`"),
                );
                comments.push(c);
                root
            }
            None => self.object(
                &hint,
                parent,
                &x.f.children,
                &objects,
                x.place,
                if array { "" } else { x.description },
                side,
            ),
        };
        (name, recursive)
    }

    /// An array of the body's schema, for a recursive field the examples send as a list.
    fn recursive_list(
        &mut self,
        x: &Typing,
        reference: Node,
        mut comments: Vec<String>,
    ) -> (Vec<String>, Node) {
        // A table pointing back to itself, sent as a list: a list.
        let reason = format!(
            "documented as `{}` pointing back to the response table; the examples send an array of them",
            x.f.type_text
        );
        comments.push(self.review(
            x.place,
            format!("{reason}: an array (accepted in x-cloudjobs-sources)"),
        ));
        self.accepted.push((x.place.to_owned(), reason));
        let mut m = MapBuilder::new();
        m.str("type", "array");
        describe(&mut m, x.description);
        m.put("items", reference);
        (comments, m.build())
    }

    /// An array of a table's objects or one of them, for an array an example sends as one.
    fn array_or_one(
        &mut self,
        x: &Typing,
        reference: Node,
        mut comments: Vec<String>,
    ) -> (Vec<String>, Node) {
        let c = self.review(
            x.place,
            format!(
                "documented as `{}`, an example sends one object: both accepted",
                x.f.type_text
            ),
        );
        comments.push(c);
        self.widened.insert(x.place.to_owned());
        let mut one = MapBuilder::new();
        let mut arr = MapBuilder::new();
        arr.str("type", "array").put("items", reference.clone());
        one.put(
            "oneOf",
            Node::Seq(vec![(vec![], arr.build()), (vec![], reference)]),
        );
        describe(&mut one, x.description);
        (comments, one.build())
    }

    /// An object no table describes: a map's values, or an open object.
    fn open_object(&mut self, x: &Typing, m: &mut MapBuilder, comments: &mut Vec<String>) {
        m.str("type", "object");
        let lower = x.f.type_text.to_ascii_lowercase();
        if lower.starts_with("map") || x.t == DocType::Map {
            if lower.contains("string,string") || lower.contains("string, string") {
                let mut s = MapBuilder::new();
                s.str("type", "string");
                m.put("additionalProperties", s.build());
            } else {
                m.put("additionalProperties", Node::Plain("true".into()));
            }
        } else {
            let c = self.review(
                x.place,
                format!(
                    "`{}` but no table describes its fields: an open object",
                    x.f.type_text
                ),
            );
            comments.push(c);
            m.put("additionalProperties", Node::Plain("true".into()));
        }
    }

    /// An array no table describes: of the scalar `inner` names, else of any element.
    fn untabled_array(
        &mut self,
        x: &Typing,
        inner: Option<&DocType>,
        m: &mut MapBuilder,
        comments: &mut Vec<String>,
    ) {
        m.str("type", "array");
        let mut items = MapBuilder::new();
        match inner {
            Some(DocType::Object) | None => {
                let c = self.review(
                    x.place,
                    format!(
                        "`{}` but no table describes the elements: any element",
                        x.f.type_text
                    ),
                );
                comments.push(c);
            }
            Some(DocType::Unknown(text)) => {
                let c = self.review(
                    x.place,
                    format!("element type `{text}` not understood: any element"),
                );
                comments.push(c);
            }
            Some(inner) => {
                scalar_schema(&mut items, inner, &x.f.type_text);
                if !x.f.values.is_empty() && *inner == DocType::String {
                    items.put("x-extensible-enum", Node::Flow(x.f.values.clone()));
                    let c = self.review(
                        x.place,
                        "the listed values are on the elements (docs check compares them with the array itself)",
                    );
                    comments.push(c);
                }
            }
        }
        m.put("items", items.build());
    }

    /// The schema of a field of no type, or of a type not understood: what its examples send.
    fn untyped(&mut self, x: &Typing, text: &str, comments: &mut Vec<String>) -> MapBuilder {
        let (schema, what) = inferred(&x.non_null);
        let why = match (text.is_empty(), what) {
            (true, Some(w)) => format!("the page gives no type; {w} in its example"),
            (true, None) => "the page gives no type: any type".to_owned(),
            (false, Some(w)) => {
                format!("type `{text}` not understood; {w} in the page's example")
            }
            (false, None) => format!("type `{text}` not understood: any type"),
        };
        let c = self.review(x.place, why);
        comments.push(c);
        schema
    }

    /// Values, timestamps, and what the examples send beyond the documented type.
    fn quirks(&mut self, x: &Typing, m: &mut MapBuilder, comments: &mut Vec<String>) {
        let time = is_time(x.f) && matches!(x.t, DocType::String | DocType::Integer(_));
        let others = unexpected_kinds(&x.t, &x.non_null);
        if !others.is_empty() {
            self.widen(x, &others, time, m, comments);
        } else if time && x.t == DocType::String {
            self.timestamp(x, m, comments);
        }
        if x.sends_null {
            let c = self.review(
                x.place,
                format!(
                    "documented as `{}`, an example sends null: nullable",
                    x.f.type_text.trim()
                ),
            );
            comments.push(c);
            m.put("nullable", Node::Plain("true".into()));
        }
        self.values(x.f, &x.t, &x.non_null, x.place, m, comments);
    }

    /// Makes the schema one of the documented type and the kinds the examples send beyond it.
    fn widen(
        &mut self,
        x: &Typing,
        others: &[&str],
        time: bool,
        m: &mut MapBuilder,
        comments: &mut Vec<String>,
    ) {
        let extra: Vec<Node> = others
            .iter()
            .map(|k| {
                let mut a = MapBuilder::new();
                kind_schema(&mut a, k);
                a.build()
            })
            .collect();
        let base = std::mem::take(m);
        let c = self.review(
            x.place,
            format!(
                "documented as `{}`, an example sends {}: both accepted{}",
                x.f.type_text.trim(),
                others.join(" and "),
                if time {
                    " (epoch milliseconds?), read as a lenient timestamp"
                } else {
                    ""
                }
            ),
        );
        comments.push(c);
        self.widened.insert(x.place.to_owned());
        if time {
            m.put("x-cloudjobs-timestamp", Node::Plain("true".into()));
        }
        let mut alternatives = vec![(vec![], base.build())];
        alternatives.extend(extra.into_iter().map(|n| (vec![], n)));
        m.put("oneOf", Node::Seq(alternatives));
    }

    /// Marks a string field a lenient timestamp, saying so when an example is not ISO 8601.
    fn timestamp(&mut self, x: &Typing, m: &mut MapBuilder, comments: &mut Vec<String>) {
        m.put("x-cloudjobs-timestamp", Node::Plain("true".into()));
        let odd: Vec<&str> = x
            .non_null
            .iter()
            .filter_map(|v| v.as_str())
            .filter(|s| !s.is_empty() && !iso_like(s))
            .collect();
        if let Some(first) = odd.first() {
            let c = self.review(
                x.place,
                format!(
                    "an example sends `{first}`, not ISO 8601: a lenient timestamp (no format: date-time)"
                ),
            );
            comments.push(c);
        } else if x.non_null.iter().any(|v| v.as_str() == Some("")) {
            let c = self.review(x.place, "an example sends \"\": a lenient timestamp");
            comments.push(c);
        }
    }

    /// The documented values: `x-extensible-enum` on strings (plus the values the examples
    /// send beyond them), `enum` on numbers.
    fn values(
        &mut self,
        f: &Field,
        t: &DocType,
        non_null: &[&Value],
        place: &str,
        m: &mut MapBuilder,
        comments: &mut Vec<String>,
    ) {
        if f.values.is_empty() {
            return;
        }
        match t {
            DocType::String | DocType::Unknown(_) if !m.has("oneOf") => {
                let mut list = f.values.clone();
                let sent: Vec<String> = non_null
                    .iter()
                    .filter_map(|v| v.as_str())
                    .filter(|s| !list.iter().any(|l| l == s))
                    .map(str::to_owned)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if !sent.is_empty() {
                    let c = self.review(
                        place,
                        format!(
                            "the examples also send {}, which the page does not list: added",
                            str_list(&sent)
                        ),
                    );
                    comments.push(c);
                    list.extend(sent);
                }
                if !m.has("type") {
                    m.str("type", "string");
                }
                m.put("x-extensible-enum", Node::Flow(list));
            }
            DocType::Integer(_) | DocType::Number if !m.has("oneOf") => {
                let numbers: Option<Vec<String>> = f
                    .values
                    .iter()
                    .map(|v| {
                        v.parse::<f64>()
                            .ok()
                            .filter(|_| matches!(t, DocType::Number) || v.parse::<i64>().is_ok())
                            .map(|_| v.clone())
                    })
                    .collect();
                match numbers {
                    Some(list) => {
                        let c = self.review(
                            place,
                            format!(
                                "values {} as a closed `enum` (only strings take x-extensible-enum); widen it if servers send more",
                                str_list(&list)
                            ),
                        );
                        comments.push(c);
                        m.put("enum", Node::Plain(format!("[{}]", list.join(", "))));
                    }
                    None => {
                        let c = self.review(
                            place,
                            format!(
                                "the page lists {} for a `{}`: not numbers, kept in the description only (docs check reports them)",
                                str_list(&f.values),
                                f.type_text
                            ),
                        );
                        comments.push(c);
                    }
                }
            }
            _ => {
                let c = self.review(
                    place,
                    format!(
                        "the page lists {}; not kept as an enum of this schema",
                        str_list(&f.values)
                    ),
                );
                comments.push(c);
            }
        }
    }

    /// A parameter's schema.
    pub fn parameter_schema(
        &mut self,
        type_text: &str,
        values: &[String],
        place: &str,
    ) -> (Vec<String>, Node) {
        let t = DocType::parse(type_text);
        let mut m = MapBuilder::new();
        let mut comments = Vec::new();
        match &t {
            DocType::Unknown(text) => {
                m.str("type", "string");
                let why = if text.is_empty() {
                    "the page gives no type: string".to_owned()
                } else {
                    format!("type `{text}` not understood: string")
                };
                comments.push(self.review(place, why));
            }
            DocType::Array(inner) => {
                m.str("type", "array");
                let mut items = MapBuilder::new();
                match inner.as_deref() {
                    Some(
                        i @ (DocType::String
                        | DocType::Integer(_)
                        | DocType::Number
                        | DocType::Boolean),
                    ) => scalar_schema(&mut items, i, type_text),
                    _ => {
                        items.str("type", "string");
                        comments.push(self.review(place, "array elements typed as strings"));
                    }
                }
                m.put("items", items.build());
            }
            DocType::Object | DocType::Map => {
                m.str("type", "string");
                comments
                    .push(self.review(place, format!("`{type_text}` parameter: sent as a string")));
            }
            scalar => scalar_schema(&mut m, scalar, type_text),
        }
        let field = Field {
            name: String::new(),
            type_text: type_text.to_owned(),
            values: values.to_vec(),
            ..Field::default()
        };
        let t = if matches!(t, DocType::Unknown(_)) {
            DocType::String
        } else {
            t
        };
        self.values(&field, &t, &[], place, &mut m, &mut comments);
        (comments, m.build())
    }
}

/// The field names and types of a table, to tell identical tables.
fn signature(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}({})",
                f.name,
                f.type_text,
                f.values.join("|"),
                signature(&f.children)
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `entities.status`.
pub fn join(parent: &str, name: &str) -> String {
    if parent.ends_with(' ') || parent.is_empty() {
        format!("{parent}{name}")
    } else {
        format!("{parent}.{name}")
    }
}

/// The JSON bodies of a response's examples.
pub fn example_bodies(model: &DocModel, status: &str) -> Vec<Value> {
    model
        .response(status)
        .map(|r| r.examples.iter().filter_map(|e| e.json.clone()).collect())
        .unwrap_or_default()
}
