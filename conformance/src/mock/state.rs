//! The one piece of state the mock keeps: which resources were deleted, so that a read after a
//! successful `DELETE` answers the documented 404 (what `resource_gone_after_delete` checks),
//! and a later create or replace at the same place brings it back.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// More deleted paths than this and the oldest knowledge is dropped (the set is cleared): the
/// mock must not grow without bound under a long fuzzing run.
const MAX_DELETED: usize = 100_000;

/// Concrete paths (`/game/v1/player/heroes/42`) deleted and not re-created since.
#[derive(Debug, Default)]
pub struct Deleted {
    paths: Mutex<HashSet<String>>,
}

impl Deleted {
    /// Remember that `path` was deleted.
    pub fn delete(&self, path: &str) {
        let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        if paths.len() >= MAX_DELETED {
            paths.clear();
        }
        paths.insert(path.trim_end_matches('/').to_owned());
    }

    /// A successful write at `path` re-creates it and anything under it.
    pub fn write(&self, path: &str) {
        let path = path.trim_end_matches('/');
        let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        if paths.is_empty() {
            return;
        }
        let under = format!("{path}/");
        paths.retain(|p| p != path && !p.starts_with(&under));
    }

    /// Whether `path` or a path above it is gone (a lost collection loses its items).
    pub fn is_under(&self, path: &str) -> bool {
        let paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        if paths.is_empty() {
            return false;
        }
        let mut at = path.trim_end_matches('/');
        loop {
            if paths.contains(at) {
                return true;
            }
            match at.rsplit_once('/') {
                Some((above, _)) if !above.is_empty() => at = above,
                _ => return false,
            }
        }
    }

    /// Whether `path` is gone.
    pub fn is_deleted(&self, path: &str) -> bool {
        let paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        !paths.is_empty() && paths.contains(path.trim_end_matches('/'))
    }
}

/// Who first touched each concrete path of a private resource (`x-private`), by the credential
/// presented: another credential gets the resource refused, as an owner-checking server would.
#[derive(Debug, Default)]
pub struct Owners {
    paths: Mutex<HashMap<String, String>>,
}

impl Owners {
    /// Whether `identity` may use `path`: yes when it owns it or nobody does yet (then it
    /// becomes the owner).
    pub fn claim(&self, path: &str, identity: &str) -> bool {
        let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        if paths.len() >= MAX_DELETED {
            paths.clear();
        }
        let owner = paths
            .entry(path.trim_end_matches('/').to_owned())
            .or_insert_with(|| identity.to_owned());
        owner == identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delete_is_undone_by_a_write_at_or_above_it() {
        let d = Deleted::default();
        d.delete("/heroes/1");
        d.delete("/heroes/2/");
        assert!(d.is_deleted("/heroes/1"));
        assert!(d.is_deleted("/heroes/2"));
        assert!(!d.is_deleted("/heroes/3"));
        d.write("/heroes/1");
        assert!(!d.is_deleted("/heroes/1"));
        d.write("/heroes");
        assert!(!d.is_deleted("/heroes/2"));
        d.delete("/heroes");
        assert!(d.is_under("/heroes/7") && d.is_under("/heroes") && !d.is_under("/hero"));
    }

    #[test]
    fn the_first_identity_owns_a_path() {
        let owners = Owners::default();
        assert!(owners.claim("/files/1", "alice"));
        assert!(owners.claim("/files/1/", "alice"));
        assert!(!owners.claim("/files/1", "bob"));
        assert!(owners.claim("/files/2", "bob"));
    }
}
