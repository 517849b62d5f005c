//! Failpoints: named steps between two writes at which the process can be
//! made to die, to test that a kill at that moment leaves a repository the
//! tool can recover.
//!
//! `GITOPS_UPGRADE_FAILPOINT=<name>` makes the process abort (no
//! destructors, no buffered output flushed: as close to a SIGKILL as a
//! process can do to itself) the first time it reaches the step `<name>`.
//! `GITOPS_UPGRADE_FAILPOINT=<name>@<n>` aborts the n-th time (1-based)
//! instead. Unset, a failpoint costs one load of an initialised
//! `OnceLock`.
//!
//! Every name is in [`ALL`], so that a test can visit each one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The environment variable naming the failpoint to trigger.
pub const ENV: &str = "GITOPS_UPGRADE_FAILPOINT";

/// Every failpoint, with the command that reaches it. The names say
/// which write has just completed.
pub const ALL: &[(&str, &str)] = &[
    // rebase (and the steps shared with --restore, --continue, --abort:
    // see `git::journal`)
    ("rebase.objects-written", "rebase"),
    ("rebase.journal-written", "rebase"),
    ("rebase.backup-created", "rebase"),
    ("rebase.checkout-midway", "rebase"),
    ("rebase.checkout-done", "rebase"),
    ("rebase.branch-moved", "rebase"),
    ("restore.journal-written", "restore"),
    ("restore.backup-created", "restore"),
    ("restore.checkout-midway", "restore"),
    ("restore.checkout-done", "restore"),
    ("restore.branch-moved", "restore"),
    ("recover.journal-written", "continue/abort"),
    ("recover.checkout-done", "continue/abort"),
    ("recover.branch-moved", "continue/abort"),
    // upgrade --yes committing the migration
    ("commit.journal-written", "upgrade --yes"),
    ("commit.index-written", "upgrade --yes"),
    ("commit.branch-moved", "upgrade --yes"),
    // migrate-patches (and upgrade's migration step)
    ("migrate.journal-written", "migrate-patches"),
    ("migrate.file-written", "migrate-patches"),
    ("migrate.all-written", "migrate-patches"),
    // every single-file atomic write (apply's state, init, render -o, hook)
    ("atomic.temp-written", "any atomic write"),
    ("atomic.renamed", "any atomic write"),
    // hook install --force
    ("hook.backup-linked", "hook install --force"),
];

struct Armed {
    name: String,
    nth: u64,
    seen: AtomicU64,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let v = std::env::var(ENV).ok().filter(|v| !v.is_empty())?;
            let (name, nth) = match v.rsplit_once('@') {
                Some((n, k)) => (n.to_string(), k.parse().unwrap_or(1)),
                None => (v, 1),
            };
            Some(Armed {
                name,
                nth,
                seen: AtomicU64::new(0),
            })
        })
        .as_ref()
}

/// Dies here if the failpoint `name` is armed (and this is the n-th visit).
#[inline]
pub fn hit(name: &str) {
    if let Some(a) = armed() {
        if a.name == name && a.seen.fetch_add(1, Ordering::Relaxed) + 1 == a.nth {
            die(name);
        }
    }
}

/// Whether any failpoint is armed (to skip work that only feeds one).
#[inline]
pub fn any_armed() -> bool {
    armed().is_some()
}

#[cold]
fn die(name: &str) -> ! {
    // One line on stderr (unbuffered), so a test can tell that the
    // failpoint, and not something else, ended the process.
    eprintln!("failpoint {name}: aborting");
    std::process::abort()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique() {
        let mut v: Vec<&str> = super::ALL.iter().map(|(n, _)| *n).collect();
        v.sort();
        let before = v.len();
        v.dedup();
        assert_eq!(before, v.len());
    }
}
