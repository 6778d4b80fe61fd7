//! The generated Rust API's changes, computed from two lowered [`Api`]s; and the view of one
//! API the spec comparison uses to tell what a spec change does to Rust types.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{Pair, RustAction, RustChange, RustItem};
use crate::ir::{
    Api, Field, Operation, Outcome, OutcomeKind, Param, ResponseBody, ResponseHeaders, StringEnum,
    Struct, Ty, TypeDef, TypeId, TypeKind,
};

/// Deep enough for any real schema; a guard against pathological alias chains.
const MAX_DEPTH: usize = 64;

/// One lowered API, indexed for lookups.
pub(crate) struct RustView<'a> {
    pub(crate) api: &'a Api,
    by_pointer: HashMap<&'a str, TypeId>,
}

impl<'a> RustView<'a> {
    pub(crate) fn new(api: &'a Api) -> Self {
        let by_pointer = api
            .types
            .iter()
            .enumerate()
            .map(|(id, t)| (t.pointer.as_str(), id))
            .collect();
        Self { api, by_pointer }
    }

    /// The named type made from the schema at `pointer`.
    pub(crate) fn type_at(&self, pointer: &str) -> Option<Ty> {
        self.by_pointer.get(pointer).map(|id| Ty::Named(*id))
    }

    fn def(&self, id: TypeId) -> Option<&'a TypeDef> {
        self.api.types.get(id)
    }

    /// The type behind options, boxes, aliases and newtypes.
    pub(crate) fn strip(&self, ty: &Ty) -> Ty {
        let mut ty = ty.clone();
        for _ in 0..MAX_DEPTH {
            ty = match ty {
                Ty::Option(inner) | Ty::Boxed(inner) => *inner,
                Ty::Named(id) => match self.def(id).map(|d| &d.kind) {
                    Some(TypeKind::Alias(inner) | TypeKind::Newtype(inner)) => inner.clone(),
                    _ => return Ty::Named(id),
                },
                other => return other,
            };
        }
        ty
    }

    /// The type without the outermost `Option` (nullable items, map values).
    pub(crate) fn strip_outer_option(&self, ty: &Ty) -> Ty {
        match ty {
            Ty::Option(inner) => (**inner).clone(),
            other => other.clone(),
        }
    }

    /// What an operation's success or failure side decodes to, without names.
    pub(crate) fn outcome_shape(&self, outcome: &Outcome) -> String {
        match &outcome.kind {
            OutcomeKind::Single(body) => self.body_shape(body),
            OutcomeKind::Enum(id) => match self.def(*id).map(|d| &d.kind) {
                Some(TypeKind::Responses(r)) => {
                    let variants: Vec<String> = r
                        .variants
                        .iter()
                        .map(|(v, body, _)| format!("{v}({})", self.body_shape(body)))
                        .collect();
                    format!("enum by status {{{}}}", variants.join(", "))
                }
                _ => "?".into(),
            },
        }
    }

    /// An operation's success or failure type as users write it.
    pub(crate) fn outcome_type(&self, outcome: &Outcome, failure: bool) -> String {
        match &outcome.kind {
            OutcomeKind::Single(ResponseBody::Json(ty)) => self.render(ty),
            OutcomeKind::Single(_) if failure => "rt::Undocumented".into(),
            OutcomeKind::Single(ResponseBody::Empty) => "()".into(),
            OutcomeKind::Single(ResponseBody::Text) => "String".into(),
            OutcomeKind::Single(ResponseBody::Bytes) => "rt::Bytes".into(),
            OutcomeKind::Enum(id) => self.def(*id).map_or("?".into(), |d| d.name.clone()),
        }
    }

    fn body_shape(&self, body: &ResponseBody) -> String {
        match body {
            ResponseBody::Empty => "()".into(),
            ResponseBody::Json(ty) => self.shape(ty),
            ResponseBody::Text => "String".into(),
            ResponseBody::Bytes => "Bytes".into(),
        }
    }

    /// The struct a type is, with its name.
    pub(crate) fn struct_of(&self, ty: &Ty) -> Option<(&'a str, &'a Struct)> {
        match self.strip(ty) {
            Ty::Named(id) => match self.def(id) {
                Some(TypeDef {
                    name,
                    kind: TypeKind::Struct(s),
                    ..
                }) => Some((name.as_str(), s)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The field with wire name `wire` of the struct `ty` is, with the struct's name.
    pub(crate) fn field(&self, ty: &Ty, wire: &str) -> Option<(&'a str, &'a Field)> {
        let (name, s) = self.struct_of(ty)?;
        s.fields.iter().find(|f| f.wire == wire).map(|f| (name, f))
    }

    /// The element type of an array type.
    pub(crate) fn items(&self, ty: &Ty) -> Option<Ty> {
        match self.strip(ty) {
            Ty::Vec(inner) => Some(*inner),
            _ => None,
        }
    }

    /// The value type of a map, or of a struct's additional properties.
    pub(crate) fn values(&self, ty: &Ty) -> Option<Ty> {
        match self.strip(ty) {
            Ty::Map(inner) => Some(*inner),
            other => self
                .struct_of(&other)
                .and_then(|(_, s)| s.additional.as_ref().map(|(_, t)| t.clone())),
        }
    }

    /// The payload of the `index`th alternative of a union.
    pub(crate) fn member(&self, ty: &Ty, index: usize) -> Option<Ty> {
        match self.strip(ty) {
            Ty::Named(id) => match self.def(id).map(|d| &d.kind) {
                Some(TypeKind::Union(u)) => u.variants.get(index).map(|v| v.ty.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The generated enum a type is: its name.
    pub(crate) fn enum_name(&self, ty: &Ty) -> Option<&'a str> {
        match self.strip(ty) {
            Ty::Named(id) => match self.def(id) {
                Some(TypeDef {
                    name,
                    kind: TypeKind::Enum(_),
                    ..
                }) => Some(name.as_str()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The Rust variant name of an enum value.
    pub(crate) fn variant_of(&self, ty: &Ty, wire: &str) -> Option<&'a str> {
        match self.strip(ty) {
            Ty::Named(id) => match self.def(id).map(|d| &d.kind) {
                Some(TypeKind::Enum(e)) => e
                    .variants
                    .iter()
                    .find(|v| v.wire == wire)
                    .map(|v| v.name.as_str()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The union a type is: its name and variant names.
    pub(crate) fn union_of(&self, ty: &Ty) -> Option<(&'a str, Vec<&'a str>)> {
        match self.strip(ty) {
            Ty::Named(id) => match self.def(id) {
                Some(TypeDef {
                    name,
                    kind: TypeKind::Union(u),
                    ..
                }) => Some((
                    name.as_str(),
                    u.variants.iter().map(|v| v.name.as_str()).collect(),
                )),
                _ => None,
            },
            _ => None,
        }
    }

    /// What a type is, without names: two types with the same shape are used the same way
    /// (`Option<Vec<struct>>`). Aliases are transparent, as in Rust.
    pub(crate) fn shape(&self, ty: &Ty) -> String {
        self.shape_at(ty, 0)
    }

    fn shape_at(&self, ty: &Ty, depth: usize) -> String {
        if depth > MAX_DEPTH {
            return "…".into();
        }
        let named = |id: TypeId| match self.def(id).map(|t| &t.kind) {
            Some(TypeKind::Struct(_)) => "struct".into(),
            Some(TypeKind::Enum(_)) => "enum".into(),
            Some(TypeKind::Union(_)) => "union".into(),
            Some(TypeKind::Responses(_)) => "responses".into(),
            Some(TypeKind::Alias(inner)) => self.shape_at(inner, depth + 1),
            Some(TypeKind::Newtype(inner)) => {
                format!("newtype({})", self.shape_at(inner, depth + 1))
            }
            None => "?".into(),
        };
        ty.rust(&named, "BTreeMap")
    }

    /// The type as users write it (`Option<Vec<JobResult>>`).
    pub(crate) fn render(&self, ty: &Ty) -> String {
        render(self.api, ty, &HashMap::new())
    }
}

/// Renders a type; named types through `renames` (old name → new name) when listed.
fn render(api: &Api, ty: &Ty, renames: &HashMap<String, String>) -> String {
    ty.rust(&type_namer(api, renames), "BTreeMap")
}

/// The name of a type of `api` in rendered types: through `renames` (old name → new name)
/// when listed, so that a renamed type alone changes no signature.
fn type_namer<'n>(
    api: &'n Api,
    renames: &'n HashMap<String, String>,
) -> impl Fn(TypeId) -> String + 'n {
    move |id| {
        let name = api.types.get(id).map_or("?", |t| t.name.as_str());
        renames
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }
}

/// Compares the generated Rust API of two versions of a spec.
pub(super) fn diff_apis(old: Option<&Api>, new: Option<&Api>) -> Vec<RustChange> {
    match (old, new) {
        (None, None) => Vec::new(),
        (None, Some(n)) => vec![RustChange {
            action: RustAction::Added,
            item: RustItem::Module,
            name: n.module.clone(),
            old: None,
            new: Some(format!(
                "{} operation(s), {} type(s)",
                n.operations.len(),
                n.types.len()
            )),
            detail: format!(
                "{} operation(s), {} type(s)",
                n.operations.len(),
                n.types.len()
            ),
            breaking: false,
            reason: format!("New module `cloudjobs::{}`.", n.module),
        }],
        (Some(o), None) => vec![RustChange {
            action: RustAction::Removed,
            item: RustItem::Module,
            name: o.module.clone(),
            old: Some(format!(
                "{} operation(s), {} type(s)",
                o.operations.len(),
                o.types.len()
            )),
            new: None,
            detail: format!(
                "was {} operation(s), {} type(s)",
                o.operations.len(),
                o.types.len()
            ),
            breaking: true,
            reason: format!(
                "Code using `cloudjobs::{}` stops compiling: the module is gone.",
                o.module
            ),
        }],
        (Some(o), Some(n)) => ApiDiff::new(o, n).run(),
    }
}

/// Whether a change of a member (its action, name and old text) breaks code, and why.
type Says<'s> = &'s dyn Fn(RustAction, &str, Option<&str>) -> (bool, String);

struct ApiDiff<'a> {
    old: &'a Api,
    new: &'a Api,
    /// Old type name → new type name, for renamed types.
    renames: HashMap<String, String>,
    /// Types users build themselves: reachable from request parameters and bodies.
    request_types: HashSet<TypeId>,
    out: Vec<RustChange>,
}

impl<'a> ApiDiff<'a> {
    fn new(old: &'a Api, new: &'a Api) -> Self {
        Self {
            old,
            new,
            renames: HashMap::new(),
            request_types: request_types(new),
            out: Vec::new(),
        }
    }

    fn push(
        &mut self,
        action: RustAction,
        item: RustItem,
        name: String,
        values: Pair<Option<String>>,
        breaking: bool,
        reason: String,
    ) {
        let Pair { old, new } = values;
        let detail = match (action, &old, &new) {
            (RustAction::Changed, Some(o), Some(n)) => format!("`{o}` → `{n}`"),
            (RustAction::Added, _, Some(n)) => format!("`{n}`"),
            (_, Some(o), _) => format!("was `{o}`"),
            (_, None, Some(n)) => format!("`{n}`"),
            (_, None, None) => String::new(),
        };
        self.out.push(RustChange {
            action,
            item,
            name,
            old,
            new,
            detail,
            breaking,
            reason,
        });
    }

    /// Replaces the short description of the change pushed last.
    fn detail(&mut self, detail: String) {
        if let Some(last) = self.out.last_mut() {
            last.detail = detail;
        }
    }

    fn old_ty(&self, ty: &Ty) -> String {
        render(self.old, ty, &self.renames)
    }

    fn new_ty(&self, ty: &Ty) -> String {
        render(self.new, ty, &HashMap::new())
    }

    fn run(mut self) -> Vec<RustChange> {
        // Methods first (what users call), then types (what they name and read).
        let (pairs, removed, added) = self.match_types();
        self.diff_operations();
        for i in removed {
            let t = &self.old.types[i];
            self.push(
                RustAction::Removed,
                RustItem::Type,
                t.name.clone(),
                Pair::new(Some(kind_word(&t.kind).to_owned()), None),
                true,
                format!("Code naming `{}` stops compiling.", t.name),
            );
            self.detail(format!("was {}", kind_word(&t.kind)));
        }
        for j in added {
            let t = &self.new.types[j];
            self.push(
                RustAction::Added,
                RustItem::Type,
                t.name.clone(),
                Pair::new(None, Some(kind_word(&t.kind).to_owned())),
                false,
                "A new type.".into(),
            );
            self.detail(kind_word(&t.kind).to_owned());
        }
        self.diff_types(&pairs);
        self.out
    }

    /// Pairs old and new types: same name, then same schema, then same contents (renamed).
    /// Also gives the old types left unpaired (removed) and the new ones (added).
    fn match_types(&mut self) -> (Vec<(TypeId, TypeId)>, Vec<TypeId>, Vec<TypeId>) {
        let new_by_name: HashMap<&str, TypeId> = self
            .new
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        let mut pairs = Vec::new();
        let mut old_left: BTreeSet<TypeId> = BTreeSet::new();
        let mut new_left: BTreeSet<TypeId> = (0..self.new.types.len()).collect();
        for (i, t) in self.old.types.iter().enumerate() {
            match new_by_name.get(t.name.as_str()) {
                Some(&j) if new_left.remove(&j) => pairs.push((i, j)),
                _ => {
                    old_left.insert(i);
                }
            }
        }
        // The same schema under another name (a name decided differently).
        for i in old_left.clone() {
            let pointer = &self.old.types[i].pointer;
            let same: Vec<TypeId> = new_left
                .iter()
                .copied()
                .filter(|&j| self.new.types[j].pointer == *pointer)
                .collect();
            if let [j] = same.as_slice() {
                self.rename(i, *j);
                pairs.push((i, *j));
                old_left.remove(&i);
                new_left.remove(j);
            }
        }
        // The same contents under another name (a renamed component, and the inline types
        // named after it), bottom-up until nothing more matches.
        loop {
            let mut found = false;
            let new_sigs: Vec<(TypeId, String)> = new_left
                .iter()
                .map(|&j| (j, signature(self.new, j, &HashMap::new())))
                .collect();
            for i in old_left.clone() {
                let sig = signature(self.old, i, &self.renames);
                let candidates: Vec<TypeId> = new_sigs
                    .iter()
                    .filter(|(j, s)| *s == sig && new_left.contains(j))
                    .map(|(j, _)| *j)
                    .collect();
                let chosen = match candidates.as_slice() {
                    [only] => Some(*only),
                    [] => None,
                    many => {
                        let moved = self.moved_pointer(&self.old.types[i].pointer);
                        let by_place: Vec<TypeId> = many
                            .iter()
                            .copied()
                            .filter(|&j| Some(&self.new.types[j].pointer) == moved.as_ref())
                            .collect();
                        match by_place.as_slice() {
                            [only] => Some(*only),
                            _ => None,
                        }
                    }
                };
                if let Some(j) = chosen {
                    self.rename(i, j);
                    pairs.push((i, j));
                    old_left.remove(&i);
                    new_left.remove(&j);
                    found = true;
                }
            }
            if !found {
                break;
            }
        }
        pairs.sort_by_key(|&(_, j)| j);
        (
            pairs,
            old_left.into_iter().collect(),
            new_left.into_iter().collect(),
        )
    }

    /// Where an old schema would be in the new version, given the components renamed so far.
    fn moved_pointer(&self, pointer: &str) -> Option<String> {
        const PREFIX: &str = "#/components/schemas/";
        let rest = pointer.strip_prefix(PREFIX)?;
        let (component, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let old_pointer = format!("{PREFIX}{component}");
        let old_name = &self
            .old
            .types
            .iter()
            .find(|t| t.pointer == old_pointer)?
            .name;
        let new_name = self.renames.get(old_name)?;
        let new_pointer = &self.new.types.iter().find(|t| t.name == *new_name)?.pointer;
        Some(if tail.is_empty() {
            new_pointer.clone()
        } else {
            format!("{new_pointer}/{tail}")
        })
    }

    fn rename(&mut self, old: TypeId, new: TypeId) {
        let (o, n) = (&self.old.types[old], &self.new.types[new]);
        if o.name != n.name {
            self.renames.insert(o.name.clone(), n.name.clone());
        }
    }

    fn diff_types(&mut self, pairs: &[(TypeId, TypeId)]) {
        for &(i, j) in pairs {
            let (o, n) = (&self.old.types[i], &self.new.types[j]);
            if o.name != n.name {
                self.push(
                    RustAction::Renamed,
                    RustItem::Type,
                    n.name.clone(),
                    Pair::new(Some(o.name.clone()), Some(n.name.clone())),
                    true,
                    format!(
                        "Code naming `{}` stops compiling: the type is now `{}`.",
                        o.name, n.name
                    ),
                );
            }
            self.diff_type(o, n, j);
        }
    }

    fn diff_type(&mut self, o: &TypeDef, n: &TypeDef, new_id: TypeId) {
        let name = n.name.clone();
        match (&o.kind, &n.kind) {
            (TypeKind::Struct(a), TypeKind::Struct(b)) => self.diff_struct(&name, a, b, new_id),
            (TypeKind::Enum(a), TypeKind::Enum(b)) => self.diff_enum(&name, a, b),
            (TypeKind::Union(a), TypeKind::Union(b)) => {
                let old: Vec<(String, String)> = a
                    .variants
                    .iter()
                    .map(|v| (v.name.clone(), self.old_ty(&v.ty)))
                    .collect();
                let new: Vec<(String, String)> = b
                    .variants
                    .iter()
                    .map(|v| (v.name.clone(), self.new_ty(&v.ty)))
                    .collect();
                self.diff_variants(&name, &old, &new);
                if a.discriminator != b.discriminator {
                    self.push(
                        RustAction::Changed,
                        RustItem::Type,
                        name.clone(),
                        Pair::new(
                            a.discriminator
                                .clone()
                                .map(|d| format!("discriminator `{d}`")),
                            b.discriminator
                                .clone()
                                .map(|d| format!("discriminator `{d}`")),
                        ),
                        false,
                        "Decoding chooses the variant differently; the Rust items stay.".into(),
                    );
                }
            }
            (TypeKind::Responses(a), TypeKind::Responses(b)) => {
                let old: Vec<(String, String)> = a
                    .variants
                    .iter()
                    .map(|(v, body, _)| (v.clone(), self.body(self.old, body, true)))
                    .collect();
                let new: Vec<(String, String)> = b
                    .variants
                    .iter()
                    .map(|(v, body, _)| (v.clone(), self.body(self.new, body, false)))
                    .collect();
                self.diff_variants(&name, &old, &new);
            }
            (TypeKind::Alias(a), TypeKind::Alias(b))
            | (TypeKind::Newtype(a), TypeKind::Newtype(b)) => {
                let (a, b) = (self.old_ty(a), self.new_ty(b));
                if a != b {
                    self.push(RustAction::Changed, RustItem::Type, name.clone(), Pair::new(Some(a.clone()), Some(b.clone())), true, format!("`{name}` is now `{b}`, not `{a}`: code using it as `{a}` stops compiling."));
                }
            }
            (a, b) => {
                self.push(
                    RustAction::Changed,
                    RustItem::Type,
                    name.clone(),
                    Pair::new(Some(kind_word(a).to_owned()), Some(kind_word(b).to_owned())),
                    true,
                    format!(
                        "`{name}` was {}, now {}: code using it stops compiling.",
                        kind_word(a),
                        kind_word(b)
                    ),
                );
                self.detail(format!("{} → {}", kind_word(a), kind_word(b)));
            }
        }
    }

    /// Members of an item compared by name: `(name, text)` on each side, where the text is a
    /// type or a value and a different one is a change. `says` gives whether each added,
    /// removed or changed member breaks code, and why (from its name and old text).
    fn diff_members(
        &mut self,
        item: RustItem,
        owner: &str,
        members: Pair<&[(String, String)]>,
        says: Says<'_>,
    ) {
        let find = |list: &[(String, String)], m: &str| -> Option<String> {
            list.iter().find(|(n, _)| n == m).map(|(_, t)| t.clone())
        };
        for (m, x) in members.old {
            let (action, new) = match find(members.new, m) {
                None => (RustAction::Removed, None),
                Some(y) if y != *x => (RustAction::Changed, Some(y)),
                Some(_) => continue,
            };
            let (breaking, reason) = says(action, m, Some(x));
            let values = Pair::new(Some(x.clone()), new);
            self.push(
                action,
                item,
                format!("{owner}::{m}"),
                values,
                breaking,
                reason,
            );
        }
        for (m, y) in members.new {
            if find(members.old, m).is_none() {
                let (breaking, reason) = says(RustAction::Added, m, None);
                let values = Pair::new(None, Some(y.clone()));
                self.push(
                    RustAction::Added,
                    item,
                    format!("{owner}::{m}"),
                    values,
                    breaking,
                    reason,
                );
            }
        }
    }

    fn diff_enum(&mut self, name: &str, a: &StringEnum, b: &StringEnum) {
        let values = |e: &StringEnum| -> Vec<(String, String)> {
            e.variants
                .iter()
                .map(|v| (v.name.clone(), format!("{:?}", v.wire)))
                .collect()
        };
        let says = |action, v: &str, wire: Option<&str>| match action {
            RustAction::Removed => (
                true,
                format!(
                    "Code naming `{name}::{v}` stops compiling; the value still decodes, as `{name}::Unknown({})`.",
                    wire.unwrap_or_default()
                ),
            ),
            RustAction::Changed => (true, format!("`{name}::{v}` now stands for another value.")),
            _ => (
                true,
                format!(
                    "An exhaustive `match` on `{name}` needs a new arm (the enum is not `#[non_exhaustive]`)."
                ),
            ),
        };
        let (old, new) = (values(a), values(b));
        self.diff_members(RustItem::Variant, name, Pair::new(&old, &new), &says);
    }

    fn diff_variants(&mut self, name: &str, old: &[(String, String)], new: &[(String, String)]) {
        let says = |action, v: &str, payload: Option<&str>| match action {
            RustAction::Removed => (true, format!("Code naming `{name}::{v}` stops compiling.")),
            RustAction::Changed => (
                true,
                format!(
                    "Code using `{name}::{v}` with a `{}` stops compiling.",
                    payload.unwrap_or_default()
                ),
            ),
            _ => (
                true,
                format!("An exhaustive `match` on `{name}` needs a new arm."),
            ),
        };
        self.diff_members(RustItem::Variant, name, Pair::new(old, new), &says);
    }

    fn diff_struct(&mut self, name: &str, a: &Struct, b: &Struct, new_id: TypeId) {
        let built = self.request_types.contains(&new_id);
        for f in &a.fields {
            let old_ty = field_ty(f);
            match b.fields.iter().find(|g| g.name == f.name) {
                None => self.push(
                    RustAction::Removed,
                    RustItem::Field,
                    format!("{name}::{}", f.name),
                    Pair::new(Some(self.old_ty(&old_ty)), None),
                    true,
                    format!("Code using `{name}::{}` stops compiling.", f.name),
                ),
                Some(g) => {
                    let (x, y) = (self.old_ty(&old_ty), self.new_ty(&field_ty(g)));
                    if x != y {
                        self.push(
                            RustAction::Changed,
                            RustItem::Field,
                            format!("{name}::{}", f.name),
                            Pair::new(Some(x.clone()), Some(y.clone())),
                            true,
                            format!("Code using `{name}::{}` as `{x}` stops compiling.", f.name),
                        );
                    }
                    if f.wire != g.wire {
                        self.push(
                            RustAction::Changed,
                            RustItem::Field,
                            format!("{name}::{}", f.name),
                            Pair::new(
                                Some(format!("JSON name {:?}", f.wire)),
                                Some(format!("JSON name {:?}", g.wire)),
                            ),
                            false,
                            "Same Rust field, read from and written to another JSON property."
                                .into(),
                        );
                    }
                }
            }
        }
        self.fields_added(name, a, b, built);
        self.diff_default(name, a, b);
        self.diff_additional(name, a, b, built);
    }

    /// Fields only in the new struct: breaking when users build it.
    fn fields_added(&mut self, name: &str, a: &Struct, b: &Struct, built: bool) {
        for g in &b.fields {
            if a.fields.iter().any(|f| f.name == g.name) {
                continue;
            }
            let ty = self.new_ty(&field_ty(g));
            let (breaking, reason) = if built {
                (
                    true,
                    format!(
                        "`{name}` is built by users (it is sent in requests): struct literals must now set `{}`{}.",
                        g.name,
                        if b.fields.iter().all(Field::optional) {
                            " or end with `..Default::default()`"
                        } else {
                            ""
                        }
                    ),
                )
            } else {
                (
                    false,
                    format!("`{name}` is only read from responses: code reading it is unaffected."),
                )
            };
            self.push(
                RustAction::Added,
                RustItem::Field,
                format!("{name}::{}", g.name),
                Pair::new(None, Some(ty)),
                breaking,
                reason,
            );
        }
    }

    /// `impl Default`, which a struct of optional fields has.
    fn diff_default(&mut self, name: &str, a: &Struct, b: &Struct) {
        let old_default = a.fields.iter().all(Field::optional);
        let new_default = b.fields.iter().all(Field::optional);
        if old_default != new_default {
            self.push(
                if new_default {
                    RustAction::Added
                } else {
                    RustAction::Removed
                },
                RustItem::Type,
                format!("impl Default for {name}"),
                Pair::new(None, None),
                old_default,
                if old_default {
                    format!("`{name}::default()` stops compiling: a field is no longer optional.")
                } else {
                    format!("`{name}` now implements `Default`: every field is optional.")
                },
            );
        }
    }

    /// The map of properties the schema does not name.
    fn diff_additional(&mut self, name: &str, a: &Struct, b: &Struct, built: bool) {
        match (&a.additional, &b.additional) {
            (None, None) => {}
            (Some((fname, t)), None) => self.push(
                RustAction::Removed,
                RustItem::Field,
                format!("{name}::{fname}"),
                Pair::new(Some(format!("BTreeMap<String, {}>", self.old_ty(t))), None),
                true,
                format!("Code using `{name}::{fname}` stops compiling."),
            ),
            (None, Some((fname, t))) => self.push(
                RustAction::Added,
                RustItem::Field,
                format!("{name}::{fname}"),
                Pair::new(None, Some(format!("BTreeMap<String, {}>", self.new_ty(t)))),
                built,
                if built {
                    format!("`{name}` is built by users: struct literals must now set `{fname}`.")
                } else {
                    "Properties the schema does not name are now kept.".into()
                },
            ),
            (Some((f1, t1)), Some((f2, t2))) => {
                let (x, y) = (self.old_ty(t1), self.new_ty(t2));
                if x != y || f1 != f2 {
                    self.push(
                        RustAction::Changed,
                        RustItem::Field,
                        format!("{name}::{f2}"),
                        Pair::new(
                            Some(format!("{f1}: BTreeMap<String, {x}>")),
                            Some(format!("{f2}: BTreeMap<String, {y}>")),
                        ),
                        true,
                        format!("Code using `{name}::{f1}` stops compiling."),
                    );
                }
            }
        }
    }

    fn body(&self, api: &Api, body: &ResponseBody, old: bool) -> String {
        match body {
            ResponseBody::Empty => "()".into(),
            ResponseBody::Json(ty) => {
                if old {
                    self.old_ty(ty)
                } else {
                    render(api, ty, &HashMap::new())
                }
            }
            ResponseBody::Text => "String".into(),
            ResponseBody::Bytes => "rt::Bytes".into(),
        }
    }

    fn outcome(&self, op: &Operation, old: bool) -> (String, String) {
        let api = if old { self.old } else { self.new };
        let name = |id: TypeId| {
            let n = api.types.get(id).map_or("?", |t| t.name.as_str());
            if old {
                self.renames.get(n).cloned().unwrap_or_else(|| n.to_owned())
            } else {
                n.to_owned()
            }
        };
        let mut ok = match &op.success.kind {
            OutcomeKind::Single(body) => self.body(api, body, old),
            OutcomeKind::Enum(id) => name(*id),
        };
        if let Some(h) = &op.success_headers {
            ok = format!("{ok}, {}", h.name);
        }
        let err = match &op.failure.kind {
            OutcomeKind::Single(ResponseBody::Json(ty)) => {
                self.body(api, &ResponseBody::Json(ty.clone()), old)
            }
            OutcomeKind::Single(_) => "rt::Undocumented".into(),
            OutcomeKind::Enum(id) => name(*id),
        };
        (ok, err)
    }

    /// `(name, type, what it sets)` of the client method's arguments (`required`) or of the
    /// builder's setters, by the emitter's own rule ([`Operation::inputs`]).
    fn inputs(&self, op: &Operation, old: bool, required: bool) -> Vec<(String, String, String)> {
        let api = if old { self.old } else { self.new };
        let none = HashMap::new();
        let renames = if old { &self.renames } else { &none };
        let named = type_namer(api, renames);
        (op.inputs().iter().filter(|i| i.required == required))
            .map(|i| {
                let what = i.param.map_or("the request body".into(), param_word);
                (i.name.to_owned(), i.arg_type(&named, "BTreeMap"), what)
            })
            .collect()
    }

    /// `(name, type)` of the positional arguments of the client method.
    fn args(&self, op: &Operation, old: bool) -> Vec<(String, String)> {
        let args = self.inputs(op, old, true);
        args.into_iter().map(|(n, t, _)| (n, t)).collect()
    }

    fn job_body(&self, op: &Operation, old: bool) -> Option<String> {
        let job = op.job.as_ref()?;
        let api = if old { self.old } else { self.new };
        let name = &api.types.get(job.body)?.name;
        Some(if old {
            self.renames
                .get(name)
                .cloned()
                .unwrap_or_else(|| name.clone())
        } else {
            name.clone()
        })
    }

    fn diff_operations(&mut self) {
        let mut old_left: Vec<&Operation> = self.old.operations.iter().collect();
        let mut pairs: Vec<(&Operation, &Operation)> = Vec::new();
        let mut added: Vec<&Operation> = Vec::new();
        for n in &self.new.operations {
            if let Some(i) = old_left.iter().position(|o| o.method_name == n.method_name) {
                pairs.push((old_left.remove(i), n));
            } else {
                added.push(n);
            }
        }
        // A method renamed (its operationId changed) at the same method and path.
        added.retain(|n| {
            match old_left
                .iter()
                .position(|o| o.http_method == n.http_method && same_path(&o.path, &n.path))
            {
                Some(i) => {
                    pairs.push((old_left.remove(i), n));
                    false
                }
                None => true,
            }
        });
        pairs.sort_by_key(|(_, n)| self.new.operations.iter().position(|x| std::ptr::eq(x, *n)));
        for (o, n) in pairs {
            self.diff_operation(o, n);
        }
        for n in added {
            let sig = signature_line(&n.method_name, &self.args(n, false));
            self.push(
                RustAction::Added,
                RustItem::Method,
                format!("Client::{}", n.method_name),
                Pair::new(None, Some(sig)),
                false,
                format!("A new operation: `{} {}`.", n.http_method, n.path),
            );
        }
        for o in old_left {
            let sig = signature_line(&o.method_name, &self.args(o, true));
            self.push(
                RustAction::Removed,
                RustItem::Method,
                format!("Client::{}", o.method_name),
                Pair::new(Some(sig), None),
                true,
                format!(
                    "Code calling `Client::{}` stops compiling (`{} {}` is gone).",
                    o.method_name, o.http_method, o.path
                ),
            );
        }
    }

    fn diff_operation(&mut self, o: &Operation, n: &Operation) {
        let method = format!("Client::{}", n.method_name);
        self.diff_signature(o, n, &method);
        self.diff_send(o, n, &method);
        self.diff_builder(o, n, &method);
        self.diff_response_headers(o, n);
        self.diff_job_impl(o, n);
    }

    /// The struct of the documented success headers: the type, then its fields.
    fn diff_response_headers(&mut self, o: &Operation, n: &Operation) {
        let (a, b) = (o.success_headers.as_ref(), n.success_headers.as_ref());
        let (x, y) = match (a, b) {
            (None, None) => return,
            (Some(x), None) => {
                let reason = format!("Code naming `{}` stops compiling.", x.name);
                let values = Pair::new(Some("a struct".into()), None);
                self.push(
                    RustAction::Removed,
                    RustItem::Type,
                    x.name.clone(),
                    values,
                    true,
                    reason,
                );
                return self.detail("was a struct".into());
            }
            (None, Some(y)) => {
                let values = Pair::new(None, Some("a struct".into()));
                let reason = "A new type: the documented response headers.".into();
                self.push(
                    RustAction::Added,
                    RustItem::Type,
                    y.name.clone(),
                    values,
                    false,
                    reason,
                );
                return self.detail("a struct".into());
            }
            (Some(x), Some(y)) => (x, y),
        };
        if x.name != y.name {
            let reason = format!(
                "Code naming `{}` stops compiling: the type is now `{}`.",
                x.name, y.name
            );
            let values = Pair::new(Some(x.name.clone()), Some(y.name.clone()));
            self.push(
                RustAction::Renamed,
                RustItem::Type,
                y.name.clone(),
                values,
                true,
                reason,
            );
        }
        let fields = |h: &ResponseHeaders| -> Vec<(String, String)> {
            h.fields
                .iter()
                .map(|f| (f.name.clone(), f.rust()))
                .collect()
        };
        let owner = &y.name;
        let says = |action, f: &str, ty: Option<&str>| match action {
            RustAction::Removed => (true, format!("Code using `{owner}::{f}` stops compiling.")),
            RustAction::Changed => (
                true,
                format!(
                    "Code using `{owner}::{f}` as `{}` stops compiling.",
                    ty.unwrap_or_default()
                ),
            ),
            _ => (
                false,
                format!("`{owner}` is only read from responses: code reading it is unaffected."),
            ),
        };
        let (old, new) = (fields(x), fields(y));
        self.diff_members(RustItem::Field, owner, Pair::new(&old, &new), &says);
    }

    /// The client method: its name and positional arguments.
    fn diff_signature(&mut self, o: &Operation, n: &Operation, method: &str) {
        if o.method_name != n.method_name {
            self.push(
                RustAction::Renamed,
                RustItem::Method,
                method.to_owned(),
                Pair::new(
                    Some(format!("Client::{}", o.method_name)),
                    Some(method.to_owned()),
                ),
                true,
                format!(
                    "Code calling `Client::{}` stops compiling: the operation is now `{}`.",
                    o.method_name, n.id
                ),
            );
        }
        let (a, b) = (self.args(o, true), self.args(n, false));
        if a == b {
            return;
        }
        let types = |v: &[(String, String)]| v.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>();
        // Arguments are positional: new names alone change no call.
        let (breaking, reason, detail) = if types(&a) == types(&b) {
            let renamed: Vec<String> = a
                .iter()
                .zip(&b)
                .filter(|((x, _), (y, _))| x != y)
                .map(|((x, _), (y, _))| format!("argument `{x}` renamed to `{y}`"))
                .collect();
            let reason = "Arguments are positional: calls stay the same.".to_owned();
            (false, reason, renamed.join(", "))
        } else {
            let summary = args_summary(&a, &b);
            let reason = format!("Calls of `{method}` stop compiling: {summary}.");
            (true, reason, summary)
        };
        self.push(
            RustAction::Changed,
            RustItem::Method,
            method.to_owned(),
            Pair::new(
                Some(signature_line(&o.method_name, &a)),
                Some(signature_line(&n.method_name, &b)),
            ),
            breaking,
            reason,
        );
        self.detail(detail);
    }

    /// What `send()` returns.
    fn diff_send(&mut self, o: &Operation, n: &Operation, method: &str) {
        let ((ok_a, err_a), (ok_b, err_b)) = (self.outcome(o, true), self.outcome(n, false));
        if ok_a != ok_b || err_a != err_b {
            let what = match (ok_a != ok_b, err_a != err_b) {
                (true, true) => "its success and error types change",
                (true, false) => "its success type changes",
                _ => "its error type changes",
            };
            self.push(
                RustAction::Changed,
                RustItem::Method,
                format!("{method}(..).send()"),
                Pair::new(
                    Some(format!("Result<rt::Response<{ok_a}>, rt::Error<{err_a}>>")),
                    Some(format!("Result<rt::Response<{ok_b}>, rt::Error<{err_b}>>")),
                ),
                true,
                format!("Code using the result of `{method}` may stop compiling: {what}."),
            );
            let mut parts = Vec::new();
            if ok_a != ok_b {
                parts.push(format!("`rt::Response<{ok_a}>` → `rt::Response<{ok_b}>`"));
            }
            if err_a != err_b {
                parts.push(format!("`rt::Error<{err_a}>` → `rt::Error<{err_b}>`"));
            }
            self.detail(parts.join(", "));
        }
    }

    /// The request builder: its name and setters.
    fn diff_builder(&mut self, o: &Operation, n: &Operation, method: &str) {
        if o.builder_name != n.builder_name {
            self.push(
                RustAction::Renamed,
                RustItem::Builder,
                format!("builder::{}", n.builder_name),
                Pair::new(
                    Some(format!("builder::{}", o.builder_name)),
                    Some(format!("builder::{}", n.builder_name)),
                ),
                true,
                format!(
                    "Code naming the request builder `builder::{}` stops compiling.",
                    o.builder_name
                ),
            );
        }
        let (a, b) = (self.inputs(o, true, false), self.inputs(n, false, false));
        let setters = |list: &[(String, String, String)]| -> Vec<(String, String)> {
            (list.iter())
                .map(|(name, ty, _)| (name.clone(), format!("fn {name}(self, value: {ty})")))
                .collect()
        };
        let args: Vec<String> = self.args(n, false).into_iter().map(|(m, _)| m).collect();
        let says = |action, name: &str, _: Option<&str>| match action {
            RustAction::Removed if args.iter().any(|m| m == name) => (
                true,
                format!(
                    "Code calling `.{name}(..)` stops compiling: it is now an argument of `{method}`."
                ),
            ),
            RustAction::Removed => (true, format!("Code calling `.{name}(..)` stops compiling.")),
            RustAction::Changed => {
                let ty = a
                    .iter()
                    .find(|(m, ..)| m == name)
                    .map(|(_, t, _)| t.as_str());
                (
                    true,
                    format!(
                        "Code calling `.{name}(..)` with a `{}` stops compiling.",
                        ty.unwrap_or_default()
                    ),
                )
            }
            _ => {
                let what = b.iter().find(|(m, ..)| m == name).map(|(.., w)| w.as_str());
                (
                    false,
                    format!("Sets {}; optional.", what.unwrap_or_default()),
                )
            }
        };
        let owner = format!("builder::{}", n.builder_name);
        let (old, new) = (setters(&a), setters(&b));
        self.diff_members(RustItem::Setter, &owner, Pair::new(&old, &new), &says);
    }

    /// The `Job` impl of the success body.
    fn diff_job_impl(&mut self, o: &Operation, n: &Operation) {
        match (self.job_body(o, true), self.job_body(n, false)) {
            (Some(x), None) => self.push(RustAction::Removed, RustItem::JobImpl, format!("impl rt::job::Job for {x}"), Pair::new(Some(x.clone()), None), true, format!("Code waiting on `{x}` as a job stops compiling (`x-cloudjobs-job` was removed).")),
            (None, Some(y)) => self.push(RustAction::Added, RustItem::JobImpl, format!("impl rt::job::Job for {y}"), Pair::new(None, Some(y.clone())), false, "The success body can now be waited on as a job.".into()),
            (Some(x), Some(y)) if x != y => self.push(RustAction::Changed, RustItem::JobImpl, format!("impl rt::job::Job for {y}"), Pair::new(Some(x.clone()), Some(y.clone())), true, format!("Code waiting on `{x}` as a job stops compiling.")),
            _ => {}
        }
    }
}

fn param_word(p: &Param) -> String {
    let location = match p.location {
        crate::ir::ParamLocation::Path => "path",
        crate::ir::ParamLocation::Query(_) => "query",
        crate::ir::ParamLocation::Header => "header",
    };
    format!("the {location} parameter `{}`", p.wire)
}

fn signature_line(method: &str, args: &[(String, String)]) -> String {
    let args: Vec<String> = args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
    format!("fn {method}(&self, {})", args.join(", ")).replace("(&self, )", "(&self)")
}

/// What changed in a method's arguments, in words.
fn args_summary(a: &[(String, String)], b: &[(String, String)]) -> String {
    let mut parts = Vec::new();
    for (n, t) in b {
        if !a.iter().any(|(m, _)| m == n) {
            parts.push(format!("new argument `{n}: {t}`"));
        }
    }
    for (n, _) in a {
        if !b.iter().any(|(m, _)| m == n) {
            parts.push(format!("argument `{n}` removed"));
        }
    }
    for (n, t) in a {
        if let Some((_, t2)) = b.iter().find(|(m, _)| m == n)
            && t2 != t
        {
            parts.push(format!("argument `{n}` is now `{t2}`, not `{t}`"));
        }
    }
    if parts.is_empty() {
        parts.push("the arguments are in another order".into());
    }
    parts.join(", ")
}

/// The field's type as declared (with the `Option` optionality adds).
fn field_ty(f: &Field) -> Ty {
    if f.optional() {
        Ty::Option(Box::new(f.ty.clone()))
    } else {
        f.ty.clone()
    }
}

fn kind_word(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct(_) => "a struct",
        TypeKind::Enum(_) => "an enum",
        TypeKind::Union(_) => "an enum of alternatives",
        TypeKind::Alias(_) => "a type alias",
        TypeKind::Newtype(_) => "a newtype",
        TypeKind::Responses(_) => "an enum of responses",
    }
}

/// A type's contents, with the names of the types it uses: equal signatures mean a rename.
fn signature(api: &Api, id: TypeId, renames: &HashMap<String, String>) -> String {
    let Some(def) = api.types.get(id) else {
        return String::new();
    };
    let ty = |t: &Ty| render(api, t, renames);
    match &def.kind {
        TypeKind::Struct(s) => {
            let fields: Vec<String> = s
                .fields
                .iter()
                .map(|f| format!("{}/{}: {}", f.name, f.wire, ty(&field_ty(f))))
                .collect();
            let extra = s
                .additional
                .as_ref()
                .map(|(n, t)| format!("{n}: *{}", ty(t)))
                .unwrap_or_default();
            format!("struct {{{} {extra}}}", fields.join(", "))
        }
        TypeKind::Enum(e) => {
            let v: Vec<String> = e
                .variants
                .iter()
                .map(|v| format!("{}={}", v.name, v.wire))
                .collect();
            format!("enum {{{}}}", v.join(", "))
        }
        TypeKind::Union(u) => {
            let v: Vec<String> = u
                .variants
                .iter()
                .map(|v| format!("{}({}) {:?}", v.name, ty(&v.ty), v.tags))
                .collect();
            format!("union {:?} {{{}}}", u.discriminator, v.join(", "))
        }
        TypeKind::Alias(t) => format!("alias {}", ty(t)),
        TypeKind::Newtype(t) => format!("newtype {}", ty(t)),
        TypeKind::Responses(r) => {
            let v: Vec<String> = r
                .variants
                .iter()
                .map(|(n, b, _)| match b {
                    ResponseBody::Json(t) => format!("{n}({})", ty(t)),
                    other => format!("{n}({other:?})"),
                })
                .collect();
            format!("responses {{{}}}", v.join(", "))
        }
    }
}

/// Two path templates that differ only in parameter names (`/a/{id}`, `/a/{job_id}`).
pub(crate) fn same_path(a: &str, b: &str) -> bool {
    normalize_path(a) == normalize_path(b)
}

/// `/v1/{project_id}/jobs/{job_id}` → `/v1/{}/jobs/{}`.
pub(crate) fn normalize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            c if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// The types users build themselves: reachable from request parameters and bodies.
fn request_types(api: &Api) -> HashSet<TypeId> {
    let mut seen = HashSet::new();
    let mut stack: Vec<Ty> = Vec::new();
    for op in &api.operations {
        stack.extend(op.params.iter().map(|p| p.ty.clone()));
        stack.extend(op.body.iter().map(|b| b.ty.clone()));
    }
    while let Some(ty) = stack.pop() {
        match ty {
            Ty::Named(id) => {
                if !seen.insert(id) {
                    continue;
                }
                match api.types.get(id).map(|d| &d.kind) {
                    Some(TypeKind::Struct(s)) => {
                        stack.extend(s.fields.iter().map(|f| f.ty.clone()));
                        stack.extend(s.additional.iter().map(|(_, t)| t.clone()));
                    }
                    Some(TypeKind::Union(u)) => {
                        stack.extend(u.variants.iter().map(|v| v.ty.clone()))
                    }
                    Some(TypeKind::Alias(t) | TypeKind::Newtype(t)) => stack.push(t.clone()),
                    _ => {}
                }
            }
            Ty::Vec(t) | Ty::Map(t) | Ty::Option(t) | Ty::Boxed(t) => stack.push(*t),
            _ => {}
        }
    }
    seen
}
