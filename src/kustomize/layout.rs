//! Where kustomizations are: the file names kustomize accepts, finding a
//! directory's kustomization file, and telling a remote resource from a
//! local one. The bottom of the kustomize module: the loader (`build`) and
//! the kustomization graph (`graph`) both use it, neither uses the other
//! for it.

use std::path::{Path, PathBuf};

use crate::source::{FileSource, Kind};

/// The names kustomize accepts for a kustomization file, in its order.
pub const KUSTOMIZATION_FILES: &[&str] =
    &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file of `dir` in `fs`, as kustomize looks for it.
pub fn kustomization_file(fs: &dyn FileSource, dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| fs.kind(p) == Kind::File)
}

/// Whether a resource entry names something on the network.
pub fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
        || entry.contains("?ref=")
        || entry.contains(".git//")
}
