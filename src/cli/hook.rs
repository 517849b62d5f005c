//! `gitops-upgrade hook install|uninstall` (issue 7).

use clap::Args;

use super::Failure;

/// Install or remove the git pre-commit hook that runs `check`.
#[derive(Args, Debug)]
pub struct HookArgs {}

pub fn run(_a: HookArgs) -> Result<u8, Failure> {
    Err(Failure::new(2, "hook: not implemented yet"))
}
