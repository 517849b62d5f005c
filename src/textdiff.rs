//! The one unified line diff of the project, on the `similar` crate (Myers'
//! algorithm, bounded by a deadline so that a pathological input costs at
//! most a fraction of a second and still yields a correct, if longer, diff).
//!
//! Two callers want two treatments of line endings, so that is a parameter:
//! - `diff` shows changes inside multi-line values (a ConfigMap's script),
//!   where a line is a line whatever ends it: [`Endings::Normalize`] compares
//!   lines without their `\n`/`\r\n` and says in one line when only the
//!   endings or the final newline differ;
//! - `migrate-patches --dry-run` shows a file as it will be written, byte for
//!   byte, like `diff -u`: [`Endings::Exact`] keeps each line's own ending (a
//!   CRLF line stays CRLF in the output) and marks a last line without one
//!   with `\ No newline at end of file`.
//!
//! Hunk headers always give both start and length (`@@ -6,1 +6,1 @@`), and
//! an empty side starts at the line before (`@@ -0,0 +1,2 @@`), as both
//! earlier implementations printed them.

use std::time::{Duration, Instant};

use similar::{Algorithm, ChangeTag, DiffOp, TextDiff};

/// How line endings take part in the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endings {
    /// Lines compared without their ending; output lines end in `\n`.
    Normalize,
    /// Lines compared and printed with their own ending, byte for byte.
    Exact,
}

/// What to print around the hunks.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Unchanged lines shown around each change.
    pub context: usize,
    pub endings: Endings,
    /// `--- a/<path>` / `+++ b/<path>` headers when set.
    pub path: Option<&'a str>,
}

/// Longest time spent looking for the shortest diff before settling for a
/// correct longer one.
const DEADLINE: Duration = Duration::from_millis(300);

