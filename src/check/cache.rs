//! A cache of what each kustomization file names, keyed by the file's git
//! blob id, kept in `<git dir>/gitops-upgrade/kustomizations.cache`.
//!
//! Finding the roots a change affects needs every kustomization file of
//! the repository; reading and parsing 200 of them is most of what a
//! check costs. The cache holds the parsed lists of paths (never their
//! resolution, which depends on the rest of the tree), so it is only ever
//! stale if the id is: in staged mode the id comes from the index without
//! reading the file, in working-tree mode from hashing the file's bytes.
//! It is rewritten (atomically) only when a new id was parsed, keeping
//! only the ids seen in this run; an unreadable or unwritable cache is
//! ignored.

use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use git2::{ObjectType, Oid, Repository};

use super::snapshot::Snapshot;
use crate::kustomize::graph::{Reading, Refs};

/// The first line of the file; bumped whenever [`Reading::Fields`] reads
/// something new.
const HEADER: &str = "gitops-upgrade kustomizations cache 2";

pub struct RefsCache {
    path: Option<PathBuf>,
    /// Entries read from the file and not asked for (yet).
    old: HashMap<String, Rc<Refs>>,
    /// Entries of this run: written back.
    used: HashMap<String, Rc<Refs>>,
    dirty: bool,
}

/// One line: `<id> <c|-><b|->` then each entry after a tab, `i:` (a
/// resource, base or component) or `f:` (a file) and the path.
fn decode(line: &str) -> Option<(String, Refs)> {
    let mut parts = line.split('\t');
    let head = parts.next()?;
    let (id, flags) = head.split_once(' ')?;
    let f = flags.as_bytes();
    if f.len() != 2 || id.len() != 40 {
        return None;
    }
    let mut r = Refs {
        component: f[0] == b'c',
        broken: f[1] == b'b',
        entries: Vec::new(),
    };
    for e in parts {
        let (kind, path) = e.split_at_checked(2)?;
        match kind {
            "i:" => r.entries.push((true, path.to_string())),
            "f:" => r.entries.push((false, path.to_string())),
            _ => return None,
        }
    }
    Some((id.to_string(), r))
}

fn encode(id: &str, r: &Refs) -> Option<String> {
    let mut line = format!(
        "{id} {}{}",
        if r.component { 'c' } else { '-' },
        if r.broken { 'b' } else { '-' }
    );
    for (inc, p) in &r.entries {
        if p.contains(['\t', '\n', '\r']) {
            return None;
        }
        line.push('\t');
        line.push_str(if *inc { "i:" } else { "f:" });
        line.push_str(p);
    }
    Some(line)
}

impl RefsCache {
    /// Loads the cache of `repo` (empty when there is none).
    pub fn load(repo: &Repository) -> RefsCache {
        let path = repo
            .commondir()
            .join("gitops-upgrade")
            .join("kustomizations.cache");
        let mut old = HashMap::new();
        if let Ok(text) = std::fs::read_to_string(&path) {
            let mut lines = text.lines();
            if lines.next() == Some(HEADER) {
                for l in lines {
                    if let Some((id, r)) = decode(l) {
                        old.insert(id, Rc::new(r));
                    }
                }
            }
        }
        RefsCache {
            path: Some(path),
            old,
            used: HashMap::new(),
            dirty: false,
        }
    }

    /// A cache that is neither read nor written.
    pub fn disabled() -> RefsCache {
        RefsCache {
            path: None,
            old: HashMap::new(),
            used: HashMap::new(),
            dirty: false,
        }
    }

    /// What the kustomization file `file` of `snap` names.
    pub fn refs(&mut self, snap: &Snapshot<'_>, file: &str) -> Rc<Refs> {
        let (id, bytes) = match snap.blob_id(file) {
            Some(id) => (id, None),
            None => {
                let Ok(b) = snap.read_rel(file) else {
                    return Rc::new(Refs::read(None, Reading::Fields));
                };
                match Oid::hash_object(ObjectType::Blob, &b) {
                    Ok(id) => (id, Some(b)),
                    Err(_) => return Rc::new(Refs::read(Some(b), Reading::Fields)),
                }
            }
        };
        let key = id.to_string();
        if let Some(r) = self.used.get(&key) {
            return r.clone();
        }
        if let Some(r) = self.old.remove(&key) {
            self.used.insert(key, r.clone());
            return r;
        }
        let bytes = match bytes {
            Some(b) => Some(b),
            None => snap.read_rel(file).ok(),
        };
        let r = Rc::new(Refs::read(bytes, Reading::Fields));
        self.used.insert(key, r.clone());
        self.dirty = true;
        r
    }

    /// Writes the cache if it learnt something (or lost entries).
    pub fn save(&self) {
        let Some(path) = &self.path else { return };
        // unchanged: every entry was found, none is left unused
        if !self.dirty && self.old.is_empty() {
            return;
        }
        let mut ids: Vec<&String> = self.used.keys().collect();
        ids.sort();
        let mut text = format!("{HEADER}\n");
        for id in ids {
            if let Some(line) = encode(id, &self.used[id]) {
                text.push_str(&line);
                text.push('\n');
            }
        }
        if let Some(d) = path.parent() {
            if std::fs::create_dir_all(d).is_err() {
                return;
            }
        }
        let _ = crate::fsutil::write_atomic(path, text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = Refs {
            component: true,
            broken: false,
            entries: vec![(true, "../base".into()), (false, "p:x.yaml".into())],
        };
        let id = "0123456789012345678901234567890123456789";
        let line = encode(id, &r).unwrap();
        assert_eq!(decode(&line), Some((id.to_string(), r)));
        let tab = Refs {
            entries: vec![(false, "a\tb".into())],
            ..Refs::default()
        };
        assert!(encode(id, &tab).is_none());
        assert!(decode("xyz").is_none());
    }
}
