//! `gitops-upgrade migrate-patches` and `migrations`, driven through the
//! built binary on copies of `fixtures/migrate/` in temporary directories.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
}

fn fixture(name: &str) -> PathBuf {
    common::crate_dir()
        .join("fixtures")
        .join("migrate")
        .join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<PathBuf>) {
        for e in fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(base, &e.path(), out);
            } else {
                out.push(e.path().strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

/// Byte-for-byte comparison of two trees.
fn assert_same_tree(actual: &Path, expected: &Path) {
    assert_eq!(files(actual), files(expected), "file lists differ");
    for f in files(expected) {
        let a = fs::read(actual.join(&f)).unwrap();
        let e = fs::read(expected.join(&f)).unwrap();
        if a != e {
            panic!(
                "{} differs from the expected file:\n{}",
                f.display(),
                common::unified_diff(
                    &String::from_utf8_lossy(&e),
                    &String::from_utf8_lossy(&a),
                    "expected",
                    "actual"
                )
            );
        }
    }
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Out {
    let mut c = bin();
    c.arg("-C").arg(dir).args(args);
    let o = common::run_with_timeout(&mut c, Duration::from_secs(60));
    assert!(!o.timed_out, "timed out: {args:?}");
    Out {
        code: o.status.and_then(|s| s.code()).unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: o.stderr_str(),
    }
}

const V15: &[&str] = &["migrate-patches", "--catalog", "rok-v0.15"];
const V11_12: &[&str] = &[
    "migrate-patches",
    "--catalog",
    "rok-v0.11",
    "--catalog",
    "rok-v0.12",
    "--set",
    "volume-group=vg0",
];

fn setup(name: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_dir(&fixture(name), t.path());
    t
}

#[test]
fn v015_migrates_to_the_expected_files() {
    let t = setup("rok-0.14");
    let o = run(t.path(), V15);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("Migrated 3 file(s)"), "{}", o.stdout);
    assert!(o.stdout.contains("all build"), "{}", o.stdout);
    assert_same_tree(t.path(), &fixture("expected/rok-0.14"));
}

#[test]
fn v011_v012_migrate_to_the_expected_files_with_a_warning() {
    let t = setup("rok-0.10");
    let o = run(t.path(), V11_12);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains(
            "warning: rok/rok-csi/overlays/deploy/patches/csi-node.yaml:14:11: rok-v0.11/endpoint-without-role:"
        ),
        "{}",
        o.stderr
    );
    assert_same_tree(t.path(), &fixture("expected/rok-0.10"));
}

#[test]
fn second_run_changes_nothing_and_check_exit_codes() {
    for (name, args) in [("rok-0.14", V15), ("rok-0.10", V11_12)] {
        let t = setup(name);
        let mut check: Vec<&str> = args.to_vec();
        check.push("--check");
        let o = run(t.path(), &check);
        assert_eq!(o.code, 1, "pending migration: {}{}", o.stdout, o.stderr);
        assert!(o.stdout.contains("need migrating"), "{}", o.stdout);
        assert_same_tree(t.path(), &fixture(name)); // --check writes nothing
        assert_eq!(run(t.path(), args).code, 0);
        let o = run(t.path(), args);
        assert_eq!(o.code, 0);
        assert!(o.stdout.contains("nothing to migrate"), "{}", o.stdout);
        assert_same_tree(t.path(), &fixture(&format!("expected/{name}")));
        assert_eq!(run(t.path(), &check).code, 0);
    }
}

#[test]
fn any_problem_writes_nothing_and_is_reported_with_a_position() {
    let t = setup("rok-0.14");
    let p = t
        .path()
        .join("rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml");
    let text = fs::read_to_string(&p)
        .unwrap()
        .replace("cluster.site=eu-west;", "cluster.site=eu-west; bogus;");
    fs::write(&p, &text).unwrap();
    let o = run(t.path(), V15);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains(
            "error: rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml:9:15: spec.configVars: entry 'bogus' has no '='"
        ),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("nothing was written"), "{}", o.stderr);
    // other files (which had valid edits) are untouched too
    fs::write(
        &p,
        fs::read(
            fixture("rok-0.14").join("rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_same_tree(t.path(), &fixture("rok-0.14"));
}

#[test]
fn missing_required_value_and_bad_yaml_are_problems() {
    let t = setup("rok-0.10");
    let o = run(t.path(), &V11_12[..5]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("csi-node.yaml:12:11: rok-v0.12/csi-volume-pool: no value for 'volume-group': pass --set volume-group=<value>"),
        "{}",
        o.stderr
    );
    assert_same_tree(t.path(), &fixture("rok-0.10"));
    let bad = t
        .path()
        .join("rok/rok-csi/overlays/deploy/patches/csi-node.yaml");
    fs::write(&bad, "apiVersion: apps/v1\nkind: [DaemonSet\n").unwrap();
    let o = run(t.path(), V11_12);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .contains("error: rok/rok-csi/overlays/deploy/patches/csi-node.yaml:3:1:"),
        "{}",
        o.stderr
    );
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let t = setup("rok-0.14");
    let mut args = V15.to_vec();
    args.push("--dry-run");
    let o = run(t.path(), &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains(
        "--- a/rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml\n+++ b/rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml\n"
    ));
    assert!(o.stdout.contains(
        "-  configVars: \"daemons.rok_s3d.enabled=True; daemons.rok_election.enabled=True; cluster.site=eu-west;\"\n+  configVars:\n+    daemons.rok_s3d.enabled: True\n"
    ), "{}", o.stdout);
    assert_same_tree(t.path(), &fixture("rok-0.14"));
}

#[test]
fn json_output_has_the_documented_shape() {
    let t = setup("rok-0.14");
    let mut args = V15.to_vec();
    args.extend(["--check", "--output", "json"]);
    let o = run(t.path(), &args);
    assert_eq!(o.code, 1);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["status"], "pending");
    assert_eq!(v["catalogs"][0], "rok-v0.15");
    assert_eq!(v["files"].as_array().unwrap().len(), 3);
    assert_eq!(v["ownership"]["basis"], "not-git");
    let c = &v["changes"][0];
    for k in ["catalog", "rule", "path", "line", "message"] {
        assert!(!c[k].is_null(), "{k} in {c}");
    }
    assert_eq!(v["hints"]["recreate"][0]["name"], "rok-operator");
    assert_eq!(v["hints"]["apply_first"][0]["name"], "redis");
    assert!(v["problems"].as_array().unwrap().is_empty());
}

#[test]
fn migrated_overlays_build_with_kubectl_and_carry_the_new_shape() {
    let kubectl = common::kubectl();
    let t = setup("rok-0.14");
    let overlay = t.path().join("rok/rok-cluster/overlays/deploy");
    let render = |dir: &Path| {
        let mut c = Command::new(kubectl);
        c.arg("kustomize").arg(dir);
        common::run_with_timeout(&mut c, Duration::from_secs(60))
    };
    // Before: the user's patch still writes configVars as a string over the
    // vendor's 0.15 mapping, which kustomize cannot merge.
    let o = render(&overlay);
    assert!(!o.success());
    assert!(
        o.stderr_str().contains("expected MappingNode"),
        "{}",
        o.stderr_str()
    );
    assert_eq!(run(t.path(), V15).code, 0);
    let o = render(&overlay);
    assert!(o.success(), "{}", o.stderr_str());
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "  configVars:\n    cluster.site: eu-west\n",
        "    rok: gcr.io/arrikto/roke:v0.15\n",
        "    rokCSI: gcr.io/arrikto/rok-csi:v0.15\n",
        "  redis:\n    endpoint: redis://rok-redis.rok.svc.cluster.local:6379\n",
        // the v0.15 guide renames nothing of the user's
        "  name: ops-metadata\n",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(!out.contains("join-metadata"), "{out}");
    let t = setup("rok-0.10");
    assert_eq!(run(t.path(), V11_12).code, 0);
    let o = render(&t.path().join("rok/rok-csi/overlays/deploy"));
    assert!(o.success(), "{}", o.stderr_str());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("        - --thick\n        - --volume-group=vg0\n"),
        "{out}"
    );
}

