//! `rebase --push-backup <remote>`: the backup ref, pushed to the user's
//! private mirror with the user's own `git` (credentials, SSH, proxies as
//! for any push), so the old tip survives even the loss of this clone.

use git2::Repository;

/// `git push <remote> <ref>:<ref>`; the error is git's message.
pub fn push_ref(repo: &Repository, remote: &str, refname: &str) -> Result<(), String> {
    repo.find_remote(remote)
        .map_err(|e| format!("no remote '{remote}': {}", e.message()))?;
    let dir = repo.workdir().unwrap_or_else(|| repo.path());
    let refspec = format!("{refname}:{refname}");
    crate::usergit::run(dir, &["push", "--quiet", "--", remote, refspec.as_str()])
        .map_err(|e| e.message_or("git push"))
}
