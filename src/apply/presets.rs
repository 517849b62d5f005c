//! Plans the vendor's upgrade guides describe, written by
//! `gitops-upgrade init --preset <name>`: the guides' steps in their
//! order, with their paths. Each component cites the guide and step it
//! comes from (vendor-guides/ in the project's shared documents):
//!
//! - `rok-v0.15`: "Rok v0.15, Upgrade on Kubernetes", steps 3 to 7 and the
//!   housekeeping of the renamed `<cluster>-metadata` ConfigMap;
//! - `rok`: "Upgrades on Kubernetes" (release to release): management
//!   environment, drain, disk manager, kmod, cluster, operator,
//!   verification.
//!
//! Component paths are the vendor repository's (`rok/<component>/overlays/
//! deploy`); `init` drops the `rok/` prefix when the repository is the Rok
//! tree itself. Components whose path the caller's tree lacks are written
//! as comments, so that the plan applies as written.

/// The presets: name and one-line description.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "rok-v0.15",
        "Rok v0.14 -> v0.15 (the v0.15 guide, steps 3-7): disk manager, kmod, operator (StatefulSet deleted first), StorageClass deleted, Redis/Istio 1.3.1/ingress/Dex/AuthService unless already running, cluster, verification, housekeeping",
    ),
    (
        "rok",
        "Rok, release to release (the generic guide): rok-tools (optional), drain (operator and CSI controller to zero, csi-node logs quiet 30s), disk manager, kmod, cluster, operator, verification",
    ),
];

struct Comp {
    name: &'static str,
    /// Below the prefix; empty for a component of steps only.
    path: &'static str,
    /// Comment lines written above the component (the guide's step).
    cite: &'static str,
    body: &'static str,
}

