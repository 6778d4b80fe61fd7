//! The spec side: a spec's `info.x-cloudjobs-sources`, its operations, and what a schema
//! accepts, read through the generator's model (`cloudjobs_codegen::model`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cloudjobs_codegen::model::{Doc, Kind, Node, meaning};
use serde_json::Value;

use crate::safe::one_segment;

pub use cloudjobs_codegen::extensions::sources::{Accepted, GITHUB_RAW, Source};

/// A spec, loaded.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// How messages name it (`specs/cae-jobs.yaml`).
    pub label: String,
    /// The file name without extension (`cae-jobs`): the folder of its downloads.
    pub stem: String,
    /// The document as a JSON tree.
    pub raw: Value,
    /// `info.x-cloudjobs-sources`, empty when there is none.
    pub sources: Vec<Source>,
}

impl SpecFile {
    /// Loads a spec with the generator's loader (errors name the file and JSON pointer).
    pub fn load(path: &Path, label: &str) -> Result<SpecFile, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{label}: cannot read it: {e}"))?;
        let doc = cloudjobs_codegen::load::load_str(&text, label).map_err(|e| e.to_string())?;
        let raw = doc.raw;
        let sources = cloudjobs_codegen::extensions::sources::load(&raw)
            .map_err(|(at, e)| format!("{label}: {at}: {e} (see specs/README.md)"))?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("spec");
        let stem = one_segment(stem)
            .map_err(|e| {
                format!("{label}: the spec's file name cannot name its download folder: {e}")
            })?
            .to_owned();
        Ok(SpecFile {
            label: label.to_owned(),
            stem,
            raw,
            sources,
        })
    }

    /// Every operation, in document order.
    pub fn operations(&self) -> Vec<Operation<'_>> {
        let mut out = Vec::new();
        let Some(paths) = self.raw.get("paths").and_then(Value::as_object) else {
            return out;
        };
        for path in paths.keys() {
            let at = child("#/paths", path);
            let Some((item_pointer, item)) = resolve_at(&self.raw, &at) else {
                continue;
            };
            let Some(map) = item.as_object() else {
                continue;
            };
            for (method, op) in map {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                out.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    id: op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    op,
                    item,
                    pointer: child(&item_pointer, method),
                    item_pointer: item_pointer.clone(),
                });
            }
        }
        out
    }

    /// The spec as the generator reads it (typed, for [`Shape`]).
    pub fn document(&self) -> Result<cloudjobs_codegen::load::Document, String> {
        cloudjobs_codegen::load::load_value(self.raw.clone(), &self.label)
            .map_err(|e| e.to_string())
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of a spec.
#[derive(Debug, Clone)]
pub struct Operation<'a> {
    /// `GET`.
    pub method: String,
    /// The path template.
    pub path: String,
    /// The operationId.
    pub id: Option<String>,
    /// The operation object.
    pub op: &'a Value,
    /// The path item (for path-level parameters).
    pub item: &'a Value,
    /// Where the operation object lives (`#/paths/~1v1~1jobs/get`).
    pub pointer: String,
    /// Where the path item lives (after a `$ref`).
    pub item_pointer: String,
}

impl Operation<'_> {
    /// `GET /v1/{project_id}/jobs/{job_id} (ShowJob)`.
    pub fn line(&self) -> String {
        match &self.id {
            Some(id) => format!("{} {} ({id})", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }
}

/// A path template with its parameter names left out (`/v1/{}/jobs/{}`), without host,
/// query, or trailing slash, with a leading slash: documents write `GET v1/...` and
/// `https://{endpoint}/v1/...`.
pub fn normalize_path(path: &str) -> String {
    let mut p = path.trim();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = p.strip_prefix(scheme) {
            p = rest.find('/').map_or("", |i| &rest[i..]);
        }
    }
    let p = p.split('?').next().unwrap_or(p);
    let mut out = String::new();
    let mut in_param = false;
    for c in p.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    let trimmed = out.trim_end_matches('/');
    if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }
}

/// Follows `$ref`s (local ones); where one names nothing, the node that holds it.
pub fn resolve<'a>(raw: &'a Value, v: &'a Value) -> &'a Value {
    cloudjobs_codegen::load::follow_refs(raw, v).unwrap_or(v)
}

/// A JSON type a schema accepts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum JsonType {
    /// `string`.
    String,
    /// `integer` with its format.
    Integer(Option<String>),
    /// `number`.
    Number,
    /// `boolean`.
    Boolean,
    /// `object`.
    Object,
    /// `array`.
    Array,
    /// `null` (`nullable: true`).
    Null,
}

