//! Bodies known to validate against a schema, so the same bytes are not parsed and checked
//! again: the mock's answers filled from game state (a player reading the same state gets the
//! same bytes) and the runner's C005 (a server answers a fuzz run with the same error bodies
//! and examples again and again).
//!
//! Validation depends only on the schema and the bytes. An entry holds the validator itself,
//! so its address, part of the key, cannot be reused by another schema while it is
//! remembered, and the whole body, compared in full on a hit: the hash in the key only finds
//! the candidate, so a collision cannot let an invalid body through. Only bodies of at most
//! `largest` bytes are kept, at most `entries` of them and at most `budget` bytes in all: a
//! fuzz run's large lists (an inventory of 1,000 grants is 300 KB) come back unchanged while
//! nothing writes to them, and parsing and validating them again cost far more than hashing and
//! comparing their bytes.

use std::hash::BuildHasher;
use std::num::NonZeroUsize;
use std::sync::Arc;

use jsonschema::Validator;

/// The validator's address and the body's hash.
type Key = (usize, u64);

/// The validator and the body an entry stands for.
type Entry = (Arc<Validator>, Box<[u8]>);

/// A body [`KnownValid::known`] did not know: what [`KnownValid::remember`] needs to keep it
/// without hashing it again (`None` for a body too large to keep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unknown(Option<Key>);

/// A bounded least-recently-used set of (validator, body) pairs that validated.
pub struct KnownValid {
    seen: lru::LruCache<Key, Entry>,
    largest: usize,
    budget: usize,
    /// The bytes of the bodies held.
    held: usize,
}

impl KnownValid {
    /// At most `entries` bodies of at most `largest` bytes each, `budget` bytes in all.
    pub fn new(entries: usize, largest: usize, budget: usize) -> KnownValid {
        KnownValid {
            seen: lru::LruCache::new(NonZeroUsize::new(entries).unwrap_or(NonZeroUsize::MIN)),
            largest: largest.min(budget),
            budget,
            held: 0,
        }
    }

    fn key(validator: &Arc<Validator>, body: &[u8]) -> Key {
        let hash = foldhash::fast::FixedState::with_seed(0x6761_6d65_7370_6563).hash_one(body);
        (Arc::as_ptr(validator) as usize, hash)
    }

    /// `Ok` when `body` was found valid against `validator`; else what
    /// [`remember`](Self::remember) takes, should it validate now.
    pub fn known(&mut self, validator: &Arc<Validator>, body: &[u8]) -> Result<(), Unknown> {
        if body.len() > self.largest {
            return Err(Unknown(None));
        }
        let key = Self::key(validator, body);
        match self.seen.get(&key) {
            Some((v, b)) if Arc::ptr_eq(v, validator) && **b == *body => Ok(()),
            _ => Err(Unknown(Some(key))),
        }
    }

    /// Remember that `body`, which [`known`](Self::known) did not know, is valid against
    /// `validator` (unless it is too large to keep).
    pub fn remember(&mut self, unknown: Unknown, validator: &Arc<Validator>, body: &[u8]) {
        let Unknown(Some(key)) = unknown else {
            return;
        };
        self.held += body.len();
        let entry = (validator.clone(), body.into());
        if let Some((_, (_, gone))) = self.seen.push(key, entry) {
            self.held -= gone.len();
        }
        while self.held > self.budget {
            match self.seen.pop_lru() {
                Some((_, (_, gone))) => self.held -= gone.len(),
                None => break,
            }
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
            .field("held", &self.held)
            .field("largest", &self.largest)
            .field("budget", &self.budget)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Look `body` up, and remember it when it was not known.
    fn learn(known: &mut KnownValid, validator: &Arc<Validator>, body: &[u8]) {
        if let Err(unknown) = known.known(validator, body) {
            known.remember(unknown, validator, body);
        }
    }

    #[test]
    fn only_the_same_body_for_the_same_validator_is_known() {
        let ints = Arc::new(jsonschema::validator_for(&json!({"type": "integer"})).unwrap());
        let same = Arc::new(jsonschema::validator_for(&json!({"type": "integer"})).unwrap());
        let mut known = KnownValid::new(2, 8, 16);
        assert!(known.known(&ints, b"1").is_err());
        learn(&mut known, &ints, b"1");
        assert!(known.known(&ints, b"1").is_ok());
        assert!(known.known(&ints, b"2").is_err(), "another body");
        assert!(
            known.known(&same, b"1").is_err(),
            "another validator, even of the same schema"
        );
        assert_eq!(
            known.known(&ints, b"123456789"),
            Err(Unknown(None)),
            "large bodies are not kept"
        );
        learn(&mut known, &ints, b"123456789");
        assert_eq!(known.len(), 1);
        learn(&mut known, &ints, b"2");
        learn(&mut known, &ints, b"3");
        assert_eq!(known.len(), 2, "at most `entries`");
        assert!(
            known.known(&ints, b"1").is_err(),
            "the least recently used went first"
        );
    }

    #[test]
    fn the_bytes_held_stay_within_the_budget() {
        let strings = Arc::new(jsonschema::validator_for(&json!({"type": "string"})).unwrap());
        let body = |c: char| format!("\"{}\"", c.to_string().repeat(5)).into_bytes();
        let mut known = KnownValid::new(8, 7, 16);
        learn(&mut known, &strings, &body('a'));
        learn(&mut known, &strings, &body('b'));
        assert_eq!(known.len(), 2, "7 + 7 bytes fit in 16");
        // Two lookups that both missed (two threads of the mock), both remembered.
        let (first, second) = (
            known.known(&strings, &body('c')).unwrap_err(),
            known.known(&strings, &body('c')).unwrap_err(),
        );
        known.remember(first, &strings, &body('c'));
        known.remember(second, &strings, &body('c'));
        assert_eq!(known.held, 14, "the same body twice is held once");
        assert_eq!(
            known.len(),
            2,
            "a third would make 21 bytes: the oldest goes"
        );
        assert!(known.known(&strings, &body('a')).is_err());
        assert!(
            known.known(&strings, &body('b')).is_ok() && known.known(&strings, &body('c')).is_ok()
        );
        assert_eq!(known.held, 14);
    }
}
