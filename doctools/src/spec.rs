//! The spec side: a spec's `info.x-cloudjobs-sources`, its operations, and what a schema
//! accepts (`$ref`, `allOf`, `oneOf`/`anyOf` and `items` followed).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

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
        for (path, item) in paths {
            let item = resolve(&self.raw, item);
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
                });
            }
        }
        out
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
pub struct Property<'a> {
    /// The property's name.
    pub name: String,
    /// Its schema.
    pub schema: &'a Value,
    /// Listed in `required`.
    pub required: bool,
}

/// What a schema accepts, with `$ref`, `allOf`, `oneOf`/`anyOf` followed.
#[derive(Debug, Clone, Default)]
pub struct Shape<'a> {
    /// The types accepted; empty means any.
    pub types: BTreeSet<JsonType>,
    /// Object properties (of every alternative).
    pub properties: Vec<Property<'a>>,
    /// Known values (`enum` and `x-extensible-enum`); `None` when no list is given.
    pub values: Option<BTreeSet<String>>,
    /// The element schemas of arrays.
    pub items: Vec<&'a Value>,
}

impl<'a> Shape<'a> {
    /// The shape of a schema.
    pub fn of(raw: &'a Value, schema: &'a Value) -> Shape<'a> {
        Self::walk(raw, schema, 0)
    }

    /// The union of `oneOf`/`anyOf` alternatives: every property (required where every
    /// alternative requires it), and whether one alternative accepts anything.
    fn union(raw: &'a Value, alternatives: &'a [Value], depth: usize) -> (Shape<'a>, bool) {
        let shapes: Vec<Shape> = alternatives
            .iter()
            .map(|a| Self::walk(raw, a, depth + 1))
            .collect();
        let any = shapes.iter().any(|a| a.types.is_empty());
        let count = shapes.len();
        let mut union = Shape::default();
        let mut required_in: Vec<(String, usize)> = Vec::new();
        for a in shapes {
            for p in &a.properties {
                if p.required {
                    match required_in.iter_mut().find(|(n, _)| *n == p.name) {
                        Some((_, c)) => *c += 1,
                        None => required_in.push((p.name.clone(), 1)),
                    }
                }
            }
            union.merge(a, &[]);
        }
        for p in &mut union.properties {
            p.required = required_in.iter().any(|(n, c)| *n == p.name && *c == count);
        }
        (union, any)
    }

    fn walk(raw: &'a Value, schema: &'a Value, depth: usize) -> Shape<'a> {
        let mut shape = Shape::default();
        if depth > 32 {
            return shape;
        }
        let s = resolve(raw, schema);
        match s.get("type").and_then(Value::as_str) {
            Some("string") => {
                shape.types.insert(JsonType::String);
            }
            Some("integer") => {
                let format = s.get("format").and_then(Value::as_str).map(str::to_owned);
                shape.types.insert(JsonType::Integer(format));
            }
            Some("number") => {
                shape.types.insert(JsonType::Number);
            }
            Some("boolean") => {
                shape.types.insert(JsonType::Boolean);
            }
            Some("object") => {
                shape.types.insert(JsonType::Object);
            }
            Some("array") => {
                shape.types.insert(JsonType::Array);
            }
            _ => {}
        }
        if s.get("properties").is_some() && shape.types.is_empty() {
            shape.types.insert(JsonType::Object);
        }
        if s.get("items").is_some() && shape.types.is_empty() {
            shape.types.insert(JsonType::Array);
        }
        if let Some(items) = s.get("items") {
            shape.items.push(items);
        }
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (name, schema) in props {
                shape.properties.push(Property {
                    name: name.clone(),
                    schema,
                    required: required.contains(&name.as_str()),
                });
            }
        }
        for key in ["enum", "x-extensible-enum"] {
            if let Some(values) = s.get(key).and_then(Value::as_array) {
                let set = shape.values.get_or_insert_with(BTreeSet::new);
                for v in values {
                    match v {
                        Value::String(s) => set.insert(s.clone()),
                        Value::Null => false,
                        other => set.insert(other.to_string()),
                    };
                }
            }
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for member in all {
                let m = Self::walk(raw, member, depth + 1);
                shape.merge(m, &required);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alternatives) = s.get(key).and_then(Value::as_array) {
                let (mut union, any) = Self::union(raw, alternatives, depth);
                if any {
                    union.types.clear();
                }
                if shape.types.is_empty() && !any {
                    shape.types = union.types.clone();
                } else if !shape.types.is_empty() {
                    shape.types.extend(union.types.iter().cloned());
                }
                union.types.clear();
                shape.merge(union, &required);
            }
        }
        if s.get("nullable").and_then(Value::as_bool) == Some(true) && !shape.types.is_empty() {
            shape.types.insert(JsonType::Null);
        }
        shape
    }

    /// Adds another shape's types, properties, values and items; `required` (of the
    /// enclosing schema) also marks merged properties required.
    fn merge(&mut self, other: Shape<'a>, required: &[&str]) {
        self.types.extend(other.types);
        for p in other.properties {
            let req = p.required || required.contains(&p.name.as_str());
            match self.properties.iter_mut().find(|q| q.name == p.name) {
                Some(q) => q.required |= req,
                None => self.properties.push(Property { required: req, ..p }),
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
    pub fn property(&self, name: &str) -> Option<&Property<'a>> {
        self.properties.iter().find(|p| p.name == name)
    }
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
        let obj = serde_json::json!({"$ref": "#/components/schemas/Obj"});
        let shape = Shape::of(&raw, &obj);
        assert_eq!(shape.describe_types(), "object");
        let a = shape.property("a").unwrap();
        assert!(a.required);
        let a = Shape::of(&raw, a.schema);
        assert_eq!(a.describe_types(), "string");
        assert_eq!(
            a.values.unwrap().into_iter().collect::<Vec<_>>(),
            ["A", "B"]
        );
        let t = Shape::of(&raw, shape.property("t").unwrap().schema);
        assert_eq!(t.describe_types(), "string or integer (int64)");
        let n = Shape::of(&raw, shape.property("n").unwrap().schema);
        assert_eq!(n.describe_types(), "string or null");
        let l = Shape::of(&raw, shape.property("l").unwrap().schema);
        assert_eq!(l.items.len(), 1);
        assert!(Shape::of(&raw, l.items[0]).property("t").is_some());
    }
}
