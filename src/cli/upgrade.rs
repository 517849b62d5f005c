//! `gitops-upgrade upgrade` (rebase, migrate-patches, diff summary, apply)
//! and `gitops-upgrade demo` (the whole upgrade on a throwaway repository).

use clap::Args;

use super::common::{on_interrupt, open_repo, ClusterArgs, TermUi};
use super::Failure;
use gitops_upgrade::migrate::report::parse_sets;
use gitops_upgrade::upgrade::{self, report};

/// The whole upgrade: rebase, migrate-patches, a diff summary, then apply.
///
/// 1. rebase your commits onto the fetched upstream (a backup ref keeps the
///    old tip); 2. migrate your patches with the plan's catalogs; 3. show
///    what changes per component and what must be re-created; 4. apply the
///    components in the plan's order. Stops at the first step that needs a
///    person (a rebase that cannot start, migrated files to review and
///    commit, deletes to confirm) and says which command continues. Each
///    step is recorded in .git/gitops-upgrade/upgrade-state.json: `upgrade
///    --resume` continues at the step that stopped without doing the ones
///    before it again; `status` shows every step.
///
/// With --dry-run nothing changes and no cluster is contacted: the rebase
/// and the migration are computed on a throwaway copy of the result, and
/// apply prints its commands. --dry-run does not fetch: `git fetch` first.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
git fetch && gitops-upgrade upgrade --dry-run\n  \
gitops-upgrade upgrade                       # stops for you to review the migration\n  \
gitops-upgrade upgrade --yes --context prod  # commits the migration, allows the deletes\n  \
gitops-upgrade upgrade --resume              # after a stop: continues at that step\n  \
gitops-upgrade upgrade --merge line          # the rebase as `git rebase -Xtheirs`\n  \
gitops-upgrade upgrade --push-backup mirror  # the backup ref pushed to your mirror first\n  \
gitops-upgrade status                        # every step, and the component table")]
pub struct UpgradeArgs {
    /// Commit the migrated files and allow the deletes without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Change nothing, contact no cluster: print every step.
    #[arg(long)]
    pub dry_run: bool,

    /// A value for a catalog variable (as for migrate-patches).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,

    /// Continue the recorded upgrade from the step that stopped (the
    /// migration review, the delete confirmation, a failed or timed-out
    /// component) without doing the steps before it again.
    #[arg(long, conflicts_with = "dry_run")]
    pub resume: bool,

    /// How the rebase merges files both you and the vendor changed, as for
    /// `rebase --merge`: `yaml` (default) merges YAML files by structure
    /// where hunks conflict; `line` is exactly `git rebase -Xtheirs`.
    /// Recorded: `--resume` keeps the mode the upgrade started with.
    #[arg(long, value_name = "MODE", value_parser = ["yaml", "line"])]
    pub merge: Option<String>,

    /// After the rebase, push its backup ref to this remote (your private
    /// mirror), with your git and its credentials, as for `rebase
    /// --push-backup`. A failed push stops the upgrade before the migration.
    #[arg(long, value_name = "REMOTE")]
    pub push_backup: Option<String>,

    #[command(flatten)]
    pub cluster: ClusterArgs,
}

pub fn run(a: UpgradeArgs) -> Result<u8, Failure> {
    let sets = parse_sets(&a.sets).map_err(|m| Failure::new(2, m))?;
    let (repo, root) = open_repo()?;
    let opts = upgrade::Options {
        yes: a.yes,
        dry_run: a.dry_run,
        resume: a.resume,
        merge: a.merge.as_deref().and_then(upgrade::state::merge_mode),
        push_backup: a.push_backup.clone(),
        sets,
        apply: a.cluster.options(a.dry_run, a.yes),
    };
    if !a.dry_run {
        on_interrupt("upgrade");
    }
    let mut ui = TermUi::new();
    upgrade::run(&repo, &root, &a.cluster.kubectl(), &opts, &mut ui)
        .map(|_| 0)
        .map_err(|e| Failure::new(e.exit_code(), report::failure_message(&e, a.dry_run)))
}

/// Run the whole upgrade on a throwaway repository built from the bundled
/// example: the vendor's v0.14, your tailored overlays and plan, the
/// vendor's v0.15; then `upgrade --dry-run`. Needs no cluster and no
/// kubectl.
#[derive(Args, Debug)]
#[command(after_help = "Example:\n  gitops-upgrade demo")]
pub struct DemoArgs {
    /// Keep the demo repository and print where it is.
    #[arg(long)]
    pub keep: bool,
}

pub fn demo(a: DemoArgs) -> Result<u8, Failure> {
    let (demo, res) = upgrade::demo::run(&mut TermUi::new()).map_err(|m| Failure::new(2, m))?;
    if a.keep {
        let kept = demo.dir.keep();
        println!(
            "\nThe demo repository is kept in {}.",
            kept.join("site").display()
        );
    }
    res.map(|_| 0)
        .map_err(|e| Failure::new(e.exit_code(), e.to_string()))
}
