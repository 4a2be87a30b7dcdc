//! Reading YAML text into a JSON tree and the position of every node, in one pass over the
//! parser's events. Reading the events ourselves, rather than loading a YAML tree and converting
//! it, keeps the pass bounded whatever the input: aliases are refused instead of expanded (a
//! "billion laughs" document stays small), nesting is capped at [`MAX_DEPTH`] (every reader after
//! this one recurses), duplicate keys are refused, and each refusal, syntax errors included,
//! names the JSON pointer of the node being read. Scalars resolve by the YAML 1.2 core schema.

use saphyr::Scalar;
use saphyr_parser::{Event, Parser, Span, Tag};
use serde_json::{Map, Number, Value};

use crate::locate::{Locations, Position};
use crate::pointer;

/// The deepest nesting of collections a spec may use. The deepest spec here nests about 20
/// levels; 64 leaves room and keeps every recursive reader far from the end of its stack.
pub const MAX_DEPTH: usize = 64;

/// Why the text was refused, with the pointer and 1-based position of the node.
#[derive(Debug)]
pub(crate) struct Found {
    /// A syntax error (the parser stopped) rather than a construct we refuse.
    pub syntax: bool,
    /// What is wrong.
    pub message: String,
    /// JSON pointer of the node being read.
    pub pointer: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

enum Frame {
    Seq {
        at: String,
        items: Vec<Value>,
    },
    Map {
        at: String,
        map: Map<String, Value>,
        /// The key whose value is being read, with its position (a value is placed at its key).
        key: Option<(String, Position)>,
    },
}

impl Frame {
    /// Pointer and position of the next child (a position only for a mapping value).
    fn child(&self) -> (String, Option<Position>) {
        match self {
            Frame::Seq { at, items } => (format!("{at}/{}", items.len()), None),
            Frame::Map { at, key, .. } => match key {
                Some((k, pos)) => (format!("{at}/{}", pointer::escape(k)), Some(*pos)),
                None => (at.clone(), None),
            },
        }
    }
}

fn position(span: &Span) -> Position {
    Position {
        line: span.start.line(),
        col: span.start.col() + 1,
    }
}

fn foreign(tag: Option<&Tag>) -> bool {
    tag.is_some_and(|t| !t.is_yaml_core_schema())
}

/// Read `text` (one YAML document) into JSON with positions.
pub(crate) fn read(text: &str) -> Result<(Value, Locations), Found> {
    let mut locations = Locations::default();
    let mut frames: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    let mut documents = 0;
    let mut parser = Parser::new_from_str(text);
    let refuse = |frames: &[Frame], pos: Position, message: String| {
        let pointer = frames.last().map(|f| f.child().0).unwrap_or_default();
        Found {
            syntax: false,
            message,
            pointer,
            line: pos.line,
            col: pos.col,
        }
    };
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                let recursion = e.info() == "recursion limit exceeded";
                return Err(Found {
                    syntax: !recursion,
                    message: if recursion {
                        format!(
                            "nesting too deep for the YAML parser; a spec nests at most \
                             {MAX_DEPTH} levels"
                        )
                    } else {
                        e.info().to_owned()
                    },
                    pointer: frames.last().map(|f| f.child().0).unwrap_or_default(),
                    line: e.marker().line(),
                    col: e.marker().col() + 1,
                });
            }
        };
        let at_key = matches!(frames.last(), Some(Frame::Map { key: None, .. }));
        // Where this node is shown: at its key when it is a mapping value.
        // Pointer and position of this node (a mapping value is shown at its key); built only
        // for the events that start a value.
        let node = || match frames.last() {
            Some(f) => {
                let (at, key) = f.child();
                (at, key.unwrap_or(position(&span)))
            }
            None => (String::new(), position(&span)),
        };
        let here = match event {
            Event::Scalar(..) if !at_key => node(),
            Event::Alias(_) | Event::SequenceStart(..) | Event::MappingStart(..) => node(),
            _ => (String::new(), position(&span)),
        };
        let (at, here) = here;
        let value = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(Found {
                        syntax: false,
                        message: "a second YAML document starts here; a spec is exactly one".into(),
                        pointer: String::new(),
                        line: span.start.line(),
                        col: span.start.col() + 1,
                    });
                }
                continue;
            }
            Event::Alias(_) => {
                return Err(refuse(
                    &frames,
                    here,
                    "YAML aliases (`*name`) are not supported in specs: write the node out, or \
                     share it with a `$ref`"
                        .into(),
                ));
            }
            Event::Scalar(_, _, _, ref tag)
            | Event::SequenceStart(_, ref tag)
            | Event::MappingStart(_, ref tag)
                if foreign(tag.as_deref()) =>
            {
                return Err(refuse(
                    &frames,
                    here,
                    "YAML tags are not supported in specs".into(),
                ));
            }
            Event::Scalar(text, ..) if at_key => {
                let pos = position(&span);
                if let Some(Frame::Map { key, map, .. }) = frames.last_mut() {
                    // Keys are compared as JSON sees them: `200` and `'200'` are one key.
                    let twice = map.contains_key(text.as_ref());
                    *key = Some((text.into_owned(), pos));
                    if twice {
                        let mut found = refuse(&frames, pos, "duplicated key in mapping".into());
                        found.syntax = true;
                        return Err(found);
                    }
                }
                continue;
            }
            Event::Scalar(text, style, _, tag) => {
                let scalar = Scalar::parse_from_cow_and_metadata(text, style, tag.as_ref());
                match scalar.as_ref().and_then(to_json) {
                    Some(v) => {
                        locations.insert(&at, here);
                        v
                    }
                    None if matches!(scalar, Some(Scalar::FloatingPoint(_))) => {
                        return Err(refuse(
                            &frames,
                            here,
                            "number out of range: JSON and every validator hold 64-bit \
                             floats, and infinities and NaN are not JSON"
                                .into(),
                        ));
                    }
                    None => {
                        return Err(refuse(
                            &frames,
                            here,
                            "a scalar could not be read as its tag says".into(),
                        ));
                    }
                }
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if at_key {
                    return Err(refuse(
                        &frames,
                        position(&span),
                        "mapping keys must be strings or numbers".into(),
                    ));
                }
                if frames.len() >= MAX_DEPTH {
                    return Err(refuse(
                        &frames,
                        here,
                        format!("nesting deeper than {MAX_DEPTH} levels is not supported"),
                    ));
                }
                locations.insert(&at, here);
                frames.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        at,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        at,
                        map: Map::new(),
                        key: None,
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match frames.pop() {
                Some(Frame::Seq { items, .. }) => Value::Array(items),
                Some(Frame::Map { map, .. }) => Value::Object(map),
                None => continue,
            },
            _ => continue,
        };
        // A complete value: into its parent, or it is the document.
        match frames.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => {
                if let Some((k, _)) = key.take() {
                    map.insert(k, value);
                }
            }
            None => root = Some(value),
        }
    }
    match root {
        Some(v) => Ok((v, locations)),
        None => Err(Found {
            syntax: false,
            message: "the file holds no YAML document".into(),
            pointer: String::new(),
            line: 1,
            col: 1,
        }),
    }
}

