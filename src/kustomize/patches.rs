//! Applying `patchesStrategicMerge`, `patches` and `patchesJson6902`
//! entries to the resource list: selecting targets, telling strategic-merge
//! patches from JSON 6902 ones. Behaviour checked against `kubectl
//! kustomize` (kustomize v5.8.1):
//! - a strategic-merge patch without a target applies to the one resource
//!   whose group/version/kind, name and namespace (current or earlier; no
//!   namespace means `default`) equal the patch's; none is an error;
//! - with a target, the patch's apiVersion, name and namespace are ignored:
//!   the target keeps its name (unless `allowNameChange`), kind (unless
//!   `allowKindChange`) and namespace;
//! - a JSON 6902 patch whose target selects nothing does nothing; an empty
//!   `metadata.annotations` left by it is removed;
//! - a top-level `$patch: delete` removes the resource.

use regex::Regex;

use super::json6902;
use super::patch_smp;
use super::types::{Patch, Selector};
use crate::resource::{is_cluster_scoped_kind, split_api_version, Resource};
use crate::yaml::{parse_documents, Value};

type Res<T> = Result<T, String>;

const NOT_A_NAMESPACE: &str = "_non_namespaceable_";

fn effective_ns(group: &str, kind: &str, ns: &str) -> String {
    if is_cluster_scoped_kind(group, kind) {
        NOT_A_NAMESPACE.to_string()
    } else if ns.is_empty() {
        "default".to_string()
    } else {
        ns.to_string()
    }
}

/// A selector field: kustomize treats it as an anchored regular
/// expression; most are plain names, compared without compiling one.
enum Matcher {
    Exact(String),
    Re(Regex),
}

impl Matcher {
    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Exact(e) => e == s,
            Matcher::Re(re) => re.is_match(s),
        }
    }
}

fn anchored(p: &Option<String>, what: &str) -> Res<Option<Matcher>> {
    match p.as_deref() {
        None | Some("") => Ok(None),
        Some(s) if !s.contains(|c: char| "\\.+*?()|[]{}^$".contains(c)) => {
            Ok(Some(Matcher::Exact(s.to_string())))
        }
        Some(s) => Regex::new(&format!("^(?:{s})$"))
            .map(|re| Some(Matcher::Re(re)))
            .map_err(|e| format!("invalid {what} regular expression '{s}' in patch target: {e}")),
    }
}

/// Resources a selector matches (indices into `res`).
pub fn select(res: &[Resource], sel: &Selector) -> Result<Vec<usize>, String> {
    let group = anchored(&sel.group, "group")?;
    let version = anchored(&sel.version, "version")?;
    let kind = anchored(&sel.kind, "kind")?;
    let name = anchored(&sel.name, "name")?;
    let namespace = anchored(&sel.namespace, "namespace")?;
    let labels = LabelSelector::parse(sel.label_selector.as_deref().unwrap_or(""))?;
    let annotations = LabelSelector::parse(sel.annotation_selector.as_deref().unwrap_or(""))?;
    let mut out = Vec::new();
    for (i, r) in res.iter().enumerate() {
        let (g, k) = (r.group(), r.kind());
        let (org_ns, org_name) = r.original_ns_name();
        if let Some(re) = &namespace {
            if !re.is_match(&effective_ns(g, k, &org_ns))
                && !re.is_match(&effective_ns(g, k, r.namespace()))
            {
                continue;
            }
        }
        if let Some(re) = &name {
            if !re.is_match(&org_name) && !re.is_match(r.name()) {
                continue;
            }
        }
        if group.as_ref().is_some_and(|re| !re.is_match(g))
            || version.as_ref().is_some_and(|re| !re.is_match(r.version()))
            || kind.as_ref().is_some_and(|re| !re.is_match(k))
        {
            continue;
        }
        if !labels.matches(&r.labels()) || !annotations.matches(&r.annotations()) {
            continue;
        }
        out.push(i);
    }
    Ok(out)
}

