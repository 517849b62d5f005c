//! Crash safety, by fault injection: each command runs once per failpoint
//! (`GITOPS_UPGRADE_FAILPOINT=<name>`, the process aborts at that step, as
//! a SIGKILL would end it) on a real repository, and then:
//!
//! - no commit of the user's is unreachable, and `git fsck` is clean;
//! - every command refuses with the two ways out (never "commit or
//!   stash"), when an operation was left interrupted;
//! - the recovery command (`--continue`, `--abort`) brings the repository
//!   to exactly the state after the uninterrupted command, or before it;
//! - a second run of the original command succeeds.
//!
//! Every failpoint of `gitops_upgrade::failpoint::ALL` is visited by one of
//! the tests here (checked by `every_failpoint_is_tested`).

mod rebase_common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rebase_common::{copy_dir, git, git_ok, init_repo};

fn run(dir: &Path, args: &[&str], failpoint: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
    c.current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GITOPS_UPGRADE_FAILPOINT");
    if let Some(f) = failpoint {
        c.env("GITOPS_UPGRADE_FAILPOINT", f);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs and asserts that the process died at `fp`.
fn killed_at(dir: &Path, args: &[&str], fp: &str) {
    let o = run(dir, args, Some(fp));
    let name = fp.split('@').next().unwrap();
    assert!(
        !o.status.success() && text(&o).contains(&format!("failpoint {name}: aborting")),
        "{args:?} did not reach failpoint {fp}: {}",
        text(&o)
    );
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args, None);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    text(&o)
}

fn write(dir: &Path, rel: &str, data: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

/// Every file below `dir` but `.git`, with its content.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            if e.file_name() == ".git" {
                continue;
            }
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut m = BTreeMap::new();
    walk(dir, dir, &mut m);
    m
}

/// What "the same repository state" means: HEAD, the branch's history by
/// trees and messages (commit ids carry the time of the rebase), every
/// other ref, backups by target, the index, every file, `git status`.
#[derive(Debug, PartialEq, Eq)]
struct State {
    head: String,
    history: String,
    refs: Vec<String>,
    index: String,
    files: BTreeMap<String, Vec<u8>>,
    status: String,
}

fn state(dir: &Path) -> State {
    let refs = git_ok(dir, &["for-each-ref", "--format=%(refname) %(objectname)"]);
    let mut refs: Vec<String> = refs
        .lines()
        .filter(|l| !l.starts_with("refs/heads/main "))
        .map(|l| {
            if l.starts_with("refs/gitops-upgrade/backups/") {
                format!("backup {}", l.rsplit(' ').next().unwrap())
            } else {
                l.to_string()
            }
        })
        .collect();
    refs.sort();
    State {
        head: git_ok(dir, &["symbolic-ref", "HEAD"]),
        history: git_ok(dir, &["log", "--format=%T %s", "main"]),
        refs,
        index: git_ok(dir, &["write-tree"]),
        files: files(dir),
        status: git_ok(dir, &["status", "--porcelain", "--untracked-files=all"]),
    }
}

fn assert_state(dir: &Path, want: &State, what: &str) {
    let got = state(dir);
    if &got != want {
        let keys: Vec<_> = got
            .files
            .keys()
            .filter(|k| want.files.get(*k) != got.files.get(*k))
            .chain(want.files.keys().filter(|k| !got.files.contains_key(*k)))
            .collect();
        panic!(
            "{what}: state differs\nhead {:?} vs {:?}\nhistory\n{}vs\n{}refs {:?} vs {:?}\nindex {} vs {}\nstatus\n{}vs\n{}files differing: {keys:?}",
            got.head, want.head, got.history, want.history, got.refs, want.refs,
            got.index, want.index, got.status, want.status
        );
    }
}

