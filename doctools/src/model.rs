//! The document model (`doctools/readers/DOCMODEL.md`): what `docmodel.py read` prints, and the
//! meaning of the document's type names.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The version of the model this code understands.
pub const MODEL_VERSION: u64 = 1;

/// One document describing one API call.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct DocModel {
    /// The model version (1).
    pub model: u64,
    /// The file as given to the reader.
    pub source: String,
    /// `rst`, `html` or `page-text`.
    pub format: String,
    /// The document's title.
    pub title: String,
    /// `GET`, `POST`, ...
    pub method: Option<String>,
    /// `/v1/{project_id}/jobs/{job_id}`.
    pub path: Option<String>,
    /// URI, query and header parameters.
    pub parameters: Vec<Parameter>,
    /// The request body's fields.
    pub request_body: Vec<Field>,
    /// Response bodies by status.
    pub responses: Vec<Response>,
    /// The status codes the document lists.
    pub status_codes: Vec<StatusCode>,
    /// Example requests.
    pub request_examples: Vec<Example>,
    /// What the reader skipped.
    pub warnings: Vec<String>,
}

/// A request parameter.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Parameter {
    /// As written.
    pub name: String,
    /// `path`, `query` or `header`.
    #[serde(rename = "in")]
    pub location: String,
    /// `None` when the table has no such column.
    pub mandatory: Option<bool>,
    /// The document's type text (`String`).
    #[serde(rename = "type")]
    pub type_text: String,
    /// Values the description lists.
    #[serde(rename = "enum")]
    pub values: Vec<String>,
    /// Ignored by every comparison.
    pub description: String,
    /// Where in the document (`line 23`).
    pub at: String,
}

/// A body field, with the fields of its object (or array element objects).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Field {
    /// As written (`job_id`).
    pub name: String,
    /// The document's type text.
    #[serde(rename = "type")]
    pub type_text: String,
    /// `None` when the table has no such column.
    pub mandatory: Option<bool>,
    /// Values the description lists.
    #[serde(rename = "enum")]
    pub values: Vec<String>,
    /// Ignored by every comparison.
    pub description: String,
    /// Where in the document.
    pub at: String,
    /// Nested fields.
    pub children: Vec<Field>,
}

/// One documented response.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Response {
    /// `200`.
    #[serde(deserialize_with = "status_string")]
    pub status: String,
    /// The body's fields.
    pub fields: Vec<Field>,
    /// Response headers (a "Response header parameters" table); usually none.
    pub headers: Vec<Field>,
    /// Example bodies.
    pub examples: Vec<Example>,
    /// The page states no status for this response: the reader gave it the success status
    /// by default. Such a status is not documented, so it is never added or removed.
    pub assumed: bool,
}

/// A status code from the status code table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct StatusCode {
    /// `404`.
    #[serde(deserialize_with = "status_string")]
    pub status: String,
    /// Ignored by every comparison.
    pub description: String,
}

/// An example body.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Example {
    /// The parsed value, `None` when the text is not JSON.
    pub json: Option<Value>,
    /// The raw text.
    pub text: String,
    /// Where in the document.
    pub at: String,
}

/// A status as a string, whether the reader wrote `"200"` or `200`.
fn status_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s.trim().to_owned()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "a status code must be a string or a number, not {other}"
        ))),
    }
}

impl DocModel {
    /// Parses the reader's JSON; `label` names the document in errors.
    pub fn from_json(text: &str, label: &str) -> Result<Self, String> {
        let model: DocModel = serde_json::from_str(text)
            .map_err(|e| format!("{label}: not a document model ({e})"))?;
        if model.model != MODEL_VERSION {
            return Err(format!(
                "{label}: document model version {} (this xtask understands {MODEL_VERSION})",
                model.model
            ));
        }
        Ok(model)
    }

    /// Every status the document mentions: its status code table and its responses, in
    /// numeric order.
    pub fn statuses(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .status_codes
            .iter()
            .map(|s| s.status.clone())
            .chain(
                self.responses
                    .iter()
                    .filter(|r| !r.assumed)
                    .map(|r| r.status.clone()),
            )
            .filter(|s| !s.is_empty())
            .collect();
        all.sort_by_key(|s| status_order(s));
        all.dedup();
        all
    }

    /// The response for a status.
    pub fn response(&self, status: &str) -> Option<&Response> {
        self.responses.iter().find(|r| r.status == status)
    }

    /// `GET /v1/...`, or what the document lacks.
    pub fn operation_line(&self) -> String {
        format!(
            "{} {}",
            self.method.as_deref().unwrap_or("(no method)"),
            self.path.as_deref().unwrap_or("(no path)")
        )
    }
}

/// Sort key for status codes: numbers first, in order, then anything else by name.
pub fn status_order(s: &str) -> (u32, String) {
    (s.parse().unwrap_or(u32::MAX), s.to_owned())
}

