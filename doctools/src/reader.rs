//! Reading a document into the model: through the Python readers
//! (`doctools/readers/docmodel.py read FILE --format F`, run with the project's pinned venv), or
//! directly from a model JSON file (`.json`, what the reader prints).
//!
//! The readers bound their own work (size, nesting and element limits, #19 item 9); the
//! reader process is also stopped when it runs longer than [`TIMEOUT_ENV`] allows (60 s
//! by default), whatever keeps it busy.

use std::ffi::OsStr;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::model::DocModel;

/// The formats a document may have; `model` is the reader's own output, read as is.
pub const FORMATS: [&str; 4] = ["rst", "html", "page-text", "model"];

/// The env var naming a Python interpreter to use instead of the pinned venv (it must have
/// the packages of `xtask/tools/requirements.txt`).
pub const PYTHON_ENV: &str = "CLOUDJOBS_PYTHON";

/// The readers' rewrites of a reStructuredText page that must not change its model
/// (`doctools/readers/docmodel/transform.py`), as `docmodel.py transform` names them.
pub const REWRITES: [&str; 6] = [
    "repad",
    "swap-kinds",
    "list-tables",
    "rename-anchors",
    "reorder-bullets",
    "reflow",
];

/// The env var naming another reader script (default `doctools/readers/docmodel.py`), for
/// trying a reader out.
pub const READER_ENV: &str = "CLOUDJOBS_DOCMODEL";

/// The env var giving the reader process a time limit, in whole seconds (default
/// [`DEFAULT_TIMEOUT`]).
pub const TIMEOUT_ENV: &str = "CLOUDJOBS_DOCS_READER_TIMEOUT";

/// How long a reader may run: the slowest document within the readers' limits takes well
/// under half of it (about 17 s for 4 MiB of one-line grid table rows), a real page a second.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The longest time limit [`TIMEOUT_ENV`] may set: a day.
const LONGEST_TIMEOUT_SECS: u64 = 86_400;

