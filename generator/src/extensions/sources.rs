//! `info.x-cloudjobs-sources`: the documents a spec was transcribed from. The one reading
//! of the extension: `cargo xtask docs` loads sources with [`Source`], and validation
//! (`cargo xtask validate`, every regen) checks them with [`check`].
//!
//! A source's `url`, `repository`, `branch`, `path` and `revision` become download URLs and
//! folder names, so what they may be is checked here, on every load, before anything uses
//! them ([`Source::check`]).

use serde::Deserialize;
use serde_json::Value;

use super::SOURCES;
use crate::emit::docs::escape_controls as shown;

/// The formats a source document may have.
pub const FORMATS: [&str; 3] = ["rst", "html", "page-text"];

/// The kinds of `docs check` findings an `accepted` entry may name.
pub const ACCEPTED_KINDS: [&str; 8] = [
    "missing",
    "extra",
    "type",
    "mandatory",
    "enum",
    "status",
    "example",
    "path",
];

/// The raw host of GitHub files.
pub const GITHUB_RAW: &str = "https://raw.githubusercontent.com";

/// One entry of `info.x-cloudjobs-sources`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Where the document is published.
    pub url: String,
    /// `rst`, `html` or `page-text`.
    pub format: String,
    /// `owner/name` on GitHub, for versioned sources.
    #[serde(default)]
    pub repository: Option<String>,
    /// The branch `url` follows.
    #[serde(default)]
    pub branch: Option<String>,
    /// The file in the repository.
    #[serde(default)]
    pub path: Option<String>,
    /// The commit transcribed, or `unknown`.
    #[serde(default = "unknown")]
    pub revision: String,
    /// The sha256 of the bytes transcribed or last checked, or `unknown`.
    #[serde(default = "unknown")]
    pub sha256: String,
    /// When last checked (for people).
    #[serde(default)]
    pub checked: Option<String>,
    /// The operationId the document describes.
    #[serde(default)]
    pub operation: Option<String>,
    /// Free text (for people); required when `revision` or `sha256` is `unknown`.
    #[serde(default)]
    pub note: Option<String>,
    /// Deliberate deviations.
    #[serde(default)]
    pub accepted: Vec<Accepted>,
}

fn unknown() -> String {
    "unknown".into()
}

/// A deliberate deviation of the spec from its document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// The place, as `docs check` prints it.
    pub at: String,
    /// Optionally, the kind of finding it covers (one of [`ACCEPTED_KINDS`]).
    #[serde(default)]
    pub kind: Option<String>,
    /// Why.
    pub reason: String,
}

/// A problem with a spec's sources: the JSON pointer (`#/info/x-cloudjobs-sources/0/path`)
/// and what is wrong.
pub type Problem = (String, String);

/// The sources of a spec's raw document (empty when it has none), each checked with
/// [`Source::check`].
pub fn load(raw: &Value) -> Result<Vec<Source>, Problem> {
    let here = format!("#/info/{SOURCES}");
    let Some(value) = raw.pointer(&format!("/info/{SOURCES}")) else {
        return Ok(Vec::new());
    };
    let sources = Vec::<Source>::deserialize(value).map_err(|e| {
        (
            here.clone(),
            format!("{} (see specs/README.md)", shown(&e.to_string())),
        )
    })?;
    for (i, source) in sources.iter().enumerate() {
        source
            .check()
            .map_err(|(key, e)| (format!("{here}/{i}/{key}"), e))?;
    }
    Ok(sources)
}

