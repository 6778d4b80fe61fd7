//! One operation in two versions: its identity, security, parameters, request body,
//! responses and job semantics.

use std::collections::BTreeSet;
use std::rc::Rc;

use indexmap::IndexMap;
use openapiv3::{MediaType, ReferenceOr, RequestBody, Response};

use super::headers::diff_headers;
use super::job::{diff_job, diff_unlisted};
use super::pairs::{Cx, Op};
use super::rust::normalize_path;
use super::schema::{Dir, Place};
use super::{At, Change, ChangeKind, Impact, Pair, Scope, change};
use crate::error::child;
use crate::ir::{Operation, ParamLocation, ResponseBody, StatusMatch, Ty};
use crate::lower::Declared;
use crate::model::{Doc, Node, effective};

/// A paired operation: both versions in the document and lowered, and its Rust names.
pub(super) struct OpPair<'c, 'a, 'v> {
    cx: &'c Cx<'a, 'v>,
    ops: Pair<&'c Op>,
    ir: Pair<Option<&'a Operation>>,
    /// `` `Client::show_job` ``.
    method: String,
    /// `` `builder::ShowJob` ``.
    builder: String,
    changes: Vec<Change>,
}

fn required_word(required: bool) -> Option<String> {
    Some(if required { "required" } else { "optional" }.into())
}

fn now_required(required: bool) -> String {
    if required {
        "now required".into()
    } else {
        "now optional".into()
    }
}

fn deprecation(values: Pair<bool>) -> Option<(Pair<Option<String>>, String, Impact)> {
    values.changed().then(|| {
        (
            values.map(|d| Some(d.to_string())),
            if values.new {
                "deprecated".into()
            } else {
                "no longer deprecated".into()
            },
            Impact::compatible("documentation only (rustdoc notes it)"),
        )
    })
}

impl<'c, 'a, 'v> OpPair<'c, 'a, 'v> {
    pub(super) fn new(cx: &'c Cx<'a, 'v>, ops: Pair<&'c Op>) -> Self {
        let ir = Pair::new(
            ops.old.lowered(&cx.specs.old.api),
            ops.new.lowered(&cx.specs.new.api),
        );
        let either = ir.new.or(ir.old);
        Self {
            cx,
            ops,
            ir,
            method: either
                .map(|x| format!("`Client::{}`", x.method_name))
                .unwrap_or_else(|| "the method".into()),
            builder: either
                .map(|x| format!("`builder::{}`", x.builder_name))
                .unwrap_or_else(|| "the builder".into()),
            changes: Vec::new(),
        }
    }

    /// Every change of the operation, identical response changes merged.
    pub(super) fn changes(mut self) -> Vec<Change> {
        self.identity();
        self.security();
        self.parameters();
        self.request_body();
        self.responses();
        if let (Some(old), Some(new)) = (self.ir.old, self.ir.new) {
            diff_headers(Pair::new(old, new), &self.method, &mut self.changes);
        }
        let jobs = self.ir.map(|o| o.and_then(|o| o.job.as_ref()));
        diff_job(jobs, &mut self.changes);
        let apis = Pair::new(&self.cx.specs.old.api, &self.cx.specs.new.api);
        diff_unlisted(apis, jobs, &mut self.changes);
        merge_statuses(self.changes)
    }

    fn push(
        &mut self,
        at: At<'_>,
        kind: ChangeKind,
        values: Pair<Option<String>>,
        description: String,
        impact: Impact,
    ) {
        self.changes
            .push(change(at, kind, values, description, impact));
    }

    fn op_change(
        &mut self,
        kind: ChangeKind,
        values: Pair<Option<String>>,
        description: String,
        impact: Impact,
    ) {
        let at = At::new(Scope::Operation, "", "");
        self.push(at, kind, values, description, impact);
    }

