//! `gitops-upgrade apply`, `status` and `init`.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::common::{open_repo, ClusterArgs, TermUi};
use super::Failure;
use gitops_upgrade::apply::engine::{self, Options, Target};
use gitops_upgrade::apply::kube::Kubectl;
use gitops_upgrade::apply::{head, presets, state};
use gitops_upgrade::diff::side::Source;
use gitops_upgrade::plan;

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
    let head = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .ok_or_else(|| Failure::new(2, "the repository has no commit to apply"))?;
    let revision = head.id().to_string();
    let tree = head
        .tree()
        .map_err(|e| Failure::new(2, format!("cannot read HEAD: {}", e.message())))?;
    let plan = head::committed_plan(&repo, &tree, &root).map_err(|m| Failure::new(2, m))?;
    let git_dir = repo.path().to_path_buf();

    let from = if a.dry_run {
        let prev = state::load(&git_dir).map_err(|e| Failure::new(2, e.to_string()))?;
        let spec = match &a.from {
            Some(f) => Some(f.clone()),
            None => prev
                .as_ref()
                .and_then(|s| {
                    if s.finished.is_some() {
                        Some(s.revision.clone())
                    } else {
                        s.last_applied.clone()
                    }
                })
                .or_else(|| head.parent(0).ok().map(|_| "HEAD~1".to_string())),
        };
        match spec {
            None => None,
            Some(spec) => {
                let obj = repo
                    .revparse_single(&spec)
                    .and_then(|o| o.peel_to_commit())
                    .map_err(|_| Failure::new(2, format!("--from {spec}: no such revision")))?;
                let t = obj
                    .tree()
                    .map_err(|e| Failure::new(2, format!("cannot read {spec}: {}", e.message())))?;
                Some((
                    Source::Tree {
                        repo: &repo,
                        tree: t,
                        commit: obj.id().to_string(),
                    },
                    spec,
                ))
            }
        }
    } else {
        None
    };
    let dirty = head::uncommitted_under(&repo, &plan);
    if !dirty.is_empty() {
        eprintln!(
            "warning: uncommitted changes are not applied (apply uses the commit {}): {}",
            &revision[..12],
            dirty.join(", ")
        );
    }
    let catalog_hints = head::catalog_hints(&plan, &root).map_err(|m| Failure::new(2, m))?;
    let target = Target {
        plan,
        source: Source::Tree {
            repo: &repo,
            tree,
            commit: revision.clone(),
        },
        revision,
        from,
        catalog_hints,
        git_dir,
    };
    let opts = Options {
        resume: a.resume,
        only: a.only.clone(),
        ..a.cluster.options(a.dry_run, a.yes)
    };
    run_target(&target, &a.cluster.kubectl(), &opts)
}