/// The unified diff of `old` and `new`; empty when they are equal.
pub fn unified(old: &str, new: &str, opts: Options<'_>) -> String {
    if old == new {
        return String::new();
    }
    let (a, b);
    let (old_t, new_t) = match opts.endings {
        Endings::Exact => (old, new),
        Endings::Normalize => {
            a = normalized(old);
            b = normalized(new);
            (a.as_str(), b.as_str())
        }
    };
    let mut out = String::new();
    if let Some(path) = opts.path {
        out.push_str(&format!("--- a/{path}\n+++ b/{path}\n"));
    }
    if old_t == new_t {
        // Only possible when normalizing: the lines are equal.
        out.push_str(only_endings_note(old, new));
        return out;
    }
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .deadline(Instant::now() + DEADLINE)
        .diff_lines(old_t, new_t);
    for group in diff.grouped_ops(opts.context) {
        let (a_start, a_len, b_start, b_len) = ranges(&group);
        out.push_str(&format!("@@ -{a_start},{a_len} +{b_start},{b_len} @@\n"));
        for op in &group {
            for change in diff.iter_changes(op) {
                out.push(match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                });
                let line = change.value();
                out.push_str(line);
                if !line.ends_with('\n') {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// `diff -u` of a file as it will be written: `a/<path>`/`b/<path>`
/// headers, 3 lines of context, each line's ending kept.
pub fn file_diff(path: &str, old: &str, new: &str) -> String {
    unified(
        old,
        new,
        Options {
            context: 3,
            endings: Endings::Exact,
            path: Some(path),
        },
    )
}

/// Every line of `s` ended by `\n` alone (`str::lines` strips `\n` and `\r\n`).
fn normalized(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    for line in s.lines() {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The note for two texts whose lines are equal but whose bytes are not.
fn only_endings_note(old: &str, new: &str) -> &'static str {
    let crlf = |s: &str| s.contains("\r\n");
    if crlf(old) != crlf(new) {
        "(only the line endings differ: CRLF and LF)\n"
    } else {
        "(only the trailing newline differs)\n"
    }
}

/// 1-based start and length of a hunk on each side; an empty side starts at
/// the line before it.
fn ranges(group: &[DiffOp]) -> (usize, usize, usize, usize) {
    let first = group.first().expect("similar yields no empty group");
    let last = group.last().expect("similar yields no empty group");
    let a = first.old_range().start..last.old_range().end;
    let b = first.new_range().start..last.new_range().end;
    let start = |r: &std::ops::Range<usize>| if r.is_empty() { r.start } else { r.start + 1 };
    (start(&a), a.len(), start(&b), b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(context: usize) -> Options<'static> {
        Options {
            context,
            endings: Endings::Normalize,
            path: None,
        }
    }

    fn file(path: &str) -> Options<'_> {
        Options {
            context: 3,
            endings: Endings::Exact,
            path: Some(path),
        }
    }

    #[test]
    fn one_changed_line() {
        let a = "a\nb\nc\nd\ne\nf\ng\n";
        let b = "a\nb\nc\nD\ne\nf\ng\n";
        assert_eq!(unified(a, b, plain(1)), "@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n");
        assert_eq!(unified(a, b, plain(0)), "@@ -4,1 +4,1 @@\n-d\n+D\n");
    }

    #[test]
    fn insert_and_delete() {
        assert_eq!(
            unified("x\ny\n", "x\nnew\ny\n", plain(3)),
            "@@ -1,2 +1,3 @@\n x\n+new\n y\n"
        );
        assert_eq!(unified("x\ny\n", "", plain(3)), "@@ -1,2 +0,0 @@\n-x\n-y\n");
        assert_eq!(unified("", "x\n", plain(3)), "@@ -0,0 +1,1 @@\n+x\n");
        assert_eq!(unified("same\n", "same\n", plain(3)), "");
    }

    #[test]
    fn two_hunks_and_merged_hunks() {
        let a: String = (1..=20).map(|i| format!("l{i}\n")).collect();
        let b = a.replace("l2\n", "two\n").replace("l19\n", "nineteen\n");
        let u = unified(&a, &b, plain(1));
        assert_eq!(u.matches("@@ -").count(), 2, "{u}");
        // With 3 lines of context, changes 6 lines apart share one hunk,
        // as in `diff -u`.
        let c = a.replace("l2\n", "two\n").replace("l8\n", "eight\n");
        assert_eq!(unified(&a, &c, plain(3)).matches("@@ -").count(), 1);
        let d = a.replace("l2\n", "two\n").replace("l10\n", "ten\n");
        assert_eq!(unified(&a, &d, plain(3)).matches("@@ -").count(), 2);
    }

    #[test]
    fn exact_mode_has_headers_and_the_missing_newline_marker() {
        let a = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let b = "a\nb\nc\nD\ne\nf\ng\nh\ni\n";
        assert_eq!(
            unified(a, b, file("x.yaml")),
            "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,8 +1,9 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n h\n+i\n"
        );
        assert_eq!(
            unified("a\nb", "a\nc", file("f")),
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(unified(a, a, file("x")), "");
    }

    #[test]
    fn crlf_files_exact_keeps_each_lines_own_ending() {
        // A CRLF file edited on one line: the output shows the CRLF lines as
        // they are (like `diff -u`), and the unchanged lines match.
        let a = "k: 1\r\nv: old\r\nz: 3\r\n";
        let b = "k: 1\r\nv: new\r\nz: 3\r\n";
        assert_eq!(
            unified(a, b, file("w.yaml")),
            "--- a/w.yaml\n+++ b/w.yaml\n@@ -1,3 +1,3 @@\n k: 1\r\n-v: old\r\n+v: new\r\n z: 3\r\n"
        );
        // A file converted from LF to CRLF: every line differs byte for byte.
        let u = unified("x\ny\n", "x\r\ny\r\n", file("c"));
        assert!(u.contains("-x\n-y\n+x\r\n+y\r\n"), "{u:?}");
    }

    #[test]
    fn crlf_values_normalized_compare_lines_only() {
        // Same lines, other endings: no line shown, one note instead.
        assert_eq!(
            unified("x\ny\n", "x\r\ny\r\n", plain(3)),
            "(only the line endings differ: CRLF and LF)\n"
        );
        assert_eq!(
            unified("x\ny\n", "x\ny", plain(3)),
            "(only the trailing newline differs)\n"
        );
        // A real change in a CRLF value shows the lines without `\r`.
        assert_eq!(
            unified("a\r\nb\r\n", "a\r\nB\r\n", plain(0)),
            "@@ -2,1 +2,1 @@\n-b\n+B\n"
        );
    }

    #[test]
    fn large_inputs_finish_and_are_correct() {
        // Interleaved changes over 20,000 lines: bounded by the deadline,
        // and applying the hunks' '+' lines must give the new text back.
        let a: String = (0..20_000).map(|i| format!("{i}\n")).collect();
        let b: String = (0..20_000)
            .map(|i| {
                if i % 3 == 0 {
                    format!("x{i}\n")
                } else {
                    format!("{i}\n")
                }
            })
            .collect();
        let u = unified(&a, &b, plain(100_000));
        let rebuilt: String = u
            .lines()
            .filter(|l| l.starts_with(' ') || l.starts_with('+'))
            .map(|l| format!("{}\n", &l[1..]))
            .collect();
        assert_eq!(rebuilt, b);
    }
}
