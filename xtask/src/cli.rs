//! The one argument parser of `cargo xtask` (clap, as the `cloudjobs` command line): every
//! command takes `--help` and refuses unknown arguments before it does anything.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use cloudjobs_doctools::DocsCommand;

use crate::git_diff::DiffArgs;

/// `cargo xtask <command>`.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Project automation for cloudjobs: regenerate, check, compare and follow the specs",
    after_help = "`cargo xtask <command> --help` tells more about each command."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Regenerate generated/src/apis/ from every spec in specs/, all or nothing
    ///
    /// Every spec is regenerated (the registry and mod.rs span them all); the new folder is
    /// written beside the old one and swapped in, so a failure leaves it as it was.
    Regen,
    /// Exit 1 with a diff when generated/src/apis/ is stale
    Check,
    /// Validate specs/ (openapi-spec-validator and the project's extension rules)
    ///
    /// The validator is installed, pinned, into target/tools on first use.
    Validate,
    /// What the spec changes between two git revisions mean for users
    Diff(DiffArgs),
    /// Follow the cloud documents the specs come from: diff, check, pull
    #[command(subcommand, after_help = cloudjobs_doctools::arguments::AFTER_HELP)]
    Docs(DocsCommand),
    /// Everything CI runs: fmt, spec validation, stale check, clippy, all tests, docs
    Test,
    /// Write the `cloudjobs` manual pages into DIR (cloudjobs.1, cloudjobs-wait.1, ...)
    Man {
        /// The folder to write to (default: target/man in the checkout).
        dir: Option<PathBuf>,
    },
    /// Serve every job service of specs/ on 127.0.0.1 to try `cloudjobs` without a cloud
    Jobsim {
        /// The port (0: a free one).
        #[arg(long, default_value_t = 8787)]
        port: u16,
    },
    /// Generate and `cargo check` every spec of a folder of real-world specs
    Corpus(CorpusArgs),
    /// Regen time, clean build, crates, lines and decode speed against cargo-progenitor
    Bench(BenchArgs),
}

/// `cargo xtask corpus`.
#[derive(Debug, Args)]
pub struct CorpusArgs {
    /// The folder of OpenAPI specs (a developer's checkout has ../shared/corpus/specs).
    pub dir: Option<PathBuf>,
    /// Only generate; do not build the generated crates.
    #[arg(long)]
    pub generate_only: bool,
}

/// `cargo xtask bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// `wait`: the job waiter's requests and lateness on simulated jobs (an injected clock,
    /// no sleeping), against today's default and other waiters; without it, the generator
    /// against cargo-progenitor.
    #[arg(value_enum)]
    pub what: Option<BenchWhat>,
    /// `bench wait`: jobs per scenario (at least 300 for the figures).
    #[arg(long, default_value_t = 300)]
    pub jobs: usize,
    /// Skip the clean builds (the slow part).
    #[arg(long)]
    pub no_build: bool,
    /// The folder of real-world specs to time generation on (a developer's checkout has
    /// ../shared/corpus/specs).
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
}

/// What `cargo xtask bench` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchWhat {
    /// The job waiter on simulated jobs.
    Wait,
}

/// The folder of real-world specs: `given`, else `../shared/corpus/specs` beside the checkout
/// when there is one; an error saying what to pass when there is none (a fresh clone).
///
/// # Errors
///
/// When no folder is given and the default does not exist.
pub fn corpus_dir(
    root: &std::path::Path,
    given: Option<&PathBuf>,
    command: &str,
) -> Result<PathBuf, String> {
    if let Some(dir) = given {
        return Ok(dir.clone());
    }
    let default = root.join("../shared/corpus/specs");
    if default.is_dir() {
        return Ok(default);
    }
    Err(format!(
        "no corpus folder: {} does not exist (it is beside a developer's checkout, not in a \
         clone); pass a folder of OpenAPI specs: `cargo xtask {command}`",
        default.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    fn parse(line: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("xtask").chain(line.split_whitespace()))
    }

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_and_stray_arguments_stop_before_anything_runs() {
        for line in [
            "regen --help",
            "man --help",
            "bench --help",
            "corpus -h",
            "diff --help",
            "docs --help",
            "docs diff --help",
        ] {
            let e = parse(line).expect_err(line);
            assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp, "{line}");
        }
        for line in [
            "regen specs/x.yaml",
            "check --all",
            "man a b",
            "bench --fast",
            "test x",
        ] {
            let e = parse(line).expect_err(line);
            assert_eq!(e.exit_code(), 2, "{line}: {e}");
        }
    }

    #[test]
    fn docs_commands_are_parsed_here_too() {
        let Some(Command::Docs(DocsCommand::Diff(d))) =
            parse("docs diff a.rst b.rst --format json")
                .unwrap()
                .command
        else {
            panic!("docs")
        };
        assert_eq!(
            (d.old.to_str(), d.new.to_str()),
            (Some("a.rst"), Some("b.rst"))
        );
        for line in [
            "docs",
            "docs diff a.rst",
            "docs check --colour",
            "docs help x",
        ] {
            let e = parse(line).expect_err(line);
            assert_eq!(e.exit_code(), 2, "{line}: {e}");
        }
        let e = parse("docs pull --help").expect_err("help");
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
    }

    #[test]
    fn a_fresh_clone_is_told_what_to_pass() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("clone");
        let e = corpus_dir(&root, None, "corpus DIR").unwrap_err();
        assert!(
            e.contains("pass a folder of OpenAPI specs: `cargo xtask corpus DIR`"),
            "{e}"
        );
        let given = PathBuf::from("elsewhere");
        assert_eq!(
            corpus_dir(&root, Some(&given), "corpus DIR").unwrap(),
            given
        );
    }
}
