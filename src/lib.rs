//! gitops-upgrade: upgrade vendor Kubernetes manifests kept in a GitOps
//! repository. The library knows nothing of the terminal; `src/main.rs` and
//! `src/cli/` are a thin layer over it.

pub mod yaml;
