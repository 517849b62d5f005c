//! Git operations for `gitops-upgrade rebase`: fetch with the credentials
//! git would use, backup refs, the in-memory replay of local commits onto a
//! new upstream with "local changes win" conflict policies, the check that
//! the affected kustomization roots still render, and the report.
//!
//! Everything here works on a [`git2::Repository`] and knows nothing of the
//! terminal; `src/cli/rebase.rs` prints.

pub mod backup;
pub mod error;
pub mod fetch;
pub mod journal;
pub mod outcome;
pub mod patchid;
pub mod preflight;
pub mod push;
pub mod rebase;
pub mod renames;
pub mod replay;
pub mod report;
pub mod roots;
pub mod time;
pub mod tree_source;
pub mod worktree;
pub mod yaml_merge;

pub use backup::{create_backup, free_backup_name, list_backups, restore, Backup, RestoreOutcome};
pub use error::GitError;
pub use journal::{recover, Recovered, Recovery};
pub use outcome::BackupList;
pub use rebase::{rebase, DeletePolicy, MergeMode, RebaseOptions};
pub use report::RebaseReport;
