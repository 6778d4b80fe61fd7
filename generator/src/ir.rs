//! The intermediate representation: what a spec means for Rust, with every `$ref` resolved and
//! every name decided. Lowering ([`crate::lower`]) builds it; emitting ([`crate::emit`]) only
//! prints it, so naming and typing decisions live in one place.

use heck::ToKebabCase;

use crate::error::Warning;

/// One API (one spec file, one generated module).
#[derive(Debug, Clone)]
pub struct Api {
    /// The Rust module name (`otc_ims_jobs`).
    pub module: String,
    /// The spec file as named in the generated header (`specs/otc-ims-jobs.yaml`).
    pub source: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// `servers`.
    pub servers: Vec<Server>,
    /// Every named type, in a deterministic order.
    pub types: Vec<TypeDef>,
    /// Every operation, in spec order (paths, then methods in a fixed order).
    pub operations: Vec<Operation>,
    /// What the generator worked around.
    pub warnings: Vec<Warning>,
    /// The job service name and aliases (`info.x-cloudjobs-service`, or a default from the
    /// module name).
    pub service: ServiceNames,
}

impl Api {
    /// The job services of this API, one per operation with `x-cloudjobs-job`, in operation
    /// order: what the generated registry lists, and what anything serving "any job" (the
    /// test job server) must agree with.
    pub fn job_services(&self) -> Vec<JobService<'_>> {
        self.operations
            .iter()
            .filter_map(|op| op.job.as_ref().map(|job| (op, job)))
            .enumerate()
            .map(|(i, (op, job))| JobService {
                name: if i == 0 {
                    self.service.name.clone()
                } else {
                    format!("{}-{}", self.service.name, op.id.to_kebab_case())
                },
                aliases: if i == 0 {
                    self.service.aliases.clone()
                } else {
                    Vec::new()
                },
                op,
                job,
            })
            .collect()
    }
}

/// One job service of an API: a job operation and the names it goes by.
#[derive(Debug, Clone)]
pub struct JobService<'a> {
    /// The registry name: the spec's service name for its first job operation,
    /// `<service>-<operation>` for any further one.
    pub name: String,
    /// Aliases (the first job operation only).
    pub aliases: Vec<String>,
    /// The job operation.
    pub op: &'a Operation,
    /// Its job semantics.
    pub job: &'a JobSpec,
}

impl<'a> JobService<'a> {
    /// The parameters of the job call beyond the project and the job id (the headers the
    /// runtime sets itself are no parameters at all).
    pub fn extra_params(&self) -> impl Iterator<Item = &'a Param> + use<'a> {
        let job = self.job;
        self.op.params.iter().filter(move |p| {
            p.wire != job.job_id_param && Some(&p.wire) != job.project_param.as_ref()
        })
    }
}

/// What a spec's job service is called (`info.x-cloudjobs-service`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNames {
    /// The short name.
    pub name: String,
    /// Further names.
    pub aliases: Vec<String>,
}

/// A server URL template.
#[derive(Debug, Clone)]
pub struct Server {
    /// The URL with `{variables}`.
    pub url: String,
    /// Its description.
    pub description: Option<String>,
    /// Its variables: name, default, allowed values.
    pub variables: Vec<(String, String, Vec<String>)>,
}

/// Index of a type in [`Api::types`].
pub type TypeId = usize;

