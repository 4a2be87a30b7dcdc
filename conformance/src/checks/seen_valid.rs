//! Answers already found valid, remembered per thread so that the same body for the same
//! schema is not parsed and validated again.
//!
//! A server answers a fuzz run with the same bytes again and again (error bodies, fixed
//! examples), and parsing an answer into a JSON value was the largest single cost of judging
//! it. Validation depends only on the schema and the bytes, so a body that validated once
//! validates again. Entries hold the validator itself (so its address, part of the key, cannot
//! be reused by another schema while remembered) and the whole body, compared in full: a hash
//! only finds the candidate. Only small bodies are kept, and only a bounded number of them.

use std::cell::RefCell;
use std::hash::BuildHasher;
use std::num::NonZeroUsize;
use std::sync::Arc;

use jsonschema::Validator;

/// Bodies larger than this are not remembered.
const LARGEST: usize = 4 * 1024;

/// Remembered answers per thread (at most `LARGEST` bytes each: 2 MiB per thread).
const ENTRIES: usize = 512;

/// The validator's address and the body's hash.
type Key = (usize, u64);

/// The validator and the body an entry stands for.
type Entry = (Arc<Validator>, Box<str>);

thread_local! {
    static SEEN: RefCell<lru::LruCache<Key, Entry>> = RefCell::new(
        lru::LruCache::new(NonZeroUsize::new(ENTRIES).unwrap_or(NonZeroUsize::MIN)),
    );
}

fn key(validator: &Arc<Validator>, body: &str) -> Key {
    let hash = foldhash::fast::FixedState::with_seed(0x6761_6d65_7370_6563).hash_one(body);
    (Arc::as_ptr(validator) as usize, hash)
}

/// Whether `body` was found valid against `validator` on this thread.
pub(super) fn known(validator: &Arc<Validator>, body: &str) -> bool {
    if body.len() > LARGEST {
        return false;
    }
    let key = key(validator, body);
    SEEN.with(|seen| {
        seen.borrow_mut()
            .get(&key)
            .is_some_and(|(v, b)| Arc::ptr_eq(v, validator) && **b == *body)
    })
}

/// Remember that `body` is valid against `validator`.
pub(super) fn remember(validator: &Arc<Validator>, body: &str) {
    if body.len() > LARGEST {
        return;
    }
    let key = key(validator, body);
    SEEN.with(|seen| {
        seen.borrow_mut().put(key, (validator.clone(), body.into()));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_same_body_for_the_same_validator_is_known() {
        let ints = Arc::new(jsonschema::validator_for(&json!({"type": "integer"})).unwrap());
        let same = Arc::new(jsonschema::validator_for(&json!({"type": "integer"})).unwrap());
        assert!(!known(&ints, "1"));
        remember(&ints, "1");
        assert!(known(&ints, "1"));
        assert!(!known(&ints, "2"), "another body");
        assert!(
            !known(&same, "1"),
            "another validator, even of the same schema"
        );
        let large = "1".repeat(LARGEST + 1);
        remember(&ints, &large);
        assert!(!known(&ints, &large), "large bodies are not kept");
    }
}
