//! A fast reader for the plain subset of YAML that generated manifests use
//! (controller-gen's CustomResourceDefinitions, most vendor files): block
//! mappings and sequences, plain one-line scalars, one-line quoted scalars
//! without escapes, literal block scalars (`|`, `|-`, `|+`), `{}` and `[]`,
//! comments, `---` between documents, printable ASCII only.
//!
//! It builds the same [`Document`]s as the general reader in
//! [`super::parse`] (same scalar resolution, same annotation strings, same
//! empty-null paths, same document positions), or declines: the moment it
//! meets anything outside the subset (anchors, tags, flow collections,
//! multi-line plain or quoted scalars, escapes, folded scalars, tabs,
//! non-ASCII text, empty documents, anything the general reader would
//! refuse) it returns `None` and the whole text goes to the general reader,
//! which also gives every error its message and position.

use super::parse::{key_from_value, resolve_plain, Document, PathSeg};
use super::value::{Entry, Mapping, Value};

/// Why the fast reader stopped: the text is outside its subset.
struct Decline;

type R<T> = Result<T, Decline>;

#[track_caller]
fn decline<T>() -> R<T> {
    #[cfg(test)]
    if std::env::var_os("FAST_DEBUG").is_some() {
        eprintln!("declined at {}", std::panic::Location::caller());
    }
    Err(Decline)
}

/// Reads every document of `text`, or `None` when the text is outside the
/// subset (the caller then uses the general reader).
pub(crate) fn parse_fast(text: &str, duplicate_keys: bool) -> Option<Vec<Document>> {
    let b = text.as_bytes();
    // printable ASCII and line feeds only, and a final line feed (a block
    // scalar at the end of unterminated input has its own rule)
    if b.last() != Some(&b'\n') {
        return None;
    }
    for chunk in b.chunks(64) {
        // no early exit inside a chunk: the loop vectorizes
        let mut bad = false;
        for &c in chunk {
            bad |= !(0x20..0x7F).contains(&c) && c != b'\n';
        }
        if bad {
            return None;
        }
    }
    let mut p = Fast {
        b,
        s: text,
        pos: 0,
        counted_pos: 0,
        counted_line: 1,
        duplicate_keys,
        path: Vec::new(),
        empty_nulls: Vec::new(),
    };
    p.stream().ok()
}

/// What the next line holding something other than blanks and comments is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Next {
    /// A line of content indented this many spaces (`pos` is at its start).
    Line(usize),
    /// A `---` line or the end of the text.
    End,
}

struct Fast<'a> {
    b: &'a [u8],
    s: &'a str,
    pos: usize,
    /// line numbers are counted lazily, up to `counted_pos`
    counted_pos: usize,
    counted_line: usize,
    duplicate_keys: bool,
    path: Vec<PathSeg>,
    empty_nulls: Vec<Vec<PathSeg>>,
}

