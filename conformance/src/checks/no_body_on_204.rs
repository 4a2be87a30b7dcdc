//! C016 `no_body_on_204`: a 204 No Content answer has no body and announces none.

use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;

/// C016: HTTP forbids a body on 204 (RFC 9110 §15.3.5); clients and proxies that trust the
/// status leave the bytes on the connection, where they corrupt the next answer. Since HTTP
/// libraries drop such bytes on either side, a `Content-Length` other than 0 or a
/// `Content-Type` (which announce content) fail as well.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBodyOn204;

impl Check for NoBodyOn204 {
    fn code(&self) -> &'static str {
        "C016"
    }

    fn name(&self) -> &'static str {
        "no_body_on_204"
    }

    fn assertion(&self) -> &'static str {
        "A 204 No Content answer has no body, no Content-Type and no Content-Length but 0."
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Ok(response) = &exchange.response else {
            return Outcome::Skip;
        };
        if response.status != 204 {
            return Outcome::Skip;
        }
        let size = response
            .kept
            .as_ref()
            .map_or(response.body.len() as u64, |k| k.size);
        let length = response
            .header("content-length")
            .is_some_and(|l| l.trim() != "0");
        if size > 0 || length {
            return Outcome::fail(
                "status 204 without a body",
                format!("status 204 with a body of {size} bytes"),
            );
        }
        match response.header("content-type") {
            // A media type announces content a 204 cannot have.
            Some(ct) => Outcome::fail(
                "status 204 without a body",
                format!("status 204 announcing a body of type {ct}"),
            ),
            None => Outcome::Pass,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Intent;
    use crate::checks::fixture::{actual, case, exchange, response, run};

    #[test]
    fn a_204_with_a_body_fails() {
        let empty = exchange(
            case("deleteItem", Intent::Valid),
            Ok(response(204, &[], "")),
        );
        assert_eq!(run(&NoBodyOn204, &empty), Outcome::Pass);
        let full = exchange(
            case("deleteItem", Intent::Valid),
            Ok(response(204, &[], "{\"ok\":1}")),
        );
        assert_eq!(
            actual(run(&NoBodyOn204, &full)),
            "status 204 with a body of 8 bytes"
        );
        let typed = exchange(
            case("deleteItem", Intent::Valid),
            Ok(response(204, &[("Content-Type", "application/json")], "")),
        );
        assert_eq!(
            actual(run(&NoBodyOn204, &typed)),
            "status 204 announcing a body of type application/json"
        );
        let other = exchange(case("getItem", Intent::Valid), Ok(response(200, &[], "{}")));
        assert_eq!(run(&NoBodyOn204, &other), Outcome::Skip);
    }
}
