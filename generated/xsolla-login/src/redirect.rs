//! The calls that answer `302 Found` (OAuth 2.0 authorize, the social `login_redirect` calls,
//! cross-auth): the generator types no 3xx response (see `ADAPTATIONS.md`), and this client does
//! not follow redirects, so the answer reaches the caller as `Error::UnexpectedResponse`, whose
//! `Location` [`redirect_location`] reads.

use crate::Error;

/// The `Location` of a redirect answer, if `err` is one.
pub fn redirect_location<E>(err: &Error<E>) -> Option<&str> {
    match err {
        Error::UnexpectedResponse(response) if response.status().is_redirection() => response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok()),
        _ => None,
    }
}