impl Fast<'_> {
    fn stream(&mut self) -> R<Vec<Document>> {
        let mut docs = Vec::new();
        let mut explicit = false;
        loop {
            match self.next_line()? {
                Next::End if self.pos >= self.b.len() => {
                    // an explicit document with nothing in it, or no
                    // document at all: the general reader decides
                    if explicit || docs.is_empty() {
                        return decline();
                    }
                    return Ok(docs);
                }
                Next::End => {
                    // a `---` line
                    if explicit {
                        return decline();
                    }
                    self.marker_line()?;
                    explicit = true;
                }
                Next::Line(indent) => {
                    let line = self.line_of(self.pos);
                    let value = self.block(indent)?;
                    if self.next_line()? != Next::End {
                        return decline();
                    }
                    docs.push(Document {
                        value,
                        line,
                        col: indent + 1,
                        empty_nulls: std::mem::take(&mut self.empty_nulls),
                    });
                    explicit = false;
                }
            }
        }
    }

    /// The 1-based line number of byte `pos` (never before the last asked).
    fn line_of(&mut self, pos: usize) -> usize {
        let n = self.b[self.counted_pos..pos]
            .iter()
            .filter(|&&c| c == b'\n')
            .count();
        self.counted_line += n;
        self.counted_pos = pos;
        self.counted_line
    }

    /// Consumes a `---` line (only a comment may follow the marker).
    fn marker_line(&mut self) -> R<()> {
        self.pos += 3;
        self.rest_of_line_empty()
    }

    /// The end of the line holding `pos` (the index of its line feed).
    fn eol(&self, from: usize) -> usize {
        match memchr::memchr(b'\n', &self.b[from..]) {
            Some(i) => from + i,
            None => self.b.len(),
        }
    }

    /// Skips blank and comment lines from the start of a line; stops at the
    /// start of the next line of content.
    fn next_line(&mut self) -> R<Next> {
        loop {
            let start = self.pos;
            if start >= self.b.len() {
                return Ok(Next::End);
            }
            let mut i = start;
            while i < self.b.len() && self.b[i] == b' ' {
                i += 1;
            }
            match self.b.get(i) {
                None => {
                    self.pos = self.b.len();
                    return Ok(Next::End);
                }
                Some(b'\n') => self.pos = i + 1,
                Some(b'#') => self.pos = self.eol(i) + 1,
                Some(_) => {
                    let indent = i - start;
                    if indent == 0 {
                        let r = &self.b[i..];
                        let marker = |m: &[u8]| {
                            r.starts_with(m) && matches!(r.get(3), None | Some(b' ' | b'\n'))
                        };
                        if marker(b"---") {
                            return Ok(Next::End);
                        }
                        if marker(b"...") {
                            return decline();
                        }
                    }
                    return Ok(Next::Line(indent));
                }
            }
        }
    }

    /// Requires nothing but spaces and a comment up to the end of the line,
    /// and moves to the start of the next line.
    fn rest_of_line_empty(&mut self) -> R<()> {
        let mut i = self.pos;
        while i < self.b.len() && self.b[i] == b' ' {
            i += 1;
        }
        match self.b.get(i) {
            None => self.pos = i,
            Some(b'\n') => self.pos = i + 1,
            Some(b'#') if i > self.pos => self.pos = self.eol(i) + 1,
            _ => return decline(),
        }
        Ok(())
    }

    /// Whether the content at `at` is a block sequence entry indicator.
    fn is_dash(&self, at: usize) -> bool {
        self.b.get(at) == Some(&b'-') && matches!(self.b.get(at + 1), Some(b' ' | b'\n'))
    }

    /// A block collection whose first line starts at `pos`, indented
    /// `indent` spaces.
    fn block(&mut self, indent: usize) -> R<Value> {
        let at = self.pos + indent;
        if self.is_dash(at) {
            self.seq(indent)
        } else {
            self.pos = at;
            self.map(indent)
        }
    }

    /// A block sequence: `pos` at the start of its first line.
    fn seq(&mut self, indent: usize) -> R<Value> {
        let mut items = Vec::new();
        loop {
            self.pos += indent + 1;
            self.path.push(PathSeg::Index(items.len()));
            let v = self.value(indent, false)?;
            self.path.pop();
            items.push(v);
            match self.next_line()? {
                Next::Line(i) if i == indent && self.is_dash(self.pos + i) => {}
                Next::Line(i) if i > indent => return Err(Decline),
                _ => break,
            }
        }
        items.shrink_to_fit();
        Ok(Value::Seq(items))
    }

    /// A block mapping: `pos` at its first key, in column `indent`.
    fn map(&mut self, indent: usize) -> R<Value> {
        let mut map = Mapping::new();
        loop {
            let key = self.key()?;
            if key == "<<" {
                return decline();
            }
            self.path.push(PathSeg::Key(key));
            let v = self.value(indent, true)?;
            let Some(PathSeg::Key(key)) = self.path.pop() else {
                unreachable!("the key pushed above")
            };
            match map.entry(key) {
                Entry::Vacant(e) => {
                    e.insert(v);
                }
                // the general reader words the error
                Entry::Occupied(_) if !self.duplicate_keys => return decline(),
                // the last value wins, in the place of the first
                Entry::Occupied(mut e) => {
                    e.insert(v);
                }
            }
            match self.next_line()? {
                Next::Line(i) if i == indent => {
                    if self.is_dash(self.pos + i) {
                        return decline();
                    }
                    self.pos += i;
                }
                Next::Line(i) if i > indent => return Err(Decline),
                _ => break,
            }
        }
        map.shrink_to_fit();
        Ok(Value::Map(map))
    }

    /// A mapping key at `pos` and its `:`; leaves `pos` after the colon.
    fn key(&mut self) -> R<String> {
        let start = self.pos;
        let first = self.b[start];
        if first == b'"' || first == b'\'' {
            let (text, after) = self.quoted(start, self.eol(start))?;
            if self.b.get(after) != Some(&b':')
                || !matches!(self.b.get(after + 1), Some(b' ' | b'\n'))
            {
                return decline();
            }
            self.pos = after + 1;
            return Ok(text);
        }
        if !plain_start(&self.b[start..]) {
            return decline();
        }
        let Some(colon) = scan_line(self.b, start).colon else {
            return decline();
        };
        let colon = colon - start;
        let text = trim_end_spaces(&self.s[start..start + colon]);
        self.pos = start + colon + 1;
        key_from_value(resolve_plain(text)).or_else(|_| decline())
    }

    /// A node after a `:` (in a mapping, `in_map`) or a `-` (in a
    /// sequence), in a collection indented `parent` spaces; `pos` is just
    /// after the indicator. Leaves `pos` at the start of the line after the
    /// node.
    fn value(&mut self, parent: usize, in_map: bool) -> R<Value> {
        let mut i = self.pos;
        while i < self.b.len() && self.b[i] == b' ' {
            i += 1;
        }
        match self.b.get(i) {
            None | Some(b'\n' | b'#') => {
                // the node is on the next lines, or empty (a `#` here
                // follows a space: a comment)
                self.pos = if self.b.get(i) == Some(&b'\n') {
                    i + 1
                } else {
                    (self.eol(i) + 1).min(self.b.len())
                };
                return match self.next_line()? {
                    Next::Line(j) if j > parent => self.block(j),
                    Next::Line(j) if j == parent && in_map && self.is_dash(self.pos + j) => {
                        self.seq(j)
                    }
                    _ => {
                        if in_map {
                            self.empty_nulls.push(self.path.clone());
                        }
                        Ok(self.plain_value(""))
                    }
                };
            }
            Some(b'|') => return self.literal(i + 1, parent),
            Some(b'"' | b'\'') => {
                let (text, after) = self.quoted(i, self.eol(i))?;
                if self.b.get(after) == Some(&b':')
                    && matches!(self.b.get(after + 1), Some(b' ' | b'\n'))
                {
                    if in_map {
                        return decline();
                    }
                    // `- "key": value`
                    self.pos = i;
                    return self.map(i - self.line_start(i));
                }
                self.pos = after;
                self.rest_of_line_empty()?;
                return Ok(Value::Str(text));
            }
            Some(b'{') | Some(b'[') => {
                let (v, after) = match self.b.get(i..i + 2) {
                    Some(b"{}") => (Value::Map(Mapping::new()), i + 2),
                    Some(b"[]") => (Value::Seq(Vec::new()), i + 2),
                    _ if self.b[i] == b'[' => self.flow_seq(i)?,
                    _ => return decline(),
                };
                self.pos = after;
                self.rest_of_line_empty()?;
                return Ok(v);
            }
            _ => {}
        }
        if !plain_start(&self.b[i..]) {
            return decline();
        }
        let line = scan_line(self.b, i);
        if line.colon.is_some() {
            if in_map {
                // `a: b: c` is an error
                return decline();
            }
            // `- key: value`: a mapping starting on the dash's line
            self.pos = i;
            return self.map(i - (self.line_start(i)));
        }
        let text = trim_end_spaces(&self.s[i..line.text_end]);
        self.pos = (line.eol + 1).min(self.b.len());
        Ok(self.plain_value(text))
    }

    /// A flow sequence of scalars on one line, as Kubernetes manifests
    /// write them (`args: ["--port=8080", --verbose]`,
    /// `verbs: [get, list]`); `at` is its `[`. Returns the sequence and the
    /// index after its `]`. Anything else in flow style (nesting, a
    /// mapping, a line break, an empty or trailing entry, a plain scalar
    /// with other than the plainest characters) declines.
    fn flow_seq(&mut self, at: usize) -> R<(Value, usize)> {
        let end = self.eol(at);
        let mut items = Vec::new();
        let mut i = at + 1;
        loop {
            while i < end && self.b[i] == b' ' {
                i += 1;
            }
            if i >= end {
                return decline();
            }
            let (v, after) = match self.b[i] {
                b'"' | b'\'' => {
                    let (text, after) = self.quoted(i, end)?;
                    (Value::Str(text), after)
                }
                c if c.is_ascii_alphanumeric()
                    || (c == b'-' && self.b.get(i + 1).copied().is_some_and(flow_plain_byte)) =>
                {
                    let mut j = i;
                    while j < end && flow_plain_byte(self.b[j]) {
                        j += 1;
                    }
                    self.path.push(PathSeg::Index(items.len()));
                    let v = self.plain_value(&self.s[i..j]);
                    self.path.pop();
                    (v, j)
                }
                _ => return decline(),
            };
            items.push(v);
            i = after;
            while i < end && self.b[i] == b' ' {
                i += 1;
            }
            match self.b.get(i) {
                Some(b',') if i < end => i += 1,
                Some(b']') if i < end => return Ok((Value::Seq(items), i + 1)),
                _ => return decline(),
            }
        }
    }

    /// The start of the line holding byte `at`.
    fn line_start(&self, at: usize) -> usize {
        self.b[..at]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1)
    }

    /// A plain scalar's value, as the general reader resolves it (the
    /// values of `metadata.annotations` stay strings).
    fn plain_value(&self, text: &str) -> Value {
        if self.in_annotations() {
            Value::Str(text.to_string())
        } else {
            resolve_plain(text)
        }
    }

    fn in_annotations(&self) -> bool {
        matches!(
            self.path.as_slice(),
            [PathSeg::Key(m), PathSeg::Key(a), PathSeg::Key(_)] if m == "metadata" && a == "annotations"
        )
    }

    /// A one-line quoted scalar starting at `start` (its quote); returns
    /// its text and the index after the closing quote.
    fn quoted(&self, start: usize, end: usize) -> R<(String, usize)> {
        let q = self.b[start];
        let body = &self.b[start + 1..end];
        if q == b'"' {
            let Some(close) = body.iter().position(|&c| c == b'"' || c == b'\\') else {
                return decline();
            };
            if body[close] == b'\\' {
                return decline();
            }
            let text = self.s[start + 1..start + 1 + close].to_string();
            return Ok((text, start + 2 + close));
        }
        let mut text = String::new();
        let mut i = 0;
        loop {
            let Some(n) = body[i..].iter().position(|&c| c == b'\'') else {
                return decline();
            };
            text.push_str(&self.s[start + 1 + i..start + 1 + i + n]);
            i += n + 1;
            if body.get(i) == Some(&b'\'') {
                text.push('\'');
                i += 1;
            } else {
                return Ok((text, start + 1 + i));
            }
        }
    }

    /// A literal block scalar; `at` is just after its `|`, `parent` the
    /// indentation of the collection holding it.
    fn literal(&mut self, at: usize, parent: usize) -> R<Value> {
        #[derive(PartialEq)]
        enum Chomp {
            Strip,
            Clip,
            Keep,
        }
        let (chomp, after) = match self.b.get(at) {
            Some(b'-') => (Chomp::Strip, at + 1),
            Some(b'+') => (Chomp::Keep, at + 1),
            _ => (Chomp::Clip, at),
        };
        if !matches!(self.b.get(after), Some(b' ' | b'\n')) {
            return decline();
        }
        self.pos = after;
        self.rest_of_line_empty()?;
        // the first line sets the indentation; it must hold text
        let first = self.pos;
        let mut indent = 0;
        while first + indent < self.b.len() && self.b[first + indent] == b' ' {
            indent += 1;
        }
        if indent <= parent || matches!(self.b.get(first + indent), None | Some(b'\n')) {
            return decline();
        }
        let mut out = String::new();
        let mut empty = 0usize;
        while self.pos < self.b.len() {
            let start = self.pos;
            let mut sp = 0;
            while start + sp < self.b.len() && self.b[start + sp] == b' ' {
                sp += 1;
            }
            let end = self.eol(start);
            if start + sp >= end {
                // a blank line: spaces past the indentation would be text
                if sp > indent {
                    return decline();
                }
                empty += 1;
                self.pos = end + 1;
                continue;
            }
            if sp < indent {
                break;
            }
            for _ in 0..empty {
                out.push('\n');
            }
            empty = 0;
            out.push_str(&self.s[start + indent..end]);
            out.push('\n');
            self.pos = end + 1;
        }
        match chomp {
            Chomp::Strip => {
                out.pop();
            }
            Chomp::Clip => {}
            Chomp::Keep => {
                for _ in 0..empty {
                    out.push('\n');
                }
            }
        }
        self.pos = self.pos.min(self.b.len());
        Ok(Value::Str(out))
    }
}

