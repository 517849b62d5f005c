//! The upgrade workflow of the vendor guides as one state machine: rebase,
//! migrate, review, summary, apply (whose pre-steps, components, waits and
//! deletes are the apply engine's). Every step's outcome is recorded in
//! `.git/gitops-upgrade/upgrade-state.json` before the next one starts, so
//! `--resume` continues from the step that stopped (a migration to review,
//! deletes to confirm, a component that failed or timed out) without doing
//! the earlier steps again. The stopping points are states: the run records
//! why it stopped and returns [`UpgradeError::Stopped`] with what to do.
//!
//! The workflow knows nothing of the terminal: it reports through the apply
//! engine's [`Ui`] (lines, questions, waits), so another front end (a CI job,
//! a controller) can drive it.

pub mod demo;
pub mod report;
pub mod state;

use std::collections::BTreeMap;
use std::path::Path;

use git2::{Oid, Repository, Signature};

use crate::apply::engine::{self, ApplyError, Target, Ui};
use crate::apply::kube::Cluster;
use crate::apply::{head, state as apply_state, steps};
use crate::diff::side::Source;
use crate::diff::{self, Operation, RecreateHint};
use crate::git::{self, time::now_stamp, GitError, MergeMode, RebaseOptions};
use crate::migrate::{self, engine as meng, journal as mjournal};
use crate::plan::Plan;

pub use state::{Step, UpgradeState};

/// What `upgrade` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Commit the migrated files and allow the deletes without asking.
    pub yes: bool,
    /// Change nothing, contact no cluster: the rebase and migration are
    /// played on a throwaway copy of the result, apply prints its commands.
    pub dry_run: bool,
    /// Continue the recorded upgrade from the step that stopped.
    pub resume: bool,
    /// How the rebase merges files both sides changed (`--merge`); `None`:
    /// the default (`yaml`) for a new upgrade, the recorded mode for
    /// `--resume`, which refuses a different one.
    pub merge: Option<MergeMode>,
    /// After the rebase, push its backup ref to this remote (the generic
    /// guide: "mirror the GitOps repo to a private remote"); a failed push
    /// stops the upgrade before the migration.
    pub push_backup: Option<String>,
    /// Values for catalog variables (`--set KEY=VALUE`).
    pub sets: BTreeMap<String, String>,
    /// How to apply (server-side, timeouts, polling); `dry_run`, `yes` and
    /// `resume` are set from the fields above.
    pub apply: engine::Options,
}

/// Why an upgrade did not finish.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    /// The rebase refused to start or failed; nothing was changed.
    #[error("{}\n(upgrade stopped at the rebase: nothing was changed)", .0.lines().join("\n"))]
    Rebase(GitError),
    /// A person is needed (or something failed) at `step`; the state
    /// records it and `upgrade --resume` continues there.
    #[error("{message}")]
    Stopped {
        step: Step,
        message: String,
        code: u8,
    },
    /// The apply step stopped; the apply state records where.
    #[error("{0}")]
    Apply(ApplyError),
    /// A usage problem: no plan, a bad catalog, nothing to resume.
    #[error("{0}")]
    Usage(String),
    /// Something outside the user's input failed (git, the file system).
    #[error("{0}")]
    Internal(String),
}

impl UpgradeError {
    /// The exit code for the binary: 1 for work that stopped, 2 for usage
    /// and internal errors, the rebase's own code for the rebase.
    pub fn exit_code(&self) -> u8 {
        match self {
            UpgradeError::Rebase(e) => e.exit_code(),
            UpgradeError::Stopped { code, .. } => *code,
            UpgradeError::Apply(e) => apply_exit_code(e),
            UpgradeError::Usage(_) | UpgradeError::Internal(_) => 2,
        }
    }
}

/// The exit code of an apply error: 2 for what is a usage problem.
pub use crate::apply::target::exit_code as apply_exit_code;

/// How an upgrade that did not fail ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step done.
    Done,
    /// A dry run printed every step.
    DryRun,
}

fn internal(what: &str) -> impl Fn(git2::Error) -> UpgradeError + '_ {
    move |e| UpgradeError::Internal(format!("{what}: {}", e.message()))
}

