//! The arguments of `cargo xtask docs` (and of this crate's own binary, `cloudjobs-docs`):
//! one clap definition, embedded in xtask's parser as its `docs` command.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use cloudjobs_codegen::diff::Format;

/// `docs diff|check|pull`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum DocsCommand {
    /// The semantic difference of two versions of a document
    ///
    /// Fields added or removed (with their nesting path), types, mandatory flags, listed
    /// values, parameters, status codes, method and path, example bodies (as parsed JSON).
    /// Descriptions, wording, table layout, anchors, link text and the file's location report
    /// nothing. Exit code: 0 no semantic difference, 1 differences, 2 bad input.
    Diff(DiffArgs),
    /// Each spec against its primary source document
    ///
    /// Each spec (default: every specs/*.yaml with info.x-cloudjobs-sources) against its
    /// primary source document: what the document says that the spec lacks or contradicts is
    /// drift; places its `accepted` list names are accepted (with the reason); what the spec
    /// has beyond the document is a note. The document is --doc FILE (checked with the
    /// primary entry's accepted list), else the copy `docs pull` downloaded, else the url.
    /// Exit code: 0 no drift (accepted findings and notes allowed), 1 drift, 2 bad input.
    Check(CheckArgs),
    /// Download every source, tell which changed, diff and check
    ///
    /// Downloads every source url into `target/docs/<spec>/` (never committed), compares its
    /// sha256 with the recorded one, diffs a changed versioned source (repository, path and
    /// revision on GitHub) against the recorded revision, then checks the spec against the
    /// current primary document. Exit code: 0 nothing changed and no drift, 1 a document
    /// changed or drift, 2 bad input or a failed download.
    Pull(PullArgs),
    /// Developer: score `docs diff` on the labelled real version pairs
    ///
    /// Materialises every pair of doctools/eval/history/*.toml from local clones of the
    /// documents' repositories (by commit, into target/docs-eval/), diffs it and compares the
    /// report with the pair's labels: precision, recall, false alarms on cosmetic pairs, and
    /// every pair the report gets wrong. Needs the clones, so it is not part of
    /// `cargo xtask test`. Exit code: 0 every pair right, 1 some wrong, 2 bad input.
    Eval(EvalArgs),
    /// Developer: read and diff every version of every api-ref page of local clones
    ///
    /// Every version of every `api-ref/source/**.rst` page in the history of each clone is
    /// read, and diffed against its predecessor; prints the counts, the time, and every page
    /// refused although it names a method and a path. Exit code: 0 none refused, 1 some, 2
    /// bad input.
    Sweep(SweepArgs),
    /// A spec drafted from a document page, for review
    ///
    /// Reads the page (a local file or a URL; a raw GitHub `opentelekomcloud-docs` URL is
    /// recorded as a versioned source) and writes an OpenAPI 3.0.3 spec in the house style
    /// of specs/: sources, servers from doctools/services.toml, every parameter, the request
    /// body, every status, response schemas, values, examples, and for a job page a proposed
    /// x-cloudjobs-job. Every guess is a `# review:` comment; a summary of them goes to
    /// standard error. The draft is loaded back with the generator and checked against its
    /// own page before it is written. `--eval` (developer) drafts the page of every spec with
    /// a versioned source at its recorded revision from local clones and scores the drafts
    /// against the hand-written specs. Exit code: 0 drafted, 2 an unreadable page or bad
    /// input (with --eval: 0 every draft made, 1 some failed).
    Draft(DraftArgs),
}

/// The report's format and the documents' format, common to the commands.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct FormatArgs {
    /// The report: `text`, `markdown` (to paste into a pull request) or `json`.
    #[arg(short, long, default_value = "text")]
    pub format: Format,
}

/// `docs diff OLD NEW`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct DiffArgs {
    /// The old version of the document.
    pub old: PathBuf,
    /// The new version.
    pub new: PathBuf,
    /// How both are read (default: from the file name: .rst, .html, .txt = page text,
    /// .json = a model the reader printed).
    #[arg(long, value_name = "FORMAT", value_parser = crate::reader::FORMATS)]
    pub doc_format: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub report: FormatArgs,
}

/// `docs check [SPEC...]`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct CheckArgs {
    /// Specs by file or name (default: every spec with info.x-cloudjobs-sources).
    pub specs: Vec<String>,
    /// Check one spec against this file instead of its downloaded source.
    #[arg(long, value_name = "FILE")]
    pub doc: Option<PathBuf>,
    /// How `--doc` is read (default: from its file name, else the source entry's format).
    #[arg(long, value_name = "FORMAT", value_parser = crate::reader::FORMATS, requires = "doc")]
    pub doc_format: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub report: FormatArgs,
}

/// `docs pull [SPEC...]`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct PullArgs {
    /// Specs by file or name (default: every spec with info.x-cloudjobs-sources).
    pub specs: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub report: FormatArgs,
}

/// `docs eval`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct EvalArgs {
    /// The folder of labelled pairs (default: doctools/eval/history).
    #[arg(long, value_name = "DIR")]
    pub manifest: Option<PathBuf>,
    /// The folder of clones: `owner+name/repo` (as the fetch tool writes them), `owner+name`,
    /// `name` or `name.git` (default: ../.mirror beside the checkout).
    #[arg(long, value_name = "DIR")]
    pub repos: Option<PathBuf>,
    /// Only these pairs (an id, or an id's prefix before `-`: `ims`).
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// Print every pair's score as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also read both versions of every pair rewritten in each way that must not change a
    /// model (re-padded tables, simple/grid/list tables, renamed anchors, reordered value
    /// bullets, reflowed paragraphs) and report every report that changes.
    #[arg(long)]
    pub metamorphic: bool,
    /// With --metamorphic: only these rewrites (default: all).
    #[arg(long, value_name = "NAME", requires = "metamorphic", value_parser = REWRITE_NAMES)]
    pub rewrite: Vec<String>,
}

