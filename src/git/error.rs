//! Typed errors of the git layer. Each says what failed and on which
//! object; the command line prints one line per problem.

/// What went wrong in a git operation.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The directory is not inside a git repository.
    #[error("not a git repository: {path}: {message}")]
    NotARepository { path: String, message: String },

    /// The repository has no working tree (a bare repository).
    #[error("'{0}' is a bare repository; rebase needs a working tree")]
    Bare(String),

    /// Preconditions do not hold; nothing was changed. One problem a line.
    #[error("refusing to start: {}", problems.join("; "))]
    Refused { problems: Vec<String> },

    /// A libgit2 call failed.
    #[error("{context}: {source}")]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },

    /// Fetching from a remote failed.
    #[error("fetch from '{remote}' failed: {message}")]
    Fetch { remote: String, message: String },

    /// A backup ref was asked for and does not exist.
    #[error("no backup '{0}' (list them with: gitops-upgrade rebase --list-backups)")]
    BackupNotFound(String),

    /// `--restore` without a ref and no backup of this branch exists.
    #[error("branch '{0}' has no backups under refs/gitops-upgrade/backups/{0}/")]
    NoBackups(String),

    /// Replaying one commit failed; the branch and working tree are untouched.
    #[error("cannot replay {commit} ({summary}): {message}; nothing was changed")]
    Replay {
        commit: String,
        summary: String,
        message: String,
    },

    /// Updating the working tree, index or branch failed after the replay
    /// succeeded; what was rolled back is in the message.
    #[error("{0}")]
    Update(String),
}

impl GitError {
    /// The exit code the command line uses: 2 for refusals and usage-like
    /// problems (nothing was attempted), 1 when the requested work failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            GitError::NotARepository { .. }
            | GitError::Bare(_)
            | GitError::Refused { .. }
            | GitError::BackupNotFound(_)
            | GitError::NoBackups(_) => 2,
            GitError::Git { .. }
            | GitError::Fetch { .. }
            | GitError::Replay { .. }
            | GitError::Update(_) => 1,
        }
    }

    /// One line per problem, for the terminal.
    pub fn lines(&self) -> Vec<String> {
        match self {
            GitError::Refused { problems } => {
                let mut v = vec!["refusing to start; nothing was changed:".to_string()];
                v.extend(problems.iter().map(|p| format!("  {p}")));
                v
            }
            other => vec![other.to_string()],
        }
    }
}

/// Attaches what was being done to a libgit2 error.
pub(crate) trait Context<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, GitError>;
}

impl<T> Context<T> for Result<T, git2::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, GitError> {
        self.map_err(|source| GitError::Git {
            context: context(),
            source,
        })
    }
}