/// The reader's format for a file: `hint` when given, else from its extension (`.rst`,
/// `.html`/`.htm`, `.txt` for page text, `.json` for a model).
pub fn format_of(path: &Path, hint: Option<&str>) -> Result<String, String> {
    if let Some(h) = hint {
        return if FORMATS.contains(&h) {
            Ok(h.to_owned())
        } else {
            Err(format!(
                "unknown document format `{h}`: use {}",
                FORMATS.join(", ")
            ))
        };
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = if name.ends_with(".rst") {
        "rst"
    } else if name.ends_with(".html") || name.ends_with(".htm") {
        "html"
    } else if name.ends_with(".txt") {
        "page-text"
    } else if name.ends_with(".json") {
        "model"
    } else {
        return Err(format!(
            "{}: cannot tell the document's format from its name: give --doc-format {}",
            path.display(),
            FORMATS.join("|")
        ));
    };
    Ok(format.to_owned())
}

/// Reads a document. An unreadable document is an error carrying the reader's
/// `FILE:LINE: message`.
pub fn read(root: &Path, path: &Path, format: &str) -> Result<DocModel, String> {
    let shown = path.display().to_string();
    if !path.is_file() {
        return Err(format!("{shown}: no such file"));
    }
    if format == "model" {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read it: {e}"))?;
        return DocModel::from_json(&text, &shown);
    }
    let script = script(root).map_err(|e| {
        format!("{e}, so {shown} cannot be read (a model JSON file, `.json`, can be given instead)")
    })?;
    let timeout = timeout_from(std::env::var_os(TIMEOUT_ENV).as_deref())?;
    let python = python(root)?;
    run_reader(&python, &script, root, path, format, timeout)
}

/// The reader's time limit from the value of [`TIMEOUT_ENV`] (unset or empty: the default).
pub fn timeout_from(value: Option<&OsStr>) -> Result<Duration, String> {
    let Some(value) = value else {
        return Ok(DEFAULT_TIMEOUT);
    };
    let text = value.to_string_lossy();
    if text.trim().is_empty() {
        return Ok(DEFAULT_TIMEOUT);
    }
    match text.trim().parse::<u64>() {
        Ok(secs) if (1..=LONGEST_TIMEOUT_SECS).contains(&secs) && !text.trim().starts_with('+') => {
            Ok(Duration::from_secs(secs))
        }
        _ => Err(format!(
            "{TIMEOUT_ENV}=`{}` is not a whole number of seconds from 1 to {LONGEST_TIMEOUT_SECS} \
             (the document reader's time limit; the default is {} s)",
            text.escape_debug(),
            DEFAULT_TIMEOUT.as_secs()
        )),
    }
}

/// Runs `python script read path --format format` in `cwd` for at most `timeout`, and reads
/// the model it prints.
///
/// Standard output and error are read by threads of their own while the child runs (so a
/// reader writing more than a pipe holds cannot block on it); the child is polled with
/// short sleeps and killed when the time is up. Then the error names the file, the limit
/// and [`TIMEOUT_ENV`]. Nothing waits for the pipes past the limit either: a process the
/// reader started may hold them open after the reader is gone (their threads are left to
/// finish with it).
fn run_reader(
    python: &Path,
    script: &Path,
    cwd: &Path,
    path: &Path,
    format: &str,
    timeout: Duration,
) -> Result<DocModel, String> {
    let shown = path.display().to_string();
    let args = [
        OsStr::new("read"),
        path.as_os_str(),
        OsStr::new("--format"),
        OsStr::new(format),
    ];
    let stdout = run_script(python, script, cwd, &args, &shown, timeout)?;
    DocModel::from_json(&stdout, &shown)
}

/// What a pipe thread sends: whether it read standard output, and what it read.
type PipeOutput = (bool, Vec<u8>);

/// Starts a thread per output pipe of `child` that reads it to the end and sends a
/// [`PipeOutput`]: the receiver and how many pipes will answer.
fn read_pipes(child: &mut Child) -> std::io::Result<(mpsc::Receiver<PipeOutput>, usize)> {
    let (sender, pipes) = mpsc::channel::<PipeOutput>();
    let mut pending = 0;
    for (is_stdout, pipe) in [
        (
            true,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            false,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        let Some(mut pipe) = pipe else { continue };
        let sender = sender.clone();
        pending += 1;
        std::thread::Builder::new()
            .name("docs-reader-pipe".into())
            .spawn(move || {
                let mut bytes = Vec::new();
                // A read error ends the output where it is; the exit status still tells.
                let _ = pipe.read_to_end(&mut bytes);
                let _ = sender.send((is_stdout, bytes));
            })?;
    }
    Ok((pipes, pending))
}

/// Runs `python script ARGS` in `cwd` for at most `timeout` and returns what it printed on
/// standard output; `shown` names the input in errors.
fn run_script(
    python: &Path,
    script: &Path,
    cwd: &Path,
    args: &[&OsStr],
    shown: &str,
    timeout: Duration,
) -> Result<String, String> {
    let mut child = Command::new(python)
        .arg(script)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let deadline = Instant::now() + timeout;
    let (pipes, mut pending) = match read_pipes(&mut child) {
        Ok(p) => p,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{shown}: cannot read the document reader's output: {e}"
            ));
        }
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut status: Option<ExitStatus> = None;
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if status.is_none() {
            status = child
                .try_wait()
                .map_err(|e| format!("{shown}: cannot wait for the document reader: {e}"))?;
        }
        while let Ok((is_stdout, bytes)) = pipes.try_recv() {
            pending -= 1;
            if is_stdout {
                stdout = bytes;
            } else {
                stderr = bytes;
            }
        }
        if let (Some(exited), 0) = (status, pending) {
            break exited;
        }
        let now = Instant::now();
        if now >= deadline {
            if status.is_none() {
                // Killing a child that has just exited fails harmlessly; wait reaps it.
                let _ = child.kill();
                let _ = child.wait();
            }
            return Err(format!(
                "{shown}: the document reader did not finish within {} s and was stopped; \
                 set {TIMEOUT_ENV} to a number of seconds to give it longer (the default is {} s)",
                timeout.as_secs(),
                DEFAULT_TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    };
    let stderr = String::from_utf8_lossy(&stderr).trim().to_owned();
    if !status.success() {
        return Err(match status.code() {
            Some(2) if !stderr.is_empty() => stderr,
            _ => format!(
                "the document reader failed on {shown} ({status}){}",
                if stderr.is_empty() {
                    String::new()
                } else {
                    format!(":\n{stderr}")
                }
            ),
        });
    }
    String::from_utf8(stdout)
        .map_err(|_| format!("{shown}: the reader printed something that is not UTF-8"))
}

/// Reads many documents of one format in one reader process (the developer commands that
/// read thousands of page versions): one result per file, in order. The time limit is the
/// one of [`read`] per document. With `rewrite` (one of [`REWRITES`], a rewrite that must
/// not change the model: `docmodel.py read-many --transform`) each document is first
/// rewritten; `None` where the rewrite does not apply to it.
///
/// # Errors
///
/// When the reader cannot run at all; a document it refuses is an `Err` in its place.
pub fn read_many(
    root: &Path,
    files: &[PathBuf],
    format: &str,
    rewrite: Option<&str>,
) -> Result<Vec<Option<Result<DocModel, String>>>, String> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let script = script(root)?;
    let timeout = timeout_from(std::env::var_os(TIMEOUT_ENV).as_deref())?;
    let timeout = timeout.saturating_mul(u32::try_from(files.len()).unwrap_or(u32::MAX));
    let python = python(root)?;
    let mut text = String::new();
    for f in files {
        let line = f
            .to_str()
            .filter(|l| !l.contains('\n'))
            .ok_or_else(|| format!("{}: not a file name the reader list can hold", f.display()))?;
        text.push_str(line);
        text.push('\n');
    }
    let list = write_list(root, &text)?;
    let mut args = vec![
        OsStr::new("read-many"),
        list.as_os_str(),
        OsStr::new("--format"),
        OsStr::new(format),
    ];
    if let Some(r) = rewrite {
        args.extend([OsStr::new("--transform"), OsStr::new(r)]);
    }
    let shown = format!("{} documents", files.len());
    let out = run_script(&python, &script, root, &args, &shown, timeout);
    let _ = std::fs::remove_file(&list);
    let out = out?;
    let mut results = Vec::with_capacity(files.len());
    for (line, asked) in out.lines().filter(|l| !l.trim().is_empty()).zip(files) {
        let entry: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("the reader printed a bad line: {e}"))?;
        let file = entry["file"].as_str().unwrap_or("?").to_owned();
        if Path::new(&file) != asked {
            return Err(format!(
                "the reader answered for {file} where {} was asked",
                asked.display()
            ));
        }
        results.push(match (&entry["model"], entry["error"].as_str()) {
            _ if entry["skipped"] == serde_json::Value::Bool(true) => None,
            (_, Some(error)) => Some(Err(error.to_owned())),
            (model, None) => Some(DocModel::from_json(&model.to_string(), &file)),
        });
    }
    if results.len() != files.len()
        || out.lines().filter(|l| !l.trim().is_empty()).count() != files.len()
    {
        return Err(format!(
            "the reader answered for {} of {} documents",
            results.len(),
            files.len()
        ));
    }
    Ok(results)
}

