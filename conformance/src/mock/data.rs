//! The mock's random answer parts (generated bodies and headers, issued tokens, JWT ids), all
//! drawn from the runner's schema strategies ([`crate::generate::strategy`]) with a proptest
//! runner seeded from the mock's seed: one generator of the contract serves both, and the same
//! seed gives the same answers.
//!
//! What is the mock's own here: answers travel in the response direction (`writeOnly`
//! properties left out), header values are header-safe tokens, and issued tokens have one fixed
//! shape. The generator aims to be right by construction, but the caller still checks every
//! generated body with the compiled validator and falls back to the spec's example: a
//! generated value that fails is never sent.

use std::thread::LocalKey;

use gamespec_spec::schema::Direction;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use crate::generate::strategy::{self, Builder, Carrier, Optional};

/// The shape of the tokens the mock issues: letters and digits only, so they travel in URLs
/// and headers unescaped, and long enough not to be guessed.
const TOKEN_PATTERN: &str = "^[A-Za-z0-9]{40}$";

thread_local! {
    // Built once per thread, not per issued credential: building compiles the pattern, which
    // cost more than drawing from it (a session start issues one or two). Per thread because
    // a strategy is not `Sync`.
    static TOKEN: Option<BoxedStrategy<Value>> =
        built(&Value::Null, &json!({"type": "string", "pattern": TOKEN_PATTERN}), Carrier::Token);
    static UUID: Option<BoxedStrategy<Value>> =
        built(&Value::Null, &json!({"type": "string", "format": "uuid"}), Carrier::Token);
}

/// The strategy of answer values of `schema` (a schema of the spec `root`) in `carrier`.
fn built(root: &Value, schema: &Value, carrier: Carrier) -> Option<BoxedStrategy<Value>> {
    Builder::new(root, carrier, Optional::Random)
        .direction(Direction::Response)
        .build(schema, "response")
        .ok()
}

/// A seeded source of generated answer parts.
pub struct Draws {
    runner: TestRunner,
}

impl std::fmt::Debug for Draws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draws").finish_non_exhaustive()
    }
}

impl Draws {
    /// Draws that follow from `seed` alone.
    pub fn seeded(seed: u64) -> Draws {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        Draws {
            runner: strategy::seeded(&bytes),
        }
    }

    /// A value of `schema` (a schema of the spec `root`) as a JSON answer body carries it, or
    /// `None` when the generator has no value for the schema.
    pub fn value(&mut self, root: &Value, schema: &Value) -> Option<Value> {
        self.draw(root, schema, Carrier::Json)
    }

    /// A value of `schema` as a response header carries it: no `null`, and plain strings of
    /// header-safe characters only.
    pub fn header(&mut self, root: &Value, schema: &Value) -> Option<Value> {
        self.draw(root, schema, Carrier::Token)
    }

    /// A new random token for an issued credential.
    pub fn token(&mut self) -> Option<String> {
        self.text(&TOKEN)
    }

    /// A new random version-4 UUID.
    pub fn uuid(&mut self) -> Option<String> {
        self.text(&UUID)
    }

    fn text(
        &mut self,
        strategy: &'static LocalKey<Option<BoxedStrategy<Value>>>,
    ) -> Option<String> {
        let drawn = strategy.with(|s| strategy::draw(s.as_ref()?, &mut self.runner))?;
        match drawn {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    fn draw(&mut self, root: &Value, schema: &Value, carrier: Carrier) -> Option<Value> {
        strategy::draw(&built(root, schema, carrier)?, &mut self.runner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_values_other_seed_other_values() {
        let root = json!({});
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}});
        let run = |seed| {
            let mut draws = Draws::seeded(seed);
            (0..8)
                .map(|_| draws.value(&root, &schema).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }

    #[test]
    fn answers_leave_out_write_only_properties() {
        let root = json!({});
        let schema = json!({"type": "object", "required": ["id", "password"], "properties": {
            "id": {"type": "integer", "readOnly": true},
            "password": {"type": "string", "writeOnly": true}}});
        let mut draws = Draws::seeded(1);
        for _ in 0..20 {
            let v = draws.value(&root, &schema).unwrap();
            assert!(v.get("id").is_some() && v.get("password").is_none(), "{v}");
        }
    }

    #[test]
    fn tokens_uuids_and_headers_are_url_and_header_safe() {
        let root = json!({});
        let mut draws = Draws::seeded(2);
        let a = draws.token().unwrap();
        assert_eq!(a.len(), 40);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, draws.token().unwrap());
        // The strategy is built once per thread; the tokens still follow from the seed alone.
        assert_eq!(Draws::seeded(2).token().unwrap(), a);
        let elsewhere = std::thread::spawn(|| Draws::seeded(2).token().unwrap());
        assert_eq!(elsewhere.join().unwrap(), a);
        let id = draws.uuid().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "{id}");
        let h = draws
            .header(&root, &json!({"type": "string", "nullable": true}))
            .unwrap();
        let h = h.as_str().unwrap();
        assert!(
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{h}"
        );
        assert_eq!(
            draws.value(&root, &json!({"enum": []})),
            None,
            "no value, no panic"
        );
    }
}
