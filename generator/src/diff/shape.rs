//! What a schema node means for the comparison: its JSON type, flags, values and constraints
//! as written, and its shape (object, union, merged `allOf`, wrapper seen through) as
//! lowering decides it: [`classify`] and [`merge_all_of`] are the generator's own, so the
//! diff sees every schema the way the generated code does.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use openapiv3::{AdditionalProperties, Schema};
use serde_json::Value;

use crate::error::child;
use crate::extensions::{EXTENSIBLE_ENUM, TIMESTAMP};
use crate::load::{Document, follow, resolve_pointer};
use crate::lower::refs::Refs;
use crate::lower::schema::{AllOf, AllOfShape, Class, classify, merge_all_of};

/// Schemas nested deeper than this are not compared (a guard, not a limit real specs reach).
pub(crate) const MAX_DEPTH: usize = 48;

static NULL: Value = Value::Null;

/// One version of a document, read by the comparison: the raw tree, and typed nodes read
/// through lowering's own reference reader.
pub(crate) struct Doc<'a> {
    pub(crate) doc: &'a Document,
    refs: RefCell<Refs<'a>>,
}

impl<'a> Doc<'a> {
    pub(crate) fn new(doc: &'a Document) -> Self {
        Self {
            doc,
            refs: RefCell::new(Refs::new(doc)),
        }
    }

    pub(crate) fn raw(&self) -> &'a Value {
        &self.doc.raw
    }

    /// Runs `f` with the document's reference reader.
    pub(crate) fn with_refs<T>(&self, f: impl FnOnce(&mut Refs<'a>) -> T) -> T {
        f(&mut self.refs.borrow_mut())
    }

    /// The typed schema at a node (`None` when it is not one).
    fn typed(&self, node: &Node<'_>) -> Option<Rc<Schema>> {
        self.refs.borrow_mut().at(&node.pointer)
    }

    /// The node a pointer names, `$ref`s followed.
    pub(crate) fn node(&self, pointer: &str) -> Node<'a> {
        let value = resolve_pointer(self.raw(), pointer).unwrap_or(&NULL);
        resolve(self.raw(), value, pointer)
    }
}

/// A schema node after following `$ref`s: its value and where it lives.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub(crate) value: &'a Value,
    pub(crate) pointer: String,
}

impl Node<'_> {
    /// Nothing, at `pointer` (an absent schema).
    pub(crate) fn missing(pointer: String) -> Self {
        Node {
            value: &NULL,
            pointer,
        }
    }
}

/// Follows `$ref` chains from `value` (found at `pointer`) inside the document `raw`.
pub(crate) fn resolve<'a>(raw: &'a Value, value: &'a Value, pointer: &str) -> Node<'a> {
    let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
        return Node {
            value,
            pointer: pointer.to_owned(),
        };
    };
    match follow(raw, reference, pointer) {
        Ok((pointer, value)) => Node { value, pointer },
        Err(_) => Node::missing(pointer.to_owned()),
    }
}

/// The name of a component schema (`#/components/schemas/Job` → `Job`), when the pointer is
/// one.
pub(crate) fn component_name(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("#/components/schemas/")?;
    (!rest.contains('/')).then(|| crate::lower::last_token(pointer))
}

/// What a schema is, as far as the wire goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Any,
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
    OneOf,
    AnyOf,
    Not,
    /// An `allOf` of objects and non-objects: not one shape.
    Mixed,
}

impl Kind {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Kind::Any => "any value",
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Array => "array",
            Kind::Object => "object",
            Kind::OneOf => "oneOf",
            Kind::AnyOf => "anyOf",
            Kind::Not => "not",
            Kind::Mixed => "allOf of mixed schemas",
        }
    }
}

/// `additionalProperties`.
#[derive(Debug, Clone)]
pub(crate) enum Additional<'a> {
    Unspecified,
    Allowed(bool),
    Schema(Node<'a>),
}

/// The constraints compared, and whether a larger value accepts fewer values.
pub(crate) const CONSTRAINTS: &[(&str, Bound)] = &[
    ("minLength", Bound::Lower),
    ("maxLength", Bound::Upper),
    ("pattern", Bound::Other),
    ("minimum", Bound::Lower),
    ("maximum", Bound::Upper),
    ("exclusiveMinimum", Bound::Flag),
    ("exclusiveMaximum", Bound::Flag),
    ("multipleOf", Bound::Multiple),
    ("minItems", Bound::Lower),
    ("maxItems", Bound::Upper),
    ("uniqueItems", Bound::Flag),
    ("minProperties", Bound::Lower),
    ("maxProperties", Bound::Upper),
];

#[derive(Clone, Copy)]
pub(crate) enum Bound {
    Lower,
    Upper,
    Flag,
    Multiple,
    Other,
}