/// No commit of the user's unreachable, `git fsck` clean, no lock file
/// left in `.git` unless `locks_ok`.
fn assert_sound(dir: &Path, user_commits: &[String], locks_ok: bool, what: &str) {
    for c in user_commits {
        let by = git_ok(dir, &["for-each-ref", "--contains", c]);
        assert!(!by.trim().is_empty(), "{what}: commit {c} is unreachable");
    }
    let o = git(dir, &["fsck", "--no-progress", "--no-dangling"]);
    assert!(
        o.status.success(),
        "{what}: git fsck: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    if !locks_ok {
        let locks = find(&dir.join(".git"), ".lock");
        assert!(locks.is_empty(), "{what}: lock files left: {locks:?}");
        assert!(
            !dir.join(".git/gitops-upgrade/journal.json").exists()
                && !dir
                    .join(".git/gitops-upgrade/migrate-journal.json")
                    .exists(),
            "{what}: a journal is left"
        );
    }
}

fn find(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(find(&p, suffix));
            } else if p.to_string_lossy().ends_with(suffix) {
                out.push(p);
            }
        }
    }
    out
}

/// Commands other than the recovery refuse, with exactly the two ways out.
fn assert_refused_with_two_ways(dir: &Path, args: &[&str], cont: &str, abort: &str) {
    for a in [args, &["check"][..]] {
        let o = run(dir, a, None);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{a:?} should refuse: {t}");
        assert!(t.contains(cont) && t.contains(abort), "{a:?}: {t}");
        assert!(!t.contains("commit or stash"), "{a:?}: {t}");
        assert!(t.lines().count() <= 3, "{a:?} says too much: {t}");
    }
}

fn copy(from: &Path) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    copy_dir(from, &d);
    (t, d)
}

fn commit_all(dir: &Path, msg: &str) {
    git_ok(dir, &["add", "-A"]);
    git_ok(dir, &["commit", "-q", "-m", msg]);
}

/// A vendor tree of 60 files; `upstream` edits, adds and deletes files;
/// `main` has two local commits, one of which conflicts (and wins).
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    init_repo(&d);
    for i in 0..60 {
        write(
            &d,
            &format!("vendor/c{}/f{i}.yaml", i % 6),
            &format!("kind: ConfigMap\nname: f{i}\nv: 1\n"),
        );
    }
    commit_all(&d, "vendor 1.0");
    git_ok(&d, &["branch", "upstream"]);
    git_ok(&d, &["checkout", "-q", "upstream"]);
    for i in 0..50 {
        write(
            &d,
            &format!("vendor/c{}/f{i}.yaml", i % 6),
            &format!("kind: ConfigMap\nname: f{i}\nv: 2\n"),
        );
    }
    for i in 50..55 {
        fs::remove_file(d.join(format!("vendor/c{}/f{i}.yaml", i % 6))).unwrap();
    }
    for i in 0..8 {
        write(
            &d,
            &format!("vendor/new/n{i}.yaml"),
            &format!("kind: Secret\nname: n{i}\n"),
        );
    }
    commit_all(&d, "vendor 2.0");
    git_ok(&d, &["checkout", "-q", "main"]);
    write(
        &d,
        "overlays/deploy/kustomization.yaml",
        "resources:\n- ../../vendor\n",
    );
    commit_all(&d, "my overlay");
    write(
        &d,
        "vendor/c1/f1.yaml",
        "kind: ConfigMap\nname: f1\nv: mine\n",
    );
    write(
        &d,
        "vendor/c5/f59.yaml",
        "kind: ConfigMap\nname: f59\nv: mine\n",
    );
    commit_all(&d, "my tuning");
    (t, d)
}

fn user_commits(d: &Path) -> Vec<String> {
    git_ok(d, &["rev-list", "main", "upstream"])
        .lines()
        .map(str::to_string)
        .collect()
}

const REBASE: &[&str] = &["rebase", "--no-fetch", "--upstream", "upstream"];

fn has_journal(d: &Path) -> bool {
    d.join(".git/gitops-upgrade/journal.json").exists()
}

