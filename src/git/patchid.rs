//! Patch ids, the way `git rebase` finds local commits that the upstream
//! already contains (`git rev-list --cherry-pick`): the diff of a commit
//! against its first parent, without rename detection, with three lines of
//! context, line numbers and all whitespace ignored, and binary files
//! identified by their blob ids. Two commits with equal ids make the same
//! change, wherever it lands in the file.

use git2::{Commit, DiffOptions, Oid, Patch, Repository};
use sha2::{Digest, Sha256};

/// Git's test for binary content: a NUL byte in the first 8000 bytes.
pub fn is_binary(data: &[u8]) -> bool {
    data.iter().take(8000).any(|&b| b == 0)
}

/// The patch id of a non-merge commit; `None` for merge commits.
pub fn patch_id(repo: &Repository, commit: &Commit<'_>) -> Result<Option<[u8; 32]>, git2::Error> {
    if commit.parent_count() > 1 {
        return Ok(None);
    }
    let new_tree = commit.tree()?;
    let old_tree = match commit.parent_count() {
        0 => None,
        _ => Some(commit.parent(0)?.tree()?),
    };
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(true);
    let diff = repo.diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut opts))?;
    // Per-file hashes, combined order-independently as git sums them.
    let mut files: Vec<[u8; 32]> = Vec::new();
    for delta in diff.deltas() {
        let mut h = Sha256::new();
        let old = delta.old_file();
        let new = delta.new_file();
        let old_mode: i32 = old.mode().into();
        let new_mode: i32 = new.mode().into();
        let old_path = old.path_bytes().unwrap_or_default();
        let new_path = new.path_bytes().unwrap_or_default();
        h.update(b"diff--git a/");
        h.update(strip_ws(old_path));
        h.update(b"b/");
        h.update(strip_ws(new_path));
        let old_exists = !old.id().is_zero();
        let new_exists = !new.id().is_zero();
        if !old_exists {
            h.update(format!("newfilemode{new_mode:o}"));
        } else if !new_exists {
            h.update(format!("deletedfilemode{old_mode:o}"));
        } else if old_mode != new_mode {
            h.update(format!("oldmode{old_mode:o}newmode{new_mode:o}"));
        }
        let old_blob = blob(repo, old.id(), old_exists)?;
        let new_blob = blob(repo, new.id(), new_exists)?;
        let binary = old_blob.as_ref().is_some_and(|b| is_binary(b.content()))
            || new_blob.as_ref().is_some_and(|b| is_binary(b.content()));
        if binary {
            h.update(old.id().to_string());
            h.update(new.id().to_string());
        } else {
            let mut popts = DiffOptions::new();
            popts.context_lines(3).force_text(true);
            let empty: &[u8] = &[];
            let patch = Patch::from_buffers(
                old_blob.as_ref().map_or(empty, |b| b.content()),
                None,
                new_blob.as_ref().map_or(empty, |b| b.content()),
                None,
                Some(&mut popts),
            )?;
            for hunk in 0..patch.num_hunks() {
                for l in 0..patch.num_lines_in_hunk(hunk)? {
                    let line = patch.line_in_hunk(hunk, l)?;
                    match line.origin() {
                        '+' | '-' => {
                            h.update([line.origin() as u8]);
                            h.update(strip_ws(line.content()));
                        }
                        ' ' => h.update(strip_ws(line.content())),
                        _ => {}
                    }
                }
            }
        }
        files.push(h.finalize().into());
    }
    files.sort_unstable();
    let mut all = Sha256::new();
    for f in &files {
        all.update(f);
    }
    Ok(Some(all.finalize().into()))
}

fn blob(repo: &Repository, id: Oid, exists: bool) -> Result<Option<git2::Blob<'_>>, git2::Error> {
    if exists {
        Ok(Some(repo.find_blob(id)?))
    } else {
        Ok(None)
    }
}

fn strip_ws(s: &[u8]) -> Vec<u8> {
    s.iter()
        .copied()
        .filter(|&b| !(b.is_ascii_whitespace() || b == 0x0b))
        .collect()
}
