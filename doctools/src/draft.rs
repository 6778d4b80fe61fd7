//! `docs draft SOURCE`: a spec drafted from a document page, for a person to review.
//!
//! The page is read into the document model (the same reader as `docs check`), and the
//! model written out as an OpenAPI 3.0.3 spec in the house style of `specs/`: sources,
//! servers from `doctools/services.toml`, every parameter, the request body, every status,
//! response schemas with nesting, types and values, every example, and for a job page a
//! proposed `x-cloudjobs-job`. Every guess and every disagreement between the page and its
//! examples is a `# review:` comment at its place. The YAML text is written here (comments
//! matter), then loaded back with the generator's loader, its extensions checked and the
//! spec lowered as `regen` would, and checked against the page as `docs check` would: a
//! draft that fails is an error, not a file.

mod build;
pub mod eval;
mod job;
mod recursive;
mod score;
mod services;
mod yaml;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::arguments::DraftArgs;
use crate::drift::{self, Verdict};
use crate::fetch::{Fetcher, sha256_hex};
use crate::model::{DocModel, Parameter, Response};
use crate::outcome::Outcome;
use crate::reader;
use crate::spec::{GITHUB_RAW, SpecFile};
use build::{Schemas, Side, example_bodies, pascal, reference, singular};
use services::Service;
use yaml::{MapBuilder, Node};

/// Where the page came from, as the sources entry records it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The published address (`url`).
    pub url: String,
    /// `owner/name` for a raw GitHub URL.
    pub repository: Option<String>,
    /// The branch the URL follows.
    pub branch: Option<String>,
    /// The file in the repository.
    pub path: Option<String>,
    /// The commit, when the URL or the caller names one.
    pub revision: Option<String>,
    /// What the sources entry's note says (a local file, an unknown commit).
    pub note: Option<String>,
    /// Comments for the entry (what was assumed).
    pub reviews: Vec<String>,
}

/// What a draft is made from.
#[derive(Debug, Clone)]
pub struct Input {
    /// The model the reader made of the page.
    pub model: DocModel,
    /// The reader's format.
    pub format: String,
    /// sha256 of the bytes read.
    pub sha256: String,
    /// Where it came from.
    pub origin: Origin,
    /// The service name asked for.
    pub service: Option<String>,
    /// The date recorded as `checked`.
    pub date: String,
    /// How the page is named in the description (`querying_task_status.rst`).
    pub shown: String,
}

/// A finished draft.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The YAML text.
    pub text: String,
    /// The operationId.
    pub operation: String,
    /// (place, why) of every review note (the summary lists them by line of `text`).
    #[allow(dead_code)]
    pub reviews: Vec<(String, String)>,
    /// Warnings for the summary (unknown service, ...).
    pub warnings: Vec<String>,
}

/// Reads a raw GitHub URL: repository, branch or commit, path.
pub fn origin_of_url(url: &str) -> Origin {
    let mut o = Origin {
        url: url.to_owned(),
        ..Origin::default()
    };
    let Some(rest) = url.strip_prefix(&format!("{GITHUB_RAW}/")) else {
        return o;
    };
    let parts: Vec<&str> = rest.splitn(4, '/').collect();
    if parts.len() != 4 || parts.iter().any(|p| p.is_empty()) {
        return o;
    }
    let (owner, name, reference, path) = (parts[0], parts[1], parts[2], parts[3]);
    o.repository = Some(format!("{owner}/{name}"));
    o.path = Some(path.to_owned());
    let is_commit = reference.len() == 40
        && reference
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if is_commit {
        o.revision = Some(reference.to_owned());
        o.branch = Some("main".into());
        o.url = format!("{GITHUB_RAW}/{owner}/{name}/main/{path}");
        o.reviews.push(format!(
            "review: the URL names commit {reference}; the entry follows branch `main` (assumed) at that revision"
        ));
    } else {
        o.branch = Some(reference.to_owned());
        o.note = Some(format!(
            "drafted from the head of `{reference}`; its commit was not recorded (set revision, e.g. from git ls-remote)"
        ));
        o.reviews.push(format!(
            "review: the commit of `{reference}` when the page was read is unknown: set revision"
        ));
    }
    o
}

/// The date today (UTC), `YYYY-MM-DD`.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{m:02}-{d:02}", if m <= 2 { y + 1 } else { y })
}

fn valid_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// `docs draft`.
pub(crate) fn run_draft(root: &Path, a: &DraftArgs) -> Outcome {
    match draft_command(root, a) {
        Ok(o) => o,
        Err(e) => Outcome::bad(e),
    }
}

