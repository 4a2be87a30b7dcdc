//! The behaviour of a stateful mock, per API: which operations write to or read from the
//! players' (and the shared) collections, and where keys, values and answers go. Read from the
//! file the registry's `behaviour` key names (`spec/behaviour/<api>.toml`, embedded at build
//! time like the specs), and checked against the spec by [`Behaviour::check`], so a renamed
//! operation or field cannot silently switch a behaviour off.
//!
//! The format, in short (the files themselves carry comments):
//! - `[players]`: `same` — sources whose value makes a session start come back as an earlier
//!   player (`body:/player_identifier`); `answer` — session-answer JSON pointer → player field
//!   (`number`, `number-text`, `uid`, `uuid`, `ulid`, `key`) written into every session start's
//!   answer;
//!   `claims` — the same for the claims of JWTs a session start signs.
//! - `[[effect]]`: one step of one operation (`operation`), in file order. `action` is a write
//!   (`put`, `remove`, `credit`, `debit`, `submit`) or a read (`list`, `get`) on `collection`,
//!   optionally `within` a sub-collection (a leaderboard key, a wallet id), of the calling player,
//!   of another player (`owner`) or of everyone (`scope = "shared"`).
//!
//! Sources name where a value comes from: `path:NAME`, `query:NAME`, `body:/POINTER`,
//! `item:/POINTER` (the element of `each`), `field:/POINTER` (a field this effect has already
//! built), `player:number|number-text|uid|uuid|ulid|key`, `seq:` (a fresh number), `const:TEXT`,
//! `json:VALUE` (a constant JSON value, such as the empty list `json:[]`); alternatives are
//! separated by `|` and the first that has a value wins.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::registry::Profile;
use crate::spec::Spec;

/// Why a behaviour file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BehaviourError {
    /// The TOML does not parse or has fields the format does not know.
    #[error("{file}: {source}")]
    Toml {
        /// The file, relative to `spec/`.
        file: String,
        /// The parser's complaint.
        source: toml::de::Error,
    },
    /// The registry names a behaviour file that was not embedded.
    #[error("spec/{0}: named by the registry but not embedded")]
    Missing(String),
    /// A source string has an unknown form.
    #[error(
        "bad source `{0}`: expected path:, query:, body:/, item:, field:/, player:, seq:, const: or json:"
    )]
    Source(String),
    /// A name in the file does not exist in the spec.
    #[error("{file}: effect {index} ({operation}): {problem}")]
    Spec {
        /// The file, relative to `spec/`.
        file: String,
        /// The effect's position (0-based; `players` for the `[players]` table).
        index: String,
        /// The effect's operation.
        operation: String,
        /// What is missing.
        problem: String,
    },
}

/// One place a value comes from; several are alternatives, the first with a value wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A path parameter.
    Path(String),
    /// A query parameter.
    Query(String),
    /// A JSON pointer into the request body.
    Body(String),
    /// A JSON pointer into the current element of `each` (empty: the element itself).
    Item(String),
    /// A JSON pointer into the item this effect is building.
    Field(String),
    /// A fact of the calling player.
    Player(PlayerField),
    /// A fresh number from the mock's sequence.
    Seq,
    /// A constant text.
    Const(String),
    /// A constant JSON value (a new item's empty list, which a text cannot stand for); it cannot
    /// hold `|`, which separates alternatives.
    Json(Value),
}

/// Alternatives of sources, written `a|b|c`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Sources(pub Vec<Source>);

impl TryFrom<String> for Sources {
    type Error = BehaviourError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.split('|')
            .map(parse_source)
            .collect::<Result<_, _>>()
            .map(Sources)
    }
}

fn parse_source(text: &str) -> Result<Source, BehaviourError> {
    let bad = || BehaviourError::Source(text.to_owned());
    let (kind, rest) = text.split_once(':').ok_or_else(bad)?;
    let pointer = |p: &str| {
        if p.is_empty() || p.starts_with('/') {
            Ok(p.to_owned())
        } else {
            Err(bad())
        }
    };
    Ok(match kind {
        "path" if !rest.is_empty() => Source::Path(rest.to_owned()),
        "query" if !rest.is_empty() => Source::Query(rest.to_owned()),
        "body" => Source::Body(pointer(rest)?),
        "item" => Source::Item(pointer(rest)?),
        "field" => Source::Field(pointer(rest)?),
        "player" => Source::Player(
            PlayerField::deserialize(
                serde::de::value::StrDeserializer::<serde::de::value::Error>::new(rest),
            )
            .map_err(|_| bad())?,
        ),
        "seq" if rest.is_empty() => Source::Seq,
        "const" => Source::Const(rest.to_owned()),
        "json" => Source::Json(serde_json::from_str(rest).map_err(|_| bad())?),
        _ => return Err(bad()),
    })
}

