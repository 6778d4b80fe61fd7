//! What the simulated server knows about a job service, read from its spec: the job
//! operation (`x-cloudjobs-job`), its parameters, its state lists, and its documented 200 and
//! error examples.

use std::path::Path;

use cloudjobs::runtime::registry::ParamPlace;
use cloudjobs_codegen::load::{self, resolve_pointer};
use serde::Deserialize;
use serde_json::Value;

use super::Phase;
use super::body::percent_decode;

/// A job service the server simulates: one operation with `x-cloudjobs-job` of one spec.
#[derive(Debug, Clone)]
pub struct SimService {
    /// The short name (`ims`): `info.x-cloudjobs-service.name`, else the module name without
    /// a trailing `_jobs` (`_` written `-`), as the generated registry names it.
    pub name: String,
    /// Further names (`info.x-cloudjobs-service.aliases`).
    pub aliases: Vec<String>,
    /// The generated module (`otc_ims_jobs`), the key of an explicit endpoint.
    pub module: String,
    /// The spec file, as named in messages (`specs/otc-ims-jobs.yaml`).
    pub spec: String,
    /// The job operation's `operationId`.
    pub operation: String,
    /// Its HTTP method, upper case.
    pub method: String,
    /// Its path template (`/v1/{project_id}/jobs/{job_id}`).
    pub path: String,
    /// The parameter that carries the job id (`job_id_param`, default `job_id`).
    pub job_id_param: String,
    /// Where the job id travels: [`ParamPlace::Path`] or [`ParamPlace::Query`] (`?id=`).
    pub job_id_place: ParamPlace,
    /// The path parameter that carries the project id (`project_param`, default `project_id`
    /// when the path has it), `None` when the call has no project.
    pub project_param: Option<String>,
    /// The other required parameters (CAE's `X-Environment-ID` header, a Kafka `instance_id`
    /// path segment), but the headers the client sets itself (`X-Auth-Token`, `Content-Type`):
    /// a request without one gets a `400`.
    pub required_params: Vec<SimParam>,
    /// The status values of the job.
    pub states: States,
    /// Where the job's fields are in the 200 body.
    pub job: JobPointers,
    /// The documented 200 example (`example`, or the first of `examples`), if any.
    pub example: Option<Value>,
    /// The first documented 4xx example, if any.
    pub error_example: Option<Value>,
    /// The path template, split.
    segments: Vec<Segment>,
}

/// A parameter of a job call, with a value it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimParam {
    /// The name on the wire (`X-Environment-ID`, `instance_id`).
    pub name: String,
    /// Where it travels.
    pub place: ParamPlace,
    /// A value to send: the spec's example, default or first enum value, else one of its type.
    pub sample: String,
}

/// The status values of each state, in the spec's order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct States {
    /// Queued (may be empty).
    #[serde(default)]
    pub pending: Vec<String>,
    /// In progress.
    pub running: Vec<String>,
    /// Finished successfully.
    pub succeeded: Vec<String>,
    /// Finished unsuccessfully.
    pub failed: Vec<String>,
}

impl States {
    /// The status value sent for `phase`: the first value of its list (`Pending` without a
    /// queued state: the first running value), or the value of [`Phase::Other`] as is.
    pub fn status(&self, phase: &Phase) -> String {
        let first = |list: &[String]| list.first().cloned().unwrap_or_default();
        match phase {
            Phase::Pending if self.pending.is_empty() => first(&self.running),
            Phase::Pending => first(&self.pending),
            Phase::Running => first(&self.running),
            Phase::Succeeded => first(&self.succeeded),
            Phase::Failed => first(&self.failed),
            Phase::Other(status) => status.clone(),
        }
    }

    fn check(&self, what: &str) -> Result<(), String> {
        for (list, values) in [
            ("running", &self.running),
            ("succeeded", &self.succeeded),
            ("failed", &self.failed),
        ] {
            if values.is_empty() {
                return Err(format!("{what} has no `{list}` status value"));
            }
        }
        Ok(())
    }
}

/// The JSON pointers of `x-cloudjobs-job` the server writes (RFC 6901; a number selects an
/// array element).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPointers {
    /// The status.
    pub status: String,
    /// The job id.
    pub id: Option<String>,
    /// The progress percentage.
    pub progress: Option<String>,
    /// The job's error code.
    pub error_code: Option<String>,
    /// The job's error message.
    pub error_reason: Option<String>,
    /// The sub-tasks.
    pub subtasks: Option<SubtaskPointers>,
}

/// The sub-tasks of `x-cloudjobs-job`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtaskPointers {
    /// The array of sub-tasks.
    pub items: String,
    /// A sub-task's status, relative to the sub-task.
    pub status: String,
    /// A sub-task's error code, relative to the sub-task.
    pub error_code: Option<String>,
    /// A sub-task's error message, relative to the sub-task.
    pub error_reason: Option<String>,
    /// The sub-task status values (each list left out is the job's).
    pub states: States,
}