    /// Method and path, `operationId`, deprecation.
    fn identity(&mut self) {
        let (o, n) = (self.ops.old, self.ops.new);
        let names = self.ir.map(|x| x.map(|x| x.method_name.clone()));
        if o.method != n.method || normalize_path(&o.path) != normalize_path(&n.path) {
            let moved = (names.changed()).then(|| format!("the method is now {}", self.method));
            self.op_change(
                ChangeKind::OperationMoved,
                Pair::new(Some(o.title()), Some(n.title())),
                format!("moved from `{}` to `{}`", o.title(), n.title()),
                Impact::wire(format!(
                    "requests to `{}` are no longer documented",
                    o.title()
                ))
                .with_rust(moved),
            );
        }
        if o.id() != n.id() {
            let renamed = match (&names.old, &names.new) {
                (Some(a), Some(b)) if a != b => Some(format!(
                    "code calling `Client::{a}` stops compiling: it is now `Client::{b}`"
                )),
                _ => None,
            };
            let mut impact = Impact::default().with_rust(renamed);
            if impact.rust.is_none() {
                impact.note = Some("the generated names stay the same".into());
            }
            self.op_change(
                ChangeKind::OperationIdChanged,
                Pair::new(o.id().map(str::to_owned), n.id().map(str::to_owned)),
                format!(
                    "operationId {} → {}",
                    o.id().unwrap_or("none"),
                    n.id().unwrap_or("none")
                ),
                impact,
            );
        }
        if let Some((values, description, impact)) =
            deprecation(self.ops.map(|op| op.site.op.deprecated))
        {
            self.op_change(ChangeKind::Deprecated, values, description, impact);
        }
    }

    fn security(&mut self) {
        let docs = self.cx.docs();
        let auth = Pair::new(
            authentication(&docs.old.doc.spec, &self.ops.old.site.op),
            authentication(&docs.new.doc.spec, &self.ops.new.site.op),
        );
        if !auth.changed() {
            return;
        }
        let words = auth.as_ref().map(Authentication::words);
        let impact = if auth.new.required && !auth.old.required {
            Impact::wire("requests without credentials are refused")
        } else {
            Impact::compatible("requests no longer need credentials")
        };
        self.op_change(
            ChangeKind::SecurityChanged,
            words.clone().map(Some),
            format!("authentication {} → {}", words.old, words.new),
            impact,
        );
    }

    /// How the Rust API sets a parameter: ``the argument `limit` of `Client::list` `` or
    /// ``the setter `builder::List::limit` ``.
    fn rust_word(&self, p: Option<&crate::ir::Param>) -> Option<String> {
        let p = p?;
        let name = p.name.trim_start_matches("r#");
        Some(if p.required {
            format!("the argument `{name}` of {}", self.method)
        } else {
            format!(
                "the setter `{}::{name}`",
                self.builder.trim_end_matches('`')
            )
            .replace("``", "`")
        })
    }

    fn parameters(&mut self) {
        let (ops, key) = (self.ops, param_key);
        for np in &ops.new.params {
            let k = key(ops.new, np);
            match ops.old.params.iter().find(|p| key(ops.old, p) == k) {
                Some(op) => self.parameter_kept(Pair::new(op, np)),
                None => self.parameter_added(np),
            }
        }
        for op in &ops.old.params {
            let k = key(ops.old, op);
            if !ops.new.params.iter().any(|p| key(ops.new, p) == k) {
                self.parameter_removed(op);
            }
        }
    }

    fn parameter_added(&mut self, p: &'c Declared) {
        let docs = self.cx.docs();
        let required = p.required();
        let summary = effective(docs.new, &param_schema(docs.new, p), 0).summary();
        let lowered = lowered_param(self.ir.new, p);
        let mut impact = Impact::default();
        match (lowered, required) {
            (Some(q), true) => {
                impact = impact.with_rust(Some(format!(
                    "calls of {} need a new argument, `{}`",
                    self.method,
                    q.name.trim_start_matches("r#")
                )));
            }
            (Some(_), false) => {
                impact.note = Some(format!(
                    "a new setter, {}",
                    self.rust_word(lowered)
                        .unwrap_or_default()
                        .trim_start_matches("the setter ")
                ));
            }
            (None, _) => impact.note = Some("set by the runtime, not by callers".into()),
        }
        if required {
            impact = impact.with_wire(Some("requests without it are refused".into()));
        }
        let description = format!(
            "added ({}, {summary})",
            required_word(required).unwrap_or_default()
        );
        self.push(
            At::new(Scope::Parameter, &label(p), ""),
            ChangeKind::ParameterAdded,
            Pair::new(None, Some(summary)),
            description,
            impact,
        );
    }