/// What a document type name means, in JSON terms: the small grammar every label is read
/// into (a scalar, an object, a map, an array of one of these), whatever its spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocType {
    /// `String`.
    String,
    /// `Integer` (int32), `Long` (int64).
    Integer(IntSize),
    /// `Float`, `Double`, `Number`, `BigDecimal`.
    Number,
    /// `Boolean`.
    Boolean,
    /// `Object`, `Xyz object`, `Object Xyz`, a named type (`SubJobEntities`).
    Object,
    /// `Map<String,String>`, `Map`: keys the document does not list.
    Map,
    /// `Array of ...`, `List<...>`, `X[]`; the element type when named.
    Array(Option<Box<DocType>>),
    /// A type name this code does not know.
    Unknown(String),
}

/// The width of a documented integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntSize {
    /// `Integer`, `int`, `int32`.
    Int32,
    /// `Long`, `int64`.
    Int64,
}

/// The scalar names documents use, singular and plural, with their meaning.
fn scalar(word: &str) -> Option<DocType> {
    Some(match word {
        "string" | "strings" | "str" | "char" | "uuid" | "date" | "datetime"
        | "timestamp string" | "text" => DocType::String,
        "integer" | "integers" | "int" | "int32" | "short" | "int integer" => {
            DocType::Integer(IntSize::Int32)
        }
        "long" | "longs" | "int64" | "long integer" => DocType::Integer(IntSize::Int64),
        "float" | "floats" | "double" | "doubles" | "number" | "numbers" | "bigdecimal"
        | "decimal" | "float32" | "float64" => DocType::Number,
        "boolean" | "booleans" | "bool" => DocType::Boolean,
        "object" | "objects" | "json" | "json object" | "jsonobject" | "dict" => DocType::Object,
        "map" => DocType::Map,
        "array" | "list" | "arrays" | "jsonarray" => DocType::Array(None),
        _ => return None,
    })
}

/// A label without what only points at where the type is described: `:ref:` markup and
/// anchors (`:ref:`Task <anchor>`` → `Task`), backticks, and table references in any wording
/// (`(Table 5)`, `in Table 5`, `see Table 5`, `For details, see Table 5.`).
fn without_references(text: &str) -> String {
    let mut s = text.replace(":ref:", " ");
    // `Name <anchor>` of a reference (a space before `<`): the anchor is spelling, the name
    // is the link text. `List<String>` and `Map<String,String>` (no space) stay.
    let mut from = 0;
    while let Some(open) = s[from..].find('<').map(|i| i + from) {
        let Some(close) = s[open..].find('>').map(|i| i + open) else {
            break;
        };
        if s[..open].ends_with(char::is_whitespace) {
            s.replace_range(open..=close, " ");
            from = open;
        } else {
            from = close + 1;
        }
    }
    let s = s.replace(['`', '*', '"'], " ");
    let mut words: Vec<&str> = s.split_whitespace().collect();
    // Drop every `table N` with its lead-in (`in`, `see`, `for details, see`, parentheses).
    let mut i = 0;
    while i + 1 < words.len() {
        let number = words[i + 1].trim_matches(|c: char| !c.is_ascii_alphanumeric());
        if words[i]
            .trim_start_matches('(')
            .eq_ignore_ascii_case("table")
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
        {
            let mut start = i;
            while start > 0
                && matches!(
                    words[start - 1]
                        .trim_matches(|c: char| c == '(' || c == ',')
                        .to_ascii_lowercase()
                        .as_str(),
                    "in" | "see" | "details" | "for" | "refer" | "to" | "described"
                )
            {
                start -= 1;
            }
            words.drain(start..i + 2);
            i = start;
        } else {
            i += 1;
        }
    }
    words
        .join(" ")
        .trim_matches(|c: char| matches!(c, '(' | ')' | '.' | ',' | ';' | ' '))
        .to_owned()
}

/// One edit away from `word` (a typo: `Sting`, `Interger`, `Boolen`).
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    match long.len() - short.len() {
        0 => {
            let diffs: Vec<usize> = (0..short.len()).filter(|&i| short[i] != long[i]).collect();
            diffs.len() == 1
                || diffs.len() == 2
                    && diffs[1] == diffs[0] + 1
                    && short[diffs[0]] == long[diffs[1]]
                    && short[diffs[1]] == long[diffs[0]]
        }
        1 => {
            let i = (0..short.len())
                .find(|&i| short[i] != long[i])
                .unwrap_or(short.len());
            short[i..] == long[i + 1..]
        }
        _ => false,
    }
}

