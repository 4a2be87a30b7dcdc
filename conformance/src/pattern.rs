//! `operationId` patterns, as `--operation`, `--exclude` and baseline entries take them: `*`
//! matches any run of characters (none included), everything else matches itself.

use std::fmt;

use globset::{GlobBuilder, GlobMatcher};

/// A pattern that cannot be compiled (not expected: every character but `*` is escaped).
#[derive(Debug, thiserror::Error)]
#[error("operation pattern `{pattern}`: {source}")]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// What `globset` objected to.
    pub source: globset::Error,
}

/// A compiled `operationId` pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The pattern as given, for messages and comparison.
    text: String,
    /// The compiled glob.
    matcher: GlobMatcher,
}

impl Pattern {
    /// Compile `pattern`: only `*` is special; `?`, `[…]`, `{…}` and `\` match themselves.
    pub fn new(pattern: &str) -> Result<Pattern, PatternError> {
        let glob = pattern
            .split('*')
            .map(globset::escape)
            .collect::<Vec<_>>()
            .join("*");
        // `**` means something else to globset; any run of `*` is one `*` here.
        let mut collapsed = String::with_capacity(glob.len());
        for c in glob.chars() {
            if !(c == '*' && collapsed.ends_with('*')) {
                collapsed.push(c);
            }
        }
        let matcher = GlobBuilder::new(&collapsed)
            .literal_separator(false)
            .backslash_escape(false)
            .build()
            .map_err(|source| PatternError {
                pattern: pattern.to_owned(),
                source,
            })?
            .compile_matcher();
        Ok(Pattern {
            text: pattern.to_owned(),
            matcher,
        })
    }

    /// Whether `operation_id` matches.
    pub fn is_match(&self, operation_id: &str) -> bool {
        self.matcher.is_match(operation_id)
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.text == other.text
    }
}

impl Eq for Pattern {}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Whether `operation_id` matches `pattern` (compiled on each call: for a few patterns over the
/// operations of one spec; a pattern that does not compile matches nothing).
pub fn matches(pattern: &str, operation_id: &str) -> bool {
    // A plain operationId (no glob character) is compared as it is: compiling a matcher per
    // call costs a regex build, which a long `--operation` list pays per operation.
    if !pattern.contains(['*', '?', '[', ']', '{', '}']) {
        return pattern == operation_id;
    }
    Pattern::new(pattern).is_ok_and(|p| p.is_match(operation_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_match_runs_of_characters() {
        assert!(matches("get*", "getPlayerInfo"));
        assert!(matches("*Info", "getPlayerInfo"));
        assert!(matches("get*Info", "getPlayerInfo"));
        assert!(matches("*Info", "getInfoInfo"));
        assert!(matches("*", "x"));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "aXbYc"));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(matches("a**b", "ab"));
        assert!(!matches("a*b*c", "aXcYb"));
        assert!(!matches("get*", "listPlayers"));
        assert!(!matches("get*Info", "getPlayerName"));
        assert!(!matches("getPlayer", "getPlayerInfo"));
        assert!(!matches("ping", "pings"));
        assert!(!matches("getplayer*", "getPlayerInfo"));
    }

    #[test]
    fn everything_but_stars_matches_itself() {
        for literal in ["a?c", "a[b]c", "a{b,c}", r"a\*", "a/b", "a!b", "./a"] {
            assert!(matches(literal, literal), "{literal}");
        }
        assert!(!matches("a?c", "abc"));
        assert!(!matches("a[b]c", "abc"));
        assert!(!matches("a{b,c}", "ab"));
        assert!(matches(r"a\*", r"a\xyz"));
        assert!(matches("a*", "a/b/c"));
    }
}
