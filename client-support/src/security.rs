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

/// A header-borne security scheme of a spec.
#[derive(Debug, Clone, Copy)]
pub struct SecurityScheme {
    /// The scheme's name in the spec.
    pub name: &'static str,
    /// The header it is sent in.
    pub header: &'static str,
    /// Text put before the credential (`Bearer ` for HTTP bearer schemes).
    pub prefix: &'static str,
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
    for (scheme, secret) in chosen.unwrap_or_default() {
        let name = HeaderName::from_bytes(scheme.header.as_bytes())
            .map_err(|e| format!("header name {:?}: {e}", scheme.header))?;
        let mut value = HeaderValue::try_from(format!("{}{secret}", scheme.prefix))
            .map_err(|_| format!("the {} credential is not a valid header value", scheme.name))?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMES: &[SecurityScheme] = &[
        SecurityScheme {
            name: "token",
            header: "x-session-token",
            prefix: "",
        },
        SecurityScheme {
            name: "bearer",
            header: "Authorization",
            prefix: "Bearer ",
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
}
