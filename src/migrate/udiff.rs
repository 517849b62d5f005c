//! A small unified diff (`diff -u` format, 3 lines of context) for
//! `migrate-patches --dry-run`. Migrations change few lines of small files,
//! so a longest-common-subsequence table over the lines between the common
//! prefix and suffix is enough.

/// Unified diff of `a` and `b` with `a/<path>` and `b/<path>` headers; empty
/// when they are equal.
pub fn unified(path: &str, a: &str, b: &str) -> String {
    if a == b {
        return String::new();
    }
    let la: Vec<&str> = a.split_inclusive('\n').collect();
    let lb: Vec<&str> = b.split_inclusive('\n').collect();
    let pre = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    let suf = la[pre..]
        .iter()
        .rev()
        .zip(lb[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let ma = &la[pre..la.len() - suf];
    let mb = &lb[pre..lb.len() - suf];
    // ops over the whole files: (tag, line) with ' ', '-', '+'
    let mut ops: Vec<(char, &str)> = la[..pre].iter().map(|l| (' ', *l)).collect();
    if ma.len() * mb.len() > 25_000_000 {
        ops.extend(ma.iter().map(|l| ('-', *l)));
        ops.extend(mb.iter().map(|l| ('+', *l)));
    } else {
        let (n, m) = (ma.len(), mb.len());
        let mut t = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                t[i * (m + 1) + j] = if ma[i] == mb[j] {
                    t[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    t[(i + 1) * (m + 1) + j].max(t[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && ma[i] == mb[j] {
                ops.push((' ', ma[i]));
                i += 1;
                j += 1;
            } else if i < n && (j == m || t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1]) {
                ops.push(('-', ma[i]));
                i += 1;
            } else {
                ops.push(('+', mb[j]));
                j += 1;
            }
        }
    }
    ops.extend(la[la.len() - suf..].iter().map(|l| (' ', *l)));
    // hunks
    const CTX: usize = 3;
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CTX);
        let mut end = (changed[k] + CTX + 1).min(ops.len());
        while k + 1 < changed.len() && changed[k + 1] <= end + CTX {
            k += 1;
            end = (changed[k] + CTX + 1).min(ops.len());
        }
        k += 1;
        let a_before = ops[..start].iter().filter(|o| o.0 != '+').count();
        let b_before = ops[..start].iter().filter(|o| o.0 != '-').count();
        let a_len = ops[start..end].iter().filter(|o| o.0 != '+').count();
        let b_len = ops[start..end].iter().filter(|o| o.0 != '-').count();
        let a_start = if a_len == 0 { a_before } else { a_before + 1 };
        let b_start = if b_len == 0 { b_before } else { b_before + 1 };
        out.push_str(&format!("@@ -{a_start},{a_len} +{b_start},{b_len} @@\n"));
        for (tag, line) in &ops[start..end] {
            out.push(*tag);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn small_diff() {
        let a = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let b = "a\nb\nc\nD\ne\nf\ng\nh\ni\n";
        assert_eq!(
            unified("x.yaml", a, b),
            "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,8 +1,9 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n h\n+i\n"
        );
        assert_eq!(unified("x", a, a), "");
    }
}
