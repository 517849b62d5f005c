//! A small unified line diff for multi-line strings (ConfigMap files,
//! scripts): the longest common subsequence of lines, after trimming the
//! common head and tail; hunks with `context` lines around each change.
//! Inputs whose middle parts are too large for the quadratic table are
//! shown as one replaced block.

/// Lines of the middle parts above which the LCS table is not built.
const MAX_CELLS: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Del,
    Add,
}

/// The edit script from `a` to `b`, as (op, line index in a or b).
fn script<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(Op, &'a str)> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let am = &a[head..a.len() - tail];
    let bm = &b[head..b.len() - tail];
    let mut out: Vec<(Op, &str)> = a[..head].iter().map(|l| (Op::Same, *l)).collect();
    let (n, m) = (am.len(), bm.len());
    if n.saturating_mul(m) > MAX_CELLS {
        out.extend(am.iter().map(|l| (Op::Del, *l)));
        out.extend(bm.iter().map(|l| (Op::Add, *l)));
    } else {
        // lcs[i][j]: LCS length of am[i..] and bm[j..].
        let w = m + 1;
        let mut lcs = vec![0u32; (n + 1) * w];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * w + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                out.push((Op::Same, am[i]));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                out.push((Op::Del, am[i]));
                i += 1;
            } else {
                out.push((Op::Add, bm[j]));
                j += 1;
            }
        }
    }
    out.extend(a[a.len() - tail..].iter().map(|l| (Op::Same, *l)));
    out
}

/// A unified diff of two texts (`@@ -l,n +l,n @@` hunks, lines prefixed by
/// ` `, `-`, `+`), without file headers. Empty when they are equal.
pub fn unified(old: &str, new: &str, context: usize) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let s = script(&a, &b);
    // Positions (in the script) of changes.
    let changed: Vec<usize> = s
        .iter()
        .enumerate()
        .filter(|(_, (op, _))| *op != Op::Same)
        .map(|(i, _)| i)
        .collect();
    let mut out = String::new();
    if changed.is_empty() {
        if old != new {
            out.push_str("(only the trailing newline differs)\n");
        }
        return out;
    }
    // Group changes into hunks.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &c in &changed {
        let start = c.saturating_sub(context);
        let end = (c + context + 1).min(s.len());
        match hunks.last_mut() {
            Some((_, e)) if start <= *e => *e = end,
            _ => hunks.push((start, end)),
        }
    }
    // Line numbers at each script position.
    let mut pos_a = Vec::with_capacity(s.len() + 1);
    let mut pos_b = Vec::with_capacity(s.len() + 1);
    let (mut la, mut lb) = (0usize, 0usize);
    for (op, _) in &s {
        pos_a.push(la);
        pos_b.push(lb);
        match op {
            Op::Same => {
                la += 1;
                lb += 1;
            }
            Op::Del => la += 1,
            Op::Add => lb += 1,
        }
    }
    for (start, end) in hunks {
        let part = &s[start..end];
        let na = part.iter().filter(|(o, _)| *o != Op::Add).count();
        let nb = part.iter().filter(|(o, _)| *o != Op::Del).count();
        let sa = if na == 0 {
            pos_a[start]
        } else {
            pos_a[start] + 1
        };
        let sb = if nb == 0 {
            pos_b[start]
        } else {
            pos_b[start] + 1
        };
        out.push_str(&format!("@@ -{sa},{na} +{sb},{nb} @@\n"));
        for (op, l) in part {
            out.push(match op {
                Op::Same => ' ',
                Op::Del => '-',
                Op::Add => '+',
            });
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_changed_line() {
        let a = "a\nb\nc\nd\ne\nf\ng\n";
        let b = "a\nb\nc\nD\ne\nf\ng\n";
        assert_eq!(unified(a, b, 1), "@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n");
    }

    #[test]
    fn insert_and_delete() {
        assert_eq!(
            unified("x\ny\n", "x\nnew\ny\n", 3),
            "@@ -1,2 +1,3 @@\n x\n+new\n y\n"
        );
        assert_eq!(unified("x\ny\n", "", 3), "@@ -1,2 +0,0 @@\n-x\n-y\n");
        assert_eq!(unified("same\n", "same\n", 3), "");
    }

    #[test]
    fn two_hunks() {
        let a: String = (1..=20).map(|i| format!("l{i}\n")).collect();
        let b = a.replace("l2\n", "two\n").replace("l19\n", "nineteen\n");
        let u = unified(&a, &b, 1);
        assert_eq!(u.matches("@@ -").count(), 2, "{u}");
    }
}
