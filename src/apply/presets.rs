//! Plans the vendor's upgrade guides describe, written by
//! `gitops-upgrade init --preset <name>`.
//!
//! Component paths are the vendor repository's (`rok/<component>/overlays/
//! deploy`); `init` drops the `rok/` prefix when the repository is the Rok
//! tree itself. A caller may leave components out: they are written as
//! comments.

/// The presets: name and one-line description.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "rok-v0.15",
        "Rok 0.14 -> 0.15: disk manager, kmod, operator (StatefulSet re-created), external services (redis, istio, dex, authservice), cluster (StorageClass re-created)",
    ),
    (
        "rok",
        "Rok, release to release: drain (operator and CSI controller to zero, CSI node logs quiet), then disk manager, kmod, cluster, operator",
    ),
];

struct Comp {
    name: &'static str,
    /// Below the prefix.
    path: &'static str,
    body: &'static str,
}

const OPERATOR_READY: &str = "    ready:
      - {kind: Pod, namespace: rok-system, selector: app=rok-operator, condition: Ready}
";

const CLUSTER_READY: &str = "    ready:
      - {kind: RokCluster, namespace: rok, name: rok, field: status.health, equals: OK}
      - {kind: RokCluster, namespace: rok, name: rok, field: status.phase, equals: Running}
";

fn v015() -> Vec<Comp> {
    vec![
        Comp {
            name: "rok-disk-manager",
            path: "rok-disk-manager/overlays/deploy",
            body: "",
        },
        Comp {
            name: "rok-kmod",
            path: "rok-kmod/overlays/deploy",
            body: "",
        },
        Comp {
            name: "rok-operator",
            path: "rok-operator/overlays/deploy",
            body: "    before:
      # 0.15 adds a volume claim template: the StatefulSet cannot be updated
      - delete: {apiVersion: apps/v1, kind: StatefulSet, namespace: rok-system, name: rok-operator}
    ready:
      - {kind: Pod, namespace: rok-system, selector: app=rok-operator, condition: Ready}
",
        },
        Comp {
            name: "redis",
            path: "rok-external-services/redis/overlays/deploy",
            body: "",
        },
        Comp {
            name: "istio-crds",
            path: "rok-external-services/istio/istio-crds/overlays/deploy",
            body: "",
        },
        Comp {
            name: "istio-install",
            path: "rok-external-services/istio/istio-install/overlays/deploy",
            body: "",
        },
        Comp {
            name: "istio-ingress",
            path: "rok-external-services/istio/istio-ingress/overlays/deploy",
            body: "",
        },
        Comp {
            name: "dex",
            path: "rok-external-services/dex/overlays/deploy",
            body: "",
        },
        Comp {
            name: "authservice",
            path: "rok-external-services/authservice/overlays/deploy",
            body: "",
        },
        Comp {
            name: "rok-cluster",
            path: "rok-cluster/overlays/deploy",
            body: "    before:
      # 0.15 changes the StorageClass parameters, which cannot be updated
      - delete: {apiVersion: storage.k8s.io/v1, kind: StorageClass, name: rok}
    timeout: 20m
",
        },
    ]
}

fn generic() -> Vec<Comp> {
    vec![
        Comp {
            name: "rok-disk-manager",
            path: "rok-disk-manager/overlays/deploy",
            body: "    before:
      # drain: stop the operator and the CSI controller, then wait until
      # the CSI node plugins have finished their work
      - scale-to-zero: {apiVersion: apps/v1, kind: StatefulSet, namespace: rok-system, name: rok-operator}
      - scale-to-zero: {apiVersion: apps/v1, kind: StatefulSet, namespace: rok, name: rok-csi-controller}
      - wait-logs-quiet: {apiVersion: apps/v1, kind: DaemonSet, namespace: rok, name: rok-csi-node, container: csi-node, seconds: 30}
",
        },
        Comp {
            name: "rok-kmod",
            path: "rok-kmod/overlays/deploy",
            body: "",
        },
        Comp {
            name: "rok-cluster",
            path: "rok-cluster/overlays/deploy",
            body: "    timeout: 20m
",
        },
        Comp {
            name: "rok-operator",
            path: "rok-operator/overlays/deploy",
            body: "",
        },
    ]
}

