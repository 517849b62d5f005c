//! Remote bases: `resources` entries that name a git repository, as
//! kustomize reads them (`github.com/org/repo//path?ref=v1.2.0`,
//! `https://host/org/repo.git/path`, `git@host:org/repo`, `ssh://...`,
//! `file:///abs/repo//path`), cloned with the user's own `git` (so their
//! credential helpers and SSH configuration apply) once per repository,
//! ref and submodule choice into a cache under the user's cache directory.
//!
//! The grammar follows kustomize v5's `RepoSpec`: the query (`ref`, or
//! `version` when `ref` is absent; `timeout` in seconds or as a Go
//! duration; `submodules` as a Go boolean) is cut at the first `?`; the
//! repository ends at `_git/<name>` (Azure), else at `//`, else after
//! `.git`, else after two path segments (`org/repo`), except for `file://`
//! where it is the whole path. GitHub hosts are normalised to
//! `https://github.com/` (or `git@github.com:` for SSH forms).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A parsed remote entry.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSpec {
    /// What `git fetch` is given.
    pub clone_url: String,
    /// The kustomization directory inside the repository ("" for its root).
    pub path: String,
    /// The ref to fetch (`None`: the remote's HEAD).
    pub git_ref: Option<String>,
    pub submodules: bool,
    /// Seconds each git command may take (kustomize's default is 27 s).
    pub timeout_secs: f64,
}

const DEFAULT_TIMEOUT: f64 = 27.0;

/// Parses a remote entry; `Err` says why it is not a repository URL.
pub fn parse(entry: &str) -> Result<RemoteSpec, String> {
    if entry.starts_with('/') {
        return Err(format!("uri looks like abs path: {entry}"));
    }
    let (rest, query) = entry.split_once('?').unwrap_or((entry, ""));
    let (git_ref, timeout_secs, submodules) = parse_query(query);
    let (host, rest) = extract_host(rest)?;
    let (repo, path) = split_repo_path(rest, host.starts_with("file://"))?;
    if path.split('/').any(|s| s == "..") {
        return Err(format!("url path exits repo: {entry}"));
    }
    Ok(RemoteSpec {
        clone_url: format!("{host}{repo}"),
        path: path.trim_start_matches('/').to_string(),
        git_ref,
        submodules,
        timeout_secs,
    })
}

fn parse_query(query: &str) -> (Option<String>, f64, bool) {
    let mut version = None;
    let mut git_ref = None;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut submodules = true;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v);
        // like Go's url.Values.Get: the first value of a key counts
        match k {
            "ref" if git_ref.is_none() && !v.is_empty() => git_ref = Some(v),
            "version" if version.is_none() => version = Some(v),
            "timeout" if !v.is_empty() => {
                if let Some(t) = v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(|n| n as f64)
                    .or_else(|| go_duration_secs(&v).filter(|d| *d > 0.0))
                {
                    timeout = t;
                }
            }
            "submodules" => match v.as_str() {
                "1" | "t" | "T" | "true" | "TRUE" | "True" => submodules = true,
                "0" | "f" | "F" | "false" | "FALSE" | "False" => submodules = false,
                _ => {}
            },
            _ => {}
        }
    }
    let r = git_ref.or(version.filter(|v| !v.is_empty()));
    (r, timeout, submodules)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Go's `time.ParseDuration` for the units a timeout uses.
fn go_duration_secs(s: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..u] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += num * mult;
        rest = &rest[u..];
    }
    Some(total)
}

