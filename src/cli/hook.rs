//! `gitops-upgrade hook install|uninstall`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::Failure;
use gitops_upgrade::check::hook::{self, Installed, Removed};

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

fn show(p: &Path, root: Option<&Path>) -> String {
    root.and_then(|r| p.strip_prefix(r).ok())
        .map(|r| r.display().to_string())
        .unwrap_or_else(|| p.display().to_string())
}

pub fn run(a: HookArgs) -> Result<u8, Failure> {
    let here = std::env::current_dir()
        .map_err(|e| Failure::new(2, format!("cannot read the current directory: {e}")))?;
    let repo = git2::Repository::discover(&here)
        .map_err(|_| Failure::new(2, "not inside a git repository"))?;
    let root = repo.workdir().map(Path::to_path_buf);
    let root = root.as_deref();
    let would = |dry: bool| if dry { "Would " } else { "" };
    match a.command {
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
            let bin_s = bin.to_string_lossy().into_owned();
            let done = hook::install(&repo, &bin_s, force, dry_run)
                .map_err(|e| Failure::new(e.code, e.message))?;
            let verb = |past: &str, base: &str| {
                if dry_run {
                    format!("Would {base}")
                } else {
                    past.to_string()
                }
            };
            let text = match done {
                Installed::Created(h) => format!(
                    "{} {}: runs `{bin_s} check --staged --changed` before each commit.\n",
                    verb("Installed", "install"),
                    show(&h, root)
                ),
                Installed::Updated(h) => format!(
                    "{} {} (it was already gitops-upgrade's hook): runs `{bin_s} check --staged --changed`.\n",
                    verb("Updated", "update"),
                    show(&h, root)
                ),
                Installed::Replaced { hook, backup } => format!(
                    "{} {}; the previous hook {} {} (`gitops-upgrade hook uninstall` puts it back).\n",
                    verb("Installed", "install"),
                    show(&hook, root),
                    if dry_run { "would be kept as" } else { "is kept as" },
                    show(&backup, root)
                ),
            };
            print!("{text}");
            Ok(0)
        }
        HookCommand::Uninstall { dry_run } => {
            let done =
                hook::uninstall(&repo, dry_run).map_err(|e| Failure::new(e.code, e.message))?;
            match done {
                Removed::NoHook(h) => {
                    println!("No pre-commit hook at {}: nothing to do.", show(&h, root))
                }
                Removed::Removed(h) => {
                    println!(
                        "{}{} {}.",
                        would(dry_run),
                        if dry_run { "remove" } else { "Removed" },
                        show(&h, root)
                    )
                }
                Removed::Restored { hook, backup } => println!(
                    "{}{} {} and put back the previous hook from {}.",
                    would(dry_run),
                    if dry_run { "remove" } else { "Removed" },
                    show(&hook, root),
                    show(&backup, root)
                ),
            }
            Ok(0)
        }
    }
}
