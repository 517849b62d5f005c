//! The upgrade plan, `gitops-upgrade.yaml` at the repository root: the
//! target release, the migration catalogs, the components to apply in order
//! (with their pre-steps, readiness rules and re-create hints), and the
//! policy settings `check` reads.
//!
//! Every problem is reported with the line and column of the offending node.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::migrate::edit::{Kind, Node, Source};

/// The plan file's name, at the root of the repository's work tree.
pub const FILE_NAME: &str = "gitops-upgrade.yaml";

/// The name of the last component that the plan's `after:` steps make.
pub const HOUSEKEEPING: &str = "housekeeping";

/// A problem in the plan file, at a position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{col}: {msg}")]
pub struct PlanError {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub msg: String,
}

/// A reference to one cluster object. `api_version` and `namespace` are
/// optional (the kind alone is resolved by kubectl; cluster-scoped objects
/// have no namespace).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectRef {
    pub api_version: Option<String>,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// `StatefulSet rok-system/rok-operator`, `StorageClass rok`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {}/{}", self.kind, ns, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// A step run before a component is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreStep {
    /// Delete the object (if it exists) and wait until it is gone. Asks for
    /// confirmation (or `--yes`).
    Delete(ObjectRef),
    /// Scale a Deployment or StatefulSet to zero replicas and wait until no
    /// replica is left.
    ScaleToZero(ObjectRef),
    /// Wait until the workload's logs have been quiet for `seconds` (the
    /// vendor's drain procedure).
    WaitLogsQuiet {
        target: ObjectRef,
        container: Option<String>,
        seconds: u64,
    },
}

impl PreStep {
    pub fn describe(&self) -> String {
        match self {
            PreStep::Delete(r) => format!("delete {}", r.display()),
            PreStep::ScaleToZero(r) => format!("scale {} to zero", r.display()),
            PreStep::WaitLogsQuiet {
                target, seconds, ..
            } => format!(
                "wait until {} logs are quiet for {seconds}s",
                target.display()
            ),
        }
    }
}

/// What a readiness rule checks on each object it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadyCheck {
    /// The value at a dotted path (`status.health`) equals this text.
    Field { path: String, equals: String },
    /// The condition of this type has this status (default `"True"`).
    Condition { type_: String, status: String },
}

/// A readiness rule of the plan: objects of a kind, chosen by name or label
/// selector (at least one must exist), that must all pass the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyRule {
    pub api_version: Option<String>,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub selector: Option<String>,
    /// Objects whose name starts with this (with or without `selector`):
    /// the vendor's upgrade Job `rok-upgrade-XYZ`.
    pub name_prefix: Option<String>,
    pub check: ReadyCheck,
    /// Where the rule is written (for messages).
    pub line: usize,
}

impl ReadyRule {
    /// `RokCluster rok/rok status.health == OK`.
    pub fn describe(&self) -> String {
        let mut what = match (&self.name, &self.selector) {
            (Some(n), _) => match &self.namespace {
                Some(ns) => format!("{} {ns}/{n}", self.kind),
                None => format!("{} {n}", self.kind),
            },
            (None, Some(s)) => match &self.namespace {
                Some(ns) => format!("{} in {ns} with {s}", self.kind),
                None => format!("{} with {s}", self.kind),
            },
            (None, None) => match &self.namespace {
                Some(ns) => format!("{} in {ns}", self.kind),
                None => self.kind.clone(),
            },
        };
        if let Some(p) = &self.name_prefix {
            what.push_str(&format!(" named {p}*"));
        }
        match &self.check {
            ReadyCheck::Field { path, equals } => format!("{what}: {path} == {equals}"),
            ReadyCheck::Condition { type_, status } => {
                format!("{what}: condition {type_}={status}")
            }
        }
    }
}

