//! `check`: the guardrails of a pre-commit hook, fast enough to keep.
//!
//! Given the files a commit changes (or the whole repository), [`run`]
//! reports, each at a `path:line:col` of the user's files:
//!
//! - YAML that does not parse, and git conflict markers ([`text`]);
//! - kustomization roots including a changed file that no longer render
//!   (the roots are found with one scan of the kustomization files,
//!   [`crate::kustomize::graph`], and only they are rendered);
//! - migrations of the plan's catalogs still pending in the affected
//!   kustomizations ([`migrations`], the engine of
//!   `migrate-patches --check`);
//! - policies ([`policy`]): built-in sets, catalogs' and the plan's own,
//!   judged on each rendered resource as staged against the same resource
//!   rendered at `HEAD`, and pointed back at the node the user wrote
//!   ([`locate`]).
//!
//! The content is the index ([`Mode::Staged`], what the commit will
//! hold) or the working tree ([`Mode::Worktree`]).

pub mod cache;
pub mod hook;
pub mod index_file;
pub mod locate;
pub mod migrations;
pub mod policy;
pub mod report;
pub mod snapshot;
pub mod text;
pub mod version;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use git2::{Repository, Tree};

use crate::git::tree_source::TreeSource;
use crate::kustomize::graph::{self, Graph, Reading, Roots, Touch};
use crate::kustomize::{BuildError, Renderer};
use crate::migrate::catalog::Catalog;
use crate::migrate::edit::Source;
use crate::plan::{self, Plan};
use crate::resource::Resource;
use crate::source::{parent, rel_str, FileSource, Kind};
use crate::yaml::{self, Value};

pub use policy::{Policy, Severity};
pub use snapshot::{Mode, Snapshot};

/// One problem, at a position of a file (relative to the repository root).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub rule: String,
    pub message: String,
    pub severity: Severity,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = if self.severity == Severity::Warning {
            "warning: "
        } else {
            ""
        };
        write!(
            f,
            "{}:{}:{}: {}: {w}{}",
            self.path, self.line, self.col, self.rule, self.message
        )
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// Files (or directories) relative to the repository root. With none
    /// and `changed` false, the whole repository is checked.
    pub files: Vec<String>,
    /// Also check every file that differs from `against` (in the index,
    /// or in the working tree with untracked files).
    pub changed: bool,
    /// The revision policies compare with (default `HEAD`).
    pub against: Option<String>,
    /// Use (and update) the cache of parsed kustomization files in the git
    /// directory ([`cache`]).
    pub cache: bool,
}

/// What a run found and did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// The files checked.
    pub files: Vec<String>,
    /// The roots rendered.
    pub roots: Vec<String>,
    /// Whether the whole repository was checked.
    pub whole: bool,
    /// The policies that applied: those in force for the kinds of the
    /// resources checked (a built-in set is only loaded when a resource of
    /// a kind it selects is checked).
    pub policies: usize,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

