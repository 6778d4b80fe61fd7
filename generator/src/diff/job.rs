//! The job semantics (`x-cloudjobs-job`) of an operation, compared as lowering reads them
//! ([`JobSpec`]): which status values mean what, and where the accessors read.

use std::collections::BTreeSet;

use super::{At, Change, ChangeKind, Impact, Pair, Scope, change};
use crate::ir::{Api, Confirm, JobSpec, StateLists, SubtaskSpec, Unlisted};

/// The pointers of a job or of one sub-task, by the extension's key.
struct Reads<'a> {
    states: &'a StateLists,
    pointers: [(&'static str, Option<&'a str>); 8],
    resources: Vec<&'a str>,
}

impl<'a> Reads<'a> {
    fn job(job: &'a JobSpec) -> Self {
        let p = |a: &'a Option<crate::ir::Access>| a.as_ref().map(|a| a.pointer.as_str());
        Self {
            states: &job.states,
            pointers: [
                ("status", Some(job.status.pointer.as_str())),
                ("id", p(&job.id)),
                ("progress", p(&job.progress)),
                ("error_code", p(&job.error_code)),
                ("error_reason", p(&job.error_reason)),
                ("items", None),
                ("total", None),
                ("name", None),
            ],
            resources: job.resources.iter().map(|a| a.pointer.as_str()).collect(),
        }
    }

    fn subtask(s: &'a SubtaskSpec) -> Self {
        let p = |a: &'a Option<crate::ir::Access>| a.as_ref().map(|a| a.pointer.as_str());
        Self {
            states: &s.states,
            pointers: [
                ("status", Some(s.status.pointer.as_str())),
                ("id", p(&s.id)),
                ("progress", None),
                ("error_code", p(&s.error_code)),
                ("error_reason", p(&s.error_reason)),
                ("items", Some(s.items.pointer.as_str())),
                ("total", p(&s.total)),
                ("name", p(&s.name)),
            ],
            resources: Vec::new(),
        }
    }
}

const STATES: [&str; 4] = ["pending", "running", "succeeded", "failed"];

fn lists(s: &StateLists) -> [&[String]; 4] {
    [&s.pending, &s.running, &s.succeeded, &s.failed]
}

/// The state a status value means (`None`: unknown, never terminal).
fn state_of(s: &StateLists, value: &str) -> Option<&'static str> {
    STATES
        .into_iter()
        .zip(lists(s))
        .find(|(_, list)| list.iter().any(|x| x == value))
        .map(|(state, _)| state)
}

/// Compares the job semantics of two versions of an operation.
pub(super) fn diff_job(jobs: Pair<Option<&JobSpec>>, changes: &mut Vec<Change>) {
    let push = |changes: &mut Vec<Change>, path: &str, description: &str, impact| {
        changes.push(change(
            At::new(Scope::Job, "", path),
            ChangeKind::JobChanged,
            Pair::new(None, None),
            description.to_owned(),
            impact,
        ));
    };
    match (jobs.old, jobs.new) {
        (None, None) => {}
        (None, Some(_)) => push(
            changes,
            "",
            "added: the operation is a job's details call",
            Impact::compatible("its success body can be waited on as a job"),
        ),
        (Some(_), None) => push(
            changes,
            "",
            "removed",
            Impact::rust("code waiting on its success body as a job stops compiling"),
        ),
        (Some(a), Some(b)) => {
            let reads = Pair::new(Reads::job(a), Reads::job(b));
            diff_reads(&reads, "", changes);
            diff_subtasks(Pair::new(a.subtasks.as_ref(), b.subtasks.as_ref()), changes);
            if a.confirm != b.confirm {
                changes.push(change(
                    At::new(Scope::Job, "", "confirm"),
                    ChangeKind::JobChanged,
                    Pair::new(Some(confirm_word(a.confirm)), Some(confirm_word(b.confirm))),
                    "when a terminal read ends a wait changed".into(),
                    Impact::compatible("waits end on another rule; nothing stops compiling"),
                ));
            }
        }
    }
}

