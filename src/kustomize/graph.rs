//! The kustomizations of a tree and what each reads, scanned once, so
//! that the roots a change touches are found without rendering anything.
//! The one place that knows which directories are kustomizations, which
//! include which, and which roots a change affects: `check`, `diff`,
//! `rebase` and `migrate-patches` all ask it.
//!
//! A tree is a [`FileSource`] and a listing of its files (the index or
//! the working tree for `check`, a commit's tree with
//! `TreeSource::kustomization_files`, a directory with [`find_on_disk`]);
//! only the kustomization files of the listing are read, and a directory
//! with several counts with the one kustomize would pick.
//!
//! How much of each kustomization file is read is a [`Reading`]. With
//! [`Reading::Fields`] every field that names files is read:
//! `resources` and legacy `bases` (files, or directories holding
//! kustomizations), `components`, `crds`, `configurations`,
//! `patchesStrategicMerge`, the `path` of `patches` and `patchesJson6902`
//! entries, the `files`/`envs`/`env` of `configMapGenerator` and
//! `secretGenerator`, the `path` of `replacements` and `openapi`. A
//! changed file affects the kustomizations that name it (or name a
//! missing path it is below, so that deleting or adding a file a
//! kustomization needs counts), and each of those affects the
//! kustomizations that include it, up to the roots: kustomizations no
//! other one includes ([`Touch`] says what a change touches, [`Roots`]
//! which of those kustomizations are roots).

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub use super::layout::kustomization_file;
use super::layout::{is_remote, KUSTOMIZATION_FILES};
use crate::source::{join_clean, parent, rel_str, FileSource, Kind};
use crate::yaml::{self, Value};

/// One kustomization directory.
#[derive(Debug, Clone, Default)]
pub struct Kust {
    /// The directory (`.` for the top of the tree).
    pub dir: String,
    /// Its kustomization file.
    pub file: String,
    /// `kind: Component`.
    pub component: bool,
    /// Kustomization directories it includes (resources/bases, then
    /// components), in order.
    pub includes: Vec<String>,
    /// Files it reads ([`Reading::Fields`] only).
    pub files: Vec<String>,
    /// Paths it names that hold nothing (or a directory without a
    /// kustomization): any change at or below them affects it
    /// ([`Reading::Fields`] only).
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

/// How much of a kustomization file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Every field that names a file, as the renderer reads the file
    /// (UTF-8; field names as written): what [`Touch::Reads`] needs. A
    /// file that does not parse names nothing and is `broken`.
    Fields,
    /// The lists of `resources`, `bases` and `components` only, their
    /// names in any case as kustomize matches them, of the first of the
    /// directory's kustomization files that can be read; a file that is
    /// not a mapping is read as [`Reading::Lines`] is. Enough to tell
    /// roots from bases.
    Includes,
    /// No parse: every `- item` line names a possible include, in every
    /// kustomization file of the directory. Tells roots from bases even
    /// in files the renderer refuses.
    Lines,
}

/// What a changed path affects, besides the kustomizations that include
/// an affected one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// The kustomizations that read it: their own file, a file they
    /// name, a path below one they name that holds nothing (needs
    /// [`Reading::Fields`]).
    Reads,
    /// The kustomizations whose directory it is below.
    Below,
}

/// Which of the kustomizations that no other one includes are roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roots {
    /// Components too (a component only builds inside its includer).
    pub components: bool,
    /// One that includes itself too (it does not build either: the
    /// renderer says so).
    pub self_including: bool,
}

impl Roots {
    /// The root rule of `diff`, `check` and `rebase`'s render check: a
    /// kustomization no *other* kustomization includes. `Component`s are
    /// left out: they are not deployable on their own, only inside an
    /// includer (`diff` renders one when it is named on the command
    /// line). One that includes itself is kept: it does not render, and
    /// the renderer's error says why.
    pub const DEPLOYABLE: Roots = Roots {
        components: false,
        self_including: true,
    };
}

