//! The content being checked: the index (what `git commit` will record)
//! or the working tree, as a [`FileSource`] with a list of its files.
//! Paths are relative to the repository root, with `/` separators.
//!
//! In staged mode a file the index does not hold but the working tree
//! does, and that git ignores, is read from the working tree: ignored
//! files (an env file of secrets for a `secretGenerator`) are never
//! committed, so a render that needs them reads them where they live.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository, Tree};

use super::index_file::{self, CacheTree, Stat};
use crate::source::{clean, is_plain, rel_str, FileSource, Kind};

/// Where the content comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The working tree (what `kubectl kustomize` would read).
    Worktree,
    /// The index: what the commit being made will hold.
    Staged,
}

#[derive(Debug, Clone, Copy)]
enum Entry {
    /// A file of the working tree, with its index entry when it has one.
    Disk(Option<(Oid, Stat)>),
    /// A file of the index.
    Blob { id: Oid, mode: u32, stat: Stat },
}

/// One side being checked.
pub struct Snapshot<'r> {
    pub mode: Mode,
    /// Absolute path of the working tree.
    pub root: PathBuf,
    repo: &'r Repository,
    files: BTreeMap<String, Entry>,
    /// The index's cache of tree ids (staged mode, when readable).
    cache_tree: Option<CacheTree>,
    /// Modification time of the index file: an entry changed at or after
    /// it may have changed again since git hashed it ("racy git").
    index_mtime: Option<(u32, u32)>,
}

/// The index file `git commit` hands to its hooks: `GIT_INDEX_FILE` when
/// set (a temporary index for `git commit -a` or `git commit <paths>`),
/// `<git dir>/index` otherwise.
fn index_path(git_dir: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os("GIT_INDEX_FILE").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_absolute() {
            p
        } else {
            std::env::current_dir().map(|d| d.join(&p)).unwrap_or(p)
        };
    }
    git_dir.join("index")
}

fn index_mtime(path: &Path) -> Option<(u32, u32)> {
    std::fs::metadata(path)
        .ok()
        .and_then(|m| Stat::of(&m))
        .map(|st| (st.mtime_s, st.mtime_ns))
}

/// Regular files only: symbolic links and submodules are not content
/// the renderer reads.
fn regular(mode: u32) -> bool {
    mode & 0o170000 == 0o100000
}

impl<'r> Snapshot<'r> {
    /// Reads the file list of the index or the working tree.
    pub fn open(repo: &'r Repository, root: &Path, mode: Mode) -> Result<Snapshot<'r>, String> {
        let mut s = Snapshot {
            mode,
            root: root.to_path_buf(),
            repo,
            files: BTreeMap::new(),
            cache_tree: None,
            index_mtime: None,
        };
        let entries = s.read_index(&index_path(repo.path()))?;
        s.fill(entries)?;
        Ok(s)
    }

    fn read_index(&mut self, path: &Path) -> Result<Vec<index_file::Entry>, String> {
        self.index_mtime = index_mtime(path);
        if let Some(f) = index_file::read(path) {
            self.cache_tree = f.tree;
            return Ok(f.entries);
        }
        let mut entries = Vec::new();
        if path.exists() {
            // a form of index the reader does not know: libgit2's
            let index = git2::Index::open(path).map_err(|e| {
                format!("cannot read the index {}: {}", path.display(), e.message())
            })?;
            for e in index.iter() {
                let Ok(p) = String::from_utf8(e.path) else {
                    continue;
                };
                entries.push(index_file::Entry {
                    path: p,
                    id: e.id,
                    mode: e.mode,
                    stage: (e.flags >> 12) & 0x3,
                    stat: Stat {
                        mtime_s: e.mtime.seconds() as u32,
                        mtime_ns: e.mtime.nanoseconds(),
                        ino: e.ino,
                        size: e.file_size,
                    },
                });
            }
        }
        Ok(entries)
    }

    fn fill(&mut self, mut entries: Vec<index_file::Entry>) -> Result<(), String> {
        entries.retain(|e| e.stage == 0 && regular(e.mode));
        match self.mode {
            Mode::Staged => {
                for e in entries {
                    self.files.insert(
                        e.path,
                        Entry::Blob {
                            id: e.id,
                            mode: e.mode,
                            stat: e.stat,
                        },
                    );
                }
            }
            Mode::Worktree => {
                let tracked: BTreeMap<String, (Oid, Stat)> = entries
                    .into_iter()
                    .map(|e| (e.path, (e.id, e.stat)))
                    .collect();
                let root = self.root.clone();
                self.walk(&root, "", &tracked)?;
            }
        }
        Ok(())
    }

    /// Whether git trusts that the file at `p` on disk still holds the blob
    /// its index entry names: same stat data, and not changed in the same
    /// instant as the index was written.
    fn clean_on_disk(&self, p: &str, stat: &Stat) -> bool {
        let Some(im) = self.index_mtime else {
            return false;
        };
        if (stat.mtime_s, stat.mtime_ns) >= im {
            return false;
        }
        std::fs::symlink_metadata(self.root.join(p))
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| Stat::of(&m))
            .is_some_and(|now| now == *stat)
    }

