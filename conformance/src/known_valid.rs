//! Bodies known to validate against a schema, so the same bytes are not parsed and checked
//! again: the mock's answers filled from game state (a player reading the same state gets the
//! same bytes) and the runner's C005 (a server answers a fuzz run with the same error bodies
//! and examples again and again).
//!
//! Validation depends only on the schema and the bytes. An entry holds the validator itself,
//! so its address, part of the key, cannot be reused by another schema while it is
//! remembered, and the whole body, compared in full on a hit: the hash in the key only finds
//! the candidate, so a collision cannot let an invalid body through. Only bodies of at most
//! `largest` bytes are kept, and at most `entries` of them.

use std::hash::BuildHasher;
use std::num::NonZeroUsize;
use std::sync::Arc;

use jsonschema::Validator;

/// The validator's address and the body's hash.
type Key = (usize, u64);

/// The validator and the body an entry stands for.
type Entry = (Arc<Validator>, Box<[u8]>);

/// A bounded least-recently-used set of (validator, body) pairs that validated.
pub struct KnownValid {
    seen: lru::LruCache<Key, Entry>,
    largest: usize,
}

impl KnownValid {
    /// At most `entries` bodies of at most `largest` bytes each.
    pub fn new(entries: usize, largest: usize) -> KnownValid {
        KnownValid {
            seen: lru::LruCache::new(NonZeroUsize::new(entries).unwrap_or(NonZeroUsize::MIN)),
            largest,
        }
    }

    fn key(validator: &Arc<Validator>, body: &[u8]) -> Key {
        let hash = foldhash::fast::FixedState::with_seed(0x6761_6d65_7370_6563).hash_one(body);
        (Arc::as_ptr(validator) as usize, hash)
    }

    /// Whether `body` was found valid against `validator`.
    pub fn known(&mut self, validator: &Arc<Validator>, body: &[u8]) -> bool {
        body.len() <= self.largest
            && self
                .seen
                .get(&Self::key(validator, body))
                .is_some_and(|(v, b)| Arc::ptr_eq(v, validator) && **b == *body)
    }

    /// Remember that `body` is valid against `validator` (unless it is too large to keep).
    pub fn remember(&mut self, validator: &Arc<Validator>, body: &[u8]) {
        if body.len() <= self.largest {
            let entry = (validator.clone(), body.into());
            self.seen.put(Self::key(validator, body), entry);
        }
    }

    /// How many bodies are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

impl std::fmt::Debug for KnownValid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownValid")
            .field("len", &self.len())
            .field("largest", &self.largest)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_same_body_for_the_same_validator_is_known() {
        let ints = Arc::new(jsonschema::validator_for(&json!({"type": "integer"})).unwrap());
        let same = Arc::new(jsonschema::validator_for(&json!({"type": "integer"})).unwrap());
        let mut known = KnownValid::new(2, 8);
        assert!(!known.known(&ints, b"1"));
        known.remember(&ints, b"1");
        assert!(known.known(&ints, b"1"));
        assert!(!known.known(&ints, b"2"), "another body");
        assert!(
            !known.known(&same, b"1"),
            "another validator, even of the same schema"
        );
        known.remember(&ints, b"123456789");
        assert!(
            !known.known(&ints, b"123456789"),
            "large bodies are not kept"
        );
        known.remember(&ints, b"2");
        known.remember(&ints, b"3");
        assert_eq!(known.len(), 2, "at most `entries`");
        assert!(
            !known.known(&ints, b"1"),
            "the least recently used went first"
        );
    }
}
