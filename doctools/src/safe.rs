//! Text from specs and documents is not trusted: what may become a path segment is checked
//! here ([`one_segment`], [`inside`]), and what reaches a terminal is escaped ([`shown`],
//! [`terminal`]), with the runtime's rule (`cloudjobs_runtime::text`), which the command line follows too:
//! control characters as Rust escapes (`\u{1b}`, `\n`), bidirectional formatting characters
//! as `\u{202e}`.

use std::path::{Component, Path, PathBuf};

/// The longest file or folder name most file systems take.
const MAX_SEGMENT_BYTES: usize = 255;

/// `text` when it is exactly one path segment: not empty, not `.` or `..`, no separator
/// (`/`, `\`), no drive or stream colon, no control character, at most 255 bytes. An error
/// says what is wrong with it (the caller adds where the text came from).
pub fn one_segment(text: &str) -> Result<&str, String> {
    let problem = if text.is_empty() {
        Some("is empty")
    } else if text == "." || text == ".." {
        Some("is a dot segment")
    } else if text.contains(['/', '\\']) {
        Some("contains a path separator")
    } else if text.contains(':') {
        Some("contains `:`")
    } else if text.chars().any(is_unsafe) {
        Some("contains a control character")
    } else if text.len() > MAX_SEGMENT_BYTES {
        Some("is longer than 255 bytes")
    } else {
        None
    };
    if let Some(problem) = problem {
        return Err(format!("`{}` {problem}: not one path segment", shown(text)));
    }
    let mut components = Path::new(text).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(_)), None) => Ok(text),
        _ => Err(format!("`{}` is not one path segment", shown(text))),
    }
}

/// `base/seg1/seg2/...`, each segment checked by [`one_segment`]: the result is always
/// inside `base`.
pub fn inside(base: &Path, segments: &[&str]) -> Result<PathBuf, String> {
    let mut path = base.to_path_buf();
    for segment in segments {
        path.push(one_segment(segment)?);
    }
    Ok(path)
}

/// The runtime's one rule for text on a terminal, shared with the command line.
pub use cloudjobs_runtime::text::{
    is_terminal_unsafe as is_unsafe, terminal_json, terminal_lines as terminal,
    terminal_safe as shown,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_segment_refuses_everything_that_is_not_one_name() {
        for ok in [
            "cae-jobs",
            "b.rst",
            "recorded-0123456789",
            "..rst",
            "a..b",
            "ü",
        ] {
            assert_eq!(one_segment(ok), Ok(ok));
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "../x",
            "/etc",
            "a\\b",
            "C:x",
            "a\u{0}b",
            "a\nb",
            "a\u{1b}b",
            "a\u{202e}b",
        ] {
            let e = one_segment(bad).unwrap_err();
            assert!(e.contains("not one path segment"), "{bad:?}: {e}");
            assert!(!e.chars().any(|c| c != '\n' && is_unsafe(c)), "{e:?}");
        }
        assert!(one_segment(&"x".repeat(256)).is_err());
        assert!(one_segment(&"x".repeat(255)).is_ok());
    }

    #[test]
    fn inside_stays_inside() {
        let base = Path::new("/tmp/docs");
        assert_eq!(
            inside(base, &["spec", "a.rst"]).unwrap(),
            Path::new("/tmp/docs/spec/a.rst")
        );
        assert!(inside(base, &["spec", ".."]).is_err());
        assert!(inside(base, &["..", "x"]).is_err());
        assert!(inside(base, &["/abs"]).is_err());
    }

    #[test]
    fn terminal_text_is_inert() {
        assert_eq!(shown("plain, ü"), "plain, ü");
        assert_eq!(shown("a\u{1b}[31mb\u{7}\nc"), "a\\u{1b}[31mb\\u{7}\\nc");
        assert_eq!(
            shown("a\u{9b}b\u{202e}c\u{7f}"),
            "a\\u{9b}b\\u{202e}c\\u{7f}"
        );
        assert_eq!(terminal("one\ntwo\u{1b}\r\n"), "one\ntwo\\u{1b}\\r\n");
        assert_eq!(
            terminal_json("{\"a\": \"x\u{9b}y\u{202e}\"}\n"),
            "{\"a\": \"x\\u009by\\u202e\"}\n"
        );
        let parsed: serde_json::Value =
            serde_json::from_str(&terminal_json("{\"a\": \"x\u{9b}\u{2066}\"}")).unwrap();
        assert_eq!(parsed["a"], "x\u{9b}\u{2066}");
    }
}
