//! `rebase --merge yaml`: the structural YAML merge ([`crate::merge`]) for
//! the files a replayed commit and the new base both changed.
//!
//! Where git's line merge is clean and its result reads as YAML, it is kept
//! as it is, so a history without same-hunk conflicts gives exactly git's
//! trees. The structural merge takes over for a YAML file whose hunks
//! conflict (where `-Xtheirs` would drop the vendor's lines of the hunk), and
//! for one whose clean line merge no longer parses while all three versions
//! do. A file it cannot merge keeps the line-level result, and the report
//! says why.

use std::collections::HashSet;
use std::path::Path;

use git2::{Delta, Index, IndexEntry, Oid, Repository, Tree};

use super::patchid::is_binary;
use crate::merge::{self, Override};

/// How files both sides changed are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MergeMode {
    /// Structurally, for YAML files (the default).
    #[default]
    Yaml,
    /// Line by line, local hunks winning: exactly `git rebase -Xtheirs`.
    Line,
}

/// What happened to one file under `--merge yaml`.
#[derive(Debug, Clone)]
pub enum FileMergeResult {
    /// Merged structurally.
    Merged {
        overrides: Vec<Override>,
        /// Vendor changes taken into a file the user also changed.
        vendor_changes: usize,
    },
    /// Left to the line merge (local hunks won), and why.
    LineFallback { reason: String },
}

/// One file both sides changed that the structural merge looked at.
#[derive(Debug, Clone)]
pub struct FileMerge {
    /// The local commit being replayed.
    pub commit: Oid,
    /// The file's path in the result.
    pub path: String,
    /// Its path on the upstream side (differs after a rename).
    pub upstream_path: String,
    pub result: FileMergeResult,
}

/// A merged file to put into the index.
pub(crate) struct Resolution {
    pub path: Vec<u8>,
    pub blob: Oid,
    pub mode: u32,
}

fn is_yaml_path(p: &str) -> bool {
    let name = p.rsplit('/').next().unwrap_or(p);
    name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization"
}

fn text_of(repo: &Repository, id: Oid) -> Result<Option<String>, git2::Error> {
    let blob = repo.find_blob(id)?;
    let data = blob.content();
    if is_binary(data) {
        return Ok(None);
    }
    Ok(std::str::from_utf8(data).ok().map(str::to_string))
}

const REGULAR: u32 = 0o100000;

fn regular(e: &IndexEntry) -> bool {
    e.mode & 0o170000 == REGULAR
}

fn lossy(p: &[u8]) -> String {
    String::from_utf8_lossy(p).into_owned()
}

/// Paths `a` → `b` modified (not added, deleted or renamed).
fn modified(
    repo: &Repository,
    a: &Tree<'_>,
    b: &Tree<'_>,
) -> Result<HashSet<Vec<u8>>, git2::Error> {
    let diff = repo.diff_tree_to_tree(Some(a), Some(b), None)?;
    Ok(diff
        .deltas()
        .filter(|d| d.status() == Delta::Modified)
        .filter_map(|d| d.new_file().path_bytes().map(<[u8]>::to_vec))
        .collect())
}

/// Merges one file three ways; `None` when it is no YAML text at all.
fn merge_blobs(
    repo: &Repository,
    path: &str,
    base: Oid,
    ours: Oid,
    theirs: Oid,
) -> Result<Option<Result<merge::Merged, String>>, git2::Error> {
    let (Some(b), Some(o), Some(t)) = (
        text_of(repo, base)?,
        text_of(repo, ours)?,
        text_of(repo, theirs)?,
    ) else {
        return Ok(None);
    };
    Ok(Some(
        merge::merge(path, &b, &o, &t).map_err(|e| e.to_string()),
    ))
}

