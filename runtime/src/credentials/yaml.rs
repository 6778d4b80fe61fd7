//! `clouds.yaml` and `secure.yaml` as YAML trees, within limits: yaml-rust2's event parser
//! (whose state machine keeps its stack on the heap) driven by a loop of our own instead of
//! its recursive `load`, so that no input can overflow the stack or exhaust memory:
//!
//! - nesting deeper than [`MAX_DEPTH`] levels is refused (yaml-rust2's `load` recursed once
//!   per level: 1 MB of `- - - …` overflowed the stack, and so did dropping the tree);
//! - aliases are expanded as YAML says, but the whole tree may hold at most [`MAX_NODES`]
//!   values and [`MAX_SCALAR_BYTES`] bytes of text, aliases counted at their expanded size
//!   (542 bytes of aliases of aliases expanded to gigabytes: "billion laughs");
//! - the text itself is limited by the reader ([`super::files`]).
//!
//! Every error names the file; none quotes the file's contents (which may be a password).

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::yaml::Hash;
use yaml_rust2::{ScanError, Yaml};

use super::CredentialError;

/// The deepest nesting of sequences and mappings accepted (a `clouds.yaml` needs 4).
pub(crate) const MAX_DEPTH: usize = 64;
/// The most values (scalars, sequences, mappings; aliases at their expanded size) in a file.
pub(crate) const MAX_NODES: usize = 100_000;
/// The most bytes of scalar text in a file, aliases at their expanded size.
pub(crate) const MAX_SCALAR_BYTES: usize = 4 * 1024 * 1024;

/// A finished value and what it costs: its number of values, bytes of text and height (the
/// levels of sequences and mappings it nests: a scalar 0, a collection one more than its
/// highest element).
#[derive(Clone)]
struct Sized {
    value: Yaml,
    nodes: usize,
    bytes: usize,
    height: usize,
}

/// A sequence or mapping still open.
struct Open {
    /// `Array` or `Hash`.
    value: Yaml,
    /// A mapping's key waiting for its value.
    key: Option<Yaml>,
    /// The anchor the collection is known by (0: none).
    anchor: usize,
    /// The file's counters when the collection started (its own cost is the difference).
    nodes_before: usize,
    bytes_before: usize,
    /// The height of its highest element so far.
    child_height: usize,
}

/// The first document of `text` (`Yaml::BadValue` for an empty stream), read from `file`.
pub(crate) fn load(text: &str, file: &Path) -> Result<Yaml, CredentialError> {
    Loader::new(file).run(text)
}

struct Loader<'f> {
    file: &'f Path,
    stack: Vec<Open>,
    /// Finished anchored values by anchor id.
    anchors: HashMap<usize, Sized>,
    /// The first document, once finished.
    first: Option<Yaml>,
    /// The root of the current document, once finished.
    root: Option<Yaml>,
    nodes: usize,
    bytes: usize,
}

impl<'f> Loader<'f> {
    fn new(file: &'f Path) -> Self {
        Self {
            file,
            stack: Vec::new(),
            anchors: HashMap::new(),
            first: None,
            root: None,
            nodes: 0,
            bytes: 0,
        }
    }

    fn error(&self, mark: Option<&Marker>, message: impl Into<String>) -> CredentialError {
        let message = message.into();
        let message = match mark {
            Some(m) => format!("{message} (line {}, column {})", m.line(), m.col() + 1),
            None => message,
        };
        CredentialError::new(Some(self.file), None, message)
    }

    fn scan_error(&self, e: &ScanError) -> CredentialError {
        // yaml-rust2's messages are fixed text, but one quotes a character of the input:
        // escaped, so no control character reaches a terminal.
        self.error(
            Some(e.marker()),
            format!("is not YAML: {}", e.info().escape_debug()),
        )
    }

    fn run(mut self, text: &str) -> Result<Yaml, CredentialError> {
        let mut parser = Parser::new_from_str(text);
        loop {
            let (event, mark) = parser.next_token().map_err(|e| self.scan_error(&e))?;
            match event {
                Event::StreamEnd => break,
                Event::Nothing | Event::StreamStart => {}
                Event::DocumentStart => {
                    // Anchors belong to their document.
                    self.anchors.clear();
                    self.root = None;
                }
                Event::DocumentEnd => {
                    let root = self.root.take().unwrap_or(Yaml::BadValue);
                    self.first.get_or_insert(root);
                }
                Event::Alias(id) => {
                    let Some(anchored) = self.anchors.get(&id).cloned() else {
                        return Err(self.error(
                            Some(&mark),
                            "is not YAML: an alias refers to an anchor that is not complete \
                             (an alias inside its own anchor)",
                        ));
                    };
                    if self.stack.len() + anchored.height > MAX_DEPTH {
                        return Err(self.too_deep(&mark));
                    }
                    self.count(anchored.nodes, anchored.bytes, &mark)?;
                    self.insert(anchored.value, anchored.height, &mark)?;
                }
                Event::Scalar(text, style, anchor, tag) => {
                    self.count(1, text.len(), &mark)?;
                    let bytes = text.len();
                    let value = scalar(text, style, tag.as_ref());
                    if anchor > 0 {
                        self.anchors.insert(
                            anchor,
                            Sized {
                                value: value.clone(),
                                nodes: 1,
                                bytes,
                                height: 0,
                            },
                        );
                    }
                    self.insert(value, 0, &mark)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.open(Yaml::Array(Vec::new()), anchor, &mark)?
                }
                Event::MappingStart(anchor, _) => {
                    self.open(Yaml::Hash(Hash::new()), anchor, &mark)?
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(open) = self.stack.pop() else {
                        return Err(self.error(Some(&mark), "is not YAML: an unbalanced end"));
                    };
                    let height = open.child_height + 1;
                    if open.anchor > 0 {
                        let sized = Sized {
                            value: open.value.clone(),
                            nodes: self.nodes - open.nodes_before,
                            bytes: self.bytes - open.bytes_before,
                            height,
                        };
                        self.anchors.insert(open.anchor, sized);
                    }
                    self.insert(open.value, height, &mark)?;
                }
            }
        }
        Ok(self.first.unwrap_or(Yaml::BadValue))
    }

