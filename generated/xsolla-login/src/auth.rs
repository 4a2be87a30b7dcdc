//! The hook that attaches credentials.
//!
//! The generated [`crate::security`] table says which scheme each operation takes; the client
//! sends the user JWT as `Authorization: Bearer …` and the server JWT in `X-SERVER-AUTHORIZATION`
//! exactly where the spec says so, and nothing on the calls that need no credentials.

use gamespec_client_support::apply_credentials;
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
}
