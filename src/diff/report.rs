//! The diff as text (a summary table, then each changed resource's fields)
//! or as JSON (the stable shape documented in the README).

use std::fmt::Write as _;

use serde_json::{json, Map as JsonMap, Value as Json};

use super::fields::{Change, ChangeOp, PathDisplay, Segment};
use super::run::{RootOutcome, Side};
use super::side::SideInfo;
use super::{Operation, ResourceDiff};
use crate::textdiff::{self, Endings};
use crate::yaml::{emit_document, Value};

/// Everything a run found.
#[derive(Debug, Clone)]
pub struct Report {
    pub from: SideInfo,
    pub to: SideInfo,
    /// How messages name the two sides (`--from HEAD`, `working-tree`).
    pub labels: [String; 2],
    pub roots: Vec<String>,
    /// Changed, added and removed resources (unchanged ones are left out).
    pub resources: Vec<ResourceDiff>,
    /// How many matched resources had no change.
    pub unchanged: usize,
    /// Per root, in the order of `roots`.
    pub root_stats: Vec<RootStat>,
    /// The roots that could not be compared.
    pub errors: Vec<RootError>,
}

/// The counts of one root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootStat {
    pub root: String,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub recreate: usize,
    pub unchanged: usize,
    /// A side did not render: the counts are all 0.
    pub failed: bool,
}

/// A root that could not be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootError {
    pub root: String,
    /// The side that did not render (`None`: the root could not be
    /// compared at all).
    pub side: Option<Side>,
    /// `path:line:col: what is wrong`, as the renderer says it.
    pub error: String,
}

/// How text is printed.
#[derive(Debug, Clone, Copy)]
pub struct TextStyle {
    pub color: bool,
    /// Lines of context in text diffs of multi-line strings.
    pub context: usize,
    /// Only the summary line of each root (`--stat`).
    pub stat: bool,
}

impl Report {
    /// The report of a run, from the outcome of each root.
    pub fn new(
        from: SideInfo,
        to: SideInfo,
        labels: [String; 2],
        outcomes: Vec<RootOutcome>,
    ) -> Report {
        let mut r = Report {
            from,
            to,
            labels,
            roots: outcomes.iter().map(|o| o.root.clone()).collect(),
            resources: Vec::new(),
            unchanged: 0,
            root_stats: Vec::new(),
            errors: Vec::new(),
        };
        for o in outcomes {
            let count = |op| o.diff.diffs.iter().filter(|d| d.op == op).count();
            r.root_stats.push(RootStat {
                root: o.root.clone(),
                added: count(Operation::Added),
                removed: count(Operation::Removed),
                changed: count(Operation::Changed),
                recreate: o.diff.diffs.iter().filter(|d| d.recreate()).count(),
                unchanged: o.diff.unchanged,
                failed: !o.errors.is_empty(),
            });
            r.unchanged += o.diff.unchanged;
            r.resources.extend(o.diff.diffs);
            r.errors
                .extend(o.errors.into_iter().map(|(side, error)| RootError {
                    root: o.root.clone(),
                    side,
                    error,
                }));
        }
        r
    }

    pub fn count(&self, op: Operation) -> usize {
        self.resources.iter().filter(|r| r.op == op).count()
    }

    pub fn recreate_count(&self) -> usize {
        self.resources.iter().filter(|r| r.recreate()).count()
    }

    pub fn has_differences(&self) -> bool {
        !self.resources.is_empty()
    }

    /// How many roots could not be compared.
    pub fn failed_roots(&self) -> usize {
        self.root_stats.iter().filter(|s| s.failed).count()
    }

    /// One line for a root that could not be compared:
    /// `does not render on the --to HEAD side: path:line:col: what`.
    pub fn error_text(&self, e: &RootError) -> String {
        match e.side {
            Some(side) => format!(
                "does not render on the {} side: {}",
                self.labels[side as usize], e.error
            ),
            None => format!("not compared: {}", e.error),
        }
    }
}

