//! Properties of the generated clients, checked against the specs:
//!
//! - every component schema: a schema-valid value deserializes into its generated type
//!   (`dispatch::roundtrip`) and what the type serializes back still validates (response
//!   direction), so the types neither reject nor mangle what the server may send;
//! - any answer (arbitrary JSON, a documented body with a field of the wrong type, truncated or
//!   non-UTF-8 bytes, a wrong content type, numbers beyond any Rust type, any status) to any
//!   generated operation makes `dispatch::call` return, never panic.
//!
//! Budget: a few seconds in a debug build on 2 cores (see the case counts below). Failing seeds
//! are kept in `tests/proptest-regressions/client_properties.txt` and replayed first.

mod capture;

use std::sync::Arc;

use capture::clients::{AnyClient, Dispatched, args_of};
use capture::{CaptureServer, Reply};
use gamespec_conformance::generate;
use gamespec_conformance::generate::strategy::{Builder, Carrier, Optional};
use gamespec_spec::schema::Direction;
use gamespec_spec::spec::{Spec, component_schemas};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestError, TestRunner};
use serde_json::{Number, Value, json};

/// Drawn values per component schema.
const CASES_PER_SCHEMA: u32 = 24;
/// Random answers per API, on top of the fixed sweep of every operation.
const RANDOM_ANSWERS: u32 = 192;
/// Where failing seeds are kept (relative to the package, where `cargo test` runs tests).
const REGRESSIONS: &str = "tests/proptest-regressions/client_properties.txt";

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        source_file: Some(file!()),
        max_shrink_iters: 256,
        ..Config::default()
    }
}

type Roundtrip = fn(&str, Value) -> Option<Result<Value, String>>;

/// `api`'s roundtrip function and the schemas it handles.
fn roundtrip_of(api: &str) -> (Roundtrip, &'static [&'static str]) {
    match api {
        "lootlocker" => (
            lootlocker_game_dispatch::roundtrip,
            lootlocker_game_dispatch::SCHEMAS,
        ),
        "xsolla" => (
            xsolla_login_dispatch::roundtrip,
            xsolla_login_dispatch::SCHEMAS,
        ),
        other => panic!("unknown API {other}"),
    }
}

/// At most `max` characters of `value`'s JSON text, for messages.
fn brief(value: &Value, max: usize) -> String {
    let text = value.to_string();
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// Every component schema of `api` through its generated type; returns one line per schema
/// that fails, naming it.
fn roundtrip_every_schema(api: &str) -> Vec<String> {
    let spec = Spec::load(api).unwrap_or_else(|e| panic!("{api}: {e}"));
    let (roundtrip, typed) = roundtrip_of(api);
    let mut failures = Vec::new();
    for name in component_schemas(&spec) {
        if !typed.contains(&name.as_str()) {
            // No generated type (listed in the generated SCHEMAS docs): nothing to round-trip.
            if roundtrip(&name, json!(null)).is_some() {
                failures.push(format!(
                    "{api}/{name}: not in SCHEMAS but roundtrip handles it"
                ));
            }
            continue;
        }
        let reference = json!({"$ref": format!("#/components/schemas/{}", name.replace('~', "~0").replace('/', "~1"))});
        let validator = match spec.validator(Direction::Response, &reference) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{api}/{name}: no validator: {e}"));
                continue;
            }
        };
        let strategy = match Builder::new(&spec.root, Carrier::Json, Optional::Random)
            .build(&reference, &name)
        {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{api}/{name}: no value can be drawn: {e}"));
                continue;
            }
        };
        let mut runner = TestRunner::new(config(CASES_PER_SCHEMA));
        let outcome = runner.run(&strategy, |value| {
            // The strategies draw request-direction values; the property is about what a
            // server may send, so values only valid as requests are skipped.
            prop_assume!(validator.is_valid(&value));
            let back = match roundtrip(&name, value) {
                None => return Err(TestCaseError::fail("roundtrip knows no such schema")),
                Some(Err(e)) => return Err(TestCaseError::fail(e)),
                Some(Ok(back)) => back,
            };
            let errors: Vec<String> = validator
                .iter_errors(&back)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            prop_assert!(
                errors.is_empty(),
                "serialized back to {} which does not validate: {}",
                brief(&back, 300),
                errors.join("; ")
            );
            Ok(())
        });
        match outcome {
            Ok(()) => {}
            Err(TestError::Fail(reason, value)) => failures.push(format!(
                "{api}/{name}: {reason}\n    value: {}",
                brief(&value, 400)
            )),
            Err(TestError::Abort(reason)) => failures.push(format!("{api}/{name}: {reason}")),
        }
    }
    failures
}

