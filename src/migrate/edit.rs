//! Lossless YAML editing: a node tree that remembers the byte range of every
//! key, value and collection, and edits expressed as byte splices, so that
//! every byte a migration does not touch stays exactly as the user wrote it
//! (comments, key order, quoting, blank lines, `---`, CRLF line endings).
//!
//! saphyr-parser reports positions in characters; they are converted to
//! byte offsets once, through a table built from the text.

use saphyr_parser::{Event, Parser, ScalarStyle};

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Single,
    Double,
    Literal,
    Folded,
}

/// What a node holds.
#[derive(Debug, Clone)]
pub enum Kind {
    Scalar {
        value: String,
        style: Style,
    },
    Map {
        entries: Vec<(Node, Node)>,
        flow: bool,
    },
    Seq {
        items: Vec<Node>,
        flow: bool,
    },
    Alias,
}

/// One node with its byte range in the source text and its 1-based
/// line and column (columns in characters, as editors count them).
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub col: usize,
    /// Column (0-based, characters) of the node's first character.
    pub col0: usize,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }
    pub fn style(&self) -> Option<Style> {
        match &self.kind {
            Kind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }
    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map { entries, .. } => Some(entries),
            _ => None,
        }
    }
    pub fn items(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq { items, .. } => Some(items),
            _ => None,
        }
    }
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
    /// The (key, value) entry for `key`.
    pub fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
    }
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        let mut n = self;
        for p in path {
            n = n.get(p)?;
        }
        Some(n)
    }
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.get_path(path)?.as_str()
    }
    /// An empty plain scalar (`key:` with nothing after it).
    pub fn is_empty_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { value, style: Style::Plain } if value.is_empty())
            && self.start == self.end
    }
    /// End of the node's meaningful text (trailing line breaks that block
    /// scalars include are left out).
    pub fn content_end(&self, text: &str) -> usize {
        match &self.kind {
            Kind::Map {
                entries,
                flow: false,
            } => entries
                .last()
                .map(|(k, v)| {
                    if v.is_empty_null() {
                        k.content_end(text)
                    } else {
                        v.content_end(text)
                    }
                })
                .unwrap_or(self.end),
            Kind::Seq { items, flow: false } => items
                .last()
                .map(|v| v.content_end(text))
                .unwrap_or(self.end),
            _ => {
                let b = text.as_bytes();
                let mut e = self.end.min(b.len());
                while e > self.start && matches!(b[e - 1], b'\n' | b'\r' | b' ' | b'\t') {
                    e -= 1;
                }
                e
            }
        }
    }
}

/// A parse error with its 1-based position.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub msg: String,
}

/// A parsed YAML stream: the text and the root node of each document.
#[derive(Debug, Clone)]
pub struct Source {
    pub text: String,
    pub docs: Vec<Option<Node>>,
}

enum Frame {
    Map(Node, Vec<Node>),
    Seq(Node),
}

