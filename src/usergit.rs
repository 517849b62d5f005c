//! Running the user's own `git` for what crosses the network (fetch, push,
//! clones of remote bases), so that credential helpers, SSH configuration,
//! proxies and `insteadOf` rules work exactly as they do for the user.
//! Prompts go to the terminal (standard input is inherited), git's output is
//! discarded, and its error lines become one line. Below `git` and
//! `kustomize`, which both use it.

use std::io::{Read, Seek};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A duration as a person reads it: `27s`, `1.5s`.
fn secs_text(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s}s")
    }
}

/// Why a `git` command failed.
#[derive(Debug)]
pub enum GitCmdError {
    /// git could not be started (not installed, not on PATH).
    Spawn(std::io::Error),
    /// git ran and failed: its exit status and its error lines joined with
    /// ` / ` (empty when it printed none).
    Failed { status: ExitStatus, message: String },
    /// git ran longer than it was allowed and was stopped.
    TimedOut(Duration),
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
            GitCmdError::TimedOut(limit) => {
                format!("{what} timed out after {}", secs_text(*limit))
            }
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
    outcome(out.status, &out.stderr)
}

/// `Ok` for a git that succeeded, else its error output in one line.
fn outcome(status: std::process::ExitStatus, stderr: &[u8]) -> Result<(), GitCmdError> {
    if status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = err
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Err(GitCmdError::Failed {
        status,
        message: lines.join(" / "),
    })
}

/// Like [`run`], but git is stopped (killed) once it has run for `limit`:
/// kustomize gives each git command of a remote base's clone the URL's
/// `timeout` (27 s by default). git's error output goes to a temporary
/// file, not a pipe, so that a helper process git leaves behind when it is
/// killed cannot keep us waiting.
pub fn run_with_timeout<S: AsRef<std::ffi::OsStr>>(
    dir: &Path,
    args: &[S],
    limit: Duration,
) -> Result<(), GitCmdError> {
    let mut err_file = tempfile::tempfile().map_err(GitCmdError::Spawn)?;
    let err_out = err_file.try_clone().map_err(GitCmdError::Spawn)?;
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::null())
        .stderr(err_out)
        .spawn()
        .map_err(GitCmdError::Spawn)?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(GitCmdError::TimedOut(limit));
            }
            Ok(None) => {
                std::thread::sleep(pause.min(limit.saturating_sub(start.elapsed())));
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(GitCmdError::Spawn(e));
            }
        }
    };
    let mut err = Vec::new();
    if !status.success() {
        let _ = err_file.rewind();
        let _ = err_file.read_to_end(&mut err);
    }
    outcome(status, &err)
}