/// A Kubernetes label selector (`a=b`, `a!=b`, `a in (x,y)`, `a notin
/// (x)`, `a`, `!a`, `a>1`, `a<1`; comma means AND).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelSelector {
    reqs: Vec<Req>,
}

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Gt(String, i64),
    Lt(String, i64),
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn valid_value(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl LabelSelector {
    pub fn parse(text: &str) -> Res<LabelSelector> {
        let mut reqs = Vec::new();
        // Split on commas outside parentheses.
        let mut parts = Vec::new();
        let (mut depth, mut start) = (0i32, 0usize);
        for (i, c) in text.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&text[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&text[start..]);
        if parts.len() == 1 && parts[0].trim().is_empty() {
            return Ok(LabelSelector { reqs });
        }
        let bad = |why: &str| format!("unable to parse requirement in selector '{text}': {why}");
        for part in parts {
            let p = part.trim();
            if p.is_empty() {
                return Err(bad("empty requirement"));
            }
            let req = if let Some(k) = p.strip_prefix('!') {
                let k = k.trim();
                if !valid_key(k) {
                    return Err(bad(&format!("invalid key '{k}'")));
                }
                Req::NotExists(k.to_string())
            } else if let Some(open) = p.find('(') {
                let head = p[..open].trim();
                let close = p
                    .rfind(')')
                    .filter(|c| *c > open)
                    .ok_or_else(|| bad("missing ')'"))?;
                if !p[close + 1..].trim().is_empty() {
                    return Err(bad("text after ')'"));
                }
                let (k, op) = head
                    .rsplit_once(char::is_whitespace)
                    .map(|(k, op)| (k.trim(), op.trim()))
                    .ok_or_else(|| bad("expected 'in' or 'notin'"))?;
                if !valid_key(k) {
                    return Err(bad(&format!("invalid key '{k}'")));
                }
                let vals: Vec<String> = p[open + 1..close]
                    .split(',')
                    .map(|v| v.trim().to_string())
                    .collect();
                if let Some(v) = vals.iter().find(|v| !valid_value(v)) {
                    return Err(bad(&format!("invalid value '{v}'")));
                }
                match op {
                    "in" => Req::In(k.to_string(), vals),
                    "notin" => Req::NotIn(k.to_string(), vals),
                    other => return Err(bad(&format!("unknown operator '{other}'"))),
                }
            } else if let Some((k, v)) = p.split_once("!=") {
                Req::NotIn(k.trim().to_string(), vec![v.trim().to_string()])
            } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
                Req::In(k.trim().to_string(), vec![v.trim().to_string()])
            } else if let Some((k, v)) = p.split_once('>') {
                let n = v.trim().parse().map_err(|_| bad("'>' needs an integer"))?;
                Req::Gt(k.trim().to_string(), n)
            } else if let Some((k, v)) = p.split_once('<') {
                let n = v.trim().parse().map_err(|_| bad("'<' needs an integer"))?;
                Req::Lt(k.trim().to_string(), n)
            } else {
                Req::Exists(p.to_string())
            };
            let (k, vals): (&str, &[String]) = match &req {
                Req::Exists(k) | Req::NotExists(k) | Req::Gt(k, _) | Req::Lt(k, _) => (k, &[]),
                Req::In(k, v) | Req::NotIn(k, v) => (k, v),
            };
            if !valid_key(k) {
                return Err(bad(&format!("invalid key '{k}'")));
            }
            if let Some(v) = vals.iter().find(|v| !valid_value(v)) {
                return Err(bad(&format!("invalid value '{v}'")));
            }
            reqs.push(req);
        }
        Ok(LabelSelector { reqs })
    }

    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| {
            labels
                .iter()
                .find(|(lk, _)| lk == k)
                .map(|(_, v)| v.as_str())
        };
        self.reqs.iter().all(|r| match r {
            Req::Exists(k) => get(k).is_some(),
            Req::NotExists(k) => get(k).is_none(),
            Req::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Req::NotIn(k, vs) => get(k).is_none_or(|v| !vs.iter().any(|x| x == v)),
            Req::Gt(k, n) => get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v > *n),
            Req::Lt(k, n) => get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v < *n),
        })
    }
}