    fn parameter_removed(&mut self, p: &'c Declared) {
        let docs = self.cx.docs();
        let summary = effective(docs.old, &param_schema(docs.old, p), 0).summary();
        let mut impact = Impact::default();
        match lowered_param(self.ir.old, p) {
            Some(q) if q.required => {
                impact = impact.with_rust(Some(format!(
                    "calls of {} have one argument too many (`{}`)",
                    self.method,
                    q.name.trim_start_matches("r#")
                )));
            }
            Some(q) => {
                impact = impact.with_rust(Some(format!(
                    "code calling `.{}(..)` on {} stops compiling",
                    q.name.trim_start_matches("r#"),
                    self.builder
                )));
            }
            None => {}
        }
        impact.note = Some(if impact.rust.is_none() {
            "the server no longer documents it; it was set by the runtime".into()
        } else {
            "servers may ignore or refuse it".into()
        });
        self.push(
            At::new(Scope::Parameter, &label(p), ""),
            ChangeKind::ParameterRemoved,
            Pair::new(Some(summary.clone()), None),
            format!("removed (was {summary})"),
            impact,
        );
    }

    fn parameter_kept(&mut self, p: Pair<&'c Declared>) {
        let lowered = Pair::new(
            lowered_param(self.ir.old, p.old),
            lowered_param(self.ir.new, p.new),
        );
        let label = label(p.new);
        let at = At::new(Scope::Parameter, &label, "");
        let names = p.map(|p| p.data().name.clone());
        if names.changed() {
            self.push(
                at,
                ChangeKind::ParameterRenamed,
                names.clone().map(Some),
                format!("renamed from `{}`", names.old),
                Impact::compatible(
                    "path parameters are positional: renaming one changes neither requests nor calls",
                ),
            );
        }
        let required = p.map(Declared::required);
        if required.changed() {
            let impact = self.required_impact(lowered, required.new);
            self.push(
                at,
                ChangeKind::RequiredChanged,
                required.map(required_word),
                now_required(required.new),
                impact,
            );
        }
        let style = p.map(Declared::style);
        if style.changed() && p.new.location() != Some(ParamLocation::Path) {
            self.push(
                at,
                ChangeKind::StyleChanged,
                style.clone().map(Some),
                format!("serialization {} → {}", style.old, style.new),
                Impact::wire("the server reads the value written another way"),
            );
        }
        if let Some((values, description, impact)) =
            deprecation(p.map(|p| p.data().deprecated == Some(true)))
        {
            self.push(at, ChangeKind::Deprecated, values, description, impact);
        }
        let docs = self.cx.docs();
        let nodes = Pair::new(param_schema(docs.old, p.old), param_schema(docs.new, p.new));
        let places = lowered.map(|q| Place {
            ty: q.map(|q| q.ty.clone()),
            optional: None,
            item: self.rust_word(q),
        });
        let mut cmp = self.cx.cmp(Dir::Request, Scope::Parameter, &label);
        cmp.compare("", nodes.as_ref(), places);
        self.changes.extend(cmp.out);
    }

    fn required_impact(&self, lowered: Pair<Option<&crate::ir::Param>>, now: bool) -> Impact {
        let mut impact = Impact::default();
        if let (Some(a), Some(b)) = (lowered.old, lowered.new)
            && a.required != b.required
        {
            impact = impact.with_rust(Some(format!(
                "{} is now {}",
                self.rust_word(Some(a)).unwrap_or_default(),
                self.rust_word(Some(b)).unwrap_or_default()
            )));
        }
        if now {
            impact = impact.with_wire(Some("requests without it are refused".into()));
        } else if impact.rust.is_none() {
            impact.note = Some("requests may leave it out".into());
        }
        impact
    }

    fn body_change(
        &mut self,
        kind: ChangeKind,
        values: Pair<Option<String>>,
        description: String,
        impact: Impact,
    ) {
        let at = At::new(Scope::RequestBody, "", "");
        self.push(at, kind, values, description, impact);
    }

    fn request_body(&mut self) {
        let docs = self.cx.docs();
        match (body(docs.old, self.ops.old), body(docs.new, self.ops.new)) {
            (None, None) => {}
            (None, Some(b)) => self.body_added(&b),
            (Some(a), None) => self.body_removed(&a),
            (Some(a), Some(b)) => self.body_kept(Pair::new(a, b)),
        }
    }

    fn builder_name(&self) -> String {
        self.builder.trim_matches('`').to_owned()
    }

    fn body_added(&mut self, b: &Content) {
        let impact = if body_required(b) {
            Impact::both(
                format!("calls of {} need a new argument, `body`", self.method),
                "requests without a body are refused",
            )
        } else {
            Impact::compatible(format!("a new setter, `{}::body`", self.builder_name()))
        };
        let media = media_of(b);
        let description = format!(
            "added ({}{})",
            required_word(body_required(b)).unwrap_or_default(),
            media.as_ref().map(|m| format!(", {m}")).unwrap_or_default()
        );
        self.body_change(
            ChangeKind::BodyAdded,
            Pair::new(None, media),
            description,
            impact,
        );
    }

