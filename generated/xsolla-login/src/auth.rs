//! Credentials and the hook that attaches them.
//!
//! The generated [`crate::security`] table says which scheme each operation takes; the client
//! sends the user JWT as `Authorization: Bearer …` and the server JWT in `X-SERVER-AUTHORIZATION`
//! exactly where the spec says so, and nothing on the calls that need no credentials.

use gamespec_client_support::{CredentialStore, apply_credentials};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::Client;
use crate::security;

/// Scheme names of `spec/xsolla-login.yaml`.
const USER_JWT: &str = "userJwt";
const SERVER_JWT: &str = "serverJwt";

/// The tokens a [`Client`] attaches; shared by clones of the client. `Debug` redacts them.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    store: CredentialStore,
}

impl Credentials {
    /// No tokens yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The user JWT sent as `Authorization: Bearer` on client-side calls.
    pub fn user_token(&self) -> Option<String> {
        self.store.get(USER_JWT)
    }

    /// Use `token` as the user JWT.
    pub fn set_user_token(&self, token: impl Into<String>) {
        self.store.set(USER_JWT, token);
    }

    /// Forget the user JWT.
    pub fn clear_user_token(&self) {
        self.store.clear(USER_JWT);
    }

    /// The server JWT sent in `X-SERVER-AUTHORIZATION` on server-side calls.
    pub fn server_token(&self) -> Option<String> {
        self.store.get(SERVER_JWT)
    }

    /// Use `token` as the server JWT.
    pub fn set_server_token(&self, token: impl Into<String>) {
        self.store.set(SERVER_JWT, token);
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
}
