//! C017 `no_internal_error_text`: no answer leaks a stack trace or a database error.

use serde_json::Value;

use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;

/// C017: an answer (any status) shows no stack trace or internal error text: it tells an
/// attacker the server's code, libraries and queries, and tells a client nothing it can act on.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoInternalErrorText;

/// How much of a body is searched.
const SCANNED: usize = 64 * 1024;

/// Text only a stack trace or an internal error message contains, by language or engine.
const MARKERS: [(&str, &str); 12] = [
    ("Traceback (most recent call last)", "a Python traceback"),
    ("Exception in thread \"", "a Java exception"),
    ("panicked at ", "a Rust panic"),
    ("stack backtrace:", "a Rust backtrace"),
    ("goroutine 1 [running]", "a Go stack"),
    ("System.NullReferenceException", "a .NET exception"),
    ("at Object.<anonymous>", "a Node.js stack"),
    ("node:internal/", "a Node.js stack"),
    ("Fatal error: Uncaught", "a PHP fatal error"),
    ("SQLSTATE[", "a database error"),
    ("You have an error in your SQL syntax", "a database error"),
    ("ORA-00", "a database error"),
];

/// The texts of a Java or .NET stack frame's file, after [`MARKERS`] in [`LEAKS`].
const FRAMES: [&str; 2] = [".java:", ".cs:line "];

/// [`MARKERS`], then [`FRAMES`], in the order [`leak`] ranks them.
fn texts() -> impl Iterator<Item = &'static str> {
    MARKERS.iter().map(|(m, _)| *m).chain(FRAMES)
}

/// The searches of [`leak`], built once: C017 searches every answer.
struct Leaks {
    /// Whether a text holds any of [`texts`] at all: a SIMD literal search (Teddy), some 25
    /// times as fast as the automaton on text that holds none, which is nearly every answer.
    /// `None` where the CPU lacks the instructions.
    any: Option<aho_corasick::packed::Searcher>,
    /// Every occurrence of [`texts`], to rank a finding; only texts that hold one get here.
    each: aho_corasick::AhoCorasick,
}

static LEAKS: std::sync::LazyLock<Option<Leaks>> = std::sync::LazyLock::new(|| {
    Some(Leaks {
        any: aho_corasick::packed::Searcher::new(texts()),
        each: aho_corasick::AhoCorasick::new(texts()).ok()?,
    })
});

impl Leaks {
    fn holds_any(&self, text: &str) -> bool {
        match &self.any {
            Some(any) => any.find(text).is_some(),
            None => self.each.is_match(text),
        }
    }
}

/// What internal text `text` shows, if any: the first of [`MARKERS`] (in their order) that it
/// holds, else a stack frame.
fn leak(text: &str) -> Option<&'static str> {
    let (marker, frame) = match LEAKS.as_ref() {
        // Most texts hold none: one search rules them out.
        Some(leaks) if !leaks.holds_any(text) => return None,
        Some(leaks) => {
            let mut first = usize::MAX;
            let mut frame = false;
            for found in leaks.each.find_overlapping_iter(text) {
                let at = found.pattern().as_usize();
                if at < MARKERS.len() {
                    first = first.min(at);
                } else if at < MARKERS.len() + FRAMES.len() {
                    frame = true;
                }
            }
            (MARKERS.get(first).map(|(_, what)| *what), frame)
        }
        // Without the automaton (it cannot fail to build for these texts), search one by one.
        None => (
            MARKERS
                .iter()
                .find(|(m, _)| text.contains(m))
                .map(|(_, what)| *what),
            FRAMES.iter().any(|f| text.contains(f)),
        ),
    };
    if marker.is_some() {
        return marker;
    }
    // Java and .NET frames: `at pkg.Class.method(File.java:42)`, `at NS.Type.M() in F.cs:line 7`.
    (frame
        && text
            .lines()
            .map(str::trim_start)
            .any(|l| l.starts_with("at ") && FRAMES.iter().any(|f| l.contains(f))))
    .then_some("a stack trace")
}

fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// What internal text the decoded strings of a JSON body show, if any. They are searched
/// joined by line breaks, in one pass (no marker holds a line break, and a frame is searched
/// line by line, so nothing is found across two strings); only a finding sends the search to
/// each string in turn, so that the first string with one names it, as it always has.
fn decoded(value: &Value) -> Option<&'static str> {
    let mut texts = Vec::new();
    strings(value, &mut texts);
    leak(&texts.join("\n"))?;
    texts.into_iter().find_map(leak)
}

