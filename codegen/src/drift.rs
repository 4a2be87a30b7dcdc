//! Comparing freshly generated files with the committed ones.

use similar::{ChangeTag, TextDiff};

/// A generated file whose committed text differs from what the spec produces now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// Path relative to the workspace root.
    pub path: String,
    /// Lines only in the committed file.
    pub removed: usize,
    /// Lines only in the fresh output.
    pub added: usize,
    /// The first differing lines, `-`/`+` prefixed, at most [`SUMMARY_LINES`].
    pub summary: Vec<String>,
}

/// How many changed lines a drift summary shows.
pub const SUMMARY_LINES: usize = 12;

fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Compare `committed` (None when the file is missing) with `fresh`; `None` means up to date.
pub fn compare(path: &str, committed: Option<&str>, fresh: &str) -> Option<Stale> {
    let old = committed.map(normalize).unwrap_or_default();
    let new = normalize(fresh);
    if committed.is_some() && old == new {
        return None;
    }
    let diff = TextDiff::from_lines(&old, &new);
    let (mut removed, mut added, mut summary) = (0, 0, Vec::new());
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            ChangeTag::Equal => continue,
            ChangeTag::Delete => {
                removed += 1;
                '-'
            }
            ChangeTag::Insert => {
                added += 1;
                '+'
            }
        };
        if summary.len() < SUMMARY_LINES {
            summary.push(format!("{sign}{}", change.value().trim_end_matches('\n')));
        }
    }
    Some(Stale {
        path: path.to_owned(),
        removed,
        added,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_and_crlf_are_up_to_date() {
        assert!(compare("a", Some("x\ny\n"), "x\ny\n").is_none());
        assert!(compare("a", Some("x\r\ny\r\n"), "x\ny\n").is_none());
    }

    #[test]
    fn change_is_counted_and_summarized() {
        let s = compare("a.rs", Some("x\ny\n"), "x\nz\n").unwrap();
        assert_eq!((s.removed, s.added), (1, 1));
        assert_eq!(s.summary, vec!["-y", "+z"]);
    }

    #[test]
    fn missing_file_is_stale() {
        let s = compare("a.rs", None, "").unwrap();
        assert_eq!((s.removed, s.added), (0, 0));
    }
}
