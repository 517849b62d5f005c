//! `gitops-upgrade rebase --merge yaml` (the default) on real repositories
//! made with the git CLI: the structural merge of files both the vendor
//! and the user changed, the override report (text and JSON), the fallback
//! to the line merge, `--merge line` against git itself, and
//! `--push-backup` to a bare repository.

mod rebase_common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rebase_common::{copy_dir, git, git_ok, init_repo};

fn bin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
        .current_dir(dir)
        .arg("rebase")
        .args(["--no-fetch", "--upstream", "upstream"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = bin(dir, args);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut a = vec!["--output", "json"];
    a.extend_from_slice(args);
    serde_json::from_str(&ok(dir, &a)).unwrap()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn read(dir: &Path, rel: &str) -> String {
    fs::read_to_string(dir.join(rel)).unwrap()
}

fn commit_all(dir: &Path, msg: &str) {
    git_ok(dir, &["add", "-A"]);
    git_ok(dir, &["commit", "-q", "-m", msg]);
}

/// A repository whose base commit holds each file's first version, the
/// `upstream` branch its second (the vendor's), `main` its third (the
/// user's).
fn scenario(files: &[(&str, &str, &str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    init_repo(&d);
    for (p, b, _, _) in files {
        write(&d, p, b);
    }
    commit_all(&d, "base");
    git_ok(&d, &["checkout", "-q", "-b", "upstream"]);
    for (p, _, v, _) in files {
        write(&d, p, v);
    }
    commit_all(&d, "vendor release");
    git_ok(&d, &["checkout", "-q", "main"]);
    for (p, _, _, u) in files {
        write(&d, p, u);
    }
    commit_all(&d, "local changes");
    (t, d)
}

/// The tree of `git rebase -Xtheirs upstream` run in a copy of `d`.
fn git_xtheirs_tree(d: &Path, scratch: &Path) -> String {
    let c = scratch.join("git-copy");
    copy_dir(d, &c);
    let o = git(&c, &["rebase", "-q", "-Xtheirs", "upstream"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    git_ok(&c, &["rev-parse", "HEAD^{tree}"]).trim().to_string()
}

fn tree(d: &Path) -> String {
    git_ok(d, &["rev-parse", "HEAD^{tree}"]).trim().to_string()
}

const BASE: &str = "apiVersion: example.com/v1\nkind: Cluster\nmetadata:\n  name: demo\nspec:\n  configVars: \"a=1;\"\n  nodeCount: 3\n";
const VENDOR: &str = "apiVersion: example.com/v1\nkind: Cluster\nmetadata:\n  name: demo\nspec:\n  configVars: \"a=1;\"\n  nodeCount: 5\n  redis:\n    endpoint: redis.example:6379\n";
const USER: &str = "apiVersion: example.com/v1\nkind: Cluster\nmetadata:\n  name: demo\nspec:\n  configVars: \"a=1;\"\n  nodeCount: 7 # sized for our load\n";
const CLUSTER: &str = "overlays/deploy/cluster.yaml";

#[test]
fn the_issue_example_keeps_redis_and_reports_the_override() {
    let (t, d) = scenario(&[(CLUSTER, BASE, VENDOR, USER)]);
    let line_tree = git_xtheirs_tree(&d, t.path());
    let out = ok(&d, &[]);
    assert_eq!(
        read(&d, CLUSTER),
        "apiVersion: example.com/v1\nkind: Cluster\nmetadata:\n  name: demo\nspec:\n  configVars: \"a=1;\"\n  nodeCount: 7 # sized for our load\n  redis:\n    endpoint: redis.example:6379\n"
    );
    assert_ne!(tree(&d), line_tree, "git -Xtheirs drops redis; we must not");
    let up = git_ok(&d, &["rev-parse", "--short=12", "upstream"]);
    let show = format!("git show {}:{CLUSTER}", up.trim());
    assert!(
        out.contains(&format!(
            "{CLUSTER} spec.nodeCount: upstream 5, kept 7    upstream's file: {show}"
        )),
        "{out}"
    );
    assert!(
        out.contains("1 upstream change(s) kept next to yours; 1 override(s)"),
        "{out}"
    );
    // The command shown prints the vendor's file.
    let args: Vec<&str> = show.split(' ').skip(1).collect();
    assert_eq!(git_ok(&d, &args), VENDOR);
    assert!(git_ok(&d, &["status", "--porcelain"]).is_empty());
}

#[test]
fn the_json_report_names_each_override() {
    let (_t, d) = scenario(&[(CLUSTER, BASE, VENDOR, USER)]);
    let j = json(&d, &[]);
    let m = &j["yaml_merge"];
    assert_eq!(m["files_merged"], 1);
    assert_eq!(m["vendor_changes_kept"], 1);
    assert_eq!(m["overrides"], 1);
    assert_eq!(m["line_fallbacks"], 0);
    let f = &m["files"][0];
    assert_eq!(f["path"], CLUSTER);
    assert_eq!(f["mode"], "yaml");
    let o = &f["overrides"][0];
    assert_eq!(o["path"], "spec.nodeCount");
    assert_eq!(o["upstream"], 5);
    assert_eq!(o["kept"], 7);
    assert_eq!(o["masked"], false);
    assert!(o["show_upstream"]
        .as_str()
        .unwrap()
        .ends_with(&format!(":{CLUSTER}")));
    assert_eq!(
        j["replayed"][0]["conflicts"][0]["path"], CLUSTER,
        "the conflict is still listed"
    );
}

#[test]
fn merge_line_is_git_rebase_xtheirs() {
    let (t, d) = scenario(&[(CLUSTER, BASE, VENDOR, USER)]);
    let want = git_xtheirs_tree(&d, t.path());
    let out = ok(&d, &["--merge", "line"]);
    assert_eq!(tree(&d), want);
    assert!(!read(&d, CLUSTER).contains("redis"));
    assert!(
        out.contains("both changed the same lines; local hunks won"),
        "{out}"
    );
    assert!(!out.contains("Merged as YAML"), "{out}");
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        image: web:1.0\n        resources: {limits: {cpu: 500m}}\n      - name: sidecar\n        image: proxy:1.0\n";

#[test]
fn containers_are_merged_by_name() {
    // The vendor changes the image, the user the resources on the next
    // lines of the same container, and reorders nothing.
    let vendor = DEPLOY.replace("web:1.0", "web:2.0");
    let user = DEPLOY.replace("{cpu: 500m}}", "{cpu: \"2\"}}  # ours");
    let (t, d) = scenario(&[("app/deploy.yaml", DEPLOY, &vendor, &user)]);
    let line_tree = git_xtheirs_tree(&d, t.path());
    let out = ok(&d, &[]);
    let got = read(&d, "app/deploy.yaml");
    assert_eq!(got, user.replace("web:1.0", "web:2.0"));
    assert_ne!(tree(&d), line_tree);
    assert!(out.contains("0 override(s)"), "{out}");
    // The same image changed on both sides: the user's wins, by its path.
    let user2 = user.replace("web:1.0", "web:1.0-patched");
    let (_t, d) = scenario(&[("app/deploy.yaml", DEPLOY, &vendor, &user2)]);
    let out = ok(&d, &[]);
    assert!(
        out.contains(
            "app/deploy.yaml spec.template.spec.containers[name=main].image: upstream web:2.0, kept web:1.0-patched"
        ),
        "{out}"
    );
    assert_eq!(read(&d, "app/deploy.yaml"), user2);
}

#[test]
fn a_container_added_by_the_vendor_next_to_one_added_by_the_user() {
    let vendor = format!("{DEPLOY}      - name: metrics\n        image: metrics:1\n");
    let user = format!("{DEPLOY}      - name: mine\n        image: mine:1\n");
    let (_t, d) = scenario(&[("app/deploy.yaml", DEPLOY, &vendor, &user)]);
    ok(&d, &[]);
    assert_eq!(
        read(&d, "app/deploy.yaml"),
        format!("{DEPLOY}      - name: metrics\n        image: metrics:1\n      - name: mine\n        image: mine:1\n")
    );
}

#[test]
fn a_key_the_user_deleted_next_to_a_vendor_change() {
    let base = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: one\n  b: two\n  c: three\n";
    // The vendor changes c, the user deletes b on the line above it.
    let vendor = base.replace("c: three", "c: vendor");
    let user = base.replace("  b: two\n", "");
    let (_t, d) = scenario(&[("cm.yaml", base, &vendor, &user)]);
    let out = ok(&d, &[]);
    assert_eq!(
        read(&d, "cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: one\n  c: vendor\n"
    );
    assert!(out.contains("0 override(s)"), "{out}");
    // The user deletes the very key the vendor changed: reported.
    let user = base
        .replace("  c: three\n", "")
        .replace("b: two", "b: mine");
    let (_t, d) = scenario(&[("cm.yaml", base, &vendor, &user)]);
    let out = ok(&d, &[]);
    assert_eq!(read(&d, "cm.yaml"), user);
    assert!(
        out.contains("cm.yaml data.c: upstream vendor, kept (deleted)"),
        "{out}"
    );
}

#[test]
fn multi_document_files_are_merged_by_identity() {
    let cm = |name: &str, v: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: {v}\n  other: x\n")
    };
    let base = format!("{}---\n{}", cm("a", "1"), cm("b", "1"));
    // The vendor reorders the documents, changes a and adds c.
    let vendor = format!("{}---\n{}---\n{}", cm("b", "1"), cm("a", "2"), cm("c", "1"));
    // The user changes b's value and a's other key next to k.
    let user = format!(
        "# our copy\n{}---\n{}",
        cm("a", "1").replace("other: x", "other: ours"),
        cm("b", "9")
    );
    let (t, d) = scenario(&[("cms.yaml", &base, &vendor, &user)]);
    // git's line merge is clean here, and wrong: it puts your edits into
    // the documents the vendor moved to their lines (c gets k: 9).
    let line_tree = git_xtheirs_tree(&d, t.path());
    let out = ok(&d, &[]);
    assert_ne!(tree(&d), line_tree);
    assert_eq!(
        read(&d, "cms.yaml"),
        format!(
            "# our copy\n{}---\n{}---\n{}",
            cm("a", "2").replace("other: x", "other: ours"),
            cm("b", "9"),
            cm("c", "1")
        )
    );
    assert!(out.contains("2 upstream change(s) kept"), "{out}");
    // Both changed a's k: the override names the document.
    let user = format!("{}---\n{}", cm("a", "7"), cm("b", "1"));
    let (_t, d) = scenario(&[("cms.yaml", &base, &vendor, &user)]);
    let out = ok(&d, &[]);
    assert!(
        out.contains("cms.yaml [v1 ConfigMap a] data.k: upstream 2, kept 7"),
        "{out}"
    );
}

#[test]
fn kustomization_resources_changed_on_both_sides() {
    let base = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../base\n- cluster.yaml\n- old-job.yaml\npatches:\n- path: replicas.yaml\n";
    let vendor = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../base\n- cluster.yaml\n- redis.yaml\npatches:\n- path: replicas.yaml\n";
    let user = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../base\n- cluster.yaml\n- old-job.yaml\n- our-secret.yaml # ours\npatches:\n- path: replicas.yaml\n- path: our-patch.yaml\n";
    let (_t, d) = scenario(&[("overlays/deploy/kustomization.yaml", base, vendor, user)]);
    let out = ok(&d, &[]);
    assert_eq!(
        read(&d, "overlays/deploy/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../base\n- cluster.yaml\n- redis.yaml\n- our-secret.yaml # ours\npatches:\n- path: replicas.yaml\n- path: our-patch.yaml\n"
    );
    assert!(out.contains("0 override(s)"), "{out}");
}

#[test]
fn the_users_comments_quoting_and_indentation_are_kept() {
    let base = "spec:\n  a: 1\n  b: x\n  list:\n  - p\n";
    let vendor = "spec:\n  a: 2\n  b: x\n  list:\n  - p\n  added: true\n";
    let user = "# tuned for prod\nspec:\n    a: 1     # keep aligned\n    b: 'y'   # quoted on purpose\n    list:\n        - p\n";
    let (_t, d) = scenario(&[("x.yaml", base, vendor, user)]);
    ok(&d, &[]);
    assert_eq!(
        read(&d, "x.yaml"),
        "# tuned for prod\nspec:\n    a: 2     # keep aligned\n    b: 'y'   # quoted on purpose\n    list:\n        - p\n    added: true\n"
    );
}

#[test]
fn files_that_cannot_be_merged_as_yaml_fall_back_to_the_line_merge() {
    let base = "defaults: &d\n  cpu: 1\n  mem: 2\nspec:\n  <<: *d\n  n: 3\n";
    let vendor = base.replace("cpu: 1", "cpu: 2").replace("n: 3", "n: 4");
    let user = base.replace("mem: 2", "mem: 9").replace("n: 3", "n: 5");
    let (t, d) = scenario(&[("anchored.yaml", base, &vendor, &user)]);
    let want = git_xtheirs_tree(&d, t.path());
    let out = ok(&d, &[]);
    assert_eq!(tree(&d), want, "the line merge, as git -Xtheirs");
    assert!(
        out.contains("Merged line by line, your hunks winning (1 YAML file(s) not merged as YAML)"),
        "{out}"
    );
    assert!(
        out.contains("anchored.yaml") && out.contains("uses anchors (&name)"),
        "{out}"
    );
    let j = json(&d, &["--dry-run"]);
    assert_eq!(j["yaml_merge"]["files"].as_array().unwrap().len(), 0);
    // A file that does not parse on one side.
    let bad = "a: 1\nb: [2\n";
    let (t, d) = scenario(&[("bad.yaml", "a: 1\nb: 2\n", "a: 3\nb: 4\n", bad)]);
    let want = git_xtheirs_tree(&d, t.path());
    let j = json(&d, &[]);
    assert_eq!(tree(&d), want);
    let f = &j["yaml_merge"]["files"][0];
    assert_eq!(f["mode"], "line");
    assert!(
        f["reason"]
            .as_str()
            .unwrap()
            .starts_with("the local version does not parse as YAML (3:1:"),
        "{f}"
    );
}

#[test]
fn secret_values_are_masked_in_the_report() {
    let base = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: base-pw\n  user: admin\n";
    let vendor = base.replace("base-pw", "vendor-pw");
    let user = base.replace("base-pw", "my-pw");
    let (_t, d) = scenario(&[("secret.yaml", base, &vendor, &user)]);
    let j = json(&d, &[]);
    let text = j.to_string();
    assert!(
        !text.contains("vendor-pw") && !text.contains("my-pw"),
        "{text}"
    );
    let o = &j["yaml_merge"]["files"][0]["overrides"][0];
    assert_eq!(o["path"], "stringData.password");
    assert_eq!(o["masked"], true);
    assert_eq!(read(&d, "secret.yaml"), user);
}

#[test]
fn push_backup_pushes_the_backup_ref_to_the_remote() {
    let (t, d) = scenario(&[(CLUSTER, BASE, VENDOR, USER)]);
    let mirror = t.path().join("mirror.git");
    git_ok(
        t.path(),
        &["init", "-q", "--bare", mirror.to_str().unwrap()],
    );
    git_ok(&d, &["remote", "add", "mirror", mirror.to_str().unwrap()]);
    let old = git_ok(&d, &["rev-parse", "HEAD"]);
    let out = ok(&d, &["--push-backup", "mirror"]);
    assert!(out.contains("Pushed the backup ref to mirror."), "{out}");
    let refs = git_ok(
        &mirror,
        &["for-each-ref", "--format=%(refname) %(objectname)"],
    );
    let backup = git_ok(
        &d,
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/gitops-upgrade/",
        ],
    );
    assert_eq!(refs, format!("{} {}", backup.trim(), old));
    // An unknown remote is refused before anything changes.
    let (_t2, d2) = scenario(&[(CLUSTER, BASE, VENDOR, USER)]);
    let before = git_ok(&d2, &["rev-parse", "HEAD"]);
    let o = bin(&d2, &["--push-backup", "nowhere"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--push-backup: no remote named 'nowhere'"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(git_ok(&d2, &["rev-parse", "HEAD"]), before);
    // A push that fails after the rebase: exit 1, the rebase stays done.
    let (t3, d3) = scenario(&[(CLUSTER, BASE, VENDOR, USER)]);
    let gone = t3.path().join("gone.git");
    git_ok(&d3, &["remote", "add", "gone", gone.to_str().unwrap()]);
    let before = git_ok(&d3, &["rev-parse", "HEAD"]);
    let o = bin(&d3, &["--push-backup", "gone"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("rebased, but pushing the backup ref failed"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_ne!(git_ok(&d3, &["rev-parse", "HEAD"]), before);
    assert!(String::from_utf8_lossy(&o.stdout).contains("Retry with: git push"));
}
