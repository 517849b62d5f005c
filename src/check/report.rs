//! `check`'s output: the report as finding lines, a summary and JSON, and
//! the list of the policies in force (`--list-policies`).

use std::path::Path;

use serde_json::{json, Value};

use super::{active_policies, policy, Mode, Policy, Report};
use crate::migrate::Catalog;

impl Report {
    /// 1 when there are errors (warnings alone pass).
    pub fn exit_code(&self) -> u8 {
        u8::from(self.errors() > 0)
    }

    /// One line per finding: `path:line:col: rule-id: message`.
    pub fn to_text(&self) -> String {
        self.findings.iter().map(|f| format!("{f}\n")).collect()
    }

    /// The summary line: counts, what was checked, the time it took.
    pub fn summary(&self, ms: f64) -> String {
        let what = if self.whole {
            "the whole repository".to_string()
        } else {
            format!("{} file(s)", self.files.len())
        };
        format!(
            "check: {} error(s), {} warning(s) in {what}; {} root(s) rendered, {} applicable policies, {:.0} ms",
            self.errors(),
            self.warnings(),
            self.roots.len(),
            self.policies,
            ms
        )
    }

    pub fn to_json(&self, mode: Mode) -> Value {
        json!({
            "status": if self.exit_code() == 0 { "clean" } else { "findings" },
            "mode": if mode == Mode::Staged { "staged" } else { "worktree" },
            "whole_repository": self.whole,
            "files": self.files.len(),
            "roots": self.roots,
            "policies": self.policies,
            "errors": self.errors(),
            "warnings": self.warnings(),
            "findings": self.findings.iter().map(|f| json!({
                "path": f.path, "line": f.line, "col": f.col, "rule": f.rule,
                "message": f.message, "severity": f.severity.as_str(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// The policies in force in the work tree at `root`: every built-in set
/// not disabled, the plan's catalogs' and the plan's own.
pub fn policies_in_force(root: &Path) -> Result<Vec<Policy>, String> {
    let plan = crate::plan::load(root).map_err(|e| e.to_string())?;
    let mut catalogs = Vec::new();
    for name in plan.iter().flat_map(|p| &p.migrations) {
        let c = match Catalog::builtin(name) {
            Some(c) => c,
            None => std::fs::read_to_string(root.join(name))
                .map_err(|e| format!("{name}: {e}"))
                .map(|t| Catalog::parse(&t))?,
        };
        catalogs.push(c.map_err(|e| format!("{name}: {}", e.msg))?);
    }
    let mut findings = Vec::new();
    let ps = active_policies(plan.as_ref(), &catalogs, None, &mut findings);
    match findings.first() {
        Some(f) => Err(f.to_string()),
        None => Ok(ps),
    }
}

pub fn policies_json(ps: &[Policy]) -> Value {
    ps.iter()
        .map(|p| {
            json!({
                "rule": p.rule_id(), "set": p.set, "id": p.id, "kind": p.rule.name(),
                "severity": p.severity.as_str(), "description": p.description,
                "select": {"apiVersion": p.select.api_version, "kind": p.select.kind,
                           "name": p.select.name, "namespace": p.select.namespace},
            })
        })
        .collect()
}

/// One line per policy, then how many and how to turn one off.
pub fn policies_text(ps: &[Policy]) -> String {
    let mut t: String = ps
        .iter()
        .map(|p| {
            format!(
                "{:<36} {:<22} {:<18} {}\n",
                p.rule_id(),
                p.rule.name(),
                p.select.kind,
                p.description
            )
        })
        .collect();
    let sets: Vec<String> = policy::builtin_sets().into_iter().map(|s| s.name).collect();
    t.push_str(&format!(
        "{} policies in force (built-in sets: {}; turn one off with `policies: {{disable: [<set>|<set>/<id>]}}` in gitops-upgrade.yaml)\n",
        ps.len(),
        sets.join(", ")
    ));
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Finding, Severity};

    #[test]
    fn findings_summary_and_json() {
        let r = Report {
            findings: vec![Finding {
                path: "a.yaml".into(),
                line: 2,
                col: 3,
                rule: "yaml".into(),
                message: "bad".into(),
                severity: Severity::Warning,
            }],
            files: vec!["a.yaml".into()],
            ..Report::default()
        };
        assert_eq!(r.to_text(), "a.yaml:2:3: yaml: warning: bad\n");
        assert_eq!(r.exit_code(), 0);
        assert_eq!(
            r.summary(12.4),
            "check: 0 error(s), 1 warning(s) in 1 file(s); 0 root(s) rendered, 0 applicable policies, 12 ms"
        );
        let j = r.to_json(Mode::Staged);
        assert_eq!(
            (j["status"].as_str(), j["mode"].as_str()),
            (Some("clean"), Some("staged"))
        );
        assert_eq!(j["findings"][0]["severity"], json!("warning"));
    }

    #[test]
    fn without_a_plan_every_builtin_set_is_in_force() {
        let d = tempfile::tempdir().unwrap();
        let ps = policies_in_force(d.path()).unwrap();
        assert!(!ps.is_empty());
        let t = policies_text(&ps);
        assert!(t.ends_with("in gitops-upgrade.yaml)\n"));
        assert_eq!(t.lines().count(), ps.len() + 1);
        assert_eq!(policies_json(&ps).as_array().unwrap().len(), ps.len());
    }
}
