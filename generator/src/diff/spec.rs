//! Two versions of a document compared: operations paired (then compared by `op.rs`),
//! servers, and the component schemas no operation reaches.

use std::collections::HashSet;

use serde_json::Value;

use super::op::OpPair;
use super::pairs::{Cx, Op, operations};
use super::rust::{RustView, normalize_path};
use super::schema::{Dir, Place, Sides};
use super::{
    At, Change, ChangeKind, Impact, OperationDiff, OperationStatus, Pair, Scope, Spec, SpecDiff,
    change,
};
use crate::error::child;
use crate::extensions::{EXTENSIBLE_ENUM, TIMESTAMP};
use crate::ir::Server;
use crate::model::Doc;

/// Compares two versions of a document into `out` (either may be missing).
pub(super) fn diff_documents(old: Option<&Spec>, new: Option<&Spec>, out: &mut SpecDiff) {
    let (Some(old), Some(new)) = (old, new) else {
        // A spec added or removed: every operation with it.
        let (spec, removed) = match (old, new) {
            (Some(s), None) => (s, true),
            (None, Some(s)) => (s, false),
            _ => return,
        };
        for op in operations(&Doc::new(&spec.doc)) {
            out.operations.push(op.alone(&spec.api, removed));
        }
        return;
    };
    let specs = Pair::new(old, new);
    let docs = specs.map(|s| Doc::new(&s.doc));
    let rust = specs.map(|s| RustView::new(&s.api));
    let sides = Sides {
        docs: docs.as_ref(),
        rust: rust.as_ref(),
    };
    let cx = Cx { specs, sides };
    out.api
        .extend(servers(specs.map(|s| s.api.servers.as_slice())));
    let ops = docs.as_ref().map(|d| operations(d));
    cx.operations(&ops, &mut out.operations);
    cx.schemas(&mut out.schemas);
}

/// Operations paired: same method and path (parameter names aside), then same
/// `operationId`. Gives the pairs and the new operations left over (added); the old ones
/// left over stay in `old_left` (removed).
fn pair_operations<'o>(
    old_left: &mut Vec<&'o Op>,
    new: &'o [Op],
) -> (Vec<Pair<&'o Op>>, Vec<&'o Op>) {
    let mut pairs = Vec::new();
    let mut added: Vec<&Op> = Vec::new();
    for n in new {
        let key = normalize_path(&n.path);
        match old_left
            .iter()
            .position(|o| o.method == n.method && normalize_path(&o.path) == key)
        {
            Some(i) => pairs.push(Pair::new(old_left.remove(i), n)),
            None => added.push(n),
        }
    }
    added.retain(|n| {
        let Some(id) = n.id() else { return true };
        match old_left.iter().position(|o| o.id() == Some(id)) {
            Some(i) => {
                pairs.push(Pair::new(old_left.remove(i), *n));
                false
            }
            None => true,
        }
    });
    (pairs, added)
}

