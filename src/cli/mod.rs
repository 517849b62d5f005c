//! The command line: parsing with clap, one function per subcommand, and
//! the mapping of library errors to one-line messages and exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod apply;
mod check;
mod common;
mod completions;
mod diff;
mod hook;
mod interrupted;
mod migrate;
mod rebase;
mod render;
mod upgrade;

/// Upgrade vendor Kubernetes manifests kept in a GitOps repository.
///
/// Exit codes: 0 success (or no differences/findings), 1 failure of the
/// requested work (a tree that does not render, findings, differences),
/// 2 usage or internal error.
#[derive(Parser, Debug)]
#[command(name = "gitops-upgrade", version)]
pub struct Cli {
    /// Run as if started in <PATH> (like `git -C`).
    #[arg(short = 'C', global = true, value_name = "PATH")]
    pub chdir: Option<PathBuf>,

    /// When to use colors.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to color output written to a stream (`terminal`: whether it
    /// is one).
    pub fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Render a kustomization directory exactly as `kubectl kustomize` does
    Render(render::RenderArgs),
    /// Rebase your local commits onto the vendor's new upstream, your changes winning
    Rebase(rebase::RebaseArgs),
    /// Rewrite your overlays for a new release from a migration catalog
    MigratePatches(migrate::MigrateArgs),
    /// List and describe the built-in migration catalogs
    Migrations(migrate::MigrationsArgs),
    /// Show what will change, resource by resource, between two revisions or trees
    Diff(diff::DiffArgs),
    /// Write gitops-upgrade.yaml, the upgrade plan, from a vendor guide's preset
    Init(apply::InitArgs),
    /// Apply the plan's components to the cluster in order, re-creating what cannot be updated
    Apply(apply::ApplyArgs),
    /// Show the progress of the last upgrade and apply
    Status(apply::StatusArgs),
    /// The whole upgrade: rebase, migrate-patches, diff summary, apply
    Upgrade(upgrade::UpgradeArgs),
    /// Run the whole upgrade on a throwaway example repository (no cluster needed)
    Demo(upgrade::DemoArgs),
    /// Check staged files (or the whole repository) before a commit: YAML,
    /// conflict markers, renders, pending migrations, upgrade policies
    Check(check::CheckArgs),
    /// Install or remove the git pre-commit hook that runs `check`
    Hook(hook::HookArgs),
    /// Write the shell completion script for bash, zsh, fish, powershell or elvish
    Completions(completions::CompletionsArgs),
    /// Print the man page, or write one page per command into a directory
    Man(completions::ManArgs),
}

/// A failure the binary reports: one line, and the exit code to use.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let color = cli.color;
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            report(color, &format!("cannot change to '{}': {e}", dir.display()));
            return ExitCode::from(2);
        }
    }
    if let Some(f) = interrupted::guard(&cli.command) {
        report(color, &f.message);
        return ExitCode::from(f.code);
    }
    let result = match cli.command {
        Command::Render(a) => render::run(a),
        Command::Rebase(a) => rebase::run(a),
        Command::MigratePatches(a) => migrate::run(a),
        Command::Migrations(a) => migrate::run_migrations(a),
        Command::Diff(a) => diff::run(a, color),
        Command::Init(a) => apply::init(a),
        Command::Apply(a) => apply::run(a),
        Command::Status(a) => apply::status(a),
        Command::Upgrade(a) => upgrade::run(a),
        Command::Demo(a) => upgrade::demo(a),
        Command::Check(a) => check::run(a),
        Command::Hook(a) => hook::run(a),
        Command::Completions(a) => completions::completions(a),
        Command::Man(a) => completions::man(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            report(color, &f.message);
            ExitCode::from(f.code)
        }
    }
}

fn report(color: ColorChoice, msg: &str) {
    let mut err = std::io::stderr().lock();
    let prefix = if color.enabled(std::io::stderr().is_terminal()) {
        "\x1b[1;31merror:\x1b[0m"
    } else {
        "error:"
    };
    let _ = writeln!(err, "{prefix} {msg}");
}
