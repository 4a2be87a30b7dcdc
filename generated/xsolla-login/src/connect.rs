//! Constructing a client: [`Client::builder`] (the same [`ClientBuilder`] every gamespec client
//! has) and shortcuts for the common cases. No constructor panics; progenitor's panicking
//! `Client::new` is not generated.

use std::time::Duration;

use gamespec_client_support::{
    BuildClient, BuildError, ClientBuilder, ClientParts, Runtime, Settings,
};

use crate::{Client, Credentials, security};

/// Xsolla's production server.
pub const DEFAULT_BASE_URL: &str = "https://login.xsolla.com/api";

impl BuildClient for Client {
    const DEFAULT_BASE_URL: &'static str = DEFAULT_BASE_URL;
    // The `/otc/code` long poll holds ~20 s.
    const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    const DEFAULT_API_VERSION: Option<&'static str> = security::DEFAULT_API_VERSION;

    /// Redirects are not followed, so the calls that answer 302 return the `Location`.
    fn http_defaults(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        builder.redirect(reqwest::redirect::Policy::none())
    }

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

impl Client {
    /// Configure a client: base URL, timeouts, user agent, retry policy, or your own
    /// `reqwest::Client`.
    pub fn builder() -> ClientBuilder<Client> {
        ClientBuilder::new()
    }

    /// A client for Xsolla's production server, [`DEFAULT_BASE_URL`], with the default settings.
    pub fn production() -> Result<Self, BuildError> {
        Self::builder().build()
    }

    /// A client for any base URL, e.g. `http://127.0.0.1:8080` for a mock server, with the
    /// default settings. Redirects are not followed, so the calls that answer 302 return the
    /// `Location` to the caller.
    pub fn with_base_url(base_url: &str) -> Result<Self, BuildError> {
        Self::builder().base_url(base_url).build()
    }

    /// A client on a `reqwest::Client` you configured, with the default retry policy. The base
    /// URL is taken as given.
    pub fn with_http_client(base_url: &str, http: reqwest::Client) -> Self {
        Self::from_parts(ClientParts {
            base_url: base_url.trim_end_matches('/').to_owned(),
            http,
            settings: Settings::defaults::<Client>(),
            credentials: Vec::new(),
        })
    }

    /// The tokens this client attaches.
    pub fn credentials(&self) -> &Credentials {
        self.inner.credentials()
    }

    /// The client runtime: settings, and whether a credential can be renewed.
    pub fn runtime(&self) -> &Runtime<Credentials> {
        &self.inner
    }
}
