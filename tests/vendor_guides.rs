//! The vendor guides, to the letter: catalogs, ownership of files, plans
//! and presets, on real git repositories laid out like the vendor's
//! deployments repository (`rok/<component>/{base,overlays/deploy}`,
//! `rok/rok-external-services/...`, the ingress file, `kubeflow/`), driving
//! the built binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A vendor repository (`vendor/`) and the user's clone of it (`user/`).
struct World {
    tmp: tempfile::TempDir,
}

const ROKCLUSTER_014: &str = "\
apiVersion: crd.arrikto.com/v1alpha1
kind: RokCluster
metadata:
  name: rok
  namespace: rok
spec:
  images:
    rok: gcr.io/arrikto/roke:v0.14
    rokCSI: gcr.io/arrikto/rok-csi:v0.14
  configVars: cluster.behind_proxy=True; cluster.check_host_header=False;
";

const USER_PATCH: &str = "\
# ours: the cluster's images and settings
apiVersion: crd.arrikto.com/v1alpha1
kind: RokCluster
metadata:
  name: rok
  namespace: rok
spec:
  configVars: cluster.behind_proxy=True; cluster.site=eu-west;
  images:
    rok: gcr.io/arrikto/roke:v0.14
    rokCSI: gcr.io/arrikto/rok-csi:v0.14
";

const OPS_METADATA: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: ops-metadata
  namespace: rok
data:
  team: platform
