//! `gitops-upgrade apply`, `status` and `init`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use super::Failure;
use gitops_upgrade::apply::engine::{self, human, Options, Target, Ui};
use gitops_upgrade::apply::kube::Kubectl;
use gitops_upgrade::apply::{presets, state};
use gitops_upgrade::diff::side::Source;
use gitops_upgrade::plan::{self, parse_duration, Plan};

fn parse_dur(s: &str) -> Result<Duration, String> {
    parse_duration(s)
}

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

    /// Delete and re-create objects without asking.
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

/// How to reach the cluster and how long to wait: shared by `apply` and
/// `upgrade`.
#[derive(Args, Debug, Clone)]
pub struct ClusterArgs {
    /// Use `kubectl apply --server-side --force-conflicts`.
    #[arg(long)]
    pub server_side: bool,

    /// The kubectl to run.
    #[arg(long, value_name = "PATH", default_value = "kubectl")]
    pub kubectl: String,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "CTX")]
    pub context: Option<String>,

    /// The kubeconfig file to use.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// How long to wait for each component (and each pre-step) to be ready;
    /// a component's `timeout:` in the plan wins.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_dur)]
    pub timeout: Duration,

    /// How often readiness is polled.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_dur, hide = true)]
    pub poll_interval: Duration,
}

impl Default for ClusterArgs {
    fn default() -> Self {
        ClusterArgs {
            server_side: false,
            kubectl: "kubectl".into(),
            context: None,
            kubeconfig: None,
            timeout: Duration::from_secs(600),
            poll_interval: Duration::from_secs(2),
        }
    }
}

impl ClusterArgs {
    pub(super) fn kubectl(&self) -> Kubectl {
        Kubectl::new(&self.kubectl, self.context.clone(), self.kubeconfig.clone())
    }

    /// Apply options with these settings.
    pub(super) fn options(&self, dry_run: bool, yes: bool) -> Options {
        Options {
            dry_run,
            yes,
            server_side: self.server_side,
            timeout: self.timeout,
            resume: false,
            only: None,
            poll: self.poll_interval,
        }
    }
}

/// The terminal side of an apply: lines on stdout, questions on stderr
/// (answered on stdin when it is a terminal), a spinner on stderr while
/// waiting when it is a terminal.
pub(super) struct TermUi {
    spinner: Option<ProgressBar>,
    fancy: bool,
    last_wait: Option<String>,
}

impl TermUi {
    pub(super) fn new() -> TermUi {
        TermUi {
            spinner: None,
            fancy: std::io::stderr().is_terminal(),
            last_wait: None,
        }
    }
}

impl Ui for TermUi {
    fn say(&mut self, line: &str) {
        if let Some(s) = &self.spinner {
            s.suspend(|| println!("{line}"));
        } else {
            println!("{line}");
        }
        let _ = std::io::stdout().flush();
    }

    fn confirm(&mut self, question: &str) -> Option<bool> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        if let Some(s) = self.spinner.take() {
            s.finish_and_clear();
        }
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).ok()?;
        Some(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
    }

    fn waiting(&mut self, what: &str, elapsed: Duration) {
        if self.fancy {
            let s = self.spinner.get_or_insert_with(|| {
                let s = ProgressBar::new_spinner();
                if let Ok(st) = ProgressStyle::with_template("  {spinner} {msg}") {
                    s.set_style(st);
                }
                s.enable_steady_tick(Duration::from_millis(120));
                s
            });
            s.set_message(format!("waiting ({}): {what}", human(elapsed)));
        } else if self.last_wait.as_deref() != Some(what) {
            println!("  waiting: {what}");
            self.last_wait = Some(what.to_string());
        }
    }

    fn wait_done(&mut self) {
        if let Some(s) = self.spinner.take() {
            s.finish_and_clear();
        }
        self.last_wait = None;
    }
}

