//! `apply`, `status` and `upgrade` against a real Kubernetes API server:
//! a real `kube-apiserver` and `etcd` on loopback (tests/common/control_plane.rs,
//! as controller-runtime's envtest runs them), driven by the binary through
//! the reference `kubectl`. Every assertion about the cluster is read back
//! from the server (`kubectl get`), never from the tool's own output alone.
//!
//! There are no kubelets or controllers: a [`StatusDriver`] patches the
//! status subresource of workloads (and the RokCluster's `status.health`)
//! the way their controllers would, creates a StatefulSet's pods and marks
//! them Ready as a kubelet would, and holds back the ones a test wants not
//! ready. Pod logs (the quiet-logs pre-step) need a kubelet, so that
//! pre-step is tested against the stand-in in apply_cli.rs.

mod common;
#[path = "common/control_plane.rs"]
mod control_plane;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{copy_tree, crate_dir, git, kubectl};
use control_plane::{ControlPlane, StatusDriver};
use serde_json::Value as Json;

/// The Rok plan of the stand-in tests: the operator's pods must be Ready
/// (the status driver creates them and sets their Ready condition).
const PLAN: &str = common::ROK_EXAMPLE_PLAN;

const ROKCLUSTERS: &str = "rokclusters.crd.arrikto.com";

/// A repository and its own API server, with the namespace the Rok
/// components expect (the vendor's install creates it, not the overlays),
/// and a status driver that makes workloads and the RokCluster healthy.
struct Site {
    _t: tempfile::TempDir,
    repo: PathBuf,
    cp: ControlPlane,
    driver: StatusDriver,
}

