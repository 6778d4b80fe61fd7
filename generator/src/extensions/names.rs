//! The extension names, a leaf the loader can use (it repairs `x-extensible-enum`) without
//! the checks, which read loaded documents.

/// On a job operation: JSON pointers into the 200 body for the status and its values, the job
/// id, progress, errors, sub-tasks and resources ([`crate::ir::JobSpec`]).
pub const JOB: &str = "x-cloudjobs-job";
/// `true` on a schema: a point in time in whatever form the server sends.
pub const TIMESTAMP: &str = "x-cloudjobs-timestamp";
/// On `info`: the job service's name and aliases in the registry.
pub const SERVICE: &str = "x-cloudjobs-service";
/// On `info`: the documents the spec was transcribed from (read by `cargo xtask docs`).
pub const SOURCES: &str = "x-cloudjobs-sources";
/// Zalando's open enum on a schema: the known values of a set that may grow.
pub const EXTENSIBLE_ENUM: &str = "x-extensible-enum";