/// Every problem of a spec's sources, for validation: what [`load`] refuses, and the rules
/// for people (the keys `url`, `format`, `revision` and `sha256` written out, a `note` where
/// either is `unknown`, an `operation` that exists, `accepted` kinds that exist).
pub fn check(raw: &Value, operation_ids: &[&str]) -> Vec<Problem> {
    let here = format!("#/info/{SOURCES}");
    let Some(value) = raw.pointer(&format!("/info/{SOURCES}")) else {
        return Vec::new();
    };
    let Some(entries) = value.as_array().filter(|a| !a.is_empty()) else {
        return vec![(here, "must be a non-empty list of source documents".into())];
    };
    let mut problems = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("{here}/{i}");
        for key in ["url", "format", "revision", "sha256"] {
            if entry
                .get(key)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                problems.push((
                    at.clone(),
                    format!(
                        "missing required key `{key}` (a string; `unknown` for an unknown revision or sha256)"
                    ),
                ));
            }
        }
        let source = match Source::deserialize(entry) {
            Ok(s) => s,
            Err(e) => {
                problems.push((at, shown(&e.to_string())));
                continue;
            }
        };
        if let Err((key, e)) = source.check() {
            problems.push((format!("{at}/{key}"), e));
        }
        let unknown_kept = source.known_revision().is_none() || source.known_sha256().is_none();
        if unknown_kept && source.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            problems.push((
                at.clone(),
                "an `unknown` revision or sha256 needs a `note` saying why".into(),
            ));
        }
        if let Some(op) = &source.operation
            && !operation_ids.contains(&op.as_str())
        {
            problems.push((
                format!("{at}/operation"),
                format!("no operation `{}` in this spec", shown(op)),
            ));
        }
        for (j, accepted) in source.accepted.iter().enumerate() {
            let where_ = format!("{at}/accepted/{j}");
            if accepted.reason.trim().is_empty() || accepted.at.trim().is_empty() {
                problems.push((
                    where_.clone(),
                    "needs `at` (a place as `cargo xtask docs check` names it) and a `reason`"
                        .into(),
                ));
            }
            if let Some(kind) = &accepted.kind
                && !ACCEPTED_KINDS.contains(&kind.as_str())
            {
                problems.push((
                    format!("{where_}/kind"),
                    format!(
                        "`{}` is not one of {}",
                        shown(kind),
                        ACCEPTED_KINDS.join(", ")
                    ),
                ));
            }
        }
    }
    problems
}

impl Source {
    /// The recorded revision, when known.
    pub fn known_revision(&self) -> Option<&str> {
        Some(self.revision.as_str()).filter(|r| *r != "unknown" && !r.is_empty())
    }

    /// The recorded sha256, when known.
    pub fn known_sha256(&self) -> Option<&str> {
        Some(self.sha256.as_str()).filter(|r| *r != "unknown" && !r.is_empty())
    }

    /// For a versioned source on GitHub (`repository`, `path`, a known `revision`, and a
    /// `url` of the form `https://raw.githubusercontent.com/<repository>/<branch>/<path>`):
    /// the same URL with the recorded revision in place of the branch.
    pub fn recorded_url(&self) -> Option<String> {
        let repository = self.repository.as_deref()?;
        let path = self.path.as_deref()?;
        let revision = self.known_revision()?;
        let prefix = format!("{GITHUB_RAW}/{repository}/");
        let rest = self.url.strip_prefix(&prefix)?;
        let branch = rest.strip_suffix(&format!("/{path}"))?;
        if self.branch.as_deref().is_some_and(|b| b != branch) {
            return None;
        }
        Some(format!("{prefix}{revision}/{path}"))
    }

