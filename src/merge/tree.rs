//! The node-by-node merge: decides, for each place of a document, whose
//! value the result holds, and turns each vendor change taken into a
//! splice of the user's text. Alongside, it builds the merged values, which
//! the caller compares with the spliced text read back.

use std::collections::HashMap;

use super::text::{
    after_line, column, comments_above, dash_before, eol_of, line_start, reindent, starts_its_line,
    with_eol,
};
use super::{Identity, NotMerged, Override};
use crate::diff::fields::Segment;
use crate::kustomize::patch_smp::list_merge_keys;
use crate::migrate::edit::{Kind, Node, Source, Splice, Style};
use crate::yaml::parse::resolve_plain;
use crate::yaml::{Mapping, Value};

/// Kustomization fields merged as ordered sets: both sides' additions are
/// kept, a removal on either side is honoured, nothing conflicts.
const SET_KEYS: &[&str] = &[
    "resources",
    "components",
    "bases",
    "crds",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "replacements",
    "buildMetadata",
];

/// The value a node holds, scalars resolved as the renderer resolves them.
pub fn node_value(n: &Node) -> Value {
    match &n.kind {
        Kind::Scalar { value, style } => {
            if *style == Style::Plain {
                resolve_plain(value)
            } else {
                Value::Str(value.clone())
            }
        }
        Kind::Map { entries, .. } => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (key_text(k), node_value(v)))
                .collect::<Mapping>(),
        ),
        Kind::Seq { items, .. } => Value::Seq(items.iter().map(node_value).collect()),
        Kind::Alias => Value::Null,
    }
}

fn key_text(k: &Node) -> String {
    match k.as_str() {
        Some(s) => s.to_string(),
        None => format!("{:?}", node_value(k)),
    }
}

fn is_block_map(n: &Node) -> bool {
    matches!(n.kind, Kind::Map { flow: false, .. })
}

fn is_block_seq(n: &Node) -> bool {
    matches!(n.kind, Kind::Seq { flow: false, .. })
}

/// Where a node sits, which decides how its text is replaced.
#[derive(Clone, Copy)]
enum Place<'n> {
    /// A document's root.
    Root,
    /// The value of a mapping entry: the user's key and the vendor's.
    Value { uk: &'n Node, vk: &'n Node },
    /// A block sequence item.
    Item,
}

/// How documents of a stream are paired.
#[derive(Clone, PartialEq, Eq, Hash)]
enum DocKey {
    Id(Identity),
    Anon(usize),
}

fn doc_keys<'n>(d: &[(Option<Identity>, &'n Node)]) -> Vec<(DocKey, &'n Node)> {
    let mut k = 0;
    d.iter()
        .map(|(i, n)| match i {
            Some(i) => (DocKey::Id(i.clone()), *n),
            None => {
                k += 1;
                (DocKey::Anon(k - 1), *n)
            }
        })
        .collect()
}

/// End of a mapping value's text; for `key:` with nothing after it, just
/// after the colon.
fn value_end(text: &str, key: &Node, val: &Node) -> usize {
    if val.is_empty_null() {
        match text[key.end..].find(':') {
            Some(i) => key.end + i + 1,
            None => key.end,
        }
    } else {
        val.content_end(text)
    }
}

/// The merge state of one file.
pub struct Cx<'a> {
    b: &'a Source,
    v: &'a Source,
    u: &'a Source,
    pub splices: Vec<Splice>,
    pub overrides: Vec<Override>,
    pub vendor_changes: usize,
    /// Set when some change cannot be spliced; the file is not merged.
    pub failed: Option<String>,
    /// Byte ranges of the user's documents to remove (joined at the end:
    /// neighbours share a `---` line).
    doc_deletions: Vec<(usize, usize)>,
    kustomization: bool,
    eol: &'static str,
    doc: Option<String>,
    api_version: String,
    kind: String,
    secret: bool,
}

