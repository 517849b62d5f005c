//! `gitops-upgrade rebase`: a thin layer over [`gitops_upgrade::git`].

use std::path::Path;

use clap::{Args, ValueEnum};

use super::common::{show, Output};
use super::Failure;
use gitops_upgrade::git::RebaseOptions;
use gitops_upgrade::git::{self, preflight, BackupList, DeletePolicy, GitError, MergeMode};

/// Put your overlay commits on the new upstream; your changes win conflicts.
#[derive(Args, Debug)]
#[command(
    long_about = "Put your local commits on the vendor's new upstream, the way \
`git fetch --prune && git rebase -Xtheirs <upstream>` followed by `git rm` of the \
files the vendor deleted would, in one step and in memory: the branch, index and \
working tree move only once everything succeeded, and a backup ref at the old tip \
(refs/gitops-upgrade/backups/<branch>/<UTC time>) lets `--restore` bring it back.",
    after_help = "Merge modes, for a file both you and the vendor changed:\n  \
--merge yaml (default)  Where git's line merge is clean, its result is kept (git's tree).\n    \
Where hunks conflict in a YAML file, the file is merged by structure: documents by\n    \
apiVersion/kind/namespace/name, mappings key by key, lists of objects by merge key\n    \
(containers, env, volumes by name, ports...; `name` in custom resources), kustomization\n    \
resources/components/patches... as ordered sets. Your value wins only where both sides\n    \
changed the same value; each such override is reported with its path and both values.\n    \
Your comments, order, quoting and indentation are kept. A file that cannot be merged so\n    \
(it does not parse, uses anchors/aliases/tags, has two documents with one identity) is\n    \
merged line by line, and the report says why.\n  \
--merge line  Exactly `git rebase -Xtheirs`: your hunk wins a conflicting hunk whole,\n    \
the vendor's lines in it included.\n\n\
Example: the base has `spec: {configVars: \"a=1;\", nodeCount: 3}`; you set `nodeCount: 7`;\n\
the vendor's next release sets `nodeCount: 5` and adds a required `redis: {endpoint: ...}`\n\
on the next line. --merge line keeps nodeCount 7 and drops redis (one conflicting hunk, yours\n\
won). --merge yaml keeps nodeCount 7 and the vendor's redis block, and reports\n  \
override spec.nodeCount: upstream 5, kept 7    upstream's version: git show <upstream>:<file>\n\n\
Examples:\n  \
gitops-upgrade rebase --dry-run\n  \
gitops-upgrade rebase --merge line\n  \
gitops-upgrade rebase --push-backup mirror\n  \
gitops-upgrade rebase --upstream origin/release-2.0\n  \
gitops-upgrade rebase --on-upstream-delete keep --output json\n  \
gitops-upgrade rebase --list-backups\n  \
gitops-upgrade rebase --restore
  \
gitops-upgrade rebase --continue   # finish a rebase or restore that was killed
  \
gitops-upgrade rebase --abort      # undo it

\
Exit codes: 0 rebased (or restored, listed; roots that no longer render and YAML overrides \
are reported, not fatal), 1 the rebase or fetch failed (nothing was changed), or the rebase \
succeeded and --push-backup could not push, 2 refused to start or usage error \
(nothing was changed)."
)]
pub struct RebaseArgs {
    /// The new upstream (a remote-tracking branch, tag or commit).
    /// Default: the branch's configured upstream.
    #[arg(long, value_name = "REF")]
    pub upstream: Option<String>,

    /// The remote to fetch. Default: the upstream's remote.
    #[arg(long, value_name = "NAME")]
    pub remote: Option<String>,

    /// Do not fetch first.
    #[arg(long)]
    pub no_fetch: bool,

    /// What to do with files the upstream deleted and you changed.
    #[arg(long, value_enum, default_value_t = OnDelete::Drop, value_name = "POLICY")]
    pub on_upstream_delete: OnDelete,