impl Site {
    fn with_tree(tree: &str, plan: &str) -> Site {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("site");
        fs::create_dir_all(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        if !tree.is_empty() {
            copy_tree(&crate_dir().join(tree), &repo);
        }
        fs::write(repo.join("gitops-upgrade.yaml"), plan).unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-qm", "tree and plan"]);
        let cp = ControlPlane::start();
        cp.run(&["create", "namespace", "rok-system"]);
        let driver = cp.drive_status();
        driver.set_custom(
            ROKCLUSTERS,
            "rok",
            "rok",
            serde_json::json!({"health": "OK"}),
        );
        Site {
            _t: t,
            repo,
            cp,
            driver,
        }
    }

    fn rok() -> Site {
        Site::with_tree("overlays-examples/rok", PLAN)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
        c.current_dir(&self.repo)
            .args(args)
            .env("HOME", &self.repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null());
        c
    }

    /// The cluster options: the reference kubectl, this server's kubeconfig.
    fn cluster_args(&self) -> Vec<String> {
        vec![
            "--kubectl".into(),
            kubectl().display().to_string(),
            "--kubeconfig".into(),
            self.cp.kubeconfig.display().to_string(),
            "--poll-interval".into(),
            "200ms".into(),
        ]
    }

    fn apply(&self, extra: &[&str]) -> Output {
        let mut args: Vec<String> = vec!["apply".into()];
        args.extend(self.cluster_args());
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.cmd(&args).output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn commit_all(&self, msg: &str) {
        git(&self.repo, &["add", "-A"]);
        git(&self.repo, &["commit", "-qm", msg]);
    }

    fn uid(&self, res: &str, ns: Option<&str>, name: &str) -> Option<String> {
        self.cp
            .get(res, ns, name)
            .map(|o| o["metadata"]["uid"].as_str().unwrap().to_string())
    }

    fn status_json(&self) -> Json {
        let o = self.run(&["status", "--output", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn both(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

fn statuses(j: &Json) -> Vec<String> {
    j["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap().to_string())
        .collect()
}

/// v0.15 on top of the v0.14 tree: the operator StatefulSet and the
/// StorageClass change fields the API server does not let change.
fn upgrade_to_v015(s: &Site) {
    copy_tree(&crate_dir().join("fixtures/upgrade/rok-v0.15"), &s.repo);
    let o = s.run(&["migrate-patches"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    s.commit_all("rok 0.15");
}

/// The "must be re-created" objects a run printed, sorted.
fn recreates_in(out: &str) -> Vec<String> {
    let mut v: Vec<String> = out
        .lines()
        .filter_map(|l| l.trim().split_once(" must be re-created"))
        .map(|(what, _)| what.to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The objects `apply --dry-run` (built-in rules, no cluster) would
/// re-create, sorted: its `re-create` object lines.
fn offline_recreates(out: &str) -> Vec<String> {
    let mut v: Vec<String> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("re-create "))
        .map(|w| w.trim().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn components_apply_in_plan_order_each_after_the_previous_is_ready() {
    let s = Site::rok();
    // kmod never becomes ready: the run stops there, and nothing after it
    // reached the server
    s.driver.hold("DaemonSet/rok-system/rok-kmod");
    let o = s.apply(&["--yes", "--timeout", "3s"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    assert!(
        stderr(&o).contains("rok-kmod: not ready after 3s"),
        "{}",
        stderr(&o)
    );
    assert!(s
        .cp
        .get("daemonset.apps", Some("rok-system"), "rok-disk-manager")
        .is_some());
    assert!(s
        .cp
        .get("daemonset.apps", Some("rok-system"), "rok-kmod")
        .is_some());
    assert!(s
        .cp
        .get("statefulset.apps", Some("rok-system"), "rok-operator")
        .is_none());
    assert!(s
        .cp
        .get("customresourcedefinition", None, ROKCLUSTERS)
        .is_none());
    assert_eq!(
        statuses(&s.status_json()),
        ["done", "failed", "pending", "pending"]
    );

    // released: resume applies the rest, in order; the RokCluster's health
    // (set by the driver, as its operator would) ends the last wait
    s.driver.release_all();
    let o = s.apply(&["--resume"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let out = stdout(&o);
    assert!(out.contains("rok-disk-manager (rok-disk-manager/overlays/deploy): already applied"));
    let sts =
        s.cp.get("statefulset.apps", Some("rok-system"), "rok-operator")
            .unwrap();
    let rc = s.cp.get(ROKCLUSTERS, Some("rok"), "rok").unwrap();
    assert_eq!(rc["status"]["health"], "OK");
    // the operator's Pod rule was met by the pod the driver made Ready
    let pod =
        s.cp.get("pod", Some("rok-system"), "rok-operator-0")
            .unwrap();
    assert_eq!(pod["metadata"]["labels"]["app"], "rok-operator");
    assert_eq!(pod["status"]["conditions"][0]["type"], "Ready");
    // the operator's objects were created before the RokCluster
    let created = |o: &Json| {
        o["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(created(&sts) <= created(&rc));
    let j = s.status_json();
    assert_eq!(statuses(&j), ["done", "done", "done", "done"]);
    assert!(j["finished"].is_string());
    let st = stdout(&s.run(&["status"]));
    assert!(st.contains("rok-cluster       0.14  0.15  yes"), "{st}");
}

#[test]
fn custom_resources_wait_for_their_definition_in_the_same_component() {
    let s = Site::with_tree("", "components:\n  - name: widgets\n    path: widgets\n");
    let w = s.repo.join("widgets");
    fs::create_dir_all(&w).unwrap();
    fs::write(
        w.join("kustomization.yaml"),
        "resources:\n- crd.yaml\n- widget.yaml\n",
    )
    .unwrap();
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names:\n    kind: Widget\n    plural: widgets\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n";
    let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\nspec:\n  size: 3\n";
    fs::write(w.join("crd.yaml"), crd).unwrap();
    fs::write(w.join("widget.yaml"), widget).unwrap();
    s.commit_all("widgets");

    // the premise, on the real server: sent in one stream, kubectl refuses
    // the Widget (it maps every object before it applies any)
    let mut child =
        s.cp.kubectl(&["apply", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{crd}---\n{widget}").as_bytes())
        .unwrap();
    let raw = child.wait_with_output().unwrap();
    assert!(!raw.status.success());
    assert!(
        String::from_utf8_lossy(&raw.stderr).contains("ensure CRDs are installed first"),
        "{}",
        String::from_utf8_lossy(&raw.stderr)
    );
    s.cp.run(&["delete", "crd", "widgets.example.com", "--wait=true"]);

    let o = s.apply(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    assert!(stdout(&o).contains("waiting for the CRDs before the custom resources"));
    let crd =
        s.cp.get("customresourcedefinition", None, "widgets.example.com")
            .unwrap();
    assert!(crd["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["type"] == "Established" && c["status"] == "True"));
    let w =
        s.cp.get("widgets.example.com", Some("default"), "w")
            .unwrap();
    assert_eq!(w["spec"]["size"], 3);
}

#[test]
fn the_upgrade_recreates_exactly_what_the_server_refuses_after_a_confirmation() {
    let s = Site::rok();
    let o = s.apply(&["--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let sts_uid = s.uid("statefulset.apps", Some("rok-system"), "rok-operator");
    let sc_uid = s.uid("storageclass", None, "rok");
    let kmod_uid = s.uid("daemonset.apps", Some("rok-system"), "rok-kmod");
    let crd_uid = s.uid("customresourcedefinition", None, ROKCLUSTERS);
    upgrade_to_v015(&s);

    // offline: the built-in rules' plan
    let dry = s.apply(&["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", both(&dry));
    let offline = offline_recreates(&stdout(&dry));

    // not a terminal, no --yes: refused before anything changed
    let o = s.apply(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let out = stdout(&o);
    assert!(
        // v1.37's own words (older servers said `spec: Forbidden: updates
        // to statefulset spec for fields other than ...`, as the vendor
        // guide quotes)
        out.contains("StatefulSet rok-system/rok-operator must be re-created: the API server refuses the update: spec.volumeClaimTemplates: Invalid value: ")
            && out.contains("field is immutable"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("must be deleted and re-created"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        s.uid("statefulset.apps", Some("rok-system"), "rok-operator"),
        sts_uid
    );

    let o = s.apply(&["--resume", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let out = stdout(&o);
    assert!(
        // (v1.37; older servers: `parameters: Forbidden: updates to
        // parameters are forbidden.`)
        out.contains("StorageClass rok must be re-created: the API server refuses the update: parameters: Invalid value: null: field is immutable"),
        "{out}"
    );
    // re-created: new objects, in their new form
    let new_sts = s.uid("statefulset.apps", Some("rok-system"), "rok-operator");
    assert!(new_sts.is_some() && new_sts != sts_uid);
    let new_sc = s.uid("storageclass", None, "rok");
    assert!(new_sc.is_some() && new_sc != sc_uid);
    let sc = s.cp.get("storageclass", None, "rok").unwrap();
    let v015: String =
        fs::read_to_string(s.repo.join("rok-cluster/base/storageclass.yaml")).unwrap();
    for (k, v) in sc["parameters"].as_object().unwrap() {
        assert!(
            v015.contains(k.as_str()) && v015.contains(v.as_str().unwrap()),
            "{sc}"
        );
    }
    // updated in place: the same objects
    assert_eq!(
        s.uid("daemonset.apps", Some("rok-system"), "rok-kmod"),
        kmod_uid
    );
    assert_eq!(
        s.uid("customresourcedefinition", None, ROKCLUSTERS),
        crd_uid
    );

    // the server's verdict and the built-in rules agree on this upgrade
    let mut online = recreates_in(&stdout(&o));
    online.sort();
    assert_eq!(
        online,
        ["StatefulSet rok-system/rok-operator", "StorageClass rok"]
    );
    assert_eq!(offline, online, "{}", stdout(&dry));
    let j = s.status_json();
    let rec: Vec<String> = j["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["recreated"].as_array().unwrap().clone())
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        rec,
        ["StatefulSet rok-system/rok-operator", "StorageClass rok"]
    );
}

const CASES_V1: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: 'db:1'}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache, namespace: default}
spec:
  serviceName: cache
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: cache, image: 'cache:1'}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: queue, namespace: default}
spec:
  serviceName: queue
  selector: {matchLabels: {app: queue}}
  template:
    metadata: {labels: {app: queue}}
    spec:
      containers: [{name: queue, image: 'queue:1'}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: default}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: 'api:1'}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: 'web:1'}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: example.com/disk
parameters: {tier: gold}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: slow}
provisioner: example.com/disk
parameters: {tier: bronze}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: default}
data: {level: info}
";

/// The common cases, each changed once: a StatefulSet's
/// volumeClaimTemplates (refused), selector (refused) and image (accepted),
/// a Deployment's selector (refused) and image (accepted), a StorageClass's
/// parameters (refused) and labels (accepted), a ConfigMap's data (accepted).
fn cases_v2() -> String {
    CASES_V1
        .replacen("storage: 1Gi", "storage: 2Gi", 1)
        .replacen(
            "selector: {matchLabels: {app: cache}}",
            "selector: {matchLabels: {app: cache, tier: mem}}",
            1,
        )
        .replacen(
            "metadata: {labels: {app: cache}}",
            "metadata: {labels: {app: cache, tier: mem}}",
            1,
        )
        .replacen("'queue:1'", "'queue:2'", 1)
        .replacen(
            "selector: {matchLabels: {app: api}}",
            "selector: {matchLabels: {app: api, v: '2'}}",
            1,
        )
        .replacen(
            "metadata: {labels: {app: api}}",
            "metadata: {labels: {app: api, v: '2'}}",
            1,
        )
        .replacen("'web:1'", "'web:2'", 1)
        .replacen("tier: gold", "tier: platinum", 1)
        .replacen(
            "metadata: {name: slow}",
            "metadata: {name: slow, labels: {speed: slow}}",
            1,
        )
        .replacen("level: info", "level: debug", 1)
}

#[test]
fn the_built_in_rules_and_the_server_agree_on_the_common_cases() {
    let s = Site::with_tree("", "components:\n  - name: cases\n    path: cases\n");
    let d = s.repo.join("cases");
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join("kustomization.yaml"), "resources:\n- objects.yaml\n").unwrap();
    fs::write(d.join("objects.yaml"), CASES_V1).unwrap();
    s.commit_all("v1");
    let o = s.apply(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let uids = |s: &Site| -> Vec<Option<String>> {
        [
            ("statefulset.apps", Some("default"), "db"),
            ("statefulset.apps", Some("default"), "cache"),
            ("statefulset.apps", Some("default"), "queue"),
            ("deployment.apps", Some("default"), "api"),
            ("deployment.apps", Some("default"), "web"),
            ("storageclass", None, "fast"),
            ("storageclass", None, "slow"),
            ("configmap", Some("default"), "settings"),
        ]
        .iter()
        .map(|(r, ns, n)| s.uid(r, *ns, n))
        .collect()
    };
    let before = uids(&s);
    fs::write(d.join("objects.yaml"), cases_v2()).unwrap();
    s.commit_all("v2");

    let dry = s.apply(&["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", both(&dry));
    let offline = offline_recreates(&stdout(&dry));
    let expected = [
        "Deployment default/api",
        "StatefulSet default/cache",
        "StatefulSet default/db",
        "StorageClass fast",
    ];
    // server-side apply's dry run gives the same verdict (its errors have
    // another form); without --yes the run stops before any delete
    let ssa = s.apply(&["--server-side"]);
    assert_eq!(ssa.status.code(), Some(1), "{}", both(&ssa));
    assert_eq!(recreates_in(&stdout(&ssa)), expected, "{}", stdout(&ssa));
    assert_eq!(uids(&s), before, "deleted without --yes");

    let o = s.apply(&["--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let online = recreates_in(&stdout(&o));
    assert_eq!(online, expected, "{}", stdout(&o));
    assert_eq!(offline, expected, "{}", stdout(&dry));
    // only the refused ones are new objects
    let after = uids(&s);
    let changed: Vec<bool> = before.iter().zip(&after).map(|(a, b)| a != b).collect();
    assert_eq!(
        changed,
        [true, true, false, true, false, true, false, false],
        "{before:?} {after:?}"
    );
    let cm = s.cp.get("configmap", Some("default"), "settings").unwrap();
    assert_eq!(cm["data"]["level"], "debug");
    let web = s.cp.get("deployment.apps", Some("default"), "web").unwrap();
    assert_eq!(
        web["spec"]["template"]["spec"]["containers"][0]["image"],
        "web:2"
    );
}

#[test]
fn prune_deletes_what_the_last_apply_sent_and_the_render_dropped_after_asking() {
    let s = Site::with_tree("", "components:\n  - name: app\n    path: app\n");
    let d = s.repo.join("app");
    fs::create_dir_all(&d).unwrap();
    let cm = |name: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\ndata:\n  k: v\n")
    };
    fs::write(
        d.join("kustomization.yaml"),
        "resources:\n- a.yaml\n- b.yaml\n",
    )
    .unwrap();
    fs::write(d.join("a.yaml"), cm("a")).unwrap();
    fs::write(d.join("b.yaml"), cm("b")).unwrap();
    s.commit_all("a and b");
    let o = s.apply(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    // an object of the same namespace that this tool did not apply
    s.cp.apply(&cm("theirs"));

    fs::write(d.join("kustomization.yaml"), "resources:\n- a.yaml\n").unwrap();
    fs::remove_file(d.join("b.yaml")).unwrap();
    s.commit_all("b removed");

    let dry = s.apply(&["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", both(&dry));
    assert!(
        stdout(&dry).contains("delete configmap b -n default --ignore-not-found --wait=true   # prune after the apply"),
        "{}",
        stdout(&dry)
    );
    let o = s.apply(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    assert!(
        stderr(&o).contains("ConfigMap default/b no longer in the render must be deleted (pruned)"),
        "{}",
        stderr(&o)
    );
    assert!(s.cp.get("configmap", Some("default"), "b").is_some());

    let o = s.apply(&["--resume", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    assert!(
        stdout(&o).contains("pruning ConfigMap default/b"),
        "{}",
        stdout(&o)
    );
    assert!(s.cp.get("configmap", Some("default"), "b").is_none());
    assert!(s.cp.get("configmap", Some("default"), "a").is_some());
    assert!(s.cp.get("configmap", Some("default"), "theirs").is_some());
    let j = s.status_json();
    assert_eq!(j["components"][0]["pruned"][0], "ConfigMap default/b");

    // applied again: nothing left to prune
    fs::write(d.join("a.yaml"), cm("a").replace("k: v", "k: w")).unwrap();
    s.commit_all("a changed");
    let o = s.apply(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    assert!(!stdout(&o).contains("pruning"), "{}", stdout(&o));
    assert!(s.cp.get("configmap", Some("default"), "theirs").is_some());
}

#[test]
fn an_interrupted_apply_resumes_from_the_unfinished_component() {
    let s = Site::rok();
    s.driver.hold("DaemonSet/rok-system/rok-kmod");
    let mut args: Vec<String> = vec!["apply".into(), "--yes".into()];
    args.extend(s.cluster_args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = s
        .cmd(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let state = s.repo.join(".git/gitops-upgrade/apply-state.json");
    let start = Instant::now();
    loop {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "never reached rok-kmod"
        );
        if let Ok(t) = fs::read_to_string(&state) {
            let j: Json = serde_json::from_str(&t).unwrap_or(Json::Null);
            if j["components"][1]["status"] == "in-progress"
                && s.cp
                    .get("daemonset.apps", Some("rok-system"), "rok-kmod")
                    .is_some()
            {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(
        statuses(&s.status_json()),
        ["done", "in-progress", "pending", "pending"]
    );
    s.driver.release_all();
    let o = s.apply(&["--resume"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    assert!(s.cp.get(ROKCLUSTERS, Some("rok"), "rok").is_some());
    assert_eq!(statuses(&s.status_json()), ["done", "done", "done", "done"]);
}

#[test]
fn server_side_apply_through_a_named_context_of_a_named_kubeconfig() {
    let s = Site::with_tree(
        "overlays-examples/rok",
        "components:\n  - name: kmod\n    path: rok-kmod/overlays/deploy\n",
    );
    // a kubeconfig whose current context points nowhere: only --context
    // reaches the server
    let text = fs::read_to_string(&s.cp.kubeconfig).unwrap();
    let other = text
        .replace("current-context: envtest", "current-context: nowhere")
        .replace(
            "contexts:\n",
            "contexts:\n- name: nowhere\n  context:\n    cluster: nowhere\n    user: admin\n",
        )
        .replace(
            "clusters:\n",
            "clusters:\n- name: nowhere\n  cluster:\n    server: https://127.0.0.1:1\n",
        );
    let kc = s.repo.join("../other-kubeconfig");
    fs::write(&kc, other).unwrap();
    let o = s
        .cmd(&[
            "apply",
            "--kubectl",
            kubectl().to_str().unwrap(),
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--context",
            "envtest",
            "--server-side",
            "--poll-interval",
            "200ms",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let ds: Json = serde_json::from_str(&s.cp.run(&[
        "get",
        "daemonset.apps",
        "rok-kmod",
        "-n",
        "rok-system",
        "-o",
        "json",
        "--show-managed-fields",
    ]))
    .unwrap();
    // server-side apply leaves an Apply entry of kubectl's field manager
    let managers: Vec<(String, String)> = ds["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["manager"].as_str().unwrap_or("").to_string(),
                m["operation"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        managers.contains(&("kubectl".to_string(), "Apply".to_string())),
        "{managers:?}"
    );
    assert!(ds["metadata"]["annotations"]
        .get("kubectl.kubernetes.io/last-applied-configuration")
        .is_none());
    // without --context, the current context's server is not reachable
    let o = s
        .cmd(&[
            "apply",
            "--kubectl",
            kubectl().to_str().unwrap(),
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--timeout",
            "5s",
        ])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0), "{}", both(&o));
    assert!(stderr(&o).contains("127.0.0.1:1"), "{}", stderr(&o));
}

/// `upgrade` end to end: a user's clone of a vendor repository, the cluster
/// running the old release (applied from the clone), the vendor's new
/// release published: rebase, migrate, commit, and apply with --yes.
#[test]
fn upgrade_from_a_cluster_running_the_old_release() {
    let t = tempfile::tempdir().unwrap();
    let (vendor, user) = common::rok_vendor_and_site(t.path(), PLAN);
    let cp = ControlPlane::start();
    cp.run(&["create", "namespace", "rok-system"]);
    let driver = cp.drive_status();
    driver.set_custom(
        ROKCLUSTERS,
        "rok",
        "rok",
        serde_json::json!({"health": "OK"}),
    );
    let run = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
        c.current_dir(&user)
            .args(args)
            .args(["--kubectl", kubectl().to_str().unwrap()])
            .arg("--kubeconfig")
            .arg(&cp.kubeconfig)
            .args(["--poll-interval", "200ms"])
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null());
        common::isolate(&mut c, t.path());
        c.output().unwrap()
    };
    // the old release runs
    let o = run(&["apply", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let sts_uid = cp
        .get("statefulset.apps", Some("rok-system"), "rok-operator")
        .unwrap()["metadata"]["uid"]
        .clone();
    let old_image = cp.get(ROKCLUSTERS, Some("rok"), "rok").unwrap()["spec"].to_string();

    common::publish_rok_v015(&vendor);
    let o = run(&["upgrade", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let out = stdout(&o);
    assert!(out.contains("Done: release 0.14 -> 0.15 applied"), "{out}");
    let sts = cp
        .get("statefulset.apps", Some("rok-system"), "rok-operator")
        .unwrap();
    assert_ne!(
        sts["metadata"]["uid"], sts_uid,
        "the StatefulSet was re-created"
    );
    let rc = cp.get(ROKCLUSTERS, Some("rok"), "rok").unwrap();
    assert_ne!(rc["spec"].to_string(), old_image);
    assert!(
        rc["spec"].to_string().contains("roke:release-0.15"),
        "the RokCluster runs the new release: {}",
        rc["spec"]
    );
    drop(driver);
    drop(cp);
}

/// The guide's example AerospikeCluster (aerospike-operator, "Upgrading
/// Clusters"), in the vendor's base, with its CustomResourceDefinition.
const AS_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: aerospikeclusters.aerospike.travelaudience.com
spec:
  group: aerospike.travelaudience.com
  scope: Namespaced
  names: {kind: AerospikeCluster, plural: aerospikeclusters, singular: aerospikecluster, shortNames: [asc]}
  versions:
  - name: v1alpha2
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

const AS_CLUSTER: &str = "apiVersion: aerospike.travelaudience.com/v1alpha2
kind: AerospikeCluster
metadata:
  name: as-cluster-0
  namespace: aerospike
spec:
  backupSpec:
    storage:
      type: gcs
      bucket: aerospike-backup
      secret: gcs-secret
  version: \"4.2.0.3\"
  nodeCount: 2
  namespaces:
  - name: as-namespace-0
    replicationFactor: 2
    memorySize: 1G
    defaultTTL: 0s
    storage:
      type: file
      size: 1G
";

#[test]
fn upgrade_and_apply_refuse_what_the_aerospike_webhook_refuses_before_changing_anything() {
    // The API server here has no admission webhook: it accepts anything,
    // which is why the tool must judge the policies itself.
    let t = tempfile::tempdir().unwrap();
    let vendor = t.path().join("vendor");
    for (f, text) in [
        ("aerospike/base/crd.yaml", AS_CRD),
        ("aerospike/base/cluster.yaml", AS_CLUSTER),
        (
            "aerospike/base/kustomization.yaml",
            "resources:\n- crd.yaml\n- cluster.yaml\n",
        ),
        (
            "aerospike/overlays/deploy/kustomization.yaml",
            "resources:\n- ../../base\n",
        ),
    ] {
        let p = vendor.join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    git(&vendor, &["init", "-q", "-b", "main"]);
    git(&vendor, &["add", "-A"]);
    git(&vendor, &["commit", "-qm", "aerospike 4.2.0.3"]);
    git(t.path(), &["clone", "-q", "vendor", "site"]);
    let user = t.path().join("site");
    fs::write(
        user.join("gitops-upgrade.yaml"),
        "components:\n  - name: aerospike\n    path: aerospike/overlays/deploy\n",
    )
    .unwrap();
    git(&user, &["add", "-A"]);
    git(&user, &["commit", "-qm", "plan"]);

    let cp = ControlPlane::start();
    cp.run(&["create", "namespace", "aerospike"]);
    // The backup credentials the guide's pre-requisites create.
    cp.run(&[
        "create",
        "secret",
        "generic",
        "gcs-secret",
        "-n",
        "aerospike",
        "--from-literal=key.json={}",
    ]);
    let run = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
        c.current_dir(&user).args(args);
        if matches!(args[0], "apply" | "upgrade") {
            c.args(["--kubectl", kubectl().to_str().unwrap()])
                .arg("--kubeconfig")
                .arg(&cp.kubeconfig)
                .args(["--poll-interval", "200ms", "--timeout", "60s"]);
        }
        c.env_remove("KUBECONFIG").stdin(Stdio::null());
        common::isolate(&mut c, t.path());
        c.output().unwrap()
    };
    let live = || cp.get(ASC, Some("aerospike"), "as-cluster-0").unwrap();
    let o = run(&["apply", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    assert_eq!(live()["spec"]["version"], "4.2.0.3");

    // The vendor's next release upgrades Aerospike; the site scales the
    // cluster meanwhile. The webhook refuses a version change together with
    // any other change of spec: so does the upgrade, before it applies.
    let base = vendor.join("aerospike/base/cluster.yaml");
    fs::write(&base, AS_CLUSTER.replace("4.2.0.3", "4.2.0.4")).unwrap();
    git(&vendor, &["commit", "-qam", "aerospike 4.2.0.4"]);
    fs::write(
        user.join("aerospike/overlays/deploy/kustomization.yaml"),
        "resources:\n- ../../base\npatches:\n- patch: |-\n    apiVersion: aerospike.travelaudience.com/v1alpha2\n    \
         kind: AerospikeCluster\n    metadata: {name: as-cluster-0, namespace: aerospike}\n    spec: {nodeCount: 3}\n",
    )
    .unwrap();
    git(&user, &["commit", "-qam", "three nodes"]);
    let before = live()["metadata"]["resourceVersion"].clone();
    let o = run(&["upgrade", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    assert!(
        stderr(&o).contains(
            "aerospike: refused by the upgrade policies, so nothing was deleted or applied: \
             AerospikeCluster aerospike/as-cluster-0: aerospike/upgrade-alone"
        ),
        "{}",
        both(&o)
    );
    assert!(
        stderr(&o).contains("then run `gitops-upgrade upgrade --resume`"),
        "{}",
        both(&o)
    );
    let l = live();
    assert_eq!(l["metadata"]["resourceVersion"], before, "{l}");
    assert_eq!(
        (&l["spec"]["version"], &l["spec"]["nodeCount"]),
        (&"4.2.0.3".into(), &2.into())
    );

    // The version change alone (the scaling reverted): the upgrade resumes
    // at the apply and the cluster gets the new version.
    git(&user, &["revert", "--no-edit", "HEAD"]);
    let o = run(&["upgrade", "--resume", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    assert!(!stdout(&o).contains("== 1/4"), "{}", both(&o));
    let l = live();
    assert_eq!(
        (&l["spec"]["version"], &l["spec"]["nodeCount"]),
        (&"4.2.0.4".into(), &2.into())
    );

    // Someone upgraded the cluster by hand, past what the repository says:
    // applying the repository would be a downgrade, which the operator does
    // not support. Judged against the live object (the repository's own
    // history has no downgrade, so `check` finds nothing).
    cp.run(&[
        "patch",
        ASC,
        "as-cluster-0",
        "-n",
        "aerospike",
        "--type=merge",
        "-p",
        r#"{"spec":{"version":"4.3.0.2"}}"#,
    ]);
    let o = run(&["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let o = run(&["apply", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    assert!(
        stderr(&o).contains("aerospike/no-downgrade"),
        "{}",
        both(&o)
    );
    assert_eq!(live()["spec"]["version"], "4.3.0.2");
}

const ASC: &str = "aerospikeclusters.aerospike.travelaudience.com";

#[test]
fn an_object_moved_to_another_component_is_not_pruned() {
    let s = Site::with_tree(
        "",
        "components:\n  - name: a\n    path: a\n  - name: b\n    path: b\n  - name: c\n    path: c\n",
    );
    let cm = |name: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\ndata:\n  k: v\n")
    };
    let put = |dir: &str, names: &[&str]| {
        let d = s.repo.join(dir);
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let mut k = String::from("resources:\n");
        for n in names {
            fs::write(d.join(format!("{n}.yaml")), cm(n)).unwrap();
            k.push_str(&format!("- {n}.yaml\n"));
        }
        fs::write(d.join("kustomization.yaml"), k).unwrap();
    };
    put("a", &["a1", "shared-1"]);
    put("b", &["b1", "shared-2"]);
    put("c", &["c1"]);
    s.commit_all("three components");
    let o = s.apply(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));

    // shared-1 moves from a to c, shared-2 from b to c; b1 is dropped.
    put("a", &["a1"]);
    put("b", &["b-new"]);
    put("c", &["c1", "shared-1", "shared-2"]);
    s.commit_all("moved");
    let dry = s.apply(&["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", both(&dry));
    let out = stdout(&dry);
    assert!(out.contains("delete configmap b1 -n default"), "{out}");
    assert!(!out.contains("delete configmap shared-"), "{out}");
    let o = s.apply(&["--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    for kept in ["a1", "b-new", "c1", "shared-1", "shared-2"] {
        assert!(
            s.cp.get("configmap", Some("default"), kept).is_some(),
            "{kept} was deleted: {}",
            both(&o)
        );
    }
    assert!(s.cp.get("configmap", Some("default"), "b1").is_none());
}
