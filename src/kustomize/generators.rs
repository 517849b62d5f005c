//! `configMapGenerator` and `secretGenerator`, with `behavior` create,
//! merge and replace against resources already in the list.
//!
//! Facts (checked against `kubectl kustomize`, kustomize v5.8.1):
//! - Pairs are read in the order env files, literals, files; a key may
//!   appear only once across all of them ("configmap NAME illegally repeats
//!   the key `K`", for Secrets too). kubectl does not validate key syntax
//!   (`a b`, `a/b`, `..` are all accepted).
//! - Literals split at the first `=`; a value wrapped in matching `"` or `'`
//!   loses them. No `=` or a leading `=` is an error.
//! - Files: `path` (key = basename) or `key=path`. A ConfigMap keeps valid
//!   UTF-8 content in `data`, anything else base64 in `binaryData`.
//! - Env files: lines split at `\n` (a trailing `\r` dropped), BOM trimmed
//!   on the first line, leading whitespace trimmed, blank lines and `#`
//!   lines skipped, `K` alone gives `K: ""` (the environment is not read).
//! - Options: local labels/annotations win over `generatorOptions`;
//!   `disableNameSuffixHash` and `immutable` are true when either says so.
//! - Secret values and ConfigMap `binaryData` are base64, cut into lines
//!   of 70 characters each ending in a newline once they reach 70.
//! - An empty ConfigMap has no `data`; a Secret always has `data` (maybe
//!   `{}`) and `type` (default `Opaque`).
//! - merge/replace find the existing resource by any of its ids (current or
//!   earlier name/namespace); the result keeps the old name, namespace and
//!   name history, merges labels and annotations (new wins), merge also
//!   merges `data`/`binaryData` (new wins), everything else is the new
//!   object's. The hash suffix is added only when both old and new want it.

use super::types::{GeneratorArgs, GeneratorOptions, Kustomization};
use crate::resource::{Behavior, Generated, Origin, Resource};
use crate::yaml::{Mapping, Value};

/// Reads a file named relative to the kustomization's directory (load
/// restrictor applied by the caller).
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Result<Vec<u8>, String>;

