//! The kubectl backend (`apply::kube::Kubectl`) against the test double
//! `tests/support/fake-kubectl`, which keeps a pretend cluster in a
//! directory and answers as kubectl does.

use std::path::PathBuf;
use std::time::Duration;

use gitops_upgrade::apply::kube::{Cluster, KubeError, Kubectl, ObjKey, Rejected};
use gitops_upgrade::apply::ready::{self, Readiness};
use gitops_upgrade::plan::{ReadyCheck, ReadyRule};
use serde_json::{json, Value};

fn fake_kubectl() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake-kubectl")
}

/// A pretend cluster and a `Kubectl` that talks to it.
struct Stand {
    dir: tempfile::TempDir,
    kubectl: Kubectl,
}

fn stand() -> Stand {
    let dir = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(fake_kubectl(), None, None)
        .with_env("FAKE_KUBECTL_STATE", dir.path())
        .with_timeout(Duration::from_secs(60));
    Stand { dir, kubectl }
}

impl Stand {
    fn behaviour(&self, b: Value) {
        std::fs::write(
            self.dir.path().join("behaviour.json"),
            serde_json::to_vec(&b).unwrap(),
        )
        .unwrap();
    }

    /// The argument lists of every call so far.
    fn calls(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(self.dir.path().join("calls.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                serde_json::from_value(v["argv"].clone()).unwrap()
            })
            .collect()
    }

    fn get(&self, k: &ObjKey) -> Option<Value> {
        self.kubectl.get(k).unwrap()
    }

    fn pods(&self, ns: &str, selector: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .kubectl
            .list("v1", "Pod", Some(ns), selector)
            .unwrap()
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    }
}

fn key(api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> ObjKey {
    ObjKey {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: ns.map(String::from),
        name: name.into(),
    }
}

fn sts(service_name: &str, image: &str, replicas: u32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "db"},
        "spec": {
            "replicas": replicas, "serviceName": service_name,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]}
            }
        }
    })
}

fn storage_class(pool: &str) -> Value {
    json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "rok"},
        "provisioner": "rok.arrikto.com", "parameters": {"pool": pool}
    })
}

fn config_map(value: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "db"},
        "data": {"mode": value}
    })
}

fn deployment(name: &str, replicas: u32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "rok"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "api:1"}]}
            }
        }
    })
}

fn sts_key() -> ObjKey {
    key("apps/v1", "StatefulSet", Some("db"), "web")
}

#[test]
fn creates_gets_and_lists_by_selector() {
    let s = stand();
    let r = s
        .kubectl
        .apply(
            &[
                sts("web", "nginx:1", 2),
                storage_class("a"),
                config_map("x"),
            ],
            false,
        )
        .unwrap();
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        r.output.lines().collect::<Vec<_>>(),
        [
            "statefulset.apps/web created",
            "storageclass.storage.k8s.io/rok created",
            "configmap/settings created"
        ]
    );
    let live = s.get(&sts_key()).expect("the StatefulSet exists");
    assert_eq!(live["spec"]["serviceName"], "web");
    assert_eq!(live["metadata"]["generation"], 1);
    assert!(live["metadata"]["uid"].is_string());
    let sc = s
        .get(&key("storage.k8s.io/v1", "StorageClass", None, "rok"))
        .unwrap();
    assert_eq!(sc["parameters"]["pool"], "a");
    assert_eq!(
        s.get(&key("apps/v1", "StatefulSet", Some("db"), "nope")),
        None
    );
    assert_eq!(
        s.get(&key("apps/v1", "StatefulSet", Some("other"), "web")),
        None
    );

    assert_eq!(s.pods("db", "app=web"), ["web-0", "web-1"]);
    assert!(s.pods("db", "app=other").is_empty());
    assert!(s.pods("elsewhere", "app=web").is_empty());
    let sets = s
        .kubectl
        .list("apps/v1", "StatefulSet", Some("db"), "")
        .unwrap();
    assert_eq!(sets.len(), 1);

    // The commands as the backend runs them.
    let calls = s.calls();
    assert_eq!(calls[0], ["apply", "-f", "-"]);
    assert_eq!(
        calls[1],
        [
            "get",
            "statefulset.v1.apps",
            "web",
            "-n",
            "db",
            "-o",
            "json"
        ]
    );
    assert_eq!(
        calls[2],
        ["get", "storageclass.v1.storage.k8s.io", "rok", "-o", "json"]
    );
}

