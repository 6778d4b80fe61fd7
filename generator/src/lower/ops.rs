//! Operations: parameters, bodies and responses.

use std::borrow::Cow;
use std::rc::Rc;

use openapiv3::{
    Header, Operation as OaOperation, Parameter, ParameterData, ParameterSchemaOrContent, PathItem,
    ReferenceOr, RequestBody as OaRequestBody, Response, Schema, SchemaKind, SecurityScheme,
    StatusCode, Type, VariantOrUnknownOrEmpty,
};

use super::Lowerer;
use super::refs::Refs;
use super::schema::{SRef, compact_json};
use crate::error::{Error, child};
use crate::ir::{
    Docs, HeaderTy, Media, Operation, Outcome, OutcomeKind, Param, ParamLocation, QueryStyle,
    RequestBody, ResponseBody, ResponseCase, ResponseEnum, ResponseHeader, ResponseHeaders,
    StatusMatch, Ty, TypeDef, TypeKind,
};
use crate::names::{Names, camel, snake};

/// Client methods that operations must not shadow.
const CLIENT_METHODS: &[&str] = &["new", "from_service_client", "service_client", "base_url"];
/// Builder fields and methods that parameters must not shadow.
const BUILDER_MEMBERS: &[&str] = &["client", "send", "into_future"];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The operations of a path item, in a fixed order of methods.
fn methods(item: &PathItem) -> impl Iterator<Item = (&'static str, &OaOperation)> {
    let ops = [
        &item.get,
        &item.put,
        &item.post,
        &item.delete,
        &item.options,
        &item.head,
        &item.patch,
        &item.trace,
    ];
    METHODS
        .iter()
        .zip(ops)
        .filter_map(|(m, op)| Some((*m, op.as_ref()?)))
}

/// An operation of the document, `$ref`s of its path item followed.
pub(crate) struct Site {
    /// The path template.
    pub(crate) path: String,
    /// The method, lower case.
    pub(crate) method: &'static str,
    /// The operation's pointer.
    pub(crate) pointer: String,
    /// The path item it is in.
    pub(crate) item: Rc<PathItem>,
    /// The path item's pointer (its target, for a `$ref`).
    pub(crate) item_pointer: String,
    /// The operation.
    pub(crate) op: OaOperation,
}

/// Every operation of a document: paths in document order, methods in a fixed order. How
/// lowering and the spec diff find operations.
pub(crate) fn sites(spec: &openapiv3::OpenAPI, refs: &mut Refs<'_>) -> Result<Vec<Site>, Error> {
    let mut out = Vec::new();
    for (path, item) in &spec.paths.paths {
        let path_pointer = child("#/paths", &[path]);
        let (item_pointer, item) = match item {
            ReferenceOr::Item(item) => (path_pointer.clone(), Rc::new(item.clone())),
            ReferenceOr::Reference { reference } => {
                refs.fetch::<PathItem>(reference, &path_pointer)?
            }
        };
        for (method, op) in methods(&item) {
            out.push(Site {
                path: path.clone(),
                method,
                pointer: child(&path_pointer, &[method]),
                item: Rc::clone(&item),
                item_pointer: item_pointer.clone(),
                op: op.clone(),
            });
        }
    }
    Ok(out)
}

/// A declared parameter, `$ref` followed.
#[derive(Clone)]
pub(crate) struct Declared {
    /// The parameter.
    pub(crate) param: Parameter,
    /// Where it is declared (the `$ref` target for a reference).
    pub(crate) pointer: String,
}

impl Declared {
    pub(crate) fn data(&self) -> &ParameterData {
        self.param.parameter_data_ref()
    }

    /// Where it goes (`None`: a cookie, which the generated code does not send).
    pub(crate) fn location(&self) -> Option<ParamLocation> {
        Some(match &self.param {
            Parameter::Path { .. } => ParamLocation::Path,
            Parameter::Header { .. } => ParamLocation::Header,
            Parameter::Query { style, .. } => {
                let explode = self.data().explode.unwrap_or(true);
                ParamLocation::Query(match style {
                    openapiv3::QueryStyle::Form if explode => QueryStyle::Form,
                    openapiv3::QueryStyle::Form => QueryStyle::FormNoExplode,
                    openapiv3::QueryStyle::SpaceDelimited => QueryStyle::SpaceDelimited,
                    openapiv3::QueryStyle::PipeDelimited => QueryStyle::PipeDelimited,
                    openapiv3::QueryStyle::DeepObject => QueryStyle::DeepObject,
                })
            }
            Parameter::Cookie { .. } => return None,
        })
    }