impl<'a> Cx<'a, '_> {
    /// Operations in the new version's order, removed ones last.
    fn operations(&self, ops: &Pair<Vec<Op>>, out: &mut Vec<OperationDiff>) {
        let mut old_left: Vec<&Op> = ops.old.iter().collect();
        let (pairs, added) = pair_operations(&mut old_left, &ops.new);
        for n in &ops.new {
            if let Some(pair) = pairs.iter().find(|p| std::ptr::eq(p.new, n)) {
                let changes = OpPair::new(self, *pair).changes();
                if !changes.is_empty() {
                    out.push(n.diff(OperationStatus::Changed, changes));
                }
            } else if added.iter().any(|a| std::ptr::eq(*a, n)) {
                out.push(n.alone(&self.specs.new.api, false));
            }
        }
        for o in old_left {
            out.push(o.alone(&self.specs.old.api, true));
        }
    }

    /// Component schemas renamed, and changes of the ones no operation uses (operations
    /// report the others, through `$ref`s).
    fn schemas(&self, out: &mut Vec<Change>) {
        let names = self.docs().map(|d| component_schemas(&d.doc.raw));
        let used = self.docs().map(|d| used_schemas(&d.doc.raw));
        let renamed = self.renamed_schemas(&names, out);
        for (name, _) in &names.old {
            if renamed.old.contains(name) || used.old.contains(name) {
                continue;
            }
            match names.new.iter().find(|(n, _)| n == name) {
                // Operations use it now: they report what changed.
                Some(_) if used.new.contains(name) => {}
                Some(_) => out.extend(self.detached_schema(name)),
                None => out.push(self.schema_removed(name)),
            }
        }
        for (name, _) in &names.new {
            if renamed.new.contains(name)
                || used.new.contains(name)
                || names.old.iter().any(|(n, _)| n == name)
            {
                continue;
            }
            let rust = rust_name(self.rust().new, name);
            out.push(change(
                At::new(Scope::Schema, name, ""),
                ChangeKind::SchemaAdded,
                Pair::new(None, None),
                "added (no operation uses it)".into(),
                Impact::compatible(match rust {
                    Some(t) => format!("a new type, `{t}`"),
                    None => "a new schema".into(),
                }),
            ));
        }
    }

    /// Component schemas under another name with the same content; the names on each side.
    fn renamed_schemas(
        &self,
        names: &Pair<Vec<(String, &'a Value)>>,
        out: &mut Vec<Change>,
    ) -> Pair<HashSet<String>> {
        let mut renamed = Pair::new(HashSet::new(), HashSet::new());
        for (name, value) in &names.old {
            if names.new.iter().any(|(n, _)| n == name) {
                continue;
            }
            let canon = canonical(value);
            let candidates: Vec<&String> = names
                .new
                .iter()
                .filter(|(n, v)| !names.old.iter().any(|(o, _)| o == n) && canonical(v) == canon)
                .map(|(n, _)| n)
                .collect();
            let [to] = candidates.as_slice() else {
                continue;
            };
            if renamed.new.contains(*to) {
                continue;
            }
            renamed.old.insert(name.clone());
            renamed.new.insert((*to).clone());
            let rust = Pair::new(
                rust_name(self.rust().old, name),
                rust_name(self.rust().new, to),
            );
            let impact = match (&rust.old, &rust.new) {
                (Some(a), Some(b)) if a != b => Impact::rust(format!(
                    "code naming `{a}` stops compiling: the type is now `{b}`"
                )),
                _ => Impact::compatible("same content; the generated type keeps its name"),
            };
            out.push(change(
                At::new(Scope::Schema, to, ""),
                ChangeKind::SchemaRenamed,
                Pair::new(Some(name.clone()), Some((*to).clone())),
                format!("renamed from `{name}` (same content)"),
                impact,
            ));
        }
        renamed
    }

    /// A component schema no operation uses, in both versions.
    fn detached_schema(&self, name: &str) -> Vec<Change> {
        let at = child("#/components/schemas", &[name]);
        let mut cmp = self.cmp(Dir::Detached, Scope::Schema, name);
        let place = |view: &RustView<'_>| {
            let ty = view.type_at(&at);
            Place {
                item: ty.as_ref().map(|t| format!("`{}`", view.render(t))),
                ty,
                optional: Some(false),
            }
        };
        let nodes = Pair::new(self.docs().old.node(&at), self.docs().new.node(&at));
        let places = self.rust().map(place);
        cmp.compare("", nodes.as_ref(), places);
        cmp.out
    }

    fn schema_removed(&self, name: &str) -> Change {
        let impact = match rust_name(self.rust().old, name) {
            Some(t) => Impact::rust(format!("code naming `{t}` stops compiling")),
            None => Impact::compatible("no operation used it"),
        };
        change(
            At::new(Scope::Schema, name, ""),
            ChangeKind::SchemaRemoved,
            Pair::new(None, None),
            "removed (no operation used it)".into(),
            impact,
        )
    }
}

