//! Credentials and the hook that attaches them.
//!
//! Which header an operation needs comes from the spec's `security` requirements (the generated
//! [`crate::security`] table, applied by `gamespec-client-support`), so a new endpoint needs no
//! change here. Session-start calls (`x-session-start` in the spec) have their returned
//! `session_token` captured, so every later call is authenticated without copying tokens around.

use gamespec_client_support::{CredentialStore, apply_credentials, capture_json_field};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::Client;
use crate::security;

/// Scheme names of `spec/lootlocker-game.yaml`.
const SESSION_TOKEN: &str = "sessionToken";
const DOMAIN_KEY: &str = "domainKey";

/// The credentials a [`Client`] attaches; shared by clones of the client. `Debug` redacts them.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    store: CredentialStore,
}

impl Credentials {
    /// No credentials yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current session token, if a session was started or one was set.
    pub fn session_token(&self) -> Option<String> {
        self.store.get(SESSION_TOKEN)
    }

    /// Use `token` as the session token from now on.
    pub fn set_session_token(&self, token: impl Into<String>) {
        self.store.set(SESSION_TOKEN, token);
    }

    /// Forget the session token (e.g. after ending the session).
    pub fn clear_session_token(&self) {
        self.store.clear(SESSION_TOKEN);
    }

    /// The game's domain key, sent by the White Label Login calls.
    pub fn domain_key(&self) -> Option<String> {
        self.store.get(DOMAIN_KEY)
    }

    /// Set the game's domain key.
    pub fn set_domain_key(&self, key: impl Into<String>) {
        self.store.set(DOMAIN_KEY, key);
    }
}

impl ClientHooks<Credentials> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let op = security::for_method(info.operation_id);
        apply_credentials(request, op, security::SCHEMES, &self.inner().store)
            .map_err(progenitor_client::Error::InvalidRequest)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        let starts_session =
            security::for_method(info.operation_id).is_some_and(|op| op.session_start);
        if !starts_session || !response.status().is_success() {
            return Ok(response);
        }
        let (response, token) = capture_json_field(response, "session_token").await?;
        if let Some(token) = token {
            self.inner().set_session_token(token);
        }
        Ok(response)
    }
}
