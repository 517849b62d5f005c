//! `gitops-upgrade check`, driven through the built binary in real git
//! repositories made in temporary directories: one small test per rule,
//! failing and passing, with staged changes.

mod common;

use common::isolate;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A git repository in a temporary directory, isolated from the user's
/// configuration (HOME points into the temporary directory).
struct Repo {
    tmp: tempfile::TempDir,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
    /// `path:line:col: rule` of each finding.
    fn places(&self) -> Vec<String> {
        self.lines()
            .iter()
            .map(|l| l.splitn(5, ": ").take(2).collect::<Vec<_>>().join(": "))
            .collect()
    }
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        std::fs::create_dir_all(tmp.path().join("repo")).unwrap();
        let r = Repo { tmp };
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "commit.gpgsign", "false"]);
        r
    }
    fn path(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }
    fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }
    fn git(&self, args: &[&str]) -> String {
        let mut c = Command::new("git");
        c.current_dir(self.path()).args(args);
        isolate(&mut c, &self.home());
        let o = c.output().expect("git runs");
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    fn write(&self, rel: &str, text: &str) -> &Repo {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }
    fn add(&self) -> &Repo {
        self.git(&["add", "-A"]);
        self
    }
    fn commit(&self, msg: &str) -> &Repo {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", msg]);
        self
    }
    fn run(&self, args: &[&str]) -> Out {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
        c.current_dir(self.path()).args(args);
        isolate(&mut c, &self.home());
        let o = common::run_with_timeout(&mut c, Duration::from_secs(60));
        assert!(!o.timed_out, "timed out: {args:?}");
        Out {
            code: o.status.and_then(|s| s.code()).unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: o.stderr_str(),
        }
    }
    /// What the pre-commit hook runs.
    fn hook(&self) -> Out {
        self.run(&["check", "--staged", "--changed"])
    }
}

fn assert_clean(o: &Out) {
    assert_eq!(o.code, 0, "expected no findings:\n{}{}", o.stdout, o.stderr);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
}

fn assert_findings(o: &Out, expected: &[&str]) {
    assert_eq!(o.code, 1, "expected findings:\n{}{}", o.stdout, o.stderr);
    assert_eq!(o.places(), expected, "\n{}", o.stdout);
}

// ---------------------------------------------------------------------------
// YAML and conflict markers

#[test]
fn yaml_that_does_not_parse_is_reported_at_its_position() {
    let r = Repo::new();
    r.write("apps/cm.yaml", "a: 1\n").commit("init");
    r.write("apps/cm.yaml", "a: 1\nb: [c, d\n").add();
    let o = r.hook();
    assert_findings(&o, &["apps/cm.yaml:3:1: yaml/syntax"]);
    assert!(o.stdout.contains("flow sequence"), "{}", o.stdout);
    r.write("apps/cm.yaml", "a: 1\nb: [c, d]\n").add();
    assert_clean(&r.hook());
}

#[test]
fn staged_mode_checks_the_index_not_the_working_tree() {
    let r = Repo::new();
    r.write("cm.yaml", "a: 1\n").commit("init");
    // broken in the index, fixed (but not staged) in the working tree
    r.write("cm.yaml", "a: [\n").add();
    r.write("cm.yaml", "a: 2\n");
    assert_eq!(r.run(&["check", "--staged", "cm.yaml"]).code, 1);
    assert_clean(&r.run(&["check", "cm.yaml"]));
    // and the other way round
    r.write("cm.yaml", "a: 2\n").add();
    r.write("cm.yaml", "a: [\n");
    assert_clean(&r.run(&["check", "--staged", "cm.yaml"]));
    assert_clean(&r.hook());
    assert_eq!(r.run(&["check", "cm.yaml"]).code, 1);
    assert_eq!(r.run(&["check", "--changed"]).code, 1);
}

