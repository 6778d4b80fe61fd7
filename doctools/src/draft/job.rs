//! The proposed `x-cloudjobs-job` of a job or task page: the field whose values look like
//! job states, the four state lists, and the pointers beside it. Every guess says why.

use std::collections::BTreeSet;

use serde_json::Value;

use super::build::{objects_in, values_of};
use super::yaml::{MapBuilder, Node};
use crate::model::{DocModel, DocType, Field};

/// The class of a job state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Pending,
    Running,
    Succeeded,
    Failed,
}

impl State {
    fn key(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Running => "running",
            State::Succeeded => "succeeded",
            State::Failed => "failed",
        }
    }
}

/// What a state value most likely means, and the rule that says so.
pub fn classify(value: &str) -> Option<(State, &'static str)> {
    let l = value.to_ascii_lowercase().replace(['-', ' '], "_");
    let has = |w: &str| l.contains(w);
    if has("fail") || has("error") || has("abnormal") {
        return Some((State::Failed, "names a failure"));
    }
    match l.as_str() {
        "init" | "initial" | "initializing" | "initialized" | "initialize" | "waiting" | "wait"
        | "pending" | "queued" | "queuing" | "queueing" | "created" | "new" | "scheduled"
        | "delay_scheduled" | "submitted" | "accepted" | "to_be_executed" | "not_started" => {
            return Some((State::Pending, "not started yet (initialising or queued)"));
        }
        "running" | "executing" | "processing" | "in_progress" | "inprogress" | "doing"
        | "ongoing" | "started" | "progressing" | "handling" | "rollback"
        | "executing_rollback" => {
            return Some((State::Running, "in progress"));
        }
        "success" | "succeeded" | "successful" | "succeed" | "completed" | "complete" | "done"
        | "finished" | "finish" | "ok" => {
            return Some((State::Succeeded, "finished successfully"));
        }
        "timeout" | "timed_out" | "cancelled" | "canceled" | "cancel" | "deleted"
        | "terminated" | "stop" | "stopped" | "aborted" | "killed" | "expired" | "rejected" => {
            return Some((
                State::Failed,
                "ended without success (ours: counted as failed)",
            ));
        }
        _ => {}
    }
    if l.ends_with("ing") {
        return Some((State::Running, "an -ing word: in progress"));
    }
    if has("success") || has("complete") {
        return Some((State::Succeeded, "names a success"));
    }
    None
}

/// The values the job APIs of these clouds usually send for a state, in the letter case of
/// the values an example sends (`RUNNING`, `Running`, `running`); none for a pending state
/// but `INIT` in upper case.
fn usual(state: State, sent: &[String]) -> Vec<String> {
    let upper = sent
        .iter()
        .all(|s| !s.chars().any(|c| c.is_ascii_lowercase()));
    let lower = sent
        .iter()
        .all(|s| !s.chars().any(|c| c.is_ascii_uppercase()));
    let word = match state {
        State::Pending if upper => "INIT",
        State::Pending => return Vec::new(),
        State::Running => "RUNNING",
        State::Succeeded => "SUCCESS",
        State::Failed => "FAIL",
    };
    let value = if upper {
        word.to_owned()
    } else if lower {
        word.to_ascii_lowercase()
    } else {
        let l = word.to_ascii_lowercase();
        format!("{}{}", l[..1].to_ascii_uppercase(), &l[1..])
    };
    vec![value]
}

/// For a status whose values the page does not list (only its examples show some): each
/// empty state list gets the usual value, said to be assumed.
fn assume_usual(lists: &mut [(State, Vec<String>, Vec<String>); 4], sent: &[String]) {
    for (state, values, whys) in lists.iter_mut() {
        if !values.is_empty() {
            continue;
        }
        for v in usual(*state, sent) {
            whys.push(format!(
                "`{v}` assumed: the page lists no values of the status, and `{v}` is what these job APIs usually send (confirm it, e.g. with the service's SDK)"
            ));
            values.push(v);
        }
    }
}

