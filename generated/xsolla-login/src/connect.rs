//! Constructing a client.

use std::time::Duration;

use crate::{Client, Credentials};

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The HTTP client could not be built (e.g. no TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// Xsolla's production server.
pub const DEFAULT_BASE_URL: &str = "https://login.xsolla.com/api";

/// Connect and read timeouts of clients built here (the `/otc/code` long poll holds ~20 s).
const TIMEOUT: Duration = Duration::from_secs(30);

impl Client {
    /// A client for Xsolla's production server, [`DEFAULT_BASE_URL`].
    pub fn production() -> Result<Self, ConnectError> {
        Self::with_base_url(DEFAULT_BASE_URL)
    }

    /// A client for any base URL, e.g. `http://127.0.0.1:8080` for a mock server. Redirects are
    /// not followed, so the calls that answer 302 return the `Location` to the caller.
    pub fn with_base_url(base_url: &str) -> Result<Self, ConnectError> {
        let http = reqwest::Client::builder()
            .connect_timeout(TIMEOUT)
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self::with_http_client(base_url, http))
    }

    /// A client on a `reqwest::Client` you configured.
    pub fn with_http_client(base_url: &str, http: reqwest::Client) -> Self {
        Self::new_with_client(base_url.trim_end_matches('/'), http, Credentials::new())
    }

    /// The tokens this client attaches.
    pub fn credentials(&self) -> &Credentials {
        &self.inner
    }
}
