//! What the simulated server knows about a job service, read from its spec: the job
//! operation (`x-cloudjobs-job`), its parameters, its state lists, and its documented 200 and
//! error examples.

use std::path::Path;

use cloudjobs::runtime::any_service::ParamPlace;
use cloudjobs_codegen::ir::{Access, Api, JobService, ParamLocation, StateLists};
use cloudjobs_codegen::load::{self, percent_decode};
use serde_json::Value;

use super::Phase;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct States {
    /// Queued (may be empty).
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

/// The spec files of `dir` turned into services, sorted by name. A spec without a job
/// operation (IAM's) has none.
///
/// The services are the generator's own reading of the specs (its lowering and
/// [`cloudjobs_codegen::ir::Api::job_services`]: names, the id parameters, which parameters
/// the client sends), so the server agrees with the generated registry by construction;
/// only the documented examples and the parameter samples are read from the spec's text.
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
        let module = cloudjobs_codegen::module_name(&path);
        let doc = load::load_file(&path, &label)
            .unwrap_or_else(|e| panic!("jobsim: cannot load {label}: {e}"));
        let api = cloudjobs_codegen::lower::lower(&doc, &module, &label)
            .unwrap_or_else(|e| panic!("jobsim: cannot load {label}: {e}"));
        for service in api.job_services() {
            let at = format!(
                "#/paths/{}/{}",
                service.op.path.replace('~', "~0").replace('/', "~1"),
                service.op.http_method.to_ascii_lowercase()
            );
            services.push(
                simulated(&doc.raw, &api, &service)
                    .unwrap_or_else(|e| panic!("jobsim: cannot simulate {label}: {at}: {e}")),
            );
        }
    }
    services.sort_by(|a, b| a.name.cmp(&b.name));
    services
}

/// The place of a lowered parameter.
fn place(location: ParamLocation) -> ParamPlace {
    match location {
        ParamLocation::Path => ParamPlace::Path,
        ParamLocation::Query(_) => ParamPlace::Query,
        ParamLocation::Header => ParamPlace::Header,
    }
}

/// The state lists of the IR.
fn states(lists: &StateLists, what: &str) -> Result<States, String> {
    let states = States {
        pending: lists.pending.clone(),
        running: lists.running.clone(),
        succeeded: lists.succeeded.clone(),
        failed: lists.failed.clone(),
    };
    states.check(what)?;
    Ok(states)
}

/// One job service of a lowered spec, with its examples and parameter samples from the text.
fn simulated(raw: &Value, api: &Api, service: &JobService<'_>) -> Result<SimService, String> {
    let (op, job) = (service.op, service.job);
    let method = op.http_method.to_ascii_lowercase();
    let item = deref(raw, &raw["paths"][op.path.as_str()])?;
    let operation = &item[method.as_str()];
    let job_id_place = op
        .params
        .iter()
        .find(|p| p.wire == job.job_id_param)
        .map_or(ParamPlace::Path, |p| place(p.location));
    let required_params = service
        .extra_params()
        .filter(|p| p.required)
        .map(|p| {
            let place = place(p.location);
            Ok(SimParam {
                name: p.wire.clone(),
                place,
                sample: sample(
                    raw,
                    raw_param(raw, item, operation, &p.wire, place)?,
                    &p.wire,
                )?,
            })
        })
        .collect::<Result<_, String>>()?;
    let pointer = |a: &Option<Access>| a.as_ref().map(|a| a.pointer.clone());
    let subtasks = match &job.subtasks {
        Some(s) => Some(SubtaskPointers {
            items: s.items.pointer.clone(),
            status: s.status.pointer.clone(),
            error_code: pointer(&s.error_code),
            error_reason: pointer(&s.error_reason),
            states: states(&s.states, "x-cloudjobs-job/subtasks")?,
        }),
        None => None,
    };
    let (example, error_example) = examples(raw, operation)?;
    Ok(SimService {
        name: service.name.clone(),
        aliases: service.aliases.clone(),
        module: api.module.clone(),
        spec: api.source.clone(),
        operation: op.id.clone(),
        method: op.http_method.clone(),
        path: op.path.clone(),
        job_id_param: job.job_id_param.clone(),
        job_id_place,
        project_param: job.project_param.clone(),
        required_params,
        states: states(&job.states, "x-cloudjobs-job")?,
        job: JobPointers {
            status: job.status.pointer.clone(),
            id: pointer(&job.id),
            progress: pointer(&job.progress),
            error_code: pointer(&job.error_code),
            error_reason: pointer(&job.error_reason),
            subtasks,
        },
        example,
        error_example,
        segments: op
            .path
            .trim_start_matches('/')
            .split('/')
            .map(Segment::parse)
            .collect(),
    })
}

/// The parameter `name` in `place` as the spec writes it: the operation's, else the path
/// item's (`Null` when only the path template names it).
fn raw_param<'a>(
    raw: &'a Value,
    item: &'a Value,
    operation: &'a Value,
    name: &str,
    place: ParamPlace,
) -> Result<&'a Value, String> {
    let wanted = match place {
        ParamPlace::Path => "path",
        ParamPlace::Query => "query",
        ParamPlace::Header => "header",
    };
    for listed in [operation, item] {
        for param in listed["parameters"].as_array().into_iter().flatten() {
            let param = deref(raw, param)?;
            if param["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                && param["in"] == wanted
            {
                return Ok(param);
            }
        }
    }
    Ok(&Value::Null)
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
fn deref<'a>(raw: &'a Value, node: &'a Value) -> Result<&'a Value, String> {
    load::follow_refs(raw, node)
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

    /// Whether a request for this service fits `other`'s template too (IMS and VBS both
    /// serve `/v1/{project_id}/jobs/{job_id}`): on one endpoint only a script, or the
    /// service's name as a path prefix, tells them apart.
    pub fn overlaps(&self, other: &SimService) -> bool {
        self.name != other.name && other.match_path(&self.job_path("p", "j")).is_some()
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
