//! `apply`, `status` and `upgrade`: apply the plan's components in order
//! against a cluster through the user's kubectl, re-create what cannot be
//! updated in place, wait for readiness, and record progress so that an
//! interrupted run can resume.

pub mod engine;
pub mod head;
pub mod init;
pub mod kube;
pub mod policy_gate;
pub mod presets;
pub mod ready;
pub mod server_check;
pub mod state;
pub mod steps;
pub mod target;
