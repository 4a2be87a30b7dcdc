//! The hook that attaches credentials.
//!
//! Which header an operation needs comes from the spec's `security` requirements (the generated
//! [`crate::security`] table and [`Credentials`] type, applied by `gamespec-client-support`), so a
//! new endpoint needs no change here. Session-start calls (`x-session-start` in the spec) have
//! the token they return captured (the field [`security::SESSION_TOKEN`] names, from the API
//! registry), so every later call is authenticated without copying tokens around.

use gamespec_client_support::{TokenAt, apply_credentials, capture_json_field};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::Client;
use crate::security::{self, Credentials};

impl ClientHooks<Credentials> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let op = security::for_method(info.operation_id);
        apply_credentials(request, op, security::SCHEMES, self.inner().store())
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
        let Some(session) = security::SESSION_TOKEN else {
            return Ok(response);
        };
        let TokenAt::Field(field) = session.at else {
            return Ok(response);
        };
        if !starts_session || !response.status().is_success() {
            return Ok(response);
        }
        let (response, token) = capture_json_field(response, field).await?;
        if let Some(token) = token {
            self.inner().store().set(session.scheme, token);
        }
        Ok(response)
    }
}