impl JsonType {
    /// For messages.
    pub fn describe(&self) -> String {
        match self {
            JsonType::String => "string".into(),
            JsonType::Integer(None) => "integer".into(),
            JsonType::Integer(Some(f)) => format!("integer ({f})"),
            JsonType::Number => "number".into(),
            JsonType::Boolean => "boolean".into(),
            JsonType::Object => "object".into(),
            JsonType::Array => "array".into(),
            JsonType::Null => "null".into(),
        }
    }
}

/// A property of an object schema.
#[derive(Debug, Clone)]
pub struct Property {
    /// The property's name.
    pub name: String,
    /// Its schema.
    pub node: Node,
    /// Listed in `required`.
    pub required: bool,
}

/// What a schema accepts, as the generator's model reads it ([`meaning`]: `$ref`s,
/// `allOf` and wrappers as lowering sees them), with the alternatives of a `oneOf`/`anyOf`
/// united: a document describes one shape, and every alternative may be what is sent.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    /// The types accepted; empty means any.
    pub types: BTreeSet<JsonType>,
    /// Object properties (of every alternative).
    pub properties: Vec<Property>,
    /// Known values (`enum`, else `x-extensible-enum`); `None` when no list is given.
    pub values: Option<BTreeSet<String>>,
    /// The element schemas of arrays.
    pub items: Vec<Node>,
}

impl Shape {
    /// The shape of the schema at `node`.
    pub fn of(doc: &Doc<'_>, node: &Node) -> Shape {
        Self::walk(doc, node, 0)
    }

    /// The shape of the schema at `pointer` (a `$ref` there followed).
    pub fn at(doc: &Doc<'_>, pointer: &str) -> Shape {
        Self::of(doc, &doc.node(pointer))
    }

    fn walk(doc: &Doc<'_>, node: &Node, depth: usize) -> Shape {
        let mut shape = Shape::default();
        if depth > 32 || !node.exists() {
            return shape;
        }
        let m = meaning(doc, node);
        let scalar = match m.kind() {
            Kind::String => Some(JsonType::String),
            Kind::Integer => Some(JsonType::Integer(m.format().map(str::to_owned))),
            Kind::Number => Some(JsonType::Number),
            Kind::Boolean => Some(JsonType::Boolean),
            Kind::Object => Some(JsonType::Object),
            Kind::Array => Some(JsonType::Array),
            Kind::OneOf | Kind::AnyOf => {
                shape = Self::union(doc, m.members(), depth);
                None
            }
            Kind::Any | Kind::Not | Kind::Mixed => None,
        };
        shape.types.extend(scalar);
        for (name, node) in m.properties() {
            shape.properties.push(Property {
                name: name.to_owned(),
                node: node.clone(),
                required: m.is_required(name),
            });
        }
        if !m.values().is_empty() {
            let set = shape.values.get_or_insert_with(BTreeSet::new);
            set.extend(m.values().iter().map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }));
        }
        shape.items.extend(m.items().cloned());
        if m.nullable() && !shape.types.is_empty() {
            shape.types.insert(JsonType::Null);
        }
        shape
    }

    /// The union of alternatives: every type (none when one alternative accepts anything),
    /// every property (required where every alternative requires it), every value.
    fn union(doc: &Doc<'_>, alternatives: &[Node], depth: usize) -> Shape {
        let shapes: Vec<Shape> = alternatives
            .iter()
            .map(|a| Self::walk(doc, a, depth + 1))
            .collect();
        let any = shapes.iter().any(|a| a.types.is_empty());
        let count = shapes.len();
        let mut union = Shape::default();
        let mut required_in: Vec<(String, usize)> = Vec::new();
        for a in shapes {
            for p in a.properties.iter().filter(|p| p.required) {
                match required_in.iter_mut().find(|(n, _)| *n == p.name) {
                    Some((_, c)) => *c += 1,
                    None => required_in.push((p.name.clone(), 1)),
                }
            }
            union.merge(a);
        }
        for p in &mut union.properties {
            p.required = required_in.iter().any(|(n, c)| *n == p.name && *c == count);
        }
        if any {
            union.types.clear();
        }
        union
    }

    /// Adds another shape's types, properties, values and items.
    fn merge(&mut self, other: Shape) {
        self.types.extend(other.types);
        for p in other.properties {
            match self.properties.iter_mut().find(|q| q.name == p.name) {
                Some(q) => q.required |= p.required,
                None => self.properties.push(p),
            }
        }
        if let Some(values) = other.values {
            self.values.get_or_insert_with(BTreeSet::new).extend(values);
        }
        self.items.extend(other.items);
    }

    /// `string or null`, `any type`.
    pub fn describe_types(&self) -> String {
        if self.types.is_empty() {
            return "any type".into();
        }
        self.types
            .iter()
            .map(JsonType::describe)
            .collect::<Vec<_>>()
            .join(" or ")
    }

    /// The property of that name.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// The node at `pointer` and where it really lives (a `$ref` there followed); `None` when
