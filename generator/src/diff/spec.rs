//! Two versions of a document compared operation by operation: parameters, request body,
//! responses, security, job semantics; then servers and the component schemas no operation
//! reaches.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use super::rust::{RustView, normalize_path};
use super::schema::{Cmp, Dir, Node, Place, child, effective, resolve, value_text};
use super::{
    Change, ChangeKind, Impact, OperationDiff, OperationStatus, Scope, Spec, SpecDiff, change,
};
use crate::ir::{Api, Operation, ParamLocation, StatusMatch};

static NULL: Value = Value::Null;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// An operation in a document.
struct Op<'a> {
    method: &'static str,
    path: String,
    pointer: String,
    value: &'a Value,
    item: Node<'a>,
}

impl Op<'_> {
    fn id(&self) -> Option<&str> {
        self.value.get("operationId").and_then(Value::as_str)
    }
    fn title(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.path)
    }
}

fn operations(raw: &Value) -> Vec<Op<'_>> {
    let mut out = Vec::new();
    let Some(paths) = raw.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let item = resolve(raw, item, &child("#/paths", &[path]));
        for method in METHODS {
            if let Some(value) = item.value.get(*method).filter(|v| v.is_object()) {
                out.push(Op {
                    method,
                    path: path.clone(),
                    pointer: child(&item.pointer, &[method]),
                    value,
                    item: item.clone(),
                });
            }
        }
    }
    out
}

fn ir_op<'a>(api: &'a Api, op: &Op<'_>) -> Option<&'a Operation> {
    api.operations
        .iter()
        .find(|o| o.http_method.eq_ignore_ascii_case(op.method) && o.path == op.path)
}

/// Compares two versions of a document into `out` (either may be missing).
pub(super) fn diff_documents(old: Option<&Spec>, new: Option<&Spec>, out: &mut SpecDiff) {
    let old_ops = old.map(|s| operations(&s.doc.raw)).unwrap_or_default();
    let new_ops = new.map(|s| operations(&s.doc.raw)).unwrap_or_default();
    let (Some(old), Some(new)) = (old, new) else {
        // A spec added or removed: every operation with it.
        let removed = new.is_none();
        let ops = if removed { &old_ops } else { &new_ops };
        let spec = if removed { old } else { new };
        for op in ops {
            let method = spec
                .and_then(|s| ir_op(&s.api, op))
                .map(|o| format!("`Client::{}`", o.method_name))
                .unwrap_or_else(|| "its method".into());
            out.operations.push(OperationDiff {
                method: op.method.to_ascii_uppercase(),
                path: op.path.clone(),
                operation_id: op.id().map(str::to_owned),
                status: if removed {
                    OperationStatus::Removed
                } else {
                    OperationStatus::Added
                },
                changes: vec![operation_change(removed, &method)],
            });
        }
        return;
    };
    let ro = RustView::new(&old.api);
    let rn = RustView::new(&new.api);
    let cx = Cx {
        old,
        new,
        ro: &ro,
        rn: &rn,
    };

    cx.servers(&mut out.api);

    // Pair operations: same method and path (parameter names aside), then same operationId.
    let mut old_left: Vec<&Op<'_>> = old_ops.iter().collect();
    let mut pairs: Vec<(&Op<'_>, &Op<'_>)> = Vec::new();
    let mut added: Vec<&Op<'_>> = Vec::new();
    for n in &new_ops {
        let key = normalize_path(&n.path);
        match old_left
            .iter()
            .position(|o| o.method == n.method && normalize_path(&o.path) == key)
        {
            Some(i) => pairs.push((old_left.remove(i), n)),
            None => added.push(n),
        }
    }
    added.retain(|n| {
        let Some(id) = n.id() else { return true };
        match old_left.iter().position(|o| o.id() == Some(id)) {
            Some(i) => {
                pairs.push((old_left.remove(i), n));
                false
            }
            None => true,
        }
    });
    for n in &new_ops {
        if let Some(&(o, n)) = pairs.iter().find(|(_, x)| std::ptr::eq(*x, n)) {
            let changes = cx.operation(o, n);
            if !changes.is_empty() {
                out.operations.push(OperationDiff {
                    method: n.method.to_ascii_uppercase(),
                    path: n.path.clone(),
                    operation_id: n.id().map(str::to_owned),
                    status: OperationStatus::Changed,
                    changes,
                });
            }
        } else if added.iter().any(|a| std::ptr::eq(*a, n)) {
            let method = ir_op(&new.api, n)
                .map(|o| format!("`Client::{}`", o.method_name))
                .unwrap_or_else(|| "its method".into());
            out.operations.push(OperationDiff {
                method: n.method.to_ascii_uppercase(),
                path: n.path.clone(),
                operation_id: n.id().map(str::to_owned),
                status: OperationStatus::Added,
                changes: vec![operation_change(false, &method)],
            });
        }
    }
    for o in old_left {
        let method = ir_op(&old.api, o)
            .map(|x| format!("`Client::{}`", x.method_name))
            .unwrap_or_else(|| "its method".into());
        out.operations.push(OperationDiff {
            method: o.method.to_ascii_uppercase(),
            path: o.path.clone(),
            operation_id: o.id().map(str::to_owned),
            status: OperationStatus::Removed,
            changes: vec![operation_change(true, &method)],
        });
    }
    cx.schemas(&mut out.schemas);
}

fn operation_change(removed: bool, method: &str) -> Change {
    if removed {
        change(
            Scope::Operation,
            "",
            "",
            ChangeKind::OperationRemoved,
            None,
            None,
            "operation removed".into(),
            Impact::both(
                format!("code calling {method} stops compiling"),
                "requests to it are no longer documented",
            ),
        )
    } else {
        change(
            Scope::Operation,
            "",
            "",
            ChangeKind::OperationAdded,
            None,
            None,
            "operation added".into(),
            Impact::compatible(format!("a new method, {method}")),
        )
    }
}

