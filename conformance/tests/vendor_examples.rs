//! The vendor examples corpus (`spec/examples/<api>/*.json`): request and response bodies the
//! vendors publish (operation pages, OpenAPI renderings, SDK fixtures), one file each with its
//! source, checked against the specs and the generated clients.
//!
//! - every example not marked `rejected` validates against its operation's schema for its
//!   direction (request body, or the response of its status) and media type;
//! - every example marked `rejected` (a vendor sample that contradicts the vendor's own schema)
//!   fails that validation, so the reason stays true;
//! - every accepted response body decodes through the generated Rust client: a loopback server
//!   answers the example to the operation's `dispatch::call` (a documented success must come
//!   back as one, a documented error as the operation's typed error), and the body also
//!   round-trips through the generated type of its component schema when the response names one.
//!
//! Each file is one JSON object: `operation`, `direction` (`request` or `response`), `status`
//! (responses only), `media_type`, `source`, `retrieved`, `body`, and `rejected` (the reason) only
//! when the spec must reject the body. Each API's examples live in the folder named for its
//! registry name, so the test walks the registry and never names an API.

mod capture;

use std::path::{Path, PathBuf};

use capture::clients::{AnyClient, Dispatched, args_of};
use capture::{CaptureServer, Reply};
use gamespec_conformance::generate;
use gamespec_spec::registry::{Api, apis, workspace_root};
use gamespec_spec::spec::{Media, Operation, Spec};
use serde::Deserialize;
use serde_json::Value;

/// How `dispatch::call` (gamespec-client-support's `finish`) begins its message for a documented
/// error answer that decoded into the operation's typed error.
const TYPED_ERROR: &str = "documented error status";

/// One example file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorExample {
    operation: String,
    direction: Direction,
    #[serde(default)]
    status: Option<String>,
    media_type: String,
    source: String,
    retrieved: String,
    body: Value,
    #[serde(default)]
    rejected: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Direction {
    Request,
    Response,
}

/// The examples folder of `api`.
fn folder(api: &Api) -> PathBuf {
    workspace_root().join("spec/examples").join(&api.name)
}

/// Every example file of `api`, sorted, parsed; a file that does not parse is a failure.
fn load(api: &Api) -> Vec<(String, Result<VendorExample, String>)> {
    let dir = folder(api);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = shown(&path);
            let parsed = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<VendorExample>(&t).map_err(|e| e.to_string()));
            (name, parsed)
        })
        .collect()
}

fn shown(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The media the example is checked against, or why there is none.
fn media<'a>(op: &'a Operation, ex: &VendorExample) -> Result<&'a Media, String> {
    match ex.direction {
        Direction::Request => {
            let (_, media) = op
                .body
                .as_ref()
                .ok_or_else(|| format!("{} has no request body", op.id))?;
            media
                .iter()
                .find(|m| m.media_type == ex.media_type)
                .ok_or_else(|| format!("{} takes no {} request body", op.id, ex.media_type))
        }
        Direction::Response => {
            let status = status_of(ex)?;
            let response = op
                .response(status)
                .ok_or_else(|| format!("{} documents no {status} response", op.id))?;
            response
                .content
                .as_ref()
                .filter(|m| m.media_type == ex.media_type)
                .ok_or_else(|| format!("{} {status} has no {} body", op.id, ex.media_type))
        }
    }
}

fn status_of(ex: &VendorExample) -> Result<u16, String> {
    ex.status
        .as_deref()
        .ok_or("a response example needs `status`")?
        .parse()
        .map_err(|e| format!("status: {e}"))
}

/// The schema violations of the example's body (empty when valid).
fn violations(media: &Media, body: &Value) -> Vec<String> {
    media
        .validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Checks the file-level rules and the schema verdict; returns the operation for accepted
/// response examples, to decode.
fn check_one<'s>(
    spec: &'s Spec,
    name: &str,
    ex: &VendorExample,
    problems: &mut Vec<String>,
) -> Option<&'s Operation> {
    if ex.source.trim().is_empty() || ex.retrieved.len() != 10 {
        problems.push(format!(
            "{name}: `source` and an ISO `retrieved` date are required"
        ));
    }
    if ex.direction == Direction::Request && ex.status.is_some() {
        problems.push(format!("{name}: a request example has no `status`"));
    }
    let Some(op) = spec.operation(&ex.operation) else {
        problems.push(format!("{name}: no operation {}", ex.operation));
        return None;
    };
    let media = match media(op, ex) {
        Ok(m) => m,
        Err(e) => {
            problems.push(format!("{name}: {e}"));
            return None;
        }
    };
    let found = violations(media, &ex.body);
    match (&ex.rejected, found.is_empty()) {
        (None, true) => (ex.direction == Direction::Response).then_some(op),
        (None, false) => {
            problems.push(format!(
                "{name}: invalid against the spec: {}",
                found.join("; ")
            ));
            None
        }
        (Some(_), false) => None,
        (Some(reason), true) => {
            problems.push(format!(
                "{name}: listed as rejected ({reason}) but the spec accepts it"
            ));
            None
        }
    }
}