/// The policies in force: built-in sets not disabled, the catalogs' and
/// the plan's own. `disable` names sets (`rok`) or single policies
/// (`rok/no-downgrade`). Problems in the plan's rules are findings.
///
/// With `kinds`, a built-in set is only loaded when it selects one of
/// them (what the check has to judge); `None` loads every set.
pub fn active_policies(
    plan: Option<&Plan>,
    catalogs: &[Catalog],
    kinds: Option<&BTreeSet<&str>>,
    findings: &mut Vec<Finding>,
) -> Vec<Policy> {
    let disabled: Vec<&str> = plan
        .map(|p| p.policies.disable.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let mut all: Vec<Policy> = Vec::new();
    for b in policy::BUILTIN_SETS {
        if disabled.contains(&b.name) {
            continue;
        }
        if kinds.is_some_and(|ks| !b.kinds.iter().any(|k| ks.contains(k))) {
            continue;
        }
        all.extend(policy::builtin_set(b).policies);
    }
    for c in catalogs {
        all.extend(c.policies.iter().cloned());
    }
    if let Some(p) = plan {
        if let Some(rules) = &p.policies.rules {
            match policy::parse_list(rules, "plan") {
                Ok(ps) => all.extend(ps),
                Err(e) => findings.push(Finding {
                    path: plan::FILE_NAME.into(),
                    line: e.line.max(1),
                    col: e.col.max(1),
                    rule: "config/plan".into(),
                    message: format!("policies.rules: {}", e.msg),
                    severity: Severity::Error,
                }),
            }
        }
    }
    all.retain(|p| !disabled.iter().any(|d| *d == p.set || *d == p.rule_id()));
    all
}

fn err_msg(e: git2::Error) -> String {
    e.message().to_string()
}

/// The tree of `rev` (`None`: HEAD; an unborn HEAD has no tree).
fn tree_of<'r>(repo: &'r Repository, rev: Option<&str>) -> Result<Option<Tree<'r>>, String> {
    match rev {
        None => match repo.head() {
            Ok(h) => Ok(Some(h.peel_to_tree().map_err(err_msg)?)),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(format!("cannot read HEAD: {}", e.message())),
        },
        Some(r) => {
            let obj = repo
                .revparse_single(r)
                .map_err(|_| format!("unknown revision '{r}'"))?;
            Ok(Some(obj.peel_to_tree().map_err(|_| {
                format!("'{r}' does not name a commit or tree")
            })?))
        }
    }
}