/// A field with its JSON pointer (`*` for every element of an array on the way, `0` for the
/// first element of a list the job itself is in).
#[derive(Debug, Clone)]
struct Located<'m> {
    field: &'m Field,
    pointer: String,
    /// The doc place (`entities.status`).
    place: String,
    /// The example values of the field.
    values: Vec<&'m Value>,
    /// How many arrays are on the way (`*` segments).
    arrays: usize,
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn is_array(f: &Field) -> bool {
    matches!(DocType::parse(&f.type_text), DocType::Array(_))
}

fn is_string(f: &Field) -> bool {
    matches!(DocType::parse(&f.type_text), DocType::String)
}

/// Every field under `fields`, depth first, with pointers relative to them.
fn walk<'m>(
    fields: &'m [Field],
    instances: &[&'m Value],
    pointer: &str,
    place: &str,
    arrays: usize,
    out: &mut Vec<Located<'m>>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    for f in fields {
        let values = values_of(instances, &f.name);
        let p = format!("{pointer}/{}", escape(&f.name));
        let at = if place.is_empty() {
            f.name.clone()
        } else {
            format!("{place}.{}", f.name)
        };
        out.push(Located {
            field: f,
            pointer: p.clone(),
            place: at.clone(),
            values: values.clone(),
            arrays,
        });
        if !f.children.is_empty() {
            let objects = objects_in(&values);
            let (next, n) = if is_array(f) {
                (format!("{p}/*"), arrays + 1)
            } else {
                (p.clone(), arrays)
            };
            walk(&f.children, &objects, &next, &at, n, out, depth + 1);
        }
    }
}

/// The state values of a field: its documented ones, then those its examples send.
fn state_values(l: &Located) -> (Vec<String>, Vec<String>) {
    let documented = l.field.values.clone();
    let mut sent: Vec<String> = l
        .values
        .iter()
        .filter_map(|v| v.as_str())
        .filter(|s| !s.is_empty() && !documented.iter().any(|d| d == s))
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    sent.retain(|s| classify(s).is_some());
    (documented, sent)
}

/// How much a field looks like a job status (0: not at all).
fn status_score(l: &Located) -> i64 {
    if !(is_string(l.field)
        || DocType::parse(&l.field.type_text) == DocType::Unknown(String::new()))
    {
        return 0;
    }
    let (documented, sent) = state_values(l);
    let classes: BTreeSet<State> = documented
        .iter()
        .chain(&sent)
        .filter_map(|v| classify(v).map(|c| c.0))
        .collect();
    let terminal = classes.contains(&State::Succeeded) || classes.contains(&State::Failed);
    if classes.len() < 2 && !(terminal && !sent.is_empty() && documented.is_empty()) {
        return 0;
    }
    if !terminal {
        return 0;
    }
    let n = l.field.name.to_ascii_lowercase();
    let named = match n.as_str() {
        "status" => 30,
        "phase" | "state" => 25,
        _ if n.ends_with("status") || n.ends_with("state") => 15,
        _ => 0,
    };
    let depth = l.pointer.matches('/').count() as i64;
    named + 10 * classes.len() as i64 - 5 * depth - 20 * l.arrays as i64
        + if documented.is_empty() { 0 } else { 10 }
}

/// The four state lists: each state with its values and why each is there.
type Lists = [(State, Vec<String>, Vec<String>); 4];