/// The plan text of a preset. `prefix` goes before every component path
/// (`rok/` or empty); components whose path `keep` refuses are written as
/// comments, and their paths returned.
pub fn render(
    name: &str,
    prefix: &str,
    keep: &dyn Fn(&str) -> bool,
) -> Option<(String, Vec<String>)> {
    let (comps, header) = match name {
        "rok-v0.15" => (
            v015(),
            "# Upgrade plan: Rok 0.14 -> 0.15 (written by `gitops-upgrade init --preset rok-v0.15`).
# `gitops-upgrade apply` applies the components in this order; see the
# README for every field.
version: \"0.15\"
from: \"0.14\"
migrations:
  - rok-v0.15
",
        ),
        "rok" => (
            generic(),
            "# Upgrade plan: Rok, release to release (written by `gitops-upgrade init --preset rok`).
# Set `version`/`from` to the releases (they label the progress table),
# and `migrations` to the catalogs of the release
# (`gitops-upgrade migrations list`).
# version: \"X.Y\"
# from: \"X.Y\"
migrations: []
",
        ),
        _ => return None,
    };
    let mut out = String::from(header);
    out.push_str("components:\n");
    let mut missing = Vec::new();
    for c in comps {
        let path = format!("{prefix}{}", c.path);
        let mut block = format!("  - name: {}\n    path: {path}\n", c.name);
        block.push_str(c.body);
        if c.name == "rok-operator" && name == "rok" {
            block.push_str(OPERATOR_READY);
        }
        if c.name == "rok-cluster" {
            block.push_str(CLUSTER_READY);
        }
        if keep(&path) {
            out.push_str(&block);
        } else {
            out.push_str(&format!("  # left out ({path}); uncomment to apply it:\n"));
            for l in block.lines() {
                out.push_str("  # ");
                out.push_str(l.strip_prefix("  ").unwrap_or(l));
                out.push('\n');
            }
            missing.push(path);
        }
    }
    Some((out, missing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{parse, PreStep};

    #[test]
    fn the_v015_preset_is_a_valid_plan_in_the_vendor_order() {
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
                "redis",
                "istio-crds",
                "istio-install",
                "istio-ingress",
                "dex",
                "authservice",
                "rok-cluster"
            ]
        );
        assert_eq!(p.version.as_deref(), Some("0.15"));
        assert_eq!(p.migrations, ["rok-v0.15"]);
        let op = &p.components[2];
        assert!(
            matches!(&op.before[0], PreStep::Delete(r) if r.kind == "StatefulSet" && r.name == "rok-operator")
        );
        assert_eq!(op.ready.len(), 1);
        let cl = &p.components[9];
        assert!(
            matches!(&cl.before[0], PreStep::Delete(r) if r.kind == "StorageClass" && r.name == "rok")
        );
        assert_eq!(cl.ready.len(), 2);
        assert_eq!(cl.path, "rok/rok-cluster/overlays/deploy");
    }

    #[test]
    fn missing_components_become_comments_and_the_plan_still_loads() {
        let (text, missing) = render("rok-v0.15", "", &|p: &str| {
            !p.contains("istio") && !p.contains("dex") && !p.contains("authservice")
        })
        .unwrap();
        assert_eq!(missing.len(), 5);
        let p = parse(&text, "gitops-upgrade.yaml").unwrap();
        assert_eq!(p.components.len(), 5);
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
                "rok-disk-manager",
                "rok-kmod",
                "rok-cluster",
                "rok-operator"
            ]
        );
        let b = &p.components[0].before;
        assert!(matches!(&b[0], PreStep::ScaleToZero(r) if r.name == "rok-operator"));
        assert!(matches!(&b[1], PreStep::ScaleToZero(r) if r.name == "rok-csi-controller"));
        assert!(matches!(&b[2], PreStep::WaitLogsQuiet { seconds: 30, .. }));
        assert!(render("nope", "", &|_| true).is_none());
    }
}
