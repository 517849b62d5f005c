//! `vars`: `$(NAME)` references resolved from object fields at the end of
//! the build.
//!
//! Facts (checked against `kubectl kustomize`, kustomize v5.8.1):
//! - A var names an object by `objref` (`apiVersion` or `group`/`version`,
//!   `kind`, `name`, optional `namespace`) and a field by
//!   `fieldref.fieldPath` (default `metadata.name`; `ports[0]` indexes a
//!   list). The object is found by its *original* id; the gvk must match
//!   exactly (an objref without `apiVersion` matches no `v1` object); the
//!   namespace counts only when the objref gives one.
//! - The value is read from the object as it is at the end of the build
//!   (prefixes, namespaces and hash suffixes applied).
//! - A var that matches no object: "var '...' cannot be mapped to a field
//!   in the set of known resources"; a missing field: "field specified in
//!   var '...' not found in corresponding resource"; the same name twice:
//!   "var 'N' already encountered".
//! - Only string fields on the var-reference paths are expanded. A string
//!   that is exactly `$(N)` takes the value's type (int, float, bool); in
//!   a longer string the value is printed as Go's `%v`. `$$` is a literal
//!   `$`; undefined names and mapping/list values stay `$(N)`.
//! - On a var-reference path that ends at a list, every item must be a
//!   string ("invalid value type expect a string").

use super::fieldspec::{FieldSpec, TransformerConfig};
use crate::resource::{split_api_version, Resource};
use crate::yaml::Value;

/// The hidden key [`bind`] adds to a var declaration: the id (`group`,
/// `version`, `kind`, `namespace`, `name`) its object had when the
/// declaring kustomization finished, or an empty mapping when no object
/// matched there.
pub const BOUND_KEY: &str = "_boundTo";

/// Binds one kustomization's `vars` to objects of *that* kustomization's
/// result, as kustomize does (it matches by original id among the
/// resources accumulated so far, so a base's var cannot see a same-named
/// object of a sibling base). Call it after the kustomization's
/// transformers and accumulate the returned values instead of the raw
/// `vars`; [`resolve`] then uses the binding. Unbound (raw) entries are
/// matched at resolve time against the whole result.
pub fn bind(res: &[Resource], vars: &[Value]) -> Result<Vec<Value>, String> {
    let mut out = Vec::with_capacity(vars.len());
    for (i, v) in vars.iter().enumerate() {
        let var = parse_var(v, i)?;
        if var.bound.is_some() {
            out.push(v.clone());
            continue;
        }
        let matched: Vec<&Resource> = res.iter().filter(|r| var.matches_original(r)).collect();
        if matched.len() > 1 {
            return Err(format!(
                "found {} resId matches for var {} (unable to disambiguate)",
                matched.len(),
                var.describe()
            ));
        }
        let mut id = crate::yaml::Mapping::new();
        if let Some(r) = matched.first() {
            for (k, val) in [
                ("group", r.group()),
                ("version", r.version()),
                ("kind", r.kind()),
                ("namespace", r.namespace()),
                ("name", r.name()),
            ] {
                id.insert(k.to_string(), Value::from(val));
            }
        }
        let mut m = v.as_map().cloned().unwrap_or_default();
        m.insert(BOUND_KEY.to_string(), Value::Map(id));
        out.push(Value::Map(m));
    }
    Ok(out)
}

/// Resolves the accumulated var declarations in every var-reference field.
pub fn resolve(
    res: &mut [Resource],
    vars: &[Value],
    cfg: &TransformerConfig,
) -> Result<(), String> {
    resolve_report(res, vars, cfg).map(|_| ())
}

