//! [`Mapping`]: the string-keyed, insertion-ordered map of [`Value`].
//!
//! Most mappings of a Kubernetes object hold a handful of keys
//! (`metadata`, `labels`, a container, an env entry): for them a vector of
//! entries searched from the front is smaller and faster than a hash map.
//! The 50,000-resource diff benchmark holds two renders at once, and this
//! layout takes a rendered resource from about 2.7 KiB to about half of
//! it. A mapping that grows past [`INDEXED`] keys (a CRD's `properties`,
//! a large ConfigMap) gets a hash index of its entries' positions, so
//! lookups stay O(1) there.
//!
//! The API follows the subset of `indexmap::IndexMap` the code uses, with
//! the same meanings: `insert` keeps a replaced key in its place,
//! `shift_remove` keeps the order, `swap_remove` moves the last entry into
//! the hole, and equality ignores order.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use hashbrown::HashTable;

use super::Value;

/// From this many entries on, a mapping keeps a hash index.
const INDEXED: usize = 16;

/// A string-keyed mapping that keeps insertion order.
#[derive(Clone, Default)]
pub struct Mapping {
    entries: Vec<(String, Value)>,
    /// Positions in `entries` by key hash; only for large mappings (boxed
    /// so that a small mapping, and so every [`Value`], stays small).
    index: Option<Box<HashTable<u32>>>,
}

fn hash(key: &str) -> u64 {
    static STATE: OnceLock<RandomState> = OnceLock::new();
    STATE.get_or_init(RandomState::new).hash_one(key)
}

impl Mapping {
    pub fn new() -> Mapping {
        Mapping::default()
    }

