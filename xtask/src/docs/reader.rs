//! Reading a document into the model: through the Python readers
//! (`xtask/tools/docmodel.py read FILE --format F`, run with the project's pinned venv), or
//! directly from a model JSON file (`.json`, what the reader prints).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::model::DocModel;

/// The formats a document may have; `model` is the reader's own output, read as is.
pub const FORMATS: [&str; 4] = ["rst", "html", "page-text", "model"];

/// The env var naming a Python interpreter to use instead of the pinned venv (it must have
/// the packages of `xtask/tools/requirements.txt`).
pub const PYTHON_ENV: &str = "CLOUDJOBS_PYTHON";

/// The env var naming another reader script (default `xtask/tools/docmodel.py`), for
/// trying a reader out.
pub const READER_ENV: &str = "CLOUDJOBS_DOCMODEL";

/// The reader's format for a file: `hint` when given, else from its extension (`.rst`,
/// `.html`/`.htm`, `.txt` for page text, `.json` for a model).
pub fn format_of(path: &Path, hint: Option<&str>) -> Result<String, String> {
    if let Some(h) = hint {
        return if FORMATS.contains(&h) {
            Ok(h.to_owned())
        } else {
            Err(format!(
                "unknown document format `{h}`: use {}",
                FORMATS.join(", ")
            ))
        };
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = if name.ends_with(".rst") {
        "rst"
    } else if name.ends_with(".html") || name.ends_with(".htm") {
        "html"
    } else if name.ends_with(".txt") {
        "page-text"
    } else if name.ends_with(".json") {
        "model"
    } else {
        return Err(format!(
            "{}: cannot tell the document's format from its name: give --doc-format {}",
            path.display(),
            FORMATS.join("|")
        ));
    };
    Ok(format.to_owned())
}

/// Reads a document. An unreadable document is an error carrying the reader's
/// `FILE:LINE: message`.
pub fn read(root: &Path, path: &Path, format: &str) -> Result<DocModel, String> {
    let shown = path.display().to_string();
    if !path.is_file() {
        return Err(format!("{shown}: no such file"));
    }
    if format == "model" {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read it: {e}"))?;
        return DocModel::from_json(&text, &shown);
    }
    let script = std::env::var_os(READER_ENV)
        .filter(|p| !p.is_empty())
        .map_or_else(|| root.join("xtask/tools/docmodel.py"), PathBuf::from);
    if !script.is_file() {
        return Err(format!(
            "{} is missing, so {shown} cannot be read (a model JSON file, `.json`, can be given instead)",
            script.display()
        ));
    }
    let python = python(root)?;
    let output = Command::new(&python)
        .arg(&script)
        .arg("read")
        .arg(path)
        .args(["--format", format])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    if !output.status.success() {
        return Err(match output.status.code() {
            Some(2) if !stderr.is_empty() => stderr,
            _ => format!(
                "the document reader failed on {shown} ({}){}",
                output.status,
                if stderr.is_empty() {
                    String::new()
                } else {
                    format!(":\n{stderr}")
                }
            ),
        });
    }
    let stdout = String::from_utf8(output.stdout)
        .map_err(|_| format!("{shown}: the reader printed something that is not UTF-8"))?;
    DocModel::from_json(&stdout, &shown)
}

/// The interpreter: `CLOUDJOBS_PYTHON`, else the pinned venv (installed when missing or
/// out of date, as `cargo xtask validate` does).
fn python(root: &Path) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    crate::tools::python(root)
}
