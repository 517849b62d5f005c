//! Text helpers for splicing one side's YAML into the other side's file:
//! line boundaries, re-indentation and line endings.

/// Byte offset of the start of the line holding `pos`.
pub fn line_start(text: &str, pos: usize) -> usize {
    text[..pos.min(text.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0)
}

/// Byte offset just after the line break ending the line holding `pos`
/// (the end of the text when the line has none).
pub fn after_line(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    match text[pos..].find('\n') {
        Some(i) => pos + i + 1,
        None => text.len(),
    }
}

/// Whether only spaces and tabs lie between the start of `pos`'s line and
/// `pos`.
pub fn starts_its_line(text: &str, pos: usize) -> bool {
    text[line_start(text, pos)..pos]
        .bytes()
        .all(|b| b == b' ' || b == b'\t')
}

/// The line ending a text uses (CRLF when its first line break is one).
pub fn eol_of(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// `text` with its line breaks turned into `eol`.
pub fn with_eol(text: &str, eol: &str) -> String {
    let lf = text.replace("\r\n", "\n");
    if eol == "\n" {
        lf
    } else {
        lf.replace('\n', eol)
    }
}

/// Shifts every line of `text` after the first (or every line, with
/// `first`) by `delta` columns: spaces are added, or leading spaces
/// removed. Blank lines are left alone. `None` when a line has fewer
/// leading spaces than must be removed (the text would change meaning).
pub fn reindent(text: &str, delta: isize, first: bool) -> Option<String> {
    if delta == 0 {
        return Some(text.to_string());
    }
    let mut out = String::with_capacity(text.len() + 64);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == 0 && !first {
            out.push_str(line);
            continue;
        }
        if line.trim().is_empty() {
            out.push_str(line);
            continue;
        }
        if delta > 0 {
            out.push_str(&" ".repeat(delta as usize));
            out.push_str(line);
        } else {
            let n = (-delta) as usize;
            let lead = line.bytes().take_while(|&b| b == b' ').count();
            if lead < n {
                // A comment may sit anywhere; anything else would change
                // the structure.
                if line.trim_start().starts_with('#') {
                    out.push_str(&line[lead..]);
                    continue;
                }
                return None;
            }
            out.push_str(&line[n..]);
        }
    }
    Some(out)
}

/// Column (in characters) of byte offset `pos` on its line.
pub fn column(text: &str, pos: usize) -> usize {
    text[line_start(text, pos)..pos].chars().count()
}

/// The byte offset of the `-` that introduces the block sequence item
/// starting at `item`, when only spaces lie between them on the line.
pub fn dash_before(text: &str, item: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = item.min(b.len());
    while i > 0 && b[i - 1] == b' ' {
        i -= 1;
    }
    (i > 0 && b[i - 1] == b'-').then(|| i - 1)
}

/// Start of the comment lines directly above `line_start_pos` (lines whose
/// first non-blank character is `#`), or `line_start_pos` itself.
pub fn comments_above(text: &str, line_start_pos: usize) -> usize {
    let mut start = line_start_pos;
    while start > 0 {
        let prev = line_start(text, start - 1);
        if text[prev..start].trim_start().starts_with('#') {
            start = prev;
        } else {
            break;
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reindent_shifts_following_lines() {
        assert_eq!(
            reindent("a:\n  b: 1\n\n  c: 2\n", 2, false).unwrap(),
            "a:\n    b: 1\n\n    c: 2\n"
        );
        assert_eq!(reindent("  a:\n    b\n", -2, true).unwrap(), "a:\n  b\n");
        assert!(reindent("a:\n b\n", -2, false).is_none());
    }

    #[test]
    fn lines_and_dashes() {
        let t = "x:\n  - a: 1\n  -   b\n";
        let a = t.find("a:").unwrap();
        assert_eq!(dash_before(t, a), Some(a - 2));
        assert_eq!(column(t, a), 4);
        let b = t.find('b').unwrap();
        assert_eq!(dash_before(t, b), Some(t.rfind('-').unwrap()));
        assert!(!starts_its_line(t, a));
        assert_eq!(after_line(t, a), t.find("  -   b").unwrap());
        assert_eq!(with_eol("a\nb\r\n", "\r\n"), "a\r\nb\r\n");
        assert_eq!(comments_above("a: 1\n# c\n# d\nb: 2\n", 13), 5);
    }
}
