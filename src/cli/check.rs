//! `gitops-upgrade check`: the pre-commit guardrails.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use super::common::{current_dir, json_text, note, print, Output};
use super::Failure;
use gitops_upgrade::check::{self, report, Mode, Options};

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

pub fn run(a: CheckArgs) -> Result<u8, Failure> {
    let started = Instant::now();
    let here = current_dir()?;
    if a.list_policies {
        let repo = git2::Repository::discover(&here)
            .map_err(|_| Failure::new(2, "not inside a git repository"))?;
        let root = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
        let ps = report::policies_in_force(&root).map_err(|m| Failure::new(2, m))?;
        print(&match a.output {
            Output::Json => json_text(&report::policies_json(&ps)),
            Output::Text => report::policies_text(&ps),
        })?;
        return Ok(0);
    }
    let mode = if a.staged {
        Mode::Staged
    } else {
        Mode::Worktree
    };
    let opts = Options {
        mode,
        files: Vec::new(),
        changed: a.changed,
        against: (a.against != "HEAD").then(|| a.against.clone()),
        cache: !a.no_cache,
    };
    let report = check::run_in(&here, &a.files, opts).map_err(|e| Failure::new(2, e))?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if a.output == Output::Json {
        print(&json_text(&report.to_json(mode)))?;
        return Ok(report.exit_code());
    }
    print(&report.to_text())?;
    if !report.findings.is_empty() || a.verbose {
        note(&report.summary(ms));
    }
    Ok(report.exit_code())
}
