//! Test support for cloudjobs: the modules generated from the fixture specs in
//! `fixtures/ok/` (by `build.rs`), so that "the generated code compiles" is checked by every
//! build, and the tests in `tests/` can use them.

/// One module per fixture spec in `fixtures/ok/`.
pub mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixtures/mod.rs"));
}

pub mod binaries;
pub mod faulty;
pub mod jobsim;
pub mod paths;
pub mod support;
