//! `rebase --push-backup <remote>`: the backup ref, pushed to the user's
//! private mirror with the user's own `git` (credentials, SSH, proxies as
//! for any push), so the old tip survives even the loss of this clone.

use std::process::{Command, Stdio};

use git2::Repository;

/// `git push <remote> <ref>:<ref>`; the error is git's message.
pub fn push_ref(repo: &Repository, remote: &str, refname: &str) -> Result<(), String> {
    repo.find_remote(remote)
        .map_err(|e| format!("no remote '{remote}': {}", e.message()))?;
    let dir = repo.workdir().unwrap_or_else(|| repo.path());
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["push", "--quiet", "--", remote])
        .arg(format!("{refname}:{refname}"))
        .stdin(Stdio::inherit())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run git ({e})"))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Err(if lines.is_empty() {
        format!("git push exited with {}", out.status)
    } else {
        lines.join(" / ")
    })
}
