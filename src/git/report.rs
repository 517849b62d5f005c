//! The rebase report, as text for people and as JSON (`--output json`,
//! shape documented in the README, stable: fields are only added).

use git2::Oid;
use serde_json::{json, Value};

use super::replay::{ConflictKind, Replayed, Skipped};
use super::roots::BrokenRoot;

/// A file the upstream deleted and a local commit changed.
#[derive(Debug, Clone)]
pub struct UpstreamDeleted {
    pub path: String,
    /// The local commit whose change met the deletion.
    pub commit: Oid,
    /// `git show <rev>:<path>`, printing the local version.
    pub recover: Option<String>,
}

/// Everything a rebase did (or, with `--dry-run`, would do).
#[derive(Debug, Clone)]
pub struct RebaseReport {
    pub branch: String,
    pub dry_run: bool,
    /// The upstream as given or configured (`origin/main`).
    pub upstream: String,
    /// The remote fetched, if any.
    pub fetched: Option<String>,
    /// Why nothing was fetched, when a fetch was expected.
    pub fetch_note: Option<String>,
    /// Where the upstream ref pointed before the fetch.
    pub upstream_before_fetch: Option<Oid>,
    /// The new upstream commit the local commits now sit on.
    pub upstream_new: Oid,
    /// The old upstream: the merge base of the old tip and the new upstream.
    pub upstream_old: Option<Oid>,
    pub old_tip: Oid,
    pub new_tip: Oid,
    /// The backup ref made at the old tip (not in a dry run).
    pub backup: Option<String>,
    pub replayed: Vec<Replayed>,
    pub skipped: Vec<Skipped>,
    pub dropped: Vec<UpstreamDeleted>,
    pub kept: Vec<UpstreamDeleted>,
    pub broken_roots: Vec<BrokenRoot>,
    pub next_steps: Vec<String>,
}

fn sha(o: Oid) -> String {
    o.to_string()
}

fn short(o: Oid) -> String {
    super::replay::short(o)
}

impl RebaseReport {
    /// The command that undoes the rebase, when something moved.
    pub fn undo(&self) -> Option<String> {
        self.backup
            .as_ref()
            .filter(|_| !self.dry_run && self.old_tip != self.new_tip)
            .map(|b| format!("gitops-upgrade rebase --restore {b}"))
    }