#[test]
fn reapplying_reports_unchanged_and_configured() {
    let s = stand();
    s.kubectl
        .apply(&[sts("web", "nginx:1", 1), config_map("x")], false)
        .unwrap();
    let r = s
        .kubectl
        .apply(&[sts("web", "nginx:1", 1), config_map("x")], false)
        .unwrap();
    assert_eq!(
        r.output,
        "statefulset.apps/web unchanged\nconfigmap/settings unchanged\n"
    );
    let r = s
        .kubectl
        .apply(&[sts("web", "nginx:2", 1), config_map("x")], false)
        .unwrap();
    assert!(r.ok());
    assert_eq!(
        r.output,
        "statefulset.apps/web configured\nconfigmap/settings unchanged\n"
    );
    let live = s.get(&sts_key()).unwrap();
    assert_eq!(live["metadata"]["generation"], 2);
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:2"
    );
}

#[test]
fn immutable_changes_are_refused_while_the_rest_applies() {
    let s = stand();
    s.kubectl
        .apply(
            &[
                sts("web", "nginx:1", 1),
                storage_class("a"),
                config_map("x"),
            ],
            false,
        )
        .unwrap();
    let r = s
        .kubectl
        .apply(
            &[
                sts("web2", "nginx:1", 1),
                storage_class("b"),
                config_map("y"),
            ],
            false,
        )
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        r.immutable,
        vec![
            Rejected {
                kind: "StatefulSet".into(),
                group: "apps".into(),
                name: "web".into(),
                message: "spec: Forbidden: updates to statefulset spec for fields other than \
                          'replicas', 'ordinals', 'template', 'updateStrategy', \
                          'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
                    .into(),
            },
            Rejected {
                kind: "StorageClass".into(),
                group: "storage.k8s.io".into(),
                name: "rok".into(),
                message: "parameters: Forbidden: updates to parameters are forbidden.".into(),
            },
        ]
    );
    assert!(!r.ok());
    // The ConfigMap in the same stream was applied.
    assert_eq!(r.output, "configmap/settings configured\n");
    let cm = s
        .get(&key("v1", "ConfigMap", Some("db"), "settings"))
        .unwrap();
    assert_eq!(cm["data"]["mode"], "y");
    // The refused objects are as they were.
    assert_eq!(s.get(&sts_key()).unwrap()["spec"]["serviceName"], "web");
}

#[test]
fn a_lone_refusal_gets_its_group_from_the_applied_object() {
    let s = stand();
    s.kubectl.apply(&[storage_class("a")], false).unwrap();
    // kubectl prints one error as `The StorageClass "rok" is invalid: ...`,
    // which does not name the group.
    let r = s.kubectl.apply(&[storage_class("b")], false).unwrap();
    assert_eq!(r.immutable.len(), 1, "{r:?}");
    assert_eq!(r.immutable[0].kind, "StorageClass");
    assert_eq!(r.immutable[0].group, "storage.k8s.io");
    assert_eq!(r.immutable[0].name, "rok");
    assert!(r.errors.is_empty());
}