fn step_header(ui: &mut dyn Ui, n: usize, title: &str) {
    ui.say("");
    ui.say(&format!("== {n}/4 {title} =="));
}

fn say_text(ui: &mut dyn Ui, text: &str) {
    for l in text.lines() {
        ui.say(l);
    }
}

/// What the migration step did.
enum Migrated {
    Nothing,
    /// Files written (relative paths); the first root that no longer
    /// renders with them, if any (for a person to fix); and the migration's
    /// journal, still held when the files are to be committed in this run
    /// (see `migrate::journal::Held`: released once the commit has its own).
    /// The last field counts the warnings about the user's own files
    /// (the catalog's rule warnings: what to do by hand before applying).
    Files(Vec<String>, Option<String>, Option<mjournal::Held>, usize),
}

/// Runs the plan's catalogs over every kustomization below `root` and
/// writes the result (all or nothing).
fn migrate_tree(
    root: &Path,
    repo_root: &Path,
    plan: &Plan,
    sets: &BTreeMap<String, String>,
    show_diff: bool,
    ui: &mut dyn Ui,
) -> Result<Migrated, UpgradeError> {
    if plan.migrations.is_empty() {
        ui.say("The plan names no migration catalogs: nothing to migrate.");
        return Ok(Migrated::Nothing);
    }
    let catalogs = plan
        .migrations
        .iter()
        .map(|s| migrate::catalog::load(s, root))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UpgradeError::Usage)?;
    let dirs = meng::find_kustomizations(root);
    // Only the user's files are edited (see `migrate-patches`): the user's
    // commits are those of the repository, also when the tree migrated is
    // a copy of the rebased one.
    let ownership = migrate::owner::of_repo(repo_root, None, &[]).map_err(UpgradeError::Usage)?;
    ui.say(&ownership.describe());
    let owns = |rel: &str| ownership.owns(rel);
    let mp = migrate::plan(&meng::Options {
        root,
        dirs: &dirs,
        catalogs: &catalogs,
        sets,
        editable: Some(&owns),
    });
    for w in &mp.warnings {
        ui.say(&format!("warning: {w}"));
    }
    let warned = mp
        .warnings
        .iter()
        .filter(|w| !w.message.starts_with("vendor file, not edited"))
        .count();
    if !mp.problems.is_empty() {
        for p in &mp.problems {
            ui.say(&format!("error: {p}"));
        }
        return Err(UpgradeError::Stopped {
            step: Step::Migrate,
            message: format!(
                "migrate-patches: {} problem(s), nothing written; fix them (or pass --set KEY=VALUE) \
                 and run `gitops-upgrade upgrade --resume`",
                mp.problems.len()
            ),
            code: 1,
        });
    }
    if mp.files.is_empty() {
        ui.say(&format!(
            "Nothing to migrate ({} kustomizations checked with {}).",
            mp.kustomizations.len(),
            plan.migrations.join(", ")
        ));
        return Ok(Migrated::Nothing);
    }
    for c in &mp.changes {
        ui.say(&format!(
            "{}/{}: {}:{}: {}",
            c.catalog, c.rule, c.path, c.line, c.message
        ));
    }
    if show_diff {
        for f in &mp.files {
            say_text(ui, &crate::textdiff::file_diff(&f.rel, &f.before, &f.after));
        }
    }
    let held = mjournal::write_all_held(&mp.files).map_err(|m| UpgradeError::Stopped {
        step: Step::Migrate,
        message: m,
        code: 1,
    })?;
    let files = mp.files.iter().map(|f| f.rel.clone()).collect();
    for r in &mp.affected_roots {
        if let Err(e) = crate::kustomize::render_dir(r) {
            release(held)?;
            let rel = r.strip_prefix(root).unwrap_or(r).display().to_string();
            return Ok(Migrated::Files(
                files,
                Some(format!(
                    "migrate-patches: {rel} no longer renders after the migration: {e}; \
                     fix it, commit, then run `gitops-upgrade upgrade --resume`"
                )),
                None,
                warned,
            ));
        }
    }
    Ok(Migrated::Files(files, None, Some(held), warned))
}

