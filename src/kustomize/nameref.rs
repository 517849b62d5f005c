//! Fixes references to objects whose names changed (prefix/suffix, hash
//! suffixes, namespaces): ConfigMap/Secret/ServiceAccount/PVC/Service names
//! in workloads, RBAC subjects and roleRefs, and the rest of kustomize's
//! name-reference configuration.
//!
//! kustomize's rules (api/filters/nameref), reproduced here:
//! - a referrer is any resource whose GVK a name-reference field spec
//!   selects; the value found at the spec's path is a name (a scalar, a list
//!   of them, or a mapping with `name` and maybe `namespace`);
//! - candidates are resources one of whose *earlier* names equals the value,
//!   of the target GVK, reachable from the referrer (cluster-scoped on either
//!   side, the same namespace, a ServiceAccount, or a namespace named by a
//!   RoleBinding's ServiceAccount subjects), for `roleRef/name` of the
//!   roleRef's kind and group; a mapping with a `namespace` narrows them to
//!   that original (else current) namespace;
//! - one candidate wins; several are narrowed to those with the same name
//!   prefixes/suffixes as the referrer; still several is an error unless
//!   they all carry the same name (and namespace, for mappings).
//!
//! Candidates are found through an index of earlier names, so the work is
//! linear in the number of reference fields, not quadratic in resources.

use std::collections::{HashMap, HashSet};

use super::fieldspec::{backref_pairs_for, split_path, walk, CreateKind, TransformerConfig};
use super::transformers::{effective_ns, name_prefixes, name_suffixes, strip_build_annotations};
use crate::resource::Resource;
use crate::yaml::Value;

/// What name references need to know about each resource (none of it
/// changes while references are fixed).
struct Snap {
    group: String,
    version: String,
    kind: String,
    name: String,
    /// Current namespace as written (may be empty).
    ns: String,
    cluster: bool,
    eff_ns: String,
    /// Effective namespace of the original id.
    org_eff_ns: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Snap {
    fn of(r: &Resource) -> Snap {
        let cluster = r.is_cluster_scoped();
        let (org_ns, _) = r.original_ns_name();
        Snap {
            group: r.group().to_string(),
            version: r.version().to_string(),
            kind: r.kind().to_string(),
            name: r.name().to_string(),
            ns: r.namespace().to_string(),
            cluster,
            eff_ns: effective_ns(cluster, r.namespace()),
            org_eff_ns: effective_ns(cluster, &org_ns),
            prefixes: name_prefixes(r),
            suffixes: name_suffixes(r),
        }
    }

    /// The id as kustomize prints it: `Kind.version.group/name.namespace`.
    fn id_string(&self) -> String {
        crate::resource::id_message(&self.kind, &self.version, &self.group, &self.name, &self.ns)
    }
}

/// kustomize's `SameEndingSubarray`: one list ends with the other (two
/// empty lists match; an empty list matches only an empty one).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

/// The referrer being fixed.
struct Referrer<'a> {
    snap: &'a Snap,
    /// Namespaces of ServiceAccount subjects, when the referrer is a
    /// RoleBinding.
    rb_namespaces: Vec<String>,
    /// `(group, kind)` of `roleRef`, when it has both.
    role_ref: Option<(String, String)>,
}

/// The whole list, indexed.
struct Ctx<'a> {
    snaps: &'a [Snap],
    /// Earlier name -> resources that had it, in resource order.
    by_prev_name: HashMap<&'a str, Vec<usize>>,
    /// Original effective namespaces of namespaced resources.
    org_ns: HashSet<&'a str>,
    /// (original effective namespace, current effective namespace).
    org_eff: HashSet<(&'a str, &'a str)>,
    /// (original effective namespace, current namespace as written).
    org_raw: HashSet<(&'a str, &'a str)>,
}

/// How a reference names its target.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form<'a> {
    /// A bare name.
    Scalar,
    /// A mapping with `name`, and `namespace` when given.
    Mapping(Option<&'a str>),
}

