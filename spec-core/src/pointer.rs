//! JSON pointer helpers (RFC 6901).

/// Escape one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
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
        assert_eq!(join(["paths", "/a/b", "get"]), "/paths/~1a~1b/get");
    }
}