/// nothing is there.
pub fn resolve_at<'a>(raw: &'a Value, pointer: &str) -> Option<(String, &'a Value)> {
    cloudjobs_codegen::load::follow_at(raw, pointer)
}

/// The field names a body pointer of `x-cloudjobs-job` steps through (`/tasks/0/id`,
/// `/tasks/*/id` → `tasks`, `id`): array steps left out, tokens unescaped, as the
/// document's nested tables name the fields.
pub fn pointer_fields(pointer: &str) -> Vec<String> {
    (pointer.split('/').skip(1))
        .filter(|t| *t != "*" && t.parse::<usize>().is_err())
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// `pointer` with one more reference token (escaped).
pub fn child(pointer: &str, token: &str) -> String {
    cloudjobs_codegen::error::child(pointer, &[token])
}

/// Resolves a spec argument: a path (relative to the current directory, else to the
/// repository root), or a name in `specs/` (`cae-jobs`, `cae-jobs.yaml`).
pub fn find_spec(root: &Path, arg: &str) -> Option<PathBuf> {
    let direct = PathBuf::from(arg);
    if direct.is_file() {
        return Some(direct);
    }
    let from_root = root.join(arg);
    if from_root.is_file() {
        return Some(from_root);
    }
    for ext in ["", ".yaml", ".yml", ".json"] {
        let p = root.join("specs").join(format!("{arg}{ext}"));
        if p.is_file() {
            return Some(p);
        }
    }
    None
}

/// How messages name a spec: relative to the repository root when inside it.
pub fn spec_label(root: &Path, path: &Path) -> String {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let canonical = absolute.canonicalize().unwrap_or(absolute);
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    match canonical.strip_prefix(&root) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_compare_without_names_hosts_or_slashes() {
        assert_eq!(
            normalize_path("/v1/{project_id}/jobs/{job_id}"),
            "/v1/{}/jobs/{}"
        );
        assert_eq!(
            normalize_path("https://{endpoint}/v1/{project_id}/cae/jobs/{job_id}"),
            "/v1/{}/cae/jobs/{}"
        );
        assert_eq!(normalize_path("v1/{p}/jobs/"), "/v1/{}/jobs");
        assert_eq!(
            cloudjobs_codegen::lower::template_names("/v1/{project_id}/jobs/{job_id}"),
            ["project_id", "job_id"]
        );
    }

    #[test]
    fn shapes_follow_refs_and_alternatives() {
        let raw: Value = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": {
                "Status": {"type": "string", "x-extensible-enum": ["A", "B"]},
                "Obj": {"type": "object", "required": ["a"], "properties": {
                    "a": {"allOf": [{"$ref": "#/components/schemas/Status"}], "description": "x"},
                    "t": {"oneOf": [{"type": "string"}, {"type": "integer", "format": "int64"}]},
                    "n": {"type": "string", "nullable": true},
                    "l": {"type": "array", "items": {"$ref": "#/components/schemas/Obj"}}
                }}
            }}
        });
        let loaded = cloudjobs_codegen::load::load_value(raw, "t.yaml").unwrap();
        let doc = Doc::new(&loaded);
        let shape = Shape::at(&doc, "#/components/schemas/Obj");
        assert_eq!(shape.describe_types(), "object");
        let a = shape.property("a").unwrap();
        assert!(a.required);
        let a = Shape::of(&doc, &a.node);
        assert_eq!(a.describe_types(), "string");
        assert_eq!(
            a.values.unwrap().into_iter().collect::<Vec<_>>(),
            ["A", "B"]
        );
        let t = Shape::of(&doc, &shape.property("t").unwrap().node);
        assert_eq!(t.describe_types(), "string or integer (int64)");
        let n = Shape::of(&doc, &shape.property("n").unwrap().node);
        assert_eq!(n.describe_types(), "string or null");
        let l = Shape::of(&doc, &shape.property("l").unwrap().node);
        assert_eq!(l.items.len(), 1);
        assert!(Shape::of(&doc, &l.items[0]).property("t").is_some());
    }
}
