//! The git pre-commit hook that runs `check --staged --changed`.
//!
//! The hook is a small shell script carrying a marker line, so that
//! `install` recognises (and updates) its own hook and refuses to replace
//! another one without `force`, and `uninstall` only ever removes its own.
//! A hook replaced with `force` is kept as `pre-commit.backup` and put
//! back by `uninstall`. The hooks directory honours `core.hooksPath`.

use std::path::{Path, PathBuf};

use git2::Repository;

/// The line that identifies our hook.
pub const MARKER: &str = "# gitops-upgrade-hook: v1";
/// What a replaced hook is renamed to.
pub const BACKUP: &str = "pre-commit.backup";
const BACKUP_NOTE: &str = "# gitops-upgrade-hook-backup: ";

/// A hook operation that could not be done: `code` 1 when refused (a
/// foreign hook), 2 on an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookError {
    pub code: u8,
    pub message: String,
}

fn error(code: u8, message: impl Into<String>) -> HookError {
    HookError {
        code,
        message: message.into(),
    }
}

/// What `install` did (or would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    Created(PathBuf),
    /// Our hook was already there; rewritten.
    Updated(PathBuf),
    /// A foreign hook was moved to the backup path.
    Replaced {
        hook: PathBuf,
        backup: PathBuf,
    },
}

/// What `uninstall` did (or would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    Removed(PathBuf),
    /// Removed, and the hook it had replaced put back.
    Restored {
        hook: PathBuf,
        backup: PathBuf,
    },
    /// No hook at all.
    NoHook(PathBuf),
}

/// `p` relative to the work tree `root` when below it.
fn show(p: &Path, root: Option<&Path>) -> String {
    root.and_then(|r| p.strip_prefix(r).ok())
        .unwrap_or(p)
        .display()
        .to_string()
}

impl Installed {
    /// What was done (`dry_run`: would be done), paths relative to the
    /// work tree `root`; `binary` is what the hook runs.
    pub fn to_text(&self, root: Option<&Path>, binary: &str, dry_run: bool) -> String {
        let verb = |past: &str, base: &str| {
            if dry_run {
                format!("Would {base}")
            } else {
                past.to_string()
            }
        };
        match self {
            Installed::Created(h) => format!(
                "{} {}: runs `{binary} check --staged --changed` before each commit.\n",
                verb("Installed", "install"),
                show(h, root)
            ),
            Installed::Updated(h) => format!(
                "{} {} (it was already gitops-upgrade's hook): runs `{binary} check --staged --changed`.\n",
                verb("Updated", "update"),
                show(h, root)
            ),
            Installed::Replaced { hook, backup } => format!(
                "{} {}; the previous hook {} {} (`gitops-upgrade hook uninstall` puts it back).\n",
                verb("Installed", "install"),
                show(hook, root),
                if dry_run { "would be kept as" } else { "is kept as" },
                show(backup, root)
            ),
        }
    }
}

impl Removed {
    /// What was done (`dry_run`: would be done), paths relative to the
    /// work tree `root`.
    pub fn to_text(&self, root: Option<&Path>, dry_run: bool) -> String {
        let removed = if dry_run { "Would remove" } else { "Removed" };
        match self {
            Removed::NoHook(h) => {
                format!("No pre-commit hook at {}: nothing to do.\n", show(h, root))
            }
            Removed::Removed(h) => format!("{removed} {}.\n", show(h, root)),
            Removed::Restored { hook, backup } => format!(
                "{removed} {} and put back the previous hook from {}.\n",
                show(hook, root),
                show(backup, root)
            ),
        }
    }
}

/// The hooks directory: `core.hooksPath` (relative to the working tree)
/// or the `hooks` directory of the repository's common git directory.
pub fn hooks_dir(repo: &Repository) -> PathBuf {
    if let Ok(cfg) = repo.config() {
        if let Ok(p) = cfg.get_path("core.hooksPath") {
            if p.is_absolute() {
                return p;
            }
            let base = repo.workdir().unwrap_or_else(|| repo.path());
            return base.join(p);
        }
    }
    repo.commondir().join("hooks")
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook script. `binary` is tried first; `gitops-upgrade` on `PATH`
/// when it is gone.
pub fn script(binary: &str, backup: Option<&str>) -> String {
    let note = backup
        .map(|b| format!("{BACKUP_NOTE}{b}\n"))
        .unwrap_or_default();
    format!(
        r#"#!/bin/sh
{MARKER}
# Checks what the commit will hold: YAML, conflict markers, kustomization
# roots that must still render, pending migrations, upgrade policies.
# Installed by `gitops-upgrade hook install`; removed by
# `gitops-upgrade hook uninstall`. Skip it once: git commit --no-verify
{note}bin={bin}
if [ ! -x "$bin" ]; then
    installed=$bin
    bin=$(command -v gitops-upgrade 2>/dev/null) || {{
        echo "gitops-upgrade pre-commit hook: gitops-upgrade is not at $installed nor on PATH;" >&2
        echo "install it again, or remove this hook with: gitops-upgrade hook uninstall" >&2
        exit 1
    }}
fi
"$bin" check --staged --changed
status=$?
if [ "$status" -ne 0 ]; then
    echo "gitops-upgrade: commit refused by the pre-commit check (skip it once with git commit --no-verify)" >&2
fi
exit "$status"
"#,
        bin = sh_quote(binary)
    )
}

/// Whether a hook file's text is ours.
pub fn is_ours(text: &str) -> bool {
    text.lines().take(5).any(|l| l.trim_end() == MARKER)
}

fn backup_of(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.strip_prefix(BACKUP_NOTE))
        .map(str::trim)
}