    /// How files both sides changed are merged: `yaml` merges YAML files
    /// by structure where hunks conflict (your value wins only where both
    /// changed it); `line` is exactly `git rebase -Xtheirs`.
    #[arg(long, value_enum, default_value_t = Merge::Yaml, value_name = "MODE")]
    pub merge: Merge,

    /// After a successful rebase, push the backup ref to this remote (your
    /// private mirror), with your git and its credentials.
    #[arg(long, value_name = "REMOTE")]
    pub push_backup: Option<String>,

    /// Compute and report everything, change nothing (does not fetch).
    #[arg(long)]
    pub dry_run: bool,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,

    /// Reset the branch, index and working tree to a backup (default: the
    /// newest backup of this branch). The replaced tip is backed up first.
    #[arg(
        long,
        value_name = "BACKUP",
        num_args = 0..=1,
        default_missing_value = "",
        conflicts_with_all = ["upstream", "remote", "no_fetch", "list_backups"]
    )]
    pub restore: Option<String>,

    /// List the backups of this branch, oldest first.
    #[arg(long, conflicts_with_all = ["upstream", "remote", "no_fetch", "dry_run"])]
    pub list_backups: bool,

    /// Finish a rebase or restore that was interrupted (killed): working
    /// tree, index and branch brought to the new tip.
    #[arg(long = "continue", conflicts_with_all = ["upstream", "remote", "no_fetch", "dry_run", "restore", "list_backups", "abort"])]
    pub continue_op: bool,

    /// Undo a rebase or restore that was interrupted (killed): the old tip
    /// checked out again.
    #[arg(long, conflicts_with_all = ["upstream", "remote", "no_fetch", "dry_run", "restore", "list_backups"])]
    pub abort: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnDelete {
    /// Delete them, as the vendor guide's `git rm` does.
    Drop,
    /// Keep your version.
    Keep,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Merge {
    /// Structural merge of YAML files where hunks conflict.
    Yaml,
    /// Line merge, your hunks winning (git rebase -Xtheirs).
    Line,
}

fn failure(e: GitError) -> Failure {
    Failure::new(e.exit_code(), e.lines().join("\n"))
}

pub fn run(a: RebaseArgs) -> Result<u8, Failure> {
    let here = Path::new(".");
    if a.list_backups {
        return list(here, a.output);
    }
    if a.continue_op || a.abort {
        return super::interrupted::recover(a.abort, a.output);
    }
    if let Some(b) = &a.restore {
        let which = (!b.is_empty()).then_some(b.as_str());
        let o = git::restore(here, which, a.dry_run).map_err(failure)?;
        show(&o, a.output)?;
        return Ok(0);
    }
    let opts = RebaseOptions {
        upstream: a.upstream,
        remote: a.remote,
        fetch: !a.no_fetch,
        on_upstream_delete: match a.on_upstream_delete {
            OnDelete::Drop => DeletePolicy::Drop,
            OnDelete::Keep => DeletePolicy::Keep,
        },
        dry_run: a.dry_run,
        export_tree: None,
        merge: match a.merge {
            Merge::Yaml => MergeMode::Yaml,
            Merge::Line => MergeMode::Line,
        },
        push_backup: a.push_backup,
    };
    let report = git::rebase(here, &opts).map_err(failure)?;
    show(&report, a.output)?;
    if let Some(e) = &report.push_error {
        // The rebase is done; only the requested push failed.
        return Err(Failure::new(
            1,
            format!("rebased, but pushing the backup ref failed: {e}"),
        ));
    }
    Ok(0)
}

fn list(here: &Path, output: Output) -> Result<u8, Failure> {
    let repo = preflight::open(here).map_err(failure)?;
    let head = preflight::head(&repo)
        .map_err(failure)?
        .map_err(|p| Failure::new(2, p))?;
    let backups = BackupList::of(&repo, &head.branch).map_err(failure)?;
    show(&backups, output)?;
    Ok(0)
}
