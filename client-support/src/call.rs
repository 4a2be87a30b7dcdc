//! One call of a generated client, as its hooks run it: attach the API version and credentials
//! (renewing a JWT about to expire first), send with retries, renew once and repeat once on a
//! 401, capture what a session start issues, and record a `tracing` span.
//!
//! The span (`gamespec.call`) carries the operation id, the HTTP method, the status, the number
//! of attempts, the latency and whether a credential was renewed. It never carries the URL, a
//! header or a body, and transport errors are recorded by kind, because each of those can hold
//! a credential.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::HeaderName;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tracing::field::Empty;
use tracing::{Instrument, Span};

use crate::retry::{RetryPolicy, retryable_error, retryable_status};
use crate::runtime::{Renewal, Runtime};
use crate::security::{
    ApiSecurity, CredentialError, OperationSecurity, apply_credentials, chosen_credentials,
    strip_credentials,
};
use crate::session::{expires_within, issued_scheme, rotate, token_in};

/// A JWT that expires within this margin is renewed before it is sent, so that it does not
/// expire on the way or while the server works.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

impl<C> Runtime<C> {
    /// The `pre` hook: set the default API version header when the call does not set one,
    /// renew credentials that are JWTs about to expire (when the client knows how), then attach
    /// the credentials the operation whose client method is `method` takes.
    pub async fn prepare(
        &self,
        api: &ApiSecurity,
        http: &reqwest::Client,
        request: &mut reqwest::Request,
        method: &str,
    ) -> Result<(), CredentialError> {
        if let (Some(header), Some(version)) =
            (api.version_header, &self.shared.settings.api_version)
        {
            let name = HeaderName::from_bytes(header.as_bytes())
                .map_err(|_| CredentialError::HeaderName(header.to_owned()))?;
            if !request.headers().contains_key(&name) {
                request.headers_mut().insert(name, version.clone());
            }
        }
        let op = api.for_method(method);
        if let Some(op) = op {
            for (scheme, token) in chosen_credentials(op, api.schemes, &self.store) {
                if expires_within(&token, EXPIRY_MARGIN) && self.can_renew(scheme.name) {
                    Box::pin(self.renew(api, http, scheme.name, &token)).await;
                }
            }
        }
        apply_credentials(request, op, api.schemes, &self.store)
    }