/// A Rust type as used in a field, parameter or body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u32` (format `uint32`).
    U32,
    /// `u64` (format `uint64`).
    U64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// The runtime's lenient timestamp.
    Timestamp,
    /// A string that must not show in `Debug` output (`format: password`).
    Secret,
    /// Any JSON value.
    Json,
    /// A JSON object with any properties.
    JsonObject,
    /// Raw bytes (`Vec<u8>`), for bodies of media types that are not decoded.
    Bytes,
    /// A named generated type.
    Named(TypeId),
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`.
    Map(Box<Ty>),
    /// `Option<T>` inside a container (nullable array items, map values).
    Option(Box<Ty>),
    /// `Box<T>`, to break a recursive type.
    Boxed(Box<Ty>),
}

impl Ty {
    /// How Rust code writes the type: `named` writes a generated type, `map` is the path of
    /// the map type (`std::collections::BTreeMap` in code, `BTreeMap` in messages). The one
    /// mapping from IR types to Rust, for the emitter and the spec diff alike.
    pub fn rust(&self, named: &dyn Fn(TypeId) -> String, map: &str) -> String {
        let scalar = match self {
            Ty::String => "String",
            Ty::Bool => "bool",
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::U32 => "u32",
            Ty::U64 => "u64",
            Ty::F32 => "f32",
            Ty::F64 => "f64",
            Ty::Timestamp => "rt::Timestamp",
            Ty::Secret => "rt::Secret",
            Ty::Json => "serde_json::Value",
            Ty::JsonObject => "serde_json::Map<String, serde_json::Value>",
            Ty::Bytes => "Vec<u8>",
            Ty::Named(id) => return named(*id),
            Ty::Vec(inner) => return format!("Vec<{}>", inner.rust(named, map)),
            Ty::Map(inner) => return format!("{map}<String, {}>", inner.rust(named, map)),
            Ty::Option(inner) => return format!("Option<{}>", inner.rust(named, map)),
            Ty::Boxed(inner) => return format!("Box<{}>", inner.rust(named, map)),
        };
        scalar.to_owned()
    }
}

/// Rustdoc material for an item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docs {
    /// The title or summary line.
    pub summary: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// Constraints worth knowing (`Length: 8..=36`, `Range: 0..=100`, `Format: uuid`).
    pub notes: Vec<String>,
    /// An example, as JSON text.
    pub example: Option<String>,
    /// Deprecated in the spec.
    pub deprecated: bool,
}

/// A named type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// The Rust name.
    pub name: String,
    /// The JSON pointer of the schema it comes from.
    pub pointer: String,
    /// Its documentation.
    pub docs: Docs,
    /// What it is.
    pub kind: TypeKind,
}

/// What a [`TypeDef`] is.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// A struct.
    Struct(Struct),
    /// A string enum that keeps unknown values.
    Enum(StringEnum),
    /// A `oneOf`/`anyOf`.
    Union(Union),
    /// A type alias (a named schema that is a primitive, an array or a map).
    Alias(Ty),
    /// A transparent newtype: a named alias that refers to itself (`A = Vec<A>`), which a
    /// Rust type alias cannot express.
    Newtype(Ty),
    /// An operation's responses that differ by status: one variant per documented case.
    Responses(ResponseEnum),
}

/// A struct's fields.
#[derive(Debug, Clone, Default)]
pub struct Struct {
    /// The fields in spec order.
    pub fields: Vec<Field>,
    /// `additionalProperties` alongside named properties: a flattened map of this value type.
    pub additional: Option<(String, Ty)>,
}

/// A struct field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust name (already escaped).
    pub name: String,
    /// The JSON name.
    pub wire: String,
    /// The value type (without the `Option` that optionality adds).
    pub ty: Ty,
    /// In the schema's `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// Documentation.
    pub docs: Docs,
}

impl Field {
    /// Whether the field is an `Option` in Rust.
    pub fn optional(&self) -> bool {
        !self.required || self.nullable
    }
}

/// A string enum.
#[derive(Debug, Clone)]
pub struct StringEnum {
    /// The known values.
    pub variants: Vec<Variant>,
}

/// A known value of a [`StringEnum`].
#[derive(Debug, Clone)]
pub struct Variant {
    /// The Rust variant name.
    pub name: String,
    /// The value on the wire.
    pub wire: String,
}

/// A `oneOf`/`anyOf`.
#[derive(Debug, Clone)]
pub struct Union {
    /// The alternatives, in spec order.
    pub variants: Vec<UnionVariant>,
    /// The discriminator property, when the spec names one.
    pub discriminator: Option<String>,
}

/// One alternative of a [`Union`].
#[derive(Debug, Clone)]
pub struct UnionVariant {
    /// The Rust variant name.
    pub name: String,
    /// Its payload type.
    pub ty: Ty,
    /// The discriminator values that select it.
    pub tags: Vec<String>,
}

