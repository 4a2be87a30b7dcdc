//! The runtime of every client's generated `dispatch` module (its `dispatch` feature): calling a
//! generated operation by operationId with JSON arguments.
//!
//! A client's `src/dispatch.rs` is generated per spec and holds only what depends on the spec:
//! the operation and schema tables, `call`, `roundtrip` and one function per operation. Those
//! functions use the items here to refuse arguments an operation does not declare
//! ([`Args::check`] with its [`Shape`]), to find each argument ([`Args::get`]), to convert it to
//! the type its builder setter takes ([`arg`], [`joined`]) and to turn the client's answer into
//! [`Called`] or a [`DispatchError`] ([`finish`]). The argument, result and error types are
//! re-exported by each client's `dispatch` module, so callers name them through the client.

mod args;
mod convert;
mod outcome;

pub use args::{Args, Place, Shape};
pub use convert::{arg, joined, roundtrip_as};
pub use outcome::{Called, DispatchError, finish};
