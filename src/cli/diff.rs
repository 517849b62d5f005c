//! `gitops-upgrade diff`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{ColorChoice, Failure};
use gitops_upgrade::diff::report::{to_json, to_text, Report, TextStyle};
use gitops_upgrade::diff::side::{self, Source};
use gitops_upgrade::diff::{run::diff_roots, DiffOptions};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Show what will change, resource by resource, between two revisions or trees.
#[derive(Args, Debug)]
#[command(
    long_about = "Render the kustomization roots on two sides and show what changes, resource \
by resource: a line per root that changes, a summary table, then each changed field by path \
with its old and new value. A side is a git revision (rendered straight from the commit's \
tree, nothing is checked out) or a directory. Resources are matched by group, kind, namespace \
and name; a generated ConfigMap/Secret whose hash suffix changed is one changed resource. \
List items are matched by merge keys (containers and env by name, ports by port, ...). \
Changes the API server refuses (immutable fields) are marked `recreate` with the reason. \
Secret data is masked. The two sides, and many roots, are rendered in parallel (--jobs). A \
root that does not render on a side is reported with the renderer's error, and every other \
root is still compared.",
    after_help = "Examples:\n  \
gitops-upgrade diff                      # HEAD against the working tree, every root\n  \
gitops-upgrade diff --from ORIG_HEAD --to HEAD deploy\n  \
gitops-upgrade diff --from v1.4.0 --to v1.5.0 --stat\n  \
gitops-upgrade diff --from refs/gitops-upgrade/backups/main/20250301T101500Z --output json\n\n\
ROOTs are kustomization directories, relative to the current directory inside the \
repository (to the top of each side otherwise); the default is every root kustomization on \
either side: one that no other kustomization includes, `kind: Component`s left out (name one \
to compare it).\n\n\
Exit codes: 0 no differences (or differences without --exit-code), 1 differences with \
--exit-code, 2 a root that does not render on a side (printed with everything else; 2 wins \
over 1) or an error (unknown revision, a ROOT that is nowhere, bad flags)."
)]
pub struct DiffArgs {
    /// The old side: a git revision, or a directory (`./dir`, `/dir`, `dir/`).
    #[arg(long, value_name = "REV|DIR", default_value = "HEAD")]
    pub from: String,

    /// The new side: a git revision or a directory [default: the working tree].
    #[arg(long, value_name = "REV|DIR")]
    pub to: Option<String>,

    /// Exit with 1 when there are differences (0 when none).
    #[arg(long)]
    pub exit_code: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Show Secret data and stringData values instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,

    /// Lines of context in diffs of multi-line strings.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub context: usize,

    /// Print only the line of each root (N changed, M added, K removed, R
    /// re-create) and the totals; JSON leaves out `resources`.
    #[arg(long)]
    pub stat: bool,

    /// Threads that render [default: the available cores].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Kustomization directories to compare [default: every root kustomization].
    #[arg(value_name = "ROOT")]
    pub roots: Vec<PathBuf>,
}

