//! Strategic merge patch on values, reproducing kustomize's kyaml `merge2`
//! walk (the one `patchesStrategicMerge` and `patches` use), including its
//! quirks:
//! - lists merge by key only where kustomize's built-in schema (the
//!   Kubernetes v1.21.2 OpenAPI document, table at the end of this file)
//!   gives a `merge` patch strategy; every other list, and every list of an
//!   unknown kind, is replaced whole;
//! - items named by the patch come first (in the patch's order), then the
//!   target's other items; with two merge keys (`containerPort`+`protocol`,
//!   `port`+`protocol`) the target's items are re-appended in their order;
//! - `$patch: delete|replace|merge` on maps and lists; `$patch: replace` on a
//!   single list item has no effect (kustomize keeps the target's item);
//! - `$setElementOrder/...`, `$retainKeys` and `$deleteFromPrimitiveList/...`
//!   are not directives for kustomize: they are copied as ordinary fields;
//! - a null in the patch deletes the key; fields only in the target are kept
//!   as they are (nulls included);
//! - a nested object that carries its own `apiVersion`/`kind` under a field
//!   the schema does not know gets the schema of that kind.

use crate::yaml::{Mapping, Value};

type Res<T> = Result<T, String>;

/// Merges `patch` into `target` (a whole object; its apiVersion/kind pick
/// the schema). When the patch deletes the whole object (a top-level
/// `$patch: delete`) `target` becomes `Value::Null`; use
/// [`strategic_merge_opt`] to tell that case apart.
pub fn strategic_merge(target: &mut Value, patch: &Value) -> Result<(), String> {
    let t = std::mem::take(target);
    *target = strategic_merge_opt(t, patch)?.unwrap_or(Value::Null);
    Ok(())
}

/// Merges `patch` into `target`; `None` when the patch deletes the object.
pub fn strategic_merge_opt(target: Value, patch: &Value) -> Result<Option<Value>, String> {
    walk(Some(target), Some(patch.clone()), None, &mut Vec::new())
}

/// Whether the text of a patch document asks to delete the whole object.
pub fn is_delete_patch(patch: &Value) -> bool {
    patch.get("$patch").and_then(Value::as_str) == Some("delete")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Map(_) => "MappingNode",
        Value::Seq(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

fn same_kind(a: &Value, b: &Value) -> bool {
    kind_name(a) == kind_name(b)
}

/// The text of a scalar node as kyaml compares it.
fn node_text(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Map(_) | Value::Seq(_) => String::new(),
        other => other.scalar_string().unwrap_or_default(),
    }
}

/// Like [`node_text`] but empty for null and empty values (kyaml's
/// `ElementValuesList`).
fn key_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::Str(s)) => s.clone(),
        Some(other) => node_text(other),
    }
}

fn path_str(path: &[String]) -> String {
    path.join(".")
}

/// Picks the schema: the one handed down, else the one of the kind that a
/// source map names with its own apiVersion/kind.
fn get_schema(schema: Option<u16>, dest: Option<&Value>, origin: Option<&Value>) -> Option<u16> {
    if schema.is_some() {
        return schema;
    }
    for v in [dest, origin].into_iter().flatten() {
        if let Value::Map(m) = v {
            if let (Some(Value::Str(av)), Some(Value::Str(k))) =
                (m.get("apiVersion"), m.get("kind"))
            {
                if !av.is_empty() && !k.is_empty() {
                    if let Some(s) = schema_for(av, k) {
                        return Some(s);
                    }
                }
            }
        }
    }
    None
}

fn walk(
    dest: Option<Value>,
    origin: Option<Value>,
    schema: Option<u16>,
    path: &mut Vec<String>,
) -> Res<Option<Value>> {
    let schema = get_schema(schema, dest.as_ref(), origin.as_ref());
    // A field the patch does not mention keeps the target's value as is.
    let Some(origin) = origin else {
        return Ok(dest);
    };
    let dest = dest.filter(|d| !d.is_null());
    let first = match (&dest, &origin) {
        (Some(d), _) => Some(d),
        (None, Value::Null) => None,
        (None, o) => Some(o),
    };
    let Some(first) = first else {
        // Only nulls: the key is cleared.
        return Ok(None);
    };
    for v in [dest.as_ref(), Some(&origin)].into_iter().flatten() {
        if !v.is_null() && !same_kind(first, v) {
            return Err(format!(
                "wrong node kind at '{}': expected {} but got {}",
                path_str(path),
                kind_name(first),
                kind_name(v)
            ));
        }
    }
    match first {
        Value::Map(_) => walk_map(dest, origin, schema, path),
        Value::Seq(_) => {
            let (strategy, _) = strategy_keys(schema);
            if strategy.split(',').any(|s| s.trim() == "merge") {
                walk_assoc(dest, origin, schema, path)
            } else if origin.is_null() {
                Ok(None)
            } else {
                Ok(Some(origin))
            }
        }
        _ => {
            if origin.is_null() {
                Ok(None)
            } else {
                Ok(Some(origin))
            }
        }
    }
}

/// Reads and removes a map's `$patch` directive.
fn map_directive(m: &mut Mapping, strict: bool) -> Res<Directive> {
    let Some(v) = m.get("$patch") else {
        return Ok(Directive::Merge);
    };
    let d = match node_text(v).as_str() {
        "delete" => Directive::Delete,
        "replace" => Directive::Replace,
        "merge" => Directive::Merge,
        other => {
            if strict {
                return Err(format!("unknown patch strategy '{other}'"));
            }
            return Ok(Directive::Merge);
        }
    };
    m.shift_remove("$patch");
    Ok(d)
}

fn walk_map(
    dest: Option<Value>,
    origin: Value,
    schema: Option<u16>,
    path: &mut Vec<String>,
) -> Res<Option<Value>> {
    let Some(dest) = dest else {
        // Added: the patch's map, merged with itself (directives handled).
        let Value::Map(mut o) = origin else {
            return Ok(None);
        };
        if map_directive(&mut o, false)? == Directive::Delete {
            return Ok(None);
        }
        return merge_fields(o.clone(), o, schema, path).map(|m| Some(Value::Map(m)));
    };
    let Value::Map(mut o) = origin else {
        return Ok(None);
    };
    let Value::Map(d) = dest else { return Ok(None) };
    match map_directive(&mut o, true)? {
        Directive::Delete => Ok(None),
        Directive::Replace => merge_fields(o.clone(), o, schema, path).map(|m| Some(Value::Map(m))),
        Directive::Merge => merge_fields(d, o, schema, path).map(|m| Some(Value::Map(m))),
    }
}

fn merge_fields(
    mut dest: Mapping,
    origin: Mapping,
    schema: Option<u16>,
    path: &mut Vec<String>,
) -> Res<Mapping> {
    for (k, ov) in origin {
        let child = field_schema(schema, &k);
        // Taken out, not cloned: the result goes back in the same place.
        let dv = dest.get_mut(&k).map(std::mem::take);
        path.push(k.clone());
        let r = walk(dv, Some(ov), child, path);
        path.pop();
        match r? {
            Some(v) => {
                dest.insert(k, v);
            }
            None => {
                dest.shift_remove(&k);
            }
        }
    }
    Ok(dest)
}

/// Reads a list's `$patch` directive (an item that is exactly
/// `{$patch: ...}`), removing it as kyaml does.
fn seq_directive(list: &mut Vec<Value>) -> Res<Directive> {
    let found = list.iter().find_map(|e| match e {
        Value::Map(m) if m.contains_key("$patch") => Some(m),
        _ => None,
    });
    let Some(m) = found else {
        return Ok(Directive::Merge);
    };
    if m.len() > 1 {
        return Ok(Directive::Merge);
    }
    let v = m.get("$patch").map(node_text).unwrap_or_default();
    let d = match v.as_str() {
        "delete" => Directive::Delete,
        "replace" => Directive::Replace,
        "merge" => Directive::Merge,
        other => return Err(format!("unknown patch strategy '{other}'")),
    };
    element_setter(list, None, &["$patch".to_string()], &[v])?;
    Ok(d)
}

