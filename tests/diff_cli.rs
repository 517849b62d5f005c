//! `gitops-upgrade diff` as a user meets it: real repositories made with
//! the git CLI in temporary directories, the built binary run against them.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod common;

use serde_json::Value as Json;

use common::git;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn commit(dir: &Path, msg: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
}

fn bin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(dir: &Path, args: &[&str]) -> Json {
    let mut a = vec!["diff", "--output", "json"];
    a.extend_from_slice(args);
    let o = bin(dir, &a);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

/// A repository with `app/` (a root over `base/`) whose base holds `res.yaml`.
fn repo(res: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(d, "base/kustomization.yaml", "resources:\n- res.yaml\n");
    write(d, "base/res.yaml", res);
    write(d, "app/kustomization.yaml", "resources:\n- ../base\n");
    commit(d, "init");
    t
}

/// The single resource entry (panics unless exactly one).
fn only_resource(j: &Json) -> &Json {
    let rs = j["resources"].as_array().unwrap();
    assert_eq!(rs.len(), 1, "resources: {j:#}");
    &rs[0]
}

fn paths(r: &Json) -> Vec<String> {
    r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["op"].as_str().unwrap(),
                c["path"].as_str().unwrap()
            )
        })
        .collect()
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: main
        image: web:1
        env:
        - name: A
          value: a
        - name: B
          value: b
        ports:
        - containerPort: 80
        - containerPort: 443
        volumeMounts:
        - name: data
          mountPath: /data
      volumes:
      - name: data
        emptyDir: {}
";

