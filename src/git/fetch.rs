//! Fetching with prune through the user's own `git`, so that every
//! credential helper, SSH configuration (agent, keys with passphrases,
//! `~/.ssh/config`), proxy and `url.<base>.insteadOf` rule works exactly as
//! it does for them. libgit2 is used for everything local; leaving the
//! network to git also keeps OpenSSL out of this binary, which makes every
//! command start faster (`check` runs as a pre-commit hook).

use git2::Repository;

use super::error::GitError;

/// `git fetch --prune <remote>` with the remote's configured refspecs.
pub fn fetch(repo: &Repository, remote_name: &str) -> Result<(), GitError> {
    let fail = |message: String| GitError::Fetch {
        remote: remote_name.to_string(),
        message,
    };
    // Checked first: a name git would read as a URL or an option.
    repo.find_remote(remote_name)
        .map_err(|e| fail(e.message().to_string()))?;
    let dir = repo.workdir().unwrap_or_else(|| repo.path());
    crate::usergit::run(dir, &["fetch", "--prune", "--quiet", "--", remote_name]).map_err(|e| {
        fail(match e {
            crate::usergit::GitCmdError::Spawn(e) => {
                format!("cannot run git ({e}); install git, or fetch yourself and pass --no-fetch")
            }
            e => e.message_or("git fetch"),
        })
    })
}