/// Like [`resolve`], returning the names of vars that were never used
/// (kustomize logs them as "well-defined vars that were never replaced").
pub fn resolve_report(
    res: &mut [Resource],
    vars: &[Value],
    cfg: &TransformerConfig,
) -> Result<Vec<String>, String> {
    let mut parsed: Vec<Var> = Vec::new();
    for (i, v) in vars.iter().enumerate() {
        let var = parse_var(v, i)?;
        if parsed.iter().any(|p| p.name == var.name) {
            return Err(format!("var '{}' already encountered", var.name));
        }
        parsed.push(var);
    }
    if parsed.is_empty() {
        return Ok(Vec::new());
    }
    parsed.sort_by(|a, b| a.name.cmp(&b.name));

    let mut values: Vec<(String, Value)> = Vec::new();
    for var in &parsed {
        let matched: Vec<usize> = res
            .iter()
            .enumerate()
            .filter(|(_, r)| match &var.bound {
                Some(b) => b.is_some_and_had(r),
                None => var.matches_original(r),
            })
            .map(|(i, _)| i)
            .collect();
        if matched.len() > 1 {
            return Err(format!(
                "found {} resId matches for var {} (unable to disambiguate)",
                matched.len(),
                var.describe()
            ));
        }
        let Some(&ri) = matched.first() else {
            return Err(format!(
                "var '{}' cannot be mapped to a field in the set of known resources",
                var.describe()
            ));
        };
        let v = get_field_value(&res[ri].obj, &var.field_path).ok_or_else(|| {
            format!(
                "field specified in var '{}' not found in corresponding resource",
                var.describe()
            )
        })?;
        values.push((var.name.clone(), v));
    }

    let specs = var_reference_specs(cfg);
    let mut used = vec![false; values.len()];
    for r in res.iter_mut() {
        let (group, version, kind) = (
            r.group().to_string(),
            r.version().to_string(),
            r.kind().to_string(),
        );
        for fs in &specs {
            if !spec_applies(fs, &group, &version, &kind) {
                continue;
            }
            let parts = split_fs_path(&fs.path);
            walk(&mut r.obj, &parts, &values, &mut used)?;
        }
    }
    Ok(values
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|((n, _), _)| n.clone())
        .collect())
}

/// The id a var was bound to; `None` inside when nothing matched.
struct Bound(Option<(String, String, String, String, String)>);

impl Bound {
    /// Whether the resource has (or had) the bound id.
    fn is_some_and_had(&self, r: &Resource) -> bool {
        let Some((g, v, k, ns, name)) = &self.0 else {
            return false;
        };
        if r.group() != g || r.version() != v || r.kind() != k {
            return false;
        }
        (r.namespace() == ns && r.name() == name)
            || r.previous
                .iter()
                .any(|(pns, pname)| pns == ns && pname == name)
    }
}

struct Var {
    bound: Option<Bound>,
    name: String,
    group: String,
    version: String,
    kind: String,
    obj_name: String,
    namespace: String,
    field_path: String,
}

impl Var {
    /// kustomize's `{NAME Kind.version.group {fieldPath}}`.
    fn describe(&self) -> String {
        format!(
            "{{{} {} {{{}}}}}",
            self.name,
            crate::resource::gvk_message(&self.kind, &self.version, &self.group),
            self.field_path
        )
    }

    fn matches_original(&self, r: &Resource) -> bool {
        if r.group() != self.group || r.version() != self.version || r.kind() != self.kind {
            return false;
        }
        let (ons, oname) = r.original_ns_name();
        if oname != self.obj_name {
            return false;
        }
        if self.namespace.is_empty() && !r.is_cluster_scoped() {
            return true;
        }
        if r.is_cluster_scoped() {
            return true;
        }
        let eff = |s: &str| {
            if s.is_empty() {
                "default".to_string()
            } else {
                s.to_string()
            }
        };
        eff(&ons) == eff(&self.namespace)
    }
}

fn str_of(m: Option<&Value>) -> String {
    match m {
        None | Some(Value::Null) | Some(Value::Map(_)) | Some(Value::Seq(_)) => String::new(),
        Some(v) => v.scalar_string().unwrap_or_default(),
    }
}

fn parse_var(v: &Value, i: usize) -> Result<Var, String> {
    let v = &super::replacements::fold_field_names(v);
    let m = v
        .as_map()
        .ok_or_else(|| format!("vars[{i}] must be a mapping, found a {}", v.type_name()))?;
    for k in m.keys() {
        if !["name", "objref", "fieldref", BOUND_KEY].contains(&k.as_str()) {
            return Err(format!(
                "invalid Kustomization: json: unknown field \"{k}\""
            ));
        }
    }
    let name = str_of(m.get("name"));
    let objref = m.get("objref");
    let (mut group, mut version) = (
        str_of(objref.and_then(|o| o.get("group"))),
        str_of(objref.and_then(|o| o.get("version"))),
    );
    let av = str_of(objref.and_then(|o| o.get("apiVersion")));
    if !av.is_empty() {
        let (g, ver) = split_api_version(&av);
        group = g.to_string();
        version = ver.to_string();
    }
    let mut field_path = str_of(m.get("fieldref").and_then(|f| f.get("fieldPath")));
    if field_path.is_empty() {
        field_path = "metadata.name".into();
    }
    let bound = match m.get(BOUND_KEY) {
        None => None,
        Some(b) => {
            let get = |k: &str| str_of(b.get(k));
            Some(Bound(if b.as_map().is_some_and(|x| !x.is_empty()) {
                Some((
                    get("group"),
                    get("version"),
                    get("kind"),
                    get("namespace"),
                    get("name"),
                ))
            } else {
                None
            }))
        }
    };
    Ok(Var {
        bound,
        name,
        group,
        version,
        kind: str_of(objref.and_then(|o| o.get("kind"))),
        obj_name: str_of(objref.and_then(|o| o.get("name"))),
        namespace: str_of(objref.and_then(|o| o.get("namespace"))),
        field_path,
    })
}