impl DocType {
    /// Reads a type name as documents write it, case-insensitively.
    pub fn parse(text: &str) -> DocType {
        let cleaned = without_references(text);
        let lower = cleaned.to_lowercase();
        if lower.is_empty() {
            return DocType::Unknown(String::new());
        }
        Self::read(&lower, &cleaned)
    }

    fn read(lower: &str, original: &str) -> DocType {
        let lower = lower.trim();
        if let Some(t) = scalar(lower) {
            return t;
        }
        for lead in [
            "array of ",
            "list of ",
            "set of ",
            "an array of ",
            "arrays of ",
        ] {
            if let Some(inner) = lower.strip_prefix(lead) {
                return DocType::Array(Some(Box::new(Self::element(inner))));
            }
        }
        for (open, close) in [
            ("list<", ">"),
            ("array<", ">"),
            ("set<", ">"),
            ("list [", "]"),
        ] {
            if let Some(inner) = lower.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
                return DocType::Array(Some(Box::new(Self::element(inner))));
            }
        }
        for suffix in ["[]", " array", " list", " arrays"] {
            if let Some(inner) = lower.strip_suffix(suffix) {
                return DocType::Array(Some(Box::new(Self::element(inner))));
            }
        }
        if lower.starts_with("map<") || lower.starts_with("map ") || lower.starts_with("map(") {
            return DocType::Map;
        }
        if lower.ends_with(" object")
            || lower.ends_with(" objects")
            || lower.starts_with("object ")
            || lower.starts_with("objects ")
        {
            return DocType::Object;
        }
        // A type's own name (`SubJobEntities`, `OperationLog`): one identifier with a capital
        // letter after its first, as named structures are written.
        if !original.contains(' ')
            && original
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && original.chars().skip(1).any(|c| c.is_ascii_uppercase())
        {
            return DocType::Object;
        }
        // A typo of a scalar name is read as a person reads it.
        if !lower.contains(' ') && lower.len() >= 4 {
            for word in [
                "string", "integer", "boolean", "object", "number", "double", "float",
            ] {
                if one_edit(lower, word) {
                    return scalar(word).unwrap_or(DocType::Unknown(original.to_owned()));
                }
            }
        }
        DocType::Unknown(original.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// An element type: `objects`, `strings`, `Task objects`, `result objects`.
    fn element(text: &str) -> DocType {
        let text = text.trim();
        if text.is_empty() {
            return DocType::Unknown(String::new());
        }
        Self::read(text, text)
    }

    /// Whether two labels mean the same: equal readings, an `Array` of unnamed elements
    /// beside any array, and unknown names equal but for case.
    pub fn same_meaning(&self, other: &DocType) -> bool {
        match (self, other) {
            (DocType::Unknown(x), DocType::Unknown(y)) => x.eq_ignore_ascii_case(y),
            (DocType::Array(None), DocType::Array(_))
            | (DocType::Array(_), DocType::Array(None)) => true,
            (DocType::Array(Some(x)), DocType::Array(Some(y))) => x.same_meaning(y),
            (a, b) => a == b,
        }
    }

    /// `string`, `integer (int64)`, `array of object`: the JSON meaning, for messages.
    pub fn describe(&self) -> String {
        match self {
            DocType::String => "string".into(),
            DocType::Integer(IntSize::Int32) => "integer (int32)".into(),
            DocType::Integer(IntSize::Int64) => "integer (int64)".into(),
            DocType::Number => "number".into(),
            DocType::Boolean => "boolean".into(),
            DocType::Object => "object".into(),
            DocType::Map => "map".into(),
            DocType::Array(None) => "array".into(),
            DocType::Array(Some(inner)) => format!("array of {}", inner.describe()),
            DocType::Unknown(text) => format!("`{text}` (not understood)"),
        }
    }
}

/// Values compared for meaning: numbers by value (`1` equals `1.0`), objects by key,
/// arrays in order, strings exactly.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                x == y
            } else if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                x == y
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// At most `limit` differences between two JSON values, as `path: old → new` lines
/// (`entities.image_name: added "test"`).
pub fn json_differences(old: &Value, new: &Value, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = 0;
    walk_differences(old, new, "", &mut out, &mut total, limit);
    if total > out.len() {
        out.push(format!("{} more difference(s)", total - out.len()));
    }
    out
}