#[test]
fn server_side_apply() {
    let s = stand();
    let r = s
        .kubectl
        .apply(&[sts("web", "nginx:1", 1), storage_class("a")], true)
        .unwrap();
    assert_eq!(
        r.output,
        "statefulset.apps/web serverside-applied\nstorageclass.storage.k8s.io/rok serverside-applied\n"
    );
    assert_eq!(
        s.calls()[0],
        ["apply", "-f", "-", "--server-side", "--force-conflicts"]
    );
    let r = s
        .kubectl
        .apply(
            &[
                sts("other", "nginx:1", 1),
                storage_class("b"),
                config_map("z"),
            ],
            true,
        )
        .unwrap();
    let names: Vec<(&str, &str)> = r
        .immutable
        .iter()
        .map(|x| (x.kind.as_str(), x.group.as_str()))
        .collect();
    assert_eq!(
        names,
        [("StatefulSet", "apps"), ("StorageClass", "storage.k8s.io")]
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

#[test]
fn delete_and_recreate() {
    let s = stand();
    s.kubectl.apply(&[sts("web", "nginx:1", 2)], false).unwrap();
    let uid = s.get(&sts_key()).unwrap()["metadata"]["uid"].clone();
    assert_eq!(s.pods("db", "app=web").len(), 2);

    assert!(s.kubectl.delete(&sts_key()).unwrap());
    assert_eq!(s.get(&sts_key()), None);
    assert!(s.pods("db", "app=web").is_empty(), "pods go with it");
    assert!(!s.kubectl.delete(&sts_key()).unwrap(), "already gone");

    let r = s
        .kubectl
        .apply(&[sts("web2", "nginx:1", 2)], false)
        .unwrap();
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.output, "statefulset.apps/web created\n");
    let live = s.get(&sts_key()).unwrap();
    assert_ne!(live["metadata"]["uid"], uid);
    assert_eq!(live["spec"]["serviceName"], "web2");

    let verbs: Vec<String> = s
        .calls()
        .iter()
        .map(|c| c[0].clone())
        .filter(|v| v != "get")
        .collect();
    assert_eq!(verbs, ["apply", "delete", "delete", "apply"]);
    assert!(s.calls().contains(&vec![
        "delete".to_string(),
        "statefulset.v1.apps".into(),
        "web".into(),
        "-n".into(),
        "db".into(),
        "--ignore-not-found".into(),
        "--wait=true".into()
    ]));
    // Cluster-scoped.
    s.kubectl.apply(&[storage_class("a")], false).unwrap();
    assert!(s
        .kubectl
        .delete(&key("storage.k8s.io/v1", "StorageClass", None, "rok"))
        .unwrap());
}

#[test]
fn scale_to_zero_removes_the_pods() {
    let s = stand();
    s.kubectl
        .apply(&[deployment("api", 3), sts("web", "nginx:1", 2)], false)
        .unwrap();
    assert_eq!(s.pods("rok", "app=api").len(), 3);
    let api = key("apps/v1", "Deployment", Some("rok"), "api");
    s.kubectl.scale(&api, 0).unwrap();
    assert!(s.pods("rok", "app=api").is_empty());
    let live = s.get(&api).unwrap();
    assert_eq!(live["spec"]["replicas"], 0);
    assert_eq!(ready::builtin(&live), Readiness::Ready);
    // The other workload keeps its pods.
    assert_eq!(s.pods("db", "app=web"), ["web-0", "web-1"]);

    s.kubectl.scale(&api, 1).unwrap();
    assert_eq!(s.pods("rok", "app=api").len(), 1);

    let e = s
        .kubectl
        .scale(&key("apps/v1", "Deployment", Some("rok"), "nope"), 0)
        .unwrap_err();
    match e {
        KubeError::Failed { command, message } => {
            assert!(command.ends_with("scale deployment.v1.apps nope -n rok --replicas=0"));
            assert_eq!(
                message,
                "Error from server (NotFound): deployments.apps \"nope\" not found"
            );
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[test]
fn logs_go_quiet_after_n_calls() {
    let s = stand();
    s.kubectl.apply(&[sts("web", "nginx:1", 1)], false).unwrap();
    s.behaviour(json!({
        "logs": {"StatefulSet/db/web": ["draining volume 1", "draining volume 2"]},
        "logs_quiet_after": {"StatefulSet/db/web": 2}
    }));
    let since = Duration::from_secs(30);
    for _ in 0..2 {
        let out = s.kubectl.logs_since(&sts_key(), None, since).unwrap();
        assert_eq!(
            out,
            "[pod/web-0/web] draining volume 1\n[pod/web-0/web] draining volume 2\n"
        );
    }
    assert_eq!(s.kubectl.logs_since(&sts_key(), None, since).unwrap(), "");
    assert_eq!(
        s.calls().last().unwrap(),
        &[
            "logs",
            "statefulset/web",
            "-n",
            "db",
            "--all-containers=true",
            "--since=30s",
            "--all-pods=true"
        ]
    );
    let out = s
        .kubectl
        .logs_since(&sts_key(), Some("web"), since)
        .unwrap();
    assert_eq!(out, "");
    assert!(s.calls().last().unwrap().contains(&"-c".to_string()));
}

#[test]
fn readiness_of_the_fakes_objects() {
    let s = stand();
    s.behaviour(json!({
        "never_ready": ["Deployment/rok/stuck", "Job/rok/never"],
        "ready_after": {"StatefulSet/db/web": 2},
        "status": {"RokCluster/rok/rok": {"health": "OK", "phase": "Running"}}
    }));
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "rokclusters.rok.arrikto.com"},
        "spec": {"group": "rok.arrikto.com", "scope": "Namespaced",
                 "names": {"kind": "RokCluster", "plural": "rokclusters", "singular": "rokcluster"},
                 "versions": [{"name": "v1", "served": true, "storage": true}]}
    });
    let job = |name: &str| {
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": "rok"},
               "spec": {"template": {"spec": {"containers": [{"name": "m", "image": "m:1"}],
                                               "restartPolicy": "Never"}}}})
    };
    let cluster = json!({"apiVersion": "rok.arrikto.com/v1", "kind": "RokCluster",
                         "metadata": {"name": "rok", "namespace": "rok"}, "spec": {}});
    // the CRD first: kubectl maps the whole stream before applying any of it
    let r = s.kubectl.apply(&[crd], false).unwrap();
    assert!(r.ok(), "{r:?}");
    let r = s
        .kubectl
        .apply(
            &[
                deployment("api", 2),
                deployment("stuck", 2),
                sts("web", "nginx:1", 3),
                job("once"),
                job("never"),
                cluster,
            ],
            false,
        )
        .unwrap();
    assert!(r.ok(), "{r:?}");

    let builtin = |k: ObjKey| ready::builtin(&s.get(&k).unwrap());
    assert_eq!(
        builtin(key(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "rokclusters.rok.arrikto.com"
        )),
        Readiness::Ready
    );
    assert_eq!(
        builtin(key("apps/v1", "Deployment", Some("rok"), "api")),
        Readiness::Ready
    );
    assert_eq!(
        builtin(key("apps/v1", "Deployment", Some("rok"), "stuck")),
        Readiness::Waiting("Deployment rok/stuck: 0 of 2 updated replicas are available".into())
    );
    assert_eq!(
        builtin(key("batch/v1", "Job", Some("rok"), "once")),
        Readiness::Ready
    );
    assert!(matches!(
        builtin(key("batch/v1", "Job", Some("rok"), "never")),
        Readiness::Waiting(m) if m.starts_with("Job rok/never: not complete yet")
    ));
    // ready after two looks
    for _ in 0..2 {
        assert_eq!(
            builtin(sts_key()),
            Readiness::Waiting("StatefulSet db/web: waiting for 3 pods to be ready".into())
        );
    }
    assert_eq!(builtin(sts_key()), Readiness::Ready);

    // The plan's own rules over what the fake shows.
    let health = ReadyRule {
        api_version: Some("rok.arrikto.com/v1".into()),
        kind: "RokCluster".into(),
        namespace: Some("rok".into()),
        name: Some("rok".into()),
        selector: None,
        name_prefix: None,
        check: ReadyCheck::Field {
            path: "status.health".into(),
            equals: "OK".into(),
        },
        line: 1,
    };
    let found: Vec<Value> = s
        .kubectl
        .get(&key("rok.arrikto.com/v1", "RokCluster", Some("rok"), "rok"))
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(ready::rule(&health, &found), Readiness::Ready);
    let pods_ready = ReadyRule {
        api_version: None,
        kind: "Pod".into(),
        namespace: Some("rok".into()),
        name: None,
        selector: Some("app=stuck".into()),
        name_prefix: None,
        check: ReadyCheck::Condition {
            type_: "Ready".into(),
            status: "True".into(),
        },
        line: 2,
    };
    let pods = s
        .kubectl
        .list("v1", "Pod", Some("rok"), "app=stuck")
        .unwrap();
    assert_eq!(pods.len(), 2);
    assert_eq!(
        ready::rule(&pods_ready, &pods),
        Readiness::Waiting(format!(
            "Pod rok/{}: condition Ready is \"False\", waiting for \"True\" (and 1 more)",
            pods[0]["metadata"]["name"].as_str().unwrap()
        ))
    );
}

