//! Checks on one file's text: git conflict markers, and YAML that parses.

use super::policy::Severity;
use super::Finding;
use crate::yaml;

/// Whether the path names a YAML file (or a `Kustomization` file).
pub fn is_yaml(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization"
}

fn marker(line: &str, m: &str) -> bool {
    line.strip_prefix(m)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\r'))
}

/// Conflict markers: `<<<<<<< `, `>>>>>>> ` and `||||||| ` lines, and
/// `=======` alone on a line inside a conflict (or anywhere in a YAML
/// file, where it is never meaningful; elsewhere a lone `=======` may be a
/// Markdown heading underline).
pub fn conflict_markers(path: &str, text: &str) -> Vec<Finding> {
    let yaml = is_yaml(path);
    let mut out = Vec::new();
    let mut open = false;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim_end_matches('\r');
        let what = if marker(l, "<<<<<<<") {
            open = true;
            Some("start of a conflict (<<<<<<<)")
        } else if marker(l, ">>>>>>>") {
            open = false;
            Some("end of a conflict (>>>>>>>)")
        } else if marker(l, "|||||||") {
            Some("common ancestor of a conflict (|||||||)")
        } else if l == "=======" && (open || yaml) {
            Some("middle of a conflict (=======)")
        } else {
            None
        };
        if let Some(w) = what {
            out.push(Finding {
                path: path.to_string(),
                line: i + 1,
                col: 1,
                rule: "git/conflict-marker".into(),
                message: format!("{w}: resolve the conflict and remove the marker"),
                severity: Severity::Error,
            });
        }
    }
    out
}

/// A YAML syntax error, if the text does not parse.
pub fn yaml_syntax(path: &str, text: &str) -> Option<Finding> {
    let e = yaml::parse_documents(text).err()?;
    Some(Finding {
        path: path.to_string(),
        line: e.line.max(1),
        col: e.col.max(1),
        rule: "yaml/syntax".into(),
        message: e.msg,
        severity: Severity::Error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_at_their_lines() {
        let t = "a: 1\n<<<<<<< HEAD\nb: 2\n=======\nb: 3\n>>>>>>> theirs\n";
        let f = conflict_markers("x.yaml", t);
        let lines: Vec<usize> = f.iter().map(|f| f.line).collect();
        assert_eq!(lines, vec![2, 4, 6]);
        assert!(f[0].message.starts_with("start of a conflict"));
        // a Markdown underline is not a marker, a YAML one is
        assert!(conflict_markers("README.md", "Title\n=======\n").is_empty());
        assert_eq!(conflict_markers("a.yml", "=======\n").len(), 1);
        // markers need the exact count and a space or the line end
        assert!(conflict_markers("a.yaml", "<<<<<<<< x\n<<<<<<x\n").is_empty());
        assert_eq!(conflict_markers("a.yaml", "<<<<<<<\r\n").len(), 1);
    }

    #[test]
    fn syntax_errors() {
        let f = yaml_syntax("a.yaml", "a: [b\n").unwrap();
        assert_eq!(f.rule, "yaml/syntax");
        assert!(f.line >= 1);
        assert!(yaml_syntax("a.yaml", "a: 1\n---\nb: 2\n").is_none());
        assert!(is_yaml("x/Kustomization") && is_yaml("a.yml") && !is_yaml("a.json"));
    }
}
