//! The journal of `migrate-patches`' write: every file's old and new text,
//! written atomically before the first file is touched and removed after
//! the last. Each file is itself written atomically, so a kill at any
//! moment leaves each file either old or new, and the journal says which
//! texts are which: `migrate-patches --continue` writes the rest,
//! `migrate-patches --abort` puts the old texts back.
//!
//! The journal lives in the git directory
//! (`.git/gitops-upgrade/migrate-journal.json`), or, for a directory that
//! is not in a git repository, in that directory
//! (`.gitops-upgrade-migrate-journal.json`).

use std::path::{Path, PathBuf};

use serde_json::json;

use super::engine::FileChange;
use crate::{failpoint, fsutil};

/// The journal's path below a git directory.
pub const FILE_IN_GIT: &str = "gitops-upgrade/migrate-journal.json";
/// Its name in a directory outside any git repository.
pub const FILE_OUTSIDE: &str = ".gitops-upgrade-migrate-journal.json";

/// Where the journal of a migration of `root` lives.
pub fn location(root: &Path) -> PathBuf {
    match git2::Repository::discover(root) {
        Ok(r) if !r.is_bare() => r.path().join(FILE_IN_GIT),
        _ => root.join(FILE_OUTSIDE),
    }
}

/// The root a change's `rel` is relative to.
fn root_of(f: &FileChange) -> PathBuf {
    let depth = Path::new(&f.rel).components().count();
    f.path
        .ancestors()
        .nth(depth)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A journal read back.
#[derive(Debug, Clone)]
pub struct Journal {
    pub at: PathBuf,
    pub files: Vec<FileChange>,
    pub pid: u32,
    pub start: Option<u64>,
}

/// Where each journaled file is now.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub written: Vec<String>,
    pub not_yet: Vec<String>,
    /// Neither the old nor the new text: changed by someone since.
    pub changed: Vec<String>,
}

impl Journal {
    /// The journal at `at`, if any, for the migration of `root` (the
    /// files are recorded relative to it: a moved repository recovers).
    pub fn load(at: &Path, root: &Path) -> Result<Option<Journal>, String> {
        let text = match std::fs::read_to_string(at) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", at.display())),
        };
        let bad = |m: &str| {
            format!(
                "{} is not a journal gitops-upgrade can read ({m}); move it away",
                at.display()
            )
        };
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
        let mut files = Vec::new();
        for f in v["files"].as_array().ok_or_else(|| bad("no files"))? {
            let s = |k: &str| f[k].as_str().map(str::to_string).ok_or_else(|| bad(k));
            let rel = s("rel")?;
            files.push(FileChange {
                path: root.join(&rel),
                rel,
                before: s("before")?,
                after: s("after")?,
            });
        }
        Ok(Some(Journal {
            at: at.to_path_buf(),
            files,
            pid: v["pid"].as_u64().unwrap_or(0) as u32,
            start: v["start"].as_u64(),
        }))
    }

    fn running(&self) -> bool {
        self.pid != std::process::id() && fsutil::process_alive(self.pid, self.start) == Some(true)
    }

    /// Which files are written, which not yet, which changed since.
    pub fn progress(&self) -> Progress {
        let mut p = Progress::default();
        for f in &self.files {
            match std::fs::read(&f.path) {
                Ok(d) if d == f.after.as_bytes() => p.written.push(f.rel.clone()),
                Ok(d) if d == f.before.as_bytes() => p.not_yet.push(f.rel.clone()),
                _ => p.changed.push(f.rel.clone()),
            }
        }
        p
    }

    /// What happened and the two ways out.
    pub fn describe(&self) -> Vec<String> {
        if self.running() {
            return vec![format!(
                "gitops-upgrade migrate-patches is writing {} file(s) right now (process {}); wait for it to finish",
                self.files.len(),
                self.pid
            )];
        }
        let p = self.progress();
        let mut v = vec![format!(
            "gitops-upgrade migrate-patches was interrupted while writing {} file(s): {} written, {} not yet{}.",
            self.files.len(),
            p.written.len(),
            p.not_yet.len(),
            if p.changed.is_empty() {
                String::new()
            } else {
                format!(", {} changed since ({})", p.changed.len(), p.changed.join(", "))
            }
        )];
        v.push(
            "Finish it: gitops-upgrade migrate-patches --continue; undo it: gitops-upgrade migrate-patches --abort."
                .to_string(),
        );
        v
    }
}

/// The lines to show when a migration of `root` was interrupted.
pub fn interrupted(root: &Path) -> Option<Vec<String>> {
    match Journal::load(&location(root), root) {
        Ok(Some(j)) => Some(j.describe()),
        Ok(None) => None,
        Err(m) => Some(vec![m]),
    }
}

fn save(at: &Path, files: &[FileChange]) -> std::io::Result<()> {
    let (pid, start) = fsutil::this_process();
    let v = json!({
        "version": 1,
        "op": "migrate-patches",
        "pid": pid,
        "start": start,
        "files": files.iter().map(|f| json!({
            "rel": f.rel,
            "before": f.before,
            "after": f.after,
        })).collect::<Vec<_>>(),
    });
    if let Some(d) = at.parent() {
        std::fs::create_dir_all(d)?;
    }
    fsutil::write_atomic(at, v.to_string().as_bytes())
}