impl<'a> Ctx<'a> {
    fn new(snaps: &'a [Snap], prev: &'a [Vec<String>]) -> Ctx<'a> {
        let mut by_prev_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, names) in prev.iter().enumerate() {
            for (k, n) in names.iter().enumerate() {
                if names[..k].contains(n) {
                    continue;
                }
                by_prev_name.entry(n.as_str()).or_default().push(i);
            }
        }
        let mut org_ns = HashSet::new();
        let mut org_eff = HashSet::new();
        let mut org_raw = HashSet::new();
        for s in snaps.iter().filter(|s| !s.cluster) {
            org_ns.insert(s.org_eff_ns.as_str());
            org_eff.insert((s.org_eff_ns.as_str(), s.eff_ns.as_str()));
            org_raw.insert((s.org_eff_ns.as_str(), s.ns.as_str()));
        }
        Ctx {
            snaps,
            by_prev_name,
            org_ns,
            org_eff,
            org_raw,
        }
    }

    /// Whether `c` is in the set of resources the referrer could refer to.
    fn reachable(&self, r: &Referrer, c: &Snap) -> bool {
        r.snap.cluster || c.cluster || c.eff_ns == r.snap.eff_ns || r.rb_namespaces.contains(&c.ns)
    }

    /// Whether some reachable namespaced resource originally lived in `ns`.
    fn reachable_org_ns(&self, r: &Referrer, ns: &str) -> bool {
        if r.snap.cluster {
            return self.org_ns.contains(ns);
        }
        self.org_eff.contains(&(ns, r.snap.eff_ns.as_str()))
            || r.rb_namespaces
                .iter()
                .any(|n| self.org_raw.contains(&(ns, n.as_str())))
    }

    /// kustomize's referral selection; `Ok(None)`: leave the value alone.
    fn select(
        &self,
        r: &Referrer,
        old_name: &str,
        target: (&str, &str, &str),
        role_ref_path: bool,
        form: Form,
    ) -> Result<Option<usize>, String> {
        let Some(list) = self.by_prev_name.get(old_name) else {
            return Ok(None);
        };
        // For a mapping with a namespace, the candidates are those whose
        // original namespace is that one if any reachable resource has it,
        // else those currently in it.
        let by_org = match form {
            Form::Mapping(Some(ns)) => Some((ns, self.reachable_org_ns(r, ns))),
            _ => None,
        };
        let rs = r.snap;
        let mut cands: Vec<usize> = Vec::new();
        for &i in list {
            let c = &self.snaps[i];
            if !self.reachable(r, c) {
                continue;
            }
            if let Some((ns, org)) = by_org {
                let in_ns = !c.cluster
                    && if org {
                        c.org_eff_ns == ns
                    } else {
                        c.eff_ns == ns
                    };
                if !in_ns {
                    continue;
                }
            }
            if !gvk_selects(target.0, target.1, target.2, &c.group, &c.version, &c.kind) {
                continue;
            }
            if role_ref_path {
                if let Some((g, k)) = &r.role_ref {
                    if !gvk_selects(g, "", k, &c.group, &c.version, &c.kind) {
                        continue;
                    }
                }
            }
            if !rs.cluster && !c.cluster && c.kind != "ServiceAccount" && c.eff_ns != rs.eff_ns {
                continue;
            }
            cands.push(i);
        }
        if cands.len() == 1 {
            return Ok(Some(cands[0]));
        }
        cands.retain(|&i| {
            let c = &self.snaps[i];
            same_ending(&c.prefixes, &rs.prefixes) && same_ending(&c.suffixes, &rs.suffixes)
        });
        match cands.len() {
            0 => Ok(None),
            1 => Ok(Some(cands[0])),
            _ => {
                let first = &self.snaps[cands[0]];
                let identical = cands.iter().all(|&i| {
                    let c = &self.snaps[i];
                    c.name == first.name && (form == Form::Scalar || c.ns == first.ns)
                });
                if identical {
                    return Ok(Some(cands[0]));
                }
                let ids: Vec<String> = cands.iter().map(|&i| self.snaps[i].id_string()).collect();
                Err(format!(
                    "found multiple possible referrals: {}\n\n**** Too many possible referral targets to referrer: {}",
                    ids.join(", "),
                    rs.id_string()
                ))
            }
        }
    }
}

