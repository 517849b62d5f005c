//! The upgrade policies (`check`'s built-in sets, the catalogs' and the
//! plan's own) judged at apply time, before anything is deleted or applied.
//!
//! `check` judges a commit against the one before it; the cluster may run
//! something else (an apply that never happened, a change made by hand, a
//! hook that was not installed). So `apply` (and `upgrade`'s apply step)
//! judges each object it is about to apply against what it replaces: the
//! live object in a real run, the render of the revision compared with in a
//! dry run. An object that would not change is not judged (the operator's
//! webhook only judges changes). Errors stop the component before any
//! delete or apply; warnings are printed.

use std::path::Path;

use crate::check::{self, policy, Policy, Severity};
use crate::plan::Plan;
use crate::resource::Resource;
use crate::yaml::Value;

/// The policies in force for `plan` (catalog files read relative to
/// `root`); problems loading them are returned as errors to report.
pub fn load(plan: &Plan, root: Option<&Path>) -> (Vec<Policy>, Vec<String>) {
    let mut problems = Vec::new();
    let mut catalogs = Vec::new();
    for name in &plan.migrations {
        match crate::migrate::catalog::load(name, root.unwrap_or(Path::new("."))) {
            Ok(c) => catalogs.push(c),
            Err(e) => problems.push(e),
        }
    }
    let mut findings = Vec::new();
    let policies = check::active_policies(Some(plan), &catalogs, None, &mut findings);
    problems.extend(findings.iter().map(|f| f.to_string()));
    (policies, problems)
}

/// What the policies say of the objects about to be applied.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `Kind ns/name: set/id: what and why`, for each error.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// Judges each of `new` against `old_of(new)` (what it replaces; `None`
/// when it is new). Objects that would not change are left alone.
pub fn judge<'a>(
    policies: &[Policy],
    new: impl IntoIterator<Item = &'a Resource>,
    old_of: impl Fn(&Resource) -> Option<Value>,
) -> Verdict {
    let mut v = Verdict::default();
    if policies.is_empty() {
        return v;
    }
    for r in new {
        let mut names = vec![r.name()];
        for (_, n) in r.previous.iter().rev() {
            if !names.contains(&n.as_str()) {
                names.push(n.as_str());
            }
        }
        let selected: Vec<&Policy> = policies
            .iter()
            .filter(|p| policy::selects(p, &r.obj, &names, r.namespace()))
            .collect();
        if selected.is_empty() {
            continue;
        }
        let old = old_of(r);
        if old.as_ref() == Some(&r.obj) {
            continue;
        }
        let who = if r.namespace().is_empty() {
            format!("{} {}", r.kind(), r.name())
        } else {
            format!("{} {}/{}", r.kind(), r.namespace(), r.name())
        };
        for p in selected {
            for x in policy::evaluate(p, &r.obj, old.as_ref()) {
                let why = if p.message.is_empty() {
                    x.detail.clone()
                } else {
                    format!("{}; {}", x.detail, p.message)
                };
                let line = format!("{who}: {}: {why}", p.rule_id());
                match p.severity {
                    Severity::Error => v.errors.push(line),
                    _ => v.warnings.push(line),
                }
            }
        }
    }
    v
}
