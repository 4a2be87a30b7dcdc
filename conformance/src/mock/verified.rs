//! JWTs the mock has verified already, so that a client presenting the same token on every call
//! pays for the signature and the claims schema once, not per request.
//!
//! Only what cannot change is cached: that the signature is the mock's and that the claims
//! validate against the scheme's claims schema. The time claims (`exp`, `nbf`, `iat`) are kept
//! as numbers and checked again at every use, so a cached token that expires is refused from
//! that second on, exactly as an uncached one would be. Each scheme has its own bounded
//! least-recently-used set (a token may satisfy one scheme's claims and not another's).

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use serde_json::Value;

/// The time claims of a verified token, in seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// Expiry (`exp`): refused once the clock is past it.
    pub exp: u64,
    /// Not before (`nbf`): refused while the clock is before it.
    pub nbf: Option<u64>,
    /// Issued at (`iat`): a token issued in the future is refused.
    pub iat: Option<u64>,
}

impl Times {
    /// The time claims of `claims`, when every present one is a number the checks can compare
    /// (`None` otherwise: such a token is not cached, and is verified in full at each use).
    pub fn of(claims: &Value) -> Option<Times> {
        // Outer `None`: present but not a usable number; inner `None`: absent.
        let optional = |name: &str| match claims.get(name) {
            None => Some(None),
            Some(v) => seconds(v).map(Some),
        };
        Some(Times {
            exp: claims.get("exp").and_then(seconds)?,
            nbf: optional("nbf")?,
            iat: optional("iat")?,
        })
    }

    /// Whether a token with these claims is valid at `now`: the same rules as the full check
    /// (jsonwebtoken's `exp` and `nbf` without leeway, and no `iat` in the future).
    pub fn valid_at(&self, now: u64) -> bool {
        self.exp >= now
            && self.nbf.is_none_or(|nbf| nbf <= now)
            && self.iat.is_none_or(|iat| iat <= now)
    }
}

/// A claim as whole seconds; fractions are cut as jsonwebtoken cuts them (toward zero).
fn seconds(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f < u64::MAX as f64)
            .map(|f| f as u64)
    })
}

/// Verified tokens by scheme name, each scheme's set holding at most `cap` tokens.
pub struct Verified {
    cap: NonZeroUsize,
    by_scheme: Mutex<HashMap<String, lru::LruCache<String, Times>>>,
}

impl Verified {
    /// An empty cache keeping at most `cap` tokens per scheme.
    pub fn new(cap: NonZeroUsize) -> Verified {
        Verified {
            cap,
            by_scheme: Mutex::new(HashMap::new()),
        }
    }

    /// The time claims of `token` if it was verified for `scheme` and is still remembered.
    pub fn get(&self, scheme: &str, token: &str) -> Option<Times> {
        let mut map = self.by_scheme.lock().ok()?;
        map.get_mut(scheme)?.get(token).copied()
    }

    /// Remember that `token` verified for `scheme`, with its time claims.
    pub fn put(&self, scheme: &str, token: &str, times: Times) {
        let Ok(mut map) = self.by_scheme.lock() else {
            return;
        };
        if !map.contains_key(scheme) {
            map.insert(scheme.to_owned(), lru::LruCache::new(self.cap));
        }
        if let Some(set) = map.get_mut(scheme) {
            set.put(token.to_owned(), times);
        }
    }

    /// Forget `token` for every scheme.
    pub fn forget(&self, token: &str) {
        if let Ok(mut map) = self.by_scheme.lock() {
            for set in map.values_mut() {
                set.pop(token);
            }
        }
    }

    /// How many tokens are remembered, over all schemes.
    pub fn len(&self) -> usize {
        self.by_scheme
            .lock()
            .map(|m| m.values().map(lru::LruCache::len).sum())
            .unwrap_or(0)
    }

    /// Whether no token is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn time_claims_are_checked_at_each_use() {
        let t = Times::of(&json!({"exp": 100, "nbf": 50, "iat": 40})).unwrap();
        assert!(!t.valid_at(39), "issued in the future");
        assert!(!t.valid_at(49), "not valid yet");
        assert!(t.valid_at(50));
        assert!(
            t.valid_at(100),
            "valid through its exp second, as jsonwebtoken"
        );
        assert!(!t.valid_at(101), "expired");
    }

    #[test]
    fn tokens_without_a_usable_exp_are_not_cached() {
        assert_eq!(Times::of(&json!({"iat": 1})), None);
        assert_eq!(Times::of(&json!({"exp": "soon"})), None);
        assert_eq!(Times::of(&json!({"exp": 10, "nbf": "x"})), None);
        assert_eq!(
            Times::of(&json!({"exp": 10.7})),
            Some(Times {
                exp: 10,
                nbf: None,
                iat: None
            })
        );
    }

    #[test]
    fn each_scheme_keeps_a_bounded_set() {
        let cache = Verified::new(NonZeroUsize::new(2).unwrap());
        let t = Times::of(&json!({"exp": 1})).unwrap();
        for token in ["a", "b", "c"] {
            cache.put("user", token, t);
        }
        cache.put("server", "a", t);
        assert_eq!(cache.get("user", "a"), None, "the oldest is forgotten");
        assert_eq!(cache.get("user", "c"), Some(t));
        assert_eq!(
            cache.get("server", "b"),
            None,
            "verified for another scheme only"
        );
        assert_eq!(cache.len(), 3);
        cache.forget("c");
        assert_eq!(cache.get("user", "c"), None);
    }
}