/// After a kill: either nothing to recover (and the state is `before` or
/// `after`), or both recoveries reach exactly `after` and `before`; then
/// the original command succeeds again.
fn check_recovery(
    d: &Path,
    fp: &str,
    cmd: &[&str],
    before: &State,
    after: &State,
    commits: &[String],
    rerun_ends_at_after: bool,
) {
    assert_sound(d, commits, true, fp);
    if !has_journal(d) {
        let s = state(d);
        assert!(
            &s == before || &s == after,
            "{fp}: no journal, but the state is neither before nor after: {s:?}"
        );
        assert_sound(d, commits, false, fp);
        ok(d, cmd);
        return;
    }
    assert_refused_with_two_ways(
        d,
        cmd,
        "gitops-upgrade rebase --continue",
        "gitops-upgrade rebase --abort",
    );
    for (how, want) in [("--continue", after), ("--abort", before)] {
        let (_t, w) = copy(d);
        let out = ok(&w, &["rebase", how]);
        assert!(!out.contains("commit or stash"), "{out}");
        assert_state(&w, want, &format!("{fp} then rebase {how}"));
        assert_sound(&w, commits, false, &format!("{fp} then rebase {how}"));
        ok(&w, cmd);
        if rerun_ends_at_after {
            assert_state(
                &w,
                after,
                &format!("{fp}, rebase {how}, then the command again"),
            );
        }
        assert_sound(&w, commits, false, &format!("{fp}, {how}, again"));
    }
}

fn failpoints(prefix: &str) -> Vec<&'static str> {
    gitops_upgrade::failpoint::ALL
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with(prefix))
        .collect()
}

#[test]
fn rebase_killed_at_every_failpoint_recovers() {
    let (_t, base) = fixture();
    let commits = user_commits(&base);
    let before = state(&base);
    let (_a, done) = copy(&base);
    ok(&done, REBASE);
    let after = state(&done);
    assert_ne!(before, after);
    for fp in failpoints("rebase.") {
        let (_w, d) = copy(&base);
        killed_at(&d, REBASE, fp);
        check_recovery(&d, fp, REBASE, &before, &after, &commits, true);
    }
}