fn walk_assoc(
    dest: Option<Value>,
    origin: Value,
    schema: Option<u16>,
    path: &mut Vec<String>,
) -> Res<Option<Value>> {
    let mut origin = match origin {
        Value::Seq(s) => Some(s),
        _ => None,
    };
    let mut dest = match dest {
        None => match &origin {
            // Added: kyaml merges the patch's list with itself.
            Some(o) => o.clone(),
            None => return Ok(None),
        },
        Some(Value::Seq(d)) => {
            let Some(o) = origin.as_mut() else {
                return Ok(None);
            };
            match seq_directive(o)? {
                Directive::Delete => return Ok(None),
                Directive::Replace => o.clone(),
                Directive::Merge => d,
            }
        }
        Some(_) => return Ok(None),
    };
    let (_, keys) = strategy_keys(schema);
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let elem_schema = elements_schema(schema);
    let values = element_values(&keys, origin.as_deref(), &dest);
    let result = if !values.is_empty() || !keys.is_empty() {
        set_elements(
            values,
            &keys,
            &mut dest,
            origin.as_deref(),
            elem_schema,
            path,
        )?
    } else {
        let prim = primitive_values(origin.as_deref(), &dest);
        set_elements(
            prim,
            &[String::new()],
            &mut dest,
            origin.as_deref(),
            elem_schema,
            path,
        )?
    };
    Ok(Some(Value::Seq(result)))
}

/// Key values of every item, patch first, without repeats.
fn element_values(keys: &[String], origin: Option<&[Value]>, dest: &[Value]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for src in [origin, Some(dest)].into_iter().flatten() {
        for e in src {
            let vals: Vec<String> = keys
                .iter()
                .map(|k| key_text(e.as_map().and_then(|m| m.get(k))))
                .collect();
            if vals.is_empty() || out.contains(&vals) {
                continue;
            }
            out.push(vals);
        }
    }
    out
}

fn primitive_values(origin: Option<&[Value]>, dest: &[Value]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for src in [origin, Some(dest)].into_iter().flatten() {
        for e in src {
            let v = vec![node_text(e)];
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut valid: Vec<&String> = Vec::new();
    for vs in values_list {
        for (i, v) in vs.iter().enumerate() {
            if !v.is_empty() {
                if let Some(k) = keys.get(i) {
                    if !valid.contains(&k) {
                        valid.push(k);
                    }
                }
            }
        }
    }
    if valid.is_empty() {
        return (keys.to_vec(), values.to_vec());
    }
    let vk: Vec<String> = keys.iter().filter(|k| valid.contains(k)).cloned().collect();
    let vv: Vec<String> = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || keys.get(*i).map(|k| valid.contains(&k)).unwrap_or(false))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            res.push(x.clone());
        } else {
            res.push(y.clone());
        }
    }
    if common {
        Some(res)
    } else {
        None
    }
}

fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        let v1 = list[i].clone();
        for j in 0..list.len() {
            if let Some(res) = match_values(&v1, &list[j]) {
                list[i] = res.clone();
                list[j] = res;
            }
        }
    }
}

/// kyaml's `ElementMatcher`: the first item whose keys have exactly these
/// values (for a primitive list: whose text is the value).
fn element_list(list: &[Value], keys: &[String], values: &[String]) -> Option<usize> {
    if keys.is_empty() || keys[0].is_empty() {
        let want = values.first().map(String::as_str).unwrap_or("");
        return list.iter().position(|e| node_text(e) == want);
    }
    if keys.len() != values.len() {
        return None;
    }
    list.iter().position(|e| match e {
        Value::Map(m) => keys
            .iter()
            .zip(values)
            .all(|(k, v)| m.get(k).map(|f| node_text(f) == *v).unwrap_or(false)),
        _ => false,
    })
}

fn is_empty_map(v: &Value) -> bool {
    matches!(v, Value::Map(m) if m.is_empty())
}

/// kyaml's `FieldMatcher{Name, StringValue}` as `ElementSetter` uses it:
/// an empty value matches any value of a present field.
fn setter_matches(elem: &Value, key: &str, value: &str) -> Res<bool> {
    if elem.is_null() {
        return Ok(false);
    }
    if key.is_empty() {
        return match elem {
            Value::Map(_) | Value::Seq(_) => {
                Err("wrong node kind: expected ScalarNode in a list of values".into())
            }
            e => Ok(node_text(e) == value || (value.is_empty() && node_text(e).is_empty())),
        };
    }
    match elem {
        Value::Map(m) => Ok(match m.get(key) {
            None => false,
            Some(f) => value.is_empty() || node_text(f) == value,
        }),
        _ => Err("wrong node kind: expected MappingNode in a list of objects".into()),
    }
}

/// kyaml's `ElementSetter`: replaces (or, with no element, deletes) the
/// items matching the keys; appends the element when none matched. Drops
/// null and empty-map items on the way.
fn element_setter(
    list: &mut Vec<Value>,
    element: Option<&Value>,
    keys: &[String],
    values: &[String],
) -> Res<()> {
    let default_keys = [String::new()];
    let keys: &[String] = if keys.is_empty() { &default_keys } else { keys };
    let mapping_setter = !keys[0].is_empty() && !values.is_empty() && !values[0].is_empty();
    let mut out = Vec::with_capacity(list.len() + 1);
    let mut found_any = false;
    for elem in list.drain(..) {
        if elem.is_null() || is_empty_map(&elem) {
            continue;
        }
        if !matches!(elem, Value::Map(_)) && mapping_setter {
            out.push(elem);
            continue;
        }
        let mut last = false;
        let mut found = true;
        for (j, k) in keys.iter().enumerate() {
            if j < values.len() {
                last = setter_matches(&elem, k, &values[j])?;
            }
            if !last {
                found = false;
                break;
            }
        }
        if !found {
            // kyaml keeps a non-matching item only when values were given:
            // a setter without values (an item lacking its merge key, from
            // `appendListNode`) clears the list before appending, so of
            // several key-less items only the last survives (kubectl 1.37)
            if !values.is_empty() {
                out.push(elem);
            }
            continue;
        }
        found_any = true;
        if let Some(e) = element {
            out.push(e.clone());
        }
    }
    *list = out;
    if let Some(e) = element {
        if !e.is_null() && !found_any {
            list.push(e.clone());
        }
    }
    Ok(())
}

/// kyaml's `appendListNode`: sets every item of `src` into `dst`.
fn append_list_node(dst: &mut Vec<Value>, src: &[Value], keys: &[String]) -> Res<()> {
    for elem in src {
        if keys.is_empty() || keys[0].is_empty() {
            element_setter(dst, Some(elem), &[String::new()], &[node_text(elem)])?;
            continue;
        }
        let mut v = Vec::new();
        for k in keys {
            match elem.as_map().and_then(|m| m.get(k)) {
                None => dst.push(elem.clone()),
                Some(f) => v.push(node_text(f)),
            }
        }
        if keys.len() > 1 {
            element_setter(dst, None, keys, &v)?;
        }
        element_setter(dst, Some(elem), keys, &v)?;
    }
    Ok(())
}