#[test]
fn custom_kinds_without_a_definition_do_not_exist() {
    let s = stand();
    // kubectl: `error: the server doesn't have a resource type "rokcluster"`
    let k = key("rok.arrikto.com/v1", "RokCluster", Some("rok"), "rok");
    assert_eq!(s.get(&k), None);
    assert!(s
        .kubectl
        .list("rok.arrikto.com/v1", "RokCluster", Some("rok"), "a=b")
        .unwrap()
        .is_empty());
    assert!(!s.kubectl.delete(&k).unwrap());
}

#[test]
fn cluster_errors_are_failures() {
    let s = stand();
    let refused = "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?";
    s.behaviour(json!({"fail": {"get": refused, "apply": refused}}));
    match s.kubectl.get(&sts_key()) {
        Err(KubeError::Failed { message, .. }) => assert_eq!(message, refused),
        other => panic!("expected Failed, got {other:?}"),
    }
    assert!(s.kubectl.list("v1", "Pod", Some("db"), "").is_err());
    let r = s.kubectl.apply(&[config_map("x")], false).unwrap();
    assert!(r.immutable.is_empty());
    assert_eq!(r.errors, [refused]);
    assert!(!r.ok());
}

#[test]
fn global_options_reach_every_call() {
    let s = stand();
    let kubectl = Kubectl::new(
        fake_kubectl(),
        Some("prod".into()),
        Some(PathBuf::from("/etc/kube config")),
    )
    .with_env("FAKE_KUBECTL_STATE", s.dir.path());
    assert_eq!(kubectl.get(&sts_key()).unwrap(), None);
    assert_eq!(
        s.calls()[0][..4],
        ["--context", "prod", "--kubeconfig", "/etc/kube config"]
    );
    let line = kubectl.command_line(&["get".into(), "pod".into()]);
    assert!(
        line.ends_with("fake-kubectl --context prod --kubeconfig '/etc/kube config' get pod"),
        "{line}"
    );
}

