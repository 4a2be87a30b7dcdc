//! A shared, redacting store of credentials keyed by security scheme name.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Credentials by security scheme name (`sessionToken`, `userJwt`, …). Clones share the store, so
/// a token captured by one request is used by the next. `Debug` never shows a value.
#[derive(Clone, Default)]
pub struct CredentialStore {
    values: Arc<RwLock<BTreeMap<String, String>>>,
}

impl fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.read().keys().map(|k| (k, "<redacted>")))
            .finish()
    }
}

impl CredentialStore {
    // The map is never left half-written by a panic, so a poisoned lock is still usable.
    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, String>> {
        self.values.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, String>> {
        self.values.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The credential for `scheme`.
    pub fn get(&self, scheme: &str) -> Option<String> {
        self.read().get(scheme).cloned()
    }

    /// Set the credential for `scheme`.
    pub fn set(&self, scheme: &str, value: impl Into<String>) {
        self.write().insert(scheme.to_owned(), value.into());
    }

    /// Forget the credential for `scheme`.
    pub fn clear(&self, scheme: &str) {
        self.write().remove(scheme);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_and_clones_share() {
        let a = CredentialStore::default();
        let b = a.clone();
        a.set("sessionToken", "s3cr3t");
        assert_eq!(b.get("sessionToken").as_deref(), Some("s3cr3t"));
        let shown = format!("{b:?}");
        assert!(
            !shown.contains("s3cr3t") && shown.contains("<redacted>"),
            "{shown}"
        );
        b.clear("sessionToken");
        assert_eq!(a.get("sessionToken"), None);
    }
}
