//! The plan's component forms and rules beyond a kustomization and its
//! readiness rules, as the vendor guides need them:
//!
//! - plain manifests (`kubectl apply -f FILE|DIR`), such as the v0.15
//!   guide's `rok/rok-istio-ingress/rok-istio-1-3-1.yaml`;
//! - components of steps only (no path): verification, housekeeping;
//! - conditions (`unless-exists`), decided against the live cluster when
//!   a run starts ("if you don't already run Redis");
//! - rules that select objects by name prefix (the upgrade Job
//!   `rok-upgrade-XYZ`) and commands run in a pod whose output must match
//!   (`rok-config version`).

use serde_json::Value as Json;

use super::kube::{exec_args, get_args, Cluster, KubeError, ObjKey};
use crate::diff::side::Source;
use crate::plan::{Component, Condition, ExecCheck, ObjectRef, ReadyRule};
use crate::resource::{Origin, Resource};
use crate::yaml::Value;

/// How a component's objects are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `kubectl apply -k PATH`
    Kustomization,
    /// `kubectl apply -f PATH`
    Manifests,
    /// No path: steps and waits only.
    StepsOnly,
}

impl Form {
    /// The vendor's command for the component, for messages.
    pub fn command(self, path: &str) -> String {
        match self {
            Form::Kustomization => format!("kubectl apply -k {path}"),
            Form::Manifests => format!("kubectl apply -f {path}"),
            Form::StepsOnly => String::new(),
        }
    }
}

fn is_manifest_name(name: &str) -> bool {
    // the extensions `kubectl apply -f DIR` reads
    name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json")
}

/// The files of plain manifests at `path` of the side: the file itself,
/// or the manifest files directly in the directory (as `kubectl apply -f
/// DIR` without `-R`), in name order. `None` when nothing is there.
/// Files read: (path, bytes).
type Files = Vec<(String, Vec<u8>)>;

fn manifest_files(source: &Source<'_>, path: &str) -> Result<Option<Files>, String> {
    match source {
        Source::Dir { path: base, .. } => {
            let p = base.join(path);
            if p.is_file() {
                let b = std::fs::read(&p).map_err(|e| format!("{path}: cannot read: {e}"))?;
                return Ok(Some(vec![(path.to_string(), b)]));
            }
            if !p.is_dir() {
                return Ok(None);
            }
            let mut names: Vec<String> = std::fs::read_dir(&p)
                .map_err(|e| format!("{path}: cannot read: {e}"))?
                .flatten()
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| is_manifest_name(n))
                .collect();
            names.sort();
            let mut out = Vec::new();
            for n in names {
                let b = std::fs::read(p.join(&n)).map_err(|e| format!("{path}/{n}: {e}"))?;
                out.push((format!("{path}/{n}"), b));
            }
            Ok(Some(out))
        }
        Source::Tree { repo, tree, .. } => {
            let Ok(entry) = tree.get_path(std::path::Path::new(path)) else {
                return Ok(None);
            };
            let obj = entry
                .to_object(repo)
                .map_err(|e| format!("{path}: {}", e.message()))?;
            if let Some(b) = obj.as_blob() {
                return Ok(Some(vec![(path.to_string(), b.content().to_vec())]));
            }
            let Some(t) = obj.as_tree() else {
                return Ok(None);
            };
            let mut out = Vec::new();
            for e in t.iter() {
                let Ok(n) = e.name() else { continue };
                if !is_manifest_name(n) || e.kind() != Some(git2::ObjectType::Blob) {
                    continue;
                }
                let b = e
                    .to_object(repo)
                    .map_err(|er| format!("{path}/{n}: {}", er.message()))?;
                if let Some(b) = b.as_blob() {
                    out.push((format!("{path}/{n}"), b.content().to_vec()));
                }
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(Some(out))
        }
    }
}

