//! A Kubernetes resource as the renderer carries it: the object itself plus
//! what kustomize keeps in its internal annotations (where it came from, the
//! names it had before prefixes and namespaces changed them, and how a
//! generator made it).

use std::fmt;

use crate::yaml::Value;

/// The identity kustomize uses to tell resources apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ResId {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ResId {
    /// `group_version_kind|namespace|name` as kustomize prints ids in errors.
    pub fn gvk_string(&self) -> String {
        let mut s = String::new();
        if !self.group.is_empty() {
            s.push_str(&self.group);
            s.push('_');
        }
        s.push_str(&self.version);
        s.push('_');
        s.push_str(&self.kind);
        s
    }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = if self.namespace.is_empty() {
            "~X"
        } else {
            &self.namespace
        };
        write!(f, "{}|{}|{}", self.gvk_string(), ns, self.name)
    }
}

/// Where a resource was read from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Origin {
    /// Path relative to the root being rendered (or to the repository root).
    pub file: String,
    /// 1-based line of the document's start, 0 when generated.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}", self.file, self.line)
        } else {
            write!(f, "{}", self.file)
        }
    }
}

/// How a generator's output combines with an object of the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    #[default]
    Create,
    Merge,
    Replace,
}

/// Set on resources made by `configMapGenerator` / `secretGenerator`.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub behavior: Behavior,
    /// Whether the content hash is appended to the name at the end of the
    /// build (false with `disableNameSuffixHash: true`).
    pub hash: bool,
}

/// A resource in the renderer's list.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The object: always a mapping.
    pub obj: Value,
    pub origin: Origin,
    pub generated: Option<Generated>,
    /// Earlier (namespace, name) pairs, oldest first, recorded each time a
    /// transformer renamed or re-namespaced the resource. Name references
    /// are fixed up by matching against these.
    pub previous: Vec<(String, String)>,
    /// Mapping values written as nothing (`key:`) in the file the resource
    /// was read from; see [`Resource::drop_empty_nulls`].
    pub empty_nulls: Vec<Vec<crate::yaml::PathSeg>>,
    /// What `buildMetadata` prints, recorded only when the root asks.
    pub build_meta: Option<Box<BuildMeta>>,
    /// Label/annotation values kustomize holds as one shared node: each
    /// entry is a key and the maps (field-spec path, occurrence) one
    /// transformer call created it in. See `transformers::set_pairs`.
    pub shared_values: Vec<(String, Vec<(String, usize)>)>,
}

/// Where a resource came from and which transformers ran over it, for
/// kustomize's `buildMetadata` annotations (absolute paths).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildMeta {
    /// The file the resource was read from.
    pub path: Option<std::path::PathBuf>,
    /// The kustomization and generator kind that made it.
    pub generated_by: Option<(std::path::PathBuf, String)>,
    /// (kustomization, transformer kind, plugin name), in order.
    pub transformations: Vec<(std::path::PathBuf, String, Option<String>)>,
}

impl Resource {
    pub fn new(obj: Value, origin: Origin) -> Resource {
        Resource {
            obj,
            origin,
            generated: None,
            previous: Vec::new(),
            empty_nulls: Vec::new(),
            build_meta: None,
            shared_values: Vec::new(),
        }
    }

    /// An annotation written as `a:` is a null to kubectl, printed `""`
    /// untouched but `"null"` once a JSON 6902 patch has round-tripped the
    /// resource through JSON (kubectl 1.37). Called before such a patch.
    pub fn empty_annotations_to_null_text(&mut self) {
        use crate::yaml::PathSeg;
        let mut rest = Vec::new();
        for path in std::mem::take(&mut self.empty_nulls) {
            if let [PathSeg::Key(m), PathSeg::Key(a), PathSeg::Key(k)] = path.as_slice() {
                if m == "metadata" && a == "annotations" {
                    if let Some(v @ Value::Str(_)) = self.obj.get_path_mut(&[m, a, k]) {
                        if v.as_str() == Some("") {
                            *v = Value::Str("null".into());
                        }
                    }
                    continue;
                }
            }
            rest.push(path);
        }
        self.empty_nulls = rest;
    }

    /// kubectl drops every mapping entry written as `key:` (nothing after
    /// the colon) from a resource it applies a strategic-merge patch to,
    /// anywhere in the resource; `key: null`, `key: ~` and null list items
    /// stay, and so do they all in a resource no such patch touches
    /// (kubectl 1.37). Called before such a patch; a path that no longer
    /// leads to a null is left alone.
    pub fn drop_empty_nulls(&mut self) {
        use crate::yaml::PathSeg;
        // an annotation read as `a:` is already the string "" (the parser
        // reads annotation values as text)
        fn drop_at(node: &mut Value, path: &[PathSeg], annotation: bool) {
            match (path, node) {
                ([PathSeg::Key(last)], Value::Map(m)) => {
                    let empty = |v: &Value| {
                        v.is_null() || (annotation && matches!(v, Value::Str(s) if s.is_empty()))
                    };
                    if m.get(last).is_some_and(empty) {
                        m.shift_remove(last);
                    }
                }
                ([PathSeg::Key(k), rest @ ..], Value::Map(m)) => {
                    if let Some(n) = m.get_mut(k) {
                        drop_at(n, rest, annotation);
                    }
                }
                ([PathSeg::Index(i), rest @ ..], Value::Seq(s)) => {
                    if let Some(n) = s.get_mut(*i) {
                        drop_at(n, rest, annotation);
                    }
                }
                _ => {}
            }
        }
        for path in std::mem::take(&mut self.empty_nulls) {
            let annotation = path.len() == 3
                && path[0] == PathSeg::Key("metadata".into())
                && path[1] == PathSeg::Key("annotations".into());
            drop_at(&mut self.obj, &path, annotation);
        }
    }