#[test]
fn a_stale_branch_lock_of_ours_is_removed_and_a_foreign_one_is_left() {
    // The kill came while the branch was being moved: libgit2's lock file
    // holds (part of) the new tip. `--continue` proves it ours and removes
    // it; a lock with other content is another process's and stays.
    let (_t, base) = fixture();
    let commits = user_commits(&base);
    let (_a, done) = copy(&base);
    ok(&done, REBASE);
    let after = state(&done);
    let (_w, d) = copy(&base);
    killed_at(&d, REBASE, "rebase.checkout-done");
    let j: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(d.join(".git/gitops-upgrade/journal.json")).unwrap(),
    )
    .unwrap();
    let new = j["new"].as_str().unwrap().to_string();
    // As if killed in the middle of the ref update: phase "branch".
    let mut j2 = j.clone();
    j2["phase"] = "branch".into();
    fs::write(d.join(".git/gitops-upgrade/journal.json"), j2.to_string()).unwrap();

    let (_f, foreign) = copy(&d);
    fs::write(
        foreign.join(".git/refs/heads/main.lock"),
        "0123456789abcdef\n",
    )
    .unwrap();
    let o = run(&foreign, &["rebase", "--continue"], None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("main.lock exists and is not from the interrupted operation"),
        "{}",
        text(&o)
    );
    assert!(foreign.join(".git/refs/heads/main.lock").exists());

    fs::write(d.join(".git/refs/heads/main.lock"), &new[..20]).unwrap();
    let o = run(&d, &["rebase", "--continue"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_state(&d, &after, "continue with our stale lock");
    assert_sound(&d, &commits, false, "continue with our stale lock");
}

#[test]
fn a_kill_while_orig_head_is_written_leaves_no_lock_after_continue() {
    // The branch moved; the kill came while ORIG_HEAD (best effort, after
    // the move, before the journal goes) was being written: its lock holds
    // the old tip. `--continue` proves it ours, removes it and writes
    // ORIG_HEAD, so that no lock is left for the next rebase to trip over.
    let (_t, base) = fixture();
    let commits = user_commits(&base);
    let (_a, done) = copy(&base);
    ok(&done, REBASE);
    let after = state(&done);
    let (_w, d) = copy(&base);
    let old = git_ok(&d, &["rev-parse", "main"]);
    killed_at(&d, REBASE, "rebase.branch-moved");
    fs::write(d.join(".git/ORIG_HEAD.lock"), format!("{}\n", old.trim())).unwrap();
    let o = run(&d, &["rebase", "--continue"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_state(&d, &after, "continue after a kill writing ORIG_HEAD");
    assert_sound(
        &d,
        &commits,
        false,
        "continue after a kill writing ORIG_HEAD",
    );
    assert!(!d.join(".git/ORIG_HEAD.lock").exists());
    assert_eq!(
        git_ok(&d, &["rev-parse", "ORIG_HEAD"]).trim(),
        old.trim(),
        "ORIG_HEAD names the tip before"
    );
}

#[test]
fn files_changed_after_the_interruption_are_never_overwritten() {
    let (_t, base) = fixture();
    let (_w, d) = copy(&base);
    killed_at(&d, REBASE, "rebase.checkout-midway");
    // An unrelated tracked file edited by the user after the kill.
    write(&d, "vendor/c0/f54.yaml", "my edit after the crash\n");
    for how in ["--continue", "--abort"] {
        let o = run(&d, &["rebase", how], None);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("vendor/c0/f54.yaml"), "{}", text(&o));
        assert_eq!(
            fs::read_to_string(d.join("vendor/c0/f54.yaml")).unwrap(),
            "my edit after the crash\n"
        );
    }
    git_ok(&d, &["checkout", "--", "vendor/c0/f54.yaml"]);
    ok(&d, &["rebase", "--continue"]);
}

#[test]
fn restore_killed_at_every_failpoint_recovers() {
    let (_t, base) = fixture();
    ok(&base, REBASE);
    let commits = user_commits(&base);
    let before = state(&base);
    let (_a, done) = copy(&base);
    ok(&done, &["rebase", "--restore"]);
    let after = state(&done);
    assert_ne!(before, after);
    for fp in failpoints("restore.") {
        let (_w, d) = copy(&base);
        killed_at(&d, &["rebase", "--restore"], fp);
        check_recovery(
            &d,
            fp,
            &["rebase", "--restore"],
            &before,
            &after,
            &commits,
            false,
        );
    }
}

#[test]
fn a_killed_recovery_is_recovered_by_running_it_again() {
    let (_t, base) = fixture();
    let commits = user_commits(&base);
    let before = state(&base);
    let (_a, done) = copy(&base);
    ok(&done, REBASE);
    let after = state(&done);
    for fp in failpoints("recover.") {
        for (how, want) in [("--continue", &after), ("--abort", &before)] {
            let (_w, d) = copy(&base);
            killed_at(&d, REBASE, "rebase.checkout-midway");
            killed_at(&d, &["rebase", how], fp);
            assert_sound(&d, &commits, true, fp);
            assert!(
                has_journal(&d),
                "{fp}: the journal must stay until the recovery is complete"
            );
            assert_refused_with_two_ways(&d, REBASE, "rebase --continue", "rebase --abort");
            ok(&d, &["rebase", how]);
            assert_state(&d, want, &format!("{how} killed at {fp}, then again"));
            assert_sound(&d, &commits, false, fp);
        }
    }
}

fn migrate_fixture() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/migrate/rok-0.14"),
        &d,
    );
    init_repo(&d);
    commit_all(&d, "overlays for rok 0.14");
    (t, d)
}

const MIGRATE: &[&str] = &["migrate-patches", "--catalog", "rok-v0.15"];

