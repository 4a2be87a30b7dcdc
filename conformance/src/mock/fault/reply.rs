//! Rewriting an answer the way the active faults of its operation say: the success answer's
//! body, status, headers and media type, and the client-error answers' bodies; and spotting
//! the non-ASCII text a crashing server would choke on.

use serde_json::json;

use super::{FaultKind, FaultPlan, body, kind::breakable_header};
use crate::mock::respond::{Body, Reply};
use gamespec_spec::spec::Spec;

/// Kinds that break the JSON of a success answer, in the order they are tried.
const BODY_KINDS: [FaultKind; 5] = [
    FaultKind::DropField,
    FaultKind::MistypeField,
    FaultKind::NullField,
    FaultKind::BrokenFormat,
    FaultKind::BrokenBounds,
];

/// Rewrite the success answer `reply` of operation `index` per the faults active on it.
pub fn success(plan: &FaultPlan, spec: &Spec, index: usize, reply: &mut Reply) {
    let Some(op) = spec.operations.get(index) else {
        return;
    };
    let has = |k| plan.has(index, k);
    let documented = op.response(reply.status);
    if let (Body::Json(_, value), Some(media)) =
        (&mut reply.body, documented.and_then(|r| r.content.as_ref()))
    {
        for kind in BODY_KINDS {
            if has(kind)
                && let Some(broken) = plan.broken((index, kind, reply.status), value, || {
                    body::mutate(kind, &spec.root, media, value)
                })
            {
                *value = broken;
            }
        }
    }
    if let Body::Json(media_type, value) = &reply.body {
        let media_type = media_type.clone();
        if has(FaultKind::TruncatedJson) {
            let text = value.to_string();
            let mut cut = text.len() / 2;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            reply.body = Body::Text(media_type.clone(), text[..cut.max(1)].to_owned());
        } else if has(FaultKind::EmptyBody) {
            reply.body = Body::Text(media_type.clone(), String::new());
        } else if has(FaultKind::HtmlBody) {
            reply.body = Body::Text(media_type.clone(), HTML.to_owned());
        }
    }
    if has(FaultKind::WrongContentType) {
        reply.body = match std::mem::replace(&mut reply.body, Body::Empty) {
            Body::Json(_, v) => Body::Text("text/html".into(), v.to_string()),
            Body::Text(_, t) => Body::Text("text/html".into(), t),
            Body::Serialized(_, b) => {
                Body::Text("text/html".into(), String::from_utf8_lossy(&b).into_owned())
            }
            Body::Empty => Body::Empty,
        };
    }
    if let Some(response) = documented {
        if has(FaultKind::MissingHeader) {
            reply.headers.retain(|(name, _)| {
                !response
                    .headers
                    .iter()
                    .any(|h| h.required && h.name.eq_ignore_ascii_case(name))
            });
        }
        if has(FaultKind::InvalidHeader) {
            for header in &response.headers {
                if breakable_header(&spec.root, &header.schema) {
                    reply
                        .headers
                        .retain(|(name, _)| !name.eq_ignore_ascii_case(&header.name));
                    reply
                        .headers
                        .push((header.name.clone(), "not-a-valid-value".into()));
                }
            }
        }
    }
    if has(FaultKind::BodyOn204) && reply.status == 204 {
        // HTTP libraries (hyper among them) drop the bytes of a 204 before they reach the
        // wire; what gets through is the announcement of a body, the JSON content type.
        reply.body = Body::Json("application/json".into(), json!({"status": "ok"}));
    }
    if has(FaultKind::CreatedOnGet) {
        reply.status = 201;
    }
    if has(FaultKind::UndocumentedStatus) {
        reply.status = 418;
    }
    if has(FaultKind::UndocumentedRedirect) {
        reply.status = 302;
        reply.headers.push(("Location".into(), "/moved".into()));
        reply.body = Body::Empty;
    }
    if has(FaultKind::ServerError) {
        *reply = server_error("internal server error");
    }
}

/// Rewrite a client-error answer `reply` of operation `index` per the faults active on it.
pub fn client_error(plan: &FaultPlan, spec: &Spec, index: usize, reply: &mut Reply) {
    let Some(op) = spec.operations.get(index) else {
        return;
    };
    if !(400..500).contains(&reply.status) {
        return;
    }
    let Some(media) = op.response(reply.status).and_then(|r| r.content.as_ref()) else {
        return;
    };
    let Body::Json(_, value) = &mut reply.body else {
        return;
    };
    if plan.has(index, FaultKind::StackTrace)
        && let Some(traced) = body::with_trace(media, value)
    {
        *value = traced;
    }
    if plan.has(index, FaultKind::ErrorShape)
        && let Some(wrong) = body::misshapen(media)
    {
        *value = wrong;
    }
}

/// A bare 500 with a JSON message.
pub fn server_error(message: &str) -> Reply {
    Reply {
        status: 500,
        headers: Vec::new(),
        body: Body::Json("application/json".into(), json!({ "message": message })),
    }
}

/// A 404 for a fault that hides a resource, whatever the operation documents.
pub fn not_found(message: &str) -> Reply {
    Reply {
        status: 404,
        headers: Vec::new(),
        body: Body::Json("application/json".into(), json!({ "message": message })),
    }
}

/// Whether any of these decoded texts (query values, path segments, header values, a form
/// body) holds a non-ASCII character.
pub fn any_non_ascii<'a>(texts: impl IntoIterator<Item = &'a str>) -> bool {
    texts.into_iter().any(|t| !t.is_ascii())
}

/// A form body's text after percent-decoding (`+` as space), for [`any_non_ascii`].
pub fn form_text(bytes: &[u8]) -> String {
    form_urlencoded::parse(bytes)
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

const HTML: &str =
    "<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>It works</h1></body></html>";
