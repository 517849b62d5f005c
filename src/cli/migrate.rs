//! `gitops-upgrade migrate-patches` and `gitops-upgrade migrations`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::Failure;
use gitops_upgrade::migrate::catalog::{Action, ArgOp, Catalog};
use gitops_upgrade::migrate::{self, engine};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

/// Rewrite your overlays for a new release from a migration catalog.
///
/// Finds the documents each rule targets in the kustomizations (plain
/// resources, strategic-merge patch files, inline patches in
/// kustomization.yaml, JSON 6902 patches) and edits them losslessly: only
/// the bytes of the changed nodes differ. All or nothing: on any problem
/// nothing is written and each problem is printed as path:line:col.
///
/// Exit codes: 0 migrated, or nothing to migrate; 1 problems (nothing
/// written), a migration pending with --check, or a migrated kustomization
/// that no longer renders; 2 usage or internal error.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
gitops-upgrade migrate-patches --catalog rok-v0.15 --dry-run\n  \
gitops-upgrade migrate-patches --catalog rok-v0.12 --set volume-group=vg0 rok/rok-csi/overlays/deploy\n  \
gitops-upgrade migrate-patches --check          # catalogs from gitops-upgrade.yaml")]
pub struct MigrateArgs {
    /// Catalog to apply: a built-in name (see `gitops-upgrade migrations list`)
    /// or a YAML file. Repeatable; default: the `migrations:` list of the
    /// repository's gitops-upgrade.yaml.
    #[arg(long = "catalog", value_name = "NAME|FILE")]
    pub catalogs: Vec<String>,

    /// A value for a catalog variable or required field (e.g. volume-group=vg0).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,

    /// Write nothing; exit 1 if a migration is pending.
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,

    /// Write nothing; print the unified diff that would be applied.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,

    /// Finish a migration that was interrupted (killed) while writing its
    /// files: the rest get their migrated text.
    #[arg(long = "continue", conflicts_with_all = ["check", "dry_run", "abort"])]
    pub continue_op: bool,

    /// Undo a migration that was interrupted (killed) while writing its
    /// files: every file gets its old text back.
    #[arg(long, conflicts_with_all = ["check", "dry_run"])]
    pub abort: bool,

    /// The revision your own commits are counted from (default: the
    /// branch's upstream). Files your commits on top of it added or
    /// changed are yours; only yours are edited.
    #[arg(long, value_name = "REF")]
    pub upstream: Option<String>,

    /// Edit the vendor's files too (by default a vendor file that still
    /// has an old shape is a warning, "vendor file, not edited").
    #[arg(long)]
    pub include_vendor_files: bool,

    /// Kustomization directories to migrate (default: every kustomization
    /// in the repository), or files to treat as yours. Files below a named
    /// directory and named files are edited even if your commits did not
    /// touch them.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Failure::new(2, format!("cannot write to standard output: {e}")))
}

fn repo_root(here: &Path) -> PathBuf {
    match git2::Repository::discover(here) {
        Ok(r) => r
            .workdir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| here.to_path_buf()),
        Err(_) => here.to_path_buf(),
    }
}

