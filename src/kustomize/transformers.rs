//! The simple built-in transformers: namespace, name prefix/suffix, labels,
//! annotations, images, replicas. One pure function each over the list,
//! each following kustomize v5.8's built-in transformer of the same name.

use std::collections::HashMap;

use indexmap::IndexMap;
use regex::Regex;

use super::fieldspec::{self, walk_spec, CreateKind, FieldSpec, TransformerConfig};
use super::types::{ImageSpec, LabelSpec, ReplicaSpec};
use crate::resource::Resource;
use crate::yaml::Value;

/// Internal annotations recording the name prefixes and suffixes applied
/// to a resource, comma-separated, innermost first (kustomize keeps them
/// the same way). Name references use them to pick between candidates;
/// [`strip_build_annotations`] removes them at the end of the build.
pub const PREFIXES_ANNOTATION: &str = "internal.config.kubernetes.io/prefixes";
pub const SUFFIXES_ANNOTATION: &str = "internal.config.kubernetes.io/suffixes";

/// The name prefixes applied to a resource so far, innermost first.
pub fn name_prefixes(r: &Resource) -> Vec<String> {
    csv_annotation(r, PREFIXES_ANNOTATION)
}

/// The name suffixes applied to a resource so far, innermost first.
pub fn name_suffixes(r: &Resource) -> Vec<String> {
    csv_annotation(r, SUFFIXES_ANNOTATION)
}

fn csv_annotation(r: &Resource, key: &str) -> Vec<String> {
    match r.obj.str_at(&["metadata", "annotations", key]) {
        Some(s) => s.split(',').map(str::to_string).collect(),
        None => Vec::new(),
    }
}

fn append_csv_annotation(r: &mut Resource, key: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    let anns = r.obj.ensure_path(&["metadata", "annotations"]);
    if !matches!(anns, Value::Map(_)) {
        *anns = Value::new_map();
    }
    if let Value::Map(m) = anns {
        let entry = m.entry(key.to_string()).or_insert(Value::Null);
        *entry = match entry.as_str() {
            Some(old) => Value::Str(format!("{old},{value}")),
            None => Value::Str(value.to_string()),
        };
    }
}

/// Removes the internal prefix/suffix annotations, then an annotations
/// field left empty or null, as kustomize's output never has one (checked
/// with kubectl: `annotations: {}` or `null` in a resource or a patch is
/// dropped; `labels: {}` is kept).
pub fn strip_build_annotations(res: &mut [Resource]) {
    for r in res.iter_mut() {
        let Some(meta) = r.obj.get_mut("metadata").and_then(Value::as_map_mut) else {
            continue;
        };
        let empty = match meta.get_mut("annotations") {
            Some(Value::Map(anns)) => {
                anns.shift_remove(PREFIXES_ANNOTATION);
                anns.shift_remove(SUFFIXES_ANNOTATION);
                anns.is_empty()
            }
            Some(Value::Null) => true,
            _ => false,
        };
        if empty {
            meta.shift_remove("annotations");
        }
    }
}

fn is_nil_or_empty(r: &Resource) -> bool {
    match &r.obj {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// Text of a scalar as kustomize reads a node's value.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        other => other.scalar_string().unwrap_or_default(),
    }
}

/// Replaces a scalar node's value with a string (kustomize refuses to set
/// a scalar over a mapping or a list).
fn set_scalar(node: &mut Value, value: &str) -> Result<(), String> {
    match node {
        Value::Map(_) => Err("wrong node kind: expected ScalarNode but got MappingNode".into()),
        Value::Seq(_) => Err("wrong node kind: expected ScalarNode but got SequenceNode".into()),
        _ => {
            *node = Value::Str(value.to_string());
            Ok(())
        }
    }
}

/// Sets `key: value` in a mapping node. A null node found where the spec
/// may not create stays null (kubectl: a Job's `matchLabels: null` is kept).
fn set_entry(node: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match node {
        Value::Null => Ok(()),
        Value::Map(m) => {
            m.insert(key.to_string(), value);
            Ok(())
        }
        other => Err(format!(
            "wrong node kind: expected MappingNode but got {}",
            if matches!(other, Value::Seq(_)) {
                "SequenceNode"
            } else {
                "ScalarNode"
            }
        )),
    }
}