#[test]
fn migrate_patches_killed_at_every_failpoint_leaves_none_or_all_or_says_how_to_finish() {
    let (_t, base) = migrate_fixture();
    let commits = user_commits_of(&base);
    let before = state(&base);
    let (_a, done) = copy(&base);
    let out = ok(&done, MIGRATE);
    let after = state(&done);
    assert_ne!(before, after);
    // How many files the migration writes (only the user's files are
    // edited), from its own report: "Migrated N file(s)".
    let files: usize = out
        .split("Migrated ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no file count in: {out}"));
    assert!(
        files >= 2,
        "the fixture should migrate several files: {out}"
    );
    // The journal is the first atomic write; the files follow.
    let mut fps: Vec<String> = vec![
        "migrate.journal-written".into(),
        "migrate.all-written".into(),
    ];
    for n in 1..files {
        fps.push(format!("migrate.file-written@{n}"));
    }
    for n in 1..=files + 1 {
        fps.push(format!("atomic.temp-written@{n}"));
        fps.push(format!("atomic.renamed@{n}"));
    }
    let journal = |d: &Path| d.join(".git/gitops-upgrade/migrate-journal.json").exists();
    for fp in &fps {
        let (_w, d) = copy(&base);
        killed_at(&d, MIGRATE, fp);
        assert_sound(&d, &commits, true, fp);
        if !journal(&d) {
            // Killed before the journal: nothing written but maybe a
            // temporary file, which the next write removes.
            let mut s = state(&d);
            s.files.retain(|k, _| !k.contains(".gitops-upgrade-"));
            s.status = before.status.clone();
            assert_eq!(s, before, "{fp}");
            ok(&d, MIGRATE);
            assert_state(&d, &after, &format!("{fp}, then migrate-patches again"));
            continue;
        }
        let o = run(&d, MIGRATE, None);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{fp}: {t}");
        assert!(
            t.contains("written")
                && t.contains("migrate-patches --continue")
                && t.contains("migrate-patches --abort"),
            "{t}"
        );
        for (how, want) in [("--continue", &after), ("--abort", &before)] {
            let (_x, w) = copy(&d);
            ok(&w, &["migrate-patches", how]);
            assert_state(&w, want, &format!("{fp} then migrate-patches {how}"));
            assert_sound(&w, &commits, false, fp);
            if how == "--abort" {
                ok(&w, MIGRATE);
                assert_state(
                    &w,
                    &after,
                    &format!("{fp}, --abort, then migrate-patches again"),
                );
            }
        }
    }
}