/// `docs draft` but `--eval`: reads the page, drafts it, writes or prints draft and summary.
fn draft_command(root: &Path, a: &DraftArgs) -> Result<Outcome, String> {
    if a.eval {
        return eval::run(root, a);
    }
    let Some(source) = a.source.as_deref() else {
        return Err("give the page to draft (a file or a URL)".into());
    };
    let date = match &a.date {
        Some(d) if valid_date(d) => d.clone(),
        Some(d) => return Err(format!("--date `{d}` is not YYYY-MM-DD")),
        None => today(),
    };
    if let Some(out) = &a.output
        && out.exists()
        && !a.force
    {
        return Err(format!(
            "{} exists: give --force to overwrite it",
            out.display()
        ));
    }
    let remote = source.starts_with("https://") || source.starts_with("http://");
    let mut page = if remote {
        download(root, source)?
    } else {
        read_local(source, a)?
    };
    if remote && let Some(r) = &a.revision {
        set_revision(&mut page.origin, r);
    }
    let format = reader::format_of(&page.file, a.format.as_deref())?;
    if format == "model" {
        return Err(
            "a draft is made from a page (rst, html or page-text), not a model JSON file".into(),
        );
    }
    let model = reader::read(root, &page.file, &format)?;
    let input = Input {
        model,
        format,
        sha256: sha256_hex(&page.bytes),
        origin: page.origin,
        service: a.service.clone(),
        date,
        shown: page.shown,
    };
    write_draft(&input, a)
}

/// A page to draft: the file the reader reads, its bytes, where it came from and how it is
/// named.
struct Page {
    file: PathBuf,
    bytes: Vec<u8>,
    origin: Origin,
    shown: String,
}

/// Downloads a page and saves it under `target/docs-draft/` for the reader.
fn download(root: &Path, source: &str) -> Result<Page, String> {
    let bytes = Fetcher::from_env()?.get(source)?;
    let name = source
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_owned();
    let safe = safe_chars(&name);
    let safe = if safe.trim_matches('.').is_empty() {
        "document".to_owned()
    } else {
        safe
    };
    let dir = root
        .join("target/docs-draft")
        .join(&sha256_hex(&bytes)[..16]);
    let file = dir.join(&safe);
    crate::commands::save(&file, &bytes)?;
    Ok(Page {
        file,
        bytes,
        origin: origin_of_url(source),
        shown: name,
    })
}

/// Reads a local page; its origin is `--url` (at `--revision`), else a placeholder.
fn read_local(source: &str, a: &DraftArgs) -> Result<Page, String> {
    let path = PathBuf::from(source);
    let bytes =
        std::fs::read(&path).map_err(|e| format!("{}: cannot read it: {e}", path.display()))?;
    let shown = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("the page")
        .to_owned();
    let origin = match &a.url {
        Some(u) => {
            let mut o = origin_of_url(u);
            if let Some(r) = &a.revision {
                set_revision(&mut o, r);
            }
            o
        }
        None => Origin {
            url: format!("https://docs.invalid/{}", url_segment(&shown)),
            note: Some(format!(
                "drafted from a local file named {shown}; replace url with the page's published address"
            )),
            reviews: vec![
                "review: drafted from a local file: put the page's published address in url (give --url)".into(),
            ],
            ..Origin::default()
        },
    };
    Ok(Page {
        file: path,
        bytes,
        origin,
        shown,
    })
}

/// Records the commit the caller names, which settles the unknown revision.
fn set_revision(o: &mut Origin, revision: &str) {
    o.revision = Some(revision.to_owned());
    o.note = None;
    o.reviews.retain(|r| !r.contains("set revision"));
}

/// Drafts the page and writes the draft to `--output` (or stdout), the summary to stderr.
fn write_draft(input: &Input, a: &DraftArgs) -> Result<Outcome, String> {
    let label = a
        .output
        .as_ref()
        .map_or_else(|| "draft.yaml".to_owned(), |p| p.display().to_string());
    let d = draft(input, &label)?;
    let mut stderr = summary(&d, &label, input);
    let stdout = match &a.output {
        Some(out) => {
            crate::commands::save(out, d.text.as_bytes())?;
            stderr.push_str(&format!("wrote {}\n", out.display()));
            String::new()
        }
        None => d.text.clone(),
    };
    Ok(Outcome {
        code: 0,
        stdout,
        stderr,
    })
}

/// A name with every character but an ASCII letter, a digit, `.`, `-` and `_` made `_`.
fn safe_chars(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A name as one segment of the placeholder URL of a local page.
fn url_segment(name: &str) -> String {
    let s = safe_chars(name);
    if s.is_empty() { "page".into() } else { s }
}

/// What needs review, by line of the draft.
fn summary(d: &Draft, label: &str, input: &Input) -> String {
    let mut out = format!(
        "drafted {} ({}) from {}\n",
        input.model.operation_line(),
        d.operation,
        input.shown
    );
    for w in &d.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    let lines: Vec<(usize, &str)> = d
        .text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            l.trim_start()
                .strip_prefix("# review: ")
                .map(|r| (i + 1, r))
        })
        .collect();
    out.push_str(&format!("{} line(s) to review:\n", lines.len()));
    for (n, r) in lines {
        out.push_str(&format!("  {label}:{n}: {r}\n"));
    }
    out
}

