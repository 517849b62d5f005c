//! The rule engine: find the documents a rule targets in the user's
//! kustomizations (plain resources, strategic-merge patch files, inline
//! patches in `kustomization.yaml`, JSON 6902 patches) and turn each rule
//! into lossless edits of the files' text.
//!
//! Rules run one after the other over all files, each on the text the
//! previous ones produced (re-parsed), so two rules may touch the same node
//! (`set-map-entry` on a string, then `semicolon-list-to-map`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::catalog::{substitute, Action, ArgOp, Catalog, Rule};
use super::edit::{
    apply_splices, format_as_written, format_key, format_string, insert_into_map,
    insert_under_empty_key, replace_node, replace_seq_item, scalar_to_block_map, Kind, Node,
    Source, Splice, Style,
};
use crate::kustomize::graph::{self, Graph, Kust, Roots, Touch};
use crate::source::DirSource;

/// A problem or warning at a place in a file (path relative to the root).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.col) {
            (0, _) => write!(f, "{}: {}", self.path, self.message),
            (l, c) => write!(f, "{}:{}:{}: {}", self.path, l, c, self.message),
        }
    }
}

/// One change a rule made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub catalog: String,
    pub rule: String,
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// A file the run would rewrite.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: PathBuf,
    pub rel: String,
    pub before: String,
    pub after: String,
}

/// What a run found and would do.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub kustomizations: Vec<PathBuf>,
    pub files: Vec<FileChange>,
    pub changes: Vec<Change>,
    pub warnings: Vec<Problem>,
    pub problems: Vec<Problem>,
    /// Kustomization roots (directories) whose files change, and the
    /// kustomizations that include them, without those included by others.
    pub affected_roots: Vec<PathBuf>,
}

/// Inputs of a run.
pub struct Options<'a> {
    pub root: &'a Path,
    pub dirs: &'a [PathBuf],
    pub catalogs: &'a [Catalog],
    pub sets: &'a BTreeMap<String, String>,
    /// Which files (paths relative to `root`) may be edited: the user's own
    /// (see [`super::owner`]). Changes a rule would make to any other file
    /// are reported as warnings (`vendor file, not edited: ...`) instead.
    /// `None`: every file.
    pub editable: Option<&'a dyn Fn(&str) -> bool>,
}

/// Every directory under `root` holding a kustomization file (skipping
/// `.git`, `target` and hidden directories), sorted.
pub fn find_kustomizations(root: &Path) -> Vec<PathBuf> {
    let files = graph::find_on_disk(root, &|n| n.starts_with('.') || n == "target");
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter(|f| root.join(f).is_file())
        .map(|f| match f.parent() {
            Some(d) if !d.as_os_str().is_empty() => root.join(d),
            _ => root.to_path_buf(),
        })
        .collect();
    dirs.into_iter().collect()
}

/// The kustomization file of a directory on disk.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    graph::kustomization_file(&DirSource, dir)
}

#[derive(Debug, Clone, PartialEq)]
struct Target {
    api_version: String,
    kind: String,
    name: String,
    namespace: String,
}

#[derive(Debug, Clone)]
enum Role {
    Resource,
    Patch,
    Json6902(Target),
    Kustomization,
}

#[derive(Debug, Clone)]
struct Entry {
    path: PathBuf,
    role: Role,
    namespace: String,
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c.as_os_str()),
        }
    }
    out
}

fn target_of(n: Option<&Node>) -> Target {
    let g = |k: &str| {
        n.and_then(|t| t.str_at(&[k]))
            .unwrap_or_default()
            .to_string()
    };
    let group = g("group");
    let version = g("version");
    Target {
        api_version: if group.is_empty() {
            version
        } else {
            format!("{group}/{version}")
        },
        kind: g("kind"),
        name: g("name"),
        namespace: g("namespace"),
    }
}

/// State of a run: current file texts and the report.
struct Run<'a> {
    opts: &'a Options<'a>,
    texts: BTreeMap<PathBuf, String>,
    originals: BTreeMap<PathBuf, String>,
    entries: Vec<Entry>,
    plan: Plan,
    /// kustomization dir -> files it owns (for affected roots)
    owned: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
    /// kustomization dir -> kustomization dirs it includes
    includes: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
}

/// Plan a run: compute every edit, write nothing.
pub fn plan(opts: &Options) -> Plan {
    let mut run = Run {
        opts,
        texts: BTreeMap::new(),
        originals: BTreeMap::new(),
        entries: Vec::new(),
        plan: Plan::default(),
        owned: BTreeMap::new(),
        includes: BTreeMap::new(),
    };
    run.plan.kustomizations = opts.dirs.to_vec();
    for d in opts.dirs {
        run.collect(d);
    }
    if !run.plan.problems.is_empty() {
        return run.plan;
    }
    for cat in opts.catalogs {
        for rule in &cat.rules {
            run.apply_rule(cat, rule);
        }
    }
    for (p, after) in &run.texts {
        let before = &run.originals[p];
        if before != after {
            // The result must still parse.
            if let Err(e) = Source::parse(after) {
                run.plan.problems.push(Problem {
                    path: rel(opts.root, p),
                    line: e.line,
                    col: e.col,
                    message: format!(
                        "internal error: the migrated text does not parse ({})",
                        e.msg
                    ),
                });
            }
            run.plan.files.push(FileChange {
                path: p.clone(),
                rel: rel(opts.root, p),
                before: before.clone(),
                after: after.clone(),
            });
        }
    }
    run.plan.affected_roots = run.affected_roots();
    run.plan.problems.sort();
    run.plan.problems.dedup();
    run.plan.warnings.sort();
    run.plan.warnings.dedup();
    run.plan
}

