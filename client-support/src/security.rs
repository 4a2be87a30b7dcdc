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
    /// Whether a request of this operation may be sent again when it failed: its method is
    /// idempotent, or the spec marks it `x-idempotent: true`.
    pub repeatable: bool,
    /// Where a successful answer of this session-start operation carries the credential it
    /// issues (the registry's login facts that the operation's answer schema has).
    pub captures: &'static [TokenAt],
    /// Credentials the answer hands back to be sent next time in a request field of the same
    /// name (a rotating refresh token): answer properties marked `format: password` other than
    /// the captured token.
    pub rotates: &'static [&'static str],
    /// The request body fields a renewal with a rotated credential keeps (the properties of the
    /// request body variant that requires it, e.g. "Refresh Epic Games Session"); empty when
    /// the request body has no such variant.
    pub refresh_fields: &'static [&'static str],
    /// Fields that variant fixes to one value (OAuth `grant_type=refresh_token`).
    pub refresh_constants: &'static [(&'static str, &'static str)],
}

/// A request body field whose value makes a session start issue another scheme's credential
/// than the session scheme (OAuth `grant_type=client_credentials` issues a server token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueRule {
    /// The body field.
    pub field: &'static str,
    /// Its value.
    pub value: &'static str,
    /// The scheme whose credential the answer then carries.
    pub scheme: &'static str,
}

/// Everything a client's generated `security` module says about its spec, in one value.
#[derive(Debug, Clone, Copy)]
pub struct ApiSecurity {
    /// Every operation, in spec order.
    pub operations: &'static [OperationSecurity],
    /// Every security scheme.
    pub schemes: &'static [SecurityScheme],
    /// The scheme session-start calls issue unless an [`IssueRule`] says otherwise.
    pub session_scheme: Option<&'static str>,
    /// Body fields that make a session start issue another scheme.
    pub issue_rules: &'static [IssueRule],
    /// The request header that names the API version (`x-version-header` in the spec), sent
    /// with the client's default version when a call does not set it.
    pub version_header: Option<&'static str>,
}

impl ApiSecurity {
    /// The operation whose client method is `method`.
    pub fn for_method(&self, method: &str) -> Option<&'static OperationSecurity> {
        self.operations.iter().find(|o| o.method == method)
    }

    /// The scheme named `name`.
    pub fn scheme(&self, name: &str) -> Option<&'static SecurityScheme> {
        self.schemes.iter().find(|s| s.name == name)
    }
}

/// Why a credential could not be attached to a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// A scheme's header name is not a valid HTTP header name (a spec error).
    #[error("header name {0:?} of a security scheme is not valid")]
    HeaderName(String),
    /// The credential of this scheme cannot be sent in a header (it has a line break or
    /// another character headers cannot carry); the value itself is not shown.
    #[error("the {0} credential is not a valid header value")]
    HeaderValue(String),
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

/// The first requirement set of `op` whose schemes all have a credential in `store`, with
/// those credentials; empty when none can be satisfied.
pub fn chosen_credentials<'a>(
    op: &OperationSecurity,
    schemes: &'a [SecurityScheme],
    store: &CredentialStore,
) -> Vec<(&'a SecurityScheme, String)> {
    op.requirements
        .iter()
        .find_map(|set| {
            set.iter()
                .map(|name| {
                    let scheme = schemes.iter().find(|s| s.name == *name)?;
                    Some((scheme, store.get(name)?))
                })
                .collect::<Option<Vec<_>>>()
        })
        .unwrap_or_default()
}

/// Remove generator-only headers, then add the headers of the first requirement set of `op`
/// whose schemes all have a credential in `store`. When none can be satisfied the request goes
/// out without credentials and the server's answer (normally 401) reaches the caller.
pub fn apply_credentials(
    request: &mut reqwest::Request,
    op: Option<&OperationSecurity>,
    schemes: &[SecurityScheme],
    store: &CredentialStore,
) -> Result<(), CredentialError> {
    let headers = request.headers_mut();
    for name in UNDEFINED_HEADERS {
        headers.remove(*name);
    }
    let Some(op) = op else { return Ok(()) };
    let chosen = chosen_credentials(op, schemes, store);
    for (scheme, secret) in &chosen {
        let (header, text) = match scheme.carrier {
            Carrier::Header(name) => (name, secret.clone()),
            Carrier::Bearer => ("Authorization", format!("Bearer {secret}")),
            Carrier::Basic => ("Authorization", format!("Basic {secret}")),
            Carrier::Query(_) | Carrier::Cookie(_) => continue,
        };
        let name = HeaderName::from_bytes(header.as_bytes())
            .map_err(|_| CredentialError::HeaderName(header.to_owned()))?;
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
            .map_err(|_| CredentialError::HeaderValue("cookie".to_owned()))?;
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

/// Take every credential of `schemes` off `request` (headers, the cookies and query parameters
/// they name), so a renewed credential can be attached to a copy of a sent request.
pub fn strip_credentials(request: &mut reqwest::Request, schemes: &[SecurityScheme]) {
    let mut cookies = Vec::new();
    let mut params = Vec::new();
    for scheme in schemes {
        match scheme.carrier {
            Carrier::Header(name) => {
                request.headers_mut().remove(name);
            }
            Carrier::Bearer | Carrier::Basic => {
                request.headers_mut().remove(reqwest::header::AUTHORIZATION);
            }
            Carrier::Cookie(name) => cookies.push(name),
            Carrier::Query(name) => params.push(name),
        }
    }
    if !cookies.is_empty() {
        let kept: Vec<String> = request
            .headers()
            .get_all(reqwest::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .map(str::trim)
            .filter(|pair| {
                let name = pair.split('=').next().unwrap_or_default();
                !pair.is_empty() && !cookies.contains(&name)
            })
            .map(str::to_owned)
            .collect();
        let headers = request.headers_mut();
        headers.remove(reqwest::header::COOKIE);
        if let Ok(value) = HeaderValue::try_from(kept.join("; "))
            && !kept.is_empty()
        {
            headers.insert(reqwest::header::COOKIE, value);
        }
    }
    if !params.is_empty() && request.url().query().is_some() {
        let kept: Vec<(String, String)> = request
            .url()
            .query_pairs()
            .filter(|(k, _)| !params.contains(&k.as_ref()))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let url = request.url_mut();
        url.set_query(None);
        if !kept.is_empty() {
            url.query_pairs_mut().extend_pairs(kept);
        }
    }
}

fn sensitive(scheme: &SecurityScheme, text: &str) -> Result<HeaderValue, CredentialError> {
    let mut value = HeaderValue::try_from(text)
        .map_err(|_| CredentialError::HeaderValue(scheme.name.to_owned()))?;
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
            repeatable: false,
            captures: &[],
            rotates: &[],
            refresh_fields: &[],
            refresh_constants: &[],
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
        let shown = err.to_string();
        assert!(shown.contains("token credential"), "{shown}");
        assert!(!shown.contains("a\nb"));
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
        strip_credentials(&mut r, SCHEMES);
        assert!(r.headers().get("authorization").is_none());
        assert!(r.headers().get("cookie").is_none());
        assert_eq!(r.url().query(), None);
    }
}
