//! Field-level comparison of two objects. Mappings are compared key by key;
//! lists of objects are matched item by item on their merge keys (the
//! strategic-merge keys of the built-in kinds, else the first of a few
//! common keys that identifies every item), so an inserted or reordered
//! container is one change, not a change of the whole list.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use crate::kustomize::patch_smp::list_merge_keys;
use crate::yaml::Value;

/// One step of a change's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A list position (lists without merge keys, same length on both sides).
    Index(usize),
    /// A list item picked by its merge keys, e.g. `name=app`.
    Item(Vec<(String, String)>),
}

/// What happened at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    Added,
    Removed,
    Changed,
}

impl ChangeOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Added => "added",
            ChangeOp::Removed => "removed",
            ChangeOp::Changed => "changed",
        }
    }
}

/// One changed field.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: Vec<Segment>,
    pub op: ChangeOp,
    /// The old value (None when added).
    pub old: Option<Value>,
    /// The new value (None when removed).
    pub new: Option<Value>,
    /// The values were replaced by a mask (Secret data).
    pub masked: bool,
    /// Why the API server refuses this change (the object must be re-created).
    pub immutable: Option<String>,
}

impl Change {
    /// The leading mapping keys of the path (up to the first list step).
    pub fn keys(&self) -> Vec<&str> {
        self.path
            .iter()
            .map_while(|s| match s {
                Segment::Key(k) => Some(k.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// `spec.template.spec.containers[name=app].image`; keys that are not plain
/// identifiers are quoted: `metadata.labels["app.kubernetes.io/name"]`.
pub struct PathDisplay<'a>(pub &'a [Segment]);

impl fmt::Display for PathDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Segment::Key(k) => {
                    let plain = !k.is_empty()
                        && k.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'$'
                        });
                    if plain {
                        if i > 0 {
                            f.write_char('.')?;
                        }
                        f.write_str(k)?;
                    } else {
                        write!(f, "[{}]", serde_json::Value::String(k.clone()))?;
                    }
                }
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Item(kv) => {
                    f.write_char('[')?;
                    for (j, (k, v)) in kv.iter().enumerate() {
                        if j > 0 {
                            f.write_char(',')?;
                        }
                        write!(f, "{k}={v}")?;
                    }
                    f.write_char(']')?;
                }
            }
        }
        Ok(())
    }
}

/// Keys tried, in order, for lists of objects the schema does not know.
const FALLBACK_KEYS: &[&str] = &[
    "name",
    "containerPort",
    "port",
    "mountPath",
    "devicePath",
    "ip",
    "key",
    "topologyKey",
    "type",
];

/// The changes from `old` to `new`, objects of the given kind.
pub fn diff_objects(api_version: &str, kind: &str, old: &Value, new: &Value) -> Vec<Change> {
    let mut d = Differ {
        api_version,
        kind,
        keys: Vec::new(),
        path: Vec::new(),
        out: Vec::new(),
    };
    d.value(old, new);
    d.out
}

struct Differ<'a> {
    api_version: &'a str,
    kind: &'a str,
    /// Mapping keys from the root (list steps left out), for the schema.
    keys: Vec<String>,
    path: Vec<Segment>,
    out: Vec<Change>,
}