fn is_role_binding(kind: &str) -> bool {
    kind == "RoleBinding" || kind == "ClusterRoleBinding"
}

/// `namespace:` — sets `metadata.namespace` on namespaced kinds, renames
/// `Namespace` objects, sets the namespace of RoleBinding/ClusterRoleBinding
/// subjects named `default`, and the other namespace field specs (APIService
/// service, CRD conversion webhook). Subjects referring to ServiceAccounts
/// that moved are fixed later by the name references.
pub fn namespace(res: &mut [Resource], ns: &str, cfg: &TransformerConfig) -> Result<(), String> {
    if ns.is_empty() {
        return Ok(());
    }
    let specs: Vec<&FieldSpec> = cfg
        .namespace
        .iter()
        .filter(|fs| fs.path != "metadata/namespace")
        .collect();
    let meta_ns = FieldSpec::new("metadata/namespace", true);
    let wrap = |e: String| format!("namespace transformation failed: {e}");
    for r in res.iter_mut() {
        if is_nil_or_empty(r) {
            continue;
        }
        r.remember_current();
        if !r.is_cluster_scoped() {
            walk_spec(&mut r.obj, &meta_ns, CreateKind::Scalar, &mut |n| {
                set_scalar(n, ns)
            })
            .map_err(wrap)?;
        }
        let rb = is_role_binding(r.kind());
        if rb {
            if let Some(Value::Seq(subjects)) = r.obj.get_mut("subjects") {
                for s in subjects.iter_mut() {
                    let Value::Map(m) = s else { continue };
                    if m.get("name").and_then(Value::as_str) != Some("default") {
                        continue;
                    }
                    let field = m
                        .entry("namespace".to_string())
                        .or_insert(Value::Str(String::new()));
                    set_scalar(field, ns).map_err(|e| {
                        format!("setting namespace on (cluster)role binding subjects: {e}")
                    })?;
                }
            }
        }
        for fs in &specs {
            if rb
                && fs.path == "subjects/namespace"
                && fs.kind.as_deref().is_some_and(is_role_binding)
            {
                continue;
            }
            // a custom resource whose kind is `Namespace` is not renamed
            // (kubectl 1.37: only the core Namespace is)
            if fs.path == "metadata/name" && r.kind() == "Namespace" && !r.group().is_empty() {
                continue;
            }
            walk_spec(&mut r.obj, fs, CreateKind::Scalar, &mut |n| {
                set_scalar(n, ns)
            })
            .map_err(|e| format!("namespace field specs must target scalar nodes: {e}"))?;
        }
    }
    // Each resource must keep a distinct id.
    let mut seen: HashMap<(String, String, String, String), usize> = HashMap::new();
    for r in res.iter() {
        if is_nil_or_empty(r) {
            continue;
        }
        let id = r.id();
        let eff = effective_namespace(r);
        let key = (
            format!("{}/{}", id.group, id.version),
            id.kind.clone(),
            eff,
            id.name.clone(),
        );
        if seen.insert(key, 0).is_some() {
            return Err(format!(
                "namespace transformation produces ID conflict: {id}"
            ));
        }
    }
    Ok(())
}

/// kustomize's effective namespace: a marker for cluster-scoped kinds,
/// `default` for an empty namespace.
pub fn effective_namespace(r: &Resource) -> String {
    effective_ns(r.is_cluster_scoped(), r.namespace())
}

/// See [`effective_namespace`].
pub fn effective_ns(cluster_scoped: bool, ns: &str) -> String {
    if cluster_scoped {
        "_non_namespaceable_".to_string()
    } else if ns.is_empty() {
        "default".to_string()
    } else {
        ns.to_string()
    }
}

/// Kinds the prefix and suffix transformers leave alone.
fn skip_prefix_suffix(group: &str, kind: &str) -> bool {
    kind == "CustomResourceDefinition"
        || kind == "Namespace"
        || (kind == "APIService" && group == "apiregistration.k8s.io")
}

