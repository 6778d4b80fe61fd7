//! What every job API has in common: a status that maps to a state, and (where the API
//! reports them) progress, sub-tasks, an error and the resources a job produced.
//!
//! The generator implements [`Job`] for the response type of every operation whose spec has
//! an `x-cloudjobs-job` extension (see `specs/README.md`), so the same code can read and
//! wait for a job of any of the services.

use std::fmt;

/// Which status values mean what, as an `x-cloudjobs-job` extension lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateLists {
    /// Queued, not started.
    pub pending: &'static [&'static str],
    /// In progress.
    pub running: &'static [&'static str],
    /// Finished successfully.
    pub succeeded: &'static [&'static str],
    /// Finished unsuccessfully.
    pub failed: &'static [&'static str],
}

impl StateLists {
    /// The kind of state a status value means, comparing it with the listed values ignoring
    /// ASCII case (the documents themselves mix `SUCCESS` and `success`, and gateways send
    /// either); `Unknown` for values in no list (and for no value at all).
    pub fn classify(&self, status: Option<&str>) -> StateKind {
        let Some(status) = status else {
            return StateKind::Unknown;
        };
        let listed = |values: &[&str]| values.iter().any(|v| v.eq_ignore_ascii_case(status));
        if listed(self.succeeded) {
            StateKind::Succeeded
        } else if listed(self.failed) {
            StateKind::Failed
        } else if listed(self.running) {
            StateKind::Running
        } else if listed(self.pending) {
            StateKind::Pending
        } else {
            StateKind::Unknown
        }
    }
}

/// A percentage sent as text, as some APIs do (`"60"`, `"9%"`, `"60% "`): the number before
/// an optional `%`; `None` for anything else.
pub fn parse_percent(text: &str) -> Option<f64> {
    let text = text.trim();
    let number = text.strip_suffix('%').unwrap_or(text).trim_end();
    number.parse::<f64>().ok().filter(|p| p.is_finite())
}

/// The kind of a [`JobState`], without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateKind {
    /// Queued, not started.
    Pending,
    /// In progress.
    Running,
    /// Finished successfully (terminal).
    Succeeded,
    /// Finished unsuccessfully (terminal).
    Failed,
    /// A status the spec does not list, or none: never terminal.
    Unknown,
}

impl StateKind {
    /// Whether the job has finished, successfully or not.
    pub fn is_terminal(self) -> bool {
        matches!(self, StateKind::Succeeded | StateKind::Failed)
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StateKind::Pending => "pending",
            StateKind::Running => "running",
            StateKind::Succeeded => "succeeded",
            StateKind::Failed => "failed",
            StateKind::Unknown => "unknown",
        })
    }
}

/// The state of a job (or a sub-task), with the status value it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Queued, not started.
    Pending {
        /// The status as sent.
        status: String,
    },
    /// In progress.
    Running {
        /// The status as sent.
        status: String,
    },
    /// Finished successfully.
    Succeeded {
        /// The status as sent.
        status: String,
    },
    /// Finished unsuccessfully.
    Failed {
        /// The status as sent.
        status: String,
        /// The error code, when the API reports one.
        code: Option<String>,
        /// Why it failed, when the API says.
        reason: Option<String>,
    },
    /// A status the spec does not list (`None`: the body had no status). Never terminal:
    /// waiting goes on.
    Unknown {
        /// The status as sent.
        status: Option<String>,
    },
}

impl JobState {
    /// Reads a state from a status and the lists of what each value means.
    pub fn from_status(
        lists: &StateLists,
        status: Option<&str>,
        code: Option<&str>,
        reason: Option<&str>,
    ) -> Self {
        let text = || status.unwrap_or_default().to_owned();
        let present = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
        match lists.classify(status) {
            StateKind::Pending => JobState::Pending { status: text() },
            StateKind::Running => JobState::Running { status: text() },
            StateKind::Succeeded => JobState::Succeeded { status: text() },
            StateKind::Failed => JobState::Failed {
                status: text(),
                code: present(code),
                reason: present(reason),
            },
            StateKind::Unknown => JobState::Unknown {
                status: status.map(str::to_owned),
            },
        }
    }