/// Whether the strings of the JSON `body`, decoded, may hold one of [`texts`]: they do only if
/// the body with its escapes decoded in place does, since outside its strings valid JSON has no
/// escape and no text holds a line break (so none is found across two strings). Deciding this
/// costs one pass over the body, where parsing it costs a tree of values; only a body that
/// passes is parsed, to rank the finding as before.
fn may_hold_escaped(body: &str) -> bool {
    match LEAKS.as_ref() {
        Some(leaks) => leaks.holds_any(&unescaped(body)),
        None => true,
    }
}

/// `text` with its JSON escapes decoded where they stand (`\n`, `\"`, `\u0028`, surrogate
/// pairs). A malformed escape is kept as written and a lone surrogate becomes U+FFFD: a body
/// holding either is no JSON, so its strings are never searched.
fn unescaped(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(first) = text.find('\\') else {
        return std::borrow::Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut rest = &text[first..];
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let Some(kind) = rest.chars().next() else {
            out.push('\\');
            break;
        };
        if kind == 'u' {
            match unicode_escape(rest) {
                Some((c, used)) => {
                    out.push(c);
                    rest = &rest[used..];
                }
                None => out.push('\\'),
            }
            continue;
        }
        out.push(match kind {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' => '\u{c}',
            other => other,
        });
        rest = &rest[kind.len_utf8()..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The character of the `\u` escape `rest` starts with (after its backslash), with the bytes
/// it takes (a surrogate pair takes the second escape too); `None` when its four hex digits
/// are not there.
fn unicode_escape(rest: &str) -> Option<(char, usize)> {
    let unit = |at: usize| {
        rest.get(at..at + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    let high = unit(1)?;
    if (0xD800..0xDC00).contains(&high)
        && rest.get(5..7) == Some("\\u")
        && let Some(low) = unit(7).filter(|l| (0xDC00..0xE000).contains(l))
    {
        let c = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00));
        return Some((c.unwrap_or('\u{FFFD}'), 11));
    }
    Some((char::from_u32(high).unwrap_or('\u{FFFD}'), 5))
}

impl Check for NoInternalErrorText {
    fn code(&self) -> &'static str {
        "C017"
    }

    fn name(&self) -> &'static str {
        "no_internal_error_text"
    }

    fn assertion(&self) -> &'static str {
        "No answer shows a stack trace or internal error text."
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Ok(response) = &exchange.response else {
            return Outcome::Skip;
        };
        // The text as a client reads it: the strings of a JSON body (escapes decoded), or
        // the body as it is. Only the head of a large body: a leaked trace is an error page's
        // content, and a check runs on every exchange, 15 MB answers included.
        let body = response.body.as_str();
        let mut cut = body.len().min(SCANNED);
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        let found = if cut < body.len() {
            // A head is judged as text (its JSON is cut).
            leak(&body[..cut])
        } else {
            // Without an escape, each JSON string is a piece of the body as sent: none can
            // show what the whole body does not. An escape can (`\u0028`).
            leak(body).or_else(|| {
                if body.contains('\\') && may_hold_escaped(body) {
                    response.json().ok().and_then(decoded)
                } else {
                    None
                }
            })
        };
        match found {
            None => Outcome::Pass,
            Some(what) => Outcome::fail(
                "an answer without internal error text",
                format!("status {} with {what} in its body", response.status),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Intent;
    use crate::checks::fixture::{actual, case, exchange, response, run};

    #[test]
    fn traces_in_json_strings_and_plain_text_fail() {
        let java = serde_json::json!({"message": "bad\n\tat com.x.Handler.run(Handler.java:42)"});
        let ex = exchange(
            case("getItem", Intent::Valid),
            Ok(response(400, &[], &java.to_string())),
        );
        assert_eq!(
            actual(run(&NoInternalErrorText, &ex)),
            "status 400 with a stack trace in its body"
        );
        let py = "Traceback (most recent call last):\n  File \"app.py\", line 3";
        let ex = exchange(case("getItem", Intent::Valid), Ok(response(500, &[], py)));
        assert_eq!(
            actual(run(&NoInternalErrorText, &ex)),
            "status 500 with a Python traceback in its body"
        );
        let clean = exchange(
            case("getItem", Intent::Valid),
            Ok(response(
                400,
                &[],
                "{\"message\": \"at least 3 characters\"}",
            )),
        );
        assert_eq!(run(&NoInternalErrorText, &clean), Outcome::Pass);
    }

    #[test]
    fn the_quick_search_finds_every_text_wherever_it_stands() {
        let leaks = LEAKS.as_ref().expect("the searches build");
        let filler = "{\"name\": \"Sword at dawn\", \"id\": 5130}, ".repeat(40);
        for text in texts() {
            for body in [
                text.to_owned(),
                format!("{filler}{text}"),
                format!("{text}{filler}"),
                format!("{filler}{text}{filler}"),
            ] {
                assert!(leaks.holds_any(&body), "{text:?} in {} bytes", body.len());
            }
        }
        assert!(!leaks.holds_any(&filler));
        assert!(!leaks.holds_any(""));
    }

    #[test]
    fn a_large_answer_is_judged_by_its_head_as_text() {
        let judge = |body: String| {
            let ex = exchange(
                case("getItem", Intent::Valid),
                Ok(response(500, &[], &body)),
            );
            run(&NoInternalErrorText, &ex)
        };
        let padding = "x".repeat(SCANNED);
        // Escapes in the head do not hide a trace there, nor make one of nothing.
        let head = format!(
            "{{\"m\": \"a\\nb\", \"t\": \"panicked at src/main.rs:1\", \"p\": \"{padding}\"}}"
        );
        assert_eq!(
            actual(judge(head)),
            "status 500 with a Rust panic in its body"
        );
        let clean = format!("{{\"m\": \"a\\nb\", \"p\": \"{padding}\"}}");
        assert_eq!(judge(clean), Outcome::Pass);
        // Beyond the head nothing is read.
        let late = format!("{{\"p\": \"{padding}\", \"t\": \"panicked at src/main.rs:1\"}}");
        assert_eq!(judge(late), Outcome::Pass);
    }

    #[test]
    fn escapes_neither_hide_a_trace_nor_join_two_strings_into_one() {
        let judge = |body: &str| {
            let ex = exchange(case("getItem", Intent::Valid), Ok(response(500, &[], body)));
            run(&NoInternalErrorText, &ex)
        };
        // Escaped traces: found only once the JSON strings are decoded.
        for body in [
            r#"{"m": "x\n  at a.B.c(B.java:1)"}"#,
            r#"{"m": "Traceback \u0028most recent call last)"}"#,
            r#"{"m": ["ok", {"n": "node:internal\/modules"}]}"#,
        ] {
            assert!(matches!(judge(body), Outcome::Fail(_)), "{body}");
            assert!(may_hold_escaped(body), "{body}");
        }
        // The first string with a finding names it (the joined strings show a Rust panic
        // first in the order of `MARKERS`).
        assert_eq!(
            actual(judge(r#"{"a": "ORA-00\u0039", "b": "panicked\u0020at x"}"#)),
            "status 500 with a database error in its body"
        );
        // Escapes that make no marker leave the body clean without parsing it.
        for body in [
            r#"{"m": "a\"b\\c\u00e9\ud83d\ude00"}"#,
            r#"{"m": "\u0041\u"}"#,
        ] {
            assert!(!may_hold_escaped(body), "{body}");
            assert_eq!(judge(body), Outcome::Pass, "{body}");
        }
        // Two strings, each half a marker, and a frame's file apart from its `at `: clean.
        for body in [
            r#"{"a": "Traceback (most recent", "b": "\" call last)"}"#,
            r#"{"a": "at a.B.c(\"", "b": "B.java:1)"}"#,
        ] {
            assert_eq!(judge(body), Outcome::Pass, "{body}");
        }
    }

    proptest::proptest! {
        /// Every string serde_json writes (control characters, quotes, backslashes, and `\u`
        /// escapes of any character, surrogate pairs included) decodes to itself.
        #[test]
        fn escapes_decode_as_serde_json_reads_them(text in "\\PC*|[\\x00-\\x1f\"\\\\]*") {
            let written = serde_json::to_string(&text).unwrap();
            proptest::prop_assert_eq!(unescaped(&written[1..written.len() - 1]), text.as_str());
            let ascii: String = text
                .encode_utf16()
                .map(|unit| format!("\\u{unit:04x}"))
                .collect();
            proptest::prop_assert_eq!(unescaped(&ascii), text.as_str());
        }
    }
}
