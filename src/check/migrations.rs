//! Pending migrations: the engine of `migrate-patches --check`, run on the
//! kustomizations a change affects.
//!
//! The engine reads files from disk. In staged mode the files of those
//! kustomization directories are first written from the index into a
//! temporary directory with the same layout, so that what is judged is
//! what will be committed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::migrate::catalog::Catalog;
use crate::migrate::engine;

use super::policy::Severity;
use super::snapshot::{Mode, Snapshot};
use super::Finding;

/// Column of the first non-blank character of a line (1-based).
fn first_col(text: &str, line: usize) -> usize {
    text.lines()
        .nth(line.saturating_sub(1))
        .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').count() + 1)
        .unwrap_or(1)
}

/// `catalog/rule: message` as the engine prefixes warnings.
fn split_rule<'m>(msg: &'m str, catalogs: &[Catalog]) -> (Option<String>, &'m str) {
    if let Some((head, rest)) = msg.split_once(": ") {
        if let Some((cat, rule)) = head.split_once('/') {
            if catalogs
                .iter()
                .any(|c| c.name == cat && c.rules.iter().any(|r| r.id == rule))
            {
                return (Some(format!("migration/{cat}/{rule}")), rest);
            }
        }
    }
    (None, msg)
}

/// Findings for the migrations of `catalogs` still pending in the
/// kustomization directories `dirs` (relative to the repository root).
pub fn pending(
    snap: &Snapshot<'_>,
    dirs: &BTreeSet<String>,
    catalogs: &[Catalog],
) -> Result<Vec<Finding>, String> {
    if catalogs.is_empty() || dirs.is_empty() {
        return Ok(Vec::new());
    }
    let tmp;
    let root: PathBuf = match snap.mode {
        Mode::Worktree => std::fs::canonicalize(&snap.root).unwrap_or_else(|_| snap.root.clone()),
        Mode::Staged => {
            tmp = tempfile::Builder::new()
                .prefix("gitops-upgrade-check-")
                .tempdir()
                .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
            let mut files: BTreeSet<&str> = BTreeSet::new();
            for d in dirs {
                files.extend(snap.files_under(d));
            }
            for f in files {
                let dst = tmp.path().join(f);
                if let Some(p) = dst.parent() {
                    std::fs::create_dir_all(p)
                        .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
                }
                let bytes = snap.read_rel(f).map_err(|e| format!("{f}: {e}"))?;
                std::fs::write(&dst, bytes)
                    .map_err(|e| format!("cannot write {}: {e}", dst.display()))?;
            }
            std::fs::canonicalize(tmp.path()).unwrap_or_else(|_| tmp.path().to_path_buf())
        }
    };
    let abs: Vec<PathBuf> = dirs
        .iter()
        .map(|d| if d == "." { root.clone() } else { root.join(d) })
        .collect();
    let sets = BTreeMap::new();
    // The same ownership as `migrate-patches`: a pending migration is the
    // user's to apply only in the user's own files.
    let ownership = crate::migrate::owner::of_repo(&snap.root, None, &[])?;
    let owns = |rel: &str| ownership.owns(rel);
    let plan = engine::plan(&engine::Options {
        root: &root,
        dirs: &abs,
        catalogs,
        sets: &sets,
        editable: Some(&owns),
    });
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut text_of = |p: &str| -> String {
        texts
            .entry(p.to_string())
            .or_insert_with(|| std::fs::read_to_string(root.join(Path::new(p))).unwrap_or_default())
            .clone()
    };
    let mut out = Vec::new();
    for c in &plan.changes {
        let col = first_col(&text_of(&c.path), c.line);
        out.push(Finding {
            path: c.path.clone(),
            line: c.line.max(1),
            col,
            rule: format!("migration/{}/{}", c.catalog, c.rule),
            message: format!(
                "{}: migration pending; run `gitops-upgrade migrate-patches` to apply it",
                c.message
            ),
            severity: Severity::Error,
        });
    }
    for p in &plan.problems {
        let (rule, msg) = split_rule(&p.message, catalogs);
        out.push(Finding {
            path: p.path.clone(),
            line: p.line.max(1),
            col: p.col.max(1),
            rule: rule.unwrap_or_else(|| "migration".into()),
            message: format!(
                "{msg} (a migration is pending that migrate-patches cannot apply as is)"
            ),
            severity: Severity::Error,
        });
    }
    for w in &plan.warnings {
        const VENDOR: &str = "vendor file, not edited: ";
        let (vendor, m) = match w.message.strip_prefix(VENDOR) {
            Some(rest) => (true, rest),
            None => (false, w.message.as_str()),
        };
        let (rule, msg) = split_rule(m, catalogs);
        let msg = if vendor {
            format!("{VENDOR}{msg}")
        } else {
            msg.to_string()
        };
        out.push(Finding {
            path: w.path.clone(),
            line: w.line.max(1),
            col: w.col.max(1),
            rule: rule.unwrap_or_else(|| "migration".into()),
            message: msg,
            severity: Severity::Warning,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns() {
        assert_eq!(first_col("a\n    b: 1\n", 2), 5);
        assert_eq!(first_col("a\n", 7), 1);
    }
}
