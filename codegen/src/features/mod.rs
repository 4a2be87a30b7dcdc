//! One cargo feature per spec tag: the names, the `[features]` block of a client crate's
//! `Cargo.toml`, and (in [`gate`]) the `#[cfg(feature = ...)]` attributes on progenitor's output,
//! so a program that enables two tags compiles only their operations and the types they reach.
//!
//! Which operations a feature holds is read from the spec's `tags` alone; no API is named here.

pub mod gate;
mod manifest;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use gamespec_spec::paths::operations;
use gamespec_spec::registry::Api;

pub use manifest::{BEGIN_MARKER, END_MARKER, cargo_block, splice};

/// The feature that enables every tag at once (part of each client crate's `default`).
pub const ALL_TAGS: &str = "full";

/// Why the features of a spec cannot be derived or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeaturesError {
    /// Two tags give the same feature name.
    #[error("tags {first:?} and {second:?} both become feature `{feature}`")]
    Collision {
        /// The first tag.
        first: String,
        /// The second tag.
        second: String,
        /// The shared feature name.
        feature: String,
    },
    /// A tag gives no usable feature name (empty, or a name the crate reserves).
    #[error("tag {tag:?} gives the unusable feature name `{feature}`")]
    BadName {
        /// The tag.
        tag: String,
        /// What it became.
        feature: String,
    },
    /// An operation has no tag, so no feature could hold it.
    #[error("operation {0} has no tag")]
    Untagged(String),
    /// The `Cargo.toml` has no generated features block to replace.
    #[error(
        "no generated features block: add the lines `{BEGIN_MARKER}` and `{END_MARKER}` under [features]"
    )]
    NoBlock,
}

/// The feature name of a tag: lower case, every run of other characters than `a-z0-9` one `-`
/// (`Characters & Heroes` → `characters-heroes`, `OAuth 2.0` → `oauth-2-0`).
pub fn feature_name(tag: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in tag.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// The tags of a spec as cargo features, and which features each operation belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    /// `(tag, feature)` in the order of the spec's top-level `tags` list, then any tag only
    /// operations name, in first-use order.
    pub tags: Vec<(String, String)>,
    /// operationId → the features of its tags.
    pub by_operation: BTreeMap<String, BTreeSet<String>>,
}

impl Features {
    /// Read the tags of `spec`; every operation must have at least one.
    pub fn from_spec(spec: &Value) -> Result<Features, FeaturesError> {
        let mut features = Features::default();
        let declared = spec
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("name").and_then(Value::as_str));
        for tag in declared {
            features.add_tag(tag)?;
        }
        for op in operations(spec) {
            let tags = op.tags();
            if tags.is_empty() {
                return Err(FeaturesError::Untagged(op.id.to_string()));
            }
            let mut set = BTreeSet::new();
            for tag in tags {
                set.insert(features.add_tag(tag)?);
            }
            features.by_operation.insert(op.id.to_string(), set);
        }
        Ok(features)
    }

    fn add_tag(&mut self, tag: &str) -> Result<String, FeaturesError> {
        let feature = feature_name(tag);
        if let Some((first, _)) = self.tags.iter().find(|(_, f)| *f == feature) {
            if first == tag {
                return Ok(feature);
            }
            return Err(FeaturesError::Collision {
                first: first.clone(),
                second: tag.to_owned(),
                feature,
            });
        }
        if feature.is_empty() || feature == ALL_TAGS || feature == "default" {
            return Err(FeaturesError::BadName {
                tag: tag.to_owned(),
                feature,
            });
        }
        self.tags.push((tag.to_owned(), feature.clone()));
        Ok(feature)
    }

    /// Every feature name, in tag order.
    pub fn names(&self) -> BTreeSet<String> {
        self.tags.iter().map(|(_, f)| f.clone()).collect()
    }
}

/// The `Cargo.toml` of `api`'s client crate, relative to the workspace root.
pub fn cargo_toml_path(api: &Api) -> Option<String> {
    api.client.as_ref().map(|c| format!("{c}/Cargo.toml"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tag_names_become_kebab_case_features() {
        assert_eq!(feature_name("Authentication"), "authentication");
        assert_eq!(feature_name("Characters & Heroes"), "characters-heroes");
        assert_eq!(
            feature_name("User Generated Content (UGC)"),
            "user-generated-content-ugc"
        );
        assert_eq!(feature_name("OAuth 2.0"), "oauth-2-0");
        assert_eq!(feature_name("2FA"), "2fa");
    }

    #[test]
    fn operations_get_the_features_of_their_tags() {
        let spec = json!({
            "tags": [{"name": "Leaderboards"}, {"name": "Player Files"}],
            "paths": {"/a": {
                "get": {"operationId": "listBoards", "tags": ["Leaderboards"], "responses": {}},
                "post": {"operationId": "upload", "tags": ["Player Files", "Leaderboards"], "responses": {}}
            }}
        });
        let features = Features::from_spec(&spec).unwrap();
        assert_eq!(
            features.tags,
            [
                ("Leaderboards".to_owned(), "leaderboards".to_owned()),
                ("Player Files".to_owned(), "player-files".to_owned())
            ]
        );
        assert_eq!(
            features.by_operation["upload"],
            BTreeSet::from(["leaderboards".to_owned(), "player-files".to_owned()])
        );
    }

    #[test]
    fn colliding_and_missing_tags_are_errors() {
        let spec = json!({"tags": [{"name": "A b"}, {"name": "a-B"}], "paths": {}});
        assert!(matches!(
            Features::from_spec(&spec),
            Err(FeaturesError::Collision { .. })
        ));
        let spec = json!({"paths": {"/a": {"get": {"operationId": "x", "responses": {}}}}});
        assert_eq!(
            Features::from_spec(&spec),
            Err(FeaturesError::Untagged("x".into()))
        );
        let spec = json!({"tags": [{"name": "Full"}], "paths": {}});
        assert!(matches!(
            Features::from_spec(&spec),
            Err(FeaturesError::BadName { .. })
        ));
    }
}
