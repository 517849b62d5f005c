//! What the subcommands share on the command line: how to reach the
//! cluster (`ClusterArgs`), the terminal side of a run (`TermUi`), and
//! opening the repository. No command logic lives here.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use super::Failure;
use gitops_upgrade::apply::engine::{human, Options, Ui};
use gitops_upgrade::apply::kube::Kubectl;
use gitops_upgrade::outcome::Outcome;
use gitops_upgrade::plan::parse_duration;

/// How to reach the cluster and how long to wait: shared by `apply` and
/// `upgrade`.
#[derive(Args, Debug, Clone)]
pub struct ClusterArgs {
    /// Use `kubectl apply --server-side --force-conflicts`.
    #[arg(long)]
    pub server_side: bool,

    /// The kubectl to run.
    #[arg(long, value_name = "PATH", default_value = "kubectl")]
    pub kubectl: String,

    /// The kubeconfig context to use.
    #[arg(long, value_name = "CTX")]
    pub context: Option<String>,

    /// The kubeconfig file to use.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// How long to wait for each component (and each pre-step) to be ready;
    /// a component's `timeout:` in the plan wins.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub timeout: Duration,

    /// How often readiness is polled.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration, hide = true)]
    pub poll_interval: Duration,
}

impl ClusterArgs {
    pub(super) fn kubectl(&self) -> Kubectl {
        Kubectl::new(&self.kubectl, self.context.clone(), self.kubeconfig.clone())
    }

    /// Apply options with these settings.
    pub(super) fn options(&self, dry_run: bool, yes: bool) -> Options {
        Options {
            dry_run,
            yes,
            server_side: self.server_side,
            timeout: self.timeout,
            resume: false,
            only: None,
            poll: self.poll_interval,
        }
    }
}

/// The terminal side of an apply: lines on stdout, questions on stderr
/// (answered on stdin when it is a terminal), a spinner on stderr while
/// waiting when it is a terminal.
pub(super) struct TermUi {
    spinner: Option<ProgressBar>,
    fancy: bool,
    last_wait: Option<String>,
}

impl TermUi {
    pub(super) fn new() -> TermUi {
        TermUi {
            spinner: None,
            fancy: std::io::stderr().is_terminal(),
            last_wait: None,
        }
    }
}

impl Ui for TermUi {
    fn say(&mut self, line: &str) {
        if let Some(s) = &self.spinner {
            s.suspend(|| println!("{line}"));
        } else {
            println!("{line}");
        }
        let _ = std::io::stdout().flush();
    }

    fn confirm(&mut self, question: &str) -> Option<bool> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        if let Some(s) = self.spinner.take() {
            s.finish_and_clear();
        }
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).ok()?;
        Some(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
    }

    fn waiting(&mut self, what: &str, elapsed: Duration) {
        if self.fancy {
            let s = self.spinner.get_or_insert_with(|| {
                let s = ProgressBar::new_spinner();
                if let Ok(st) = ProgressStyle::with_template("  {spinner} {msg}") {
                    s.set_style(st);
                }
                s.enable_steady_tick(Duration::from_millis(120));
                s
            });
            s.set_message(format!("waiting ({}): {what}", human(elapsed)));
        } else if self.last_wait.as_deref() != Some(what) {
            println!("  waiting: {what}");
            self.last_wait = Some(what.to_string());
        }
    }

    fn wait_done(&mut self) {
        if let Some(s) = self.spinner.take() {
            s.finish_and_clear();
        }
        self.last_wait = None;
    }
}

/// The repository at the current directory, its work tree and git dir.
pub(super) fn open_repo() -> Result<(git2::Repository, PathBuf), Failure> {
    let repo = git2::Repository::discover(".").map_err(|_| {
        Failure::new(
            2,
            "not in a git repository: apply works on the commits of a GitOps repository",
        )
    })?;
    let root = repo
        .workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| Failure::new(2, "a bare repository has no work tree to apply from"))?;
    Ok((repo, root))
}

/// The `--output` formats.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

/// Writes `text` to standard output (a closed pipe is not an error).
pub(super) fn print(text: &str) -> Result<(), Failure> {
    write_out(text.as_bytes())
}

/// Writes `bytes` to standard output. A closed pipe, as in
/// `gitops-upgrade man | head`, is not an error: see [`stdout_failed`].
pub(super) fn write_out(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(stdout_failed)
}

/// What a failed write to standard output means. A reader that went away
/// (`gitops-upgrade status | head`) ends the run quietly with 141, the
/// status of a process killed by SIGPIPE, as git does (SIGPIPE itself is
/// ignored, so that a kubectl or git child that exits early is reported);
/// the work was done before anything was printed. Any other error is one.
pub(super) fn stdout_failed(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    Failure::new(2, format!("cannot write to standard output: {e}"))
}

/// Prints a result in the format asked for.
pub(super) fn show(o: &dyn Outcome, output: Output) -> Result<(), Failure> {
    print(&match output {
        Output::Json => json_text(&o.to_json()),
        Output::Text => o.to_text(),
    })
}

/// A JSON value pretty-printed, with a final newline.
pub(super) fn json_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// The current directory.
pub(super) fn current_dir() -> Result<PathBuf, Failure> {
    std::env::current_dir()
        .map_err(|e| Failure::new(2, format!("cannot read the current directory: {e}")))
}

/// On Ctrl-C: say how `command` continues (its state file says which step
/// was under way) and exit 130.
pub(super) fn on_interrupt(command: &'static str) {
    let _ = ctrlc::set_handler(move || {
        eprintln!(
            "\ninterrupted: continue with `gitops-upgrade {command} --resume` \
             (`gitops-upgrade status` shows where it stopped)"
        );
        std::process::exit(130);
    });
}

/// Writes a line to standard error (a closed stderr is not an error).
pub(super) fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
