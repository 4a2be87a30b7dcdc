//! Contract tests for servers of the gamespec APIs, on top of the spec core (`gamespec_spec`):
//! the spec-driven mock server ([`mock`]), a fake of any gamespec API that validates requests,
//! enforces the spec's security with credentials it issues itself, and answers only documented
//! statuses with bodies that validate against the documented schemas; and the runner
//! ([`runner`]) with its checks ([`checks`]), which test any server against the same spec. Both
//! read requests with one reader ([`read`]) and draw values from one generator ([`generate`]).
//!
//! ```no_run
//! use std::sync::Arc;
//! use gamespec_conformance::mock::{MockOptions, MockServer};
//! use gamespec_spec::spec::Spec;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let spec = Arc::new(Spec::load("lootlocker")?);
//! let server = MockServer::start(spec, MockOptions::default()).await?;
//! let token = &server.credentials()["sessionToken"];
//! println!("{} accepts x-session-token: {token}", server.url());
//! server.shutdown().await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod auth;
pub mod baseline;
pub mod case;
pub mod checks;
pub mod coverage;
pub mod exchange;
pub mod generate;
pub mod known_valid;
pub mod mock;
pub mod outcome;
pub mod pattern;
pub mod proxy;
pub mod read;
pub mod replay;
pub mod report;
pub mod runner;
pub mod secrets;
pub mod wire;
