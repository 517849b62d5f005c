//! The kustomizations of a repository and what each reads, scanned once,
//! so that the roots a change touches are found without rendering
//! anything.
//!
//! Every kustomization file is read (lightly: its lists of paths, not a
//! full model) for the files it names: `resources` and legacy `bases`
//! (files, or directories holding kustomizations), `components`, `crds`,
//! `configurations`, `patchesStrategicMerge`, the `path` of `patches` and
//! `patchesJson6902` entries, the `files`/`envs`/`env` of
//! `configMapGenerator` and `secretGenerator`, the `path` of
//! `replacements` and `openapi`. A changed file affects the kustomizations
//! that name it (or name a missing path it is below, so that deleting or
//! adding a file a kustomization needs counts), and each of those affects
//! the kustomizations that include it, up to the roots: kustomizations
//! nobody includes. Components are not roots: they only build inside
//! their includer.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;

use crate::kustomize::build::{is_remote, KUSTOMIZATION_FILES};
use crate::source::{join_clean, FileSource, Kind};
use crate::yaml::{self, Value};

use super::snapshot::{parent, rel_str};

/// One kustomization directory.
#[derive(Debug, Clone, Default)]
pub struct Kust {
    /// The directory (`.` for the repository root).
    pub dir: String,
    /// Its kustomization file.
    pub file: String,
    /// `kind: Component`.
    pub component: bool,
    /// Kustomization directories it includes (resources/bases, then
    /// components), in order.
    pub includes: Vec<String>,
    /// Files it reads.
    pub files: Vec<String>,
    /// Paths it names that hold nothing (or a directory without a
    /// kustomization): any change at or below them affects it.
    pub missing: Vec<String>,
    /// The kustomization file does not parse.
    pub broken: bool,
}

/// Every kustomization of a tree. The reverse edges (who includes a
/// directory) are built on first use.
#[derive(Debug, Default)]
pub struct Graph {
    pub kusts: BTreeMap<String, Kust>,
    /// kustomization dir -> kustomizations that include it
    included_by: OnceCell<HashMap<String, Vec<String>>>,
}

/// Whether a file name is a kustomization file name.
pub fn is_kustomization_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    KUSTOMIZATION_FILES.contains(&name)
}

/// The `patchesStrategicMerge` test the renderer uses for inline patches.
fn is_inline_patch(s: &str) -> bool {
    let t = s.trim();
    t.contains('\n') || t.contains(": ") || t.starts_with('{')
}

fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| i.as_str())
            .map(str::to_string)
            .collect(),
        Some(Value::Str(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl Graph {
    /// Scans the kustomization files among `files`, reading them through
    /// `fs` (paths relative to its root).
    pub fn scan<'a>(fs: &dyn FileSource, files: impl Iterator<Item = &'a str>) -> Graph {
        Graph::scan_with(fs, files, &mut |_| None)
    }

    /// [`Graph::scan`], asking `refs_for` first for what a kustomization
    /// file names (a cache); files it has no answer for are read.
    pub fn scan_with<'a>(
        fs: &dyn FileSource,
        files: impl Iterator<Item = &'a str>,
        refs_for: &mut dyn FnMut(&str) -> Option<Rc<Refs>>,
    ) -> Graph {
        let mut g = Graph::default();
        let mut kfiles: BTreeMap<String, String> = BTreeMap::new();
        for f in files {
            if is_kustomization_file(f) {
                let dir = parent(f).to_string();
                // kustomize's order of names decides which file counts
                let rank = |p: &str| {
                    let n = p.rsplit('/').next().unwrap_or(p);
                    KUSTOMIZATION_FILES.iter().position(|k| *k == n)
                };
                match kfiles.get(&dir) {
                    Some(prev) if rank(prev) <= rank(f) => {}
                    _ => {
                        kfiles.insert(dir, f.to_string());
                    }
                }
            }
        }
        for (dir, file) in &kfiles {
            let refs = match refs_for(file) {
                Some(r) => r,
                None => {
                    let text = fs
                        .read(Path::new(file))
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok());
                    Rc::new(refs_of(text.as_deref()))
                }
            };
            let k = resolve(&refs, fs, dir, file, &kfiles);
            g.kusts.insert(dir.clone(), k);
        }
        g
    }

    /// Kustomizations that include `dir`.
    pub fn includers(&self, dir: &str) -> &[String] {
        let by = self.included_by.get_or_init(|| {
            let mut m: HashMap<String, Vec<String>> = HashMap::new();
            for k in self.kusts.values() {
                for d in &k.includes {
                    m.entry(d.clone()).or_default().push(k.dir.clone());
                }
            }
            m
        });
        by.get(dir).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether some kustomization reads this file (or it is a
    /// kustomization file).
    pub fn is_used(&self, file: &str) -> bool {
        self.kusts.values().any(|k| reads(k, file))
    }

    /// The kustomizations a set of changed paths affects, directly or
    /// through what includes them.
    pub fn affected<'a>(&self, changed: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
        let changed: Vec<&str> = changed.collect();
        let mut out: BTreeSet<String> = self
            .kusts
            .values()
            .filter(|k| changed.iter().any(|c| reads(k, c)))
            .map(|k| k.dir.clone())
            .collect();
        let mut todo: Vec<String> = out.iter().cloned().collect();
        while let Some(d) = todo.pop() {
            for up in self.includers(&d) {
                if out.insert(up.clone()) {
                    todo.push(up.clone());
                }
            }
        }
        out
    }

    /// Roots among `dirs`: not included by any kustomization, not
    /// components.
    pub fn roots_among<'a>(&self, dirs: impl Iterator<Item = &'a String>) -> Vec<String> {
        dirs.filter(|d| {
            self.includers(d).is_empty() && self.kusts.get(*d).is_some_and(|k| !k.component)
        })
        .cloned()
        .collect()
    }

    /// Every root of the tree.
    pub fn roots(&self) -> Vec<String> {
        self.roots_among(self.kusts.keys())
    }

    /// `root` and every kustomization it includes, depth first, children
    /// before their includer (the order the renderer applies them in).
    pub fn closure(&self, root: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        self.post_order(root, &mut seen, &mut out);
        out
    }

    fn post_order(&self, d: &str, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
        if !seen.insert(d.to_string()) {
            return;
        }
        if let Some(k) = self.kusts.get(d) {
            for i in &k.includes {
                self.post_order(i, seen, out);
            }
            out.push(d.to_string());
        }
    }
}

/// Whether `k` reads `path` (its own file, a file it names, or a path
/// below one it names that holds nothing).
fn reads(k: &Kust, path: &str) -> bool {
    k.file == path || k.files.iter().any(|f| f == path) || covers(&k.missing, path)
}

fn covers(missing: &[String], path: &str) -> bool {
    missing.iter().any(|m| {
        m == "."
            || path == m
            || (path.len() > m.len()
                && path.starts_with(m.as_str())
                && path.as_bytes()[m.len()] == b'/')
    })
}

/// What a kustomization file names, before the paths are resolved against
/// a tree: this much depends on the file's content only, so it can be
/// cached by blob id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refs {
    pub component: bool,
    pub broken: bool,
    /// `(true, entry)` for `resources`/`bases`/`components` entries (a
    /// file or a kustomization directory), `(false, entry)` for entries
    /// that name files.
    pub entries: Vec<(bool, String)>,
}

