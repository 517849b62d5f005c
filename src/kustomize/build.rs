//! The pipeline: load a kustomization tree through a [`FileSource`],
//! accumulate resources depth-first, run generators and the built-in
//! transformers in kustomize's order at each level, then at the top add
//! hash suffixes, fix name references, resolve vars, sort and print.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use super::fieldspec::TransformerConfig;
use super::types::Kustomization;
use super::{generators, hash, nameref, patches, plugins, replacements, sort, transformers, vars};
use crate::resource::{BuildMeta, Origin, ResId, Resource};
use crate::source::{display_path, join_clean, DirSource, FileSource, Kind};
use crate::yaml::{self, Value};
use std::sync::Arc;

pub use super::layout::{is_remote, KUSTOMIZATION_FILES};

/// A build failure: the file it concerns, where in it, and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct BuildError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub msg: String,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.col) {
            (0, _) => write!(f, "{}: {}", self.file, self.msg),
            (l, 0) => write!(f, "{}:{}: {}", self.file, l, self.msg),
            (l, c) => write!(f, "{}:{}:{}: {}", self.file, l, c, self.msg),
        }
    }
}

type Result<T> = std::result::Result<T, BuildError>;

/// Everything one kustomization (and what it includes) produced.
#[derive(Default)]
struct Acc {
    res: Vec<Resource>,
    ids: HashSet<ResId>,
    vars: Vec<Value>,
}

impl Acc {
    fn push(&mut self, r: Resource) -> std::result::Result<(), String> {
        let id = r.id();
        if !self.ids.insert(id.clone()) {
            return Err(format!(
                "may not add resource with an already registered id: {id}"
            ));
        }
        self.res.push(r);
        Ok(())
    }

    /// Re-derives the id set after transformers renamed things.
    fn reindex(&mut self) -> std::result::Result<(), String> {
        self.ids.clear();
        for r in &self.res {
            if !self.ids.insert(r.id()) {
                return Err(format!(
                    "may not add resource with an already registered id: {}",
                    r.id()
                ));
            }
        }
        Ok(())
    }
}

/// Renders kustomization trees.
pub struct Renderer<'a> {
    fs: &'a dyn FileSource,
    /// Paths in messages are shown relative to this directory.
    base: PathBuf,
    /// Shared until a kustomization changes it.
    cfg: Arc<TransformerConfig>,
    /// Kustomization directories being built (resolved), for cycle checks.
    stack: Vec<PathBuf>,
    /// What to do with remote bases.
    remote: Remote,
    /// The root's `buildMetadata`.
    meta: MetaFlags,
}

/// What the renderer does with `resources` entries naming a git
/// repository (see [`super::remote`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remote {
    /// Render them from the cache of clones; refuse those it lacks (the
    /// default: `check`, `diff` and the others stay offline).
    CacheOnly,
    /// Clone what the cache lacks with the user's `git` (`render`).
    Fetch,
}

/// kustomize's `buildMetadata` options; only the root kustomization's
/// count (a base's are ignored when an overlay is built: kubectl 1.37).
#[derive(Default, Clone, Copy)]
struct MetaFlags {
    origin: bool,
    transformations: bool,
    managed_by: bool,
}

impl MetaFlags {
    fn any_annotation(&self) -> bool {
        self.origin || self.transformations
    }
}

/// Renders the kustomization in `dir` from the local filesystem, with paths
/// in messages relative to the current directory.
pub fn render_dir(dir: &Path) -> Result<String> {
    render_dir_with(dir, Remote::CacheOnly)
}

/// [`render_dir`], choosing what to do with remote bases.
pub fn render_dir_with(dir: &Path, remote: Remote) -> Result<String> {
    let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let fs = DirSource;
    let mut r = Renderer::new(&fs, &base).with_remote(remote);
    r.render(dir)
}

/// Builds the kustomization in `dir` from the local filesystem (as
/// [`render_dir`]) and returns the resources to print, in order: print them
/// with [`yaml::emit::write_stream`] to stream the output instead of
/// holding all of it in memory.
pub fn build_dir(dir: &Path, remote: Remote) -> Result<Vec<Resource>> {
    let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let fs = DirSource;
    let mut r = Renderer::new(&fs, &base).with_remote(remote);
    r.build(dir)
}