fn v015() -> Vec<Comp> {
    vec![
        Comp {
            name: "rok-disk-manager",
            path: "rok-disk-manager/overlays/deploy",
            cite: "Step 3, \"Upgrade Rok Disk Manager\": kubectl apply -k rok/rok-disk-manager/overlays/deploy",
            body: "",
        },
        Comp {
            name: "rok-kmod",
            path: "rok-kmod/overlays/deploy",
            cite: "Step 4, \"Upgrade Rok kmod\": kubectl apply -k rok/rok-kmod/overlays/deploy",
            body: "",
        },
        Comp {
            name: "rok-operator",
            path: "rok-operator/overlays/deploy",
            cite: "Step 5, \"Upgrade Rok Operator\": delete the StatefulSet (its spec cannot be\n# updated), apply (this also updates the RokCluster CRD), then\n# `watch kubectl get pods -n rok-system -l app=rok-operator` until ready.",
            body: "    before:
      - delete: {apiVersion: apps/v1, kind: StatefulSet, namespace: rok-system, name: rok-operator}
    ready:
      - {kind: Pod, namespace: rok-system, selector: app=rok-operator, condition: Ready}
",
        },
        Comp {
            name: "rok-storageclass",
            path: "",
            cite: "Step 6.1: `kubectl delete storageclass rok` (its parameters cannot be\n# updated; rok-cluster below creates it again).",
            body: "    before:
      - delete: {apiVersion: storage.k8s.io/v1, kind: StorageClass, name: rok}
",
        },
        Comp {
            name: "redis",
            path: "rok-external-services/redis/overlays/deploy",
            cite: "Step 6.2: \"If you don't already run Redis\". The guide's endpoint\n# (step 6.7) is redis://rok-redis.rok.svc.cluster.local:6379, so Redis is\n# running when Service rok/rok-redis exists.",
            body: "    unless-exists: {kind: Service, namespace: rok, name: rok-redis}
",
        },
        Comp {
            name: "istio-crds",
            path: "rok-external-services/istio/istio-1-3-1/istio-crds-1-3-1/overlays/deploy",
            cite: "Step 6.3: \"If you don't already have Istio (1.3.1) running\" (the CRDs,\n# the install and the ingress). The guide names no object to test: skipped\n# when everything the component renders exists already.",
            body: "    unless-exists: rendered
",
        },
        Comp {
            name: "istio-install",
            path: "rok-external-services/istio/istio-1-3-1/istio-install-1-3-1/overlays/deploy",
            cite: "Step 6.3, second command.",
            body: "    unless-exists: rendered
",
        },
        Comp {
            name: "istio-ingress",
            path: "rok-istio-ingress/rok-istio-1-3-1.yaml",
            cite: "Step 6.3, third command: a plain manifest file,\n# kubectl apply -f rok/rok-istio-ingress/rok-istio-1-3-1.yaml",
            body: "    unless-exists: rendered
",
        },
        Comp {
            name: "dex",
            path: "rok-external-services/dex/overlays/deploy",
            cite: "Step 6.4: Dex as OIDC provider. The step says \"You can install it\";\n# the guide's summary applies the external services only when not already\n# running: skipped when everything it renders exists.",
            body: "    unless-exists: rendered
",
        },
        Comp {
            name: "authservice",
            path: "rok-external-services/authservice/overlays/deploy",
            cite: "Step 6.5: AuthService as the authentication proxy (as for Dex).",
            body: "    unless-exists: rendered
",
        },
        Comp {
            name: "rok-cluster",
            path: "rok-cluster/overlays/deploy",
            cite: "Steps 6.6 to 6.8: the images (gcr.io/arrikto/roke:v0.15,\n# gcr.io/arrikto/rok-csi:v0.15) and spec.redis.endpoint are set by\n# `migrate-patches` (catalog rok-v0.15); then\n# kubectl apply -k rok/rok-cluster/overlays/deploy. The operator runs the\n# upgrade Job; the wait passes only once the cluster reports v0.15 (the\n# old v0.14 cluster is OK and Running too). The guide shows the VERSION\n# column of `kubectl get rokcluster`, not its field: status.version is our\n# reading of it.",
            body: "    timeout: 30m
    ready:
      - {kind: RokCluster, namespace: rok, name: rok, field: status.version, equals: v0.15}
      - {kind: RokCluster, namespace: rok, name: rok, field: status.health, equals: OK}
      - {kind: RokCluster, namespace: rok, name: rok, field: status.phase, equals: Running}
",
        },
        Comp {
            name: "verify",
            path: "",
            cite: "Step 7, \"Verify successful upgrade\": the upgrade Job\n# (`kubectl get job -n rok rok-upgrade-XYZ`) complete, the RokCluster at\n# v0.15, OK and Running, and `rok-config version` in the Rok pod printing\n# the cluster-wide version v0015... (the guide's v001500_0010).",
            body: "    timeout: 10m
    ready:
      - {apiVersion: batch/v1, kind: Job, namespace: rok, name-prefix: rok-upgrade-, condition: Complete}
      - {kind: RokCluster, namespace: rok, name: rok, field: status.version, equals: v0.15}
      - {kind: RokCluster, namespace: rok, name: rok, field: status.health, equals: OK}
      - {kind: RokCluster, namespace: rok, name: rok, field: status.phase, equals: Running}
      - exec: {namespace: rok, target: daemonset/rok, command: [rok-config, version]}
        matches: 'Current version \\[Cluster-wide\\]: v0015'
",
        },
    ]
}

const V015_AFTER: &str = "# Housekeeping (\"Notable changes\"): the ConfigMap of the cluster's join\n# metadata is now $CLUSTERNAME-join-metadata; \"the old ConfigMap can be\n# safely deleted for housekeeping, after the upgrade completes\". The\n# cluster is `rok` in namespace `rok` (the guide's commands); the guide does\n# not name the ConfigMap's namespace: the cluster's is assumed. The delete\n# is asked for like any other (or --yes).\nafter:\n  - delete: {kind: ConfigMap, namespace: rok, name: rok-metadata}\n";