fn gvk_selects(sg: &str, sv: &str, sk: &str, g: &str, v: &str, k: &str) -> bool {
    super::fieldspec::gvk_selects(sg, sv, sk, g, v, k)
}

/// Text of a scalar node as kustomize reads it.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        other => other.scalar_string().unwrap_or_default(),
    }
}

/// Fixes the reference(s) found at the end of a name-reference path.
fn fix_node(
    ctx: &Ctx,
    r: &Referrer,
    node: &mut Value,
    target: (&str, &str, &str),
    role_ref_path: bool,
    in_seq: bool,
) -> Result<(), String> {
    match node {
        Value::Null => Ok(()),
        Value::Seq(items) if !in_seq => {
            for it in items.iter_mut() {
                fix_node(ctx, r, it, target, role_ref_path, true)?;
            }
            Ok(())
        }
        Value::Seq(_) => Err(
            "a name reference list element is expected to be either a string or a map of string"
                .into(),
        ),
        Value::Map(m) => {
            let Some(name_node) = m.get("name") else {
                return Err("path config error; no 'name' field in node".into());
            };
            let old = text(name_node);
            let ns = m.get("namespace").map(text);
            let Some(i) =
                ctx.select(r, &old, target, role_ref_path, Form::Mapping(ns.as_deref()))?
            else {
                return Ok(());
            };
            let c = &ctx.snaps[i];
            if c.name == old && c.ns.is_empty() {
                return Ok(());
            }
            m.insert("name".into(), Value::Str(c.name.clone()));
            if !c.ns.is_empty() {
                m.insert("namespace".into(), Value::Str(c.ns.clone()));
            }
            Ok(())
        }
        scalar => {
            let old = text(scalar);
            if let Some(i) = ctx.select(r, &old, target, role_ref_path, Form::Scalar)? {
                let c = &ctx.snaps[i];
                if c.name != old {
                    *scalar = Value::Str(c.name.clone());
                }
            }
            Ok(())
        }
    }
}

/// Namespaces of a RoleBinding's ServiceAccount subjects.
fn role_binding_namespaces(r: &Resource) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    if r.kind() != "RoleBinding" {
        return Ok(out);
    }
    let Some(Value::Seq(subjects)) = r.obj.get("subjects") else {
        return Ok(out);
    };
    for s in subjects {
        let Value::Map(m) = s else { continue };
        let (Some(ns), Some(kind)) = (m.get("namespace"), m.get("kind")) else {
            continue;
        };
        if kind.as_str() != Some("ServiceAccount") {
            continue;
        }
        match ns {
            Value::Str(n) => out.push(n.clone()),
            _ => {
                return Err(format!(
                    "Invalid Input: namespace is blank for resource \"{}\"",
                    r.id()
                ))
            }
        }
    }
    Ok(out)
}

/// `(apiGroup, kind)` of a binding's `roleRef`, when both are there.
fn role_ref(r: &Resource) -> Option<(String, String)> {
    let rr = r.obj.get("roleRef")?;
    let g = rr.get("apiGroup").filter(|v| !v.is_null())?;
    let k = rr.get("kind").filter(|v| !v.is_null())?;
    Some((text(g), text(k)))
}

/// Rewrites every name reference to a resource that was renamed (or moved
/// to another namespace), then drops the internal prefix/suffix
/// annotations. Called once, after the whole build (kustomize's
/// FixBackReferences).
pub fn fix_name_references(res: &mut [Resource], cfg: &TransformerConfig) -> Result<(), String> {
    let result = fix(res, cfg);
    strip_build_annotations(res);
    result
}

