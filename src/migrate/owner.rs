//! Which files are the user's: the only ones `migrate-patches` edits.
//!
//! The vendor's guides ask users to edit their deploy overlays ("this is
//! the overlay that users are supposed to tailor", Rok v0.15 guide), and a
//! local edit of a vendor file conflicts at every later rebase. So a file
//! is the user's when:
//!
//! - one of the user's own commits added or changed it: the commits of
//!   `HEAD` that are not on the upstream (the branch's upstream, or the
//!   `--upstream` revision), each compared with its parent (merge commits
//!   are left out: merging the upstream in brings the vendor's files);
//! - it has uncommitted changes (staged, unstaged or untracked);
//! - or it was named on the command line (a file, or any file below a
//!   named directory).
//!
//! Without an upstream the user's commits cannot be told from the
//! vendor's; the files below an `overlays/deploy/` directory (the overlay
//! the guides say users tailor) are then taken as the user's, and the
//! caller says so.

use std::collections::BTreeSet;
use std::path::Path;

/// How the user's commits were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// The commits of HEAD not on this upstream revision.
    Upstream {
        /// The upstream as named (`origin/main`, or `--upstream`).
        name: String,
        /// How many commits are the user's.
        commits: usize,
    },
    /// A git repository whose branch has no upstream (and no `--upstream`).
    NoUpstream,
    /// Not a git repository.
    NotGit,
}

/// The user's files of one repository.
#[derive(Debug, Clone)]
pub struct Ownership {
    pub basis: Basis,
    /// Files (relative to the root, `/`-separated) of the user's commits
    /// and uncommitted changes.
    pub files: BTreeSet<String>,
    /// Files and directories named on the command line (relative).
    pub named: Vec<String>,
    /// Without an upstream: files below `overlays/deploy/` count as the
    /// user's.
    pub deploy_overlays: bool,
}

impl Ownership {
    /// Whether `rel` (relative to the root) is the user's file.
    pub fn owns(&self, rel: &str) -> bool {
        if self.files.contains(rel) {
            return true;
        }
        if self
            .named
            .iter()
            .any(|n| n == "." || n == rel || rel.starts_with(&format!("{n}/")))
        {
            return true;
        }
        self.deploy_overlays
            && (rel.starts_with("overlays/deploy/") || rel.contains("/overlays/deploy/"))
    }

    /// One line saying what is treated as the user's.
    pub fn describe(&self) -> String {
        let named = if self.named.is_empty() {
            String::new()
        } else {
            format!(", and {}", self.named.join(", "))
        };
        match &self.basis {
            Basis::Upstream { name, commits } => format!(
                "your files: the {} file(s) your {commits} commit(s) on top of {name} added or changed, files with uncommitted changes{named}",
                self.files.len()
            ),
            Basis::NoUpstream => format!(
                "no upstream (pass --upstream <ref>): treating as yours the files below overlays/deploy/ directories, files with uncommitted changes{named}"
            ),
            Basis::NotGit => format!(
                "not a git repository: treating as yours the files below overlays/deploy/ directories{named}"
            ),
        }
    }
}

fn add_diff(
    repo: &git2::Repository,
    old: Option<&git2::Tree<'_>>,
    new: &git2::Tree<'_>,
    out: &mut BTreeSet<String>,
) -> Result<(), git2::Error> {
    let diff = repo.diff_tree_to_tree(old, Some(new), None)?;
    for d in diff.deltas() {
        if d.status() == git2::Delta::Deleted {
            continue;
        }
        if let Some(p) = d.new_file().path() {
            out.insert(p.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// The user's files of the repository whose work tree is `root`.
/// `upstream`: a revision that overrides the branch's upstream; `named`:
/// paths relative to `root` given on the command line.
pub fn of_repo(root: &Path, upstream: Option<&str>, named: &[String]) -> Result<Ownership, String> {
    let mut own = Ownership {
        basis: Basis::NotGit,
        files: BTreeSet::new(),
        named: named.to_vec(),
        deploy_overlays: true,
    };
    let repo = match git2::Repository::open(root) {
        Ok(r) => r,
        Err(_) if upstream.is_none() => return Ok(own),
        Err(e) => {
            return Err(format!(
                "--upstream needs a git repository: {}",
                e.message()
            ))
        }
    };
    let head = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let up: Option<(String, git2::Oid)> = match upstream {
        Some(u) => {
            let c = repo
                .revparse_single(u)
                .and_then(|o| o.peel_to_commit())
                .map_err(|e| format!("--upstream {u}: {}", e.message()))?;
            Some((u.to_string(), c.id()))
        }
        None => repo.head().ok().and_then(|h| {
            if !h.is_branch() {
                return None;
            }
            let b = git2::Branch::wrap(h);
            let u = b.upstream().ok()?;
            let name = u.name().ok().flatten()?.to_string();
            let id = u.get().peel_to_commit().ok()?.id();
            Some((name, id))
        }),
    };
    match (&up, &head) {
        (Some((name, id)), Some(head)) => {
            let mut walk = repo.revwalk().map_err(|e| e.message().to_string())?;
            walk.push(head.id()).map_err(|e| e.message().to_string())?;
            walk.hide(*id).map_err(|e| e.message().to_string())?;
            let mut commits = 0;
            for oid in walk {
                let oid = oid.map_err(|e| e.message().to_string())?;
                let c = repo.find_commit(oid).map_err(|e| e.message().to_string())?;
                commits += 1;
                if c.parent_count() > 1 {
                    // a merge brings in the other side's files (the
                    // vendor's, when upstream was merged in), not the user's
                    continue;
                }
                let tree = c.tree().map_err(|e| e.message().to_string())?;
                let parent = c.parent(0).ok().and_then(|p| p.tree().ok());
                add_diff(&repo, parent.as_ref(), &tree, &mut own.files)
                    .map_err(|e| e.message().to_string())?;
            }
            own.basis = Basis::Upstream {
                name: name.clone(),
                commits,
            };
            own.deploy_overlays = false;
        }
        (Some(_), None) => {
            own.basis = Basis::Upstream {
                name: upstream.unwrap_or_default().to_string(),
                commits: 0,
            };
            own.deploy_overlays = false;
        }
        (None, _) => own.basis = Basis::NoUpstream,
    }
    // Uncommitted changes are the user's too.
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    if let Ok(st) = repo.statuses(Some(&mut opts)) {
        for e in st.iter() {
            if e.status().is_wt_deleted() || e.status().is_index_deleted() {
                continue;
            }
            if let Ok(p) = e.path() {
                own.files.insert(p.replace('\\', "/"));
            }
        }
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deploy_overlays_and_named_paths() {
        let o = Ownership {
            basis: Basis::NotGit,
            files: BTreeSet::new(),
            named: vec!["rok/rok-csi".into()],
            deploy_overlays: true,
        };
        assert!(o.owns("rok/rok-cluster/overlays/deploy/patches/a.yaml"));
        assert!(!o.owns("rok/rok-cluster/base/rokcluster.yaml"));
        assert!(!o.owns("rok/rok-cluster/overlays/deployx/a.yaml"));
        assert!(o.owns("rok/rok-csi/base/ds.yaml"));
        assert!(!o.owns("rok/rok-csi-x/base/ds.yaml"));
        assert!(o.describe().contains("no") || o.describe().contains("not a git"));
    }
}