/// Paths that differ between `tree` and the index (staged) or the
/// working tree with untracked files (worktree); `deleted_only` keeps
/// only deletions.
fn changed_paths(
    repo: &Repository,
    snap: &Snapshot<'_>,
    tree: Option<&Tree<'_>>,
    deleted_only: bool,
) -> Result<Vec<String>, String> {
    if snap.mode == Mode::Staged {
        return snap.staged_changes(tree, deleted_only).map_err(err_msg);
    }
    let mut o = git2::DiffOptions::new();
    o.include_typechange(true)
        .include_untracked(true)
        .recurse_untracked_dirs(true);
    let diff = repo
        .diff_tree_to_workdir_with_index(tree, Some(&mut o))
        .map_err(err_msg)?;
    let mut out = Vec::new();
    for d in diff.deltas() {
        if deleted_only && d.status() != git2::Delta::Deleted {
            continue;
        }
        for f in [d.old_file(), d.new_file()] {
            if let Some(p) = f.path() {
                let p = p.to_string_lossy().replace('\\', "/");
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }
    Ok(out)
}

fn tree_has(tree: Option<&Tree<'_>>, p: &str) -> bool {
    tree.is_some_and(|t| {
        t.get_path(Path::new(p))
            .is_ok_and(|e| e.kind() == Some(git2::ObjectType::Blob))
    })
}

/// Helm templates are not YAML until rendered.
fn is_helm_template(snap: &Snapshot<'_>, p: &str) -> bool {
    let mut dir = p;
    while let Some(i) = dir.rfind('/') {
        dir = &dir[..i];
        if dir.ends_with("/templates") || dir == "templates" {
            let chart = parent(dir);
            let chart_file = if chart == "." {
                "Chart.yaml".to_string()
            } else {
                format!("{chart}/Chart.yaml")
            };
            if snap.has_file(&chart_file) {
                return true;
            }
        }
    }
    false
}

/// Loads the plan's catalogs (built-in names, or files read from the
/// snapshot). Problems are findings.
fn load_catalogs(snap: &Snapshot<'_>, plan: &Plan, findings: &mut Vec<Finding>) -> Vec<Catalog> {
    let mut out = Vec::new();
    let plan_src = Source::parse(&plan.text).ok();
    let pos_of = |name: &str| -> (usize, usize) {
        plan_src
            .as_ref()
            .and_then(|s| s.docs.first().cloned().flatten())
            .and_then(|d| {
                d.get("migrations")
                    .and_then(|m| m.items())
                    .and_then(|i| i.iter().find(|n| n.as_str() == Some(name)))
                    .map(|n| (n.line, n.col))
            })
            .unwrap_or((1, 1))
    };
    for name in &plan.migrations {
        if let Some(c) = Catalog::builtin(name) {
            match c {
                Ok(c) => out.push(c),
                Err(e) => {
                    let (line, col) = pos_of(name);
                    findings.push(Finding {
                        path: plan::FILE_NAME.into(),
                        line,
                        col,
                        rule: "config/catalog".into(),
                        message: format!("built-in catalog {name}: {}", e.msg),
                        severity: Severity::Error,
                    });
                }
            }
            continue;
        }
        let p = rel_str(Path::new(name));
        match snap.text(&p) {
            Some(t) => match Catalog::parse(&t) {
                Ok(c) => out.push(c),
                Err(e) => findings.push(Finding {
                    path: p,
                    line: e.line.max(1),
                    col: e.col.max(1),
                    rule: "config/catalog".into(),
                    message: e.msg,
                    severity: Severity::Error,
                }),
            },
            None => {
                let (line, col) = pos_of(name);
                findings.push(Finding {
                    path: plan::FILE_NAME.into(),
                    line,
                    col,
                    rule: "config/catalog".into(),
                    message: format!(
                        "migrations: '{name}' is neither a built-in catalog nor a file of the repository"
                    ),
                    severity: Severity::Error,
                });
            }
        }
    }
    out
}

/// The names a rendered resource is known by: its own, then earlier ones.
fn names_of(r: &Resource) -> Vec<&str> {
    let mut v = vec![r.name()];
    for (_, n) in r.previous.iter().rev() {
        if !v.contains(&n.as_str()) {
            v.push(n.as_str());
        }
    }
    v
}

/// Identity for matching a resource across two renders: the API group
/// (not the version, which an upgrade may change), kind, namespace, name.
fn ident(obj: &Value) -> (String, String, String, String) {
    let av = obj.str_at(&["apiVersion"]).unwrap_or("");
    let group = av.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    (
        group.to_string(),
        obj.str_at(&["kind"]).unwrap_or("").to_string(),
        obj.str_at(&["metadata", "namespace"])
            .unwrap_or("")
            .to_string(),
        obj.str_at(&["metadata", "name"]).unwrap_or("").to_string(),
    )
}

fn describe(obj: &Value) -> String {
    let (_, kind, ns, name) = ident(obj);
    if ns.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {ns}/{name}")
    }
}

/// Runs the renderer, turning a panic into an error (a renderer bug must
/// not take the hook down with a backtrace).
fn build(fs: &dyn crate::source::FileSource, root: &str) -> Result<Vec<Resource>, BuildError> {
    let run = std::panic::AssertUnwindSafe(|| {
        let mut r = Renderer::new(fs, Path::new(""));
        r.build(Path::new(root))
    });
    std::panic::catch_unwind(run).unwrap_or_else(|_| {
        Err(BuildError {
            file: root.to_string(),
            line: 0,
            col: 0,
            msg: "the renderer failed unexpectedly".into(),
        })
    })
}

/// Where to report a render error: its file and position when it names a
/// file of the snapshot; for an error without a line in a kustomization
/// file, the entry it quotes; else the root's kustomization file.
pub(crate) fn render_pos(
    fs: &dyn FileSource,
    kfile: Option<&str>,
    root: &str,
    e: &BuildError,
) -> (String, usize, usize) {
    let has_file = |p: &str| fs.kind(Path::new(p)) == Kind::File;
    let text = |p: &str| String::from_utf8(fs.read(Path::new(p)).ok()?).ok();
    // "patches/x.yaml: wrong node kind at 'spec.configVars': ..." names the
    // patch and the field
    if let Some((head, rest)) = e.msg.split_once(": ") {
        if e.line == 0 && has_file(head) {
            let field: Option<Vec<String>> = rest
                .split_once(" at '")
                .and_then(|(_, r)| r.split_once('\''))
                .map(|(f, _)| f.split('.').map(str::to_string).collect());
            let at = field.and_then(|f| {
                let src = Source::parse(&text(head)?).ok()?;
                src.docs
                    .iter()
                    .flatten()
                    .find_map(|d| locate::node_at(d, &f).map(|n| (n.line, n.col)))
            });
            let (line, col) = at.unwrap_or((1, 1));
            return (head.to_string(), line, col);
        }
    }
    let file = rel_str(Path::new(&e.file));
    if has_file(&file) {
        if e.line > 0 {
            return (file, e.line, e.col.max(1));
        }
        if graph::is_kustomization_file(&file) {
            let quoted: Vec<&str> = e.msg.split('\'').skip(1).step_by(2).collect();
            if let Some(src) = text(&file).and_then(|t| Source::parse(&t).ok()) {
                if let Some(n) = src
                    .docs
                    .iter()
                    .flatten()
                    .find_map(|d| find_scalar(d, &quoted))
                {
                    return (file, n.0, n.1);
                }
            }
        }
        return (file, 1, 1);
    }
    let kfile = kfile.map_or_else(|| root.to_string(), str::to_string);
    (kfile, 1, 1)
}

fn find_scalar(n: &crate::migrate::edit::Node, wanted: &[&str]) -> Option<(usize, usize)> {
    use crate::migrate::edit::Kind;
    match &n.kind {
        Kind::Scalar { value, .. } if wanted.contains(&value.as_str()) => Some((n.line, n.col)),
        Kind::Map { entries, .. } => entries.iter().find_map(|(_, v)| find_scalar(v, wanted)),
        Kind::Seq { items, .. } => items.iter().find_map(|v| find_scalar(v, wanted)),
        _ => None,
    }
}

/// Phase timings on stderr when `GITOPS_UPGRADE_TIMINGS` is set (to see
/// where a slow hook spends its time).
struct Timer {
    on: bool,
    last: std::time::Instant,
}

impl Timer {
    fn new() -> Timer {
        Timer {
            on: std::env::var_os("GITOPS_UPGRADE_TIMINGS").is_some(),
            last: std::time::Instant::now(),
        }
    }
    fn lap(&mut self, what: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!(
                "timing: {what:<24} {:8.2} ms",
                (now - self.last).as_secs_f64() * 1000.0
            );
            self.last = now;
        }
    }
}

