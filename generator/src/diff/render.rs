//! A [`Report`] as text (for a terminal), Markdown (for a pull request) or JSON (for tools).

use std::fmt::Write as _;

use serde::Serialize;

use super::{
    Change, Counts, OperationDiff, OperationStatus, Report, RustAction, RustChange, RustItem,
    SpecDiff, SpecStatus,
};

/// How to print a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Plain text, for a terminal.
    #[default]
    Text,
    /// Markdown, to paste into a pull request.
    Markdown,
    /// JSON, for tools.
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            other => Err(format!(
                "unknown format `{other}`: use `text`, `markdown` or `json`"
            )),
        }
    }
}

pub(super) fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text(report),
        Format::Markdown => markdown(report),
        Format::Json => json(report),
    }
}

/// The JSON document: the report plus its verdict.
#[derive(Serialize)]
struct JsonReport<'a> {
    base: &'a str,
    head: &'a str,
    breaking: bool,
    counts: Counts,
    specs: &'a [SpecDiff],
}

fn json(report: &Report) -> String {
    let doc = JsonReport {
        base: &report.base,
        head: &report.head,
        breaking: report.breaking(),
        counts: report.counts(),
        specs: &report.specs,
    };
    let mut s = serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    s.push('\n');
    s
}

fn label(c: &Change) -> &'static str {
    match (c.breaking_rust, c.breaking_wire) {
        (true, true) => "breaking: rust+wire",
        (true, false) => "breaking: rust",
        (false, true) => "breaking: wire",
        (false, false) => "compatible",
    }
}

fn md_label(c: &Change) -> &'static str {
    match (c.breaking_rust, c.breaking_wire) {
        (true, true) => "**breaking** (Rust, wire)",
        (true, false) => "**breaking** (Rust)",
        (false, true) => "**breaking** (wire)",
        (false, false) => "compatible",
    }
}

fn item_word(item: RustItem) -> &'static str {
    match item {
        RustItem::Module => "module",
        RustItem::Type => "type",
        RustItem::Field => "field",
        RustItem::Variant => "variant",
        RustItem::Method => "method",
        RustItem::Setter => "setter",
        RustItem::Builder => "builder",
        RustItem::JobImpl => "impl",
    }
}

fn action_word(action: RustAction) -> &'static str {
    match action {
        RustAction::Added => "added",
        RustAction::Removed => "removed",
        RustAction::Renamed => "renamed",
        RustAction::Changed => "changed",
    }
}

/// ``changed field `A::b`: `Option<String>` → `String` ``.
fn rust_line(r: &RustChange) -> String {
    let name = if r.item == RustItem::JobImpl || r.name.starts_with("impl ") {
        format!("`{}`", r.name)
    } else {
        format!("{} `{}`", item_word(r.item), r.name)
    };
    let detail = if r.detail.is_empty() {
        String::new()
    } else if r.detail.starts_with("was ") {
        format!(" ({})", r.detail)
    } else {
        format!(": {}", r.detail)
    };
    format!("{} {name}{detail}", action_word(r.action))
}

/// ``response 200 `progress`: field removed``, or the description alone when the change is
/// about the operation or API itself.
fn change_line(c: &Change) -> String {
    let place = c.place();
    if place.is_empty() {
        c.description.clone()
    } else {
        format!("{place}: {}", c.description)
    }
}

/// Whether to print a Rust change's reason: only when the line alone does not say why.
fn explain(r: &RustChange) -> bool {
    r.breaking && r.action == RustAction::Added
}

fn verdict(counts: &Counts) -> String {
    if !counts.breaking() {
        return "compatible: nothing breaks code using the generated crate or requests on the wire"
            .into();
    }
    let mut parts = Vec::new();
    if counts.spec_breaking_rust + counts.rust_breaking > 0 {
        parts.push(format!(
            "for code using the generated crate ({} spec change(s), {} Rust API change(s))",
            counts.spec_breaking_rust, counts.rust_breaking
        ));
    }
    if counts.spec_breaking_wire > 0 {
        parts.push(format!(
            "on the wire ({} change(s))",
            counts.spec_breaking_wire
        ));
    }
    format!("BREAKING {}", parts.join(" and "))
}

fn spec_title(s: &SpecDiff) -> String {
    let version = match (&s.old_version, &s.new_version) {
        (Some(a), Some(b)) if a != b => format!(", version {a} → {b}"),
        _ => String::new(),
    };
    let status = match s.status {
        SpecStatus::Added => "added, ",
        SpecStatus::Removed => "removed, ",
        _ => "",
    };
    format!("{} ({status}module `{}`{version})", s.file, s.module)
}

fn op_title(o: &OperationDiff) -> String {
    let id = o
        .operation_id
        .as_ref()
        .map(|id| format!(" ({id})"))
        .unwrap_or_default();
    let status = match o.status {
        OperationStatus::Added => " [added]",
        OperationStatus::Removed => " [removed]",
        OperationStatus::Changed => "",
    };
    format!("{}{id}{status}", o.title())
}

fn quiet_specs(report: &Report) -> (Vec<&str>, Vec<&str>) {
    let unchanged = report
        .specs
        .iter()
        .filter(|s| s.status == SpecStatus::Unchanged)
        .map(|s| s.file.as_str())
        .collect();
    let docs = report
        .specs
        .iter()
        .filter(|s| s.status == SpecStatus::DocumentationOnly)
        .map(|s| s.file.as_str())
        .collect();
    (unchanged, docs)
}