/// A value as plain JSON.
pub fn to_json_value(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => json!(i),
        Value::Uint(u) => json!(u),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(s) => Json::Array(s.iter().map(to_json_value).collect()),
        Value::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), to_json_value(v)))
                .collect::<JsonMap<String, Json>>(),
        ),
    }
}

fn segment_json(s: &Segment) -> Json {
    match s {
        Segment::Key(k) => Json::String(k.clone()),
        Segment::Index(i) => json!(i),
        Segment::Item(kv) => Json::Object(
            kv.iter()
                .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                .collect(),
        ),
    }
}

/// Both values are strings and one has several lines.
fn multiline_pair(c: &Change) -> Option<(&str, &str)> {
    if c.masked {
        return None;
    }
    match (c.old.as_ref(), c.new.as_ref()) {
        (Some(Value::Str(a)), Some(Value::Str(b))) if a.contains('\n') || b.contains('\n') => {
            Some((a, b))
        }
        _ => None,
    }
}

fn side_json(s: &SideInfo) -> Json {
    json!({"kind": s.kind, "spec": s.spec, "commit": s.commit, "path": s.path})
}

/// The JSON document; without `details` (`--stat`) the `resources` list
/// is left out.
pub fn to_json(r: &Report, context: usize, details: bool) -> Json {
    let mut doc = json!({
        "from": side_json(&r.from),
        "to": side_json(&r.to),
        "roots": r.roots,
        "summary": {
            "added": r.count(Operation::Added),
            "removed": r.count(Operation::Removed),
            "changed": r.count(Operation::Changed),
            "unchanged": r.unchanged,
            "recreate": r.recreate_count(),
            "failed": r.failed_roots(),
        },
        "root_stats": r.root_stats.iter().map(|s| json!({
            "root": s.root,
            "added": s.added,
            "removed": s.removed,
            "changed": s.changed,
            "unchanged": s.unchanged,
            "recreate": s.recreate,
            "failed": s.failed,
        })).collect::<Vec<_>>(),
        "errors": r.errors.iter().map(|e| json!({
            "root": e.root,
            "side": e.side.map(Side::as_str),
            "error": e.error,
        })).collect::<Vec<_>>(),
    });
    if details {
        doc["resources"] = Json::Array(
            r.resources
                .iter()
                .map(|d| resource_json(d, context))
                .collect(),
        );
    }
    doc
}

fn resource_json(d: &ResourceDiff, context: usize) -> Json {
    let changes: Vec<Json> = d
        .changes
        .iter()
        .map(|c| {
            json!({
                "path": PathDisplay(&c.path).to_string(),
                "segments": c.path.iter().map(segment_json).collect::<Vec<_>>(),
                "op": c.op.as_str(),
                "old": c.old.as_ref().map(to_json_value),
                "new": c.new.as_ref().map(to_json_value),
                "masked": c.masked,
                "text_diff": multiline_pair(c).map(|(a, b)| value_diff(a, b, context)),
                "immutable": c.immutable,
            })
        })
        .collect();
    json!({
        "root": d.root,
        "operation": d.op.as_str(),
        "api_version": d.api_version,
        "group": d.id.group,
        "kind": d.id.kind,
        "namespace": d.id.namespace,
        "name": d.id.name,
        "old_name": d.old_name,
        "recreate": d.recreate(),
        "recreate_reasons": d.recreate_reasons,
        "changes": changes,
    })
}

struct Paint {
    on: bool,
}

