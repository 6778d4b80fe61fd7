//! What the command line prints: a job as text or JSON, and the progress of a wait.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Duration;

use cloudjobs::runtime::wait::{Eta, WaitEvent};
use cloudjobs::runtime::{Job, JobState, Progress, Response};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use serde_json::{Value, json};

use super::args::Format;
use super::service::Service;

/// A job as the command line shows it.
pub struct Shown<'a, B> {
    /// The service.
    pub service: Service,
    /// The job id asked for.
    pub job_id: &'a str,
    /// The response.
    pub job: &'a Response<B>,
}

impl<B: Job + Serialize> Shown<'_, B> {
    /// The job as JSON: the fields every service has, then the response body as sent.
    pub fn json(&self) -> Value {
        let job = self.job;
        let state = job.state();
        json!({
            "service": self.service.name,
            "module": self.service.module,
            "job_id": job.job_id().unwrap_or_else(|| self.job_id.to_owned()),
            "state": state.kind().to_string(),
            "status": state.status(),
            "terminal": state.is_terminal(),
            "progress": progress_json(job.progress()),
            "error_code": job.error_code(),
            "error_reason": job.error_reason(),
            "resources": resources(job),
            "subtasks": job.subtasks().iter().map(|t| json!({
                "id": t.id,
                "name": t.name,
                "state": t.state.kind().to_string(),
                "status": t.state.status(),
                "error": match &t.state {
                    JobState::Failed { code, reason, .. } => json!({"code": code, "reason": reason}),
                    _ => Value::Null,
                },
            })).collect::<Vec<_>>(),
            "request_id": job.request_id(),
        })
    }

    /// [`Shown::json`] with `extra` fields (`outcome`, `message`), then `"response"`: the body
    /// exactly as the server sent it (unknown fields and `null`s included), as pretty JSON.
    pub fn json_text(&self, extra: &[(&str, Value)]) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            fields: Value,
            response: Body<'a>,
        }
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Body<'a> {
            Sent(&'a serde_json::value::RawValue),
            Decoded(Value),
        }
        let mut fields = self.json();
        if let Some(map) = fields.as_object_mut() {
            for (name, value) in extra {
                map.insert((*name).to_owned(), value.clone());
            }
        }
        let response = serde_json::from_slice(self.job.raw_body())
            .map(Body::Sent)
            .unwrap_or_else(|_| {
                Body::Decoded(serde_json::to_value(self.job.body()).unwrap_or(Value::Null))
            });
        serde_json::to_string_pretty(&Out { fields, response }).unwrap_or_default()
    }

    /// [`Shown::json`] with `extra` fields, then `"response"`: the body as sent, read as a
    /// JSON value (unknown fields and `null`s included), for YAML.
    pub fn data(&self, extra: &[(&str, Value)]) -> Value {
        let mut fields = self.json();
        if let Some(map) = fields.as_object_mut() {
            for (name, value) in extra {
                map.insert((*name).to_owned(), value.clone());
            }
            let response = serde_json::from_slice(self.job.raw_body())
                .unwrap_or_else(|_| serde_json::to_value(self.job.body()).unwrap_or(Value::Null));
            map.insert("response".to_owned(), response);
        }
        fields
    }

    /// `-f value`: bare values, one a line, always in this order: the job id, the state
    /// (`running`), the status as sent (empty when none), the progress (`50%`, `3/4 tasks`;
    /// empty when none), then each resource id.
    pub fn values(&self) -> String {
        let job = self.job;
        let state = job.state();
        let mut out = String::new();
        let id = job.job_id().unwrap_or_else(|| self.job_id.to_owned());
        let _ = writeln!(out, "{}", safe(&id));
        let _ = writeln!(out, "{}", state.kind());
        let _ = writeln!(out, "{}", safe(state.status().unwrap_or_default()));
        let _ = writeln!(
            out,
            "{}",
            job.progress().map(|p| p.to_string()).unwrap_or_default()
        );
        for resource in resources(job) {
            let _ = writeln!(out, "{}", safe(&resource));
        }
        out
    }

    /// The job as text, one `name: value` line each.
    pub fn text(&self) -> String {
        let job = self.job;
        let mut out = String::new();
        // Every value below comes from the server: escaped, so that it cannot move the
        // cursor, retitle the terminal or fake a line of output.
        let id = job.job_id().unwrap_or_else(|| self.job_id.to_owned());
        let _ = writeln!(out, "job:       {} ({})", safe(&id), self.service.title);
        let _ = writeln!(out, "state:     {}", safe(&job.state().to_string()));
        if let Some(p) = job.progress() {
            let _ = writeln!(out, "progress:  {p}");
        }
        let resources = resources(job);
        if !resources.is_empty() {
            let _ = writeln!(out, "resources: {}", safe(&resources.join(", ")));
        }
        let tasks = job.subtasks();
        if !tasks.is_empty() {
            let _ = writeln!(out, "sub-tasks:");
            for t in tasks {
                let label = [t.id.as_deref(), t.name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let label = if label.is_empty() {
                    "-".to_owned()
                } else {
                    label
                };
                let _ = writeln!(out, "  {}: {}", safe(&label), safe(&t.state.to_string()));
            }
        }
        if let Some(id) = job.request_id() {
            let _ = writeln!(out, "request:   {}", safe(id));
        }
        out
    }
}

