//! The two decisions of `apply` that delete objects, kept out of the run
//! itself:
//!
//! - **Re-create**: which live objects the API server would refuse to update
//!   in place. Against a cluster this is asked of the server with a
//!   server-side dry run (`kubectl apply --dry-run=server`) of the objects
//!   that exist; exactly those it refuses are deleted and re-created, with
//!   its own reason. The built-in immutable-field rules (`diff::immutable`)
//!   are only for planning without a cluster (`apply --dry-run`, `diff`).
//! - **Prune**: which objects a component's last successful apply sent
//!   (recorded in the state file) that its render no longer has. Only those
//!   are candidates, so nothing that this tool did not apply is ever pruned.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::kube::{Cluster, KubeError, ObjKey, Rejected};
use crate::resource::split_api_version;

/// An object the server refuses to update in place, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub key: ObjKey,
    /// The server's message(s) (`spec: Forbidden: updates to statefulset
    /// spec for fields other than ...`).
    pub message: String,
}

/// What the server's dry run said about a set of updates.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Updates refused because a field cannot change: these need a
    /// re-create.
    pub refused: Vec<Refusal>,
    /// Anything else the server refused (validation, admission,
    /// permissions): the apply would fail the same way.
    pub errors: Vec<String>,
}

/// Whether a refusal names this object (kind, group and name; kubectl's
/// messages carry no namespace).
pub fn names(k: &ObjKey, r: &Rejected) -> bool {
    k.name == r.name && k.kind == r.kind && split_api_version(&k.api_version).0 == r.group
}

/// Asks the API server, with a server-side dry run of `objects` (live
/// objects and their rendered form), which of the updates it refuses.
pub fn server_refusals(
    cluster: &dyn Cluster,
    objects: &[(&ObjKey, &Json)],
    server_side: bool,
) -> Result<Verdict, KubeError> {
    if objects.is_empty() {
        return Ok(Verdict::default());
    }
    let list: Vec<Json> = objects.iter().map(|(_, j)| (*j).clone()).collect();
    let res = cluster.apply_dry_run(&list, server_side)?;
    let mut v = Verdict {
        refused: Vec::new(),
        errors: res.errors,
    };
    for r in res.immutable {
        match objects.iter().find(|(k, _)| names(k, &r)) {
            Some((k, _)) => match v.refused.iter_mut().find(|x| &x.key == *k) {
                Some(x) => {
                    x.message.push_str("; ");
                    x.message.push_str(&r.message);
                }
                None => v.refused.push(Refusal {
                    key: (*k).clone(),
                    message: r.message,
                }),
            },
            None => v
                .errors
                .push(format!("{} {}: {}", r.kind, r.name, r.message)),
        }
    }
    Ok(v)
}

/// An object's identity across API versions: group, kind, namespace, name.
pub type Identity = (String, String, Option<String>, String);

/// The [`Identity`] of a key.
pub fn identity(k: &ObjKey) -> Identity {
    (
        split_api_version(&k.api_version).0.to_string(),
        k.kind.clone(),
        k.namespace.clone().filter(|n| !n.is_empty()),
        k.name.clone(),
    )
}

/// Kinds never pruned: deleting them deletes what they hold (every object
/// of a namespace, every custom resource of a definition), including
/// objects this tool never applied.
pub fn never_pruned(k: &ObjKey) -> bool {
    matches!(
        (split_api_version(&k.api_version).0, k.kind.as_str()),
        ("", "Namespace") | ("apiextensions.k8s.io", "CustomResourceDefinition")
    )
}

/// The prune candidates of a component: what its last successful apply
/// sent (`recorded`) that neither its render nor the render of any other
/// component of the plan (`elsewhere`, an object that moved) has. Returns
/// (to prune, left because of [`never_pruned`]).
pub fn prune_candidates(
    recorded: &[ObjKey],
    rendered: &[ObjKey],
    elsewhere: &BTreeSet<Identity>,
) -> (Vec<ObjKey>, Vec<ObjKey>) {
    let here: BTreeSet<_> = rendered.iter().map(identity).collect();
    let mut prune = Vec::new();
    let mut left = Vec::new();
    for k in recorded {
        let id = identity(k);
        if here.contains(&id) || elsewhere.contains(&id) {
            continue;
        }
        if never_pruned(k) {
            left.push(k.clone());
        } else if !prune.contains(k) {
            prune.push(k.clone());
        }
    }
    (prune, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(av: &str, kind: &str, ns: Option<&str>, name: &str) -> ObjKey {
        ObjKey {
            api_version: av.into(),
            kind: kind.into(),
            namespace: ns.map(String::from),
            name: name.into(),
        }
    }

    #[test]
    fn prune_takes_only_recorded_objects_the_plan_no_longer_renders() {
        let recorded = vec![
            key("v1", "ConfigMap", Some("rok"), "old"),
            key("apps/v1", "Deployment", Some("rok"), "api"),
            key("v1", "Namespace", None, "gone"),
            key("v1", "Service", Some("rok"), "moved"),
            key("apps/v1beta1", "Deployment", Some("rok"), "web"),
        ];
        let rendered = vec![
            key("apps/v1", "Deployment", Some("rok"), "api"),
            // another version of the same group: the same object
            key("apps/v1", "Deployment", Some("rok"), "web"),
            key("v1", "ConfigMap", Some("rok"), "new"),
        ];
        let elsewhere: BTreeSet<_> = [identity(&key("v1", "Service", Some("rok"), "moved"))]
            .into_iter()
            .collect();
        let (prune, left) = prune_candidates(&recorded, &rendered, &elsewhere);
        assert_eq!(prune, vec![key("v1", "ConfigMap", Some("rok"), "old")]);
        assert_eq!(left, vec![key("v1", "Namespace", None, "gone")]);
    }

    #[test]
    fn refusals_name_objects_by_kind_group_and_name() {
        let k = key("storage.k8s.io/v1", "StorageClass", None, "rok");
        let r = Rejected {
            kind: "StorageClass".into(),
            group: "storage.k8s.io".into(),
            name: "rok".into(),
            message: "parameters: Forbidden".into(),
        };
        assert!(names(&k, &r));
        assert!(!names(&key("v1", "StorageClass", None, "rok"), &r));
    }
}
