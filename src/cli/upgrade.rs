//! `gitops-upgrade upgrade` (rebase, migrate-patches, diff summary, apply)
//! and `gitops-upgrade demo` (the whole upgrade on a throwaway repository).

use std::collections::BTreeMap;
use std::path::Path;

use clap::Args;
use git2::{Oid, Repository, Signature};

use super::apply::{catalog_hints, load_plan, open_repo, run_target, ClusterArgs};
use super::Failure;
use gitops_upgrade::apply::engine::Target;
use gitops_upgrade::diff::side::Source;
use gitops_upgrade::diff::{self, Operation};
use gitops_upgrade::git::{self, GitError, RebaseOptions};
use gitops_upgrade::migrate::{self, engine as meng, journal as mjournal};
use gitops_upgrade::plan::Plan;

mod files {
    include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));
}

/// The whole upgrade: rebase, migrate-patches, a diff summary, then apply.
///
/// 1. rebase your commits onto the fetched upstream (a backup ref keeps the
///    old tip); 2. migrate your patches with the plan's catalogs; 3. show
///    what changes per component and what must be re-created; 4. apply the
///    components in the plan's order. Stops at the first step that needs a
///    person (a rebase that cannot start, migrated files to review and
///    commit, deletes to confirm) and says which command continues.
///
/// With --dry-run nothing changes and no cluster is contacted: the rebase
/// and the migration are computed on a throwaway copy of the result, and
/// apply prints its commands. --dry-run does not fetch: `git fetch` first.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
git fetch && gitops-upgrade upgrade --dry-run\n  \
gitops-upgrade upgrade                       # stops for you to review the migration\n  \
gitops-upgrade upgrade --yes --context prod  # commits the migration, allows the deletes")]
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

    #[command(flatten)]
    pub cluster: ClusterArgs,
}

fn step(n: usize, title: &str) {
    println!("\n== {n}/4 {title} ==");
}

fn git_failure(e: GitError) -> Failure {
    Failure::new(e.exit_code(), e.lines().join("\n"))
}