impl<'a> Renderer<'a> {
    pub fn new(fs: &'a dyn FileSource, base: &Path) -> Renderer<'a> {
        Renderer {
            fs,
            base: base.to_path_buf(),
            cfg: TransformerConfig::shared_defaults(),
            stack: Vec::new(),
            remote: Remote::CacheOnly,
            meta: MetaFlags::default(),
        }
    }

    /// Chooses what to do with remote bases (default: the cache only).
    pub fn with_remote(mut self, remote: Remote) -> Self {
        self.remote = remote;
        self
    }

    /// Builds a remote base from the cache of clones (fetching it first in
    /// [`Remote::Fetch`] mode) into `acc`, as a local base directory.
    fn accumulate_remote(&mut self, kpath: &Path, entry: &str, acc: &mut Acc) -> Result<()> {
        if super::remote::is_http_url(entry) {
            if let Some(res) = self.http_file(kpath, entry)? {
                for r in res {
                    acc.push(r).map_err(|m| self.err(kpath, m))?;
                }
                return Ok(());
            }
        }
        let offline = |why: &str| {
            self.err(
                kpath,
                format!(
                    "remote resource '{entry}' is not supported{why}: gitops-upgrade renders offline; vendor it into the repository and reference the local copy"
                ),
            )
        };
        let spec = super::remote::parse(entry).map_err(|m| offline(&format!(" ({m})")))?;
        let Some(root) = super::remote::cache_root() else {
            return Err(offline(" (no cache directory: set XDG_CACHE_HOME or HOME)"));
        };
        let clone = match self.remote {
            Remote::CacheOnly => spec.cached(&root).ok_or_else(|| {
                self.err(
                    kpath,
                    format!(
                        "remote resource '{entry}' is not in the cache of clones and this command stays offline: run `gitops-upgrade render` on this kustomization once online to fetch it, or vendor it into the repository"
                    ),
                )
            })?,
            Remote::Fetch => spec
                .fetch(&root)
                .map_err(|m| self.err(kpath, format!("remote resource '{entry}': {m}")))?,
        };
        let dir = join_clean(&clone, &spec.path);
        let fs = DirSource;
        let mut sub_r = Renderer {
            fs: &fs,
            base: self.base.clone(),
            cfg: TransformerConfig::shared_defaults(),
            stack: self.stack.clone(),
            remote: self.remote,
            // Only the root's buildMetadata counts, also below a remote base.
            meta: self.meta,
        };
        if fs.kind(&dir) != Kind::Dir {
            return Err(self.err(
                kpath,
                format!(
                    "remote resource '{entry}': '{}' is not a directory of the repository",
                    spec.path
                ),
            ));
        }
        let mut sub = Acc::default();
        sub_r.accumulate(&dir, &mut sub, false)?;
        let child_cfg = sub_r.cfg;
        if *self.cfg != *child_cfg {
            Arc::make_mut(&mut self.cfg)
                .merge_config(&child_cfg)
                .map_err(|m| self.err(kpath, m))?;
        }
        for r in sub.res {
            acc.push(r).map_err(|m| self.err(kpath, m))?;
        }
        acc.vars.extend(sub.vars);
        Ok(())
    }

    /// An HTTP(S) entry read as one resource file, as kustomize reads it
    /// first: a GET whose body (status 200-299) holds the resources, kept
    /// in the cache like a clone (and read from there offline). `None`
    /// when kustomize would go on to read the URL as a git repository: the
    /// GET failed or its body held no resources, and the URL parses as a
    /// repository (`https://host/org/repo/file.yaml` does). Checked with
    /// kubectl 1.37: a malformed body is an error, a status outside
    /// 200-299 on a URL that is no repository is `HTTP Error: status code
    /// 404 (Not Found)`.
    fn http_file(&self, kpath: &Path, entry: &str) -> Result<Option<Vec<Resource>>> {
        use super::remote::{http_cached, http_get, http_store, HttpError};
        let git = super::remote::parse(entry).ok();
        let Some(root) = super::remote::cache_root() else {
            if git.is_some() {
                return Ok(None);
            }
            return Err(self.err(
                kpath,
                format!("remote resource '{entry}' cannot be kept: no cache directory (set XDG_CACHE_HOME or HOME)"),
            ));
        };
        let at = Path::new(entry);
        let text_of = |body: Vec<u8>| {
            String::from_utf8(body).map_err(|_| {
                self.err(
                    kpath,
                    format!("remote resource '{entry}': the file is not UTF-8 text"),
                )
            })
        };
        if let Some(body) = http_cached(&root, entry) {
            return self.parse_resources(at, &text_of(body)?).map(Some);
        }
        let fail = |why: String| -> Result<Option<Vec<Resource>>> {
            match git {
                Some(_) => Ok(None),
                None => Err(self.err(kpath, format!("remote resource '{entry}': {why}"))),
            }
        };
        if self.remote == Remote::CacheOnly {
            if git.as_ref().is_some_and(|g| g.cached(&root).is_some()) {
                return Ok(None);
            }
            return Err(self.err(
                kpath,
                format!(
                    "remote resource '{entry}' is not in the cache and this command stays offline: run `gitops-upgrade render` on this kustomization once online to fetch it, or vendor it into the repository"
                ),
            ));
        }
        match http_get(entry) {
            Ok(body) => {
                let text = text_of(body)?;
                let docs = yaml::parse_documents(&text).map_err(|e| self.yaml_err(at, e))?;
                match self.resources_of(at, docs) {
                    Ok(res) => {
                        http_store(&root, entry, text.as_bytes()).map_err(|m| {
                            self.err(kpath, format!("remote resource '{entry}': {m}"))
                        })?;
                        Ok(Some(res))
                    }
                    Err(e) if git.is_none() => Err(e),
                    Err(_) => Ok(None),
                }
            }
            Err(HttpError::Status(code, reason)) => {
                fail(format!("HTTP Error: status code {code} ({reason})"))
            }
            Err(HttpError::Transport(m)) => fail(m),
        }
    }

    fn err(&self, path: &Path, msg: impl Into<String>) -> BuildError {
        BuildError {
            file: display_path(path, &self.base),
            line: 0,
            col: 0,
            msg: msg.into(),
        }
    }

    /// Renders the kustomization in `dir` to kustomize's output text.
    pub fn render(&mut self, dir: &Path) -> Result<String> {
        let res = self.build(dir)?;
        let docs: Vec<&Value> = res.iter().map(|r| &r.obj).collect();
        Ok(yaml::emit_stream(docs))
    }

    /// Builds the kustomization in `dir` to its final, sorted resource list.
    pub fn build(&mut self, dir: &Path) -> Result<Vec<Resource>> {
        let dir = self.absolute(dir);
        if self.fs.kind(&dir) != Kind::Dir {
            return Err(self.err(&dir, "not a directory holding a kustomization"));
        }
        let mut acc = Acc::default();
        let k = self.accumulate(&dir, &mut acc, false)?;
        // the id set only guards accumulation; a large root's is megabytes
        acc.ids = HashSet::new();
        let kfile = self.kustomization_path(&dir).unwrap_or_else(|| dir.clone());
        hash::add_hashes(&mut acc.res).map_err(|m| self.err(&kfile, m))?;
        nameref::fix_name_references(&mut acc.res, &self.cfg).map_err(|m| self.err(&kfile, m))?;
        vars::resolve(&mut acc.res, &acc.vars, &self.cfg).map_err(|m| self.err(&kfile, m))?;
        let mut out: Vec<Resource> = acc
            .res
            .into_iter()
            .filter(|r| {
                r.obj.str_at(&[
                    "metadata",
                    "annotations",
                    "config.kubernetes.io/local-config",
                ]) != Some("true")
            })
            .collect();
        for r in &mut out {
            stringify_annotations(&mut r.obj);
            self.print_build_metadata(r, &dir);
        }
        sort::sort_for_output(&mut out, k.sort_options.as_ref());
        for r in &out {
            yaml::emit::check_printable(&r.obj).map_err(|m| BuildError {
                file: r.origin.file.clone(),
                line: r.origin.line,
                col: 0,
                msg: format!("{} {}: {m}", r.kind(), r.name()),
            })?;
        }
        Ok(out)
    }

    fn absolute(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            crate::source::clean(p)
        } else {
            crate::source::clean(&self.base.join(p))
        }
    }

