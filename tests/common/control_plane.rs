//! A real Kubernetes control plane for the apply tests, the way
//! controller-runtime's envtest runs one: a real `etcd` and a real
//! `kube-apiserver` on free loopback ports, a temporary data directory, an
//! admin bearer token (static token file, group `system:masters`, RBAC on),
//! the service-account key pair the API server requires, and a generated
//! kubeconfig used by the real `kubectl`.
//!
//! The binaries come from `$KUBEBUILDER_ASSETS` or are built once from Go
//! modules and cached under `target/control-plane/bin`
//! (`tools/control-plane/provision.sh`, which `.ci/run` runs first).
//!
//! There are no kubelets and no controllers (no controller-manager, no
//! scheduler): nothing ever makes a workload ready, and namespaces are never
//! finalized. [`StatusDriver`] plays the controllers' part by patching the
//! status subresource of workloads, as envtest users do.
//!
//! One etcd per test binary is shared; every [`ControlPlane`] is its own
//! kube-apiserver on its own etcd key prefix, so tests that use the same
//! fixed namespaces and cluster-scoped objects do not see each other.
//!
//! No process is left behind: each server runs under a small shell watchdog
//! in its own process group that stops the server when the test process is
//! gone (also after a panic or a kill), and [`ControlPlane`]'s `Drop` stops
//! its API server at once.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::{crate_dir, kubectl};