/// Lets go of a migration's journal (the files are all written).
fn release(held: mjournal::Held) -> Result<(), UpgradeError> {
    held.release().map_err(|m| UpgradeError::Stopped {
        step: Step::Migrate,
        message: m,
        code: 1,
    })
}

/// Stops when a root the rebase broke still does not render.
fn still_broken(root: &Path, broken: &[String], ui: &mut dyn Ui) -> Result<(), UpgradeError> {
    let mut bad = Vec::new();
    for b in broken {
        if let Err(e) = crate::kustomize::render_dir(&root.join(b)) {
            bad.push(format!("{b}: {e}"));
        }
    }
    if bad.is_empty() {
        if !broken.is_empty() {
            ui.say(&format!(
                "The {} root(s) the rebase left broken render again.",
                broken.len()
            ));
        }
        return Ok(());
    }
    Err(UpgradeError::Stopped {
        step: Step::Review,
        message: format!(
            "after the rebase and the migration, {} kustomization root(s) still do not render: {}; \
             fix them, commit, then run `gitops-upgrade upgrade --resume`",
            bad.len(),
            bad.join("; ")
        ),
        code: 1,
    })
}

/// Commits `files` (relative paths) on the current branch, under the
/// journal (a kill leaves nothing committed, or an interrupted commit that
/// `rebase --continue` finishes and `rebase --abort` undoes); `journaled`
/// runs once the commit's journal is written.
fn commit_files(
    repo: &Repository,
    files: &[String],
    message: &str,
    journaled: impl FnOnce(),
) -> Result<Oid, UpgradeError> {
    let stop = |message: String| UpgradeError::Stopped {
        step: Step::Review,
        message: format!("cannot commit the migration: {message}"),
        code: 1,
    };
    let sig = repo
        .signature()
        .or_else(|_| Signature::now("gitops-upgrade", "gitops-upgrade@localhost"))
        .map_err(|x| stop(x.message().to_string()))?;
    git::journal::commit_files(repo, files, message, &sig, journaled)
        .map_err(|e| stop(e.lines().join("\n")))
}

/// The migrated files that still differ from HEAD (in the index or the
/// working tree): not reviewed and committed yet.
fn uncommitted(repo: &Repository, files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|f| {
            repo.status_file(Path::new(f.as_str()))
                .map(|s| !s.is_empty() && !s.is_ignored())
                .unwrap_or(false)
        })
        .cloned()
        .collect()
}

/// One component's line of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentSummary {
    /// A component of steps and checks only (no manifests).
    StepsOnly { name: String },
    /// Not in the new tree.
    Missing { name: String },
    /// Not on the old side (or it did not render there): `objects` new.
    New { name: String, objects: usize },
    /// On both sides.
    Changed {
        name: String,
        changed: usize,
        added: usize,
        removed: usize,
        /// `Kind ns/name: reasons` of what must be re-created.
        recreate: Vec<String>,
    },
}

/// Per component: what changes between `old` and `new` (kustomizations and
/// plain manifests alike).
pub fn summary(
    plan: &Plan,
    old: &Source<'_>,
    new: &Source<'_>,
    hints: &[RecreateHint],
) -> Result<Vec<ComponentSummary>, String> {
    let opts = diff::DiffOptions {
        show_secrets: false,
        recreate_hints: hints.to_vec(),
    };
    let mut out = Vec::new();
    for c in &plan.components {
        let name = c.name.clone();
        if c.steps_only() {
            out.push(ComponentSummary::StepsOnly { name });
            continue;
        }
        // An old side that does not render counts as new.
        let o = steps::load_path(old, &c.path).ok().flatten().map(|x| x.0);
        let n = steps::load_path(new, &c.path)
            .map_err(|m| format!("{}: {m}", c.path))?
            .map(|x| x.0);
        let Some(n) = n else {
            out.push(ComponentSummary::Missing { name });
            continue;
        };
        let Some(o) = o else {
            out.push(ComponentSummary::New {
                name,
                objects: n.len(),
            });
            continue;
        };
        let d = diff::diff_resources(&c.path, &o, &n, &opts);
        let count = |op| d.iter().filter(|x| x.op == op).count();
        out.push(ComponentSummary::Changed {
            name,
            changed: count(Operation::Changed),
            added: count(Operation::Added),
            removed: count(Operation::Removed),
            recreate: d
                .iter()
                .filter(|x| x.recreate())
                .map(|r| {
                    format!(
                        "{} {}: {}",
                        r.id.kind,
                        r.id.ns_name(),
                        r.recreate_reasons.join("; ")
                    )
                })
                .collect(),
        });
    }
    Ok(out)
}