#[test]
fn a_hanging_kubectl_is_stopped() {
    let s = stand();
    s.behaviour(json!({"sleep": 30}));
    let kubectl = s.kubectl.clone().with_timeout(Duration::from_secs(1));
    let started = std::time::Instant::now();
    let e = kubectl.apply(&[config_map("x")], false).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(e.to_string().contains("no answer after 1s"), "{e}");
}

#[test]
fn a_missing_program_is_a_spawn_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("kubectl");
    let kubectl = Kubectl::new(&missing, None, None);
    let e = kubectl.get(&sts_key()).unwrap_err();
    assert!(matches!(e, KubeError::Spawn { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains(&*missing.to_string_lossy()), "{msg}");
    assert!(
        msg.contains("is kubectl installed? use --kubectl <path>"),
        "{msg}"
    );
    assert!(kubectl.apply(&[config_map("x")], false).is_err());
}

#[test]
fn more_kinds_with_immutable_fields() {
    let s = stand();
    let svc = |ip: Option<&str>| {
        let mut v = json!({"apiVersion": "v1", "kind": "Service",
                           "metadata": {"name": "db", "namespace": "rok"},
                           "spec": {"ports": [{"port": 5432}], "selector": {"app": "db"}}});
        if let Some(ip) = ip {
            v["spec"]["clusterIP"] = json!(ip);
        }
        v
    };
    let job = |image: &str| {
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": "rok"},
               "spec": {"template": {"spec": {"containers": [{"name": "m", "image": image}],
                                               "restartPolicy": "Never"}}}})
    };
    let pvc = |class: &str, size: &str| {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": {"name": "data", "namespace": "rok"},
               "spec": {"storageClassName": class, "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": size}}}})
    };
    let mut api2 = deployment("api", 1);
    api2["spec"]["selector"]["matchLabels"]["tier"] = json!("web");
    api2["spec"]["template"]["metadata"]["labels"]["tier"] = json!("web");

    let r = s
        .kubectl
        .apply(
            &[
                deployment("api", 1),
                svc(None),
                job("m:1"),
                pvc("rok", "1Gi"),
            ],
            false,
        )
        .unwrap();
    assert!(r.ok(), "{r:?}");
    // The server's clusterIP stays when the manifest has none, and growing
    // a claim is allowed.
    let r = s
        .kubectl
        .apply(&[svc(None), pvc("rok", "2Gi")], false)
        .unwrap();
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        r.output,
        "service/db unchanged\npersistentvolumeclaim/data configured\n"
    );

    let r = s
        .kubectl
        .apply(
            &[api2, svc(Some("None")), job("m:2"), pvc("fast", "2Gi")],
            false,
        )
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let got: Vec<(&str, &str, &str)> = r
        .immutable
        .iter()
        .map(|x| (x.kind.as_str(), x.group.as_str(), x.name.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Deployment", "apps", "api"),
            ("Service", "", "db"),
            ("Job", "batch", "migrate"),
            ("PersistentVolumeClaim", "", "data")
        ]
    );
    assert!(r.immutable[0].message.ends_with("field is immutable"));
    assert_eq!(
        r.immutable[1].message,
        "spec.clusterIPs[0]: Invalid value: []string{\"None\"}: may not change once set"
    );
    assert_eq!(
        r.immutable[3].message,
        "spec: Forbidden: spec is immutable after creation except resources.requests and \
         volumeAttributesClassName for bound claims"
    );
}

