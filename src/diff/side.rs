//! The two sides of a diff: a git revision read straight from its commit's
//! tree (nothing is checked out), or a directory (the working tree by
//! default). Finds root kustomizations and renders them.

use std::path::{Path, PathBuf};

use git2::{Repository, Tree};

use crate::git::tree_source::TreeSource;
use crate::kustomize::graph::{self, Graph, Reading, Roots};
use crate::kustomize::Renderer;
use crate::resource::Resource;
use crate::source::{join_clean, DirSource, FileSource, Subtree};

/// One side of the comparison.
pub enum Source<'r> {
    /// A commit's tree.
    Tree {
        repo: &'r Repository,
        tree: Tree<'r>,
        /// The commit id (hex).
        commit: String,
    },
    /// A directory read from disk (the working tree, or one the user named).
    Dir { path: PathBuf, worktree: bool },
}

/// How the user named a side, for messages and JSON.
#[derive(Debug, Clone)]
pub struct SideInfo {
    /// `revision`, `worktree` or `dir`.
    pub kind: &'static str,
    /// What the user wrote (or the default).
    pub spec: String,
    /// The commit id for revisions.
    pub commit: Option<String>,
    /// The directory for `worktree` and `dir`.
    pub path: Option<String>,
}

/// Whether `arg` must be read as a directory (it is written like a path).
fn looks_like_path(arg: &str) -> bool {
    arg == "."
        || arg == ".."
        || arg.starts_with("./")
        || arg.starts_with("../")
        || arg.starts_with('/')
        || arg.ends_with('/')
}

/// Opens a side: a revision of `repo`, else an existing directory. Paths
/// (`./x`, `/x`, `x/`) are always directories.
pub fn open<'r>(arg: &str, repo: Option<&'r Repository>) -> Result<Source<'r>, String> {
    if !looks_like_path(arg) {
        if let Some(repo) = repo {
            if let Ok(obj) = repo.revparse_single(arg) {
                let commit = obj
                    .peel_to_commit()
                    .map_err(|_| format!("'{arg}' does not name a commit"))?;
                let tree = commit
                    .tree()
                    .map_err(|e| format!("'{arg}': cannot read its tree: {}", e.message()))?;
                return Ok(Source::Tree {
                    repo,
                    tree,
                    commit: commit.id().to_string(),
                });
            }
        }
    }
    let p = Path::new(arg);
    if p.is_dir() {
        return Ok(Source::Dir {
            path: std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()),
            worktree: false,
        });
    }
    if repo.is_none() && !looks_like_path(arg) {
        return Err(format!(
            "'{arg}' is not a directory, and not a revision: not inside a git repository"
        ));
    }
    Err(format!(
        "unknown revision or directory '{arg}' (try `git log --oneline` or a path)"
    ))
}