/// `x-cloudjobs-job` as written.
#[derive(Deserialize)]
struct RawJob {
    status: String,
    #[serde(flatten)]
    states: States,
    id: Option<String>,
    progress: Option<String>,
    error_code: Option<String>,
    error_reason: Option<String>,
    subtasks: Option<RawSubtasks>,
    job_id_param: Option<String>,
    project_param: Option<String>,
}

#[derive(Deserialize)]
struct RawSubtasks {
    items: String,
    status: String,
    error_code: Option<String>,
    error_reason: Option<String>,
    pending: Option<Vec<String>>,
    running: Option<Vec<String>>,
    succeeded: Option<Vec<String>>,
    failed: Option<Vec<String>>,
}

/// `info.x-cloudjobs-service`.
#[derive(Deserialize)]
struct RawService {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

/// One segment of a path template: literal text, or a parameter between fixed text
/// (`{job_id}`, `v{version}`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param {
        prefix: String,
        name: String,
        suffix: String,
    },
}

impl Segment {
    fn parse(text: &str) -> Self {
        match (text.find('{'), text.rfind('}')) {
            (Some(open), Some(close)) if open < close => Segment::Param {
                prefix: text[..open].to_owned(),
                name: text[open + 1..close].to_owned(),
                suffix: text[close + 1..].to_owned(),
            },
            _ => Segment::Literal(text.to_owned()),
        }
    }
}

/// The HTTP methods an OpenAPI path item may have.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The spec files of `dir` turned into services, sorted by name. A spec without a job
/// operation (IAM's) has none.
///
/// # Panics
///
/// When the folder cannot be read or a spec cannot be loaded or simulated: the message names
/// the file (test support only).
pub fn load_services(dir: &Path) -> Vec<SimService> {
    let files = cloudjobs_codegen::project::spec_files(dir)
        .unwrap_or_else(|e| panic!("jobsim: cannot list the specs: {e}"));
    let folder = dir
        .file_name()
        .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
    let mut services = Vec::new();
    for path in files {
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        let label = format!("{folder}/{file}");
        let doc = load::load_file(&path, &label)
            .unwrap_or_else(|e| panic!("jobsim: cannot load {label}: {e}"));
        let module = cloudjobs_codegen::module_name(&path);
        services.extend(
            services_of(&doc.raw, &label, &module)
                .unwrap_or_else(|e| panic!("jobsim: cannot simulate {label}: {e}")),
        );
    }
    services.sort_by(|a, b| a.name.cmp(&b.name));
    services
}

/// What the services of one spec share.
struct Spec<'a> {
    raw: &'a Value,
    label: &'a str,
    module: &'a str,
    name: String,
    aliases: Vec<String>,
}

/// The services of one spec: one per operation with `x-cloudjobs-job`.
fn services_of(raw: &Value, label: &str, module: &str) -> Result<Vec<SimService>, String> {
    let (name, aliases) = match raw.pointer("/info/x-cloudjobs-service") {
        Some(value) => {
            let service = RawService::deserialize(value)
                .map_err(|e| format!("#/info/x-cloudjobs-service: {e}"))?;
            (service.name, service.aliases)
        }
        None => (
            module
                .strip_suffix("_jobs")
                .unwrap_or(module)
                .replace('_', "-"),
            Vec::new(),
        ),
    };
    let spec = Spec {
        raw,
        label,
        module,
        name,
        aliases,
    };
    let mut services = Vec::new();
    let paths = raw.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        let item = deref(raw, item)?;
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            if let Some(job) = operation.get("x-cloudjobs-job") {
                let at = format!(
                    "#/paths/{}/{method}",
                    path.replace('~', "~0").replace('/', "~1")
                );
                let service = spec
                    .service(path, method, item, operation, job)
                    .map_err(|e| format!("{at}: {e}"))?;
                services.push(service);
            }
        }
    }
    Ok(services)
}

