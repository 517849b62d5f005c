//! Migration catalogs: the vendor's upgrade notes as data.
//!
//! A catalog is a YAML file (see the README, "Migration catalogs"). The
//! built-in ones live in `migrations/` at the crate root and are embedded
//! in the binary.

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;

pub use crate::select::{glob, Selector};

use crate::yaml::{self, Value};

/// The catalogs embedded in the binary: (name, YAML text).
pub const BUILTIN: &[(&str, &str)] = &[
    ("rok-v0.11", include_str!("../../migrations/rok-v0.11.yaml")),
    ("rok-v0.12", include_str!("../../migrations/rok-v0.12.yaml")),
    ("rok-v0.15", include_str!("../../migrations/rok-v0.15.yaml")),
];

/// A parsed catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub name: String,
    pub from: String,
    pub to: String,
    pub description: String,
    /// Variables with their defaults (`None`: must come from `--set`).
    pub vars: BTreeMap<String, Option<String>>,
    pub rules: Vec<Rule>,
    pub hints: Hints,
    /// Policies `check` enforces while the catalog is in the plan (the
    /// `policies:` list, format of [`crate::check::policy`]); their set is
    /// the catalog's name.
    pub policies: Vec<crate::check::policy::Policy>,
    /// The catalog's own YAML text (for `migrations show`).
    pub text: String,
}

/// Apply-time hints, read by `apply`.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// Resources whose immutable fields change: delete and create them.
    pub recreate: Vec<ResourceRef>,
    /// Kustomizations of external services to apply before the release.
    pub apply_first: Vec<ApplyFirst>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub api_version: Option<String>,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyFirst {
    pub name: String,
    pub path: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub select: Selector,
    /// Field path, split on `.`.
    pub field: Vec<String>,
    pub action: Action,
    /// A warning printed wherever the rule changes something (what the
    /// vendor's guide asks to do by hand around the edit, e.g. back up
    /// volumes first).
    pub warning: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Action {
    SemicolonListToMap,
    Require {
        default: Option<String>,
        set_key: String,
    },
    Set {
        value: String,
    },
    SetMapEntry {
        key: String,
        value: String,
    },
    RewriteArgs {
        containers: String,
        env: Vec<String>,
        /// Whether `args` and `command` are rewritten (`args: false`: only
        /// the `env` variables).
        args: bool,
        op: ArgOp,
    },
    RenameResource {
        from: Regex,
        to: String,
        except: Option<Regex>,
    },
}

#[derive(Debug, Clone)]
pub enum ArgOp {
    RenameFlag { from: String, to: String },
    ReplaceFlag { flag: String, with: Vec<String> },
    Regex { pattern: Regex, replacement: String },
    Warn { pattern: Regex, message: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::SemicolonListToMap => "semicolon-list-to-map",
            Action::Require { .. } => "require",
            Action::Set { .. } => "set",
            Action::SetMapEntry { .. } => "set-map-entry",
            Action::RewriteArgs { .. } => "rewrite-args",
            Action::RenameResource { .. } => "rename-resource",
        }
    }
}

/// A catalog error: where in the catalog and what.
#[derive(Debug, Clone)]
pub struct CatalogError {
    pub line: usize,
    pub col: usize,
    pub msg: String,
}

fn err(msg: impl Into<String>) -> CatalogError {
    CatalogError {
        line: 0,
        col: 0,
        msg: msg.into(),
    }
}

fn s_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(|x| x.scalar_string())
}

fn req(v: &Value, key: &str, ctx: &str) -> Result<String, CatalogError> {
    s_of(v, key).ok_or_else(|| err(format!("{ctx}: missing string field '{key}'")))
}

fn regex(s: &str, ctx: &str) -> Result<Regex, CatalogError> {
    Regex::new(s).map_err(|e| err(format!("{ctx}: bad regular expression '{s}': {e}")))
}

fn resource_ref(v: &Value, ctx: &str) -> Result<ResourceRef, CatalogError> {
    Ok(ResourceRef {
        api_version: s_of(v, "apiVersion"),
        kind: req(v, "kind", ctx)?,
        namespace: s_of(v, "namespace"),
        name: req(v, "name", ctx)?,
    })
}

