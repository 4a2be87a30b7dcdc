//! JSON pointer helpers (RFC 6901).

use serde_json::Value;

/// Escape one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_escaped(&mut out, token);
    out
}

/// Append `token` escaped as by [`escape`] to `out` (a pointer being built, without a copy of
/// the token in between).
pub fn push_escaped(out: &mut String, token: &str) {
    // Most tokens need no escape: copy them whole.
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Undo [`escape`].
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The node at `pointer` in `root`, as [`Value::pointer`] finds it, without copying each token:
/// every `$ref` is resolved through here, many times per generated value and per answer, and
/// serde_json's own lookup makes two strings per token.
pub fn get<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    pointer
        .strip_prefix('/')?
        .split('/')
        .try_fold(root, |node, token| {
            let token: std::borrow::Cow<'_, str> = if token.contains('~') {
                unescape(token).into()
            } else {
                token.into()
            };
            match node {
                Value::Object(map) => map.get(token.as_ref()),
                Value::Array(items) => index(&token).and_then(|i| items.get(i)),
                _ => None,
            }
        })
}

/// An array index token (RFC 6901: digits, no leading zero but for `0` itself).
fn index(token: &str) -> Option<usize> {
    if token.is_empty()
        || !token.bytes().all(|b| b.is_ascii_digit())
        || (token.len() > 1 && token.starts_with('0'))
    {
        return None;
    }
    token.parse().ok()
}

/// Build a pointer from unescaped tokens.
pub fn join<'a>(tokens: impl IntoIterator<Item = &'a str>) -> String {
    tokens
        .into_iter()
        .map(|t| format!("/{}", escape(t)))
        .collect()
}

/// Convert a serde path (`paths./x.get.responses`) to a pointer.
pub(crate) fn from_serde_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{}", escape(key))),
            Segment::Enum { variant } => out.push_str(&format!("/{}", escape(variant))),
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_round_trips() {
        let raw = "/game/v1/~x";
        assert_eq!(escape(raw), "~1game~1v1~1~0x");
        assert_eq!(unescape(&escape(raw)), raw);
        // A token that already looks escaped stays itself after a round trip.
        assert_eq!(escape("~1/"), "~01~1");
        assert_eq!(unescape(&escape("~1/")), "~1/");
        assert_eq!(escape("plain"), "plain");
    }

    #[test]
    fn get_finds_what_serde_json_finds() {
        let doc = serde_json::json!({"a/b": {"~x": [1, {"c": 2}]}, "": {"": 3}, "n": [0]});
        for p in [
            "",
            "/a~1b",
            "/a~1b/~0x",
            "/a~1b/~0x/0",
            "/a~1b/~0x/1/c",
            "/a~1b/~0x/2",
            "/a~1b/~0x/01",
            "/a~1b/~0x/+1",
            "/a~1b/~0x/-1",
            "/",
            "//",
            "/n/0",
            "/n/00",
            "a",
            "/missing",
            "/n/0/deeper",
        ] {
            assert_eq!(get(&doc, p), doc.pointer(p), "{p:?}");
        }
        assert_eq!(join(["paths", "/a/b", "get"]), "/paths/~1a~1b/get");
    }
}
