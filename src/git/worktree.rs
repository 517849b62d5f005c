//! Writing a commit's tree into a plain directory (`rebase --dry-run`'s
//! export for `upgrade --dry-run`). Moving the branch with the index and
//! working tree is `journal::execute`, under a journal a kill cannot
//! leave undescribed.

use std::path::Path;

use git2::Repository;

use super::error::GitError;

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