/// Runs this kustomization's generators (ConfigMaps, then Secrets).
pub fn run(res: &mut Vec<Resource>, k: &Kustomization, read: ReadFile<'_>) -> Result<(), String> {
    for args in &k.config_map_generator {
        let r = make(GenKind::ConfigMap, args, &k.generator_options, read)?;
        absorb(res, r, args.behavior)?;
    }
    for args in &k.secret_generator {
        let r = make(GenKind::Secret, args, &k.generator_options, read)?;
        absorb(res, r, args.behavior)?;
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum GenKind {
    ConfigMap,
    Secret,
}

/// Makes one generated object (not yet merged into the list).
fn make(
    kind: GenKind,
    args: &GeneratorArgs,
    global: &GeneratorOptions,
    read: ReadFile<'_>,
) -> Result<Resource, String> {
    if args.name.is_empty() {
        return Err(match kind {
            GenKind::ConfigMap => "a configmap must have a name".to_string(),
            GenKind::Secret => "a configmap must have a name".to_string(),
        });
    }
    let opts = merge_options(&args.options, global);
    let pairs = load_pairs(args, read).map_err(|e| format!("loading KV pairs: {e}"))?;
    let mut seen = std::collections::HashSet::new();
    for (k, _) in &pairs {
        if !seen.insert(k.as_str()) {
            return Err(format!(
                "configmap {} illegally repeats the key `{}`",
                args.name, k
            ));
        }
    }

    let mut obj = Mapping::new();
    obj.insert("apiVersion".into(), Value::from("v1"));
    let kind_name = match kind {
        GenKind::ConfigMap => "ConfigMap",
        GenKind::Secret => "Secret",
    };
    obj.insert("kind".into(), Value::from(kind_name));
    let mut md = Mapping::new();
    md.insert("name".into(), Value::from(args.name.as_str()));
    if let Some(ns) = args.namespace.as_deref().filter(|s| !s.is_empty()) {
        md.insert("namespace".into(), Value::from(ns));
    }
    if !opts.labels.is_empty() {
        md.insert("labels".into(), string_map(&opts.labels));
    }
    if !opts.annotations.is_empty() {
        md.insert("annotations".into(), string_map(&opts.annotations));
    }
    obj.insert("metadata".into(), Value::Map(md));

    match kind {
        GenKind::ConfigMap => {
            let mut data = Mapping::new();
            let mut bin = Mapping::new();
            for (k, v) in pairs {
                match String::from_utf8(v) {
                    Ok(s) => {
                        data.insert(k, Value::Str(s));
                    }
                    Err(e) => {
                        bin.insert(k, Value::Str(base64_lines(e.as_bytes())));
                    }
                }
            }
            if !data.is_empty() {
                obj.insert("data".into(), Value::Map(data));
            }
            if !bin.is_empty() {
                obj.insert("binaryData".into(), Value::Map(bin));
            }
        }
        GenKind::Secret => {
            let t = args
                .secret_type
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or("Opaque");
            obj.insert("type".into(), Value::from(t));
            let mut data = Mapping::new();
            for (k, v) in pairs {
                data.insert(k, Value::Str(base64_lines(&v)));
            }
            obj.insert("data".into(), Value::Map(data));
        }
    }
    if opts.immutable == Some(true) {
        obj.insert("immutable".into(), Value::Bool(true));
    }

    let mut r = Resource::new(
        Value::Map(obj),
        Origin {
            file: format!(
                "{}:{}",
                match kind {
                    GenKind::ConfigMap => "configMapGenerator",
                    GenKind::Secret => "secretGenerator",
                },
                args.name
            ),
            line: 0,
        },
    );
    r.generated = Some(Generated {
        behavior: args.behavior,
        hash: opts.disable_name_suffix_hash != Some(true),
    });
    Ok(r)
}

/// The generator's own options combined with the kustomization's
/// `generatorOptions`.
pub fn merge_options(local: &GeneratorOptions, global: &GeneratorOptions) -> GeneratorOptions {
    let mut out = GeneratorOptions::default();
    for (k, v) in &global.labels {
        out.labels.insert(k.clone(), v.clone());
    }
    for (k, v) in &local.labels {
        out.labels.insert(k.clone(), v.clone());
    }
    for (k, v) in &global.annotations {
        out.annotations.insert(k.clone(), v.clone());
    }
    for (k, v) in &local.annotations {
        out.annotations.insert(k.clone(), v.clone());
    }
    let either = |a: Option<bool>, b: Option<bool>| -> Option<bool> {
        Some(a == Some(true) || b == Some(true))
    };
    out.disable_name_suffix_hash = either(
        local.disable_name_suffix_hash,
        global.disable_name_suffix_hash,
    );
    out.immutable = either(local.immutable, global.immutable);
    out
}

fn string_map(m: &indexmap::IndexMap<String, String>) -> Value {
    Value::Map(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
            .collect(),
    )
}

/// Go's `%v` of a string slice: `[a b c]`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// All key/value pairs of a generator: env files, literals, then files.
fn load_pairs(args: &GeneratorArgs, read: ReadFile<'_>) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut all = Vec::new();
    for p in &args.envs {
        let content =
            read(p).map_err(|e| format!("env source files: {}: {e}", go_list(&args.envs)))?;
        let pairs = parse_env(&content)
            .map_err(|e| format!("env source files: {}: {e}", go_list(&args.envs)))?;
        all.extend(pairs.into_iter().map(|(k, v)| (k, v.into_bytes())));
    }
    for l in &args.literals {
        let (k, v) = parse_literal(l)
            .map_err(|e| format!("literal sources {}: {e}", go_list(&args.literals)))?;
        all.push((k, v.into_bytes()));
    }
    for f in &args.files {
        let (k, path) = parse_file_source(f)
            .map_err(|e| format!("file sources: {}: {e}", go_list(&args.files)))?;
        let content =
            read(&path).map_err(|e| format!("file sources: {}: {e}", go_list(&args.files)))?;
        all.push((k, content));
    }
    Ok(all)
}

/// `key=value`, the value unquoted when wrapped in matching quotes.
pub fn parse_literal(source: &str) -> Result<(String, String), String> {
    let bad = || format!("invalid literal source {source}, expected key=value");
    let (k, v) = source.split_once('=').ok_or_else(bad)?;
    if k.is_empty() {
        return Err(bad());
    }
    Ok((k.to_string(), remove_quotes(v).to_string()))
}

fn remove_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        return &s[1..s.len() - 1];
    }
    s
}

