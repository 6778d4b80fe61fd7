//! Text from outside (a server's failure reason, a document's field name) made inert for a
//! terminal: control characters written as Rust escapes (`\u{1b}`, `\n`), bidirectional
//! formatting characters as `\u{202e}`, so such text cannot move the cursor, clear the
//! screen, retitle the terminal, reorder a line or fake one. The one rule the command line,
//! the runtime's tracing fields and `cargo xtask docs` follow.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character would act on a terminal (or reorder text) rather than show: C0 and
/// C1 control characters, `DEL`, and the bidirectional formatting characters.
pub fn is_terminal_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text for one place of a line: every unsafe character escaped, line breaks included.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_terminal_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// A whole report or message: every unsafe character escaped but the line breaks that
/// structure it.
pub fn terminal_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_terminal_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(terminal_safe)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// JSON for a terminal. serde_json escapes C0 control characters; C1 ones and the
/// bidirectional formatting characters, which JSON allows raw, become `\uXXXX` escapes too
/// (the JSON means the same).
pub fn terminal_json(json: &str) -> Cow<'_, str> {
    if !json.chars().any(|c| c != '\n' && is_terminal_unsafe(c)) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c != '\n' && is_terminal_unsafe(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `c` as it is, or escaped when it is unsafe.
pub(crate) fn push_escaped(out: &mut impl std::fmt::Write, c: char) {
    let _ = if c.is_control() {
        c.escape_default().try_for_each(|e| out.write_char(e))
    } else if is_terminal_unsafe(c) {
        c.escape_unicode().try_for_each(|e| out.write_char(e))
    } else {
        out.write_char(c)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_are_escaped_and_line_breaks_kept_where_asked() {
        assert_eq!(terminal_safe("plain, ü"), "plain, ü");
        assert_eq!(
            terminal_safe("a\u{1b}[2J\nb\u{202e}"),
            "a\\u{1b}[2J\\nb\\u{202e}"
        );
        assert_eq!(terminal_lines("a\u{7}\nb"), "a\\u{7}\nb");
        assert_eq!(
            terminal_json("{\"a\": \"\u{9b}\"}\n"),
            "{\"a\": \"\\u009b\"}\n"
        );
    }
}
