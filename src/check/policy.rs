//! Policies: guardrails on resources, checked before a commit exists.
//!
//! A policy selects resources (apiVersion, kind, name, namespace globs),
//! may be gated on the resource's own values (`when`), and states one rule:
//!
//! - `require-when-changed`: when one of `changed` differs from `HEAD`,
//!   every `require` field must be set;
//! - `allowed-values`: the field (or the part a `pattern` captures) matches
//!   one of the `values` globs;
//! - `no-downgrade`: the field's version (see [`super::version`]) is not
//!   lower than at `HEAD`;
//! - `not-together`: at most one of `fields` changes in one commit;
//! - `change-alone`: when `field` changes, nothing else under `scope` does;
//! - `shape`: the field has a type (`map`, `list`, `string`, `number`,
//!   `integer`, `bool`) and, with `required: true`, is set (not null, not
//!   an empty string).
//!
//! The same YAML list is read from the built-in sets (`policies/*.yaml`),
//! from catalogs' `policies:` and from `policies.rules` of the plan file.

use regex::Regex;

use crate::migrate::edit::{Kind, Node, Source};
use crate::select::{glob, Selector};
use crate::yaml::Value;

use super::version::Version;

/// A built-in policy set: its name, its YAML text, and the kinds its
/// policies select (a set is only parsed when a resource of one of them is
/// checked; a unit test keeps the list true).
pub struct BuiltinSet {
    pub name: &'static str,
    pub text: &'static str,
    pub kinds: &'static [&'static str],
}

/// The built-in policy sets.
pub const BUILTIN_SETS: &[BuiltinSet] = &[
    BuiltinSet {
        name: "rok",
        text: include_str!("../../policies/rok.yaml"),
        kinds: &["RokCluster"],
    },
    BuiltinSet {
        name: "aerospike",
        text: include_str!("../../policies/aerospike.yaml"),
        kinds: &["AerospikeCluster"],
    },
];

/// How a finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Fails the check (exit 1).
    Error,
    /// Printed, does not fail the check.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A dotted field path (`spec.redis.endpoint`; a leading `.` is allowed,
/// `\.` escapes a dot inside a key, a number indexes a list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub text: String,
    pub segs: Vec<String>,
}

impl Field {
    pub fn parse(s: &str) -> Result<Field, String> {
        let t = s.trim();
        let body = t.strip_prefix('.').unwrap_or(t);
        let mut segs = Vec::new();
        let mut cur = String::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'.') => {
                    cur.push('.');
                    chars.next();
                }
                '.' => segs.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        segs.push(cur);
        if body.is_empty() || segs.iter().any(String::is_empty) {
            return Err(format!(
                "'{s}' is not a field path (write it like spec.version)"
            ));
        }
        Ok(Field {
            text: body.to_string(),
            segs,
        })
    }

    /// The value at this path.
    pub fn get<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        value_at(v, &self.segs)
    }
}

/// Follows mapping keys and list indexes.
pub fn value_at<'v>(v: &'v Value, segs: &[String]) -> Option<&'v Value> {
    let mut cur = v;
    for s in segs {
        cur = match cur {
            Value::Map(m) => m.get(s.as_str())?,
            Value::Seq(items) => items.get(s.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The expected type of a `shape` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Map,
    List,
    String,
    Number,
    Integer,
    Bool,
}

impl Type {
    fn parse(s: &str) -> Option<Type> {
        Some(match s {
            "map" | "mapping" | "object" => Type::Map,
            "list" | "sequence" | "array" => Type::List,
            "string" => Type::String,
            "number" => Type::Number,
            "integer" | "int" => Type::Integer,
            "bool" | "boolean" => Type::Bool,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Type::Map => "a mapping",
            Type::List => "a list",
            Type::String => "a string",
            Type::Number => "a number",
            Type::Integer => "an integer",
            Type::Bool => "a boolean",
        }
    }
    pub fn accepts(self, v: &Value) -> bool {
        matches!(
            (self, v),
            (Type::Map, Value::Map(_))
                | (Type::List, Value::Seq(_))
                | (Type::String, Value::Str(_))
                | (
                    Type::Number,
                    Value::Int(_) | Value::Uint(_) | Value::Float(_)
                )
                | (Type::Integer, Value::Int(_) | Value::Uint(_))
                | (Type::Bool, Value::Bool(_))
        )
    }
}

/// A condition on the staged resource that gates a policy.
#[derive(Debug, Clone)]
pub struct Gate {
    pub field: Field,
    pub pattern: Option<Regex>,
    pub test: GateTest,
}

#[derive(Debug, Clone)]
pub enum GateTest {
    /// The field's version is at least this.
    AtLeast(String, Version),
    /// The field's version is below this.
    Below(String, Version),
    /// The field matches one of these globs.
    In(Vec<String>),
    /// The field is set.
    Exists,
}

/// What a policy requires.
#[derive(Debug, Clone)]
pub enum Rule {
    RequireWhenChanged {
        changed: Vec<Field>,
        require: Vec<Field>,
    },
    AllowedValues {
        field: Field,
        values: Vec<String>,
        pattern: Option<Regex>,
    },
    NoDowngrade {
        field: Field,
        pattern: Option<Regex>,
    },
    NotTogether {
        fields: Vec<Field>,
    },
    ChangeAlone {
        field: Field,
        scope: Field,
    },
    Shape {
        field: Field,
        ty: Option<Type>,
        required: bool,
    },
    /// A string (or, with `items`, the `items` key of every item of the
    /// list) no longer than `max` characters.
    MaxLength {
        field: Field,
        items: Option<String>,
        max: usize,
    },
    /// The list has exactly this many items.
    Count {
        field: Field,
        equals: usize,
    },
    /// The `item` key of every item of the list (`default` when unset) is
    /// at most the number at the field `max`.
    AtMost {
        field: Field,
        item: String,
        default: Option<i64>,
        max: Field,
    },
    /// Items of a list, matched by their `key` between the committed and
    /// the staged resource.
    ListItems {
        field: Field,
        key: String,
        check: ItemCheck,
    },
}

/// What `list-items` checks.
#[derive(Debug, Clone)]
pub enum ItemCheck {
    /// No two items have the same key.
    Unique,
    /// No item of the committed resource is gone.
    NoRemoval,
    /// The sub-field of an item that stays does not change (with
    /// `when_both_set`, only when it is set on both sides).
    Unchanged { sub: Field, when_both_set: bool },
}

impl Rule {
    pub fn name(&self) -> &'static str {
        match self {
            Rule::RequireWhenChanged { .. } => "require-when-changed",
            Rule::AllowedValues { .. } => "allowed-values",
            Rule::NoDowngrade { .. } => "no-downgrade",
            Rule::NotTogether { .. } => "not-together",
            Rule::ChangeAlone { .. } => "change-alone",
            Rule::Shape { .. } => "shape",
            Rule::MaxLength { .. } => "max-length",
            Rule::Count { .. } => "count",
            Rule::AtMost { .. } => "at-most",
            Rule::ListItems { .. } => "list-items",
        }
    }
}

/// One policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The set it belongs to: a built-in set, a catalog name, or `plan`.
    pub set: String,
    pub id: String,
    pub description: String,
    /// Shown with each finding (defaults to the description).
    pub message: String,
    pub severity: Severity,
    pub select: Selector,
    pub when: Vec<Gate>,
    pub rule: Rule,
}

impl Policy {
    /// The rule id printed with findings: `<set>/<id>`.
    pub fn rule_id(&self) -> String {
        format!("{}/{}", self.set, self.id)
    }
}

/// A built-in set, or the policies of a catalog.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub name: String,
    pub description: String,
    pub policies: Vec<Policy>,
}