/// Splits the scheme, user and host from the rest of the URL.
fn extract_host(n: &str) -> Result<(String, &str), String> {
    // go-getter's forced-git prefix and GitHub's shorthand
    let n = n.strip_prefix("git::").unwrap_or(n);
    if let Some(r) = n.strip_prefix("gh:") {
        return Ok(("https://github.com/".to_string(), r));
    }
    let lower = n.to_ascii_lowercase();
    for scheme in ["https://", "http://", "ssh://", "file://"] {
        if lower.starts_with(scheme) {
            let r = &n[scheme.len()..];
            if scheme == "file://" {
                return Ok((scheme.to_string(), r));
            }
            let Some(i) = r.find('/') else {
                return Err("failed to parse host segment".into());
            };
            let (hostpart, rest) = (&r[..=i], &r[i + 1..]);
            let bare = hostpart.rsplit('@').next().unwrap_or(hostpart);
            if bare.eq_ignore_ascii_case("github.com/") {
                let h = if scheme == "ssh://" {
                    "git@github.com:"
                } else {
                    "https://github.com/"
                };
                return Ok((h.to_string(), rest));
            }
            return Ok((format!("{scheme}{hostpart}"), rest));
        }
    }
    if let Some(r) = n.strip_prefix("git@") {
        // scp-like: git@host:org/repo
        let Some(i) = r.find([':', '/']) else {
            return Err("failed to parse host segment".into());
        };
        let (h, rest) = (&r[..i], &r[i + 1..]);
        if h.eq_ignore_ascii_case("github.com") {
            return Ok(("git@github.com:".to_string(), rest));
        }
        return Ok((format!("git@{h}:"), rest));
    }
    if lower.starts_with("github.com/") || lower.starts_with("github.com:") {
        return Ok(("https://github.com/".to_string(), &n["github.com/".len()..]));
    }
    Err(
        "failed to parse host segment: use a URL with https://, http://, ssh://, file:// or git@"
            .into(),
    )
}

fn split_repo_path(n: &str, file: bool) -> Result<(String, String), String> {
    if let Some(i) = n.find("_git/") {
        let after = &n[i + 5..];
        let (name, sub) = after.split_once('/').unwrap_or((after, ""));
        return Ok((format!("{}{name}", &n[..i + 5]), sub.to_string()));
    }
    if let Some(i) = n.find("//") {
        return nonempty(&n[..i], &n[i + 2..]);
    }
    if let Some(i) = n.find(".git") {
        return nonempty(&n[..i + 4], &n[i + 4..]);
    }
    if file {
        return nonempty(n, "");
    }
    let mut it = n.splitn(3, '/');
    match (it.next(), it.next(), it.next()) {
        (Some(org), Some(repo), sub) => nonempty(&format!("{org}/{repo}"), sub.unwrap_or("")),
        _ => Err("failed to parse repo path segment".into()),
    }
}

fn nonempty(repo: &str, path: &str) -> Result<(String, String), String> {
    if repo.is_empty() || repo == "/" {
        return Err("failed to parse repo path segment".into());
    }
    Ok((repo.to_string(), path.to_string()))
}

/// Where clones are kept: `$XDG_CACHE_HOME/gitops-upgrade/remote`, else
/// `~/.cache/gitops-upgrade/remote`.
pub fn cache_root() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty() && Path::new(v).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("gitops-upgrade").join("remote"))
}

