//! `upgrade --resume`: an upgrade stopped at any step continues from that
//! step, without doing the steps before it again. Driven through the binary
//! on real git repositories (a vendor repository, the user's clone, the
//! vendor's next release), against the stand-in for kubectl
//! (`tests/support/fake-kubectl`), whose call log shows on the cluster side
//! what was applied and deleted.

mod common;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::{crate_dir, git};
use serde_json::Value as Json;

const PLAN: &str = common::ROK_EXAMPLE_PLAN;

/// The vendor's repository at 0.14, the user's clone with the plan, the
/// vendor's 0.15 published (fetched by the upgrade), and a fake cluster.
struct Upgrade {
    t: tempfile::TempDir,
    user: PathBuf,
    cluster: PathBuf,
}

impl Upgrade {
    fn new() -> Upgrade {
        let t = tempfile::tempdir().unwrap();
        let cluster = t.path().join("cluster");
        fs::create_dir_all(&cluster).unwrap();
        let (vendor, user) = common::rok_vendor_and_site(t.path(), PLAN);
        common::publish_rok_v015(&vendor);
        let u = Upgrade { t, user, cluster };
        u.healthy(true);
        u
    }

    fn healthy(&self, ok: bool) {
        let health = if ok { "OK" } else { "Degraded" };
        fs::write(
            self.cluster.join("behaviour.json"),
            format!(r#"{{"status": {{"RokCluster/rok/rok": {{"health": "{health}"}}}}}}"#),
        )
        .unwrap();
    }

    fn tool(&self, args: &[&str]) -> Output {
        let fake = crate_dir().join("tests/support/fake-kubectl");
        let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
        c.current_dir(&self.user)
            .args(args)
            .env("FAKE_KUBECTL_STATE", &self.cluster)
            .stdin(Stdio::null());
        if matches!(args.first(), Some(&"upgrade") | Some(&"apply")) {
            c.args(["--kubectl", fake.to_str().unwrap()])
                .args(["--poll-interval", "50ms"]);
        }
        common::isolate(&mut c, self.t.path());
        c.output().unwrap()
    }

    /// The kubectl calls logged by the stand-in (argument lists).
    fn calls(&self) -> Vec<Vec<String>> {
        let Ok(text) = fs::read_to_string(self.cluster.join("calls.jsonl")) else {
            return Vec::new();
        };
        text.lines()
            .map(|l| {
                let j: Json = serde_json::from_str(l).unwrap();
                j["argv"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect()
            })
            .collect()
    }

    /// Calls of `verb` that change the cluster (a server-side dry run of
    /// `apply`, which asks what the server would refuse, does not).
    fn count(&self, verb: &str) -> usize {
        self.calls()
            .iter()
            .filter(|a| a.first().map(String::as_str) == Some(verb))
            .filter(|a| !a.iter().any(|x| x.starts_with("--dry-run")))
            .count()
    }

    fn backups(&self) -> usize {
        git(
            &self.user,
            &[
                "for-each-ref",
                "--format=%(refname)",
                "refs/gitops-upgrade/backups/",
            ],
        )
        .lines()
        .count()
    }

    fn status_json(&self) -> Json {
        let o = self.tool(&["status", "--output", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn resume_at_the_review_does_not_rebase_or_migrate_again() {
    let u = Upgrade::new();
    let o = u.tool(&["upgrade"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("run `gitops-upgrade upgrade --resume`"),
        "{}",
        text(&o)
    );
    assert_eq!(u.backups(), 1);
    // The state names the step and why it stopped; `status` shows the steps.
    let j = u.status_json();
    assert_eq!(j["upgrade"]["step"], "review", "{j}");
    assert!(j["upgrade"]["stopped"]
        .as_str()
        .unwrap()
        .contains("review them"));
    assert_eq!(
        j["upgrade"]["migratedFiles"],
        serde_json::json!(["rok-cluster/overlays/deploy/patches/rokcluster.yaml"])
    );
    let s = stdout(&u.tool(&["status"]));
    assert!(
        s.contains("1. rebase   rebase onto the new upstream"),
        "{s}"
    );
    assert!(s.contains("3. review   review and commit the migration            stopped: migrate-patches changed 1 file(s)"), "{s}");
    assert!(
        s.contains("Continue with `gitops-upgrade upgrade --resume`."),
        "{s}"
    );

    // The person reviews and commits; resume starts at the review.
    git(&u.user, &["commit", "-qam", "Migrate patches for 0.15"]);
    let o = u.tool(&["upgrade", "--resume"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.contains("Resuming the upgrade of main"), "{out}");
    assert!(!out.contains("== 1/4"), "rebased again: {out}");
    assert!(!out.contains("== 2/4"), "migrated again: {out}");
    assert!(
        out.contains("== 3/4 what changes, per component =="),
        "{out}"
    );
    assert!(out.contains("Done: release 0.14 -> 0.15 applied"), "{out}");
    assert_eq!(u.backups(), 1, "a second rebase made a second backup");
    assert_eq!(u.count("apply"), 4);
    let j = u.status_json();
    assert_eq!(j["upgrade"]["step"], "done");
    assert!(j["upgrade"]["finished"].is_string());

    // Nothing left to resume.
    let o = u.tool(&["upgrade", "--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("nothing to resume"), "{}", text(&o));
}

#[test]
fn resume_at_the_delete_confirmation_and_after_a_timeout() {
    let u = Upgrade::new();
    // The cluster runs 0.14: the operator StatefulSet and the StorageClass
    // exist, so 0.15 must delete and re-create them.
    let o = u.tool(&["apply", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let applies_014 = u.count("apply");
    // A RokCluster that does not become healthy: the last component times out.
    u.healthy(false);

    let o = u.tool(&["upgrade"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    git(&u.user, &["commit", "-qam", "Migrate patches for 0.15"]);

    // No terminal and no --yes: the deletes are refused, nothing deleted.
    let o = u.tool(&["upgrade", "--resume", "--timeout", "1s"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("continue with `gitops-upgrade upgrade --resume --yes`"),
        "{}",
        text(&o)
    );
    assert_eq!(u.count("delete"), 0, "deleted without confirmation");
    assert_eq!(u.status_json()["upgrade"]["step"], "apply");

    // Confirmed: the deletes happen; the cluster then times out.
    let o = u.tool(&["upgrade", "--resume", "--yes", "--timeout", "1s"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("rok-cluster: not ready after 1s"),
        "{}",
        text(&o)
    );
    assert!(u.count("delete") >= 2, "{:?}", u.calls());
    let j = u.status_json();
    assert_eq!(j["upgrade"]["step"], "apply");
    assert!(j["upgrade"]["stopped"]
        .as_str()
        .unwrap()
        .contains("not ready"));
    let applies_before = u.count("apply");
    assert!(applies_before > applies_014);

    // Healthy now: resume applies only the component that did not finish.
    u.healthy(true);
    let o = u.tool(&["upgrade", "--resume", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(!out.contains("== 1/4") && !out.contains("== 3/4"), "{out}");
    assert!(out.contains("Done: release 0.14 -> 0.15 applied"), "{out}");
    assert_eq!(u.count("apply"), applies_before + 1, "{:?}", u.calls());
    assert_eq!(u.status_json()["upgrade"]["step"], "done");
}

#[test]
fn resume_after_a_migration_problem_starts_at_the_migration() {
    let u = Upgrade::new();
    // A catalog of the user's whose rule needs a value nobody gave.
    fs::write(
        u.user.join("site-catalog.yaml"),
        "name: site\nfrom: \"0.14\"\nto: \"0.15\"\ndescription: the site's own rule\n\
         vars:\n  zone: null\nrules:\n  - id: zone\n    description: the cluster's zone\n\
         \x20   select: {kind: RokCluster}\n    field: spec.zone\n    action: set\n\
         \x20   value: ${zone}\n",
    )
    .unwrap();
    let plan = PLAN.replace(
        "migrations: [rok-v0.15]",
        "migrations: [rok-v0.15, site-catalog.yaml]",
    );
    fs::write(u.user.join("gitops-upgrade.yaml"), plan).unwrap();
    git(&u.user, &["add", "-A"]);
    git(&u.user, &["commit", "-qm", "site catalog"]);

    let o = u.tool(&["upgrade"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("problem(s), nothing written"),
        "{}",
        text(&o)
    );
    assert_eq!(u.status_json()["upgrade"]["step"], "migrate");
    assert_eq!(u.backups(), 1);

    let o = u.tool(&["upgrade", "--resume", "--set", "zone=eu-west-1a", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(!out.contains("== 1/4"), "rebased again: {out}");
    assert!(out.contains("== 2/4 migrate-patches =="), "{out}");
    assert_eq!(u.backups(), 1);
    let patch = fs::read_to_string(
        u.user
            .join("rok-cluster/overlays/deploy/patches/rokcluster.yaml"),
    )
    .unwrap();
    assert!(patch.contains("zone: eu-west-1a"), "{patch}");
    let log = git(&u.user, &["log", "--format=%s", "-1"]);
    assert_eq!(
        log.trim(),
        "Migrate patches for rok-v0.15, site-catalog.yaml"
    );
}

/// The site pins the Rok image of the vendor's base to its own mirror; the
/// vendor's 0.15 changes the lines around it (version, image, configVars)
/// and adds `redis` after them: one conflicting hunk.
fn pin_mirror(u: &Upgrade) -> PathBuf {
    let base = u.user.join("rok-cluster/base/rokcluster.yaml");
    let text = fs::read_to_string(&base).unwrap();
    let pinned = text.replace(
        "image: gcr.io/arrikto/roke:",
        "image: mirror.example/arrikto/roke:",
    );
    assert_ne!(pinned, text);
    fs::write(&base, pinned).unwrap();
    git(&u.user, &["commit", "-qam", "pull Rok from our mirror"]);
    base
}

#[test]
fn merge_mode_is_used_by_the_rebase_and_kept_by_resume() {
    // --merge line: the rebase gives exactly what `git rebase -Xtheirs` gives
    // (real git, on a copy of the site made before the upgrade).
    let u = Upgrade::new();
    let base = pin_mirror(&u);
    let copy = u.t.path().join("by-git");
    git(
        u.t.path(),
        &["clone", "-q", u.user.to_str().unwrap(), "by-git"],
    );
    git(&copy, &["remote", "set-url", "origin", "../vendor"]);
    git(&copy, &["fetch", "-q", "origin"]);
    git(&copy, &["rebase", "-q", "-Xtheirs", "origin/main"]);
    let by_git = fs::read_to_string(copy.join("rok-cluster/base/rokcluster.yaml")).unwrap();

    let o = u.tool(&["upgrade", "--merge", "line"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("review them"), "{}", text(&o));
    let head_file = git(&u.user, &["show", "HEAD:rok-cluster/base/rokcluster.yaml"]);
    assert_eq!(head_file, by_git);
    assert!(
        head_file.contains("version: release-0.14"),
        "the vendor's lines of the hunk were not dropped: {head_file}"
    );
    let j = u.status_json();
    assert_eq!(j["upgrade"]["merge"], "line", "{j}");
    let s = stdout(&u.tool(&["status"]));
    assert!(s.contains("files both sides changed: --merge line"), "{s}");

    // Another mode on --resume is refused, and changes nothing.
    let head = git(&u.user, &["rev-parse", "HEAD"]);
    let o = u.tool(&["upgrade", "--resume", "--merge", "yaml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("this upgrade was started with --merge line; --resume keeps it"),
        "{}",
        text(&o)
    );
    assert_eq!(git(&u.user, &["rev-parse", "HEAD"]), head);
    assert_eq!(u.status_json()["upgrade"]["step"], "review");

    // The same mode resumes, without a second rebase. The line merge kept
    // the 0.14 version next to the migrated (0.15) configVars: the upgrade
    // policies refuse the RokCluster before anything is applied or deleted.
    let o = u.tool(&["upgrade", "--resume", "--merge", "line", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!stdout(&o).contains("== 1/4"), "{}", text(&o));
    assert!(
        text(&o).contains(
            "rok-cluster: refused by the upgrade policies, so nothing was deleted or applied: \
             RokCluster rok/rok: rok/configvars-string"
        ),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("then run `gitops-upgrade upgrade --resume`"),
        "{}",
        text(&o)
    );
    assert_eq!(
        (u.count("apply"), u.count("delete")),
        (0, 0),
        "{:?}",
        u.calls()
    );
    assert_eq!(u.backups(), 1);
    let j = u.status_json();
    assert_eq!(j["upgrade"]["merge"], "line");
    assert_eq!(j["upgrade"]["step"], "apply");
    assert!(fs::read_to_string(&base)
        .unwrap()
        .contains("version: release-0.14"));

    // The default (yaml) on the same history keeps the vendor's changes
    // around the pinned image, and reports the override.
    let u = Upgrade::new();
    let base = pin_mirror(&u);
    let o = u.tool(&["upgrade"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        stdout(&o).contains("rok-cluster/base/rokcluster.yaml spec.image: upstream"),
        "{}",
        text(&o)
    );
    let merged = fs::read_to_string(&base).unwrap();
    assert!(merged.contains("version: release-0.15"), "{merged}");
    assert!(
        merged.contains("image: mirror.example/arrikto/roke:release-0.14"),
        "{merged}"
    );
    assert!(merged.contains("redis:"), "{merged}");
    assert_eq!(u.status_json()["upgrade"]["merge"], "yaml");
    let s = stdout(&u.tool(&["status"]));
    assert!(!s.contains("--merge"), "{s}");
}

#[test]
fn a_resumed_run_that_is_killed_is_shown_under_way_not_with_the_old_reason() {
    let u = Upgrade::new();
    u.healthy(false);
    let o = u.tool(&["upgrade"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    git(&u.user, &["commit", "-qam", "Migrate patches for 0.15"]);
    let o = u.tool(&["upgrade", "--resume", "--timeout", "1s"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let stopped = u.status_json()["upgrade"]["stopped"].clone();
    assert!(
        stopped.as_str().unwrap().contains("not ready after 1s"),
        "{stopped}"
    );

    // Resumed, then killed while it waits for the cluster.
    let fake = crate_dir().join("tests/support/fake-kubectl");
    let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
    c.current_dir(&u.user)
        .args(["upgrade", "--resume", "--timeout", "60s"])
        .args([
            "--kubectl",
            fake.to_str().unwrap(),
            "--poll-interval",
            "50ms",
        ])
        .env("FAKE_KUBECTL_STATE", &u.cluster)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    common::isolate(&mut c, u.t.path());
    let waits = || {
        u.calls()
            .iter()
            .filter(|a| a.first().map(String::as_str) == Some("get"))
            .filter(|a| a.iter().any(|x| x.contains("rokcluster")))
            .count()
    };
    let before = waits();
    let mut child = c.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while waits() <= before + 1 {
        assert!(std::time::Instant::now() < deadline, "never waited");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();

    let j = u.status_json();
    assert_eq!(j["upgrade"]["step"], "apply", "{j}");
    assert!(j["upgrade"]["stopped"].is_null(), "{j}");
    let s = stdout(&u.tool(&["status"]));
    assert!(
        s.contains("5. apply    apply the components in order              under way"),
        "{s}"
    );
}

#[test]
fn push_backup_mirrors_the_backup_and_a_failed_push_stops_before_the_migration() {
    // A mirror that works: the backup ref is there, the same commit.
    let u = Upgrade::new();
    git(u.t.path(), &["init", "-q", "--bare", "mirror.git"]);
    git(&u.user, &["remote", "add", "mirror", "../mirror.git"]);
    let o = u.tool(&["upgrade", "--push-backup", "mirror"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        stdout(&o).contains("Pushed the backup ref to mirror."),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("review them"), "{}", text(&o));
    let local = git(
        &u.user,
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            "refs/gitops-upgrade/backups/",
        ],
    );
    let mirrored = git(
        &u.t.path().join("mirror.git"),
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            "refs/gitops-upgrade/backups/",
        ],
    );
    assert_eq!(local.lines().count(), 1);
    assert_eq!(mirrored, local);

    // A mirror that cannot be reached: rebased (and backed up locally),
    // then stopped before the migration, with the command to push by hand.
    let u = Upgrade::new();
    git(&u.user, &["remote", "add", "gone", "../no-such-mirror.git"]);
    let o = u.tool(&["upgrade", "--push-backup", "gone"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = text(&o);
    assert!(
        err.contains("rebased, but pushing the backup ref to gone failed"),
        "{err}"
    );
    assert!(
        err.contains("git push gone refs/gitops-upgrade/backups/main/"),
        "{err}"
    );
    assert!(!stdout(&o).contains("== 2/4"), "migrated anyway: {err}");
    let j = u.status_json();
    assert_eq!(j["upgrade"]["step"], "migrate", "{j}");
    assert!(j["upgrade"]["stopped"]
        .as_str()
        .unwrap()
        .contains("pushing the backup ref"));
    assert_eq!(u.backups(), 1);

    // Resumed with a mirror that works: pushed, then the migration, no
    // second rebase.
    git(u.t.path(), &["init", "-q", "--bare", "mirror.git"]);
    git(&u.user, &["remote", "set-url", "gone", "../mirror.git"]);
    let o = u.tool(&["upgrade", "--resume", "--push-backup", "gone"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        stdout(&o).contains("Pushed the backup ref refs/gitops-upgrade/backups/main/"),
        "{}",
        text(&o)
    );
    assert!(!stdout(&o).contains("== 1/4"), "{}", text(&o));
    assert!(
        stdout(&o).contains("== 2/4 migrate-patches =="),
        "{}",
        text(&o)
    );
    assert_eq!(u.backups(), 1);
    let mirrored = git(
        &u.t.path().join("mirror.git"),
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/gitops-upgrade/backups/",
        ],
    );
    assert_eq!(mirrored.lines().count(), 1);

    // A remote that does not exist: refused before anything changes.
    let u = Upgrade::new();
    let head = git(&u.user, &["rev-parse", "HEAD"]);
    let o = u.tool(&["upgrade", "--push-backup", "nowhere"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--push-backup: no remote named 'nowhere'"),
        "{}",
        text(&o)
    );
    assert_eq!(git(&u.user, &["rev-parse", "HEAD"]), head);
    assert_eq!(u.backups(), 0);
}

#[test]
fn an_upgrade_with_nothing_new_does_not_apply_or_drain_again() {
    let u = Upgrade::new();
    let o = u.tool(&["upgrade", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        stdout(&o).contains("Done: release 0.14 -> 0.15 applied"),
        "{}",
        text(&o)
    );
    let calls = u.calls().len();
    assert!(u.count("apply") > 0);

    // Nothing new upstream: the rebase moves nothing, the cluster runs HEAD.
    let o = u.tool(&["upgrade", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.contains("Nothing to apply: "), "{out}");
    assert!(
        out.contains("is what the last apply applied in full"),
        "{out}"
    );
    let changed: Vec<Vec<String>> = u.calls()[calls..]
        .iter()
        .filter(|a| {
            matches!(
                a.first().map(String::as_str),
                Some("apply" | "delete" | "scale" | "patch" | "create")
            ) && !a.iter().any(|x| x.starts_with("--dry-run"))
        })
        .cloned()
        .collect();
    assert!(changed.is_empty(), "changed the cluster: {changed:?}");
    let j = u.status_json();
    assert_eq!(j["upgrade"]["step"], "done");
    assert!(j["upgrade"]["finished"].is_string(), "{j}");

    // `apply` still applies it again when asked.
    let applies = u.count("apply");
    let o = u.tool(&["apply", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(u.count("apply") > applies, "{:?}", u.calls());
}

#[test]
fn yes_does_not_skip_what_a_migration_warning_asks_to_do_by_hand_first() {
    // The v0.12 guide: the CSI node's thin --volume-pool becomes a thick
    // volume group, and the Rok PVs must be backed up and removed first.
    // The vendor's next release here changes something else.
    let t = tempfile::tempdir().unwrap();
    let cluster = t.path().join("cluster");
    fs::create_dir_all(&cluster).unwrap();
    let (vendor, user) = common::rok_vendor_and_site(t.path(), PLAN);
    fs::write(vendor.join("NOTES"), "next release\n").unwrap();
    git(&vendor, &["add", "-A"]);
    git(&vendor, &["commit", "-qm", "next release"]);
    let u = Upgrade { t, user, cluster };
    u.healthy(true);
    let dir = u.user.join("rok-csi/overlays/deploy");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("kustomization.yaml"), "resources:\n- ds.yaml\n").unwrap();
    fs::write(
        dir.join("ds.yaml"),
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: rok-csi-node\n  namespace: rok\n\
         spec:\n  selector:\n    matchLabels: {app: rok-csi-node}\n  template:\n    metadata:\n\
         \x20     labels: {app: rok-csi-node}\n    spec:\n      containers:\n      - name: csi-node\n\
         \x20       image: gcr.io/arrikto/rok-csi:v0.11\n        args:\n        - --volume-pool=pool0\n",
    )
    .unwrap();
    fs::write(
        u.user.join("gitops-upgrade.yaml"),
        "version: \"0.12\"\nfrom: \"0.11\"\nmigrations: [rok-v0.12]\ncomponents:\n  - name: rok-csi\n    path: rok-csi/overlays/deploy\n",
    )
    .unwrap();
    git(&u.user, &["add", "-A"]);
    git(&u.user, &["commit", "-qm", "our CSI node; plan for 0.12"]);

    let o = u.tool(&["upgrade", "--yes", "--set", "volume-group=vg0"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let all = text(&o);
    assert!(
        all.contains("rok-v0.12/csi-volume-pool: before applying this, back up every PV"),
        "{all}"
    );
    assert!(all.contains("--yes does not skip that"), "{all}");
    assert!(
        all.contains("then run `gitops-upgrade upgrade --resume --yes`"),
        "{all}"
    );
    assert_eq!(
        u.count("apply"),
        0,
        "applied before the backup: {:?}",
        u.calls()
    );
    assert_eq!(u.status_json()["upgrade"]["step"], "review");
    // Migrated, not committed.
    assert!(fs::read_to_string(dir.join("ds.yaml"))
        .unwrap()
        .contains("- --volume-group=vg0"));
    assert!(!git(&u.user, &["status", "--porcelain"]).is_empty());

    // The person backed the volumes up: --resume --yes commits and applies.
    let o = u.tool(&["upgrade", "--resume", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        stdout(&o).contains("Committed the migration as"),
        "{}",
        text(&o)
    );
    assert!(u.count("apply") > 0);
    assert!(git(&u.user, &["status", "--porcelain"]).is_empty());
}
