//! The demo's repositories: the vendor's repository at release 0.14, the
//! user's clone with the site's own deploy overlays and the upgrade plan,
//! and the vendor's 0.15 release published and fetched, all from fixtures
//! embedded in the binary (`fixtures/deployments/`, see `build.rs`). The
//! steps are narrated as the commands a person would type.

use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Signature};

use crate::apply::engine::Ui;

mod files {
    include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));
}

/// The repositories built, in a temporary directory removed on drop
/// (unless kept).
pub struct Demo {
    pub dir: tempfile::TempDir,
    /// The user's clone, where the upgrade runs.
    pub site: PathBuf,
}

fn write_files(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), String> {
    for (rel, data) in files {
        let p = dir.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        }
        std::fs::write(&p, data).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(())
}

/// Removes every file of a work tree but `.git` (the vendor's next release
/// replaces the whole tree: files it drops are deleted).
fn clear_tree(dir: &Path) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", dir.display());
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

fn git_err(x: git2::Error) -> String {
    x.message().to_string()
}

fn commit_all(repo: &Repository, who: &str, message: &str) -> Result<Oid, String> {
    let mut index = repo.index().map_err(git_err)?;
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .map_err(git_err)?;
    index.update_all(["*"], None).map_err(git_err)?;
    index.write().map_err(git_err)?;
    let tree = repo
        .find_tree(index.write_tree().map_err(git_err)?)
        .map_err(git_err)?;
    let sig =
        Signature::now(who, &format!("{}@example.com", who.to_lowercase())).map_err(git_err)?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .map_err(git_err)
}

/// Builds the demo's repositories in a new temporary directory; errors are
/// one line prefixed `demo: `.
pub fn build(ui: &mut dyn Ui) -> Result<Demo, String> {
    build_inner(ui).map_err(|m| format!("demo: {m}"))
}

fn build_inner(ui: &mut dyn Ui) -> Result<Demo, String> {
    let tmp = tempfile::Builder::new()
        .prefix("gitops-upgrade-demo-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let base = tmp.path();
    let vendor = base.join("vendor");
    let user = base.join("site");
    let say = |ui: &mut dyn Ui, cmd: &str| ui.say(&format!("$ {cmd}"));
    ui.say(&format!(
        "gitops-upgrade demo: a throwaway GitOps repository in {}",
        base.display()
    ));
    ui.say("");
    ui.say("-- the vendor publishes release 0.14 --");
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    let vrepo = Repository::init_opts(&vendor, &init).map_err(git_err)?;
    write_files(&vendor, files::DEMO_V014)?;
    commit_all(&vrepo, "Vendor", "Rok 0.14")?;

    ui.say("");
    ui.say("-- you clone it, tailor your deploy overlays and write the upgrade plan --");
    say(ui, "git clone vendor site");
    let urepo = Repository::clone(&vendor.to_string_lossy(), &user).map_err(git_err)?;
    write_files(&user, files::DEMO_SITE)?;
    for (rel, _) in files::DEMO_SITE {
        say(ui, &format!("$EDITOR {rel}"));
    }
    say(ui, "gitops-upgrade init --preset rok-v0.15");
    // Written before v0.15 is fetched: every path of the guide is kept
    // (the external services and the ingress arrive with v0.15).
    let (plan_text, _) = crate::apply::presets::render("rok-v0.15", "rok/", &|_| true)
        .ok_or("the rok-v0.15 preset is missing")?;
    std::fs::write(user.join("gitops-upgrade.yaml"), plan_text).map_err(|x| x.to_string())?;
    commit_all(
        &urepo,
        "Site",
        "Site: our deploy overlays; upgrade plan for v0.15",
    )?;
    say(
        ui,
        "git commit -am 'Site: our deploy overlays; upgrade plan for v0.15'",
    );

    ui.say("");
    ui.say("-- the vendor publishes release 0.15 (and deletes kubeflow/) --");
    clear_tree(&vendor)?;
    write_files(&vendor, files::DEMO_V015)?;
    commit_all(&vrepo, "Vendor", "Rok 0.15")?;
    say(ui, "git fetch origin");
    {
        let mut remote = urepo.find_remote("origin").map_err(git_err)?;
        remote.fetch(&["main"], None, None).map_err(git_err)?;
    }
    Ok(Demo {
        dir: tmp,
        site: user,
    })
}

/// Builds the demo and runs `upgrade --dry-run` in the user's clone,
/// narrated through `ui` (no cluster, no kubectl): the demo, to keep or
/// drop, and how the upgrade ended.
pub fn run(ui: &mut dyn Ui) -> Result<(Demo, Result<super::Outcome, super::UpgradeError>), String> {
    let demo = build(ui)?;
    ui.say("");
    ui.say("-- the upgrade, as a dry run: nothing changes, no cluster is contacted --");
    ui.say("$ gitops-upgrade upgrade --dry-run");
    let repo = Repository::open(&demo.site).map_err(|e| format!("demo: {}", e.message()))?;
    let opts = super::Options {
        dry_run: true,
        apply: crate::apply::engine::Options {
            dry_run: true,
            ..Default::default()
        },
        ..super::Options::default()
    };
    let kubectl = crate::apply::kube::Kubectl::new("kubectl", None, None);
    let res = super::run(&repo, &demo.site, &kubectl, &opts, ui);
    Ok((demo, res))
}
