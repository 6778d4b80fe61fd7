//! Stage 1: read a spec (YAML or JSON) into `openapiv3::OpenAPI`, keeping the raw tree for
//! JSON-pointer lookups and error messages.
//!
//! Real-world specs are often not strictly valid. Before the typed parse, a few well-known
//! deviations are repaired in the raw tree, each with a [`Warning`]: integer bounds beyond
//! 64 bits, JSON-Schema-2019 style numeric `exclusiveMinimum`/`exclusiveMaximum`, booleans
//! written as strings.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, ErrorKind, Warning, child};
use crate::extensions::names::EXTENSIBLE_ENUM;

/// A loaded spec.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file name used in messages.
    pub file: String,
    /// The document as a JSON tree (after the repairs listed in `warnings`).
    pub raw: Value,
    /// The typed OpenAPI document.
    pub spec: openapiv3::OpenAPI,
    /// What was repaired while loading.
    pub warnings: Vec<Warning>,
}

/// Reads and parses a spec file; `label` names it in messages.
pub fn load_file(path: &Path, label: &str) -> Result<Document, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            label,
            "#",
            format!("cannot read the file: {e}"),
        )
    })?;
    load_str(&text, label)
}

/// Parses a spec from text; `label` names it in messages.
pub fn load_str(text: &str, label: &str) -> Result<Document, Error> {
    load_value(parse_tree(text, label)?, label)
}

/// Reads a spec already parsed into a JSON tree (as [`load_str`] after parsing): the
/// version checked, well-known deviations repaired, the typed document built.
pub fn load_value(mut raw: Value, label: &str) -> Result<Document, Error> {
    check_version(&raw, label)?;
    let mut warnings = Vec::new();
    repair(&mut raw, "#", &mut warnings);
    let spec = typed(&raw, label)?;
    Ok(Document {
        file: label.to_owned(),
        raw,
        spec,
        warnings,
    })
}

fn parse_tree(text: &str, label: &str) -> Result<Value, Error> {
    let syntax = |message: String| Error::new(ErrorKind::Syntax, label, "#", message);
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| {
            syntax(format!(
                "invalid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ))
        })
    } else {
        let tree: Tree = serde_yaml::from_str(text).map_err(|e| match e.location() {
            Some(at) => syntax(format!(
                "invalid YAML at line {}, column {}: {e}",
                at.line(),
                at.column()
            )),
            None => syntax(format!("invalid YAML: {e}")),
        })?;
        Ok(tree.0)
    }
}

/// A JSON tree read from YAML without the 64-bit limit of serde's usual number types:
/// integers beyond it become floats (then repaired or reported), non-string keys (`200:`)
/// become strings.
struct Tree(Value);

impl<'de> serde::Deserialize<'de> for Tree {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreeVisitor).map(Tree)
    }
}

struct TreeVisitor;

