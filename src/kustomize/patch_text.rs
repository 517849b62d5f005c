//! A strategic-merge patch's scalar over a quoted string keeps its text.
//!
//! kyaml's merge sets a patch's scalar into the target with the *target
//! node's* style (its `FieldSetter` keeps the existing style). A plain
//! number, boolean or timestamp from the patch set over a quoted (or block)
//! string is therefore written quoted, and kubectl prints the patch's text
//! as a string: `k: 1.0` over `k: "5"` prints `k: "1.0"`, `k: 0x1F` prints
//! `k: "0x1F"`; over a plain target the number stays a number (`1`, `31`)
//! (kubectl 1.37, `smp_scalar_over_quoted_string`).
//!
//! The document model keeps neither a scalar's source text nor its quoting,
//! so two things are reconstructed here:
//! - the patch's text: its source is read once more, keeping each plain
//!   scalar's text ([`plain_texts`]);
//! - whether the target's string was quoted: a string that cannot be
//!   written plain (`"5"`, `"true"`, `""`, `"a: b"`, multi-line) certainly
//!   was, in a file and in what kustomize itself writes (generated
//!   ConfigMaps, JSON-patched resources). A string that could be plain but
//!   was quoted in its file (`'abc'`) is taken as plain: not matched.

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::yaml::parse::resolve_plain;
use crate::yaml::{Mapping, Value};