impl Source {
    pub fn parse(text: &str) -> Result<Source, ParseError> {
        // char index -> byte offset
        let mut offs: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        offs.push(text.len());
        let byte = |ci: usize| offs.get(ci).copied().unwrap_or(text.len());
        let mut parser = Parser::new_from_str(text);
        let mut docs = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<Node> = None;
        let mut in_doc = false;
        let mut events = 0usize;
        while let Some(r) = parser.next_event() {
            events += 1;
            if events > 5_000_000 {
                return Err(ParseError {
                    line: 1,
                    col: 1,
                    msg: "document too large".into(),
                });
            }
            let (ev, span) = r.map_err(|e| ParseError {
                line: e.marker().line(),
                col: e.marker().col() + 1,
                msg: e.info().to_string(),
            })?;
            let mk = |kind: Kind| Node {
                kind,
                start: byte(span.start.index()),
                end: byte(span.end.index()),
                line: span.start.line(),
                col: span.start.col() + 1,
                col0: span.start.col(),
            };
            let node = match ev {
                Event::DocumentStart(_) => {
                    in_doc = true;
                    root = None;
                    continue;
                }
                Event::DocumentEnd => {
                    if in_doc {
                        docs.push(root.take());
                    }
                    in_doc = false;
                    continue;
                }
                Event::Scalar(v, style, _, _) => {
                    let style = match style {
                        ScalarStyle::Plain => Style::Plain,
                        ScalarStyle::SingleQuoted => Style::Single,
                        ScalarStyle::DoubleQuoted => Style::Double,
                        ScalarStyle::Literal => Style::Literal,
                        ScalarStyle::Folded => Style::Folded,
                    };
                    let mut n = mk(Kind::Scalar {
                        value: v.into_owned(),
                        style,
                    });
                    // Quoted scalars' spans may run on over a trailing
                    // comment: find the closing quote ourselves.
                    if let Some(e) = quoted_end(text, n.start, style) {
                        n.end = e;
                    }
                    // Block scalars' spans start at their content: move the
                    // start back to the `|`/`>` header.
                    if matches!(style, Style::Literal | Style::Folded) {
                        if let Some(h) = block_header(text, n.start) {
                            // ... and its position with it.
                            let line_start = text[..h].rfind('\n').map_or(0, |i| i + 1);
                            n.start = h;
                            n.line = text[..h].matches('\n').count() + 1;
                            n.col0 = text[line_start..h].chars().count();
                            n.col = n.col0 + 1;
                        }
                    }
                    n
                }
                Event::Alias(_) => mk(Kind::Alias),
                Event::MappingStart(..) => {
                    let flow = text[byte(span.start.index())..].starts_with('{');
                    stack.push(Frame::Map(
                        mk(Kind::Map {
                            entries: Vec::new(),
                            flow,
                        }),
                        Vec::new(),
                    ));
                    continue;
                }
                Event::SequenceStart(..) => {
                    let flow = text[byte(span.start.index())..].starts_with('[');
                    stack.push(Frame::Seq(mk(Kind::Seq {
                        items: Vec::new(),
                        flow,
                    })));
                    continue;
                }
                Event::MappingEnd => match stack.pop() {
                    Some(Frame::Map(mut n, _)) => {
                        n.end = n.content_end(text).max(n.start);
                        if let Kind::Map { flow: true, .. } = n.kind {
                            n.end = byte(span.end.index()).max(n.start);
                        }
                        n
                    }
                    _ => continue,
                },
                Event::SequenceEnd => match stack.pop() {
                    Some(Frame::Seq(mut n)) => {
                        n.end = n.content_end(text).max(n.start);
                        if let Kind::Seq { flow: true, .. } = n.kind {
                            n.end = byte(span.end.index()).max(n.start);
                        }
                        n
                    }
                    _ => continue,
                },
                _ => continue,
            };
            match stack.last_mut() {
                Some(Frame::Map(m, pending)) => {
                    if let Some(k) = pending.pop() {
                        if let Kind::Map { entries, .. } = &mut m.kind {
                            entries.push((k, node));
                        }
                    } else {
                        pending.push(node);
                    }
                }
                Some(Frame::Seq(s)) => {
                    if let Kind::Seq { items, .. } = &mut s.kind {
                        items.push(node);
                    }
                }
                None => root = Some(node),
            }
        }
        Ok(Source {
            text: text.to_string(),
            docs,
        })
    }

    /// The line ending the file uses (CRLF if its first line break is one).
    pub fn eol(&self) -> &'static str {
        match self.text.find('\n') {
            Some(i) if i > 0 && self.text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        }
    }

    /// Byte offset just after the line break that ends the line holding `pos`
    /// (the end of the text if there is none).
    pub fn after_line(&self, pos: usize) -> usize {
        match self.text[pos.min(self.text.len())..].find('\n') {
            Some(i) => pos + i + 1,
            None => self.text.len(),
        }
    }
}

/// Byte offset of the `|`/`>` header of the block scalar whose content
/// starts at or before `content`.
fn block_header(text: &str, content: usize) -> Option<usize> {
    let ls = text[..content.min(text.len())].rfind('\n')?;
    let mut upto = ls;
    loop {
        let line_start = text[..upto].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let line = &text[line_start..upto];
        let code = match line.find(" #") {
            Some(c) => &line[..c],
            None => line,
        };
        if let Some(i) = code.rfind(['|', '>']) {
            return Some(line_start + i);
        }
        if line_start == 0 || !line.trim().is_empty() {
            return None;
        }
        upto = line_start - 1;
    }
}

