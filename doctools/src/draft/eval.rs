//! `docs draft --eval` (developer): the page of every spec with a versioned primary source,
//! drafted at its recorded revision from a local clone and compared with the hand-written
//! spec item by item (`score.rs`): a table of the share of items right per spec and
//! category, the average, and how many `x-cloudjobs-job` proposals have every pointer and
//! every state list right; then each wrong item, and the excused ones counted by reason.
//! Each page and its draft are kept in `target/docs-draft-eval/<spec>/` to look at.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::score::{self, CATEGORIES, Category, Item, Mark, Op};
use super::{Input, Origin, draft, today};
use crate::arguments::DraftArgs;
use crate::drift::{self, Verdict};
use crate::eval::{git_dir, repos_dir, show};
use crate::fetch::sha256_hex;
use crate::model::{DocModel, DocType, Field};
use crate::outcome::Outcome;
use crate::reader;
use crate::spec::{Accepted, Source, SpecFile};

/// What became of one spec.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The spec's file stem (`evs-jobs`).
    pub spec: String,
    /// `repository path @ revision` of the page drafted.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub page: String,
    /// Whether the hand-written spec has an `x-cloudjobs-job`.
    pub job_spec: bool,
    /// Not drafted, and why (no versioned source, no clone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The draft failed (a reader or draft error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every compared item.
    pub items: Vec<Item>,
}

impl Row {
    fn drafted(&self) -> bool {
        self.skipped.is_none() && self.error.is_none()
    }

    /// Right out of right and wrong (excused left out); `None` with nothing to count.
    pub fn share(&self) -> Option<f64> {
        let (r, w, _) = score::count(&self.items, None);
        (r + w > 0).then(|| r as f64 / (r + w) as f64)
    }

    /// Right out of every item, excused counted as wrong.
    pub fn raw_share(&self) -> Option<f64> {
        let (r, w, e) = score::count(&self.items, None);
        (r + w + e > 0).then(|| r as f64 / (r + w + e) as f64)
    }

    /// No item of the category wrong (and at least one).
    fn all_right(&self, c: Category) -> bool {
        let (r, w, e) = score::count(&self.items, Some(c));
        r + e > 0 && w == 0
    }
}

/// The specs to evaluate: every `specs/*.yaml`, or those `--only` names (a file stem, a file
/// name, or a stem without `-jobs`).
fn spec_files(root: &Path, only: &[String]) -> Result<Vec<PathBuf>, String> {
    let dir = root.join("specs");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    all.sort();
    if only.is_empty() {
        return Ok(all);
    }
    let stem = |p: &Path| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_owned()
    };
    let mut chosen = Vec::new();
    for o in only {
        let o = o.trim_end_matches(".yaml");
        let hit = all
            .iter()
            .find(|p| stem(p) == o || stem(p) == format!("{o}-jobs"))
            .ok_or_else(|| {
                let names: Vec<String> = all.iter().map(|p| stem(p)).collect();
                format!(
                    "--only {o}: no such spec in specs/ (there are {})",
                    names.join(", ")
                )
            })?;
        if !chosen.contains(hit) {
            chosen.push(hit.clone());
        }
    }
    Ok(chosen)
}

/// Drafts and scores one spec.
fn evaluate(root: &Path, repos: &Path, file: &Path) -> Row {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("spec")
        .to_owned();
    let mut row = Row {
        spec: stem.clone(),
        page: String::new(),
        job_spec: false,
        skipped: None,
        error: None,
        items: Vec::new(),
    };
    let label = format!("specs/{stem}.yaml");
    let spec = match SpecFile::load(file, &label) {
        Ok(s) => s,
        Err(e) => {
            row.error = Some(e);
            return row;
        }
    };
    let source = spec.sources.first();
    let truth_op = score::operation(&spec.raw, source.and_then(|s| s.operation.as_deref()));
    row.job_spec = truth_op.is_some_and(|o| o.op.get("x-cloudjobs-job").is_some());
    let Some(source) = source else {
        row.skipped = Some("no x-cloudjobs-sources".into());
        return row;
    };
    let (Some(repo), Some(path)) = (&source.repository, &source.path) else {
        row.skipped = Some(format!(
            "its primary source is not versioned ({}, {})",
            source.format, source.url
        ));
        return row;
    };
    if source.revision == "unknown" {
        row.skipped = Some("its primary source's revision is unknown".into());
        return row;
    }
    row.page = format!("{repo} {path} @ {}", &source.revision);
    let Some(git) = git_dir(repos, repo) else {
        row.skipped = Some(format!("no clone of {repo} under {}", repos.display()));
        return row;
    };
    let Some(truth_op) = truth_op else {
        row.error = Some("the spec has no operation".into());
        return row;
    };
    match drafted(root, &git, &spec, source, &stem) {
        Ok((raw, model)) => match score::operation(&raw, None) {
            Some(draft_op) => {
                let truth = score::facts(&spec.raw, &truth_op);
                let draft = score::facts(&raw, &draft_op);
                let departures = departures(&spec, source, &model, &truth_op);
                row.items = score::compare(&truth, &draft, &departures);
            }
            None => row.error = Some("the draft has no operation".into()),
        },
        Err(e) => row.error = Some(e),
    }
    row
}