/// The operationId a path suggests: `GET .../jobs/{job_id}` → `ShowJob`.
fn operation_id(method: &str, path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ends_in_param = segments.last().is_some_and(|s| s.starts_with('{'));
    let literal = segments
        .iter()
        .rev()
        .find(|s| {
            let version =
                s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit() || c == '.');
            !(s.starts_with('{') || version || **s == "api")
        })
        .copied()
        .unwrap_or("resource");
    let verb = match method.to_ascii_uppercase().as_str() {
        "GET" if ends_in_param => "Show",
        "GET" => "List",
        "POST" => "Create",
        "PUT" | "PATCH" => "Update",
        "DELETE" => "Delete",
        other => return pascal(&format!("{other}_{literal}")),
    };
    let noun = if verb == "List" {
        pascal(literal)
    } else {
        pascal(&singular(literal))
    };
    format!("{verb}{noun}")
}

/// The standard reason phrase, where the page gives no description.
fn reason(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "No Content",
        "400" => "Bad Request",
        "401" => "Unauthorized",
        "403" => "Forbidden",
        "404" => "Not Found",
        "405" => "Method Not Allowed",
        "409" => "Conflict",
        "413" => "Request Entity Too Large",
        "429" => "Too Many Requests",
        "500" => "Internal Server Error",
        "502" => "Bad Gateway",
        "503" => "Service Unavailable",
        "504" => "Gateway Timeout",
        _ => "Response",
    }
}

/// The draft of one page.
pub fn draft(input: &Input, label: &str) -> Result<Draft, String> {
    match draft_with(input, label, true) {
        // A proposal the generator refuses is dropped (and said so), not the draft.
        Err(e) if e.contains("x-cloudjobs-job") => {
            let mut d = draft_with(input, label, false)?;
            d.warnings.push(format!(
                "the proposed x-cloudjobs-job was refused, so the draft has none: {e}"
            ));
            Ok(d)
        }
        other => other,
    }
}

/// The draft, with or without the proposed `x-cloudjobs-job`, checked by [`verify`].
fn draft_with(input: &Input, label: &str, propose_job: bool) -> Result<Draft, String> {
    let (method_key, path, op_id) = operation_place(input)?;
    let mut d = Drafter {
        input,
        op_id,
        schemas: Schemas::default(),
        warnings: Vec::new(),
        top_reviews: Vec::new(),
    };
    let service = services::find(input.service.as_deref(), input.origin.repository.as_deref())?;
    let service_name = service_name(service.as_ref(), input);
    let info = d.info(service.as_ref(), &service_name);
    // `x-cloudjobs-sources` goes in last, with the departures the responses accept.
    let source = d.source();
    let servers = d.servers(service.as_ref(), &service_name);
    let params = d.parameters(&path);
    let mut op = d.operation(params);
    d.put_request_body(&mut op);
    let model = &input.model;
    let statuses = statuses(model);
    let success = statuses
        .iter()
        .find(|s| s.starts_with('2'))
        .cloned()
        .unwrap_or_else(|| "200".into());
    // Sub-jobs with the job's structure get the body's schema (recursive.rs).
    let (filled, job_model, recursive) =
        recursive::fill(model, &success, &example_bodies(model, &success));
    d.schemas.root_place = format!("response {success} ");
    d.schemas.recursive = recursive;
    let mut responses = d.responses(&filled, &statuses, &success);
    let (job_reviews, is_job) = d.put_job(
        &mut op,
        &mut responses,
        &filled,
        &job_model,
        &success,
        propose_job,
    );
    op.put("responses", responses.build());
    let text = d.document(info, source, servers, &method_key, &path, op);
    let draft = d.finish(text, job_reviews);
    verify(&draft, input, label, is_job)?;
    Ok(draft)
}

/// The page's method (lower case), its path (host and query cut) and operationId.
fn operation_place(input: &Input) -> Result<(String, String, String), String> {
    let model = &input.model;
    let (Some(method), Some(doc_path)) = (model.method.as_deref(), model.path.as_deref()) else {
        return Err(format!(
            "{}: the page names no method and path",
            input.shown
        ));
    };
    let method_key = method.to_ascii_lowercase();
    if !["get", "put", "post", "delete", "patch", "head", "options"].contains(&method_key.as_str())
    {
        return Err(format!("{}: `{method}` is not an HTTP method", input.shown));
    }
    let path = {
        let p = doc_path.split('?').next().unwrap_or(doc_path).trim();
        let p = normalize_host(p);
        let p = p.trim_end_matches('/');
        if p.starts_with('/') {
            p.to_owned()
        } else {
            format!("/{p}")
        }
    };
    let op_id = operation_id(method, &path);
    Ok((method_key, path, op_id))
}

/// The `x-cloudjobs-service` name: the table's, the one asked for, or the repository's.
fn service_name(service: Option<&Service>, input: &Input) -> String {
    let name = match (service, &input.service) {
        (Some(s), _) => s.name.clone(),
        (None, Some(n)) => n.clone(),
        (None, None) => input
            .origin
            .repository
            .as_deref()
            .and_then(|r| r.rsplit('/').next())
            .unwrap_or("draft")
            .to_owned(),
    };
    clean_name(&name)
}

