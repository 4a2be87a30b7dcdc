//! The generated part of a client crate's `[features]` table: `full` and one feature per tag,
//! between two marker lines, so the hand-written features (`default`, `rustls`) stay beside it.

use super::{ALL_TAGS, Features, FeaturesError};

/// The line that opens the generated block.
pub const BEGIN_MARKER: &str =
    "# BEGIN features generated from the spec's tags by `cargo xtask generate`; do not edit.";
/// The line that closes the generated block.
pub const END_MARKER: &str = "# END generated features.";

/// The generated block, marker lines included, one feature per line.
pub fn cargo_block(features: &Features) -> String {
    let mut out = format!("{BEGIN_MARKER}\n");
    out.push_str("# Every operation: each tag's feature below.\n");
    let all: Vec<String> = features
        .tags
        .iter()
        .map(|(_, f)| format!("{f:?}"))
        .collect();
    out.push_str(&format!("{ALL_TAGS} = [{}]\n", all.join(", ")));
    for (tag, feature) in &features.tags {
        let count = features
            .by_operation
            .values()
            .filter(|set| set.contains(feature))
            .count();
        out.push_str(&format!(
            "# Tag `{tag}`: {count} operation{s} and the types they use.\n{feature} = []\n",
            s = if count == 1 { "" } else { "s" }
        ));
    }
    out.push_str(END_MARKER);
    out.push('\n');
    out
}

/// `cargo_toml` with its generated block replaced by `block`.
pub fn splice(cargo_toml: &str, block: &str) -> Result<String, FeaturesError> {
    let begin = cargo_toml
        .find(BEGIN_MARKER)
        .ok_or(FeaturesError::NoBlock)?;
    let end_at = cargo_toml[begin..]
        .find(END_MARKER)
        .ok_or(FeaturesError::NoBlock)?
        + begin;
    let mut after = end_at + END_MARKER.len();
    if cargo_toml[after..].starts_with('\n') {
        after += 1;
    }
    Ok(format!(
        "{}{block}{}",
        &cargo_toml[..begin],
        &cargo_toml[after..]
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn features() -> Features {
        Features {
            tags: vec![
                ("Leaderboards".into(), "leaderboards".into()),
                ("Player Files".into(), "player-files".into()),
            ],
            by_operation: [
                ("a".to_owned(), BTreeSet::from(["leaderboards".to_owned()])),
                ("b".to_owned(), BTreeSet::from(["leaderboards".to_owned()])),
            ]
            .into(),
        }
    }

    #[test]
    fn the_block_lists_full_and_each_tag() {
        let block = cargo_block(&features());
        assert!(block.contains("full = [\"leaderboards\", \"player-files\"]\n"));
        assert!(block.contains(
            "# Tag `Leaderboards`: 2 operations and the types they use.\nleaderboards = []\n"
        ));
        assert!(block.contains("# Tag `Player Files`: 0 operations"));
        assert!(block.starts_with(BEGIN_MARKER) && block.ends_with(&format!("{END_MARKER}\n")));
    }

    #[test]
    fn splice_replaces_only_the_block() {
        let block = cargo_block(&features());
        let toml = format!(
            "[features]\ndefault = [\"full\"]\n{BEGIN_MARKER}\nold = []\n{END_MARKER}\n\n[dependencies]\n"
        );
        let spliced = splice(&toml, &block).unwrap();
        assert_eq!(
            spliced,
            format!("[features]\ndefault = [\"full\"]\n{block}\n[dependencies]\n")
        );
        assert_eq!(splice(&spliced, &block).unwrap(), spliced);
        assert_eq!(splice("[features]\n", &block), Err(FeaturesError::NoBlock));
    }
}