/// A patch document's id as kustomize prints it
/// (`Kind.version.group/name.namespace`).
fn id_string(doc: &Value) -> String {
    let (g, v) = split_api_version(doc.str_at(&["apiVersion"]).unwrap_or(""));
    crate::resource::id_message(
        doc.str_at(&["kind"]).unwrap_or(""),
        v,
        g,
        doc.str_at(&["metadata", "name"]).unwrap_or(""),
        doc.str_at(&["metadata", "namespace"]).unwrap_or(""),
    )
}

/// The one resource a patch document names by its own id.
fn find_by_id(res: &[Resource], doc: &Value, origin: &str) -> Res<usize> {
    let (g, v) = split_api_version(doc.str_at(&["apiVersion"]).unwrap_or(""));
    let kind = doc.str_at(&["kind"]).unwrap_or("");
    let name = doc.str_at(&["metadata", "name"]).unwrap_or("");
    let ns = effective_ns(
        g,
        kind,
        doc.str_at(&["metadata", "namespace"]).unwrap_or(""),
    );
    let found: Vec<usize> = res
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.group() == g
                && r.version() == v
                && r.kind() == kind
                && r.previous
                    .iter()
                    .map(|(n, m)| (n.as_str(), m.as_str()))
                    .chain(std::iter::once((r.namespace(), r.name())))
                    .any(|(rns, rn)| rn == name && effective_ns(g, kind, rns) == ns)
        })
        .map(|(i, _)| i)
        .collect();
    let id = id_string(doc);
    match found.len() {
        1 => Ok(found[0]),
        0 => Err(format!(
            "{origin}: no resource matches strategic merge patch \"{id}\": no matches for Id {id}; failed to find unique target for patch {id}"
        )),
        n => Err(format!(
            "{origin}: strategic merge patch \"{id}\" matches {n} resources; failed to find unique target for patch {id}"
        )),
    }
}

fn set_str(obj: &mut Value, path: &[&str], s: &str) {
    *obj.ensure_path(path) = Value::Str(s.to_string());
}

/// Applies one strategic-merge patch document to a resource the way
/// kustomize's `Resource.ApplySmPatch` does. Returns false when the patch
/// deleted the resource.
pub fn apply_smp_to(
    r: &mut Resource,
    patch: &Value,
    texts: Option<&Value>,
    allow_name: bool,
    allow_kind: bool,
) -> Res<bool> {
    let (name, ns, kind) = (
        r.name().to_string(),
        r.namespace().to_string(),
        r.kind().to_string(),
    );
    let mut p = patch.clone();
    if let Value::Map(m) = &mut p {
        let av = r.api_version().to_string();
        if !av.is_empty() {
            m.insert("apiVersion".into(), Value::Str(av));
        }
    }
    if allow_name || allow_kind {
        r.remember_current();
    }
    r.drop_empty_nulls();
    if let Some(t) = texts {
        super::patch_text::keep_patch_text(&r.obj, &mut p, t);
    }
    let shared = if r.shared_values.is_empty() {
        Vec::new()
    } else {
        super::transformers::shared_snapshot(r)
    };
    let obj = std::mem::take(&mut r.obj);
    let merged = patch_smp::strategic_merge_opt(obj, &p)?;
    let merged = match merged {
        Some(Value::Map(m)) if !m.is_empty() => Value::Map(m),
        _ => return Ok(false),
    };
    r.obj = merged;
    if !shared.is_empty() {
        super::transformers::propagate_shared(r, &shared);
    }
    if !allow_kind {
        set_str(&mut r.obj, &["kind"], &kind);
    }
    if !allow_name && (!name.is_empty() || r.obj.get_path(&["metadata", "name"]).is_some()) {
        set_str(&mut r.obj, &["metadata", "name"], &name);
    }
    if ns.is_empty() {
        if let Some(Value::Map(md)) = r.obj.get_mut("metadata") {
            md.shift_remove("namespace");
        }
    } else {
        set_str(&mut r.obj, &["metadata", "namespace"], &ns);
    }
    Ok(true)
}

