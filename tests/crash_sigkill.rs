//! Crash safety, by SIGKILL at random moments: `rebase` on a generated
//! repository large enough that the checkout takes a measurable time is
//! killed after a random delay, again and again (each time on a fresh
//! copy), and each time the repository must be sound (every user commit
//! reachable, `git fsck` clean), every command must either work or refuse
//! with the two ways out, the way out must reach exactly the state after
//! (`--continue`) or before (`--abort`) the rebase, and the rebase must
//! then succeed.
//!
//! In CI it runs with a fixed seed, a few kills and a small repository.
//! `GITOPS_UPGRADE_KILL_REPO=<dir>` uses a copy of that repository (with
//! branches `main` and `upstream`) instead; `benches/kill-bench.sh` runs it
//! on the repository of `benches/rebase-bench.sh`.
//!
//! A longer run (documented in docs/reliability.md):
//!
//! ```text
//! GITOPS_UPGRADE_KILLS=200 GITOPS_UPGRADE_KILL_FILES=5000 GITOPS_UPGRADE_KILL_SEED=$RANDOM \
//!   cargo test --release --test crash_sigkill -- --nocapture
//! ```

mod rebase_common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rebase_common::{copy_dir, git, git_ok, init_repo, Rng};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
    c.current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GITOPS_UPGRADE_FAILPOINT");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    cmd(dir, args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A repository made with `git fast-import`: `files` vendor files in 20
/// directories; `upstream` rewrites three quarters of them, deletes some
/// and adds a directory; `main` has 5 local commits, two of which edit
/// vendor files the upstream also edits.
fn generate(dir: &Path, files: usize) {
    init_repo(dir);
    let mut s: Vec<u8> = Vec::new();
    let mut mark = 0;
    let commit = |s: &mut Vec<u8>,
                  mark: &mut usize,
                  branch: &str,
                  msg: &str,
                  from: Option<usize>,
                  changes: &[(String, Option<String>)]| {
        *mark += 1;
        let m = *mark;
        write!(s, "commit refs/heads/{branch}\nmark :{m}\n").unwrap();
        writeln!(
            s,
            "committer Gen <gen@example.com> {} +0000",
            1_700_000_000 + m
        )
        .unwrap();
        write!(s, "data {}\n{msg}\n", msg.len()).unwrap();
        if let Some(f) = from {
            writeln!(s, "from :{f}").unwrap();
        }
        for (p, data) in changes {
            match data {
                Some(d) => write!(s, "M 100644 inline {p}\ndata {}\n{d}\n", d.len()).unwrap(),
                None => writeln!(s, "D {p}").unwrap(),
            }
        }
        s.push(b'\n');
        m
    };
    let doc = |i: usize, v: &str| {
        let mut t = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n");
        for k in 0..12 {
            t.push_str(&format!("  key{k}: value-{i}-{k}-{v}\n"));
        }
        t
    };
    let path = |i: usize| format!("vendor/d{:02}/cm-{i}.yaml", i % 20);
    let base: Vec<_> = (0..files).map(|i| (path(i), Some(doc(i, "1")))).collect();
    let b = commit(&mut s, &mut mark, "main", "vendor 1.0", None, &base);
    let mut up: Vec<_> = (0..files)
        .filter(|i| i % 4 != 0)
        .map(|i| (path(i), Some(doc(i, "2"))))
        .collect();
    up.extend((0..files).filter(|i| i % 40 == 0).map(|i| (path(i), None)));
    up.extend((0..files / 10).map(|i| (format!("vendor/new/n-{i}.yaml"), Some(doc(i, "new")))));
    commit(&mut s, &mut mark, "upstream", "vendor 2.0", Some(b), &up);
    let mut last = b;
    for c in 0..5 {
        let mut ch = vec![(
            format!("overlays/deploy/patch-{c}.yaml"),
            Some(format!("patch: {c}\n")),
        )];
        if c % 2 == 0 {
            ch.push((path(c * 7 + 1), Some(doc(c * 7 + 1, "mine"))));
        }
        last = commit(
            &mut s,
            &mut mark,
            "main",
            &format!("local {c}"),
            Some(last),
            &ch,
        );
    }
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&s).unwrap();
    assert!(child.wait().unwrap().success());
    git_ok(dir, &["checkout", "-q", "-f", "main"]);
}

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
                out.insert(
                    p.strip_prefix(base).unwrap().display().to_string(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut m = BTreeMap::new();
    walk(dir, dir, &mut m);
    m
}

/// HEAD, the branch by trees and messages, other refs, backups by target,
/// the index, every file, `git status`.
fn state(dir: &Path) -> Vec<String> {
    let mut refs: Vec<String> = git_ok(dir, &["for-each-ref", "--format=%(refname) %(objectname)"])
        .lines()
        .filter(|l| !l.starts_with("refs/heads/main "))
        .map(|l| match l.strip_prefix("refs/gitops-upgrade/backups/") {
            Some(_) => format!("backup {}", l.rsplit(' ').next().unwrap()),
            None => l.to_string(),
        })
        .collect();
    refs.sort();
    let digest: String = files(dir)
        .iter()
        .map(|(k, v)| {
            format!(
                "{k} {}\n",
                v.len() as u64 * 31 + v.iter().map(|b| *b as u64).sum::<u64>()
            )
        })
        .collect();
    vec![
        git_ok(dir, &["symbolic-ref", "HEAD"]),
        git_ok(dir, &["log", "--format=%T %s", "main"]),
        refs.join("\n"),
        git_ok(dir, &["write-tree"]),
        digest,
        git_ok(dir, &["status", "--porcelain", "--untracked-files=all"]),
    ]
}

fn sound(dir: &Path, commits: &[String], what: &str) {
    for c in commits {
        assert!(
            !git_ok(dir, &["for-each-ref", "--contains", c])
                .trim()
                .is_empty(),
            "{what}: commit {c} unreachable"
        );
    }
    let o = git(dir, &["fsck", "--no-progress", "--no-dangling"]);
    assert!(o.status.success(), "{what}: git fsck: {}", text(&o));
}

fn copy(from: &Path) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    copy_dir(from, &d);
    (t, d)
}