/// A command run in a pod whose output must match a pattern (the vendor's
/// `kubectl exec -n rok daemonset/rok -- rok-config version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecCheck {
    pub namespace: Option<String>,
    /// What `kubectl exec` takes: `daemonset/rok`, `pod/x`, `deploy/y`.
    pub target: String,
    pub container: Option<String>,
    pub command: Vec<String>,
    /// A regular expression the output must match (checked when parsed).
    pub matches: String,
    pub line: usize,
}

impl ExecCheck {
    pub fn describe(&self) -> String {
        let ns = self
            .namespace
            .as_deref()
            .map(|n| format!("{n}/"))
            .unwrap_or_default();
        format!(
            "`{}` in {ns}{} prints /{}/",
            self.command.join(" "),
            self.target,
            self.matches
        )
    }
}

/// When a component is applied (the guides' "if you don't already run
/// Redis"), decided against the live cluster when the run starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Skipped when all of these objects exist.
    UnlessExists(Vec<ObjectRef>),
    /// Skipped when every object the component renders exists.
    UnlessRenderedExist,
}

impl Condition {
    pub fn describe(&self) -> String {
        match self {
            Condition::UnlessExists(refs) => format!(
                "only if {} {} not exist",
                refs.iter()
                    .map(|r| r.display())
                    .collect::<Vec<_>>()
                    .join(", "),
                if refs.len() == 1 { "does" } else { "do" }
            ),
            Condition::UnlessRenderedExist => {
                "only if the objects it renders do not all exist already".into()
            }
        }
    }
}

/// One component: a kustomization (`kubectl apply -k`), a plain manifest
/// file or directory (`kubectl apply -f`), or no path at all (only its
/// steps and waits: verification, housekeeping), applied as a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    /// The kustomization directory, or the manifest file or directory,
    /// relative to the repository root; empty for a component of steps
    /// only.
    pub path: String,
    pub before: Vec<PreStep>,
    pub ready: Vec<ReadyRule>,
    /// Commands run in pods whose output must match (waited for like
    /// `ready`).
    pub exec_ready: Vec<ExecCheck>,
    /// Objects to delete and re-create when their rendered form changes.
    pub recreate: Vec<ObjectRef>,
    /// Overrides `apply --timeout` for this component's waits.
    pub timeout: Option<Duration>,
    /// Applied only when this holds.
    pub when: Option<Condition>,
}

impl Component {
    /// A component of steps and waits only (no `path`).
    pub fn steps_only(&self) -> bool {
        self.path.is_empty()
    }
}

/// The `policies:` section, read by `check`.
#[derive(Debug, Clone, Default)]
pub struct PolicySettings {
    /// Names of built-in policy sets turned off.
    pub disable: Vec<String>,
    /// The `rules:` node, parsed by `check` (policy format of catalogs).
    pub rules: Option<Node>,
}

/// The parsed plan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The release being installed (`0.15`).
    pub version: Option<String>,
    /// The release running now (`0.14`), for the progress table.
    pub from: Option<String>,
    /// Migration catalogs: built-in names or files relative to the root.
    pub migrations: Vec<String>,
    pub components: Vec<Component>,
    pub policies: PolicySettings,
    /// The plan file's text (the policy rules' positions refer to it).
    pub text: String,
}

/// The plan file of the repository whose work tree is `root`.
pub fn path_in(root: &Path) -> PathBuf {
    root.join(FILE_NAME)
}