    pub fn with_capacity(n: usize) -> Mapping {
        Mapping {
            entries: Vec::with_capacity(n),
            index: None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Rebuilds (or drops) the index after the positions changed.
    fn reindex(&mut self) {
        if self.entries.len() < INDEXED {
            self.index = None;
            return;
        }
        let mut t = self.index.take().unwrap_or_default();
        t.clear();
        t.reserve(self.entries.len(), |_| 0);
        for (i, (k, _)) in self.entries.iter().enumerate() {
            let entries = &self.entries;
            t.insert_unique(hash(k), i as u32, |&j| hash(&entries[j as usize].0));
        }
        self.index = Some(t);
    }

    /// Records the entry just pushed at the end.
    fn indexed_push(&mut self) {
        match &mut self.index {
            Some(t) => {
                let i = self.entries.len() - 1;
                let entries = &self.entries;
                t.insert_unique(hash(&entries[i].0), i as u32, |&j| {
                    hash(&entries[j as usize].0)
                });
            }
            None if self.entries.len() >= INDEXED => self.reindex(),
            None => {}
        }
    }

    /// The position of `key`.
    pub fn get_index_of<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> Option<usize> {
        let key = key.as_ref();
        match &self.index {
            Some(t) => t
                .find(hash(key), |&i| self.entries[i as usize].0 == key)
                .map(|&i| i as usize),
            None => self.entries.iter().position(|(k, _)| k == key),
        }
    }

    pub fn contains_key<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> bool {
        self.get_index_of(key).is_some()
    }

    pub fn get<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> Option<&Value> {
        self.get_index_of(key).map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q: AsRef<str> + ?Sized>(&mut self, key: &Q) -> Option<&mut Value> {
        self.get_index_of(key).map(|i| &mut self.entries[i].1)
    }

    pub fn get_key_value<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> Option<(&String, &Value)> {
        self.get_index_of(key).map(|i| {
            let (k, v) = &self.entries[i];
            (k, v)
        })
    }

    pub fn get_full<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> Option<(usize, &String, &Value)> {
        self.get_index_of(key).map(|i| {
            let (k, v) = &self.entries[i];
            (i, k, v)
        })
    }

    pub fn get_index(&self, i: usize) -> Option<(&String, &Value)> {
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    pub fn get_index_mut(&mut self, i: usize) -> Option<(&String, &mut Value)> {
        self.entries.get_mut(i).map(|(k, v)| (&*k, v))
    }

    pub fn first(&self) -> Option<(&String, &Value)> {
        self.get_index(0)
    }

    pub fn last(&self) -> Option<(&String, &Value)> {
        self.entries.last().map(|(k, v)| (k, v))
    }

    /// Inserts or replaces (a replaced key keeps its place); returns the
    /// value replaced.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        self.insert_full(key, value).1
    }

    /// [`Mapping::insert`] with the entry's position.
    pub fn insert_full(&mut self, key: String, value: Value) -> (usize, Option<Value>) {
        match self.get_index_of(&key) {
            Some(i) => (i, Some(std::mem::replace(&mut self.entries[i].1, value))),
            None => {
                self.entries.push((key, value));
                self.indexed_push();
                (self.entries.len() - 1, None)
            }
        }
    }

    /// Inserts a new key at position `at` (or replaces the value of an
    /// existing key, which stays where it is); returns the position and the
    /// value replaced.
    pub fn shift_insert(&mut self, at: usize, key: String, value: Value) -> Option<Value> {
        if let Some(i) = self.get_index_of(&key) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        self.entries.insert(at, (key, value));
        self.reindex();
        None
    }

    /// Removes `key`, keeping the order of the others.
    pub fn shift_remove<Q: AsRef<str> + ?Sized>(&mut self, key: &Q) -> Option<Value> {
        self.shift_remove_entry(key).map(|(_, v)| v)
    }

    pub fn shift_remove_entry<Q: AsRef<str> + ?Sized>(
        &mut self,
        key: &Q,
    ) -> Option<(String, Value)> {
        let i = self.get_index_of(key)?;
        let e = self.entries.remove(i);
        if self.index.is_some() {
            self.reindex();
        }
        Some(e)
    }

    pub fn shift_remove_index(&mut self, i: usize) -> Option<(String, Value)> {
        if i >= self.entries.len() {
            return None;
        }
        let e = self.entries.remove(i);
        if self.index.is_some() {
            self.reindex();
        }
        Some(e)
    }

    /// Removes `key`, moving the last entry into its place.
    pub fn swap_remove<Q: AsRef<str> + ?Sized>(&mut self, key: &Q) -> Option<Value> {
        self.swap_remove_entry(key).map(|(_, v)| v)
    }

    /// [`Mapping::shift_remove`] with the position and the key.
    pub fn shift_remove_full<Q: AsRef<str> + ?Sized>(
        &mut self,
        key: &Q,
    ) -> Option<(usize, String, Value)> {
        let i = self.get_index_of(key)?;
        self.shift_remove_index(i).map(|(k, v)| (i, k, v))
    }

    /// [`Mapping::swap_remove`] with the position and the key.
    pub fn swap_remove_full<Q: AsRef<str> + ?Sized>(
        &mut self,
        key: &Q,
    ) -> Option<(usize, String, Value)> {
        let i = self.get_index_of(key)?;
        self.swap_remove_index(i).map(|(k, v)| (i, k, v))
    }

    pub fn swap_remove_entry<Q: AsRef<str> + ?Sized>(
        &mut self,
        key: &Q,
    ) -> Option<(String, Value)> {
        let i = self.get_index_of(key)?;
        self.swap_remove_index(i)
    }

    pub fn swap_remove_index(&mut self, i: usize) -> Option<(String, Value)> {
        if i >= self.entries.len() {
            return None;
        }
        let e = self.entries.swap_remove(i);
        if self.index.is_some() {
            self.reindex();
        }
        Some(e)
    }

    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    pub fn pop(&mut self) -> Option<(String, Value)> {
        let e = self.entries.pop();
        if self.index.is_some() {
            self.reindex();
        }
        e
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = None;
    }

    pub fn truncate(&mut self, n: usize) {
        self.entries.truncate(n);
        if self.index.is_some() {
            self.reindex();
        }
    }

    pub fn reserve(&mut self, n: usize) {
        self.entries.reserve(n);
    }

    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
        if let Some(t) = &mut self.index {
            let entries = &self.entries;
            t.shrink_to_fit(|&j| hash(&entries[j as usize].0));
        }
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        let before = self.entries.len();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        if self.entries.len() != before && self.index.is_some() {
            self.reindex();
        }
    }

    pub fn sort_keys(&mut self) {
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        self.reindex();
    }

    pub fn sort_by(
        &mut self,
        mut cmp: impl FnMut(&String, &Value, &String, &Value) -> std::cmp::Ordering,
    ) {
        self.entries.sort_by(|a, b| cmp(&a.0, &a.1, &b.0, &b.1));
        self.reindex();
    }

    pub fn sort_unstable_keys(&mut self) {
        self.entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.reindex();
    }

    pub fn sort_unstable_by(
        &mut self,
        mut cmp: impl FnMut(&String, &Value, &String, &Value) -> std::cmp::Ordering,
    ) {
        self.entries
            .sort_unstable_by(|a, b| cmp(&a.0, &a.1, &b.0, &b.1));
        self.reindex();
    }

    pub fn reverse(&mut self) {
        self.entries.reverse();
        self.reindex();
    }

    /// Moves the entry at `from` to `to`, shifting the ones between.
    pub fn move_index(&mut self, from: usize, to: usize) {
        let e = self.entries.remove(from);
        self.entries.insert(to, e);
        self.reindex();
    }

    pub fn swap_indices(&mut self, a: usize, b: usize) {
        self.entries.swap(a, b);
        self.reindex();
    }

    /// Removes the entries in `range` and returns them, in order.
    pub fn drain(
        &mut self,
        range: impl std::ops::RangeBounds<usize>,
    ) -> std::vec::IntoIter<(String, Value)> {
        let out: Vec<_> = self.entries.drain(range).collect();
        self.reindex();
        out.into_iter()
    }

    pub fn entry(&mut self, key: String) -> Entry<'_> {
        match self.get_index_of(&key) {
            Some(i) => Entry::Occupied(OccupiedEntry { map: self, i }),
            None => Entry::Vacant(VacantEntry { map: self, key }),
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = String> + ExactSizeIterator {
        self.entries.into_iter().map(|(k, _)| k)
    }

    pub fn into_values(self) -> impl DoubleEndedIterator<Item = Value> + ExactSizeIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }
}

/// A place in a [`Mapping`], from [`Mapping::entry`].
pub enum Entry<'a> {
    Occupied(OccupiedEntry<'a>),
    Vacant(VacantEntry<'a>),
}

pub struct OccupiedEntry<'a> {
    map: &'a mut Mapping,
    i: usize,
}

pub struct VacantEntry<'a> {
    map: &'a mut Mapping,
    key: String,
}

impl<'a> OccupiedEntry<'a> {
    pub fn key(&self) -> &String {
        &self.map.entries[self.i].0
    }
    pub fn index(&self) -> usize {
        self.i
    }
    pub fn get(&self) -> &Value {
        &self.map.entries[self.i].1
    }
    pub fn get_mut(&mut self) -> &mut Value {
        &mut self.map.entries[self.i].1
    }
    pub fn into_mut(self) -> &'a mut Value {
        &mut self.map.entries[self.i].1
    }
    pub fn insert(&mut self, v: Value) -> Value {
        std::mem::replace(self.get_mut(), v)
    }
    pub fn shift_remove(self) -> Value {
        self.map
            .shift_remove_index(self.i)
            .map(|(_, v)| v)
            .unwrap_or_default()
    }
}

