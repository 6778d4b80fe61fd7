//! Spec prose to rustdoc that renders and builds cleanly.
//!
//! Spec descriptions are Markdown written for other tools. Left as they are, rustdoc would
//! compile and run their indented or fenced code as doctests, read `[x]` as intra-doc links
//! and `<id>` as HTML. This module keeps the text and defuses those: no spec text ever
//! becomes a code block (the `cargo test` of the generated crate would run it), an HTML
//! block or a line of generated source of its own ([`sanitize`], [`code`], [`doc_line`]).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::Docs;

/// `#[doc = "..."]` attributes for an item's documentation.
pub(crate) fn attrs(docs: &Docs) -> TokenStream {
    lines_to_attrs(&lines(docs))
}

/// `#[doc = "..."]` attributes for lines of Markdown already made safe (by [`sanitize`],
/// [`code`] or the generator's own text).
pub(crate) fn lines_to_attrs(lines: &[String]) -> TokenStream {
    let attrs = lines.iter().map(|line| {
        let line = doc_line(line);
        quote!(#[doc = #line])
    });
    quote!(#(#attrs)*)
}

/// The text of one doc attribute: prettyplease prints it as a `///` or `//!` comment, so it
/// must hold no line break or other control character (escaped here, whatever the caller
/// passed), and it starts with the space a `///` comment has.
pub(crate) fn doc_line(line: &str) -> String {
    if line.is_empty() {
        String::new()
    } else {
        format!(" {}", escape_controls(line))
    }
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
            .map(|n| format!("- {}", n.replace(['\r', '\n'], " ")))
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

/// Makes spec Markdown safe for rustdoc: no spec text can become a code block, an HTML
/// block or a link.
///
/// - Leading whitespace is dropped from every line, and the whitespace after list markers
///   (`-`, `*`, `+`, `1.`, `1)`) is one space, so nothing is ever indented code; the lines
///   that continue a list item are indented by the generator to the item's content, never
///   more.
/// - Fences (```` ``` ````, `~~~`) are escaped, so they are text; inline code spans stay.
/// - Outside code spans, `[`, `]`, `<` and `>` are escaped (no links, HTML or block quotes),
///   backticks that open no span are escaped, bare URLs are wrapped in `<...>`.
/// - Control characters are shown as `\u{..}` (see [`escape_controls`]), tabs are spaces.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out = Vec::new();
    // The indentation continuation lines of the current list item need (Markdown would
    // otherwise join them lazily, which clippy flags).
    let mut item_indent: Option<usize> = None;
    for raw in text.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        let raw = raw.replace('\t', " ");
        let (markers, content) = split_markers(raw.trim());
        let content = escape_line(content);
        if markers.is_empty() {
            if content.is_empty() {
                item_indent = None;
                out.push(String::new());
            } else if let Some(indent) = item_indent {
                out.push(format!("{}{content}", " ".repeat(indent)));
            } else {
                out.push(content);
            }
            continue;
        }
        let prefix: String = markers.iter().map(|m| format!("{m} ")).collect();
        item_indent = Some(prefix.len());
        out.push(format!("{prefix}{content}").trim_end().to_owned());
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

/// The list markers a trimmed line starts with (`- 1. text` has two), and the rest with the
/// whitespace after each marker dropped.
fn split_markers(mut line: &str) -> (Vec<&str>, &str) {
    let mut markers = Vec::new();
    loop {
        let bullet = usize::from(line.starts_with(['-', '*', '+']));
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        let width = match (bullet, digits) {
            (1, _) => 1,
            (_, 1..=9) if line[digits..].starts_with(['.', ')']) => digits + 1,
            _ => 0,
        };
        // A marker is followed by a space or ends the line.
        if width == 0 || !(line.len() == width || line[width..].starts_with(' ')) {
            return (markers, line);
        }
        markers.push(&line[..width]);
        line = line[width..].trim_start();
    }
}

/// Escapes one line of text (the content after any list markers).
fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let at_start = |rest: &str| rest.len() == line.len();
    while let Some(c) = rest.chars().next() {
        let run = rest.len() - rest.trim_start_matches(c).len();
        if c == '\\' {
            // An escape the text already has stays one (a backslash before a character
            // that is not ASCII punctuation is a backslash).
            let next = rest[1..].chars().next();
            if next.is_some_and(|n| n.is_ascii_punctuation()) {
                out.push_str(&rest[..2]);
                rest = &rest[2..];
            } else {
                out.push('\\');
                rest = &rest[1..];
            }
            continue;
        }
        if c == '`' {
            // A code span runs to the next run of as many backticks; a run that closes
            // none, or a fence's at the start of a line, is text.
            let close = (!(at_start(rest) && run >= 3))
                .then(|| closing_run(&rest[run..], run))
                .flatten();
            match close {
                Some(end) => {
                    let span = &rest[..run + end + run];
                    out.push_str(&escape_controls(span));
                    rest = &rest[span.len()..];
                }
                None => {
                    out.push_str(&"\\`".repeat(run));
                    rest = &rest[run..];
                }
            }
            continue;
        }
        if c == '~' && at_start(rest) && run >= 3 {
            out.push_str(&"\\~".repeat(run));
            rest = &rest[run..];
            continue;
        }
        if let Some(url_len) = url_at(rest) {
            out.push('<');
            out.push_str(&escape_controls(&rest[..url_len]));
            out.push('>');
            rest = &rest[url_len..];
            continue;
        }
        if matches!(c, '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push_str(&escape_controls(&rest[..c.len_utf8()]));
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Where a run of exactly `n` backticks starts in `s`, if one does.
fn closing_run(s: &str, n: usize) -> Option<usize> {
    let mut at = 0;
    while let Some(found) = s[at..].find('`') {
        let start = at + found;
        let len = s[start..].len() - s[start..].trim_start_matches('`').len();
        if len == n {
            return Some(start);
        }
        at = start + len;
    }
    None
}

/// The length of a URL starting here, if one does.
fn url_at(s: &str) -> Option<usize> {
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        return None;
    }
    let end = s
        .find(|c: char| {
            c.is_whitespace() || is_unsafe(c) || matches!(c, '<' | '>' | '"' | '`' | ')' | ']')
        })
        .unwrap_or(s.len());
    let url = s[..end].trim_end_matches(['.', ',', ';', ':']);
    Some(url.len())
}

/// Spec text as an inline code span, whatever it holds: on one line, backticks as `'`,
/// control characters escaped.
pub(crate) fn code(text: &str) -> String {
    let text = text.replace(['\r', '\n', '\t'], " ").replace('`', "'");
    format!("`{}`", escape_controls(&text))
}

/// Characters that must never reach generated source as they are: control characters
/// (line breaks, escape sequences, NUL, DEL, C1), Unicode line and paragraph separators and
/// the bidirectional overrides rustc refuses in comments and literals.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Text for one line of generated source (a `//` comment or a doc line): each character of
/// [`is_unsafe`] as `\u{..}`.
pub(crate) fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_never_becomes_a_doctest() {
        let s = sanitize("Example:\n```\nlet x = 1;\n```\n    indented code\n~~~json\n{}\n~~~");
        assert_eq!(
            s,
            "Example:\n\\`\\`\\`\nlet x = 1;\n\\`\\`\\`\nindented code\n\\~\\~\\~json\n{}\n\\~\\~\\~"
        );
    }

    #[test]
    fn whitespace_after_list_markers_never_makes_code() {
        // Four or more spaces (or a tab) after a marker are indented code in the item.
        assert_eq!(
            sanitize("-     std::fs::write(\"x\", \"\");\n*\t\tcode\n+      code"),
            "- std::fs::write(\"x\", \"\");\n* code\n+ code"
        );
        assert_eq!(
            sanitize("1.     code\n2)\tcode\n123456789.      code\n- -     code"),
            "1. code\n2) code\n123456789. code\n- - code"
        );
        // Continuation lines are indented to the item's content, never more.
        assert_eq!(
            sanitize("- -     a\n            b\n\n\tc"),
            "- - a\n    b\n\nc"
        );
        // Not list markers: text that starts like one.
        assert_eq!(sanitize("-x\n1.5 GB\n**bold**"), "-x\n1.5 GB\n**bold**");
        assert_eq!(sanitize("1234567890. x"), "1234567890. x");
    }

    #[test]
    fn fences_are_text_wherever_they_start() {
        // In list items, after indentation, of any length, with an info string.
        assert_eq!(
            sanitize("- ```rust\n   ````\n1. ~~~~ rust\n  ~~~\n```a```"),
            "- \\`\\`\\`rust\n  \\`\\`\\`\\`\n1. \\~\\~\\~\\~ rust\n   \\~\\~\\~\n   \\`\\`\\`a\\`\\`\\`"
        );
        // Block quotes are escaped, so a fence in one is text too.
        assert_eq!(sanitize("> ```\n>     code"), "\\> \\`\\`\\`\n\\>     code");
        // Inline code and strikethrough stay.
        assert_eq!(sanitize("`a` ``b`c`` ~~d~~"), "`a` ``b`c`` ~~d~~");
    }

    #[test]
    fn html_blocks_and_stray_backticks_are_text() {
        assert_eq!(
            sanitize("<pre>\n<script>alert(1)</script>\n  <!-- x -->"),
            "\\<pre\\>\n\\<script\\>alert(1)\\</script\\>\n\\<!-- x --\\>"
        );
        // A backtick that opens no span is escaped: it cannot hide `<` from the escaping.
        assert_eq!(sanitize("``` <b> `"), "\\`\\`\\` \\<b\\> \\`");
        assert_eq!(sanitize("x ``` <b> `"), "x \\`\\`\\` \\<b\\> \\`");
        assert_eq!(sanitize("\\`<b>`"), "\\`\\<b\\>\\`");
        // Escapes the text has stay escapes.
        assert_eq!(sanitize("\\[x\\] \\\\[y]"), "\\[x\\] \\\\\\[y\\]");
    }

    #[test]
    fn control_characters_are_shown_not_kept() {
        assert_eq!(
            sanitize("a\u{1b}[31m\u{0}b\u{85}c\u{2028}d\u{202e}e\u{7f}\tf"),
            "a\\u{1b}\\[31m\\u{0}b\\u{85}c\\u{2028}d\\u{202e}e\\u{7f} f"
        );
        assert_eq!(sanitize("a\r\n\r\n    b\rc"), "a\n\nb\nc");
        assert_eq!(code("a`b\n\n    c\u{1b}"), "`a'b      c\\u{1b}`");
        assert_eq!(escape_controls("x.yaml\n// y\r"), "x.yaml\\u{a}// y\\u{d}");
        // Whatever a caller passes, a doc line is one line.
        assert_eq!(doc_line("a\n\n    b"), " a\\u{a}\\u{a}    b");
    }

    #[test]
    fn notes_are_made_safe_once() {
        let docs = Docs {
            notes: vec![
                "Pattern: `^[a-z]<b>$`".into(),
                "Default: x\n\n    code https://a.test/x".into(),
            ],
            ..Docs::default()
        };
        assert_eq!(
            lines(&docs),
            [
                "- Pattern: `^[a-z]<b>$`",
                "- Default: x      code <https://a.test/x>"
            ]
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
        assert_eq!(sanitize("`a_b` and `x"), "`a_b` and \\`x");
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