/// The readers' rewrites, as `--rewrite` takes them.
const REWRITE_NAMES: [&str; 6] = crate::reader::REWRITES;

/// `docs sweep`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct SweepArgs {
    /// The folder of clones, as for `docs eval` (default: ../.mirror beside the checkout).
    #[arg(long, value_name = "DIR")]
    pub repos: Option<PathBuf>,
    /// Only these repositories, `owner/name` (default: every `opentelekomcloud-docs+*` clone).
    pub repo: Vec<String>,
    /// Also read every page version rewritten in each way that must not change a model, and
    /// report every version whose rewritten model differs and every pair whose report changes.
    #[arg(long)]
    pub metamorphic: bool,
    /// With --metamorphic: only these rewrites (default: all).
    #[arg(long, value_name = "NAME", requires = "metamorphic", value_parser = REWRITE_NAMES)]
    pub rewrite: Vec<String>,
}

/// `docs draft SOURCE`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct DraftArgs {
    /// The page: a file, or an http(s) URL.
    #[arg(required_unless_present = "eval")]
    pub source: Option<String>,
    /// How the page is read (default: from its name: .rst, .html, .txt = page text).
    #[arg(long, value_name = "FORMAT", value_parser = ["rst", "html", "page-text"])]
    pub format: Option<String>,
    /// The service (a name or alias of doctools/services.toml; default: from the source's
    /// repository).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Write the draft to FILE (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing FILE.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// For a local file: the page's published address, recorded as the source's url.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The commit the page was read at (recorded as the source's revision).
    #[arg(long, value_name = "COMMIT")]
    pub revision: Option<String>,
    /// The date recorded as `checked` (YYYY-MM-DD; default: today).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Developer: draft every versioned spec's page from local clones and score the drafts
    /// (a spec without a versioned source or a clone is skipped and listed).
    #[arg(long, conflicts_with_all = ["source", "output", "url", "revision"])]
    pub eval: bool,
    /// With --eval: the folder of clones (default: ../.mirror beside the checkout).
    #[arg(long, value_name = "DIR", requires = "eval")]
    pub repos: Option<PathBuf>,
    /// With --eval: only these specs (file stems: `evs-jobs`, or `evs`).
    #[arg(long, value_name = "SPEC", requires = "eval")]
    pub only: Vec<String>,
    /// With --eval: print every spec's items and the figures as JSON.
    #[arg(long, requires = "eval")]
    pub json: bool,
}

/// What every command's help ends with: where documents are read and what moves things.
pub const AFTER_HELP: &str = "\
Documents are read by doctools/readers/docmodel.py with the pinned venv (target/tools/venv,
installed when missing); the format comes from the source entry, else from the file name
(.rst, .html, .txt = page text, .json = a model the reader printed).

Environment: CLOUDJOBS_DOCS_BASE_URL replaces https://raw.githubusercontent.com;
CLOUDJOBS_DOCS_URL_MAP=FROM=TO;... rewrites URL prefixes; CLOUDJOBS_DOCS_DIR moves
target/docs; CLOUDJOBS_PYTHON names the interpreter instead of the venv;
CLOUDJOBS_DOCMODEL names another reader script; CLOUDJOBS_DOCS_MAX_BYTES (4 MiB),
CLOUDJOBS_DOCS_MAX_DEPTH (64 levels) and CLOUDJOBS_DOCS_READER_TIMEOUT (60 s) raise the
readers' limits.";

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory as _, Parser};

    #[derive(Debug, Parser)]
    #[command(name = "docs", no_binary_name = true)]
    struct Standalone {
        #[command(subcommand)]
        command: DocsCommand,
    }

    fn parse(line: &str) -> Result<DocsCommand, clap::Error> {
        Standalone::try_parse_from(line.split_whitespace()).map(|s| s.command)
    }

    #[test]
    fn the_definition_is_consistent() {
        Standalone::command().debug_assert();
    }

    #[test]
    fn arguments_parse() {
        let DocsCommand::Check(c) =
            parse("check a.yaml --doc x.rst --format=json --doc-format rst").unwrap()
        else {
            panic!("check")
        };
        assert_eq!(c.specs, ["a.yaml"]);
        assert_eq!(c.doc, Some(PathBuf::from("x.rst")));
        assert_eq!(c.doc_format.as_deref(), Some("rst"));
        assert_eq!(c.report.format, Format::Json);
    }

    #[test]
    fn bad_arguments_are_refused_with_exit_2() {
        for line in [
            "check --format yaml",
            "check --doc",
            "check --colour",
            "diff only-one.json",
            "diff a b c",
            "pull --doc x.rst",
            "diff a.rst b.rst --doc-format word",
            "check --doc-format rst",
            "frobnicate",
        ] {
            let e = parse(line).expect_err(line);
            assert_eq!(e.exit_code(), 2, "{line}: {e}");
        }
        let e = parse("diff --help").unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
    }
}
