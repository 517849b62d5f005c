//! The record of an upgrade, `.git/gitops-upgrade/upgrade-state.json`,
//! beside the apply state: which step of the workflow is next, and what the
//! steps before it found (the tips around the rebase, the backup, the roots
//! the rebase left broken, the files the migration changed), so that
//! `upgrade --resume` continues from the step that stopped without doing the
//! earlier ones again. Written atomically after every step.

use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use crate::git::MergeMode;

/// The name of a merge mode, as `--merge` takes it and the state file
/// records it.
pub fn merge_name(m: MergeMode) -> &'static str {
    match m {
        MergeMode::Yaml => "yaml",
        MergeMode::Line => "line",
    }
}

/// The merge mode named `s` (`yaml` or `line`).
pub fn merge_mode(s: &str) -> Option<MergeMode> {
    match s {
        "yaml" => Some(MergeMode::Yaml),
        "line" => Some(MergeMode::Line),
        _ => None,
    }
}

/// The steps of the workflow, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Fetch and replay the local commits onto the new upstream.
    Rebase,
    /// Rewrite the user's overlays with the plan's catalogs.
    Migrate,
    /// A person reviews and commits the migrated files (`--yes` commits).
    Review,
    /// What changes per component, and what must be re-created.
    Summary,
    /// The plan's components, in order: pre-steps, deletes (confirmed),
    /// apply, waits; the apply state records the progress inside the step.
    Apply,
    /// Everything done.
    Done,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Rebase,
        Step::Migrate,
        Step::Review,
        Step::Summary,
        Step::Apply,
        Step::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Rebase => "rebase",
            Step::Migrate => "migrate",
            Step::Review => "review",
            Step::Summary => "summary",
            Step::Apply => "apply",
            Step::Done => "done",
        }
    }

    /// What the step does, for `status`.
    pub fn title(self) -> &'static str {
        match self {
            Step::Rebase => "rebase onto the new upstream",
            Step::Migrate => "migrate-patches with the plan's catalogs",
            Step::Review => "review and commit the migration",
            Step::Summary => "what changes, per component",
            Step::Apply => "apply the components in order",
            Step::Done => "done",
        }
    }

    fn parse(s: &str) -> Option<Step> {
        Step::ALL.iter().copied().find(|x| x.as_str() == s)
    }
}

/// The whole record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeState {
    pub branch: String,
    pub started: String,
    /// The step to run next (the one under way, or the one that stopped).
    pub step: Step,
    /// How the rebase merges files both sides changed (`--merge`), kept
    /// for `--resume`.
    pub merge: MergeMode,
    /// Why the last run stopped at `step`, and how to go on.
    pub stopped: Option<String>,
    /// The tip before the rebase, and after it (hex).
    pub old_tip: Option<String>,
    pub new_tip: Option<String>,
    /// The backup ref the rebase made.
    pub backup: Option<String>,
    /// What the cluster runs, compared with in the summary (hex), and how
    /// it was chosen.
    pub base: Option<String>,
    pub base_label: Option<String>,
    /// Roots the rebase left unrenderable (the migration may fix them).
    pub broken_roots: Vec<String>,
    /// Files the migration changed (relative paths).
    pub migrated_files: Vec<String>,
    /// The commit `--yes` made of the migration.
    pub migration_commit: Option<String>,
    /// When each step finished: (step, UTC stamp).
    pub done: Vec<(Step, String)>,
    pub finished: Option<String>,
}

impl UpgradeState {
    /// The steps as `status` shows them: one line each, done (with when),
    /// stopped (with why), or still to come.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.finished {
            Some(f) => out.push(format!(
                "Upgrade of {}: started {}, finished {f}.",
                self.branch, self.started
            )),
            None => out.push(format!(
                "Upgrade of {}: started {}, at step {} ({}).",
                self.branch,
                self.started,
                self.step.as_str(),
                self.step.title()
            )),
        }
        for (i, s) in Step::ALL[..5].iter().enumerate() {
            let what = match (self.done_at(*s), *s == self.step) {
                (Some(at), _) => format!("done {at}"),
                (None, true) => match &self.stopped {
                    Some(m) => format!("stopped: {m}"),
                    None => "under way".to_string(),
                },
                (None, false) => String::new(),
            };
            out.push(
                format!("  {}. {:<8} {:<42} {what}", i + 1, s.as_str(), s.title())
                    .trim_end()
                    .to_string(),
            );
        }
        if let Some(b) = &self.backup {
            out.push(format!("  backup of the tip before the rebase: {b}"));
        }
        if self.merge != MergeMode::Yaml {
            out.push(format!(
                "  files both sides changed: --merge {}",
                merge_name(self.merge)
            ));
        }
        if self.finished.is_none() {
            out.push("Continue with `gitops-upgrade upgrade --resume`.".to_string());
        }
        out
    }
}

pub use crate::apply::state::StateError;

/// The state file of the repository whose git directory is `git_dir`.
pub fn path(git_dir: &Path) -> PathBuf {
    git_dir.join("gitops-upgrade").join("upgrade-state.json")
}

