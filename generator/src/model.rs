//! The one reading of a spec's schemas, for every tool that asks what a schema means: its
//! own keywords as lowering reads them (`lower::facts`), and its shape (object, union,
//! merged `allOf`, wrapper seen through) as lowering decides it (`classify`,
//! `merge_all_of`); references are followed by lowering's own reader. The spec diff
//! ([`crate::diff`]) and the document checker (`cloudjobs-doctools`) both read schemas
//! here, so they see every schema the way the generated code does.
//!
//! ```
//! use cloudjobs_codegen::model::{Doc, Kind, meaning};
//! let spec = r#"
//! openapi: 3.0.3
//! info: {title: Jobs, version: "1"}
//! paths: {}
//! components:
//!   schemas:
//!     Job:
//!       allOf:
//!         - $ref: '#/components/schemas/Base'
//!         - properties: {status: {type: string, x-extensible-enum: [RUNNING, SUCCESS]}}
//!     Base:
//!       type: object
//!       required: [job_id]
//!       properties: {job_id: {type: string}}
//! "#;
//! let loaded = cloudjobs_codegen::load::load_str(spec, "jobs.yaml").unwrap();
//! let doc = Doc::new(&loaded);
//! let job = meaning(&doc, &doc.node("#/components/schemas/Job"));
//! assert_eq!(job.kind(), Kind::Object);
//! assert!(job.is_required("job_id"));
//! let status = meaning(&doc, job.property("status").unwrap());
//! assert_eq!(status.values(), ["RUNNING", "SUCCESS"]);
//! assert!(status.open());
//! ```

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;

use openapiv3::{AdditionalProperties, ReferenceOr, Schema};
use serde_json::Value;

use crate::error::child;
use crate::load::{Document, resolve_pointer};
use crate::lower::facts::facts;
pub use crate::lower::facts::{Facts, Kind};
use crate::lower::refs::Refs;
use crate::lower::schema::{AllOf, AllOfShape, Class, SRef, classify, merge_all_of};

/// Schemas nested deeper than this are not compared (a guard, not a limit real specs reach).
pub(crate) const MAX_DEPTH: usize = 48;

/// A loaded document, read through lowering's reference reader.
pub struct Doc<'a> {
    pub(crate) doc: &'a Document,
    refs: RefCell<Refs<'a>>,
}

impl<'a> Doc<'a> {
    /// Reads `doc`.
    pub fn new(doc: &'a Document) -> Self {
        Self {
            doc,
            refs: RefCell::new(Refs::new(doc)),
        }
    }

    /// Runs `f` with the document's reference reader.
    pub(crate) fn with_refs<T>(&self, f: impl FnOnce(&mut Refs<'a>) -> T) -> T {
        f(&mut self.refs.borrow_mut())
    }

    /// A key of the object at `pointer` as the document writes it (`4xx` for the status
    /// range `4XX`), for pointers into it.
    pub(crate) fn written_key(&self, pointer: &str, key: &str) -> String {
        let object = resolve_pointer(&self.doc.raw, pointer).and_then(Value::as_object);
        let written = object.and_then(|o| o.keys().find(|k| k.eq_ignore_ascii_case(key)));
        written.map_or_else(|| key.to_owned(), String::clone)
    }

    /// The schema at `pointer` (`#/paths/...`), a `$ref` there followed.
    pub fn node(&self, pointer: &str) -> Node {
        match self
            .with_refs(|r| r.at::<ReferenceOr<Schema>>(pointer))
            .as_deref()
        {
            Some(ReferenceOr::Reference { reference }) => self.follow(reference, pointer),
            Some(ReferenceOr::Item(_)) => self.inline(pointer),
            None => Node::missing(pointer),
        }
    }

    /// A schema or reference found at `pointer`.
    fn child(&self, schema: SRef<'_>, pointer: &str) -> Node {
        match schema {
            SRef::Ref(reference) => self.follow(reference, pointer),
            SRef::Item(_) => self.inline(pointer),
        }
    }

    fn follow(&self, reference: &str, at: &str) -> Node {
        match self.with_refs(|r| r.fetch::<Schema>(reference, at)) {
            Ok((pointer, schema)) => Node {
                pointer,
                schema: Some(schema),
            },
            Err(_) => Node::missing(at),
        }
    }

    fn inline(&self, pointer: &str) -> Node {
        Node {
            pointer: pointer.to_owned(),
            schema: self.with_refs(|r| r.at::<Schema>(pointer)),
        }
    }
}

/// A schema after following `$ref`s: where it lives, and what it is (`None`: nothing).
#[derive(Debug, Clone)]
pub struct Node {
    pub(crate) pointer: String,
    schema: Option<Rc<Schema>>,
}

impl Node {
    /// Where the schema lives (after `$ref`s), as a JSON pointer with `#`.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Whether a schema is there.
    pub fn exists(&self) -> bool {
        self.schema.is_some()
    }

