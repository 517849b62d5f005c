//! Catalogs described for a person or a program: the list of built-in
//! catalogs and one catalog's variables, rules and hints (`migrations list`
//! and `migrations show`), as text and as JSON.

use serde_json::{json, Value};

use super::catalog::{Action, ArgOp, Catalog, CatalogError};
use super::report::hints_json;

/// The built-in catalogs, parsed; a message for the first one that does
/// not parse.
pub fn builtins() -> Result<Vec<Catalog>, String> {
    Catalog::builtins()
        .into_iter()
        .map(|c| c.map_err(|e: CatalogError| format!("built-in catalog: {}", e.msg)))
        .collect()
}

/// One line per catalog: name, versions, number of rules, description.
pub fn list_text(cats: &[Catalog]) -> String {
    cats.iter()
        .map(|c| {
            format!(
                "{:<10} {:>5} -> {:<5} {:>2} rules  {}\n",
                c.name,
                c.from,
                c.to,
                c.rules.len(),
                c.description
            )
        })
        .collect()
}

pub fn list_json(cats: &[Catalog]) -> Value {
    cats.iter()
        .map(|c| json!({"name": c.name, "from": c.from, "to": c.to, "rules": c.rules.len(), "description": c.description}))
        .collect()
}

/// What an action does, in one line.
pub fn describe_action(a: &Action) -> String {
    match a {
        Action::SemicolonListToMap => "semicolon-list-to-map".into(),
        Action::Require { default, set_key } => format!(
            "require (default {}, --set {set_key}=...)",
            default.as_deref().unwrap_or("none")
        ),
        Action::Set { value } => format!("set to {value}"),
        Action::SetMapEntry { key, value } => format!("set-map-entry {key}={value}"),
        Action::RewriteArgs {
            containers,
            env,
            args,
            op,
        } => {
            let op = match op {
                ArgOp::RenameFlag { from, to } => format!("rename flag {from} -> {to}"),
                ArgOp::ReplaceFlag { flag, with } => {
                    format!("replace flag {flag} by {}", with.join(" "))
                }
                ArgOp::Regex {
                    pattern,
                    replacement,
                } => format!("rewrite /{pattern}/ -> {replacement}"),
                ArgOp::Warn { pattern, message } => format!("warn on /{pattern}/: {message}"),
            };
            let env = match (env.is_empty(), args) {
                (true, _) => String::new(),
                (false, true) => format!(" (and env {})", env.join(", ")),
                (false, false) => format!(" (env {} only)", env.join(", ")),
            };
            format!("rewrite-args in containers {containers}: {op}{env}")
        }
        Action::RenameResource { from, to, .. } => format!("rename-resource /{from}/ -> {to}"),
    }
}

/// A catalog as JSON: its fields, rules (with a one-line summary) and hints.
pub fn show_json(c: &Catalog) -> Value {
    let rules: Vec<_> = c
        .rules
        .iter()
        .map(|r| json!({
            "id": r.id,
            "description": r.description,
            "action": r.action.name(),
            "summary": describe_action(&r.action),
            "select": {"apiVersion": r.select.api_version, "kind": r.select.kind, "name": r.select.name, "namespace": r.select.namespace},
            "field": r.field.join("."),
            "warning": r.warning,
        }))
        .collect();
    json!({
        "name": c.name, "from": c.from, "to": c.to, "description": c.description,
        "vars": c.vars, "rules": rules, "hints": hints_json(&c.hints),
    })
}

/// A catalog for a person: versions, description, variables, rules, hints.
pub fn show_text(c: &Catalog) -> String {
    let mut t = format!("{} ({} -> {})\n{}\n", c.name, c.from, c.to, c.description);
    if !c.vars.is_empty() {
        t.push_str("\nVariables (--set NAME=VALUE):\n");
        for (k, v) in &c.vars {
            t.push_str(&format!(
                "  {k}: {}\n",
                v.as_deref().unwrap_or("(required)")
            ));
        }
    }
    t.push_str("\nRules:\n");
    for r in &c.rules {
        let sel = &r.select;
        t.push_str(&format!(
            "  {}: {}\n    select apiVersion={} kind={} name={} namespace={}{}\n    {}\n",
            r.id,
            r.description,
            sel.api_version,
            sel.kind,
            sel.name,
            sel.namespace,
            if r.field.is_empty() {
                String::new()
            } else {
                format!(" field={}", r.field.join("."))
            },
            describe_action(&r.action)
        ));
        if let Some(w) = &r.warning {
            t.push_str(&format!("    warns: {w}\n"));
        }
    }
    if !c.hints.recreate.is_empty() || !c.hints.apply_first.is_empty() {
        t.push_str("\nApply-time hints:\n");
        for r in &c.hints.recreate {
            let ns = r
                .namespace
                .as_deref()
                .map(|n| format!("{n}/"))
                .unwrap_or_default();
            t.push_str(&format!("  recreate {} {ns}{}\n", r.kind, r.name));
        }
        for x in &c.hints.apply_first {
            t.push_str(&format!("  apply first {} ({})\n", x.name, x.path));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_is_listed_and_described() {
        let cats = builtins().unwrap();
        let list = list_text(&cats);
        assert_eq!(list.lines().count(), cats.len());
        for c in &cats {
            assert!(list.contains(&c.name));
            let t = show_text(c);
            assert!(t.starts_with(&format!("{} ({} -> {})\n", c.name, c.from, c.to)));
            assert_eq!(t.matches("\n    select ").count(), c.rules.len());
            let j = show_json(c);
            assert_eq!(j["rules"].as_array().unwrap().len(), c.rules.len());
            assert_eq!(j["name"], json!(c.name));
        }
        assert_eq!(list_json(&cats).as_array().unwrap().len(), cats.len());
    }
}