/// Every status of the page in order, also one the reader assumed for a table.
fn statuses(model: &DocModel) -> Vec<String> {
    let mut statuses = model.statuses();
    for r in &model.responses {
        if !r.status.is_empty() && !statuses.contains(&r.status) {
            statuses.push(r.status.clone());
        }
    }
    statuses.sort_by_key(|s| crate::model::status_order(s));
    statuses
}

/// A draft being written: the page, the operation's name, and what its parts noted so far.
struct Drafter<'i> {
    input: &'i Input,
    op_id: String,
    /// The component schemas, and the reviews of the parameters and bodies.
    schemas: Schemas,
    warnings: Vec<String>,
    /// Reviews of the document's own parts (info, servers, operation, security): listed
    /// first.
    top_reviews: Vec<(String, String)>,
}

impl Drafter<'_> {
    /// The `info` map but for `x-cloudjobs-sources`, which goes in last.
    fn info(&mut self, service: Option<&Service>, service_name: &str) -> MapBuilder {
        let input = self.input;
        let model = &input.model;
        let mut info = MapBuilder::new();
        let title_prefix = service.map_or_else(|| service_name.to_uppercase(), |s| s.title.clone());
        info.str(
            "title",
            &format!("{title_prefix} - {}", one_line(&model.title)),
        );
        info.put("version", Node::Str(input.date.clone()));
        let mut description = format!(
            "Drafted by `cargo xtask docs draft` from the page \"{}\" ({}, {}) on {}; every\n`# review:` comment marks a guess to confirm or correct before the spec is used.\n",
            one_line(&model.title),
            input.shown,
            input.format,
            input.date
        );
        if let (Some(repo), Some(p)) = (&input.origin.repository, &input.origin.path) {
            description.push_str(&format!(
                "\nSource document: {repo} `{p}` (see `x-cloudjobs-sources` for the revision).\n"
            ));
        }
        info.put("description", Node::Text(description));
        let mut svc = MapBuilder::new();
        let svc_comment = match service {
            Some(_) => vec![],
            None => vec![format!(
                "review: `{service_name}` is not in doctools/services.toml: name guessed"
            )],
        };
        for c in &svc_comment {
            self.top_reviews.push((
                "info x-cloudjobs-service".into(),
                c["review: ".len()..].to_owned(),
            ));
        }
        svc.str("name", service_name);
        info.put_with(svc_comment, "x-cloudjobs-service", svc.build());
        info
    }

    /// The page's entry of `x-cloudjobs-sources` but for its `accepted` departures.
    fn source(&mut self) -> MapBuilder {
        let input = self.input;
        let mut source = MapBuilder::new();
        source.str("url", &input.origin.url);
        source.str("format", &input.format);
        if let Some(r) = &input.origin.repository {
            source.str("repository", r);
        }
        if let Some(b) = &input.origin.branch {
            source.str("branch", b);
        }
        if let Some(p) = &input.origin.path {
            source.str("path", p);
        }
        source.put_with(
            input.origin.reviews.clone(),
            "revision",
            Node::Str(
                input
                    .origin
                    .revision
                    .clone()
                    .unwrap_or_else(|| "unknown".into()),
            ),
        );
        for r in &input.origin.reviews {
            self.top_reviews.push((
                "info x-cloudjobs-sources".into(),
                r.trim_start_matches("review: ").to_owned(),
            ));
        }
        source.str("sha256", &input.sha256);
        source.put("checked", Node::Str(input.date.clone()));
        source.str("operation", &self.op_id);
        if let Some(n) = &input.origin.note {
            source.put("note", Node::Text(n.clone()));
        }
        source
    }

    /// The service's servers, or a placeholder for a service the table does not know.
    fn servers(
        &mut self,
        service: Option<&Service>,
        service_name: &str,
    ) -> Vec<(Vec<String>, Node)> {
        let servers = match service {
            Some(s) => s.servers(),
            None => {
                self.warnings.push(format!(
                    "service `{service_name}` is not in doctools/services.toml: a placeholder server (give --service NAME, or add it to the table)"
                ));
                let mut m = MapBuilder::new();
                m.str("url", "https://{endpoint}");
                m.put(
                    "description",
                    Node::Text("Placeholder: the service's endpoint is not known.".into()),
                );
                let mut var = MapBuilder::new();
                var.str("default", "endpoint.example.invalid");
                var.str("description", "The service's host name.");
                let mut vars = MapBuilder::new();
                vars.put("endpoint", var.build());
                m.put("variables", vars.build());
                vec![(
                    vec!["review: unknown service: replace the placeholder server".to_owned()],
                    m.build(),
                )]
            }
        };
        for (c, _) in &servers {
            for r in c {
                self.top_reviews.push((
                    "servers".into(),
                    r.trim_start_matches("review: ").to_owned(),
                ));
            }
        }
        servers
    }

    /// The page's parameters (once per location and name), then the path's it lacks.
    fn parameters(&mut self, path: &str) -> Vec<(Vec<String>, Node)> {
        let mut params = Vec::new();
        let mut seen = BTreeSet::new();
        for p in &self.input.model.parameters {
            let location = match p.location.as_str() {
                "path" | "query" | "header" | "cookie" => p.location.clone(),
                other => {
                    self.top_reviews.push((
                        format!("parameter {other} {}", p.name),
                        "unknown location: skipped".into(),
                    ));
                    continue;
                }
            };
            if !seen.insert((location.clone(), p.name.to_ascii_lowercase())) {
                continue;
            }
            params.push((vec![], self.parameter(p, &location)));
        }
        // Path parameters the model lacks (the reader adds them; kept safe here).
        for name in cloudjobs_codegen::lower::template_names(path) {
            if !seen.contains(&("path".to_owned(), name.to_ascii_lowercase())) {
                let mut m = MapBuilder::new();
                m.str("name", &name);
                m.str("in", "path");
                m.put("required", Node::Plain("true".into()));
                let mut s = MapBuilder::new();
                s.str("type", "string");
                m.put("schema", s.build());
                let c = self.schemas.review(
                    &format!("parameter path {name}"),
                    format!("`{name}` is in the path but no table describes it: a string"),
                );
                params.push((vec![c], m.build()));
            }
        }
        params
    }

    /// One parameter of the page, at its `location`.
    fn parameter(&mut self, p: &Parameter, location: &str) -> Node {
        let place = format!("parameter {location} {}", p.name);
        let mut m = MapBuilder::new();
        let mut comments = Vec::new();
        m.str("name", &p.name);
        m.str("in", location);
        let required = location == "path" || p.mandatory == Some(true);
        if p.mandatory.is_none() && location != "path" {
            comments.push(format!(
                "review: the page does not say whether `{}` is mandatory: optional",
                p.name
            ));
            self.schemas
                .reviews
                .push((place.clone(), "mandatory not stated: optional".into()));
        }
        m.put_with(comments, "required", Node::Plain(required.to_string()));
        if !p.description.trim().is_empty() {
            m.put("description", Node::Text(p.description.trim().to_owned()));
        }
        let (c, schema) = self
            .schemas
            .parameter_schema(&p.type_text, &p.values, &place);
        m.put_with(c, "schema", schema);
        m.build()
    }

    /// The operation so far: operationId, summary, description and parameters.
    fn operation(&mut self, params: Vec<(Vec<String>, Node)>) -> MapBuilder {
        let model = &self.input.model;
        let op_id = &self.op_id;
        let mut op = MapBuilder::new();
        op.put_with(
            vec![format!(
                "review: operationId {op_id} made from the method and path; the official SDK's name may differ"
            )],
            "operationId",
            Node::Str(op_id.clone()),
        );
        self.top_reviews.push((
            "operationId".into(),
            format!("operationId {op_id} made from the method and path"),
        ));
        op.str("summary", &one_line(&model.title));
        let request_lines: Vec<String> = model
            .request_examples
            .iter()
            .filter(|e| e.json.is_none())
            .map(|e| one_line(&e.text))
            .filter(|t| !t.is_empty())
            .collect();
        let mut op_description = one_line(&model.title);
        if !request_lines.is_empty() {
            op_description.push_str("\n\nExample request (from the document):");
            for l in &request_lines {
                op_description.push_str(&format!("\n`{}`", l.replace('`', "'")));
            }
        }
        op.put("description", Node::Text(op_description));
        if !params.is_empty() {
            op.put("parameters", Node::Seq(params));
        }
        op
    }

    /// Puts the request body, when the page has a request table or a JSON request example.
    fn put_request_body(&mut self, op: &mut MapBuilder) {
        let model = &self.input.model;
        let request_examples: Vec<Value> = model
            .request_examples
            .iter()
            .filter_map(|e| e.json.clone())
            .collect();
        if model.request_body.is_empty() && request_examples.is_empty() {
            return;
        }
        let instances: Vec<&Value> = request_examples.iter().collect();
        let mut media = MapBuilder::new();
        if model.request_body.is_empty() {
            let c = self.schemas.review(
                "request",
                "the page shows a request body but no table: schema from nothing (an open object)",
            );
            let mut s = MapBuilder::new();
            s.str("type", "object");
            media.put_with(vec![c], "schema", s.build());
        } else {
            let name = self.schemas.object(
                &format!("{}RequestBody", self.op_id),
                "",
                &model.request_body,
                &instances,
                "request ",
                "The request body (the page's request parameters).",
                Side::Request,
            );
            media.put("schema", reference(&name));
        }
        put_examples(&mut media, &request_examples, "request");
        let mut content = MapBuilder::new();
        content.put("application/json", media.build());
        let mut body = MapBuilder::new();
        let required = model.request_body.iter().any(|f| f.mandatory == Some(true))
            || model.request_body.is_empty();
        body.put("required", Node::Plain(required.to_string()));
        body.put("content", content.build());
        op.put("requestBody", body.build());
    }

    /// The `responses`: one per status, or 200 assumed when the page lists none.
    fn responses(&mut self, model: &DocModel, statuses: &[String], success: &str) -> MapBuilder {
        let mut responses = MapBuilder::new();
        for status in statuses {
            let r = self.response(model, status, success);
            responses.put(status, r);
        }
        if statuses.is_empty() {
            let c = self
                .schemas
                .review("responses", "the page lists no status code: 200 assumed");
            let mut r = MapBuilder::new();
            r.str("description", "OK");
            responses.put_with(vec![c], "200", r.build());
        }
        responses
    }

    /// The response of one status: its description, headers, and body with examples.
    fn response(&mut self, model: &DocModel, status: &str, success: &str) -> Node {
        let mut r = MapBuilder::new();
        let described = model
            .status_codes
            .iter()
            .find(|s| s.status == status)
            .map(|s| s.description.trim().to_owned())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| reason(status).to_owned());
        r.put("description", Node::Text(described));
        if model.response(status).is_some_and(|d| d.assumed) {
            let c = self.schemas.review(
                &format!("response {status}"),
                format!(
                    "the page names no status for its response table and examples: {status} assumed"
                ),
            );
            r.0[0].comments.push(c);
        }
        let bodies = example_bodies(model, status);
        if let Some(doc) = model.response(status) {
            if !doc.headers.is_empty() {
                r.put("headers", self.headers(doc, status));
            }
            let unparsed: Vec<&str> = doc
                .examples
                .iter()
                .filter(|e| e.json.is_none())
                .map(|e| e.at.as_str())
                .collect();
            if !doc.fields.is_empty() || !bodies.is_empty() {
                let content = self.content(doc, &bodies, status, success, &unparsed);
                r.put("content", content);
            } else if !unparsed.is_empty() {
                let c = self.unparsed(status, &unparsed);
                r.0[0].comments.push(c);
            }
        }
        r.build()
    }

    /// The `headers` of a response, from its header table.
    fn headers(&mut self, doc: &Response, status: &str) -> Node {
        let mut hs = MapBuilder::new();
        for h in &doc.headers {
            let place = format!("response {status} header {}", h.name);
            let mut hm = MapBuilder::new();
            if h.mandatory == Some(true) {
                hm.put("required", Node::Plain("true".into()));
            }
            if !h.description.trim().is_empty() {
                hm.put("description", Node::Text(h.description.trim().to_owned()));
            }
            let (c, schema) = self
                .schemas
                .parameter_schema(&h.type_text, &h.values, &place);
            hm.put_with(c, "schema", schema);
            hs.put(&h.name, hm.build());
        }
        hs.build()
    }

    /// The `content` of a response with a table or example bodies: its schema and examples.
    fn content(
        &mut self,
        doc: &Response,
        bodies: &[Value],
        status: &str,
        success: &str,
        unparsed: &[&str],
    ) -> Node {
        let mut media = MapBuilder::new();
        let (instances, foreign) = table_instances(bodies, &doc.fields);
        if doc.fields.is_empty() {
            let c = self.schemas.review(
                &format!("response {status}"),
                format!("status {status}: the page shows an example but no table: an open object"),
            );
            let mut s = MapBuilder::new();
            if bodies.iter().all(Value::is_object) {
                s.str("type", "object");
            }
            media.put_with(vec![c], "schema", s.build());
        } else {
            let (comments, schema) = self.body_schema(doc, &instances, &foreign, status, success);
            media.put_with(comments, "schema", schema);
        }
        put_examples(&mut media, bodies, &format!("response {status}"));
        let mut content = MapBuilder::new();
        let comments = if unparsed.is_empty() {
            vec![]
        } else {
            vec![self.unparsed(status, unparsed)]
        };
        content.put_with(comments, "application/json", media.build());
        content.build()
    }

    /// The `$ref` to a response table's new component, and a review of the examples left out.
    fn body_schema(
        &mut self,
        doc: &Response,
        instances: &[&Value],
        foreign: &[String],
        status: &str,
        success: &str,
    ) -> (Vec<String>, Node) {
        let hint = if !status.starts_with('2') {
            "ErrorResponse".to_owned()
        } else if status == success {
            format!("{}Response", self.op_id)
        } else {
            format!("{}Response{status}", self.op_id)
        };
        let name = self.schemas.object(
            &hint,
            "",
            &doc.fields,
            instances,
            &format!("response {status} "),
            &format!("Response body of status {status} (the page's response parameters)."),
            Side::Response,
        );
        let comments = if foreign.is_empty() {
            vec![]
        } else {
            vec![self.schemas.review(
                &format!("example response {status}"),
                format!(
                    "the page's example(s) {} share no field with the table (an error body?): kept as examples, not used for the schema",
                    foreign.join(", ")
                ),
            )]
        };
        (comments, reference(&name))
    }

    /// The review of a response's examples that are not JSON (at `unparsed`).
    fn unparsed(&mut self, status: &str, unparsed: &[&str]) -> String {
        self.schemas.review(
            &format!("example response {status}"),
            format!(
                "the page's example(s) at {} are not JSON: not kept",
                unparsed.join(", ")
            ),
        )
    }

    /// Puts the proposed `x-cloudjobs-job` (or why none); returns its reviews and if it is a job.
    fn put_job(
        &mut self,
        op: &mut MapBuilder,
        responses: &mut MapBuilder,
        model: &DocModel,
        job_model: &DocModel,
        success: &str,
        propose_job: bool,
    ) -> (Vec<(String, String)>, bool) {
        let success_bodies = example_bodies(model, success);
        let mut job_reviews = Vec::new();
        let (job_comments, job) = job::propose(
            job_model,
            success,
            &success_bodies,
            &self.schemas.widened,
            &mut job_reviews,
        );
        let (job_comments, job) = if propose_job {
            (job_comments, job)
        } else {
            let why = "the proposed x-cloudjobs-job did not pass the generator's checks (see the summary): none; write one by hand";
            job_reviews.push(("x-cloudjobs-job".into(), why.into()));
            (vec![format!("review: {why}")], None)
        };
        let is_job = job.is_some();
        match job {
            Some(j) => {
                op.put_with(job_comments, "x-cloudjobs-job", j);
            }
            None => {
                // The reason goes above `responses`.
                responses
                    .0
                    .first_mut()
                    .map(|e| e.comments.splice(0..0, job_comments.clone()));
                if responses.0.is_empty() {
                    self.top_reviews.append(&mut job_reviews);
                }
            }
        }
        (job_reviews, is_job)
    }

    /// The whole document as YAML text under the draft's header.
    fn document(
        &mut self,
        mut info: MapBuilder,
        mut source: MapBuilder,
        servers: Vec<(Vec<String>, Node)>,
        method_key: &str,
        path: &str,
        op: MapBuilder,
    ) -> String {
        let mut root = MapBuilder::new();
        root.put("openapi", Node::Plain("3.0.3".into()));
        if !self.schemas.accepted.is_empty() {
            let entries = self
                .schemas
                .accepted
                .iter()
                .map(|(at, reason)| {
                    let mut a = MapBuilder::new();
                    a.str("at", at).str("kind", "type").str("reason", reason);
                    (vec![], a.build())
                })
                .collect();
            source.put("accepted", Node::Seq(entries));
        }
        info.put(
            "x-cloudjobs-sources",
            Node::Seq(vec![(vec![], source.build())]),
        );
        root.put("info", info.build());
        root.put("servers", Node::Seq(servers));
        root.put_with(
            vec!["review: Open Telekom Cloud / Huawei Cloud token authentication (IAM X-Auth-Token) assumed".into()],
            "security",
            Node::Seq(vec![(vec![], {
                let mut t = MapBuilder::new();
                t.put("token", Node::Plain("[]".into()));
                t.build()
            })]),
        );
        self.top_reviews.push((
            "security".into(),
            "X-Auth-Token token authentication assumed".into(),
        ));
        let mut method_map = MapBuilder::new();
        method_map.put(method_key, op.build());
        let mut paths = MapBuilder::new();
        paths.put(path, method_map.build());
        root.put("paths", paths.build());
        root.put("components", self.components());
        let header = format!(
            "# Drafted by `cargo xtask docs draft` from {} ({}).\n# Review every `# review:` comment, correct what it names, then delete it.\n",
            self.input.shown, self.input.format
        );
        format!("{header}{}", yaml::document(&root.build()))
    }

    /// The `components`: the token security scheme and the schemas made.
    fn components(&mut self) -> Node {
        let mut components = MapBuilder::new();
        let mut token = MapBuilder::new();
        token
            .str("type", "apiKey")
            .str("in", "header")
            .str("name", "X-Auth-Token")
            .str(
                "description",
                "IAM user token (value of `X-Subject-Token` from `POST /v3/auth/tokens`).",
            );
        let mut schemes = MapBuilder::new();
        schemes.put("token", token.build());
        components.put("securitySchemes", schemes.build());
        if !self.schemas.components.is_empty() {
            let mut s = MapBuilder::new();
            for (name, node) in std::mem::take(&mut self.schemas.components) {
                s.put(&name, node);
            }
            components.put("schemas", s.build());
        }
        components.build()
    }

    /// The draft of `text`, with every review: the document's, the schemas', the job's.
    fn finish(self, text: String, job_reviews: Vec<(String, String)>) -> Draft {
        let mut reviews = self.top_reviews;
        reviews.extend(self.schemas.reviews);
        reviews.extend(job_reviews);
        Draft {
            text,
            operation: self.op_id,
            reviews,
            warnings: self.warnings,
        }
    }
}

