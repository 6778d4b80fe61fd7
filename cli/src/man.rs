//! The manual pages, from the same clap definition as `--help`: cloudjobs(1), and one page
//! per subcommand its SUBCOMMANDS section lists (cloudjobs-get(1), cloudjobs-wait(1), ...),
//! each with that subcommand's own options and the global ones.
//!
//! clap_mangen renders each page, but for the text after the options (the `after_help`:
//! settings, diagnostics, exit status, polling), which it writes one roff text line per
//! line: groff then fills an indented line and the paragraph after it into one, and widens
//! the aligned tables. Here that text is a roff paragraph (`.PP`) per blank-line-separated
//! block, and a new one for prose after an indented run; the indented lines are kept as they
//! are (`.nf` ... `.fi`).

use std::io;
use std::path::{Path, PathBuf};

/// The name of the command, and the prefix of its subcommands' pages.
const NAME: &str = "cloudjobs";

/// One manual page: its file name (`cloudjobs-wait.1`) and its roff source.
pub struct Page {
    /// The file name, such as `cloudjobs.1` or `cloudjobs-wait.1`.
    pub file: String,
    /// The roff source.
    pub roff: String,
}

/// Every page: cloudjobs(1) first, then one per subcommand it lists.
pub fn pages(command: clap::Command) -> io::Result<Vec<Page>> {
    let mut command = command;
    // Propagates the global flags to the subcommands and names them `cloudjobs-<name>`
    // (their display name) with `cloudjobs <name>` in their synopsis (their bin name).
    command.build();
    let mut pages = vec![page(&command, None)?];
    for sub in listed_subcommands(&command) {
        pages.push(page(sub, Some(&command))?);
    }
    Ok(pages)
}

/// cloudjobs(1) alone, as `cloudjobs man` prints it.
pub fn main_page(command: clap::Command) -> io::Result<String> {
    let mut command = command;
    command.build();
    Ok(page(&command, None)?.roff)
}

/// Writes every page of [`pages`] into `dir` (made if missing); returns the files written.
pub fn write_all(command: clap::Command, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let pages = pages(command).map_err(|e| format!("cannot render the manual pages: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    pages
        .into_iter()
        .map(|p| {
            let path = dir.join(&p.file);
            std::fs::write(&path, p.roff)
                .map(|()| path.clone())
                .map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect()
}

/// The subcommands the SUBCOMMANDS section of `command`'s page lists, in its order (as
/// clap_mangen chooses them: the visible ones, by display order, then name).
fn listed_subcommands(command: &clap::Command) -> Vec<&clap::Command> {
    let mut listed: Vec<&clap::Command> = command
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .collect();
    listed.sort_by_key(|s| (s.get_display_order(), s.get_name()));
    listed
}

/// The page of `command`: of the whole command line when `parent` is `None`, else of a
/// subcommand of `parent` (which has been built).
fn page(command: &clap::Command, parent: Option<&clap::Command>) -> io::Result<Page> {
    let version = parent
        .unwrap_or(command)
        .get_version()
        .unwrap_or_default()
        .to_owned();
    let after_help = command
        .get_after_long_help()
        .or_else(|| command.get_after_help())
        .map(|t| t.to_string());
    let bare = command
        .clone()
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let man = clap_mangen::Man::new(bare).source(format!("{NAME} {version}"));
    let file = man.get_filename();
    let mut out = Vec::new();
    man.render(&mut out)?;
    let rendered = String::from_utf8_lossy(&out).into_owned();
    let mut sections = String::new();
    if let Some(text) = after_help {
        sections.push_str(".SH EXTRA\n");
        sections.push_str(&paragraphs(&text));
    }
    let see_also: Vec<String> = match parent {
        Some(_) => vec![format!(
            "{NAME}(1): where settings and credentials come from, diagnostics, exit status"
        )],
        None => listed_subcommands(command)
            .into_iter()
            .map(|s| format!("{NAME}\\-{}(1)", escape(s.get_name())))
            .collect(),
    };
    if !see_also.is_empty() {
        sections.push_str(".SH \"SEE ALSO\"\n");
        sections.push_str(&see_also.join(", "));
        sections.push('\n');
    }
    // Before VERSION and AUTHORS, where clap_mangen puts its EXTRA section.
    let at = [".SH VERSION\n", ".SH AUTHORS\n"]
        .iter()
        .filter_map(|s| rendered.find(s))
        .min()
        .unwrap_or(rendered.len());
    let roff = format!("{}{sections}{}", &rendered[..at], &rendered[at..]);
    Ok(Page { file, roff })
}

/// Help text as roff: a paragraph (`.PP`) per block of lines between blank lines; in a
/// block, lines that start at the margin are filled as one paragraph, indented lines are
/// kept line for line (`.nf`), and prose after indented lines starts a new paragraph.
pub fn paragraphs(text: &str) -> String {
    let mut out = String::new();
    let mut started = false;
    let mut no_fill = false;
    let mut new_block = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            new_block = true;
            continue;
        }
        let indented = line.starts_with(char::is_whitespace);
        let new_paragraph = started && (new_block || (no_fill && !indented));
        if no_fill && (new_paragraph || !indented) {
            out.push_str(".fi\n");
            no_fill = false;
        }
        if new_paragraph {
            out.push_str(".PP\n");
        }
        if indented && !no_fill {
            out.push_str(".nf\n");
            no_fill = true;
        }
        new_block = false;
        started = true;
        out.push_str(&escape_line(line));
        out.push('\n');
    }
    if no_fill {
        out.push_str(".fi\n");
    }
    out
}

/// One text line for roff: no control character at its start.
fn escape_line(line: &str) -> String {
    let text = escape(line);
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

/// Text for roff: backslashes, hyphens (`\-`, so `--timeout` is copied as typed) and
/// apostrophes (`\*(Aq`, defined by clap_mangen's preamble) escaped.
fn escape(text: &str) -> String {
    text.replace('\\', "\\e")
        .replace('-', "\\-")
        .replace('\'', "\\*(Aq")
}

#[cfg(test)]
mod tests {
    use super::paragraphs;

    #[test]
    fn blocks_and_prose_after_a_list_are_paragraphs() {
        let roff = paragraphs("One\nline.\n\nList:\n  1. a\n     b\nAfter.\n\n  x\n");
        assert_eq!(
            roff,
            "One\nline.\n.PP\nList:\n.nf\n  1. a\n     b\n.fi\n.PP\nAfter.\n.PP\n.nf\n  x\n.fi\n"
        );
    }

    #[test]
    fn control_characters_hyphens_and_apostrophes_are_escaped() {
        assert_eq!(
            paragraphs(".x --a it's \\"),
            "\\&.x \\-\\-a it\\*(Aqs \\e\n"
        );
    }
}
