//! `replacements`: copy a field of one resource into fields of others.
//!
//! Facts (checked against `kubectl kustomize`, kustomize v5.8.1):
//! - Entries are inline `{source, targets}` or `{path: file}`; a file holds
//!   one replacement (a mapping) or a list of them.
//! - The source must select exactly one resource ("nothing selected by
//!   ID", "multiple matches for selector ID"); a resource is selected when
//!   its current id or any earlier one (before prefixes, namespaces)
//!   matches. Its `fieldPath` (default `metadata.name`) is looked up
//!   exactly; a missing, null or empty value is an error ("fieldPath `P` is
//!   missing for replacement source ID").
//! - Target field paths match list entries `[k=v]` with an unanchored
//!   regular expression (`[name=ai]` matches `main`), `*` matches every
//!   element of a list (not of a mapping), a number indexes a list. A path
//!   that matches nothing is an error ("unable to find field "P" in
//!   replacement target") unless `options.create` is set; create does not
//!   allow `*`.
//! - A scalar target keeps its type: the source's text is re-read as that
//!   type (a string target takes any text, `"7"` into an int field gives
//!   `7`, a mismatch is an error). A mapping or list target, or a created
//!   field, takes a copy of the source value.
//! - `delimiter`/`index` on the source pick one piece (index out of range
//!   is an error); on a target they replace the piece at `index`, prepend
//!   when negative, append when past the end.

use regex::Regex;

use super::generators::ReadFile;
use crate::resource::Resource;
use crate::yaml::parse::resolve_plain;
use crate::yaml::{Mapping, Value};

/// Applies replacement entries (inline, or `{path: file}` read with `read`).
pub fn apply(res: &mut [Resource], specs: &[Value], read: ReadFile<'_>) -> Result<(), String> {
    let list = load(specs, read)?;
    for r in &list {
        apply_one(res, r)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq)]
struct IdSel {
    group: String,
    version: String,
    kind: String,
    name: String,
    namespace: String,
    label_selector: String,
    annotation_selector: String,
}

impl IdSel {
    fn id_is_empty(&self) -> bool {
        self.group.is_empty()
            && self.version.is_empty()
            && self.kind.is_empty()
            && self.name.is_empty()
            && self.namespace.is_empty()
    }

    /// kustomize's `ResId.String()`: `Kind.version.group/name.namespace`.
    fn id_string(&self) -> String {
        crate::resource::id_message(
            &self.kind,
            &self.version,
            &self.group,
            &self.name,
            &self.namespace,
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Options {
    delimiter: String,
    index: i64,
    create: bool,
}

impl Options {
    fn describe(&self) -> String {
        if self.delimiter.is_empty() && !self.create {
            return String::new();
        }
        format!("{}({}), create={}", self.delimiter, self.index, self.create)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Source {
    sel: IdSel,
    field_path: String,
    options: Options,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Target {
    select: Option<IdSel>,
    reject: Vec<IdSel>,
    field_paths: Vec<String>,
    options: Options,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Replacement {
    source: Option<Source>,
    targets: Option<Vec<Target>>,
}

fn load(specs: &[Value], read: ReadFile<'_>) -> Result<Vec<Replacement>, String> {
    let mut out = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let spec = &fold_field_names(spec);
        let m = spec
            .as_map()
            .ok_or_else(|| format!("replacements[{i}] must be a mapping"))?;
        let path = match m.get("path") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.scalar_string()
                    .ok_or_else(|| format!("replacements[{i}].path must be a string"))?,
            ),
        };
        match path {
            Some(p) if !p.is_empty() => {
                if m.get("source").is_some_and(|v| !v.is_null())
                    || m.get("targets").is_some_and(|v| !v.is_null())
                {
                    return Err("cannot specify both path and inline replacement".into());
                }
                let bytes = read(&p)?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("replacement file {p} is not valid UTF-8"))?;
                // kustomize reads the file with sigs.k8s.io/yaml (go-yaml v2, not
                // strict): `create: yes` is true, a repeated key takes the last
                let doc = crate::yaml::parse_one_lenient(&text).map_err(|e| format!("{p}: {e}"))?;
                match &doc {
                    Value::Seq(items) => {
                        for it in items {
                            out.push(parse_replacement(it, false)?);
                        }
                    }
                    Value::Map(_) => out.push(parse_replacement(&doc, false)?),
                    other => {
                        return Err(format!(
                            "unsupported replacement type encountered within replacement path: {}",
                            go_kind(other)
                        ))
                    }
                }
            }
            _ => out.push(parse_replacement(spec, true)?),
        }
    }
    Ok(out)
}

/// Field names of `replacements` and `vars` entries.
const KNOWN_FIELDS: &[&str] = &[
    "name",
    "objref",
    "fieldref",
    "fieldPath",
    "group",
    "version",
    "kind",
    "apiVersion",
    "namespace",
    "source",
    "targets",
    "select",
    "reject",
    "fieldPaths",
    "options",
    "delimiter",
    "index",
    "create",
    "encoding",
    "labelSelector",
    "annotationSelector",
    "path",
];

/// Renames keys that match a known field name except for case to that
/// name, at every level: kustomize reads these entries through Go's
/// `encoding/json`, which matches field names case-insensitively
/// (`fieldpath:` works as `fieldPath:`, fixtures/kustomize/vars_basic).
pub fn fold_field_names(v: &Value) -> Value {
    match v {
        Value::Map(m) => {
            let mut out = Mapping::new();
            for (k, val) in m {
                let canon = if KNOWN_FIELDS.contains(&k.as_str()) {
                    k.clone()
                } else {
                    match KNOWN_FIELDS.iter().find(|f| f.eq_ignore_ascii_case(k)) {
                        Some(f) if !m.contains_key(*f) => (*f).to_string(),
                        _ => k.clone(),
                    }
                };
                out.insert(canon, fold_field_names(val));
            }
            Value::Map(out)
        }
        Value::Seq(items) => Value::Seq(items.iter().map(fold_field_names).collect()),
        other => other.clone(),
    }
}

fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "invalid",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Uint(_) => "float64",
        Value::Float(_) => "float64",
        Value::Str(_) => "string",
        Value::Seq(_) => "slice",
        Value::Map(_) => "map",
    }
}

fn unknown_field(m: &Mapping, allowed: &[&str], strict: bool) -> Result<(), String> {
    if !strict {
        return Ok(());
    }
    for k in m.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(format!(
                "invalid Kustomization: json: unknown field \"{k}\""
            ));
        }
    }
    Ok(())
}