/// Whether a file name is a kustomization file name.
pub fn is_kustomization_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    KUSTOMIZATION_FILES.contains(&name)
}

/// The kustomization files among `files` by directory (`.` for the top),
/// in the order kustomize looks for them: the first is the one it reads.
pub fn kustomization_dirs<'a>(
    files: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, Vec<&'a str>> {
    let mut out: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for f in files.filter(|f| is_kustomization_file(f)) {
        out.entry(parent(f).to_string()).or_default().push(f);
    }
    for v in out.values_mut() {
        v.sort_by_key(|f| rank(f));
    }
    out
}

/// Where a kustomization file's name comes in the order kustomize looks
/// for them.
fn rank(path: &str) -> Option<usize> {
    let n = path.rsplit('/').next().unwrap_or(path);
    KUSTOMIZATION_FILES.iter().position(|k| *k == n)
}

/// The entries named like kustomization files below `top` on disk that
/// are not directories (symbolic links, whatever they point to,
/// included), relative to it, in no order. Directories whose name `skip`
/// accepts are not entered, nor are symbolic links to directories.
pub fn find_on_disk(top: &Path, skip: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(top.join(&rel)) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let lossy = name.to_string_lossy();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if !skip(&lossy) {
                    stack.push(rel.join(&name));
                }
            } else if KUSTOMIZATION_FILES.contains(&lossy.as_ref()) {
                out.push(rel.join(&name));
            }
        }
    }
    out
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
    pub fn scan<'a>(
        fs: &dyn FileSource,
        files: impl Iterator<Item = &'a str>,
        reading: Reading,
    ) -> Graph {
        Graph::scan_with(fs, files, reading, &mut |_| None)
    }

    /// [`Graph::scan`], asking `refs_for` first for what a kustomization
    /// file names (a cache); files it has no answer for are read.
    pub fn scan_with<'a>(
        fs: &dyn FileSource,
        files: impl Iterator<Item = &'a str>,
        reading: Reading,
        refs_for: &mut dyn FnMut(&str) -> Option<Rc<Refs>>,
    ) -> Graph {
        let mut g = Graph::default();
        let kdirs = kustomization_dirs(files);
        let bytes = |f: &&str| fs.read(Path::new(f)).ok();
        for (dir, all) in &kdirs {
            let file = all[0];
            let refs = match refs_for(file) {
                Some(r) => r,
                None => Rc::new(match reading {
                    Reading::Fields => Refs::read(bytes(&file), reading),
                    Reading::Includes => Refs::read(all.iter().find_map(bytes), reading),
                    Reading::Lines => {
                        let mut r = Refs::default();
                        for (i, f) in all.iter().enumerate() {
                            let part = Refs::read(bytes(f), reading);
                            if i == 0 {
                                // the kind of the file kustomize reads
                                r.component = part.component;
                            }
                            r.entries.extend(part.entries);
                        }
                        r
                    }
                }),
            };
            let k = resolve(&refs, fs, dir, file, &kdirs, reading);
            g.kusts.insert(dir.clone(), k);
        }
        g
    }

    /// A graph of kustomizations read elsewhere.
    pub fn from_kusts(kusts: impl IntoIterator<Item = Kust>) -> Graph {
        Graph {
            kusts: kusts.into_iter().map(|k| (k.dir.clone(), k)).collect(),
            included_by: OnceCell::new(),
        }
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

    /// The kustomizations a set of changed paths affects, directly (as
    /// `touch` says) or through what includes them.
    pub fn affected<'a>(
        &self,
        changed: impl Iterator<Item = &'a str>,
        touch: Touch,
    ) -> BTreeSet<String> {
        let changed: Vec<&str> = changed.collect();
        let hit = |k: &Kust| match touch {
            Touch::Reads => changed.iter().any(|c| reads(k, c)),
            Touch::Below => changed.iter().any(|c| is_below(&k.dir, c)),
        };
        let mut out: BTreeSet<String> = self
            .kusts
            .values()
            .filter(|k| hit(k))
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

    /// Roots among `dirs`, in their order: kustomizations no other one
    /// includes, as `rule` says.
    pub fn roots_among<'a>(
        &self,
        dirs: impl Iterator<Item = &'a String>,
        rule: Roots,
    ) -> Vec<String> {
        dirs.filter(|d| {
            self.kusts
                .get(*d)
                .is_some_and(|k| rule.components || !k.component)
                && self
                    .includers(d)
                    .iter()
                    .all(|i| rule.self_including && i == *d)
        })
        .cloned()
        .collect()
    }

    /// Every root of the tree, sorted.
    pub fn roots(&self, rule: Roots) -> Vec<String> {
        self.roots_among(self.kusts.keys(), rule)
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
    k.file == path
        || k.files.iter().any(|f| f == path)
        || k.missing.iter().any(|m| path == m || is_below(m, path))
}

