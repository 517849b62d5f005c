//! A reader of git's index file for staged checks: its entries, and its
//! cache of tree ids (the `TREE` extension) that tells which directories
//! are unchanged since the index last matched a tree.
//!
//! libgit2 reads the entries but keeps the tree cache to itself, and its
//! ways of comparing the index with `HEAD` load every tree of the
//! repository (hundreds of object reads for a change to one file). With
//! the cache, only the directories on the path of a change are read.
//!
//! Formats read: versions 2, 3 and 4 with SHA-1 object names (see git's
//! `Documentation/gitformat-index.txt`). Anything else (a split index, a
//! SHA-256 repository, a file that does not add up) returns `None`, and
//! the caller falls back to libgit2.

use std::collections::BTreeMap;
use std::path::Path;

use git2::Oid;

/// One index entry (stage 0 regular files only are kept by callers).
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub id: Oid,
    pub mode: u32,
    pub stage: u16,
    /// What git recorded of the file when it hashed it.
    pub stat: Stat,
}

/// The stat data git keeps to tell, without reading a file, that it still
/// holds the blob of its entry (values truncated to 32 bits, as git does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stat {
    pub mtime_s: u32,
    pub mtime_ns: u32,
    pub ino: u32,
    pub size: u32,
}

impl Stat {
    /// The stat data of a file on disk, as git would record it.
    #[cfg(unix)]
    pub fn of(m: &std::fs::Metadata) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        Some(Stat {
            mtime_s: m.mtime() as u32,
            mtime_ns: m.mtime_nsec() as u32,
            ino: m.ino() as u32,
            size: m.size() as u32,
        })
    }

    /// Elsewhere the file is always read.
    #[cfg(not(unix))]
    pub fn of(_m: &std::fs::Metadata) -> Option<Stat> {
        None
    }
}

/// A node of the tree cache: a directory, its tree id when valid.
#[derive(Debug, Clone, Default)]
pub struct CacheTree {
    /// `None`: invalidated (something below changed).
    pub id: Option<Oid>,
    pub children: BTreeMap<String, CacheTree>,
}

/// What the index file holds.
#[derive(Debug, Clone, Default)]
pub struct IndexFile {
    pub entries: Vec<Entry>,
    pub tree: Option<CacheTree>,
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.b.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        let s = self.take(4)?;
        Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u16(&mut self) -> Option<u16> {
        let s = self.take(2)?;
        Some(u16::from_be_bytes([s[0], s[1]]))
    }
    fn until(&mut self, byte: u8) -> Option<&[u8]> {
        let rest = self.b.get(self.pos..)?;
        let i = rest.iter().position(|c| *c == byte)?;
        self.pos += i + 1;
        Some(&rest[..i])
    }
    /// git's offset varint (index v4 path prefixes).
    fn varint(&mut self) -> Option<usize> {
        let mut c = *self.take(1)?.first()?;
        let mut v = (c & 0x7f) as usize;
        while c & 0x80 != 0 {
            c = *self.take(1)?.first()?;
            v = v.checked_add(1)?.checked_mul(128)? + (c & 0x7f) as usize;
        }
        Some(v)
    }
}

/// Reads an index file; `None` when it is missing or not in a form this
/// reader knows.
pub fn read(path: &Path) -> Option<IndexFile> {
    let b = std::fs::read(path).ok()?;
    parse(&b)
}

/// Parses the bytes of an index file.
pub fn parse(b: &[u8]) -> Option<IndexFile> {
    const HASH: usize = 20;
    if b.len() < 12 + HASH || &b[..4] != b"DIRC" {
        return None;
    }
    let body = &b[..b.len() - HASH];
    let mut r = Reader { b: body, pos: 4 };
    let version = r.u32()?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = r.u32()? as usize;
    let mut out = IndexFile {
        entries: Vec::with_capacity(count),
        tree: None,
    };
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = r.pos;
        r.take(8)?; // ctime
        let mtime_s = r.u32()?;
        let mtime_ns = r.u32()?;
        r.take(4)?; // dev
        let ino = r.u32()?;
        let mode = r.u32()?;
        r.take(8)?; // uid, gid
        let size = r.u32()?;
        let id = Oid::from_bytes(r.take(HASH)?).ok()?;
        let flags = r.u16()?;
        let mut header = 62;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            r.u16()?;
            header += 2;
        }
        let path: String = if version == 4 {
            let strip = r.varint()?;
            if strip > prev.len() {
                return None;
            }
            prev.truncate(prev.len() - strip);
            prev.extend_from_slice(r.until(0)?);
            String::from_utf8(prev.clone()).ok()?
        } else {
            let p = r.until(0)?;
            // padding: the entry length is a multiple of 8
            let len = (header + p.len() + 8) & !7;
            let p = std::str::from_utf8(p).ok()?.to_string();
            r.pos = start.checked_add(len)?;
            if r.pos > body.len() {
                return None;
            }
            p
        };
        let stage = (flags >> 12) & 0x3;
        out.entries.push(Entry {
            path,
            id,
            mode,
            stage,
            stat: Stat {
                mtime_s,
                mtime_ns,
                ino,
                size,
            },
        });
    }
    while r.pos < body.len() {
        let sig = r.take(4)?.to_vec();
        let size = r.u32()? as usize;
        let data = r.take(size)?;
        match &sig[..] {
            b"TREE" => {
                let mut tr = Reader { b: data, pos: 0 };
                let (_, root) = cache_node(&mut tr)?;
                out.tree = Some(root);
            }
            // a split index keeps its entries elsewhere
            b"link" => return None,
            _ => {}
        }
    }
    Some(out)
}

