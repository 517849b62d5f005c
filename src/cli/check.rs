//! `gitops-upgrade check`: the pre-commit guardrails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::Failure;
use gitops_upgrade::check::{self, policy, Mode, Options};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

/// Check files before a commit: YAML, conflict markers, renders of the
/// kustomization roots they affect, pending migrations, upgrade policies.
///
/// With FILEs (as pre-commit passes the staged ones) only what they affect
/// is checked; with none (and no --changed), the whole repository. Each
/// finding is one line, `path:line:col: rule-id: message`, paths relative
/// to the repository root.
///
/// Exit codes: 0 no errors (warnings may be printed); 1 findings; 2 usage
/// or internal error.
#[derive(Args, Debug)]
#[command(
    after_help = "Each finding is one line: path:line:col: rule-id: message (paths relative \
to the repository root). Exit codes: 0 no errors (warnings may be printed), 1 findings, \
2 usage or internal error.\n\nExamples:\n  \
gitops-upgrade check --staged --changed        # what the pre-commit hook runs\n  \
gitops-upgrade check overlays/prod/patch.yaml  # one file, as it is on disk\n  \
gitops-upgrade check --output json              # the whole repository, as JSON\n  \
gitops-upgrade check --list-policies"
)]
pub struct CheckArgs {
    /// Files or directories to check; default: the whole repository.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Read the index (what the commit will hold) instead of the working
    /// tree.
    #[arg(long)]
    pub staged: bool,

    /// Also check every file that differs from --against (staged changes
    /// with --staged; else working-tree changes and untracked files).
    #[arg(long)]
    pub changed: bool,

    /// The revision policies compare with and --changed diffs against.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub against: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,

    /// Print the policies in force and exit.
    #[arg(long)]
    pub list_policies: bool,

    /// Neither read nor update the cache of parsed kustomization files
    /// (in the git directory, gitops-upgrade/kustomizations.cache).
    #[arg(long)]
    pub no_cache: bool,

    /// Print a summary even when nothing is found.
    #[arg(short, long)]
    pub verbose: bool,
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Failure::new(2, format!("cannot write to standard output: {e}")))
}

fn list_policies(repo: &git2::Repository, output: Output) -> Result<u8, Failure> {
    let root = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    let plan = gitops_upgrade::plan::load(&root).map_err(|e| Failure::new(2, e.to_string()))?;
    let mut findings = Vec::new();
    let mut catalogs = Vec::new();
    if let Some(p) = &plan {
        for name in &p.migrations {
            let c = match gitops_upgrade::migrate::Catalog::builtin(name) {
                Some(c) => c,
                None => std::fs::read_to_string(root.join(name))
                    .map_err(|e| Failure::new(2, format!("{name}: {e}")))
                    .map(|t| gitops_upgrade::migrate::Catalog::parse(&t))?,
            };
            catalogs.push(c.map_err(|e| Failure::new(2, format!("{name}: {}", e.msg)))?);
        }
    }
    let ps = check::active_policies(plan.as_ref(), &catalogs, None, &mut findings);
    if let Some(f) = findings.first() {
        return Err(Failure::new(2, f.to_string()));
    }
    if output == Output::Json {
        let v: Vec<_> = ps
            .iter()
            .map(|p| {
                json!({
                    "rule": p.rule_id(), "set": p.set, "id": p.id, "kind": p.rule.name(),
                    "severity": p.severity.as_str(), "description": p.description,
                    "select": {"apiVersion": p.select.api_version, "kind": p.select.kind,
                               "name": p.select.name, "namespace": p.select.namespace},
                })
            })
            .collect();
        print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ))?;
        return Ok(0);
    }
    let mut t = String::new();
    for p in &ps {
        t.push_str(&format!(
            "{:<36} {:<22} {:<18} {}\n",
            p.rule_id(),
            p.rule.name(),
            p.select.kind,
            p.description
        ));
    }
    let sets: Vec<String> = policy::builtin_sets().into_iter().map(|s| s.name).collect();
    t.push_str(&format!(
        "{} policies in force (built-in sets: {}; turn one off with `policies: {{disable: [<set>|<set>/<id>]}}` in gitops-upgrade.yaml)\n",
        ps.len(),
        sets.join(", ")
    ));
    print(&t)?;
    Ok(0)
}

pub fn run(a: CheckArgs) -> Result<u8, Failure> {
    let started = Instant::now();
    let here = std::env::current_dir()
        .map_err(|e| Failure::new(2, format!("cannot read the current directory: {e}")))?;
    if a.list_policies {
        let repo = git2::Repository::discover(&here)
            .map_err(|_| Failure::new(2, "not inside a git repository"))?;
        return list_policies(&repo, a.output);
    }
    let opts = Options {
        mode: if a.staged {
            Mode::Staged
        } else {
            Mode::Worktree
        },
        files: Vec::new(),
        changed: a.changed,
        against: (a.against != "HEAD").then(|| a.against.clone()),
        cache: !a.no_cache,
    };
    let report = check::run_in(&here, &a.files, opts).map_err(|e| Failure::new(2, e))?;
    let code = u8::from(report.errors() > 0);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if a.output == Output::Json {
        let v = json!({
            "status": if code == 0 { "clean" } else { "findings" },
            "mode": if a.staged { "staged" } else { "worktree" },
            "whole_repository": report.whole,
            "files": report.files.len(),
            "roots": report.roots,
            "policies": report.policies,
            "errors": report.errors(),
            "warnings": report.warnings(),
            "findings": report.findings.iter().map(|f| json!({
                "path": f.path, "line": f.line, "col": f.col, "rule": f.rule,
                "message": f.message, "severity": f.severity.as_str(),
            })).collect::<Vec<_>>(),
        });
        print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ))?;
        return Ok(code);
    }
    let mut t = String::new();
    for f in &report.findings {
        t.push_str(&f.to_string());
        t.push('\n');
    }
    print(&t)?;
    if !report.findings.is_empty() || a.verbose {
        let what = if report.whole {
            "the whole repository".to_string()
        } else {
            format!("{} file(s)", report.files.len())
        };
        let _ = writeln!(
            std::io::stderr().lock(),
            "check: {} error(s), {} warning(s) in {what}; {} root(s) rendered, {} applicable policies, {:.0} ms",
            report.errors(),
            report.warnings(),
            report.roots.len(),
            report.policies,
            ms
        );
    }
    Ok(code)
}
