//! The YAML text of a draft, written by hand so that every `# review:` comment lands next to
//! the line it is about: a small tree of mappings, sequences and scalars, and its printer.
//! Scalars are quoted whenever a plain one could be read as anything but that string.

use serde_json::Value;

/// A YAML value.
#[derive(Debug, Clone)]
pub enum Node {
    /// A string, quoted as needed.
    Str(String),
    /// Written as is (a number, `true`).
    Plain(String),
    /// Prose: a literal block (`|`) when it has several lines, else a string.
    Text(String),
    /// A flow sequence of strings: `[a, b]`.
    Flow(Vec<String>),
    /// A JSON value, pretty-printed (JSON is YAML).
    Json(Value),
    /// A mapping.
    Map(Vec<Entry>),
    /// A block sequence of (comments, item).
    Seq(Vec<(Vec<String>, Node)>),
}

/// One key of a mapping, with the comment lines above it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `# ...` lines (without the `# `).
    pub comments: Vec<String>,
    /// The key.
    pub key: String,
    /// The value.
    pub value: Node,
}

/// A mapping under construction.
#[derive(Debug, Clone, Default)]
pub struct MapBuilder(pub Vec<Entry>);

impl MapBuilder {
    /// An empty mapping.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key: value`.
    pub fn put(&mut self, key: &str, value: Node) -> &mut Self {
        self.0.push(Entry {
            comments: Vec::new(),
            key: key.to_owned(),
            value,
        });
        self
    }

    /// Adds `key: value` with comment lines above it.
    pub fn put_with(&mut self, comments: Vec<String>, key: &str, value: Node) -> &mut Self {
        self.0.push(Entry {
            comments,
            key: key.to_owned(),
            value,
        });
        self
    }

    /// Adds a string value.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        self.put(key, Node::Str(value.to_owned()))
    }

    /// The mapping.
    pub fn build(self) -> Node {
        Node::Map(self.0)
    }

    /// Whether it has that key.
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|e| e.key == key)
    }
}

/// The YAML text of a mapping at the top level.
pub fn document(root: &Node) -> String {
    let mut out = String::new();
    if let Node::Map(entries) = root {
        write_entries(&mut out, entries, 0);
    }
    out
}

fn pad(n: usize) -> String {
    " ".repeat(n)
}

fn write_comments(out: &mut String, comments: &[String], indent: usize) {
    for c in comments {
        for line in c.lines() {
            let line = clean_comment(line);
            if line.is_empty() {
                out.push_str(&format!("{}#\n", pad(indent)));
            } else {
                out.push_str(&format!("{}# {line}\n", pad(indent)));
            }
        }
    }
}

/// A comment line holds no control characters (a newline would end it).
fn clean_comment(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim_end()
        .to_owned()
}

fn write_entries(out: &mut String, entries: &[Entry], indent: usize) {
    for e in entries {
        write_comments(out, &e.comments, indent);
        out.push_str(&pad(indent));
        out.push_str(&key(&e.key));
        out.push(':');
        write_value(out, &e.value, indent);
    }
}

/// Writes a value after `key:` (the rest of that line and any lines below).
fn write_value(out: &mut String, value: &Node, indent: usize) {
    match value {
        Node::Str(s) => {
            out.push(' ');
            out.push_str(&scalar(s));
            out.push('\n');
        }
        Node::Plain(s) => {
            out.push(' ');
            out.push_str(s);
            out.push('\n');
        }
        Node::Text(t) => write_text(out, t, indent),
        Node::Flow(items) => {
            out.push_str(" [");
            out.push_str(
                &items
                    .iter()
                    .map(|s| flow_scalar(s))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            out.push_str("]\n");
        }
        Node::Json(v) => write_json(out, v, indent + 2),
        Node::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
        Node::Map(entries) => {
            out.push('\n');
            write_entries(out, entries, indent + 2);
        }
        Node::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Node::Seq(items) => {
            out.push('\n');
            write_items(out, items, indent + 2);
        }
    }
}

fn write_items(out: &mut String, items: &[(Vec<String>, Node)], indent: usize) {
    for (comments, item) in items {
        write_comments(out, comments, indent);
        match item {
            Node::Map(entries) if !entries.is_empty() => {
                // `- first: ...`, the other keys below it, two further in; the first
                // key's comments go above the dash.
                let first = &entries[0];
                write_comments(out, &first.comments, indent);
                out.push_str(&pad(indent));
                out.push_str("- ");
                out.push_str(&key(&first.key));
                out.push(':');
                write_value(out, &first.value, indent + 2);
                write_entries(out, &entries[1..], indent + 2);
            }
            Node::Seq(inner) if !inner.is_empty() => {
                out.push_str(&pad(indent));
                out.push_str("-\n");
                write_items(out, inner, indent + 2);
            }
            other => {
                out.push_str(&pad(indent));
                out.push('-');
                write_value(out, other, indent);
            }
        }
    }
}

fn write_text(out: &mut String, text: &str, indent: usize) {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let literal_ok = lines.len() > 1
        && text.chars().all(|c| c == '\n' || c == '\t' || printable(c))
        && lines.first().is_some_and(|l| !l.starts_with([' ', '\t']));
    if !literal_ok {
        out.push(' ');
        out.push_str(&scalar(&lines.join("\n")));
        out.push('\n');
        return;
    }
    out.push_str(" |\n");
    for line in lines {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&pad(indent + 2));
            out.push_str(line);
            out.push('\n');
        }
    }
}

