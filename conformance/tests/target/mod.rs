//! The server under test of the response-shape and server-property suites.
//!
//! By default each test starts the embedded mock of its spec (default options) and logs in the
//! way `conformance run` does: the mock's pre-issued credentials only for schemes without a
//! login flow (and the configured domain key), the rest through the API's login calls.
//!
//! With `CONFORMANCE_BASE_URL` set, the tests talk to that server instead. `CONFORMANCE_API`
//! (`lootlocker` or `xsolla`) must name the API it serves; the other API's tests are skipped.
//! Credentials then come from the `GAMESPEC_<SCHEME>` variables plus the login flows, and
//! `CONFORMANCE_EXCLUDE=op1,op2` leaves operations out (for a server that cannot take them).
//!
//! Every credential is registered with the [`Redactor`] before any request is sent, so failure
//! messages can quote requests without leaking them.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use gamespec_conformance::auth::{self, Session};
use gamespec_conformance::case::Case;
use gamespec_conformance::exchange::Exchange;
use gamespec_conformance::mock::{MockHandle, MockOptions, MockServer};
use gamespec_conformance::secrets::{Redactor, env_var};
use gamespec_conformance::wire::{self, Unsendable};
use gamespec_spec::spec::{Operation, Spec};

/// The APIs a server under test can serve (every API of the registry), by the name
/// `Spec::load` takes.
pub fn apis() -> Vec<&'static str> {
    gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
        .collect()
}

/// Per-request timeout: long enough for a slow staging server, short enough that a hung one
/// fails the suite instead of stalling it.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Which server the environment asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// The embedded mock of each spec.
    Mock,
    /// A running server of one API.
    Remote {
        /// Its base URL.
        base_url: String,
        /// The API it serves (one of [`apis`]).
        api: String,
        /// Operations to leave out.
        exclude: BTreeSet<String>,
    },
}

