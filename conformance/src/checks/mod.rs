//! The registry of checks. Each check has a stable code (`C001`…), a snake-case name, and one
//! assertion about one exchange; it decides from the case's [`Intent`](crate::case::Intent)
//! whether it applies. Checks never send requests: cases that need another request (credentials
//! removed, a read after a delete) are generated as cases of their own.

use std::time::Duration;

use crate::exchange::Exchange;
use gamespec_spec::spec::{Operation, Spec};

mod content_type_conformance;
mod failed_write_leaves_resource;
#[cfg(test)]
pub(crate) mod fixture;
mod forged_credentials_rejected;
mod get_not_created;
mod max_response_time;
mod missing_credentials_rejected;
mod missing_parameter_rejected;
mod missing_required_header;
mod negative_data_rejection;
mod no_body_on_204;
mod no_internal_error_text;
mod not_a_server_error;
mod object_level_authorization;
mod positive_data_acceptance;
mod resource_available_after_create;
mod resource_gone_after_delete;
mod response_headers_conformance;
mod response_received;
mod response_schema_conformance;
mod status_code_conformance;
mod unsupported_method;

pub use content_type_conformance::ContentTypeConformance;
pub use failed_write_leaves_resource::{FailedWriteLeavesResource, digest};
pub use forged_credentials_rejected::ForgedCredentialsRejected;
pub use get_not_created::GetNotCreated;
pub use max_response_time::MaxResponseTime;
pub use missing_credentials_rejected::MissingCredentialsRejected;
pub use missing_parameter_rejected::MissingParameterRejected;
pub use missing_required_header::MissingRequiredHeader;
pub use negative_data_rejection::NegativeDataRejection;
pub use no_body_on_204::NoBodyOn204;
pub use no_internal_error_text::NoInternalErrorText;
pub use not_a_server_error::NotAServerError;
pub use object_level_authorization::ObjectLevelAuthorization;
pub use positive_data_acceptance::PositiveDataAcceptance;
pub use resource_available_after_create::ResourceAvailableAfterCreate;
pub use resource_gone_after_delete::ResourceGoneAfterDelete;
pub use response_headers_conformance::ResponseHeadersConformance;
pub use response_received::ResponseReceived;
pub use response_schema_conformance::ResponseSchemaConformance;
pub use status_code_conformance::StatusCodeConformance;
pub use unsupported_method::UnsupportedMethod;

/// Settings some checks read.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    /// The limit of `max_response_time` (the check is off unless enabled).
    pub max_response_time: Duration,
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            max_response_time: Duration::from_secs(2),
        }
    }
}

/// What a check sees besides the exchange.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// The spec under test.
    pub spec: &'a Spec,
    /// The operation the case belongs to.
    pub operation: &'a Operation,
    /// Settings.
    pub settings: &'a CheckSettings,
}

/// Why a check failed: what the contract expects and what the server did, each one line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// What the spec requires (`status 401 or 403`).
    pub expected: String,
    /// What came (`status 200`).
    pub actual: String,
}

/// The result of one check on one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The assertion holds.
    Pass,
    /// The check does not apply to this exchange.
    Skip,
    /// The assertion does not hold.
    Fail(Failure),
}

impl Outcome {
    /// A failure from its two sides.
    pub fn fail(expected: impl Into<String>, actual: impl Into<String>) -> Outcome {
        Outcome::Fail(Failure {
            expected: expected.into(),
            actual: actual.into(),
        })
    }
}

/// One check.
pub trait Check: Send + Sync {
    /// Stable code, `C` and three digits; never reused for another assertion.
    fn code(&self) -> &'static str;
    /// Stable snake-case name (`status_code_conformance`).
    fn name(&self) -> &'static str;
    /// The assertion in one sentence, for `--list-checks` and reports.
    fn assertion(&self) -> &'static str;
    /// Whether the check runs unless configured otherwise.
    fn on_by_default(&self) -> bool {
        true
    }
    /// Whether the check judges the server's decision about the request (accepted, rejected,
    /// found, gone) rather than the form of the answer. A rate limit (429 or 503 with
    /// `Retry-After`) decides nothing about the request: it is judged by the other checks only,
    /// and the request's fate waits for the retry.
    fn judges_decision(&self) -> bool {
        false
    }
    /// Judge one exchange.
    fn check(&self, cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome;
}

/// Every check, in code order.
static REGISTRY: &[&dyn Check] = &[
    &ResponseReceived,
    &NotAServerError,
    &StatusCodeConformance,
    &ContentTypeConformance,
    &ResponseHeadersConformance,
    &ResponseSchemaConformance,
    &NegativeDataRejection,
    &PositiveDataAcceptance,
    &MissingRequiredHeader,
    &UnsupportedMethod,
    &MissingCredentialsRejected,
    &ForgedCredentialsRejected,
    &ResourceGoneAfterDelete,
    &ResourceAvailableAfterCreate,
    &MaxResponseTime,
    &GetNotCreated,
    &NoBodyOn204,
    &NoInternalErrorText,
    &MissingParameterRejected,
    &FailedWriteLeavesResource,
    &ObjectLevelAuthorization,
];

/// Every check, in code order.
pub fn registry() -> &'static [&'static dyn Check] {
    REGISTRY
}

/// The check with this code or name (case-insensitive).
pub fn find(code_or_name: &str) -> Option<&'static dyn Check> {
    registry().iter().copied().find(|c| {
        c.code().eq_ignore_ascii_case(code_or_name) || c.name().eq_ignore_ascii_case(code_or_name)
    })
}

/// The shape every intent check shares: skip unless the check `applies` to the case and a
/// response came; pass when `accepts` the status; otherwise fail with `expected` (built only on
/// failure, since checks run on every exchange) against the status received.
fn judge_status(
    exchange: &Exchange,
    applies: bool,
    accepts: impl Fn(u16) -> bool,
    expected: impl FnOnce() -> String,
) -> Outcome {
    if !applies {
        return Outcome::Skip;
    }
    let Ok(response) = &exchange.response else {
        return Outcome::Skip;
    };
    if accepts(response.status) {
        Outcome::Pass
    } else {
        Outcome::fail(expected(), format!("status {}", response.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_in_code_order_and_every_entry_is_found_by_code_and_name() {
        let codes: Vec<&str> = registry().iter().map(|c| c.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted, "codes are sorted and unique");
        assert_eq!(codes.len(), 21);
        for check in registry() {
            assert_eq!(find(check.code()).map(|c| c.name()), Some(check.name()));
            assert_eq!(
                find(&check.name().to_ascii_uppercase()).map(|c| c.code()),
                Some(check.code())
            );
            assert!(!check.assertion().is_empty());
        }
        assert!(find("C999").is_none());
        assert!(!find("max_response_time").unwrap().on_by_default());
    }
}