/// Reads `root/gitops-upgrade.yaml`: `Ok(None)` when there is none.
pub fn load(root: &Path) -> Result<Option<Plan>, PlanError> {
    let p = path_in(root);
    match std::fs::read(&p) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| PlanError {
                path: FILE_NAME.into(),
                line: 1,
                col: 1,
                msg: "not UTF-8 text".into(),
            })?;
            parse(&text, FILE_NAME).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PlanError {
            path: FILE_NAME.into(),
            line: 0,
            col: 0,
            msg: format!("cannot read: {e}"),
        }),
    }
}

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, n: &Node, msg: impl Into<String>) -> PlanError {
        PlanError {
            path: self.file.to_string(),
            line: n.line,
            col: n.col,
            msg: msg.into(),
        }
    }

    fn map<'n>(&self, n: &'n Node, what: &str) -> Result<&'n [(Node, Node)], PlanError> {
        match &n.kind {
            Kind::Map { entries, .. } => Ok(entries),
            _ => Err(self.err(n, format!("{what}: expected a mapping"))),
        }
    }

    fn seq<'n>(&self, n: &'n Node, what: &str) -> Result<&'n [Node], PlanError> {
        match &n.kind {
            Kind::Seq { items, .. } => Ok(items),
            _ if n.is_empty_null() => Ok(&[]),
            _ => Err(self.err(n, format!("{what}: expected a list"))),
        }
    }

    fn string(&self, n: &Node, what: &str) -> Result<String, PlanError> {
        match &n.kind {
            Kind::Scalar { value, .. } if !n.is_empty_null() && !value.is_empty() => {
                Ok(value.clone())
            }
            Kind::Scalar { .. } => Err(self.err(n, format!("{what}: must not be empty"))),
            _ => Err(self.err(n, format!("{what}: expected a string"))),
        }
    }

    /// Checks that a mapping holds only `allowed` keys and has the `required` ones.
    fn keys(
        &self,
        n: &Node,
        entries: &[(Node, Node)],
        what: &str,
        allowed: &[&str],
        required: &[&str],
    ) -> Result<(), PlanError> {
        for (k, _) in entries {
            let key = k.as_str().unwrap_or("");
            if !allowed.contains(&key) {
                return Err(self.err(
                    k,
                    format!(
                        "{what}: unknown field '{key}' (expected one of: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        for r in required {
            if !entries.iter().any(|(k, _)| k.as_str() == Some(r)) {
                return Err(self.err(n, format!("{what}: missing required field '{r}'")));
            }
        }
        Ok(())
    }

    fn opt_string(&self, n: &Node, key: &str, what: &str) -> Result<Option<String>, PlanError> {
        match n.get(key) {
            None => Ok(None),
            Some(v) => self.string(v, &format!("{what}.{key}")).map(Some),
        }
    }

    fn object_ref(&self, n: &Node, what: &str, extra: &[&str]) -> Result<ObjectRef, PlanError> {
        let entries = self.map(n, what)?;
        let mut allowed = vec!["apiVersion", "kind", "namespace", "name"];
        allowed.extend_from_slice(extra);
        self.keys(n, entries, what, &allowed, &["kind", "name"])?;
        Ok(ObjectRef {
            api_version: self.opt_string(n, "apiVersion", what)?,
            kind: self.opt_string(n, "kind", what)?.unwrap_or_default(),
            namespace: self.opt_string(n, "namespace", what)?,
            name: self.opt_string(n, "name", what)?.unwrap_or_default(),
        })
    }
}

/// Parses a duration such as `90s`, `5m`, `1h30m`, `2m30s` or `500ms`
/// (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = |why: &str| format!("invalid duration '{s}': {why}");
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let n: u64 = s.parse().map_err(|_| bad("number too large"))?;
        return if n == 0 {
            Err(bad("must be more than zero"))
        } else {
            Ok(Duration::from_secs(n))
        };
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let unit_len = rest[digits..]
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        if digits == 0 || unit_len == 0 {
            return Err(bad("use numbers with units s, m, h or ms (90s, 5m, 1h30m)"));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| bad("number too large"))?;
        let d = match &rest[digits..digits + unit_len] {
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "s" => Duration::from_secs(n),
            "ms" => Duration::from_millis(n),
            _ => return Err(bad("use numbers with units s, m, h or ms (90s, 5m, 1h30m)")),
        };
        total = total.saturating_add(d);
        rest = &rest[digits + unit_len..];
    }
    if total.is_zero() {
        return Err(bad("must be more than zero"));
    }
    Ok(total)
}

/// Parses the plan text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Plan, PlanError> {
    let cx = Ctx { file };
    let src = Source::parse(text).map_err(|e| PlanError {
        path: file.into(),
        line: e.line,
        col: e.col,
        msg: e.msg,
    })?;
    let mut plan = Plan {
        text: text.to_string(),
        ..Plan::default()
    };
    let docs: Vec<&Node> = src.docs.iter().flatten().collect();
    let Some(root) = docs.first() else {
        return Ok(plan);
    };
    if docs.len() > 1 {
        return Err(cx.err(docs[1], "expected one YAML document"));
    }
    if root.is_empty_null() {
        return Ok(plan);
    }
    let entries = cx.map(root, "the plan")?;
    cx.keys(
        root,
        entries,
        "the plan",
        &[
            "version",
            "from",
            "migrations",
            "components",
            "after",
            "policies",
        ],
        &[],
    )?;
    plan.version = cx.opt_string(root, "version", "plan")?;
    plan.from = cx.opt_string(root, "from", "plan")?;
    if let Some(m) = root.get("migrations") {
        for item in cx.seq(m, "migrations")? {
            plan.migrations.push(cx.string(item, "migrations[]")?);
        }
    }
    if let Some(cs) = root.get("components") {
        for (i, c) in cx.seq(cs, "components")?.iter().enumerate() {
            let comp = component(&cx, c, i)?;
            if plan.components.iter().any(|p| p.name == comp.name) {
                return Err(cx.err(
                    c.get("name").unwrap_or(c),
                    format!("components[{i}]: the name '{}' is used twice", comp.name),
                ));
            }
            plan.components.push(comp);
        }
    }
    if let Some(a) = root.get("after") {
        // Steps after the last component (housekeeping), run as a last
        // component of steps only.
        let mut steps = Vec::new();
        for (j, step) in cx.seq(a, "after")?.iter().enumerate() {
            steps.push(pre_step(&cx, step, &format!("after[{j}]"))?);
        }
        if !steps.is_empty() {
            if plan.components.iter().any(|c| c.name == HOUSEKEEPING) {
                return Err(cx.err(
                    a,
                    format!("after: a component is already named '{HOUSEKEEPING}'"),
                ));
            }
            plan.components.push(Component {
                name: HOUSEKEEPING.into(),
                path: String::new(),
                before: steps,
                ready: Vec::new(),
                exec_ready: Vec::new(),
                recreate: Vec::new(),
                timeout: None,
                when: None,
            });
        }
    }
    if let Some(p) = root.get("policies") {
        let entries = cx.map(p, "policies")?;
        cx.keys(p, entries, "policies", &["disable", "rules"], &[])?;
        if let Some(d) = p.get("disable") {
            for item in cx.seq(d, "policies.disable")? {
                plan.policies
                    .disable
                    .push(cx.string(item, "policies.disable[]")?);
            }
        }
        if let Some(r) = p.get("rules") {
            cx.seq(r, "policies.rules")?;
            plan.policies.rules = Some(r.clone());
        }
    }
    Ok(plan)
}

