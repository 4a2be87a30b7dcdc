//! [`Args`], the JSON arguments of one dispatched call, and the checks against the operation's
//! declared parameters ([`Shape`]).

use serde_json::{Map, Value};

use super::outcome::DispatchError;

/// The arguments of one call, keyed by the spec's names (`LL-Version`, not `ll_version`).
///
/// Path, query and header values are JSON as the spec's schemas describe them; a `null` value is
/// the same as leaving the argument out. A list the generated method takes as one comma-joined
/// string may be given as a JSON array. `Debug` shows argument names only, never values, since
/// bodies and headers can carry credentials.
#[derive(Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Args {
    /// Path parameters.
    #[serde(default)]
    pub path: Map<String, Value>,
    /// Query parameters.
    #[serde(default)]
    pub query: Map<String, Value>,
    /// Header parameters (names compared case-insensitively).
    #[serde(default)]
    pub header: Map<String, Value>,
    /// The request body, deserialized into the operation's body type.
    #[serde(default)]
    pub body: Option<Value>,
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("path", &self.path.keys().collect::<Vec<_>>())
            .field("query", &self.query.keys().collect::<Vec<_>>())
            .field("header", &self.header.keys().collect::<Vec<_>>())
            .field("body", &self.body.as_ref().map(|_| "<json>"))
            .finish()
    }
}

/// The parameters of one operation as the generated dispatch function declares them, for
/// refusing arguments it does not have.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// The operationId, for error messages.
    pub operation: &'static str,
    /// Declared path parameters (the spec's names).
    pub path: &'static [&'static str],
    /// Declared query parameters the generated method can send.
    pub query: &'static [&'static str],
    /// Declared header parameters the generated method can send.
    pub header: &'static [&'static str],
    /// Whether the operation takes a request body.
    pub body: bool,
    /// Parameters of the spec the generator view left out, as `query/…` or `header/…`: an
    /// argument for one of them is refused with a pointer to `ADAPTATIONS.md`.
    pub left_out: &'static [&'static str],
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In the URL path.
    Path,
    /// In the query string.
    Query,
    /// In a request header.
    Header,
}

impl Place {
    /// The prefix of an argument's full name (`path`, `query`, `header`).
    fn as_str(self) -> &'static str {
        match self {
            Place::Path => "path",
            Place::Query => "query",
            Place::Header => "header",
        }
    }
}

impl Args {
    /// Refuse any argument the operation does not declare, or cannot send, naming it.
    pub fn check(&self, shape: &Shape) -> Result<(), DispatchError> {
        for place in [Place::Path, Place::Query, Place::Header] {
            let location = place.as_str();
            let declared = match place {
                Place::Path => shape.path,
                Place::Query => shape.query,
                Place::Header => shape.header,
            };
            for name in self.given(place).keys() {
                if declared.iter().any(|d| same_name(place, d, name)) {
                    continue;
                }
                let full = format!("{location}/{name}");
                let message = if shape.left_out.contains(&full.as_str()) {
                    "the generated client cannot send this parameter (see ADAPTATIONS.md)"
                        .to_owned()
                } else {
                    format!(
                        "`{}` has no {location} parameter of this name",
                        shape.operation
                    )
                };
                return Err(DispatchError::Argument {
                    name: full,
                    message,
                });
            }
        }
        if self.body.is_some() && !shape.body {
            return Err(DispatchError::Argument {
                name: "body".to_owned(),
                message: format!("`{}` takes no request body", shape.operation),
            });
        }
        Ok(())
    }

    /// The argument for the spec parameter `name` at `place`, unless absent or `null`.
    pub fn get(&self, place: Place, name: &str) -> Option<&Value> {
        self.given(place)
            .iter()
            .find(|(k, v)| same_name(place, name, k) && !v.is_null())
            .map(|(_, v)| v)
    }

    fn given(&self, place: Place) -> &Map<String, Value> {
        match place {
            Place::Path => &self.path,
            Place::Query => &self.query,
            Place::Header => &self.header,
        }
    }
}

/// Header names are case-insensitive; path and query names are not.
fn same_name(place: Place, declared: &str, given: &str) -> bool {
    if place == Place::Header {
        declared.eq_ignore_ascii_case(given)
    } else {
        declared == given
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SHAPE: Shape = Shape {
        operation: "submitScore",
        path: &["board_id"],
        query: &["tags"],
        header: &["LL-Version"],
        body: false,
        left_out: &["query/cursor"],
    };

    fn args(value: Value) -> Args {
        serde_json::from_value(value).expect("Args from JSON")
    }

    fn refused(args: &Args, shape: &Shape) -> (String, String) {
        match args.check(shape) {
            Err(DispatchError::Argument { name, message }) => (name, message),
            other => panic!("expected an argument error, got {other:?}"),
        }
    }

    #[test]
    fn declared_arguments_pass_and_header_names_ignore_case() {
        let given = args(json!({
            "path": {"board_id": 3},
            "query": {"tags": ["a"]},
            "header": {"ll-version": "2021-03-01"}
        }));
        assert_eq!(given.check(&SHAPE), Ok(()));
        assert_eq!(
            given.get(Place::Header, "LL-Version"),
            Some(&json!("2021-03-01"))
        );
        assert_eq!(given.get(Place::Path, "board_id"), Some(&json!(3)));
    }

    #[test]
    fn path_and_query_names_are_case_sensitive() {
        let given = args(json!({"query": {"Tags": ["a"]}}));
        assert_eq!(given.get(Place::Query, "tags"), None);
        let (name, message) = refused(&given, &SHAPE);
        assert_eq!(name, "query/Tags");
        assert_eq!(message, "`submitScore` has no query parameter of this name");
    }

    #[test]
    fn null_is_the_same_as_absent() {
        let given = args(json!({"query": {"tags": null}}));
        assert_eq!(given.check(&SHAPE), Ok(()));
        assert_eq!(given.get(Place::Query, "tags"), None);
    }

    #[test]
    fn a_left_out_parameter_points_at_the_adaptations() {
        let (name, message) = refused(&args(json!({"query": {"cursor": "x"}})), &SHAPE);
        assert_eq!(name, "query/cursor");
        assert!(message.contains("ADAPTATIONS.md"), "{message}");
    }

    #[test]
    fn an_undeclared_header_or_path_argument_is_refused() {
        let (name, _) = refused(&args(json!({"header": {"X-Other": "1"}})), &SHAPE);
        assert_eq!(name, "header/X-Other");
        let (name, _) = refused(&args(json!({"path": {"id": 1}})), &SHAPE);
        assert_eq!(name, "path/id");
    }

    #[test]
    fn a_body_is_refused_unless_the_operation_takes_one() {
        let given = args(json!({"body": {"score": 1}}));
        let (name, message) = refused(&given, &SHAPE);
        assert_eq!(name, "body");
        assert_eq!(message, "`submitScore` takes no request body");
        let with_body = Shape {
            body: true,
            ..SHAPE
        };
        assert_eq!(given.check(&with_body), Ok(()));
    }

    #[test]
    fn debug_shows_names_but_no_values() {
        let given = args(json!({
            "query": {"tags": ["hidden-tag"]},
            "header": {"x-session-token": "hidden-token"},
            "body": {"password": "hidden-body"}
        }));
        let shown = format!("{given:?}");
        assert!(
            shown.contains("tags") && shown.contains("x-session-token"),
            "{shown}"
        );
        assert!(!shown.contains("hidden"), "{shown}");
    }
}
