//! The apply run: the plan's components in order, each rendered, compared
//! with the live objects for changes that need a re-create, applied, and
//! waited on; progress recorded in the state file after every component.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::kube::{
    delete_args, get_args, list_args, logs_args, scale_args, Cluster, KubeError, ObjKey,
};
use super::policy_gate;
use super::ready::{self, Readiness};
use super::server_check;
use super::state::{self, ComponentState, State, Status};
use super::steps::{self, Form};
use crate::diff::side::Source;
use crate::diff::{self, immutable, RecreateHint};
use crate::plan::{Component, ExecCheck, ObjectRef, Plan, PreStep, ReadyRule};
use crate::resource::{split_api_version, Origin, Resource};
use crate::yaml::Value;

/// What `apply` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Print what would run; contact no cluster, write nothing.
    pub dry_run: bool,
    /// Delete what needs deleting without asking.
    pub yes: bool,
    pub server_side: bool,
    /// The default wait limit of each component.
    pub timeout: Duration,
    /// Continue the recorded run from its first unfinished component.
    pub resume: bool,
    /// Apply only this component.
    pub only: Option<String>,
    /// How often to poll readiness.
    pub poll: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dry_run: false,
            yes: false,
            server_side: false,
            timeout: Duration::from_secs(600),
            resume: false,
            only: None,
            poll: Duration::from_secs(2),
        }
    }
}

/// The terminal side of a run, supplied by the binary.
pub trait Ui {
    /// One line of progress.
    fn say(&mut self, line: &str);
    /// Asks a yes/no question; `None` when nobody can answer
    /// (standard input is not a terminal).
    fn confirm(&mut self, question: &str) -> Option<bool>;
    /// Still waiting on `what` (a spinner on a terminal).
    fn waiting(&mut self, what: &str, elapsed: Duration);
    /// The wait is over.
    fn wait_done(&mut self);
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the plan has no components: list them under `components:` in gitops-upgrade.yaml (`gitops-upgrade init --preset <name>` writes one)")]
    NoComponents,
    #[error("--only {0}: no such component in the plan (components: {1})")]
    UnknownComponent(String, String),
    #[error("nothing to resume: {0}")]
    NothingToResume(String),
    #[error("{component}: {path}: {message}")]
    Render {
        component: String,
        path: String,
        message: String,
    },
    #[error("{component}: {what} must be deleted and re-created; run again with --yes to allow it (or answer yes in a terminal)")]
    NeedsConfirmation { component: String, what: String },
    #[error("{component}: {what} no longer in the render must be deleted (pruned); run again with --yes to allow it (or answer yes in a terminal)")]
    PruneNeedsConfirmation { component: String, what: String },
    #[error("{component}: stopped: the deletion of {what} was declined")]
    Declined { component: String, what: String },
    #[error("{component}: {source}")]
    Kube {
        component: String,
        #[source]
        source: KubeError,
    },
    #[error("{component}: kubectl apply failed: {}", errors.join("; "))]
    Apply {
        component: String,
        errors: Vec<String>,
    },
    #[error("{component}: the API server's dry run refused the update, so nothing was deleted or applied: {}", errors.join("; "))]
    DryRunRefused {
        component: String,
        errors: Vec<String>,
    },
    #[error("{component}: {what} was still refused after it was re-created: {message}")]
    StillImmutable {
        component: String,
        what: String,
        message: String,
    },
    #[error("{component}: refused by the upgrade policies, so nothing was deleted or applied: {}; fix the manifests and commit, or turn a policy off with `policies: {{disable: [<set>/<id>]}}` in gitops-upgrade.yaml", errors.join("; "))]
    PolicyRefused {
        component: String,
        errors: Vec<String>,
    },
    #[error("{component}: not ready after {}: {}", human(*timeout), not_ready.join("; "))]
    Timeout {
        component: String,
        timeout: Duration,
        not_ready: Vec<String>,
    },
    #[error("{component}: {message}")]
    NotReady { component: String, message: String },
    /// Something the objects need is missing in the cluster (checked
    /// before anything of the component is applied).
    #[error("{component}: {message}")]
    Precondition { component: String, message: String },
    #[error("{0}")]
    State(#[from] state::StateError),
}

impl ApplyError {
    /// Whether `apply --resume` continues after this error.
    pub fn resumable(&self) -> bool {
        matches!(
            self,
            ApplyError::NeedsConfirmation { .. }
                | ApplyError::PruneNeedsConfirmation { .. }
                | ApplyError::Declined { .. }
                | ApplyError::Kube { .. }
                | ApplyError::Apply { .. }
                | ApplyError::DryRunRefused { .. }
                | ApplyError::StillImmutable { .. }
                | ApplyError::Timeout { .. }
                | ApplyError::NotReady { .. }
                | ApplyError::Precondition { .. }
        )
    }
}

/// `90s`, `5m`, `1h2m3s`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, sec) = (s / 3600, (s / 60) % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 || out.is_empty() {
        if s == 0 && d.as_millis() > 0 {
            return format!("{}ms", d.as_millis());
        }
        out.push_str(&format!("{sec}s"));
    }
    out
}

/// What is applied: the plan, the tree to render, and what it is compared
/// with in a dry run.
pub struct Target<'r> {
    pub plan: Plan,
    /// The tree applied (a commit's tree, or a directory).
    pub source: Source<'r>,
    /// The commit id applied (or a label for a directory).
    pub revision: String,
    /// For a dry run: the revision compared with to decide re-creates, and
    /// its label.
    pub from: Option<(Source<'r>, String)>,
    /// `recreate` hints of the plan's migration catalogs.
    pub catalog_hints: Vec<RecreateHint>,
    /// The git directory (the state file lives below it).
    pub git_dir: PathBuf,
}

impl Target<'_> {
    /// The directory catalog files named by the plan are read from.
    fn root(&self) -> Option<PathBuf> {
        match &self.source {
            Source::Tree { repo, .. } => repo.workdir().map(std::path::Path::to_path_buf),
            Source::Dir { path, .. } => Some(path.clone()),
        }
    }
}

/// One rendered object.
struct Obj {
    key: ObjKey,
    resource: Resource,
    json: Json,
}

fn obj_key(r: &Resource) -> ObjKey {
    let ns = r.namespace();
    ObjKey {
        api_version: r.api_version().to_string(),
        kind: r.kind().to_string(),
        namespace: (!ns.is_empty()).then(|| ns.to_string()),
        name: r.name().to_string(),
    }
}