fn parse_sets(sets: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut out = BTreeMap::new();
    for s in sets {
        let Some((k, v)) = s.split_once('=') else {
            return Err(Failure::new(2, format!("--set {s}: expected KEY=VALUE")));
        };
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

/// What the migration step did.
enum Migrated {
    Nothing,
    /// Files changed (relative paths), their journal still held (see
    /// `migrate::journal::Held`: released once the commit has its own).
    Held(Vec<String>, mjournal::Held),
}

/// Runs the plan's catalogs over every kustomization below `root` and
/// writes the result (all or nothing).
fn migrate_tree(
    root: &Path,
    plan: &Plan,
    sets: &BTreeMap<String, String>,
    show_diff: bool,
) -> Result<Migrated, Failure> {
    if plan.migrations.is_empty() {
        println!("The plan names no migration catalogs: nothing to migrate.");
        return Ok(Migrated::Nothing);
    }
    let catalogs = plan
        .migrations
        .iter()
        .map(|s| super::migrate::load_catalog(s, root))
        .collect::<Result<Vec<_>, _>>()?;
    let dirs = meng::find_kustomizations(root);
    let mp = migrate::plan(&meng::Options {
        root,
        dirs: &dirs,
        catalogs: &catalogs,
        sets,
    });
    for w in &mp.warnings {
        println!("warning: {w}");
    }
    if !mp.problems.is_empty() {
        for p in &mp.problems {
            println!("error: {p}");
        }
        return Err(Failure::new(
            1,
            format!(
                "migrate-patches: {} problem(s), nothing written; fix them (or pass --set KEY=VALUE) \
                 and run `gitops-upgrade upgrade` again",
                mp.problems.len()
            ),
        ));
    }
    if mp.files.is_empty() {
        println!(
            "Nothing to migrate ({} kustomizations checked with {}).",
            mp.kustomizations.len(),
            plan.migrations.join(", ")
        );
        return Ok(Migrated::Nothing);
    }
    for c in &mp.changes {
        println!(
            "{}/{}: {}:{}: {}",
            c.catalog, c.rule, c.path, c.line, c.message
        );
    }
    if show_diff {
        for f in &mp.files {
            print!("{}", migrate::udiff::unified(&f.rel, &f.before, &f.after));
        }
    }
    let held = mjournal::write_all_held(&mp.files).map_err(|m| Failure::new(1, m))?;
    for r in &mp.affected_roots {
        if let Err(e) = gitops_upgrade::kustomize::render_dir(r) {
            held.release().map_err(|m| Failure::new(1, m))?;
            let rel = r.strip_prefix(root).unwrap_or(r).display().to_string();
            return Err(Failure::new(
                1,
                format!("migrate-patches: {rel} no longer renders after the migration: {e}; fix it, commit, then run `gitops-upgrade apply`"),
            ));
        }
    }
    Ok(Migrated::Held(
        mp.files.iter().map(|f| f.rel.clone()).collect(),
        held,
    ))
}

/// Stops when a root the rebase broke still does not render.
fn still_broken(root: &Path, broken: &[String]) -> Result<(), Failure> {
    let mut bad = Vec::new();
    for b in broken {
        if let Err(e) = gitops_upgrade::kustomize::render_dir(&root.join(b)) {
            bad.push(format!("{b}: {e}"));
        }
    }
    if bad.is_empty() {
        if !broken.is_empty() {
            println!(
                "The {} root(s) the rebase left broken render again.",
                broken.len()
            );
        }
        return Ok(());
    }
    Err(Failure::new(
        1,
        format!(
            "after the rebase and the migration, {} kustomization root(s) still do not render: {}; \
             fix them, commit, then run `gitops-upgrade upgrade` again",
            bad.len(),
            bad.join("; ")
        ),
    ))
}

/// Commits `files` (relative paths) on the current branch, under the
/// journal (a kill leaves nothing committed, or an interrupted commit that
/// `rebase --continue` finishes and `rebase --abort` undoes).
fn commit_files(
    repo: &Repository,
    files: &[String],
    message: &str,
    journaled: impl FnOnce(),
) -> Result<Oid, Failure> {
    let sig = repo
        .signature()
        .or_else(|_| Signature::now("gitops-upgrade", "gitops-upgrade@localhost"))
        .map_err(|x| Failure::new(1, format!("cannot commit the migration: {}", x.message())))?;
    git::journal::commit_files(repo, files, message, &sig, journaled).map_err(|e| {
        Failure::new(
            e.exit_code(),
            format!("cannot commit the migration: {}", e.lines().join("\n")),
        )
    })
}

/// Per component: what changes between `old` and `new`.
fn summary(
    plan: &Plan,
    old: &Source<'_>,
    new: &Source<'_>,
    hints: &[diff::RecreateHint],
) -> Result<(), Failure> {
    let opts = diff::DiffOptions {
        show_secrets: false,
        recreate_hints: hints.to_vec(),
    };
    for c in &plan.components {
        let o = old
            .build(&c.path)
            .map_err(|m| Failure::new(1, format!("{}: {m}", c.path)))?;
        let n = new
            .build(&c.path)
            .map_err(|m| Failure::new(1, format!("{}: {m}", c.path)))?;
        let Some(n) = n else {
            println!("  {:<18} not in the new tree", c.name);
            continue;
        };
        let Some(o) = o else {
            println!("  {:<18} new: {} objects", c.name, n.len());
            continue;
        };
        let d = diff::diff_resources(&c.path, &o, &n, &opts);
        let count = |op| d.iter().filter(|x| x.op == op).count();
        let line = format!(
            "  {:<18} {} changed, {} added, {} removed",
            c.name,
            count(Operation::Changed),
            count(Operation::Added),
            count(Operation::Removed)
        );
        println!("{line}");
        for r in d.iter().filter(|x| x.recreate()) {
            println!(
                "  {:<18}   re-create {} {}: {}",
                "",
                r.id.kind,
                r.id.ns_name(),
                r.recreate_reasons.join("; ")
            );
        }
    }
    Ok(())
}

pub fn run(a: UpgradeArgs) -> Result<u8, Failure> {
    let sets = parse_sets(&a.sets)?;
    let (repo, root) = open_repo()?;
    load_plan(&root)?;
    let opts = a.cluster.options(a.dry_run, a.yes);
    let cluster = a.cluster.kubectl();

    // A dry run plays the rest on a throwaway copy of the rebased tree.
    let tmp = if a.dry_run {
        Some(
            tempfile::Builder::new()
                .prefix("gitops-upgrade-dry-run-")
                .tempdir()
                .map_err(|e| Failure::new(2, format!("cannot make a temporary directory: {e}")))?,
        )
    } else {
        None
    };
    step(1, "rebase onto the new upstream");
    let report = git::rebase(
        &root,
        &RebaseOptions {
            dry_run: a.dry_run,
            export_tree: tmp.as_ref().map(|t| t.path().to_path_buf()),
            ..RebaseOptions::default()
        },
    )
    .map_err(|e| {
        let mut f = git_failure(e);
        f.message
            .push_str("\n(upgrade stopped at the rebase: nothing was changed)");
        f
    })?;
    print!("{}", report.to_text());
    // Roots the rebase broke may be what the migration fixes: checked
    // again after it.
    let broken: Vec<String> = report.broken_roots.iter().map(|b| b.root.clone()).collect();
    let new_tip = report.new_tip;
    // What the cluster runs: the last revision applied, else the tip
    // before this upgrade's rebase (when this run did not move the branch:
    // the newest backup, made by an earlier run).
    let applied = gitops_upgrade::apply::state::load(repo.path())
        .ok()
        .flatten()
        .and_then(|s| s.last_applied)
        .and_then(|r| Oid::from_str(&r).ok());
    let (base, base_label) = match applied {
        Some(r) => (r, "last applied"),
        None if report.old_tip != report.new_tip => (report.old_tip, "before the upgrade"),
        None => match git::list_backups(&repo, &report.branch)
            .ok()
            .and_then(|b| b.last().map(|b| b.target))
        {
            Some(b) => (b, "before the upgrade, from the newest backup"),
            None => (report.old_tip, "before the upgrade"),
        },
    };
    let old_tree = repo
        .find_commit(base)
        .and_then(|c| c.tree())
        .map_err(|e| Failure::new(2, e.message().to_string()))?;
    let old_side = Source::Tree {
        repo: &repo,
        tree: old_tree,
        commit: base.to_string(),
    };
    let before_label = format!("{} ({base_label})", &base.to_string()[..12]);

    if let Some(tmp) = &tmp {
        let plan = load_plan(tmp.path())?;
        step(2, "migrate-patches (on a copy of the rebased tree)");
        if let Migrated::Held(_, held) = migrate_tree(tmp.path(), &plan, &sets, true)? {
            held.release().map_err(|m| Failure::new(1, m))?;
        }
        still_broken(tmp.path(), &broken)?;
        let hints = catalog_hints(&plan, tmp.path())?;
        let new_side = Source::Dir {
            path: tmp.path().to_path_buf(),
            worktree: false,
        };
        step(3, "what changes, per component");
        println!("Compared with {before_label}:");
        summary(&plan, &old_side, &new_side, &hints)?;
        step(4, "apply (dry run)");
        let target = Target {
            plan,
            source: new_side,
            revision: format!("{} + migration (not committed)", &new_tip.to_string()[..12]),
            from: Some((old_side, before_label)),
            catalog_hints: hints,
            git_dir: repo.path().to_path_buf(),
        };
        let code = run_target(&target, &cluster, &opts)?;
        println!("\nDry run complete: nothing was changed. Run `gitops-upgrade upgrade` to do it.");
        return Ok(code);
    }

    step(2, "migrate-patches");
    let plan = load_plan(&root)?;
    if let Migrated::Held(files, held) = migrate_tree(&root, &plan, &sets, false)? {
        if !a.yes {
            held.release().map_err(|m| Failure::new(1, m))?;
            return Err(Failure::new(
                1,
                format!(
                    "migrate-patches changed {} file(s): review them (`git diff`), commit, then \
                     run `gitops-upgrade upgrade` again (or `gitops-upgrade apply`)",
                    files.len()
                ),
            ));
        }
        let msg = format!("Migrate patches for {}", plan.migrations.join(", "));
        // The migration's journal is dropped once the commit's is written:
        // a kill at any moment leaves one of them.
        let mut held = Some(held);
        let id = commit_files(
            &repo,
            &files,
            &format!("{msg}\n\nWritten by gitops-upgrade upgrade --yes.\n"),
            || {
                if let Some(h) = held.take() {
                    let _ = h.release();
                }
            },
        );
        if let Some(h) = held.take() {
            h.release().map_err(|m| Failure::new(1, m))?;
        }
        let id = id?;
        println!("Committed the migration as {}.", &id.to_string()[..12]);
    }
    still_broken(&root, &broken)?;
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| Failure::new(2, e.message().to_string()))?;
    let hints = catalog_hints(&plan, &root)?;
    let new_side = Source::Tree {
        repo: &repo,
        tree: head
            .tree()
            .map_err(|e| Failure::new(2, e.message().to_string()))?,
        commit: head.id().to_string(),
    };
    step(3, "what changes, per component");
    println!("Compared with {before_label}:");
    summary(&plan, &old_side, &new_side, &hints)?;
    step(4, "apply");
    let target = Target {
        plan,
        source: new_side,
        revision: head.id().to_string(),
        from: None,
        catalog_hints: hints,
        git_dir: repo.path().to_path_buf(),
    };
    run_target(&target, &cluster, &opts)
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

fn write_files(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), Failure> {
    for (rel, data) in files {
        let p = dir.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| Failure::new(2, format!("cannot create {}: {e}", d.display())))?;
        }
        std::fs::write(&p, data)
            .map_err(|e| Failure::new(2, format!("cannot write {}: {e}", p.display())))?;
    }
    Ok(())
}

