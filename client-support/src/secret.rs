//! [`Secret`]: the Rust type of every spec field marked `format: password` (session tokens, JWTs,
//! refresh tokens, passwords, client secrets). It serializes as the plain string the API expects,
//! but `Debug` and `Display` never show it, so logging a request or response type leaks nothing.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A credential string that is redacted in `Debug` and `Display`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wrap a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself, for sending it on; do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Unwrap into the plain string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl From<&String> for Secret {
    fn from(value: &String) -> Self {
        Secret(value.clone())
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_in_debug_and_display_plain_on_the_wire() {
        let s = Secret::from("tok-123");
        assert_eq!(format!("{s:?} {s}"), "Secret(<redacted>) <redacted>");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"tok-123\"");
        let back: Secret = serde_json::from_str("\"tok-123\"").unwrap();
        assert_eq!(back.expose(), "tok-123");
    }
}
