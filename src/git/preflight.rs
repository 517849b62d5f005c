//! The checks made before anything starts: a branch is checked out, no
//! merge/rebase/cherry-pick is in progress, the index and working tree have
//! no changes to tracked files. Untracked files are fine, as for `git
//! rebase`; a checkout they would be overwritten by refuses later.

use std::path::Path;

use git2::{Oid, Repository, RepositoryState, Status, StatusOptions};

use super::error::{Context, GitError};

/// The branch HEAD points at.
#[derive(Debug, Clone)]
pub struct Head {
    /// Short name, `main`.
    pub branch: String,
    /// Full name, `refs/heads/main`.
    pub refname: String,
    pub tip: Oid,
}

/// Opens the repository containing `dir` (searching upwards, like git).
pub fn open(dir: &Path) -> Result<Repository, GitError> {
    let repo = Repository::discover(dir).map_err(|e| GitError::NotARepository {
        path: dir.display().to_string(),
        message: e.message().to_string(),
    })?;
    if repo.is_bare() {
        return Err(GitError::Bare(repo.path().display().to_string()));
    }
    Ok(repo)
}

/// The checked-out branch, or the problem that there is none.
pub fn head(repo: &Repository) -> Result<Result<Head, String>, GitError> {
    let head = match repo.head() {
        Ok(h) => h,
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => {
            return Ok(Err("the current branch has no commits yet".into()))
        }
        Err(e) => {
            return Err(GitError::Git {
                context: "cannot read HEAD".into(),
                source: e,
            })
        }
    };
    if !head.is_branch() {
        let at = head
            .target()
            .map(|t| t.to_string()[..12].to_string())
            .unwrap_or_default();
        return Ok(Err(format!(
            "HEAD is detached at {at}; check out the branch to rebase first (git switch <branch>)"
        )));
    }
    let refname = head.name().unwrap_or_default().to_string();
    let branch = refname
        .strip_prefix("refs/heads/")
        .unwrap_or(&refname)
        .to_string();
    let tip = head
        .peel_to_commit()
        .ctx(|| format!("cannot read the tip of branch '{branch}'"))?
        .id();
    Ok(Ok(Head {
        branch,
        refname,
        tip,
    }))
}

/// Problems that forbid starting: an operation in progress, changes to
/// tracked files (each listed with its `git status --short` code).
pub fn problems(repo: &Repository) -> Result<Vec<String>, GitError> {
    let mut out = Vec::new();
    let state = repo.state();
    if state != RepositoryState::Clean {
        let (what, abort) = match state {
            RepositoryState::Merge => ("a merge", "git merge --abort"),
            RepositoryState::Revert | RepositoryState::RevertSequence => {
                ("a revert", "git revert --abort")
            }
            RepositoryState::CherryPick | RepositoryState::CherryPickSequence => {
                ("a cherry-pick", "git cherry-pick --abort")
            }
            RepositoryState::Bisect => ("a bisect", "git bisect reset"),
            RepositoryState::ApplyMailbox | RepositoryState::ApplyMailboxOrRebase => {
                ("a git am", "git am --abort")
            }
            _ => ("a rebase", "git rebase --abort"),
        };
        out.push(format!(
            "{what} is in progress; finish it or abort it first ({abort})"
        ));
    }
    let mut opts = StatusOptions::new();
    opts.include_untracked(false)
        .include_ignored(false)
        .exclude_submodules(true)
        .renames_head_to_index(false);
    let statuses = repo
        .statuses(Some(&mut opts))
        .ctx(|| "cannot read the status of the working tree".into())?;
    let mut changes = Vec::new();
    for s in statuses.iter() {
        let st = s.status();
        if st.difference(Status::IGNORED | Status::WT_NEW).is_empty() {
            continue;
        }
        let path = String::from_utf8_lossy(s.path_bytes()).into_owned();
        changes.push(format!("{} {path}", short_code(st)));
    }
    if !changes.is_empty() {
        out.push(format!(
            "the index or working tree has uncommitted changes ({}); commit or stash them first (git stash):",
            changes.len()
        ));
        out.extend(changes.into_iter().map(|c| format!("  {c}")));
    }
    Ok(out)
}

/// The two-letter code `git status --short` prints.
fn short_code(st: Status) -> String {
    if st.contains(Status::CONFLICTED) {
        return "UU".into();
    }
    let x = if st.contains(Status::INDEX_NEW) {
        'A'
    } else if st.contains(Status::INDEX_MODIFIED) {
        'M'
    } else if st.contains(Status::INDEX_DELETED) {
        'D'
    } else if st.contains(Status::INDEX_RENAMED) {
        'R'
    } else if st.contains(Status::INDEX_TYPECHANGE) {
        'T'
    } else {
        ' '
    };
    let y = if st.contains(Status::WT_MODIFIED) {
        'M'
    } else if st.contains(Status::WT_DELETED) {
        'D'
    } else if st.contains(Status::WT_TYPECHANGE) {
        'T'
    } else if st.contains(Status::WT_RENAMED) {
        'R'
    } else {
        ' '
    };
    format!("{x}{y}")
}