/// One value per document of `text`: mappings and sequences as in the
/// document, each plain untagged scalar as `Str` of its text, every other
/// scalar (and aliases) as `Null`. `None` when the text does not parse.
pub fn plain_texts(text: &str) -> Option<Vec<Value>> {
    enum Frame {
        Seq(Vec<Value>),
        Map(Mapping, Option<String>),
    }
    fn push(stack: &mut [Frame], docs: &mut Vec<Value>, v: Value) {
        match stack.last_mut() {
            // a document's root replaces its placeholder
            None => match docs.last_mut() {
                Some(last) => *last = v,
                None => docs.push(v),
            },
            Some(Frame::Seq(items)) => items.push(v),
            Some(Frame::Map(m, key)) => match key.take() {
                None => *key = Some(v.as_str().unwrap_or_default().to_string()),
                Some(k) => {
                    m.insert(k, v);
                }
            },
        }
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut docs = Vec::new();
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (ev, _) = next.ok()?;
        match ev {
            Event::StreamEnd => break,
            Event::Scalar(t, style, _, tag) => {
                let v = if style == ScalarStyle::Plain && tag.is_none() {
                    Value::Str(t.to_string())
                } else if stack
                    .last()
                    .is_some_and(|f| matches!(f, Frame::Map(_, None)))
                {
                    // a quoted key
                    Value::Str(t.to_string())
                } else {
                    Value::Null
                };
                push(&mut stack, &mut docs, v);
            }
            Event::Alias(_) => push(&mut stack, &mut docs, Value::Null),
            Event::SequenceStart(..) => stack.push(Frame::Seq(Vec::new())),
            Event::MappingStart(..) => stack.push(Frame::Map(Mapping::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let v = match stack.pop()? {
                    Frame::Seq(items) => Value::Seq(items),
                    Frame::Map(m, _) => Value::Map(m),
                };
                push(&mut stack, &mut docs, v);
            }
            Event::DocumentStart(_) => {
                // a placeholder, so that the documents line up with the
                // parser's
                docs.push(Value::Null);
            }
            Event::DocumentEnd | Event::StreamStart | Event::Nothing => {}
        }
    }
    Some(docs)
}

/// Sets, in `patch`, the text of each plain non-string scalar that lands on
/// a string of `dest` that was quoted (see the module comment). `texts` is
/// the patch document's [`plain_texts`] view.
pub fn keep_patch_text(dest: &Value, patch: &mut Value, texts: &Value) {
    match (dest, patch, texts) {
        (Value::Map(d), Value::Map(p), Value::Map(t)) => {
            if p.contains_key("$patch") {
                return;
            }
            for (k, pv) in p.iter_mut() {
                if let (Some(dv), Some(tv)) = (d.get(k), t.get(k)) {
                    keep_patch_text(dv, pv, tv);
                }
            }
        }
        (Value::Seq(d), Value::Seq(p), Value::Seq(t)) => {
            // list items meet by name (containers, env, volumes, ports by
            // name); other lists are left alone
            for (pv, tv) in p.iter_mut().zip(t) {
                let Some(name) = pv.get("name").and_then(Value::as_str) else {
                    continue;
                };
                if let Some(dv) = d
                    .iter()
                    .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
                {
                    keep_patch_text(dv, pv, tv);
                }
            }
        }
        (Value::Str(s), p, Value::Str(text)) => {
            let typed = !matches!(
                p,
                Value::Str(_) | Value::Null | Value::Map(_) | Value::Seq(_)
            );
            // a timestamp is read as its RFC 3339 text: a string, but not
            // the patch's text
            let retyped = matches!(p, Value::Str(v) if v != text);
            if (typed || retyped) && written_quoted(s) {
                *p = Value::Str(text.clone());
            }
        }
        _ => {}
    }
}

/// Whether a string cannot be written as a plain scalar (so was quoted or a
/// block where it was read or written by kustomize).
fn written_quoted(s: &str) -> bool {
    if s.is_empty() || s.contains('\n') {
        return true;
    }
    if !matches!(resolve_plain(s), Value::Str(ref r) if r == s) {
        return true;
    }
    let b = s.as_bytes();
    let first = b[0];
    let next_blank = b.get(1).is_none_or(|c| *c == b' ' || *c == b'\t');
    if b"[]{},#&*!|>'\"%@`".contains(&first) || (b"-?:".contains(&first) && next_blank) {
        return true;
    }
    if first == b' ' || b[b.len() - 1] == b' ' || s.ends_with(':') {
        return true;
    }
    s.contains(": ") || s.contains(" #") || s.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn kept(dest: &str, patch: &str) -> Value {
        let d = parse_documents(dest).unwrap().remove(0).value;
        let mut p = parse_documents(patch).unwrap().remove(0).value;
        let t = plain_texts(patch).unwrap().remove(0);
        keep_patch_text(&d, &mut p, &t);
        p
    }

    #[test]
    fn texts_line_up_with_documents() {
        let t = plain_texts("---\n---\na: 1.0\nb: '2'\n---\n- x\n").unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].str_at(&["a"]), Some("1.0"));
        assert!(t[1].get("b").unwrap().is_null());
        assert_eq!(t[2].as_seq().map(Vec::len), Some(1));
        assert_eq!(plain_texts("a: 1\n").unwrap().len(), 1);
    }

    #[test]
    fn quoted_targets_take_the_patch_text() {
        let p = kept(
            "data:\n  a: \"5\"\n  b: abc\n  c: \"a: b\"\n  d: 'x'\n",
            "data:\n  a: 0x1F\n  b: 0x1F\n  c: 1.0\n  d: true\n",
        );
        assert_eq!(p.str_at(&["data", "a"]), Some("0x1F"));
        assert_eq!(p.get_path(&["data", "b"]), Some(&Value::Int(31)));
        assert_eq!(p.str_at(&["data", "c"]), Some("1.0"));
        // quoted in its file but plain-able: not known, left a boolean
        assert_eq!(p.get_path(&["data", "d"]), Some(&Value::Bool(true)));
        let p = kept(
            "env:\n- name: A\n  value: \"8080\"\n",
            "env:\n- name: A\n  value: 9090\n",
        );
        assert_eq!(
            p.get_path(&["env"]).unwrap().as_seq().unwrap()[0].str_at(&["value"]),
            Some("9090")
        );
    }
}
