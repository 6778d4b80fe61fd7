//! What a command printed and its exit code, so the tests can run a command in-process.

use std::process::ExitCode;

/// What a run printed, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// 0: success; 1: the command found something (a breaking change, drift); 2: bad input.
    pub code: u8,
    /// The report (or the usage).
    pub stdout: String,
    /// Errors.
    pub stderr: String,
}

impl Outcome {
    /// Bad input: exit code 2 and `error: MESSAGE`.
    pub fn bad(message: impl std::fmt::Display) -> Outcome {
        Outcome {
            code: 2,
            stdout: String::new(),
            stderr: format!("error: {message}\n"),
        }
    }

    /// What clap would print for `e` (help on standard output with 0, an error on standard
    /// error with 2).
    pub fn from_clap(e: &clap::Error) -> Outcome {
        let text = e.render().to_string();
        let code = u8::try_from(e.exit_code()).unwrap_or(2);
        if e.use_stderr() {
            Outcome {
                code,
                stdout: String::new(),
                stderr: text,
            }
        } else {
            Outcome {
                code,
                stdout: text,
                stderr: String::new(),
            }
        }
    }

    /// Prints both outputs and returns the exit code.
    pub fn print(self) -> ExitCode {
        print!("{}", self.stdout);
        eprint!("{}", self.stderr);
        ExitCode::from(self.code)
    }
}
