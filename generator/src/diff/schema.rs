//! Schemas compared by meaning: `$ref`s followed, `allOf`s merged, single-member
//! `oneOf`/`anyOf`/`allOf` seen through, as the generator does; each difference classified
//! by the direction data flows (requests: what servers accept; responses: what clients
//! decode) and by what it does to the generated Rust type at that place.

use std::collections::BTreeSet;

use serde_json::Value;

use super::rust::RustView;
use super::{Change, ChangeKind, Impact, Scope, change};
use crate::ir::Ty;
use crate::load::{percent_decode, resolve_pointer};

/// Schemas nested deeper than this are not compared (a guard, not a limit real specs reach).
const MAX_DEPTH: usize = 48;

static NULL: Value = Value::Null;

/// Which way the data flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Sent by clients: tightening refuses requests that worked.
    Request,
    /// Sent by servers: the generated code must decode it.
    Response,
    /// Neither: a schema no operation uses. Only its generated type matters.
    Detached,
}

impl Dir {
    fn request(self) -> bool {
        self == Dir::Request
    }
    fn response(self) -> bool {
        self == Dir::Response
    }
}

/// A schema node after following `$ref`s: its value and where it lives.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub(crate) value: &'a Value,
    pub(crate) pointer: String,
}

/// Follows `$ref` chains from `value` (found at `pointer`) inside the document `raw`.
pub(crate) fn resolve<'a>(raw: &'a Value, value: &'a Value, pointer: &str) -> Node<'a> {
    let mut node = Node {
        value,
        pointer: pointer.to_owned(),
    };
    for _ in 0..32 {
        let Some(reference) = node.value.get("$ref").and_then(Value::as_str) else {
            return node;
        };
        let Some(fragment) = reference.strip_prefix('#') else {
            return Node {
                value: &NULL,
                pointer: node.pointer,
            };
        };
        let target = format!("#{}", percent_decode(fragment));
        match resolve_pointer(raw, &target) {
            Some(v) => {
                node = Node {
                    value: v,
                    pointer: target,
                }
            }
            None => {
                return Node {
                    value: &NULL,
                    pointer: target,
                };
            }
        }
    }
    Node {
        value: &NULL,
        pointer: node.pointer,
    }
}

/// The name of a component schema (`#/components/schemas/Job` → `Job`), when the pointer is
/// one.
fn component_name(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("#/components/schemas/")?;
    (!rest.contains('/')).then(|| crate::lower::last_token(pointer))
}

