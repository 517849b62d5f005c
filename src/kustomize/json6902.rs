//! RFC 6902 JSON patch operations on values, with the behaviour of the
//! library kustomize uses (evanphx/json-patch v5 with its default options):
//! negative array indices count from the end, `-` appends, `add` never
//! creates missing parents, `remove` of a missing key fails, `replace` of a
//! missing key in an existing mapping adds it.

use crate::yaml::Value;

type Res<T> = Result<T, String>;

/// Applies a list of operations (`[{op, path, value, from}, ...]`).
pub fn apply(target: &mut Value, ops: &Value) -> Result<(), String> {
    let list = match ops {
        Value::Seq(s) => s,
        Value::Null => return Ok(()),
        other => {
            return Err(format!(
                "a JSON 6902 patch must be a list of operations, found a {}",
                other.type_name()
            ))
        }
    };
    for (i, op) in list.iter().enumerate() {
        apply_op(target, op).map_err(|e| format!("JSON patch operation {i}: {e}"))?;
    }
    Ok(())
}

/// Parses the text of a JSON 6902 patch (JSON or YAML) into its list of
/// operations. kustomize converts it with sigs.k8s.io/yaml (go-yaml v2):
/// a plain `y` or `on` is `true`, a date stays the text written.
pub fn parse_ops(text: &str) -> Result<Value, String> {
    let v = crate::yaml::parse_one_v2(text).map_err(|e| format!("cannot parse JSON patch: {e}"))?;
    match v {
        Value::Seq(_) => Ok(v),
        Value::Null => Ok(Value::Seq(Vec::new())),
        other => Err(format!(
            "a JSON 6902 patch must be a list of operations, found a {}",
            other.type_name()
        )),
    }
}

fn str_field<'a>(op: &'a Value, key: &str) -> Res<Option<&'a str>> {
    match op.get(key) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "'{key}' must be a string, found a {}",
            other.type_name()
        )),
    }
}

fn apply_op(doc: &mut Value, op: &Value) -> Res<()> {
    if op.as_map().is_none() {
        return Err(format!(
            "an operation must be a mapping, found a {}",
            op.type_name()
        ));
    }
    let kind = str_field(op, "op")?.ok_or("missing 'op'")?;
    let path = str_field(op, "path")?.ok_or_else(|| format!("{kind} operation: missing 'path'"))?;
    let ptr = parse_pointer(path)?;
    match kind {
        "add" => {
            let v = op
                .get("value")
                .ok_or("add operation: missing 'value'")?
                .clone();
            add(doc, &ptr, v)
                .map_err(|e| format!("add operation does not apply: {e}: path {path:?}"))
        }
        "remove" => remove(doc, &ptr)
            .map(|_| ())
            .map_err(|e| format!("remove operation does not apply: {e}: path {path:?}")),
        "replace" => {
            let v = op
                .get("value")
                .ok_or("replace operation: missing 'value'")?
                .clone();
            replace(doc, &ptr, v)
                .map_err(|e| format!("replace operation does not apply: {e}: path {path:?}"))
        }
        "move" => {
            let from = str_field(op, "from")?.ok_or("move operation: missing 'from'")?;
            let fptr = parse_pointer(from)?;
            if ptr.len() > fptr.len() && ptr[..fptr.len()] == fptr[..] {
                return Err(format!(
                    "move operation: cannot move {from:?} into its own child {path:?}"
                ));
            }
            let v = remove(doc, &fptr)
                .map_err(|e| format!("move operation does not apply: {e}: from {from:?}"))?;
            add(doc, &ptr, v)
                .map_err(|e| format!("move operation does not apply: {e}: path {path:?}"))
        }
        "copy" => {
            let from = str_field(op, "from")?.ok_or("copy operation: missing 'from'")?;
            let fptr = parse_pointer(from)?;
            let v = get(doc, &fptr)
                .ok_or_else(|| {
                    format!("copy operation does not apply: doc is missing from path: {from:?}")
                })?
                .clone();
            add(doc, &ptr, v)
                .map_err(|e| format!("copy operation does not apply: {e}: path {path:?}"))
        }
        "test" => {
            let want = op.get("value").cloned().unwrap_or(Value::Null);
            match get(doc, &ptr) {
                Some(have) if json_equal(have, &want) => Ok(()),
                None if want.is_null() => Ok(()),
                Some(_) => Err(format!("testing value {path:?} failed: test failed")),
                None => Err(format!(
                    "testing value {path:?} failed: doc is missing path"
                )),
            }
        }
        other => Err(format!("unexpected operation '{other}'")),
    }
}

/// Splits a JSON pointer into unescaped tokens.
pub fn parse_pointer(p: &str) -> Res<Vec<String>> {
    if p.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = p.strip_prefix('/') else {
        return Err(format!(
            "JSON pointer must be empty or start with a \"/\": {p:?}"
        ));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn parse_index(tok: &str, len: usize, allow_end: bool) -> Res<usize> {
    let idx: i64 = tok
        .parse()
        .map_err(|_| format!("value was not a proper array index: '{tok}'"))?;
    let size = if allow_end { len + 1 } else { len } as i64;
    if idx >= size || idx < -size {
        return Err(format!("unable to access invalid index: {idx}"));
    }
    Ok(if idx < 0 {
        (idx + size) as usize
    } else {
        idx as usize
    })
}

fn get<'a>(doc: &'a Value, ptr: &[String]) -> Option<&'a Value> {
    let mut cur = doc;
    for t in ptr {
        cur = match cur {
            Value::Map(m) => m.get(t)?,
            Value::Seq(s) => {
                let i = parse_index(t, s.len(), false).ok()?;
                s.get(i)?
            }
            _ => return None,
        };
    }
    Some(cur)
}

