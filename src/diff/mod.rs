//! `diff`: resource-level and field-level differences between two renders,
//! with immutable-field rules and secret masking.
//!
//! The pipeline: each side (a git revision read straight from its tree, or
//! a directory) is rendered root by root ([`side`]); resources are matched
//! by group, kind, namespace and name, with generated ConfigMaps/Secrets
//! whose hash suffix changed paired up by their name without the suffix
//! ([`match_resources`]); matched pairs are compared field by field, list
//! items matched by merge keys ([`fields`]); each change is checked against
//! the rules the API server enforces on updates ([`immutable`]); Secret
//! values are masked; [`report`] prints text or JSON.
//!
//! Nothing here touches the terminal: `src/cli/diff.rs` prints.

pub mod compact;
pub mod fields;
pub mod immutable;
pub mod report;
pub mod request;
pub mod run;
pub mod side;

use std::collections::HashMap;

use crate::resource::Resource;
use crate::yaml::Value;

pub use compact::CompactResource;
pub use fields::{Change, ChangeOp, Segment};
pub use immutable::{recreate_hints_of, RecreateHint};

/// What happened to a resource between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Added,
    Removed,
    Changed,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Added => "added",
            Operation::Removed => "removed",
            Operation::Changed => "changed",
        }
    }
}

/// The identity resources are matched by (the version is not part of it:
/// `apps/v1beta2` to `apps/v1` is a change of `apiVersion`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl Identity {
    pub fn of(r: &Resource) -> Identity {
        Identity {
            group: r.group().to_string(),
            kind: r.kind().to_string(),
            namespace: r.namespace().to_string(),
            name: r.name().to_string(),
        }
    }

    /// `namespace/name`, or `name` for cluster-scoped objects.
    pub fn ns_name(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }

    /// `Kind.group` (just `Kind` for the core group).
    pub fn kind_group(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }
}

/// The difference of one resource.
#[derive(Debug, Clone)]
pub struct ResourceDiff {
    /// The kustomization root it was rendered from.
    pub root: String,
    pub op: Operation,
    /// The identity on the new side (the old side for removals).
    pub id: Identity,
    /// `apiVersion` on the new side (the old side for removals).
    pub api_version: String,
    /// The old name when a generated object's hash suffix changed.
    pub old_name: Option<String>,
    /// Field changes (empty for added and removed resources).
    pub changes: Vec<Change>,
    /// Why the resource must be deleted and re-created (empty: an update
    /// in place works).
    pub recreate_reasons: Vec<String>,
}

impl ResourceDiff {
    pub fn recreate(&self) -> bool {
        !self.recreate_reasons.is_empty()
    }
}

/// What the comparison does.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Show Secret `data`/`stringData` values instead of masking them.
    pub show_secrets: bool,
    /// Extra "this change needs a re-create" rules, e.g. the `recreate`
    /// hints of migration catalogs. Checked after the built-in rules.
    pub recreate_hints: Vec<RecreateHint>,
}

/// Whether a name ends in a kustomize generator hash (`-` and 10 of
/// `[a-z0-9]`), and the name without it.
pub fn strip_hash_suffix(name: &str) -> Option<&str> {
    let (base, suffix) = name.rsplit_once('-')?;
    if suffix.len() == 10
        && suffix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !base.is_empty()
    {
        Some(base)
    } else {
        None
    }
}

fn is_generated_kind(r: &Resource) -> bool {
    r.group().is_empty() && matches!(r.kind(), "ConfigMap" | "Secret")
}

/// The name without the hash suffix, for objects a generator made (or that
/// look like it: same kind and a hash-shaped suffix).
pub(crate) fn generated_base(r: &Resource) -> Option<Identity> {
    if !is_generated_kind(r) {
        return None;
    }
    if r.generated.as_ref().is_some_and(|g| !g.hash) {
        return None;
    }
    let base = strip_hash_suffix(r.name())?;
    let mut id = Identity::of(r);
    id.name = base.to_string();
    Some(id)
}

/// Pairs of matched resources (old index, new index), plus the unmatched
/// old (removed) and new (added) indexes.
#[derive(Debug, Default)]
pub struct Matching {
    pub pairs: Vec<(usize, usize)>,
    pub removed: Vec<usize>,
    pub added: Vec<usize>,
}

