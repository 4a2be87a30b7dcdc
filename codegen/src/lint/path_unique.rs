//! GS012: no two path templates differ only in their parameter names (`/d/{type}` and `/d/{id}`).
//! OpenAPI treats them as the same path, so routers and validators (Spectral's `path-params`)
//! cannot tell which one a request is for.

use std::collections::HashMap;

use serde_json::Value;

use super::{Context, Reporter, Rule};
use gamespec_spec::pointer;

/// See the module docs.
pub struct PathUnique;

/// `/d/{type}/x` → `/d/{}/x`.
fn shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                out.push_str("{}");
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

impl Rule for PathUnique {
    fn code(&self) -> &'static str {
        "GS012"
    }
    fn name(&self) -> &'static str {
        "path-unique"
    }
    fn summary(&self) -> &'static str {
        "no two path templates differ only in parameter names"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for path in ctx
            .doc
            .value
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(p, _)| p)
        {
            if let Some(first) = seen.insert(shape(path), path) {
                out.report(
                    None,
                    &pointer::join(["paths", path.as_str()]),
                    format!("path `{path}` is the same template as `{first}` (only parameter names differ); use one path item"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_spec::{findings, good};
    use super::*;

    #[test]
    fn good_spec_passes() {
        assert!(findings(&PathUnique, &good()).is_empty());
    }

    #[test]
    fn equivalent_templates_are_named() {
        let mut s = good();
        let item = s["paths"]["/players/{id}"].clone();
        s["paths"]["/players/{name}"] = item;
        let f = findings(&PathUnique, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message
                .contains("`/players/{name}` is the same template as `/players/{id}`"),
            "{}",
            f[0]
        );
    }
}
