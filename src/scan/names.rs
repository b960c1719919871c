//! A map keyed by short names (import bindings), with a 256-bit filter in
//! front of the hash table.
//!
//! Nearly every name the extractor looks up (every call's first segment,
//! every name loaded anywhere in the file) is *not* an import binding. The
//! filter, indexed by the length and the first and last bytes of the name,
//! rejects most of them without hashing. Behind it, a file's few names are
//! compared in a list; past [`SMALL`] names they move to a table with std's
//! keyed SipHash: its keys come from the scanned code, which could otherwise
//! fill it with colliding names.

use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct NameMap<V> {
    filter: [u64; 4],
    /// The names while there are at most [`SMALL`], in insertion order.
    small: Vec<(String, V)>,
    /// All the names once there are more.
    map: HashMap<String, V>,
}

/// Names kept in the list before moving to the hash table.
const SMALL: usize = 16;

impl<V> Default for NameMap<V> {
    fn default() -> Self {
        Self {
            filter: [0; 4],
            small: Vec::new(),
            map: HashMap::new(),
        }
    }
}

#[inline]
fn slot(name: &str) -> usize {
    let bytes = name.as_bytes();
    let (first, last) = match (bytes.first(), bytes.last()) {
        (Some(&f), Some(&l)) => (u32::from(f), u32::from(l)),
        _ => (0, 0),
    };
    let key = (bytes.len() as u32) ^ (first << 8) ^ (last << 16);
    (key.wrapping_mul(0x9E37_79B1) >> 24) as usize
}

impl<V> NameMap<V> {
    #[inline]
    fn may_contain(&self, name: &str) -> bool {
        let s = slot(name);
        self.filter[s >> 6] & (1u64 << (s & 63)) != 0
    }

    #[inline]
    pub fn get(&self, name: &str) -> Option<&V> {
        self.get_key_value(name).map(|(_, v)| v)
    }

    /// The stored key and value for `name`.
    #[inline]
    pub fn get_key_value(&self, name: &str) -> Option<(&str, &V)> {
        if !self.may_contain(name) {
            return None;
        }
        if self.map.is_empty() {
            return self
                .small
                .iter()
                .find(|(k, _)| k == name)
                .map(|(k, v)| (k.as_str(), v));
        }
        self.map.get_key_value(name).map(|(k, v)| (k.as_str(), v))
    }

    /// Binds `name` to `value`, replacing the value it had (the stored key
    /// stays), as `HashMap::insert`.
    pub fn insert(&mut self, name: String, value: V) {
        let s = slot(&name);
        self.filter[s >> 6] |= 1u64 << (s & 63);
        if !self.map.is_empty() {
            self.map.insert(name, value);
            return;
        }
        if let Some(entry) = self.small.iter_mut().find(|(k, _)| *k == name) {
            entry.1 = value;
            return;
        }
        if self.small.len() < SMALL {
            if self.small.capacity() == 0 {
                self.small.reserve_exact(SMALL);
            }
            self.small.push((name, value));
            return;
        }
        self.map.reserve(SMALL * 2);
        self.map.extend(self.small.drain(..));
        self.map.insert(name, value);
        self.small = Vec::new();
    }

    pub fn is_empty(&self) -> bool {
        self.small.is_empty() && self.map.is_empty()
    }

    pub fn len(&self) -> usize {
        self.small.len() + self.map.len()
    }
}

/// Hasher for integer keys the extractor numbers itself (never for text):
/// a multiply, with the well-mixed high bits rotated down to where the table
/// takes its bucket index.
#[derive(Default)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0.rotate_left(32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_never_hides_a_name() {
        let mut map = NameMap::default();
        for (i, name) in ["pd", "np", "", "x", "dagster", "é", "TYPE_CHECKING"]
            .iter()
            .enumerate()
        {
            map.insert((*name).to_string(), i);
        }
        assert_eq!(map.get("pd"), Some(&0));
        assert_eq!(map.get(""), Some(&2));
        assert_eq!(map.get("é"), Some(&5));
        assert_eq!(map.get("TYPE_CHECKING"), Some(&6));
        assert_eq!(map.get("pandas"), None);
        assert_eq!(map.get("p"), None);
        assert_eq!(map.len(), 7);
    }

    #[test]
    fn list_and_table_agree() {
        let mut map = NameMap::default();
        let mut reference = HashMap::new();
        for i in 0..(SMALL * 3) {
            for name in [format!("n{i}"), format!("n{}", i / 2)] {
                map.insert(name.clone(), i);
                reference.insert(name, i);
                assert_eq!(map.len(), reference.len());
                for j in 0..(SMALL * 3 + 2) {
                    let probe = format!("n{j}");
                    assert_eq!(map.get(&probe), reference.get(&probe), "{probe}");
                }
            }
        }
    }
}
