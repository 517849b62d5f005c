//! `rebase`: the whole operation. Check, fetch, choose the commits, replay
//! them in memory (new objects go to an in-memory object database), check
//! the affected kustomization roots, and only then, unless it is a dry run,
//! write the objects, make the backup ref and move branch, index and
//! working tree together.

use std::io::Write;
use std::path::Path;

use git2::{Buf, Oid, Repository, Signature};

use super::backup::free_backup_name;
use super::error::{Context, GitError};
use super::journal::{self, Journal, Op};
pub use super::replay::{DeletePolicy, MergeMode};
use super::report::{RebaseReport, UpstreamDeleted};
use super::{fetch, preflight, replay, roots, worktree};

/// What `gitops-upgrade rebase` was asked to do.
#[derive(Debug, Clone)]
pub struct RebaseOptions {
    /// The upstream ref (`origin/main`, a tag, a commit); default: the
    /// branch's configured upstream.
    pub upstream: Option<String>,
    /// The remote to fetch; default: the upstream's remote.
    pub remote: Option<String>,
    pub fetch: bool,
    pub on_upstream_delete: DeletePolicy,
    pub dry_run: bool,
    /// Write the files of the rebased tree into this directory (even in a
    /// dry run, where the new commits live only in memory).
    pub export_tree: Option<std::path::PathBuf>,
    /// How files both sides changed are merged (`--merge`).
    pub merge: MergeMode,
    /// After a successful rebase, push the backup ref to this remote.
    pub push_backup: Option<String>,
}

impl Default for RebaseOptions {
    fn default() -> Self {
        RebaseOptions {
            upstream: None,
            remote: None,
            fetch: true,
            on_upstream_delete: DeletePolicy::Drop,
            dry_run: false,
            export_tree: None,
            merge: MergeMode::Yaml,
            push_backup: None,
        }
    }
}

fn resolve(repo: &Repository, spec: &str) -> Option<Oid> {
    repo.revparse_single(spec)
        .and_then(|o| o.peel_to_commit())
        .ok()
        .map(|c| c.id())
}

/// The remote a ref spec belongs to, if it names a remote-tracking branch.
fn remote_of(repo: &Repository, spec: &str) -> Option<String> {
    if let Ok(r) = repo.resolve_reference_from_short_name(spec) {
        if let Ok(name) = r.name() {
            if name.starts_with("refs/remotes/") {
                if let Ok(b) = repo.branch_remote_name(name) {
                    return b.as_str().ok().map(str::to_string);
                }
            }
            return None;
        }
    }
    // Not there yet (the fetch may create it): `<remote>/<branch>`.
    let first = spec
        .strip_prefix("refs/remotes/")
        .unwrap_or(spec)
        .split('/')
        .next()?;
    let remotes = repo.remotes().ok()?;
    let found = remotes.iter().flatten().any(|r| r == Some(first));
    found.then(|| first.to_string())
}

/// The branch's configured upstream: its short name and remote.
fn configured_upstream(repo: &Repository, refname: &str) -> Option<(String, Option<String>)> {
    let name = repo.branch_upstream_name(refname).ok()?;
    let name = name.as_str().ok()?.to_string();
    let remote = repo
        .branch_upstream_remote(refname)
        .ok()
        .and_then(|b| b.as_str().ok().map(str::to_string))
        .filter(|r| r != ".");
    let short = name
        .strip_prefix("refs/remotes/")
        .or_else(|| name.strip_prefix("refs/heads/"))
        .unwrap_or(&name)
        .to_string();
    Some((short, remote))
}