/// What matching looks at: the identity, and the identity without the
/// generator hash suffix ([`generated_base`]).
type Key<'a> = (&'a Identity, Option<&'a Identity>);

/// Matches resources by group, kind, namespace and name; then pairs the
/// leftover generated ConfigMaps/Secrets whose names differ only in the
/// hash suffix, when exactly one candidate is left on each side.
pub fn match_resources(old: &[Resource], new: &[Resource]) -> Matching {
    let keys = |rs: &[Resource]| -> Vec<(Identity, Option<Identity>)> {
        rs.iter()
            .map(|r| (Identity::of(r), generated_base(r)))
            .collect()
    };
    fn refs(k: &[(Identity, Option<Identity>)]) -> Vec<Key<'_>> {
        k.iter().map(|(i, b)| (i, b.as_ref())).collect()
    }
    let (ko, kn) = (keys(old), keys(new));
    match_keys(&refs(&ko), &refs(&kn))
}

fn match_keys(old: &[Key<'_>], new: &[Key<'_>]) -> Matching {
    let mut by_id: HashMap<&Identity, usize> = HashMap::with_capacity(new.len());
    for (i, (id, _)) in new.iter().enumerate() {
        by_id.entry(*id).or_insert(i);
    }
    let mut new_used = vec![false; new.len()];
    let mut m = Matching::default();
    let mut old_left = Vec::new();
    for (i, (id, _)) in old.iter().enumerate() {
        match by_id.get(*id) {
            Some(&j) if !new_used[j] => {
                new_used[j] = true;
                m.pairs.push((i, j));
            }
            _ => old_left.push(i),
        }
    }
    // Hash renames.
    let mut old_by_base: HashMap<&Identity, Vec<usize>> = HashMap::new();
    for &i in &old_left {
        if let Some(b) = old[i].1 {
            old_by_base.entry(b).or_default().push(i);
        }
    }
    let mut new_by_base: HashMap<&Identity, Vec<usize>> = HashMap::new();
    for (j, (_, base)) in new.iter().enumerate() {
        if !new_used[j] {
            if let Some(b) = base {
                new_by_base.entry(*b).or_default().push(j);
            }
        }
    }
    let mut old_used = vec![false; old.len()];
    for (base, olds) in &old_by_base {
        if let (1, Some(news)) = (olds.len(), new_by_base.get(base)) {
            if news.len() == 1 {
                m.pairs.push((olds[0], news[0]));
                old_used[olds[0]] = true;
                new_used[news[0]] = true;
            }
        }
    }
    m.removed = old_left.into_iter().filter(|&i| !old_used[i]).collect();
    m.added = (0..new.len()).filter(|&j| !new_used[j]).collect();
    m.pairs.sort_unstable();
    m
}

/// The difference of a matched pair; `None` when nothing changed.
fn diff_pair(root: &str, o: &Resource, n: &Resource, opts: &DiffOptions) -> Option<ResourceDiff> {
    let mut changes = fields::diff_objects(n.api_version(), n.kind(), &o.obj, &n.obj);
    if changes.is_empty() {
        return None;
    }
    let id = Identity::of(n);
    let old_name = (o.name() != n.name()).then(|| o.name().to_string());
    let mut reasons = Vec::new();
    for c in &mut changes {
        if let Some(reason) = immutable::check(&id, o, n, c, &opts.recreate_hints) {
            if !reasons.contains(&reason) {
                reasons.push(reason.clone());
            }
            c.immutable = Some(reason);
        }
    }
    if id.kind == "Secret" && id.group.is_empty() && !opts.show_secrets {
        for c in &mut changes {
            mask_secret_change(c);
        }
    }
    Some(ResourceDiff {
        root: root.to_string(),
        op: Operation::Changed,
        id,
        api_version: n.api_version().to_string(),
        old_name,
        changes,
        recreate_reasons: reasons,
    })
}

/// A resource present on one side only.
fn whole(root: &str, op: Operation, id: Identity, api_version: &str) -> ResourceDiff {
    ResourceDiff {
        root: root.to_string(),
        op,
        id,
        api_version: api_version.to_string(),
        old_name: None,
        changes: Vec::new(),
        recreate_reasons: Vec::new(),
    }
}