/// What the plan's catalogs say to apply first (`apply-first`: the vendor
/// guide's external services) that the new tree has and no component of
/// the plan applies: `init --preset` leaves out, as comments, the paths the
/// checkout did not have yet, which the rebase may just have brought.
pub fn left_out(plan: &Plan, root: &Path, new: &Source<'_>) -> Vec<String> {
    let catalogs: Vec<_> = plan
        .migrations
        .iter()
        .filter_map(|m| migrate::catalog::load(m, root).ok())
        .collect();
    let norm = |p: &str| p.trim_end_matches('/').to_string();
    let mut out = Vec::new();
    for c in &catalogs {
        for a in &c.hints.apply_first {
            if plan
                .components
                .iter()
                .any(|x| norm(&x.path) == norm(&a.path))
            {
                continue;
            }
            if !matches!(steps::load_path(new, &a.path), Ok(Some(_))) {
                continue;
            }
            out.push(format!(
                "the {} catalog says to apply {} first ({}), the new tree has it, and no component \
                 of the plan applies it: add it to gitops-upgrade.yaml (`init --preset` leaves out, \
                 as comments, what the checkout did not have yet) unless it already runs",
                c.name, a.path, a.description
            ));
        }
    }
    out
}

fn say_summary(ui: &mut dyn Ui, rows: &[ComponentSummary]) {
    for r in rows {
        match r {
            ComponentSummary::StepsOnly { name } => {
                ui.say(&format!("  {name:<18} steps and checks only"))
            }
            ComponentSummary::Missing { name } => {
                ui.say(&format!("  {name:<18} not in the new tree"))
            }
            ComponentSummary::New { name, objects } => ui.say(&format!(
                "  {name:<18} new: {objects} object{}",
                if *objects == 1 { "" } else { "s" }
            )),
            ComponentSummary::Changed {
                name,
                changed,
                added,
                removed,
                recreate,
            } => {
                ui.say(&format!(
                    "  {name:<18} {changed} changed, {added} added, {removed} removed"
                ));
                for x in recreate {
                    ui.say(&format!("  {:<18}   re-create {x}", ""));
                }
            }
        }
    }
}