    /// Checks what downloads and file names are made of (`url`, `format`, `repository`,
    /// `branch`, `path`, `revision`, `sha256`); an error is the key and what is wrong.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        check_url(&self.url).map_err(|e| ("url", e))?;
        if !FORMATS.contains(&self.format.as_str()) {
            return Err((
                "format",
                format!(
                    "`{}` is not one of {}",
                    shown(&self.format),
                    FORMATS.join(", ")
                ),
            ));
        }
        if let Some(r) = &self.repository {
            check_repository(r).map_err(|e| ("repository", e))?;
        }
        if let Some(b) = &self.branch {
            check_branch(b).map_err(|e| ("branch", e))?;
        }
        if let Some(p) = &self.path {
            check_repo_path(p).map_err(|e| ("path", e))?;
        }
        if self.revision != "unknown" && !is_lower_hex(&self.revision, 40) {
            return Err((
                "revision",
                format!(
                    "`{}` is not a full 40-digit commit id (lower-case hex) or `unknown`",
                    shown(&self.revision)
                ),
            ));
        }
        if self.sha256 != "unknown" && !is_lower_hex(&self.sha256, 64) {
            return Err((
                "sha256",
                format!(
                    "`{}` is not 64 lower-case hex digits or `unknown`",
                    shown(&self.sha256)
                ),
            ));
        }
        Ok(())
    }

    /// The file name downloads of this source get: the last segment of the URL path, with
    /// anything but ASCII letters, digits, `.`, `-` and `_` replaced by `_`.
    pub fn file_name(&self) -> String {
        let no_query = self.url.split(['?', '#']).next().unwrap_or(&self.url);
        let last = no_query.rsplit('/').next().unwrap_or("");
        let cleaned: String = last
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
            format!("document.{}", extension(&self.format))
        } else {
            cleaned
        }
    }
}

/// The extension a document of a format is saved with.
pub fn extension(format: &str) -> &'static str {
    match format {
        "rst" => "rst",
        "html" => "html",
        _ => "txt",
    }
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An `http(s)` URL with a host, of printable ASCII without spaces.
fn check_url(url: &str) -> Result<(), String> {
    let bad = |why: &str| format!("`{}` is not an http(s) URL: {why}", shown(url));
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("it must start with https:// or http://"))?;
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("it has spaces, control or non-ASCII characters"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !host_ok || authority.contains('@') {
        return Err(bad("it has no plain host"));
    }
    Ok(())
}

/// `owner/name` as GitHub allows them: the owner of ASCII letters, digits and `-` (not
/// first, at most 39), the name of ASCII letters, digits, `.`, `_` and `-` (not `.` or
/// `..`, at most 100).
fn check_repository(repository: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "`{}` is not `owner/name` (owner: letters, digits and `-`; name: letters, digits, `.`, `_` and `-`)",
            shown(repository)
        )
    };
    let (owner, name) = repository.split_once('/').ok_or_else(bad)?;
    let owner_ok = (1..=39).contains(&owner.len())
        && !owner.starts_with('-')
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let name_ok = (1..=100).contains(&name.len())
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if owner_ok && name_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// A branch name git accepts, of ASCII letters, digits and `.`, `_`, `-`, `+`, `/`: segments
/// separated by `/`, none empty, starting with `.` or ending with `.lock`, no `..`, not
/// ending with `.`.
fn check_branch(branch: &str) -> Result<(), String> {
    let ok = (1..=255).contains(&branch.len())
        && branch
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+' | b'/'))
        && !branch.contains("..")
        && !branch.ends_with('.')
        && branch
            .split('/')
            .all(|s| !s.is_empty() && !s.starts_with('.') && !s.ends_with(".lock"));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a branch name (letters, digits, `.`, `_`, `-`, `+` and `/`-separated segments; no `..`, no segment empty or starting with `.`)",
            shown(branch)
        ))
    }
}

