//! `apply`, `status`, `init`, `upgrade` and `demo`, driven through the
//! binary on real git repositories, against the test stand-in for kubectl
//! (`tests/support/fake-kubectl`: objects kept in a directory, kubectl's
//! immutable-field errors, simulated readiness). Every call the tool makes
//! is logged by the stand-in, so order, deletes and retries are checked on
//! the cluster side, not from the tool's own output.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{copy_tree, crate_dir, git};
use serde_json::Value as Json;

const PLAN: &str = common::ROK_EXAMPLE_PLAN;

/// A repository holding the example tree (v0.14) and the plan, and an
/// empty fake cluster.
struct Site {
    _t: tempfile::TempDir,
    repo: PathBuf,
    cluster: PathBuf,
}

impl Site {
    fn new() -> Site {
        Site::with_plan(PLAN)
    }

    fn with_plan(plan: &str) -> Site {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("site");
        let cluster = t.path().join("cluster");
        fs::create_dir_all(&repo).unwrap();
        fs::create_dir_all(&cluster).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        copy_tree(&crate_dir().join("overlays-examples/rok"), &repo);
        fs::write(repo.join("gitops-upgrade.yaml"), plan).unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-qm", "rok 0.14 and the plan"]);
        Site {
            _t: t,
            repo,
            cluster,
        }
    }