#[test]
fn daemonsets_and_set_based_selectors() {
    let s = stand();
    let ds = json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "node", "namespace": "rok"},
        "spec": {"selector": {"matchLabels": {"app": "node"}},
                 "template": {"metadata": {"labels": {"app": "node"}},
                              "spec": {"containers": [{"name": "csi", "image": "csi:1"}]}}}
    });
    s.kubectl.apply(&[ds, deployment("api", 1)], false).unwrap();
    let live = s
        .get(&key("apps/v1", "DaemonSet", Some("rok"), "node"))
        .unwrap();
    assert_eq!(live["status"]["desiredNumberScheduled"], 3);
    assert_eq!(ready::builtin(&live), Readiness::Ready);
    assert_eq!(s.pods("rok", "app in (node,api)").len(), 4);
    assert_eq!(s.pods("rok", "app notin (node)").len(), 1);
    assert_eq!(s.pods("rok", "app,app!=api").len(), 3);

    s.behaviour(json!({"never_ready": ["DaemonSet/rok/node"]}));
    let live = s
        .get(&key("apps/v1", "DaemonSet", Some("rok"), "node"))
        .unwrap();
    assert_eq!(
        ready::builtin(&live),
        Readiness::Waiting("DaemonSet rok/node: 0 of 3 updated pods are available".into())
    );
}

/// The fake itself prints what kubectl prints: one refused object in
/// kubectl's short form, several in the `error when applying patch` form.
#[test]
fn the_fake_prints_kubectls_error_forms() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let s = stand();
    s.kubectl
        .apply(&[storage_class("a"), sts("web", "nginx:1", 1)], false)
        .unwrap();
    let run = |objs: Value, args: &[&str]| {
        let mut child = Command::new(fake_kubectl())
            .args(args)
            .env("FAKE_KUBECTL_STATE", s.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(objs.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, err) = run(
        json!({"apiVersion": "v1", "kind": "List", "items": [storage_class("b")]}),
        &["apply", "-f", "-"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "The StorageClass \"rok\" is invalid: parameters: Forbidden: updates to parameters are forbidden.\n"
    );
    let (code, err) = run(
        json!({"apiVersion": "v1", "kind": "List", "items": [storage_class("b"), sts("x", "nginx:1", 1)]}),
        &["apply", "-f", "-"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        err.matches("Error from server (Invalid): error when applying patch:\n")
            .count(),
        2
    );
    assert!(err.contains("for: \"STDIN\": error when patching \"STDIN\": StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec"));
    assert!(err.contains("Resource: \"storage.k8s.io/v1, Resource=storageclasses\", GroupVersionKind: \"storage.k8s.io/v1, Kind=StorageClass\"\nName: \"rok\", Namespace: \"\"\n"));
    // A command form the backend does not use is refused, so the two
    // cannot drift apart unnoticed.
    let (code, err) = run(json!({}), &["apply", "-f", "-", "--prune"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unsupported flag"), "{err}");
}

#[test]
fn reject_update_refuses_changes_but_not_creation_and_calls_name_the_objects() {
    let s = stand();
    s.behaviour(json!({"reject_update": {
        "ConfigMap/db/settings": "data.mode: Forbidden: field is immutable"
    }}));
    assert!(s.kubectl.apply(&[config_map("x")], false).unwrap().ok());
    // Unchanged is no update.
    assert!(s.kubectl.apply(&[config_map("x")], false).unwrap().ok());
    let r = s
        .kubectl
        .apply(&[config_map("y"), storage_class("a")], false)
        .unwrap();
    assert_eq!(
        r.immutable,
        vec![Rejected {
            kind: "ConfigMap".into(),
            group: String::new(),
            name: "settings".into(),
            message: "data.mode: Forbidden: field is immutable".into(),
        }]
    );
    assert_eq!(r.output, "storageclass.storage.k8s.io/rok created\n");
    assert!(s
        .kubectl
        .delete(&key("v1", "ConfigMap", Some("db"), "settings"))
        .unwrap());
    assert!(s.kubectl.apply(&[config_map("y")], false).unwrap().ok());

    let log = std::fs::read_to_string(s.dir.path().join("calls.jsonl")).unwrap();
    let sent: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter_map(|v| v.get("objects").cloned())
        .collect();
    assert_eq!(
        sent,
        [
            json!(["ConfigMap/settings"]),
            json!(["ConfigMap/settings"]),
            json!(["ConfigMap/settings", "StorageClass/rok"]),
            json!(["ConfigMap/settings"])
        ]
    );
}
