//! Where in the user's files a value of a rendered resource comes from.
//!
//! Policies judge the rendered resource (the version may sit in the
//! vendor's base while the overlay's patch sets `configVars`), but a
//! finding must point at the node the user edits. The documents of a root
//! (resource files, strategic-merge patches, JSON 6902 operations, inline
//! patches in `kustomization.yaml`) are collected in the order the
//! renderer applies them, each parsed with positions; the value of a field
//! comes from the last document that sets it. For a field that is absent,
//! the finding points at the deepest part of its path that exists in the
//! last document about the resource, preferring the files being changed.

use std::path::Path;

use regex::Regex;

use crate::kustomize::graph::Graph;
use crate::migrate::edit::{Kind, Node, Source, Style};
use crate::source::{join_clean, rel_str};

use super::snapshot::Snapshot;

/// A position in a file of the repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub path: String,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Role {
    Resource,
    Smp,
    Json6902,
}

/// Which resources a document is about.
#[derive(Debug, Clone)]
enum Target {
    /// A resource or a patch naming its target in its own metadata.
    Named { kind: String, name: String },
    /// A `target:` selector (kind and name optional; the name is a regex).
    Selector {
        kind: Option<String>,
        name: Option<Regex>,
    },
}

/// One document with positions.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: String,
    node: Node,
    /// Line and column offsets of an inline patch's text in its file;
    /// `None` when the text is not laid out line for line (quoted), in
    /// which case `at` is the scalar's own position.
    off: Option<(usize, usize)>,
    at: (usize, usize),
    role: Role,
    target: Target,
}

/// The documents of one root, in application order.
pub struct Locator {
    docs: Vec<Doc>,
}

fn pointer(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn target_of(n: Option<&Node>) -> Option<Target> {
    let t = n?;
    let kind = t.str_at(&["kind"]).map(str::to_string);
    let name = t.str_at(&["name"]).map(|s| {
        Regex::new(&format!("^(?:{s})$"))
            .unwrap_or_else(|_| Regex::new(&format!("^{}$", regex::escape(s))).expect("escaped"))
    });
    Some(Target::Selector { kind, name })
}

fn named(n: &Node) -> Target {
    Target::Named {
        kind: n.str_at(&["kind"]).unwrap_or_default().to_string(),
        name: n
            .str_at(&["metadata", "name"])
            .unwrap_or_default()
            .to_string(),
    }
}

/// (line offset, content indentation) of a literal block scalar: its
/// value's line 1 is the line after the header; `None` for other styles.
fn block_offsets(src: &Source, n: &Node) -> Option<(usize, usize)> {
    // a folded scalar joins lines: only a literal keeps the layout
    if n.style() != Some(Style::Literal) {
        return None;
    }
    let after = src.after_line(n.start);
    let body = &src.text[after..n.end.max(after)];
    let indent = body
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())?;
    // the value's first line is the one after the `|` header (blank lines
    // included), so its lines are offset by the header's line number
    let header_line = 1 + src.text[..n.start.min(src.text.len())]
        .matches('\n')
        .count();
    Some((header_line, indent))
}

impl Doc {
    fn pos(&self, n: &Node) -> (usize, usize) {
        match self.off {
            Some((lo, co)) => (n.line + lo, n.col + co),
            None => self.at,
        }
    }

    fn about(&self, kind: &str, names: &[&str]) -> bool {
        match &self.target {
            Target::Named { kind: k, name } => k == kind && names.contains(&name.as_str()),
            Target::Selector { kind: k, name } => {
                k.as_deref().is_none_or(|k| k == kind)
                    && name
                        .as_ref()
                        .is_none_or(|re| names.iter().any(|n| re.is_match(n)))
            }
        }
    }

    /// The node that sets `field` in this document.
    fn find(&self, field: &[String]) -> Option<&Node> {
        match self.role {
            Role::Resource | Role::Smp => node_at(&self.node, field),
            Role::Json6902 => {
                let mut found = None;
                for op in self.node.items()? {
                    let Some(p) = op.str_at(&["path"]) else {
                        continue;
                    };
                    let segs = pointer(p);
                    let value = op.get("value");
                    if field.starts_with(&segs) {
                        if let Some(n) = value.and_then(|v| node_at(v, &field[segs.len()..])) {
                            found = Some(n);
                        } else if segs.len() == field.len() {
                            found = Some(op.get("path").unwrap_or(op));
                        }
                    } else if segs.starts_with(field) {
                        found = Some(value.unwrap_or(op));
                    }
                }
                found
            }
        }
    }

    /// The key of the deepest part of `field` present (the document's first
    /// key when none is).
    fn deepest(&self, field: &[String]) -> (usize, usize) {
        let start = self.node.entries().and_then(|e| e.first()).map(|(k, _)| k);
        let mut best = start.unwrap_or(&self.node);
        if self.role == Role::Json6902 {
            return self.pos(best);
        }
        let mut cur = &self.node;
        for s in field {
            match cur.entry(s) {
                Some((k, v)) => {
                    best = k;
                    cur = v;
                }
                None => break,
            }
        }
        self.pos(best)
    }
}

