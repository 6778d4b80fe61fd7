//! The reports of `docs diff|check|pull` as text (a terminal), Markdown (a pull request) or
//! JSON (tools).

use std::fmt::Write as _;

use cloudjobs_codegen::diff::Format;
use serde::Serialize;

use crate::compare::Change;
use crate::drift::{CheckResult, Finding, Verdict};
use crate::report::{CheckReport, DiffReport, PullReport, PulledSource, SourceStatus};

const NOT_COMPARED: &str =
    "descriptions, wording, table layout, anchors, link text and file locations are not compared";

const NOTES_MEAN: &str = "notes are informational (the spec has or accepts more than the document); drift is what the document says that the spec lacks or contradicts";

fn json<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    s.push('\n');
    s
}

/// `(line 12 → line 30)`, `(line 30)`, or nothing.
fn where_changed(c: &Change) -> String {
    match (&c.old_at, &c.new_at) {
        (Some(a), Some(b)) if a != b => format!(" ({a} → {b})"),
        (_, Some(b)) => format!(" ({b})"),
        (Some(a), None) => format!(" (old {a})"),
        (None, None) => String::new(),
    }
}

fn change_line(c: &Change) -> String {
    format!("{}: {}", c.at, c.description)
}

/// `docs diff`.
pub fn diff(report: &DiffReport, format: Format) -> String {
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                changed: bool,
                #[serde(flatten)]
                report: &'a DiffReport,
            }
            json(&Doc {
                changed: !report.changes.is_empty(),
                report,
            })
        }
        Format::Text => {
            let mut s = format!(
                "Document {} ({}) compared with {} ({}): {}.\n",
                report.old.file,
                report.old.format,
                report.new.file,
                report.new.format,
                report.new.operation
            );
            diff_body_text(&mut s, report, "");
            if report.changes.is_empty() {
                let _ = writeln!(s, "\nResult: no semantic difference ({NOT_COMPARED}).");
            } else {
                let _ = writeln!(
                    s,
                    "\nResult: {} semantic change(s) ({NOT_COMPARED}).",
                    report.changes.len()
                );
            }
            s
        }
        Format::Markdown => {
            let mut s = format!(
                "## Document changes: `{}` → `{}`\n\n`{}`\n\n",
                report.old.file, report.new.file, report.new.operation
            );
            diff_body_markdown(&mut s, report);
            let _ = writeln!(
                s,
                "\n**Result:** {} ({NOT_COMPARED}).",
                if report.changes.is_empty() {
                    "no semantic difference".to_owned()
                } else {
                    format!("{} semantic change(s)", report.changes.len())
                }
            );
            s
        }
    }
}

fn diff_body_text(s: &mut String, report: &DiffReport, indent: &str) {
    for c in &report.changes {
        let _ = writeln!(s, "{indent}  {}{}", change_line(c), where_changed(c));
    }
}

fn diff_body_markdown(s: &mut String, report: &DiffReport) {
    for c in &report.changes {
        let _ = writeln!(
            s,
            "- `{}`: {}{}",
            c.at,
            md(&c.description),
            where_changed(c)
        );
    }
}

/// Escapes what Markdown would take for markup in running text.
fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;")
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Drift => "drift",
        Verdict::Accepted => "accepted",
        Verdict::Note => "note",
    }
}

fn summary(r: &CheckResult) -> String {
    format!(
        "{} drift, {} accepted, {} note(s)",
        r.count(Verdict::Drift),
        r.count(Verdict::Accepted),
        r.count(Verdict::Note)
    )
}

fn finding_text(s: &mut String, f: &Finding, indent: &str) {
    let doc_at = f
        .doc_at
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    // An accepted finding shows why it is accepted; what was found is in the JSON report.
    let text = match &f.reason {
        Some(reason) => reason.clone(),
        None => format!("{}{doc_at}", f.message),
    };
    let _ = writeln!(
        s,
        "{indent}{:<9} {} [{}]: {text}",
        verdict_word(f.verdict),
        f.at,
        f.kind
    );
}