impl Catalog {
    /// Parse a catalog from its YAML text.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let v = yaml::parse_one(text).map_err(|e| CatalogError {
            line: e.line,
            col: e.col,
            msg: e.msg,
        })?;
        if v.as_map().is_none() {
            return Err(err("a catalog must be a mapping"));
        }
        let name = req(&v, "name", "catalog")?;
        let mut vars = BTreeMap::new();
        if let Some(m) = v.get("vars").and_then(|x| x.as_map()) {
            for (k, d) in m {
                vars.insert(k.clone(), d.scalar_string().filter(|_| !d.is_null()));
            }
        }
        let mut rules = Vec::new();
        for (i, r) in v
            .get("rules")
            .and_then(|x| x.as_seq())
            .map(|s| s.as_slice())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let id = s_of(r, "id").unwrap_or_else(|| format!("rule {}", i + 1));
            let ctx = format!("{name}: {id}");
            let sel = r.get("select").cloned().unwrap_or_default();
            let g = |k: &str| s_of(&sel, k).unwrap_or_else(|| "*".to_string());
            let select = Selector {
                api_version: g("apiVersion"),
                kind: g("kind"),
                name: g("name"),
                namespace: g("namespace"),
            };
            let field: Vec<String> = s_of(r, "field")
                .unwrap_or_default()
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            let action_name = req(r, "action", &ctx)?;
            let need_field = || {
                if field.is_empty() {
                    Err(err(format!("{ctx}: action {action_name} needs 'field'")))
                } else {
                    Ok(())
                }
            };
            let action = match action_name.as_str() {
                "semicolon-list-to-map" => {
                    need_field()?;
                    Action::SemicolonListToMap
                }
                "require" => {
                    need_field()?;
                    Action::Require {
                        default: s_of(r, "default"),
                        set_key: s_of(r, "set-key").unwrap_or_else(|| field.join(".")),
                    }
                }
                "set" => {
                    need_field()?;
                    Action::Set {
                        value: req(r, "value", &ctx)?,
                    }
                }
                "set-map-entry" => {
                    need_field()?;
                    Action::SetMapEntry {
                        key: req(r, "key", &ctx)?,
                        value: req(r, "value", &ctx)?,
                    }
                }
                "rewrite-args" => {
                    let env = r
                        .get("env")
                        .and_then(|x| x.as_seq())
                        .map(|s| s.iter().filter_map(|e| e.scalar_string()).collect())
                        .unwrap_or_default();
                    let op = if let Some(rf) = r.get("rename-flag") {
                        ArgOp::RenameFlag {
                            from: req(rf, "from", &ctx)?,
                            to: req(rf, "to", &ctx)?,
                        }
                    } else if let Some(rf) = r.get("replace-flag") {
                        let with: Vec<String> = rf
                            .get("with")
                            .and_then(|x| x.as_seq())
                            .map(|s| s.iter().filter_map(|e| e.scalar_string()).collect())
                            .unwrap_or_default();
                        if with.is_empty() {
                            return Err(err(format!(
                                "{ctx}: replace-flag needs a non-empty 'with' list"
                            )));
                        }
                        ArgOp::ReplaceFlag {
                            flag: req(rf, "flag", &ctx)?,
                            with,
                        }
                    } else if let Some(rf) = r.get("regex") {
                        ArgOp::Regex {
                            pattern: regex(&req(rf, "pattern", &ctx)?, &ctx)?,
                            replacement: req(rf, "replacement", &ctx)?,
                        }
                    } else if let Some(rf) = r.get("warn") {
                        ArgOp::Warn {
                            pattern: regex(&req(rf, "pattern", &ctx)?, &ctx)?,
                            message: req(rf, "message", &ctx)?,
                        }
                    } else {
                        return Err(err(format!(
                            "{ctx}: rewrite-args needs one of rename-flag, replace-flag, regex, warn"
                        )));
                    };
                    Action::RewriteArgs {
                        containers: s_of(r, "containers").unwrap_or_else(|| "*".into()),
                        env,
                        args: !matches!(r.get("args"), Some(Value::Bool(false))),
                        op,
                    }
                }
                "rename-resource" => Action::RenameResource {
                    from: regex(&req(r, "from", &ctx)?, &ctx)?,
                    to: req(r, "to", &ctx)?,
                    except: match s_of(r, "except") {
                        Some(e) => Some(regex(&e, &ctx)?),
                        None => None,
                    },
                },
                other => return Err(err(format!("{ctx}: unknown action '{other}'"))),
            };
            rules.push(Rule {
                id,
                description: s_of(r, "description").unwrap_or_default(),
                select,
                field,
                action,
                warning: s_of(r, "warning").map(|w| w.trim().to_string()),
            });
        }
        let mut hints = Hints::default();
        if let Some(h) = v.get("hints") {
            for x in h
                .get("recreate")
                .and_then(|x| x.as_seq())
                .map(|s| s.as_slice())
                .unwrap_or_default()
            {
                hints
                    .recreate
                    .push(resource_ref(x, &format!("{name}: recreate"))?);
            }
            for x in h
                .get("apply-first")
                .and_then(|x| x.as_seq())
                .map(|s| s.as_slice())
                .unwrap_or_default()
            {
                let ctx = format!("{name}: apply-first");
                hints.apply_first.push(ApplyFirst {
                    name: req(x, "name", &ctx)?,
                    path: s_of(x, "path").unwrap_or_default(),
                    description: s_of(x, "description").unwrap_or_default(),
                });
            }
        }
        let policies = match v.get("policies") {
            None => Vec::new(),
            Some(_) => {
                // positions come from the lossless tree
                let src = crate::migrate::edit::Source::parse(text).map_err(|e| CatalogError {
                    line: e.line,
                    col: e.col,
                    msg: e.msg,
                })?;
                let node = src
                    .docs
                    .first()
                    .and_then(|d| d.as_ref())
                    .and_then(|d| d.get("policies"));
                match node {
                    Some(n) => {
                        crate::check::policy::parse_list(n, &name).map_err(|e| CatalogError {
                            line: e.line,
                            col: e.col,
                            msg: format!("{name}: {}", e.msg),
                        })?
                    }
                    None => Vec::new(),
                }
            }
        };
        Ok(Catalog {
            name,
            from: s_of(&v, "from").unwrap_or_default(),
            to: s_of(&v, "to").unwrap_or_default(),
            description: s_of(&v, "description").unwrap_or_default(),
            vars,
            rules,
            hints,
            policies,
            text: text.to_string(),
        })
    }

    /// A built-in catalog by name.
    pub fn builtin(name: &str) -> Option<Result<Catalog, CatalogError>> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| Catalog::parse(t))
    }

    /// The built-in catalogs, parsed.
    pub fn builtins() -> Vec<Result<Catalog, CatalogError>> {
        BUILTIN.iter().map(|(_, t)| Catalog::parse(t)).collect()
    }
}