/// Whether a plain scalar may start with the first byte of `line`.
fn plain_start(line: &[u8]) -> bool {
    match line.first() {
        None | Some(b'\n') => false,
        Some(b'-' | b'?' | b':') => line.get(1).is_some_and(|&c| c != b' ' && c != b'\n'),
        Some(
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`',
        ) => false,
        Some(_) => true,
    }
}

/// Whether `c` may be part of a plain scalar inside a one-line flow
/// sequence, on the fast path: letters, digits and `-._/=+@`, none of which
/// ends a plain scalar or starts a comment or another node there (a `:`
/// could, before a space or a flow indicator, and declines).
fn flow_plain_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'/' | b'=' | b'+' | b'@')
}

/// What a line of plain text holds, from its first character.
struct LineScan {
    /// the first mapping-value colon (`: ` or `:` at the end), before any
    /// comment
    colon: Option<usize>,
    /// where the text ends: a comment (` #`) or the line feed
    text_end: usize,
    /// the line feed
    eol: usize,
}

/// One pass over a line of plain text starting at `from` (not a `#`).
fn scan_line(b: &[u8], from: usize) -> LineScan {
    let mut colon = None;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'\n' => break,
            b':' if colon.is_none() && matches!(b.get(i + 1), None | Some(b' ' | b'\n')) => {
                colon = Some(i)
            }
            b'#' if i > from && b[i - 1] == b' ' => {
                let eol = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                return LineScan {
                    colon,
                    text_end: i,
                    eol,
                };
            }
            _ => {}
        }
        i += 1;
    }
    LineScan {
        colon,
        text_end: i,
        eol: i,
    }
}

