//! Request-shape snapshots: for every operation of both specs, the request the generated client
//! sends for the spec's first example case, as a capture server received it.
//!
//! Generated operations are called through `dispatch::call`; the ones the generator leaves out
//! (multipart uploads) through the crates' hand-written methods, so every operation has a
//! snapshot, named `<api>__<operationId>` under `tests/snapshots/`. Credentials are fixed fake
//! values and appear as `[redacted:<scheme>]`; `format: password` fields as
//! `[redacted:format-password]`. Review changes with `cargo insta review`.

mod capture;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use capture::clients::{AnyClient, CREDENTIALS, Dispatched, args_of};
use capture::shape::{Redactions, shape};
use capture::{CaptureServer, Captured};
use gamespec_conformance::case::Case;
use gamespec_conformance::generate;
use gamespec_spec::spec::Spec;
use serde_json::{Value, json};

/// The APIs by codegen's short name.
/// The APIs with a committed client crate: their requests go through that client.
fn apis() -> Vec<&'static str> {
    gamespec_spec::registry::apis()
        .iter()
        .filter(|a| a.client.is_some())
        .map(|a| a.name.as_str())
        .collect()
}

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// Send `case` through the client's hand-written method for a multipart operation.
async fn hand_written(client: &AnyClient, case: &Case) -> Result<u16, Dispatched> {
    let body = case
        .body
        .as_ref()
        .map(|b| b.value.clone())
        .unwrap_or(Value::Null);
    let text = |name: &str| match &body[name] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let path_int = |name: &str| case.path_params.get(name).and_then(Value::as_i64);
    let bad = |what: &str| Dispatched::Argument(format!("{}: {what}", case.operation));
    let upload = |field: &str| lootlocker_game::Upload {
        bytes: text(field).into_bytes(),
        file_name: "file.bin".to_owned(),
        content_type: "application/octet-stream".to_owned(),
    };
    let client_error = |e: String| Dispatched::Client(e);
    match (client, case.operation.as_str()) {
        (AnyClient::Lootlocker(c), "uploadPlayerFile") => {
            let public = match body["public"].as_str() {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            };
            c.upload_player_file(upload("file"), &text("purpose"), public)
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| client_error(e.to_string()))
        }
        (AnyClient::Lootlocker(c), "updatePlayerFile") => {
            let id = path_int("file_id").ok_or_else(|| bad("no integer file_id"))?;
            c.update_player_file(id, upload("file"))
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| client_error(e.to_string()))
        }
        (AnyClient::Lootlocker(c), "addFileToAssetCandidate") => {
            let id = path_int("candidate_id").ok_or_else(|| bad("no integer candidate_id"))?;
            let purpose = serde_json::from_value(body["purpose"].clone())
                .map_err(|e| bad(&format!("purpose: {e}")))?;
            c.add_file_to_asset_candidate(id, upload("file"), purpose)
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| client_error(e.to_string()))
        }
        (AnyClient::Xsolla(c), "uploadUserPicture") => c
            .upload_user_picture(text("picture").into_bytes(), "picture.png", "image/png")
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| client_error(e.to_string())),
        (AnyClient::Xsolla(c), "importUsers") => {
            let project = case
                .path_params
                .get("project_id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("no uuid project_id"))?;
            let comma = body["comma"].as_str();
            c.import_users(
                project,
                text("users").into_bytes(),
                &text("mapping"),
                &text("email"),
                comma,
            )
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| client_error(e.to_string()))
        }
        _ => Err(bad("no hand-written method is known for it")),
    }
}

