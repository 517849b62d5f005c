//! What `status` shows (the recorded upgrade's steps and the apply's
//! component table, as text or JSON), and the one-line message of an
//! upgrade that stopped, with the command that continues it.

use std::path::Path;

use serde_json::{json, Value};

use super::state::{self, UpgradeState};
use super::UpgradeError;
use crate::apply::engine::{self, ApplyError};
use crate::apply::state::{self as apply_state, State, StateError};
use crate::outcome::Outcome;

/// The recorded progress of a repository: its last upgrade and apply.
#[derive(Debug, Clone)]
pub struct Status {
    pub apply: Option<State>,
    pub upgrade: Option<UpgradeState>,
}

impl Status {
    /// Reads both state files below the git directory `git_dir`.
    pub fn load(git_dir: &Path) -> Result<Status, StateError> {
        Ok(Status {
            apply: apply_state::load(git_dir)?,
            upgrade: state::load(git_dir)?,
        })
    }
}

impl Outcome for Status {
    /// The apply state's object, with the upgrade's steps under "upgrade"
    /// when an upgrade is recorded; null when nothing is.
    fn to_json(&self) -> Value {
        let mut j = match (&self.apply, &self.upgrade) {
            (Some(s), _) => s.to_json(),
            (None, Some(_)) => json!({}),
            (None, None) => Value::Null,
        };
        if let (Some(u), Some(obj)) = (&self.upgrade, j.as_object_mut()) {
            obj.insert("upgrade".into(), u.to_json());
        }
        j
    }

    /// The upgrade's steps, then the apply: where it stands, the component
    /// table, re-creates and messages, and how to continue.
    fn to_text(&self) -> String {
        let mut t = String::new();
        let up = self.upgrade.as_ref();
        if let Some(u) = up {
            for l in u.lines() {
                t.push_str(&format!("{l}\n"));
            }
            if self.apply.is_some() {
                t.push('\n');
            }
        }
        let Some(st) = &self.apply else {
            if up.is_none() {
                t.push_str(
                    "No apply recorded in this repository (`gitops-upgrade apply` records one).\n",
                );
            }
            return t;
        };
        let rev = &st.revision[..st.revision.len().min(12)];
        match &st.finished {
            Some(f) => t.push_str(&format!(
                "Applied {rev}: started {}, finished {f}.\n",
                st.started
            )),
            None => {
                let at = st
                    .first_unfinished()
                    .map(|c| format!(", stopped at {} ({})", c.name, c.status.as_str()))
                    .unwrap_or_default();
                t.push_str(&format!("Applying {rev}: started {}{at}.\n", st.started));
            }
        }
        t.push_str(&format!("{}\n", engine::table(st)));
        for c in &st.components {
            if !c.recreated.is_empty() {
                t.push_str(&format!(
                    "{}: re-created {}\n",
                    c.name,
                    c.recreated.join(", ")
                ));
            }
            if let Some(m) = &c.message {
                t.push_str(&format!("{}: {m}\n", c.name));
            }
        }
        if st.finished.is_none() && up.is_none_or(|u| u.finished.is_some()) {
            t.push_str("Continue with `gitops-upgrade apply --resume`.\n");
        }
        t
    }
}

/// The lines describing every interrupted operation (a rebase, restore or
/// migration commit killed part-way, a migration killed while writing) of
/// the repository around `here`, with the commands that finish or undo it.
pub fn interrupted_operations(here: &Path) -> Vec<String> {
    use crate::migrate::journal as mjournal;
    // Every command starts here, `render` and `check` included: find the
    // git directory without opening the repository (which reads its
    // configuration), and open it only when a journal is there.
    let Ok(gitdir) = git2::Repository::discover_path(here, std::iter::empty::<&Path>()) else {
        return mjournal::interrupted(here).unwrap_or_default();
    };
    let journals = [crate::git::journal::FILE, mjournal::FILE_IN_GIT];
    if !journals.iter().any(|f| gitdir.join(f).exists()) {
        return Vec::new();
    }
    let Ok(repo) = git2::Repository::open(&gitdir) else {
        return mjournal::interrupted(here).unwrap_or_default();
    };
    let mut lines = crate::git::journal::interrupted(&repo).unwrap_or_default();
    if let Some(w) = repo.workdir() {
        lines.extend(mjournal::interrupted(w).unwrap_or_default());
    }
    lines
}

/// The message of an upgrade that did not finish, with the command that
/// continues it when the apply step stopped and can resume.
pub fn failure_message(e: &UpgradeError, dry_run: bool) -> String {
    let mut msg = e.to_string();
    if let UpgradeError::Apply(ae) = e {
        if ae.resumable() && !dry_run {
            let yes = matches!(ae, ApplyError::NeedsConfirmation { .. });
            msg.push_str(&format!(
                "; continue with `gitops-upgrade upgrade --resume{}`",
                if yes { " --yes" } else { "" }
            ));
        }
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_recorded() {
        let s = Status {
            apply: None,
            upgrade: None,
        };
        assert_eq!(s.to_json(), Value::Null);
        assert_eq!(
            s.to_text(),
            "No apply recorded in this repository (`gitops-upgrade apply` records one).\n"
        );
    }

    #[test]
    fn an_upgrade_under_way_says_how_to_continue_it_not_the_apply() {
        let u = UpgradeState::new("main", "2026-01-01T00:00:00Z".into());
        let s = Status {
            apply: None,
            upgrade: Some(u.clone()),
        };
        let t = s.to_text();
        assert!(t.starts_with("Upgrade of main: started 2026-01-01T00:00:00Z, at step"));
        assert!(t.ends_with("Continue with `gitops-upgrade upgrade --resume`.\n"));
        assert_eq!(s.to_json()["upgrade"], u.to_json());
    }

    #[test]
    fn only_a_resumable_apply_gets_the_resume_command() {
        let e = UpgradeError::Apply(ApplyError::NoComponents);
        assert_eq!(failure_message(&e, false), e.to_string());
        let e = UpgradeError::Usage("no plan".into());
        assert_eq!(failure_message(&e, false), "no plan");
    }
}
