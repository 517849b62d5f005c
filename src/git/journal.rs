//! The journal of a branch move (`rebase`, `rebase --restore`): what the
//! move is about to do, written atomically to
//! `.git/gitops-upgrade/journal.json` before any ref, the index or the
//! working tree is touched, and removed once the move is complete.
//!
//! A move goes through these steps, each starting with the journal saying
//! which step it is in (so that a lock file a kill left behind can be
//! proven to be ours):
//!
//! 1. `backup`: create the backup ref at the old tip;
//! 2. `checkout`: check out the new tree (libgit2 writes the files one by
//!    one, then the index through `index.lock`);
//! 3. `branch`: move the branch from the old tip to the new one
//!    (compare-and-swap through `<ref>.lock`);
//! 4. remove the journal.
//!
//! The branch is never locked while files are written, so a kill during
//! the checkout leaves no ref lock. A kill at any moment leaves either
//! no journal and the state before (or after) the command, or a journal
//! and a state it describes: the branch at the old or the new tip, each
//! file changed between them at its old content, its new content or part
//! of one of them (the file being written when the kill came), at most
//! our own `index.lock`, `<ref>.lock` or backup-ref lock. From such a
//! state [`recover`] finishes the move (`rebase --continue`) or undoes it
//! (`rebase --abort`); a kill during the recovery leaves a state the
//! journal still describes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use git2::build::CheckoutBuilder;
use git2::{DiffOptions, Oid, Repository, Tree};

use super::error::{Context, GitError};
use super::preflight;
use super::replay::short;
use crate::{failpoint, fsutil};

/// The journal's path below the git directory.
pub const FILE: &str = "gitops-upgrade/journal.json";

/// Which command wrote the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Rebase,
    Restore,
    /// `upgrade --yes` committing the migrated files (no backup ref: the
    /// old tip is the new commit's parent).
    Commit,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Rebase => "rebase",
            Op::Restore => "restore",
            Op::Commit => "commit",
        }
    }
}

/// The step a move was in when the journal was last written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Backup,
    Checkout,
    Branch,
    Continue,
    Abort,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Backup => "backup",
            Phase::Checkout => "checkout",
            Phase::Branch => "branch",
            Phase::Continue => "continue",
            Phase::Abort => "abort",
        }
    }

    fn parse(s: &str) -> Option<Phase> {
        Some(match s {
            "backup" => Phase::Backup,
            "checkout" => Phase::Checkout,
            "branch" => Phase::Branch,
            "continue" => Phase::Continue,
            "abort" => Phase::Abort,
            _ => return None,
        })
    }

    fn while_doing(self) -> &'static str {
        match self {
            Phase::Backup => "before it changed any file",
            Phase::Checkout => "while checking out the new tree",
            Phase::Branch => "while moving the branch",
            Phase::Continue => "while `rebase --continue` finished it",
            Phase::Abort => "while `rebase --abort` undid it",
        }
    }
}

/// What a branch move is about to do.
#[derive(Debug, Clone)]
pub struct Journal {
    pub op: Op,
    /// Short branch name, `main`.
    pub branch: String,
    /// Full ref name, `refs/heads/main`.
    pub refname: String,
    /// The tip before the move.
    pub old: Oid,
    /// The tip after it.
    pub new: Oid,
    /// The backup ref of `old` this move creates.
    pub backup: String,
    /// For the message: `onto origin/main`, `to refs/gitops-upgrade/...`.
    pub what: String,
    pub phase: Phase,
    /// The process that writes it (and its start time, where known).
    pub pid: u32,
    pub start: Option<u64>,
}

/// The journal's path for the repository whose git directory is `git_dir`.
pub fn path(git_dir: &Path) -> PathBuf {
    git_dir.join(FILE)
}

impl Journal {
    /// A journal for a move about to start in this process.
    pub fn new(op: Op, head: &preflight::Head, new: Oid, backup: String, what: String) -> Journal {
        let (pid, start) = fsutil::this_process();
        Journal {
            op,
            branch: head.branch.clone(),
            refname: head.refname.clone(),
            old: head.tip,
            new,
            backup,
            what,
            phase: Phase::Backup,
            pid,
            start,
        }
    }

    fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&serde_json::json!({
            "version": 1,
            "op": self.op.name(),
            "branch": self.branch,
            "ref": self.refname,
            "old": self.old.to_string(),
            "new": self.new.to_string(),
            "backup": self.backup,
            "what": self.what,
            "phase": self.phase.name(),
            "pid": self.pid,
            "start": self.start,
        }))
        .unwrap_or_default();
        s.push('\n');
        s
    }

    fn from_json(text: &str) -> Result<Journal, String> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let s = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .map(str::to_string)
                .ok_or_else(|| format!("no '{k}'"))
        };
        let oid = |k: &str| s(k).and_then(|x| Oid::from_str(&x).map_err(|e| e.to_string()));
        Ok(Journal {
            op: match s("op")?.as_str() {
                "rebase" => Op::Rebase,
                "restore" => Op::Restore,
                "commit" => Op::Commit,
                o => return Err(format!("unknown operation '{o}'")),
            },
            branch: s("branch")?,
            refname: s("ref")?,
            old: oid("old")?,
            new: oid("new")?,
            backup: s("backup")?,
            what: s("what").unwrap_or_default(),
            phase: Phase::parse(&s("phase")?).ok_or("unknown phase")?,
            pid: v.get("pid").and_then(|p| p.as_u64()).unwrap_or(0) as u32,
            start: v.get("start").and_then(|p| p.as_u64()),
        })
    }

    fn save(&self, git_dir: &Path) -> Result<(), GitError> {
        let p = path(git_dir);
        let res = match p.parent() {
            Some(d) => std::fs::create_dir_all(d),
            None => Ok(()),
        }
        .and_then(|_| fsutil::write_atomic(&p, self.to_json().as_bytes()));
        res.map_err(|e| GitError::Update(format!("cannot write {}: {e}", p.display())))
    }

    /// The journal in `git_dir`, if any.
    pub fn load(git_dir: &Path) -> Result<Option<Journal>, GitError> {
        let p = path(git_dir);
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(GitError::Update(format!(
                    "cannot read {}: {e}",
                    p.display()
                )))
            }
        };
        Journal::from_json(&text).map(Some).map_err(|m| {
            GitError::Update(format!(
                "{} is not a journal gitops-upgrade can read ({m}); move it away",
                p.display()
            ))
        })
    }

    /// Whether the process that wrote the journal still runs.
    fn writer_running(&self) -> bool {
        self.pid != std::process::id() && fsutil::process_alive(self.pid, self.start) == Some(true)
    }

    /// What happened and the two ways out, for any command that finds the
    /// journal (`current`: where the branch is now).
    pub fn describe(&self, current: Option<Oid>) -> Vec<String> {
        let cmd = match self.op {
            Op::Rebase => format!("gitops-upgrade rebase ({} {})", self.branch, self.what),
            Op::Restore => format!(
                "gitops-upgrade rebase --restore ({} {})",
                self.branch, self.what
            ),
            Op::Commit => format!("gitops-upgrade upgrade ({} on {})", self.what, self.branch),
        };
        if self.writer_running() {
            return vec![format!(
                "{cmd} is running right now (process {}); wait for it to finish",
                self.pid
            )];
        }
        let at = match current {
            Some(c) if c == self.old => format!("the branch is still at {}", short(self.old)),
            Some(c) if c == self.new => format!("the branch is already at {}", short(self.new)),
            Some(c) => format!("the branch was moved since, to {}", short(c)),
            None => "the branch cannot be read".to_string(),
        };
        vec![
            format!(
                "{cmd} was interrupted {}; {at}, the working tree may be part-way from {} to {}.",
                match (self.op, self.phase) {
                    (Op::Commit, Phase::Checkout) => "while writing the index",
                    (_, p) => p.while_doing(),
                },
                short(self.old),
                short(self.new)
            ),
            format!(
                "Finish it: gitops-upgrade rebase --continue ({}); undo it: gitops-upgrade rebase --abort ({}).",
                short(self.new),
                short(self.old)
            ),
        ]
    }
}

/// The lines to show when the repository has an interrupted move (or one
/// running in another process), `None` when it has none.
pub fn interrupted(repo: &Repository) -> Option<Vec<String>> {
    match Journal::load(repo.path()) {
        Ok(Some(j)) => Some(j.describe(repo.refname_to_id(&j.refname).ok())),
        Ok(None) => None,
        Err(e) => Some(vec![e.to_string()]),
    }
}

