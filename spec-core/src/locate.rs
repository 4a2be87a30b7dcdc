//! Source positions of spec nodes, keyed by JSON pointer.

use std::collections::HashMap;

/// A 1-based line and column in the spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

/// The position of every node of a loaded document.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    by_pointer: HashMap<String, Position>,
}

impl Locations {
    pub(crate) fn insert(&mut self, pointer: String, position: Position) {
        self.by_pointer.insert(pointer, position);
    }

    /// The position of `pointer`, or of its closest ancestor that exists (a pointer into a node
    /// that is missing, such as a required field, is reported at its parent).
    pub fn nearest(&self, pointer: &str) -> Position {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.by_pointer.get(p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Position { line: 1, col: 1 },
            }
        }
    }
}