fn parent_mut<'a>(doc: &'a mut Value, ptr: &[String]) -> Res<&'a mut Value> {
    let mut cur = doc;
    for t in ptr {
        cur = match cur {
            Value::Map(m) => m.get_mut(t).ok_or("doc is missing path")?,
            Value::Seq(s) => {
                let i = parse_index(t, s.len(), false)?;
                s.get_mut(i).ok_or("doc is missing path")?
            }
            _ => return Err("doc is missing path".into()),
        };
    }
    Ok(cur)
}

fn add(doc: &mut Value, ptr: &[String], v: Value) -> Res<()> {
    let Some((last, parent)) = ptr.split_last() else {
        *doc = v;
        return Ok(());
    };
    match parent_mut(doc, parent)? {
        Value::Map(m) => {
            m.insert(last.clone(), v);
            Ok(())
        }
        Value::Seq(s) => {
            if last == "-" {
                s.push(v);
            } else {
                let i = parse_index(last, s.len(), true)?;
                s.insert(i, v);
            }
            Ok(())
        }
        _ => Err("doc is missing path".into()),
    }
}

fn remove(doc: &mut Value, ptr: &[String]) -> Res<Value> {
    let Some((last, parent)) = ptr.split_last() else {
        return Err("cannot remove the whole document".into());
    };
    match parent_mut(doc, parent)? {
        Value::Map(m) => m
            .shift_remove(last)
            .ok_or_else(|| "doc is missing key".to_string()),
        Value::Seq(s) => {
            let i = parse_index(last, s.len(), false)?;
            Ok(s.remove(i))
        }
        _ => Err("doc is missing path".into()),
    }
}

fn replace(doc: &mut Value, ptr: &[String], v: Value) -> Res<()> {
    let Some((last, parent)) = ptr.split_last() else {
        *doc = v;
        return Ok(());
    };
    match parent_mut(doc, parent)? {
        // evanphx/json-patch (kustomize's) replaces a missing key of an
        // existing mapping as `add` would; a missing parent or list index
        // still fails (checked against kubectl)
        Value::Map(m) => {
            m.insert(last.clone(), v);
            Ok(())
        }
        Value::Seq(s) => {
            let i = parse_index(last, s.len(), false)?;
            s[i] = v;
            Ok(())
        }
        _ => Err("doc is missing path".into()),
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Uint(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Equality of JSON values (numbers compare by value).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).map(|w| json_equal(v, w)).unwrap_or(false))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| json_equal(v, w))
        }
        _ => match (as_f64(a), as_f64(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    fn run(doc: &str, ops: &str) -> Result<Value, String> {
        let mut d = parse_one(doc).unwrap();
        apply(&mut d, &parse_ops(ops)?)?;
        Ok(d)
    }

    #[test]
    fn add_replace_remove() {
        let d = run(
            "a: {b: 1}\nl: [x, y]\n",
            r#"[{"op":"add","path":"/a/c","value":2},{"op":"replace","path":"/a/b","value":3},
               {"op":"add","path":"/l/1","value":"z"},{"op":"add","path":"/l/-","value":"w"},
               {"op":"remove","path":"/l/0"}]"#,
        )
        .unwrap();
        assert_eq!(d, parse_one("a: {b: 3, c: 2}\nl: [z, y, w]\n").unwrap());
    }

    #[test]
    fn escapes_negative_indices_move_copy_test() {
        let d = run(
            "m: {a/b: 1, c~d: 2}\nl: [1, 2, 3]\n",
            "- {op: replace, path: /m/a~1b, value: 9}\n- {op: remove, path: /m/c~0d}\n- {op: remove, path: /l/-1}\n- {op: add, path: /l/-1, value: 7}\n- {op: copy, from: /m, path: /n}\n- {op: move, from: /l/0, path: /first}\n- {op: test, path: /first, value: 1.0}\n",
        )
        .unwrap();
        assert_eq!(
            d,
            parse_one("m: {a/b: 9}\nl: [2, 7]\nn: {a/b: 9}\nfirst: 1\n").unwrap()
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            run("a: 1", r#"[{"op":"replace","path":"/b","value":1}]"#).unwrap(),
            parse_one("a: 1\nb: 1\n").unwrap()
        );
        assert!(run("a: 1", r#"[{"op":"replace","path":"/c/b","value":1}]"#).is_err());
        assert!(run("a: 1", r#"[{"op":"remove","path":"/b"}]"#).is_err());
        assert!(run("a: 1", r#"[{"op":"add","path":"/x/y","value":1}]"#).is_err());
        assert!(run("l: [1]", r#"[{"op":"add","path":"/l/3","value":1}]"#).is_err());
        assert!(run("a: 1", r#"[{"op":"test","path":"/a","value":2}]"#).is_err());
        assert!(run("a: 1", r#"[{"op":"frob","path":"/a"}]"#).is_err());
        assert!(run("a: 1", r#"[{"op":"add","path":"a","value":1}]"#).is_err());
        assert!(run("a: {b: 1}", r#"[{"op":"move","from":"/a","path":"/a/c"}]"#).is_err());
        assert!(run("a: 1", "{op: add}").is_err());
    }
}