impl Paint {
    fn p(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn side_text(s: &SideInfo) -> String {
    match (s.kind, &s.commit) {
        ("revision", Some(c)) => format!("{} ({})", s.spec, &c[..c.len().min(12)]),
        ("worktree", _) => "the working tree".to_string(),
        _ => s.spec.clone(),
    }
}

/// A value on one line when it is a short scalar, else YAML lines.
fn value_lines(v: &Value) -> (Option<String>, Vec<String>) {
    let text = emit_document(v);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    // A top-level plain scalar ends with the document end marker.
    let text = text.strip_suffix("\n...").unwrap_or(text);
    let multi = matches!(v, Value::Map(m) if !m.is_empty())
        || matches!(v, Value::Seq(s) if !s.is_empty())
        || text.contains('\n');
    if multi {
        (None, text.lines().map(str::to_string).collect())
    } else {
        (Some(text.to_string()), Vec::new())
    }
}

/// The text report: the roots with differences or failures, one line
/// each; then (unless `stat`) the table of resources and the details.
pub fn to_text(r: &Report, style: TextStyle) -> String {
    let paint = Paint { on: style.color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Comparing {} with {}: {} root(s).",
        side_text(&r.from),
        side_text(&r.to),
        r.roots.len()
    );
    let failed = r.failed_roots();
    if !r.has_differences() && failed == 0 {
        let _ = writeln!(
            out,
            "No differences ({} resource(s) compared).",
            r.unchanged
        );
        return out;
    }
    // A line per root that changes or fails.
    out.push('\n');
    let mut quiet = 0;
    for s in &r.root_stats {
        if s.failed {
            for e in r.errors.iter().filter(|e| e.root == s.root) {
                let line = format!("{}: {}", s.root, r.error_text(e));
                let _ = writeln!(out, "{}", paint.p("1;31", &line));
            }
        } else if s.added + s.removed + s.changed > 0 {
            let _ = writeln!(
                out,
                "{}: {} changed, {} added, {} removed, {} re-create",
                s.root, s.changed, s.added, s.removed, s.recreate
            );
        } else {
            quiet += 1;
        }
    }
    if quiet > 0 {
        let _ = writeln!(out, "({quiet} other root(s) without differences)");
    }
    let totals = format!(
        "{} added, {} removed, {} changed, {} unchanged; {} must be re-created{}.",
        r.count(Operation::Added),
        r.count(Operation::Removed),
        r.count(Operation::Changed),
        r.unchanged,
        r.recreate_count(),
        if failed > 0 {
            format!("; {failed} root(s) not compared")
        } else {
            String::new()
        }
    );
    if style.stat {
        let _ = writeln!(out, "\n{totals}");
        return out;
    }
    // Summary table: a row per resource, and one per root that failed.
    let mut rows: Vec<([String; 5], &str)> = Vec::new();
    for d in &r.resources {
        let mut name = d.id.ns_name();
        if let Some(o) = &d.old_name {
            name = format!("{name} (was {o})");
        }
        let code = match d.op {
            Operation::Added => "32",
            Operation::Removed => "31",
            Operation::Changed if d.recreate() => "1;31",
            Operation::Changed => "33",
        };
        let recreate = if d.recreate() { "recreate" } else { "" };
        let row = [
            d.root.clone(),
            d.op.as_str().to_string(),
            d.id.kind_group(),
            name,
            recreate.into(),
        ];
        rows.push((row, code));
    }
    let failures: Vec<[String; 2]> = r
        .errors
        .iter()
        .map(|e| [e.root.clone(), r.error_text(e)])
        .collect();
    let head = ["ROOT", "OP", "KIND", "NAME", "RECREATE"];
    let mut w = head.map(str::len);
    for (row, _) in &rows {
        for (i, c) in row.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    for f in &failures {
        w[0] = w[0].max(f[0].chars().count());
        w[1] = w[1].max("failed".len());
    }
    out.push('\n');
    let line = |cells: [&str; 5]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i == 4 {
                s.push_str(c);
            } else {
                let _ = write!(s, "{c:<width$}  ", width = w[i]);
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", paint.p("1", &line(head)));
    for (row, code) in &rows {
        let text = line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
        let _ = writeln!(out, "{}", paint.p(code, &text));
    }
    for [root, msg] in &failures {
        // the message runs over the last columns
        let text = format!(
            "{root:<w0$}  {:<w1$}  {msg}",
            "failed",
            w0 = w[0],
            w1 = w[1]
        );
        let _ = writeln!(out, "{}", paint.p("1;31", &text));
    }
    let _ = writeln!(out, "\n{totals}");
    // Details.
    for d in r.resources.iter().filter(|d| d.op == Operation::Changed) {
        out.push('\n');
        let mut title = format!("{} {} (root {})", d.id.kind_group(), d.id.ns_name(), d.root);
        if let Some(o) = &d.old_name {
            let _ = write!(title, ", renamed from {o}");
        }
        let _ = writeln!(out, "{}", paint.p("1", &title));
        for c in &d.changes {
            write_change(&mut out, c, &paint, style.context);
        }
    }
    out
}

fn write_change(out: &mut String, c: &Change, paint: &Paint, context: usize) {
    let path = PathDisplay(&c.path).to_string();
    let (mark, code) = match c.op {
        ChangeOp::Added => ("+", "32"),
        ChangeOp::Removed => ("-", "31"),
        ChangeOp::Changed => ("~", "33"),
    };
    let head = format!("  {mark} {path}:");
    if c.masked && !matches!(c.old.as_ref().or(c.new.as_ref()), Some(Value::Map(_))) {
        let what = match c.op {
            ChangeOp::Added => "added",
            ChangeOp::Removed => "removed",
            ChangeOp::Changed => "changed",
        };
        let _ = writeln!(
            out,
            "{}",
            paint.p(
                code,
                &format!("{head} {what} (value hidden; --show-secrets shows it)")
            )
        );
    } else if let Some((a, b)) = multiline_pair(c) {
        let _ = writeln!(out, "{}", paint.p(code, &head));
        for l in value_diff(a, b, context).lines() {
            let col = match l.as_bytes().first() {
                Some(b'+') => "32",
                Some(b'-') => "31",
                Some(b'@') => "36",
                _ => "",
            };
            let text = format!("      {l}");
            let _ = writeln!(
                out,
                "{}",
                if col.is_empty() {
                    text
                } else {
                    paint.p(col, &text)
                }
            );
        }
    } else {
        let old = c.old.as_ref().map(value_lines);
        let new = c.new.as_ref().map(value_lines);
        match (&old, &new) {
            (Some((Some(a), _)), Some((Some(b), _))) => {
                let _ = writeln!(out, "{}", paint.p(code, &format!("{head} {a} -> {b}")));
            }
            (None, Some((Some(b), _))) => {
                let _ = writeln!(out, "{}", paint.p(code, &format!("{head} {b}")));
            }
            (Some((Some(a), _)), None) => {
                let _ = writeln!(out, "{}", paint.p(code, &format!("{head} {a}")));
            }
            _ => {
                let _ = writeln!(out, "{}", paint.p(code, &head));
                for (label, v, col) in [("old:", &old, "31"), ("new:", &new, "32")] {
                    let Some((inline, lines)) = v else { continue };
                    let both = old.is_some() && new.is_some();
                    let indent = if both { "        " } else { "      " };
                    if both {
                        let _ = writeln!(out, "      {label}");
                    }
                    if let Some(s) = inline {
                        let _ = writeln!(out, "{}", paint.p(col, &format!("{indent}{s}")));
                    }
                    for l in lines {
                        let _ = writeln!(out, "{}", paint.p(col, &format!("{indent}{l}")));
                    }
                }
            }
        }
    }
    if let Some(reason) = &c.immutable {
        let _ = writeln!(
            out,
            "      {}",
            paint.p("1;31", &format!("recreate: {reason}"))
        );
    }
}

/// The line diff of a multi-line value (a ConfigMap's script): lines
/// compared without their endings.
fn value_diff(a: &str, b: &str, context: usize) -> String {
    textdiff::unified(
        a,
        b,
        textdiff::Options {
            context,
            endings: Endings::Normalize,
            path: None,
        },
    )
}
