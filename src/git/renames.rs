//! Rename detection the way git's merge machinery (`merge-ort`, git's
//! default since 2.34) does it for each side of a three-way merge, so that
//! a replayed commit lands where `git rebase` puts it.
//!
//! libgit2's own rename detection scores similarity differently from git
//! and misses renames git finds (a binary file renamed and changed, a
//! small text file renamed and shortened). Here, for one side (the merge
//! base against that side's tree):
//!
//! 1. Sources are files the side deleted, destinations files it added;
//!    empty files take no part (merge-ort turns `rename_empty` off).
//! 2. Exact renames first, among all sources: same blob (and, for
//!    symlinks and submodules, same mode); an unused source with the same
//!    basename is preferred, then the first in path order.
//! 3. Only sources that matter to the merge stay (merge-ort's "relevant
//!    sources"): those the other side changed or deleted. A rename whose
//!    source the other side left alone changes nothing in the result.
//! 4. Basename-guided matching: a remaining source whose basename is
//!    unique among the remaining sources, against the one remaining
//!    destination with that basename, taken at a raised threshold
//!    (halfway from the minimum score to 100%: 75%).
//! 5. The matrix: every remaining destination against every remaining
//!    source, the best four candidates per destination kept, all sorted by
//!    score then same-basename, and taken greedily, each source and each
//!    destination used once, while the score is at least 50% (git's
//!    `-M50%`). Skipped when destinations × sources exceed 7000² (the merge
//!    rename limit).
//!
//! The similarity score is diffcore's: both files are cut into chunks that
//! end at a newline or after 64 bytes (a CR before an LF is not counted in
//! text), each chunk hashed into one of 107927 buckets with its length;
//! the bytes "copied" are, per bucket, the smaller of the two lengths; the
//! score is copied bytes over the larger file size. A trailing chunk with
//! no newline and under 64 bytes counts for nothing, as in git. Pairs
//! whose sizes differ by more than half the larger size are not compared.
//!
//! Not done: directory rename detection. When git finds one it stops the
//! rebase with a "file location" conflict (its default
//! `merge.directoryRenames=conflict`), so no result is defined to match.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use git2::{Delta, DiffOptions, Oid, Repository, Tree};

use super::patchid::is_binary;

/// Git's scores are fractions of this.
const MAX_SCORE: u64 = 60000;
/// `-M50%`.
const MIN_SCORE: u64 = 30000;
/// Basename-guided matches need more: min + (max - min) / 2.
const MIN_BASENAME_SCORE: u64 = MIN_SCORE + (MAX_SCORE - MIN_SCORE) / 2;
/// merge-ort's default rename limit.
const RENAME_LIMIT: u64 = 7000;
/// The number of hash buckets of diffcore's chunk counter (a prime).
const HASHBASE: u32 = 107_927;
/// The id of the empty blob.
const EMPTY_BLOB: &str = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";

/// A file in a tree: its blob (or commit, for a submodule) and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileAt {
    pub id: Oid,
    pub mode: u32,
}

fn is_regular(mode: u32) -> bool {
    mode & 0o170000 == 0o100000
}

/// Per-blob chunk counts and sizes, computed once per blob.
#[derive(Default)]
pub struct SimilarityCache {
    spans: HashMap<Oid, Rc<Spans>>,
    sizes: HashMap<Oid, usize>,
}

/// A blob cut into chunks: bucket → bytes, and the blob's size.
struct Spans {
    counts: HashMap<u32, u64>,
}

impl SimilarityCache {
    pub fn new() -> Self {
        Self::default()
    }

    fn size(&mut self, repo: &Repository, id: Oid) -> Result<usize, git2::Error> {
        if let Some(&s) = self.sizes.get(&id) {
            return Ok(s);
        }
        let odb = repo.odb()?;
        let (size, _) = odb.read_header(id)?;
        self.sizes.insert(id, size);
        Ok(size)
    }

    fn spans(&mut self, repo: &Repository, id: Oid) -> Result<Rc<Spans>, git2::Error> {
        if let Some(s) = self.spans.get(&id) {
            return Ok(s.clone());
        }
        let blob = repo.find_blob(id)?;
        let s = Rc::new(chunk_counts(blob.content()));
        self.spans.insert(id, s.clone());
        Ok(s)
    }

    /// diffcore's similarity of two regular files, 0..=MAX_SCORE; 0 when
    /// their sizes are too far apart to reach `minimum`.
    fn score(
        &mut self,
        repo: &Repository,
        src: Oid,
        dst: Oid,
        minimum: u64,
    ) -> Result<u64, git2::Error> {
        let (ss, ds) = (self.size(repo, src)? as u64, self.size(repo, dst)? as u64);
        let max = ss.max(ds);
        let delta = max - ss.min(ds);
        if max * (MAX_SCORE - minimum) < delta * MAX_SCORE {
            return Ok(0);
        }
        if ds == 0 {
            return Ok(0);
        }
        let (a, b) = (self.spans(repo, src)?, self.spans(repo, dst)?);
        let copied: u64 = a
            .counts
            .iter()
            .map(|(h, &n)| b.counts.get(h).map_or(0, |&m| n.min(m)))
            .sum();
        Ok(copied * MAX_SCORE / max)
    }
}

