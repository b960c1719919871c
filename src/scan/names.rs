//! A map keyed by short names (import bindings), with a 256-bit filter in
//! front of the hash table.
//!
//! Nearly every name the extractor looks up (every call's first segment,
//! every name loaded anywhere in the file) is *not* an import binding. The
//! filter, indexed by the length and the first and last bytes of the name,
//! rejects most of them without hashing. The table behind it keeps std's
//! keyed SipHash: its keys come from the scanned code, which could otherwise
//! fill it with colliding names.

use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct NameMap<V> {
    filter: [u64; 4],
    map: HashMap<String, V>,
}

impl<V> Default for NameMap<V> {
    fn default() -> Self {
        Self {
            filter: [0; 4],
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
        if !self.may_contain(name) {
            return None;
        }
        self.map.get(name)
    }

    /// The stored key and value for `name`.
    #[inline]
    pub fn get_key_value(&self, name: &str) -> Option<(&str, &V)> {
        if !self.may_contain(name) {
            return None;
        }
        self.map.get_key_value(name).map(|(k, v)| (k.as_str(), v))
    }

    pub fn insert(&mut self, name: String, value: V) {
        let s = slot(&name);
        self.filter[s >> 6] |= 1u64 << (s & 63);
        self.map.insert(name, value);
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn len(&self) -> usize {
        self.map.len()
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
}