const REBASE: &[&str] = &["rebase", "--no-fetch", "--upstream", "upstream"];

#[test]
fn rebase_survives_sigkill_at_random_moments() {
    let kills = env_num("GITOPS_UPGRADE_KILLS", 8);
    let n_files = env_num("GITOPS_UPGRADE_KILL_FILES", 400) as usize;
    let seed = env_num("GITOPS_UPGRADE_KILL_SEED", 20261206);
    let t = tempfile::tempdir().unwrap();
    let base = t.path().join("base");
    // Or an existing repository with branches `main` and `upstream`
    // (benches/kill-bench.sh passes the one benches/rebase-bench.sh makes).
    match std::env::var_os("GITOPS_UPGRADE_KILL_REPO") {
        Some(r) => copy_dir(Path::new(&r), &base),
        None => generate(&base, n_files),
    }
    let commits: Vec<String> = git_ok(&base, &["rev-list", "main", "upstream"])
        .lines()
        .map(str::to_string)
        .collect();
    let before = state(&base);

    // How long an uninterrupted rebase takes, and when it starts writing
    // (the journal appears): half the kills fall anywhere in that span,
    // half in the writing part of it.
    let (_a, done) = copy(&base);
    let start = Instant::now();
    let mut child = cmd(&done, REBASE).stdout(Stdio::null()).spawn().unwrap();
    let journal_at = done.join(".git/gitops-upgrade/journal.json");
    let mut writes_from = None;
    let status = loop {
        if writes_from.is_none() && journal_at.exists() {
            writes_from = Some(start.elapsed());
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    let span = start.elapsed();
    assert!(status.success());
    let writes_from = writes_from.unwrap_or(span / 2);
    let after = state(&done);
    assert_ne!(before, after);

    let mut rng = Rng::new(seed);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for k in 0..kills {
        let (_w, d) = copy(&base);
        let from = if k % 2 == 0 {
            Duration::ZERO
        } else {
            writes_from
        };
        let delay =
            from + Duration::from_micros(rng.below((span - from).as_micros() as usize + 1) as u64);
        let mut child = cmd(&d, REBASE)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let what = format!("kill {k} after {delay:?} (seed {seed})");
        sound(&d, &commits, &what);
        let journal = d.join(".git/gitops-upgrade/journal.json");
        let outcome = if status.success() {
            assert_eq!(state(&d), after, "{what}: completed");
            "completed".to_string()
        } else if !journal.exists() {
            let s = state(&d);
            assert!(
                s == before || s == after,
                "{what}: no journal, state neither before nor after"
            );
            "killed before the journal (nothing changed)".to_string()
        } else {
            let j: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(&journal).unwrap()).unwrap();
            let phase = j["phase"].as_str().unwrap().to_string();
            for args in [REBASE, &["check"][..], &["rebase", "--restore"][..]] {
                let o = run(&d, args);
                let t = text(&o);
                assert_eq!(o.status.code(), Some(2), "{what}: {args:?}: {t}");
                assert!(
                    t.contains("gitops-upgrade rebase --continue")
                        && t.contains("gitops-upgrade rebase --abort")
                        && !t.contains("commit or stash"),
                    "{what}: {args:?}: {t}"
                );
            }
            // Kills alternate between anywhere and the writing part, and
            // by pairs between --continue and --abort.
            let (how, want) = if (k / 2) % 2 == 0 {
                ("--continue", &after)
            } else {
                ("--abort", &before)
            };
            let o = run(&d, &["rebase", how]);
            assert!(o.status.success(), "{what}: rebase {how}: {}", text(&o));
            assert_eq!(&state(&d), want, "{what}: rebase {how}");
            sound(&d, &commits, &what);
            format!("killed in phase {phase}, then {how}")
        };
        let o = run(&d, REBASE);
        assert!(o.status.success(), "{what}: rebase again: {}", text(&o));
        assert_eq!(state(&d), after, "{what}: rebase again");
        let locks: Vec<_> = walk_locks(&d.join(".git"));
        assert!(locks.is_empty(), "{what}: locks left: {locks:?}");
        *outcomes.entry(outcome).or_default() += 1;
    }
    let n_files = git_ok(&base, &["ls-files"]).lines().count();
    println!(
        "{n_files} files, rebase takes {span:?} (writes from {writes_from:?}); {kills} kills (seed {seed}):"
    );
    for (o, n) in &outcomes {
        println!("  {n:3}  {o}");
    }
}

fn walk_locks(d: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = fs::read_dir(d) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk_locks(&p));
            } else if p.extension().is_some_and(|x| x == "lock") {
                out.push(p);
            }
        }
    }
    out
}