fn user_commits_of(d: &Path) -> Vec<String> {
    git_ok(d, &["rev-list", "HEAD"])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn single_file_writers_leave_the_old_or_the_new_file() {
    // render -o, init, hook install/uninstall: one file, written through a
    // temporary file and a rename. Killed before the rename: the old file
    // (and a temporary file the next run removes); after it: the new one.
    let (_t, d) = migrate_fixture();
    let kdir = "small";
    write(
        &d,
        "small/kustomization.yaml",
        "resources:\n- cm.yaml\nnamePrefix: x-\n",
    );
    write(
        &d,
        "small/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n",
    );
    let out = d.join("out.yaml");
    fs::write(&out, "old\n").unwrap();
    let render = ["render", kdir, "-o", "out.yaml"];
    killed_at(&d, &render, "atomic.temp-written");
    assert_eq!(fs::read_to_string(&out).unwrap(), "old\n");
    ok(&d, &render);
    let rendered = fs::read(&out).unwrap();
    assert!(
        rendered.starts_with(b"apiVersion"),
        "{}",
        String::from_utf8_lossy(&rendered)
    );
    let litter = |d: &Path| {
        files(d)
            .into_keys()
            .filter(|k| k.contains(".gitops-upgrade-"))
            .collect::<Vec<_>>()
    };
    assert!(litter(&d).is_empty(), "{:?}", litter(&d));
    fs::write(&out, "old\n").unwrap();
    killed_at(&d, &render, "atomic.renamed");
    assert_eq!(fs::read(&out).unwrap(), rendered);
    fs::remove_file(&out).unwrap();

    // init: the plan file appears whole or not at all.
    let presets = ok(&d, &["init", "--list"]);
    let preset = presets.split_whitespace().next().unwrap().to_string();
    killed_at(&d, &["init", "--preset", &preset], "atomic.temp-written");
    assert!(!d.join("gitops-upgrade.yaml").exists());
    ok(&d, &["init", "--preset", &preset]);
    let plan = fs::read(d.join("gitops-upgrade.yaml")).unwrap();
    fs::remove_file(d.join("gitops-upgrade.yaml")).unwrap();
    killed_at(&d, &["init", "--preset", &preset], "atomic.renamed");
    assert_eq!(fs::read(d.join("gitops-upgrade.yaml")).unwrap(), plan);
    fs::remove_file(d.join("gitops-upgrade.yaml")).unwrap();
    assert!(litter(&d).is_empty(), "{:?}", litter(&d));

    // hook install: never a half-written or non-executable hook.
    let hook = d.join(".git/hooks/pre-commit");
    let _ = fs::remove_file(&hook);
    killed_at(&d, &["hook", "install"], "atomic.temp-written");
    assert!(!hook.exists());
    killed_at(&d, &["hook", "install"], "atomic.renamed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&hook).unwrap().permissions().mode() & 0o111,
            0o111
        );
    }
    ok(&d, &["hook", "uninstall"]);
    assert!(!hook.exists());

    // install --force over the user's hook: killed after keeping a second
    // name for it, the user's hook is intact and a new run finishes.
    fs::write(&hook, "#!/bin/sh\necho mine\n").unwrap();
    killed_at(&d, &["hook", "install", "--force"], "hook.backup-linked");
    assert_eq!(fs::read_to_string(&hook).unwrap(), "#!/bin/sh\necho mine\n");
    ok(&d, &["hook", "install", "--force"]);
    assert_ne!(fs::read_to_string(&hook).unwrap(), "#!/bin/sh\necho mine\n");
    ok(&d, &["hook", "uninstall"]);
    assert_eq!(fs::read_to_string(&hook).unwrap(), "#!/bin/sh\necho mine\n");
    let hooks: Vec<_> = fs::read_dir(d.join(".git/hooks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".sample"))
        .collect();
    assert_eq!(hooks, vec!["pre-commit".to_string()]);
    assert!(litter(&d).is_empty(), "{:?}", litter(&d));
}

#[test]
fn every_failpoint_is_tested() {
    let src = fs::read_to_string(file!()).unwrap();
    for (name, _) in gitops_upgrade::failpoint::ALL {
        let prefix = name.split('.').next().unwrap();
        let covered = src.contains(&format!("\"{name}"))
            || src.contains(&format!("[\"{name}"))
            || src.contains(&format!("failpoints(\"{prefix}.\")"));
        assert!(covered, "failpoint {name} is not visited by a test");
    }
}

/// The bundled example: the vendor's v0.14, the user's clone with a site
/// change and a plan naming the `rok-v0.15` catalog, the vendor's v0.15.
fn upgrade_fixture() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let vendor = t.path().join("vendor");
    let user = t.path().join("repo");
    init_repo(&vendor);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&root.join("overlays-examples/rok"), &vendor);
    commit_all(&vendor, "rok v0.14");
    git_ok(t.path(), &["clone", "-q", "vendor", "repo"]);
    for (k, v) in [("user.name", "U"), ("user.email", "u@example.com")] {
        git_ok(&user, &["config", k, v]);
    }
    let patch = user.join("rok-cluster/overlays/deploy/patches/rokcluster.yaml");
    let text = fs::read_to_string(&patch).unwrap();
    fs::write(&patch, text.replace("nodeCount: 5", "nodeCount: 7")).unwrap();
    write(&user, "gitops-upgrade.yaml", "migrations:\n- rok-v0.15\n");
    commit_all(&user, "site: seven nodes; upgrade plan");
    copy_dir(&root.join("fixtures/upgrade/rok-v0.15"), &vendor);
    commit_all(&vendor, "rok v0.15");
    (t, user)
}

