//! Response-shape snapshots: for every operation of both specs, the answer of the server under
//! test (`tests/target/`: the embedded mock unless `CONFORMANCE_BASE_URL` says otherwise) to
//! the operation's first example case, reduced to its shape.
//!
//! A shape holds the status, the media type, the names of the documented response headers that
//! came, and the body as a type tree: objects as sorted key → shape, arrays as the shape of
//! their first item (`[]` when empty), scalars as their JSON type. No value is ever kept, so
//! neither credentials nor generated ids can reach a snapshot, and only a change of structure
//! changes one.
//!
//! Snapshots are `tests/snapshots/response_shapes__<api>__<operationId>.snap`, recorded
//! against the mock (review with `cargo insta review`). Against another server every operation
//! is compared before the test fails: each mismatch prints insta's diff (stored mock shape
//! against what the server sent, the new file going under the target directory, not into the
//! repository) and the failure lists the operations that differ.

mod target;

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use gamespec_conformance::exchange::WireResponse;
use gamespec_conformance::generate;
use gamespec_spec::spec::{Operation, Spec};
use serde::Serialize;
use serde_json::{Map, Value, json};
use target::Target;

/// What tells snapshots of this file from the other suites' in the shared directory.
const PREFIX: &str = "response_shapes__";

/// The committed snapshots.
fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// An answer without its values.
#[derive(Debug, Serialize)]
struct ResponseShape {
    status: u16,
    /// The media type of `Content-Type`, parameters dropped.
    content_type: Option<String>,
    /// Documented response headers that came, lower case, sorted.
    headers: Vec<String>,
    /// The body's type tree; `null` for an empty body, `<text>` for a body that is not JSON.
    body: Value,
}

/// The type tree of a JSON value: the same nesting with every scalar replaced by its type name.
fn tree(value: &Value) -> Value {
    match value {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!("integer"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(items) => Value::Array(items.first().map(tree).into_iter().collect()),
        Value::Object(fields) => {
            // Sorted here: with `preserve_order` the map keeps insertion order, and the
            // server's field order is no part of the shape.
            let sorted: BTreeMap<&String, Value> =
                fields.iter().map(|(k, v)| (k, tree(v))).collect();
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), v))
                    .collect::<Map<_, _>>(),
            )
        }
    }
}

/// The shape of `response`, an answer to `op`.
fn shape(op: &Operation, response: &WireResponse) -> ResponseShape {
    // The headers of the status received when it is documented, else of every status: an
    // undocumented status still shows which documented headers came.
    let documented: BTreeSet<String> = match op.response(response.status) {
        Some(r) => r
            .headers
            .iter()
            .map(|h| h.name.to_ascii_lowercase())
            .collect(),
        None => op
            .responses
            .iter()
            .flat_map(|r| &r.headers)
            .map(|h| h.name.to_ascii_lowercase())
            .collect(),
    };
    let headers = documented
        .into_iter()
        .filter(|name| name != "content-type" && response.header(name).is_some())
        .collect();
    let content_type = response.media_type().filter(|m| !m.is_empty());
    let json_media = content_type
        .as_deref()
        .is_some_and(|m| m.ends_with("/json") || m.ends_with("+json"));
    let body = if response.body.is_empty() {
        Value::Null
    } else {
        match response.json() {
            Ok(value) if json_media => tree(value),
            _ => json!("<text>"),
        }
    };
    ResponseShape {
        status: response.status,
        content_type,
        headers,
        body,
    }
}

/// The order operations are sent in, so that no request changes a later answer: deletes after
/// everything else, and deletes of the caller's own things (no path parameter: the session, the
/// player) last of all.
fn sending_order(mut ops: Vec<&Operation>) -> Vec<&Operation> {
    ops.sort_by_key(|op| {
        match (
            op.method.eq_ignore_ascii_case("DELETE"),
            op.path.contains('{'),
        ) {
            (false, _) => 0,
            (true, true) => 1,
            (true, false) => 2,
        }
    });
    ops
}

/// Where the snapshots compared against live. Against another server, a copy of the committed
/// ones under the target directory: insta writes what differs next to the snapshot it compares
/// with, and a foreign server's shapes are no candidate for the repository.
fn comparison_dir(api: &str, target: &Target) -> PathBuf {
    if target.is_mock() {
        return snapshot_dir();
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("response_shapes")
        .join(api);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let ours = format!("{PREFIX}{api}__");
    for name in snapshot_names(&snapshot_dir()) {
        if name.starts_with(&ours) {
            let file = format!("{name}.snap");
            std::fs::copy(snapshot_dir().join(&file), dir.join(&file))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
        }
    }
    eprintln!(
        "note: comparing {} with the mock's shapes; new shapes go to {}",
        target.base_url,
        dir.display()
    );
    dir
}

/// The message insta's assertion panics with; such panics are expected and caught.
const INSTA_MISMATCH: &str = "snapshot assertion for '";

/// Print caught snapshot mismatches as their one-line message: insta has printed the diff
/// already, and a backtrace per differing operation (with `RUST_BACKTRACE` set) would bury
/// the diffs. Every other panic goes to the hook that was installed before.
fn quiet_snapshot_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied());
            match message {
                Some(m) if m.starts_with(INSTA_MISMATCH) => eprintln!("{m}"),
                _ => previous(info),
            }
        }));
    });
}