/// Appends tokens to a JSON pointer.
pub(crate) fn child(pointer: &str, tokens: &[&str]) -> String {
    crate::error::child(pointer, tokens)
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
    fn word(self) -> &'static str {
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
const CONSTRAINTS: &[(&str, Bound)] = &[
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
enum Bound {
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

impl<'a> Eff<'a> {
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

    /// No keyword that constrains anything (documentation only).
    fn is_blank(&self) -> bool {
        self.kind == Kind::Any
            && self.values.is_empty()
            && self.props.is_empty()
            && self.items.is_none()
            && self.members.is_empty()
            && matches!(self.additional, Additional::Unspecified)
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
            s.push_str(&format!(
                " {}[{}]",
                if self.open {
                    "extensible enum "
                } else {
                    "enum "
                },
                values_text(&self.values)
            ));
        }
        if self.nullable {
            s.push_str(", nullable");
        }
        s
    }
}

fn values_text(values: &[Value]) -> String {
    values.iter().map(value_text).collect::<Vec<_>>().join(", ")
}

/// A JSON value in a message: strings bare, others as JSON.
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// The meaning of the schema at `node`, with `allOf` merged (following the generator).
pub(crate) fn effective<'a>(raw: &'a Value, node: &Node<'a>, depth: usize) -> Eff<'a> {
    let Some(map) = node.value.as_object() else {
        return Eff::empty(&node.pointer);
    };
    let p = &node.pointer;
    let mut e = Eff::empty(p);
    let get = |k: &str| map.get(k);
    let flag = |k: &str| get(k).and_then(Value::as_bool).unwrap_or(false);
    e.nullable = flag("nullable");
    e.read_only = flag("readOnly");
    e.write_only = flag("writeOnly");
    e.deprecated = flag("deprecated");
    e.timestamp = get("x-cloudjobs-timestamp") == Some(&Value::Bool(true));
    e.format = get("format").and_then(Value::as_str).map(str::to_owned);
    e.default = get("default").cloned();
    e.discriminator = get("discriminator")
        .and_then(|d| d.get("propertyName"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(Value::Array(values)) = get("enum") {
        e.values = values.iter().filter(|v| !v.is_null()).cloned().collect();
    }
    if e.values.is_empty() {
        if let Some(Value::Array(values)) = get("x-extensible-enum") {
            e.values = values.to_vec();
            e.open = !e.values.is_empty();
        }
    }
    for (key, _) in CONSTRAINTS {
        if let Some(v) = get(key) {
            if !v.is_null() && *v != Value::Bool(false) {
                e.constraints.push((key, v.clone()));
            }
        }
    }
    if let Some(Value::Object(props)) = get("properties") {
        for (name, schema) in props {
            let at = child(p, &["properties", name]);
            e.props.push((name.clone(), resolve(raw, schema, &at)));
        }
    }
    if let Some(Value::Array(required)) = get("required") {
        e.required = required
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect();
    }
    e.additional = match get("additionalProperties") {
        None => Additional::Unspecified,
        Some(Value::Bool(b)) => Additional::Allowed(*b),
        Some(schema) => {
            Additional::Schema(resolve(raw, schema, &child(p, &["additionalProperties"])))
        }
    };
    e.items = get("items").map(|i| resolve(raw, i, &child(p, &["items"])));
    let typ = get("type").and_then(Value::as_str);
    let list = |k: &str| -> Vec<Node<'a>> {
        match map.get(k) {
            Some(Value::Array(members)) => members
                .iter()
                .enumerate()
                .map(|(i, m)| resolve(raw, m, &child(p, &[k, &i.to_string()])))
                .collect(),
            _ => Vec::new(),
        }
    };
    let all_of = list("allOf");
    if !all_of.is_empty() && depth < MAX_DEPTH {
        return merge_all_of(raw, e, all_of, depth);
    }
    e.kind = if !e.props.is_empty()
        || typ == Some("object")
        || !matches!(e.additional, Additional::Unspecified)
    {
        Kind::Object
    } else {
        let one_of = list("oneOf");
        let any_of = list("anyOf");
        if !one_of.is_empty() || !any_of.is_empty() {
            let (kind, members) = if one_of.is_empty() {
                (Kind::AnyOf, any_of)
            } else {
                (Kind::OneOf, one_of)
            };
            if let [only] = members.as_slice() {
                if depth < MAX_DEPTH {
                    return overlay(effective(raw, only, depth + 1), e);
                }
            }
            e.member_words = members
                .iter()
                .map(|m| match component_name(&m.pointer) {
                    Some(name) => name,
                    None if depth < MAX_DEPTH => effective(raw, m, depth + 1).summary(),
                    None => Kind::Any.word().to_owned(),
                })
                .collect();
            e.members = members;
            kind
        } else {
            match typ {
                Some("string") => Kind::String,
                Some("integer") => Kind::Integer,
                Some("number") => Kind::Number,
                Some("boolean") => Kind::Boolean,
                Some("array") => Kind::Array,
                Some(_) => Kind::Any,
                None if e.items.is_some() => Kind::Array,
                None if !e.values.is_empty() && e.values.iter().all(Value::is_string) => {
                    Kind::String
                }
                None if get("not").is_some() => Kind::Not,
                None => Kind::Any,
            }
        }
    };
    e
}

/// A wrapper (`allOf: [$ref]`, `oneOf: [$ref]`) seen through: the member's meaning, with
/// the wrapper's own flags.
fn overlay<'a>(mut inner: Eff<'a>, outer: Eff<'a>) -> Eff<'a> {
    // The generator reads nullability from the wrapper itself.
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

fn merge_all_of<'a>(raw: &'a Value, own: Eff<'a>, members: Vec<Node<'a>>, depth: usize) -> Eff<'a> {
    let members: Vec<Eff<'a>> = members
        .iter()
        .map(|m| effective(raw, m, depth + 1))
        .collect();
    if members.len() == 1 && own.props.is_empty() {
        if let Some(only) = members.into_iter().next() {
            return overlay(only, own);
        }
        return own;
    }
    let mut merged = Eff::empty(&own.pointer);
    let all_objects = members
        .iter()
        .all(|m| m.kind == Kind::Object || m.is_blank());
    if !all_objects {
        merged.kind = Kind::Mixed;
        merged.members = Vec::new();
        return overlay(merged, own);
    }
    merged.kind = Kind::Object;
    let parts = members.into_iter().chain(std::iter::once(own.clone()));
    for m in parts {
        for (name, node) in m.props {
            match merged.props.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = node,
                None => merged.props.push((name, node)),
            }
        }
        merged.required.extend(m.required);
        if !matches!(m.additional, Additional::Unspecified) {
            merged.additional = m.additional;
        }
        merged.constraints.extend(m.constraints);
    }
    merged.pointer = own.pointer.clone();
    merged.nullable = own.nullable;
    merged.deprecated = own.deprecated;
    merged.read_only = own.read_only;
    merged.write_only = own.write_only;
    merged.default = own.default;
    merged
}

/// Where in the Rust API a schema node lands, on one side.
#[derive(Debug, Clone, Default)]
pub(crate) struct Place {
    /// The Rust type at the node (without the `Option` a field's optionality adds).
    pub(crate) ty: Option<Ty>,
    /// Whether the slot holding it is an `Option` (a field's optionality, nullable items).
    pub(crate) optional: Option<bool>,
    /// The Rust item, for messages: ``` `ShowJobResponse::status` ```.
    pub(crate) item: Option<String>,
}

/// Compares schemas of one scope (a parameter, a request body, the responses with one
/// status, a component), collecting [`Change`]s.
pub(crate) struct Cmp<'a, 'v> {
    pub(crate) old_raw: &'a Value,
    pub(crate) new_raw: &'a Value,
    pub(crate) old_rust: &'v RustView<'a>,
    pub(crate) new_rust: &'v RustView<'a>,
    pub(crate) dir: Dir,
    pub(crate) scope: Scope,
    pub(crate) name: String,
    pub(crate) out: Vec<Change>,
    stack: Vec<(String, String)>,
    /// Schema pairs left to compare: a bound on the work for schemas that reach the same
    /// components along very many paths.
    budget: usize,
}

fn join(path: &str, segment: &str) -> String {
    if path.is_empty() {
        segment.to_owned()
    } else if segment.starts_with('[') {
        format!("{path}{segment}")
    } else {
        format!("{path}.{segment}")
    }
}

impl<'a, 'v> Cmp<'a, 'v> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        old_raw: &'a Value,
        new_raw: &'a Value,
        old_rust: &'v RustView<'a>,
        new_rust: &'v RustView<'a>,
        dir: Dir,
        scope: Scope,
        name: &str,
    ) -> Self {
        Self {
            old_raw,
            new_raw,
            old_rust,
            new_rust,
            dir,
            scope,
            name: name.to_owned(),
            out: Vec::new(),
            stack: Vec::new(),
            budget: 20_000,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        path: &str,
        kind: ChangeKind,
        old: Option<String>,
        new: Option<String>,
        description: String,
        mut impact: Impact,
    ) {
        if self.dir == Dir::Detached {
            impact.wire = None;
            impact.note = impact
                .rust
                .is_none()
                .then(|| "no operation uses this schema; its generated type stays the same".into());
        }
        let c = change(
            self.scope,
            &self.name,
            path,
            kind,
            old,
            new,
            description,
            impact,
        );
        self.out.push(c);
    }

    fn shape(&self, old: bool, ty: &Option<Ty>) -> Option<String> {
        let view = if old { self.old_rust } else { self.new_rust };
        ty.as_ref().map(|t| view.shape(&view.strip_outer_option(t)))
    }

    fn render(&self, old: bool, ty: &Option<Ty>) -> Option<String> {
        let view = if old { self.old_rust } else { self.new_rust };
        ty.as_ref().map(|t| view.render(t))
    }

    /// Why the Rust type at a place changed, when it did (`None` when it did not or when
    /// either side is unknown).
    fn rust_type_change(&self, o: &Place, n: &Place) -> Option<String> {
        let (a, b) = (self.shape(true, &o.ty)?, self.shape(false, &n.ty)?);
        if a == b {
            return None;
        }
        let (x, y) = (self.render(true, &o.ty)?, self.render(false, &n.ty)?);
        let item = n
            .item
            .clone()
            .or_else(|| o.item.clone())
            .unwrap_or_else(|| "the generated type".into());
        Some(format!(
            "{item} is now `{y}`, not `{x}`: code using it stops compiling"
        ))
    }

    /// Compares two schemas at `path`.
    pub(crate) fn compare(
        &mut self,
        path: &str,
        old: &Node<'a>,
        new: &Node<'a>,
        o: Place,
        n: Place,
    ) {
        let key = (old.pointer.clone(), new.pointer.clone());
        if self.stack.contains(&key) || self.stack.len() >= MAX_DEPTH || self.budget == 0 {
            return;
        }
        self.budget -= 1;
        self.stack.push(key);
        let eo = effective(self.old_raw, old, 0);
        let en = effective(self.new_raw, new, 0);
        self.compare_eff(path, &eo, &en, &o, &n);
        self.stack.pop();
    }

    fn compare_eff(&mut self, path: &str, eo: &Eff<'a>, en: &Eff<'a>, o: &Place, n: &Place) {
        let dir = self.dir;
        let mut claimed = false;
        let rust_change = self.rust_type_change(o, n);

        if eo.nullable != en.nullable {
            let option_changed = match (o.optional, n.optional) {
                (Some(a), Some(b)) if a != b => Some(self.option_reason(o, n, b)),
                _ => None,
            };
            let mut impact = Impact::default().with_rust(option_changed);
            if en.nullable {
                if dir.response() && n.optional == Some(false) {
                    impact = impact.with_rust(Some(
                        "the generated type has no `Option` here: a `null` fails to decode".into(),
                    ));
                }
                impact.note = Some(if n.optional == Some(true) {
                    "`null` reads as `None`".into()
                } else {
                    "servers and clients may now send `null`".into()
                });
            } else {
                if dir.request() {
                    impact = impact.with_wire(Some("requests sending `null` are refused".into()));
                }
                impact.note = Some("`null` is no longer allowed".into());
            }
            self.push(
                path,
                ChangeKind::NullableChanged,
                Some(eo.nullable.to_string()),
                Some(en.nullable.to_string()),
                if en.nullable {
                    "now nullable".into()
                } else {
                    "no longer nullable".into()
                },
                impact,
            );
        }

        if eo.kind != en.kind {
            let widening = matches!(
                (eo.kind, en.kind),
                (Kind::Integer, Kind::Number) | (_, Kind::Any)
            );
            let mut impact = Impact::default().with_rust(rust_change.clone());
            if dir.response() && impact.rust.is_some() && eo.kind != Kind::Any {
                impact = impact.with_rust(Some(format!(
                    "responses still sending a {} fail to decode",
                    eo.kind.word()
                )));
            }
            if dir.request() && !widening {
                impact = impact.with_wire(Some(if eo.kind == Kind::Any {
                    format!(
                        "requests sending anything but a {} are refused",
                        en.kind.word()
                    )
                } else if matches!(eo.kind, Kind::OneOf | Kind::AnyOf) {
                    "requests matching only the dropped alternatives are refused".to_owned()
                } else {
                    format!("requests sending a {} are refused", eo.kind.word())
                }));
            }
            if impact.rust.is_none() {
                impact.note = Some(match self.render(false, &n.ty) {
                    Some(t) => format!("the Rust type stays `{t}`"),
                    None => "no Rust type changes".into(),
                });
            }
            claimed = true;
            self.push(
                path,
                ChangeKind::TypeChanged,
                Some(eo.summary()),
                Some(en.summary()),
                format!("type {} → {}", eo.summary(), en.summary()),
                impact,
            );
            self.finish_rust(path, claimed, rust_change, o, n);
            return;
        }

        if eo.timestamp != en.timestamp || eo.format != en.format {
            let (a, b) = (format_word(eo), format_word(en));
            let mut impact = Impact::default().with_rust(rust_change.clone());
            if dir.request() && narrows_format(eo, en) {
                impact = impact.with_wire(Some(format!(
                    "requests with values that are not {b} are refused"
                )));
            }
            if dir.response()
                && matches!(eo.kind, Kind::Integer | Kind::Number)
                && narrows_format(eo, en)
                && rust_change.is_some()
            {
                impact = impact.with_rust(Some(format!(
                    "responses with values beyond {b} fail to decode"
                )));
            }
            if impact.rust.is_none() {
                impact.note = Some(match self.render(false, &n.ty) {
                    Some(t) => format!("the Rust type stays `{t}`"),
                    None => "no Rust type changes".into(),
                });
            }
            claimed = true;
            self.push(
                path,
                ChangeKind::FormatChanged,
                Some(a.clone()),
                Some(b.clone()),
                format!("format {a} → {b}"),
                impact,
            );
        }

        claimed |= self.compare_values(path, eo, en, o, n, rust_change.as_deref());
        self.compare_constraints(path, eo, en);

        let same_number = match (&eo.default, &en.default) {
            (Some(Value::Number(a)), Some(Value::Number(b))) => a.as_f64() == b.as_f64(),
            _ => false,
        };
        if eo.default != en.default && !same_number {
            let text = |v: &Option<Value>| {
                v.as_ref().map_or_else(
                    || "none".to_owned(),
                    |v| format!("`{}`", serde_json::to_string(v).unwrap_or_default()),
                )
            };
            let note = if dir.request() {
                "not refused, but requests that leave it out now get another value; the generated code only documents defaults"
            } else {
                "the generated code only documents defaults"
            };
            self.push(
                path,
                ChangeKind::DefaultChanged,
                eo.default.as_ref().map(value_text),
                en.default.as_ref().map(value_text),
                format!("default {} → {}", text(&eo.default), text(&en.default)),
                Impact::compatible(note),
            );
        }
        for (flag, a, b, what) in [
            (
                "readOnly",
                eo.read_only,
                en.read_only,
                "servers ignore it in requests",
            ),
            (
                "writeOnly",
                eo.write_only,
                en.write_only,
                "servers never return it",
            ),
        ] {
            if a != b {
                self.push(
                    path,
                    ChangeKind::AccessChanged,
                    Some(a.to_string()),
                    Some(b.to_string()),
                    format!("{flag} {a} → {b}"),
                    Impact::compatible(if b {
                        format!("documented: {what}")
                    } else {
                        "documentation only".to_owned()
                    }),
                );
            }
        }
        if eo.deprecated != en.deprecated {
            self.push(
                path,
                ChangeKind::Deprecated,
                Some(eo.deprecated.to_string()),
                Some(en.deprecated.to_string()),
                if en.deprecated {
                    "deprecated".into()
                } else {
                    "no longer deprecated".into()
                },
                Impact::compatible("documentation only (rustdoc notes it)"),
            );
        }

        match en.kind {
            Kind::Object => self.compare_object(path, eo, en, o, n),
            Kind::Array => {
                let (oi, ni) = (
                    eo.items.clone().unwrap_or(Node {
                        value: &NULL,
                        pointer: child(&eo.pointer, &["items"]),
                    }),
                    en.items.clone().unwrap_or(Node {
                        value: &NULL,
                        pointer: child(&en.pointer, &["items"]),
                    }),
                );
                let place = |view: &RustView<'_>, p: &Place| {
                    let ty = p.ty.as_ref().and_then(|t| view.items(t));
                    Place {
                        optional: ty.as_ref().map(|t| matches!(t, Ty::Option(_))),
                        ty,
                        item: p.item.as_ref().map(|i| format!("each item of {i}")),
                    }
                };
                let (po, pn) = (place(self.old_rust, o), place(self.new_rust, n));
                self.compare(&join(path, "[]"), &oi, &ni, po, pn);
            }
            Kind::OneOf | Kind::AnyOf => self.compare_members(path, eo, en, o, n),
            _ => {}
        }
        if !claimed {
            // Objects, arrays and unions report their own parts; a type change nothing
            // above explains is still a change users see.
            self.finish_rust(path, false, rust_change, o, n);
        }
    }

    /// A Rust type change no schema difference at this node explains.
    fn finish_rust(
        &mut self,
        path: &str,
        claimed: bool,
        rust_change: Option<String>,
        o: &Place,
        n: &Place,
    ) {
        if claimed {
            return;
        }
        let Some(reason) = rust_change else { return };
        // Containers whose parts changed are reported by those parts (a struct's fields,
        // an array's items); only a change of what the node itself is remains.
        let container = |s: Option<String>| {
            s.and_then(|s| {
                let head = s.split('<').next().unwrap_or_default().to_owned();
                matches!(head.as_str(), "Vec" | "BTreeMap").then_some(head)
            })
        };
        let (a, b) = (
            container(self.shape(true, &o.ty)),
            container(self.shape(false, &n.ty)),
        );
        if a.is_some() && a == b {
            return;
        }
        self.push(
            path,
            ChangeKind::RustTypeChanged,
            self.render(true, &o.ty),
            self.render(false, &n.ty),
            format!(
                "generated type `{}` → `{}`",
                self.render(true, &o.ty).unwrap_or_default(),
                self.render(false, &n.ty).unwrap_or_default()
            ),
            Impact::rust(reason),
        );
    }

    fn option_reason(&self, o: &Place, n: &Place, now_optional: bool) -> String {
        let item = n
            .item
            .clone()
            .or_else(|| o.item.clone())
            .unwrap_or_else(|| "the value".into());
        if now_optional {
            format!("{item} is now an `Option`: code using it as a plain value stops compiling")
        } else {
            format!("{item} is no longer an `Option`: code treating it as one stops compiling")
        }
    }

    /// Enum values; returns whether it explained a Rust type change.
    fn compare_values(
        &mut self,
        path: &str,
        eo: &Eff<'a>,
        en: &Eff<'a>,
        o: &Place,
        n: &Place,
        rust_change: Option<&str>,
    ) -> bool {
        let dir = self.dir;
        match (eo.values.is_empty(), en.values.is_empty()) {
            (true, true) => return false,
            (true, false) | (false, true) => {
                let now_enum = eo.values.is_empty();
                let mut impact = Impact::default().with_rust(rust_change.map(str::to_owned));
                if now_enum && !en.open && dir.request() {
                    impact = impact.with_wire(Some(format!(
                        "requests with values other than {} are refused",
                        values_text(&en.values)
                    )));
                }
                if impact.rust.is_none() && impact.wire.is_none() {
                    impact.note = Some(if now_enum {
                        "the list is open (`x-extensible-enum`): other values are still allowed"
                            .into()
                    } else {
                        "any value is allowed now".into()
                    });
                }
                self.push(
                    path,
                    ChangeKind::TypeChanged,
                    Some(eo.summary()),
                    Some(en.summary()),
                    format!("type {} → {}", eo.summary(), en.summary()),
                    impact,
                );
                return true;
            }
            (false, false) => {}
        }
        let old_enum = o.ty.as_ref().and_then(|t| self.old_rust.enum_name(t));
        let new_enum = n.ty.as_ref().and_then(|t| self.new_rust.enum_name(t));
        for v in &eo.values {
            if en.values.contains(v) {
                continue;
            }
            let text = value_text(v);
            let mut impact = Impact::default();
            if let (Some(name), Some(variant)) = (
                old_enum,
                o.ty.as_ref()
                    .and_then(|t| self.old_rust.variant_of(t, &text)),
            ) {
                impact = impact.with_rust(Some(format!(
                    "code naming `{name}::{variant}` stops compiling (the value still decodes, as `{}::Unknown`)",
                    new_enum.unwrap_or(name)
                )));
            }
            if dir.request() {
                if en.open {
                    impact.note = Some(
                        "the list is open (`x-extensible-enum`): the value is still allowed".into(),
                    );
                } else {
                    impact =
                        impact.with_wire(Some(format!("requests sending {text:?} are refused")));
                }
            } else if impact.rust.is_none() {
                impact.note = Some("servers no longer send it".into());
            }
            self.push(
                path,
                ChangeKind::EnumValueRemoved,
                Some(text.clone()),
                None,
                format!("enum value {text:?} removed"),
                impact,
            );
        }
        for v in &en.values {
            if eo.values.contains(v) {
                continue;
            }
            let text = value_text(v);
            let mut impact = Impact::default();
            if let (Some(name), Some(variant)) = (
                new_enum,
                n.ty.as_ref()
                    .and_then(|t| self.new_rust.variant_of(t, &text)),
            ) {
                impact = impact.with_rust(Some(format!(
                    "an exhaustive `match` on `{name}` needs a new arm, and {text:?} decodes as `{name}::{variant}`, no longer as `Unknown`"
                )));
            }
            impact.note = Some(if dir.response() {
                "compatible on the wire (`Unknown` keeps values the spec does not list)".into()
            } else {
                "servers accept one more value".into()
            });
            self.push(
                path,
                ChangeKind::EnumValueAdded,
                None,
                Some(text.clone()),
                format!("enum value {text:?} added"),
                impact,
            );
        }
        if eo.open != en.open {
            let mut impact = Impact::default();
            if !en.open && dir.request() {
                impact = impact.with_wire(Some(
                    "values outside the list were allowed and are now refused".into(),
                ));
            } else {
                impact.note =
                    Some("the generated enum keeps unknown values either way (`Unknown`)".into());
            }
            self.push(
                path,
                ChangeKind::EnumOpenness,
                Some(if eo.open { "x-extensible-enum" } else { "enum" }.into()),
                Some(if en.open { "x-extensible-enum" } else { "enum" }.into()),
                if en.open {
                    "enum → x-extensible-enum (open list)".into()
                } else {
                    "x-extensible-enum → enum (closed list)".into()
                },
                impact,
            );
        }
        rust_change.is_some() && (old_enum.is_some() || new_enum.is_some())
    }

    fn compare_constraints(&mut self, path: &str, eo: &Eff<'a>, en: &Eff<'a>) {
        let dir = self.dir;
        for (key, bound) in CONSTRAINTS {
            let a = eo
                .constraints
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v);
            let b = en
                .constraints
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v);
            let same_number = a.and_then(Value::as_f64).is_some()
                && a.and_then(Value::as_f64) == b.and_then(Value::as_f64);
            if a == b || same_number {
                continue;
            }
            let tighter = tightens(*bound, a, b);
            let text = |v: Option<&Value>| v.map_or_else(|| "none".to_owned(), value_text);
            let mut impact = Impact::default();
            if tighter && dir.request() {
                impact = impact.with_wire(Some(
                    "requests with values the old constraint allowed may be refused".into(),
                ));
            } else {
                impact.note = Some(match (tighter, dir.response()) {
                    (false, true) => {
                        "the generated code does not check bounds, so wider values still decode"
                            .into()
                    }
                    (false, false) => "servers accept more values".into(),
                    (true, _) => "servers send a narrower range of values".into(),
                });
            }
            self.push(
                path,
                ChangeKind::ConstraintChanged,
                a.map(value_text),
                b.map(value_text),
                format!("{key} {} → {}", text(a), text(b)),
                impact,
            );
        }
    }

    fn compare_object(&mut self, path: &str, eo: &Eff<'a>, en: &Eff<'a>, o: &Place, n: &Place) {
        let dir = self.dir;
        let old_struct = o.ty.as_ref().and_then(|t| self.old_rust.struct_of(t));
        let new_struct = n.ty.as_ref().and_then(|t| self.new_rust.struct_of(t));
        for (name, onode) in &eo.props {
            let field_path = join(path, name);
            let old_field = o.ty.as_ref().and_then(|t| self.old_rust.field(t, name));
            let new_field = n.ty.as_ref().and_then(|t| self.new_rust.field(t, name));
            let Some((_, nnode)) = en.props.iter().find(|(m, _)| m == name) else {
                let mut impact = Impact::default();
                if let Some((s, f)) = old_field {
                    impact = impact.with_rust(Some(format!(
                        "code using `{s}::{}` stops compiling",
                        f.name
                    )));
                }
                if dir.request() {
                    if matches!(en.additional, Additional::Allowed(false)) {
                        impact = impact.with_wire(Some(
                            "requests sending it are refused (`additionalProperties: false`)"
                                .into(),
                        ));
                    } else if impact.rust.is_none() {
                        impact.note = Some("servers no longer document it".into());
                    }
                } else if impact.rust.is_none() {
                    impact.note = Some("servers no longer send it".into());
                }
                let summary = effective(self.old_raw, onode, 0).summary();
                self.push(
                    &field_path,
                    ChangeKind::FieldRemoved,
                    Some(summary.clone()),
                    None,
                    format!("field removed (was {summary})"),
                    impact,
                );
                continue;
            };
            let (a, b) = (eo.required.contains(name), en.required.contains(name));
            let item_of =
                |f: Option<(&str, &crate::ir::Field)>| f.map(|(s, f)| format!("`{s}::{}`", f.name));
            let po = Place {
                ty: old_field.map(|(_, f)| f.ty.clone()),
                optional: old_field.map(|(_, f)| f.optional()),
                item: item_of(old_field),
            };
            let pn = Place {
                ty: new_field.map(|(_, f)| f.ty.clone()),
                optional: new_field.map(|(_, f)| f.optional()),
                item: item_of(new_field),
            };
            if a != b {
                let mut impact = Impact::default();
                if let (Some(x), Some(y)) = (po.optional, pn.optional) {
                    if x != y {
                        impact = impact.with_rust(Some(self.option_reason(&po, &pn, y)));
                    } else if dir.response() && b {
                        impact.note = Some("it stays an `Option` (it is nullable)".into());
                    }
                }
                if b && dir.request() {
                    impact = impact.with_wire(Some("requests without it are refused".into()));
                }
                if b && dir.response() && pn.optional == Some(false) {
                    impact = impact.with_rust(Some(
                        "responses without it fail to decode (fine only if every server always sends it)".into(),
                    ));
                }
                if impact.rust.is_none() && impact.wire.is_none() && impact.note.is_none() {
                    impact.note = Some(if b {
                        "servers always send it".into()
                    } else {
                        "requests may leave it out".into()
                    });
                }
                self.push(
                    &field_path,
                    ChangeKind::RequiredChanged,
                    Some(if a { "required" } else { "optional" }.into()),
                    Some(if b { "required" } else { "optional" }.into()),
                    if b {
                        "now required".into()
                    } else {
                        "now optional".into()
                    },
                    impact,
                );
            }
            self.compare(&field_path, onode, nnode, po, pn);
        }
        for (name, nnode) in &en.props {
            if eo.props.iter().any(|(m, _)| m == name) {
                continue;
            }
            let field_path = join(path, name);
            let required = en.required.contains(name);
            let eff = effective(self.new_raw, nnode, 0);
            let new_field = n.ty.as_ref().and_then(|t| self.new_rust.field(t, name));
            let mut impact = Impact::default();
            if dir.request() {
                // Users build request types with struct literals.
                if let Some((s, f)) = new_field {
                    impact = impact.with_rust(Some(format!(
                        "struct literals of `{s}` must now set `{}`",
                        f.name
                    )));
                }
                if required {
                    impact = impact.with_wire(Some("requests without it are refused".into()));
                }
            }
            if dir.response() {
                if required && new_field.is_some_and(|(_, f)| !f.optional()) {
                    impact = impact.with_rust(Some(
                        "responses without it fail to decode (fine only if every server always sends it)".into(),
                    ));
                } else if impact.rust.is_none() && impact.wire.is_none() {
                    impact.note = Some(match new_field {
                        Some((s, f)) => format!(
                            "a new `Option` field `{s}::{}`; code reading `{s}` is unaffected",
                            f.name
                        ),
                        None => "code reading the body is unaffected".into(),
                    });
                }
            }
            if impact.rust.is_none() && impact.wire.is_none() && impact.note.is_none() {
                impact.note = Some("requests may leave it out".into());
            }
            let summary = eff.summary();
            self.push(
                &field_path,
                ChangeKind::FieldAdded,
                None,
                Some(summary.clone()),
                format!(
                    "field added ({}, {summary})",
                    if required { "required" } else { "optional" }
                ),
                impact,
            );
        }
        // Properties the schema does not name.
        let allowed = |a: &Additional<'_>| !matches!(a, Additional::Allowed(false));
        let (was, is) = (allowed(&eo.additional), allowed(&en.additional));
        let word = |a: &Additional<'_>| match a {
            Additional::Unspecified => "unspecified (allowed)".to_owned(),
            Additional::Allowed(b) => b.to_string(),
            Additional::Schema(_) => "a schema".to_owned(),
        };
        let old_extra = old_struct
            .and_then(|(s, st)| st.additional.as_ref().map(|(f, _)| format!("`{s}::{f}`")));
        let new_extra = new_struct
            .and_then(|(s, st)| st.additional.as_ref().map(|(f, _)| format!("`{s}::{f}`")));
        if was != is || old_extra.is_some() != new_extra.is_some() {
            let mut impact = Impact::default();
            if was && !is && dir.request() {
                impact = impact.with_wire(Some(
                    "requests with properties the schema does not name are refused".into(),
                ));
            }
            match (&old_extra, &new_extra) {
                (Some(f), None) => {
                    impact = impact.with_rust(Some(format!("code using {f} stops compiling")));
                }
                (None, Some(f)) if dir.request() => {
                    impact = impact.with_rust(Some(format!("struct literals must now set {f}")));
                }
                _ => {}
            }
            if impact.rust.is_none() && impact.wire.is_none() {
                impact.note = Some(match (&old_extra, &new_extra, is) {
                    (None, Some(f), _) => {
                        format!("properties the schema does not name are kept in {f}")
                    }
                    (_, _, true) => "other properties are allowed".into(),
                    (_, _, false) => "other properties are no longer sent".into(),
                });
            }
            self.push(
                path,
                ChangeKind::AdditionalPropertiesChanged,
                Some(word(&eo.additional)),
                Some(word(&en.additional)),
                format!(
                    "additionalProperties {} → {}",
                    word(&eo.additional),
                    word(&en.additional)
                ),
                impact,
            );
        }
        if let (Additional::Schema(a), Additional::Schema(b)) = (&eo.additional, &en.additional) {
            let place = |view: &RustView<'_>, p: &Place| {
                let ty = p.ty.as_ref().and_then(|t| view.values(t));
                Place {
                    optional: ty.as_ref().map(|t| matches!(t, Ty::Option(_))),
                    ty,
                    item: p.item.as_ref().map(|i| format!("each value of {i}")),
                }
            };
            let (po, pn) = (place(self.old_rust, o), place(self.new_rust, n));
            self.compare(&join(path, "*"), a, b, po, pn);
        }
    }

    fn compare_members(&mut self, path: &str, eo: &Eff<'a>, en: &Eff<'a>, o: &Place, n: &Place) {
        let dir = self.dir;
        let label = |node: &Node<'_>, i: usize| -> String {
            component_name(&node.pointer).unwrap_or_else(|| format!("#{}", i + 1))
        };
        let old_union = o.ty.as_ref().and_then(|t| self.old_rust.union_of(t));
        let new_union = n.ty.as_ref().and_then(|t| self.new_rust.union_of(t));
        let old_labels: Vec<String> = eo
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| label(m, i))
            .collect();
        let new_labels: Vec<String> = en
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| label(m, i))
            .collect();
        let mut matched_new = vec![false; en.members.len()];
        for (i, m) in eo.members.iter().enumerate() {
            // Components by name; inline alternatives by position.
            let j = if old_labels[i].starts_with('#') {
                (i < en.members.len() && new_labels[i].starts_with('#') && !matched_new[i])
                    .then_some(i)
            } else {
                new_labels
                    .iter()
                    .position(|l| *l == old_labels[i])
                    .filter(|&j| !matched_new[j])
            };
            match j {
                Some(j) => {
                    matched_new[j] = true;
                    let po = Place {
                        ty: o.ty.as_ref().and_then(|t| self.old_rust.member(t, i)),
                        optional: None,
                        item: old_union
                            .as_ref()
                            .and_then(|(u, v)| v.get(i).map(|v| format!("`{u}::{v}`"))),
                    };
                    let pn = Place {
                        ty: n.ty.as_ref().and_then(|t| self.new_rust.member(t, j)),
                        optional: None,
                        item: new_union
                            .as_ref()
                            .and_then(|(u, v)| v.get(j).map(|v| format!("`{u}::{v}`"))),
                    };
                    let kw = if en.kind == Kind::AnyOf {
                        "anyOf"
                    } else {
                        "oneOf"
                    };
                    self.compare(
                        &join(path, &format!("<{kw} {}>", new_labels[j])),
                        m,
                        &en.members[j],
                        po,
                        pn,
                    );
                }
                None => {
                    let mut impact = Impact::default();
                    if let Some((u, v)) = &old_union {
                        if let Some(v) = v.get(i) {
                            impact = impact
                                .with_rust(Some(format!("code naming `{u}::{v}` stops compiling")));
                        }
                    }
                    if dir.request() {
                        impact = impact.with_wire(Some(
                            "requests sending that alternative are refused".into(),
                        ));
                    } else if impact.rust.is_none() {
                        impact.note = Some("servers no longer send it".into());
                    }
                    self.push(
                        path,
                        ChangeKind::VariantRemoved,
                        Some(old_labels[i].clone()),
                        None,
                        format!("alternative {} removed", old_labels[i]),
                        impact,
                    );
                }
            }
        }
        for j in (0..en.members.len()).filter(|&j| !matched_new[j]) {
            let mut impact = Impact::default();
            if let Some((u, v)) = &new_union {
                if let Some(v) = v.get(j) {
                    impact = impact.with_rust(Some(format!(
                        "an exhaustive `match` on `{u}` needs a new arm for `{u}::{v}`"
                    )));
                }
            }
            if impact.rust.is_none() {
                impact.note = Some("one more alternative is allowed".into());
            }
            self.push(
                path,
                ChangeKind::VariantAdded,
                None,
                Some(new_labels[j].clone()),
                format!("alternative {} added", new_labels[j]),
                impact,
            );
        }
        if eo.discriminator != en.discriminator {
            let word = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".into());
            let mut impact = Impact::rust(
                "decoding picks the alternative by another property: responses may decode differently or fail",
            );
            if dir.request() {
                impact = impact.with_wire(Some(
                    "servers read the alternative from another property".into(),
                ));
            }
            self.push(
                path,
                ChangeKind::DiscriminatorChanged,
                eo.discriminator.clone(),
                en.discriminator.clone(),
                format!(
                    "discriminator {} → {}",
                    word(&eo.discriminator),
                    word(&en.discriminator)
                ),
                impact,
            );
        }
    }
}