fn color_for_stdout(c: ColorChoice) -> bool {
    match c {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// ROOT arguments as paths from the top of each side.
fn normalize_roots(roots: &[PathBuf], prefix: &Path) -> Result<Vec<String>, Failure> {
    roots
        .iter()
        .map(|r| {
            let p = if r.is_absolute() {
                r.clone()
            } else {
                prefix.join(r)
            };
            let p = gitops_upgrade::source::clean(&p);
            if p.starts_with("..") || p.is_absolute() {
                return Err(Failure::new(
                    2,
                    format!("root '{}' is outside the repository", r.display()),
                ));
            }
            let s = p.to_string_lossy().trim_end_matches('/').to_string();
            Ok(if s.is_empty() { ".".into() } else { s })
        })
        .collect()
}

pub fn run(a: DiffArgs, color: ColorChoice) -> Result<u8, Failure> {
    let fail = |m: String| Failure::new(2, m);
    let repo = git2::Repository::discover(".").ok();
    let cwd = std::env::current_dir()
        .map_err(|e| fail(format!("cannot read the current directory: {e}")))?;
    // Where the current directory lies in the working tree.
    let (workdir, prefix) = match repo.as_ref().and_then(|r| r.workdir()) {
        Some(w) => {
            let w = std::fs::canonicalize(w).unwrap_or_else(|_| w.to_path_buf());
            let c = std::fs::canonicalize(&cwd).unwrap_or(cwd.clone());
            let prefix = c
                .strip_prefix(&w)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            (Some(w), prefix)
        }
        None => (None, PathBuf::new()),
    };
    let from = side::open(&a.from, repo.as_ref()).map_err(|e| fail(format!("--from: {e}")))?;
    let to = match &a.to {
        Some(t) => side::open(t, repo.as_ref()).map_err(|e| fail(format!("--to: {e}")))?,
        None => match &workdir {
            Some(w) => Source::Dir {
                path: w.clone(),
                worktree: true,
            },
            None => {
                return Err(fail(
                    "not inside a git working tree: give --to <rev|dir> (and --from)".into(),
                ))
            }
        },
    };
    let from_label = format!("--from {}", a.from);
    let to_label = match &a.to {
        Some(t) => format!("--to {t}"),
        None => "working-tree".to_string(),
    };
    let roots = if a.roots.is_empty() {
        let mut all = from
            .roots()
            .map_err(|e| fail(format!("{from_label}: {e}")))?;
        all.extend(to.roots().map_err(|e| fail(format!("{to_label}: {e}")))?);
        all.sort();
        all.dedup();
        if all.is_empty() {
            return Err(fail("no kustomization found on either side".into()));
        }
        all
    } else {
        normalize_roots(&a.roots, &prefix)?
    };
    if !a.roots.is_empty() {
        for r in &roots {
            if !from.has_kustomization(r) && !to.has_kustomization(r) {
                return Err(fail(format!(
                    "root {r}: no kustomization there on either side ({from_label} nor {to_label})"
                )));
            }
        }
    }
    let opts = DiffOptions {
        show_secrets: a.show_secrets,
        recreate_hints: catalog_hints()?,
    };
    let jobs = a.jobs.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let outcomes = diff_roots(
        repo.as_ref().map(|r| r.path()),
        [&from.spec(), &to.spec()],
        &roots,
        &opts,
        jobs,
    );
    let report = Report::new(
        from.info(&a.from),
        to.info(a.to.as_deref().unwrap_or("working tree")),
        [from_label, to_label],
        outcomes,
    );
    let text = match a.output {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&report, a.context, !a.stat))
                .map_err(|e| fail(format!("cannot print JSON: {e}")))?;
            s.push('\n');
            s
        }
        OutputFormat::Text => to_text(
            &report,
            TextStyle {
                color: color_for_stdout(color),
                context: a.context,
                stat: a.stat,
            },
        ),
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(fail(format!("cannot write to standard output: {e}")));
        }
    }
    // One line per root that did not render, after everything else.
    for e in &report.errors {
        super::report(color, &format!("root {} {}", e.root, report.error_text(e)));
    }
    Ok(if !report.errors.is_empty() {
        2
    } else if a.exit_code && report.has_differences() {
        1
    } else {
        0
    })
}

/// The `recreate` hints of the migration catalogs that the repository's
/// `gitops-upgrade.yaml` names: any change to such a resource is marked for
/// re-creation, with the catalog as the reason.
pub(super) fn catalog_hints() -> Result<Vec<gitops_upgrade::diff::RecreateHint>, Failure> {
    Ok(
        gitops_upgrade::migrate::catalog::active_catalogs(Path::new("."))
            .map_err(|m| Failure::new(2, m))?
            .iter()
            .flat_map(gitops_upgrade::diff::recreate_hints_of)
            .collect(),
    )
}
