//! `cargo xtask diff`: every change between two versions of a spec, each with a stable rule id
//! ([`rules`]), a severity per reader and a location. One file per rule family: [`operations`]
//! (matching operations and what belongs to one), [`parameters`], [`request_bodies`],
//! [`responses`], [`schemas`] (the recursive schema comparison both directions share) and
//! [`security`]. [`source`] reads the old version from git, [`gate`] decides whether the client
//! crate's version accounts for the breaking changes, [`report`] writes console, Markdown, JSON
//! and changelog text, [`command`] ties them together, [`agreement`] runs the catalogue through
//! Optic and openapi-diff.

pub mod agreement;
pub mod command;
pub mod gate;
mod operations;
mod parameters;
pub mod report;
mod request_bodies;
mod responses;
pub mod rules;
mod schemas;
mod security;
pub mod source;

use serde::Serialize;
use serde_json::Value;

use rules::{Rule, Severity};

/// One change between the old and the new spec.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The rule's stable id.
    #[serde(serialize_with = "rule_id")]
    pub rule: &'static Rule,
    /// The operationId (the new one when it changed), if the change belongs to an operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// `GET /path` of that operation (the new route when it changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The parameter (`query count`), if the change belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// JSON pointer into the new spec (into the old one for what was removed).
    pub pointer: String,
    /// What changed, in one line.
    pub message: String,
}

fn rule_id<S: serde::Serializer>(rule: &&'static Rule, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rule.id)
}

impl Finding {
    /// The severity for clients (what the crate's version must account for).
    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }
}

/// Where findings go while two specs are compared, with the operation being compared.
pub(crate) struct Sink<'a> {
    /// The old document.
    pub old: &'a Value,
    /// The new document.
    pub new: &'a Value,
    operation: Option<(String, String)>,
    findings: Vec<Finding>,
    /// Pairs of components (direction is request, old `$ref`, new `$ref`) compared without a
    /// finding.
    clean: std::collections::HashSet<(bool, String, String)>,
}

impl<'a> Sink<'a> {
    fn new(old: &'a Value, new: &'a Value) -> Self {
        Sink {
            old,
            new,
            operation: None,
            findings: Vec::new(),
            clean: std::collections::HashSet::new(),
        }
    }

    /// `listLeaderboards: ` when an operation is being compared, for messages that would not
    /// name it otherwise.
    pub fn operation_prefix(&self) -> String {
        self.operation
            .as_ref()
            .map(|(id, _)| format!("{id}: "))
            .unwrap_or_default()
    }

    /// Record a finding of rule `id` at `pointer`.
    pub fn push(
        &mut self,
        id: &str,
        pointer: &str,
        parameter: Option<&str>,
        message: impl Into<String>,
    ) {
        // Every id used in this module tree is in the catalogue (the catalogue test would show a
        // missing one as a missing finding); an unknown id is dropped rather than panicking.
        let Some(rule) = rules::rule(id) else {
            debug_assert!(false, "unknown rule id {id}");
            return;
        };
        self.findings.push(Finding {
            rule,
            operation: self.operation.as_ref().map(|(id, _)| id.clone()),
            route: self.operation.as_ref().map(|(_, route)| route.clone()),
            parameter: parameter.map(str::to_owned),
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }
}

/// Every change from `old` to `new` (two OpenAPI documents as JSON), in document order of the
/// new spec's operations, then the removed ones, then document-wide changes.
pub fn compare(old: &Value, new: &Value) -> Vec<Finding> {
    let mut sink = Sink::new(old, new);
    operations::compare(&mut sink);
    sink.operation = None;
    security::compare_schemes(&mut sink);
    sink.findings
}

/// A JSON value in messages, short.
pub(crate) fn show(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}
