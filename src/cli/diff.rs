//! `gitops-upgrade diff`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::common::{current_dir, json_text, print, Output};
use super::{ColorChoice, Failure};
use gitops_upgrade::diff::report::{to_json, to_text, TextStyle};
use gitops_upgrade::diff::request::{self, Request};

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
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,

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

pub fn run(a: DiffArgs, color: ColorChoice) -> Result<u8, Failure> {
    let report = request::run(&Request {
        cwd: &current_dir()?,
        from: &a.from,
        to: a.to.as_deref(),
        roots: &a.roots,
        show_secrets: a.show_secrets,
        jobs: a.jobs.map(usize::from),
    })
    .map_err(|m| Failure::new(2, m))?;
    print(&match a.output {
        Output::Json => json_text(&to_json(&report, a.context, !a.stat)),
        Output::Text => to_text(
            &report,
            TextStyle {
                color: color.enabled(std::io::stdout().is_terminal()),
                context: a.context,
                stat: a.stat,
            },
        ),
    })?;
    // One line per root that did not render, after everything else.
    for e in &report.errors {
        super::report(color, &format!("root {} {}", e.root, report.error_text(e)));
    }
    Ok(report.exit_code(a.exit_code))
}
