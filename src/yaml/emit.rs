//! Prints [`Value`]s exactly as `kubectl kustomize` does.
//!
//! kustomize prints each resource by marshalling it to JSON and converting
//! that JSON to YAML with `sigs.k8s.io/yaml`, which decodes and re-encodes
//! with go-yaml v2. So the rules reproduced here are go-yaml v2's: mapping
//! keys in its "natural" order, block style with two-space indentation and
//! sequences not indented under their key, YAML 1.1 resolution deciding
//! which strings need double quotes, libyaml's scalar analysis deciding
//! between plain, single-quoted, double-quoted and literal styles, and
//! folding of long lines past column 80.

use std::cmp::Ordering;

pub use super::number::{format_float_go, format_number_json_roundtrip};
use super::value::Value;

const BEST_INDENT: i64 = 2;
const BEST_WIDTH: i64 = 80;

/// Prints a stream of documents separated by `---`, as kustomize does.
pub fn emit_stream<'a>(docs: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (i, d) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_document_into(d, &mut out);
    }
    out
}

/// Writes a stream of documents as [`emit_stream`] prints it, one document
/// at a time: the output is never held whole in memory (a root of large
/// CRDs prints several MB).
///
/// A large stream (a root of CRDs) is printed on two threads: a helper
/// prints the second half of the documents into memory while this thread
/// writes the first half, then writes what the helper printed.
pub fn write_stream<'a, W: std::io::Write>(
    docs: impl IntoIterator<Item = &'a Value>,
    w: &mut W,
) -> std::io::Result<()> {
    let docs: Vec<&Value> = docs.into_iter().collect();
    if docs.len() >= 2 && larger_than(&docs, WORTH_A_THREAD_NODES) {
        let (first, second) = docs.split_at(docs.len() / 2);
        return std::thread::scope(|sc| {
            let helper = sc.spawn(|| {
                let mut out = String::new();
                for d in second {
                    out.push_str("---\n");
                    emit_document_into(d, &mut out);
                }
                out
            });
            write_docs(first, w)?;
            match helper.join() {
                Ok(text) => w.write_all(text.as_bytes()),
                Err(_) => {
                    // the helper panicked: print its half here
                    let mut buf = String::new();
                    for d in second {
                        buf.clear();
                        buf.push_str("---\n");
                        emit_document_into(d, &mut buf);
                        w.write_all(buf.as_bytes())?;
                    }
                    Ok(())
                }
            }
        });
    }
    write_docs(&docs, w)
}

/// Below this many nodes a second thread costs more than it saves (a
/// thread costs tens of microseconds; 20,000 nodes take a few
/// milliseconds to print). A root of 4.6 MB of CRDs holds about 50,000
/// nodes (long descriptions are one node each): at the former 100,000 it
/// was printed on one thread.
const WORTH_A_THREAD_NODES: usize = 20_000;

fn write_docs<W: std::io::Write>(docs: &[&Value], w: &mut W) -> std::io::Result<()> {
    let mut buf = String::new();
    for (i, d) in docs.iter().enumerate() {
        buf.clear();
        if i > 0 {
            buf.push_str("---\n");
        }
        emit_document_into(d, &mut buf);
        w.write_all(buf.as_bytes())?;
    }
    Ok(())
}

/// Whether the documents hold more than `limit` nodes (counting stops
/// there).
fn larger_than(docs: &[&Value], limit: usize) -> bool {
    fn count(v: &Value, n: &mut usize, limit: usize) {
        if *n > limit {
            return;
        }
        *n += 1;
        match v {
            Value::Seq(items) => items.iter().for_each(|x| count(x, n, limit)),
            Value::Map(m) => m.values().for_each(|x| count(x, n, limit)),
            _ => {}
        }
    }
    let mut n = 0;
    for d in docs {
        count(d, &mut n, limit);
    }
    n > limit
}

/// Prints one document (ending with a newline).
pub fn emit_document(v: &Value) -> String {
    let mut out = String::new();
    emit_document_into(v, &mut out);
    out
}

fn emit_document_into(v: &Value, out: &mut String) {
    emit_document_with(v, out, true)
}