/// Replace `${name}` in `s` by the value of `name` (from `--set`, else the
/// catalog's default). Unknown or unset names are an error naming them.
pub fn substitute(
    s: &str,
    sets: &BTreeMap<String, String>,
    vars: &BTreeMap<String, Option<String>>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else {
            return Err(format!("unterminated '${{' in '{s}'"));
        };
        let name = &after[..j];
        match sets
            .get(name)
            .cloned()
            .or_else(|| vars.get(name).cloned().flatten())
        {
            Some(v) => out.push_str(&v),
            None => return Err(format!("no value for '{name}': pass --set {name}=<value>")),
        }
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Catalog names from the `migrations:` list of the plan file at `root`
/// (none without the file). Only that list is read, so a plan with other
/// mistakes still names its catalogs.
pub fn plan_catalog_names(root: &Path) -> Result<Vec<String>, String> {
    let p = root.join("gitops-upgrade.yaml");
    let Ok(text) = std::fs::read_to_string(&p) else {
        return Ok(Vec::new());
    };
    let v = yaml::parse_one(&text)
        .map_err(|e| format!("gitops-upgrade.yaml:{}:{}: {}", e.line, e.col, e.msg))?;
    Ok(v.get("migrations")
        .and_then(|m| m.as_seq())
        .map(|s| s.iter().filter_map(|x| x.scalar_string()).collect())
        .unwrap_or_default())
}

/// The top of the work tree around `here` (`here` itself outside a
/// repository or in a bare one): where the plan file is.
pub fn work_tree_root(here: &Path) -> std::path::PathBuf {
    match git2::Repository::discover(here) {
        Ok(r) => r.workdir().map(Path::to_path_buf),
        Err(_) => None,
    }
    .unwrap_or_else(|| here.to_path_buf())
}

/// The catalogs the plan of the repository containing `here` names under
/// `migrations:`, loaded (none outside a repository or without a plan).
pub fn active_catalogs(here: &Path) -> Result<Vec<Catalog>, String> {
    let root = work_tree_root(here);
    plan_catalog_names(&root)?
        .iter()
        .map(|name| load(name, &root))
        .collect()
}

/// A catalog by name (built-in) or by file path relative to `base`, as
/// `--catalog` and the plan's `migrations:` name them. The error is one
/// line, positioned (`file:line:col: ...`) where the file has the mistake.
pub fn load(spec: &str, base: &Path) -> Result<Catalog, String> {
    if let Some(c) = Catalog::builtin(spec) {
        return c.map_err(|e| format!("built-in catalog {spec}: {}", e.msg));
    }
    let p = base.join(spec);
    if p.is_file() {
        let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {spec}: {e}"))?;
        return Catalog::parse(&text).map_err(|e| {
            let at = if e.line > 0 {
                format!("{spec}:{}:{}", e.line, e.col)
            } else {
                spec.to_string()
            };
            format!("{at}: {}", e.msg)
        });
    }
    let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
    Err(format!(
        "unknown catalog '{spec}': neither a built-in catalog ({}) nor a file",
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", ""));
        assert!(glob("crd.arrikto.com/*", "crd.arrikto.com/v1"));
        assert!(glob("rok-?", "rok-a"));
        assert!(!glob("rok", "rok-a"));
        assert!(glob("*-metadata", "rok-metadata"));
    }

    #[test]
    fn builtins_parse() {
        for c in Catalog::builtins() {
            let c = c.map_err(|e| e.msg).unwrap();
            assert!(!c.rules.is_empty(), "{}", c.name);
        }
    }

    #[test]
    fn policies_are_parsed_with_positions() {
        let text =
            "name: c\nrules: []\npolicies:\n  - id: v\n    no-downgrade: {field: spec.version}\n";
        let c = Catalog::parse(text).map_err(|e| e.msg).unwrap();
        assert_eq!(c.policies.len(), 1);
        assert_eq!(c.policies[0].rule_id(), "c/v");
        let bad = "name: c\npolicies:\n  - id: v\n    no-downgrade: {feld: x}\n";
        let e = Catalog::parse(bad).unwrap_err();
        assert_eq!((e.line, e.col), (4, 20));
        assert!(e.msg.starts_with("c: "), "{}", e.msg);
        for c in Catalog::builtins() {
            assert!(c
                .map_err(|e| e.msg)
                .unwrap()
                .policies
                .iter()
                .all(|p| !p.id.is_empty()));
        }
    }

    #[test]
    fn substitution() {
        let mut sets = BTreeMap::new();
        let mut vars = BTreeMap::new();
        vars.insert("version".to_string(), Some("1".to_string()));
        vars.insert("vg".to_string(), None);
        assert_eq!(substitute("a:${version}", &sets, &vars).unwrap(), "a:1");
        assert!(substitute("${vg}", &sets, &vars).is_err());
        sets.insert("vg".to_string(), "x".to_string());
        assert_eq!(substitute("${vg}/${version}", &sets, &vars).unwrap(), "x/1");
    }
}
