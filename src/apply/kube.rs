//! The cluster side of `apply`: a [`Cluster`] trait, and [`Kubectl`], which
//! runs the user's own `kubectl` (so every context, auth plugin and
//! kubeconfig works as it does for them).

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, LazyLock};
use std::thread;
use std::time::{Duration, Instant};

use regex::Regex;

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
    /// kubectl's one-error form (`The StatefulSet "web" is invalid: ...`)
    /// does not name it; [`Kubectl::apply`] then fills in the group of the
    /// applied object of that kind and name.
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
    /// The same apply as a server-side dry run (`--dry-run=server`): the API
    /// server validates and admits every object (immutable fields included)
    /// and stores nothing. Its refusals are what [`Cluster::apply`] would
    /// meet.
    fn apply_dry_run(&self, objects: &[Json], server_side: bool) -> Result<ApplyResult, KubeError>;
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
    /// Runs a command in a pod (`kubectl exec -n NS TARGET [-c C] -- CMD`)
    /// and returns its standard output. `target` is what kubectl takes:
    /// `daemonset/rok` (one of its pods), `pod/x`.
    fn exec(
        &self,
        namespace: Option<&str>,
        target: &str,
        container: Option<&str>,
        command: &[String],
    ) -> Result<String, KubeError>;
}

/// How long one kubectl call may take before it is stopped (see
/// [`Kubectl::with_timeout`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How many lines of kubectl's error output a [`KubeError::Failed`] keeps.
const MESSAGE_LINES: usize = 6;

/// The resource argument kubectl resolves to exactly this group and
/// version, even when two groups have a kind of the same name.
///
/// kubectl accepts `TYPE[.VERSION][.GROUP]` (`kubectl get --help`); the
/// argument is split at its first two dots (`schema.ParseResourceArg`), so
/// `statefulset.v1.apps` is resource `statefulset`, version `v1`, group
/// `apps`, and `rokcluster.v1.rok.arrikto.com` has the group
/// `rok.arrikto.com`. The lower-case kind is the resource's singular name,
/// which kubectl's REST mapper knows for every kind. The core group has no
/// name to write, and `service.v1` would be read as group `v1`, so core kinds
/// are the plain lower-case kind (`service`); kubectl resolves the core group
/// first. An empty `api_version` gives the kind alone and kubectl chooses.
pub fn resource_arg(key: &ObjKey) -> String {
    resource_arg_for(&key.api_version, &key.kind)
}

/// [`resource_arg`] of an apiVersion and kind.
pub fn resource_arg_for(api_version: &str, kind: &str) -> String {
    let kind = kind.to_ascii_lowercase();
    match api_version.split_once('/') {
        Some((group, version)) if !group.is_empty() && !version.is_empty() => {
            format!("{kind}.{version}.{group}")
        }
        _ => kind,
    }
}

fn namespace_args(args: &mut Vec<String>, namespace: Option<&str>) {
    if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
        args.push("-n".into());
        args.push(ns.into());
    }
}

/// `get <res> <name> [-n ns] -o json`
pub fn get_args(key: &ObjKey) -> Vec<String> {
    let mut a = vec!["get".to_string(), resource_arg(key), key.name.clone()];
    namespace_args(&mut a, key.namespace.as_deref());
    a.extend(["-o".to_string(), "json".to_string()]);
    a
}

/// `get <res> [-n ns] -l <selector> -o json`. Without a namespace kubectl
/// looks in its context's namespace (cluster-scoped kinds have none).
pub fn list_args(
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    selector: &str,
) -> Vec<String> {
    let mut a = vec!["get".to_string(), resource_arg_for(api_version, kind)];
    namespace_args(&mut a, namespace);
    if !selector.is_empty() {
        a.extend(["-l".to_string(), selector.to_string()]);
    }
    a.extend(["-o".to_string(), "json".to_string()]);
    a
}

/// `apply -f -` (`--server-side --force-conflicts` when asked).
pub fn apply_args(server_side: bool) -> Vec<String> {
    let mut a: Vec<String> = vec!["apply".into(), "-f".into(), "-".into()];
    if server_side {
        a.extend(["--server-side".to_string(), "--force-conflicts".to_string()]);
    }
    a
}

/// [`apply_args`] with `--dry-run=server`.
pub fn dry_run_apply_args(server_side: bool) -> Vec<String> {
    let mut a = apply_args(server_side);
    a.push("--dry-run=server".into());
    a
}

