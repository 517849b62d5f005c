//! `gitops-upgrade check` (issue 7).

use clap::Args;

use super::Failure;

/// Check the repository (or the given files) before a commit.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files to check (as pre-commit passes the staged ones); default: all.
    #[arg(value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
}

pub fn run(_a: CheckArgs) -> Result<u8, Failure> {
    Err(Failure::new(2, "check: not implemented yet"))
}