    fn walk(
        &mut self,
        dir: &Path,
        rel: &str,
        tracked: &BTreeMap<String, (Oid, Stat)>,
    ) -> Result<(), String> {
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if rel.is_empty() => {
                return Err(format!("cannot read {}: {e}", dir.display()));
            }
            Err(_) => return Ok(()),
        };
        let mut subdirs = Vec::new();
        for e in rd.flatten() {
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            let path = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                if name == ".git" {
                    continue;
                }
                // a directory holding tracked files is not ignored as a
                // whole; asking git costs more than walking it
                let prefix = format!("{path}/");
                let has_tracked = tracked
                    .range(prefix.clone()..)
                    .next()
                    .is_some_and(|(k, _)| k.starts_with(&prefix));
                if !has_tracked && self.repo.is_path_ignored(&path).unwrap_or(false) {
                    continue;
                }
                subdirs.push((e.path(), path));
            } else if ft.is_file() || (ft.is_symlink() && e.path().is_file()) {
                let t = tracked.get(&path).copied();
                self.files.insert(path, Entry::Disk(t));
            }
        }
        for (p, r) in subdirs {
            self.walk(&p, &r, tracked)?;
        }
        Ok(())
    }

    /// The blob id of a file read from the index (`None` for files read
    /// from disk).
    pub fn blob_id(&self, p: &str) -> Option<Oid> {
        match self.files.get(p) {
            Some(Entry::Blob { id, .. }) => Some(*id),
            Some(Entry::Disk(Some((id, stat)))) if self.clean_on_disk(p, stat) => Some(*id),
            _ => None,
        }
    }

    /// Every file, sorted.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub fn has_file(&self, p: &str) -> bool {
        self.files.contains_key(p)
    }

    pub fn has_dir(&self, p: &str) -> bool {
        if p == "." {
            return true;
        }
        let prefix = format!("{p}/");
        self.files
            .range::<str, _>((
                std::ops::Bound::Included(prefix.as_str()),
                std::ops::Bound::Unbounded,
            ))
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    /// Files below directory `d` (every file for `.`).
    pub fn files_under<'a>(&'a self, d: &str) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        if d == "." {
            return Box::new(self.files());
        }
        let prefix = format!("{d}/");
        Box::new(
            self.files
                .range(prefix.clone()..)
                .take_while(move |(k, _)| k.starts_with(&prefix))
                .map(|(k, _)| k.as_str()),
        )
    }

    /// The bytes of a file.
    pub fn read_rel(&self, p: &str) -> io::Result<Vec<u8>> {
        match self.files.get(p) {
            Some(Entry::Blob { id, stat, .. }) => {
                // the working tree's copy when git trusts it: a read
                // instead of a decompression
                if self.clean_on_disk(p, stat) {
                    if let Ok(b) = std::fs::read(self.root.join(p)) {
                        return Ok(b);
                    }
                }
                self.repo
                    .find_blob(*id)
                    .map(|b| b.content().to_vec())
                    .map_err(|e| io::Error::other(e.message().to_string()))
            }
            Some(Entry::Disk(_)) => std::fs::read(self.root.join(p)),
            None if self.ignored_on_disk(p) => std::fs::read(self.root.join(p)),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{p}: not found"),
            )),
        }
    }

    /// The text of a file (`None` if missing or not UTF-8).
    pub fn text(&self, p: &str) -> Option<String> {
        String::from_utf8(self.read_rel(p).ok()?).ok()
    }

    fn ignored_on_disk(&self, p: &str) -> bool {
        self.mode == Mode::Staged
            && p != "."
            && !p.starts_with("../")
            && self.root.join(p).exists()
            && self.repo.is_path_ignored(p).unwrap_or(false)
    }

    /// Files of the index that differ from `old` (a tree; `None` for an
    /// unborn branch), or with `deleted_only` the files of `old` the index
    /// no longer has. Directories whose id the index's tree cache holds
    /// and `old` shares are skipped without being read.
    pub fn staged_changes(
        &self,
        old: Option<&Tree<'_>>,
        deleted_only: bool,
    ) -> Result<Vec<String>, git2::Error> {
        let mut out = Vec::new();
        self.compare("", old, self.cache_tree.as_ref(), deleted_only, &mut out)?;
        Ok(out)
    }

    fn compare(
        &self,
        prefix: &str,
        old: Option<&Tree<'_>>,
        cache: Option<&CacheTree>,
        deleted_only: bool,
        out: &mut Vec<String>,
    ) -> Result<(), git2::Error> {
        if let (Some(t), Some(c)) = (old, cache) {
            if c.id == Some(t.id()) {
                return Ok(());
            }
        }
        let mut files: BTreeMap<&str, (Oid, u32)> = BTreeMap::new();
        let mut dirs: BTreeSet<&str> = BTreeSet::new();
        let under: Box<dyn Iterator<Item = (&String, &Entry)>> = if prefix.is_empty() {
            Box::new(self.files.iter())
        } else {
            Box::new(
                self.files
                    .range(prefix.to_string()..)
                    .take_while(|(k, _)| k.starts_with(prefix)),
            )
        };
        for (path, e) in under {
            let rest = &path[prefix.len()..];
            match rest.find('/') {
                Some(i) => {
                    dirs.insert(&rest[..i]);
                }
                None => {
                    if let Entry::Blob { id, mode, .. } = e {
                        files.insert(rest, (*id, *mode));
                    }
                }
            }
        }
        let mut names: BTreeSet<String> = files.keys().map(|s| s.to_string()).collect();
        names.extend(dirs.iter().map(|s| s.to_string()));
        if let Some(t) = old {
            for e in t.iter() {
                if let Ok(n) = std::str::from_utf8(e.name_bytes()) {
                    names.insert(n.to_string());
                }
            }
        }
        for name in names {
            let path = format!("{prefix}{name}");
            let oe = old.and_then(|t| t.get_name(&name));
            let old_file = oe
                .as_ref()
                .filter(|e| e.kind() == Some(ObjectType::Blob))
                .map(|e| (e.id(), e.filemode() as u32));
            let new_file = files.get(name.as_str()).copied();
            if old_file.is_some() || new_file.is_some() {
                let differs = match (old_file, new_file) {
                    (Some((a, am)), Some((b, bm))) => a != b || am != bm,
                    _ => true,
                };
                if differs && (!deleted_only || new_file.is_none()) {
                    out.push(path.clone());
                }
            }
            let old_dir = oe.as_ref().filter(|e| e.kind() == Some(ObjectType::Tree));
            if old_dir.is_some() || dirs.contains(name.as_str()) {
                let sub_cache = cache.and_then(|c| c.children.get(&name));
                // unchanged according to the cache: not even read
                if let (Some(e), Some(c)) = (old_dir, sub_cache) {
                    if c.id == Some(e.id()) {
                        continue;
                    }
                }
                let old_tree = match old_dir {
                    Some(e) => Some(self.repo.find_tree(e.id())?),
                    None => None,
                };
                self.compare(
                    &format!("{path}/"),
                    old_tree.as_ref(),
                    sub_cache,
                    deleted_only,
                    out,
                )?;
            }
        }
        Ok(())
    }
}

impl FileSource for Snapshot<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.read_rel(&rel_str(path))
    }

    fn kind(&self, path: &Path) -> Kind {
        match path.to_str().filter(|s| is_plain(s)) {
            Some(s) => self.kind_str(s),
            None => self.kind_str(&rel_str(path)),
        }
    }

    fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(clean(path))
    }
}

impl Snapshot<'_> {
    /// What a root-relative path names.
    pub fn kind_str(&self, p: &str) -> Kind {
        if self.has_file(p) {
            Kind::File
        } else if self.has_dir(p) {
            Kind::Dir
        } else if self.ignored_on_disk(p) {
            if self.root.join(p).is_dir() {
                Kind::Dir
            } else {
                Kind::File
            }
        } else {
            Kind::Missing
        }
    }
}