/// Checks `opts` in `repo` (which must have a working tree).
pub fn run(repo: &Repository, opts: &Options) -> Result<Report, String> {
    let mut t = Timer::new();
    let root = workdir(repo)?;
    let snap = Snapshot::open(repo, &root, opts.mode)?;
    t.lap("file list");
    run_on(repo, opts, snap, t)
}

fn workdir(repo: &Repository) -> Result<PathBuf, String> {
    repo.workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| "check needs a repository with a working tree (this one is bare)".into())
}

/// A file argument (relative to `cwd`, or absolute) as a path relative
/// to the work tree `root`; a path that does not exist (a deleted file) is
/// resolved through its parent.
pub fn root_relative(root: &Path, cwd: &Path, p: &Path) -> Result<String, String> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let root = canon(root);
    let abs = cwd.join(p);
    let resolved = if abs.exists() {
        canon(&abs)
    } else {
        match (abs.parent(), abs.file_name()) {
            (Some(d), Some(n)) => canon(d).join(n),
            _ => abs.clone(),
        }
    };
    let rel = resolved.strip_prefix(&root).map_err(|_| {
        format!(
            "'{}' is outside the repository {}",
            p.display(),
            root.display()
        )
    })?;
    Ok(rel_str(rel))
}

/// Discovers the repository from `cwd` and checks it, with `args` (file
/// arguments relative to `cwd`) added to `opts.files`.
pub fn run_in(cwd: &Path, args: &[PathBuf], mut opts: Options) -> Result<Report, String> {
    let repo = Repository::discover(cwd).map_err(|_| {
        "not inside a git repository: check reads the index and compares with HEAD (run `git init` first)"
            .to_string()
    })?;
    let root = workdir(&repo)?;
    for a in args {
        opts.files.push(root_relative(&root, cwd, a)?);
    }
    run(&repo, &opts)
}