/// The repository at the current directory, its work tree and git dir.
pub(super) fn open_repo() -> Result<(git2::Repository, PathBuf), Failure> {
    let repo = git2::Repository::discover(".").map_err(|_| {
        Failure::new(
            2,
            "not in a git repository: apply works on the commits of a GitOps repository",
        )
    })?;
    let root = repo
        .workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| Failure::new(2, "a bare repository has no work tree to apply from"))?;
    Ok((repo, root))
}

/// The plan of the repository at `root`, or a message saying how to make one.
pub(super) fn load_plan(root: &Path) -> Result<Plan, Failure> {
    match plan::load(root) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(Failure::new(
            2,
            format!(
                "no {} in {}: write one with `gitops-upgrade init --preset <name>` ({}), \
                 or see \"The plan\" in the README",
                plan::FILE_NAME,
                root.display(),
                presets::PRESETS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
        Err(e) => Err(Failure::new(2, e.to_string())),
    }
}

/// The plan as committed at HEAD: apply applies a commit, plan included.
fn committed_plan(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    root: &Path,
) -> Result<Plan, Failure> {
    let blob = tree
        .get_path(Path::new(plan::FILE_NAME))
        .ok()
        .and_then(|e| repo.find_blob(e.id()).ok());
    let Some(blob) = blob else {
        // Not committed: say how to make one, or that it must be committed.
        load_plan(root)?;
        return Err(Failure::new(
            2,
            format!(
                "{} is not committed: apply uses the commit at HEAD, plan included; commit it first",
                plan::FILE_NAME
            ),
        ));
    };
    let text = std::str::from_utf8(blob.content())
        .map_err(|_| Failure::new(2, format!("{}:1:1: not UTF-8 text", plan::FILE_NAME)))?;
    plan::parse(text, plan::FILE_NAME).map_err(|e| Failure::new(2, e.to_string()))
}

/// The `recreate` hints of the plan's catalogs (catalog files are read
/// relative to `root`), as `diff` uses them.
pub(super) fn catalog_hints(
    plan: &Plan,
    root: &Path,
) -> Result<Vec<gitops_upgrade::diff::RecreateHint>, Failure> {
    let mut out = Vec::new();
    for name in &plan.migrations {
        let c = super::migrate::load_catalog(name, root)?;
        out.extend(super::diff::hints_of(&c));
    }
    Ok(out)
}

/// Paths of the plan's components with uncommitted changes: apply uses the
/// commit, so those changes are not applied.
fn uncommitted_under(repo: &git2::Repository, plan: &Plan) -> Vec<String> {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    let Ok(st) = repo.statuses(Some(&mut opts)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in st.iter() {
        let Ok(p) = e.path() else { continue };
        if e.status().is_ignored() {
            continue;
        }
        if plan
            .components
            .iter()
            .any(|c| {
                !c.path.is_empty() && (p == c.path || p.starts_with(&format!("{}/", c.path)))
            } || p == plan::FILE_NAME)
            && !out.contains(&p.to_string())
        {
            out.push(p.to_string());
        }
    }
    out
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
    let plan = committed_plan(&repo, &tree, &root)?;
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
    let dirty = uncommitted_under(&repo, &plan);
    if !dirty.is_empty() {
        eprintln!(
            "warning: uncommitted changes are not applied (apply uses the commit {}): {}",
            &revision[..12],
            dirty.join(", ")
        );
    }
    let catalog_hints = catalog_hints(&plan, &root)?;
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
pub(super) fn run_target(
    target: &Target<'_>,
    cluster: &Kubectl,
    opts: &Options,
) -> Result<u8, Failure> {
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
                let yes = matches!(e, engine::ApplyError::NeedsConfirmation { .. });
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

/// Show the progress of the last apply: the component table.
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
    let Some(st) = st else {
        if a.output == Output::Json {
            println!("null");
        } else {
            println!("No apply recorded in this repository (`gitops-upgrade apply` records one).");
        }
        return Ok(0);
    };
    if a.output == Output::Json {
        let s = serde_json::to_string_pretty(&st.to_json()).unwrap_or_default();
        println!("{s}");
        return Ok(0);
    }
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
    if st.finished.is_none() {
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