/// The directory holding `kube-apiserver` and `etcd`: `$KUBEBUILDER_ASSETS`,
/// or the cached build (built now when missing, under a lock). Panics with
/// the reason when neither can be had, so the test fails and never skips.
pub fn assets() -> &'static Path {
    static ASSETS: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match ASSETS.get_or_init(|| {
        let script = crate_dir().join("tools/control-plane/provision.sh");
        let out = Command::new("bash")
            .arg(&script)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!("{} failed", script.display()));
        }
        let dir = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .to_string();
        Ok(PathBuf::from(dir))
    }) {
        Ok(p) => p,
        Err(e) => panic!(
            "no control plane for the apply tests: {e}\n\
             Set KUBEBUILDER_ASSETS to a directory holding kube-apiserver and etcd, \
             or install Go so that tools/control-plane/provision.sh can build them."
        ),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A server process under a watchdog, in its own process group.
struct Server {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Server {
    /// Starts `program args` under `sh`: the shell starts the server, then
    /// polls every half second that the test process still runs; when it
    /// does not, it stops the server (TERM, then KILL) and removes `cleanup`.
    /// A TERM to the shell (a [`Server::stop`]) kills the server at once:
    /// its data is thrown away, and kube-apiserver's graceful shutdown takes
    /// seconds.
    fn start(
        name: &'static str,
        program: &Path,
        args: &[String],
        log: PathBuf,
        cleanup: &Path,
    ) -> Server {
        let script = r#"
prog="$1"; shift
"$prog" "$@" &
c=$!
trap 'kill -KILL $c 2>/dev/null; wait $c; rm -rf "$CP_CLEANUP"; exit 0' TERM
while kill -0 "$CP_WATCH" 2>/dev/null && kill -0 $c 2>/dev/null; do sleep 0.5 & wait $!; done
kill -TERM $c 2>/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 $c 2>/dev/null || break; sleep 0.5; done
kill -KILL $c 2>/dev/null
wait $c
rm -rf "$CP_CLEANUP"
"#;
        let out = fs::File::create(&log).expect("server log file");
        let err = out.try_clone().unwrap();
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(program)
            .args(args)
            .env("CP_WATCH", std::process::id().to_string())
            .env("CP_CLEANUP", cleanup)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        Server { name, child, log }
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Stops the server and waits for the watchdog (which removes the
    /// server's directory).
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if !self.running() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

/// The etcd shared by the control planes of one test binary.
struct Etcd {
    url: String,
    _server: Mutex<Server>,
}

fn etcd() -> &'static Etcd {
    static ETCD: OnceLock<Etcd> = OnceLock::new();
    ETCD.get_or_init(|| {
        let bin = assets().join("etcd");
        let dir = std::env::temp_dir().join(format!("gitops-upgrade-etcd-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let (client, peer) = (free_port(), free_port());
        let url = format!("http://127.0.0.1:{client}");
        let peer_url = format!("http://127.0.0.1:{peer}");
        let args: Vec<String> = vec![
            format!("--data-dir={}", dir.join("data").display()),
            format!("--listen-client-urls={url}"),
            format!("--advertise-client-urls={url}"),
            format!("--listen-peer-urls={peer_url}"),
            format!("--initial-advertise-peer-urls={peer_url}"),
            format!("--initial-cluster=default={peer_url}"),
            "--unsafe-no-fsync=true".into(),
            "--log-level=warn".into(),
        ];
        let mut server = Server::start("etcd", &bin, &args, dir.join("etcd.log"), &dir);
        // etcd answers /health once it has a leader (a single member: at once).
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if !server.running() {
                panic!("etcd exited at start:\n{}", server.log_tail());
            }
            if TcpListener::bind(("127.0.0.1", client)).is_err() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "etcd did not listen within 60s:\n{}",
                server.log_tail()
            );
            thread::sleep(Duration::from_millis(50));
        }
        Etcd {
            url,
            _server: Mutex::new(server),
        }
    })
}

/// One kube-apiserver (with the binary's shared etcd, on its own prefix).
pub struct ControlPlane {
    dir: PathBuf,
    server: Server,
    /// The generated kubeconfig (context `envtest`, namespace `default`).
    pub kubeconfig: PathBuf,
    /// `https://127.0.0.1:<port>`
    pub url: String,
    /// The admin bearer token.
    pub token: String,
}

/// Counts control planes per test binary (etcd prefixes, directories).
static NEXT: AtomicUsize = AtomicUsize::new(0);

impl ControlPlane {
    /// Starts an API server and waits until `/readyz` answers `ok`.
    pub fn start() -> ControlPlane {
        let etcd = etcd();
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "gitops-upgrade-apiserver-{}-{n}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("certs")).unwrap();
        // The service-account token signing key pair the API server requires.
        let key = dir.join("sa.key");
        let pubkey = dir.join("sa.pub");
        let ok = Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
            ])
            .arg(&key)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
            && Command::new("openssl")
                .args(["pkey", "-pubout", "-in"])
                .arg(&key)
                .arg("-out")
                .arg(&pubkey)
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        assert!(ok, "openssl could not make the service-account key pair");
        let token = format!("gitops-upgrade-test-{}-{n}", std::process::id());
        fs::write(
            dir.join("tokens.csv"),
            format!("{token},admin,admin-uid,system:masters\n"),
        )
        .unwrap();
        let port = free_port();
        let url = format!("https://127.0.0.1:{port}");
        let args: Vec<String> = vec![
            format!("--etcd-servers={}", etcd.url),
            format!("--etcd-prefix=/registry-{n}"),
            "--bind-address=127.0.0.1".into(),
            "--advertise-address=127.0.0.1".into(),
            // No endpoint reconciler: it refuses a loopback address.
            "--endpoint-reconciler-type=none".into(),
            format!("--secure-port={port}"),
            format!("--cert-dir={}", dir.join("certs").display()),
            format!("--token-auth-file={}", dir.join("tokens.csv").display()),
            "--authorization-mode=RBAC".into(),
            format!("--service-account-key-file={}", pubkey.display()),
            format!("--service-account-signing-key-file={}", key.display()),
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
            "--service-cluster-ip-range=10.0.0.0/24".into(),
            "--allow-privileged=true".into(),
            // Pods can be created without the token controller's default
            // service account (there is no controller-manager).
            "--disable-admission-plugins=ServiceAccount".into(),
            "--v=0".into(),
        ];
        let bin = assets().join("kube-apiserver");
        let server = Server::start(
            "kube-apiserver",
            &bin,
            &args,
            dir.join("apiserver.log"),
            &dir,
        );
        let kubeconfig = dir.join("kubeconfig");
        fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: envtest\n  cluster:\n    server: {url}\n    insecure-skip-tls-verify: true\nusers:\n- name: admin\n  user:\n    token: {token}\ncontexts:\n- name: envtest\n  context:\n    cluster: envtest\n    user: admin\n    namespace: default\ncurrent-context: envtest\n"
            ),
        )
        .unwrap();
        let mut cp = ControlPlane {
            dir,
            server,
            kubeconfig,
            url,
            token,
        };
        cp.wait_ready();
        announce_version(&cp);
        cp
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if !self.server.running() {
                panic!(
                    "kube-apiserver exited at start:\n{}",
                    self.server.log_tail()
                );
            }
            let out = self.kubectl(&["get", "--raw", "/readyz"]).output();
            if out.is_ok_and(|o| o.status.success() && o.stdout.starts_with(b"ok")) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "kube-apiserver not ready within 180s:\n{}",
                self.server.log_tail()
            );
            thread::sleep(Duration::from_millis(250));
        }
    }

    /// The reference kubectl with this control plane's kubeconfig.
    pub fn kubectl(&self, args: &[&str]) -> Command {
        let mut c = Command::new(kubectl());
        c.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// Runs kubectl; panics with its error output when it fails.
    pub fn run(&self, args: &[&str]) -> String {
        let o = self.kubectl(args).output().expect("kubectl runs");
        assert!(
            o.status.success(),
            "kubectl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `kubectl apply -f -` of a YAML or JSON text.
    pub fn apply(&self, manifest: &str) {
        let mut child = self
            .kubectl(&["apply", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(manifest.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "kubectl apply: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// The object as JSON, or `None` when the server does not have it.
    pub fn get(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<Json> {
        let mut args = vec!["get", resource, name, "-o", "json"];
        if let Some(ns) = namespace {
            args.extend(["-n", ns]);
        }
        let o = self.kubectl(&args).output().unwrap();
        if !o.status.success() {
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("NotFound"), "kubectl get: {err}");
            return None;
        }
        Some(serde_json::from_slice(&o.stdout).unwrap())
    }

    /// `kubectl version -o json`'s server `gitVersion`.
    pub fn server_version(&self) -> String {
        let out = self.run(&["version", "-o", "json"]);
        let j: Json = serde_json::from_str(&out).unwrap();
        j["serverVersion"]["gitVersion"]
            .as_str()
            .unwrap_or("?")
            .to_string()
    }

    /// Starts a [`StatusDriver`] on this control plane.
    pub fn drive_status(&self) -> StatusDriver {
        StatusDriver::start(self)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        self.server.stop();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Prints the server version once per test binary, past the test harness's
/// output capture, so that the test log shows what the suite ran against.
fn announce_version(cp: &ControlPlane) {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let v = cp.server_version();
        let _ = writeln!(
            std::io::stderr(),
            "control plane: kube-apiserver {v} with etcd (from {}), kubectl {}",
            assets().display(),
            kubectl().display()
        );
    });
}

/// What [`StatusDriver`] leaves alone or sets beyond the workloads.
#[derive(Default)]
struct DriverRules {
    /// `kind/namespace/name` of workloads never made ready.
    held: Vec<String>,
    /// Status set on custom resources: (resource, namespace, name, status).
    custom: Vec<(String, String, String, Json)>,
}

/// Plays the controllers' part on a bare API server: about five times a
/// second it lists Deployments, StatefulSets and DaemonSets and patches the
/// status subresource of each one not yet reporting its current generation
/// as rolled out, creates a StatefulSet's pods and makes them Ready (pod
/// status subresource), and sets the statuses registered with
/// [`StatusDriver::set_custom`]. Stopped on drop.
pub struct StatusDriver {
    stop: Arc<AtomicBool>,
    rules: Arc<Mutex<DriverRules>>,
    thread: Option<thread::JoinHandle<()>>,
    /// Patches made so far (for tests that check the driver ran).
    pub patches: Arc<AtomicUsize>,
}

impl StatusDriver {
    fn start(cp: &ControlPlane) -> StatusDriver {
        let stop = Arc::new(AtomicBool::new(false));
        let rules = Arc::new(Mutex::new(DriverRules::default()));
        let patches = Arc::new(AtomicUsize::new(0));
        let kubeconfig = cp.kubeconfig.clone();
        let (s, r, p) = (stop.clone(), rules.clone(), patches.clone());
        let thread = thread::spawn(move || {
            let mut pods = BTreeSet::new();
            while !s.load(Ordering::SeqCst) {
                drive_once(&kubeconfig, &r, &p, &mut pods);
                thread::sleep(Duration::from_millis(200));
            }
        });
        StatusDriver {
            stop,
            rules,
            thread: Some(thread),
            patches,
        }
    }

    /// Never makes this workload (`DaemonSet/rok-system/rok-kmod`) ready.
    pub fn hold(&self, kind_ns_name: &str) {
        self.rules.lock().unwrap().held.push(kind_ns_name.into());
    }

    /// Makes held workloads ready again.
    pub fn release_all(&self) {
        self.rules.lock().unwrap().held.clear();
    }

    /// Keeps `status` merged into this custom resource whenever it exists.
    pub fn set_custom(&self, resource: &str, namespace: &str, name: &str, status: Json) {
        let mut r = self.rules.lock().unwrap();
        r.custom
            .retain(|(res, ns, n, _)| !(res == resource && ns == namespace && n == name));
        r.custom
            .push((resource.into(), namespace.into(), name.into(), status));
    }

    pub fn clear_custom(&self) {
        self.rules.lock().unwrap().custom.clear();
    }
}

impl Drop for StatusDriver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn kubectl_at(kubeconfig: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let o = Command::new(kubectl())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    o.status.success().then_some(o.stdout)
}

fn int(j: &Json, ptr: &str) -> i64 {
    j.pointer(ptr).and_then(Json::as_i64).unwrap_or(0)
}

/// The status a controller would write once every pod of the workload's
/// current generation is up; `None` when it already says so.
pub fn rolled_out_status(obj: &Json) -> Option<Json> {
    let generation = int(obj, "/metadata/generation");
    let replicas = obj
        .pointer("/spec/replicas")
        .and_then(Json::as_i64)
        .unwrap_or(1);
    let (status, done) = match obj["kind"].as_str()? {
        "Deployment" => (
            serde_json::json!({
                "observedGeneration": generation,
                "replicas": replicas,
                "updatedReplicas": replicas,
                "readyReplicas": replicas,
                "availableReplicas": replicas,
            }),
            int(obj, "/status/observedGeneration") == generation
                && int(obj, "/status/availableReplicas") == replicas
                && int(obj, "/status/updatedReplicas") == replicas,
        ),
        "StatefulSet" => {
            let rev = format!("{}-{generation}", obj["metadata"]["name"].as_str()?);
            (
                serde_json::json!({
                    "observedGeneration": generation,
                    "replicas": replicas,
                    "readyReplicas": replicas,
                    "currentReplicas": replicas,
                    "updatedReplicas": replicas,
                    "availableReplicas": replicas,
                    "currentRevision": rev,
                    "updateRevision": rev,
                }),
                int(obj, "/status/observedGeneration") == generation
                    && int(obj, "/status/readyReplicas") == replicas,
            )
        }
        "DaemonSet" => (
            serde_json::json!({
                "observedGeneration": generation,
                "desiredNumberScheduled": 1,
                "currentNumberScheduled": 1,
                "updatedNumberScheduled": 1,
                "numberReady": 1,
                "numberAvailable": 1,
                "numberMisscheduled": 0,
            }),
            int(obj, "/status/observedGeneration") == generation
                && int(obj, "/status/numberReady") == 1,
        ),
        _ => return None,
    };
    (!done).then_some(status)
}

fn kubectl_in(kubeconfig: &Path, args: &[&str], input: &str) -> bool {
    let Ok(mut child) = Command::new(kubectl())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(input.as_bytes());
    }
    child.wait().is_ok_and(|s| s.success())
}

/// The pods a StatefulSet controller would create (`<name>-<ordinal>`, the
/// template's labels and spec), made Ready through their status
/// subresource as a kubelet would. Each pod is made once (`made`).
fn drive_pods(kubeconfig: &Path, sts: &Json, made: &mut BTreeSet<String>) {
    let ns = sts["metadata"]["namespace"].as_str().unwrap_or("default");
    let name = sts["metadata"]["name"].as_str().unwrap_or("");
    let replicas = sts
        .pointer("/spec/replicas")
        .and_then(Json::as_i64)
        .unwrap_or(1);
    for i in 0..replicas {
        let pod = format!("{name}-{i}");
        let key = format!("{ns}/{pod}");
        if made.contains(&key) {
            continue;
        }
        let manifest = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": pod,
                "namespace": ns,
                "labels": sts["spec"]["template"]["metadata"]["labels"],
            },
            "spec": sts["spec"]["template"]["spec"],
        });
        let ready = serde_json::json!({"status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
        }})
        .to_string();
        if kubectl_in(kubeconfig, &["apply", "-f", "-"], &manifest.to_string())
            && kubectl_at(
                kubeconfig,
                &[
                    "patch",
                    "pod",
                    &pod,
                    "-n",
                    ns,
                    "--subresource=status",
                    "--type=merge",
                    "-p",
                    &ready,
                ],
            )
            .is_some()
        {
            made.insert(key);
        }
    }
}

fn drive_once(
    kubeconfig: &Path,
    rules: &Mutex<DriverRules>,
    patches: &AtomicUsize,
    pods: &mut BTreeSet<String>,
) {
    let (held, custom) = {
        let r = rules.lock().unwrap();
        (r.held.clone(), r.custom.clone())
    };
    if let Some(out) = kubectl_at(
        kubeconfig,
        &[
            "get",
            "deployments.apps,statefulsets.apps,daemonsets.apps",
            "-A",
            "-o",
            "json",
        ],
    ) {
        let list: Json = serde_json::from_slice(&out).unwrap_or(Json::Null);
        for obj in list["items"].as_array().into_iter().flatten() {
            let kind = obj["kind"].as_str().unwrap_or("");
            let ns = obj["metadata"]["namespace"].as_str().unwrap_or("");
            let name = obj["metadata"]["name"].as_str().unwrap_or("");
            if held.contains(&format!("{kind}/{ns}/{name}")) {
                continue;
            }
            if kind == "StatefulSet" {
                drive_pods(kubeconfig, obj, pods);
            }
            if let Some(status) = rolled_out_status(obj) {
                let res = format!("{}.apps", kind.to_ascii_lowercase());
                let patch = serde_json::json!({ "status": status }).to_string();
                if kubectl_at(
                    kubeconfig,
                    &[
                        "patch",
                        &res,
                        name,
                        "-n",
                        ns,
                        "--subresource=status",
                        "--type=merge",
                        "-p",
                        &patch,
                    ],
                )
                .is_some()
                {
                    patches.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }
    for (res, ns, name, status) in custom {
        let Some(out) = kubectl_at(kubeconfig, &["get", &res, &name, "-n", &ns, "-o", "json"])
        else {
            continue;
        };
        let obj: Json = serde_json::from_slice(&out).unwrap_or(Json::Null);
        let current = &obj["status"];
        let differs = status
            .as_object()
            .into_iter()
            .flatten()
            .any(|(k, v)| current.get(k) != Some(v));
        if differs {
            // A CRD without a status subresource keeps status in the main
            // resource; try the subresource first.
            let patch = serde_json::json!({ "status": status }).to_string();
            let with_sub = [
                "patch",
                res.as_str(),
                name.as_str(),
                "-n",
                ns.as_str(),
                "--subresource=status",
                "--type=merge",
                "-p",
                patch.as_str(),
            ];
            let done = kubectl_at(kubeconfig, &with_sub).is_some()
                || kubectl_at(
                    kubeconfig,
                    &with_sub[..5]
                        .iter()
                        .chain(&with_sub[6..])
                        .copied()
                        .collect::<Vec<_>>(),
                )
                .is_some();
            if done {
                patches.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}
