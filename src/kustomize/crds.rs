//! The legacy `crds:` field: OpenAPI definitions of custom types whose
//! `x-kubernetes-*` extensions extend the transformer configuration
//! (name references, label selectors, annotations, identity fields).

use std::collections::HashSet;

use super::fieldspec::{FieldSpec, NameBackRef, TransformerConfig};
use crate::yaml::{Mapping, Value};

/// Adds what the definitions in `defs` (a map of type name to
/// `{Schema: ...}`) declare to `cfg`.
pub fn load_into(cfg: &mut TransformerConfig, defs: &Value) -> Result<(), String> {
    let Some(types) = defs.as_map() else {
        return Err("a crds file must map type names to OpenAPI definitions".into());
    };
    for (type_name, def) in types {
        let props = properties(def);
        // only top-level types (with a kind) are resources
        if !props.is_some_and(|p| p.contains_key("kind")) {
            continue;
        }
        let kind = type_name.rsplit('.').next().unwrap_or(type_name).to_string();
        let mut seen = HashSet::new();
        walk(cfg, types, &kind, type_name, &mut Vec::new(), &mut seen);
    }
    Ok(())
}

fn properties(def: &Value) -> Option<&Mapping> {
    def.get_path(&["Schema", "properties"]).and_then(Value::as_map)
}

fn walk(
    cfg: &mut TransformerConfig,
    types: &Mapping,
    kind: &str,
    type_name: &str,
    path: &mut Vec<String>,
    seen: &mut HashSet<String>,
) {
    if !seen.insert(type_name.to_string()) {
        return;
    }
    let Some(props) = types.get(type_name).and_then(properties) else {
        seen.remove(type_name);
        return;
    };
    for (prop, schema) in props {
        path.push(prop.clone());
        let fs = |extra: Option<&str>| {
            let mut p = path.join("/");
            if let Some(e) = extra {
                p.push('/');
                p.push_str(e);
            }
            FieldSpec {
                kind: Some(kind.to_string()),
                path: p,
                ..FieldSpec::default()
            }
        };
        let ext = |k: &str| schema.get(k).and_then(Value::as_str);
        if ext("x-kubernetes-annotation").is_some() {
            cfg.common_annotations.push(fs(None));
        }
        if ext("x-kubernetes-label-selector").is_some() {
            cfg.common_labels.push(fs(None));
        }
        if ext("x-kubernetes-identity").is_some() {
            cfg.name_prefix.push(fs(None));
            cfg.name_suffix.push(fs(None));
        }
        if let (Some(version), Some(ref_kind)) = (
            ext("x-kubernetes-object-ref-api-version"),
            ext("x-kubernetes-object-ref-kind"),
        ) {
            let name_key = ext("x-kubernetes-object-ref-name-key").unwrap_or("name");
            let (group, version) = match version.rsplit_once('/') {
                Some((g, v)) => (g.to_string(), v.to_string()),
                None => (String::new(), version.to_string()),
            };
            cfg.name_reference.push(NameBackRef {
                group,
                version,
                kind: ref_kind.to_string(),
                referrers: vec![fs(Some(name_key))],
            });
        }
        if let Some(r) = ext("$ref") {
            let r = r.trim_start_matches("#/definitions/").to_string();
            walk(cfg, types, kind, &r, path, seen);
        }
        path.pop();
    }
    seen.remove(type_name);
}