    /// `path`, `query`, `header` or `cookie`.
    pub(crate) fn location_word(&self) -> &'static str {
        match &self.param {
            Parameter::Path { .. } => "path",
            Parameter::Query { .. } => "query",
            Parameter::Header { .. } => "header",
            Parameter::Cookie { .. } => "cookie",
        }
    }

    /// Required: path parameters always are.
    pub(crate) fn required(&self) -> bool {
        self.data().required || matches!(self.param, Parameter::Path { .. })
    }

    /// How the value is written: `form, explode`, `simple`.
    pub(crate) fn style(&self) -> String {
        let style = match &self.param {
            Parameter::Query { style, .. } => match style {
                openapiv3::QueryStyle::Form => "form",
                openapiv3::QueryStyle::SpaceDelimited => "spaceDelimited",
                openapiv3::QueryStyle::PipeDelimited => "pipeDelimited",
                openapiv3::QueryStyle::DeepObject => "deepObject",
            },
            Parameter::Path { style, .. } => match style {
                openapiv3::PathStyle::Matrix => "matrix",
                openapiv3::PathStyle::Label => "label",
                openapiv3::PathStyle::Simple => "simple",
            },
            Parameter::Header { .. } => "simple",
            Parameter::Cookie { .. } => "form",
        };
        let explode = self.data().explode.unwrap_or(style == "form");
        format!("{style}{}", if explode { ", explode" } else { "" })
    }

    /// The pointer of its schema (of the first media type's, for a parameter with
    /// `content`), when it has one.
    pub(crate) fn schema_pointer(&self) -> Option<String> {
        match &self.data().format {
            ParameterSchemaOrContent::Schema(_) => Some(child(&self.pointer, &["schema"])),
            ParameterSchemaOrContent::Content(content) => {
                let (media, m) = content.iter().next()?;
                m.schema.as_ref()?;
                Some(child(&self.pointer, &["content", media, "schema"]))
            }
        }
    }
}

/// An operation's parameters: the path item's, then the operation's, an operation's
/// parameter replacing the path item's of the same name and place. How lowering and the
/// spec diff read parameters.
pub(crate) fn declared_params(refs: &mut Refs<'_>, site: &Site) -> Result<Vec<Declared>, Error> {
    let lists = [
        (&site.item.parameters, site.item_pointer.clone()),
        (
            &site.op.parameters,
            child(&site.item_pointer, &[site.method]),
        ),
    ];
    let mut out: Vec<Declared> = Vec::new();
    for (list, at) in lists {
        for (i, p) in list.iter().enumerate() {
            let at = child(&at, &["parameters", &i.to_string()]);
            let d = match p {
                ReferenceOr::Item(p) => Declared {
                    param: p.clone(),
                    pointer: at,
                },
                ReferenceOr::Reference { reference } => {
                    let (pointer, p) = refs.fetch::<Parameter>(reference, &at)?;
                    Declared {
                        param: (*p).clone(),
                        pointer,
                    }
                }
            };
            out.retain(|o| {
                !(o.data().name == d.data().name && o.location_word() == d.location_word())
            });
            out.push(d);
        }
    }
    Ok(out)
}

/// The names an operation's Rust items get.
struct OpNames {
    id: String,
    method_name: String,
    builder_name: String,
}