/// Where the hand-written spec deliberately departs from its page: its `accepted` entries,
/// what `docs check` notes it has beyond the page (from the secondary sources or the house
/// style: a note, never drift), the bodies of statuses the page gives none, and its
/// `default` response (the house style for the errors a
/// page does not list, which `docs check` never reports).
fn departures(spec: &SpecFile, source: &Source, model: &DocModel, op: &Op) -> Vec<Accepted> {
    let mut out = source.accepted.clone();
    // A status the page gives no body: the spec's body comes from elsewhere (an appendix).
    let statuses = op
        .op
        .get("responses")
        .and_then(serde_json::Value::as_object);
    for status in statuses.into_iter().flatten().map(|(k, _)| k) {
        let body = model
            .response(status)
            .is_some_and(|r| !r.fields.is_empty() || r.examples.iter().any(|e| e.json.is_some()));
        if body || status == "default" {
            continue;
        }
        let reason =
            format!("the page gives status {status} no body: the spec's comes from elsewhere");
        out.push(Accepted {
            at: format!("response {status}"),
            kind: Some("extra".into()),
            reason: reason.clone(),
        });
        out.push(Accepted {
            at: format!("example response {status}"),
            kind: Some("example".into()),
            reason,
        });
    }
    let (_, findings, _) = drift::check(spec, source.operation.as_deref(), &source.accepted, model);
    for f in findings.into_iter().filter(|f| f.verdict == Verdict::Note) {
        out.push(Accepted {
            at: f.at,
            kind: Some(f.kind.to_owned()),
            reason: format!("docs check notes it beyond the page ({})", f.message),
        });
    }
    for r in &model.responses {
        undescribed(&r.fields, &format!("response {} ", r.status), &mut out);
    }
    out.push(Accepted {
        at: "status default".into(),
        kind: Some("extra".into()),
        reason: "the `default` response is the house style for the errors the page does not list"
            .into(),
    });
    out
}

/// The objects (and arrays of objects) a page names but describes no field of: the spec's
/// fields below them come from elsewhere.
fn undescribed(fields: &[Field], prefix: &str, out: &mut Vec<Accepted>) {
    for f in fields {
        let at = format!("{prefix}{}", f.name);
        let object = match DocType::parse(&f.type_text) {
            DocType::Object | DocType::Map => true,
            DocType::Array(inner) => {
                matches!(
                    inner.as_deref(),
                    None | Some(DocType::Object | DocType::Map)
                )
            }
            _ => false,
        };
        if f.children.is_empty() && object {
            out.push(Accepted {
                reason: format!(
                    "the page describes no field of `{}`: the spec's come from elsewhere",
                    f.name
                ),
                at,
                kind: Some("extra".into()),
            });
        } else {
            undescribed(&f.children, &format!("{at}."), out);
        }
    }
}

/// The page at the recorded revision, read and drafted as `docs draft URL --revision REV`
/// would: the draft as a JSON tree.
fn drafted(
    root: &Path,
    git: &Path,
    spec: &SpecFile,
    source: &Source,
    stem: &str,
) -> Result<(serde_json::Value, DocModel), String> {
    let (Some(repo), Some(path)) = (&source.repository, &source.path) else {
        return Err("not a versioned source".into());
    };
    let bytes = show(git, &source.revision, path)?;
    let name = path.rsplit('/').next().unwrap_or("page").to_owned();
    let file = root.join("target/docs-draft-eval").join(stem).join(&name);
    crate::commands::save(&file, &bytes)?;
    let model = reader::read(root, &file, &source.format)?;
    let input = Input {
        model: model.clone(),
        format: source.format.clone(),
        sha256: sha256_hex(&bytes),
        origin: Origin {
            url: source.url.clone(),
            repository: Some(repo.clone()),
            branch: source.branch.clone(),
            path: Some(path.clone()),
            revision: Some(source.revision.clone()),
            ..Origin::default()
        },
        service: None,
        date: today(),
        shown: name,
    };
    let label = format!("target/docs-draft-eval/{stem}/{}.yaml", spec.stem);
    let d = draft(&input, &label)?;
    let out = root.join(&label);
    crate::commands::save(&out, d.text.as_bytes())?;
    let doc = cloudjobs_codegen::load::load_str(&d.text, &label).map_err(|e| e.to_string())?;
    Ok((doc.raw, model))
}