fn canon(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Catalog names from the plan file's `migrations:` list.
fn plan_catalogs(root: &Path) -> Result<Vec<String>, Failure> {
    gitops_upgrade::migrate::catalog::plan_catalog_names(root).map_err(|m| Failure::new(2, m))
}

pub(super) fn load_catalog(spec: &str, base: &Path) -> Result<Catalog, Failure> {
    gitops_upgrade::migrate::catalog::load(spec, base).map_err(|m| Failure::new(2, m))
}

fn problem_json(p: &engine::Problem) -> serde_json::Value {
    json!({"path": p.path, "line": p.line, "col": p.col, "message": p.message})
}

fn hints_json(h: &migrate::Hints) -> serde_json::Value {
    json!({
        "recreate": h.recreate.iter().map(|r| json!({
            "apiVersion": r.api_version, "kind": r.kind, "namespace": r.namespace, "name": r.name,
        })).collect::<Vec<_>>(),
        "apply_first": h.apply_first.iter().map(|a| json!({
            "name": a.name, "path": a.path, "description": a.description,
        })).collect::<Vec<_>>(),
    })
}

pub fn run(a: MigrateArgs) -> Result<u8, Failure> {
    let here = std::env::current_dir()
        .map_err(|e| Failure::new(2, format!("cannot read the current directory: {e}")))?;
    let root = canon(&repo_root(&here));
    if a.continue_op || a.abort {
        return super::interrupted::recover_migration(&root, a.abort);
    }
    let mut sets = BTreeMap::new();
    for s in &a.sets {
        let Some((k, v)) = s.split_once('=') else {
            return Err(Failure::new(2, format!("--set {s}: expected KEY=VALUE")));
        };
        sets.insert(k.trim().to_string(), v.to_string());
    }
    let specs = if a.catalogs.is_empty() {
        let from_plan = plan_catalogs(&root)?;
        if from_plan.is_empty() {
            return Err(Failure::new(
                2,
                "no catalog: pass --catalog <name|file> (see `gitops-upgrade migrations list`) \
                 or list them under `migrations:` in gitops-upgrade.yaml",
            ));
        }
        from_plan
    } else {
        a.catalogs.clone()
    };
    let catalogs = specs
        .iter()
        .map(|s| load_catalog(s, &here))
        .collect::<Result<Vec<_>, _>>()?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut named: Vec<String> = Vec::new();
    for p in &a.paths {
        let d = canon(&here.join(p));
        let relp = d
            .strip_prefix(&root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .map_err(|_| Failure::new(2, format!("{}: not inside the repository", p.display())))?;
        let relp = if relp.is_empty() {
            ".".to_string()
        } else {
            relp
        };
        if d.is_file() {
            named.push(relp);
            continue;
        }
        if engine::kustomization_file(&d).is_none() {
            return Err(Failure::new(
                2,
                format!(
                    "{}: neither a kustomization directory nor a file",
                    p.display()
                ),
            ));
        }
        named.push(relp);
        dirs.push(d);
    }
    if dirs.is_empty() {
        dirs = engine::find_kustomizations(&root);
    }
    let ownership = if a.include_vendor_files {
        None
    } else {
        Some(
            migrate::owner::of_repo(&root, a.upstream.as_deref(), &named)
                .map_err(|m| Failure::new(2, m))?,
        )
    };
    let owns = |rel: &str| ownership.as_ref().is_none_or(|o| o.owns(rel));
    let plan = migrate::plan(&engine::Options {
        root: &root,
        dirs: &dirs,
        catalogs: &catalogs,
        sets: &sets,
        editable: Some(&owns),
    });
    let names: Vec<&str> = catalogs.iter().map(|c| c.name.as_str()).collect();
    let hints = migrate::hints(&catalogs);
    let mut report = json!({
        "catalogs": names,
        "kustomizations": plan.kustomizations.len(),
        "files": plan.files.iter().map(|f| f.rel.clone()).collect::<Vec<_>>(),
        "changes": plan.changes.iter().map(|c| json!({
            "catalog": c.catalog, "rule": c.rule, "path": c.path, "line": c.line, "message": c.message,
        })).collect::<Vec<_>>(),
        "warnings": plan.warnings.iter().map(problem_json).collect::<Vec<_>>(),
        "problems": plan.problems.iter().map(problem_json).collect::<Vec<_>>(),
        "broken_roots": [],
        "hints": hints_json(&hints),
    });
    report["ownership"] = match &ownership {
        None => {
            json!({"basis": "all-files", "description": "--include-vendor-files: every file may be edited"})
        }
        Some(o) => json!({
            "basis": match &o.basis {
                migrate::owner::Basis::Upstream { .. } => "upstream",
                migrate::owner::Basis::NoUpstream => "no-upstream",
                migrate::owner::Basis::NotGit => "not-git",
            },
            "upstream": match &o.basis {
                migrate::owner::Basis::Upstream { name, .. } => json!(name),
                _ => json!(null),
            },
            "description": o.describe(),
        }),
    };
    let json_out = a.output == Output::Json;
    if !json_out {
        if let Some(o) = &ownership {
            let _ = writeln!(std::io::stderr().lock(), "note: {}", o.describe());
        }
    }
    let finish = |mut report: serde_json::Value, status: &str, code: u8, text: String| {
        if json_out {
            report["status"] = json!(status);
            let s = serde_json::to_string_pretty(&report).unwrap_or_default();
            print(&format!("{s}\n"))?;
        } else {
            print(&text)?;
        }
        Ok(code)
    };
    let mut text = String::new();
    if !json_out {
        let mut err = std::io::stderr().lock();
        for w in &plan.warnings {
            let _ = writeln!(err, "warning: {w}");
        }
    }
    if !plan.problems.is_empty() {
        if json_out {
            return finish(report, "failed", 1, String::new());
        }
        let mut err = std::io::stderr().lock();
        for p in &plan.problems {
            let _ = writeln!(err, "error: {p}");
        }
        return Err(Failure::new(
            1,
            format!(
                "{} problem(s); nothing was written. Fix them (or pass --set) and run again.",
                plan.problems.len()
            ),
        ));
    }
    if plan.files.is_empty() {
        text.push_str(&format!(
            "nothing to migrate ({} kustomization(s) checked with {})\n",
            plan.kustomizations.len(),
            names.join(", ")
        ));
        return finish(report, "nothing-to-migrate", 0, text);
    }
    for c in &plan.changes {
        text.push_str(&format!(
            "{}/{}: {}:{}: {}\n",
            c.catalog, c.rule, c.path, c.line, c.message
        ));
    }
    if a.check {
        text.push_str(&format!(
            "{} file(s) need migrating; run `gitops-upgrade migrate-patches` to apply.\n",
            plan.files.len()
        ));
        return finish(report, "pending", 1, text);
    }
    if a.dry_run {
        let mut d = String::new();
        for f in &plan.files {
            d.push_str(&gitops_upgrade::textdiff::file_diff(
                &f.rel, &f.before, &f.after,
            ));
        }
        report["diff"] = json!(d);
        let text = format!("{d}{text}(dry run: nothing written)\n");
        return finish(report, "dry-run", 0, text);
    }
    migrate::journal::write_all(&plan.files).map_err(|m| Failure::new(1, m))?;
    text.push_str(&format!(
        "Migrated {} file(s) ({} change(s)) with {}.\n",
        plan.files.len(),
        plan.changes.len(),
        names.join(", ")
    ));
    let mut broken = Vec::new();
    for r in &plan.affected_roots {
        if let Err(e) = gitops_upgrade::kustomize::render_dir(r) {
            let relr = r
                .strip_prefix(&root)
                .unwrap_or(r)
                .to_string_lossy()
                .into_owned();
            broken.push(json!({"path": relr, "error": e.to_string()}));
            text.push_str(&format!("error: {relr} no longer renders: {e}\n"));
        }
    }
    let code = if broken.is_empty() {
        text.push_str(&format!(
            "Rendered {} affected kustomization root(s): all build.\n",
            plan.affected_roots.len()
        ));
        0
    } else {
        1
    };
    text.push_str("Review with `git diff`; to undo: `git checkout -- <files>`.\n");
    report["broken_roots"] = json!(broken);
    finish(report, "migrated", code, text)
}

/// List and describe the built-in migration catalogs.
#[derive(Args, Debug)]
pub struct MigrationsArgs {
    #[command(subcommand)]
    pub command: MigrationsCommand,
}

#[derive(Subcommand, Debug)]
pub enum MigrationsCommand {
    /// List the built-in catalogs
    List {
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Describe one catalog (built-in name or file): its rules and hints
    Show {
        /// Catalog name or file
        name: String,
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
}

fn describe_action(a: &Action) -> String {
    match a {
        Action::SemicolonListToMap => "semicolon-list-to-map".into(),
        Action::Require { default, set_key } => format!(
            "require (default {}, --set {set_key}=...)",
            default.as_deref().unwrap_or("none")
        ),
        Action::Set { value } => format!("set to {value}"),
        Action::SetMapEntry { key, value } => format!("set-map-entry {key}={value}"),
        Action::RewriteArgs {
            containers,
            env,
            args,
            op,
        } => {
            let op = match op {
                ArgOp::RenameFlag { from, to } => format!("rename flag {from} -> {to}"),
                ArgOp::ReplaceFlag { flag, with } => {
                    format!("replace flag {flag} by {}", with.join(" "))
                }
                ArgOp::Regex {
                    pattern,
                    replacement,
                } => format!("rewrite /{pattern}/ -> {replacement}"),
                ArgOp::Warn { pattern, message } => format!("warn on /{pattern}/: {message}"),
            };
            let env = match (env.is_empty(), args) {
                (true, _) => String::new(),
                (false, true) => format!(" (and env {})", env.join(", ")),
                (false, false) => format!(" (env {} only)", env.join(", ")),
            };
            format!("rewrite-args in containers {containers}: {op}{env}")
        }
        Action::RenameResource { from, to, .. } => format!("rename-resource /{from}/ -> {to}"),
    }
}

pub fn run_migrations(a: MigrationsArgs) -> Result<u8, Failure> {
    match a.command {
        MigrationsCommand::List { output } => {
            let mut cats = Vec::new();
            for c in Catalog::builtins() {
                cats.push(c.map_err(|e| Failure::new(2, format!("built-in catalog: {}", e.msg)))?);
            }
            if output == Output::Json {
                let v: Vec<_> = cats
                    .iter()
                    .map(|c| json!({"name": c.name, "from": c.from, "to": c.to, "rules": c.rules.len(), "description": c.description}))
                    .collect();
                print(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&v).unwrap_or_default()
                ))?;
            } else {
                let mut t = String::new();
                for c in &cats {
                    t.push_str(&format!(
                        "{:<10} {:>5} -> {:<5} {:>2} rules  {}\n",
                        c.name,
                        c.from,
                        c.to,
                        c.rules.len(),
                        c.description
                    ));
                }
                print(&t)?;
            }
            Ok(0)
        }
        MigrationsCommand::Show { name, output } => {
            let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            let c = load_catalog(&name, &here)?;
            if output == Output::Json {
                let rules: Vec<_> = c
                    .rules
                    .iter()
                    .map(|r| json!({
                        "id": r.id,
                        "description": r.description,
                        "action": r.action.name(),
                        "summary": describe_action(&r.action),
                        "select": {"apiVersion": r.select.api_version, "kind": r.select.kind, "name": r.select.name, "namespace": r.select.namespace},
                        "field": r.field.join("."),
                        "warning": r.warning,
                    }))
                    .collect();
                let v = json!({
                    "name": c.name, "from": c.from, "to": c.to, "description": c.description,
                    "vars": c.vars, "rules": rules, "hints": hints_json(&c.hints),
                });
                print(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&v).unwrap_or_default()
                ))?;
                return Ok(0);
            }
            let mut t = format!("{} ({} -> {})\n{}\n", c.name, c.from, c.to, c.description);
            if !c.vars.is_empty() {
                t.push_str("\nVariables (--set NAME=VALUE):\n");
                for (k, v) in &c.vars {
                    t.push_str(&format!(
                        "  {k}: {}\n",
                        v.as_deref().unwrap_or("(required)")
                    ));
                }
            }
            t.push_str("\nRules:\n");
            for r in &c.rules {
                let sel = &r.select;
                t.push_str(&format!(
                    "  {}: {}\n    select apiVersion={} kind={} name={} namespace={}{}\n    {}\n",
                    r.id,
                    r.description,
                    sel.api_version,
                    sel.kind,
                    sel.name,
                    sel.namespace,
                    if r.field.is_empty() {
                        String::new()
                    } else {
                        format!(" field={}", r.field.join("."))
                    },
                    describe_action(&r.action)
                ));
                if let Some(w) = &r.warning {
                    t.push_str(&format!("    warns: {w}\n"));
                }
            }
            if !c.hints.recreate.is_empty() || !c.hints.apply_first.is_empty() {
                t.push_str("\nApply-time hints:\n");
                for r in &c.hints.recreate {
                    t.push_str(&format!(
                        "  recreate {} {}{}\n",
                        r.kind,
                        r.namespace
                            .as_deref()
                            .map(|n| format!("{n}/"))
                            .unwrap_or_default(),
                        r.name
                    ));
                }
                for x in &c.hints.apply_first {
                    t.push_str(&format!("  apply first {} ({})\n", x.name, x.path));
                }
            }
            print(&t)?;
            Ok(0)
        }
    }
}