/// An operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The `operationId`, or a name made from method and path.
    pub id: String,
    /// The client method name (snake case).
    pub method_name: String,
    /// The builder type name (upper camel case).
    pub builder_name: String,
    /// The HTTP method, upper case.
    pub http_method: String,
    /// The path template.
    pub path: String,
    /// Documentation.
    pub docs: Docs,
    /// Parameters, path ones first in path order.
    pub params: Vec<Param>,
    /// The request body.
    pub body: Option<RequestBody>,
    /// What success looks like.
    pub success: Outcome,
    /// What documented failures look like.
    pub failure: Outcome,
    /// Whether a security requirement applies.
    pub authenticated: bool,
    /// Headers the spec requires with one value and that the runtime would not send, set on
    /// every request: a mandatory `Content-Type` on a request without a body.
    pub fixed_headers: Vec<(String, String)>,
    /// The job semantics of a "job details" operation (`x-cloudjobs-job`).
    pub job: Option<JobSpec>,
    /// The headers its success responses document, read into a generated struct.
    pub success_headers: Option<ResponseHeaders>,
}

impl Operation {
    /// What a call of the operation takes, in order: its parameters, then its body. The
    /// required ones are the client method's positional arguments, the others the request
    /// builder's setters; the emitter and the spec diff both read the Rust API from here.
    pub fn inputs(&self) -> Vec<Input<'_>> {
        let params = self.params.iter().map(|p| Input {
            name: &p.name,
            ty: &p.ty,
            required: p.required,
            param: Some(p),
            docs: &p.docs,
        });
        let body = self.body.iter().map(|b| Input {
            name: "body",
            ty: &b.ty,
            required: b.required,
            param: None,
            docs: &b.docs,
        });
        params.chain(body).collect()
    }
}

/// One input of a client call: a parameter or the request body.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The Rust name (`body` for the request body).
    pub name: &'a str,
    /// The value's type.
    pub ty: &'a Ty,
    /// Required: a positional argument of the client method; else a builder setter.
    pub required: bool,
    /// The parameter it sets (`None`: the request body).
    pub param: Option<&'a Param>,
    /// Its documentation.
    pub docs: &'a Docs,
}

impl Input<'_> {
    /// Whether the method or setter takes `impl Into<String>` and converts: a `String`
    /// parameter.
    pub fn into_string(&self) -> bool {
        self.param.is_some() && *self.ty == Ty::String
    }

    /// The type the method or setter takes, as Rust writes it (see [`Ty::rust`]).
    pub fn arg_type(&self, named: &dyn Fn(TypeId) -> String, map: &str) -> String {
        if self.into_string() {
            "impl Into<String>".to_owned()
        } else {
            self.ty.rust(named, map)
        }
    }
}

/// The response headers an operation documents for its successes: a generated struct that
/// implements the runtime's `FromHeaders`.
#[derive(Debug, Clone)]
pub struct ResponseHeaders {
    /// The struct's Rust name (claimed among the module's type names).
    pub name: String,
    /// One field per header (names compared ignoring case), in spec order.
    pub fields: Vec<ResponseHeader>,
}

/// One documented response header.
#[derive(Debug, Clone)]
pub struct ResponseHeader {
    /// The Rust field name.
    pub name: String,
    /// The header name as the spec writes it.
    pub wire: String,
    /// How its value is read.
    pub ty: HeaderTy,
    /// Required in every documented success response: a response without it is an error.
    pub required: bool,
    /// Documentation.
    pub docs: Docs,
}

/// How a response header's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderTy {
    /// Text.
    String,
    /// A credential (`X-Subject-Token`, `format: password`): kept out of `Debug`.
    Secret,
    /// `type: integer`.
    Integer,
    /// `type: number`.
    Number,
    /// `type: boolean`.
    Boolean,
}

impl HeaderTy {
    /// The Rust type of the field (for the emitter and the spec diff's messages).
    pub fn rust(self) -> &'static str {
        match self {
            HeaderTy::String => "String",
            HeaderTy::Secret => "rt::Secret",
            HeaderTy::Integer => "i64",
            HeaderTy::Number => "f64",
            HeaderTy::Boolean => "bool",
        }
    }
}

impl ResponseHeader {
    /// The field's Rust type: an `Option` unless the header is required.
    pub fn rust(&self) -> String {
        if self.required {
            self.ty.rust().to_owned()
        } else {
            format!("Option<{}>", self.ty.rust())
        }
    }
}

