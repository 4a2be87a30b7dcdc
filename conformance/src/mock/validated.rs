//! Answers filled from game state that validated already: a player reading the same state
//! again gets byte-for-byte the same answer, which need not be checked against its schema
//! again. Keyed by operation, status and the serialized answer itself (not a hash of it, so a
//! collision cannot let an invalid answer through), in a bounded least-recently-used set.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use axum::body::Bytes;

/// How many validated answers are remembered (a few hundred bytes to a few KiB each).
pub const MAX_VALIDATED: usize = 1024;

/// The set of (operation index, status, serialized answer) known to validate.
pub struct Validated {
    seen: Mutex<lru::LruCache<(usize, u16, Bytes), ()>>,
}

impl Default for Validated {
    fn default() -> Self {
        let cap = NonZeroUsize::new(MAX_VALIDATED).unwrap_or(NonZeroUsize::MIN);
        Validated {
            seen: Mutex::new(lru::LruCache::new(cap)),
        }
    }
}

impl std::fmt::Debug for Validated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validated")
            .field("len", &self.len())
            .finish()
    }
}

impl Validated {
    /// Whether `answer` of operation `index` with `status` validated before; `check` decides
    /// (and a passing answer is remembered) when it was not seen.
    pub fn check(
        &self,
        index: usize,
        status: u16,
        answer: &Bytes,
        check: impl FnOnce() -> bool,
    ) -> bool {
        let key = (index, status, answer.clone());
        if self.seen.lock().is_ok_and(|mut s| s.get(&key).is_some()) {
            return true;
        }
        let valid = check();
        if valid && let Ok(mut seen) = self.seen.lock() {
            seen.put(key, ());
        }
        valid
    }

    /// How many answers are remembered.
    pub fn len(&self) -> usize {
        self.seen.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_answers_that_passed_are_remembered() {
        let v = Validated::default();
        let a = Bytes::from_static(b"{\"a\":1}");
        assert!(!v.check(0, 200, &a, || false));
        assert!(v.check(0, 200, &a, || true));
        assert!(v.check(0, 200, &a, || panic!("checked again")));
        assert!(
            !v.check(1, 200, &a, || false),
            "another operation is checked"
        );
        assert_eq!(v.len(), 1);
    }
}