    fn body_removed(&mut self, a: &Content) {
        let rust = self.ir.old.and_then(|x| x.body.as_ref()).map(|body| {
            if body.required {
                format!(
                    "calls of {} have one argument too many (`body`)",
                    self.method
                )
            } else {
                format!(
                    "code calling `.body(..)` on `{}` stops compiling",
                    self.builder_name()
                )
            }
        });
        let mut impact = Impact::default().with_rust(rust);
        impact.note = Some("servers may ignore or refuse a body".into());
        self.body_change(
            ChangeKind::BodyRemoved,
            Pair::new(media_of(a), None),
            "removed".into(),
            impact,
        );
    }

    fn body_kept(&mut self, b: Pair<Content>) {
        let required = b.as_ref().map(body_required);
        if required.changed() {
            let impact = self.body_required_impact(required.new);
            self.body_change(
                ChangeKind::RequiredChanged,
                required.map(required_word),
                now_required(required.new),
                impact,
            );
        }
        let media = b.as_ref().map(media_of);
        if essence(&media.old) != essence(&media.new) {
            let description = media_description(&media);
            self.body_change(
                ChangeKind::MediaTypeChanged,
                media,
                description,
                Impact::wire("the server expects the body encoded another way"),
            );
        }
        let docs = self.cx.docs();
        let (Some(sa), Some(sb)) = (
            media_schema(docs.old, &b.old),
            media_schema(docs.new, &b.new),
        ) else {
            return;
        };
        let bodies = self.ir.map(|x| x.and_then(|x| x.body.as_ref()));
        let place = |body: Option<&crate::ir::RequestBody>, old: bool| {
            let view = if old {
                self.cx.rust().old
            } else {
                self.cx.rust().new
            };
            Place {
                ty: body.map(|b| b.ty.clone()),
                optional: Some(false),
                item: body.map(|b| format!("the request body (`{}`)", view.render(&b.ty))),
            }
        };
        let places = Pair::new(place(bodies.old, true), place(bodies.new, false));
        let mut cmp = self.cx.cmp(Dir::Request, Scope::RequestBody, "");
        cmp.compare("", Pair::new(&sa, &sb), places);
        self.changes.extend(cmp.out);
    }

    fn body_required_impact(&self, now: bool) -> Impact {
        let bodies = self.ir.map(|x| x.and_then(|x| x.body.as_ref()));
        let builder = self.builder_name();
        let rust = match (bodies.old, bodies.new) {
            (Some(x), Some(y)) if x.required != y.required => Some(if y.required {
                format!(
                    "the setter `{builder}::body` is now an argument of {}",
                    self.method
                )
            } else {
                format!(
                    "the argument `body` of {} is now the setter `{builder}::body`",
                    self.method
                )
            }),
            _ => None,
        };
        let mut impact = Impact::default().with_rust(rust);
        if now {
            impact = impact.with_wire(Some("requests without a body are refused".into()));
        } else if impact.rust.is_none() {
            impact.note = Some("requests may leave it out".into());
        }
        impact
    }

    /// What `send()` returns on the success or failure side, when a change of the status
    /// list changes it.
    fn outcome(&self, success: bool) -> Option<String> {
        let (a, b) = (self.ir.old?, self.ir.new?);
        let (x, y) = if success {
            (&a.success, &b.success)
        } else {
            (&a.failure, &b.failure)
        };
        let rust = self.cx.rust();
        if rust.old.outcome_shape(x) == rust.new.outcome_shape(y) {
            return None;
        }
        let (tx, ty) = (
            rust.old.outcome_type(x, !success),
            rust.new.outcome_type(y, !success),
        );
        let method = &self.method;
        Some(if success {
            format!(
                "{method} now returns `rt::Response<{ty}>`, not `rt::Response<{tx}>`: code using the result stops compiling"
            )
        } else {
            format!(
                "the error of {method} is now `rt::Error<{ty}>`, not `rt::Error<{tx}>`: code matching on it stops compiling"
            )
        })
    }

    fn responses(&mut self) {
        let docs = self.cx.docs();
        let responses = Pair::new(
            responses(docs.old, self.ops.old),
            responses(docs.new, self.ops.new),
        );
        for (status, b) in &responses.new {
            match responses.old.iter().find(|(s, _)| s == status) {
                Some((_, a)) => self.response_kept(status, Pair::new(a, b)),
                None => self.response_added(status, b),
            }
        }
        for (status, a) in &responses.old {
            if !responses.new.iter().any(|(s, _)| s == status) {
                self.response_removed(status, a);
            }
        }
    }