/// A schema's meaning, with `allOf` merged.
#[derive(Debug, Clone)]
pub(crate) struct Eff<'a> {
    pub(crate) pointer: String,
    pub(crate) kind: Kind,
    pub(crate) format: Option<String>,
    pub(crate) timestamp: bool,
    pub(crate) nullable: bool,
    /// `enum` values (without `null`), or the `x-extensible-enum` values.
    pub(crate) values: Vec<Value>,
    /// The values are `x-extensible-enum`: other values may appear.
    pub(crate) open: bool,
    pub(crate) props: Vec<(String, Node<'a>)>,
    pub(crate) required: BTreeSet<String>,
    pub(crate) additional: Additional<'a>,
    pub(crate) items: Option<Node<'a>>,
    pub(crate) members: Vec<Node<'a>>,
    /// The alternatives in a few words (component names, or their types).
    pub(crate) member_words: Vec<String>,
    pub(crate) discriminator: Option<String>,
    pub(crate) constraints: Vec<(&'static str, Value)>,
    pub(crate) default: Option<Value>,
    pub(crate) read_only: bool,
    pub(crate) write_only: bool,
    pub(crate) deprecated: bool,
}

impl Eff<'_> {
    fn empty(pointer: &str) -> Self {
        Self {
            pointer: pointer.to_owned(),
            kind: Kind::Any,
            format: None,
            timestamp: false,
            nullable: false,
            values: Vec::new(),
            open: false,
            props: Vec::new(),
            required: BTreeSet::new(),
            additional: Additional::Unspecified,
            items: None,
            members: Vec::new(),
            member_words: Vec::new(),
            discriminator: None,
            constraints: Vec::new(),
            default: None,
            read_only: false,
            write_only: false,
            deprecated: false,
        }
    }

    /// Type, format and enum in a few words (`string (date-time)`, `enum [A, B]`).
    pub(crate) fn summary(&self) -> String {
        let mut s = self.kind.word().to_owned();
        if !self.member_words.is_empty() {
            s = format!("{s} [{}]", self.member_words.join(" | "));
        }
        if self.timestamp {
            s = "timestamp".into();
        }
        if let Some(f) = &self.format {
            s.push_str(&format!(" ({f})"));
        }
        if !self.values.is_empty() {
            let open = if self.open {
                "extensible enum "
            } else {
                "enum "
            };
            s.push_str(&format!(" {open}[{}]", values_text(&self.values)));
        }
        if self.nullable {
            s.push_str(", nullable");
        }
        s
    }
}

pub(crate) fn values_text(values: &[Value]) -> String {
    values.iter().map(value_text).collect::<Vec<_>>().join(", ")
}

/// A JSON value in a message: strings bare, others as JSON.
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// What the schema at `node` means: its own keywords, in the shape lowering gives it.
pub(crate) fn effective<'a>(doc: &Doc<'a>, node: &Node<'a>, depth: usize) -> Eff<'a> {
    let Some(map) = node.value.as_object() else {
        return Eff::empty(&node.pointer);
    };
    let mut e = keywords(doc, node, map);
    let Some(schema) = doc.typed(node) else {
        return e;
    };
    let deeper = depth < MAX_DEPTH;
    match classify(&schema) {
        Class::Object { .. } => e.kind = Kind::Object,
        Class::Union(keyword, _) => {
            let members = members(doc, &node.pointer, map, keyword);
            e.member_words = members
                .iter()
                .map(|m| match component_name(&m.pointer) {
                    Some(name) => name,
                    None if deeper => effective(doc, m, depth + 1).summary(),
                    None => Kind::Any.word().to_owned(),
                })
                .collect();
            e.members = members;
            e.kind = if keyword == "anyOf" {
                Kind::AnyOf
            } else {
                Kind::OneOf
            };
        }
        Class::Single(_, keyword) if deeper => {
            let only = doc.node(&child(&node.pointer, &[keyword, "0"]));
            return overlay(effective(doc, &only, depth + 1), e);
        }
        Class::AllOf(members, extra) if deeper => {
            let merged = merge_all_of(&mut doc.refs.borrow_mut(), members, extra, &node.pointer);
            return match merged {
                Ok(merged) => merged_all_of(doc, e, &merged, depth),
                Err(_) => overlay(Eff::empty(&node.pointer), e),
            };
        }
        _ => e.kind = json_type(map, &e),
    }
    e
}

