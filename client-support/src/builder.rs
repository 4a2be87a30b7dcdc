//! [`ClientBuilder`]: the one way every generated client is configured, with the same methods
//! for every API; each client crate says only its defaults ([`BuildClient`]).

use std::marker::PhantomData;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::retry::RetryPolicy;
use crate::runtime::Settings;

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The base URL is not an absolute `http`/`https` URL.
    #[error("base URL {0:?} is not an absolute http(s) URL")]
    BaseUrl(String),
    /// A value for a server variable (such as a domain key) cannot be part of a host name.
    #[error("{name} {value:?} is not valid: use letters, digits and '-' (at most 63)")]
    HostLabel {
        /// What the value is for.
        name: &'static str,
        /// The refused value.
        value: String,
    },
    /// The user agent or API version cannot be sent as a header value.
    #[error("{0} is not a valid header value")]
    Header(&'static str),
    /// The HTTP client could not be built (e.g. no TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// What a client crate tells [`ClientBuilder`]: its defaults and how to assemble the client.
pub trait BuildClient: Sized {
    /// The base URL when none is given.
    const DEFAULT_BASE_URL: &'static str;
    /// Connect and overall timeout when none is given.
    const DEFAULT_TIMEOUT: Duration;
    /// The API version header value sent when a call sets none (for APIs whose spec names a
    /// version header).
    const DEFAULT_API_VERSION: Option<&'static str>;
    /// Settings of the `reqwest::Client` the builder makes that this API needs (e.g. not
    /// following redirects); not applied to a client passed with [`ClientBuilder::http_client`].
    fn http_defaults(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        builder
    }
    /// The client for these parts.
    fn from_parts(parts: ClientParts) -> Self;
}

/// What [`ClientBuilder::build`] hands a client crate.
#[derive(Debug)]
pub struct ClientParts {
    /// The base URL, without a trailing `/`.
    pub base_url: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The call settings.
    pub settings: Settings,
    /// Credentials to start with, by scheme name ([`ClientBuilder::credential`]).
    pub credentials: Vec<(String, String)>,
}

/// Configures and builds a client `T`: base URL, timeouts, user agent, default API version,
/// retry policy, or a `reqwest::Client` of your own. Building never panics: every failure is a
/// [`BuildError`].
#[must_use]
pub struct ClientBuilder<T> {
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    api_version: Option<String>,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    credentials: Vec<(String, String)>,
    refused: Option<BuildError>,
    client: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ClientBuilder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("api_version", &self.api_version)
            .field("retry", &self.retry)
            .field("http_client", &self.http.is_some())
            .field(
                "credentials",
                &self.credentials.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl<T> Default for ClientBuilder<T> {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            timeout: None,
            connect_timeout: None,
            user_agent: None,
            api_version: None,
            retry: RetryPolicy::default(),
            http: None,
            credentials: Vec::new(),
            refused: None,
            client: PhantomData,
        }
    }
}

impl<T: BuildClient> ClientBuilder<T> {
    /// A builder with the client's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Send requests to `url` (a mock, a proxy, a test server) instead of the default host.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Give up on a call after `timeout` (the whole exchange of one attempt).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Give up connecting after `timeout`.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Send `agent` as the `User-Agent` header.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// Send `version` in the API's version header (e.g. LootLocker's `LL-Version`) on calls that
    /// do not set one; without it the spec's version is sent. No effect for APIs without one.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// Retry by `policy` ([`RetryPolicy::none`] turns retries off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Use `http` for every request (proxies, TLS, connection pools of your own). Its own
    /// timeouts and user agent apply: the builder's [`timeout`](Self::timeout),
    /// [`connect_timeout`](Self::connect_timeout) and [`user_agent`](Self::user_agent) are not
    /// applied to it.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Start with `value` as the credential of security scheme `scheme` (a saved session
    /// token, an API key); session starts and renewals replace it as usual.
    pub fn credential(mut self, scheme: impl Into<String>, value: impl Into<String>) -> Self {
        self.credentials.push((scheme.into(), value.into()));
        self
    }

    /// Make [`build`](Self::build) fail with the error of `check`, if it is one: for a client
    /// crate's own builder settings (such as a domain key) that find a value invalid.
    pub fn check(mut self, check: Result<(), BuildError>) -> Self {
        if let (Err(e), None) = (check, &self.refused) {
            self.refused = Some(e);
        }
        self
    }

    /// The base URL set so far, if any.
    pub fn base_url_set(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    /// Build the client.
    pub fn build(self) -> Result<T, BuildError> {
        if let Some(refused) = self.refused {
            return Err(refused);
        }
        let base = self
            .base_url
            .unwrap_or_else(|| T::DEFAULT_BASE_URL.to_owned());
        let base_url = base.trim_end_matches('/').to_owned();
        let parsed =
            reqwest::Url::parse(&base_url).map_err(|_| BuildError::BaseUrl(base.clone()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
            return Err(BuildError::BaseUrl(base));
        }
        let api_version = self
            .api_version
            .as_deref()
            .or(T::DEFAULT_API_VERSION)
            .map(|v| HeaderValue::from_str(v).map_err(|_| BuildError::Header("the API version")))
            .transpose()?;
        let http = match self.http {
            Some(http) => http,
            None => {
                let mut builder = T::http_defaults(reqwest::Client::builder())
                    .connect_timeout(self.connect_timeout.unwrap_or(T::DEFAULT_TIMEOUT))
                    .timeout(self.timeout.unwrap_or(T::DEFAULT_TIMEOUT));
                if let Some(agent) = self.user_agent {
                    let value = HeaderValue::from_str(&agent)
                        .map_err(|_| BuildError::Header("the user agent"))?;
                    builder = builder.user_agent(value);
                }
                builder.build()?
            }
        };
        Ok(T::from_parts(ClientParts {
            base_url,
            http,
            settings: Settings {
                retry: self.retry,
                api_version,
            },
            credentials: self.credentials,
        }))
    }
}

/// Whether `value` can be one label of a host name (letters, digits, inner '-', 1–63 long).
pub fn host_label(name: &'static str, value: &str) -> Result<(), BuildError> {
    let valid = !value.is_empty()
        && value.len() <= 63
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if valid {
        Ok(())
    } else {
        Err(BuildError::HostLabel {
            name,
            value: value.to_owned(),
        })
    }
}