/// The structural merges of one replay step: `normal` is the line merge of
/// `base` (the commit's parent), `ours` (the new base) and `theirs` (the
/// commit), conflicts left in.
pub(crate) fn resolve(
    repo: &Repository,
    base: &Tree<'_>,
    ours: &Tree<'_>,
    theirs: &Tree<'_>,
    normal: &Index,
) -> Result<(Vec<Resolution>, Vec<FileMerge>), git2::Error> {
    let mut out = Vec::new();
    let mut report = Vec::new();
    let mut conflicted: HashSet<Vec<u8>> = HashSet::new();
    let conflicts: Vec<_> = normal.conflicts()?.collect::<Result<_, _>>()?;
    for c in conflicts {
        let (Some(a), Some(o), Some(t)) = (&c.ancestor, &c.our, &c.their) else {
            continue; // added or deleted on a side: not a content merge
        };
        conflicted.insert(t.path.clone());
        let path = lossy(&t.path);
        if !(is_yaml_path(&path) && regular(a) && regular(o) && regular(t)) {
            continue;
        }
        let record = |result| FileMerge {
            commit: Oid::ZERO_SHA1,
            path: path.clone(),
            upstream_path: lossy(&o.path),
            result,
        };
        match merge_blobs(repo, &path, a.id, o.id, t.id)? {
            None => {}
            Some(Ok(m)) => {
                out.push(Resolution {
                    path: t.path.clone(),
                    blob: repo.blob(m.text.as_bytes())?,
                    mode: t.mode,
                });
                report.push(record(FileMergeResult::Merged {
                    overrides: m.overrides,
                    vendor_changes: m.vendor_changes,
                }));
            }
            Some(Err(reason)) => {
                report.push(record(FileMergeResult::LineFallback { reason }));
            }
        }
    }
    // Clean line merges of YAML files both sides changed: kept when they
    // hold the same values as the structural merge (then the tree is git's).
    // A clean line merge can still mix up a file's structure (documents the
    // vendor reordered, a block one side re-indented): then the structural
    // merge is taken; so it is when the line merge no longer parses.
    let both: Vec<Vec<u8>> = {
        let up = modified(repo, base, ours)?;
        let mut v: Vec<Vec<u8>> = modified(repo, base, theirs)?
            .into_iter()
            .filter(|p| up.contains(p) && !conflicted.contains(p))
            .collect();
        v.sort();
        v
    };
    for p in both {
        let path = lossy(&p);
        if !is_yaml_path(&path) {
            continue;
        }
        let Some(merged) = normal.get_path(Path::new(&path), 0) else {
            continue;
        };
        let entry = |t: &Tree<'_>| t.get_path(Path::new(&path)).map(|e| (e.id(), e.filemode()));
        let (Ok((a, _)), Ok((o, _)), Ok((t, tmode))) = (entry(base), entry(ours), entry(theirs))
        else {
            continue;
        };
        if !regular(&merged) || tmode as u32 & 0o170000 != REGULAR {
            continue;
        }
        let Some(line_text) = text_of(repo, merged.id)? else {
            continue;
        };
        let line_values = merge::document_values(&line_text);
        let record = |result| FileMerge {
            commit: Oid::ZERO_SHA1,
            path: path.clone(),
            upstream_path: path.clone(),
            result,
        };
        match merge_blobs(repo, &path, a, o, t)? {
            None => {}
            Some(Ok(m)) => {
                if let Ok(lv) = &line_values {
                    let same = merge::document_values(&m.text).is_ok_and(|sv| &sv == lv);
                    // Documents paired only by position: git's alignment of
                    // lines is as good a guess.
                    if same || m.paired_by_position {
                        continue;
                    }
                }
                out.push(Resolution {
                    path: p.clone(),
                    blob: repo.blob(m.text.as_bytes())?,
                    mode: merged.mode,
                });
                report.push(record(FileMergeResult::Merged {
                    overrides: m.overrides,
                    vendor_changes: m.vendor_changes,
                }));
            }
            Some(Err(reason)) if line_values.is_err() => {
                report.push(record(FileMergeResult::LineFallback {
                    reason: format!("the line merge does not parse as YAML, and {reason}"),
                }));
            }
            Some(Err(_)) => {} // the clean line merge stays
        }
    }
    Ok((out, report))
}

/// Puts the merged files into `index` (stage 0), replacing whatever the
/// line merge left there.
pub(crate) fn apply(index: &mut Index, resolutions: &[Resolution]) -> Result<(), git2::Error> {
    for r in resolutions {
        let p = Path::new(std::str::from_utf8(&r.path).unwrap_or_default());
        let _ = index.conflict_remove(p);
        let e = IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: r.mode,
            uid: 0,
            gid: 0,
            file_size: 0,
            id: r.blob,
            flags: (r.path.len().min(0xfff)) as u16,
            flags_extended: 0,
            path: r.path.clone(),
        };
        index.add(&e)?;
    }
    Ok(())
}
