//! Moving a branch together with the index and working tree, all or
//! nothing: the branch ref is locked first (so nobody else moves it
//! meanwhile), the working tree and index are checked out safely (a file
//! that would be overwritten stops it before anything is written), and
//! only then is the ref updated. If that last step fails, the working
//! tree is put back.

use std::path::Path;

use git2::build::CheckoutBuilder;
use git2::{Delta, Oid, Repository};

use super::error::GitError;

/// Moves `refname` (the checked-out branch) from `old` to `new`, updating
/// the index and working tree. The working tree must have no changes to
/// tracked files (checked by the caller).
pub fn move_branch(
    repo: &Repository,
    refname: &str,
    old: Oid,
    new: Oid,
    log: &str,
) -> Result<(), GitError> {
    let short_old = super::replay::short(old);
    let fail = |what: &str, e: git2::Error| {
        GitError::Update(format!(
            "{what}: {}; the branch still points at {short_old} and the working tree is unchanged",
            e.message()
        ))
    };
    let mut tx = repo
        .transaction()
        .map_err(|e| fail("cannot lock the branch", e))?;
    tx.lock_ref(refname)
        .map_err(|e| fail("cannot lock the branch", e))?;
    let current = repo
        .refname_to_id(refname)
        .map_err(|e| fail("cannot read the branch", e))?;
    if current != old {
        return Err(GitError::Update(format!(
            "the branch moved to {} while the rebase ran; nothing was changed, run again",
            super::replay::short(current)
        )));
    }
    let old_tree = repo
        .find_commit(old)
        .and_then(|c| c.tree())
        .map_err(|e| fail("cannot read the old tree", e))?;
    let new_tree = repo
        .find_commit(new)
        .and_then(|c| c.tree())
        .map_err(|e| fail("cannot read the new tree", e))?;
    let mut co = CheckoutBuilder::new();
    co.safe();
    if let Err(e) = repo.checkout_tree(new_tree.as_object(), Some(&mut co)) {
        // libgit2 refuses conflicts before writing; for any other failure
        // put back what may have been written.
        if e.code() != git2::ErrorCode::Conflict {
            let _ = roll_back(repo, &old_tree, &new_tree);
        }
        return Err(fail("cannot update the working tree", e));
    }
    let result = tx
        .set_target(refname, new, None, log)
        .and_then(|_| tx.commit());
    if let Err(e) = result {
        let rolled = roll_back(repo, &old_tree, &new_tree);
        return Err(GitError::Update(format!(
            "cannot update the branch: {}; {}",
            e.message(),
            match rolled {
                Ok(()) => format!("the working tree was put back at {short_old}"),
                Err(r) => format!(
                    "putting the working tree back failed too ({}); run: git reset --hard {short_old}",
                    r.message()
                ),
            }
        )));
    }
    Ok(())
}

/// Puts the working tree and index back at `old` after a checkout of `new`
/// (complete or partial): files `new` added are removed, the rest is
/// checked out by force.
fn roll_back(
    repo: &Repository,
    old: &git2::Tree<'_>,
    new: &git2::Tree<'_>,
) -> Result<(), git2::Error> {
    let diff = repo.diff_tree_to_tree(Some(old), Some(new), None)?;
    if let Some(workdir) = repo.workdir() {
        for d in diff.deltas() {
            if d.status() == Delta::Added {
                if let Some(p) = d.new_file().path() {
                    let _ = std::fs::remove_file(workdir.join(p));
                }
            }
        }
    }
    let mut co = CheckoutBuilder::new();
    co.force();
    repo.checkout_tree(old.as_object(), Some(&mut co))
}

/// Writes every file of `tree` below `dir` (created as needed): a plain
/// copy of a commit's content, with no git metadata. Symbolic links are
/// written as links on Unix, as files holding the target elsewhere.
pub fn export_tree(repo: &Repository, tree: &git2::Tree<'_>, dir: &Path) -> Result<(), GitError> {
    let mut failure: Option<GitError> = None;
    let walked = tree.walk(git2::TreeWalkMode::PreOrder, |parent, e| {
        if e.kind() != Some(git2::ObjectType::Blob) {
            return git2::TreeWalkResult::Ok;
        }
        let name = String::from_utf8_lossy(e.name_bytes()).into_owned();
        let p = dir.join(parent).join(&name);
        let res = (|| -> Result<(), String> {
            let blob = repo
                .find_blob(e.id())
                .map_err(|x| x.message().to_string())?;
            if let Some(d) = p.parent() {
                std::fs::create_dir_all(d).map_err(|x| x.to_string())?;
            }
            #[cfg(unix)]
            if e.filemode() == 0o120000 {
                let target = String::from_utf8_lossy(blob.content()).into_owned();
                return std::os::unix::fs::symlink(target, &p).map_err(|x| x.to_string());
            }
            std::fs::write(&p, blob.content()).map_err(|x| x.to_string())
        })();
        match res {
            Ok(()) => git2::TreeWalkResult::Ok,
            Err(m) => {
                failure = Some(GitError::Update(format!(
                    "cannot write {}: {m}",
                    p.display()
                )));
                git2::TreeWalkResult::Abort
            }
        }
    });
    if let Some(f) = failure {
        return Err(f);
    }
    walked.map_err(|e| GitError::Git {
        context: "cannot read the rebased tree".into(),
        source: e,
    })
}