fn walk_differences(
    old: &Value,
    new: &Value,
    path: &str,
    out: &mut Vec<String>,
    total: &mut usize,
    limit: usize,
) {
    if json_eq(old, new) {
        return;
    }
    let mut push = |line: String| {
        *total += 1;
        if out.len() < limit {
            out.push(line);
        }
    };
    let shown = |p: &str| {
        if p.is_empty() {
            "the body".to_owned()
        } else {
            format!("`{p}`")
        }
    };
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let p = join(path, k);
                match b.get(k) {
                    Some(w) => walk_differences(v, w, &p, out, total, limit),
                    None => {
                        *total += 1;
                        if out.len() < limit {
                            out.push(format!("{} removed (was {})", shown(&p), short(v)));
                        }
                    }
                }
            }
            for (k, w) in b {
                if !a.contains_key(k) {
                    let p = join(path, k);
                    *total += 1;
                    if out.len() < limit {
                        out.push(format!("{} added: {}", shown(&p), short(w)));
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                walk_differences(v, w, &format!("{path}[{i}]"), out, total, limit);
            }
        }
        (Value::Array(a), Value::Array(b)) => push(format!(
            "{}: {} element(s) → {}",
            shown(path),
            a.len(),
            b.len()
        )),
        _ => push(format!("{}: {} → {}", shown(path), short(old), short(new))),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A value in a message: short ones as JSON, long ones by kind.
pub fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 48 {
        return text;
    }
    match v {
        Value::Object(m) => format!("an object with {} key(s)", m.len()),
        Value::Array(a) => format!("an array of {} element(s)", a.len()),
        Value::String(s) => {
            let cut: String = s.chars().take(40).collect();
            format!("\"{cut}…\"")
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        use DocType::*;
        assert_eq!(DocType::parse("String"), String);
        assert_eq!(DocType::parse(" string "), String);
        assert_eq!(DocType::parse("Integer"), Integer(IntSize::Int32));
        assert_eq!(DocType::parse("Long"), Integer(IntSize::Int64));
        for n in ["Float", "Double", "Number", "BigDecimal"] {
            assert_eq!(DocType::parse(n), Number, "{n}");
        }
        assert_eq!(DocType::parse("Boolean"), Boolean);
        assert_eq!(DocType::parse("Object"), Object);
        assert_eq!(DocType::parse("JobEntities object"), Object);
        assert_eq!(DocType::parse("Map<String,String>"), Map);
        assert_eq!(
            DocType::parse("Array of Task objects"),
            Array(Some(Box::new(Object)))
        );
        assert_eq!(
            DocType::parse("Array of strings"),
            Array(Some(Box::new(String)))
        );
        assert_eq!(
            DocType::parse("List<Integer>"),
            Array(Some(Box::new(Integer(IntSize::Int32))))
        );
        assert_eq!(DocType::parse("Array"), Array(None));
        assert_eq!(DocType::parse("Objects in Table 6"), Object);
        assert_eq!(
            DocType::parse("Array of objects in Table 5"),
            Array(Some(Box::new(Object)))
        );
        assert_eq!(
            DocType::parse("Whatever"),
            Unknown("Whatever".into()),
            "unknown names are kept"
        );
    }

    /// The spellings of one meaning that real pages switch between (issue: type labels that
    /// carry a name or a table reference).
    #[test]
    fn labels_that_name_a_type_or_a_table_mean_the_same() {
        use DocType::*;
        let same = |a: &str, b: &str| {
            let (x, y) = (DocType::parse(a), DocType::parse(b));
            assert!(x.same_meaning(&y), "{a} ({x:?}) vs {b} ({y:?})");
        };
        same("Object SubJobEntities", "Object");
        same("SubJobEntities", "object");
        same("Array of objects (Table 5)", "Array of objects in Table 5");
        same(
            "Array of objects (see Table 5)",
            "Array of objects. For details, see Table 5.",
        );
        same(
            "Array of :ref:`OperationLog <cbr_03_0011__table1>` objects",
            "Array of :ref:`OperationLog <renamed_anchor>` objects",
        );
        same("List<String>", "Array of strings");
        same("Array of Strings", "Array of strings");
        same("String[]", "List<String>");
        same("Array", "Array of objects");
        same("Sting", "String");
        same("Interger", "Integer");
        let differ = |a: &str, b: &str| {
            let (x, y) = (DocType::parse(a), DocType::parse(b));
            assert!(!x.same_meaning(&y), "{a} ({x:?}) vs {b} ({y:?})");
        };
        differ("Object", "Map<String,String>");
        differ("Array of strings", "Array of objects");
        differ("Integer", "Long");
        differ("String", "Integer");
        differ("Object", "Array of objects");
        assert_eq!(DocType::parse("Map<String, Object>"), Map);
    }

    #[test]
    fn json_meaning() {
        let a: Value = serde_json::from_str(r#"{"a": 1, "b": [1.0, "x"]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"b": [1, "x"], "a": 1.0}"#).unwrap();
        assert!(json_eq(&a, &b));
        let c: Value = serde_json::from_str(r#"{"b": [1, "y"], "c": true}"#).unwrap();
        assert!(!json_eq(&a, &c));
        assert_eq!(
            json_differences(&a, &c, 10),
            [
                "`a` removed (was 1)",
                "`b[1]`: \"x\" → \"y\"",
                "`c` added: true"
            ]
        );
    }
}
