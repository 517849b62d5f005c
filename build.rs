//! Embeds the demo's fixtures (a repository laid out as the vendor's at
//! v0.14 and v0.15, and a user's own changes) in the binary, so that
//! `gitops-upgrade demo` works wherever the binary is installed.

use std::fmt::Write as _;
use std::path::Path;

fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, std::path::PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let r = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let p = e.path();
        if p.is_dir() {
            walk(&p, &r, out);
        } else {
            out.push((r, p));
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    for (name, dir) in [
        ("DEMO_V014", "fixtures/deployments/v0.14"),
        ("DEMO_V015", "fixtures/deployments/v0.15"),
        ("DEMO_SITE", "fixtures/deployments/site"),
    ] {
        println!("cargo:rerun-if-changed={dir}");
        let mut files = Vec::new();
        walk(&root.join(dir), "", &mut files);
        writeln!(code, "pub static {name}: &[(&str, &[u8])] = &[").unwrap();
        for (rel, p) in files {
            writeln!(
                code,
                "    ({rel:?}, include_bytes!({:?})),",
                p.display().to_string()
            )
            .unwrap();
        }
        writeln!(code, "];").unwrap();
    }
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out).join("demo_files.rs"), code).expect("write demo_files.rs");
}
