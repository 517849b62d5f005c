//! The pre-commit hook end to end: `gitops-upgrade hook install` in a real
//! repository, then `git commit` refused for a bad change and accepted
//! for a good one; install/uninstall refusing foreign hooks, `--force`,
//! `core.hooksPath`, and the binary found on PATH when the installed path
//! is gone.

mod common;

use common::isolate;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

struct Repo {
    tmp: tempfile::TempDir,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn bin_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_gitops-upgrade"))
}

const BASE: &str = "apiVersion: aerospike.travelaudience.com/v1alpha2
kind: AerospikeCluster
metadata:
  name: as-cluster-0
spec:
  version: \"4.2.0.3\"
  nodeCount: 2
  namespaces:
  - name: as-namespace-0
    replicationFactor: 2
";

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        std::fs::create_dir_all(tmp.path().join("repo")).unwrap();
        let r = Repo { tmp };
        r.git_ok(&["init", "-q", "-b", "main"]);
        r.git_ok(&["config", "commit.gpgsign", "false"]);
        r.write("base/kustomization.yaml", "resources:\n- cluster.yaml\n")
            .write("base/cluster.yaml", BASE)
            .write(
                "prod/kustomization.yaml",
                "namespace: prod\nresources:\n- ../base\npatches:\n- path: cluster.yaml\n",
            )
            .write(
                "prod/cluster.yaml",
                "apiVersion: aerospike.travelaudience.com/v1alpha2\nkind: AerospikeCluster\nmetadata:\n  name: as-cluster-0\nspec:\n  nodeCount: 2\n",
            );
        r.git_ok(&["add", "-A"]);
        r.git_ok(&["commit", "-q", "-m", "init"]);
        r
    }
    fn path(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }
    fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }
    fn write(&self, rel: &str, text: &str) -> &Repo {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }
    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }
    fn cmd(&self, program: &Path, args: &[&str], path_env: Option<&str>) -> Out {
        let mut c = Command::new(program);
        c.current_dir(self.path()).args(args);
        isolate(&mut c, &self.home());
        if let Some(p) = path_env {
            c.env("PATH", p);
        }
        let o = common::run_with_timeout(&mut c, Duration::from_secs(120));
        assert!(!o.timed_out, "timed out: {args:?}");
        Out {
            code: o.status.and_then(|s| s.code()).unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: o.stderr_str(),
        }
    }
    fn git(&self, args: &[&str]) -> Out {
        self.cmd(Path::new("git"), args, None)
    }
    fn git_ok(&self, args: &[&str]) -> String {
        let o = self.git(args);
        assert_eq!(o.code, 0, "git {args:?}: {}", o.stderr);
        o.stdout
    }
    fn tool(&self, args: &[&str]) -> Out {
        self.cmd(&bin_path(), args, None)
    }
    fn head(&self) -> String {
        self.git_ok(&["rev-parse", "HEAD"]).trim().to_string()
    }
    fn hook(&self) -> PathBuf {
        self.path().join(".git/hooks/pre-commit")
    }
    /// Stages a change of the prod overlay's patch.
    fn patch(&self, spec: &str) {
        self.write(
            "prod/cluster.yaml",
            &format!("apiVersion: aerospike.travelaudience.com/v1alpha2\nkind: AerospikeCluster\nmetadata:\n  name: as-cluster-0\nspec:\n{spec}"),
        );
        self.git_ok(&["add", "-A"]);
    }
}

