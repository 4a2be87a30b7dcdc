//! The request body of a matched operation pair: present or not, required or not, its media
//! types, and the schema of each media type both versions accept.

use gamespec_spec::paths::Operation;
use gamespec_spec::pointer::escape;
use gamespec_spec::refs::deref;
use serde_json::Value;

use super::Sink;
use super::schemas::{self, Direction};

fn required(body: &Value) -> bool {
    body.get("required").and_then(Value::as_bool) == Some(true)
}

pub(super) fn compare(sink: &mut Sink<'_>, old: &Operation, new: &Operation) {
    let at = format!("{}/requestBody", new.pointer());
    let id = &new.id;
    let (old_root, new_root) = (sink.old, sink.new);
    let ob = old.value.get("requestBody").map(|b| deref(old_root, b));
    let nb = new.value.get("requestBody").map(|b| deref(new_root, b));
    let (ob, nb) = match (ob, nb) {
        (None, None) => return,
        (None, Some(nb)) => {
            let (rule, kind) = if required(nb) {
                ("request-body-added-required", "required")
            } else {
                ("request-body-added-optional", "optional")
            };
            sink.push(rule, &at, None, format!("{id}: {kind} request body added"));
            return;
        }
        (Some(_), None) => {
            let at = format!("{}/requestBody", old.pointer());
            sink.push(
                "request-body-removed",
                &at,
                None,
                format!("{id}: request body removed"),
            );
            return;
        }
        (Some(ob), Some(nb)) => (ob, nb),
    };
    if !required(ob) && required(nb) {
        sink.push(
            "request-body-made-required",
            &at,
            None,
            format!("{id}: request body became required"),
        );
    }
    let empty = serde_json::Map::new();
    let oc = ob
        .get("content")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let nc = nb
        .get("content")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for media in oc.keys().filter(|m| !nc.contains_key(*m)) {
        sink.push(
            "request-media-type-removed",
            &at,
            None,
            format!("{id}: request media type {media} no longer accepted"),
        );
    }
    for (media, nm) in nc {
        let here = format!("{at}/content/{}", escape(media));
        let Some(om) = oc.get(media) else {
            sink.push(
                "request-media-type-added",
                &here,
                None,
                format!("{id}: request media type {media} added"),
            );
            continue;
        };
        if let (Some(os), Some(ns)) = (om.get("schema"), nm.get("schema")) {
            let name = if nc.len() > 1 {
                format!("body ({media})")
            } else {
                "body".to_owned()
            };
            schemas::compare(
                sink,
                Direction::Request,
                os,
                ns,
                &format!("{here}/schema"),
                &name,
            );
        }
    }
}