fn str_field(m: &Mapping, key: &str) -> Result<String, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(v @ (Value::Seq(_) | Value::Map(_))) => Err(format!(
            "replacements: the field '{key}' must be a string, found a {}",
            v.type_name()
        )),
        Some(v) => Ok(v.scalar_string().unwrap_or_default()),
    }
}

fn parse_sel(v: &Value, strict: bool, with_selectors: bool) -> Result<IdSel, String> {
    let m = match v {
        Value::Map(m) => m,
        Value::Null => return Ok(IdSel::default()),
        other => {
            return Err(format!(
                "replacements: a selector must be a mapping, found a {}",
                other.type_name()
            ))
        }
    };
    let mut allowed = vec!["group", "version", "kind", "name", "namespace"];
    if with_selectors {
        allowed.extend(["labelSelector", "annotationSelector"]);
    }
    unknown_field(m, &allowed, strict)?;
    Ok(IdSel {
        group: str_field(m, "group")?,
        version: str_field(m, "version")?,
        kind: str_field(m, "kind")?,
        name: str_field(m, "name")?,
        namespace: str_field(m, "namespace")?,
        label_selector: if with_selectors {
            str_field(m, "labelSelector")?
        } else {
            String::new()
        },
        annotation_selector: if with_selectors {
            str_field(m, "annotationSelector")?
        } else {
            String::new()
        },
    })
}

fn parse_options(v: Option<&Value>, strict: bool) -> Result<Options, String> {
    let Some(Value::Map(m)) = v else {
        return Ok(Options::default());
    };
    unknown_field(m, &["delimiter", "index", "encoding", "create"], strict)?;
    let index = match m.get("index") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_i64()
            .ok_or_else(|| "replacements: options.index must be an integer".to_string())?,
    };
    let create = match m.get("create") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("replacements: options.create must be true or false".into()),
    };
    Ok(Options {
        delimiter: str_field(m, "delimiter")?,
        index,
        create,
    })
}

fn parse_replacement(v: &Value, strict: bool) -> Result<Replacement, String> {
    let v = &fold_field_names(v);
    let m = v
        .as_map()
        .ok_or_else(|| format!("a replacement must be a mapping, found a {}", v.type_name()))?;
    unknown_field(m, &["path", "source", "targets"], strict)?;
    let source = match m.get("source") {
        None | Some(Value::Null) => None,
        Some(s) => {
            let sm = s
                .as_map()
                .ok_or_else(|| "replacements: source must be a mapping".to_string())?;
            unknown_field(
                sm,
                &[
                    "group",
                    "version",
                    "kind",
                    "name",
                    "namespace",
                    "fieldPath",
                    "options",
                ],
                strict,
            )?;
            let mut idm = sm.clone();
            idm.shift_remove("fieldPath");
            idm.shift_remove("options");
            Some(Source {
                sel: parse_sel(&Value::Map(idm), false, false)?,
                field_path: str_field(sm, "fieldPath")?,
                options: parse_options(sm.get("options"), strict)?,
            })
        }
    };
    let targets = match m.get("targets") {
        None | Some(Value::Null) => None,
        Some(Value::Seq(items)) => {
            let mut ts = Vec::new();
            for t in items {
                let tm = t
                    .as_map()
                    .ok_or_else(|| "replacements: a target must be a mapping".to_string())?;
                unknown_field(tm, &["select", "reject", "fieldPaths", "options"], strict)?;
                let select = match tm.get("select") {
                    None | Some(Value::Null) => None,
                    Some(s) => Some(parse_sel(s, strict, true)?),
                };
                let mut reject = Vec::new();
                if let Some(Value::Seq(rs)) = tm.get("reject") {
                    for r in rs {
                        reject.push(parse_sel(r, strict, true)?);
                    }
                }
                let mut field_paths = Vec::new();
                match tm.get("fieldPaths") {
                    None | Some(Value::Null) => {}
                    Some(Value::Seq(fps)) => {
                        for fp in fps {
                            field_paths.push(fp.scalar_string().ok_or_else(|| {
                                "replacements: fieldPaths must be a list of strings".to_string()
                            })?);
                        }
                    }
                    Some(_) => {
                        return Err("replacements: fieldPaths must be a list of strings".into())
                    }
                }
                ts.push(Target {
                    select,
                    reject,
                    field_paths,
                    options: parse_options(tm.get("options"), strict)?,
                });
            }
            Some(ts)
        }
        Some(_) => return Err("replacements: targets must be a list".into()),
    };
    Ok(Replacement { source, targets })
}