fn ref_key(r: &ObjectRef) -> ObjKey {
    ObjKey {
        api_version: r.api_version.clone().unwrap_or_default(),
        kind: r.kind.clone(),
        namespace: r.namespace.clone(),
        name: r.name.clone(),
    }
}

/// The plan's `recreate` entries of a component as diff hints.
fn plan_hints(c: &Component) -> Vec<RecreateHint> {
    c.recreate
        .iter()
        .map(|r| RecreateHint {
            group: r
                .api_version
                .as_deref()
                .map(|av| split_api_version(av).0.to_string()),
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: Some(r.name.clone()),
            path: Vec::new(),
            reason: format!(
                "the plan says {} is re-created when it changes",
                r.display()
            ),
        })
        .collect()
}

/// A JSON value as a YAML value (for comparisons with rendered objects).
pub fn json_to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                Value::Uint(u)
            } else {
                Value::Float(n.as_f64().unwrap_or(0.0))
            }
        }
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(a) => Value::Seq(a.iter().map(json_to_value).collect()),
        Json::Object(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), json_to_value(v)))
                .collect(),
        ),
    }
}

/// The live object cut down to the fields the rendered object sets, so
/// that defaults the API server filled in and `status` do not count as
/// changes: mappings keep the desired keys, lists of the same length are
/// compared item by item, anything else is taken as it is.
pub fn project(live: &Json, desired: &Value) -> Value {
    match (live, desired) {
        (Json::Object(l), Value::Map(d)) => Value::Map(
            d.iter()
                .filter_map(|(k, dv)| l.get(k).map(|lv| (k.clone(), project(lv, dv))))
                .collect(),
        ),
        (Json::Array(l), Value::Seq(d)) if l.len() == d.len() => {
            Value::Seq(l.iter().zip(d).map(|(lv, dv)| project(lv, dv)).collect())
        }
        _ => json_to_value(live),
    }
}

/// Why the live object cannot be updated to the rendered one in place.
fn recreate_reasons(live: &Json, o: &Obj, hints: &[RecreateHint]) -> Vec<String> {
    let old = Resource::new(project(live, &o.resource.obj), Origin::default());
    let new = &o.resource;
    let id = diff::Identity::of(new);
    let mut reasons = Vec::new();
    for c in diff::fields::diff_objects(new.api_version(), new.kind(), &old.obj, &new.obj) {
        // Fields the live object has and the render does not are left
        // alone by `kubectl apply` (unless it set them before): not a reason.
        if c.op == diff::ChangeOp::Removed {
            continue;
        }
        if let Some(r) = immutable::check(&id, &old, new, &c, hints) {
            let r = format!("{r} ({})", diff::fields::PathDisplay(&c.path));
            if !reasons.contains(&r) {
                reasons.push(r);
            }
        }
    }
    reasons
}

