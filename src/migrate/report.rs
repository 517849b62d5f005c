//! `migrate-patches` as one call: the request resolved (catalogs from the
//! flags or the plan, the directories, whose files may be edited), the
//! plan made and then checked, shown as a diff or written, the affected
//! roots rendered; and the result as a [`Report`] with its text, JSON and
//! exit code. The command line only parses the flags and prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::catalog::{self, Catalog, Hints};
use super::engine::{self, Plan, Problem};
use super::owner::{self, Basis, Ownership};
use crate::outcome::Outcome;

/// What to do with the plan.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Write the migrated files, then render the affected roots.
    Write,
    /// Write nothing; a pending migration is a finding (exit 1).
    Check,
    /// Write nothing; the report carries the unified diff.
    DryRun,
}

/// A `migrate-patches` run, as the flags ask for it.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The current directory: paths and catalog files are relative to it.
    pub here: &'a Path,
    /// Catalog names or files; empty: the plan's `migrations:` list.
    pub catalogs: &'a [String],
    /// `--set KEY=VALUE` pairs, unparsed.
    pub sets: &'a [String],
    /// Kustomization directories, or files to treat as the user's.
    pub paths: &'a [PathBuf],
    /// The revision the user's commits are counted from.
    pub upstream: Option<&'a str>,
    /// Edit every file, the vendor's too.
    pub include_vendor_files: bool,
    pub mode: Mode,
}

/// A usage problem or a failed write: one message and its exit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MigrateError {
    pub code: u8,
    pub message: String,
}

fn usage(message: impl Into<String>) -> MigrateError {
    MigrateError {
        code: 2,
        message: message.into(),
    }
}

/// How the run ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Problems: nothing written.
    Failed,
    NothingToMigrate,
    /// `Check`: files need migrating.
    Pending,
    DryRun,
    Migrated,
    /// The files could not be written (the journal says how to recover).
    WriteFailed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Failed | Status::WriteFailed => "failed",
            Status::NothingToMigrate => "nothing-to-migrate",
            Status::Pending => "pending",
            Status::DryRun => "dry-run",
            Status::Migrated => "migrated",
        }
    }
}

/// What a run found and did.
#[derive(Debug)]
pub struct Report {
    pub catalogs: Vec<String>,
    pub plan: Plan,
    pub hints: Hints,
    /// `None`: every file may be edited (`--include-vendor-files`).
    pub ownership: Option<Ownership>,
    pub status: Status,
    /// The unified diff of a dry run.
    pub diff: Option<String>,
    /// Roots that no longer render after the write: path, error.
    pub broken_roots: Vec<(String, String)>,
    /// Why the write failed.
    pub write_error: Option<String>,
}