    fn response_added(&mut self, status: &str, b: &Content) {
        let success = is_success(status);
        let mut impact = Impact::default().with_rust(self.outcome(success));
        if impact.rust.is_none() {
            impact.note = Some(if success {
                "a newly documented success".into()
            } else {
                "a newly documented error".into()
            });
        }
        let media = media_of(b);
        let description = format!(
            "status added{}",
            media
                .as_ref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        );
        self.push(
            At::new(Scope::Response, status, ""),
            ChangeKind::ResponseAdded,
            Pair::new(None, media),
            description,
            impact,
        );
    }

    fn response_removed(&mut self, status: &str, a: &Content) {
        let success = is_success(status);
        let mut impact = Impact::default().with_rust(self.outcome(success));
        if impact.rust.is_none() {
            impact.note = Some(if success {
                "no longer documented; servers should not send it".into()
            } else {
                "no longer documented; if servers still send it, its body is kept raw".into()
            });
        }
        self.push(
            At::new(Scope::Response, status, ""),
            ChangeKind::ResponseRemoved,
            Pair::new(media_of(a), None),
            "status removed".into(),
            impact,
        );
    }

    fn response_kept(&mut self, status: &str, r: Pair<&Content>) {
        let media = r.map(media_of);
        if essence(&media.old) != essence(&media.new) {
            let mut impact = Impact::default().with_rust(self.outcome(is_success(status)));
            if impact.rust.is_none() {
                impact.note = Some("the generated code reads it the same way".into());
            }
            let description = media_description(&media);
            self.push(
                At::new(Scope::Response, status, ""),
                ChangeKind::MediaTypeChanged,
                media,
                description,
                impact,
            );
        }
        let docs = self.cx.docs();
        let (Some(sa), Some(sb)) = (media_schema(docs.old, r.old), media_schema(docs.new, r.new))
        else {
            return;
        };
        let rust = self.cx.rust();
        let place = |ty: Option<Ty>, view: &super::rust::RustView<'_>| Place {
            item: ty
                .as_ref()
                .map(|t| format!("the response body (`{}`)", view.render(t))),
            ty,
            optional: Some(false),
        };
        let places = Pair::new(
            place(case_ty(self.ir.old, status), rust.old),
            place(case_ty(self.ir.new, status), rust.new),
        );
        let mut cmp = self.cx.cmp(Dir::Response, Scope::Response, status);
        cmp.compare("", Pair::new(&sa, &sb), places);
        self.changes.extend(cmp.out);
    }
}

/// The JSON body type of the response case documented for `status`.
fn case_ty(op: Option<&Operation>, status: &str) -> Option<Ty> {
    let m = StatusMatch::parse(status)?;
    let op = op?;
    op.success
        .cases
        .iter()
        .chain(op.failure.cases.iter())
        .find(|c| c.status == m)
        .and_then(|c| match &c.body {
            ResponseBody::Json(t) => Some(t.clone()),
            _ => None,
        })
}

/// Whether a `responses` key is a success status, by the rule the client's outcome follows.
fn is_success(key: &str) -> bool {
    StatusMatch::parse(key).is_some_and(StatusMatch::is_success)
}

/// Who may call an operation: whether credentials are required, and with which schemes.
#[derive(PartialEq, Eq)]
struct Authentication {
    required: bool,
    schemes: BTreeSet<String>,
}

impl Authentication {
    fn words(&self) -> String {
        let schemes = self.schemes.iter().cloned().collect::<Vec<_>>().join(", ");
        if self.required {
            format!("required ({schemes})")
        } else if self.schemes.is_empty() {
            "none".to_owned()
        } else {
            format!("optional ({schemes})")
        }
    }
}

fn authentication(spec: &openapiv3::OpenAPI, op: &openapiv3::Operation) -> Authentication {
    let security = op.security.as_ref().or(spec.security.as_ref());
    let reqs = security.map_or(&[][..], Vec::as_slice);
    // An empty requirement makes authentication optional.
    let any_empty = reqs.iter().any(|r| r.is_empty());
    let schemes: BTreeSet<String> = reqs.iter().flat_map(|r| r.keys().cloned()).collect();
    Authentication {
        required: !schemes.is_empty() && !any_empty,
        schemes,
    }
}

fn label(p: &Declared) -> String {
    format!("{} in {}", p.data().name, p.location_word())
}