/// `namePrefix` then `nameSuffix` (each only when non-empty), on the name
/// field specs; the names before are kept for name references.
pub fn prefix_suffix(
    res: &mut [Resource],
    prefix: &str,
    suffix: &str,
    cfg: &TransformerConfig,
) -> Result<(), String> {
    if !prefix.is_empty() {
        affix(res, prefix, true, &cfg.name_prefix)?;
    }
    if !suffix.is_empty() {
        affix(res, suffix, false, &cfg.name_suffix)?;
    }
    Ok(())
}

fn affix(
    res: &mut [Resource],
    text: &str,
    is_prefix: bool,
    specs: &[FieldSpec],
) -> Result<(), String> {
    for r in res.iter_mut() {
        let (group, version, kind) = (
            r.group().to_string(),
            r.version().to_string(),
            r.kind().to_string(),
        );
        if skip_prefix_suffix(&group, &kind) {
            continue;
        }
        for fs in specs {
            if !fs.selects(&group, &version, &kind) {
                continue;
            }
            if fs.path == "metadata/name" {
                if is_prefix {
                    append_csv_annotation(r, PREFIXES_ANNOTATION, text);
                } else {
                    append_csv_annotation(r, SUFFIXES_ANNOTATION, text);
                }
                r.remember_current();
            }
            walk_spec(&mut r.obj, fs, CreateKind::Scalar, &mut |n| {
                let cur = scalar_text(n);
                let new = if is_prefix {
                    format!("{text}{cur}")
                } else {
                    format!("{cur}{text}")
                };
                set_scalar(n, &new)
            })?;
        }
    }
    Ok(())
}

/// Sets label/annotation pairs at every field spec of a list.
fn set_pairs(
    res: &mut [Resource],
    pairs: &IndexMap<String, String>,
    specs: &[FieldSpec],
) -> Result<(), String> {
    if pairs.is_empty() {
        return Ok(());
    }
    for r in res.iter_mut() {
        for (k, v) in pairs {
            // where the key is created, and where it already was
            let mut created: Vec<(String, usize)> = Vec::new();
            let mut updated: Vec<(String, usize)> = Vec::new();
            for fs in specs {
                let mut occ = 0;
                walk_spec(&mut r.obj, fs, CreateKind::Map, &mut |n| {
                    let id = (fs.path.clone(), occ);
                    occ += 1;
                    let existed = matches!(n, Value::Map(m) if m.contains_key(k.as_str()));
                    set_entry(n, k, Value::Str(v.clone()))?;
                    if existed {
                        updated.push(id);
                    } else if matches!(n, Value::Map(_)) {
                        created.push(id);
                    }
                    Ok(())
                })?;
            }
            // kustomize sets one new node at every field it creates the key
            // in, and overwrites an existing value in place: so a value an
            // earlier transformer created in several fields (labels and
            // selectors) changes in all of them at once (kubectl 1.37: a
            // base's `labels` with selectors, then an overlay's `labels`
            // without, changes the selector too)
            let linked: Vec<(String, usize)> = r
                .shared_values
                .iter()
                .filter(|(key, ids)| key == k && ids.iter().any(|id| updated.contains(id)))
                .flat_map(|(_, ids)| ids.iter().cloned())
                .filter(|id| !updated.contains(id) && !created.contains(id))
                .collect();
            for (path, want) in linked {
                set_shared(&mut r.obj, &path, want, k, &Value::Str(v.clone()));
            }
            if created.len() > 1 {
                r.shared_values.push((k.clone(), created));
            }
        }
    }
    Ok(())
}

/// The value of `key` in the `occ`-th map the field-spec path leads to.
fn shared_at(obj: &mut Value, path: &str, want: usize, key: &str) -> Option<Value> {
    let mut found = None;
    let mut occ = 0;
    let _ = walk_spec(
        obj,
        &FieldSpec::new(path, false),
        CreateKind::Nothing,
        &mut |n| {
            if occ == want {
                found = n.get(key).cloned();
            }
            occ += 1;
            Ok(())
        },
    );
    found
}

/// Sets `key` (where present) in the `occ`-th map the path leads to.
fn set_shared(obj: &mut Value, path: &str, want: usize, key: &str, v: &Value) {
    let mut occ = 0;
    let _ = walk_spec(
        obj,
        &FieldSpec::new(path, false),
        CreateKind::Nothing,
        &mut |n| {
            if occ == want {
                if let Some(slot) = n.as_map_mut().and_then(|m| m.get_mut(key)) {
                    *slot = v.clone();
                }
            }
            occ += 1;
            Ok(())
        },
    );
}

