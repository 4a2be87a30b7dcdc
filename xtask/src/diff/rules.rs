//! The rule catalogue: every kind of change `cargo xtask diff` reports, with a stable id and what
//! it means to each of the three readers (wire clients, users of the generated Rust crate, servers
//! under conformance test).
//!
//! Ids never change once published: CI logs, baselines and the catalogue in
//! `xtask/tests/diff-catalogue/` refer to them.

use serde::Serialize;

/// How bad a change is for one reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Nothing that worked stops working.
    Info,
    /// Something may stop working, or code gets a deprecation warning.
    Warning,
    /// Something that worked stops working (a request is rejected, a response is misread, code
    /// no longer compiles or fails at run time, a passing server fails).
    Breaking,
}

impl Severity {
    /// `breaking`, `warning`, `info`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Breaking => "breaking",
        }
    }
}

/// One kind of change.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, kebab-case.
    pub id: &'static str,
    /// For a client in any language that speaks to the API over the wire.
    pub wire: Severity,
    /// For code using the generated Rust crate (its types and builder methods).
    pub rust: Severity,
    /// For a server that passed the conformance suite before the change.
    pub server: Severity,
    /// Why, in one line (the Rust and server consequences, where they differ from the wire's).
    pub why: &'static str,
}

impl Rule {
    /// The severity for clients (the wire and the Rust crate): what the crate's version must
    /// account for. The server reader is reported beside it but does not set it.
    pub fn severity(&self) -> Severity {
        self.wire.max(self.rust)
    }
}

use Severity::{Breaking as B, Info as I, Warning as W};

macro_rules! rules {
    ($($id:literal $wire:ident $rust:ident $server:ident $why:literal;)*) => {
        /// Every rule, grouped by family.
        pub const RULES: &[Rule] = &[$(Rule { id: $id, wire: $wire, rust: $rust, server: $server, why: $why }),*];
    };
}