/// Snapshot the shape of every operation of `api`; returns the operations that failed, each
/// with why (a shape that differs, no answer, no credential).
async fn snapshot_api(api: &str) -> Vec<String> {
    let Some(target) = Target::start(api).await else {
        return Vec::new();
    };
    quiet_snapshot_panics();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(comparison_dir(api, &target));
    settings.set_omit_expression(true);
    let mut problems = Vec::new();
    for op in sending_order(target.operations()) {
        if let Some(why) = target.missing_credentials(op).await {
            problems.push(format!("{}: not sent: {why}", op.id));
            continue;
        }
        let Some(case) = generate::examples(&target.spec, op).into_iter().next() else {
            problems.push(format!("{}: the spec yields no example case", op.id));
            continue;
        };
        let exchange = match target.exchange(case).await {
            Ok(exchange) => exchange,
            Err(why) => {
                problems.push(format!("{}: the example cannot be sent: {why}", op.id));
                continue;
            }
        };
        let response = match &exchange.response {
            Ok(response) => response,
            Err(e) => {
                problems.push(format!(
                    "{}: no answer: {}",
                    op.id,
                    target.redactor.redact(e)
                ));
                continue;
            }
        };
        let shape = shape(op, response);
        settings.set_info(&json!({
            "operation": op.id,
            "route": format!("{} {}", op.method.to_ascii_uppercase(), op.path),
        }));
        let name = format!("{api}__{}", op.id);
        // One operation's mismatch must not hide the others': insta prints its diff and
        // panics; the panic is caught and the operation listed.
        let compared = catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_yaml_snapshot!(name.clone(), shape));
        }));
        if compared.is_err() {
            problems.push(format!(
                "{}: the shape differs from {PREFIX}{name}.snap (diff above)",
                op.id
            ));
        }
    }
    target.shutdown().await;
    problems
}

fn assert_no_problems(api: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{api}: {} operations failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[tokio::test]
async fn answers_of_every_api_match_their_shapes() {
    for api in target::apis() {
        let problems = snapshot_api(api).await;
        assert_no_problems(api, &problems);
    }
}

/// The snapshot names of `dir` (without `.snap`), ignoring insta's pending `.snap.new` files.
fn snapshot_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".snap"))
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn one_shape_per_operation_and_none_unreferenced() {
    let ours: BTreeSet<String> = snapshot_names(&snapshot_dir())
        .into_iter()
        .filter(|n| n.starts_with(PREFIX))
        .collect();
    let mut expected = BTreeSet::new();
    for api in target::apis() {
        let spec = Spec::load(api).unwrap_or_else(|e| panic!("{api}: {e}"));
        expected.extend(
            spec.operations
                .iter()
                .map(|op| format!("{PREFIX}{api}__{}", op.id)),
        );
    }
    let missing: Vec<&String> = expected.difference(&ours).collect();
    let unreferenced: Vec<&String> = ours.difference(&expected).collect();
    assert!(
        missing.is_empty(),
        "operations without a shape: {missing:?}"
    );
    assert!(
        unreferenced.is_empty(),
        "shapes no operation refers to (delete them): {unreferenced:?}"
    );
}

#[test]
fn a_shape_keeps_structure_and_no_value() {
    let body = json!({
        "session_token": "tok-secret-0123456789",
        "player": {"id": 7, "ratio": 0.5, "name": null, "public": true},
        "items": [{"b": "x", "a": 1}, {"c": 2}],
        "none": []
    });
    let response = WireResponse::new(
        200,
        vec![
            (
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            ),
            ("x-request-id".into(), "req-42".into()),
        ],
        body.to_string(),
    );
    let spec = Spec::load("lootlocker").unwrap_or_else(|e| panic!("{e}"));
    let op = spec
        .operation("startGuestSession")
        .expect("startGuestSession is in the spec");
    let s = shape(op, &response);
    assert_eq!(s.status, 200);
    assert_eq!(s.content_type.as_deref(), Some("application/json"));
    assert!(
        s.headers.is_empty(),
        "undocumented headers are left out: {s:?}"
    );
    assert_eq!(
        s.body,
        json!({
            "items": [{"a": "integer", "b": "string"}],
            "none": [],
            "player": {"id": "integer", "name": "null", "public": "boolean", "ratio": "number"},
            "session_token": "string"
        })
    );
    let keys: Vec<&String> = s
        .body
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        ["items", "none", "player", "session_token"],
        "keys are sorted"
    );
    let text = serde_json::to_string(&s).expect("a shape serialises");
    assert!(
        !text.contains("tok-secret") && !text.contains("req-42"),
        "{text}"
    );

    let text_body = WireResponse::new(
        200,
        vec![("content-type".into(), "text/plain".into())],
        "{\"looks\": \"like json\"}".into(),
    );
    assert_eq!(shape(op, &text_body).body, json!("<text>"));
    let empty = WireResponse::new(204, Vec::new(), String::new());
    let s = shape(op, &empty);
    assert_eq!((s.content_type, s.body), (None, Value::Null));
}

#[test]
fn deletes_are_sent_last_and_self_deletes_after_them() {
    let spec = Spec::load("lootlocker").unwrap_or_else(|e| panic!("{e}"));
    let order = sending_order(spec.operations.iter().collect());
    assert_eq!(order.len(), spec.operations.len());
    let is_delete = |op: &&Operation| op.method.eq_ignore_ascii_case("DELETE");
    let first_delete = order
        .iter()
        .position(is_delete)
        .expect("the spec has deletes");
    assert!(
        order[first_delete..].iter().all(is_delete),
        "a delete comes before a non-delete"
    );
    let deletes = &order[first_delete..];
    let first_own = deletes
        .iter()
        .position(|op| !op.path.contains('{'))
        .expect("the spec deletes something of the caller's own");
    assert!(
        deletes[first_own..].iter().all(|op| !op.path.contains('{')),
        "a delete of a named resource comes after a delete of the caller's own: {:?}",
        deletes.iter().map(|op| &op.id).collect::<Vec<_>>()
    );
}