/// How to read a job out of an operation's success body (from `x-cloudjobs-job`).
#[derive(Debug, Clone)]
pub struct JobSpec {
    /// The success body type the accessors start from.
    pub body: TypeId,
    /// Status values: pending, running, succeeded, failed.
    pub states: StateLists,
    /// The status string.
    pub status: Access,
    /// The job id.
    pub id: Option<Access>,
    /// A progress percentage.
    pub progress: Option<Access>,
    /// The error code.
    pub error_code: Option<Access>,
    /// The error reason.
    pub error_reason: Option<Access>,
    /// Ids of produced resources (may step into arrays).
    pub resources: Vec<Access>,
    /// Sub-tasks.
    pub subtasks: Option<SubtaskSpec>,
    /// The wire name of the parameter that carries the job id.
    pub job_id_param: String,
    /// The wire name of the path parameter that carries the project id, if any.
    pub project_param: Option<String>,
    /// When a terminal read ends a wait.
    pub confirm: Confirm,
}

impl JobSpec {
    /// The documented values of the job's status field (and of its sub-tasks') that no state
    /// list names: a job in such a state is waited on as `unknown` until its deadline.
    /// `kind_of` finds a named type's kind (the API's types, or lowering's while it runs).
    pub fn unlisted_states<'t>(
        &self,
        kind_of: impl Fn(TypeId) -> Option<&'t TypeKind>,
    ) -> Vec<Unlisted> {
        let mut places = vec![(false, &self.status, &self.states)];
        if let Some(s) = &self.subtasks {
            places.push((true, &s.status, &s.states));
        }
        let mut out = Vec::new();
        for (subtasks, access, states) in places {
            let Ty::Named(id) = &access.leaf else {
                continue;
            };
            let Some(TypeKind::Enum(e)) = kind_of(*id) else {
                continue;
            };
            let values: Vec<String> = (e.variants.iter())
                .filter(|v| !states.names(&v.wire))
                .map(|v| v.wire.clone())
                .collect();
            if !values.is_empty() {
                out.push(Unlisted {
                    subtasks,
                    pointer: access.pointer.clone(),
                    values,
                });
            }
        }
        out
    }
}

/// Status values no state list names (see [`JobSpec::unlisted_states`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlisted {
    /// The values are a sub-task's (`subtasks.status`), not the job's.
    pub subtasks: bool,
    /// The status pointer as written.
    pub pointer: String,
    /// The values, in the enum's order.
    pub values: Vec<String>,
}

impl StateLists {
    /// Whether a list names the status value.
    pub fn names(&self, value: &str) -> bool {
        [&self.pending, &self.running, &self.succeeded, &self.failed]
            .iter()
            .any(|l| l.iter().any(|s| s == value))
    }
}

/// When a terminal read ends a wait (`confirm` in `x-cloudjobs-job`), for APIs known to
/// report an ending too early.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Confirm {
    /// The first terminal read (no `confirm`).
    #[default]
    Once,
    /// `confirm: N`: N consecutive reads of the same terminal state.
    Reads(u32),
    /// `confirm: subtasks`: a success counts only once every sub-task is terminal.
    SubtasksTerminal,
}

/// The four lists of status values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateLists {
    /// Queued.
    pub pending: Vec<String>,
    /// In progress.
    pub running: Vec<String>,
    /// Finished successfully.
    pub succeeded: Vec<String>,
    /// Finished unsuccessfully.
    pub failed: Vec<String>,
}

/// How to read sub-tasks.
#[derive(Debug, Clone)]
pub struct SubtaskSpec {
    /// The array of sub-tasks (from the body; ends at the array).
    pub items: Access,
    /// A count of sub-tasks in the body.
    pub total: Option<Access>,
    /// Relative to one item.
    pub id: Option<Access>,
    /// Relative to one item.
    pub name: Option<Access>,
    /// Relative to one item.
    pub status: Access,
    /// Relative to one item.
    pub error_code: Option<Access>,
    /// Relative to one item.
    pub error_reason: Option<Access>,
    /// Sub-task status values.
    pub states: StateLists,
}

