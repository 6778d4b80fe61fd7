//! `cloudjobs-docs diff|check|pull`: the document tooling on its own, as `cargo xtask docs`
//! runs it (the same arguments), in the project around the current folder.

use std::process::ExitCode;

use clap::Parser;
use cloudjobs_doctools::{DocsCommand, arguments::AFTER_HELP};

/// Follow the cloud documents the specs come from.
#[derive(Debug, Parser)]
#[command(name = "cloudjobs-docs", after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: DocsCommand,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cloudjobs_codegen::project::root::project_root() {
        Ok(root) => cloudjobs_doctools::run(&root, &cli.command).print(),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