/// `path` (key = basename) or `key=path`.
pub fn parse_file_source(source: &str) -> Result<(String, String), String> {
    match source.find('=') {
        None => Ok((path_base(source), source.to_string())),
        Some(0) => Err(format!(
            "missing key name for file path {} in source {}",
            go_quote(&source[1..]),
            go_quote(source)
        )),
        Some(i) => {
            let key = &source[..i];
            let path = &source[i + 1..];
            if path.contains('=') && !path.starts_with("http://") && !path.starts_with("https://") {
                return Err(format!(
                    "source {} key name or file path contains '='",
                    go_quote(source)
                ));
            }
            if path.is_empty() {
                return Err(format!(
                    "missing file path for key name {} in source {}",
                    go_quote(key),
                    go_quote(source)
                ));
            }
            Ok((key.to_string(), path.to_string()))
        }
    }
}

/// Go's `path.Base`.
fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    match t.rfind('/') {
        Some(i) => t[i + 1..].to_string(),
        None => t.to_string(),
    }
}

/// Go's `%q` for plain text (good enough for messages).
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses an env file into pairs.
pub fn parse_env(content: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut lines: Vec<&[u8]> = content.split(|b| *b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    for (i, raw) in lines.into_iter().enumerate() {
        let mut line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if i == 0 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let text = std::str::from_utf8(line)
            .map_err(|_| format!("line {} has invalid utf8 bytes", i + 1))?;
        let text = text.trim_start();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (k, v) = match text.split_once('=') {
            Some((k, v)) => (k, v),
            None => (text, ""),
        };
        if k.is_empty() {
            continue;
        }
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

/// Base64 as kustomize writes generated values: once the text reaches 70
/// characters it is cut into 70-character lines, each ending in `\n`
/// (so the YAML shows a `|` block); shorter text stays on one line.
pub fn base64_lines(data: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64_encode(data);
    if enc.len() < LINE {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / LINE + 1);
    for chunk in enc.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b0 = chunk[0] as u32;
        let b1 = chunk.get(1).copied().unwrap_or(0) as u32;
        let b2 = chunk.get(2).copied().unwrap_or(0) as u32;
        let n = (b0 << 16) | (b1 << 8) | b2;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Namespace as kustomize compares it: "" and "default" are the same.
fn effective_ns(ns: &str) -> &str {
    if ns.is_empty() {
        "default"
    } else {
        ns
    }
}

/// Whether a resource has (or had) the given gvk, namespace and name.
fn matches_any_id(
    r: &Resource,
    group: &str,
    version: &str,
    kind: &str,
    ns: &str,
    name: &str,
) -> bool {
    if r.group() != group || r.version() != version || r.kind() != kind {
        return false;
    }
    let want_ns = effective_ns(ns);
    if effective_ns(r.namespace()) == want_ns && r.name() == name {
        return true;
    }
    r.previous
        .iter()
        .any(|(pns, pname)| effective_ns(pns) == want_ns && pname == name)
}

/// Go's `%#v` of a kustomize ResId, as its messages print it.
fn go_resid(kind: &str, name: &str, ns: &str) -> String {
    format!(
        "resid.ResId{{Gvk:resid.Gvk{{Group:\"\", Version:\"v1\", Kind:\"{kind}\", isClusterScoped:false}}, Name:\"{name}\", Namespace:\"{ns}\"}}"
    )
}

/// Adds a generated resource to the list following its behavior.
fn absorb(res: &mut Vec<Resource>, new: Resource, behavior: Behavior) -> Result<(), String> {
    let (kind, name, ns) = (
        new.kind().to_string(),
        new.name().to_string(),
        new.namespace().to_string(),
    );
    let matches: Vec<usize> = res
        .iter()
        .enumerate()
        .filter(|(_, r)| matches_any_id(r, "", "v1", &kind, &ns, &name))
        .map(|(i, _)| i)
        .collect();
    match matches.len() {
        0 => match behavior {
            Behavior::Create => {
                res.push(new);
                Ok(())
            }
            Behavior::Merge | Behavior::Replace => Err(format!(
                "merging from generator: id {} does not exist; cannot merge or replace",
                go_resid(&kind, &name, &ns)
            )),
        },
        1 => {
            let idx = matches[0];
            if behavior == Behavior::Create {
                return Err(format!(
                    "merging from generator: id {} exists; can not use behavior: 'create', behavior must be merge or replace",
                    go_resid(&kind, &name, &ns)
                ));
            }
            let merged = combine(&res[idx], new, behavior == Behavior::Merge);
            res[idx] = merged;
            Ok(())
        }
        n => Err(format!(
            "merging from generator: found {n} objects that could accept merge of {}",
            go_resid(&kind, &name, &ns)
        )),
    }
}

/// A mapping of strings at `path`, scalars turned into their text.
fn str_entries(obj: &Value, path: &[&str]) -> Mapping {
    let mut out = Mapping::new();
    if let Some(Value::Map(m)) = obj.get_path(path) {
        for (k, v) in m {
            if let Some(s) = v.scalar_string() {
                out.insert(k.clone(), Value::Str(s));
            }
        }
    }
    out
}

/// Sets (or removes, when empty) a string mapping at `path`.
fn set_entries(obj: &mut Value, path: &[&str], m: Mapping) {
    if m.is_empty() {
        if let Some((last, parent)) = path.split_last() {
            if let Some(Value::Map(pm)) = obj.get_path_mut(parent) {
                pm.shift_remove(*last);
            }
        }
        return;
    }
    *obj.ensure_path(path) = Value::Map(m);
}

fn merged_maps(old: &Value, new: &Value, path: &[&str]) -> Mapping {
    let mut m = str_entries(old, path);
    for (k, v) in str_entries(new, path) {
        m.insert(k, v);
    }
    m
}

/// The result of merging (`data`) or replacing a generated object into an
/// existing one.
fn combine(old: &Resource, new: Resource, merge_data: bool) -> Resource {
    let mut obj = new.obj.clone();
    let labels = merged_maps(&old.obj, &new.obj, &["metadata", "labels"]);
    set_entries(&mut obj, &["metadata", "labels"], labels);
    let annos = merged_maps(&old.obj, &new.obj, &["metadata", "annotations"]);
    set_entries(&mut obj, &["metadata", "annotations"], annos);
    *obj.ensure_path(&["metadata", "name"]) = Value::from(old.name());
    if old.namespace().is_empty() {
        if let Some(Value::Map(md)) = obj.get_mut("metadata") {
            md.shift_remove("namespace");
        }
    } else {
        *obj.ensure_path(&["metadata", "namespace"]) = Value::from(old.namespace());
    }
    if merge_data {
        for field in ["data", "binaryData"] {
            let had = old.obj.get(field).is_some() || new.obj.get(field).is_some();
            let m = merged_maps(&old.obj, &new.obj, &[field]);
            if had {
                *obj.ensure_path(&[field]) = Value::Map(m);
            }
        }
    }
    let old_hash = old.generated.as_ref().is_some_and(|g| g.hash);
    let new_gen = new.generated.clone().unwrap_or(Generated {
        behavior: Behavior::Create,
        hash: false,
    });
    Resource {
        obj,
        origin: old.origin.clone(),
        generated: Some(Generated {
            behavior: new_gen.behavior,
            hash: old_hash && new_gen.hash,
        }),
        previous: old.previous.clone(),
        empty_nulls: Vec::new(),
        build_meta: old.build_meta.clone(),
        shared_values: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::hash;

    fn reader(
        files: &'static [(&'static str, &'static [u8])],
    ) -> impl Fn(&str) -> Result<Vec<u8>, String> {
        move |p: &str| {
            files
                .iter()
                .find(|(n, _)| *n == p)
                .map(|(_, c)| c.to_vec())
                .ok_or_else(|| format!("no such file {p}"))
        }
    }

    fn kust(cms: Vec<GeneratorArgs>, secrets: Vec<GeneratorArgs>) -> Kustomization {
        Kustomization {
            config_map_generator: cms,
            secret_generator: secrets,
            ..Default::default()
        }
    }

    fn args(name: &str) -> GeneratorArgs {
        GeneratorArgs {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn base64() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"1"), "MQ==");
        assert_eq!(base64_encode(b"b<>&"), "Yjw+Jg==");
        assert_eq!(base64_encode(b"hello\nworld\n"), "aGVsbG8Kd29ybGQK");
        assert_eq!(base64_encode(b"a\x00\xff\xfe"), "YQD//g==");
    }

    /// /tmp/helperC/b64 and fixtures/kustomize/secretgen_basic.
    #[test]
    fn base64_line_breaks() {
        assert_eq!(base64_lines(&[b'a'; 51]), base64_encode(&[b'a'; 51]));
        let exact = base64_lines(&[0xff; 52]);
        assert_eq!(exact, format!("{}w\n==\n", "/".repeat(69)));
        let t60 = base64_lines(&[b'a'; 60]);
        assert_eq!(
            t60,
            "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYW\nFhYWFhYWFh\n"
        );
        let mut sec = args("s");
        sec.files = vec!["t60.txt".into(), "exact.bin".into()];
        static FILES: &[(&str, &[u8])] = &[("t60.txt", &[b'a'; 60]), ("exact.bin", &[0xff; 52])];
        let mut res = Vec::new();
        run(&mut res, &kust(vec![], vec![sec]), &reader(FILES)).unwrap();
        hash::add_hashes(&mut res).unwrap();
        assert_eq!(res[0].name(), "s-8dmc7f6dk6");
    }

    #[test]
    fn literals_and_quotes() {
        assert_eq!(parse_literal("two=\"quoted\"").unwrap().1, "quoted");
        assert_eq!(parse_literal("three='x'").unwrap().1, "x");
        assert_eq!(parse_literal("k=a=b").unwrap(), ("k".into(), "a=b".into()));
        assert_eq!(parse_literal("four=").unwrap().1, "");
        assert_eq!(parse_literal("q=\"").unwrap().1, "\"");
        assert!(parse_literal("=1").is_err());
        assert!(parse_literal("a").is_err());
    }

    #[test]
    fn file_sources() {
        assert_eq!(
            parse_file_source("dir/f.txt").unwrap(),
            ("f.txt".into(), "dir/f.txt".into())
        );
        assert_eq!(
            parse_file_source("k=a&b.txt").unwrap(),
            ("k".into(), "a&b.txt".into())
        );
        assert_eq!(
            parse_file_source("=a").unwrap_err(),
            "missing key name for file path \"a\" in source \"=a\""
        );
        assert_eq!(
            parse_file_source("k=").unwrap_err(),
            "missing file path for key name \"k\" in source \"k=\""
        );
        assert_eq!(
            parse_file_source("k=a=b").unwrap_err(),
            "source \"k=a=b\" key name or file path contains '='"
        );
    }

    #[test]
    fn env_files() {
        let p =
            parse_env(b"\xef\xbb\xbfA= 1 \r\n  B=x\\n # y\nexport C=1\n# c\n\nK2\n=1\n").unwrap();
        assert_eq!(
            p,
            vec![
                ("A".into(), " 1 ".into()),
                ("B".into(), "x\\n # y".into()),
                ("export C".into(), "1".into()),
                ("K2".into(), "".into()),
            ]
        );
        assert!(parse_env(b"A=\xff\n").is_err());
    }

    /// The g1 case of /tmp/helperC, output of kubectl kustomize.
    #[test]
    fn configmap_and_secrets_like_kubectl() {
        static FILES: &[(&str, &[u8])] = &[
            ("bin.dat", b"a\x00\xff\xfe"),
            ("f.txt", b"hello\nworld\n"),
            ("e.env", b"# c\n\n  K1=v1\nK2\nK3=a=b\n"),
        ];
        let read = reader(FILES);
        let mut cm = args("cm");
        cm.literals = vec![
            "one=1".into(),
            "two=\"quoted\"".into(),
            "three='x'".into(),
            "four=".into(),
        ];
        cm.files = vec!["f.txt".into(), "bk=bin.dat".into()];
        cm.envs = vec!["e.env".into()];
        let mut sec = args("sec");
        sec.literals = vec!["a=b<>&".into()];
        sec.secret_type = Some("kubernetes.io/tls".into());
        let mut sec2 = args("sec2");
        sec2.namespace = Some("foo".into());
        sec2.files = vec!["f.txt".into()];
        sec2.options.labels.insert("x".into(), "z".into());
        sec2.options.immutable = Some(true);
        let mut k = kust(vec![cm], vec![sec, sec2]);
        k.generator_options.labels.insert("g".into(), "h".into());
        k.generator_options
            .annotations
            .insert("an".into(), "v".into());
        let mut res = Vec::new();
        run(&mut res, &k, &read).unwrap();
        hash::add_hashes(&mut res).unwrap();
        assert_eq!(res.len(), 3);
        assert_eq!(res[0].name(), "cm-6hhhhfdb72");
        assert_eq!(res[0].obj.str_at(&["binaryData", "bk"]), Some("YQD//g=="));
        assert_eq!(res[0].obj.str_at(&["data", "K2"]), Some(""));
        assert_eq!(res[0].obj.str_at(&["data", "K3"]), Some("a=b"));
        assert_eq!(res[0].obj.str_at(&["metadata", "labels", "g"]), Some("h"));
        assert_eq!(res[1].name(), "sec-c47t955hdf");
        assert_eq!(res[1].obj.str_at(&["type"]), Some("kubernetes.io/tls"));
        assert_eq!(res[1].obj.str_at(&["data", "a"]), Some("Yjw+Jg=="));
        assert_eq!(res[2].name(), "sec2-bt25d27755");
        assert_eq!(res[2].namespace(), "foo");
        assert_eq!(res[2].obj.get("immutable"), Some(&Value::Bool(true)));
        assert_eq!(res[2].obj.str_at(&["metadata", "labels", "x"]), Some("z"));
        assert_eq!(res[2].obj.str_at(&["type"]), Some("Opaque"));
    }

    #[test]
    fn empty_generators() {
        let read = reader(&[]);
        let k = kust(vec![args("cm")], vec![args("s")]);
        let mut res = Vec::new();
        run(&mut res, &k, &read).unwrap();
        assert!(res[0].obj.get("data").is_none());
        assert_eq!(res[1].obj.get("data"), Some(&Value::new_map()));
        hash::add_hashes(&mut res).unwrap();
        assert_eq!(res[0].name(), "cm-6ct58987ht");
        assert_eq!(res[1].name(), "s-46f8b28mk5");
    }

    #[test]
    fn errors() {
        let read = reader(&[]);
        let mut a = args("cm");
        a.literals = vec!["a=1".into(), "a=2".into()];
        let mut res = Vec::new();
        assert_eq!(
            run(&mut res, &kust(vec![a], vec![]), &read).unwrap_err(),
            "configmap cm illegally repeats the key `a`"
        );
        assert_eq!(
            run(&mut res, &kust(vec![args("")], vec![]), &read).unwrap_err(),
            "a configmap must have a name"
        );
        let mut b = args("cm");
        b.literals = vec!["=1".into()];
        assert_eq!(
            run(&mut res, &kust(vec![b], vec![]), &read).unwrap_err(),
            "loading KV pairs: literal sources [=1]: invalid literal source =1, expected key=value"
        );
        let mut c = args("cm");
        c.behavior = Behavior::Merge;
        assert!(run(&mut res, &kust(vec![c], vec![]), &read)
            .unwrap_err()
            .contains("does not exist; cannot merge or replace"));
    }

    #[test]
    fn merge_and_replace() {
        // /tmp/helperC/m1: base cm (a=1,b=2, labels l1, annotation an1),
        // overlay merge b=3,c=4 label l2 -> a,b=3,c, both labels.
        let read = reader(&[]);
        let mut base = args("cm");
        base.literals = vec!["a=1".into(), "b=2".into()];
        base.options.labels.insert("l1".into(), "base".into());
        base.options.annotations.insert("an1".into(), "base".into());
        let mut s = args("s");
        s.literals = vec!["a=1".into()];
        s.secret_type = Some("kubernetes.io/foo".into());
        s.options.disable_name_suffix_hash = Some(true);
        let mut res = Vec::new();
        run(&mut res, &kust(vec![base], vec![s]), &read).unwrap();
        for r in res.iter_mut() {
            let n = format!("p-{}", r.name());
            r.set_name(&n);
        }
        let mut ov = args("cm");
        ov.behavior = Behavior::Merge;
        ov.literals = vec!["b=3".into(), "c=4".into()];
        ov.options.labels.insert("l2".into(), "ov".into());
        let mut ovs = args("s");
        ovs.behavior = Behavior::Replace;
        ovs.literals = vec!["z=1".into()];
        run(&mut res, &kust(vec![ov], vec![ovs]), &read).unwrap();
        hash::add_hashes(&mut res).unwrap();
        assert_eq!(res.len(), 2);
        assert_eq!(res[0].name(), "p-cm-fbcmkbc66h");
        assert_eq!(res[0].obj.str_at(&["data", "b"]), Some("3"));
        assert_eq!(
            res[0].obj.str_at(&["metadata", "labels", "l1"]),
            Some("base")
        );
        assert_eq!(
            res[0].obj.str_at(&["metadata", "annotations", "an1"]),
            Some("base")
        );
        assert_eq!(res[1].name(), "p-s");
        assert_eq!(res[1].obj.str_at(&["type"]), Some("Opaque"));
        assert!(res[1].obj.get_path(&["data", "a"]).is_none());
    }

    #[test]
    fn options_merge() {
        let mut local = GeneratorOptions::default();
        local.labels.insert("l".into(), "local".into());
        local.disable_name_suffix_hash = Some(false);
        let mut global = GeneratorOptions::default();
        global.labels.insert("l".into(), "global".into());
        global.labels.insert("g".into(), "global".into());
        global.disable_name_suffix_hash = Some(true);
        let m = merge_options(&local, &global);
        assert_eq!(m.labels["l"], "local");
        assert_eq!(m.labels["g"], "global");
        assert_eq!(m.disable_name_suffix_hash, Some(true));
    }
}
