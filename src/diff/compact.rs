//! A rendered side held compactly until it is compared.
//!
//! A rendered resource as a [`Value`] tree takes about 1.3 KiB in the diff
//! benchmark (a node is 32 bytes, each key and string its own
//! allocation); the same object encoded as bytes takes about what its
//! YAML text does. `diff` encodes each side's render
//! as soon as it is done and drops the tree, so that many roots, and the
//! two sides of one, are not all held as trees at once. Most resources of
//! a release do not change: their encodings are equal and they are never
//! decoded; only the pairs that differ are turned back into trees and
//! compared field by field.
//!
//! The encoding is private to one run (nothing is written anywhere): a tag
//! byte per node, lengths as LEB128 varints, numbers as 8 little-endian
//! bytes. Mappings keep their key order, so equal bytes mean equal
//! objects; objects whose keys are only ordered differently decode and
//! compare as equal.

use crate::resource::Resource;
use crate::yaml::{Mapping, Value};

use super::Identity;

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT: u8 = 3;
const UINT: u8 = 4;
const FLOAT: u8 = 5;
const STR: u8 = 6;
const SEQ: u8 = 7;
const MAP: u8 = 8;

/// One rendered resource: what matching needs, and its object as bytes.
#[derive(Debug, Clone)]
pub struct CompactResource {
    pub id: Identity,
    pub api_version: String,
    /// The identity without the generator hash suffix, for a
    /// ConfigMap/Secret a generator made (see [`super::generated_base`]).
    pub generated_base: Option<Identity>,
    bytes: Box<[u8]>,
}

impl CompactResource {
    pub fn new(r: &Resource) -> CompactResource {
        let mut bytes = Vec::with_capacity(256);
        encode(&r.obj, &mut bytes);
        CompactResource {
            id: Identity::of(r),
            api_version: r.api_version().to_string(),
            generated_base: super::generated_base(r),
            bytes: bytes.into_boxed_slice(),
        }
    }

    /// Whether both objects are the same, key order included.
    pub fn same_object(&self, other: &CompactResource) -> bool {
        self.bytes == other.bytes
    }

    /// The resource back (its object only: origin and generator data are
    /// not kept).
    pub fn decode(&self) -> Resource {
        let mut at = 0;
        let obj = decode(&self.bytes, &mut at);
        debug_assert_eq!(at, self.bytes.len());
        Resource::new(obj, Default::default())
    }
}

/// A whole render, compacted; each resource's tree is freed as soon as it
/// is encoded, so the tree and its encoding are not both held whole.
pub fn compact(resources: Vec<Resource>) -> Vec<CompactResource> {
    let mut out = Vec::with_capacity(resources.len());
    for r in resources {
        out.push(CompactResource::new(&r));
    }
    out
}

fn varint(mut n: usize, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn str_bytes(s: &str, out: &mut Vec<u8>) {
    varint(s.len(), out);
    out.extend_from_slice(s.as_bytes());
}

fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(NULL),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Int(i) => {
            out.push(INT);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Uint(u) => {
            out.push(UINT);
            out.extend_from_slice(&u.to_le_bytes());
        }
        Value::Float(f) => {
            out.push(FLOAT);
            out.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Value::Str(s) => {
            out.push(STR);
            str_bytes(s, out);
        }
        Value::Seq(items) => {
            out.push(SEQ);
            varint(items.len(), out);
            for i in items {
                encode(i, out);
            }
        }
        Value::Map(m) => {
            out.push(MAP);
            varint(m.len(), out);
            for (k, v) in m {
                str_bytes(k, out);
                encode(v, out);
            }
        }
    }
}

// Decoding reads only what `encode` wrote in this process: a malformed
// buffer is a bug, and indexing panics say so.

fn read_varint(b: &[u8], at: &mut usize) -> usize {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let byte = b[*at];
        *at += 1;
        n |= ((byte & 0x7f) as usize) << shift;
        if byte < 0x80 {
            return n;
        }
        shift += 7;
    }
}

fn read_8(b: &[u8], at: &mut usize) -> [u8; 8] {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[*at..*at + 8]);
    *at += 8;
    a
}

fn read_str(b: &[u8], at: &mut usize) -> String {
    let n = read_varint(b, at);
    let s = &b[*at..*at + n];
    *at += n;
    // the bytes came from a `String`
    String::from_utf8_lossy(s).into_owned()
}

fn decode(b: &[u8], at: &mut usize) -> Value {
    let tag = b[*at];
    *at += 1;
    match tag {
        NULL => Value::Null,
        FALSE => Value::Bool(false),
        TRUE => Value::Bool(true),
        INT => Value::Int(i64::from_le_bytes(read_8(b, at))),
        UINT => Value::Uint(u64::from_le_bytes(read_8(b, at))),
        FLOAT => Value::Float(f64::from_bits(u64::from_le_bytes(read_8(b, at)))),
        STR => Value::Str(read_str(b, at)),
        SEQ => {
            let n = read_varint(b, at);
            Value::Seq((0..n).map(|_| decode(b, at)).collect())
        }
        MAP => {
            let n = read_varint(b, at);
            let mut m = Mapping::with_capacity(n);
            for _ in 0..n {
                let k = read_str(b, at);
                let v = decode(b, at);
                m.insert(k, v);
            }
            Value::Map(m)
        }
        t => unreachable!("compact encoding: unknown tag {t}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Origin;
    use crate::yaml::parse_documents;

    fn res(text: &str) -> Resource {
        let d = parse_documents(text).unwrap().remove(0);
        Resource::new(d.value, Origin::default())
    }

    #[test]
    fn round_trips_every_kind_of_value() {
        let text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x, namespace: n}}\n\
             data:\n  a: \"1\"\n  big: {}\n  neg: -7\n  f: 1.5e300\n  t: true\n  no: false\n  \
             nil: null\n  list: [1, [], {{}}, [x, {{k: v}}]]\n  long: \"{}\"\n  u: \"é€😀\"\n",
            u64::MAX,
            "z".repeat(300)
        );
        let r = res(&text);
        let c = CompactResource::new(&r);
        assert_eq!(c.decode().obj, r.obj);
        assert_eq!(c.id.name, "x");
        assert_eq!(c.id.namespace, "n");
        assert_eq!(c.api_version, "v1");
    }

    #[test]
    fn equal_objects_have_equal_bytes() {
        let a = CompactResource::new(&res("kind: A\nmetadata: {name: a}\nx: [1, 2]\n"));
        let b = CompactResource::new(&res("kind: A\nmetadata:\n  name: a\nx:\n- 1\n- 2\n"));
        let c = CompactResource::new(&res("kind: A\nmetadata: {name: a}\nx: [1, 3]\n"));
        assert!(a.same_object(&b));
        assert!(!a.same_object(&c));
    }
}
