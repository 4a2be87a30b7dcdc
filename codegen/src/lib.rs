//! The gamespec code-generation pipeline: load a spec, lint it, derive the generator view,
//! generate the client with progenitor, and compare the result with what is committed.
//!
//! `xtask` drives it (`cargo xtask generate | check | lint`); the conformance crate reuses
//! [`load`] and [`schema`].

pub mod api;
pub mod dispatch;
pub mod drift;
pub mod generate;
pub mod inventory;
pub mod lint;
pub mod load;
pub mod locate;
pub mod operations;
pub mod pointer;
pub mod probe;
pub mod quiet_panic;
pub mod refs;
pub mod schema;
pub mod view;
pub mod walk;
