//! The content hash kustomize appends to generated ConfigMap/Secret names.
//!
//! kustomize looks the name up with the single path element
//! `metadata/name` (a top-level key that never exists), so the name is
//! always `""` in the hash input: `kubectl kustomize` gives `cm-6ct58987ht`
//! and `p-cm-6ct58987ht` alike.
//!
//! The hash input is a small JSON object written the way Go's
//! `encoding/json` writes it (sorted keys, no spaces, HTML characters
//! escaped): for a ConfigMap `data`, `kind`, `name` and `binaryData` when it
//! is a mapping; for a Secret `data`, `kind`, `name`, `type` and
//! `stringData` when it is a mapping. A missing field is `""`. The SHA-256
//! of that text, in lowercase hex, is cut to 10 characters and a few
//! characters are swapped so the result never reads as a number or word.

use sha2::{Digest, Sha256};

use crate::resource::Resource;
use crate::yaml::{Mapping, Value};

/// The 10-character suffix for a ConfigMap or Secret object.
pub fn name_hash(obj: &Value) -> Result<String, String> {
    let kind = obj.str_at(&["kind"]).unwrap_or("");
    let mut m = Mapping::new();
    match kind {
        "ConfigMap" => {
            m.insert("kind".into(), Value::from("ConfigMap"));
            m.insert("name".into(), field_value(obj, &["metadata/name"]));
            m.insert("data".into(), field_value(obj, &["data"]));
            if let Some(b @ Value::Map(_)) = obj.get("binaryData") {
                m.insert("binaryData".into(), b.clone());
            }
        }
        "Secret" => {
            m.insert("kind".into(), Value::from("Secret"));
            m.insert("type".into(), field_value(obj, &["type"]));
            m.insert("name".into(), field_value(obj, &["metadata/name"]));
            m.insert("data".into(), field_value(obj, &["data"]));
            if let Some(s @ Value::Map(_)) = obj.get("stringData") {
                m.insert("stringData".into(), s.clone());
            }
        }
        _ => {
            let mut out = String::new();
            go_json(obj, &mut out);
            return Ok(encode_hash(&out));
        }
    }
    let mut out = String::new();
    go_json(&Value::Map(m), &mut out);
    Ok(encode_hash(&out))
}

/// The value kustomize reads at a path: a missing (or null) field is `""`,
/// a scalar is its text, a mapping is kept as is.
fn field_value(obj: &Value, path: &[&str]) -> Value {
    match obj.get_path(path) {
        None | Some(Value::Null) => Value::from(""),
        Some(v @ Value::Map(_)) => v.clone(),
        // kustomize re-reads a sequence as a JSON object, which fails and
        // leaves a nil map: `null`.
        Some(Value::Seq(_)) => Value::Null,
        Some(v) => Value::Str(v.scalar_string().unwrap_or_default()),
    }
}

/// SHA-256 of the text, hex, first 10 characters with kustomize's swaps.
pub fn encode_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        hex.push_str(&format!("{b:02x}"));
    }
    hex.chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            other => other,
        })
        .collect()
}

/// Writes a value as Go's `encoding/json` does: mapping keys sorted by
/// bytes, no whitespace, `<`, `>`, `&`, U+2028 and U+2029 escaped.
pub fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Uint(u) => out.push_str(&u.to_string()),
        Value::Float(f) => out.push_str(&go_json_float(*f)),
        Value::Str(s) => go_json_string(s, out),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        Value::Map(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(k, out);
                out.push(':');
                go_json(&m[k.as_str()], out);
            }
            out.push('}');
        }
    }
}

/// A float64 as Go's JSON encoder writes it.
fn go_json_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Exponent form: Go writes e.g. 1e+21, 1e-07.
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        let e = exp.abs();
        if e < 10 {
            format!("{mant}e{sign}0{e}")
        } else {
            format!("{mant}e{sign}{e}")
        }
    } else if f.fract() == 0.0 && abs < 1e16 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn go_json_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let n = c as u32;
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((n >> shift) & 0xf) as usize] as char);
                }
            }
            c if (c as u32) < 0x20 => {
                let n = c as u32;
                out.push_str("\\u00");
                out.push(HEX[((n >> 4) & 0xf) as usize] as char);
                out.push(HEX[(n & 0xf) as usize] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `-<hash>` to the names of generated resources that want it.
pub fn add_hashes(res: &mut [Resource]) -> Result<(), String> {
    for r in res.iter_mut() {
        let wants = matches!(&r.generated, Some(g) if g.hash);
        if !wants {
            continue;
        }
        let h = name_hash(&r.obj)?;
        let name = format!("{}-{}", r.name(), h);
        r.set_name(&name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Generated, Origin};

    fn cm(name: &str, data: &[(&str, &str)]) -> Value {
        let mut obj = Mapping::new();
        obj.insert("apiVersion".into(), "v1".into());
        obj.insert("kind".into(), "ConfigMap".into());
        let mut md = Mapping::new();
        md.insert("name".into(), name.into());
        obj.insert("metadata".into(), Value::Map(md));
        if !data.is_empty() {
            let mut d = Mapping::new();
            for (k, v) in data {
                d.insert((*k).into(), (*v).into());
            }
            obj.insert("data".into(), Value::Map(d));
        }
        Value::Map(obj)
    }

    #[test]
    fn known_vectors() {
        let mut empty = Mapping::new();
        empty.insert("kind".into(), "ConfigMap".into());
        assert_eq!(name_hash(&Value::Map(empty)).unwrap(), "6ct58987ht");
        assert_eq!(name_hash(&cm("", &[("one", "")])).unwrap(), "9g67k2htb6");
    }

    #[test]
    fn matches_kubectl() {
        // Checked with kubectl kustomize (v5.8.1).
        assert_eq!(name_hash(&cm("cm", &[])).unwrap(), "6ct58987ht");
        assert_eq!(
            name_hash(&cm(
                "cm",
                &[
                    (
                        "ctl.txt",
                        "a\u{8}b\u{c}c\u{1}d\u{2028}e<>&\"\\\t\r\n\u{7f}é"
                    ),
                    ("x", "<b>"),
                    ("y", "é\u{2029}"),
                ]
            ))
            .unwrap(),
            "h4tt8487d5"
        );
        let mut s = Mapping::new();
        s.insert("apiVersion".into(), "v1".into());
        s.insert("kind".into(), "Secret".into());
        let mut md = Mapping::new();
        md.insert("name".into(), "s".into());
        s.insert("metadata".into(), Value::Map(md));
        s.insert("data".into(), Value::new_map());
        s.insert("type".into(), "Opaque".into());
        assert_eq!(name_hash(&Value::Map(s)).unwrap(), "46f8b28mk5");
    }

    #[test]
    fn go_json_escapes() {
        let mut out = String::new();
        go_json(&Value::from("<a&b>\u{1}"), &mut out);
        assert_eq!(out, "\"\\u003ca\\u0026b\\u003e\\u0001\"");
    }

    #[test]
    fn add_hashes_renames_and_records() {
        let mut r = Resource::new(cm("cm", &[]), Origin::default());
        r.generated = Some(Generated {
            behavior: Default::default(),
            hash: true,
        });
        let mut plain = Resource::new(cm("p", &[]), Origin::default());
        plain.generated = Some(Generated {
            behavior: Default::default(),
            hash: false,
        });
        let mut v = vec![r, plain];
        add_hashes(&mut v).unwrap();
        assert_eq!(v[0].name(), "cm-6ct58987ht");
        assert_eq!(v[0].previous, vec![(String::new(), "cm".to_string())]);
        assert_eq!(v[1].name(), "p");
    }
}
