//! Credentials for a run: from environment variables (`GAMESPEC_SESSION_TOKEN`, …), from the
//! caller (the embedded mock's pre-issued ones), or obtained by the API's login flow
//! ([`gamespec_spec::registry::Login`]). Credentials obtained by logging in are refreshed when the server
//! stops accepting them; every value is registered with the run's [`Redactor`] first.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

use crate::case::Case;
use crate::generate;
use crate::secrets::{Redactor, env_var};
use crate::wire::{self, Credentials};
use gamespec_spec::registry::{CredentialKind, Login, TokenAt};
use gamespec_spec::spec::Spec;

/// Credentials the environment gives: `GAMESPEC_<SCHEME>` for each scheme of the spec.
pub fn from_env(spec: &Spec) -> Credentials {
    spec.schemes
        .iter()
        .filter_map(|s| {
            let value = std::env::var(env_var(&s.name)).ok()?;
            (!value.trim().is_empty()).then(|| (s.name.clone(), value.trim().to_owned()))
        })
        .collect()
}

/// What a client of a mock starts with out of the mock's pre-issued `credentials`: keys the
/// mock is configured with, and credentials of schemes no login flow can obtain. Everything
/// else is left to the login flows, so that they are exercised too.
pub fn given_by_mock(spec: &Spec, credentials: &Credentials) -> Credentials {
    credentials
        .iter()
        .filter(|(scheme, _)| {
            spec.profile.kind(scheme) == CredentialKind::ConfiguredKey
                || spec.profile.login(scheme).is_none()
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Why a login did not yield a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("logging in for `{scheme}` with `{operation}`: {reason}")]
pub struct LoginError {
    /// The scheme.
    pub scheme: String,
    /// The login operation.
    pub operation: String,
    /// What went wrong (status and body excerpt, redacted).
    pub reason: String,
}

struct State {
    credentials: Arc<Credentials>,
    generation: u64,
}

/// The credentials of a run, shared by every worker.
pub struct Session {
    spec: Arc<Spec>,
    client: crate::wire::Client,
    base_url: String,
    redactor: Redactor,
    state: RwLock<State>,
    /// Schemes whose credential came from a login flow (and so can be refreshed).
    logged_in: BTreeSet<String>,
    /// Serialises refreshes so that many workers seeing a 401 at once log in once.
    refreshing: Mutex<()>,
    /// Why schemes have no credential.
    missing: Vec<LoginError>,
    /// A second player's credentials, logged in on first use (`None` inside: none could be).
    other: tokio::sync::OnceCell<Option<Arc<Credentials>>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("base_url", &self.base_url)
            .field("logged_in", &self.logged_in)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Start with `given` credentials and log in for every scheme in `needed` that has none and
    /// has a login flow. Login failures do not fail the run: operations needing the scheme are
    /// skipped and [`Session::missing`] says why.
    pub async fn establish(
        spec: Arc<Spec>,
        client: crate::wire::Client,
        base_url: &str,
        redactor: Redactor,
        given: Credentials,
        needed: &BTreeSet<String>,
    ) -> Session {
        for (scheme, value) in &given {
            redactor.add(value, &env_var(scheme));
        }
        let mut session = Session {
            spec,
            client,
            base_url: base_url.to_owned(),
            redactor,
            state: RwLock::new(State {
                credentials: Arc::new(given),
                generation: 0,
            }),
            logged_in: BTreeSet::new(),
            refreshing: Mutex::new(()),
            missing: Vec::new(),
            other: tokio::sync::OnceCell::new(),
        };
        let have: BTreeSet<String> = session
            .state
            .get_mut()
            .credentials
            .keys()
            .cloned()
            .collect();
        let spec = session.spec.clone();
        let profile = &spec.profile;
        for scheme in needed.difference(&have) {
            let Some(login) = profile.login(scheme) else {
                continue;
            };
            let client = session.client.clone();
            match session.login(login, &client).await {
                Ok(token) => {
                    let state = session.state.get_mut();
                    Arc::make_mut(&mut state.credentials).insert(scheme.clone(), token);
                    session.logged_in.insert(scheme.clone());
                }
                Err(e) => session.missing.push(e),
            }
        }
        session
    }

    /// The current credentials and their generation (bumped by every refresh).
    pub async fn current(&self) -> (Arc<Credentials>, u64) {
        let state = self.state.read().await;
        (state.credentials.clone(), state.generation)
    }

    /// Why some schemes have no credential.
    pub fn missing(&self) -> &[LoginError] {
        &self.missing
    }

    /// Schemes whose credential came from a login flow.
    pub fn logged_in(&self) -> &BTreeSet<String> {
        &self.logged_in
    }

    /// Log in again for every scheme obtained by logging in, unless another worker already did
    /// since `seen` was read; `client` is the caller's (each worker thread has its own runtime
    /// and connections). Returns whether newer credentials are available.
    pub async fn refresh(&self, seen: u64, client: &crate::wire::Client) -> bool {
        if self.logged_in.is_empty() {
            return false;
        }
        let _guard = self.refreshing.lock().await;
        if self.state.read().await.generation != seen {
            return true;
        }
        let mut fresh = (*self.state.read().await.credentials).clone();
        let mut renewed = false;
        for scheme in &self.logged_in {
            if let Some(login) = self.spec.profile.login(scheme)
                && let Ok(token) = self.login(login, client).await
            {
                fresh.insert(scheme.clone(), token);
                renewed = true;
            }
        }
        if renewed {
            let mut state = self.state.write().await;
            state.credentials = Arc::new(fresh);
            state.generation += 1;
        }
        renewed
    }

    /// The credentials of a second player: the current ones with every scheme obtained by
    /// logging in logged in once more (a new session is a new player to a server that issues
    /// guest sessions; against one that logs the same user in again, it is the same player,
    /// and object-level checks then report that user's own resources). `None` when no scheme
    /// came from a login flow or a login failed.
    pub async fn other_player(&self, client: &crate::wire::Client) -> Option<Arc<Credentials>> {
        self.other
            .get_or_init(|| async {
                if self.logged_in.is_empty() {
                    return None;
                }
                let mut other = (*self.state.read().await.credentials).clone();
                for scheme in &self.logged_in {
                    let login = self.spec.profile.login(scheme)?;
                    let mut token = self.login(login, client).await.ok()?;
                    // A JWT whose claims carry no unique id is the same token for the same
                    // inputs within one second (`iat`): ask once more after it. A login that
                    // still hands back the first player's own credential gives no second
                    // player, and a check across players would judge one player against itself.
                    if other.get(scheme) == Some(&token) {
                        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
                        token = self.login(login, client).await.ok()?;
                    }
                    if other.get(scheme) == Some(&token) {
                        return None;
                    }
                    other.insert(scheme.clone(), token);
                }
                Some(Arc::new(other))
            })
            .await
            .clone()
    }

    /// Requests sent by logins so far are not counted as cases; this builds and sends one.
    async fn login(
        &self,
        login: &Login,
        client: &crate::wire::Client,
    ) -> Result<String, LoginError> {
        let fail = |reason: String| LoginError {
            scheme: login.scheme.to_owned(),
            operation: login.operation.to_owned(),
            reason,
        };
        let op = self
            .spec
            .operation(&login.operation)
            .ok_or_else(|| fail("the spec has no such operation".into()))?;
        let mut case = pick_example(generate::examples(&self.spec, op), login)
            .ok_or_else(|| fail("the spec has no example to log in with".into()))?;
        for (field, variable) in &login.inputs {
            let Ok(value) = std::env::var(variable) else {
                continue;
            };
            self.redactor.add(&value, variable);
            if case.query.contains_key(field) {
                case.query.insert(field.clone(), Value::String(value));
            } else if let Some(body) = case.body.as_mut()
                && let Some(map) = body.value.as_object_mut()
            {
                map.insert(field.clone(), Value::String(value));
            }
        }
        let credentials = self.state.read().await.credentials.clone();
        let exchange = wire::exchange(client, &self.spec, case, &self.base_url, &credentials)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let response = exchange.response.map_err(fail)?;
        if !(200..300).contains(&response.status) {
            // Redacted before it is cut: a secret the server echoes across the cut would
            // otherwise reach the reports in part.
            let excerpt = crate::report::excerpt(&self.redactor.redact(&response.body), 200);
            return Err(fail(format!("status {}: {excerpt}", response.status)));
        }
        let body = response
            .json()
            .map_err(|e| fail(format!("the answer is not JSON: {e}")))?;
        let token = extract(body, &login.token).ok_or_else(|| {
            fail(match &login.token {
                TokenAt::Field { field } => format!("the answer has no `{field}`"),
                TokenAt::UrlParam { field, param } => {
                    format!("the answer has no `{param}` in the URL of `{field}`")
                }
            })
        })?;
        self.redactor.add(&token, &env_var(&login.scheme));
        Ok(token)
    }
}

/// The example case a login uses: the first whose body has the selecting field value.
fn pick_example(cases: Vec<Case>, login: &Login) -> Option<Case> {
    match &login.select {
        None => cases.into_iter().next(),
        Some((field, value)) => cases.into_iter().find(|c| {
            c.body
                .as_ref()
                .and_then(|b| b.value.get(field))
                .and_then(Value::as_str)
                == Some(value.as_str())
        }),
    }
}

/// The credential in a login answer.
pub fn extract(body: &Value, at: &TokenAt) -> Option<String> {
    match at {
        TokenAt::Field { field } => body.get(field)?.as_str().map(str::to_owned),
        TokenAt::UrlParam { field, param } => {
            let url = body.get(field)?.as_str()?;
            let query = url.split_once('?')?.1;
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == param.as_str())
                .map(|(_, v)| v.into_owned())
        }
    }
    .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(name: &str) -> TokenAt {
        TokenAt::Field { field: name.into() }
    }

    #[test]
    fn tokens_are_found_in_fields_and_urls() {
        let body = json!({"session_token": "abc", "login_url": "https://x/cb?token=eyJ.a.b&remember_me=false"});
        assert_eq!(
            extract(&body, &field("session_token")).as_deref(),
            Some("abc")
        );
        assert_eq!(
            extract(
                &body,
                &TokenAt::UrlParam {
                    field: "login_url".into(),
                    param: "token".into()
                }
            )
            .as_deref(),
            Some("eyJ.a.b")
        );
        assert_eq!(extract(&body, &field("missing")), None);
        assert_eq!(
            extract(&json!({"session_token": ""}), &field("session_token")),
            None
        );
    }
}