fn text(report: &Report) -> String {
    let mut out = String::new();
    let counts = report.counts();
    let changed = report
        .specs
        .iter()
        .filter(|s| {
            matches!(
                s.status,
                SpecStatus::Added | SpecStatus::Removed | SpecStatus::Changed
            )
        })
        .count();
    let _ = writeln!(
        out,
        "Specs at {} compared with {}: {changed} of {} spec(s) changed, {} spec change(s), {} Rust API change(s).",
        report.base,
        report.head,
        report.specs.len(),
        counts.spec_changes,
        counts.rust_changes
    );
    for s in report.specs.iter().filter(|s| {
        matches!(
            s.status,
            SpecStatus::Added | SpecStatus::Removed | SpecStatus::Changed
        )
    }) {
        let _ = writeln!(out, "\n{}", spec_title(s));
        let section = |out: &mut String, title: &str, changes: &[Change]| {
            if changes.is_empty() {
                return;
            }
            let _ = writeln!(out, "  {title}");
            for c in changes {
                let _ = writeln!(out, "    {:<20} {}", label(c), change_line(c));
                if !c.reason.is_empty() {
                    out.push_str(&wrap(&c.reason, 25, WIDTH));
                }
            }
        };
        section(&mut out, "API", &s.api);
        for o in &s.operations {
            section(&mut out, &op_title(o), &o.changes);
        }
        section(&mut out, "Schemas", &s.schemas);
        if !s.rust.is_empty() {
            let _ = writeln!(out, "  Generated Rust API (cloudjobs::{})", s.module);
            for r in &s.rust {
                let marker = if r.breaking { "breaking" } else { "" };
                let _ = writeln!(out, "    {marker:<9} {}", rust_line(r));
                if explain(r) {
                    out.push_str(&wrap(&r.reason, 14, WIDTH));
                }
            }
        }
    }
    let (unchanged, docs) = quiet_specs(report);
    if !docs.is_empty() || !unchanged.is_empty() {
        out.push('\n');
    }
    if !docs.is_empty() {
        let _ = writeln!(out, "Documentation only: {}", docs.join(", "));
    }
    if !unchanged.is_empty() {
        let _ = writeln!(out, "Unchanged: {}", unchanged.join(", "));
    }
    let _ = writeln!(out, "\nResult: {}.", verdict(&counts));
    out
}

/// Lines of text output are wrapped at this width (where words allow).
const WIDTH: usize = 100;

/// `text` as lines indented by `indent` spaces, wrapped at `width` columns between words.
fn wrap(text: &str, indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > width {
            let _ = writeln!(out, "{:indent$}{line}", "");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{:indent$}{line}", "");
    }
    out
}

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let counts = report.counts();
    let _ = writeln!(out, "## Spec changes: {} → {}\n", report.base, report.head);
    let _ = writeln!(out, "**Result**: {}.", verdict(&counts));
    for s in report.specs.iter().filter(|s| {
        matches!(
            s.status,
            SpecStatus::Added | SpecStatus::Removed | SpecStatus::Changed
        )
    }) {
        let _ = writeln!(
            out,
            "\n### {}",
            cell(&spec_title(s)).replacen(&s.file, &format!("`{}`", s.file), 1)
        );
        let section = |out: &mut String, title: &str, changes: &[Change]| {
            if changes.is_empty() {
                return;
            }
            let _ = writeln!(out, "\n#### {title}\n");
            let _ = writeln!(out, "| | Change | Why |");
            let _ = writeln!(out, "|---|---|---|");
            for c in changes {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    md_label(c),
                    cell(&change_line(c)),
                    cell(&c.reason)
                );
            }
        };
        section(&mut out, "API", &s.api);
        for o in &s.operations {
            let id = o
                .operation_id
                .as_ref()
                .map(|id| format!(" (`{id}`)"))
                .unwrap_or_default();
            let status = match o.status {
                OperationStatus::Added => " — added",
                OperationStatus::Removed => " — removed",
                OperationStatus::Changed => "",
            };
            section(
                &mut out,
                &format!("`{}`{id}{status}", o.title()),
                &o.changes,
            );
        }
        section(&mut out, "Schemas", &s.schemas);
        if !s.rust.is_empty() {
            let _ = writeln!(
                out,
                "\n#### Generated Rust API (`cloudjobs::{}`)\n",
                s.module
            );
            for r in &s.rust {
                let marker = if r.breaking { "**breaking**: " } else { "" };
                let why = if explain(r) {
                    format!(" — {}", r.reason)
                } else {
                    String::new()
                };
                let _ = writeln!(out, "- {marker}{}{why}", rust_line(r));
            }
        }
    }
    let (unchanged, docs) = quiet_specs(report);
    let list = |v: &[&str]| {
        v.iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !docs.is_empty() || !unchanged.is_empty() {
        out.push('\n');
    }
    if !docs.is_empty() {
        let _ = writeln!(out, "Documentation only: {}.", list(&docs));
    }
    if !unchanged.is_empty() {
        let _ = writeln!(out, "Unchanged: {}.", list(&unchanged));
    }
    out
}
