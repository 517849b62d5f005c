//! A [`FileSource`] over a commit's tree, so that a kustomization can be
//! rendered at any revision (the result of a replay before it is checked
//! out, or the old tip) without touching the working tree. Paths are
//! relative to the repository root; symbolic links are not followed.

use std::io;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Repository, Tree, TreeWalkMode, TreeWalkResult};

use crate::kustomize::graph::is_kustomization_file;
use crate::source::{clean, FileSource, Kind};

/// The files of one git tree.
pub struct TreeSource<'r> {
    repo: &'r Repository,
    tree: Tree<'r>,
}

impl<'r> TreeSource<'r> {
    pub fn new(repo: &'r Repository, tree: Tree<'r>) -> TreeSource<'r> {
        TreeSource { repo, tree }
    }

    fn entry_kind(&self, path: &Path) -> Option<ObjectType> {
        let p = clean(path);
        if p == Path::new(".") {
            return Some(ObjectType::Tree);
        }
        if p.starts_with("..") {
            return None;
        }
        self.tree.get_path(&p).ok().and_then(|e| e.kind())
    }

    /// The paths of the tree's kustomization files (symbolic links
    /// included: git stores them as blobs), in every directory.
    pub fn kustomization_files(&self) -> Result<Vec<String>, git2::Error> {
        let mut out = Vec::new();
        self.tree.walk(TreeWalkMode::PreOrder, |dir, e| {
            if e.kind() == Some(ObjectType::Blob) {
                if let Ok(name) = e.name() {
                    if is_kustomization_file(name) {
                        out.push(format!("{dir}{name}"));
                    }
                }
            }
            TreeWalkResult::Ok
        })?;
        Ok(out)
    }
}

impl FileSource for TreeSource<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let p = clean(path);
        let not_found = || {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: not found", p.display()),
            )
        };
        let entry = self.tree.get_path(&p).map_err(|_| not_found())?;
        if entry.kind() != Some(ObjectType::Blob) {
            return Err(io::Error::other(format!("{}: is a directory", p.display())));
        }
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(|e| io::Error::other(e.message().to_string()))?;
        Ok(blob.content().to_vec())
    }

    fn kind(&self, path: &Path) -> Kind {
        match self.entry_kind(path) {
            Some(ObjectType::Tree) => Kind::Dir,
            Some(ObjectType::Blob) => Kind::File,
            _ => Kind::Missing,
        }
    }

    fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(clean(path))
    }
}