fn write_executable(path: &Path, text: &str) -> Result<(), HookError> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)
            .map_err(|e| error(2, format!("cannot create {}: {e}", d.display())))?;
    }
    // Executable before it appears under its name: a kill never leaves a
    // hook git would skip.
    crate::fsutil::write_atomic_mode(path, text.as_bytes(), Some(0o755))
        .map_err(|e| error(2, format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

/// Whether `a` and `b` are the same file (two names of one inode), as an
/// interrupted `install --force` leaves them.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
        false
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// Installs the hook, running `binary`. A hook that is not ours is
/// refused (code 1) unless `force`, which keeps it as the backup.
pub fn install(
    repo: &Repository,
    binary: &str,
    force: bool,
    dry_run: bool,
) -> Result<Installed, HookError> {
    let dir = hooks_dir(repo);
    let hook = dir.join("pre-commit");
    let existing = match std::fs::read(&hook) {
        Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(error(2, format!("cannot read {}: {e}", hook.display()))),
    };
    match existing {
        None => {
            if !dry_run {
                write_executable(&hook, &script(binary, None))?;
            }
            Ok(Installed::Created(hook))
        }
        Some(t) if is_ours(&t) => {
            if !dry_run {
                write_executable(&hook, &script(binary, backup_of(&t)))?;
            }
            Ok(Installed::Updated(hook))
        }
        Some(_) if !force => Err(error(
            1,
            format!(
                "{} exists and was not written by gitops-upgrade; left alone. \
                 Run `gitops-upgrade hook install --force` to replace it (it is kept as {BACKUP} and \
                 put back by `hook uninstall`), or call `gitops-upgrade check --staged --changed` from it",
                hook.display()
            ),
        )),
        Some(_) => {
            let backup = dir.join(BACKUP);
            // A second name for the user's hook first, then ours replaces
            // it atomically: a kill leaves either their hook (maybe with
            // that second name too, which the next run recognises) or
            // ours with theirs kept.
            let same_file = same_file(&hook, &backup);
            if backup.exists() && !same_file {
                return Err(error(
                    1,
                    format!(
                        "{} exists already: move it away before replacing {} with --force",
                        backup.display(),
                        hook.display()
                    ),
                ));
            }
            if !dry_run {
                if !same_file {
                    std::fs::hard_link(&hook, &backup)
                        .or_else(|_| std::fs::copy(&hook, &backup).map(|_| ()))
                        .map_err(|e| {
                            error(2, format!("cannot keep {} as {}: {e}", hook.display(), backup.display()))
                        })?;
                    crate::failpoint::hit("hook.backup-linked");
                }
                if let Err(e) = write_executable(&hook, &script(binary, Some(BACKUP))) {
                    let _ = std::fs::remove_file(&backup);
                    return Err(e);
                }
            }
            Ok(Installed::Replaced { hook, backup })
        }
    }
}

/// Removes our hook (putting back the one it replaced); refuses (code 1)
/// to touch a hook that is not ours.
pub fn uninstall(repo: &Repository, dry_run: bool) -> Result<Removed, HookError> {
    let dir = hooks_dir(repo);
    let hook = dir.join("pre-commit");
    let text = match std::fs::read(&hook) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Removed::NoHook(hook)),
        Err(e) => return Err(error(2, format!("cannot read {}: {e}", hook.display()))),
    };
    if !is_ours(&text) {
        return Err(error(
            1,
            format!(
                "{} was not written by gitops-upgrade; left alone",
                hook.display()
            ),
        ));
    }
    let backup = backup_of(&text)
        .map(|b| dir.join(b))
        .filter(|b| b.is_file());
    if !dry_run {
        match &backup {
            Some(b) => std::fs::rename(b, &hook)
                .map_err(|e| error(2, format!("cannot put {} back: {e}", b.display())))?,
            None => std::fs::remove_file(&hook)
                .map_err(|e| error(2, format!("cannot remove {}: {e}", hook.display())))?,
        }
    }
    Ok(match backup {
        Some(backup) => Removed::Restored { hook, backup },
        None => Removed::Removed(hook),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_is_recognised_and_quotes_the_path() {
        let s = script("/opt/it's here/gitops-upgrade", Some(BACKUP));
        assert!(is_ours(&s));
        assert!(s.contains(r"bin='/opt/it'\''s here/gitops-upgrade'"));
        assert_eq!(backup_of(&s), Some(BACKUP));
        assert!(!is_ours("#!/bin/sh\nexec lint\n"));
        assert_eq!(backup_of(&script("x", None)), None);
    }

    #[test]
    fn texts_name_paths_below_the_work_tree() {
        let root = Path::new("/r");
        let hook = PathBuf::from("/r/.git/hooks/pre-commit");
        let backup = PathBuf::from("/r/.git/hooks/pre-commit.backup");
        let i = Installed::Replaced {
            hook: hook.clone(),
            backup: backup.clone(),
        };
        assert_eq!(
            i.to_text(Some(root), "/bin/g", true),
            "Would install .git/hooks/pre-commit; the previous hook would be kept as \
             .git/hooks/pre-commit.backup (`gitops-upgrade hook uninstall` puts it back).\n"
        );
        assert_eq!(
            Removed::Removed(hook.clone()).to_text(None, false),
            "Removed /r/.git/hooks/pre-commit.\n"
        );
        assert_eq!(
            Removed::Restored { hook, backup }.to_text(Some(root), true),
            "Would remove .git/hooks/pre-commit and put back the previous hook from \
             .git/hooks/pre-commit.backup.\n"
        );
    }
}