/// Writes a reader's list into a new file under `target/docs-eval/`, one no other list
/// shares: the process id and a counter of this process name it (two threads reading at the
/// same moment once got the same name from the clock alone, and one reader read the other's
/// list), and it is created only if it does not exist.
fn write_list(root: &Path, text: &str) -> Result<PathBuf, String> {
    static LISTS: AtomicU64 = AtomicU64::new(0);
    let dir = root.join("target/docs-eval");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    loop {
        let n = LISTS.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("list-{}-{n}.txt", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(text.as_bytes())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                return Ok(path);
            }
            // Left by an earlier process of the same id.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
}

/// The reader script: [`READER_ENV`], else `doctools/readers/docmodel.py`.
fn script(root: &Path) -> Result<PathBuf, String> {
    let script = std::env::var_os(READER_ENV)
        .filter(|p| !p.is_empty())
        .map_or_else(|| root.join("doctools/readers/docmodel.py"), PathBuf::from);
    if script.is_file() {
        Ok(script)
    } else {
        Err(format!("{} is missing", script.display()))
    }
}

/// The interpreter: `CLOUDJOBS_PYTHON`, else the pinned venv (installed when missing or
/// out of date, as `cargo xtask validate` does).
fn python(root: &Path) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    crate::venv::python(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An interpreter for the test scripts: `CLOUDJOBS_PYTHON`, the project's venv, or
    /// `python3` (the scripts need nothing but the standard library).
    fn test_python() -> PathBuf {
        if let Some(p) = std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
        let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools/venv/bin/python");
        if venv.is_file() {
            return venv;
        }
        PathBuf::from("python3")
    }

    /// A temporary folder with a reader script and a document for it.
    fn reader(script: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
        let temp = tempfile::tempdir().unwrap();
        let reader = temp.path().join("reader.py");
        std::fs::write(&reader, script).unwrap();
        let document = temp.path().join("page.rst");
        std::fs::write(&document, "Title\n=====\n").unwrap();
        (temp, reader, document)
    }

    /// The error of a reader run with a 1 s limit, which must come back well before 30 s.
    fn stopped_at_one_second(python: &Path, script: &Path, root: &Path, document: &Path) -> String {
        let started = Instant::now();
        let error = run_reader(
            python,
            script,
            root,
            document,
            "rst",
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "returned after {:?}",
            started.elapsed()
        );
        error
    }

    #[test]
    fn a_reader_that_never_finishes_is_stopped_and_the_error_names_the_file_and_the_variable() {
        let (temp, script, document) = reader("import time\nwhile True:\n    time.sleep(60)\n");
        let error = stopped_at_one_second(&test_python(), &script, temp.path(), &document);
        assert_eq!(
            error,
            format!(
                "{}: the document reader did not finish within 1 s and was stopped; set \
                 CLOUDJOBS_DOCS_READER_TIMEOUT to a number of seconds to give it longer (the \
                 default is 60 s)",
                document.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_process_the_reader_started_cannot_hold_the_reader_past_its_time_by_its_pipes() {
        // `sh` runs the script, which waits for a `sleep` that inherits standard output
        // and error: killing `sh` leaves the pipes open until the sleep ends (45 s).
        let (temp, script, document) = reader("sleep 45\n");
        let error = stopped_at_one_second(Path::new("/bin/sh"), &script, temp.path(), &document);
        assert!(error.contains("did not finish within 1 s"), "{error}");
    }

    #[test]
    fn output_larger_than_a_pipe_holds_is_read_while_the_reader_runs() {
        // Two megabytes on each stream: a reader read one stream after the other would
        // block on the second.
        let (temp, script, document) = reader(
            "import sys\nsys.stdout.write('o' * 2_000_000)\nsys.stdout.flush()\n\
             sys.stderr.write('page.rst:3: ' + 'e' * 2_000_000 + '\\n')\nsys.exit(2)\n",
        );
        let error = run_reader(
            &test_python(),
            &script,
            temp.path(),
            &document,
            "rst",
            Duration::from_secs(60),
        )
        .unwrap_err();
        assert!(error.starts_with("page.rst:3: eee"), "{}", &error[..40]);
        assert_eq!(error.len(), "page.rst:3: ".len() + 2_000_000);
    }

    #[test]
    fn a_reader_that_fails_otherwise_is_named_with_its_status() {
        let (temp, script, document) = reader("import sys\nsys.exit(3)\n");
        let error = run_reader(
            &test_python(),
            &script,
            temp.path(),
            &document,
            "rst",
            Duration::from_secs(60),
        )
        .unwrap_err();
        assert!(
            error.starts_with(&format!(
                "the document reader failed on {}",
                document.display()
            )),
            "{error}"
        );
    }

    #[test]
    fn the_time_limit_variable_is_validated() {
        assert_eq!(timeout_from(None), Ok(DEFAULT_TIMEOUT));
        assert_eq!(timeout_from(Some(OsStr::new(""))), Ok(DEFAULT_TIMEOUT));
        assert_eq!(
            timeout_from(Some(OsStr::new(" 5 "))),
            Ok(Duration::from_secs(5))
        );
        assert_eq!(
            timeout_from(Some(OsStr::new("86400"))),
            Ok(Duration::from_secs(86_400))
        );
        for bad in [
            "0",
            "-1",
            "+5",
            "1.5",
            "1e3",
            "86401",
            "sixty",
            "99999999999999999999",
        ] {
            let error = timeout_from(Some(OsStr::new(bad))).unwrap_err();
            assert_eq!(
                error,
                format!(
                    "CLOUDJOBS_DOCS_READER_TIMEOUT=`{bad}` is not a whole number of seconds from \
                     1 to 86400 (the document reader's time limit; the default is 60 s)"
                )
            );
        }
    }
}
