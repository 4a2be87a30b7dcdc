//! Contract tests for servers of the gamespec APIs: the runner, its checks, the embedded mock
//! server, and the snapshot and property tests. This crate is a placeholder until the
//! conformance issues land; it exists so the workspace layout is final from the start.