/// A fact the mock keeps about each player.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlayerField {
    /// A number unique to the player (written as a JSON number).
    Number,
    /// The same number as text.
    NumberText,
    /// A short upper-case code unique to the player (a public UID).
    Uid,
    /// A UUID unique to the player.
    Uuid,
    /// A ULID unique to the player (26 Crockford base-32 characters), for APIs whose newer
    /// calls name players by ULID.
    Ulid,
    /// The value that brings the player back on a later session start (see `same`).
    Key,
}

/// How session starts make and find players.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Players {
    /// Request sources whose value makes a session start come back as an earlier player.
    #[serde(default)]
    pub same: Option<Sources>,
    /// Session-answer JSON pointer → the player fact written there.
    #[serde(default)]
    pub answer: BTreeMap<String, PlayerField>,
    /// JWT-claims JSON pointer → the player fact written there when a session start signs a
    /// token (Xsolla's `sub`), so each player's token is their own.
    #[serde(default)]
    pub claims: BTreeMap<String, PlayerField>,
}

/// What an effect does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Create or merge an item under its key.
    Put,
    /// Remove the item under its key.
    Remove,
    /// Add `amount` to the item's `balance` field.
    Credit,
    /// Take `amount` from the item's `balance` field; refused below `floor`.
    Debit,
    /// Store a score under its key if it beats the stored one (by `order_by`).
    Submit,
    /// Answer with the collection's items at `at`.
    List,
    /// Answer with one item at `at`.
    Get,
}

impl Action {
    /// Whether the action changes state (and runs only on a success answer).
    pub fn writes(self) -> bool {
        !matches!(self, Action::List | Action::Get)
    }
}

/// Whose collection an effect uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The calling player's (or `owner`'s).
    #[default]
    Player,
    /// One collection for every player (leaderboards, wallets).
    Shared,
}

/// Run the effect only when a source has a given value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Where the value comes from.
    pub source: Sources,
    /// The values that let the effect run.
    pub equals: Vec<String>,
}

/// One step of one operation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effect {
    /// The operationId.
    pub operation: String,
    /// What it does.
    pub action: Action,
    /// The collection's name.
    pub collection: String,
    /// Whose collection.
    #[serde(default)]
    pub scope: Scope,
    /// Another player's collection, found by their number, UID, UUID, ULID or key.
    #[serde(default)]
    pub owner: Option<Sources>,
    /// A sub-collection (a leaderboard key, a wallet id).
    #[serde(default)]
    pub within: Option<Sources>,
    /// Run only when this holds.
    #[serde(default)]
    pub when: Option<Condition>,
    /// An array in the request: the effect runs once per element (`item:` sources read it).
    #[serde(default)]
    pub each: Option<Sources>,
    /// The item's key: the parts are joined with `/`.
    #[serde(default)]
    pub key: Vec<Sources>,
    /// Item JSON pointer → where its value comes from (writes).
    #[serde(default)]
    pub fields: BTreeMap<String, Sources>,
    /// Whether a put under a key not stored stores a new item (the default). `false` for an
    /// update of something that must exist already (a character renamed by its id): a key not
    /// stored is then left alone, and the answer is the one the stateless mock gives.
    #[serde(default = "stores_new")]
    pub create: bool,
    /// A write runs only when the holder's collection of this name holds an item under the
    /// effect's key (a friendship is made only by accepting a request that was sent).
    #[serde(default)]
    pub requires: Option<String>,
    /// The amount of a credit or debit.
    #[serde(default)]
    pub amount: Option<Sources>,
    /// The item JSON pointer of the balance a credit or debit changes.
    #[serde(default)]
    pub balance: Option<String>,
    /// The lowest balance a debit may leave; below it the operation's documented client error
    /// is answered and nothing changes.
    #[serde(default)]
    pub floor: Option<i64>,
    /// The answer JSON pointer that receives the item (put, submit, credit, debit, get) or the
    /// list (list).
    #[serde(default)]
    pub at: Option<String>,
    /// Item pointer → value: a list shows only items whose field has that value.
    #[serde(default)]
    pub filter: BTreeMap<String, toml::Value>,
    /// The item pointer lists are ordered by (and submits compare): items without a value
    /// first, then numbers and numeric text by value, then other text as text.
    #[serde(default)]
    pub order_by: Option<String>,
    /// Order from the highest value down.
    #[serde(default)]
    pub descending: bool,
    /// The item pointer that receives the 1-based rank in the order.
    #[serde(default)]
    pub rank: Option<String>,
    /// How many items a list shows at most.
    #[serde(default)]
    pub limit: Option<Sources>,
}