// ---------------------------------------------------------------- selection

/// The resource's ids, current first, as (namespace, name) pairs.
fn ids(r: &Resource) -> Vec<(String, String)> {
    let mut v = vec![(r.namespace().to_string(), r.name().to_string())];
    for p in r.previous.iter().rev() {
        if !v.contains(p) {
            v.push(p.clone());
        }
    }
    v
}

fn id_selected(r: &Resource, id: &(String, String), sel: &IdSel) -> bool {
    if !sel.group.is_empty() && sel.group != r.group() {
        return false;
    }
    if !sel.version.is_empty() && sel.version != r.version() {
        return false;
    }
    if !sel.kind.is_empty() && sel.kind != r.kind() {
        return false;
    }
    if !sel.name.is_empty() && sel.name != id.1 {
        return false;
    }
    // kubectl compares namespaces as written here: a selector with
    // `namespace: default` does not pick an object without a namespace
    // (/tmp/helperC/x1).
    if !sel.namespace.is_empty() && sel.namespace != id.0 {
        return false;
    }
    true
}

/// Whether `pattern` (a target's `select`/`reject` field) matches `value`:
/// kustomize anchors it and reads it as a regular expression
/// (`kind: Deployment|.*Set`); an empty pattern matches anything.
fn pattern_matches(pattern: &str, value: &str) -> Result<bool, String> {
    if pattern.is_empty() {
        return Ok(true);
    }
    if !pattern.contains(|c: char| "\\.+*?()|[]{}^$".contains(c)) {
        return Ok(pattern == value);
    }
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, Regex>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if !c.contains_key(pattern) {
            let re = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
                format!("replacements: invalid regular expression '{pattern}': {e}")
            })?;
            c.insert(pattern.to_string(), re);
        }
        Ok(c[pattern].is_match(value))
    })
}

/// [`id_selected`] for a target's `select` and `reject` entries, whose
/// fields are regular expressions.
fn id_selected_re(r: &Resource, id: &(String, String), sel: &IdSel) -> Result<bool, String> {
    Ok(pattern_matches(&sel.group, r.group())?
        && pattern_matches(&sel.version, r.version())?
        && pattern_matches(&sel.kind, r.kind())?
        && pattern_matches(&sel.name, &id.1)?
        && pattern_matches(&sel.namespace, &id.0)?)
}

fn any_id_selected(r: &Resource, sel: &IdSel) -> bool {
    ids(r).iter().any(|id| id_selected(r, id, sel))
}

fn matches_label_annos(r: &Resource, sel: &IdSel) -> Result<bool, String> {
    if !sel.annotation_selector.is_empty()
        && !label_selector_matches(&sel.annotation_selector, &r.annotations())?
    {
        return Ok(false);
    }
    if !sel.label_selector.is_empty() && !label_selector_matches(&sel.label_selector, &r.labels())?
    {
        return Ok(false);
    }
    Ok(true)
}

/// Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
/// `a notin (x)`, `a`, `!a`, joined by commas.
pub fn label_selector_matches(sel: &str, labels: &[(String, String)]) -> Result<bool, String> {
    let get = |k: &str| {
        labels
            .iter()
            .find(|(lk, _)| lk == k)
            .map(|(_, v)| v.as_str())
    };
    for req in split_requirements(sel) {
        let req = req.trim();
        if req.is_empty() {
            continue;
        }
        let ok = if let Some(k) = req.strip_prefix('!') {
            get(k.trim()).is_none()
        } else if let Some((k, v)) = req.split_once("!=") {
            get(k.trim()) != Some(v.trim())
        } else if let Some((k, v)) = req.split_once("==") {
            get(k.trim()) == Some(v.trim())
        } else if let Some((k, v)) = req.split_once('=') {
            get(k.trim()) == Some(v.trim())
        } else if let Some((k, rest)) = split_set_op(req, " notin ") {
            let set = parse_set(rest, sel)?;
            get(k).is_none_or(|v| !set.iter().any(|s| s == v))
        } else if let Some((k, rest)) = split_set_op(req, " in ") {
            let set = parse_set(rest, sel)?;
            get(k).is_some_and(|v| set.iter().any(|s| s == v))
        } else if req
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            get(req).is_some()
        } else {
            return Err(format!(
                "unable to parse requirement: invalid label selector \"{sel}\""
            ));
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn split_set_op<'a>(req: &'a str, op: &str) -> Option<(&'a str, &'a str)> {
    let i = req.find(op)?;
    Some((req[..i].trim(), req[i + op.len()..].trim()))
}

fn parse_set(s: &str, sel: &str) -> Result<Vec<String>, String> {
    let inner = s
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .ok_or_else(|| format!("unable to parse requirement: invalid label selector \"{sel}\""))?;
    Ok(inner.split(',').map(|x| x.trim().to_string()).collect())
}

fn split_requirements(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

// --------------------------------------------------------------- field paths

/// Splits a field path at `.`, keeping `[k=v.w]` together, honouring `\.`,
/// and dropping brackets around a key that holds no `=` (`[a.b/c]`).
pub fn split_path(path: &str) -> Vec<String> {
    let mut raw = super::fieldspec::split_escaped(path, '.');
    if raw.len() > 1 && raw[0].is_empty() {
        raw.remove(0);
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let e = &raw[i];
        if e.starts_with('[') && !e.ends_with(']') {
            let mut parts = vec![e.clone()];
            while i < raw.len() - 1 {
                i += 1;
                parts.push(raw[i].clone());
                if raw[i].ends_with(']') {
                    break;
                }
            }
            let joined = parts.join(".");
            if joined.contains('=') {
                out.push(joined);
            } else {
                out.push(joined.trim_matches(|c| c == '[' || c == ']').to_string());
            }
        } else {
            out.push(e.clone());
        }
        i += 1;
    }
    out
}

enum Step<'a> {
    Field,
    /// `[k=v]`; `k` empty matches scalar elements.
    Entry(&'a str, &'a str),
    Index(usize),
    Any,
}

fn step(part: &str) -> Step<'_> {
    if part == "*" {
        return Step::Any;
    }
    if let Some(inner) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
        if let Some((k, v)) = inner.split_once('=') {
            return Step::Entry(k, v);
        }
    }
    if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = part.parse() {
            return Step::Index(n);
        }
    }
    Step::Field
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Seq(_) | Value::Map(_) => String::new(),
        other => other.scalar_string().unwrap_or_default(),
    }
}

