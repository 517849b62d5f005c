//! Which kustomization roots a change touches, and whether they still
//! render. A kustomization directory holds `kustomization.yaml`,
//! `kustomization.yml` or `Kustomization`; a root is one that no other
//! kustomization of the repository includes (through `resources`, `bases`
//! or `components`). The includes are found with a simple scan of list
//! items naming a directory that holds a kustomization, which is enough to
//! tell roots from bases without a full parse.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use git2::{ObjectType, Oid, Repository, Tree, TreeWalkMode, TreeWalkResult};

use super::tree_source::TreeSource;
use crate::kustomize::build::KUSTOMIZATION_FILES;
use crate::kustomize::Renderer;
use crate::source::join_clean;

/// A root that does not render after the rebase.
#[derive(Debug, Clone)]
pub struct BrokenRoot {
    /// Directory relative to the repository root (`.` for the top).
    pub root: String,
    /// The renderer's one-line error.
    pub error: String,
    /// Whether it rendered at the old tip.
    pub built_before: bool,
}

/// Kustomization directories of a tree and the directories each includes.
fn kustomizations(
    repo: &Repository,
    tree: &Tree<'_>,
) -> Result<BTreeMap<String, Vec<String>>, git2::Error> {
    let mut files: Vec<(String, Oid)> = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, e| {
        if e.kind() == Some(ObjectType::Blob) {
            if let Ok(name) = e.name() {
                if KUSTOMIZATION_FILES.contains(&name) {
                    files.push((dir.trim_end_matches('/').to_string(), e.id()));
                }
            }
        }
        TreeWalkResult::Ok
    })?;
    let dirs: BTreeSet<String> = files.iter().map(|(d, _)| norm(d)).collect();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (dir, id) in &files {
        let dir = norm(dir);
        let text = String::from_utf8_lossy(repo.find_blob(*id)?.content()).into_owned();
        let mut inc = Vec::new();
        for line in text.lines() {
            let t = line.trim_start();
            let Some(item) = t.strip_prefix("- ") else {
                continue;
            };
            let item = item.split(" #").next().unwrap_or("").trim();
            let item = item.trim_matches(|c| c == '"' || c == '\'');
            if item.is_empty() || item.contains(": ") || item.contains("://") {
                continue;
            }
            let base = if dir == "." {
                Path::new("")
            } else {
                Path::new(&dir)
            };
            let target = norm(&join_clean(base, item).to_string_lossy());
            if target != dir && dirs.contains(&target) {
                inc.push(target);
            }
        }
        out.entry(dir).or_default().extend(inc);
    }
    Ok(out)
}

fn norm(d: &str) -> String {
    let d = d.trim_end_matches('/');
    if d.is_empty() {
        ".".into()
    } else {
        d.to_string()
    }
}

/// The roots of `new` whose files (or whose included kustomizations'
/// files) differ between `old` and `new`.
pub fn affected_roots(
    repo: &Repository,
    old: &Tree<'_>,
    new: &Tree<'_>,
) -> Result<Vec<String>, git2::Error> {
    let ks = kustomizations(repo, new)?;
    let included: BTreeSet<&String> = ks.values().flatten().collect();
    let diff = repo.diff_tree_to_tree(Some(old), Some(new), None)?;
    let mut changed: Vec<String> = Vec::new();
    for d in diff.deltas() {
        for f in [d.old_file(), d.new_file()] {
            if let Some(p) = f.path() {
                changed.push(p.to_string_lossy().into_owned());
            }
        }
    }
    let under = |dir: &str, path: &str| dir == "." || path.starts_with(&format!("{dir}/"));
    let mut out = Vec::new();
    for root in ks.keys().filter(|k| !included.contains(k)) {
        // The root and everything it includes, transitively.
        let mut seen: BTreeSet<&String> = BTreeSet::new();
        let mut todo = vec![root];
        while let Some(d) = todo.pop() {
            if seen.insert(d) {
                todo.extend(ks.get(d).into_iter().flatten());
            }
        }
        if changed.iter().any(|p| seen.iter().any(|d| under(d, p))) {
            out.push(root.clone());
        }
    }
    Ok(out)
}

/// Renders `root` from a tree; `Err` holds the renderer's message.
pub fn render_at(repo: &Repository, tree: &Tree<'_>, root: &str) -> Result<String, String> {
    let src = TreeSource::new(repo, tree.clone());
    let run = std::panic::AssertUnwindSafe(|| {
        let mut r = Renderer::new(&src, Path::new(""));
        r.render(Path::new(root)).map_err(|e| e.to_string())
    });
    // A renderer bug must not abort a rebase that already succeeded.
    std::panic::catch_unwind(run)
        .unwrap_or_else(|_| Err(format!("{root}: the renderer failed unexpectedly")))
}

/// The affected roots that no longer render at `new`.
pub fn broken_roots(
    repo: &Repository,
    old: &Tree<'_>,
    new: &Tree<'_>,
) -> Result<Vec<BrokenRoot>, git2::Error> {
    let mut out = Vec::new();
    for root in affected_roots(repo, old, new)? {
        if let Err(error) = render_at(repo, new, &root) {
            let built_before = render_at(repo, old, &root).is_ok();
            out.push(BrokenRoot {
                root,
                error,
                built_before,
            });
        }
    }
    Ok(out)
}