/// The JSON value of a scalar; none for a float JSON cannot hold (`1e400`, `.inf`, `.nan`).
fn to_json(scalar: &Scalar<'_>) -> Option<Value> {
    Some(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Value::Number(Number::from_f64(f.into_inner())?),
        Scalar::String(s) => Value::String(s.to_string()),
    })
}

/// The pointer of the last node that starts in `text` (a prefix of a document): where a
/// problem at the end of the prefix, such as the first byte that is not UTF-8, belongs.
pub(crate) fn last_node(text: &str) -> String {
    let mut path: Vec<(bool, usize, Option<String>)> = Vec::new(); // (is map, index, key)
    let mut last = String::new();
    let show = |path: &[(bool, usize, Option<String>)]| {
        let mut out = String::new();
        for (is_map, i, key) in path {
            match (is_map, key) {
                (true, Some(k)) => out.push_str(&format!("/{}", pointer::escape(k))),
                (true, None) => {}
                (false, _) => out.push_str(&format!("/{i}")),
            }
        }
        out
    };
    let done = |path: &mut Vec<(bool, usize, Option<String>)>| {
        if let Some(top) = path.last_mut() {
            top.1 += 1;
            top.2 = None;
        }
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, _))) = parser.next_event() {
        let at_key = matches!(path.last(), Some((true, _, None)));
        match event {
            Event::Scalar(text, ..) if at_key => {
                if let Some(top) = path.last_mut() {
                    top.2 = Some(text.into_owned());
                }
                last = show(&path);
            }
            Event::Scalar(..) | Event::Alias(_) => {
                last = show(&path);
                done(&mut path);
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                last = show(&path);
                path.push((matches!(event, Event::MappingStart(..)), 0, None));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                path.pop();
                done(&mut path);
            }
            _ => {}
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_placed_at_their_keys() {
        let (v, locs) = read("a:\n  b: [1, x]\n  c:\n    d: 1.5\n").unwrap();
        assert_eq!(v["a"]["b"][1], "x");
        assert_eq!(locs.nearest("/a/c").line, 3);
        assert_eq!(locs.nearest("/a/c/d").line, 4);
        assert_eq!(locs.nearest("/a/b/1").col, 10);
    }

    #[test]
    fn an_alias_is_refused_at_its_pointer() {
        let found = read("a: &x [1]\nb:\n  c: *x\n").unwrap_err();
        assert!(found.message.contains("aliases"), "{}", found.message);
        assert_eq!((found.pointer.as_str(), found.line), ("/b/c", 3));
    }

    #[test]
    fn a_duplicate_key_is_refused_at_its_second_place() {
        let found = read("a:\n  b: 1\n  c: 2\n  b: 3\n").unwrap_err();
        assert!(found.syntax && found.message.contains("duplicated key"));
        assert_eq!((found.pointer.as_str(), found.line), ("/a/b", 4));
    }

    #[test]
    fn the_last_node_of_a_prefix_is_named() {
        assert_eq!(last_node("a:\n  b: [1, 2]\n  c: caf"), "/a/c");
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        // Block style: the parser's own limit only covers flow collections.
        let mut text = String::new();
        for depth in 0..1_000 {
            text.push_str(&format!("{}a:\n", " ".repeat(depth)));
        }
        text.push_str(&format!("{}b: 1\n", " ".repeat(1_000)));
        let found = read(&text).unwrap_err();
        assert!(
            found.message.contains("nesting deeper"),
            "{}",
            found.message
        );
        assert_eq!(found.pointer, "/a".repeat(MAX_DEPTH));
        assert_eq!(found.line, MAX_DEPTH);
    }

    #[test]
    fn a_syntax_error_names_the_node_being_read() {
        let found = read("paths:\n  /x:\n    get: {a: [1, 2}\n").unwrap_err();
        assert!(found.syntax);
        assert!(
            found.pointer.starts_with("/paths/~1x/get"),
            "{}",
            found.pointer
        );
    }

    #[test]
    fn numbers_json_cannot_hold_are_refused() {
        for text in ["a: 1e400\n", "a: -.inf\n", "a: .nan\n"] {
            let found = read(text).unwrap_err();
            assert!(
                found.message.contains("out of range"),
                "{text}: {}",
                found.message
            );
            assert_eq!(found.pointer, "/a");
        }
    }
}