fn set_elements(
    mut values_list: Vec<Vec<String>>,
    keys: &[String],
    dest: &mut Vec<Value>,
    origin: Option<&[Value]>,
    elem_schema: Option<u16>,
    path: &mut Vec<String>,
) -> Res<Vec<Value>> {
    let mut items: Vec<Value> = Vec::new();
    if keys.len() > 1 {
        merge_values(&mut values_list);
    }
    let mut valid_keys: Vec<String> = keys.to_vec();
    for values in values_list.iter() {
        if values.is_empty() {
            continue;
        }
        let (vk, vv) = validate_keys(&values_list, values, keys);
        valid_keys = vk.clone();
        let (k2, v2) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
        let di = element_list(dest, &k2, &v2);
        let oe = origin.and_then(|o| element_list(o, &k2, &v2).map(|i| o[i].clone()));
        let de = di.map(|i| dest[i].clone());
        // kyaml merges the target's item in place unless the patch item
        // replaces it (or it is a scalar).
        let in_place = matches!(de, Some(Value::Map(_)))
            && match &oe {
                None => true,
                Some(Value::Map(m)) => !matches!(
                    m.get("$patch").map(node_text).as_deref(),
                    Some("replace") | Some("delete")
                ),
                Some(_) => false,
            };
        path.push(format!("[{}]", vv.join(",")));
        let val = walk(de, oe, elem_schema, path);
        path.pop();
        let val = val?;
        if in_place {
            if let (Some(i), Some(v)) = (di, &val) {
                dest[i] = v.clone();
            }
        }
        let mut val = match val {
            Some(v) if !v.is_null() && !is_empty_map(&v) => v,
            _ => {
                element_setter(dest, None, &vk, &vv)?;
                continue;
            }
        };
        if let Value::Map(m) = &mut val {
            for (i, k) in vk.iter().enumerate() {
                if k.is_empty() {
                    continue;
                }
                if let Some(s) = vv.get(i) {
                    if !s.is_empty() && !m.contains_key(k) {
                        m.insert(k.clone(), crate::yaml::parse::resolve_plain(s));
                    }
                }
            }
        }
        element_setter(&mut items, Some(&val), &vk, &vv)?;
    }
    if values_list.is_empty() {
        return Ok(std::mem::take(dest));
    }
    append_list_node(&mut items, dest, &valid_keys)?;
    Ok(items)
}

// ---------------------------------------------------------------------
// The built-in schema.

const NONE: u16 = u16::MAX;

/// One schema node: an object's known fields, a map's value schema, a
/// list's item schema and patch strategy. Node 0 stands for "known, but
/// nothing below merges by key".
struct SchemaNode {
    props: &'static [(&'static str, u16)],
    additional: u16,
    items: u16,
    strategy: &'static str,
    keys: &'static [&'static str],
}

/// The schema of a built-in kind, if kustomize's schema has it.
pub fn schema_for(api_version: &str, kind: &str) -> Option<u16> {
    GVKS.iter()
        .find(|(av, k, _)| *av == api_version && *k == kind)
        .map(|(_, _, i)| *i)
}

fn field_schema(s: Option<u16>, key: &str) -> Option<u16> {
    let s = s?;
    if s == 0 {
        return Some(0);
    }
    let n = NODES.get(s as usize)?;
    if let Some((_, i)) = n.props.iter().find(|(p, _)| *p == key) {
        return Some(*i);
    }
    if n.additional != NONE {
        return Some(n.additional);
    }
    None
}

fn elements_schema(s: Option<u16>) -> Option<u16> {
    let s = s?;
    if s == 0 {
        return Some(0);
    }
    let n = NODES.get(s as usize)?;
    if n.items != NONE {
        Some(n.items)
    } else {
        None
    }
}

