//! A `diff` run as the command line asks for it: the two sides opened
//! (`--from`, `--to` or the working tree), the roots (named, relative to
//! the current directory, or every root on either side), the catalogs'
//! re-create hints, the renders in parallel, and the [`Report`].

use std::path::{Path, PathBuf};

use super::report::Report;
use super::run::diff_roots;
use super::side::{self, Source};
use super::{recreate_hints_of, DiffOptions, RecreateHint};

/// What to compare.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The current directory: ROOTs are relative to its place in the tree.
    pub cwd: &'a Path,
    /// The old side: a revision or a directory.
    pub from: &'a str,
    /// The new side; `None`: the working tree.
    pub to: Option<&'a str>,
    /// Kustomization directories; empty: every root kustomization.
    pub roots: &'a [PathBuf],
    pub show_secrets: bool,
    /// Rendering threads; `None`: the available cores.
    pub jobs: Option<usize>,
}

/// ROOT arguments as paths from the top of each side (`prefix`: where the
/// current directory lies in the tree).
pub fn normalize_roots(roots: &[PathBuf], prefix: &Path) -> Result<Vec<String>, String> {
    roots
        .iter()
        .map(|r| {
            let p = crate::source::clean(&if r.is_absolute() {
                r.clone()
            } else {
                prefix.join(r)
            });
            if p.starts_with("..") || p.is_absolute() {
                return Err(format!("root '{}' is outside the repository", r.display()));
            }
            let s = p.to_string_lossy().trim_end_matches('/').to_string();
            Ok(if s.is_empty() { ".".into() } else { s })
        })
        .collect()
}

/// The `recreate` hints of the migration catalogs that the plan of the
/// repository around `here` names: any change to such a resource is
/// marked for re-creation, with the catalog as the reason.
pub fn catalog_hints(here: &Path) -> Result<Vec<RecreateHint>, String> {
    Ok(crate::migrate::catalog::active_catalogs(here)?
        .iter()
        .flat_map(recreate_hints_of)
        .collect())
}

/// Opens the sides, renders and compares the roots. Errors are usage
/// errors (an unknown revision, a root that is nowhere); a root that does
/// not render is in the report.
pub fn run(req: &Request<'_>) -> Result<Report, String> {
    let repo = git2::Repository::discover(req.cwd).ok();
    // Where the current directory lies in the working tree.
    let (workdir, prefix) = match repo.as_ref().and_then(|r| r.workdir()) {
        Some(w) => {
            let w = std::fs::canonicalize(w).unwrap_or_else(|_| w.to_path_buf());
            let c = std::fs::canonicalize(req.cwd).unwrap_or(req.cwd.to_path_buf());
            let prefix = c
                .strip_prefix(&w)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            (Some(w), prefix)
        }
        None => (None, PathBuf::new()),
    };
    let from = side::open(req.from, repo.as_ref()).map_err(|e| format!("--from: {e}"))?;
    let to = match req.to {
        Some(t) => side::open(t, repo.as_ref()).map_err(|e| format!("--to: {e}"))?,
        None => match &workdir {
            Some(w) => Source::Dir {
                path: w.clone(),
                worktree: true,
            },
            None => {
                return Err(
                    "not inside a git working tree: give --to <rev|dir> (and --from)".into(),
                )
            }
        },
    };
    let from_label = format!("--from {}", req.from);
    let to_label = match req.to {
        Some(t) => format!("--to {t}"),
        None => "working-tree".to_string(),
    };
    let roots = if req.roots.is_empty() {
        let mut all = from.roots().map_err(|e| format!("{from_label}: {e}"))?;
        all.extend(to.roots().map_err(|e| format!("{to_label}: {e}"))?);
        all.sort();
        all.dedup();
        if all.is_empty() {
            return Err("no kustomization found on either side".into());
        }
        all
    } else {
        let roots = normalize_roots(req.roots, &prefix)?;
        for r in &roots {
            if !from.has_kustomization(r) && !to.has_kustomization(r) {
                return Err(format!(
                    "root {r}: no kustomization there on either side ({from_label} nor {to_label})"
                ));
            }
        }
        roots
    };
    let opts = DiffOptions {
        show_secrets: req.show_secrets,
        recreate_hints: catalog_hints(req.cwd)?,
    };
    let jobs = req.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let outcomes = diff_roots(
        repo.as_ref().map(|r| r.path()),
        [&from.spec(), &to.spec()],
        &roots,
        &opts,
        jobs,
    );
    Ok(Report::new(
        from.info(req.from),
        to.info(req.to.unwrap_or("working tree")),
        [from_label, to_label],
        outcomes,
    ))
}

impl Report {
    /// 2 when a root did not render on a side (wins over 1); 1 for
    /// differences when `exit_code` (`--exit-code`) asks for it; else 0.
    pub fn exit_code(&self, exit_code: bool) -> u8 {
        if !self.errors.is_empty() {
            2
        } else if exit_code && self.has_differences() {
            1
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_taken_from_the_current_directory_and_stay_inside() {
        let p = Path::new("overlays");
        let r = |s: &str| normalize_roots(&[PathBuf::from(s)], p);
        assert_eq!(r("prod/").unwrap(), ["overlays/prod"]);
        assert_eq!(r("..").unwrap(), ["."]);
        assert_eq!(
            r("../../x").unwrap_err(),
            "root '../../x' is outside the repository"
        );
    }
}