/// A file in a repository: relative, `/`-separated segments, none empty, `.` or `..`, no
/// control character, `\`, `?`, `#` or `%` (a URL would read those as something else).
fn check_repo_path(path: &str) -> Result<(), String> {
    let problem = if path.is_empty() || path.len() > 1024 {
        Some("is empty or longer than 1024 bytes")
    } else if path.starts_with('/') {
        Some("is absolute")
    } else if shown(path) != path {
        Some("contains a control character")
    } else if path.contains(['\\', '?', '#', '%']) {
        Some("contains `\\`, `?`, `#` or `%`")
    } else if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        Some("has an empty, `.` or `..` segment")
    } else {
        None
    };
    match problem {
        Some(p) => Err(format!(
            "`{}` {p}: not a relative file path in the repository",
            shown(path)
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change that makes one key of a source hostile.
    type Spoil = fn(&mut Source);

    /// A valid versioned source, for the tests to spoil one key of.
    fn versioned() -> Source {
        Source {
            url: format!("{GITHUB_RAW}/o/r/main/a/b.rst"),
            format: "rst".into(),
            repository: Some("o/r".into()),
            branch: Some("main".into()),
            path: Some("a/b.rst".into()),
            revision: "0123456789012345678901234567890123456789".into(),
            sha256: "unknown".into(),
            checked: None,
            operation: None,
            note: None,
            accepted: Vec::new(),
        }
    }

    #[test]
    fn hostile_sources_are_refused_naming_the_key() {
        assert_eq!(versioned().check(), Ok(()));
        let cases: [(&str, Spoil); 12] = [
            ("revision", |s| s.revision = "x/../../..".into()),
            ("revision", |s| {
                s.revision = "0123456789é/../../xtask?".into()
            }),
            ("revision", |s| s.revision = "0123456789".into()),
            ("repository", |s| s.repository = Some("o/..".into())),
            ("repository", |s| s.repository = Some("o/r/../x".into())),
            ("branch", |s| s.branch = Some("main\n".into())),
            ("path", |s| {
                s.path = Some("../doctools/readers/docmodel/rst.py".into())
            }),
            ("path", |s| s.path = Some("a/b.rst?x".into())),
            ("path", |s| s.path = Some("a/\u{202e}b.rst".into())),
            ("url", |s| s.url = "file:///etc/passwd".into()),
            ("url", |s| s.url = "https://user@169.254.169.254/".into()),
            ("url", |s| s.url = "https://h/a b".into()),
        ];
        for (key, spoil) in cases {
            let mut source = versioned();
            spoil(&mut source);
            let refused = source.check().expect_err(key);
            assert_eq!(refused.0, key, "{refused:?}");
            assert!(!refused.1.contains('\n') && !refused.1.contains('\u{202e}'));
        }
    }

    #[test]
    fn recorded_revision_url() {
        let source = versioned();
        assert_eq!(
            source.recorded_url().unwrap(),
            format!("{GITHUB_RAW}/o/r/0123456789012345678901234567890123456789/a/b.rst")
        );
        assert_eq!(source.file_name(), "b.rst");
        let other_branch = Source {
            branch: Some("dev".into()),
            ..versioned()
        };
        assert_eq!(other_branch.recorded_url(), None);
    }

    #[test]
    fn validation_names_every_rule_for_people() {
        let raw = serde_json::json!({"info": {SOURCES: [
            {"url": "https://h/p.rst", "format": "rst", "sha256": "unknown",
             "operation": "Nope", "accepted": [{"at": "x", "reason": " ", "kind": "odd"}]},
        ]}});
        let problems = check(&raw, &["ShowJob"]);
        let text: Vec<String> = problems.iter().map(|(a, m)| format!("{a}: {m}")).collect();
        let expect = [
            "#/info/x-cloudjobs-sources/0: missing required key `revision`",
            "#/info/x-cloudjobs-sources/0: an `unknown` revision or sha256 needs a `note`",
            "#/info/x-cloudjobs-sources/0/operation: no operation `Nope`",
            "#/info/x-cloudjobs-sources/0/accepted/0: needs `at`",
            "#/info/x-cloudjobs-sources/0/accepted/0/kind: `odd` is not one of",
        ];
        for e in expect {
            assert!(text.iter().any(|t| t.starts_with(e)), "{e}: {text:#?}");
        }
        assert_eq!(text.len(), expect.len(), "{text:#?}");
        let empty = serde_json::json!({"info": {SOURCES: []}});
        assert_eq!(check(&empty, &[]).len(), 1);
    }
}
