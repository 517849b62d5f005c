//! Backup refs: `refs/gitops-upgrade/backups/<branch>/<UTC timestamp>`,
//! made at the old tip before a rebase moves anything, listed, and restored.

use std::path::Path;

use git2::{Oid, Repository};

use super::error::{Context, GitError};
use super::journal::{Journal, Op};
use super::preflight;
use super::time::now_stamp;

/// Where the backups of all branches live.
pub const PREFIX: &str = "refs/gitops-upgrade/backups/";

/// One backup ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// Full ref name.
    pub name: String,
    /// Its timestamp component (`20240102T030405Z`, maybe with `-N`).
    pub stamp: String,
    pub target: Oid,
}

/// Creates a backup ref of `branch` at `tip` and returns its name. Two
/// backups in the same second get `-1`, `-2`, ... suffixes.
pub fn create_backup(
    repo: &Repository,
    branch: &str,
    tip: Oid,
    log: &str,
) -> Result<String, GitError> {
    let stamp = now_stamp();
    for n in 0..1000 {
        let name = if n == 0 {
            format!("{PREFIX}{branch}/{stamp}")
        } else {
            format!("{PREFIX}{branch}/{stamp}-{n}")
        };
        match repo.reference(&name, tip, false, log) {
            Ok(_) => return Ok(name),
            Err(e) if e.code() == git2::ErrorCode::Exists => continue,
            Err(e) => {
                return Err(GitError::Git {
                    context: format!("cannot create backup ref {name}"),
                    source: e,
                })
            }
        }
    }
    Err(GitError::Update(format!(
        "cannot create a backup ref: too many backups of '{branch}' at {stamp}"
    )))
}

/// The name a backup of `branch` made now would get (not created: the
/// journal of a branch move records it first).
pub fn free_backup_name(repo: &Repository, branch: &str) -> Result<String, GitError> {
    let stamp = now_stamp();
    for n in 0..1000 {
        let name = if n == 0 {
            format!("{PREFIX}{branch}/{stamp}")
        } else {
            format!("{PREFIX}{branch}/{stamp}-{n}")
        };
        if repo.find_reference(&name).is_err() {
            return Ok(name);
        }
    }
    Err(GitError::Update(format!(
        "cannot create a backup ref: too many backups of '{branch}' at {stamp}"
    )))
}

/// The backups of `branch`, oldest first.
pub fn list_backups(repo: &Repository, branch: &str) -> Result<Vec<Backup>, GitError> {
    let prefix = format!("{PREFIX}{branch}/");
    let refs = repo
        .references_glob(&format!("{prefix}*"))
        .ctx(|| "cannot list backup refs".into())?;
    let mut out = Vec::new();
    for r in refs {
        let r = r.ctx(|| "cannot list backup refs".into())?;
        let Ok(name) = r.name() else { continue };
        let Some(stamp) = name.strip_prefix(&prefix) else {
            continue;
        };
        // `feature/x` backups live below `feature/`; they are not ours.
        if stamp.contains('/') {
            continue;
        }
        let Some(target) = r.target() else { continue };
        out.push(Backup {
            name: name.to_string(),
            stamp: stamp.to_string(),
            target,
        });
    }
    out.sort_by_key(|b| stamp_key(&b.stamp));
    Ok(out)
}

/// Sorts `T..Z` stamps by time, then by their `-N` suffix as a number.
fn stamp_key(s: &str) -> (String, u64) {
    match s.split_once('-') {
        Some((t, n)) => (t.to_string(), n.parse().unwrap_or(0)),
        None => (s.to_string(), 0),
    }
}

/// What `--restore` did.
#[derive(Debug, Clone)]
pub struct RestoreOutcome {
    pub branch: String,
    pub backup: String,
    pub restored: Oid,
    pub previous: Oid,
    /// A backup of the tip that was replaced, so the restore can be undone.
    pub previous_backup: Option<String>,
    pub dry_run: bool,
}

/// Resets the checked-out branch, index and working tree to a backup
/// (`None`: the newest backup of this branch). The replaced tip is backed
/// up first. Refuses, changing nothing, when the working tree has changes.
pub fn restore(
    dir: &Path,
    backup: Option<&str>,
    dry_run: bool,
) -> Result<RestoreOutcome, GitError> {
    let repo = preflight::open(dir)?;
    super::journal::refuse_if_interrupted(&repo)?;
    let head = preflight::head(&repo)?;
    let mut problems = preflight::problems(&repo)?;
    let head = match head {
        Ok(h) => h,
        Err(p) => {
            problems.insert(0, p);
            return Err(GitError::Refused { problems });
        }
    };
    let chosen = match backup {
        Some(arg) => find_backup(&repo, &head.branch, arg)?,
        None => list_backups(&repo, &head.branch)?
            .pop()
            .ok_or_else(|| GitError::NoBackups(head.branch.clone()))?,
    };
    if !problems.is_empty() {
        return Err(GitError::Refused { problems });
    }
    repo.find_commit(chosen.target)
        .ctx(|| format!("backup {} does not point at a commit", chosen.name))?;
    let mut out = RestoreOutcome {
        branch: head.branch.clone(),
        backup: chosen.name.clone(),
        restored: chosen.target,
        previous: head.tip,
        previous_backup: None,
        dry_run,
    };
    if dry_run || head.tip == chosen.target {
        return Ok(out);
    }
    let log = format!("gitops-upgrade rebase --restore {}", chosen.name);
    let made = free_backup_name(&repo, &head.branch)?;
    let j = Journal::new(
        Op::Restore,
        &head,
        chosen.target,
        made.clone(),
        format!("to {}", chosen.name),
    );
    super::journal::execute(&repo, j, &log, &log)?;
    out.previous_backup = Some(made);
    Ok(out)
}

/// A backup given on the command line: a full ref name, or the part after
/// `refs/gitops-upgrade/backups/<branch>/`.
fn find_backup(repo: &Repository, branch: &str, arg: &str) -> Result<Backup, GitError> {
    let candidates = [
        arg.to_string(),
        format!("{PREFIX}{arg}"),
        format!("{PREFIX}{branch}/{arg}"),
    ];
    for name in candidates {
        if !name.starts_with(PREFIX) {
            continue;
        }
        if let Ok(r) = repo.find_reference(&name) {
            if let Some(target) = r.resolve().ok().and_then(|r| r.target()) {
                let stamp = name.rsplit('/').next().unwrap_or_default().to_string();
                return Ok(Backup {
                    name,
                    stamp,
                    target,
                });
            }
        }
    }
    Err(GitError::BackupNotFound(arg.to_string()))
}