/// The APIs with a committed client crate.
fn clients() -> impl Iterator<Item = &'static str> {
    gamespec_spec::registry::apis()
        .iter()
        .filter(|a| a.client.is_some())
        .map(|a| a.name.as_str())
}

#[test]
fn schema_values_of_every_client_roundtrip_through_the_generated_types() {
    for api in clients() {
        let failures = roundtrip_every_schema(api);
        assert!(failures.is_empty(), "{api}: {}", failures.join("\n"));
    }
}

/// Values of fields typed `anyOf` of scalars of different types (cursors, rental option ids)
/// that once failed to deserialize (typify made a struct of flattened `Option`s until the
/// generator view turned the `anyOf` into a `oneOf`): `api/name` and the value. Each must come
/// back unchanged.
const SCALAR_CHOICE_WITNESSES: &[(&str, &str)] = &[
    (
        "lootlocker/CountCursorPagination",
        r#"{"previous_cursor": 0}"#,
    ),
    (
        "lootlocker/CountCursorPagination",
        r#"{"next_cursor": "c2VlZA", "total": 3}"#,
    ),
    (
        "lootlocker/InventoryItem",
        r#"{"instance_id": 0, "rental_option_id": 7}"#,
    ),
    (
        "lootlocker/InventoryItem",
        r#"{"instance_id": 0, "rental_option_id": "7"}"#,
    ),
    (
        "lootlocker/LeaderboardList",
        r#"{"pagination": {"next_cursor": 0}, "items": []}"#,
    ),
    (
        "lootlocker/ListRemovedUgcResponse",
        r#"{"pagination": {"previous_cursor": "x"}}"#,
    ),
];

#[test]
fn scalar_choices_roundtrip_each_of_their_types() {
    for (at, witness) in SCALAR_CHOICE_WITNESSES {
        let (api, name) = at.split_once('/').expect("api/name");
        let spec = Spec::load(api).unwrap_or_else(|e| panic!("{api}: {e}"));
        let (roundtrip, _) = roundtrip_of(api);
        let value: Value = serde_json::from_str(witness).expect("witness is JSON");
        let reference = json!({"$ref": format!("#/components/schemas/{name}")});
        let validator = spec
            .validator(Direction::Response, &reference)
            .unwrap_or_else(|e| panic!("{at}: {e}"));
        assert!(
            validator.is_valid(&value),
            "{at}: the witness {witness} is not schema-valid"
        );
        match roundtrip(name, value.clone()) {
            Some(Ok(back)) => assert_eq!(back, value, "{at}: {witness} came back changed"),
            other => panic!("{at}: {witness} does not round-trip: {other:?}"),
        }
    }
}

#[test]
fn roundtrip_answers_none_for_a_name_without_a_type() {
    for api in clients() {
        let (roundtrip, typed) = roundtrip_of(api);
        assert!(roundtrip("NoSuchSchema", json!({})).is_none());
        // And a typed schema does refuse what is clearly not it.
        let first = typed.first().expect("some schema has a type");
        assert!(
            matches!(roundtrip(first, json!([[[]]])), Some(Err(_))),
            "{api}/{first} accepted [[[]]]"
        );
    }
}

// ---- answers of any shape -------------------------------------------------------------------

