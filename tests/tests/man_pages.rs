//! The manual pages the `cloudjobs` binary renders (`cloudjobs man`, `cloudjobs man --out
//! DIR`): every page the main page refers to is written, each subcommand's page has that
//! subcommand's own options, and the help text's paragraphs stay paragraphs in roff.
//!
//! The binary is found or built as in `tests/cli.rs` (`CLOUDJOBS_BIN`, else the test's own
//! target folder and profile, with the waiter example so nothing is built twice).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use cloudjobs_tests::binaries::{self, Run};

/// The `cloudjobs` binary.
fn binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    binaries::binary_once(&BIN, "CLOUDJOBS_BIN", "cloudjobs", &["--example", "wait"])
}

/// Runs the binary with `args` and an empty environment.
fn run(args: &[&std::ffi::OsStr]) -> Run {
    let out = Command::new(binary())
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .expect("run cloudjobs");
    Run::from(out)
}

/// `cloudjobs man --out <dir>`: the pages, by file name.
fn pages(dir: &Path) -> Vec<(String, String)> {
    let out = run(&["man".as_ref(), "--out".as_ref(), dir.as_os_str()]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut pages: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    pages.sort();
    for (name, _) in &pages {
        assert!(
            out.stdout.lines().any(|l| l.ends_with(name.as_str())),
            "{name} is written but not reported: {out:?}"
        );
    }
    pages
}

fn page<'a>(pages: &'a [(String, String)], name: &str) -> &'a str {
    pages
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, roff)| roff.as_str())
        .unwrap_or_else(|| {
            let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
            panic!("no {name} among {names:?}")
        })
}

/// The pages `roff` refers to as `cloudjobs-<name>(1)` (`cloudjobs\-wait(1)` in roff).
fn references(roff: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = roff;
    while let Some(at) = rest.find("cloudjobs\\-") {
        rest = &rest[at + "cloudjobs\\-".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if rest[name.len()..].starts_with("(1)") {
            found.insert(format!("cloudjobs-{name}.1"));
        }
    }
    found
}

/// Every page the main page lists (SUBCOMMANDS, SEE ALSO) is written, and no other; `man`
/// alone prints the main page.
#[test]
fn every_page_the_main_page_lists_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let pages = pages(dir.path());
    let main = page(&pages, "cloudjobs.1");
    let listed = references(main);
    for sub in ["get", "wait", "services", "completions"] {
        assert!(listed.contains(&format!("cloudjobs-{sub}.1")), "{listed:?}");
    }
    let written: BTreeSet<String> = pages
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| n != "cloudjobs.1")
        .collect();
    assert_eq!(listed, written, "listed pages vs pages written");
    for (name, roff) in &pages {
        assert!(roff.contains(".TH "), "{name}: no title");
        if name != "cloudjobs.1" {
            assert!(
                roff.contains("cloudjobs(1)"),
                "{name}: no SEE ALSO cloudjobs(1)"
            );
        }
    }
    let stdout = run(&["man".as_ref()]);
    assert_eq!(stdout.code, 0, "{stdout:?}");
    assert_eq!(stdout.stdout, main, "`man` prints the main page");
}

/// Each subcommand's page has its own options (and the global ones), not another's.
#[test]
fn a_subcommand_page_has_its_own_options() {
    let dir = tempfile::tempdir().unwrap();
    let pages = pages(dir.path());
    let wait = page(&pages, "cloudjobs-wait.1");
    assert!(wait.contains("\\fBcloudjobs wait\\fR"), "synopsis: {wait}");
    for flag in ["timeout", "interval", "max\\-interval", "max\\-errors"] {
        assert!(
            wait.contains(&format!("\\fB\\-\\-{flag}\\fR")),
            "wait: --{flag}"
        );
    }
    for global in ["region", "project\\-id", "format"] {
        assert!(
            wait.contains(&format!("\\fB\\-\\-{global}\\fR")),
            "wait: --{global}"
        );
    }
    let get = page(&pages, "cloudjobs-get.1");
    assert!(get.contains("\\fBcloudjobs get\\fR"), "synopsis: {get}");
    assert!(
        !get.contains("\\-\\-max\\-errors"),
        "get has no wait options"
    );
    assert!(get.contains("\\fB\\-\\-region\\fR"));
    let completions = page(&pages, "cloudjobs-completions.1");
    assert!(completions.contains("powershell"), "{completions}");
}

/// No two paragraphs run together: blocks of the help text are `.PP` apart (not blank
/// input lines), indented lines are kept as they are (`.nf`: in fill mode groff fills the
/// next line into an indented one), and the prose after them is a paragraph of its own.
#[test]
fn paragraphs_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let pages = pages(dir.path());
    for (name, roff) in &pages {
        let mut no_fill = false;
        let mut previous = "";
        let mut section = "";
        for line in roff.lines() {
            if let Some(heading) = line.strip_prefix(".SH ") {
                section = heading;
            }
            // clap_mangen's own blank line (`.br`, blank, `.br` before possible values) is
            // meant; the help text's blocks are paragraphs.
            assert!(
                section != "EXTRA" || !line.trim().is_empty(),
                "{name}: a blank input line in {section}"
            );
            match line {
                ".nf" => no_fill = true,
                ".fi" => no_fill = false,
                _ => {}
            }
            if !line.starts_with('.') {
                assert!(
                    no_fill || !line.starts_with(char::is_whitespace),
                    "{name}: an indented line in fill mode (groff fills the next one into it): {line:?}"
                );
            }
            previous = line;
        }
        assert!(!no_fill, "{name}: ends in no-fill mode ({previous:?})");
    }
    let main = page(&pages, "cloudjobs.1");
    let lines: Vec<&str> = main.lines().collect();
    for start in [
        "Where settings and credentials come from",
        "Secrets are best passed",
        "Diagnostics on standard error",
        "Exit status:",
        "Polling (wait):",
    ] {
        let at = lines
            .iter()
            .position(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no {start:?} in the main page"));
        assert_eq!(lines[at - 1], ".PP", "{start:?} does not start a paragraph");
    }
    // As groff lays it out, where it is installed: a blank line before each paragraph.
    let groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-rLL=80n", "-P-cbou"])
        .arg(dir.path().join("cloudjobs.1"))
        .env("LC_ALL", "C.UTF-8")
        .output();
    let Ok(groff) = groff else {
        eprintln!("groff not found: the page is not laid out");
        return;
    };
    assert!(groff.status.success(), "{groff:?}");
    let text = String::from_utf8_lossy(&groff.stdout);
    // Words only: groff adjusts lines with extra spaces.
    let shown: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for start in ["Secrets are best passed", "Exit status:", "Polling (wait):"] {
        let at = shown
            .iter()
            .position(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("groff shows no line starting {start:?}:\n{text}"));
        assert!(shown[at - 1].is_empty(), "{start:?} runs on:\n{text}");
    }
}