/// Parses the documents of a strategic-merge patch text (empty documents
/// skipped; each must be a mapping with a kind).
fn smp_documents(text: &str, origin: &str) -> Res<Vec<SmpDoc>> {
    let docs = parse_documents(text).map_err(|e| format!("{origin}: cannot parse patch: {e}"))?;
    let docs: Vec<Value> = docs.into_iter().map(|d| d.value).collect();
    let mut out = Vec::new();
    for (d, t) in with_texts(docs, text) {
        match d {
            Value::Null => {}
            Value::Map(m) => out.push((Value::Map(m), t)),
            other => {
                return Err(format!(
                    "{origin}: a strategic merge patch must be a mapping, found a {}",
                    other.type_name()
                ))
            }
        }
    }
    Ok(out)
}

/// One `patchesStrategicMerge` entry: `text` may hold several documents;
/// each must match exactly one resource by its id.
pub fn apply_strategic_merge_entry(
    res: &mut Vec<Resource>,
    text: &str,
    origin: &str,
) -> Result<(), String> {
    let docs = smp_documents(text, origin)?;
    if docs.is_empty() {
        return Err(format!("{origin}: patch appears to be empty"));
    }
    for (doc, texts) in &docs {
        let i = find_by_id(res, doc, origin)?;
        if !apply_smp_to(&mut res[i], doc, texts.as_ref(), false, false)
            .map_err(|e| format!("{origin}: {e}"))?
        {
            res.remove(i);
        }
    }
    Ok(())
}

/// A strategic-merge patch document and its plain scalars' text (see
/// `patch_text`).
type SmpDoc = (Value, Option<Value>);

/// Pairs each document with its `patch_text::plain_texts` view.
fn with_texts(docs: Vec<Value>, text: &str) -> Vec<SmpDoc> {
    let texts = super::patch_text::plain_texts(text).filter(|t| t.len() == docs.len());
    match texts {
        Some(t) => docs.into_iter().zip(t.into_iter().map(Some)).collect(),
        None => docs.into_iter().map(|d| (d, None)).collect(),
    }
}

enum PatchKind {
    Smp(Vec<SmpDoc>),
    Json(Value),
}

fn classify(text: &str, origin: &str) -> Res<PatchKind> {
    let trimmed = text.trim();
    let unable = || format!("{origin}: unable to parse SM or JSON patch from [{trimmed}]");
    // parse the text as it is: trimmed, a block scalar followed by blank
    // lines would end the input and lose its final line break (kubectl
    // keeps it: `|`, not `|-`)
    let docs = parse_documents(text).map_err(|_| unable())?;
    let docs: Vec<SmpDoc> = with_texts(docs.into_iter().map(|d| d.value).collect(), text)
        .into_iter()
        .filter(|(v, _)| !v.is_null())
        .collect();
    match docs.first().map(|(v, _)| v) {
        // an empty or comment-only patch (file, or inline text that is not
        // the empty string) changes nothing in kubectl
        None => Ok(PatchKind::Smp(Vec::new())),
        // read again as kustomize reads a JSON patch (go-yaml v2)
        Some(Value::Seq(_)) if docs.len() == 1 => Ok(PatchKind::Json(
            json6902::parse_ops(text).map_err(|_| unable())?,
        )),
        Some(Value::Map(_)) => {
            if docs.iter().any(|(d, _)| {
                !matches!(d, Value::Map(_)) || d.str_at(&["kind"]).unwrap_or("").is_empty()
            }) {
                return Err(unable());
            }
            Ok(PatchKind::Smp(docs))
        }
        _ => Err(unable()),
    }
}

