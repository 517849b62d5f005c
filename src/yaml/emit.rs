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
use std::fmt::Write as _;

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

/// Prints one document (ending with a newline).
pub fn emit_document(v: &Value) -> String {
    let mut out = String::new();
    emit_document_into(v, &mut out);
    out
}

fn emit_document_into(v: &Value, out: &mut String) {
    let mut e = Emitter {
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
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort_by(|a, b| natural_cmp(a, b));
                for k in keys {
                    self.write_indent();
                    let key_style = string_style(k);
                    let simple = k.len() <= 128 && !k.contains(is_break);
                    if simple {
                        self.scalar(k, key_style, Ctx::SimpleKey);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.scalar(k, key_style, Ctx::ComplexKey);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(&m[k.as_str()], Ctx::Map);
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
            Value::Str(s) if s.contains('\u{85}') => {
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
        let mut chars = std::mem::take(&mut self.buf);
        chars.clear();
        chars.extend(s.chars());
        self.scalar_chars(s, &chars, requested, ctx);
        self.buf = chars;
    }

    fn scalar_chars(&mut self, s: &str, chars: &[char], requested: Style, ctx: Ctx) {
        let a = analyze(s, chars);
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
        match style {
            Style::Plain => self.write_plain(chars, allow_breaks, ctx == Ctx::Root),
            Style::Single => self.write_single(chars, allow_breaks),
            Style::Double => self.write_double(chars, allow_breaks),
            Style::Literal => self.write_literal(s),
        }
        self.pop_indent();
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
        let mut breaks = true;
        for c in s.chars() {
            if is_break(c) {
                self.write_break_char(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
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
fn analyze(s: &str, chars: &[char]) -> Analysis {
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
    let n = chars.len();
    let mut preceded_by_ws = true;
    for i in 0..n {
        let c = chars[i];
        let followed_by_ws = i + 1 >= n || matches!(chars[i + 1], ' ' | '\t');
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
            if i == n - 1 {
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
            if i == n - 1 {
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

/// How a float prints after kustomize's JSON round trip: integral values
/// that fit 64 bits print as integers, the rest as Go's `%g` shortest form.
pub fn format_number_json_roundtrip(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        let i = f as i128;
        if i >= i64::MIN as i128 && i <= u64::MAX as i128 {
            return i.to_string();
        }
    }
    format_float_go(f)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
pub fn format_float_go(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // shortest round-trip digits and decimal exponent from Rust's `{:e}`
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let nd = digits.len() as i32;
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        // %e with nd-1 decimals and a two-digit exponent at least
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", exp.abs());
        return out;
    }
    // %f with max(nd - (exp+1), 0) decimals
    let dp = exp + 1;
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(&digits);
    } else if dp >= nd {
        out.push_str(&digits);
        for _ in 0..(dp - nd) {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..dp as usize]);
        out.push('.');
        out.push_str(&digits[dp as usize..]);
    }
    out
}

/// Refuses what kustomize cannot print: infinities and NaN (Go's JSON
/// encoder rejects them) and characters JSON leaves raw but go-yaml's reader
/// rejects (DEL, C1 controls other than NEL, U+FFFE, U+FFFF).
pub fn check_printable(v: &Value) -> Result<(), String> {
    fn bad_char(s: &str) -> bool {
        s.chars()
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

    #[test]
    fn natural_order() {
        let mut v = vec!["a10", "B", "_u", "a9", "1", "a09"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["_u", "1", "B", "a9", "a09", "a10"]);
    }
}