impl Run<'_> {
    fn editable(&self, rel: &str) -> bool {
        self.opts.editable.is_none_or(|f| f(rel))
    }

    fn problem(&mut self, path: &Path, line: usize, col: usize, msg: impl Into<String>) {
        let p = Problem {
            path: rel(self.opts.root, path),
            line,
            col,
            message: msg.into(),
        };
        self.plan.problems.push(p);
    }

    fn load(&mut self, p: &Path) -> Option<String> {
        if let Some(t) = self.texts.get(p) {
            return Some(t.clone());
        }
        match std::fs::read(p) {
            Ok(b) => match String::from_utf8(b) {
                Ok(t) => {
                    self.texts.insert(p.to_path_buf(), t.clone());
                    self.originals.insert(p.to_path_buf(), t.clone());
                    Some(t)
                }
                Err(_) => {
                    self.problem(p, 0, 0, "not UTF-8 text");
                    None
                }
            },
            Err(e) => {
                self.problem(p, 0, 0, format!("cannot read: {e}"));
                None
            }
        }
    }

    fn add_entry(&mut self, dir: &Path, path: PathBuf, role: Role, namespace: &str) {
        self.owned
            .entry(dir.to_path_buf())
            .or_default()
            .insert(path.clone());
        if self.entries.iter().any(|e| e.path == path) || self.load(&path).is_none() {
            return;
        }
        self.entries.push(Entry {
            path,
            role,
            namespace: namespace.to_string(),
        });
    }

    fn collect(&mut self, dir: &Path) {
        let Some(kf) = kustomization_file(dir) else {
            self.problem(dir, 0, 0, "no kustomization.yaml in this directory");
            return;
        };
        let Some(text) = self.load(&kf) else { return };
        let src = match Source::parse(&text) {
            Ok(s) => s,
            Err(e) => {
                self.problem(&kf, e.line, e.col, e.msg);
                return;
            }
        };
        let Some(Some(k)) = src.docs.first() else {
            return;
        };
        let ns = k.str_at(&["namespace"]).unwrap_or_default().to_string();
        let file = |s: &str| -> Option<PathBuf> {
            if s.contains("://") || s.contains('\n') || s.starts_with("github.com/") {
                return None;
            }
            Some(clean(&dir.join(s)))
        };
        let items = |key: &str| -> Vec<Node> {
            k.get(key)
                .and_then(|n| n.items())
                .map(|s| s.to_vec())
                .unwrap_or_default()
        };
        for key in ["resources", "bases", "components"] {
            for it in items(key) {
                if let Some(p) = it.as_str().and_then(file) {
                    if p.is_file() {
                        self.add_entry(dir, p, Role::Resource, &ns);
                    } else if p.is_dir() {
                        self.includes
                            .entry(dir.to_path_buf())
                            .or_default()
                            .insert(p);
                    }
                }
            }
        }
        for it in items("patchesStrategicMerge") {
            if let Some(p) = it.as_str().and_then(file) {
                if p.is_file() {
                    self.add_entry(dir, p, Role::Patch, &ns);
                }
            }
        }
        for key in ["patches", "patchesJson6902"] {
            for it in items(key) {
                let Some(p) = it.str_at(&["path"]).and_then(file) else {
                    continue;
                };
                if !p.is_file() {
                    continue;
                }
                let target = target_of(it.get("target"));
                let is_ops = key == "patchesJson6902"
                    || self
                        .load(&p)
                        .and_then(|t| Source::parse(&t).ok())
                        .and_then(|s| s.docs.first().cloned().flatten())
                        .is_some_and(|n| matches!(n.kind, Kind::Seq { .. }));
                let role = if is_ops {
                    Role::Json6902(target)
                } else {
                    Role::Patch
                };
                self.add_entry(dir, p, role, &ns);
            }
        }
        // Last, so that file patches come before inline ones (require/set
        // add a missing field to the first patch of a resource).
        self.add_entry(dir, kf, Role::Kustomization, &ns);
    }

    /// The roots to render: the kustomizations of the run owning a changed
    /// file, or including one that does, that no other one of them
    /// includes (the shared graph, over the edges [`Run::collect`] found).
    fn affected_roots(&self) -> Vec<PathBuf> {
        let strings = |set: Option<&BTreeSet<PathBuf>>| -> Vec<String> {
            set.into_iter()
                .flatten()
                .map(|p| p.to_string_lossy().into_owned())
                .collect()
        };
        // the graph is keyed by strings; the paths they stand for
        let dirs: BTreeMap<String, &PathBuf> = self
            .owned
            .keys()
            .chain(self.includes.keys())
            .map(|d| (d.to_string_lossy().into_owned(), d))
            .collect();
        let graph = Graph::from_kusts(dirs.iter().map(|(k, d)| Kust {
            dir: k.clone(),
            files: strings(self.owned.get(*d)),
            includes: strings(self.includes.get(*d)),
            ..Kust::default()
        }));
        let changed: Vec<String> = self
            .plan
            .files
            .iter()
            .map(|f| f.path.to_string_lossy().into_owned())
            .collect();
        let affected = graph.affected(changed.iter().map(String::as_str), Touch::Reads);
        // what the engine has always rendered: components too, not a
        // kustomization that includes itself
        let rule = Roots {
            components: true,
            self_including: false,
        };
        let mut roots: Vec<PathBuf> = graph
            .roots_among(affected.iter(), rule)
            .iter()
            .map(|d| dirs[d].clone())
            .collect();
        roots.sort();
        roots
    }

    fn apply_rule(&mut self, cat: &Catalog, rule: &Rule) {
        // Pass 1 (require/set): which identities already have the field, and
        // which document should receive it when none has.
        let mut scan = Scan::default();
        if matches!(rule.action, Action::Require { .. } | Action::Set { .. }) {
            let entries = self.entries.clone();
            for e in &entries {
                let Some(text) = self.texts.get(&e.path).cloned() else {
                    continue;
                };
                let editable = self.editable(&rel(self.opts.root, &e.path));
                let mut ctx = Ctx::new(cat, rule, self.opts.sets, Mode::Scan, &mut scan);
                ctx.editable = editable;
                let _ = process_file(&text, &e.role, &e.namespace, &mut ctx);
            }
            scan.decide();
        }
        let entries = self.entries.clone();
        let mut counter = 0usize;
        for e in &entries {
            let Some(text) = self.texts.get(&e.path).cloned() else {
                continue;
            };
            scan.counter = counter;
            let mut ctx = Ctx::new(cat, rule, self.opts.sets, Mode::Apply, &mut scan);
            let res = process_file(&text, &e.role, &e.namespace, &mut ctx);
            let (problems, warnings, changes) = (ctx.problems, ctx.warnings, ctx.changes);
            counter = scan.counter;
            let relp = rel(self.opts.root, &e.path);
            if !self.editable(&relp) {
                // A vendor file: what the rule would change is reported,
                // the file is left as the vendor wrote it.
                for (l, m) in changes {
                    // the column of the line's first non-blank character
                    let col = text
                        .lines()
                        .nth(l.saturating_sub(1))
                        .map(|t| t.len() - t.trim_start().len() + 1)
                        .unwrap_or(1);
                    self.plan.warnings.push(Problem {
                        path: relp.clone(),
                        line: l,
                        col,
                        message: format!(
                            "vendor file, not edited: {}/{}: {m} (edit your overlay instead, or pass --include-vendor-files)",
                            cat.name, rule.id
                        ),
                    });
                }
                for (l, c, m) in problems {
                    self.plan.warnings.push(Problem {
                        path: relp.clone(),
                        line: l,
                        col: c,
                        message: format!("vendor file, not edited: {m}"),
                    });
                }
                let _ = (warnings, res);
                continue;
            }
            for (l, c, m) in problems {
                self.plan.problems.push(Problem {
                    path: relp.clone(),
                    line: l,
                    col: c,
                    message: m,
                });
            }
            for (l, c, m) in warnings {
                self.plan.warnings.push(Problem {
                    path: relp.clone(),
                    line: l,
                    col: c,
                    message: format!("{}/{}: {m}", cat.name, rule.id),
                });
            }
            for (l, m) in changes {
                self.plan.changes.push(Change {
                    catalog: cat.name.clone(),
                    rule: rule.id.clone(),
                    path: relp.clone(),
                    line: l,
                    message: m,
                });
            }
            match res {
                Ok(Some(new)) => {
                    self.texts.insert(e.path.clone(), new);
                }
                Ok(None) => {}
                Err((l, c, m)) => self.plan.problems.push(Problem {
                    path: relp,
                    line: l,
                    col: c,
                    message: m,
                }),
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Scan,
    Apply,
}

/// Bookkeeping for `require`/`set`: one slot per targeted document, in a
/// stable traversal order.
#[derive(Default)]
struct Scan {
    /// (identity, has the field, is a patch document, may be edited)
    seen: Vec<(String, bool, bool, bool)>,
    /// slots allowed to insert the field
    insert: BTreeSet<usize>,
    counter: usize,
}

impl Scan {
    fn decide(&mut self) {
        let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (id, _, _, _)) in self.seen.iter().enumerate() {
            by_id.entry(id.as_str()).or_default().push(i);
        }
        for slots in by_id.values() {
            if slots.iter().any(|&i| self.seen[i].1) {
                continue;
            }
            // Prefer the user's own files, then patches to resources.
            let pick = slots
                .iter()
                .find(|&&i| self.seen[i].3 && self.seen[i].2)
                .or_else(|| slots.iter().find(|&&i| self.seen[i].3))
                .or_else(|| slots.iter().find(|&&i| self.seen[i].2))
                .or_else(|| slots.first());
            if let Some(&i) = pick {
                self.insert.insert(i);
            }
        }
    }
}

type Pos = (usize, usize, String);

struct Ctx<'a> {
    cat: &'a Catalog,
    rule: &'a Rule,
    sets: &'a BTreeMap<String, String>,
    mode: Mode,
    scan: &'a mut Scan,
    problems: Vec<Pos>,
    warnings: Vec<Pos>,
    changes: Vec<(usize, String)>,
    /// line/col offsets for embedded (inline patch) text
    line_off: usize,
    col_off: usize,
    /// Whether the file may be edited (the user's own).
    editable: bool,
}