/// Applies JSON 6902 operations to every selected resource.
fn apply_json_to(
    res: &mut [Resource],
    idx: &[usize],
    ops: &Value,
    origin: &str,
    store_previous: bool,
) -> Res<()> {
    for &i in idx {
        let r = &mut res[i];
        if store_previous {
            r.remember_current();
        }
        r.empty_annotations_to_null_text();
        // the JSON round trip gives every value its own node, and makes an
        // empty value (`key:`) an ordinary null a later SMP keeps
        r.shared_values.clear();
        r.empty_nulls.clear();
        json6902::apply(&mut r.obj, ops).map_err(|e| format!("{origin}: {e}"))?;
        json_numbers(&mut r.obj);
        // kustomize re-sets the annotations afterwards: string values, and
        // no empty map.
        if let Some(Value::Map(md)) = r.obj.get_mut("metadata") {
            if let Some(a) = md.get_mut("annotations") {
                match a {
                    Value::Map(am) if am.is_empty() => {
                        md.shift_remove("annotations");
                    }
                    Value::Map(am) => {
                        for v in am.values_mut() {
                            if !matches!(v, Value::Str(_)) {
                                *v = Value::Str(v.scalar_string().unwrap_or_default());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// kustomize round-trips a JSON-patched resource through Go's JSON
/// decoding, where every number is a float64: integers beyond 2^53 lose
/// their last digits (`9007199254740993` prints as `9007199254740992`,
/// kubectl 1.37; found by the fuzzer), and print as such floats do (see
/// `format_number_json_roundtrip`: `12345678901234567890` prints as
/// `12345678901234567000`, `-9223372036854775808` as
/// `-9.223372036854776e+18`, `18446744073709551615` as
/// `1.8446744073709552e+19`).
fn json_numbers(v: &mut Value) {
    const EXACT: i64 = 1 << 53;
    match v {
        Value::Int(i) if !(-EXACT..=EXACT).contains(i) => *v = Value::Float(*i as f64),
        Value::Uint(u) => *v = Value::Float(*u as f64),
        Value::Seq(items) => items.iter_mut().for_each(json_numbers),
        Value::Map(m) => m.values_mut().for_each(json_numbers),
        _ => {}
    }
}

/// One `patches` entry whose text (`patch` inline or read from `path`) is
/// either a strategic-merge patch or a JSON 6902 operation list.
pub fn apply_patch_entry(
    res: &mut Vec<Resource>,
    p: &Patch,
    text: &str,
    origin: &str,
) -> Result<(), String> {
    match classify(text, origin)? {
        PatchKind::Json(ops) => {
            let Some(target) = &p.target else {
                return Err(format!(
                    "{origin}: must specify a target for patch {}",
                    text.trim()
                ));
            };
            let idx = select(res, target).map_err(|e| format!("{origin}: {e}"))?;
            apply_json_to(res, &idx, &ops, origin, true)
        }
        PatchKind::Smp(docs) => {
            for (doc, texts) in &docs {
                let idx = match &p.target {
                    None => vec![find_by_id(res, doc, origin)?],
                    Some(t) => select(res, t).map_err(|e| format!("{origin}: {e}"))?,
                };
                let mut deleted = Vec::new();
                for &i in &idx {
                    let keep = apply_smp_to(
                        &mut res[i],
                        doc,
                        texts.as_ref(),
                        p.allow_name_change,
                        p.allow_kind_change,
                    )
                    .map_err(|e| format!("{origin}: {e}"))?;
                    if !keep {
                        deleted.push(i);
                    }
                }
                for i in deleted.into_iter().rev() {
                    res.remove(i);
                }
            }
            Ok(())
        }
    }
}

/// One `patchesJson6902` entry (target required; text is JSON or YAML).
pub fn apply_json6902_entry(
    res: &mut [Resource],
    p: &Patch,
    text: &str,
    origin: &str,
) -> Result<(), String> {
    let Some(target) = &p.target else {
        return Err(format!(
            "{origin}: must specify a target for patch {}",
            text.trim()
        ));
    };
    if target.name.as_deref().unwrap_or("").is_empty() {
        return Err(format!("{origin}: must specify the target name"));
    }
    let ops = json6902::parse_ops(text).map_err(|e| format!("{origin}: {e}"))?;
    if ops.as_seq().map(Vec::is_empty).unwrap_or(true) {
        return Err(format!("{origin}: patch appears to be empty"));
    }
    let idx = select(res, target).map_err(|e| format!("{origin}: {e}"))?;
    apply_json_to(res, &idx, &ops, origin, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    fn resources(text: &str) -> Vec<Resource> {
        crate::resource::resources_for_test(text)
    }

    const CMS: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: \"1\"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm2, namespace: ns1, labels: {app: x, tier: web}}\ndata: {a: \"1\"}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns1, annotations: {team: a}}\nspec: {replicas: 1}\n";

    fn sel(
        kind: Option<&str>,
        name: Option<&str>,
        ns: Option<&str>,
        labels: Option<&str>,
    ) -> Selector {
        Selector {
            kind: kind.map(Into::into),
            name: name.map(Into::into),
            namespace: ns.map(Into::into),
            label_selector: labels.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn selection() {
        let r = resources(CMS);
        assert_eq!(
            select(&r, &sel(None, Some("cm.*"), None, None)).unwrap(),
            [0, 1]
        );
        assert_eq!(select(&r, &sel(None, Some("cm"), None, None)).unwrap(), [0]);
        assert_eq!(
            select(&r, &sel(None, None, Some("default"), None)).unwrap(),
            [0]
        );
        assert_eq!(
            select(
                &r,
                &sel(Some("ConfigMap|Deployment"), None, Some("ns1"), None)
            )
            .unwrap(),
            [1, 2]
        );
        assert_eq!(
            select(&r, &sel(None, None, None, Some("app=x,tier in (web, db)"))).unwrap(),
            [1]
        );
        assert_eq!(
            select(&r, &sel(None, None, None, Some("app notin (x)"))).unwrap(),
            [0, 2]
        );
        assert_eq!(
            select(&r, &sel(None, None, None, Some("!app"))).unwrap(),
            [0, 2]
        );
        assert_eq!(
            select(&r, &sel(None, None, None, Some("app!=y"))).unwrap(),
            [0, 1, 2]
        );
        let a = Selector {
            annotation_selector: Some("team".into()),
            ..Default::default()
        };
        assert_eq!(select(&r, &a).unwrap(), [2]);
        assert!(select(&r, &sel(None, Some("("), None, None)).is_err());
        assert!(select(&r, &sel(None, None, None, Some("a in (b"))).is_err());
        // The original name still selects after a rename.
        let mut r2 = resources(CMS);
        r2[0].set_name("p-cm");
        assert_eq!(
            select(&r2, &sel(None, Some("cm"), None, None)).unwrap(),
            [0]
        );
    }

    // Checked against kubectl kustomize: /tmp/helperA/t5.
    #[test]
    fn smp_with_and_without_target() {
        let mut r = resources(CMS);
        let p1 = Patch::default();
        apply_patch_entry(
            &mut r,
            &p1,
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: default, labels: {x: y}}\ndata: {b: \"2\"}\n",
            "p1",
        )
        .unwrap();
        assert_eq!(r[0].obj.str_at(&["data", "b"]), Some("2"));
        assert_eq!(r[0].namespace(), "");
        assert!(r[0].obj.get_path(&["metadata", "namespace"]).is_none());
        let p2 = Patch {
            target: Some(sel(None, Some("cm.*"), None, None)),
            ..Default::default()
        };
        apply_patch_entry(
            &mut r,
            &p2,
            "apiVersion: v2\nkind: ConfigMap\nmetadata: {name: whatever, namespace: other}\ndata: {c: \"3\"}\n",
            "p2",
        )
        .unwrap();
        assert_eq!(
            (r[0].name(), r[1].name(), r[1].namespace()),
            ("cm", "cm2", "ns1")
        );
        assert_eq!(r[1].api_version(), "v1");
        assert_eq!(r[1].obj.str_at(&["data", "c"]), Some("3"));
        let p3 = Patch {
            target: Some(sel(None, Some("cm2"), None, None)),
            allow_name_change: true,
            ..Default::default()
        };
        apply_patch_entry(
            &mut r,
            &p3,
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: renamed}\n",
            "p3",
        )
        .unwrap();
        assert_eq!(r[1].name(), "renamed");
        assert_eq!(
            r[1].original_ns_name(),
            ("ns1".to_string(), "cm2".to_string())
        );
    }

    #[test]
    fn smp_errors_and_delete() {
        let mut r = resources(CMS);
        let e = apply_strategic_merge_entry(
            &mut r,
            "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: d, namespace: ns1}\n",
            "p.yaml",
        )
        .unwrap_err();
        assert!(e.contains("Deployment.v1beta1.apps/d.ns1"), "{e}");
        // No namespace in the patch: does not match a resource in ns1.
        assert!(apply_strategic_merge_entry(
            &mut r,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n",
            "p"
        )
        .is_err());
        assert!(apply_patch_entry(&mut r, &Patch::default(), "data: {b: \"2\"}", "p").is_err());
        apply_strategic_merge_entry(
            &mut r,
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n$patch: delete\n",
            "p",
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].name(), "cm2");
    }

    #[test]
    fn json_patches() {
        let mut r = resources(CMS);
        // No match: nothing happens (kustomize v5.8).
        let p = Patch {
            target: Some(sel(Some("Deployment"), Some("nope"), None, None)),
            ..Default::default()
        };
        apply_json6902_entry(
            &mut r,
            &p,
            r#"[{"op": "replace", "path": "/spec/replicas", "value": 3}]"#,
            "j",
        )
        .unwrap();
        let p = Patch {
            target: Some(sel(Some("Deployment"), Some("d"), None, None)),
            ..Default::default()
        };
        apply_json6902_entry(
            &mut r,
            &p,
            "- {op: replace, path: /spec/replicas, value: 3}\n",
            "j",
        )
        .unwrap();
        assert_eq!(
            r[2].obj.get_path(&["spec", "replicas"]),
            Some(&Value::Int(3))
        );
        apply_patch_entry(
            &mut r,
            &p,
            "- {op: add, path: /metadata/annotations, value: {}}\n- {op: add, path: /spec/template, value: {x: null}}\n",
            "j",
        )
        .unwrap();
        assert!(r[2].obj.get_path(&["metadata", "annotations"]).is_none());
        assert_eq!(
            r[2].obj.get_path(&["spec", "template", "x"]),
            Some(&Value::Null)
        );
        apply_patch_entry(
            &mut r,
            &p,
            "- {op: add, path: /metadata/annotations, value: {m: 5}}\n",
            "j",
        )
        .unwrap();
        assert_eq!(
            r[2].obj.str_at(&["metadata", "annotations", "m"]),
            Some("5")
        );
        assert!(apply_patch_entry(&mut r, &Patch::default(), "[]", "j").is_err());
        let no_name = Patch {
            target: Some(sel(Some("Deployment"), None, None, None)),
            ..Default::default()
        };
        assert!(apply_json6902_entry(&mut r, &no_name, "[]", "j").is_err());
        let _ = parse_one("a: 1");
    }
}