/// `delete <res> <name> [-n ns] --ignore-not-found --wait=true`
pub fn delete_args(key: &ObjKey) -> Vec<String> {
    let mut a = vec!["delete".to_string(), resource_arg(key), key.name.clone()];
    namespace_args(&mut a, key.namespace.as_deref());
    a.extend(["--ignore-not-found".to_string(), "--wait=true".to_string()]);
    a
}

/// `scale <res> <name> [-n ns] --replicas=N`
pub fn scale_args(key: &ObjKey, replicas: u32) -> Vec<String> {
    let mut a = vec!["scale".to_string(), resource_arg(key), key.name.clone()];
    namespace_args(&mut a, key.namespace.as_deref());
    a.push(format!("--replicas={replicas}"));
    a
}

/// `logs <kind>/<name> [-n ns] [-c container | --all-containers=true]
/// --since=<N>s --all-pods=true` (`--all-pods` gives the logs of every pod
/// of the workload, each line prefixed with its pod and container).
pub fn logs_args(key: &ObjKey, container: Option<&str>, since: Duration) -> Vec<String> {
    let mut a = vec![
        "logs".to_string(),
        format!("{}/{}", key.kind.to_ascii_lowercase(), key.name),
    ];
    namespace_args(&mut a, key.namespace.as_deref());
    match container {
        Some(c) => a.extend(["-c".to_string(), c.to_string()]),
        None => a.push("--all-containers=true".into()),
    }
    // kubectl takes whole seconds; round up so that nothing is missed.
    let secs = since.as_secs() + u64::from(since.subsec_nanos() > 0);
    a.push(format!("--since={}s", secs.max(1)));
    a.push("--all-pods=true".into());
    a
}

/// `exec [-n ns] <target> [-c container] -- <command...>`
pub fn exec_args(
    namespace: Option<&str>,
    target: &str,
    container: Option<&str>,
    command: &[String],
) -> Vec<String> {
    let mut a = vec!["exec".to_string()];
    namespace_args(&mut a, namespace);
    a.push(target.to_string());
    if let Some(c) = container {
        a.extend(["-c".to_string(), c.to_string()]);
    }
    a.push("--".into());
    a.extend(command.iter().cloned());
    a
}

/// The word as a POSIX shell reads it: unchanged when it needs no quoting,
/// else in single quotes.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// True when kubectl's error output says the object (or its whole
/// resource type, e.g. a custom resource whose definition is not installed)
/// does not exist.
pub fn is_not_found(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.contains("(NotFound)") || l.contains("the server doesn't have a resource type"))
}

/// Error messages that mean "this field cannot be changed in place": the
/// API server's validation texts for StatefulSet spec and StorageClass
/// (`Forbidden: updates to ...`), selectors, Job templates and many others
/// (`field is immutable`), PersistentVolumeClaim spec (`spec is immutable
/// after creation except ...`) and Service clusterIPs (`may not change once
/// set`).
const IMMUTABLE_MARKERS: &[&str] = &[
    "Forbidden: updates to",
    "field is immutable",
    "is immutable after creation",
    "may not change once set",
];

/// `<Kind>[.<group>] "<name>" is invalid: <message>`, as the API server's
/// `Invalid` status message and kubectl's one-error form
/// (`The <Kind> "<name>" is invalid: ...`) write it.
static INVALID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b([A-Z][A-Za-z0-9]*)(?:\.([a-z0-9][a-z0-9.-]*))? "([^"]+)" is invalid:\s*(.*)$"#)
        .expect("valid regex")
});

/// A klog line (`E0612 10:00:00.000000   1234 file.go:12] ...`).
static KLOG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[IWEF]\d{4} \d").expect("valid regex"));

fn starts_record(line: &str) -> bool {
    const HEADS: &[&str] = &[
        "Error from server",
        "error:",
        "Error:",
        "The ",
        "Warning:",
        "warning:",
        "Unable to connect",
    ];
    HEADS.iter().any(|h| line.starts_with(h)) || KLOG.is_match(line)
}

/// A line that belongs to the error above it: the patch and object lines
/// of `error when applying patch:\n<patch>\nto:\n<object>\nfor: ...`, the
/// `* field: message` causes of a multi-cause error, indented details and
/// the `- `/`+ ` lines of the diffs some validation messages carry.
fn continues_record(line: &str) -> bool {
    line.trim().is_empty()
        || line.starts_with(char::is_whitespace)
        || ["{", "[", "}", "* ", "to:", "Resource: ", "Name: ", "for: "]
            .iter()
            .any(|p| line.starts_with(p))
        || ["- ", "-\t", "+ ", "+\t"]
            .iter()
            .any(|p| line.starts_with(p))
}