/// A problem in a policy definition, at a position of its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub line: usize,
    pub col: usize,
    pub msg: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.msg)
    }
}

fn perr(n: &Node, msg: impl Into<String>) -> PolicyError {
    PolicyError {
        line: n.line,
        col: n.col,
        msg: msg.into(),
    }
}

fn entries<'n>(n: &'n Node, what: &str) -> Result<&'n [(Node, Node)], PolicyError> {
    match &n.kind {
        Kind::Map { entries, .. } => Ok(entries),
        _ => Err(perr(n, format!("{what}: expected a mapping"))),
    }
}

fn check_keys(n: &Node, what: &str, allowed: &[&str]) -> Result<(), PolicyError> {
    for (k, _) in entries(n, what)? {
        let key = k.as_str().unwrap_or("");
        if !allowed.contains(&key) {
            return Err(perr(
                k,
                format!(
                    "{what}: unknown field '{key}' (expected one of: {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn scalar(n: &Node, what: &str) -> Result<String, PolicyError> {
    match &n.kind {
        Kind::Scalar { value, .. } if !n.is_empty_null() && !value.is_empty() => Ok(value.clone()),
        Kind::Scalar { .. } => Err(perr(n, format!("{what}: must not be empty"))),
        _ => Err(perr(n, format!("{what}: expected a string"))),
    }
}

fn opt_scalar(n: &Node, key: &str, what: &str) -> Result<Option<String>, PolicyError> {
    match n.get(key) {
        None => Ok(None),
        Some(v) => scalar(v, &format!("{what}.{key}")).map(Some),
    }
}

fn need<'n>(n: &'n Node, key: &str, what: &str) -> Result<&'n Node, PolicyError> {
    n.get(key)
        .ok_or_else(|| perr(n, format!("{what}: missing required field '{key}'")))
}

fn field(n: &Node, what: &str) -> Result<Field, PolicyError> {
    let s = scalar(n, what)?;
    Field::parse(&s).map_err(|e| perr(n, format!("{what}: {e}")))
}

/// One field or a list of fields.
fn fields(n: &Node, what: &str) -> Result<Vec<Field>, PolicyError> {
    match &n.kind {
        Kind::Seq { items, .. } => {
            if items.is_empty() {
                return Err(perr(n, format!("{what}: expected at least one field")));
            }
            items.iter().map(|i| field(i, what)).collect()
        }
        _ => Ok(vec![field(n, what)?]),
    }
}

fn strings(n: &Node, what: &str) -> Result<Vec<String>, PolicyError> {
    match &n.kind {
        Kind::Seq { items, .. } => items.iter().map(|i| scalar(i, what)).collect(),
        _ => Ok(vec![scalar(n, what)?]),
    }
}

fn pattern(n: &Node, what: &str) -> Result<Option<Regex>, PolicyError> {
    match n.get("pattern") {
        None => Ok(None),
        Some(p) => {
            let s = scalar(p, &format!("{what}.pattern"))?;
            Regex::new(&s)
                .map(Some)
                .map_err(|e| perr(p, format!("{what}.pattern: bad regular expression: {e}")))
        }
    }
}

fn version_arg(n: &Node, what: &str) -> Result<(String, Version), PolicyError> {
    let s = scalar(n, what)?;
    let v = Version::parse(&s)
        .ok_or_else(|| perr(n, format!("{what}: '{s}' holds no version number")))?;
    Ok((s, v))
}

fn gate(n: &Node, what: &str) -> Result<Gate, PolicyError> {
    check_keys(
        n,
        what,
        &["field", "pattern", "at-least", "below", "in", "exists"],
    )?;
    let f = field(need(n, "field", what)?, &format!("{what}.field"))?;
    let mut tests = Vec::new();
    if let Some(v) = n.get("at-least") {
        let (s, ver) = version_arg(v, &format!("{what}.at-least"))?;
        tests.push(GateTest::AtLeast(s, ver));
    }
    if let Some(v) = n.get("below") {
        let (s, ver) = version_arg(v, &format!("{what}.below"))?;
        tests.push(GateTest::Below(s, ver));
    }
    if let Some(v) = n.get("in") {
        tests.push(GateTest::In(strings(v, &format!("{what}.in"))?));
    }
    if let Some(v) = n.get("exists") {
        if v.as_str() != Some("true") {
            return Err(perr(v, format!("{what}.exists: only 'true' is meaningful")));
        }
        tests.push(GateTest::Exists);
    }
    if tests.len() != 1 {
        return Err(perr(
            n,
            format!("{what}: give exactly one of at-least, below, in, exists"),
        ));
    }
    Ok(Gate {
        field: f,
        pattern: pattern(n, what)?,
        test: tests.remove(0),
    })
}

const RULE_KEYS: &[&str] = &[
    "require-when-changed",
    "allowed-values",
    "no-downgrade",
    "not-together",
    "change-alone",
    "shape",
    "max-length",
    "count",
    "at-most",
    "list-items",
];

fn number(n: &Node, what: &str) -> Result<i64, PolicyError> {
    let s = scalar(n, what)?;
    s.parse::<i64>()
        .map_err(|_| perr(n, format!("{what}: expected a whole number, not '{s}'")))
}

fn key_name(n: &Node, what: &str) -> Result<String, PolicyError> {
    let s = scalar(n, what)?;
    if s.contains('.') {
        return Err(perr(n, format!("{what}: one key of the items, not a path")));
    }
    Ok(s)
}

fn rule(key: &str, n: &Node, what: &str) -> Result<Rule, PolicyError> {
    let what = format!("{what}.{key}");
    let what = what.as_str();
    Ok(match key {
        "require-when-changed" => {
            check_keys(n, what, &["changed", "require"])?;
            Rule::RequireWhenChanged {
                changed: fields(need(n, "changed", what)?, &format!("{what}.changed"))?,
                require: fields(need(n, "require", what)?, &format!("{what}.require"))?,
            }
        }
        "allowed-values" => {
            check_keys(n, what, &["field", "values", "pattern"])?;
            let values = strings(need(n, "values", what)?, &format!("{what}.values"))?;
            if values.is_empty() {
                return Err(perr(
                    n,
                    format!("{what}.values: expected at least one value"),
                ));
            }
            Rule::AllowedValues {
                field: field(need(n, "field", what)?, &format!("{what}.field"))?,
                values,
                pattern: pattern(n, what)?,
            }
        }
        "no-downgrade" => {
            check_keys(n, what, &["field", "pattern"])?;
            Rule::NoDowngrade {
                field: field(need(n, "field", what)?, &format!("{what}.field"))?,
                pattern: pattern(n, what)?,
            }
        }
        "not-together" => {
            check_keys(n, what, &["fields"])?;
            let fs = fields(need(n, "fields", what)?, &format!("{what}.fields"))?;
            if fs.len() < 2 {
                return Err(perr(
                    n,
                    format!("{what}.fields: expected at least two fields"),
                ));
            }
            Rule::NotTogether { fields: fs }
        }
        "change-alone" => {
            check_keys(n, what, &["field", "scope"])?;
            let f = field(need(n, "field", what)?, &format!("{what}.field"))?;
            let scope = field(need(n, "scope", what)?, &format!("{what}.scope"))?;
            if !f.segs.starts_with(&scope.segs) || f.segs.len() == scope.segs.len() {
                return Err(perr(
                    n,
                    format!(
                        "{what}: the field {} must lie inside the scope {}",
                        f.text, scope.text
                    ),
                ));
            }
            Rule::ChangeAlone { field: f, scope }
        }
        "shape" => {
            check_keys(n, what, &["field", "type", "required"])?;
            let ty = match n.get("type") {
                None => None,
                Some(t) => {
                    let s = scalar(t, &format!("{what}.type"))?;
                    Some(Type::parse(&s).ok_or_else(|| {
                        perr(
                            t,
                            format!(
                                "{what}.type: unknown type '{s}' (expected map, list, string, number, integer or bool)"
                            ),
                        )
                    })?)
                }
            };
            let required = match n.get("required") {
                None => false,
                Some(r) => match r.as_str() {
                    Some("true") => true,
                    Some("false") => false,
                    _ => return Err(perr(r, format!("{what}.required: expected true or false"))),
                },
            };
            if ty.is_none() && !required {
                return Err(perr(
                    n,
                    format!("{what}: give 'type', 'required: true' or both"),
                ));
            }
            Rule::Shape {
                field: field(need(n, "field", what)?, &format!("{what}.field"))?,
                ty,
                required,
            }
        }
        "max-length" => {
            check_keys(n, what, &["field", "items", "max"])?;
            let max = number(need(n, "max", what)?, &format!("{what}.max"))?;
            Rule::MaxLength {
                field: field(need(n, "field", what)?, &format!("{what}.field"))?,
                items: match n.get("items") {
                    None => None,
                    Some(i) => Some(key_name(i, &format!("{what}.items"))?),
                },
                max: usize::try_from(max)
                    .map_err(|_| perr(n, format!("{what}.max: must not be negative")))?,
            }
        }
        "count" => {
            check_keys(n, what, &["field", "equals"])?;
            let eq = number(need(n, "equals", what)?, &format!("{what}.equals"))?;
            Rule::Count {
                field: field(need(n, "field", what)?, &format!("{what}.field"))?,
                equals: usize::try_from(eq)
                    .map_err(|_| perr(n, format!("{what}.equals: must not be negative")))?,
            }
        }
        "at-most" => {
            check_keys(n, what, &["field", "item", "default", "max"])?;
            Rule::AtMost {
                field: field(need(n, "field", what)?, &format!("{what}.field"))?,
                item: key_name(need(n, "item", what)?, &format!("{what}.item"))?,
                default: match n.get("default") {
                    None => None,
                    Some(d) => Some(number(d, &format!("{what}.default"))?),
                },
                max: field(need(n, "max", what)?, &format!("{what}.max"))?,
            }
        }
        "list-items" => {
            check_keys(
                n,
                what,
                &[
                    "field",
                    "key",
                    "unique",
                    "no-removal",
                    "unchanged",
                    "when-both-set",
                ],
            )?;
            let flag = |k: &str| -> Result<bool, PolicyError> {
                match n.get(k) {
                    None => Ok(false),
                    Some(v) => match v.as_str() {
                        Some("true") => Ok(true),
                        Some("false") => Ok(false),
                        _ => Err(perr(v, format!("{what}.{k}: expected true or false"))),
                    },
                }
            };
            let mut checks = Vec::new();
            if flag("unique")? {
                checks.push(ItemCheck::Unique);
            }
            if flag("no-removal")? {
                checks.push(ItemCheck::NoRemoval);
            }
            if let Some(u) = n.get("unchanged") {
                checks.push(ItemCheck::Unchanged {
                    sub: field(u, &format!("{what}.unchanged"))?,
                    when_both_set: flag("when-both-set")?,
                });
            }
            if checks.len() != 1 {
                return Err(perr(
                    n,
                    format!("{what}: give exactly one of unique, no-removal, unchanged"),
                ));
            }
            Rule::ListItems {
                field: field(need(n, "field", what)?, &format!("{what}.field"))?,
                key: key_name(need(n, "key", what)?, &format!("{what}.key"))?,
                check: checks.remove(0),
            }
        }
        _ => unreachable!("rule keys are checked by the caller"),
    })
}

fn selector(n: Option<&Node>, what: &str) -> Result<Selector, PolicyError> {
    let mut s = Selector {
        api_version: "*".into(),
        kind: "*".into(),
        name: "*".into(),
        namespace: "*".into(),
    };
    if let Some(n) = n {
        check_keys(n, what, &["apiVersion", "kind", "name", "namespace"])?;
        if let Some(v) = opt_scalar(n, "apiVersion", what)? {
            s.api_version = v;
        }
        if let Some(v) = opt_scalar(n, "kind", what)? {
            s.kind = v;
        }
        if let Some(v) = opt_scalar(n, "name", what)? {
            s.name = v;
        }
        if let Some(v) = opt_scalar(n, "namespace", what)? {
            s.namespace = v;
        }
    }
    Ok(s)
}

/// Parses one policy (a mapping) of the set `set`.
pub fn parse_policy(n: &Node, set: &str, index: usize) -> Result<Policy, PolicyError> {
    let what0 = format!("policies[{index}]");
    let mut allowed = vec!["id", "description", "message", "severity", "select", "when"];
    allowed.extend_from_slice(RULE_KEYS);
    check_keys(n, &what0, &allowed)?;
    let id = scalar(need(n, "id", &what0)?, &format!("{what0}.id"))?;
    if id.contains(char::is_whitespace) {
        return Err(perr(
            n.get("id").unwrap_or(n),
            format!("{what0}.id: '{id}' must not contain spaces"),
        ));
    }
    let what = format!("policy {id}");
    let description = opt_scalar(n, "description", &what)?.unwrap_or_default();
    let message = opt_scalar(n, "message", &what)?.unwrap_or_else(|| description.clone());
    let severity = match opt_scalar(n, "severity", &what)?.as_deref() {
        None | Some("error") => Severity::Error,
        Some("warning") => Severity::Warning,
        Some(other) => {
            return Err(perr(
                n.get("severity").unwrap_or(n),
                format!("{what}.severity: '{other}' is neither error nor warning"),
            ))
        }
    };
    let select = selector(n.get("select"), &format!("{what}.select"))?;
    let mut when = Vec::new();
    if let Some(w) = n.get("when") {
        match &w.kind {
            Kind::Seq { items, .. } => {
                for (i, g) in items.iter().enumerate() {
                    when.push(gate(g, &format!("{what}.when[{i}]"))?);
                }
            }
            _ => when.push(gate(w, &format!("{what}.when"))?),
        }
    }
    let present: Vec<&(Node, Node)> = entries(n, &what)?
        .iter()
        .filter(|(k, _)| k.as_str().is_some_and(|k| RULE_KEYS.contains(&k)))
        .collect();
    if present.len() != 1 {
        return Err(perr(
            n,
            format!("{what}: give exactly one rule: {}", RULE_KEYS.join(", ")),
        ));
    }
    let (k, v) = present[0];
    let rule = rule(k.as_str().unwrap_or(""), v, &what)?;
    Ok(Policy {
        set: set.to_string(),
        id,
        description,
        message,
        severity,
        select,
        when,
        rule,
    })
}

/// Parses a list of policies (the `policies:` of a catalog or set, the
/// `policies.rules` of the plan file).
pub fn parse_list(n: &Node, set: &str) -> Result<Vec<Policy>, PolicyError> {
    let items = match &n.kind {
        Kind::Seq { items, .. } => items.as_slice(),
        _ if n.is_empty_null() => &[],
        _ => return Err(perr(n, "policies: expected a list")),
    };
    let mut out: Vec<Policy> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let p = parse_policy(it, set, i)?;
        if out.iter().any(|q| q.id == p.id) {
            return Err(perr(
                it.get("id").unwrap_or(it),
                format!("policies[{i}]: the id '{}' is used twice", p.id),
            ));
        }
        out.push(p);
    }
    Ok(out)
}

/// Parses a policy set file: `name`, `description`, `policies`.
pub fn parse_set(text: &str) -> Result<PolicySet, PolicyError> {
    let src = Source::parse(text).map_err(|e| PolicyError {
        line: e.line,
        col: e.col,
        msg: e.msg,
    })?;
    let root = src
        .docs
        .first()
        .and_then(|d| d.as_ref())
        .ok_or(PolicyError {
            line: 1,
            col: 1,
            msg: "empty policy set".into(),
        })?;
    check_keys(root, "policy set", &["name", "description", "policies"])?;
    let name = scalar(need(root, "name", "policy set")?, "name")?;
    let description = opt_scalar(root, "description", "policy set")?.unwrap_or_default();
    let policies = match root.get("policies") {
        Some(p) => parse_list(p, &name)?,
        None => Vec::new(),
    };
    Ok(PolicySet {
        name,
        description,
        policies,
    })
}

/// A built-in set, parsed.
pub fn builtin_set(b: &BuiltinSet) -> PolicySet {
    parse_set(b.text).unwrap_or_else(|e| panic!("built-in policy set {}: {e}", b.name))
}

/// The built-in sets, parsed.
pub fn builtin_sets() -> Vec<PolicySet> {
    BUILTIN_SETS.iter().map(builtin_set).collect()
}

// ---------------------------------------------------------------------------
// Evaluation

/// What a policy found wrong with one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The field to point at in the user's files.
    pub field: Vec<String>,
    /// The field is absent: point at the document that should hold it.
    pub missing: bool,
    pub detail: String,
}

/// A value for messages: scalars as written, collections by type.
pub fn show(v: Option<&Value>) -> String {
    match v {
        None => "(unset)".into(),
        Some(Value::Null) => "null".into(),
        Some(Value::Map(_)) => "a mapping".into(),
        Some(Value::Seq(_)) => "a list".into(),
        Some(v) => v.scalar_string().unwrap_or_default(),
    }
}

fn is_set(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Str(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// The text a pattern captures (group 1, else the whole match) from the
/// scalar at the field; `Err` holds the raw text when the pattern does not
/// match.
fn extract(v: &Value, pattern: Option<&Regex>) -> Option<Result<String, String>> {
    let s = v.scalar_string()?;
    let Some(re) = pattern else {
        return Some(Ok(s));
    };
    Some(match re.captures(&s) {
        Some(c) => Ok(c
            .get(1)
            .or_else(|| c.get(0))
            .map(|m| m.as_str().to_string())
            .unwrap_or_default()),
        None => Err(s),
    })
}

fn gate_holds(g: &Gate, obj: &Value) -> bool {
    let Some(v) = g.field.get(obj) else {
        return false;
    };
    if matches!(g.test, GateTest::Exists) {
        return is_set(Some(v));
    }
    let Some(Ok(s)) = extract(v, g.pattern.as_ref()) else {
        return false;
    };
    match &g.test {
        GateTest::AtLeast(_, min) => Version::parse(&s).is_some_and(|x| x >= *min),
        GateTest::Below(_, max) => Version::parse(&s).is_some_and(|x| x < *max),
        GateTest::In(globs) => globs.iter().any(|p| glob(p, &s)),
        GateTest::Exists => true,
    }
}

/// Whether the policy selects the object. `names` are the names the object
/// is known by (the rendered one first, then earlier ones).
pub fn selects(p: &Policy, obj: &Value, names: &[&str], namespace: &str) -> bool {
    let av = obj.str_at(&["apiVersion"]).unwrap_or("");
    let kind = obj.str_at(&["kind"]).unwrap_or("");
    let sel = &p.select;
    glob(&sel.api_version, av)
        && glob(&sel.kind, kind)
        && glob(&sel.namespace, namespace)
        && names.iter().any(|n| glob(&sel.name, n))
}

fn changed(f: &Field, new: &Value, old: &Value) -> bool {
    f.get(new) != f.get(old)
}

/// Evaluates a policy that selects this resource: `new` as staged, `old`
/// the same resource at `HEAD` (`None` when it is new).
pub fn evaluate(p: &Policy, new: &Value, old: Option<&Value>) -> Vec<Violation> {
    if !p.when.iter().all(|g| gate_holds(g, new)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    match &p.rule {
        Rule::RequireWhenChanged {
            changed: cs,
            require,
        } => {
            let Some(old) = old else { return out };
            let Some(c) = cs.iter().find(|c| changed(c, new, old)) else {
                return out;
            };
            let missing: Vec<&Field> = require.iter().filter(|r| !is_set(r.get(new))).collect();
            if !missing.is_empty() {
                let names: Vec<&str> = missing.iter().map(|f| f.text.as_str()).collect();
                out.push(Violation {
                    field: c.segs.clone(),
                    missing: c.get(new).is_none(),
                    detail: format!(
                        "{} changes ({} -> {}) but {} {} not set",
                        c.text,
                        show(c.get(old)),
                        show(c.get(new)),
                        names.join(" and "),
                        if names.len() == 1 { "is" } else { "are" }
                    ),
                });
            }
        }
        Rule::AllowedValues {
            field,
            values,
            pattern,
        } => {
            let Some(v) = field.get(new) else { return out };
            if v.is_null() {
                return out;
            }
            let allowed = if values.len() > 12 {
                format!("{}, ... ({} in all)", values[..12].join(", "), values.len())
            } else {
                values.join(", ")
            };
            match extract(v, pattern.as_ref()) {
                None => out.push(Violation {
                    field: field.segs.clone(),
                    missing: false,
                    detail: format!(
                        "{} is {}, not one of: {}",
                        field.text,
                        show(Some(v)),
                        allowed
                    ),
                }),
                Some(Ok(s)) if values.iter().any(|g| glob(g, &s)) => {}
                Some(Ok(s)) => {
                    let raw = show(Some(v));
                    let what = if raw == s {
                        format!("'{s}'")
                    } else {
                        format!("'{s}' (in '{raw}')")
                    };
                    out.push(Violation {
                        field: field.segs.clone(),
                        missing: false,
                        detail: format!(
                            "{} {what} is not an allowed value (allowed: {})",
                            field.text, allowed
                        ),
                    })
                }
                Some(Err(raw)) => out.push(Violation {
                    field: field.segs.clone(),
                    missing: false,
                    detail: format!(
                        "{} '{raw}' does not match the pattern '{}' (allowed: {})",
                        field.text,
                        pattern.as_ref().map(|r| r.as_str()).unwrap_or(""),
                        allowed
                    ),
                }),
            }
        }
        Rule::NoDowngrade { field, pattern } => {
            let Some(old) = old else { return out };
            let (Some(nv), Some(ov)) = (field.get(new), field.get(old)) else {
                return out;
            };
            let (Some(Ok(ns)), Some(Ok(os))) =
                (extract(nv, pattern.as_ref()), extract(ov, pattern.as_ref()))
            else {
                return out;
            };
            if let (Some(n), Some(o)) = (Version::parse(&ns), Version::parse(&os)) {
                if n < o {
                    let (a, b) = (show(Some(ov)), show(Some(nv)));
                    let versions = if a == o.to_string() && b == n.to_string() {
                        String::new()
                    } else {
                        format!(" (version {o} -> {n})")
                    };
                    out.push(Violation {
                        field: field.segs.clone(),
                        missing: false,
                        detail: format!("{} goes down from {a} to {b}{versions}", field.text),
                    });
                }
            }
        }
        Rule::NotTogether { fields } => {
            let Some(old) = old else { return out };
            let ch: Vec<&Field> = fields.iter().filter(|f| changed(f, new, old)).collect();
            if ch.len() >= 2 {
                let last = ch[ch.len() - 1];
                let list: Vec<String> = ch
                    .iter()
                    .map(|f| format!("{} ({} -> {})", f.text, show(f.get(old)), show(f.get(new))))
                    .collect();
                out.push(Violation {
                    field: last.segs.clone(),
                    missing: last.get(new).is_none(),
                    detail: format!("{} change in the same commit", list.join(" and ")),
                });
            }
        }
        Rule::ChangeAlone { field, scope } => {
            let Some(old) = old else { return out };
            if !changed(field, new, old) {
                return out;
            }
            let rel = &field.segs[scope.segs.len()..];
            let mut others = Vec::new();
            diff_paths(
                scope.get(old),
                scope.get(new),
                &mut scope.segs.clone(),
                rel,
                &mut others,
            );
            if !others.is_empty() {
                let names: Vec<String> = others.iter().take(3).map(|p| p.join(".")).collect();
                let more = if others.len() > 3 {
                    format!(" and {} more", others.len() - 3)
                } else {
                    String::new()
                };
                out.push(Violation {
                    field: field.segs.clone(),
                    missing: false,
                    detail: format!(
                        "{} changes ({} -> {}) together with {}{more}",
                        field.text,
                        show(field.get(old)),
                        show(field.get(new)),
                        names.join(", ")
                    ),
                });
            }
        }
        Rule::Shape {
            field,
            ty,
            required,
        } => {
            let v = field.get(new);
            if *required && !is_set(v) {
                out.push(Violation {
                    field: field.segs.clone(),
                    missing: v.is_none(),
                    detail: format!(
                        "{} is not set{}",
                        field.text,
                        ty.map(|t| format!(" (expected {})", t.name()))
                            .unwrap_or_default()
                    ),
                });
                return out;
            }
            if let (Some(t), Some(v)) = (ty, v) {
                if !v.is_null() && !t.accepts(v) {
                    out.push(Violation {
                        field: field.segs.clone(),
                        missing: false,
                        detail: format!(
                            "{} is {}, expected {}",
                            field.text,
                            v.type_phrase(),
                            t.name()
                        ),
                    });
                }
            }
        }
        Rule::MaxLength { field, items, max } => match items {
            None => {
                if let Some(s) = field.get(new).and_then(Value::scalar_string) {
                    if s.chars().count() > *max {
                        out.push(Violation {
                            field: field.segs.clone(),
                            missing: false,
                            detail: format!(
                                "{} '{s}' has {} characters, more than {max}",
                                field.text,
                                s.chars().count()
                            ),
                        });
                    }
                }
            }
            Some(k) => {
                for (i, item) in list_items(field.get(new)) {
                    if let Some(s) = item.get(k).and_then(Value::scalar_string) {
                        if s.chars().count() > *max {
                            out.push(Violation {
                                field: item_path(field, i, Some(k)),
                                missing: false,
                                detail: format!(
                                    "{}[{i}].{k} '{s}' has {} characters, more than {max}",
                                    field.text,
                                    s.chars().count()
                                ),
                            });
                        }
                    }
                }
            }
        },
        Rule::Count { field, equals } => {
            let v = field.get(new);
            let n = match v {
                Some(Value::Seq(items)) => items.len(),
                None | Some(Value::Null) => 0,
                Some(_) => return out,
            };
            if n != *equals {
                out.push(Violation {
                    field: field.segs.clone(),
                    missing: v.is_none(),
                    detail: format!("{} has {n} item(s), not {equals}", field.text),
                });
            }
        }
        Rule::AtMost {
            field,
            item,
            default,
            max,
        } => {
            let Some(limit) = max.get(new).and_then(as_int) else {
                return out;
            };
            for (i, it) in list_items(field.get(new)) {
                let (value, set) = match it.get(item).and_then(as_int) {
                    Some(v) => (v, true),
                    None => match default {
                        Some(d) => (*d, false),
                        None => continue,
                    },
                };
                if value > limit {
                    let name = it
                        .get("name")
                        .and_then(Value::scalar_string)
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default();
                    out.push(Violation {
                        field: item_path(field, i, set.then_some(item.as_str())),
                        missing: false,
                        detail: format!(
                            "{}[{i}]{name}.{item} is {value}{}, above {} {limit}",
                            field.text,
                            if set { "" } else { " (the default)" },
                            max.text
                        ),
                    });
                }
            }
        }
        Rule::ListItems { field, key, check } => {
            let keyed = |v: Option<&'_ Value>| -> Vec<(usize, String, Value)> {
                list_items(v)
                    .into_iter()
                    .filter_map(|(i, it)| {
                        it.get(key)
                            .and_then(Value::scalar_string)
                            .map(|k| (i, k, it.clone()))
                    })
                    .collect()
            };
            let now = keyed(field.get(new));
            match check {
                ItemCheck::Unique => {
                    for (j, (i, k, _)) in now.iter().enumerate() {
                        if now[..j].iter().any(|(_, k2, _)| k2 == k) {
                            out.push(Violation {
                                field: item_path(field, *i, Some(key)),
                                missing: false,
                                detail: format!("{}[{i}].{key} '{k}' is used twice", field.text),
                            });
                        }
                    }
                }
                ItemCheck::NoRemoval => {
                    let Some(old) = old else { return out };
                    for (_, k, _) in keyed(field.get(old)) {
                        if !now.iter().any(|(_, k2, _)| *k2 == k) {
                            out.push(Violation {
                                field: field.segs.clone(),
                                missing: field.get(new).is_none(),
                                detail: format!("the item {key}={k} of {} is removed", field.text),
                            });
                        }
                    }
                }
                ItemCheck::Unchanged { sub, when_both_set } => {
                    let Some(old) = old else { return out };
                    let before = keyed(field.get(old));
                    for (i, k, it) in &now {
                        let Some((_, _, was)) = before.iter().find(|(_, k2, _)| k2 == k) else {
                            continue;
                        };
                        let (a, b) = (sub.get(was), sub.get(it));
                        if *when_both_set && (!is_set(a) || !is_set(b)) {
                            continue;
                        }
                        if a != b {
                            let mut path = item_path(field, *i, None);
                            if b.is_some() {
                                path.extend(sub.segs.iter().cloned());
                            }
                            // name the fields that differ inside a mapping
                            let mut inner = Vec::new();
                            if let (Some(Value::Map(_)), Some(Value::Map(_))) = (a, b) {
                                diff_paths(a, b, &mut Vec::new(), &[], &mut inner);
                            }
                            let (a, b) = (show(a), show(b));
                            let what = if inner.is_empty() {
                                format!("{a} -> {b}")
                            } else {
                                let (wa, wb) = (was, it);
                                inner
                                    .iter()
                                    .take(3)
                                    .map(|p| {
                                        let mut full = sub.segs.clone();
                                        full.extend(p.iter().cloned());
                                        format!(
                                            "{}: {} -> {}",
                                            p.join("."),
                                            show(value_at(wa, &full)),
                                            show(value_at(wb, &full))
                                        )
                                    })
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            };
                            out.push(Violation {
                                field: path,
                                missing: false,
                                detail: format!(
                                    "{}[{key}={k}].{} changes ({what})",
                                    field.text, sub.text
                                ),
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// The items of a list value, with their indexes.
fn list_items(v: Option<&Value>) -> Vec<(usize, &Value)> {
    match v {
        Some(Value::Seq(items)) => items.iter().enumerate().collect(),
        _ => Vec::new(),
    }
}

/// The path of item `i` of the list at `field` (and its key `k`).
fn item_path(field: &Field, i: usize, k: Option<&str>) -> Vec<String> {
    let mut p = field.segs.clone();
    p.push(i.to_string());
    if let Some(k) = k {
        p.push(k.to_string());
    }
    p
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Uint(u) => i64::try_from(*u).ok(),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Paths (below `at`) where `a` and `b` differ, leaving out `skip` (a path
/// relative to `at`).
fn diff_paths(
    a: Option<&Value>,
    b: Option<&Value>,
    at: &mut Vec<String>,
    skip: &[String],
    out: &mut Vec<Vec<String>>,
) {
    if a == b {
        return;
    }
    match (a, b) {
        (Some(Value::Map(x)), Some(Value::Map(y))) => {
            let mut keys: Vec<&String> = x.keys().collect();
            for k in y.keys() {
                if !x.contains_key(k) {
                    keys.push(k);
                }
            }
            for k in keys {
                let sub_skip: &[String] = match skip.split_first() {
                    Some((first, rest)) if first == k => {
                        if rest.is_empty() {
                            continue;
                        }
                        rest
                    }
                    _ => &[],
                };
                at.push(k.clone());
                diff_paths(x.get(k), y.get(k), at, sub_skip, out);
                at.pop();
            }
        }
        _ => {
            if skip.is_empty() {
                out.push(at.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(text: &str) -> Node {
        Source::parse(text).unwrap().docs[0].clone().unwrap()
    }

    fn one(text: &str) -> Policy {
        parse_list(&node(text), "t")
            .map(|mut v| v.remove(0))
            .unwrap()
    }

    fn obj(text: &str) -> Value {
        crate::yaml::parse_one(text).unwrap()
    }

    #[test]
    fn builtin_sets_parse() {
        let sets = builtin_sets();
        assert_eq!(sets.len(), 2);
        for (s, b) in sets.iter().zip(BUILTIN_SETS) {
            assert!(!s.policies.is_empty(), "{}", s.name);
            assert_eq!(s.name, b.name);
            // the kinds listed are exactly those the policies select
            let mut kinds: Vec<&str> = s.policies.iter().map(|p| p.select.kind.as_str()).collect();
            kinds.sort();
            kinds.dedup();
            assert_eq!(kinds, b.kinds, "{}", s.name);
            assert!(kinds.iter().all(|k| !k.contains(['*', '?'])));
        }
    }

    #[test]
    fn fields() {
        let f = Field::parse(".spec.version").unwrap();
        assert_eq!(f.segs, vec!["spec", "version"]);
        assert_eq!(f.text, "spec.version");
        let f = Field::parse("metadata.annotations.example\\.com/x").unwrap();
        assert_eq!(f.segs, vec!["metadata", "annotations", "example.com/x"]);
        assert!(Field::parse("spec..x").is_err());
        assert!(Field::parse("").is_err());
        let v = obj("spec:\n  list: [a, {b: 2}]\n");
        assert_eq!(
            Field::parse("spec.list.1.b").unwrap().get(&v),
            Some(&Value::Int(2))
        );
    }

    #[test]
    fn errors_have_positions() {
        let e = parse_list(&node("- id: a\n  shape: {field: x, typ: map}\n"), "t").unwrap_err();
        assert_eq!((e.line, e.col), (2, 21));
        assert!(e.msg.contains("unknown field 'typ'"), "{}", e.msg);
        let e = parse_list(&node("- id: a\n  select: {kind: X}\n"), "t").unwrap_err();
        assert!(e.msg.contains("give exactly one rule"), "{}", e.msg);
        let e = parse_list(
            &node("- id: a\n  no-downgrade: {field: x}\n- id: a\n  no-downgrade: {field: x}\n"),
            "t",
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse_list(
            &node("- id: a\n  when: {field: x, at-least: latest}\n  no-downgrade: {field: x}\n"),
            "t",
        )
        .unwrap_err();
        assert!(e.msg.contains("holds no version"), "{}", e.msg);
        let e = parse_list(
            &node("- id: a\n  allowed-values: {field: x, values: [a], pattern: '('}\n"),
            "t",
        )
        .unwrap_err();
        assert!(e.msg.contains("bad regular expression"), "{}", e.msg);
        let e = parse_list(
            &node("- id: a\n  change-alone: {field: spec.version, scope: status}\n"),
            "t",
        )
        .unwrap_err();
        assert!(e.msg.contains("inside the scope"), "{}", e.msg);
    }

    #[test]
    fn require_when_changed() {
        let p = one("- id: backup\n  require-when-changed: {changed: .spec.version, require: .spec.backupSpec}\n");
        let old = obj("spec: {version: 4.2.0.3}\n");
        let new = obj("spec: {version: 4.2.0.4}\n");
        let v = evaluate(&p, &new, Some(&old));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].field, vec!["spec", "version"]);
        assert_eq!(
            v[0].detail,
            "spec.version changes (4.2.0.3 -> 4.2.0.4) but spec.backupSpec is not set"
        );
        let ok = obj("spec: {version: 4.2.0.4, backupSpec: {storage: {type: gcs}}}\n");
        assert!(evaluate(&p, &ok, Some(&old)).is_empty());
        // unchanged, or new: nothing to require
        assert!(evaluate(&p, &old, Some(&old)).is_empty());
        assert!(evaluate(&p, &new, None).is_empty());
    }

    #[test]
    fn allowed_values_with_pattern() {
        let p = one("- id: v\n  allowed-values: {field: spec.image, pattern: ':([^:@/]+)$', values: ['7.*', '6.4.0.2']}\n");
        let ok = obj("spec: {image: 'aerospike/aerospike-server-enterprise:7.1.0.0'}\n");
        assert!(evaluate(&p, &ok, None).is_empty());
        let bad = obj("spec: {image: 'aerospike/aerospike-server-enterprise:6.3.0.1'}\n");
        let v = evaluate(&p, &bad, None);
        assert!(
            v[0].detail.contains("'6.3.0.1' (in 'aerospike/"),
            "{}",
            v[0].detail
        );
        let none = obj("spec: {image: 'aerospike/aerospike-server-enterprise'}\n");
        assert!(evaluate(&p, &none, None)[0]
            .detail
            .contains("does not match"));
        assert!(evaluate(&p, &obj("spec: {}\n"), None).is_empty());
    }

    #[test]
    fn no_downgrade() {
        let p = one("- id: d\n  no-downgrade: {field: spec.version}\n");
        let old = obj("spec: {version: release-0.15-l0-release-0.15}\n");
        let new = obj("spec: {version: release-0.14-l0-release-0.14}\n");
        let v = evaluate(&p, &new, Some(&old));
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].detail,
            "spec.version goes down from release-0.15-l0-release-0.15 to release-0.14-l0-release-0.14 (version 0.15 -> 0.14)"
        );
        let plain = one("- id: d\n  no-downgrade: {field: v}\n");
        let v = evaluate(&plain, &obj("v: 4.1.0.1\n"), Some(&obj("v: 4.2.0.3\n")));
        assert_eq!(v[0].detail, "v goes down from 4.2.0.3 to 4.1.0.1");
        assert!(evaluate(&p, &old, Some(&new)).is_empty());
        let odd = obj("spec: {version: latest}\n");
        assert!(evaluate(&p, &odd, Some(&old)).is_empty());
    }

    #[test]
    fn not_together_and_change_alone() {
        let p = one("- id: n\n  not-together: {fields: [spec.version, spec.nodeCount]}\n");
        let old = obj("spec: {version: 4.2.0.3, nodeCount: 2, x: 1}\n");
        let both = obj("spec: {version: 4.2.0.4, nodeCount: 3, x: 1}\n");
        let v = evaluate(&p, &both, Some(&old));
        assert_eq!(v[0].field, vec!["spec", "nodeCount"]);
        assert_eq!(
            v[0].detail,
            "spec.version (4.2.0.3 -> 4.2.0.4) and spec.nodeCount (2 -> 3) change in the same commit"
        );
        let one_change = obj("spec: {version: 4.2.0.4, nodeCount: 2, x: 1}\n");
        assert!(evaluate(&p, &one_change, Some(&old)).is_empty());

        let a = one("- id: a\n  change-alone: {field: spec.version, scope: spec}\n");
        assert!(evaluate(&a, &one_change, Some(&old)).is_empty());
        let other = obj("spec: {version: 4.2.0.4, nodeCount: 2, x: 2}\n");
        let v = evaluate(&a, &other, Some(&old));
        assert!(
            v[0].detail.ends_with("together with spec.x"),
            "{}",
            v[0].detail
        );
        // other changes without a version change are fine
        let x_only = obj("spec: {version: 4.2.0.3, nodeCount: 2, x: 2}\n");
        assert!(evaluate(&a, &x_only, Some(&old)).is_empty());
    }

    #[test]
    fn shape_with_version_gate() {
        let p = one("- id: s\n  when: {field: spec.version, at-least: '0.15'}\n  shape: {field: spec.configVars, type: map}\n");
        let str14 = obj("spec: {version: release-0.14-l0-release-0.14, configVars: 'a=1;'}\n");
        assert!(evaluate(&p, &str14, None).is_empty());
        let str15 = obj("spec: {version: release-0.15-l0-release-0.15, configVars: 'a=1;'}\n");
        let v = evaluate(&p, &str15, None);
        assert_eq!(
            v[0].detail,
            "spec.configVars is a string, expected a mapping"
        );
        let map15 = obj("spec: {version: release-0.15-l0-release-0.15, configVars: {a: '1'}}\n");
        assert!(evaluate(&p, &map15, None).is_empty());
        let r =
            one("- id: r\n  shape: {field: spec.redis.endpoint, type: string, required: true}\n");
        let v = evaluate(&r, &obj("spec: {}\n"), None);
        assert!(v[0].missing);
        assert_eq!(
            v[0].detail,
            "spec.redis.endpoint is not set (expected a string)"
        );
        assert!(!evaluate(&r, &obj("spec: {redis: {endpoint: ''}}\n"), None).is_empty());
        assert!(evaluate(&r, &obj("spec: {redis: {endpoint: 'redis://x'}}\n"), None).is_empty());
    }

    #[test]
    fn selection() {
        let p = one("- id: s\n  select: {apiVersion: 'crd.arrikto.com/*', kind: RokCluster, name: 'rok*'}\n  shape: {field: spec, type: map}\n");
        let o = obj(
            "apiVersion: crd.arrikto.com/v1alpha1\nkind: RokCluster\nmetadata: {name: x-rok}\n",
        );
        assert!(!selects(&p, &o, &["x-rok"], "ns"));
        assert!(selects(&p, &o, &["x-rok", "rok"], "ns"));
    }
}
