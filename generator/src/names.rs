//! Rust names from spec names: heck for the casing, plus keyword escaping, identifier repair
//! and deterministic de-duplication.

use std::collections::HashSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that cannot be identifiers even as raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Rust keywords (all editions), escaped as raw identifiers.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Type names that would shadow what generated code uses by its short name.
const RESERVED_TYPES: &[&str] = &["Option", "Result", "String", "Vec", "Box", "Self"];

/// Spells a wire name as words, so `@type`, `$ref` or `+1` still give a name.
fn words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '+' => out.push_str(" plus "),
            '-' if out.trim().is_empty() => out.push_str(" minus "),
            '@' | '$' | '#' if out.trim().is_empty() => {}
            c if c.is_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
    }
    out
}

fn ascii_only(s: String) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// A snake-case identifier (field, parameter, method), escaped when it is a keyword.
pub fn snake(raw: &str, fallback: &str) -> String {
    let mut name = ascii_only(words(raw).to_snake_case());
    if name.is_empty() {
        name = fallback.to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("n{name}");
    }
    escape(name)
}

/// An upper-camel-case identifier (type, variant).
pub fn camel(raw: &str, fallback: &str) -> String {
    let mut name = ascii_only(words(raw).to_upper_camel_case());
    if name.is_empty() {
        name = fallback.to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("{fallback}{name}");
    }
    escape(name)
}

fn escape(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// A set of names in one namespace; [`Names::claim`] hands out each name once, adding `2`,
/// `3`, ... on collisions. The same claims in the same order always give the same names.
#[derive(Debug, Default)]
pub struct Names {
    taken: HashSet<String>,
}

impl Names {
    /// A namespace where `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// A namespace for type names (the names generated code uses unqualified are taken).
    pub fn for_types() -> Self {
        Self::with_reserved(RESERVED_TYPES)
    }

    /// Claims `wanted`, or the first free `wanted2`, `wanted3`, ...
    pub fn claim(&mut self, wanted: &str) -> String {
        let bare = wanted.strip_prefix("r#").unwrap_or(wanted);
        if self.taken.insert(bare.to_owned()) {
            return wanted.to_owned();
        }
        let sep = if bare.ends_with(|c: char| c.is_ascii_digit()) {
            "_"
        } else {
            ""
        };
        (2..)
            .map(|n| format!("{bare}{sep}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .expect("an unbounded range always has a free name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casing_and_escaping() {
        assert_eq!(snake("X-Environment-ID", "p"), "x_environment_id");
        assert_eq!(snake("type", "f"), "r#type");
        assert_eq!(snake("self", "f"), "self_");
        assert_eq!(snake("$ref", "f"), "r#ref");
        assert_eq!(snake("@odata.type", "f"), "odata_type");
        assert_eq!(snake("200", "f"), "n200");
        assert_eq!(snake("+1", "f"), "plus_1");
        assert_eq!(snake("-1", "f"), "minus_1");
        assert_eq!(snake("名前", "field"), "field");
        assert_eq!(camel("CREATE_SERVER_IMAGE", "V"), "CreateServerImage");
        assert_eq!(camel("2xx", "V"), "V2xx");
        assert_eq!(camel("", "Empty"), "Empty");
        assert_eq!(camel("Self", "T"), "Self_");
    }

    #[test]
    fn collisions_are_numbered_in_claim_order() {
        let mut names = Names::for_types();
        assert_eq!(names.claim("Job"), "Job");
        assert_eq!(names.claim("Job"), "Job2");
        assert_eq!(names.claim("Job"), "Job3");
        assert_eq!(names.claim("String"), "String2");
        assert_eq!(names.claim("V1"), "V1");
        assert_eq!(names.claim("V1"), "V1_2");
        assert_eq!(names.claim("r#type"), "r#type");
        assert_eq!(names.claim("type"), "type2");
    }
}