impl Source<'_> {
    pub fn info(&self, spec: &str) -> SideInfo {
        match self {
            Source::Tree { commit, .. } => SideInfo {
                kind: "revision",
                spec: spec.to_string(),
                commit: Some(commit.clone()),
                path: None,
            },
            Source::Dir { path, worktree } => SideInfo {
                kind: if *worktree { "worktree" } else { "dir" },
                spec: spec.to_string(),
                commit: None,
                path: Some(path.display().to_string()),
            },
        }
    }

    fn with_fs<T>(&self, f: impl FnOnce(&dyn FileSource, &Path) -> T) -> T {
        match self {
            Source::Tree { repo, tree, .. } => {
                let src = TreeSource::new(repo, tree.clone());
                f(&src, Path::new(""))
            }
            Source::Dir { path, .. } => f(&DirSource, path),
        }
    }

    /// Whether `root` (relative to the side's top) holds a kustomization.
    pub fn has_kustomization(&self, root: &str) -> bool {
        self.with_fs(|fs, base| graph::kustomization_file(fs, &join_clean(base, root)).is_some())
    }

    /// Renders `root`; `Ok(None)` when the side has no kustomization there.
    pub fn build(&self, root: &str) -> Result<Option<Vec<Resource>>, String> {
        if !self.has_kustomization(root) {
            return Ok(None);
        }
        self.with_fs(|fs, base| {
            let run = std::panic::AssertUnwindSafe(|| {
                let mut r = Renderer::new(fs, base);
                r.build(&join_clean(base, root)).map_err(|e| e.to_string())
            });
            std::panic::catch_unwind(run)
                .unwrap_or_else(|_| Err(format!("{root}: the renderer failed unexpectedly")))
                .map(Some)
        })
    }

    /// [`Source::build`] with the error as `path:line:col: what is wrong`,
    /// the position found as `check` finds it (an entry the message
    /// quotes in a kustomization file, a field of a patch), paths from the
    /// side's top.
    pub fn build_located(&self, root: &str) -> Result<Option<Vec<Resource>>, String> {
        if !self.has_kustomization(root) {
            return Ok(None);
        }
        self.with_fs(|fs, base| {
            let run = std::panic::AssertUnwindSafe(|| {
                Renderer::new(fs, base).build(&join_clean(base, root))
            });
            match std::panic::catch_unwind(run) {
                Ok(Ok(res)) => Ok(Some(res)),
                Ok(Err(e)) => {
                    let top = Subtree { fs, base };
                    let kfile = graph::kustomization_file(&top, Path::new(root))
                        .map(|p| crate::source::rel_str(&p));
                    let (p, l, c) = crate::check::render_pos(&top, kfile.as_deref(), root, &e);
                    Err(format!("{p}:{l}:{c}: {}", e.msg))
                }
                Err(_) => Err(format!("{root}: the renderer failed unexpectedly")),
            }
        })
    }

    /// Root kustomizations: those no other kustomization of the side
    /// includes through `resources`, `bases` or `components` (hidden
    /// directories of a directory side are not searched).
    pub fn roots(&self) -> Result<Vec<String>, String> {
        let files: Vec<String> = match self {
            Source::Tree { repo, tree, .. } => TreeSource::new(repo, tree.clone())
                .kustomization_files()
                .map_err(|e| format!("cannot read the tree: {}", e.message()))?,
            Source::Dir { path, .. } => graph::find_on_disk(path, &|n| n.starts_with('.'))
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
        };
        let g = self.with_fs(|fs, base| {
            let fs = Subtree { fs, base };
            Graph::scan(&fs, files.iter().map(String::as_str), Reading::Includes)
        });
        Ok(g.roots(Roots::DEPLOYABLE))
    }
}

/// A side that any thread can open on its own (a [`Source`] borrows one
/// repository handle, which threads cannot share).
#[derive(Debug, Clone)]
pub enum SideSpec {
    /// A commit's tree, by the tree's id.
    Tree {
        tree: git2::Oid,
        commit: String,
    },
    Dir {
        path: PathBuf,
        worktree: bool,
    },
}

impl SideSpec {
    /// Opens the side in `repo` (a handle of this thread).
    pub fn open<'r>(&self, repo: Option<&'r Repository>) -> Result<Source<'r>, String> {
        match self {
            SideSpec::Tree { tree, commit } => {
                let repo = repo.ok_or("a revision needs a git repository")?;
                let tree = repo.find_tree(*tree).map_err(|e| {
                    format!("commit {commit}: cannot read its tree: {}", e.message())
                })?;
                Ok(Source::Tree {
                    repo,
                    tree,
                    commit: commit.clone(),
                })
            }
            SideSpec::Dir { path, worktree } => Ok(Source::Dir {
                path: path.clone(),
                worktree: *worktree,
            }),
        }
    }
}

impl Source<'_> {
    /// What another thread needs to open this side.
    pub fn spec(&self) -> SideSpec {
        match self {
            Source::Tree { tree, commit, .. } => SideSpec::Tree {
                tree: tree.id(),
                commit: commit.clone(),
            },
            Source::Dir { path, worktree } => SideSpec::Dir {
                path: path.clone(),
                worktree: *worktree,
            },
        }
    }
}