/// kyaml's `GetFieldValue` path: dot-separated, `[k=v]` entries, `x[0]`
/// list indexes.
fn get_field_value(obj: &Value, path: &str) -> Option<Value> {
    let mut parts: Vec<String> = Vec::new();
    for p in super::replacements::split_path(path) {
        // `ports[0]` -> `ports`, `0`
        if !p.starts_with('[') && p.ends_with(']') {
            if let Some(open) = p.find('[') {
                let idx = &p[open + 1..p.len() - 1];
                if !idx.is_empty() && idx.bytes().all(|b| b.is_ascii_digit()) {
                    parts.push(p[..open].to_string());
                    parts.push(idx.to_string());
                    continue;
                }
            }
        }
        parts.push(p);
    }
    let mut cur = obj;
    for p in &parts {
        cur = match cur {
            Value::Map(m) => m.get(p.as_str())?,
            Value::Seq(items) => {
                if let Some(inner) = p.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
                    let (k, v) = inner.split_once('=')?;
                    items.iter().find(|el| {
                        if k.is_empty() {
                            el.scalar_string().as_deref() == Some(v)
                        } else {
                            el.get(k).and_then(Value::scalar_string).as_deref() == Some(v)
                        }
                    })?
                } else {
                    items.get(p.parse::<usize>().ok()?)?
                }
            }
            _ => return None,
        };
    }
    match cur {
        Value::Null => None,
        other => Some(other.clone()),
    }
}

// ------------------------------------------------------------ field specs

