//! The hooks every generated call runs through.
//!
//! Everything here is driven by the generated [`crate::security`] table (the spec's `security`
//! requirements, `x-session-start`, `x-idempotent` and `x-version-header`, and the registry's
//! login facts) and carried out by the client runtime of `gamespec-client-support`: the default
//! `LL-Version`, the credentials each operation takes, retries of requests that are safe to
//! repeat, the session token captured from every session start, one renewal (by repeating the
//! session start) and one repeat of a call answered 401, and a `tracing` span per call.

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