fn strategy_keys(s: Option<u16>) -> (&'static str, &'static [&'static str]) {
    match s.and_then(|s| NODES.get(s as usize)) {
        Some(n) => (n.strategy, n.keys),
        None => ("", &[]),
    }
}

/// The merge keys of the list at `path` (mapping keys from the object's
/// root) in an object of the given kind; `None` when the list is replaced
/// whole. For tools that explain patches.
pub fn list_merge_keys(api_version: &str, kind: &str, path: &[&str]) -> Option<Vec<String>> {
    let mut s = schema_for(api_version, kind);
    for p in path {
        let is_list =
            matches!(s, Some(x) if NODES.get(x as usize).map(|n| n.items != NONE).unwrap_or(false));
        if is_list {
            s = elements_schema(s);
        }
        s = field_schema(s, p);
    }
    let (st, keys) = strategy_keys(s);
    if st.split(',').any(|x| x.trim() == "merge") {
        Some(keys.iter().map(|k| k.to_string()).collect())
    } else {
        None
    }
}

// Generated from the Kubernetes v1.21.2 OpenAPI document that kustomize embeds
// (pruned to the paths that lead to merge-strategy lists).
#[rustfmt::skip]
static NODES: &[SchemaNode] = &[
    SchemaNode { props: &[], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("webhooks", 5)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("annotations", 0), ("clusterName", 0), ("creationTimestamp", 0), ("deletionGracePeriodSeconds", 0), ("deletionTimestamp", 0), ("finalizers", 3), ("generateName", 0), ("generation", 0), ("labels", 0), ("managedFields", 0), ("name", 0), ("namespace", 0), ("ownerReferences", 4), ("resourceVersion", 0), ("selfLink", 0), ("uid", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["uid"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 7), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 1, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("webhooks", 9)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 11), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 8, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("webhooks", 13)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 15), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 12, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("webhooks", 17)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 19), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 16, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("data", 0), ("kind", 0), ("metadata", 2), ("revision", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 22), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 20, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 24), ("status", 46)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("minReadySeconds", 0), ("revisionHistoryLimit", 0), ("selector", 0), ("template", 25), ("updateStrategy", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("metadata", 2), ("spec", 26)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("activeDeadlineSeconds", 0), ("affinity", 0), ("automountServiceAccountToken", 0), ("containers", 27), ("dnsConfig", 0), ("dnsPolicy", 0), ("enableServiceLinks", 0), ("ephemeralContainers", 33), ("hostAliases", 38), ("hostIPC", 0), ("hostNetwork", 0), ("hostPID", 0), ("hostname", 0), ("imagePullSecrets", 39), ("initContainers", 40), ("nodeName", 0), ("nodeSelector", 0), ("overhead", 0), ("preemptionPolicy", 0), ("priority", 0), ("priorityClassName", 0), ("readinessGates", 0), ("restartPolicy", 0), ("runtimeClassName", 0), ("schedulerName", 0), ("securityContext", 0), ("serviceAccount", 0), ("serviceAccountName", 0), ("setHostnameAsFQDN", 0), ("shareProcessNamespace", 0), ("subdomain", 0), ("terminationGracePeriodSeconds", 0), ("tolerations", 0), ("topologySpreadConstraints", 41), ("volumes", 42)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 28, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[("args", 0), ("command", 0), ("env", 29), ("envFrom", 0), ("image", 0), ("imagePullPolicy", 0), ("lifecycle", 0), ("livenessProbe", 0), ("name", 0), ("ports", 30), ("readinessProbe", 0), ("resources", 0), ("securityContext", 0), ("startupProbe", 0), ("stdin", 0), ("stdinOnce", 0), ("terminationMessagePath", 0), ("terminationMessagePolicy", 0), ("tty", 0), ("volumeDevices", 31), ("volumeMounts", 32), ("workingDir", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["containerPort", "protocol"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["devicePath"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["mountPath"] },
    SchemaNode { props: &[], additional: NONE, items: 34, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[("args", 0), ("command", 0), ("env", 35), ("envFrom", 0), ("image", 0), ("imagePullPolicy", 0), ("lifecycle", 0), ("livenessProbe", 0), ("name", 0), ("ports", 0), ("readinessProbe", 0), ("resources", 0), ("securityContext", 0), ("startupProbe", 0), ("stdin", 0), ("stdinOnce", 0), ("targetContainerName", 0), ("terminationMessagePath", 0), ("terminationMessagePolicy", 0), ("tty", 0), ("volumeDevices", 36), ("volumeMounts", 37), ("workingDir", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["devicePath"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["mountPath"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["ip"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[], additional: NONE, items: 28, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["topologyKey", "whenUnsatisfiable"] },
    SchemaNode { props: &[], additional: NONE, items: 43, strategy: "merge,retainKeys", keys: &["name"] },
    SchemaNode { props: &[("awsElasticBlockStore", 0), ("azureDisk", 0), ("azureFile", 0), ("cephfs", 0), ("cinder", 0), ("configMap", 0), ("csi", 0), ("downwardAPI", 0), ("emptyDir", 0), ("ephemeral", 44), ("fc", 0), ("flexVolume", 0), ("flocker", 0), ("gcePersistentDisk", 0), ("gitRepo", 0), ("glusterfs", 0), ("hostPath", 0), ("iscsi", 0), ("name", 0), ("nfs", 0), ("persistentVolumeClaim", 0), ("photonPersistentDisk", 0), ("portworxVolume", 0), ("projected", 0), ("quobyte", 0), ("rbd", 0), ("scaleIO", 0), ("secret", 0), ("storageos", 0), ("vsphereVolume", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("volumeClaimTemplate", 45)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("metadata", 2), ("spec", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("collisionCount", 0), ("conditions", 47), ("currentNumberScheduled", 0), ("desiredNumberScheduled", 0), ("numberAvailable", 0), ("numberMisscheduled", 0), ("numberReady", 0), ("numberUnavailable", 0), ("observedGeneration", 0), ("updatedNumberScheduled", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 49), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 23, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 51), ("status", 52)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("minReadySeconds", 0), ("paused", 0), ("progressDeadlineSeconds", 0), ("replicas", 0), ("revisionHistoryLimit", 0), ("selector", 0), ("strategy", 0), ("template", 25)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("availableReplicas", 0), ("collisionCount", 0), ("conditions", 53), ("observedGeneration", 0), ("readyReplicas", 0), ("replicas", 0), ("unavailableReplicas", 0), ("updatedReplicas", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 55), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 50, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 57), ("status", 58)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("minReadySeconds", 0), ("replicas", 0), ("selector", 0), ("template", 25)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("availableReplicas", 0), ("conditions", 59), ("fullyLabeledReplicas", 0), ("observedGeneration", 0), ("readyReplicas", 0), ("replicas", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 61), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 56, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 63), ("status", 68)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("podManagementPolicy", 0), ("replicas", 0), ("revisionHistoryLimit", 0), ("selector", 0), ("serviceName", 0), ("template", 25), ("updateStrategy", 0), ("volumeClaimTemplates", 64)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 65, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 66)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("accessModes", 0), ("capacity", 0), ("conditions", 67), ("phase", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("collisionCount", 0), ("conditions", 69), ("currentReplicas", 0), ("currentRevision", 0), ("observedGeneration", 0), ("readyReplicas", 0), ("replicas", 0), ("updateRevision", 0), ("updatedReplicas", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 71), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 62, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 85), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 83, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 89), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 87, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 92), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 90, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 94), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("concurrencyPolicy", 0), ("failedJobsHistoryLimit", 0), ("jobTemplate", 95), ("schedule", 0), ("startingDeadlineSeconds", 0), ("successfulJobsHistoryLimit", 0), ("suspend", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("metadata", 2), ("spec", 96)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("activeDeadlineSeconds", 0), ("backoffLimit", 0), ("completionMode", 0), ("completions", 0), ("manualSelector", 0), ("parallelism", 0), ("selector", 0), ("suspend", 0), ("template", 25), ("ttlSecondsAfterFinished", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 98), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 93, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 96), ("status", 100)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("active", 0), ("completedIndexes", 0), ("completionTime", 0), ("conditions", 101), ("failed", 0), ("startTime", 0), ("succeeded", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 103), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 99, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 105), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("concurrencyPolicy", 0), ("failedJobsHistoryLimit", 0), ("jobTemplate", 106), ("schedule", 0), ("startingDeadlineSeconds", 0), ("successfulJobsHistoryLimit", 0), ("suspend", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("metadata", 2), ("spec", 96)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 108), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 104, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 111), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 109, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 114), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 112, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 117), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 115, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 120), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 118, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("target", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("conditions", 123), ("kind", 0), ("metadata", 2)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 125), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 122, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("binaryData", 0), ("data", 0), ("immutable", 0), ("kind", 0), ("metadata", 2)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 128), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 126, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("subsets", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 131), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 129, strategy: "", keys: &[] },
    SchemaNode { props: &[("action", 0), ("apiVersion", 0), ("count", 0), ("eventTime", 0), ("firstTimestamp", 0), ("involvedObject", 0), ("kind", 0), ("lastTimestamp", 0), ("message", 0), ("metadata", 2), ("reason", 0), ("related", 0), ("reportingComponent", 0), ("reportingInstance", 0), ("series", 0), ("source", 0), ("type", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 134), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 132, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 137), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 135, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 139)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("conditions", 140), ("phase", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 142), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 138, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 144), ("status", 146)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("configSource", 0), ("externalID", 0), ("podCIDR", 0), ("podCIDRs", 145), ("providerID", 0), ("taints", 0), ("unschedulable", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &[] },
    SchemaNode { props: &[("addresses", 147), ("allocatable", 0), ("capacity", 0), ("conditions", 148), ("config", 0), ("daemonEndpoints", 0), ("images", 0), ("nodeInfo", 0), ("phase", 0), ("volumesAttached", 0), ("volumesInUse", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 150), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 143, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 153), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 65, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 155), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 151, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 26), ("status", 157)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("conditions", 158), ("containerStatuses", 0), ("ephemeralContainerStatuses", 0), ("hostIP", 0), ("initContainerStatuses", 0), ("message", 0), ("nominatedNodeName", 0), ("phase", 0), ("podIP", 0), ("podIPs", 159), ("qosClass", 0), ("reason", 0), ("startTime", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["ip"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 161), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 156, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("template", 25)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 164), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 162, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 166), ("status", 167)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("minReadySeconds", 0), ("replicas", 0), ("selector", 0), ("template", 25)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("availableReplicas", 0), ("conditions", 168), ("fullyLabeledReplicas", 0), ("observedGeneration", 0), ("readyReplicas", 0), ("replicas", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 170), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 165, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 173), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 171, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("data", 0), ("immutable", 0), ("kind", 0), ("metadata", 2), ("stringData", 0), ("type", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 176), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 174, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 178), ("status", 180)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("allocateLoadBalancerNodePorts", 0), ("clusterIP", 0), ("clusterIPs", 0), ("externalIPs", 0), ("externalName", 0), ("externalTrafficPolicy", 0), ("healthCheckNodePort", 0), ("internalTrafficPolicy", 0), ("ipFamilies", 0), ("ipFamilyPolicy", 0), ("loadBalancerClass", 0), ("loadBalancerIP", 0), ("loadBalancerSourceRanges", 0), ("ports", 179), ("publishNotReadyAddresses", 0), ("selector", 0), ("sessionAffinity", 0), ("sessionAffinityConfig", 0), ("topologyKeys", 0), ("type", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["port", "protocol"] },
    SchemaNode { props: &[("conditions", 181), ("loadBalancer", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("automountServiceAccountToken", 0), ("imagePullSecrets", 0), ("kind", 0), ("metadata", 2), ("secrets", 183)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 185), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 182, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 187), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 177, strategy: "", keys: &[] },
    SchemaNode { props: &[("addressType", 0), ("apiVersion", 0), ("endpoints", 0), ("kind", 0), ("metadata", 2), ("ports", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 190), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 188, strategy: "", keys: &[] },
    SchemaNode { props: &[("addressType", 0), ("apiVersion", 0), ("endpoints", 0), ("kind", 0), ("metadata", 2), ("ports", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 193), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 191, strategy: "", keys: &[] },
    SchemaNode { props: &[("action", 0), ("apiVersion", 0), ("deprecatedCount", 0), ("deprecatedFirstTimestamp", 0), ("deprecatedLastTimestamp", 0), ("deprecatedSource", 0), ("eventTime", 0), ("kind", 0), ("metadata", 2), ("note", 0), ("reason", 0), ("regarding", 0), ("related", 0), ("reportingController", 0), ("reportingInstance", 0), ("series", 0), ("type", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 196), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 194, strategy: "", keys: &[] },
    SchemaNode { props: &[("action", 0), ("apiVersion", 0), ("deprecatedCount", 0), ("deprecatedFirstTimestamp", 0), ("deprecatedLastTimestamp", 0), ("deprecatedSource", 0), ("eventTime", 0), ("kind", 0), ("metadata", 2), ("note", 0), ("reason", 0), ("regarding", 0), ("related", 0), ("reportingController", 0), ("reportingInstance", 0), ("series", 0), ("type", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 199), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 197, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 202), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 200, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 205), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 203, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 208), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 206, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 212), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 210, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 214), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 209, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 217), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 215, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 221), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 219, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 223), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 218, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("handler", 0), ("kind", 0), ("metadata", 2), ("overhead", 0), ("scheduling", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 226), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 224, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("handler", 0), ("kind", 0), ("metadata", 2), ("overhead", 0), ("scheduling", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 229), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 227, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 231)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("conditions", 232), ("currentHealthy", 0), ("desiredHealthy", 0), ("disruptedPods", 0), ("disruptionsAllowed", 0), ("expectedPods", 0), ("observedGeneration", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 234), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 230, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("deleteOptions", 0), ("kind", 0), ("metadata", 2)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 237)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("conditions", 238), ("currentHealthy", 0), ("desiredHealthy", 0), ("disruptedPods", 0), ("disruptionsAllowed", 0), ("expectedPods", 0), ("observedGeneration", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 240), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 236, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 243), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 241, strategy: "", keys: &[] },
    SchemaNode { props: &[("aggregationRule", 0), ("apiVersion", 0), ("kind", 0), ("metadata", 2), ("rules", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("roleRef", 0), ("subjects", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 247), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 245, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 249), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 244, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("rules", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("roleRef", 0), ("subjects", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 253), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 251, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 255), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 250, strategy: "", keys: &[] },
    SchemaNode { props: &[("aggregationRule", 0), ("apiVersion", 0), ("kind", 0), ("metadata", 2), ("rules", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("roleRef", 0), ("subjects", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 259), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 257, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 261), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 256, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("rules", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("roleRef", 0), ("subjects", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 265), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 263, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 267), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 262, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("description", 0), ("globalDefault", 0), ("kind", 0), ("metadata", 2), ("preemptionPolicy", 0), ("value", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 270), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 268, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("description", 0), ("globalDefault", 0), ("kind", 0), ("metadata", 2), ("preemptionPolicy", 0), ("value", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 273), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 271, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 276), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 274, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 278)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("drivers", 279)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 281), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 277, strategy: "", keys: &[] },
    SchemaNode { props: &[("allowVolumeExpansion", 0), ("allowedTopologies", 0), ("apiVersion", 0), ("kind", 0), ("metadata", 2), ("mountOptions", 0), ("parameters", 0), ("provisioner", 0), ("reclaimPolicy", 0), ("volumeBindingMode", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 284), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 282, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 287), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 285, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 290), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 288, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 292)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("drivers", 293)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["name"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 295), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 291, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("capacity", 0), ("kind", 0), ("maximumVolumeSize", 0), ("metadata", 2), ("nodeTopology", 0), ("storageClassName", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 298), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 296, strategy: "", keys: &["name"] },
    SchemaNode { props: &[("allowVolumeExpansion", 0), ("allowedTopologies", 0), ("apiVersion", 0), ("kind", 0), ("metadata", 2), ("mountOptions", 0), ("parameters", 0), ("provisioner", 0), ("reclaimPolicy", 0), ("volumeBindingMode", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 301), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 299, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 304), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 302, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 307), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 305, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 310), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 308, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 312)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("conditions", 313)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 315), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 311, strategy: "", keys: &[] },
    SchemaNode { props: &[("apiVersion", 0), ("kind", 0), ("metadata", 2), ("spec", 0), ("status", 317)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[("conditions", 318)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 0, strategy: "merge", keys: &["type"] },
    SchemaNode { props: &[("apiVersion", 0), ("items", 320), ("kind", 0), ("metadata", 0)], additional: NONE, items: NONE, strategy: "", keys: &[] },
    SchemaNode { props: &[], additional: NONE, items: 316, strategy: "", keys: &[] },
];
#[rustfmt::skip]
static GVKS: &[(&str, &str, u16)] = &[
    ("admission.k8s.io/v1", "DeleteOptions", 0),
    ("admission.k8s.io/v1", "WatchEvent", 0),
    ("admission.k8s.io/v1beta1", "DeleteOptions", 0),
    ("admission.k8s.io/v1beta1", "WatchEvent", 0),
    ("admissionregistration.k8s.io/v1", "DeleteOptions", 0),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", 1),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfigurationList", 6),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", 8),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfigurationList", 10),
    ("admissionregistration.k8s.io/v1", "WatchEvent", 0),
    ("admissionregistration.k8s.io/v1beta1", "DeleteOptions", 0),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", 12),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfigurationList", 14),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", 16),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfigurationList", 18),
    ("admissionregistration.k8s.io/v1beta1", "WatchEvent", 0),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition", 305),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinitionList", 306),
    ("apiextensions.k8s.io/v1", "DeleteOptions", 0),
    ("apiextensions.k8s.io/v1", "WatchEvent", 0),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", 308),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinitionList", 309),
    ("apiextensions.k8s.io/v1beta1", "DeleteOptions", 0),
    ("apiextensions.k8s.io/v1beta1", "WatchEvent", 0),
    ("apiregistration.k8s.io/v1", "APIService", 311),
    ("apiregistration.k8s.io/v1", "APIServiceList", 314),
    ("apiregistration.k8s.io/v1", "DeleteOptions", 0),
    ("apiregistration.k8s.io/v1", "WatchEvent", 0),
    ("apiregistration.k8s.io/v1beta1", "APIService", 316),
    ("apiregistration.k8s.io/v1beta1", "APIServiceList", 319),
    ("apiregistration.k8s.io/v1beta1", "DeleteOptions", 0),
    ("apiregistration.k8s.io/v1beta1", "WatchEvent", 0),
    ("apps/v1", "ControllerRevision", 20),
    ("apps/v1", "ControllerRevisionList", 21),
    ("apps/v1", "DaemonSet", 23),
    ("apps/v1", "DaemonSetList", 48),
    ("apps/v1", "DeleteOptions", 0),
    ("apps/v1", "Deployment", 50),
    ("apps/v1", "DeploymentList", 54),
    ("apps/v1", "ReplicaSet", 56),
    ("apps/v1", "ReplicaSetList", 60),
    ("apps/v1", "StatefulSet", 62),
    ("apps/v1", "StatefulSetList", 70),
    ("apps/v1", "WatchEvent", 0),
    ("apps/v1beta1", "DeleteOptions", 0),
    ("apps/v1beta1", "WatchEvent", 0),
    ("apps/v1beta2", "DeleteOptions", 0),
    ("apps/v1beta2", "WatchEvent", 0),
    ("authentication.k8s.io/v1", "DeleteOptions", 0),
    ("authentication.k8s.io/v1", "TokenRequest", 72),
    ("authentication.k8s.io/v1", "TokenReview", 73),
    ("authentication.k8s.io/v1", "WatchEvent", 0),
    ("authentication.k8s.io/v1beta1", "DeleteOptions", 0),
    ("authentication.k8s.io/v1beta1", "TokenReview", 74),
    ("authentication.k8s.io/v1beta1", "WatchEvent", 0),
    ("authorization.k8s.io/v1", "DeleteOptions", 0),
    ("authorization.k8s.io/v1", "LocalSubjectAccessReview", 75),
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview", 76),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview", 77),
    ("authorization.k8s.io/v1", "SubjectAccessReview", 78),
    ("authorization.k8s.io/v1", "WatchEvent", 0),
    ("authorization.k8s.io/v1beta1", "DeleteOptions", 0),
    ("authorization.k8s.io/v1beta1", "LocalSubjectAccessReview", 79),
    ("authorization.k8s.io/v1beta1", "SelfSubjectAccessReview", 80),
    ("authorization.k8s.io/v1beta1", "SelfSubjectRulesReview", 81),
    ("authorization.k8s.io/v1beta1", "SubjectAccessReview", 82),
    ("authorization.k8s.io/v1beta1", "WatchEvent", 0),
    ("autoscaling/v1", "DeleteOptions", 0),
    ("autoscaling/v1", "HorizontalPodAutoscaler", 83),
    ("autoscaling/v1", "HorizontalPodAutoscalerList", 84),
    ("autoscaling/v1", "Scale", 86),
    ("autoscaling/v1", "WatchEvent", 0),
    ("autoscaling/v2beta1", "DeleteOptions", 0),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", 87),
    ("autoscaling/v2beta1", "HorizontalPodAutoscalerList", 88),
    ("autoscaling/v2beta1", "WatchEvent", 0),
    ("autoscaling/v2beta2", "DeleteOptions", 0),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", 90),
    ("autoscaling/v2beta2", "HorizontalPodAutoscalerList", 91),
    ("autoscaling/v2beta2", "WatchEvent", 0),
    ("batch/v1", "CronJob", 93),
    ("batch/v1", "CronJobList", 97),
    ("batch/v1", "DeleteOptions", 0),
    ("batch/v1", "Job", 99),
    ("batch/v1", "JobList", 102),
    ("batch/v1", "WatchEvent", 0),
    ("batch/v1beta1", "CronJob", 104),
    ("batch/v1beta1", "CronJobList", 107),
    ("batch/v1beta1", "DeleteOptions", 0),
    ("batch/v1beta1", "WatchEvent", 0),
    ("certificates.k8s.io/v1", "CertificateSigningRequest", 109),
    ("certificates.k8s.io/v1", "CertificateSigningRequestList", 110),
    ("certificates.k8s.io/v1", "DeleteOptions", 0),
    ("certificates.k8s.io/v1", "WatchEvent", 0),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest", 112),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequestList", 113),
    ("certificates.k8s.io/v1beta1", "DeleteOptions", 0),
    ("certificates.k8s.io/v1beta1", "WatchEvent", 0),
    ("coordination.k8s.io/v1", "DeleteOptions", 0),
    ("coordination.k8s.io/v1", "Lease", 115),
    ("coordination.k8s.io/v1", "LeaseList", 116),
    ("coordination.k8s.io/v1", "WatchEvent", 0),
    ("coordination.k8s.io/v1beta1", "DeleteOptions", 0),
    ("coordination.k8s.io/v1beta1", "Lease", 118),
    ("coordination.k8s.io/v1beta1", "LeaseList", 119),
    ("coordination.k8s.io/v1beta1", "WatchEvent", 0),
    ("discovery.k8s.io/v1", "DeleteOptions", 0),
    ("discovery.k8s.io/v1", "EndpointSlice", 188),
    ("discovery.k8s.io/v1", "EndpointSliceList", 189),
    ("discovery.k8s.io/v1", "WatchEvent", 0),
    ("discovery.k8s.io/v1beta1", "DeleteOptions", 0),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", 191),
    ("discovery.k8s.io/v1beta1", "EndpointSliceList", 192),
    ("discovery.k8s.io/v1beta1", "WatchEvent", 0),
    ("events.k8s.io/v1", "DeleteOptions", 0),
    ("events.k8s.io/v1", "Event", 194),
    ("events.k8s.io/v1", "EventList", 195),
    ("events.k8s.io/v1", "WatchEvent", 0),
    ("events.k8s.io/v1beta1", "DeleteOptions", 0),
    ("events.k8s.io/v1beta1", "Event", 197),
    ("events.k8s.io/v1beta1", "EventList", 198),
    ("events.k8s.io/v1beta1", "WatchEvent", 0),
    ("extensions/v1beta1", "DeleteOptions", 0),
    ("extensions/v1beta1", "Ingress", 200),
    ("extensions/v1beta1", "IngressList", 201),
    ("extensions/v1beta1", "WatchEvent", 0),
    ("flowcontrol.apiserver.k8s.io/v1alpha1", "DeleteOptions", 0),
    ("flowcontrol.apiserver.k8s.io/v1alpha1", "WatchEvent", 0),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "DeleteOptions", 0),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", 203),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchemaList", 204),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", 206),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfigurationList", 207),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "WatchEvent", 0),
    ("imagepolicy.k8s.io/v1alpha1", "DeleteOptions", 0),
    ("imagepolicy.k8s.io/v1alpha1", "WatchEvent", 0),
    ("internal.apiserver.k8s.io/v1alpha1", "DeleteOptions", 0),
    ("internal.apiserver.k8s.io/v1alpha1", "WatchEvent", 0),
    ("networking.k8s.io/v1", "DeleteOptions", 0),
    ("networking.k8s.io/v1", "Ingress", 209),
    ("networking.k8s.io/v1", "IngressClass", 210),
    ("networking.k8s.io/v1", "IngressClassList", 211),
    ("networking.k8s.io/v1", "IngressList", 213),
    ("networking.k8s.io/v1", "NetworkPolicy", 215),
    ("networking.k8s.io/v1", "NetworkPolicyList", 216),
    ("networking.k8s.io/v1", "WatchEvent", 0),
    ("networking.k8s.io/v1beta1", "DeleteOptions", 0),
    ("networking.k8s.io/v1beta1", "Ingress", 218),
    ("networking.k8s.io/v1beta1", "IngressClass", 219),
    ("networking.k8s.io/v1beta1", "IngressClassList", 220),
    ("networking.k8s.io/v1beta1", "IngressList", 222),
    ("networking.k8s.io/v1beta1", "WatchEvent", 0),
    ("node.k8s.io/v1", "DeleteOptions", 0),
    ("node.k8s.io/v1", "RuntimeClass", 224),
    ("node.k8s.io/v1", "RuntimeClassList", 225),
    ("node.k8s.io/v1", "WatchEvent", 0),
    ("node.k8s.io/v1alpha1", "DeleteOptions", 0),
    ("node.k8s.io/v1alpha1", "WatchEvent", 0),
    ("node.k8s.io/v1beta1", "DeleteOptions", 0),
    ("node.k8s.io/v1beta1", "RuntimeClass", 227),
    ("node.k8s.io/v1beta1", "RuntimeClassList", 228),
    ("node.k8s.io/v1beta1", "WatchEvent", 0),
    ("policy/v1", "DeleteOptions", 0),
    ("policy/v1", "PodDisruptionBudget", 230),
    ("policy/v1", "PodDisruptionBudgetList", 233),
    ("policy/v1", "WatchEvent", 0),
    ("policy/v1beta1", "DeleteOptions", 0),
    ("policy/v1beta1", "Eviction", 235),
    ("policy/v1beta1", "PodDisruptionBudget", 236),
    ("policy/v1beta1", "PodDisruptionBudgetList", 239),
    ("policy/v1beta1", "PodSecurityPolicy", 241),
    ("policy/v1beta1", "PodSecurityPolicyList", 242),
    ("policy/v1beta1", "WatchEvent", 0),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", 244),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", 245),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBindingList", 246),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleList", 248),
    ("rbac.authorization.k8s.io/v1", "DeleteOptions", 0),
    ("rbac.authorization.k8s.io/v1", "Role", 250),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", 251),
    ("rbac.authorization.k8s.io/v1", "RoleBindingList", 252),
    ("rbac.authorization.k8s.io/v1", "RoleList", 254),
    ("rbac.authorization.k8s.io/v1", "WatchEvent", 0),
    ("rbac.authorization.k8s.io/v1alpha1", "DeleteOptions", 0),
    ("rbac.authorization.k8s.io/v1alpha1", "WatchEvent", 0),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", 256),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", 257),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBindingList", 258),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleList", 260),
    ("rbac.authorization.k8s.io/v1beta1", "DeleteOptions", 0),
    ("rbac.authorization.k8s.io/v1beta1", "Role", 262),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", 263),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBindingList", 264),
    ("rbac.authorization.k8s.io/v1beta1", "RoleList", 266),
    ("rbac.authorization.k8s.io/v1beta1", "WatchEvent", 0),
    ("scheduling.k8s.io/v1", "DeleteOptions", 0),
    ("scheduling.k8s.io/v1", "PriorityClass", 268),
    ("scheduling.k8s.io/v1", "PriorityClassList", 269),
    ("scheduling.k8s.io/v1", "WatchEvent", 0),
    ("scheduling.k8s.io/v1alpha1", "DeleteOptions", 0),
    ("scheduling.k8s.io/v1alpha1", "WatchEvent", 0),
    ("scheduling.k8s.io/v1beta1", "DeleteOptions", 0),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", 271),
    ("scheduling.k8s.io/v1beta1", "PriorityClassList", 272),
    ("scheduling.k8s.io/v1beta1", "WatchEvent", 0),
    ("storage.k8s.io/v1", "CSIDriver", 274),
    ("storage.k8s.io/v1", "CSIDriverList", 275),
    ("storage.k8s.io/v1", "CSINode", 277),
    ("storage.k8s.io/v1", "CSINodeList", 280),
    ("storage.k8s.io/v1", "DeleteOptions", 0),
    ("storage.k8s.io/v1", "StorageClass", 282),
    ("storage.k8s.io/v1", "StorageClassList", 283),
    ("storage.k8s.io/v1", "VolumeAttachment", 285),
    ("storage.k8s.io/v1", "VolumeAttachmentList", 286),
    ("storage.k8s.io/v1", "WatchEvent", 0),
    ("storage.k8s.io/v1alpha1", "DeleteOptions", 0),
    ("storage.k8s.io/v1alpha1", "WatchEvent", 0),
    ("storage.k8s.io/v1beta1", "CSIDriver", 288),
    ("storage.k8s.io/v1beta1", "CSIDriverList", 289),
    ("storage.k8s.io/v1beta1", "CSINode", 291),
    ("storage.k8s.io/v1beta1", "CSINodeList", 294),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", 296),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacityList", 297),
    ("storage.k8s.io/v1beta1", "DeleteOptions", 0),
    ("storage.k8s.io/v1beta1", "StorageClass", 299),
    ("storage.k8s.io/v1beta1", "StorageClassList", 300),
    ("storage.k8s.io/v1beta1", "VolumeAttachment", 302),
    ("storage.k8s.io/v1beta1", "VolumeAttachmentList", 303),
    ("storage.k8s.io/v1beta1", "WatchEvent", 0),
    ("v1", "APIGroup", 0),
    ("v1", "APIGroupList", 0),
    ("v1", "APIResourceList", 0),
    ("v1", "APIVersions", 0),
    ("v1", "Binding", 121),
    ("v1", "ComponentStatus", 122),
    ("v1", "ComponentStatusList", 124),
    ("v1", "ConfigMap", 126),
    ("v1", "ConfigMapList", 127),
    ("v1", "DeleteOptions", 0),
    ("v1", "Endpoints", 129),
    ("v1", "EndpointsList", 130),
    ("v1", "Event", 132),
    ("v1", "EventList", 133),
    ("v1", "LimitRange", 135),
    ("v1", "LimitRangeList", 136),
    ("v1", "Namespace", 138),
    ("v1", "NamespaceList", 141),
    ("v1", "Node", 143),
    ("v1", "NodeList", 149),
    ("v1", "PersistentVolume", 151),
    ("v1", "PersistentVolumeClaim", 65),
    ("v1", "PersistentVolumeClaimList", 152),
    ("v1", "PersistentVolumeList", 154),
    ("v1", "Pod", 156),
    ("v1", "PodList", 160),
    ("v1", "PodTemplate", 162),
    ("v1", "PodTemplateList", 163),
    ("v1", "ReplicationController", 165),
    ("v1", "ReplicationControllerList", 169),
    ("v1", "ResourceQuota", 171),
    ("v1", "ResourceQuotaList", 172),
    ("v1", "Secret", 174),
    ("v1", "SecretList", 175),
    ("v1", "Service", 177),
    ("v1", "ServiceAccount", 182),
    ("v1", "ServiceAccountList", 184),
    ("v1", "ServiceList", 186),
    ("v1", "Status", 0),
    ("v1", "WatchEvent", 0),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    fn merged(target: &str, patch: &str) -> Option<Value> {
        let t = parse_one(target).unwrap();
        let p = parse_one(patch).unwrap();
        strategic_merge_opt(t, &p).unwrap()
    }

    fn names(v: &Value, path: &[&str], key: &str) -> Vec<String> {
        v.get_path(path)
            .and_then(Value::as_seq)
            .unwrap()
            .iter()
            .map(|e| node_text(e.get(key).unwrap_or(&Value::Null)))
            .collect()
    }

    const DEP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  creationTimestamp: null\n  finalizers: [x, y]\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: a:1\n        env:\n        - {name: X, value: \"1\"}\n        ports:\n        - containerPort: 80\n        - {containerPort: 90, protocol: UDP}\n      - name: c\n        image: c:1\n      volumes:\n      - {name: v1, emptyDir: {}}\n      - {name: v2, emptyDir: {}}\n      tolerations:\n      - key: k\n";

    // Checked against kubectl kustomize (kustomize v5.8.1).
    #[test]
    fn containers_env_ports_volumes_finalizers() {
        let p = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  finalizers: [z, x]\nspec:\n  template:\n    spec:\n      $setElementOrder/containers:\n      - name: c\n      - name: a\n      containers:\n      - {name: b, image: b:1}\n      - name: a\n        env:\n        - {name: \"Y\", value: \"2\"}\n        ports:\n        - containerPort: 70\n      volumes:\n      - {name: v3, emptyDir: {}}\n      newfield: null\n";
        let r = merged(DEP, p).unwrap();
        let ps = ["spec", "template", "spec"];
        assert_eq!(
            names(&r, &[&ps[..], &["containers"]].concat(), "name"),
            ["b", "a", "c"]
        );
        let a = &r
            .get_path(&ps)
            .unwrap()
            .get("containers")
            .unwrap()
            .as_seq()
            .unwrap()[1];
        assert_eq!(names(a, &["env"], "name"), ["Y", "X"]);
        assert_eq!(names(a, &["ports"], "containerPort"), ["70", "80", "90"]);
        assert_eq!(a.str_at(&["image"]), Some("a:1"));
        assert_eq!(
            names(&r, &[&ps[..], &["volumes"]].concat(), "name"),
            ["v3", "v1", "v2"]
        );
        let fins: Vec<String> = r
            .get_path(&["metadata", "finalizers"])
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .map(node_text)
            .collect();
        assert_eq!(fins, ["z", "x", "y"]);
        // Not directives for kustomize: copied as fields.
        assert!(r
            .get_path(&["spec", "template", "spec", "$setElementOrder/containers"])
            .is_some());
        assert!(r
            .get_path(&["spec", "template", "spec", "newfield"])
            .is_none());
        // Target nulls stay.
        assert_eq!(
            r.get_path(&["metadata", "creationTimestamp"]),
            Some(&Value::Null)
        );
        assert!(r
            .get_path(&["spec", "template", "spec", "tolerations"])
            .is_some());
    }

    #[test]
    fn service_ports_two_keys_quirk() {
        let t = "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  labels: {keep: \"1\", nul: null}\nspec:\n  ports:\n  - {port: 80, name: http}\n  - {port: 443, name: https, protocol: TCP}\n  extra: null\n";
        let p = "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports:\n  - {port: 443, targetPort: 8443}\n  - {port: 8080, protocol: UDP}\n";
        let r = merged(t, p).unwrap();
        assert_eq!(names(&r, &["spec", "ports"], "port"), ["8080", "80", "443"]);
        // kustomize loses targetPort here (the patch item has no protocol).
        let ports = r.get_path(&["spec", "ports"]).unwrap().as_seq().unwrap();
        assert!(ports[2].get("targetPort").is_none());
        assert_eq!(r.get_path(&["spec", "extra"]), Some(&Value::Null));
        assert_eq!(
            r.get_path(&["metadata", "labels", "nul"]),
            Some(&Value::Null)
        );
    }

    #[test]
    fn custom_kind_lists_replaced_nested_kind_merged() {
        let t = "apiVersion: example.com/v1\nkind: Foo\nmetadata: {name: foo}\nspec:\n  items:\n  - {name: a, v: 1}\n  - {name: b, v: 2}\n  nested:\n    apiVersion: apps/v1\n    kind: Deployment\n    spec:\n      template:\n        spec:\n          containers:\n          - {name: a, image: x}\n";
        let p = "apiVersion: example.com/v1\nkind: Foo\nmetadata: {name: foo}\nspec:\n  items:\n  - {name: a, v: 3}\n  nested:\n    spec:\n      template:\n        spec:\n          containers:\n          - {name: b, image: y}\n";
        let r = merged(t, p).unwrap();
        assert_eq!(names(&r, &["spec", "items"], "name"), ["a"]);
        assert_eq!(
            names(
                &r,
                &["spec", "nested", "spec", "template", "spec", "containers"],
                "name"
            ),
            ["b", "a"]
        );
    }

    #[test]
    fn item_directives() {
        let t = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: a\n        envFrom:\n        - configMapRef: {name: c1}\n      - {name: b, image: b}\n      - {name: c, image: c}\n";
        let p = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: c, $patch: delete}\n      - name: a\n        envFrom:\n        - secretRef: {name: s1}\n        $patch: replace\n      - {name: z, $patch: replace, image: z}\n";
        let r = merged(t, p).unwrap();
        let path = ["spec", "template", "spec", "containers"];
        assert_eq!(names(&r, &path, "name"), ["a", "z", "b"]);
        let a = &r.get_path(&path).unwrap().as_seq().unwrap()[0];
        // `$patch: replace` on an item has no effect in kustomize.
        assert_eq!(a.str_at(&["image"]), Some("a"));
        let z = &r.get_path(&path).unwrap().as_seq().unwrap()[1];
        assert!(z.get("$patch").is_none());
    }

    #[test]
    fn map_and_list_directives() {
        let t = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  finalizers: [a, b, c]\nspec:\n  selector:\n    matchLabels: {app: d}\n  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 1}\n  template:\n    metadata:\n      annotations: {x: \"1\"}\n    spec:\n      containers:\n      - {name: a, image: a}\n      - {name: b, image: b}\n      initContainers:\n      - {name: i1, image: i}\n";
        let p = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  $deleteFromPrimitiveList/finalizers: [b]\nspec:\n  selector:\n    $patch: replace\n    matchLabels: {app: e}\n  strategy:\n    $retainKeys: [type]\n    type: Recreate\n  newmap:\n    a: null\n    b: 1\n    c: {}\n    d: []\n  template:\n    metadata:\n      annotations:\n        $patch: delete\n    spec:\n      containers:\n      - $patch: replace\n      - {name: q, image: q}\n      initContainers:\n      - $patch: delete\n";
        let r = merged(t, p).unwrap();
        assert_eq!(
            r.get_path(&["metadata", "finalizers"])
                .unwrap()
                .as_seq()
                .unwrap()
                .len(),
            3
        );
        assert!(r
            .get_path(&["metadata", "$deleteFromPrimitiveList/finalizers"])
            .is_some());
        assert_eq!(
            r.str_at(&["spec", "selector", "matchLabels", "app"]),
            Some("e")
        );
        assert!(r.get_path(&["spec", "strategy", "rollingUpdate"]).is_some());
        assert_eq!(r.str_at(&["spec", "strategy", "type"]), Some("Recreate"));
        let nm = r.get_path(&["spec", "newmap"]).unwrap().as_map().unwrap();
        assert_eq!(nm.keys().collect::<Vec<_>>(), ["b", "c", "d"]);
        assert_eq!(
            r.get_path(&["spec", "template", "metadata"]),
            Some(&Value::new_map())
        );
        assert_eq!(
            names(&r, &["spec", "template", "spec", "containers"], "name"),
            ["q"]
        );
        assert!(r
            .get_path(&["spec", "template", "spec", "initContainers"])
            .is_none());
    }

    #[test]
    fn top_level_delete() {
        let t = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: \"1\"}\n";
        assert!(merged(
            t,
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n$patch: delete\n"
        )
        .is_none());
        let mut v = parse_one(t).unwrap();
        strategic_merge(&mut v, &parse_one("$patch: delete").unwrap()).unwrap();
        assert!(v.is_null());
    }

    #[test]
    fn schema_lookup() {
        assert_eq!(
            list_merge_keys(
                "apps/v1",
                "Deployment",
                &["spec", "template", "spec", "containers", "ports"]
            ),
            Some(vec!["containerPort".to_string(), "protocol".to_string()])
        );
        assert_eq!(
            list_merge_keys(
                "apps/v1",
                "Deployment",
                &["spec", "template", "spec", "tolerations"]
            ),
            None
        );
        assert_eq!(
            list_merge_keys("rbac.authorization.k8s.io/v1", "Role", &["rules"]),
            None
        );
        assert_eq!(
            list_merge_keys("example.com/v1", "Foo", &["spec", "containers"]),
            None
        );
    }

    #[test]
    fn kind_mismatch_is_an_error() {
        let t = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: \"1\"}\n";
        let p = parse_one("data: [1]").unwrap();
        assert!(strategic_merge_opt(parse_one(t).unwrap(), &p).is_err());
    }
}