/// Runs the upgrade of the repository at `root` (its work tree) with the
/// plan it holds, against `cluster`.
pub fn run(
    repo: &Repository,
    root: &Path,
    cluster: &dyn Cluster,
    opts: &Options,
    ui: &mut dyn Ui,
) -> Result<Outcome, UpgradeError> {
    let git_dir = repo.path().to_path_buf();
    load_plan(root)?;
    if opts.dry_run {
        return dry_run(repo, root, cluster, opts, ui);
    }
    let mut st = if opts.resume {
        match state::load(&git_dir).map_err(|e| UpgradeError::Usage(e.to_string()))? {
            Some(s) if s.finished.is_none() => {
                if let Some(m) = opts.merge.filter(|m| *m != s.merge) {
                    return Err(UpgradeError::Usage(format!(
                        "this upgrade was started with --merge {}; --resume keeps it: drop --merge {}, \
                         or start over with `gitops-upgrade upgrade --merge {}`",
                        state::merge_name(s.merge),
                        state::merge_name(m),
                        state::merge_name(m)
                    )));
                }
                ui.say(&format!(
                    "Resuming the upgrade of {} started {}: at step {} ({}).",
                    s.branch,
                    s.started,
                    s.step.as_str(),
                    s.step.title()
                ));
                s
            }
            Some(_) => {
                return Err(UpgradeError::Usage(
                    "nothing to resume: the last upgrade finished; run `gitops-upgrade upgrade` for a new one".into(),
                ))
            }
            None => {
                return Err(UpgradeError::Usage(
                    "nothing to resume: no upgrade recorded in this repository; run `gitops-upgrade upgrade`".into(),
                ))
            }
        }
    } else {
        let branch = repo
            .head()
            .ok()
            .and_then(|h| h.shorthand().ok().map(str::to_string))
            .unwrap_or_default();
        let mut st = UpgradeState::new(&branch, now_stamp());
        st.merge = opts.merge.unwrap_or_default();
        st
    };
    let mut pushed: Result<(), UpgradeError> = Ok(());
    if let (true, Some(remote), Some(b)) = (
        opts.resume && st.step > Step::Rebase,
        &opts.push_backup,
        st.backup.clone(),
    ) {
        // The rebase is done: push the backup it made (a retry after a
        // failed push, or a mirror named only now).
        match git::push::push_ref(repo, remote, &b) {
            Ok(()) => ui.say(&format!("Pushed the backup ref {b} to {remote}.")),
            Err(e) => {
                pushed = Err(UpgradeError::Stopped {
                    step: st.step,
                    message: format!(
                        "pushing the backup ref to {remote} failed: {e}; mirror it before going on \
                         (`git push {remote} {b}:{b}`), then run `gitops-upgrade upgrade --resume`"
                    ),
                    code: 1,
                })
            }
        }
    }
    if pushed.is_ok() && opts.resume && st.stopped.is_some() {
        // Under way again: `status` must not show the last run's reason
        // (a kill, unlike an error, records no new one).
        st.stopped = None;
        save(&git_dir, &st)?;
    }
    let result = pushed.and_then(|_| drive(repo, root, cluster, opts, ui, &mut st));
    if let Err(e) = &result {
        // Record where it stopped and why (the rebase's own failures leave
        // nothing to resume: it changed nothing).
        if !matches!(e, UpgradeError::Rebase(_)) || opts.resume {
            if let UpgradeError::Stopped { step, .. } = e {
                st.step = *step;
            }
            st.stopped = Some(e.to_string());
            save(&git_dir, &st)?;
        }
    }
    result
}

fn save(git_dir: &Path, st: &UpgradeState) -> Result<(), UpgradeError> {
    state::save(git_dir, st).map_err(|e| UpgradeError::Internal(e.to_string()))
}

/// The steps from `st.step` on.
fn drive(
    repo: &Repository,
    root: &Path,
    cluster: &dyn Cluster,
    opts: &Options,
    ui: &mut dyn Ui,
    st: &mut UpgradeState,
) -> Result<Outcome, UpgradeError> {
    // The migration's journal, held from the write to the commit when both
    // happen in this run (a kill at any moment leaves one journal or the
    // other); let go of whatever way the steps end, since every file was
    // written.
    let mut held: Option<mjournal::Held> = None;
    let result = steps_from(repo, root, cluster, opts, ui, st, &mut held);
    if let Some(h) = held.take() {
        let released = release(h);
        if result.is_ok() {
            released?;
        }
    }
    result
}

