//! A first pass over the YAML event stream, before any tree is built: it refuses what would make
//! building the tree unbounded or misleading (aliases, which the YAML loader expands by copying;
//! nesting deeper than a spec ever needs, which every recursive reader after the loader would
//! follow) and names the JSON pointer of the node where a syntax error stopped the parser.
//! It keeps one frame per open collection and builds a pointer only when it reports.

use std::collections::HashSet;

use saphyr_parser::{Event, Parser, Span};

use crate::pointer;

/// The deepest nesting of collections a spec may use. The deepest real spec here nests about
/// 20 levels; 64 leaves room and keeps every recursive reader far from the stack's end.
pub const MAX_DEPTH: usize = 64;

/// What the first pass refused.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The parser stopped.
    Syntax(String),
    /// `*name`: a copy of an anchored node.
    Alias,
    /// More than [`MAX_DEPTH`] nested collections.
    TooDeep,
    /// A mapping or sequence used as a mapping key.
    ComplexKey,
    /// A key that appears twice in one mapping.
    DuplicateKey,
}

/// A refusal with the pointer of the node and its 1-based line and column.
#[derive(Debug)]
pub(crate) struct Found {
    pub refusal: Refusal,
    pub pointer: String,
    pub line: usize,
    pub col: usize,
}

enum Frame {
    Seq(usize),
    /// The key being read, with its 1-based line and column (a refusal of its value is shown
    /// at the key, as the loaded document places mapping values).
    Map {
        key: Option<(String, usize, usize)>,
        seen: HashSet<String>,
    },
}

/// Scan `text`; the first refusal, if any.
pub(crate) fn scan(text: &str) -> Result<(), Found> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                return Err(Found {
                    refusal: Refusal::Syntax(e.info().to_owned()),
                    pointer: current(&frames),
                    line: e.marker().line(),
                    col: e.marker().col() + 1,
                });
            }
        };
        let at_key = matches!(frames.last(), Some(Frame::Map { key: None, .. }));
        let refuse = |refusal, frames: &[Frame], span: Span| {
            let (line, col) = match frames.last() {
                Some(Frame::Map {
                    key: Some((_, line, col)),
                    ..
                }) => (*line, *col),
                _ => (span.start.line(), span.start.col() + 1),
            };
            Found {
                refusal,
                pointer: current(frames),
                line,
                col,
            }
        };
        match event {
            Event::Scalar(text, ..) if at_key => {
                if let Some(Frame::Map { key, seen }) = frames.last_mut() {
                    let twice = !seen.insert(text.to_string());
                    *key = Some((text.into_owned(), span.start.line(), span.start.col() + 1));
                    if twice {
                        return Err(refuse(Refusal::DuplicateKey, &frames, span));
                    }
                }
            }
            Event::Scalar(..) => value_done(&mut frames),
            Event::Alias(_) => return Err(refuse(Refusal::Alias, &frames, span)),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if at_key {
                    return Err(refuse(Refusal::ComplexKey, &frames, span));
                }
                if frames.len() >= MAX_DEPTH {
                    return Err(refuse(Refusal::TooDeep, &frames, span));
                }
                frames.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(0)
                } else {
                    Frame::Map {
                        key: None,
                        seen: HashSet::new(),
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                frames.pop();
                value_done(&mut frames);
            }
            _ => {}
        }
    }
    Ok(())
}

/// The pointer of the last node that starts in `text` (a prefix of a document): where a
/// problem found at the end of the prefix, such as the first byte that is not UTF-8, belongs.
pub(crate) fn last_node(text: &str) -> String {
    let mut frames: Vec<Frame> = Vec::new();
    let mut last = String::new();
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, _))) = parser.next_event() {
        let at_key = matches!(frames.last(), Some(Frame::Map { key: None, .. }));
        match event {
            Event::Scalar(text, ..) if at_key => {
                if let Some(Frame::Map { key, .. }) = frames.last_mut() {
                    *key = Some((text.into_owned(), 0, 0));
                }
                last = current(&frames);
            }
            Event::Scalar(..) | Event::Alias(_) => {
                last = current(&frames);
                value_done(&mut frames);
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                last = current(&frames);
                frames.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(0)
                } else {
                    Frame::Map {
                        key: None,
                        seen: HashSet::new(),
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                frames.pop();
                value_done(&mut frames);
            }
            _ => {}
        }
    }
    last
}

/// A value of the innermost collection is complete: move to the next item or key.
fn value_done(frames: &mut [Frame]) {
    match frames.last_mut() {
        Some(Frame::Seq(i)) => *i += 1,
        Some(Frame::Map { key, .. }) => *key = None,
        None => {}
    }
}

/// The pointer of the node being read.
fn current(frames: &[Frame]) -> String {
    let mut out = String::new();
    for frame in frames {
        match frame {
            Frame::Seq(i) => out.push_str(&format!("/{i}")),
            Frame::Map {
                key: Some((k, _, _)),
                ..
            } => {
                out.push('/');
                out.push_str(&pointer::escape(k));
            }
            Frame::Map { key: None, .. } => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_is_refused_at_its_pointer() {
        let found = scan("a: &x [1]\nb:\n  c: *x\n").unwrap_err();
        assert!(matches!(found.refusal, Refusal::Alias));
        assert_eq!((found.pointer.as_str(), found.line), ("/b/c", 3));
    }

    #[test]
    fn a_duplicate_key_is_refused_at_its_second_place() {
        let found = scan("a:\n  b: 1\n  c: 2\n  b: 3\n").unwrap_err();
        assert!(matches!(found.refusal, Refusal::DuplicateKey));
        assert_eq!((found.pointer.as_str(), found.line), ("/a/b", 4));
    }

    #[test]
    fn the_last_node_of_a_prefix_is_named() {
        assert_eq!(last_node("a:\n  b: [1, 2]\n  c: caf"), "/a/c");
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        // Block style: the scanner's own limit only covers flow collections.
        let mut text = String::new();
        for depth in 0..1_000 {
            text.push_str(&format!("{}a:\n", " ".repeat(depth)));
        }
        text.push_str(&format!("{}b: 1\n", " ".repeat(1_000)));
        let found = scan(&text).unwrap_err();
        assert!(matches!(found.refusal, Refusal::TooDeep));
        assert_eq!(found.pointer, "/a".repeat(MAX_DEPTH));
        assert_eq!(found.line, MAX_DEPTH);
    }

    #[test]
    fn a_syntax_error_names_the_node_being_read() {
        let found = scan("paths:\n  /x:\n    get: {a: [1, 2}\n").unwrap_err();
        assert!(matches!(found.refusal, Refusal::Syntax(_)));
        assert!(
            found.pointer.starts_with("/paths/~1x/get"),
            "{}",
            found.pointer
        );
    }
}
