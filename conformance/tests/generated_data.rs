//! Property-style check of the one data generator (the runner's strategies, which also make the
//! mock's generated answers): for every component schema of both specs and many seeds, the
//! generated value validates against the schema in both directions, the same seed gives the
//! same value, and the mock's seeded draws of answers validate too. The mock also re-validates
//! at run time, but a schema the generator gets wrong would then silently fall back to the
//! example; this test makes that visible.

mod common;

use gamespec_conformance::generate::strategy::{self, Builder, Carrier, Optional};
use gamespec_conformance::mock::data::Draws;
use gamespec_spec::schema::Direction;
use gamespec_spec::spec::{self, Spec};
use serde_json::{Value, json};

/// Seeds per schema; `GAMESPEC_DATA_SEEDS` raises it for a longer local run.
fn seeds() -> u64 {
    std::env::var("GAMESPEC_DATA_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24)
}

fn generated_values_validate(spec: &Spec, dir: Direction) {
    let mut failures = Vec::new();
    let names = spec::component_schemas(spec);
    assert!(!names.is_empty());
    for name in &names {
        let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
        let validator = spec.validator(dir, &schema).unwrap();
        let built = match Builder::new(&spec.root, Carrier::Json, Optional::Random)
            .direction(dir)
            .build(&schema, name)
        {
            Ok(built) => built,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let draw = |seed: u64| {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&seed.to_le_bytes());
            let mut runner = strategy::seeded(&bytes);
            strategy::draw(&built, &mut runner)
        };
        let mock = |seed: u64| Draws::seeded(seed).value(&spec.root, &schema);
        for seed in 0..seeds() {
            let value = draw(seed);
            let answer = if dir == Direction::Response {
                mock(seed)
            } else {
                None
            };
            for value in [value.clone(), answer].into_iter().flatten() {
                let errors: Vec<String> = validator
                    .iter_errors(&value)
                    .map(|e| format!("{}: {e}", e.instance_path()))
                    .collect();
                if !errors.is_empty() {
                    failures.push(format!("{name} (seed {seed}): {errors:?}\n  {value}"));
                }
            }
            let Some(value) = value else {
                failures.push(format!("{name} (seed {seed}): no value drawn"));
                break;
            };
            let repeat: Option<Value> = draw(seed);
            assert_eq!(
                Some(value),
                repeat,
                "{name}: seed {seed} is not deterministic"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} component schemas got invalid data:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}

#[test]
fn generated_data_validates_for_every_component_schema_of_every_api() {
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        let spec = common::spec(api);
        generated_values_validate(&spec, Direction::Response);
        generated_values_validate(&spec, Direction::Request);
    }
}