impl Choice {
    /// The choice the environment makes (`CONFORMANCE_BASE_URL`, `CONFORMANCE_API`,
    /// `CONFORMANCE_EXCLUDE`). Panics with what to set when the variables contradict each
    /// other: a suite run against the wrong API would only produce noise.
    pub fn from_env() -> Choice {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let exclude = var("CONFORMANCE_EXCLUDE");
        let choice = choose(
            var("CONFORMANCE_BASE_URL"),
            var("CONFORMANCE_API"),
            exclude.clone(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        if choice == Choice::Mock && exclude.is_some() {
            // The mock must answer every operation; leaving some out would hide its bugs.
            eprintln!("note: CONFORMANCE_EXCLUDE is ignored without CONFORMANCE_BASE_URL");
        }
        choice
    }
}

/// The choice from the variables' values; the error says which variable to fix.
pub fn choose(
    base_url: Option<String>,
    api: Option<String>,
    exclude: Option<String>,
) -> Result<Choice, String> {
    let Some(base_url) = base_url else {
        return Ok(Choice::Mock);
    };
    let api = match api {
        Some(api) if apis().contains(&api.trim()) => api.trim().to_owned(),
        Some(other) => {
            return Err(format!(
                "CONFORMANCE_API={other:?} is not an API of this repository; set it to one of {} \
                 (the API {base_url} serves)",
                apis().join(", ")
            ));
        }
        None => {
            return Err(format!(
                "CONFORMANCE_BASE_URL is set but CONFORMANCE_API is not: set CONFORMANCE_API to \
                 the API {base_url} serves ({})",
                apis().join(" or ")
            ));
        }
    };
    let exclude = exclude
        .iter()
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(Choice::Remote {
        base_url: base_url.trim().trim_end_matches('/').to_owned(),
        api,
        exclude,
    })
}

/// A server under test with the credentials to talk to it.
pub struct Target {
    /// The spec the server is tested against.
    pub spec: Arc<Spec>,
    /// Its base URL.
    pub base_url: String,
    /// Knows every credential in use, for messages that quote requests.
    pub redactor: Redactor,
    client: wire::Client,
    session: Session,
    /// Operations left out (only ever non-empty for a remote server).
    excluded: BTreeSet<String>,
    /// The embedded mock, when that is the server under test.
    mock: Option<MockHandle>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.base_url)
            .field("mock", &self.mock.is_some())
            .field("excluded", &self.excluded)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// The server under test for `api`, logged in; `None` (with a note on stderr) when the
    /// environment points the suites at a server of another API.
    pub async fn start(api: &str) -> Option<Target> {
        let spec = Arc::new(Spec::load(api).unwrap_or_else(|e| panic!("{api}: {e}")));
        let redactor = Redactor::new();
        let (base_url, given, excluded, mock) = match Choice::from_env() {
            Choice::Mock => {
                let mock = MockServer::start(spec.clone(), MockOptions::default())
                    .await
                    .unwrap_or_else(|e| panic!("{api}: the embedded mock does not start: {e}"));
                for (scheme, value) in mock.credentials() {
                    redactor.add(value, &env_var(scheme));
                }
                // As `conformance run` does: what a login flow can obtain is obtained by
                // logging in, so the flows themselves are exercised.
                let given = auth::given_by_mock(&spec, mock.credentials());
                (mock.url().to_owned(), given, BTreeSet::new(), Some(mock))
            }
            Choice::Remote {
                base_url,
                api: served,
                exclude,
            } => {
                if served != api {
                    eprintln!(
                        "note: {api} tests skipped: CONFORMANCE_BASE_URL={base_url} serves {served}"
                    );
                    return None;
                }
                let unknown: Vec<&String> = exclude
                    .iter()
                    .filter(|name| spec.operation(name).is_none())
                    .collect();
                assert!(
                    unknown.is_empty(),
                    "CONFORMANCE_EXCLUDE names operations {api} does not have: {unknown:?}"
                );
                if !exclude.is_empty() {
                    eprintln!("note: {api}: left out by CONFORMANCE_EXCLUDE: {exclude:?}");
                }
                (base_url, auth::from_env(&spec), exclude, None)
            }
        };
        for (scheme, value) in &given {
            redactor.add(value, &env_var(scheme));
        }
        let client = wire::client(TIMEOUT);
        let needed: BTreeSet<String> = spec
            .operations
            .iter()
            .filter(|op| !excluded.contains(&op.id))
            .filter_map(|op| wire::requirement(op, &given))
            .flatten()
            .cloned()
            .collect();
        // The session registers what it logs in with and what it obtains with the redactor.
        let session = Session::establish(
            spec.clone(),
            client.clone(),
            &base_url,
            redactor.clone(),
            given,
            &needed,
        )
        .await;
        Some(Target {
            spec,
            base_url,
            redactor,
            client,
            session,
            excluded,
            mock,
        })
    }

    /// Whether the server under test is the embedded mock.
    pub fn is_mock(&self) -> bool {
        self.mock.is_some()
    }

    /// The spec's operations that are not left out, in spec order.
    pub fn operations(&self) -> Vec<&Operation> {
        self.spec
            .operations
            .iter()
            .filter(|op| !self.excluded.contains(&op.id))
            .collect()
    }

    /// Why `op` cannot be sent with proper credentials, if it cannot: the scheme, the variable
    /// that would provide it, and why logging in did not.
    pub async fn missing_credentials(&self, op: &Operation) -> Option<String> {
        let (credentials, _) = self.session.current().await;
        let set = wire::requirement(op, &credentials)?;
        let why: Vec<String> = set
            .iter()
            .filter(|scheme| !credentials.contains_key(*scheme))
            .map(|scheme| {
                let login = self
                    .session
                    .missing()
                    .iter()
                    .find(|e| &e.scheme == scheme)
                    .map(|e| format!(" ({})", self.redactor.redact(&e.to_string())))
                    .unwrap_or_default();
                format!(
                    "no credential for `{scheme}`: set {}{login}",
                    env_var(scheme)
                )
            })
            .collect();
        (!why.is_empty()).then(|| why.join("; "))
    }

    /// Render `case` with the current credentials, send it, and read the answer.
    pub async fn exchange(&self, case: Case) -> Result<Exchange, Unsendable> {
        let (credentials, _) = self.session.current().await;
        wire::exchange(&self.client, &self.spec, case, &self.base_url, &credentials).await
    }

    /// Stop the embedded mock, if there is one.
    pub async fn shutdown(self) {
        if let Some(mock) = self.mock {
            mock.shutdown()
                .await
                .unwrap_or_else(|e| panic!("the mock did not stop cleanly: {e}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_picks_the_mock_or_one_named_api() {
        assert_eq!(choose(None, Some("xsolla".into()), None), Ok(Choice::Mock));
        let remote = choose(
            Some("http://127.0.0.1:4010/".into()),
            Some("lootlocker".into()),
            Some("listBroadcasts, ,getPing".into()),
        );
        assert_eq!(
            remote,
            Ok(Choice::Remote {
                base_url: "http://127.0.0.1:4010".into(),
                api: "lootlocker".into(),
                exclude: ["getPing".to_owned(), "listBroadcasts".to_owned()].into(),
            })
        );
        let missing = choose(Some("http://127.0.0.1:4010".into()), None, None).unwrap_err();
        assert!(missing.contains("set CONFORMANCE_API"), "{missing}");
        let unknown = choose(
            Some("http://127.0.0.1:4010".into()),
            Some("steam".into()),
            None,
        )
        .unwrap_err();
        assert!(
            unknown.contains("\"steam\"") && unknown.contains("lootlocker, xsolla"),
            "{unknown}"
        );
    }
}