struct Cx<'a, 'v> {
    old: &'a Spec,
    new: &'a Spec,
    ro: &'v RustView<'a>,
    rn: &'v RustView<'a>,
}

/// A parameter after `$ref` resolution and path-level merging.
struct Param<'a> {
    name: String,
    location: String,
    value: &'a Value,
    pointer: String,
}

impl Param<'_> {
    fn required(&self) -> bool {
        self.location == "path" || self.value.get("required") == Some(&Value::Bool(true))
    }
    fn label(&self) -> String {
        format!("{} in {}", self.name, self.location)
    }
    /// `form, explode` — how the value is written.
    fn style(&self) -> String {
        let default_style = match self.location.as_str() {
            "query" | "cookie" => "form",
            _ => "simple",
        };
        let style = self
            .value
            .get("style")
            .and_then(Value::as_str)
            .unwrap_or(default_style);
        let explode = self
            .value
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(style == "form");
        format!("{style}{}", if explode { ", explode" } else { "" })
    }
}

fn params<'a>(raw: &'a Value, op: &Op<'a>) -> Vec<Param<'a>> {
    let mut out: Vec<Param<'a>> = Vec::new();
    let lists = [
        (op.item.value, child(&op.item.pointer, &["parameters"])),
        (op.value, child(&op.pointer, &["parameters"])),
    ];
    for (holder, at) in &lists {
        let Some(Value::Array(list)) = holder.get("parameters") else {
            continue;
        };
        for (i, p) in list.iter().enumerate() {
            let node = resolve(raw, p, &child(at, &[&i.to_string()]));
            let (Some(name), Some(location)) = (
                node.value.get("name").and_then(Value::as_str),
                node.value.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            out.retain(|q| !(q.name == name && q.location == location));
            out.push(Param {
                name: name.to_owned(),
                location: location.to_owned(),
                value: node.value,
                pointer: node.pointer,
            });
        }
    }
    out
}

/// How parameters are paired: path parameters by their place in the template (renaming one
/// changes nothing on the wire), the others by location and name.
fn param_key(op: &Op<'_>, p: &Param<'_>) -> String {
    if p.location == "path" {
        let names = crate::lower::template_names(&op.path);
        if let Some(i) = names.iter().position(|n| *n == p.name) {
            return format!("path#{i}");
        }
    }
    if p.location == "header" {
        return format!("header:{}", p.name.to_ascii_lowercase());
    }
    format!("{}:{}", p.location, p.name)
}

fn param_schema<'a>(raw: &'a Value, p: &Param<'a>) -> Node<'a> {
    if let Some(schema) = p.value.get("schema") {
        return resolve(raw, schema, &child(&p.pointer, &["schema"]));
    }
    if let Some(Value::Object(content)) = p.value.get("content") {
        if let Some((media, m)) = content.iter().next() {
            if let Some(schema) = m.get("schema") {
                return resolve(
                    raw,
                    schema,
                    &child(&p.pointer, &["content", media, "schema"]),
                );
            }
        }
    }
    Node {
        value: &NULL,
        pointer: child(&p.pointer, &["schema"]),
    }
}

fn ir_param<'a>(op: Option<&'a Operation>, p: &Param<'_>) -> Option<&'a crate::ir::Param> {
    op?.params.iter().find(|q| {
        q.wire == p.name
            && match q.location {
                ParamLocation::Path => p.location == "path",
                ParamLocation::Query(_) => p.location == "query",
                ParamLocation::Header => p.location == "header",
            }
    })
}

/// The media type the generator uses (the same choice as lowering makes).
fn pick_media(content: &serde_json::Map<String, Value>) -> Option<(&String, &Value)> {
    let (chosen, _) = crate::lower::pick_media(content.keys())?;
    content.get_key_value(&chosen)
}

fn media_of(node: &Node<'_>) -> Option<String> {
    node.value
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| pick_media(c).map(|(t, _)| t.clone()))
}

fn media_schema<'a>(raw: &'a Value, node: &Node<'a>) -> Option<Node<'a>> {
    let content = node.value.get("content")?.as_object()?;
    let (media, m) = pick_media(content)?;
    Some(match m.get("schema") {
        Some(schema) => resolve(
            raw,
            schema,
            &child(&node.pointer, &["content", media, "schema"]),
        ),
        None => Node {
            value: &NULL,
            pointer: child(&node.pointer, &["content", media, "schema"]),
        },
    })
}

fn status_match(key: &str) -> Option<StatusMatch> {
    if key == "default" {
        return Some(StatusMatch::Default);
    }
    let upper = key.to_ascii_uppercase();
    if let Some(d) = upper.strip_suffix("XX") {
        return d.parse().ok().map(StatusMatch::Range);
    }
    key.parse().ok().map(StatusMatch::Code)
}

fn is_success(key: &str) -> bool {
    key.starts_with('2')
}

fn responses<'a>(raw: &'a Value, op: &Op<'a>) -> Vec<(String, Node<'a>)> {
    let mut out = Vec::new();
    if let Some(Value::Object(map)) = op.value.get("responses") {
        for (status, r) in map {
            let key = if status == "default" {
                status.clone()
            } else {
                status.to_ascii_uppercase()
            };
            out.push((
                key,
                resolve(raw, r, &child(&op.pointer, &["responses", status])),
            ));
        }
    }
    out
}

fn authenticated(raw: &Value, op: &Value) -> (bool, BTreeSet<String>) {
    let security = op.get("security").or_else(|| raw.get("security"));
    let mut schemes = BTreeSet::new();
    let mut any_empty = false;
    if let Some(Value::Array(reqs)) = security {
        for r in reqs {
            match r.as_object() {
                Some(m) if !m.is_empty() => schemes.extend(m.keys().cloned()),
                _ => any_empty = true,
            }
        }
    }
    // An empty requirement makes authentication optional.
    (!schemes.is_empty() && !any_empty, schemes)
}