    pub fn api_version(&self) -> &str {
        self.obj.str_at(&["apiVersion"]).unwrap_or("")
    }

    /// The API group ("" for the core group).
    pub fn group(&self) -> &str {
        split_api_version(self.api_version()).0
    }

    pub fn version(&self) -> &str {
        split_api_version(self.api_version()).1
    }

    pub fn kind(&self) -> &str {
        self.obj.str_at(&["kind"]).unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.obj.str_at(&["metadata", "name"]).unwrap_or("")
    }

    pub fn namespace(&self) -> &str {
        self.obj.str_at(&["metadata", "namespace"]).unwrap_or("")
    }

    pub fn id(&self) -> ResId {
        ResId {
            group: self.group().to_string(),
            version: self.version().to_string(),
            kind: self.kind().to_string(),
            namespace: self.namespace().to_string(),
            name: self.name().to_string(),
        }
    }

    /// The (namespace, name) the resource had when it was first read.
    pub fn original_ns_name(&self) -> (String, String) {
        self.previous
            .first()
            .cloned()
            .unwrap_or_else(|| (self.namespace().to_string(), self.name().to_string()))
    }

    /// Records the current (namespace, name) before a transformer changes it.
    pub fn remember_current(&mut self) {
        let cur = (self.namespace().to_string(), self.name().to_string());
        if self.previous.last() != Some(&cur) {
            self.previous.push(cur);
        }
    }

    pub fn set_name(&mut self, name: &str) {
        self.remember_current();
        *self.obj.ensure_path(&["metadata", "name"]) = Value::Str(name.to_string());
    }

    pub fn set_namespace(&mut self, ns: &str) {
        self.remember_current();
        *self.obj.ensure_path(&["metadata", "namespace"]) = Value::Str(ns.to_string());
    }

    /// Labels as strings (kustomize only reads string label values).
    pub fn labels(&self) -> Vec<(String, String)> {
        string_pairs(self.obj.get_path(&["metadata", "labels"]))
    }

    pub fn annotations(&self) -> Vec<(String, String)> {
        string_pairs(self.obj.get_path(&["metadata", "annotations"]))
    }

    /// Whether the kind is cluster-scoped (no namespace applies).
    pub fn is_cluster_scoped(&self) -> bool {
        is_cluster_scoped_kind(self.group(), self.kind())
    }
}

fn string_pairs(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.scalar_string().map(|s| (k.clone(), s)))
                .collect()
        })
        .unwrap_or_default()
}

/// kustomize's `Gvk.String()` as its messages show it:
/// `Kind.version.group`, with `[noKind]`, `[noVer]`, `[noGrp]` for empty
/// parts.
pub fn gvk_message(kind: &str, version: &str, group: &str) -> String {
    format!(
        "{}.{}.{}",
        placeholder(kind, "[noKind]"),
        placeholder(version, "[noVer]"),
        placeholder(group, "[noGrp]")
    )
}

/// kustomize's `ResId.String()`: `Kind.version.group/name.namespace`, with
/// `[noName]` and `[noNs]` for an empty name or namespace.
pub fn id_message(kind: &str, version: &str, group: &str, name: &str, namespace: &str) -> String {
    format!(
        "{}/{}.{}",
        gvk_message(kind, version, group),
        placeholder(name, "[noName]"),
        placeholder(namespace, "[noNs]")
    )
}

fn placeholder<'a>(s: &'a str, empty: &'a str) -> &'a str {
    if s.is_empty() {
        empty
    } else {
        s
    }
}

/// Splits `group/version` (or a bare core `version`).
pub fn split_api_version(av: &str) -> (&str, &str) {
    match av.rsplit_once('/') {
        Some((g, v)) => (g, v),
        None => ("", av),
    }
}

/// Cluster-scoped kinds of the built-in API (kustomize's list).
pub fn is_cluster_scoped_kind(group: &str, kind: &str) -> bool {
    // only the core `v1` Namespace: kubectl treats a `Namespace` kind of
    // another group (a custom resource) as namespaced
    if kind == "Namespace" {
        return group.is_empty();
    }
    matches!(
        kind,
        "APIService"
            | "CertificateSigningRequest"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "ComponentStatus"
            | "CSIDriver"
            | "CSINode"
            | "CustomResourceDefinition"
            | "FlowSchema"
            | "IngressClass"
            | "MutatingWebhookConfiguration"
            | "Namespace"
            | "Node"
            | "PersistentVolume"
            | "PodSecurityPolicy"
            | "PriorityClass"
            | "PriorityLevelConfiguration"
            | "RuntimeClass"
            | "SelfSubjectAccessReview"
            | "SelfSubjectRulesReview"
            | "StorageClass"
            | "SubjectAccessReview"
            | "TokenReview"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "ValidatingWebhookConfiguration"
            | "VolumeAttachment"
    )
}

/// Every document of a YAML text as resources, for unit tests.
#[cfg(test)]
pub(crate) fn resources_for_test(text: &str) -> Vec<Resource> {
    crate::yaml::parse_documents(text)
        .expect("test YAML parses")
        .into_iter()
        .map(|d| Resource::new(d.value, Origin::default()))
        .collect()
}
