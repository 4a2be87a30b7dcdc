//! The runtime of every generated dispatch crate (`generated/<api>-dispatch/`, test tooling):
//! calling a client's generated operation by operationId with JSON arguments. No client crate
//! depends on it, so no user of a client compiles it.
//!
//! A dispatch crate's `src/dispatch.rs` is generated per spec and holds only what depends on the spec:
//! the operation and schema tables, `call`, `roundtrip` and one function per operation. Those
//! functions use the items here to refuse arguments an operation does not declare
//! ([`Args::check`] with its [`Shape`]), to find each argument ([`Args::get`]), to convert it to
//! the type its builder setter takes ([`arg`], [`joined`]) and to turn the client's answer into
//! [`Called`] or a [`DispatchError`] ([`finish`]). The argument, result and error types are
//! re-exported by each dispatch crate, so callers name them through it.

mod args;
mod convert;
mod outcome;

pub use args::{Args, Place, Shape};
pub use convert::{arg, joined, roundtrip_as};
pub use outcome::{Called, DispatchError, finish};