/// `fast: false` takes the general path for every scalar (the tests check
/// that both paths print the same).
fn emit_document_with(v: &Value, out: &mut String, fast: bool) {
    let mut e = Emitter {
        fast,
        out: std::mem::take(out),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        open_ended: false,
        flow_level: 0,
        buf: Vec::new(),
    };
    e.node(v, Ctx::Root);
    // document end
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    *out = e.out;
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Root,
    Seq,
    Map,
    SimpleKey,
    /// a key written after `? `
    ComplexKey,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Emitter {
    /// Whether the shortcuts for common scalars are taken.
    fast: bool,
    out: String,
    column: i64,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    flow_level: i64,
    /// Reused buffer of the current scalar's characters.
    buf: Vec<char>,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.indention = true;
    }

    fn write_str(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }

    fn write_break_char(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
            self.indention = true;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        self.write_str(ind);
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn node(&mut self, v: &Value, ctx: Ctx) {
        match v {
            Value::Map(m) if m.is_empty() => self.empty_flow("{", "}"),
            Value::Seq(s) if s.is_empty() => self.empty_flow("[", "]"),
            Value::Map(m) => {
                self.increase_indent(false, false);
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                entries.sort_by(|a, b| natural_cmp(a.0, b.0));
                for (k, v) in entries {
                    self.write_indent();
                    let key_style = string_style(k);
                    let simple = k.len() <= 128
                        && if k.is_ascii() {
                            !k.bytes().any(|c| c == b'\n' || c == b'\r')
                        } else {
                            !k.contains(is_break)
                        };
                    if simple {
                        self.scalar(k, key_style, Ctx::SimpleKey);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.scalar(k, key_style, Ctx::ComplexKey);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(v, Ctx::Map);
                }
                self.pop_indent();
            }
            Value::Seq(items) => {
                let indentless = ctx == Ctx::Map && !self.indention;
                self.increase_indent(false, indentless);
                for it in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(it, Ctx::Seq);
                }
                self.pop_indent();
            }
            Value::Str(s) if !s.is_ascii() && s.contains('\u{85}') => {
                // JSON carries U+0085 raw; go-yaml reads it back as a line
                // break inside a double-quoted scalar and folds it to a space.
                let folded = s.replace('\u{85}', " ");
                self.scalar(&folded, string_style(&folded), ctx)
            }
            Value::Str(s) => self.scalar(s, string_style(s), ctx),
            Value::Null => self.scalar("null", Style::Plain, ctx),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Value::Int(i) => self.scalar(&i.to_string(), Style::Plain, ctx),
            Value::Uint(u) => self.scalar(&u.to_string(), Style::Plain, ctx),
            Value::Float(f) => self.scalar(&format_number_json_roundtrip(*f), Style::Plain, ctx),
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, s: &str, requested: Style, ctx: Ctx) {
        if self.fast && self.flow_level == 0 && self.scalar_fast(s, requested, ctx) {
            return;
        }
        let a = if self.fast {
            analyze(s)
        } else {
            analyze_chars(s, s.chars())
        };
        let simple_key = ctx == Ctx::SimpleKey;
        let mut style = requested;
        if simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed)
                || (self.flow_level == 0 && !a.block_plain_allowed)
            {
                style = Style::Single;
            }
            if s.is_empty() && (self.flow_level > 0 || simple_key) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || self.flow_level > 0 || simple_key) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        if style == Style::Literal {
            self.write_literal(s);
        } else {
            let mut chars = std::mem::take(&mut self.buf);
            chars.clear();
            chars.extend(s.chars());
            match style {
                Style::Plain => self.write_plain(&chars, allow_breaks, ctx == Ctx::Root),
                Style::Single => self.write_single(&chars, allow_breaks),
                _ => self.write_double(&chars, allow_breaks),
            }
            self.buf = chars;
        }
        self.pop_indent();
    }

    /// The common case without the general machinery: a string of
    /// printable ASCII without line breaks (most keys and values, and the
    /// one-line descriptions of CRD schemas). For such a string libyaml's
    /// analysis reduces to [`block_plain_ascii`] (single quotes are always
    /// allowed, nothing is special), and the writers to copying the runs
    /// between spaces, folding at a space past column 80 as they do.
    /// Writes the scalar exactly as the general path would and returns
    /// true, or writes nothing and returns false.
    fn scalar_fast(&mut self, s: &str, requested: Style, ctx: Ctx) -> bool {
        let b = s.as_bytes();
        if requested == Style::Literal {
            return ctx != Ctx::SimpleKey && self.literal_fast(b, s);
        }
        if b.is_empty() || !b.iter().all(|c| (0x20..0x7F).contains(c)) {
            return false;
        }
        let style = match requested {
            Style::Plain if block_plain_ascii(b) => Style::Plain,
            Style::Plain | Style::Single => Style::Single,
            Style::Double if !b.contains(&b'"') && !b.contains(&b'\\') => Style::Double,
            _ => return false,
        };
        let allow_breaks = ctx != Ctx::SimpleKey;
        self.increase_indent(true, false);
        match style {
            Style::Plain => {
                if !self.whitespace {
                    self.put(' ');
                }
                self.write_folded_ascii(s, allow_breaks, style);
                self.whitespace = false;
                if ctx == Ctx::Root {
                    self.open_ended = true;
                }
            }
            _ => {
                let q = if style == Style::Single { "'" } else { "\"" };
                self.write_indicator(q, true, false, false);
                self.write_folded_ascii(s, allow_breaks, style);
                self.write_indicator(q, false, false, false);
                self.whitespace = false;
            }
        }
        self.indention = false;
        self.pop_indent();
        true
    }

    /// A multi-line string of printable ASCII (the descriptions of CRD
    /// schemas): libyaml allows the literal style unless a space ends a
    /// line or the string (then the general path prints it double-quoted).
    /// One pass over the bytes decides; then written as `write_literal`.
    fn literal_fast(&mut self, b: &[u8], s: &str) -> bool {
        let mut bad = false;
        let mut space_break = false;
        let mut prev = 0u8;
        for chunk in b.chunks(64) {
            for &c in chunk {
                bad |= c != b'\n' && !(0x20..0x7F).contains(&c);
                space_break |= c == b'\n' && prev == b' ';
                prev = c;
            }
            if bad || space_break {
                return false;
            }
        }
        if b.last() == Some(&b' ') {
            return false;
        }
        self.increase_indent(true, false);
        self.write_literal_with(s, true);
        self.pop_indent();
        true
    }

    /// The inner loop of `write_plain`, `write_single` and `write_double`
    /// for printable ASCII without line breaks, quotes to escape (double)
    /// or leading/trailing spaces (plain): the same folding decisions, with
    /// the runs between spaces copied whole.
    fn write_folded_ascii(&mut self, s: &str, allow_breaks: bool, style: Style) {
        let b = s.as_bytes();
        let n = b.len();
        let mut spaces = false;
        let mut i = 0;
        while i < n {
            if b[i] == b' ' {
                let next_space = b.get(i + 1) == Some(&b' ');
                let inner = i != 0 && i != n - 1;
                let fold = allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && match style {
                        Style::Plain => !next_space,
                        Style::Single => inner && !next_space,
                        _ => inner,
                    };
                if fold {
                    self.write_indent();
                    if style == Style::Double && next_space {
                        self.put('\\');
                    }
                } else {
                    self.put(' ');
                }
                spaces = true;
                i += 1;
            } else {
                let end = b[i..].iter().position(|c| *c == b' ').map_or(n, |p| i + p);
                let run = &s[i..end];
                if style == Style::Single && run.contains('\'') {
                    for c in run.chars() {
                        if c == '\'' {
                            self.put('\'');
                        }
                        self.put(c);
                    }
                } else {
                    self.out.push_str(run);
                    self.column += (end - i) as i64;
                }
                self.indention = false;
                spaces = false;
                i = end;
            }
        }
    }

    fn write_plain(&mut self, chars: &[char], allow_breaks: bool, root: bool) {
        if !chars.is_empty() && !self.whitespace {
            self.put(' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break_char(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
            i += 1;
        }
        if !chars.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
        if root {
            self.open_ended = true;
        }
    }

    fn write_single(&mut self, chars: &[char], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let n = chars.len();
        for i in 0..n {
            let c = chars[i];
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != n - 1
                    && !next_space
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break_char(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, chars: &[char], allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let n = chars.len();
        let mut spaces = false;
        // go-yaml v2's `is_bom` looks at the start of the string whatever
        // the position: after a leading BOM every character is escaped.
        let bom_start = chars.first() == Some(&'\u{FEFF}');
        for i in 0..n {
            let c = chars[i];
            if bom_start
                || !is_printable(c)
                || c == '\u{FEFF}'
                || is_break(c)
                || c == '"'
                || c == '\\'
            {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = c as u32;
                        let (ind, w) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(ind);
                        let hex = format!("{v:0w$X}");
                        self.write_str(&hex);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i != n - 1 {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, s: &str) {
        self.write_literal_with(s, false)
    }

    /// `ascii`: `s` is known to be ASCII, only `\n` breaks its lines.
    fn write_literal_with(&mut self, s: &str, ascii: bool) {
        self.write_indicator("|", true, false, false);
        // block scalar hints
        let first = s.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        self.open_ended = false;
        let mut rev = s.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some("-"),
            (Some(l), _) if !is_break(l) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(p)) if is_break(p) => Some("+"),
            _ => None,
        };
        if let Some(ch) = chomp {
            self.write_indicator(ch, false, false, false);
            // go-yaml would end such a document with `...`; kubectl's
            // output never has it (a `|+` value last in a resource is
            // followed by `---` or the end: checked against kubectl 1.37)
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut rest = s;
        // only '\n' breaks a line of most strings: a byte search finds it
        let newline_only =
            ascii || (self.fast && !s.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}']));
        // runs of characters between line breaks are copied whole; each
        // starts the block or follows a break, so is indented
        while !rest.is_empty() {
            let end = if newline_only {
                memchr::memchr(b'\n', rest.as_bytes())
            } else {
                rest.find(is_break)
            }
            .unwrap_or(rest.len());
            if end > 0 {
                self.write_indent();
                let run = &rest[..end];
                self.out.push_str(run);
                self.column += if ascii || run.is_ascii() {
                    run.len() as i64
                } else {
                    run.chars().count() as i64
                };
                self.indention = false;
            }
            let Some(c) = rest[end..].chars().next() else {
                break;
            };
            self.write_break_char(c);
            self.indention = true;
            rest = &rest[end + c.len_utf8()..];
        }
    }
}

/// Whether libyaml's analysis allows the plain style in block context for
/// `s`, for strings of printable ASCII without line breaks (false for any
/// other string, which takes the general path).
fn block_plain_ascii(b: &[u8]) -> bool {
    let n = b.len();
    if n == 0 || b[0] == b' ' || b[n - 1] == b' ' || b.starts_with(b"---") || b.starts_with(b"...")
    {
        return false;
    }
    let ws_at = |i: usize| i >= n || b[i] == b' ';
    match b[0] {
        b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => return false,
        b'?' | b':' | b'-' if ws_at(1) => return false,
        _ => {}
    }
    for i in 0..n {
        match b[i] {
            0x20..=0x7E => {}
            _ => return false,
        }
        if i > 0 && ((b[i] == b':' && ws_at(i + 1)) || (b[i] == b'#' && b[i - 1] == b' ')) {
            return false;
        }
    }
    true
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0A
        || (0x20..=0x7E).contains(&v)
        || (0xA0..=0xD7FF).contains(&v)
        || ((0xE000..=0xFFFD).contains(&v) && v != 0xFEFF)
}

struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// libyaml's scalar analysis (go-yaml v2 flavour: a tab is a special
/// character).
fn analyze(s: &str) -> Analysis {
    let b = s.as_bytes();
    if s.is_ascii() && b.contains(&b'\n') && !b.contains(&b'\r') {
        // A multi-line ASCII string (the descriptions of CRD schemas): the
        // line breaks already rule out the plain styles, so the indicators
        // need no scan; the rest is a few byte searches.
        let special = b.iter().any(|c| *c != b'\n' && !(0x20..0x7F).contains(c));
        let break_space = b.windows(2).any(|w| w == b"\n ");
        let space_break = b.windows(2).any(|w| w == b" \n");
        let trailing_space = b[b.len() - 1] == b' ';
        return Analysis {
            multiline: true,
            flow_plain_allowed: false,
            block_plain_allowed: false,
            single_quoted_allowed: !(break_space || space_break || special),
            block_allowed: !(trailing_space || space_break || special),
        };
    }
    if s.is_ascii() {
        analyze_chars(s, s.bytes().map(char::from))
    } else {
        analyze_chars(s, s.chars())
    }
}

fn analyze_chars(s: &str, chars: impl Iterator<Item = char>) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_ind = false;
    let mut flow_ind = false;
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    if s.starts_with("---") || s.starts_with("...") {
        block_ind = true;
        flow_ind = true;
    }
    let mut preceded_by_ws = true;
    let mut it = chars.peekable();
    let mut i = 0;
    while let Some(c) = it.next() {
        let next = it.peek().copied();
        let last = next.is_none();
        let followed_by_ws = matches!(next, None | Some(' ' | '\t'));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_ind = true;
                    block_ind = true;
                }
                '?' | ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '-' if followed_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '#' if preceded_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = matches!(c, ' ' | '\t' | '\0') || is_break(c);
        i += 1;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_ind {
        a.flow_plain_allowed = false;
    }
    if block_ind {
        a.block_plain_allowed = false;
    }
    a
}

/// The style go-yaml v2's encoder asks for a string: literal when it has a
/// newline, plain when YAML 1.1 would read it back as a string, otherwise
/// double-quoted.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolves_as_string_v2(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::Double
    }
}

/// Whether go-yaml v2 resolves the plain scalar `s` to a string.
pub fn resolves_as_string_v2(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return false; // "" is null
    };
    let hint = match first {
        b'+' | b'-' | b'0'..=b'9' => 'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => 'M',
        b'.' => '.',
        _ => return true,
    };
    if matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    ) {
        return false;
    }
    match hint {
        '.' => !go_float_syntax(s),
        'D' => {
            if super::parse::looks_like_timestamp(s) {
                return false;
            }
            let plain: String = s.chars().filter(|c| *c != '_').collect();
            if super::parse::go_parse_int(&plain).is_some() {
                return false;
            }
            if yaml_style_float(&plain) {
                return false;
            }
            if let Some(r) = plain
                .strip_prefix("0b")
                .or_else(|| plain.strip_prefix("-0b"))
            {
                if !r.is_empty() && r.chars().all(|c| c == '0' || c == '1') {
                    return false;
                }
            }
            true
        }
        _ => true,
    }
}