fn component(cx: &Ctx<'_>, n: &Node, i: usize) -> Result<Component, PlanError> {
    let what = format!("components[{i}]");
    let entries = cx.map(n, &what)?;
    cx.keys(
        n,
        entries,
        &what,
        &[
            "name",
            "path",
            "before",
            "ready",
            "recreate",
            "timeout",
            "unless-exists",
        ],
        &["name"],
    )?;
    let name = cx.opt_string(n, "name", &what)?.unwrap_or_default();
    let path = match n.get("path") {
        None => {
            if n.get("before").is_none() && n.get("ready").is_none() {
                return Err(cx.err(
                    n,
                    format!("{what}: missing required field 'path' (only a component with 'before' or 'ready' steps may have none)"),
                ));
            }
            String::new()
        }
        Some(path_node) => {
            let path = cx.string(path_node, &format!("{what}.path"))?;
            if path.starts_with('/') || path.split('/').any(|s| s == "..") {
                return Err(cx.err(
                    path_node,
                    format!("{what}.path: must be relative to the repository root, without '..'"),
                ));
            }
            path.trim_end_matches('/').to_string()
        }
    };
    let mut comp = Component {
        name,
        path,
        before: Vec::new(),
        ready: Vec::new(),
        exec_ready: Vec::new(),
        recreate: Vec::new(),
        timeout: None,
        when: None,
    };
    if let Some(u) = n.get("unless-exists") {
        let w = format!("{what}.unless-exists");
        comp.when = Some(match &u.kind {
            Kind::Scalar { value, .. } if value == "rendered" => Condition::UnlessRenderedExist,
            Kind::Seq { items, .. } if !items.is_empty() => {
                let mut refs = Vec::new();
                for (j, o) in items.iter().enumerate() {
                    refs.push(cx.object_ref(o, &format!("{w}[{j}]"), &[])?);
                }
                Condition::UnlessExists(refs)
            }
            Kind::Map { .. } => Condition::UnlessExists(vec![cx.object_ref(u, &w, &[])?]),
            _ => {
                return Err(cx.err(
                    u,
                    format!("{w}: expected an object ({{kind, name, namespace}}), a list of them, or 'rendered'"),
                ))
            }
        });
        if comp.path.is_empty() && comp.when == Some(Condition::UnlessRenderedExist) {
            return Err(cx.err(u, format!("{w}: 'rendered' needs a 'path'")));
        }
    }
    if let Some(t) = n.get("timeout") {
        let s = cx.string(t, &format!("{what}.timeout"))?;
        comp.timeout =
            Some(parse_duration(&s).map_err(|e| cx.err(t, format!("{what}.timeout: {e}")))?);
    }
    if let Some(b) = n.get("before") {
        for (j, step) in cx.seq(b, &format!("{what}.before"))?.iter().enumerate() {
            comp.before
                .push(pre_step(cx, step, &format!("{what}.before[{j}]"))?);
        }
    }
    if let Some(r) = n.get("ready") {
        for (j, rule) in cx.seq(r, &format!("{what}.ready"))?.iter().enumerate() {
            let w = format!("{what}.ready[{j}]");
            if rule.get("exec").is_some() {
                comp.exec_ready.push(exec_check(cx, rule, &w)?);
            } else {
                comp.ready.push(ready_rule(cx, rule, &w)?);
            }
        }
    }
    if let Some(r) = n.get("recreate") {
        for (j, o) in cx.seq(r, &format!("{what}.recreate"))?.iter().enumerate() {
            comp.recreate
                .push(cx.object_ref(o, &format!("{what}.recreate[{j}]"), &[])?);
        }
    }
    Ok(comp)
}

