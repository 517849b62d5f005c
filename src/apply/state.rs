//! The record of an apply, `.git/gitops-upgrade/apply-state.json`: the
//! revision being applied and what happened to each component, written
//! atomically after every step so that an interrupted run (Ctrl-C, a
//! failure, a timeout) can resume from the first unfinished component.

use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use super::kube::ObjKey;
use crate::fsutil::write_atomic;

/// Where a component stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    InProgress,
    Done,
    Failed,
    /// Not applied: its condition (`unless-exists`) found what it needs
    /// already running when the run started.
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::InProgress => "in-progress",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "pending" => Status::Pending,
            "in-progress" => Status::InProgress,
            "done" => Status::Done,
            "failed" => Status::Failed,
            "skipped" => Status::Skipped,
            _ => return None,
        })
    }
}

/// One component's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentState {
    pub name: String,
    pub path: String,
    pub status: Status,
    /// SHA-256 of the rendered objects last applied.
    pub digest: Option<String>,
    /// UTC stamp of the last change of status.
    pub at: Option<String>,
    /// Objects deleted and re-created (`StatefulSet rok-system/rok-operator`).
    pub recreated: Vec<String>,
    /// Objects pruned: applied before, no longer rendered, deleted.
    pub pruned: Vec<String>,
    /// Why it failed.
    pub message: Option<String>,
    /// The objects of the component's last successful apply, kept across
    /// runs: what `apply` may prune once a render no longer has them.
    pub applied: Vec<ObjKey>,
}

/// The whole record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// The commit being applied (hex).
    pub revision: String,
    /// The release running before (`plan.from`).
    pub from_version: Option<String>,
    /// The release being applied (`plan.version`).
    pub to_version: Option<String>,
    pub started: String,
    /// Set when every component is done.
    pub finished: Option<String>,
    /// The last revision fully applied (kept across runs): the default
    /// `--from` of a dry run.
    pub last_applied: Option<String>,
    pub components: Vec<ComponentState>,
}

/// A problem with the state file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {msg}")]
pub struct StateError {
    pub path: String,
    pub msg: String,
}

/// The state file of the repository whose git directory is `git_dir`.
pub fn path(git_dir: &Path) -> PathBuf {
    git_dir.join("gitops-upgrade").join("apply-state.json")
}

impl State {
    pub fn component(&self, name: &str) -> Option<&ComponentState> {
        self.components.iter().find(|c| c.name == name)
    }

    pub fn component_mut(&mut self, name: &str) -> Option<&mut ComponentState> {
        self.components.iter_mut().find(|c| c.name == name)
    }

    /// The first component not done.
    pub fn first_unfinished(&self) -> Option<&ComponentState> {
        self.components.iter().find(|c| c.status != Status::Done)
    }

