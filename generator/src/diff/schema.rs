//! Schemas compared by meaning (`shape.rs` says what each node means, as lowering reads it);
//! each difference classified by the direction data flows (requests: what servers accept;
//! responses: what clients decode) and by what it does to the generated Rust type at that
//! place.

use serde_json::Value;

use super::rust::RustView;
use super::{At, Change, ChangeKind, Impact, Pair, Scope, change};
use crate::error::child;
use crate::ir::{Field, Ty};
use crate::lower::facts::{Bound, Constraint, Kind};
use crate::model::{
    Additional, Doc, MAX_DEPTH, Meaning, Node, component_name, effective, value_text, values_text,
};

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

/// Both versions of a document, as the comparison reads them.
#[derive(Clone, Copy)]
pub(crate) struct Sides<'a, 'v> {
    pub(crate) docs: Pair<&'v Doc<'a>>,
    pub(crate) rust: Pair<&'v RustView<'a>>,
}

/// Compares schemas of one scope (a parameter, a request body, the responses with one
/// status, a component), collecting [`Change`]s.
pub(crate) struct Cmp<'a, 'v> {
    sides: Sides<'a, 'v>,
    dir: Dir,
    scope: Scope,
    name: String,
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

fn required_word(required: bool) -> String {
    if required { "required" } else { "optional" }.into()
}

/// The field's Rust place: its type, optionality and name.
fn field_place(field: Option<(&str, &Field)>) -> Place {
    Place {
        ty: field.map(|(_, f)| f.ty.clone()),
        optional: field.map(|(_, f)| f.optional()),
        item: field.map(|(s, f)| format!("`{s}::{}`", f.name)),
    }
}

impl<'a, 'v> Cmp<'a, 'v> {
    pub(crate) fn new(sides: Sides<'a, 'v>, dir: Dir, scope: Scope, name: &str) -> Self {
        Self {
            sides,
            dir,
            scope,
            name: name.to_owned(),
            out: Vec::new(),
            stack: Vec::new(),
            budget: 20_000,
        }
    }

    fn push(
        &mut self,
        path: &str,
        kind: ChangeKind,
        values: Pair<Option<String>>,
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
        let at = At::new(self.scope, &self.name, path);
        self.out.push(change(at, kind, values, description, impact));
    }

    fn view(&self, old: bool) -> &'v RustView<'a> {
        if old {
            self.sides.rust.old
        } else {
            self.sides.rust.new
        }
    }

    fn shape(&self, old: bool, ty: &Option<Ty>) -> Option<String> {
        let view = self.view(old);
        ty.as_ref().map(|t| view.shape(&view.strip_outer_option(t)))
    }

    fn render(&self, old: bool, ty: &Option<Ty>) -> Option<String> {
        ty.as_ref().map(|t| self.view(old).render(t))
    }

    fn effective(&self, old: bool, node: &Node) -> Meaning {
        let doc = if old {
            self.sides.docs.old
        } else {
            self.sides.docs.new
        };
        effective(doc, node, 0)
    }

    /// Why the Rust type at a place changed, when it did (`None` when it did not or when
    /// either side is unknown).
    fn rust_type_change(&self, p: &Pair<Place>) -> Option<String> {
        let (a, b) = (self.shape(true, &p.old.ty)?, self.shape(false, &p.new.ty)?);
        if a == b {
            return None;
        }
        let (x, y) = (
            self.render(true, &p.old.ty)?,
            self.render(false, &p.new.ty)?,
        );
        let item = p
            .new
            .item
            .clone()
            .or_else(|| p.old.item.clone())
            .unwrap_or_else(|| "the generated type".into());
        Some(format!(
            "{item} is now `{y}`, not `{x}`: code using it stops compiling"
        ))
    }

    /// What the Rust type stays, for a change that leaves it alone.
    fn stays(&self, p: &Pair<Place>) -> String {
        match self.render(false, &p.new.ty) {
            Some(t) => format!("the Rust type stays `{t}`"),
            None => "no Rust type changes".into(),
        }
    }

