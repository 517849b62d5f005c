//! `gitops-upgrade apply`, `status` and `init`.

use clap::Args;

use super::common::TermUi;
use super::common::{current_dir, on_interrupt, open_repo, print, show, ClusterArgs, Output};
use super::Failure;
use gitops_upgrade::apply::engine::{self, Options};
use gitops_upgrade::apply::{init, target};
use gitops_upgrade::upgrade::report::Status;

/// Apply the plan's components to the cluster, in order.
///
/// Reads gitops-upgrade.yaml (write one with `gitops-upgrade init`), renders
/// each component from the commit at HEAD, compares it with the live
/// objects, deletes and re-creates what cannot be updated in place (asking
/// first, or with --yes), runs `kubectl apply`, and waits until the
/// component is ready. Progress is recorded in
/// .git/gitops-upgrade/apply-state.json: after Ctrl-C, a failure or a
/// timeout, `apply --resume` continues where it stopped.
///
/// Uses your own kubectl, so your contexts, kubeconfig and auth plugins
/// work as usual.
///
/// Exit codes: 0 applied (or dry run printed); 1 a component failed, timed
/// out or needs a confirmation; 2 usage error (no plan, bad plan).
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
gitops-upgrade apply --dry-run                 # the commands, objects and waits, no cluster\n  \
gitops-upgrade apply --dry-run --from v0.14    # re-creates decided against a tag\n  \
gitops-upgrade apply --context prod --yes      # allow the deletes the plan needs\n  \
gitops-upgrade apply --resume                  # after Ctrl-C, a failure or a timeout\n  \
gitops-upgrade apply --only rok-operator --timeout 15m")]
pub struct ApplyArgs {
    /// Print, per component, the commands that would run, the objects and
    /// the waits; contact no cluster and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// With --dry-run: the revision to compare with to decide re-creates
    /// (default: the last revision applied, else HEAD~1).
    #[arg(long, value_name = "REV", requires = "dry_run")]
    pub from: Option<String>,

    /// Delete without asking: the objects the API server refuses to update
    /// in place (found by `kubectl apply --dry-run=server` before anything
    /// changes), the plan's delete steps, and the objects pruned (applied
    /// before by gitops-upgrade, no longer rendered).
    #[arg(long, short = 'y')]
    pub yes: bool,

    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Continue the recorded apply from its first unfinished component;
    /// done components whose render changed since are applied again.
    #[arg(long)]
    pub resume: bool,

    /// Apply only this component.
    #[arg(long, value_name = "COMPONENT")]
    pub only: Option<String>,
}

pub fn run(a: ApplyArgs) -> Result<u8, Failure> {
    let (repo, root) = open_repo()?;
    let at = target::at_head(&repo, &root, a.dry_run, a.from.as_deref());
    let (Ok(target::AtHead { warnings, .. }) | Err(target::NoTarget { warnings, .. })) = &at;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    let at = at.map_err(|e| Failure::new(2, e.message))?;
    let opts = Options {
        resume: a.resume,
        only: a.only.clone(),
        ..a.cluster.options(a.dry_run, a.yes)
    };
    if !opts.dry_run {
        // The state file already says which component was under way: say
        // how to go on. (kubectl, in our process group, gets the signal too.)
        on_interrupt("apply");
    }
    engine::run(&at.target, &a.cluster.kubectl(), &opts, &mut TermUi::new())
        .map(|_| 0)
        .map_err(|e| {
            Failure::new(
                target::exit_code(&e),
                target::failure_message(&e, a.dry_run),
            )
        })
}

/// Show the progress of the last upgrade (every step) and apply (the
/// component table).
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
gitops-upgrade status\n  \
gitops-upgrade status --output json")]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

pub fn status(a: StatusArgs) -> Result<u8, Failure> {
    let (repo, _root) = open_repo()?;
    let st = Status::load(repo.path()).map_err(|e| Failure::new(2, e.to_string()))?;
    show(&st, a.output)?;
    Ok(0)
}

/// Write gitops-upgrade.yaml from a preset of a vendor's upgrade guide.
///
/// The plan is the vendor's guide step by step, in its order and with its
/// paths: the components to apply (kustomizations, plain manifest files,
/// components of steps only), their pre-steps (deletes, scale to zero,
/// quiet logs), the conditions of optional services (`unless-exists`,
/// decided against the cluster when `apply` starts), the readiness and
/// verification rules (status fields, Jobs by name prefix, commands run in
/// a pod), the housekeeping steps after the last component, and the
/// migration catalogs of the release. Components whose path is not in the
/// checkout are written as comments and listed, so that `apply --dry-run`
/// accepts the plan as written. See docs/vendor-guides.md.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
gitops-upgrade init --preset rok-v0.15\n  \
gitops-upgrade init --preset rok --force\n  \
gitops-upgrade init --list")]
pub struct InitArgs {
    /// The preset to write.
    #[arg(long, value_name = "NAME", required_unless_present = "list")]
    pub preset: Option<String>,

    /// List the presets.
    #[arg(long)]
    pub list: bool,

    /// Replace an existing gitops-upgrade.yaml.
    #[arg(long)]
    pub force: bool,
}

pub fn init(a: InitArgs) -> Result<u8, Failure> {
    if a.list {
        print(&init::presets_text())?;
        return Ok(0);
    }
    let name = a.preset.unwrap_or_default();
    let w = init::write_plan(&current_dir()?, &name, a.force).map_err(|m| Failure::new(2, m))?;
    print(&w.to_text())?;
    Ok(0)
}