    /// The kind of state.
    pub fn kind(&self) -> StateKind {
        match self {
            JobState::Pending { .. } => StateKind::Pending,
            JobState::Running { .. } => StateKind::Running,
            JobState::Succeeded { .. } => StateKind::Succeeded,
            JobState::Failed { .. } => StateKind::Failed,
            JobState::Unknown { .. } => StateKind::Unknown,
        }
    }

    /// Whether the job has finished, successfully or not.
    pub fn is_terminal(&self) -> bool {
        self.kind().is_terminal()
    }

    /// The status value as sent.
    pub fn status(&self) -> Option<&str> {
        match self {
            JobState::Pending { status }
            | JobState::Running { status }
            | JobState::Succeeded { status }
            | JobState::Failed { status, .. } => Some(status),
            JobState::Unknown { status } => status.as_deref(),
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobState::Failed {
                status,
                code,
                reason,
            } => {
                write!(f, "failed ({status})")?;
                match (code, reason) {
                    (Some(c), Some(r)) => write!(f, ": {c}: {r}"),
                    (Some(x), None) | (None, Some(x)) => write!(f, ": {x}"),
                    (None, None) => Ok(()),
                }
            }
            JobState::Unknown { status: None } => f.write_str("unknown (no status)"),
            other => write!(
                f,
                "{} ({})",
                other.kind(),
                other.status().unwrap_or_default()
            ),
        }
    }
}

/// How far a job has got.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// A percentage the API reports (0 to 100).
    Percent(f64),
    /// Sub-tasks finished (succeeded or failed) out of all sub-tasks.
    Tasks {
        /// Finished sub-tasks.
        done: u64,
        /// All sub-tasks.
        total: u64,
    },
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Progress::Percent(p) => write!(f, "{p:.0}%"),
            Progress::Tasks { done, total } => write!(f, "{done}/{total} tasks"),
        }
    }
}

/// When a terminal state is believed: how a job API that is known to report an ending too
/// early (success while sub-jobs still run) is confirmed. The spec says so (`confirm` in
/// `x-cloudjobs-job`), the generator implements [`Job::confirm`], the waiter follows it.
///
/// Only the server's state ends a wait; this only asks for more of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Confirm {
    /// The first terminal read ends the wait (the default).
    #[default]
    Once,
    /// `N` consecutive reads of the same terminal state (as Terraform's
    /// `ContinuousTargetOccurence`); 0 and 1 mean [`Confirm::Once`].
    Reads(u32),
    /// Terminal only when every sub-task is terminal too (and the API lists as many as it
    /// announces).
    SubtasksTerminal,
}

/// One sub-task (sub-job) of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubTask {
    /// Its id, when the API reports one.
    pub id: Option<String>,
    /// Its name or type, when the API reports one.
    pub name: Option<String>,
    /// Its state.
    pub state: JobState,
}

impl SubTask {
    /// A sub-task from the values generated code reads out of a response.
    pub fn new(
        lists: &StateLists,
        id: Option<String>,
        name: Option<String>,
        status: Option<&str>,
        code: Option<&str>,
        reason: Option<&str>,
    ) -> Self {
        Self {
            id,
            name,
            state: JobState::from_status(lists, status, code, reason),
        }
    }
}

/// A job as a "job details" response describes it.
///
/// Generated code implements the accessors from the spec's `x-cloudjobs-job` extension; the
/// provided methods ([`Job::state`], [`Job::progress`]) derive the rest.
pub trait Job: fmt::Debug + Send + Sync {
    /// Which status values mean what.
    fn state_lists(&self) -> &'static StateLists;

    /// The status value, as sent.
    fn status(&self) -> Option<&str>;

    /// The job id, when the body carries it.
    fn job_id(&self) -> Option<String> {
        None
    }

    /// The progress percentage, when the API reports one.
    fn percent(&self) -> Option<f64> {
        None
    }

    /// The error code of a failed job, when the API reports one.
    fn error_code(&self) -> Option<String> {
        None
    }

    /// Why the job failed, when the API says.
    fn error_reason(&self) -> Option<String> {
        None
    }

    /// The sub-tasks, when the API reports them.
    fn subtasks(&self) -> Vec<SubTask> {
        Vec::new()
    }

    /// The number of sub-tasks the API announces (which may be more than it lists yet).
    fn subtask_total(&self) -> Option<u64> {
        None
    }

    /// The ids of the resources the job produced (an image, a server, ...).
    fn resource_ids(&self) -> Vec<String> {
        Vec::new()
    }