fn pre_step(cx: &Ctx<'_>, n: &Node, what: &str) -> Result<PreStep, PlanError> {
    let entries = cx.map(n, what)?;
    if entries.len() != 1 {
        return Err(cx.err(
            n,
            format!("{what}: expected exactly one of delete, scale-to-zero, wait-logs-quiet"),
        ));
    }
    let (k, v) = &entries[0];
    match k.as_str().unwrap_or("") {
        "delete" => Ok(PreStep::Delete(cx.object_ref(
            v,
            &format!("{what}.delete"),
            &[],
        )?)),
        "scale-to-zero" => {
            let r = cx.object_ref(v, &format!("{what}.scale-to-zero"), &[])?;
            if !matches!(r.kind.as_str(), "Deployment" | "StatefulSet") {
                return Err(cx.err(
                    v.get("kind").unwrap_or(v),
                    format!(
                        "{what}.scale-to-zero: kind must be Deployment or StatefulSet, not {}",
                        r.kind
                    ),
                ));
            }
            Ok(PreStep::ScaleToZero(r))
        }
        "wait-logs-quiet" => {
            let w = format!("{what}.wait-logs-quiet");
            let target = cx.object_ref(v, &w, &["container", "seconds"])?;
            let container = cx.opt_string(v, "container", &w)?;
            let seconds = match v.get("seconds") {
                None => return Err(cx.err(v, format!("{w}: missing required field 'seconds'"))),
                Some(s) => {
                    let t = cx.string(s, &format!("{w}.seconds"))?;
                    t.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        cx.err(
                            s,
                            format!("{w}.seconds: expected a positive number, not '{t}'"),
                        )
                    })?
                }
            };
            Ok(PreStep::WaitLogsQuiet {
                target,
                container,
                seconds,
            })
        }
        other => Err(cx.err(
            k,
            format!(
                "{what}: unknown step '{other}' (expected delete, scale-to-zero or wait-logs-quiet)"
            ),
        )),
    }
}

