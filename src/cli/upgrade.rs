//! `gitops-upgrade upgrade` (rebase, migrate-patches, diff summary, apply)
//! and `gitops-upgrade demo` (the whole upgrade on a throwaway repository).

use std::collections::BTreeMap;
use std::path::Path;

use clap::Args;
use git2::{Oid, Repository, Signature};

use super::common::{open_repo, ClusterArgs, TermUi};
use super::Failure;
use gitops_upgrade::apply::engine::ApplyError;
use gitops_upgrade::upgrade::{self, UpgradeError};

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

    /// Continue the recorded upgrade from the step that stopped (the
    /// migration review, the delete confirmation, a failed or timed-out
    /// component) without doing the steps before it again.
    #[arg(long, conflicts_with = "dry_run")]
    pub resume: bool,

    #[command(flatten)]
    pub cluster: ClusterArgs,
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

pub fn run(a: UpgradeArgs) -> Result<u8, Failure> {
    let sets = parse_sets(&a.sets)?;
    let (repo, root) = open_repo()?;
    let opts = upgrade::Options {
        yes: a.yes,
        dry_run: a.dry_run,
        resume: a.resume,
        sets,
        apply: a.cluster.options(a.dry_run, a.yes),
    };
    if !a.dry_run {
        // The state file already says which step was under way.
        let _ = ctrlc::set_handler(|| {
            eprintln!(
                "\ninterrupted: continue with `gitops-upgrade upgrade --resume` \
                 (`gitops-upgrade status` shows where it stopped)"
            );
            std::process::exit(130);
        });
    }
    let mut ui = TermUi::new();
    match upgrade::run(&repo, &root, &a.cluster.kubectl(), &opts, &mut ui) {
        Ok(_) => Ok(0),
        Err(e) => {
            let code = e.exit_code();
            let mut msg = e.to_string();
            if let UpgradeError::Apply(ae) = &e {
                if ae.resumable() && !a.dry_run {
                    let yes = matches!(ae, ApplyError::NeedsConfirmation { .. });
                    msg.push_str(&format!(
                        "; continue with `gitops-upgrade upgrade --resume{}`",
                        if yes { " --yes" } else { "" }
                    ));
                }
            }
            Err(Failure::new(code, msg))
        }
    }
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

/// Removes every file of a work tree but `.git` (the vendor's next release
/// replaces the whole tree: files it drops are deleted).
fn clear_tree(dir: &Path) -> Result<(), Failure> {
    let err = |e: std::io::Error| Failure::new(2, format!("demo: {}: {e}", dir.display()));
    for e in std::fs::read_dir(dir).map_err(err)?.flatten() {
        if e.file_name() == ".git" {
            continue;
        }
        let p = e.path();
        if p.is_dir() {
            std::fs::remove_dir_all(&p).map_err(err)?;
        } else {
            std::fs::remove_file(&p).map_err(err)?;
        }
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

    println!("\n-- you clone it, tailor your deploy overlays and write the upgrade plan --");
    say("git clone vendor site");
    let urepo = Repository::clone(&vendor.to_string_lossy(), &user).map_err(e)?;
    write_files(&user, files::DEMO_SITE)?;
    for (rel, _) in files::DEMO_SITE {
        say(&format!("$EDITOR {rel}"));
    }
    say("gitops-upgrade init --preset rok-v0.15");
    // Written before v0.15 is fetched: every path of the guide is kept
    // (the external services and the ingress arrive with v0.15).
    let (plan_text, _) = gitops_upgrade::apply::presets::render("rok-v0.15", "rok/", &|_| true)
        .ok_or_else(|| Failure::new(2, "demo: the rok-v0.15 preset is missing"))?;
    std::fs::write(user.join("gitops-upgrade.yaml"), plan_text)
        .map_err(|x| Failure::new(2, format!("demo: {x}")))?;
    commit_all(
        &urepo,
        "Site",
        "Site: our deploy overlays; upgrade plan for v0.15",
    )?;
    say("git commit -am 'Site: our deploy overlays; upgrade plan for v0.15'");

    println!("\n-- the vendor publishes release 0.15 (and deletes kubeflow/) --");
    clear_tree(&vendor)?;
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
        resume: false,
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