/// `--set KEY=VALUE` pairs as a map.
pub fn parse_sets(sets: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for s in sets {
        let Some((k, v)) = s.split_once('=') else {
            return Err(format!("--set {s}: expected KEY=VALUE"));
        };
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

fn canon(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The top of the work tree around `here`, canonical.
pub fn repo_root(here: &Path) -> PathBuf {
    canon(&catalog::work_tree_root(here))
}

/// Resolves the request, makes the plan and carries it out.
pub fn run(req: &Request<'_>) -> Result<Report, MigrateError> {
    let root = repo_root(req.here);
    let sets = parse_sets(req.sets).map_err(usage)?;
    let specs = if req.catalogs.is_empty() {
        let from_plan = catalog::plan_catalog_names(&root).map_err(usage)?;
        if from_plan.is_empty() {
            return Err(usage(
                "no catalog: pass --catalog <name|file> (see `gitops-upgrade migrations list`) \
                 or list them under `migrations:` in gitops-upgrade.yaml",
            ));
        }
        from_plan
    } else {
        req.catalogs.to_vec()
    };
    let catalogs = specs
        .iter()
        .map(|s| catalog::load(s, req.here))
        .collect::<Result<Vec<Catalog>, _>>()
        .map_err(usage)?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut named: Vec<String> = Vec::new();
    for p in req.paths {
        let d = canon(&req.here.join(p));
        let relp = d
            .strip_prefix(&root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .map_err(|_| usage(format!("{}: not inside the repository", p.display())))?;
        let relp = if relp.is_empty() { ".".into() } else { relp };
        if !d.is_file() {
            if engine::kustomization_file(&d).is_none() {
                return Err(usage(format!(
                    "{}: neither a kustomization directory nor a file",
                    p.display()
                )));
            }
            dirs.push(d);
        }
        named.push(relp);
    }
    if dirs.is_empty() {
        dirs = engine::find_kustomizations(&root);
    }
    let ownership = if req.include_vendor_files {
        None
    } else {
        Some(owner::of_repo(&root, req.upstream, &named).map_err(usage)?)
    };
    let owns = |rel: &str| ownership.as_ref().is_none_or(|o| o.owns(rel));
    let plan = super::plan(&engine::Options {
        root: &root,
        dirs: &dirs,
        catalogs: &catalogs,
        sets: &sets,
        editable: Some(&owns),
    });
    let mut report = Report {
        catalogs: catalogs.iter().map(|c| c.name.clone()).collect(),
        hints: super::hints(&catalogs),
        plan,
        ownership,
        status: Status::Failed,
        diff: None,
        broken_roots: Vec::new(),
        write_error: None,
    };
    let plan = &report.plan;
    report.status = if !plan.problems.is_empty() {
        Status::Failed
    } else if plan.files.is_empty() {
        Status::NothingToMigrate
    } else {
        match req.mode {
            Mode::Check => Status::Pending,
            Mode::DryRun => {
                let d = plan
                    .files
                    .iter()
                    .map(|f| crate::textdiff::file_diff(&f.rel, &f.before, &f.after))
                    .collect();
                report.diff = Some(d);
                Status::DryRun
            }
            Mode::Write => match super::journal::write_all(&plan.files) {
                Err(m) => {
                    report.write_error = Some(m);
                    Status::WriteFailed
                }
                Ok(()) => {
                    for r in &plan.affected_roots {
                        if let Err(e) = crate::kustomize::render_dir(r) {
                            let rel = r.strip_prefix(&root).unwrap_or(r);
                            report
                                .broken_roots
                                .push((rel.to_string_lossy().into_owned(), e.to_string()));
                        }
                    }
                    Status::Migrated
                }
            },
        }
    };
    Ok(report)
}

fn problem_json(p: &Problem) -> Value {
    json!({"path": p.path, "line": p.line, "col": p.col, "message": p.message})
}

/// The hints as JSON (`recreate`, `apply_first`).
pub fn hints_json(h: &Hints) -> Value {
    json!({
        "recreate": h.recreate.iter().map(|r| json!({
            "apiVersion": r.api_version, "kind": r.kind, "namespace": r.namespace, "name": r.name,
        })).collect::<Vec<_>>(),
        "apply_first": h.apply_first.iter().map(|a| json!({
            "name": a.name, "path": a.path, "description": a.description,
        })).collect::<Vec<_>>(),
    })
}

impl Report {
    /// 0 done or nothing to do; 1 problems, a pending migration, a failed
    /// write or a root that no longer renders.
    pub fn exit_code(&self) -> u8 {
        match self.status {
            Status::NothingToMigrate | Status::DryRun => 0,
            Status::Migrated => u8::from(!self.broken_roots.is_empty()),
            Status::Failed | Status::Pending | Status::WriteFailed => 1,
        }
    }

    /// The lines for standard error of the text output: whose files are
    /// edited, the warnings, the problems.
    pub fn notes(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .ownership
            .iter()
            .map(|o| format!("note: {}", o.describe()))
            .collect();
        v.extend(self.plan.warnings.iter().map(|w| format!("warning: {w}")));
        if self.status == Status::Failed {
            v.extend(self.plan.problems.iter().map(|p| format!("error: {p}")));
        }
        v
    }

    /// The one-line error that ends the run instead of a report: the write
    /// failed, or (text output) problems kept it from writing.
    pub fn failure(&self, json: bool) -> Option<String> {
        match self.status {
            Status::WriteFailed => self.write_error.clone(),
            Status::Failed if !json => Some(format!(
                "{} problem(s); nothing was written. Fix them (or pass --set) and run again.",
                self.plan.problems.len()
            )),
            _ => None,
        }
    }
}

impl Outcome for Report {
    fn to_text(&self) -> String {
        let plan = &self.plan;
        let names = self.catalogs.join(", ");
        if self.status == Status::NothingToMigrate {
            return format!(
                "nothing to migrate ({} kustomization(s) checked with {names})\n",
                plan.kustomizations.len()
            );
        }
        let mut text: String = plan
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{}/{}: {}:{}: {}\n",
                    c.catalog, c.rule, c.path, c.line, c.message
                )
            })
            .collect();
        match self.status {
            Status::Pending => text.push_str(&format!(
                "{} file(s) need migrating; run `gitops-upgrade migrate-patches` to apply.\n",
                plan.files.len()
            )),
            Status::DryRun => {
                text = format!(
                    "{}{text}(dry run: nothing written)\n",
                    self.diff.as_deref().unwrap_or("")
                )
            }
            Status::Migrated => {
                text.push_str(&format!(
                    "Migrated {} file(s) ({} change(s)) with {names}.\n",
                    plan.files.len(),
                    plan.changes.len(),
                ));
                for (p, e) in &self.broken_roots {
                    text.push_str(&format!("error: {p} no longer renders: {e}\n"));
                }
                if self.broken_roots.is_empty() {
                    text.push_str(&format!(
                        "Rendered {} affected kustomization root(s): all build.\n",
                        plan.affected_roots.len()
                    ));
                }
                text.push_str("Review with `git diff`; to undo: `git checkout -- <files>`.\n");
            }
            _ => return String::new(),
        }
        text
    }

    fn to_json(&self) -> Value {
        let plan = &self.plan;
        let ownership = match &self.ownership {
            None => {
                json!({"basis": "all-files", "description": "--include-vendor-files: every file may be edited"})
            }
            Some(o) => json!({
                "basis": match &o.basis {
                    Basis::Upstream { .. } => "upstream",
                    Basis::NoUpstream => "no-upstream",
                    Basis::NotGit => "not-git",
                },
                "upstream": match &o.basis {
                    Basis::Upstream { name, .. } => json!(name),
                    _ => json!(null),
                },
                "description": o.describe(),
            }),
        };
        let mut v = json!({
            "catalogs": self.catalogs,
            "kustomizations": plan.kustomizations.len(),
            "files": plan.files.iter().map(|f| f.rel.clone()).collect::<Vec<_>>(),
            "changes": plan.changes.iter().map(|c| json!({
                "catalog": c.catalog, "rule": c.rule, "path": c.path, "line": c.line, "message": c.message,
            })).collect::<Vec<_>>(),
            "warnings": plan.warnings.iter().map(problem_json).collect::<Vec<_>>(),
            "problems": plan.problems.iter().map(problem_json).collect::<Vec<_>>(),
            "broken_roots": self.broken_roots.iter().map(|(p, e)| json!({"path": p, "error": e})).collect::<Vec<_>>(),
            "hints": hints_json(&self.hints),
            "ownership": ownership,
            "status": self.status.as_str(),
        });
        if let Some(d) = &self.diff {
            v["diff"] = json!(d);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::engine::{Change, FileChange};

    fn report(status: Status, problems: usize) -> Report {
        Report {
            catalogs: vec!["rok-v0.15".into()],
            plan: Plan {
                kustomizations: vec![PathBuf::from("a"), PathBuf::from("b")],
                files: vec![FileChange {
                    path: PathBuf::from("/r/a/p.yaml"),
                    rel: "a/p.yaml".into(),
                    before: "x: 1\n".into(),
                    after: "x: 2\n".into(),
                }],
                changes: vec![Change {
                    catalog: "rok-v0.15".into(),
                    rule: "r1".into(),
                    path: "a/p.yaml".into(),
                    line: 1,
                    message: "x set to 2".into(),
                }],
                warnings: Vec::new(),
                problems: (0..problems)
                    .map(|i| Problem {
                        path: "a/p.yaml".into(),
                        line: i + 1,
                        col: 1,
                        message: "bad".into(),
                    })
                    .collect(),
                affected_roots: vec![PathBuf::from("/r/a")],
            },
            hints: Hints::default(),
            ownership: None,
            status,
            diff: None,
            broken_roots: Vec::new(),
            write_error: None,
        }
    }

    #[test]
    fn texts_and_exit_codes_per_status() {
        let r = report(Status::Pending, 0);
        assert_eq!(
            r.to_text(),
            "rok-v0.15/r1: a/p.yaml:1: x set to 2\n1 file(s) need migrating; \
             run `gitops-upgrade migrate-patches` to apply.\n"
        );
        assert_eq!(r.exit_code(), 1);
        assert_eq!(r.to_json()["status"], json!("pending"));
        assert!(r.to_json().get("diff").is_none());

        let mut r = report(Status::Migrated, 0);
        assert_eq!(r.exit_code(), 0);
        assert!(r
            .to_text()
            .contains("Rendered 1 affected kustomization root(s): all build.\n"));
        r.broken_roots.push(("a".into(), "boom".into()));
        assert_eq!(r.exit_code(), 1);
        let t = r.to_text();
        assert!(t.contains("error: a no longer renders: boom\n") && !t.contains("Rendered"));
        assert_eq!(r.to_json()["broken_roots"][0]["error"], json!("boom"));

        let mut r = report(Status::NothingToMigrate, 0);
        r.plan.files.clear();
        assert_eq!(
            r.to_text(),
            "nothing to migrate (2 kustomization(s) checked with rok-v0.15)\n"
        );
        assert_eq!(r.exit_code(), 0);
    }

    #[test]
    fn problems_end_in_one_line_in_text_and_a_failed_report_in_json() {
        let r = report(Status::Failed, 2);
        assert_eq!(
            r.notes(),
            ["error: a/p.yaml:1:1: bad", "error: a/p.yaml:2:1: bad"]
        );
        assert_eq!(
            r.failure(false).unwrap(),
            "2 problem(s); nothing was written. Fix them (or pass --set) and run again."
        );
        assert_eq!(r.failure(true), None);
        assert_eq!(r.to_json()["status"], json!("failed"));
        assert_eq!(r.exit_code(), 1);
    }

    #[test]
    fn sets_need_an_equals_sign() {
        let m = parse_sets(&["a= b=c".into()]).unwrap();
        assert_eq!(m["a"], " b=c");
        assert_eq!(
            parse_sets(&["novalue".into()]).unwrap_err(),
            "--set novalue: expected KEY=VALUE"
        );
    }
}
