//! What `rebase --restore`, `rebase --list-backups` and the recovery of an
//! interrupted operation (`--continue`/`--abort`) did, as text for people
//! and as JSON.

use git2::{Oid, Repository};
use serde_json::{json, Value};

use super::backup::{list_backups, RestoreOutcome};
use super::journal::{Op, Recovered, Recovery};
use super::GitError;
use crate::outcome::Outcome;

fn short(x: Oid) -> String {
    x.to_string()[..12].to_string()
}

impl Outcome for RestoreOutcome {
    fn to_json(&self) -> Value {
        json!({
            "branch": self.branch,
            "backup": self.backup,
            "restored": self.restored.to_string(),
            "previous": self.previous.to_string(),
            "previous_backup": self.previous_backup,
            "dry_run": self.dry_run,
        })
    }

    fn to_text(&self) -> String {
        let (branch, backup) = (&self.branch, &self.backup);
        let (previous, restored) = (short(self.previous), short(self.restored));
        let mut t = if self.dry_run {
            format!("Dry run: would reset {branch} from {previous} to {restored} ({backup}).\n")
        } else if self.previous == self.restored {
            format!("{branch} is already at {restored} ({backup}).\n")
        } else {
            format!(
                "Reset {branch} from {previous} to {restored} ({backup}); \
                 index and working tree updated.\n"
            )
        };
        if let Some(p) = &self.previous_backup {
            t.push_str(&format!(
                "The replaced tip is backed up as {p}.\nTo undo: gitops-upgrade rebase --restore {p}\n"
            ));
        }
        t
    }
}

/// One backup ref with the summary of the commit it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupEntry {
    pub name: String,
    pub stamp: String,
    pub target: Oid,
    pub summary: String,
}

/// The backups of a branch, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupList {
    pub branch: String,
    pub backups: Vec<BackupEntry>,
}

impl BackupList {
    pub fn of(repo: &Repository, branch: &str) -> Result<BackupList, GitError> {
        let summary = |id: Oid| {
            repo.find_commit(id)
                .ok()
                .and_then(|c| c.summary().ok().flatten().map(str::to_string))
                .unwrap_or_default()
        };
        let backups = list_backups(repo, branch)?
            .into_iter()
            .map(|b| BackupEntry {
                summary: summary(b.target),
                name: b.name,
                stamp: b.stamp,
                target: b.target,
            })
            .collect();
        Ok(BackupList {
            branch: branch.to_string(),
            backups,
        })
    }
}

impl Outcome for BackupList {
    fn to_json(&self) -> Value {
        self.backups
            .iter()
            .map(|b| {
                json!({
                    "ref": b.name,
                    "stamp": b.stamp,
                    "commit": b.target.to_string(),
                    "summary": b.summary,
                })
            })
            .collect()
    }

    fn to_text(&self) -> String {
        if self.backups.is_empty() {
            return format!("No backups of {} yet.\n", self.branch);
        }
        self.backups
            .iter()
            .map(|b| format!("{}  {}  {}\n", b.name, short(b.target), b.summary))
            .collect()
    }
}

fn op_name(r: &Recovered) -> &'static str {
    match r.op {
        Op::Rebase => "rebase",
        Op::Restore => "restore",
        Op::Commit => "commit of the migration",
    }
}

impl Outcome for Recovered {
    fn to_json(&self) -> Value {
        let abort = self.how == Recovery::Abort;
        json!({
            "operation": op_name(self),
            "action": if abort { "abort" } else { "continue" },
            "branch": self.branch,
            "old": self.old.to_string(),
            "new": self.new.to_string(),
            "head": if abort { self.old } else { self.new }.to_string(),
            "backup": (!abort).then_some(&self.backup),
        })
    }

    /// What was done, and (after a rebase) the next steps.
    fn to_text(&self) -> String {
        let op = op_name(self);
        let branch = &self.branch;
        if self.how == Recovery::Abort {
            return format!(
                "Undid the interrupted {op} of {branch}: branch, index and working tree are back at {}.\n",
                short(self.old)
            );
        }
        if self.op == Op::Commit {
            return format!(
                "Finished the interrupted {op} on {branch}: branch and index at {}.\n",
                short(self.new)
            );
        }
        let b = &self.backup;
        let mut t = format!(
            "Finished the interrupted {op} of {branch}: branch, index and working tree are at {}; \
             the previous tip {} is backed up as {b}.\nTo undo: gitops-upgrade rebase --restore {b}\n",
            short(self.new),
            short(self.old),
        );
        if self.op == Op::Rebase {
            t.push_str(&format!(
                "Next: gitops-upgrade migrate-patches, then gitops-upgrade diff --from {b}\n"
            ));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(c: char) -> Oid {
        Oid::from_str(&c.to_string().repeat(40)).unwrap()
    }

    #[test]
    fn restore_texts() {
        let mut o = RestoreOutcome {
            branch: "main".into(),
            backup: "refs/gitops-upgrade/backups/main/X".into(),
            restored: oid('a'),
            previous: oid('b'),
            previous_backup: Some("refs/gitops-upgrade/backups/main/Y".into()),
            dry_run: false,
        };
        assert_eq!(
            o.to_text(),
            "Reset main from bbbbbbbbbbbb to aaaaaaaaaaaa (refs/gitops-upgrade/backups/main/X); \
             index and working tree updated.\nThe replaced tip is backed up as \
             refs/gitops-upgrade/backups/main/Y.\nTo undo: gitops-upgrade rebase --restore \
             refs/gitops-upgrade/backups/main/Y\n"
        );
        o.previous = o.restored;
        o.previous_backup = None;
        assert_eq!(
            o.to_text(),
            "main is already at aaaaaaaaaaaa (refs/gitops-upgrade/backups/main/X).\n"
        );
        assert_eq!(o.to_json()["restored"], json!("a".repeat(40)));
    }

    #[test]
    fn recovery_texts_name_the_next_step_after_a_rebase_only() {
        let r = Recovered {
            op: Op::Rebase,
            how: Recovery::Continue,
            branch: "main".into(),
            old: oid('1'),
            new: oid('2'),
            backup: "B".into(),
        };
        assert!(r.to_text().ends_with(
            "Next: gitops-upgrade migrate-patches, then gitops-upgrade diff --from B\n"
        ));
        assert_eq!(r.to_json()["head"], json!("2".repeat(40)));
        let a = Recovered {
            how: Recovery::Abort,
            ..r.clone()
        };
        assert_eq!(
            a.to_text(),
            "Undid the interrupted rebase of main: branch, index and working tree are back at 111111111111.\n"
        );
        assert_eq!(a.to_json()["backup"], Value::Null);
        let c = Recovered {
            op: Op::Commit,
            ..r
        };
        assert_eq!(
            c.to_text(),
            "Finished the interrupted commit of the migration on main: branch and index at 222222222222.\n"
        );
    }

    #[test]
    fn no_backups_yet() {
        let l = BackupList {
            branch: "main".into(),
            backups: Vec::new(),
        };
        assert_eq!(l.to_text(), "No backups of main yet.\n");
        assert_eq!(l.to_json(), json!([]));
    }
}