impl<'a> Cx<'a, '_> {
    fn cmp(&self, dir: Dir, scope: Scope, name: &str) -> Cmp<'a, '_> {
        Cmp::new(
            &self.old.doc.raw,
            &self.new.doc.raw,
            self.ro,
            self.rn,
            dir,
            scope,
            name,
        )
    }

    fn operation(&self, o: &Op<'a>, n: &Op<'a>) -> Vec<Change> {
        let (old_raw, new_raw) = (&self.old.doc.raw, &self.new.doc.raw);
        let (oi, ni) = (ir_op(&self.old.api, o), ir_op(&self.new.api, n));
        let method = ni
            .or(oi)
            .map(|x| format!("`Client::{}`", x.method_name))
            .unwrap_or_else(|| "the method".into());
        let builder = ni
            .or(oi)
            .map(|x| format!("`builder::{}`", x.builder_name))
            .unwrap_or_else(|| "the builder".into());
        let mut changes = Vec::new();
        let op_change =
            |kind, old: Option<String>, new: Option<String>, description: String, impact| {
                change(
                    Scope::Operation,
                    "",
                    "",
                    kind,
                    old,
                    new,
                    description,
                    impact,
                )
            };

        if o.method != n.method || normalize_path(&o.path) != normalize_path(&n.path) {
            let same_method = oi.map(|x| &x.method_name) == ni.map(|x| &x.method_name);
            changes.push(op_change(
                ChangeKind::OperationMoved,
                Some(o.title()),
                Some(n.title()),
                format!("moved from `{}` to `{}`", o.title(), n.title()),
                Impact::wire(format!(
                    "requests to `{}` are no longer documented",
                    o.title()
                ))
                .with_rust((!same_method).then(|| format!("the method is now {method}"))),
            ));
        }
        if o.id() != n.id() {
            let renamed = match (oi, ni) {
                (Some(a), Some(b)) if a.method_name != b.method_name => Some(format!(
                    "code calling `Client::{}` stops compiling: it is now `Client::{}`",
                    a.method_name, b.method_name
                )),
                _ => None,
            };
            let mut impact = Impact::default().with_rust(renamed);
            if impact.rust.is_none() {
                impact.note = Some("the generated names stay the same".into());
            }
            changes.push(op_change(
                ChangeKind::OperationIdChanged,
                o.id().map(str::to_owned),
                n.id().map(str::to_owned),
                format!(
                    "operationId {} → {}",
                    o.id().unwrap_or("none"),
                    n.id().unwrap_or("none")
                ),
                impact,
            ));
        }
        let dep = |v: &Value| v.get("deprecated") == Some(&Value::Bool(true));
        if dep(o.value) != dep(n.value) {
            changes.push(op_change(
                ChangeKind::Deprecated,
                Some(dep(o.value).to_string()),
                Some(dep(n.value).to_string()),
                if dep(n.value) {
                    "deprecated".into()
                } else {
                    "no longer deprecated".into()
                },
                Impact::compatible("documentation only (rustdoc notes it)"),
            ));
        }
        let (a, b) = (
            authenticated(old_raw, o.value),
            authenticated(new_raw, n.value),
        );
        if a != b {
            let words = |(auth, schemes): &(bool, BTreeSet<String>)| {
                if *auth {
                    format!(
                        "required ({})",
                        schemes.iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                } else if schemes.is_empty() {
                    "none".to_owned()
                } else {
                    format!(
                        "optional ({})",
                        schemes.iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                }
            };
            let impact = if b.0 && !a.0 {
                Impact::wire("requests without credentials are refused")
            } else {
                Impact::compatible("requests no longer need credentials")
            };
            changes.push(op_change(
                ChangeKind::SecurityChanged,
                Some(words(&a)),
                Some(words(&b)),
                format!("authentication {} → {}", words(&a), words(&b)),
                impact,
            ));
        }

        self.parameters(o, n, oi, ni, &method, &builder, &mut changes);
        self.request_body(o, n, oi, ni, &method, &builder, &mut changes);
        self.responses(o, n, oi, ni, &method, &mut changes);
        job(o.value, n.value, &mut changes);
        merge_statuses(changes)
    }

    #[allow(clippy::too_many_arguments)]
    fn parameters(
        &self,
        o: &Op<'a>,
        n: &Op<'a>,
        oi: Option<&Operation>,
        ni: Option<&Operation>,
        method: &str,
        builder: &str,
        changes: &mut Vec<Change>,
    ) {
        let (old_raw, new_raw) = (&self.old.doc.raw, &self.new.doc.raw);
        let old_params = params(old_raw, o);
        let new_params = params(new_raw, n);
        let rust_word = |p: Option<&crate::ir::Param>| -> Option<String> {
            let p = p?;
            let name = p.name.trim_start_matches("r#");
            Some(if p.required {
                format!("the argument `{name}` of {method}")
            } else {
                format!("the setter `{}::{name}`", builder.trim_end_matches('`')).replace("``", "`")
            })
        };
        for np in &new_params {
            let key = param_key(n, np);
            let new_ir = ir_param(ni, np);
            let Some(op_) = old_params.iter().find(|p| param_key(o, p) == key) else {
                let required = np.required();
                let summary = effective(new_raw, &param_schema(new_raw, np), 0).summary();
                let mut impact = Impact::default();
                match (new_ir, required) {
                    (Some(_), true) => {
                        impact = impact.with_rust(Some(format!(
                            "calls of {method} need a new argument, `{}`",
                            new_ir.map_or("", |p| p.name.trim_start_matches("r#"))
                        )))
                    }
                    (Some(_), false) => {
                        impact.note = Some(format!(
                            "a new setter, {}",
                            rust_word(new_ir)
                                .unwrap_or_default()
                                .trim_start_matches("the setter ")
                        ));
                    }
                    (None, _) => {
                        impact.note = Some("set by the runtime, not by callers".into());
                    }
                }
                if required {
                    impact = impact.with_wire(Some("requests without it are refused".into()));
                }
                changes.push(change(
                    Scope::Parameter,
                    &np.label(),
                    "",
                    ChangeKind::ParameterAdded,
                    None,
                    Some(summary.clone()),
                    format!(
                        "added ({}, {summary})",
                        if required { "required" } else { "optional" }
                    ),
                    impact,
                ));
                continue;
            };
            let old_ir = ir_param(oi, op_);
            let label = np.label();
            if op_.name != np.name {
                changes.push(change(
                    Scope::Parameter,
                    &label,
                    "",
                    ChangeKind::ParameterRenamed,
                    Some(op_.name.clone()),
                    Some(np.name.clone()),
                    format!("renamed from `{}`", op_.name),
                    Impact::compatible(
                        "path parameters are positional: renaming one changes neither requests nor calls",
                    ),
                ));
            }
            if op_.required() != np.required() {
                let mut impact = Impact::default();
                if let (Some(a), Some(b)) = (old_ir, new_ir) {
                    if a.required != b.required {
                        impact = impact.with_rust(Some(format!(
                            "{} is now {}",
                            rust_word(Some(a)).unwrap_or_default(),
                            rust_word(Some(b)).unwrap_or_default()
                        )));
                    }
                }
                if np.required() {
                    impact = impact.with_wire(Some("requests without it are refused".into()));
                } else if impact.rust.is_none() {
                    impact.note = Some("requests may leave it out".into());
                }
                changes.push(change(
                    Scope::Parameter,
                    &label,
                    "",
                    ChangeKind::RequiredChanged,
                    Some(
                        if op_.required() {
                            "required"
                        } else {
                            "optional"
                        }
                        .into(),
                    ),
                    Some(
                        if np.required() {
                            "required"
                        } else {
                            "optional"
                        }
                        .into(),
                    ),
                    if np.required() {
                        "now required".into()
                    } else {
                        "now optional".into()
                    },
                    impact,
                ));
            }
            if op_.style() != np.style() && np.location != "path" {
                changes.push(change(
                    Scope::Parameter,
                    &label,
                    "",
                    ChangeKind::StyleChanged,
                    Some(op_.style()),
                    Some(np.style()),
                    format!("serialization {} → {}", op_.style(), np.style()),
                    Impact::wire("the server reads the value written another way"),
                ));
            }
            let dep = |v: &Value| v.get("deprecated") == Some(&Value::Bool(true));
            if dep(op_.value) != dep(np.value) {
                changes.push(change(
                    Scope::Parameter,
                    &label,
                    "",
                    ChangeKind::Deprecated,
                    Some(dep(op_.value).to_string()),
                    Some(dep(np.value).to_string()),
                    if dep(np.value) {
                        "deprecated".into()
                    } else {
                        "no longer deprecated".into()
                    },
                    Impact::compatible("documentation only (rustdoc notes it)"),
                ));
            }
            let mut cmp = self.cmp(Dir::Request, Scope::Parameter, &label);
            cmp.compare(
                "",
                &param_schema(old_raw, op_),
                &param_schema(new_raw, np),
                Place {
                    ty: old_ir.map(|p| p.ty.clone()),
                    optional: None,
                    item: rust_word(old_ir),
                },
                Place {
                    ty: new_ir.map(|p| p.ty.clone()),
                    optional: None,
                    item: rust_word(new_ir),
                },
            );
            changes.extend(cmp.out);
        }
        for op_ in &old_params {
            let key = param_key(o, op_);
            if new_params.iter().any(|p| param_key(n, p) == key) {
                continue;
            }
            let old_ir = ir_param(oi, op_);
            let summary = effective(old_raw, &param_schema(old_raw, op_), 0).summary();
            let mut impact = Impact::default();
            match old_ir {
                Some(p) if p.required => {
                    impact = impact.with_rust(Some(format!(
                        "calls of {method} have one argument too many (`{}`)",
                        p.name.trim_start_matches("r#")
                    )))
                }
                Some(p) => {
                    impact = impact.with_rust(Some(format!(
                        "code calling `.{}(..)` on {builder} stops compiling",
                        p.name.trim_start_matches("r#")
                    )))
                }
                None => {}
            }
            if impact.rust.is_none() {
                impact.note =
                    Some("the server no longer documents it; it was set by the runtime".into());
            } else {
                impact.note = Some("servers may ignore or refuse it".into());
            }
            changes.push(change(
                Scope::Parameter,
                &op_.label(),
                "",
                ChangeKind::ParameterRemoved,
                Some(summary.clone()),
                None,
                format!("removed (was {summary})"),
                impact,
            ));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn request_body(
        &self,
        o: &Op<'a>,
        n: &Op<'a>,
        oi: Option<&Operation>,
        ni: Option<&Operation>,
        method: &str,
        builder: &str,
        changes: &mut Vec<Change>,
    ) {
        let (old_raw, new_raw) = (&self.old.doc.raw, &self.new.doc.raw);
        let body = |raw: &'a Value, op: &Op<'a>| {
            op.value
                .get("requestBody")
                .map(|b| resolve(raw, b, &child(&op.pointer, &["requestBody"])))
        };
        let required = |b: &Node<'_>| b.value.get("required") == Some(&Value::Bool(true));
        let push = |changes: &mut Vec<Change>, kind, old, new, description: String, impact| {
            changes.push(change(
                Scope::RequestBody,
                "",
                "",
                kind,
                old,
                new,
                description,
                impact,
            ))
        };
        let builder_name = builder.trim_matches('`');
        match (body(old_raw, o), body(new_raw, n)) {
            (None, None) => {}
            (None, Some(b)) => {
                let impact = if required(&b) {
                    Impact::both(
                        format!("calls of {method} need a new argument, `body`"),
                        "requests without a body are refused",
                    )
                } else {
                    Impact::compatible(format!("a new setter, `{builder_name}::body`"))
                };
                push(
                    changes,
                    ChangeKind::BodyAdded,
                    None,
                    media_of(&b),
                    format!(
                        "added ({}{})",
                        if required(&b) { "required" } else { "optional" },
                        media_of(&b).map(|m| format!(", {m}")).unwrap_or_default()
                    ),
                    impact,
                );
            }
            (Some(b), None) => {
                let rust = oi.and_then(|x| x.body.as_ref()).map(|body| {
                    if body.required {
                        format!("calls of {method} have one argument too many (`body`)")
                    } else {
                        format!("code calling `.body(..)` on `{builder_name}` stops compiling")
                    }
                });
                let mut impact = Impact::default().with_rust(rust);
                impact.note = Some("servers may ignore or refuse a body".into());
                push(
                    changes,
                    ChangeKind::BodyRemoved,
                    media_of(&b),
                    None,
                    "removed".into(),
                    impact,
                );
            }
            (Some(a), Some(b)) => {
                if required(&a) != required(&b) {
                    let rust = match (
                        oi.and_then(|x| x.body.as_ref()),
                        ni.and_then(|x| x.body.as_ref()),
                    ) {
                        (Some(x), Some(y)) if x.required != y.required => Some(if y.required {
                            format!(
                                "the setter `{builder_name}::body` is now an argument of {method}"
                            )
                        } else {
                            format!(
                                "the argument `body` of {method} is now the setter `{builder_name}::body`"
                            )
                        }),
                        _ => None,
                    };
                    let mut impact = Impact::default().with_rust(rust);
                    if required(&b) {
                        impact =
                            impact.with_wire(Some("requests without a body are refused".into()));
                    } else if impact.rust.is_none() {
                        impact.note = Some("requests may leave it out".into());
                    }
                    push(
                        changes,
                        ChangeKind::RequiredChanged,
                        Some(if required(&a) { "required" } else { "optional" }.into()),
                        Some(if required(&b) { "required" } else { "optional" }.into()),
                        if required(&b) {
                            "now required".into()
                        } else {
                            "now optional".into()
                        },
                        impact,
                    );
                }
                let (ma, mb) = (media_of(&a), media_of(&b));
                if essence(&ma) != essence(&mb) {
                    push(
                        changes,
                        ChangeKind::MediaTypeChanged,
                        ma.clone(),
                        mb.clone(),
                        format!(
                            "media type {} → {}",
                            ma.as_deref().unwrap_or("none"),
                            mb.as_deref().unwrap_or("none")
                        ),
                        Impact::wire("the server expects the body encoded another way"),
                    );
                }
                if let (Some(sa), Some(sb)) = (media_schema(old_raw, &a), media_schema(new_raw, &b))
                {
                    let item = |op: Option<&Operation>, view: &RustView<'_>| {
                        op.and_then(|x| x.body.as_ref())
                            .map(|b| format!("the request body (`{}`)", view.render(&b.ty)))
                    };
                    let mut cmp = self.cmp(Dir::Request, Scope::RequestBody, "");
                    cmp.compare(
                        "",
                        &sa,
                        &sb,
                        Place {
                            ty: oi.and_then(|x| x.body.as_ref()).map(|b| b.ty.clone()),
                            optional: Some(false),
                            item: item(oi, self.ro),
                        },
                        Place {
                            ty: ni.and_then(|x| x.body.as_ref()).map(|b| b.ty.clone()),
                            optional: Some(false),
                            item: item(ni, self.rn),
                        },
                    );
                    changes.extend(cmp.out);
                }
            }
        }
    }

    fn responses(
        &self,
        o: &Op<'a>,
        n: &Op<'a>,
        oi: Option<&Operation>,
        ni: Option<&Operation>,
        method: &str,
        changes: &mut Vec<Change>,
    ) {
        let (old_raw, new_raw) = (&self.old.doc.raw, &self.new.doc.raw);
        let old_responses = responses(old_raw, o);
        let new_responses = responses(new_raw, n);
        // What `send()` returns, on each side: a change of status list may change it.
        let outcome = |success: bool| -> Option<String> {
            let (a, b) = (oi?, ni?);
            let (x, y) = if success {
                (&a.success, &b.success)
            } else {
                (&a.failure, &b.failure)
            };
            if self.ro.outcome_shape(x) == self.rn.outcome_shape(y) {
                return None;
            }
            let (tx, ty) = (
                self.ro.outcome_type(x, !success),
                self.rn.outcome_type(y, !success),
            );
            Some(if success {
                format!(
                    "{method} now returns `rt::Response<{ty}>`, not `rt::Response<{tx}>`: code using the result stops compiling"
                )
            } else {
                format!(
                    "the error of {method} is now `rt::Error<{ty}>`, not `rt::Error<{tx}>`: code matching on it stops compiling"
                )
            })
        };
        let case_ty = |op: Option<&Operation>, status: &str| -> Option<crate::ir::Ty> {
            let m = status_match(status)?;
            let op = op?;
            op.success
                .cases
                .iter()
                .chain(op.failure.cases.iter())
                .find(|c| c.status == m)
                .and_then(|c| match &c.body {
                    crate::ir::ResponseBody::Json(t) => Some(t.clone()),
                    _ => None,
                })
        };
        for (status, b) in &new_responses {
            let success = is_success(status);
            let Some((_, a)) = old_responses.iter().find(|(s, _)| s == status) else {
                let mut impact = Impact::default().with_rust(outcome(success));
                if impact.rust.is_none() {
                    impact.note = Some(if success {
                        "a newly documented success".into()
                    } else {
                        "a newly documented error".into()
                    });
                }
                changes.push(change(
                    Scope::Response,
                    status,
                    "",
                    ChangeKind::ResponseAdded,
                    None,
                    media_of(b),
                    format!(
                        "status added{}",
                        media_of(b).map(|m| format!(" ({m})")).unwrap_or_default()
                    ),
                    impact,
                ));
                continue;
            };
            let (ma, mb) = (media_of(a), media_of(b));
            if essence(&ma) != essence(&mb) {
                let mut impact = Impact::default().with_rust(outcome(success));
                if impact.rust.is_none() {
                    impact.note = Some("the generated code reads it the same way".into());
                }
                changes.push(change(
                    Scope::Response,
                    status,
                    "",
                    ChangeKind::MediaTypeChanged,
                    ma.clone(),
                    mb.clone(),
                    format!(
                        "media type {} → {}",
                        ma.as_deref().unwrap_or("none"),
                        mb.as_deref().unwrap_or("none")
                    ),
                    impact,
                ));
            }
            if let (Some(sa), Some(sb)) = (media_schema(old_raw, a), media_schema(new_raw, b)) {
                let (ta, tb) = (case_ty(oi, status), case_ty(ni, status));
                let item = |t: &Option<crate::ir::Ty>, view: &RustView<'_>| {
                    t.as_ref()
                        .map(|t| format!("the response body (`{}`)", view.render(t)))
                };
                let mut cmp = self.cmp(Dir::Response, Scope::Response, status);
                cmp.compare(
                    "",
                    &sa,
                    &sb,
                    Place {
                        item: item(&ta, self.ro),
                        ty: ta,
                        optional: Some(false),
                    },
                    Place {
                        item: item(&tb, self.rn),
                        ty: tb,
                        optional: Some(false),
                    },
                );
                changes.extend(cmp.out);
            }
        }
        for (status, a) in &old_responses {
            if new_responses.iter().any(|(s, _)| s == status) {
                continue;
            }
            let success = is_success(status);
            let mut impact = Impact::default().with_rust(outcome(success));
            if impact.rust.is_none() {
                impact.note = Some(if success {
                    "no longer documented; servers should not send it".into()
                } else {
                    "no longer documented; if servers still send it, its body is kept raw".into()
                });
            }
            changes.push(change(
                Scope::Response,
                status,
                "",
                ChangeKind::ResponseRemoved,
                media_of(a),
                None,
                "status removed".into(),
                impact,
            ));
        }
    }

    fn servers(&self, out: &mut Vec<Change>) {
        let list = |raw: &'a Value| -> Vec<&'a Value> {
            match raw.get("servers") {
                Some(Value::Array(s)) => s.iter().collect(),
                _ => Vec::new(),
            }
        };
        let url = |s: &Value| {
            s.get("url")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let (old, new) = (list(&self.old.doc.raw), list(&self.new.doc.raw));
        let api = |kind, name: &str, old, new, description: String, impact| {
            change(Scope::Api, name, "", kind, old, new, description, impact)
        };
        for s in &new {
            let u = url(s);
            let Some(o) = old.iter().find(|o| url(o) == u) else {
                out.push(api(
                    ChangeKind::ServerAdded,
                    "",
                    None,
                    Some(u.clone()),
                    format!("server `{u}` added"),
                    Impact::compatible("one more endpoint"),
                ));
                continue;
            };
            let vars = |s: &Value| -> Vec<(String, Value)> {
                s.get("variables")
                    .and_then(Value::as_object)
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default()
            };
            let (va, vb) = (vars(o), vars(s));
            for (name, b) in &vb {
                let a = va.iter().find(|(n, _)| n == name).map(|(_, v)| v);
                let values = |v: Option<&Value>| -> Vec<String> {
                    v.and_then(|v| v.get("enum"))
                        .and_then(Value::as_array)
                        .map(|a| a.iter().map(value_text).collect())
                        .unwrap_or_default()
                };
                let (xa, xb) = (values(a), values(Some(b)));
                let closed = |x: &[String]| !x.is_empty();
                if a.is_some() && closed(&xa) && !closed(&xb) {
                    out.push(api(
                        ChangeKind::ServerVariableChanged,
                        name,
                        Some(xa.join(", ")),
                        None,
                        format!("server `{u}`: `{name}` is no longer limited to a list"),
                        Impact::compatible("any value is allowed"),
                    ));
                } else if (a.is_none() || !closed(&xa)) && closed(&xb) {
                    out.push(api(
                        ChangeKind::ServerVariableChanged,
                        name,
                        None,
                        Some(xb.join(", ")),
                        format!("server `{u}`: `{name}` limited to {}", xb.join(", ")),
                        Impact::wire(format!(
                            "clients configured with another {name} can no longer be made (`Client::new` fails)"
                        )),
                    ));
                } else {
                    for v in xa.iter().filter(|v| !xb.contains(v)) {
                        out.push(api(
                            ChangeKind::ServerVariableChanged,
                            name,
                            Some(v.clone()),
                            None,
                            format!("server `{u}`: `{name}` value {v:?} removed"),
                            Impact::wire(format!(
                                "clients configured with {name} {v:?} can no longer be made (`Client::new` fails)"
                            )),
                        ));
                    }
                    for v in xb.iter().filter(|v| !xa.contains(v)) {
                        out.push(api(
                            ChangeKind::ServerVariableChanged,
                            name,
                            None,
                            Some(v.clone()),
                            format!("server `{u}`: `{name}` value {v:?} added"),
                            Impact::compatible("one more allowed value"),
                        ));
                    }
                }
                let default = |v: Option<&Value>| v.and_then(|v| v.get("default")).map(value_text);
                if a.is_some() && default(a) != default(Some(b)) {
                    out.push(api(
                        ChangeKind::ServerVariableChanged,
                        name,
                        default(a),
                        default(Some(b)),
                        format!(
                            "server `{u}`: `{name}` default {} → {}",
                            default(a).unwrap_or_default(),
                            default(Some(b)).unwrap_or_default()
                        ),
                        Impact::compatible("clients configured without it use the new default"),
                    ));
                }
            }
        }
        for o in &old {
            let u = url(o);
            if !new.iter().any(|s| url(s) == u) {
                out.push(api(
                    ChangeKind::ServerRemoved,
                    "",
                    Some(u.clone()),
                    None,
                    format!("server `{u}` removed"),
                    Impact::wire("clients configured for it no longer reach a documented endpoint"),
                ));
            }
        }
    }

    /// Component schemas renamed, and changes of the ones no operation uses (operations
    /// report the others, through `$ref`s).
    fn schemas(&self, out: &mut Vec<Change>) {
        let (old_raw, new_raw) = (&self.old.doc.raw, &self.new.doc.raw);
        let names = |raw: &'a Value| -> Vec<(String, &'a Value)> {
            raw.get("components")
                .and_then(|c| c.get("schemas"))
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v)).collect())
                .unwrap_or_default()
        };
        let (old, new) = (names(old_raw), names(new_raw));
        let (old_used, new_used) = (used_schemas(old_raw), used_schemas(new_raw));
        let rust_name = |view: &RustView<'_>, name: &str| {
            view.type_at(&child("#/components/schemas", &[name]))
                .map(|t| view.render(&t))
        };
        let mut renamed_old: HashSet<String> = HashSet::new();
        let mut renamed_new: HashSet<String> = HashSet::new();
        for (name, value) in &old {
            if new.iter().any(|(n, _)| n == name) {
                continue;
            }
            let canon = canonical(value);
            let candidates: Vec<&String> = new
                .iter()
                .filter(|(n, v)| !old.iter().any(|(o, _)| o == n) && canonical(v) == canon)
                .map(|(n, _)| n)
                .collect();
            if let [to] = candidates.as_slice() {
                if renamed_new.contains(*to) {
                    continue;
                }
                renamed_old.insert(name.clone());
                renamed_new.insert((*to).clone());
                let (ra, rb) = (rust_name(self.ro, name), rust_name(self.rn, to));
                let impact = match (&ra, &rb) {
                    (Some(a), Some(b)) if a != b => Impact::rust(format!(
                        "code naming `{a}` stops compiling: the type is now `{b}`"
                    )),
                    _ => Impact::compatible("same content; the generated type keeps its name"),
                };
                out.push(change(
                    Scope::Schema,
                    to,
                    "",
                    ChangeKind::SchemaRenamed,
                    Some(name.clone()),
                    Some((*to).clone()),
                    format!("renamed from `{name}` (same content)"),
                    impact,
                ));
            }
        }
        for (name, value) in &old {
            if renamed_old.contains(name) || old_used.contains(name) {
                continue;
            }
            match new.iter().find(|(n, _)| n == name) {
                // Operations use it now: they report what changed.
                Some(_) if new_used.contains(name) => {}
                Some((_, nv)) => {
                    let at = child("#/components/schemas", &[name]);
                    let mut cmp = self.cmp(Dir::Detached, Scope::Schema, name);
                    let (ta, tb) = (self.ro.type_at(&at), self.rn.type_at(&at));
                    let item = |t: &Option<crate::ir::Ty>, view: &RustView<'_>| {
                        t.as_ref().map(|t| format!("`{}`", view.render(t)))
                    };
                    cmp.compare(
                        "",
                        &resolve(old_raw, value, &at),
                        &resolve(new_raw, nv, &at),
                        Place {
                            item: item(&ta, self.ro),
                            ty: ta,
                            optional: Some(false),
                        },
                        Place {
                            item: item(&tb, self.rn),
                            ty: tb,
                            optional: Some(false),
                        },
                    );
                    out.extend(cmp.out);
                }
                None => {
                    let impact = match rust_name(self.ro, name) {
                        Some(t) => Impact::rust(format!("code naming `{t}` stops compiling")),
                        None => Impact::compatible("no operation used it"),
                    };
                    out.push(change(
                        Scope::Schema,
                        name,
                        "",
                        ChangeKind::SchemaRemoved,
                        None,
                        None,
                        "removed (no operation used it)".into(),
                        impact,
                    ));
                }
            }
        }
        for (name, _) in &new {
            if renamed_new.contains(name)
                || new_used.contains(name)
                || old.iter().any(|(n, _)| n == name)
            {
                continue;
            }
            out.push(change(
                Scope::Schema,
                name,
                "",
                ChangeKind::SchemaAdded,
                None,
                None,
                "added (no operation uses it)".into(),
                Impact::compatible(match rust_name(self.rn, name) {
                    Some(t) => format!("a new type, `{t}`"),
                    None => "a new schema".into(),
                }),
            ));
        }
    }
}