impl Spec<'_> {
    /// The service of the job operation `method` `path`, with its `x-cloudjobs-job`.
    fn service(
        &self,
        path: &str,
        method: &str,
        item: &Value,
        operation: &Value,
        extension: &Value,
    ) -> Result<SimService, String> {
        let job = RawJob::deserialize(extension).map_err(|e| format!("x-cloudjobs-job: {e}"))?;
        job.states.check("x-cloudjobs-job")?;
        let mut params = parameters(self.raw, item, operation)?;
        let mut take = |name: &str, places: &[ParamPlace]| {
            let i = params
                .iter()
                .position(|p| p.sim.name == name && places.contains(&p.sim.place))?;
            Some(params.remove(i).sim)
        };
        let job_id_param = job.job_id_param.as_deref().unwrap_or("job_id");
        let job_id = take(job_id_param, &[ParamPlace::Path, ParamPlace::Query])
            .ok_or_else(|| format!("no path or query parameter `{job_id_param}` for the job id"))?;
        let project_param = match &job.project_param {
            Some(name) => Some(
                take(name, &[ParamPlace::Path])
                    .ok_or_else(|| format!("no path parameter `{name}` for the project id"))?,
            ),
            None => take("project_id", &[ParamPlace::Path]),
        };
        let required_params = params
            .into_iter()
            .filter(|p| {
                p.required
                    && !(p.sim.place == ParamPlace::Header && set_by_client(self.raw, &p.sim.name))
            })
            .map(|p| p.sim)
            .collect();
        let subtasks = job.subtasks.map(|s| s.pointers(&job.states)).transpose()?;
        let (example, error_example) = examples(self.raw, operation)?;
        Ok(SimService {
            name: self.name.clone(),
            aliases: self.aliases.clone(),
            module: self.module.to_owned(),
            spec: self.label.to_owned(),
            operation: operation
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or(method)
                .to_owned(),
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            job_id_param: job_id.name,
            job_id_place: job_id.place,
            project_param: project_param.map(|p| p.name),
            required_params,
            states: job.states,
            job: JobPointers {
                status: job.status,
                id: job.id,
                progress: job.progress,
                error_code: job.error_code,
                error_reason: job.error_reason,
                subtasks,
            },
            example,
            error_example,
            segments: path
                .trim_start_matches('/')
                .split('/')
                .map(Segment::parse)
                .collect(),
        })
    }
}

impl RawSubtasks {
    /// The sub-task pointers, each state list left out taken from the job's `states`.
    fn pointers(self, states: &States) -> Result<SubtaskPointers, String> {
        let states = States {
            pending: self.pending.unwrap_or_else(|| states.pending.clone()),
            running: self.running.unwrap_or_else(|| states.running.clone()),
            succeeded: self.succeeded.unwrap_or_else(|| states.succeeded.clone()),
            failed: self.failed.unwrap_or_else(|| states.failed.clone()),
        };
        states.check("x-cloudjobs-job/subtasks")?;
        Ok(SubtaskPointers {
            items: self.items,
            status: self.status,
            error_code: self.error_code,
            error_reason: self.error_reason,
            states,
        })
    }
}

/// A parameter of an operation, and whether it is required.
struct Param {
    sim: SimParam,
    required: bool,
}

/// Whether the generated client sets the header `name` itself, so that it is no parameter of
/// the job call (the generator's rule): content negotiation, and the credentials of the
/// spec's security schemes (`X-Auth-Token`, `Authorization`).
fn set_by_client(raw: &Value, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if matches!(
        name.as_str(),
        "content-type"
            | "accept"
            | "content-length"
            | "user-agent"
            | "authorization"
            | "x-auth-token"
    ) {
        return true;
    }
    let schemes = raw
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    schemes.into_iter().flatten().any(|(_, scheme)| {
        scheme.get("type").and_then(Value::as_str) == Some("apiKey")
            && scheme.get("in").and_then(Value::as_str) == Some("header")
            && scheme
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
    })
}

/// The parameters of an operation: the path item's, overridden by the operation's (same name
/// and place); cookies left out.
fn parameters(raw: &Value, item: &Value, operation: &Value) -> Result<Vec<Param>, String> {
    let mut params: Vec<Param> = Vec::new();
    let listed = [item, operation]
        .into_iter()
        .filter_map(|o| o.get("parameters").and_then(Value::as_array))
        .flatten();
    for param in listed {
        let param = deref(raw, param)?;
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let place = match param.get("in").and_then(Value::as_str) {
            Some("path") => ParamPlace::Path,
            Some("query") => ParamPlace::Query,
            Some("header") => ParamPlace::Header,
            _ => continue,
        };
        let required = place == ParamPlace::Path
            || param.get("required").and_then(Value::as_bool) == Some(true);
        let sim = SimParam {
            name: name.to_owned(),
            place,
            sample: sample(raw, param, name)?,
        };
        params.retain(|p| !(p.sim.name.eq_ignore_ascii_case(name) && p.sim.place == place));
        params.push(Param { sim, required });
    }
    Ok(params)
}