fn ready_rule(cx: &Ctx<'_>, n: &Node, what: &str) -> Result<ReadyRule, PlanError> {
    let entries = cx.map(n, what)?;
    cx.keys(
        n,
        entries,
        what,
        &[
            "apiVersion",
            "kind",
            "namespace",
            "name",
            "selector",
            "name-prefix",
            "field",
            "equals",
            "condition",
            "status",
        ],
        &["kind"],
    )?;
    let name = cx.opt_string(n, "name", what)?;
    let selector = cx.opt_string(n, "selector", what)?;
    let name_prefix = cx.opt_string(n, "name-prefix", what)?;
    if name.is_some() == (selector.is_some() || name_prefix.is_some()) {
        return Err(cx.err(
            n,
            format!("{what}: give exactly one of 'name' or 'selector' (and/or 'name-prefix')"),
        ));
    }
    let field = cx.opt_string(n, "field", what)?;
    let condition = cx.opt_string(n, "condition", what)?;
    let check = match (field, condition) {
        (Some(path), None) => {
            let equals = cx
                .opt_string(n, "equals", what)?
                .ok_or_else(|| cx.err(n, format!("{what}: 'field' needs 'equals'")))?;
            if n.get("status").is_some() {
                return Err(cx.err(n, format!("{what}: 'status' goes with 'condition'")));
            }
            ReadyCheck::Field { path, equals }
        }
        (None, Some(type_)) => {
            if n.get("equals").is_some() {
                return Err(cx.err(n, format!("{what}: 'equals' goes with 'field'")));
            }
            ReadyCheck::Condition {
                type_,
                status: cx
                    .opt_string(n, "status", what)?
                    .unwrap_or_else(|| "True".into()),
            }
        }
        _ => {
            return Err(cx.err(
                n,
                format!("{what}: give exactly one of 'field' (with 'equals') or 'condition'"),
            ))
        }
    };
    Ok(ReadyRule {
        api_version: cx.opt_string(n, "apiVersion", what)?,
        kind: cx.opt_string(n, "kind", what)?.unwrap_or_default(),
        namespace: cx.opt_string(n, "namespace", what)?,
        name,
        selector,
        name_prefix,
        check,
        line: n.line,
    })
}