/// The component schema a response body names directly (`$ref`), if any.
fn component(media: &Media) -> Option<&str> {
    media.schema["$ref"]
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// Decode one accepted response example through the generated client of `api`.
async fn decode(
    api: &Api,
    spec: &Spec,
    client: &AnyClient,
    server: &CaptureServer,
    op: &Operation,
    ex: &VendorExample,
) -> Result<(), String> {
    let status = status_of(ex)?;
    let media = media(op, ex)?;
    let mut decoded = false;
    if let Some(schema) = component(media)
        && let Some(result) = roundtrip(api, schema, ex.body.clone())
    {
        result.map_err(|e| format!("as {schema}: {e}"))?;
        decoded = true;
    }
    if client.operations().contains(&op.id.as_str()) {
        let case = generate::examples(spec, op)
            .into_iter()
            .next()
            .ok_or_else(|| format!("{} has no example request to send", op.id))?;
        server.set_reply(Reply::json(status, &ex.body));
        let answer = client.call(&op.id, &args_of(&case)).await;
        server.take();
        let success = (200..300).contains(&status);
        match answer {
            Ok(got) if success && got == status => decoded = true,
            Ok(got) => return Err(format!("the client reported status {got}, not {status}")),
            Err(Dispatched::Argument(e)) => return Err(format!("arguments refused: {e}")),
            // A documented error status comes back as the operation's typed error value; a body
            // that does not decode into it is reported as not decoding instead.
            Err(Dispatched::Client(e)) if !success && e.starts_with(TYPED_ERROR) => decoded = true,
            Err(Dispatched::Client(e)) => {
                return Err(format!("the generated client did not decode it: {e}"));
            }
        }
    }
    if decoded {
        Ok(())
    } else {
        Err(format!(
            "nothing in the generated client decodes a {status} answer of {} (no component type, no generated call)",
            op.id
        ))
    }
}

/// `dispatch::roundtrip` of the API's client crate (the clients know their own schema names).
fn roundtrip(api: &Api, schema: &str, value: Value) -> Option<Result<Value, String>> {
    let client = AnyClient::new(&api.name, "http://127.0.0.1:9");
    client.roundtrip(schema, value)
}

#[test]
fn vendor_examples_hold_against_the_specs_and_decode_in_the_clients() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut problems = Vec::new();
    let mut counts = Vec::new();
    for api in apis().iter().filter(|a| folder(a).is_dir()) {
        let spec = Spec::load(&api.name).unwrap_or_else(|e| panic!("{}: {e}", api.name));
        let examples = load(api);
        let server = rt
            .block_on(CaptureServer::start())
            .expect("capture server starts");
        let client = api
            .client
            .is_some()
            .then(|| AnyClient::new(&api.name, &server.url()));
        let (mut accepted, mut rejected) = (0, 0);
        for (name, parsed) in &examples {
            let ex = match parsed {
                Ok(ex) => ex,
                Err(e) => {
                    problems.push(format!("{name}: {e}"));
                    continue;
                }
            };
            if ex.rejected.is_some() {
                rejected += 1;
            } else {
                accepted += 1;
            }
            let Some(op) = check_one(&spec, name, ex, &mut problems) else {
                continue;
            };
            let Some(client) = &client else { continue };
            if let Err(e) = rt.block_on(decode(api, &spec, client, &server, op, ex)) {
                problems.push(format!("{name}: {e}"));
            }
        }
        rt.block_on(server.shutdown());
        counts.push(format!(
            "{}: {} examples ({accepted} accepted, {rejected} rejected with a reason)",
            api.name,
            examples.len()
        ));
    }
    eprintln!("{}", counts.join("\n"));
    assert!(
        !counts.is_empty(),
        "no API has a spec/examples/<api> folder"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
