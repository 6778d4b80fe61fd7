//! Generating a whole folder of specs into a folder of modules, as `cargo xtask regen` does.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod registry_file;
pub mod root;

use crate::emit::docs::escape_controls;
use crate::{EmitOptions, Error, ErrorKind, Generated, generate_file, module_name};

/// One generated file.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// The file name inside the output folder (`cae_jobs.rs`, `mod.rs`).
    pub name: String,
    /// Its contents.
    pub contents: String,
    /// The spec it came from, with its statistics (`None` for `mod.rs`).
    pub source: Option<SpecReport>,
}

/// What generating one spec gave.
#[derive(Debug, Clone)]
pub struct SpecReport {
    /// The spec label (`specs/cae-jobs.yaml`).
    pub spec: String,
    /// Number of operations.
    pub operations: usize,
    /// Number of named types.
    pub types: usize,
    /// Lines of generated code.
    pub lines: usize,
    /// What the generator worked around.
    pub warnings: Vec<crate::Warning>,
    /// How long generation took.
    pub elapsed: Duration,
}

/// The spec files of a folder (`.yaml`, `.yml`, `.json`), sorted by name; an error for the
/// first whose name is not a [`spec_file_name`].
pub fn spec_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let label = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            &label,
            "#",
            format!("cannot list the folder: {e}"),
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    files.sort();
    for file in &files {
        spec_file_name(file)?;
    }
    Ok(files)
}

/// The file name of a spec, when it is a safe one: an ASCII letter or digit, then letters,
/// digits, `.`, `_` and `-`, ending in `.yaml`, `.yml` or `.json`. The name is written into
/// generated code (the `@generated` comment, the module's docs) and messages, so a name
/// with a line break or any other character is refused, naming the file.
pub fn spec_file_name(path: &Path) -> Result<&str, Error> {
    let name = path.file_name().and_then(|n| n.to_str());
    let safe = name.filter(|name| {
        let stem = [".yaml", ".yml", ".json"]
            .iter()
            .find_map(|ext| name.strip_suffix(ext));
        stem.is_some_and(|stem| {
            stem.starts_with(|c: char| c.is_ascii_alphanumeric())
                && stem
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        })
    });
    safe.ok_or_else(|| {
        Error::new(
            ErrorKind::Invalid,
            &escape_controls(&path.display().to_string()),
            "#",
            format!(
                "the spec file name {:?} is not allowed: a spec file name is ASCII letters, \
                 digits, `.`, `_` and `-`, starting with a letter or digit and ending in \
                 `.yaml`, `.yml` or `.json`; rename the file",
                path.file_name().unwrap_or_default()
            ),
        )
    })
}

/// Generates every spec in `specs_dir` (labelled `<label_prefix>/<file>` in messages and
/// headers), plus a `mod.rs` that declares the modules. All or nothing: any error is
/// returned, with every other spec's errors too.
pub fn generate_dir(
    specs_dir: &Path,
    label_prefix: &str,
    options: &EmitOptions,
) -> Result<Vec<OutputFile>, Vec<Error>> {
    let files = spec_files(specs_dir).map_err(|e| vec![e])?;
    let mut out = Vec::new();
    let mut apis = Vec::new();
    let mut errors = Vec::new();
    for path in &files {
        let file_name = spec_file_name(path).map_err(|e| vec![e])?;
        let label = format!("{label_prefix}/{file_name}");
        let module = module_name(path);
        let started = Instant::now();
        match generate_file(path, &label, &module, options) {
            Ok(_) if module == registry_file::MODULE => errors.push(Error::new(
                ErrorKind::Invalid,
                &label,
                "#",
                format!("the module name `{module}` is taken by the generated job registry; rename the spec file"),
            )),
            Ok(Generated { code, api }) => {
                out.push(OutputFile {
                    name: format!("{module}.rs"),
                    source: Some(SpecReport {
                        spec: label,
                        operations: api.operations.len(),
                        types: api.types.len(),
                        lines: code.lines().count(),
                        warnings: api.warnings.clone(),
                        elapsed: started.elapsed(),
                    }),
                    contents: code,
                });
                apis.push(api);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let modules: Vec<String> = out
        .iter()
        .map(|f| f.name.trim_end_matches(".rs").to_owned())
        .collect();
    let registry = registry_file::registry_rs(&apis, options, label_prefix)?;
    out.push(OutputFile {
        name: format!("{}.rs", registry_file::MODULE),
        contents: registry,
        source: None,
    });
    out.push(OutputFile {
        name: "mod.rs".into(),
        contents: mod_rs(&modules, &options.generated_by, label_prefix),
        source: None,
    });
    Ok(out)
}

/// The `mod.rs` declaring the generated modules (`modules` excludes the registry, which is
/// declared last).
pub fn mod_rs(modules: &[String], generated_by: &str, label_prefix: &str) -> String {
    // Line comments: a line break in a name would end the comment and start code.
    let generated_by = escape_controls(generated_by);
    let label_prefix = escape_controls(label_prefix);
    let mut s = format!(
        "// @generated by `{generated_by}` from `{label_prefix}/`: do not edit by hand.\n\n//! The generated clients, one module per spec in `{label_prefix}/`, and the [`registry`] of\n//! every job service among them.\n\n// prettyplease formats these files when they are generated; `rustfmt::skip` keeps\n// `cargo fmt` from reformatting them, so `cargo xtask check` compares like with like.\n"
    );
    for m in modules {
        s.push_str(&format!("\n#[rustfmt::skip]\npub mod {m};\n"));
    }
    s.push_str(&format!(
        "\n#[rustfmt::skip]\npub mod {};\n",
        registry_file::MODULE
    ));
    s
}
