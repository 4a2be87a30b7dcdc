//! Path matching: one `matchit` tree over the spec's path templates, consulted by the single
//! fallback handler. A path template maps to the operations declared on it by method, so an
//! undeclared method can be answered with 405 and the `Allow` list.
//!
//! OpenAPI and matchit share the `{name}` syntax, and matchit prefers literal segments over
//! parameters (`/player/name` wins over `/player/{id}`), which is what OpenAPI 3.0 requires.

use std::collections::HashMap;

use matchit::Router as Tree;

use gamespec_spec::spec::Spec;

/// The route table of a spec.
#[derive(Debug)]
pub struct Routes {
    tree: Tree<usize>,
    /// Per path template: the template and its `(METHOD, operation index)`s.
    entries: Vec<(String, Vec<(String, usize)>)>,
    /// Slot in `entries` by path template.
    slots: HashMap<String, usize>,
}

/// What a request path and method resolve to.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// An operation, with its raw (still percent-encoded) path parameters.
    Operation {
        /// Index into `Spec::operations`.
        index: usize,
        /// `(name, raw value)` per template parameter.
        params: Vec<(String, String)>,
    },
    /// The path exists but not with this method; the declared methods, for `Allow`.
    MethodNotAllowed(Vec<String>),
    /// No path template matches.
    NotFound,
}

/// A path template the router cannot take (matchit refuses it, or it conflicts with another).
#[derive(Debug, thiserror::Error)]
#[error("path {path}: cannot route: {reason}")]
pub struct RouteError {
    /// The path template.
    pub path: String,
    /// What matchit said.
    pub reason: String,
}

impl Routes {
    /// Build the table. A template matchit rejects (or two that conflict) is an error naming both,
    /// never a panic.
    pub fn new(spec: &Spec) -> Result<Routes, RouteError> {
        let mut routes = Routes::empty();
        for index in 0..spec.operations.len() {
            routes.insert(spec, index)?;
        }
        Ok(routes)
    }

    /// The table as operation `index` sees it: its own template first, then every other one
    /// matchit takes alongside (one that conflicts is left out instead of failing), so that
    /// requests of any spec can be routed, even of one the mock cannot serve.
    pub fn around(spec: &Spec, index: usize) -> Routes {
        let mut routes = Routes::empty();
        for i in std::iter::once(index).chain(0..spec.operations.len()) {
            // Conflicts are what this table leaves out; the first insert cannot conflict.
            let _ = routes.insert(spec, i);
        }
        routes
    }

    fn empty() -> Routes {
        Routes {
            tree: Tree::new(),
            entries: Vec::new(),
            slots: HashMap::new(),
        }
    }

    /// Add operation `index` (nothing when it is in already).
    fn insert(&mut self, spec: &Spec, index: usize) -> Result<(), RouteError> {
        let Some(op) = spec.operations.get(index) else {
            return Ok(());
        };
        let slot = match self.slots.get(&op.path) {
            Some(slot) => *slot,
            None => {
                // `{{`/`}}` would be escapes to matchit; OpenAPI templates never contain them.
                self.tree
                    .insert(op.path.clone(), self.entries.len())
                    .map_err(|e| RouteError {
                        path: op.path.clone(),
                        reason: e.to_string(),
                    })?;
                self.entries.push((op.path.clone(), Vec::new()));
                self.slots.insert(op.path.clone(), self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        let methods = &mut self.entries[slot].1;
        if !methods.iter().any(|(_, i)| *i == index) {
            methods.push((op.method.clone(), index));
        }
        Ok(())
    }

    /// The path template of operation `index`, if it is routed.
    pub fn template(&self, index: usize) -> Option<&str> {
        self.entries
            .iter()
            .find(|(_, methods)| methods.iter().any(|(_, i)| *i == index))
            .map(|(t, _)| t.as_str())
    }

    /// Resolve a request.
    pub fn find(&self, method: &str, path: &str) -> Route {
        let Ok(found) = self.tree.at(path) else {
            return Route::NotFound;
        };
        let methods = &self.entries[*found.value].1;
        match methods.iter().find(|(m, _)| m == method) {
            Some((_, index)) => Route::Operation {
                index: *index,
                params: found
                    .params
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            },
            None => Route::MethodNotAllowed(methods.iter().map(|(m, _)| m.clone()).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gamespec_spec::registry::Profile;
    use serde_json::json;

    fn spec(paths: serde_json::Value) -> Spec {
        let root =
            json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths});
        Spec::from_value("t.yaml".into(), root, Profile::generic()).unwrap()
    }

    fn op(id: &str) -> serde_json::Value {
        json!({"operationId": id, "responses": {"200": {"description": "ok"}}})
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let s = spec(json!({
            "/player/{id}": {"get": op("byId"), "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]},
            "/player/name": {"get": op("name"), "put": op("setName")},
        }));
        let routes = Routes::new(&s).unwrap();
        let Route::Operation { index, .. } = routes.find("GET", "/player/name") else {
            panic!()
        };
        assert_eq!(s.operations[index].id, "name");
        let Route::Operation { index, params } = routes.find("GET", "/player/42") else {
            panic!()
        };
        assert_eq!(s.operations[index].id, "byId");
        assert_eq!(params, [("id".to_owned(), "42".to_owned())]);
        assert_eq!(
            routes.find("DELETE", "/player/name"),
            Route::MethodNotAllowed(vec!["GET".into(), "PUT".into()])
        );
        assert_eq!(routes.find("GET", "/nowhere"), Route::NotFound);
    }

    #[test]
    fn conflicting_templates_are_an_error_not_a_panic() {
        let p = |n: &str| json!([{"name": n, "in": "path", "required": true, "schema": {"type": "string"}}]);
        let s = spec(json!({
            "/a/{x}": {"get": op("one"), "parameters": p("x")},
            "/a/{y}": {"get": op("two"), "parameters": p("y")},
        }));
        let err = Routes::new(&s).unwrap_err();
        assert!(err.to_string().contains("/a/{y}"), "{err}");
    }
}