impl Lowerer<'_> {
    pub(super) fn lower_operations(&mut self) -> Result<Vec<Operation>, Error> {
        let mut method_names = Names::with_reserved(CLIENT_METHODS);
        let mut builder_names = Names::with_reserved(&["Client"]);
        let mut out = Vec::new();
        for site in sites(&self.doc.spec, &mut self.refs)? {
            let (method, path) = (site.method, &site.path);
            let id = (site.op.operation_id.clone()).unwrap_or_else(|| format!("{method} {path}"));
            let names = OpNames {
                method_name: method_names.claim(&snake(&id, "operation")),
                builder_name: builder_names.claim(&camel(&id, "Operation")),
                id,
            };
            out.push(self.lower_operation(&site, names)?);
        }
        Ok(out)
    }

    fn lower_operation(&mut self, site: &Site, names: OpNames) -> Result<Operation, Error> {
        let OpNames {
            id,
            method_name,
            builder_name,
        } = names;
        let (op, pointer) = (&site.op, site.pointer.as_str());
        let security = op.security.as_ref().or(self.doc.spec.security.as_ref());
        let authenticated = security.is_some_and(|reqs| reqs.iter().any(|r| !r.is_empty()));
        let declared = declared_params(&mut self.refs, site)?;
        let params = self.lower_params(site, &declared, &builder_name)?;
        let body = match &op.request_body {
            Some(body) => {
                self.lower_body(body, &child(pointer, &["requestBody"]), &builder_name)?
            }
            None => None,
        };
        let fixed_headers = if op.request_body.is_none() {
            self.fixed_content_type(&declared)
        } else {
            Vec::new()
        };
        let (success, failure, success_headers) =
            self.lower_responses(op, &id, pointer, &builder_name)?;
        let job = self.lower_job(
            op.extensions.get(crate::extensions::JOB),
            &success,
            &params,
            pointer,
        )?;
        if let Some(job) = &job {
            self.warn_unlisted_states(job, pointer);
        }
        Ok(Operation {
            id,
            method_name,
            builder_name,
            http_method: site.method.to_ascii_uppercase(),
            path: site.path.clone(),
            docs: Docs {
                summary: op.summary.clone(),
                description: op.description.clone(),
                notes: Vec::new(),
                example: None,
                deprecated: op.deprecated,
            },
            params,
            body,
            success,
            failure,
            authenticated,
            fixed_headers,
            job,
            success_headers,
        })
    }

    /// A required `Content-Type` header parameter on an operation without a body: some APIs
    /// refuse such a GET without it. Its value: the schema's default, its only enum value,
    /// the parameter's example, else `application/json`.
    fn fixed_content_type(&self, declared: &[Declared]) -> Vec<(String, String)> {
        let Some(d) = declared.iter().find(|d| {
            d.location() == Some(ParamLocation::Header)
                && d.data().required
                && d.data().name.eq_ignore_ascii_case("content-type")
        }) else {
            return Vec::new();
        };
        let raw = self.doc.raw.pointer(d.pointer.trim_start_matches('#'));
        let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
        let value = raw
            .and_then(|p| {
                text(p.pointer("/schema/default"))
                    .or_else(|| {
                        p.pointer("/schema/enum")
                            .and_then(|e| e.as_array())
                            .filter(|e| e.len() == 1)
                            .and_then(|e| text(e.first()))
                    })
                    .or_else(|| text(p.get("example")))
            })
            .unwrap_or_else(|| "application/json".to_owned());
        vec![("Content-Type".to_owned(), value)]
    }

    /// Header parameters that the runtime sets itself (authentication, content negotiation).
    fn handled_by_runtime(&self, header: &str) -> bool {
        let header = header.to_ascii_lowercase();
        if matches!(
            header.as_str(),
            "content-type" | "accept" | "content-length" | "user-agent"
        ) {
            return true;
        }
        let schemes = self
            .doc
            .spec
            .components
            .iter()
            .flat_map(|c| c.security_schemes.values());
        schemes
            .filter_map(|s| s.as_item())
            .any(|scheme| match scheme {
                SecurityScheme::APIKey {
                    location: openapiv3::APIKeyLocation::Header,
                    name,
                    ..
                } => name.eq_ignore_ascii_case(&header),
                SecurityScheme::HTTP { .. }
                | SecurityScheme::OAuth2 { .. }
                | SecurityScheme::OpenIDConnect { .. } => header == "authorization",
                _ => false,
            })
    }

    fn lower_params(
        &mut self,
        site: &Site,
        declared: &[Declared],
        builder_name: &str,
    ) -> Result<Vec<Param>, Error> {
        let ordered = self.order_params(site, declared);
        let mut names = Names::with_reserved(BUILDER_MEMBERS);
        if site.op.request_body.is_some() {
            names = Names::with_reserved(&[BUILDER_MEMBERS, &["body"]].concat());
        }
        let mut params = Vec::with_capacity(ordered.len());
        for (d, location) in ordered {
            if location == ParamLocation::Header && self.handled_by_runtime(&d.data().name) {
                continue;
            }
            params.push(self.lower_param(&d, location, &mut names, builder_name)?);
        }
        Ok(params)
    }

    /// Path parameters in the order the template names them (undeclared ones added as
    /// strings), then required others, then optional ones, each in spec order. Cookies are
    /// left out, with a warning.
    fn order_params<'d>(
        &mut self,
        site: &Site,
        declared: &'d [Declared],
    ) -> Vec<(Cow<'d, Declared>, ParamLocation)> {
        let mut sent = Vec::new();
        for d in declared {
            match d.location() {
                Some(location) => sent.push((Cow::Borrowed(d), location)),
                None => self.warn(&d.pointer, format!("cookie parameter `{}` is not supported and is not sent; set the cookie on your own reqwest::Client if the API needs it", d.data().name)),
            }
        }
        let mut ordered = Vec::new();
        let mut names = template_names(&site.path);
        // A name used twice in the template (`/a/{id}/b/{id}`) is one argument.
        let mut seen = std::collections::BTreeSet::new();
        names.retain(|name| seen.insert(name.clone()));
        for name in names {
            let at = sent
                .iter()
                .position(|(d, l)| *l == ParamLocation::Path && d.data().name == name);
            match at {
                Some(i) => ordered.push(sent.remove(i)),
                None => {
                    self.warn(&site.pointer, format!("path parameter `{{{name}}}` is not declared; taken as a required string"));
                    let d = undeclared_path_param(name, &site.pointer);
                    ordered.push((Cow::Owned(d), ParamLocation::Path));
                }
            }
        }
        for (d, _) in sent.iter().filter(|(_, l)| *l == ParamLocation::Path) {
            let name = &d.data().name;
            let message =
                format!("path parameter `{name}` does not appear in the path template; ignored");
            self.warn(&d.pointer, message);
        }
        sent.retain(|(_, l)| *l != ParamLocation::Path);
        sent.sort_by_key(|(d, _)| !d.data().required);
        ordered.extend(sent);
        ordered
    }

    fn lower_param(
        &mut self,
        d: &Declared,
        location: ParamLocation,
        names: &mut Names,
        builder_name: &str,
    ) -> Result<Param, Error> {
        let data = d.data();
        let hint = format!("{builder_name}{}", camel(&data.name, "Param"));
        let (ty, mut docs) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                let schema_pointer = child(&d.pointer, &["schema"]);
                let schema = SRef::from(schema);
                let ty = self.ty(schema, &schema_pointer, &hint)?;
                let mut docs = self.docs_of(schema, &schema_pointer);
                if data.description.is_some() {
                    docs.description = data.description.clone();
                }
                (ty, docs)
            }
            ParameterSchemaOrContent::Content(_) => (
                Ty::String,
                Docs {
                    description: data.description.clone(),
                    notes: vec![
                        "Serialized by the caller (the spec gives this parameter a media type)."
                            .into(),
                    ],
                    ..Docs::default()
                },
            ),
        };
        if let Some(example) = &data.example {
            docs.example = Some(compact_json(example));
        }
        docs.deprecated |= data.deprecated.unwrap_or(false);
        let ty = if location == ParamLocation::Path {
            self.path_param_ty(ty, &d.pointer)
        } else {
            ty
        };
        Ok(Param {
            name: names.claim(&snake(&data.name, "param")),
            wire: data.name.clone(),
            location,
            ty,
            required: d.required(),
            docs,
        })
    }

    /// Path parameters are formatted with `Display`: containers are taken as strings.
    fn path_param_ty(&mut self, ty: Ty, pointer: &str) -> Ty {
        match ty {
            Ty::Vec(_) | Ty::Map(_) | Ty::Json | Ty::JsonObject | Ty::Option(_) | Ty::Boxed(_) => {
                self.warn(
                    pointer,
                    "a path parameter that is not a scalar is taken as a string the caller formats",
                );
                Ty::String
            }
            Ty::Named(id) => match self.type_def(id).map(|d| &d.kind) {
                Some(TypeKind::Enum(_)) => Ty::Named(id),
                Some(TypeKind::Alias(inner)) if is_scalar(inner) => Ty::Named(id),
                _ => {
                    self.warn(pointer, "a path parameter that is not a scalar is taken as a string the caller formats");
                    Ty::String
                }
            },
            other => other,
        }
    }

    fn lower_body(
        &mut self,
        body: &ReferenceOr<OaRequestBody>,
        pointer: &str,
        builder_name: &str,
    ) -> Result<Option<RequestBody>, Error> {
        let (body, pointer) = match body {
            ReferenceOr::Item(b) => (b.clone(), pointer.to_owned()),
            ReferenceOr::Reference { reference } => {
                let (target, b) = self.fetch::<OaRequestBody>(reference, pointer)?;
                ((*b).clone(), target)
            }
        };
        let Some((media_type, media)) = pick_media(body.content.keys()) else {
            return Ok(None);
        };
        let content = &body.content[media_type.as_str()];
        let schema_pointer = child(&pointer, &["content", &media_type, "schema"]);
        let ty = match (&media, &content.schema) {
            (Media::Json | Media::Form, Some(schema)) => self.ty(
                schema.into(),
                &schema_pointer,
                &format!("{builder_name}Body"),
            )?,
            (Media::Json, None) => Ty::Json,
            (Media::Form, None) => Ty::JsonObject,
            (Media::Text(_), _) => Ty::String,
            (Media::Bytes(ct), _) => {
                if ct.starts_with("multipart/") {
                    self.warn(&pointer, format!("`{ct}` bodies are sent as the bytes the caller gives, with the content type `{ct}`"));
                }
                Ty::Bytes
            }
        };
        let mut docs = match &content.schema {
            Some(schema) if matches!(media, Media::Json | Media::Form) => {
                self.docs_of(schema.into(), &schema_pointer)
            }
            _ => Docs::default(),
        };
        if body.description.is_some() {
            docs.description = body.description.clone();
        }
        Ok(Some(RequestBody {
            media,
            ty,
            required: body.required,
            docs,
        }))
    }

    fn lower_responses(
        &mut self,
        op: &OaOperation,
        op_id: &str,
        pointer: &str,
        builder_name: &str,
    ) -> Result<(Outcome, Outcome, Option<ResponseHeaders>), Error> {
        let mut success = Vec::new();
        let mut failure = Vec::new();
        let mut headers: Vec<Vec<ResponseHeader>> = Vec::new();
        let mut all: Vec<(StatusMatch, &ReferenceOr<Response>, String)> = op
            .responses
            .responses
            .iter()
            .map(|(status, r)| {
                let m = match status {
                    StatusCode::Code(n) => StatusMatch::Code(*n),
                    StatusCode::Range(n) => StatusMatch::Range(*n),
                };
                (m, r, child(pointer, &["responses", &status.to_string()]))
            })
            .collect();
        if let Some(default) = &op.responses.default {
            all.push((
                StatusMatch::Default,
                default,
                child(pointer, &["responses", "default"]),
            ));
        }
        let successes = all.iter().filter(|(m, ..)| m.is_success()).count();
        for (status, response, at) in all {
            let (response, at) = match response {
                ReferenceOr::Item(r) => (r.clone(), at),
                ReferenceOr::Reference { reference } => {
                    let (target, r) = self.fetch::<Response>(reference, &at)?;
                    ((*r).clone(), target)
                }
            };
            let side = if status.is_success() {
                "Response"
            } else {
                "Error"
            };
            let hint = match (side, successes) {
                ("Response", 1) => format!("{builder_name}Response"),
                _ => format!("{builder_name}{side}{}", status_word(status)),
            };
            let body = self.response_body(&response, &at, &hint)?;
            let case = ResponseCase {
                status,
                body,
                variant: status_word(status),
                description: response.description.clone(),
            };
            if status.is_success() {
                headers.push(self.response_headers(&response, &at)?);
                success.push(case)
            } else {
                failure.push(case)
            }
        }
        let (merged, conflicts) = merge_headers(headers);
        for wire in conflicts {
            self.warn(
                &child(pointer, &["responses"]),
                format!("header `{wire}` has different types in different success responses; read as text"),
            );
        }
        let success_headers = merged.map(|fields| ResponseHeaders {
            name: self
                .type_names
                .claim(&format!("{builder_name}ResponseHeaders")),
            fields,
        });
        let success = self.outcome(
            success,
            &format!("{builder_name}Response"),
            pointer,
            true,
            op_id,
        );
        let failure = self.outcome(
            failure,
            &format!("{builder_name}Error"),
            pointer,
            false,
            op_id,
        );
        Ok((success, failure, success_headers))
    }

    /// How a response's body is read: by the media type it documents (JSON with its schema's
    /// type, text, bytes, or none).
    fn response_body(
        &mut self,
        response: &Response,
        at: &str,
        hint: &str,
    ) -> Result<ResponseBody, Error> {
        Ok(match pick_media(response.content.keys()) {
            None => ResponseBody::Empty,
            Some((media_type, Media::Json)) => {
                let content = &response.content[media_type.as_str()];
                match &content.schema {
                    Some(schema) => {
                        let schema_pointer = child(at, &["content", &media_type, "schema"]);
                        ResponseBody::Json(self.ty(schema.into(), &schema_pointer, hint)?)
                    }
                    None => ResponseBody::Json(Ty::Json),
                }
            }
            Some((_, Media::Text(_))) => ResponseBody::Text,
            Some(_) => ResponseBody::Bytes,
        })
    }

    /// The headers one response documents, in spec order.
    fn response_headers(
        &mut self,
        response: &Response,
        at: &str,
    ) -> Result<Vec<ResponseHeader>, Error> {
        let mut out: Vec<ResponseHeader> = Vec::new();
        for (wire, header) in &response.headers {
            let header_at = child(at, &["headers", wire]);
            let valid_name = !wire.is_empty()
                && wire
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !valid_name {
                self.warn(
                    &header_at,
                    format!("`{wire}` is not an HTTP header name; left out"),
                );
                continue;
            }
            if out.iter().any(|h| h.wire.eq_ignore_ascii_case(wire)) {
                self.warn(
                    &header_at,
                    format!(
                        "header `{wire}` is listed twice (names ignore case); the first is kept"
                    ),
                );
                continue;
            }
            let (header, header_at) = match header {
                ReferenceOr::Item(h) => (Rc::new(h.clone()), header_at),
                ReferenceOr::Reference { reference } => {
                    let (target, h) = self.fetch::<Header>(reference, &header_at)?;
                    (h, target)
                }
            };
            let ty = match &header.format {
                ParameterSchemaOrContent::Schema(schema) => {
                    let schema_at = child(&header_at, &["schema"]);
                    let schema = match schema {
                        ReferenceOr::Item(s) => Rc::new(s.clone()),
                        ReferenceOr::Reference { reference } => {
                            self.fetch::<Schema>(reference, &schema_at)?.1
                        }
                    };
                    let ty = header_ty(wire, &schema);
                    if ty == HeaderTy::String
                        && !matches!(&schema.schema_kind, SchemaKind::Type(Type::String(_)))
                        && !wire.eq_ignore_ascii_case("retry-after")
                    {
                        self.warn(
                            &schema_at,
                            format!("header `{wire}` is not a string, number, integer or boolean; read as text"),
                        );
                    }
                    ty
                }
                ParameterSchemaOrContent::Content(_) => header_ty(wire, &string_schema()),
            };
            out.push(ResponseHeader {
                name: snake(wire, "header"),
                wire: wire.clone(),
                ty,
                required: header.required,
                docs: Docs {
                    summary: header.description.clone(),
                    ..Docs::default()
                },
            });
        }
        Ok(out)
    }

    /// One shared body type when the cases agree; otherwise an enum by status.
    fn outcome(
        &mut self,
        cases: Vec<ResponseCase>,
        enum_name: &str,
        pointer: &str,
        success: bool,
        op_id: &str,
    ) -> Outcome {
        let typed: Vec<&ResponseCase> = cases
            .iter()
            .filter(|c| success || matches!(c.body, ResponseBody::Json(_)))
            .collect();
        let first = typed.first().map(|c| c.body.clone());
        let kind = match first {
            None => OutcomeKind::Single(ResponseBody::Empty),
            Some(body) if typed.iter().all(|c| c.body == body) => OutcomeKind::Single(body),
            Some(_) => {
                let name = self.type_names.claim(enum_name);
                let variants = typed
                    .iter()
                    .map(|c| (c.variant.clone(), c.body.clone(), c.description.clone()))
                    .collect();
                let docs = Docs {
                    summary: Some(format!(
                        "The {} of `{op_id}`, by status.",
                        if success {
                            "successful responses"
                        } else {
                            "documented error bodies"
                        }
                    )),
                    ..Docs::default()
                };
                let id = self.add_type(TypeDef {
                    name,
                    pointer: child(pointer, &["responses"]),
                    docs,
                    kind: TypeKind::Responses(ResponseEnum { variants }),
                });
                OutcomeKind::Enum(id)
            }
        };
        Outcome { cases, kind }
    }
}