/// The keywords of one schema object as written (no shape decided yet).
fn keywords<'a>(
    doc: &Doc<'a>,
    node: &Node<'a>,
    map: &'a serde_json::Map<String, Value>,
) -> Eff<'a> {
    let p = &node.pointer;
    let mut e = Eff::empty(p);
    let flag = |k: &str| map.get(k).and_then(Value::as_bool).unwrap_or(false);
    e.nullable = flag("nullable");
    e.read_only = flag("readOnly");
    e.write_only = flag("writeOnly");
    e.deprecated = flag("deprecated");
    e.timestamp = map.get(TIMESTAMP) == Some(&Value::Bool(true));
    e.format = map.get("format").and_then(Value::as_str).map(str::to_owned);
    e.default = map.get("default").cloned();
    e.discriminator = map
        .get("discriminator")
        .and_then(|d| d.get("propertyName"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(Value::Array(values)) = map.get("enum") {
        e.values = values.iter().filter(|v| !v.is_null()).cloned().collect();
    }
    if e.values.is_empty() {
        if let Some(Value::Array(values)) = map.get(EXTENSIBLE_ENUM) {
            e.values = values.to_vec();
            e.open = !e.values.is_empty();
        }
    }
    e.constraints = constraints(map);
    if let Some(Value::Object(props)) = map.get("properties") {
        for (name, schema) in props {
            let at = child(p, &["properties", name]);
            e.props
                .push((name.clone(), resolve(doc.raw(), schema, &at)));
        }
    }
    if let Some(Value::Array(required)) = map.get("required") {
        e.required = required
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect();
    }
    e.additional = match map.get("additionalProperties") {
        None => Additional::Unspecified,
        Some(Value::Bool(b)) => Additional::Allowed(*b),
        Some(schema) => Additional::Schema(resolve(
            doc.raw(),
            schema,
            &child(p, &["additionalProperties"]),
        )),
    };
    e.items = map
        .get("items")
        .map(|i| resolve(doc.raw(), i, &child(p, &["items"])));
    e
}

fn constraints(map: &serde_json::Map<String, Value>) -> Vec<(&'static str, Value)> {
    CONSTRAINTS
        .iter()
        .filter_map(|(key, _)| {
            let v = map.get(*key)?;
            (!v.is_null() && *v != Value::Bool(false)).then(|| (*key, v.clone()))
        })
        .collect()
}

/// The members of a `oneOf`/`anyOf`.
fn members<'a>(
    doc: &Doc<'a>,
    pointer: &str,
    map: &'a serde_json::Map<String, Value>,
    keyword: &str,
) -> Vec<Node<'a>> {
    match map.get(keyword) {
        Some(Value::Array(members)) => members
            .iter()
            .enumerate()
            .map(|(i, m)| resolve(doc.raw(), m, &child(pointer, &[keyword, &i.to_string()])))
            .collect(),
        _ => Vec::new(),
    }
}

/// The JSON type of a schema that is no object or union.
fn json_type(map: &serde_json::Map<String, Value>, e: &Eff<'_>) -> Kind {
    match map.get("type").and_then(Value::as_str) {
        Some("string") => Kind::String,
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        Some("array") => Kind::Array,
        Some(_) => Kind::Any,
        None if e.items.is_some() => Kind::Array,
        None if !e.values.is_empty() && e.values.iter().all(Value::is_string) => Kind::String,
        None if map.contains_key("not") => Kind::Not,
        None => Kind::Any,
    }
}

/// A wrapper (`allOf: [$ref]`, `oneOf: [$ref]`) seen through: the member's meaning, with
/// the wrapper's own flags.
fn overlay<'a>(mut inner: Eff<'a>, outer: Eff<'a>) -> Eff<'a> {
    // Lowering reads nullability from the wrapper itself (`Lowerer::nullable`).
    inner.nullable = outer.nullable;
    inner.deprecated |= outer.deprecated;
    inner.read_only |= outer.read_only;
    inner.write_only |= outer.write_only;
    if outer.default.is_some() {
        inner.default = outer.default;
    }
    inner.constraints.extend(outer.constraints);
    inner
}

/// An `allOf` as lowering merges it: one object, one member unwrapped, or mixed.
fn merged_all_of<'a>(doc: &Doc<'a>, own: Eff<'a>, merged: &AllOf, depth: usize) -> Eff<'a> {
    let mut e = Eff::empty(&own.pointer);
    match merged.shape() {
        AllOfShape::Single(_, pointer) => {
            let only = doc.node(pointer);
            return overlay(effective(doc, &only, depth + 1), own);
        }
        AllOfShape::Mixed => {
            e.kind = Kind::Mixed;
            return overlay(e, own);
        }
        AllOfShape::Struct => e.kind = Kind::Object,
    }
    let parts = &merged.parts;
    e.props = parts
        .props
        .iter()
        .map(|p| (p.wire.clone(), doc.node(&p.pointer)))
        .collect();
    e.required = parts.required.clone();
    e.additional = match &parts.additional {
        None => Additional::Unspecified,
        Some(AdditionalProperties::Any(b)) => Additional::Allowed(*b),
        Some(AdditionalProperties::Schema(_)) => {
            Additional::Schema(doc.node(&parts.additional_pointer))
        }
    };
    for source in merged.sources.iter().filter(|s| **s != own.pointer) {
        if let Some(map) = doc.node(source).value.as_object() {
            e.constraints.extend(constraints(map));
        }
    }
    e.constraints.extend(own.constraints);
    e.nullable = own.nullable;
    e.deprecated = own.deprecated;
    e.read_only = own.read_only;
    e.write_only = own.write_only;
    e.default = own.default;
    e
}