/// A value for a parameter: its example (or first example), its schema's example, default or
/// first enum value; else one of the schema's type.
fn sample(raw: &Value, param: &Value, name: &str) -> Result<String, String> {
    let schema = match param.get("schema") {
        Some(s) => deref(raw, s)?,
        None => &Value::Null,
    };
    let first_example = match param
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|e| e.values().next())
    {
        Some(e) => deref(raw, e)?.get("value"),
        None => None,
    };
    let given = param
        .get("example")
        .or(first_example)
        .or_else(|| schema.get("example"))
        .or_else(|| schema.get("default"))
        .or_else(|| schema.get("enum").and_then(|e| e.get(0)));
    Ok(match (given, schema.get("type").and_then(Value::as_str)) {
        (Some(Value::String(s)), _) => s.clone(),
        (Some(v), _) if !v.is_null() => v.to_string(),
        (_, Some("integer" | "number")) => "1".to_owned(),
        (_, Some("boolean")) => "true".to_owned(),
        _ => {
            let slug: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect();
            format!("{slug}-1")
        }
    })
}

/// The 200 example and the first 4xx example of an operation (JSON media types only).
fn examples(raw: &Value, operation: &Value) -> Result<(Option<Value>, Option<Value>), String> {
    let responses = operation.get("responses").and_then(Value::as_object);
    let mut ok = None;
    let mut error = None;
    for (status, response) in responses.into_iter().flatten() {
        let wanted = if status == "200" {
            &mut ok
        } else if status.starts_with('4') && error.is_none() {
            &mut error
        } else {
            continue;
        };
        *wanted = json_example(raw, deref(raw, response)?)?;
    }
    Ok((ok, error))
}

/// The `example`, or else the first of the `examples`, of a response's JSON media type.
fn json_example(raw: &Value, response: &Value) -> Result<Option<Value>, String> {
    let content = response.get("content").and_then(Value::as_object);
    let Some(media) = content
        .into_iter()
        .flatten()
        .find(|(kind, _)| kind.contains("json"))
        .map(|(_, media)| media)
    else {
        return Ok(None);
    };
    if let Some(example) = media.get("example") {
        return Ok(Some(example.clone()));
    }
    match media
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|e| e.values().next())
    {
        Some(example) => Ok(deref(raw, example)?.get("value").cloned()),
        None => Ok(None),
    }
}

/// `node`, or what its `$ref` (a local pointer, possibly a chain of them) names.
fn deref<'a>(raw: &'a Value, mut node: &'a Value) -> Result<&'a Value, String> {
    for _ in 0..32 {
        let Some(target) = node.get("$ref").and_then(Value::as_str) else {
            return Ok(node);
        };
        node = resolve_pointer(raw, &percent_decode(target))
            .ok_or_else(|| format!("`$ref: {target}` names nothing"))?;
    }
    Err("a `$ref` chain longer than 32".to_owned())
}

impl SimService {
    /// Whether `name` names this service: its name, an alias or its module, in any case,
    /// with `-` and `_` alike.
    pub fn is_called(&self, name: &str) -> bool {
        let normalize = |n: &str| n.trim().to_ascii_lowercase().replace('-', "_");
        let wanted = normalize(name);
        std::iter::once(&self.name)
            .chain(&self.aliases)
            .chain(std::iter::once(&self.module))
            .any(|n| normalize(n) == wanted)
    }

    /// The job status value for `phase`.
    pub fn status(&self, phase: &Phase) -> String {
        self.states.status(phase)
    }

    /// The path (without query) of a request for `job` of `project`, other path parameters
    /// with their samples.
    pub fn job_path(&self, project: &str, job: &str) -> String {
        let value = |name: &str| -> String {
            if self.project_param.as_deref() == Some(name) {
                project.to_owned()
            } else if name == self.job_id_param {
                job.to_owned()
            } else {
                self.required_params
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| p.sample.clone())
                    .unwrap_or_default()
            }
        };
        let segments: Vec<String> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(text) => text.clone(),
                Segment::Param {
                    prefix,
                    name,
                    suffix,
                } => format!("{prefix}{}{suffix}", value(name)),
            })
            .collect();
        format!("/{}", segments.join("/"))
    }

    /// The path parameters of `path` (without query, percent-decoded) when it fits the
    /// template: same number of segments, the literal ones equal, the others not empty.
    pub(super) fn match_path(&self, path: &str) -> Option<Vec<(String, String)>> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(text) => {
                    if text != part {
                        return None;
                    }
                }
                Segment::Param {
                    prefix,
                    name,
                    suffix,
                } => {
                    let value = part.strip_prefix(prefix.as_str())?;
                    let value = value.strip_suffix(suffix.as_str())?;
                    if value.is_empty() {
                        return None;
                    }
                    params.push((name.clone(), percent_decode(value)));
                }
            }
        }
        Some(params)
    }

    /// The number of sub-tasks of the simulated bodies: those of the 200 example.
    pub fn subtask_count(&self) -> usize {
        let items = self.job.subtasks.as_ref().and_then(|s| {
            self.example
                .as_ref()?
                .pointer(&s.items)
                .and_then(Value::as_array)
        });
        items.map_or(0, Vec::len)
    }
}
