//! The gamespec code-generation pipeline: lint a spec, derive the generator view, generate the
//! client with progenitor, and compare the result with what is committed.
//!
//! Loading, `$ref` resolution, the schema conversion and the API registry live in the spec core
//! (`gamespec_spec`); `xtask` drives this crate (`cargo xtask generate | check | lint`).

pub mod dispatch;
pub mod drift;
pub mod features;
pub mod generate;
pub mod lifecycle;
pub mod lint;
pub mod optional_setters;
pub mod pagination;
pub mod probe;
pub mod quiet_panic;
pub mod view;
