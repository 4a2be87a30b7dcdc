//! How a server reads a case back: the case written as [`crate::wire`] writes it (parameters
//! and form fields become text, list parameters are exploded or comma-joined, bodies become
//! bytes), routed by the mock's router, and read by the mock's own reader
//! ([`crate::read::Reader`]): text coerced by the schema's type, then judged by the operation's
//! compiled validators.
//!
//! This is what makes a generated value count: a "wrong type" that turns back into a valid
//! value on the wire (the number `42` in a string query parameter) is no violation at all.

use std::sync::Arc;

use bytes::Bytes;

use crate::case::Case;
use crate::mock::router::Routes;
use crate::read::{Kind, Parts, Problem, Reader, route};
use crate::wire::{Encoding, sendable};
use gamespec_spec::spec::{Operation, ParamLocation, Spec};

/// An operation's reading of cases, built once and owned (strategies that filter by it must
/// be `'static`).
#[derive(Debug)]
pub struct Readback {
    /// The operation's index in the spec, as the router names it.
    index: usize,
    /// The path parameters the template needs.
    path_params: Vec<String>,
    /// Header parameters as declared, to name an unsendable header as the spec spells it.
    header_params: Vec<String>,
    routes: Arc<Routes>,
    encoding: Encoding,
    reader: Reader,
}

/// The routing of a whole spec, built once for the read-backs of all its operations: one table
/// shared by every operation when the spec's templates route without conflict and no two
/// operations share a method and path (each then routes to itself in the one table), else a
/// table per operation as [`Routes::around`] builds it. Building a table per operation costs
/// time in the number of operations, so planning many operations with it would be quadratic.
#[derive(Debug, Clone)]
pub struct RouteTable {
    shared: Option<Arc<Routes>>,
}

impl RouteTable {
    /// The routing of `spec`.
    pub fn new(spec: &Spec) -> RouteTable {
        let mut seen = std::collections::HashSet::new();
        let unique = spec
            .operations
            .iter()
            .all(|op| seen.insert((op.path.as_str(), op.method.to_ascii_uppercase())));
        RouteTable {
            shared: unique
                .then(|| Routes::new(spec).ok().map(Arc::new))
                .flatten(),
        }
    }

    fn for_operation(&self, spec: &Spec, index: usize) -> Arc<Routes> {
        match &self.shared {
            Some(routes) => routes.clone(),
            None => Arc::new(Routes::around(spec, index)),
        }
    }
}

impl Readback {
    /// The reading of `op`. For many operations of one spec, build a [`RouteTable`] once and
    /// use [`Readback::with_table`].
    pub fn new(spec: &Spec, op: &Operation) -> Readback {
        let index = spec
            .operations
            .iter()
            .position(|o| o.id == op.id)
            .unwrap_or_default();
        Readback::with_table(spec, op, index, &RouteTable { shared: None })
    }

    /// The reading of `op`, the operation at `index` of `spec`, routed by `table`.
    pub fn with_table(spec: &Spec, op: &Operation, index: usize, table: &RouteTable) -> Readback {
        let named = |location: ParamLocation| {
            op.parameters
                .iter()
                .filter(|p| p.location == location)
                .map(|p| p.name.clone())
                .collect()
        };
        Readback {
            index,
            path_params: named(ParamLocation::Path),
            header_params: named(ParamLocation::Header),
            routes: table.for_operation(spec, index),
            encoding: Encoding::new(spec, op),
            reader: Reader::new(spec, op),
        }
    }