impl<'a> VacantEntry<'a> {
    pub fn key(&self) -> &String {
        &self.key
    }
    pub fn insert(self, v: Value) -> &'a mut Value {
        let m = self.map;
        m.entries.push((self.key, v));
        m.indexed_push();
        let i = m.entries.len() - 1;
        &mut m.entries[i].1
    }
}

impl<'a> Entry<'a> {
    pub fn key(&self) -> &String {
        match self {
            Entry::Occupied(o) => o.key(),
            Entry::Vacant(v) => v.key(),
        }
    }
    pub fn or_insert(self, v: Value) -> &'a mut Value {
        self.or_insert_with(|| v)
    }
    pub fn or_insert_with(self, f: impl FnOnce() -> Value) -> &'a mut Value {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(f()),
        }
    }
    pub fn or_insert_with_key(self, f: impl FnOnce(&String) -> Value) -> &'a mut Value {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                let value = f(&v.key);
                v.insert(value)
            }
        }
    }
    pub fn index(&self) -> usize {
        match self {
            Entry::Occupied(o) => o.i,
            Entry::Vacant(v) => v.map.len(),
        }
    }
    pub fn or_default(self) -> &'a mut Value {
        self.or_insert_with(Value::default)
    }
    pub fn and_modify(mut self, f: impl FnOnce(&mut Value)) -> Self {
        if let Entry::Occupied(o) = &mut self {
            f(o.get_mut());
        }
        self
    }
}