fn stores_new() -> bool {
    true
}

/// A whole behaviour file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// How players are made.
    #[serde(default)]
    pub players: Players,
    /// The effects, in the order they run.
    #[serde(default, rename = "effect")]
    pub effects: Vec<Effect>,
}

impl Behaviour {
    /// Parse behaviour text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Behaviour, BehaviourError> {
        toml::from_str(text).map_err(|source| BehaviourError::Toml {
            file: file.to_owned(),
            source,
        })
    }

    /// The embedded behaviour the profile's registry entry names; empty (a stateless mock)
    /// for an API without one.
    pub fn of(profile: &Profile) -> Result<Behaviour, BehaviourError> {
        let Some(file) = &profile.behaviour else {
            return Ok(Behaviour::default());
        };
        let text = crate::registry::behaviour_text(file)
            .ok_or_else(|| BehaviourError::Missing(file.clone()))?;
        Behaviour::parse(file, text)
    }

    /// The effects of one operation, in order.
    pub fn effects_of<'a>(&'a self, operation: &'a str) -> impl Iterator<Item = &'a Effect> + 'a {
        self.effects
            .iter()
            .filter(move |e| e.operation == operation)
    }

    /// Check every name against `spec`: operations exist, `path:`/`query:` parameters are
    /// declared, `body:` and `item:` pointers name request-body properties, and `at` pointers
    /// name properties of the success answer. Returns every problem found.
    pub fn check(&self, file: &str, spec: &Spec) -> Vec<BehaviourError> {
        let mut out = Vec::new();
        let root = &spec.root;
        for pointer in self.players.answer.keys() {
            let found = spec
                .operations
                .iter()
                .filter(|op| op.session_start)
                .filter_map(|op| op.success()?.content.as_ref())
                .any(|m| schema_at(root, &m.schema, pointer).is_some());
            if !found {
                out.push(problem(
                    file,
                    "players",
                    "session starts",
                    format!("no session answer has `{pointer}`"),
                ));
            }
        }
        for pointer in self.players.claims.keys() {
            let found = spec.profile.schemes.values().any(|kind| match kind {
                crate::registry::CredentialKind::Jwt { claims } => {
                    let schema =
                        serde_json::json!({ "$ref": format!("#/components/schemas/{claims}") });
                    schema_at(root, &schema, pointer).is_some()
                }
                _ => false,
            });
            if !found {
                out.push(problem(
                    file,
                    "players",
                    "session starts",
                    format!("no JWT claims schema has `{pointer}`"),
                ));
            }
        }
        for source in self.players.same.iter().flat_map(|s| &s.0) {
            if let Source::Body(p) = source {
                let found = spec
                    .operations
                    .iter()
                    .filter(|op| op.session_start)
                    .flat_map(|op| op.body.iter().flat_map(|(_, media)| media))
                    .any(|m| schema_at(root, &m.schema, p).is_some());
                if !found {
                    out.push(problem(
                        file,
                        "players",
                        "session starts",
                        format!("no session request body has `{p}`"),
                    ));
                }
            }
        }
        for (index, effect) in self.effects.iter().enumerate() {
            let index = index.to_string();
            let complain = |out: &mut Vec<BehaviourError>, what: String| {
                out.push(problem(file, &index, &effect.operation, what));
            };
            let Some(op) = spec.operation(&effect.operation) else {
                complain(&mut out, "no such operationId in the spec".into());
                continue;
            };
            let bodies: Vec<&Value> = op
                .body
                .iter()
                .flat_map(|(_, media)| media)
                .map(|m| &m.schema)
                .collect();
            let body_has = |p: &str| bodies.iter().any(|s| schema_at(root, s, p).is_some());
            let each = effect.each.as_ref().and_then(|s| {
                s.0.iter().find_map(|s| match s {
                    Source::Body(p) => Some(p.clone()),
                    _ => None,
                })
            });
            let mut sources: Vec<&Source> = Vec::new();
            for s in [
                &effect.owner,
                &effect.within,
                &effect.each,
                &effect.amount,
                &effect.limit,
            ]
            .into_iter()
            .flatten()
            .chain(&effect.key)
            .chain(effect.fields.values())
            .chain(effect.when.iter().map(|c| &c.source))
            {
                sources.extend(&s.0);
            }
            for source in sources {
                let declared = |loc: crate::spec::ParamLocation, name: &str| {
                    op.parameters
                        .iter()
                        .any(|p| p.location == loc && p.name == name)
                };
                match source {
                    Source::Path(n) if !declared(crate::spec::ParamLocation::Path, n) => {
                        complain(&mut out, format!("no path parameter `{n}`"));
                    }
                    Source::Query(n) if !declared(crate::spec::ParamLocation::Query, n) => {
                        complain(&mut out, format!("no query parameter `{n}`"));
                    }
                    Source::Body(p) if !p.is_empty() && !body_has(p) => {
                        complain(&mut out, format!("the request body has no `{p}`"));
                    }
                    Source::Item(p) if !p.is_empty() => match &each {
                        Some(e) if body_has(&format!("{e}/0{p}")) => {}
                        Some(e) => {
                            complain(&mut out, format!("the elements of `{e}` have no `{p}`"))
                        }
                        None => complain(&mut out, format!("`item:{p}` without `each`")),
                    },
                    _ => {}
                }
            }
            if let Some(at) = &effect.at {
                let found = op
                    .success()
                    .and_then(|r| r.content.as_ref())
                    .is_some_and(|m| schema_at(root, &m.schema, at).is_some());
                if !found {
                    complain(&mut out, format!("the success answer has no `{at}`"));
                }
            }
            if let Some(name) = &effect.requires {
                let written = self
                    .effects
                    .iter()
                    .any(|e| e.collection == *name && e.action.writes());
                if !written {
                    complain(
                        &mut out,
                        format!("`requires` names `{name}`, which no effect writes"),
                    );
                }
            }
            let needs_balance = matches!(effect.action, Action::Credit | Action::Debit);
            if needs_balance && (effect.amount.is_none() || effect.balance.is_none()) {
                complain(
                    &mut out,
                    "a credit or debit needs `amount` and `balance`".into(),
                );
            }
        }
        out
    }
}

