//! The documentation cannot drift: every example in README.md and docs/
//! that shows a command's output is run here, and its output compared with
//! what the binary really prints.
//!
//! An example is a ```` ```console ```` block right after a marker line:
//!
//! ```text
//! <!-- example: SCENARIO [exit=N] -->
//! ```
//!
//! Lines starting with `$ ` are commands, run one after the other with
//! `sh -c` in a fresh directory prepared for SCENARIO, with the built
//! `gitops-upgrade` first on `PATH`; the lines after a command are its
//! output (standard output, then standard error). A line `...` stands for
//! any number of lines, so that a long output can be shown in part. Every
//! command must exit 0, except the last one when `exit=N` is given, and a
//! command that ends in the shell comment `# exits N`.
//!
//! What changes from run to run is normalized on both sides: commit ids
//! (12 or 40 hexadecimal digits) read `<sha>`, backup time stamps
//! `<stamp>`, durations `<n> ms`, the scenario's directory `<dir>`, and the
//! demo's temporary directory `/tmp/gitops-upgrade-demo-XXXXXX`.
//!
//! Scenarios:
//! - `empty`: an empty directory;
//! - `examples`: a copy of `overlays-examples/` (the bundled Rok-like tree);
//! - `fixture:NAME`: a copy of `fixtures/kustomize/NAME`;
//! - `demo-site`: the demo's repositories, kept (`demo --keep`): the
//!   user's clone of the vendor's repository with the site's commit and the
//!   plan, the vendor's 0.15 release fetched; the commands run in the clone;
//! - `merge-example`: the issue-11 history of one overlay file (the base
//!   with `nodeCount: 3`; on `upstream` the vendor's `nodeCount: 5` and a new
//!   `redis` block; on `main` the user's `nodeCount: 7`);
//! - `diff-roots`: a repository with three roots (`app` and `other` over
//!   a shared `base`, and `broken`) and a component nobody includes,
//!   committed; then, in the working tree, the base's ConfigMap changed and
//!   `broken` naming a file that does not exist;
//! - `remote-base`: a vendor's git repository in `vendor/` (tag `v1.0.0`
//!   holds `deploy/base`, a ConfigMap `vendor-settings`) and `overlay/`,
//!   whose kustomization names it as `file://<dir>/vendor//deploy/base?ref=v1.0.0`
//!   with `namePrefix: prod-`;
//! - `apiserver-storage`: a real `kube-apiserver` and `etcd` (as in
//!   `tests/apply_apiserver.rs`, their kubeconfig in `envtest.kubeconfig`,
//!   the reference kubectl on `PATH` as `kubectl`) running what an earlier
//!   commit applied (a StorageClass `fast`, ConfigMaps `settings` and
//!   `legacy`); the commit at HEAD changes the StorageClass's `parameters`
//!   and the ConfigMap's data, and drops `legacy` from the kustomization.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

// `control_plane` reads these from the test crate's root.
use common::kubectl;

mod common;
#[path = "common/control_plane.rs"]
mod control_plane;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Debug)]
struct Example {
    file: String,
    line: usize,
    scenario: String,
    exit: i32,
    /// (command, expected output lines)
    steps: Vec<(String, Vec<String>)>,
}

fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![crate_dir().join("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(crate_dir().join("docs"))
        .expect("docs/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn parse_examples(file: &Path) -> Vec<Example> {
    let text = fs::read_to_string(file).unwrap();
    let rel = file
        .strip_prefix(crate_dir())
        .unwrap()
        .display()
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(spec) = lines[i]
            .trim()
            .strip_prefix("<!-- example:")
            .and_then(|s| s.strip_suffix("-->"))
        else {
            i += 1;
            continue;
        };
        let mut words = spec.split_whitespace();
        let scenario = words
            .next()
            .unwrap_or_else(|| panic!("{rel}:{}: example marker without scenario", i + 1))
            .to_string();
        let mut exit = 0;
        for w in words {
            match w.strip_prefix("exit=") {
                Some(n) => exit = n.parse().expect("exit=N"),
                None => panic!("{rel}:{}: unknown example option {w}", i + 1),
            }
        }
        assert_eq!(
            lines.get(i + 1).map(|l| l.trim()),
            Some("```console"),
            "{rel}:{}: an example marker must be followed by a ```console block",
            i + 1
        );
        let start = i + 1;
        let mut steps: Vec<(String, Vec<String>)> = Vec::new();
        let mut j = i + 2;
        while j < lines.len() && lines[j].trim_end() != "```" {
            let l = lines[j];
            if let Some(cmd) = l.strip_prefix("$ ") {
                steps.push((cmd.to_string(), Vec::new()));
            } else {
                let step = steps
                    .last_mut()
                    .unwrap_or_else(|| panic!("{rel}:{}: output before the first command", j + 1));
                step.1.push(l.to_string());
            }
            j += 1;
        }
        assert!(
            j < lines.len(),
            "{rel}:{}: unclosed console block",
            start + 1
        );
        assert!(
            !steps.is_empty(),
            "{rel}:{}: example without a command",
            start + 1
        );
        out.push(Example {
            file: rel.clone(),
            line: start + 1,
            scenario,
            exit,
            steps,
        });
        i = j + 1;
    }
    out
}

/// Prepares the scenario in `dir`; returns the directory the commands run
/// in, and the control plane it runs against, if any (stopped on drop).
fn prepare(
    scenario: &str,
    dir: &Path,
    home: &Path,
    bin_dir: &Path,
) -> (PathBuf, Option<control_plane::ControlPlane>) {
    if scenario == "apiserver-storage" {
        return (
            dir.to_path_buf(),
            Some(apiserver_storage(dir, home, bin_dir)),
        );
    }
    (prepare_files(scenario, dir, home), None)
}

fn prepare_files(scenario: &str, dir: &Path, home: &Path) -> PathBuf {
    match scenario {
        "demo-site" => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
            c.args(["demo", "--keep"])
                .current_dir(dir)
                .env("TMPDIR", dir);
            common::isolate(&mut c, home);
            let o = c.output().unwrap();
            assert!(o.status.success(), "demo --keep failed");
            let out = String::from_utf8_lossy(&o.stdout);
            let kept = out
                .lines()
                .find_map(|l| l.strip_prefix("The demo repository is kept in "))
                .and_then(|l| l.strip_suffix('.'))
                .expect("demo --keep says where the repository is");
            return PathBuf::from(kept);
        }
        "merge-example" => {
            merge_example(dir, home);
        }
        "diff-roots" => {
            diff_roots(dir, home);
        }
        "remote-base" => {
            remote_base(dir, home);
        }
        "empty" => {}
        "examples" => common::copy_tree(&crate_dir().join("overlays-examples"), dir),
        s => match s.strip_prefix("fixture:") {
            Some(name) => {
                common::copy_tree(&crate_dir().join("fixtures/kustomize").join(name), dir)
            }
            None => panic!("unknown example scenario {s}"),
        },
    }
    dir.to_path_buf()
}

/// `apiserver-storage` (see the module's documentation).
fn apiserver_storage(dir: &Path, home: &Path, bin_dir: &Path) -> control_plane::ControlPlane {
    let cp = control_plane::ControlPlane::start();
    fs::copy(&cp.kubeconfig, dir.join("envtest.kubeconfig")).unwrap();
    let kubectl_link = bin_dir.join("kubectl");
    if !kubectl_link.exists() {
        std::os::unix::fs::symlink(kubectl(), &kubectl_link).unwrap();
    }
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    let git = |args: &[&str]| {
        let mut c = Command::new("git");
        c.args(args).current_dir(dir);
        common::isolate(&mut c, home);
        assert!(c.status().unwrap().success(), "git {args:?}");
    };
    let sc = |kind: &str| {
        format!(
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\nprovisioner: example.com/disk\nparameters:\n  type: {kind}\n"
        )
    };
    let cm = |name: &str, v: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\ndata:\n  v: \"{v}\"\n")
    };
    write(".gitignore", "envtest.kubeconfig\n");
    write(
        "gitops-upgrade.yaml",
        "components:\n  - name: storage\n    path: storage\n",
    );
    write(
        "storage/kustomization.yaml",
        "resources:\n- sc.yaml\n- settings.yaml\n- legacy.yaml\n",
    );
    write("storage/sc.yaml", &sc("ssd"));
    write("storage/settings.yaml", &cm("settings", "1"));
    write("storage/legacy.yaml", &cm("legacy", "1"));
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "storage v1"]);
    let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
    c.args(["apply", "--yes", "--kubeconfig", "envtest.kubeconfig"])
        .arg("--kubectl")
        .arg(kubectl())
        .current_dir(dir);
    common::isolate(&mut c, home);
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    write("storage/sc.yaml", &sc("nvme"));
    write("storage/settings.yaml", &cm("settings", "2"));
    write(
        "storage/kustomization.yaml",
        "resources:\n- sc.yaml\n- settings.yaml\n",
    );
    git(&["rm", "-q", "storage/legacy.yaml"]);
    git(&["commit", "-qam", "storage v2"]);
    cp
}