/// One error of kubectl's output as one line: the source wrapper of
/// `error when applying patch:` (patch, object, `for: "STDIN":`) is
/// replaced by the server's message; causes are joined with `; `; indented
/// details (diffs) are left out.
fn summarize(lines: &[&str]) -> String {
    let (mut text, rest) = match lines.iter().position(|l| l.starts_with("for: ")) {
        Some(i) => {
            let head = lines[0];
            let prefix = head.find("error when ").map_or(head, |p| &head[..p]);
            // `for: "STDIN": <message>`
            let msg = lines[i]["for: ".len()..].trim_start();
            let msg = if let Some(r) = msg.strip_prefix('"') {
                r.find("\": ").map_or(msg, |e| &r[e + 3..])
            } else {
                msg
            };
            (format!("{prefix}{msg}"), &lines[i + 1..])
        }
        None => (lines[0].to_string(), &lines[1..]),
    };
    text.truncate(text.trim_end().len());
    for l in rest {
        // Causes (`* field: message`, indented as webhooks print them);
        // not the diff lines or other details.
        let Some(cause) = l.trim_start().strip_prefix("* ") else {
            continue;
        };
        if text.ends_with(':') {
            text.push(' ');
        } else {
            text.push_str("; ");
        }
        text.push_str(cause.trim_end());
    }
    text
}

/// Splits the error output of `kubectl apply` into the objects refused
/// because an immutable field changed and the other errors (one line each).
/// Warnings are left out.
pub fn parse_apply_errors(stderr: &str) -> (Vec<Rejected>, Vec<String>) {
    let mut records: Vec<Vec<&str>> = Vec::new();
    for line in stderr.lines() {
        let line = line.trim_end_matches('\r');
        match records.last_mut() {
            Some(r) if !starts_record(line) && continues_record(line) => r.push(line),
            _ if line.trim().is_empty() => {}
            _ => records.push(vec![line]),
        }
    }
    let mut immutable = Vec::new();
    let mut errors = Vec::new();
    for r in records {
        if r[0].starts_with("Warning:") || r[0].starts_with("warning:") {
            continue;
        }
        let text = summarize(&r);
        match INVALID.captures(&text) {
            Some(c) if IMMUTABLE_MARKERS.iter().any(|m| c[4].contains(m)) => {
                immutable.push(Rejected {
                    kind: c[1].to_string(),
                    group: c.get(2).map_or("", |g| g.as_str()).to_string(),
                    name: c[3].to_string(),
                    message: c[4].trim().to_string(),
                })
            }
            _ => errors.push(text),
        }
    }
    (immutable, errors)
}