fn entry_matches_exact(el: &Value, k: &str, v: &str) -> bool {
    if k.is_empty() {
        return !matches!(el, Value::Map(_) | Value::Seq(_)) && scalar_text(el) == v;
    }
    match el.get(k) {
        Some(f) if !matches!(f, Value::Map(_) | Value::Seq(_)) => scalar_text(f) == v,
        _ => false,
    }
}

/// Exact lookup (kyaml `Lookup`): no wildcards, no creation.
fn lookup<'a>(v: &'a Value, parts: &[String]) -> Option<&'a Value> {
    let mut cur = v;
    for p in parts {
        cur = match (step(p), cur) {
            (Step::Entry(k, val), Value::Seq(items)) => {
                items.iter().find(|el| entry_matches_exact(el, k, val))?
            }
            (Step::Index(i), Value::Seq(items)) => items.get(i)?,
            (_, Value::Map(m)) => m.get(p.as_str())?,
            _ => return None,
        };
    }
    Some(cur)
}

fn is_nil_or_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        Value::Seq(s) => s.is_empty(),
        _ => false,
    }
}

/// Visits every node a target path matches (kyaml `PathMatcher`).
fn match_paths(
    v: &mut Value,
    parts: &[String],
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<usize, String> {
    let Some((first, rest)) = parts.split_first() else {
        f(v)?;
        return Ok(1);
    };
    match step(first) {
        Step::Any | Step::Entry(..) if !matches!(v, Value::Seq(_)) => {
            if let Value::Map(_) = v {
                return Err("wrong node kind: expected SequenceNode but got MappingNode".into());
            }
            Ok(0)
        }
        Step::Any => {
            let mut n = 0;
            if let Value::Seq(items) = v {
                for el in items.iter_mut() {
                    n += match_paths(el, rest, f)?;
                }
            }
            Ok(n)
        }
        Step::Entry(k, pat) => {
            let re = if pat == "*" {
                None
            } else {
                Some(
                    Regex::new(pat)
                        .map_err(|e| format!("invalid field path element {first}: {e}"))?,
                )
            };
            let mut n = 0;
            if let Value::Seq(items) = v {
                for el in items.iter_mut() {
                    let text = if k.is_empty() {
                        match &*el {
                            Value::Map(_) | Value::Seq(_) => continue,
                            other => scalar_text(other),
                        }
                    } else {
                        match el.get(k) {
                            Some(fv) if !matches!(fv, Value::Map(_) | Value::Seq(_)) => {
                                scalar_text(fv)
                            }
                            _ => continue,
                        }
                    };
                    if re.as_ref().is_none_or(|re| re.is_match(&text)) {
                        n += match_paths(el, rest, f)?;
                    }
                }
            }
            Ok(n)
        }
        Step::Index(i) if matches!(v, Value::Seq(_)) => match v {
            Value::Seq(items) => match items.get_mut(i) {
                Some(el) => match_paths(el, rest, f),
                None => Ok(0),
            },
            _ => Ok(0),
        },
        _ => match v {
            Value::Map(m) => match m.get_mut(first.as_str()) {
                Some(child) => match_paths(child, rest, f),
                None => Ok(0),
            },
            _ => Ok(0),
        },
    }
}

/// Walks a path creating what is missing (kyaml `LookupCreate`).
fn lookup_create<'a>(
    v: &'a mut Value,
    parts: &[String],
    leaf: &Value,
) -> Result<&'a mut Value, String> {
    let mut cur = v;
    for (i, p) in parts.iter().enumerate() {
        let next_is_list = parts
            .get(i + 1)
            .is_some_and(|n| matches!(step(n), Step::Entry(..) | Step::Index(_)));
        let empty_node = || {
            if i + 1 == parts.len() {
                match leaf {
                    Value::Map(_) => Value::new_map(),
                    Value::Seq(_) => Value::Seq(Vec::new()),
                    _ => Value::Null,
                }
            } else if next_is_list {
                Value::Seq(Vec::new())
            } else {
                Value::new_map()
            }
        };
        cur = match step(p) {
            Step::Any => return Err("cannot support create option in a multi-value target".into()),
            Step::Entry(k, val) => {
                if cur.is_null() {
                    *cur = Value::Seq(Vec::new());
                }
                let Value::Seq(items) = cur else {
                    return Err(format!(
                        "wrong node kind: expected SequenceNode but got {}",
                        node_kind(cur)
                    ));
                };
                let pos = match items.iter().position(|el| entry_matches_exact(el, k, val)) {
                    Some(pos) => pos,
                    None => {
                        if k.is_empty() {
                            items.push(Value::from(val));
                        } else {
                            let mut m = Mapping::new();
                            m.insert(k.to_string(), Value::from(val));
                            items.push(Value::Map(m));
                        }
                        items.len() - 1
                    }
                };
                &mut items[pos]
            }
            Step::Index(n) if matches!(cur, Value::Seq(_)) => {
                let Value::Seq(items) = cur else {
                    unreachable!()
                };
                let len = items.len();
                if n == len {
                    // One past the end appends.
                    items.push(empty_node());
                } else if n > len {
                    return Err(format!("index {n} specified but only {len} elements found"));
                }
                &mut items[n]
            }
            _ => {
                if cur.is_null() {
                    *cur = Value::new_map();
                }
                let Value::Map(m) = cur else {
                    return Err(format!(
                        "wrong node kind: expected MappingNode but got {}",
                        node_kind(cur)
                    ));
                };
                let e = m.entry(p.clone()).or_insert(Value::Null);
                if e.is_null() && i + 1 < parts.len() {
                    *e = empty_node();
                }
                e
            }
        };
    }
    Ok(cur)
}