impl<'a> Ctx<'a> {
    fn new(
        cat: &'a Catalog,
        rule: &'a Rule,
        sets: &'a BTreeMap<String, String>,
        mode: Mode,
        scan: &'a mut Scan,
    ) -> Ctx<'a> {
        Ctx {
            cat,
            rule,
            sets,
            mode,
            scan,
            problems: Vec::new(),
            warnings: Vec::new(),
            changes: Vec::new(),
            line_off: 0,
            col_off: 0,
            editable: true,
        }
    }
    fn at(&self, n: &Node) -> (usize, usize) {
        (n.line + self.line_off, n.col + self.col_off)
    }
    fn problem(&mut self, n: &Node, m: impl Into<String>) {
        let (l, c) = self.at(n);
        if self.mode == Mode::Apply {
            self.problems.push((l, c, m.into()));
        }
    }
    fn warn(&mut self, n: &Node, m: impl Into<String>) {
        let (l, c) = self.at(n);
        if self.mode == Mode::Apply {
            self.warnings.push((l, c, m.into()));
        }
    }
    fn change(&mut self, n: &Node, m: impl Into<String>) {
        let (l, c) = self.at(n);
        self.changes.push((l, m.into()));
        if let (Some(w), Mode::Apply) = (&self.rule.warning, self.mode) {
            self.warnings.push((l, c, w.clone()));
        }
    }
    fn subst(&mut self, n: &Node, s: &str) -> Option<String> {
        match substitute(s, self.sets, &self.cat.vars) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(n, format!("{}/{}: {e}", self.cat.name, self.rule.id));
                None
            }
        }
    }
}

/// Process one file's text; `Ok(Some(new))` when it changes.
fn process_file(text: &str, role: &Role, ns: &str, ctx: &mut Ctx) -> Result<Option<String>, Pos> {
    let src =
        Source::parse(text).map_err(|e| (e.line + ctx.line_off, e.col + ctx.col_off, e.msg))?;
    let mut splices: Vec<Splice> = Vec::new();
    for root in src.docs.iter().flatten() {
        match role {
            Role::Resource | Role::Patch => doc(
                &src,
                root,
                ns,
                matches!(role, Role::Patch),
                ctx,
                &mut splices,
            ),
            Role::Json6902(t) => ops(&src, root, t, ns, ctx, &mut splices),
            Role::Kustomization => kustomization(&src, root, ns, ctx, &mut splices),
        }
    }
    if splices.is_empty() {
        return Ok(None);
    }
    let out = apply_splices(text, &splices).map_err(|e| (1, 1, format!("internal error: {e}")))?;
    Ok((out != text).then_some(out))
}