/// The check proper, on a snapshot of the index or the working tree.
fn run_on(
    repo: &Repository,
    opts: &Options,
    snap: Snapshot<'_>,
    mut t: Timer,
) -> Result<Report, String> {
    let old_tree = tree_of(repo, opts.against.as_deref())?;
    let mut report = Report {
        whole: opts.files.is_empty() && !opts.changed,
        ..Report::default()
    };
    let mut findings: Vec<Finding> = Vec::new();

    // What changed.
    let mut changed: BTreeSet<String> = BTreeSet::new();
    if report.whole {
        changed.extend(snap.files().map(str::to_string));
    } else {
        for f in &opts.files {
            if snap.has_file(f) {
                changed.insert(f.clone());
            } else if snap.has_dir(f) {
                changed.extend(snap.files_under(f).map(str::to_string));
            } else if tree_has(old_tree.as_ref(), f) {
                changed.insert(f.clone()); // deleted since
            } else {
                let hint = if opts.mode == Mode::Staged {
                    " (not in the index: `git add` it first)"
                } else {
                    ""
                };
                return Err(format!("'{f}': no such file in the repository{hint}"));
            }
        }
        if opts.changed {
            changed.extend(changed_paths(repo, &snap, old_tree.as_ref(), false)?);
        } else if opts.mode == Mode::Staged {
            // pre-commit passes the files it keeps, not the deleted ones
            changed.extend(changed_paths(repo, &snap, old_tree.as_ref(), true)?);
        }
    }

    t.lap("changed files");
    // The plan, its catalogs and the policies.
    let plan = match snap.text(plan::FILE_NAME) {
        None => None,
        Some(t) => match plan::parse(&t, plan::FILE_NAME) {
            Ok(p) => Some(p),
            Err(e) => {
                findings.push(Finding {
                    path: plan::FILE_NAME.into(),
                    line: e.line.max(1),
                    col: e.col.max(1),
                    rule: "config/plan".into(),
                    message: e.msg,
                    severity: Severity::Error,
                });
                None
            }
        },
    };
    let catalogs = match &plan {
        Some(p) => load_catalogs(&snap, p, &mut findings),
        None => Vec::new(),
    };
    // A change to the plan (or to a catalog file it names) is judged
    // against everything it governs.
    let config_changed = changed.contains(plan::FILE_NAME)
        || plan
            .as_ref()
            .is_some_and(|p| p.migrations.iter().any(|m| changed.contains(m)));
    let everything = report.whole || config_changed;

    t.lap("plan and policies");
    // Each changed file on its own.
    for f in &changed {
        if !snap.has_file(f) {
            continue;
        }
        let Ok(bytes) = snap.read_rel(f) else {
            continue;
        };
        if bytes.contains(&0) {
            continue; // binary
        }
        let text = String::from_utf8_lossy(&bytes);
        let markers = text::conflict_markers(f, &text);
        let has_markers = !markers.is_empty();
        findings.extend(markers);
        if !has_markers && text::is_yaml(f) && !is_helm_template(&snap, f) {
            findings.extend(text::yaml_syntax(f, &text));
        }
    }
    report.files = changed.iter().cloned().collect();

    t.lap("yaml and markers");
    // The kustomizations, and the roots to render.
    let mut cache = if opts.cache {
        cache::RefsCache::load(repo)
    } else {
        cache::RefsCache::disabled()
    };
    let graph = Graph::scan_with(&snap, snap.files(), Reading::Fields, &mut |f| {
        Some(cache.refs(&snap, f))
    });
    cache.save();
    let affected: BTreeSet<String> = if everything {
        graph.kusts.keys().cloned().collect()
    } else {
        graph.affected(changed.iter().map(String::as_str), Touch::Reads)
    };
    let roots = graph.roots_among(affected.iter(), Roots::DEPLOYABLE);
    t.lap("kustomization graph");
    let old_src = old_tree.as_ref().map(|t| TreeSource::new(repo, t.clone()));

    // Render.
    let mut builds: BTreeMap<String, Vec<Resource>> = BTreeMap::new();
    let mut broken: BTreeMap<(String, usize, usize, String), Vec<String>> = BTreeMap::new();
    for r in &roots {
        match build(&snap, r) {
            Ok(res) => {
                builds.insert(r.clone(), res);
            }
            Err(e) => {
                let kfile = graph.kusts.get(r).map(|k| k.file.as_str());
                let (p, l, c) = render_pos(&snap, kfile, r, &e);
                broken
                    .entry((p, l, c, e.msg.clone()))
                    .or_default()
                    .push(r.clone());
            }
        }
    }
    for ((path, line, col, msg), rs) in broken {
        let which = if rs.len() == 1 {
            format!("kustomization root '{}' does not render", rs[0])
        } else {
            format!("kustomization roots '{}' do not render", rs.join("', '"))
        };
        findings.push(Finding {
            path,
            line,
            col,
            rule: "kustomize/render".into(),
            message: format!("{which}: {msg}"),
            severity: Severity::Error,
        });
    }
    report.roots = roots.clone();
    t.lap("render");

    // Pending migrations in the affected kustomizations (all of them when
    // the plan changed).
    if !catalogs.is_empty() {
        let dirs: BTreeSet<String> = if everything {
            graph.kusts.keys().cloned().collect()
        } else {
            roots.iter().flat_map(|r| graph.closure(r)).collect()
        };
        findings.extend(migrations::pending(&snap, &dirs, &catalogs)?);
    }

    t.lap("migrations");
    // Policies, on the rendered resources and on the changed files no
    // kustomization reads (plain manifests).
    let is_changed = |p: &str| changed.contains(p);
    let mut plain: Vec<(&String, Vec<yaml::Document>)> = Vec::new();
    for f in &changed {
        if !text::is_yaml(f)
            || !snap.has_file(f)
            || graph::is_kustomization_file(f)
            || f == plan::FILE_NAME
            || graph.is_used(f)
        {
            continue;
        }
        if let Some(docs) = snap.text(f).and_then(|t| yaml::parse_documents(&t).ok()) {
            plain.push((f, docs));
        }
    }
    let mut kinds: BTreeSet<&str> = BTreeSet::new();
    for res in builds.values() {
        kinds.extend(res.iter().map(|r| r.kind()));
    }
    for (_, docs) in &plain {
        kinds.extend(docs.iter().filter_map(|d| d.value.str_at(&["kind"])));
    }
    let policies = active_policies(plan.as_ref(), &catalogs, Some(&kinds), &mut findings);
    // the same node judged through several roots (a base shared by
    // overlays) is one finding naming every resource
    let mut hits: BTreeMap<(locate::Pos, String, String, Severity), Vec<String>> = BTreeMap::new();
    report.policies = policies.len();
    if !policies.is_empty() {
        let mut old_builds: HashMap<String, Option<Vec<Resource>>> = HashMap::new();
        for (r, res) in &builds {
            let mut locator: Option<locate::Locator> = None;
            for new in res {
                let names = names_of(new);
                let ns = new.namespace();
                let selected: Vec<&Policy> = policies
                    .iter()
                    .filter(|p| policy::selects(p, &new.obj, &names, ns))
                    .collect();
                if selected.is_empty() {
                    continue;
                }
                let old_res = old_builds
                    .entry(r.clone())
                    .or_insert_with(|| old_src.as_ref().and_then(|s| build(s, r).ok()));
                let id = ident(&new.obj);
                let old = old_res
                    .as_ref()
                    .and_then(|o| o.iter().find(|x| ident(&x.obj) == id))
                    .map(|x| &x.obj);
                if !everything && old == Some(&new.obj) {
                    continue; // not touched by this change
                }
                for p in selected {
                    for v in policy::evaluate(p, &new.obj, old) {
                        let loc = locator
                            .get_or_insert_with(|| locate::Locator::for_root(&snap, &graph, r));
                        let pos = loc
                            .locate(new.kind(), &names, &v.field, v.missing, &is_changed)
                            .unwrap_or_else(|| {
                                let k = &graph.kusts[r];
                                locate::Pos {
                                    path: k.file.clone(),
                                    line: 1,
                                    col: 1,
                                }
                            });
                        hits.entry((pos, p.rule_id(), policy_text(p, &v.detail), p.severity))
                            .or_default()
                            .push(describe(&new.obj));
                    }
                }
            }
        }

        for (f, docs) in &plain {
            let f = *f;
            let old_docs: Vec<Value> = old_tree
                .as_ref()
                .and_then(|tr| tr.get_path(Path::new(f)).ok())
                .and_then(|e| repo.find_blob(e.id()).ok())
                .and_then(|b| String::from_utf8(b.content().to_vec()).ok())
                .and_then(|t| yaml::parse_documents(&t).ok())
                .map(|d| d.into_iter().map(|d| d.value).collect())
                .unwrap_or_default();
            let mut locator: Option<locate::Locator> = None;
            for d in docs {
                let obj = &d.value;
                if obj.as_map().is_none() || obj.str_at(&["kind"]).is_none() {
                    continue;
                }
                let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
                let ns = obj.str_at(&["metadata", "namespace"]).unwrap_or("");
                let id = ident(obj);
                let old = old_docs.iter().find(|o| ident(o) == id);
                if !everything && old == Some(obj) {
                    continue;
                }
                for p in policies
                    .iter()
                    .filter(|p| policy::selects(p, obj, &[name], ns))
                {
                    for v in policy::evaluate(p, obj, old) {
                        let loc =
                            locator.get_or_insert_with(|| locate::Locator::for_file(&snap, f));
                        let kind = obj.str_at(&["kind"]).unwrap_or("");
                        let pos = loc
                            .locate(kind, &[name], &v.field, v.missing, &is_changed)
                            .unwrap_or(locate::Pos {
                                path: f.clone(),
                                line: d.line.max(1),
                                col: d.col.max(1),
                            });
                        hits.entry((pos, p.rule_id(), policy_text(p, &v.detail), p.severity))
                            .or_default()
                            .push(describe(obj));
                    }
                }
            }
        }
    }

    for ((pos, rule, text, severity), mut who) in hits {
        who.sort();
        who.dedup();
        let names = match who.len() {
            1 => who[0].clone(),
            2 | 3 => who.join(", "),
            n => format!("{}, {} and {} more", who[0], who[1], n - 2),
        };
        findings.push(Finding {
            path: pos.path,
            line: pos.line,
            col: pos.col,
            rule,
            message: format!("{names}: {text}"),
            severity,
        });
    }
    t.lap("policies");
    // a render error in a file that does not parse (or holds conflict
    // markers) says nothing more
    let syntax_files: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.rule == "yaml/syntax" || f.rule == "git/conflict-marker")
        .map(|f| f.path.as_str())
        .collect();
    let drop: Vec<bool> = findings
        .iter()
        .map(|f| f.rule == "kustomize/render" && syntax_files.contains(f.path.as_str()))
        .collect();
    let mut findings: Vec<Finding> = findings
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(f, _)| f)
        .collect();
    findings.sort();
    findings.dedup();
    report.findings = findings;
    Ok(report)
}

/// A policy's finding text: what is wrong, then the policy's message.
fn policy_text(p: &Policy, detail: &str) -> String {
    if p.message.is_empty() {
        detail.to_string()
    } else {
        format!("{detail}; {}", p.message)
    }
}
