//! What `apply` and `upgrade` apply: the commit at HEAD, with the plan as
//! committed there, and the catalogs' re-create hints. Library functions so
//! that the command line and the upgrade workflow share them.

use std::path::Path;

use crate::diff::RecreateHint;
use crate::plan::{self, Plan};

/// The message for a repository without a plan: how to write one.
pub fn no_plan_message(root: &Path) -> String {
    format!(
        "no {} in {}: write one with `gitops-upgrade init --preset <name>` ({}), \
         or see docs/plan.md",
        plan::FILE_NAME,
        root.display(),
        super::presets::PRESETS
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The plan of the work tree at `root`, or a message saying how to make
/// one (or what is wrong with it).
pub fn load_plan(root: &Path) -> Result<Plan, String> {
    match plan::load(root) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(no_plan_message(root)),
        Err(e) => Err(e.to_string()),
    }
}

/// The plan as committed in `tree`: apply applies a commit, plan included.
pub fn committed_plan(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    root: &Path,
) -> Result<Plan, String> {
    let blob = tree
        .get_path(Path::new(plan::FILE_NAME))
        .ok()
        .and_then(|e| repo.find_blob(e.id()).ok());
    let Some(blob) = blob else {
        // Not committed: say how to make one, or that it must be committed.
        load_plan(root)?;
        return Err(format!(
            "{} is not committed: apply uses the commit at HEAD, plan included; commit it first",
            plan::FILE_NAME
        ));
    };
    let text = std::str::from_utf8(blob.content())
        .map_err(|_| format!("{}:1:1: not UTF-8 text", plan::FILE_NAME))?;
    plan::parse(text, plan::FILE_NAME).map_err(|e| e.to_string())
}

/// The `recreate` hints of the plan's catalogs (catalog files are read
/// relative to `root`), as `diff` uses them.
pub fn catalog_hints(plan: &Plan, root: &Path) -> Result<Vec<RecreateHint>, String> {
    let mut out = Vec::new();
    for name in &plan.migrations {
        let c = crate::migrate::catalog::load(name, root)?;
        out.extend(crate::diff::recreate_hints_of(&c));
    }
    Ok(out)
}

/// Paths of the plan's components with uncommitted changes: apply uses the
/// commit, so those changes are not applied.
pub fn uncommitted_under(repo: &git2::Repository, plan: &Plan) -> Vec<String> {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    let Ok(st) = repo.statuses(Some(&mut opts)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in st.iter() {
        let Ok(p) = e.path() else { continue };
        if e.status().is_ignored() {
            continue;
        }
        if plan
            .components
            .iter()
            .any(|c| {
                !c.path.is_empty() && (p == c.path || p.starts_with(&format!("{}/", c.path)))
            } || p == plan::FILE_NAME)
            && !out.contains(&p.to_string())
        {
            out.push(p.to_string());
        }
    }
    out
}