impl<'de> serde::de::Visitor<'de> for TreeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| float(v as f64), Value::from))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| float(v as f64), Value::from))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Tree(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some((Tree(k), Tree(v))) = map.next_entry()? {
            let key = match k {
                Value::String(s) => s,
                // YAML allows a mapping or a sequence as a key (`{{a: 1}: x}`), JSON and
                // OpenAPI do not. Written out as JSON text, nested ones would double their
                // escapes at every level: refused instead.
                Value::Array(_) | Value::Object(_) => {
                    return Err(serde::de::Error::custom(
                        "a mapping key is itself a mapping or a sequence; keys of an OpenAPI document are strings",
                    ));
                }
                other => other.to_string(),
            };
            // YAML forbids duplicate keys; silently keeping one would hide half an edit.
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate key `{key}`")));
            }
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// A float as JSON (`NaN` and infinities, which JSON lacks, as `null`).
fn float(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn check_version(raw: &Value, label: &str) -> Result<(), Error> {
    let refuse =
        |pointer: &str, message: String| Error::new(ErrorKind::Version, label, pointer, message);
    if !raw.is_object() {
        return Err(refuse(
            "#",
            "the document is not a mapping; an OpenAPI document starts with `openapi: 3.0.x`"
                .into(),
        ));
    }
    if let Some(v) = raw.get("swagger") {
        return Err(refuse(
            "#/swagger",
            format!(
                "this is a Swagger {} document; the generator reads OpenAPI 3.0.x: convert it first (for example with swagger2openapi)",
                v.as_str().unwrap_or("2.0")
            ),
        ));
    }
    match raw.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => Ok(()),
        Some(Value::String(v)) if v.starts_with("3.") => Err(refuse(
            "#/openapi",
            format!(
                "OpenAPI {v} is not supported: the generator reads OpenAPI 3.0.x (3.1 changes the schema language: type arrays, no `nullable`)"
            ),
        )),
        Some(v) => Err(refuse(
            "#/openapi",
            format!("unsupported OpenAPI version {v}; the generator reads 3.0.x"),
        )),
        None => Err(refuse(
            "#",
            "no `openapi` field; an OpenAPI document starts with `openapi: 3.0.x`".into(),
        )),
    }
}

/// Keys whose values are examples or free-form data, never schemas: not repaired.
fn is_data_key(key: &str) -> bool {
    matches!(
        key,
        "example" | "examples" | "default" | "enum" | EXTENSIBLE_ENUM | "const"
    ) || key.starts_with("x-")
}

const BOOLEAN_KEYS: &[&str] = &[
    "nullable",
    "readOnly",
    "writeOnly",
    "deprecated",
    "explode",
    "uniqueItems",
    "allowEmptyValue",
    "allowReserved",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

fn repair(value: &mut Value, pointer: &str, warnings: &mut Vec<Warning>) {
    match value {
        Value::Object(map) => {
            let mut warn = |key: &str, message: String| {
                warnings.push(Warning {
                    pointer: child(pointer, &[key]),
                    message,
                })
            };
            // Booleans written as strings: `nullable: 'true'`, `required: "false"` (parameters).
            for key in BOOLEAN_KEYS.iter().copied().chain(["required"]) {
                if let Some(Value::String(s)) = map.get(key).cloned() {
                    let b = match s.as_str() {
                        "true" | "True" => Some(true),
                        "false" | "False" => Some(false),
                        _ => None,
                    };
                    if let Some(b) = b {
                        map.insert(key.to_owned(), Value::Bool(b));
                        warn(key, format!("the string {s:?} read as the boolean {b}"));
                    }
                }
            }
            // JSON Schema 2019 numeric exclusive bounds in a 3.0 document.
            for (exclusive, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(Value::Number(n)) = map.get(exclusive).cloned() {
                    map.insert(bound.to_owned(), Value::Number(n.clone()));
                    map.insert(exclusive.to_owned(), Value::Bool(true));
                    warn(
                        exclusive,
                        format!(
                            "numeric `{exclusive}: {n}` (OpenAPI 3.1 style) read as `{bound}: {n}, {exclusive}: true`"
                        ),
                    );
                }
            }
            // Integer bounds the typed model cannot hold (beyond i64), or written as decimals.
            if map.get("type").and_then(Value::as_str) == Some("integer") {
                for key in ["minimum", "maximum", "multipleOf"] {
                    if let Some(Value::Number(n)) = map.get(key).cloned() {
                        if n.as_i64().is_some() {
                            continue;
                        }
                        match n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18) {
                            Some(f) => {
                                map.insert(key.to_owned(), Value::from(f as i64));
                            }
                            None => {
                                map.remove(key);
                                warn(
                                    key,
                                    format!("integer bound {n} does not fit in 64 bits; ignored"),
                                );
                            }
                        }
                    }
                }
            }
            for (key, v) in map.iter_mut() {
                if !is_data_key(key) {
                    repair(v, &child(pointer, &[key]), warnings);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                repair(v, &child(pointer, &[&i.to_string()]), warnings);
            }
        }
        _ => {}
    }
}

fn typed(raw: &Value, label: &str) -> Result<openapiv3::OpenAPI, Error> {
    serde_path_to_error::deserialize(raw).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        let message = e.into_inner().to_string();
        // serde loses the path inside `openapiv3`'s untagged enums (`$ref` or item), so look
        // for the deepest node that fails on its own.
        let (pointer, message) =
            deepest_failure(raw, Kind::Document, "#").unwrap_or((pointer, message));
        Error::new(
            ErrorKind::Invalid,
            label,
            &pointer,
            format!("not a valid OpenAPI 3.0 node: {message}"),
        )
    })
}