/// The proposal: the `x-cloudjobs-job` node and comments above it, or only comments saying
/// why there is none. `reviews` collects the summary lines.
pub fn propose(
    model: &DocModel,
    success: &str,
    examples: &[Value],
    widened: &BTreeSet<String>,
    reviews: &mut Vec<(String, String)>,
) -> (Vec<String>, Option<Node>) {
    let Some(response) = model.response(success) else {
        return (Vec::new(), None);
    };
    let instances: Vec<&Value> = examples.iter().collect();
    let mut all = Vec::new();
    walk(&response.fields, &instances, "", "", 0, &mut all, 0);
    let mut p = Proposal {
        all: &all,
        widened,
        place: format!("response {success} "),
        reviews,
    };
    let Some(status) = p.status() else {
        return (vec![p.no_status()], None);
    };
    let job = Job::new(&p, status);
    let mut m = MapBuilder::new();
    let (documented, sent) = state_values(status);
    p.put_status(&job, &documented, &mut m);
    p.put_job_id_param(model, &mut m);
    let (lists, unplaced) = state_lists(&documented, &sent);
    if let Some(c) = p.missing_states(status, &lists, &documented, &sent) {
        return (vec![c], None);
    }
    p.put_lists(status, &lists, &sent, &mut m);
    let comments = p.unplaced(status, &unplaced);
    p.put_pointers(&job, &mut m);
    let sub = job.subtask_array(&all);
    let mut resources = p.resources(&job, sub);
    let sub_node = sub.and_then(|s| p.subtasks(&job, s, &lists, &mut resources));
    p.put_resources(resources, &mut m);
    if let Some(n) = sub_node {
        m.put("subtasks", n);
    }
    (comments, Some(m.build()))
}

/// The four state lists of a status's values (documented, then sent), and those left over.
fn state_lists(documented: &[String], sent: &[String]) -> (Lists, Vec<String>) {
    let mut lists: Lists = [
        (State::Pending, Vec::new(), Vec::new()),
        (State::Running, Vec::new(), Vec::new()),
        (State::Succeeded, Vec::new(), Vec::new()),
        (State::Failed, Vec::new(), Vec::new()),
    ];
    let mut unplaced = Vec::new();
    for v in documented.iter().chain(sent) {
        match classify(v) {
            Some((s, why)) => {
                let slot = lists.iter_mut().find(|(k, _, _)| *k == s).expect("a list");
                slot.1.push(v.clone());
                slot.2.push(format!("`{v}` {why}"));
            }
            None => unplaced.push(v.clone()),
        }
    }
    // Values the page lists are trusted as the whole set (a resource's status such as
    // `creating`/`available`/`error` is no job's); only a status it lists none of gets the
    // usual ones.
    if documented.is_empty() {
        assume_usual(&mut lists, sent);
    }
    (lists, unplaced)
}

/// Values as a comment lists them: `a`, `b`.
fn quoted<'v>(values: impl IntoIterator<Item = &'v String>) -> String {
    values
        .into_iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a field's type can carry a progress (a string or a number).
fn progress_type(f: &Field) -> bool {
    matches!(
        DocType::parse(&f.type_text),
        DocType::String | DocType::Integer(_) | DocType::Number
    )
}

/// Whether a field is named like the id of what a job works on, not like the job's own.
fn resource_like(f: &Field, parent: &str) -> bool {
    let n = f.name.to_ascii_lowercase();
    let own = [
        "job_id",
        "task_id",
        "project_id",
        "domain_id",
        "tenant_id",
        "user_id",
        "request_id",
        "jobid",
        "taskid",
        "uid",
        "sub_job_id",
    ];
    if own.contains(&n.as_str()) || !is_string(f) && !is_array(f) {
        return false;
    }
    let idish =
        n.ends_with("_id") || n.ends_with("id") && f.name.ends_with("ID") || f.name.ends_with("Id");
    let ids = is_array(f) && (n.ends_with("_ids") || n.ends_with("ids"));
    let object_id = n == "id"
        && [
            "instance", "resource", "server", "volume", "cluster", "image", "node",
        ]
        .iter()
        .any(|o| parent.to_ascii_lowercase().ends_with(o));
    idish || ids || object_id
}

impl Located<'_> {
    /// The doc place of the object the field is in (empty at the top).
    fn parent(&self) -> &str {
        self.place.rsplit_once('.').map_or("", |(p, _)| p)
    }
}

/// A proposal being made: the response's fields, those widened (which no pointer reads), and
/// the review lines written so far.
struct Proposal<'a, 'm> {
    all: &'a [Located<'m>],
    widened: &'a BTreeSet<String>,
    /// The response's place (`response 200 `).
    place: String,
    reviews: &'a mut Vec<(String, String)>,
}