/// `docs draft --eval`.
pub fn run(root: &Path, a: &DraftArgs) -> Result<Outcome, String> {
    let repos = repos_dir(root, a.repos.as_ref())?;
    let files = spec_files(root, &a.only)?;
    let rows: Vec<Row> = files.iter().map(|f| evaluate(root, &repos, f)).collect();
    let failed = rows.iter().any(|r| r.error.is_some());
    let stdout = if a.json {
        let value = serde_json::json!({
            "average": average(&rows, Row::share),
            "average_raw": average(&rows, Row::raw_share),
            "job_pointers_right": job_count(&rows, Category::JobPointers),
            "job_states_right": job_count(&rows, Category::JobStates),
            "job_specs_drafted": rows.iter().filter(|r| r.job_spec && r.drafted()).count(),
            "job_specs": rows.iter().filter(|r| r.job_spec).count(),
            "specs": rows,
        });
        serde_json::to_string_pretty(&value).map_err(|e| e.to_string())? + "\n"
    } else {
        report(&rows)
    };
    Ok(Outcome {
        code: u8::from(failed),
        stdout,
        stderr: String::new(),
    })
}

/// The mean of a per-spec share over the drafted specs.
fn average(rows: &[Row], share: fn(&Row) -> Option<f64>) -> Option<f64> {
    let shares: Vec<f64> = rows.iter().filter_map(share).collect();
    (!shares.is_empty()).then(|| shares.iter().sum::<f64>() / shares.len() as f64)
}

/// How many drafted job specs have every item of the category right.
fn job_count(rows: &[Row], c: Category) -> usize {
    rows.iter()
        .filter(|r| r.job_spec && r.drafted() && r.all_right(c))
        .count()
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".into(), |s| format!("{:.1} %", s * 100.0))
}

/// The text report: a Markdown table, the figures, then every wrong and excused item.
fn report(rows: &[Row]) -> String {
    let mut out = String::from("| spec |");
    for c in CATEGORIES {
        out.push_str(&format!(" {} |", c.name()));
    }
    out.push_str(" right | excused |\n|---|");
    out.push_str(&"---:|".repeat(CATEGORIES.len() + 2));
    out.push('\n');
    for r in rows {
        out.push_str(&format!("| {} |", r.spec));
        if let Some(why) = r.skipped.as_ref().or(r.error.as_ref()) {
            let what = if r.error.is_some() {
                "failed"
            } else {
                "skipped"
            };
            out.push_str(&format!(" {what}: {} |\n", why.replace('|', "/")));
            continue;
        }
        for c in CATEGORIES {
            let (right, wrong, _) = score::count(&r.items, Some(c));
            if right + wrong == 0 {
                out.push_str(" - |");
            } else {
                out.push_str(&format!(" {right}/{} |", right + wrong));
            }
        }
        let (_, _, excused) = score::count(&r.items, None);
        out.push_str(&format!(" {} | {excused} |\n", percent(r.share())));
    }
    let drafted = rows.iter().filter(|r| r.job_spec && r.drafted()).count();
    let jobs = rows.iter().filter(|r| r.job_spec).count();
    out.push_str(&format!(
        "\naverage: {} of items right over {} drafted spec(s) ({} with excused items counted wrong)\n\
         job pointers right for {} of {drafted} drafted job specs ({jobs} job specs), state lists right for {}\n",
        percent(average(rows, Row::share)),
        rows.iter().filter(|r| r.share().is_some()).count(),
        percent(average(rows, Row::raw_share)),
        job_count(rows, Category::JobPointers),
        job_count(rows, Category::JobStates),
    ));
    out.push_str("pages and drafts: target/docs-draft-eval/<spec>/\n");
    for r in rows.iter().filter(|r| r.drafted()) {
        out.push_str(&misses(r));
    }
    out
}