/// Equal when both hold the same keys with equal values, in any order (as
/// `IndexMap` compares).
impl PartialEq for Mapping {
    fn eq(&self, other: &Mapping) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .enumerate()
                .all(|(i, (k, v))| match other.entries.get(i) {
                    // same place: the usual case
                    Some((k2, v2)) if k2 == k => v == v2,
                    _ => other.get(k) == Some(v),
                })
    }
}

impl fmt::Debug for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for Mapping {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).expect("Mapping: key not present")
    }
}

impl FromIterator<(String, Value)> for Mapping {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(it: I) -> Mapping {
        let mut m = Mapping::new();
        m.extend(it);
        m
    }
}

impl Extend<(String, Value)> for Mapping {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, it: I) {
        for (k, v) in it {
            self.insert(k, v);
        }
    }
}

impl<const N: usize> From<[(String, Value); N]> for Mapping {
    fn from(a: [(String, Value); N]) -> Mapping {
        a.into_iter().collect()
    }
}

/// Entries by reference, in order.
#[derive(Clone)]
pub struct Iter<'a>(std::slice::Iter<'a, (String, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Entries with mutable values, in order.
pub struct IterMut<'a>(std::slice::IterMut<'a, (String, Value)>);

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a String, &'a mut Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (&*k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for IterMut<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (&*k, v))
    }
}

impl ExactSizeIterator for IterMut<'_> {}

impl<'a> IntoIterator for &'a Mapping {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Mapping {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl IntoIterator for Mapping {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn a_value_stays_four_words() {
        assert_eq!(std::mem::size_of::<Value>(), 32);
    }

    /// Every operation, on a small mapping and on one large enough to be
    /// indexed, checked against the same operations on a plain vector.
    #[test]
    fn small_and_indexed_mappings_behave_alike() {
        for n in [3, INDEXED - 1, INDEXED, 100] {
            let mut m = Mapping::new();
            let mut model: Vec<(String, Value)> = Vec::new();
            for i in 0..n {
                assert_eq!(m.insert(format!("k{i}"), s("v")), None);
                model.push((format!("k{i}"), s("v")));
            }
            // a replaced key keeps its place
            assert_eq!(m.insert("k1".into(), s("w")), Some(s("v")));
            model[1].1 = s("w");
            assert_eq!(m.shift_remove("k0"), Some(s("v")));
            model.remove(0);
            assert_eq!(m.swap_remove("k2"), Some(s("v")));
            let i = model.iter().position(|(k, _)| k == "k2").unwrap();
            model.swap_remove(i);
            *m.entry("new".into()).or_default() = s("x");
            model.push(("new".into(), s("x")));
            m.retain(|k, _| k != "k1");
            model.retain(|(k, _)| k != "k1");
            m.shift_insert(0, "first".into(), Value::Null);
            model.insert(0, ("first".into(), Value::Null));
            let got: Vec<(String, Value)> = m.clone().into_iter().collect();
            assert_eq!(got, model, "n = {n}");
            for (i, (k, v)) in model.iter().enumerate() {
                assert_eq!(m.get_index_of(k), Some(i), "n = {n}, {k}");
                assert_eq!(m.get(k), Some(v));
            }
            assert_eq!(m.get("k0"), None);
            assert_eq!(m.get("k1"), None);
            // equality ignores order, as IndexMap's
            let mut rev: Mapping = model.iter().rev().cloned().collect();
            assert_eq!(m, rev);
            rev.insert("k3".into(), s("changed"));
            assert_ne!(m, rev);
            m.sort_keys();
            model.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(
                m.keys().collect::<Vec<_>>(),
                model.iter().map(|e| &e.0).collect::<Vec<_>>()
            );
            assert_eq!(m.get_index_of(&model[0].0), Some(0));
        }
    }
}
