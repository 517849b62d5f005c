//! The bundled example tree (the README's demo command) renders exactly as
//! the reference kubectl renders it, component by component and as a whole.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{crate_dir, kubectl, run_with_timeout, unified_diff};

const LIMIT: Duration = Duration::from_secs(120);

#[test]
fn bundled_example_overlays_match_kubectl() {
    let root = crate_dir().join("overlays-examples").join("rok");
    let dirs = [
        "deploy",
        "rok-disk-manager/overlays/deploy",
        "rok-kmod/overlays/deploy",
        "rok-operator/overlays/deploy",
        "rok-cluster/overlays/deploy",
    ];
    for d in dirs {
        let dir = root.join(d);
        let theirs = run_with_timeout(Command::new(kubectl()).arg("kustomize").arg(&dir), LIMIT);
        let ours = run_with_timeout(
            Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
                .arg("render")
                .arg(&dir),
            LIMIT,
        );
        assert!(
            theirs.success(),
            "kubectl failed on {d}: {}",
            theirs.stderr_str()
        );
        assert!(
            ours.success(),
            "render failed on {d}: {}",
            ours.stderr_str()
        );
        assert!(
            ours.stdout == theirs.stdout,
            "{d} differs from kubectl:\n{}",
            unified_diff(
                &String::from_utf8_lossy(&theirs.stdout),
                &String::from_utf8_lossy(&ours.stdout),
                "kubectl kustomize",
                "gitops-upgrade render"
            )
        );
    }
}