impl<'a, 'm> Proposal<'a, 'm> {
    /// Records why the draft guessed at the place `at`, and returns it as a comment.
    fn review(&mut self, at: &str, why: String) -> String {
        self.reviews
            .push((format!("{}{at}", self.place), why.clone()));
        format!("review: {why}")
    }

    /// Whether a field's schema accepts more than the page's type, so no pointer reads it.
    fn is_widened(&self, l: &Located) -> bool {
        self.widened.contains(&format!("{}{}", self.place, l.place))
    }

    /// The field that looks most like the job status, if any does.
    fn status(&self) -> Option<&'a Located<'m>> {
        self.all
            .iter()
            .map(|l| (l, status_score(l)))
            .filter(|(l, s)| *s > 0 && !self.is_widened(l))
            .max_by_key(|(l, s)| (*s, -(l.pointer.len() as i64)))
            .map(|(l, _)| l)
    }

    /// The review saying why there is no proposal when no field looks like a job status.
    fn no_status(&mut self) -> String {
        let named = self
            .all
            .iter()
            .find(|l| l.field.name.eq_ignore_ascii_case("status") && l.arrays == 0);
        let why = match named {
            Some(l) => format!(
                "no field lists values that look like job states, so no x-cloudjobs-job; `{}` may be the status: add one by hand if this is a job query",
                l.pointer
            ),
            None => "no field lists values that look like job states: not a job query, so no x-cloudjobs-job".into(),
        };
        self.review("", why)
    }

    /// Puts the `status` pointer, saying why that field and how a job in a list is read.
    fn put_status(&mut self, job: &Job, documented: &[String], m: &mut MapBuilder) {
        let status = job.status;
        let mut status_comments = vec![self.review(
            &status.place,
            format!(
                "`{}` is the field whose {} look like job states",
                status.place,
                if documented.is_empty() {
                    "example values"
                } else {
                    "documented values"
                }
            ),
        )];
        if job.in_list() {
            status_comments.push(self.review(
                &status.place,
                "the job comes in a list: the first element is read (`/0/`)".into(),
            ));
        }
        m.put_with(
            status_comments,
            "status",
            Node::Str(job.fix(&status.pointer)),
        );
    }

    /// Puts `job_id_param`: the parameter carrying the job id (none when it is `job_id`).
    fn put_job_id_param(&mut self, model: &DocModel, m: &mut MapBuilder) {
        let path_params: Vec<&str> = model
            .parameters
            .iter()
            .filter(|p| p.location == "path" && p.name != "project_id")
            .map(|p| p.name.as_str())
            .collect();
        let id_param = if model.parameters.iter().any(|p| p.name == "job_id") {
            None
        } else if let Some(last) = path_params.last() {
            Some(*last)
        } else {
            model
                .parameters
                .iter()
                .filter(|p| p.location == "query")
                .map(|p| p.name.as_str())
                .find(|n| matches!(*n, "id" | "job_id" | "task_id" | "jobId" | "taskId"))
        };
        if let Some(p) = id_param {
            let c = self.review(
                "",
                format!("`{p}` is taken as the parameter that carries the job id"),
            );
            m.put_with(vec![c], "job_id_param", Node::Str(p.to_owned()));
        }
    }

    /// The review saying why there is no proposal when a state but pending has no value.
    fn missing_states(
        &mut self,
        status: &Located,
        lists: &Lists,
        documented: &[String],
        sent: &[String],
    ) -> Option<String> {
        let missing: Vec<&str> = lists[1..]
            .iter()
            .filter(|(_, v, _)| v.is_empty())
            .map(|(s, _, _)| s.key())
            .collect();
        if missing.is_empty() {
            return None;
        }
        Some(self.review(
            &status.place,
            format!(
                "`{}` looks like the job status ({}), but no value is {}: no x-cloudjobs-job proposed; write one by hand",
                status.pointer,
                quoted(documented.iter().chain(sent)),
                missing.join(" or ")
            ),
        ))
    }