/// What one kubectl call printed.
#[derive(Debug, Clone)]
pub struct Output {
    /// The exit code; `None` when it was ended by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// The user's kubectl: every call runs the program with the context and
/// kubeconfig options.
#[derive(Debug, Clone)]
pub struct Kubectl {
    program: PathBuf,
    context: Option<String>,
    kubeconfig: Option<PathBuf>,
    env: Vec<(OsString, OsString)>,
    timeout: Duration,
}

impl Kubectl {
    /// `program` is a path or a name looked up in `PATH` (`kubectl`).
    pub fn new(
        program: impl Into<PathBuf>,
        context: Option<String>,
        kubeconfig: Option<PathBuf>,
    ) -> Kubectl {
        Kubectl {
            program: program.into(),
            context,
            kubeconfig,
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets an environment variable for every kubectl call (not for this
    /// process).
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// How long one call may take before kubectl is killed and the call
    /// fails ([`DEFAULT_TIMEOUT`] unless set).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn program(&self) -> &Path {
        &self.program
    }

    /// `--context X --kubeconfig F`, as given.
    pub fn global_args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if let Some(c) = &self.context {
            a.extend(["--context".to_string(), c.clone()]);
        }
        if let Some(k) = &self.kubeconfig {
            a.extend(["--kubeconfig".to_string(), k.to_string_lossy().into_owned()]);
        }
        a
    }

    /// Runs kubectl with the global options and `args`, writing `input` to
    /// its standard input. Fails only when it cannot be started or does not
    /// finish in time; a non-zero exit is in [`Output::code`].
    pub fn run(&self, args: &[String], input: Option<&[u8]>) -> Result<Output, KubeError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(self.global_args())
            .args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().map_err(|e| KubeError::Spawn {
            program: self.program.to_string_lossy().into_owned(),
            source: std::io::Error::new(
                e.kind(),
                format!("{e} (is kubectl installed? use --kubectl <path>)"),
            ),
        })?;
        if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
            // A thread, so that a child that does not read its input while
            // it fills its output pipes cannot block us; it ends when the
            // child closes the pipe.
            let data = data.to_vec();
            thread::spawn(move || {
                let _ = stdin.write_all(&data);
            });
        }
        let stdout = read_all(child.stdout.take());
        let stderr = read_all(child.stderr.take());
        let deadline = Instant::now() + self.timeout;
        let mut pause = Duration::from_millis(1);
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break Some(s),
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => {
                    thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(25));
                }
                Err(e) => {
                    let _ = child.kill();
                    return Err(KubeError::Failed {
                        command: self.command_line(args),
                        message: format!("cannot wait for it: {e}"),
                    });
                }
            }
        };
        // The pipes close when the child exits, unless something it started
        // keeps them open: do not wait for that forever.
        let grace = Duration::from_secs(5);
        let stdout = stdout.recv_timeout(grace).unwrap_or_default();
        let stderr = stderr.recv_timeout(grace).unwrap_or_default();
        match status {
            Some(s) => Ok(Output {
                code: s.code(),
                stdout,
                stderr,
            }),
            None => Err(KubeError::Failed {
                command: self.command_line(args),
                message: format!(
                    "no answer after {}s, stopped it{}",
                    self.timeout.as_secs_f64(),
                    first_lines(&stderr)
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                ),
            }),
        }
    }

    /// The error for a call that exited non-zero.
    fn failed(&self, args: &[String], out: &Output) -> KubeError {
        let message = first_lines(&out.stderr).unwrap_or_else(|| match out.code {
            Some(c) => format!("exit status {c}"),
            None => "ended by a signal".to_string(),
        });
        KubeError::Failed {
            command: self.command_line(args),
            message,
        }
    }

    fn json(&self, args: &[String], stdout: &str) -> Result<Json, KubeError> {
        serde_json::from_str(stdout).map_err(|e| KubeError::Output {
            command: self.command_line(args),
            message: format!("expected JSON: {e}"),
        })
    }

    /// The ok output of a call, or its failure.
    fn checked(&self, args: &[String], input: Option<&[u8]>) -> Result<Output, KubeError> {
        let out = self.run(args, input)?;
        if out.success() {
            Ok(out)
        } else {
            Err(self.failed(args, &out))
        }
    }
}

fn read_all<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
    });
    rx
}

/// The first few non-empty lines of an error output, trimmed.
fn first_lines(text: &str) -> Option<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return None;
    }
    let mut m = lines[..lines.len().min(MESSAGE_LINES)].join("\n");
    if lines.len() > MESSAGE_LINES {
        m.push_str(&format!(
            "\n... ({} more lines)",
            lines.len() - MESSAGE_LINES
        ));
    }
    Some(m)
}

impl Kubectl {
    /// `kubectl <args>` with the objects as one `v1/List` on standard input;
    /// the refusals and errors parsed from its error output.
    fn apply_with(&self, args: &[String], objects: &[Json]) -> Result<ApplyResult, KubeError> {
        if objects.is_empty() {
            // kubectl refuses an empty stream ("no objects passed to apply").
            return Ok(ApplyResult::default());
        }
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objects});
        let input = serde_json::to_vec(&list).map_err(|e| KubeError::Output {
            command: self.command_line(args),
            message: format!("cannot encode the objects: {e}"),
        })?;
        let out = self.run(args, Some(&input))?;
        let mut result = ApplyResult {
            output: out.stdout.clone(),
            ..ApplyResult::default()
        };
        if out.success() {
            return Ok(result);
        }
        let (mut immutable, mut errors) = parse_apply_errors(&out.stderr);
        for r in immutable.iter_mut().filter(|r| r.group.is_empty()) {
            let mut groups = objects
                .iter()
                .filter(|o| {
                    o.get("kind").and_then(Json::as_str) == Some(r.kind.as_str())
                        && o.pointer("/metadata/name").and_then(Json::as_str)
                            == Some(r.name.as_str())
                })
                .map(group_of);
            if let Some(g) = groups.next() {
                if groups.all(|other| other == g) {
                    r.group = g.to_string();
                }
            }
        }
        if immutable.is_empty() && errors.is_empty() {
            errors.push(match first_lines(&out.stderr) {
                Some(m) => m,
                None => format!("kubectl apply failed ({})", self.failed(args, &out)),
            });
        }
        result.immutable = immutable;
        result.errors = errors;
        Ok(result)
    }
}

