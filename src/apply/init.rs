//! `init`: the plan file written from a preset of a vendor's guide, with
//! the components this checkout does not hold left out as comments.

use std::path::Path;

use super::presets;
use crate::plan;

/// What `init` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub preset: String,
    /// The components written as comments (not in this checkout).
    pub left_out: Vec<String>,
}

/// The presets, one line each: name and description.
pub fn presets_text() -> String {
    presets::PRESETS
        .iter()
        .map(|(n, d)| format!("{n:<10} {d}\n"))
        .collect()
}

/// Writes the plan of preset `name` into the work tree around `here`;
/// refuses to replace one unless `force`. Errors are usage errors.
pub fn write_plan(here: &Path, name: &str, force: bool) -> Result<Written, String> {
    let root = crate::migrate::catalog::work_tree_root(here);
    let has_k = |p: &str| crate::migrate::engine::kustomization_file(&root.join(p)).is_some();
    // The vendor repository keeps the tree under rok/; a repository may
    // also be the tree itself.
    let prefix = if has_k("rok/rok-disk-manager/overlays/deploy")
        || !has_k("rok-disk-manager/overlays/deploy")
    {
        "rok/"
    } else {
        ""
    };
    // What the tree holds: a kustomization, a manifest file, or a
    // directory (of manifests); components missing here are written as
    // comments so that `apply --dry-run` accepts the plan as written.
    let present = |p: &str| has_k(p) || root.join(p).is_file() || root.join(p).is_dir();
    let Some((text, left_out)) = presets::render(name, prefix, &present) else {
        let names: Vec<&str> = presets::PRESETS.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "unknown preset '{name}' (presets: {})",
            names.join(", ")
        ));
    };
    let path = plan::path_in(&root);
    if path.exists() && !force {
        return Err(format!(
            "{} exists; pass --force to replace it",
            plan::FILE_NAME
        ));
    }
    // A preset must parse; checked before anything is written.
    plan::parse(&text, plan::FILE_NAME).map_err(|e| e.to_string())?;
    crate::fsutil::write_atomic(&path, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", plan::FILE_NAME))?;
    Ok(Written {
        preset: name.to_string(),
        left_out,
    })
}

impl Written {
    /// What was written, what was left out, and what to do next.
    pub fn to_text(&self) -> String {
        let mut t = format!(
            "Wrote {} from the {} preset.\n",
            plan::FILE_NAME,
            self.preset
        );
        if !self.left_out.is_empty() {
            t.push_str(
                "Left out as comments, not in this checkout (the new release may add them; \
                 uncomment what you run):\n",
            );
            for m in &self.left_out {
                t.push_str(&format!("  {m}\n"));
            }
        }
        t.push_str("Next: review it, commit it, then `gitops-upgrade apply --dry-run`.\n");
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_preset_once_and_refuses_to_replace_without_force() {
        for (name, _) in presets::PRESETS {
            let d = tempfile::tempdir().unwrap();
            let w = write_plan(d.path(), name, false).unwrap();
            let t = w.to_text();
            assert!(t.starts_with(&format!(
                "Wrote gitops-upgrade.yaml from the {name} preset.\n"
            )));
            assert!(t.ends_with("then `gitops-upgrade apply --dry-run`.\n"));
            // An empty directory holds no component: all are left out.
            assert!(!w.left_out.is_empty());
            let again = write_plan(d.path(), name, false).unwrap_err();
            assert_eq!(
                again,
                "gitops-upgrade.yaml exists; pass --force to replace it"
            );
            assert!(write_plan(d.path(), name, true).is_ok());
        }
        let d = tempfile::tempdir().unwrap();
        let e = write_plan(d.path(), "nope", false).unwrap_err();
        assert!(e.starts_with("unknown preset 'nope' (presets: "));
        assert!(!d.path().join("gitops-upgrade.yaml").exists());
        assert_eq!(presets_text().lines().count(), presets::PRESETS.len());
    }
}