/// The kinds of node whose children are searched for the deepest failure.
#[derive(Clone, Copy)]
enum Kind {
    Document,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Response,
    MediaType,
    Schema,
}

/// Deserializes `value` as the node type of `kind`; on failure, the pointer (relative to the
/// node) and message serde gives.
fn check_kind(kind: Kind, value: &Value) -> Result<(), (String, String)> {
    fn as_type<T: serde::de::DeserializeOwned>(value: &Value) -> Result<(), (String, String)> {
        serde_path_to_error::deserialize::<_, T>(value)
            .map(drop)
            .map_err(|e| (path_to_pointer(e.path()), e.into_inner().to_string()))
    }
    use openapiv3::ReferenceOr as R;
    match kind {
        Kind::Document => as_type::<openapiv3::OpenAPI>(value),
        Kind::PathItem => as_type::<R<openapiv3::PathItem>>(value),
        Kind::Operation => as_type::<openapiv3::Operation>(value),
        Kind::Parameter => as_type::<R<openapiv3::Parameter>>(value),
        Kind::RequestBody => as_type::<R<openapiv3::RequestBody>>(value),
        Kind::Response => as_type::<R<openapiv3::Response>>(value),
        Kind::MediaType => as_type::<openapiv3::MediaType>(value),
        Kind::Schema => as_type::<R<openapiv3::Schema>>(value),
    }
}

/// Where a node keeps typed children: each entry of a map, each element of a list, or one
/// value (an object, for `ObjectAt`), at a path of keys below the node.
#[derive(Clone, Copy)]
enum Slot {
    Map(&'static [&'static str]),
    List(&'static str),
    At(&'static str),
    ObjectAt(&'static str),
}

/// The slots of each kind of node, in the order their children are searched.
fn slots(kind: Kind) -> &'static [(Slot, Kind)] {
    use Slot::{At, List, Map, ObjectAt};
    match kind {
        Kind::Document => &[
            (Map(&["paths"]), Kind::PathItem),
            (Map(&["components", "schemas"]), Kind::Schema),
            (Map(&["components", "parameters"]), Kind::Parameter),
            (Map(&["components", "requestBodies"]), Kind::RequestBody),
            (Map(&["components", "responses"]), Kind::Response),
        ],
        Kind::PathItem => &[
            (At("get"), Kind::Operation),
            (At("put"), Kind::Operation),
            (At("post"), Kind::Operation),
            (At("delete"), Kind::Operation),
            (At("options"), Kind::Operation),
            (At("head"), Kind::Operation),
            (At("patch"), Kind::Operation),
            (At("trace"), Kind::Operation),
            (List("parameters"), Kind::Parameter),
        ],
        Kind::Operation => &[
            (List("parameters"), Kind::Parameter),
            (At("requestBody"), Kind::RequestBody),
            (Map(&["responses"]), Kind::Response),
        ],
        Kind::Parameter => &[
            (At("schema"), Kind::Schema),
            (Map(&["content"]), Kind::MediaType),
        ],
        Kind::RequestBody | Kind::Response => &[(Map(&["content"]), Kind::MediaType)],
        Kind::MediaType => &[(At("schema"), Kind::Schema)],
        Kind::Schema => &[
            (Map(&["properties"]), Kind::Schema),
            (ObjectAt("items"), Kind::Schema),
            (ObjectAt("not"), Kind::Schema),
            (ObjectAt("additionalProperties"), Kind::Schema),
            (List("allOf"), Kind::Schema),
            (List("oneOf"), Kind::Schema),
            (List("anyOf"), Kind::Schema),
        ],
    }
}

/// The typed children of a node: (pointer tokens, kind).
fn children(kind: Kind, value: &Value) -> Vec<(Vec<String>, Kind)> {
    let mut out = Vec::new();
    for &(slot, child) in slots(kind) {
        match slot {
            Slot::Map(path) => {
                let map = path
                    .iter()
                    .try_fold(value, |v, key| v.get(key))
                    .and_then(Value::as_object);
                for name in map.into_iter().flat_map(|m| m.keys()) {
                    let mut tokens: Vec<String> = path.iter().map(|k| (*k).to_owned()).collect();
                    tokens.push(name.clone());
                    out.push((tokens, child));
                }
            }
            Slot::List(key) => {
                let len = value.get(key).and_then(Value::as_array).map_or(0, Vec::len);
                out.extend((0..len).map(|i| (vec![key.to_owned(), i.to_string()], child)));
            }
            Slot::At(key) if value.get(key).is_some() => out.push((vec![key.to_owned()], child)),
            Slot::ObjectAt(key) if value.get(key).is_some_and(Value::is_object) => {
                out.push((vec![key.to_owned()], child));
            }
            Slot::At(_) | Slot::ObjectAt(_) => {}
        }
    }
    out
}

/// The deepest node below `value` that does not deserialize, with serde's message.
fn deepest_failure(value: &Value, kind: Kind, pointer: &str) -> Option<(String, String)> {
    let own = check_kind(kind, value).err()?;
    for (tokens, child_kind) in children(kind, value) {
        let mut child_value = Some(value);
        for t in &tokens {
            child_value = child_value.and_then(|v| {
                v.get(t.as_str())
                    .or_else(|| t.parse::<usize>().ok().and_then(|i| v.get(i)))
            });
        }
        let Some(child_value) = child_value else {
            continue;
        };
        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        if let Some(found) = deepest_failure(child_value, child_kind, &child(pointer, &refs)) {
            return Some(found);
        }
    }
    let (relative, message) = own;
    Some((
        format!("{pointer}{}", relative.trim_start_matches('#')),
        message,
    ))
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::from("#");
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer = child(&pointer, &[&index.to_string()]),
            Segment::Map { key } => pointer = child(&pointer, &[key]),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

/// Looks a JSON pointer (`#/a/b~1c`) up in a tree.
pub fn resolve_pointer<'a>(raw: &'a Value, pointer: &str) -> Option<&'a Value> {
    let path = pointer.strip_prefix('#')?;
    if path.is_empty() {
        return Some(raw);
    }
    raw.pointer(path)
}