impl<'a> Cx<'a> {
    pub fn new(b: &'a Source, v: &'a Source, u: &'a Source, kustomization: bool) -> Cx<'a> {
        Cx {
            b,
            v,
            u,
            splices: Vec::new(),
            overrides: Vec::new(),
            vendor_changes: 0,
            failed: None,
            doc_deletions: Vec::new(),
            kustomization,
            eol: eol_of(&u.text),
            doc: None,
            api_version: String::new(),
            kind: String::new(),
            secret: false,
        }
    }

    fn fail(&mut self, why: &str) {
        if self.failed.is_none() {
            self.failed = Some(why.to_string());
        }
    }

    fn splice(&mut self, start: usize, end: usize, text: String) {
        self.splices.push(Splice { start, end, text });
    }

    /// Vendor text re-indented by `delta` and given the user's line ends.
    fn fit(&mut self, raw: &str, delta: isize, first: bool) -> String {
        match reindent(raw, delta, first) {
            Some(t) => with_eol(&t, self.eol),
            None => {
                self.fail("a vendor value cannot be re-indented to the local file's indentation");
                with_eol(raw, self.eol)
            }
        }
    }

    fn conflict(&mut self, path: &[Segment], vendor: Option<Value>, kept: Option<Value>) {
        let secret_field = |k: &str| k == "data" || k == "stringData";
        let under = matches!(path.first(), Some(Segment::Key(k)) if secret_field(k));
        let whole = path.is_empty();
        let masked = self.secret && (under || whole);
        let mask = |v: Option<Value>| {
            v.map(|v| match v {
                // A whole Secret: its data keys stay, their values go.
                Value::Map(m) if whole => Value::Map(
                    m.into_iter()
                        .map(|(k, x)| {
                            let x = if secret_field(&k) {
                                crate::diff::mask_value(&x)
                            } else {
                                x
                            };
                            (k, x)
                        })
                        .collect(),
                ),
                v => crate::diff::mask_value(&v),
            })
        };
        let (vendor, kept) = if masked {
            (mask(vendor), mask(kept))
        } else {
            (vendor, kept)
        };
        self.overrides.push(Override {
            document: self.doc.clone(),
            path: path.to_vec(),
            vendor,
            kept,
            masked,
        });
    }

    fn set_doc(&mut self, key: &DocKey, root: &Node, several: bool) {
        self.doc = match key {
            DocKey::Id(i) if several => Some(i.to_string()),
            DocKey::Id(_) => None,
            DocKey::Anon(k) if several => Some(format!("document {}", k + 1)),
            DocKey::Anon(_) => None,
        };
        self.api_version = root.str_at(&["apiVersion"]).unwrap_or_default().into();
        self.kind = root.str_at(&["kind"]).unwrap_or_default().into();
        self.secret = self.kind == "Secret" && self.api_version == "v1";
    }

    /// Merges the documents of the three sides; returns the merged values
    /// in the order the output holds them.
    pub fn merge_stream<'n>(
        &mut self,
        bd: &[(Option<Identity>, &'n Node)],
        vd: &[(Option<Identity>, &'n Node)],
        ud: &[(Option<Identity>, &'n Node)],
        several: bool,
    ) -> Result<Vec<Value>, NotMerged> {
        let (bk, vk, uk) = (doc_keys(bd), doc_keys(vd), doc_keys(ud));
        let find = |list: &[(DocKey, &'n Node)], k: &DocKey| {
            list.iter().find(|(x, _)| x == k).map(|(_, n)| *n)
        };
        let mut merged = Vec::new();
        for (k, un) in &uk {
            self.set_doc(k, un, several);
            match (find(&bk, k), find(&vk, k)) {
                (Some(bn), Some(vn)) => merged.push(self.merge_root(Some(bn), vn, un)?),
                (Some(bn), None) => {
                    let uv = node_value(un);
                    if uv == node_value(bn) {
                        self.delete_doc(un);
                        self.vendor_changes += 1;
                    } else {
                        self.conflict(&[], None, Some(uv.clone()));
                        merged.push(uv);
                    }
                }
                (None, Some(vn)) => merged.push(self.merge_root(None, vn, un)?),
                (None, None) => merged.push(node_value(un)),
            }
        }
        for (k, vn) in &vk {
            if find(&uk, k).is_some() {
                continue;
            }
            self.set_doc(k, vn, several);
            let vv = node_value(vn);
            match find(&bk, k) {
                Some(bn) => {
                    if vv != node_value(bn) {
                        self.conflict(&[], Some(vv), None);
                    }
                }
                None => {
                    self.append_doc(vn);
                    self.vendor_changes += 1;
                    merged.push(vv);
                }
            }
        }
        let mut ranges = std::mem::take(&mut self.doc_deletions);
        ranges.sort();
        let mut joined: Vec<(usize, usize)> = Vec::new();
        for (s, e) in ranges {
            match joined.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => joined.push((s, e)),
            }
        }
        for (s, e) in joined {
            self.splice(s, e, String::new());
        }
        Ok(merged)
    }

    fn merge_root(&mut self, b: Option<&Node>, v: &Node, u: &Node) -> Result<Value, NotMerged> {
        let before = self.overrides.len();
        let r = self.merge_node(b, v, u, &mut Vec::new(), &mut Vec::new(), Place::Root);
        if self.overrides[before..].iter().any(|o| o.path.is_empty()) {
            return Err(NotMerged::WholeDocument(
                self.doc.clone().unwrap_or_else(|| "the document".into()),
            ));
        }
        Ok(r)
    }

    /// Removes a document (with its `---` line) from the user's text.
    fn delete_doc(&mut self, un: &Node) {
        let t = &self.u.text;
        let ls = line_start(t, un.start);
        let mut start = ls;
        let mut probe = ls;
        while probe > 0 {
            let prev = line_start(t, probe - 1);
            let line = t[prev..probe].trim();
            if line.starts_with("---") {
                start = prev;
                break;
            }
            if !(line.is_empty() || line.starts_with('#')) {
                break;
            }
            probe = prev;
        }
        let mut end = after_line(t, un.content_end(t));
        if start == ls {
            // No marker before it: take the next document's instead.
            let next = after_line(t, end);
            if t[end..next].trim() == "---" {
                end = next;
            }
        }
        self.doc_deletions.push((start, end));
    }

    /// Appends a vendor document to the user's text.
    fn append_doc(&mut self, vn: &Node) {
        let vt = &self.v.text;
        let from = comments_above(vt, line_start(vt, vn.start));
        let to = after_line(vt, vn.content_end(vt));
        let raw = vt[from..to].to_string();
        let mut body = self.fit(&raw, -(vn.col0 as isize), true);
        if !body.ends_with('\n') {
            body.push_str(self.eol);
        }
        let ut = &self.u.text;
        let mut text = format!("---{}{body}", self.eol);
        if !ut.is_empty() && !ut.ends_with('\n') {
            text = format!("{}{text}", self.eol);
        }
        let at = ut.len();
        self.splice(at, at, text);
    }

    fn merge_node(
        &mut self,
        b: Option<&Node>,
        v: &Node,
        u: &Node,
        path: &mut Vec<Segment>,
        keys: &mut Vec<String>,
        place: Place<'_>,
    ) -> Value {
        let vv = node_value(v);
        let uv = node_value(u);
        let bv = b.map(node_value);
        if bv.as_ref() == Some(&vv) || vv == uv {
            return uv; // the vendor did not change it, or made the same change
        }
        if bv.as_ref() == Some(&uv) {
            // The user changed only the text (comments, indentation,
            // quoting): take the vendor's changes one by one into it.
            let restyled = b.is_some_and(|b| {
                let (bt, ut) = (&self.b.text, &self.u.text);
                bt[b.start..after_line(bt, b.content_end(bt))]
                    != ut[u.start..after_line(ut, u.content_end(ut))]
            });
            if restyled && is_block_map(u) && is_block_map(v) {
                return self.merge_map(b, v, u, path, keys, place);
            }
            if restyled && is_block_seq(u) && is_block_seq(v) {
                if let Some(r) = self.merge_seq(b, v, u, path, keys, place) {
                    return r;
                }
            }
            self.take(v, u, place);
            self.vendor_changes += 1;
            return vv;
        }
        // Both changed it, differently. (An empty flow collection on the
        // user's side is merged too, so that merging again is stable.)
        let empty_flow = |n: &Node| match &n.kind {
            Kind::Map {
                entries,
                flow: true,
            } => entries.is_empty(),
            Kind::Seq { items, flow: true } => items.is_empty(),
            _ => false,
        };
        let is_block_map = |n: &Node| is_block_map(n) || (empty_flow(n) && n.entries().is_some());
        let is_block_seq = |n: &Node| is_block_seq(n) || (empty_flow(n) && n.items().is_some());
        if is_block_map(u) && is_block_map(v) {
            let b = b.filter(|b| matches!(b.kind, Kind::Map { .. }));
            return self.merge_map(b, v, u, path, keys, place);
        }
        if is_block_seq(u) && is_block_seq(v) {
            let b = b.filter(|b| matches!(b.kind, Kind::Seq { .. }));
            if let Some(r) = self.merge_seq(b, v, u, path, keys, place) {
                return r;
            }
        }
        self.conflict(path, Some(vv), Some(uv.clone()));
        uv
    }

    /// Replaces the user's node by the vendor's.
    fn take(&mut self, v: &Node, u: &Node, place: Place<'_>) {
        let vt: &str = &self.v.text;
        let ut: &str = &self.u.text;
        match place {
            Place::Value { uk, vk } => {
                let inline = |n: &Node| {
                    !n.is_empty_null()
                        && matches!(
                            n.kind,
                            Kind::Scalar {
                                style: Style::Plain | Style::Single | Style::Double,
                                ..
                            } | Kind::Map { flow: true, .. }
                                | Kind::Seq { flow: true, .. }
                        )
                };
                let delta = uk.col0 as isize - vk.col0 as isize;
                if inline(u) && inline(v) {
                    let raw = vt[v.start..v.end].to_string();
                    let text = self.fit(&raw, delta, false);
                    self.splice(u.start, u.end, text);
                } else {
                    let raw = vt[vk.end..value_end(vt, vk, v)].to_string();
                    let (s, e) = (uk.end, value_end(ut, uk, u));
                    let text = self.fit(&raw, delta, false);
                    self.splice(s, e, text);
                }
            }
            Place::Item | Place::Root => {
                if u.is_empty_null() || v.is_empty_null() {
                    self.fail("an empty list item or document changed");
                    return;
                }
                let raw = vt[v.start..v.content_end(vt)].to_string();
                let (s, e) = (u.start, u.content_end(ut));
                let text = self.fit(&raw, u.col0 as isize - v.col0 as isize, false);
                self.splice(s, e, text);
            }
        }
    }

    /// Replaces the user's node by an empty mapping or list.
    fn make_empty(&mut self, u: &Node, place: Place<'_>, empty: &str) {
        let ut: &str = &self.u.text;
        match place {
            Place::Value { uk, .. } => {
                let e = value_end(ut, uk, u);
                self.splice(uk.end, e, format!(": {empty}"));
            }
            Place::Item | Place::Root => {
                let e = u.content_end(ut);
                self.splice(u.start, e, empty.to_string());
            }
        }
    }

    fn merge_map(
        &mut self,
        b: Option<&Node>,
        v: &Node,
        u: &Node,
        path: &mut Vec<Segment>,
        keys: &mut Vec<String>,
        place: Place<'_>,
    ) -> Value {
        let (Some(uents), Some(vents)) = (u.entries(), v.entries()) else {
            return node_value(u);
        };
        let bget = |k: &str| b.and_then(|b| b.get(k));
        let first_splice = self.splices.len();
        let mut merged = Mapping::new();
        let mut deleted = 0;
        for (i, (uk, un)) in uents.iter().enumerate() {
            let Some(k) = uk.as_str() else {
                self.fail("a mapping key is not a scalar");
                return node_value(u);
            };
            path.push(Segment::Key(k.to_string()));
            keys.push(k.to_string());
            match (bget(k), v.entry(k)) {
                (Some(bn), Some((vk, vn))) => {
                    let r = self.merge_node(Some(bn), vn, un, path, keys, Place::Value { uk, vk });
                    merged.insert(k.to_string(), r);
                }
                (Some(bn), None) => {
                    let uv = node_value(un);
                    if uv == node_value(bn) {
                        self.delete_entry(uents, i);
                        self.vendor_changes += 1;
                        deleted += 1;
                    } else {
                        self.conflict(path, None, Some(uv.clone()));
                        merged.insert(k.to_string(), uv);
                    }
                }
                (None, Some((vk, vn))) => {
                    let r = self.merge_node(None, vn, un, path, keys, Place::Value { uk, vk });
                    merged.insert(k.to_string(), r);
                }
                (None, None) => {
                    merged.insert(k.to_string(), node_value(un));
                }
            }
            path.pop();
            keys.pop();
        }
        for (j, (vk, vn)) in vents.iter().enumerate() {
            let Some(k) = vk.as_str() else {
                self.fail("a mapping key is not a scalar");
                return node_value(u);
            };
            if u.get(k).is_some() {
                continue;
            }
            path.push(Segment::Key(k.to_string()));
            let vv = node_value(vn);
            match bget(k) {
                Some(bn) => {
                    if vv != node_value(bn) {
                        self.conflict(path, Some(vv), None);
                    }
                }
                None => {
                    self.insert_entry(uents, vents, j, u);
                    self.vendor_changes += 1;
                    merged.insert(k.to_string(), vv);
                }
            }
            path.pop();
        }
        if merged.is_empty() && deleted > 0 {
            self.splices.truncate(first_splice);
            self.make_empty(u, place, "{}");
        }
        Value::Map(merged)
    }

    fn delete_entry(&mut self, uents: &[(Node, Node)], i: usize) {
        let t: &str = &self.u.text;
        let (uk, un) = &uents[i];
        let end = after_line(t, value_end(t, uk, un));
        if starts_its_line(t, uk.start) {
            let s = line_start(t, uk.start);
            self.splice(s, end, String::new());
        } else if let Some((nk, _)) = uents.get(i + 1) {
            // The first key of a list item, on the dash's line: the next
            // key moves up to it.
            let s = uk.start;
            let e = line_start(t, nk.start) + (nk.start - line_start(t, nk.start));
            self.splice(s, e, String::new());
        } else {
            self.fail("the only key of a list item was deleted");
        }
    }

    fn insert_entry(&mut self, uents: &[(Node, Node)], vents: &[(Node, Node)], j: usize, u: &Node) {
        let vt: &str = &self.v.text;
        let ut: &str = &self.u.text;
        let (vk, vn) = &vents[j];
        let Some((uk0, _)) = uents.first() else {
            self.fail("cannot add a key to an empty mapping");
            return;
        };
        let uindent = uk0.col0;
        let delta = uindent as isize - vk.col0 as isize;
        let vend = after_line(vt, value_end(vt, vk, vn));
        let mut body = if starts_its_line(vt, vk.start) {
            let from = comments_above(vt, line_start(vt, vk.start));
            let raw = vt[from..vend].to_string();
            self.fit(&raw, delta, true)
        } else {
            let raw = vt[vk.start..vend].to_string();
            format!("{}{}", " ".repeat(uindent), self.fit(&raw, delta, false))
        };
        if !body.ends_with('\n') {
            body.push_str(self.eol);
        }
        // After the nearest preceding vendor key the user has; else before
        // the user's first key when it starts its line; else at the end.
        let pred = vents[..j]
            .iter()
            .rev()
            .find_map(|(k, _)| k.as_str().and_then(|k| u.entry(k)));
        let at = match pred {
            Some((pk, pv)) => after_line(ut, value_end(ut, pk, pv)),
            None if starts_its_line(ut, uk0.start) => line_start(ut, uk0.start),
            None => {
                let (lk, lv) = uents.last().expect("not empty");
                after_line(ut, value_end(ut, lk, lv))
            }
        };
        if at == ut.len() && !ut.ends_with('\n') {
            body = format!("{}{body}", self.eol);
        }
        self.splice(at, at, body);
    }

    fn merge_seq(
        &mut self,
        b: Option<&Node>,
        v: &Node,
        u: &Node,
        path: &mut Vec<Segment>,
        keys: &mut Vec<String>,
        place: Place<'_>,
    ) -> Option<Value> {
        let uitems = u.items()?;
        let vitems = v.items()?;
        let bitems: &[Node] = b.and_then(|b| b.items()).unwrap_or(&[]);
        let set = self.kustomization && keys.len() == 1 && SET_KEYS.contains(&keys[0].as_str());
        let merge_keys: Vec<String> = if set {
            Vec::new()
        } else {
            let all = || uitems.iter().chain(vitems).chain(bitems);
            if !all().all(|n| matches!(n.kind, Kind::Map { .. })) {
                return None;
            }
            let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            match list_merge_keys(&self.api_version, &self.kind, &key_refs) {
                Some(k) if !k.is_empty() => k,
                _ => {
                    let has = |n: &Node, k: &str| n.get(k).and_then(Node::as_str).is_some();
                    if all().all(|n| has(n, "name")) {
                        vec!["name".to_string()]
                    } else if all().all(|n| has(n, "op") && has(n, "path")) {
                        // A JSON 6902 patch: operations by the path they
                        // change (their order is kept: the user's, with the
                        // vendor's new ones after their neighbours).
                        vec!["path".to_string()]
                    } else {
                        return None;
                    }
                }
            }
        };
        type Id = Vec<(String, String)>;
        let id = |n: &Node| -> Option<Id> {
            if set {
                return Some(vec![(String::new(), format!("{:?}", node_value(n)))]);
            }
            let first = n.get(&merge_keys[0]).and_then(Node::as_str)?;
            let mut id = vec![(merge_keys[0].clone(), first.to_string())];
            for k in &merge_keys[1..] {
                if let Some(x) = n.get(k).and_then(Node::as_str) {
                    id.push((k.clone(), x.to_string()));
                }
            }
            Some(id)
        };
        let ids = |items: &[Node]| -> Option<Vec<Id>> {
            let v: Vec<Id> = items.iter().map(id).collect::<Option<_>>()?;
            let mut seen = std::collections::HashSet::new();
            v.iter().all(|i| seen.insert(i.clone())).then_some(v)
        };
        let (uids, vids, bids) = (ids(uitems)?, ids(vitems)?, ids(bitems)?);
        let bmap: HashMap<&Id, &Node> = bids.iter().zip(bitems).collect();
        let vmap: HashMap<&Id, &Node> = vids.iter().zip(vitems).collect();
        let umap: HashMap<&Id, usize> = uids.iter().enumerate().map(|(i, x)| (x, i)).collect();
        let ut: &str = &self.u.text;
        let vt: &str = &self.v.text;
        // Where a user item's dash is (the list's indentation).
        let udash = uitems
            .first()
            .and_then(|f| dash_before(ut, f.start))
            .filter(|&d| starts_its_line(ut, d));
        let (udash0, udash_col) = match udash {
            Some(d) => (d, column(ut, d)),
            None if uitems.is_empty() => (0, 0),
            None => {
                self.fail("a list item is not alone on its line");
                return Some(node_value(u));
            }
        };
        let first_splice = self.splices.len();
        let n = uitems.len();
        let mut kept: Vec<Option<Value>> = vec![None; n];
        let mut before_first: Vec<Value> = Vec::new();
        let mut after: Vec<Vec<Value>> = vec![Vec::new(); n];
        for (i, un) in uitems.iter().enumerate() {
            let ix = &uids[i];
            path.push(if set {
                Segment::Index(i)
            } else {
                Segment::Item(ix.clone())
            });
            let uv = node_value(un);
            kept[i] = match (bmap.get(ix), vmap.get(ix)) {
                (Some(bn), Some(vn)) if !set => {
                    Some(self.merge_node(Some(bn), vn, un, path, keys, Place::Item))
                }
                (None, Some(vn)) if !set => {
                    Some(self.merge_node(None, vn, un, path, keys, Place::Item))
                }
                (Some(bn), None) => {
                    if set || uv == node_value(bn) {
                        self.delete_item(un);
                        self.vendor_changes += 1;
                        None
                    } else {
                        self.conflict(path, None, Some(uv.clone()));
                        Some(uv)
                    }
                }
                _ => Some(uv),
            };
            path.pop();
        }
        for (j, vn) in vitems.iter().enumerate() {
            let ix = &vids[j];
            if umap.contains_key(ix) {
                continue;
            }
            let vv = node_value(vn);
            if let Some(bn) = bmap.get(ix) {
                if !set && vv != node_value(bn) {
                    path.push(Segment::Item(ix.clone()));
                    self.conflict(path, Some(vv), None);
                    path.pop();
                }
                continue;
            }
            // A vendor addition: after the nearest preceding vendor item the
            // user has, else before the user's first item.
            if uitems.is_empty() {
                self.fail("cannot add an item to an empty flow list");
                return Some(node_value(u));
            }
            let pred = vids[..j].iter().rev().find_map(|p| umap.get(p).copied());
            let Some(vdash) = dash_before(vt, vn.start).filter(|&d| starts_its_line(vt, d)) else {
                self.fail("a vendor list item is not alone on its line");
                return Some(node_value(u));
            };
            let raw = vt[line_start(vt, vdash)..after_line(vt, vn.content_end(vt))].to_string();
            let mut body = self.fit(&raw, udash_col as isize - column(vt, vdash) as isize, true);
            if !body.ends_with('\n') {
                body.push_str(self.eol);
            }
            let at = match pred {
                Some(p) => {
                    after[p].push(vv);
                    after_line(ut, uitems[p].content_end(ut))
                }
                None => {
                    before_first.push(vv);
                    line_start(ut, udash0)
                }
            };
            if at == ut.len() && !ut.ends_with('\n') {
                body = format!("{}{body}", self.eol);
            }
            self.splice(at, at, body);
            self.vendor_changes += 1;
        }
        let mut merged = before_first;
        for (k, a) in kept.into_iter().zip(after) {
            merged.extend(k);
            merged.extend(a);
        }
        if merged.is_empty() {
            self.splices.truncate(first_splice);
            self.make_empty(u, place, "[]");
        }
        Some(Value::Seq(merged))
    }

    fn delete_item(&mut self, un: &Node) {
        let t: &str = &self.u.text;
        match dash_before(t, un.start).filter(|&d| starts_its_line(t, d)) {
            Some(d) if !un.is_empty_null() => {
                let s = line_start(t, d);
                let e = after_line(t, un.content_end(t));
                self.splice(s, e, String::new());
            }
            _ => self.fail("a list item to remove is not alone on its lines"),
        }
    }
}