/// Snapshot every operation of `api`; returns the problems (an operation that sent nothing, or
/// whose arguments were refused).
async fn snapshot_api(api: &str) -> Vec<String> {
    let spec = Spec::load(api).unwrap_or_else(|e| panic!("{api}: {e}"));
    let redactions = Redactions::for_spec(&spec.root);
    let server = CaptureServer::start().await.expect("capture server starts");
    let client = AnyClient::new(api, &server.url());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);

    let mut problems = Vec::new();
    for op in &spec.operations {
        let Some(case) = generate::examples(&spec, op).into_iter().next() else {
            problems.push(format!("{}: no example case", op.id));
            continue;
        };
        server.take();
        let result = if client.operations().contains(&op.id.as_str()) {
            client.call(&op.id, &args_of(&case)).await
        } else {
            hand_written(&client, &case).await
        };
        let requests: Vec<Captured> = server.take();
        let [request] = requests.as_slice() else {
            problems.push(format!(
                "{}: {} requests captured (result: {result:?})",
                op.id,
                requests.len()
            ));
            continue;
        };
        let mut shape = shape(request, &redactions).await;
        // The capture server's port changes per run; the path never contains it, but a
        // header might.
        let origin = server.url();
        for (_, v) in &mut shape.headers {
            *v = v.replace(&origin, "[origin]");
        }
        settings
            .set_info(&json!({"operation": op.id, "route": format!("{} {}", op.method, op.path)}));
        settings.bind(|| insta::assert_yaml_snapshot!(format!("{api}__{}", op.id), shape));
    }
    server.shutdown().await;
    problems
}

#[tokio::test]
async fn requests_of_every_client_match_their_snapshots() {
    for api in apis() {
        let problems = snapshot_api(api).await;
        assert!(problems.is_empty(), "{api}: {}", problems.join("\n"));
    }
}

/// The snapshot names of `dir` (without `.snap`), ignoring insta's pending `.snap.new` files.
fn snapshot_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    e.file_name()
                        .to_str()
                        .and_then(|n| n.strip_suffix(".snap"))
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the snapshot at `path` says it was written by this test file.
fn written_by_this_file(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| {
        text.lines()
            .take(4)
            .any(|l| l.trim() == "source: conformance/tests/request_shapes.rs")
    })
}

#[test]
fn one_snapshot_per_operation_and_none_unreferenced() {
    let on_disk = snapshot_names(&snapshot_dir());
    let mut expected = BTreeSet::new();
    for api in apis() {
        let spec = Spec::load(api).unwrap_or_else(|e| panic!("{api}: {e}"));
        let names: BTreeSet<String> = spec
            .operations
            .iter()
            .map(|op| format!("{api}__{}", op.id))
            .collect();
        let prefix = format!("{api}__");
        let count = on_disk.iter().filter(|n| n.starts_with(&prefix)).count();
        assert_eq!(
            count,
            spec.operations.len(),
            "{api}: {count} snapshots for {} operations",
            spec.operations.len()
        );
        expected.extend(names);
    }
    // Other tests keep snapshots in the same directory: ours carry an API prefix or name this
    // file as their source.
    let ours: BTreeSet<String> = on_disk
        .iter()
        .filter(|n| {
            apis().iter().any(|api| n.starts_with(&format!("{api}__")))
                || written_by_this_file(&snapshot_dir().join(format!("{n}.snap")))
        })
        .cloned()
        .collect();
    let missing: Vec<&String> = expected.difference(&on_disk).collect();
    let unreferenced: Vec<&String> = ours.difference(&expected).collect();
    assert!(
        missing.is_empty(),
        "operations without a snapshot: {missing:?}"
    );
    assert!(
        unreferenced.is_empty(),
        "snapshots no operation refers to (delete them): {unreferenced:?}"
    );
}

#[test]
fn no_fixed_credential_appears_in_any_snapshot() {
    let dir = snapshot_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut scanned = 0;
    let mut leaks = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        scanned += 1;
        for (scheme, value) in CREDENTIALS {
            if text.contains(value) {
                leaks.push(format!("{}: the {scheme} credential", path.display()));
            }
        }
    }
    assert!(scanned > 0, "no snapshot files under {}", dir.display());
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