impl UpgradeState {
    pub fn new(branch: &str, started: String) -> UpgradeState {
        UpgradeState {
            branch: branch.to_string(),
            started,
            step: Step::Rebase,
            merge: MergeMode::Yaml,
            stopped: None,
            old_tip: None,
            new_tip: None,
            backup: None,
            base: None,
            base_label: None,
            broken_roots: Vec::new(),
            migrated_files: Vec::new(),
            migration_commit: None,
            done: Vec::new(),
            finished: None,
        }
    }

    /// Marks the current step done at `at` and moves to `next`.
    pub fn advance(&mut self, next: Step, at: String) {
        self.done.retain(|(s, _)| *s != self.step);
        self.done.push((self.step, at));
        self.step = next;
        self.stopped = None;
    }

    /// When `step` finished, if it did.
    pub fn done_at(&self, step: Step) -> Option<&str> {
        self.done
            .iter()
            .find(|(s, _)| *s == step)
            .map(|(_, at)| at.as_str())
    }

    pub fn to_json(&self) -> Json {
        json!({
            "version": 1,
            "branch": self.branch,
            "started": self.started,
            "step": self.step.as_str(),
            "merge": merge_name(self.merge),
            "stopped": self.stopped,
            "oldTip": self.old_tip,
            "newTip": self.new_tip,
            "backup": self.backup,
            "base": self.base,
            "baseLabel": self.base_label,
            "brokenRoots": self.broken_roots,
            "migratedFiles": self.migrated_files,
            "migrationCommit": self.migration_commit,
            "steps": Step::ALL[..5].iter().map(|s| json!({
                "step": s.as_str(),
                "title": s.title(),
                "done": self.done_at(*s),
            })).collect::<Vec<_>>(),
            "finished": self.finished,
        })
    }

    pub fn from_json(j: &Json) -> Result<UpgradeState, String> {
        if j.get("version").and_then(Json::as_u64) != Some(1) {
            return Err("unknown state format (expected version 1)".into());
        }
        let s = |k: &str| j.get(k).and_then(Json::as_str).map(str::to_string);
        let list = |k: &str| -> Vec<String> {
            j.get(k)
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let step = s("step")
            .and_then(|x| Step::parse(&x))
            .ok_or("no valid step")?;
        // Written before `merge` was recorded: the default.
        let merge = match s("merge") {
            None => MergeMode::Yaml,
            Some(m) => merge_mode(&m).ok_or_else(|| format!("unknown merge mode {m:?}"))?,
        };
        let mut done = Vec::new();
        for e in j
            .get("steps")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(st), Some(at)) = (
                e.get("step").and_then(Json::as_str).and_then(Step::parse),
                e.get("done").and_then(Json::as_str),
            ) else {
                continue;
            };
            done.push((st, at.to_string()));
        }
        Ok(UpgradeState {
            branch: s("branch").ok_or("no branch")?,
            started: s("started").unwrap_or_default(),
            step,
            merge,
            stopped: s("stopped"),
            old_tip: s("oldTip"),
            new_tip: s("newTip"),
            backup: s("backup"),
            base: s("base"),
            base_label: s("baseLabel"),
            broken_roots: list("brokenRoots"),
            migrated_files: list("migratedFiles"),
            migration_commit: s("migrationCommit"),
            done,
            finished: s("finished"),
        })
    }
}

/// Reads the state file; `None` when there is none.
pub fn load(git_dir: &Path) -> Result<Option<UpgradeState>, StateError> {
    crate::apply::state::load_json(&path(git_dir), "upgrade", UpgradeState::from_json)
}

/// Writes the state file atomically.
pub fn save(git_dir: &Path, st: &UpgradeState) -> Result<(), StateError> {
    crate::apply::state::save_json(&path(git_dir), &st.to_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_advance() {
        let mut st = UpgradeState::new("main", "20261206T000000Z".into());
        st.old_tip = Some("a".repeat(40));
        st.merge = MergeMode::Line;
        st.broken_roots = vec!["deploy".into()];
        st.advance(Step::Migrate, "20261206T000001Z".into());
        st.migrated_files = vec!["x.yaml".into()];
        st.advance(Step::Review, "20261206T000002Z".into());
        st.stopped = Some("review the migration".into());
        let back = UpgradeState::from_json(&st.to_json()).unwrap();
        assert_eq!(back, st);
        assert_eq!(back.done_at(Step::Rebase), Some("20261206T000001Z"));
        assert_eq!(back.done_at(Step::Review), None);
    }

    #[test]
    fn save_load_and_bad_files() {
        let d = tempfile::tempdir().unwrap();
        assert!(load(d.path()).unwrap().is_none());
        let st = UpgradeState::new("main", "t".into());
        save(d.path(), &st).unwrap();
        assert_eq!(load(d.path()).unwrap(), Some(st.clone()));
        std::fs::write(path(d.path()), "{").unwrap();
        assert!(load(d.path())
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
        // A state written before `merge` was recorded reads as yaml; an
        // unknown mode is refused.
        let mut j = st.to_json();
        j.as_object_mut().unwrap().remove("merge");
        assert_eq!(UpgradeState::from_json(&j).unwrap().merge, MergeMode::Yaml);
        j["merge"] = json!("octopus");
        assert!(UpgradeState::from_json(&j).is_err());
        std::fs::write(path(d.path()), "{\"version\": 2}").unwrap();
        assert!(load(d.path()).is_err());
    }
}
