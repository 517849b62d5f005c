//! Remote bases (`resources` entries naming a git repository) against the
//! real kubectl, with `file://` repositories made by the real git: rendered
//! byte for byte as kubectl renders them, cloned once into the cache, and
//! read from the cache offline.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{git, kubectl, run_with_timeout};

fn ours() -> &'static str {
    env!("CARGO_BIN_EXE_gitops-upgrade")
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// A repository with a base at `deploy/base` (tagged v1.0.0), then a
/// second commit changing it on the default branch.
fn remote_repo(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    write(
        dir,
        "deploy/base/kustomization.yaml",
        "resources:\n- app.yaml\nconfigMapGenerator:\n- name: settings\n  literals:\n  - MODE=v1\n",
    );
    write(
        dir,
        "deploy/base/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        envFrom:\n        - configMapRef:\n            name: settings\n",
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "v1"]);
    git(dir, &["tag", "v1.0.0"]);
    write(
        dir,
        "deploy/base/kustomization.yaml",
        "resources:\n- app.yaml\nconfigMapGenerator:\n- name: settings\n  literals:\n  - MODE=v2\n",
    );
    git(dir, &["commit", "-q", "-am", "v2"]);
}

fn render(dir: &Path, cache: &Path, offline: bool) -> common::Output {
    let mut c = Command::new(ours());
    c.arg("render");
    if offline {
        c.arg("--offline");
    }
    c.arg(dir)
        .env("XDG_CACHE_HOME", cache)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    no_proxy(&mut c);
    run_with_timeout(&mut c, Duration::from_secs(120))
}

/// The local HTTP server is reached directly, whatever proxy the
/// environment names.
fn no_proxy(c: &mut Command) {
    for v in ["http_proxy", "https_proxy", "all_proxy"] {
        c.env_remove(v).env_remove(v.to_ascii_uppercase());
    }
}

fn reference(dir: &Path) -> common::Output {
    let mut c = Command::new(kubectl());
    c.arg("kustomize").arg(dir).env("GIT_TERMINAL_PROMPT", "0");
    no_proxy(&mut c);
    run_with_timeout(&mut c, Duration::from_secs(120))
}

#[test]
fn file_repositories_render_as_kubectl_renders_them() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("vendor.git-src");
    fs::create_dir_all(&repo).unwrap();
    remote_repo(&repo);
    let url = format!("file://{}", repo.display());
    let overlay = t.path().join("overlay");
    let mut outputs = Vec::new();
    // a ref, HEAD of the default branch, `version=`, and the query options
    for (i, entry) in [
        format!("{url}//deploy/base?ref=v1.0.0"),
        format!("{url}//deploy/base"),
        format!("{url}//deploy/base?version=v1.0.0&timeout=30&submodules=false"),
    ]
    .iter()
    .enumerate()
    {
        write(
            &overlay,
            "kustomization.yaml",
            &format!("namePrefix: prod-\ncommonLabels:\n  env: prod\nresources:\n- {entry}\n"),
        );
        let cache = t.path().join(format!("cache{i}"));
        let want = reference(&overlay);
        assert!(want.success(), "kubectl: {}", want.stderr_str());
        let got = render(&overlay, &cache, false);
        assert!(got.success(), "ours: {}", got.stderr_str());
        assert_eq!(
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&want.stdout),
            "{entry}"
        );
        // the cache now holds the clone: offline renders the same
        let offline = render(&overlay, &cache, true);
        assert!(offline.success(), "offline: {}", offline.stderr_str());
        assert_eq!(offline.stdout, got.stdout);
        outputs.push(got.stdout);
    }
    // the ref is honoured: the tag (v1) and the default branch (v2) differ
    assert_ne!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
    let clones = fs::read_dir(t.path().join("cache0/gitops-upgrade/remote"))
        .unwrap()
        .count();
    assert_eq!(clones, 1, "one clone per repository and ref");
}

/// The remote repository under `dir/src` and an overlay under
/// `dir/overlay` whose one resource is its `deploy/base` at `git_ref`:
/// (repository, overlay, the resource entry).
fn overlay_on_remote(dir: &Path, git_ref: &str) -> (PathBuf, PathBuf, String) {
    let repo = dir.join("src");
    fs::create_dir_all(&repo).unwrap();
    remote_repo(&repo);
    let overlay = dir.join("overlay");
    let entry = format!("file://{}//deploy/base?ref={git_ref}", repo.display());
    write(
        &overlay,
        "kustomization.yaml",
        &format!("resources:\n- {entry}\n"),
    );
    (repo, overlay, entry)
}