/// The current values of a resource's shared label/annotation values.
pub fn shared_snapshot(r: &mut Resource) -> Vec<Vec<Option<Value>>> {
    let groups = r.shared_values.clone();
    groups
        .iter()
        .map(|(k, ids)| {
            ids.iter()
                .map(|(p, o)| shared_at(&mut r.obj, p, *o, k))
                .collect()
        })
        .collect()
}

/// After a strategic-merge patch: a shared value the patch changed in one
/// of its fields changes in all of them (kyaml merges scalars in place;
/// kubectl 1.37 changes a selector along with the label a patch sets).
pub fn propagate_shared(r: &mut Resource, before: &[Vec<Option<Value>>]) {
    let groups = r.shared_values.clone();
    for ((k, ids), old) in groups.iter().zip(before) {
        let now: Vec<Option<Value>> = ids
            .iter()
            .map(|(p, o)| shared_at(&mut r.obj, p, *o, k))
            .collect();
        let changed = now
            .iter()
            .zip(old)
            .find(|(n, o)| n.is_some() && n != o)
            .and_then(|(n, _)| n.clone());
        if let Some(v) = changed {
            for (p, o) in ids {
                set_shared(&mut r.obj, p, *o, k, &v);
            }
        }
    }
}

/// `commonLabels` (selectors and templates included).
pub fn common_labels(
    res: &mut [Resource],
    pairs: &IndexMap<String, String>,
    cfg: &TransformerConfig,
) -> Result<(), String> {
    set_pairs(res, pairs, &cfg.common_labels)
}

/// The field specs one `labels` entry writes to.
pub fn label_field_specs(
    spec: &LabelSpec,
    cfg: &TransformerConfig,
) -> Result<Vec<FieldSpec>, String> {
    let mut fss = Vec::new();
    for f in &spec.fields {
        fss.push(FieldSpec::from_value(f)?);
    }
    let merge = |fss: &mut Vec<FieldSpec>, more: &[FieldSpec]| {
        fieldspec::merge_all(fss, more).map_err(|e| format!("failed to merge labels: {e}"))
    };
    merge(&mut fss, &cfg.labels)?;
    if spec.include_selectors {
        merge(&mut fss, &cfg.common_labels)?;
    } else {
        if spec.include_templates {
            merge(&mut fss, &cfg.template_labels)?;
        }
        fieldspec::merge_one(&mut fss, FieldSpec::new("metadata/labels", true))
            .map_err(|e| format!("failed to merge labels: {e}"))?;
    }
    Ok(fss)
}

/// One entry of `labels`. kustomize runs all `labels` entries before
/// `commonLabels`.
pub fn labels(
    res: &mut [Resource],
    spec: &LabelSpec,
    cfg: &TransformerConfig,
) -> Result<(), String> {
    if spec.pairs.is_empty() {
        return Ok(());
    }
    let fss = label_field_specs(spec, cfg)?;
    set_pairs(res, &spec.pairs, &fss)
}

/// `commonAnnotations` (pod templates included).
pub fn annotations(
    res: &mut [Resource],
    pairs: &IndexMap<String, String>,
    cfg: &TransformerConfig,
) -> Result<(), String> {
    set_pairs(res, pairs, &cfg.common_annotations)
}

/// Splits an image reference into name, tag and digest (without their
/// `:` / `@`); a registry port before the first `/` is part of the name.
pub fn split_image(image: &str) -> (&str, &str, &str) {
    let slash = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &image[slash..];
    let id = search.find('@');
    let ic = search.find(':');
    match (ic, id) {
        (None, None) => (image, "", ""),
        (Some(c), Some(d)) if c < d => {
            let (c, d) = (c + slash, d + slash);
            (&image[..c], &image[c + 1..d], &image[d + 1..])
        }
        (_, Some(d)) => {
            let d = d + slash;
            (&image[..d], "", &image[d + 1..])
        }
        (Some(c), None) => {
            let c = c + slash;
            (&image[..c], &image[c + 1..], "")
        }
    }
}