fn generic() -> Vec<Comp> {
    vec![
        Comp {
            name: "rok-tools",
            path: "rok-tools-eks.yaml",
            cite: "\"Upgrade your management environment\" (optional): apply the latest\n# rok-tools manifests (the guide's <download_root>/rok-tools-eks.yaml; put the\n# downloaded file at this path). When the server refuses the update\n# (\"updates to statefulset spec ... are forbidden\"), the guide deletes the\n# rok-tools StatefulSet and applies again: `recreate` (asked for first).",
            body: "    recreate:
      - {apiVersion: apps/v1, kind: StatefulSet, name: rok-tools}
",
        },
        Comp {
            name: "drain",
            path: "",
            cite: "\"Drain rok-csi nodes\", steps 1 to 5: the operator and the CSI\n# controller scaled to zero, then the csi-node container of the rok-csi-node\n# pods (a DaemonSet, v0.12 guide) quiet for 30 seconds.",
            body: "    before:
      - scale-to-zero: {apiVersion: apps/v1, kind: StatefulSet, namespace: rok-system, name: rok-operator}
      - scale-to-zero: {apiVersion: apps/v1, kind: StatefulSet, namespace: rok, name: rok-csi-controller}
      - wait-logs-quiet: {apiVersion: apps/v1, kind: DaemonSet, namespace: rok, name: rok-csi-node, container: csi-node, seconds: 30}
",
        },
        Comp {
            name: "rok-disk-manager",
            path: "rok-disk-manager/overlays/deploy",
            cite: "\"Upgrade components\", step 3: kubectl apply -k rok/rok-disk-manager/overlays/deploy",
            body: "",
        },
        Comp {
            name: "rok-kmod",
            path: "rok-kmod/overlays/deploy",
            cite: "Step 4: kubectl apply -k rok/rok-kmod/overlays/deploy",
            body: "",
        },
        Comp {
            name: "rok-cluster",
            path: "rok-cluster/overlays/deploy",
            cite: "Step 5: kubectl apply -k rok/rok-cluster/overlays/deploy",
            body: "    timeout: 30m
",
        },
        Comp {
            name: "rok-operator",
            path: "rok-operator/overlays/deploy",
            cite: "Step 6: kubectl apply -k rok/rok-operator/overlays/deploy (this also\n# updates the RokCluster CRD), then the operator pods ready.",
            body: "    ready:
      - {kind: Pod, namespace: rok-system, selector: app=rok-operator, condition: Ready}
",
        },
        Comp {
            name: "verify",
            path: "",
            cite: "Step 7, \"Verify successful upgrade\": the upgrade Job complete, then the\n# RokCluster OK and Running at the new version (the guide's `v2`: set it\n# and uncomment the version rule; without it the wait cannot tell the new\n# release from the old one).",
            body: "    timeout: 30m
    ready:
      - {apiVersion: batch/v1, kind: Job, namespace: rok, name-prefix: rok-upgrade-, condition: Complete}
      # - {kind: RokCluster, namespace: rok, name: rok, field: status.version, equals: vX.Y}
      - {kind: RokCluster, namespace: rok, name: rok, field: status.health, equals: OK}
      - {kind: RokCluster, namespace: rok, name: rok, field: status.phase, equals: Running}
",
        },
    ]
}