#[test]
fn offline_without_the_cache_is_refused_and_fetches_nothing() {
    let t = tempfile::tempdir().unwrap();
    let (repo, overlay, entry) = overlay_on_remote(t.path(), "v1.0.0");
    let cache = t.path().join("cache");
    let o = render(&overlay, &cache, true);
    assert_eq!(o.status.and_then(|s| s.code()), Some(1));
    let err = o.stderr_str();
    assert!(
        err.contains(&format!("remote resource '{entry}'")) && err.contains("not in the cache"),
        "{err}"
    );
    assert!(!cache.exists(), "nothing fetched offline");
    // once fetched, the cache serves it even if the repository is gone
    assert!(render(&overlay, &cache, false).success());
    fs::remove_dir_all(&repo).unwrap();
    let o = render(&overlay, &cache, true);
    assert!(o.success(), "{}", o.stderr_str());
    assert!(String::from_utf8_lossy(&o.stdout).contains("name: web"));
}

#[test]
fn a_missing_ref_fails_with_gits_reason() {
    let t = tempfile::tempdir().unwrap();
    let (_repo, overlay, _entry) = overlay_on_remote(t.path(), "v9.9.9");
    assert!(!reference(&overlay).success(), "kubectl refuses it too");
    let o = render(&overlay, &t.path().join("cache"), false);
    assert_eq!(o.status.and_then(|s| s.code()), Some(1));
    let err = o.stderr_str();
    assert!(err.contains("v9.9.9") && err.contains("git fetch"), "{err}");
    // nothing half-made is left in the cache
    let left: Vec<_> = fs::read_dir(t.path().join("cache/gitops-upgrade/remote"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn check_stays_offline_and_reads_the_cache() {
    let t = tempfile::tempdir().unwrap();
    let vendor = t.path().join("vendor");
    fs::create_dir_all(&vendor).unwrap();
    remote_repo(&vendor);
    let repo = t.path().join("gitops");
    let entry = format!("file://{}//deploy/base?ref=v1.0.0", vendor.display());
    write(
        &repo,
        "overlay/kustomization.yaml",
        &format!("namePrefix: prod-\nresources:\n- {entry}\n"),
    );
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "overlay"]);
    let cache = t.path().join("cache");
    let check = || {
        let mut c = Command::new(ours());
        c.args(["check", "overlay/kustomization.yaml"])
            .current_dir(&repo)
            .env("XDG_CACHE_HOME", &cache);
        common::isolate(&mut c, t.path());
        run_with_timeout(&mut c, Duration::from_secs(60))
    };
    let o = check();
    assert_eq!(o.status.and_then(|s| s.code()), Some(1));
    let out = String::from_utf8_lossy(&o.stdout).into_owned() + &o.stderr_str();
    assert!(
        out.contains("overlay/kustomization.yaml:3:3: kustomize/render:")
            && out.contains(&format!("remote resource '{entry}' is not in the cache")),
        "{out}"
    );
    assert!(!cache.exists(), "check fetched nothing");
    assert!(render(&repo.join("overlay"), &cache, false).success());
    let o = check();
    assert!(o.success(), "{}", o.stderr_str());
}

/// A tiny HTTP/1.1 server on 127.0.0.1 (a free port) serving `files` by
/// path (the query ignored), 404 for the rest; counts the requests.
struct FileServer {
    port: u16,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FileServer {
    fn start(files: Vec<(&'static str, String)>) -> FileServer {
        Self::start_with(files, false)
    }

    /// With `hang_git`, git's first request (`.../info/refs`) gets no
    /// answer: the connection is held for 8 s, then closed.
    fn start_with(files: Vec<(&'static str, String)>, hang_git: bool) -> FileServer {
        use std::io::{BufRead, BufReader, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (r, s) = (requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                stream.set_nonblocking(false).unwrap();
                let files = files.clone();
                let r = r.clone();
                std::thread::spawn(move || serve(stream, &files, &r, hang_git));
            }
        });
        fn serve(
            stream: std::net::TcpStream,
            files: &[(&'static str, String)],
            r: &std::sync::atomic::AtomicUsize,
            hang_git: bool,
        ) {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                return;
            }
            // the headers, up to the blank line
            let mut h = String::new();
            while reader.read_line(&mut h).map(|n| n > 2).unwrap_or(false) {
                h.clear();
            }
            r.fetch_add(1, Ordering::SeqCst);
            let path = line.split_whitespace().nth(1).unwrap_or("/");
            let path = path.split('?').next().unwrap_or(path);
            if hang_git && path.ends_with("/info/refs") {
                std::thread::sleep(Duration::from_secs(8));
                return;
            }
            let (status, body) = match files.iter().find(|(p, _)| *p == path) {
                Some((_, b)) => ("200 OK", b.clone()),
                None => ("404 Not Found", "not found\n".to_string()),
            };
            let mut stream = reader.into_inner();
            let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
        }
        FileServer {
            port,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const HTTP_FILE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-http\ndata:\n  a: \"1\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        envFrom:\n        - configMapRef:\n            name: from-http\n";

#[test]
fn http_file_urls_render_as_kubectl_renders_them_and_are_cached() {
    let server = FileServer::start(vec![
        ("/manifests/app.yaml", HTTP_FILE.to_string()),
        ("/org/repo/app.yaml", HTTP_FILE.to_string()),
    ]);
    let t = tempfile::tempdir().unwrap();
    let overlay = t.path().join("overlay");
    // a plain file URL, one with a query, and one that also reads as a git
    // repository (org/repo): kustomize GETs each as a file first
    for (i, path) in [
        "/manifests/app.yaml",
        "/manifests/app.yaml?ref=v1",
        "/org/repo/app.yaml",
    ]
    .iter()
    .enumerate()
    {
        let entry = server.url(path);
        write(
            &overlay,
            "kustomization.yaml",
            &format!("namePrefix: prod-\ncommonLabels:\n  env: prod\nresources:\n- {entry}\n"),
        );
        let want = reference(&overlay);
        assert!(want.success(), "kubectl: {}", want.stderr_str());
        let cache = t.path().join(format!("cache{i}"));
        let offline = render(&overlay, &cache, true);
        assert_eq!(offline.status.and_then(|s| s.code()), Some(1), "{entry}");
        assert!(
            offline
                .stderr_str()
                .contains(&format!("remote resource '{entry}' is not in the cache")),
            "{}",
            offline.stderr_str()
        );
        let before = server.requests();
        let got = render(&overlay, &cache, false);
        assert!(got.success(), "ours: {}", got.stderr_str());
        assert_eq!(
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&want.stdout),
            "{entry}"
        );
        assert_eq!(server.requests(), before + 1, "one GET");
        // from the cache: online without a GET, and offline
        let again = render(&overlay, &cache, false);
        assert_eq!(again.stdout, got.stdout);
        let offline = render(&overlay, &cache, true);
        assert!(offline.success(), "offline: {}", offline.stderr_str());
        assert_eq!(offline.stdout, got.stdout);
        assert_eq!(server.requests(), before + 1, "the cache serves it");
    }
}

#[test]
fn a_missing_http_file_fails_as_in_kubectl() {
    let server = FileServer::start(vec![]);
    let t = tempfile::tempdir().unwrap();
    let overlay = t.path().join("overlay");
    let entry = server.url("/missing.yaml");
    write(
        &overlay,
        "kustomization.yaml",
        &format!("resources:\n- {entry}\n"),
    );
    let want = reference(&overlay);
    assert!(!want.success());
    assert!(
        want.stderr_str()
            .contains("HTTP Error: status code 404 (Not Found)"),
        "{}",
        want.stderr_str()
    );
    let cache = t.path().join("cache");
    let o = render(&overlay, &cache, false);
    assert_eq!(o.status.and_then(|s| s.code()), Some(1));
    let err = o.stderr_str();
    assert!(
        err.contains(&format!("remote resource '{entry}'"))
            && err.contains("HTTP Error: status code 404 (Not Found)"),
        "{err}"
    );
    let kept = fs::read_dir(cache.join("gitops-upgrade/remote/files"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(kept, 0, "nothing cached");
}

#[test]
fn the_timeout_parameter_limits_each_git_command() {
    // the file GET gets a 404, so both tools go on to git, whose fetch gets
    // no answer
    let server = FileServer::start_with(vec![], true);
    let t = tempfile::tempdir().unwrap();
    let overlay = t.path().join("overlay");
    for (timeout, secs) in [("1s", 1.0), ("2", 2.0)] {
        let entry = server.url(&format!("/org/repo.git//base?timeout={timeout}"));
        write(
            &overlay,
            "kustomization.yaml",
            &format!("resources:\n- {entry}\n"),
        );
        let start = std::time::Instant::now();
        let want = reference(&overlay);
        let kubectl_secs = start.elapsed().as_secs_f64();
        assert!(!want.success());
        assert!(
            (secs..secs + 4.0).contains(&kubectl_secs),
            "kubectl took {kubectl_secs} s: {}",
            want.stderr_str()
        );
        let start = std::time::Instant::now();
        let o = render(&overlay, &t.path().join("cache"), false);
        let ours_secs = start.elapsed().as_secs_f64();
        assert_eq!(o.status.and_then(|s| s.code()), Some(1));
        assert!(
            (secs..secs + 4.0).contains(&ours_secs),
            "ours took {ours_secs} s: {}",
            o.stderr_str()
        );
        let err = o.stderr_str();
        assert!(
            err.contains(&format!(
                "remote resource '{entry}': git fetch: git timed out after {secs}s"
            )),
            "{err}"
        );
    }
}
