//! Interrupted operations: the check every command makes first (a rebase,
//! restore or migration that a kill interrupted is reported in two lines
//! with the commands that finish or undo it), and `rebase --continue` /
//! `--abort`, `migrate-patches --continue` / `--abort`.

use std::path::Path;

use super::common::{print, show, Output};
use super::{Command, Failure};
use gitops_upgrade::git::{self, Recovery};
use gitops_upgrade::migrate::journal as mjournal;
use gitops_upgrade::upgrade::report::interrupted_operations;

/// What a command does when it finds an interrupted operation.
enum Stance {
    /// Refuse to start: it would write over, or commit, a half-done state.
    Refuse,
    /// Only reads: run, after a warning.
    Warn,
    /// Unrelated to the repository's state (or the recovery itself).
    Ignore,
}

fn stance(cmd: &Command) -> Stance {
    match cmd {
        Command::Rebase(a) if a.continue_op || a.abort || a.list_backups => Stance::Ignore,
        Command::MigratePatches(a) if a.continue_op || a.abort => Stance::Ignore,
        Command::Migrations(_) | Command::Demo(_) | Command::Hook(_) => Stance::Ignore,
        Command::Render(_) | Command::Diff(_) | Command::Status(_) => Stance::Warn,
        _ => Stance::Refuse,
    }
}

/// Called before every command: `Some` failure when it must not run.
pub fn guard(cmd: &Command) -> Option<Failure> {
    let stance = stance(cmd);
    if matches!(stance, Stance::Ignore) {
        return None;
    }
    let lines = interrupted_operations(Path::new("."));
    if lines.is_empty() {
        return None;
    }
    match stance {
        Stance::Refuse => Some(Failure::new(2, lines.join("\n"))),
        _ => {
            for l in &lines {
                eprintln!("warning: {l}");
            }
            None
        }
    }
}

/// `gitops-upgrade rebase --continue` (`abort` false) or `--abort`.
pub fn recover(abort: bool, output: Output) -> Result<u8, Failure> {
    let how = if abort {
        Recovery::Abort
    } else {
        Recovery::Continue
    };
    let r = git::recover(Path::new("."), how)
        .map_err(|e| Failure::new(e.exit_code(), e.lines().join("\n")))?;
    show(&r, output)?;
    Ok(0)
}

/// `gitops-upgrade migrate-patches --continue` or `--abort`, for the
/// migration of `root`.
pub fn recover_migration(root: &Path, abort: bool) -> Result<u8, Failure> {
    let r = mjournal::recover(root, abort).map_err(|lines| {
        Failure::new(
            2,
            format!(
                "refusing to start; nothing was changed:\n  {}",
                lines.join("\n  ")
            ),
        )
    })?;
    print(&r.to_text(abort))?;
    Ok(0)
}
