//! Which resources were deleted, so that a read after a
//! successful `DELETE` answers the documented 404 (what `resource_gone_after_delete` checks),
//! and a later create or replace at the same place brings it back.
//!
//! Paths are kept in an ordered map, so a write finds the deletes at and under its path with
//! one range lookup instead of a scan (a scan made writes slow after many deletes), and in
//! order of deletion, so beyond [`MAX_DELETED`] the oldest delete is forgotten first.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// How many deleted paths the mock remembers; beyond it the oldest is forgotten (and reads
/// there answer again), so a long fuzzing run cannot grow the mock without bound.
pub const MAX_DELETED: usize = 100_000;

/// Concrete paths (`/game/v1/player/heroes/42`) deleted and not re-created since.
#[derive(Debug, Default)]
pub struct Deleted {
    inner: Mutex<Paths>,
}

#[derive(Debug, Default)]
struct Paths {
    /// Deleted path → the sequence number of its delete.
    by_path: BTreeMap<String, u64>,
    /// Sequence number → path, oldest first.
    by_age: BTreeMap<u64, String>,
    next: u64,
}

impl Paths {
    fn remove(&mut self, path: &str) {
        if let Some(seq) = self.by_path.remove(path) {
            self.by_age.remove(&seq);
        }
    }
}

impl Deleted {
    /// Remember that `path` was deleted.
    pub fn delete(&self, path: &str) {
        let path = path.trim_end_matches('/');
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.remove(path);
        while p.by_path.len() >= MAX_DELETED {
            match p.by_age.pop_first() {
                Some((_, oldest)) => {
                    p.by_path.remove(&oldest);
                }
                None => break,
            }
        }
        let seq = p.next;
        p.next += 1;
        p.by_path.insert(path.to_owned(), seq);
        p.by_age.insert(seq, path.to_owned());
    }

    /// A successful write at `path` re-creates it and anything under it.
    pub fn write(&self, path: &str) {
        let path = path.trim_end_matches('/');
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if p.by_path.is_empty() {
            return;
        }
        p.remove(path);
        // Everything under `path/` sorts between `path/` and `path0` ('0' follows '/').
        let from = format!("{path}/");
        let to = format!("{path}0");
        let under: Vec<String> = p.by_path.range(from..to).map(|(k, _)| k.clone()).collect();
        for k in under {
            p.remove(&k);
        }
    }

    /// Whether `path` or a path above it is gone (a lost collection loses its items).
    pub fn is_under(&self, path: &str) -> bool {
        let p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if p.by_path.is_empty() {
            return false;
        }
        let mut at = path.trim_end_matches('/');
        loop {
            if p.by_path.contains_key(at) {
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
        let p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        !p.by_path.is_empty() && p.by_path.contains_key(path.trim_end_matches('/'))
    }

    /// How many deleted paths are remembered (never more than [`MAX_DELETED`]).
    pub fn len(&self) -> usize {
        let p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.by_path.len()
    }

    /// Whether no deleted path is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        d.delete("/heroes2/7");
        assert!(d.is_deleted("/heroes/1"));
        assert!(d.is_deleted("/heroes/2"));
        assert!(!d.is_deleted("/heroes/3"));
        d.write("/heroes/1");
        assert!(!d.is_deleted("/heroes/1"));
        d.write("/heroes");
        assert!(!d.is_deleted("/heroes/2"));
        assert!(
            d.is_deleted("/heroes2/7"),
            "a sibling with a longer name stays"
        );
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

    #[test]
    fn the_record_is_bounded_and_forgets_the_oldest_first() {
        let d = Deleted::default();
        for i in 0..MAX_DELETED + 10 {
            d.delete(&format!("/files/{i}"));
        }
        assert_eq!(d.len(), MAX_DELETED);
        assert!(!d.is_deleted("/files/0"));
        assert!(!d.is_deleted("/files/9"));
        assert!(d.is_deleted("/files/10"));
        assert!(d.is_deleted(&format!("/files/{}", MAX_DELETED + 9)));
    }
}