#[test]
fn conflict_markers_are_reported_at_each_line() {
    let r = Repo::new();
    r.write("README.md", "Title\n=======\n\ntext\n")
        .write("app.yaml", "a: 1\n")
        .commit("init");
    // a Markdown underline alone is no marker
    assert_clean(&r.run(&["check", "README.md"]));
    r.write(
        "app.yaml",
        "a: 1\n<<<<<<< HEAD\nb: 2\n=======\nb: 3\n>>>>>>> upstream\n",
    )
    .write(
        "README.md",
        "Title\n=======\n<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n",
    )
    .add();
    let o = r.hook();
    assert_findings(
        &o,
        &[
            "README.md:3:1: git/conflict-marker",
            "README.md:5:1: git/conflict-marker",
            "README.md:7:1: git/conflict-marker",
            "app.yaml:2:1: git/conflict-marker",
            "app.yaml:4:1: git/conflict-marker",
            "app.yaml:6:1: git/conflict-marker",
        ],
    );
    // the markers explain the YAML error: it is not reported twice
    assert!(!o.stdout.contains("yaml/syntax"), "{}", o.stdout);
}

#[test]
fn helm_templates_are_not_yaml_until_rendered() {
    let r = Repo::new();
    r.write("chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n")
        .write(
            "chart/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\ndata: {}\n{{- end }}\n",
        )
        .add();
    assert_clean(&r.hook());
}

// ---------------------------------------------------------------------------
// Renders

fn app(r: &Repo) {
    r.write(
        "base/kustomization.yaml",
        "resources:\n- deploy.yaml\n- cm.yaml\n",
    )
    .write(
        "base/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n",
    )
    .write("base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: \"1\"\n")
    .write(
        "overlays/prod/kustomization.yaml",
        "namespace: prod\nresources:\n- ../../base\npatches:\n- path: replicas.yaml\n",
    )
    .write(
        "overlays/prod/replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
    )
    .write(
        "overlays/dev/kustomization.yaml",
        "namespace: dev\nresources:\n- ../../base\n",
    );
}

#[test]
fn a_root_that_no_longer_renders_is_named_with_the_reason() {
    let r = Repo::new();
    app(&r);
    r.commit("init");
    r.write(
        "overlays/prod/kustomization.yaml",
        "namespace: prod\nresources:\n- ../../base\npatches:\n- path: replicas.yaml\n- path: missing.yaml\n",
    )
    .add();
    let o = r.run(&["check", "--staged", "overlays/prod/kustomization.yaml"]);
    assert_findings(
        &o,
        &["overlays/prod/kustomization.yaml:6:9: kustomize/render"],
    );
    assert!(
        o.stdout.contains(
            "kustomization root 'overlays/prod' does not render: 'missing.yaml': no such file"
        ),
        "{}",
        o.stdout
    );
}

