//! Where the renderer reads files from. A trait so that a commit's tree can
//! be rendered without checking it out (the git implementation comes with
//! `diff`); the directory implementation reads the working tree.

use std::io;
use std::path::{Component, Path, PathBuf};

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Missing,
}

/// Read-only access to a tree of files.
pub trait FileSource {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    fn kind(&self, path: &Path) -> Kind;
    /// The path with `.`/`..` and symbolic links resolved, used by the load
    /// restrictor and cycle detection.
    fn resolve(&self, path: &Path) -> io::Result<PathBuf>;
}

/// The local filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct DirSource;

impl FileSource for DirSource {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn kind(&self, path: &Path) -> Kind {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => Kind::Dir,
            Ok(_) => Kind::File,
            Err(_) => Kind::Missing,
        }
    }

    fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// Joins `rel` onto `base` and folds `.` and `..` lexically.
pub fn join_clean(base: &Path, rel: &str) -> PathBuf {
    let joined = if Path::new(rel).is_absolute() {
        PathBuf::from(rel)
    } else {
        base.join(rel)
    };
    clean(&joined)
}

/// Folds `.` and `..` components without touching the filesystem.
pub fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `a/b/c` -> `a/b`, `c` -> `.`.
pub fn parent(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => &p[..i],
        None => ".",
    }
}

/// Whether a relative path needs no folding (`a/b`, not `./a`, `a/../b`,
/// `a//b`, `a/`).
pub fn is_plain(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('/')
        && !s.ends_with('/')
        && !s.contains('\\')
        && s.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// A root-relative path as a string with `/` separators (`.` for the root).
pub fn rel_str(p: &Path) -> String {
    if let Some(s) = p.to_str() {
        if is_plain(s) || s == "." {
            return s.to_string();
        }
    }
    let c = clean(p);
    let s = c.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// The files of another source below `base`: paths are relative to it.
pub struct Subtree<'a> {
    pub fs: &'a dyn FileSource,
    pub base: &'a Path,
}

impl FileSource for Subtree<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.fs.read(&self.base.join(path))
    }

    fn kind(&self, path: &Path) -> Kind {
        self.fs.kind(&self.base.join(path))
    }

    fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        self.fs.resolve(&self.base.join(path))
    }
}

/// A path for messages: relative to `base` when it lies below it.
pub fn display_path(p: &Path, base: &Path) -> String {
    match p.strip_prefix(base) {
        Ok(r) if !r.as_os_str().is_empty() => r.display().to_string(),
        Ok(_) => ".".to_string(),
        Err(_) => p.display().to_string(),
    }
}
