//! The shape of the house, checked on the sources: no import circles
//! between the library's modules, and a command line whose modules do not
//! call each other (each parses arguments, calls the library and prints;
//! what they share is in `cli/common.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a source file (`kustomize::graph`, `apply`).
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without its `#[cfg(test)]` module and comments.
fn code(file: &Path) -> String {
    let text = fs::read_to_string(file).unwrap();
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module references: `crate::a::b` and `super::x` paths, resolved to the
/// longest known module.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rs_files(&src(), &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_of(f), f.clone()))
        .filter(|(m, _)| !m.is_empty() && m[0] != "lib" && m[0] != "main")
        .collect();
    let re = regex::Regex::new(r"\b(crate|super)((?:::[a-z_0-9]+)+)").unwrap();
    let mut out = BTreeMap::new();
    for (m, f) in &modules {
        let is_mod_rs = f.file_name().is_some_and(|n| n == "mod.rs");
        let mut set = BTreeSet::new();
        for c in re.captures_iter(&code(f)) {
            let path: Vec<String> = c[2].split("::").skip(1).map(str::to_string).collect();
            let mut cand = if &c[1] == "crate" {
                path
            } else {
                // `super` of `a/b.rs` is `a`; of `a/b/mod.rs` is `a` too.
                let mut base = m.clone();
                base.pop();
                let _ = is_mod_rs;
                base.extend(path);
                base
            };
            while !cand.is_empty() {
                if modules.contains_key(&cand) {
                    let to = cand.join("::");
                    let from = m.join("::");
                    if to != from && !from.starts_with(&format!("{to}::")) {
                        set.insert(to);
                    }
                    break;
                }
                cand.pop();
            }
        }
        out.insert(m.join("::"), set);
    }
    out
}

#[test]
fn no_import_circles_between_library_modules() {
    let g = edges();
    let mut circles = Vec::new();
    for (a, outs) in &g {
        if a.starts_with("cli") {
            continue;
        }
        for b in outs {
            // Is `a` reachable from `b`?
            let mut seen = BTreeSet::new();
            let mut stack = vec![b.clone()];
            while let Some(x) = stack.pop() {
                if !seen.insert(x.clone()) {
                    continue;
                }
                for y in g.get(&x).into_iter().flatten() {
                    stack.push(y.clone());
                }
            }
            if seen.contains(a) {
                circles.push(format!("{a} -> {b} -> ... -> {a}"));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn command_line_modules_do_not_call_each_other() {
    let g = edges();
    let mut bad = Vec::new();
    for (a, outs) in &g {
        if !a.starts_with("cli::") {
            continue;
        }
        for b in outs {
            // Shared plumbing, not commands: the cluster flags and terminal
            // UI, and the guard every command runs for an interrupted
            // operation (with its --continue/--abort front end).
            if b.starts_with("cli::") && b != "cli::common" && b != "cli::interrupted" {
                bad.push(format!("{a} uses {b}"));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // The graph did see the command line (the check is not vacuous).
    assert!(g
        .get("cli::apply")
        .is_some_and(|s| s.contains("cli::common")));
}
