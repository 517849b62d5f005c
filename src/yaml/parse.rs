//! YAML text to [`Value`]s, resolving plain scalars the way go-yaml v3 does
//! (kustomize's reader): YAML 1.2 booleans and nulls, Go-style integers
//! (`0x`, `0o`, `0b`, legacy `0777` octal, `_` separators), floats, and
//! timestamps kept as strings. Aliases are expanded with a budget so that a
//! "billion laughs" document fails fast with a clear error.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use super::value::{Mapping, Value};

/// A parse failure with a 1-based line and column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{line}:{col}: {msg}")]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    pub msg: String,
}

/// One document of a stream, with where it starts.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    /// 1-based line of the document's first node.
    pub line: usize,
    pub col: usize,
    /// Where a mapping value is written as nothing at all (`key:`), a null
    /// kustomize drops from a resource a strategic-merge patch is applied
    /// to (where `key: null` and `key: ~` stay).
    pub empty_nulls: Vec<Vec<PathSeg>>,
}

/// One step of a path into a [`Value`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// How many nodes alias expansion may add before the input is refused.
/// Kubernetes manifests rarely use aliases at all; a legitimate file stays
/// far below this, a "billion laughs" file passes it within microseconds.
const ALIAS_EXPANSION_LIMIT: usize = 1_000_000;

/// The general reader (saphyr's events), for every text; the entry points
/// (`super::read`) try the fast reader of `super::fast` first. Empty
/// documents (only comments, or `---` alone) are returned as `Value::Null`.
/// With `duplicate_keys`, a key repeated in a mapping is not an error: the
/// last value wins, in the place of the first.
pub(crate) fn parse_stream_general(
    text: &str,
    duplicate_keys: bool,
) -> Result<Vec<Document>, YamlError> {
    parse_stream_with(text, duplicate_keys, false)
}

/// The general reader in go-yaml v2's reading of plain scalars, as
/// sigs.k8s.io/yaml reads a kustomization file (duplicate keys allowed
/// there), a `configurations:` file and a replacements file: the YAML 1.1
/// booleans (`yes`, `no`, `on`, `off`, `y`, `n` in their
/// three spellings) are booleans, so `includeSelectors: yes` is true and
/// `namespace: on` is an error (both checked against kubectl 1.37).
pub(crate) fn parse_stream_v2(
    text: &str,
    duplicate_keys: bool,
) -> Result<Vec<Document>, YamlError> {
    parse_stream_with(text, duplicate_keys, true)
}

fn parse_stream_with(
    text: &str,
    duplicate_keys: bool,
    yaml11_bools: bool,
) -> Result<Vec<Document>, YamlError> {
    let mut b = Builder {
        duplicate_keys,
        yaml11_bools,
        empty_nulls: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        expanded: 0,
        docs: Vec::new(),
        doc_start: None,
        unterminated_len: (!text.is_empty() && !text.ends_with('\n')).then(|| text.chars().count()),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (ev, span) = next.map_err(|e| YamlError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            msg: e.info().to_string(),
        })?;
        if b.event(ev, span)? {
            break;
        }
    }
    Ok(b.docs)
}

/// The one document of a stream that must hold exactly one (or none).
pub(crate) fn one_document(mut docs: Vec<Document>) -> Result<Value, YamlError> {
    match docs.len() {
        0 => Ok(Value::Null),
        1 => Ok(docs.remove(0).value),
        _ => Err(YamlError {
            line: docs[1].line,
            col: docs[1].col,
            msg: "expected a single YAML document, found several".into(),
        }),
    }
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        size: usize,
    },
    Map {
        map: Mapping,
        merges: Vec<Value>,
        key: Option<(String, usize, usize)>,
        anchor: usize,
        size: usize,
        /// the line of each key, by its index in `map`, for duplicate-key
        /// messages (the map itself finds duplicates: no second key set)
        lines: Vec<usize>,
    },
}