    /// The `exec` hook: send `request` (already through [`Runtime::prepare`]) for the operation
    /// whose client method is `method`, with the retries, the renewal on 401, the capture of
    /// session-start credentials and the `gamespec.call` span.
    pub async fn execute(
        &self,
        api: &ApiSecurity,
        http: &reqwest::Client,
        request: reqwest::Request,
        method: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let op = api.for_method(method);
        let span = tracing::info_span!(
            "gamespec.call",
            operation = op.map_or(method, |o| o.operation_id),
            http.method = %request.method(),
            status = Empty,
            attempts = Empty,
            latency_ms = Empty,
            renewed = false,
            error = Empty,
        );
        let call = async move {
            let started = Instant::now();
            // Boxed: the generated `send` futures embed this one, and test tools match over
            // every operation's future, so an inline state machine would make all of them large.
            let (result, attempts) = Box::pin(self.run(api, http, request, op)).await;
            let span = Span::current();
            span.record("attempts", attempts);
            span.record(
                "latency_ms",
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
            match &result {
                Ok(response) => span.record("status", response.status().as_u16()),
                Err(error) => span.record("error", error_kind(error)),
            };
            tracing::debug!("call finished");
            result
        };
        Box::pin(call.instrument(span)).await
    }

    async fn run(
        &self,
        api: &ApiSecurity,
        http: &reqwest::Client,
        request: reqwest::Request,
        op: Option<&'static OperationSecurity>,
    ) -> (reqwest::Result<reqwest::Response>, u32) {
        let policy = self.shared.settings.retry;
        let safe = op.map_or_else(|| idempotent(request.method()), |o| o.repeatable);
        let sent_with = op
            .map(|o| chosen_credentials(o, api.schemes, &self.store))
            .unwrap_or_default();
        let start = op.filter(|o| o.session_start && !o.captures.is_empty());
        let start_copy = start.and_then(|_| request.try_clone());
        let backup = (!sent_with.is_empty())
            .then(|| request.try_clone())
            .flatten();

        let (mut result, mut attempts) = send(policy, http, request, safe).await;

        let unauthorized = matches!(&result, Ok(r) if r.status() == StatusCode::UNAUTHORIZED);
        if let (true, Some(op), Some(mut again)) = (unauthorized, op, backup) {
            let mut renewed = false;
            for (scheme, token) in &sent_with {
                if self.can_renew(scheme.name) {
                    renewed |= self.renew(api, http, scheme.name, token).await;
                }
            }
            strip_credentials(&mut again, api.schemes);
            if renewed && apply_credentials(&mut again, Some(op), api.schemes, &self.store).is_ok()
            {
                Span::current().record("renewed", true);
                let (repeated, more) = send(policy, http, again, safe).await;
                result = repeated;
                attempts += more;
            }
        }

        if let (Some(op), Ok(response)) = (start, result.as_ref())
            && response.status().is_success()
            && let Ok(response) = result
        {
            result = self.capture(api, op, start_copy, response).await;
        }
        (result, attempts)
    }

    /// Store the credential a successful session-start answer issued, and remember the request
    /// (with any rotated credential) to renew it later. The answer is handed back unchanged.
    async fn capture(
        &self,
        api: &ApiSecurity,
        op: &'static OperationSecurity,
        request: Option<reqwest::Request>,
        response: reqwest::Response,
    ) -> reqwest::Result<reqwest::Response> {
        let (response, body) = buffer(response).await?;
        let Ok(answer) = serde_json::from_slice::<Value>(&body) else {
            return Ok(response);
        };
        let Some(token) = token_in(op, &answer) else {
            return Ok(response);
        };
        let sent = request
            .as_ref()
            .and_then(|r| r.body())
            .and_then(reqwest::Body::as_bytes);
        let Some(scheme) = issued_scheme(api, sent) else {
            return Ok(response);
        };
        self.store.set(scheme, token);
        if let Some(mut request) = request {
            let rotated = request
                .body()
                .and_then(reqwest::Body::as_bytes)
                .and_then(|b| rotate(op, &answer, b));
            if let Some(body) = rotated {
                *request.body_mut() = Some(body.into());
            }
            self.shared
                .renewals()
                .insert(scheme, Renewal { op, request });
        }
        Ok(response)
    }

    /// Get a fresh credential for `scheme` by repeating the session start that issued `failed`;
    /// whether the store now holds another credential than `failed`. When another call has
    /// renewed it meanwhile, that credential is used without a second renewal.
    async fn renew(
        &self,
        api: &ApiSecurity,
        http: &reqwest::Client,
        scheme: &str,
        failed: &str,
    ) -> bool {
        if self.store.get(scheme).as_deref() != Some(failed) {
            return self.store.get(scheme).is_some();
        }
        let copies = self
            .shared
            .renewals()
            .get(scheme)
            .and_then(|r| Some((r.op, r.request.try_clone()?, r.request.try_clone()?)));
        let Some((op, request, keep)) = copies else {
            return false;
        };
        let span = tracing::info_span!("gamespec.renew", operation = op.operation_id, scheme);
        async move {
            let policy = self.shared.settings.retry;
            let (result, _) = send(policy, http, request, true).await;
            match result {
                Ok(response) if response.status().is_success() => {
                    let _ = self.capture(api, op, Some(keep), response).await;
                }
                Ok(response) => {
                    tracing::warn!(status = response.status().as_u16(), "renewal refused");
                }
                Err(error) => tracing::warn!(error = error_kind(&error), "renewal failed"),
            }
            self.store
                .get(scheme)
                .is_some_and(|now| now.as_str() != failed)
        }
        .instrument(span)
        .await
    }
}

/// Send `request`, repeating it by `policy` while it is `safe` to repeat and the answer is worth
/// a retry; the last result and the number of attempts made.
async fn send(
    policy: RetryPolicy,
    http: &reqwest::Client,
    mut request: reqwest::Request,
    safe: bool,
) -> (reqwest::Result<reqwest::Response>, u32) {
    let mut attempts = 0;
    let mut waited = Duration::ZERO;
    loop {
        attempts += 1;
        // A streamed body cannot be copied; such a request is sent once.
        let copy = if safe && attempts < policy.attempts() {
            request.try_clone()
        } else {
            None
        };
        let result = http.execute(request).await;
        let wait = match (&result, &copy) {
            (Ok(r), Some(_)) if retryable_status(r.status()) => {
                policy.next_wait(attempts, waited, Some(r.headers()))
            }
            (Err(e), Some(_)) if retryable_error(e) => policy.next_wait(attempts, waited, None),
            _ => None,
        };
        let (Some(wait), Some(copy)) = (wait, copy) else {
            return (result, attempts);
        };
        match &result {
            Ok(r) => tracing::debug!(
                attempt = attempts,
                status = r.status().as_u16(),
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "retrying"
            ),
            Err(e) => tracing::debug!(
                attempt = attempts,
                error = error_kind(e),
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "retrying"
            ),
        }
        drop(result);
        tokio::time::sleep(wait).await;
        waited += wait;
        request = copy;
    }
}

/// Methods RFC 9110 defines as idempotent.
fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// What kind of transport error `error` is, without its message (which names the URL).
fn error_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else if error.is_body() || error.is_decode() {
        "body"
    } else if error.is_request() {
        "request"
    } else {
        "other"
    }
}

/// Read a response's body and hand back an identical response, so a hook can look at the
/// body without taking it from the generated code that decodes it.
pub(crate) async fn buffer(
    response: reqwest::Response,
) -> reqwest::Result<(reqwest::Response, Bytes)> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let mut rebuilt = http::Response::new(body.clone());
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok((reqwest::Response::from(rebuilt), body))
}
