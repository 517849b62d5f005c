//! Fetching with prune, authenticating the way git does: for SSH the
//! ssh-agent, then the usual key files without passphrase; for HTTPS the
//! configured credential helper. Local paths and `file://` URLs need none.

use std::path::PathBuf;

use git2::{
    AutotagOption, Cred, CredentialType, FetchOptions, FetchPrune, RemoteCallbacks, Repository,
};

use super::error::GitError;

/// `git fetch --prune <remote>` with the remote's configured refspecs.
pub fn fetch(repo: &Repository, remote_name: &str) -> Result<(), GitError> {
    let fail = |e: git2::Error| GitError::Fetch {
        remote: remote_name.to_string(),
        message: e.message().to_string(),
    };
    let mut remote = repo.find_remote(remote_name).map_err(fail)?;
    let config = repo.config().map_err(fail)?;
    let mut tried_agent = false;
    let mut keys = key_files().into_iter();
    let mut tried_helper = false;
    let mut tried_default = false;
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |url, username, allowed| {
        let user = username.unwrap_or("git");
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(user);
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            if !tried_agent {
                tried_agent = true;
                if let Ok(c) = Cred::ssh_key_from_agent(user) {
                    return Ok(c);
                }
            }
            for (private, public) in keys.by_ref() {
                let public = public.exists().then_some(public);
                if let Ok(c) = Cred::ssh_key(user, public.as_deref(), &private, None) {
                    return Ok(c);
                }
            }
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) && !tried_helper {
            tried_helper = true;
            if let Ok(c) = Cred::credential_helper(&config, url, username) {
                return Ok(c);
            }
        }
        if allowed.contains(CredentialType::DEFAULT) && !tried_default {
            tried_default = true;
            return Cred::default();
        }
        Err(git2::Error::from_str(
            "no credentials accepted (tried ssh-agent, ~/.ssh keys without passphrase, the git credential helper)",
        ))
    });
    let mut opts = FetchOptions::new();
    opts.remote_callbacks(callbacks)
        .prune(FetchPrune::On)
        .download_tags(AutotagOption::Auto);
    remote
        .fetch::<&str>(&[], Some(&mut opts), Some("fetch (gitops-upgrade rebase)"))
        .map_err(fail)
}

/// The default SSH key files, private and public.
fn key_files() -> Vec<(PathBuf, PathBuf)> {
    let Some(home) = std::env::var_os("HOME") else {
        return Vec::new();
    };
    let ssh = PathBuf::from(home).join(".ssh");
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|n| (ssh.join(n), ssh.join(format!("{n}.pub"))))
        .filter(|(p, _)| p.exists())
        .collect()
}