impl Differ<'_> {
    fn push(&mut self, op: ChangeOp, old: Option<&Value>, new: Option<&Value>) {
        self.out.push(Change {
            path: self.path.clone(),
            op,
            old: old.cloned(),
            new: new.cloned(),
            masked: false,
            immutable: None,
        });
    }

    fn value(&mut self, old: &Value, new: &Value) {
        match (old, new) {
            (Value::Map(a), Value::Map(b)) => {
                for (k, av) in a {
                    self.path.push(Segment::Key(k.clone()));
                    self.keys.push(k.clone());
                    match b.get(k) {
                        Some(bv) => self.value(av, bv),
                        None => self.push(ChangeOp::Removed, Some(av), None),
                    }
                    self.keys.pop();
                    self.path.pop();
                }
                for (k, bv) in b {
                    if !a.contains_key(k) {
                        self.path.push(Segment::Key(k.clone()));
                        self.push(ChangeOp::Added, None, Some(bv));
                        self.path.pop();
                    }
                }
            }
            (Value::Seq(a), Value::Seq(b)) => self.seq(a, b, old, new),
            _ => {
                if !same_scalar(old, new) {
                    self.push(ChangeOp::Changed, Some(old), Some(new));
                }
            }
        }
    }

    fn seq(&mut self, a: &[Value], b: &[Value], old: &Value, new: &Value) {
        if a == b {
            return;
        }
        let all_maps = a.iter().chain(b).all(|v| matches!(v, Value::Map(_)));
        if all_maps {
            if let Some(keys) = self.item_keys(a, b) {
                let ka: Vec<Vec<(String, String)>> = a.iter().map(|v| item_key(v, &keys)).collect();
                let kb: Vec<Vec<(String, String)>> = b.iter().map(|v| item_key(v, &keys)).collect();
                let index_b: HashMap<&Vec<(String, String)>, usize> =
                    kb.iter().enumerate().map(|(i, k)| (k, i)).collect();
                for (i, k) in ka.iter().enumerate() {
                    self.path.push(Segment::Item(k.clone()));
                    match index_b.get(k) {
                        Some(&j) => self.value(&a[i], &b[j]),
                        None => self.push(ChangeOp::Removed, Some(&a[i]), None),
                    }
                    self.path.pop();
                }
                let index_a: HashMap<&Vec<(String, String)>, usize> =
                    ka.iter().enumerate().map(|(i, k)| (k, i)).collect();
                for (j, k) in kb.iter().enumerate() {
                    if !index_a.contains_key(k) {
                        self.path.push(Segment::Item(k.clone()));
                        self.push(ChangeOp::Added, None, Some(&b[j]));
                        self.path.pop();
                    }
                }
                return;
            }
            if a.len() == b.len() {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    self.path.push(Segment::Index(i));
                    self.value(x, y);
                    self.path.pop();
                }
                return;
            }
        }
        self.push(ChangeOp::Changed, Some(old), Some(new));
    }

    /// Merge keys that identify every item of both lists uniquely.
    fn item_keys(&self, a: &[Value], b: &[Value]) -> Option<Vec<String>> {
        let keys: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        if let Some(schema) = list_merge_keys(self.api_version, self.kind, &keys) {
            if !schema.is_empty() && identifies(a, b, &schema) {
                return Some(schema);
            }
        }
        FALLBACK_KEYS
            .iter()
            .map(|k| vec![k.to_string()])
            .find(|k| identifies(a, b, k))
    }
}

/// Scalars compare by value; an integer and the same float are equal.
fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        _ => a == b,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Map(_) | Value::Seq(_) | Value::Null => None,
        other => other.scalar_string(),
    }
}

/// The item's key values (keys after the first may be absent).
fn item_key(v: &Value, keys: &[String]) -> Vec<(String, String)> {
    keys.iter()
        .filter_map(|k| v.get(k).and_then(scalar_text).map(|s| (k.clone(), s)))
        .collect()
}

fn identifies(a: &[Value], b: &[Value], keys: &[String]) -> bool {
    let Some(first) = keys.first() else {
        return false;
    };
    for side in [a, b] {
        let mut seen = std::collections::HashSet::new();
        for v in side {
            if v.get(first).and_then(scalar_text).is_none() {
                return false;
            }
            if !seen.insert(item_key(v, keys)) {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    fn changes(old: &str, new: &str) -> Vec<String> {
        let a = parse_one(old).unwrap();
        let b = parse_one(new).unwrap();
        let av = a.str_at(&["apiVersion"]).unwrap_or("").to_string();
        let k = a.str_at(&["kind"]).unwrap_or("").to_string();
        diff_objects(&av, &k, &a, &b)
            .iter()
            .map(|c| format!("{} {}", c.op.as_str(), PathDisplay(&c.path)))
            .collect()
    }

    #[test]
    fn containers_by_name() {
        let old = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x:1\n      - name: b\n        image: y:1\n";
        let new = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: z:1\n      - name: b\n        image: y:1\n      - name: a\n        image: x:2\n";
        assert_eq!(
            changes(old, new),
            vec![
                "changed spec.template.spec.containers[name=a].image",
                "added spec.template.spec.containers[name=c]"
            ]
        );
    }

    #[test]
    fn quoted_keys_and_scalar_lists() {
        let old = "kind: X\nmetadata:\n  labels:\n    app.kubernetes.io/name: a\nargs: [a, b]\n";
        let new = "kind: X\nmetadata:\n  labels:\n    app.kubernetes.io/name: b\nargs: [a, c]\n";
        assert_eq!(
            changes(old, new),
            vec![
                "changed metadata.labels[\"app.kubernetes.io/name\"]",
                "changed args"
            ]
        );
    }
}
