//! The document tooling of cloudjobs: follow the cloud documents the specs come from.
//!
//! - `diff OLD NEW`: the semantic difference of two versions of a document (`compare.rs`).
//! - `check [SPEC...]`: what a spec's primary source document says that the spec lacks or
//!   contradicts (`drift.rs`), with the deliberate deviations of `accepted`.
//! - `pull [SPEC...]`: download every source (`target/docs/<spec>/`), tell which changed by
//!   sha256, diff a changed versioned source against its recorded revision, and check.
//!
//! - `eval` and `sweep` (developer commands, on local clones of the documents' repositories):
//!   `docs diff` scored on labelled real version pairs, and run on every page version.
//!
//! `cargo xtask docs` runs these ([`arguments::DocsCommand`] is its argument parser), and so does
//! this crate's own binary, `cloudjobs-docs`, which the tests run.
//!
//! Documents are read into the model of `doctools/readers/DOCMODEL.md` by the Python readers
//! of `doctools/readers/` (`reader.rs`, in the pinned venv of [`venv`]); everything that
//! compares lives here.

pub mod arguments;
mod commands;
mod compare;
mod draft;
mod drift;
mod eval;
mod fetch;
mod model;
mod outcome;
mod pull;
mod reader;
mod render;
mod report;
mod safe;
mod spec;
pub mod venv;

use std::path::Path;

pub use arguments::DocsCommand;
pub use commands::DOCS_DIR_ENV;
pub use outcome::Outcome;

/// Runs a `docs` command in the project at `root` and returns what it would print, with every
/// control character of document or spec text escaped (`cloudjobs_runtime::text`; a JSON report
/// stays the same JSON): no document can drive the terminal.
pub fn run(root: &Path, command: &DocsCommand) -> Outcome {
    let raw = match command {
        DocsCommand::Diff(args) => commands::run_diff(root, args),
        DocsCommand::Check(args) => commands::run_check(root, args),
        DocsCommand::Pull(args) => pull::run_pull(root, args),
        DocsCommand::Eval(args) => eval::run_eval(root, args),
        DocsCommand::Sweep(args) => eval::run_sweep(root, args),
        DocsCommand::Draft(args) => draft::run_draft(root, args),
    };
    let stdout = if raw.stdout.trim_start().starts_with(['{', '[']) {
        safe::terminal_json(&raw.stdout).into_owned()
    } else {
        safe::terminal(&raw.stdout).into_owned()
    };
    Outcome {
        code: raw.code,
        stdout,
        stderr: safe::terminal(&raw.stderr).into_owned(),
    }
}