#[test]
fn no_differences_exits_0_even_with_exit_code() {
    let t = repo(DEPLOY);
    let o = bin(t.path(), &["diff", "--exit-code"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("No differences (1 resource(s) compared)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn differences_exit_1_with_exit_code_and_0_without() {
    let t = repo(DEPLOY);
    write(
        t.path(),
        "base/res.yaml",
        &DEPLOY.replace("replicas: 1", "replicas: 2"),
    );
    let o = bin(t.path(), &["diff", "--exit-code"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = bin(t.path(), &["diff"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("app   changed  Deployment.apps  web"), "{out}");
    assert!(out.contains("~ spec.replicas: 1 -> 2"), "{out}");
    assert!(!out.contains('\x1b'), "no color when not a terminal: {out}");
    let o = bin(t.path(), &["--color", "always", "diff"]);
    assert!(stdout(&o).contains("\x1b["), "--color always colors");
}

#[test]
fn list_items_matched_by_merge_keys() {
    let t = repo(DEPLOY);
    let new = DEPLOY
        .replace(
            "      containers:\n",
            "      containers:\n      - name: sidecar\n        image: side:1\n",
        )
        // B moves before A and changes; C is inserted.
        .replace(
            "        - name: A\n          value: a\n        - name: B\n          value: b\n",
            "        - name: C\n          value: c\n        - name: B\n          value: b2\n        - name: A\n          value: a\n",
        )
        .replace("        - containerPort: 80\n", "")
        .replace("        - containerPort: 443\n", "        - containerPort: 443\n        - containerPort: 8080\n");
    write(t.path(), "base/res.yaml", &new);
    let j = json(t.path(), &[]);
    let r = only_resource(&j);
    assert_eq!(r["operation"], "changed");
    assert_eq!(
        paths(r),
        vec![
            "changed spec.template.spec.containers[name=main].env[name=B].value",
            "added spec.template.spec.containers[name=main].env[name=C]",
            "removed spec.template.spec.containers[name=main].ports[containerPort=80]",
            "added spec.template.spec.containers[name=main].ports[containerPort=8080]",
            "added spec.template.spec.containers[name=sidecar]",
        ]
    );
    let c = &r["changes"][0];
    assert_eq!(c["old"], "b");
    assert_eq!(c["new"], "b2");
    assert_eq!(
        c["segments"],
        serde_json::json!(["spec", "template", "spec", "containers", {"name": "main"}, "env", {"name": "B"}, "value"])
    );
}

#[test]
fn generated_configmap_with_new_hash_is_one_changed_resource() {
    let t = repo(DEPLOY);
    let d = t.path();
    write(
        d,
        "base/kustomization.yaml",
        "resources:\n- res.yaml\nconfigMapGenerator:\n- name: settings\n  literals:\n  - mode=fast\n",
    );
    commit(d, "generator");
    write(
        d,
        "base/kustomization.yaml",
        "resources:\n- res.yaml\nconfigMapGenerator:\n- name: settings\n  literals:\n  - mode=safe\n",
    );
    let j = json(d, &[]);
    let rs = j["resources"].as_array().unwrap();
    assert_eq!(rs.len(), 1, "{j:#}");
    let r = &rs[0];
    assert_eq!(r["kind"], "ConfigMap");
    assert_eq!(r["operation"], "changed");
    let old = r["old_name"].as_str().unwrap();
    let new = r["name"].as_str().unwrap();
    assert!(old.starts_with("settings-") && new.starts_with("settings-") && old != new);
    assert_eq!(paths(r), vec!["changed metadata.name", "changed data.mode"]);
    assert_eq!(j["summary"]["added"], 0);
    assert_eq!(j["summary"]["removed"], 0);
}

#[test]
fn two_generated_candidates_are_not_guessed() {
    // A hash-suffixed name with two candidates on the other side stays
    // removed/added rather than being paired arbitrarily.
    let cm = |n: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {n}\ndata:\n  a: b\n")
    };
    let t = repo(&format!(
        "{}---\n{}",
        cm("x-aaaaaaaaaa"),
        cm("y-aaaaaaaaaa")
    ));
    write(
        t.path(),
        "base/res.yaml",
        &format!(
            "{}---\n{}---\n{}",
            cm("x-bbbbbbbbbb"),
            cm("x-cccccccccc"),
            cm("y-bbbbbbbbbb")
        ),
    );
    let j = json(t.path(), &[]);
    assert_eq!(j["summary"]["added"], 2, "{j:#}");
    assert_eq!(j["summary"]["removed"], 1);
    assert_eq!(j["summary"]["changed"], 1);
}

const SECRET: &str = "apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  token: old-token-value
data:
  password: b2xkLXBhc3N3b3Jk
";

#[test]
fn secret_values_are_masked_unless_show_secrets() {
    let t = repo(SECRET);
    write(
        t.path(),
        "base/res.yaml",
        &(SECRET
            .replace("old-token-value", "new-token-value")
            .replace("b2xkLXBhc3N3b3Jk", "bmV3LXBhc3N3b3Jk")
            + "  extra: ZXh0cmEtc2VjcmV0\n"),
    );
    for out in [
        stdout(&bin(t.path(), &["diff"])),
        stdout(&bin(t.path(), &["diff", "--output", "json"])),
    ] {
        for secret in ["token-value", "b2xk", "bmV3", "ZXh0cmEt"] {
            assert!(!out.contains(secret), "{secret} leaked: {out}");
        }
        assert!(out.contains("password") && out.contains("token") && out.contains("extra"));
    }
    let text = stdout(&bin(t.path(), &["diff"]));
    assert!(
        text.contains("~ data.password: changed (value hidden"),
        "{text}"
    );
    let j = json(t.path(), &[]);
    let r = only_resource(&j);
    assert!(r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["masked"] == true));
    let shown = stdout(&bin(t.path(), &["diff", "--show-secrets"]));
    assert!(
        shown.contains("bmV3LXBhc3N3b3Jk") && shown.contains("new-token-value"),
        "{shown}"
    );
}

/// The recreate reasons for a change from `old` to `new` (one resource).
fn recreate(old: &str, new: &str) -> (bool, Vec<String>) {
    let t = repo(old);
    write(t.path(), "base/res.yaml", new);
    let j = json(t.path(), &[]);
    let r = only_resource(&j);
    let reasons = r["recreate_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    (r["recreate"].as_bool().unwrap(), reasons)
}

fn assert_recreate(old: &str, new: &str, reason_part: &str) {
    let (flag, reasons) = recreate(old, new);
    assert!(flag, "expected recreate for {new}");
    assert!(
        reasons.iter().any(|r| r.contains(reason_part)),
        "{reasons:?} lacks {reason_part}"
    );
}

fn assert_in_place(old: &str, new: &str) {
    let (flag, reasons) = recreate(old, new);
    assert!(!flag, "unexpected recreate: {reasons:?}");
}

const STS: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  minReadySeconds: 0
  podManagementPolicy: OrderedReady
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: db:1
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      resources:
        requests:
          storage: 1Gi
";

#[test]
fn statefulset_rules() {
    assert_recreate(
        STS,
        &STS.replace("serviceName: db", "serviceName: db2"),
        "spec.serviceName",
    );
    assert_recreate(
        STS,
        &STS.replace("storage: 1Gi", "storage: 2Gi"),
        "spec.volumeClaimTemplates",
    );
    assert_recreate(
        STS,
        &STS.replace("OrderedReady", "Parallel"),
        "spec.podManagementPolicy",
    );
    assert_recreate(
        STS,
        &STS.replace("      app: db\n  template", "      app: db2\n  template"),
        "spec.selector",
    );
    assert_in_place(
        STS,
        &(STS.replace("replicas: 1", "replicas: 3")
            .replace("db:1", "db:2")
            .replace("minReadySeconds: 0", "minReadySeconds: 5")
            + "  updateStrategy:\n    type: OnDelete\n  persistentVolumeClaimRetentionPolicy:\n    whenDeleted: Delete\n  ordinals:\n    start: 1\n"),
    );
}

const SC: &str = "apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
provisioner: a.csi.example.com
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: false
parameters:
  tier: gold
";

#[test]
fn storageclass_rules() {
    assert_recreate(
        SC,
        &SC.replace("tier: gold", "tier: silver"),
        "StorageClass parameters",
    );
    assert_recreate(
        SC,
        &SC.replace("a.csi", "b.csi"),
        "StorageClass provisioner",
    );
    assert_recreate(
        SC,
        &SC.replace("Delete", "Retain"),
        "StorageClass reclaimPolicy",
    );
    assert_recreate(
        SC,
        &SC.replace("Immediate", "WaitForFirstConsumer"),
        "StorageClass volumeBindingMode",
    );
    assert_in_place(
        SC,
        &SC.replace("allowVolumeExpansion: false", "allowVolumeExpansion: true"),
    );
}

#[test]
fn workload_selector_rules() {
    for kind in ["Deployment", "DaemonSet", "ReplicaSet"] {
        let old = DEPLOY.replace("kind: Deployment", &format!("kind: {kind}"));
        let sel = old.replace(
            "    matchLabels:\n      app: web\n",
            "    matchLabels:\n      app: web\n      tier: x\n",
        );
        assert_recreate(&old, &sel, &format!("{kind} spec.selector is immutable"));
        assert_in_place(&old, &old.replace("web:1", "web:2"));
    }
}

const JOB: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: m
        image: m:1
";

#[test]
fn job_rules() {
    assert_recreate(
        JOB,
        &JOB.replace("m:1", "m:2"),
        "Job spec.template is immutable",
    );
    assert_recreate(
        JOB,
        &JOB.replace(
            "  template:\n",
            "  selector:\n    matchLabels:\n      a: b\n  template:\n",
        ),
        "Job spec.selector is immutable",
    );
    assert_in_place(JOB, &JOB.replace("backoffLimit: 1", "backoffLimit: 3"));
}

const PVC: &str = "apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: fast
  resources:
    requests:
      storage: 10Gi
";

#[test]
fn pvc_rules() {
    assert_in_place(PVC, &PVC.replace("10Gi", "20Gi"));
    assert_in_place(PVC, &PVC.replace("10Gi", "10240Mi"));
    assert_recreate(PVC, &PVC.replace("10Gi", "5Gi"), "can only grow");
    assert_recreate(
        PVC,
        &PVC.replace("fast", "slow"),
        "spec.storageClassName is immutable",
    );
    assert_recreate(
        PVC,
        &PVC.replace("ReadWriteOnce", "ReadWriteMany"),
        "spec.accessModes is immutable",
    );
    assert_in_place(
        PVC,
        &PVC.replace("  name: data\n", "  name: data\n  labels:\n    a: b\n"),
    );
}

const SVC: &str = "apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  clusterIP: 10.0.0.10
  ports:
  - port: 80
    targetPort: 8080
";

#[test]
fn service_cluster_ip_rule() {
    assert_recreate(
        SVC,
        &SVC.replace("10.0.0.10", "10.0.0.11"),
        "spec.clusterIP is immutable",
    );
    assert_recreate(
        SVC,
        &SVC.replace("10.0.0.10", "None"),
        "spec.clusterIP is immutable",
    );
    assert_in_place(SVC, &SVC.replace("targetPort: 8080", "targetPort: 9090"));
}

#[test]
fn immutable_configmap_data_rule() {
    let cm =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nimmutable: true\ndata:\n  a: b\n";
    assert_recreate(cm, &cm.replace("a: b", "a: c"), "immutable: true");
}

#[test]
fn json_shape_is_documented_one() {
    let t = repo(&format!("{DEPLOY}---\n{SVC}"));
    write(
        t.path(),
        "base/res.yaml",
        &format!("{}---\n{JOB}", DEPLOY.replace("web:1", "web:2")),
    );
    let j = json(t.path(), &[]);
    let head = git(t.path(), &["rev-parse", "HEAD"]);
    assert_eq!(j["from"]["kind"], "revision");
    assert_eq!(j["from"]["spec"], "HEAD");
    assert_eq!(j["from"]["commit"], head.trim());
    assert_eq!(j["to"]["kind"], "worktree");
    assert!(j["to"]["path"].is_string());
    assert_eq!(j["roots"], serde_json::json!(["app"]));
    assert_eq!(
        j["summary"],
        serde_json::json!({"added": 1, "removed": 1, "changed": 1, "unchanged": 0, "recreate": 0, "failed": 0})
    );
    assert_eq!(
        j["root_stats"],
        serde_json::json!([{"root": "app", "added": 1, "removed": 1, "changed": 1,
            "unchanged": 0, "recreate": 0, "failed": false}])
    );
    assert_eq!(j["errors"], serde_json::json!([]));
    let rs = j["resources"].as_array().unwrap();
    let keys = |v: &Json| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    for r in rs {
        assert_eq!(
            keys(r),
            vec![
                "api_version",
                "changes",
                "group",
                "kind",
                "name",
                "namespace",
                "old_name",
                "operation",
                "recreate",
                "recreate_reasons",
                "root"
            ]
        );
    }
    let ops: Vec<(&str, &str)> = rs
        .iter()
        .map(|r| {
            (
                r["operation"].as_str().unwrap(),
                r["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        ops.contains(&("added", "Job")) && ops.contains(&("removed", "Service")),
        "{ops:?}"
    );
    let changed = rs.iter().find(|r| r["operation"] == "changed").unwrap();
    assert_eq!(changed["group"], "apps");
    assert_eq!(changed["api_version"], "apps/v1");
    let c = &changed["changes"][0];
    assert_eq!(
        keys(c),
        vec![
            "immutable",
            "masked",
            "new",
            "old",
            "op",
            "path",
            "segments",
            "text_diff"
        ]
    );
    assert_eq!(c["old"], "web:1");
    assert_eq!(c["new"], "web:2");
    assert!(c["immutable"].is_null() && c["text_diff"].is_null());
}

#[test]
fn multiline_strings_show_a_unified_diff() {
    let body: String = (1..=12).map(|i| format!("    line {i}\n")).collect();
    let cm = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: script\ndata:\n  run.sh: |\n{body}"
    );
    let t = repo(&cm);
    write(
        t.path(),
        "base/res.yaml",
        &cm.replace("line 6\n", "line six\n"),
    );
    let out = stdout(&bin(t.path(), &["diff", "--context", "1"]));
    assert!(
        out.contains("~ data[\"run.sh\"]:\n      @@ -5,3 +5,3 @@\n       line 5\n      -line 6\n      +line six\n       line 7\n"),
        "{out}"
    );
    let j = json(t.path(), &["--context", "0"]);
    assert_eq!(
        only_resource(&j)["changes"][0]["text_diff"],
        "@@ -6,1 +6,1 @@\n-line 6\n+line six\n"
    );
}

#[test]
fn revisions_are_rendered_from_their_trees() {
    let t = repo(DEPLOY);
    let d = t.path();
    write(d, "base/res.yaml", &DEPLOY.replace("web:1", "web:2"));
    commit(d, "v2");
    write(d, "base/res.yaml", &DEPLOY.replace("web:1", "web:3"));
    let j = json(d, &["--from", "HEAD~1", "--to", "HEAD"]);
    let c = &only_resource(&j)["changes"][0];
    assert_eq!(
        (c["old"].as_str(), c["new"].as_str()),
        (Some("web:1"), Some("web:2"))
    );
    // Default --from HEAD, --to the working tree.
    let j = json(d, &[]);
    let c = &only_resource(&j)["changes"][0];
    assert_eq!(
        (c["old"].as_str(), c["new"].as_str()),
        (Some("web:2"), Some("web:3"))
    );
    // A tag and a directory as sides.
    git(d, &["tag", "v1", "HEAD~1"]);
    let j = json(d, &["--from", "v1", "--to", "./"]);
    let c = &only_resource(&j)["changes"][0];
    assert_eq!(
        (c["old"].as_str(), c["new"].as_str()),
        (Some("web:1"), Some("web:3"))
    );
    assert_eq!(j["to"]["kind"], "dir");
    // Nothing was checked out.
    assert!(fs::read_to_string(d.join("base/res.yaml"))
        .unwrap()
        .contains("web:3"));
    assert_eq!(git(d, &["status", "--short"]).trim(), "M base/res.yaml");
    let same = bin(
        d,
        &["diff", "--from", "HEAD", "--to", "HEAD", "--exit-code"],
    );
    assert_eq!(same.status.code(), Some(0));
}

#[test]
fn default_roots_are_the_kustomizations_nobody_includes() {
    let t = repo(DEPLOY);
    let d = t.path();
    write(
        d,
        "other/kustomization.yaml",
        "resources:\n- ../base\nnamePrefix: o-\n",
    );
    write(d, "base/res.yaml", &DEPLOY.replace("web:1", "web:2"));
    let j = json(d, &[]);
    assert_eq!(j["roots"], serde_json::json!(["app", "other"]));
    let rs = j["resources"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = rs
        .iter()
        .map(|r| {
            (
                r["root"].as_str().unwrap(),
                r["operation"].as_str().unwrap(),
                r["name"].as_str().unwrap(),
            )
        })
        .collect();
    // `other` is new: all its resources are added.
    assert_eq!(
        got,
        vec![("app", "changed", "web"), ("other", "added", "o-web")]
    );
    // A ROOT given from a subdirectory is relative to it.
    let j = json(&d.join("app"), &["."]);
    assert_eq!(j["roots"], serde_json::json!(["app"]));
}

#[test]
fn errors_are_one_line_with_exit_2() {
    let t = repo(DEPLOY);
    let d = t.path();
    let check = |o: Output, part: &str| {
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(
            e.starts_with("error: ") && e.contains(part),
            "{e} lacks {part}"
        );
    };
    check(
        bin(d, &["diff", "--from", "no-such-rev"]),
        "--from: unknown revision or directory 'no-such-rev'",
    );
    check(
        bin(d, &["diff", "--to", "nope~3"]),
        "--to: unknown revision",
    );
    write(d, "base/res.yaml", "kind: [broken\n");
    check(
        bin(d, &["diff"]),
        "root app does not render on the working-tree side: base/res.yaml",
    );
    commit(d, "broken");
    check(
        bin(d, &["diff", "--from", "HEAD", "--to", "HEAD~1"]),
        "does not render on the --from HEAD side",
    );
    check(
        bin(
            d,
            &["diff", "--from", "HEAD~1", "--to", "HEAD~1", "nowhere"],
        ),
        "root nowhere: no kustomization there on either side",
    );
    let o = bin(d, &["diff", "--output", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = bin(d, &["diff", "--context", "-1"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn outside_a_repository_directories_work_and_revisions_fail() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "a/kustomization.yaml", "resources:\n- r.yaml\n");
    write(d, "a/r.yaml", SVC);
    write(d, "b/kustomization.yaml", "resources:\n- r.yaml\n");
    write(d, "b/r.yaml", &SVC.replace("port: 80", "port: 81"));
    let o = bin(d, &["diff", "--from", "a/", "--to", "b/", "--exit-code"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("+ spec.ports[port=81]"),
        "{}",
        stdout(&o)
    );
    let o = bin(d, &["diff", "--to", "b/"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a revision: not inside a git repository"),
        "{}",
        stderr(&o)
    );
}

/// The `recreate` hints of the catalogs named in `gitops-upgrade.yaml` mark
/// any change to the resources they name, even a field the API server
/// would accept; without the plan file the same change updates in place.
#[test]
fn catalog_recreate_hints_from_the_plan_file() {
    let old = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: rok\nprovisioner: rok.csi.arrikto.com\nallowVolumeExpansion: false\n";
    let new = old.replace("allowVolumeExpansion: false", "allowVolumeExpansion: true");
    let t = repo(old);
    write(t.path(), "base/res.yaml", &new);
    let before = json(t.path(), &[]);
    assert_eq!(only_resource(&before)["recreate"], false);

    write(
        t.path(),
        "gitops-upgrade.yaml",
        "migrations:\n- rok-v0.15\n",
    );
    let j = json(t.path(), &[]);
    let r = only_resource(&j);
    assert_eq!(r["recreate"], true);
    let reasons = r["recreate_reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|v| v.as_str().unwrap().contains("rok-v0.15 migration catalog")),
        "{reasons:?}"
    );
}

/// A generated release of a repository with many roots: 30 apps (each a
/// root over a shared base), a stray `Component`, a root that breaks in
/// the release and one the release fixes, one root removed and one added.
fn release_repo() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(d, "base/kustomization.yaml", "resources:\n- svc.yaml\n");
    write(d, "base/svc.yaml", SVC);
    let app = |i: usize, image: &str| {
        write(
            d,
            &format!("apps/app-{i:02}/kustomization.yaml"),
            &format!("namePrefix: a{i:02}-\nresources:\n- ../../base\n- deploy.yaml\n"),
        );
        write(
            d,
            &format!("apps/app-{i:02}/deploy.yaml"),
            &DEPLOY.replace("web:1", image),
        );
    };
    for i in 0..30 {
        app(i, "web:1");
    }
    write(
        d,
        "components/stray/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: patch.yaml\n",
    );
    write(
        d,
        "components/stray/patch.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nowhere\ndata:\n  a: b\n",
    );
    write(
        d,
        "apps/breaks/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    write(
        d,
        "apps/breaks/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    write(
        d,
        "apps/fixed/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    write(d, "apps/fixed/cm.yaml", "kind: [broken\n");
    commit(d, "v1");
    git(d, &["tag", "v1"]);
    for i in (0..30).step_by(3) {
        app(i, "web:2");
    }
    fs::remove_dir_all(d.join("apps/app-29")).unwrap();
    app(30, "web:1");
    write(
        d,
        "components/stray/patch.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nowhere\ndata:\n  a: c\n",
    );
    write(
        d,
        "apps/breaks/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [c\n",
    );
    write(
        d,
        "apps/fixed/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\n",
    );
    commit(d, "v2");
    git(d, &["tag", "v2"]);
    t
}

/// `file:line:col: message`.
fn positioned(e: &str, file: &str) -> bool {
    let Some(rest) = e.strip_prefix(file).and_then(|r| r.strip_prefix(':')) else {
        return false;
    };
    let parts: Vec<&str> = rest.splitn(3, ':').collect();
    parts.len() == 3
        && parts[..2]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[2].starts_with(' ')
}

#[test]
fn every_root_is_compared_and_each_failure_named() {
    let t = release_repo();
    let d = t.path();
    let o = bin(
        d,
        &["diff", "--from", "v1", "--to", "v2", "--output", "json"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let j: Json = serde_json::from_slice(&o.stdout).expect("JSON printed before exit 2");
    let roots: Vec<&str> = j["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(roots.len(), 33, "{roots:?}");
    assert!(roots.contains(&"apps/app-29") && roots.contains(&"apps/app-30"));
    assert!(
        !roots.iter().any(|r| r.starts_with("components")),
        "{roots:?}"
    );
    // each failure with its side and the renderer's positioned error
    let errors = j["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["root"], "apps/breaks");
    assert_eq!(errors[0]["side"], "to");
    let e = errors[0]["error"].as_str().unwrap();
    assert!(positioned(e, "apps/breaks/cm.yaml"), "{e}");
    assert_eq!(errors[1]["root"], "apps/fixed");
    assert_eq!(errors[1]["side"], "from");
    assert!(
        positioned(errors[1]["error"].as_str().unwrap(), "apps/fixed/cm.yaml"),
        "{errors:?}"
    );
    // every other root is compared
    assert_eq!(
        j["summary"],
        serde_json::json!({"added": 2, "removed": 2, "changed": 10,
            "unchanged": 48, "recreate": 0, "failed": 2})
    );
    let stats = j["root_stats"].as_array().unwrap();
    let stat = |root: &str| stats.iter().find(|s| s["root"] == root).unwrap().clone();
    assert_eq!(
        stat("apps/app-03"),
        serde_json::json!({"root": "apps/app-03", "added": 0, "removed": 0,
            "changed": 1, "unchanged": 1, "recreate": 0, "failed": false})
    );
    assert_eq!(stat("apps/app-29")["removed"], 2);
    assert_eq!(stat("apps/app-30")["added"], 2);
    assert_eq!(stat("apps/breaks")["failed"], true);
    // one stderr line per failure, after the report
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.contains("error: root apps/breaks does not render on the --to v2 side: apps/breaks/cm.yaml:5:1: "),
        "{err}"
    );
    // the same result with one thread
    let o1 = bin(
        d,
        &[
            "diff", "--from", "v1", "--to", "v2", "--output", "json", "--jobs", "1",
        ],
    );
    assert_eq!(o1.stdout, o.stdout);
}

#[test]
fn stat_prints_a_line_per_root_and_failures_win_over_exit_code() {
    let t = release_repo();
    let d = t.path();
    let o = bin(
        d,
        &[
            "diff",
            "--from",
            "v1",
            "--to",
            "v2",
            "--stat",
            "--exit-code",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("\napps/app-00: 1 changed, 0 added, 0 removed, 0 re-create\n"),
        "{out}"
    );
    assert!(
        out.contains("\napps/app-29: 0 changed, 0 added, 2 removed, 0 re-create\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "\napps/breaks: does not render on the --to v2 side: apps/breaks/cm.yaml:5:1: "
        ),
        "{out}"
    );
    assert!(
        out.contains("(19 other root(s) without differences)"),
        "{out}"
    );
    assert!(out.contains("2 added, 2 removed, 10 changed, 48 unchanged; 0 must be re-created; 2 root(s) not compared."), "{out}");
    assert!(!out.contains("ROOT"), "no table with --stat: {out}");
    assert!(!out.contains("~ spec"), "no details with --stat: {out}");
    // the full report has the same lines before the table, and a row per failure
    let full = stdout(&bin(d, &["diff", "--from", "v1", "--to", "v2"]));
    let table = full.find("ROOT ").expect("a table");
    assert!(full[..table].contains("apps/app-00: 1 changed"), "{full}");
    assert!(
        full.contains("\napps/breaks  failed   does not render on the --to v2 side: apps/breaks/cm.yaml:5:1: "),
        "{full}"
    );
    // without failures: --exit-code says 1 for differences
    let o = bin(
        d,
        &[
            "diff",
            "--from",
            "v1",
            "--to",
            "v2",
            "--exit-code",
            "apps/app-00",
            "apps/app-01",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let j = json(d, &["--from", "v1", "--to", "v2", "--stat", "apps/app-00"]);
    assert!(j.get("resources").is_none(), "{j}");
    assert_eq!(j["summary"]["changed"], 1);
}

#[test]
fn a_component_is_compared_only_when_named() {
    let t = release_repo();
    let d = t.path();
    let j = json(d, &["--from", "v1", "--to", "v1", "--stat", "apps/app-00"]);
    assert_eq!(j["roots"], serde_json::json!(["apps/app-00"]));
    let o = bin(
        d,
        &[
            "diff",
            "--from",
            "v1",
            "--to",
            "v2",
            "--output",
            "json",
            "components/stray",
        ],
    );
    let j: Json = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["roots"], serde_json::json!(["components/stray"]));
    assert_eq!(j["root_stats"].as_array().unwrap().len(), 1);
}

/// An error the renderer gives without a position is placed where `check`
/// places it: on the entry of the kustomization file it quotes.
#[test]
fn a_missing_resource_is_placed_on_its_entry() {
    let t = repo(DEPLOY);
    let d = t.path();
    write(
        d,
        "app/kustomization.yaml",
        "resources:\n- ../base\n- extra.yaml\n",
    );
    let o = bin(d, &["diff", "--output", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let j: Json = serde_json::from_slice(&o.stdout).unwrap();
    let e = j["errors"][0]["error"].as_str().unwrap();
    assert!(
        e.starts_with("app/kustomization.yaml:3:3: ") && e.contains("extra.yaml"),
        "{e}"
    );
    assert_eq!(j["errors"][0]["side"], "to");
}