fn commit_all(repo: &Repository, who: &str, message: &str) -> Result<Oid, Failure> {
    let e = |x: git2::Error| Failure::new(2, format!("demo: {}", x.message()));
    let mut index = repo.index().map_err(e)?;
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .map_err(e)?;
    index.update_all(["*"], None).map_err(e)?;
    index.write().map_err(e)?;
    let tree = repo.find_tree(index.write_tree().map_err(e)?).map_err(e)?;
    let sig = Signature::now(who, &format!("{}@example.com", who.to_lowercase())).map_err(e)?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .map_err(e)
}

fn say(cmd: &str) {
    println!("$ {cmd}");
}

pub fn demo(a: DemoArgs) -> Result<u8, Failure> {
    let tmp = tempfile::Builder::new()
        .prefix("gitops-upgrade-demo-")
        .tempdir()
        .map_err(|e| Failure::new(2, format!("cannot make a temporary directory: {e}")))?;
    let base = tmp.path();
    let vendor = base.join("vendor");
    let user = base.join("site");
    println!(
        "gitops-upgrade demo: a throwaway GitOps repository in {}",
        base.display()
    );
    println!("\n-- the vendor publishes release 0.14 --");
    let e = |x: git2::Error| Failure::new(2, format!("demo: {}", x.message()));
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    let vrepo = Repository::init_opts(&vendor, &init).map_err(e)?;
    write_files(&vendor, files::DEMO_V014)?;
    commit_all(&vrepo, "Vendor", "Rok 0.14")?;

    println!("\n-- you clone it, tailor your overlay and write the upgrade plan --");
    say("git clone vendor site");
    let urepo = Repository::clone(&vendor.to_string_lossy(), &user).map_err(e)?;
    let patch = user.join("rok-cluster/overlays/deploy/patches/rokcluster.yaml");
    let text = std::fs::read_to_string(&patch)
        .map_err(|x| Failure::new(2, format!("demo: {}: {x}", patch.display())))?;
    std::fs::write(&patch, text.replace("nodeCount: 5", "nodeCount: 7"))
        .map_err(|x| Failure::new(2, format!("demo: {x}")))?;
    say(
        "sed -i 's/nodeCount: 5/nodeCount: 7/' rok-cluster/overlays/deploy/patches/rokcluster.yaml",
    );
    say("gitops-upgrade init --preset rok-v0.15");
    // The small example has Redis but not Istio, Dex or AuthService.
    let in_example =
        |p: &str| !p.contains("istio") && !p.contains("dex") && !p.contains("authservice");
    let (plan_text, missing) = gitops_upgrade::apply::presets::render("rok-v0.15", "", &in_example)
        .ok_or_else(|| Failure::new(2, "demo: the rok-v0.15 preset is missing"))?;
    std::fs::write(user.join("gitops-upgrade.yaml"), plan_text)
        .map_err(|x| Failure::new(2, format!("demo: {x}")))?;
    println!(
        "  (the components this small example does not have are written as comments: {})",
        missing.join(", ")
    );
    commit_all(&urepo, "Site", "Site: seven nodes; upgrade plan for 0.15")?;
    say("git commit -am 'Site: seven nodes; upgrade plan for 0.15'");

    println!("\n-- the vendor publishes release 0.15 --");
    write_files(&vendor, files::DEMO_V015)?;
    commit_all(&vrepo, "Vendor", "Rok 0.15")?;
    say("git fetch origin");
    {
        let mut remote = urepo.find_remote("origin").map_err(e)?;
        remote.fetch(&["main"], None, None).map_err(e)?;
    }

    println!("\n-- the upgrade, as a dry run: nothing changes, no cluster is contacted --");
    say("gitops-upgrade upgrade --dry-run");
    let here = std::env::current_dir().ok();
    std::env::set_current_dir(&user)
        .map_err(|x| Failure::new(2, format!("demo: cannot enter {}: {x}", user.display())))?;
    let res = run(UpgradeArgs {
        yes: false,
        dry_run: true,
        sets: Vec::new(),
        cluster: ClusterArgs::default(),
    });
    if let Some(h) = here {
        let _ = std::env::set_current_dir(h);
    }
    if a.keep {
        let kept = tmp.keep();
        println!(
            "\nThe demo repository is kept in {}.",
            kept.join("site").display()
        );
    }
    res
}