    pub fn to_json(&self) -> Json {
        json!({
            "version": 1,
            "revision": self.revision,
            "fromVersion": self.from_version,
            "toVersion": self.to_version,
            "started": self.started,
            "finished": self.finished,
            "lastApplied": self.last_applied,
            "components": self.components.iter().map(|c| json!({
                "name": c.name,
                "path": c.path,
                "status": c.status.as_str(),
                "digest": c.digest,
                "at": c.at,
                "recreated": c.recreated,
                "pruned": c.pruned,
                "message": c.message,
                "applied": c.applied.iter().map(key_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }

    pub fn from_json(j: &Json) -> Result<State, String> {
        let s = |k: &str| j.get(k).and_then(Json::as_str).map(str::to_string);
        if j.get("version").and_then(Json::as_u64) != Some(1) {
            return Err("unknown state format (expected version 1)".into());
        }
        let mut comps = Vec::new();
        for c in j
            .get("components")
            .and_then(Json::as_array)
            .ok_or("no components")?
        {
            let cs = |k: &str| c.get(k).and_then(Json::as_str).map(str::to_string);
            let status = cs("status")
                .and_then(|s| Status::parse(&s))
                .ok_or("a component without a valid status")?;
            comps.push(ComponentState {
                name: cs("name").ok_or("a component without a name")?,
                path: cs("path").unwrap_or_default(),
                status,
                digest: cs("digest"),
                at: cs("at"),
                recreated: c
                    .get("recreated")
                    .and_then(Json::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                pruned: strings(c.get("pruned")),
                message: cs("message"),
                applied: c
                    .get("applied")
                    .and_then(Json::as_array)
                    .map(|a| a.iter().filter_map(key_from_json).collect())
                    .unwrap_or_default(),
            });
        }
        Ok(State {
            revision: s("revision").ok_or("no revision")?,
            from_version: s("fromVersion"),
            to_version: s("toVersion"),
            started: s("started").unwrap_or_default(),
            finished: s("finished"),
            last_applied: s("lastApplied"),
            components: comps,
        })
    }
}

fn strings(j: Option<&Json>) -> Vec<String> {
    j.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn key_json(k: &ObjKey) -> Json {
    json!({
        "apiVersion": k.api_version,
        "kind": k.kind,
        "namespace": k.namespace,
        "name": k.name,
    })
}

fn key_from_json(j: &Json) -> Option<ObjKey> {
    let s = |k: &str| j.get(k).and_then(Json::as_str).map(str::to_string);
    Some(ObjKey {
        api_version: s("apiVersion").unwrap_or_default(),
        kind: s("kind")?,
        namespace: s("namespace"),
        name: s("name")?,
    })
}

/// Reads the state file: `Ok(None)` when there is none.
pub fn load(git_dir: &Path) -> Result<Option<State>, StateError> {
    load_json(&path(git_dir), "apply", State::from_json)
}

/// Writes the state file atomically.
pub fn save(git_dir: &Path, state: &State) -> Result<(), StateError> {
    save_json(&path(git_dir), &state.to_json())
}

/// Reads a JSON state file and decodes it; `None` when there is none. A
/// file that cannot be read or decoded is an error that says how to start
/// over (`what`: "apply", "upgrade").
pub(crate) fn load_json<T>(
    p: &Path,
    what: &str,
    decode: impl Fn(&Json) -> Result<T, String>,
) -> Result<Option<T>, StateError> {
    let err = |msg: String| StateError {
        path: p.display().to_string(),
        msg,
    };
    let text = match std::fs::read_to_string(p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(err(format!("cannot read: {e}"))),
    };
    let j: Json = serde_json::from_str(&text).map_err(|e| {
        err(format!(
            "not valid JSON ({e}); move it away to start a new {what}"
        ))
    })?;
    decode(&j)
        .map(Some)
        .map_err(|m| err(format!("{m}; move it away to start a new {what}")))
}

/// Writes a JSON state file atomically (its directory made if needed).
pub(crate) fn save_json(p: &Path, j: &Json) -> Result<(), StateError> {
    let err = |msg: String| StateError {
        path: p.display().to_string(),
        msg,
    };
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).map_err(|e| err(format!("cannot create: {e}")))?;
    }
    let mut text =
        serde_json::to_string_pretty(j).map_err(|e| err(format!("cannot encode: {e}")))?;
    text.push('\n');
    write_atomic(p, text.as_bytes()).map_err(|e| err(format!("cannot write: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        State {
            revision: "abc".into(),
            from_version: Some("0.14".into()),
            to_version: Some("0.15".into()),
            started: "20261121T070000Z".into(),
            finished: None,
            last_applied: Some("def".into()),
            components: vec![
                ComponentState {
                    name: "a".into(),
                    path: "a/overlays/deploy".into(),
                    status: Status::Done,
                    digest: Some("00ff".into()),
                    at: Some("20261121T070100Z".into()),
                    recreated: vec!["StorageClass rok".into()],
                    pruned: vec!["ConfigMap rok/old".into()],
                    message: None,
                    applied: vec![
                        ObjKey {
                            api_version: "storage.k8s.io/v1".into(),
                            kind: "StorageClass".into(),
                            namespace: None,
                            name: "rok".into(),
                        },
                        ObjKey {
                            api_version: "v1".into(),
                            kind: "ConfigMap".into(),
                            namespace: Some("rok".into()),
                            name: "c".into(),
                        },
                    ],
                },
                ComponentState {
                    name: "b".into(),
                    path: "b".into(),
                    status: Status::Failed,
                    digest: None,
                    at: None,
                    recreated: vec![],
                    pruned: vec![],
                    message: Some("timed out".into()),
                    applied: vec![],
                },
            ],
        }
    }

    #[test]
    fn round_trips_through_the_file() {
        let t = tempfile::tempdir().unwrap();
        assert!(load(t.path()).unwrap().is_none());
        let s = sample();
        save(t.path(), &s).unwrap();
        assert_eq!(load(t.path()).unwrap().unwrap(), s);
        assert_eq!(s.first_unfinished().unwrap().name, "b");
    }

    #[test]
    fn a_damaged_file_is_an_error_that_says_what_to_do() {
        let t = tempfile::tempdir().unwrap();
        let p = path(t.path());
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "{not json").unwrap();
        let e = load(t.path()).unwrap_err().to_string();
        assert!(
            e.contains("not valid JSON") && e.contains("move it away"),
            "{e}"
        );
        std::fs::write(&p, "{\"version\": 2}").unwrap();
        assert!(load(t.path())
            .unwrap_err()
            .to_string()
            .contains("version 1"));
    }
}
