//! Where the memory of `diff` goes: live heap bytes (what the program
//! asks the allocator for, without the allocator's own overhead) after
//! each step of rendering one side, and at the peak of a whole diff.
//!
//! ```sh
//! cargo run --release --example diff_memory -- OLD_DIR NEW_DIR
//! ```
//!
//! OLD_DIR and NEW_DIR are kustomization directories whose resources are
//! in `res.yaml` (as `benches/diff-bench.sh` generates them). Uses the
//! system allocator behind a counter, not the binary's mimalloc: peak RSS
//! of the real binary is measured by the benchmark itself.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use gitops_upgrade::diff::side::SideSpec;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(now, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        grew(l.size());
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new > l.size() {
            grew(new - l.size());
        } else {
            LIVE.fetch_sub(l.size() - new, Relaxed);
        }
        System.realloc(p, l, new)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Prints the live heap now and its peak since the last report.
fn report(step: &str) {
    let mib = |n: usize| n as f64 / 1048576.0;
    println!(
        "{step:44} live {:7.1} MiB   peak {:7.1} MiB",
        mib(LIVE.load(Relaxed)),
        mib(PEAK.load(Relaxed))
    );
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [old, new] = &args[..] else {
        eprintln!("usage: diff_memory OLD_DIR NEW_DIR");
        std::process::exit(2);
    };
    let dir = Path::new(old);
    println!("one side ({old}):");
    report("start");
    let text = std::fs::read_to_string(dir.join("res.yaml")).expect("res.yaml");
    report("input text read");
    let docs = gitops_upgrade::yaml::parse_documents(&text).expect("parses");
    report("parsed (text and tree)");
    drop(text);
    report("text freed (the parsed tree)");
    drop(docs);
    report("tree freed");
    let fs = gitops_upgrade::source::DirSource;
    let res = gitops_upgrade::kustomize::Renderer::new(&fs, dir)
        .build(dir)
        .expect("renders");
    report("rendered (the render's tree)");
    let compact = gitops_upgrade::diff::compact::compact(res);
    report("compacted, tree freed");
    drop(compact);
    report("compact form freed");
    for jobs in [1, 2] {
        let side = |d: &String| SideSpec::Dir {
            path: d.into(),
            worktree: false,
        };
        let out = gitops_upgrade::diff::run::diff_roots(
            None,
            [&side(old), &side(new)],
            &[".".to_string()],
            &Default::default(),
            jobs,
        );
        assert!(out.iter().all(|o| o.errors.is_empty()));
        report(&format!("whole diff, --jobs {jobs}"));
    }
}