fn format_word(e: &Eff<'_>) -> String {
    match (&e.format, e.timestamp) {
        (Some(f), true) => format!("{f} (x-cloudjobs-timestamp)"),
        (None, true) => "x-cloudjobs-timestamp".into(),
        (Some(f), false) => f.clone(),
        (None, false) => "none".into(),
    }
}

/// Whether the new format accepts fewer values than the old one.
fn narrows_format(old: &Eff<'_>, new: &Eff<'_>) -> bool {
    let rank = |e: &Eff<'_>| -> Option<u8> {
        match (e.kind, e.format.as_deref()) {
            (Kind::Integer, Some("int8" | "uint8")) => Some(1),
            (Kind::Integer, Some("int16" | "uint16")) => Some(2),
            (Kind::Integer, Some("int32" | "uint32")) => Some(3),
            (Kind::Integer, Some("int64" | "uint64" | "uint") | None) => Some(4),
            (Kind::Number, Some("float")) => Some(1),
            (Kind::Number, Some("double") | None) => Some(2),
            (Kind::String, None | Some("password")) => Some(9),
            _ => None,
        }
    };
    match (rank(old), rank(new), &new.format) {
        (_, _, None) => false,
        (Some(a), Some(b), _) => b < a,
        // A string format added or changed: values that do not match it may be refused.
        _ => true,
    }
}

/// Whether a constraint change accepts fewer values.
fn tightens(bound: Bound, old: Option<&Value>, new: Option<&Value>) -> bool {
    let num = |v: Option<&Value>| v.and_then(Value::as_f64);
    match (old, new) {
        (_, None) => false,
        (None, Some(v)) => *v != Value::Bool(false),
        (Some(a), Some(b)) => match bound {
            Bound::Lower => num(Some(b)) > num(Some(a)),
            Bound::Upper => num(Some(b)) < num(Some(a)),
            Bound::Flag => b.as_bool() == Some(true) && a.as_bool() != Some(true),
            Bound::Multiple => match (num(Some(a)), num(Some(b))) {
                // Every old value (a multiple of `x`) is still allowed only when `y` divides `x`.
                (Some(x), Some(y)) if y != 0.0 && x != 0.0 => (x / y).fract() != 0.0,
                _ => true,
            },
            Bound::Other => true,
        },
    }
}