    /// Compares two schemas at `path`.
    pub(crate) fn compare(&mut self, path: &str, nodes: Pair<&Node>, places: Pair<Place>) {
        let key = (nodes.old.pointer.clone(), nodes.new.pointer.clone());
        if self.stack.contains(&key) || self.stack.len() >= MAX_DEPTH || self.budget == 0 {
            return;
        }
        self.budget -= 1;
        self.stack.push(key);
        let e = Pair::new(
            self.effective(true, nodes.old),
            self.effective(false, nodes.new),
        );
        self.compare_eff(path, &e, &places);
        self.stack.pop();
    }

    fn compare_eff(&mut self, path: &str, e: &Pair<Meaning>, p: &Pair<Place>) {
        let rust_change = self.rust_type_change(p);
        self.nullability(path, e, p);
        if e.old.kind != e.new.kind {
            self.kind_changed(path, e, p, rust_change);
            return;
        }
        let mut claimed = self.format(path, e, p, rust_change.clone());
        claimed |= self.values(path, e, p, rust_change.as_deref());
        self.constraints(path, e);
        self.documented(path, e);
        match e.new.kind {
            Kind::Object => self.object(path, e, p),
            Kind::Array => self.items(path, e, p),
            Kind::OneOf | Kind::AnyOf => self.members(path, e, p),
            _ => {}
        }
        if !claimed {
            // Objects, arrays and unions report their own parts; a type change nothing
            // above explains is still a change users see.
            self.unexplained_rust(path, rust_change, p);
        }
    }

    fn nullability(&mut self, path: &str, e: &Pair<Meaning>, p: &Pair<Place>) {
        let nullable = e.as_ref().map(|e| e.nullable);
        if !nullable.changed() {
            return;
        }
        let option_changed = match (p.old.optional, p.new.optional) {
            (Some(a), Some(b)) if a != b => Some(self.option_reason(p, b)),
            _ => None,
        };
        let mut impact = Impact::default().with_rust(option_changed);
        if nullable.new {
            if self.dir.response() && p.new.optional == Some(false) {
                impact = impact.with_rust(Some(
                    "the generated type has no `Option` here: a `null` fails to decode".into(),
                ));
            }
            impact.note = Some(if p.new.optional == Some(true) {
                "`null` reads as `None`".into()
            } else {
                "servers and clients may now send `null`".into()
            });
        } else {
            if self.dir.request() {
                impact = impact.with_wire(Some("requests sending `null` are refused".into()));
            }
            impact.note = Some("`null` is no longer allowed".into());
        }
        self.push(
            path,
            ChangeKind::NullableChanged,
            nullable.map(|n| Some(n.to_string())),
            if nullable.new {
                "now nullable".into()
            } else {
                "no longer nullable".into()
            },
            impact,
        );
    }

    fn kind_changed(
        &mut self,
        path: &str,
        e: &Pair<Meaning>,
        p: &Pair<Place>,
        rust_change: Option<String>,
    ) {
        let kind = e.as_ref().map(|e| e.kind);
        let widening = matches!(
            (kind.old, kind.new),
            (Kind::Integer, Kind::Number) | (_, Kind::Any)
        );
        let mut impact = Impact::default().with_rust(rust_change);
        if self.dir.response() && impact.rust.is_some() && kind.old != Kind::Any {
            impact = impact.with_rust(Some(format!(
                "responses still sending a {} fail to decode",
                kind.old.word()
            )));
        }
        if self.dir.request() && !widening {
            impact = impact.with_wire(Some(if kind.old == Kind::Any {
                format!(
                    "requests sending anything but a {} are refused",
                    kind.new.word()
                )
            } else if matches!(kind.old, Kind::OneOf | Kind::AnyOf) {
                "requests matching only the dropped alternatives are refused".to_owned()
            } else {
                format!("requests sending a {} are refused", kind.old.word())
            }));
        }
        if impact.rust.is_none() {
            impact.note = Some(self.stays(p));
        }
        self.type_changed(path, e, impact);
    }