fn identity(n: &Node, ns: &str) -> (String, String, String, String) {
    let s = |p: &[&str]| n.str_at(p).unwrap_or_default().to_string();
    let mut namespace = s(&["metadata", "namespace"]);
    if namespace.is_empty() {
        namespace = ns.to_string();
    }
    (
        s(&["apiVersion"]),
        s(&["kind"]),
        s(&["metadata", "name"]),
        namespace,
    )
}

/// One document (a resource or a strategic-merge patch).
fn doc(src: &Source, root: &Node, ns: &str, is_patch: bool, ctx: &mut Ctx, out: &mut Vec<Splice>) {
    if root.entries().is_none() {
        return;
    }
    let (av, kind, name, namespace) = identity(root, ns);
    let rule = ctx.rule;
    if let Action::RenameResource { .. } = rule.action {
        rename_in_doc(root, &kind, ctx, out);
        return;
    }
    if !rule.select.matches(&av, &kind, &name, &namespace) {
        return;
    }
    let field: Vec<&str> = rule.field.iter().map(String::as_str).collect();
    match &rule.action {
        Action::SemicolonListToMap => semicolon_to_map(src, root, &field, ctx, out),
        Action::SetMapEntry { key, value } => {
            set_map_entry(src, root, &field, key, value, ctx, out)
        }
        Action::Require { .. } | Action::Set { .. } => {
            let has = root
                .get_path(&field)
                .is_some_and(|n| !n.is_empty_null() && n.as_str() != Some("null"));
            let slot = ctx.scan.counter;
            ctx.scan.counter += 1;
            if ctx.mode == Mode::Scan {
                ctx.scan.seen.push((
                    format!("{kind}|{namespace}|{name}"),
                    has,
                    is_patch,
                    ctx.editable,
                ));
                return;
            }
            let may_insert = ctx.scan.insert.contains(&slot);
            require_or_set(src, root, &field, has, may_insert, ctx, out);
        }
        Action::RewriteArgs { .. } => {
            for p in [
                &["spec", "template", "spec"][..],
                &["spec", "jobTemplate", "spec", "template", "spec"],
                &["spec"],
            ] {
                if let Some(pod) = root.get_path(p) {
                    for key in ["containers", "initContainers"] {
                        if let Some(cs) = pod.get(key).and_then(|c| c.items()) {
                            for c in cs {
                                container(src, c, ctx, out);
                            }
                        }
                    }
                }
            }
        }
        Action::RenameResource { .. } => {}
    }
}

fn parse_list(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for part in s.split(';') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((k, v)) = part.split_once('=') else {
            return Err(format!("entry '{part}' has no '=' (expected key=value)"));
        };
        let (k, v) = (k.trim().to_string(), v.trim().to_string());
        if k.is_empty() {
            return Err(format!("entry '{part}' has an empty key"));
        }
        if let Some(e) = out.iter_mut().find(|(ek, _)| *ek == k) {
            e.1 = v;
        } else {
            out.push((k, v));
        }
    }
    Ok(out)
}

fn semicolon_to_map(
    src: &Source,
    root: &Node,
    field: &[&str],
    ctx: &mut Ctx,
    out: &mut Vec<Splice>,
) {
    let Some((parent, last)) = field.split_last().map(|(l, p)| (root.get_path(p), *l)) else {
        return;
    };
    let Some((k, v)) = parent.and_then(|p| p.entry(last)) else {
        return;
    };
    let Some(s) = v.as_str() else { return };
    if v.is_empty_null() {
        return;
    }
    match parse_list(s) {
        Ok(pairs) if pairs.is_empty() => {
            out.push(replace_node(v, "{}".into()));
            ctx.change(v, format!("{}: empty string -> {{}}", field.join(".")));
        }
        Ok(pairs) => {
            let texts: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (format_key(k), format_as_written(v)))
                .collect();
            out.extend(scalar_to_block_map(src, k, v, &texts));
            ctx.change(
                v,
                format!(
                    "{}: string -> mapping of {} entries",
                    field.join("."),
                    pairs.len()
                ),
            );
        }
        Err(e) => ctx.problem(v, format!("{}: {e}", field.join("."))),
    }
}

fn set_map_entry(
    src: &Source,
    root: &Node,
    field: &[&str],
    key: &str,
    value: &str,
    ctx: &mut Ctx,
    out: &mut Vec<Splice>,
) {
    let Some(v) = root.get_path(field) else {
        return;
    };
    let Some(value) = ctx.subst(v, value) else {
        return;
    };
    match &v.kind {
        Kind::Scalar { value: s, style } if !v.is_empty_null() => {
            let pairs = match parse_list(s) {
                Ok(p) => p,
                Err(e) => {
                    ctx.problem(v, format!("{}: {e}", field.join(".")));
                    return;
                }
            };
            let new = match pairs.iter().find(|(k, _)| k == key) {
                Some((_, old)) if *old == value => return,
                Some(_) => {
                    // replace that entry's text
                    let mut parts: Vec<String> = Vec::new();
                    for part in s.split(';') {
                        match part.split_once('=') {
                            Some((k, _)) if k.trim() == key => {
                                let lead = &part[..part.len() - part.trim_start().len()];
                                parts.push(format!("{lead}{key}={value}"));
                            }
                            _ => parts.push(part.to_string()),
                        }
                    }
                    parts.join(";")
                }
                None => {
                    let t = s.trim_end();
                    if t.is_empty() {
                        format!("{key}={value};")
                    } else if t.ends_with(';') {
                        let sp = if s.contains("; ") { " " } else { "" };
                        format!("{t}{sp}{key}={value};")
                    } else {
                        format!("{t}; {key}={value}")
                    }
                }
            };
            out.push(replace_node(v, format_string(&new, *style)));
            ctx.change(v, format!("{}: {key}={value}", field.join(".")));
        }
        Kind::Map { .. } => match v.entry(key) {
            Some((_, ev)) if ev.as_str() == Some(value.as_str()) => {}
            Some((_, ev)) => {
                if ev.as_str().is_none() {
                    ctx.problem(ev, format!("{}.{key}: expected a scalar", field.join(".")));
                    return;
                }
                out.push(replace_node(ev, format_as_written(&value)));
                ctx.change(ev, format!("{}.{key}: {value}", field.join(".")));
            }
            None => match insert_into_map(src, v, &[key], &format_as_written(&value)) {
                Ok(sp) => {
                    out.push(sp);
                    ctx.change(v, format!("{}.{key}: {value} (added)", field.join(".")));
                }
                Err(e) => ctx.problem(v, e),
            },
        },
        _ => {}
    }
}

