//! The responses of a matched operation pair: status codes, media types, required headers and
//! the schema of each media type both versions answer with.

use gamespec_spec::paths::Operation;
use gamespec_spec::pointer::escape;
use gamespec_spec::refs::deref;
use serde_json::{Map, Value};

use super::Sink;
use super::schemas::{self, Direction};

pub(super) fn compare(sink: &mut Sink<'_>, old: &Operation, new: &Operation) {
    let id = &new.id;
    let (old_root, new_root) = (sink.old, sink.new);
    let empty = Map::new();
    let or = old
        .value
        .get("responses")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let nr = new
        .value
        .get("responses")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let at = format!("{}/responses", new.pointer());
    for status in or.keys().filter(|s| !nr.contains_key(*s)) {
        sink.push(
            "response-status-removed",
            &format!("{}/responses/{}", old.pointer(), escape(status)),
            None,
            format!("{id}: response {status} removed"),
        );
    }
    for (status, n) in nr {
        let here = format!("{at}/{}", escape(status));
        let Some(o) = or.get(status) else {
            sink.push(
                "response-status-added",
                &here,
                None,
                format!("{id}: response {status} added"),
            );
            continue;
        };
        let (o, n) = (deref(old_root, o), deref(new_root, n));
        headers(sink, id, status, &here, o, n);
        links(sink, id, status, &here, o, n);
        let oc = o
            .get("content")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let nc = n
            .get("content")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for media in oc.keys().filter(|m| !nc.contains_key(*m)) {
            sink.push(
                "response-media-type-removed",
                &here,
                None,
                format!("{id}: response {status} no longer answers {media}"),
            );
        }
        for (media, nm) in nc {
            let media_at = format!("{here}/content/{}", escape(media));
            let Some(om) = oc.get(media) else {
                sink.push(
                    "response-media-type-added",
                    &media_at,
                    None,
                    format!("{id}: response {status} may answer {media}"),
                );
                continue;
            };
            if let (Some(os), Some(ns)) = (om.get("schema"), nm.get("schema")) {
                let name = if nc.len() > 1 {
                    format!("{status} body ({media})")
                } else {
                    format!("{status} body")
                };
                schemas::compare(
                    sink,
                    Direction::Response,
                    os,
                    ns,
                    &format!("{media_at}/schema"),
                    &name,
                );
            }
        }
    }
}

fn headers(sink: &mut Sink<'_>, id: &str, status: &str, at: &str, o: &Value, n: &Value) {
    let (old_root, new_root) = (sink.old, sink.new);
    let empty = Map::new();
    let oh = o
        .get("headers")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let nh = n
        .get("headers")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required = |root: &Value, h: &Value| {
        deref(root, h).get("required").and_then(Value::as_bool) == Some(true)
    };
    for name in oh.keys().filter(|h| !nh.contains_key(*h)) {
        sink.push(
            "response-header-removed",
            at,
            None,
            format!("{id}: response {status} header {name} removed"),
        );
    }
    for (name, h) in nh {
        let was_required = oh.get(name).is_some_and(|o| required(old_root, o));
        if required(new_root, h) && !was_required {
            sink.push(
                "response-header-added-required",
                &format!("{at}/headers/{}", escape(name)),
                None,
                format!("{id}: response {status} header {name} now required"),
            );
        }
    }
}

/// OpenAPI links: the conformance runner's stateful phase follows them.
fn links(sink: &mut Sink<'_>, id: &str, status: &str, at: &str, o: &Value, n: &Value) {
    let empty = Map::new();
    let ol = o.get("links").and_then(Value::as_object).unwrap_or(&empty);
    let nl = n.get("links").and_then(Value::as_object).unwrap_or(&empty);
    for name in ol.keys().filter(|l| !nl.contains_key(*l)) {
        sink.push(
            "response-link-removed",
            at,
            None,
            format!("{id}: response {status} link {name} removed"),
        );
    }
    for name in nl.keys().filter(|l| !ol.contains_key(*l)) {
        sink.push(
            "response-link-added",
            &format!("{at}/links/{}", escape(name)),
            None,
            format!("{id}: response {status} link {name} added"),
        );
    }
}