fn remove(at: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(at) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => {
            if let Some(d) = at.parent() {
                fsutil::sync_dir(d);
            }
            Ok(())
        }
    }
}

/// Writes every file (each atomically) under the journal, or none: when
/// one write fails, the files already written get their old text back.
/// The error names the file.
pub fn write_all(files: &[FileChange]) -> Result<(), String> {
    write_all_held(files)?.release()
}

/// A journal kept after every file was written, until the caller's next
/// step (`upgrade --yes` commits the files) has its own journal.
#[must_use = "release the journal once the next step is recorded"]
pub struct Held(Option<PathBuf>);

impl Held {
    /// Removes the journal.
    pub fn release(self) -> Result<(), String> {
        match &self.0 {
            Some(at) => remove(at).map_err(|e| {
                format!(
                    "every file was written, but {} cannot be removed: {e}",
                    at.display()
                )
            }),
            None => Ok(()),
        }
    }
}

/// [`write_all`], keeping the journal until [`Held::release`]: a kill
/// before that is reported (every file written) and recovered like one
/// during the write.
pub fn write_all_held(files: &[FileChange]) -> Result<Held, String> {
    let Some(first) = files.first() else {
        return Ok(Held(None));
    };
    let root = root_of(first);
    let at = location(&root);
    if let Some(lines) = Journal::load(&at, &root)?.map(|j| j.describe()) {
        return Err(lines.join("\n"));
    }
    save(&at, files)
        .map_err(|e| format!("cannot write {}: {e}; no file was changed", at.display()))?;
    failpoint::hit("migrate.journal-written");
    let mut written: Vec<&FileChange> = Vec::new();
    for f in files {
        if let Err(e) = fsutil::write_atomic(&f.path, f.after.as_bytes()) {
            let mut back = true;
            for w in &written {
                back &= fsutil::write_atomic(&w.path, w.before.as_bytes()).is_ok();
            }
            if back {
                let _ = remove(&at);
                return Err(format!("cannot write {}: {e}; no file was changed", f.rel));
            }
            return Err(format!(
                "cannot write {}: {e}; putting the others back failed too: run gitops-upgrade migrate-patches --abort",
                f.rel
            ));
        }
        written.push(f);
        failpoint::hit("migrate.file-written");
    }
    failpoint::hit("migrate.all-written");
    Ok(Held(Some(at)))
}

/// What [`recover`] did.
#[derive(Debug, Clone)]
pub struct Recovered {
    /// Files it wrote (relative paths).
    pub wrote: Vec<String>,
    /// Every file of the journal.
    pub files: Vec<String>,
}

impl Recovered {
    /// What the recovery did (`abort`: undid the migration).
    pub fn to_text(&self, abort: bool) -> String {
        if abort {
            format!(
                "Undid the interrupted migration: {} file(s) have their old text again ({} rewritten).\n",
                self.files.len(),
                self.wrote.len()
            )
        } else {
            format!(
                "Finished the interrupted migration: {} file(s) migrated ({} written now). \
                 Review them (git diff) and commit.\n",
                self.files.len(),
                self.wrote.len()
            )
        }
    }
}

/// Finishes (`abort` false: every file gets its new text) or undoes
/// (`abort` true: every file gets its old text back) the interrupted
/// migration of `root`. Refuses, changing nothing, when a file holds
/// neither text (changed since) or the writer still runs.
pub fn recover(root: &Path, abort: bool) -> Result<Recovered, Vec<String>> {
    let verb = if abort { "abort" } else { "continue" };
    let at = location(root);
    let j = match Journal::load(&at, root) {
        Ok(Some(j)) => j,
        Ok(None) => {
            return Err(vec![format!(
                "there is no interrupted migrate-patches to {verb}"
            )])
        }
        Err(m) => return Err(vec![m]),
    };
    if j.running() {
        return Err(j.describe());
    }
    let p = j.progress();
    if !p.changed.is_empty() {
        let mut v = vec![format!(
            "{} file(s) hold neither their old nor their migrated text: changed after the interruption; \
             put them back (copy your changes elsewhere) and run again, or remove {} to forget the migration:",
            p.changed.len(),
            at.display()
        )];
        v.extend(p.changed.iter().map(|c| format!("  {c}")));
        return Err(v);
    }
    let mut wrote = Vec::new();
    for f in &j.files {
        fsutil::remove_stale_temps(&f.path);
        let want = if abort { &f.before } else { &f.after };
        if std::fs::read(&f.path).ok().as_deref() != Some(want.as_bytes()) {
            fsutil::write_atomic(&f.path, want.as_bytes()).map_err(|e| {
                vec![format!(
                    "cannot write {}: {e}; run the command again",
                    f.rel
                )]
            })?;
            wrote.push(f.rel.clone());
        }
    }
    remove(&at).map_err(|e| vec![format!("cannot remove {}: {e}", at.display())])?;
    Ok(Recovered {
        wrote,
        files: j.files.iter().map(|f| f.rel.clone()).collect(),
    })
}
