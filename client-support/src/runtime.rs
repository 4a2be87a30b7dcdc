//! [`Runtime`]: what a generated client carries besides its HTTP client (progenitor's "inner"
//! value): the credentials, the call settings, and how to renew each credential.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use reqwest::header::HeaderValue;

use crate::CredentialStore;
use crate::retry::RetryPolicy;
use crate::security::OperationSecurity;

/// The per-client settings [`crate::ClientBuilder`] fixes: the retry policy and the default API
/// version header value.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub(crate) retry: RetryPolicy,
    pub(crate) api_version: Option<HeaderValue>,
}

impl Settings {
    /// The settings of a client `T` built without changing any: the default retry policy and
    /// the API's default version.
    pub fn defaults<T: crate::BuildClient>() -> Settings {
        Settings {
            retry: RetryPolicy::default(),
            api_version: T::DEFAULT_API_VERSION.and_then(|v| HeaderValue::from_str(v).ok()),
        }
    }

    /// The retry policy.
    pub fn retry(&self) -> RetryPolicy {
        self.retry
    }
}

/// How to get a fresh credential for one scheme: send again (a copy of) the session-start
/// request that issued the current one, with any credential its answer rotated.
pub(crate) struct Renewal {
    pub op: &'static OperationSecurity,
    pub request: reqwest::Request,
}

pub(crate) struct Shared {
    pub settings: Settings,
    renewals: Mutex<BTreeMap<&'static str, Renewal>>,
}

impl Shared {
    // A panic never leaves the map half-written, so a poisoned lock is still usable.
    pub fn renewals(&self) -> MutexGuard<'_, BTreeMap<&'static str, Renewal>> {
        self.renewals.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a generated client carries next to its `reqwest::Client`: its credentials `C` (the
/// generated `Credentials` type), the store they live in, the [`Settings`] and the remembered
/// session starts used to renew credentials. Clones share all of it, so a token captured or
/// renewed through one clone of a client is used by every clone.
#[derive(Clone)]
pub struct Runtime<C> {
    credentials: C,
    pub(crate) store: CredentialStore,
    pub(crate) shared: Arc<Shared>,
}

impl<C: fmt::Debug> fmt::Debug for Runtime<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The remembered requests may carry passwords; only their schemes are shown.
        let renewable: Vec<&str> = self.shared.renewals().keys().copied().collect();
        f.debug_struct("Runtime")
            .field("credentials", &self.credentials)
            .field("settings", &self.shared.settings)
            .field("renewable", &renewable)
            .finish()
    }
}

impl<C> Runtime<C> {
    /// A runtime for `credentials`, whose values live in `store`.
    pub fn new(credentials: C, store: CredentialStore, settings: Settings) -> Self {
        Runtime {
            credentials,
            store,
            shared: Arc::new(Shared {
                settings,
                renewals: Mutex::new(BTreeMap::new()),
            }),
        }
    }

    /// The client's credentials.
    pub fn credentials(&self) -> &C {
        &self.credentials
    }

    /// The store the credentials live in, keyed by scheme name.
    pub fn store(&self) -> &CredentialStore {
        &self.store
    }

    /// The settings the client was built with.
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// Whether the client knows how to renew the credential of `scheme` (a session start issued
    /// it through this client).
    pub fn can_renew(&self, scheme: &str) -> bool {
        self.shared.renewals().contains_key(scheme)
    }

    /// Stop renewing the credential of `scheme` (e.g. after the player signed out).
    pub fn forget_renewal(&self, scheme: &str) {
        self.shared.renewals().remove(scheme);
    }
}
