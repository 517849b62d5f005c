//! `gitops-upgrade rebase` as a user meets it, on real repositories made
//! with the git CLI in temporary directories: refusals, fetch from a
//! `file://` remote with prune, backups and `--restore`, the delete
//! policies, skipped and dropped commits, atomicity, dry runs, the JSON
//! report and roots that no longer render.

mod rebase_common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rebase_common::{git, git_ok, init_repo};

fn bin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
        .current_dir(dir)
        .arg("rebase")
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap()
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

fn head(dir: &Path) -> String {
    git_ok(dir, &["rev-parse", "HEAD"]).trim().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn backups(dir: &Path) -> Vec<String> {
    git_ok(
        dir,
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/gitops-upgrade/",
        ],
    )
    .lines()
    .map(str::to_string)
    .collect()
}

const CM2: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: one\n  b: two\n  c: three\n  d: four\n  e: five\n  f: six\n";
const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: one\n  b: two\n  c: three\n";

/// A repository with a base commit, an `upstream` branch with `up`'s
/// changes and `main` with `local`'s changes on top of the base.
fn two_sided(
    base: &[(&str, &str)],
    up: &dyn Fn(&Path),
    local: &dyn Fn(&Path),
) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    init_repo(&d);
    for (p, c) in base {
        write(&d, p, c);
    }
    commit_all(&d, "base");
    git_ok(&d, &["checkout", "-q", "-b", "upstream"]);
    up(&d);
    git_ok(&d, &["checkout", "-q", "main"]);
    local(&d);
    (t, d)
}

fn simple() -> (tempfile::TempDir, PathBuf) {
    two_sided(
        &[("app/cm.yaml", CM), ("README", "vendor\n")],
        &|d| {
            write(d, "README", "vendor 2\n");
            commit_all(d, "upstream: readme");
        },
        &|d| {
            write(d, "app/cm.yaml", &CM.replace("b: two", "b: local"));
            commit_all(d, "local: b");
        },
    )
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    fn walk(root: &Path, d: &Path, v: &mut Vec<(String, Vec<u8>)>) {
        for e in fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            if e.file_name() == ".git" {
                continue;
            }
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, v);
            } else {
                v.push((
                    p.strip_prefix(root).unwrap().display().to_string(),
                    fs::read(&p).unwrap(),
                ));
            }
        }
    }
    walk(dir, dir, &mut v);
    v.sort();
    v
}

// ---- refusals: exit 2, nothing changed, every problem listed ----