fn group_of(obj: &Json) -> &str {
    obj.get("apiVersion")
        .and_then(Json::as_str)
        .and_then(|v| v.split_once('/'))
        .map_or("", |(g, _)| g)
}

impl Cluster for Kubectl {
    fn command_line(&self, args: &[String]) -> String {
        let mut words = vec![shell_quote(&self.program.to_string_lossy())];
        words.extend(self.global_args().iter().map(|a| shell_quote(a)));
        words.extend(args.iter().map(|a| shell_quote(a)));
        words.join(" ")
    }

    fn get(&self, key: &ObjKey) -> Result<Option<Json>, KubeError> {
        let args = get_args(key);
        let out = self.run(&args, None)?;
        if !out.success() {
            return if is_not_found(&out.stderr) {
                Ok(None)
            } else {
                Err(self.failed(&args, &out))
            };
        }
        let v = self.json(&args, &out.stdout)?;
        if !v.is_object() {
            return Err(KubeError::Output {
                command: self.command_line(&args),
                message: "expected a JSON object".into(),
            });
        }
        Ok(Some(v))
    }

    fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        selector: &str,
    ) -> Result<Vec<Json>, KubeError> {
        let args = list_args(api_version, kind, namespace, selector);
        let out = self.run(&args, None)?;
        if !out.success() {
            return if is_not_found(&out.stderr) {
                Ok(Vec::new())
            } else {
                Err(self.failed(&args, &out))
            };
        }
        match self.json(&args, &out.stdout)? {
            Json::Object(mut m) => match m.remove("items") {
                Some(Json::Array(items)) => Ok(items),
                Some(Json::Null) | None => Ok(Vec::new()),
                Some(_) => Err(KubeError::Output {
                    command: self.command_line(&args),
                    message: "'items' is not a list".into(),
                }),
            },
            _ => Err(KubeError::Output {
                command: self.command_line(&args),
                message: "expected a JSON List object".into(),
            }),
        }
    }

    fn apply(&self, objects: &[Json], server_side: bool) -> Result<ApplyResult, KubeError> {
        self.apply_with(&apply_args(server_side), objects)
    }

    fn apply_dry_run(&self, objects: &[Json], server_side: bool) -> Result<ApplyResult, KubeError> {
        self.apply_with(&dry_run_apply_args(server_side), objects)
    }

    fn delete(&self, key: &ObjKey) -> Result<bool, KubeError> {
        let args = delete_args(key);
        let out = self.run(&args, None)?;
        if !out.success() {
            return if is_not_found(&out.stderr) {
                Ok(false)
            } else {
                Err(self.failed(&args, &out))
            };
        }
        // `statefulset.apps "web" deleted` (kubectl 1.32 and later add
        // ` from <namespace> namespace`); nothing with --ignore-not-found
        // when there was no such object.
        Ok(out.stdout.lines().any(|l| l.contains("\" deleted")))
    }

    fn scale(&self, key: &ObjKey, replicas: u32) -> Result<(), KubeError> {
        self.checked(&scale_args(key, replicas), None).map(|_| ())
    }

    fn logs_since(
        &self,
        key: &ObjKey,
        container: Option<&str>,
        since: Duration,
    ) -> Result<String, KubeError> {
        self.checked(&logs_args(key, container, since), None)
            .map(|o| o.stdout)
    }

    fn exec(
        &self,
        namespace: Option<&str>,
        target: &str,
        container: Option<&str>,
        command: &[String],
    ) -> Result<String, KubeError> {
        self.checked(&exec_args(namespace, target, container, command), None)
            .map(|o| o.stdout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STS_FORBIDDEN: &str = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

    fn key(api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> ObjKey {
        ObjKey {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: ns.map(String::from),
            name: name.into(),
        }
    }

    #[test]
    fn resource_args_name_the_group() {
        assert_eq!(
            resource_arg_for("apps/v1", "StatefulSet"),
            "statefulset.v1.apps"
        );
        assert_eq!(
            resource_arg_for("storage.k8s.io/v1", "StorageClass"),
            "storageclass.v1.storage.k8s.io"
        );
        assert_eq!(
            resource_arg_for("rok.arrikto.com/v1alpha1", "RokCluster"),
            "rokcluster.v1alpha1.rok.arrikto.com"
        );
        assert_eq!(resource_arg_for("v1", "Service"), "service");
        assert_eq!(resource_arg_for("", "Service"), "service");
        assert_eq!(
            resource_arg(&key("batch/v1", "Job", None, "j")),
            "job.v1.batch"
        );
    }

    #[test]
    fn argument_forms() {
        let k = key("apps/v1", "StatefulSet", Some("db"), "web");
        assert_eq!(
            get_args(&k),
            [
                "get",
                "statefulset.v1.apps",
                "web",
                "-n",
                "db",
                "-o",
                "json"
            ]
        );
        assert_eq!(
            list_args("v1", "Pod", Some("db"), "app=web"),
            ["get", "pod", "-n", "db", "-l", "app=web", "-o", "json"]
        );
        assert_eq!(apply_args(false), ["apply", "-f", "-"]);
        assert_eq!(
            apply_args(true),
            ["apply", "-f", "-", "--server-side", "--force-conflicts"]
        );
        assert_eq!(
            delete_args(&key("storage.k8s.io/v1", "StorageClass", None, "rok")),
            [
                "delete",
                "storageclass.v1.storage.k8s.io",
                "rok",
                "--ignore-not-found",
                "--wait=true"
            ]
        );
        assert_eq!(
            scale_args(&k, 0),
            [
                "scale",
                "statefulset.v1.apps",
                "web",
                "-n",
                "db",
                "--replicas=0"
            ]
        );
        assert_eq!(
            logs_args(&k, None, Duration::from_millis(30_500)),
            [
                "logs",
                "statefulset/web",
                "-n",
                "db",
                "--all-containers=true",
                "--since=31s",
                "--all-pods=true"
            ]
        );
        assert_eq!(
            logs_args(&k, Some("drain"), Duration::ZERO)[4..],
            ["-c", "drain", "--since=1s", "--all-pods=true"]
        );
    }

    #[test]
    fn command_lines_are_shell_quoted() {
        let k = Kubectl::new(
            "/usr/bin/kubectl",
            Some("prod cluster".into()),
            Some(PathBuf::from("/home/me/.kube/config")),
        );
        assert_eq!(
            k.command_line(&["get".into(), "pod".into(), "-l".into(), "app in (a,b)".into()]),
            "/usr/bin/kubectl --context 'prod cluster' --kubeconfig /home/me/.kube/config get pod -l 'app in (a,b)'"
        );
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("--replicas=0"), "--replicas=0");
        assert_eq!(shell_quote("a$b"), "'a$b'");
    }

    #[test]
    fn not_found_texts() {
        assert!(is_not_found(
            "Error from server (NotFound): statefulsets.apps \"web\" not found\n"
        ));
        assert!(is_not_found(
            "error: the server doesn't have a resource type \"rokcluster\"\n"
        ));
        assert!(!is_not_found(
            "The connection to the server localhost:8080 was refused - did you specify the right host or port?\n"
        ));
    }

    #[test]
    fn one_error_form_of_client_side_apply() {
        let stderr = format!("The StatefulSet \"web\" is invalid: {STS_FORBIDDEN}\n");
        let (imm, errs) = parse_apply_errors(&stderr);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            imm,
            vec![Rejected {
                kind: "StatefulSet".into(),
                group: String::new(),
                name: "web".into(),
                message: STS_FORBIDDEN.into(),
            }]
        );
    }

    #[test]
    fn stream_form_with_several_errors() {
        let stderr = format!(
            "Warning: resource statefulsets/web is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n\
Error from server (Invalid): error when applying patch:\n\
{{\"metadata\":{{\"annotations\":{{\"kubectl.kubernetes.io/last-applied-configuration\":\"{{}}\\n\"}}}},\"spec\":{{\"serviceName\":\"web2\"}}}}\n\
to:\n\
Resource: \"apps/v1, Resource=statefulsets\", GroupVersionKind: \"apps/v1, Kind=StatefulSet\"\n\
Name: \"web\", Namespace: \"db\"\n\
for: \"STDIN\": error when patching \"STDIN\": StatefulSet.apps \"web\" is invalid: {STS_FORBIDDEN}\n\
Error from server (Invalid): error when applying patch:\n\
{{\"parameters\":{{\"pool\":\"b\"}}}}\n\
to:\n\
Resource: \"storage.k8s.io/v1, Resource=storageclasses\", GroupVersionKind: \"storage.k8s.io/v1, Kind=StorageClass\"\n\
Name: \"rok\", Namespace: \"\"\n\
for: \"STDIN\": error when patching \"STDIN\": StorageClass.storage.k8s.io \"rok\" is invalid: parameters: Forbidden: updates to parameters are forbidden.\n\
Error from server (Forbidden): error when creating \"STDIN\": configmaps \"c\" is forbidden: User \"dev\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"db\"\n"
        );
        let (imm, errs) = parse_apply_errors(&stderr);
        assert_eq!(imm.len(), 2, "{imm:?}");
        assert_eq!(
            (
                imm[0].kind.as_str(),
                imm[0].group.as_str(),
                imm[0].name.as_str()
            ),
            ("StatefulSet", "apps", "web")
        );
        assert_eq!(imm[0].message, STS_FORBIDDEN);
        assert_eq!(
            imm[1],
            Rejected {
                kind: "StorageClass".into(),
                group: "storage.k8s.io".into(),
                name: "rok".into(),
                message: "parameters: Forbidden: updates to parameters are forbidden.".into(),
            }
        );
        assert_eq!(
            errs,
            vec!["Error from server (Forbidden): error when creating \"STDIN\": configmaps \"c\" is forbidden: User \"dev\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"db\"".to_string()]
        );
    }

    #[test]
    fn field_is_immutable_texts() {
        let stderr = "\
Error from server (Invalid): error when applying patch:
{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"y\"}}}}
to:
Resource: \"apps/v1, Resource=deployments\", GroupVersionKind: \"apps/v1, Kind=Deployment\"
Name: \"api\", Namespace: \"rok\"
for: \"STDIN\": error when patching \"STDIN\": Deployment.apps \"api\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"y\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable
Error from server (Invalid): error when applying patch:
{\"spec\":{\"clusterIP\":\"None\"}}
to:
Resource: \"/v1, Resource=services\", GroupVersionKind: \"/v1, Kind=Service\"
Name: \"db\", Namespace: \"rok\"
for: \"STDIN\": error when patching \"STDIN\": Service \"db\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"None\"}: may not change once set
Error from server (Invalid): error when applying patch:
{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"m\",\"image\":\"m:2\"}]}}}}
to:
Resource: \"batch/v1, Resource=jobs\", GroupVersionKind: \"batch/v1, Kind=Job\"
Name: \"migrate\", Namespace: \"rok\"
for: \"STDIN\": error when patching \"STDIN\": Job.batch \"migrate\" is invalid: spec.template: Invalid value: core.PodTemplateSpec{ObjectMeta:v1.ObjectMeta{Name:\"\"}}: field is immutable
Error from server (Invalid): error when applying patch:
{\"spec\":{\"storageClassName\":null}}
to:
Resource: \"/v1, Resource=persistentvolumeclaims\", GroupVersionKind: \"/v1, Kind=PersistentVolumeClaim\"
Name: \"data\", Namespace: \"rok\"
for: \"STDIN\": error when patching \"STDIN\": PersistentVolumeClaim \"data\" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims
  core.PersistentVolumeClaimSpec{
  \t... // 2 identical fields
- \tStorageClassName: &\"manual\",
+ \tStorageClassName: nil,
  }
";
        let (imm, errs) = parse_apply_errors(stderr);
        assert!(errs.is_empty(), "{errs:?}");
        let got: Vec<(&str, &str, &str)> = imm
            .iter()
            .map(|r| (r.kind.as_str(), r.group.as_str(), r.name.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Deployment", "apps", "api"),
                ("Service", "", "db"),
                ("Job", "batch", "migrate"),
                ("PersistentVolumeClaim", "", "data")
            ]
        );
        assert_eq!(
            imm[3].message,
            "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
        );
        assert!(imm[1].message.ends_with("may not change once set"));

        // The one-error form keeps the diff lines out of the message too.
        let stderr = "\
The PersistentVolumeClaim \"data\" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims
  core.PersistentVolumeClaimSpec{
  \tAccessModes: {\"ReadWriteOnce\"},
- \tStorageClassName: &\"manual\",
+ \tStorageClassName: nil,
  }
";
        let (imm, errs) = parse_apply_errors(stderr);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(imm.len(), 1);
        assert_eq!(imm[0].kind, "PersistentVolumeClaim");
        assert!(imm[0].message.ends_with("for bound claims"));
    }

    #[test]
    fn multi_cause_and_server_side_forms() {
        let stderr = format!(
            "The StatefulSet \"web\" is invalid: \n\
* spec.selector: Invalid value: v1.LabelSelector{{MatchLabels:map[string]string{{\"app\":\"w\"}}}}: field is immutable\n\
* {STS_FORBIDDEN}\n"
        );
        let (imm, errs) = parse_apply_errors(&stderr);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(imm.len(), 1);
        assert!(imm[0].message.starts_with("spec.selector: Invalid value"));
        assert!(imm[0]
            .message
            .contains("field is immutable; spec: Forbidden: updates to"));

        // Server-side apply does not wrap the server's message.
        let stderr = "\
Error from server (Invalid): StorageClass.storage.k8s.io \"rok\" is invalid: [parameters: Forbidden: updates to parameters are forbidden., provisioner: Forbidden: updates to provisioner are forbidden.]
Error from server (Invalid): StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas' are forbidden
";
        let (imm, errs) = parse_apply_errors(stderr);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(imm[0].group, "storage.k8s.io");
        assert!(imm[0].message.starts_with("[parameters: Forbidden"));
        assert_eq!(
            (imm[1].kind.as_str(), imm[1].group.as_str()),
            ("StatefulSet", "apps")
        );
    }

    #[test]
    fn other_errors_are_not_immutable() {
        let stderr = "\
The Service \"web\" is invalid: spec.ports[0].port: Invalid value: 99999999: must be between 1 and 65535
";
        let (imm, errs) = parse_apply_errors(stderr);
        assert!(imm.is_empty());
        assert_eq!(
            errs,
            ["The Service \"web\" is invalid: spec.ports[0].port: Invalid value: 99999999: must be between 1 and 65535"]
        );

        let stderr = "\
E0612 10:00:00.000000   4242 memcache.go:265] \"Unhandled Error\" err=\"couldn't get current server API group list: Get \\\"https://127.0.0.1:6443/api\\\": dial tcp 127.0.0.1:6443: connect: connection refused\"
The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?
";
        let (imm, errs) = parse_apply_errors(stderr);
        assert!(imm.is_empty());
        assert_eq!(errs.len(), 2);
        assert!(errs[1].starts_with("The connection to the server"));

        // A webhook's refusal, with its causes indented by a tab.
        let stderr = "\
Error from server (Forbidden): error when applying patch:
{\"spec\":{\"project\":\"p\"}}
to:
Resource: \"kai.resources/v1alpha1, Resource=departments\", GroupVersionKind: \"kai.resources/v1alpha1, Kind=Department\"
Name: \"platform\", Namespace: \"\"
for: \"STDIN\": error when patching \"STDIN\": admission webhook \"d.example.com\" denied the request: 1 error occurred:
\t* queue \"q\": node pool \"h200\" does not exist

";
        let (imm, errs) = parse_apply_errors(stderr);
        assert!(imm.is_empty());
        assert_eq!(
            errs,
            ["Error from server (Forbidden): error when patching \"STDIN\": admission webhook \"d.example.com\" denied the request: 1 error occurred: queue \"q\": node pool \"h200\" does not exist"]
        );
        // Warnings alone are no error.
        let (imm, errs) =
            parse_apply_errors("Warning: spec.template.spec.containers[0]: x is deprecated\n");
        assert!(imm.is_empty() && errs.is_empty());
    }

    #[test]
    fn spawn_failure_names_the_program() {
        let k = Kubectl::new("/nonexistent/kubectl-xyz", None, None);
        let e = k.get(&key("v1", "Pod", Some("a"), "b")).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, KubeError::Spawn { .. }), "{msg}");
        assert!(msg.contains("'/nonexistent/kubectl-xyz'"), "{msg}");
        assert!(msg.contains("use --kubectl <path>"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn hanging_child_is_stopped() {
        // `sh -c 'sleep 30' sh get ...`: the kubectl arguments become the
        // script's positional parameters.
        let k = Kubectl::new("sh", None, None)
            .with_timeout(Duration::from_millis(300))
            .with_env("GITOPS_TEST_X", "1");
        let started = Instant::now();
        let e = k
            .run(&["-c".into(), "exec sleep 30".into()], None)
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(e.to_string().contains("no answer after 0.3s"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn large_input_and_output_do_not_deadlock() {
        let k = Kubectl::new("sh", None, None).with_env("GITOPS_TEST_X", "hello");
        let input = vec![b'x'; 1 << 20];
        let out = k
            .run(
                &["-c".into(), "cat; echo \"$GITOPS_TEST_X\" >&2".into()],
                Some(&input),
            )
            .unwrap();
        assert!(out.success());
        assert_eq!(out.stdout.len(), 1 << 20);
        assert_eq!(out.stderr, "hello\n");
    }
}
