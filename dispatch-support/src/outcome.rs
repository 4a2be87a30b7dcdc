//! The result of a dispatched call: [`Called`] for a documented success answer, otherwise a
//! [`DispatchError`]; [`finish`] turns the generated `send()` result into one of them.

use std::fmt;

use progenitor_client::{Error, ResponseValue};

/// A call that got the success answer the operation documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Called {
    /// The HTTP status of the answer.
    pub status: u16,
}

/// Why a dispatched call did not get a documented success answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchError {
    /// No generated method has this operationId (the client's `dispatch::OPERATIONS` lists those
    /// it has, `dispatch::HAND_WRITTEN` those implemented by hand).
    UnknownOperation(String),
    /// An argument is not a parameter of the operation or does not convert to its type.
    Argument {
        /// `path/…`, `query/…`, `header/…` (the spec's name) or `body`.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The client reported an error: an undocumented or documented error status, a body that
    /// does not decode, a connection failure, a request it could not build.
    Client(String),
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DispatchError::UnknownOperation(id) => {
                write!(f, "`{id}` is not an operation of the generated client")
            }
            DispatchError::Argument { name, message } => {
                write!(f, "argument `{name}`: {message}")
            }
            DispatchError::Client(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for DispatchError {}

/// The status of a success answer, or the client's error as text. URLs are left out of
/// connection errors because query strings can carry credentials.
pub fn finish<T, E>(result: Result<ResponseValue<T>, Error<E>>) -> Result<Called, DispatchError> {
    let text = match result {
        Ok(value) => {
            return Ok(Called {
                status: value.status().as_u16(),
            });
        }
        Err(Error::InvalidRequest(s)) => format!("invalid request: {s}"),
        Err(Error::CommunicationError(e)) => format!("communication error: {}", chain(e)),
        Err(Error::InvalidUpgrade(e)) => format!("invalid upgrade: {}", chain(e)),
        Err(Error::ErrorResponse(value)) => {
            format!("documented error status {}", value.status().as_u16())
        }
        Err(Error::ResponseBodyError(e)) => {
            format!("reading the response body failed: {}", chain(e))
        }
        Err(Error::InvalidResponsePayload(bytes, e)) => format!(
            "the response body ({} bytes) does not decode into the documented type: {e}",
            bytes.len()
        ),
        Err(Error::UnexpectedResponse(response)) => {
            format!("undocumented status {}", response.status().as_u16())
        }
        Err(Error::Custom(s)) => s,
    };
    Err(DispatchError::Client(text))
}

/// A reqwest error and its causes, without the request URL.
fn chain(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    use super::*;

    fn client_text(result: Result<Called, DispatchError>) -> String {
        match result {
            Err(DispatchError::Client(text)) => text,
            other => panic!("expected a client error, got {other:?}"),
        }
    }

    /// A reqwest error carrying a URL whose query holds a credential-like value.
    fn error_with_url() -> reqwest::Error {
        let error = reqwest::Client::new()
            .get("http://127.0.0.1/")
            .header("bad header\n", "x")
            .build()
            .expect_err("an invalid header name fails the build");
        let url = reqwest::Url::parse("http://127.0.0.1/scores?token=query-credential")
            .expect("a valid URL");
        error.with_url(url)
    }

    #[test]
    fn a_success_answer_is_its_status() {
        let ok: Result<ResponseValue<()>, Error<()>> = Ok(ResponseValue::new(
            (),
            StatusCode::CREATED,
            HeaderMap::new(),
        ));
        assert_eq!(finish(ok), Ok(Called { status: 201 }));
    }

    #[test]
    fn a_documented_error_status_is_named() {
        let err: Result<ResponseValue<()>, Error<()>> = Err(Error::ErrorResponse(
            ResponseValue::new((), StatusCode::NOT_FOUND, HeaderMap::new()),
        ));
        assert_eq!(client_text(finish(err)), "documented error status 404");
    }

    #[test]
    fn an_undecodable_body_gives_its_length_and_the_reason() {
        let decode = serde_json::from_str::<u8>("{").unwrap_err();
        let err: Result<ResponseValue<()>, Error<()>> =
            Err(Error::InvalidResponsePayload(b"{".to_vec().into(), decode));
        let text = client_text(finish(err));
        assert!(
            text.starts_with("the response body (1 bytes) does not decode"),
            "{text}"
        );
    }

    #[test]
    fn connection_errors_leave_the_url_out() {
        let err: Result<ResponseValue<()>, Error<()>> =
            Err(Error::CommunicationError(error_with_url()));
        let text = client_text(finish(err));
        assert!(text.starts_with("communication error: "), "{text}");
        assert!(!text.contains("query-credential"), "{text}");
        assert!(!text.contains("/scores"), "{text}");
    }

    #[test]
    fn display_matches_each_variant() {
        assert_eq!(
            DispatchError::UnknownOperation("nope".into()).to_string(),
            "`nope` is not an operation of the generated client"
        );
        let argument = DispatchError::Argument {
            name: "query/count".into(),
            message: "invalid type".into(),
        };
        assert_eq!(argument.to_string(), "argument `query/count`: invalid type");
        assert_eq!(DispatchError::Client("custom".into()).to_string(), "custom");
    }
}
