//! The README's blocks that say what the specs are: the table of the APIs, and the example
//! of `cargo xtask diff`, the output of a real run. `regen` makes them and `check` checks
//! them (as `generated/src/apis/` is).
//!
//! The table: one row per job service (name, module, the spec's title, the job call, the
//! primary source), then the specs without a job operation (their first call).
//!
//! The run: every spec of `specs/` as it is, against the same specs with one change made to
//! `specs/otc-ims-jobs.yaml` ([`EDITS`]: `job_id` required, a `progress` field, the status
//! `CANCELLED`, `entities.sub_jobs_list` dropped), rendered as text with the base `main` and
//! the work tree. The block sits between [`BEGIN`] and [`END`] in README.md; when a spec is
//! added or the diff's wording changes, `regen` rewrites it.

use std::path::Path;

use cloudjobs_codegen::diff::{Format, Report, Spec, SpecDiff, diff_spec};
use serde_json::{Value, json};

/// The line before the diff example.
pub const BEGIN: &str = "<!-- cargo xtask regen writes the block below: `cargo xtask diff` on the change EDITS of xtask/src/readme.rs makes to specs/otc-ims-jobs.yaml -->";
/// The line before the table of the APIs.
pub const BEGIN_TABLE: &str =
    "<!-- cargo xtask regen writes the block below: the table of the APIs, from specs/ -->";
/// The line after each block.
pub const END: &str = "<!-- end of the block cargo xtask regen writes -->";

/// The spec the example changes.
const CHANGED: &str = "specs/otc-ims-jobs.yaml";

/// The change, as (JSON pointer, edit) on the spec's tree.
const EDITS: [(&str, Edit); 4] = [
    (
        "/components/schemas/ShowJobResponse/required",
        Edit::Append("job_id"),
    ),
    (
        "/components/schemas/ShowJobResponse/properties/progress",
        Edit::Progress,
    ),
    (
        "/components/schemas/JobStatus/x-extensible-enum",
        Edit::Append("CANCELLED"),
    ),
    (
        "/components/schemas/JobEntities/properties/sub_jobs_list",
        Edit::Remove,
    ),
];

#[derive(Clone, Copy)]
enum Edit {
    /// Appends a string to the array there (made when absent).
    Append(&'static str),
    /// Adds an optional integer percentage there.
    Progress,
    /// Removes the node there.
    Remove,
}

/// Every spec of `specs/`, loaded and lowered once for both blocks: its file as the
/// README names it (`specs/ims-jobs.yaml`), its module, and the spec.
fn load_specs(root: &Path) -> Result<Vec<(String, String, Spec)>, String> {
    let files =
        cloudjobs_codegen::project::spec_files(&root.join("specs")).map_err(|e| e.to_string())?;
    let mut specs = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let file = format!("specs/{name}");
        let module = cloudjobs_codegen::module_name(&path);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
        let spec = Spec::from_text(&file, &file, &module, &text).map_err(|e| e.to_string())?;
        specs.push((file, module, spec));
    }
    Ok(specs)
}

/// The README's example block: the text `cargo xtask diff main` prints for the change.
fn diff_example(specs: &[(String, String, Spec)]) -> Result<String, String> {
    let mut diffs: Vec<SpecDiff> = Vec::new();
    for (file, module, old) in specs {
        let new = match file == CHANGED {
            true => changed(old, file, module)?,
            false => old.clone(),
        };
        diffs.push(diff_spec(file, Some(old), Some(&new)));
    }
    let report = Report {
        base: "main".into(),
        head: "the work tree".into(),
        specs: diffs,
    };
    Ok(report.render(Format::Text))
}

/// The spec with [`EDITS`] made.
fn changed(old: &Spec, file: &str, module: &str) -> Result<Spec, String> {
    let mut raw = old.doc.raw.clone();
    for (pointer, edit) in EDITS {
        let stale = || {
            format!(
                "the README example's edit at {file}#{pointer} no longer applies: change EDITS in xtask/src/readme.rs"
            )
        };
        let (parent, key) = pointer.rsplit_once('/').ok_or_else(stale)?;
        let holder = raw
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .ok_or_else(stale)?;
        match edit {
            Edit::Append(value) => {
                let list = holder.entry(key).or_insert_with(|| json!([]));
                list.as_array_mut().ok_or_else(stale)?.push(json!(value));
            }
            Edit::Progress => {
                let progress = json!({
                    "type": "integer", "format": "int32", "minimum": 0, "maximum": 100,
                    "description": "The job's progress, in percent."
                });
                holder.insert(key.to_owned(), progress);
            }
            Edit::Remove => {
                holder.remove(key).ok_or_else(stale)?;
            }
        }
    }
    let label = format!("{file} (the README example's change)");
    let doc = cloudjobs_codegen::load::load_value(raw, &label).map_err(|e| e.to_string())?;
    let api = cloudjobs_codegen::lower::lower(&doc, module, file).map_err(|e| e.to_string())?;
    Ok(Spec::new(doc, api))
}