/// The plan text of a preset. `prefix` goes before every component path
/// below `rok/` (`rok/` or empty); components whose path `keep` refuses
/// are written as comments, and their paths returned.
pub fn render(
    name: &str,
    prefix: &str,
    keep: &dyn Fn(&str) -> bool,
) -> Option<(String, Vec<String>)> {
    let (comps, header, after) = match name {
        "rok-v0.15" => (
            v015(),
            "# Upgrade plan: Rok v0.14 -> v0.15 (written by `gitops-upgrade init --preset rok-v0.15`),
# after the vendor's guide \"Rok v0.15, Upgrade on Kubernetes\": its steps 3 to 7
# in its order, with its paths. Steps 1 and 2 (observability, current
# version) are optional and read-only. See docs/vendor-guides.md.
version: \"0.15\"
from: \"0.14\"
migrations:
  - rok-v0.15
",
            V015_AFTER,
        ),
        "rok" => (
            generic(),
            "# Upgrade plan: Rok, release to release (written by `gitops-upgrade init --preset rok`),
# after the vendor's guide \"Upgrades on Kubernetes\". Set `version`/`from` to
# the releases (they label the progress table), and `migrations` to the
# catalogs of the release (`gitops-upgrade migrations list`); the guide
# defers to the version-specific guide for the rest.
# version: \"X.Y\"
# from: \"X.Y\"
migrations: []
",
            "",
        ),
        _ => return None,
    };
    let mut out = String::from(header);
    out.push_str("components:\n");
    let mut missing = Vec::new();
    for c in comps {
        let path = if c.path.is_empty() {
            String::new()
        } else if c.path == "rok-tools-eks.yaml" {
            // not a part of the vendor's tree
            c.path.to_string()
        } else {
            format!("{prefix}{}", c.path)
        };
        let mut block = format!("  - name: {}\n", c.name);
        if !path.is_empty() {
            block.push_str(&format!("    path: {path}\n"));
        }
        block.push_str(c.body);
        for l in c.cite.lines() {
            out.push_str("  # ");
            out.push_str(l.strip_prefix("# ").unwrap_or(l));
            out.push('\n');
        }
        if path.is_empty() || keep(&path) {
            out.push_str(&block);
        } else {
            out.push_str(&format!(
                "  # left out: {path} is not in this tree; uncomment to apply it:\n"
            ));
            for l in block.lines() {
                out.push_str("  # ");
                out.push_str(l.strip_prefix("  ").unwrap_or(l));
                out.push('\n');
            }
            missing.push(path);
        }
    }
    out.push_str(after);
    Some((out, missing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{parse, Condition, PreStep};

    #[test]
    fn the_v015_preset_is_the_guide_in_its_order() {
        let (text, missing) = render("rok-v0.15", "rok/", &|_| true).unwrap();
        assert!(missing.is_empty());
        let p = parse(&text, "gitops-upgrade.yaml").unwrap();
        let names: Vec<&str> = p.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "rok-disk-manager",
                "rok-kmod",
                "rok-operator",
                "rok-storageclass",
                "redis",
                "istio-crds",
                "istio-install",
                "istio-ingress",
                "dex",
                "authservice",
                "rok-cluster",
                "verify",
                "housekeeping"
            ]
        );
        assert_eq!(p.version.as_deref(), Some("0.15"));
        assert_eq!(p.migrations, ["rok-v0.15"]);
        let op = &p.components[2];
        assert!(
            matches!(&op.before[0], PreStep::Delete(r) if r.kind == "StatefulSet" && r.name == "rok-operator")
        );
        assert!(
            matches!(&p.components[3].before[0], PreStep::Delete(r) if r.kind == "StorageClass" && r.name == "rok")
        );
        assert!(
            matches!(&p.components[4].when, Some(Condition::UnlessExists(r)) if r[0].name == "rok-redis")
        );
        assert_eq!(
            p.components[5].path,
            "rok/rok-external-services/istio/istio-1-3-1/istio-crds-1-3-1/overlays/deploy"
        );
        assert_eq!(
            p.components[7].path,
            "rok/rok-istio-ingress/rok-istio-1-3-1.yaml"
        );
        let cl = &p.components[10];
        assert_eq!(cl.path, "rok/rok-cluster/overlays/deploy");
        assert_eq!(
            cl.ready[0].describe(),
            "RokCluster rok/rok: status.version == v0.15"
        );
        let v = &p.components[11];
        assert!(v.steps_only());
        assert_eq!(v.ready[0].name_prefix.as_deref(), Some("rok-upgrade-"));
        assert_eq!(v.exec_ready[0].command, ["rok-config", "version"]);
        assert!(regex::Regex::new(&v.exec_ready[0].matches)
            .unwrap()
            .is_match("Current version [Cluster-wide]: v001500_0010"));
        assert!(!regex::Regex::new(&v.exec_ready[0].matches)
            .unwrap()
            .is_match("Current version [Cluster-wide]: v001400_0004"));
        assert!(
            matches!(&p.components[12].before[0], PreStep::Delete(r) if r.kind == "ConfigMap" && r.name == "rok-metadata")
        );
    }

    #[test]
    fn missing_components_become_comments_and_the_plan_still_loads() {
        let (text, missing) = render("rok-v0.15", "", &|p: &str| {
            !p.contains("istio") && !p.contains("dex") && !p.contains("authservice")
        })
        .unwrap();
        assert_eq!(missing.len(), 5);
        let p = parse(&text, "gitops-upgrade.yaml").unwrap();
        assert_eq!(p.components.len(), 8);
        assert!(text.contains("  # - name: dex\n"), "{text}");
    }

    #[test]
    fn the_generic_preset_drains_first() {
        let (text, _) = render("rok", "rok/", &|_| true).unwrap();
        let p = parse(&text, "gitops-upgrade.yaml").unwrap();
        let names: Vec<&str> = p.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "rok-tools",
                "drain",
                "rok-disk-manager",
                "rok-kmod",
                "rok-cluster",
                "rok-operator",
                "verify"
            ]
        );
        let b = &p.components[1].before;
        assert!(matches!(&b[0], PreStep::ScaleToZero(r) if r.name == "rok-operator"));
        assert!(matches!(&b[1], PreStep::ScaleToZero(r) if r.name == "rok-csi-controller"));
        assert!(
            matches!(&b[2], PreStep::WaitLogsQuiet { seconds: 30, container: Some(c), .. } if c == "csi-node")
        );
        assert_eq!(p.components[0].recreate[0].name, "rok-tools");
        assert!(render("nope", "", &|_| true).is_none());
    }
}
