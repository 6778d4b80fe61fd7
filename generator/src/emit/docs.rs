//! Spec prose to rustdoc that renders and builds cleanly.
//!
//! Spec descriptions are Markdown written for other tools. Left as they are, rustdoc would
//! try to compile their indented or fenced code as doctests, read `[x]` as intra-doc links
//! and `<id>` as HTML. This module keeps the text and defuses those.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::Docs;

/// `#[doc = "..."]` attributes for an item's documentation.
pub(crate) fn attrs(docs: &Docs) -> TokenStream {
    lines_to_attrs(&lines(docs))
}

pub(crate) fn lines_to_attrs(lines: &[String]) -> TokenStream {
    let attrs = lines.iter().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#attrs)*)
}

/// The documentation as lines of Markdown.
pub(crate) fn lines(docs: &Docs) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let paragraph = |out: &mut Vec<String>, text: &str| {
        let text = sanitize(text);
        if text.trim().is_empty() {
            return;
        }
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(text.lines().map(str::to_owned));
    };
    if let Some(summary) = &docs.summary {
        paragraph(&mut out, summary);
    }
    if let Some(description) = &docs.description
        && docs.summary.as_deref().map(str::trim) != Some(description.trim())
    {
        paragraph(&mut out, description);
    }
    if docs.deprecated {
        paragraph(&mut out, "**Deprecated** in the spec.");
    }
    if !docs.notes.is_empty() {
        let notes: Vec<String> = docs
            .notes
            .iter()
            .map(|n| format!("- {}", sanitize(n).replace('\n', " ")))
            .collect();
        paragraph(&mut out, &notes.join("\n"));
    }
    if let Some(example) = &docs.example {
        let example = truncate(example, 300);
        paragraph(
            &mut out,
            &format!("Example: `{}`", example.replace('`', "'")),
        );
    }
    // Trailing blank lines would print as empty doc lines.
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}…")
}

/// Makes Markdown safe for rustdoc: code blocks become `text` blocks (never doctests),
/// indentation that would start a code block is dropped, brackets and angle brackets are
/// escaped outside code, bare URLs are wrapped in `<...>`.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_fence = false;
    // The indentation continuation lines of the current list item need (Markdown would
    // otherwise join them lazily, which clippy flags).
    let mut item_indent: Option<usize> = None;
    for raw in text.replace("\r\n", "\n").replace('\r', "\n").lines() {
        let trimmed = raw.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            if in_fence {
                out.push("```".to_owned());
            } else {
                out.push("```text".to_owned());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(raw.to_owned());
            continue;
        }
        let line = escape_line(trimmed.trim_end());
        if line.is_empty() {
            item_indent = None;
            out.push(line);
        } else if let Some(marker) = list_marker(&line) {
            item_indent = Some(marker);
            out.push(line);
        } else if let Some(indent) = item_indent {
            out.push(format!("{}{line}", " ".repeat(indent)));
        } else {
            out.push(line);
        }
    }
    if in_fence {
        out.push("```".to_owned());
    }
    out.join("\n")
}

/// The width of a list item's marker (`- `, `* `, `+ `, `1. `, `2) `), if the line is one.
fn list_marker(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return Some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let rest = &line[digits..];
    (digits > 0 && digits < 4 && (rest.starts_with(". ") || rest.starts_with(") ")))
        .then_some(digits + 2)
}

fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            rest = &rest[1..];
            continue;
        }
        if !in_code {
            if let Some(url_len) = url_at(rest) {
                out.push('<');
                out.push_str(&rest[..url_len]);
                out.push('>');
                rest = &rest[url_len..];
                continue;
            }
            match c {
                '[' | ']' | '<' | '>' => {
                    out.push('\\');
                    out.push(c);
                    rest = &rest[1..];
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if in_code {
        // An unbalanced backtick would swallow the rest of the item's docs.
        out = out.replace('`', "'");
    }
    out
}

/// The length of a URL starting here, if one does.
fn url_at(s: &str) -> Option<usize> {
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        return None;
    }
    let end = s
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`' | ')' | ']'))
        .unwrap_or(s.len());
    let url = s[..end].trim_end_matches(['.', ',', ';', ':']);
    Some(url.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_never_becomes_a_doctest() {
        let s = sanitize("Example:\n```\nlet x = 1;\n```\n    indented code\n~~~json\n{}\n~~~");
        assert_eq!(
            s,
            "Example:\n```text\nlet x = 1;\n```\nindented code\n```text\n{}\n```"
        );
    }

    #[test]
    fn list_items_keep_their_continuation_lines() {
        assert_eq!(
            sanitize("- a\nb\n\nc\n10. d\n  e"),
            "- a\n  b\n\nc\n10. d\n    e"
        );
    }

    #[test]
    fn links_and_html_are_escaped() {
        assert_eq!(
            sanitize("See [Error Codes] at https://x.test/a_b. Use <id> and a_b*"),
            "See \\[Error Codes\\] at <https://x.test/a_b>. Use \\<id\\> and a_b*"
        );
        assert_eq!(sanitize("`a_b` and `x"), "'a_b' and 'x");
    }

    #[test]
    fn docs_become_paragraphs() {
        let docs = Docs {
            summary: Some("Job".into()),
            description: Some("The job.\nSecond line.".into()),
            notes: vec!["Length: 8..=36".into()],
            example: Some("\"x\"".into()),
            deprecated: false,
        };
        assert_eq!(
            lines(&docs),
            [
                "Job",
                "",
                "The job.",
                "Second line.",
                "",
                "- Length: 8..=36",
                "",
                "Example: `\"x\"`"
            ]
        );
    }
}