/// README.md with the blocks made anew; `None` when they are already current.
pub fn updated(root: &Path) -> Result<Option<String>, String> {
    let readme =
        std::fs::read_to_string(root.join("README.md")).map_err(|e| format!("README.md: {e}"))?;
    let specs = load_specs(root)?;
    let text = replace_block(&readme, BEGIN_TABLE, &format!("\n{}", api_table(&specs)?))?;
    let text = replace_block(
        &text,
        BEGIN,
        &format!("\n```text\n{}```\n", diff_example(&specs)?),
    )?;
    Ok((text != readme).then_some(text))
}

/// `text` with what stands between `begin` and the next [`END`] replaced by `block`.
fn replace_block(text: &str, begin: &str, block: &str) -> Result<String, String> {
    let missing = || format!("README.md has no block between `{begin}` and `{END}`");
    let start = text.find(begin).ok_or_else(missing)? + begin.len();
    let end = start + text[start..].find(END).ok_or_else(missing)?;
    Ok(format!("{}{block}{}", &text[..start], &text[end..]))
}

/// The table of the APIs, as Markdown.
fn api_table(specs: &[(String, String, Spec)]) -> Result<String, String> {
    let mut jobs = Vec::new();
    let mut others = Vec::new();
    for (file, module, spec) in specs {
        let api = &spec.api;
        let sources = cloudjobs_codegen::extensions::sources::load(&spec.doc.raw)
            .map_err(|(at, e)| format!("{file}: {at}: {e}"))?;
        let source = match sources.first() {
            Some(s) => match &s.repository {
                Some(repo) => {
                    let short = repo.rsplit('/').next().unwrap_or(repo);
                    format!("[`{short}`]({})", s.url)
                }
                None => format!("[page]({})", s.url),
            },
            None => format!("[`{file}`]({file})"),
        };
        let services = api.job_services();
        for s in &services {
            // A job id that travels in the query is shown there (`?id={id}`).
            let id = &s.job.job_id_param;
            let query = match s.op.path.contains(&format!("{{{id}}}")) {
                true => String::new(),
                false => format!("?{id}={{{id}}}"),
            };
            let call = format!("`{} {}{query}`", s.op.http_method, s.op.path);
            let row = format!(
                "| `{}` | `{module}` | {} | {call} | {} | {source} |",
                s.name,
                api.title,
                clouds(&api.servers)
            );
            jobs.push((s.name.clone(), row));
        }
        if services.is_empty()
            && let Some(op) = api.operations.first()
        {
            let call = format!("`{} {}`", op.http_method, op.path);
            others.push(format!(
                "| — | `{module}` | {} | {call} | {} | {source} |",
                api.title,
                clouds(&api.servers)
            ));
        }
    }
    jobs.sort();
    let jobs: Vec<String> = jobs.into_iter().map(|(_, row)| row).collect();
    let mut out = format!(
        "{} job APIs, and the calls in front of them. \"regions\": how many regions of each \
         cloud the spec's servers name (OTC: Open Telekom Cloud; Huawei: Huawei Cloud), each \
         reached by `--region` alone:\n\n\
         | service | module | API | job call | regions | source |\n|---|---|---|---|---|---|\n",
        jobs.len()
    );
    for row in jobs.iter().chain(&others) {
        out.push_str(row);
        out.push('\n');
    }
    Ok(out)
}

/// The regions the spec's servers name, per cloud: `OTC 2 · Huawei 25`.
fn clouds(servers: &[cloudjobs_codegen::ir::Server]) -> String {
    let mut otc = std::collections::BTreeSet::new();
    let mut huawei = std::collections::BTreeSet::new();
    for server in servers {
        let cloud = if server.url.contains(".otc.t-systems.com") {
            &mut otc
        } else if server.url.contains(".myhuaweicloud.com") {
            &mut huawei
        } else {
            continue;
        };
        match server.variables.iter().find(|(name, ..)| name == "region") {
            // An open region variable: any region of the cloud.
            Some((_, _, allowed)) if allowed.is_empty() => {
                cloud.insert("*".to_owned());
            }
            Some((_, _, allowed)) => cloud.extend(allowed.iter().cloned()),
            // A fixed URL (`iam-pub.eu-ch2.sc.otc.t-systems.com`): the one region it names.
            None => {
                cloud.insert(server.url.clone());
            }
        }
    }
    let mut parts = Vec::new();
    for (name, regions) in [("OTC", otc), ("Huawei", huawei)] {
        if regions.contains("*") {
            parts.push(format!("{name} any"));
        } else if !regions.is_empty() {
            parts.push(format!("{name} {}", regions.len()));
        }
    }
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(" · ")
    }
}

/// Rewrites the block; whether it changed.
pub fn update(root: &Path) -> Result<bool, String> {
    match updated(root)? {
        Some(text) => std::fs::write(root.join("README.md"), text)
            .map(|()| true)
            .map_err(|e| format!("README.md: {e}")),
        None => Ok(false),
    }
}