fn cache_node(r: &mut Reader<'_>) -> Option<(String, CacheTree)> {
    let name = String::from_utf8(r.until(0)?.to_vec()).ok()?;
    let entries: i64 = std::str::from_utf8(r.until(b' ')?).ok()?.parse().ok()?;
    let subtrees: usize = std::str::from_utf8(r.until(b'\n')?).ok()?.parse().ok()?;
    let id = if entries >= 0 {
        Some(Oid::from_bytes(r.take(20)?).ok()?)
    } else {
        None
    };
    let mut node = CacheTree {
        id,
        children: BTreeMap::new(),
    };
    for _ in 0..subtrees {
        let (n, c) = cache_node(r)?;
        node.children.insert(n, c);
    }
    Some((name, node))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, id: u8, version: u32, prev: &str) -> Vec<u8> {
        let mut e = vec![0u8; 24];
        e.extend_from_slice(&0o100644u32.to_be_bytes());
        e.extend_from_slice(&[0u8; 12]);
        e.extend_from_slice(&[id; 20]);
        e.extend_from_slice(&(path.len() as u16).to_be_bytes());
        if version == 4 {
            let common = prev
                .bytes()
                .zip(path.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            e.push((prev.len() - common) as u8);
            e.extend_from_slice(&path.as_bytes()[common..]);
            e.push(0);
        } else {
            e.extend_from_slice(path.as_bytes());
            let len = (62 + path.len() + 8) & !7;
            e.resize(len, 0);
        }
        e
    }

    fn index(version: u32, paths: &[&str], tree: &[u8]) -> Vec<u8> {
        let mut b = b"DIRC".to_vec();
        b.extend_from_slice(&version.to_be_bytes());
        b.extend_from_slice(&(paths.len() as u32).to_be_bytes());
        let mut prev = "";
        for (i, p) in paths.iter().enumerate() {
            b.extend(entry(p, i as u8 + 1, version, prev));
            prev = p;
        }
        if !tree.is_empty() {
            b.extend_from_slice(b"TREE");
            b.extend_from_slice(&(tree.len() as u32).to_be_bytes());
            b.extend_from_slice(tree);
        }
        b.extend_from_slice(&[0u8; 20]);
        b
    }

    #[test]
    fn reads_entries_and_the_tree_cache() {
        let mut tree = b"\x002 1\n".to_vec();
        tree.extend_from_slice(&[9u8; 20]);
        tree.extend_from_slice(b"dir\x00-1 0\n");
        for v in [2, 3, 4] {
            let b = index(v, &["a.yaml", "dir/b.yaml", "dir/c.yaml"], &tree);
            let f = parse(&b).unwrap_or_else(|| panic!("version {v}"));
            let paths: Vec<&str> = f.entries.iter().map(|e| e.path.as_str()).collect();
            assert_eq!(paths, vec!["a.yaml", "dir/b.yaml", "dir/c.yaml"]);
            assert_eq!(f.entries[1].id, Oid::from_bytes(&[2u8; 20]).unwrap());
            let t = f.tree.unwrap();
            assert_eq!(t.id, Some(Oid::from_bytes(&[9u8; 20]).unwrap()));
            assert!(t.children["dir"].id.is_none());
        }
        assert!(parse(b"nope").is_none());
        let mut bad = index(2, &["a"], b"");
        bad[11] = 2; // claims two entries
        assert!(parse(&bad).is_none());
    }
}