fn require_or_set(
    src: &Source,
    root: &Node,
    field: &[&str],
    has: bool,
    may_insert: bool,
    ctx: &mut Ctx,
    out: &mut Vec<Splice>,
) {
    let fname = field.join(".");
    let value = match &ctx.rule.action {
        Action::Require { default, set_key } => {
            if has || !may_insert {
                return;
            }
            match ctx.sets.get(set_key).cloned().or_else(|| default.clone()) {
                Some(v) => v,
                None => {
                    ctx.problem(
                        root,
                        format!("{fname} is required: pass --set {set_key}=<value>"),
                    );
                    return;
                }
            }
        }
        Action::Set { value } => {
            if !has && !may_insert {
                return;
            }
            let value = value.clone();
            match ctx.subst(root, &value) {
                Some(v) => v,
                None => return,
            }
        }
        _ => return,
    };
    if has {
        let Some(n) = root.get_path(field) else {
            return;
        };
        match &n.kind {
            Kind::Scalar { value: old, .. } if *old == value => {}
            Kind::Scalar { value: old, style } => {
                ctx.change(n, format!("{fname}: {old} -> {value}"));
                out.push(replace_node(n, format_string(&value, *style)));
            }
            _ => ctx.problem(n, format!("{fname}: expected a scalar, found a collection")),
        }
        return;
    }
    // insert at the deepest existing mapping
    let mut cur = root;
    for (i, seg) in field.iter().enumerate() {
        match cur.entry(seg) {
            Some((k, v)) if v.is_empty_null() => {
                out.push(insert_under_empty_key(
                    src,
                    k,
                    &field[i + 1..],
                    &format_string(&value, Style::Plain),
                ));
                ctx.change(root, format!("{fname}: {value} (added)"));
                return;
            }
            Some((_, v)) if v.entries().is_some() => cur = v,
            Some((_, v)) => {
                ctx.problem(
                    v,
                    format!("{fname}: cannot add under a value that is not a mapping"),
                );
                return;
            }
            None => {
                match insert_into_map(src, cur, &field[i..], &format_string(&value, Style::Plain)) {
                    Ok(sp) => {
                        out.push(sp);
                        ctx.change(root, format!("{fname}: {value} (added)"));
                    }
                    Err(e) => ctx.problem(cur, format!("{fname}: {e}")),
                }
                return;
            }
        }
    }
}

fn container(src: &Source, c: &Node, ctx: &mut Ctx, out: &mut Vec<Splice>) {
    let Action::RewriteArgs {
        containers,
        env,
        args,
        ..
    } = &ctx.rule.action
    else {
        return;
    };
    let name = c.str_at(&["name"]).unwrap_or_default();
    if !super::catalog::glob(containers, name) {
        return;
    }
    let env = env.clone();
    let args = *args;
    for key in ["args", "command"] {
        if let Some(seq) = c.get(key).filter(|_| args) {
            arg_seq(src, seq, ctx, out);
        }
    }
    if let Some(es) = c.get("env").and_then(|e| e.items()) {
        for e in es {
            env_entry(e, &env, ctx, out);
        }
    }
}

fn env_entry(e: &Node, names: &[String], ctx: &mut Ctx, out: &mut Vec<Splice>) {
    let Some(n) = e.str_at(&["name"]) else { return };
    if !names.iter().any(|x| x == n) {
        return;
    }
    if let Some(v) = e.get("value") {
        value_rewrite(v, ctx, out);
    }
}

/// Regex rewrites and warnings on an env value.
fn value_rewrite(v: &Node, ctx: &mut Ctx, out: &mut Vec<Splice>) {
    let Action::RewriteArgs { op, .. } = &ctx.rule.action else {
        return;
    };
    let Some((s, style)) = v.as_str().zip(v.style()) else {
        return;
    };
    match op {
        ArgOp::Regex {
            pattern,
            replacement,
        } => {
            let new = pattern.replace_all(s, replacement.as_str()).into_owned();
            if new != s {
                ctx.change(v, format!("{s} -> {new}"));
                out.push(replace_node(v, format_string(&new, style)));
            }
        }
        ArgOp::Warn { pattern, message } if pattern.is_match(s) => {
            ctx.warn(v, format!("{s}: {message}"));
        }
        _ => {}
    }
}

fn arg_seq(src: &Source, seq: &Node, ctx: &mut Ctx, out: &mut Vec<Splice>) {
    let Some(items) = seq.items() else { return };
    for it in items {
        arg_item(src, Some(seq), it, ctx, out);
    }
}