fn check_result_text(s: &mut String, r: &CheckResult, indent: &str) {
    let op = r.operation.as_deref().unwrap_or("(no matching operation)");
    let _ = writeln!(s, "{indent}{}: {op}", r.spec);
    let _ = writeln!(s, "{indent}  against {}", r.document);
    if r.file != r.document {
        let _ = writeln!(s, "{indent}  read {} ({})", r.file, r.format);
    }
    // Drift first, then accepted, then notes: what needs work is on top.
    for verdict in [Verdict::Drift, Verdict::Accepted, Verdict::Note] {
        for f in r.findings.iter().filter(|f| f.verdict == verdict) {
            finding_text(s, f, &format!("{indent}  "));
        }
    }
    for u in &r.unused_accepted {
        let kind = u
            .kind
            .as_deref()
            .map(|k| format!(" [{k}]"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{indent}  unused    accepted entry `{}`{kind} matches nothing in this document",
            u.at
        );
    }
    for w in &r.reader_warnings {
        let _ = writeln!(s, "{indent}  reader    {w}");
    }
    let _ = writeln!(
        s,
        "{indent}  {}: {}",
        if r.drift() { "DRIFT" } else { "clean" },
        summary(r)
    );
}

fn check_result_markdown(s: &mut String, r: &CheckResult) {
    let _ = writeln!(
        s,
        "### `{}`: {}\n",
        r.spec,
        if r.drift() { "**drift**" } else { "clean" }
    );
    let document = if r.document.starts_with("https://") || r.document.starts_with("http://") {
        format!("<{}>", r.document)
    } else {
        format!("`{}`", r.document)
    };
    let _ = writeln!(
        s,
        "Against {document} (`{}`), {}; {}.\n",
        r.format,
        r.operation
            .as_deref()
            .map_or("no matching operation".to_owned(), |o| format!("`{o}`")),
        summary(r)
    );
    if !r.findings.is_empty() {
        let _ = writeln!(s, "| | place | kind | finding |\n|---|---|---|---|");
        for verdict in [Verdict::Drift, Verdict::Accepted, Verdict::Note] {
            for f in r.findings.iter().filter(|f| f.verdict == verdict) {
                let word = match verdict {
                    Verdict::Drift => "**drift**",
                    other => verdict_word(other),
                };
                let reason = f
                    .reason
                    .as_deref()
                    .map(|r| format!(" — *{}*", md(r)))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "| {word} | `{}` | {} | {}{reason} |",
                    f.at,
                    f.kind,
                    md(&f.message)
                );
            }
        }
        s.push('\n');
    }
    for u in &r.unused_accepted {
        let _ = writeln!(s, "- unused accepted entry `{}`", u.at);
    }
    for w in &r.reader_warnings {
        let _ = writeln!(s, "- reader: {}", md(w));
    }
    if !r.unused_accepted.is_empty() || !r.reader_warnings.is_empty() {
        s.push('\n');
    }
}

