//! The vendor extensions the generator reads, named once (`specs/README.md` describes them).

pub(crate) mod names;
pub use names::{EXTENSIBLE_ENUM, JOB, SERVICE, SOURCES, TIMESTAMP};

pub mod sources;

use serde_json::Value;

use crate::error::{Error, ErrorKind, child};
use crate::load::Document;

/// Keys whose values are data, not schemas: extension names inside them are not read.
const DATA_KEYS: [&str; 5] = ["example", "examples", "default", "enum", "const"];

/// Every problem with the extensions a spec uses that does not need lowering: the keywords
/// on schemas ([`TIMESTAMP`] a boolean; [`EXTENSIBLE_ENUM`] a non-empty list of distinct
/// strings on a `type: string` schema without `enum`) and [`SOURCES`] ([`sources::check`]).
/// [`JOB`] and [`SERVICE`] are read, and checked, by lowering, which knows the types their
/// pointers lead to.
pub fn check(doc: &Document) -> Vec<Error> {
    let invalid = |pointer: &str, message: String| {
        Error::new(ErrorKind::Invalid, &doc.file, pointer, message)
    };
    let mut errors = Vec::new();
    // An explicit stack: documents are as deep as their YAML allows, never the call stack's.
    let mut stack: Vec<(String, &Value)> = vec![("#".to_owned(), &doc.raw)];
    while let Some((here, node)) = stack.pop() {
        match node {
            Value::Object(map) => {
                keyword_problems(map, &here, &mut |p, m| errors.push(invalid(p, m)));
                for (key, value) in map.iter().rev() {
                    if !DATA_KEYS.contains(&key.as_str()) {
                        stack.push((child(&here, &[key]), value));
                    }
                }
            }
            Value::Array(items) => {
                for (i, value) in items.iter().enumerate().rev() {
                    stack.push((child(&here, &[&i.to_string()]), value));
                }
            }
            _ => {}
        }
    }
    let ids = operation_ids(&doc.raw);
    errors.extend(
        sources::check(&doc.raw, &ids)
            .into_iter()
            .map(|(pointer, message)| invalid(&pointer, message)),
    );
    errors
}

/// The problems of the schema keywords on one object.
fn keyword_problems(
    map: &serde_json::Map<String, Value>,
    here: &str,
    report: &mut dyn FnMut(&str, String),
) {
    if let Some(value) = map.get(TIMESTAMP)
        && !value.is_boolean()
    {
        report(&child(here, &[TIMESTAMP]), "must be a boolean".into());
    }
    let Some(values) = map.get(EXTENSIBLE_ENUM) else {
        return;
    };
    let at = child(here, &[EXTENSIBLE_ENUM]);
    match values.as_array() {
        Some(list) if !list.is_empty() && list.iter().all(Value::is_string) => {
            let mut seen = std::collections::BTreeSet::new();
            if let Some(twice) = list.iter().find(|v| !seen.insert(v.as_str())) {
                report(
                    &at,
                    format!("values must be distinct ({twice} is listed twice)"),
                );
            }
        }
        _ => report(&at, "must be a non-empty list of strings".into()),
    }
    if map.get("type").and_then(Value::as_str) != Some("string") {
        report(&at, "only allowed on a schema with `type: string`".into());
    }
    if map.contains_key("enum") {
        report(
            &at,
            "use either `enum` or `x-extensible-enum`, not both".into(),
        );
    }
}

/// The operationIds of a raw document.
fn operation_ids(raw: &Value) -> Vec<&str> {
    raw.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(yaml: &str) -> Vec<String> {
        let doc = crate::load::load_str(yaml, "t.yaml").unwrap();
        check(&doc).iter().map(ToString::to_string).collect()
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";

    #[test]
    fn schema_keywords_are_checked_where_they_are() {
        let text = format!(
            "{HEAD}components:\n  schemas:\n    A: {{type: string, x-cloudjobs-timestamp: 'yes'}}\n    B: {{type: integer, x-extensible-enum: [a, a]}}\n    C: {{type: string, enum: [a], x-extensible-enum: []}}\n    D: {{type: string, example: {{x-extensible-enum: 3}}}}\n"
        );
        let found = problems(&text);
        let expect = [
            "t.yaml: #/components/schemas/A/x-cloudjobs-timestamp: must be a boolean",
            "t.yaml: #/components/schemas/B/x-extensible-enum: values must be distinct (\"a\" is listed twice)",
            "t.yaml: #/components/schemas/B/x-extensible-enum: only allowed on a schema with `type: string`",
            "t.yaml: #/components/schemas/C/x-extensible-enum: must be a non-empty list of strings",
            "t.yaml: #/components/schemas/C/x-extensible-enum: use either `enum` or `x-extensible-enum`, not both",
        ];
        assert_eq!(found, expect);
    }

    #[test]
    fn a_clean_document_has_no_problem() {
        let text = format!(
            "{HEAD}components:\n  schemas:\n    A: {{type: string, x-cloudjobs-timestamp: true, x-extensible-enum: [a, b]}}\n"
        );
        assert!(problems(&text).is_empty());
    }
}