";

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        for d in ["home", "vendor"] {
            std::fs::create_dir_all(tmp.path().join(d)).unwrap();
        }
        let w = World { tmp };
        w.git("vendor", &["init", "-q", "-b", "master"]);
        w.git("vendor", &["config", "commit.gpgsign", "false"]);
        // v0.14: the vendor's base and the deploy overlay scaffold
        w.write(
            "vendor",
            "rok/rok-cluster/base/rokcluster.yaml",
            ROKCLUSTER_014,
        );
        w.write(
            "vendor",
            "rok/rok-cluster/base/kustomization.yaml",
            "resources:\n- rokcluster.yaml\n",
        );
        w.write(
            "vendor",
            "rok/rok-cluster/overlays/deploy/kustomization.yaml",
            "resources:\n- ../../base\n",
        );
        w.write(
            "vendor",
            "kubeflow/kfctl_config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kfctl\n",
        );
        w.commit("vendor", "Rok v0.14");
        w.git_top(&["clone", "-q", "vendor", "user"]);
        w.git("user", &["config", "commit.gpgsign", "false"]);
        // the user's own commit: a deploy overlay patch and a ConfigMap
        w.write(
            "user",
            "rok/rok-cluster/overlays/deploy/kustomization.yaml",
            "resources:\n- ../../base\n- ops-metadata.yaml\npatches:\n- path: patches/rokcluster.yaml\n",
        );
        w.write(
            "user",
            "rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml",
            USER_PATCH,
        );
        w.write(
            "user",
            "rok/rok-cluster/overlays/deploy/ops-metadata.yaml",
            OPS_METADATA,
        );
        w.commit("user", "our deploy overlay");
        w
    }
    fn dir(&self, which: &str) -> PathBuf {
        self.tmp.path().join(which)
    }
    fn git_top(&self, args: &[&str]) -> String {
        let mut c = Command::new("git");
        c.current_dir(self.tmp.path()).args(args);
        common::isolate(&mut c, &self.dir("home"));
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    fn git(&self, which: &str, args: &[&str]) -> String {
        let mut c = Command::new("git");
        c.current_dir(self.dir(which)).args(args);
        common::isolate(&mut c, &self.dir("home"));
        let o = c.output().unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    fn write(&self, which: &str, rel: &str, text: &str) {
        let p = self.dir(which).join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn read(&self, which: &str, rel: &str) -> String {
        std::fs::read_to_string(self.dir(which).join(rel)).unwrap()
    }
    fn commit(&self, which: &str, msg: &str) {
        self.git(which, &["add", "-A"]);
        self.git(which, &["commit", "-q", "-m", msg]);
    }
    fn run(&self, which: &str, args: &[&str]) -> Out {
        run_in(&self.dir(which), &self.dir("home"), args)
    }
}

fn run_in(dir: &Path, home: &Path, args: &[&str]) -> Out {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
    c.current_dir(dir).args(args);
    common::isolate(&mut c, home);
    let o = common::run_with_timeout(&mut c, Duration::from_secs(60));
    assert!(!o.timed_out, "timed out: {args:?}");
    Out {
        code: o.status.and_then(|s| s.code()).unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: o.stderr_str(),
    }
}

// ---------------------------------------------------------------------------
// migrate-patches edits only the user's files

#[test]
fn migrate_patches_edits_only_the_files_of_the_users_commits() {
    let w = World::new();
    // The vendor's next commit: its base in the new shape, but still the
    // old images (an old shape the catalog would change in a vendor file).
    w.write(
        "vendor",
        "rok/rok-cluster/base/rokcluster.yaml",
        &ROKCLUSTER_014.replace(
            "  configVars: cluster.behind_proxy=True; cluster.check_host_header=False;\n",
            "  configVars:\n    cluster.behind_proxy: True\n",
        ),
    );
    w.commit("vendor", "Rok v0.15");
    w.git("user", &["fetch", "-q"]);
    w.git("user", &["rebase", "-q", "origin/master"]);
    let base_before = w.read("user", "rok/rok-cluster/base/rokcluster.yaml");
    let o = w.run("user", &["migrate-patches", "--catalog", "rok-v0.15"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    // which files are the user's, said
    assert!(
        o.stderr
            .contains("your files: the 3 file(s) your 1 commit(s) on top of origin/master"),
        "{}",
        o.stderr
    );
    // the vendor's base: a warning with the rule, not edited
    assert!(
        o.stderr.contains(
            "warning: rok/rok-cluster/base/rokcluster.yaml:8:5: vendor file, not edited: rok-v0.15/image-rok: spec.images.rok: gcr.io/arrikto/roke:v0.14 -> gcr.io/arrikto/roke:v0.15"
        ),
        "{}",
        o.stderr
    );
    assert_eq!(
        w.read("user", "rok/rok-cluster/base/rokcluster.yaml"),
        base_before
    );
    // the user's patch: migrated to the guide's shape and images
    let patch = w.read(
        "user",
        "rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml",
    );
    for want in [
        "  configVars:\n    cluster.behind_proxy: True\n    cluster.site: eu-west\n",
        "    rok: gcr.io/arrikto/roke:v0.15\n",
        "    rokCSI: gcr.io/arrikto/rok-csi:v0.15\n",
        "  redis:\n    endpoint: redis://rok-redis.rok.svc.cluster.local:6379\n",
    ] {
        assert!(patch.contains(want), "{want:?} missing in\n{patch}");
    }
    // nothing of the user's is renamed (the guide's operator renames its
    // own <cluster>-metadata ConfigMap)
    assert_eq!(
        w.read("user", "rok/rok-cluster/overlays/deploy/ops-metadata.yaml"),
        OPS_METADATA
    );
    // --include-vendor-files edits the vendor's base too
    let o = w.run(
        "user",
        &[
            "migrate-patches",
            "--catalog",
            "rok-v0.15",
            "--include-vendor-files",
        ],
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(w
        .read("user", "rok/rok-cluster/base/rokcluster.yaml")
        .contains("    rok: gcr.io/arrikto/roke:v0.15\n"));
}

#[test]
fn migrate_patches_with_upstream_named_files_and_no_upstream() {
    let w = World::new();
    // --upstream: the user's commit counted from the vendor's first commit
    let first = w.git("vendor", &["rev-parse", "HEAD"]);
    w.git("user", &["branch", "--unset-upstream"]);
    let o = w.run(
        "user",
        &["migrate-patches", "--catalog", "rok-v0.15", "--check"],
    );
    // no upstream: said, and the deploy overlays are taken as the user's
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains(
            "no upstream (pass --upstream <ref>): treating as yours the files below overlays/deploy/ directories"
        ),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("rok/rok-cluster/base/rokcluster.yaml:10:3: vendor file, not edited"),
        "{}",
        o.stderr
    );
    let o = w.run(
        "user",
        &[
            "migrate-patches",
            "--catalog",
            "rok-v0.15",
            "--upstream",
            first.trim(),
            "--check",
            "--output",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["ownership"]["basis"], "upstream");
    let files: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml"]
    );
    // a vendor file named on the command line is the user's
    let o = w.run(
        "user",
        &[
            "migrate-patches",
            "--catalog",
            "rok-v0.15",
            "--upstream",
            first.trim(),
            "rok/rok-cluster/base/rokcluster.yaml",
        ],
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(w
        .read("user", "rok/rok-cluster/base/rokcluster.yaml")
        .contains("    rok: gcr.io/arrikto/roke:v0.15\n"));
    // a bad --upstream is a usage error
    let o = w.run(
        "user",
        &[
            "migrate-patches",
            "--catalog",
            "rok-v0.15",
            "--upstream",
            "nope",
        ],
    );
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("--upstream nope"), "{}", o.stderr);
}

#[test]
fn check_reports_pending_migrations_only_in_the_users_files() {
    let w = World::new();
    w.write("user", "gitops-upgrade.yaml", "migrations: [rok-v0.15]\n");
    w.git("user", &["add", "-A"]);
    let o = w.run("user", &["check", "--staged"]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    // the user's patch: errors; the vendor's base: a warning only
    assert!(
        o.stdout.contains(
            "rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml:8:3: migration/rok-v0.15/configvars-map"
        ),
        "{}",
        o.stdout
    );
    let vendor: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.starts_with("rok/rok-cluster/base/"))
        .collect();
    assert!(!vendor.is_empty(), "{}", o.stdout);
    for l in vendor {
        assert!(l.contains("vendor file, not edited"), "{l}");
        assert!(l.contains("warning"), "{l}");
    }
}

// ---------------------------------------------------------------------------
// catalogs

#[test]
fn v012_warns_to_back_up_volumes_where_it_rewrites_the_volume_pool() {
    let w = World::new();
    w.write(
        "user",
        "rok/rok-csi/overlays/deploy/kustomization.yaml",
        "resources:\n- ds.yaml\n",
    );
    w.write(
        "user",
        "rok/rok-csi/overlays/deploy/ds.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: rok-csi-node\nspec:\n  template:\n    spec:\n      containers:\n      - name: csi-node\n        args:\n        - --volume-pool=pool0\n",
    );
    w.commit("user", "csi");
    let o = w.run(
        "user",
        &[
            "migrate-patches",
            "--catalog",
            "rok-v0.12",
            "--set",
            "volume-group=vg0",
        ],
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains(
            "warning: rok/rok-csi/overlays/deploy/ds.yaml:11:11: rok-v0.12/csi-volume-pool: before applying this, back up every PV of the Rok StorageClass"
        ),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("remove all PVCs/PVs backed by Rok"));
    assert!(w
        .read("user", "rok/rok-csi/overlays/deploy/ds.yaml")
        .contains("        - --thick\n        - --volume-group=vg0\n"));
    // `--volume-pool POOL` as two arguments: the pool goes with the flag
    w.write(
        "user",
        "rok/rok-csi/overlays/deploy/ds.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: rok-csi-node\nspec:\n  template:\n    spec:\n      containers:\n      - name: csi-node\n        args:\n        - --volume-pool\n        - pool0\n        - --v=4\n",
    );
    let o = w.run(
        "user",
        &[
            "migrate-patches",
            "--catalog",
            "rok-v0.12",
            "--set",
            "volume-group=vg0",
        ],
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("--volume-pool pool0 -> --thick --volume-group=vg0"),
        "{}",
        o.stdout
    );
    assert!(w
        .read("user", "rok/rok-csi/overlays/deploy/ds.yaml")
        .ends_with(
            "        args:\n        - --thick\n        - --volume-group=vg0\n        - --v=4\n"
        ));
}

#[test]
fn builtin_catalogs_follow_the_guides() {
    let w = World::new();
    let o = w.run(
        "user",
        &["migrations", "show", "rok-v0.15", "--output", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let ids: Vec<&str> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "configvars-map",
            "redis-endpoint",
            "image-rok",
            "image-rok-csi"
        ]
    );
    let paths: Vec<&str> = v["hints"]["apply_first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "rok/rok-external-services/redis/overlays/deploy",
            "rok/rok-external-services/istio/istio-1-3-1/istio-crds-1-3-1/overlays/deploy",
            "rok/rok-external-services/istio/istio-1-3-1/istio-install-1-3-1/overlays/deploy",
            "rok/rok-istio-ingress/rok-istio-1-3-1.yaml",
            "rok/rok-external-services/dex/overlays/deploy",
            "rok/rok-external-services/authservice/overlays/deploy",
        ]
    );
    // v0.11: the guide's flags are rewritten; other tcp:// values reported
    w.write(
        "user",
        "rok/rok-x/overlays/deploy/kustomization.yaml",
        "resources:\n- d.yaml\n",
    );
    w.write(
        "user",
        "rok/rok-x/overlays/deploy/d.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        args:\n        - -C\n        - tcp://1.2.3.4:8080\n        - -L=role=slave,tcp://1.2.3.4:9090\n        - --redis=tcp://redis:6379\n        env:\n        - name: OPENSTORE_CONTROLLER\n          value: tcp://openstore:8080\n",
    );
    w.commit("user", "x");
    let o = w.run("user", &["migrate-patches", "--catalog", "rok-v0.11"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let d = w.read("user", "rok/rok-x/overlays/deploy/d.yaml");
    assert!(
        d.contains("        - -L=role=slave,http://1.2.3.4:9090\n"),
        "{d}"
    );
    assert!(
        d.contains("          value: http://openstore:8080\n"),
        "{d}"
    );
    assert!(d.contains("        - --redis=tcp://redis:6379\n"), "{d}");
    assert!(d.contains("        - tcp://1.2.3.4:8080\n"), "{d}");
    assert!(
        o.stderr
            .contains("rok/rok-x/overlays/deploy/d.yaml:14:11: rok-v0.11/other-tcp-endpoints"),
        "{}",
        o.stderr
    );
}

// ---------------------------------------------------------------------------
// init --preset and apply on a tree laid out as the vendor's

/// Replaces the files of a work tree (all but `.git`) by those of `from`.
fn replace_tree(dir: &Path, from: &Path) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_name() == ".git" {
            continue;
        }
        if e.path().is_dir() {
            std::fs::remove_dir_all(e.path()).unwrap();
        } else {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    common::copy_tree(from, dir);
}

fn deployments(v: &str) -> PathBuf {
    common::crate_dir().join("fixtures/deployments").join(v)
}

/// The vendor's repository at v0.14, the user's clone with a tailored
/// cluster overlay, the vendor's v0.15 fetched and rebased onto, the
/// migrations applied and the plan written by `init --preset rok-v0.15`,
/// committed. Returns the world and the output of `init`.
fn upgraded_site() -> (World, Out) {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["home", "vendor"] {
        std::fs::create_dir_all(tmp.path().join(d)).unwrap();
    }
    let w = World { tmp };
    w.git("vendor", &["init", "-q", "-b", "master"]);
    w.git("vendor", &["config", "commit.gpgsign", "false"]);
    replace_tree(&w.dir("vendor"), &deployments("v0.14"));
    w.commit("vendor", "Rok v0.14");
    w.git_top(&["clone", "-q", "vendor", "user"]);
    w.git("user", &["config", "commit.gpgsign", "false"]);
    w.write(
        "user",
        "rok/rok-cluster/overlays/deploy/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../base\npatches:\n- path: patches/rokcluster.yaml\n",
    );
    w.write(
        "user",
        "rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml",
        USER_PATCH,
    );
    w.commit("user", "our cluster");
    replace_tree(&w.dir("vendor"), &deployments("v0.15"));
    w.commit("vendor", "Rok v0.15");
    w.git("user", &["fetch", "-q"]);
    w.git("user", &["rebase", "-q", "origin/master"]);
    let o = w.run("user", &["migrate-patches", "--catalog", "rok-v0.15"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let init = w.run("user", &["init", "--preset", "rok-v0.15"]);
    assert_eq!(init.code, 0, "{}{}", init.stdout, init.stderr);
    w.commit("user", "migrated; upgrade plan");
    (w, init)
}

fn fake() -> PathBuf {
    common::crate_dir().join("tests/support/fake-kubectl")
}

impl World {
    fn cluster(&self) -> PathBuf {
        self.dir("cluster")
    }
    fn apply(&self, extra: &[&str]) -> Out {
        let fake = fake();
        let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
        c.current_dir(self.dir("user"))
            .args([
                "apply",
                "--kubectl",
                fake.to_str().unwrap(),
                "--poll-interval",
                "20ms",
                "--timeout",
                "20s",
            ])
            .args(extra)
            .env("FAKE_KUBECTL_STATE", self.cluster())
            .stdin(std::process::Stdio::null());
        common::isolate(&mut c, &self.dir("home"));
        let o = common::run_with_timeout(&mut c, Duration::from_secs(120));
        assert!(!o.timed_out);
        Out {
            code: o.status.and_then(|s| s.code()).unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: o.stderr_str(),
        }
    }
    /// Puts objects in the fake cluster (what runs before the upgrade).
    fn seed(&self, objects: serde_json::Value) {
        let mut c = Command::new(fake());
        c.args(["apply", "-f", "-"])
            .env("FAKE_KUBECTL_STATE", self.cluster())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objects});
        child
            .stdin
            .take()
            .unwrap()
            .write_all(list.to_string().as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
    }
    fn behave(&self, j: serde_json::Value) {
        std::fs::create_dir_all(self.cluster()).unwrap();
        std::fs::write(self.cluster().join("behaviour.json"), j.to_string()).unwrap();
    }
    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.cluster().join("calls.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let j: serde_json::Value = serde_json::from_str(l).unwrap();
                j["argv"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
}

#[test]
fn init_on_a_vendor_tree_writes_the_guide_and_apply_dry_run_accepts_it() {
    let (w, init) = upgraded_site();
    // every component of the guide is in the vendor's v0.15 tree
    assert!(!init.stdout.contains("Left out"), "{}", init.stdout);
    let plan = w.read("user", "gitops-upgrade.yaml");
    for p in [
        "    path: rok/rok-external-services/istio/istio-1-3-1/istio-crds-1-3-1/overlays/deploy\n",
        "    path: rok/rok-external-services/istio/istio-1-3-1/istio-install-1-3-1/overlays/deploy\n",
        "    path: rok/rok-istio-ingress/rok-istio-1-3-1.yaml\n",
    ] {
        assert!(plan.contains(p), "{p} missing in\n{plan}");
    }
    let o = w.apply(&["--dry-run"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    // the guide's steps 3 to 7 in its order, then the housekeeping
    let heads: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.starts_with('['))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        heads,
        [
            "[1/13] rok-disk-manager (rok/rok-disk-manager/overlays/deploy)",
            "[2/13] rok-kmod (rok/rok-kmod/overlays/deploy)",
            "[3/13] rok-operator (rok/rok-operator/overlays/deploy)",
            "[4/13] rok-storageclass",
            "[5/13] redis (rok/rok-external-services/redis/overlays/deploy)",
            "[6/13] istio-crds (rok/rok-external-services/istio/istio-1-3-1/istio-crds-1-3-1/overlays/deploy)",
            "[7/13] istio-install (rok/rok-external-services/istio/istio-1-3-1/istio-install-1-3-1/overlays/deploy)",
            "[8/13] istio-ingress (rok/rok-istio-ingress/rok-istio-1-3-1.yaml)",
            "[9/13] dex (rok/rok-external-services/dex/overlays/deploy)",
            "[10/13] authservice (rok/rok-external-services/authservice/overlays/deploy)",
            "[11/13] rok-cluster (rok/rok-cluster/overlays/deploy)",
            "[12/13] verify",
            "[13/13] housekeeping",
        ],
        "\n{}",
        o.stdout
    );
    let out = &o.stdout;
    for want in [
        "(kubectl apply -f rok/rok-istio-ingress/rok-istio-1-3-1.yaml)",
        "(kubectl apply -k rok/rok-external-services/redis/overlays/deploy)",
        "  applied only if Service rok/rok-redis does not exist; decided against the cluster when the run starts:",
        "statefulset.v1.apps rok-operator -n rok-system --ignore-not-found --wait=true",
        "storageclass.v1.storage.k8s.io rok --ignore-not-found --wait=true",
        "RokCluster rok/rok: status.version == v0.15",
        "Job in rok named rok-upgrade-*: condition Complete=True",
        "exec -n rok daemonset/rok -- rok-config version",
        "configmap rok-metadata -n rok --ignore-not-found --wait=true",
    ] {
        assert!(out.contains(want), "{want:?} missing in\n{out}");
    }
    // the dry run contacts no cluster
    assert!(w.calls().is_empty());
}

#[test]
fn apply_skips_running_services_waits_for_the_new_version_and_verifies() {
    let (w, _) = upgraded_site();
    // Before the upgrade: Redis already runs (Service rok/rok-redis), the
    // old StorageClass, the old ConfigMap rok/rok-metadata, the Rok
    // DaemonSet and the upgrade Job the operator would start.
    w.behave(serde_json::json!({
        "status": {"RokCluster/rok/rok": {"health": "OK", "phase": "Running", "version": "v0.15"}},
        "ready_after": {"RokCluster/rok/rok": 3},
        "exec": {"daemonset/rok": {"rok-config version": [
            "Current version [Cluster-wide]: v001400_0004\nDesired version [This appliance]: v001500_0010",
            "Current version [Cluster-wide]: v001500_0010\nDesired version [This appliance]: v001500_0010"
        ]}}
    }));
    w.seed(serde_json::json!([
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "rok-redis", "namespace": "rok"},
         "spec": {"ports": [{"port": 6379}]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "rok-metadata", "namespace": "rok"}},
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "rok"},
         "provisioner": "rok.csi.arrikto.com", "parameters": {"fsType": "ext4"}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "rok", "namespace": "rok"},
         "spec": {"selector": {"matchLabels": {"app": "rok"}},
                  "template": {"metadata": {"labels": {"app": "rok"}}, "spec": {"containers": [{"name": "rok", "image": "x"}]}}}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "rok-upgrade-x7k2p", "namespace": "rok"},
         "spec": {"template": {"spec": {"containers": [{"name": "u", "image": "x"}], "restartPolicy": "Never"}}}}
    ]));
    let seeded = w.calls().len();
    // without --yes and no terminal, the deletes are refused
    let o = w.apply(&[]);
    assert_ne!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let o = w.apply(&["--resume", "--yes"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("[5/13] redis (rok/rok-external-services/redis/overlays/deploy): skipped: Service rok/rok-redis already exists"),
        "{}",
        o.stdout
    );
    let calls = w.calls()[seeded..].to_vec();
    let pos = |pred: &dyn Fn(&str) -> bool| {
        calls
            .iter()
            .position(|c| pred(c))
            .unwrap_or_else(|| panic!("no such call in {calls:#?}"))
    };
    // redis was never applied; istio etc. were
    let log = std::fs::read_to_string(w.cluster().join("calls.jsonl")).unwrap();
    assert!(!log.contains("\"Deployment/rok-redis\""), "{log}");
    assert!(log.contains("\"Gateway/rok-gateway\""), "{log}");
    // the order of the guide: operator StatefulSet deleted, the StorageClass
    // deleted, the cluster applied, the version checked, then the old
    // ConfigMap deleted
    let del_sts = pos(&|c| c.starts_with("delete statefulset.v1.apps rok-operator"));
    let del_sc = pos(&|c| c.starts_with("delete storageclass.v1.storage.k8s.io rok"));
    let exec = pos(&|c| c.starts_with("exec -n rok daemonset/rok -- rok-config version"));
    let del_cm = pos(&|c| c.starts_with("delete configmap rok-metadata -n rok"));
    assert!(
        del_sts < del_sc && del_sc < exec && exec < del_cm,
        "{calls:#?}"
    );
    // the version wait polled until the cluster reported v0.15, and the
    // rok-config check ran until it printed v0015
    assert!(
        calls
            .iter()
            .filter(|c| c.starts_with("exec -n rok daemonset/rok"))
            .count()
            >= 2
    );
    let st = w.run("user", &["status", "--output", "json"]);
    let v: serde_json::Value = serde_json::from_str(&st.stdout).unwrap();
    let statuses: Vec<(String, String)> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("redis".into(), "skipped".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("housekeeping".into(), "done".into())),
        "{statuses:?}"
    );
}

// ---------------------------------------------------------------------------
// the aerospike policy set: what aerospike-operator's webhook refuses

const AS_BASE: &str = "apiVersion: aerospike.travelaudience.com/v1alpha2
kind: AerospikeCluster
metadata:
  name: as-cluster-0
spec:
  version: \"4.2.0.3\"
  nodeCount: 2
  backupSpec:
    storage:
      type: gcs
      bucket: aerospike-backup
      secret: gcs-secret
  namespaces:
  - name: as-namespace-0
    replicationFactor: 2
    memorySize: 1G
    defaultTTL: 0s
    storage:
      type: file
      size: 1G
";

/// A repository with the guide's example cluster committed under a prod
/// overlay; returns the world (the repository is `user`).
fn aerospike_repo(name: &str) -> World {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["home", "user"] {
        std::fs::create_dir_all(tmp.path().join(d)).unwrap();
    }
    let w = World { tmp };
    w.git("user", &["init", "-q", "-b", "main"]);
    w.git("user", &["config", "commit.gpgsign", "false"]);
    w.write(
        "user",
        "aerospike/base/kustomization.yaml",
        "resources:\n- cluster.yaml\n",
    );
    w.write(
        "user",
        "aerospike/base/cluster.yaml",
        &AS_BASE.replace("as-cluster-0", name),
    );
    w.write(
        "user",
        "aerospike/prod/kustomization.yaml",
        "namespace: prod\nnamePrefix: prod-\nresources:\n- ../base\n",
    );
    w.commit("user", "aerospike");
    w
}

fn hook(w: &World) -> Out {
    w.git("user", &["add", "-A"]);
    w.run("user", &["check", "--staged", "--changed"])
}

#[test]
fn aerospike_policies_refuse_what_the_webhook_refuses() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "    storage:\n      type: file\n      size: 1G\n",
            "    storage:\n      type: file\n      size: 2G\n",
            "aerospike/namespace-storage",
        ),
        (
            "    replicationFactor: 2\n",
            "    replicationFactor: 1\n",
            "aerospike/namespace-replication-factor",
        ),
        (
            "  - name: as-namespace-0\n",
            "  - name: as-namespace-1\n",
            "aerospike/namespace-not-removed",
        ),
        (
            "  nodeCount: 2\n",
            "  nodeCount: 1\n",
            "aerospike/replication-factor-nodes",
        ),
        (
            "  namespaces:\n",
            "  namespaces:\n  - name: second\n    replicationFactor: 1\n",
            "aerospike/one-namespace",
        ),
        (
            "  - name: as-namespace-0\n",
            "  - name: as-namespace-0-with-a-long-name\n",
            "aerospike/namespace-name-length",
        ),
    ];
    let reasons = [
        "cannot change the storage spec for namespace",
        "cannot change the replication factor for namespace",
        "cannot remove namespace",
        "replication factor of N requested for namespace X but the cluster has only M nodes",
        "the number of namespaces in the cluster must be exactly one",
        "the name of a namespace cannot exceed 23 characters",
    ];
    for ((from, to, rule), reason) in cases.iter().zip(reasons) {
        let w = aerospike_repo("as-cluster-0");
        let text = AS_BASE.replace(from, to);
        assert_ne!(text, AS_BASE);
        w.write("user", "aerospike/base/cluster.yaml", &text);
        let o = hook(&w);
        assert_eq!(o.code, 1, "{rule}: {}{}", o.stdout, o.stderr);
        let line = o
            .stdout
            .lines()
            .find(|l| l.contains(rule))
            .unwrap_or_else(|| panic!("{rule} missing in\n{}", o.stdout));
        assert!(line.starts_with("aerospike/base/cluster.yaml:"), "{line}");
        assert!(
            o.stdout.contains(reason),
            "{reason:?} missing in\n{}",
            o.stdout
        );
    }
    // a change the webhook admits passes: scaling up
    let w = aerospike_repo("as-cluster-0");
    w.write(
        "user",
        "aerospike/base/cluster.yaml",
        &AS_BASE.replace("  nodeCount: 2\n", "  nodeCount: 3\n"),
    );
    let o = hook(&w);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

