//! The parts of `cargo xtask` that tests call directly, as a library; the binary
//! (`src/main.rs`) dispatches the commands.

pub mod cli;
pub mod git_diff;
pub mod readme;
pub mod regen;
