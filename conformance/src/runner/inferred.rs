//! Reads inferred from the paths when the spec declares no OpenAPI link: the resource a write
//! changes is read back with the GET of the same path template (`DELETE /heroes/{id}` →
//! `GET /heroes/{id}`), or at the `Location` a create answers with. Which resources belong to
//! the calling player comes from the spec: operations marked `x-private: true`.

use gamespec_spec::spec::{Operation, Spec};
use serde_json::Value;

/// Whether `op` changes state (POST, PUT, PATCH, DELETE).
pub fn is_write(op: &Operation) -> bool {
    super::UNSAFE_METHODS.contains(&op.method.to_ascii_uppercase().as_str())
}

/// The index of the GET on the same path template as the write `op`, if there is one.
pub fn same_path_read(spec: &Spec, op: &Operation) -> Option<usize> {
    if !is_write(op) {
        return None;
    }
    spec.operations
        .iter()
        .position(|o| o.path == op.path && o.method.eq_ignore_ascii_case("GET"))
}

/// The index of a write that creates or replaces what the GET `read` reads, on the same path
/// template: a PUT, else a POST.
pub fn same_path_create(spec: &Spec, read: &Operation) -> Option<usize> {
    ["PUT", "POST"].iter().find_map(|method| {
        spec.operations
            .iter()
            .position(|o| o.path == read.path && o.method.eq_ignore_ascii_case(method))
    })
}

/// The read that should find nothing after the DELETE `op`: the GET of the same path that
/// documents 404 or 410 (a GET documenting neither leaves the answer after a delete unsaid).
pub fn gone_read(spec: &Spec, op: &Operation) -> Option<usize> {
    if !op.method.eq_ignore_ascii_case("DELETE") {
        return None;
    }
    same_path_read(spec, op).filter(|&i| {
        let read = &spec.operations[i];
        read.response(404).is_some() || read.response(410).is_some()
    })
}

/// The GET whose path template matches the path of a `Location` value (absolute or relative,
/// query ignored), with the path parameters it carries.
pub fn location_read(spec: &Spec, location: &str) -> Option<(usize, Vec<(String, Value)>)> {
    let path = match location.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => location,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    spec.operations.iter().enumerate().find_map(|(i, op)| {
        if !op.method.eq_ignore_ascii_case("GET") {
            return None;
        }
        let template: Vec<&str> = op.path.trim_end_matches('/').split('/').collect();
        if template.len() != segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (t, s) in template.iter().zip(&segments) {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) => {
                    let decoded = percent_encoding::percent_decode_str(s).decode_utf8_lossy();
                    params.push((name.to_owned(), Value::String(decoded.into_owned())));
                }
                None if t == s => {}
                None => return None,
            }
        }
        Some((i, params))
    })
}

/// Whether the spec marks `op`'s resource as the calling player's own (`x-private: true`):
/// another player's session must not read or change it.
pub fn is_private(spec: &Spec, op: &Operation) -> bool {
    spec.root
        .pointer(&format!(
            "/paths/{}/{}/x-private",
            op.path.replace('~', "~0").replace('/', "~1"),
            op.method.to_ascii_lowercase()
        ))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gamespec_spec::registry::Profile;
    use serde_json::json;

    #[test]
    fn writes_are_read_back_on_their_path_and_at_their_location() {
        let ok = json!({"200": {"description": "ok"}});
        let gone = json!({"200": {"description": "ok"}, "404": {"description": "gone"}});
        let p =
            json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
        let root = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/items": {"post": {"operationId": "create", "responses": ok}},
            "/items/{id}": {"parameters": p,
                "get": {"operationId": "read", "responses": gone},
                "delete": {"operationId": "remove", "x-private": true, "responses": ok}}}});
        let spec = Spec::from_value("t.yaml".into(), root, Profile::generic()).unwrap();
        let op = |id: &str| spec.operation(id).unwrap();
        assert_eq!(same_path_read(&spec, op("create")), None);
        assert_eq!(same_path_create(&spec, op("read")), None);
        let creates = spec.operations.iter().position(|o| o.id == "create");
        assert_eq!(same_path_create(&spec, op("create")), creates);
        let read = spec.operations.iter().position(|o| o.id == "read");
        assert_eq!(gone_read(&spec, op("remove")), read);
        assert_eq!(
            same_path_read(&spec, op("read")),
            None,
            "a read is no write"
        );
        let (i, params) = location_read(&spec, "http://h:1/items/7?x=1").unwrap();
        assert_eq!(Some(i), read);
        assert_eq!(params, [("id".to_owned(), json!("7"))]);
        assert!(location_read(&spec, "/other/7").is_none());
        assert!(is_private(&spec, op("remove")));
        assert!(!is_private(&spec, op("read")));
    }
}