/// Byte offset just after the closing quote of the quoted scalar at `start`.
fn quoted_end(text: &str, start: usize, style: Style) -> Option<usize> {
    let b = text.as_bytes();
    match style {
        Style::Double => {
            let mut i = start + 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
            None
        }
        Style::Single => {
            let mut i = start + 1;
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return Some(i + 1);
                }
                i += 1;
            }
            None
        }
        _ => None,
    }
}

/// One byte splice: replace `start..end` with `text`.
#[derive(Debug, Clone, PartialEq)]
pub struct Splice {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Apply splices (any order, non-overlapping) to `text`.
pub fn apply_splices(text: &str, splices: &[Splice]) -> Result<String, String> {
    let mut s: Vec<&Splice> = splices.iter().collect();
    s.sort_by_key(|x| (x.start, x.end));
    for w in s.windows(2) {
        if w[1].start < w[0].end {
            return Err("overlapping edits".into());
        }
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for sp in s {
        if sp.start < pos
            || sp.end > text.len()
            || !text.is_char_boundary(sp.start)
            || !text.is_char_boundary(sp.end)
        {
            return Err("edit out of range".into());
        }
        out.push_str(&text[pos..sp.start]);
        out.push_str(&sp.text);
        pos = sp.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

/// Whether `s` can be written as a plain scalar without changing its text
/// (it may still resolve to a non-string type; see [`format_string`]).
pub fn plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with(' ') || s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    if "?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if first == '-' && (s.len() == 1 || s[1..].starts_with(' ')) {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    !(s.contains(": ")
        || s.contains(" #")
        || s.contains('\n')
        || s.contains('\r')
        || s.contains('\t')
        || s.chars().any(|c| c.is_control()))
}

/// Double-quoted form of `s`.
pub fn double_quoted(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if c.is_control() => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn single_quoted(s: &str) -> Option<String> {
    if s.contains('\n') || s.chars().any(|c| c.is_control()) {
        return None;
    }
    Some(format!("'{}'", s.replace('\'', "''")))
}

fn resolves_to_string(s: &str) -> bool {
    matches!(
        crate::yaml::parse::resolve_plain(s),
        crate::yaml::Value::Str(_)
    )
}

/// Text of a string scalar that keeps `style` where it can and always reads
/// back as the string `s`.
pub fn format_string(s: &str, style: Style) -> String {
    match style {
        Style::Single => single_quoted(s).unwrap_or_else(|| double_quoted(s)),
        Style::Plain if plain_safe(s) && resolves_to_string(s) => s.to_string(),
        Style::Plain | Style::Double | Style::Literal | Style::Folded => double_quoted(s),
    }
}

/// Text of a value "as written": plain when the syntax allows it whatever
/// type it resolves to (`True` stays `True`), double-quoted otherwise.
pub fn format_as_written(s: &str) -> String {
    if plain_safe(s) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// Key text for a new mapping key.
pub fn format_key(k: &str) -> String {
    if plain_safe(k) && resolves_to_string(k) {
        k.to_string()
    } else {
        double_quoted(k)
    }
}

/// Splice that replaces a scalar node's text with `new_text`.
pub fn replace_node(n: &Node, new_text: String) -> Splice {
    Splice {
        start: n.start,
        end: n.end,
        text: new_text,
    }
}

/// Splices that turn the scalar value of `key: value` into a block mapping
/// holding `pairs` (already formatted key and value texts), indented two
/// spaces deeper than the key. A comment after the old value stays on the
/// key's line.
pub fn scalar_to_block_map(
    src: &Source,
    key: &Node,
    value: &Node,
    pairs: &[(String, String)],
) -> Vec<Splice> {
    let eol = src.eol();
    let b = src.text.as_bytes();
    let mut ws = value.start;
    while ws > key.end && matches!(b[ws - 1], b' ' | b'\t') {
        ws -= 1;
    }
    let vend = value.content_end(&src.text);
    let indent = " ".repeat(key.col0 + 2);
    let mut body = String::new();
    for (k, v) in pairs {
        body.push_str(&indent);
        body.push_str(k);
        body.push_str(": ");
        body.push_str(v);
        body.push_str(eol);
    }
    let line_end = src.after_line(vend);
    let mut ins = Splice {
        start: line_end,
        end: line_end,
        text: body.clone(),
    };
    if line_end == src.text.len() && !src.text.ends_with('\n') {
        ins.text = format!("{eol}{}", ins.text);
    }
    // When the value ends its line, one splice keeps things simple.
    let rest = &src.text[vend..line_end];
    if rest.trim().is_empty() {
        let mut text = format!("{eol}{body}");
        if !rest.ends_with('\n') {
            text.truncate(text.len() - eol.len());
        }
        return vec![Splice {
            start: ws,
            end: line_end,
            text,
        }];
    }
    vec![
        Splice {
            start: ws,
            end: vend,
            text: String::new(),
        },
        ins,
    ]
}

/// Text of a nested block mapping chain `a: b: c: value` at `indent`.
fn chain_text(path: &[&str], value: &str, indent: usize, eol: &str) -> String {
    let mut out = String::new();
    for (i, k) in path.iter().enumerate() {
        out.push_str(&" ".repeat(indent + 2 * i));
        out.push_str(&format_key(k));
        out.push(':');
        if i + 1 == path.len() {
            out.push(' ');
            out.push_str(value);
        }
        out.push_str(eol);
    }
    out
}

/// Splice that inserts `path` (intermediate mappings created) with the
/// formatted `value` into the block mapping `map`, at its keys'
/// indentation, after its last entry.
pub fn insert_into_map(
    src: &Source,
    map: &Node,
    path: &[&str],
    value: &str,
) -> Result<Splice, String> {
    let eol = src.eol();
    match &map.kind {
        Kind::Map { flow: true, .. } => {
            Err("cannot insert into a flow mapping ({...}); rewrite it as a block mapping".into())
        }
        Kind::Map { entries, .. } if !entries.is_empty() => {
            let indent = entries[0].0.col0;
            let end = map.content_end(&src.text);
            let at = src.after_line(end);
            let mut text = chain_text(path, value, indent, eol);
            if at == src.text.len() && !src.text.ends_with('\n') {
                text = format!("{eol}{text}");
            }
            Ok(Splice {
                start: at,
                end: at,
                text,
            })
        }
        _ => Err("not a non-empty block mapping".into()),
    }
}

/// Splice that gives an empty `key:` a block mapping value holding `path`.
pub fn insert_under_empty_key(src: &Source, key: &Node, path: &[&str], value: &str) -> Splice {
    let eol = src.eol();
    let at = src.after_line(key.end);
    let mut text = chain_text(path, value, key.col0 + 2, eol);
    if at == src.text.len() && !src.text.ends_with('\n') {
        text = format!("{eol}{text}");
    }
    Splice {
        start: at,
        end: at,
        text,
    }
}

/// Splice that replaces the sequence item `item` by several items (given
/// as formatted scalar texts), in the same block or flow style.
pub fn replace_seq_item(src: &Source, seq: &Node, item: &Node, texts: &[String]) -> Splice {
    let flow = matches!(seq.kind, Kind::Seq { flow: true, .. });
    let sep = if flow {
        ", ".to_string()
    } else {
        // the dash of this item: same line, before the item
        let line_start = src.text[..item.start]
            .rfind('\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        let before = &src.text[line_start..item.start];
        let dash = before.rfind('-').unwrap_or(0);
        let width = before[..dash].chars().count();
        format!("{}{}- ", src.eol(), " ".repeat(width))
    };
    Splice {
        start: item.start,
        end: item.end,
        text: texts.join(&sep),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untouched(a: &str, b: &str, sp: &[Splice]) {
        // every byte outside the splices is identical, in order
        let mut s: Vec<&Splice> = sp.iter().collect();
        s.sort_by_key(|x| x.start);
        let mut pos = 0;
        let mut opos = 0;
        for x in s {
            assert_eq!(&a[pos..x.start], &b[opos..opos + (x.start - pos)]);
            opos += x.start - pos + x.text.len();
            pos = x.end;
        }
        assert_eq!(&a[pos..], &b[opos..]);
    }

    #[test]
    fn spans_are_bytes() {
        let t = "# é comment\nk: \"é\" # c\np: plain  # c\nq: 'it''s' #\nm:\n  a: 'x'\n  b: |\n    lit\n\nz: ~\n";
        let s = Source::parse(t).unwrap();
        let d = s.docs[0].as_ref().unwrap();
        let v = d.get("k").unwrap();
        assert_eq!(&t[v.start..v.end], "\"é\"");
        let p = d.get("p").unwrap();
        assert_eq!(&t[p.start..p.end], "plain");
        let q = d.get("q").unwrap();
        assert_eq!(&t[q.start..q.end], "'it''s'");
        let a = d.get_path(&["m", "a"]).unwrap();
        assert_eq!(&t[a.start..a.end], "'x'");
        let b = d.get_path(&["m", "b"]).unwrap();
        assert_eq!(&t[b.start..b.content_end(t)], "|\n    lit");
    }

    #[test]
    fn insert_keeps_everything_else() {
        let t =
            "a: 1 # one\r\nspec:\r\n  x: \"q\"  # keep\r\n\r\n  y:\r\n    z: 2\r\n---\r\nb: 2\r\n";
        let s = Source::parse(t).unwrap();
        let d = s.docs[0].as_ref().unwrap();
        let spec = d.get("spec").unwrap();
        let sp = insert_into_map(&s, spec, &["redis", "endpoint"], "r").unwrap();
        let out = apply_splices(t, std::slice::from_ref(&sp)).unwrap();
        assert_eq!(
            out,
            "a: 1 # one\r\nspec:\r\n  x: \"q\"  # keep\r\n\r\n  y:\r\n    z: 2\r\n  redis:\r\n    endpoint: r\r\n---\r\nb: 2\r\n"
        );
        untouched(t, &out, &[sp]);
        assert_eq!(s.docs.len(), 2);
    }

    #[test]
    fn string_to_map() {
        let t = "spec:\n  configVars: \"a=1; b=2;\" # vars\n  n: 3\n";
        let s = Source::parse(t).unwrap();
        let d = s.docs[0].as_ref().unwrap();
        let (k, v) = d.get("spec").unwrap().entry("configVars").unwrap();
        let sp = scalar_to_block_map(
            &s,
            k,
            v,
            &[("a".into(), "1".into()), ("b".into(), "2".into())],
        );
        let out = apply_splices(t, &sp).unwrap();
        assert_eq!(
            out,
            "spec:\n  configVars: # vars\n    a: 1\n    b: 2\n  n: 3\n"
        );
        let t2 = "spec:\n  configVars: \"a=1\"\n";
        let s = Source::parse(t2).unwrap();
        let d = s.docs[0].as_ref().unwrap();
        let (k, v) = d.get("spec").unwrap().entry("configVars").unwrap();
        let sp = scalar_to_block_map(&s, k, v, &[("a".into(), "1".into())]);
        let out = apply_splices(t2, &sp).unwrap();
        assert_eq!(out, "spec:\n  configVars:\n    a: 1\n");
        untouched(t2, &out, &sp);
    }

    #[test]
    fn seq_item_replacement() {
        let t = "args:\n  - --a\n  - \"--volume-pool=x\" # c\nf: [\"--volume-pool\", --b]\n";
        let s = Source::parse(t).unwrap();
        let d = s.docs[0].as_ref().unwrap();
        let seq = d.get("args").unwrap();
        let it = &seq.items().unwrap()[1];
        let sp1 = replace_seq_item(&s, seq, it, &["\"--thick\"".into(), "\"--vg=v\"".into()]);
        let f = d.get("f").unwrap();
        let sp2 = replace_seq_item(&s, f, &f.items().unwrap()[0], &["--t".into(), "--u".into()]);
        let out = apply_splices(t, &[sp1, sp2]).unwrap();
        assert_eq!(
            out,
            "args:\n  - --a\n  - \"--thick\"\n  - \"--vg=v\" # c\nf: [--t, --u, --b]\n"
        );
    }

    #[test]
    fn bad_yaml_is_an_error() {
        assert!(Source::parse("a: [b\n").is_err());
        assert!(Source::parse("a: 'x\n").is_err());
    }

    #[test]
    fn a_block_scalar_starts_at_its_header_with_its_position() {
        let src = Source::parse("a: 1\npatch: |\n  x: 1\n  y: 2\n").unwrap();
        let root = src.docs[0].as_ref().unwrap();
        let n = root.get("patch").unwrap();
        assert_eq!(&src.text[n.start..n.start + 1], "|");
        assert_eq!((n.line, n.col, n.col0), (2, 8, 7));
    }
}
