//! Credentials and the hook that attaches them.
//!
//! Which header an operation needs comes from the spec's `security` requirements (the generated
//! [`crate::security`] table), so a new endpoint needs no change here. Session-start calls
//! (`x-session-start` in the spec) have their returned `session_token` captured, so every later
//! call is authenticated without the caller copying tokens around.

use std::fmt;
use std::sync::{Arc, RwLock};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::Client;
use crate::security::{self, OperationSecurity};

/// The credentials a [`Client`] attaches; shared by clones of the client.
#[derive(Clone, Default)]
pub struct Credentials {
    state: Arc<RwLock<State>>,
}

#[derive(Default)]
struct State {
    session_token: Option<String>,
    domain_key: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets never reach logs: only say whether they are set.
        let state = self.read();
        f.debug_struct("Credentials")
            .field("session_token", &state.session_token.as_ref().map(|_| "<redacted>"))
            .field("domain_key", &state.domain_key)
            .finish()
    }
}

impl Credentials {
    /// No credentials yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave `State` half-written, so poison is harmless.
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The current session token, if a session was started or one was set.
    pub fn session_token(&self) -> Option<String> {
        self.read().session_token.clone()
    }

    /// Use `token` as the session token from now on.
    pub fn set_session_token(&self, token: impl Into<String>) {
        self.write().session_token = Some(token.into());
    }

    /// Forget the session token (e.g. after ending the session).
    pub fn clear_session_token(&self) {
        self.write().session_token = None;
    }

    /// The game's domain key, sent by the White Label Login calls.
    pub fn domain_key(&self) -> Option<String> {
        self.read().domain_key.clone()
    }

    /// Set the game's domain key.
    pub fn set_domain_key(&self, key: impl Into<String>) {
        self.write().domain_key = Some(key.into());
    }

    /// The credential for a security scheme of the spec, if we hold it.
    fn value_for(&self, scheme: &str) -> Option<String> {
        let state = self.read();
        match scheme {
            "sessionToken" => state.session_token.clone(),
            "domainKey" => state.domain_key.clone(),
            _ => None,
        }
    }

    /// The headers for the first requirement set of `op` that we can satisfy completely.
    fn headers_for(&self, op: &OperationSecurity) -> Vec<(&'static str, String)> {
        op.requirements
            .iter()
            .find_map(|set| {
                set.iter()
                    .map(|name| {
                        let scheme = security::SCHEMES.iter().find(|s| s.name == *name)?;
                        let value = self.value_for(name)?;
                        Some((scheme.header, format!("{}{value}", scheme.prefix)))
                    })
                    .collect::<Option<Vec<_>>>()
            })
            .unwrap_or_default()
    }
}

/// Headers the generator adds that the LootLocker API does not define.
const UNDEFINED_HEADERS: &[&str] = &["api-version"];

impl ClientHooks<Credentials> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let headers = request.headers_mut();
        for name in UNDEFINED_HEADERS {
            headers.remove(*name);
        }
        if let Some(op) = security::for_method(info.operation_id) {
            for (name, value) in self.inner().headers_for(op) {
                let mut value = reqwest::header::HeaderValue::try_from(value)
                    .map_err(|e| progenitor_client::Error::InvalidRequest(format!("{name} header: {e}")))?;
                value.set_sensitive(true);
                headers.insert(name, value);
            }
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        let starts_session = security::for_method(info.operation_id).is_some_and(|op| op.session_start);
        if !starts_session || !response.status().is_success() {
            return Ok(response);
        }
        // Read the body to capture the session token, then hand the generated code an identical
        // response to decode.
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        if let Some(token) = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .as_ref()
            .and_then(|v| v.get("session_token"))
            .and_then(serde_json::Value::as_str)
        {
            self.inner().set_session_token(token);
        }
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        Ok(reqwest::Response::from(rebuilt))
    }
}