#[test]
fn redaction_replaces_credentials_and_password_fields() {
    let root = json!({"components": {"schemas": {"Login": {"type": "object", "properties": {
        "password": {"type": "string", "format": "password"},
        "username": {"type": "string"}
    }}}}});
    let redactions = Redactions::for_spec(&root);
    let (scheme, token) = CREDENTIALS[0];
    assert_eq!(
        redactions.credentials(&format!("Bearer {token}")),
        format!("Bearer [redacted:{scheme}]")
    );
    let request = Captured {
        method: "POST".into(),
        path: "/login".into(),
        query: Some(format!("password=hunter2&t={token}")),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("host".into(), "127.0.0.1:1".into()),
        ],
        body: br#"{"username":"ann","password":"hunter2"}"#.to_vec(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let s = rt.block_on(shape(&request, &redactions));
    let text = serde_json::to_string(&s).unwrap();
    assert!(!text.contains("hunter2") && !text.contains(token), "{text}");
    assert!(
        !text.contains("127.0.0.1"),
        "transport headers are dropped: {text}"
    );
    assert!(text.contains("ann"), "{text}");
}

#[tokio::test]
async fn dispatch_converts_arguments_and_refuses_bad_ones() {
    use lootlocker_game_dispatch::{Args, DispatchError, call};
    let server = CaptureServer::start().await.expect("capture server starts");
    let client = capture::clients::lootlocker(&server.url());
    let args = |v: Value| -> Args { serde_json::from_value(v).expect("Args from JSON") };

    // A comma-joined list given as an array is joined; header names match in any case; `null`
    // is the same as absent.
    let sent = args(json!({
        "query": {"filter": ["purchasable", "!rentable"], "count": null},
        "header": {"ll-version": "2021-03-01"}
    }));
    assert!(
        !format!("{sent:?}").contains("purchasable"),
        "Debug shows names only"
    );
    let result = call(&client, "listAssets", &sent).await;
    assert!(
        !matches!(result, Err(DispatchError::Argument { .. })),
        "{result:?}"
    );
    let requests = server.take();
    let [request] = requests.as_slice() else {
        panic!("{} requests", requests.len())
    };
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(request.query.as_deref().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    assert_eq!(
        pairs,
        [("filter".to_owned(), "purchasable,!rentable".to_owned())]
    );
    assert_eq!(request.header("ll-version"), Some("2021-03-01"));

    // Refused before anything is sent, naming the argument.
    for (given, name) in [
        (json!({"query": {"nope": 1}}), "query/nope"),
        (json!({"query": {"count": "ten"}}), "query/count"),
        (json!({"query": {"filter": [{"a": 1}]}}), "query/filter"),
        (
            json!({"header": {"LL-Version": "1999-01-01"}}),
            "header/LL-Version",
        ),
        (json!({"body": {}}), "body"),
    ] {
        match call(&client, "listAssets", &args(given.clone())).await {
            Err(DispatchError::Argument { name: got, .. }) => assert_eq!(got, name, "{given}"),
            other => panic!("{given}: {other:?}"),
        }
    }
    assert!(server.take().is_empty(), "a refused call sends nothing");
    for id in ["uploadPlayerFile", "noSuchOperation"] {
        assert!(
            matches!(
                call(&client, id, &Args::default()).await,
                Err(DispatchError::UnknownOperation(ref got)) if got == id
            ),
            "{id}"
        );
    }

    // A documented error answer is the client's error, as text without the credential.
    server.set_reply(capture::Reply::json(401, &json!({"error": "unauthorized"})));
    match call(&client, "listAssets", &Args::default()).await {
        Err(DispatchError::Client(text)) => {
            assert!(text.contains("401"), "{text}");
            assert!(!text.contains(capture::clients::SESSION_TOKEN), "{text}");
        }
        other => panic!("{other:?}"),
    }
    server.shutdown().await;
}