fn arg_item(src: &Source, seq: Option<&Node>, it: &Node, ctx: &mut Ctx, out: &mut Vec<Splice>) {
    let Action::RewriteArgs { op, .. } = &ctx.rule.action else {
        return;
    };
    let Some((s, style)) = it.as_str().zip(it.style()) else {
        return;
    };
    match op {
        ArgOp::RenameFlag { from, to } => {
            let new = if s == from {
                to.clone()
            } else if let Some(rest) = s.strip_prefix(&format!("{from}=")) {
                format!("{to}={rest}")
            } else {
                return;
            };
            ctx.change(it, format!("{s} -> {new}"));
            out.push(replace_node(it, format_string(&new, style)));
        }
        ArgOp::ReplaceFlag { flag, with } => {
            // `--flag VALUE` as two items: the value goes with the flag
            let value_item = if s == flag {
                seq.and_then(|q| q.items())
                    .and_then(|items| {
                        let i = items.iter().position(|x| x.start == it.start)?;
                        items.get(i + 1)
                    })
                    .filter(|n| n.as_str().is_some_and(|v| !v.starts_with('-')))
                    .cloned()
            } else {
                None
            };
            let old_value = if s == flag {
                value_item
                    .as_ref()
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .to_string()
            } else if let Some(rest) = s.strip_prefix(&format!("{flag}=")) {
                rest.to_string()
            } else {
                return;
            };
            let with = with.clone();
            let mut texts = Vec::new();
            for w in &with {
                let w = w.replace("${value}", &old_value);
                let Some(w) = ctx.subst(it, &w) else { return };
                texts.push(w);
            }
            let Some(seq) = seq else {
                ctx.problem(it, format!("{s}: cannot replace one JSON 6902 value by several; edit this patch by hand ({})", texts.join(" ")));
                return;
            };
            let was = match &value_item {
                Some(_) => format!("{s} {old_value}"),
                None => s.to_string(),
            };
            ctx.change(it, format!("{was} -> {}", texts.join(" ")));
            let formatted: Vec<String> = texts.iter().map(|t| format_string(t, style)).collect();
            let mut splice = replace_seq_item(src, seq, it, &formatted);
            if let Some(v) = &value_item {
                // the splice covers the value item too
                splice.end = v.end;
            }
            out.push(splice);
        }
        ArgOp::Regex { .. } | ArgOp::Warn { .. } => value_rewrite(it, ctx, out),
    }
}

