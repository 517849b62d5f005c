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
