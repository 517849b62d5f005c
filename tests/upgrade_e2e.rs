//! The whole upgrade on the bundled example, as a user runs it: the vendor
//! publishes v0.14 (`overlays-examples/rok`), the user commits site changes
//! and a plan naming the `rok-v0.15` catalog, the vendor publishes v0.15
//! (`fixtures/upgrade/rok-v0.15`), then `rebase`, `migrate-patches`, the
//! renders (compared with the real kubectl) and `diff` against the backup.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::{copy_tree, crate_dir, git, kubectl, run_with_timeout};

fn tool(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
        .current_dir(dir)
        .args(args)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap()
}

fn ok(o: &Output, what: &str) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn rok_v014_to_v015_upgrade() {
    let t = tempfile::tempdir().unwrap();
    let vendor = t.path().join("vendor");
    let user = t.path().join("user");
    fs::create_dir_all(&vendor).unwrap();
    git(&vendor, &["init", "-q", "-b", "main"]);
    copy_tree(&crate_dir().join("overlays-examples/rok"), &vendor);
    git(&vendor, &["add", "-A"]);
    git(&vendor, &["commit", "-qm", "rok v0.14"]);

    git(t.path(), &["clone", "-q", "vendor", "user"]);
    let patch = user.join("rok-cluster/overlays/deploy/patches/rokcluster.yaml");
    let text = fs::read_to_string(&patch).unwrap();
    fs::write(&patch, text.replace("nodeCount: 5", "nodeCount: 7")).unwrap();
    fs::write(
        user.join("gitops-upgrade.yaml"),
        "migrations:\n- rok-v0.15\n",
    )
    .unwrap();
    git(&user, &["add", "-A"]);
    git(&user, &["commit", "-qm", "site: seven nodes; upgrade plan"]);

    copy_tree(&crate_dir().join("fixtures/upgrade/rok-v0.15"), &vendor);
    git(&vendor, &["add", "-A"]);
    git(&vendor, &["commit", "-qm", "rok v0.15"]);

    // 1. rebase: the site change survives on top of v0.15, a backup exists
    let out = ok(&tool(&user, &["rebase", "--output", "json"]), "rebase");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let backup = report["backup"].as_str().expect("a backup ref").to_string();
    assert_eq!(report["replayed"].as_array().unwrap().len(), 1);
    let rebased = fs::read_to_string(&patch).unwrap();
    assert!(rebased.contains("nodeCount: 7"), "{rebased}");

    // 2. migrate-patches with the plan's catalog: configVars becomes a map,
    // the comment and the site change stay; a second run has nothing to do
    assert_eq!(
        tool(&user, &["migrate-patches", "--check"]).status.code(),
        Some(1)
    );
    ok(&tool(&user, &["migrate-patches"]), "migrate");
    let migrated = fs::read_to_string(&patch).unwrap();
    assert!(
        migrated.contains(
            "  configVars:\n    daemons.rok_s3d.enabled: True\n    daemons.rok_election.enabled: True\n    cluster.site: eu-west\n"
        ),
        "{migrated}"
    );
    assert!(
        migrated.starts_with("# Local change: this site runs the S3 daemon"),
        "{migrated}"
    );
    assert!(migrated.contains("nodeCount: 7"), "{migrated}");
    assert_eq!(
        tool(&user, &["migrate-patches", "--check"]).status.code(),
        Some(0)
    );

    // 3. every deploy overlay renders exactly as the real kubectl renders it
    for d in [
        "deploy",
        "rok-disk-manager/overlays/deploy",
        "rok-kmod/overlays/deploy",
        "rok-operator/overlays/deploy",
        "rok-cluster/overlays/deploy",
        "rok-external-services/redis/overlays/deploy",
    ] {
        let dir = user.join(d);
        let theirs = run_with_timeout(
            Command::new(kubectl()).arg("kustomize").arg(&dir),
            Duration::from_secs(120),
        );
        let ours = tool(&user, &["render", d]);
        assert!(theirs.success(), "kubectl on {d}: {}", theirs.stderr_str());
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "render of {d}"
        );
    }

    // 4. diff against the backup: what changes, and what must be re-created
    let o = tool(
        &user,
        &[
            "diff",
            "--from",
            &backup,
            "--output",
            "json",
            "--exit-code",
            "deploy",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let find = |kind: &str| {
        j["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == kind)
            .unwrap_or_else(|| panic!("{kind} not in the diff"))
            .clone()
    };
    assert_eq!(find("StorageClass")["recreate"], true);
    assert_eq!(find("StatefulSet")["recreate"], true);
    let cluster = find("RokCluster");
    assert_eq!(cluster["recreate"], false);
    let paths: Vec<&str> = cluster["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    for p in ["spec.version", "spec.configVars", "spec.redis"] {
        assert!(
            paths.iter().any(|x| x.starts_with(p)),
            "{p} not in {paths:?}"
        );
    }
    assert_eq!(j["summary"]["recreate"], 2);
}