#[test]
fn paths_limit_the_run_and_catalogs_come_from_the_plan_file() {
    let t = setup("rok-0.14");
    // no catalog anywhere: usage error
    let o = run(t.path(), &["migrate-patches"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("no catalog"), "{}", o.stderr);
    fs::write(
        t.path().join("gitops-upgrade.yaml"),
        "# plan\nmigrations:\n- rok-v0.15\n",
    )
    .unwrap();
    // only the overlay: the vendor base is not read
    let o = run(
        t.path(),
        &["migrate-patches", "rok/rok-cluster/overlays/deploy"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("Migrated 3 file(s)"), "{}", o.stdout);
    // then the whole repository: the overlay's patch has spec.redis, so
    // the base is left alone
    let o = run(t.path(), &["migrate-patches"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("nothing to migrate (2 kustomization(s)"),
        "{}",
        o.stdout
    );
    fs::remove_file(t.path().join("gitops-upgrade.yaml")).unwrap();
    assert_same_tree(t.path(), &fixture("expected/rok-0.14"));
    let o = run(t.path(), &["migrate-patches", "--catalog", "nope"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("unknown catalog 'nope'"), "{}", o.stderr);
}

#[test]
fn runs_from_a_subdirectory_of_a_git_repository() {
    let t = setup("rok-0.14");
    let ok = Command::new("git")
        .args(["init", "-q"])
        .current_dir(t.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let sub = t.path().join("rok/rok-cluster");
    let o = run(&sub, V15);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // paths are relative to the repository root
    assert!(o
        .stdout
        .contains("rok/rok-cluster/overlays/deploy/patches/rokcluster.yaml:9:"));
    fs::remove_dir_all(t.path().join(".git")).unwrap();
    assert_same_tree(t.path(), &fixture("expected/rok-0.14"));
}

#[test]
fn migrations_list_and_show() {
    let t = tempfile::tempdir().unwrap();
    let o = run(t.path(), &["migrations", "list"]);
    assert_eq!(o.code, 0);
    for n in ["rok-v0.11", "rok-v0.12", "rok-v0.15"] {
        assert!(o.stdout.contains(n), "{}", o.stdout);
    }
    let o = run(t.path(), &["migrations", "show", "rok-v0.15"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("redis-endpoint"), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("recreate StatefulSet rok-system/rok-operator"),
        "{}",
        o.stdout
    );
    let o = run(
        t.path(),
        &["migrations", "show", "rok-v0.12", "--output", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["rules"][0]["action"], "rewrite-args");
    assert!(v["vars"]["volume-group"].is_null());
    let o = run(t.path(), &["migrations", "show", "nope"]);
    assert_eq!(o.code, 2);
}