#[test]
fn a_change_to_a_base_renders_every_root_that_includes_it() {
    let r = Repo::new();
    app(&r);
    r.commit("init");
    r.write(
        "base/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n",
    )
    .add();
    let o = r.run(&["check", "--staged", "--changed", "--output", "json"]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    assert_eq!(
        o.json()["roots"],
        serde_json::json!(["overlays/dev", "overlays/prod"])
    );
    // a file nothing reads renders nothing
    r.write("notes/todo.yaml", "a: 1\n").add();
    let o = r.run(&["check", "--staged", "notes/todo.yaml", "--output", "json"]);
    assert_eq!(o.json()["roots"], serde_json::json!([]));
}

#[test]
fn a_staged_deletion_counts_even_when_only_other_files_are_named() {
    let r = Repo::new();
    app(&r);
    r.commit("init");
    r.git(&["rm", "-q", "base/cm.yaml"]);
    r.write(
        "overlays/prod/replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n",
    )
    .add();
    // as the pre-commit framework calls it: only the files that still exist
    let o = r.run(&["check", "--staged", "overlays/prod/replicas.yaml"]);
    assert_findings(&o, &["base/kustomization.yaml:3:3: kustomize/render"]);
    assert!(
        o.stdout
            .contains("kustomization roots 'overlays/dev', 'overlays/prod' do not render"),
        "{}",
        o.stdout
    );
}

#[test]
fn only_affected_roots_are_checked_unless_the_whole_repository_is() {
    let r = Repo::new();
    app(&r);
    // dev is broken already; prod is what changes
    r.write(
        "overlays/dev/kustomization.yaml",
        "resources:\n- nothere.yaml\n",
    )
    .commit("init");
    r.write(
        "overlays/prod/replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n",
    )
    .add();
    assert_clean(&r.hook());
    let o = r.run(&["check"]);
    assert_findings(
        &o,
        &["overlays/dev/kustomization.yaml:2:3: kustomize/render"],
    );
}

#[test]
fn the_cache_follows_changes_to_kustomization_files() {
    let r = Repo::new();
    app(&r);
    r.commit("init");
    r.write(
        "overlays/prod/replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n",
    )
    .add();
    assert_clean(&r.hook());
    assert!(r
        .path()
        .join(".git/gitops-upgrade/kustomizations.cache")
        .is_file());
    // the overlay now also reads a file that does not exist
    r.write(
        "overlays/prod/kustomization.yaml",
        "namespace: prod\nresources:\n- ../../base\n- extra.yaml\npatches:\n- path: replicas.yaml\n",
    )
    .add();
    let o = r.hook();
    assert_findings(
        &o,
        &["overlays/prod/kustomization.yaml:4:3: kustomize/render"],
    );
    assert_eq!(
        r.run(&["check", "--staged", "--changed", "--no-cache"])
            .stdout,
        o.stdout
    );
    // adding it is a change that affects the overlay
    r.write(
        "overlays/prod/extra.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
    )
    .add();
    assert_clean(&r.hook());
}

// ---------------------------------------------------------------------------
// Pending migrations

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

#[test]
fn pending_migrations_of_the_plan_are_findings_until_migrated() {
    let r = Repo::new();
    copy_dir(
        &common::crate_dir().join("fixtures/migrate/rok-0.14"),
        &r.path(),
    );
    r.write(
        "gitops-upgrade.yaml",
        "version: \"0.15\"\nmigrations: [rok-v0.15]\n",
    )
    .commit("rebased on 0.15");
    r.write(
        "rok/rok-cluster/overlays/deploy/ops-metadata.yaml",
        "# Site metadata of ours.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ops-metadata\n  namespace: rok\ndata:\n  site: 'eu-west-1'\n",
    )
    .add();
    let o = r.hook();
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    let places = o.places();
    // (a migration finding points at the start of the line the engine
    // reports)
    for want in [
        "rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml:9:3: migration/rok-v0.15/configvars-map",
        "rok/rok-cluster/overlays/deploy/patches/tuning.json6902.yaml:4:3: migration/rok-v0.15/configvars-map",
        "rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml:2:1: migration/rok-v0.15/redis-endpoint",
        "rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml:9:15: kustomize/render",
    ] {
        assert!(places.iter().any(|p| p == want), "{want} missing in\n{}", o.stdout);
    }
    assert!(o
        .stdout
        .contains("migration pending; run `gitops-upgrade migrate-patches`"));
    assert!(places
        .iter()
        .any(|p| p.ends_with(": migration/rok-v0.15/image-rok")));
    // the same engine as migrate-patches --check
    assert_eq!(r.run(&["migrate-patches", "--check"]).code, 1);
    let m = r.run(&["migrate-patches"]);
    assert_eq!(m.code, 0, "{}{}", m.stdout, m.stderr);
    r.add();
    assert_clean(&r.hook());
}

#[test]
fn pending_migrations_are_judged_on_the_index() {
    let r = Repo::new();
    copy_dir(
        &common::crate_dir().join("fixtures/migrate/rok-0.14"),
        &r.path(),
    );
    r.write("gitops-upgrade.yaml", "migrations: [rok-v0.15]\n")
        .commit("init");
    assert_eq!(r.run(&["migrate-patches"]).code, 0);
    // migrated in the working tree, not staged
    let o = r.run(&[
        "check",
        "--staged",
        "rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml",
    ]);
    assert!(
        o.stdout.contains("migration/rok-v0.15/configvars-map"),
        "{}",
        o.stdout
    );
    assert_clean(&r.run(&[
        "check",
        "rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml",
    ]));
}

// ---------------------------------------------------------------------------
// Policies: aerospike-operator (travelaudience)

const AS_BASE: &str = "apiVersion: aerospike.travelaudience.com/v1alpha2
kind: AerospikeCluster
metadata:
  name: as-cluster-0
spec:
  version: \"4.2.0.3\"
  nodeCount: 2
  namespaces:
  - name: as-namespace-0
    replicationFactor: 2
";

fn aerospike(r: &Repo, backup: bool) {
    let base = if backup {
        format!("{AS_BASE}  backupSpec:\n    storage:\n      type: gcs\n      bucket: aerospike-backup\n      secret: gcs-secret\n")
    } else {
        AS_BASE.to_string()
    };
    r.write("aerospike/base/kustomization.yaml", "resources:\n- cluster.yaml\n")
        .write("aerospike/base/cluster.yaml", &base)
        .write(
            "aerospike/prod/kustomization.yaml",
            "namespace: prod\nnamePrefix: prod-\nresources:\n- ../base\npatches:\n- path: cluster.yaml\n",
        )
        .write(
            "aerospike/prod/cluster.yaml",
            "apiVersion: aerospike.travelaudience.com/v1alpha2\nkind: AerospikeCluster\nmetadata:\n  name: as-cluster-0\nspec:\n  nodeCount: 2\n",
        )
        .commit("aerospike");
}

fn prod_patch(r: &Repo, spec: &str) {
    r.write(
        "aerospike/prod/cluster.yaml",
        &format!("apiVersion: aerospike.travelaudience.com/v1alpha2\nkind: AerospikeCluster\nmetadata:\n  name: as-cluster-0\nspec:\n{spec}"),
    )
    .add();
}

#[test]
fn a_version_change_needs_a_backup_spec() {
    let r = Repo::new();
    aerospike(&r, false);
    prod_patch(&r, "  nodeCount: 2\n  version: \"4.2.0.4\"\n");
    let o = r.hook();
    assert_findings(
        &o,
        &["aerospike/prod/cluster.yaml:7:12: aerospike/backup-before-upgrade"],
    );
    assert!(
        o.stdout.contains("AerospikeCluster prod/prod-as-cluster-0: spec.version changes (4.2.0.3 -> 4.2.0.4) but spec.backupSpec is not set"),
        "{}",
        o.stdout
    );
    // with a backup configured (in the base), the same change passes
    let r = Repo::new();
    aerospike(&r, true);
    prod_patch(&r, "  nodeCount: 2\n  version: \"4.2.0.4\"\n");
    assert_clean(&r.hook());
}

#[test]
fn no_scaling_during_an_upgrade() {
    let r = Repo::new();
    aerospike(&r, true);
    prod_patch(&r, "  nodeCount: 3\n  version: \"4.2.0.4\"\n");
    let o = r.hook();
    assert_findings(
        &o,
        &["aerospike/prod/cluster.yaml:7:12: aerospike/upgrade-alone"],
    );
    assert!(
        o.stdout.contains("together with spec.nodeCount"),
        "{}",
        o.stdout
    );
    // scaling alone is fine
    prod_patch(&r, "  nodeCount: 3\n");
    assert_clean(&r.hook());
}

#[test]
fn no_downgrade_and_only_tested_versions() {
    let r = Repo::new();
    aerospike(&r, true);
    prod_patch(&r, "  nodeCount: 2\n  version: \"4.1.0.1\"\n");
    let o = r.hook();
    assert_findings(
        &o,
        &["aerospike/prod/cluster.yaml:7:12: aerospike/no-downgrade"],
    );
    assert!(
        o.stdout
            .contains("spec.version goes down from 4.2.0.3 to 4.1.0.1"),
        "{}",
        o.stdout
    );
    prod_patch(&r, "  nodeCount: 2\n  version: \"4.4.0.1\"\n");
    let o = r.hook();
    assert_findings(
        &o,
        &["aerospike/prod/cluster.yaml:7:12: aerospike/supported-version"],
    );
    assert!(
        o.stdout.contains("'4.4.0.1' is not an allowed value"),
        "{}",
        o.stdout
    );
    prod_patch(&r, "  nodeCount: 2\n  version: \"4.2.0.10\"\n");
    assert_clean(&r.hook());
}

// Policies: Aerospike Kubernetes Operator

const AKO: &str = "apiVersion: asdb.aerospike.com/v1
kind: AerospikeCluster
metadata:
  name: aerocluster
  namespace: aerospike
spec:
  size: 2
  image: aerospike/aerospike-server-enterprise:7.1.0.0
";

#[test]
fn aerospike_kubernetes_operator_image_and_size() {
    let r = Repo::new();
    r.write("ako/cluster.yaml", AKO).commit("ako");
    r.write(
        "ako/cluster.yaml",
        &AKO.replace("size: 2", "size: 3")
            .replace("7.1.0.0", "7.2.0.1"),
    )
    .add();
    let o = r.hook();
    assert_findings(&o, &["ako/cluster.yaml:7:9: aerospike/image-and-size"]);
    assert!(
        o.stdout.contains("spec.image (aerospike/aerospike-server-enterprise:7.1.0.0 -> aerospike/aerospike-server-enterprise:7.2.0.1) and spec.size (2 -> 3) change in the same commit"),
        "{}",
        o.stdout
    );
    r.write("ako/cluster.yaml", &AKO.replace("7.1.0.0", "6.4.0.2"))
        .add();
    let o = r.hook();
    assert_findings(&o, &["ako/cluster.yaml:8:10: aerospike/image-no-downgrade"]);
    assert!(
        o.stdout.contains("(version 7.1.0.0 -> 6.4.0.2)"),
        "{}",
        o.stdout
    );
    r.write("ako/cluster.yaml", &AKO.replace("  size: 2\n", ""))
        .add();
    assert_findings(&r.hook(), &["ako/cluster.yaml:6:1: aerospike/size"]);
    r.write("ako/cluster.yaml", &AKO.replace("7.1.0.0", "7.2.0.1"))
        .add();
    assert_clean(&r.hook());
}

// Policies: Rok

const ROK: &str = "apiVersion: crd.arrikto.com/v1alpha1
kind: RokCluster
metadata:
  name: rok
  namespace: rok
spec:
  version: release-0.14-l0-release-0.14
  configVars: \"daemons.rok_s3d.enabled=True;\"
";

#[test]
fn rok_from_0_15_needs_a_configvars_map_and_a_redis_endpoint() {
    let r = Repo::new();
    r.write("rok/cluster.yaml", ROK).commit("0.14");
    // the version goes to 0.15, nothing else
    r.write("rok/cluster.yaml", &ROK.replace("0.14", "0.15"))
        .add();
    let o = r.hook();
    assert_findings(
        &o,
        &[
            "rok/cluster.yaml:6:1: rok/redis-endpoint",
            "rok/cluster.yaml:8:15: rok/configvars-map",
        ],
    );
    assert!(o
        .stdout
        .contains("spec.configVars is a string, expected a mapping"));
    assert!(o.stdout.contains("spec.redis.endpoint is not set"));
    let fixed = ROK.replace("0.14", "0.15").replace(
        "  configVars: \"daemons.rok_s3d.enabled=True;\"\n",
        "  configVars:\n    daemons.rok_s3d.enabled: \"True\"\n  redis:\n    endpoint: redis://rok-redis.rok.svc.cluster.local:6379\n",
    );
    r.write("rok/cluster.yaml", &fixed).add();
    assert_clean(&r.hook());
    // before 0.15 a mapping is wrong; committed long ago, it is found by a
    // check of the whole repository, not by one of an unrelated change
    r.write("rok/cluster.yaml", &fixed.replace("0.15", "0.14"))
        .write("other.yaml", "a: 1\n")
        .commit("x");
    r.write("other.yaml", "a: 2\n").add();
    assert_clean(&r.hook());
    assert_findings(
        &r.run(&["check"]),
        &["rok/cluster.yaml:9:5: rok/configvars-string"],
    );
}

#[test]
fn rok_policies_point_into_the_overlay_and_the_base() {
    let r = Repo::new();
    r.write("rok/base/kustomization.yaml", "resources:\n- cluster.yaml\n")
        .write("rok/base/cluster.yaml", ROK)
        .write("rok/deploy/kustomization.yaml", "resources:\n- ../base\npatchesStrategicMerge:\n- cluster.yaml\n")
        .write(
            "rok/deploy/cluster.yaml",
            "apiVersion: crd.arrikto.com/v1alpha1\nkind: RokCluster\nmetadata:\n  name: rok\n  namespace: rok\nspec:\n  nodeCount: 3\n",
        )
        .commit("0.14");
    r.write(
        "rok/deploy/cluster.yaml",
        "apiVersion: crd.arrikto.com/v1alpha1\nkind: RokCluster\nmetadata:\n  name: rok\n  namespace: rok\nspec:\n  nodeCount: 3\n  version: release-0.15-l0-release-0.15\n",
    )
    .add();
    let o = r.hook();
    // configVars is set in the base; redis belongs in the patch being changed
    assert_findings(
        &o,
        &[
            "rok/base/cluster.yaml:8:15: rok/configvars-map",
            "rok/deploy/cluster.yaml:6:1: rok/redis-endpoint",
        ],
    );
}

#[test]
fn rok_no_downgrade_and_unchanged_resources_are_left_alone() {
    let r = Repo::new();
    r.write("rok/cluster.yaml", &ROK.replace("0.14", "0.13"))
        .write(
            "other.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
        )
        .commit("0.13");
    r.write("rok/cluster.yaml", &ROK.replace("0.14", "0.12"))
        .add();
    assert_findings(&r.hook(), &["rok/cluster.yaml:7:12: rok/no-downgrade"]);
    // a change elsewhere does not judge the cluster
    r.git(&["reset", "-q"]);
    r.git(&["checkout", "--", "rok/cluster.yaml"]);
    r.write(
        "other.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n",
    )
    .add();
    assert_clean(&r.hook());
}

// Policies from the plan and catalogs

#[test]
fn the_plan_adds_policies_and_turns_sets_off() {
    let r = Repo::new();
    app(&r);
    aerospike(&r, false);
    r.write(
        "gitops-upgrade.yaml",
        "policies:\n  rules:\n    - id: replicas\n      description: at most 3 replicas\n      select: {apiVersion: apps/v1, kind: Deployment}\n      allowed-values: {field: spec.replicas, values: [\"1\", \"2\", \"3\"]}\n    - id: image-tag\n      severity: warning\n      select: {kind: Deployment}\n      shape: {field: spec.template.spec.containers.0.image, type: string, required: true}\n",
    )
    .commit("plan");
    r.write(
        "overlays/prod/replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n",
    );
    prod_patch(&r, "  nodeCount: 2\n  version: \"4.2.0.4\"\n");
    let o = r.hook();
    assert_findings(
        &o,
        &[
            "aerospike/prod/cluster.yaml:7:12: aerospike/backup-before-upgrade",
            "overlays/prod/replicas.yaml:6:13: plan/replicas",
        ],
    );
    assert!(
        o.stdout.contains(
            "spec.replicas '5' is not an allowed value (allowed: 1, 2, 3); at most 3 replicas"
        ),
        "{}",
        o.stdout
    );
    // a set, or one policy, turned off
    for disable in ["[aerospike]", "[aerospike/backup-before-upgrade]"] {
        let plan = std::fs::read_to_string(r.path().join("gitops-upgrade.yaml")).unwrap();
        r.write(
            "gitops-upgrade.yaml",
            &plan.replacen(
                "policies:\n",
                &format!("policies:\n  disable: {disable}\n"),
                1,
            ),
        )
        .add();
        assert_findings(
            &r.hook(),
            &["overlays/prod/replicas.yaml:6:13: plan/replicas"],
        );
        r.write("gitops-upgrade.yaml", &plan).add();
    }
}

#[test]
fn warnings_do_not_fail_the_check() {
    let r = Repo::new();
    app(&r);
    r.write(
        "gitops-upgrade.yaml",
        "policies:\n  rules:\n    - id: pinned\n      severity: warning\n      message: pin images by digest\n      select: {kind: Deployment}\n      allowed-values: {field: spec.template.spec.containers.0.image, values: [\"*@sha256:*\"]}\n",
    )
    .commit("init");
    r.write("base/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.26\n")
        .add();
    let o = r.hook();
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_eq!(o.places(), vec!["base/deploy.yaml:11:16: plan/pinned"]);
    assert!(
        o.stdout.contains(": plan/pinned: warning: Deployment"),
        "{}",
        o.stdout
    );
    assert!(
        o.stderr.contains("0 error(s), 1 warning(s)"),
        "{}",
        o.stderr
    );
    let j = r
        .run(&["check", "--staged", "--changed", "--output", "json"])
        .json();
    assert_eq!(j["findings"][0]["severity"], "warning");
    assert_eq!(j["status"], "clean");
}

#[test]
fn catalogs_bring_their_policies() {
    let r = Repo::new();
    app(&r);
    r.write(
        "catalogs/site.yaml",
        "name: site\nfrom: \"1\"\nto: \"2\"\nrules: []\npolicies:\n  - id: no-latest\n    description: images are pinned\n    select: {kind: Deployment}\n    allowed-values:\n      field: spec.template.spec.containers.0.image\n      pattern: \":([^:/@]+)$\"\n      values: [\"1.*\"]\n",
    )
    .write("gitops-upgrade.yaml", "migrations: [catalogs/site.yaml]\n")
    .commit("init");
    r.write("base/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:latest\n")
        .add();
    let o = r.hook();
    assert_findings(&o, &["base/deploy.yaml:10:16: site/no-latest"]);
    assert!(
        o.stdout
            .contains("'latest' (in 'nginx:latest') is not an allowed value"),
        "{}",
        o.stdout
    );
}

#[test]
fn a_broken_policy_in_the_plan_is_a_finding_at_its_position() {
    let r = Repo::new();
    r.write("a.yaml", "a: 1\n").commit("init");
    r.write(
        "gitops-upgrade.yaml",
        "policies:\n  rules:\n    - id: x\n      no-downgrade: {fieldd: spec.version}\n",
    )
    .add();
    let o = r.hook();
    assert_findings(&o, &["gitops-upgrade.yaml:4:22: config/plan"]);
    assert!(o.stdout.contains("unknown field 'fieldd'"), "{}", o.stdout);
}

#[test]
fn list_policies_shows_the_sets_in_force() {
    let r = Repo::new();
    r.write("gitops-upgrade.yaml", "policies:\n  disable: [rok]\n")
        .commit("init");
    let o = r.run(&["check", "--list-policies"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("aerospike/backup-before-upgrade"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("rok/"), "{}", o.stdout);
    let j = r
        .run(&["check", "--list-policies", "--output", "json"])
        .json();
    assert!(j
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["set"] == "aerospike"));
}

// ---------------------------------------------------------------------------
// Output and exit codes

#[test]
fn json_output_lists_findings_with_their_fields() {
    let r = Repo::new();
    r.write("cm.yaml", "a: 1\n").commit("init");
    r.write("cm.yaml", "a: [\n").add();
    let o = r.run(&["check", "--staged", "--changed", "--output", "json"]);
    assert_eq!(o.code, 1);
    let j = o.json();
    assert_eq!(j["status"], "findings");
    assert_eq!(j["errors"], 1);
    assert_eq!(j["mode"], "staged");
    let f = &j["findings"][0];
    assert_eq!(f["path"], "cm.yaml");
    assert_eq!(f["rule"], "yaml/syntax");
    assert_eq!(f["severity"], "error");
    assert!(f["line"].as_u64().unwrap() >= 1 && f["col"].as_u64().unwrap() >= 1);
    assert!(f["message"].as_str().is_some());
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
    c.current_dir(tmp.path()).args(["check"]);
    isolate(&mut c, tmp.path());
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not inside a git repository"));

    let r = Repo::new();
    r.write("a.yaml", "a: 1\n").commit("init");
    let o = r.run(&["check", "nothere.yaml"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("'nothere.yaml': no such file"),
        "{}",
        o.stderr
    );
    assert_eq!(r.run(&["check", "--against", "nope", "a.yaml"]).code, 2);
    assert_eq!(r.run(&["check", "/etc/hostname"]).code, 2);
}

#[test]
fn against_compares_with_another_revision() {
    let r = Repo::new();
    r.write("rok/cluster.yaml", &ROK.replace("0.14", "0.13"))
        .commit("0.13");
    r.git(&["tag", "v13"]);
    r.write("rok/cluster.yaml", &ROK.replace("0.14", "0.12"))
        .commit("0.12, oops");
    // nothing staged: HEAD is the base of comparison, nothing changes
    assert_clean(&r.run(&["check", "--staged", "rok/cluster.yaml"]));
    let o = r.run(&["check", "--staged", "--against", "v13", "rok/cluster.yaml"]);
    assert_findings(&o, &["rok/cluster.yaml:7:12: rok/no-downgrade"]);
}

#[test]
fn a_subdirectory_and_paths_relative_to_it_work() {
    let r = Repo::new();
    app(&r);
    r.commit("init");
    r.write("overlays/prod/replicas.yaml", "kind: [\n").add();
    let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
    c.current_dir(r.path().join("overlays/prod"))
        .args(["check", "--staged", "replicas.yaml"]);
    isolate(&mut c, &r.home());
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("overlays/prod/replicas.yaml:2:1: yaml/syntax"),
        "{out}"
    );
    // a directory stands for the files below it
    let o = r.run(&["check", "--staged", "overlays"]);
    assert_eq!(o.code, 1);
}

#[test]
fn findings_point_into_inline_and_json6902_patches() {
    let cluster = "apiVersion: crd.arrikto.com/v1alpha1
kind: RokCluster
metadata:
  name: rok
spec:
  version: release-0.15-l0-release-0.15
  configVars:
    a: \"1\"
  redis:
    endpoint: redis://r:6379
";
    let r = Repo::new();
    r.write("base/kustomization.yaml", "resources:\n- cluster.yaml\n")
        .write("base/cluster.yaml", cluster)
        .write("inline/kustomization.yaml", "resources:\n- ../base\n")
        .write("ops/kustomization.yaml", "resources:\n- ../base\n")
        .commit("init");
    r.write(
        "inline/kustomization.yaml",
        "resources:\n- ../base\npatches:\n# pinned\n- patch: |-\n    apiVersion: crd.arrikto.com/v1alpha1\n    kind: RokCluster\n    metadata:\n      name: rok\n    spec:\n      version: release-0.14-l0-release-0.14\n",
    )
    .write(
        "ops/kustomization.yaml",
        "resources:\n- ../base\npatchesJson6902:\n- target: {group: crd.arrikto.com, version: v1alpha1, kind: RokCluster, name: rok}\n  path: ops.yaml\n",
    )
    .write(
        "ops/ops.yaml",
        "- op: replace\n  path: /spec/version\n  value: release-0.13-l0-release-0.13\n",
    )
    .add();
    let o = r.hook();
    // (0.14 also wants configVars as a string: the base holds the map)
    assert_findings(
        &o,
        &[
            "base/cluster.yaml:8:5: rok/configvars-string",
            "inline/kustomization.yaml:11:16: rok/no-downgrade",
            "ops/ops.yaml:3:10: rok/no-downgrade",
        ],
    );
}

/// The root rule `check` shares with `diff` and `rebase`: a kustomization
/// that includes only itself is a root (and does not render); a
/// `Component` nothing includes is not one.
#[test]
fn a_self_including_kustomization_is_a_root_and_a_stray_component_is_not() {
    let r = Repo::new();
    app(&r);
    r.commit("init");
    r.write("loop/kustomization.yaml", "resources:\n- .\n")
        .write(
            "components/extra/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: patch.yaml\n",
        )
        .write(
            "components/extra/patch.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nowhere\ndata:\n  a: \"2\"\n",
        )
        .add();
    let o = r.run(&["check", "--staged", "--changed", "--output", "json"]);
    assert_eq!(
        o.json()["roots"],
        serde_json::json!(["loop"]),
        "{}",
        o.stdout
    );
    let o = r.hook();
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("kustomization root 'loop' does not render"),
        "{}",
        o.stdout
    );
}
