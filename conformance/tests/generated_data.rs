//! Property-style check of the data generator: for every component schema of both specs and many
//! seeds, the generated value validates against the schema (response direction), and the same
//! seed gives the same value. The mock also re-validates at run time, but a schema the generator
//! gets wrong would then silently fall back to the example; this test makes that visible.

mod common;

use gamespec_spec::schema::Direction;
use gamespec_conformance::mock::data::Generator;
use gamespec_conformance::spec::{self, Spec};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
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
        for seed in 0..seeds() {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let value = Generator::new(&spec.root, dir, &mut rng).value(&schema);
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            if !errors.is_empty() {
                failures.push(format!("{name} (seed {seed}): {errors:?}\n  {value}"));
                break;
            }
            let mut again = ChaCha8Rng::seed_from_u64(seed);
            let repeat: Value = Generator::new(&spec.root, dir, &mut again).value(&schema);
            assert_eq!(value, repeat, "{name}: seed {seed} is not deterministic");
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
    for api in gamespec_spec::registry::apis().iter().map(|a| a.name.as_str()) {
        let spec = common::spec(api);
        generated_values_validate(&spec, Direction::Response);
        generated_values_validate(&spec, Direction::Request);
    }
}