    /// Puts the four state lists, saying why each value is there and which only examples send.
    fn put_lists(&mut self, status: &Located, lists: &Lists, sent: &[String], m: &mut MapBuilder) {
        for (state, values, whys) in lists {
            let mut c = Vec::new();
            if !values.is_empty() {
                c.push(self.review(&status.place, whys.join("; ")));
            }
            let from_examples: Vec<&String> = values.iter().filter(|v| sent.contains(v)).collect();
            if !from_examples.is_empty() {
                c.push(self.review(
                    &status.place,
                    format!(
                        "{} only in the page's examples, not in its table",
                        quoted(from_examples)
                    ),
                ));
            }
            m.put_with(c, state.key(), Node::Flow(values.clone()));
        }
    }

    /// The comment on the status values in no list, if there are any.
    fn unplaced(&mut self, status: &Located, unplaced: &[String]) -> Vec<String> {
        if unplaced.is_empty() {
            return Vec::new();
        }
        vec![self.review(
            &status.place,
            format!(
                "{} in no list (read as unknown: never terminal); place them",
                quoted(unplaced)
            ),
        )]
    }

    /// Puts the pointers found by name: the job's id, progress, error code and reason.
    fn put_pointers(&mut self, job: &Job, m: &mut MapBuilder) {
        self.put_named(
            job,
            "id",
            &["job_id", "task_id", "jobId", "taskId", "id", "uid"],
            is_string,
            m,
        );
        self.put_named(
            job,
            "progress",
            &["progress", "process", "percent", "percentage"],
            progress_type,
            m,
        );
        self.put_named(
            job,
            "error_code",
            &[
                "error_code",
                "errorCode",
                "fail_code",
                "failed_code",
                "err_code",
            ],
            is_string,
            m,
        );
        self.put_named(
            job,
            "error_reason",
            &[
                "fail_reason",
                "failed_reason",
                "fail_msg",
                "error_msg",
                "error_message",
                "errorMessage",
                "failed_detail",
                "reason",
            ],
            is_string,
            m,
        );
    }

    /// Puts `key`: the pointer of the job's field of one of `names`, if there is one.
    fn put_named(
        &mut self,
        job: &Job,
        key: &str,
        names: &[&str],
        want: fn(&Field) -> bool,
        m: &mut MapBuilder,
    ) {
        if let Some(l) = job.find(names, want) {
            let c = self.review(&l.place, format!("`{}` by its name", l.place));
            m.put_with(vec![c], key, Node::Str(job.fix(&l.pointer)));
        }
    }

    /// The ids of what the job works on, as (pointer, place), in the job but its sub-tasks.
    fn resources(&self, job: &Job, sub: Option<&Located>) -> Vec<(String, String)> {
        let mut resources = Vec::new();
        for l in &job.fields {
            let rel_depth = job.depth_of(l);
            if !(2..=3).contains(&rel_depth) {
                continue;
            }
            if sub.is_some_and(|s| l.pointer.starts_with(&s.pointer)) {
                continue;
            }
            resources.extend(job.resource(l));
        }
        // Ids in the elements of a list of the job that is not its sub-tasks (`results`).
        for l in self.all.iter().filter(|l| {
            l.arrays == job.status.arrays + 1
                && job.contains(l)
                && l.pointer.rsplit('/').nth(1) == Some("*")
                && job.depth_of(l) <= 4
                && !self.is_widened(l)
                && sub.is_none_or(|s| !l.pointer.starts_with(&format!("{}/", s.pointer)))
        }) {
            if !is_array(l.field) {
                resources.extend(job.resource(l));
            }
        }
        resources
    }

