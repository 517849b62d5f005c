//! Changes the API server refuses on update, so that the object must be
//! deleted and re-created. The built-in rules follow the validation of the
//! Kubernetes API (apps, batch, storage and core groups); [`RecreateHint`]
//! adds more (the `recreate` hints of migration catalogs).

use super::fields::{Change, ChangeOp};
use super::Identity;
use crate::resource::Resource;
use crate::yaml::Value;

/// An extra rule: a change at or below `path` (mapping keys from the
/// object's root; empty means any change) of objects of `kind` (and `group`
/// when given) needs a re-create, for `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecreateHint {
    pub group: Option<String>,
    pub kind: String,
    /// Only objects in this namespace (None: any).
    pub namespace: Option<String>,
    /// Only objects with this name (None: all of the kind).
    pub name: Option<String>,
    pub path: Vec<String>,
    pub reason: String,
}

impl RecreateHint {
    fn applies(&self, id: &Identity, keys: &[&str]) -> bool {
        self.kind == id.kind
            && self.group.as_ref().is_none_or(|g| *g == id.group)
            && self.namespace.as_ref().is_none_or(|n| *n == id.namespace)
            && self.name.as_ref().is_none_or(|n| *n == id.name)
            && keys.len() >= self.path.len()
            && self.path.iter().zip(keys).all(|(a, b)| a == b)
    }
}

const STS_MUTABLE: &[&str] = &[
    "replicas",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
    "ordinals",
];

/// Why the API server refuses `c`, if it does.
pub fn check(
    id: &Identity,
    old: &Resource,
    new: &Resource,
    c: &Change,
    hints: &[RecreateHint],
) -> Option<String> {
    let keys = c.keys();
    let g = id.group.as_str();
    let k = id.kind.as_str();
    let builtin = match (g, k, keys.as_slice()) {
        ("apps", "StatefulSet", ["spec"]) => Some(
            "StatefulSet spec: only replicas, template, updateStrategy, \
             persistentVolumeClaimRetentionPolicy, minReadySeconds and ordinals may change"
                .to_string(),
        ),
        ("apps", "StatefulSet", ["spec", f, ..]) if !STS_MUTABLE.contains(f) => Some(format!(
            "StatefulSet spec.{f} is immutable (only replicas, template, updateStrategy, \
             persistentVolumeClaimRetentionPolicy, minReadySeconds and ordinals may change)"
        )),
        ("storage.k8s.io", "StorageClass", [f, ..])
            if matches!(
                *f,
                "parameters" | "provisioner" | "reclaimPolicy" | "volumeBindingMode"
            ) =>
        {
            Some(format!("StorageClass {f} is immutable"))
        }
        ("apps", "Deployment" | "DaemonSet" | "ReplicaSet", ["spec", "selector", ..]) => {
            Some(format!("{k} spec.selector is immutable in apps/v1"))
        }
        ("apps", "Deployment" | "DaemonSet" | "ReplicaSet", ["spec"])
            if selector_differs(old, new) =>
        {
            Some(format!("{k} spec.selector is immutable in apps/v1"))
        }
        ("batch", "Job", ["spec", f @ ("template" | "selector"), ..]) => {
            Some(format!("Job spec.{f} is immutable"))
        }
        ("batch", "Job", ["spec"]) => {
            Some("Job spec.template and spec.selector are immutable".into())
        }
        ("", "PersistentVolumeClaim", ["spec", rest @ ..]) => pvc(rest, c),
        ("", "Service", ["spec", "clusterIP"]) => Some(
            "Service spec.clusterIP is immutable (except to or from \"None\" by re-creating)"
                .to_string(),
        )
        .filter(|_| c.op != ChangeOp::Added || !is_empty_ip(c.new.as_ref())),
        ("", "ConfigMap" | "Secret", [f @ ("data" | "binaryData" | "stringData"), ..])
            if old.obj.get("immutable") == Some(&Value::Bool(true)) && old.name() == new.name() =>
        {
            Some(format!("{k} is immutable: true, its {f} cannot change"))
        }
        ("", "ConfigMap" | "Secret", ["immutable"])
            if old.obj.get("immutable") == Some(&Value::Bool(true)) =>
        {
            Some(format!("{k} immutable: true cannot be unset"))
        }
        _ => None,
    };
    if builtin.is_some() {
        return builtin;
    }
    hints
        .iter()
        .find(|h| h.applies(id, &keys))
        .map(|h| h.reason.clone())
}

fn is_empty_ip(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null)) || v.and_then(Value::as_str) == Some("")
}

fn selector_differs(old: &Resource, new: &Resource) -> bool {
    old.obj.get_path(&["spec", "selector"]) != new.obj.get_path(&["spec", "selector"])
}