fn node_kind(v: &Value) -> &'static str {
    match v {
        Value::Map(_) => "MappingNode",
        Value::Seq(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

// ------------------------------------------------------------------ setting

fn tag_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "!!null",
        Value::Bool(_) => "!!bool",
        Value::Int(_) | Value::Uint(_) => "!!int",
        Value::Float(_) => "!!float",
        Value::Str(_) => "!!str",
        Value::Seq(_) => "!!seq",
        Value::Map(_) => "!!map",
    }
}

/// The source's text put into a scalar that keeps its type.
fn retyped(target: &Value, text: &str) -> Result<Value, String> {
    if let Value::Str(_) = target {
        return Ok(Value::Str(text.to_string()));
    }
    let parsed = resolve_plain(text);
    let ok = matches!(
        (target, &parsed),
        (Value::Null, Value::Null)
            | (Value::Bool(_), Value::Bool(_))
            | (
                Value::Int(_) | Value::Uint(_),
                Value::Int(_) | Value::Uint(_)
            )
            | (
                Value::Float(_),
                Value::Float(_) | Value::Int(_) | Value::Uint(_)
            )
    );
    if ok {
        Ok(parsed)
    } else {
        Err(format!(
            "yaml: cannot decode {} `{}` as a {}",
            tag_of(&parsed),
            text,
            tag_of(target)
        ))
    }
}

fn set_target(t: &mut Value, value: &Value, opts: &Options) -> Result<(), String> {
    let mut value = value.clone();
    if !opts.delimiter.is_empty() {
        if matches!(t, Value::Map(_) | Value::Seq(_)) {
            return Err("delimiter option can only be used with scalar nodes".into());
        }
        let cur = scalar_text(t);
        let mut parts: Vec<String> = cur
            .split(opts.delimiter.as_str())
            .map(str::to_string)
            .collect();
        let v = scalar_text(&value);
        if opts.index < 0 {
            parts.insert(0, v);
        } else if opts.index as usize >= parts.len() {
            parts.push(v);
        } else {
            parts[opts.index as usize] = v;
        }
        value = Value::Str(parts.join(&opts.delimiter));
    }
    match t {
        Value::Map(_) | Value::Seq(_) => *t = value,
        _ => *t = retyped(t, &scalar_text(&value))?,
    }
    Ok(())
}

fn apply_one(res: &mut [Resource], r: &Replacement) -> Result<(), String> {
    let (Some(src), Some(targets)) = (&r.source, &r.targets) else {
        return Err("replacements must specify a source and at least one target".into());
    };
    // Source.
    let mut found: Option<usize> = None;
    let sel_desc = {
        let mut parts = vec![src.sel.id_string()];
        if !src.field_path.is_empty() {
            parts.push(src.field_path.clone());
        }
        let o = src.options.describe();
        if !o.is_empty() {
            parts.push(o);
        }
        parts.join(":")
    };
    for (i, res_i) in res.iter().enumerate() {
        if any_id_selected(res_i, &src.sel) {
            if found.is_some() {
                return Err(format!("multiple matches for selector {sel_desc}"));
            }
            found = Some(i);
        }
    }
    let Some(si) = found else {
        return Err(format!("nothing selected by {sel_desc}"));
    };
    let fp = if src.field_path.is_empty() {
        "metadata.name".to_string()
    } else {
        src.field_path.clone()
    };
    let value = match lookup(&res[si].obj, &split_path(&fp)) {
        Some(v) if !is_nil_or_empty(v) => v.clone(),
        _ => {
            return Err(format!(
                "fieldPath `{fp}` is missing for replacement source {}",
                src.sel.id_string()
            ))
        }
    };
    let value = if src.options.delimiter.is_empty() {
        value
    } else {
        if matches!(value, Value::Map(_) | Value::Seq(_)) {
            return Err("delimiter option can only be used with scalar nodes".into());
        }
        let text = scalar_text(&value);
        let pieces: Vec<&str> = text.split(src.options.delimiter.as_str()).collect();
        let idx = src.options.index;
        if idx < 0 || idx as usize >= pieces.len() {
            return Err(format!(
                "options.index {idx} is out of bounds for value {text}"
            ));
        }
        let piece = pieces[idx as usize];
        match value {
            Value::Str(_) => Value::Str(piece.to_string()),
            _ => resolve_plain(piece),
        }
    };

    // Targets.
    for t in targets {
        let Some(select) = &t.select else {
            return Err("target must specify resources to select".into());
        };
        let paths: Vec<String> = if t.field_paths.is_empty() {
            vec!["metadata.name".to_string()]
        } else {
            t.field_paths.clone()
        };
        for r in res.iter_mut() {
            if !matches_label_annos(r, select)? {
                continue;
            }
            let mut rejected = false;
            for rej in &t.reject {
                if rej.annotation_selector.is_empty() && rej.label_selector.is_empty() {
                    continue;
                }
                if matches_label_annos(r, rej)? {
                    rejected = true;
                    break;
                }
            }
            if rejected {
                continue;
            }
            // kubectl rejects a resource when any of its ids (current or
            // earlier) matches a reject entry.
            let all_ids = ids(r);
            let mut rejected_by_id = false;
            for rej in t.reject.iter().filter(|rej| !rej.id_is_empty()) {
                for id in &all_ids {
                    rejected_by_id |= id_selected_re(r, id, rej)?;
                }
            }
            let mut hit = false;
            if !rejected_by_id {
                for id in &all_ids {
                    hit |= id_selected_re(r, id, select)?;
                }
            }
            if !hit {
                continue;
            }
            for fp in &paths {
                apply_to_node(&mut r.obj, fp, &value, &t.options)?;
            }
        }
    }
    Ok(())
}

