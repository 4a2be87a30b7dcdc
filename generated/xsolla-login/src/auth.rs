//! The hooks every generated call runs through.
//!
//! Everything here is driven by the generated [`crate::security`] table (the spec's `security`
//! requirements and `x-session-start` markers, and the registry's login and issue facts) and
//! carried out by the client runtime of `gamespec-client-support`: the user JWT as
//! `Authorization: Bearer …` and the server JWT in `X-SERVER-AUTHORIZATION` exactly where the
//! spec says so, retries of requests that are safe to repeat, the token of every session start
//! captured (from `access_token`, or the `token` parameter of `login_url`), renewal of a JWT
//! past its `exp` before the call and once on a 401 (by repeating the session start, with the
//! rotated refresh token for refresh grants), and a `tracing` span per call.

use gamespec_client_support::Runtime;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::Client;
use crate::security::{self, Credentials};

impl ClientHooks<Runtime<Credentials>> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner()
            .prepare(&security::API, self.client(), request, info.operation_id)
            .await
            .map_err(|e| progenitor_client::Error::InvalidRequest(e.to_string()))
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner()
            .execute(&security::API, self.client(), request, info.operation_id)
            .await
    }
}