    fn fake() -> PathBuf {
        crate_dir().join("tests/support/fake-kubectl")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
        c.current_dir(&self.repo)
            .args(args)
            .env("HOME", &self.repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("FAKE_KUBECTL_STATE", &self.cluster)
            .stdin(Stdio::null());
        c
    }

    /// `apply` with the stand-in kubectl and a fast poll.
    fn apply(&self, extra: &[&str]) -> Output {
        let fake = Site::fake();
        let mut args = vec![
            "apply",
            "--kubectl",
            fake.to_str().unwrap(),
            "--poll-interval",
            "50ms",
        ];
        args.extend_from_slice(extra);
        self.cmd(&args).output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn behave(&self, j: Json) {
        fs::write(self.cluster.join("behaviour.json"), j.to_string()).unwrap();
    }

    /// The stand-in's log of calls, as argument lists.
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

    /// The objects each `apply` call sent, in call order (`Kind/name`).
    fn applied(&self) -> Vec<Vec<String>> {
        let Ok(text) = fs::read_to_string(self.cluster.join("calls.jsonl")) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|l| {
                let j: Json = serde_json::from_str(l).unwrap();
                j.get("objects")
                    .and_then(Json::as_array)
                    .map(|a| a.iter().map(|o| o.as_str().unwrap().to_string()).collect())
            })
            .collect()
    }

    fn status_json(&self) -> Json {
        let o = self.run(&["status", "--output", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    }

    fn commit_all(&self, msg: &str) {
        git(&self.repo, &["add", "-A"]);
        git(&self.repo, &["commit", "-qm", msg]);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn statuses(j: &Json) -> Vec<(String, String)> {
    j["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(list: &[String], what: &str) -> bool {
    list.iter().any(|x| x == what)
}

/// Whether a call is `kubectl apply --dry-run=server`.
fn is_dry_run(call: &[String]) -> bool {
    call.iter().any(|a| a == "--dry-run=server")
}

/// Index of the first call whose arguments contain all of `words`.
fn call_index(calls: &[Vec<String>], words: &[&str]) -> Option<usize> {
    calls
        .iter()
        .position(|c| words.iter().all(|w| c.iter().any(|a| a == w)))
}

#[test]
fn applies_the_components_in_the_plan_order_and_records_them() {
    let s = Site::new();
    s.behave(serde_json::json!({"status": {"RokCluster/rok/rok": {"health": "OK"}}}));
    let o = s.apply(&["--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let applied = s.applied();
    assert_eq!(applied.len(), 4, "{applied:?}");
    assert!(
        has(&applied[0], "DaemonSet/rok-disk-manager"),
        "{applied:?}"
    );
    assert!(has(&applied[1], "DaemonSet/rok-kmod"), "{applied:?}");
    assert!(has(&applied[2], "StatefulSet/rok-operator"), "{applied:?}");
    assert!(has(&applied[3], "RokCluster/rok"), "{applied:?}");
    let j = s.status_json();
    assert!(statuses(&j).iter().all(|(_, st)| st == "done"), "{j}");
    assert!(j["finished"].is_string());
    // the progress table, printed as components complete
    let out = stdout(&o);
    assert!(out.contains("COMPONENT"), "{out}");
    assert!(out.contains("rok-disk-manager  0.14  0.15  yes"), "{out}");
    let st = stdout(&s.run(&["status"]));
    assert!(st.contains("rok-cluster       0.14  0.15  yes"), "{st}");
}

#[test]
fn a_dry_run_contacts_no_cluster_and_prints_commands_objects_and_waits() {
    let s = Site::new();
    let o = s.apply(&["--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(s.calls().is_empty(), "{:?}", s.calls());
    let out = stdout(&o);
    assert!(out.contains("[1/4] rok-disk-manager"), "{out}");
    assert!(out.contains("apply -f -"), "{out}");
    assert!(
        out.contains("DaemonSet rok-system/rok-kmod rolled out"),
        "{out}"
    );
    assert!(
        out.contains("RokCluster rok/rok: status.health == OK"),
        "{out}"
    );
    // no state is written by a dry run
    assert_eq!(
        stdout(&s.run(&["status", "--output", "json"])).trim(),
        "null"
    );
}

/// v0.15 on top of an applied v0.14: the operator StatefulSet and the
/// StorageClass change immutable fields.
fn upgrade_to_v015(s: &Site) {
    copy_tree(&crate_dir().join("fixtures/upgrade/rok-v0.15"), &s.repo);
    let o = s.run(&["migrate-patches"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    s.commit_all("rok 0.15");
}

#[test]
fn deletes_are_refused_without_yes_then_resume_with_yes_recreates() {
    let s = Site::new();
    s.behave(serde_json::json!({"status": {"RokCluster/rok/rok": {"health": "OK"}}}));
    assert_eq!(s.apply(&["--yes"]).status.code(), Some(0));
    upgrade_to_v015(&s);
    let before = s.calls().len();

    // dry run: the re-creates are decided against the last applied revision
    let o = s.apply(&["--dry-run"]);
    let out = stdout(&o);
    assert!(
        out.contains("delete statefulset.v1.apps rok-operator -n rok-system"),
        "{out}"
    );
    assert!(
        out.contains("delete storageclass.v1.storage.k8s.io rok"),
        "{out}"
    );
    assert_eq!(s.calls().len(), before, "the dry run called kubectl");

    // not a terminal, no --yes: refuse, delete nothing
    let o = s.apply(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("rok-operator"), "{err}");
    assert!(err.contains("must be deleted and re-created"), "{err}");
    assert!(err.contains("--resume --yes"), "{err}");
    assert!(
        call_index(&s.calls()[before..], &["delete"]).is_none(),
        "deleted without --yes"
    );
    let j = s.status_json();
    assert_eq!(
        statuses(&j),
        [
            ("rok-disk-manager".into(), "done".into()),
            ("rok-kmod".into(), "done".into()),
            ("rok-operator".into(), "failed".into()),
            ("rok-cluster".into(), "pending".into())
        ]
    );

    let mark = s.calls().len();
    let o = s.apply(&["--resume", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let calls = s.calls()[mark..].to_vec();
    let del_sts = call_index(&calls, &["delete", "rok-operator"]).expect("StatefulSet deleted");
    let del_sc = call_index(&calls, &["delete", "storageclass.v1.storage.k8s.io"])
        .expect("StorageClass deleted");
    let applies: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, c)| c.iter().any(|a| a == "apply") && !is_dry_run(c))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        applies.len(),
        2,
        "only the unfinished components: {calls:?}"
    );
    assert!(del_sts < applies[0] && applies[0] < del_sc && del_sc < applies[1]);
    // each delete comes after the server's dry run that refused the update
    let dry: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, c)| is_dry_run(c))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(dry.len(), 2, "{calls:?}");
    assert!(dry[0] < del_sts && applies[0] < dry[1] && dry[1] < del_sc);
    let j = s.status_json();
    let rec: Vec<String> = j["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["recreated"].as_array().unwrap().clone())
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        rec,
        ["StatefulSet rok-system/rok-operator", "StorageClass rok"]
    );
    // the objects exist again, in their new form
    let sc: Json =
        serde_json::from_str(&fs::read_to_string(find_object(&s, "StorageClass", "rok")).unwrap())
            .unwrap();
    assert!(sc["parameters"].to_string().len() > 2, "{sc}");
}

fn find_object(s: &Site, kind: &str, name: &str) -> PathBuf {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in fs::read_dir(d).unwrap().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out);
            } else if e.path().extension().is_some_and(|x| x == "json") {
                out.push(e.path());
            }
        }
    }
    let mut all = Vec::new();
    walk(&s.cluster, &mut all);
    all.into_iter()
        .find(|p| {
            fs::read_to_string(p)
                .ok()
                .and_then(|t| serde_json::from_str::<Json>(&t).ok())
                .is_some_and(|j| j["kind"] == kind && j["metadata"]["name"] == name)
        })
        .unwrap_or_else(|| panic!("no {kind} {name} in the fake cluster"))
}

#[test]
fn a_timeout_names_what_is_not_ready_and_resume_continues_there() {
    let s = Site::new();
    s.behave(serde_json::json!({
        "never_ready": ["DaemonSet/rok-system/rok-kmod"],
        "status": {"RokCluster/rok/rok": {"health": "OK"}},
    }));
    let o = s.apply(&["--yes", "--timeout", "1s"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("rok-kmod: not ready after 1s"), "{err}");
    assert!(err.contains("DaemonSet rok-system/rok-kmod"), "{err}");
    assert!(err.contains("apply --resume"), "{err}");
    let j = s.status_json();
    assert_eq!(statuses(&j)[0].1, "done");
    assert_eq!(statuses(&j)[1].1, "failed");
    assert!(j["finished"].is_null());

    s.behave(serde_json::json!({"status": {"RokCluster/rok/rok": {"health": "OK"}}}));
    let mark = s.applied().len();
    let o = s.apply(&["--resume"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("rok-disk-manager (rok-disk-manager/overlays/deploy): already applied")
    );
    let applied = s.applied()[mark..].to_vec();
    assert_eq!(applied.len(), 3, "{applied:?}");
    assert!(has(&applied[0], "DaemonSet/rok-kmod"));
    assert!(s.status_json()["finished"].is_string());
    // nothing left to resume
    let o = s.apply(&["--resume"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing to resume"), "{}", stderr(&o));
}

#[test]
fn resume_applies_a_done_component_again_when_its_render_changed() {
    let s = Site::new();
    s.behave(serde_json::json!({"never_ready": ["DaemonSet/rok-system/rok-kmod"]}));
    assert_eq!(
        s.apply(&["--yes", "--timeout", "1s"]).status.code(),
        Some(1)
    );
    let k = s
        .repo
        .join("rok-disk-manager/overlays/deploy/kustomization.yaml");
    let text = fs::read_to_string(&k).unwrap();
    fs::write(&k, text.replace("LOG_LEVEL=debug", "LOG_LEVEL=info")).unwrap();
    s.commit_all("disk manager: info logs");
    s.behave(serde_json::json!({"status": {"RokCluster/rok/rok": {"health": "OK"}}}));
    let mark = s.applied().len();
    // the generated ConfigMap has a new name: the old one is pruned, which
    // is asked for like every delete
    let o = s.apply(&["--resume"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("its render changed since"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("rok-disk-manager: ConfigMap rok-system/rok-disk-manager-config-")
            && stderr(&o).contains("must be deleted (pruned)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        s.applied().len(),
        mark,
        "applied before the prune was allowed"
    );
    let o = s.apply(&["--resume", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let applied = s.applied()[mark..].to_vec();
    assert_eq!(applied.len(), 4, "{applied:?}");
    assert!(has(&applied[0], "DaemonSet/rok-disk-manager"));
    let calls = s.calls();
    let prune = call_index(&calls, &["delete", "configmap"]).expect("old ConfigMap pruned");
    let apply = calls
        .iter()
        .position(|c| c.iter().any(|a| a == "apply") && !is_dry_run(c))
        .unwrap();
    assert!(calls[prune]
        .iter()
        .any(|a| a.starts_with("rok-disk-manager-config-")));
    assert!(apply < prune, "pruned after the apply");
    let j = s.status_json();
    assert_eq!(
        j["components"][0]["pruned"].as_array().unwrap().len(),
        1,
        "{j}"
    );
}

#[test]
fn a_custom_readiness_rule_is_waited_for_and_named_on_timeout() {
    let s = Site::new();
    // never OK: the timeout names the rule and the value seen
    s.behave(serde_json::json!({"status": {"RokCluster/rok/rok": {"health": "Degraded"}}}));
    let o = s.apply(&["--yes", "--timeout", "1s"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("rok-cluster: not ready after 1s"), "{err}");
    assert!(err.contains("status.health"), "{err}");
    assert!(err.contains("Degraded"), "{err}");

    // OK after a few polls: the run waits and succeeds
    s.behave(serde_json::json!({
        "status": {"RokCluster/rok/rok": {"health": "OK"}},
        "ready_after": {"RokCluster/rok/rok": 3},
    }));
    let o = s.apply(&["--yes", "--timeout", "30s"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let gets = s
        .calls()
        .iter()
        .filter(|c| {
            c.iter().any(|a| a == "get")
                && c.iter().any(|a| a == "rok")
                && c.iter().any(|a| a.to_lowercase().starts_with("rokcluster"))
        })
        .count();
    assert!(gets >= 3, "polled {gets} times");
}

#[test]
fn the_server_refusing_an_update_leads_to_one_recreate() {
    let s = Site::new();
    s.behave(serde_json::json!({"status": {"RokCluster/rok/rok": {"health": "OK"}}}));
    assert_eq!(s.apply(&["--yes"]).status.code(), Some(0));
    // a rule the tool does not know: the stand-in refuses any update of
    // the kmod DaemonSet as immutable
    s.behave(serde_json::json!({
        "status": {"RokCluster/rok/rok": {"health": "OK"}},
        "reject_update": {"DaemonSet/rok-system/rok-kmod": "spec.template.spec.nodeName: Forbidden: field is immutable"},
    }));
    let d = s.repo.join("rok-kmod/base/daemonset.yaml");
    let text = fs::read_to_string(&d).unwrap();
    fs::write(
        &d,
        text.replacen("image:", "imagePullPolicy: Always\n        image:", 1),
    )
    .unwrap();
    s.commit_all("kmod: always pull");
    let mark = s.calls().len();
    let o = s.apply(&["--yes", "--only", "rok-kmod"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // the server's dry run finds the refusal before anything changes
    assert!(
        stdout(&o).contains(
            "DaemonSet rok-system/rok-kmod must be re-created: the API server refuses the update: spec.template.spec.nodeName: Forbidden: field is immutable"
        ),
        "{}",
        stdout(&o)
    );
    let calls = s.calls()[mark..].to_vec();
    let dry = call_index(&calls, &["apply", "--dry-run=server"]).unwrap();
    let del = call_index(&calls, &["delete", "rok-kmod"]).expect("deleted after the refusal");
    let apply = calls
        .iter()
        .position(|c| c.iter().any(|a| a == "apply") && !is_dry_run(c))
        .unwrap();
    assert!(dry < del && del < apply);
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.iter().any(|a| a == "apply"))
            .count(),
        2
    );
    let j = s.status_json();
    let kmod = &j["components"][1];
    assert_eq!(kmod["recreated"][0], "DaemonSet rok-system/rok-kmod");
}

#[test]
fn an_interrupted_apply_resumes_from_the_unfinished_component() {
    let s = Site::new();
    s.behave(serde_json::json!({
        "sleep": 2,
        "status": {"RokCluster/rok/rok": {"health": "OK"}},
    }));
    let fake = Site::fake();
    let child = s
        .cmd(&[
            "apply",
            "--yes",
            "--kubectl",
            fake.to_str().unwrap(),
            "--poll-interval",
            "50ms",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // wait until the second component is under way, then Ctrl-C
    let state = s.repo.join(".git/gitops-upgrade/apply-state.json");
    let start = Instant::now();
    loop {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never reached rok-kmod"
        );
        if let Ok(t) = fs::read_to_string(&state) {
            let j: Json = serde_json::from_str(&t).unwrap_or(Json::Null);
            if j["components"][1]["status"] == "in-progress" {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(
        stderr(&out).contains("interrupted: continue with `gitops-upgrade apply --resume`"),
        "{}",
        stderr(&out)
    );
    let j = s.status_json();
    assert_eq!(statuses(&j)[0].1, "done");
    assert_eq!(statuses(&j)[1].1, "in-progress");
    let st = stdout(&s.run(&["status"]));
    assert!(st.contains("apply --resume"), "{st}");

    s.behave(serde_json::json!({"status": {"RokCluster/rok/rok": {"health": "OK"}}}));
    let mark = s.applied().len();
    let o = s.apply(&["--resume"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let applied = s.applied()[mark..].to_vec();
    assert_eq!(applied.len(), 3, "{applied:?}");
    assert!(has(&applied[0], "DaemonSet/rok-kmod"));
}

#[test]
fn pre_steps_scale_to_zero_and_wait_for_quiet_logs_before_the_apply() {
    let plan = "\
components:
  - name: rok-disk-manager
    path: rok-disk-manager/overlays/deploy
    before:
      - scale-to-zero: {apiVersion: apps/v1, kind: StatefulSet, namespace: rok-system, name: rok-operator}
      - wait-logs-quiet: {apiVersion: apps/v1, kind: DaemonSet, namespace: rok-system, name: rok-kmod, seconds: 5}
  - name: rok-kmod
    path: rok-kmod/overlays/deploy
  - name: rok-operator
    path: rok-operator/overlays/deploy
";
    let s = Site::with_plan(plan);
    // first bring the operator and kmod up
    for c in ["rok-operator", "rok-kmod"] {
        let o = s.apply(&["--yes", "--only", c]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    s.behave(serde_json::json!({
        "logs": {"DaemonSet/rok-system/rok-kmod": ["draining volume 1", "draining volume 2"]},
        "logs_quiet_after": {"DaemonSet/rok-system/rok-kmod": 2},
    }));
    let mark = s.calls().len();
    let o = s.apply(&["--yes", "--only", "rok-disk-manager"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let calls = s.calls()[mark..].to_vec();
    let scale = call_index(&calls, &["scale", "--replicas=0"]).expect("scaled");
    let logs: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, c)| c.iter().any(|a| a == "logs"))
        .map(|(i, _)| i)
        .collect();
    let apply = call_index(&calls, &["apply"]).unwrap();
    assert!(logs.len() >= 3, "logs polled until quiet: {calls:?}");
    assert!(scale < logs[0] && *logs.last().unwrap() < apply);

    // logs that never go quiet: a timeout naming the workload
    s.behave(serde_json::json!({
        "logs": {"DaemonSet/rok-system/rok-kmod": ["still draining"]},
    }));
    let o = s.apply(&["--yes", "--only", "rok-disk-manager", "--timeout", "1s"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("DaemonSet rok-system/rok-kmod: 1 log lines"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn without_a_plan_apply_says_how_to_make_one_and_init_writes_it() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path();
    git(repo, &["init", "-q", "-b", "main"]);
    copy_tree(&crate_dir().join("overlays-examples/rok"), repo);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-qm", "v0.14"]);
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
            .current_dir(repo)
            .args(args)
            .env("HOME", repo)
            .output()
            .unwrap()
    };
    let o = run(&["apply", "--dry-run"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("gitops-upgrade init --preset"),
        "{}",
        stderr(&o)
    );

    let o = run(&["init", "--preset", "rok-v0.15"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = fs::read_to_string(repo.join("gitops-upgrade.yaml")).unwrap();
    // the repository is the Rok tree itself: no rok/ prefix
    assert!(
        text.contains("path: rok-operator/overlays/deploy"),
        "{text}"
    );
    assert!(stdout(&o).contains("rok-external-services/dex/overlays/deploy"));
    let o = run(&["init", "--preset", "rok"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"));
    assert_eq!(
        run(&["init", "--preset", "rok", "--force"]).status.code(),
        Some(0)
    );
    assert_eq!(run(&["init", "--preset", "nope"]).status.code(), Some(2));

    // apply applies the commit, plan included: an uncommitted plan is refused
    let o = run(&["apply", "--dry-run"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("gitops-upgrade.yaml is not committed"),
        "{}",
        stderr(&o)
    );

    // a plan error names the position
    fs::write(
        repo.join("gitops-upgrade.yaml"),
        "components:\n  - name: a\n    path: x\n    timeout: soon\n",
    )
    .unwrap();
    git(repo, &["add", "gitops-upgrade.yaml"]);
    git(repo, &["commit", "-qm", "plan"]);
    let o = run(&["apply", "--dry-run"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("gitops-upgrade.yaml:4:14: components[0].timeout"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_demo_runs_the_whole_upgrade_as_a_dry_run() {
    let o = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
        .arg("demo")
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    for want in [
        "== 1/4 rebase onto the new upstream ==",
        "Replayed 1 commit(s)",
        "== 2/4 migrate-patches",
        "+  configVars:",
        "== 3/4 what changes, per component ==",
        "re-create StatefulSet rok-system/rok-operator",
        "== 4/4 apply (dry run) ==",
        "$ kubectl delete statefulset.v1.apps rok-operator -n rok-system",
        "$ kubectl delete storageclass.v1.storage.k8s.io rok",
        "create     Deployment rok/rok-redis",
        "RokCluster rok/rok: status.phase == Running",
        "Dry run complete",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

/// Opt-in: the real kubectl against a real cluster. Run with
/// `GITOPS_UPGRADE_TEST_KUBECONFIG=<file> cargo test --test apply_cli -- --ignored`.
#[test]
#[ignore = "needs a Kubernetes cluster: set GITOPS_UPGRADE_TEST_KUBECONFIG and run with --ignored"]
fn real_cluster_apply_and_resume() {
    let kubeconfig = std::env::var("GITOPS_UPGRADE_TEST_KUBECONFIG")
        .expect("set GITOPS_UPGRADE_TEST_KUBECONFIG to a kubeconfig of a disposable cluster");
    let kubectl = common::kubectl();
    let ns = format!("gitops-upgrade-test-{}", std::process::id());
    let plan = "\
components:
  - name: app
    path: app
    timeout: 3m
";
    let t = tempfile::tempdir().unwrap();
    let repo = t.path();
    git(repo, &["init", "-q", "-b", "main"]);
    fs::create_dir_all(repo.join("app")).unwrap();
    fs::write(repo.join("gitops-upgrade.yaml"), plan).unwrap();
    let write_app = |image: &str| {
        fs::write(
            repo.join("app/kustomization.yaml"),
            format!("namespace: {ns}\nresources:\n- ns.yaml\n- app.yaml\n"),
        )
        .unwrap();
        fs::write(
            repo.join("app/ns.yaml"),
            format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"),
        )
        .unwrap();
        fs::write(
            repo.join("app/app.yaml"),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: web\n        image: {image}\n"
            ),
        )
        .unwrap();
    };
    write_app("registry.k8s.io/pause:3.9");
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-qm", "app"]);
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
            .current_dir(repo)
            .args(args)
            .args([
                "--kubectl",
                kubectl.to_str().unwrap(),
                "--kubeconfig",
                &kubeconfig,
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let o = run(&["apply", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    write_app("registry.k8s.io/pause:3.10");
    git(repo, &["commit", "-qam", "new image"]);
    let o = run(&["apply", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let _ = Command::new(kubectl)
        .args([
            "--kubeconfig",
            &kubeconfig,
            "delete",
            "namespace",
            &ns,
            "--wait=false",
        ])
        .status();
}

/// A user clone of a vendor repository with the plan, the vendor's v0.15
/// published (not yet fetched), and an empty fake cluster whose RokCluster
/// becomes healthy.
struct Upstream {
    t: tempfile::TempDir,
    user: PathBuf,
    cluster: PathBuf,
}

impl Upstream {
    fn new() -> Upstream {
        let t = tempfile::tempdir().unwrap();
        let cluster = t.path().join("cluster");
        fs::create_dir_all(&cluster).unwrap();
        let (vendor, user) = common::rok_vendor_and_site(t.path(), PLAN);
        common::publish_rok_v015(&vendor);
        fs::write(
            cluster.join("behaviour.json"),
            r#"{"status": {"RokCluster/rok/rok": {"health": "OK"}}}"#,
        )
        .unwrap();
        Upstream { t, user, cluster }
    }

    /// `gitops-upgrade upgrade` with the stand-in kubectl, not on a terminal.
    fn upgrade(&self, extra: &[&str]) -> Output {
        let fake = Site::fake();
        let mut c = Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"));
        c.current_dir(&self.user)
            .args(["upgrade", "--kubectl", fake.to_str().unwrap()])
            .args(["--poll-interval", "50ms"])
            .args(extra)
            .env("FAKE_KUBECTL_STATE", &self.cluster)
            .stdin(Stdio::null());
        common::isolate(&mut c, self.t.path());
        c.output().unwrap()
    }

    fn applies(&self) -> usize {
        fs::read_to_string(self.cluster.join("calls.jsonl"))
            .map(|t| t.lines().filter(|l| l.contains("\"apply\"")).count())
            .unwrap_or(0)
    }
}

#[test]
fn upgrade_stops_for_review_of_the_migration_and_continues_after_the_commit() {
    let u = Upstream::new();
    // 1. rebased, migrated, then stopped: the migration is for a person to review
    let o = u.upgrade(&[]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("== 2/4 migrate-patches =="),
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert!(err.contains("review them (`git diff`), commit"), "{err}");
    let patch = fs::read_to_string(
        u.user
            .join("rok-cluster/overlays/deploy/patches/rokcluster.yaml"),
    )
    .unwrap();
    assert!(
        patch.contains("  configVars:\n    daemons.rok_s3d.enabled: True\n"),
        "{patch}"
    );
    assert_eq!(u.applies(), 0, "the cluster was contacted");

    // 2. after the commit: nothing to rebase or migrate; the summary compares
    // with the tip before the upgrade (the newest backup); the first apply
    // has nothing live to delete, so it needs no --yes
    git(&u.user, &["commit", "-qam", "Migrate patches for 0.15"]);
    let o = u.upgrade(&[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("== 3/4 what changes, per component =="),
        "{out}"
    );
    assert!(
        out.contains("re-create StatefulSet rok-system/rok-operator"),
        "{out}"
    );
    assert!(out.contains("Done: release 0.14 -> 0.15 applied"), "{out}");
    assert_eq!(u.applies(), 4);
}

#[test]
fn upgrade_with_yes_commits_the_migration_and_applies() {
    let u = Upstream::new();
    let o = u.upgrade(&["--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let log = git(&u.user, &["log", "--format=%s"]);
    assert!(
        log.starts_with("Migrate patches for rok-v0.15\nplan\nrok v0.15\n"),
        "{log}"
    );
    let status = git(&u.user, &["status", "--porcelain"]);
    assert!(status.is_empty(), "{status}");
    // the first apply of everything: nothing lived before, nothing deleted
    assert_eq!(u.applies(), 4);
}

#[test]
fn upgrade_stops_at_a_rebase_that_cannot_start() {
    let u = Upstream::new();
    fs::write(u.user.join("rok-kmod/base/daemonset.yaml"), "dirty: true\n").unwrap();
    let o = u.upgrade(&["--dry-run"]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("upgrade stopped at the rebase"),
        "{}",
        stderr(&o)
    );
    assert_eq!(u.applies(), 0);
}

#[test]
fn custom_resources_wait_for_their_crd_in_the_same_component() {
    let s = Site::with_plan("components:\n  - name: widgets\n    path: widgets\n");
    let w = s.repo.join("widgets");
    fs::create_dir_all(&w).unwrap();
    fs::write(
        w.join("kustomization.yaml"),
        "resources:\n- crd.yaml\n- widget.yaml\n",
    )
    .unwrap();
    fs::write(
        w.join("crd.yaml"),
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names:\n    kind: Widget\n    plural: widgets\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n",
    )
    .unwrap();
    fs::write(
        w.join("widget.yaml"),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\nspec:\n  size: 3\n",
    )
    .unwrap();
    s.commit_all("widgets");
    let o = s.apply(&[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let applied = s.applied();
    assert_eq!(
        applied,
        [
            vec!["CustomResourceDefinition/widgets.example.com".to_string()],
            vec!["Widget/w".to_string()]
        ]
    );
    // sent together, the stand-in refuses the Widget as kubectl does
    let fake = Site::fake();
    let out = Command::new(&fake)
        .args(["apply", "-f", "-"])
        .env("FAKE_KUBECTL_STATE", s.cluster.join("fresh"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut ch| {
            use std::io::Write;
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [
                {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                 "metadata": {"name": "widgets.example.com"},
                 "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Namespaced"}},
                {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "default"}},
            ]});
            ch.stdin.take().unwrap().write_all(list.to_string().as_bytes())?;
            ch.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ensure CRDs are installed first"));
}

/// Runs `apply` on a pseudo-terminal (util-linux `script`), typing `answer`.
fn apply_on_a_terminal(s: &Site, answer: &str) -> (Option<i32>, String) {
    use std::io::Write;
    let line = format!(
        "{} apply --kubectl {} --poll-interval 50ms",
        env!("CARGO_BIN_EXE_gitops-upgrade"),
        Site::fake().display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(&s.repo)
        .env("HOME", &s.repo)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("FAKE_KUBECTL_STATE", &s.cluster)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs (it gives the test a terminal)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    (o.status.code(), stdout(&o))
}

#[test]
fn on_a_terminal_deletes_are_asked_for_and_a_no_stops_the_run() {
    let s = Site::new();
    s.behave(serde_json::json!({"status": {"RokCluster/rok/rok": {"health": "OK"}}}));
    assert_eq!(s.apply(&["--yes"]).status.code(), Some(0));
    upgrade_to_v015(&s);

    let mark = s.calls().len();
    let (code, out) = apply_on_a_terminal(&s, "n\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("delete and re-create StatefulSet rok-system/rok-operator?"),
        "{out}"
    );
    assert!(out.contains("was declined"), "{out}");
    assert!(call_index(&s.calls()[mark..], &["delete"]).is_none());

    let (code, out) = apply_on_a_terminal(&s, "y\ny\n");
    assert_eq!(code, Some(0), "{out}");
    let calls = s.calls()[mark..].to_vec();
    assert!(
        call_index(&calls, &["delete", "rok-operator"]).is_some(),
        "{calls:?}"
    );
}

#[test]
fn server_side_apply_is_passed_to_kubectl_with_the_context_and_kubeconfig() {
    let s = Site::with_plan("components:\n  - name: kmod\n    path: rok-kmod/overlays/deploy\n");
    let kubeconfig = s.cluster.join("kubeconfig");
    fs::write(&kubeconfig, "apiVersion: v1\nkind: Config\n").unwrap();
    let o = s.apply(&[
        "--server-side",
        "--context",
        "staging",
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let calls = s.calls();
    assert!(!calls.is_empty());
    for c in &calls {
        assert!(
            c.windows(2)
                .any(|w| w[0] == "--context" && w[1] == "staging"),
            "{c:?}"
        );
        assert!(
            c.windows(2)
                .any(|w| w[0] == "--kubeconfig" && w[1] == kubeconfig.to_str().unwrap()),
            "{c:?}"
        );
    }
    let apply = calls
        .iter()
        .find(|c| c.iter().any(|a| a == "apply"))
        .unwrap();
    assert!(
        has(apply, "--server-side") && has(apply, "--force-conflicts"),
        "{apply:?}"
    );
}