/// References followed before a chain counts as a cycle.
const MAX_HOPS: usize = 32;

/// Why a reference leads nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefError {
    /// Into another document; `at` is the pointer of the `$ref` that says so.
    NotLocal { reference: String, at: String },
    /// To nothing.
    Dangling,
    /// Round in circles.
    Cycle,
}

/// The pointer a local `$ref` names, its fragment percent-decoded (`#/a%20b` → `#/a b`);
/// `None` for a reference into another document. One hop: [`follow`] follows chains.
pub(crate) fn local_target(reference: &str) -> Option<String> {
    reference
        .strip_prefix('#')
        .map(|f| format!("#{}", percent_decode(f)))
}

/// Where a `$ref` (found at `at`) leads: chains of references followed, fragments
/// percent-decoded. Gives the final target's pointer and node.
pub(crate) fn follow<'a>(
    raw: &'a Value,
    reference: &str,
    at: &str,
) -> Result<(String, &'a Value), RefError> {
    let local = |reference: &str, at: &str| {
        local_target(reference).ok_or_else(|| RefError::NotLocal {
            reference: reference.to_owned(),
            at: at.to_owned(),
        })
    };
    let mut target = local(reference, at)?;
    for _ in 0..=MAX_HOPS {
        let node = resolve_pointer(raw, &target).ok_or(RefError::Dangling)?;
        match node.get("$ref").and_then(Value::as_str) {
            Some(next) => target = local(next, &child(&target, &["$ref"]))?,
            None => return Ok((target, node)),
        }
    }
    Err(RefError::Cycle)
}

