//! JSON pointer helpers (RFC 6901).

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
        assert_eq!(join(["paths", "/a/b", "get"]), "/paths/~1a~1b/get");
    }
}