fn trim_end_spaces(s: &str) -> &str {
    s.trim_end_matches(' ')
}

#[cfg(test)]
mod tests {
    //! The fast reader against the general one: on every input where the
    //! fast reader answers, both must give the same documents; where the
    //! general reader refuses the text, the fast reader must decline.

    use super::parse_fast;
    use crate::yaml::parse::parse_stream_general;
    use std::path::Path;

    /// Compares both readers on `text`; returns whether the fast one answered.
    fn same(text: &str, what: &str) -> bool {
        for dup in [false, true] {
            let general = parse_stream_general(text, dup);
            let Some(fast) = parse_fast(text, dup) else {
                continue;
            };
            let Ok(general) = general else {
                panic!("{what}: the fast reader accepted what the general one refuses:\n{text}");
            };
            // Debug text, so that NaN equals NaN
            let show = |d: &[crate::yaml::Document]| {
                d.iter()
                    .map(|d| format!("{:?} @{}:{} {:?}", d.value, d.line, d.col, d.empty_nulls))
                    .collect::<Vec<_>>()
            };
            assert_eq!(show(&fast), show(&general), "{what}:\n{text}");
        }
        parse_fast(text, false).is_some()
    }

    fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                yaml_files(&p, out);
            } else if p
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
            {
                out.push(p);
            }
        }
    }

    #[test]
    fn same_documents_on_the_repository_yaml_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for d in ["fixtures", "overlays-examples", "policies", "migrations"] {
            yaml_files(&root.join(d), &mut files);
        }
        assert!(files.len() > 300, "found only {} files", files.len());
        let mut fast = 0;
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            if same(&text, &f.display().to_string()) {
                fast += 1;
            }
        }
        // most hand-written files are inside the subset
        assert!(fast * 2 > files.len(), "fast on {fast} of {}", files.len());
    }

    #[test]
    fn same_documents_on_generated_crds() {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen-crds.py");
        let st = std::process::Command::new("python3")
            .arg(&script)
            .arg(dir.path())
            .args(["3", "0.3"])
            .output()
            .expect("python3 runs benches/gen-crds.py");
        assert!(st.status.success());
        let mut files = Vec::new();
        yaml_files(dir.path(), &mut files);
        let crds: Vec<_> = files
            .iter()
            .filter(|p| p.components().any(|c| c.as_os_str() == "crds"))
            .collect();
        assert!(crds.len() >= 3);
        for f in crds {
            let text = std::fs::read_to_string(f).unwrap();
            assert!(same(&text, &f.display().to_string()), "{}", f.display());
        }
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len())]
        }
    }

    const SCALARS: &[&str] = &[
        "a",
        "name",
        "Always",
        "true",
        "False",
        "TRUE",
        "yes",
        "no",
        "on",
        "null",
        "Null",
        "~",
        "0",
        "1",
        "-1",
        "+1",
        "007",
        "08",
        "0x1F",
        "0o17",
        "0b101",
        "1_000",
        "1.5",
        ".5",
        "1e3",
        "-1.5e-05",
        ".inf",
        "-.Inf",
        ".nan",
        "1.0",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "2001-13-14",
        "12345678901234567890",
        "123456789012345678901234",
        "a b  c",
        "x:y",
        "http://x/y#z",
        "a#b",
        "-x",
        ":x",
        "?x",
        "..",
        "---x",
        "'q'",
        "\"d\"",
        "a\"b",
        "a'b",
        "^[a-z]([-a-z0-9]*)?$",
        ".status.conditions[?(@.type==\"Ready\")].status",
        "<<",
        "=",
        "a,b",
        "a]b",
        "  ",
        "",
    ];

    /// Plain flow-sequence entries as manifests write them.
    const FLOW_PLAIN: &[&str] = &[
        "get",
        "list",
        "watch",
        "--verbose",
        "--port=8080",
        "-v",
        "apps",
        "v1",
        "0",
        "1",
        "-1",
        "1.5",
        "1e3",
        "0x1F",
        "0o17",
        "true",
        "True",
        "yes",
        "no",
        "null",
        "Null",
        "NULL",
        "a.b/c",
        "2001-12-14",
        "x_y",
        "a+b",
        "a@b",
        "a=b",
        "-",
        "-1.5e-05",
        "a-",
        "a/",
    ];

    /// Flow-sequence entries outside the fast subset, or at its edge.
    const FLOW_ODD: &[&str] = &[
        "a: b",
        "{a: b}",
        "[x]",
        "a b",
        "",
        "-x",
        "x:y",
        "x#y",
        "#x",
        "*a",
        "&a x",
        "!t x",
        "1.5",
        "0x1F",
        "null",
        "~",
        "true",
        "\"a\\\"b\"",
        "'it''s'",
        "a.b/c=d+e@f",
    ];

    /// One random scalar in some style, as it would follow `key: `.
    fn scalar(r: &mut Rng) -> String {
        let s = r.pick(SCALARS);
        match r.below(6) {
            0 => format!("'{}'", s.replace('\'', "''")),
            1 if !s.contains(['"', '\\']) => format!("\"{s}\""),
            _ if s.trim().is_empty() => format!("'{s}'"),
            _ => s.to_string(),
        }
    }

    fn literal(r: &mut Rng, ind: usize) -> String {
        let pad = " ".repeat(ind);
        let mut s = r.pick(&["|", "|-", "|+", "|- # c"]).to_string();
        s.push('\n');
        for i in 0..1 + r.below(4) {
            match r.below(5) {
                0 if i > 0 => s.push('\n'),
                1 if i > 0 => s.push_str(&format!("{pad}  more {}\n", r.pick(SCALARS))),
                _ => s.push_str(&format!("{pad}{} x\n", r.pick(SCALARS))),
            }
        }
        if r.below(3) == 0 {
            s.push('\n');
        }
        s
    }

    /// A random block node printed at indentation `ind`, after a key (or
    /// a dash) that ends the previous line; returns the text starting with
    /// what follows the indicator.
    fn node(r: &mut Rng, ind: usize, depth: usize, out: &mut String, in_seq: bool) {
        let k = r.below(10);
        if depth == 0 || k < 4 {
            match r.below(8) {
                0 => {
                    out.push(' ');
                    out.push_str(&literal(r, ind + 2));
                }
                1 => out.push_str(r.pick(&[" {}\n", " []\n", "\n", " # c\n", " {} # c\n"])),
                2 => {
                    // a one-line flow sequence, inside the fast subset or
                    // just outside it
                    out.push_str(" [");
                    for j in 0..1 + r.below(4) {
                        if j > 0 {
                            out.push_str(r.pick(&[", ", ",", " , ", ",  "]));
                        }
                        // rarely outside the subset: the generated texts
                        // must mostly stay in it
                        out.push_str(&match r.below(150) {
                            0 => r.pick(FLOW_ODD).to_string(),
                            k if k % 2 == 0 => r.pick(FLOW_PLAIN).to_string(),
                            _ => {
                                let s = r.pick(SCALARS);
                                if r.below(2) == 0 || s.contains(['"', '\\']) {
                                    format!("'{}'", s.replace('\'', "''"))
                                } else {
                                    format!("\"{s}\"")
                                }
                            }
                        });
                    }
                    out.push_str(match r.below(150) {
                        0 => r.pick(&[",]\n", "]x\n", "\n]\n", ", ]\n"]),
                        _ => r.pick(&["]\n", " ]\n", "] # c\n"]),
                    });
                }
                _ => {
                    out.push(' ');
                    out.push_str(&scalar(r));
                    out.push_str(r.pick(&["\n", "\n", " # c\n", "  \n"]));
                }
            }
            return;
        }
        let step = if r.below(4) == 0 { 4 } else { 2 };
        if k < 7 {
            // a mapping
            if in_seq && r.below(2) == 0 {
                // compact, on the dash's line
                out.push(' ');
                entries(r, ind + 2, depth, out, true);
            } else {
                out.push('\n');
                entries(r, ind + step, depth, out, false);
            }
        } else {
            // a sequence, at the key's indentation or deeper
            out.push('\n');
            let si = if in_seq || r.below(2) == 0 {
                ind + step
            } else {
                ind
            };
            for _ in 0..1 + r.below(4) {
                if r.below(8) == 0 {
                    out.push_str(&format!("{}# comment\n", " ".repeat(r.below(6))));
                }
                out.push_str(&" ".repeat(si));
                out.push('-');
                node(r, si, depth - 1, out, true);
            }
        }
    }

    fn entries(r: &mut Rng, ind: usize, depth: usize, out: &mut String, first_inline: bool) {
        let keys = [
            "a",
            "b",
            "name",
            "metadata",
            "annotations",
            "spec",
            "1",
            "true",
            "~",
            "'q k'",
            "\"d k\"",
            "x y",
            "-k",
            "k.k/k",
        ];
        let mut used = Vec::new();
        for i in 0..1 + r.below(5) {
            let key = r.pick(&keys);
            if used.contains(&key) && r.below(10) != 0 {
                continue;
            }
            used.push(key);
            if !(i == 0 && first_inline) {
                if r.below(10) == 0 {
                    out.push('\n');
                }
                out.push_str(&" ".repeat(ind));
            }
            out.push_str(key);
            out.push(':');
            node(r, ind, depth - 1, out, false);
        }
    }

    fn document(r: &mut Rng) -> String {
        let mut out = String::new();
        if r.below(4) == 0 {
            // the shape whose plain values stay strings
            out.push_str("metadata:\n  annotations:\n");
            for _ in 0..1 + r.below(3) {
                out.push_str(&format!("    {}:", r.pick(&["a", "b", "c", "d"])));
                node(r, 4, 0, &mut out, false);
            }
        }
        if r.below(5) == 0 {
            out.push_str("- x\n- ");
            entries(r, 2, 3, &mut out, true);
        } else {
            entries(r, 0, 4, &mut out, false);
        }
        out
    }

    const BREAKERS: &[&str] = &[
        "\t",
        "&a ",
        "*a",
        "!t ",
        "!!str ",
        "{a: 1}",
        "[1, 2]",
        "\n  cont",
        "\n cont",
        "'",
        "\"",
        "\\",
        "\\n",
        " #c",
        ": ",
        "- ",
        "---\n",
        "...\n",
        "\r",
        "é",
        "|2",
        ">",
        ">-",
        "? ",
        "\n",
        " ",
        "  ",
        "<<: {}",
        "a: dup\n",
        "%YAML 1.2\n",
        "- - x",
        "\x7f",
        ":",
        "#",
        "{",
        "[]x",
        "|",
        "|-\n",
        "\n\n  ",
        "\n---",
        "@",
        "`",
    ];

    #[test]
    fn same_documents_on_random_yaml() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        let (mut clean, mut clean_fast, mut broken_fast) = (0, 0, 0);
        for _ in 0..4000 {
            let mut text = String::new();
            for d in 0..1 + r.below(3) {
                if d > 0 || r.below(3) == 0 {
                    text.push_str(r.pick(&["---\n", "--- # c\n", "---\n# c\n"]));
                }
                text.push_str(&document(&mut r));
            }
            if same(&text, "generated") {
                clean_fast += 1;
                clean += 1;
            } else if parse_stream_general(&text, false).is_ok() {
                // valid YAML the fast reader declined
                if std::env::var_os("FAST_DEBUG").is_some() {
                    eprintln!("DECLINED:\n{text}\n=====");
                }
                clean += 1;
            }
            // and just outside the subset: one breaker somewhere
            for _ in 0..3 {
                let mut t = text.clone();
                let at = r.below(t.len() + 1);
                t.insert_str(at, r.pick(BREAKERS));
                if same(&t, "generated and broken") {
                    broken_fast += 1;
                }
            }
        }
        // the generator must exercise the fast reader, not only its refusals
        assert!(
            clean > 1500 && clean_fast * 10 > clean * 9,
            "fast on {clean_fast} of {clean} valid texts"
        );
        assert!(broken_fast > 500, "fast on {broken_fast} broken texts");
    }
}
