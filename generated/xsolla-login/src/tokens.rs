//! Token flows on top of the generated Generate JWT operation: obtain a server JWT, refresh a
//! user JWT. Each stores the new token in the client's [`Credentials`](crate::Credentials), so
//! the next call that needs it is authenticated.

use crate::{Client, Error, ResponseValue, types};

impl Client {
    /// Get a server JWT (Generate JWT with `grant_type=client_credentials`) for the server OAuth
    /// 2.0 client `client_id`/`client_secret`, and send it in `X-SERVER-AUTHORIZATION` on every
    /// later server-side call of this client (and its clones).
    ///
    /// Call it again when the token expires (the answer's `expires_in`, or the token's `exp`).
    /// On an error the stored server token is left as it was.
    pub async fn obtain_server_token(
        &self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Result<ResponseValue<types::TokenResponse>, Error<types::Error>> {
        let body = types::GenerateJwtClientCredentialsRequest {
            client_id: client_id.into(),
            client_secret: client_secret.into().into(),
            grant_type: types::GenerateJwtClientCredentialsRequestGrantType::ClientCredentials,
        };
        let response = self.generate_jwt().body(body).send().await?;
        self.credentials()
            .set_server_jwt(response.access_token.expose());
        Ok(response)
    }

    /// Get a new user JWT with a refresh token (Generate JWT with `grant_type=refresh_token`) and
    /// send it as `Authorization: Bearer` on every later client-side call of this client.
    ///
    /// `client_secret` is needed for confidential OAuth 2.0 clients only. The answer carries the
    /// new refresh token (`refresh_token`), which replaces the one passed here: keep it for the
    /// next refresh. On an error the stored user token is left as it was.
    pub async fn refresh_user_token(
        &self,
        client_id: impl Into<String>,
        refresh_token: impl Into<String>,
        client_secret: Option<String>,
    ) -> Result<ResponseValue<types::TokenResponse>, Error<types::Error>> {
        let body = types::GenerateJwtRefreshTokenRequest {
            client_id: client_id.into(),
            client_secret: client_secret.map(Into::into),
            grant_type: types::GenerateJwtRefreshTokenRequestGrantType::RefreshToken,
            redirect_uri: None,
            refresh_token: refresh_token.into().into(),
        };
        let response = self.generate_jwt().body(body).send().await?;
        self.credentials()
            .set_user_jwt(response.access_token.expose());
        Ok(response)
    }
}
