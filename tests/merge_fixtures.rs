//! The structural merge on the repository's own YAML files (fixtures,
//! example overlays, catalogs, policies): each file is edited on a vendor
//! and a user side by simple line edits (values changed on different and on
//! the same lines, lines removed, lines added), then merged. Nothing may
//! panic; a merge either succeeds with text that parses and keeps every
//! line only the user changed, or refuses with a reason. Unrelated files
//! are also merged with each other, which must refuse or succeed cleanly.

mod rebase_common;

use std::path::{Path, PathBuf};

use gitops_upgrade::merge;
use rebase_common::Rng;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("yaml") | Some("yml")
        ) {
            out.push(p);
        }
    }
}

/// Changes the value of some `key: value` lines (plain values only).
fn edit(text: &str, rng: &mut Rng, tag: &str, every: usize) -> (String, Vec<usize>) {
    let mut changed = Vec::new();
    let mut out = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let eol = &line[body.len()..];
        let plain_value = body.split_once(": ").filter(|(k, v)| {
            !k.trim_start().starts_with('#')
                && !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
                && !k
                    .trim_start()
                    .trim_start_matches("- ")
                    .contains(['"', '\'', '{', '['])
        });
        match plain_value {
            Some((k, _)) if rng.below(every) == 0 => {
                out.push_str(&format!("{k}: {tag}{i}{eol}"));
                changed.push(i);
            }
            _ => out.push_str(line),
        }
    }
    (out, changed)
}

#[test]
fn merging_the_repositorys_yaml_files_never_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in ["fixtures", "overlays-examples", "migrations", "policies"] {
        yaml_files(&root.join(d), &mut files);
    }
    files.sort();
    assert!(files.len() > 50, "{} files", files.len());
    let mut rng = Rng::new(7);
    let (mut merged, mut refused) = (0, 0);
    for f in &files {
        let Ok(base) = std::fs::read_to_string(f) else {
            continue;
        };
        let name = f.to_string_lossy();
        let (vendor, _) = edit(&base, &mut rng, "vendor", 3);
        let (user, uchanged) = edit(&base, &mut rng, "user", 3);
        match merge::merge(&name, &base, &vendor, &user) {
            Ok(m) => {
                merged += 1;
                // Every user value is in the result.
                let lines: Vec<&str> = user.split_inclusive('\n').collect();
                for i in uchanged {
                    let l = lines[i].trim();
                    assert!(
                        m.text.contains(l),
                        "{name}: user line {i} `{l}` lost:\n{}",
                        m.text
                    );
                }
            }
            Err(e) => {
                eprintln!("refused {name}: {e}");
                refused += 1
            }
        }
        // An unrelated file as the vendor's version.
        let other = &files[rng.below(files.len())];
        if let Ok(o) = std::fs::read_to_string(other) {
            let _ = merge::merge(&name, &base, &o, &user);
            let _ = merge::merge(&name, &o, &vendor, &user);
        }
    }
    eprintln!("{} files: {merged} merged, {refused} refused", files.len());
    assert!(merged > files.len() / 2, "{merged} of {}", files.len());
}
