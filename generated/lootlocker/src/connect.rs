//! Constructing a client: from a game's domain key (the per-game host the SDKs use) or from any
//! base URL (a mock, a proxy, a test server).

use std::time::Duration;

use crate::{Client, Credentials};

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The domain key cannot be part of a host name.
    #[error(
        "domain key {0:?} is not valid: use the key from the LootLocker console (letters, digits and '-')"
    )]
    DomainKey(String),
    /// The HTTP client could not be built (e.g. no TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// The shared host, for calls that do not use the per-game one.
pub const DEFAULT_BASE_URL: &str = "https://api.lootlocker.com";

/// Connect and read timeouts of clients built here.
const TIMEOUT: Duration = Duration::from_secs(15);

impl Client {
    /// A client for the per-game host `https://{domain_key}.api.lootlocker.com`. The domain key
    /// is also sent as the `domain-key` header of the White Label Login calls.
    pub fn for_domain_key(domain_key: &str) -> Result<Self, ConnectError> {
        let valid = !domain_key.is_empty()
            && domain_key.len() <= 63
            && domain_key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !domain_key.starts_with('-')
            && !domain_key.ends_with('-');
        if !valid {
            return Err(ConnectError::DomainKey(domain_key.to_owned()));
        }
        let client = Self::with_base_url(&format!("https://{domain_key}.api.lootlocker.com"))?;
        client.credentials().set_domain_key(domain_key);
        Ok(client)
    }

    /// A client for the shared host, [`DEFAULT_BASE_URL`].
    pub fn shared_host() -> Result<Self, ConnectError> {
        Self::with_base_url(DEFAULT_BASE_URL)
    }

    /// A client for any base URL, e.g. `http://127.0.0.1:8080` for a mock server.
    pub fn with_base_url(base_url: &str) -> Result<Self, ConnectError> {
        let http = reqwest::Client::builder()
            .connect_timeout(TIMEOUT)
            .timeout(TIMEOUT)
            .build()?;
        Ok(Self::with_http_client(base_url, http))
    }

    /// A client on a `reqwest::Client` you configured (proxies, timeouts, TLS).
    pub fn with_http_client(base_url: &str, http: reqwest::Client) -> Self {
        Self::new_with_client(base_url.trim_end_matches('/'), http, Credentials::new())
    }

    /// The credentials this client attaches; set a session token or domain key through them.
    pub fn credentials(&self) -> &Credentials {
        &self.inner
    }
}
