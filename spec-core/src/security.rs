//! How each security scheme carries its credential: the one reading of `securitySchemes` that
//! the clients' generator, the mock, the runner and the tools share.

use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

use crate::registry::CredentialKind;

/// How a security scheme carries its credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeCarrier {
    /// `apiKey` in a header (name as declared).
    Header(String),
    /// `apiKey` in the query string.
    Query(String),
    /// `apiKey` in a cookie.
    Cookie(String),
    /// `http` with `scheme: bearer`: `Authorization: Bearer <value>`.
    Bearer,
    /// `http` with `scheme: basic`: `Authorization: Basic <value>`.
    Basic,
}

/// One security scheme of the spec, with the profile's credential kind.
#[derive(Debug, Clone)]
pub struct Scheme {
    /// The scheme's name under `components/securitySchemes`.
    pub name: String,
    /// Where the credential goes.
    pub carrier: SchemeCarrier,
    /// How the mock recognises it.
    pub kind: CredentialKind,
    /// For JWT schemes: the claims validator.
    pub claims: Option<Arc<Validator>>,
}

/// How the security scheme object `scheme` (already `$ref`-resolved) carries its credential.
///
/// `apiKey` goes where `in` says under its `name`; `http` `basic` is `Authorization: Basic`;
/// every other `http` scheme, OAuth 2.0 and OpenID Connect travel as bearer tokens.
pub fn carrier(scheme: &Value) -> SchemeCarrier {
    let text = |k: &str| scheme.get(k).and_then(Value::as_str).unwrap_or("");
    match (text("type"), text("in")) {
        ("apiKey", "header") => SchemeCarrier::Header(text("name").to_owned()),
        ("apiKey", "query") => SchemeCarrier::Query(text("name").to_owned()),
        ("apiKey", "cookie") => SchemeCarrier::Cookie(text("name").to_owned()),
        ("http", _) if text("scheme").eq_ignore_ascii_case("basic") => SchemeCarrier::Basic,
        _ => SchemeCarrier::Bearer,
    }
}

/// Where a credential ends up in a request, with the exact text sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// A request header: name and value (`Authorization`, `Bearer <token>`).
    Header(String, String),
    /// A query parameter: name and value.
    Query(String, String),
    /// One `name=value` pair of the `Cookie` header.
    Cookie(String, String),
}

impl SchemeCarrier {
    /// Where `credential` goes on the wire for this carrier. For `Basic` the credential is the
    /// already encoded `user:password` token.
    pub fn place(&self, credential: &str) -> Placement {
        match self {
            SchemeCarrier::Header(name) => Placement::Header(name.clone(), credential.to_owned()),
            SchemeCarrier::Query(name) => Placement::Query(name.clone(), credential.to_owned()),
            SchemeCarrier::Cookie(name) => Placement::Cookie(name.clone(), credential.to_owned()),
            SchemeCarrier::Bearer => {
                Placement::Header("Authorization".into(), format!("Bearer {credential}"))
            }
            SchemeCarrier::Basic => {
                Placement::Header("Authorization".into(), format!("Basic {credential}"))
            }
        }
    }

    /// The credential inside a header value sent for this carrier (the text after `Bearer ` or
    /// `Basic `, matched case-insensitively), or `None` if the value has the wrong form.
    pub fn credential_in<'v>(&self, header_value: &'v str) -> Option<&'v str> {
        let prefix = match self {
            SchemeCarrier::Bearer => "bearer ",
            SchemeCarrier::Basic => "basic ",
            _ => return Some(header_value),
        };
        let head = header_value.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix)
            .then(|| header_value[prefix.len()..].trim_start())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_scheme_shape_has_its_carrier() {
        let cases = [
            (
                json!({"type": "apiKey", "in": "header", "name": "X-K"}),
                SchemeCarrier::Header("X-K".into()),
            ),
            (
                json!({"type": "apiKey", "in": "query", "name": "k"}),
                SchemeCarrier::Query("k".into()),
            ),
            (
                json!({"type": "apiKey", "in": "cookie", "name": "c"}),
                SchemeCarrier::Cookie("c".into()),
            ),
            (
                json!({"type": "http", "scheme": "Basic"}),
                SchemeCarrier::Basic,
            ),
            (
                json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
                SchemeCarrier::Bearer,
            ),
            (
                json!({"type": "oauth2", "flows": {}}),
                SchemeCarrier::Bearer,
            ),
            (json!({"type": "openIdConnect"}), SchemeCarrier::Bearer),
        ];
        for (scheme, expected) in cases {
            assert_eq!(carrier(&scheme), expected, "{scheme}");
        }
    }

    #[test]
    fn placement_adds_the_http_scheme_prefix() {
        assert_eq!(
            SchemeCarrier::Basic.place("dXNlcjpwdw=="),
            Placement::Header("Authorization".into(), "Basic dXNlcjpwdw==".into())
        );
        assert_eq!(
            SchemeCarrier::Bearer.place("t"),
            Placement::Header("Authorization".into(), "Bearer t".into())
        );
        assert_eq!(
            SchemeCarrier::Query("k".into()).place("v"),
            Placement::Query("k".into(), "v".into())
        );
        assert_eq!(SchemeCarrier::Bearer.credential_in("bearer  t"), Some("t"));
        assert_eq!(SchemeCarrier::Basic.credential_in("Bearer t"), None);
    }
}