fn committer(repo: &Repository, fallback: &Signature<'_>) -> Result<Signature<'static>, GitError> {
    match repo.signature() {
        Ok(s) => Ok(s),
        Err(_) => Signature::now(
            fallback.name().unwrap_or("gitops-upgrade"),
            fallback.email().unwrap_or("gitops-upgrade@localhost"),
        )
        .ctx(|| "cannot make a committer signature".into()),
    }
}

/// Rebases the branch checked out in the repository containing `dir`.
pub fn rebase(dir: &Path, opts: &RebaseOptions) -> Result<RebaseReport, GitError> {
    let repo = preflight::open(dir)?;
    journal::refuse_if_interrupted(&repo)?;
    let mut problems = Vec::new();
    let head = match preflight::head(&repo)? {
        Ok(h) => Some(h),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    problems.extend(preflight::problems(&repo)?);
    let head = match head {
        Some(h) => h,
        None => return Err(GitError::Refused { problems }),
    };

    // The upstream, and the remote to fetch.
    let (spec, mut remote) = match &opts.upstream {
        Some(u) => (Some(u.clone()), remote_of(&repo, u)),
        None => match configured_upstream(&repo, &head.refname) {
            Some((u, r)) => (Some(u), r),
            None => {
                problems.push(format!(
                    "branch '{}' has no upstream; give one with --upstream <ref> (for example --upstream origin/main) \
                     or set it with: git branch --set-upstream-to=<remote>/<branch>",
                    head.branch
                ));
                (None, None)
            }
        },
    };
    if let Some(r) = &opts.remote {
        if repo.find_remote(r).is_err() {
            problems.push(format!("no remote named '{r}' (git remote -v lists them)"));
        }
        remote = Some(r.clone());
    }
    if let Some(r) = &opts.push_backup {
        if repo.find_remote(r).is_err() {
            problems.push(format!(
                "--push-backup: no remote named '{r}' (add one with: git remote add {r} <url>)"
            ));
        }
    }
    let will_fetch = opts.fetch && !opts.dry_run && remote.is_some();
    let before = spec.as_deref().and_then(|s| resolve(&repo, s));
    if let Some(s) = &spec {
        if before.is_none() && !will_fetch {
            problems.push(format!("upstream '{s}' does not exist"));
        }
    }
    let (true, Some(spec)) = (problems.is_empty(), spec) else {
        return Err(GitError::Refused { problems });
    };

    let mut fetch_note = None;
    let mut fetched = None;
    if let (true, Some(r)) = (will_fetch, remote.clone()) {
        fetch::fetch(&repo, &r)?;
        fetched = Some(r);
    } else if opts.dry_run && opts.fetch && remote.is_some() {
        fetch_note = Some(format!(
            "a dry run does not fetch; run git fetch --prune {} first to see the newest upstream",
            remote.as_deref().unwrap_or_default()
        ));
    } else if !opts.fetch {
        fetch_note = Some("--no-fetch".into());
    } else if remote.is_none() {
        fetch_note = Some(format!("'{spec}' is not a remote-tracking branch"));
    }
    let upstream = match resolve(&repo, &spec) {
        Some(u) => u,
        None => {
            return Err(GitError::Refused {
                problems: vec![format!(
                    "upstream '{spec}' does not exist (not even after fetching from '{}')",
                    remote.unwrap_or_default()
                )],
            })
        }
    };

    // Replay in memory.
    let odb = repo
        .odb()
        .ctx(|| "cannot open the object database".into())?;
    let mempack = odb
        .add_new_mempack_backend(1000)
        .ctx(|| "cannot set up the in-memory object database".into())?;
    let plan = replay::plan(&repo, head.tip, upstream)?;
    let old_commit = repo
        .find_commit(head.tip)
        .ctx(|| format!("cannot read commit {}", head.tip))?;
    let who = committer(&repo, &old_commit.committer())?;
    let outcome = replay::replay_with(
        &repo,
        upstream,
        &plan,
        opts.on_upstream_delete,
        &who,
        opts.merge,
    )?;
    let old_tree = old_commit
        .tree()
        .ctx(|| "cannot read the old tree".into())?;
    let new_tree = repo
        .find_commit(outcome.new_tip)
        .and_then(|c| c.tree())
        .ctx(|| "cannot read the new tree".into())?;
    let broken_roots = roots::broken_roots(&repo, &old_tree, &new_tree)
        .ctx(|| "cannot find the kustomization roots".into())?;
    if let Some(dir) = &opts.export_tree {
        worktree::export_tree(&repo, &new_tree, dir)?;
    }

    let mut backup = None;
    if !opts.dry_run && outcome.new_tip != head.tip {
        if !outcome.replayed.is_empty() {
            let mut buf = Buf::new();
            mempack
                .dump(&repo, &mut buf)
                .ctx(|| "cannot pack the new objects".into())?;
            let mut w = odb
                .packwriter()
                .ctx(|| "cannot write the new objects".into())?;
            w.write_all(&buf)
                .map_err(|e| GitError::Update(format!("cannot write the new objects: {e}")))?;
            w.commit().ctx(|| "cannot write the new objects".into())?;
        }
        crate::failpoint::hit("rebase.objects-written");
        let name = free_backup_name(&repo, &head.branch)?;
        let j = Journal::new(
            Op::Rebase,
            &head,
            outcome.new_tip,
            name.clone(),
            format!("onto {spec}"),
        );
        let backup_log = format!("gitops-upgrade rebase: backup before rebasing onto {spec}");
        let msg = format!(
            "gitops-upgrade rebase (finish): {} onto {}",
            head.refname, upstream
        );
        journal::execute(&repo, j, &backup_log, &msg)?;
        backup = Some(name);
    }
    let _ = mempack.reset();
    let (backup_pushed, push_error) = match (&opts.push_backup, &backup) {
        (Some(remote), Some(b)) => match super::push::push_ref(&repo, remote, b) {
            Ok(()) => (Some(remote.clone()), None),
            Err(e) => (None, Some(e)),
        },
        _ => (None, None),
    };

    // Files the upstream deleted and local commits changed, once each.
    let recover_rev = backup.clone().unwrap_or_else(|| head.tip.to_string());
    let mut dropped: Vec<UpstreamDeleted> = Vec::new();
    let mut kept: Vec<UpstreamDeleted> = Vec::new();
    let drops = outcome
        .replayed
        .iter()
        .map(|r| (r.original, &r.dropped))
        .chain(outcome.skipped.iter().map(|k| (k.commit, &k.dropped)));
    for (original, list) in drops {
        for p in list {
            if !dropped.iter().any(|d| &d.path == p) {
                let rev = if old_tree.get_path(Path::new(p)).is_ok() {
                    recover_rev.clone()
                } else {
                    original.to_string()
                };
                dropped.push(UpstreamDeleted {
                    path: p.clone(),
                    commit: original,
                    recover: Some(format!("git show {rev}:{p}")),
                });
            }
        }
    }
    for r in &outcome.replayed {
        for p in &r.kept {
            if !kept.iter().any(|d| &d.path == p) {
                kept.push(UpstreamDeleted {
                    path: p.clone(),
                    commit: r.original,
                    recover: None,
                });
            }
        }
    }
    let from = backup.clone().unwrap_or_else(|| head.tip.to_string());
    let next_steps = if outcome.new_tip == head.tip {
        Vec::new()
    } else {
        vec![
            "gitops-upgrade migrate-patches".to_string(),
            format!("gitops-upgrade diff --from {from}"),
        ]
    };
    Ok(RebaseReport {
        branch: head.branch,
        dry_run: opts.dry_run,
        upstream: spec,
        fetched,
        fetch_note,
        upstream_before_fetch: before,
        upstream_new: upstream,
        upstream_old: plan.merge_base,
        old_tip: head.tip,
        new_tip: outcome.new_tip,
        backup,
        replayed: outcome.replayed,
        skipped: outcome.skipped,
        dropped,
        kept,
        broken_roots,
        next_steps,
        merges: outcome.merges,
        backup_pushed,
        push_error,
    })
}
