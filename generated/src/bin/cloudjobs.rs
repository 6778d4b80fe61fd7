//! `cloudjobs`: read or wait for an asynchronous job of Open Telekom Cloud IMS, Huawei Cloud
//! CAE, Cloud Firewall or Workspace from the command line. Run `cloudjobs --help`.
//!
//! Built only with the `cli` feature: `cargo install --path generated --features cli`.

#[path = "../cli/mod.rs"]
mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