#[test]
fn refuses_a_dirty_working_tree_and_index_listing_the_files() {
    let (_t, d) = simple();
    write(&d, "README", "edited\n");
    write(&d, "app/new.yaml", "staged\n");
    git_ok(&d, &["add", "app/new.yaml"]);
    let before = head(&d);
    let o = bin(&d, &["--no-fetch", "--upstream", "upstream"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("refusing to start; nothing was changed"), "{e}");
    assert!(e.contains(" M README"), "{e}");
    assert!(e.contains("A  app/new.yaml"), "{e}");
    assert_eq!(head(&d), before);
    assert_eq!(read(&d, "README"), "edited\n");
    assert!(backups(&d).is_empty());
}

#[test]
fn refuses_when_a_merge_is_in_progress() {
    let (_t, d) = two_sided(
        &[("f.txt", "a\n")],
        &|d| {
            write(d, "f.txt", "up\n");
            commit_all(d, "up");
        },
        &|d| {
            write(d, "f.txt", "local\n");
            commit_all(d, "local");
        },
    );
    let m = git(&d, &["merge", "-q", "upstream"]);
    assert!(!m.status.success());
    let o = bin(&d, &["--no-fetch", "--upstream", "upstream"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("a merge is in progress") && e.contains("git merge --abort"),
        "{e}"
    );
    assert!(e.contains("UU f.txt"), "{e}");
}

#[test]
fn refuses_a_detached_head() {
    let (_t, d) = simple();
    git_ok(&d, &["checkout", "-q", "--detach", "HEAD"]);
    let o = bin(&d, &["--no-fetch", "--upstream", "upstream"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("HEAD is detached"), "{}", stderr(&o));
}

#[test]
fn refuses_a_missing_upstream() {
    let (_t, d) = simple();
    let before = head(&d);
    let o = bin(&d, &["--no-fetch", "--upstream", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("upstream 'no-such-branch' does not exist"),
        "{}",
        stderr(&o)
    );
    // No upstream configured and none given: say how to give one.
    let o = bin(&d, &["--no-fetch"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("has no upstream") && e.contains("--upstream <ref>"),
        "{e}"
    );
    assert_eq!(head(&d), before);
    assert!(backups(&d).is_empty());
}

#[test]
fn lists_every_problem_at_once() {
    let (_t, d) = simple();
    git_ok(&d, &["checkout", "-q", "--detach", "HEAD"]);
    write(&d, "README", "edited\n");
    let o = bin(&d, &["--no-fetch", "--upstream", "upstream"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("HEAD is detached") && e.contains(" M README"),
        "{e}"
    );
}

// ---- the rebase itself ----

#[test]
fn local_changes_win_and_a_backup_is_made_first() {
    let (_t, d) = two_sided(
        &[("app/cm.yaml", CM2)],
        &|d| {
            write(
                d,
                "app/cm.yaml",
                &CM2.replace("b: two", "b: vendor")
                    .replace("f: six", "f: vendor"),
            );
            commit_all(d, "vendor");
        },
        &|d| {
            write(d, "app/cm.yaml", &CM2.replace("b: two", "b: mine"));
            commit_all(d, "mine");
        },
    );
    let old = head(&d);
    // `--merge line`: git's -Xtheirs; tests/rebase_yaml_merge.rs has yaml.
    let o = bin(
        &d,
        &["--no-fetch", "--upstream", "upstream", "--merge", "line"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let cm = read(&d, "app/cm.yaml");
    assert!(cm.contains("b: mine") && cm.contains("f: vendor"), "{cm}");
    let b = backups(&d);
    assert_eq!(b.len(), 1);
    assert!(
        b[0].starts_with("refs/gitops-upgrade/backups/main/"),
        "{b:?}"
    );
    assert!(out.contains(&b[0]), "{out}");
    assert!(
        out.contains("conflict app/cm.yaml: both changed the same lines; local hunks won"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "To undo: gitops-upgrade rebase --restore {}",
            b[0]
        )),
        "{out}"
    );
    assert!(out.contains("gitops-upgrade migrate-patches"), "{out}");
    assert!(
        out.contains(&format!("gitops-upgrade diff --from {}", b[0])),
        "{out}"
    );
    assert_eq!(git_ok(&d, &["rev-parse", &b[0]]).trim(), old);
    // ORIG_HEAD names the old tip, as after `git rebase`.
    assert_eq!(git_ok(&d, &["rev-parse", "ORIG_HEAD"]).trim(), old);
    assert_eq!(
        git_ok(&d, &["rev-parse", "HEAD^"]).trim(),
        git_ok(&d, &["rev-parse", "upstream"]).trim()
    );
    assert!(git_ok(&d, &["status", "--porcelain"]).is_empty());
}

#[test]
fn restore_brings_back_the_exact_old_tip_and_tree() {
    let (_t, d) = simple();
    write(&d, "untracked.txt", "mine, not tracked\n");
    let old = head(&d);
    let old_files = snapshot(&d);
    let o = bin(&d, &["--no-fetch", "--upstream", "upstream"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(head(&d), old);
    assert_eq!(read(&d, "README"), "vendor 2\n");

    let l = bin(&d, &["--list-backups"]);
    assert!(l.status.success());
    let backup = backups(&d).pop().unwrap();
    assert!(stdout(&l).contains(&backup), "{}", stdout(&l));

    let o = bin(&d, &["--restore"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(head(&d), old);
    assert_eq!(
        git_ok(&d, &["symbolic-ref", "HEAD"]).trim(),
        "refs/heads/main"
    );
    assert!(git_ok(&d, &["status", "--porcelain", "--untracked-files=no"]).is_empty());
    assert_eq!(snapshot(&d), old_files);
    // The index matches the restored tip too.
    assert!(git(&d, &["diff", "--cached", "--quiet"]).status.success());
    // The replaced tip was backed up, so the restore can be undone.
    let out = stdout(&o);
    assert!(
        out.contains("To undo: gitops-upgrade rebase --restore refs/gitops-upgrade/backups/main/"),
        "{out}"
    );
    assert_eq!(backups(&d).len(), 2);
    // An explicit backup ref works the same way.
    let o = bin(&d, &["--restore", &backup, "--output", "json"]);
    let j = json(&o);
    assert_eq!(j["restored"], old.as_str());
}

#[test]
fn restore_refuses_a_dirty_tree_and_unknown_backups() {
    let (_t, d) = simple();
    let o = bin(&d, &["--restore"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("has no backups"), "{}", stderr(&o));
    assert!(bin(&d, &["--no-fetch", "--upstream", "upstream"])
        .status
        .success());
    let o = bin(&d, &["--restore", "refs/gitops-upgrade/backups/main/nope"]);
    assert_eq!(o.status.code(), Some(2));
    write(&d, "README", "dirty\n");
    let before = head(&d);
    let o = bin(&d, &["--restore"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(head(&d), before);
    assert_eq!(read(&d, "README"), "dirty\n");
}

fn deleted_upstream() -> (tempfile::TempDir, PathBuf) {
    two_sided(
        &[("app/cm.yaml", CM), ("app/old.yaml", "old: vendor\nx: 1\n")],
        &|d| {
            fs::remove_file(d.join("app/old.yaml")).unwrap();
            commit_all(d, "vendor drops old.yaml");
        },
        &|d| {
            write(d, "app/old.yaml", "old: vendor\nx: mine\n");
            commit_all(d, "tune old.yaml");
        },
    )
}

#[test]
fn files_deleted_upstream_are_dropped_with_a_recovery_command() {
    let (_t, d) = deleted_upstream();
    let o = bin(
        &d,
        &["--no-fetch", "--upstream", "upstream", "--output", "json"],
    );
    let j = json(&o);
    assert!(!d.join("app/old.yaml").exists());
    let dropped = &j["dropped_files"][0];
    assert_eq!(dropped["path"], "app/old.yaml");
    let backup = j["backup"].as_str().unwrap();
    let recover = dropped["recover"].as_str().unwrap();
    assert_eq!(recover, format!("git show {backup}:app/old.yaml"));
    let args: Vec<&str> = recover.split(' ').skip(1).collect();
    assert_eq!(git_ok(&d, &args), "old: vendor\nx: mine\n");
    // Its only change was to the dropped file: the commit became empty.
    assert_eq!(j["skipped"][0]["reason"], "became-empty");
    let c = &j["skipped"][0]["conflicts"][0];
    assert_eq!(c["kind"], "deleted-upstream");
    assert_eq!(c["winner"], "upstream");
}

#[test]
fn keep_policy_keeps_the_local_version() {
    let (_t, d) = deleted_upstream();
    let o = bin(
        &d,
        &[
            "--no-fetch",
            "--upstream",
            "upstream",
            "--on-upstream-delete",
            "keep",
            "--output",
            "json",
        ],
    );
    let j = json(&o);
    assert_eq!(read(&d, "app/old.yaml"), "old: vendor\nx: mine\n");
    assert_eq!(j["kept_files"][0]["path"], "app/old.yaml");
    assert_eq!(j["replayed"][0]["conflicts"][0]["winner"], "local");
}

#[test]
fn files_deleted_locally_stay_deleted() {
    let (_t, d) = two_sided(
        &[("a.yaml", "a: 1\nb: 2\n"), ("keep.txt", "k\n")],
        &|d| {
            write(d, "a.yaml", "a: 1\nb: vendor\n");
            commit_all(d, "vendor edits a");
        },
        &|d| {
            fs::remove_file(d.join("a.yaml")).unwrap();
            commit_all(d, "I do not want a");
        },
    );
    let j = json(&bin(
        &d,
        &["--no-fetch", "--upstream", "upstream", "--output", "json"],
    ));
    assert!(!d.join("a.yaml").exists());
    assert_eq!(j["replayed"][0]["conflicts"][0]["kind"], "deleted-locally");
}

#[test]
fn commits_that_become_empty_or_are_already_upstream_are_skipped() {
    let (_t, d) = two_sided(
        &[("f.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n"), ("g.txt", "g\n")],
        &|d| {
            // The same change as the local "same" commit: equal patch ids.
            write(d, "g.txt", "g changed\n");
            commit_all(d, "vendor: g");
            // A superset of the local "part" commit: that one becomes empty.
            write(d, "f.txt", "1\ntwo\n3\n4\n5\n6\n7\n8\nnine\n");
            commit_all(d, "vendor: f");
        },
        &|d| {
            write(d, "g.txt", "g changed\n");
            commit_all(d, "same");
            write(d, "f.txt", "1\ntwo\n3\n4\n5\n6\n7\n8\n9\n");
            commit_all(d, "part");
            write(d, "h.txt", "h\n");
            commit_all(d, "real");
        },
    );
    let j = json(&bin(
        &d,
        &["--no-fetch", "--upstream", "upstream", "--output", "json"],
    ));
    let skipped: Vec<(String, String)> = j["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["summary"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        skipped.contains(&("same".into(), "already-upstream".into())),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&("part".into(), "became-empty".into())),
        "{skipped:?}"
    );
    assert_eq!(j["replayed"].as_array().unwrap().len(), 1);
    assert_eq!(
        git_ok(&d, &["log", "--format=%s", "upstream..main"]).trim(),
        "real"
    );
}

#[test]
fn merge_commits_are_dropped_and_their_changes_replayed() {
    let (_t, d) = two_sided(
        &[("f.txt", "f\n")],
        &|d| {
            write(d, "v.txt", "vendor\n");
            commit_all(d, "vendor");
        },
        &|d| {
            git_ok(d, &["checkout", "-q", "-b", "side"]);
            write(d, "side.txt", "side\n");
            commit_all(d, "side work");
            git_ok(d, &["checkout", "-q", "main"]);
            write(d, "main.txt", "main\n");
            commit_all(d, "main work");
            git_ok(d, &["merge", "-q", "--no-ff", "-m", "merge side", "side"]);
        },
    );
    let o = bin(&d, &["--no-fetch", "--upstream", "upstream"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("merge side  (merge commit, dropped as git rebase does"),
        "{}",
        stdout(&o)
    );
    for f in ["side.txt", "main.txt", "v.txt", "f.txt"] {
        assert!(d.join(f).exists(), "{f}");
    }
    assert_eq!(
        git_ok(&d, &["rev-list", "--merges", "--count", "upstream..main"]).trim(),
        "0"
    );
    assert_eq!(
        git_ok(&d, &["rev-list", "--count", "upstream..main"]).trim(),
        "2"
    );
}

#[test]
fn a_failure_changes_nothing() {
    // The upstream adds a file where an untracked file of the user's is:
    // the checkout must refuse, and the branch, working tree and the
    // untracked file stay as they were; no backup is left behind.
    let (_t, d) = two_sided(
        &[("f.txt", "f\n")],
        &|d| {
            write(d, "new.yaml", "from vendor\n");
            commit_all(d, "vendor adds new.yaml");
        },
        &|d| {
            write(d, "f.txt", "mine\n");
            commit_all(d, "mine");
        },
    );
    write(&d, "new.yaml", "my untracked notes\n");
    let before = head(&d);
    let files = snapshot(&d);
    let o = bin(&d, &["--no-fetch", "--upstream", "upstream"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the branch still points at"),
        "{}",
        stderr(&o)
    );
    assert_eq!(head(&d), before);
    assert_eq!(snapshot(&d), files);
    assert!(git_ok(&d, &["status", "--porcelain", "--untracked-files=no"]).is_empty());
    assert!(backups(&d).is_empty());
}

#[test]
fn dry_run_reports_and_changes_nothing() {
    let (_t, d) = deleted_upstream();
    let before = head(&d);
    let files = snapshot(&d);
    let o = bin(&d, &["--no-fetch", "--upstream", "upstream", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("Dry run: nothing was changed."), "{out}");
    assert!(out.contains("app/old.yaml    recover: git show "), "{out}");
    assert_eq!(head(&d), before);
    assert_eq!(snapshot(&d), files);
    assert!(backups(&d).is_empty());
}

#[test]
fn fetches_a_file_remote_with_prune_and_uses_the_configured_upstream() {
    let t = tempfile::tempdir().unwrap();
    let vendor = t.path().join("vendor");
    init_repo(&vendor);
    write(&vendor, "app/cm.yaml", CM);
    commit_all(&vendor, "v1");
    git_ok(&vendor, &["branch", "old-release"]);
    let url = format!("file://{}", vendor.display());
    let o = git(t.path(), &["clone", "-q", &url, "user"]);
    assert!(o.status.success());
    let user = t.path().join("user");
    for (k, v) in [
        ("user.name", "U"),
        ("user.email", "u@example.com"),
        ("commit.gpgsign", "false"),
    ] {
        git_ok(&user, &["config", k, v]);
    }
    write(&user, "app/cm.yaml", &CM.replace("c: three", "c: mine"));
    commit_all(&user, "mine");
    // The vendor moves on and deletes a branch.
    write(&vendor, "app/cm.yaml", &CM.replace("a: one", "a: v2"));
    commit_all(&vendor, "v2");
    git_ok(&vendor, &["branch", "-D", "old-release"]);
    assert!(git(
        &user,
        &["rev-parse", "--verify", "-q", "origin/old-release"]
    )
    .status
    .success());

    let j = json(&bin(&user, &["--output", "json"]));
    assert_eq!(j["upstream"]["ref"], "origin/main");
    assert_eq!(j["upstream"]["fetched_from"], "origin");
    let cm = read(&user, "app/cm.yaml");
    assert!(cm.contains("a: v2") && cm.contains("c: mine"), "{cm}");
    assert!(!git(
        &user,
        &["rev-parse", "--verify", "-q", "origin/old-release"]
    )
    .status
    .success());
}

#[test]
fn roots_that_no_longer_render_are_reported_without_failing() {
    let k_base = "resources:\n- cm.yaml\n";
    let k_overlay = "resources:\n- ../../base\npatches:\n- path: patch.yaml\n";
    let patch = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  b: local\n";
    let (_t, d) = two_sided(
        &[
            ("base/kustomization.yaml", k_base),
            ("base/cm.yaml", CM),
            ("overlays/deploy/kustomization.yaml", k_overlay),
            ("overlays/deploy/patch.yaml", patch),
        ],
        &|d| {
            // The vendor renames the ConfigMap: the local patch has no target.
            write(d, "base/cm.yaml", &CM.replace("name: cfg", "name: cfg2"));
            commit_all(d, "vendor renames cfg");
        },
        &|d| {
            write(
                d,
                "overlays/deploy/patch.yaml",
                &patch.replace("b: local", "b: mine"),
            );
            commit_all(d, "tune");
        },
    );
    let o = bin(
        &d,
        &["--no-fetch", "--upstream", "upstream", "--output", "json"],
    );
    let j = json(&o);
    let broken = j["broken_roots"].as_array().unwrap();
    assert_eq!(broken.len(), 1, "{j}");
    assert_eq!(broken[0]["root"], "overlays/deploy");
    assert_eq!(broken[0]["built_before"], true);
    assert!(!broken[0]["error"].as_str().unwrap().is_empty());
}

#[test]
fn up_to_date_branch_is_left_alone() {
    let (_t, d) = two_sided(&[("f.txt", "f\n")], &|_| {}, &|d| {
        write(d, "g.txt", "g\n");
        commit_all(d, "mine");
    });
    let before = head(&d);
    let o = bin(&d, &["--no-fetch", "--upstream", "upstream"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("is up to date"), "{}", stdout(&o));
    assert_eq!(head(&d), before);
    assert!(backups(&d).is_empty());
}

#[test]
fn renames_are_found_with_gits_similarity_score() {
    // A binary file the vendor renamed and changed by one byte, which the
    // local commit edited at its old path: git's rename detection pairs
    // them, so the local version lands at the new path (a binary conflict
    // the local side wins), not dropped as deleted upstream.
    let blob = |tweak: u8, at: usize| -> Vec<u8> {
        let mut v: Vec<u8> = (0..640u32).map(|i| (i * 37 % 251) as u8).collect();
        v[0] = 0;
        v[at] = v[at].wrapping_add(tweak);
        v
    };
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    init_repo(&d);
    fs::create_dir_all(d.join("bin")).unwrap();
    fs::write(d.join("bin/data.bin"), blob(0, 1)).unwrap();
    write(&d, "README", "vendor\n");
    commit_all(&d, "base");
    git_ok(&d, &["checkout", "-q", "-b", "upstream"]);
    fs::create_dir_all(d.join("moved")).unwrap();
    fs::remove_file(d.join("bin/data.bin")).unwrap();
    fs::write(d.join("moved/data.bin"), blob(9, 500)).unwrap();
    commit_all(&d, "vendor moves data.bin");
    git_ok(&d, &["checkout", "-q", "main"]);
    fs::write(d.join("bin/data.bin"), blob(3, 70)).unwrap();
    commit_all(&d, "local tweak");
    let j = json(&bin(
        &d,
        &["--no-fetch", "--upstream", "upstream", "--output", "json"],
    ));
    assert!(!d.join("bin/data.bin").exists());
    assert_eq!(fs::read(d.join("moved/data.bin")).unwrap(), blob(3, 70));
    let c = &j["replayed"][0]["conflicts"][0];
    assert_eq!(c["path"], "moved/data.bin");
    assert_eq!(c["kind"], "rename");
    assert_eq!(c["winner"], "local");
    assert_eq!(j["dropped_files"].as_array().map_or(0, Vec::len), 0);
}

/// The render check uses the root rule of `diff` and `check`: a
/// `Component` nothing includes is not a root (rendered alone, its patch
/// has no target), while a kustomization that includes only itself is.
#[test]
fn stray_components_are_not_render_checked() {
    let k_base = "resources:\n- cm.yaml\n";
    let k_overlay = "resources:\n- ../../base\n";
    let comp = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: patch.yaml\n";
    let patch = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: elsewhere\ndata:\n  b: x\n";
    let (_t, d) = two_sided(
        &[
            ("base/kustomization.yaml", k_base),
            ("base/cm.yaml", CM),
            ("overlays/deploy/kustomization.yaml", k_overlay),
            ("components/extra/kustomization.yaml", comp),
            ("components/extra/patch.yaml", patch),
        ],
        &|d| {
            write(
                d,
                "components/extra/patch.yaml",
                &patch.replace("b: x", "b: y"),
            );
            write(d, "loop/kustomization.yaml", "resources:\n- .\n");
            commit_all(d, "vendor tunes the component, adds a loop");
        },
        &|d| {
            write(d, "base/cm.yaml", &CM.replace("a: one", "a: mine"));
            commit_all(d, "tune");
        },
    );
    let o = bin(
        &d,
        &["--no-fetch", "--upstream", "upstream", "--output", "json"],
    );
    let j = json(&o);
    let broken: Vec<&str> = j["broken_roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["root"].as_str().unwrap())
        .collect();
    assert_eq!(broken, vec!["loop"], "{j}");
}
