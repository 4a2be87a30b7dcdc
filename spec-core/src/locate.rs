//! Source positions of spec nodes, keyed by JSON pointer.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// A 1-based line and column in the spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

/// The position of every node of a loaded document.
///
/// Keyed by a 64-bit hash of each node's pointer, not the pointer itself: a spec has a node
/// for every scalar of its examples, and their pointers (often over 100 bytes) took 3 of the
/// 20 MB lootlocker's spec held once read, all of it written at start-up. Two pointers of one document sharing a
/// hash, the only way a position could be wrong, has odds of about n²/2⁶⁵ (10⁻¹⁰ for the 10⁵
/// nodes of our largest spec).
#[derive(Debug, Clone, Default)]
pub struct Locations {
    by_pointer: HashMap<u64, Position>,
}

/// The key of `pointer`: the same for the same text in every run (the hasher's keys are fixed).
fn key(pointer: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    pointer.hash(&mut hasher);
    hasher.finish()
}

impl Locations {
    pub(crate) fn insert(&mut self, pointer: &str, position: Position) {
        self.by_pointer.insert(key(pointer), position);
    }

    /// The position of `pointer`, or of its closest ancestor that exists (a pointer into a node
    /// that is missing, such as a required field, is reported at its parent).
    pub fn nearest(&self, pointer: &str) -> Position {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.by_pointer.get(&key(p)) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Position { line: 1, col: 1 },
            }
        }
    }
}

/// Where a problem is: the file, the 1-based line and column, and the JSON pointer of the node
/// (empty for the document itself, or where no node could be read, as in a syntax error at the
/// top level). Shown as `file:line:col: pointer`, the form editors and CI annotations read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The spec file, as given.
    pub path: std::path::PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// JSON pointer of the node the problem is about.
    pub pointer: String,
}

impl Location {
    /// The location of `pointer` in a document read from `path`, placed at the closest node
    /// that exists (a missing field is shown at its parent's line).
    pub fn of(path: &std::path::Path, locations: &Locations, pointer: &str) -> Location {
        let at = locations.nearest(pointer);
        Location {
            path: path.to_owned(),
            line: at.line,
            col: at.col,
            pointer: pointer.to_owned(),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.col)?;
        if !self.pointer.is_empty() {
            write!(f, ": {}", self.pointer)?;
        }
        Ok(())
    }
}