/// The steps from `st.step` on (see [`drive`]).
fn steps_from(
    repo: &Repository,
    root: &Path,
    cluster: &dyn Cluster,
    opts: &Options,
    ui: &mut dyn Ui,
    st: &mut UpgradeState,
    held: &mut Option<mjournal::Held>,
) -> Result<Outcome, UpgradeError> {
    let git_dir = repo.path().to_path_buf();
    // Warnings of a migration made in this run (a resumed run was started
    // by a person who read them).
    let mut warned_now = 0;
    loop {
        match st.step {
            Step::Rebase => {
                step_header(ui, 1, "rebase onto the new upstream");
                let report = git::rebase(
                    root,
                    &RebaseOptions {
                        merge: st.merge,
                        push_backup: opts.push_backup.clone(),
                        ..RebaseOptions::default()
                    },
                )
                .map_err(UpgradeError::Rebase)?;
                say_text(ui, &report.to_text());
                let (base, label) = cluster_base(repo, &report);
                st.old_tip = Some(report.old_tip.to_string());
                st.new_tip = Some(report.new_tip.to_string());
                st.backup = report.backup.clone();
                st.base = Some(base.to_string());
                st.base_label = Some(label.to_string());
                // Roots the rebase broke may be what the migration fixes:
                // checked again after it.
                st.broken_roots = report.broken_roots.iter().map(|b| b.root.clone()).collect();
                st.advance(Step::Migrate, now_stamp());
                save(&git_dir, st)?;
                if let (Some(e), Some(remote), Some(b)) =
                    (&report.push_error, &opts.push_backup, &report.backup)
                {
                    return Err(UpgradeError::Stopped {
                        step: Step::Migrate,
                        message: format!(
                            "rebased, but pushing the backup ref to {remote} failed: {e}; \
                             mirror it before going on (`git push {remote} {b}:{b}`), then run \
                             `gitops-upgrade upgrade --resume`"
                        ),
                        code: 1,
                    });
                }
            }
            Step::Migrate => {
                step_header(ui, 2, "migrate-patches");
                let plan = load_plan(root)?;
                let broken = match migrate_tree(root, root, &plan, &opts.sets, false, ui)? {
                    Migrated::Files(files, broken, h, warned) => {
                        st.migrated_files = files;
                        *held = h;
                        warned_now = warned;
                        broken
                    }
                    Migrated::Nothing => {
                        st.migrated_files.clear();
                        None
                    }
                };
                st.advance(Step::Review, now_stamp());
                save(&git_dir, st)?;
                if let Some(message) = broken {
                    return Err(UpgradeError::Stopped {
                        step: Step::Review,
                        message,
                        code: 1,
                    });
                }
            }
            Step::Review => {
                let plan = load_plan(root)?;
                let pending = uncommitted(repo, &st.migrated_files);
                if pending.is_empty() {
                    if let Some(h) = held.take() {
                        release(h)?;
                    }
                } else {
                    if opts.yes && warned_now > 0 {
                        // The catalog asks for something done by hand
                        // before the apply (the v0.12 guide: back up and
                        // remove the Rok PVs first): --yes does not say it
                        // was done; `--resume --yes` does.
                        if let Some(h) = held.take() {
                            release(h)?;
                        }
                        return Err(UpgradeError::Stopped {
                            step: Step::Review,
                            message: format!(
                                "migrate-patches changed {} file(s) and warned {warned_now} time(s) \
                                 (above) about what to do by hand before the apply; --yes does not \
                                 skip that: do it, then run `gitops-upgrade upgrade --resume --yes` \
                                 (which commits the migration and applies)",
                                pending.len()
                            ),
                            code: 1,
                        });
                    }
                    if !opts.yes {
                        if let Some(h) = held.take() {
                            release(h)?;
                        }
                        return Err(UpgradeError::Stopped {
                            step: Step::Review,
                            message: format!(
                                "migrate-patches changed {} file(s): review them (`git diff`), commit, then \
                                 run `gitops-upgrade upgrade --resume` (or `gitops-upgrade upgrade` again, \
                                 or `gitops-upgrade apply`)",
                                pending.len()
                            ),
                            code: 1,
                        });
                    }
                    let msg = format!("Migrate patches for {}", plan.migrations.join(", "));
                    // The migration's journal is dropped once the commit's
                    // is written.
                    let id = commit_files(
                        repo,
                        &pending,
                        &format!("{msg}\n\nWritten by gitops-upgrade upgrade --yes.\n"),
                        || {
                            if let Some(h) = held.take() {
                                let _ = h.release();
                            }
                        },
                    );
                    if let Some(h) = held.take() {
                        release(h)?;
                    }
                    let id = id?;
                    ui.say(&format!(
                        "Committed the migration as {}.",
                        &id.to_string()[..12]
                    ));
                    st.migration_commit = Some(id.to_string());
                }
                still_broken(root, &st.broken_roots, ui)?;
                st.advance(Step::Summary, now_stamp());
                save(&git_dir, st)?;
            }
            Step::Summary => {
                let plan = load_plan(root)?;
                let hints = head::catalog_hints(&plan, root).map_err(UpgradeError::Usage)?;
                let (old_side, label) = base_side(repo, st)?;
                let head = head_commit(repo)?;
                let new_side = Source::Tree {
                    repo,
                    tree: head.tree().map_err(internal("cannot read HEAD"))?,
                    commit: head.id().to_string(),
                };
                step_header(ui, 3, "what changes, per component");
                ui.say(&format!("Compared with {label}:"));
                let rows = summary(&plan, &old_side, &new_side, &hints).map_err(|m| {
                    UpgradeError::Stopped {
                        step: Step::Summary,
                        message: m,
                        code: 1,
                    }
                })?;
                say_summary(ui, &rows);
                for w in left_out(&plan, root, &new_side) {
                    ui.say(&format!("warning: {w}"));
                }
                st.advance(Step::Apply, now_stamp());
                save(&git_dir, st)?;
            }
            Step::Apply => {
                step_header(ui, 4, "apply");
                let plan = load_plan(root)?;
                let hints = head::catalog_hints(&plan, root).map_err(UpgradeError::Usage)?;
                let head = head_commit(repo)?;
                let revision = head.id().to_string();
                // The cluster runs this very revision, applied in full: an
                // apply would change nothing but would run the plan's
                // steps again (a drain scales the operator to zero).
                let last = apply_state::load(&git_dir).ok().flatten();
                if let Some(l) = last.filter(|l| {
                    l.finished.is_some() && l.last_applied.as_deref() == Some(revision.as_str())
                }) {
                    ui.say(&format!(
                        "Nothing to apply: {} is what the last apply applied in full (finished {}). \
                         `gitops-upgrade apply` applies it again.",
                        &revision[..12],
                        l.finished.as_deref().unwrap_or("?")
                    ));
                    st.advance(Step::Done, now_stamp());
                    st.finished = st.done_at(Step::Apply).map(str::to_string);
                    save(&git_dir, st)?;
                    continue;
                }
                // Continue the apply this upgrade started, when it stopped
                // part-way through the same revision.
                let resume_apply = opts.resume
                    && apply_state::load(&git_dir)
                        .ok()
                        .flatten()
                        .is_some_and(|a| a.finished.is_none() && a.revision == revision);
                let target = Target {
                    plan,
                    source: Source::Tree {
                        repo,
                        tree: head.tree().map_err(internal("cannot read HEAD"))?,
                        commit: revision.clone(),
                    },
                    revision,
                    from: None,
                    catalog_hints: hints,
                    git_dir: git_dir.clone(),
                };
                let aopts = engine::Options {
                    dry_run: false,
                    yes: opts.yes,
                    resume: resume_apply,
                    only: None,
                    ..opts.apply.clone()
                };
                engine::run(&target, cluster, &aopts, ui).map_err(|e| match e {
                    // Nothing was applied: a fix is a new commit, which
                    // `--resume` applies.
                    ApplyError::PolicyRefused { .. } => UpgradeError::Stopped {
                        step: Step::Apply,
                        message: format!("{e}; then run `gitops-upgrade upgrade --resume`"),
                        code: 1,
                    },
                    e => UpgradeError::Apply(e),
                })?;
                st.advance(Step::Done, now_stamp());
                st.finished = st.done_at(Step::Apply).map(str::to_string);
                save(&git_dir, st)?;
            }
            Step::Done => return Ok(Outcome::Done),
        }
    }
}

