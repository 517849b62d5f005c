//! `gitops-upgrade rebase`.
//! OWNER: the rebase helper (issue 3). Stub until filled in.

use clap::Args;

use super::Failure;

/// Put your overlay commits on the new upstream; your changes win conflicts.
#[derive(Args, Debug)]
pub struct RebaseArgs {}

pub fn run(a: RebaseArgs) -> Result<u8, Failure> {
    let _ = a;
    Err(Failure::new(2, "rebase is not implemented yet"))
}