/// Status values the new version documents that no state list names, where the old version
/// named them or did not have them: a job in such a state waits as `unknown` until its
/// deadline (the rule of [`JobSpec::unlisted_states`], which `regen` warns about too).
pub(super) fn diff_unlisted(
    apis: Pair<&Api>,
    jobs: Pair<Option<&JobSpec>>,
    changes: &mut Vec<Change>,
) {
    let unlisted = |api: &Api, job: Option<&JobSpec>| -> Vec<Unlisted> {
        job.map(|j| j.unlisted_states(|id| api.types.get(id).map(|t| &t.kind)))
            .unwrap_or_default()
    };
    let old = unlisted(apis.old, jobs.old);
    for u in unlisted(apis.new, jobs.new) {
        let before = old.iter().find(|o| o.subtasks == u.subtasks);
        let (path, whose) = match u.subtasks {
            true => ("subtasks.status", "a sub-task"),
            false => ("status", "a job"),
        };
        for value in &u.values {
            if before.is_some_and(|b| b.values.contains(value)) {
                continue;
            }
            changes.push(change(
                At::new(Scope::Job, "", path),
                ChangeKind::JobChanged,
                Pair::new(None, Some(value.clone())),
                format!(
                    "status value `{value}` of `{}` is in no state list (pending, running, succeeded, failed)",
                    u.pointer
                ),
                Impact::wire(format!(
                    "{whose} in that state is waited on as unknown until the deadline: add it to a state list"
                )),
            ));
        }
    }
}

/// `confirm` as a spec writes it.
fn confirm_word(confirm: Confirm) -> String {
    match confirm {
        Confirm::Once => "1 (the first terminal read)".into(),
        Confirm::Reads(n) => format!("{n} consecutive terminal reads"),
        Confirm::SubtasksTerminal => "subtasks (every sub-task terminal)".into(),
    }
}

fn diff_subtasks(subtasks: Pair<Option<&SubtaskSpec>>, changes: &mut Vec<Change>) {
    let (description, note) = match (subtasks.old, subtasks.new) {
        (Some(x), Some(y)) => {
            let reads = Pair::new(Reads::subtask(x), Reads::subtask(y));
            return diff_reads(&reads, "sub-task ", changes);
        }
        (None, None) => return,
        (None, Some(_)) => ("sub-tasks added", "the job's sub-tasks can be listed"),
        (Some(_), None) => ("sub-tasks removed", "the job lists no sub-tasks any more"),
    };
    changes.push(change(
        At::new(Scope::Job, "", "subtasks"),
        ChangeKind::JobChanged,
        Pair::new(None, None),
        description.into(),
        Impact::compatible(note),
    ));
}

fn job_change(values: Pair<Option<String>>, description: String, note: String) -> Change {
    change(
        At::new(Scope::Job, "", ""),
        ChangeKind::JobChanged,
        values,
        description,
        Impact::compatible(note),
    )
}

/// States, pointers and resources of a job (`prefix` empty) or of its sub-tasks.
fn diff_reads(reads: &Pair<Reads<'_>>, prefix: &str, changes: &mut Vec<Change>) {
    let states = Pair::new(reads.old.states, reads.new.states);
    let mut seen = BTreeSet::new();
    for i in 0..STATES.len() {
        let values = lists(states.old)[i].iter().chain(lists(states.new)[i]);
        for value in values {
            if !seen.insert(value.clone()) {
                continue;
            }
            let (x, y) = (state_of(states.old, value), state_of(states.new, value));
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
            changes.push(job_change(
                Pair::new(Some(word(x)), Some(word(y))),
                format!("{prefix}status {value:?}: {} → {}", word(x), word(y)),
                note,
            ));
        }
    }
    let whose = if prefix.is_empty() {
        "the job's"
    } else {
        "each sub-task's"
    };
    for ((key, x), (_, y)) in reads.old.pointers.iter().zip(&reads.new.pointers) {
        if x == y {
            continue;
        }
        let text = |v: &Option<&str>| v.unwrap_or("none").to_owned();
        let note = match y {
            None => format!("{whose} `{key}` is no longer read"),
            Some(p) => format!("{whose} `{key}` is now read from {p}"),
        };
        changes.push(job_change(
            Pair::new(x.map(str::to_owned), y.map(str::to_owned)),
            format!("{prefix}`{key}` pointer {} → {}", text(x), text(y)),
            note,
        ));
    }
    if reads.old.resources != reads.new.resources {
        let text = |list: &[&str]| {
            if list.is_empty() {
                "none".to_owned()
            } else {
                format!("[{}]", list.join(", "))
            }
        };
        let (a, b) = (text(&reads.old.resources), text(&reads.new.resources));
        changes.push(job_change(
            Pair::new(Some(a.clone()), Some(b.clone())),
            format!("{prefix}`resources` {a} → {b}"),
            format!("{whose} resource ids are read from other places"),
        ));
    }
}