    fn type_changed(&mut self, path: &str, e: &Pair<Meaning>, impact: Impact) {
        let summary = e.as_ref().map(|e| e.summary());
        self.push(
            path,
            ChangeKind::TypeChanged,
            summary.clone().map(Some),
            format!("type {} → {}", summary.old, summary.new),
            impact,
        );
    }

    /// `format` and `x-cloudjobs-timestamp`; returns whether it explained a Rust type change.
    fn format(
        &mut self,
        path: &str,
        e: &Pair<Meaning>,
        p: &Pair<Place>,
        rust_change: Option<String>,
    ) -> bool {
        if e.old.timestamp == e.new.timestamp && e.old.format == e.new.format {
            return false;
        }
        let words = e.as_ref().map(format_word);
        let narrows = narrows_format(&e.old, &e.new);
        let explains = rust_change.is_some();
        let mut impact = Impact::default().with_rust(rust_change);
        if self.dir.request() && narrows {
            impact = impact.with_wire(Some(format!(
                "requests with values that are not {} are refused",
                words.new
            )));
        }
        if self.dir.response()
            && matches!(e.old.kind, Kind::Integer | Kind::Number)
            && narrows
            && explains
        {
            impact = impact.with_rust(Some(format!(
                "responses with values beyond {} fail to decode",
                words.new
            )));
        }
        if impact.rust.is_none() {
            impact.note = Some(self.stays(p));
        }
        self.push(
            path,
            ChangeKind::FormatChanged,
            words.clone().map(Some),
            format!("format {} → {}", words.old, words.new),
            impact,
        );
        true
    }

    /// Defaults, `readOnly`/`writeOnly` and deprecation: documentation for the generated code.
    fn documented(&mut self, path: &str, e: &Pair<Meaning>) {
        let default = e.as_ref().map(|e| e.default.clone());
        let same_number = match (&default.old, &default.new) {
            (Some(Value::Number(a)), Some(Value::Number(b))) => a.as_f64() == b.as_f64(),
            _ => false,
        };
        if default.changed() && !same_number {
            let text = |v: &Option<Value>| {
                v.as_ref().map_or_else(
                    || "none".to_owned(),
                    |v| format!("`{}`", serde_json::to_string(v).unwrap_or_default()),
                )
            };
            let note = if self.dir.request() {
                "not refused, but requests that leave it out now get another value; the generated code only documents defaults"
            } else {
                "the generated code only documents defaults"
            };
            self.push(
                path,
                ChangeKind::DefaultChanged,
                default.as_ref().map(|d| d.as_ref().map(value_text)),
                format!("default {} → {}", text(&default.old), text(&default.new)),
                Impact::compatible(note),
            );
        }
        let access = [
            (
                "readOnly",
                e.as_ref().map(|e| e.read_only),
                "servers ignore it in requests",
            ),
            (
                "writeOnly",
                e.as_ref().map(|e| e.write_only),
                "servers never return it",
            ),
        ];
        for (flag, values, what) in access {
            if values.changed() {
                self.push(
                    path,
                    ChangeKind::AccessChanged,
                    values.map(|v| Some(v.to_string())),
                    format!("{flag} {} → {}", values.old, values.new),
                    Impact::compatible(if values.new {
                        format!("documented: {what}")
                    } else {
                        "documentation only".to_owned()
                    }),
                );
            }
        }
        let deprecated = e.as_ref().map(|e| e.deprecated);
        if deprecated.changed() {
            self.push(
                path,
                ChangeKind::Deprecated,
                deprecated.map(|d| Some(d.to_string())),
                if deprecated.new {
                    "deprecated".into()
                } else {
                    "no longer deprecated".into()
                },
                Impact::compatible("documentation only (rustdoc notes it)"),
            );
        }
    }

    /// A Rust type change no schema difference at this node explains.
    fn unexplained_rust(&mut self, path: &str, rust_change: Option<String>, p: &Pair<Place>) {
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
            container(self.shape(true, &p.old.ty)),
            container(self.shape(false, &p.new.ty)),
        );
        if a.is_some() && a == b {
            return;
        }
        let rendered = Pair::new(self.render(true, &p.old.ty), self.render(false, &p.new.ty));
        self.push(
            path,
            ChangeKind::RustTypeChanged,
            rendered.clone(),
            format!(
                "generated type `{}` → `{}`",
                rendered.old.unwrap_or_default(),
                rendered.new.unwrap_or_default()
            ),
            Impact::rust(reason),
        );
    }