/// Any JSON value, small.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        "[a-z_]{0,10}".prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Number literals no Rust number type holds, as JSON text.
fn huge_number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1e400".to_owned()),
        Just("-1e400".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("-9223372036854775809".to_owned()),
        "[1-9][0-9]{20,60}".prop_map(|s| s),
        "[1-9][0-9]{0,3}\\.[0-9]{1,40}[eE][-+]?[0-9]{3,5}".prop_map(|s| s),
    ]
}

/// Every JSON pointer inside `value` (including the root, `""`).
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// `example` with the value at one of its pointers replaced by `replacement`.
fn replaced(example: &Value, at: &str, replacement: Value) -> Value {
    let mut out = example.clone();
    if let Some(slot) = out.pointer_mut(at) {
        *slot = replacement;
    }
    out
}

/// One operation's call: its id, the arguments of its first example case, and its documented
/// success example (the base that answers are mutated from).
#[derive(Debug, Clone)]
struct Target {
    operation: String,
    args: Value,
    example: Value,
    statuses: Vec<u16>,
}

fn targets(spec: &Spec, operations: &[&str]) -> Vec<Target> {
    operations
        .iter()
        .filter_map(|id| {
            let op = spec.operation(id)?;
            let case = generate::examples(spec, op).into_iter().next()?;
            let example = op
                .success()
                .and_then(|r| r.content.as_ref())
                .and_then(|m| m.examples.first())
                .map(|e| e.value.clone())
                .unwrap_or(json!({}));
            Some(Target {
                operation: op.id.clone(),
                args: args_of(&case),
                example,
                statuses: op.responses.iter().map(|r| r.status).collect(),
            })
        })
        .collect()
}

/// A body: the documented example with one place given a value of any type, any JSON, a cut
/// off JSON text, a huge number where a value was, or random bytes.
fn body(example: Value) -> BoxedStrategy<Vec<u8>> {
    let mut places = Vec::new();
    pointers(&example, String::new(), &mut places);
    let text = example.to_string();
    let cut_max = text.len().max(1);
    let (ex1, ex2, places2) = (example.clone(), example.clone(), places.clone());
    prop_oneof![
        3 => (proptest::sample::select(places), any_json())
            .prop_map(move |(at, v)| replaced(&ex1, &at, v).to_string().into_bytes()),
        2 => any_json().prop_map(|v| v.to_string().into_bytes()),
        1 => (0..cut_max).prop_map(move |n| text.as_bytes()[..n.min(text.len())].to_vec()),
        1 => (proptest::sample::select(places2), huge_number()).prop_map(move |(at, n)| {
            // Put a marker where the number goes, then swap in the literal as raw text.
            let marked = replaced(&ex2, &at, json!("\u{1}huge\u{1}")).to_string();
            marked.replace("\"\\u0001huge\\u0001\"", &n).into_bytes()
        }),
        1 => vec(any::<u8>(), 0..96),
    ]
    .boxed()
}

/// Statuses: the operation's documented ones, common ones, any from 200 to 599.
fn status(documented: Vec<u16>) -> BoxedStrategy<u16> {
    let common = vec![200u16, 201, 204, 301, 304, 400, 401, 404, 429, 500, 503];
    if documented.is_empty() {
        return prop_oneof![proptest::sample::select(common), 200u16..600].boxed();
    }
    prop_oneof![
        3 => proptest::sample::select(documented),
        1 => proptest::sample::select(common),
        1 => 200u16..600,
    ]
    .boxed()
}

/// Content types, right and wrong.
fn content_type() -> impl Strategy<Value = Option<String>> {
    proptest::sample::select(vec![
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        Some("application/problem+json"),
        Some("text/plain"),
        Some("text/html; charset=iso-8859-1"),
        Some("application/octet-stream"),
        Some("multipart/form-data; boundary=x"),
        None,
    ])
    .prop_map(|c| c.map(str::to_owned))
}

