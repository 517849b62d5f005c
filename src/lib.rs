//! gitops-upgrade: upgrade vendor Kubernetes manifests kept in a GitOps
//! repository. The library knows nothing of the terminal; `src/main.rs` and
//! `src/cli/` are a thin layer over it.

pub mod apply;
pub mod check;
pub mod diff;
pub mod failpoint;
pub mod fsutil;
pub mod git;
pub mod kustomize;
pub mod merge;
pub mod migrate;
pub mod outcome;
pub mod plan;
pub mod resource;
pub mod select;
pub mod source;
pub mod textdiff;
pub mod upgrade;
pub mod usergit;
pub mod yaml;
