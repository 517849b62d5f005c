//! Which kustomization roots a change touches, and whether they still
//! render. A root is a kustomization that no other kustomization of the
//! repository includes (through `resources`, `bases` or `components`);
//! it is affected when a file changed below the directory of a
//! kustomization it builds from. The includes are found by the shared
//! graph without parsing ([`Reading::Lines`]: list items naming a
//! directory that holds a kustomization), which is enough to tell roots
//! from bases.

use std::path::Path;

use git2::{Repository, Tree};

use super::tree_source::TreeSource;
use crate::kustomize::graph::{Graph, Reading, Roots, Touch};
use crate::kustomize::Renderer;

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

/// The roots of `new` whose files (or whose included kustomizations'
/// files) differ between `old` and `new`.
pub fn affected_roots(
    repo: &Repository,
    old: &Tree<'_>,
    new: &Tree<'_>,
) -> Result<Vec<String>, git2::Error> {
    let src = TreeSource::new(repo, new.clone());
    let files = src.kustomization_files()?;
    let graph = Graph::scan(&src, files.iter().map(String::as_str), Reading::Lines);
    let diff = repo.diff_tree_to_tree(Some(old), Some(new), None)?;
    let mut changed: Vec<String> = Vec::new();
    for d in diff.deltas() {
        for f in [d.old_file(), d.new_file()] {
            if let Some(p) = f.path() {
                changed.push(p.to_string_lossy().into_owned());
            }
        }
    }
    let affected = graph.affected(changed.iter().map(String::as_str), Touch::Below);
    Ok(graph.roots_among(affected.iter(), Roots::DEPLOYABLE))
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