fn fix(res: &mut [Resource], cfg: &TransformerConfig) -> Result<(), String> {
    // kubectl refuses a RoleBinding whose ServiceAccount subject has a
    // `namespace:` key with no value in every build, whether or not anything
    // was renamed (an absent key or "" is fine; ClusterRoleBindings are not
    // checked): confirmed against kubectl 1.37
    for r in res.iter() {
        role_binding_namespaces(r)?;
    }
    if cfg.name_reference.is_empty() || res.is_empty() {
        return Ok(());
    }
    let snaps: Vec<Snap> = res.iter().map(Snap::of).collect();
    let prev: Vec<Vec<String>> = res
        .iter()
        .map(|r| r.previous.iter().map(|(_, n)| n.clone()).collect())
        .collect();
    let ctx = Ctx::new(&snaps, &prev);
    if ctx.by_prev_name.is_empty() {
        return Ok(());
    }
    // Split paths once per spec.
    let paths: Vec<Vec<Vec<String>>> = cfg
        .name_reference
        .iter()
        .map(|b| b.referrers.iter().map(|s| split_path(&s.path)).collect())
        .collect();
    let mut cache = HashMap::new();
    for (i, r) in res.iter_mut().enumerate() {
        let s = &snaps[i];
        let pairs = backref_pairs_for(cfg, &mut cache, &s.group, &s.version, &s.kind);
        if pairs.is_empty() {
            continue;
        }
        let referrer = Referrer {
            snap: s,
            rb_namespaces: role_binding_namespaces(r)?,
            role_ref: role_ref(r),
        };
        for (bi, si) in pairs {
            let b = &cfg.name_reference[bi];
            let spec_path = &cfg.name_reference[bi].referrers[si].path;
            let target = (b.group.as_str(), b.version.as_str(), b.kind.as_str());
            let role_ref_path = spec_path.ends_with("roleRef/name");
            walk(
                &mut r.obj,
                &paths[bi][si],
                false,
                CreateKind::Nothing,
                &mut |node| fix_node(&ctx, &referrer, node, target, role_ref_path, false),
            )
            .map_err(|e| {
                format!(
                    "updating name reference in '{}' field of '{}': {}",
                    spec_path,
                    s.id_string(),
                    e
                )
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::transformers;

    fn res(text: &str) -> Vec<Resource> {
        crate::resource::resources_for_test(text)
    }

    fn cfg() -> TransformerConfig {
        TransformerConfig::defaults()
    }

    #[test]
    fn prefix_updates_workload_refs() {
        let mut r = res("apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      serviceAccountName: sa
      containers:
      - envFrom: [{configMapRef: {name: cm}}, {configMapRef: {name: other}}]
      volumes: [{name: v, configMap: {name: cm}}]
");
        transformers::prefix_suffix(&mut r, "p-", "", &cfg()).unwrap();
        fix_name_references(&mut r, &cfg()).unwrap();
        let d = &r[2].obj;
        assert_eq!(d.str_at(&["metadata", "name"]), Some("p-d"));
        assert_eq!(
            d.str_at(&["spec", "template", "spec", "serviceAccountName"]),
            Some("p-sa")
        );
        let c = &d
            .get_path(&["spec", "template", "spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap()[0];
        let ef = c.get("envFrom").unwrap().as_seq().unwrap();
        assert_eq!(ef[0].str_at(&["configMapRef", "name"]), Some("p-cm"));
        assert_eq!(ef[1].str_at(&["configMapRef", "name"]), Some("other"));
        let vols = d
            .get_path(&["spec", "template", "spec", "volumes"])
            .unwrap()
            .as_seq()
            .unwrap();
        assert_eq!(vols[0].str_at(&["configMap", "name"]), Some("p-cm"));
        // internal annotations are gone
        assert_eq!(r[0].obj.get_path(&["metadata", "annotations"]), None);
    }

    #[test]
    fn subjects_follow_namespace_change() {
        let mut r = res("apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cr}
subjects:
- {kind: ServiceAccount, name: sa, namespace: old}
- {kind: ServiceAccount, name: sa2}
- {kind: ServiceAccount, name: sa, namespace: elsewhere}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa, namespace: old}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa2}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cr}
");
        transformers::namespace(&mut r, "newns", &cfg()).unwrap();
        transformers::prefix_suffix(&mut r, "p-", "", &cfg()).unwrap();
        fix_name_references(&mut r, &cfg()).unwrap();
        let subj = r[0].obj.get("subjects").unwrap().as_seq().unwrap();
        assert_eq!(subj[0].str_at(&["name"]), Some("p-sa"));
        assert_eq!(subj[0].str_at(&["namespace"]), Some("newns"));
        assert_eq!(subj[1].str_at(&["name"]), Some("p-sa2"));
        assert_eq!(subj[1].str_at(&["namespace"]), Some("newns"));
        assert_eq!(subj[2].str_at(&["name"]), Some("sa"));
        assert_eq!(subj[2].str_at(&["namespace"]), Some("elsewhere"));
        assert_eq!(r[0].obj.str_at(&["roleRef", "name"]), Some("p-cr"));
    }

    #[test]
    fn ambiguity_resolved_by_prefixes_or_error() {
        // two ConfigMaps once named "cm", renamed by different prefixes;
        // each Deployment follows the one that shares its prefix
        let base = "apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec: {template: {spec: {volumes: [{name: v, configMap: {name: cm}}]}}}
";
        let mut a = res(base);
        transformers::prefix_suffix(&mut a, "a-", "", &cfg()).unwrap();
        let mut b = res(base);
        transformers::prefix_suffix(&mut b, "b-", "", &cfg()).unwrap();
        let mut all: Vec<Resource> = a.into_iter().chain(b).collect();
        fix_name_references(&mut all, &cfg()).unwrap();
        let vol = |r: &Resource| {
            r.obj
                .get_path(&["spec", "template", "spec", "volumes"])
                .unwrap()
                .as_seq()
                .unwrap()[0]
                .str_at(&["configMap", "name"])
                .map(str::to_string)
        };
        assert_eq!(vol(&all[1]).as_deref(), Some("a-cm"));
        assert_eq!(vol(&all[3]).as_deref(), Some("b-cm"));

        // a single candidate wins whatever the prefixes
        let mut c = res(base);
        transformers::prefix_suffix(&mut c, "a-", "", &cfg()).unwrap();
        let mut e = res("apiVersion: v1\nkind: Pod\nmetadata: {name: pod}\nspec: {volumes: [{name: v, configMap: {name: cm}}]}\n");
        c.append(&mut e);
        fix_name_references(&mut c, &cfg()).unwrap();
        let v = &c[2]
            .obj
            .get_path(&["spec", "volumes"])
            .unwrap()
            .as_seq()
            .unwrap()[0];
        assert_eq!(v.str_at(&["configMap", "name"]), Some("a-cm"));

        // two candidates with the same context and different names: error
        let mut r = res("apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: x}
---
apiVersion: v1
kind: Pod
metadata: {name: pod}
spec: {volumes: [{name: v, configMap: {name: cm}}]}
");
        r[1].set_name("cm");
        r[1].set_name("other");
        transformers::prefix_suffix(&mut r, "p-", "", &cfg()).unwrap();
        let err = fix_name_references(&mut r, &cfg()).unwrap_err();
        assert!(err.contains("found multiple possible referrals"), "{err}");
    }

    #[test]
    fn other_namespace_not_reachable() {
        let mut r = res("apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: a}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: b}
spec: {volumes: [{name: v, configMap: {name: cm}}]}
");
        transformers::prefix_suffix(&mut r, "x-", "", &cfg()).unwrap();
        fix_name_references(&mut r, &cfg()).unwrap();
        let v = &r[1]
            .obj
            .get_path(&["spec", "volumes"])
            .unwrap()
            .as_seq()
            .unwrap()[0];
        assert_eq!(v.str_at(&["configMap", "name"]), Some("cm"));
    }

    #[test]
    fn role_ref_kind_decides() {
        let mut r = res("apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}
");
        transformers::prefix_suffix(&mut r, "p-", "", &cfg()).unwrap();
        r[1].set_name("cluster-r");
        fix_name_references(&mut r, &cfg()).unwrap();
        assert_eq!(r[2].obj.str_at(&["roleRef", "name"]), Some("cluster-r"));
    }
}