/// The examples a table's schema is made from: those sharing a field with the table (all,
/// when none does), and the numbers (from 1) of those left out.
fn table_instances<'v>(
    bodies: &'v [Value],
    fields: &[crate::model::Field],
) -> (Vec<&'v Value>, Vec<String>) {
    let shares = |b: &Value| {
        b.as_object()
            .is_some_and(|o| fields.iter().any(|f| o.contains_key(&f.name)))
    };
    if fields.is_empty() || !bodies.iter().any(shares) {
        return (bodies.iter().collect(), Vec::new());
    }
    let mut left_out = Vec::new();
    let mut kept = Vec::new();
    for (i, b) in bodies.iter().enumerate() {
        if shares(b) {
            kept.push(b);
        } else {
            left_out.push((i + 1).to_string());
        }
    }
    (kept, left_out)
}

/// `https://{endpoint}/v1/...` → `/v1/...`.
fn normalize_host(p: &str) -> &str {
    for scheme in ["https://", "http://"] {
        if let Some(rest) = p.strip_prefix(scheme) {
            return rest.find('/').map_or("/", |i| &rest[i..]);
        }
    }
    p
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A service name as `x-cloudjobs-service` takes it: lower case a-z, 0-9 and `-`.
fn clean_name(s: &str) -> String {
    let mut out: String = s
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("svc-{out}").trim_end_matches('-').to_owned()
    } else {
        out
    }
}