/// `application/json; charset=utf-8` → `application/json`.
fn essence(media: &Option<String>) -> Option<String> {
    media.as_ref().map(|m| {
        m.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
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
                    let target = r
                        .strip_prefix('#')
                        .map(|f| format!("#{}", crate::load::percent_decode(f)))
                        .unwrap_or_default();
                    if let Some(rest) = target.strip_prefix(PREFIX) {
                        let name = rest.split('/').next().unwrap_or(rest);
                        used.insert(name.replace("~1", "/").replace("~0", "~"));
                    }
                    if seen.insert(target.clone()) {
                        if let Some(t) = crate::load::resolve_pointer(raw, &target) {
                            stack.push(t);
                        }
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
                    ) && (!k.starts_with("x-")
                        || matches!(k.as_str(), "x-extensible-enum" | "x-cloudjobs-timestamp"))
                })
                .map(|(k, v)| (k.clone(), canonical(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// `x-cloudjobs-job`: which statuses mean what, and where the accessors read.
fn job(old: &Value, new: &Value, changes: &mut Vec<Change>) {
    const KEY: &str = "x-cloudjobs-job";
    let (a, b) = (old.get(KEY), new.get(KEY));
    let push = |changes: &mut Vec<Change>, path: &str, old, new, description: String, impact| {
        changes.push(change(
            Scope::Job,
            "",
            path,
            ChangeKind::JobChanged,
            old,
            new,
            description,
            impact,
        ))
    };
    match (a, b) {
        (None, None) => {}
        (None, Some(_)) => push(
            changes,
            "",
            None,
            None,
            "added: the operation is a job's details call".into(),
            Impact::compatible("its success body can be waited on as a job"),
        ),
        (Some(_), None) => push(
            changes,
            "",
            None,
            None,
            "removed".into(),
            Impact::rust("code waiting on its success body as a job stops compiling"),
        ),
        (Some(a), Some(b)) => job_fields(a, b, "", changes, &push),
    }
}

type Push<'p> = dyn Fn(&mut Vec<Change>, &str, Option<String>, Option<String>, String, Impact) + 'p;

fn job_fields(a: &Value, b: &Value, prefix: &str, changes: &mut Vec<Change>, push: &Push<'_>) {
    let states = ["pending", "running", "succeeded", "failed"];
    let list = |v: &Value, k: &str| -> Option<Vec<String>> {
        v.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(value_text).collect())
    };
    let state_of = |v: &Value, value: &str| -> Option<&'static str> {
        states
            .iter()
            .copied()
            .find(|s| list(v, s).is_some_and(|l| l.iter().any(|x| x == value)))
    };
    let mut seen = BTreeSet::new();
    for s in states {
        for value in list(a, s)
            .unwrap_or_default()
            .into_iter()
            .chain(list(b, s).unwrap_or_default())
        {
            if !seen.insert(value.clone()) {
                continue;
            }
            let (x, y) = (state_of(a, &value), state_of(b, &value));
            if x == y {
                continue;
            }
            let word = |s: Option<&str>| s.unwrap_or("unknown").to_owned();
            let terminal = |s: Option<&str>| matches!(s, Some("succeeded" | "failed"));
            let note = match (terminal(x), terminal(y)) {
                (false, true) => format!("waiting now stops when the status is {value:?}"),
                (true, false) => format!("waiting now goes on when the status is {value:?}"),
                _ => format!("{value:?} is now reported as {}", word(y)),
            };
            push(
                changes,
                "",
                Some(word(x)),
                Some(word(y)),
                format!("{prefix}status {value:?}: {} → {}", word(x), word(y)),
                Impact::compatible(note),
            );
        }
    }
    let whose = if prefix.is_empty() {
        "the job's"
    } else {
        "each sub-task's"
    };
    for key in [
        "status",
        "id",
        "progress",
        "error_code",
        "error_reason",
        "items",
        "total",
        "name",
    ] {
        let (x, y) = (a.get(key), b.get(key));
        if x != y {
            let text = |v: Option<&Value>| v.map_or_else(|| "none".to_owned(), value_text);
            let note = match y {
                None => format!("{whose} `{key}` is no longer read"),
                Some(p) => format!("{whose} `{key}` is now read from {}", value_text(p)),
            };
            push(
                changes,
                "",
                x.map(value_text),
                y.map(value_text),
                format!("{prefix}`{key}` pointer {} → {}", text(x), text(y)),
                Impact::compatible(note),
            );
        }
    }
    if a.get("resources") != b.get("resources") {
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    let list: Vec<String> = a.iter().map(value_text).collect();
                    format!("[{}]", list.join(", "))
                })
                .unwrap_or_else(|| "none".into())
        };
        push(
            changes,
            "",
            Some(text(a.get("resources"))),
            Some(text(b.get("resources"))),
            format!(
                "{prefix}`resources` {} → {}",
                text(a.get("resources")),
                text(b.get("resources"))
            ),
            Impact::compatible(format!("{whose} resource ids are read from other places")),
        );
    }
    if prefix.is_empty() {
        match (a.get("subtasks"), b.get("subtasks")) {
            (Some(x), Some(y)) => {
                // Sub-task lists left out default to the job's.
                let fill = |v: &Value, job: &Value| {
                    let mut v = v.clone();
                    if let Some(m) = v.as_object_mut() {
                        for s in states {
                            if !m.contains_key(s) {
                                if let Some(l) = job.get(s) {
                                    m.insert(s.to_owned(), l.clone());
                                }
                            }
                        }
                    }
                    v
                };
                job_fields(&fill(x, a), &fill(y, b), "sub-task ", changes, push);
            }
            (None, Some(_)) => push(
                changes,
                "subtasks",
                None,
                None,
                "sub-tasks added".into(),
                Impact::compatible("the job's sub-tasks can be listed"),
            ),
            (Some(_), None) => push(
                changes,
                "subtasks",
                None,
                None,
                "sub-tasks removed".into(),
                Impact::compatible("the job lists no sub-tasks any more"),
            ),
            (None, None) => {}
        }
    }
}

/// Changes identical for several statuses (one error schema for 400, 401 and 403) are
/// reported once, for all of them.
fn merge_statuses(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    for c in changes {
        if c.scope == Scope::Response {
            if let Some(same) = out.iter_mut().find(|x| {
                x.scope == Scope::Response
                    && x.path == c.path
                    && x.kind == c.kind
                    && x.old == c.old
                    && x.new == c.new
                    && x.description == c.description
                    && x.reason == c.reason
                    && x.breaking_rust == c.breaking_rust
                    && x.breaking_wire == c.breaking_wire
            }) {
                same.name = format!("{}, {}", same.name, c.name);
                continue;
            }
        }
        out.push(c);
    }
    out
}