impl RemoteSpec {
    /// The cache directory of this repository, ref and submodule choice.
    pub fn cache_dir(&self, root: &Path) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.clone_url.as_bytes());
        h.update([0]);
        h.update(self.git_ref.as_deref().unwrap_or("").as_bytes());
        h.update([0, u8::from(self.submodules)]);
        let hex: String = h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        root.join(hex)
    }

    /// The checkout in the cache, if a complete one is there.
    pub fn cached(&self, root: &Path) -> Option<PathBuf> {
        let d = self.cache_dir(root);
        d.join(".gitops-upgrade-complete").is_file().then_some(d)
    }

    /// Clones the repository at the ref into the cache (as kustomize does:
    /// `git init`, `git fetch --depth=1 origin <ref>`, `git checkout
    /// FETCH_HEAD`, submodules), unless a complete clone is there. The
    /// clone is made in a temporary directory and renamed into place, so a
    /// failed or interrupted fetch leaves nothing behind.
    pub fn fetch(&self, root: &Path) -> Result<PathBuf, String> {
        if let Some(d) = self.cached(root) {
            return Ok(d);
        }
        std::fs::create_dir_all(root)
            .map_err(|e| format!("cannot create the cache {}: {e}", root.display()))?;
        let tmp = tempfile::Builder::new()
            .prefix(".fetch-")
            .tempdir_in(root)
            .map_err(|e| format!("cannot create a directory in {}: {e}", root.display()))?;
        let dir = tmp.path();
        let git = |args: &[&str]| -> Result<(), String> {
            let limit = std::time::Duration::from_secs_f64(self.timeout_secs);
            crate::usergit::run_with_timeout(dir, args, limit).map_err(|e| match e {
                crate::usergit::GitCmdError::Spawn(e) => {
                    format!("cannot run git ({e}); install git")
                }
                crate::usergit::GitCmdError::TimedOut(_) => format!(
                    "git {}: {} (the URL's timeout= parameter sets the limit of each git command; 27s by default, as in kustomize)",
                    args[0],
                    e.message_or("git")
                ),
                e => format!("git {}: {}", args[0], e.message_or("git")),
            })
        };
        git(&["init", "--quiet"])?;
        git(&["remote", "add", "origin", &self.clone_url])?;
        let r = self.git_ref.as_deref().unwrap_or("HEAD");
        git(&["fetch", "--quiet", "--depth=1", "origin", r])?;
        git(&["checkout", "--quiet", "FETCH_HEAD"])?;
        if self.submodules {
            git(&["submodule", "update", "--init", "--recursive", "--quiet"])?;
        }
        std::fs::write(
            dir.join(".gitops-upgrade-complete"),
            self.clone_url.as_bytes(),
        )
        .map_err(|e| format!("cannot write in the cache: {e}"))?;
        let final_dir = self.cache_dir(root);
        let kept = tmp.keep();
        if let Err(e) = std::fs::rename(&kept, &final_dir) {
            let _ = std::fs::remove_dir_all(&kept);
            // another process may have filled it meanwhile
            if self.cached(root).is_none() {
                return Err(format!("cannot move the clone into the cache: {e}"));
            }
        }
        Ok(final_dir)
    }
}

/// Whether a resource entry is an HTTP(S) URL, which kustomize first reads
/// as a single file with a GET (before, on failure, trying it as a git
/// repository).
pub fn is_http_url(entry: &str) -> bool {
    let lower = entry.get(..8).unwrap_or(entry).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Why a GET of a file URL gave no file.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// The server answered with a status outside 200-299: the code and its
    /// reason, as Go's `http.StatusText` names it.
    Status(u16, String),
    /// No answer (the host is unknown, the connection refused, TLS...).
    Transport(String),
}

/// How long a GET may take to connect and to answer. kustomize's client
/// sets no limit; this one only keeps a dead host from hanging a render.
const HTTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Reads a file URL with a GET (redirects followed; rustls, no OpenSSL).
pub fn http_get(url: &str) -> Result<Vec<u8>, HttpError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(HTTP_TIMEOUT))
        .build()
        .into();
    let mut resp = agent
        .get(url)
        .call()
        .map_err(|e| HttpError::Transport(e.to_string()))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(HttpError::Status(
            status.as_u16(),
            status.canonical_reason().unwrap_or("").to_string(),
        ));
    }
    resp.body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .map_err(|e| HttpError::Transport(e.to_string()))
}