rules! {
    // api
    "api-added" I I I "a new API in the registry; nothing existed to break";
    // operations
    "operation-removed" B B I "calls answer 404/405; the crate's builder method is gone";
    "operation-added" I I B "a server that passed does not serve it yet";
    "operation-route-changed" B I B "same operationId, other method or path: old clients call the old route";
    "operation-id-changed" I B I "same route; the crate's method (and its builder type) is renamed";
    "operation-deprecated" W W I "still served; the crate's method gets #[deprecated]";
    // parameters
    "parameter-added-required" B B W "old requests lack it; the builder fails at send() until it is set";
    "parameter-added-optional" I I I "old requests stay valid; the builder gains a method";
    "parameter-removed" W B I "old requests still send it; the builder method is gone";
    "parameter-made-required" B B W "requests without it are rejected; the builder fails at send() without it";
    "parameter-made-optional" I I I "requests with it stay valid";
    "parameter-type-changed" B B B "old values no longer validate; the builder method takes another type";
    "parameter-type-widened" I B W "every old value stays valid (a type became a oneOf/anyOf holding it); the builder method takes another Rust type; a server that passed may reject the new types";
    "parameter-type-narrowed" B B I "values of the dropped types are rejected; the builder method takes another Rust type";
    "parameter-format-changed" W B W "values may be validated against the new format; the builder method may take another Rust type";
    "parameter-enum-value-removed" B B I "a value old clients send is rejected; the enum variant is gone";
    "parameter-enum-value-added" I W B "a new enum variant breaks exhaustive matches; a server that passed rejects the value";
    "parameter-constraint-tightened" B I I "values old clients send may be rejected (length, range, pattern, items)";
    "parameter-constraint-loosened" I I W "a server that passed may reject the newly valid values";
    "parameter-default-changed" W I I "clients that omit it get another behaviour";
    "parameter-deprecated" W W I "still accepted; marked deprecated";
    "parameter-renamed" I B I "a path parameter renamed: the URL is the same, the builder method is renamed";
    "parameter-style-changed" B I B "the same value is serialized differently on the wire";
    // request bodies
    "request-body-added-required" B B W "old requests have no body and are rejected";
    "request-body-added-optional" I I I "old requests stay valid";
    "request-body-removed" W B I "the builder's body methods are gone";
    "request-body-made-required" B B W "requests without a body are rejected; the builder fails at send() without one";
    "request-media-type-removed" B B I "requests in that media type are rejected; the crate sends another type";
    "request-media-type-added" I I B "a server that passed does not accept the new media type";
    "request-property-added-required" B B W "old bodies lack it; struct literals do not compile and builders fail at run time";
    "request-property-added-optional" I W I "struct literals of the body type no longer compile (builders are unaffected)";
    "request-property-removed" W B I "old bodies still send it (rejected if additionalProperties is false); the field is gone";
    "request-property-made-required" B B W "bodies without it are rejected; the field's type loses Option";
    "request-property-made-optional" I B I "the field's type becomes Option<T>";
    "request-property-type-changed" B B B "old values no longer validate; the field's Rust type changes";
    "request-property-type-widened" I B W "every old value stays valid (a type became a oneOf/anyOf holding it); the field's Rust type becomes an enum of the types; a server that passed may reject the new types";
    "request-property-type-narrowed" B B I "values of the dropped types are rejected; the field's Rust type changes";
    "request-property-format-changed" W B W "values may be validated against the new format; the field's Rust type may change (e.g. String → a date-time or Secret type)";
    "request-property-became-nullable" I B I "null is accepted; the field's type becomes Option<T>";
    "request-property-nullable-removed" B B I "null is rejected; the field's type loses Option";
    "request-property-enum-value-removed" B B I "a value old clients send is rejected; the enum variant is gone";
    "request-property-enum-value-added" I W B "a new enum variant breaks exhaustive matches; a server that passed rejects the value";
    "request-property-default-changed" W I I "clients that omit it get another behaviour";
    "request-property-constraint-tightened" B I I "values old clients send may be rejected (length, range, pattern, items)";
    "request-property-constraint-loosened" I I W "a server that passed may reject the newly valid values";
    "request-additional-properties-narrowed" B W I "properties old clients send beside the declared ones are rejected";
    "request-variant-added" I W B "a new oneOf/anyOf variant (a new enum variant in Rust); a server that passed rejects it";
    "request-variant-removed" B B I "bodies of that variant are rejected; the Rust variant is gone";
    // responses
    "response-status-added" W W I "clients that do not know the status treat it as an error; the crate's return or error type may change";
    "response-status-removed" I W B "a server that still answers it fails status_code_conformance";
    "response-media-type-removed" B B B "clients that read that media type get another one";
    "response-media-type-added" W W I "clients that check the media type may refuse the new one";
    "response-property-removed" B B I "clients reading it find nothing; the field is gone";
    "response-property-added" I W I "struct literals and exhaustive patterns of the response type no longer compile";
    "response-property-added-required" I W B "a server that passed does not send it and fails response_schema_conformance";
    "response-property-made-required" I B B "the field's type loses Option; servers that omit it fail response_schema_conformance";
    "response-property-made-optional" B B I "clients relying on it may not find it; the field's type becomes Option<T>";
    "response-property-became-nullable" B B I "clients may read null; old generated clients fail to parse it; the type becomes Option<T>";
    "response-property-nullable-removed" I B B "the field's type loses Option; a server that sends null fails";
    "response-property-type-changed" B B B "clients misread the value; the field's Rust type changes; a server that passed fails";
    "response-property-type-widened" B B I "clients that expect the old type may read another (a type became a oneOf/anyOf holding it); the field's Rust type becomes an enum of the types";
    "response-property-type-narrowed" I B B "clients still read a type they know; the field's Rust type changes; a server that still sends a dropped type fails";
    "response-property-format-changed" W B W "clients parsing the format read another thing; the field's Rust type may change";
    "response-property-enum-value-added" B B I "old clients with closed enums fail to parse the new value; exhaustive matches break";
    "response-property-enum-value-removed" I B B "the enum variant is gone; a server that still sends the value fails";
    "response-property-constraint-loosened" W I I "clients validating answers may refuse the newly allowed values";
    "response-property-constraint-tightened" I I B "a server that sends values outside the new range fails response_schema_conformance";
    "response-variant-added" B B I "old clients cannot parse the new variant; exhaustive matches break";
    "response-variant-removed" I B B "the Rust variant is gone; a server that still sends it fails";
    "response-header-added-required" I I B "a server that passed does not send it and fails response_headers_conformance";
    "response-header-removed" B W I "clients reading the header find nothing";
    "response-link-added" I I W "the conformance runner's stateful phase follows the new link (create → read → delete → read)";
    "response-link-removed" I I I "the stateful phase no longer follows it";
    "property-deprecated" W W I "still sent or accepted; marked deprecated";
    // security
    "security-alternative-removed" B W I "credentials old clients send are no longer accepted (a public operation now needs credentials)";
    "security-alternative-added" I I B "a server that passed does not accept the new credential (or no credential)";
    "security-scheme-changed" B B B "the credential travels differently (scheme type, location or name changed)";
    "security-scheme-removed" I I I "the scheme is gone from the spec; operations that used it are reported on their own";
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(
                r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                r.id
            );
            assert!(RULES[..i].iter().all(|o| o.id != r.id), "{} twice", r.id);
        }
        assert!(RULES.len() >= 40);
    }

    #[test]
    fn the_client_severity_ignores_the_server_reader() {
        let added = rule("operation-added").expect("rule");
        assert_eq!(added.severity(), Severity::Info);
        assert_eq!(added.server, Severity::Breaking);
        assert_eq!(
            rule("operation-id-changed").map(Rule::severity),
            Some(Severity::Breaking)
        );
    }
}