fn problem(file: &str, index: &str, operation: &str, problem: String) -> BehaviourError {
    BehaviourError::Spec {
        file: file.to_owned(),
        index: index.to_owned(),
        operation: operation.to_owned(),
        problem,
    }
}

/// The schema a JSON pointer reaches from `schema`: names are properties (searched through
/// `allOf`/`oneOf`/`anyOf`), numbers and `-` are array elements (through `items` of any branch).
pub fn schema_at<'a>(root: &'a Value, schema: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut at = schema;
    if pointer.is_empty() {
        return Some(at);
    }
    for segment in pointer.strip_prefix('/')?.split('/') {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        let is_index = segment == "-" || segment.parse::<usize>().is_ok();
        at = if is_index {
            crate::shape::items(root, at)?
        } else {
            crate::shape::property(root, at, &segment)?
        };
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_with_alternatives() {
        let s = Sources::try_from("body:/member_id|player:number-text".to_owned()).unwrap();
        assert_eq!(
            s.0,
            vec![
                Source::Body("/member_id".into()),
                Source::Player(PlayerField::NumberText)
            ]
        );
        let s = Sources::try_from("player:ulid".to_owned()).unwrap();
        assert_eq!(s.0, vec![Source::Player(PlayerField::Ulid)]);
        let s = Sources::try_from("json:[]".to_owned()).unwrap();
        assert_eq!(s.0, vec![Source::Json(Value::Array(Vec::new()))]);
        assert!(Sources::try_from("json:[".to_owned()).is_err());
        assert!(Sources::try_from("body:member_id".to_owned()).is_err());
        assert!(Sources::try_from("nowhere:x".to_owned()).is_err());
        assert!(Sources::try_from("player:shoe".to_owned()).is_err());
    }

    #[test]
    fn every_registered_behaviour_names_only_what_its_spec_has() {
        for api in crate::registry::apis() {
            let Some(file) = &api.profile.behaviour else {
                continue;
            };
            let behaviour = Behaviour::of(&api.profile).unwrap();
            assert!(!behaviour.effects.is_empty(), "{file} has no effects");
            let spec = Spec::load(&api.name).unwrap();
            let problems = behaviour.check(file, &spec);
            assert!(
                problems.is_empty(),
                "{}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }

    #[test]
    fn a_renamed_field_is_reported() {
        let api = crate::registry::Api::named("lootlocker").unwrap();
        let spec = Spec::load(&api.name).unwrap();
        let b = Behaviour::parse(
            "t.toml",
            r#"
            [[effect]]
            operation = "submitLeaderboardScore"
            action = "submit"
            collection = "board"
            key = ["body:/member_no"]
            [[effect]]
            operation = "submitLeaderboardScoreX"
            action = "submit"
            collection = "board"
            [[effect]]
            operation = "submitLeaderboardScore"
            action = "submit"
            collection = "board"
            requires = "bored"
            "#,
        )
        .unwrap();
        let problems: Vec<String> = b
            .check("t.toml", &spec)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("/member_no"));
        assert!(problems[1].contains("no such operationId"));
        assert!(
            problems[2].contains("`requires` names `bored`"),
            "{problems:?}"
        );
    }
}