/// What the cluster runs: the last revision applied, else the tip before
/// this upgrade's rebase (when the rebase did not move the branch: the
/// newest backup, made by an earlier run).
fn cluster_base(repo: &Repository, report: &git::RebaseReport) -> (Oid, &'static str) {
    let applied = apply_state::load(repo.path())
        .ok()
        .flatten()
        .and_then(|s| s.last_applied)
        .and_then(|r| Oid::from_str(&r).ok());
    match applied {
        Some(r) => (r, "last applied"),
        None if report.old_tip != report.new_tip => (report.old_tip, "before the upgrade"),
        None => match git::list_backups(repo, &report.branch)
            .ok()
            .and_then(|b| b.last().map(|b| b.target))
        {
            Some(b) => (b, "before the upgrade, from the newest backup"),
            None => (report.old_tip, "before the upgrade"),
        },
    }
}

/// The recorded base as a diff side, with its label.
fn base_side<'r>(
    repo: &'r Repository,
    st: &UpgradeState,
) -> Result<(Source<'r>, String), UpgradeError> {
    let base = st
        .base
        .as_deref()
        .and_then(|b| Oid::from_str(b).ok())
        .ok_or_else(|| UpgradeError::Internal("the upgrade state has no base revision".into()))?;
    let tree = repo
        .find_commit(base)
        .and_then(|c| c.tree())
        .map_err(internal("cannot read the revision compared with"))?;
    let label = format!(
        "{} ({})",
        &base.to_string()[..12],
        st.base_label.as_deref().unwrap_or("before the upgrade")
    );
    Ok((
        Source::Tree {
            repo,
            tree,
            commit: base.to_string(),
        },
        label,
    ))
}