fn pointer(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn is_index(s: &str) -> bool {
    s == "-" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

/// A JSON 6902 patch: a sequence of operations on one target.
fn ops(src: &Source, root: &Node, t: &Target, ns: &str, ctx: &mut Ctx, out: &mut Vec<Splice>) {
    let Some(items) = root.items() else { return };
    let namespace = if t.namespace.is_empty() {
        ns
    } else {
        &t.namespace
    };
    let rule = ctx.rule;
    if let Action::RenameResource { .. } = rule.action {
        return;
    }
    // A target without group/version matches any apiVersion.
    let sel = &rule.select;
    use super::catalog::glob;
    let api_ok =
        t.api_version.is_empty() || t.api_version == "/" || glob(&sel.api_version, &t.api_version);
    if !(api_ok
        && glob(&sel.kind, &t.kind)
        && glob(&sel.name, &t.name)
        && glob(&sel.namespace, namespace))
    {
        return;
    }
    for op in items {
        let Some(path) = op.str_at(&["path"]) else {
            continue;
        };
        let Some(value) = op.get("value") else {
            continue;
        };
        let segs = pointer(path);
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        // where the rule's field sits in this op: its `value` itself, or
        // inside the value of an op on a parent path
        let field: Vec<&str> = rule.field.iter().map(String::as_str).collect();
        let located: Option<(&Node, Vec<&str>)> = if segs == field {
            Some((op, vec!["value"]))
        } else if field.starts_with(&segs) {
            Some((value, field[segs.len()..].to_vec()))
        } else {
            None
        };
        match &rule.action {
            Action::SemicolonListToMap | Action::SetMapEntry { .. } => {
                let Some((base, rest)) = located else {
                    continue;
                };
                match &rule.action {
                    Action::SemicolonListToMap => semicolon_to_map(src, base, &rest, ctx, out),
                    Action::SetMapEntry { key, value } => {
                        set_map_entry(src, base, &rest, key, value, ctx, out)
                    }
                    _ => {}
                }
            }
            Action::Require { .. } | Action::Set { .. } => {
                // Only a value the op sets exactly is changed (never added).
                let Some((base, rest)) = located else {
                    continue;
                };
                if ctx.mode == Mode::Scan {
                    continue;
                }
                if base.get_path(&rest).is_some() {
                    require_or_set(src, base, &rest, true, false, ctx, out);
                }
            }
            Action::RewriteArgs { args, .. } => {
                let args = *args;
                let ci = segs
                    .iter()
                    .position(|s| *s == "containers" || *s == "initContainers");
                let Some(ci) = ci else { continue };
                let tail = &segs[ci + 1..];
                match tail {
                    [i] if is_index(i) => container(src, value, ctx, out),
                    [i, a] if args && is_index(i) && (*a == "args" || *a == "command") => {
                        arg_seq(src, value, ctx, out)
                    }
                    [i, a, j]
                        if args
                            && is_index(i)
                            && (*a == "args" || *a == "command")
                            && is_index(j) =>
                    {
                        arg_item(src, None, value, ctx, out)
                    }
                    [i, e, j] if is_index(i) && *e == "env" && is_index(j) => {
                        if let Action::RewriteArgs { env, .. } = &rule.action {
                            env_entry(value, &env.clone(), ctx, out)
                        }
                    }
                    _ => {}
                }
            }
            Action::RenameResource { .. } => {}
        }
    }
}

/// Rename a resource (by `metadata.name`) and references to it.
fn rename_in_doc(root: &Node, kind: &str, ctx: &mut Ctx, out: &mut Vec<Splice>) {
    let sel_kind = ctx.rule.select.kind.clone();
    if super::catalog::glob(&sel_kind, kind) {
        if let Some(n) = root.get_path(&["metadata", "name"]) {
            rename_node(n, ctx, out);
        }
    }
    // references: configMapRef/configMapKeyRef/configMap (volumes, projected)
    let (ref_keys, name_key): (&[&str], &str) = match sel_kind.as_str() {
        "ConfigMap" => (&["configMapRef", "configMapKeyRef", "configMap"], "name"),
        "Secret" => (&["secretRef", "secretKeyRef"], "name"),
        _ => (&[], "name"),
    };
    walk_refs(root, ref_keys, name_key, ctx, out);
    if sel_kind == "Secret" {
        walk_refs(root, &["secret"], "secretName", ctx, out);
    }
}

fn walk_refs(n: &Node, keys: &[&str], name_key: &str, ctx: &mut Ctx, out: &mut Vec<Splice>) {
    match &n.kind {
        Kind::Map { entries, .. } => {
            for (k, v) in entries {
                if k.as_str().is_some_and(|k| keys.contains(&k)) {
                    if let Some(nm) = v.get(name_key) {
                        rename_node(nm, ctx, out);
                    }
                } else {
                    walk_refs(v, keys, name_key, ctx, out);
                }
            }
        }
        Kind::Seq { items, .. } => {
            for it in items {
                walk_refs(it, keys, name_key, ctx, out);
            }
        }
        _ => {}
    }
}

fn rename_node(n: &Node, ctx: &mut Ctx, out: &mut Vec<Splice>) {
    let Action::RenameResource { from, to, except } = &ctx.rule.action else {
        return;
    };
    let Some((s, style)) = n.as_str().zip(n.style()) else {
        return;
    };
    if !from.is_match(s) || except.as_ref().is_some_and(|e| e.is_match(s)) {
        return;
    }
    let new = from.replace(s, to.as_str()).into_owned();
    if new != s {
        ctx.change(n, format!("renamed {s} -> {new}"));
        out.push(replace_node(n, format_string(&new, style)));
    }
}

/// kustomization.yaml: generator names and patch targets (for
/// rename-resource), and inline patches (every action).
fn kustomization(src: &Source, k: &Node, ns: &str, ctx: &mut Ctx, out: &mut Vec<Splice>) {
    if let Action::RenameResource { .. } = ctx.rule.action {
        let kind = ctx.rule.select.kind.clone();
        let gen = match kind.as_str() {
            "ConfigMap" => Some("configMapGenerator"),
            "Secret" => Some("secretGenerator"),
            _ => None,
        };
        if let Some(g) = gen.and_then(|g| k.get(g)).and_then(|g| g.items()) {
            for it in g {
                if let Some(n) = it.get("name") {
                    rename_node(n, ctx, out);
                }
            }
        }
        for key in ["patches", "patchesJson6902"] {
            for it in k.get(key).and_then(|p| p.items()).unwrap_or_default() {
                let Some(t) = it.get("target") else { continue };
                if t.str_at(&["kind"])
                    .is_some_and(|tk| super::catalog::glob(&kind, tk))
                {
                    if let Some(n) = t.get("name") {
                        rename_node(n, ctx, out);
                    }
                }
            }
        }
    }
    // inline patches
    let mut inline: Vec<(&Node, Option<Target>)> = Vec::new();
    for it in k
        .get("patchesStrategicMerge")
        .and_then(|p| p.items())
        .unwrap_or_default()
    {
        if it.as_str().is_some_and(|s| s.contains('\n')) {
            inline.push((it, None));
        }
    }
    for key in ["patches", "patchesJson6902"] {
        for it in k.get(key).and_then(|p| p.items()).unwrap_or_default() {
            if let Some(p) = it.get("patch").filter(|p| p.as_str().is_some()) {
                inline.push((p, Some(target_of(it.get("target")))));
            }
        }
    }
    for (node, target) in inline {
        let Some(text) = node.as_str() else { continue };
        let is_ops = Source::parse(text)
            .ok()
            .and_then(|s| s.docs.first().cloned().flatten())
            .is_some_and(|n| matches!(n.kind, Kind::Seq { .. }));
        let role = match (is_ops, target) {
            (true, Some(t)) => Role::Json6902(t),
            (true, None) => continue,
            (false, _) => Role::Patch,
        };
        let (content_line, indent) = block_layout(src, node);
        let (lo, co) = (ctx.line_off, ctx.col_off);
        ctx.line_off = lo + content_line.saturating_sub(1);
        ctx.col_off = co + indent;
        let marks = (ctx.problems.len(), ctx.warnings.len(), ctx.changes.len());
        let mut res = process_file(text, &role, ns, ctx);
        ctx.line_off = lo;
        ctx.col_off = co;
        if !matches!(node.style(), Some(Style::Literal | Style::Folded)) {
            // A quoted patch has no line-for-line layout: point at it.
            let (l, c) = ctx.at(node);
            for p in &mut ctx.problems[marks.0..] {
                (p.0, p.1) = (l, c);
            }
            for w in &mut ctx.warnings[marks.1..] {
                (w.0, w.1) = (l, c);
            }
            for ch in &mut ctx.changes[marks.2..] {
                ch.0 = l;
            }
            if let Err(e) = &mut res {
                (e.0, e.1) = (l, c);
            }
        }
        match res {
            Ok(Some(new)) => out.push(reembed(src, node, &new)),
            Ok(None) => {}
            Err((l, c, m)) => {
                if ctx.mode == Mode::Apply {
                    ctx.problems.push((l, c, format!("inline patch: {m}")));
                }
            }
        }
    }
}

/// (line of the first content line, content indentation) of a block scalar;
/// the node's own position otherwise.
fn block_layout(src: &Source, n: &Node) -> (usize, usize) {
    if matches!(n.style(), Some(Style::Literal | Style::Folded)) {
        let after = src.after_line(n.start);
        let body = &src.text[after..n.end.max(after)];
        let indent = body
            .lines()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .unwrap_or(n.col0 + 2);
        let skipped = body.lines().take_while(|l| l.trim().is_empty()).count();
        (n.line + 1 + skipped, indent)
    } else {
        (n.line, n.col0)
    }
}

/// Splice that puts `new` (an edited inline patch) back in place of the
/// scalar `n`, as a literal block.
fn reembed(src: &Source, n: &Node, new: &str) -> Splice {
    let eol = src.eol();
    let body_lines = |indent: usize| {
        let mut s = String::new();
        for l in new.trim_end_matches('\n').split('\n') {
            let l = l.trim_end_matches('\r');
            if !l.trim().is_empty() {
                s.push_str(&" ".repeat(indent));
                s.push_str(l);
            }
            s.push_str(eol);
        }
        s
    };
    if n.style() == Some(Style::Literal) {
        let (_, indent) = block_layout(src, n);
        let start = src.after_line(n.start);
        let end = src.after_line(n.content_end(&src.text).max(start));
        let mut text = body_lines(indent);
        if end == src.text.len() && !src.text.ends_with('\n') {
            text.truncate(text.len() - eol.len());
        }
        return Splice { start, end, text };
    }
    // quoted, plain or folded: write a literal block instead
    let line_start = src.text[..n.start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let ind = src.text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '-')
        .count();
    let header = if new.ends_with('\n') { "|" } else { "|-" };
    let mut body = body_lines(ind + 2);
    body.truncate(body.len() - eol.len());
    Splice {
        start: n.start,
        end: n.end,
        text: format!("{header}{eol}{body}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run `catalog` over a kustomization holding `res.yaml` (a resource) and
    /// `patch.yaml` (a strategic-merge patch); the new texts, or problems.
    fn migrate(catalog: &str, res: &str, patch: &str) -> Result<(String, String), Vec<String>> {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(
            t.path().join("kustomization.yaml"),
            "resources:\n- res.yaml\npatches:\n- path: patch.yaml\n",
        )
        .unwrap();
        std::fs::write(t.path().join("res.yaml"), res).unwrap();
        std::fs::write(t.path().join("patch.yaml"), patch).unwrap();
        let cat = Catalog::parse(catalog).map_err(|e| vec![e.msg])?;
        let sets = BTreeMap::new();
        let dirs = vec![t.path().to_path_buf()];
        let p = plan(&Options {
            root: t.path(),
            dirs: &dirs,
            catalogs: std::slice::from_ref(&cat),
            sets: &sets,
            editable: None,
        });
        if !p.problems.is_empty() {
            return Err(p.problems.iter().map(|p| p.to_string()).collect());
        }
        let get = |n: &str| {
            p.files
                .iter()
                .find(|f| f.rel == n)
                .map(|f| f.after.clone())
                .unwrap_or_else(|| std::fs::read_to_string(t.path().join(n)).unwrap())
        };
        Ok((get("res.yaml"), get("patch.yaml")))
    }

    const HEAD: &str = "apiVersion: v1\nkind: X\nmetadata:\n  name: x\n";

    #[test]
    fn semicolon_list_tolerates_spaces_and_equals() {
        let cat = "name: c\nrules:\n- {field: spec.v, action: semicolon-list-to-map}\n";
        let res = format!("{HEAD}spec:\n  v: ' a.b = True ;c=False;; d=x=y '\n");
        let (r, _) = migrate(cat, &res, HEAD).unwrap();
        assert_eq!(
            r,
            format!("{HEAD}spec:\n  v:\n    a.b: True\n    c: False\n    d: x=y\n")
        );
        let bad = format!("{HEAD}spec:\n  v: \"a=1; oops\"\n");
        let e = migrate(cat, &bad, HEAD).unwrap_err();
        assert_eq!(
            e,
            vec!["res.yaml:6:6: spec.v: entry 'oops' has no '=' (expected key=value)"]
        );
    }

    #[test]
    fn set_map_entry_on_string_and_map() {
        let cat = "name: c\nrules:\n- {field: spec.v, action: set-map-entry, key: k, value: '4'}\n";
        let (r, p) = migrate(
            cat,
            &format!("{HEAD}spec:\n  v: \"a=1; k=3;\"\n"),
            &format!("{HEAD}spec:\n  v:\n    a: 1 # keep\n"),
        )
        .unwrap();
        assert_eq!(r, format!("{HEAD}spec:\n  v: \"a=1; k=4;\"\n"));
        assert_eq!(p, format!("{HEAD}spec:\n  v:\n    a: 1 # keep\n    k: 4\n"));
        let (r, _) = migrate(cat, &format!("{HEAD}spec:\n  v: a=1\n"), HEAD).unwrap();
        assert_eq!(r, format!("{HEAD}spec:\n  v: a=1; k=4\n"));
    }

    #[test]
    fn require_never_overwrites_and_adds_to_the_patch() {
        let cat = "name: c\nrules:\n- {field: spec.r.e, action: require, default: d}\n";
        let (r, p) = migrate(cat, &format!("{HEAD}spec:\n  n: 1\n"), HEAD).unwrap();
        assert_eq!(r, format!("{HEAD}spec:\n  n: 1\n"));
        assert_eq!(p, format!("{HEAD}spec:\n  r:\n    e: d\n"));
        let (r, p) = migrate(cat, &format!("{HEAD}spec:\n  r:\n    e: mine\n"), HEAD).unwrap();
        assert_eq!(r, format!("{HEAD}spec:\n  r:\n    e: mine\n"));
        assert_eq!(p, HEAD);
        let cat = "name: c\nrules:\n- {field: spec.r.e, action: require}\n";
        let e = migrate(cat, HEAD, HEAD).unwrap_err();
        assert_eq!(
            e,
            vec!["patch.yaml:1:1: spec.r.e is required: pass --set spec.r.e=<value>"]
        );
    }

    #[test]
    fn set_substitutes_and_keeps_quoting() {
        let cat = "name: c\nvars: {version: '2'}\nrules:\n- {field: spec.image, action: set, value: 'img:${version}'}\n";
        let (r, _) = migrate(cat, &format!("{HEAD}spec:\n  image: 'img:1' # pin\n"), HEAD).unwrap();
        assert_eq!(r, format!("{HEAD}spec:\n  image: 'img:2' # pin\n"));
    }

    #[test]
    fn rename_flag_and_rename_resource() {
        let cat = "name: c\nrules:\n- {action: rewrite-args, rename-flag: {from: --a, to: --b}}\n- {select: {kind: ConfigMap}, action: rename-resource, from: '^old$', to: new}\n";
        let res = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        args: [--a=1, --a, --ab]\n        envFrom:\n        - configMapRef:\n            name: old\n";
        let (r, _) = migrate(cat, res, HEAD).unwrap();
        assert_eq!(
            r,
            res.replace("[--a=1, --a, --ab]", "[--b=1, --b, --ab]")
                .replace("name: old", "name: new")
        );
    }
}