    fn kustomization_path(&self, dir: &Path) -> Option<PathBuf> {
        super::layout::kustomization_file(self.fs, dir)
    }

    fn load_kustomization(&self, dir: &Path) -> Result<(PathBuf, Kustomization)> {
        let found: Vec<PathBuf> = KUSTOMIZATION_FILES
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| self.fs.kind(p) == Kind::File)
            .collect();
        let path = match found.len() {
            0 => {
                return Err(self.err(
                    dir,
                    format!(
                        "unable to find one of {} in directory",
                        KUSTOMIZATION_FILES
                            .iter()
                            .map(|n| format!("'{n}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
            1 => found[0].clone(),
            _ => {
                return Err(self.err(
                    dir,
                    "found multiple kustomization files; keep only one of kustomization.yaml, kustomization.yml, Kustomization",
                ))
            }
        };
        let text = self.read_text(&path)?;
        let v = yaml::parse_one_lenient(&text).map_err(|e| BuildError {
            file: display_path(&path, &self.base),
            line: e.line,
            col: e.col,
            msg: e.msg,
        })?;
        let k = Kustomization::from_value(&v).map_err(|e| self.err(&path, e.0))?;
        Ok((path, k))
    }

    fn read_text(&self, path: &Path) -> Result<String> {
        let bytes = self
            .fs
            .read(path)
            .map_err(|e| self.err(path, format!("cannot read: {e}")))?;
        String::from_utf8(bytes).map_err(|_| self.err(path, "not valid UTF-8 text"))
    }

    /// Refuses a file that lies outside the kustomization directory `root`
    /// once symbolic links are resolved (kustomize's default
    /// `LoadRestrictionsRootOnly`).
    fn restrict(&self, root: &Path, file: &Path, entry: &str) -> Result<()> {
        let r = self.fs.resolve(root).unwrap_or_else(|_| root.to_path_buf());
        let f = self
            .fs
            .resolve(file)
            .map_err(|e| self.err(file, format!("cannot resolve '{entry}': {e}")))?;
        if !f.starts_with(&r) {
            let kfile = self
                .kustomization_path(root)
                .unwrap_or_else(|| root.to_path_buf());
            return Err(self.err(
                &kfile,
                format!(
                    "file '{entry}' is outside the kustomization root '{}' (kustomize's default load restrictor; reference a directory that holds its own kustomization instead)",
                    display_path(root, &self.base)
                ),
            ));
        }
        Ok(())
    }

    /// Reads a file named by an entry of the kustomization in `dir`.
    fn read_entry(&self, dir: &Path, entry: &str) -> Result<(PathBuf, Vec<u8>)> {
        let path = join_clean(dir, entry);
        match self.fs.kind(&path) {
            Kind::Missing | Kind::Dir => {
                let kfile = self
                    .kustomization_path(dir)
                    .unwrap_or_else(|| dir.to_path_buf());
                let what = if self.fs.kind(&path) == Kind::Dir {
                    "is a directory, expected a file"
                } else {
                    "no such file"
                };
                Err(self.err(&kfile, format!("'{entry}': {what}")))
            }
            Kind::File => {
                self.restrict(dir, &path, entry)?;
                let bytes = self
                    .fs
                    .read(&path)
                    .map_err(|e| self.err(&path, format!("cannot read: {e}")))?;
                Ok((path, bytes))
            }
        }
    }

    fn read_entry_text(&self, dir: &Path, entry: &str) -> Result<(PathBuf, String)> {
        let (p, b) = self.read_entry(dir, entry)?;
        let s = String::from_utf8(b).map_err(|_| self.err(&p, "not valid UTF-8 text"))?;
        Ok((p, s))
    }

    fn accumulate(&mut self, dir: &Path, acc: &mut Acc, component: bool) -> Result<Kustomization> {
        let resolved = self.fs.resolve(dir).unwrap_or_else(|_| dir.to_path_buf());
        if self.stack.contains(&resolved) {
            let chain: Vec<String> = self
                .stack
                .iter()
                .chain(std::iter::once(&resolved))
                .map(|p| display_path(p, &self.base))
                .collect();
            return Err(self.err(
                dir,
                format!(
                    "cycle detected between kustomizations: {}",
                    chain.join(" -> ")
                ),
            ));
        }
        self.stack.push(resolved);
        let r = self.accumulate_inner(dir, acc, component);
        self.stack.pop();
        r
    }

    fn accumulate_inner(
        &mut self,
        dir: &Path,
        acc: &mut Acc,
        component: bool,
    ) -> Result<Kustomization> {
        let (kpath, k) = self.load_kustomization(dir)?;
        let kerr = |this: &Self, m: String| this.err(&kpath, m);
        if self.stack.len() == 1 && !component {
            self.meta = MetaFlags::default();
            for o in &k.build_metadata {
                match o.as_str() {
                    "originAnnotations" => self.meta.origin = true,
                    "transformerAnnotations" => self.meta.transformations = true,
                    "managedByLabel" => self.meta.managed_by = true,
                    _ => {}
                }
            }
        }
        // kustomize starts each kustomization's transformer configuration
        // empty, merges its resources' configurations into it in order (the
        // specs already there first), then its own (its `configurations:`
        // files first, the defaults after); so a base whose configuration
        // replaced the default `metadata/name` prefix spec passes that on,
        // and sibling bases combine in order (checked against kubectl). A
        // component shares the configuration of the kustomization using it.
        if !component {
            self.cfg = Arc::new(TransformerConfig::default());
        }
        if component && k.kind != "Component" {
            return Err(kerr(
                self,
                format!(
                    "expected kind 'Component' for a component, but got '{}'",
                    k.kind
                ),
            ));
        }
        // kubectl builds a Component given directly as the root like a
        // Kustomization; only listed under `resources:` is it refused
        let top = self.stack.len() == 1;
        if !component && !top && k.kind == "Component" {
            return Err(kerr(
                self,
                "expected kind 'Kustomization' but got 'Component': list components under 'components:'".into(),
            ));
        }

        let mut preparsed = self.preparse(dir, &k.resources);
        for (i, entry) in k.resources.iter().enumerate() {
            if is_remote(entry) {
                self.accumulate_remote(&kpath, entry, acc)?;
                continue;
            }
            let path = join_clean(dir, entry);
            match self.fs.kind(&path) {
                Kind::Dir => {
                    // a sub-kustomization starts from the default transformer
                    // configuration; what its `configurations` and `crds` add
                    // applies to it and, merged, to this kustomization, but
                    // not to its siblings
                    let mut sub = Acc::default();
                    let parent_cfg = self.cfg.clone();
                    let built = self.accumulate(&path, &mut sub, false);
                    let child_cfg = std::mem::replace(&mut self.cfg, parent_cfg);
                    built?;
                    self.merge_cfg(child_cfg).map_err(|m| self.err(&path, m))?;
                    for r in sub.res {
                        acc.push(r).map_err(|m| self.err(&path, m))?;
                    }
                    acc.vars.extend(sub.vars);
                }
                Kind::File => {
                    let (p, res) = match preparsed.remove(&i) {
                        Some((p, docs)) => {
                            let docs = docs.map_err(|e| self.yaml_err(&p, e))?;
                            let res = self.resources_of(&p, docs)?;
                            (p, res)
                        }
                        None => {
                            let (p, text) = self.read_entry_text(dir, entry)?;
                            let res = self.parse_resources(&p, &text)?;
                            (p, res)
                        }
                    };
                    for r in res {
                        acc.push(r).map_err(|m| self.err(&p, m))?;
                    }
                }
                Kind::Missing => {
                    return Err(kerr(
                        self,
                        format!("resource '{entry}': no such file or directory"),
                    ))
                }
            }
        }

        // this kustomization's own configuration: its `configurations:`
        // files with the defaults merged into them, merged after what its
        // resources brought
        let mut own = TransformerConfig::shared_defaults();
        for entry in &k.configurations {
            let (p, text) = self.read_entry_text(dir, entry)?;
            // read with go-yaml v2, as kustomize does: `create: yes` is true
            let v = yaml::parse_one_v2(&text).map_err(|e| self.yaml_err(&p, e))?;
            Arc::make_mut(&mut own)
                .merge_value(&v)
                .map_err(|m| self.err(&p, m))?;
        }
        self.merge_cfg(own).map_err(|m| kerr(self, m))?;
        for entry in &k.crds {
            let (p, text) = self.read_entry_text(dir, entry)?;
            let v = self.parse_one_at(&p, &text)?;
            Arc::make_mut(&mut self.cfg)
                .merge_crd_schema(&v)
                .map_err(|m| self.err(&p, m))?;
        }

        // generators
        let before_generators = acc.res.len();
        {
            let read = |name: &str| -> std::result::Result<Vec<u8>, String> {
                self.read_entry(dir, name)
                    .map(|(_, b)| b)
                    .map_err(|e| e.msg)
            };
            generators::run(&mut acc.res, &k, &read).map_err(|m| self.err(&kpath, m))?;
            // then the `generators:` field's built-in plugins
            let docs = self.plugin_docs(dir, &kpath, &k.generators)?;
            plugins::run_generators(&mut acc.res, &docs, &read).map_err(|m| self.err(&kpath, m))?;
        }
        if self.meta.origin {
            let from = before_generators.min(acc.res.len());
            for r in &mut acc.res[from..] {
                let by = if r.kind() == "Secret" {
                    "SecretGenerator"
                } else {
                    "ConfigMapGenerator"
                };
                meta_of(r).generated_by = Some((kpath.clone(), by.to_string()));
            }
        }
        acc.reindex().map_err(|m| self.err(&kpath, m))?;

        // components run after this kustomization's generators and before its
        // transformers (kustomize 5: a component's transformers see what the
        // generators made)
        for entry in &k.components {
            if is_remote(entry) {
                return Err(kerr(
                    self,
                    format!("remote component '{entry}' is not supported"),
                ));
            }
            let path = join_clean(dir, entry);
            if self.fs.kind(&path) != Kind::Dir {
                return Err(self.err(
                    &path,
                    format!("component '{entry}' must be a directory with a kustomization"),
                ));
            }
            self.accumulate(&path, acc, true)?;
        }

        // transformers, in kustomize's fixed order
        for entry in &k.patches_strategic_merge {
            let (text, origin) = self.patch_text(dir, entry)?;
            patches::apply_strategic_merge_entry(&mut acc.res, &text, &origin)
                .map_err(|m| self.err(&kpath, m))?;
        }
        if !k.patches_strategic_merge.is_empty() {
            self.record(acc, &kpath, "PatchStrategicMergeTransformer", None);
        }
        for p in &k.patches {
            let (text, origin) = self.patch_body(dir, &kpath, p)?;
            patches::apply_patch_entry(&mut acc.res, p, &text, &origin)
                .map_err(|m| self.err(&kpath, m))?;
            self.record(acc, &kpath, "PatchTransformer", None);
        }
        let cfg = self.cfg.clone();
        let terr = |m: String| self.err(&kpath, m);
        let rec = self.meta.transformations;
        let record = |acc: &mut Acc, kind: &str| {
            if rec {
                record_all(acc, &kpath, kind, None);
            }
        };
        if let Some(ns) = &k.namespace {
            transformers::namespace(&mut acc.res, ns, &cfg).map_err(terr)?;
            record(acc, "NamespaceTransformer");
        }
        if !k.name_prefix.is_empty() || !k.name_suffix.is_empty() {
            transformers::prefix_suffix(&mut acc.res, &k.name_prefix, &k.name_suffix, &cfg)
                .map_err(terr)?;
            if !k.name_prefix.is_empty() {
                record(acc, "PrefixTransformer");
            }
            if !k.name_suffix.is_empty() {
                record(acc, "SuffixTransformer");
            }
        }
        // kustomize's label transformer runs the `labels` entries first,
        // then `commonLabels`
        for l in &k.labels {
            transformers::labels(&mut acc.res, l, &cfg).map_err(terr)?;
            record(acc, "LabelTransformer");
        }
        if !k.common_labels.is_empty() {
            transformers::common_labels(&mut acc.res, &k.common_labels, &cfg).map_err(terr)?;
            record(acc, "LabelTransformer");
        }
        if !k.common_annotations.is_empty() {
            transformers::annotations(&mut acc.res, &k.common_annotations, &cfg).map_err(terr)?;
            record(acc, "AnnotationsTransformer");
        }
        for p in &k.patches_json6902 {
            let (text, origin) = self.patch_body(dir, &kpath, p)?;
            patches::apply_json6902_entry(&mut acc.res, p, &text, &origin)
                .map_err(|m| self.err(&kpath, m))?;
            record(acc, "PatchJson6902Transformer");
        }
        for one in k.replicas.chunks(1) {
            transformers::replicas(&mut acc.res, one, &cfg).map_err(terr)?;
            record(acc, "ReplicaCountTransformer");
        }
        for one in k.images.chunks(1) {
            transformers::images(&mut acc.res, one, &cfg).map_err(terr)?;
            record(acc, "ImageTagTransformer");
        }
        if !k.replacements.is_empty() {
            let read = |name: &str| -> std::result::Result<Vec<u8>, String> {
                self.read_entry(dir, name)
                    .map(|(_, b)| b)
                    .map_err(|e| e.msg)
            };
            replacements::apply(&mut acc.res, &k.replacements, &read)
                .map_err(|m| self.err(&kpath, m))?;
            record(acc, "ReplacementTransformer");
        }
        // the `transformers:` field's built-in plugins run after all the
        // kustomization's own transformers
        if !k.transformers.is_empty() {
            let docs = self.plugin_docs(dir, &kpath, &k.transformers)?;
            let read_patch = |name: &str| -> std::result::Result<(String, String), String> {
                self.read_entry_text(dir, name)
                    .map(|(p, t)| (t, display_path(&p, &self.base)))
                    .map_err(|e| e.to_string())
            };
            let cfg = self.cfg.clone();
            plugins::run_transformers(&mut acc.res, &docs, &cfg, &read_patch)
                .map_err(|m| self.err(&kpath, m))?;
            if rec {
                for d in &docs {
                    let kind = d.str_at(&["kind"]).unwrap_or("");
                    let name = d.str_at(&["metadata", "name"]).map(str::to_string);
                    record_all(acc, &kpath, kind, name);
                }
            }
        }
        acc.reindex().map_err(|m| self.err(&kpath, m))?;
        // a var is tied to its object at the level that declares it
        acc.vars
            .extend(vars::bind(&acc.res, &k.vars).map_err(|m| self.err(&kpath, m))?);
        Ok(k)
    }

    /// The plugin configurations of a `generators:`/`transformers:` list:
    /// each entry is inline YAML or a file of one or more documents.
    fn plugin_docs(&self, dir: &Path, kpath: &Path, entries: &[String]) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        for entry in entries {
            let inline = entry.contains('\n') || entry.contains(": ");
            let (text, at) = if inline {
                (entry.clone(), kpath.to_path_buf())
            } else {
                if self.fs.kind(&join_clean(dir, entry)) == Kind::Dir {
                    return Err(self.err(
                        kpath,
                        format!("plugin entry '{entry}' is a directory: gitops-upgrade reads built-in plugin configurations from files or inline"),
                    ));
                }
                let (p, t) = self.read_entry_text(dir, entry)?;
                (t, p)
            };
            let docs = yaml::parse_documents(&text).map_err(|e| self.yaml_err(&at, e))?;
            out.extend(docs.into_iter().map(|d| d.value).filter(|v| !v.is_null()));
        }
        Ok(out)
    }

    fn record(&self, acc: &mut Acc, kpath: &Path, kind: &str, name: Option<String>) {
        if self.meta.transformations {
            record_all(acc, kpath, kind, name);
        }
    }

    /// Adds what the root's `buildMetadata` asks for to a finished
    /// resource: `config.kubernetes.io/origin` (the file it was read from,
    /// or the kustomization and generator that made it, relative to the
    /// root), `alpha.config.kubernetes.io/transformations` (every
    /// transformer of every level that ran while the resource was there,
    /// whether or not it changed it) and the `app.kubernetes.io/managed-by`
    /// label. Checked against kubectl 1.37; generated names keep the hash
    /// they had without these.
    fn print_build_metadata(&self, r: &mut Resource, root: &Path) {
        let meta = r.build_meta.take();
        if self.meta.managed_by {
            *r.obj
                .ensure_path(&["metadata", "labels", "app.kubernetes.io/managed-by"]) =
                Value::Str(format!("kustomize-v{KUSTOMIZE_VERSION}"));
        }
        let Some(meta) = meta else { return };
        let by = |out: &mut String, pad: &str, kind: &str, name: &Option<String>| {
            out.push_str(&format!(
                "{pad}configuredBy:\n{pad}  apiVersion: builtin\n{pad}  kind: {kind}\n"
            ));
            if let Some(n) = name {
                out.push_str(&format!("{pad}  name: {n}\n"));
            }
        };
        if self.meta.origin {
            let mut text = String::new();
            if let Some((k, kind)) = &meta.generated_by {
                text.push_str(&format!("configuredIn: {}\n", relative(root, k)));
                by(&mut text, "", kind, &None);
            } else if let Some(p) = &meta.path {
                text.push_str(&format!("path: {}\n", relative(root, p)));
            }
            if !text.is_empty() {
                *r.obj
                    .ensure_path(&["metadata", "annotations", "config.kubernetes.io/origin"]) =
                    Value::Str(text);
            }
        }
        if self.meta.transformations && !meta.transformations.is_empty() {
            let mut text = String::new();
            for (k, kind, name) in &meta.transformations {
                text.push_str(&format!("- configuredIn: {}\n", relative(root, k)));
                by(&mut text, "  ", kind, name);
            }
            *r.obj.ensure_path(&[
                "metadata",
                "annotations",
                "alpha.config.kubernetes.io/transformations",
            ]) = Value::Str(text);
        }
    }

    /// Merges a configuration into the current one, the current one's
    /// specs first (cheap when they are the same shared defaults).
    fn merge_cfg(&mut self, more: Arc<TransformerConfig>) -> std::result::Result<(), String> {
        if Arc::ptr_eq(&self.cfg, &more) || *self.cfg == *more {
            return Ok(());
        }
        if *self.cfg == TransformerConfig::default() {
            self.cfg = more;
            return Ok(());
        }
        Arc::make_mut(&mut self.cfg).merge_config(&more)
    }

    /// A `patchesStrategicMerge` entry is a file name or an inline patch.
    fn patch_text(&self, dir: &Path, entry: &str) -> Result<(String, String)> {
        let trimmed = entry.trim();
        if trimmed.contains('\n') || trimmed.contains(": ") || trimmed.starts_with('{') {
            return Ok((entry.to_string(), "inline patch".into()));
        }
        let (p, text) = self.read_entry_text(dir, trimmed)?;
        Ok((text, display_path(&p, &self.base)))
    }

    fn patch_body(
        &self,
        dir: &Path,
        kpath: &Path,
        p: &super::types::Patch,
    ) -> Result<(String, String)> {
        // an empty (or blank) string counts as absent (kubectl: "must
        // specify one of patch and path"), but an empty or comment-only
        // patch *file* is a no-op
        let nonempty = |o: &Option<String>| o.clone().filter(|s| !s.trim().is_empty());
        match (&nonempty(&p.path), &nonempty(&p.patch)) {
            (Some(_), Some(_)) => Err(self.err(
                kpath,
                "a patch must have either 'path' or 'patch', not both",
            )),
            (Some(path), None) => {
                let (fp, text) = self.read_entry_text(dir, path)?;
                Ok((text, display_path(&fp, &self.base)))
            }
            (None, Some(inline)) => Ok((inline.clone(), "inline patch".into())),
            (None, None) => Err(self.err(kpath, "a patch must have 'path' or 'patch'")),
        }
    }

    fn yaml_err(&self, p: &Path, e: yaml::YamlError) -> BuildError {
        BuildError {
            file: display_path(p, &self.base),
            line: e.line,
            col: e.col,
            msg: e.msg,
        }
    }

    fn parse_one_at(&self, p: &Path, text: &str) -> Result<Value> {
        yaml::parse_one(text).map_err(|e| self.yaml_err(p, e))
    }

    /// Parses the resource files a kustomization lists, when they are large
    /// enough together to be worth a second thread (a root of CRDs holds
    /// megabytes of YAML; parsing is most of its render): half of the text
    /// on a helper thread, half on this one. Returns the parsed documents
    /// by entry index; entries it leaves out (directories, remote entries,
    /// files it could not read, everything in a small root) take the
    /// ordinary path, so errors still come in entry order.
    fn preparse(
        &self,
        dir: &Path,
        entries: &[String],
    ) -> std::collections::HashMap<usize, (PathBuf, Parsed)> {
        const WORTH_A_THREAD: usize = 512 * 1024;
        let mut texts = Vec::new();
        let mut total = 0;
        for (i, entry) in entries.iter().enumerate() {
            if !is_remote(entry) && self.fs.kind(&join_clean(dir, entry)) == Kind::File {
                if let Ok((p, text)) = self.read_entry_text(dir, entry) {
                    total += text.len();
                    texts.push((i, p, text));
                }
            }
        }
        if total < WORTH_A_THREAD || texts.len() < 2 {
            return Default::default();
        }
        // the helper takes files from the end until it holds half the text
        let mut split = texts.len();
        let mut helper_size = 0;
        while split > 1 && helper_size < total / 2 {
            split -= 1;
            helper_size += texts[split].2.len();
        }
        let theirs = texts.split_off(split);
        let parse = |v: Vec<(usize, PathBuf, String)>| -> Vec<(usize, PathBuf, Parsed)> {
            v.into_iter()
                .map(|(i, p, text)| {
                    let docs = yaml::parse_documents(&text);
                    (i, p, docs)
                })
                .collect()
        };
        let (mine, theirs) = std::thread::scope(|sc| {
            let helper = sc.spawn(|| parse(theirs));
            let mine = parse(texts);
            (mine, helper.join())
        });
        let mut out: std::collections::HashMap<usize, (PathBuf, Parsed)> = Default::default();
        // if the helper panicked, its files take the ordinary path
        let theirs = theirs.unwrap_or_default();
        for (i, p, docs) in mine.into_iter().chain(theirs) {
            out.insert(i, (p, docs));
        }
        out
    }

    /// Every document of a resource file (a `List` expands to its items).
    fn parse_resources(&self, p: &Path, text: &str) -> Result<Vec<Resource>> {
        let docs = yaml::parse_documents(text).map_err(|e| self.yaml_err(p, e))?;
        self.resources_of(p, docs)
    }

    fn resources_of(&self, p: &Path, docs: Vec<yaml::Document>) -> Result<Vec<Resource>> {
        let file = display_path(p, &self.base);
        let mut out = Vec::new();
        for d in docs {
            let mut items = Vec::new();
            let mut from_list = false;
            match d.value {
                Value::Null => continue,
                Value::Map(_) => {
                    let is_list = d
                        .value
                        .str_at(&["kind"])
                        .is_some_and(|k| k.ends_with("List"))
                        && matches!(d.value.get("items"), Some(Value::Seq(_)));
                    if is_list {
                        from_list = true;
                        if let Some(Value::Seq(its)) = d.value.get("items") {
                            items.extend(its.iter().cloned());
                        }
                    } else {
                        items.push(d.value);
                    }
                }
                other => {
                    return Err(BuildError {
                        file,
                        line: d.line,
                        col: d.col,
                        msg: format!(
                            "a resource must be a mapping, found a {}",
                            other.type_name()
                        ),
                    })
                }
            }
            // the empty-null paths hold for a document that is itself the
            // resource (not for the items of a List)
            let empty_nulls = if from_list { Vec::new() } else { d.empty_nulls };
            for obj in items {
                let at = |msg: &str| BuildError {
                    file: file.clone(),
                    line: d.line,
                    col: d.col,
                    msg: msg.to_string(),
                };
                if !matches!(obj, Value::Map(_)) {
                    return Err(at("a List item must be a mapping"));
                }
                if obj.str_at(&["kind"]).is_none_or(str::is_empty) {
                    return Err(at("missing kind in object"));
                }
                if obj.str_at(&["metadata", "name"]).is_none_or(str::is_empty) {
                    return Err(at("missing metadata.name in object"));
                }
                let mut r = Resource::new(
                    obj,
                    Origin {
                        file: file.clone(),
                        line: d.line,
                    },
                );
                r.empty_nulls = empty_nulls.clone();
                if self.meta.any_annotation() {
                    meta_of(&mut r).path = Some(p.to_path_buf());
                }
                out.push(r);
            }
        }
        Ok(out)
    }
}

/// The documents of one resource file, or why it does not parse.
type Parsed = std::result::Result<Vec<yaml::Document>, yaml::YamlError>;

/// The kustomize version kubectl 1.37 embeds (its `managed-by` label).
const KUSTOMIZE_VERSION: &str = "5.8.1";

fn meta_of(r: &mut Resource) -> &mut BuildMeta {
    r.build_meta.get_or_insert_with(Default::default)
}

fn record_all(acc: &mut Acc, kpath: &Path, kind: &str, name: Option<String>) {
    for r in &mut acc.res {
        meta_of(r)
            .transformations
            .push((kpath.to_path_buf(), kind.to_string(), name.clone()));
    }
}

/// `to` relative to the directory `from` (both absolute and clean).
fn relative(from: &Path, to: &Path) -> String {
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// kustomize rewrites every annotation value as a string when it drops
/// its internal annotations at the end of a build.
fn stringify_annotations(obj: &mut Value) {
    if let Some(Value::Map(ann)) = obj.get_path_mut(&["metadata", "annotations"]) {
        for v in ann.values_mut() {
            if !matches!(v, Value::Str(_) | Value::Seq(_) | Value::Map(_)) {
                let text = match &*v {
                    Value::Null => "null".to_string(),
                    other => other.scalar_string().unwrap_or_default(),
                };
                *v = Value::Str(text);
            }
        }
    }
}