    /// Puts `resources`, saying which fields they are.
    fn put_resources(&mut self, resources: Vec<(String, String)>, m: &mut MapBuilder) {
        if resources.is_empty() {
            return;
        }
        let c = self.review(
            "",
            format!(
                "resources: the ids of {} (fields named like ids of what the job works on)",
                resources
                    .iter()
                    .map(|(_, p)| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        m.put_with(
            vec![c],
            "resources",
            Node::Seq(
                resources
                    .into_iter()
                    .map(|(p, _)| (vec![], Node::Str(p)))
                    .collect(),
            ),
        );
    }

    /// The `subtasks` node of the array `s` if its elements have a status; ids to `resources`.
    fn subtasks(
        &mut self,
        job: &Job,
        s: &'a Located<'m>,
        lists: &Lists,
        resources: &mut Vec<(String, String)>,
    ) -> Option<Node> {
        let items = job.fix(&s.pointer);
        let sub = Subtasks::new(self, s);
        let st = sub.pick(&["status", "state", "phase"], is_string)?;
        let mut sm = MapBuilder::new();
        let c = self.review(
            &s.place,
            format!("`{}` is an array of sub-tasks with a status", s.place),
        );
        sm.put_with(vec![c], "items", Node::Str(items));
        self.put_sub_total(job, s, &mut sm);
        sub.put_fields(st, &mut sm);
        self.put_sub_states(st, lists, &mut sm);
        resources.extend(sub.resources(job));
        Some(sm.build())
    }

    /// Puts the sub-tasks' `total`: the job's field counting them.
    fn put_sub_total(&mut self, job: &Job, s: &Located, sm: &mut MapBuilder) {
        let total_name = format!("{}_total", s.field.name);
        if let Some(t) = job.fields.iter().find(|l| {
            l.field.name == total_name
                || (l.field.name.ends_with("_total")
                    && l.pointer.rsplit_once('/').map(|x| x.0)
                        == s.pointer.rsplit_once('/').map(|x| x.0))
        }) {
            let c = self.review(&t.place, format!("`{}`: the count of sub-tasks", t.place));
            sm.put_with(vec![c], "total", Node::Str(job.fix(&t.pointer)));
        }
    }

    /// Puts the sub-tasks' own state lists when their status values differ from the job's.
    fn put_sub_states(&mut self, st: &Located, lists: &Lists, sm: &mut MapBuilder) {
        // Sub-task states: the job's lists unless its values differ.
        let sub_values: Vec<String> = st
            .field
            .values
            .iter()
            .cloned()
            .chain(
                st.values
                    .iter()
                    .filter_map(|v| v.as_str())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            )
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let known: BTreeSet<&String> = lists.iter().flat_map(|(_, v, _)| v).collect();
        if !sub_values.iter().any(|v| !known.contains(v)) {
            return;
        }
        let mut sub_lists: Vec<(State, Vec<String>)> = vec![
            (State::Pending, vec![]),
            (State::Running, vec![]),
            (State::Succeeded, vec![]),
            (State::Failed, vec![]),
        ];
        for v in &sub_values {
            if let Some((s, _)) = classify(v) {
                sub_lists
                    .iter_mut()
                    .find(|(k, _)| *k == s)
                    .expect("list")
                    .1
                    .push(v.clone());
            }
        }
        let c = self.review(
            &st.place,
            "the sub-task values differ from the job's: own lists, classified the same way".into(),
        );
        let mut first = true;
        for (state, values) in sub_lists {
            if values.is_empty() && state != State::Pending {
                continue;
            }
            let cs = if first { vec![c.clone()] } else { vec![] };
            first = false;
            sm.put_with(cs, state.key(), Node::Flow(values));
        }
    }
}

/// The job object around the status field: where it is and its fields.
struct Job<'a, 'm> {
    status: &'a Located<'m>,
    /// The job object's pointer (empty: the body).
    pointer: String,
    /// Fields of the job object (below its pointer, with no further array on the way, none
    /// widened).
    fields: Vec<&'a Located<'m>>,
}

impl<'a, 'm> Job<'a, 'm> {
    /// The job object of the status field `status`, with its fields.
    fn new(p: &Proposal<'a, 'm>, status: &'a Located<'m>) -> Self {
        let pointer = job_pointer(status);
        let fields = p
            .all
            .iter()
            .filter(|l| {
                l.pointer.starts_with(&format!("{pointer}/"))
                    && l.arrays == status.arrays
                    && !p.is_widened(l)
            })
            .collect();
        Job {
            status,
            pointer,
            fields,
        }
    }

    /// Whether the job comes in a list.
    fn in_list(&self) -> bool {
        self.status.arrays > 0
    }

    /// A pointer as the job reads it: a `*` of a list the job is in becomes `0`.
    fn fix(&self, p: &str) -> String {
        if self.in_list() {
            p.replacen("/*", "/0", 1)
        } else {
            p.to_owned()
        }
    }

    /// Whether a field is below the job object.
    fn contains(&self, l: &Located) -> bool {
        l.pointer.starts_with(&format!("{}/", self.pointer))
    }

    /// How many levels below the job object a field is (99: not below it).
    fn depth_of(&self, l: &Located) -> usize {
        l.pointer
            .strip_prefix(&self.pointer)
            .map_or(99, |r| r.matches('/').count())
    }

    /// The job's field of the first of `names` of a wanted type, two levels down at most.
    fn find(&self, names: &[&str], want: fn(&Field) -> bool) -> Option<&'a Located<'m>> {
        for n in names {
            let mut hits: Vec<&&Located> = self
                .fields
                .iter()
                .filter(|l| l.field.name.eq_ignore_ascii_case(n) && want(l.field))
                .collect();
            hits.sort_by_key(|l| self.depth_of(l));
            if let Some(h) = hits.first()
                && self.depth_of(h) <= 2
            {
                return Some(h);
            }
        }
        None
    }

    /// The array of sub-tasks: an array in the job whose elements have a status.
    fn subtask_array(&self, all: &'a [Located<'m>]) -> Option<&'a Located<'m>> {
        let mut subs: Vec<&Located> = all
            .iter()
            .filter(|l| {
                self.contains(l)
                    && l.arrays == self.status.arrays
                    && is_array(l.field)
                    && l.field.children.iter().any(|c| {
                        matches!(
                            c.name.to_ascii_lowercase().as_str(),
                            "status" | "state" | "phase"
                        )
                    })
            })
            .collect();
        // Arrays named as sub-jobs first (`sub_jobs_result` before `results`).
        subs.sort_by_key(|l| !l.field.name.to_ascii_lowercase().contains("sub"));
        subs.first().copied()
    }

    /// The (pointer, place) of a field named like the id of what the job works on.
    fn resource(&self, l: &Located) -> Option<(String, String)> {
        if !resource_like(l.field, l.parent()) {
            return None;
        }
        let p = if is_array(l.field) {
            format!("{}/*", self.fix(&l.pointer))
        } else {
            self.fix(&l.pointer)
        };
        Some((p, l.place.clone()))
    }
}

/// The job object's pointer: the status's parent, or above a status object (`/status/phase`).
fn job_pointer(status: &Located) -> String {
    let segments: Vec<&str> = status.pointer.split('/').skip(1).collect();
    let parent_ptr = segments[..segments.len() - 1].join("/");
    let parent_ptr = if parent_ptr.is_empty() {
        String::new()
    } else {
        format!("/{parent_ptr}")
    };
    let status_object = segments.len() >= 2
        && matches!(
            status.field.name.to_ascii_lowercase().as_str(),
            "phase" | "state"
        )
        || (segments.len() >= 2 && segments[segments.len() - 2].eq_ignore_ascii_case("status"));
    if status_object {
        let up: Vec<&str> = parent_ptr.split('/').skip(1).collect();
        if up.len() <= 1 {
            String::new()
        } else {
            format!("/{}", up[..up.len() - 1].join("/"))
        }
    } else {
        parent_ptr
    }
}

/// The fields of the elements of a sub-task array, with pointers relative to an element.
struct Subtasks<'a, 'm> {
    array: &'a Located<'m>,
    within: Vec<&'a Located<'m>>,
}

impl<'a, 'm> Subtasks<'a, 'm> {
    /// The fields of the elements of `array` (none widened).
    fn new(p: &Proposal<'a, 'm>, array: &'a Located<'m>) -> Self {
        let within = p
            .all
            .iter()
            .filter(|l| {
                l.pointer.starts_with(&format!("{}/*/", array.pointer))
                    && l.arrays == array.arrays + 1
                    && !p.is_widened(l)
            })
            .collect();
        Subtasks { array, within }
    }

    /// A field's pointer relative to its sub-task.
    fn rel(&self, l: &Located) -> String {
        l.pointer
            .strip_prefix(&format!("{}/*", self.array.pointer))
            .unwrap_or("")
            .to_owned()
    }

    /// How many levels below its sub-task a field is.
    fn depth(&self, l: &Located) -> usize {
        self.rel(l).matches('/').count()
    }

    /// The sub-task's field of the first of `names` (of a type `want` takes) that there is.
    fn pick(&self, names: &[&str], want: fn(&Field) -> bool) -> Option<&'a Located<'m>> {
        // By name, then nearest: a field of the sub-task or of an object in it
        // (`/status/phase`, `/metadata/uid`).
        names.iter().find_map(|n| {
            self.within
                .iter()
                .filter(|l| {
                    l.field.name.eq_ignore_ascii_case(n) && want(l.field) && self.depth(l) <= 2
                })
                .min_by_key(|l| self.depth(l))
                .copied()
        })
    }

    /// Puts the sub-task's pointers: id, name, status `st`, error code and reason.
    fn put_fields(&self, st: &Located, sm: &mut MapBuilder) {
        for (key, names) in [
            (
                "id",
                &["job_id", "task_id", "id", "uid", "jobId", "taskId"][..],
            ),
            (
                "name",
                &[
                    "job_type",
                    "task_type",
                    "type",
                    "name",
                    "task_name",
                    "job_name",
                ][..],
            ),
        ] {
            if let Some(l) = self.pick(names, is_string) {
                sm.put(key, Node::Str(self.rel(l)));
            }
        }
        sm.put("status", Node::Str(self.rel(st)));
        for (key, names) in [
            (
                "error_code",
                &["error_code", "errorCode", "fail_code", "failed_code"][..],
            ),
            (
                "error_reason",
                &[
                    "fail_reason",
                    "failed_reason",
                    "fail_msg",
                    "error_msg",
                    "error_message",
                    "failed_detail",
                    "reason",
                ][..],
            ),
        ] {
            if let Some(l) = self.pick(names, is_string) {
                sm.put(key, Node::Str(self.rel(l)));
            }
        }
    }

    /// The ids of what the sub-tasks work on, as (pointer, place).
    fn resources(&self, job: &Job) -> Vec<(String, String)> {
        self.within
            .iter()
            .filter(|l| self.depth(l) <= 2)
            .filter_map(|l| job.resource(l))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        for (v, s) in [
            ("SUCCESS", State::Succeeded),
            ("FAIL", State::Failed),
            ("RUNNING", State::Running),
            ("INIT", State::Pending),
            ("Completed", State::Succeeded),
            ("Initializing", State::Pending),
            ("EXECUTING", State::Running),
            ("CANCELLED", State::Failed),
            ("partial_failed", State::Failed),
            ("waiting", State::Pending),
            ("ROLLBACK", State::Running),
        ] {
            assert_eq!(classify(v).map(|c| c.0), Some(s), "{v}");
        }
        assert_eq!(classify("createVolume"), None);
    }

    #[test]
    fn usual_values_follow_the_letter_case_of_the_examples() {
        let up = ["SUCCESS".to_owned()];
        assert_eq!(usual(State::Running, &up), ["RUNNING"]);
        assert_eq!(usual(State::Pending, &up), ["INIT"]);
        let low = ["failed".to_owned()];
        assert_eq!(usual(State::Succeeded, &low), ["success"]);
        assert!(usual(State::Pending, &low).is_empty());
        let mixed = ["Completed".to_owned()];
        assert_eq!(usual(State::Failed, &mixed), ["Fail"]);
        let mut lists = [
            (State::Pending, vec![], vec![]),
            (State::Running, vec![], vec![]),
            (State::Succeeded, up.to_vec(), vec!["sent".to_owned()]),
            (State::Failed, vec![], vec![]),
        ];
        assume_usual(&mut lists, &up);
        assert_eq!(lists[2].1, ["SUCCESS"]);
        assert_eq!(lists[3].1, ["FAIL"]);
        assert!(lists[1].2[0].contains("assumed"));
    }
}