    /// Nothing, at `pointer` (an absent schema).
    pub(crate) fn missing(pointer: &str) -> Self {
        Node {
            pointer: pointer.to_owned(),
            schema: None,
        }
    }
}

/// The name of a component schema (`#/components/schemas/Job` → `Job`), when the pointer is
/// one.
pub(crate) fn component_name(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("#/components/schemas/")?;
    (!rest.contains('/')).then(|| crate::lower::last_token(pointer))
}

/// `additionalProperties`.
#[derive(Debug, Clone)]
pub(crate) enum Additional {
    Unspecified,
    Allowed(bool),
    Schema(Node),
}

/// A schema's meaning: its facts (through `Deref`), and its shape with `allOf` merged.
#[derive(Debug, Clone)]
pub struct Meaning {
    pub(crate) pointer: String,
    /// Its own keywords (with an `allOf`'s constraints gathered, a wrapper's flags kept).
    facts: Facts,
    pub(crate) kind: Kind,
    pub(crate) props: Vec<(String, Node)>,
    pub(crate) required: BTreeSet<String>,
    pub(crate) additional: Additional,
    pub(crate) items: Option<Node>,
    pub(crate) members: Vec<Node>,
    /// The alternatives in a few words (component names, or their types).
    pub(crate) member_words: Vec<String>,
}

impl Deref for Meaning {
    type Target = Facts;
    fn deref(&self) -> &Facts {
        &self.facts
    }
}

impl DerefMut for Meaning {
    fn deref_mut(&mut self) -> &mut Facts {
        &mut self.facts
    }
}

impl Meaning {
    fn new(pointer: &str, facts: Facts) -> Self {
        Self {
            pointer: pointer.to_owned(),
            facts,
            kind: Kind::Any,
            props: Vec::new(),
            required: BTreeSet::new(),
            additional: Additional::Unspecified,
            items: None,
            members: Vec::new(),
            member_words: Vec::new(),
        }
    }

