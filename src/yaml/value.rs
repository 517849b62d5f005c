//! The generic document model shared by the renderer and every command.
//!
//! kustomize round-trips every resource through JSON before printing it, so
//! the values a resource can hold are exactly JSON's: null, booleans,
//! numbers, strings, sequences and string-keyed mappings. Mappings keep
//! insertion order (strategic-merge and list handling care about it; the
//! emitter sorts keys itself).

mod mapping;

pub use mapping::{Entry, Mapping};

/// One YAML/JSON value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX` that still fits 64 bits.
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Value>),
    Map(Mapping),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl Value {
    pub fn new_map() -> Value {
        Value::Map(Mapping::new())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Mapping> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Uint(u) => i64::try_from(*u).ok(),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Looks up a key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }

    /// Follows a path of mapping keys.
    pub fn get_path(&self, path: &[&str]) -> Option<&Value> {
        let mut cur = self;
        for p in path {
            cur = cur.get(p)?;
        }
        Some(cur)
    }

    pub fn get_path_mut(&mut self, path: &[&str]) -> Option<&mut Value> {
        let mut cur = self;
        for p in path {
            cur = cur.get_mut(p)?;
        }
        Some(cur)
    }

    /// Returns the string at a path of mapping keys, if it is a string.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.get_path(path).and_then(Value::as_str)
    }

    /// Walks a path of mapping keys, creating empty mappings where needed
    /// (and replacing null or scalar values on the way), and returns the
    /// value at its end.
    pub fn ensure_path(&mut self, path: &[&str]) -> &mut Value {
        let mut cur = self;
        for p in path {
            if !matches!(cur, Value::Map(_)) {
                *cur = Value::new_map();
            }
            let Value::Map(m) = cur else { unreachable!() };
            cur = m.entry((*p).to_string()).or_insert(Value::Null);
        }
        cur
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Uint(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "mapping",
        }
    }

    /// The type with its article ("an integer", "a mapping"), for messages.
    pub fn type_phrase(&self) -> String {
        let t = self.type_name();
        if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
            format!("an {t}")
        } else {
            format!("a {t}")
        }
    }

    /// The scalar as the string kustomize would see when it reads the node's
    /// text (used for label values, replacements into strings, ...).
    pub fn scalar_string(&self) -> Option<String> {
        match self {
            Value::Null => Some(String::new()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Uint(u) => Some(u.to_string()),
            Value::Float(f) => Some(super::number::format_float_go(*f)),
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }
}
