//! Errors and warnings, each naming the spec file and the JSON pointer of the node concerned.

use std::fmt;

/// Why a spec could not be turned into code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The spec file, as given to the generator (for example `specs/cae-jobs.yaml`).
    pub file: String,
    /// The JSON pointer (RFC 6901, as a URI fragment) of the offending node, such as
    /// `#/paths/~1v1~1{project_id}~1jobs/get/responses/200`; `#` for the whole document.
    pub pointer: String,
    /// What is wrong, and what to do about it when that is not obvious.
    pub message: String,
    /// What kind of problem it is.
    pub kind: ErrorKind,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// The file is not valid YAML or JSON.
    Syntax,
    /// The document is not an OpenAPI 3.0 document (Swagger 2.0, OpenAPI 3.1, or no version).
    Version,
    /// The document does not match the OpenAPI 3.0 schema at the pointer.
    Invalid,
    /// A `$ref` points at nothing.
    DanglingRef,
    /// A schema contains itself in a way no finite value can satisfy.
    Recursive,
    /// The spec uses something the generator cannot turn into correct code.
    Unsupported,
}

impl Error {
    pub(crate) fn new(
        kind: ErrorKind,
        file: &str,
        pointer: &str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
            kind,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.pointer, self.message)
    }
}

impl std::error::Error for Error {}

/// Something the generator worked around, and how; generation went on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The JSON pointer of the node concerned.
    pub pointer: String,
    /// What was found and what was done instead.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901: `~` as `~0`, `/` as `~1`).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends reference tokens to a pointer.
pub fn child(pointer: &str, tokens: &[&str]) -> String {
    let mut out = pointer.to_owned();
    for t in tokens {
        out.push('/');
        out.push_str(&escape_pointer_token(t));
    }
    out
}