/// The node at `pointer` (`#/paths/...`) and where it really lives: a `$ref` there
/// followed to its target's pointer and node. `None` when nothing is there or the
/// reference leads nowhere.
pub fn follow_at<'a>(raw: &'a Value, pointer: &str) -> Option<(String, &'a Value)> {
    let node = resolve_pointer(raw, pointer)?;
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => follow(raw, reference, &child(pointer, &["$ref"])).ok(),
        None => Some((pointer.to_owned(), node)),
    }
}

/// `node`, or what its `$ref` names: a chain of local references followed (their fragments
/// percent-decoded), for tools that read the raw tree of a [`Document`].
///
/// # Errors
///
/// A reference that is not local or names nothing, or a chain of more than 32.
pub fn follow_refs<'a>(raw: &'a Value, node: &'a Value) -> Result<&'a Value, String> {
    let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
        return Ok(node);
    };
    match follow(raw, reference, "#") {
        Ok((_, target)) => Ok(target),
        Err(RefError::Cycle) => Err("a chain of more than 32 `$ref`s".to_owned()),
        Err(_) => Err(format!(
            "`$ref: {reference}` names nothing in this document"
        )),
    }
}

/// Decodes `%XX` escapes (`$ref` values are URI fragments; so are request paths).
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    // Byte-wise: the two bytes after a `%` may start a multi-byte character, where slicing
    // the string would panic.
    let hex = |b: u8| char::from(b).to_digit(16);
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            // Two hex digits: at most 0xFF.
            out.push(u8::try_from(high * 16 + low).unwrap_or(u8::MAX));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Error {
        load_str(text, "t.yaml").unwrap_err()
    }

    #[test]
    fn refuses_other_versions() {
        assert_eq!(err("swagger: '2.0'\ninfo: {}\n").kind, ErrorKind::Version);
        assert_eq!(err("openapi: 3.1.0\ninfo: {}\n").pointer, "#/openapi");
        assert_eq!(err("info: {}\n").kind, ErrorKind::Version);
        assert_eq!(err("- a\n").kind, ErrorKind::Version);
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = err("openapi: 3.0.3\ninfo: {title: a, title: b, version: '1'}\npaths: {}\n");
        assert_eq!(e.kind, ErrorKind::Syntax);
        assert!(e.message.contains("duplicate key `title`"), "{e}");
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let e = err("openapi: 3.0.3\ninfo: [\n");
        assert_eq!(e.kind, ErrorKind::Syntax);
        assert!(e.message.contains("line"), "{e}");
    }

    #[test]
    fn invalid_nodes_are_pointed_at() {
        let e = err(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n",
        );
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert_eq!(e.pointer, "#/paths/~1a/get/responses", "{e}");
    }

    #[test]
    fn repairs_are_reported() {
        let doc = load_str(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {type: integer, maximum: 18446744073709551615, nullable: 'true'}\n    B: {type: number, exclusiveMinimum: 0}\n",
            "t.yaml",
        )
        .unwrap();
        let pointers: Vec<_> = doc.warnings.iter().map(|w| w.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "#/components/schemas/A/nullable",
                "#/components/schemas/A/maximum",
                "#/components/schemas/B/exclusiveMinimum"
            ]
        );
    }

    #[test]
    fn pointers_resolve_with_escapes() {
        let raw = serde_json::json!({"paths": {"/a/{b}": {"get": 1}}});
        assert_eq!(
            resolve_pointer(&raw, "#/paths/~1a~1{b}/get"),
            Some(&Value::from(1))
        );
        assert_eq!(percent_decode("~1a~1%7Bb%7D"), "~1a~1{b}");
        assert_eq!(resolve_pointer(&raw, "#/nope"), None);
        let refs = serde_json::json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/c%20d"}, "c d": 1});
        assert_eq!(follow_refs(&refs, &refs["a"]), Ok(&serde_json::json!(1)));
        let broken = serde_json::json!({"$ref": "#/nowhere"});
        assert!(
            follow_refs(&refs, &broken)
                .unwrap_err()
                .contains("#/nowhere")
        );
        let looped = serde_json::json!({"a": {"$ref": "#/a"}});
        assert!(follow_refs(&looped, &looped["a"]).is_err());
    }
}