/// One `images` entry, ready to apply.
struct ImageRule<'a> {
    spec: &'a ImageSpec,
    /// kustomize's `^name(:tag)?(@sha256:digest)?$`, with the name used as
    /// a regular expression.
    pattern: ImagePattern,
}

enum ImagePattern {
    /// A name whose only metacharacter is `.` (any one character): matched
    /// by hand, since compiling a regex costs more than the whole render.
    Simple(Vec<char>),
    Re(Regex),
    /// Not a valid pattern: nothing matches.
    Invalid,
}

impl ImagePattern {
    fn new(name: &str) -> ImagePattern {
        if !name.contains(|c: char| "\\+*?()|[]{}^$".contains(c)) {
            return ImagePattern::Simple(name.chars().collect());
        }
        match Regex::new(&format!(
            "^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$"
        )) {
            Ok(re) => ImagePattern::Re(re),
            Err(_) => ImagePattern::Invalid,
        }
    }

    fn is_match(&self, value: &str) -> bool {
        match self {
            ImagePattern::Re(re) => re.is_match(value),
            ImagePattern::Invalid => false,
            ImagePattern::Simple(name) => {
                let mut it = value.chars();
                for n in name {
                    match it.next() {
                        Some(c) if *n == '.' || c == *n => {}
                        _ => return false,
                    }
                }
                let rest = it.as_str();
                let tag_char = |c: char| c.is_ascii_alphanumeric() || "_.{}-".contains(c);
                let rest = match rest.strip_prefix(':') {
                    Some(r) => r.trim_start_matches(tag_char),
                    None => rest,
                };
                match rest.strip_prefix("@sha256:") {
                    Some(r) => r.chars().all(tag_char),
                    None => rest.is_empty(),
                }
            }
        }
    }
}