fn exec_check(cx: &Ctx<'_>, n: &Node, what: &str) -> Result<ExecCheck, PlanError> {
    let entries = cx.map(n, what)?;
    cx.keys(n, entries, what, &["exec", "matches"], &["exec", "matches"])?;
    let e = n.get("exec").unwrap_or(n);
    let w = format!("{what}.exec");
    let ee = cx.map(e, &w)?;
    cx.keys(
        e,
        ee,
        &w,
        &["namespace", "target", "container", "command"],
        &["target", "command"],
    )?;
    let cmd_node = e.get("command").unwrap_or(e);
    let mut command = Vec::new();
    for (j, c) in cx
        .seq(cmd_node, &format!("{w}.command"))?
        .iter()
        .enumerate()
    {
        command.push(cx.string(c, &format!("{w}.command[{j}]"))?);
    }
    if command.is_empty() {
        return Err(cx.err(cmd_node, format!("{w}.command: must not be empty")));
    }
    let m = n.get("matches").unwrap_or(n);
    let matches = cx.string(m, &format!("{what}.matches"))?;
    if let Err(err) = regex::Regex::new(&matches) {
        return Err(cx.err(m, format!("{what}.matches: bad regular expression: {err}")));
    }
    Ok(ExecCheck {
        namespace: cx.opt_string(e, "namespace", &w)?,
        target: cx.opt_string(e, "target", &w)?.unwrap_or_default(),
        container: cx.opt_string(e, "container", &w)?,
        command,
        matches,
        line: n.line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
version: \"0.15\"
from: \"0.14\"
migrations: [rok-v0.15]
components:
  - name: rok-operator
    path: rok/rok-operator/overlays/deploy/
    timeout: 5m
    before:
      - delete: {apiVersion: apps/v1, kind: StatefulSet, namespace: rok-system, name: rok-operator}
      - scale-to-zero: {kind: Deployment, namespace: rok, name: rok-csi-controller}
      - wait-logs-quiet: {kind: DaemonSet, namespace: rok, name: rok-csi-node, seconds: 30}
    ready:
      - {kind: Pod, namespace: rok-system, selector: app=rok-operator, condition: Ready}
      - {kind: RokCluster, namespace: rok, name: rok, field: status.health, equals: OK}
    recreate:
      - {kind: StorageClass, name: rok}
policies:
  disable: [aerospike]
  rules: []
";

    #[test]
    fn parses_a_full_plan() {
        let p = parse(GOOD, "gitops-upgrade.yaml").unwrap();
        assert_eq!(p.version.as_deref(), Some("0.15"));
        assert_eq!(p.from.as_deref(), Some("0.14"));
        assert_eq!(p.migrations, vec!["rok-v0.15"]);
        let c = &p.components[0];
        assert_eq!(c.path, "rok/rok-operator/overlays/deploy");
        assert_eq!(c.timeout, Some(Duration::from_secs(300)));
        assert_eq!(c.before.len(), 3);
        assert!(matches!(
            &c.before[2],
            PreStep::WaitLogsQuiet { seconds: 30, .. }
        ));
        assert_eq!(
            c.ready[0].check,
            ReadyCheck::Condition {
                type_: "Ready".into(),
                status: "True".into()
            }
        );
        assert_eq!(
            c.ready[1].describe(),
            "RokCluster rok/rok: status.health == OK"
        );
        assert_eq!(c.recreate[0].display(), "StorageClass rok");
        assert_eq!(p.policies.disable, vec!["aerospike"]);
        assert!(p.policies.rules.is_some());
    }

    fn err(text: &str) -> String {
        parse(text, "gitops-upgrade.yaml").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_position() {
        assert_eq!(
            err("components:\n  - name: a\n    pth: x\n"),
            "gitops-upgrade.yaml:3:5: components[0]: unknown field 'pth' (expected one of: name, path, before, ready, recreate, timeout, unless-exists)"
        );
        assert_eq!(
            err("components:\n  - name: a\n"),
            "gitops-upgrade.yaml:2:5: components[0]: missing required field 'path' (only a component with 'before' or 'ready' steps may have none)"
        );
        assert_eq!(
            err("components:\n- {name: a, path: x, timeout: 5 minutes}\n"),
            "gitops-upgrade.yaml:2:31: components[0].timeout: invalid duration '5 minutes': use numbers with units s, m, h or ms (90s, 5m, 1h30m)"
        );
        assert!(err("components:\n- {name: a, path: ../x}\n").contains("2:19: components[0].path"));
        assert!(
            err("components:\n- {name: a, path: x}\n- {name: a, path: y}\n")
                .contains("3:10: components[1]: the name 'a' is used twice")
        );
        assert!(
            err("components:\n- name: a\n  path: x\n  before:\n  - reboot: {}\n")
                .contains("5:5: components[0].before[0]: unknown step 'reboot'")
        );
        assert!(err(
            "components:\n- name: a\n  path: x\n  ready:\n  - {kind: Pod, name: p, selector: a=b, condition: Ready}\n"
        )
        .contains("exactly one of 'name' or 'selector'"));
        assert!(err("components:\n- name: a\n  path: x\n  before:\n  - scale-to-zero: {kind: DaemonSet, name: d}\n")
            .contains("kind must be Deployment or StatefulSet"));
        assert!(err("versoin: 1\n")
            .starts_with("gitops-upgrade.yaml:1:1: the plan: unknown field 'versoin'"));
        assert!(err("components: [\n").starts_with("gitops-upgrade.yaml:"));
    }

    #[test]
    fn the_guides_forms_parse() {
        let text = "\
components:
  - name: ingress
    path: rok/rok-istio-ingress/rok-istio-1-3-1.yaml
    unless-exists: rendered
  - name: redis
    path: rok/rok-external-services/redis/overlays/deploy
    unless-exists: {kind: Service, namespace: rok, name: rok-redis}
  - name: verify
    ready:
      - {apiVersion: batch/v1, kind: Job, namespace: rok, name-prefix: rok-upgrade-, condition: Complete}
      - exec: {namespace: rok, target: daemonset/rok, command: [rok-config, version]}
        matches: 'Current version \\[Cluster-wide\\]: v0015'
after:
  - delete: {kind: ConfigMap, namespace: rok, name: rok-metadata}
";
        let p = parse(text, "gitops-upgrade.yaml").unwrap();
        assert_eq!(p.components.len(), 4);
        assert_eq!(p.components[0].when, Some(Condition::UnlessRenderedExist));
        assert!(
            matches!(&p.components[1].when, Some(Condition::UnlessExists(r)) if r[0].display() == "Service rok/rok-redis")
        );
        let v = &p.components[2];
        assert!(v.steps_only());
        assert_eq!(
            v.ready[0].describe(),
            "Job in rok named rok-upgrade-*: condition Complete=True"
        );
        assert_eq!(v.exec_ready[0].target, "daemonset/rok");
        assert_eq!(v.exec_ready[0].line, 11);
        let h = &p.components[3];
        assert_eq!(h.name, HOUSEKEEPING);
        assert!(matches!(&h.before[0], PreStep::Delete(r) if r.name == "rok-metadata"));
    }

    #[test]
    fn the_guides_forms_have_positioned_errors() {
        assert_eq!(
            err("components:\n- name: a\n"),
            "gitops-upgrade.yaml:2:3: components[0]: missing required field 'path' (only a component with 'before' or 'ready' steps may have none)"
        );
        assert_eq!(
            err("components:\n- name: a\n  path: x\n  unless-exists: yes\n"),
            "gitops-upgrade.yaml:4:18: components[0].unless-exists: expected an object ({kind, name, namespace}), a list of them, or 'rendered'"
        );
        assert_eq!(
            err("components:\n- name: a\n  ready:\n  - exec: {target: daemonset/rok, command: [x]}\n    matches: '(['\n"),
            "gitops-upgrade.yaml:5:14: components[0].ready[0].matches: bad regular expression: regex parse error:\n    ([\n     ^\nerror: unclosed character class"
        );
        assert!(err("components:\n- name: a\n  ready:\n  - exec: {command: [x]}\n    matches: x\n")
            .starts_with("gitops-upgrade.yaml:4:11: components[0].ready[0].exec: missing required field 'target'"));
        assert!(err("components:\n- name: a\n  before:\n  - delete: {kind: StorageClass, name: rok}\n  unless-exists: rendered\n")
            .contains("5:18: components[0].unless-exists: 'rendered' needs a 'path'"));
        assert!(err("components:\n- name: a\n  path: x\n  ready:\n  - {kind: Job, name: j, name-prefix: p, condition: Complete}\n")
            .contains("exactly one of 'name' or 'selector' (and/or 'name-prefix')"));
        assert!(err("after:\n  - reboot: {}\n").contains("2:5: after[0]: unknown step 'reboot'"));
    }

    #[test]
    fn empty_plan_is_valid() {
        let p = parse("", "f").unwrap();
        assert!(p.components.is_empty());
        let p = parse("# nothing\n", "f").unwrap();
        assert!(p.migrations.is_empty());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("2m30s").unwrap(), Duration::from_secs(150));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5m3").is_err());
        assert!(parse_duration("").is_err());
    }
}