fn put_examples(media: &mut MapBuilder, bodies: &[Value], _place: &str) {
    match bodies {
        [] => {}
        [one] => {
            media.put("example", Node::Json(one.clone()));
        }
        many => {
            let mut ex = MapBuilder::new();
            for (i, b) in many.iter().enumerate() {
                let mut e = MapBuilder::new();
                e.str("summary", &format!("Example {} of the page", i + 1));
                e.put("value", Node::Json(b.clone()));
                ex.put(&format!("example{}", i + 1), e.build());
            }
            media.put("examples", ex.build());
        }
    }
}

/// The draft loads with the generator's loader, its extensions pass, it lowers as `regen`
/// would lower it, and `docs check` against its own page finds no drift.
fn verify(d: &Draft, input: &Input, label: &str, is_job: bool) -> Result<(), String> {
    let fail = |what: String| {
        format!(
            "internal error: the draft {what}; this is a bug of `docs draft` (the page's model can be printed with docmodel.py read)"
        )
    };
    let doc = cloudjobs_codegen::load::load_str(&d.text, label)
        .map_err(|e| fail(format!("does not load: {e}")))?;
    let errors = cloudjobs_codegen::extensions::check(&doc);
    if let Some(e) = errors.first() {
        return Err(fail(format!("fails the extension checks: {e}")));
    }
    let module = cloudjobs_codegen::module_name(Path::new(label));
    cloudjobs_codegen::lower::lower(&doc, &module, label)
        .map_err(|e| fail(format!("does not lower: {e}")))?;
    if is_job && doc.raw.pointer("/info/x-cloudjobs-service").is_none() {
        return Err(fail(
            "has a job operation but no x-cloudjobs-service".into(),
        ));
    }
    let spec = SpecFile {
        label: label.to_owned(),
        stem: "draft".into(),
        raw: doc.raw.clone(),
        sources: Vec::new(),
    };
    let accepted = cloudjobs_codegen::extensions::sources::load(&doc.raw)
        .ok()
        .and_then(|s| s.into_iter().next())
        .map(|s| s.accepted)
        .unwrap_or_default();
    let (_, findings, _) = drift::check(&spec, None, &accepted, &input.model);
    let drift: Vec<String> = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Drift)
        .map(|f| format!("{}: {}", f.at, f.message))
        .collect();
    if !drift.is_empty() {
        return Err(fail(format!(
            "drifts from its own page: {}",
            drift.join("; ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids() {
        assert_eq!(
            operation_id("GET", "/v1/{project_id}/jobs/{job_id}"),
            "ShowJob"
        );
        assert_eq!(operation_id("GET", "/v3/{project_id}/jobs"), "ListJobs");
        assert_eq!(
            operation_id("GET", "/api/v3/projects/{project_id}/jobs/{job_id}"),
            "ShowJob"
        );
        assert_eq!(operation_id("POST", "/v2/{project_id}/tasks"), "CreateTask");
        assert_eq!(
            operation_id(
                "GET",
                "/v2/{project_id}/instances/{instance_id}/tasks/{task_id}"
            ),
            "ShowTask"
        );
    }

    #[test]
    fn github_urls() {
        let o = origin_of_url(
            "https://raw.githubusercontent.com/opentelekomcloud-docs/elastic-volume-service/main/api-ref/source/a.rst",
        );
        assert_eq!(
            o.repository.as_deref(),
            Some("opentelekomcloud-docs/elastic-volume-service")
        );
        assert_eq!(o.branch.as_deref(), Some("main"));
        assert_eq!(o.path.as_deref(), Some("api-ref/source/a.rst"));
        assert_eq!(o.revision, None);
        let c = "313fb2efdb20651222a0ac5411cab2c0e841512a";
        let o = origin_of_url(&format!(
            "https://raw.githubusercontent.com/opentelekomcloud-docs/x/{c}/p/a.rst"
        ));
        assert_eq!(o.revision.as_deref(), Some(c));
        assert_eq!(
            o.url,
            "https://raw.githubusercontent.com/opentelekomcloud-docs/x/main/p/a.rst"
        );
        assert!(
            origin_of_url("https://example.com/a.rst")
                .repository
                .is_none()
        );
    }

    #[test]
    fn dates() {
        assert!(valid_date(&today()), "{}", today());
        assert!(!valid_date("2026-1-01"));
    }
}
