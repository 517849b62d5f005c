//! The `generators:` and `transformers:` fields with kustomize's built-in
//! plugin configurations (`apiVersion: builtin`), inline or from files.
//! Each is run by the same code as the kustomization field it mirrors,
//! with the configuration's own `fieldSpecs`. What kubectl does, checked
//! against kubectl 1.37 (fixtures `plugins_builtin_*`):
//!
//! - `generators:` run after `configMapGenerator`/`secretGenerator`, and
//!   `transformers:` after every built-in transformer of the kustomization
//!   (a `namePrefix: k-` then a PrefixSuffixTransformer `fp-` gives
//!   `fp-k-name`);
//! - a transformer's `fieldSpecs` are all it writes to (a LabelTransformer
//!   with `metadata/labels` only leaves selectors alone); an
//!   ImageTagTransformer without field specs still rewrites containers;
//! - a NamespaceTransformer takes its namespace from `metadata.namespace`.
//!
//! Exec and container plugins (any other `apiVersion`) are refused with a
//! clear error, and so is the Helm chart generator.

use indexmap::IndexMap;

use super::fieldspec::{FieldSpec, TransformerConfig};
use super::types::{ImageSpec, Kustomization, Patch, ReplicaSpec};
use super::{generators, patches, transformers};
use crate::resource::Resource;
use crate::yaml::{Mapping, Value};

type Res<T> = Result<T, String>;

fn kind_of(doc: &Value) -> Res<&str> {
    let api = doc.str_at(&["apiVersion"]).unwrap_or("");
    let kind = doc.str_at(&["kind"]).unwrap_or("");
    if api != "builtin" {
        return Err(format!(
            "plugin '{kind}' (apiVersion '{api}') is not supported: gitops-upgrade runs only kustomize's built-in plugins (apiVersion: builtin), not exec or container plugins"
        ));
    }
    Ok(kind)
}

fn field_specs(doc: &Value) -> Res<Vec<FieldSpec>> {
    match doc.get("fieldSpecs") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Seq(items)) => items.iter().map(FieldSpec::from_value).collect(),
        Some(_) => Err("fieldSpecs must be a list".into()),
    }
}