/// Where the body of a file URL is kept: `<cache>/files/<hash of the URL>`.
pub fn http_cache_path(root: &Path, url: &str) -> PathBuf {
    let hex: String = Sha256::digest(url.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    root.join("files").join(hex)
}

/// The cached body of a file URL, if it was fetched before.
pub fn http_cached(root: &Path, url: &str) -> Option<Vec<u8>> {
    std::fs::read(http_cache_path(root, url)).ok()
}

/// Keeps the body of a file URL in the cache (written whole or not at all).
pub fn http_store(root: &Path, url: &str, body: &[u8]) -> Result<(), String> {
    let path = http_cache_path(root, url);
    let dir = path.parent().unwrap_or(root);
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the cache {}: {e}", dir.display()))?;
    crate::fsutil::write_atomic(&path, body)
        .map_err(|e| format!("cannot write in the cache {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(e: &str) -> (String, String, Option<String>) {
        let s = parse(e).unwrap_or_else(|m| panic!("{e}: {m}"));
        (s.clone_url, s.path, s.git_ref)
    }

    #[test]
    fn github_forms() {
        let want = (
            "https://github.com/org/repo".to_string(),
            "path/to".to_string(),
            Some("v1.2.0".to_string()),
        );
        assert_eq!(p("github.com/org/repo//path/to?ref=v1.2.0"), want);
        assert_eq!(p("github.com/org/repo/path/to?ref=v1.2.0"), want);
        assert_eq!(
            p("https://github.com/org/repo/path/to?version=v1.2.0"),
            want
        );
        assert_eq!(p("gh:org/repo//path/to?ref=v1.2.0"), want);
        assert_eq!(
            p("git@github.com:org/repo.git/path/to?ref=v1.2.0").0,
            "git@github.com:org/repo.git"
        );
        assert_eq!(
            p("ssh://git@github.com/org/repo").0,
            "git@github.com:org/repo"
        );
        assert_eq!(p("https://github.com/org/repo").1, "");
    }

    #[test]
    fn other_hosts_and_markers() {
        assert_eq!(
            p("https://gitlab.example.com/group/sub/repo.git/deploy?ref=main"),
            (
                "https://gitlab.example.com/group/sub/repo.git".into(),
                "deploy".into(),
                Some("main".into())
            )
        );
        assert_eq!(
            p("ssh://git@example.com/org/repo//base"),
            ("ssh://git@example.com/org/repo".into(), "base".into(), None)
        );
        assert_eq!(
            p("git@example.com:org/repo//base"),
            ("git@example.com:org/repo".into(), "base".into(), None)
        );
        assert_eq!(
            p("https://dev.azure.com/org/project/_git/repo/path/x"),
            (
                "https://dev.azure.com/org/project/_git/repo".into(),
                "path/x".into(),
                None
            )
        );
        assert_eq!(
            p("git::https://example.com/org/repo//x"),
            ("https://example.com/org/repo".into(), "x".into(), None)
        );
    }

    #[test]
    fn file_urls() {
        assert_eq!(
            p("file:///srv/repos/base//apps/web?ref=v1"),
            (
                "file:///srv/repos/base".into(),
                "apps/web".into(),
                Some("v1".into())
            )
        );
        // without a marker the whole path is the repository
        assert_eq!(p("file:///srv/repo").1, "");
        assert_eq!(p("file:///srv/repo").0, "file:///srv/repo");
    }

    #[test]
    fn query() {
        let s = parse("github.com/o/r?version=v2&ref=v3&timeout=61&submodules=false").unwrap();
        assert_eq!(s.git_ref.as_deref(), Some("v3"));
        assert_eq!(s.timeout_secs, 61.0);
        assert!(!s.submodules);
        let s = parse("github.com/o/r?timeout=1m30s&submodules=maybe").unwrap();
        assert_eq!(s.timeout_secs, 90.0);
        assert!(s.submodules);
        let s = parse("github.com/o/r?timeout=-3").unwrap();
        assert_eq!(s.timeout_secs, DEFAULT_TIMEOUT);
        assert_eq!(
            parse("github.com/o/r?ref=a%2Fb")
                .unwrap()
                .git_ref
                .as_deref(),
            Some("a/b")
        );
    }

    #[test]
    fn refused() {
        assert!(parse("/abs/path").is_err());
        assert!(parse("github.com/o/r//../x").is_err());
        assert!(parse("example.com/o/r").is_err());
        assert!(parse("https://example.com").is_err());
    }

    #[test]
    fn cache_dirs_differ_by_ref() {
        let a = parse("github.com/o/r?ref=v1").unwrap();
        let b = parse("github.com/o/r?ref=v2").unwrap();
        let root = Path::new("/c");
        assert_ne!(a.cache_dir(root), b.cache_dir(root));
        assert_eq!(
            a.cache_dir(root),
            parse("github.com/o/r//x?ref=v1").unwrap().cache_dir(root)
        );
    }
}