impl ImageRule<'_> {
    fn new(spec: &ImageSpec) -> ImageRule<'_> {
        ImageRule {
            spec,
            pattern: ImagePattern::new(&spec.name),
        }
    }

    /// The new value for an image reference, if the rule matches it.
    fn rewrite(&self, value: &str) -> Option<String> {
        if !self.pattern.is_match(value) {
            return None;
        }
        let (name, tag, digest) = split_image(value);
        let s = self.spec;
        let nonempty =
            |o: &Option<String>| o.as_deref().filter(|x| !x.is_empty()).map(str::to_string);
        let mut name = name.to_string();
        let (mut tag, mut digest) = (tag.to_string(), digest.to_string());
        if let Some(n) = nonempty(&s.new_name) {
            name = n;
        }
        match (
            nonempty(&s.new_tag),
            nonempty(&s.digest),
            nonempty(&s.tag_suffix),
        ) {
            (Some(t), Some(d), _) => {
                tag = t;
                digest = d;
            }
            (Some(t), None, _) => {
                tag = t;
                digest.clear();
            }
            (None, Some(d), _) => {
                tag.clear();
                digest = d;
            }
            (None, None, Some(sfx)) => {
                tag.push_str(&sfx);
                digest.clear();
            }
            (None, None, None) => {}
        }
        if !tag.is_empty() {
            name.push(':');
            name.push_str(&tag);
        }
        if !digest.is_empty() {
            name.push('@');
            name.push_str(&digest);
        }
        Some(name)
    }

    fn apply(&self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::Null => Ok(()),
            Value::Map(_) | Value::Seq(_) => Err(format!(
                "wrong node kind: expected ScalarNode but got {}",
                if matches!(node, Value::Map(_)) {
                    "MappingNode"
                } else {
                    "SequenceNode"
                }
            )),
            other => {
                let text = scalar_text(other);
                if let Some(new) = self.rewrite(&text) {
                    *other = Value::Str(new);
                }
                Ok(())
            }
        }
    }

    /// kustomize's legacy pass: every `containers` / `initContainers` list
    /// anywhere in the object, each element's `image`.
    fn legacy(&self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::Map(m) => {
                for (k, v) in m.iter_mut() {
                    self.legacy(v)?;
                    if k == "containers" || k == "initContainers" {
                        if let Value::Seq(items) = v {
                            for it in items.iter_mut() {
                                if let Some(img) = it.get_mut("image") {
                                    self.apply(img)?;
                                }
                            }
                        }
                    }
                }
                Ok(())
            }
            Value::Seq(items) => {
                for it in items.iter_mut() {
                    self.legacy(it)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// `images`: each entry rewrites matching image references (`name`,
/// `name:tag`, `name@sha256:...`, `name:tag@sha256:...`) in containers and
/// init containers anywhere in an object, then at the `images` field specs
/// (kustomize runs both passes, so `tagSuffix` applies twice where both
/// see the same field). CustomResourceDefinitions are left alone.
pub fn images(
    res: &mut [Resource],
    images: &[ImageSpec],
    cfg: &TransformerConfig,
) -> Result<(), String> {
    let rules: Vec<ImageRule> = images.iter().map(ImageRule::new).collect();
    for r in res.iter_mut() {
        if r.kind() == "CustomResourceDefinition" {
            continue;
        }
        for rule in &rules {
            rule.legacy(&mut r.obj)?;
            for fs in &cfg.images {
                walk_spec(&mut r.obj, fs, CreateKind::Nothing, &mut |n| rule.apply(n))?;
            }
        }
    }
    Ok(())
}

/// `replicas`: sets the count on resources whose current or earlier name
/// matches, at the replicas field specs. An entry that matches nothing is
/// an error.
pub fn replicas(
    res: &mut [Resource],
    replicas: &[ReplicaSpec],
    cfg: &TransformerConfig,
) -> Result<(), String> {
    for rep in replicas {
        let mut found = false;
        for fs in &cfg.replicas {
            for r in res.iter_mut() {
                let named = r.name() == rep.name || r.previous.iter().any(|(_, n)| *n == rep.name);
                if !named || !fs.selects(r.group(), r.version(), r.kind()) {
                    continue;
                }
                found = true;
                walk_spec(&mut r.obj, fs, CreateKind::Scalar, &mut |n| match n {
                    Value::Map(_) | Value::Seq(_) => {
                        Err("wrong node kind: expected ScalarNode".into())
                    }
                    _ => {
                        *n = Value::Int(rep.count);
                        Ok(())
                    }
                })?;
            }
        }
        if !found {
            let gvks: Vec<String> = cfg.replicas.iter().map(fieldspec::gvk_display).collect();
            return Err(format!(
                "resource with name {} does not match a config with the following GVK [{}]",
                rep.name,
                gvks.join(" ")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn simple_image_patterns_match_like_the_regex() {
        let names = ["nginx", "gcr.io/arrikto/rok", "a.b", "x"];
        let values = [
            "nginx",
            "nginx:1.0",
            "nginx@sha256:abc",
            "nginx:1.0@sha256:abc",
            "nginx:1.0@sha256:",
            "nginxx",
            "nginx:",
            "nginx:a/b",
            "gcr.io/arrikto/rok:v1",
            "gcrXio/arrikto/rok",
            "gcr.io/arrikto/rok2",
            "a.b",
            "aXb:t",
            "a.b@sha1:x",
            "x:{v}",
            "x@sha256:a:b",
        ];
        for n in names {
            let re = super::ImagePattern::Re(
                regex::Regex::new(&format!(
                    "^{n}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$"
                ))
                .unwrap(),
            );
            let simple = super::ImagePattern::new(n);
            assert!(matches!(simple, super::ImagePattern::Simple(_)));
            for v in values {
                assert_eq!(simple.is_match(v), re.is_match(v), "name {n} value {v}");
            }
        }
    }

    use super::*;

    fn res(text: &str) -> Vec<Resource> {
        crate::resource::resources_for_test(text)
    }

    fn cfg() -> TransformerConfig {
        TransformerConfig::defaults()
    }

    #[test]
    fn namespace_rules() {
        let mut r = res("apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb}
subjects:
- {kind: ServiceAccount, name: foo, namespace: other}
- {kind: User, name: default, namespace: x}
- {kind: ServiceAccount, name: defaults}
---
apiVersion: v1
kind: Namespace
metadata: {name: whatever}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cr}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.x}
spec: {service: {name: s}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: w}
webhooks:
- clientConfig: {service: {name: s, namespace: old}}
");
        namespace(&mut r, "newns", &cfg()).unwrap();
        assert_eq!(r[0].namespace(), "newns");
        assert_eq!(
            r[0].obj.get_path(&["subjects"]).unwrap().as_seq().unwrap()[0].str_at(&["namespace"]),
            Some("other")
        );
        assert_eq!(
            r[0].obj.get_path(&["subjects"]).unwrap().as_seq().unwrap()[1].str_at(&["namespace"]),
            Some("newns")
        );
        assert_eq!(
            r[0].obj.get_path(&["subjects"]).unwrap().as_seq().unwrap()[2].str_at(&["namespace"]),
            None
        );
        assert_eq!(r[1].name(), "newns");
        assert_eq!(r[1].namespace(), "");
        assert_eq!(r[2].namespace(), "");
        assert_eq!(
            r[3].obj.str_at(&["spec", "service", "namespace"]),
            Some("newns")
        );
        assert_eq!(r[3].namespace(), "");
        assert_eq!(
            r[4].obj.get_path(&["webhooks"]).unwrap().as_seq().unwrap()[0].str_at(&[
                "clientConfig",
                "service",
                "namespace"
            ]),
            Some("old")
        );
        // every resource remembers where it was
        assert_eq!(r[0].original_ns_name(), (String::new(), "rb".to_string()));
        assert_eq!(r[2].previous.len(), 1);
    }

    #[test]
    fn namespace_conflict() {
        let mut r = res("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: y}\n");
        assert!(namespace(&mut r, "z", &cfg())
            .unwrap_err()
            .contains("ID conflict"));
    }

    #[test]
    fn prefix_suffix_skips_and_records() {
        let mut r = res("apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: v1
kind: Namespace
metadata: {name: ns}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: foos.x.io}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.x}
");
        prefix_suffix(&mut r, "p-", "-s", &cfg()).unwrap();
        assert_eq!(r[0].name(), "p-cm-s");
        assert_eq!(
            r[0].previous,
            vec![(String::new(), "cm".into()), (String::new(), "p-cm".into())]
        );
        assert_eq!(name_prefixes(&r[0]), vec!["p-"]);
        assert_eq!(name_suffixes(&r[0]), vec!["-s"]);
        assert_eq!(r[1].name(), "ns");
        assert_eq!(r[2].name(), "foos.x.io");
        assert_eq!(r[3].name(), "v1.x");
        prefix_suffix(&mut r, "q-", "", &cfg()).unwrap();
        assert_eq!(name_prefixes(&r[0]), vec!["p-", "q-"]);
        strip_build_annotations(&mut r);
        assert_eq!(r[0].obj.get_path(&["metadata", "annotations"]), None);
    }

    #[test]
    fn common_labels_selectors_and_templates() {
        let mut r = res("apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers: [{name: c}]
---
apiVersion: v1
kind: Service
metadata: {name: s}
---
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec: {template: {}}
");
        let mut pairs = IndexMap::new();
        pairs.insert("app".to_string(), "yes".to_string());
        common_labels(&mut r, &pairs, &cfg()).unwrap();
        let d = &r[0].obj;
        assert_eq!(d.str_at(&["metadata", "labels", "app"]), Some("yes"));
        assert_eq!(
            d.str_at(&["spec", "selector", "matchLabels", "app"]),
            Some("yes")
        );
        assert_eq!(
            d.str_at(&["spec", "template", "metadata", "labels", "app"]),
            Some("yes")
        );
        assert_eq!(r[1].obj.str_at(&["spec", "selector", "app"]), Some("yes"));
        // Job: template labels created, selector (create: false) not
        assert_eq!(
            r[2].obj
                .str_at(&["spec", "template", "metadata", "labels", "app"]),
            Some("yes")
        );
        assert_eq!(r[2].obj.get_path(&["spec", "selector"]), None);
    }

    #[test]
    fn labels_entry_options() {
        let text =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {}}\n";
        let mut pairs = IndexMap::new();
        pairs.insert("a".to_string(), "b".to_string());
        let mut r = res(text);
        let spec = LabelSpec {
            pairs: pairs.clone(),
            ..Default::default()
        };
        labels(&mut r, &spec, &cfg()).unwrap();
        assert_eq!(r[0].obj.str_at(&["metadata", "labels", "a"]), Some("b"));
        assert_eq!(r[0].obj.get_path(&["spec", "template", "metadata"]), None);
        let mut r = res(text);
        let spec = LabelSpec {
            pairs: pairs.clone(),
            include_templates: true,
            ..Default::default()
        };
        labels(&mut r, &spec, &cfg()).unwrap();
        assert_eq!(
            r[0].obj
                .str_at(&["spec", "template", "metadata", "labels", "a"]),
            Some("b")
        );
        assert_eq!(r[0].obj.get_path(&["spec", "selector"]), None);
    }

    #[test]
    fn image_split_and_rewrite() {
        assert_eq!(split_image("nginx"), ("nginx", "", ""));
        assert_eq!(split_image("nginx:1"), ("nginx", "1", ""));
        assert_eq!(split_image("nginx@sha256:abc"), ("nginx", "", "sha256:abc"));
        assert_eq!(
            split_image("nginx:1@sha256:abc"),
            ("nginx", "1", "sha256:abc")
        );
        assert_eq!(split_image("reg:5000/a/b:2"), ("reg:5000/a/b", "2", ""));
        let spec =
            |nn: Option<&str>, nt: Option<&str>, d: Option<&str>, ts: Option<&str>| ImageSpec {
                name: "nginx".into(),
                new_name: nn.map(Into::into),
                new_tag: nt.map(Into::into),
                digest: d.map(Into::into),
                tag_suffix: ts.map(Into::into),
            };
        let s = spec(Some("foo"), None, None, None);
        let rule = ImageRule::new(&s);
        assert_eq!(
            rule.rewrite("nginx@sha256:abc").as_deref(),
            Some("foo@sha256:abc")
        );
        assert_eq!(rule.rewrite("nginxx"), None);
        assert_eq!(rule.rewrite("my/nginx:1"), None);
        assert_eq!(rule.rewrite("nginx@sha256"), None);
        assert_eq!(
            rule.rewrite("nginx:1.0-{a}").as_deref(),
            Some("foo:1.0-{a}")
        );
        let s = spec(None, Some("2"), Some("sha256:def"), None);
        assert_eq!(
            ImageRule::new(&s).rewrite("nginx").as_deref(),
            Some("nginx:2@sha256:def")
        );
        let s = spec(None, None, Some("sha256:def"), Some("-x"));
        assert_eq!(
            ImageRule::new(&s).rewrite("nginx:1").as_deref(),
            Some("nginx@sha256:def")
        );
        let s = spec(None, None, None, Some("-x"));
        assert_eq!(
            ImageRule::new(&s).rewrite("nginx:1@sha256:abc").as_deref(),
            Some("nginx:1-x")
        );
    }

    #[test]
    fn images_twice_for_tag_suffix() {
        // kubectl: a Pod's container image gets the suffix from both passes
        let mut r = res("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: nginx:1.0\n");
        let s = ImageSpec {
            name: "nginx".into(),
            tag_suffix: Some("-x".into()),
            ..Default::default()
        };
        images(&mut r, &[s], &cfg()).unwrap();
        let c = &r[0]
            .obj
            .get_path(&["spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap()[0];
        assert_eq!(c.str_at(&["image"]), Some("nginx:1.0-x-x"));
    }

    #[test]
    fn replicas_by_name() {
        let mut r = res("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: d}\n");
        replicas(
            &mut r,
            &[ReplicaSpec {
                name: "d".into(),
                count: 3,
            }],
            &cfg(),
        )
        .unwrap();
        assert_eq!(
            r[0].obj.get_path(&["spec", "replicas"]),
            Some(&Value::Int(3))
        );
        assert_eq!(r[1].obj.get_path(&["spec"]), None);
        let e = replicas(
            &mut r,
            &[ReplicaSpec {
                name: "zz".into(),
                count: 3,
            }],
            &cfg(),
        )
        .unwrap_err();
        assert!(
            e.starts_with("resource with name zz does not match a config"),
            "{e}"
        );
    }
}