#[test]
fn the_hook_refuses_a_bad_commit_and_lets_a_good_one_through() {
    let r = Repo::new();
    let o = r.tool(&["hook", "install"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.starts_with("Installed .git/hooks/pre-commit"),
        "{}",
        o.stdout
    );
    let mode = std::fs::metadata(r.hook()).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "the hook is executable");
    assert!(r
        .read(".git/hooks/pre-commit")
        .contains("# gitops-upgrade-hook: v1"));

    // an upgrade without a backup, together with a scale-up: refused
    let before = r.head();
    r.patch("  nodeCount: 3\n  version: \"4.2.0.4\"\n");
    let o = r.git(&["commit", "-q", "-m", "upgrade and scale"]);
    assert_ne!(o.code, 0, "the commit went through:\n{}", o.stderr);
    assert!(
        o.stdout
            .contains("prod/cluster.yaml:7:12: aerospike/backup-before-upgrade")
            || o.stderr
                .contains("prod/cluster.yaml:7:12: aerospike/backup-before-upgrade"),
        "{}{}",
        o.stdout,
        o.stderr
    );
    assert!(
        o.stderr.contains("commit refused by the pre-commit check"),
        "{}",
        o.stderr
    );
    assert_eq!(r.head(), before);

    // a YAML syntax error: refused
    r.patch("  nodeCount: [3\n");
    assert_ne!(r.git(&["commit", "-q", "-m", "broken"]).code, 0);
    assert_eq!(r.head(), before);

    // scaling alone is fine
    r.patch("  nodeCount: 3\n");
    let o = r.git(&["commit", "-q", "-m", "scale"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_ne!(r.head(), before);

    // then an upgrade with a backup configured
    r.write(
        "base/cluster.yaml",
        &format!("{BASE}  backupSpec:\n    storage:\n      type: gcs\n      bucket: b\n      secret: s\n"),
    );
    r.git_ok(&["add", "-A"]);
    assert_eq!(r.git(&["commit", "-q", "-m", "backups"]).code, 0);
    r.patch("  nodeCount: 3\n  version: \"4.2.0.4\"\n");
    let o = r.git(&["commit", "-q", "-m", "upgrade"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

#[test]
fn commit_all_checks_the_index_git_prepares() {
    // `git commit -a` hands the hook a temporary index (GIT_INDEX_FILE)
    let r = Repo::new();
    assert_eq!(r.tool(&["hook", "install"]).code, 0);
    let before = r.head();
    r.write(
        "base/cluster.yaml",
        &BASE.replace("nodeCount: 2", "nodeCount: [2"),
    );
    let o = r.git(&["commit", "-q", "-a", "-m", "broken, not staged"]);
    assert_ne!(o.code, 0, "{}", o.stderr);
    assert_eq!(r.head(), before);
    // and unstaged breakage is not the commit's business
    r.write(
        "prod/cluster.yaml",
        &r.read("prod/cluster.yaml")
            .replace("nodeCount: 2", "nodeCount: 4"),
    );
    r.git_ok(&["add", "prod/cluster.yaml"]);
    let o = r.git(&["commit", "-q", "-m", "scale"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn a_foreign_hook_is_kept_unless_forced_and_put_back_on_uninstall() {
    let r = Repo::new();
    let foreign = "#!/bin/sh\necho foreign hook\nexit 0\n";
    std::fs::create_dir_all(r.hook().parent().unwrap()).unwrap();
    std::fs::write(r.hook(), foreign).unwrap();
    std::fs::set_permissions(r.hook(), std::fs::Permissions::from_mode(0o755)).unwrap();

    let o = r.tool(&["hook", "install"]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("was not written by gitops-upgrade"),
        "{}",
        o.stderr
    );
    assert_eq!(r.read(".git/hooks/pre-commit"), foreign);
    // uninstall leaves it alone too
    let o = r.tool(&["hook", "uninstall"]);
    assert_eq!(o.code, 1);
    assert_eq!(r.read(".git/hooks/pre-commit"), foreign);

    // --dry-run says and does nothing
    let o = r.tool(&["hook", "install", "--force", "--dry-run"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("Would install"), "{}", o.stdout);
    assert_eq!(r.read(".git/hooks/pre-commit"), foreign);

    let o = r.tool(&["hook", "install", "--force"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("kept as .git/hooks/pre-commit.backup"),
        "{}",
        o.stdout
    );
    assert_eq!(r.read(".git/hooks/pre-commit.backup"), foreign);
    assert!(r
        .read(".git/hooks/pre-commit")
        .contains("gitops-upgrade-hook"));

    // installing again updates our own hook and keeps the backup note
    let o = r.tool(&["hook", "install"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.starts_with("Updated"), "{}", o.stdout);

    let o = r.tool(&["hook", "uninstall"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("put back the previous hook"),
        "{}",
        o.stdout
    );
    assert_eq!(r.read(".git/hooks/pre-commit"), foreign);
    assert!(!r.path().join(".git/hooks/pre-commit.backup").exists());
}

#[test]
fn uninstall_removes_only_its_own_hook() {
    let r = Repo::new();
    let o = r.tool(&["hook", "uninstall"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("nothing to do"), "{}", o.stdout);
    assert_eq!(r.tool(&["hook", "install"]).code, 0);
    assert_eq!(r.tool(&["hook", "uninstall", "--dry-run"]).code, 0);
    assert!(r.hook().exists());
    let o = r.tool(&["hook", "uninstall"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.starts_with("Removed"), "{}", o.stdout);
    assert!(!r.hook().exists());
    // commits are no longer checked
    r.patch("  nodeCount: [3\n");
    assert_eq!(r.git(&["commit", "-q", "-m", "unchecked"]).code, 0);
}

#[test]
fn core_hooks_path_is_honoured() {
    let r = Repo::new();
    r.git_ok(&["config", "core.hooksPath", "githooks"]);
    let o = r.tool(&["hook", "install"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.starts_with("Installed githooks/pre-commit"),
        "{}",
        o.stdout
    );
    assert!(r.path().join("githooks/pre-commit").is_file());
    assert!(!r.hook().exists());
    r.patch("  nodeCount: [3\n");
    assert_ne!(r.git(&["commit", "-q", "-m", "broken"]).code, 0);
}

#[test]
fn the_hook_falls_back_to_the_binary_on_path() {
    let r = Repo::new();
    // installed from a copy that is then removed
    let copy_dir = r.tmp.path().join("old-bin");
    std::fs::create_dir_all(&copy_dir).unwrap();
    let copy = copy_dir.join("gitops-upgrade");
    std::fs::copy(bin_path(), &copy).unwrap();
    let o = r.tool(&["hook", "install", "--binary", copy.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    std::fs::remove_file(&copy).unwrap();

    r.patch("  nodeCount: [3\n");
    // not on PATH either: the commit is refused with a way out
    let o = r.cmd(
        Path::new("git"),
        &["commit", "-q", "-m", "x"],
        Some("/usr/bin:/bin"),
    );
    assert_ne!(o.code, 0);
    assert!(
        o.stderr
            .contains(&format!("is not at {} nor on PATH", copy.display()))
            && o.stderr.contains("hook uninstall"),
        "{}",
        o.stderr
    );
    // on PATH: found and run
    let on_path = r.tmp.path().join("bin");
    std::fs::create_dir_all(&on_path).unwrap();
    std::os::unix::fs::symlink(bin_path(), on_path.join("gitops-upgrade")).unwrap();
    let path = format!("{}:/usr/bin:/bin", on_path.display());
    let o = r.cmd(Path::new("git"), &["commit", "-q", "-m", "x"], Some(&path));
    assert_ne!(o.code, 0);
    assert!(
        o.stdout.contains("yaml/syntax") || o.stderr.contains("yaml/syntax"),
        "{}{}",
        o.stdout,
        o.stderr
    );
    r.patch("  nodeCount: 3\n");
    let o = r.cmd(Path::new("git"), &["commit", "-q", "-m", "x"], Some(&path));
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn the_pre_commit_framework_hook_definition() {
    let text = std::fs::read_to_string(common::crate_dir().join(".pre-commit-hooks.yaml")).unwrap();
    let v = gitops_upgrade::yaml::parse_one(&text).unwrap();
    let hooks = v.as_seq().expect("a list of hooks");
    let h = hooks
        .iter()
        .find(|h| h.str_at(&["id"]) == Some("gitops-upgrade-check"))
        .expect("the gitops-upgrade-check hook");
    assert_eq!(h.str_at(&["language"]), Some("rust"));
    assert!(h
        .str_at(&["entry"])
        .unwrap()
        .starts_with("gitops-upgrade check"));
    let files = regex::Regex::new(h.str_at(&["files"]).unwrap()).unwrap();
    for (p, yes) in [
        ("overlays/prod/kustomization.yaml", true),
        ("a.yml", true),
        ("base/Kustomization", true),
        ("settings.env", true),
        ("README.md", false),
        ("src/main.rs", false),
    ] {
        assert_eq!(files.is_match(p), yes, "{p}");
    }
    // what it runs works as pre-commit calls it: staged file names
    let r = Repo::new();
    r.patch("  nodeCount: [3\n");
    let mut args: Vec<&str> = h.str_at(&["entry"]).unwrap().split(' ').skip(1).collect();
    args.push("prod/cluster.yaml");
    assert_eq!(r.tool(&args).code, 1);
}