/// A spec's wrong items one a line, then its excused ones counted by reason.
fn misses(r: &Row) -> String {
    let wrong: Vec<&Item> = r.items.iter().filter(|i| i.mark == Mark::Wrong).collect();
    let mut excused: Vec<(String, usize)> = Vec::new();
    for i in r.items.iter().filter(|i| i.mark == Mark::Excused) {
        let reason = i
            .detail
            .split_once("; accepted: ")
            .map_or(i.detail.as_str(), |(_, r)| r)
            .to_owned();
        match excused.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => excused.push((reason, 1)),
        }
    }
    if wrong.is_empty() && excused.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{} ({})\n", r.spec, r.page);
    for i in wrong {
        out.push_str(&format!(
            "  wrong   {:<12} {}: {}\n",
            i.category.name(),
            i.at,
            i.detail
        ));
    }
    for (reason, n) in excused {
        out.push_str(&format!("  excused {n} item(s): {reason}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_are_found_in_every_layout() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (layout, repo) in [
            ("o+one/repo", "o/one"),
            ("o+two", "o/two"),
            ("three", "o/three"),
            ("four.git", "o/four"),
        ] {
            std::fs::create_dir_all(root.join(layout)).unwrap();
            std::fs::write(root.join(layout).join("HEAD"), "ref: refs/heads/main\n").unwrap();
            assert_eq!(git_dir(root, repo), Some(root.join(layout)), "{layout}");
        }
        std::fs::create_dir_all(root.join("five/.git")).unwrap();
        assert_eq!(git_dir(root, "o/five"), Some(root.join("five")));
        assert_eq!(git_dir(root, "o/none"), None);
        assert_eq!(git_dir(root, "no-slash"), None);
    }

    #[test]
    fn specs_are_chosen_by_stem_or_short_name() {
        let dir = tempfile::tempdir().unwrap();
        let specs = dir.path().join("specs");
        std::fs::create_dir_all(&specs).unwrap();
        for f in ["b-jobs.yaml", "a-jobs.yaml", "tokens.yaml", "README.md"] {
            std::fs::write(specs.join(f), "").unwrap();
        }
        let names = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            names(spec_files(dir.path(), &[]).unwrap()),
            ["a-jobs.yaml", "b-jobs.yaml", "tokens.yaml"]
        );
        let only = [
            "b".to_owned(),
            "tokens.yaml".to_owned(),
            "b-jobs".to_owned(),
        ];
        assert_eq!(
            names(spec_files(dir.path(), &only).unwrap()),
            ["b-jobs.yaml", "tokens.yaml"]
        );
        let e = spec_files(dir.path(), &["c".to_owned()]).unwrap_err();
        assert!(e.contains("a-jobs, b-jobs, tokens"), "{e}");
    }

    fn item(category: Category, at: &str, mark: Mark) -> Item {
        Item {
            category,
            at: at.into(),
            mark,
            detail: match mark {
                Mark::Right => String::new(),
                Mark::Wrong => "not in the draft (spec string, optional)".into(),
                Mark::Excused => "not in the draft; accepted: from the appendix".into(),
            },
        }
    }

    #[test]
    fn the_report_has_a_row_per_spec_the_figures_and_the_misses() {
        let drafted = Row {
            spec: "x-jobs".into(),
            page: "o/x p.rst @ 0123".into(),
            job_spec: true,
            skipped: None,
            error: None,
            items: vec![
                item(Category::Parameters, "path", Mark::Right),
                item(Category::Fields, "response 200 a", Mark::Right),
                item(Category::Fields, "response 200 b", Mark::Wrong),
                item(Category::Fields, "response 400 c", Mark::Excused),
                item(Category::JobPointers, "job status", Mark::Right),
                item(Category::JobStates, "job running", Mark::Right),
            ],
        };
        let skipped = Row {
            spec: "y-jobs".into(),
            page: String::new(),
            job_spec: true,
            skipped: Some("no clone of o/y".into()),
            error: None,
            items: Vec::new(),
        };
        assert_eq!(drafted.share(), Some(0.8));
        assert_eq!(drafted.raw_share(), Some(4.0 / 6.0));
        let text = report(&[drafted, skipped]);
        assert!(
            text.contains("| x-jobs | 1/1 | 1/2 | - | - | - | 1/1 | 1/1 | 80.0 % | 1 |"),
            "{text}"
        );
        assert!(
            text.contains("| y-jobs | skipped: no clone of o/y |"),
            "{text}"
        );
        assert!(
            text.contains("average: 80.0 % of items right over 1 drafted spec(s) (66.7 %"),
            "{text}"
        );
        assert!(
            text.contains("job pointers right for 1 of 1 drafted job specs (2 job specs)"),
            "{text}"
        );
        assert!(
            text.contains("  wrong   fields       response 200 b: not in the draft"),
            "{text}"
        );
        assert!(
            text.contains("  excused 1 item(s): from the appendix"),
            "{text}"
        );
    }
}
