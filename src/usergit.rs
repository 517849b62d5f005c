//! Running the user's own `git` for what crosses the network (fetch, push,
//! clones of remote bases), so that credential helpers, SSH configuration,
//! proxies and `insteadOf` rules work exactly as they do for the user.
//! Prompts go to the terminal (standard input is inherited), git's output is
//! discarded, and its error lines become one line. Below `git` and
//! `kustomize`, which both use it.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

/// Why a `git` command failed.
#[derive(Debug)]
pub enum GitCmdError {
    /// git could not be started (not installed, not on PATH).
    Spawn(std::io::Error),
    /// git ran and failed: its exit status and its error lines joined with
    /// ` / ` (empty when it printed none).
    Failed { status: ExitStatus, message: String },
}

impl GitCmdError {
    /// git's message, or `<what> exited with <status>` when it gave none.
    pub fn message_or(&self, what: &str) -> String {
        match self {
            GitCmdError::Spawn(e) => format!("cannot run git ({e})"),
            GitCmdError::Failed { status, message } if message.is_empty() => {
                format!("{what} exited with {status}")
            }
            GitCmdError::Failed { message, .. } => message.clone(),
        }
    }
}

/// `git -C <dir> <args...>`.
pub fn run<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Result<(), GitCmdError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(GitCmdError::Spawn)?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Err(GitCmdError::Failed {
        status: out.status,
        message: lines.join(" / "),
    })
}