/// Plain manifests as resources; `List` objects are unpacked as kubectl
/// does.
fn manifests(files: Files) -> Result<Vec<Resource>, String> {
    let mut out = Vec::new();
    for (f, bytes) in files {
        let text = String::from_utf8(bytes).map_err(|_| format!("{f}: not UTF-8 text"))?;
        let docs = crate::yaml::parse_documents(&text)
            .map_err(|e| format!("{f}:{}:{}: {}", e.line, e.col, e.msg))?;
        for d in docs {
            if matches!(d.value, Value::Null) {
                continue;
            }
            let origin = Origin {
                file: f.clone(),
                line: d.line,
            };
            let is_list = d
                .value
                .get("kind")
                .and_then(|k| k.scalar_string())
                .as_deref()
                == Some("List");
            let items: Vec<Value> = if is_list {
                d.value
                    .get("items")
                    .and_then(|i| i.as_seq())
                    .map(|s| s.to_vec())
                    .unwrap_or_default()
            } else {
                vec![d.value]
            };
            for v in items {
                let r = Resource::new(v, origin.clone());
                if r.kind().is_empty() || r.api_version().is_empty() || r.name().is_empty() {
                    return Err(format!(
                        "{f}:{}: a manifest needs apiVersion, kind and metadata.name",
                        d.line
                    ));
                }
                out.push(r);
            }
        }
    }
    Ok(out)
}

/// The objects of a component and how they were read: a kustomization
/// when the path holds one, else plain manifests, else an error.
pub fn load(source: &Source<'_>, c: &Component) -> Result<(Vec<Resource>, Form), String> {
    if c.steps_only() {
        return Ok((Vec::new(), Form::StepsOnly));
    }
    match load_path(source, &c.path)? {
        Some(x) => Ok(x),
        None => Err("no kustomization, manifest file or directory of manifests here".into()),
    }
}