#[test]
fn aerospike_cluster_names_are_judged_as_rendered() {
    // 57 characters in the file, 62 with the overlay's prefix `prod-`
    let name = "c".repeat(57);
    let w = aerospike_repo(&name);
    w.write(
        "user",
        "aerospike/base/cluster.yaml",
        &AS_BASE
            .replace("as-cluster-0", &name)
            .replace("  nodeCount: 2\n", "  nodeCount: 3\n"),
    );
    let o = hook(&w);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("aerospike/cluster-name-length")
            && o.stdout.contains("has 62 characters, more than 60")
            && o.stdout
                .contains("the name of the cluster cannot exceed 60 characters"),
        "{}",
        o.stdout
    );
}

#[test]
fn apply_checks_the_backup_secret_before_an_aerospike_cluster() {
    let w = aerospike_repo("as-cluster-0");
    w.write(
        "user",
        "gitops-upgrade.yaml",
        "components:\n  - name: aerospike\n    path: aerospike/prod\n",
    );
    w.commit("user", "plan");
    w.seed(serde_json::json!([{
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "aerospikeclusters.aerospike.travelaudience.com"},
        "spec": {"group": "aerospike.travelaudience.com", "scope": "Namespaced",
                 "names": {"kind": "AerospikeCluster", "plural": "aerospikeclusters"},
                 "versions": [{"name": "v1alpha2", "served": true, "storage": true}]}
    }]));
    let applied = |w: &World| {
        std::fs::read_to_string(w.cluster().join("calls.jsonl"))
            .unwrap()
            .contains("\"AerospikeCluster/prod-as-cluster-0\"")
    };
    // the dry run names the check
    let o = w.apply(&["--dry-run"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains(
            "checked first: Secret prod/gcs-secret holds the key key.json (for AerospikeCluster prod/prod-as-cluster-0)"
        ),
        "{}",
        o.stdout
    );
    // no secret: refused before anything is applied
    let o = w.apply(&[]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("its spec.backupSpec secret Secret prod/gcs-secret does not exist"),
        "{}",
        o.stderr
    );
    assert!(!applied(&w));
    // a secret without key.json: its keys are named, never its values
    w.seed(serde_json::json!([{
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "gcs-secret", "namespace": "prod"},
        "data": {"credentials.json": "c2VjcmV0LXZhbHVlLTQy"}
    }]));
    let o = w.apply(&["--resume"]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("has no key key.json (its keys: credentials.json)"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("c2VjcmV0") && !o.stdout.contains("c2VjcmV0"));
    assert!(!applied(&w));
    // with key.json the cluster is applied
    w.seed(serde_json::json!([{
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "gcs-secret", "namespace": "prod"},
        "data": {"key.json": "e30="}
    }]));
    let o = w.apply(&["--resume"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(applied(&w));
}

#[test]
fn the_demo_is_laid_out_as_the_vendors_repository() {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
    c.arg("demo").env_remove("KUBECONFIG");
    let tmp = tempfile::tempdir().unwrap();
    common::isolate(&mut c, tmp.path());
    let o = common::run_with_timeout(&mut c, Duration::from_secs(120));
    assert!(o.success(), "{}", o.describe());
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "-- the vendor publishes release 0.15 (and deletes kubeflow/) --",
        "your files: the 5 file(s) your 1 commit(s) on top of origin/main added or changed",
        "+    cluster.behind_proxy: True",
        "[3/13] rok-operator (rok/rok-operator/overlays/deploy)",
        "$ kubectl delete statefulset.v1.apps rok-operator -n rok-system",
        "[4/13] rok-storageclass: steps and checks only",
        "applied only if Service rok/rok-redis does not exist",
        "[6/13] istio-crds (rok/rok-external-services/istio/istio-1-3-1/istio-crds-1-3-1/overlays/deploy)",
        "[8/13] istio-ingress (rok/rok-istio-ingress/rok-istio-1-3-1.yaml): 1 object (new: not at",
        "(kubectl apply -f rok/rok-istio-ingress/rok-istio-1-3-1.yaml)",
        "RokCluster rok/rok: status.version == v0.15",
        // asked for once, at step 6.1, not again with the cluster
        "  (StorageClass rok was deleted by rok-storageclass before: created again here)",
        "$ kubectl exec -n rok daemonset/rok -- rok-config version",
        "$ kubectl delete configmap rok-metadata -n rok --ignore-not-found --wait=true",
        "Dry run complete",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    // the order of the guide
    let at = |s: &str| out.find(s).unwrap();
    assert!(at("[3/13] rok-operator") < at("[5/13] redis"));
    assert!(at("[5/13] redis") < at("[11/13] rok-cluster"));
    assert!(at("[11/13] rok-cluster") < at("[13/13] housekeeping"));
}

#[test]
fn the_release_to_release_preset_drains_then_applies_in_the_guides_order() {
    let (w, _) = upgraded_site();
    let init = w.run("user", &["init", "--preset", "rok", "--force"]);
    assert_eq!(init.code, 0, "{}{}", init.stdout, init.stderr);
    // the management environment is optional: its file is a download, not
    // in the vendor's tree
    assert!(
        init.stdout.contains("  rok-tools-eks.yaml"),
        "{}",
        init.stdout
    );
    let plan = w.read("user", "gitops-upgrade.yaml");
    assert!(
        plan.contains("  # - name: rok-tools\n  #   path: rok-tools-eks.yaml\n"),
        "{plan}"
    );
    w.commit("user", "release-to-release plan");
    let o = w.apply(&["--dry-run"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let heads: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.starts_with('['))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        heads,
        [
            "[1/6] drain",
            "[2/6] rok-disk-manager (rok/rok-disk-manager/overlays/deploy)",
            "[3/6] rok-kmod (rok/rok-kmod/overlays/deploy)",
            "[4/6] rok-cluster (rok/rok-cluster/overlays/deploy)",
            "[5/6] rok-operator (rok/rok-operator/overlays/deploy)",
            "[6/6] verify",
        ],
        "{}",
        o.stdout
    );
    for want in [
        "scale statefulset.v1.apps rok-operator -n rok-system --replicas=0",
        "scale statefulset.v1.apps rok-csi-controller -n rok --replicas=0",
        "logs daemonset/rok-csi-node -n rok -c csi-node --since=30s --all-pods=true",
        "Job in rok named rok-upgrade-*: condition Complete=True",
    ] {
        assert!(o.stdout.contains(want), "{want:?} missing in\n{}", o.stdout);
    }
}

#[test]
fn a_merge_of_the_upstream_does_not_make_vendor_files_the_users() {
    let w = World::new();
    w.write(
        "vendor",
        "rok/rok-cluster/base/rokcluster.yaml",
        &ROKCLUSTER_014.replace(
            "  configVars: cluster.behind_proxy=True; cluster.check_host_header=False;\n",
            "  configVars:\n    cluster.behind_proxy: True\n",
        ),
    );
    w.commit("vendor", "Rok v0.15");
    w.git("user", &["fetch", "-q"]);
    w.git("user", &["merge", "-q", "--no-edit", "origin/master"]);
    let base_before = w.read("user", "rok/rok-cluster/base/rokcluster.yaml");
    let o = w.run("user", &["migrate-patches", "--catalog", "rok-v0.15"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("your files: the 3 file(s) your 2 commit(s) on top of origin/master"),
        "{}",
        o.stderr
    );
    assert_eq!(
        w.read("user", "rok/rok-cluster/base/rokcluster.yaml"),
        base_before
    );
    assert!(w
        .read(
            "user",
            "rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml"
        )
        .contains("    rok: gcr.io/arrikto/roke:v0.15\n"));
}

/// The v0.15 guide's order as a user meets it: the plan is written with
/// `init --preset rok-v0.15` on the v0.14 checkout, where the external
/// services (steps 6.2 to 6.5) do not exist yet, so the preset leaves them
/// out as comments; the upgrade's rebase then brings them. The upgrade
/// says, before it applies, that the plan applies none of them.
#[test]
fn the_upgrade_names_the_external_services_the_plan_written_before_the_rebase_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["home", "vendor"] {
        std::fs::create_dir_all(tmp.path().join(d)).unwrap();
    }
    let w = World { tmp };
    w.git("vendor", &["init", "-q", "-b", "master"]);
    replace_tree(&w.dir("vendor"), &deployments("v0.14"));
    w.commit("vendor", "Rok v0.14");
    w.git_top(&["clone", "-q", "vendor", "user"]);
    common::copy_tree(
        &common::crate_dir().join("fixtures/deployments/site"),
        &w.dir("user"),
    );
    let init = w.run("user", &["init", "--preset", "rok-v0.15"]);
    assert_eq!(init.code, 0, "{}{}", init.stdout, init.stderr);
    assert!(
        init.stdout
            .contains("rok/rok-external-services/redis/overlays/deploy"),
        "{}",
        init.stdout
    );
    w.commit("user", "our overlays; upgrade plan");
    replace_tree(&w.dir("vendor"), &deployments("v0.15"));
    w.commit("vendor", "Rok v0.15");
    w.git("user", &["fetch", "-q"]);

    let o = w.run("user", &["upgrade", "--dry-run"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let warned: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.starts_with("warning: the rok-v0.15 catalog says to apply "))
        .collect();
    let paths: Vec<&str> = warned
        .iter()
        .map(|l| l.split(' ').nth(7).unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "rok/rok-external-services/redis/overlays/deploy",
            "rok/rok-external-services/istio/istio-1-3-1/istio-crds-1-3-1/overlays/deploy",
            "rok/rok-external-services/istio/istio-1-3-1/istio-install-1-3-1/overlays/deploy",
            "rok/rok-istio-ingress/rok-istio-1-3-1.yaml",
            "rok/rok-external-services/dex/overlays/deploy",
            "rok/rok-external-services/authservice/overlays/deploy",
        ],
        "{}",
        o.stdout
    );
    // Before the apply step.
    let at = o.stdout.find("warning: the rok-v0.15 catalog").unwrap();
    assert!(at < o.stdout.find("== 4/4").unwrap(), "{}", o.stdout);

    // With the services in the plan (a plan written after the rebase, as
    // `init --preset` on the new tree writes it), nothing is said.
    w.git("user", &["rebase", "-q", "origin/master"]);
    let o = w.run("user", &["migrate-patches", "--catalog", "rok-v0.15"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let o = w.run("user", &["init", "--preset", "rok-v0.15", "--force"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    w.commit("user", "migrated; the plan of the new tree");
    let o = w.run("user", &["upgrade", "--dry-run"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(!o.stdout.contains("catalog says to apply"), "{}", o.stdout);
}