#[test]
fn upgrade_killed_in_its_rebase_migration_or_commit_recovers() {
    // The plan has no components, so each run stops at step 4 (apply):
    // what is checked is that steps 1-3 (rebase, migration, its commit)
    // survive a kill and that a new run gets past them.
    let (_t, base) = upgrade_fixture();
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake-kubectl");
    let fake = fake.to_str().unwrap().to_string();
    let upgrade: Vec<&str> = vec!["upgrade", "--yes", "--kubectl", &fake];
    let reaches_apply = |d: &Path| {
        let o = run(d, &upgrade, None);
        assert!(text(&o).contains("== 4/4 apply =="), "{}", text(&o));
    };
    let commits = user_commits_of(&base);
    let (_a, done) = copy(&base);
    reaches_apply(&done);
    let after = state(&done);
    // The repository after the rebase and before the migration.
    let (_b, rebased) = copy(&base);
    ok(&rebased, &["rebase"]);
    let rebased_state = state(&rebased);
    let cases: &[(&str, &str, &str, &State)] = &[
        (
            "rebase.checkout-midway",
            "rebase",
            "--continue",
            &rebased_state,
        ),
        (
            "migrate.file-written@1",
            "migrate-patches",
            "--abort",
            &rebased_state,
        ),
        ("commit.journal-written", "rebase", "--continue", &after),
        ("commit.index-written", "rebase", "--abort", &rebased_state),
        ("commit.branch-moved", "rebase", "--continue", &after),
    ];
    for (fp, tool, how, want) in cases {
        let (_w, d) = copy(&base);
        killed_at(&d, &upgrade, fp);
        assert_sound(&d, &commits, true, fp);
        let o = run(&d, &upgrade, None);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{fp}: {t}");
        let cont = format!("gitops-upgrade {tool} --continue");
        let abort = format!("gitops-upgrade {tool} --abort");
        assert!(
            t.contains(&cont) && t.contains(&abort) && !t.contains("commit or stash"),
            "{fp}: {t}"
        );
        ok(&d, &[tool, how]);
        assert_state(
            &d,
            want,
            &format!("upgrade killed at {fp}, then {tool} {how}"),
        );
        assert_sound(&d, &commits, false, fp);
        reaches_apply(&d);
        assert_state(
            &d,
            &after,
            &format!("upgrade killed at {fp}, {tool} {how}, upgrade again"),
        );
    }
}

#[test]
fn apply_killed_while_saving_its_state_resumes() {
    // apply's state file (.git/gitops-upgrade/apply-state.json) is written
    // after each step: killed at each write (before and after the rename),
    // it is the old or the new state, `status` reads it, and a new `apply`
    // finishes.
    let plan = "components:\n  - name: rok-disk-manager\n    path: rok-disk-manager/overlays/deploy\n  - name: rok-kmod\n    path: rok-kmod/overlays/deploy\n";
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake-kubectl");
    let t = tempfile::tempdir().unwrap();
    let base = t.path().join("repo");
    init_repo(&base);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("overlays-examples/rok"),
        &base,
    );
    write(&base, "gitops-upgrade.yaml", plan);
    commit_all(&base, "rok and the plan");
    let apply = |d: &Path, fp: Option<&str>| {
        let cluster = d.parent().unwrap().join("cluster");
        fs::create_dir_all(&cluster).unwrap();
        let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
        c.current_dir(d)
            .args(["apply", "--yes", "--poll-interval", "50ms", "--kubectl"])
            .arg(&fake)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("FAKE_KUBECTL_STATE", &cluster)
            .env_remove("GITOPS_UPGRADE_FAILPOINT");
        if let Some(f) = fp {
            c.env("GITOPS_UPGRADE_FAILPOINT", f);
        }
        c.output().unwrap()
    };
    let mut hit = 0;
    for fp in ["atomic.temp-written", "atomic.renamed"] {
        // The first state write (the run starts) and the second (the
        // first component is done).
        for n in 1..=2 {
            let (_w, d) = copy(&base);
            let o = apply(&d, Some(&format!("{fp}@{n}")));
            assert!(
                text(&o).contains(&format!("failpoint {fp}")),
                "{fp}@{n}: {}",
                text(&o)
            );
            hit += 1;
            let st = run(&d, &["status"], None);
            assert!(
                !text(&st).contains("not valid JSON") && st.status.code() != Some(2),
                "{fp}@{n}: status: {}",
                text(&st)
            );
            let o = apply(&d, None);
            assert!(o.status.success(), "{fp}@{n}: apply again: {}", text(&o));
            let left: Vec<_> = fs::read_dir(d.join(".git/gitops-upgrade"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tmp"))
                .collect();
            assert!(left.is_empty(), "{fp}@{n}: {left:?}");
        }
    }
    assert_eq!(hit, 4);
}