fn head_commit(repo: &Repository) -> Result<git2::Commit<'_>, UpgradeError> {
    repo.head()
        .and_then(|h| h.peel_to_commit())
        .map_err(internal("cannot read HEAD"))
}

fn load_plan(root: &Path) -> Result<Plan, UpgradeError> {
    head::load_plan(root).map_err(UpgradeError::Usage)
}

/// `--dry-run`: the rebase computed without moving anything, the rest
/// played on a throwaway copy of the rebased tree; nothing recorded.
fn dry_run(
    repo: &Repository,
    root: &Path,
    cluster: &dyn Cluster,
    opts: &Options,
    ui: &mut dyn Ui,
) -> Result<Outcome, UpgradeError> {
    let tmp = tempfile::Builder::new()
        .prefix("gitops-upgrade-dry-run-")
        .tempdir()
        .map_err(|e| UpgradeError::Internal(format!("cannot make a temporary directory: {e}")))?;
    step_header(ui, 1, "rebase onto the new upstream");
    let report = git::rebase(
        root,
        &RebaseOptions {
            dry_run: true,
            export_tree: Some(tmp.path().to_path_buf()),
            merge: opts.merge.unwrap_or_default(),
            // Checked (the remote must exist), not pushed: a dry run makes
            // no backup.
            push_backup: opts.push_backup.clone(),
            ..RebaseOptions::default()
        },
    )
    .map_err(UpgradeError::Rebase)?;
    say_text(ui, &report.to_text());
    let broken: Vec<String> = report.broken_roots.iter().map(|b| b.root.clone()).collect();
    let (base, base_label) = cluster_base(repo, &report);
    let mut st = UpgradeState::new(&report.branch, String::new());
    st.base = Some(base.to_string());
    st.base_label = Some(base_label.to_string());
    let (old_side, before_label) = base_side(repo, &st)?;

    let plan = load_plan(tmp.path())?;
    step_header(ui, 2, "migrate-patches (on a copy of the rebased tree)");
    if let Migrated::Files(_, broken, held, _) =
        migrate_tree(tmp.path(), root, &plan, &opts.sets, true, ui)?
    {
        if let Some(h) = held {
            release(h)?;
        }
        if let Some(message) = broken {
            return Err(UpgradeError::Stopped {
                step: Step::Review,
                message,
                code: 1,
            });
        }
    }
    still_broken(tmp.path(), &broken, ui)?;
    let hints = head::catalog_hints(&plan, tmp.path()).map_err(UpgradeError::Usage)?;
    let new_side = Source::Dir {
        path: tmp.path().to_path_buf(),
        worktree: false,
    };
    step_header(ui, 3, "what changes, per component");
    ui.say(&format!("Compared with {before_label}:"));
    let rows = summary(&plan, &old_side, &new_side, &hints).map_err(|m| UpgradeError::Stopped {
        step: Step::Summary,
        message: m,
        code: 1,
    })?;
    say_summary(ui, &rows);
    for w in left_out(&plan, tmp.path(), &new_side) {
        ui.say(&format!("warning: {w}"));
    }
    step_header(ui, 4, "apply (dry run)");
    let target = Target {
        plan,
        source: new_side,
        revision: format!(
            "{} + migration (not committed)",
            &report.new_tip.to_string()[..12]
        ),
        from: Some((old_side, before_label)),
        catalog_hints: hints,
        git_dir: repo.path().to_path_buf(),
    };
    let aopts = engine::Options {
        dry_run: true,
        yes: opts.yes,
        resume: false,
        only: None,
        ..opts.apply.clone()
    };
    engine::run(&target, cluster, &aopts, ui).map_err(UpgradeError::Apply)?;
    ui.say("");
    ui.say("Dry run complete: nothing was changed. Run `gitops-upgrade upgrade` to do it.");
    Ok(Outcome::DryRun)
}