/// PersistentVolumeClaim: only `resources.requests` may change, and only
/// grow (volume expansion).
fn pvc(rest: &[&str], c: &Change) -> Option<String> {
    match rest {
        ["resources", "requests", res, ..] => {
            let old = c.old.as_ref().and_then(quantity);
            let new = c.new.as_ref().and_then(quantity);
            match (c.op, old, new) {
                (ChangeOp::Changed, Some(o), Some(n)) if n >= o => None,
                (ChangeOp::Changed, Some(_), Some(_)) => Some(format!(
                    "PersistentVolumeClaim spec.resources.requests.{res} can only grow"
                )),
                _ => Some(format!(
                    "PersistentVolumeClaim spec.resources.requests.{res} can only grow \
                     (it cannot be added, removed or made unreadable)"
                )),
            }
        }
        ["resources", "requests"] | ["resources"] if requests_only_grow(c) => None,
        [] => {
            Some("PersistentVolumeClaim spec is immutable except resources.requests growth".into())
        }
        [f, ..] => Some(format!(
            "PersistentVolumeClaim spec.{f} is immutable (only resources.requests may grow)"
        )),
    }
}

/// A change of the whole `resources` or `requests` mapping that only grows
/// requests.
fn requests_only_grow(c: &Change) -> bool {
    let reqs = |v: &Option<Value>| -> Option<Value> {
        let v = v.as_ref()?;
        Some(v.get("requests").cloned().unwrap_or_else(|| v.clone()))
    };
    let (Some(Value::Map(o)), Some(Value::Map(n))) = (reqs(&c.old), reqs(&c.new)) else {
        return false;
    };
    if c.keys().len() == 2 {
        // Other keys of `resources` (limits) changed too.
        let other = |v: &Option<Value>| {
            v.as_ref()
                .and_then(Value::as_map)
                .map(|m| m.iter().filter(|(k, _)| *k != "requests").count())
                .unwrap_or(0)
        };
        if other(&c.old) > 0 || other(&c.new) > 0 {
            return false;
        }
    }
    o.len() == n.len()
        && o.iter().all(|(k, ov)| {
            matches!((quantity(ov), n.get(k).and_then(quantity)), (Some(a), Some(b)) if b >= a)
        })
}

/// A Kubernetes quantity (`10Gi`, `500M`, `1.5`, `100m`, `1e3`) as a number.
pub fn quantity(v: &Value) -> Option<f64> {
    let s = match v {
        Value::Int(i) => return Some(*i as f64),
        Value::Uint(u) => return Some(*u as f64),
        Value::Float(f) => return Some(*f),
        Value::Str(s) => s.trim(),
        _ => return None,
    };
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    for (suf, mul) in SUFFIXES {
        if let Some(num) = s.strip_suffix(suf) {
            return parse_num(num).map(|n| n * mul);
        }
    }
    parse_num(s)
}

fn parse_num(s: &str) -> Option<f64> {
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// The `recreate` hints of a migration catalog: the resources its release
/// notes say must be deleted and re-created, whatever changed in them.
pub fn recreate_hints_of(c: &crate::migrate::Catalog) -> Vec<RecreateHint> {
    c.hints
        .recreate
        .iter()
        .map(|r| RecreateHint {
            group: r
                .api_version
                .as_deref()
                .map(|av| crate::resource::split_api_version(av).0.to_string()),
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: Some(r.name.clone()),
            path: Vec::new(),
            reason: format!(
                "the {} migration catalog says {} {} must be re-created in this release",
                c.name, r.kind, r.name
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_match_kind_namespace_name_and_path() {
        let h = RecreateHint {
            group: Some("apps".into()),
            kind: "StatefulSet".into(),
            namespace: Some("rok-system".into()),
            name: Some("rok-operator".into()),
            path: Vec::new(),
            reason: "catalog rok-v0.15: re-create".into(),
        };
        let id = Identity {
            group: "apps".into(),
            kind: "StatefulSet".into(),
            namespace: "rok-system".into(),
            name: "rok-operator".into(),
        };
        assert!(h.applies(&id, &["spec", "replicas"]));
        let other = Identity {
            name: "x".into(),
            ..id.clone()
        };
        assert!(!h.applies(&other, &["spec"]));
        let deep = RecreateHint {
            path: vec!["spec".into(), "template".into()],
            ..h
        };
        assert!(deep.applies(&id, &["spec", "template", "spec"]));
        assert!(!deep.applies(&id, &["spec", "replicas"]));
    }

    #[test]
    fn quantities() {
        assert_eq!(
            quantity(&Value::Str("10Gi".into())),
            Some(10.0 * 1073741824.0)
        );
        assert_eq!(quantity(&Value::Str("500M".into())), Some(5e8));
        assert_eq!(quantity(&Value::Str("100m".into())), Some(0.1));
        assert_eq!(quantity(&Value::Str("1e3".into())), Some(1000.0));
        assert_eq!(quantity(&Value::Int(5)), Some(5.0));
        assert_eq!(quantity(&Value::Str("lots".into())), None);
        assert!(quantity(&Value::Str("1Gi".into())) > quantity(&Value::Str("1000Mi".into())));
    }
}
