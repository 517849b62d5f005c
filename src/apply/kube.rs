//! The cluster side of `apply`: a [`Cluster`] trait, and [`Kubectl`], which
//! runs the user's own `kubectl` (so every context, auth plugin and
//! kubeconfig works as it does for them).

use std::time::Duration;

/// A JSON object as kubectl prints it.
pub type Json = serde_json::Value;

/// One object in the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjKey {
    /// `apps/v1`, `v1`; may be empty when unknown (kubectl resolves the kind).
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjKey {
    /// `StatefulSet rok-system/rok-operator`, `StorageClass rok`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {}/{}", self.kind, ns, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// A failure talking to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// kubectl could not be started.
    #[error("cannot run '{program}': {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    /// kubectl ran and failed; `message` is its error output, trimmed.
    #[error("`{command}` failed: {message}")]
    Failed { command: String, message: String },
    /// kubectl's output was not what was expected.
    #[error("`{command}`: {message}")]
    Output { command: String, message: String },
}

/// An object the API server refused to update in place because an
/// immutable field changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The kind as the error names it, without the group (`StatefulSet`).
    pub kind: String,
    /// The group as the error names it (`apps`; empty for the core group).
    pub group: String,
    pub name: String,
    /// The server's message (`spec: Forbidden: updates to statefulset spec ...`).
    pub message: String,
}

/// What `kubectl apply` did with one manifest stream.
#[derive(Debug, Clone, Default)]
pub struct ApplyResult {
    /// kubectl's standard output (`statefulset.apps/x configured`, ...).
    pub output: String,
    /// Objects refused because an immutable field changed.
    pub immutable: Vec<Rejected>,
    /// Any other error lines; non-empty means the apply failed.
    pub errors: Vec<String>,
}

impl ApplyResult {
    pub fn ok(&self) -> bool {
        self.immutable.is_empty() && self.errors.is_empty()
    }
}

/// The operations `apply` needs from a cluster.
pub trait Cluster {
    /// The shell command line that runs kubectl with these arguments (with
    /// the context and kubeconfig options), for `--dry-run` and messages.
    fn command_line(&self, args: &[String]) -> String;
    /// The object, or `None` when it does not exist.
    fn get(&self, key: &ObjKey) -> Result<Option<Json>, KubeError>;
    /// Objects of a kind matching a label selector (`app=x,tier=y`).
    fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        selector: &str,
    ) -> Result<Vec<Json>, KubeError>;
    /// `kubectl apply -f -` (or `--server-side`) of these objects, sent as
    /// one JSON `v1/List` on standard input.
    fn apply(&self, objects: &[Json], server_side: bool) -> Result<ApplyResult, KubeError>;
    /// Deletes the object and waits until it is gone; `false` when it did
    /// not exist.
    fn delete(&self, key: &ObjKey) -> Result<bool, KubeError>;
    /// Sets `spec.replicas`.
    fn scale(&self, key: &ObjKey, replicas: u32) -> Result<(), KubeError>;
    /// The workload's log lines of the last `since` (all pods; `container`
    /// or the default one).
    fn logs_since(
        &self,
        key: &ObjKey,
        container: Option<&str>,
        since: Duration,
    ) -> Result<String, KubeError>;
}