/// An answer to target `i`.
fn reply(targets: Arc<Vec<Target>>) -> impl Strategy<Value = (usize, Reply)> {
    (0..targets.len()).prop_flat_map(move |i| {
        let t = &targets[i];
        (
            Just(i),
            status(t.statuses.clone()),
            content_type(),
            body(t.example.clone()),
        )
            .prop_map(|(i, status, content_type, body)| {
                let headers = content_type
                    .map(|c| vec![("content-type".to_owned(), c)])
                    .unwrap_or_default();
                (
                    i,
                    Reply {
                        status,
                        headers,
                        body,
                    },
                )
            })
    })
}

/// Fixed answers every operation gets, whatever the random draws cover.
fn fixed_replies() -> Vec<Reply> {
    let json = |status: u16, body: &str| Reply {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.as_bytes().to_vec(),
    };
    let deep = format!("{}{}", "[".repeat(4096), "]".repeat(4096));
    vec![
        json(200, "{}"),
        json(200, "[]"),
        json(200, "null"),
        json(
            200,
            r#"{"id": "not a number", "session_token": 5, "items": {"a": 1}}"#,
        ),
        json(
            200,
            r#"{"id": 1e400, "count": 123456789012345678901234567890}"#,
        ),
        json(200, r#"{"session_token": "abc", "pla"#),
        json(200, &deep),
        json(200, ""),
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/html".into())],
            body: b"<html>maintenance</html>".to_vec(),
        },
        Reply {
            status: 200,
            headers: vec![],
            body: vec![0xff, 0xfe, 0x00, 0x7b],
        },
        json(204, r#"{"unexpected": true}"#),
        json(400, r#"{"error": ["wrong", "shape"]}"#),
        json(401, "not json"),
        json(404, ""),
        json(429, "{}"),
        json(500, "{}"),
        json(599, "{}"),
    ]
}

/// What went wrong with one call, if anything: a panic, or arguments the client refused (the
/// example case should always be callable).
async fn call_once(
    client: &AnyClient,
    server: &CaptureServer,
    target: &Target,
    reply: Reply,
) -> Option<String> {
    server.set_reply(reply);
    let (client, operation, args) = (
        client.clone(),
        target.operation.clone(),
        target.args.clone(),
    );
    let joined = tokio::spawn(async move { client.call(&operation, &args).await }).await;
    server.take();
    match joined {
        Err(e) if e.is_panic() => Some(format!("{}: panicked", target.operation)),
        Err(e) => Some(format!("{}: the call task failed: {e}", target.operation)),
        Ok(Err(Dispatched::Argument(e))) => {
            Some(format!("{}: arguments refused: {e}", target.operation))
        }
        Ok(_) => None,
    }
}

fn answers_never_panic(api: &str) {
    let spec = Spec::load(api).unwrap_or_else(|e| panic!("{api}: {e}"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt
        .block_on(CaptureServer::start())
        .expect("capture server starts");
    let client = AnyClient::new(api, &server.url());
    let targets = Arc::new(targets(&spec, client.operations()));
    assert_eq!(
        targets.len(),
        client.operations().len(),
        "{api}: every generated operation has an example case"
    );

    // Every operation gets every fixed answer.
    let mut problems = Vec::new();
    for target in targets.iter() {
        for reply in fixed_replies() {
            let status = reply.status;
            if let Some(p) = rt.block_on(call_once(&client, &server, target, reply)) {
                problems.push(format!("{p} (fixed answer, status {status})"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Then random answers to random operations.
    let mut runner = TestRunner::new(config(RANDOM_ANSWERS));
    let outcome = runner.run(&reply(targets.clone()), |(i, reply)| {
        let problem = rt.block_on(call_once(&client, &server, &targets[i], reply));
        prop_assert!(problem.is_none(), "{}", problem.unwrap_or_default());
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{api}: {e}");
    }
    rt.block_on(server.shutdown());
}

#[test]
fn calls_of_every_client_survive_any_answer() {
    for api in clients() {
        answers_never_panic(api);
    }
}
