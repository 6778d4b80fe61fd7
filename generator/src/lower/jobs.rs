//! `x-cloudjobs-job`: an operation's job semantics, with every JSON pointer resolved to the
//! Rust fields it reads (so a pointer that names no field is an error here, not a silent
//! `None` at run time).

use serde::Deserialize;
use serde_json::Value;

use super::Lowerer;
use crate::emit::docs::escape_controls;
use crate::error::{Error, ErrorKind, child};
use crate::extensions::JOB as JOB_EXTENSION;
use crate::ir::{
    Access, Confirm, JobSpec, Outcome, OutcomeKind, Param, ParamLocation, ResponseBody, StateLists,
    Step, SubtaskSpec, Ty, TypeKind,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJob {
    status: String,
    #[serde(default)]
    pending: Vec<String>,
    running: Vec<String>,
    succeeded: Vec<String>,
    failed: Vec<String>,
    id: Option<String>,
    progress: Option<String>,
    error_code: Option<String>,
    error_reason: Option<String>,
    #[serde(default)]
    resources: Vec<String>,
    subtasks: Option<RawSubtasks>,
    job_id_param: Option<String>,
    project_param: Option<String>,
    /// `2` or `subtasks`; read by [`Lowerer::confirm`], so a wrong value is named there.
    confirm: Option<Value>,
}

/// The most consecutive terminal reads `confirm` may ask for.
const MAX_CONFIRM_READS: u32 = 10;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubtasks {
    items: String,
    total: Option<String>,
    id: Option<String>,
    name: Option<String>,
    status: String,
    error_code: Option<String>,
    error_reason: Option<String>,
    pending: Option<Vec<String>>,
    running: Option<Vec<String>>,
    succeeded: Option<Vec<String>>,
    failed: Option<Vec<String>>,
}

/// What a pointer's end must be.
#[derive(Clone, Copy, PartialEq)]
enum Want {
    Text,
    Number,
    /// A number, or a string holding one (`"60%"`).
    Percent,
    Any,
    Array,
}

impl Lowerer<'_> {
    /// The job semantics of an operation, if its spec declares them.
    pub(super) fn lower_job(
        &self,
        extension: Option<&Value>,
        success: &Outcome,
        params: &[Param],
        pointer: &str,
    ) -> Result<Option<JobSpec>, Error> {
        let Some(value) = extension else {
            return Ok(None);
        };
        let at = child(pointer, &[JOB_EXTENSION]);
        let raw: RawJob = serde_json::from_value(value.clone()).map_err(|e| {
            self.error(
                ErrorKind::Invalid,
                &at,
                format!("not a valid `{JOB_EXTENSION}`: {e}"),
            )
        })?;
        let body = match &success.kind {
            OutcomeKind::Single(ResponseBody::Json(Ty::Named(id))) => *id,
            _ => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    &at,
                    "a job operation needs one JSON success body that is an object schema",
                ));
            }
        };
        let (job_id_param, project_param) = self.id_params(&raw, params, &at)?;
        let root = Ty::Named(body);
        let states = StateLists {
            pending: raw.pending,
            running: raw.running,
            succeeded: raw.succeeded,
            failed: raw.failed,
        };
        self.check_state_lists(&states, &at, None)?;
        let one = |p: &Option<String>, key: &str, want: Want| -> Result<Option<Access>, Error> {
            p.as_ref()
                .map(|p| self.access(&root, p, &child(&at, &[key]), want, false))
                .transpose()
        };
        let status = self.access(
            &root,
            &raw.status,
            &child(&at, &["status"]),
            Want::Text,
            false,
        )?;
        let subtasks = raw
            .subtasks
            .as_ref()
            .map(|s| self.lower_subtasks(s, &root, &states, &at))
            .transpose()?;
        let resources = raw
            .resources
            .iter()
            .enumerate()
            .map(|(i, p)| {
                self.access(
                    &root,
                    p,
                    &child(&at, &["resources", &i.to_string()]),
                    Want::Any,
                    true,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let confirm = self.confirm(raw.confirm.as_ref(), subtasks.is_some(), &at)?;
        Ok(Some(JobSpec {
            body,
            confirm,
            status,
            id: one(&raw.id, "id", Want::Any)?,
            progress: one(&raw.progress, "progress", Want::Percent)?,
            error_code: one(&raw.error_code, "error_code", Want::Any)?,
            error_reason: one(&raw.error_reason, "error_reason", Want::Any)?,
            resources,
            subtasks,
            states,
            job_id_param,
            project_param,
        }))
    }

    /// How to read sub-tasks; status lists left out are the job's.
    fn lower_subtasks(
        &self,
        s: &RawSubtasks,
        root: &Ty,
        states: &StateLists,
        at: &str,
    ) -> Result<SubtaskSpec, Error> {
        let sat = child(at, &["subtasks"]);
        let items = self.access(root, &s.items, &child(&sat, &["items"]), Want::Array, false)?;
        let Ty::Vec(inner) = &items.leaf else {
            return Err(self.error(ErrorKind::Invalid, &sat, "`items` must point at an array"));
        };
        let item = self.resolve(inner).0;
        let rel = |p: &Option<String>, key: &str, want: Want| -> Result<Option<Access>, Error> {
            p.as_ref()
                .map(|p| self.access(&item, p, &child(&sat, &[key]), want, false))
                .transpose()
        };
        let states = StateLists {
            pending: s.pending.clone().unwrap_or_else(|| states.pending.clone()),
            running: s.running.clone().unwrap_or_else(|| states.running.clone()),
            succeeded: s
                .succeeded
                .clone()
                .unwrap_or_else(|| states.succeeded.clone()),
            failed: s.failed.clone().unwrap_or_else(|| states.failed.clone()),
        };
        let own = [
            s.pending.is_some(),
            s.running.is_some(),
            s.succeeded.is_some(),
            s.failed.is_some(),
        ];
        self.check_state_lists(&states, &sat, Some(own))?;
        Ok(SubtaskSpec {
            total: s
                .total
                .as_ref()
                .map(|p| self.access(root, p, &child(&sat, &["total"]), Want::Number, false))
                .transpose()?,
            id: rel(&s.id, "id", Want::Any)?,
            name: rel(&s.name, "name", Want::Any)?,
            status: self.access(
                &item,
                &s.status,
                &child(&sat, &["status"]),
                Want::Text,
                false,
            )?,
            error_code: rel(&s.error_code, "error_code", Want::Any)?,
            error_reason: rel(&s.error_reason, "error_reason", Want::Any)?,
            states,
            items,
        })
    }

    /// `confirm`: a number of reads (1 to [`MAX_CONFIRM_READS`]) or `subtasks`, which needs
    /// `subtasks` to say how sub-tasks are read.
    fn confirm(&self, raw: Option<&Value>, has_subtasks: bool, at: &str) -> Result<Confirm, Error> {
        let here = child(at, &["confirm"]);
        let reads = raw.and_then(Value::as_u64);
        let word = raw.and_then(Value::as_str);
        match (raw, reads, word) {
            (None, _, _) | (_, Some(1), _) => Ok(Confirm::Once),
            (_, Some(n), _) if (2..=u64::from(MAX_CONFIRM_READS)).contains(&n) => {
                Ok(Confirm::Reads(u32::try_from(n).unwrap_or(MAX_CONFIRM_READS)))
            }
            (_, _, Some("subtasks")) if has_subtasks => Ok(Confirm::SubtasksTerminal),
            (_, _, Some("subtasks")) => Err(self.error(
                ErrorKind::Invalid,
                &here,
                "`confirm: subtasks` needs `subtasks` to say how the sub-tasks are read",
            )),
            _ => Err(self.error(
                ErrorKind::Invalid,
                &here,
                format!(
                    "must be a number of consecutive terminal reads (1 to {MAX_CONFIRM_READS}) or `subtasks`"
                ),
            )),
        }
    }

    /// The state lists of a job (or of its sub-tasks, where `own` says which lists they
    /// give themselves; the others are the job's, checked there): `running`, `succeeded`
    /// and `failed` not empty, no value twice, no value in two lists.
    fn check_state_lists(
        &self,
        states: &StateLists,
        at: &str,
        own: Option<[bool; 4]>,
    ) -> Result<(), Error> {
        let lists = [
            ("pending", &states.pending),
            ("running", &states.running),
            ("succeeded", &states.succeeded),
            ("failed", &states.failed),
        ];
        let own = own.unwrap_or([true; 4]);
        for (i, (key, values)) in lists.iter().enumerate() {
            if !own[i] {
                continue;
            }
            let here = child(at, &[key]);
            if values.is_empty() && *key != "pending" {
                return Err(self.error(ErrorKind::Invalid, &here, "must not be empty"));
            }
            if let Some((j, v)) = values
                .iter()
                .enumerate()
                .find(|(j, v)| values[..*j].contains(v))
            {
                return Err(self.error(
                    ErrorKind::Invalid,
                    &child(&here, &[&j.to_string()]),
                    format!("`{}` is listed twice", escape_controls(v)),
                ));
            }
        }
        for (i, (a, left)) in lists.iter().enumerate() {
            for (j, (b, right)) in lists.iter().enumerate().skip(i + 1) {
                if !own[i] && !own[j] {
                    continue;
                }
                if let Some(common) = left.iter().find(|v| right.contains(v)) {
                    return Err(self.error(
                        ErrorKind::Invalid,
                        at,
                        format!(
                            "`{}` is in both `{a}` and `{b}`: a state has one meaning",
                            escape_controls(common)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Warns about each documented value of the job's (and its sub-tasks') status field that
    /// no state list names: a job in that state would be waited on as `unknown` until its
    /// deadline.
    pub(super) fn warn_unlisted_states(&mut self, job: &JobSpec, pointer: &str) {
        let at = child(pointer, &[JOB_EXTENSION]);
        let unlisted = job.unlisted_states(|id| self.type_def(id).map(|d| &d.kind));
        for u in unlisted {
            let here = match u.subtasks {
                true => child(&at, &["subtasks", "status"]),
                false => child(&at, &["status"]),
            };
            let values: Vec<String> = (u.values.iter())
                .map(|v| format!("`{}`", escape_controls(v)))
                .collect();
            self.warn(
                &here,
                format!(
                    "status value(s) {} of `{}` are in no state list (pending, running, succeeded, failed): a job in such a state is waited on as unknown until its deadline",
                    values.join(", "),
                    u.pointer
                ),
            );
        }
    }

    /// The wire names of the job id parameter (a path or query parameter) and of the project
    /// id parameter (a path parameter; `None` when the default `project_id` is absent).
    fn id_params(
        &self,
        raw: &RawJob,
        params: &[Param],
        at: &str,
    ) -> Result<(String, Option<String>), Error> {
        let find = |key: &str, name: &str, path_only: bool| -> Result<&Param, Error> {
            let param = params.iter().find(|p| p.wire == name).ok_or_else(|| {
                self.error(
                    ErrorKind::Invalid,
                    &child(at, &[key]),
                    format!(
                        "the operation has no parameter `{name}` (say which parameter carries the id with `{key}`)"
                    ),
                )
            })?;
            let fits = match param.location {
                ParamLocation::Path => true,
                ParamLocation::Query(_) => !path_only,
                ParamLocation::Header => false,
            };
            if !fits {
                return Err(self.error(
                    ErrorKind::Invalid,
                    &child(at, &[key]),
                    format!(
                        "parameter `{name}` must be a {}",
                        if path_only {
                            "path parameter"
                        } else {
                            "path or query parameter"
                        }
                    ),
                ));
            }
            Ok(param)
        };
        let job = find(
            "job_id_param",
            raw.job_id_param.as_deref().unwrap_or("job_id"),
            false,
        )?;
        let project = match &raw.project_param {
            Some(name) => Some(find("project_param", name, true)?),
            None => params
                .iter()
                .find(|p| p.wire == "project_id" && p.location == ParamLocation::Path),
        };
        Ok((job.wire.clone(), project.map(|p| p.wire.clone())))
    }

    /// Looks through aliases and boxes: the type, and whether an `Option` was passed.
    fn resolve(&self, ty: &Ty) -> (Ty, bool) {
        let mut ty = ty.clone();
        let mut optional = false;
        loop {
            ty = match ty {
                Ty::Boxed(inner) => *inner,
                Ty::Option(inner) => {
                    optional = true;
                    *inner
                }
                Ty::Named(id) => match self.type_def(id).map(|d| &d.kind) {
                    Some(TypeKind::Alias(inner)) => inner.clone(),
                    _ => return (Ty::Named(id), optional),
                },
                other => return (other, optional),
            };
        }
    }

    /// What `want` expected, when `ty` (a pointer's end) is not that.
    fn mismatch(&self, ty: &Ty, want: Want) -> Option<&'static str> {
        let is_enum = |ty: &Ty| matches!(ty, Ty::Named(id) if matches!(self.type_def(*id).map(|d| &d.kind), Some(TypeKind::Enum(_))));
        let ok = match want {
            Want::Text => matches!(ty, Ty::String) || is_enum(ty),
            Want::Number => matches!(
                ty,
                Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 | Ty::F32 | Ty::F64
            ),
            Want::Percent => matches!(
                ty,
                Ty::String | Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 | Ty::F32 | Ty::F64
            ),
            Want::Array => matches!(ty, Ty::Vec(_)),
            Want::Any => {
                matches!(
                    ty,
                    Ty::String | Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 | Ty::Bool
                ) || is_enum(ty)
            }
        };
        if ok {
            return None;
        }
        Some(match want {
            Want::Text => "a string",
            Want::Number => "a number",
            Want::Percent => "a number, or a string holding one",
            Want::Array => "an array",
            Want::Any => "a string or an integer",
        })
    }

    /// Resolves a JSON pointer, starting at `root`, to field steps.
    fn access(
        &self,
        root: &Ty,
        pointer: &str,
        at: &str,
        want: Want,
        allow_each: bool,
    ) -> Result<Access, Error> {
        let fail = |message: String| {
            self.error(
                ErrorKind::Invalid,
                at,
                format!("pointer `{pointer}`: {message}"),
            )
        };
        let Some(path) = pointer.strip_prefix('/') else {
            return Err(fail("a JSON pointer starts with `/`".into()));
        };
        let mut ty = self.resolve(root).0;
        let mut steps = Vec::new();
        for token in path.split('/') {
            let token = token.replace("~1", "/").replace("~0", "~");
            if token == "*" {
                if !allow_each {
                    return Err(fail("`*` is allowed only in `resources`".into()));
                }
                let Ty::Vec(inner) = ty else {
                    return Err(fail("`*` steps into an array, but this is not one".into()));
                };
                let (inner, optional_items) = self.resolve(&inner);
                steps.push(Step::Each { optional_items });
                ty = inner;
                continue;
            }
            if let (Ok(index), Ty::Vec(inner)) = (token.parse::<usize>(), &ty) {
                let (inner, optional_items) = self.resolve(inner);
                steps.push(Step::Index {
                    index,
                    optional_items,
                });
                ty = inner;
                continue;
            }
            let Ty::Named(id) = ty else {
                return Err(fail(format!(
                    "`{token}` is looked up in something that is not an object"
                )));
            };
            let Some(TypeKind::Struct(s)) = self.type_def(id).map(|d| &d.kind) else {
                return Err(fail(format!(
                    "`{token}` is looked up in something that is not an object with properties"
                )));
            };
            let Some(field) = s.fields.iter().find(|f| f.wire == token) else {
                let known: Vec<&str> = s.fields.iter().map(|f| f.wire.as_str()).collect();
                return Err(fail(format!(
                    "no property `{token}` (there are: {})",
                    known.join(", ")
                )));
            };
            let (next, inner_optional) = self.resolve(&field.ty);
            if inner_optional {
                return Err(fail(format!(
                    "`{token}` is an optional value inside a container, which the job accessors do not read"
                )));
            }
            steps.push(Step::Field {
                name: field.name.clone(),
                optional: field.optional(),
            });
            ty = next;
        }
        if let Some(expected) = self.mismatch(&ty, want) {
            return Err(fail(format!("leads to {ty:?}, expected {expected}")));
        }
        Ok(Access {
            pointer: pointer.to_owned(),
            steps,
            leaf: ty,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{EmitOptions, generate_str};

    /// A job spec whose status has `values` and whose job extension adds `extra` lines.
    fn spec(values: &str, lists: &str) -> String {
        format!(
            "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /v1/jobs/{{job_id}}:
    get:
      operationId: ShowJob
      parameters:
        - {{name: job_id, in: path, required: true, schema: {{type: string}}}}
      x-cloudjobs-job:
        status: /status
{lists}
      responses:
        '200':
          description: The job.
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {{type: string, x-extensible-enum: [{values}]}}
"
        )
    }

    const LISTS: &str =
        "        running: [RUNNING]\n        succeeded: [SUCCESS]\n        failed: [FAIL]";

    fn generate(text: &str) -> Result<Vec<String>, String> {
        generate_str(text, "t.yaml", "t", &EmitOptions::default())
            .map(|g| g.warnings().iter().map(ToString::to_string).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_status_value_in_no_state_list_is_a_warning() {
        assert_eq!(generate(&spec("RUNNING, SUCCESS, FAIL", LISTS)), Ok(vec![]));
        let warnings = generate(&spec("RUNNING, SUCCESS, FAIL, CANCELLED", LISTS)).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("#/paths/~1v1~1jobs~1{job_id}/get/x-cloudjobs-job/status: status value(s) `CANCELLED` of `/status` are in no state list"),
            "{warnings:?}"
        );
    }

    #[test]
    fn confirm_is_a_number_of_reads_or_subtasks() {
        let at = "t.yaml: #/paths/~1v1~1jobs~1{job_id}/get/x-cloudjobs-job/confirm";
        let values = "RUNNING, SUCCESS, FAIL";
        for ok in ["1", "2", "10"] {
            let lists = format!("{LISTS}\n        confirm: {ok}");
            assert_eq!(generate(&spec(values, &lists)), Ok(vec![]), "{ok}");
        }
        let generated = generate_str(
            &spec(values, &format!("{LISTS}\n        confirm: 3")),
            "t.yaml",
            "t",
            &EmitOptions::default(),
        )
        .unwrap();
        assert!(generated.code.contains("rt::job::Confirm::Reads(3)"));
        for bad in ["0", "11", "twice", "-1"] {
            let lists = format!("{LISTS}\n        confirm: {bad}");
            let e = generate(&spec(values, &lists)).unwrap_err();
            assert!(e.starts_with(at), "{bad}: {e}");
        }
        let e = generate(&spec(
            values,
            &format!("{LISTS}\n        confirm: subtasks"),
        ))
        .unwrap_err();
        assert!(e.contains("needs `subtasks`"), "{e}");
    }

    #[test]
    fn state_lists_are_not_empty_distinct_and_disjoint() {
        let at = "t.yaml: #/paths/~1v1~1jobs~1{job_id}/get/x-cloudjobs-job";
        let cases = [
            (
                "        running: []\n        succeeded: [SUCCESS]\n        failed: [FAIL]",
                format!("{at}/running: must not be empty"),
            ),
            (
                "        running: [RUNNING, RUNNING]\n        succeeded: [SUCCESS]\n        failed: [FAIL]",
                format!("{at}/running/1: `RUNNING` is listed twice"),
            ),
            (
                "        pending: [RUNNING]\n        running: [RUNNING]\n        succeeded: [SUCCESS]\n        failed: [FAIL]",
                format!(
                    "{at}: `RUNNING` is in both `pending` and `running`: a state has one meaning"
                ),
            ),
        ];
        for (lists, expected) in cases {
            assert_eq!(
                generate(&spec("RUNNING, SUCCESS, FAIL", lists)),
                Err(expected)
            );
        }
    }
}
