//! The binary's behaviour as a user meets it: global `-C`, `render -o`,
//! one-line errors naming the file, exit codes.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn simple_tree(dir: &Path) {
    write(
        dir,
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\nnamePrefix: p-\n",
    );
    write(
        dir,
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"yes\"\n",
    );
}

const EXPECTED: &str =
    "apiVersion: v1\ndata:\n  a: \"yes\"\nkind: ConfigMap\nmetadata:\n  name: p-cfg\n";

fn stderr_lines(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn render_with_chdir_prints_the_build() {
    let t = tempfile::tempdir().unwrap();
    simple_tree(t.path());
    let o = bin()
        .arg("-C")
        .arg(t.path())
        .args(["render", "app"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), EXPECTED);
}

#[test]
fn render_output_file_is_written_whole() {
    let t = tempfile::tempdir().unwrap();
    simple_tree(t.path());
    let out = t.path().join("out.yaml");
    let o = bin()
        .current_dir(t.path())
        .args(["render", "app", "-o", "out.yaml"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(o.stdout.is_empty());
    assert_eq!(fs::read_to_string(&out).unwrap(), EXPECTED);
}

#[test]
fn failed_render_leaves_the_output_file_untouched() {
    let t = tempfile::tempdir().unwrap();
    simple_tree(t.path());
    write(
        t.path(),
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n",
    );
    fs::write(t.path().join("out.yaml"), "previous\n").unwrap();
    let o = bin()
        .current_dir(t.path())
        .args(["render", "app", "-o", "out.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        fs::read_to_string(t.path().join("out.yaml")).unwrap(),
        "previous\n"
    );
    // no temporary files left behind
    let names: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn malformed_yaml_gives_one_line_with_file_line_and_column() {
    let t = tempfile::tempdir().unwrap();
    simple_tree(t.path());
    write(
        t.path(),
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n",
    );
    let o = bin()
        .current_dir(t.path())
        .args(["render", "app"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let lines = stderr_lines(&o);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("error: app/cm.yaml:5:1: "),
        "{}",
        lines[0]
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn missing_kind_names_the_document() {
    let t = tempfile::tempdir().unwrap();
    simple_tree(t.path());
    write(
        t.path(),
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nmetadata:\n  name: b\n",
    );
    let o = bin()
        .current_dir(t.path())
        .args(["render", "app"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr_lines(&o),
        ["error: app/cm.yaml:6:1: missing kind in object"]
    );
}

#[test]
fn file_outside_the_root_is_refused_naming_the_kustomization() {
    let t = tempfile::tempdir().unwrap();
    simple_tree(t.path());
    write(
        t.path(),
        "other.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: o\n",
    );
    write(
        t.path(),
        "app/kustomization.yaml",
        "resources:\n- ../other.yaml\n",
    );
    let o = bin()
        .current_dir(t.path())
        .args(["render", "app"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let lines = stderr_lines(&o);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with(
            "error: app/kustomization.yaml: file '../other.yaml' is outside the kustomization root"
        ),
        "{}",
        lines[0]
    );
}

#[test]
fn remote_resources_are_named_and_not_fetched() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "app/kustomization.yaml",
        "resources:\n- https://github.com/example/repo//deploy?ref=v1\n",
    );
    let o = bin()
        .current_dir(t.path())
        .env("XDG_CACHE_HOME", t.path().join("cache"))
        .args(["render", "--offline", "app"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let l = stderr_lines(&o).join("\n");
    assert!(
        l.contains("remote resource 'https://github.com/example/repo//deploy?ref=v1'")
            && l.contains("not in the cache"),
        "{l}"
    );
    assert!(!t.path().join("cache").exists(), "nothing fetched");
}

#[test]
fn cycles_between_kustomizations_are_reported() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "a/kustomization.yaml", "resources:\n- ../b\n");
    write(t.path(), "b/kustomization.yaml", "resources:\n- ../a\n");
    let o = bin()
        .current_dir(t.path())
        .args(["render", "a"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let l = stderr_lines(&o);
    assert_eq!(l.len(), 1);
    assert!(
        l[0].contains("cycle detected between kustomizations: a -> b -> a"),
        "{}",
        l[0]
    );
}

#[test]
fn usage_errors_exit_2_and_help_teaches() {
    let o = bin().args(["render", "--no-such-flag"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let h = bin().args(["render", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&h.stdout);
    assert!(help.contains("kubectl kustomize"), "{help}");
    assert!(help.contains("Examples:"), "{help}");
}

#[test]
fn a_reader_that_went_away_is_not_a_crash() {
    // `gitops-upgrade status --output json | head -1`: the pipe's reading
    // end is closed before the tool writes.
    let t = tempfile::tempdir().unwrap();
    let ok = Command::new("git")
        .args(["init", "-q"])
        .current_dir(t.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = bin()
        .current_dir(t.path())
        .args(["status", "--output", "json"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(141), "{err}");
}