/// [`load`] of a path; `None` when the side has nothing there.
pub fn load_path(source: &Source<'_>, path: &str) -> Result<Option<(Vec<Resource>, Form)>, String> {
    if let Some(r) = source.build(path)? {
        return Ok(Some((r, Form::Kustomization)));
    }
    match manifest_files(source, path)? {
        Some(files) => Ok(Some((manifests(files)?, Form::Manifests))),
        None => Ok(None),
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

/// The objects a condition looks up: its list, or the rendered objects.
pub fn condition_keys(cond: &Condition, rendered: &[ObjKey]) -> Vec<ObjKey> {
    match cond {
        Condition::UnlessExists(refs) => refs.iter().map(ref_key).collect(),
        Condition::UnlessRenderedExist => rendered.to_vec(),
    }
}

/// Whether the component is skipped: `Some(reason)` when every object its
/// condition names exists in the cluster now.
pub fn skip_reason(
    cluster: &dyn Cluster,
    cond: &Condition,
    rendered: &[ObjKey],
) -> Result<Option<String>, KubeError> {
    let keys = condition_keys(cond, rendered);
    if keys.is_empty() {
        return Ok(None);
    }
    for k in &keys {
        if cluster.get(k)?.is_none() {
            return Ok(None);
        }
    }
    let what = if keys.len() > 3 {
        format!("its {} objects exist already", keys.len())
    } else {
        format!(
            "{} already exist{}",
            keys.iter()
                .map(ObjKey::display)
                .collect::<Vec<_>>()
                .join(", "),
            if keys.len() == 1 { "s" } else { "" }
        )
    };
    Ok(Some(format!("skipped: {what} (already running)")))
}

/// The dry run of a condition: what it means and the commands that decide it.
pub fn describe_condition(
    cluster: &dyn Cluster,
    cond: &Condition,
    rendered: &[ObjKey],
) -> Vec<String> {
    let mut out = vec![format!(
        "  applied {}; decided against the cluster when the run starts:",
        cond.describe()
    )];
    for k in condition_keys(cond, rendered) {
        out.push(format!("      $ {}", cluster.command_line(&get_args(&k))));
    }
    out
}

/// Objects of a readiness rule selected by name prefix (after the name or
/// label selection).
pub fn filter_prefix(r: &ReadyRule, objs: Vec<Json>) -> Vec<Json> {
    match &r.name_prefix {
        None => objs,
        Some(p) => objs
            .into_iter()
            .filter(|o| {
                o.pointer("/metadata/name")
                    .and_then(Json::as_str)
                    .is_some_and(|n| n.starts_with(p.as_str()))
            })
            .collect(),
    }
}

/// `None` when the command's output matches; else why not (a failed
/// command counts as not yet: pods restart during an upgrade).
pub fn exec_pending(cluster: &dyn Cluster, x: &ExecCheck) -> Option<String> {
    let re = match regex::Regex::new(&x.matches) {
        Ok(r) => r,
        Err(e) => return Some(format!("{}: bad pattern: {e}", x.describe())),
    };
    match cluster.exec(
        x.namespace.as_deref(),
        &x.target,
        x.container.as_deref(),
        &x.command,
    ) {
        Ok(out) if re.is_match(&out) => None,
        Ok(out) => {
            let first = out.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            Some(format!("{}: not yet (it prints: {first})", x.describe()))
        }
        Err(e) => Some(format!("{}: not yet ({e})", x.describe())),
    }
}

/// The command line of an exec check, for the dry run.
pub fn exec_command(cluster: &dyn Cluster, x: &ExecCheck) -> String {
    cluster.command_line(&exec_args(
        x.namespace.as_deref(),
        &x.target,
        x.container.as_deref(),
        &x.command,
    ))
}

/// A Secret an object needs before it is applied, and the key it must
/// hold: the `spec.backupSpec` secret of an aerospike-operator
/// `AerospikeCluster` (its webhook refuses the cluster otherwise; the
/// upgrading-clusters guide: `secretNamespace` defaults to the cluster's
/// namespace, `secretKey` to `key.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretNeed {
    /// `AerospikeCluster prod/as-cluster-0`
    pub who: String,
    pub secret: ObjKey,
    pub key: String,
}

/// The secrets the rendered objects need.
pub fn secret_needs(objs: &[(ObjKey, &Resource)]) -> Vec<SecretNeed> {
    let mut out = Vec::new();
    for (k, r) in objs {
        let group = crate::resource::split_api_version(&k.api_version).0;
        if group != "aerospike.travelaudience.com" || k.kind != "AerospikeCluster" {
            continue;
        }
        let Some(st) = r
            .obj
            .get("spec")
            .and_then(|s| s.get("backupSpec"))
            .and_then(|b| b.get("storage"))
        else {
            continue;
        };
        let s = |f: &str| {
            st.get(f)
                .and_then(|v| v.scalar_string())
                .filter(|v| !v.is_empty())
        };
        let Some(name) = s("secret") else { continue };
        let ns = s("secretNamespace")
            .or_else(|| k.namespace.clone())
            .unwrap_or_else(|| "default".into());
        out.push(SecretNeed {
            who: k.display(),
            secret: ObjKey {
                api_version: "v1".into(),
                kind: "Secret".into(),
                namespace: Some(ns),
                name,
            },
            key: s("secretKey").unwrap_or_else(|| "key.json".into()),
        });
    }
    out
}

/// `None` when the secret exists and holds the key; else what is wrong.
/// Only the names of the secret's keys are looked at, never their values.
pub fn secret_problem(cluster: &dyn Cluster, n: &SecretNeed) -> Result<Option<String>, KubeError> {
    let Some(live) = cluster.get(&n.secret)? else {
        return Ok(Some(format!(
            "{}: its spec.backupSpec secret {} does not exist; create it (with the key {}) first: aerospike-operator's webhook refuses the cluster without it",
            n.who,
            n.secret.display(),
            n.key
        )));
    };
    let has = |f: &str| {
        live.get(f)
            .and_then(Json::as_object)
            .is_some_and(|m| m.contains_key(&n.key))
    };
    if has("data") || has("stringData") {
        return Ok(None);
    }
    let keys: Vec<String> = live
        .get("data")
        .and_then(Json::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    Ok(Some(format!(
        "{}: the secret {} has no key {} (its keys: {}); aerospike-operator's webhook refuses the cluster (\"secret does not contain expected field\")",
        n.who,
        n.secret.display(),
        n.key,
        if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
    )))
}
