//! Security requirements as generated from a spec, and attaching credentials by them.

use reqwest::header::{HeaderName, HeaderValue};

use crate::CredentialStore;

/// The security requirements of one operation (generated from the spec's `security`).
#[derive(Debug, Clone, Copy)]
pub struct OperationSecurity {
    /// The operation's `operationId` in the spec.
    pub operation_id: &'static str,
    /// The client method's name (what progenitor passes to hooks as `OperationInfo::operation_id`).
    pub method: &'static str,
    /// Alternative requirement sets; each names the schemes that must all be sent. Empty: no credentials.
    pub requirements: &'static [&'static [&'static str]],
    /// Whether the operation obtains credentials (`x-session-start`).
    pub session_start: bool,
}

/// Where a security scheme's credential goes, as the spec core decides it from the scheme
/// (`gamespec_spec::security::carrier`); codegen writes one per scheme into the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    /// `apiKey` in this header.
    Header(&'static str),
    /// `apiKey` in this query parameter.
    Query(&'static str),
    /// `apiKey` in this cookie.
    Cookie(&'static str),
    /// `Authorization: Bearer <credential>` (HTTP bearer, OAuth 2.0, OpenID Connect).
    Bearer,
    /// `Authorization: Basic <credential>`, the credential being the encoded `user:password`.
    Basic,
}

/// A security scheme of a spec.
#[derive(Debug, Clone, Copy)]
pub struct SecurityScheme {
    /// The scheme's name in the spec.
    pub name: &'static str,
    /// Where its credential goes.
    pub carrier: Carrier,
}

/// Where a session-start answer carries the credential it issues (from the API registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAt {
    /// A top-level string field of the JSON body.
    Field(&'static str),
    /// A query parameter of a URL in a top-level field of the JSON body.
    UrlParam {
        /// The field holding the URL.
        field: &'static str,
        /// The query parameter holding the credential.
        param: &'static str,
    },
}

/// The credential a session-start call issues: its scheme and where the answer carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionToken {
    /// The security scheme the credential is for.
    pub scheme: &'static str,
    /// Where the answer carries it.
    pub at: TokenAt,
}

/// Headers progenitor adds that none of our APIs define.
const UNDEFINED_HEADERS: &[&str] = &["api-version"];

/// Remove generator-only headers, then add the headers of the first requirement set of `op`
/// whose schemes all have a credential in `store`. When none can be satisfied the request goes
/// out without credentials and the server's answer (normally 401) reaches the caller.
pub fn apply_credentials(
    request: &mut reqwest::Request,
    op: Option<&OperationSecurity>,
    schemes: &[SecurityScheme],
    store: &CredentialStore,
) -> Result<(), String> {
    let headers = request.headers_mut();
    for name in UNDEFINED_HEADERS {
        headers.remove(*name);
    }
    let Some(op) = op else { return Ok(()) };
    let chosen = op.requirements.iter().find_map(|set| {
        set.iter()
            .map(|name| {
                let scheme = schemes.iter().find(|s| s.name == *name)?;
                Some((scheme, store.get(name)?))
            })
            .collect::<Option<Vec<_>>>()
    });
    let chosen = chosen.unwrap_or_default();
    for (scheme, secret) in &chosen {
        let (header, text) = match scheme.carrier {
            Carrier::Header(name) => (name, secret.clone()),
            Carrier::Bearer => ("Authorization", format!("Bearer {secret}")),
            Carrier::Basic => ("Authorization", format!("Basic {secret}")),
            Carrier::Query(_) | Carrier::Cookie(_) => continue,
        };
        let name = HeaderName::from_bytes(header.as_bytes())
            .map_err(|e| format!("header name {header:?}: {e}"))?;
        headers.insert(name, sensitive(scheme, &text)?);
    }
    let cookies: Vec<String> = chosen
        .iter()
        .filter_map(|(scheme, secret)| match scheme.carrier {
            Carrier::Cookie(name) => Some(format!("{name}={secret}")),
            _ => None,
        })
        .collect();
    if !cookies.is_empty() {
        let mut all = headers
            .get_all(reqwest::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect::<Vec<_>>();
        all.extend(cookies);
        let joined = all.join("; ");
        let mut value = HeaderValue::try_from(joined)
            .map_err(|_| "a cookie credential is not a valid header value".to_owned())?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::COOKIE, value);
    }
    let queries: Vec<(&str, &String)> = chosen
        .iter()
        .filter_map(|(scheme, secret)| match scheme.carrier {
            Carrier::Query(name) => Some((name, secret)),
            _ => None,
        })
        .collect();
    if !queries.is_empty() {
        let mut pairs = request.url_mut().query_pairs_mut();
        for (name, secret) in queries {
            pairs.append_pair(name, secret);
        }
    }
    Ok(())
}

fn sensitive(scheme: &SecurityScheme, text: &str) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::try_from(text)
        .map_err(|_| format!("the {} credential is not a valid header value", scheme.name))?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMES: &[SecurityScheme] = &[
        SecurityScheme {
            name: "token",
            carrier: Carrier::Header("x-session-token"),
        },
        SecurityScheme {
            name: "bearer",
            carrier: Carrier::Bearer,
        },
        SecurityScheme {
            name: "basic",
            carrier: Carrier::Basic,
        },
        SecurityScheme {
            name: "key",
            carrier: Carrier::Query("api_key"),
        },
        SecurityScheme {
            name: "cookie",
            carrier: Carrier::Cookie("sid"),
        },
    ];

    fn request() -> reqwest::Request {
        let mut r =
            reqwest::Request::new(reqwest::Method::GET, "http://127.0.0.1/x".parse().unwrap());
        r.headers_mut()
            .insert("api-version", HeaderValue::from_static("1"));
        r
    }

    fn op(requirements: &'static [&'static [&'static str]]) -> OperationSecurity {
        OperationSecurity {
            operation_id: "x",
            method: "x",
            requirements,
            session_start: false,
        }
    }

    #[test]
    fn first_satisfiable_set_is_sent() {
        let store = CredentialStore::default();
        store.set("bearer", "jwt");
        let mut r = request();
        apply_credentials(
            &mut r,
            Some(&op(&[&["token"], &["bearer"]])),
            SCHEMES,
            &store,
        )
        .unwrap();
        assert_eq!(r.headers()["authorization"], "Bearer jwt");
        assert!(r.headers()["authorization"].is_sensitive());
        assert!(r.headers().get("x-session-token").is_none());
        assert!(r.headers().get("api-version").is_none());
    }

    #[test]
    fn unsatisfiable_requirements_send_nothing() {
        let mut r = request();
        apply_credentials(
            &mut r,
            Some(&op(&[&["token"]])),
            SCHEMES,
            &CredentialStore::default(),
        )
        .unwrap();
        assert!(r.headers().is_empty());
    }

    #[test]
    fn newline_in_a_credential_is_an_error_not_a_panic() {
        let store = CredentialStore::default();
        store.set("token", "a\nb");
        let err = apply_credentials(&mut request(), Some(&op(&[&["token"]])), SCHEMES, &store)
            .unwrap_err();
        assert!(err.contains("token credential"), "{err}");
        assert!(!err.contains("a\nb"));
    }

    #[test]
    fn basic_query_and_cookie_schemes_are_sent_where_the_spec_says() {
        let store = CredentialStore::default();
        store.set("basic", "dXNlcjpwdw==");
        store.set("key", "k 1");
        store.set("cookie", "c1");
        let mut r = request();
        apply_credentials(
            &mut r,
            Some(&op(&[&["basic", "key", "cookie"]])),
            SCHEMES,
            &store,
        )
        .unwrap();
        assert_eq!(r.headers()["authorization"], "Basic dXNlcjpwdw==");
        assert_eq!(r.headers()["cookie"], "sid=c1");
        assert!(r.headers()["cookie"].is_sensitive());
        assert_eq!(r.url().query(), Some("api_key=k+1"));
    }
}