/// Refuses (changing nothing) when the repository has an interrupted move.
pub(crate) fn refuse_if_interrupted(repo: &Repository) -> Result<(), GitError> {
    match interrupted(repo) {
        Some(problems) => Err(GitError::Refused { problems }),
        None => Ok(()),
    }
}

fn fp(op: Op, step: &str) {
    if failpoint::any_armed() {
        failpoint::hit(&format!("{}.{step}", op.name()));
    }
}

/// The lock git (and libgit2) take to write `refname`.
fn ref_lock(repo: &Repository, refname: &str) -> PathBuf {
    repo.commondir().join(format!("{refname}.lock"))
}

fn orig_head_lock(repo: &Repository) -> PathBuf {
    repo.path().join("ORIG_HEAD.lock")
}

fn index_lock(repo: &Repository) -> PathBuf {
    repo.path().join("index.lock")
}

/// Refuses when git's locks on the index or the branch exist before we
/// start: another git process is at work, or one was killed.
fn refuse_foreign_locks(repo: &Repository, refname: &str) -> Result<(), GitError> {
    let mut problems = Vec::new();
    for l in [index_lock(repo), ref_lock(repo, refname)] {
        if l.exists() {
            problems.push(format!(
                "{} exists: another git process is running, or one was killed; \
                 if none is running, remove that file",
                rel_to_workdir(repo, &l)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(GitError::Refused { problems })
    }
}

fn rel_to_workdir(repo: &Repository, p: &Path) -> String {
    repo.workdir()
        .and_then(|w| p.strip_prefix(w).ok())
        .unwrap_or(p)
        .display()
        .to_string()
}

fn trees<'r>(repo: &'r Repository, j: &Journal) -> Result<(Tree<'r>, Tree<'r>), GitError> {
    let t = |id: Oid| {
        repo.find_commit(id)
            .and_then(|c| c.tree())
            .ctx(|| format!("cannot read commit {}", short(id)))
    };
    Ok((t(j.old)?, t(j.new)?))
}

/// Moves the checked-out branch, index and working tree from `j.old` to
/// `j.new`, creating the backup ref `j.backup` of the old tip first,
/// under the journal (see the module's documentation). On an error the
/// repository is put back as it was and the journal removed; if even that
/// fails, the journal stays and the error says to run `--abort`.
pub(crate) fn execute(
    repo: &Repository,
    mut j: Journal,
    backup_log: &str,
    log: &str,
) -> Result<(), GitError> {
    let gd = repo.path().to_path_buf();
    refuse_foreign_locks(repo, &j.refname)?;
    let (old_tree, new_tree) = trees(repo, &j)?;
    let short_old = short(j.old);
    let forget = |backup: bool| {
        if backup {
            if let Ok(mut r) = repo.find_reference(&j.backup) {
                let _ = r.delete();
            }
        }
        let _ = std::fs::remove_file(path(&gd));
    };

    j.phase = Phase::Backup;
    j.save(&gd)?;
    fp(j.op, "journal-written");
    if let Err(e) = repo.reference(&j.backup, j.old, false, backup_log) {
        forget(false);
        return Err(GitError::Git {
            context: format!("cannot create backup ref {}", j.backup),
            source: e,
        });
    }
    fp(j.op, "backup-created");

    j.phase = Phase::Checkout;
    if let Err(e) = j.save(&gd) {
        forget(true);
        return Err(e);
    }
    let mut co = CheckoutBuilder::new();
    co.safe();
    if failpoint::any_armed() {
        let op = j.op;
        co.progress(move |_, done, total| {
            if total >= 2 && done == total / 2 {
                fp(op, "checkout-midway");
            }
        });
    }
    if let Err(e) = repo.checkout_tree(new_tree.as_object(), Some(&mut co)) {
        // libgit2 refuses conflicts before it writes anything.
        let rolled = if e.code() == git2::ErrorCode::Conflict {
            Ok(())
        } else {
            force_to(repo, &old_tree, &new_tree)
        };
        let what = format!("cannot update the working tree: {}", e.message());
        return Err(match rolled {
            Ok(()) => {
                forget(true);
                GitError::Update(format!(
                    "{what}; the branch still points at {short_old} and the working tree is unchanged"
                ))
            }
            Err(r) => GitError::Update(format!(
                "{what}; putting the working tree back failed too ({r}): run gitops-upgrade rebase --abort"
            )),
        });
    }
    fp(j.op, "checkout-done");

    j.phase = Phase::Branch;
    let moved = j.save(&gd).and_then(|_| {
        let current = repo
            .refname_to_id(&j.refname)
            .ctx(|| format!("cannot read {}", j.refname))?;
        if current != j.old {
            return Err(GitError::Update(format!(
                "the branch moved to {} while the {} ran",
                short(current),
                j.op.name()
            )));
        }
        repo.reference_matching(&j.refname, j.new, true, j.old, log)
            .ctx(|| "cannot update the branch".into())
            .map(|_| ())
    });
    if let Err(e) = moved {
        return Err(match force_to(repo, &old_tree, &new_tree) {
            Ok(()) => {
                forget(true);
                GitError::Update(format!(
                    "{e}; the working tree was put back at {short_old}, nothing was changed"
                ))
            }
            Err(r) => GitError::Update(format!(
                "{e}; putting the working tree back failed too ({r}): run gitops-upgrade rebase --abort"
            )),
        });
    }
    fp(j.op, "branch-moved");
    // As `git rebase` and `git reset` do: ORIG_HEAD names the tip before, so
    // `git diff ORIG_HEAD` and `gitops-upgrade diff --from ORIG_HEAD` review
    // what changed. Best effort: the backup ref is the durable record.
    let _ = repo.reference("ORIG_HEAD", j.old, true, log);
    remove(&gd)
}

fn remove(git_dir: &Path) -> Result<(), GitError> {
    let p = path(git_dir);
    match std::fs::remove_file(&p) {
        Ok(()) => {
            if let Some(d) = p.parent() {
                fsutil::sync_dir(d);
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(GitError::Update(format!(
            "the operation completed, but {} cannot be removed: {e}",
            p.display()
        ))),
    }
}

/// Brings the working tree and index to `target` from any mix of `target`
/// and `other` (files of one, files of the other, one file part-written):
/// the files only `other` has are removed, every other file is checked out
/// by force (libgit2 compares with HEAD's tree, which is one of the two),
/// and the index is set to `target` (keeping the stat data of unchanged
/// entries). Callers make sure no file holds anything else.
fn force_to(repo: &Repository, target: &Tree<'_>, other: &Tree<'_>) -> Result<(), git2::Error> {
    if let Some(workdir) = repo.workdir() {
        let diff = repo.diff_tree_to_tree(Some(other), Some(target), None)?;
        for d in diff.deltas() {
            if d.status() != git2::Delta::Deleted {
                continue;
            }
            let Some(rel) = d.old_file().path() else {
                continue;
            };
            let p = workdir.join(rel);
            let is_file = p.symlink_metadata().map(|m| !m.is_dir()).unwrap_or(false);
            if is_file && std::fs::remove_file(&p).is_ok() {
                // Directories the removal emptied go too, as git does.
                let mut dir = p.parent();
                while let Some(d) = dir {
                    if d == workdir || std::fs::remove_dir(d).is_err() {
                        break;
                    }
                    dir = d.parent();
                }
            }
        }
    }
    let mut co = CheckoutBuilder::new();
    co.force().recreate_missing(true);
    repo.checkout_tree(target.as_object(), Some(&mut co))?;
    let mut index = repo.index()?;
    index.read(true)?;
    if index.has_conflicts() || index.write_tree()? != target.id() {
        index.read_tree(target)?;
        index.write()?;
    }
    Ok(())
}

/// The tracked files whose content is neither the one of `a` nor the one
/// of `b` nor part of one of them: changes made after the interruption,
/// which a recovery must not overwrite.
fn foreign_changes(repo: &Repository, a: &Tree<'_>, b: &Tree<'_>) -> Result<Vec<String>, GitError> {
    let workdir = repo
        .workdir()
        .ok_or_else(|| GitError::Bare(repo.path().display().to_string()))?
        .to_path_buf();
    let paths = |d: &git2::Diff<'_>| -> HashSet<PathBuf> {
        d.deltas()
            .flat_map(|x| [x.old_file().path(), x.new_file().path()])
            .flatten()
            .map(Path::to_path_buf)
            .collect()
    };
    let between = repo
        .diff_tree_to_tree(Some(a), Some(b), None)
        .ctx(|| "cannot compare the old and new trees".into())?;
    let between = paths(&between);
    let vs_workdir = |t: &Tree<'_>| -> Result<HashSet<PathBuf>, GitError> {
        let mut o = DiffOptions::new();
        o.include_typechange(true).include_untracked(false);
        let d = repo
            .diff_tree_to_workdir(Some(t), Some(&mut o))
            .ctx(|| "cannot compare the working tree".into())?;
        Ok(paths(&d))
    };
    let wa = vs_workdir(a)?;
    let wb = vs_workdir(b)?;
    // Differs from a tree: listed by its diff when the tree has the path,
    // present on disk when it does not.
    let differs = |t: &Tree<'_>, set: &HashSet<PathBuf>, p: &Path| -> bool {
        if t.get_path(p).is_ok() {
            set.contains(p)
        } else {
            workdir.join(p).symlink_metadata().is_ok()
        }
    };
    let mut out = Vec::new();
    let mut all: Vec<&PathBuf> = wa.union(&wb).chain(between.iter()).collect();
    all.sort();
    all.dedup();
    for p in all {
        if !(differs(a, &wa, p) && differs(b, &wb, p)) {
            continue;
        }
        if between.contains(p) && part_written(repo, &workdir, p, a, b) {
            continue;
        }
        out.push(p.display().to_string());
    }
    Ok(out)
}

/// Whether the file at `p` holds the beginning of its content in `a` or
/// `b`: the file a checkout was writing when it was killed.
fn part_written(repo: &Repository, workdir: &Path, p: &Path, a: &Tree<'_>, b: &Tree<'_>) -> bool {
    let Ok(data) = std::fs::read(workdir.join(p)) else {
        return false;
    };
    // Line-ending filters (core.autocrlf, `eol` attributes) write CRs the
    // blob does not have: compare without them too.
    let no_cr = |d: &[u8]| {
        d.iter()
            .copied()
            .filter(|c| *c != b'\r')
            .collect::<Vec<u8>>()
    };
    [a, b].iter().any(|t| {
        t.get_path(p)
            .ok()
            .and_then(|e| repo.find_blob(e.id()).ok())
            .is_some_and(|blob| {
                blob.content().starts_with(&data)
                    || no_cr(blob.content()).starts_with(&no_cr(&data))
            })
    })
}

/// Removes the lock files a kill of the journaled process left behind,
/// each only when the journal proves it ours: the journal's step is the
/// one that takes that lock, the lock is not older than the journal, and
/// its content is what we write there. Any other lock is refused.
fn clear_our_locks(repo: &Repository, j: &Journal, since: SystemTime) -> Result<(), GitError> {
    let line = |id: Oid| format!("{id}\n").into_bytes();
    let prefix_of = |data: &[u8], full: &[u8]| full.starts_with(data);
    let candidates: [(PathBuf, bool, Vec<Vec<u8>>); 4] = [
        (
            index_lock(repo),
            matches!(j.phase, Phase::Checkout | Phase::Continue | Phase::Abort),
            vec![b"DIRC".to_vec()],
        ),
        (
            ref_lock(repo, &j.refname),
            matches!(j.phase, Phase::Branch | Phase::Continue | Phase::Abort),
            vec![line(j.old), line(j.new)],
        ),
        (
            ref_lock(repo, &j.backup),
            // created by the move, created again by --continue, deleted
            // by --abort (libgit2 locks a ref it deletes)
            matches!(j.phase, Phase::Backup | Phase::Continue | Phase::Abort),
            vec![line(j.old)],
        ),
        (
            // written after the branch moved, before the journal goes,
            // and again by --continue
            orig_head_lock(repo),
            matches!(j.phase, Phase::Branch | Phase::Continue),
            vec![line(j.old)],
        ),
    ];
    let mut problems = Vec::new();
    for (lock, phase_ok, contents) in candidates {
        if j.backup.is_empty() && lock == ref_lock(repo, &j.backup) {
            continue; // no backup ref in this operation
        }
        let Ok(meta) = lock.symlink_metadata() else {
            continue;
        };
        let data = std::fs::read(&lock).unwrap_or_default();
        let recent = meta
            .modified()
            .map(|m| m + Duration::from_secs(2) >= since)
            .unwrap_or(false);
        let content_ok = contents.iter().any(|c| {
            // The index lock holds a whole index: check its signature.
            if c.as_slice() == b"DIRC" {
                prefix_of(&data[..data.len().min(4)], c)
            } else {
                prefix_of(&data, c)
            }
        });
        if phase_ok && recent && content_ok && meta.is_file() {
            std::fs::remove_file(&lock)
                .map_err(|e| GitError::Update(format!("cannot remove {}: {e}", lock.display())))?;
        } else {
            problems.push(format!(
                "{} exists and is not from the interrupted operation: another git process \
                 is running, or one was killed; if none is running, remove that file and run again",
                rel_to_workdir(repo, &lock)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(GitError::Refused { problems })
    }
}

/// `rebase --continue` or `rebase --abort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    Continue,
    Abort,
}

/// What [`recover`] did.
#[derive(Debug, Clone)]
pub struct Recovered {
    pub op: Op,
    pub how: Recovery,
    pub branch: String,
    pub old: Oid,
    pub new: Oid,
    /// The backup ref of the old tip (kept by `--continue`, removed by
    /// `--abort`).
    pub backup: String,
}

/// Finishes (`Continue`: tree, index and branch at the new tip, the backup
/// ref in place) or undoes (`Abort`: the old tip checked out again, the
/// backup ref this move made removed) the interrupted move recorded in
/// the journal of the repository containing `dir`.
pub fn recover(dir: &Path, how: Recovery) -> Result<Recovered, GitError> {
    let repo = preflight::open(dir)?;
    let gd = repo.path().to_path_buf();
    let verb = match how {
        Recovery::Continue => "continue",
        Recovery::Abort => "abort",
    };
    let refuse = |p: String| GitError::Refused { problems: vec![p] };
    let Some(mut j) = Journal::load(&gd)? else {
        return Err(refuse(format!(
            "there is no interrupted rebase or restore to {verb} (no {FILE} in the git directory)"
        )));
    };
    if j.writer_running() {
        return Err(GitError::Refused {
            problems: j.describe(None),
        });
    }
    let since = std::fs::metadata(path(&gd))
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let on_branch = repo
        .find_reference("HEAD")
        .ok()
        .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string));
    if on_branch.as_deref() != Some(j.refname.as_str()) {
        return Err(refuse(format!(
            "HEAD is no longer on {}: switch back to it (git switch {}) and run again",
            j.branch, j.branch
        )));
    }
    let current = repo
        .refname_to_id(&j.refname)
        .ctx(|| format!("cannot read {}", j.refname))?;
    if current != j.old && current != j.new {
        return Err(refuse(format!(
            "{} is at {}, neither the old tip {} nor the new {}: it was moved after the \
             interruption, so there is nothing left to {verb}; remove .git/{FILE} to forget it",
            j.branch,
            short(current),
            short(j.old),
            short(j.new)
        )));
    }
    clear_our_locks(&repo, &j, since)?;
    let (a, b) = trees(&repo, &j)?;
    let foreign = foreign_changes(&repo, &a, &b)?;
    if !foreign.is_empty() {
        let mut problems = vec![format!(
            "{} file(s) were changed after the interruption (their content is neither {}'s nor {}'s); \
             copy your changes elsewhere, put the files back (git checkout -- <file>), then run again:",
            foreign.len(),
            short(j.old),
            short(j.new)
        )];
        problems.extend(foreign.into_iter().map(|p| format!("  {p}")));
        return Err(GitError::Refused { problems });
    }

    j.phase = match how {
        Recovery::Continue => Phase::Continue,
        Recovery::Abort => Phase::Abort,
    };
    j.save(&gd)?;
    failpoint::hit("recover.journal-written");
    let log = format!("gitops-upgrade rebase --{verb} ({})", j.op.name());
    let (target, tree, other) = match how {
        Recovery::Continue => (j.new, &b, &a),
        Recovery::Abort => (j.old, &a, &b),
    };
    if how == Recovery::Continue && !j.backup.is_empty() {
        match repo.find_reference(&j.backup) {
            Ok(r) if r.target() == Some(j.old) => {}
            Ok(_) => {
                return Err(refuse(format!(
                    "the backup ref {} exists but does not point at {}",
                    j.backup,
                    short(j.old)
                )))
            }
            Err(_) => {
                repo.reference(&j.backup, j.old, false, &log)
                    .ctx(|| format!("cannot create backup ref {}", j.backup))?;
            }
        }
    }
    force_to(&repo, tree, other).ctx(|| {
        format!(
            "cannot check out {} (nothing is lost: run the command again)",
            short(target)
        )
    })?;
    failpoint::hit("recover.checkout-done");
    if current != target {
        repo.reference_matching(&j.refname, target, true, current, &log)
            .ctx(|| format!("cannot move {}", j.refname))?;
    }
    failpoint::hit("recover.branch-moved");
    if how == Recovery::Continue {
        // as the uninterrupted operation leaves it (best effort)
        let _ = repo.reference("ORIG_HEAD", j.old, true, &log);
    }
    if how == Recovery::Abort && !j.backup.is_empty() {
        if let Ok(mut r) = repo.find_reference(&j.backup) {
            if r.target() == Some(j.old) {
                let _ = r.delete();
            }
        }
    }
    remove(&gd)?;
    Ok(Recovered {
        op: j.op,
        how,
        branch: j.branch,
        old: j.old,
        new: j.new,
        backup: j.backup,
    })
}

/// Commits `files` (paths relative to the working tree, whose content is
/// already there) on the checked-out branch, under the journal (once it is
/// written, `journaled` is called): the
/// commit object is made first, then the journal, then the index
/// (`index.lock`), then the branch moves (`<ref>.lock`). A kill leaves no
/// journal and nothing committed, or a journal that `rebase --continue`
/// finishes (index and branch at the commit) and `rebase --abort` undoes
/// (the files, index and branch as at the old tip).
pub fn commit_files(
    repo: &Repository,
    files: &[String],
    message: &str,
    sig: &git2::Signature<'_>,
    journaled: impl FnOnce(),
) -> Result<Oid, GitError> {
    refuse_if_interrupted(repo)?;
    let head = match preflight::head(repo)? {
        Ok(h) => h,
        Err(p) => return Err(GitError::Refused { problems: vec![p] }),
    };
    refuse_foreign_locks(repo, &head.refname)?;
    let parent = repo
        .find_commit(head.tip)
        .ctx(|| format!("cannot read commit {}", short(head.tip)))?;
    // The repository's index, changed in memory only until written below.
    let mut index = repo.index().ctx(|| "cannot read the index".into())?;
    for f in files {
        index
            .add_path(Path::new(f))
            .ctx(|| format!("cannot add {f} to the index"))?;
    }
    let tree_id = index.write_tree().ctx(|| "cannot write the tree".into())?;
    let tree = repo
        .find_tree(tree_id)
        .ctx(|| "cannot read the tree".into())?;
    let id = repo
        .commit(None, sig, sig, message, &tree, &[&parent])
        .ctx(|| "cannot make the commit".into())?;
    let gd = repo.path().to_path_buf();
    let mut j = Journal::new(
        Op::Commit,
        &head,
        id,
        String::new(),
        "committing the migration".into(),
    );
    j.phase = Phase::Checkout;
    j.save(&gd)?;
    // From here the commit's journal describes the state: the caller can
    // drop the journal of what came before (the migration's).
    journaled();
    failpoint::hit("commit.journal-written");
    index.write().ctx(|| "cannot write the index".into())?;
    failpoint::hit("commit.index-written");
    j.phase = Phase::Branch;
    j.save(&gd)?;
    let log = format!("commit: {}", message.lines().next().unwrap_or_default());
    repo.reference_matching(&head.refname, id, true, head.tip, &log)
        .ctx(|| format!("cannot move {}", head.refname))?;
    failpoint::hit("commit.branch-moved");
    remove(&gd)?;
    Ok(id)
}