/// A JSON pointer resolved to Rust field accesses.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    /// The pointer as written.
    pub pointer: String,
    /// The steps from the starting value.
    pub steps: Vec<Step>,
    /// The type at the end.
    pub leaf: Ty,
}

/// One step of an [`Access`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A struct field (its Rust name); `optional` when it is an `Option`.
    Field {
        /// The Rust field name.
        name: String,
        /// Whether the field is an `Option`.
        optional: bool,
    },
    /// One element of an array (a numeric pointer segment); `optional_items` when the
    /// elements are `Option`s.
    Index {
        /// The element's index.
        index: usize,
        /// Whether the elements are `Option`s.
        optional_items: bool,
    },
    /// Every element of an array; `optional_items` when the elements are `Option`s.
    Each {
        /// Whether the elements are `Option`s.
        optional_items: bool,
    },
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// In the path.
    Path,
    /// In the query, with a style.
    Query(QueryStyle),
    /// A header.
    Header,
}

/// Query serialization styles the runtime knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    /// `form`, exploded.
    Form,
    /// `form`, not exploded.
    FormNoExplode,
    /// `spaceDelimited`.
    SpaceDelimited,
    /// `pipeDelimited`.
    PipeDelimited,
    /// `deepObject`.
    DeepObject,
}

/// A parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The Rust name.
    pub name: String,
    /// The wire name.
    pub wire: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Its type.
    pub ty: Ty,
    /// Required: a positional argument of the client method.
    pub required: bool,
    /// Documentation.
    pub docs: Docs,
}

/// How a body is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    /// JSON (any `application/json` or `+json` type).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `text/*`, as a string.
    Text(String),
    /// Anything else, as bytes.
    Bytes(String),
}

/// A request body.
#[derive(Debug, Clone)]
pub struct RequestBody {
    /// Encoding.
    pub media: Media,
    /// Type (for JSON and form bodies; `String`/bytes otherwise).
    pub ty: Ty,
    /// Required.
    pub required: bool,
    /// Documentation.
    pub docs: Docs,
}

/// Which statuses a response case covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusMatch {
    /// One status.
    Code(u16),
    /// A class such as `4XX` (the digit).
    Range(u16),
    /// `default`.
    Default,
}

impl StatusMatch {
    /// A key of an operation's `responses`: `200`, `4XX` (any case), `default`.
    pub fn parse(key: &str) -> Option<Self> {
        if key == "default" {
            return Some(Self::Default);
        }
        match key.to_ascii_uppercase().strip_suffix("XX") {
            Some(class) => class.parse().ok().map(Self::Range),
            None => key.parse().ok().map(Self::Code),
        }
    }

    /// Whether responses with this status are successes (2xx): what a client's `send()`
    /// returns as `Ok`.
    pub fn is_success(self) -> bool {
        match self {
            Self::Code(n) => (200..300).contains(&n),
            Self::Range(n) => n == 2,
            Self::Default => false,
        }
    }
}

/// The body of a response case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseBody {
    /// No body.
    Empty,
    /// JSON of this type.
    Json(Ty),
    /// `text/*`.
    Text,
    /// Anything else.
    Bytes,
}

/// One documented response.
#[derive(Debug, Clone)]
pub struct ResponseCase {
    /// The statuses it covers.
    pub status: StatusMatch,
    /// Its body.
    pub body: ResponseBody,
    /// The variant name when the outcome is an enum.
    pub variant: String,
    /// The response description.
    pub description: String,
}

/// The success or failure side of an operation.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The documented cases.
    pub cases: Vec<ResponseCase>,
    /// The Rust type of the side: one shared body type, or a generated enum.
    pub kind: OutcomeKind,
}

/// How an [`Outcome`] is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeKind {
    /// Every case has this body (or none: `Empty`).
    Single(ResponseBody),
    /// Cases differ: a generated enum (its type id), one variant per case.
    Enum(TypeId),
}

/// An enum of an operation's responses, stored as a type like any other.
#[derive(Debug, Clone)]
pub struct ResponseEnum {
    /// Variants: name, payload, the response description.
    pub variants: Vec<(String, ResponseBody, String)>,
}
