//! `completions` and `man`: shell completion scripts and man pages,
//! generated from the same clap definitions as the parser itself, so they
//! can never disagree with the real flags.

use std::path::PathBuf;

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;

use super::common::write_out;
use super::{Cli, Failure};

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  gitops-upgrade completions bash > ~/.local/share/bash-completion/completions/gitops-upgrade
  gitops-upgrade completions zsh > \"${fpath[1]}/_gitops-upgrade\"
  gitops-upgrade completions fish > ~/.config/fish/completions/gitops-upgrade.fish
  gitops-upgrade completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to write the completion script for
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

impl From<CompletionShell> for Shell {
    fn from(s: CompletionShell) -> Shell {
        match s {
            CompletionShell::Bash => Shell::Bash,
            CompletionShell::Zsh => Shell::Zsh,
            CompletionShell::Fish => Shell::Fish,
            CompletionShell::Powershell => Shell::PowerShell,
            CompletionShell::Elvish => Shell::Elvish,
        }
    }
}

/// Writes the completion script for one shell to standard output.
pub fn completions(args: CompletionsArgs) -> Result<u8, Failure> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(
        Shell::from(args.shell),
        &mut cmd,
        "gitops-upgrade",
        &mut out,
    );
    write_out(&out)?;
    Ok(0)
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  gitops-upgrade man | man -l -
  gitops-upgrade man --out-dir /usr/local/share/man/man1")]
pub struct ManArgs {
    /// Write one page per command (gitops-upgrade.1, gitops-upgrade-rebase.1,
    /// ...) into this directory instead of printing the main page
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Prints the main man page, or writes every page into a directory.
pub fn man(args: ManArgs) -> Result<u8, Failure> {
    let cmd = Cli::command();
    match args.out_dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(|e| Failure::new(2, format!("cannot render the man page: {e}")))?;
            write_out(&out)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Failure::new(2, format!("cannot create '{}': {e}", dir.display())))?;
            let mut written = Vec::new();
            write_pages(&cmd, "", &dir, &mut written)?;
            for path in written {
                println!("{}", path.display());
            }
        }
    }
    Ok(0)
}

/// Writes `cmd`'s page and, recursively, one page per visible subcommand,
/// named as `man` expects: `gitops-upgrade-hook-install.1`.
fn write_pages(
    cmd: &clap::Command,
    prefix: &str,
    dir: &std::path::Path,
    written: &mut Vec<PathBuf>,
) -> Result<(), Failure> {
    let name = if prefix.is_empty() {
        cmd.get_name().to_string()
    } else {
        format!("{prefix}-{}", cmd.get_name())
    };
    // The page's title and its NAME section use the full dashed name.
    let page_cmd = cmd.clone().name(name.clone());
    let mut out = Vec::new();
    clap_mangen::Man::new(page_cmd)
        .render(&mut out)
        .map_err(|e| Failure::new(2, format!("cannot render the man page of {name}: {e}")))?;
    let path = dir.join(format!("{name}.1"));
    gitops_upgrade::fsutil::write_atomic(&path, &out)
        .map_err(|e| Failure::new(2, format!("cannot write '{}': {e}", path.display())))?;
    written.push(path);
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        write_pages(sub, &name, dir, written)?;
    }
    Ok(())
}