    fn too_deep(&self, mark: &Marker) -> CredentialError {
        self.error(
            Some(mark),
            format!("nests sequences and mappings more than {MAX_DEPTH} levels deep"),
        )
    }

    /// Counts `nodes` more values and `bytes` more text, within the limits.
    fn count(&mut self, nodes: usize, bytes: usize, mark: &Marker) -> Result<(), CredentialError> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.nodes > MAX_NODES {
            return Err(self.error(
                Some(mark),
                format!(
                    "has more than {MAX_NODES} values (aliases counted at their expanded size)"
                ),
            ));
        }
        if self.bytes > MAX_SCALAR_BYTES {
            return Err(self.error(
                Some(mark),
                format!(
                    "has more than {} MiB of text (aliases counted at their expanded size)",
                    MAX_SCALAR_BYTES / (1024 * 1024)
                ),
            ));
        }
        Ok(())
    }

    fn open(&mut self, value: Yaml, anchor: usize, mark: &Marker) -> Result<(), CredentialError> {
        if self.stack.len() + 1 > MAX_DEPTH {
            return Err(self.too_deep(mark));
        }
        self.count(1, 0, mark)?;
        self.stack.push(Open {
            value,
            key: None,
            anchor,
            nodes_before: self.nodes - 1,
            bytes_before: self.bytes,
            child_height: 0,
        });
        Ok(())
    }

    /// Puts a finished value into the collection open at the top (or makes it the root).
    fn insert(&mut self, value: Yaml, height: usize, mark: &Marker) -> Result<(), CredentialError> {
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(value);
            return Ok(());
        };
        top.child_height = top.child_height.max(height);
        match &mut top.value {
            Yaml::Array(items) => items.push(value),
            Yaml::Hash(map) => match top.key.take() {
                None => top.key = Some(value),
                Some(key) => {
                    if map.insert(key, value).is_some() {
                        // The key is not quoted: it might be a secret pasted in the wrong place.
                        return Err(self.error(
                            Some(mark),
                            "is not YAML as clouds.yaml needs it: a mapping has the same key twice",
                        ));
                    }
                }
            },
            _ => unreachable!("only sequences and mappings are open"),
        }
        Ok(())
    }
}

/// A scalar as yaml-rust2's own loader reads it: quoted text is text; a plain scalar is a
/// number, boolean, null or text by its form, or by a `!!int`, `!!bool`, ... tag.
fn scalar(text: String, style: TScalarStyle, tag: Option<&yaml_rust2::parser::Tag>) -> Yaml {
    if style != TScalarStyle::Plain {
        return Yaml::String(text);
    }
    let Some(tag) = tag else {
        return Yaml::from_str(&text);
    };
    if tag.handle != "tag:yaml.org,2002:" {
        return Yaml::String(text);
    }
    match tag.suffix.as_str() {
        "bool" => match text.as_str() {
            "true" | "True" | "TRUE" => Yaml::Boolean(true),
            "false" | "False" | "FALSE" => Yaml::Boolean(false),
            _ => Yaml::BadValue,
        },
        "int" => text.parse::<i64>().map_or(Yaml::BadValue, Yaml::Integer),
        "float" => match Yaml::from_str(&text) {
            Yaml::Real(_) | Yaml::Integer(_) => Yaml::Real(text),
            _ => Yaml::BadValue,
        },
        "null" => match text.as_str() {
            "~" | "null" => Yaml::Null,
            _ => Yaml::BadValue,
        },
        _ => Yaml::String(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str) -> Result<Yaml, String> {
        load(text, Path::new("t/clouds.yaml")).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_what_yaml_rust2_reads() {
        let text = "a: &x {b: [1, 2.5, true, ~, 'q']}\nc: *x\nd: !!int '7'\n---\nignored: 1\n";
        let ours = load_str(text).unwrap();
        let theirs = yaml_rust2::YamlLoader::load_from_str(text).unwrap();
        assert_eq!(ours, theirs[0]);
        assert_eq!(load_str("").unwrap(), Yaml::BadValue);
    }

    #[test]
    fn limits_name_the_file() {
        let deep = format!("{}x", "- ".repeat(MAX_DEPTH + 1));
        let e = load_str(&deep).unwrap_err();
        assert!(e.starts_with("t/clouds.yaml: nests"), "{e}");
        assert!(load_str(&format!("{}x", "- ".repeat(MAX_DEPTH))).is_ok());
        // An alias adds its anchor's depth.
        let aliased = format!(
            "a: &x {}{}\nb: [*x]\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(load_str(&aliased.replace("[*x]", "*x")).is_ok());
        assert!(load_str(&aliased).unwrap_err().contains("levels deep"));
        let e = load_str("a: &a [1]\nb: &b [*a, *a]\nc: [*b, *b]\nd: {x: 1, x: 2}").unwrap_err();
        assert!(e.contains("same key twice"), "{e}");
        let tree = load_str("a: &a [1, 2]\nb: [*a, *a]\nc: &c [*a]\nd: *c").unwrap();
        assert_eq!(tree["d"][0][1], Yaml::Integer(2));
        let e = load_str("a: &a [*a]").unwrap_err();
        assert!(e.contains("alias inside its own anchor"), "{e}");
    }
}