/// `docs check`.
pub fn check(report: &CheckReport, format: Format) -> String {
    let drifted = report.results.iter().filter(|r| r.drift()).count();
    let total = |v: Verdict| report.results.iter().map(|r| r.count(v)).sum::<usize>();
    let verdict = if drifted > 0 {
        format!(
            "DRIFT in {drifted} of {} spec(s) ({} finding(s))",
            report.results.len(),
            total(Verdict::Drift)
        )
    } else {
        format!("clean, {} spec(s) checked", report.results.len())
    };
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                drift: bool,
                results: &'a [CheckResult],
            }
            json(&Doc {
                drift: drifted > 0,
                results: &report.results,
            })
        }
        Format::Text => {
            let mut s = String::new();
            for r in &report.results {
                check_result_text(&mut s, r, "");
                s.push('\n');
            }
            let _ = writeln!(
                s,
                "Result: {verdict}; {} accepted, {} note(s). {}.",
                total(Verdict::Accepted),
                total(Verdict::Note),
                capitalize(NOTES_MEAN)
            );
            s
        }
        Format::Markdown => {
            let mut s = "## Document check\n\n".to_owned();
            for r in &report.results {
                check_result_markdown(&mut s, r);
            }
            let _ = writeln!(
                s,
                "**Result:** {verdict}; {} accepted, {} note(s). {}.",
                total(Verdict::Accepted),
                total(Verdict::Note),
                capitalize(NOTES_MEAN)
            );
            s
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn short_sha(s: &Option<String>) -> String {
    s.as_deref()
        .map(|h| h.get(..12).unwrap_or(h).to_owned())
        .unwrap_or_else(|| "?".into())
}

fn source_status_line(p: &PulledSource) -> String {
    match p.status {
        SourceStatus::Changed => format!(
            "changed    sha256 {} (recorded {})",
            short_sha(&p.sha256),
            short_sha(&p.recorded_sha256)
        ),
        SourceStatus::Unchanged => format!("unchanged  sha256 {}", short_sha(&p.sha256)),
        SourceStatus::Unrecorded => format!(
            "downloaded sha256 {} (none recorded: `unknown`)",
            short_sha(&p.sha256)
        ),
        SourceStatus::Failed => format!(
            "FAILED     {}",
            p.error.as_deref().unwrap_or("unknown error")
        ),
    }
}

/// `docs pull`.
pub fn pull(report: &PullReport, format: Format) -> String {
    let changed = report.changed();
    let drifted = report
        .specs
        .iter()
        .filter(|s| s.check.as_ref().is_some_and(CheckResult::drift))
        .count();
    let failed = report.failed();
    let verdict = format!(
        "{changed} document(s) changed, {drifted} spec(s) with drift{}",
        if failed {
            ", and errors (see above)"
        } else {
            ""
        }
    );
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                changed: usize,
                drift: bool,
                failed: bool,
                #[serde(flatten)]
                report: &'a PullReport,
            }
            json(&Doc {
                changed,
                drift: drifted > 0,
                failed,
                report,
            })
        }
        Format::Text => {
            let mut s = String::new();
            pull_text(&mut s, report);
            let _ = writeln!(s, "Result: {verdict}.");
            s
        }
        Format::Markdown => {
            let mut s = "## Source documents\n\n".to_owned();
            pull_markdown(&mut s, report);
            let _ = writeln!(s, "**Result:** {verdict}.");
            s
        }
    }
}

/// `docs pull` as text: per spec, each source's status and changes, then its check.
fn pull_text(s: &mut String, report: &PullReport) {
    for spec in &report.specs {
        let _ = writeln!(s, "{}", spec.spec);
        for p in &spec.sources {
            let role = if p.primary { "primary" } else { "secondary" };
            let _ = writeln!(s, "  {role} {}", p.url);
            let _ = writeln!(s, "    {}", source_status_line(p));
            if let Some(f) = &p.file {
                let _ = writeln!(s, "    saved as {f}");
            }
            if let (Some(rev), Some(d)) = (&p.recorded_revision, &p.diff) {
                let short = rev.get(..10).unwrap_or(rev);
                if d.changes.is_empty() {
                    let _ = writeln!(
                        s,
                        "    recorded revision {short} → current: no semantic difference (update revision, sha256 and checked)"
                    );
                } else {
                    let _ = writeln!(
                        s,
                        "    recorded revision {short} → current: {} semantic change(s):",
                        d.changes.len()
                    );
                    diff_body_text(s, d, "    ");
                }
            }
        }
        for e in &spec.errors {
            let _ = writeln!(s, "  error: {e}");
        }
        if let Some(c) = &spec.check {
            let _ = writeln!(s, "  check against the current primary document:");
            check_result_text(s, c, "    ");
        }
        s.push('\n');
    }
}

/// `docs pull` as Markdown, for a pull request or an issue.
fn pull_markdown(s: &mut String, report: &PullReport) {
    for spec in &report.specs {
        let _ = writeln!(s, "### `{}`\n", spec.spec);
        for p in &spec.sources {
            let _ = writeln!(
                s,
                "- {} <{}>: {}",
                if p.primary { "primary" } else { "secondary" },
                p.url,
                md(&source_status_line(p)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "))
            );
            if let (Some(rev), Some(d)) = (&p.recorded_revision, &p.diff) {
                let short = rev.get(..10).unwrap_or(rev);
                let _ = writeln!(
                    s,
                    "  - recorded revision `{short}` → current: {} semantic change(s)",
                    d.changes.len()
                );
                for c in &d.changes {
                    let _ = writeln!(s, "    - `{}`: {}", c.at, md(&c.description));
                }
            }
        }
        for e in &spec.errors {
            let _ = writeln!(s, "- error: {}", md(e));
        }
        s.push('\n');
        if let Some(c) = &spec.check {
            check_result_markdown(s, c);
        }
    }
}
