//! Selecting resources by globs: the selector shared by migration catalogs
//! (`select:` of a rule) and policies (`select:` of a policy). A module of
//! its own, below both, so that neither imports the other for it.

/// `*` matches any run of characters, `?` one character.
pub fn glob(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Which documents a rule applies to; every field is a glob (`*`, `?`).
#[derive(Debug, Clone)]
pub struct Selector {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

impl Selector {
    pub fn matches(&self, api_version: &str, kind: &str, name: &str, namespace: &str) -> bool {
        glob(&self.api_version, api_version)
            && glob(&self.kind, kind)
            && glob(&self.name, name)
            && glob(&self.namespace, namespace)
    }
}