/// Reads the path lists of a kustomization file's text.
pub fn refs_of(text: Option<&str>) -> Refs {
    let mut r = Refs::default();
    let Some(v) = text.and_then(|t| yaml::parse_one(t).ok()) else {
        r.broken = true;
        return r;
    };
    if v.as_map().is_none() {
        r.broken = !v.is_null();
        return r;
    }
    r.component = v.str_at(&["kind"]) == Some("Component");
    let mut push = |inc: bool, e: &str| {
        if !e.trim().is_empty() && !is_remote(e) {
            r.entries.push((inc, e.trim().to_string()));
        }
    };
    for key in ["resources", "bases", "components"] {
        for e in strs(v.get(key)) {
            push(true, &e);
        }
    }
    for key in ["crds", "configurations"] {
        for e in strs(v.get(key)) {
            push(false, &e);
        }
    }
    for e in strs(v.get("patchesStrategicMerge")) {
        if !is_inline_patch(&e) {
            push(false, &e);
        }
    }
    for key in ["patches", "patchesJson6902", "replacements"] {
        if let Some(Value::Seq(items)) = v.get(key) {
            for it in items {
                if let Some(p) = it.str_at(&["path"]) {
                    push(false, p);
                }
            }
        }
    }
    if let Some(p) = v.str_at(&["openapi", "path"]) {
        push(false, p);
    }
    for key in ["configMapGenerator", "secretGenerator"] {
        if let Some(Value::Seq(items)) = v.get(key) {
            for it in items {
                for f in strs(it.get("files")) {
                    // `key=path` or `path`
                    let path = f.split_once('=').map(|(_, p)| p).unwrap_or(&f);
                    push(false, path);
                }
                for f in strs(it.get("envs")).into_iter().chain(strs(it.get("env"))) {
                    push(false, &f);
                }
            }
        }
    }
    r
}

/// `dir` joined with the relative path `rel`, `.` and `..` folded, as
/// [`join_clean`] does on paths (without allocating `PathBuf`s: this runs
/// for every entry of every kustomization).
pub fn join_norm(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        return rel_str(&join_clean(Path::new(""), rel));
    }
    let mut parts: Vec<&str> = if dir == "." || dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Resolves the entries of a kustomization against the tree.
