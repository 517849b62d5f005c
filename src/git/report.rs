//! The rebase report, as text for people and as JSON (`--output json`,
//! shape documented in the README, stable: fields are only added).

use git2::Oid;
use serde_json::{json, Value};

use super::replay::{ConflictKind, FileMerge, FileMergeResult, Replayed, Skipped};
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
    /// Files both sides changed under `--merge yaml`: merged by structure
    /// (with every override), or left to the line merge and why.
    pub merges: Vec<FileMerge>,
    /// The remote the backup ref was pushed to (`--push-backup`).
    pub backup_pushed: Option<String>,
    /// Why pushing the backup ref failed (the rebase itself succeeded).
    pub push_error: Option<String>,
}

/// A value on one line: plain scalars as they are, others as JSON.
fn show_value(v: &Option<crate::yaml::Value>) -> String {
    use crate::yaml::Value as V;
    match v {
        None => "(deleted)".into(),
        Some(V::Str(s))
            if !s.is_empty()
                && !s.contains(['\n', '"', ','])
                && !s.starts_with(' ')
                && !s.ends_with(' ') =>
        {
            s.clone()
        }
        Some(v) => {
            let s = crate::diff::report::to_json_value(v).to_string();
            match s.char_indices().nth(80) {
                Some((i, _)) => format!("{}...", &s[..i]),
                None => s,
            }
        }
    }
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

    /// `git show <upstream>:<path>`: the vendor's version of a file.
    pub fn show_upstream(&self, m: &FileMerge) -> String {
        format!("git show {}:{}", short(self.upstream_new), m.upstream_path)
    }

    /// Files merged by structure, vendor changes kept in them, overrides,
    /// files left to the line merge.
    pub fn merge_counts(&self) -> (usize, usize, usize, usize) {
        let mut c = (0, 0, 0, 0);
        for m in &self.merges {
            match &m.result {
                FileMergeResult::Merged {
                    overrides,
                    vendor_changes,
                } => {
                    c.0 += 1;
                    c.1 += vendor_changes;
                    c.2 += overrides.len();
                }
                FileMergeResult::LineFallback { .. } => c.3 += 1,
            }
        }
        c
    }

    fn merges_json(&self) -> Value {
        let list: Vec<Value> = self
            .merges
            .iter()
            .map(|m| {
                let show = self.show_upstream(m);
                let mut v = json!({
                    "commit": sha(m.commit),
                    "path": m.path,
                    "upstream_path": m.upstream_path,
                    "show_upstream": show,
                });
                match &m.result {
                    FileMergeResult::Merged {
                        overrides,
                        vendor_changes,
                    } => {
                        v["mode"] = json!("yaml");
                        v["vendor_changes_kept"] = json!(vendor_changes);
                        v["overrides"] = overrides
                            .iter()
                            .map(|o| {
                                let val = |x: &Option<crate::yaml::Value>| {
                                    x.as_ref().map(crate::diff::report::to_json_value)
                                };
                                json!({
                                    "document": o.document,
                                    "path": o.path_text(),
                                    "upstream": val(&o.vendor),
                                    "upstream_deleted": o.vendor.is_none(),
                                    "kept": val(&o.kept),
                                    "kept_deleted": o.kept.is_none(),
                                    "masked": o.masked,
                                    "show_upstream": show,
                                })
                            })
                            .collect();
                    }
                    FileMergeResult::LineFallback { reason } => {
                        v["mode"] = json!("line");
                        v["reason"] = json!(reason);
                    }
                }
                v
            })
            .collect();
        let (files, kept, overrides, fallbacks) = self.merge_counts();
        json!({
            "files_merged": files,
            "vendor_changes_kept": kept,
            "overrides": overrides,
            "line_fallbacks": fallbacks,
            "files": list,
        })
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
            "yaml_merge": self.merges_json(),
            "backup_pushed_to": self.backup_pushed,
            "backup_push_error": self.push_error,
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
                    ConflictKind::Content => match self
                        .merges
                        .iter()
                        .find(|m| m.commit == r.original && m.path == c.path)
                        .map(|m| &m.result)
                    {
                        Some(FileMergeResult::Merged { overrides, .. }) => format!(
                            "both changed the same lines; merged as YAML, {} override(s)",
                            overrides.len()
                        ),
                        _ => "both changed the same lines; local hunks won".to_string(),
                    },
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
        for t in self.merges_text() {
            line(t);
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
        if let Some(r) = &self.backup_pushed {
            line(format!("Pushed the backup ref to {r}.",));
        }
        if let (Some(e), Some(b)) = (&self.push_error, &self.backup) {
            line(format!(
                "Could not push the backup ref: {e}\nRetry with: git push <remote> {b}:{b}"
            ));
        }
        if let Some(u) = self.undo() {
            line(format!("To undo: {u}"));
        }
        s
    }

    /// The YAML merge section of the text report.
    fn merges_text(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.merges.is_empty() {
            return out;
        }
        let (files, kept, overrides, fallbacks) = self.merge_counts();
        if files > 0 {
            out.push(format!(
                "\nMerged as YAML: {files} file(s) both sides changed; {kept} upstream change(s) kept next to yours; {overrides} override(s):"
            ));
            for m in &self.merges {
                if let FileMergeResult::Merged {
                    overrides,
                    vendor_changes,
                } = &m.result
                {
                    out.push(format!(
                        "  {}  ({}): {vendor_changes} upstream change(s) kept, {} override(s)",
                        m.path,
                        short(m.commit),
                        overrides.len()
                    ));
                }
            }
        }
        if overrides > 0 {
            out.push("\nOverrides (both sides changed the value; yours was kept):".into());
            for m in &self.merges {
                let FileMergeResult::Merged { overrides, .. } = &m.result else {
                    continue;
                };
                for o in overrides {
                    let doc = o
                        .document
                        .as_ref()
                        .map(|d| format!(" [{d}]"))
                        .unwrap_or_default();
                    let values = if o.masked {
                        "Secret value, hidden".to_string()
                    } else {
                        format!(
                            "upstream {}, kept {}",
                            show_value(&o.vendor),
                            show_value(&o.kept)
                        )
                    };
                    out.push(format!(
                        "  {}{doc} {}: {values}    upstream's file: {}",
                        m.path,
                        o.path_text(),
                        self.show_upstream(m)
                    ));
                }
            }
        }
        if fallbacks > 0 {
            out.push(format!(
                "\nMerged line by line, your hunks winning ({fallbacks} YAML file(s) not merged as YAML):"
            ));
            for m in &self.merges {
                if let FileMergeResult::LineFallback { reason } = &m.result {
                    out.push(format!(
                        "  {}  ({}): {reason}; upstream's version: {}",
                        m.path,
                        short(m.commit),
                        self.show_upstream(m)
                    ));
                }
            }
        }
        out
    }
}

impl crate::outcome::Outcome for RebaseReport {
    fn to_text(&self) -> String {
        RebaseReport::to_text(self)
    }
    fn to_json(&self) -> Value {
        RebaseReport::to_json(self)
    }
}