    pub fn to_json(&self) -> Value {
        let conflicts = |list: &[super::replay::Conflict]| -> Vec<Value> {
            list.iter()
                .map(|c| {
                    let mut v = json!({
                        "path": c.path,
                        "kind": c.kind.as_str(),
                        "winner": c.winner.as_str(),
                    });
                    if let ConflictKind::Rename {
                        ancestor,
                        upstream,
                        local,
                    } = &c.kind
                    {
                        v["paths"] =
                            json!({"ancestor": ancestor, "upstream": upstream, "local": local});
                    }
                    v
                })
                .collect()
        };
        let replayed: Vec<Value> = self
            .replayed
            .iter()
            .map(|r| {
                json!({
                    "original": sha(r.original),
                    "new": sha(r.new),
                    "summary": r.summary,
                    "conflicts": conflicts(&r.conflicts),
                })
            })
            .collect();
        let skipped: Vec<Value> = self
            .skipped
            .iter()
            .map(|s| {
                json!({
                    "commit": sha(s.commit),
                    "summary": s.summary,
                    "reason": s.reason.as_str(),
                    "conflicts": conflicts(&s.conflicts),
                })
            })
            .collect();
        let files = |v: &[UpstreamDeleted]| -> Vec<Value> {
            v.iter()
                .map(|d| json!({"path": d.path, "commit": sha(d.commit), "recover": d.recover}))
                .collect()
        };
        let broken: Vec<Value> = self
            .broken_roots
            .iter()
            .map(|b| json!({"root": b.root, "error": b.error, "built_before": b.built_before}))
            .collect();
        json!({
            "branch": self.branch,
            "dry_run": self.dry_run,
            "upstream": {
                "ref": self.upstream,
                "fetched_from": self.fetched,
                "fetch_note": self.fetch_note,
                "before_fetch": self.upstream_before_fetch.map(sha),
                "old": self.upstream_old.map(sha),
                "new": sha(self.upstream_new),
            },
            "old_tip": sha(self.old_tip),
            "new_tip": sha(self.new_tip),
            "backup": self.backup,
            "replayed": replayed,
            "skipped": skipped,
            "dropped_files": files(&self.dropped),
            "kept_files": files(&self.kept),
            "broken_roots": broken,
            "next_steps": self.next_steps,
            "undo": self.undo(),
        })
    }

    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let mut line = |t: String| {
            s.push_str(&t);
            s.push('\n');
        };
        if self.dry_run {
            line("Dry run: nothing was changed.".into());
        }
        if let Some(b) = &self.backup {
            line(format!(
                "Backup of {} at {}: {b}",
                self.branch,
                short(self.old_tip)
            ));
        }
        match &self.fetched {
            Some(r) => line(format!("Fetched {r} (with prune).")),
            None => {
                if let Some(n) = &self.fetch_note {
                    line(format!("Not fetched: {n}."));
                }
            }
        }
        let old = self
            .upstream_old
            .map(short)
            .unwrap_or_else(|| "(no common history)".into());
        line(format!(
            "Upstream {}: {old} -> {}",
            self.upstream,
            short(self.upstream_new)
        ));
        let verb = if self.dry_run { "would move" } else { "moved" };
        if self.old_tip == self.new_tip {
            line(format!(
                "Branch {} is up to date at {}.",
                self.branch,
                short(self.new_tip)
            ));
        } else {
            line(format!(
                "Branch {} {verb}: {} -> {}",
                self.branch,
                short(self.old_tip),
                short(self.new_tip)
            ));
        }
        line(format!(
            "\nReplayed {} commit(s), skipped {}:",
            self.replayed.len(),
            self.skipped.len()
        ));
        for r in &self.replayed {
            line(format!(
                "  replayed  {} -> {}  {}",
                short(r.original),
                short(r.new),
                r.summary
            ));
            for c in &r.conflicts {
                let what = match &c.kind {
                    ConflictKind::Content => {
                        "both changed the same lines; local hunks won".to_string()
                    }
                    ConflictKind::Binary => {
                        "binary file changed on both sides; local version won".into()
                    }
                    ConflictKind::AddAdd => "added on both sides; local version won".into(),
                    ConflictKind::DeletedUpstream => match c.winner {
                        super::replay::Side::Upstream => {
                            "deleted upstream, changed locally; dropped".into()
                        }
                        super::replay::Side::Local => {
                            "deleted upstream, changed locally; kept".into()
                        }
                    },
                    ConflictKind::DeletedLocally => {
                        "changed upstream, deleted locally; stays deleted".into()
                    }
                    ConflictKind::Rename {
                        ancestor,
                        upstream,
                        local,
                    } => format!(
                        "rename conflict (was {}, upstream {}, local {}); local side won",
                        ancestor.as_deref().unwrap_or("-"),
                        upstream.as_deref().unwrap_or("-"),
                        local.as_deref().unwrap_or("-")
                    ),
                };
                line(format!("              conflict {}: {what}", c.path));
            }
        }
        for k in &self.skipped {
            let why = match k.reason {
                super::replay::SkipReason::Merge => {
                    "merge commit, dropped as git rebase does; its changes come through the commits it merged"
                }
                super::replay::SkipReason::AlreadyUpstream => "the upstream already has this change",
                super::replay::SkipReason::BecameEmpty => "became empty on the new upstream",
            };
            line(format!(
                "  skipped   {}  {}  ({why})",
                short(k.commit),
                k.summary
            ));
        }
        if !self.dropped.is_empty() {
            line(format!(
                "\nDropped {} file(s) the upstream deleted and you changed (--on-upstream-delete keep keeps them):",
                self.dropped.len()
            ));
            for d in &self.dropped {
                match &d.recover {
                    Some(r) => line(format!("  {}    recover: {r}", d.path)),
                    None => line(format!("  {}", d.path)),
                }
            }
        }
        if !self.kept.is_empty() {
            line(format!(
                "\nKept {} file(s) the upstream deleted and you changed:",
                self.kept.len()
            ));
            for d in &self.kept {
                line(format!("  {}", d.path));
            }
        }
        if !self.broken_roots.is_empty() {
            line(format!(
                "\n{} kustomization root(s) no longer render:",
                self.broken_roots.len()
            ));
            for b in &self.broken_roots {
                let before = if b.built_before {
                    ""
                } else {
                    " (did not render before either)"
                };
                line(format!("  {}{before}: {}", b.root, b.error));
            }
        }
        if !self.next_steps.is_empty() {
            line("\nNext steps:".into());
            for n in &self.next_steps {
                line(format!("  {n}"));
            }
        }
        if let Some(u) = self.undo() {
            line(format!("To undo: {u}"));
        }
        s
    }
}