    fn option_reason(&self, p: &Pair<Place>, now_optional: bool) -> String {
        let item = p
            .new
            .item
            .clone()
            .or_else(|| p.old.item.clone())
            .unwrap_or_else(|| "the value".into());
        if now_optional {
            format!("{item} is now an `Option`: code using it as a plain value stops compiling")
        } else {
            format!("{item} is no longer an `Option`: code treating it as one stops compiling")
        }
    }

    /// Enum values; returns whether it explained a Rust type change.
    fn values(
        &mut self,
        path: &str,
        e: &Pair<Meaning>,
        p: &Pair<Place>,
        rust_change: Option<&str>,
    ) -> bool {
        match (e.old.values.is_empty(), e.new.values.is_empty()) {
            (true, true) => return false,
            (true, false) | (false, true) => {
                self.enum_added_or_removed(path, e, rust_change);
                return true;
            }
            (false, false) => {}
        }
        let enums = Pair::new(
            p.old.ty.as_ref().and_then(|t| self.view(true).enum_name(t)),
            p.new
                .ty
                .as_ref()
                .and_then(|t| self.view(false).enum_name(t)),
        );
        for v in e.old.values.iter().filter(|v| !e.new.values.contains(v)) {
            self.enum_value_removed(path, &value_text(v), e, p, enums);
        }
        for v in e.new.values.iter().filter(|v| !e.old.values.contains(v)) {
            self.enum_value_added(path, &value_text(v), p, enums.new);
        }
        if e.old.open != e.new.open {
            self.openness(path, e);
        }
        rust_change.is_some() && (enums.old.is_some() || enums.new.is_some())
    }

    fn enum_added_or_removed(&mut self, path: &str, e: &Pair<Meaning>, rust_change: Option<&str>) {
        let now_enum = e.old.values.is_empty();
        let mut impact = Impact::default().with_rust(rust_change.map(str::to_owned));
        if now_enum && !e.new.open && self.dir.request() {
            impact = impact.with_wire(Some(format!(
                "requests with values other than {} are refused",
                values_text(&e.new.values)
            )));
        }
        if impact.rust.is_none() && impact.wire.is_none() {
            impact.note = Some(if now_enum {
                "the list is open (`x-extensible-enum`): other values are still allowed".into()
            } else {
                "any value is allowed now".into()
            });
        }
        self.type_changed(path, e, impact);
    }

    fn enum_value_removed(
        &mut self,
        path: &str,
        text: &str,
        e: &Pair<Meaning>,
        p: &Pair<Place>,
        enums: Pair<Option<&str>>,
    ) {
        let mut impact = Impact::default();
        let variant = p
            .old
            .ty
            .as_ref()
            .and_then(|t| self.view(true).variant_of(t, text));
        if let (Some(name), Some(variant)) = (enums.old, variant) {
            impact = impact.with_rust(Some(format!(
                "code naming `{name}::{variant}` stops compiling (the value still decodes, as `{}::Unknown`)",
                enums.new.unwrap_or(name)
            )));
        }
        if self.dir.request() {
            if e.new.open {
                impact.note = Some(
                    "the list is open (`x-extensible-enum`): the value is still allowed".into(),
                );
            } else {
                impact = impact.with_wire(Some(format!("requests sending {text:?} are refused")));
            }
        } else if impact.rust.is_none() {
            impact.note = Some("servers no longer send it".into());
        }
        self.push(
            path,
            ChangeKind::EnumValueRemoved,
            Pair::new(Some(text.to_owned()), None),
            format!("enum value {text:?} removed"),
            impact,
        );
    }