/// kustomize's built-in `varReference` field specs (kind, path).
const BUILTIN: &[(&str, &str)] = &[
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/args",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/command",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/env/value",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/volumeMounts/mountPath",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/args",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/command",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/env/value",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    (
        "CronJob",
        "spec/jobTemplate/spec/template/volumes/nfs/server",
    ),
    ("DaemonSet", "spec/template/spec/containers/args"),
    ("DaemonSet", "spec/template/spec/containers/command"),
    ("DaemonSet", "spec/template/spec/containers/env/value"),
    (
        "DaemonSet",
        "spec/template/spec/containers/volumeMounts/mountPath",
    ),
    ("DaemonSet", "spec/template/spec/initContainers/args"),
    ("DaemonSet", "spec/template/spec/initContainers/command"),
    ("DaemonSet", "spec/template/spec/initContainers/env/value"),
    (
        "DaemonSet",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    ("DaemonSet", "spec/template/spec/volumes/nfs/server"),
    ("Deployment", "spec/template/spec/containers/args"),
    ("Deployment", "spec/template/spec/containers/command"),
    ("Deployment", "spec/template/spec/containers/env/value"),
    (
        "Deployment",
        "spec/template/spec/containers/volumeMounts/mountPath",
    ),
    ("Deployment", "spec/template/spec/initContainers/args"),
    ("Deployment", "spec/template/spec/initContainers/command"),
    ("Deployment", "spec/template/spec/initContainers/env/value"),
    (
        "Deployment",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    ("Deployment", "spec/template/spec/volumes/nfs/server"),
    ("Ingress", "spec/rules/host"),
    ("Ingress", "spec/tls/hosts"),
    ("Ingress", "spec/tls/secretName"),
    ("Job", "spec/template/spec/containers/args"),
    ("Job", "spec/template/spec/containers/command"),
    ("Job", "spec/template/spec/containers/env/value"),
    (
        "Job",
        "spec/template/spec/containers/volumeMounts/mountPath",
    ),
    ("Job", "spec/template/spec/initContainers/args"),
    ("Job", "spec/template/spec/initContainers/command"),
    ("Job", "spec/template/spec/initContainers/env/value"),
    (
        "Job",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    ("Job", "spec/template/spec/volumes/nfs/server"),
    ("Pod", "spec/containers/args"),
    ("Pod", "spec/containers/command"),
    ("Pod", "spec/containers/env/value"),
    ("Pod", "spec/containers/volumeMounts/mountPath"),
    ("Pod", "spec/initContainers/args"),
    ("Pod", "spec/initContainers/command"),
    ("Pod", "spec/initContainers/env/value"),
    ("Pod", "spec/initContainers/volumeMounts/mountPath"),
    ("Pod", "spec/volumes/nfs/server"),
    ("ReplicaSet", "spec/template/spec/containers/args"),
    ("ReplicaSet", "spec/template/spec/containers/command"),
    ("ReplicaSet", "spec/template/spec/containers/env/value"),
    (
        "ReplicaSet",
        "spec/template/spec/containers/volumeMounts/mountPath",
    ),
    ("ReplicaSet", "spec/template/spec/initContainers/args"),
    ("ReplicaSet", "spec/template/spec/initContainers/command"),
    ("ReplicaSet", "spec/template/spec/initContainers/env/value"),
    (
        "ReplicaSet",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    ("ReplicaSet", "spec/template/spec/volumes/nfs/server"),
    ("Service", "spec/ports/port"),
    ("Service", "spec/ports/targetPort"),
    ("StatefulSet", "spec/template/spec/containers/args"),
    ("StatefulSet", "spec/template/spec/containers/command"),
    ("StatefulSet", "spec/template/spec/containers/env/value"),
    (
        "StatefulSet",
        "spec/template/spec/containers/volumeMounts/mountPath",
    ),
    ("StatefulSet", "spec/template/spec/initContainers/args"),
    ("StatefulSet", "spec/template/spec/initContainers/command"),
    ("StatefulSet", "spec/template/spec/initContainers/env/value"),
    (
        "StatefulSet",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
    ),
    ("StatefulSet", "spec/volumeClaimTemplates/spec/nfs/server"),
    ("PersistentVolume", "spec/nfs/server"),
    ("", "metadata/labels"),
    ("", "metadata/annotations"),
];

/// kustomize's built-in `varReference` list as field specs.
pub fn builtin_var_reference() -> Vec<FieldSpec> {
    BUILTIN
        .iter()
        .map(|(kind, path)| FieldSpec {
            kind: if kind.is_empty() {
                None
            } else {
                Some((*kind).to_string())
            },
            path: (*path).to_string(),
            ..Default::default()
        })
        .collect()
}

/// The built-in specs plus those of the configuration, without duplicates
/// (a spec applied twice would expand `$$(X)` twice).
fn var_reference_specs(cfg: &TransformerConfig) -> Vec<FieldSpec> {
    let mut out = builtin_var_reference();
    for fs in &cfg.var_reference {
        let dup = out.iter().any(|o| {
            norm(&o.group) == norm(&fs.group)
                && norm(&o.version) == norm(&fs.version)
                && norm(&o.kind) == norm(&fs.kind)
                && split_fs_path(&o.path) == split_fs_path(&fs.path)
        });
        if !dup {
            out.push(fs.clone());
        }
    }
    out
}

fn norm(o: &Option<String>) -> &str {
    o.as_deref().unwrap_or("")
}

fn spec_applies(fs: &FieldSpec, group: &str, version: &str, kind: &str) -> bool {
    let ok = |want: &Option<String>, have: &str| match want.as_deref() {
        None | Some("") => true,
        Some(w) => w == have,
    };
    ok(&fs.group, group) && ok(&fs.version, version) && ok(&fs.kind, kind)
}

/// Splits a field spec path at `/` (`\/` escapes), dropping `[]` markers.
fn split_fs_path(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, part) in path.trim_start_matches('/').split('/').enumerate() {
        if i > 0 {
            if let Some(last) = out.last_mut() {
                if last.ends_with('\\') {
                    last.pop();
                    last.push('/');
                    last.push_str(part);
                    continue;
                }
            }
        }
        out.push(part.to_string());
    }
    out.into_iter()
        .map(|p| p.strip_suffix("[]").map(str::to_string).unwrap_or(p))
        .filter(|p| !p.is_empty())
        .collect()
}

fn walk(
    v: &mut Value,
    parts: &[String],
    vals: &[(String, Value)],
    used: &mut [bool],
) -> Result<(), String> {
    if let Some((first, rest)) = parts.split_first() {
        match v {
            Value::Seq(items) => {
                for el in items.iter_mut() {
                    walk(el, parts, vals, used)?;
                }
            }
            Value::Map(m) => {
                if let Some(child) = m.get_mut(first.as_str()) {
                    walk(child, rest, vals, used)?;
                }
            }
            _ => {}
        }
        return Ok(());
    }
    match v {
        Value::Null => {}
        Value::Str(s) => {
            let nv = expand(s, vals, used);
            *v = nv;
        }
        Value::Map(m) => {
            for (_, val) in m.iter_mut() {
                if let Value::Str(s) = val {
                    let nv = expand(s, vals, used);
                    *val = nv;
                }
            }
        }
        Value::Seq(items) => {
            for it in items.iter_mut() {
                let Value::Str(s) = it else {
                    return Err("invalid value type expect a string".into());
                };
                let nv = expand(s, vals, used);
                *it = nv;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Expands `$(NAME)` references in one string.
pub fn expand(input: &str, vals: &[(String, Value)], used: &mut [bool]) -> Value {
    let mut lookup = |name: &str| -> Option<Value> {
        let i = vals.iter().position(|(n, _)| n == name)?;
        match &vals[i].1 {
            v @ (Value::Str(_)
            | Value::Int(_)
            | Value::Uint(_)
            | Value::Float(_)
            | Value::Bool(_)) => {
                used[i] = true;
                Some(v.clone())
            }
            _ => None,
        }
    };
    let b = input.as_bytes();
    let mut out = String::new();
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < b.len() {
        if b[cursor] == b'$' && cursor + 1 < b.len() {
            out.push_str(&input[checkpoint..cursor]);
            let next = b[cursor + 1];
            let advance;
            if next == b'$' {
                out.push('$');
                advance = 1;
            } else if next == b'(' {
                match input[cursor + 2..].find(')') {
                    Some(rel) => {
                        let name = &input[cursor + 2..cursor + 2 + rel];
                        let mapped = lookup(name);
                        if cursor == 0 && cursor + 2 + rel + 1 == b.len() {
                            return mapped.unwrap_or_else(|| Value::Str(input.to_string()));
                        }
                        match mapped {
                            Some(v) => out.push_str(&go_v(&v)),
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        advance = rel + 2;
                    }
                    None => {
                        out.push_str("$(");
                        advance = 1;
                    }
                }
            } else {
                // `$` and the next character, copied as they are.
                let ch = input[cursor + 1..].chars().next().unwrap_or('$');
                out.push('$');
                out.push(ch);
                advance = ch.len_utf8();
            }
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    if checkpoint < b.len() {
        out.push_str(&input[checkpoint..]);
    }
    Value::Str(out)
}

/// Go's `%v` of a scalar value.
fn go_v(v: &Value) -> String {
    match v {
        Value::Float(f) => go_g(*f),
        other => other.scalar_string().unwrap_or_default(),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` (what `%v` prints).
pub fn go_g(f: f64) -> String {
    crate::yaml::emit::format_float_go(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<Resource> {
        crate::resource::resources_for_test(text)
    }

    fn vars(text: &str) -> Vec<Value> {
        match crate::yaml::parse_one(text).unwrap() {
            Value::Seq(s) => s,
            _ => panic!(),
        }
    }

    #[test]
    fn go_float_format() {
        assert_eq!(go_g(1000000.5), "1.0000005e+06");
        assert_eq!(go_g(1e6), "1e+06");
        assert_eq!(go_g(123456.7), "123456.7");
        assert_eq!(go_g(0.0001), "0.0001");
        assert_eq!(go_g(0.00001), "1e-05");
        assert_eq!(go_g(1.5), "1.5");
    }

    #[test]
    fn expand_rules() {
        let vals = vec![
            ("A".to_string(), Value::from("x")),
            ("N".to_string(), Value::Int(80)),
            ("L".to_string(), Value::Seq(vec![])),
        ];
        let mut used = vec![false; 3];
        assert_eq!(expand("$(N)", &vals, &mut used), Value::Int(80));
        assert_eq!(expand("$(A).$(N)", &vals, &mut used), Value::from("x.80"));
        assert_eq!(expand("$$(A)", &vals, &mut used), Value::from("$(A)"));
        assert_eq!(expand("$(U)", &vals, &mut used), Value::from("$(U)"));
        assert_eq!(expand("a$(U)b", &vals, &mut used), Value::from("a$(U)b"));
        assert_eq!(expand("$(", &vals, &mut used), Value::from("$("));
        assert_eq!(expand("$x", &vals, &mut used), Value::from("$x"));
        assert_eq!(expand("$", &vals, &mut used), Value::from("$"));
        assert_eq!(expand("a$(L)", &vals, &mut used), Value::from("a$(L)"));
        assert_eq!(used, vec![true, true, false]);
    }

    /// /tmp/helperC/v1 (base declares SVC_NAME and PORT, overlay NS and CM,
    /// prefix p-, namespace myns), as kubectl kustomize printed it.
    #[test]
    fn like_kubectl_v1() {
        let mut res = docs(
            r#"
apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: dep
  annotations:
    a: $(SVC_NAME)
spec:
  template:
    spec:
      containers:
      - name: main
        command: ["run", "$(SVC_NAME).$(NS)", "$(PORT)", "$$(SVC_NAME)", "$(UNDEF)", "$(", "$x"]
        args: ["$(PORT)"]
        env:
        - name: A
          value: "$(SVC_NAME)-$(PORT)"
        - name: B
          value: $(PORT)
"#,
        );
        for r in res.iter_mut() {
            r.set_namespace("myns");
            let n = format!("p-{}", r.name());
            r.set_name(&n);
        }
        let v = vars(
            r#"
- name: SVC_NAME
  objref: {kind: Service, name: svc, apiVersion: v1}
- name: PORT
  objref: {kind: Service, name: svc, apiVersion: v1}
  fieldref: {fieldPath: 'spec.ports[0].port'}
- name: NS
  objref: {kind: Service, name: svc, apiVersion: v1}
  fieldref: {fieldPath: metadata.namespace}
"#,
        );
        let unused = resolve_report(&mut res, &v, &TransformerConfig::default()).unwrap();
        assert!(unused.is_empty());
        let d = &res[1].obj;
        assert_eq!(d.str_at(&["metadata", "annotations", "a"]), Some("p-svc"));
        let c = &d
            .get_path(&["spec", "template", "spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap()[0];
        let cmd = c.get("command").unwrap().as_seq().unwrap();
        assert_eq!(cmd[1], Value::from("p-svc.myns"));
        assert_eq!(cmd[2], Value::Int(80));
        assert_eq!(cmd[3], Value::from("$(SVC_NAME)"));
        assert_eq!(cmd[4], Value::from("$(UNDEF)"));
        assert_eq!(cmd[5], Value::from("$("));
        assert_eq!(cmd[6], Value::from("$x"));
        assert_eq!(c.get("args").unwrap().as_seq().unwrap()[0], Value::Int(80));
        let env = c.get("env").unwrap().as_seq().unwrap();
        assert_eq!(env[0].str_at(&["value"]), Some("p-svc-80"));
        assert_eq!(env[1].get("value"), Some(&Value::Int(80)));
    }

    #[test]
    fn errors_like_kubectl() {
        let base = "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n";
        let cases = [
            (
                "- name: S\n  objref: {kind: Service, name: svc}\n",
                "var '{S Service.[noVer].[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources",
            ),
            (
                "- name: S\n  objref: {kind: Service, name: nosvc, apiVersion: v1}\n",
                "var '{S Service.v1.[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources",
            ),
            (
                "- name: S\n  objref: {kind: Service, name: svc, apiVersion: v1}\n- name: S\n  objref: {kind: Service, name: svc, apiVersion: v1}\n",
                "var 'S' already encountered",
            ),
            (
                "- name: P\n  objref: {kind: Service, name: svc, apiVersion: v1}\n  fieldref: {fieldPath: spec.nothere}\n",
                "field specified in var '{P Service.v1.[noGrp] {spec.nothere}}' not found in corresponding resource",
            ),
        ];
        for (v, want) in cases {
            let mut res = docs(base);
            assert_eq!(
                resolve(&mut res, &vars(v), &TransformerConfig::default()).unwrap_err(),
                want
            );
        }
    }

    #[test]
    fn cronjob_and_other_paths() {
        let mut res = docs(
            r#"
apiVersion: v1
kind: Service
metadata:
  name: svc
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cj
spec:
  jobTemplate:
    spec:
      template:
        volumes:
        - nfs: {server: $(V)}
        spec:
          volumes:
          - nfs: {server: $(V)}
          containers:
          - name: c
            image: $(V)
            command: [$(V)]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  x: $(V)
"#,
        );
        let v = vars("- name: V\n  objref: {kind: Service, name: svc, apiVersion: v1}\n");
        resolve(&mut res, &v, &TransformerConfig::default()).unwrap();
        let t = res[1]
            .obj
            .get_path(&["spec", "jobTemplate", "spec", "template"])
            .unwrap();
        assert_eq!(
            t.get_path(&["volumes"]).unwrap().as_seq().unwrap()[0].str_at(&["nfs", "server"]),
            Some("svc")
        );
        let s = t.get("spec").unwrap();
        assert_eq!(
            s.get("volumes").unwrap().as_seq().unwrap()[0].str_at(&["nfs", "server"]),
            Some("$(V)")
        );
        let c = &s.get("containers").unwrap().as_seq().unwrap()[0];
        assert_eq!(c.str_at(&["image"]), Some("$(V)"));
        assert_eq!(
            c.get("command").unwrap().as_seq().unwrap()[0],
            Value::from("svc")
        );
        assert_eq!(res[2].obj.str_at(&["data", "x"]), Some("$(V)"));
    }

    /// /tmp/helperC/v5: bases a and b both hold `svc` and a Pod using
    /// their own var; kubectl gives a-p `a-svc` and b-p `b-svc`.
    #[test]
    fn vars_bind_per_kustomization() {
        let level = |prefix: &str, var: &str| {
            let mut res = docs(&format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    args: [\"$({var})\"]\n"
            ));
            for r in res.iter_mut() {
                let n = format!("{prefix}-{}", r.name());
                r.set_name(&n);
            }
            let v = vars(&format!(
                "- name: {var}\n  objref: {{kind: Service, name: svc, apiVersion: v1}}\n"
            ));
            let bound = bind(&res, &v).unwrap();
            (res, bound)
        };
        let (mut res, mut all) = level("a", "SVC_A");
        let (res_b, vars_b) = level("b", "SVC_B");
        res.extend(res_b);
        all.extend(vars_b);
        // Unbound, both services have the original id `svc`:
        let raw = vars("- name: X\n  objref: {kind: Service, name: svc, apiVersion: v1}\n");
        assert!(
            resolve(&mut res.clone(), &raw, &TransformerConfig::default())
                .unwrap_err()
                .contains("unable to disambiguate")
        );
        resolve(&mut res, &all, &TransformerConfig::default()).unwrap();
        let arg = |i: usize| {
            res[i]
                .obj
                .get_path(&["spec", "containers"])
                .unwrap()
                .as_seq()
                .unwrap()[0]
                .get("args")
                .unwrap()
                .as_seq()
                .unwrap()[0]
                .clone()
        };
        assert_eq!(arg(1), Value::from("a-svc"));
        assert_eq!(arg(3), Value::from("b-svc"));
        // A var that matched nothing where it was declared stays unmapped.
        let none = bind(
            &res,
            &vars("- name: Y\n  objref: {kind: Service, name: zzz, apiVersion: v1}\n"),
        )
        .unwrap();
        assert!(resolve(&mut res, &none, &TransformerConfig::default())
            .unwrap_err()
            .contains("cannot be mapped"));
    }

    /// fixtures/kustomize/vars_basic writes `fieldpath:`; kubectl accepts
    /// any case.
    #[test]
    fn field_names_any_case() {
        let mut res = docs(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  annotations: {a: $(V)}\ndata:\n  greeting: hello\n",
        );
        let v = vars("- name: V\n  objRef: {Kind: ConfigMap, name: cfg, apiversion: v1}\n  fieldref:\n    fieldpath: data.greeting\n");
        resolve(&mut res, &v, &TransformerConfig::default()).unwrap();
        assert_eq!(
            res[0].obj.str_at(&["metadata", "annotations", "a"]),
            Some("hello")
        );
    }

    #[test]
    fn non_string_list_item_is_an_error() {
        let mut res = docs(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    args: [1, $(V)]\n",
        );
        let v = vars("- name: V\n  objref: {kind: Pod, name: p, apiVersion: v1}\n");
        assert_eq!(
            resolve(&mut res, &v, &TransformerConfig::default()).unwrap_err(),
            "invalid value type expect a string"
        );
    }
}