/// Header names whose values are credentials: read as `Secret`, whatever their schema says.
const CREDENTIAL_HEADERS: &[&str] = &[
    "x-subject-token",
    "x-auth-token",
    "x-security-token",
    "authorization",
    "set-cookie",
];

/// How a response header's value is read, from its schema. `Retry-After` is text whatever
/// the spec says: servers send seconds or an HTTP-date (RFC 9110), and a typed field would
/// turn every response with the other form into an error.
fn header_ty(wire: &str, schema: &Schema) -> HeaderTy {
    if CREDENTIAL_HEADERS.contains(&wire.to_ascii_lowercase().as_str()) {
        return HeaderTy::Secret;
    }
    if wire.eq_ignore_ascii_case("retry-after") {
        return HeaderTy::String;
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s))
            if matches!(
                &s.format,
                VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Password)
            ) =>
        {
            HeaderTy::Secret
        }
        SchemaKind::Type(Type::Integer(_)) => HeaderTy::Integer,
        SchemaKind::Type(Type::Number(_)) => HeaderTy::Number,
        SchemaKind::Type(Type::Boolean(_)) => HeaderTy::Boolean,
        _ => HeaderTy::String,
    }
}

/// The headers of all success responses, one field per name (compared ignoring case, as
/// HTTP does; each response lists a name once): required only when every success response
/// requires it; text when responses disagree on its type (those names are returned too).
/// `None` when no success response documents a header.
fn merge_headers(
    per_response: Vec<Vec<ResponseHeader>>,
) -> (Option<Vec<ResponseHeader>>, Vec<String>) {
    let count = per_response.len();
    let mut merged: Vec<(ResponseHeader, usize)> = Vec::new();
    let mut conflicts = Vec::new();
    for header in per_response.into_iter().flatten() {
        match merged
            .iter_mut()
            .find(|(h, _)| h.wire.eq_ignore_ascii_case(&header.wire))
        {
            Some((known, seen)) => {
                known.required &= header.required;
                if known.ty != header.ty {
                    if known.ty == HeaderTy::Secret || header.ty == HeaderTy::Secret {
                        // A credential in any response stays one in all.
                        known.ty = HeaderTy::Secret;
                    } else if known.ty != HeaderTy::String {
                        known.ty = HeaderTy::String;
                        conflicts.push(known.wire.clone());
                    }
                }
                *seen += 1;
            }
            None => merged.push((header, 1)),
        }
    }
    let mut names = Names::with_reserved(&[]);
    let fields: Vec<ResponseHeader> = merged
        .into_iter()
        .map(|(mut h, seen)| {
            h.required &= seen == count;
            h.name = names.claim(&h.name);
            h
        })
        .collect();
    ((!fields.is_empty()).then_some(fields), conflicts)
}