/// The order diffs are reported in: namespace, kind, group, name.
fn sort_diffs(out: &mut [ResourceDiff]) {
    out.sort_by(|a, b| {
        (&a.id.namespace, &a.id.kind, &a.id.group, &a.id.name).cmp(&(
            &b.id.namespace,
            &b.id.kind,
            &b.id.group,
            &b.id.name,
        ))
    });
}

/// Compares the renders of one root.
pub fn diff_resources(
    root: &str,
    old: &[Resource],
    new: &[Resource],
    opts: &DiffOptions,
) -> Vec<ResourceDiff> {
    let m = match_resources(old, new);
    let mut out: Vec<ResourceDiff> = m
        .pairs
        .iter()
        .filter_map(|&(i, j)| diff_pair(root, &old[i], &new[j], opts))
        .collect();
    for &i in &m.removed {
        let r = &old[i];
        out.push(whole(
            root,
            Operation::Removed,
            Identity::of(r),
            r.api_version(),
        ));
    }
    for &j in &m.added {
        let r = &new[j];
        out.push(whole(
            root,
            Operation::Added,
            Identity::of(r),
            r.api_version(),
        ));
    }
    sort_diffs(&mut out);
    out
}

/// The differences of one root, and how many matched resources did not
/// change.
#[derive(Debug, Clone, Default)]
pub struct RootDiff {
    pub diffs: Vec<ResourceDiff>,
    pub unchanged: usize,
}

/// [`diff_resources`] on compacted renders: pairs whose objects encode
/// the same are unchanged without being decoded.
pub fn diff_compact(
    root: &str,
    old: &[CompactResource],
    new: &[CompactResource],
    opts: &DiffOptions,
) -> RootDiff {
    fn keys(rs: &[CompactResource]) -> Vec<Key<'_>> {
        rs.iter()
            .map(|r| (&r.id, r.generated_base.as_ref()))
            .collect()
    }
    let m = match_keys(&keys(old), &keys(new));
    let mut out = RootDiff::default();
    for &(i, j) in &m.pairs {
        let (o, n) = (&old[i], &new[j]);
        if o.same_object(n) {
            out.unchanged += 1;
            continue;
        }
        match diff_pair(root, &o.decode(), &n.decode(), opts) {
            Some(d) => out.diffs.push(d),
            None => out.unchanged += 1,
        }
    }
    for &i in &m.removed {
        let r = &old[i];
        out.diffs.push(whole(
            root,
            Operation::Removed,
            r.id.clone(),
            &r.api_version,
        ));
    }
    for &j in &m.added {
        let r = &new[j];
        out.diffs
            .push(whole(root, Operation::Added, r.id.clone(), &r.api_version));
    }
    sort_diffs(&mut out.diffs);
    out
}

/// The placeholder shown instead of a Secret value.
pub const MASK: &str = "(hidden: --show-secrets shows it)";

/// Hides Secret values: a change below `data`/`stringData` keeps its path
/// and says it changed; a whole `data` mapping keeps its keys.
fn mask_secret_change(c: &mut Change) {
    let Some(Segment::Key(first)) = c.path.first() else {
        return;
    };
    if first != "data" && first != "stringData" {
        return;
    }
    let mask = |v: &mut Option<Value>| {
        if let Some(v) = v {
            *v = mask_value(v);
        }
    };
    mask(&mut c.old);
    mask(&mut c.new);
    c.masked = true;
}

/// The mask of a Secret value: a mapping keeps its keys, anything else
/// becomes [`MASK`]. `rebase` masks its override report with it.
pub fn mask_value(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, _)| (k.clone(), Value::Str(MASK.to_string())))
                .collect(),
        ),
        _ => Value::Str(MASK.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_suffix() {
        assert_eq!(strip_hash_suffix("cfg-5tgb7mkc9k"), Some("cfg"));
        assert_eq!(strip_hash_suffix("my-cfg-5tgb7mkc9k"), Some("my-cfg"));
        assert_eq!(strip_hash_suffix("cfg-short"), None);
        assert_eq!(strip_hash_suffix("-5tgb7mkc9k"), None);
        assert_eq!(strip_hash_suffix("nodash"), None);
        assert_eq!(strip_hash_suffix("cfg-5TGB7MKC9K"), None);
    }
}