/// The repositories of `remote-base` (see the module's documentation).
fn remote_base(dir: &Path, home: &Path) {
    let vendor = dir.join("vendor");
    let write = |rel: &Path, text: &str| {
        fs::create_dir_all(rel.parent().unwrap()).unwrap();
        fs::write(rel, text).unwrap();
    };
    write(
        &vendor.join("deploy/base/kustomization.yaml"),
        "resources:\n- cm.yaml\n",
    );
    write(
        &vendor.join("deploy/base/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vendor-settings\ndata:\n  mode: v1\n",
    );
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &["commit", "-qm", "vendor v1.0.0"],
        &["tag", "v1.0.0"],
    ] {
        let mut c = Command::new("git");
        c.args(args).current_dir(&vendor);
        common::isolate(&mut c, home);
        assert!(c.status().unwrap().success());
    }
    write(
        &dir.join("overlay/kustomization.yaml"),
        &format!(
            "namePrefix: prod-\nresources:\n- file://{}//deploy/base?ref=v1.0.0\n",
            vendor.display()
        ),
    );
}

/// The repository of `diff-roots` (see the module's documentation).
fn diff_roots(dir: &Path, home: &Path) {
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    let cm = |v: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"{v}\"\n")
    };
    write("base/kustomization.yaml", "resources:\n- res.yaml\n");
    write("base/res.yaml", &cm("1"));
    write("app/kustomization.yaml", "resources:\n- ../base\n");
    write(
        "other/kustomization.yaml",
        "namePrefix: o-\nresources:\n- ../base\n",
    );
    write("broken/kustomization.yaml", "resources:\n- ../base\n");
    write(
        "comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- target:\n    kind: Deployment\n  patch: |-\n    - op: add\n      path: /metadata/labels/x\n      value: y\n",
    );
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &["commit", "-qm", "three roots and a component"],
    ] {
        let mut c = Command::new("git");
        c.args(args).current_dir(dir);
        common::isolate(&mut c, home);
        assert!(c.status().unwrap().success());
    }
    write("base/res.yaml", &cm("2"));
    write(
        "broken/kustomization.yaml",
        "resources:\n- ../base\n- missing.yaml\n",
    );
}