fn apply_to_node(obj: &mut Value, fp: &str, value: &Value, opts: &Options) -> Result<(), String> {
    let parts = split_path(fp);
    if opts.create {
        if parts.iter().any(|p| p == "*") {
            return Err("cannot support create option in a multi-value target".into());
        }
        let existed = lookup(obj, &parts).is_some();
        let node = lookup_create(obj, &parts, value).map_err(|e| {
            format!("unable to find or create field \"{fp}\" in replacement target: {e}")
        })?;
        if !existed {
            // kyaml creates an untagged node and copies the source's text
            // into it, so a created scalar is read again as plain YAML
            // (`"4"` becomes `4`); a mapping or list is copied whole.
            match value {
                Value::Map(_) | Value::Seq(_) => {
                    if !opts.delimiter.is_empty() {
                        return Err("delimiter option can only be used with scalar nodes".into());
                    }
                    *node = value.clone();
                }
                _ => {
                    let mut text = Value::Str(String::new());
                    set_target(&mut text, value, opts)?;
                    *node = resolve_plain(&scalar_text(&text));
                }
            }
            return Ok(());
        }
        return set_target(node, value, opts);
    }
    let mut err = None;
    let n = match_paths(obj, &parts, &mut |node| {
        if err.is_none() {
            if let Err(e) = set_target(node, value, opts) {
                err = Some(e);
            }
        }
        Ok(())
    })
    .map_err(|e| format!("unable to find field \"{fp}\" in replacement target: {e}"))?;
    if let Some(e) = err {
        return Err(e);
    }
    if n == 0 {
        return Err(format!(
            "unable to find field \"{fp}\" in replacement target"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<Resource> {
        crate::resource::resources_for_test(text)
    }

    fn specs(text: &str) -> Vec<Value> {
        match crate::yaml::parse_one(text).unwrap() {
            Value::Seq(s) => s,
            _ => panic!("not a list"),
        }
    }

    fn no_files(p: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file {p}"))
    }

    const RES: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: src
  namespace: ns1
  labels: {app: a}
data:
  host: db.example.com:5432
  num: "42"
  list: "x,y,z"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: dep
  labels: {app: a}
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: main
        image: nginx
        env:
        - name: HOST
          value: old
        - name: PORT
          value: "1"
        args: ["--a=1", "--b=2"]
      - name: side
        image: busybox
        env:
        - name: HOST
          value: old2
"#;

    /// /tmp/helperC/r1 first case, as kubectl kustomize printed it.
    #[test]
    fn like_kubectl_r1() {
        let mut res = docs(RES);
        for r in res.iter_mut() {
            let n = format!("p-{}", r.name());
            r.set_name(&n);
        }
        let s = specs(
            r#"
- source:
    kind: ConfigMap
    name: src
    fieldPath: data.host
    options: {delimiter: ":", index: 0}
  targets:
  - select: {kind: Deployment}
    fieldPaths:
    - spec.template.spec.containers.[name=main].env.[name=HOST].value
    - spec.template.spec.containers.*.env.[name=HOST].value
- source:
    kind: ConfigMap
    name: p-src
    fieldPath: data.num
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.replicas, spec.template.spec.containers.0.env.1.value, metadata.annotations.x]
    options: {create: true}
- source:
    kind: ConfigMap
    fieldPath: data.list
    options: {delimiter: ",", index: 2}
  targets:
  - select: {name: dep}
    fieldPaths:
    - spec.template.spec.containers.[name=side].image
    options: {delimiter: ":", index: 5}
  - select: {name: dep}
    fieldPaths:
    - spec.template.spec.containers.[name=main].image
    options: {delimiter: "n", index: -1}
"#,
        );
        apply(&mut res, &s, &no_files).unwrap();
        let d = &res[1].obj;
        let c = |i: usize| {
            d.get_path(&["spec", "template", "spec", "containers"])
                .unwrap()
                .as_seq()
                .unwrap()[i]
                .clone()
        };
        assert_eq!(d.get_path(&["spec", "replicas"]), Some(&Value::Int(42)));
        // A created field re-reads the text as plain YAML: `42` (kubectl
        // prints `"42"` only because it writes annotations as strings).
        assert_eq!(
            d.get_path(&["metadata", "annotations", "x"]),
            Some(&Value::Int(42))
        );
        assert_eq!(c(0).str_at(&["image"]), Some("znnginx"));
        assert_eq!(c(1).str_at(&["image"]), Some("busybox:z"));
        assert_eq!(
            c(0).get("env").unwrap().as_seq().unwrap()[0].str_at(&["value"]),
            Some("db.example.com")
        );
        assert_eq!(
            c(0).get("env").unwrap().as_seq().unwrap()[1].str_at(&["value"]),
            Some("42")
        );
        assert_eq!(
            c(1).get("env").unwrap().as_seq().unwrap()[0].str_at(&["value"]),
            Some("db.example.com")
        );
    }

    #[test]
    fn errors_like_kubectl() {
        let cases = [
            (
                "- source: {kind: ConfigMap, name: src, fieldPath: data.num}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.nothere.x]\n",
                "unable to find field \"spec.nothere.x\" in replacement target",
            ),
            (
                "- source: {kind: ConfigMap, name: src, fieldPath: data.nothere}\n  targets:\n  - select: {kind: Deployment}\n",
                "fieldPath `data.nothere` is missing for replacement source ConfigMap.[noVer].[noGrp]/src.[noNs]",
            ),
            (
                "- source: {name: nothing}\n  targets:\n  - select: {kind: Deployment}\n",
                "nothing selected by [noKind].[noVer].[noGrp]/nothing.[noNs]",
            ),
            (
                "- source: {version: v1}\n  targets:\n  - select: {kind: Deployment}\n",
                "multiple matches for selector [noKind].v1.[noGrp]/[noName].[noNs]",
            ),
            (
                "- source: {kind: ConfigMap}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths:\n    - spec.template.spec.containers.[name=nope].image\n",
                "unable to find field \"spec.template.spec.containers.[name=nope].image\" in replacement target",
            ),
            (
                "- source: {kind: ConfigMap, fieldPath: data.num}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.template.spec.containers.*.x]\n    options: {create: true}\n",
                "cannot support create option in a multi-value target",
            ),
        ];
        for (spec, want) in cases {
            let mut res = docs(RES);
            assert_eq!(
                apply(&mut res, &specs(spec), &no_files).unwrap_err(),
                want,
                "{spec}"
            );
        }
        let mut res = docs(RES);
        let e = apply(
            &mut res,
            &specs("- source: {kind: ConfigMap, fieldPath: data.num}\n  targets:\n  - select: {kind: ConfigMap}\n    fieldPaths: [data.*]\n"),
            &no_files,
        )
        .unwrap_err();
        assert!(
            e.starts_with("unable to find field \"data.*\" in replacement target: wrong node kind"),
            "{e}"
        );
    }

    #[test]
    fn regex_entries_and_types() {
        let mut res = docs(RES);
        apply(
            &mut res,
            &specs(
                "- source: {kind: ConfigMap, fieldPath: data.num}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths:\n    - spec.template.spec.containers.[name=ai].image\n    - spec.template.spec.containers.[name=^s].env.[name=HOST].value\n    - spec.template.spec.containers.[name=main].args.[=-b]\n",
            ),
            &no_files,
        )
        .unwrap();
        let cs = res[1]
            .obj
            .get_path(&["spec", "template", "spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap();
        assert_eq!(cs[0].str_at(&["image"]), Some("42"));
        assert_eq!(cs[1].str_at(&["image"]), Some("busybox"));
        assert_eq!(
            cs[0].get("args").unwrap().as_seq().unwrap()[1],
            Value::from("42")
        );
        assert_eq!(
            cs[1].get("env").unwrap().as_seq().unwrap()[0].str_at(&["value"]),
            Some("42")
        );
    }

    #[test]
    fn retype_rules() {
        assert_eq!(retyped(&Value::Int(1), "7").unwrap(), Value::Int(7));
        assert_eq!(retyped(&Value::Float(1.5), "7").unwrap(), Value::Int(7));
        assert_eq!(
            retyped(&Value::Str("x".into()), "true").unwrap(),
            Value::from("true")
        );
        assert_eq!(
            retyped(&Value::Bool(false), "true").unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            retyped(&Value::Null, "7").unwrap_err(),
            "yaml: cannot decode !!int `7` as a !!null"
        );
        assert_eq!(
            retyped(&Value::Int(1), "1.5").unwrap_err(),
            "yaml: cannot decode !!float `1.5` as a !!int"
        );
    }

    #[test]
    fn create_fields_and_lists() {
        let mut res = docs(RES);
        apply(
            &mut res,
            &specs(
                "- source: {kind: Deployment, fieldPath: spec.replicas}\n  targets:\n  - select: {kind: ConfigMap}\n    fieldPaths: [data.num, metadata.labels.x, 'metadata.annotations.[a.b/c]', 'spec.list.[name=foo].value']\n    options: {create: true}\n",
            ),
            &no_files,
        )
        .unwrap();
        let o = &res[0].obj;
        assert_eq!(o.str_at(&["data", "num"]), Some("1"));
        assert_eq!(
            o.get_path(&["metadata", "labels", "x"]),
            Some(&Value::Int(1))
        );
        assert_eq!(
            o.get_path(&["metadata", "annotations", "a.b/c"]),
            Some(&Value::Int(1))
        );
        let l = o.get_path(&["spec", "list"]).unwrap().as_seq().unwrap();
        assert_eq!(l[0].str_at(&["name"]), Some("foo"));
        assert_eq!(l[0].get("value"), Some(&Value::Int(1)));
    }

    /// /tmp/helperC/r7, r8, r13 as kubectl kustomize printed them.
    #[test]
    fn create_indexes_and_dash() {
        let base = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: src\ndata:\n  s: hello\n---\napiVersion: v1\nkind: Target\nmetadata:\n  name: t\nspec:\n  list: [1, 2]\n  strs: [x, y]\n";
        let run = |paths: &str, opts: &str| {
            let mut res = docs(base);
            let spec = format!("- source: {{kind: ConfigMap, fieldPath: data.s}}\n  targets:\n  - select: {{kind: Target}}\n    fieldPaths: [{paths}]\n    options: {{{opts}}}\n");
            apply(&mut res, &specs(&spec), &no_files)
                .map(|_| res[1].obj.get("spec").unwrap().clone())
        };
        let s = run("spec.n1.0, spec.n2.0.x, spec.strs.2", "create: true").unwrap();
        assert_eq!(s.get("n1"), Some(&Value::Seq(vec![Value::from("hello")])));
        assert_eq!(
            s.get("n2").unwrap().as_seq().unwrap()[0].str_at(&["x"]),
            Some("hello")
        );
        assert_eq!(s.get("strs").unwrap().as_seq().unwrap().len(), 3);
        assert_eq!(
            run("spec.list.5", "create: true").unwrap_err(),
            "unable to find or create field \"spec.list.5\" in replacement target: index 5 specified but only 2 elements found"
        );
        assert!(run("spec.list.-", "create: true")
            .unwrap_err()
            .contains("expected MappingNode but got SequenceNode"));
        // `-` under a new field is a mapping key; delimiters on new fields.
        let s = run(
            "spec.newd, spec.newlist.-, spec.strs.1",
            "delimiter: '.', index: 1, create: true",
        )
        .unwrap();
        assert_eq!(s.str_at(&["newd"]), Some(".hello"));
        assert_eq!(s.str_at(&["newlist", "-"]), Some(".hello"));
        assert_eq!(
            s.get("strs").unwrap().as_seq().unwrap()[1],
            Value::from("y.hello")
        );
    }

    /// fixtures/kustomize/replacements_basic: a string `"4"` written into
    /// an existing int field stays an int; into a created label it is read
    /// again as plain YAML (`4`); an existing list is replaced whole.
    #[test]
    fn created_scalars_are_reread() {
        let mut res = docs(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n  n: \"4\"\n  e: \"\"\n---\napiVersion: v1\nkind: T\nmetadata:\n  name: t\nspec:\n  r: 1\n  strs: [x, y]\n",
        );
        let s = specs(
            "- source: {kind: ConfigMap, fieldPath: data.n}\n  targets:\n  - select: {kind: T}\n    fieldPaths: [spec.r, metadata.labels.hint, spec.strs]\n    options: {create: true}\n- source: {kind: ConfigMap, fieldPath: data.e}\n  targets:\n  - select: {kind: T}\n    fieldPaths: [spec.e1]\n    options: {create: true}\n",
        );
        apply(&mut res, &s, &no_files).unwrap();
        let o = &res[1].obj;
        assert_eq!(o.get_path(&["spec", "r"]), Some(&Value::Int(4)));
        assert_eq!(
            o.get_path(&["metadata", "labels", "hint"]),
            Some(&Value::Int(4))
        );
        assert_eq!(o.get_path(&["spec", "strs"]), Some(&Value::from("4")));
        assert_eq!(o.get_path(&["spec", "e1"]), Some(&Value::Null));
    }

    #[test]
    fn path_file_entries() {
        let mut res = docs(RES);
        let read = |p: &str| -> Result<Vec<u8>, String> {
            assert_eq!(p, "repl.yaml");
            Ok(b"source: {kind: ConfigMap, fieldPath: data.num}\ntargets:\n- select: {kind: Deployment}\n  fieldPaths: [spec.replicas]\n".to_vec())
        };
        apply(&mut res, &specs("- path: repl.yaml\n"), &read).unwrap();
        assert_eq!(
            res[1].obj.get_path(&["spec", "replicas"]),
            Some(&Value::Int(42))
        );
    }

    #[test]
    fn split_paths() {
        assert_eq!(
            split_path("spec.containers.[name=com.foo].image"),
            vec!["spec", "containers", "[name=com.foo]", "image"]
        );
        assert_eq!(
            split_path("metadata.annotations.[a.b/c]"),
            vec!["metadata", "annotations", "a.b/c"]
        );
        assert_eq!(split_path("a\\.b.c"), vec!["a.b", "c"]);
    }

    #[test]
    fn label_selectors() {
        let l = vec![
            ("app".to_string(), "a".to_string()),
            ("tier".to_string(), "web".to_string()),
        ];
        assert!(label_selector_matches("app=a", &l).unwrap());
        assert!(label_selector_matches("app=a,tier in (web, db)", &l).unwrap());
        assert!(!label_selector_matches("app!=a", &l).unwrap());
        assert!(label_selector_matches("!x,app", &l).unwrap());
        assert!(!label_selector_matches("tier notin (web)", &l).unwrap());
    }
}
