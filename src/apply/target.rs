//! What `apply` applies, decided from the repository: the commit at HEAD
//! with its committed plan, the revision a dry run compares with (the last
//! one applied, else HEAD~1, or `--from`), the catalogs' re-create hints;
//! and the one-line message of an apply that stopped, with the command
//! that continues it.

use std::path::Path;

use git2::Repository;

use super::engine::{ApplyError, Target};
use super::{head, state};
use crate::diff::side::Source;

/// The target at HEAD and the warnings to show before applying it.
pub struct AtHead<'r> {
    pub target: Target<'r>,
    /// Uncommitted changes that are not applied.
    pub warnings: Vec<String>,
}

/// The revision a dry run compares with: `--from`, else the last revision
/// applied (all of it when the apply finished, else its last component's),
/// else HEAD~1 when there is one.
fn from_spec(
    git_dir: &Path,
    from: Option<&str>,
    has_parent: bool,
) -> Result<Option<String>, String> {
    let prev = state::load(git_dir).map_err(|e| e.to_string())?;
    if let Some(f) = from {
        return Ok(Some(f.to_string()));
    }
    Ok(prev
        .as_ref()
        .and_then(|s| {
            if s.finished.is_some() {
                Some(s.revision.clone())
            } else {
                s.last_applied.clone()
            }
        })
        .or_else(|| has_parent.then(|| "HEAD~1".to_string())))
}

/// Why there is no target: a usage error (exit 2), and the warnings found
/// before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoTarget {
    pub warnings: Vec<String>,
    pub message: String,
}

impl From<String> for NoTarget {
    fn from(message: String) -> NoTarget {
        NoTarget {
            warnings: Vec::new(),
            message,
        }
    }
}

/// The commit at HEAD of `repo` (work tree `root`) as an apply target;
/// with `dry_run`, the side it is compared with too.
pub fn at_head<'r>(
    repo: &'r Repository,
    root: &Path,
    dry_run: bool,
    from: Option<&str>,
) -> Result<AtHead<'r>, NoTarget> {
    let head = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .ok_or_else(|| "the repository has no commit to apply".to_string())?;
    let revision = head.id().to_string();
    let tree = head
        .tree()
        .map_err(|e| format!("cannot read HEAD: {}", e.message()))?;
    let plan = head::committed_plan(repo, &tree, root)?;
    let git_dir = repo.path().to_path_buf();
    let from = match dry_run {
        false => None,
        true => match from_spec(&git_dir, from, head.parent(0).is_ok())? {
            None => None,
            Some(spec) => {
                let obj = repo
                    .revparse_single(&spec)
                    .and_then(|o| o.peel_to_commit())
                    .map_err(|_| format!("--from {spec}: no such revision"))?;
                let t = obj
                    .tree()
                    .map_err(|e| format!("cannot read {spec}: {}", e.message()))?;
                let commit = obj.id().to_string();
                Some((
                    Source::Tree {
                        repo,
                        tree: t,
                        commit,
                    },
                    spec,
                ))
            }
        },
    };
    let dirty = head::uncommitted_under(repo, &plan);
    let warnings = if dirty.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "uncommitted changes are not applied (apply uses the commit {}): {}",
            &revision[..12],
            dirty.join(", ")
        )]
    };
    let catalog_hints = head::catalog_hints(&plan, root).map_err(|message| NoTarget {
        warnings: warnings.clone(),
        message,
    })?;
    let source = Source::Tree {
        repo,
        tree,
        commit: revision.clone(),
    };
    let target = Target {
        plan,
        source,
        revision,
        from,
        catalog_hints,
        git_dir,
    };
    Ok(AtHead { target, warnings })
}

/// The exit code of an apply error: 2 for what is a usage problem, 1 for
/// work that stopped.
pub fn exit_code(e: &ApplyError) -> u8 {
    match e {
        ApplyError::NoComponents
        | ApplyError::UnknownComponent(..)
        | ApplyError::NothingToResume(_) => 2,
        _ => 1,
    }
}

/// The message of an apply that stopped, with the command that continues
/// it when there is one (`--yes` when deletes wait for a confirmation).
pub fn failure_message(e: &ApplyError, dry_run: bool) -> String {
    let mut msg = e.to_string();
    if e.resumable() && !dry_run {
        let yes = matches!(
            e,
            ApplyError::NeedsConfirmation { .. } | ApplyError::PruneNeedsConfirmation { .. }
        );
        msg.push_str(&format!(
            "; continue with `gitops-upgrade apply --resume{}`",
            if yes { " --yes" } else { "" }
        ));
    }
    msg
}
