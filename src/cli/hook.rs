//! `gitops-upgrade hook install|uninstall`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::common::{current_dir, print};
use super::Failure;
use gitops_upgrade::check::hook;

/// Install or remove the git pre-commit hook that runs
/// `gitops-upgrade check --staged --changed`.
///
/// The hook honours `core.hooksPath`. It refuses to replace a hook it did
/// not write unless --force (the old hook is then kept as
/// pre-commit.backup and put back by `hook uninstall`); `uninstall` only
/// removes its own hook. Users of the pre-commit framework add the
/// repository's `gitops-upgrade-check` hook instead (see the README).
///
/// Exit codes: 0 done (or nothing to do); 1 refused (a hook that is not
/// ours); 2 error.
#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 done (or nothing to do), 1 refused (a hook gitops-upgrade \
did not write), 2 error.\n\nExamples:\n  \
gitops-upgrade hook install\n  \
gitops-upgrade hook install --force     # keep the current hook as pre-commit.backup\n  \
gitops-upgrade hook uninstall"
)]
pub struct HookArgs {
    #[command(subcommand)]
    pub command: HookCommand,
}

#[derive(Subcommand, Debug)]
pub enum HookCommand {
    /// Write .git/hooks/pre-commit
    Install {
        /// Replace a pre-commit hook that gitops-upgrade did not write (it is
        /// kept as pre-commit.backup).
        #[arg(long)]
        force: bool,
        /// The gitops-upgrade binary the hook runs (default: this one; the
        /// hook falls back to `gitops-upgrade` on PATH when it is gone).
        #[arg(long, value_name = "PATH")]
        binary: Option<PathBuf>,
        /// Say what would be done; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove the hook written by `hook install`
    Uninstall {
        /// Say what would be done; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub fn run(a: HookArgs) -> Result<u8, Failure> {
    let repo = git2::Repository::discover(current_dir()?)
        .map_err(|_| Failure::new(2, "not inside a git repository"))?;
    let root = repo.workdir().map(Path::to_path_buf);
    let text = match a.command {
        HookCommand::Install {
            force,
            binary,
            dry_run,
        } => {
            let bin = match binary {
                Some(b) => std::fs::canonicalize(&b)
                    .map_err(|e| Failure::new(2, format!("--binary {}: {e}", b.display())))?,
                None => std::env::current_exe()
                    .and_then(std::fs::canonicalize)
                    .map_err(|e| Failure::new(2, format!("cannot find this executable: {e}")))?,
            };
            let bin = bin.to_string_lossy();
            hook::install(&repo, &bin, force, dry_run)
                .map_err(|e| Failure::new(e.code, e.message))?
                .to_text(root.as_deref(), &bin, dry_run)
        }
        HookCommand::Uninstall { dry_run } => hook::uninstall(&repo, dry_run)
            .map_err(|e| Failure::new(e.code, e.message))?
            .to_text(root.as_deref(), dry_run),
    };
    print(&text)?;
    Ok(0)
}