fn is_scalar(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 | Ty::F32 | Ty::F64
    )
}

/// `{project_id}` names in a path template, in order.
pub fn template_names(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_owned());
        rest = &rest[start + len + 1..];
    }
    out
}

fn string_schema() -> openapiv3::Schema {
    openapiv3::Schema {
        schema_data: Default::default(),
        schema_kind: openapiv3::SchemaKind::Type(openapiv3::Type::String(Default::default())),
    }
}

/// Chooses the media type to use: JSON first, then form, text, anything else.
pub(crate) fn pick_media<'k>(types: impl Iterator<Item = &'k String>) -> Option<(String, Media)> {
    let mut best: Option<(u8, String, Media)> = None;
    for t in types {
        let essence = t
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let (rank, media) = if essence == "application/json"
            || essence.ends_with("+json")
            || essence.ends_with("/json")
            || essence == "*/*"
        {
            (0, Media::Json)
        } else if essence == "application/x-www-form-urlencoded" {
            (1, Media::Form)
        } else if essence.starts_with("text/") {
            (2, Media::Text(essence.clone()))
        } else {
            (3, Media::Bytes(essence.clone()))
        };
        if best.as_ref().is_none_or(|(r, ..)| rank < *r) {
            best = Some((rank, t.clone(), media));
        }
    }
    best.map(|(_, t, m)| (t, m))
}

