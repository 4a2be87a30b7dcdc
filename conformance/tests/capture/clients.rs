//! The generated clients pointed at a capture server, with fixed fake credentials so that what
//! they attach can be recognised (and redacted, and searched for in committed files).

use std::time::Duration;

/// The fake LootLocker session token.
pub const SESSION_TOKEN: &str = "fixture-session-token-5b1e0c93";
/// The fake LootLocker domain key.
pub const DOMAIN_KEY: &str = "fixture-domain-key-8d27";
/// The fake Xsolla user JWT (not a real JWT: the client never decodes what it sends).
pub const USER_JWT: &str = "fixture-user-jwt-c41a77e2";
/// The fake Xsolla server JWT.
pub const SERVER_JWT: &str = "fixture-server-jwt-0f9e61b5";

/// Every fixed credential with its security scheme's name.
pub const CREDENTIALS: &[(&str, &str)] = &[
    ("sessionToken", SESSION_TOKEN),
    ("domainKey", DOMAIN_KEY),
    ("userJwt", USER_JWT),
    ("serverJwt", SERVER_JWT),
];

/// An HTTP client for loopback tests: no proxy from the environment (requests must stay on
/// 127.0.0.1), no redirects followed (a 3xx answer is an answer), a short timeout.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("the test HTTP client builds")
}

/// A LootLocker client for `url` holding [`SESSION_TOKEN`] and [`DOMAIN_KEY`]. Retries are off:
/// every answer the tests script reaches the call as it is.
pub fn lootlocker(url: &str) -> lootlocker_game::Client {
    let client = lootlocker_game::Client::builder()
        .base_url(url)
        .http_client(http())
        .retry(lootlocker_game::RetryPolicy::none())
        .build()
        .expect("the test client builds");
    client.credentials().set_session_token(SESSION_TOKEN);
    client.credentials().set_domain_key(DOMAIN_KEY);
    client
}

/// An Xsolla Login client for `url` holding [`USER_JWT`] and [`SERVER_JWT`]. Retries are off.
pub fn xsolla(url: &str) -> xsolla_login::Client {
    let client = xsolla_login::Client::builder()
        .base_url(url)
        .http_client(http())
        .retry(xsolla_login::RetryPolicy::none())
        .build()
        .expect("the test client builds");
    client.credentials().set_user_jwt(USER_JWT);
    client.credentials().set_server_jwt(SERVER_JWT);
    client
}

/// Either client, so tests can loop over both APIs.
#[derive(Clone)]
pub enum AnyClient {
    /// `lootlocker`.
    Lootlocker(lootlocker_game::Client),
    /// `xsolla`.
    Xsolla(xsolla_login::Client),
}

impl AnyClient {
    /// The client of the API named `api` (codegen's short name) for `url`.
    pub fn new(api: &str, url: &str) -> AnyClient {
        match api {
            "lootlocker" => AnyClient::Lootlocker(lootlocker(url)),
            "xsolla" => AnyClient::Xsolla(xsolla(url)),
            other => panic!("no client for API `{other}`"),
        }
    }

    /// The operationIds its `dispatch::call` can call.
    pub fn operations(&self) -> &'static [&'static str] {
        match self {
            AnyClient::Lootlocker(_) => lootlocker_game_dispatch::OPERATIONS,
            AnyClient::Xsolla(_) => xsolla_login_dispatch::OPERATIONS,
        }
    }

    /// The operations its crate implements by hand.
    pub fn hand_written(&self) -> &'static [&'static str] {
        match self {
            AnyClient::Lootlocker(_) => lootlocker_game_dispatch::HAND_WRITTEN,
            AnyClient::Xsolla(_) => xsolla_login_dispatch::HAND_WRITTEN,
        }
    }

    /// `dispatch::roundtrip` of its crate: `value` through the generated type of the component
    /// schema `schema` and back; `None` when the schema has no generated type.
    #[allow(dead_code)] // not every test binary that includes this module round-trips
    pub fn roundtrip(
        &self,
        schema: &str,
        value: serde_json::Value,
    ) -> Option<Result<serde_json::Value, String>> {
        match self {
            AnyClient::Lootlocker(_) => lootlocker_game_dispatch::roundtrip(schema, value),
            AnyClient::Xsolla(_) => xsolla_login_dispatch::roundtrip(schema, value),
        }
    }

    /// `dispatch::call` of its crate, with the error as text. Both crates share the dispatch
    /// runtime of `gamespec-client-support`, so `Args` and the error are one type.
    pub async fn call(
        &self,
        operation_id: &str,
        args: &serde_json::Value,
    ) -> Result<u16, Dispatched> {
        use lootlocker_game_dispatch::{Args, DispatchError};
        let args: Args = serde_json::from_value(args.clone())
            .map_err(|e| Dispatched::Argument(e.to_string()))?;
        let called = match self {
            AnyClient::Lootlocker(c) => {
                lootlocker_game_dispatch::call(c, operation_id, &args).await
            }
            AnyClient::Xsolla(c) => xsolla_login_dispatch::call(c, operation_id, &args).await,
        };
        called.map(|c| c.status).map_err(|e| match e {
            DispatchError::Client(text) => Dispatched::Client(text),
            other => Dispatched::Argument(other.to_string()),
        })
    }
}

/// `dispatch::Args` (as JSON, the same for both crates) of a case: its parameters and body.
pub fn args_of(case: &gamespec_conformance::case::Case) -> serde_json::Value {
    serde_json::json!({
        "path": case.path_params,
        "query": case.query,
        "header": case.headers,
        "body": case.body.as_ref().map(|b| b.value.clone()),
    })
}

/// How a dispatched call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatched {
    /// The call was not made as asked: unknown operation or a bad argument (a test bug).
    Argument(String),
    /// The client sent the request and reported an error about the answer or the transport.
    Client(String),
}