/// diffcore-delta's chunking: chunks end at LF or after 64 bytes; in text,
/// a CR right before an LF is skipped; a trailing partial chunk is not
/// counted.
fn chunk_counts(data: &[u8]) -> Spans {
    let text = !is_binary(data);
    let mut counts: HashMap<u32, u64> = HashMap::new();
    let (mut a1, mut a2): (u32, u32) = (0, 0);
    let mut n: u64 = 0;
    let mut i = 0;
    while i < data.len() {
        let c = data[i];
        i += 1;
        if text && c == b'\r' && i < data.len() && data[i] == b'\n' {
            continue;
        }
        let old1 = a1;
        a1 = (a1 << 7) ^ (a2 >> 25);
        a2 = (a2 << 7) ^ (old1 >> 25);
        a1 = a1.wrapping_add(u32::from(c));
        n += 1;
        if n < 64 && c != b'\n' {
            continue;
        }
        let h = a1.wrapping_add(a2.wrapping_mul(0x61)) % HASHBASE;
        *counts.entry(h).or_insert(0) += n;
        n = 0;
        a1 = 0;
        a2 = 0;
    }
    Spans { counts }
}

fn basename(p: &[u8]) -> &[u8] {
    match p.iter().rposition(|&b| b == b'/') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

/// The regular file, symlink or submodule at `path` in `tree`.
pub fn file_at(tree: &Tree<'_>, path: &[u8]) -> Option<FileAt> {
    let e = tree.get_path(path_of(path)).ok()?;
    let mode = e.filemode() as u32;
    (mode & 0o170000 != 0o040000).then(|| FileAt { id: e.id(), mode })
}

#[cfg(unix)]
pub fn path_of(p: &[u8]) -> &std::path::Path {
    use std::os::unix::ffi::OsStrExt;
    std::path::Path::new(std::ffi::OsStr::from_bytes(p))
}

#[cfg(not(unix))]
pub fn path_of(p: &[u8]) -> &std::path::Path {
    std::path::Path::new(std::str::from_utf8(p).unwrap_or(""))
}

/// The files `side` deleted and added relative to `base`, in path order.
type Changes = (Vec<(Vec<u8>, FileAt)>, Vec<(Vec<u8>, FileAt)>);

fn deletes_and_adds(
    repo: &Repository,
    base: &Tree<'_>,
    side: &Tree<'_>,
) -> Result<Changes, git2::Error> {
    let mut opts = DiffOptions::new();
    opts.include_typechange(true);
    let diff = repo.diff_tree_to_tree(Some(base), Some(side), Some(&mut opts))?;
    let (mut deleted, mut added) = (Vec::new(), Vec::new());
    for d in diff.deltas() {
        match d.status() {
            Delta::Deleted => {
                let f = d.old_file();
                if let Some(p) = f.path_bytes() {
                    let mode: i32 = f.mode().into();
                    deleted.push((
                        p.to_vec(),
                        FileAt {
                            id: f.id(),
                            mode: mode as u32,
                        },
                    ));
                }
            }
            Delta::Added => {
                let f = d.new_file();
                if let Some(p) = f.path_bytes() {
                    let mode: i32 = f.mode().into();
                    added.push((
                        p.to_vec(),
                        FileAt {
                            id: f.id(),
                            mode: mode as u32,
                        },
                    ));
                }
            }
            _ => {}
        }
    }
    deleted.sort_by(|a, b| a.0.cmp(&b.0));
    added.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((deleted, added))
}

/// The renames `side` made relative to `base` (old path → new path) that
/// matter to a merge with `other`: those whose source `other` changed or
/// deleted, plus exact renames (which git finds among all sources, and
/// which take their destinations out of the running).
pub fn detect(
    repo: &Repository,
    base: &Tree<'_>,
    side: &Tree<'_>,
    other: &Tree<'_>,
    cache: &mut SimilarityCache,
) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, git2::Error> {
    let mut found = BTreeMap::new();
    let (deleted, added) = deletes_and_adds(repo, base, side)?;
    if deleted.is_empty() || added.is_empty() {
        return Ok(found);
    }
    let empty = Oid::from_str(EMPTY_BLOB)?;
    let sources: Vec<&(Vec<u8>, FileAt)> = deleted.iter().filter(|(_, f)| f.id != empty).collect();
    let dests: Vec<&(Vec<u8>, FileAt)> = added.iter().filter(|(_, f)| f.id != empty).collect();
    let mut src_used = vec![false; sources.len()];
    let mut dst_done = vec![false; dests.len()];

    // 1. Exact renames.
    let mut by_id: HashMap<Oid, Vec<usize>> = HashMap::new();
    for (i, (_, f)) in sources.iter().enumerate() {
        by_id.entry(f.id).or_default().push(i);
    }
    for (j, (dpath, dfile)) in dests.iter().enumerate() {
        let Some(cands) = by_id.get(&dfile.id) else {
            continue;
        };
        let mut best: Option<(usize, u8)> = None;
        for &i in cands.iter().take(100) {
            let (spath, sfile) = sources[i];
            if (!is_regular(sfile.mode) || !is_regular(dfile.mode)) && sfile.mode != dfile.mode {
                continue;
            }
            if src_used[i] {
                continue;
            }
            let score = 1 + u8::from(basename(spath) == basename(dpath));
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((i, score));
                if score == 2 {
                    break;
                }
            }
        }
        if let Some((i, _)) = best {
            src_used[i] = true;
            dst_done[j] = true;
            found.insert(sources[i].0.clone(), dpath.clone());
        }
    }

    // 2. Relevant sources only: the other side changed or deleted them.
    let relevant: Vec<bool> = sources
        .iter()
        .map(|(p, f)| file_at(other, p) != Some(*f))
        .collect();

    // 3. Basename-guided matches (uniqueness among all remaining sources
    //    and all remaining destinations).
    let mut src_base: HashMap<&[u8], Option<usize>> = HashMap::new();
    for (i, (p, _)) in sources.iter().enumerate() {
        if src_used[i] {
            continue;
        }
        src_base
            .entry(basename(p))
            .and_modify(|v| *v = None)
            .or_insert(Some(i));
    }
    let mut dst_base: HashMap<&[u8], Option<usize>> = HashMap::new();
    for (j, (p, _)) in dests.iter().enumerate() {
        if dst_done[j] {
            continue;
        }
        dst_base
            .entry(basename(p))
            .and_modify(|v| *v = None)
            .or_insert(Some(j));
    }
    for i in 0..sources.len() {
        if src_used[i] || !relevant[i] {
            continue;
        }
        let (spath, sfile) = sources[i];
        let b = basename(spath);
        let (Some(Some(si)), Some(Some(j))) = (src_base.get(b), dst_base.get(b)) else {
            continue;
        };
        if *si != i || dst_done[*j] {
            continue;
        }
        let (dpath, dfile) = dests[*j];
        if !is_regular(sfile.mode) || !is_regular(dfile.mode) {
            continue;
        }
        let score = cache.score(repo, sfile.id, dfile.id, MIN_BASENAME_SCORE)?;
        if score < MIN_BASENAME_SCORE {
            continue;
        }
        src_used[i] = true;
        dst_done[*j] = true;
        found.insert(spath.clone(), dpath.clone());
    }

    // 4. The matrix.
    let srcs: Vec<usize> = (0..sources.len())
        .filter(|&i| !src_used[i] && relevant[i])
        .collect();
    let dsts: Vec<usize> = (0..dests.len()).filter(|&j| !dst_done[j]).collect();
    if srcs.is_empty() || dsts.is_empty() {
        return Ok(found);
    }
    let (nd, ns) = (dsts.len() as u64, srcs.len() as u64);
    if !((nd <= RENAME_LIMIT || ns <= RENAME_LIMIT) && nd * ns <= RENAME_LIMIT * RENAME_LIMIT) {
        return Ok(found);
    }
    // (score, same basename, destination, source), best four per destination.
    let mut matrix: Vec<(u64, bool, usize, usize)> = Vec::new();
    for &j in &dsts {
        let (dpath, dfile) = dests[j];
        let mut best: Vec<(u64, bool, usize, usize)> = Vec::with_capacity(5);
        for &i in &srcs {
            let (spath, sfile) = sources[i];
            let score = if is_regular(sfile.mode) && is_regular(dfile.mode) {
                cache.score(repo, sfile.id, dfile.id, MIN_SCORE)?
            } else {
                0
            };
            let same = basename(spath) == basename(dpath);
            best.push((score, same, j, i));
            best.sort_by_key(|c| std::cmp::Reverse((c.0, c.1)));
            best.truncate(4);
        }
        matrix.extend(best);
    }
    matrix.sort_by_key(|c| std::cmp::Reverse((c.0, c.1)));
    for (score, _, j, i) in matrix {
        if score < MIN_SCORE {
            break;
        }
        if dst_done[j] || src_used[i] {
            continue;
        }
        src_used[i] = true;
        dst_done[j] = true;
        found.insert(sources[i].0.clone(), dests[j].0.clone());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_at_newline_and_ignore_cr_before_lf() {
        let a = chunk_counts(b"one\ntwo\n");
        let b = chunk_counts(b"one\r\ntwo\r\n");
        assert_eq!(a.counts, b.counts);
        assert_eq!(a.counts.values().sum::<u64>(), 8);
        // A trailing chunk without a newline counts for nothing.
        assert_eq!(chunk_counts(b"one\ntail").counts.values().sum::<u64>(), 4);
    }

    #[test]
    fn binary_chunks_are_64_bytes() {
        let mut data = vec![0u8; 130];
        data[1] = 7;
        let s = chunk_counts(&data);
        assert_eq!(s.counts.values().sum::<u64>(), 128);
    }
}