/// A variant name for a status: `Ok`, `NotFound`, `Status418`, `Status4xx`, `Default`.
pub(crate) fn status_word(status: StatusMatch) -> String {
    match status {
        StatusMatch::Code(n) => match n {
            200 => "Ok".into(),
            201 => "Created".into(),
            202 => "Accepted".into(),
            203 => "NonAuthoritativeInformation".into(),
            204 => "NoContent".into(),
            205 => "ResetContent".into(),
            206 => "PartialContent".into(),
            207 => "MultiStatus".into(),
            300 => "MultipleChoices".into(),
            301 => "MovedPermanently".into(),
            302 => "Found".into(),
            303 => "SeeOther".into(),
            304 => "NotModified".into(),
            307 => "TemporaryRedirect".into(),
            308 => "PermanentRedirect".into(),
            400 => "BadRequest".into(),
            401 => "Unauthorized".into(),
            402 => "PaymentRequired".into(),
            403 => "Forbidden".into(),
            404 => "NotFound".into(),
            405 => "MethodNotAllowed".into(),
            406 => "NotAcceptable".into(),
            408 => "RequestTimeout".into(),
            409 => "Conflict".into(),
            410 => "Gone".into(),
            411 => "LengthRequired".into(),
            412 => "PreconditionFailed".into(),
            413 => "PayloadTooLarge".into(),
            414 => "UriTooLong".into(),
            415 => "UnsupportedMediaType".into(),
            416 => "RangeNotSatisfiable".into(),
            417 => "ExpectationFailed".into(),
            422 => "UnprocessableEntity".into(),
            423 => "Locked".into(),
            424 => "FailedDependency".into(),
            428 => "PreconditionRequired".into(),
            429 => "TooManyRequests".into(),
            431 => "RequestHeaderFieldsTooLarge".into(),
            500 => "InternalServerError".into(),
            501 => "NotImplemented".into(),
            502 => "BadGateway".into(),
            503 => "ServiceUnavailable".into(),
            504 => "GatewayTimeout".into(),
            n => format!("Status{n}"),
        },
        StatusMatch::Range(n) => format!("Status{n}xx"),
        StatusMatch::Default => "Default".into(),
    }
}

/// A path parameter the template names and no declaration does: a required string.
fn undeclared_path_param(name: String, pointer: &str) -> Declared {
    let parameter_data = ParameterData {
        name,
        description: None,
        required: true,
        deprecated: None,
        format: ParameterSchemaOrContent::Schema(ReferenceOr::Item(string_schema())),
        example: None,
        examples: Default::default(),
        explode: None,
        extensions: Default::default(),
    };
    Declared {
        param: Parameter::Path {
            parameter_data,
            style: openapiv3::PathStyle::Simple,
        },
        pointer: pointer.to_owned(),
    }
}