    /// Type, format and enum in a few words (`string (date-time)`, `enum [A, B]`).
    pub fn summary(&self) -> String {
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
pub fn meaning(doc: &Doc<'_>, node: &Node) -> Meaning {
    effective(doc, node, 0)
}

impl Meaning {
    /// Where the schema that gives the meaning lives: the node's, or the member's of a
    /// wrapper seen through (`allOf: [$ref]`).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// What it is: a JSON type, a union, or any value.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// `format`, as written.
    pub fn format(&self) -> Option<&str> {
        self.facts.format.as_deref()
    }

    /// `nullable: true` (on the schema or the wrapper seen through).
    pub fn nullable(&self) -> bool {
        self.facts.nullable
    }

    /// The known values (`enum` without `null`, else `x-extensible-enum`).
    pub fn values(&self) -> &[Value] {
        &self.facts.values
    }

    /// The values are `x-extensible-enum`: others may appear.
    pub fn open(&self) -> bool {
        self.facts.open
    }

    /// An object's properties (an `allOf`'s merged), in document order.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.props.iter().map(|(n, s)| (n.as_str(), s))
    }

    /// The property of that name.
    pub fn property(&self, name: &str) -> Option<&Node> {
        self.props.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    /// Whether the object requires that property.
    pub fn is_required(&self, name: &str) -> bool {
        self.required.contains(name)
    }

    /// An array's element schema.
    pub fn items(&self) -> Option<&Node> {
        self.items.as_ref()
    }

    /// A union's alternatives.
    pub fn members(&self) -> &[Node] {
        &self.members
    }
}

pub(crate) fn effective(doc: &Doc<'_>, node: &Node, depth: usize) -> Meaning {
    let Some(schema) = node.schema.clone() else {
        return Meaning::new(&node.pointer, Facts::default());
    };
    let p = &node.pointer;
    let mut e = Meaning::new(p, facts(&schema));
    let deeper = depth < MAX_DEPTH;
    match classify(&schema) {
        Class::Object {
            properties,
            required,
            additional,
        } => {
            e.kind = Kind::Object;
            let prop = |(wire, s): (&String, _)| {
                let at = child(p, &["properties", wire]);
                (wire.clone(), doc.child(SRef::from(s), &at))
            };
            e.props = properties.iter().map(prop).collect();
            e.required = required.iter().cloned().collect();
            let at = child(p, &["additionalProperties"]);
            e.additional = match additional {
                None => Additional::Unspecified,
                Some(AdditionalProperties::Any(b)) => Additional::Allowed(*b),
                Some(AdditionalProperties::Schema(s)) => {
                    Additional::Schema(doc.child(SRef::from(&**s), &at))
                }
            };
        }
        Class::Union(keyword, members) => {
            let member = |(i, m): (usize, _)| {
                doc.child(SRef::from(m), &child(p, &[keyword, &i.to_string()]))
            };
            e.members = members.iter().enumerate().map(member).collect();
            e.member_words = (e.members.iter())
                .map(|m| match component_name(&m.pointer) {
                    Some(name) => name,
                    None if deeper => effective(doc, m, depth + 1).summary(),
                    None => Kind::Any.word().to_owned(),
                })
                .collect();
            e.kind = if keyword == "anyOf" {
                Kind::AnyOf
            } else {
                Kind::OneOf
            };
        }
        Class::Single(_, keyword) if deeper => {
            let only = doc.node(&child(p, &[keyword, "0"]));
            return overlay(effective(doc, &only, depth + 1), e);
        }
        Class::AllOf(members, extra) if deeper => {
            let merged = doc.with_refs(|refs| merge_all_of(refs, members, extra, p));
            return match merged {
                Ok(merged) => merged_all_of(doc, e, &merged, depth),
                Err(_) => overlay(Meaning::new(p, Facts::default()), e),
            };
        }
        class => {
            e.kind = e.facts.kind.unwrap_or(Kind::Any);
            if let Class::Array(items) = class {
                e.items = items.map(|i| doc.child(i, &child(p, &["items"])));
            }
        }
    }
    e
}

/// A wrapper (`allOf: [$ref]`, `oneOf: [$ref]`) seen through: the member's meaning, with
/// the wrapper's own flags.
fn overlay(mut inner: Meaning, outer: Meaning) -> Meaning {
    // Lowering reads nullability from the wrapper itself (`Lowerer::nullable`).
    inner.nullable = outer.nullable;
    inner.deprecated |= outer.deprecated;
    inner.read_only |= outer.read_only;
    inner.write_only |= outer.write_only;
    if outer.default.is_some() {
        inner.default = outer.facts.default;
    }
    inner.constraints.extend(outer.facts.constraints);
    inner
}

/// An `allOf` as lowering merges it: one object, one member unwrapped, or mixed.
fn merged_all_of(doc: &Doc<'_>, own: Meaning, merged: &AllOf, depth: usize) -> Meaning {
    let mut e = Meaning::new(&own.pointer, Facts::default());
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
    e.props = (parts.props.iter())
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
        if let Some(schema) = doc.node(source).schema {
            e.constraints.extend(facts(&schema).constraints);
        }
    }
    let own = own.facts;
    e.constraints.extend(own.constraints);
    e.nullable = own.nullable;
    e.deprecated = own.deprecated;
    e.read_only = own.read_only;
    e.write_only = own.write_only;
    e.default = own.default;
    e
}