/// Follows mapping keys and list indexes through a node tree.
pub fn node_at<'n>(n: &'n Node, segs: &[String]) -> Option<&'n Node> {
    let mut cur = n;
    for s in segs {
        cur = match &cur.kind {
            Kind::Map { .. } => cur.get(s)?,
            Kind::Seq { items, .. } => items.get(s.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn maps(root: &Node) -> Vec<&Node> {
    // a List's items are resources of their own
    let is_list = root.str_at(&["kind"]).is_some_and(|k| k.ends_with("List"))
        && root.get("items").is_some_and(|i| i.items().is_some());
    if is_list {
        root.get("items")
            .and_then(|i| i.items())
            .map(|i| i.iter().filter(|n| n.entries().is_some()).collect())
            .unwrap_or_default()
    } else if root.entries().is_some() {
        vec![root]
    } else {
        Vec::new()
    }
}

impl Locator {
    /// The documents of every kustomization `root` builds from.
    pub fn for_root(snap: &Snapshot<'_>, graph: &Graph, root: &str) -> Locator {
        let mut docs = Vec::new();
        for dir in graph.closure(root) {
            let Some(k) = graph.kusts.get(&dir) else {
                continue;
            };
            let Some(src) = snap.text(&k.file).and_then(|t| Source::parse(&t).ok()) else {
                continue;
            };
            let Some(Some(kn)) = src.docs.first() else {
                continue;
            };
            let base = if dir == "." { "" } else { dir.as_str() };
            let path_of = |e: &str| rel_str(&join_clean(Path::new(base), e.trim()));
            let list = |key: &str| -> Vec<&Node> {
                kn.get(key)
                    .and_then(|n| n.items())
                    .map(|i| i.iter().collect())
                    .unwrap_or_default()
            };
            for key in ["resources", "bases"] {
                for e in list(key) {
                    let Some(s) = e.as_str() else { continue };
                    let p = path_of(s);
                    if snap.has_file(&p) {
                        file_docs(snap, &p, Role::Resource, None, &mut docs);
                    }
                }
            }
            for e in list("patchesStrategicMerge") {
                let Some(s) = e.as_str() else { continue };
                if s.contains('\n') || s.contains(": ") || s.trim().starts_with('{') {
                    inline_docs(&src, &k.file, e, None, false, &mut docs);
                } else {
                    file_docs(snap, &path_of(s), Role::Smp, None, &mut docs);
                }
            }
            for (key, ops) in [("patches", false), ("patchesJson6902", true)] {
                for e in list(key) {
                    let target = target_of(e.get("target"));
                    if let Some(p) = e.str_at(&["path"]) {
                        let role = if ops { Role::Json6902 } else { Role::Smp };
                        file_docs(snap, &path_of(p), role, target, &mut docs);
                    } else if let Some(n) = e.get("patch") {
                        inline_docs(&src, &k.file, n, target, ops, &mut docs);
                    }
                }
            }
        }
        Locator { docs }
    }

    /// The documents of one file that no kustomization reads.
    pub fn for_file(snap: &Snapshot<'_>, path: &str) -> Locator {
        let mut docs = Vec::new();
        file_docs(snap, path, Role::Resource, None, &mut docs);
        Locator { docs }
    }

    /// Where `field` of the resource (`kind`, known by `names`) is set, or
    /// where it belongs when `missing`.
    pub fn locate(
        &self,
        kind: &str,
        names: &[&str],
        field: &[String],
        missing: bool,
        changed: &dyn Fn(&str) -> bool,
    ) -> Option<Pos> {
        let about: Vec<&Doc> = self.docs.iter().filter(|d| d.about(kind, names)).collect();
        let pos = |d: &Doc, (line, col): (usize, usize)| Pos {
            path: d.file.clone(),
            line,
            col,
        };
        if !missing {
            for d in about.iter().rev() {
                if let Some(n) = d.find(field) {
                    return Some(pos(d, d.pos(n)));
                }
            }
        }
        let d = about
            .iter()
            .rev()
            .find(|d| changed(&d.file))
            .or(about.last())?;
        Some(pos(d, d.deepest(field)))
    }
}

fn file_docs(
    snap: &Snapshot<'_>,
    path: &str,
    role: Role,
    target: Option<Target>,
    out: &mut Vec<Doc>,
) {
    let Some(src) = snap.text(path).and_then(|t| Source::parse(&t).ok()) else {
        return;
    };
    for root in src.docs.iter().flatten() {
        let role = match (&role, &root.kind) {
            (Role::Smp, Kind::Seq { .. }) => Role::Json6902,
            (r, _) => r.clone(),
        };
        let nodes: Vec<&Node> = if role == Role::Json6902 {
            vec![root]
        } else {
            maps(root)
        };
        for n in nodes {
            out.push(Doc {
                file: path.to_string(),
                node: n.clone(),
                off: Some((0, 0)),
                at: (n.line, n.col),
                role: role.clone(),
                target: target.clone().unwrap_or_else(|| named(n)),
            });
        }
    }
}

fn inline_docs(
    src: &Source,
    file: &str,
    scalar: &Node,
    target: Option<Target>,
    ops: bool,
    out: &mut Vec<Doc>,
) {
    let Some(text) = scalar.as_str() else { return };
    let Ok(inner) = Source::parse(text) else {
        return;
    };
    let off = block_offsets(src, scalar);
    for root in inner.docs.iter().flatten() {
        let role = if ops || matches!(root.kind, Kind::Seq { .. }) {
            Role::Json6902
        } else {
            Role::Smp
        };
        out.push(Doc {
            file: file.to_string(),
            node: root.clone(),
            off,
            at: (scalar.line, scalar.col),
            role,
            target: target.clone().unwrap_or_else(|| named(root)),
        });
    }
}
