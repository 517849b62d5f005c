//! The two sides of a diff: a git revision read straight from its commit's
//! tree (nothing is checked out), or a directory (the working tree by
//! default). Finds root kustomizations and renders them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::{ObjectType, Repository, Tree, TreeWalkMode, TreeWalkResult};

use crate::git::tree_source::TreeSource;
use crate::kustomize::build::KUSTOMIZATION_FILES;
use crate::kustomize::Renderer;
use crate::resource::Resource;
use crate::source::{clean, join_clean, DirSource, FileSource, Kind};
use crate::yaml::{parse_one, Value};

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
        self.with_fs(|fs, base| {
            let dir = join_clean(base, root);
            KUSTOMIZATION_FILES
                .iter()
                .any(|n| fs.kind(&dir.join(n)) == Kind::File)
        })
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

    /// Directories holding a kustomization, relative to the top (`.` for it).
    fn kustomization_dirs(&self) -> Result<BTreeSet<String>, String> {
        let mut out = BTreeSet::new();
        match self {
            Source::Tree { tree, .. } => {
                tree.walk(TreeWalkMode::PreOrder, |dir, e| {
                    if e.kind() == Some(ObjectType::Blob)
                        && e.name().is_ok_and(|n| KUSTOMIZATION_FILES.contains(&n))
                    {
                        out.insert(norm(dir));
                    }
                    TreeWalkResult::Ok
                })
                .map_err(|e| format!("cannot read the tree: {}", e.message()))?;
            }
            Source::Dir { path, .. } => walk_dir(path, path, &mut out),
        }
        Ok(out)
    }

    /// Root kustomizations: those no other kustomization of the side
    /// includes through `resources`, `bases` or `components`.
    pub fn roots(&self) -> Result<Vec<String>, String> {
        let dirs = self.kustomization_dirs()?;
        let mut included: BTreeSet<String> = BTreeSet::new();
        self.with_fs(|fs, base| {
            for d in &dirs {
                let dpath = join_clean(base, d);
                let Some(text) = KUSTOMIZATION_FILES
                    .iter()
                    .find_map(|n| fs.read(&dpath.join(n)).ok())
                else {
                    continue;
                };
                let text = String::from_utf8_lossy(&text);
                for item in includes(&text) {
                    if item.contains("://") {
                        continue;
                    }
                    let rel = if d == "." {
                        PathBuf::new()
                    } else {
                        PathBuf::from(d)
                    };
                    let target = norm(&clean(&rel.join(&item)).to_string_lossy());
                    if target != *d && dirs.contains(&target) {
                        included.insert(target);
                    }
                }
            }
        });
        Ok(dirs.into_iter().filter(|d| !included.contains(d)).collect())
    }
}

/// The entries of `resources`, `bases` and `components` (field names
/// matched case-insensitively, as kustomize does); a line scan when the
/// file does not parse.
fn includes(text: &str) -> Vec<String> {
    if let Ok(Value::Map(m)) = parse_one(text) {
        return m
            .iter()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                k == "resources" || k == "bases" || k == "components"
            })
            .filter_map(|(_, v)| v.as_seq())
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
    }
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("- "))
        .map(|i| i.split(" #").next().unwrap_or("").trim())
        .map(|i| i.trim_matches(|c| c == '"' || c == '\'').to_string())
        .filter(|i| !i.is_empty() && !i.contains(": "))
        .collect()
}

fn norm(d: &str) -> String {
    let d = d.trim_end_matches('/');
    if d.is_empty() || d == "." {
        ".".into()
    } else {
        d.to_string()
    }
}

/// Kustomization directories below `dir` (hidden directories and symbolic
/// links are not entered).
fn walk_dir(top: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if !name.starts_with('.') {
                subdirs.push(e.path());
            }
        } else if KUSTOMIZATION_FILES.contains(&name.as_ref()) {
            let rel = dir.strip_prefix(top).unwrap_or(dir);
            out.insert(norm(&rel.to_string_lossy()));
        }
    }
    for s in subdirs {
        walk_dir(top, &s, out);
    }
}

/// Renders every root on both sides: root -> (old, new), `None` where the
/// side has no kustomization at that path. `Err` names the side and why.
pub type Renders = BTreeMap<String, (Option<Vec<Resource>>, Option<Vec<Resource>>)>;

pub fn render_both(
    roots: &[String],
    old: (&Source<'_>, &str),
    new: (&Source<'_>, &str),
) -> Result<Renders, String> {
    let mut out = Renders::new();
    for root in roots {
        let a = old
            .0
            .build(root)
            .map_err(|e| format!("root {root} does not render on the {} side: {e}", old.1))?;
        let b = new
            .0
            .build(root)
            .map_err(|e| format!("root {root} does not render on the {} side: {e}", new.1))?;
        if a.is_none() && b.is_none() {
            return Err(format!(
                "root {root}: no kustomization there on either side ({} nor {})",
                old.1, new.1
            ));
        }
        out.insert(root.clone(), (a, b));
    }
    Ok(out)
}