/// Runs the engine and turns its error into one line, with the command
/// that continues when there is one.
fn run_target(target: &Target<'_>, cluster: &Kubectl, opts: &Options) -> Result<u8, Failure> {
    let mut ui = TermUi::new();
    if !opts.dry_run {
        // The state file already says which component was under way: say
        // how to go on. (kubectl, in our process group, gets the signal too.)
        let _ = ctrlc::set_handler(|| {
            eprintln!(
                "\ninterrupted: continue with `gitops-upgrade apply --resume` \
                 (`gitops-upgrade status` shows where it stopped)"
            );
            std::process::exit(130);
        });
    }
    match engine::run(target, cluster, opts, &mut ui) {
        Ok(_) => Ok(0),
        Err(e) => {
            let mut msg = e.to_string();
            if e.resumable() && !opts.dry_run {
                let yes = matches!(
                    e,
                    engine::ApplyError::NeedsConfirmation { .. }
                        | engine::ApplyError::PruneNeedsConfirmation { .. }
                );
                msg.push_str(&format!(
                    "; continue with `gitops-upgrade apply --resume{}`",
                    if yes { " --yes" } else { "" }
                ));
            }
            let code = match e {
                engine::ApplyError::NoComponents
                | engine::ApplyError::UnknownComponent(..)
                | engine::ApplyError::NothingToResume(_) => 2,
                _ => 1,
            };
            Err(Failure::new(code, msg))
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
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
    let st = state::load(repo.path()).map_err(|e| Failure::new(2, e.to_string()))?;
    let up = gitops_upgrade::upgrade::state::load(repo.path())
        .map_err(|e| Failure::new(2, e.to_string()))?;
    if a.output == Output::Json {
        // The apply state's object, with the upgrade's steps under
        // "upgrade" when an upgrade is recorded; null when nothing is.
        let mut j = match (&st, &up) {
            (Some(s), _) => s.to_json(),
            (None, Some(_)) => serde_json::json!({}),
            (None, None) => serde_json::Value::Null,
        };
        if let (Some(u), Some(obj)) = (&up, j.as_object_mut()) {
            obj.insert("upgrade".into(), u.to_json());
        }
        println!("{}", serde_json::to_string_pretty(&j).unwrap_or_default());
        return Ok(0);
    }
    if let Some(u) = &up {
        for l in u.lines() {
            println!("{l}");
        }
        if st.is_some() {
            println!();
        }
    }
    let Some(st) = st else {
        if up.is_none() {
            println!("No apply recorded in this repository (`gitops-upgrade apply` records one).");
        }
        return Ok(0);
    };
    let rev = &st.revision[..st.revision.len().min(12)];
    match &st.finished {
        Some(f) => println!("Applied {rev}: started {}, finished {f}.", st.started),
        None => {
            let at = st
                .first_unfinished()
                .map(|c| format!(", stopped at {} ({})", c.name, c.status.as_str()))
                .unwrap_or_default();
            println!("Applying {rev}: started {}{at}.", st.started);
        }
    }
    println!("{}", engine::table(&st));
    for c in &st.components {
        if !c.recreated.is_empty() {
            println!("{}: re-created {}", c.name, c.recreated.join(", "));
        }
        if let Some(m) = &c.message {
            println!("{}: {m}", c.name);
        }
    }
    if st.finished.is_none() && up.as_ref().is_none_or(|u| u.finished.is_some()) {
        println!("Continue with `gitops-upgrade apply --resume`.");
    }
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
        for (n, d) in presets::PRESETS {
            println!("{n:<10} {d}");
        }
        return Ok(0);
    }
    let name = a.preset.unwrap_or_default();
    let root = match git2::Repository::discover(".") {
        Ok(r) => r.workdir().map(Path::to_path_buf),
        Err(_) => None,
    }
    .unwrap_or_else(|| PathBuf::from("."));
    let has_k =
        |p: &str| gitops_upgrade::migrate::engine::kustomization_file(&root.join(p)).is_some();
    // The vendor repository keeps the tree under rok/; a repository may
    // also be the tree itself.
    let prefix = if has_k("rok/rok-disk-manager/overlays/deploy")
        || !has_k("rok-disk-manager/overlays/deploy")
    {
        "rok/"
    } else {
        ""
    };
    // What the tree holds: a kustomization, a manifest file, or a
    // directory (of manifests); components missing here are written as
    // comments so that `apply --dry-run` accepts the plan as written.
    let present = |p: &str| has_k(p) || root.join(p).is_file() || root.join(p).is_dir();
    let Some((text, left_out)) = presets::render(&name, prefix, &present) else {
        return Err(Failure::new(
            2,
            format!(
                "unknown preset '{name}' (presets: {})",
                presets::PRESETS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    };
    let path = plan::path_in(&root);
    if path.exists() && !a.force {
        return Err(Failure::new(
            2,
            format!("{} exists; pass --force to replace it", plan::FILE_NAME),
        ));
    }
    gitops_upgrade::fsutil::write_atomic(&path, text.as_bytes())
        .map_err(|e| Failure::new(2, format!("cannot write {}: {e}", plan::FILE_NAME)))?;
    println!("Wrote {} from the {name} preset.", plan::FILE_NAME);
    plan::parse(&text, plan::FILE_NAME).map_err(|e| Failure::new(2, e.to_string()))?;
    if !left_out.is_empty() {
        println!(
            "Left out as comments, not in this checkout (the new release may add them; uncomment what you run):"
        );
        for m in left_out {
            println!("  {m}");
        }
    }
    println!("Next: review it, commit it, then `gitops-upgrade apply --dry-run`.");
    Ok(0)
}