    /// How a terminal state is confirmed before a wait ends (default [`Confirm::Once`]).
    fn confirm(&self) -> Confirm {
        Confirm::Once
    }

    /// The job's state.
    fn state(&self) -> JobState {
        JobState::from_status(
            self.state_lists(),
            self.status(),
            self.error_code().as_deref(),
            self.error_reason().as_deref(),
        )
    }

    /// The progress: the API's percentage, or else the share of finished sub-tasks.
    fn progress(&self) -> Option<Progress> {
        if let Some(p) = self.percent() {
            return Some(Progress::Percent(p));
        }
        let tasks = self.subtasks();
        let listed = tasks.len() as u64;
        let total = self.subtask_total().unwrap_or(listed).max(listed);
        if total == 0 {
            return None;
        }
        let done = tasks.iter().filter(|t| t.state.is_terminal()).count() as u64;
        Some(Progress::Tasks { done, total })
    }
}

impl<T: Job, H: fmt::Debug + Send + Sync> Job for super::Response<T, H> {
    fn state_lists(&self) -> &'static StateLists {
        self.body().state_lists()
    }
    fn status(&self) -> Option<&str> {
        self.body().status()
    }
    fn job_id(&self) -> Option<String> {
        self.body().job_id()
    }
    fn percent(&self) -> Option<f64> {
        self.body().percent()
    }
    fn error_code(&self) -> Option<String> {
        self.body().error_code()
    }
    fn error_reason(&self) -> Option<String> {
        self.body().error_reason()
    }
    fn subtasks(&self) -> Vec<SubTask> {
        self.body().subtasks()
    }
    fn subtask_total(&self) -> Option<u64> {
        self.body().subtask_total()
    }
    fn resource_ids(&self) -> Vec<String> {
        self.body().resource_ids()
    }
    fn confirm(&self) -> Confirm {
        self.body().confirm()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTS: StateLists = StateLists {
        pending: &["INIT"],
        running: &["RUNNING"],
        succeeded: &["SUCCESS"],
        failed: &["FAIL"],
    };

    #[test]
    fn percentages_sent_as_text() {
        assert_eq!(parse_percent("60"), Some(60.0));
        assert_eq!(parse_percent(" 9% "), Some(9.0));
        assert_eq!(parse_percent("60% "), Some(60.0));
        assert_eq!(parse_percent("12.5 %"), Some(12.5));
        assert_eq!(parse_percent(""), None);
        assert_eq!(parse_percent("%"), None);
        assert_eq!(parse_percent("NaN"), None);
        assert_eq!(parse_percent("half"), None);
    }

    /// Before the fix `success` for a listed `SUCCESS` was unknown, and a wait never ended.
    #[test]
    fn listed_values_match_ignoring_ascii_case() {
        let lists = StateLists {
            pending: &["INIT"],
            running: &["RUNNING"],
            succeeded: &["SUCCESS"],
            failed: &["FAIL"],
        };
        for (status, kind) in [
            ("success", StateKind::Succeeded),
            ("Success", StateKind::Succeeded),
            ("fail", StateKind::Failed),
            ("running", StateKind::Running),
            ("init", StateKind::Pending),
            ("successful", StateKind::Unknown),
            (" SUCCESS", StateKind::Unknown),
            ("ſuccess", StateKind::Unknown),
        ] {
            assert_eq!(lists.classify(Some(status)), kind, "{status}");
        }
        // The raw value is kept as sent.
        let state = JobState::from_status(&lists, Some("success"), None, None);
        assert_eq!(state.status(), Some("success"));
        assert!(state.is_terminal());
    }

    #[test]
    fn unknown_is_never_terminal() {
        assert_eq!(LISTS.classify(Some("PAUSED")), StateKind::Unknown);
        assert_eq!(LISTS.classify(None), StateKind::Unknown);
        assert!(!JobState::from_status(&LISTS, Some("SUCCEEDED"), None, None).is_terminal());
    }

    #[test]
    fn failed_keeps_code_and_reason() {
        let s = JobState::from_status(&LISTS, Some("FAIL"), Some("IMS.0001"), Some(""));
        assert_eq!(
            s,
            JobState::Failed {
                status: "FAIL".into(),
                code: Some("IMS.0001".into()),
                reason: None
            }
        );
        assert_eq!(s.to_string(), "failed (FAIL): IMS.0001");
    }
}