fn write_json(out: &mut String, v: &Value, indent: usize) {
    let simple = match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => true,
    };
    let text = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    if simple {
        out.push(' ');
        out.push_str(&json_text_for_yaml(&text));
        out.push('\n');
        return;
    }
    out.push('\n');
    for line in json_text_for_yaml(&text).lines() {
        out.push_str(&pad(indent));
        out.push_str(line);
        out.push('\n');
    }
}

/// JSON text as YAML reads it: characters YAML does not allow unescaped (C1 controls, the
/// line and paragraph separators, a byte order mark) written as `\u` escapes inside strings.
fn json_text_for_yaml(text: &str) -> String {
    text.chars()
        .map(|c| {
            if printable(c) || c == '\n' || c == ' ' {
                c.to_string()
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect()
}

/// Characters YAML allows in a document as they are (besides line breaks).
fn printable(c: char) -> bool {
    !(c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        ))
}

fn key(k: &str) -> String {
    scalar(k)
}

/// Words YAML 1.1 (which some readers still use) reads as booleans or null.
const SPECIAL: [&str; 22] = [
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "nan", ".nan", "inf", ".inf",
    "-.inf", "+.inf", "=", "<<", "-", "?", ":", "",
];

/// Whether a string can be written plain and still reads back as that string.
pub fn plain_ok(s: &str) -> bool {
    if SPECIAL.contains(&s.to_ascii_lowercase().as_str()) {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    if !(first.is_ascii_alphabetic() || matches!(first, '_' | '/' | '$' | '(')) {
        return false;
    }
    if s.ends_with([' ', ':']) || s.contains(": ") || s.contains(" #") || s.contains("\t") {
        return false;
    }
    s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '_' | '-' | '.' | '/' | '(' | ')' | '{' | '}' | '$' | '+' | ',' | ':' | '='
            )
    })
}

/// A string as a YAML scalar: plain when safe, else double-quoted with escapes.
pub fn scalar(s: &str) -> String {
    if plain_ok(s) {
        return s.to_owned();
    }
    quoted(s)
}

/// In a flow sequence `,`, `[`, `]`, `{`, `}` end a plain scalar too.
fn flow_scalar(s: &str) -> String {
    if plain_ok(s) && !s.contains([',', '{', '}', '[', ']']) {
        s.to_owned()
    } else {
        quoted(s)
    }
}

/// A double-quoted YAML scalar.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if !printable(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses YAML with the generator's loader, inside a minimal OpenAPI document.
    fn parse(text: &str) -> Value {
        let indented: String = text.lines().map(|l| format!("  {l}\n")).collect();
        let doc = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: \"1\"}}\npaths: {{}}\nx-t:\n{indented}"
        );
        let loaded = cloudjobs_codegen::load::load_str(&doc, "test.yaml")
            .unwrap_or_else(|e| panic!("{e}\n{doc}"));
        loaded.raw["x-t"].clone()
    }

    fn reads_back(s: &str) {
        let text = format!("k: {}\n", scalar(s));
        let v = parse(&text);
        assert_eq!(v["k"], Value::String(s.to_owned()), "{s:?} as {text}");
    }

    #[test]
    fn scalars_read_back_as_the_same_string() {
        for s in [
            "plain",
            "yes",
            "No",
            "null",
            "~",
            "200",
            "1.5",
            "-x",
            "a: b",
            "a #b",
            "#x",
            "x:",
            "'q'",
            "\"q\"",
            "a\nb",
            "tab\there",
            "\u{1b}[31m",
            "/v1/{project_id}/jobs",
            "$ref",
            "",
            " lead",
            "trail ",
            "@at",
            "`code`",
            "é ü",
            "\u{2028}",
            "%x",
            "!tag",
            "&a",
            "*b",
            "[x]",
            "{y}",
            "a,b",
            "- item",
            "? q",
            "| bar",
            "> gt",
            "0x1F",
            "1_000",
            "1:20",
        ] {
            reads_back(s);
        }
    }

    #[test]
    fn a_document_reads_back() {
        let mut m = MapBuilder::new();
        m.str("title", "A: title");
        m.put(
            "description",
            Node::Text("line one\n  indented\n\nlast".into()),
        );
        m.put_with(
            vec!["review: why".into()],
            "list",
            Node::Flow(vec!["A".into(), "b,c".into()]),
        );
        m.put(
            "items",
            Node::Seq(vec![
                (
                    vec!["first".into()],
                    Node::Map(vec![
                        Entry {
                            comments: vec!["on the key".into()],
                            key: "name".into(),
                            value: Node::Str("x".into()),
                        },
                        Entry {
                            comments: vec![],
                            key: "in".into(),
                            value: Node::Str("path".into()),
                        },
                    ]),
                ),
                (vec![], Node::Str("plain".into())),
            ]),
        );
        m.put(
            "example",
            Node::Json(serde_json::json!({"a": [1, {"b": "\u{85}"}], "c": {}})),
        );
        let text = document(&m.build());
        let v = parse(&text);
        assert_eq!(v["title"], "A: title");
        assert_eq!(v["description"], "line one\n  indented\n\nlast\n");
        assert_eq!(v["list"], serde_json::json!(["A", "b,c"]));
        assert_eq!(v["items"][0]["in"], "path");
        assert_eq!(v["items"][1], "plain");
        assert_eq!(v["example"]["a"][1]["b"], "\u{85}");
        assert!(text.contains("  # on the key\n  - name: x\n"), "{text}");
    }
}