/// Whether Go's `strconv.ParseFloat` accepts a string that starts with `.`.
fn go_float_syntax(s: &str) -> bool {
    let rest = &s[1..];
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    if i == 0 || rest.contains('_') {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == st {
            return false;
        }
    }
    i == b.len()
}

fn yaml_style_float(s: &str) -> bool {
    super::parse::is_yaml_style_float(s)
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$` (go-yaml's
/// sexagesimal float), by hand: compiling the regular expression costs
/// more than rendering a small tree.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&c) = b.first() else { return false };
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    let mut i = usize::from(c == b'+' || c == b'-');
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        // [0-5]?[0-9]
        match (b.get(i), b.get(i + 1)) {
            (Some(d1 @ b'0'..=b'5'), Some(d2)) if d2.is_ascii_digit() => {
                let _ = d1;
                i += 2;
            }
            (Some(d), _) if d.is_ascii_digit() => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml's "natural" key order (its `keyList.Less` on strings).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    if a.is_ascii() && b.is_ascii() {
        // the common case: compare bytes without decoding
        return if less(a.as_bytes(), b.as_bytes()) {
            Ordering::Less
        } else if less(b.as_bytes(), a.as_bytes()) {
            Ordering::Greater
        } else {
            Ordering::Equal
        };
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    if less(&ar, &br) {
        Ordering::Less
    } else if less(&br, &ar) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// A character of a key: `char`, or a byte of an ASCII key.
trait KeyChar: Copy + PartialOrd {
    fn ch(self) -> char;
}

impl KeyChar for char {
    fn ch(self) -> char {
        self
    }
}

impl KeyChar for u8 {
    fn ch(self) -> char {
        self as char
    }
}

fn less<C: KeyChar>(ar: &[C], br: &[C]) -> bool {
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let (ac, bc) = (ar[i].ch(), br[i].ch());
        let al = ac.is_alphabetic();
        let bl = bc.is_alphabetic();
        if al && bl {
            return ac < bc;
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ac == '0' || bc == '0' {
            let mut j = i;
            while j > 0 {
                j -= 1;
                if !ar[j].ch().is_ascii_digit() {
                    break;
                }
                if ar[j].ch() != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].ch().is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(ar[ai].ch() as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].ch().is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(br[bi].ch() as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ac < bc;
    }
    ar.len() < br.len()
}

/// Refuses what kustomize cannot print: infinities and NaN (Go's JSON
/// encoder rejects them) and characters JSON leaves raw but go-yaml's reader
/// rejects (DEL, C1 controls other than NEL, U+FFFE, U+FFFF).
pub fn check_printable(v: &Value) -> Result<(), String> {
    fn bad_char(s: &str) -> bool {
        // fast path: only DEL and non-ASCII characters can be refused
        // (one branch-free pass over the bytes, which vectorizes)
        s.as_bytes().iter().fold(false, |bad, &c| bad | (c >= 0x7F))
            && s.chars()
                .any(|c| matches!(c as u32, 0x7F..=0x84 | 0x86..=0x9F | 0xFFFE | 0xFFFF))
    }
    match v {
        Value::Float(f) if !f.is_finite() => {
            Err(format!("json: unsupported value: {}", format_float_go(*f)))
        }
        Value::Str(s) if bad_char(s) => Err(format!(
            "yaml: control characters are not allowed (in {s:?})"
        )),
        Value::Seq(items) => items.iter().try_for_each(check_printable),
        Value::Map(m) => m.iter().try_for_each(|(k, v)| {
            if bad_char(k) {
                return Err(format!(
                    "yaml: control characters are not allowed (in key {k:?})"
                ));
            }
            check_printable(v)
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Mapping;

    #[test]
    fn go_g_format() {
        assert_eq!(format_float_go(1234567.5), "1.2345675e+06");
        assert_eq!(format_float_go(1e-6), "1e-06");
        assert_eq!(format_float_go(1e-7), "1e-07");
        assert_eq!(format_float_go(1.5), "1.5");
        assert_eq!(format_float_go(0.0001), "0.0001");
        assert_eq!(format_float_go(123456.5), "123456.5");
        assert_eq!(format_float_go(1e20), "1e+20");
        assert_eq!(format_number_json_roundtrip(1e20), "1e+20");
        assert_eq!(format_number_json_roundtrip(1000.0), "1000");
        assert_eq!(format_number_json_roundtrip(-0.0), "0");
    }

    #[test]
    fn base60_like_go_yaml() {
        for yes in ["1:20", "190:20:30", "-1:5", "+12_3:59.5_", "1:2:3."] {
            assert!(is_base60_float(yes), "{yes}");
        }
        for no in ["1:60", "1:", ":1", "a:1", "1:2a", "1_:20x", "1.5"] {
            assert!(!is_base60_float(no), "{no}");
        }
    }

    /// The shortcuts for common scalars print exactly what the general
    /// path (checked against kubectl by the differential suite) prints:
    /// strings made of the characters that decide styles and folding, as
    /// keys and values at several depths and columns.
    #[test]
    fn fast_paths_match_general_path() {
        const ALPHABET: &[&str] = &[
            " ",
            " ",
            " ",
            "a",
            "b",
            "word",
            "longerword",
            ":",
            "#",
            "'",
            "\"",
            "\\",
            "-",
            "?",
            ",",
            "[",
            "}",
            "&",
            "*",
            "!",
            "|",
            ">",
            "%",
            "@",
            "`",
            "\n",
            "\n",
            "\t",
            "é",
            "0",
            "1",
            ".",
            "---",
            "...",
            "yes",
            "~",
            "\r",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        // mostly words and spaces: long plain and quoted lines that fold
        const WORDS: &[&str] = &[
            " ", " ", "  ", "word", "x", "longer", ":", "-", ".", "'", "\"", "\n",
        ];
        for round in 0..6000 {
            let s: String = if round % 2 == 0 {
                let len = next(if round % 3 == 0 { 60 } else { 14 });
                (0..len).map(|_| ALPHABET[next(ALPHABET.len())]).collect()
            } else {
                (0..next(70)).map(|_| WORDS[next(WORDS.len())]).collect()
            };
            let mut inner = Mapping::new();
            inner.insert(s.clone(), Value::Str(s.clone()));
            inner.insert(
                "k".repeat(next(70)),
                Value::Seq(vec![Value::Str(s.clone())]),
            );
            let mut outer = Mapping::new();
            outer.insert("a".repeat(next(40) + 1), Value::Map(inner));
            outer.insert(s.clone(), Value::Str(s.clone()));
            for v in [Value::Map(outer), Value::Str(s.clone())] {
                let (mut fast, mut slow) = (String::new(), String::new());
                emit_document_with(&v, &mut fast, true);
                emit_document_with(&v, &mut slow, false);
                assert_eq!(fast, slow, "for {s:?}");
            }
        }
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["a10", "B", "_u", "a9", "1", "a09"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["_u", "1", "B", "a9", "a09", "a10"]);
    }
}