/// How parameters are paired: path parameters by their place in the template (renaming one
/// changes nothing on the wire), the others by location and name.
fn param_key(op: &Op, p: &Declared) -> String {
    let (name, location) = (&p.data().name, p.location_word());
    if location == "path" {
        let names = crate::lower::template_names(&op.path);
        if let Some(i) = names.iter().position(|n| n == name) {
            return format!("path#{i}");
        }
    }
    if location == "header" {
        return format!("header:{}", name.to_ascii_lowercase());
    }
    format!("{location}:{name}")
}

fn param_schema<'a>(doc: &Doc<'a>, p: &Declared) -> Node {
    match p.schema_pointer() {
        Some(pointer) => doc.node(&pointer),
        None => Node::missing(&child(&p.pointer, &["schema"])),
    }
}

/// The lowered parameter (`None`: a cookie, or a header the runtime sets).
fn lowered_param<'a>(op: Option<&'a Operation>, p: &Declared) -> Option<&'a crate::ir::Param> {
    let (location, name) = (p.location()?, &p.data().name);
    op?.params.iter().find(|q| {
        q.wire == *name && std::mem::discriminant(&q.location) == std::mem::discriminant(&location)
    })
}

/// A request body or a response, `$ref` followed: where it is and what it holds.
pub(super) struct Content {
    pointer: String,
    required: bool,
    content: IndexMap<String, MediaType>,
}

fn body(doc: &Doc<'_>, op: &Op) -> Option<Content> {
    let at = child(&op.pointer, &["requestBody"]);
    let (pointer, body) = match op.site.op.request_body.as_ref()? {
        ReferenceOr::Item(b) => (at, Rc::new(b.clone())),
        ReferenceOr::Reference { reference } => doc
            .with_refs(|r| r.fetch::<RequestBody>(reference, &at))
            .ok()?,
    };
    let (required, content) = (body.required, body.content.clone());
    Some(Content {
        pointer,
        required,
        content,
    })
}

/// The responses by status (`200`, `4XX`, `default` last), as lowering reads them.
fn responses(doc: &Doc<'_>, op: &Op) -> Vec<(String, Content)> {
    let all = &op.site.op.responses;
    let keyed = all.responses.iter().map(|(s, r)| (s.to_string(), r));
    let keyed = keyed.chain(all.default.iter().map(|r| ("default".to_owned(), r)));
    let content = |(status, r): (String, &ReferenceOr<Response>)| {
        let written = doc.written_key(&child(&op.pointer, &["responses"]), &status);
        let at = child(&op.pointer, &["responses", &written]);
        let (pointer, response) = match r {
            ReferenceOr::Item(r) => (at, Rc::new(r.clone())),
            ReferenceOr::Reference { reference } => doc
                .with_refs(|refs| refs.fetch::<Response>(reference, &at))
                .ok()?,
        };
        let content = response.content.clone();
        let required = false;
        Some((
            status,
            Content {
                pointer,
                required,
                content,
            },
        ))
    };
    keyed.filter_map(content).collect()
}

fn body_required(b: &Content) -> bool {
    b.required
}

/// The media type the generator uses (lowering's choice).
fn media_of(c: &Content) -> Option<String> {
    crate::lower::pick_media(c.content.keys()).map(|(t, _)| t)
}

fn media_description(media: &Pair<Option<String>>) -> String {
    format!(
        "media type {} → {}",
        media.old.as_deref().unwrap_or("none"),
        media.new.as_deref().unwrap_or("none")
    )
}

fn media_schema(doc: &Doc<'_>, c: &Content) -> Option<Node> {
    let media = media_of(c)?;
    let at = child(&c.pointer, &["content", &media, "schema"]);
    Some(match c.content.get(&media)?.schema {
        Some(_) => doc.node(&at),
        None => Node::missing(&at),
    })
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

/// Changes identical for several statuses (one error schema for 400, 401 and 403) are
/// reported once, for all of them.
fn merge_statuses(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    for c in changes {
        if c.scope == Scope::Response
            && let Some(same) = out.iter_mut().find(|x| {
                x.scope == Scope::Response
                    && x.path == c.path
                    && x.kind == c.kind
                    && x.old == c.old
                    && x.new == c.new
                    && x.description == c.description
                    && x.reason == c.reason
                    && x.breaking_rust == c.breaking_rust
                    && x.breaking_wire == c.breaking_wire
            })
        {
            same.name = format!("{}, {}", same.name, c.name);
            continue;
        }
        out.push(c);
    }
    out
}
