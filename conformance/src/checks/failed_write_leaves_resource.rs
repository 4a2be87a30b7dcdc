//! C019 `failed_write_leaves_resource`: a write refused with a 4xx changes nothing.

use crate::case::Intent;
use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;

/// C019: the read of a resource after a write to it was refused ([`Intent::AfterFailedWrite`])
/// answers as the read before the write did: the same status and the same body. A server that
/// half-applies a write it reports as failed leaves clients with state they never asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailedWriteLeavesResource;

/// SHA-256 of `text`, hex: how the read before a write is remembered.
pub fn digest(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Check for FailedWriteLeavesResource {
    fn code(&self) -> &'static str {
        "C019"
    }

    fn name(&self) -> &'static str {
        "failed_write_leaves_resource"
    }

    fn assertion(&self) -> &'static str {
        "A resource read after a refused (4xx) write to it answers as it did before the write."
    }

    fn judges_decision(&self) -> bool {
        true
    }

    fn check(&self, _cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Intent::AfterFailedWrite {
            written_by,
            status,
            sha256,
        } = &exchange.case.intent
        else {
            return Outcome::Skip;
        };
        let Ok(response) = &exchange.response else {
            return Outcome::Skip;
        };
        let expected =
            || format!("status {status} and the body read before {written_by} was refused");
        if response.status != *status {
            return Outcome::fail(expected(), format!("status {}", response.status));
        }
        let now = response
            .kept
            .as_ref()
            .map_or_else(|| digest(&response.body), |k| k.sha256.clone());
        if &now == sha256 {
            Outcome::Pass
        } else {
            Outcome::fail(
                expected(),
                format!("status {} with another body", response.status),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixture::{actual, case, exchange, response, run};

    fn after(status: u16, body: &str) -> Intent {
        Intent::AfterFailedWrite {
            written_by: "deleteItem".into(),
            status,
            sha256: digest(body),
        }
    }

    #[test]
    fn the_same_read_passes_another_status_or_body_fails() {
        let same = exchange(
            case("getItem", after(200, "{}")),
            Ok(response(200, &[], "{}")),
        );
        assert_eq!(run(&FailedWriteLeavesResource, &same), Outcome::Pass);
        let gone = exchange(
            case("getItem", after(200, "{}")),
            Ok(response(404, &[], "{}")),
        );
        assert_eq!(actual(run(&FailedWriteLeavesResource, &gone)), "status 404");
        let other = exchange(
            case("getItem", after(200, "{}")),
            Ok(response(200, &[], "{\"a\":1}")),
        );
        assert_eq!(
            actual(run(&FailedWriteLeavesResource, &other)),
            "status 200 with another body"
        );
        let valid = exchange(case("getItem", Intent::Valid), Ok(response(200, &[], "{}")));
        assert_eq!(run(&FailedWriteLeavesResource, &valid), Outcome::Skip);
    }
}
