//! Every root on both sides: rendered in parallel, compared as soon as
//! both renders of a root are done, one root's failure kept to that root.
//!
//! The work is a list of renders, root by root, the old side then the new
//! one; `jobs` threads take them in that order, so two threads render the
//! two sides of the same root at once (one large root is what a release
//! diff usually is) and many small roots spread over every thread. Each
//! render is compacted ([`super::compact`]) in the thread that made it and
//! its tree freed; the thread that finishes a root's second side compares
//! the pair and keeps only the differences. At any time the trees held are
//! those of the renders in progress, never a whole side.
//!
//! Threads cannot share a git repository handle: each opens its own (a
//! few file reads) and reads the side's tree by id.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use git2::Repository;

use super::compact::{compact, CompactResource};
use super::side::{SideSpec, Source};
use super::{diff_compact, DiffOptions, RootDiff};

/// Which side of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `--from`.
    Old = 0,
    /// `--to`.
    New = 1,
}

impl Side {
    /// `from` or `to`, as JSON says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Old => "from",
            Side::New => "to",
        }
    }
}

/// What became of one root.
#[derive(Debug, Clone)]
pub struct RootOutcome {
    pub root: String,
    /// The sides whose render failed, with the renderer's one-line error
    /// (`path:line:col: what`); empty when both rendered. No side: the
    /// root could not be compared at all.
    pub errors: Vec<(Option<Side>, String)>,
    /// The differences (empty when a side failed).
    pub diff: RootDiff,
}

/// One side's render of one root: `None` when the side has no
/// kustomization there.
type Rendered = Result<Option<Vec<CompactResource>>, String>;

/// The stack of each rendering thread: the renderer recurses into nested
/// YAML and kustomizations as deep as their input goes, and the main
/// thread it used to run on has 8 MiB.
const STACK: usize = 8 << 20;

/// Renders and compares `roots` (paths from the top of each side) with up
/// to `jobs` threads. `repo` is the repository revisions are read from
/// (`None`: both sides are directories). The outcomes are in the order of
/// `roots`.
pub fn diff_roots(
    repo: Option<&Path>,
    sides: [&SideSpec; 2],
    roots: &[String],
    opts: &DiffOptions,
    jobs: usize,
) -> Vec<RootOutcome> {
    let tasks = roots.len() * 2;
    let next = AtomicUsize::new(0);
    // root -> the first finished side's render, until the other comes
    let waiting: Mutex<Vec<Option<Rendered>>> = Mutex::new(roots.iter().map(|_| None).collect());
    let done: Mutex<Vec<Option<RootOutcome>>> = Mutex::new(roots.iter().map(|_| None).collect());
    let work = || {
        let trees = sides.iter().any(|s| matches!(s, SideSpec::Tree { .. }));
        let handle = repo.filter(|_| trees).map(Repository::open);
        let repo_ref = match &handle {
            Some(Ok(r)) => Some(r),
            _ => None,
        };
        let open = |s: &SideSpec| match &handle {
            Some(Err(e)) if matches!(s, SideSpec::Tree { .. }) => {
                Err(format!("cannot open the repository: {}", e.message()))
            }
            _ => s.open(repo_ref),
        };
        let sources = [open(sides[0]), open(sides[1])];
        loop {
            let t = next.fetch_add(1, Ordering::Relaxed);
            if t >= tasks {
                break;
            }
            let (ri, si) = (t / 2, t % 2);
            let rendered = render(&sources[si], &roots[ri]);
            let other = {
                let mut w = waiting.lock().unwrap_or_else(|e| e.into_inner());
                match w[ri].take() {
                    None => {
                        w[ri] = Some(rendered);
                        continue;
                    }
                    Some(o) => o,
                }
            };
            let (old, new) = if si == 0 {
                (rendered, other)
            } else {
                (other, rendered)
            };
            let outcome = compare(&roots[ri], old, new, opts);
            done.lock().unwrap_or_else(|e| e.into_inner())[ri] = Some(outcome);
        }
    };
    let jobs = jobs.clamp(1, tasks.max(1));
    std::thread::scope(|s| {
        for _ in 1..jobs {
            // a thread that cannot be started leaves its share to the others
            let _ = std::thread::Builder::new()
                .name("diff-render".into())
                .stack_size(STACK)
                .spawn_scoped(s, work);
        }
        work();
    });
    done.into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .zip(roots)
        .map(|(o, root)| {
            o.unwrap_or_else(|| RootOutcome {
                root: root.clone(),
                errors: vec![(None, format!("{root}: not compared (internal error)"))],
                diff: RootDiff::default(),
            })
        })
        .collect()
}

/// Renders `root` on one side and compacts the result.
fn render(source: &Result<Source<'_>, String>, root: &str) -> Rendered {
    let source = source.as_ref().map_err(Clone::clone)?;
    Ok(source.build_located(root)?.map(compact))
}

fn compare(root: &str, old: Rendered, new: Rendered, opts: &DiffOptions) -> RootOutcome {
    let mut errors = Vec::new();
    for (side, r) in [(Side::Old, &old), (Side::New, &new)] {
        if let Err(e) = r {
            errors.push((Some(side), e.clone()));
        }
    }
    let mut diff = RootDiff::default();
    if let (Ok(old), Ok(new)) = (old, new) {
        if old.is_none() && new.is_none() {
            errors.push((
                None,
                format!("{root}: no kustomization there on either side"),
            ));
        } else {
            let run = std::panic::AssertUnwindSafe(|| {
                diff_compact(
                    root,
                    old.as_deref().unwrap_or(&[]),
                    new.as_deref().unwrap_or(&[]),
                    opts,
                )
            });
            match std::panic::catch_unwind(run) {
                Ok(d) => diff = d,
                Err(_) => {
                    errors.push((None, format!("{root}: the comparison failed unexpectedly")))
                }
            }
        }
    }
    RootOutcome {
        root: root.to_string(),
        errors,
        diff,
    }
}