fn digest(objs: &[Obj]) -> String {
    let mut h = Sha256::new();
    for o in objs {
        h.update(o.json.to_string().as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn render(source: &Source<'_>, c: &Component) -> Result<(Vec<Obj>, Form), ApplyError> {
    let (resources, form) = steps::load(source, c).map_err(|message| ApplyError::Render {
        component: c.name.clone(),
        path: c.path.clone(),
        message,
    })?;
    let objs = resources
        .into_iter()
        .map(|r| Obj {
            key: obj_key(&r),
            json: diff::report::to_json_value(&r.obj),
            resource: r,
        })
        .collect();
    Ok((objs, form))
}

/// Whether a `delete` pre-step of the component removes this object.
fn pre_deleted(c: &Component, k: &ObjKey) -> bool {
    c.before.iter().any(|s| {
        matches!(s, PreStep::Delete(r)
            if r.kind == k.kind && r.name == k.name && r.namespace == k.namespace)
    })
}

/// Whether the built-in readiness rules watch objects of this kind.
fn watched(k: &ObjKey) -> bool {
    let group = split_api_version(&k.api_version).0;
    matches!(
        (group, k.kind.as_str()),
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet")
            | ("batch", "Job")
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
    )
}

fn wait_phrase(k: &ObjKey) -> String {
    match k.kind.as_str() {
        "CustomResourceDefinition" => format!("{} established", k.display()),
        "Job" => format!("{} complete", k.display()),
        _ => format!("{} rolled out", k.display()),
    }
}

/// Runs (or, with `dry_run`, describes) the plan. Returns the final state
/// (`None` in a dry run).
pub fn run(
    t: &Target<'_>,
    cluster: &dyn Cluster,
    opts: &Options,
    ui: &mut dyn Ui,
) -> Result<Option<State>, ApplyError> {
    let plan = &t.plan;
    if plan.components.is_empty() {
        return Err(ApplyError::NoComponents);
    }
    let names = || {
        plan.components
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(only) = &opts.only {
        if !plan.components.iter().any(|c| &c.name == only) {
            return Err(ApplyError::UnknownComponent(only.clone(), names()));
        }
    }
    let selected: Vec<&Component> = plan
        .components
        .iter()
        .filter(|c| opts.only.as_ref().is_none_or(|o| *o == c.name))
        .collect();

    let previous = state::load(&t.git_dir)?;
    // `--only` on the revision of the recorded run updates that record.
    let continue_record = opts.resume
        || (opts.only.is_some()
            && previous
                .as_ref()
                .is_some_and(|p| p.revision == t.revision && p.finished.is_none()));
    let mut st = if continue_record {
        let Some(prev) = previous else {
            return Err(ApplyError::NothingToResume(
                "no apply was recorded in this repository; run `gitops-upgrade apply`".into(),
            ));
        };
        if prev.finished.is_some() && !opts.dry_run {
            return Err(ApplyError::NothingToResume(format!(
                "the apply of {} finished at {}; `gitops-upgrade status` shows it",
                short(&prev.revision),
                prev.finished.as_deref().unwrap_or("?")
            )));
        }
        let mut s = prev;
        // The plan may have gained or lost components since.
        let old = std::mem::take(&mut s.components);
        s.components = plan
            .components
            .iter()
            .map(|c| {
                old.iter()
                    .find(|o| o.name == c.name)
                    .cloned()
                    .unwrap_or_else(|| fresh(c))
            })
            .collect();
        s.revision = t.revision.clone();
        s
    } else {
        // What each component applied last is kept across runs (prune).
        let carried = |c: &Component| {
            let mut cs = fresh(c);
            if let Some(p) = previous.as_ref().and_then(|p| p.component(&c.name)) {
                cs.applied = p.applied.clone();
            }
            cs
        };
        let components = plan.components.iter().map(carried).collect();
        State {
            revision: t.revision.clone(),
            from_version: plan.from.clone(),
            to_version: plan.version.clone(),
            started: crate::git::time::now_stamp(),
            finished: None,
            last_applied: previous.and_then(|p| {
                if p.finished.is_some() {
                    Some(p.revision)
                } else {
                    p.last_applied
                }
            }),
            components,
        }
    };

    let total = selected.len();
    if opts.dry_run {
        let from = t
            .from
            .as_ref()
            .map(|(_, l)| format!(", re-creates decided against {l}"))
            .unwrap_or_default();
        ui.say(&format!(
            "Dry run: apply {} of {}{}; no cluster is contacted.",
            version_span(plan),
            short(&t.revision),
            from
        ));
    } else {
        ui.say(&format!(
            "Applying {} of {} ({} component{}).",
            version_span(plan),
            short(&t.revision),
            total,
            if total == 1 { "" } else { "s" }
        ));
    }

    // The upgrade policies, judged per component before it changes anything.
    let (policies, problems) = policy_gate::load(plan, t.root().as_deref());
    if !problems.is_empty() {
        return Err(ApplyError::PolicyRefused {
            component: "policies".into(),
            errors: problems,
        });
    }
    if !continue_record && !opts.dry_run {
        decide_conditions(t, cluster, &selected, &mut st)?;
    }
    // Each component rendered once, here: judged by the policies against
    // the live objects before anything changes, then applied.
    let mut rendered = Vec::with_capacity(selected.len());
    for c in &selected {
        rendered.push(render(&t.source, c)?);
    }
    if !opts.dry_run {
        judge_live(cluster, opts, &st, &selected, &rendered, &policies, ui)?;
    }
    let (mut refused, mut refused_at) = (Vec::new(), None);
    let elsewhere = Elsewhere::new();
    for (i, (c, (objs, form))) in selected.iter().zip(rendered).enumerate() {
        let dg = digest(&objs);
        let head = match form {
            Form::StepsOnly => format!("[{}/{}] {}", i + 1, total, c.name),
            _ => format!("[{}/{}] {} ({})", i + 1, total, c.name, c.path),
        };
        if let Some(cs) = st
            .component(&c.name)
            .filter(|s| s.status == Status::Skipped)
        {
            if !opts.dry_run {
                ui.say(&format!(
                    "{head}: {}",
                    cs.message.as_deref().unwrap_or("skipped")
                ));
                continue;
            }
        }
        if opts.resume {
            if let Some(cs) = st.component(&c.name) {
                if cs.status == Status::Done && cs.digest.as_deref() == Some(dg.as_str()) {
                    ui.say(&format!("{head}: already applied, render unchanged"));
                    continue;
                }
                if cs.status == Status::Done {
                    ui.say(&format!(
                        "{head}: applied before, but its render changed since: applying again"
                    ));
                }
            }
        }
        let recorded = st
            .component(&c.name)
            .map(|cs| cs.applied.clone())
            .unwrap_or_default();
        if opts.dry_run {
            let before = refused.len();
            describe(
                t,
                cluster,
                opts,
                c,
                &objs,
                form,
                &recorded,
                &head,
                &policies,
                &mut refused,
                &elsewhere,
                ui,
            )?;
            if refused.len() > before && refused_at.is_none() {
                refused_at = Some(c.name.clone());
            }
            continue;
        }
        ui.say(&head);
        set(&mut st, &c.name, Status::InProgress, None, None);
        state::save(&t.git_dir, &st)?;
        match apply_component(t, cluster, opts, c, &objs, &recorded, &elsewhere, ui) {
            Ok(done) => {
                set(&mut st, &c.name, Status::Done, Some(dg), None);
                if let Some(cs) = st.component_mut(&c.name) {
                    cs.recreated = done.recreated;
                    cs.pruned = done.pruned;
                    cs.applied = objs.iter().map(|o| o.key.clone()).collect();
                }
                state::save(&t.git_dir, &st)?;
                ui.say(&table(&st));
            }
            Err(e) => {
                set(&mut st, &c.name, Status::Failed, None, Some(e.to_string()));
                state::save(&t.git_dir, &st)?;
                return Err(e);
            }
        }
    }
    if opts.dry_run {
        if let Some(component) = refused_at {
            return Err(ApplyError::PolicyRefused {
                component,
                errors: refused,
            });
        }
        return Ok(None);
    }
    if st
        .components
        .iter()
        .all(|c| matches!(c.status, Status::Done | Status::Skipped))
    {
        st.finished = Some(crate::git::time::now_stamp());
        st.last_applied = Some(st.revision.clone());
        state::save(&t.git_dir, &st)?;
        ui.say(&format!(
            "Done: {} applied at {}.",
            version_span(plan),
            short(&st.revision)
        ));
    }
    Ok(Some(st))
}

/// The policies judged against the live objects, for every component this
/// run will apply (not those skipped, nor, on resume, those applied with the
/// same render), before the first one changes anything. Only the objects a
/// policy selects are read from the cluster.
fn judge_live(
    cluster: &dyn Cluster,
    opts: &Options,
    st: &State,
    selected: &[&Component],
    rendered: &[(Vec<Obj>, Form)],
    policies: &[crate::check::Policy],
    ui: &mut dyn Ui,
) -> Result<(), ApplyError> {
    if policies.is_empty() {
        return Ok(());
    }
    let mut errors = Vec::new();
    let mut first = None;
    for (c, (objs, _)) in selected.iter().zip(rendered) {
        let recorded = st.component(&c.name);
        if recorded.is_some_and(|cs| cs.status == Status::Skipped) {
            continue;
        }
        if opts.resume
            && recorded.is_some_and(|cs| {
                cs.status == Status::Done && cs.digest.as_deref() == Some(digest(objs).as_str())
            })
        {
            continue;
        }
        let judged: Vec<&Obj> = objs
            .iter()
            .filter(|o| {
                policies.iter().any(|p| {
                    crate::check::policy::selects(
                        p,
                        &o.resource.obj,
                        &[o.resource.name()],
                        o.resource.namespace(),
                    )
                })
            })
            .collect();
        let mut lives = Vec::with_capacity(judged.len());
        for o in &judged {
            lives.push(cluster.get(&o.key).map_err(kube(c))?);
        }
        let verdict = policy_gate::judge(policies, judged.iter().map(|o| &o.resource), |r| {
            judged
                .iter()
                .zip(&lives)
                .find(|(o, _)| std::ptr::eq(&o.resource, r))
                .and_then(|(o, l)| l.as_ref().map(|l| project(l, &o.resource.obj)))
        });
        for w in &verdict.warnings {
            ui.say(&format!("{}: policy warning: {w}", c.name));
        }
        if !verdict.errors.is_empty() && first.is_none() {
            first = Some(c.name.clone());
        }
        errors.extend(verdict.errors);
    }
    match first {
        None => Ok(()),
        Some(component) => Err(ApplyError::PolicyRefused { component, errors }),
    }
}

fn fresh(c: &Component) -> ComponentState {
    ComponentState {
        name: c.name.clone(),
        path: c.path.clone(),
        status: Status::Pending,
        digest: None,
        at: None,
        recreated: Vec::new(),
        pruned: Vec::new(),
        message: None,
        applied: Vec::new(),
    }
}

fn set(st: &mut State, name: &str, s: Status, digest: Option<String>, msg: Option<String>) {
    if let Some(cs) = st.component_mut(name) {
        cs.status = s;
        if digest.is_some() {
            cs.digest = digest;
        }
        cs.message = msg;
        cs.at = Some(crate::git::time::now_stamp());
    }
}

fn short(rev: &str) -> &str {
    if rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        &rev[..12]
    } else {
        rev
    }
}

fn version_span(plan: &Plan) -> String {
    match (&plan.from, &plan.version) {
        (Some(f), Some(v)) => format!("release {f} -> {v}"),
        (None, Some(v)) => format!("release {v}"),
        _ => "the plan".into(),
    }
}

/// The vendor guide's component table.
pub fn table(st: &State) -> String {
    let from = st.from_version.as_deref().unwrap_or("-");
    let to = st.to_version.as_deref().unwrap_or("-");
    let w = st
        .components
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0)
        .max("COMPONENT".len());
    let vw = from.len().max(to.len()).max(4);
    let mut out = format!(
        "  {:<w$}  {:<vw$}  {:<vw$}  DONE\n",
        "COMPONENT", "FROM", "TO"
    );
    for c in &st.components {
        let mark = match c.status {
            Status::Done => "yes",
            Status::InProgress => "in progress",
            Status::Failed => "FAILED",
            Status::Pending => "",
            Status::Skipped => "skipped",
        };
        out.push_str(format!("  {:<w$}  {:<vw$}  {:<vw$}  {mark}", c.name, from, to).trim_end());
        out.push('\n');
    }
    out.pop();
    out
}

/// Asks before deleting `what` (`why` is said after the question): `--yes`
/// allows, a terminal asks, anything else stops the run.
fn confirm_deletes(
    opts: &Options,
    c: &Component,
    what: &[String],
    why: &str,
    ui: &mut dyn Ui,
) -> Result<(), ApplyError> {
    if what.is_empty() || opts.yes {
        return Ok(());
    }
    let list = what.join(", ");
    match ui.confirm(&format!(
        "{}: delete and re-create {list}?{why} Their pods or volumes' users restart.",
        c.name
    )) {
        Some(true) => Ok(()),
        Some(false) => Err(ApplyError::Declined {
            component: c.name.clone(),
            what: list,
        }),
        None => Err(ApplyError::NeedsConfirmation {
            component: c.name.clone(),
            what: list,
        }),
    }
}

/// Asks before pruning `what`, as [`confirm_deletes`] does.
fn confirm_prune(
    opts: &Options,
    c: &Component,
    what: &[String],
    ui: &mut dyn Ui,
) -> Result<(), ApplyError> {
    if what.is_empty() || opts.yes {
        return Ok(());
    }
    let list = what.join(", ");
    match ui.confirm(&format!(
        "{}: delete {list}? gitops-upgrade applied {} before and the render no longer has {} (prune).",
        c.name,
        if what.len() == 1 { "it" } else { "them" },
        if what.len() == 1 { "it" } else { "them" },
    )) {
        Some(true) => Ok(()),
        Some(false) => Err(ApplyError::Declined {
            component: c.name.clone(),
            what: list,
        }),
        None => Err(ApplyError::PruneNeedsConfirmation {
            component: c.name.clone(),
            what: list,
        }),
    }
}

fn kube(c: &Component) -> impl Fn(KubeError) -> ApplyError + '_ {
    move |source| ApplyError::Kube {
        component: c.name.clone(),
        source,
    }
}

/// What one component's apply deleted.
struct Done {
    recreated: Vec<String>,
    pruned: Vec<String>,
}

/// Each component's rendered identities at this revision, rendered once per
/// run, on the first prune that needs them.
type Elsewhere = std::cell::OnceCell<Vec<(String, BTreeSet<server_check::Identity>)>>;

/// The identities of the objects that the other components of the plan
/// render at this revision (an object that moved is not pruned).
fn rendered_elsewhere(
    t: &Target<'_>,
    c: &Component,
    cache: &Elsewhere,
) -> Result<BTreeSet<server_check::Identity>, ApplyError> {
    if cache.get().is_none() {
        let mut all = Vec::with_capacity(t.plan.components.len());
        for other in &t.plan.components {
            let ids = render(&t.source, other)?
                .0
                .iter()
                .map(|o| server_check::identity(&o.key))
                .collect();
            all.push((other.name.clone(), ids));
        }
        let _ = cache.set(all);
    }
    let mut ids = BTreeSet::new();
    for (name, set) in cache.get().into_iter().flatten() {
        if *name != c.name {
            ids.extend(set.iter().cloned());
        }
    }
    Ok(ids)
}

/// The prune candidates of a component (see
/// [`server_check::prune_candidates`]), and those left with the reason.
fn prune_plan(
    t: &Target<'_>,
    c: &Component,
    objs: &[Obj],
    recorded: &[ObjKey],
    cache: &Elsewhere,
) -> Result<(Vec<ObjKey>, Vec<ObjKey>), ApplyError> {
    let rendered: Vec<ObjKey> = objs.iter().map(|o| o.key.clone()).collect();
    let here: BTreeSet<_> = rendered.iter().map(server_check::identity).collect();
    if recorded
        .iter()
        .all(|k| here.contains(&server_check::identity(k)))
    {
        return Ok((Vec::new(), Vec::new()));
    }
    let elsewhere = rendered_elsewhere(t, c, cache)?;
    Ok(server_check::prune_candidates(
        recorded, &rendered, &elsewhere,
    ))
}

#[allow(clippy::too_many_arguments)]
fn apply_component(
    t: &Target<'_>,
    cluster: &dyn Cluster,
    opts: &Options,
    c: &Component,
    objs: &[Obj],
    recorded: &[ObjKey],
    cache: &Elsewhere,
    ui: &mut dyn Ui,
) -> Result<Done, ApplyError> {
    let timeout = c.timeout.unwrap_or(opts.timeout);
    let mut hints = plan_hints(c);
    hints.extend(t.catalog_hints.iter().cloned());
    check_secrets(cluster, c, objs)?;

    // Custom resources whose CRD is in the same component wait for it:
    // kubectl maps every object before it applies any.
    let defined: BTreeSet<(String, String)> = objs
        .iter()
        .filter(|o| o.key.kind == "CustomResourceDefinition")
        .filter_map(|o| {
            let g = o.json.pointer("/spec/group")?.as_str()?;
            let k = o.json.pointer("/spec/names/kind")?.as_str()?;
            Some((g.to_string(), k.to_string()))
        })
        .collect();
    let is_defined_here = |o: &Obj| {
        defined.contains(&(
            split_api_version(&o.key.api_version).0.to_string(),
            o.key.kind.clone(),
        ))
    };

    // What must be deleted: the plan's delete steps (when the object is
    // there) and the live objects whose update the API server refuses.
    let mut to_delete: Vec<String> = Vec::new();
    for s in &c.before {
        if let PreStep::Delete(r) = s {
            if cluster.get(&ref_key(r)).map_err(kube(c))?.is_some() {
                to_delete.push(r.display());
            }
        }
    }
    // The live objects, with what the built-in rules expect of them.
    let mut live: Vec<(&Obj, Vec<String>)> = Vec::new();
    for o in objs {
        if pre_deleted(c, &o.key) {
            continue;
        }
        if let Some(l) = cluster.get(&o.key).map_err(kube(c))? {
            live.push((o, recreate_reasons(&l, o, &hints)));
        }
    }
    // The server decides. Custom resources of a definition applied in this
    // component are left out (they are validated against the definition
    // once it is applied; a refusal then is handled by `apply_set`).
    let asked_server: Vec<(&ObjKey, &Json)> = live
        .iter()
        .filter(|(o, _)| !is_defined_here(o))
        .map(|(o, _)| (&o.key, &o.json))
        .collect();
    let verdict =
        server_check::server_refusals(cluster, &asked_server, opts.server_side).map_err(kube(c))?;
    if !verdict.errors.is_empty() {
        return Err(ApplyError::DryRunRefused {
            component: c.name.clone(),
            errors: verdict.errors,
        });
    }
    let mut recreate: Vec<(&Obj, String)> = Vec::new();
    for (o, builtin) in &live {
        match verdict.refused.iter().find(|r| r.key == o.key) {
            Some(r) => recreate.push((o, r.message.clone())),
            None if !builtin.is_empty() => ui.say(&format!(
                "  {}: updated in place: the API server accepts the update \
                 (the built-in rules expected a re-create: {})",
                o.key.display(),
                builtin.join("; ")
            )),
            None => {}
        }
    }
    let mut asked: Vec<String> = to_delete.clone();
    asked.extend(recreate.iter().map(|(o, _)| o.key.display()));
    let mut why = String::new();
    for (o, reason) in &recreate {
        ui.say(&format!(
            "  {} must be re-created: the API server refuses the update: {reason}",
            o.key.display(),
        ));
        why.push_str(&format!(
            " The API server refuses to update {} in place: {reason}.",
            o.key.display()
        ));
    }
    confirm_deletes(opts, c, &asked, &why, ui)?;

    // What to prune after the apply: asked now, before anything changes.
    let (prune_keys, left) = prune_plan(t, c, objs, recorded, cache)?;
    for k in &left {
        ui.say(&format!(
            "  {} is no longer rendered: left in place (deleting it would delete what it holds)",
            k.display()
        ));
    }
    let mut prune: Vec<ObjKey> = Vec::new();
    for k in prune_keys {
        if cluster.get(&k).map_err(kube(c))?.is_some() {
            ui.say(&format!(
                "  {} is no longer rendered: pruned after the apply",
                k.display()
            ));
            prune.push(k);
        }
    }
    confirm_prune(
        opts,
        c,
        &prune.iter().map(ObjKey::display).collect::<Vec<_>>(),
        ui,
    )?;

    for s in &c.before {
        run_pre_step(cluster, opts, c, s, timeout, ui)?;
    }
    let mut recreated = Vec::new();
    for (o, _) in &recreate {
        ui.say(&format!("  deleting {}", o.key.display()));
        cluster.delete(&o.key).map_err(kube(c))?;
        recreated.push(o.key.display());
    }

    let all: Vec<&Obj> = objs.iter().collect();
    if objs.is_empty() {
        // a component of steps only
    } else if objs.iter().any(is_defined_here) {
        let (later, first): (Vec<&Obj>, Vec<&Obj>) = objs.iter().partition(|o| is_defined_here(o));
        apply_set(cluster, opts, c, &first, &asked, &mut recreated, ui)?;
        ui.say("  waiting for the CRDs before the custom resources that use them");
        wait_ready(cluster, opts, c, &first, &[], &[], timeout, ui)?;
        apply_set(cluster, opts, c, &later, &asked, &mut recreated, ui)?;
    } else {
        apply_set(cluster, opts, c, &all, &asked, &mut recreated, ui)?;
    }
    wait_ready(cluster, opts, c, &all, &c.ready, &c.exec_ready, timeout, ui)?;

    let mut pruned = Vec::new();
    for k in &prune {
        ui.say(&format!("  pruning {}", k.display()));
        cluster.delete(k).map_err(kube(c))?;
        pruned.push(k.display());
    }
    Ok(Done { recreated, pruned })
}

/// `kubectl apply` of `objs`; objects the server refuses as immutable are
/// deleted (after a confirmation unless already asked) and applied once more.
fn apply_set(
    cluster: &dyn Cluster,
    opts: &Options,
    c: &Component,
    objs: &[&Obj],
    asked: &[String],
    recreated: &mut Vec<String>,
    ui: &mut dyn Ui,
) -> Result<(), ApplyError> {
    let all: Vec<Json> = objs.iter().map(|o| o.json.clone()).collect();
    ui.say(&format!(
        "  applying {} object{}",
        all.len(),
        if all.len() == 1 { "" } else { "s" }
    ));
    let res = cluster.apply(&all, opts.server_side).map_err(kube(c))?;
    if !res.errors.is_empty() {
        return Err(ApplyError::Apply {
            component: c.name.clone(),
            errors: res.errors,
        });
    }
    if !res.immutable.is_empty() {
        // Refused although the dry run found nothing to refuse (a custom
        // resource of a definition applied just now, or the object changed
        // in between): delete and re-create once, after a confirmation.
        let mut again: Vec<&Obj> = Vec::new();
        let mut why = String::new();
        for rj in &res.immutable {
            let found = objs
                .iter()
                .copied()
                .find(|o| server_check::names(&o.key, rj));
            let Some(o) = found else {
                return Err(ApplyError::Apply {
                    component: c.name.clone(),
                    errors: vec![format!("{} {}: {}", rj.kind, rj.name, rj.message)],
                });
            };
            ui.say(&format!(
                "  the API server refused to update {}: {}",
                o.key.display(),
                rj.message
            ));
            why.push_str(&format!(
                " The API server refuses to update {} in place: {}.",
                o.key.display(),
                rj.message
            ));
            again.push(o);
        }
        let what: Vec<String> = again
            .iter()
            .map(|o| o.key.display())
            .filter(|d| !asked.contains(d))
            .collect();
        confirm_deletes(opts, c, &what, &why, ui)?;
        for o in &again {
            ui.say(&format!("  deleting {}", o.key.display()));
            cluster.delete(&o.key).map_err(kube(c))?;
        }
        let retry: Vec<Json> = again.iter().map(|o| o.json.clone()).collect();
        let res = cluster.apply(&retry, opts.server_side).map_err(kube(c))?;
        if let Some(rj) = res.immutable.first() {
            return Err(ApplyError::StillImmutable {
                component: c.name.clone(),
                what: format!("{} {}", rj.kind, rj.name),
                message: rj.message.clone(),
            });
        }
        if !res.errors.is_empty() {
            return Err(ApplyError::Apply {
                component: c.name.clone(),
                errors: res.errors,
            });
        }
        for o in again {
            let d = o.key.display();
            if !recreated.contains(&d) {
                recreated.push(d);
            }
        }
    }
    Ok(())
}

fn poll_until(
    opts: &Options,
    c: &Component,
    timeout: Duration,
    ui: &mut dyn Ui,
    mut check: impl FnMut() -> Result<Vec<String>, ApplyError>,
) -> Result<(), ApplyError> {
    let start = Instant::now();
    loop {
        let pending = check()?;
        if pending.is_empty() {
            ui.wait_done();
            return Ok(());
        }
        let elapsed = start.elapsed();
        if elapsed >= timeout {
            ui.wait_done();
            return Err(ApplyError::Timeout {
                component: c.name.clone(),
                timeout,
                not_ready: pending,
            });
        }
        ui.waiting(&pending[0], elapsed);
        std::thread::sleep(opts.poll.min(timeout - elapsed));
    }
}

fn run_pre_step(
    cluster: &dyn Cluster,
    opts: &Options,
    c: &Component,
    s: &PreStep,
    timeout: Duration,
    ui: &mut dyn Ui,
) -> Result<(), ApplyError> {
    ui.say(&format!("  before: {}", s.describe()));
    match s {
        PreStep::Delete(r) => {
            cluster.delete(&ref_key(r)).map_err(kube(c))?;
            Ok(())
        }
        PreStep::ScaleToZero(r) => {
            let key = ref_key(r);
            if cluster.get(&key).map_err(kube(c))?.is_none() {
                ui.say(&format!(
                    "  {} does not exist: nothing to scale",
                    r.display()
                ));
                return Ok(());
            }
            cluster.scale(&key, 0).map_err(kube(c))?;
            poll_until(opts, c, timeout, ui, || {
                let live = cluster.get(&key).map_err(kube(c))?;
                let left = live
                    .as_ref()
                    .and_then(|l| l.pointer("/status/replicas"))
                    .and_then(Json::as_u64)
                    .unwrap_or(0);
                Ok(if left == 0 {
                    Vec::new()
                } else {
                    vec![format!("{}: {left} replicas left", r.display())]
                })
            })
        }
        PreStep::WaitLogsQuiet {
            target,
            container,
            seconds,
        } => {
            let key = ref_key(target);
            if cluster.get(&key).map_err(kube(c))?.is_none() {
                ui.say(&format!(
                    "  {} does not exist: no logs to wait for",
                    target.display()
                ));
                return Ok(());
            }
            let window = Duration::from_secs(*seconds);
            poll_until(opts, c, timeout, ui, || {
                let logs = cluster
                    .logs_since(&key, container.as_deref(), window)
                    .map_err(kube(c))?;
                let n = logs.lines().filter(|l| !l.trim().is_empty()).count();
                Ok(if n == 0 {
                    Vec::new()
                } else {
                    vec![format!(
                        "{}: {n} log lines in the last {}",
                        target.display(),
                        human(window)
                    )]
                })
            })
        }
    }
}

fn rule_objects(
    cluster: &dyn Cluster,
    c: &Component,
    r: &ReadyRule,
) -> Result<Vec<Json>, ApplyError> {
    let av = r.api_version.clone().unwrap_or_default();
    if let Some(name) = &r.name {
        let key = ObjKey {
            api_version: av,
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: name.clone(),
        };
        Ok(cluster.get(&key).map_err(kube(c))?.into_iter().collect())
    } else {
        cluster
            .list(
                &av,
                &r.kind,
                r.namespace.as_deref(),
                r.selector.as_deref().unwrap_or(""),
            )
            .map(|objs| steps::filter_prefix(r, objs))
            .map_err(kube(c))
    }
}

#[allow(clippy::too_many_arguments)]
fn wait_ready(
    cluster: &dyn Cluster,
    opts: &Options,
    c: &Component,
    objs: &[&Obj],
    rules: &[ReadyRule],
    execs: &[ExecCheck],
    timeout: Duration,
    ui: &mut dyn Ui,
) -> Result<(), ApplyError> {
    let watched: Vec<&Obj> = objs.iter().copied().filter(|o| watched(&o.key)).collect();
    if watched.is_empty() && rules.is_empty() && execs.is_empty() {
        return Ok(());
    }
    let mut done: BTreeSet<usize> = BTreeSet::new();
    let mut rules_done: BTreeSet<usize> = BTreeSet::new();
    let mut execs_done: BTreeSet<usize> = BTreeSet::new();
    poll_until(opts, c, timeout, ui, || {
        let mut pending = Vec::new();
        // commands in pods, after the object rules (they pass last)
        let exec_pending = |pending: &mut Vec<String>, done: &mut BTreeSet<usize>| {
            for (i, x) in execs.iter().enumerate() {
                if done.contains(&i) {
                    continue;
                }
                match steps::exec_pending(cluster, x) {
                    None => {
                        done.insert(i);
                    }
                    Some(m) => pending.push(m),
                }
            }
        };
        for (i, o) in watched.iter().enumerate() {
            if done.contains(&i) {
                continue;
            }
            let r = match cluster.get(&o.key).map_err(kube(c))? {
                None => Readiness::Waiting(format!("{} does not exist", o.key.display())),
                Some(live) => ready::builtin(&live),
            };
            match r {
                Readiness::Ready => {
                    done.insert(i);
                }
                Readiness::Waiting(m) => pending.push(m),
                Readiness::Failed(m) => {
                    return Err(ApplyError::NotReady {
                        component: c.name.clone(),
                        message: m,
                    })
                }
            }
        }
        for (i, rule) in rules.iter().enumerate() {
            if rules_done.contains(&i) {
                continue;
            }
            let found = rule_objects(cluster, c, rule)?;
            match ready::rule(rule, &found) {
                Readiness::Ready => {
                    rules_done.insert(i);
                }
                Readiness::Waiting(m) => pending.push(m),
                Readiness::Failed(m) => {
                    return Err(ApplyError::NotReady {
                        component: c.name.clone(),
                        message: m,
                    })
                }
            }
        }
        if pending.is_empty() {
            exec_pending(&mut pending, &mut execs_done);
        }
        Ok(pending)
    })
}

/// The dry run of one component: the commands, the objects, the waits.
#[allow(clippy::too_many_arguments)]
fn describe(
    t: &Target<'_>,
    cluster: &dyn Cluster,
    opts: &Options,
    c: &Component,
    objs: &[Obj],
    form: Form,
    recorded: &[ObjKey],
    head: &str,
    policies: &[crate::check::Policy],
    refused: &mut Vec<String>,
    cache: &Elsewhere,
    ui: &mut dyn Ui,
) -> Result<(), ApplyError> {
    let timeout = c.timeout.unwrap_or(opts.timeout);
    let mut hints = plan_hints(c);
    hints.extend(t.catalog_hints.iter().cloned());
    // Compare with the render of the same path at --from.
    let (old, from_label) = match &t.from {
        Some(_) if form == Form::StepsOnly => (Some(Vec::new()), ""),
        Some((src, label)) => match steps::load_path(src, &c.path) {
            Ok(old) => (old.map(|o| o.0), label.as_str()),
            // The old side may not render (a rebased commit before its
            // migration): nothing to compare with, said.
            Err(m) => {
                ui.say(&format!(
                    "  (not compared: {} does not render at {label}: {m})",
                    c.path
                ));
                (None, label.as_str())
            }
        },
        None => (None, "nothing"),
    };
    let new: Vec<Resource> = objs.iter().map(|o| o.resource.clone()).collect();
    let diffs = match &old {
        Some(old) => diff::diff_resources(
            &c.path,
            old,
            &new,
            &diff::DiffOptions {
                show_secrets: false,
                recreate_hints: hints,
            },
        ),
        None => Vec::new(),
    };
    if form == Form::StepsOnly {
        ui.say(&format!("{head}: steps and checks only"));
    } else {
        ui.say(&format!(
            "{head}: {} object{}{} ({})",
            objs.len(),
            if objs.len() == 1 { "" } else { "s" },
            if old.is_none() {
                format!(" (new: not at {from_label})")
            } else {
                String::new()
            },
            form.command(&c.path)
        ));
    }
    // The policies, against the render compared with (the real run judges
    // against the live objects).
    let same = |a: &Resource, b: &Resource| {
        a.kind() == b.kind()
            && a.name() == b.name()
            && a.namespace() == b.namespace()
            && split_api_version(a.api_version()).0 == split_api_version(b.api_version()).0
    };
    let verdict = policy_gate::judge(policies, &new, |r| {
        old.as_ref()
            .and_then(|o| o.iter().find(|x| same(x, r)))
            .map(|x| x.obj.clone())
    });
    for w in &verdict.warnings {
        ui.say(&format!("  policy warning: {w}"));
    }
    for e in &verdict.errors {
        ui.say(&format!("  refused by policy: {e}"));
    }
    refused.extend(verdict.errors);
    let pairs: Vec<(ObjKey, &Resource)> =
        objs.iter().map(|o| (o.key.clone(), &o.resource)).collect();
    for need in steps::secret_needs(&pairs) {
        ui.say(&format!(
            "  checked first: {} holds the key {} (for {})",
            need.secret.display(),
            need.key,
            need.who
        ));
        ui.say(&format!(
            "      $ {}",
            cluster.command_line(&get_args(&need.secret))
        ));
    }
    if let Some(cond) = &c.when {
        let keys: Vec<ObjKey> = objs.iter().map(|o| o.key.clone()).collect();
        for l in steps::describe_condition(cluster, cond, &keys) {
            ui.say(&l);
        }
    }
    let cmd = |args: &[&str]| {
        cluster.command_line(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    };
    // Objects to re-create, with their reasons.
    let recreates: Vec<(ObjKey, &Vec<String>)> = diffs
        .iter()
        .filter(|d| d.recreate())
        .filter_map(|d| {
            objs.iter()
                .find(|o| diff::Identity::of(&o.resource) == d.id)
                .map(|o| (o.key.clone(), &d.recreate_reasons))
        })
        .collect();
    let same =
        |a: &ObjKey, b: &ObjKey| a.kind == b.kind && a.name == b.name && a.namespace == b.namespace;
    let mut asks = false;
    for s in &c.before {
        match s {
            PreStep::Delete(r) => {
                let key = ref_key(r);
                ui.say(&format!("  $ {}", cluster.command_line(&delete_args(&key))));
                for (_, reasons) in recreates.iter().filter(|(k, _)| same(k, &key)) {
                    for r in reasons.iter() {
                        ui.say(&format!("      re-create: {r}"));
                    }
                }
                asks = true;
            }
            PreStep::ScaleToZero(r) => {
                let key = ref_key(r);
                ui.say(&format!(
                    "  $ {}",
                    cluster.command_line(&scale_args(&key, 0))
                ));
                ui.say(&format!(
                    "  $ {}   # polled until no replica of {} is left (timeout {})",
                    cluster.command_line(&get_args(&key)),
                    r.display(),
                    human(timeout)
                ));
            }
            PreStep::WaitLogsQuiet {
                target,
                container,
                seconds,
            } => {
                let a = logs_args(
                    &ref_key(target),
                    container.as_deref(),
                    Duration::from_secs(*seconds),
                );
                ui.say(&format!(
                    "  $ {}   # polled until it prints nothing (timeout {})",
                    cluster.command_line(&a),
                    human(timeout)
                ));
            }
        }
    }
    for (key, reasons) in &recreates {
        if pre_deleted(c, key) {
            continue;
        }
        // deleted by an earlier component's step: created again here
        if let Some(by) = t
            .plan
            .components
            .iter()
            .take_while(|p| p.name != c.name)
            .find(|p| pre_deleted(p, key))
        {
            ui.say(&format!(
                "  ({} was deleted by {} before: created again here)",
                key.display(),
                by.name
            ));
            continue;
        }
        ui.say(&format!("  $ {}", cluster.command_line(&delete_args(key))));
        for r in reasons.iter() {
            ui.say(&format!("      re-create: {r}"));
        }
        asks = true;
    }
    if asks {
        ui.say("      (deletes ask first; --yes allows them)");
    }
    let mut apply = vec!["apply", "-f", "-"];
    if opts.server_side {
        apply.extend(["--server-side", "--force-conflicts"]);
    }
    if form != Form::StepsOnly {
        ui.say(&format!("  $ {}   # the objects below", cmd(&apply)));
    }
    for o in objs {
        let id = diff::Identity::of(&o.resource);
        let what = match &old {
            None => "create",
            Some(_) => match diffs.iter().find(|d| d.id == id) {
                Some(d) if d.recreate() => "re-create",
                Some(d) if d.op == diff::Operation::Added => "create",
                Some(_) => "update",
                None => "unchanged",
            },
        };
        ui.say(&format!("      {:<10} {}", what, o.key.display()));
    }
    // Prune: what the last apply of this component sent that the render
    // no longer has (the state file's record), deleted after the apply.
    let (prune, left) = prune_plan(t, c, objs, recorded, cache)?;
    for k in &prune {
        ui.say(&format!(
            "  $ {}   # prune after the apply: applied before, no longer rendered",
            cluster.command_line(&delete_args(k))
        ));
    }
    if !prune.is_empty() {
        ui.say("      (prunes ask first; --yes allows them)");
    }
    for k in &left {
        ui.say(&format!(
            "      {:<10} {} (not pruned: deleting it would delete what it holds)",
            "gone",
            k.display()
        ));
    }
    let pruned = |id: &diff::Identity| {
        prune
            .iter()
            .chain(&left)
            .any(|k| k.kind == id.kind && k.name == id.name)
    };
    for d in diffs
        .iter()
        .filter(|d| d.op == diff::Operation::Removed && !pruned(&d.id))
    {
        ui.say(&format!(
            "      {:<10} {} (not deleted: no apply of gitops-upgrade recorded it)",
            "gone",
            d.id.kind.clone() + " " + &d.id.ns_name()
        ));
    }
    // The waits: each is a `kubectl get` polled until it passes.
    let mut waits: Vec<(String, String)> = objs
        .iter()
        .filter(|o| watched(&o.key))
        .map(|o| (cluster.command_line(&get_args(&o.key)), wait_phrase(&o.key)))
        .collect();
    for r in &c.ready {
        let av = r.api_version.clone().unwrap_or_default();
        let args = match &r.name {
            Some(name) => get_args(&ObjKey {
                api_version: av,
                kind: r.kind.clone(),
                namespace: r.namespace.clone(),
                name: name.clone(),
            }),
            None => list_args(
                &av,
                &r.kind,
                r.namespace.as_deref(),
                r.selector.as_deref().unwrap_or(""),
            ),
        };
        waits.push((cluster.command_line(&args), r.describe()));
    }
    for x in &c.exec_ready {
        waits.push((steps::exec_command(cluster, x), x.describe()));
    }
    if !waits.is_empty() {
        ui.say(&format!(
            "  wait (polled every {}, timeout {}):",
            human(opts.poll),
            human(timeout)
        ));
        for (cmd, what) in waits {
            ui.say(&format!("      {what}"));
            ui.say(&format!("        $ {cmd}"));
        }
    }
    Ok(())
}

/// Decides every conditional component of a new run against the cluster
/// as it is before anything is applied (the guides' "if you don't already
/// run it"), and records the skipped ones: a component applied earlier in
/// the run must not make a later one of the same service look installed.
fn decide_conditions(
    t: &Target<'_>,
    cluster: &dyn Cluster,
    selected: &[&Component],
    st: &mut State,
) -> Result<(), ApplyError> {
    for c in selected {
        let Some(cond) = &c.when else { continue };
        let (objs, _) = render(&t.source, c)?;
        let keys: Vec<ObjKey> = objs.iter().map(|o| o.key.clone()).collect();
        if let Some(reason) = steps::skip_reason(cluster, cond, &keys).map_err(kube(c))? {
            set(st, &c.name, Status::Skipped, None, Some(reason));
        }
    }
    Ok(())
}

/// The secrets the objects need exist, with their keys (steps.rs).
fn check_secrets(cluster: &dyn Cluster, c: &Component, objs: &[Obj]) -> Result<(), ApplyError> {
    let pairs: Vec<(ObjKey, &Resource)> =
        objs.iter().map(|o| (o.key.clone(), &o.resource)).collect();
    for need in steps::secret_needs(&pairs) {
        if let Some(message) = steps::secret_problem(cluster, &need).map_err(kube(c))? {
            return Err(ApplyError::Precondition {
                component: c.name.clone(),
                message,
            });
        }
    }
    Ok(())
}