struct Builder {
    /// Whether a repeated mapping key is allowed (last value wins).
    duplicate_keys: bool,
    /// Whether plain scalars resolve as go-yaml v2 does (`resolve_plain_v2`).
    yaml11_bools: bool,
    /// Paths of empty mapping values in the current document.
    empty_nulls: Vec<Vec<PathSeg>>,
    stack: Vec<Frame>,
    /// anchor id → (value, node count)
    anchors: HashMap<usize, (Value, usize)>,
    expanded: usize,
    docs: Vec<Document>,
    doc_start: Option<(usize, usize)>,
    /// Character count of the input when it lacks a final newline: a block
    /// scalar reaching the end of such input keeps no final line break
    /// (go-yaml's reading), where saphyr adds one.
    unterminated_len: Option<usize>,
}

impl Builder {
    /// Handles one event; returns true at the end of the stream.
    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<bool, YamlError> {
        let line = span.start.line();
        let col = span.start.col() + 1;
        match ev {
            Event::StreamEnd => return Ok(true),
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::DocumentStart(_) => {
                self.doc_start = None;
                self.anchors.clear();
            }
            Event::Alias(id) => {
                let Some((v, n)) = self.anchors.get(&id) else {
                    return Err(YamlError {
                        line,
                        col,
                        msg: "unknown anchor referenced by alias".into(),
                    });
                };
                self.expanded += n;
                if self.expanded > ALIAS_EXPANSION_LIMIT {
                    return Err(YamlError {
                        line,
                        col,
                        msg: format!(
                            "document contains excessive aliasing (more than {ALIAS_EXPANSION_LIMIT} nodes from aliases)"
                        ),
                    });
                }
                let (v, n) = (v.clone(), *n);
                self.push_value(v, n, line, col)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let mut v = if style == ScalarStyle::Plain && tag.is_none() && self.in_annotations()
                {
                    // kustomize rewrites annotations as strings from the
                    // node's text: `a: 1e3` prints as `a: "1e3"`.
                    Value::Str(text.to_string())
                } else if self.yaml11_bools && style == ScalarStyle::Plain && tag.is_none() {
                    resolve_plain_v2(&text)
                } else {
                    resolve_scalar(&text, style, tag.as_deref())
                };
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && self.unterminated_len.is_some_and(|n| span.end.index() >= n)
                {
                    if let Value::Str(s) = &mut v {
                        if s.ends_with('\n') {
                            s.pop();
                        }
                    }
                }
                if anchor > 0 {
                    self.anchors.insert(anchor, (v.clone(), 1));
                }
                if text.is_empty() && style == ScalarStyle::Plain && tag.is_none() {
                    self.note_empty_null();
                }
                self.push_value(v, 1, line, col)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.note_start(line, col);
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                    size: 1,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.note_start(line, col);
                self.stack.push(Frame::Map {
                    map: Mapping::new(),
                    merges: Vec::new(),
                    key: None,
                    anchor,
                    size: 1,
                    lines: Vec::new(),
                });
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq {
                    items,
                    anchor,
                    size,
                }) = self.stack.pop()
                else {
                    return Err(YamlError {
                        line,
                        col,
                        msg: "unbalanced sequence".into(),
                    });
                };
                let mut items = items;
                // grown by doubling: give back the spare capacity, a third
                // of a large render's memory
                items.shrink_to_fit();
                let v = Value::Seq(items);
                if anchor > 0 {
                    self.anchors.insert(anchor, (v.clone(), size));
                }
                self.finish_node(v, size, line, col)?;
            }
            Event::MappingEnd => {
                let Some(Frame::Map {
                    mut map,
                    merges,
                    anchor,
                    size,
                    ..
                }) = self.stack.pop()
                else {
                    return Err(YamlError {
                        line,
                        col,
                        msg: "unbalanced mapping".into(),
                    });
                };
                apply_merges(&mut map, merges, line, col)?;
                map.shrink_to_fit();
                let v = Value::Map(map);
                if anchor > 0 {
                    self.anchors.insert(anchor, (v.clone(), size));
                }
                self.finish_node(v, size, line, col)?;
            }
        }
        Ok(false)
    }

    /// Whether the next scalar is a value of a document's
    /// `metadata.annotations`.
    fn in_annotations(&self) -> bool {
        fn key_of(f: &Frame) -> Option<&str> {
            match f {
                Frame::Map {
                    key: Some((k, _, _)),
                    ..
                } => Some(k.as_str()),
                _ => None,
            }
        }
        self.stack.len() == 3
            && key_of(&self.stack[0]) == Some("metadata")
            && key_of(&self.stack[1]) == Some("annotations")
            && key_of(&self.stack[2]).is_some()
    }

    /// Records the path of an empty plain scalar that is a mapping value.
    fn note_empty_null(&mut self) {
        if !matches!(self.stack.last(), Some(Frame::Map { key: Some(_), .. })) {
            return;
        }
        let path = self
            .stack
            .iter()
            .map(|f| match f {
                Frame::Seq { items, .. } => PathSeg::Index(items.len()),
                Frame::Map { key, .. } => {
                    PathSeg::Key(key.as_ref().map(|k| k.0.clone()).unwrap_or_default())
                }
            })
            .collect();
        self.empty_nulls.push(path);
    }

    fn note_start(&mut self, line: usize, col: usize) {
        if self.stack.is_empty() && self.doc_start.is_none() {
            self.doc_start = Some((line, col));
        }
    }

    fn push_value(
        &mut self,
        v: Value,
        size: usize,
        line: usize,
        col: usize,
    ) -> Result<(), YamlError> {
        self.note_start(line, col);
        self.finish_node(v, size, line, col)
    }

    /// Attaches a completed node to its parent (or ends the document).
    fn finish_node(
        &mut self,
        v: Value,
        size: usize,
        line: usize,
        col: usize,
    ) -> Result<(), YamlError> {
        let duplicate_keys = self.duplicate_keys;
        match self.stack.last_mut() {
            None => {
                let (l, c) = self.doc_start.unwrap_or((line, col));
                self.docs.push(Document {
                    value: v,
                    line: l,
                    col: c,
                    empty_nulls: std::mem::take(&mut self.empty_nulls),
                });
            }
            Some(Frame::Seq { items, size: s, .. }) => {
                items.push(v);
                *s += size;
            }
            Some(Frame::Map {
                map,
                merges,
                key,
                size: s,
                lines,
                ..
            }) => {
                *s += size;
                match key.take() {
                    None => {
                        let k = key_from_value(v).map_err(|()| YamlError {
                            line,
                            col,
                            msg: "mapping keys must be scalars".into(),
                        })?;
                        *key = Some((k, line, col));
                    }
                    Some((k, kl, kc)) => {
                        if k == "<<" {
                            merges.push(v);
                        } else {
                            if let Some(i) =
                                map.get_index_of(k.as_str()).filter(|_| !duplicate_keys)
                            {
                                let first = lines[i];
                                return Err(YamlError {
                                    line: kl,
                                    col: kc,
                                    msg: format!(
                                        "mapping key \"{k}\" already defined at line {first}"
                                    ),
                                });
                            }
                            // A duplicate (allowed in kustomization files,
                            // the last wins) keeps its first position.
                            if map.insert_full(k, v).1.is_none() {
                                lines.push(kl);
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The string a resolved mapping key stands for (`true` is "true", `~` is
/// ""); collections are refused.
pub(crate) fn key_from_value(v: Value) -> Result<String, ()> {
    match v {
        Value::Str(s) => Ok(s),
        Value::Null => Ok(String::new()),
        Value::Seq(_) | Value::Map(_) => Err(()),
        other => Ok(other.scalar_string().unwrap_or_default()),
    }
}

/// Applies `<<` merge keys: keys present in the mapping win, then earlier
/// merged mappings win over later ones.
fn apply_merges(
    map: &mut Mapping,
    merges: Vec<Value>,
    line: usize,
    col: usize,
) -> Result<(), YamlError> {
    if merges.is_empty() {
        return Ok(());
    }
    let mut sources = Vec::new();
    for m in merges {
        match m {
            Value::Map(mm) => sources.push(mm),
            Value::Seq(items) => {
                for it in items {
                    match it {
                        Value::Map(mm) => sources.push(mm),
                        _ => return Err(merge_err(line, col)),
                    }
                }
            }
            _ => return Err(merge_err(line, col)),
        }
    }
    for src in sources {
        for (k, v) in src {
            map.entry(k).or_insert(v);
        }
    }
    Ok(())
}

fn merge_err(line: usize, col: usize) -> YamlError {
    YamlError {
        line,
        col,
        msg: "map merge requires map or sequence of maps as the value".into(),
    }
}

fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(t) = tag {
        if t.is_yaml_core_schema() {
            match t.suffix.as_str() {
                "str" | "binary" => return Value::Str(text.to_string()),
                "null" => return Value::Null,
                _ => return resolve_plain(text),
            }
        }
        if t.handle == "!" && t.suffix.is_empty() {
            // the non-specific tag `!` forces a string
            return Value::Str(text.to_string());
        }
    }
    match style {
        ScalarStyle::Plain => resolve_plain(text),
        _ => Value::Str(text.to_string()),
    }
}

/// Resolves an untagged plain scalar as sigs.k8s.io/yaml over go-yaml v2
/// does: the YAML 1.1 booleans beyond `true`/`false`, and a timestamp stays
/// the text written (`newTag: 2024-01-01` tags `:2024-01-01`, checked
/// against kubectl 1.37); the rest as go-yaml v3.
fn resolve_plain_v2(s: &str) -> Value {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Value::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Value::Bool(false),
        _ if go_timestamp_rfc3339(s).is_some() => Value::Str(s.to_string()),
        _ => resolve_plain(s),
    }
}

/// Resolves an untagged plain scalar as go-yaml v3 does.
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes()[0];
    match first {
        b'.' => {
            if let Some(f) = go_parse_float(s) {
                return Value::Float(f);
            }
        }
        b'0'..=b'9' | b'+' | b'-' => {
            if let Some(ts) = go_timestamp_rfc3339(s) {
                // go-yaml v3 decodes an unquoted timestamp to time.Time,
                // which kustomize's JSON round trip prints as RFC 3339.
                return Value::Str(ts);
            }
            let plain: String = s.chars().filter(|c| *c != '_').collect();
            if let Some(v) = go_parse_int(&plain) {
                return v;
            }
            if is_yaml_style_float(&plain) {
                if let Some(f) = go_parse_float(&plain) {
                    return Value::Float(f);
                }
            }
        }
        _ => {}
    }
    Value::Str(s.to_string())
}

/// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint`.
pub fn go_parse_int(s: &str) -> Option<Value> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(r) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, r)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= (i64::MAX as u128) + 1 {
            return Some(Value::Int((-(mag as i128)) as i64));
        }
        return None;
    }
    if mag <= i64::MAX as u128 {
        Some(Value::Int(mag as i64))
    } else if mag <= u64::MAX as u128 {
        Some(Value::Uint(mag as u64))
    } else {
        None
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub(crate) fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms YAML produces.
fn go_parse_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let t = lower.trim_start_matches(['+', '-']);
    if t.starts_with("inf") || t.starts_with("nan") {
        return match t {
            "inf" | "infinity" => Some(if s.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
            "nan" if s.len() == 3 => Some(f64::NAN),
            _ => None,
        };
    }
    if !s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let f = s.parse::<f64>().ok()?;
    // Go reports out-of-range values as errors
    if f.is_infinite() {
        return None;
    }
    Some(f)
}

/// go-yaml's quick timestamp check: `YYYY-` then one of the accepted layouts.
pub fn looks_like_timestamp(s: &str) -> bool {
    go_timestamp_rfc3339(s).is_some()
}

/// Parses `s` with the layouts go-yaml accepts for timestamps (`2006-1-2`,
/// `2006-1-2 15:4:5.999999999`, `2006-1-2T15:4:5.999999999Z07:00` with `t`
/// or `T`) and formats it as Go's RFC 3339 with nanoseconds.
pub fn go_timestamp_rfc3339(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits != 4 || b.len() == 4 || b[4] != b'-' {
        return None;
    }
    let mut p = TsParser { b, i: 0 };
    let year = p.num(4, 4)?;
    p.lit(b'-').then_some(())?;
    let month = p.num(1, 2)?;
    p.lit(b'-').then_some(())?;
    let day = p.num(1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if p.done() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let zone_required = match p.peek()? {
        b'T' | b't' => true,
        b' ' => false,
        _ => return None,
    };
    p.i += 1;
    let h = p.num(1, 2)?;
    p.lit(b':').then_some(())?;
    let m = p.num(1, 2)?;
    p.lit(b':').then_some(())?;
    let sec = p.num(1, 2)?;
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let mut frac = String::new();
    if p.peek() == Some(b'.') && p.b.get(p.i + 1).is_some_and(u8::is_ascii_digit) {
        p.i += 1;
        let st = p.i;
        while p.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
        }
        let all = std::str::from_utf8(&p.b[st..p.i]).ok()?;
        let nine: String = all.chars().take(9).collect();
        let trimmed = nine.trim_end_matches('0');
        if !trimmed.is_empty() {
            frac = format!(".{trimmed}");
        }
    }
    let time = format!("{h:02}:{m:02}:{sec:02}{frac}");
    if !zone_required {
        return p.done().then(|| format!("{date}T{time}Z"));
    }
    let zone = match p.peek()? {
        b'Z' => {
            p.i += 1;
            "Z".to_string()
        }
        sign @ (b'+' | b'-') => {
            p.i += 1;
            let zh = p.num(2, 2)?;
            p.lit(b':').then_some(())?;
            let zm = p.num(2, 2)?;
            if zh == 0 && zm == 0 {
                "Z".to_string()
            } else {
                format!("{}{zh:02}:{zm:02}", sign as char)
            }
        }
        _ => return None,
    };
    p.done().then(|| format!("{date}T{time}{zone}"))
}

struct TsParser<'a> {
    b: &'a [u8],
    i: usize,
}

impl TsParser<'_> {
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let st = self.i;
        while self.i < self.b.len() && self.i - st < max && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        if self.i - st < min {
            return None;
        }
        std::str::from_utf8(&self.b[st..self.i]).ok()?.parse().ok()
    }
    fn lit(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_documents(text: &str) -> Result<Vec<Document>, YamlError> {
        parse_stream_general(text, false)
    }

    fn parse_one(text: &str) -> Result<Value, YamlError> {
        one_document(parse_documents(text)?)
    }

    #[test]
    fn kustomization_reading_takes_yaml11_booleans() {
        let docs =
            parse_stream_v2("a: yes\nb: Off\nc: \"on\"\nd: y\ne: NO\nf: yess\n", true).unwrap();
        let m = docs[0].value.as_map().unwrap();
        assert_eq!(m.get("a"), Some(&Value::Bool(true)));
        assert_eq!(m.get("b"), Some(&Value::Bool(false)));
        assert_eq!(m.get("c"), Some(&Value::Str("on".into())));
        assert_eq!(m.get("d"), Some(&Value::Bool(true)));
        assert_eq!(m.get("e"), Some(&Value::Bool(false)));
        assert_eq!(m.get("f"), Some(&Value::Str("yess".into())));
        let docs = parse_stream_v2("t: 2024-01-01\n", true).unwrap();
        let t = docs[0].value.as_map().unwrap().get("t").cloned();
        assert_eq!(t, Some(Value::Str("2024-01-01".into())));
        // resources keep go-yaml v3's reading
        let docs = parse_stream_general("a: yes\n", false).unwrap();
        assert_eq!(
            docs[0].value.as_map().unwrap().get("a"),
            Some(&Value::Str("yes".into()))
        );
    }

    #[test]
    fn resolves_like_go_yaml_v3() {
        assert_eq!(resolve_plain("0777"), Value::Int(511));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("0o14"), Value::Int(12));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain(".5"), Value::Float(0.5));
        assert_eq!(resolve_plain("yes"), Value::Str("yes".into()));
        assert_eq!(
            resolve_plain("2001-12-14"),
            Value::Str("2001-12-14T00:00:00Z".into())
        );
        assert_eq!(
            resolve_plain("2001-12-14t21:59:43.10-05:00"),
            Value::Str("2001-12-14T21:59:43.1-05:00".into())
        );
        assert_eq!(resolve_plain("2001-13-14"), Value::Str("2001-13-14".into()));
        assert_eq!(resolve_plain("-inf"), Value::Str("-inf".into()));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(
            resolve_plain("12345678901234567890"),
            Value::Uint(12345678901234567890)
        );
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
                p = i - 1
            ));
        }
        let err = parse_documents(&s).unwrap_err();
        assert!(err.msg.contains("excessive aliasing"), "{err}");
    }

    #[test]
    fn merge_keys_and_duplicates() {
        let v = parse_one("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n").unwrap();
        assert_eq!(v.get_path(&["d", "x"]), Some(&Value::Int(1)));
        assert_eq!(v.get_path(&["d", "y"]), Some(&Value::Int(3)));
        let e = parse_one("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!((e.line, e.col), (3, 1));
    }
}
