//! What is wrong with a request and where, named one way for the mock's answers and for the
//! runner's read-back: `query/count`, `header/X-Mode`, `body`, `body/player/name`,
//! `body/items/0/id`.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;

/// Whether a problem breaks the contract or keeps the request from reaching the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The operation's schemas reject the request: a server should answer with a 4xx.
    Contract,
    /// The request cannot be sent, or goes to another route: it tells nothing about this
    /// operation (an empty path segment, a header value HTTP cannot carry).
    Transport,
}

/// One thing wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: `query/count`, `body/player/name`, `body`, `header/Content-Type`, `path`.
    pub location: String,
    /// What, in the validator's words.
    pub message: String,
    /// Contract violation or transport problem.
    pub kind: Kind,
}

impl Problem {
    /// A contract problem at `location`.
    pub fn contract(location: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            location: location.into(),
            message: message.into(),
            kind: Kind::Contract,
        }
    }

    /// A transport problem at `location`.
    pub fn transport(location: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            location: location.into(),
            message: message.into(),
            kind: Kind::Transport,
        }
    }

    /// What the problem is about, without its place: the parameter's name (`count`), the body
    /// field (`player/name`), the header (`Content-Type`), or `body` for the whole body.
    pub fn subject(&self) -> &str {
        self.location
            .split_once('/')
            .map_or(self.location.as_str(), |(_, rest)| rest)
    }

    /// The problem as one sentence for a client: `query parameter "count": required but not
    /// sent`, `body field "player/name": 7 is not of type "string"`.
    pub fn sentence(&self) -> String {
        let message = &self.message;
        match self.location.split_once('/') {
            None => format!("{}: {message}", self.location),
            Some(("body", field)) => format!("body field \"{field}\": {message}"),
            Some(("header", name)) => format!("header \"{name}\": {message}"),
            Some((place, name)) => format!("{place} parameter \"{name}\": {message}"),
        }
    }
}

/// The location of `segments` (object keys, array indexes) below `place` (`body`,
/// `query/ids`): each joined by `/`.
pub fn location<S: AsRef<str>>(place: &str, segments: impl IntoIterator<Item = S>) -> String {
    let mut out = place.to_owned();
    for segment in segments {
        out.push('/');
        out.push_str(segment.as_ref());
    }
    out
}

/// A validator error as a contract problem at `place` plus the error's instance path; a
/// missing required property is located at the property itself, not at its parent.
pub fn located(place: &str, err: &ValidationError<'_>) -> Problem {
    let mut segments: Vec<String> = err
        .instance_path()
        .iter()
        .map(|s| match s {
            LocationSegment::Property(p) => p.into_owned(),
            LocationSegment::Index(i) => i.to_string(),
        })
        .collect();
    if let ValidationErrorKind::Required { property } = err.kind()
        && let Some(name) = property.as_str()
    {
        segments.push(name.to_owned());
    }
    Problem::contract(location(place, segments), err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_name_the_place_and_subject() {
        let p = Problem::contract("query/count", "required but not sent");
        assert_eq!(p.subject(), "count");
        assert_eq!(
            p.sentence(),
            "query parameter \"count\": required but not sent"
        );
        let p = Problem::contract("body/player/name", "bad");
        assert_eq!(p.subject(), "player/name");
        assert_eq!(p.sentence(), "body field \"player/name\": bad");
        let p = Problem::contract("body", "required but not sent");
        assert_eq!(p.subject(), "body");
        assert_eq!(p.sentence(), "body: required but not sent");
        let p = Problem::contract("header/Content-Type", "`text/plain` is not accepted");
        assert_eq!(p.subject(), "Content-Type");
        assert_eq!(
            p.sentence(),
            "header \"Content-Type\": `text/plain` is not accepted"
        );
    }
}