/// The history of `merge-example` (see the module's documentation).
fn merge_example(dir: &Path, home: &Path) {
    let git = |args: &[&str]| {
        let mut c = Command::new("git");
        c.args(args).current_dir(dir);
        common::isolate(&mut c, home);
        let o = c.output().unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let file = dir.join("overlays/deploy/cluster.yaml");
    let head = "apiVersion: example.com/v1\nkind: Cluster\nmetadata:\n  name: demo\nspec:\n  configVars: \"a=1;\"\n";
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    git(&["init", "-q", "-b", "main"]);
    fs::write(&file, format!("{head}  nodeCount: 3\n")).unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-qm", "vendor 1.0"]);
    git(&["checkout", "-q", "-b", "upstream"]);
    fs::write(
        &file,
        format!("{head}  nodeCount: 5\n  redis:\n    endpoint: redis.example:6379\n"),
    )
    .unwrap();
    git(&["commit", "-qam", "vendor 1.1: redis is required"]);
    git(&["checkout", "-q", "main"]);
    fs::write(
        &file,
        format!("{head}  nodeCount: 7 # sized for our load\n"),
    )
    .unwrap();
    git(&["commit", "-qam", "more nodes"]);
}

fn normalize(text: &str, dir: &Path) -> Vec<String> {
    let sha = regex::Regex::new(r"\b(?:[0-9a-f]{40}|[0-9a-f]{12})\b").unwrap();
    let stamp = regex::Regex::new(r"\b\d{8}T\d{6}Z\b").unwrap();
    let demo = regex::Regex::new(r"gitops-upgrade-demo-[A-Za-z0-9]{6}").unwrap();
    let millis = regex::Regex::new(r"\b\d+ ms\b").unwrap();
    let dir_s = dir.display().to_string();
    text.lines()
        .map(|l| {
            let l = l.replace(&dir_s, "<dir>");
            let l = sha.replace_all(&l, "<sha>");
            let l = stamp.replace_all(&l, "<stamp>");
            let l = demo.replace_all(&l, "gitops-upgrade-demo-XXXXXX");
            let l = millis.replace_all(&l, "<n> ms");
            l.trim_end().to_string()
        })
        .collect()
}

/// Whether `actual` matches `expected`, where a `...` line in `expected`
/// matches any run of lines (backtracking, as doctest's ELLIPSIS).
fn matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|k| matches(rest, &actual[k..]))
        }
        Some((first, rest)) => actual.first() == Some(first) && matches(rest, &actual[1..]),
    }
}

fn run_example(ex: &Example, bin_dir: &Path) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (cwd, _control_plane) = prepare(&ex.scenario, &dir, home.path(), bin_dir);
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let last = ex.steps.len() - 1;
    for (k, (cmd, expected)) in ex.steps.iter().enumerate() {
        let mut c = Command::new("sh");
        c.arg("-c").arg(cmd).current_dir(&cwd).env("PATH", &path);
        common::isolate(&mut c, home.path());
        c.env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env("XDG_CACHE_HOME", home.path().join(".cache"));
        let o = c.output().unwrap();
        let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&o.stderr));
        let want_exit = match cmd.rsplit_once("# exits ") {
            Some((_, n)) => n
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse().ok())
                .expect("# exits N"),
            None if k == last => ex.exit,
            None => 0,
        };
        let got_exit = o.status.code().unwrap_or(-1);
        let actual = normalize(&text, &cwd);
        let expected = normalize(&expected.join("\n"), &cwd);
        if got_exit != want_exit || !matches(&expected, &actual) {
            return Err(format!(
                "{}:{}: `{cmd}` (exit {got_exit}, documented {want_exit}) printed, normalized:\n{}\n",
                ex.file,
                ex.line,
                actual.join("\n")
            ));
        }
    }
    Ok(())
}

#[test]
fn every_documented_example_prints_what_the_docs_show() {
    let bin_dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_gitops-upgrade"),
        bin_dir.path().join("gitops-upgrade"),
    )
    .unwrap();
    let examples: Vec<Example> = doc_files().iter().flat_map(|f| parse_examples(f)).collect();
    // The front page's tour and at least one example per manual page that
    // shows output are runnable; an empty list would make this test vacuous.
    assert!(
        examples.iter().any(|e| e.file == "README.md"),
        "README.md has no runnable example"
    );
    let failures: Vec<String> = examples
        .iter()
        .filter_map(|ex| run_example(ex, bin_dir.path()).err())
        .collect();
    eprintln!(
        "{} documented example(s) run, {} differ",
        examples.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ellipsis_matching() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert!(matches(&s(&["a", "...", "d"]), &s(&["a", "b", "c", "d"])));
    assert!(matches(&s(&["a", "...", "d"]), &s(&["a", "d"])));
    assert!(!matches(&s(&["a", "...", "d"]), &s(&["a", "b"])));
    assert!(!matches(&s(&["a", "b"]), &s(&["a", "b", "c"])));
    assert!(matches(&s(&["...", "c"]), &s(&["a", "b", "c"])));
}