fn str_map(doc: &Value, key: &str) -> Res<IndexMap<String, String>> {
    match doc.get(key) {
        None | Some(Value::Null) => Ok(IndexMap::new()),
        Some(Value::Map(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::Null => Ok((k.clone(), String::new())),
                other => other
                    .scalar_string()
                    .map(|s| (k.clone(), s))
                    .ok_or_else(|| format!("{key}.{k} must be a string")),
            })
            .collect(),
        Some(_) => Err(format!("{key} must be a mapping")),
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    v.filter(|v| !v.is_null()).and_then(Value::scalar_string)
}

/// Runs the built-in generator configurations, in order.
pub fn run_generators(
    res: &mut Vec<Resource>,
    docs: &[Value],
    read: generators::ReadFile<'_>,
) -> Res<()> {
    for doc in docs {
        let kind = kind_of(doc)?;
        let field = match kind {
            "ConfigMapGenerator" => "configMapGenerator",
            "SecretGenerator" => "secretGenerator",
            other => {
                return Err(format!(
                    "generator plugin '{other}' is not supported (built-in ConfigMapGenerator and SecretGenerator are)"
                ))
            }
        };
        // the configuration is a generator entry with its name and
        // namespace under `metadata`
        let mut args = Mapping::new();
        if let Some(Value::Map(m)) = Some(doc) {
            for (k, v) in m {
                match k.as_str() {
                    "apiVersion" | "kind" => {}
                    "metadata" => {
                        if let Some(n) = v.get("name") {
                            args.insert("name".into(), n.clone());
                        }
                        if let Some(n) = v.get("namespace") {
                            args.insert("namespace".into(), n.clone());
                        }
                    }
                    _ => {
                        args.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        let mut km = Mapping::new();
        km.insert(field.into(), Value::Seq(vec![Value::Map(args)]));
        let k = Kustomization::from_value(&Value::Map(km))
            .map_err(|e| format!("{kind} {}: {}", doc_name(doc), e.0))?;
        generators::run(res, &k, read)?;
    }
    Ok(())
}

fn doc_name(doc: &Value) -> &str {
    doc.str_at(&["metadata", "name"]).unwrap_or("")
}

/// Reads a patch file named by a PatchTransformer's `path`: its text and
/// how to name it in messages.
pub type ReadPatch<'a> = &'a dyn Fn(&str) -> Res<(String, String)>;

/// Runs the built-in transformer configurations, in order.
pub fn run_transformers(
    res: &mut Vec<Resource>,
    docs: &[Value],
    cfg: &TransformerConfig,
    read_patch: ReadPatch<'_>,
) -> Res<()> {
    for doc in docs {
        let kind = kind_of(doc)?;
        let name = doc_name(doc);
        let wrap = |e: String| format!("{kind} {name}: {e}");
        let mut c = cfg.clone();
        let specs = field_specs(doc).map_err(wrap)?;
        match kind {
            "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
                let prefix = text(doc.get("prefix")).unwrap_or_default();
                let suffix = text(doc.get("suffix")).unwrap_or_default();
                c.name_prefix = specs.clone();
                c.name_suffix = specs;
                transformers::prefix_suffix(res, &prefix, &suffix, &c).map_err(wrap)?;
            }
            "LabelTransformer" => {
                c.common_labels = specs;
                transformers::common_labels(res, &str_map(doc, "labels").map_err(wrap)?, &c)
                    .map_err(wrap)?;
            }
            "AnnotationsTransformer" => {
                c.common_annotations = specs;
                let pairs = str_map(doc, "annotations").map_err(wrap)?;
                transformers::annotations(res, &pairs, &c).map_err(wrap)?;
            }
            "NamespaceTransformer" => {
                c.namespace = specs;
                let ns = doc.str_at(&["metadata", "namespace"]).unwrap_or("");
                transformers::namespace(res, ns, &c).map_err(wrap)?;
            }
            "ImageTagTransformer" => {
                if !specs.is_empty() {
                    c.images = specs;
                }
                let it = doc.get("imageTag").cloned().unwrap_or_default();
                let image = ImageSpec {
                    name: text(it.get("name")).unwrap_or_default(),
                    new_name: text(it.get("newName")),
                    new_tag: text(it.get("newTag")),
                    digest: text(it.get("digest")),
                    tag_suffix: text(it.get("tagSuffix")),
                };
                transformers::images(res, &[image], &c).map_err(wrap)?;
            }
            "ReplicaCountTransformer" => {
                c.replicas = specs;
                let rep = doc.get("replica").cloned().unwrap_or_default();
                let count = match rep.get("count") {
                    None | Some(Value::Null) => 0,
                    Some(v) => v
                        .as_i64()
                        .ok_or_else(|| wrap("replica.count must be an integer".into()))?,
                };
                let spec = ReplicaSpec {
                    name: text(rep.get("name")).unwrap_or_default(),
                    count,
                };
                transformers::replicas(res, &[spec], &c).map_err(wrap)?;
            }
            "PatchTransformer" => {
                let mut km = Mapping::new();
                let mut entry = Mapping::new();
                for key in ["path", "patch", "target", "options"] {
                    if let Some(v) = doc.get(key).filter(|v| !v.is_null()) {
                        entry.insert(key.into(), v.clone());
                    }
                }
                km.insert("patches".into(), Value::Seq(vec![Value::Map(entry)]));
                let k = Kustomization::from_value(&Value::Map(km)).map_err(|e| wrap(e.0))?;
                let p: &Patch = &k.patches[0];
                let (body, origin) = match (&p.path, &p.patch) {
                    (Some(path), None) => read_patch(path)?,
                    (None, Some(inline)) if !inline.trim().is_empty() => {
                        (inline.clone(), format!("{kind} {name}"))
                    }
                    _ => return Err(wrap("must specify one of patch and path".into())),
                };
                patches::apply_patch_entry(res, p, &body, &origin)?;
            }
            other => {
                return Err(format!(
                    "transformer plugin '{other}' is not supported (built-in PrefixSuffixTransformer, LabelTransformer, AnnotationsTransformer, NamespaceTransformer, ImageTagTransformer, ReplicaCountTransformer and PatchTransformer are)"
                ))
            }
        }
    }
    Ok(())
}
