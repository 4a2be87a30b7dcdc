//! The spec core of gamespec, beneath codegen, the mock and the runner: the API registry with
//! the embedded specs ([`registry`]), loading with source positions ([`load`]), `$ref`
//! resolution ([`refs`]), the OpenAPI → JSON Schema conversion per direction ([`schema`]),
//! reading schema shapes ([`shape`]), the operation objects as written ([`paths`]), the resolved
//! operation model ([`spec`], [`operation`]) and how each
//! security scheme carries its credential ([`security`]), and the vendor audit records
//! ([`audit`], [`inventory`], [`vendor_drift`]).
//!
//! Nothing here generates code: a crate that serves or checks an API depends on this one and
//! never on progenitor.

#![warn(missing_docs)]

pub mod audit;
pub mod behaviour;
pub mod check;
pub mod inventory;
pub mod load;
pub mod locate;
pub mod operation;
pub mod paths;
pub mod pointer;
pub mod refs;
pub mod registry;
mod resolve;
pub mod schema;
pub mod security;
pub mod shape;
pub mod spec;
pub mod vendor_drift;
pub mod walk;
pub mod yaml;
