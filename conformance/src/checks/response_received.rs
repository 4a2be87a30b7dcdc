//! C000 `response_received`: the server answered at all.

use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;

/// C000: the server answered with an HTTP response, not a timeout, a refused or dropped
/// connection, or a body too large to read. The only check that judges transport errors.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseReceived;

impl Check for ResponseReceived {
    fn code(&self) -> &'static str {
        "C000"
    }

    fn name(&self) -> &'static str {
        "response_received"
    }

    fn assertion(&self) -> &'static str {
        "The server answers with an HTTP response (no timeout, refused or dropped connection, or oversized body)."
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        match &exchange.response {
            Ok(_) => Outcome::Pass,
            Err(error) => Outcome::fail(
                "an HTTP response",
                format!("no response: {}", one_line(&without_queries(error))),
            ),
        }
    }
}

/// `text` with the query string of every URL in it cut off: transport errors quote the request
/// URL, and a query can carry a credential (an `apiKey` sent `in: query`).
fn without_queries(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>'))
            .unwrap_or(tail.len());
        let url = &tail[..end];
        out.push_str(url.split_once('?').map_or(url, |(base, _)| base));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Newlines folded into spaces, so the failure stays one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Intent;
    use crate::checks::fixture::{actual, case, exchange, response, run};

    #[test]
    fn any_status_is_a_response() {
        for status in [200, 404, 500] {
            let ex = exchange(
                case("getItem", Intent::Valid),
                Ok(response(status, &[], "")),
            );
            assert_eq!(run(&ResponseReceived, &ex), Outcome::Pass);
        }
    }

    #[test]
    fn a_transport_error_fails_with_the_error_on_one_line() {
        let ex = exchange(
            case("getItem", Intent::Valid),
            Err("timed out:\n operation timed out".into()),
        );
        assert_eq!(
            actual(run(&ResponseReceived, &ex)),
            "no response: timed out: operation timed out"
        );
    }

    #[test]
    fn query_strings_of_quoted_urls_are_dropped() {
        let error = "error sending request for url (http://127.0.0.1:9/items/1?api_key=s3cr3t-key): connection closed";
        let ex = exchange(case("getItem", Intent::Valid), Err(error.into()));
        let text = actual(run(&ResponseReceived, &ex));
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(
            text.contains("(http://127.0.0.1:9/items/1): connection closed"),
            "{text}"
        );
    }
}