    fn enum_value_added(&mut self, path: &str, text: &str, p: &Pair<Place>, name: Option<&str>) {
        let mut impact = Impact::default();
        let variant = p
            .new
            .ty
            .as_ref()
            .and_then(|t| self.view(false).variant_of(t, text));
        if let (Some(name), Some(variant)) = (name, variant) {
            impact = impact.with_rust(Some(format!(
                "an exhaustive `match` on `{name}` needs a new arm, and {text:?} decodes as `{name}::{variant}`, no longer as `Unknown`"
            )));
        }
        impact.note = Some(if self.dir.response() {
            "compatible on the wire (`Unknown` keeps values the spec does not list)".into()
        } else {
            "servers accept one more value".into()
        });
        self.push(
            path,
            ChangeKind::EnumValueAdded,
            Pair::new(None, Some(text.to_owned())),
            format!("enum value {text:?} added"),
            impact,
        );
    }

    fn openness(&mut self, path: &str, e: &Pair<Meaning>) {
        let mut impact = Impact::default();
        if !e.new.open && self.dir.request() {
            impact = impact.with_wire(Some(
                "values outside the list were allowed and are now refused".into(),
            ));
        } else {
            impact.note =
                Some("the generated enum keeps unknown values either way (`Unknown`)".into());
        }
        let word = |open: bool| Some(if open { "x-extensible-enum" } else { "enum" }.into());
        self.push(
            path,
            ChangeKind::EnumOpenness,
            Pair::new(word(e.old.open), word(e.new.open)),
            if e.new.open {
                "enum → x-extensible-enum (open list)".into()
            } else {
                "x-extensible-enum → enum (closed list)".into()
            },
            impact,
        );
    }