impl<B: Job> Shown<'_, B> {
    /// When the job has no status at all (the status pointer of the spec found nothing: the
    /// server sent another shape), a warning saying so, with the body's top-level fields.
    pub fn no_status_warning(&self) -> Option<String> {
        if !matches!(self.job.state(), JobState::Unknown { status: None }) {
            return None;
        }
        let fields = serde_json::from_slice::<Value>(self.job.raw_body())
            .ok()
            .and_then(|v| {
                v.as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
            })
            .unwrap_or_default();
        Some(format!(
            "warning: {} {}: the response has no job status where the spec's status pointer \
             (x-cloudjobs-job of {}) points, so the job's state is unknown; the server may \
             send another shape than the spec says (top-level fields: {})",
            self.service.name,
            self.service.operation,
            self.service.module,
            if fields.is_empty() { "none" } else { &fields },
        ))
    }
}

/// The job's resource ids, each once, in the order first named (a job and its sub-tasks
/// often name the same one).
fn resources<B: Job>(job: &Response<B>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    job.resource_ids()
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

fn progress_json(progress: Option<Progress>) -> Value {
    match progress {
        None => Value::Null,
        Some(Progress::Percent(p)) => json!({ "percent": p }),
        Some(Progress::Tasks { done, total }) => json!({ "done": done, "total": total }),
    }
}

/// Shows a wait's progress on standard error: a live bar on a terminal, else one line per
/// state change (and per tolerated error).
pub struct Reporter {
    bar: Option<ProgressBar>,
    service: Service,
    job_id: String,
    /// Whether the job's missing status was reported (once per wait).
    warned_no_status: bool,
    /// The waiter's latest estimate of the job's end.
    eta: Option<Eta>,
    /// The tolerated error last reported (one line per run of the same error, not one per
    /// poll).
    last_error: Option<String>,
    /// Whether tracing is on: the runtime then logs each tolerated error itself.
    tracing_on: bool,
    /// The poll the last log line was about.
    last_line_poll: Option<u32>,
}

impl Reporter {
    /// A reporter for a terminal (`live`) or for a log.
    pub fn new(live: bool, tracing_on: bool, service: Service, job_id: &str) -> Self {
        let bar = live.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(spinner_style());
            bar.set_prefix(format!("{} {job_id}", service.name));
            bar.set_message("waiting for the first answer");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self {
            bar,
            service,
            job_id: job_id.to_owned(),
            warned_no_status: false,
            eta: None,
            last_error: None,
            tracing_on,
            last_line_poll: None,
        }
    }

    /// The waiter's latest estimate of the job's end, if it has one.
    pub fn eta(&self) -> Option<Eta> {
        self.eta
    }

    /// Handles one event of the waiter.
    pub fn event<B: Job, E>(&mut self, event: &WaitEvent<'_, Response<B>, E>) {
        let at = event.at();
        if at.estimate.is_some() || !matches!(event, WaitEvent::TransientError { .. }) {
            self.eta = at.estimate;
        }
        if let WaitEvent::StateChanged { job, .. } = event
            && !self.warned_no_status
        {
            self.warn_no_status(job);
        }
        let ended = match event {
            WaitEvent::StateChanged { state, .. } => state.is_terminal(),
            _ => false,
        };
        let eta = match self.eta {
            Some(e) if !ended => format!(", {}", eta_text(&e)),
            _ => String::new(),
        };
        // A state line already shows the progress of its poll.
        let new_line = self.last_line_poll != Some(at.poll);
        match (&self.bar, event) {
            (Some(bar), WaitEvent::StateChanged { state, job, .. }) => {
                show_progress(bar, job.progress());
                bar.set_message(format!("{}{eta}", safe(&state.to_string())));
            }
            (Some(bar), WaitEvent::ProgressChanged { progress, job, .. }) => {
                show_progress(bar, Some(*progress));
                bar.set_message(format!("{}{eta}", safe(&job.state().to_string())));
            }
            (None, WaitEvent::StateChanged { state, job, .. }) => {
                self.last_line_poll = Some(at.poll);
                let progress = job.progress().map(|p| format!(", {p}")).unwrap_or_default();
                line(&format!(
                    "{:>7} poll {}: {}{progress}{eta}",
                    clock(at.elapsed),
                    at.poll,
                    state
                ));
            }
            (None, WaitEvent::ProgressChanged { progress, .. }) if new_line => {
                self.last_line_poll = Some(at.poll);
                line(&format!(
                    "{:>7} poll {}: {progress}{eta}",
                    clock(at.elapsed),
                    at.poll
                ));
            }
            (_, WaitEvent::TransientError { error, .. }) => self.tolerated(error, event),
            _ => {}
        }
    }

    /// A tolerated error: one warning for a run of the same error (the next poll that fails
    /// the same way says nothing); none with `-v`, where the runtime logs it.
    fn tolerated<B: Job, E>(
        &mut self,
        error: &cloudjobs::runtime::Error<E>,
        event: &WaitEvent<'_, Response<B>, E>,
    ) {
        // The same error: the same status and error code (the message names each poll's
        // request id), or for a transport failure the same text.
        let key = match (error.status(), error.api().and_then(|a| a.code())) {
            (Some(status), code) => format!("{status} {}", code.unwrap_or_default()),
            (None, _) => one_line(&error.to_string()),
        };
        if self.last_error.as_deref() == Some(key.as_str()) || self.tracing_on {
            self.last_error = Some(key);
            return;
        }
        self.last_error = Some(key);
        let text = format!("warning: {}", one_line(&event.to_string()));
        match &self.bar {
            Some(bar) => bar.println(safe(&text)),
            None => line(&text),
        }
    }

    fn warn_no_status<B: Job>(&mut self, job: &Response<B>) {
        let shown = Shown {
            service: self.service,
            job_id: &self.job_id,
            job,
        };
        if let Some(warning) = shown.no_status_warning() {
            self.warned_no_status = true;
            match &self.bar {
                Some(bar) => bar.println(safe(&warning)),
                None => line(&warning),
            }
        }
    }

    /// Removes the live bar, if any.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix} [{elapsed_precise}] {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style(tasks: bool) -> ProgressStyle {
    let template = if tasks {
        "{spinner} {prefix} [{elapsed_precise}] [{bar:30}] {pos}/{len} tasks {msg}"
    } else {
        "{spinner} {prefix} [{elapsed_precise}] [{bar:30}] {pos}% {msg}"
    };
    ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn show_progress(bar: &ProgressBar, progress: Option<Progress>) {
    match progress {
        Some(Progress::Percent(p)) => {
            bar.set_style(bar_style(false));
            bar.set_length(100);
            bar.set_position(if p.is_finite() {
                p.clamp(0.0, 100.0).round() as u64
            } else {
                0
            });
        }
        Some(Progress::Tasks { done, total }) => {
            bar.set_style(bar_style(true));
            bar.set_length(total);
            bar.set_position(done);
        }
        None => {}
    }
}

/// `eta 3m12s ±20s`: the time left to the estimated end, with its spread.
pub fn eta_text(eta: &Eta) -> String {
    format!("eta {} ±{}", span(eta.remaining), span(eta.spread))
}

/// An estimate as JSON: seconds from the wait's start (`end_s`, `next_poll_at_s`) and from
/// now (`remaining_s`), and the spread of the end (`spread_s`).
pub fn eta_json(eta: Option<Eta>) -> Value {
    eta.map_or(Value::Null, |e| {
        json!({
            "end_s": e.end.as_secs_f64(),
            "remaining_s": e.remaining.as_secs_f64(),
            "spread_s": e.spread.as_secs_f64(),
            "next_poll_at_s": e.next_poll_at.map(|d| d.as_secs_f64()),
            "text": eta_text(&e),
        })
    })
}

/// A span of time in whole seconds: `45s`, `3m12s`, `1h05m`.
fn span(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_millis() >= 500);
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// `12.3s`, `4m05s`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// Text on one line: line breaks become spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text that is safe to print to a terminal: each control character written as an escape
/// (`\u{1b}`, `\n`), so that server text (a failure reason, a status) cannot move the
/// cursor, clear the screen, retitle the terminal or fake a line of output.
pub use cloudjobs::runtime::text::terminal_safe as safe;

/// A line on standard error (ignoring a closed pipe), with control characters escaped.
pub fn line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", safe(text));
}

/// Data in a data format (`-f json` or `-f yaml`); `false` (nothing printed) for the text
/// formats.
pub fn print_data(format: Format, value: &Value) -> bool {
    match format {
        Format::Json => print_json(&serde_json::to_string_pretty(value).unwrap_or_default()),
        Format::Yaml => match serde_yaml::to_string(value) {
            Ok(text) => print(&text),
            Err(e) => line(&format!("cloudjobs: cannot write YAML: {e}")),
        },
        Format::Table | Format::Value => return false,
    }
    true
}

/// Text on standard output (ignoring a closed pipe), with control characters escaped except
/// line breaks.
pub fn print(text: &str) {
    write_out(&cloudjobs::runtime::text::terminal_lines(text));
}

/// JSON on standard output. JSON already escapes C0 control characters; C1 ones and the
/// bidirectional formatting characters, which JSON allows raw, are written as `\uXXXX`
/// escapes too, so a terminal shows them inert (the JSON means the same).
pub fn print_json(json: &str) {
    write_out(&cloudjobs::runtime::text::terminal_json(json));
}

/// Text the command line made itself (a completion script, the manual page), as it is.
pub fn print_raw(text: &str) {
    write_out(text);
}

fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(safe("plain text, ü"), "plain text, ü");
        assert_eq!(
            safe("\u{1b}]0;pwned\u{7}\u{1b}[2J\rok\nfake"),
            "\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\rok\\nfake"
        );
        assert_eq!(safe("a\u{9b}b\u{202e}c"), "a\\u{9b}b\\u{202e}c");
    }

    #[test]
    fn eta_reads_as_time_left_and_spread() {
        let eta = Eta {
            end: Duration::from_secs(400),
            remaining: Duration::from_secs(192),
            spread: Duration::from_millis(19_600),
            next_poll_at: None,
        };
        assert_eq!(eta_text(&eta), "eta 3m12s ±20s");
        assert_eq!(span(Duration::from_secs(3900)), "1h05m");
    }
}