fn component_schemas(raw: &Value) -> Vec<(String, &Value)> {
    raw.get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

/// The Rust type made from a component schema.
fn rust_name(view: &RustView<'_>, name: &str) -> Option<String> {
    view.type_at(&child("#/components/schemas", &[name]))
        .map(|t| view.render(&t))
}

/// Servers, as lowering reads them: URLs, and the values and defaults of their variables.
fn servers(servers: Pair<&[Server]>) -> Vec<Change> {
    let mut out = Vec::new();
    let api = |kind, name: &str, values, description: String, impact| {
        change(
            At::new(Scope::Api, name, ""),
            kind,
            values,
            description,
            impact,
        )
    };
    for s in servers.new {
        let u = &s.url;
        match servers.old.iter().find(|o| o.url == *u) {
            Some(o) => server_variables(Pair::new(o, s), &mut out),
            None => out.push(api(
                ChangeKind::ServerAdded,
                "",
                Pair::new(None, Some(u.clone())),
                format!("server `{u}` added"),
                Impact::compatible("one more endpoint"),
            )),
        }
    }
    for o in servers.old {
        let u = &o.url;
        if !servers.new.iter().any(|s| s.url == *u) {
            out.push(api(
                ChangeKind::ServerRemoved,
                "",
                Pair::new(Some(u.clone()), None),
                format!("server `{u}` removed"),
                Impact::wire("clients configured for it no longer reach a documented endpoint"),
            ));
        }
    }
    out
}

/// The variables of a server in both versions (regions, mostly).
fn server_variables(server: Pair<&Server>, out: &mut Vec<Change>) {
    let u = &server.new.url;
    let mut push = |name: &str, values, description: String, impact| {
        out.push(change(
            At::new(Scope::Api, name, ""),
            ChangeKind::ServerVariableChanged,
            values,
            description,
            impact,
        ));
    };
    for (name, default_b, xb) in &server.new.variables {
        let a = server.old.variables.iter().find(|(n, ..)| n == name);
        let xa: &[String] = a.map_or(&[], |(_, _, values)| values.as_slice());
        if a.is_some() && !xa.is_empty() && xb.is_empty() {
            push(
                name,
                Pair::new(Some(xa.join(", ")), None),
                format!("server `{u}`: `{name}` is no longer limited to a list"),
                Impact::compatible("any value is allowed"),
            );
        } else if xa.is_empty() && !xb.is_empty() {
            push(
                name,
                Pair::new(None, Some(xb.join(", "))),
                format!("server `{u}`: `{name}` limited to {}", xb.join(", ")),
                Impact::wire(format!(
                    "clients configured with another {name} can no longer be made (`Client::new` fails)"
                )),
            );
        } else {
            for v in xa.iter().filter(|v| !xb.contains(v)) {
                push(
                    name,
                    Pair::new(Some(v.clone()), None),
                    format!("server `{u}`: `{name}` value {v:?} removed"),
                    Impact::wire(format!(
                        "clients configured with {name} {v:?} can no longer be made (`Client::new` fails)"
                    )),
                );
            }
            for v in xb.iter().filter(|v| !xa.contains(v)) {
                push(
                    name,
                    Pair::new(None, Some(v.clone())),
                    format!("server `{u}`: `{name}` value {v:?} added"),
                    Impact::compatible("one more allowed value"),
                );
            }
        }
        if let Some((_, default_a, _)) = a.filter(|(_, d, _)| d != default_b) {
            push(
                name,
                Pair::new(Some(default_a.clone()), Some(default_b.clone())),
                format!("server `{u}`: `{name}` default {default_a} → {default_b}"),
                Impact::compatible("clients configured without it use the new default"),
            );
        }
    }
}

/// The names of the component schemas reachable from the operations.
fn used_schemas(raw: &Value) -> HashSet<String> {
    const PREFIX: &str = "#/components/schemas/";
    let mut used = HashSet::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut stack: Vec<&Value> = raw.get("paths").into_iter().collect();
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    // One hop at a time: every schema of a chain is used, not only its end.
                    let target = crate::load::local_target(r).unwrap_or_default();
                    if let Some(rest) = target.strip_prefix(PREFIX) {
                        let name = rest.split('/').next().unwrap_or(rest);
                        used.insert(name.replace("~1", "/").replace("~0", "~"));
                    }
                    if seen.insert(target.clone())
                        && let Some(t) = crate::load::resolve_pointer(raw, &target)
                    {
                        stack.push(t);
                    }
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    used
}

/// A schema without its documentation, for telling a rename from a change.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "description" | "title" | "example" | "examples" | "externalDocs"
                    ) && (!k.starts_with("x-") || matches!(k.as_str(), EXTENSIBLE_ENUM | TIMESTAMP))
                })
                .map(|(k, v)| (k.clone(), canonical(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}