/// Whether `path` lies below directory `dir` (anything does below `.`).
fn is_below(dir: &str, path: &str) -> bool {
    dir == "."
        || (path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/')
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

impl Refs {
    /// Reads the bytes of a kustomization file (`None`: unreadable).
    pub fn read(bytes: Option<Vec<u8>>, reading: Reading) -> Refs {
        let text = bytes.and_then(|b| match String::from_utf8(b) {
            Ok(t) => Some(t),
            Err(_) if reading == Reading::Fields => None,
            Err(e) => Some(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        });
        match text {
            Some(t) => read_text(&t, reading),
            None => Refs {
                broken: true,
                ..Refs::default()
            },
        }
    }

    fn push(&mut self, inc: bool, e: &str) {
        if !e.trim().is_empty() && !is_remote(e) {
            self.entries.push((inc, e.trim().to_string()));
        }
    }
}

/// The items of block lists (`- item`, an end-of-line comment, quotes and
/// `key: value` items left out), found without parsing.
fn list_items(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|l| {
        let item = l.trim_start().strip_prefix("- ")?;
        let item = item.split(" #").next().unwrap_or("").trim();
        let item = item.trim_matches(|c| c == '"' || c == '\'');
        (!item.is_empty() && !item.contains(": ")).then_some(item)
    })
}

/// Whether a top-level line says `kind: Component` (the key in any case,
/// as kustomize matches it), found without parsing.
fn component_line(text: &str) -> bool {
    text.lines().any(|l| {
        let Some((k, v)) = l.split_once(':') else {
            return false;
        };
        let unquote = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        let v = v.split(" #").next().unwrap_or("");
        !l.starts_with([' ', '\t', '-', '#'])
            && unquote(k).eq_ignore_ascii_case("kind")
            && unquote(v) == "Component"
    })
}

fn read_text(text: &str, reading: Reading) -> Refs {
    let mut r = Refs::default();
    let lines = |r: &mut Refs| {
        for item in list_items(text) {
            r.push(true, item);
        }
        r.component = component_line(text);
    };
    if reading == Reading::Lines {
        lines(&mut r);
        return r;
    }
    let Ok(v) = yaml::parse_one_lenient(text) else {
        r.broken = true;
        if reading == Reading::Includes {
            lines(&mut r);
        }
        return r;
    };
    let Some(m) = v.as_map() else {
        r.broken = !v.is_null();
        if reading == Reading::Includes {
            lines(&mut r);
        }
        return r;
    };
    r.component = m
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("kind") && v.as_str() == Some("Component"));
    for key in ["resources", "bases", "components"] {
        if reading == Reading::Includes {
            let lists = m.iter().filter(|(k, _)| k.eq_ignore_ascii_case(key));
            for e in lists.filter_map(|(_, v)| v.as_seq()).flatten() {
                if let Some(e) = e.as_str() {
                    r.push(true, e);
                }
            }
        } else {
            for e in strs(v.get(key)) {
                r.push(true, &e);
            }
        }
    }
    if reading == Reading::Includes {
        return r;
    }
    for key in ["crds", "configurations"] {
        for e in strs(v.get(key)) {
            r.push(false, &e);
        }
    }
    for e in strs(v.get("patchesStrategicMerge")) {
        if !is_inline_patch(&e) {
            r.push(false, &e);
        }
    }
    // built-in plugin configuration files (files these name in turn, such
    // as a PatchTransformer's `path`, are not followed)
    for key in ["generators", "transformers"] {
        for e in strs(v.get(key)) {
            if !e.contains('\n') && !e.contains(": ") {
                r.push(false, &e);
            }
        }
    }
    for key in ["patches", "patchesJson6902", "replacements"] {
        if let Some(Value::Seq(items)) = v.get(key) {
            for it in items {
                if let Some(p) = it.str_at(&["path"]) {
                    r.push(false, p);
                }
            }
        }
    }
    if let Some(p) = v.str_at(&["openapi", "path"]) {
        r.push(false, p);
    }
    for key in ["configMapGenerator", "secretGenerator"] {
        if let Some(Value::Seq(items)) = v.get(key) {
            for it in items {
                for f in strs(it.get("files")) {
                    // `key=path` or `path`
                    let path = f.split_once('=').map(|(_, p)| p).unwrap_or(&f);
                    r.push(false, path);
                }
                for f in strs(it.get("envs")).into_iter().chain(strs(it.get("env"))) {
                    r.push(false, &f);
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
    kdirs: &BTreeMap<String, Vec<&str>>,
    reading: Reading,
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
        } else if reading == Reading::Fields {
            if fs.kind(Path::new(&p)) == Kind::File {
                k.files.push(p);
            } else {
                k.missing.push(p);
            }
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

    /// Neither components nor a kustomization that includes itself.
    const BUILDABLE: Roots = Roots {
        components: false,
        self_including: false,
    };
    const ALL: Roots = Roots {
        components: true,
        self_including: true,
    };

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
        let g = Graph::scan(&m, keys.iter().map(String::as_str), Reading::Fields);
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
        let roots = g.roots(BUILDABLE);
        assert_eq!(roots, vec!["broken", "overlays/a", "overlays/b"]);
    }

    #[test]
    fn changes_reach_their_roots() {
        let (_, g) = tree(TREE);
        let roots = |changed: &[&str]| {
            let a = g.affected(changed.iter().copied(), Touch::Reads);
            g.roots_among(a.iter(), BUILDABLE)
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
        let a = g.affected(["base/kustomization.yaml"].into_iter(), Touch::Reads);
        assert!(a.contains("overlays/a") && a.contains("overlays/b"));
    }

    fn scan(files: &[(&str, &str)], reading: Reading) -> Graph {
        let m = Mem(files
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect());
        let keys: Vec<String> = m.0.keys().cloned().collect();
        Graph::scan(&m, keys.iter().map(String::as_str), reading)
    }

    #[test]
    fn includes_only_readings() {
        // flow lists are not list lines; a file that does not parse still
        // names its includes by line
        let files: &[(&str, &str)] = &[
            ("base/kustomization.yaml", "resources: [app.yaml]\n"),
            ("base/app.yaml", "kind: X\n"),
            ("comp/kustomization.yaml", "kind: Component\n"),
            (
                "a/kustomization.yaml",
                "Resources:\n- ../base # the base\n- app.yaml\nComponents: ['../comp']\n",
            ),
            ("b/kustomization.yaml", "resources: [../base]\n"),
            (
                "c/kustomization.yaml",
                "resources:\n- \"../b\"\n- https://x/y\nbad: [\n",
            ),
            ("self/kustomization.yaml", "resources:\n- .\n"),
        ];
        let inc = |g: &Graph, d: &str| g.kusts[d].includes.clone();
        let lines = scan(files, Reading::Lines);
        assert_eq!(inc(&lines, "a"), vec!["base"]);
        assert!(inc(&lines, "b").is_empty());
        assert_eq!(inc(&lines, "c"), vec!["b"]);
        assert!(lines.kusts["a"].files.is_empty() && lines.kusts["a"].missing.is_empty());
        let includes = scan(files, Reading::Includes);
        assert_eq!(inc(&includes, "a"), vec!["base", "comp"]);
        assert_eq!(inc(&includes, "b"), vec!["base"]);
        assert_eq!(inc(&includes, "c"), vec!["b"]);
        assert!(includes.kusts["c"].broken);
        let fields = scan(files, Reading::Fields);
        assert!(inc(&fields, "a").is_empty(), "field names as written");
        assert!(fields.kusts["c"].includes.is_empty() && fields.kusts["c"].broken);
        // a kustomization that includes itself is a root only if asked
        assert_eq!(lines.roots(ALL), vec!["a", "c", "comp", "self"]);
        assert_eq!(includes.roots(ALL), vec!["a", "c", "self"]);
        assert_eq!(includes.roots(BUILDABLE), vec!["a", "c"]);
        // the rule of diff, check and rebase: components left out (found
        // by line too), one that includes itself kept
        assert_eq!(lines.roots(Roots::DEPLOYABLE), vec!["a", "c", "self"]);
        assert_eq!(includes.roots(Roots::DEPLOYABLE), vec!["a", "c", "self"]);
        assert_eq!(fields.roots(Roots::DEPLOYABLE), vec!["a", "b", "c", "self"]);
        assert_eq!(fields.roots(BUILDABLE), vec!["a", "b", "c"]);
        let unincluded = Roots {
            components: true,
            self_including: false,
        };
        assert_eq!(fields.roots(unincluded), vec!["a", "b", "c", "comp"]);
    }

    #[test]
    fn components_found_without_parsing() {
        for (text, want) in [
            ("kind: Component\n", true),
            ("apiVersion: x\nKind: \"Component\" # a component\n", true),
            ("'kind': 'Component'\n", true),
            ("kind: Kustomization\n", false),
            // a patch inside the file, not the file's kind
            ("patches:\n- patch: |-\n    kind: Component\n", false),
            ("# kind: Component\n", false),
            ("resources: [\nkind: Component\n", true),
        ] {
            assert_eq!(component_line(text), want, "{text:?}");
            let lines = Refs::read(Some(text.as_bytes().to_vec()), Reading::Lines);
            assert_eq!(lines.component, want, "lines {text:?}");
            let inc = Refs::read(Some(text.as_bytes().to_vec()), Reading::Includes);
            assert_eq!(inc.component, want, "includes {text:?}");
        }
    }

    #[test]
    fn several_kustomization_files() {
        // the renderer refuses the directory; the line reading reads them
        // all, the others the one kustomize looks for first
        let files: &[(&str, &str)] = &[
            ("a/kustomization.yml", "resources:\n- ../c\n"),
            ("a/kustomization.yaml", "resources:\n- ../b\n"),
            ("b/kustomization.yaml", ""),
            ("c/kustomization.yaml", ""),
        ];
        let lines = scan(files, Reading::Lines);
        assert_eq!(lines.kusts["a"].file, "a/kustomization.yaml");
        assert_eq!(lines.kusts["a"].includes, vec!["b", "c"]);
        assert_eq!(lines.roots(ALL), vec!["a"]);
        let fields = scan(files, Reading::Fields);
        assert_eq!(fields.kusts["a"].includes, vec!["b"]);
        assert_eq!(fields.roots(BUILDABLE), vec!["a", "c"]);
    }

    #[test]
    fn changes_below_a_directory() {
        let (_, g) = tree(TREE);
        let roots = |changed: &[&str], touch| {
            let a = g.affected(changed.iter().copied(), touch);
            g.roots_among(a.iter(), ALL)
        };
        assert_eq!(
            roots(&["base/unused.yaml"], Touch::Below),
            vec!["overlays/a", "overlays/b"]
        );
        assert!(roots(&["base/unused.yaml"], Touch::Reads).is_empty());
        assert_eq!(roots(&["comp/new.yaml"], Touch::Below), vec!["overlays/a"]);
        assert!(roots(&["README.md", "overlays"], Touch::Below).is_empty());
        let top = scan(
            &[
                ("kustomization.yaml", "resources: [a]\n"),
                ("a/kustomization.yaml", ""),
            ],
            Reading::Lines,
        );
        assert_eq!(
            top.affected(["README.md"].into_iter(), Touch::Below).len(),
            1
        );
    }

    #[test]
    fn graphs_of_kustomizations_read_elsewhere() {
        let k = |dir: &str, files: &[&str], includes: &[&str]| Kust {
            dir: dir.into(),
            files: files.iter().map(|f| f.to_string()).collect(),
            includes: includes.iter().map(|f| f.to_string()).collect(),
            ..Kust::default()
        };
        let g = Graph::from_kusts([
            k("/r/base", &["/r/base/a.yaml"], &[]),
            k("/r/o1", &["/r/o1/p.yaml"], &["/r/base", "/r/plain"]),
            k("/r/o2", &[], &["/r/base"]),
        ]);
        let a = g.affected(["/r/base/a.yaml"].into_iter(), Touch::Reads);
        assert_eq!(g.roots_among(a.iter(), ALL), vec!["/r/o1", "/r/o2"]);
        let a = g.affected(["/r/o1/p.yaml"].into_iter(), Touch::Reads);
        assert_eq!(g.roots_among(a.iter(), ALL), vec!["/r/o1"]);
    }

    #[test]
    fn kustomization_files_on_disk() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        for f in [
            "kustomization.yaml",
            "a/Kustomization",
            "a/kustomization.yml",
            ".hidden/kustomization.yaml",
            "target/kustomization.yaml",
            "b/c/kustomization.yaml",
            "b/x.yaml",
        ] {
            std::fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
            std::fs::write(d.join(f), "").unwrap();
        }
        std::fs::create_dir_all(d.join("kustomization.yml/e")).unwrap();
        std::fs::write(d.join("kustomization.yml/e/kustomization.yaml"), "").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(d.join("b"), d.join("link")).unwrap();
            std::os::unix::fs::symlink("../kustomization.yaml", d.join("b/kustomization.yaml"))
                .unwrap();
            std::os::unix::fs::symlink("nowhere", d.join("b/c/kustomization.yml")).unwrap();
        }
        let mut found: Vec<String> = find_on_disk(d, &|n| n.starts_with('.') || n == "target")
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        found.sort();
        let mut want = vec![
            "a/Kustomization",
            "a/kustomization.yml",
            "b/c/kustomization.yaml",
            "kustomization.yaml",
            "kustomization.yml/e/kustomization.yaml",
        ];
        if cfg!(unix) {
            // links to files, and dangling ones: not directories
            want.extend(["b/kustomization.yaml", "b/c/kustomization.yml"]);
            want.sort();
        }
        assert_eq!(found, want);
        let files: Vec<&String> = found.iter().filter(|f| d.join(f).is_file()).collect();
        assert_eq!(files.len(), 6);
        let dirs = kustomization_dirs(found.iter().map(String::as_str));
        assert_eq!(dirs["a"], vec!["a/kustomization.yml", "a/Kustomization"]);
        assert_eq!(dirs["."], vec!["kustomization.yaml"]);
        let picked = kustomization_file(&crate::source::DirSource, &d.join("a"));
        assert_eq!(picked, Some(d.join("a/kustomization.yml")));
    }
}