fn resolve(
    refs: &Refs,
    fs: &dyn FileSource,
    dir: &str,
    file: &str,
    kdirs: &BTreeMap<String, String>,
) -> Kust {
    let mut k = Kust {
        dir: dir.to_string(),
        file: file.to_string(),
        component: refs.component,
        broken: refs.broken,
        ..Kust::default()
    };
    for (inc, e) in &refs.entries {
        let p = join_norm(dir, e);
        if *inc && kdirs.contains_key(&p) {
            k.includes.push(p);
        } else if fs.kind(Path::new(&p)) == Kind::File {
            k.files.push(p);
        } else {
            k.missing.push(p);
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::io;
    use std::path::PathBuf;

    /// An in-memory tree.
    struct Mem(BTreeMap<String, String>);

    impl FileSource for Mem {
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            self.0
                .get(&rel_str(path))
                .map(|s| s.as_bytes().to_vec())
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "missing"))
        }
        fn kind(&self, path: &Path) -> Kind {
            let p = rel_str(path);
            if self.0.contains_key(&p) {
                Kind::File
            } else if p == "." || self.0.keys().any(|k| k.starts_with(&format!("{p}/"))) {
                Kind::Dir
            } else {
                Kind::Missing
            }
        }
        fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
            Ok(crate::source::clean(path))
        }
    }

    fn tree(files: &[(&str, &str)]) -> (Mem, Graph) {
        let m = Mem(files
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect());
        let keys: Vec<String> = m.0.keys().cloned().collect();
        let g = Graph::scan(&m, keys.iter().map(String::as_str));
        (m, g)
    }

    const TREE: &[(&str, &str)] = &[
        ("base/kustomization.yaml", "resources: [app.yaml]\nconfigMapGenerator:\n- name: c\n  files: [cfg=conf/app.conf]\n  envs: [app.env]\n"),
        ("base/app.yaml", "kind: X\n"),
        ("base/unused.yaml", "kind: X\n"),
        ("base/conf/app.conf", "x"),
        ("base/app.env", "A=1"),
        ("comp/kustomization.yaml", "kind: Component\npatches:\n- path: p.yaml\n"),
        ("comp/p.yaml", "kind: X\n"),
        ("overlays/a/kustomization.yaml", "resources:\n- ../../base\ncomponents: [../../comp]\npatchesStrategicMerge:\n- patch.yaml\n- |-\n  kind: X\n  metadata: {name: x}\nsecretGenerator:\n- name: s\n  envs: [secret.env]\n"),
        ("overlays/a/patch.yaml", "kind: X\n"),
        ("overlays/b/kustomization.yml", "resources: [../../base, https://github.com/x/y]\npatchesJson6902:\n- path: ops.yaml\n  target: {kind: X, name: x}\n"),
        ("overlays/b/ops.yaml", "[]\n"),
        ("broken/kustomization.yaml", "resources: [\n"),
    ];

    #[test]
    fn finds_what_each_kustomization_reads() {
        let (_, g) = tree(TREE);
        let a = &g.kusts["overlays/a"];
        assert_eq!(a.includes, vec!["base", "comp"]);
        assert_eq!(a.files, vec!["overlays/a/patch.yaml"]);
        assert_eq!(a.missing, vec!["overlays/a/secret.env"]);
        let base = &g.kusts["base"];
        assert_eq!(
            base.files,
            vec!["base/app.yaml", "base/conf/app.conf", "base/app.env"]
        );
        assert!(g.kusts["comp"].component);
        assert_eq!(g.kusts["overlays/b"].file, "overlays/b/kustomization.yml");
        assert!(g.kusts["broken"].broken);
        let mut roots = g.roots();
        roots.sort();
        assert_eq!(roots, vec!["broken", "overlays/a", "overlays/b"]);
    }

    #[test]
    fn changes_reach_their_roots() {
        let (_, g) = tree(TREE);
        let roots = |changed: &[&str]| {
            let a = g.affected(changed.iter().copied());
            g.roots_among(a.iter())
        };
        assert_eq!(roots(&["overlays/a/patch.yaml"]), vec!["overlays/a"]);
        assert_eq!(
            roots(&["base/conf/app.conf"]),
            vec!["overlays/a", "overlays/b"]
        );
        assert_eq!(roots(&["comp/p.yaml"]), vec!["overlays/a"]);
        assert!(roots(&["base/unused.yaml"]).is_empty());
        assert!(roots(&["README.md"]).is_empty());
        // adding the missing env file, or changing a kustomization file
        assert_eq!(roots(&["overlays/a/secret.env"]), vec!["overlays/a"]);
        assert_eq!(roots(&["overlays/b/kustomization.yml"]), vec!["overlays/b"]);
        assert_eq!(
            roots(&["base/kustomization.yaml"]),
            vec!["overlays/a", "overlays/b"]
        );
        assert!(g.is_used("overlays/b/ops.yaml"));
        assert!(!g.is_used("base/unused.yaml"));
        assert_eq!(g.closure("overlays/a"), vec!["base", "comp", "overlays/a"]);
    }

    #[test]
    fn joins() {
        for (d, r) in [
            ("overlays/a", "../../base"),
            (".", "x/y.yaml"),
            ("a", "./b/../c"),
            ("a", "../../x"),
            ("a/b", "c/"),
            (".", ".."),
        ] {
            let want = rel_str(&join_clean(Path::new(if d == "." { "" } else { d }), r));
            assert_eq!(join_norm(d, r), want, "{d} + {r}");
        }
    }

    #[test]
    fn deleted_base_affects_its_includers() {
        let mut files: Vec<(&str, &str)> = TREE.to_vec();
        files.retain(|(p, _)| !p.starts_with("base/"));
        let (_, g) = tree(&files);
        assert_eq!(
            g.kusts["overlays/a"].missing,
            vec!["base", "overlays/a/secret.env"]
        );
        let a = g.affected(["base/kustomization.yaml"].into_iter());
        assert!(a.contains("overlays/a") && a.contains("overlays/b"));
    }
}