    /// Every problem of `case`. A request that cannot be sent or goes elsewhere has only those
    /// (transport) problems: nothing of it reaches the operation to be judged.
    pub fn problems(&self, case: &Case) -> Vec<Problem> {
        let mut out: Vec<Problem> = self
            .path_params
            .iter()
            .filter(|name| !case.path_params.contains_key(*name))
            .map(|name| {
                Problem::transport(
                    format!("path/{name}"),
                    "no value: the template would be sent as is",
                )
            })
            .collect();
        let written = self.encoding.write(case);
        let mut headers = written.headers;
        if !written.cookies.is_empty() {
            headers.push(("cookie".into(), written.cookies.join("; ")));
        }
        let body = written.body.map(|body| {
            headers.push(("content-type".into(), body.content_type));
            Bytes::from(body.text)
        });
        for (name, value) in &mut headers {
            if !sendable(name, value) {
                let declared = self
                    .header_params
                    .iter()
                    .find(|p| p.eq_ignore_ascii_case(name))
                    .unwrap_or(name);
                out.push(Problem::transport(
                    format!("header/{declared}"),
                    "HTTP cannot carry this header value",
                ));
            }
            // Parsers drop whitespace around a field value.
            *value = value.trim_matches([' ', '\t']).to_owned();
        }
        let path = match route::reach(&self.routes, self.index, &case.method, &written.path) {
            Ok(path) => path,
            Err(p) => {
                out.push(p);
                Vec::new()
            }
        };
        if !out.is_empty() {
            return out;
        }
        let parts = Parts {
            path: &path,
            query: &written.query,
            headers: &headers,
        };
        self.reader
            .read(&parts, body.unwrap_or_default())
            .err()
            .unwrap_or_default()
    }

