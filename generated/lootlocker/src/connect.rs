//! Constructing a client: [`Client::builder`] (the same [`ClientBuilder`] every gamespec client
//! has), with [`DomainKey::domain_key`] for the per-game host, and shortcuts for the common
//! cases. No constructor panics; progenitor's panicking `Client::new` is not generated.

use std::time::Duration;

use gamespec_client_support::{
    BuildClient, BuildError, ClientBuilder, ClientParts, Runtime, Settings,
};

use crate::{Client, Credentials, security};

/// The shared host, for calls that do not use the per-game one.
pub const DEFAULT_BASE_URL: &str = "https://api.lootlocker.com";

impl BuildClient for Client {
    const DEFAULT_BASE_URL: &'static str = DEFAULT_BASE_URL;
    const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
    const DEFAULT_API_VERSION: Option<&'static str> = security::DEFAULT_API_VERSION;

    fn from_parts(parts: ClientParts) -> Self {
        let credentials = Credentials::new();
        for (scheme, value) in parts.credentials {
            credentials.store().set(&scheme, value);
        }
        let runtime = Runtime::new(
            credentials.clone(),
            credentials.store().clone(),
            parts.settings,
        );
        Self::new_with_client(&parts.base_url, parts.http, runtime)
    }
}

/// The per-game host of [`ClientBuilder`]: `https://{domain_key}.api.lootlocker.com`, the host
/// the SDKs use.
pub trait DomainKey {
    /// Use the per-game host of `domain_key` and send the key as the `domain-key` header of the
    /// White Label Login calls. An invalid key makes `build` fail.
    fn domain_key(self, domain_key: &str) -> Self;
}

impl DomainKey for ClientBuilder<Client> {
    fn domain_key(self, domain_key: &str) -> Self {
        self.check(gamespec_client_support::host_label(
            "domain key",
            domain_key,
        ))
        .base_url(format!("https://{domain_key}.api.lootlocker.com"))
        .credential("domainKey", domain_key)
    }
}

impl Client {
    /// Configure a client: base URL or domain key, timeouts, user agent, `LL-Version`, retry
    /// policy, or your own `reqwest::Client`.
    pub fn builder() -> ClientBuilder<Client> {
        ClientBuilder::new()
    }

    /// A client for the per-game host `https://{domain_key}.api.lootlocker.com` with the
    /// default settings ([`DomainKey::domain_key`]).
    pub fn for_domain_key(domain_key: &str) -> Result<Self, BuildError> {
        Self::builder().domain_key(domain_key).build()
    }

    /// A client for the shared host, [`DEFAULT_BASE_URL`], with the default settings.
    pub fn shared_host() -> Result<Self, BuildError> {
        Self::builder().build()
    }

    /// A client for any base URL, e.g. `http://127.0.0.1:8080` for a mock server, with the
    /// default settings.
    pub fn with_base_url(base_url: &str) -> Result<Self, BuildError> {
        Self::builder().base_url(base_url).build()
    }

    /// A client on a `reqwest::Client` you configured (proxies, timeouts, TLS), with the default
    /// retry policy and `LL-Version`. The base URL is taken as given.
    pub fn with_http_client(base_url: &str, http: reqwest::Client) -> Self {
        Self::from_parts(ClientParts {
            base_url: base_url.trim_end_matches('/').to_owned(),
            http,
            settings: Settings::defaults::<Client>(),
            credentials: Vec::new(),
        })
    }

    /// The credentials this client attaches; set a session token or domain key through them.
    pub fn credentials(&self) -> &Credentials {
        self.inner.credentials()
    }

    /// The client runtime: settings, and whether a credential can be renewed.
    pub fn runtime(&self) -> &Runtime<Credentials> {
        &self.inner
    }
}
