//! `cloudjobs-codegen`: an OpenAPI 3.0 to Rust client generator.
//!
//! The pipeline has three stages, each a module that can be used and tested on its own:
//!
//! 1. [`load`]: YAML or JSON into `openapiv3::OpenAPI` (plus the raw tree, for `$ref`s and
//!    error pointers), repairing well-known deviations with a [`Warning`].
//! 2. [`lower`]: the document into the [`ir`]: `$ref`s resolved, names decided once,
//!    recursion made representable.
//! 3. [`emit`]: the IR into tokens (quote), a `syn::File`, and text (prettyplease).
//!
//! Every failure is an [`Error`] naming the file and the JSON pointer of the node.
//!
//! ```
//! let spec = r#"
//! openapi: 3.0.3
//! info: {title: Jobs, version: "1"}
//! paths:
//!   /jobs/{job_id}:
//!     get:
//!       operationId: ShowJob
//!       parameters:
//!         - {name: job_id, in: path, required: true, schema: {type: string}}
//!       responses:
//!         "200":
//!           description: The job.
//!           content:
//!             application/json:
//!               schema:
//!                 type: object
//!                 properties: {status: {type: string, enum: [RUNNING, SUCCESS]}}
//! "#;
//! let out = cloudjobs_codegen::generate_str(spec, "specs/jobs.yaml", "jobs", &Default::default()).unwrap();
//! assert!(out.code.contains("pub fn show_job(&self, job_id: impl Into<String>)"));
//! assert!(out.code.contains("Unknown(String)"));
//! ```

pub mod diff;
pub mod emit;
pub mod error;
pub mod extensions;
pub mod ir;
pub mod load;
pub mod lower;
pub mod model;
mod names;
pub mod project;

use std::path::Path;

pub use emit::EmitOptions;
pub use error::{Error, ErrorKind, Warning};

/// The result of generating one module.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The module source, formatted.
    pub code: String,
    /// The lowered API (for statistics, and for tools that compare APIs).
    pub api: ir::Api,
}

impl Generated {
    /// What the generator worked around.
    pub fn warnings(&self) -> &[Warning] {
        &self.api.warnings
    }
}

/// Generates the module for the spec file at `path`; `label` names the spec in messages and
/// in the generated header (for example `specs/cae-jobs.yaml`).
pub fn generate_file(
    path: &Path,
    label: &str,
    module: &str,
    options: &EmitOptions,
) -> Result<Generated, Error> {
    let doc = load::load_file(path, label)?;
    generate_doc(&doc, module, options)
}

/// Generates a module from spec text.
pub fn generate_str(
    text: &str,
    label: &str,
    module: &str,
    options: &EmitOptions,
) -> Result<Generated, Error> {
    let doc = load::load_str(text, label)?;
    generate_doc(&doc, module, options)
}

fn generate_doc(
    doc: &load::Document,
    module: &str,
    options: &EmitOptions,
) -> Result<Generated, Error> {
    if let Some(first) = extensions::check(doc).into_iter().next() {
        return Err(first);
    }
    let api = lower::lower(doc, module, &doc.file)?;
    let code = emit::emit(&api, options)?;
    Ok(Generated { code, api })
}

/// Everything the generator can say about a spec without writing code: every problem with
/// its extensions ([`extensions::check`]), then the first that lowering finds (a job
/// pointer that names no field, say); on success, the warnings. `cargo xtask validate` runs
/// this beside the OpenAPI and example checks.
pub fn validate_file(path: &Path, label: &str) -> Result<Vec<Warning>, Vec<Error>> {
    let doc = load::load_file(path, label).map_err(|e| vec![e])?;
    let mut errors = extensions::check(&doc);
    match lower::lower(&doc, &module_name(path), &doc.file) {
        Ok(api) if errors.is_empty() => Ok(api.warnings),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.push(e);
            Err(errors)
        }
    }
}

/// The module name for a spec file: `specs/otc-ims-jobs.yaml` → `otc_ims_jobs`.
pub fn module_name(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("api");
    let stem = stem.strip_suffix(".openapi").unwrap_or(stem);
    names::snake(stem, "api")
        .trim_start_matches("r#")
        .to_owned()
}