    /// Whether `case` breaks the contract and nothing else: at least one contract problem and
    /// no transport problem (the request reaches the operation).
    pub fn only_contract_problems(&self, case: &Case) -> bool {
        let problems = self.problems(case);
        !problems.is_empty() && problems.iter().all(|p| p.kind == Kind::Contract)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::case::{Auth, CaseBody, Intent, Phase};
    use gamespec_spec::registry::Profile;

    fn spec() -> Spec {
        let root = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/items/{id}": {"post": {"operationId": "put", "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "ids", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "integer"}}},
                {"name": "X-Mode", "in": "header", "required": true, "schema": {"type": "string", "enum": ["a", "b"]}}
            ], "requestBody": {"required": true, "content": {
                "application/json": {"schema": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}},
                "application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["n"], "properties": {
                    "n": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}}}
            }}, "responses": {"200": {"description": "ok"}}}},
            "/items/latest": {"get": {"operationId": "latest", "responses": {"200": {"description": "ok"}}},
                "post": {"operationId": "renew", "responses": {"200": {"description": "ok"}}}}
        }});
        Spec::from_value("t.yaml".into(), root, Profile::generic()).unwrap()
    }

    fn case() -> Case {
        Case {
            operation: "put".into(),
            method: "POST".into(),
            path: "/items/{id}".into(),
            path_params: [("id".to_owned(), json!(7))].into(),
            query: [("ids".to_owned(), json!([1, 2]))].into(),
            headers: [("X-Mode".to_owned(), json!("a"))].into(),
            cookies: BTreeMap::new(),
            body: Some(CaseBody {
                media_type: "application/json".into(),
                value: json!({"n": 1}),
                raw: None,
            }),
            auth: Auth::Configured,
            phase: Phase::Positive,
            intent: Intent::Valid,
        }
    }

    fn problems(case: &Case) -> Vec<(String, Kind)> {
        let spec = spec();
        let op = spec.operation("put").unwrap();
        Readback::new(&spec, op)
            .problems(case)
            .into_iter()
            .map(|p| (p.location, p.kind))
            .collect()
    }

    #[test]
    fn a_valid_case_has_no_problem() {
        assert_eq!(problems(&case()), []);
    }

    #[test]
    fn text_that_coerces_back_is_no_violation() {
        let mut c = case();
        // A number in a string query parameter is the text "42": a valid string.
        c.query.insert("q".into(), json!(42));
        assert_eq!(problems(&c), []);
        c.path_params.insert("id".into(), json!("abc"));
        assert_eq!(problems(&c), [("path/id".to_owned(), Kind::Contract)]);
    }

    #[test]
    fn lists_split_on_commas_and_items_are_coerced() {
        let mut c = case();
        c.query.insert("ids".into(), json!(["1,x"]));
        assert_eq!(problems(&c), [("query/ids/1".to_owned(), Kind::Contract)]);
    }

    #[test]
    fn routing_and_sending_problems_are_transport_problems() {
        let mut c = case();
        // `/items/` matches no route; `/items/latest` is another path's.
        c.path_params.insert("id".into(), json!(""));
        assert_eq!(problems(&c), [("path".to_owned(), Kind::Transport)]);
        c.path_params.insert("id".into(), json!(".."));
        assert_eq!(problems(&c), [("path".to_owned(), Kind::Transport)]);
        c.path_params.insert("id".into(), json!("latest"));
        assert_eq!(problems(&c), [("path".to_owned(), Kind::Transport)]);
        let spec = spec();
        let readback = Readback::new(&spec, spec.operation("put").unwrap());
        assert_eq!(
            readback.problems(&c)[0].message,
            "/items/latest goes to another operation (POST /items/latest)"
        );
        let mut c = case();
        c.headers.insert("X-Mode".into(), json!("a\nb"));
        assert_eq!(
            problems(&c),
            [("header/X-Mode".to_owned(), Kind::Transport)]
        );
    }

    #[test]
    fn empty_query_values_need_allow_empty_value() {
        let spec = super::super::query_fixture::spec();
        let op = super::super::query_fixture::operation(&spec);
        let readback = Readback::new(&spec, op);
        let mut c = case();
        c.operation = op.id.clone();
        c.method = op.method.clone();
        c.path = op.path.clone();
        c.path_params.clear();
        c.headers.clear();
        c.body = None;
        c.query = [("q".to_owned(), json!("a"))].into();
        assert_eq!(readback.problems(&c), []);
        let empty = |name: &str| Problem {
            location: format!("query/{name}"),
            message: "empty value, but the parameter does not allow empty values (allowEmptyValue)"
                .into(),
            kind: Kind::Contract,
        };
        // Exploded list: one empty item is one `tags=`; comma-joined: no item is `ids=`.
        for (name, value) in [
            ("q", json!("")),
            ("tags", json!(["x", ""])),
            ("ids", json!([])),
        ] {
            let mut bad = c.clone();
            bad.query.insert(name.into(), value);
            assert_eq!(readback.problems(&bad), [empty(name)], "{name}");
        }
        // Not sent at all is another matter (an exploded list without items is not sent).
        let mut absent = c.clone();
        absent.query.insert("tags".into(), json!([]));
        assert_eq!(readback.problems(&absent), []);
        absent.query.remove("q");
        assert_eq!(
            readback.problems(&absent)[0].message,
            "required but not sent"
        );
        // `allowEmptyValue: true`, and headers, which have no such rule.
        let mut allowed = c.clone();
        allowed.query.insert("blank".into(), json!(""));
        allowed.headers.insert("X-Note".into(), json!(""));
        assert_eq!(readback.problems(&allowed), []);
    }

    #[test]
    fn bodies_are_read_per_media_type() {
        let mut c = case();
        c.body = Some(CaseBody {
            media_type: "application/x-www-form-urlencoded".into(),
            value: json!({"n": "5", "tags": ["a", "b"]}),
            raw: None,
        });
        assert_eq!(problems(&c), []);
        // No fields: an empty body, which a required body may not be.
        c.body.as_mut().unwrap().value = json!({});
        assert_eq!(problems(&c), [("body".to_owned(), Kind::Contract)]);
        let mut c = case();
        c.body.as_mut().unwrap().raw = Some("{\"n\": ".into());
        assert_eq!(problems(&c), [("body".to_owned(), Kind::Contract)]);
        let mut c = case();
        c.body.as_mut().unwrap().value = json!({});
        assert_eq!(problems(&c), [("body/n".to_owned(), Kind::Contract)]);
        c.body.as_mut().unwrap().value = json!({"n": 9.3e18});
        assert_eq!(problems(&c), [("body/n".to_owned(), Kind::Contract)]);
    }
}