    fn constraints(&mut self, path: &str, e: &Pair<Meaning>) {
        for c in Constraint::ALL {
            let (key, bound) = (c.keyword(), &c.bound());
            let last = |e: &Meaning| -> Option<Value> {
                e.constraints
                    .iter()
                    .rev()
                    .find(|(k, _)| *k == c)
                    .map(|(_, v)| v.clone())
            };
            let (a, b) = (last(&e.old), last(&e.new));
            let same_number = a.as_ref().and_then(Value::as_f64).is_some()
                && a.as_ref().and_then(Value::as_f64) == b.as_ref().and_then(Value::as_f64);
            if a == b || same_number {
                continue;
            }
            let tighter = tightens(*bound, a.as_ref(), b.as_ref());
            let text = |v: &Option<Value>| v.as_ref().map_or_else(|| "none".to_owned(), value_text);
            let mut impact = Impact::default();
            if tighter && self.dir.request() {
                impact = impact.with_wire(Some(
                    "requests with values the old constraint allowed may be refused".into(),
                ));
            } else {
                impact.note = Some(match (tighter, self.dir.response()) {
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
                Pair::new(a.as_ref().map(value_text), b.as_ref().map(value_text)),
                format!("{key} {} → {}", text(&a), text(&b)),
                impact,
            );
        }
    }

    /// The places of what a pair of places holds: their items (`what` = "item") or map
    /// values ("value"), typed by `inner` in each side's Rust view.
    fn inner_places(
        &self,
        p: &Pair<Place>,
        what: &str,
        inner: fn(&RustView<'a>, &Ty) -> Option<Ty>,
    ) -> Pair<Place> {
        let place = |view: &RustView<'a>, p: &Place| {
            let ty = p.ty.as_ref().and_then(|t| inner(view, t));
            Place {
                optional: ty.as_ref().map(|t| matches!(t, Ty::Option(_))),
                ty,
                item: p.item.as_ref().map(|i| format!("each {what} of {i}")),
            }
        };
        Pair::new(
            place(self.view(true), &p.old),
            place(self.view(false), &p.new),
        )
    }

    fn items(&mut self, path: &str, e: &Pair<Meaning>, p: &Pair<Place>) {
        let node = |e: &Meaning| {
            e.items
                .clone()
                .unwrap_or_else(|| Node::missing(&child(&e.pointer, &["items"])))
        };
        let places = self.inner_places(p, "item", RustView::items);
        let nodes = Pair::new(node(&e.old), node(&e.new));
        self.compare(&join(path, "[]"), nodes.as_ref(), places);
    }

    fn object(&mut self, path: &str, e: &Pair<Meaning>, p: &Pair<Place>) {
        for (name, onode) in &e.old.props {
            let field_path = join(path, name);
            match e.new.props.iter().find(|(m, _)| m == name) {
                None => {
                    let closed = matches!(e.new.additional, Additional::Allowed(false));
                    self.field_removed(&field_path, name, onode, &p.old, closed);
                }
                Some((_, nnode)) => {
                    self.field_kept(&field_path, name, Pair::new(onode, nnode), e, p);
                }
            }
        }
        for (name, nnode) in &e.new.props {
            if !e.old.props.iter().any(|(m, _)| m == name) {
                let required = e.new.required.contains(name);
                self.field_added(&join(path, name), name, nnode, &p.new, required);
            }
        }
        self.additional(path, e, p);
    }

    /// A field only the old schema has. `closed`: the new schema refuses properties it does
    /// not name (`additionalProperties: false`).
    fn field_removed(&mut self, path: &str, name: &str, node: &Node, old: &Place, closed: bool) {
        let old_field = old.ty.as_ref().and_then(|t| self.view(true).field(t, name));
        let mut impact = Impact::default();
        if let Some((s, f)) = old_field {
            impact = impact.with_rust(Some(format!(
                "code using `{s}::{}` stops compiling",
                f.name
            )));
        }
        if self.dir.request() {
            if closed {
                impact = impact.with_wire(Some(
                    "requests sending it are refused (`additionalProperties: false`)".into(),
                ));
            } else if impact.rust.is_none() {
                impact.note = Some("servers no longer document it".into());
            }
        } else if impact.rust.is_none() {
            impact.note = Some("servers no longer send it".into());
        }
        let summary = self.effective(true, node).summary();
        self.push(
            path,
            ChangeKind::FieldRemoved,
            Pair::new(Some(summary.clone()), None),
            format!("field removed (was {summary})"),
            impact,
        );
    }

    fn field_kept(
        &mut self,
        path: &str,
        name: &str,
        nodes: Pair<&Node>,
        e: &Pair<Meaning>,
        p: &Pair<Place>,
    ) {
        let places = Pair::new(
            field_place(
                p.old
                    .ty
                    .as_ref()
                    .and_then(|t| self.view(true).field(t, name)),
            ),
            field_place(
                p.new
                    .ty
                    .as_ref()
                    .and_then(|t| self.view(false).field(t, name)),
            ),
        );
        let required = e.as_ref().map(|e| e.required.contains(name));
        if required.changed() {
            self.required_changed(path, required, &places);
        }
        self.compare(path, nodes, places);
    }

    fn required_changed(&mut self, path: &str, required: Pair<bool>, p: &Pair<Place>) {
        let now = required.new;
        let mut impact = Impact::default();
        if let (Some(x), Some(y)) = (p.old.optional, p.new.optional) {
            if x != y {
                impact = impact.with_rust(Some(self.option_reason(p, y)));
            } else if self.dir.response() && now {
                impact.note = Some("it stays an `Option` (it is nullable)".into());
            }
        }
        if now && self.dir.request() {
            impact = impact.with_wire(Some("requests without it are refused".into()));
        }
        if now && self.dir.response() && p.new.optional == Some(false) {
            impact = impact.with_rust(Some(
                "responses without it fail to decode (fine only if every server always sends it)"
                    .into(),
            ));
        }
        if impact.rust.is_none() && impact.wire.is_none() && impact.note.is_none() {
            impact.note = Some(if now {
                "servers always send it".into()
            } else {
                "requests may leave it out".into()
            });
        }
        self.push(
            path,
            ChangeKind::RequiredChanged,
            required.map(|r| Some(required_word(r))),
            if now {
                "now required".into()
            } else {
                "now optional".into()
            },
            impact,
        );
    }

    /// A field only the new schema has; `required` there or not.
    fn field_added(&mut self, path: &str, name: &str, node: &Node, new: &Place, required: bool) {
        let new_field = new
            .ty
            .as_ref()
            .and_then(|t| self.view(false).field(t, name));
        let mut impact = Impact::default();
        if self.dir.request() {
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
        if self.dir.response() {
            if required && new_field.is_some_and(|(_, f)| !f.optional()) {
                impact = impact.with_rust(Some(
                    "responses without it fail to decode (fine only if every server always sends it)"
                        .into(),
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
        let summary = self.effective(false, node).summary();
        self.push(
            path,
            ChangeKind::FieldAdded,
            Pair::new(None, Some(summary.clone())),
            format!("field added ({}, {summary})", required_word(required)),
            impact,
        );
    }

    /// Properties the schema does not name.
    fn additional(&mut self, path: &str, e: &Pair<Meaning>, p: &Pair<Place>) {
        let allowed = |a: &Additional| !matches!(a, Additional::Allowed(false));
        let (was, is) = (allowed(&e.old.additional), allowed(&e.new.additional));
        let word = |a: &Additional| match a {
            Additional::Unspecified => "unspecified (allowed)".to_owned(),
            Additional::Allowed(b) => b.to_string(),
            Additional::Schema(_) => "a schema".to_owned(),
        };
        let extra = |old: bool, place: &Place| {
            let (s, st) = place
                .ty
                .as_ref()
                .and_then(|t| self.view(old).struct_of(t))?;
            st.additional.as_ref().map(|(f, _)| format!("`{s}::{f}`"))
        };
        let extra = Pair::new(extra(true, &p.old), extra(false, &p.new));
        if was != is || extra.old.is_some() != extra.new.is_some() {
            let mut impact = Impact::default();
            if was && !is && self.dir.request() {
                impact = impact.with_wire(Some(
                    "requests with properties the schema does not name are refused".into(),
                ));
            }
            match (&extra.old, &extra.new) {
                (Some(f), None) => {
                    impact = impact.with_rust(Some(format!("code using {f} stops compiling")));
                }
                (None, Some(f)) if self.dir.request() => {
                    impact = impact.with_rust(Some(format!("struct literals must now set {f}")));
                }
                _ => {}
            }
            if impact.rust.is_none() && impact.wire.is_none() {
                impact.note = Some(match (&extra.old, &extra.new, is) {
                    (None, Some(f), _) => {
                        format!("properties the schema does not name are kept in {f}")
                    }
                    (_, _, true) => "other properties are allowed".into(),
                    (_, _, false) => "other properties are no longer sent".into(),
                });
            }
            let words = e.as_ref().map(|e| word(&e.additional));
            self.push(
                path,
                ChangeKind::AdditionalPropertiesChanged,
                words.clone().map(Some),
                format!("additionalProperties {} → {}", words.old, words.new),
                impact,
            );
        }
        if let (Additional::Schema(a), Additional::Schema(b)) =
            (&e.old.additional, &e.new.additional)
        {
            let places = self.inner_places(p, "value", RustView::values);
            self.compare(&join(path, "*"), Pair::new(a, b), places);
        }
    }

    /// The alternatives of a `oneOf`/`anyOf`: components paired by name, inline ones by
    /// position.
    fn members(&mut self, path: &str, e: &Pair<Meaning>, p: &Pair<Place>) {
        let labels = e.as_ref().map(|e| {
            e.members
                .iter()
                .enumerate()
                .map(|(i, m)| component_name(&m.pointer).unwrap_or_else(|| format!("#{}", i + 1)))
                .collect::<Vec<String>>()
        });
        let mut matched_new = vec![false; e.new.members.len()];
        for (i, label) in labels.old.iter().enumerate() {
            let j = if label.starts_with('#') {
                (i < e.new.members.len() && labels.new[i].starts_with('#') && !matched_new[i])
                    .then_some(i)
            } else {
                labels
                    .new
                    .iter()
                    .position(|l| l == label)
                    .filter(|&j| !matched_new[j])
            };
            match j {
                Some(j) => {
                    matched_new[j] = true;
                    self.member_kept(path, Pair::new(i, j), &labels.new[j], e, p);
                }
                None => self.member_removed(path, i, label, p),
            }
        }
        for j in (0..e.new.members.len()).filter(|&j| !matched_new[j]) {
            self.member_added(path, j, &labels.new[j], p);
        }
        if e.old.discriminator != e.new.discriminator {
            self.discriminator(path, e);
        }
    }

    /// The union's name and the `index`th variant's, on one side.
    fn variant(&self, old: bool, place: &Place, index: usize) -> Option<(&'a str, &'a str)> {
        let (union, variants) = self.view(old).union_of(place.ty.as_ref()?)?;
        Some((union, variants.get(index)?))
    }

    fn member_kept(
        &mut self,
        path: &str,
        index: Pair<usize>,
        label: &str,
        e: &Pair<Meaning>,
        p: &Pair<Place>,
    ) {
        let place = |old: bool, place: &Place, i: usize| Place {
            ty: place.ty.as_ref().and_then(|t| self.view(old).member(t, i)),
            optional: None,
            item: self
                .variant(old, place, i)
                .map(|(u, v)| format!("`{u}::{v}`")),
        };
        let places = Pair::new(
            place(true, &p.old, index.old),
            place(false, &p.new, index.new),
        );
        let kw = if e.new.kind == Kind::AnyOf {
            "anyOf"
        } else {
            "oneOf"
        };
        let nodes = Pair::new(&e.old.members[index.old], &e.new.members[index.new]);
        self.compare(&join(path, &format!("<{kw} {label}>")), nodes, places);
    }

    fn member_removed(&mut self, path: &str, index: usize, label: &str, p: &Pair<Place>) {
        let mut impact = Impact::default();
        if let Some((u, v)) = self.variant(true, &p.old, index) {
            impact = impact.with_rust(Some(format!("code naming `{u}::{v}` stops compiling")));
        }
        if self.dir.request() {
            impact = impact.with_wire(Some("requests sending that alternative are refused".into()));
        } else if impact.rust.is_none() {
            impact.note = Some("servers no longer send it".into());
        }
        self.push(
            path,
            ChangeKind::VariantRemoved,
            Pair::new(Some(label.to_owned()), None),
            format!("alternative {label} removed"),
            impact,
        );
    }

    fn member_added(&mut self, path: &str, index: usize, label: &str, p: &Pair<Place>) {
        let mut impact = Impact::default();
        if let Some((u, v)) = self.variant(false, &p.new, index) {
            impact = impact.with_rust(Some(format!(
                "an exhaustive `match` on `{u}` needs a new arm for `{u}::{v}`"
            )));
        }
        if impact.rust.is_none() {
            impact.note = Some("one more alternative is allowed".into());
        }
        self.push(
            path,
            ChangeKind::VariantAdded,
            Pair::new(None, Some(label.to_owned())),
            format!("alternative {label} added"),
            impact,
        );
    }

    fn discriminator(&mut self, path: &str, e: &Pair<Meaning>) {
        let word = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".into());
        let mut impact = Impact::rust(
            "decoding picks the alternative by another property: responses may decode differently or fail",
        );
        if self.dir.request() {
            impact = impact.with_wire(Some(
                "servers read the alternative from another property".into(),
            ));
        }
        let values = e.as_ref().map(|e| e.discriminator.clone());
        self.push(
            path,
            ChangeKind::DiscriminatorChanged,
            values.clone(),
            format!(
                "discriminator {} → {}",
                word(&values.old),
                word(&values.new)
            ),
            impact,
        );
    }
}

fn format_word(e: &Meaning) -> String {
    match (&e.format, e.timestamp) {
        (Some(f), true) => format!("{f} (x-cloudjobs-timestamp)"),
        (None, true) => "x-cloudjobs-timestamp".into(),
        (Some(f), false) => f.clone(),
        (None, false) => "none".into(),
    }
}

/// Whether the new format accepts fewer values than the old one.
fn narrows_format(old: &Meaning, new: &Meaning) -> bool {
    let rank = |e: &Meaning| -> Option<u8> {
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
